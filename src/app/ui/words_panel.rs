//! The title and logo section of the settings: the title's text, subtitle, size, colour,
//! backdrop, position and timing; the logo's file, corner, size and opacity; the safe area
//! they keep inside.

use std::path::PathBuf;

use eframe::egui;

use crate::settings::{
    Backdrop, CaptionPlace, CaptionSettings, CaptionSource, Corner, SafeArea, Settings,
    TitlePosition, TitleShow, without_control_chars,
};

/// Draws the section; returns true when a value changed. `error` is why the title or logo
/// cannot be drawn (a character no font has, a logo that is not an image).
pub fn words_ui(ui: &mut egui::Ui, s: &mut Settings, error: Option<&str>) -> bool {
    let before = (s.title.clone(), s.logo.clone(), s.safe_area);
    let captions_before = caption_look(&s.captions);
    egui::Grid::new("words")
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| {
            title_rows_ui(ui, s);
            caption_rows_ui(ui, &mut s.captions);
            logo_rows_ui(ui, s);
            safe_area_row_ui(ui, &mut s.safe_area);
        });
    if let Some(error) = error {
        ui.colored_label(egui::Color32::LIGHT_RED, error);
    }
    before != (s.title.clone(), s.logo.clone(), s.safe_area)
        || captions_before != caption_look(&s.captions)
}

/// The captions' settings but their own texts (which the photo list edits).
fn caption_look(c: &CaptionSettings) -> CaptionLook {
    (
        c.show,
        c.size.to_bits(),
        c.color,
        c.band,
        c.place,
        c.font.clone(),
    )
}

/// What `caption_look` compares: every caption setting but the photos' own texts (which may
/// be many; they are not copied each frame).
type CaptionLook = (
    CaptionSource,
    u64,
    crate::settings::Color,
    bool,
    CaptionPlace,
    Option<String>,
);

/// A font picker: the bundled Inter, or a family installed on this machine.
fn font_row_ui(ui: &mut egui::Ui, label: &str, font: &mut Option<String>) {
    /// The installed families, read once (scanning the system's fonts takes a while).
    static FAMILIES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let label = ui.label(label);
    let shown = font.as_deref().unwrap_or("Inter (bundled)");
    egui::ComboBox::from_id_salt(label.id)
        .selected_text(shown)
        .height(320.0)
        .show_ui(ui, |ui| {
            ui.selectable_value(font, None, "Inter (bundled)");
            for family in FAMILIES.get_or_init(crate::overlay::font_families) {
                ui.selectable_value(font, Some(family.clone()), family);
            }
        })
        .response
        .labelled_by(label.id)
        .on_hover_text("other scripts fall back to the system's fonts");
    ui.end_row();
}

/// A slider of a share from `range.0` to `range.1`, shown in per cent `of` something.
fn share_row_ui(ui: &mut egui::Ui, label: &str, share: &mut f64, range: (f64, f64), of: &str) {
    let label = ui.label(label);
    ui.add(
        egui::Slider::new(share, range.0..=range.1)
            .custom_formatter(|v, _| format!("{:.0} % {of}", v * 100.0)),
    )
    .labelled_by(label.id);
    ui.end_row();
}

fn color_row_ui(ui: &mut egui::Ui, label: &str, color: &mut crate::settings::Color) {
    ui.label(label);
    let mut rgb = [color.r, color.g, color.b];
    if ui.color_edit_button_srgb(&mut rgb).changed() {
        *color = crate::settings::Color::rgb(rgb[0], rgb[1], rgb[2]);
    }
    ui.end_row();
}

fn caption_rows_ui(ui: &mut egui::Ui, c: &mut CaptionSettings) {
    ui.label("Captions");
    egui::ComboBox::from_id_salt("caption-show")
        .selected_text(c.show.name())
        .show_ui(ui, |ui| {
            for source in CaptionSource::ALL {
                ui.selectable_value(&mut c.show, source, source.name());
            }
        })
        .response
        .on_hover_text("with each tile; a photo's own caption (photo list) wins");
    ui.end_row();
    if !c.shown() {
        return;
    }
    ui.label("Captions sit");
    egui::ComboBox::from_id_salt("caption-place")
        .selected_text(c.place.name())
        .show_ui(ui, |ui| {
            for place in CaptionPlace::ALL {
                ui.selectable_value(&mut c.place, place, place.name());
            }
        })
        .response
        .on_hover_text("under the tile: each row grows by a caption line on the background");
    ui.end_row();
    share_row_ui(ui, "Caption size", &mut c.size, (0.03, 0.5), "of the tile");
    font_row_ui(ui, "Caption font", &mut c.font);
    color_row_ui(ui, "Caption colour", &mut c.color);
    ui.label("");
    ui.checkbox(&mut c.band, "Band behind the captions");
    ui.end_row();
}

fn text_row_ui(ui: &mut egui::Ui, label: &str, text: &mut String, multiline: bool) {
    let label = ui.label(label);
    let edit = if multiline {
        egui::TextEdit::multiline(text).desired_rows(1)
    } else {
        egui::TextEdit::singleline(text)
    };
    ui.add(edit.desired_width(180.0)).labelled_by(label.id);
    ui.end_row();
    // Pasted text keeps its line breaks and loses other control characters.
    if text.chars().any(|c| c.is_control() && c != '\n') {
        *text = without_control_chars(text);
    }
}

fn title_rows_ui(ui: &mut egui::Ui, s: &mut Settings) {
    let t = &mut s.title;
    text_row_ui(ui, "Title", &mut t.text, true);
    text_row_ui(ui, "Subtitle", &mut t.subtitle, false);
    share_row_ui(ui, "Title size", &mut t.size, (0.02, 0.3), "of height");
    font_row_ui(ui, "Title font", &mut t.font);
    color_row_ui(ui, "Title colour", &mut t.color);
    ui.label("Behind the title");
    egui::ComboBox::from_id_salt("title-backdrop")
        .selected_text(t.backdrop.name())
        .show_ui(ui, |ui| {
            for b in Backdrop::ALL {
                ui.selectable_value(&mut t.backdrop, b, b.name());
            }
        });
    ui.end_row();
    ui.label("Title position");
    egui::ComboBox::from_id_salt("title-position")
        .selected_text(t.position.name())
        .show_ui(ui, |ui| {
            for p in TitlePosition::ALL {
                ui.selectable_value(&mut t.position, p, p.name());
            }
        });
    ui.end_row();
    ui.label("Title shows");
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("title-show")
            .selected_text(t.show.name())
            .show_ui(ui, |ui| {
                for w in TitleShow::ALL {
                    ui.selectable_value(&mut t.show, w, w.name());
                }
            });
        if t.show != TitleShow::Whole {
            ui.add(
                egui::DragValue::new(&mut t.secs)
                    .range(0.1..=3600.0)
                    .speed(0.1)
                    .suffix(" s"),
            );
        }
    });
    ui.end_row();
}

fn logo_rows_ui(ui: &mut egui::Ui, s: &mut Settings) {
    let logo = &mut s.logo;
    let label = ui.label("Logo file");
    let mut path = logo
        .file
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let response = ui
        .add(
            egui::TextEdit::singleline(&mut path)
                .hint_text("an image: PNG, JPEG, WebP…")
                .desired_width(180.0),
        )
        .labelled_by(label.id);
    if response.changed() {
        let path = without_control_chars(path.trim());
        logo.file = (!path.is_empty()).then(|| PathBuf::from(path));
    }
    ui.end_row();
    if logo.file.is_none() {
        return;
    }
    ui.label("Logo corner");
    egui::ComboBox::from_id_salt("logo-corner")
        .selected_text(logo.position.name())
        .show_ui(ui, |ui| {
            for c in Corner::ALL {
                ui.selectable_value(&mut logo.position, c, c.name());
            }
        });
    ui.end_row();
    share_row_ui(ui, "Logo size", &mut logo.size, (0.02, 0.5), "of height");
    let label = ui.label("Logo opacity");
    ui.add(egui::Slider::new(&mut logo.opacity, 0.0..=1.0))
        .labelled_by(label.id);
    ui.end_row();
}

/// The safe area's four edges in per cent of the frame (its guide's switch is beside the
/// timeline).
fn safe_area_row_ui(ui: &mut egui::Ui, safe: &mut SafeArea) {
    ui.label("Safe area").on_hover_text(
        "the edges a platform covers with its buttons: titles and the logo stay inside",
    );
    ui.horizontal(|ui| {
        for (name, share) in [
            ("top", &mut safe.top),
            ("bottom", &mut safe.bottom),
            ("left", &mut safe.left),
            ("right", &mut safe.right),
        ] {
            ui.add(
                egui::DragValue::new(share)
                    .range(0.0..=SafeArea::MAX_SHARE)
                    .speed(0.005)
                    .custom_formatter(|v, _| format!("{name} {:.0} %", v * 100.0))
                    .custom_parser(|t| {
                        let digits = t.trim_start_matches(char::is_alphabetic);
                        let digits = digits.trim().trim_end_matches('%').trim();
                        digits.parse::<f64>().ok().map(|v| v / 100.0)
                    }),
            );
        }
    });
    ui.end_row();
}
