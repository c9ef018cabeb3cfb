//! Photos as people have them: every format, odd encodings, EXIF rotation, any script,
//! and bad files skipped with a reason instead of stopping the run.

use std::sync::atomic::AtomicBool;

use gridreel::photos::{PhotoError, TileSpec, load_tiles, scan_folder};
use gridreel::settings::{Aspect, Color, CropAnchor};

use crate::common;

/// A 40×30 tile on a green background (shared with `phone_formats`).
pub(crate) fn spec() -> TileSpec {
    TileSpec {
        width_px: 40,
        height_px: 30,
        aspect: Aspect::new(4.0, 3.0),
        anchor: CropAnchor::Center,
        focus: None,
        background: Color::rgb(0, 255, 0),
    }
}

#[test]
fn mixed_folder_loads_the_good_and_skips_exactly_the_bad() {
    let dir = tempfile::tempdir().unwrap();
    let bad = common::mixed_folder(dir.path());
    let scan = scan_folder(dir.path(), false).unwrap();
    assert!(scan.skipped.is_empty(), "{:?}", scan.skipped);
    let loaded = load_tiles(&scan.photos, &spec(), 2, &AtomicBool::new(false), &|_| {});

    let mut skipped: Vec<_> = loaded
        .skipped
        .iter()
        .map(|s| s.path.file_name().unwrap().to_str().unwrap())
        .collect();
    skipped.sort_unstable();
    assert_eq!(skipped, bad, "{:#?}", loaded.skipped);
    for s in &loaded.skipped {
        let name = s.path.file_name().unwrap().to_str().unwrap();
        let line = s.to_string();
        assert!(
            line.starts_with("skipped: ") && line.ends_with(&s.path.display().to_string()),
            "{line}"
        );
        match name {
            "bomb.png" => assert!(matches!(s.error, PhotoError::TooLarge(_)), "{line}"),
            "empty.jpg" => assert!(matches!(s.error, PhotoError::Empty), "{line}"),
            "notes-named.jpg" => assert!(matches!(s.error, PhotoError::NotAnImage), "{line}"),
            "truncated.jpg" => assert!(matches!(s.error, PhotoError::Damaged(_)), "{line}"),
            other => panic!("unexpected skip {other}"),
        }
    }
    let names: Vec<_> = loaded
        .tiles
        .iter()
        .map(|t| t.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in [
        "cmyk.jpg",
        "gray.jpg",
        "progressive.jpg",
        "rgba16.png",
        "palette.png",
        "photo.webp",
        "photo.gif",
        "photo.bmp",
        "photo.tiff",
        "rotated-exif6.jpg",
        "写真-東京.jpg",
        "large.jpg",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    for tile in &loaded.tiles {
        assert_eq!(
            (tile.pixels.width_px, tile.pixels.height_px),
            (40, 30),
            "{}",
            tile.path.display()
        );
    }
}

fn pixel(tile: &gridreel::photos::TilePixels, x: u32, y: u32) -> [u8; 3] {
    let at = ((y * tile.width_px + x) * 4) as usize;
    [tile.rgba[at], tile.rgba[at + 1], tile.rgba[at + 2]]
}

fn is_red(p: [u8; 3]) -> bool {
    p[0] > 180 && p[1] < 80 && p[2] < 80
}

fn is_blue(p: [u8; 3]) -> bool {
    p[2] > 180 && p[0] < 80 && p[1] < 80
}

#[test]
fn exif_rotated_photo_comes_out_upright() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rotated.jpg");
    common::write_rotated_jpeg(&path);
    let tile = gridreel::photos::decode_tile(&path, &spec()).unwrap();
    assert!(is_red(pixel(&tile, 20, 3)), "top {:?}", pixel(&tile, 20, 3));
    assert!(
        is_blue(pixel(&tile, 20, 27)),
        "bottom {:?}",
        pixel(&tile, 20, 27)
    );
}

#[test]
fn cmyk_gray_and_16bit_alpha_decode_to_the_right_colours() {
    let f = common::fixtures();
    let cmyk = gridreel::photos::decode_tile(&f.join("cmyk.jpg"), &spec()).unwrap();
    assert!(
        is_red(pixel(&cmyk, 20, 3)) && is_blue(pixel(&cmyk, 20, 27)),
        "{:?}",
        pixel(&cmyk, 20, 3)
    );
    let gray = gridreel::photos::decode_tile(&f.join("gray.jpg"), &spec()).unwrap();
    let p = pixel(&gray, 20, 3);
    assert!(p[0] == p[1] && p[1] == p[2], "gray stays gray: {p:?}");
    // 60 % opaque red over the green background.
    let alpha = gridreel::photos::decode_tile(&f.join("rgba16.png"), &spec()).unwrap();
    let p = pixel(&alpha, 20, 3);
    assert!(
        p[0] > 130 && p[0] < 175 && p[1] > 80 && p[1] < 125 && p[2] < 20,
        "{p:?}"
    );
}

#[test]
fn large_photo_becomes_a_tile_sized_texture() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jpg");
    common::write_photo(&path, 1, 5640, 3172);
    let mut s = spec();
    (s.width_px, s.height_px) = (240, 180);
    let tile = gridreel::photos::decode_tile(&path, &s).unwrap();
    assert_eq!(
        (tile.width_px, tile.height_px, tile.rgba.len()),
        (240, 180, 240 * 180 * 4)
    );
}
