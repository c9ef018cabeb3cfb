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
/// A MOV with no file of its name is also taken out when it carries Apple's content
/// identifier and a still in its folder without a motion carries the same one (a Live Photo
/// whose halves were renamed apart). Returns the paths kept, in their order, and the motions
/// taken out. Two unrelated files with different base names stay two.
#[must_use]
pub fn pair_live_photos(paths: Vec<PathBuf>) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let stills: HashSet<(PathBuf, String)> = paths
        .iter()
        .filter(|p| !super::is_clip(p))
        .filter_map(|p| pair_key(p))
        .collect();
    let (kept, mut motions): (Vec<PathBuf>, Vec<PathBuf>) = paths
        .into_iter()
        .partition(|p| !(is_motion(p) && pair_key(p).is_some_and(|k| stills.contains(&k))));
    // A MOV left over may still be a still's motion, renamed: by Apple's content identifier.
    let movs: Vec<&Path> = kept
        .iter()
        .filter(|p| is_motion(p))
        .map(PathBuf::as_path)
        .collect();
    if movs.is_empty() {
        return (kept, motions);
    }
    let paired: HashSet<(PathBuf, String)> = motions.iter().filter_map(|p| pair_key(p)).collect();
    let lone_stills: Vec<&Path> = kept
        .iter()
        .filter(|p| !super::is_clip(p) && pair_key(p).is_some_and(|k| !paired.contains(&k)))
        .map(PathBuf::as_path)
        .collect();
    let taken: HashSet<PathBuf> = pair_by_identifier(&lone_stills, &movs)
        .into_values()
        .collect();
    if taken.is_empty() {
        return (kept, motions);
    }
    let (kept, more): (Vec<PathBuf>, Vec<PathBuf>) =
        kept.into_iter().partition(|p| !taken.contains(p));
    motions.extend(more);
    (kept, motions)
}

/// Live Photos whose halves were renamed apart: for each of `stills` that carries Apple's
/// content identifier (its maker note's tag 0x0011), the MOV of `movs` in its folder that
/// carries the same one (`com.apple.quicktime.content.identifier`). The MOVs' headers are read
/// first; the stills' EXIF only when some MOV carries an identifier.
fn pair_by_identifier(stills: &[&Path], movs: &[&Path]) -> HashMap<PathBuf, PathBuf> {
    let ids: HashMap<String, &Path> = movs
        .iter()
        .filter_map(|m| Some((super::clip::content_identifier(m)?, *m)))
        .collect();
    if ids.is_empty() {
        return HashMap::new();
    }
    let folders: HashSet<Option<&Path>> = ids.values().map(|m| m.parent()).collect();
    stills
        .iter()
        .filter(|s| folders.contains(&s.parent()))
        .filter_map(|s| {
            let mov = ids.get(&still_content_id(s)?)?;
            (mov.parent() == s.parent()).then(|| (s.to_path_buf(), mov.to_path_buf()))
        })
        .collect()
}

/// Apple's content identifier of a still (JPEG or HEIC): tag 0x0011 of its Apple maker note.
fn still_content_id(path: &Path) -> Option<String> {
    let file = crate::files::open_regular(path).ok()?;
    let exif = exif::Reader::new()
        .read_from_container(&mut std::io::BufReader::new(file))
        .ok()?;
    let field = exif.get_field(exif::Tag::MakerNote, exif::In::PRIMARY)?;
    match &field.value {
        exif::Value::Undefined(note, _) => apple_content_id(note),
        _ => None,
    }
}

/// Tag 0x0011 (a string) of an Apple maker note: `Apple iOS\0`, a version, `MM`, then an IFD
/// whose offsets count from the note's start.
fn apple_content_id(note: &[u8]) -> Option<String> {
    const IFD_AT: usize = 14;
    if !note.starts_with(b"Apple iOS\0") || note.get(12..14)? != b"MM" {
        return None;
    }
    let be16 = |i: usize| {
        note.get(i..i + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
    };
    let be32 = |i: usize| {
        note.get(i..i + 4)
            .and_then(|b| usize::try_from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])).ok())
    };
    for k in 0..be16(IFD_AT)?.min(512) {
        let entry = IFD_AT + 2 + 12 * k;
        if be16(entry)? != 0x0011 || be16(entry + 2)? != 2 {
            continue;
        }
        let len = be32(entry + 4)?;
        let bytes = if len <= 4 {
            note.get(entry + 8..entry + 8 + len)?
        } else {
            let at = be32(entry + 8)?;
            note.get(at..at.checked_add(len)?)?
        };
        let text = bytes.split(|&b| b == 0).next()?;
        return std::str::from_utf8(text)
            .ok()
            .map(str::to_owned)
            .filter(|t| !t.is_empty());
    }
    None
}

/// For each of `paths`, the motion half of its Live Photo: a `.MOV` (any case) of the same
/// base name in the same folder, when the path is a still (not a clip) and there is one; else
/// a MOV in its folder that no file is named like and that carries the still's content
/// identifier (Apple's, a Live Photo renamed apart).
/// Each folder is listed once.
#[must_use]
pub fn motions_of(paths: &[PathBuf]) -> Vec<Option<PathBuf>> {
    let mut motions: HashMap<(PathBuf, String), PathBuf> = HashMap::new();
    let mut lone_movs: Vec<PathBuf> = Vec::new();
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
        let mut others: HashSet<(PathBuf, String)> = HashSet::new();
        let mut movs = Vec::new();
        for entry in listing.filter_map(Result::ok) {
            let file = folder.join(entry.file_name());
            let Some(key) = pair_key(&file) else { continue };
            if is_motion(&file) && file.is_file() {
                movs.push((key, file));
            } else {
                others.insert(key);
            }
        }
        for (key, mov) in movs {
            if others.contains(&key) {
                motions.insert(key, mov);
            } else {
                lone_movs.push(mov); // no file of its name: perhaps a renamed motion
            }
        }
    }
    let mut found: Vec<Option<PathBuf>> = paths
        .iter()
        .map(|p| {
            if super::is_clip(p) {
                return None;
            }
            pair_key(p).and_then(|k| motions.get(&k).cloned())
        })
        .collect();
    if !lone_movs.is_empty() {
        let lone_stills: Vec<&Path> = paths
            .iter()
            .zip(&found)
            .filter(|(p, m)| m.is_none() && !super::is_clip(p))
            .map(|(p, _)| p.as_path())
            .collect();
        let movs: Vec<&Path> = lone_movs.iter().map(PathBuf::as_path).collect();
        let by_id = pair_by_identifier(&lone_stills, &movs);
        for (path, motion) in paths.iter().zip(&mut found) {
            if motion.is_none() {
                *motion = by_id.get(path).cloned();
            }
        }
    }
    found
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
    fn an_apple_maker_note_gives_its_content_identifier_and_a_bad_one_none() {
        let mut note = b"Apple iOS\0\0\x01MM\0\x01".to_vec();
        // Tag 0x0011, ASCII, 4 bytes, offset 32 (the string after the IFD and next-IFD link).
        note.extend([0, 0x11, 0, 2, 0, 0, 0, 4, 0, 0, 0, 32, 0, 0, 0, 0]);
        note.extend(b"AB1\0");
        // Four bytes or fewer sit in the entry itself: here the offset's bytes are read.
        assert_eq!(apple_content_id(&note), None);
        note[23] = 5;
        note.extend(b"\0");
        assert_eq!(apple_content_id(&note).as_deref(), Some("AB1"));
        // Pointing past the end, another maker, a cut-off IFD: nothing, no panic.
        note[27] = 200;
        assert_eq!(apple_content_id(&note), None);
        assert_eq!(apple_content_id(b"Canon\0\0\x01MM\0\x01"), None);
        assert_eq!(apple_content_id(b"Apple iOS\0\0\x01MM\0\x09\0\x11"), None);
    }

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
