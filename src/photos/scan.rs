//! Finding photos (and clips) in a folder: natural sort, extension filter, hidden files
//! ignored.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use super::{PhotoError, Skipped};

/// File extensions we try to decode (compared case-insensitively).
pub const PHOTO_EXTENSIONS: [&str; 14] = [
    "jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff", "jfif", "heic", "heif", "hif",
    "avif", "jxl",
];

/// Photo and clip types a camera or phone writes that gridreel cannot read yet: such a file
/// is listed as skipped, with the reason, so the user knows it was seen. Any other file
/// (notes, PDFs, sidecars) is not a photo at all and is left aside without a word.
const UNSUPPORTED_MEDIA_EXTENSIONS: [&str; 9] = [
    "dng", "cr2", "cr3", "nef", "arw", "raf", "orf", "rw2", "3gp",
];

/// Why a folder could not be scanned at all.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("photo folder not found: {}", .0.display())]
    Missing(PathBuf),
    #[error("not a folder: {}", .0.display())]
    NotAFolder(PathBuf),
    #[error(
        "no photo folder given and the demo photos are missing (looked in PREFIX/share/gridreel/demo beside the program, in assets/demo beside it and in ./assets/demo): {}",
        .0.display()
    )]
    DemoMissing(PathBuf),
    #[error("cannot read photo folder ({}): {}", crate::files::io_words(source), path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The photos found in a folder, in natural order, and the files passed over.
#[derive(Debug, Default)]
pub struct ScanResult {
    pub photos: Vec<PathBuf>,
    /// Photos (and clips) that cannot be used, with the reason.
    pub skipped: Vec<Skipped>,
    /// How many files are not photos at all (notes, PDFs, sidecars): not skipped, just not
    /// photos.
    pub others: usize,
    /// The `.MOV` halves of Live Photos (a still beside them has their name): not tiles of
    /// their own, the still stands for both (see [`super::pair_live_photos`]).
    pub live_motions: Vec<PathBuf>,
}

/// True for file names hidden by convention (`.DS_Store`, `.thumbnails`).
fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

/// Whether `path` is named as a photo or a clip (see [`super::CLIP_EXTENSIONS`]): what the
/// scan lists.
#[must_use]
fn has_photo_extension(path: &Path) -> bool {
    has_extension(path, &PHOTO_EXTENSIONS) || super::is_clip(path)
}

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|p| e.eq_ignore_ascii_case(p)))
}

/// Lists the photos in `dir` (and its sub-folders when `recursive`), naturally sorted by
/// their path relative to `dir`. Files with other extensions are listed as skipped.
pub fn scan_folder(dir: &Path, recursive: bool) -> Result<ScanResult, ScanError> {
    let meta = std::fs::metadata(dir).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ScanError::Missing(dir.to_owned()),
        _ => ScanError::Unreadable {
            path: dir.to_owned(),
            source,
        },
    })?;
    if !meta.is_dir() {
        return Err(ScanError::NotAFolder(dir.to_owned()));
    }
    let mut result = ScanResult::default();
    // Links are followed, so a linked photo or folder counts like a real one; each real
    // folder is read once (a link loop ends) and each real file listed once.
    let mut folders_seen = std::collections::HashSet::new();
    let mut files_seen = std::collections::HashSet::new();
    folders_seen.insert(file_id(&meta, dir));
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|source| ScanError::Unreadable {
            path: folder.clone(),
            source,
        })?;
        for entry in entries {
            let Ok(entry) = entry else { continue };
            let path = entry.path();
            if is_hidden(&path) {
                continue;
            }
            let Ok(meta) = std::fs::metadata(&path) else {
                if has_photo_extension(&path) {
                    result.skipped.push(Skipped {
                        path,
                        error: PhotoError::Damaged("a broken link".into()),
                    });
                }
                continue;
            };
            let skip = |error| Skipped {
                path: path.clone(),
                error,
            };
            if meta.is_dir() {
                if recursive {
                    if folders_seen.insert(file_id(&meta, &path)) {
                        pending.push(path);
                    }
                } else if has_photo_extension(&path) {
                    result.skipped.push(skip(PhotoError::Folder));
                }
            } else if !has_photo_extension(&path) {
                if has_extension(&path, &UNSUPPORTED_MEDIA_EXTENSIONS) {
                    result.skipped.push(skip(PhotoError::NotAPhotoType));
                } else {
                    result.others += 1;
                }
            } else if !meta.is_file() {
                result.skipped.push(skip(PhotoError::NotARegularFile));
            } else if files_seen.insert(file_id(&meta, &path)) {
                result.photos.push(path);
            }
        }
    }
    (result.photos, result.live_motions) = super::pair_live_photos(result.photos);
    let relative = |p: &PathBuf| {
        p.strip_prefix(dir)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    };
    result
        .photos
        .sort_by(|a, b| natural_cmp(&relative(a), &relative(b)));
    result
        .skipped
        .sort_by(|a, b| natural_cmp(&relative(&a.path), &relative(&b.path)));
    result
        .live_motions
        .sort_by(|a, b| natural_cmp(&relative(a), &relative(b)));
    Ok(result)
}

/// What identifies a file or folder whatever the path it is reached by: device and inode
/// on Unix, the canonical path elsewhere.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata, _path: &Path) -> FileId {
    use std::os::unix::fs::MetadataExt;
    FileId::Inode(meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn file_id(_meta: &std::fs::Metadata, path: &Path) -> FileId {
    FileId::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()))
}

/// Natural order: runs of digits compare by value (`img2` < `img10`), other text
/// case-insensitively; ties fall back to plain byte order so the order is total.
#[must_use]
pub(super) fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let take = |it: &mut std::iter::Peekable<std::str::Chars<'_>>| {
                    let mut digits = String::new();
                    while let Some(ch) = it.peek().copied().filter(char::is_ascii_digit) {
                        digits.push(ch);
                        it.next();
                    }
                    digits
                };
                let (m, n) = (take(&mut x), take(&mut y));
                let (m_trim, n_trim) = (m.trim_start_matches('0'), n.trim_start_matches('0'));
                let by_value = m_trim
                    .len()
                    .cmp(&n_trim.len())
                    .then_with(|| m_trim.cmp(n_trim));
                if by_value != Ordering::Equal {
                    return by_value;
                }
            }
            (Some(c), Some(d)) => {
                let by_char = c.to_lowercase().cmp(d.to_lowercase());
                if by_char != Ordering::Equal {
                    return by_char;
                }
                x.next();
                y.next();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut names = vec![
            "img10.jpg",
            "IMG2.jpg",
            "img1.jpg",
            "img02b.jpg",
            "a.jpg",
            "写真3.jpg",
        ];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            vec![
                "a.jpg",
                "img1.jpg",
                "IMG2.jpg",
                "img02b.jpg",
                "img10.jpg",
                "写真3.jpg"
            ]
        );
        assert_eq!(
            natural_cmp("x99999999999999999999999", "x100000000000000000000000"),
            Ordering::Less
        );
    }

    #[test]
    fn scan_filters_and_sorts() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "p10.JPG",
            "p2.png",
            ".hidden.jpg",
            "notes.txt",
            "IMG_0001.HEIC",
            "IMG_0002.DNG",
            "p1.jpeg",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/p0.jpg"), b"x").unwrap();
        let flat = scan_folder(dir.path(), false).unwrap();
        let names: Vec<_> = flat
            .photos
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(names, vec!["IMG_0001.HEIC", "p1.jpeg", "p2.png", "p10.JPG"]);
        // A phone's photo that cannot be read yet is skipped with the reason; notes are not
        // photos at all, so not "skipped".
        assert_eq!(flat.skipped.len(), 1);
        assert!(flat.skipped[0].path.ends_with("IMG_0002.DNG"));
        assert_eq!(flat.others, 1);
        assert_eq!(scan_folder(dir.path(), true).unwrap().photos.len(), 5);
        assert!(matches!(
            scan_folder(&dir.path().join("nope"), false),
            Err(ScanError::Missing(_))
        ));
    }
}
