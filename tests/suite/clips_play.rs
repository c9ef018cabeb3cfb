//! Clips that play in their cells (`--clips loop|once`) and Live Photos that move
//! (`--live-photos motion`). The fixture `clips/counter.mp4` (made by
//! `tests/fixtures/clips/make.sh`) is 3 s at 10 fps, frame N a flat grey of its own level, so
//! a cell's level says which frame of the clip it shows; FFmpeg's own decode of it is the
//! reference. The grid stands still (`--speed 0`) and the video is lossless, so a cell's pixels
//! can be read straight from every frame.

use std::path::Path;

use crate::common;

/// A 1×3 grid of 128×96 tiles.
const TILE: (usize, usize) = (128, 96);

fn clip(name: &str) -> std::path::PathBuf {
    common::fixtures().join("clips").join(name)
}

/// Every frame of `video` as RGB24, `width` pixels wide.
fn all_frames(video: &Path, width: usize, height: usize) -> Vec<Vec<u8>> {
    let rgb = common::ffmpeg_output(
        video,
        &[
            "-vf",
            "scale=in_color_matrix=bt709:in_range=tv:out_range=pc:flags=bicubic+accurate_rnd+full_chroma_int",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
    );
    rgb.chunks_exact(width * height * 3)
        .map(<[u8]>::to_vec)
        .collect()
}

/// The mean level of the cell whose left edge is at `x0` (its inside, 6 px in from every
/// edge), and how far its pixels spread around it.
fn cell_level(frame: &[u8], width: usize, x0: usize) -> (f64, u8) {
    let (mut sum, mut n, mut lo, mut hi) = (0f64, 0f64, 255u8, 0u8);
    for y in 6..TILE.1 - 6 {
        for x in x0 + 6..x0 + TILE.0 - 6 {
            let g = frame[(y * width + x) * 3 + 1];
            sum += f64::from(g);
            n += 1.0;
            lo = lo.min(g);
            hi = hi.max(g);
        }
    }
    (sum / n, hi - lo)
}

/// The levels of the clip's frames as FFmpeg decodes them (the reference).
fn reference_levels(path: &Path) -> Vec<f64> {
    all_frames(path, 64, 48)
        .iter()
        .map(|f| f.chunks_exact(3).map(|p| f64::from(p[1])).sum::<f64>() / (64.0 * 48.0))
        .collect()
}

/// Renders `photos` into a lossless `frame_w`×96 video of a still 1×3 grid; its stderr.
fn render(photos: &Path, out: &Path, frame_w: usize, secs: &str, extra: &[&str]) -> String {
    let size = format!("{frame_w}x{}", TILE.1);
    let mut args = vec![
        "--rows",
        "1",
        "--cols",
        "3",
        "--tile-height",
        "96",
        "--aspect",
        "4:3",
        "--frame",
        &size,
        "--speed",
        "0",
        "--duration",
        secs,
        "--fps",
        "10",
        "--encoder",
        "libx264",
        "--quality",
        "0",
    ];
    args.extend_from_slice(extra);
    let run = common::render_to(photos, out, &args);
    let err = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(run.status.success(), "{err}");
    err
}

/// The clip's cell shows the clip's frame at each time (looping over its 3 s, or held at its
/// last frame), the photos' cells never change, through the ring (a frame width that is a
/// multiple of 8) and through the tile array (one that is not).
#[test]
fn a_playing_clip_shows_its_frame_at_each_time_and_the_photos_stand_still() {
    let photos = tempfile::tempdir().unwrap();
    std::fs::copy(clip("counter.mp4"), photos.path().join("a.mp4")).unwrap();
    common::write_photo(&photos.path().join("b.jpg"), 1, 128, 96);
    common::write_photo(&photos.path().join("c.jpg"), 2, 128, 96);
    let reference = reference_levels(&clip("counter.mp4"));
    assert_eq!(reference.len(), 30);
    let out_dir = tempfile::tempdir().unwrap();
    for (mode, frame_w) in [("loop", 384), ("once", 384), ("loop", 390)] {
        let out = out_dir.path().join(format!("{mode}-{frame_w}.mp4"));
        render(photos.path(), &out, frame_w, "4", &["--clips", mode]);
        let frames = all_frames(&out, frame_w, TILE.1);
        assert_eq!(frames.len(), 40, "{mode} {frame_w}");
        // The grid (384 px) centred in the frame.
        let x0 = (frame_w - 3 * TILE.0) / 2;
        for (i, frame) in frames.iter().enumerate() {
            let k = if mode == "loop" { i % 30 } else { i.min(29) };
            let (level, spread) = cell_level(frame, frame_w, x0);
            assert!(
                (level - reference[k]).abs() <= 2.0 && spread <= 4,
                "{mode} {frame_w}: frame {i} shows level {level:.1} (spread {spread}), \
                 the clip's frame {k} is {:.1}",
                reference[k]
            );
            for cell in 1..3 {
                let at = |f: &[u8]| cell_level(f, frame_w, x0 + cell * TILE.0);
                assert_eq!(
                    at(frame),
                    at(&frames[0]),
                    "{mode}: photo cell {cell} changed"
                );
            }
        }
    }
}

/// A clip whose data stops a tenth of the way in holds its last good frame from then on, and
/// the export names it with the reason.
#[test]
fn a_clip_cut_off_midway_holds_its_last_good_frame_and_is_named() {
    let photos = tempfile::tempdir().unwrap();
    std::fs::copy(clip("cut-midway.mp4"), photos.path().join("a.mp4")).unwrap();
    common::write_photo(&photos.path().join("b.jpg"), 1, 128, 96);
    let out = photos.path().join("out.mp4");
    let err = render(photos.path(), &out, 384, "2", &["-v"]);
    assert!(
        err.contains("a.mp4 stopped playing") && err.contains("cut off or damaged"),
        "{err}"
    );
    let reference = reference_levels(&clip("counter.mp4"));
    let frames = all_frames(&out, 384, TILE.1);
    let decodable = reference_levels(&clip("cut-midway.mp4")).len();
    assert!((2..10).contains(&decodable), "{decodable} frames decode");
    let last = reference[decodable - 1];
    for (i, frame) in frames.iter().enumerate() {
        let (level, _) = cell_level(frame, 384, 0);
        let want = reference[i.min(decodable - 1)];
        assert!(
            (level - want).abs() <= 2.0,
            "frame {i}: level {level:.1}, want {want:.1} (the last good frame is {last:.1})"
        );
    }
}

/// A Live Photo (a still and a .MOV of its name) is one tile whose motion plays with
/// `--live-photos motion` (the default) and that stands still with `--live-photos still`.
#[test]
fn a_live_photo_moves_or_stands_still() {
    let photos = tempfile::tempdir().unwrap();
    common::write_photo(&photos.path().join("IMG_0001.JPG"), 3, 128, 96);
    std::fs::copy(clip("counter.mov"), photos.path().join("IMG_0001.MOV")).unwrap();
    common::write_photo(&photos.path().join("IMG_0002.JPG"), 4, 128, 96);
    let reference = reference_levels(&clip("counter.mov"));
    for mode in ["motion", "still"] {
        let out = photos.path().join(format!("{mode}.mp4"));
        render(photos.path(), &out, 384, "2", &["--live-photos", mode]);
        let frames = all_frames(&out, 384, TILE.1);
        assert_eq!(frames.len(), 20);
        for (i, frame) in frames.iter().enumerate() {
            let (level, spread) = cell_level(frame, 384, 0);
            if mode == "motion" {
                assert!(
                    (level - reference[i]).abs() <= 2.0 && spread <= 4,
                    "frame {i}: level {level:.1}, the motion's frame is {:.1}",
                    reference[i]
                );
            } else {
                assert_eq!(
                    cell_level(frame, 384, 0),
                    cell_level(&frames[0], 384, 0),
                    "frame {i}: the still moved"
                );
                // The still, not a flat frame of the motion.
                assert!(spread > 20, "frame {i}: spread {spread}");
            }
        }
    }
}

/// The editor's preview plays the clip in its cell, in step with the play head (scrubbed
/// here, paused), while the photos' cells stay as they are.
#[test]
fn the_editor_plays_a_clip_in_its_cell() {
    use crate::common::editor::{all_loaded, harness_on, step_until};
    use egui_kittest::kittest::Queryable;
    use gridreel::app::EditorApp;
    use gridreel::settings::{FrameSize, Settings};
    let photos = tempfile::tempdir().unwrap();
    std::fs::copy(clip("counter.mp4"), photos.path().join("a.mp4")).unwrap();
    common::write_photo(&photos.path().join("b.jpg"), 1, 128, 96);
    common::write_photo(&photos.path().join("c.jpg"), 2, 128, 96);
    let settings = Settings {
        frame: FrameSize::Custom {
            width_px: 384,
            height_px: 96,
        },
        rows: 1,
        cols: 3,
        tile_height_px: 96,
        speed: 0.0,
        ..Settings::default()
    };
    let mut h = harness_on(Some(photos.path().to_owned()), settings);
    step_until(&mut h, "the clip and the photos", |app| all_loaded(app, 3));
    h.get_by_label("Pause").click();
    h.run_steps(2);
    let preview = h.state().preview_frame_rect;
    let mut at = |t: f64| {
        h.state_mut().editor.time_secs = t;
        h.run_steps(2);
        step_until(
            &mut h,
            "the preview's tiles and clip frames",
            |app: &EditorApp| app.preview_tiles_resident() && !app.preview_busy(),
        );
        h.run_steps(1);
        let image = h.render().expect("render");
        // The frame scaled into the preview: a third of its width is a cell.
        let third = preview.width() / 3.0;
        let cell = |i: f32, image: &image::RgbaImage| {
            let x = (preview.min.x + third * i + 6.0) as u32;
            let y = (preview.min.y + 6.0) as u32;
            let (w, hh) = ((third - 12.0) as u32, (preview.height() - 12.0) as u32);
            image::imageops::crop_imm(image, x, y, w, hh).to_image()
        };
        (cell(0.0, &image), cell(1.0, &image), cell(2.0, &image))
    };
    let mean = |img: &image::RgbaImage| {
        img.pixels().map(|p| f64::from(p.0[1])).sum::<f64>() / f64::from(img.width() * img.height())
    };
    let reference = reference_levels(&clip("counter.mp4"));
    let early = at(0.2);
    let late = at(2.5);
    // Frames 2 and 25 of the clip; the preview is sRGB-encoded like the export's RGB.
    assert!(
        (mean(&early.0) - reference[2]).abs() <= 3.0,
        "{} vs {}",
        mean(&early.0),
        reference[2]
    );
    assert!(
        (mean(&late.0) - reference[25]).abs() <= 3.0,
        "{} vs {}",
        mean(&late.0),
        reference[25]
    );
    assert_eq!(early.1, late.1, "a photo's cell changed");
    assert_eq!(early.2, late.2, "a photo's cell changed");
}

/// A variable frame rate is sampled by time: the fixture's first 10 frames are 0.1 s apart
/// and the next 10 are 0.05 s apart, so counting frames at one rate would drift by half.
#[test]
fn a_variable_frame_rate_is_sampled_by_time() {
    let path = clip("vfr.mkv");
    // FFmpeg's frames in order (as stored, no rate imposed).
    let reference: Vec<f64> = common::ffmpeg_output(
        &path,
        &[
            "-vsync",
            "passthrough",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
    )
    .chunks_exact(64 * 48 * 3)
    .map(|f| f.chunks_exact(3).map(|p| f64::from(p[1])).sum::<f64>() / (64.0 * 48.0))
    .collect();
    assert_eq!(reference.len(), 20);
    let mut reader = gridreel::photos::ClipReader::open(&path).unwrap();
    let spec = crate::clips::spec(64, 48);
    let mut last = None;
    for (t, k) in [
        (0.0, 0),
        (0.35, 3),
        (0.95, 9),
        (1.0, 10),
        (1.12, 12),
        (1.3, 16),
        (1.49, 19),
        (0.2, 2),
    ] {
        reader.advance_to(t).unwrap();
        let tile = reader
            .tile(&spec)
            .unwrap()
            .or_else(|| last.clone())
            .unwrap();
        let level = tile
            .rgba
            .chunks_exact(4)
            .map(|p| f64::from(p[1]))
            .sum::<f64>()
            / f64::from(tile.width_px * tile.height_px);
        assert!(
            (level - reference[k]).abs() <= 2.0,
            "at {t} s: level {level:.1}, frame {k} is {:.1}",
            reference[k]
        );
        last = Some(tile);
    }
}

/// A portrait clip (a 90° display matrix) plays upright: its marker, stored top-left, is shown
/// top-right in every frame.
#[test]
fn a_portrait_clip_plays_upright() {
    let mut reader = gridreel::photos::ClipReader::open(&clip("portrait.mov")).unwrap();
    let spec = crate::clips::spec(48, 64);
    for t in [0.0, 0.5, 1.5] {
        reader.advance_to(t).unwrap();
        let tile = reader.tile(&spec).unwrap().unwrap();
        assert_eq!((tile.width_px, tile.height_px), (48, 64));
        let at = |x: u32, y: u32| {
            let i = ((y * 48 + x) * 4) as usize;
            [tile.rgba[i], tile.rgba[i + 1], tile.rgba[i + 2]]
        };
        let red = |p: [u8; 3]| p[0] > 150 && p[1] < 90 && p[2] < 90;
        assert!(red(at(42, 6)), "at {t} s: top-right is {:?}", at(42, 6));
        assert!(!red(at(5, 6)), "at {t} s: top-left is {:?}", at(5, 6));
    }
}

/// An Android motion photo (a JPEG with an MP4 appended, found by its XMP) plays its video
/// in its cell like a Live Photo, or stands still with `--live-photos still`.
#[test]
fn an_android_motion_photo_plays_its_appended_video() {
    let photos = tempfile::tempdir().unwrap();
    std::fs::copy(clip("motion-photo.jpg"), photos.path().join("PXL_0001.jpg")).unwrap();
    common::write_photo(&photos.path().join("PXL_0002.jpg"), 4, 128, 96);
    let path = photos.path().join("PXL_0001.jpg");
    let start = gridreel::photos::motion_photo_start(&path).unwrap();
    let counter = std::fs::metadata(clip("counter.mp4")).unwrap().len();
    assert_eq!(start, std::fs::metadata(&path).unwrap().len() - counter);
    // Without its XMP, no video is looked for.
    assert_eq!(
        gridreel::photos::motion_photo_start(&clip("counter.mp4")),
        None
    );
    let reference = reference_levels(&clip("counter.mp4"));
    for mode in ["motion", "still"] {
        let out = photos.path().join(format!("{mode}.mp4"));
        let err = render(
            photos.path(),
            &out,
            384,
            "1",
            &["--live-photos", mode, "-v"],
        );
        let frames = all_frames(&out, 384, TILE.1);
        assert_eq!(frames.len(), 10);
        for (i, frame) in frames.iter().enumerate() {
            let (level, spread) = cell_level(frame, 384, 0);
            if mode == "motion" {
                assert!(err.contains("1 clips play"), "{err}");
                assert!(
                    (level - reference[i]).abs() <= 2.0 && spread <= 4,
                    "frame {i}: level {level:.1}, the video's frame is {:.1}",
                    reference[i]
                );
            } else {
                // The JPEG's own picture (a test pattern), the same in every frame.
                assert!(spread > 100, "frame {i}: spread {spread}");
                assert_eq!(cell_level(frame, 384, 0), cell_level(&frames[0], 384, 0));
            }
        }
    }
}

/// A Live Photo whose halves were renamed apart (`IMG_E0042.JPG`, an edited still, and
/// `IMG_0042.MOV`) is paired by Apple's content identifier, which both carry (the still in its
/// maker note, the MOV in its `mdta` keys): one tile, whose motion plays.
#[test]
fn a_live_photo_renamed_apart_is_paired_by_its_content_identifier() {
    let photos = tempfile::tempdir().unwrap();
    for name in ["IMG_E0042.JPG", "IMG_0042.MOV"] {
        std::fs::copy(clip(name), photos.path().join(name)).unwrap();
    }
    common::write_photo(&photos.path().join("IMG_0050.JPG"), 4, 128, 96);
    // Another MOV with no identifier stays a clip of its own.
    std::fs::copy(clip("h264.mp4"), photos.path().join("IMG_0060.MOV")).unwrap();
    let scan = gridreel::photos::scan_folder(photos.path(), false).unwrap();
    let names: Vec<String> = scan
        .photos
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["IMG_0050.JPG", "IMG_0060.MOV", "IMG_E0042.JPG"]);
    assert_eq!(scan.live_motions, [photos.path().join("IMG_0042.MOV")]);
    let out = photos.path().join("out.mp4");
    render(photos.path(), &out, 384, "1", &[]);
    let reference = reference_levels(&clip("counter.mov"));
    let frames = all_frames(&out, 384, TILE.1);
    // IMG_E0042.JPG is the third photo: the third cell.
    for (i, frame) in frames.iter().enumerate() {
        let (level, spread) = cell_level(frame, 384, 2 * TILE.0);
        assert!(
            (level - reference[i]).abs() <= 2.0 && spread <= 4,
            "frame {i}: level {level:.1}, the motion's frame is {:.1}",
            reference[i]
        );
    }
}
