//! The one guarded path every write the editor makes goes through (presets, exports, and
//! anything later). Before a byte is written, [`check`] decides where the file goes:
//!
//! - never over one of the project's inputs (its photos, its music), by any path: the same
//!   file reached through `..`, a symbolic link or a hard link counts;
//! - never over a file that is not of the kind being written (a preset replaces only a
//!   `.ron` that reads as a preset; a video only a video file of its container);
//! - a name typed without an extension gets the kind's, and a folder gets the kind's default
//!   file name (`my-grid.ron`, `trip.mp4`);
//! - an existing file of the right kind comes back as [`Destination::Replace`], so the caller
//!   asks the user before writing.
//!
//! The write itself then goes through [`super::atomic`].

use std::path::{Path, PathBuf};

/// What a write makes.
pub struct Kind {
    /// What the user calls it: "preset", "video".
    pub noun: &'static str,
    /// Its file name extension (without the dot).
    pub extension: &'static str,
    /// The name offered when the user names only a folder, extension included.
    pub default_name: &'static str,
    /// Whether an existing file is one of these (so replacing it loses nothing the user did
    /// not ask to replace).
    pub recognise: fn(&Path) -> bool,
}

/// Where a checked write goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// No file is there.
    New(PathBuf),
    /// A file of the same kind is there: ask before replacing it.
    Replace(PathBuf),
}

impl Destination {
    #[must_use]
    pub fn path(&self) -> &Path {
        match self {
            Self::New(p) | Self::Replace(p) => p,
        }
    }
}

/// Why a write was refused. Each says what to do, and names the file last.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refused {
    #[error("type a file name")]
    Empty,
    #[error(
        "that is one of this project's own files, and gridreel never writes over them; choose \
         another name: {}", .0.display()
    )]
    Input(PathBuf),
    #[error(
        "that file is not a gridreel {noun}, so it is kept; choose another name: {}",
        path.display()
    )]
    NotOfKind { noun: &'static str, path: PathBuf },
    #[error("a {noun} file's name ends in .{extension}; choose another name: {}", path.display())]
    WrongExtension {
        noun: &'static str,
        extension: &'static str,
        path: PathBuf,
    },
    #[error("there is no folder of that name; choose another place: {}", .0.display())]
    NoFolder(PathBuf),
}

/// Decides where a `kind` file the user named `typed` goes, keeping every file in
/// `protected` (the project's inputs) and every file of another kind.
pub fn check(typed: &Path, kind: &Kind, protected: &[PathBuf]) -> Result<Destination, Refused> {
    if typed.as_os_str().is_empty() {
        return Err(Refused::Empty);
    }
    let path = with_defaults(typed, kind);
    if protected.iter().any(|p| same_file(p, &path)) {
        return Err(Refused::Input(path));
    }
    match std::fs::metadata(&path) {
        Ok(meta) => {
            let ours =
                meta.is_file() && has_extension(&path, kind.extension) && (kind.recognise)(&path);
            if ours {
                Ok(Destination::Replace(path))
            } else {
                Err(Refused::NotOfKind {
                    noun: kind.noun,
                    path,
                })
            }
        }
        Err(_) if !has_extension(&path, kind.extension) => Err(Refused::WrongExtension {
            noun: kind.noun,
            extension: kind.extension,
            path,
        }),
        Err(_) => {
            let folder = super::atomic::folder_of(&path);
            if folder.is_dir() {
                Ok(Destination::New(path))
            } else {
                Err(Refused::NoFolder(folder))
            }
        }
    }
}

/// `typed` with the kind's default name when it names a folder, and the kind's extension
/// when its name has none.
fn with_defaults(typed: &Path, kind: &Kind) -> PathBuf {
    let text = typed.as_os_str().to_string_lossy();
    if typed.is_dir() || text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR) {
        return typed.join(kind.default_name);
    }
    if typed.extension().is_none() {
        let mut name = typed.as_os_str().to_owned();
        name.push(".");
        name.push(kind.extension);
        return PathBuf::from(name);
    }
    typed.to_owned()
}

fn has_extension(path: &Path, extension: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(extension))
}

/// Whether `a` and `b` name one file, by whatever path: the same device and inode where both
/// exist (hard links, symbolic links, `..`), else the same canonical path.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return ma.dev() == mb.dev() && ma.ino() == mb.ino();
        }
    }
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(ca), Ok(cb)) => ca == cb,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preset_kind() -> Kind {
        Kind {
            noun: "preset",
            extension: "ron",
            default_name: "my-grid.ron",
            recognise: |p| std::fs::read_to_string(p).is_ok_and(|t| t.starts_with('(')),
        }
    }

    #[test]
    fn a_photo_is_never_a_destination_by_any_path() {
        let dir = tempfile::tempdir().unwrap();
        let photo = dir.path().join("写真_02.jpg");
        std::fs::write(&photo, b"\xff\xd8jpeg").unwrap();
        let kind = preset_kind();
        let protected = [photo.clone()];
        assert_eq!(
            check(&photo, &kind, &protected),
            Err(Refused::Input(photo.clone()))
        );
        let dotted = dir.path().join("sub/../写真_02.jpg");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        assert!(matches!(
            check(&dotted, &kind, &protected),
            Err(Refused::Input(_))
        ));
        let link = dir.path().join("link.ron");
        std::fs::hard_link(&photo, &link).unwrap();
        assert!(matches!(
            check(&link, &kind, &protected),
            Err(Refused::Input(_))
        ));
        // Not protected, but not a preset either.
        assert!(matches!(
            check(&photo, &kind, &[]),
            Err(Refused::NotOfKind { .. })
        ));
        assert_eq!(std::fs::read(&photo).unwrap(), b"\xff\xd8jpeg");
    }

    #[test]
    fn names_get_the_kinds_extension_and_folders_its_default_name() {
        let dir = tempfile::tempdir().unwrap();
        let kind = preset_kind();
        assert_eq!(
            check(&dir.path().join("trip"), &kind, &[]),
            Ok(Destination::New(dir.path().join("trip.ron")))
        );
        assert_eq!(
            check(dir.path(), &kind, &[]),
            Ok(Destination::New(dir.path().join("my-grid.ron")))
        );
        assert!(matches!(
            check(&dir.path().join("a.txt"), &kind, &[]),
            Err(Refused::WrongExtension { .. })
        ));
        assert!(matches!(
            check(&dir.path().join("nowhere/a.ron"), &kind, &[]),
            Err(Refused::NoFolder(_))
        ));
        assert_eq!(check(Path::new(""), &kind, &[]), Err(Refused::Empty));
    }

    #[test]
    fn only_a_file_of_the_kind_may_be_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let kind = preset_kind();
        let preset = dir.path().join("old.ron");
        std::fs::write(&preset, "(rows: 2)").unwrap();
        assert_eq!(
            check(&preset, &kind, &[]),
            Ok(Destination::Replace(preset.clone()))
        );
        let notes = dir.path().join("notes.ron");
        std::fs::write(&notes, "shopping list").unwrap();
        assert!(matches!(
            check(&notes, &kind, &[]),
            Err(Refused::NotOfKind { .. })
        ));
        std::fs::create_dir(dir.path().join("folder.ron")).unwrap();
        assert!(matches!(
            check(&dir.path().join("folder.ron/"), &kind, &[]),
            Ok(Destination::New(_))
        ));
    }
}
