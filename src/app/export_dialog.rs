//! The export dialog: the format people deliver in (each with what it is for), GIF's own
//! settings, and the estimated size; then the save dialog or path field.

use eframe::egui;
use serde::{Deserialize, Serialize};

use super::dialogs::{self, Purpose};
use super::logic::Editor;
use crate::export::Container;
pub use crate::export::estimate::{estimate_bytes, format_estimate};
use crate::settings::VideoCodec;

/// A container and codec, as offered in the export dialog.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    #[default]
    Mp4H264,
    Mp4H265,
    Mp4Av1,
    WebmVp9,
    MovProres,
    Gif,
}

impl Delivery {
    pub const ALL: [Self; 6] = [
        Self::Mp4H264,
        Self::Mp4H265,
        Self::Mp4Av1,
        Self::WebmVp9,
        Self::MovProres,
        Self::Gif,
    ];

    /// What it is, and what it is for.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Mp4H264 => "MP4 · H.264 – plays everywhere",
            Self::Mp4H265 => "MP4 · H.265 – smaller files, newer players",
            Self::Mp4Av1 => "MP4 · AV1 – for the web, newest players",
            Self::WebmVp9 => "WebM · VP9 – web",
            Self::MovProres => "MOV · ProRes – for editing (large files)",
            Self::Gif => "GIF – chat and docs",
        }
    }

    #[must_use]
    pub fn codec(self) -> VideoCodec {
        match self {
            Self::Mp4H264 => VideoCodec::H264,
            Self::Mp4H265 => VideoCodec::H265,
            Self::Mp4Av1 => VideoCodec::Av1,
            Self::WebmVp9 => VideoCodec::Vp9,
            Self::MovProres => VideoCodec::Prores,
            Self::Gif => VideoCodec::Gif,
        }
    }

    /// The output file's extension.
    #[must_use]
    pub fn extension(self) -> &'static str {
        self.container().extension()
    }

    /// The save dialog's filter: (name, extension).
    #[must_use]
    pub fn filter(self) -> (&'static str, &'static str) {
        match self {
            Self::Mp4H264 | Self::Mp4H265 | Self::Mp4Av1 => ("MP4 video", "mp4"),
            Self::WebmVp9 => ("WebM video", "webm"),
            Self::MovProres => ("QuickTime movie", "mov"),
            Self::Gif => ("GIF animation", "gif"),
        }
    }

    /// The file type it is written as.
    #[must_use]
    pub fn container(self) -> Container {
        match self {
            Self::Mp4H264 | Self::Mp4H265 | Self::Mp4Av1 => Container::Mp4,
            Self::WebmVp9 => Container::Webm,
            Self::MovProres => Container::Mov,
            Self::Gif => Container::Gif,
        }
    }

    /// The suggested file name.
    #[must_use]
    pub fn file_name(self) -> String {
        self.container().file_kind().default_name.to_owned()
    }
}

/// Opens the export dialog, on the last format chosen (or the one the codec setting names).
pub fn open(editor: &mut Editor) {
    if editor.export.is_some() {
        return;
    }
    let codec = editor.settings.video.codec;
    if codec != VideoCodec::Auto
        && editor.delivery.codec() != codec
        && let Some(d) = Delivery::ALL.into_iter().find(|d| d.codec() == codec)
    {
        editor.delivery = d;
    }
    choose(editor, editor.delivery);
    editor.export_dialog = true;
}

/// Makes `delivery` the export's format: the codec setting follows (and a named encoder of
/// another codec goes back to `auto`).
pub fn choose(editor: &mut Editor, delivery: Delivery) {
    let video = &mut editor.settings.video;
    if video.codec != delivery.codec() {
        video.codec = delivery.codec();
        "auto".clone_into(&mut video.encoder);
    }
    editor.delivery = delivery;
}

/// The dialog, while `editor.export_dialog` is set.
pub fn dialog_ui(ctx: &egui::Context, editor: &mut Editor) {
    if !editor.export_dialog {
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
                .radio(editor.delivery == delivery, delivery.label())
                .clicked()
            {
                chosen = Some(delivery);
            }
        }
        if editor.delivery == Delivery::Gif {
            let video = &mut editor.settings.video;
            egui::Grid::new("gif").num_columns(2).show(ui, |ui| {
                let label = ui.label("GIF fps");
                ui.add(egui::Slider::new(&mut video.gif_fps, 1..=50))
                    .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("GIF width");
                let mut width = video.gif_width_px.unwrap_or(0);
                ui.add(
                    egui::DragValue::new(&mut width)
                        .range(0..=3840)
                        .suffix(" px")
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
        let bytes = estimate_bytes(&editor.settings, editor.delivery.codec());
        let (w, h) = editor.settings.frame_size_px();
        ui.label(format!(
            "Estimated size: {} ({:.1} s of {w}×{h}{})",
            format_estimate(bytes),
            editor.settings.duration_secs,
            if editor.settings.audio.file.is_some() && editor.delivery != Delivery::Gif {
                ", with music"
            } else {
                ""
            }
        ))
        .on_hover_text(
            "From bits per pixel measured on the demo photos at this quality; photos with \
             fine detail can come out up to about twice as large.",
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
        choose(editor, delivery);
    }
    if modal.should_close() {
        cancel = true;
    }
    if next {
        editor.export_dialog = false;
        dialogs::ask(editor, Purpose::Export);
    } else if cancel {
        editor.export_dialog = false;
    }
}
