//! Live Photos: a phone's still and the short `.MOV` it records with it, saved side by side
//! with the same base name (`IMG_0001.HEIC` and `IMG_0001.MOV`), are one photo. The still is
//! the tile; the MOV is not listed as one of its own.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The motion half's file type (compared case-insensitively).
const MOTION_EXTENSION: &str = "mov";

/// What pairs a still with its motion: the folder and the base name, in lower case.
fn pair_key(path: &Path) -> Option<(PathBuf, String)> {
    let stem = path.file_stem()?.to_string_lossy().to_lowercase();
    Some((path.parent().unwrap_or(Path::new("")).to_owned(), stem))
}

fn is_motion(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(MOTION_EXTENSION))
}

/// `paths` without the motion halves of Live Photos: each `.MOV` beside a still (a photo
/// type, not a clip) of the same base name in the same folder, compared case-insensitively.
/// Returns the paths kept, in their order, and the motions taken out. Two files with
/// different base names stay two.
#[must_use]
pub fn pair_live_photos(paths: Vec<PathBuf>) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let stills: HashSet<(PathBuf, String)> = paths
        .iter()
        .filter(|p| !super::is_clip(p))
        .filter_map(|p| pair_key(p))
        .collect();
    paths
        .into_iter()
        .partition(|p| !(is_motion(p) && pair_key(p).is_some_and(|k| stills.contains(&k))))
}

/// For each of `paths`, the motion half of its Live Photo: a `.MOV` (any case) of the same
/// base name in the same folder, when the path is a still (not a clip) and there is one.
/// Each folder is listed once.
#[must_use]
pub fn motions_of(paths: &[PathBuf]) -> Vec<Option<PathBuf>> {
    let mut motions: HashMap<(PathBuf, String), PathBuf> = HashMap::new();
    let mut listed: HashSet<PathBuf> = HashSet::new();
    for path in paths.iter().filter(|p| !super::is_clip(p)) {
        let Some((folder, _)) = pair_key(path) else {
            continue;
        };
        if !listed.insert(folder.clone()) {
            continue;
        }
        let dir = if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            folder.as_path()
        };
        let Ok(listing) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in listing.filter_map(Result::ok) {
            let motion = folder.join(entry.file_name());
            if is_motion(&motion)
                && motion.is_file()
                && let Some(key) = pair_key(&motion)
            {
                motions.insert(key, motion);
            }
        }
    }
    paths
        .iter()
        .map(|p| {
            if super::is_clip(p) {
                return None;
            }
            pair_key(p).and_then(|k| motions.get(&k).cloned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(paths: &[PathBuf]) -> Vec<&str> {
        paths.iter().map(|p| p.to_str().unwrap()).collect()
    }

    #[test]
    fn a_still_and_its_mov_are_one_photo_by_name_in_any_case() {
        let paths: Vec<PathBuf> = [
            "a/IMG_0001.HEIC",
            "a/IMG_0001.MOV",
            "a/img_0002.jpg",
            "a/IMG_0002.mov",
            "a/IMG_0003.MOV",
            "a/IMG_0004.JPG",
            "b/IMG_0004.MOV",
            "a/IMG_0005.JPG",
            "a/IMG_0005.MP4",
            "a/IMG_0006.MOV",
            "a/IMG_0006.MP4",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let (kept, motions) = pair_live_photos(paths);
        assert_eq!(names(&motions), ["a/IMG_0001.MOV", "a/IMG_0002.mov"]);
        // A MOV without a still, a still and a MOV in different folders, an MP4 beside a
        // still, and two clips of one name: each its own tile.
        assert_eq!(
            names(&kept),
            [
                "a/IMG_0001.HEIC",
                "a/img_0002.jpg",
                "a/IMG_0003.MOV",
                "a/IMG_0004.JPG",
                "b/IMG_0004.MOV",
                "a/IMG_0005.JPG",
                "a/IMG_0005.MP4",
                "a/IMG_0006.MOV",
                "a/IMG_0006.MP4",
            ]
        );
    }
}
