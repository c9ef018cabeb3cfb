//! Editor state and everything it does off the UI thread: loading photos, exporting.
//! No egui here; `ui.rs` draws this state and calls these methods.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, sync_channel};

pub use crate::engine::THUMB_HEIGHT_PX;
use crate::engine::tile_spec;
use crate::export::{self, ExportProgress, ExportSummary, Job, Photos};
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

/// One photo of the project, in the user's order.
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
}

impl PhotoEntry {
    #[must_use]
    pub fn name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }
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

/// An export running on its own thread.
pub struct ExportHandle {
    pub progress: Arc<ExportProgress>,
    pub cancel: Arc<AtomicBool>,
    pub output: PathBuf,
    pub started: std::time::Instant,
    rx: Receiver<Result<ExportSummary, String>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

// Independent switches of the UI (playing, looping, dialogs), not a state machine.
#[allow(clippy::struct_excessive_bools)]
pub struct Editor {
    pub settings: Settings,
    pub folder: Option<PathBuf>,
    pub photos: Vec<PhotoEntry>,
    pub skipped: Vec<String>,
    pub playing: bool,
    pub looping: bool,
    pub time_secs: f64,
    pub errors: Vec<String>,
    /// Bumped whenever the photos the grid shows change (loaded, reordered, included).
    pub tiles_generation: u64,
    /// Bumped whenever the photo list, its order or what is left out changes (for undo).
    pub order_generation: u64,
    pub export: Option<ExportHandle>,
    pub last_export: Option<Result<ExportSummary, String>>,
    /// What the last write did ("Preset saved to …"), until the next one.
    pub notice: Option<String>,
    loader: Option<Loader>,
    loaded_spec: Option<TileSpec>,
    /// The crop centres the thumbnails and the preview's tiles follow: `settings.focus` as of
    /// the last [`Editor::settings_changed`], shared with the decode threads.
    applied_focus: Arc<FocusMap>,
    /// Thumbnails being decoded again because their photo's crop centre changed.
    refocusing: Vec<Receiver<LoadMsg>>,
    next_thumb_id: u64,
}

impl Editor {
    #[must_use]
    pub fn new(settings: Settings) -> Self {
        Self {
            applied_focus: Arc::new(settings.focus.clone()),
            refocusing: Vec::new(),
            settings,
            folder: None,
            photos: Vec::new(),
            skipped: Vec::new(),
            playing: true,
            looping: true,
            time_secs: 0.0,
            errors: Vec::new(),
            tiles_generation: 1,
            order_generation: 1,
            export: None,
            last_export: None,
            notice: None,
            loader: None,
            loaded_spec: None,
            next_thumb_id: 0,
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

    /// Opens a folder (or, for a list of dropped files, those files).
    pub fn open_paths(&mut self, paths: &[PathBuf]) {
        match paths {
            [dir] if dir.is_dir() => self.open_folder(dir),
            _ => {
                let files: Vec<PathBuf> = paths.iter().filter(|p| p.is_file()).cloned().collect();
                self.folder = files
                    .first()
                    .and_then(|p| p.parent().map(Path::to_path_buf));
                self.skipped.clear();
                self.set_photos(files);
            }
        }
    }

    /// Makes `path` the music, if it is audio FFmpeg decodes; otherwise says why, naming the
    /// file, and keeps the track there was.
    pub fn set_music(&mut self, path: &Path) {
        match export::probe_audio(path) {
            Ok(_) => self.settings.audio.file = Some(path.to_owned()),
            Err(e) => self.errors.push(e.to_string()),
        }
    }

    pub fn open_folder(&mut self, dir: &Path) {
        match photos::scan_folder(dir, false) {
            Ok(scan) => {
                self.folder = Some(dir.to_owned());
                self.skipped = scan.skipped.iter().map(ToString::to_string).collect();
                self.set_photos(scan.photos);
            }
            Err(e) => self.errors.push(e.to_string()),
        }
    }

    fn set_photos(&mut self, paths: Vec<PathBuf>) {
        self.photos = paths
            .into_iter()
            .map(|path| PhotoEntry {
                path,
                included: true,
                thumb: None,
                thumb_id: 0,
                photo_px: None,
            })
            .collect();
        self.time_secs = 0.0;
        self.order_generation += 1;
        self.start_loading();
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
        let paths: Vec<PathBuf> = self.photos.iter().map(|p| p.path.clone()).collect();
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
        // By path: the list may have been reordered or shortened meanwhile.
        let Some(entry) = self.photos.iter_mut().find(|p| p.path == path) else {
            return false;
        };
        entry.thumb = Some(thumb);
        entry.photo_px = Some(photo_px);
        self.next_thumb_id += 1;
        entry.thumb_id = self.next_thumb_id;
        true
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
        let mut changed = false;
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
                changed |= self.accept_thumb(&path, thumb, photo_px, spec);
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
                    changed |= self.accept_thumb(&path, thumb, photo_px, spec);
                }
                Ok(LoadMsg::Failed(skipped)) => {
                    let line = skipped.to_string();
                    log::warn!("{line}");
                    self.photos.retain(|p| p.path != skipped.path);
                    self.order_generation += 1;
                    self.skipped.push(line);
                    changed = true;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.loader = None;
                    break;
                }
            }
        }
        if changed {
            self.tiles_generation += 1;
        }
        if let Some(export) = &self.export {
            let result = match export.rx.try_recv() {
                Ok(result) => Some(result),
                // The thread ended without a word: it can only have panicked.
                Err(TryRecvError::Disconnected) => {
                    Some(Err("the export stopped unexpectedly".to_owned()))
                }
                Err(TryRecvError::Empty) => None,
            };
            if let Some(result) = result {
                if let Err(e) = &result {
                    log::warn!("export failed: {e}");
                }
                self.last_export = Some(result);
                if let Some(thread) = self.export.take().and_then(|e| e.thread) {
                    let _ = thread.join();
                }
            }
        }
    }

    /// Call after any settings change: re-decodes the thumbnails only if their crop changed,
    /// and only those of the photos whose crop centre changed when that is all (the preview's
    /// tiles follow the settings by themselves).
    pub fn settings_changed(&mut self) {
        if self.settings.validate().is_err() {
            return;
        }
        if self.loaded_spec != Some(self.thumb_spec()) {
            for p in &mut self.photos {
                p.thumb = None;
            }
            self.start_loading();
            self.tiles_generation += 1;
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
                .filter(|path| self.photos.iter().any(|p| &p.path == *path))
                .cloned()
                .collect();
            self.applied_focus = Arc::new(self.settings.focus.clone());
            self.tiles_generation += 1;
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
        Some((photo, photo_point_in_crop(w, h, crop, hit.u, hit.v)))
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

    /// The photos the video uses, in order: included, decoded, within the photo range, at
    /// most one per cell.
    #[must_use]
    pub fn active_photos(&self) -> Vec<&PhotoEntry> {
        let included: Vec<&PhotoEntry> = self.photos.iter().filter(|p| p.included).collect();
        let len = included.len();
        let start = self
            .settings
            .first_photo
            .map_or(0, |f| (f as usize).saturating_sub(1))
            .min(len);
        let end = self
            .settings
            .last_photo
            .map_or(len, |l| l as usize)
            .clamp(start, len);
        let layout = Layout::new(&self.settings);
        included[start..end]
            .iter()
            .filter(|p| p.thumb.is_some())
            .take(layout.cell_count())
            .copied()
            .collect()
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
        let queue_frames = self.export.as_ref().map(|e| e.progress.queue_depth());
        let (w, h) = Layout::new(&self.settings).frame_size_px();
        MemoryParts {
            thumbs_ram: self.photos.iter().map(|p| bytes(&p.thumb)).sum(),
            encoder_queue: queue_frames.unwrap_or(0) * u64::from(w) * u64::from(h) * 3 / 2,
            encoder_queue_frames: queue_frames,
            budget: self.budget_bytes(),
            ..MemoryParts::default()
        }
    }

    /// Moves the photo at `from` so that it ends up at index `to`.
    pub fn move_photo(&mut self, from: usize, to: usize) {
        if from < self.photos.len() && to < self.photos.len() && from != to {
            let entry = self.photos.remove(from);
            self.photos.insert(to, entry);
            self.tiles_generation += 1;
            self.order_generation += 1;
        }
    }

    /// Puts the photos back in `order` with those flags (undo); photos not named keep their
    /// place after the named ones, names no longer in the list are ignored.
    pub fn restore_photos(&mut self, order: &[(PathBuf, bool)]) {
        let rank: std::collections::HashMap<&PathBuf, (usize, bool)> = order
            .iter()
            .enumerate()
            .map(|(i, (path, included))| (path, (i, *included)))
            .collect();
        for entry in &mut self.photos {
            if let Some(&(_, included)) = rank.get(&entry.path) {
                entry.included = included;
            }
        }
        self.photos
            .sort_by_key(|p| rank.get(&p.path).map_or(usize::MAX, |&(i, _)| i));
        self.tiles_generation += 1;
        self.order_generation += 1;
    }

    pub fn toggle_photo(&mut self, index: usize) {
        if let Some(p) = self.photos.get_mut(index) {
            p.included = !p.included;
            self.tiles_generation += 1;
            self.order_generation += 1;
        }
    }

    /// Starts exporting the current project to `output` on a background thread.
    pub fn start_export(&mut self, output: PathBuf, overwrite: bool) {
        if self.export.is_some() {
            return;
        }
        if let Err(e) = self.settings.validate() {
            self.last_export = Some(Err(format!("invalid setting: {e}")));
            return;
        }
        let active = self.active_photos();
        if active.is_empty() {
            self.last_export = Some(Err("no photos loaded yet".into()));
            return;
        }
        let paths: Vec<PathBuf> = active.iter().map(|p| p.path.clone()).collect();
        let thumbs: Vec<TilePixels> = active.iter().filter_map(|p| p.thumb.clone()).collect();
        let job = Job {
            settings: self.settings.clone(),
            photos: Photos::Paths(paths),
            output: output.clone(),
            overwrite,
            budget_bytes: Some(export_share(self.budget_bytes())),
            thumbs: Some(thumbs),
            decode_first: false,
        };
        let progress = Arc::new(ExportProgress::default());
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, rx) = sync_channel(1);
        let (thread_progress, thread_cancel) = (Arc::clone(&progress), Arc::clone(&cancel));
        let spawned = std::thread::Builder::new()
            .name("gridreel-export".into())
            .spawn(move || {
                let result = export::run(&job, &thread_cancel, thread_progress.as_ref())
                    .map(|report| {
                        for skipped in &report.skipped {
                            log::warn!("export: {skipped}");
                        }
                        report.summary
                    })
                    .map_err(|e| e.to_string());
                let _ = tx.send(result);
            });
        match spawned {
            Ok(thread) => {
                self.last_export = None;
                self.export = Some(ExportHandle {
                    progress,
                    cancel,
                    output,
                    started: std::time::Instant::now(),
                    rx,
                    thread: Some(thread),
                });
            }
            Err(e) => self.last_export = Some(Err(format!("cannot start the export: {e}"))),
        }
    }

    /// Cancels a running export and waits until its thread has ended (and removed its
    /// temporary file): for quitting.
    pub fn cancel_export_and_wait(&mut self) {
        if let Some(mut export) = self.export.take() {
            export.cancel.store(true, Ordering::Relaxed);
            if let Some(thread) = export.thread.take() {
                let _ = thread.join();
            }
        }
    }

    pub fn cancel_export(&self) {
        if let Some(export) = &self.export {
            export.cancel.store(true, Ordering::Relaxed);
        }
    }
}

/// The part of the budget an export started from the editor gets; the preview keeps the rest
/// while it runs.
#[must_use]
pub fn export_share(budget: u64) -> u64 {
    budget / 4 * 3
}
