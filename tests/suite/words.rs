//! The title and the logo in exported videos: the title changes its region and nothing
//! else, the logo sits in its corner at its opacity, bad input exits 2 before rendering.

use std::path::Path;

use gridreel::overlay::Overlay;
use gridreel::settings::{Settings, TitlePosition};

use crate::common;

pub(super) fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A small lossless render (x264 at CRF 0): what is blended is what comes back.
pub(super) const SMALL: [&str; 20] = [
    "--rows",
    "2",
    "--cols",
    "3",
    "--tile-height",
    "40",
    "--frame",
    "320x240",
    "--duration",
    "0.4",
    "--fps",
    "10",
    "--encoder",
    "libx264",
    "--quality",
    "0",
    "--x264-preset",
    "ultrafast",
    "--background",
    "0,0,255",
];

/// Frame `index` of `video` as 8-bit 4:2:0 planes, as stored.
pub(super) fn yuv_frame(video: &Path, index: u64) -> Vec<u8> {
    common::ffmpeg_output(
        video,
        &[
            "-vf",
            &format!("select=eq(n\\,{index})"),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "yuv420p",
            "-",
        ],
    )
}

pub(super) fn render(photos: &Path, out: &Path, extra: &[&str]) {
    let mut args = SMALL.to_vec();
    args.extend_from_slice(extra);
    let run = common::render_to(photos, out, &args);
    assert!(run.status.success(), "{extra:?}: {}", stderr(&run));
}

pub(super) fn photos() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..6 {
        common::write_photo(&dir.path().join(format!("p{i}.jpg")), i, 160, 120);
    }
    dir
}

/// The title's pixels differ from the same render without it, and no pixel outside the
/// title's block does (luma, and chroma outside its 2x2 blocks).
#[test]
fn a_title_changes_its_region_and_nothing_else() {
    let photos = photos();
    let tmp = tempfile::tempdir().unwrap();
    let (plain, titled) = (tmp.path().join("plain.mp4"), tmp.path().join("title.mp4"));
    render(photos.path(), &plain, &[]);
    let title = ["--title", "Kyoto 2026", "--title-position", "top"];
    render(photos.path(), &titled, &title);
    let mut settings = Settings {
        frame: "320x240".parse().unwrap(),
        ..Settings::default()
    };
    settings.title.text = "Kyoto 2026".into();
    settings.title.position = TitlePosition::Top;
    let overlay = Overlay::build(&settings, (320, 240)).unwrap();
    let s = &overlay.sprites[0];
    let inside = |x: u32, y: u32| {
        (s.x_px..s.x_px + s.width_px).contains(&x) && (s.y_px..s.y_px + s.height_px).contains(&y)
    };
    for index in [0, 3] {
        let (a, b) = (yuv_frame(&plain, index), yuv_frame(&titled, index));
        assert_eq!(a.len(), 320 * 240 * 3 / 2);
        let mut changed_inside = 0;
        for y in 0..240u32 {
            for x in 0..320u32 {
                let i = (y * 320 + x) as usize;
                if inside(x, y) {
                    changed_inside += usize::from(a[i] != b[i]);
                } else {
                    assert_eq!(
                        a[i], b[i],
                        "frame {index}: luma at {x},{y} outside the title"
                    );
                }
            }
        }
        assert!(changed_inside > 500, "frame {index}: {changed_inside}");
        let chroma = 320 * 240;
        for y in 0..120u32 {
            for x in 0..160u32 {
                if !inside(x * 2, y * 2) {
                    let i = chroma + (y * 160 + x) as usize;
                    assert_eq!(a[i], b[i], "frame {index}: U at {x},{y}");
                }
            }
        }
    }
}

/// BT.709 limited-range codes of an sRGB colour (0..255).
fn codes(rgb: [f64; 3]) -> [f64; 3] {
    let [r, g, b] = rgb.map(|c| c / 255.0);
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    [
        16.0 + 219.0 * y,
        128.0 + 224.0 * (b - y) / (2.0 * (1.0 - 0.0722)),
        128.0 + 224.0 * (r - y) / (2.0 * (1.0 - 0.2126)),
    ]
}

/// A red logo at half opacity over the blue background, bottom-right: its pixels are the
/// codes of half red, half blue; the frame's opposite corner is the background.
#[test]
fn a_logo_sits_in_its_corner_at_its_opacity() {
    let photos = photos();
    let tmp = tempfile::tempdir().unwrap();
    let logo = tmp.path().join("logo.png");
    image::RgbaImage::from_pixel(10, 10, image::Rgba([255, 0, 0, 255]))
        .save(&logo)
        .unwrap();
    let out = tmp.path().join("logo.mp4");
    let args = [
        "--logo",
        logo.to_str().unwrap(),
        "--logo-size",
        "0.2",
        "--logo-opacity",
        "0.5",
        "--logo-margin",
        "0.05",
    ];
    render(photos.path(), &out, &args);
    let frame = yuv_frame(&out, 2);
    // 48 px square, 12 px from the right and bottom edges: x 260..308, y 180..228.
    let at = |x: u32, y: u32| {
        let c = 320 * 240 + ((y / 2) * 160 + x / 2) as usize;
        [
            f64::from(frame[(y * 320 + x) as usize]),
            f64::from(frame[c]),
            f64::from(frame[c + 160 * 120]),
        ]
    };
    let expected = codes([127.5, 0.0, 127.5]);
    for (x, y) in [(284, 204), (262, 182), (306, 226)] {
        let got = at(x, y);
        for c in 0..3 {
            assert!(
                (got[c] - expected[c]).abs() <= 2.0,
                "{x},{y}: {got:?}, expected {expected:?}"
            );
        }
    }
    let background = codes([0.0, 0.0, 255.0]);
    for (x, y) in [(256, 204), (284, 232), (20, 220)] {
        let got = at(x, y);
        assert!((got[0] - background[0]).abs() <= 2.0, "{x},{y}: {got:?}");
    }
}

#[test]
fn bad_logos_and_text_no_font_shows_exit_2_before_rendering() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x.mp4");
    let o = out.to_str().unwrap();
    let not_image = tmp.path().join("logo.png");
    std::fs::write(&not_image, b"this is text, not a picture").unwrap();
    let fifo = tmp.path().join("fifo.png");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let big = tmp.path().join("big.png");
    image::GrayImage::new(9000, 4).save(&big).unwrap();
    let long = "x".repeat(100_000);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--logo", not_image.to_str().unwrap()], "not an image"),
        (vec!["--logo", fifo.to_str().unwrap()], "not a regular file"),
        (vec!["--logo", big.to_str().unwrap()], "8192 pixels"),
        (vec!["--logo", "/no/such/logo.png"], "/no/such/logo.png"),
        (vec!["--title", "Knossos \u{10000}"], "U+10000"),
        (vec!["--subtitle", "bell\u{7}"], "U+0007"),
        (vec!["--title", &long], "at most 500 characters"),
        (
            vec!["--title", "x", "--title-font", "No Such Font 123"],
            "No Such Font 123",
        ),
        (vec!["--logo-opacity", "2"], "logo.opacity"),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["render", "-o", o, "--duration", "0.2"];
        args.extend(extra.iter().copied());
        let run = common::gridreel(&args);
        let err = stderr(&run);
        assert_eq!(run.status.code(), Some(2), "{needle}: {err}");
        assert!(err.contains(needle), "{needle}: {err}");
        assert!(
            !err.contains("frames"),
            "{needle}: rendering started: {err}"
        );
        assert!(!out.exists());
    }
}

/// A preset carries the title and the logo; flags override it.
#[test]
fn a_preset_carries_the_title_and_flags_override_it() {
    let tmp = tempfile::tempdir().unwrap();
    let preset = tmp.path().join("t.ron");
    // A real logo: --print-settings checks everything a render would, the logo included.
    let logo = tmp.path().join("logo.png");
    image::RgbaImage::from_pixel(10, 10, image::Rgba([255, 0, 0, 255]))
        .save(&logo)
        .unwrap();
    std::fs::write(
        &preset,
        format!(
            r#"(title: (text: "Kyoto 2026", subtitle: "spring", position: bottom, show: end, secs: 2.0),
            logo: (file: Some("{}"), position: "top-left", opacity: 0.5))"#,
            logo.display()
        ),
    )
    .unwrap();
    let p = preset.to_str().unwrap();
    let run = common::gridreel(&["render", "--preset", p, "--print-settings"]);
    let text = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(run.status.success(), "{}", stderr(&run));
    for needle in [
        "text: \"Kyoto 2026\"",
        "position: bottom",
        "show: end",
        "position: \"top-left\"",
        "opacity: 0.5",
    ] {
        assert!(text.contains(needle), "{needle} not in {text}");
    }
    let run = common::gridreel(&[
        "render",
        "--preset",
        p,
        "--title",
        "Osaka",
        "--print-settings",
    ]);
    let text = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        text.contains("text: \"Osaka\"") && text.contains("subtitle: \"spring\""),
        "{text}"
    );
}

type EditorHarness = egui_kittest::Harness<'static, gridreel::app::EditorApp>;

/// The editor on the demo photos at a 640×360 frame with 60 px tiles, `tweak` applied to its
/// settings, every photo loaded, paused at 2 s.
fn paused_editor(tweak: impl FnOnce(&mut Settings)) -> EditorHarness {
    use crate::common::editor::{all_loaded, harness, step_until};
    use egui_kittest::kittest::Queryable;
    let mut settings = Settings {
        frame: "640x360".parse().unwrap(),
        tile_height_px: 60,
        ..Settings::default()
    };
    tweak(&mut settings);
    let mut h = harness(settings);
    step_until(&mut h, "36 demo photos", |app| all_loaded(app, 36));
    h.get_by_label("Pause").click();
    h.run_steps(2);
    h.state_mut().editor.time_secs = 2.0;
    h.run_steps(3);
    h
}

/// The preview's frame, inside its outline, from a render of the editor.
fn preview_pixels(h: &mut EditorHarness) -> image::RgbaImage {
    let frame = h.state().preview_frame_rect;
    let image = h.render().expect("render");
    let (x, y) = (frame.min.x as u32 + 1, frame.min.y as u32 + 1);
    let (w, hh) = (frame.width() as u32 - 2, frame.height() as u32 - 2);
    image::imageops::crop_imm(&image, x, y, w, hh).to_image()
}

/// The editor: a title set in its settings shows over the top of the preview (rasterised on
/// the overlay worker), and the bottom of the preview does not change.
#[test]
fn a_title_in_the_editor_shows_over_the_preview() {
    use crate::common::editor::step_until;
    use egui_kittest::kittest::Queryable;
    let mut h = paused_editor(|s| s.title.position = TitlePosition::Top);
    let crop = preview_pixels;
    let before = crop(&mut h);
    h.get_by_label("Title and logo").click();
    h.run_steps(3);
    h.state_mut().editor.settings.title.text = "Kyoto 2026".into();
    h.run_steps(2);
    assert_eq!(h.state().editor.settings.title.text, "Kyoto 2026");
    step_until(
        &mut h,
        "the title's sprites",
        gridreel::app::EditorApp::overlay_current,
    );
    h.run_steps(2);
    let after = crop(&mut h);
    let changed = |from: u32, to: u32| {
        let mut n = 0;
        for y in from..to {
            for x in 0..before.width() {
                let (p, q) = (before.get_pixel(x, y), after.get_pixel(x, y));
                n += usize::from(p.0.iter().zip(q.0).any(|(a, b)| a.abs_diff(b) > 8));
            }
        }
        n
    };
    let third = before.height() / 3;
    assert!(changed(0, third) > 200, "no title at the top");
    assert_eq!(changed(2 * third, before.height()), 0, "the bottom changed");
}

/// A safe area is a placement rule and a guide, never pixels: a render with one and no
/// title equals the render without it, frame for frame (no guide in the export).
#[test]
fn a_safe_area_draws_nothing_in_the_export() {
    let photos = photos();
    let tmp = tempfile::tempdir().unwrap();
    let (plain, safe) = (tmp.path().join("plain.mp4"), tmp.path().join("safe.mp4"));
    render(photos.path(), &plain, &[]);
    render(photos.path(), &safe, &["--safe-area", "0.1,0.2,0.05,0.12"]);
    for index in [0, 5] {
        assert!(
            yuv_frame(&plain, index) == yuv_frame(&safe, index),
            "frame {index} differs"
        );
    }
    // The flag is read: a share out of range is refused by name.
    let bad = common::render_to(
        photos.path(),
        &tmp.path().join("bad.mp4"),
        &["--safe-area", "0.1,0.2,0.05,0.5"],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("safe_area.right"), "{}", stderr(&bad));
}

/// The editor shows the safe area as a guide over the preview, on by default: the covered
/// edges are dimmed and the middle is not; "Show safe area" (beside the timeline) turns it
/// off.
#[test]
fn the_safe_area_guide_shows_in_the_editor() {
    use egui_kittest::kittest::Queryable;
    let mut h = paused_editor(|s| {
        s.safe_area = gridreel::settings::SafeArea {
            top: 0.2,
            bottom: 0.2,
            left: 0.1,
            right: 0.1,
        };
    });
    assert!(h.state().guides.safe_area, "on by default");
    let frame = h.state().preview_frame_rect;
    let crop = |h: &mut EditorHarness| {
        assert_eq!(h.state().preview_frame_rect, frame);
        preview_pixels(h)
    };
    let guide = crop(&mut h);
    h.get_by_label("Show safe area").click();
    h.run_steps(3);
    assert!(!h.state().guides.safe_area);
    let plain = crop(&mut h);
    let (w, hh) = (guide.width(), guide.height());
    // Pixels darker with the guide, in a box of the frame given as shares.
    let dimmed = |x0: f32, y0: f32, x1: f32, y1: f32| {
        let mut n = 0;
        for y in (y0 * hh as f32) as u32..(y1 * hh as f32) as u32 {
            for x in (x0 * w as f32) as u32..(x1 * w as f32) as u32 {
                let (g, p) = (guide.get_pixel(x, y).0, plain.get_pixel(x, y).0);
                n += usize::from(g.iter().zip(p).take(3).any(|(a, b)| a.abs_diff(b) > 8));
            }
        }
        n
    };
    let top_band = dimmed(0.0, 0.0, 1.0, 0.15);
    assert!(
        top_band > 1000,
        "the covered top is not dimmed ({top_band})"
    );
    assert!(dimmed(0.0, 0.3, 0.05, 0.7) > 200, "the covered left edge");
    assert_eq!(dimmed(0.15, 0.25, 0.85, 0.75), 0, "the safe middle changed");
}
