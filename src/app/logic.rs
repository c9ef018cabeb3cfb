//! Editor state and everything it does off the UI thread: loading photos, exporting.
//! No egui here; `ui.rs` draws this state and calls these methods.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, sync_channel};

use super::export_runner::{ExportFailure, export_share};
pub use super::photo_list::{PhotoEntry, PhotoList};
pub use crate::engine::THUMB_HEIGHT_PX;
use crate::engine::tile_spec;
use crate::export::{self, Job, Photos};
use crate::layout::{Layout, photo_point_in_crop};
use crate::photos::{self, Skipped, TilePixels, TileSpec, TileSpecs};
use crate::settings::{Focus, FocusMap, Settings};

/// Memory the project holds, by part, for the HUD (bytes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryParts {
    /// Decoded tile pixels in RAM, on their way to the GPU (the preview's decodes in flight).
    pub tiles_ram: u64,
    /// The preview's tile texture array on the GPU.
    pub tiles_gpu: u64,
    /// The preview's composed still on the GPU.
    pub still_gpu: u64,
    /// The texture the editor's standing panels are copied from.
    pub panels_gpu: u64,
    pub thumbs_ram: u64,
    pub thumbs_gpu: u64,
    /// The memory budget for all of the above.
    pub budget: u64,
    /// "all resident", "streaming 40 of 1000", …
    pub tiles_state: String,
    /// Frames waiting for the encoder during an export, and how many.
    pub encoder_queue: u64,
    pub encoder_queue_frames: Option<u64>,
}

enum LoadMsg {
    Thumb {
        path: PathBuf,
        thumb: TilePixels,
        photo_px: (u32, u32),
        /// What it was decoded with: a thumbnail made before the photo's crop changed again
        /// is dropped.
        spec: TileSpec,
    },
    Failed(Skipped),
}

/// A background decode of the project's photos into thumbnails (which also finds the photos
/// that cannot be used; full tiles stream in for the preview and the export).
struct Loader {
    rx: Receiver<LoadMsg>,
    cancel: Arc<AtomicBool>,
    done: Arc<AtomicUsize>,
    total: usize,
}

/// What the editor opened last (a folder, or dropped files), and the `clips` its photo list
/// was made with (see `opening.rs`).
#[derive(Default)]
pub(super) struct Opened {
    pub paths: Vec<PathBuf>,
    pub clips: crate::settings::ClipMode,
}

// Independent switches of the UI (playing, looping, dialogs), not a state machine.
#[allow(clippy::struct_excessive_bools)]
pub struct Editor {
    pub settings: Settings,
    pub folder: Option<PathBuf>,
    pub photos: PhotoList,
    pub skipped: Vec<String>,
    pub playing: bool,
    pub looping: bool,
    pub time_secs: f64,
    pub errors: Vec<String>,
    /// The export running on its own thread, and how the last one ended.
    pub export: super::export_runner::ExportRunner,
    /// What the last write did ("Preset saved to …"), until the next one.
    pub notice: Option<String>,
    /// The settings as last saved to or loaded from a preset (or at start): the window title
    /// marks changes since.
    saved: Settings,
    loader: Option<Loader>,
    loaded_spec: Option<TileSpec>,
    /// The crop centres the thumbnails and the preview's tiles follow: `settings.focus` as of
    /// the last [`Editor::settings_changed`], shared with the decode threads.
    applied_focus: Arc<FocusMap>,
    /// Thumbnails being decoded again because their photo's crop centre changed.
    refocusing: Vec<Receiver<LoadMsg>>,
    /// Near-duplicates found among the photos, and the search for them.
    pub(super) duplicates: super::duplicates::DuplicateState,
    /// The captions the preview's tiles are drawn with: `settings.captions` as of the last
    /// [`Editor::settings_changed`] (none when no photo has one).
    applied_captions: Option<photos::Captions>,
    /// What was opened last, and the `clips` its photo list was made with.
    pub(super) opened: Opened,
}

impl Editor {
    #[must_use]
    pub fn new(settings: Settings) -> Self {
        Self {
            applied_focus: Arc::new(settings.focus.clone()),
            refocusing: Vec::new(),
            applied_captions: editor_captions(&settings),
            saved: settings.clone(),
            settings,
            folder: None,
            photos: PhotoList::default(),
            skipped: Vec::new(),
            playing: true,
            looping: true,
            time_secs: 0.0,
            errors: Vec::new(),
            export: super::export_runner::ExportRunner::default(),
            notice: None,
            loader: None,
            opened: Opened::default(),
            loaded_spec: None,
            duplicates: super::duplicates::DuplicateState::default(),
        }
    }

    /// The files this project reads (its photos, those left out included, and its music):
    /// no write of the editor's may land on one of them.
    #[must_use]
    pub fn input_files(&self) -> Vec<PathBuf> {
        self.photos
            .iter()
            .map(|p| p.path.clone())
            .chain(self.settings.audio.file.clone())
            .collect()
    }

    /// Lays the preset `text` (read from `path`) over the settings: what it names changes,
    /// everything else stays. The music track and the crop centres belong to the project, not
    /// to a look: they stay even when the preset names them (a preset saved from the editor
    /// writes every field). A bad preset changes nothing and says why.
    pub fn apply_preset(&mut self, text: &str, path: &Path) {
        match crate::settings::apply_preset(&self.settings, text, path) {
            Ok(mut settings) => {
                settings.audio.file.clone_from(&self.settings.audio.file);
                settings.focus.clone_from(&self.settings.focus);
                (settings.captions.texts).clone_from(&self.settings.captions.texts);
                self.settings = settings;
                self.settings_changed();
                self.mark_saved();
                self.notice = Some(format!("Preset applied: {}", path.display()));
            }
            Err(e) => self.errors.push(e.to_string()),
        }
    }

    /// Whether the settings changed since they were last saved to or loaded from a preset.
    #[must_use]
    pub fn modified(&self) -> bool {
        self.settings != self.saved
    }

    /// The settings as they are now are saved (in a preset).
    pub fn mark_saved(&mut self) {
        self.saved.clone_from(&self.settings);
    }

    /// Makes `path` the music, if it is audio FFmpeg decodes; otherwise says why, naming the
    /// file, and keeps the track there was.
    pub fn set_music(&mut self, path: &Path) {
        match export::probe_audio(path) {
            Ok(_) => self.settings.audio.file = Some(path.to_owned()),
            Err(e) => self.errors.push(e.to_string()),
        }
    }

    /// Puts the photos in `sort`'s order (a shuffle by `seed`), keeping what is left out.
    pub fn sort_photos(&mut self, sort: crate::settings::PhotoSort, seed: u64) {
        self.settings.photos = crate::settings::PhotoSettings {
            sort,
            seed,
            ..self.settings.photos
        };
        let order = photos::sort_photos(self.photos.paths(), self.settings.photos);
        self.photos.reorder(&order);
    }

    pub(super) fn set_photos(&mut self, paths: Vec<PathBuf>) {
        self.photos.replace(paths);
        self.time_secs = 0.0;
        self.start_loading();
        self.duplicates.new_list();
        self.follow_skip_duplicates();
    }

    /// What the thumbnails are decoded to under the current settings: a tile of thumbnail
    /// height with the same aspect, crop and background. It does not depend on the tile
    /// height, so moving that slider never re-reads the photos.
    fn thumb_spec(&self) -> TileSpec {
        let settings = Settings {
            tile_height_px: THUMB_HEIGHT_PX,
            ..self.settings.clone()
        };
        tile_spec(&settings)
    }

    /// How each photo's tile is made: the tile spec, and the crop centres applied so far.
    #[must_use]
    pub fn tile_specs(&self) -> TileSpecs {
        TileSpecs::new(tile_spec(&self.settings), Arc::clone(&self.applied_focus))
            .with_captions(self.applied_captions.clone())
    }

    /// (Re)decodes every photo's thumbnail, off the UI thread.
    pub fn start_loading(&mut self) {
        if let Some(old) = self.loader.take() {
            old.cancel.store(true, Ordering::Relaxed);
        }
        if *self.applied_focus != self.settings.focus {
            self.applied_focus = Arc::new(self.settings.focus.clone());
        }
        let focus = Arc::clone(&self.applied_focus);
        let spec = self.thumb_spec();
        self.loaded_spec = Some(spec);
        let paths = self.photos.paths();
        let total = paths.len();
        let (tx, rx) = sync_channel(32);
        let cancel = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicUsize::new(0));
        let (thread_cancel, thread_done) = (Arc::clone(&cancel), Arc::clone(&done));
        let spawned = std::thread::Builder::new()
            .name("gridreel-load".into())
            .spawn(move || {
                // Small batches so photos appear as they load.
                for chunk in paths.chunks(8) {
                    let loaded = photos::load_tiles_focused(
                        chunk,
                        &spec,
                        &focus,
                        0,
                        &thread_cancel,
                        &|_| {},
                    );
                    for tile in loaded.tiles {
                        let msg = LoadMsg::Thumb {
                            spec: spec.with_focus(focus.get(&tile.path).copied()),
                            path: tile.path,
                            thumb: tile.pixels,
                            photo_px: tile.photo_px,
                        };
                        if tx.send(msg).is_err() {
                            return;
                        }
                    }
                    for skipped in loaded.skipped {
                        if tx.send(LoadMsg::Failed(skipped)).is_err() {
                            return;
                        }
                    }
                    thread_done.fetch_add(chunk.len(), Ordering::Relaxed);
                    if thread_cancel.load(Ordering::Relaxed) {
                        return;
                    }
                }
            });
        match spawned {
            Ok(_) => {
                self.loader = Some(Loader {
                    rx,
                    cancel,
                    done,
                    total,
                });
            }
            Err(e) => self
                .errors
                .push(format!("cannot start loading photos: {e}")),
        }
    }

    /// Decodes again, off the UI thread, the thumbnails of `paths` (their crop centre
    /// changed); each keeps its old thumbnail until the new one is in.
    fn refocus_thumbs(&mut self, paths: Vec<PathBuf>) {
        let Some(spec) = self.loaded_spec else {
            return; // nothing loaded yet: the first load uses the new centres
        };
        let focus = Arc::clone(&self.applied_focus);
        let (tx, rx) = sync_channel(8);
        let spawned = std::thread::Builder::new()
            .name("gridreel-refocus".into())
            .spawn(move || {
                let never = AtomicBool::new(false);
                let loaded = photos::load_tiles_focused(&paths, &spec, &focus, 1, &never, &|_| {});
                for skipped in &loaded.skipped {
                    // It decoded before; keep its old thumbnail and say why this one failed.
                    log::warn!("{skipped}");
                }
                for tile in loaded.tiles {
                    let msg = LoadMsg::Thumb {
                        spec: spec.with_focus(focus.get(&tile.path).copied()),
                        path: tile.path,
                        thumb: tile.pixels,
                        photo_px: tile.photo_px,
                    };
                    if tx.send(msg).is_err() {
                        return;
                    }
                }
            });
        match spawned {
            Ok(_) => self.refocusing.push(rx),
            Err(e) => self
                .errors
                .push(format!("cannot start decoding a thumbnail: {e}")),
        }
    }

    /// Whether thumbnails are being decoded again for a new crop centre.
    #[must_use]
    pub fn refocusing(&self) -> bool {
        !self.refocusing.is_empty()
    }

    /// Takes in a decoded thumbnail if it is still what the photo should show.
    #[allow(clippy::needless_pass_by_value)] // the thumbnail moves into the list
    fn accept_thumb(
        &mut self,
        path: &Path,
        thumb: TilePixels,
        photo_px: (u32, u32),
        spec: TileSpec,
    ) -> bool {
        let current = self
            .loaded_spec
            .map(|base| base.with_focus(self.applied_focus.get(path).copied()));
        if current != Some(spec) {
            return false;
        }
        self.photos.set_thumb(path, thumb, photo_px)
    }

    /// `(done, total)` while photos are loading.
    #[must_use]
    pub fn loading_progress(&self) -> Option<(usize, usize)> {
        self.loader
            .as_ref()
            .map(|l| (l.done.load(Ordering::Relaxed).min(l.total), l.total))
    }

    /// Takes in what the background threads finished. Call once per frame.
    pub fn poll(&mut self) {
        let mut refocused = Vec::new();
        self.refocusing.retain(|rx| {
            loop {
                match rx.try_recv() {
                    Ok(msg) => refocused.push(msg),
                    Err(TryRecvError::Empty) => break true,
                    Err(TryRecvError::Disconnected) => break false,
                }
            }
        });
        for msg in refocused {
            if let LoadMsg::Thumb {
                path,
                thumb,
                photo_px,
                spec,
            } = msg
            {
                self.accept_thumb(&path, thumb, photo_px, spec);
            }
        }
        while let Some(loader) = &self.loader {
            let msg = loader.rx.try_recv();
            match msg {
                Ok(LoadMsg::Thumb {
                    path,
                    thumb,
                    photo_px,
                    spec,
                }) => {
                    self.accept_thumb(&path, thumb, photo_px, spec);
                }
                Ok(LoadMsg::Failed(skipped)) => {
                    let line = skipped.to_string();
                    log::warn!("{line}");
                    self.photos.remove(&skipped.path);
                    self.skipped.push(line);
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.loader = None;
                    break;
                }
            }
        }
        self.poll_duplicates();
        self.export.poll();
    }

    /// Call after any settings change: re-decodes the thumbnails only if their crop changed,
    /// and only those of the photos whose crop centre changed when that is all (the preview's
    /// tiles follow the settings by themselves).
    pub fn settings_changed(&mut self) {
        self.follow_clips();
        self.follow_skip_duplicates();
        if self.settings.validate().is_err() {
            return;
        }
        let applied = self.applied_captions.as_ref().map(|c| &*c.settings);
        let wanted = Some(&self.settings.captions).filter(|c| c.shown());
        if applied != wanted {
            self.applied_captions = editor_captions(&self.settings);
            self.photos.crops_changed();
        }
        if self.loaded_spec != Some(self.thumb_spec()) {
            self.photos.clear_thumbs();
            self.start_loading();
        } else if *self.applied_focus != self.settings.focus {
            let (old, new) = (&*self.applied_focus, &self.settings.focus);
            let changed: Vec<PathBuf> = old
                .iter()
                .filter(|(path, focus)| new.get(*path) != Some(*focus))
                .map(|(path, _)| path)
                .chain(
                    new.iter()
                        .filter(|(path, _)| !old.contains_key(*path))
                        .map(|(path, _)| path),
                )
                .filter(|path| self.photos.contains(path))
                .cloned()
                .collect();
            self.applied_focus = Arc::new(self.settings.focus.clone());
            self.photos.crops_changed();
            if !changed.is_empty() {
                self.refocus_thumbs(changed);
            }
        }
    }

    /// The photo under frame point `(x_px, y_px)` of the preview at the play head, and the
    /// point of that photo (fractions of it) shown there.
    #[must_use]
    pub fn photo_point_at(&self, x_px: f64, y_px: f64) -> Option<(&PhotoEntry, Focus)> {
        let layout = Layout::new(&self.settings);
        let hit = layout.cell_at(x_px, y_px, self.time_secs)?;
        let active = self.active_photos();
        let photo = *active.get(hit.index.checked_rem(active.len())?)?;
        let (w, h) = photo.photo_px?;
        let crop = tile_spec(&self.settings)
            .with_focus(self.settings.focus_of(&photo.path))
            .crop(w, h);
        // The cell's top part is the photo; a caption line may sit under it.
        let photo_share = f64::from(self.settings.tile_height_px) / f64::from(layout.tile_h_px);
        let v = (hit.v <= photo_share).then(|| hit.v / photo_share)?;
        Some((photo, photo_point_in_crop(w, h, crop, hit.u, v)))
    }

    /// Centres the crop of the photo under frame point `(x_px, y_px)` on that point, or with
    /// `reset` gives it back the global anchor. Returns the photo's path (`None`: no photo
    /// there, or not decoded yet).
    pub fn set_focus_at(&mut self, x_px: f64, y_px: f64, reset: bool) -> Option<PathBuf> {
        let (photo, point) = self.photo_point_at(x_px, y_px)?;
        let path = photo.path.clone();
        self.set_focus(&path, (!reset).then_some(point));
        Some(path)
    }

    /// Sets (or with `None` removes) the crop centre of the photo at `path`.
    pub fn set_focus(&mut self, path: &Path, focus: Option<Focus>) {
        match focus {
            Some(focus) => {
                self.settings.focus.insert(path.to_owned(), focus.clamped());
            }
            None => {
                self.settings.focus.remove(path);
            }
        }
        self.settings_changed();
    }

    /// Sets the caption of the photo at `path` to a text of its own, or with an empty text
    /// gives it back the caption `captions.show` names. Control characters are left out and
    /// the text is cut at `MAX_CAPTION_CHARS` (what is typed or pasted into the list).
    pub fn set_caption(&mut self, path: &Path, text: &str) {
        let kept: String = text
            .chars()
            .filter(|c| !c.is_control())
            .take(crate::settings::MAX_CAPTION_CHARS)
            .collect();
        if kept.trim().is_empty() {
            self.settings.captions.texts.remove(path);
        } else {
            self.settings.captions.texts.insert(path.to_owned(), kept);
        }
        self.settings_changed();
    }

    /// The memory budget for decoded photos on this machine, and the part of it an export
    /// gets (three quarters; the preview makes do with the rest meanwhile).
    #[must_use]
    pub fn budget_bytes(&self) -> u64 {
        crate::monitor::budget_bytes(&self.settings)
    }

    /// Moves the play head by `dt_secs` of wall time.
    pub fn advance(&mut self, dt_secs: f64) {
        if !self.playing {
            return;
        }
        let duration = self.settings.duration_secs;
        self.time_secs += dt_secs;
        if self.time_secs > duration {
            if self.looping {
                self.time_secs %= duration.max(1e-6);
            } else {
                self.time_secs = duration;
                self.playing = false;
            }
        }
    }

    /// RAM held by thumbnails, and the export's encoder queue (tile and GPU parts are the
    /// preview's to tell).
    #[must_use]
    pub fn memory_parts(&self) -> MemoryParts {
        let bytes = |t: &Option<TilePixels>| t.as_ref().map_or(0, |t| t.byte_len() as u64);
        let queue_frames = self.export.running().map(|e| e.progress.queue_depth());
        let (w, h) = Layout::new(&self.settings).frame_size_px();
        MemoryParts {
            thumbs_ram: self.photos.iter().map(|p| bytes(&p.thumb)).sum(),
            encoder_queue: queue_frames.unwrap_or(0) * u64::from(w) * u64::from(h) * 3 / 2,
            encoder_queue_frames: queue_frames,
            budget: self.budget_bytes(),
            ..MemoryParts::default()
        }
    }

    /// Starts exporting the current project to `output` on a background thread.
    pub fn start_export(&mut self, output: PathBuf, overwrite: bool) {
        if self.export.is_running() {
            return;
        }
        if let Err(e) = self.settings.validate() {
            self.export.refuse(ExportFailure::Settings(e));
            return;
        }
        let active = self.active_photos();
        if active.is_empty() {
            self.export.refuse(ExportFailure::NoPhotos);
            return;
        }
        let paths: Vec<PathBuf> = active.iter().map(|p| p.path.clone()).collect();
        let thumbs: Vec<TilePixels> = active.iter().filter_map(|p| p.thumb.clone()).collect();
        self.export.start(Job {
            settings: self.settings.clone(),
            photos: Photos::Paths(paths),
            output,
            overwrite,
            budget_bytes: Some(export_share(self.budget_bytes())),
            thumbs: Some(thumbs),
            decode_first: false,
            compose_on_gpu: false,
        });
    }
}

/// The captions of the preview's tiles under `settings`, if any photo has one.
fn editor_captions(settings: &Settings) -> Option<photos::Captions> {
    settings
        .captions
        .shown()
        .then(|| crate::overlay::captions(&settings.captions))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::FrameSize;

    /// `count` photos in the list, each decoded (a thumbnail in).
    fn with_photos(editor: &mut Editor, count: usize) {
        let paths: Vec<PathBuf> = (0..count)
            .map(|i| PathBuf::from(format!("p{i}.jpg")))
            .collect();
        editor.photos.replace(paths.clone());
        for path in &paths {
            let thumb = TilePixels {
                width_px: 4,
                height_px: 3,
                rgba: vec![0; 48],
            };
            editor.photos.set_thumb(path, thumb, (400, 300));
        }
    }

    #[test]
    fn a_grid_too_small_for_its_photos_says_so_and_fits_them() {
        let mut editor = Editor::new(Settings {
            rows: 3,
            cols: 6,
            frame: FrameSize::Hd,
            ..Settings::default()
        });
        with_photos(&mut editor, 36);
        assert_eq!(editor.photos_shown(), Some((18, 36)));
        editor.photos.toggle(0);
        assert_eq!(
            editor.photos_shown(),
            Some((18, 35)),
            "a photo left out is not in play"
        );
        editor.fit_grid_to_photos();
        assert_eq!((editor.settings.rows, editor.settings.cols), (3, 12));
        assert_eq!(editor.photos_shown(), None);
    }

    /// A preset saved from the editor names every field, the music's `file: None` included:
    /// loading it keeps the project's music and crop centres all the same.
    #[test]
    fn a_full_preset_keeps_the_projects_music_and_crop_centres() {
        let mut editor = Editor::new(Settings::default());
        let saved = crate::settings::settings_to_ron(&Settings {
            rows: 2,
            ..Settings::default()
        });
        editor.settings.audio.file = Some(PathBuf::from("/music/song.mp3"));
        let focus = crate::settings::Focus { x: 0.1, y: 0.9 };
        editor
            .settings
            .focus
            .insert(PathBuf::from("/p/a.jpg"), focus);
        editor.apply_preset(&saved, Path::new("mine.ron"));
        assert!(editor.errors.is_empty(), "{:?}", editor.errors);
        assert_eq!(editor.settings.rows, 2);
        assert_eq!(
            editor.settings.audio.file.as_deref(),
            Some(Path::new("/music/song.mp3"))
        );
        assert_eq!(editor.settings.focus.len(), 1);
    }

    /// A photo's own caption is cleaned of control characters, reaches the tiles' specs,
    /// stays when a preset is applied, is undone like any edit, and an empty one is removed.
    #[test]
    fn own_captions_reach_the_tiles_stay_with_presets_and_undo() {
        let mut editor = Editor::new(Settings::default());
        let mut history = super::super::history::History::new(&editor);
        assert!(editor.tile_specs().captions.is_none());
        let path = Path::new("/p/a.jpg");
        editor.set_caption(path, "Gran\u{0}dma");
        assert_eq!(editor.settings.captions.texts[path], "Grandma");
        let captions = editor.tile_specs().captions.unwrap();
        assert_eq!(captions.text_of(path).as_deref(), Some("Grandma"));
        history.sync(&editor, 1.0);
        history.sync(&editor, 2.0);
        let saved = crate::settings::settings_to_ron(&Settings {
            rows: 2,
            ..Settings::default()
        });
        editor.apply_preset(&saved, Path::new("mine.ron"));
        assert_eq!(editor.settings.rows, 2);
        assert_eq!(
            editor.settings.captions.texts.len(),
            1,
            "the own captions stay"
        );
        editor.set_caption(path, "  ");
        assert!(editor.settings.captions.texts.is_empty());
        assert!(editor.tile_specs().captions.is_none());
        history.sync(&editor, 3.0);
        history.sync(&editor, 4.0);
        assert!(history.undo(&mut editor));
        assert_eq!(editor.settings.captions.texts[path], "Grandma");
        assert!(editor.tile_specs().captions.is_some());
    }

    #[test]
    fn a_grid_that_cannot_grow_keeps_its_size_and_says_why() {
        let mut editor = Editor::new(Settings {
            rows: 1,
            cols: 2,
            tile_height_px: 720,
            ..Settings::default()
        });
        with_photos(&mut editor, 40);
        editor.fit_grid_to_photos();
        assert_eq!(
            editor.settings.cols, 2,
            "an auto frame 40 tiles wide is too large"
        );
        assert!(
            editor.errors[0].starts_with("cannot fit the grid"),
            "{:?}",
            editor.errors
        );
    }
}
