//! The editor: an eframe app around `logic::Editor`, drawn by `ui`, previewing through the
//! same `GridRenderer` that export uses.

pub mod delivery;
pub mod dialogs;
mod duplicates;
pub mod export_dialog;
pub mod export_runner;
mod grid_photos;
pub mod history;
pub mod logic;
pub mod music;
mod opening;
pub mod overlay_preview;
mod panel_cache;
mod panels;
pub mod photo_list;
pub mod playback;
pub mod preview;
mod preview_clips;
pub mod shortcuts;
pub mod soak;
pub mod ui;

use std::path::PathBuf;
use std::time::Instant;

use eframe::egui;
use serde::{Deserialize, Serialize};

use crate::monitor::Monitor;
use crate::settings::Settings;
use logic::Editor;
use panel_cache::{PanelCache, unfilled};
pub use shortcuts::Shortcut;

const STORAGE_KEY: &str = "gridreel-session";

/// What is restored on the next start.
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
struct Session {
    settings: Settings,
    folder: Option<PathBuf>,
    /// Folders opened lately, newest first.
    recent: Vec<PathBuf>,
    /// The format last chosen in the export dialog.
    delivery: delivery::Delivery,
    /// The photos of `folder` in the user's order, and whether each is included.
    order: Vec<(PathBuf, bool)>,
    /// The folder the last export went to.
    export_folder: Option<PathBuf>,
}

/// How many recent folders the *Recent* menu keeps.
const RECENT_FOLDERS: usize = 8;

pub struct EditorApp {
    pub editor: Editor,
    /// File dialogs, the path field, the replace prompt and the export dialog.
    pub dialogs: dialogs::Dialogs,
    pub show_hud: bool,
    /// Guides drawn over the preview only: the safe area's ("Show safe area").
    pub guides: overlay_preview::Guides,
    /// Where the preview was drawn last frame (points).
    pub preview_rect: egui::Rect,
    /// Where the frame itself was drawn in it (letterbox excluded).
    pub preview_frame_rect: egui::Rect,
    monitor: Monitor,
    tiles: preview::PreviewTiles,
    last_frame: Instant,
    thumbs: ui::ThumbCache,
    soak: Option<soak::Soak>,
    soak_done: bool,
    /// The window was asked to close while an export runs: the question is on screen.
    pub confirm_quit: bool,
    /// Undo and redo over settings, photo order and exclusions.
    pub history: history::History,
    /// Folders opened lately, newest first.
    pub recent: Vec<PathBuf>,
    /// The folder the history and the recent list last saw.
    seen_folder: Option<PathBuf>,
    /// The window's title as last set.
    title: String,
    /// The photos' tiles generation the HUD's steady window last saw.
    jobs_generation: u64,
    /// The music's waveform and playback.
    pub music: music::Music,
    /// The title and the logo over the preview (made at the first frame: it needs egui's
    /// context).
    overlay: Option<overlay_preview::OverlayPreview>,
    /// The toolbar and the settings panel, copied from a texture while they stand still.
    panels: PanelCache,
    /// The colour the window is cleared to when it is not `clear_color`'s (a test harness's).
    window_clear: Option<[f32; 4]>,
}

/// How the editor starts: from the command line, or from the last session.
pub struct StartOptions {
    pub images: Option<PathBuf>,
    /// Photo files to open instead of a folder (`gridreel FILE…`, "Open with gridreel").
    pub files: Vec<PathBuf>,
    pub settings: Option<Settings>,
    /// Play for this long, print the memory report and quit (`--soak SECS`).
    pub soak: Option<std::time::Duration>,
    /// With `soak`: a bare window instead of the editor (`--bare`).
    pub bare: Option<soak::Bare>,
    /// Start with the HUD shown (`--hud`).
    pub hud: bool,
    /// Paint the standing panels every frame instead of copying them (`--paint-panels`).
    pub paint_panels: bool,
}

impl EditorApp {
    /// Builds the app; `render_state` is eframe's wgpu state (None only without wgpu).
    #[must_use]
    pub fn new(
        render_state: Option<&eframe::egui_wgpu::RenderState>,
        storage: Option<&dyn eframe::Storage>,
        start: StartOptions,
    ) -> Self {
        let session: Session = storage
            .and_then(|s| eframe::get_value(s, STORAGE_KEY))
            .unwrap_or_default();
        let settings = start
            .settings
            .or_else(|| {
                session
                    .settings
                    .validate()
                    .is_ok()
                    .then_some(session.settings)
            })
            .unwrap_or_default();
        let mut editor = Editor::new(settings);
        let dialogs = dialogs::Dialogs {
            native: dialogs::native_available(),
            delivery: session.delivery,
            export_folder: session.export_folder.filter(|f| f.is_dir()),
            ..dialogs::Dialogs::default()
        };
        let last_folder = session.folder.filter(|f| f.is_dir());
        let folder = start
            .images
            .or_else(|| last_folder.clone())
            .map_or_else(crate::photos::demo_folder, Ok);
        match folder {
            _ if !start.files.is_empty() => editor.open_paths(&start.files),
            Ok(folder) => {
                editor.open_folder(&folder);
                // The last session's order and choices, for the same folder.
                if last_folder.as_ref() == Some(&folder) {
                    editor.photos.restore(&session.order);
                }
            }
            Err(e) => editor.errors.push(e.to_string()),
        }
        if let Some(rs) = render_state {
            preview::install(rs);
        }
        let history = history::History::new(&editor);
        Self {
            editor,
            dialogs,
            show_hud: start.hud,
            guides: overlay_preview::Guides::default(),
            monitor: Monitor::start(),
            tiles: preview::PreviewTiles::default(),
            panels: PanelCache::new(!start.paint_panels),
            window_clear: None,
            last_frame: Instant::now(),
            thumbs: ui::ThumbCache::default(),
            preview_rect: egui::Rect::NOTHING,
            preview_frame_rect: egui::Rect::NOTHING,
            soak: start.soak.map(soak::Soak::new),
            soak_done: false,
            confirm_quit: false,
            history,
            recent: session.recent,
            seen_folder: None,
            title: String::new(),
            jobs_generation: 0,
            music: music::Music::default(),
            overlay: None,
        }
    }

    /// Copy the standing panels from their texture (the default) or paint them every frame.
    pub fn set_panel_cache(&mut self, enabled: bool) {
        self.panels.set_enabled(enabled);
    }

    /// Where the window is cleared to another colour than [`eframe::App::clear_color`]'s
    /// before egui paints (egui_kittest clears to transparent): the standing panels' texture
    /// is cleared to the same.
    pub fn set_window_clear(&mut self, rgba: [f32; 4]) {
        self.window_clear = Some(rgba);
    }

    /// (frames that copied the standing panels, times their texture was painted).
    #[must_use]
    pub fn panel_cache_counts(&self) -> (u64, u64) {
        self.panels.counts()
    }

    /// Whether the preview holds every photo's full tile (tests wait for this).
    #[must_use]
    pub fn preview_tiles_resident(&self) -> bool {
        self.tiles.all_resident()
    }

    /// Whether the preview's tiles or clip frames are still on their way (tests wait for
    /// this).
    #[must_use]
    pub fn preview_busy(&self) -> bool {
        self.tiles.busy()
    }

    /// What the preview's tiles are doing, as the HUD says it ("36 of 36 resident",
    /// "streaming: 7 of 36 photos in 7 slots", or why only thumbnails show).
    #[must_use]
    pub fn preview_tiles_state(&self) -> String {
        self.tiles.state().1
    }

    fn handle_input(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        // An audio file becomes the music; anything else opens as photos.
        let (audio, photos): (Vec<PathBuf>, Vec<PathBuf>) = dropped
            .into_iter()
            .partition(|p| p.is_file() && crate::music::is_audio_file(p));
        if let Some(track) = audio.last() {
            self.editor.set_music(track);
        }
        if !photos.is_empty() {
            self.editor.open_paths(&photos);
        }
        let shortcut = Shortcut::pressed(ctx);
        if let Some(shortcut) = shortcut {
            self.run_shortcut(shortcut);
        }
    }

    /// Does what a shortcut (or its menu item) stands for.
    pub fn run_shortcut(&mut self, shortcut: Shortcut) {
        let editor = &mut self.editor;
        let frame_secs = 1.0 / f64::from(editor.settings.fps.max(1));
        match shortcut {
            Shortcut::Undo => {
                self.history.undo(editor);
            }
            Shortcut::Redo => {
                self.history.redo(editor);
            }
            Shortcut::Open => self.dialogs.ask(editor, dialogs::Purpose::OpenFolder),
            Shortcut::Export => export_dialog::open(&mut self.dialogs, editor),
            Shortcut::Music => self.dialogs.ask(editor, dialogs::Purpose::Music),
            Shortcut::SavePreset => self.dialogs.ask(editor, dialogs::Purpose::SavePreset),
            Shortcut::Hud => self.show_hud = !self.show_hud,
            Shortcut::PlayPause => editor.playing = !editor.playing,
            Shortcut::StepBack | Shortcut::StepForward | Shortcut::Start | Shortcut::End => {
                editor.playing = false;
                let duration = editor.settings.duration_secs;
                // Frame-exact: snap to the frame grid, then step.
                let frame = (editor.time_secs / frame_secs).round();
                editor.time_secs = match shortcut {
                    Shortcut::StepBack => (frame - 1.0) * frame_secs,
                    Shortcut::StepForward => (frame + 1.0) * frame_secs,
                    Shortcut::Start => 0.0,
                    _ => duration,
                }
                .clamp(0.0, duration);
            }
        }
    }

    /// Keeps the undo history and the recent folders in step with the editor.
    /// Tells the HUD's monitor when a job runs (import, export, tiles changing or streaming):
    /// memory growth is measured over the steady time after it.
    fn mark_jobs(&mut self) {
        let generation = self.editor.photos.tiles_generation();
        if self.editor.export.is_running()
            || self.editor.loading_progress().is_some()
            || !self.tiles.all_resident()
            || generation != self.jobs_generation
        {
            self.monitor.mark_busy();
            self.jobs_generation = generation;
        }
    }

    fn track_project(&mut self, ctx: &egui::Context) {
        let time_secs = ctx.input(|i| i.time);
        // The window says which project, and "●" when its settings are not saved in a preset.
        let title = window_title(self.editor.folder.as_deref(), self.editor.modified());
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
        if self.editor.folder == self.seen_folder {
            self.history.sync(&self.editor, time_secs);
            return;
        }
        self.seen_folder.clone_from(&self.editor.folder);
        self.history.reset(&self.editor, time_secs);
        // Another project: the last one's outcome goes.
        self.editor.export.forget();
        self.editor.notice = None;
        if let Some(folder) = &self.editor.folder
            && !crate::photos::is_demo_folder(folder)
        {
            self.recent.retain(|f| f != folder);
            self.recent.insert(0, folder.clone());
            self.recent.truncate(RECENT_FOLDERS);
        }
    }
}

impl eframe::App for EditorApp {
    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        visuals.panel_fill.to_normalized_gamma_f32()
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let now = Instant::now();
        let dt = now.duration_since(self.last_frame).as_secs_f64();
        self.last_frame = now;
        self.monitor.record_frame_ms(dt * 1000.0);

        let ctx = ui.ctx().clone();
        if self.soak.is_some() {
            // A soak always plays, looping, whatever the last session did.
            self.editor.playing = true;
            self.editor.looping = true;
        }
        self.handle_input(&ctx);
        self.editor.poll();
        if let Some(error) = preview::take_gpu_error() {
            self.editor
                .errors
                .push(format!("GPU error in the preview: {error}"));
        }
        if QUIT_SIGNALLED.load(std::sync::atomic::Ordering::Relaxed) {
            // SIGTERM, SIGHUP or Ctrl-C: like closing the window, but without asking.
            self.editor.export.cancel_and_wait();
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        self.editor.advance(dt.min(0.25));
        self.music.update(&mut self.editor, dt.min(0.25));
        if let Some(rs) = frame.wgpu_render_state() {
            self.tiles.update(rs, &self.editor);
        }
        self.mark_jobs();

        let slots = PanelCache::slots(ui);
        let (toolbar, requested) = PanelCache::region(ui, |ui| self.toolbar_panel_ui(ui));
        if let Some(shortcut) = requested {
            self.run_shortcut(shortcut);
        }
        self.timeline_panel_ui(ui);
        let (side, ()) = PanelCache::region(ui, |ui| self.side_panel_ui(ui));
        if self.show_hud {
            let memory = self.memory_parts(frame.wgpu_render_state());
            egui::Panel::bottom("hud")
                .frame(unfilled(egui::Frame::side_top_panel(ui.style())))
                .show(ui, |ui| ui::hud_ui(ui, &self.monitor, &memory));
        }
        let overlay = self
            .overlay
            .get_or_insert_with(|| overlay_preview::OverlayPreview::new(&ctx));
        overlay.update(&ctx, &self.editor.settings);
        (self.preview_rect, self.preview_frame_rect) = egui::CentralPanel::default()
            .frame(unfilled(egui::Frame::central_panel(ui.style())))
            .show(ui, |ui| {
                let rects = ui::preview_panel_ui(ui, &mut self.editor);
                overlay.paint(ui.painter(), rects.1, self.editor.time_secs);
                if self.guides.safe_area {
                    let safe_area = self.editor.settings.safe_area;
                    overlay_preview::safe_area_guide_ui(ui.painter(), rects.1, safe_area);
                }
                rects
            })
            .inner;
        let clear =
            (self.window_clear).unwrap_or_else(|| self.clear_color(&ctx.global_style().visuals));
        let regions = (ui.layer_id(), &slots, &[toolbar, side]);
        (self.panels).finish(&ctx, frame.wgpu_render_state(), regions, clear);

        self.quit_ui(&ctx);
        export_dialog::dialog_ui(&ctx, &mut self.dialogs, &mut self.editor);
        ui::skipped_window(&ctx, &self.editor, &mut self.dialogs.skipped_open);
        self.dialogs.prompt_ui(&ctx, &mut self.editor);
        self.dialogs.replace_ui(&ctx, &mut self.editor);
        self.track_project(&ctx);

        if let Some(soak) = &mut self.soak {
            let rss = self.monitor.with_stats(|s| s.rss_mb.last()).flatten();
            let settled = self.editor.loading_progress().is_none() && self.tiles.all_resident();
            if let Some(report) = soak.frame(now.elapsed(), rss, settled) {
                report.publish();
                self.soak = None;
                self.soak_done = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }

        // Animate while playing, exporting or loading; otherwise sleep until input.
        if self.editor.playing
            || self.editor.export.is_running()
            || self.editor.loading_progress().is_some()
            || self.editor.refocusing()
            || self.tiles.busy()
            || self.music.busy()
            || self.show_hud
        {
            ctx.request_repaint();
        }
    }

    /// Closing the window while an export runs asks first; quitting cancels the export and
    /// waits for it to remove its temporary file.
    fn on_exit(&mut self) {
        self.editor.export.cancel_and_wait();
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if self.soak.is_some() || self.soak_done {
            return; // a soak leaves the user's session alone
        }
        let session = Session {
            settings: self.editor.settings.clone(),
            folder: self.editor.folder.clone(),
            recent: self.recent.clone(),
            delivery: self.dialogs.delivery,
            export_folder: self.dialogs.export_folder.clone(),
            order: self
                .editor
                .photos
                .iter()
                .map(|p| (p.path.clone(), p.included))
                .collect(),
        };
        eframe::set_value(storage, STORAGE_KEY, &session);
    }
}

/// Set by SIGTERM, SIGHUP or Ctrl-C while the editor runs: it cancels any export (removing
/// its temporary file) and closes.
static QUIT_SIGNALLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Opens the editor window.
pub fn run(start: StartOptions) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("gridreel")
            .with_inner_size([1400.0, 860.0])
            .with_drag_and_drop(true),
        wgpu_options: preview::wgpu_options(),
        persist_window: start.soak.is_none(),
        ..Default::default()
    };
    // A soak measures the default window, not the size the last session left: its own
    // storage name keeps eframe from restoring the user's window (and never writes theirs).
    let app_name = if start.soak.is_some() {
        "gridreel-soak"
    } else {
        "gridreel"
    };
    if let (Some(length), Some(kind)) = (start.soak, start.bare) {
        return eframe::run_native(
            app_name,
            options,
            Box::new(move |_| Ok(Box::new(soak::BareApp::new(kind, length)))),
        )
        .map_err(|e| format!("cannot open the window ({e})"));
    }
    eframe::run_native(
        app_name,
        options,
        Box::new(move |cc| {
            let ctx = cc.egui_ctx.clone();
            // Only one handler per process; the editor is the only one in this mode.
            let _ = ctrlc::set_handler(move || {
                QUIT_SIGNALLED.store(true, std::sync::atomic::Ordering::Relaxed);
                ctx.request_repaint();
            });
            Ok(Box::new(EditorApp::new(
                cc.wgpu_render_state.as_ref(),
                if start.soak.is_some() {
                    None
                } else {
                    cc.storage
                },
                start,
            )))
        }),
    )
    .map_err(|e| format!("cannot open the editor window ({e})"))
}

/// "trip — gridreel", "● trip — gridreel" with changes not saved in a preset.
#[must_use]
pub fn window_title(folder: Option<&std::path::Path>, modified: bool) -> String {
    let name = folder
        .and_then(|f| f.file_name())
        .map(|n| n.to_string_lossy().into_owned());
    let title = name.map_or_else(|| "gridreel".to_owned(), |n| format!("{n} — gridreel"));
    if modified {
        format!("● {title}")
    } else {
        title
    }
}
