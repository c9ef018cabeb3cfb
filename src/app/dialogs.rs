//! File dialogs: the native one (rfd) where the desktop has one, else a path field in the
//! window. On Linux rfd needs xdg-desktop-portal or zenity; without them it returns nothing,
//! exactly as if the user had cancelled, so the editor checks first and never fails silently.

use std::path::{Path, PathBuf};

use eframe::egui;

use super::delivery::Delivery;
use super::logic::Editor;
use crate::files::guard::{self, Destination, Kind};
use crate::settings::{PRESET_FILE, read_preset_text, save_preset};

/// What a chosen path is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    OpenFolder,
    Export,
    LoadPreset,
    SavePreset,
    /// A music track.
    Music,
}

impl Purpose {
    fn title(self) -> &'static str {
        match self {
            Self::OpenFolder => "Open folder",
            Self::Export => "Export to",
            Self::LoadPreset => "Load preset",
            Self::SavePreset => "Save preset as",
            Self::Music => "Music",
        }
    }
}

/// The in-window path field, while it is open.
#[derive(Clone, Debug)]
pub struct PathPrompt {
    pub purpose: Purpose,
    pub text: String,
    /// Just opened: the field takes the keyboard.
    pub fresh: bool,
    /// Why the last path typed was not used ("that is one of this project's own files…").
    pub error: Option<String>,
}

/// "Replace this file?": a write found a file of its own kind at the chosen path.
#[derive(Clone, Debug)]
pub struct ReplacePrompt {
    pub purpose: Purpose,
    pub path: PathBuf,
}

/// The editor's dialogs: UI state of the app layer, kept apart from the model ([`Editor`]),
/// which they read and change only when the user confirms.
#[derive(Debug, Default)]
pub struct Dialogs {
    /// Whether the desktop has native file dialogs (else a path field is shown).
    pub native: bool,
    /// The in-window path field, while it asks.
    pub path_prompt: Option<PathPrompt>,
    /// "Replace this file?", while it asks.
    pub replace_prompt: Option<ReplacePrompt>,
    /// The format the export dialog offers first: the last one chosen.
    pub delivery: Delivery,
    /// The export dialog (format, codec, size estimate) is open.
    pub export_open: bool,
    /// The codec and encoder before the export dialog opened, put back if it is cancelled.
    pub codec_before_export: Option<(crate::settings::VideoCodec, crate::settings::EncoderChoice)>,
    /// The list of skipped files (from the toolbar's "N skipped") is open.
    pub skipped_open: bool,
    /// The folder the last export went to: the next one starts there.
    pub export_folder: Option<PathBuf>,
}

/// What the user of a desktop without native dialogs needs to install.
pub const DIALOG_PACKAGES: &str = "xdg-desktop-portal-gtk (or zenity)";

/// Whether rfd can show a native dialog here: always on Windows and macOS; on Linux when
/// zenity is on the PATH or a desktop portal is installed and a session bus is running.
#[must_use]
pub fn native_available() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    let zenity = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join("zenity").is_file()));
    let portal = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
        && Path::new("/usr/share/dbus-1/services/org.freedesktop.portal.Desktop.service").is_file();
    zenity || portal
}

impl Dialogs {
    /// Asks for a path for `purpose`: the native dialog when there is one, else opens the path
    /// field (`self.path_prompt`).
    pub fn ask(&mut self, editor: &mut Editor, purpose: Purpose) {
        if purpose == Purpose::Export && editor.export.is_running() {
            return;
        }
        if !self.native {
            let folder = match (purpose, &self.export_folder) {
                (Purpose::Export, Some(last)) => Some(last),
                _ => editor.folder.as_ref(),
            };
            let mut start = folder
                .map(|f| format!("{}/", f.display()))
                .unwrap_or_default();
            // A name of the right type, ready to be renamed (never one of the photos).
            match purpose {
                Purpose::Export => start.push_str(&self.delivery.file_name()),
                Purpose::SavePreset => start.push_str(PRESET_FILE.default_name),
                Purpose::OpenFolder | Purpose::LoadPreset | Purpose::Music => {}
            }
            self.path_prompt = Some(PathPrompt {
                purpose,
                text: start,
                fresh: true,
                error: None,
            });
            return;
        }
        let ron = |d: rfd::FileDialog| d.add_filter("RON preset", &["ron"]);
        let chosen = match purpose {
            Purpose::OpenFolder => rfd::FileDialog::new().pick_folder(),
            Purpose::Export => {
                // The format was chosen in the export dialog: its file type only.
                let (name, extension) = self.delivery.filter();
                let dialog = rfd::FileDialog::new()
                    .add_filter(name, &[extension])
                    .set_file_name(self.delivery.file_name());
                match &self.export_folder {
                    Some(folder) => dialog.set_directory(folder),
                    None => dialog,
                }
                .save_file()
            }
            Purpose::Music => rfd::FileDialog::new()
                .add_filter("Audio", &crate::music::AUDIO_EXTENSIONS)
                .pick_file(),
            Purpose::LoadPreset => ron(rfd::FileDialog::new()).pick_file(),
            Purpose::SavePreset => ron(rfd::FileDialog::new())
                .set_file_name(PRESET_FILE.default_name)
                .save_file(),
        };
        if let Some(path) = chosen {
            // The native save dialog has already asked before replacing a file.
            if let Err(e) = self.use_path(editor, purpose, &path, true) {
                editor.errors.push(e);
            }
        }
    }

    /// Does what `purpose` does with `path`. A write goes through the guard first: a refusal
    /// comes back as the words to show; a file of the write's own kind is replaced only with
    /// `replace_ok` (the user already said so), else the editor asks.
    fn use_path(
        &mut self,
        editor: &mut Editor,
        purpose: Purpose,
        path: &Path,
        replace_ok: bool,
    ) -> Result<(), String> {
        let kind = match purpose {
            Purpose::OpenFolder => {
                editor.open_folder(path);
                return Ok(());
            }
            Purpose::Music => {
                editor.set_music(path);
                return Ok(());
            }
            Purpose::LoadPreset => {
                match read_preset_text(path) {
                    Ok(text) => editor.apply_preset(&text, path),
                    Err(e) => editor.errors.push(e.to_string()),
                }
                return Ok(());
            }
            Purpose::SavePreset => PRESET_FILE,
            Purpose::Export => self.delivery.container().file_kind(),
        };
        let destination =
            guard::check(path, &kind, &editor.input_files()).map_err(|e| e.to_string())?;
        if purpose == Purpose::Export {
            let (Destination::New(p) | Destination::Replace(p)) = &destination;
            let folder = crate::files::atomic::folder_of(p);
            self.export_folder = Some(std::path::absolute(&folder).unwrap_or(folder));
        }
        match destination {
            Destination::Replace(path) if !replace_ok => {
                self.replace_prompt = Some(ReplacePrompt { purpose, path });
            }
            Destination::Replace(path) => write(editor, purpose, path, true),
            Destination::New(path) => write(editor, purpose, path, false),
        }
        Ok(())
    }
}

/// Writes the checked `path` for `purpose` (a preset or an export), replacing a file there
/// only with `replace`.
fn write(editor: &mut Editor, purpose: Purpose, path: PathBuf, replace: bool) {
    editor.notice = None;
    match purpose {
        Purpose::SavePreset => match save_preset(&editor.settings, &path, replace) {
            Ok(()) => {
                editor.mark_saved();
                editor.notice = Some(format!("Preset saved to {}", path.display()));
            }
            Err(e) => editor.errors.push(e.to_string()),
        },
        Purpose::Export => editor.start_export(path, replace),
        Purpose::OpenFolder | Purpose::LoadPreset | Purpose::Music => {}
    }
}

/// The kind of file `purpose` writes, for the words of the replace prompt.
fn kind_of(delivery: Delivery, purpose: Purpose) -> Kind {
    match purpose {
        Purpose::Export => delivery.container().file_kind(),
        _ => PRESET_FILE,
    }
}

impl Dialogs {
    /// "Replace …?", while `self.replace_prompt` asks: *Replace* writes over the file,
    /// *Choose another name* goes back to the path (the field, or the native dialog).
    pub fn replace_ui(&mut self, ctx: &egui::Context, editor: &mut Editor) {
        let Some(prompt) = self.replace_prompt.take() else {
            return;
        };
        let name = prompt
            .path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let folder = crate::files::atomic::folder_of(&prompt.path);
        let noun = kind_of(self.delivery, prompt.purpose).noun;
        let (mut replace, mut another) = (false, false);
        egui::Modal::new(egui::Id::unique("replace-prompt")).show(ctx, |ui| {
            ui.heading(format!("Replace “{name}”?"));
            ui.label(format!(
                "A {noun} of that name is already in {}. Replacing it overwrites what it holds.",
                folder.display()
            ));
            ui.horizontal(|ui| {
                replace = ui.button("Replace").clicked();
                another = ui.button("Choose another name").clicked();
            });
        });
        if replace {
            write(editor, prompt.purpose, prompt.path, true);
        } else if another {
            if self.native {
                self.ask(editor, prompt.purpose);
            } else {
                self.path_prompt = Some(PathPrompt {
                    purpose: prompt.purpose,
                    text: prompt.path.display().to_string(),
                    fresh: true,
                    error: None,
                });
            }
        } else {
            self.replace_prompt = Some(prompt);
        }
    }
}

/// Which files the path field suggests for `purpose` (folders always): audio for the music,
/// presets for presets, the chosen format's files for an export, none for a folder.
fn suggests(purpose: Purpose, delivery: Delivery) -> impl Fn(&Path) -> bool {
    move |path: &Path| {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match purpose {
            Purpose::OpenFolder => false,
            Purpose::Music => crate::music::AUDIO_EXTENSIONS.contains(&extension.as_str()),
            Purpose::LoadPreset | Purpose::SavePreset => extension == "ron",
            Purpose::Export => extension == delivery.filter().1,
        }
    }
}

/// Up to `max` entries of the folder `text` names (or is in) that start with what follows
/// its last `/`: its folders, which end in `/`, and the files `file_ok` accepts.
fn completions(text: &str, max: usize, file_ok: &dyn Fn(&Path) -> bool) -> Vec<String> {
    let (folder, prefix) = match text.rfind('/') {
        Some(i) => (&text[..=i], &text[i + 1..]),
        None => ("./", text),
    };
    let Ok(entries) = std::fs::read_dir(if folder.is_empty() { "/" } else { folder }) else {
        return Vec::new();
    };
    let mut found: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_owned();
            // Hidden entries only when the typed part asks for them.
            let path = e.path();
            let is_dir = path.is_dir();
            let shown =
                (!name.starts_with('.') || prefix.starts_with('.')) && (is_dir || file_ok(&path));
            (shown && name.starts_with(prefix)).then(|| {
                let slash = if is_dir { "/" } else { "" };
                format!("{folder}{name}{slash}")
            })
        })
        .collect();
    found.sort();
    found.truncate(max);
    found
}

impl Dialogs {
    /// The path field, while `self.path_prompt` is open.
    pub fn prompt_ui(&mut self, ctx: &egui::Context, editor: &mut Editor) {
        let Some(mut prompt) = self.path_prompt.take() else {
            return;
        };
        let mut done: Option<PathBuf> = None;
        let mut cancelled = false;
        egui::Modal::new(egui::Id::unique("path-prompt")).show(ctx, |ui| {
            ui.heading(prompt.purpose.title());
            ui.label(format!(
                "This desktop has no file dialog (install {DIALOG_PACKAGES} for one). Type a path:"
            ));
            let field = ui
                .horizontal(|ui| {
                    let label = ui.label("Path");
                    ui.add(
                        egui::TextEdit::singleline(&mut prompt.text)
                            .desired_width(420.0)
                            .hint_text("/home/me/Pictures/trip"),
                    )
                    .labelled_by(label.id)
                })
                .inner;
            if let Some(error) = &prompt.error {
                ui.colored_label(egui::Color32::LIGHT_RED, error);
            }
            // Until the field has the keyboard once (the modal's first frame only sizes it).
            if prompt.fresh {
                field.request_focus();
                prompt.fresh = !field.has_focus();
            }
            // Enter in the field, or with nothing focused (after a suggestion was clicked).
            let enter = ui.input(|i| i.key_pressed(egui::Key::Enter));
            let nothing_focused = ui.memory(|m| m.focused().is_none());
            let entered = enter && (field.lost_focus() || nothing_focused);
            // In a scope of their own, so the buttons below keep their ids as the list changes.
            ui.push_id("completions", |ui| {
                let file_ok = suggests(prompt.purpose, self.delivery);
                for suggestion in completions(&prompt.text, 8, &file_ok) {
                    if ui.small_button(&suggestion).clicked() {
                        prompt.text = suggestion;
                        // Back to the field, so typing (or Enter) goes on from there.
                        prompt.fresh = true;
                    }
                }
            });
            ui.horizontal(|ui| {
                let label = match prompt.purpose {
                    Purpose::OpenFolder => "Open",
                    Purpose::Export => "Export",
                    Purpose::LoadPreset => "Load",
                    Purpose::SavePreset => "Save",
                    Purpose::Music => "Use",
                };
                if ui.button(label).clicked() || entered {
                    done = Some(PathBuf::from(prompt.text.trim()));
                }
                if ui.button("Cancel").clicked() {
                    cancelled = true;
                }
            });
        });
        match done {
            // A typed path that names an existing file of the write's kind gets the replace
            // prompt; one the guard refuses keeps the field open and says why.
            Some(path) if !path.as_os_str().is_empty() => {
                if let Err(e) = self.use_path(editor, prompt.purpose, &path, false) {
                    prompt.error = Some(e);
                    self.path_prompt = Some(prompt);
                }
            }
            _ if cancelled => {}
            _ => self.path_prompt = Some(prompt),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_list_matching_entries_folders_with_a_slash() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("trip")).unwrap();
        std::fs::write(dir.path().join("trailer.mp4"), b"").unwrap();
        std::fs::write(dir.path().join("other.txt"), b"").unwrap();
        let base = format!("{}/", dir.path().display());
        std::fs::write(dir.path().join("track.MP3"), b"").unwrap();
        std::fs::write(dir.path().join("trip.jpg"), b"").unwrap();
        let any = |_: &Path| true;
        let found = completions(&format!("{base}tr"), 8, &any);
        assert_eq!(
            found,
            vec![
                format!("{base}track.MP3"),
                format!("{base}trailer.mp4"),
                format!("{base}trip.jpg"),
                format!("{base}trip/")
            ]
        );
        assert_eq!(completions(&base, 1, &any).len(), 1);
        // By kind: a folder prompt lists folders, the music prompt audio, an export its type.
        let folder = suggests(Purpose::OpenFolder, Delivery::default());
        assert_eq!(completions(&base, 8, &folder), vec![format!("{base}trip/")]);
        let music = suggests(Purpose::Music, Delivery::default());
        assert_eq!(
            completions(&base, 8, &music),
            vec![format!("{base}track.MP3"), format!("{base}trip/")]
        );
        let export = suggests(Purpose::Export, Delivery::default());
        let video = completions(&base, 8, &export);
        assert!(video.contains(&format!("{base}trailer.mp4")), "{video:?}");
        assert!(!video.iter().any(|v| v.contains("trip.jpg")), "{video:?}");
    }
}
