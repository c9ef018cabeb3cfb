//! Live Photos: a phone's still and the short `.MOV` it records with it, saved side by side
//! with the same base name (`IMG_0001.HEIC` and `IMG_0001.MOV`), are one photo. The still is
//! the tile; the MOV is not listed as one of its own. Android's motion photos carry their
//! video inside the JPEG instead, appended after the picture and located by its XMP.

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

/// The namespace an XMP packet's APP1 segment starts with.
const XMP_SIGNATURE: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";

/// Segments read looking for the XMP before the picture's data.
const MAX_SEGMENTS: usize = 64;

/// Where the video of an Android motion photo starts in the JPEG at `path`: the JPEG's XMP
/// says how many bytes at the file's end are the MP4, either as `GCamera:MicroVideoOffset`
/// (older phones) or as the `Item:Length` of the `Container:Directory` item whose
/// `Item:Semantic` is `MotionPhoto` (the Motion Photo format). Only when the bytes there
/// start an MP4 box (`ftyp`); `None` for any other file. Reads the segments' headers up to
/// the picture's data and the XMP segment, nothing else.
#[must_use]
pub fn motion_photo_start(path: &Path) -> Option<u64> {
    use std::io::{BufReader, Read, Seek, SeekFrom};
    let jpeg = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg"));
    if !jpeg {
        return None;
    }
    let file = crate::files::open_regular(path).ok()?;
    let len = file.metadata().ok()?.len();
    let mut reader = BufReader::new(file);
    let mut two = [0u8; 2];
    reader.read_exact(&mut two).ok()?;
    if two != [0xFF, 0xD8] {
        return None;
    }
    let mut from_end = None;
    for _ in 0..MAX_SEGMENTS {
        reader.read_exact(&mut two).ok()?;
        // Start of scan, end of image, or not a marker: no more header segments.
        if two[0] != 0xFF || two[1] == 0xDA || two[1] == 0xD9 {
            break;
        }
        let mut size = [0u8; 2];
        reader.read_exact(&mut size).ok()?;
        let body = u64::from(u16::from_be_bytes(size)).checked_sub(2)?;
        if two[1] != 0xE1 {
            reader.seek_relative(i64::try_from(body).ok()?).ok()?;
            continue;
        }
        let mut segment = Vec::new();
        (&mut reader).take(body).read_to_end(&mut segment).ok()?;
        if let Some(xmp) = segment.strip_prefix(XMP_SIGNATURE) {
            from_end = xmp_number(xmp, b"MicroVideoOffset").or_else(|| motion_item_length(xmp));
            break;
        }
    }
    let from_end = from_end?;
    let start = len
        .checked_sub(from_end)
        .filter(|&s| s > 0 && from_end >= 8)?;
    let mut kind = [0u8; 4];
    reader.seek(SeekFrom::Start(start + 4)).ok()?;
    reader.read_exact(&mut kind).ok()?;
    (&kind == b"ftyp").then_some(start)
}

/// The whole number after the XMP property `name`, written as an attribute (`name="12"`)
/// or an element (`name>12<`).
fn xmp_number(xmp: &[u8], name: &[u8]) -> Option<u64> {
    let at = xmp.windows(name.len()).position(|w| w == name)? + name.len();
    let rest = &xmp[at..];
    let rest = rest
        .strip_prefix(b"=\"")
        .or_else(|| rest.strip_prefix(b">"))?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

/// The `Length` of the XMP container item whose semantic is `MotionPhoto`.
fn motion_item_length(xmp: &[u8]) -> Option<u64> {
    let semantic: &[u8] = b"Semantic=\"MotionPhoto\"";
    let at = xmp.windows(semantic.len()).position(|w| w == semantic)?;
    // That item's element: back to its `<`, on to its `>`.
    let open = xmp[..at].iter().rposition(|&b| b == b'<')?;
    let close = at + xmp[at..].iter().position(|&b| b == b'>')?;
    xmp_number(&xmp[open..close], b"Length")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_motion_photos_video_is_found_by_either_xmp_form() {
        assert_eq!(
            xmp_number(
                b"<x GCamera:MicroVideoOffset=\"2311\"/>",
                b"MicroVideoOffset"
            ),
            Some(2311)
        );
        assert_eq!(
            xmp_number(
                b"<GCamera:MicroVideoOffset>42</GCamera:MicroVideoOffset>",
                b"MicroVideoOffset"
            ),
            Some(42)
        );
        let directory = b"<Container:Item Item:Mime=\"image/jpeg\" Item:Semantic=\"Primary\" Item:Length=\"0\" Item:Padding=\"0\"/>\
            <Container:Item Item:Mime=\"video/mp4\" Item:Semantic=\"MotionPhoto\" Item:Length=\"90210\"/>";
        assert_eq!(motion_item_length(directory), Some(90210));
        assert_eq!(motion_item_length(b"<x Item:Length=\"5\"/>"), None);
        assert_eq!(
            xmp_number(b"MicroVideoOffset=\"\"", b"MicroVideoOffset"),
            None
        );
    }

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
