//! Captions in exported videos: drawn in the tile's bottom band or on a line under it, and
//! moving with the tile,
//! set in bulk from a sidecar whose bad entries are named, carried by presets.

use std::path::Path;

use crate::common;
use crate::words::{SMALL, photos, render, stderr, yuv_frame};

/// In `words::SMALL`: 2x3 tiles 40 px high in a 320x240 frame, the grid's top at y = 80,
/// moving left 120 px a frame (it enters at x = 320 at frame 0).
const GRID_TOP: usize = 80;
const TILE_H: usize = 40;
const STEP_PX: usize = 120;

/// Luma of frame `index` (320x240).
fn luma(video: &Path, index: u64) -> Vec<u8> {
    yuv_frame(video, index)[..320 * 240].to_vec()
}

/// The pixels where two frames' luma differ, as (x, y).
fn changed(a: &[u8], b: &[u8]) -> Vec<(usize, usize)> {
    (0..240)
        .flat_map(|y| (0..320).map(move |x| (x, y)))
        .filter(|&(x, y)| a[y * 320 + x] != b[y * 320 + x])
        .collect()
}

/// A name caption changes the bottom band of its tiles and nothing else (no pixel outside
/// the grid's rows, none in a tile's upper half), and moves with its tile: what changed in
/// frame 2 changed 120 px to the right in frame 1, where the grid was then.
#[test]
fn a_caption_changes_its_tiles_bottom_band_and_moves_with_the_tile() {
    let photos = photos();
    let tmp = tempfile::tempdir().unwrap();
    let (plain, captioned) = (tmp.path().join("plain.mp4"), tmp.path().join("cap.mp4"));
    render(photos.path(), &plain, &[]);
    let caption = ["--captions", "name", "--caption-size", "0.25"];
    render(photos.path(), &captioned, &caption);
    let (one, two) = (
        changed(&luma(&plain, 1), &luma(&captioned, 1)),
        changed(&luma(&plain, 2), &luma(&captioned, 2)),
    );
    for (frame, pixels) in [(1, &one), (2, &two)] {
        assert!(
            pixels.len() > 300,
            "frame {frame}: {} changed",
            pixels.len()
        );
        for &(x, y) in pixels {
            assert!(
                (GRID_TOP..GRID_TOP + 2 * TILE_H).contains(&y),
                "frame {frame}: {x},{y} is outside the grid's rows"
            );
            assert!(
                (y - GRID_TOP) % TILE_H >= TILE_H / 2,
                "frame {frame}: {x},{y} is in a tile's upper half"
            );
        }
    }
    let in_one: std::collections::HashSet<_> = one.iter().copied().collect();
    let movable: Vec<_> = two.iter().filter(|(x, _)| x + STEP_PX < 320).collect();
    let moved = movable
        .iter()
        .filter(|(x, y)| in_one.contains(&(x + STEP_PX, *y)))
        .count();
    assert!(
        movable.len() > 300 && moved * 100 >= movable.len() * 95,
        "{moved} of {} changed pixels of frame 2 changed 120 px to the right in frame 1",
        movable.len()
    );
}

/// Captions under the tiles: each row of cells grows by a caption line (40 px tiles with
/// 10 px letters: 19 rows), so the grid is 118 px high and its top at y = 61. The photos'
/// rows are the plain render's, moved to their new rows; the caption lines under them show
/// the background and the captions' letters, which move with their tile; nothing is drawn
/// above or below the grid. A caption font that is not installed exits 2 naming it.
#[test]
fn captions_below_the_tiles_sit_on_a_line_under_each_photo_and_move_with_it() {
    let photos = photos();
    let tmp = tempfile::tempdir().unwrap();
    let (plain, below) = (tmp.path().join("plain.mp4"), tmp.path().join("below.mp4"));
    render(photos.path(), &plain, &[]);
    let caption = [
        "--captions",
        "name",
        "--caption-size",
        "0.25",
        "--caption-place",
        "below",
    ];
    render(photos.path(), &below, &caption);
    let (top, cell_h) = (61, TILE_H + 19);
    let row = |frame: &[u8], y: usize| frame[y * 320..(y + 1) * 320].to_vec();
    // BT.709 limited-range luma of the blue background, and of the letters (white).
    let background = |y: u8| y.abs_diff(32) <= 2;
    let mut letters = Vec::new();
    for frame in [1, 2] {
        let (p, b) = (luma(&plain, frame), luma(&below, frame));
        for r in 0..2 {
            for k in 0..TILE_H {
                assert_eq!(
                    row(&b, top + r * cell_h + k),
                    row(&p, GRID_TOP + r * TILE_H + k),
                    "frame {frame}: photo row {k} of grid row {r}"
                );
            }
        }
        for y in (0..top).chain(top + 2 * cell_h..240) {
            assert!(
                row(&b, y).into_iter().all(background),
                "frame {frame}: row {y}"
            );
        }
        let lit: Vec<(usize, usize)> = (0..2)
            .flat_map(|r| top + r * cell_h + TILE_H..top + (r + 1) * cell_h)
            .flat_map(|y| (0..320).map(move |x| (x, y)))
            .filter(|&(x, y)| b[y * 320 + x] > 100)
            .collect();
        assert!(
            lit.len() > 100,
            "frame {frame}: {} letter pixels",
            lit.len()
        );
        letters.push(lit);
    }
    // Each letter pixel of frame 2 is a letter pixel 120 px to the right in frame 1, give
    // or take a pixel (the grid moves 119.75 px a frame: 479 px in 4 frames).
    let one = luma(&below, 1);
    let movable: Vec<_> = letters[1]
        .iter()
        .filter(|(x, _)| x + STEP_PX < 319)
        .collect();
    let moved = movable
        .iter()
        .filter(|&&&(x, y)| (x + STEP_PX - 1..=x + STEP_PX + 1).any(|x| one[y * 320 + x] > 80))
        .count();
    assert!(
        movable.len() > 100 && moved * 100 >= movable.len() * 98,
        "{moved} of {} letter pixels of frame 2 were 120 px to the right in frame 1",
        movable.len()
    );
    let mut args = SMALL.to_vec();
    args.extend(["--captions", "name", "--caption-font", "No Such Font"]);
    let run = common::render_to(photos.path(), &tmp.path().join("x.mp4"), &args);
    let err = stderr(&run);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(
        err.contains("captions.font: no font named `No Such Font` is installed"),
        "{err}"
    );
}

/// `words::SMALL` with `--captions sidecar` and `extra`.
fn with_sidecar(photos: &Path, out: &Path, sidecar: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = SMALL.to_vec();
    args.extend(["--captions", sidecar.to_str().unwrap()]);
    args.extend_from_slice(extra);
    common::render_to(photos, out, &args)
}

/// A sidecar's entries naming no photo of the folder stop the render with exit 2 before
/// it starts, naming them and the sidecar; a caption no font shows is refused naming the
/// characters and the photo; control characters are left out with a note.
#[test]
fn sidecar_entries_for_missing_photos_or_unshowable_text_exit_2_naming_them() {
    let photos = photos();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.mp4");
    let csv = tmp.path().join("captions.csv");
    std::fs::write(&csv, "path,text\np1.jpg,Grandma\nnope.jpg,x\ngone.jpg,y\n").unwrap();
    let run = with_sidecar(photos.path(), &out, &csv, &[]);
    let err = stderr(&run);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(
        err.contains("2 entries name no photo") && err.contains("nope.jpg, gone.jpg"),
        "{err}"
    );
    assert!(err.trim_end().ends_with("captions.csv"), "{err}");
    assert!(!out.exists());

    let ron = tmp.path().join("captions.ron");
    std::fs::write(&ron, "{\"p2.jpg\": \"Knossos \u{10000}\"}").unwrap();
    let run = with_sidecar(photos.path(), &out, &ron, &[]);
    let err = stderr(&run);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(err.contains("U+10000") && err.contains("p2.jpg"), "{err}");
    assert!(!out.exists());

    std::fs::write(&csv, "p1.jpg,\"Gran\u{7}dma\"\n").unwrap();
    let run = with_sidecar(photos.path(), &out, &csv, &["--print-settings"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let printed = String::from_utf8_lossy(&run.stdout);
    assert!(printed.contains("\"Grandma\""), "{printed}");
    assert!(
        stderr(&run).contains("control characters left out"),
        "{}",
        stderr(&run)
    );
}

/// The captions' look and own texts go through a preset and back; a preset written before
/// captions existed still loads, without them.
#[test]
fn a_preset_carries_the_captions_and_old_presets_still_load() {
    let tmp = tempfile::tempdir().unwrap();
    let preset = tmp.path().join("mine.ron");
    std::fs::write(
        &preset,
        "(rows: 2, captions: (show: folder, size: 0.2, color: \"#ffcc00\", band: false, \
         texts: {\"a.jpg\": \"京都\"}))",
    )
    .unwrap();
    let run = common::gridreel(&[
        "render",
        "--preset",
        preset.to_str().unwrap(),
        "--print-settings",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let printed = String::from_utf8_lossy(&run.stdout).into_owned();
    let settings: gridreel::settings::Settings = ron::from_str(&printed).unwrap();
    let captions = &settings.captions;
    assert_eq!(captions.show, gridreel::settings::CaptionSource::Folder);
    assert_eq!((captions.size, captions.band), (0.2, false));
    assert_eq!(captions.texts[Path::new("a.jpg")], "京都");
    let old = tmp.path().join("old.ron");
    std::fs::write(&old, "(rows: 3, cols: 4)").unwrap();
    let run = common::gridreel(&[
        "render",
        "--preset",
        old.to_str().unwrap(),
        "--print-settings",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(!String::from_utf8_lossy(&run.stdout).contains("captions"));
}
