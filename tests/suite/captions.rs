//! Captions in exported videos: drawn in the tile's bottom band and moving with the tile,
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
