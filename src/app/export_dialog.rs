//! The export dialog: the format people deliver in (each with what it is for), GIF's own
//! settings, and the estimated size; then the save dialog or path field.

use eframe::egui;

pub use super::delivery::Delivery;
use super::dialogs::{Dialogs, Purpose};
use super::logic::Editor;
pub use crate::export::estimate::{detail_of, estimate_bytes, format_estimate, photo_coverage};
use crate::settings::VideoCodec;

/// Opens the export dialog, on the last format chosen (or the one the codec setting names).
pub fn open(dialogs: &mut Dialogs, editor: &mut Editor) {
    if editor.export.is_running() {
        return;
    }
    let codec = editor.settings.video.codec;
    if codec != VideoCodec::Auto
        && dialogs.delivery.codec() != codec
        && let Some(d) = Delivery::ALL.into_iter().find(|d| d.codec() == codec)
    {
        dialogs.delivery = d;
    }
    dialogs.codec_before_export = Some((
        editor.settings.video.codec,
        editor.settings.video.encoder.clone(),
    ));
    choose(dialogs, editor, dialogs.delivery);
    dialogs.export_open = true;
}

/// Makes `delivery` the export's format: the codec setting follows (and a named encoder of
/// another codec goes back to `auto`).
pub fn choose(dialogs: &mut Dialogs, editor: &mut Editor, delivery: Delivery) {
    let video = &mut editor.settings.video;
    if video.codec != delivery.codec() {
        video.codec = delivery.codec();
        video.encoder = crate::settings::EncoderChoice::Auto;
    }
    dialogs.delivery = delivery;
}

/// The dialog, while `dialogs.export_open` is set.
pub fn dialog_ui(ctx: &egui::Context, dialogs: &mut Dialogs, editor: &mut Editor) {
    if !dialogs.export_open {
        return;
    }
    let mut chosen = None;
    let mut next = false;
    let mut cancel = false;
    let modal = egui::Modal::new(egui::Id::unique("export-dialog")).show(ctx, |ui| {
        ui.heading("Export");
        ui.label("Format:");
        for delivery in Delivery::ALL {
            if ui
                .radio(dialogs.delivery == delivery, delivery.label())
                .clicked()
            {
                chosen = Some(delivery);
            }
        }
        if dialogs.delivery == Delivery::Gif {
            let video = &mut editor.settings.video;
            egui::Grid::new("gif").num_columns(2).show(ui, |ui| {
                let label = ui.label("GIF fps");
                ui.add(egui::Slider::new(&mut video.gif_fps, 1..=50))
                    .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("GIF width");
                let mut width = video.gif_width_px.unwrap_or(0);
                // The formatter writes the unit itself (a suffix would add a second "px").
                ui.add(
                    egui::DragValue::new(&mut width)
                        .range(0..=3840)
                        .custom_formatter(|v, _| {
                            if v < 1.0 {
                                "frame's".to_owned()
                            } else {
                                format!("{v} px")
                            }
                        }),
                )
                .labelled_by(label.id);
                video.gif_width_px = (width > 0).then_some(width);
                ui.end_row();
            });
        }
        let bytes = estimate_bytes(
            &editor.settings,
            dialogs.delivery.codec(),
            editor.photo_detail(),
        );
        // The size of the file's frames: a GIF's own width, not the rendered frame's.
        let (w, h) = crate::export::Format {
            container: dialogs.delivery.container(),
            codec: dialogs.delivery.codec(),
        }
        .output_size_px(&editor.settings.video, editor.settings.frame_size_px());
        ui.label(format!(
            "Estimated size: {} ({:.1} s of {w}×{h}{})",
            format_estimate(bytes),
            editor.settings.duration_secs,
            if editor.settings.audio.file.is_some() && dialogs.delivery != Delivery::Gif {
                ", with music"
            } else {
                ""
            }
        ))
        .on_hover_text(
            "From the share of the frame the photos cover, how detailed they are, the tile \
             size, the speed and the quality; real exports came within 0.66-1.51× of it.",
        );
        ui.horizontal(|ui| {
            if ui.button("Save as…").clicked() {
                next = true;
            }
            if ui.button("Cancel").clicked() {
                cancel = true;
            }
        });
    });
    if let Some(delivery) = chosen {
        choose(dialogs, editor, delivery);
    }
    if modal.should_close() {
        cancel = true;
    }
    if next {
        dialogs.export_open = false;
        dialogs.codec_before_export = None;
        dialogs.ask(editor, Purpose::Export);
    } else if cancel {
        dialogs.export_open = false;
        // Looking at the formats is not choosing one: the sidebar's codec goes back.
        if let Some((codec, encoder)) = dialogs.codec_before_export.take() {
            editor.settings.video.codec = codec;
            editor.settings.video.encoder = encoder;
        }
    }
}
