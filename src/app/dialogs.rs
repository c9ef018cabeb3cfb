//! File dialogs: the native one (rfd) where the desktop has one, else a path field in the
//! window. On Linux rfd needs xdg-desktop-portal or zenity; without them it returns nothing,
//! exactly as if the user had cancelled, so the editor checks first and never fails silently.

use std::path::{Path, PathBuf};

use eframe::egui;

use super::logic::Editor;
use crate::settings::{load_preset, save_preset};

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

/// Asks for a path for `purpose`: the native dialog when there is one, else opens the path
/// field (`editor.path_prompt`).
pub fn ask(editor: &mut Editor, purpose: Purpose) {
    if purpose == Purpose::Export && editor.export.is_some() {
        return;
    }
    if !editor.native_dialogs {
        let mut start = editor
            .folder
            .as_ref()
            .map(|f| format!("{}/", f.display()))
            .unwrap_or_default();
        if purpose == Purpose::Export {
            // The chosen format's file type, ready to be renamed.
            start.push_str(&editor.delivery.file_name());
        }
        editor.path_prompt = Some(PathPrompt {
            purpose,
            text: start,
            fresh: true,
        });
        return;
    }
    let ron = |d: rfd::FileDialog| d.add_filter("RON preset", &["ron"]);
    let chosen = match purpose {
        Purpose::OpenFolder => rfd::FileDialog::new().pick_folder(),
        Purpose::Export => {
            // The format was chosen in the export dialog: its file type only.
            let (name, extension) = editor.delivery.filter();
            rfd::FileDialog::new()
                .add_filter(name, &[extension])
                .set_file_name(editor.delivery.file_name())
                .save_file()
        }
        Purpose::Music => rfd::FileDialog::new()
            .add_filter("Audio", &crate::music::AUDIO_EXTENSIONS)
            .pick_file(),
        Purpose::LoadPreset => ron(rfd::FileDialog::new()).pick_file(),
        Purpose::SavePreset => ron(rfd::FileDialog::new()).save_file(),
    };
    if let Some(path) = chosen {
        // The native save dialog has already asked before replacing a file.
        use_path(editor, purpose, &path, true);
    }
}

/// Does what `purpose` does with `path`.
fn use_path(editor: &mut Editor, purpose: Purpose, path: &Path, replace_ok: bool) {
    match purpose {
        Purpose::OpenFolder => editor.open_folder(path),
        Purpose::Export => editor.start_export(path.to_owned(), replace_ok),
        Purpose::LoadPreset => match load_preset(path) {
            Ok(settings) => {
                editor.settings = settings;
                editor.settings_changed();
            }
            Err(e) => editor.errors.push(e.to_string()),
        },
        Purpose::SavePreset => {
            if let Err(e) = save_preset(&editor.settings, path) {
                editor.errors.push(e.to_string());
            }
        }
        Purpose::Music => editor.set_music(path),
    }
}

/// Up to `max` entries of the folder `text` names (or is in) that start with what follows
/// its last `/` (only folders with `folders_only`): folders end in `/`.
fn completions(text: &str, max: usize, folders_only: bool) -> Vec<String> {
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
            let is_dir = e.path().is_dir();
            let shown =
                (!name.starts_with('.') || prefix.starts_with('.')) && (is_dir || !folders_only);
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

/// The path field, while `editor.path_prompt` is open.
pub fn prompt_ui(ctx: &egui::Context, editor: &mut Editor) {
    let Some(mut prompt) = editor.path_prompt.take() else {
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
        // Until the field has the keyboard once (the modal's first frame only sizes it).
        if prompt.fresh {
            field.request_focus();
            prompt.fresh = !field.has_focus();
        }
        let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        // In a scope of their own, so the buttons below keep their ids as the list changes.
        ui.push_id("completions", |ui| {
            let folders_only = prompt.purpose == Purpose::OpenFolder;
            for suggestion in completions(&prompt.text, 8, folders_only) {
                if ui.small_button(&suggestion).clicked() {
                    prompt.text = suggestion;
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
        // A typed export path never replaces an existing file without --overwrite's
        // equivalent: the export refuses and says so.
        Some(path) if !path.as_os_str().is_empty() => {
            use_path(editor, prompt.purpose, &path, false);
        }
        _ if cancelled => {}
        _ => editor.path_prompt = Some(prompt),
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
        let found = completions(&format!("{base}tr"), 8, false);
        assert_eq!(
            found,
            vec![format!("{base}trailer.mp4"), format!("{base}trip/")]
        );
        assert_eq!(completions(&base, 1, false).len(), 1);
        assert_eq!(completions(&base, 8, true), vec![format!("{base}trip/")]);
    }
}
