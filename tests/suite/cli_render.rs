//! `gridreel render` end to end: a correct MP4 (checked with ffprobe/ffmpeg), bad photos
//! skipped with reasons, and failures that lose nothing.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use gridreel::engine::{cell_photos, tile_spec};
use gridreel::layout::{Layout, photos_shown};
use gridreel::photos::{load_tiles, scan_folder, select_range};
use gridreel::render::{FRAME_FORMAT, FrameTarget, Gpu, GridRenderer, GridUniform};
use gridreel::settings::{FrameSize, Settings};

use crate::common;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn renders_a_correct_video_from_a_mixed_folder() {
    let photos = tempfile::tempdir().unwrap();
    let bad = common::mixed_folder(photos.path());
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("grid.mp4");
    let args = [
        "render",
        "--images",
        photos.path().to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--rows",
        "3",
        "--cols",
        "5",
        "--tile-height",
        "60",
        "--gap",
        "4,2",
        "--background",
        "20,30,40",
        "--frame",
        "320x240",
        "--duration",
        "1.5",
        "--fps",
        "24",
        "--encoder",
        "libx264",
        "--quality",
        "10",
        "--x264-preset",
        "veryfast",
    ];
    let run = common::gridreel(&args);
    let err = stderr(&run);
    assert!(run.status.success(), "{err}");
    for name in &bad {
        assert!(
            err.lines()
                .any(|l| l.starts_with("skipped: ") && l.ends_with(name)),
            "{name} not reported:\n{err}"
        );
    }
    assert!(
        String::from_utf8_lossy(&run.stdout).contains("with libx264"),
        "the result names the encoder: {err}"
    );

    let probe = common::probe(&out);
    for expected in [
        "codec_name=h264",
        "width=320",
        "height=240",
        "pix_fmt=yuv420p",
        "color_space=bt709",
        "color_transfer=bt709",
        "color_primaries=bt709",
        "nb_read_frames=36",
    ] {
        assert!(probe.contains(expected), "{expected} not in\n{probe}");
    }
    assert!(probe.contains("mp4"), "{probe}");
    // +faststart: the index (moov) comes before the media data (mdat).
    let bytes = std::fs::read(&out).unwrap();
    let find = |tag: &[u8]| bytes.windows(4).position(|w| w == tag).unwrap();
    assert!(
        find(b"moov") < find(b"mdat"),
        "moov atom is not at the front"
    );
    assert!(common::part_files(out_dir.path()).is_empty());

    // A decoded frame matches the frame the renderer draws (same photos, same settings).
    let mut settings = Settings {
        rows: 3,
        cols: 5,
        tile_height_px: 60,
        gap_h_px: 4,
        gap_v_px: 2,
        background: "20,30,40".parse().unwrap(),
        frame: FrameSize::Custom {
            width_px: 320,
            height_px: 240,
        },
        duration_secs: 1.5,
        fps: 24,
        ..Settings::default()
    };
    settings.video.quality_crf = 10;
    let layout = Layout::new(&settings);
    let scan = scan_folder(photos.path(), false).unwrap();
    let selected = select_range(&scan.photos, None, None);
    let needed = &selected[..photos_shown(layout.cell_count(), selected.len())];
    let loaded = load_tiles(
        needed,
        &tile_spec(&settings),
        2,
        &AtomicBool::new(false),
        &|_| {},
    );
    let tiles: Vec<_> = loaded.tiles.into_iter().map(|t| t.pixels).collect();
    let gpu = Gpu::headless().unwrap();
    let mut renderer = GridRenderer::new(&gpu.device, FRAME_FORMAT);
    renderer.set_tiles(&gpu.device, &gpu.queue, &tiles);
    renderer.set_cells(
        &gpu.device,
        &gpu.queue,
        &cell_photos(layout.cell_count(), tiles.len()),
    );
    let mut target = FrameTarget::new(&gpu.device, 320, 240).unwrap();
    for index in [9u64, 20] {
        let t = Layout::frame_time_secs(index, 24);
        let uniform = GridUniform::new(
            &layout,
            t,
            settings.background,
            GridUniform::full_frame(&layout),
        );
        let rendered = target
            .render_rgba(&gpu.device, &gpu.queue, &mut renderer, &uniform)
            .unwrap();
        let decoded = common::decode_frame_rgb(&out, index);
        let psnr = common::psnr_rgb_vs_rgba(&decoded, &rendered);
        // 4:2:0 chroma on small, sharp synthetic tiles caps PSNR near 31 dB; a neighbouring
        // frame (20 px away) scores far lower, so this pins the exact frame too.
        let neighbour =
            common::psnr_rgb_vs_rgba(&common::decode_frame_rgb(&out, index + 1), &rendered);
        assert!(
            psnr > 28.0 && psnr > neighbour + 6.0,
            "frame {index}: PSNR {psnr:.1} dB, next frame {neighbour:.1} dB"
        );
    }
}

#[test]
fn demo_render_and_exact_frame_count() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("demo.mp4");
    let run = common::gridreel(&[
        "render",
        "-o",
        out.to_str().unwrap(),
        "--duration",
        "0.5",
        "--fps",
        "25",
        "--tile-height",
        "40",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    // Headless: no display is probed (Mesa's device-select layer, wgpu's GL backend).
    for noise in ["XDG_RUNTIME_DIR", "EGL"] {
        assert!(!stderr(&run).contains(noise), "{}", stderr(&run));
    }
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains("wrote ") && stdout.contains("13 frames"),
        "{stdout}"
    );
    let probe = common::probe(&out);
    assert!(
        probe.contains("nb_read_frames=13"),
        "round(0.5 × 25) = 13:\n{probe}"
    );
}

#[test]
fn existing_output_is_kept_and_failed_exports_leave_nothing() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("keep.mp4");
    std::fs::write(&out, b"precious").unwrap();
    let o = out.to_str().unwrap();

    let run = common::gridreel(&["render", "-o", o, "--duration", "0.2"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr(&run).contains("--overwrite") && stderr(&run).trim_end().ends_with(o),
        "{}",
        stderr(&run)
    );

    // An unknown encoder fails after the temporary file exists: it must be removed.
    let run = common::gridreel(&[
        "render",
        "-o",
        o,
        "--overwrite",
        "--encoder",
        "nosuchcodec",
        "--duration",
        "0.2",
    ]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("unknown encoder `nosuchcodec`"),
        "{}",
        stderr(&run)
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
    assert!(
        common::part_files(out_dir.path()).is_empty(),
        "{:?}",
        common::part_files(out_dir.path())
    );

    let run = common::gridreel(&[
        "render",
        "-o",
        o,
        "--overwrite",
        "--duration",
        "0.2",
        "--tile-height",
        "30",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_ne!(std::fs::read(&out).unwrap(), b"precious");
    assert!(common::part_files(out_dir.path()).is_empty());
}

#[test]
fn bad_settings_and_folders_exit_2_with_one_clear_line() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x.mp4");
    let o = out.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--rows", "0"], "rows"),
        (vec!["--aspect", "0:3"], "aspect"),
        (vec!["--fps", "0"], "fps"),
        (vec!["--gap", "-4,0"], "negative"),
        (vec!["--background", "blurple"], "blurple"),
        (vec!["--images", "/no/such/folder"], "/no/such/folder"),
        (vec!["--frame", "1921x1080"], "frame"),
        (vec!["--memory-budget", "lots"], "memory budget"),
        // The encoder is opened at the frame size before anything else: SVT-AV1 takes no
        // frame under 64 pixels a side.
        (
            vec![
                "--codec",
                "av1",
                "--encoder",
                "libsvtav1",
                "--frame",
                "32x32",
            ],
            "cannot open encoder libsvtav1",
        ),
        (vec!["--memory-budget", "1MB"], "memory_budget"),
    ];
    // Every case runs where no GPU adapter can be found: exit 2 with its own message shows
    // it was refused before the GPU was opened (a good render there exits 1, below).
    for (extra, needle) in cases {
        let mut args = vec!["render", "-o", o];
        args.extend(extra.iter().copied());
        let run = without_gpu(&args);
        assert_eq!(run.status.code(), Some(2), "{extra:?}: {}", stderr(&run));
        assert!(stderr(&run).contains(needle), "{extra:?}: {}", stderr(&run));
        assert!(!out.exists());
    }
    // A folder with no usable photo (found by reading the photos).
    let bad = tmp.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    std::fs::write(bad.join("a.jpg"), b"text").unwrap();
    let run = common::gridreel(&["render", "-o", o, "--images", bad.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr(&run).contains("no usable photos"),
        "{}",
        stderr(&run)
    );
    // Unwritable destination folder.
    let run = without_gpu(&["render", "-o", "/no/such/dir/x.mp4", "--duration", "0.2"]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(stderr(&run).contains("/no/such/dir"), "{}", stderr(&run));
    // 2 MB tiles, several on screen at once: 64 MB cannot hold one frame's worth. The
    // streaming plan needs the device's texture limits, so this one is found once the GPU is
    // open (still before any photo is decoded).
    let run = common::gridreel(&[
        "render",
        "-o",
        o,
        "--memory-budget",
        "64MB",
        "--tile-height",
        "1200",
        "--frame",
        "3840x1200",
    ]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(stderr(&run).contains("too small"), "{}", stderr(&run));
    // The same environment really has no GPU: a good render whose grid loops needs one, and
    // gets as far as opening it.
    let run = without_gpu(&["render", "-o", o, "--duration", "0.2", "--loop"]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert!(stderr(&run).contains("no GPU adapter"), "{}", stderr(&run));
    assert!(!out.exists());
}

/// A grid moving as one, sideways, is exported without a GPU: with no adapter at all, the
/// render succeeds and says the CPU made the frames, and its file is byte for byte the one
/// the GPU's frames make (`--compose-on-gpu`, on lavapipe here): the same frames, encoded
/// alike (x264 is deterministic whatever its threads). With gaps, a title and a caption.
#[test]
fn a_grid_moving_as_one_renders_without_a_gpu_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let photos = tmp.path().join("photos");
    std::fs::create_dir(&photos).unwrap();
    for i in 0..7u64 {
        common::write_photo(&photos.join(format!("p{i}.jpg")), i + 3, 900, 600);
    }
    let common_args = [
        "render",
        "--images",
        photos.to_str().unwrap(),
        "--rows",
        "2",
        "--cols",
        "4",
        "--tile-height",
        "90",
        "--gap",
        "6,3",
        "--frame",
        "320x240",
        "--duration",
        "1.5",
        "--fps",
        "20",
        "--x264-preset",
        "ultrafast",
        "--title",
        "Summer",
        "--captions",
        "name",
    ];
    let cpu = tmp.path().join("cpu.mp4");
    let mut args = common_args.to_vec();
    args.extend(["-o", cpu.to_str().unwrap()]);
    let run = without_gpu(&args);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("frames made on the CPU"),
        "{}",
        stderr(&run)
    );
    let gpu = tmp.path().join("gpu.mp4");
    let mut args = common_args.to_vec();
    args.extend(["-o", gpu.to_str().unwrap(), "--compose-on-gpu"]);
    let run = common::gridreel(&args);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(stderr(&run).contains("GPU: "), "{}", stderr(&run));
    let (cpu, gpu) = (std::fs::read(&cpu).unwrap(), std::fs::read(&gpu).unwrap());
    assert!(cpu.len() > 1000);
    assert!(
        cpu == gpu,
        "the videos differ ({} and {} bytes)",
        cpu.len(),
        gpu.len()
    );
}

/// `gridreel ARGS` where wgpu can find no adapter: `WGPU_BACKEND=metal`, a backend Linux
/// does not have.
fn without_gpu(args: &[&str]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gridreel"));
    command.args(args).env("WGPU_BACKEND", "metal");
    common::run_measured(&mut command, common::CHILD_DEADLINE).0
}

#[test]
fn presets_load_and_bad_ones_name_file_and_line() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (preset, size) in [
        ("hd-landscape.ron", "1920x1080"),
        ("vertical-9x16.ron", "1080x1920"),
        ("uhd-4k.ron", "3840x2160"),
    ] {
        let path = root.join("presets").join(preset);
        let run = common::gridreel(&[
            "render",
            "--preset",
            path.to_str().unwrap(),
            "--rows",
            "3",
            "--print-settings",
        ]);
        let text = String::from_utf8_lossy(&run.stdout);
        assert!(run.status.success(), "{preset}: {}", stderr(&run));
        assert!(
            text.contains("rows: 3"),
            "flags override the preset: {text}"
        );
        let settings = gridreel::settings::load_preset(&path).unwrap();
        let (w, h) = Layout::new(&settings).frame_size_px();
        assert_eq!(format!("{w}x{h}"), size);
    }
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.ron");
    std::fs::write(&bad, "(\n  rows: 4,\n  colz: 3,\n)\n").unwrap();
    let run = common::gridreel(&[
        "render",
        "--preset",
        bad.to_str().unwrap(),
        "--print-settings",
    ]);
    assert_eq!(run.status.code(), Some(2));
    let err = stderr(&run);
    assert!(
        err.contains("line 3")
            && err.contains("colz")
            && err.contains("cols")
            && err.contains("bad.ron"),
        "{err}"
    );
}

/// Streaming tiles through a few texture layers gives the very same video as holding them
/// all: every decoded frame of the (lossless) videos is equal.
#[test]
fn streaming_tiles_within_a_small_budget_changes_no_pixel() {
    let photos = tempfile::tempdir().unwrap();
    let bad = common::mixed_folder(photos.path());
    let out_dir = tempfile::tempdir().unwrap();
    let render = |extra: &[&str], name: &str| {
        let out = out_dir.path().join(name);
        // 12 good photos, repeating, as tiles of 1440x1080 (6 MB each, 71 MB in all); the
        // 640x360 frame shows one or two.
        let mut args = vec![
            "render",
            "--images",
            photos.path().to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--rows",
            "1",
            "--cols",
            "36",
            "--tile-height",
            "1080",
            "--frame",
            "640x360",
            "--duration",
            "1",
            "--encoder",
            "libx264",
            // Lossless: the budget also picks x264's threads (frame threads with room,
            // sliced when tight), which changes the bytes but not the pixels.
            "--quality",
            "0",
        ];
        args.extend_from_slice(extra);
        let run = common::gridreel(&args);
        let err = stderr(&run);
        assert!(run.status.success(), "{err}");
        for name in &bad {
            assert!(
                err.lines()
                    .any(|l| l.starts_with("skipped: ") && l.ends_with(name)),
                "{name} not reported:\n{err}"
            );
        }
        (frames_md5(&out), err)
    };
    let (resident, err) = render(&["--memory-budget", "4GB"], "resident.mp4");
    assert!(err.contains("all tiles resident"), "{err}");
    let (streamed, err) = render(&["--memory-budget", "64MB"], "streamed.mp4");
    assert!(err.contains("streaming"), "{err}");
    assert!(
        resident == streamed,
        "streamed video differs from the resident one"
    );
    // Streamed after a thumbnail pass over every photo (the order before exports started
    // at once, and the one a late decode failure falls back to): the same frames again.
    let args = ["--memory-budget", "64MB", "--decode-first"];
    let (thumbnails_first, err) = render(&args, "streamed-first.mp4");
    assert!(err.contains("streaming"), "{err}");
    assert!(
        thumbnails_first == streamed,
        "streaming after a thumbnail pass changed the video"
    );
    assert!(common::part_files(out_dir.path()).is_empty());
}

/// A grid that fits one still: the resident export draws from the still's strip, the
/// streamed one (no still) from the rolling still, and the (lossless) videos have the same
/// frames.
#[test]
fn streaming_a_grid_that_fits_a_still_changes_no_pixel() {
    let photos = tempfile::tempdir().unwrap();
    for i in 0..10 {
        common::write_photo(&photos.path().join(format!("p{i:02}.jpg")), i, 320, 240);
    }
    let out_dir = tempfile::tempdir().unwrap();
    let render = |budget: &str, name: &str| {
        let out = out_dir.path().join(name);
        // 2 rows of 5 tiles of 1440x1080 (6 MB each): a 7,200-pixel-wide still fits a
        // texture, but tiles and still together do not fit 64 MB.
        let args = [
            "render",
            "--images",
            photos.path().to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--rows",
            "2",
            "--cols",
            "5",
            "--tile-height",
            "1080",
            "--frame",
            "640x360",
            "--duration",
            "1",
            "--encoder",
            "libx264",
            // Lossless: the budget also picks x264's threads (frame threads with room,
            // sliced when tight), which changes the bytes but not the pixels.
            "--quality",
            "0",
            "--memory-budget",
            budget,
        ];
        let run = common::gridreel(&args);
        let err = stderr(&run);
        assert!(run.status.success(), "{err}");
        (frames_md5(&out), err)
    };
    let (resident, err) = render("4GB", "resident.mp4");
    assert!(err.contains("all tiles resident"), "{err}");
    let (streamed, err) = render("64MB", "streamed.mp4");
    assert!(err.contains("streaming"), "{err}");
    assert!(
        resident == streamed,
        "streamed video differs from the resident one"
    );
}

/// The same with bands moving apart: alternate rows at their own speeds, looping, so the
/// schedule's showings come and go out of order and every photo comes back.
#[test]
fn streaming_a_looping_alternating_grid_changes_no_pixel() {
    let photos = tempfile::tempdir().unwrap();
    // 100 tiles of 480x360 (0.7 MB each, 69 MB in all): a 64 MB budget streams them.
    for i in 0..100 {
        common::write_photo(&photos.path().join(format!("p{i:03}.jpg")), i, 160, 120);
    }
    let out_dir = tempfile::tempdir().unwrap();
    let render = |budget: &str, name: &str| {
        let out = out_dir.path().join(name);
        let args = [
            "render",
            "--images",
            photos.path().to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--rows",
            "2",
            "--cols",
            "50",
            "--tile-height",
            "360",
            "--frame",
            "640x720",
            "--duration",
            "1",
            "--alternate",
            "--row-speeds",
            "1,0.6",
            "--loop",
            "--encoder",
            "libx264",
            // Lossless: the budget also picks x264's threads (frame threads with room,
            // sliced when tight), which changes the bytes but not the pixels.
            "--quality",
            "0",
            "--memory-budget",
            budget,
        ];
        let run = common::gridreel(&args);
        let err = stderr(&run);
        assert!(run.status.success(), "{err}");
        assert!(
            err.contains("loop: row 1: speed"),
            "the speeds used are printed: {err}"
        );
        (frames_md5(&out), err)
    };
    let (resident, err) = render("4GB", "resident.mp4");
    assert!(err.contains("all tiles resident"), "{err}");
    let (streamed, err) = render("64MB", "streamed.mp4");
    assert!(err.contains("streaming"), "{err}");
    assert!(
        resident == streamed,
        "streamed video differs from the resident one"
    );
}

/// A photo's own crop centre from a preset moves its tile's crop, resident and streamed: a
/// 1200×300 photo, red on the left half and blue on the right, cropped to 4:3 (a third of
/// it) shows both halves centred, only red centred at x = 0.1 and only blue at x = 0.9.
#[test]
fn a_photos_crop_centre_from_a_preset_moves_its_tile_resident_and_streamed() {
    let photos = tempfile::tempdir().unwrap();
    let split = photos.path().join("a-split.png");
    image::RgbImage::from_fn(1200, 300, |x, _| {
        if x < 600 {
            image::Rgb([255, 0, 0])
        } else {
            image::Rgb([0, 0, 255])
        }
    })
    .save(&split)
    .unwrap();
    // 99 more, so that 100 tiles of 480x360 (69 MB) stream within 64 MB.
    for i in 0..99 {
        common::write_photo(&photos.path().join(format!("p{i:03}.jpg")), i, 160, 120);
    }
    let out_dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        rows: 1,
        cols: 100,
        tile_height_px: 360,
        frame: FrameSize::Custom {
            width_px: 640,
            height_px: 360,
        },
        duration_secs: 1.0,
        speed: 0.02,
        ..Settings::default()
    };
    // A frame where the split photo's tile (the first cell) is wholly in view.
    let layout = Layout::new(&settings);
    let frame = 17;
    let (x0, y0) = layout.grid_origin_at(Layout::frame_time_secs(frame, settings.fps));
    let tile = layout.cell_rect(0);
    assert!(
        x0 >= 0.0 && x0 + tile.width <= 640.0,
        "tile in view at {x0}"
    );
    let at = |fraction: f64| {
        (
            (x0 + tile.width * fraction) as usize,
            (y0 + tile.height / 2.0) as usize,
        )
    };
    let render = |focus_x: Option<f64>, budget: &str, name: &str| {
        let preset = out_dir.path().join(format!("{name}.ron"));
        let focus = focus_x.map_or_else(String::new, |x| {
            format!(
                "focus: {{ {:?}: (x: {x}, y: 0.5) }},",
                split.to_str().unwrap()
            )
        });
        std::fs::write(&preset, format!("({focus})")).unwrap();
        let out = out_dir.path().join(format!("{name}.mp4"));
        let args = [
            "--preset",
            preset.to_str().unwrap(),
            "--rows",
            "1",
            "--cols",
            "100",
            "--tile-height",
            "360",
            "--frame",
            "640x360",
            "--duration",
            "1",
            "--speed",
            "0.02",
            "--encoder",
            "libx264",
            "--memory-budget",
            budget,
        ];
        let run = common::render_to(photos.path(), &out, &args);
        let err = stderr(&run);
        assert!(run.status.success(), "{err}");
        let rgb = common::decode_frame_rgb(&out, frame);
        let pixel = |(x, y): (usize, usize)| {
            let i = (y * 640 + x) * 3;
            [rgb[i], rgb[i + 1], rgb[i + 2]]
        };
        (pixel(at(0.1)), pixel(at(0.9)), err)
    };
    let red = |p: [u8; 3]| p[0] > 180 && p[2] < 80;
    let blue = |p: [u8; 3]| p[2] > 180 && p[0] < 80;

    let (left, right, _) = render(None, "4GB", "anchor");
    assert!(
        red(left) && blue(right),
        "centred: both halves: {left:?} {right:?}"
    );
    for (budget, kind) in [("4GB", "all tiles resident"), ("64MB", "streaming")] {
        let (left, right, err) = render(Some(0.1), budget, &format!("left-{budget}"));
        assert!(err.contains(kind), "{err}");
        assert!(
            red(left) && red(right),
            "{kind}: x = 0.1 shows the red half: {left:?} {right:?}"
        );
        let (left, right, _) = render(Some(0.9), budget, &format!("right-{budget}"));
        assert!(
            blue(left) && blue(right),
            "{kind}: x = 0.9 shows the blue half: {left:?} {right:?}"
        );
    }
}

/// A grid too wide for one still, whose tiles all fit: the export starts drawing at once and
/// decodes the tiles as the frames need them. The video is the same bytes as with every
/// photo decoded first, also when a photo that looks fine fails its decode halfway (the
/// export starts again without it, and reports it like any other bad photo).
#[test]
fn starting_at_once_changes_no_pixel_even_when_a_photo_fails_late() {
    let photos = tempfile::tempdir().unwrap();
    for i in 0..10 {
        common::write_photo(&photos.path().join(format!("p{i:02}.jpg")), i, 320, 240);
    }
    let out_dir = tempfile::tempdir().unwrap();
    let render = |extra: &[&str], name: &str| {
        let out = out_dir.path().join(name);
        // 1 row of 60 tiles of 480x360: 28,800 pixels wide, over any texture's width.
        let mut args = vec!["--rows", "1", "--cols", "60", "--tile-height", "360"];
        args.extend_from_slice(&["--frame", "640x360", "--duration", "1"]);
        args.extend_from_slice(&["--encoder", "libx264"]);
        args.extend_from_slice(extra);
        let run = common::render_to(photos.path(), &out, &args);
        let err = stderr(&run);
        assert!(run.status.success(), "{err}");
        (std::fs::read(&out).unwrap(), err)
    };
    let (at_once, err) = render(&[], "at-once.mp4");
    assert!(err.contains("decoded as the frames need them"), "{err}");
    let (first, err) = render(&["--decode-first"], "first.mp4");
    assert!(!err.contains("decoded as the frames need them"), "{err}");
    assert!(at_once == first, "starting at once changed the video");

    // A JPEG whose header and end marker are fine but whose frame header announces
    // arithmetic coding (SOF9), which no decoder here reads: only decoding finds out.
    let mut jpeg = std::fs::read(photos.path().join("p03.jpg")).unwrap();
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    jpeg[sof + 1] = 0xC9;
    std::fs::write(photos.path().join("p03.jpg"), &jpeg).unwrap();
    // And an empty file, which the probe finds before the first frame.
    std::fs::write(photos.path().join("p05-empty.jpg"), b"").unwrap();
    let (at_once, err) = render(&[], "at-once-bad.mp4");
    assert!(err.contains("starting again without it"), "{err}");
    for name in ["p03.jpg", "p05-empty.jpg"] {
        let reported = err
            .lines()
            .filter(|l| l.starts_with("skipped: ") && l.ends_with(name))
            .count();
        assert_eq!(reported, 1, "{name} reported {reported} times:\n{err}");
    }
    let (first, _) = render(&["--decode-first"], "first-bad.mp4");
    assert!(
        at_once == first,
        "restarting without the bad photo changed the video"
    );
    assert!(common::part_files(out_dir.path()).is_empty());

    // Nothing left that a probe passes: the same clear refusal as when decoding first.
    let junk = tempfile::tempdir().unwrap();
    std::fs::write(junk.path().join("a.jpg"), b"").unwrap();
    std::fs::write(junk.path().join("b.jpg"), b"text, not a photo\n").unwrap();
    let out = out_dir.path().join("nothing.mp4");
    let wide = ["--rows", "1", "--cols", "60", "--tile-height", "360"];
    let run = common::render_to(
        junk.path(),
        &out,
        &[&wide[..], &["--frame", "640x360"]].concat(),
    );
    let err = stderr(&run);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(err.contains("no usable photos"), "{err}");
    assert!(!out.exists());
}

/// The MD5 of every decoded frame (FFmpeg's `framemd5`): equal for two lossless videos of
/// the same pixels, whatever threads encoded them.
fn frames_md5(video: &std::path::Path) -> Vec<u8> {
    common::ffmpeg_output(video, &["-f", "framemd5", "-"])
}

/// `--speed 0` through the whole export, with every tile resident and streaming: the grid
/// stands still (the first frame and the last are the same pixels) and shows the middle of
/// a grid wider than the frame.
#[test]
fn a_grid_at_speed_0_renders_a_still_collage_resident_or_streaming() {
    let photos = tempfile::tempdir().unwrap();
    // 100 tiles of 480x360 (69 MB) stream within 64 MB.
    for i in 0..100 {
        common::write_photo(&photos.path().join(format!("p{i:03}.jpg")), i, 160, 120);
    }
    let out_dir = tempfile::tempdir().unwrap();
    for (budget, kind) in [("4GB", "all tiles resident"), ("64MB", "streaming")] {
        let out = out_dir.path().join(format!("still-{budget}.mp4"));
        let args = [
            "--rows",
            "1",
            "--cols",
            "100",
            "--tile-height",
            "360",
            "--frame",
            "640x360",
            "--duration",
            "0.5",
            "--speed",
            "0",
            "--encoder",
            "libx264",
            // Lossless: any difference between frames is the grid's.
            "--quality",
            "0",
            "--memory-budget",
            budget,
        ];
        let run = common::render_to(photos.path(), &out, &args);
        let err = stderr(&run);
        assert!(run.status.success(), "{err}");
        assert!(err.contains(kind), "{err}");
        let first = common::decode_frame_rgb(&out, 0);
        let last = common::decode_frame_rgb(&out, 14);
        assert_eq!(first.len(), 640 * 360 * 3);
        let worst = first.iter().zip(&last).map(|(a, b)| a.abs_diff(*b)).max();
        assert_eq!(
            worst,
            Some(0),
            "{kind}: the grid moved (max diff {worst:?})"
        );
        // The grid is 100 · 480 = 48,000 px wide, centred: cell 49 starts at x = 80 and
        // cell 50 at 560, so no background shows between them (white) in the middle row.
        let row = 180 * 640 * 3;
        let white = first[row..row + 640 * 3]
            .chunks_exact(3)
            .filter(|p| p.iter().all(|&c| c > 250))
            .count();
        assert!(white < 20, "{kind}: {white} white pixels in the middle row");
    }
}
