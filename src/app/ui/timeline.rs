//! The bottom of the window: play, repeat and the scrubber; the preview panel with its clicks;
//! the export's progress, its outcome and the editor's messages.

use eframe::egui;

use crate::app::export_runner::ExportOutcome;
use crate::app::logic::Editor;
use crate::app::preview::preview_ui;

/// Bottom bar: play/pause, loop, the safe-area guide's switch (when the settings have a safe
/// area), scrubber. Returns the scrubber's horizontal span (the waveform lines up under it).
pub fn timeline_ui(
    ui: &mut egui::Ui,
    editor: &mut Editor,
    show_safe_area: &mut bool,
) -> egui::Rangef {
    ui.horizontal(|ui| {
        let label = if editor.playing { "Pause" } else { "Play" };
        if ui.button(label).clicked() {
            editor.playing = !editor.playing;
        }
        // "Repeat", as in a media player: the motion's own loop is "Seamless loop".
        ui.checkbox(&mut editor.looping, "Repeat")
            .on_hover_text("Play the preview again from the start when it ends");
        if !editor.settings.safe_area.is_default() {
            ui.checkbox(show_safe_area, "Show safe area").on_hover_text(
                "Outline the safe area and dim the edges a platform covers (never exported)",
            );
        }
        let duration = editor.settings.duration_secs;
        ui.spacing_mut().slider_width = (ui.available_width() - 200.0).max(100.0);
        let scrubber =
            ui.add(egui::Slider::new(&mut editor.time_secs, 0.0..=duration).show_value(false));
        if scrubber.dragged() {
            editor.playing = false;
        }
        let frame = (editor.time_secs * f64::from(editor.settings.fps)).round() as u64;
        ui.monospace(format!(
            "{:5.2} s  frame {frame}/{}",
            editor.time_secs,
            editor.settings.frame_count()
        ));
        scrubber.rect.x_range()
    })
    .inner
}

/// Draws the preview; returns the rectangle it occupies (letterbox included) and the frame's
/// rectangle inside it.
///
/// A click on a tile centres that photo's crop on the point clicked; Alt+click, or the
/// right-click menu, gives it back the global crop anchor.
pub fn preview_panel_ui(ui: &mut egui::Ui, editor: &mut Editor) -> (egui::Rect, egui::Rect) {
    let (response, frame_rect) = preview_ui(ui, &editor.settings, editor.time_secs);
    let menu_id = egui::Id::unique("preview-focus-menu");
    let frame_at = |settings: &crate::settings::Settings, pos: egui::Pos2| {
        crate::app::preview::frame_point(settings, frame_rect, pos)
    };
    if response.clicked()
        && let Some(pos) = response.interact_pointer_pos()
    {
        let reset = ui.input(|i| i.modifiers.alt);
        let (x, y) = frame_at(&editor.settings, pos);
        editor.set_focus_at(x, y, reset);
    }
    if response.secondary_clicked()
        && let Some(pos) = response.interact_pointer_pos()
    {
        // The photo under the pointer when the menu opened (the grid keeps moving).
        let (x, y) = frame_at(&editor.settings, pos);
        let photo = editor.photo_point_at(x, y).map(|(p, _)| p.path.clone());
        ui.data_mut(|d| d.insert_temp(menu_id, photo));
    }
    let rect = response.rect;
    response.context_menu(|ui| {
        let photo: Option<std::path::PathBuf> = ui.data(|d| d.get_temp(menu_id)).flatten();
        let Some(path) = photo else {
            ui.weak(crate::app::preview::FOCUS_HINT);
            return;
        };
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        ui.label(name);
        let own = editor.settings.focus.contains_key(&path);
        if ui
            .add_enabled(own, egui::Button::new("Reset crop centre"))
            .clicked()
        {
            editor.set_focus(&path, None);
            ui.close();
        }
    });
    (rect, frame_rect)
}

/// Export progress, result, and errors.
pub fn status_ui(ui: &mut egui::Ui, editor: &mut Editor) {
    if let Some(export) = editor.export.running() {
        let p = &export.progress;
        let total = p
            .frames_total
            .load(std::sync::atomic::Ordering::Relaxed)
            .max(1);
        let done = p.frames_encoded.load(std::sync::atomic::Ordering::Relaxed);
        let secs = export.started.elapsed().as_secs_f64().max(1e-3);
        let fps = done as f64 / secs;
        let left = (total - done.min(total)) as f64 / fps.max(1e-3);
        let realtime = fps / f64::from(editor.settings.fps);
        ui.horizontal(|ui| {
            if done == 0 {
                // Until the first frame is encoded there is nothing true to say about speed.
                ui.spinner();
                ui.label("Starting the export…");
            } else {
                ui.add(
                    egui::ProgressBar::new(done as f32 / total as f32)
                        .desired_width(240.0)
                        .text(format!("{done}/{total} frames")),
                );
                ui.label(format!(
                    "{fps:.0} frames/s ({realtime:.1}× real time), {left:.0} s left, encoder: {}",
                    p.encoder_name()
                ));
            }
            if ui.button("Cancel").clicked() {
                editor.export.cancel();
            }
        });
    }
    match editor.export.last() {
        Some(ExportOutcome::Finished(summary)) => {
            ui.horizontal(|ui| {
                ui.label(format!(
                    "Exported {} ({:.1} MB, {:.1} s, {})",
                    summary.path.display(),
                    summary.bytes as f64 / 1e6,
                    summary.video_secs,
                    summary.encoder
                ));
                if ui.button("Open folder").clicked()
                    && let Some(dir) = summary.path.parent()
                {
                    let _ = std::process::Command::new("xdg-open").arg(dir).spawn();
                }
            });
        }
        Some(ExportOutcome::Cancelled) => {
            ui.label("Export cancelled: nothing was written.");
        }
        Some(ExportOutcome::Failed(e)) => {
            ui.colored_label(egui::Color32::LIGHT_RED, format!("Export failed: {e}"));
        }
        None => {}
    }
    if let Some(notice) = &editor.notice {
        ui.label(notice);
    }
    let mut dismiss = None;
    for (i, error) in editor.errors.iter().enumerate() {
        ui.horizontal(|ui| {
            ui.colored_label(egui::Color32::LIGHT_RED, error);
            if ui.small_button("Dismiss").clicked() {
                dismiss = Some(i);
            }
        });
    }
    if let Some(i) = dismiss {
        editor.errors.remove(i);
    }
}
