//! The editor window's panels and prompts, as `EditorApp` methods: the toolbar, the timeline,
//! the settings side panel, the HUD's memory by part, and the question asked when the window
//! closes during an export.

use eframe::{egui, egui_wgpu};

use super::logic::MemoryParts;
use super::panel_cache::unfilled;
use super::{EditorApp, Shortcut, music, ui};
use crate::render::{GridRenderer, PanelTexture};

impl EditorApp {
    /// Whether the title and logo over the preview are those of the current settings.
    #[must_use]
    pub fn overlay_current(&self) -> bool {
        self.overlay
            .as_ref()
            .is_some_and(|o| o.is_current(&self.editor.settings))
    }

    /// The project's memory by part, for the HUD, with what the GPU holds.
    pub(super) fn memory_parts(&self, rs: Option<&egui_wgpu::RenderState>) -> MemoryParts {
        let mut memory = self.editor.memory_parts();
        (memory.tiles_ram, memory.tiles_state) = self.tiles.state();
        if let Some(rs) = rs {
            let renderer = rs.renderer.read();
            let resources = &renderer.callback_resources;
            if let Some(grid) = resources.get::<GridRenderer>() {
                memory.tiles_gpu = grid.tile_bytes();
                memory.still_gpu = grid.still_bytes();
                memory.thumbs_gpu = grid.thumb_bytes();
            }
            memory.panels_gpu = resources
                .get::<PanelTexture>()
                .map_or(0, PanelTexture::bytes);
        }
        memory
    }

    /// The toolbar; returns the command it asks the app to run.
    pub(super) fn toolbar_panel_ui(&mut self, ui: &mut egui::Ui) -> Option<Shortcut> {
        egui::Panel::top("toolbar")
            .frame(unfilled(egui::Frame::side_top_panel(ui.style())))
            .show(ui, |ui| {
                let menus = ui::Menus {
                    can_undo: self.history.can_undo(),
                    can_redo: self.history.can_redo(),
                    recent: &self.recent,
                };
                ui::toolbar_ui(
                    ui,
                    &mut self.editor,
                    &mut self.dialogs,
                    &mut self.show_hud,
                    &menus,
                )
            })
            .inner
    }

    /// The bottom panel: the status line, the timeline and the music's waveform.
    pub(super) fn timeline_panel_ui(&mut self, ui: &mut egui::Ui) {
        egui::Panel::bottom("timeline")
            .frame(unfilled(egui::Frame::side_top_panel(ui.style())))
            .show(ui, |ui| {
                ui::status_ui(ui, &mut self.editor);
                let scrubber = ui::timeline_ui(ui, &mut self.editor, &mut self.guides.safe_area);
                music::waveform_ui(ui, &mut self.editor, &mut self.music, scrubber);
            });
    }

    /// The left panel: settings, the photo list and the music.
    pub(super) fn side_panel_ui(&mut self, ui: &mut egui::Ui) {
        egui::Panel::left("settings")
            .frame(unfilled(egui::Frame::side_top_panel(ui.style())))
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    ui.heading("Settings");
                    if ui::settings_ui(ui, &mut self.editor.settings) {
                        self.editor.settings_changed();
                    }
                    ui.separator();
                    ui.heading("Photos");
                    ui::photos_ui(ui, &mut self.editor, &mut self.thumbs);
                    ui.separator();
                    ui.heading("Music");
                    if music::section_ui(ui, &mut self.editor, &mut self.dialogs, &self.music) {
                        self.editor.settings_changed();
                    }
                    ui.separator();
                    // Closed at first: the section neither widens the panel nor moves the
                    // photo list until it is opened.
                    let error = self.overlay.as_ref().and_then(|o| o.error());
                    let words = egui::CollapsingHeader::new("Title and logo")
                        .default_open(false)
                        .show(ui, |ui| ui::words_ui(ui, &mut self.editor.settings, error));
                    if words.body_returned == Some(true) {
                        self.editor.settings_changed();
                    }
                });
            });
    }

    /// "An export is running: cancel it and quit?" when the window is asked to close during
    /// an export.
    pub(super) fn quit_ui(&mut self, ctx: &egui::Context) {
        if ctx.input(|i| i.viewport().close_requested()) && self.editor.export.is_running() {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.confirm_quit = true;
        }
        if !self.confirm_quit {
            return;
        }
        if !self.editor.export.is_running() {
            self.confirm_quit = false; // it finished meanwhile: nothing to ask
            return;
        }
        egui::Modal::new(egui::Id::unique("confirm-quit")).show(ctx, |ui| {
            ui.heading("An export is running: cancel it and quit?");
            ui.label("The video written so far is removed; nothing else is lost.");
            ui.horizontal(|ui| {
                if ui.button("Cancel export and quit").clicked() {
                    self.editor.export.cancel_and_wait();
                    self.confirm_quit = false;
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
                if ui.button("Keep exporting").clicked() {
                    self.confirm_quit = false;
                }
            });
        });
    }
}
