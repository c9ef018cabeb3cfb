//! The editor's panels. Everything here draws `Editor` state and calls its methods.

use eframe::egui;

use super::Shortcut;
use super::dialogs::{Dialogs, Purpose};
use super::export_runner::ExportOutcome;
use super::logic::{Editor, MemoryParts, PhotoEntry, THUMB_HEIGHT_PX};
use super::preview::preview_ui;
use crate::monitor::Monitor;
use crate::settings::{Aspect, CropAnchor, FrameSize, MemoryBudget, Settings};

/// Span whose lowest RSS sample is one point of the HUD's growth fit.
const RSS_FLOOR_BUCKET_SECS: f64 = 5.0;

/// What the toolbar's menus need to know.
pub struct Menus<'a> {
    pub can_undo: bool,
    pub can_redo: bool,
    /// Folders opened lately, newest first.
    pub recent: &'a [std::path::PathBuf],
}

/// Top bar: folder, recent folders, edit (undo/redo), presets, export, HUD, help. Returns a
/// command the app runs (undo and redo need the history, which the app owns).
pub fn toolbar_ui(
    ui: &mut egui::Ui,
    editor: &mut Editor,
    dialogs: &mut Dialogs,
    show_hud: &mut bool,
    menus: &Menus<'_>,
) -> Option<Shortcut> {
    let mut command = None;
    ui.horizontal(|ui| {
        if ui.button("Open folder…").clicked() {
            dialogs.ask(editor, Purpose::OpenFolder);
        }
        ui.add_enabled_ui(!menus.recent.is_empty(), |ui| {
            ui.menu_button("Recent", |ui| {
                for folder in menus.recent {
                    if ui.button(folder.display().to_string()).clicked() {
                        editor.open_folder(folder);
                    }
                }
            });
        });
        ui.menu_button("Edit", |ui| {
            let undo = egui::Button::new("Undo").shortcut_text("Ctrl+Z");
            if ui.add_enabled(menus.can_undo, undo).clicked() {
                command = Some(Shortcut::Undo);
            }
            let redo = egui::Button::new("Redo").shortcut_text("Ctrl+Shift+Z");
            if ui.add_enabled(menus.can_redo, redo).clicked() {
                command = Some(Shortcut::Redo);
            }
            ui.separator();
            if ui
                .add(egui::Button::new("Choose music…").shortcut_text("Ctrl+M"))
                .clicked()
            {
                command = Some(Shortcut::Music);
            }
            let has_music = editor.settings.audio.file.is_some();
            if ui
                .add_enabled(has_music, egui::Button::new("Remove music"))
                .clicked()
            {
                editor.settings.audio.file = None;
            }
        });
        ui.menu_button("Presets", |ui| {
            for (name, _) in crate::settings::SHIPPED_PRESETS {
                if ui.button(name).clicked()
                    && let Some(loaded) = crate::settings::shipped_preset(name)
                {
                    apply_preset(editor, loaded);
                }
            }
            ui.separator();
            if ui.button("Load…").clicked() {
                dialogs.ask(editor, Purpose::LoadPreset);
            }
            if ui.button("Save…").clicked() {
                dialogs.ask(editor, Purpose::SavePreset);
            }
        });
        let exporting = editor.export.is_running();
        if ui.button("Music…").clicked() {
            dialogs.ask(editor, Purpose::Music);
        }
        if ui
            .add_enabled(!exporting, egui::Button::new("Export…"))
            .clicked()
        {
            command = Some(Shortcut::Export);
        }
        ui.toggle_value(show_hud, "HUD (F1)");
        ui.menu_button("Help", |ui| {
            egui::Grid::new("shortcuts").show(ui, |ui| {
                for (keys, what) in Shortcut::HELP {
                    ui.monospace(keys);
                    ui.label(what);
                    ui.end_row();
                }
            });
        });
        if let Some((done, total)) = editor.loading_progress() {
            ui.add(
                egui::ProgressBar::new(done as f32 / total.max(1) as f32)
                    .desired_width(140.0)
                    .text(format!("loading {done}/{total}")),
            );
        }
        let loaded = editor.photos.iter().filter(|p| p.thumb.is_some()).count();
        ui.label(format!("{loaded} photos, {} skipped", editor.skipped.len()));
    });
    command
}

fn apply_preset(editor: &mut Editor, loaded: Result<Settings, crate::settings::PresetError>) {
    match loaded {
        Ok(settings) => {
            editor.settings = settings;
            editor.settings_changed();
        }
        Err(e) => editor.errors.push(e.to_string()),
    }
}

/// Left panel: every setting. Returns true when one changed.
/// Sliders cover the usual range; a preset or a typed value beyond it (500 columns, 1200 px
/// tiles) is kept, not clamped, since validation already bounds what is allowed.
const KEEP_PRESET_VALUES: egui::SliderClamping = egui::SliderClamping::Edits;

pub fn settings_ui(ui: &mut egui::Ui, s: &mut Settings) -> bool {
    // The crop centres are set in the preview; kept out of the copy made every frame.
    let focus = std::mem::take(&mut s.focus);
    let before = s.clone();
    let mut focus_cleared = false;
    egui::Grid::new("settings")
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| {
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
                    super::preview::FOCUS_HINT
                ));
            ui.end_row();
            // Only once a photo has its own centre, so the panel keeps its size otherwise.
            if !focus.is_empty() {
                ui.label("");
                let n = focus.len();
                let label = if n == 1 {
                    "Reset 1 photo's crop centre".to_owned()
                } else {
                    format!("Reset {n} photos' crop centres")
                };
                focus_cleared = ui
                    .small_button(label)
                    .on_hover_text(super::preview::FOCUS_HINT)
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
            let label = ui.label("Speed");
            ui.add(
                egui::Slider::new(&mut s.speed, 0.1..=5.0)
                    .logarithmic(true)
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
                ui.checkbox(&mut s.motion.looped, "Loop").on_hover_text(
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
            ui.label("Photos from / to");
            ui.horizontal(|ui| {
                range_value_ui(ui, &mut s.first_photo, "first");
                range_value_ui(ui, &mut s.last_photo, "last");
            });
            ui.end_row();
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
                .selected_text(s.video.encoder.clone())
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut s.video.encoder, "auto".to_owned(), "auto");
                    let codec = match s.video.codec {
                        crate::settings::VideoCodec::Auto => crate::settings::VideoCodec::H264,
                        chosen => chosen,
                    };
                    for name in crate::export::available_encoders(codec) {
                        ui.selectable_value(&mut s.video.encoder, name.clone(), name);
                    }
                });
            ui.end_row();
            let label = ui.label("Quality (CRF)");
            ui.add(egui::Slider::new(&mut s.video.quality_crf, 0..=51))
                .labelled_by(label.id);
            ui.end_row();
            ui.label("x264 preset");
            egui::ComboBox::from_id_salt("x264")
                .selected_text(s.video.x264_preset.clone())
                .show_ui(ui, |ui| {
                    for p in crate::settings::X264_PRESETS {
                        ui.selectable_value(&mut s.video.x264_preset, p.to_owned(), p);
                    }
                });
            ui.end_row();
            let label = ui.label("Memory budget");
            budget_ui(ui, &mut s.memory_budget).labelled_by(label.id);
            ui.end_row();
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

/// The photo list: include/exclude with a click, reorder with the arrows.
pub fn photos_ui(ui: &mut egui::Ui, editor: &mut Editor, thumbs: &mut ThumbCache) {
    const ROW_HEIGHT: f32 = 40.0;
    let mut toggle = None;
    let mut moved = None;
    thumbs.forget_missing(editor);
    ui.weak("Drag to reorder, untick to leave out.");
    egui::ScrollArea::vertical()
        .id_salt("photos")
        .max_height(300.0)
        .show_rows(ui, ROW_HEIGHT, editor.photos.len(), |ui, rows| {
            for i in rows {
                let photo = &editor.photos[i];
                let row = ui.horizontal(|ui| {
                    ui.set_min_height(ROW_HEIGHT - ui.spacing().item_spacing.y);
                    let mut included = photo.included;
                    if ui
                        .checkbox(&mut included, "")
                        .on_hover_text("include in the video")
                        .changed()
                    {
                        toggle = Some(i);
                    }
                    let id = egui::Id::unique(("photo-drag", &photo.path));
                    ui.dnd_drag_source(id, i, |ui| {
                        let size = egui::vec2(48.0, THUMB_HEIGHT_PX as f32);
                        match thumbs.texture(ui.ctx(), photo) {
                            Some(texture) => {
                                ui.add(egui::Image::new((texture.id(), size)));
                            }
                            None => {
                                ui.allocate_exact_size(size, egui::Sense::hover());
                            }
                        }
                        let name = photo.name();
                        if photo.thumb.is_some() {
                            ui.label(name);
                        } else {
                            ui.weak(format!("{name} (loading)"));
                        }
                        if let Some(focus) = editor.settings.focus_of(&photo.path) {
                            ui.small(FOCUS_MARKER).on_hover_text(format!(
                                "own crop centre at {focus}; Alt+click its tile or \
                                 right-click it to reset"
                            ));
                        }
                    });
                });
                // The whole row is the drop target (the dragged part is painted elsewhere).
                let response = row.response;
                // Dropping on the upper half of a row puts the photo before it, else after.
                let pointer_y = ui.ctx().pointer_interact_pos().map(|p| p.y);
                let before = pointer_y.is_some_and(|y| y < response.rect.center().y);
                if response.dnd_hover_payload::<usize>().is_some() {
                    let y = if before {
                        response.rect.top()
                    } else {
                        response.rect.bottom()
                    };
                    ui.painter()
                        .hline(response.rect.x_range(), y, ui.visuals().selection.stroke);
                }
                if let Some(from) = response.dnd_release_payload::<usize>() {
                    moved = Some((*from, drop_index(*from, i, before)));
                }
            }
        });
    if let Some(i) = toggle {
        editor.photos.toggle(i);
    }
    if let Some((from, to)) = moved {
        editor.photos.move_photo(from, to);
    }
    if !editor.skipped.is_empty() {
        egui::CollapsingHeader::new(format!("Skipped ({})", editor.skipped.len())).show(ui, |ui| {
            for line in &editor.skipped {
                ui.label(egui::RichText::new(line).small());
            }
        });
    }
}

/// What the photo list shows beside a photo with its own crop centre.
pub const FOCUS_MARKER: &str = "own centre";

/// Where the photo at `from` lands when dropped before or after the row at `target`.
#[must_use]
pub fn drop_index(from: usize, target: usize, before: bool) -> usize {
    let slot = if before { target } else { target + 1 };
    if from < slot { slot - 1 } else { slot }
}

/// The photo list's thumbnails as egui textures, uploaded once per decoded thumbnail.
#[derive(Default)]
pub struct ThumbCache {
    textures: std::collections::HashMap<std::path::PathBuf, (u64, egui::TextureHandle)>,
}

impl ThumbCache {
    fn texture(&mut self, ctx: &egui::Context, photo: &PhotoEntry) -> Option<&egui::TextureHandle> {
        let thumb = photo.thumb.as_ref()?;
        let stale = self
            .textures
            .get(&photo.path)
            .is_none_or(|(id, _)| *id != photo.thumb_id);
        if stale {
            let image = egui::ColorImage::from_rgba_unmultiplied(
                [thumb.width_px as usize, thumb.height_px as usize],
                &thumb.rgba,
            );
            let handle = ctx.load_texture(
                format!("thumb {}", photo.path.display()),
                image,
                egui::TextureOptions::LINEAR,
            );
            self.textures
                .insert(photo.path.clone(), (photo.thumb_id, handle));
        }
        self.textures.get(&photo.path).map(|(_, t)| t)
    }

    /// Drops the textures of photos no longer in the project.
    fn forget_missing(&mut self, editor: &Editor) {
        if self.textures.len() > editor.photos.len() {
            let keep: std::collections::HashSet<&std::path::Path> =
                editor.photos.iter().map(|p| p.path.as_path()).collect();
            self.textures
                .retain(|path, _| keep.contains(path.as_path()));
        }
    }
}

/// Bottom bar: play/pause, loop, scrubber. Returns the scrubber's horizontal span (the
/// waveform lines up under it).
pub fn timeline_ui(ui: &mut egui::Ui, editor: &mut Editor) -> egui::Rangef {
    ui.horizontal(|ui| {
        let label = if editor.playing { "Pause" } else { "Play" };
        if ui.button(label).clicked() {
            editor.playing = !editor.playing;
        }
        ui.checkbox(&mut editor.looping, "Loop");
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
        super::preview::frame_point(settings, frame_rect, pos)
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
            ui.weak(super::preview::FOCUS_HINT);
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

/// The HUD: RSS, CPU and frame time over the last minute.
pub fn hud_ui(ui: &mut egui::Ui, monitor: &Monitor, memory: &MemoryParts) {
    use egui_plot::{Line, Plot, PlotPoints};
    let Some(stats) = monitor.snapshot() else {
        return;
    };
    let rss = stats.rss_mb.last().unwrap_or(0.0);
    // The floor's slope: swings that come back down are not growth.
    let growth = stats.rss_mb.floor_slope_per_sec(RSS_FLOOR_BUCKET_SECS) * 60.0;
    let color = if growth > 5.0 {
        egui::Color32::from_rgb(255, 120, 80)
    } else {
        ui.visuals().text_color()
    };
    ui.horizontal(|ui| {
        ui.label(format!("RSS {rss:.0} MB (peak {:.0})", stats.peak_rss_mb));
        ui.colored_label(color, format!("growth {growth:+.1} MB/min"));
        ui.label(format!(
            "CPU {:.0} %",
            stats.cpu_percent.last().unwrap_or(0.0)
        ));
        ui.label(format!(
            "frame {:.1} ms",
            stats.frame_ms.last().unwrap_or(0.0)
        ));
    });
    let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
    ui.horizontal(|ui| {
        ui.label(format!(
            "tiles {:.1} MB RAM + {:.1} MB GPU ({}), still {:.1} MB GPU, thumbnails {:.1} MB RAM + {:.1} MB GPU, budget {:.0} MB",
            mb(memory.tiles_ram),
            mb(memory.tiles_gpu),
            memory.tiles_state,
            mb(memory.still_gpu),
            mb(memory.thumbs_ram),
            mb(memory.thumbs_gpu),
            mb(memory.budget),
        ));
        if let Some(frames) = memory.encoder_queue_frames {
            ui.label(format!(
                "export queue {frames} frames ({:.1} MB)",
                mb(memory.encoder_queue)
            ));
        }
    });
    for (name, history, unit) in [
        ("rss", &stats.rss_mb, "MB"),
        ("cpu", &stats.cpu_percent, "%"),
        ("frame", &stats.frame_ms, "ms"),
    ] {
        Plot::new(name)
            .height(60.0)
            .show_axes([false, true])
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .show(ui, |plot| {
                plot.line(Line::new(
                    format!("{name} ({unit})"),
                    PlotPoints::new(history.iter().collect()),
                ));
            });
    }
}

#[cfg(test)]
mod tests {
    use super::drop_index;

    #[test]
    fn dropping_before_or_after_a_row_lands_in_the_right_slot() {
        // [a, b, c, d]: a dropped after c gives [b, c, a, d].
        assert_eq!(drop_index(0, 2, false), 2);
        // d dropped before b gives [a, d, b, c].
        assert_eq!(drop_index(3, 1, true), 1);
        // Dropped on itself, either half: stays.
        assert_eq!(drop_index(1, 1, true), 1);
        assert_eq!(drop_index(1, 1, false), 1);
        // b dropped after the last row goes to the end.
        assert_eq!(drop_index(1, 3, false), 3);
    }
}
