//! Opening photos: a folder (scanned, Live Photos paired) or dropped files, their video clips
//! kept as still tiles or left out as `clips` says. When `clips` changes (the *Edit* menu, a
//! preset, undo), the same folder or files are opened again and the photos put back in the
//! user's order with what was left out; clips that come back join at the end.

use std::path::{Path, PathBuf};

use super::logic::{Editor, Opened};
use crate::photos;

impl Editor {
    /// Opens a folder (or, for a list of dropped files, those files).
    pub fn open_paths(&mut self, paths: &[PathBuf]) {
        match paths {
            [dir] if dir.is_dir() => self.open_folder(dir),
            _ => {
                self.opened = Opened {
                    paths: paths.to_vec(),
                    clips: self.settings.clips,
                };
                let files: Vec<PathBuf> = paths.iter().filter(|p| p.is_file()).cloned().collect();
                self.folder = files
                    .first()
                    .and_then(|p| p.parent().map(Path::to_path_buf));
                let (files, _live_motions) = photos::pair_live_photos(files);
                let (files, clips_left_out) = photos::apply_clip_mode(files, self.settings.clips);
                self.skipped = clips_left_out.iter().map(ToString::to_string).collect();
                self.set_photos(files);
            }
        }
    }

    pub fn open_folder(&mut self, dir: &Path) {
        match photos::scan_folder(dir, false) {
            Ok(scan) => {
                self.opened = Opened {
                    paths: vec![dir.to_owned()],
                    clips: self.settings.clips,
                };
                self.folder = Some(dir.to_owned());
                let (listed, clips_left_out) =
                    photos::apply_clip_mode(scan.photos, self.settings.clips);
                self.skipped = scan
                    .skipped
                    .iter()
                    .chain(&clips_left_out)
                    .map(ToString::to_string)
                    .collect();
                self.set_photos(photos::sort_photos(listed, self.settings.photos));
            }
            Err(e) => self.errors.push(e.to_string()),
        }
    }

    /// Call after any settings change: when `clips` is not what the photo list was made
    /// with, opens the same folder or files again and puts the photos back in their order,
    /// each left out or not as it was.
    pub(super) fn follow_clips(&mut self) {
        let skips = |mode: crate::settings::ClipMode| mode == crate::settings::ClipMode::Skip;
        if skips(self.settings.clips) == skips(self.opened.clips) {
            // The same files either way: only how the clips show changed.
            self.opened.clips = self.settings.clips;
            return;
        }
        if self.opened.paths.is_empty() {
            self.opened.clips = self.settings.clips;
            return;
        }
        let order: Vec<(PathBuf, bool)> = self
            .photos
            .iter()
            .map(|p| (p.path.clone(), p.included))
            .collect();
        let paths = self.opened.paths.clone();
        self.open_paths(&paths);
        self.photos.restore(&order);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{ClipMode, Settings};

    /// A folder of two photos and a clip: `clips: skip` takes the clip out of the list (and
    /// says so), `still` brings it back; the user's order and what they left out stay.
    #[test]
    fn changing_clips_opens_the_folder_again_keeping_the_order() {
        let dir = tempfile::tempdir().unwrap();
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        for name in ["a.jpg", "b.jpg"] {
            std::fs::copy(fixtures.join("gray.jpg"), dir.path().join(name)).unwrap();
        }
        std::fs::copy(fixtures.join("clips/h264.mp4"), dir.path().join("c.mp4")).unwrap();
        let mut editor = Editor::new(Settings::default());
        editor.open_folder(dir.path());
        let names = |e: &Editor| -> Vec<(String, bool)> {
            e.photos
                .iter()
                .map(|p| {
                    (
                        p.path.file_name().unwrap().to_string_lossy().into(),
                        p.included,
                    )
                })
                .collect()
        };
        assert_eq!(names(&editor).len(), 3);
        // The user puts b first and leaves a out.
        editor.photos.move_photo(1, 0);
        editor.photos.toggle(1);
        editor.settings.clips = ClipMode::Skip;
        editor.settings_changed();
        assert_eq!(
            names(&editor),
            [("b.jpg".into(), true), ("a.jpg".into(), false)]
        );
        assert!(
            editor.skipped.iter().any(|s| s.ends_with("c.mp4")),
            "{:?}",
            editor.skipped
        );
        editor.settings.clips = ClipMode::Still;
        editor.settings_changed();
        assert_eq!(
            names(&editor),
            [
                ("b.jpg".into(), true),
                ("a.jpg".into(), false),
                ("c.mp4".into(), true)
            ]
        );
        assert!(editor.skipped.is_empty(), "{:?}", editor.skipped);
    }
}
