//! The settings panel: every setting as a slider, field or list, in one grid.

use eframe::egui;

use crate::settings::{
    Aspect, CropAnchor, EncoderChoice, FrameSize, MemoryBudget, Settings, X264Preset,
};

/// Sliders cover the usual range; a preset or a typed value beyond it (500 columns, 1200 px
/// tiles) is kept, not clamped, since validation already bounds what is allowed.
const KEEP_PRESET_VALUES: egui::SliderClamping = egui::SliderClamping::Edits;

/// Left panel: every setting. Returns true when one changed.
pub fn settings_ui(ui: &mut egui::Ui, s: &mut Settings) -> bool {
    // The crop centres are set in the preview; kept out of the copy made every frame.
    let focus = std::mem::take(&mut s.focus);
    let before = s.clone();
    let mut focus_cleared = false;
    egui::Grid::new("settings")
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| {
            focus_cleared = layout_rows_ui(ui, s, &focus);
            motion_rows_ui(ui, s);
            encoding_rows_ui(ui, s);
        });
    let changed = *s != before || focus_cleared;
    s.focus = focus;
    if focus_cleared {
        s.focus.clear();
    }
    match s.validate() {
        Err(e) => {
            ui.colored_label(egui::Color32::LIGHT_RED, e.to_string());
        }
        Ok(()) => {
            if let Some(note) = crate::layout::Layout::new(s).loop_note() {
                ui.weak(note);
            }
        }
    }
    changed
}

/// The grid's rows of the settings grid: size, aspect, crop, gaps, background. Returns true
/// when the user reset the photos' own crop centres (`focus`).
fn layout_rows_ui(ui: &mut egui::Ui, s: &mut Settings, focus: &crate::settings::FocusMap) -> bool {
    let mut cleared = false;
    let label = ui.label("Rows");
    ui.add(egui::Slider::new(&mut s.rows, 1..=20).clamping(KEEP_PRESET_VALUES))
        .labelled_by(label.id);
    ui.end_row();
    let label = ui.label("Columns");
    ui.add(
        egui::Slider::new(&mut s.cols, 1..=500)
            .logarithmic(true)
            .clamping(KEEP_PRESET_VALUES),
    )
    .labelled_by(label.id);
    ui.end_row();
    let label = ui.label("Tile height");
    ui.add(
        egui::Slider::new(&mut s.tile_height_px, 16..=720)
            .suffix(" px")
            .clamping(KEEP_PRESET_VALUES),
    )
    .labelled_by(label.id);
    ui.end_row();
    ui.label("Aspect W:H");
    ui.horizontal(|ui| {
        let Aspect { width, height } = &mut s.aspect;
        ui.add(egui::DragValue::new(width).range(0.1..=20.0).speed(0.05));
        ui.label(":");
        ui.add(egui::DragValue::new(height).range(0.1..=20.0).speed(0.05));
    });
    ui.end_row();
    ui.label("Crop");
    egui::ComboBox::from_id_salt("crop")
        .selected_text(s.crop.label())
        .show_ui(ui, |ui| {
            for anchor in CropAnchor::ALL {
                ui.selectable_value(&mut s.crop, anchor, anchor.label());
            }
        })
        .response
        .on_hover_text(format!(
            "Where every photo is cropped. {}",
            crate::app::preview::FOCUS_HINT
        ));
    ui.end_row();
    // Only once a photo has its own centre, so the panel keeps its size otherwise.
    if !focus.is_empty() {
        ui.label("");
        let n = focus.len();
        // Short, so that the panel keeps its width when it appears.
        let label = format!("Reset centres ({n})");
        cleared = ui
            .small_button(label)
            .on_hover_text(format!(
                "Puts the photos with their own crop centre back on the Crop setting. {}",
                crate::app::preview::FOCUS_HINT
            ))
            .clicked();
        ui.end_row();
    }
    ui.label("Gaps H / V");
    ui.horizontal(|ui| {
        ui.add(
            egui::DragValue::new(&mut s.gap_h_px)
                .range(0..=200)
                .suffix(" px"),
        );
        ui.add(
            egui::DragValue::new(&mut s.gap_v_px)
                .range(0..=200)
                .suffix(" px"),
        );
    });
    ui.end_row();
    ui.label("Background");
    let mut rgb = s.background.to_array();
    if ui.color_edit_button_srgb(&mut rgb).changed() {
        s.background = crate::settings::Color::rgb(rgb[0], rgb[1], rgb[2]);
    }
    ui.end_row();
    cleared
}

/// The motion's and the timeline's rows: speed, direction, alternate and loop, row speeds,
/// duration, frame rate, frame size, the range of photos.
fn motion_rows_ui(ui: &mut egui::Ui, s: &mut Settings) {
    let label = ui.label("Speed");
    ui.add(
        // 0 (the left end) stands the grid still, centred: a collage.
        egui::Slider::new(&mut s.speed, 0.0..=5.0)
            .logarithmic(true)
            .smallest_positive(0.1)
            .clamping(KEEP_PRESET_VALUES),
    )
    .labelled_by(label.id);
    ui.end_row();
    ui.label("Direction");
    egui::ComboBox::from_id_salt("direction")
        .selected_text(s.motion.direction.label())
        .show_ui(ui, |ui| {
            for direction in crate::settings::Direction::ALL {
                ui.selectable_value(&mut s.motion.direction, direction, direction.label());
            }
        });
    ui.end_row();
    ui.label("Motion");
    ui.horizontal(|ui| {
        ui.checkbox(&mut s.motion.alternate, "Alternate")
            .on_hover_text("Odd rows (columns, moving up or down) move the other way");
        ui.checkbox(&mut s.motion.looped, "Seamless loop")
            .on_hover_text(
                "Photos repeat endlessly: frame 0 is full and the end leads into the start. \
                 Each row's speed becomes the nearest whole number of cycles in the clip.",
            );
    });
    ui.end_row();
    let label = ui.label("Row speeds");
    row_speeds_ui(ui, &mut s.motion.row_speeds).labelled_by(label.id);
    ui.end_row();
    let label = ui.label("Duration");
    ui.add(
        egui::Slider::new(&mut s.duration_secs, 0.5..=120.0)
            .logarithmic(true)
            .suffix(" s")
            .clamping(KEEP_PRESET_VALUES),
    )
    .labelled_by(label.id);
    ui.end_row();
    let label = ui.label("FPS");
    ui.add(egui::Slider::new(&mut s.fps, 1..=120).clamping(KEEP_PRESET_VALUES))
        .labelled_by(label.id);
    ui.end_row();
    ui.label("Frame");
    frame_ui(ui, &mut s.frame);
    ui.end_row();
    ui.label("Output");
    ui.weak(output_summary(s)).on_hover_text(format!(
        "The video's size in pixels and its length: {} frames",
        s.frame_count()
    ));
    ui.end_row();
    ui.label("Photos from / to");
    ui.horizontal(|ui| {
        range_value_ui(ui, &mut s.first_photo, "first");
        range_value_ui(ui, &mut s.last_photo, "last");
    });
    ui.end_row();
}

/// The encoding's rows: codec, encoder, quality, x264 preset, memory budget.
fn encoding_rows_ui(ui: &mut egui::Ui, s: &mut Settings) {
    ui.label("Codec");
    egui::ComboBox::from_id_salt("codec")
        .selected_text(s.video.codec.label())
        .show_ui(ui, |ui| {
            for codec in crate::settings::VideoCodec::ALL {
                ui.selectable_value(&mut s.video.codec, codec, codec.label());
            }
        });
    ui.end_row();
    ui.label("Encoder");
    egui::ComboBox::from_id_salt("encoder")
        .selected_text(s.video.encoder.to_string())
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut s.video.encoder, EncoderChoice::Auto, "auto");
            let codec = match s.video.codec {
                crate::settings::VideoCodec::Auto => crate::settings::VideoCodec::H264,
                chosen => chosen,
            };
            for name in crate::export::available_encoders(codec) {
                if let Ok(choice) = name.parse::<EncoderChoice>() {
                    ui.selectable_value(&mut s.video.encoder, choice, name);
                }
            }
        });
    ui.end_row();
    let label = ui.label("Quality (CRF)");
    ui.add(egui::Slider::new(&mut s.video.quality_crf, 0..=51))
        .labelled_by(label.id);
    ui.end_row();
    ui.label("x264 preset");
    egui::ComboBox::from_id_salt("x264")
        .selected_text(s.video.x264_preset.name())
        .show_ui(ui, |ui| {
            for p in X264Preset::ALL {
                ui.selectable_value(&mut s.video.x264_preset, p, p.name());
            }
        });
    ui.end_row();
    let label = ui.label("Memory budget");
    budget_ui(ui, &mut s.memory_budget).labelled_by(label.id);
    ui.end_row();
}

/// A text field for the speed factor of each row, comma-separated (`1, 0.8, 1.2`); empty
/// means all 1. Text that does not parse is marked and leaves the speeds as they were.
fn row_speeds_ui(ui: &mut egui::Ui, speeds: &mut Vec<f64>) -> egui::Response {
    let id = ui.scope_id().with("row speeds text");
    let shown = || {
        speeds
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = ui.data(|d| d.get_temp::<String>(id)).unwrap_or_else(shown);
    let response = ui
        .horizontal(|ui| {
            let edit = ui.add(
                egui::TextEdit::singleline(&mut text)
                    .desired_width(110.0)
                    .hint_text("1, 0.8, 1.2"),
            );
            let parsed: Result<Vec<f64>, _> = text
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::parse::<f64>)
                .collect();
            match parsed {
                Ok(values) => {
                    if edit.changed() {
                        *speeds = values;
                    }
                }
                Err(e) => {
                    ui.colored_label(egui::Color32::LIGHT_RED, "?")
                        .on_hover_text(format!("numbers separated by commas: {e}"));
                }
            }
            edit
        })
        .inner;
    if response.lost_focus() || !response.has_focus() {
        ui.data_mut(|d| d.remove::<String>(id));
    } else {
        ui.data_mut(|d| d.insert_temp(id, text));
    }
    response
}

/// A text field for the memory budget (`auto`, `2GB`, `25%`), showing what it comes to here.
fn budget_ui(ui: &mut egui::Ui, budget: &mut MemoryBudget) -> egui::Response {
    let id = ui.scope_id().with("memory budget text");
    let mut text = ui
        .data(|d| d.get_temp::<String>(id))
        .unwrap_or_else(|| budget.to_string());
    let response = ui
        .horizontal(|ui| {
            let edit = ui.add(
                egui::TextEdit::singleline(&mut text)
                    .desired_width(70.0)
                    .hint_text("auto, 2GB, 25%"),
            );
            match text.parse::<MemoryBudget>() {
                Ok(parsed) => {
                    if edit.changed() {
                        *budget = parsed;
                    }
                    let bytes = budget.bytes(crate::monitor::total_ram_bytes());
                    #[allow(clippy::cast_precision_loss)]
                    ui.weak(format!("= {:.0} MB", bytes as f64 / f64::from(1 << 20)))
                        .on_hover_text(
                            "Decoded photos, RAM and GPU together. Beyond it, tiles stream: \
                             decoded just ahead of the play head, the farthest-needed evicted.",
                        );
                }
                Err(e) => {
                    ui.colored_label(egui::Color32::LIGHT_RED, "?")
                        .on_hover_text(e);
                }
            }
            edit
        })
        .inner;
    if response.lost_focus() || !response.has_focus() {
        // Show the value in its own words once the user is done typing.
        ui.data_mut(|d| d.remove::<String>(id));
    } else {
        ui.data_mut(|d| d.insert_temp(id, text));
    }
    response
}

/// "798×600 · 4.0 s": what the export will be, beside the settings that make it (short, so
/// that the panel keeps its width as it changes).
#[must_use]
pub fn output_summary(s: &Settings) -> String {
    let (w, h) = s.frame_size_px();
    format!("{w}×{h} · {:.1} s", s.duration_secs)
}

fn frame_ui(ui: &mut egui::Ui, frame: &mut FrameSize) {
    ui.vertical(|ui| {
        egui::ComboBox::from_id_salt("frame")
            .selected_text(frame.to_string())
            .show_ui(ui, |ui| {
                for option in [
                    FrameSize::Auto,
                    FrameSize::Hd,
                    FrameSize::HdHalf,
                    FrameSize::Uhd,
                ] {
                    ui.selectable_value(frame, option, option.to_string());
                }
                if ui
                    .selectable_label(matches!(frame, FrameSize::Custom { .. }), "custom")
                    .clicked()
                {
                    *frame = FrameSize::Custom {
                        width_px: 1280,
                        height_px: 720,
                    };
                }
            });
        if let FrameSize::Custom {
            width_px,
            height_px,
        } = frame
        {
            ui.horizontal(|ui| {
                ui.add(egui::DragValue::new(width_px).range(16..=8192));
                let label = ui.label("×");
                ui.add(egui::DragValue::new(height_px).range(16..=8192))
                    .labelled_by(label.id);
            });
            // 4:2:0 video needs even sizes.
            *width_px += *width_px % 2;
            *height_px += *height_px % 2;
        }
    });
}

fn range_value_ui(ui: &mut egui::Ui, value: &mut Option<u32>, hint: &str) {
    let mut n = value.unwrap_or(0);
    ui.add(
        egui::DragValue::new(&mut n)
            .range(0..=100_000)
            .custom_formatter(move |v, _| {
                if v < 1.0 {
                    hint.to_owned()
                } else {
                    format!("{v}")
                }
            }),
    );
    *value = (n > 0).then_some(n);
}
