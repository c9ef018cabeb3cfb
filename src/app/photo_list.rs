//! The project's photos in the user's order, with what is left out, their thumbnails, and two
//! generation counters that only this list bumps: one for what the grid shows (the preview
//! re-uploads its tiles when it changes), one for the order and what is left out (undo takes a
//! step when it changes). Reading goes through `Deref` to a slice; every change is a method
//! here, so no caller can forget a counter. No egui here.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::photos::{Duplicate, Taken, TilePixels};

/// One photo of the project.
pub struct PhotoEntry {
    pub path: PathBuf,
    pub included: bool,
    /// The photo at thumbnail size, cropped like its tile: for the photo list, and drawn by
    /// the preview until the full tile has streamed in. Set once the photo has decoded.
    pub thumb: Option<TilePixels>,
    /// Changes whenever `thumb` does, so the UI knows when to re-upload it.
    pub thumb_id: u64,
    /// The photo's upright size in pixels, once decoded (a click on its tile maps through it).
    pub photo_px: Option<(u32, u32)>,
    /// Its fine detail, measured on the thumbnail (the size estimate scales with it).
    pub detail: Option<f64>,
    /// When it was taken (EXIF, else the file's time), shown in the list and sorted by.
    pub taken: Option<Taken>,
    /// The photo it repeats, when it is a near-duplicate of another (found only while
    /// near-duplicates are skipped; the grid leaves it out then).
    pub duplicate_of: Option<PathBuf>,
    /// A video clip's length in seconds, as its container declares it (`None` for a photo).
    pub clip_secs: Option<f64>,
}

impl PhotoEntry {
    fn new(path: PathBuf) -> Self {
        let taken = crate::photos::taken(&path);
        Self {
            taken,
            clip_secs: crate::photos::clip_length_secs(&path),
            path,
            included: true,
            thumb: None,
            thumb_id: 0,
            photo_px: None,
            detail: None,
            duplicate_of: None,
        }
    }

    #[must_use]
    pub fn name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }
}

/// The photos, in order.
pub struct PhotoList {
    entries: Vec<PhotoEntry>,
    tiles_generation: u64,
    order_generation: u64,
    next_thumb_id: u64,
}

impl Default for PhotoList {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            tiles_generation: 1,
            order_generation: 1,
            next_thumb_id: 0,
        }
    }
}

impl std::ops::Deref for PhotoList {
    type Target = [PhotoEntry];

    fn deref(&self) -> &[PhotoEntry] {
        &self.entries
    }
}

impl PhotoList {
    /// Changes whenever the photos the grid shows change (loaded, reordered, included, their
    /// crop).
    #[must_use]
    pub fn tiles_generation(&self) -> u64 {
        self.tiles_generation
    }

    /// Changes whenever the list, its order or what is left out changes.
    #[must_use]
    pub fn order_generation(&self) -> u64 {
        self.order_generation
    }

    /// A new list of `paths`, all included, none decoded yet.
    pub fn replace(&mut self, paths: Vec<PathBuf>) {
        // Each photo's date is read from its header: in parallel, for large folders.
        self.entries = paths.into_par_iter().map(PhotoEntry::new).collect();
        self.order_generation += 1;
    }

    #[must_use]
    pub fn paths(&self) -> Vec<PathBuf> {
        self.entries.iter().map(|p| p.path.clone()).collect()
    }

    #[must_use]
    pub fn contains(&self, path: &Path) -> bool {
        self.entries.iter().any(|p| p.path == path)
    }

    /// Gives the photo at `path` its thumbnail; false when it is no longer in the list.
    pub fn set_thumb(&mut self, path: &Path, thumb: TilePixels, photo_px: (u32, u32)) -> bool {
        // By path: the list may have been reordered or shortened meanwhile.
        let Some(entry) = self.entries.iter_mut().find(|p| p.path == path) else {
            return false;
        };
        entry.detail = Some(crate::export::estimate::detail_of(&thumb));
        entry.thumb = Some(thumb);
        entry.photo_px = Some(photo_px);
        self.next_thumb_id += 1;
        entry.thumb_id = self.next_thumb_id;
        self.tiles_generation += 1;
        true
    }

    /// Drops every thumbnail (their crop changed; they are decoded again).
    pub fn clear_thumbs(&mut self) {
        for p in &mut self.entries {
            p.thumb = None;
        }
        self.tiles_generation += 1;
    }

    /// The tiles' crop changed (a crop centre) though the photos did not.
    pub fn crops_changed(&mut self) {
        self.tiles_generation += 1;
    }

    /// Which photos are near-duplicates now, and of which photo; the rest are not.
    pub fn mark_duplicates(&mut self, duplicates: &[Duplicate]) {
        let of: std::collections::HashMap<&Path, &PathBuf> = duplicates
            .iter()
            .map(|d| (d.path.as_path(), &d.of))
            .collect();
        for entry in &mut self.entries {
            entry.duplicate_of = of.get(entry.path.as_path()).map(|&p| p.clone());
        }
        self.tiles_generation += 1;
    }

    /// Which photos the grid shows changed, though the list did not (near-duplicates left out
    /// or taken back).
    pub fn shown_changed(&mut self) {
        self.tiles_generation += 1;
    }

    /// Takes out the photo at `path` (it cannot be used).
    pub fn remove(&mut self, path: &Path) {
        self.entries.retain(|p| p.path != path);
        self.order_generation += 1;
        self.tiles_generation += 1;
    }

    /// Moves the photo at `from` so that it ends up at index `to`.
    pub fn move_photo(&mut self, from: usize, to: usize) {
        if from < self.entries.len() && to < self.entries.len() && from != to {
            let entry = self.entries.remove(from);
            self.entries.insert(to, entry);
            self.tiles_generation += 1;
            self.order_generation += 1;
        }
    }

    /// Leaves the photo at `index` out, or takes it back in.
    pub fn toggle(&mut self, index: usize) {
        if let Some(p) = self.entries.get_mut(index) {
            p.included = !p.included;
            self.tiles_generation += 1;
            self.order_generation += 1;
        }
    }

    /// Puts the photos in the order of `paths`, each keeping whether it is left out.
    pub fn reorder(&mut self, paths: &[PathBuf]) {
        let order: Vec<(PathBuf, bool)> = paths
            .iter()
            .map(|path| {
                let included = self.entries.iter().find(|p| &p.path == path);
                (path.clone(), included.is_none_or(|p| p.included))
            })
            .collect();
        self.restore(&order);
    }

    /// Puts the photos back in `order` with those flags (undo); photos not named keep their
    /// place after the named ones, names no longer in the list are ignored.
    pub fn restore(&mut self, order: &[(PathBuf, bool)]) {
        let rank: std::collections::HashMap<&PathBuf, (usize, bool)> = order
            .iter()
            .enumerate()
            .map(|(i, (path, included))| (path, (i, *included)))
            .collect();
        for entry in &mut self.entries {
            if let Some(&(_, included)) = rank.get(&entry.path) {
                entry.included = included;
            }
        }
        self.entries
            .sort_by_key(|p| rank.get(&p.path).map_or(usize::MAX, |&(i, _)| i));
        self.tiles_generation += 1;
        self.order_generation += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(names: &[&str]) -> PhotoList {
        let mut photos = PhotoList::default();
        photos.replace(names.iter().map(PathBuf::from).collect());
        photos
    }

    fn names(photos: &PhotoList) -> Vec<String> {
        photos.iter().map(PhotoEntry::name).collect()
    }

    #[test]
    fn every_change_bumps_the_counters_it_should() {
        let mut photos = list(&["a.jpg", "b.jpg", "c.jpg"]);
        let (tiles, order) = (photos.tiles_generation(), photos.order_generation());
        photos.move_photo(0, 2);
        assert_eq!(names(&photos), ["b.jpg", "c.jpg", "a.jpg"]);
        assert!(photos.tiles_generation() > tiles && photos.order_generation() > order);

        let (tiles, order) = (photos.tiles_generation(), photos.order_generation());
        photos.move_photo(1, 1);
        photos.move_photo(0, 9);
        assert_eq!(
            (photos.tiles_generation(), photos.order_generation()),
            (tiles, order),
            "no move, no change"
        );

        let thumb = TilePixels {
            width_px: 2,
            height_px: 1,
            rgba: vec![0; 8],
        };
        assert!(photos.set_thumb(Path::new("c.jpg"), thumb.clone(), (40, 20)));
        assert!(!photos.set_thumb(Path::new("gone.jpg"), thumb, (1, 1)));
        assert!(photos.tiles_generation() > tiles, "a thumbnail shows");
        assert_eq!(photos.order_generation(), order, "the order did not change");
        assert_eq!(photos[1].photo_px, Some((40, 20)));
        assert_ne!(photos[1].thumb_id, 0);
    }

    #[test]
    fn toggling_and_restoring_give_back_the_order_and_the_flags() {
        let mut photos = list(&["a.jpg", "b.jpg", "c.jpg"]);
        let before: Vec<(PathBuf, bool)> = photos
            .iter()
            .map(|p| (p.path.clone(), p.included))
            .collect();
        photos.toggle(1);
        photos.move_photo(2, 0);
        photos.remove(Path::new("a.jpg"));
        assert_eq!(names(&photos), ["c.jpg", "b.jpg"]);
        assert!(!photos[1].included);
        photos.restore(&before);
        assert_eq!(names(&photos), ["b.jpg", "c.jpg"], "a.jpg stays removed");
        assert!(photos.iter().all(|p| p.included));
        assert!(photos.contains(Path::new("c.jpg")) && !photos.contains(Path::new("a.jpg")));
    }
}
