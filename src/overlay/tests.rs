//! The overlay: blending in YUV gives the pixels of blending in RGB, sprites stay in their
//! place, the title fades, bad logos are refused.

use super::*;
use crate::render::reference::{rgba_to_yuv420, rgba_to_yuv422p10};
use crate::render::{PixelLayout, VideoFrame};
use crate::settings::{Color, LogoSettings, TitleSettings};

/// A frame of 2x2 blocks of one colour each (so a chroma sample is exactly its pixels').
fn blocky_frame(w: u32, h: u32) -> Vec<u8> {
    let mut rgba = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            let (bx, by) = (x / 2, y / 2);
            rgba.extend_from_slice(&[
                (bx * 37 % 256) as u8,
                (by * 53 % 256) as u8,
                ((bx + by) * 29 % 256) as u8,
                255,
            ]);
        }
    }
    rgba
}

/// A sprite with every alpha from 0 to 1 and colours, premultiplied.
fn test_overlay(w: u32, h: u32) -> Overlay {
    let (sw, sh) = (16u32, 8u32);
    let mut rgba = Vec::new();
    for y in 0..sh {
        for x in 0..sw {
            let a = ((x / 2 + (y / 2) * 8) * 255 / 31) as u8;
            let premul = |c: u32| (c * u32::from(a) / 255) as u8;
            rgba.extend_from_slice(&[premul(250), premul(x * 15), premul(y * 30), a]);
        }
    }
    Overlay {
        width_px: w,
        height_px: h,
        sprites: vec![Sprite {
            x_px: 4,
            y_px: 2,
            width_px: sw,
            height_px: sh,
            rgba,
            fade: Fade::Always,
        }],
    }
}

/// `over` in RGB, 8-bit, as the preview does.
fn blend_rgb(frame: &mut [u8], overlay: &Overlay, o: f32) {
    for s in &overlay.sprites {
        for y in 0..s.height_px {
            for x in 0..s.width_px {
                let si = ((y * s.width_px + x) * 4) as usize;
                let di = (((s.y_px + y) * overlay.width_px + s.x_px + x) * 4) as usize;
                let a = f32::from(s.rgba[si + 3]) / 255.0 * o;
                for c in 0..3 {
                    let v = o * f32::from(s.rgba[si + c]) + (1.0 - a) * f32::from(frame[di + c]);
                    frame[di + c] = v.round() as u8;
                }
            }
        }
    }
}

fn max_diff(a: &[u8], b: &[u8]) -> u8 {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.abs_diff(*y))
        .max()
        .unwrap_or(0)
}

/// The export blends into YUV; converting the frame blended in RGB gives the same codes
/// (within the rounding of the two 8-bit steps), at full and at half opacity.
#[test]
fn blending_in_yuv_matches_blending_in_rgb_then_converting() {
    let (w, h) = (32, 16);
    let overlay = test_overlay(w, h);
    let base = blocky_frame(w, h);
    for o in [1.0f32, 0.5] {
        let mut expected_rgb = base.clone();
        blend_rgb(&mut expected_rgb, &overlay, o);
        let mut expected = VideoFrame::new(w, h);
        rgba_to_yuv420(&expected_rgb, w, h, &mut expected);
        let mut frame = VideoFrame::new(w, h);
        rgba_to_yuv420(&base, w, h, &mut frame);
        let mut faded = overlay.clone();
        faded.sprites[0].fade = Fade::Out {
            from_secs: 0.0,
            to_secs: 2.0,
        };
        let t = if o < 1.0 { 1.0 } else { 0.0 };
        Blender::new(&faded, PixelLayout::Yuv420).blend(&mut frame, t);
        assert!(max_diff(&frame.data, &expected.data) <= 2, "opacity {o}");
        let untouched = {
            let mut f = VideoFrame::new(w, h);
            rgba_to_yuv420(&base, w, h, &mut f);
            f
        };
        assert_ne!(frame.data, untouched.data, "opacity {o}: nothing blended");

        let mut frame10 = rgba_to_yuv422p10(&base, w, h);
        Blender::new(&faded, PixelLayout::Yuv422P10).blend(&mut frame10, t);
        let expected10 = rgba_to_yuv422p10(&expected_rgb, w, h);
        let samples = |f: &VideoFrame| -> Vec<u16> {
            f.data
                .chunks(2)
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
                .collect()
        };
        let worst = samples(&frame10)
            .iter()
            .zip(samples(&expected10))
            .map(|(a, b)| a.abs_diff(b))
            .max()
            .unwrap_or(0);
        assert!(worst <= 8, "10-bit, opacity {o}: {worst}");

        let mut rgba = VideoFrame {
            layout: PixelLayout::Rgba,
            width_px: w,
            height_px: h,
            data: base.clone(),
        };
        Blender::new(&faded, PixelLayout::Rgba).blend(&mut rgba, t);
        assert!(
            max_diff(&rgba.data, &expected_rgb) <= 1,
            "RGBA, opacity {o}"
        );
    }
}

/// Outside the sprites' rectangles no byte changes.
#[test]
fn nothing_outside_the_sprites_changes() {
    let (w, h) = (32, 16);
    let overlay = test_overlay(w, h);
    let base = blocky_frame(w, h);
    let mut frame = VideoFrame::new(w, h);
    rgba_to_yuv420(&base, w, h, &mut frame);
    let before = frame.clone();
    Blender::new(&overlay, PixelLayout::Yuv420).blend(&mut frame, 0.0);
    let s = &overlay.sprites[0];
    let (y_before, u_before, _) = before.planes();
    let (y_after, u_after, _) = frame.planes();
    for y in 0..h {
        for x in 0..w {
            let inside = (s.x_px..s.x_px + s.width_px).contains(&x)
                && (s.y_px..s.y_px + s.height_px).contains(&y);
            let i = (y * w + x) as usize;
            if !inside {
                assert_eq!(y_before[i], y_after[i], "luma at {x},{y}");
                let c = ((y / 2) * (w / 2) + x / 2) as usize;
                assert_eq!(u_before[c], u_after[c], "chroma at {x},{y}");
            }
        }
    }
}

#[test]
fn the_title_fades_out_after_its_first_seconds_and_an_end_card_fades_in() {
    let mut settings = Settings {
        duration_secs: 10.0,
        ..Settings::default()
    };
    settings.title.show = TitleShow::First;
    settings.title.secs = 3.0;
    let fade = title_fade(&settings);
    assert!((fade.at(0.0) - 1.0).abs() < 1e-6);
    assert!((fade.at(2.5) - 1.0).abs() < 1e-6);
    assert!((fade.at(2.75) - 0.5).abs() < 1e-3);
    assert!(fade.at(3.0).abs() < 1e-6);
    settings.title.show = TitleShow::End;
    let fade = title_fade(&settings);
    assert!(fade.at(6.9).abs() < 1e-6);
    assert!((fade.at(7.25) - 0.5).abs() < 1e-3);
    assert!((fade.at(9.9) - 1.0).abs() < 1e-6);
}

/// A title at the top lies in the top part of the frame; at the bottom, in the bottom part;
/// the band covers the whole width.
#[test]
fn title_positions_and_band() {
    let mut settings = Settings {
        title: TitleSettings {
            text: "Kyoto 2026".into(),
            subtitle: "spring".into(),
            backdrop: Backdrop::Band,
            position: TitlePosition::Top,
            color: Color::rgb(255, 200, 0),
            ..TitleSettings::default()
        },
        ..Settings::default()
    };
    let top = Overlay::build(&settings, (640, 360)).unwrap();
    let s = &top.sprites[0];
    assert_eq!((s.x_px, s.width_px), (0, 640));
    assert!(
        s.y_px > 0 && s.y_px + s.height_px < 180,
        "{}..{}",
        s.y_px,
        s.height_px
    );
    // The band: translucent black where there is no letter (the left edge, half-way down).
    let left = (s.height_px / 2 * s.width_px * 4) as usize;
    assert_eq!(&s.rgba[left..left + 4], &[0, 0, 0, 115]);
    settings.title.position = TitlePosition::Bottom;
    let bottom = Overlay::build(&settings, (640, 360)).unwrap();
    assert!(bottom.sprites[0].y_px > 180);
    settings.title = TitleSettings::default();
    assert!(Overlay::build(&settings, (640, 360)).unwrap().is_empty());
}

/// A 40×20 opaque red PNG in `dir`.
fn red_logo(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("logo.png");
    image::RgbaImage::from_pixel(40, 20, image::Rgba([255, 0, 0, 255]))
        .save(&path)
        .unwrap();
    path
}

#[test]
fn a_logo_sits_in_its_corner_with_its_opacity_and_bad_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = red_logo(dir.path());
    let mut settings = Settings {
        logo: LogoSettings {
            file: Some(path.clone()),
            size: 0.25,
            opacity: 0.5,
            margin: 0.05,
            ..LogoSettings::default()
        },
        ..Settings::default()
    };
    let overlay = Overlay::build(&settings, (400, 200)).unwrap();
    let s = &overlay.sprites[0];
    // 50 px tall (a quarter of 200), 100 wide, 10 px from the bottom-right corner.
    assert_eq!(
        (s.x_px, s.y_px, s.width_px, s.height_px),
        (290, 140, 100, 50)
    );
    let centre = ((25 * s.width_px + 50) * 4) as usize;
    assert_eq!(&s.rgba[centre..centre + 4], &[128, 0, 0, 128]);

    std::fs::write(&path, b"not an image at all").unwrap();
    let err = Overlay::build(&settings, (400, 200))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not an image") && err.ends_with("logo.png"),
        "{err}"
    );
    settings.logo.file = Some(dir.path().to_owned());
    let err = Overlay::build(&settings, (400, 200))
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a regular file"), "{err}");
}

/// A safe area moves the title placed at the top down by its top edge, and keeps its
/// letters' pixels out of the covered top rows.
#[test]
fn a_title_at_the_top_sits_inside_the_safe_area() {
    let mut settings = Settings {
        title: TitleSettings {
            text: "Kyoto 2026".into(),
            backdrop: Backdrop::None,
            position: TitlePosition::Top,
            ..TitleSettings::default()
        },
        ..Settings::default()
    };
    let frame = (360, 640);
    let first_ink_row = |o: &Overlay| {
        let s = &o.sprites[0];
        let row = (0..s.height_px)
            .find(|y| {
                let from = (y * s.width_px * 4) as usize;
                s.rgba[from..from + (s.width_px * 4) as usize]
                    .chunks(4)
                    .any(|p| p[3] > 0)
            })
            .unwrap();
        s.y_px + row
    };
    let plain = first_ink_row(&Overlay::build(&settings, frame).unwrap());
    settings.safe_area = crate::settings::SafeArea {
        top: 0.10,
        bottom: 0.20,
        left: 0.05,
        right: 0.12,
    };
    let safe = first_ink_row(&Overlay::build(&settings, frame).unwrap());
    assert_eq!(safe, plain + 64, "a tenth of 640 rows lower");
    settings.title.position = TitlePosition::Bottom;
    let bottom = &Overlay::build(&settings, frame).unwrap().sprites[0];
    assert!(
        bottom.y_px + bottom.height_px <= 512,
        "above the bottom fifth"
    );
}

/// The logo's corner is the safe rectangle's: its margin is measured from the safe edges.
#[test]
fn the_logo_sits_in_the_safe_rectangles_corner() {
    let dir = tempfile::tempdir().unwrap();
    let path = red_logo(dir.path());
    let mut settings = Settings {
        logo: LogoSettings {
            file: Some(path),
            size: 0.1,
            margin: 0.02,
            ..LogoSettings::default()
        },
        ..Settings::default()
    };
    let frame = (400, 800);
    let plain = Overlay::build(&settings, frame).unwrap().sprites[0].clone();
    // 80 tall, 160 wide, 16 px from the bottom-right corner.
    assert_eq!((plain.x_px, plain.y_px), (224, 704));
    settings.safe_area = crate::settings::SafeArea {
        top: 0.10,
        bottom: 0.20,
        left: 0.05,
        right: 0.12,
    };
    let safe = Overlay::build(&settings, frame).unwrap().sprites[0].clone();
    // The safe rectangle's bottom-right corner is (352, 640).
    assert_eq!((safe.x_px, safe.y_px), (352 - 16 - 160, 640 - 16 - 80));
    settings.logo.position = Corner::TopLeft;
    let top_left = Overlay::build(&settings, frame).unwrap().sprites[0].clone();
    assert_eq!((top_left.x_px, top_left.y_px), (20 + 16, 80 + 16));
}
