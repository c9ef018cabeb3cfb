//! Photos as phones save them: HEIC/HEIF and AVIF through libheif (grids, `irot`/`imir`,
//! 10- and 12-bit, alpha, grey, 4:4:4), each decoded to the right pixels, and damaged ones
//! skipped with the reason. The fixtures are made by `tests/fixtures/make.sh` from
//! `quad.png`: red top-left, green top-right, blue bottom-left, white bottom-right.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use gridreel::photos::{PhotoError, TilePixels, decode_tile, decode_tile_sized, load_tiles, probe};

use crate::common;
use crate::photos_import::spec;

fn pixel(tile: &TilePixels, x: u32, y: u32) -> [u8; 3] {
    let at = ((y * tile.width_px + x) * 4) as usize;
    [tile.rgba[at], tile.rgba[at + 1], tile.rgba[at + 2]]
}

const RED: [u8; 3] = [255, 0, 0];
const GREEN: [u8; 3] = [0, 255, 0];
const BLUE: [u8; 3] = [0, 0, 255];
const WHITE: [u8; 3] = [255, 255, 255];

/// The tile's four quadrants (sampled away from the edges between them) are these colours,
/// each channel within `tolerance`.
fn assert_quadrants(name: &str, tile: &TilePixels, expected: [[u8; 3]; 4], tolerance: u8) {
    let at = [(6, 5), (33, 5), (6, 24), (33, 24)];
    for ((x, y), want) in at.into_iter().zip(expected) {
        let got = pixel(tile, x, y);
        assert!(
            got.iter()
                .zip(want)
                .all(|(g, w)| g.abs_diff(w) <= tolerance),
            "{name}: at ({x}, {y}) {got:?}, expected {want:?}"
        );
    }
}

/// Mean absolute difference per channel between two tiles of the same size.
fn mean_difference(a: &TilePixels, b: &TilePixels) -> f64 {
    assert_eq!((a.width_px, a.height_px), (b.width_px, b.height_px));
    let differences = a.rgba.iter().zip(&b.rgba).map(|(x, y)| x.abs_diff(*y));
    differences.map(f64::from).sum::<f64>() / a.rgba.len() as f64
}

#[test]
fn heic_and_avif_decode_to_the_pictures_they_were_made_from() {
    let f = common::fixtures().join("phone");
    let reference = decode_tile(&f.join("quad.png"), &spec()).unwrap();
    let upright = [RED, GREEN, BLUE, WHITE];
    for name in [
        "photo.heic",
        "ten-bit.heic",
        "photo.avif",
        "twelve-bit.avif",
        "yuv444.avif",
        "grid.avif",
        "photo.jxl",
        // EXIF says "turn 90°", but a HEIF's rotation is its `irot`: none here.
        "exif6.heic",
    ] {
        let tile = decode_tile(&f.join(name), &spec()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((tile.width_px, tile.height_px), (40, 30), "{name}");
        assert_quadrants(name, &tile, upright, 40);
        let mean = mean_difference(&tile, &reference);
        assert!(
            mean < 6.0,
            "{name}: mean difference {mean:.2} from quad.png"
        );
    }
}

/// A 200 MP HEIC (16320×12240) is averaged down from its planes to the tile: the same
/// picture as quad.png's tile, and the photo's full size reported for its crop.
#[test]
fn a_200_megapixel_heic_decodes_to_its_tile() {
    let f = common::fixtures();
    let reference = decode_tile(&f.join("phone/quad.png"), &spec()).unwrap();
    let (tile, upright) =
        decode_tile_sized(&f.join("large/quad-16320x12240.heic"), &spec()).unwrap();
    assert_eq!(upright, (16_320, 12_240));
    assert_quadrants("200 MP", &tile, [RED, GREEN, BLUE, WHITE], 40);
    let mean = mean_difference(&tile, &reference);
    assert!(mean < 6.0, "mean difference {mean:.2} from quad.png");
}

#[test]
fn irot_and_imir_are_applied_once() {
    let f = common::fixtures().join("phone");
    // Turned 90° anti-clockwise: 72×96, whose middle 72×54 the 4:3 tile shows.
    let rotated = decode_tile(&f.join("rotated.avif"), &spec()).unwrap();
    assert_quadrants("rotated.avif", &rotated, [GREEN, WHITE, RED, BLUE], 40);
    let mirrored = decode_tile(&f.join("mirrored.avif"), &spec()).unwrap();
    assert_quadrants("mirrored.avif", &mirrored, [GREEN, RED, WHITE, BLUE], 40);
    let (_, size) = gridreel::photos::decode_tile_sized(&f.join("rotated.avif"), &spec()).unwrap();
    assert_eq!(size, (72, 96), "the upright size");
}

#[test]
fn grey_and_alpha_heif_and_jxl() {
    let f = common::fixtures().join("phone");
    let grey = decode_tile(&f.join("grey.avif"), &spec()).unwrap();
    for p in grey.rgba.chunks(4) {
        assert!(
            p[0].abs_diff(p[1]) <= 2 && p[1].abs_diff(p[2]) <= 2,
            "{p:?}"
        );
    }
    assert!(pixel(&grey, 6, 5)[0] < 140 && pixel(&grey, 33, 24)[0] > 235);
    // 60 % opaque, flattened on the green background.
    for name in ["alpha.heic", "alpha.jxl"] {
        let alpha = decode_tile(&f.join(name), &spec()).unwrap();
        let over_green = |c: [u8; 3]| {
            let bg = [0.0, 255.0, 0.0];
            [0, 1, 2].map(|i| (f64::from(c[i]) * 0.6 + bg[i] * 0.4).round() as u8)
        };
        assert_quadrants(
            name,
            &alpha,
            [
                over_green(RED),
                over_green(GREEN),
                over_green(BLUE),
                over_green(WHITE),
            ],
            30,
        );
    }
}

/// Rewrites the first `ispe` box (the declared size) of a HEIF file.
fn with_declared_size(bytes: &[u8], w: u32, h: u32) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let at = out.windows(4).position(|b| b == b"ispe").unwrap() + 8;
    out[at..at + 4].copy_from_slice(&w.to_be_bytes());
    out[at + 4..at + 8].copy_from_slice(&h.to_be_bytes());
    out
}

#[test]
fn damaged_heic_is_skipped_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(common::fixtures().join("phone").join("photo.heic")).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let empty = write("empty.heic", b"");
    assert!(matches!(
        decode_tile(&empty, &spec()),
        Err(PhotoError::Empty)
    ));
    let cut = write("cut.heic", &good[..good.len() / 2]);
    let error = decode_tile(&cut, &spec()).unwrap_err();
    assert!(
        matches!(error, PhotoError::Damaged(_)) && error.to_string().contains("HEIF"),
        "{error}"
    );
    // The coded picture overwritten: the file is whole, its data is not.
    let mut scrambled = good.clone();
    let mdat = scrambled.windows(4).position(|b| b == b"mdat").unwrap() + 4;
    for (i, b) in scrambled[mdat + 8..].iter_mut().enumerate() {
        *b = (i * 37) as u8;
    }
    let scrambled = write("scrambled.heic", &scrambled);
    let result = decode_tile(&scrambled, &spec());
    assert!(
        !matches!(result, Err(PhotoError::DecoderPanicked(_))),
        "{result:?}"
    );
    // Declared sizes beyond the limits are refused before decoding, saying how big: 1,600 MP
    // would need 6.8 GB, more than one decode may ever hold (4 GiB).
    let huge = write("huge.heic", &with_declared_size(&good, 40_000, 40_000));
    for error in [
        decode_tile(&huge, &spec()).unwrap_err(),
        probe(&huge).unwrap_err(),
    ] {
        assert!(
            matches!(error, PhotoError::TooLarge(_)) && error.to_string().contains("40000×40000"),
            "{error}"
        );
    }
    let wide = write("wide.heic", &with_declared_size(&good, 50_000, 72));
    assert!(matches!(
        decode_tile(&wide, &spec()),
        Err(PhotoError::TooLarge(_))
    ));
    assert!(probe(&common::fixtures().join("phone").join("photo.heic")).is_ok());
    // A cut JPEG XL is damaged, not a panic; a whole one passes the probe.
    let jxl = std::fs::read(common::fixtures().join("phone").join("photo.jxl")).unwrap();
    let cut = write("cut.jxl", &jxl[..jxl.len() / 2]);
    let error = decode_tile(&cut, &spec()).unwrap_err();
    assert!(matches!(error, PhotoError::Damaged(_)), "{error}");
    assert!(probe(&common::fixtures().join("phone").join("photo.jxl")).is_ok());
}

#[test]
fn a_phone_folder_with_upper_case_names_imports() {
    let dir = tempfile::tempdir().unwrap();
    let f = common::fixtures().join("phone");
    for (from, to) in [
        ("photo.heic", "IMG_0001.HEIC"),
        ("photo.avif", "IMG_0002.AVIF"),
        ("ten-bit.heic", "IMG_0003.heif"),
    ] {
        std::fs::copy(f.join(from), dir.path().join(to)).unwrap();
    }
    let scan = gridreel::photos::scan_folder(dir.path(), false).unwrap();
    assert_eq!(scan.photos.len(), 3, "{:?}", scan.skipped);
    let loaded = load_tiles(&scan.photos, &spec(), 2, &AtomicBool::new(false), &|_| {});
    assert!(loaded.skipped.is_empty(), "{:?}", loaded.skipped);
    assert_eq!(loaded.tiles.len(), 3);
    assert!(Path::new(&loaded.tiles[0].path).ends_with("IMG_0001.HEIC"));
}

/// `bytes` without its embedded ICC profile: a JPEG's `ICC_PROFILE` APP2 segments or a PNG's
/// `iCCP` chunk dropped, every other byte kept.
fn without_profile(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    if bytes.starts_with(&[0xFF, 0xD8]) {
        out.extend(&bytes[..2]);
        let mut at = 2;
        while bytes[at] == 0xFF && bytes[at + 1] != 0xDA {
            let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
            let segment = &bytes[at..at + 2 + len];
            if !(bytes[at + 1] == 0xE2 && segment[4..].starts_with(b"ICC_PROFILE\0")) {
                out.extend(segment);
            }
            at += 2 + len;
        }
        out.extend(&bytes[at..]);
    } else {
        out.extend(&bytes[..8]);
        let mut at = 8;
        while at < bytes.len() {
            let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
            let chunk = &bytes[at..at + 12 + len];
            if &chunk[4..8] != b"iCCP" {
                out.extend(chunk);
            }
            at += 12 + len;
        }
    }
    assert!(out.len() < bytes.len(), "no profile to drop");
    out
}

/// The same picture in sRGB (untagged), Adobe RGB and ProPhoto (profiles embedded) gives the
/// same tile; read without its profile, the same file's tile is far off.
#[test]
fn colour_profiles_are_converted_to_srgb() {
    let f = common::fixtures().join("phone");
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec();
    (s.width_px, s.height_px) = (64, 48);
    let reference = decode_tile(&f.join("rose.png"), &s).unwrap();
    for name in [
        "adobe.jpg",
        "prophoto.jpg",
        "adobe.png",
        "adobe.heic",
        "adobe.jxl",
    ] {
        let managed = decode_tile(&f.join(name), &s).unwrap();
        let managed_mean = mean_difference(&managed, &reference);
        assert!(
            managed_mean < 3.0,
            "{name}: mean difference {managed_mean:.2}"
        );
        if name == "adobe.heic" || name == "adobe.jxl" {
            continue; // no profile-free twin to compare with
        }
        let bytes = std::fs::read(f.join(name)).unwrap();
        let bare = dir.path().join(name);
        std::fs::write(&bare, without_profile(&bytes)).unwrap();
        let unmanaged = decode_tile(&bare, &s).unwrap();
        let unmanaged_mean = mean_difference(&unmanaged, &reference);
        assert!(
            unmanaged_mean > 3.0 * managed_mean.max(1.0),
            "{name}: {unmanaged_mean:.2} without the profile, {managed_mean:.2} with it"
        );
    }
}

/// `--sort date`: EXIF dates with their offsets (JPEG and HEIC), a file without EXIF by its
/// modification time, equal instants in name order; `--sort shuffle` the same for a seed.
#[test]
fn photos_sort_by_the_date_taken_or_a_seeded_shuffle() {
    use gridreel::photos::{TakenSource, scan_folder, sort_photos, taken};
    use gridreel::settings::{PhotoSettings, PhotoSort};
    let dir = tempfile::tempdir().unwrap();
    let f = common::fixtures().join("phone");
    for name in ["dated-a.jpg", "dated-b.heic", "dated-c.jpg"] {
        std::fs::copy(f.join(name), dir.path().join(name)).unwrap();
    }
    // No EXIF: 2021-05-01 09:30 UTC by its file time.
    let d = dir.path().join("dated-d.png");
    std::fs::copy(f.join("quad.png"), &d).unwrap();
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_mins(26_997_690);
    std::fs::File::options()
        .write(true)
        .open(&d)
        .unwrap()
        .set_modified(at)
        .unwrap();
    let names = scan_folder(dir.path(), false).unwrap().photos;
    let order = |sort, seed| {
        sort_photos(
            names.clone(),
            PhotoSettings {
                sort,
                seed,
                ..PhotoSettings::default()
            },
        )
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
    };
    assert_eq!(
        order(PhotoSort::Name, 0),
        ["dated-a.jpg", "dated-b.heic", "dated-c.jpg", "dated-d.png"]
    );
    assert_eq!(
        order(PhotoSort::Date, 0),
        ["dated-d.png", "dated-a.jpg", "dated-c.jpg", "dated-b.heic"]
    );
    assert_eq!(order(PhotoSort::Shuffle, 3), order(PhotoSort::Shuffle, 3));
    let a = taken(&dir.path().join("dated-a.jpg")).unwrap();
    assert_eq!(
        (a.source, a.to_string().as_str()),
        (TakenSource::Exif, "2021-05-01 12:00")
    );
    assert_eq!(taken(&d).unwrap().to_string(), "2021-05-01 09:30 (file)");
}
