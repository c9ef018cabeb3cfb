//! Video clips as still tiles (`--clips still`): each container and codec decodes to its
//! frame at 1 s (the first of a shorter clip), a phone's portrait clip comes out upright, bad
//! ones are skipped with the reason, and `--clips skip` leaves them out. The fixtures are made
//! by `tests/fixtures/clips/make.sh`: 64x48, green for 1 s then blue, a red 16x12 marker in the
//! stored top-left corner.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use gridreel::photos::{PhotoError, TilePixels, TileSpec, decode_tile_sized, load_tiles, probe};
use gridreel::settings::{Aspect, Color, CropAnchor};

use crate::common;

fn clips() -> std::path::PathBuf {
    common::fixtures().join("clips")
}

/// A tile the clip's own size and aspect: nothing cropped, nothing scaled.
pub(crate) fn spec(w: u32, h: u32) -> TileSpec {
    TileSpec {
        width_px: w,
        height_px: h,
        aspect: Aspect::new(f64::from(w), f64::from(h)),
        anchor: CropAnchor::Center,
        focus: None,
        background: Color::rgb(255, 255, 255),
    }
}

fn pixel(tile: &TilePixels, x: u32, y: u32) -> [u8; 3] {
    let at = ((y * tile.width_px + x) * 4) as usize;
    [tile.rgba[at], tile.rgba[at + 1], tile.rgba[at + 2]]
}

/// Whether `got` is within 40 of `want` in every channel (lossy codecs, small frames).
fn near(got: [u8; 3], want: [u8; 3]) -> bool {
    got.iter().zip(want).all(|(g, w)| g.abs_diff(w) <= 40)
}

const RED: [u8; 3] = [224, 0, 0];
const GREEN: [u8; 3] = [0, 192, 0];
const BLUE: [u8; 3] = [0, 0, 224];

/// FFmpeg's own picture of the clip's first frame at or after 1 s, turned upright by its
/// display matrix as players do, as RGB24.
fn ffmpeg_frame_at_1s(path: &Path) -> Vec<u8> {
    common::ffmpeg_output(
        path,
        &[
            "-vf",
            "select=gte(t\\,1)",
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
    )
}

#[test]
fn every_container_and_codec_gives_its_frame_at_one_second() {
    for name in [
        "h264.mp4",
        "hevc10.mov",
        "vp9.webm",
        "h264.mkv",
        "av1.mkv",
        "SHOUTING.M4V",
        // Its first frame at 5 s: the frame 1 s into it, at 6 s.
        "offset.mkv",
    ] {
        let path = clips().join(name);
        probe(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (tile, full) =
            decode_tile_sized(&path, &spec(64, 48)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((tile.width_px, tile.height_px, full), (64, 48, (64, 48)));
        // Blue from 1 s on (green before), the marker top-left.
        assert!(
            near(pixel(&tile, 40, 30), BLUE),
            "{name}: {:?}",
            pixel(&tile, 40, 30)
        );
        assert!(
            near(pixel(&tile, 4, 4), RED),
            "{name}: {:?}",
            pixel(&tile, 4, 4)
        );
        let psnr = common::psnr_rgb_vs_rgba(&ffmpeg_frame_at_1s(&path), &tile.rgba);
        eprintln!("{name}: {psnr:.1} dB against FFmpeg's frame at 1 s");
        assert!(psnr > 30.0, "{name}: {psnr:.1} dB against FFmpeg's frame");
    }
    // Shorter than 1 s: its first frame, still green.
    let (tile, _) = decode_tile_sized(&clips().join("short.mp4"), &spec(64, 48)).unwrap();
    assert!(
        near(pixel(&tile, 40, 30), GREEN),
        "{:?}",
        pixel(&tile, 40, 30)
    );
}

/// The clip is cropped and scaled like a photo: to a square tile the middle of the frame,
/// to a small one averaged down.
#[test]
fn a_clip_is_cropped_and_scaled_to_its_tile_like_a_photo() {
    let path = clips().join("h264.mp4");
    let square = TileSpec {
        aspect: Aspect::new(1.0, 1.0),
        ..spec(24, 24)
    };
    let (tile, _) = decode_tile_sized(&path, &square).unwrap();
    assert_eq!((tile.width_px, tile.height_px), (24, 24));
    // The crop is 48x48 from x = 8: the marker (x < 16, y < 12) shows in the top-left
    // sixth, scaled by a half.
    assert!(near(pixel(&tile, 1, 1), RED), "{:?}", pixel(&tile, 1, 1));
    assert!(near(pixel(&tile, 6, 2), BLUE), "{:?}", pixel(&tile, 6, 2));
    let left = TileSpec {
        anchor: CropAnchor::Left,
        ..square
    };
    let (tile, _) = decode_tile_sized(&path, &left).unwrap();
    assert!(
        near(pixel(&tile, 6, 2), RED),
        "left anchor: {:?}",
        pixel(&tile, 6, 2)
    );
}

/// A phone's portrait clip (stored 64x48, its display matrix turning it 90° clockwise, as
/// an iPhone writes it) is a 48x64 picture with the marker top-right, as FFmpeg shows it.
#[test]
fn a_portrait_clip_comes_out_upright() {
    let path = clips().join("portrait.mov");
    let (tile, full) = decode_tile_sized(&path, &spec(48, 64)).unwrap();
    assert_eq!(full, (48, 64), "the upright size");
    assert!(
        near(pixel(&tile, 42, 4), RED),
        "top-right {:?}",
        pixel(&tile, 42, 4)
    );
    for (x, y) in [(4, 4), (4, 58), (42, 58), (24, 32)] {
        assert!(
            near(pixel(&tile, x, y), BLUE),
            "({x}, {y}): {:?}",
            pixel(&tile, x, y)
        );
    }
    let psnr = common::psnr_rgb_vs_rgba(&ffmpeg_frame_at_1s(&path), &tile.rgba);
    assert!(psnr > 30.0, "{psnr:.1} dB against FFmpeg's upright frame");
}

/// A bad clip's file name, the kind of its error and words of its skip line.
type Expected = (&'static str, fn(&PhotoError) -> bool, &'static str);

/// Bad clips are skipped with the reason, each named: cut off before its index, audio only,
/// a text file named .mov, an empty one, and one declaring 16000x16000 pixels (refused from
/// the container's header, before the streams are probed or a frame decoded).
#[test]
fn bad_clips_are_skipped_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "truncated.mp4",
        "no-video.mp4",
        "not-a-video.mov",
        "huge.mov",
    ] {
        std::fs::copy(clips().join(name), dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join("empty.webm"), b"").unwrap();
    let expected: [Expected; 5] = [
        (
            "truncated.mp4",
            |e| matches!(e, PhotoError::Damaged(_)),
            "damaged or unreadable image (an MP4/MOV file with no streams: cut off before its index",
        ),
        (
            "no-video.mp4",
            |e| matches!(e, PhotoError::NoVideoStream),
            "a clip without a video stream",
        ),
        (
            "not-a-video.mov",
            |e| matches!(e, PhotoError::NotAVideo),
            "not a video",
        ),
        (
            "huge.mov",
            |e| matches!(e, PhotoError::TooLarge(_)),
            "declares 16000×16000 pixels; the limit for a clip is 8192 pixels a side",
        ),
        (
            "empty.webm",
            |e| matches!(e, PhotoError::Empty),
            "empty file",
        ),
    ];
    let paths: Vec<_> = expected.iter().map(|(n, ..)| dir.path().join(n)).collect();
    let started = std::time::Instant::now();
    let loaded = load_tiles(&paths, &spec(64, 48), 2, &AtomicBool::new(false), &|_| {});
    assert!(loaded.tiles.is_empty());
    assert_eq!(loaded.skipped.len(), 5);
    for (s, (name, kind, words)) in loaded.skipped.iter().zip(expected) {
        let line = s.to_string();
        assert!(s.path.ends_with(name) && kind(&s.error), "{line}");
        assert!(line.contains(words) && line.ends_with(name), "{line}");
        // The header probe refuses what the decode refuses.
        assert_eq!(
            probe(&s.path).unwrap_err().to_string(),
            s.error.to_string(),
            "{name}"
        );
        eprintln!("{line}");
    }
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
}

/// `gridreel render`: with `--clips still` (the default) the clips are tiles like the photos;
/// with `--clips skip` they are left out, each named with the reason; a preset says the
/// same with `clips: skip`.
#[test]
fn clips_skip_leaves_videos_out_and_still_keeps_them() {
    let photos = tempfile::tempdir().unwrap();
    for i in 0..3 {
        common::write_photo(&photos.path().join(format!("p{i}.jpg")), i, 64, 48);
    }
    for name in ["h264.mp4", "portrait.mov"] {
        std::fs::copy(clips().join(name), photos.path().join(name)).unwrap();
    }
    let out_dir = tempfile::tempdir().unwrap();
    let preset = out_dir.path().join("skip.ron");
    std::fs::write(&preset, "(clips: skip)").unwrap();
    let small = [
        "--rows",
        "1",
        "--cols",
        "5",
        "--tile-height",
        "48",
        "--duration",
        "0.2",
    ];
    let render = |extra: &[&str], name: &str| {
        let out = out_dir.path().join(name);
        let mut args = small.to_vec();
        args.extend_from_slice(extra);
        let run = common::render_to(photos.path(), &out, &args);
        let err = String::from_utf8_lossy(&run.stderr).into_owned();
        assert!(run.status.success(), "{err}");
        err
    };
    let kept = render(&[], "still.mp4");
    assert!(kept.contains("5 photos (0 skipped)"), "{kept}");
    let kept = render(&["--clips", "still"], "still2.mp4");
    assert!(kept.contains("5 photos (0 skipped)"), "{kept}");
    // A render into the photo folder, run again, replaces its video: not one of its clips.
    let inside = photos.path().join("grid.mp4");
    for _ in 0..2 {
        let mut args = small.to_vec();
        args.push("--overwrite");
        let run = common::render_to(photos.path(), &inside, &args);
        let err = String::from_utf8_lossy(&run.stderr).into_owned();
        assert!(
            run.status.success() && err.contains("5 photos (0 skipped)"),
            "{err}"
        );
    }
    std::fs::remove_file(&inside).unwrap();
    for (extra, name) in [
        (vec!["--clips", "skip"], "skip.mp4"),
        (vec!["--preset", preset.to_str().unwrap()], "preset.mp4"),
    ] {
        let left_out = render(&extra, name);
        assert!(left_out.contains("3 photos (2 skipped)"), "{left_out}");
        for clip in ["h264.mp4", "portrait.mov"] {
            let line = format!(
                "skipped: a video clip, left out (clips: skip): {}",
                photos.path().join(clip).display()
            );
            assert!(left_out.contains(&line), "{line} in {left_out}");
        }
    }
}

/// The editor lists clips beside the photos, each with its still frame as its thumbnail,
/// turned upright, a film badge on it and its length beside its name.
#[test]
fn the_editor_lists_clips_with_their_still_frame() {
    use crate::common::editor::{all_loaded, step_until};
    use egui_kittest::kittest::Queryable;
    let dir = tempfile::tempdir().unwrap();
    common::write_photo(&dir.path().join("a.jpg"), 1, 64, 48);
    for name in ["h264.mp4", "portrait.mov"] {
        std::fs::copy(clips().join(name), dir.path().join(name)).unwrap();
    }
    let folder = dir.path().to_owned();
    let mut h = egui_kittest::Harness::builder()
        .with_size([1200.0, 800.0])
        .wgpu()
        .build_eframe(move |cc| {
            crate::common::editor::in_harness(
                cc,
                None,
                gridreel::app::StartOptions {
                    images: Some(folder),
                    files: Vec::new(),
                    settings: None,
                    soak: None,
                    bare: None,
                    hud: false,
                    paint_panels: false,
                },
            )
        });
    step_until(&mut h, "the photo and the clips", |app| all_loaded(app, 3));
    h.run_steps(2);
    let app = h.state();
    let entry = |name: &str| {
        app.editor
            .photos
            .iter()
            .find(|p| p.path.ends_with(name))
            .unwrap()
    };
    let clip = entry("h264.mp4");
    assert_eq!(clip.photo_px, Some((64, 48)));
    let thumb = clip.thumb.as_ref().unwrap();
    assert!(near(
        pixel(thumb, thumb.width_px * 3 / 4, thumb.height_px * 3 / 4),
        BLUE
    ));
    // Cropped to 4:3 from the upright 48x64 picture: its middle, all blue.
    assert_eq!(entry("portrait.mov").photo_px, Some((48, 64)));
    assert!(app.editor.skipped.is_empty(), "{:?}", app.editor.skipped);
    // Each clip's row says it is one, and its length; the photo's does not.
    assert_eq!(entry("a.jpg").clip_secs, None);
    assert_eq!(h.query_all_by_label("clip 2.0 s").count(), 2);
}

/// A Live Photo, a still and a `.MOV` of the same base name in one folder (any case), is one
/// tile, the still; two files with different names are two tiles. `--clips skip` then leaves
/// out only the clip of its own, not the Live Photo's motion, which is no tile.
#[test]
fn a_live_photo_pair_is_one_tile_and_unrelated_files_are_two() {
    let dir = tempfile::tempdir().unwrap();
    let copy = |from: &Path, to: &str| std::fs::copy(from, dir.path().join(to)).unwrap();
    copy(
        &common::fixtures().join("phone/photo.heic"),
        "IMG_0001.HEIC",
    );
    copy(&clips().join("h264.mp4"), "img_0001.MOV");
    common::write_photo(&dir.path().join("IMG_0002.jpg"), 2, 64, 48);
    copy(&clips().join("portrait.mov"), "IMG_0003.MOV");
    let scan = gridreel::photos::scan_folder(dir.path(), false).unwrap();
    let names: Vec<_> = scan
        .photos
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap())
        .collect();
    assert_eq!(names, ["IMG_0001.HEIC", "IMG_0002.jpg", "IMG_0003.MOV"]);
    assert_eq!(scan.live_motions, [dir.path().join("img_0001.MOV")]);
    assert!(scan.skipped.is_empty());

    let out_dir = tempfile::tempdir().unwrap();
    let small = [
        "--rows",
        "1",
        "--cols",
        "4",
        "--tile-height",
        "48",
        "--duration",
        "0.2",
    ];
    for (clips_mode, summary) in [
        ("still", "3 photos (0 skipped)"),
        ("skip", "2 photos (1 skipped)"),
    ] {
        let mut args = small.to_vec();
        args.extend(["--clips", clips_mode]);
        let out = out_dir.path().join(format!("{clips_mode}.mp4"));
        let run = common::render_to(dir.path(), &out, &args);
        let err = String::from_utf8_lossy(&run.stderr).into_owned();
        assert!(
            run.status.success() && err.contains(summary),
            "{clips_mode}: {err}"
        );
        assert!(!err.contains("img_0001.MOV"), "{err}");
    }
}

/// A clip's length, as the photo list shows it, comes from its container's header alone.
#[test]
fn a_clips_length_is_read_from_its_header() {
    use gridreel::photos::clip_length_secs;
    for (name, secs) in [
        ("h264.mp4", 2.0),
        ("hevc10.mov", 2.0),
        ("vp9.webm", 2.0),
        ("av1.mkv", 2.0),
        ("portrait.mov", 2.0),
        // Cut with `-t 0.5` at a key frame: 7 frames at 10 fps.
        ("short.mp4", 0.7),
    ] {
        let got = clip_length_secs(&clips().join(name));
        assert!(
            got.is_some_and(|g| (g - secs).abs() < 0.05),
            "{name}: {got:?}"
        );
    }
    for name in ["not-a-video.mov", "truncated.mp4"] {
        assert_eq!(clip_length_secs(&clips().join(name)), None, "{name}");
    }
    assert_eq!(clip_length_secs(&common::fixtures().join("gray.jpg")), None);
}
