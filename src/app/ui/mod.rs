//! The editor's panels. Everything here draws `Editor` state and calls its methods: the
//! toolbar here, the settings, the photo list, the timeline and status line, and the HUD in
//! files of their own.

mod hud;
mod photo_panel;
mod settings_panel;
mod timeline;
mod words_panel;

pub use hud::hud_ui;
pub use photo_panel::{FOCUS_MARKER, ThumbCache, photos_ui, skipped_window};
pub use settings_panel::settings_ui;
pub use timeline::{preview_panel_ui, status_ui, timeline_ui};
pub use words_panel::words_ui;

use eframe::egui;

use super::dialogs::{Dialogs, Purpose};
use super::logic::Editor;
use super::shortcuts::{GESTURES, Shortcut};

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
            let ctx = ui.ctx().clone();
            let undo = egui::Button::new("Undo").shortcut_text(Shortcut::Undo.label(&ctx));
            if ui.add_enabled(menus.can_undo, undo).clicked() {
                command = Some(Shortcut::Undo);
            }
            let redo = egui::Button::new("Redo").shortcut_text(Shortcut::Redo.label(&ctx));
            if ui.add_enabled(menus.can_redo, redo).clicked() {
                command = Some(Shortcut::Redo);
            }
            ui.separator();
            if ui
                .add(egui::Button::new("Choose music…").shortcut_text(Shortcut::Music.label(&ctx)))
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
            ui.separator();
            sort_menu_ui(ui, editor);
            skip_duplicates_ui(ui, editor);
            clips_menu_ui(ui, editor);
        });
        ui.menu_button("Presets", |ui| {
            for (name, text) in crate::settings::SHIPPED_PRESETS {
                if ui.button(name).clicked() {
                    editor.apply_preset(text, std::path::Path::new(&format!("{name}.ron")));
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
                for shortcut in Shortcut::ALL {
                    ui.monospace(shortcut.label(ui.ctx()));
                    ui.label(shortcut.what());
                    ui.end_row();
                }
                for (gesture, what) in GESTURES {
                    ui.monospace(gesture);
                    ui.label(what);
                    ui.end_row();
                }
            });
            ui.separator();
            about_ui(ui);
        });
        if let Some((done, total)) = editor.loading_progress() {
            ui.add(
                egui::ProgressBar::new(done as f32 / total.max(1) as f32)
                    .desired_width(140.0)
                    .text(format!("loading {done}/{total}")),
            );
        }
        counts_ui(ui, editor, dialogs);
        shown_ui(ui, editor);
    });
    command
}

/// "36 photos, 2 skipped, 3 near-duplicates dropped": a link to the list of what was left out,
/// and why, when anything was.
fn counts_ui(ui: &mut egui::Ui, editor: &Editor, dialogs: &mut Dialogs) {
    let loaded = editor.photos.iter().filter(|p| p.thumb.is_some()).count();
    let skipped = editor.skipped.len();
    let dropped = match editor.dropped_duplicates().len() {
        0 if editor.finding_duplicates() => ", looking for near-duplicates".to_owned(),
        0 => String::new(),
        n => format!(", {n} near-duplicates dropped"),
    };
    let text = format!("{loaded} photos, {skipped} skipped{dropped}");
    if skipped == 0 && editor.dropped_duplicates().is_empty() {
        ui.label(text);
    } else if ui
        .link(text)
        .on_hover_text("Which files were left out, and why")
        .clicked()
    {
        dialogs.skipped_open = true;
    }
}

/// *Edit → Skip near-duplicates*: `photos.skip_duplicates`.
fn skip_duplicates_ui(ui: &mut egui::Ui, editor: &mut Editor) {
    let mut skip = editor.settings.photos.skip_duplicates;
    if ui
        .checkbox(&mut skip, SKIP_DUPLICATES)
        .on_hover_text(format!(
            "Leave out a photo that looks like one taken up to {} s before it (a burst, the \
             same photo twice); the earlier one stays",
            crate::photos::WINDOW_SECS
        ))
        .changed()
    {
        editor.set_skip_duplicates(skip);
    }
}

/// *Edit → Video clips*: `clips` (the clips play looping or once, one frame of each as a
/// tile, or left out) and `live_photos`.
fn clips_menu_ui(ui: &mut egui::Ui, editor: &mut Editor) {
    use crate::settings::ClipMode;
    ui.menu_button("Video clips", |ui| {
        for (mode, label) in [
            (ClipMode::Loop, "Play, looping while on screen"),
            (ClipMode::Once, "Play once, then hold the last frame"),
            (ClipMode::Still, "One frame of each as a tile"),
            (ClipMode::Skip, "Leave them out"),
        ] {
            if ui.radio(editor.settings.clips == mode, label).clicked() {
                editor.settings.clips = mode;
                editor.settings_changed();
            }
        }
        ui.separator();
        let mut motion = editor.settings.live_photos == crate::settings::LiveMode::Motion;
        if ui
            .checkbox(&mut motion, "Live Photos move")
            .on_hover_text(
                "A Live Photo's motion (its .MOV) plays in the still's cell, as the clips do",
            )
            .changed()
        {
            editor.settings.live_photos = if motion {
                crate::settings::LiveMode::Motion
            } else {
                crate::settings::LiveMode::Still
            };
            editor.settings_changed();
        }
    });
}

/// "18 of 36 shown" when the grid has fewer cells than the photos in play, with a button that
/// adds the columns they need; nothing when every photo shows.
fn shown_ui(ui: &mut egui::Ui, editor: &mut Editor) {
    let Some((shown, active)) = editor.photos_shown() else {
        return;
    };
    ui.colored_label(
        ui.visuals().warn_fg_color,
        format!("{shown} of {active} shown"),
    )
    .on_hover_text("The grid has fewer cells than photos: the rest are left out of the video.");
    if ui
        .button("Fit grid to photos")
        .on_hover_text("Adds columns (rows stay) until every photo has a cell")
        .clicked()
    {
        editor.fit_grid_to_photos();
    }
}

/// Help's last lines: the version, the licence and where the documentation is.
fn about_ui(ui: &mut egui::Ui) {
    ui.label(format!(
        "gridreel {} · {}",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_LICENSE")
    ));
    ui.label("Documentation: README.md and docs/ in the source, or `gridreel --help`.");
}

/// The *Edit* menu's switch for `photos.skip_duplicates`.
pub const SKIP_DUPLICATES: &str = "Skip near-duplicates";

/// *Edit → Sort photos*: by name, by the date taken, or shuffled (again with a new seed).
fn sort_menu_ui(ui: &mut egui::Ui, editor: &mut Editor) {
    use crate::settings::PhotoSort;
    let current = editor.settings.photos;
    ui.menu_button("Sort photos", |ui| {
        let mut chosen = None;
        for (sort, label) in [
            (PhotoSort::Name, "By name"),
            (PhotoSort::Date, "By date taken"),
            (PhotoSort::Shuffle, "Shuffled"),
        ] {
            if ui.radio(current.sort == sort, label).clicked() {
                chosen = Some((sort, current.seed));
            }
        }
        if current.sort == PhotoSort::Shuffle
            && ui
                .button("Shuffle again")
                .on_hover_text(format!("seed {}", current.seed))
                .clicked()
        {
            chosen = Some((PhotoSort::Shuffle, current.seed.wrapping_add(1)));
        }
        if let Some((sort, seed)) = chosen {
            editor.sort_photos(sort, seed);
        }
    });
}
