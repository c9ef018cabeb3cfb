//! The real editor driven by egui_kittest on the software GPU (lavapipe): building it,
//! stepping it until something holds, dropping files on it, typing into its path field.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use eframe::egui::{self, Role};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use gridreel::app::{EditorApp, StartOptions};
use gridreel::settings::{FrameSize, Settings};

/// The editor in a 1200x800 window with `settings`, on the demo photos.
pub fn harness(settings: Settings) -> Harness<'static, EditorApp> {
    harness_on(None, settings)
}

/// The editor on the photos in `images` (the demo photos: None) with `settings`.
pub fn harness_on(
    images: Option<std::path::PathBuf>,
    settings: Settings,
) -> Harness<'static, EditorApp> {
    Harness::builder()
        .with_size([1200.0, 800.0])
        .wgpu()
        .build_eframe(move |cc| {
            in_harness(
                cc,
                None,
                StartOptions {
                    images,
                    files: Vec::new(),
                    settings: Some(settings),
                    soak: None,
                    bare: None,
                    hud: false,
                    paint_panels: false,
                },
            )
        })
}

/// The editor as egui_kittest runs it: the harness clears the window to transparent before
/// egui paints, not to the app's clear colour, and the standing panels' texture must be
/// cleared to the same.
pub fn in_harness(
    cc: &eframe::CreationContext<'_>,
    storage: Option<&dyn eframe::Storage>,
    start: StartOptions,
) -> EditorApp {
    let mut app = EditorApp::new(cc.wgpu_render_state.as_ref(), storage, start);
    app.set_window_clear([0.0; 4]);
    app
}

/// The editor on the demo photos at a small output size (320x240, 40 px tiles), loaded.
pub fn small_demo() -> Harness<'static, EditorApp> {
    let mut h = harness(Settings {
        frame: FrameSize::Custom {
            width_px: 320,
            height_px: 240,
        },
        tile_height_px: 40,
        ..Settings::default()
    });
    step_until(&mut h, "36 demo photos", |app| all_loaded(app, 36));
    h
}

/// Steps the app until `done` holds (photos load and exports run on other threads).
pub fn step_until(
    h: &mut Harness<'static, EditorApp>,
    what: &str,
    done: impl Fn(&EditorApp) -> bool,
) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_mins(3),
            "timed out waiting for {what}"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `count` photos listed, each with its thumbnail, no import running, and the preview's
/// tiles resident.
pub fn all_loaded(app: &EditorApp, count: usize) -> bool {
    app.editor.photos.len() == count
        && app.editor.photos.iter().all(|p| p.thumb.is_some())
        && app.editor.loading_progress().is_none()
        && app.preview_tiles_resident()
}

/// A file handed over by the window system, as egui-winit does on a drop.
#[derive(Debug)]
pub struct Dropped(pub PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// Replaces what the open path field holds with `text` and presses the prompt's `button`.
pub fn enter_path(h: &mut Harness<'static, EditorApp>, text: &str, button: &str) {
    h.get_by_role_and_label(Role::TextInput, "Path").focus();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_role_and_label(Role::TextInput, "Path")
        .type_text(text);
    h.run_steps(2);
    h.get_by_label(button).click();
    h.run_steps(3);
}
