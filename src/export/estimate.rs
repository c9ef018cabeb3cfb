//! An honest, simple estimate of an export's file size, for the export dialog ("≈ 12 MB").
//!
//! An encoder spends its bits on the photos, not on the background, and far more on detailed
//! photos than on smooth ones, so the model looks at both:
//!
//! - **Coverage**: the share of the frame's area, over the clip, that shows photos
//!   ([`photo_coverage`], from the layout: the default motion enters and leaves, so its first
//!   and last frames are partly empty).
//! - **Detail**: the photos' mean neighbouring-luma difference ([`detail_of`], on the editor's
//!   36 px thumbnails, cropped like the tiles): about 5 for the bundled demo and generated
//!   photos, 15 for the real photographs of `tests/bench/real-photos.sh`.
//! - H.264 bits per photo pixel per frame at CRF 20, preset `faster`:
//!   `0.0335 · (pixels / 1080p)^-0.245 · detail^0.70 · tile_height^-0.263 · speed^0.284`,
//!   fitted (least squares on the logarithms) to 27 real exports: the demo, 36 generated
//!   photos and 12 real photographs, each at 9 layouts (798x600 to 4K, tiles 60-360 px high,
//!   speed 0.5-2, landscape and 9:16). Every one of the 27 came within 0.66-1.51× of its
//!   estimate; the model before (no coverage, no detail) ranged 0.18-1.22×, 4-5× low on the
//!   real photos.
//! - H.265, AV1 and VP9 at the same quality setting: a fixed share of H.264's (see
//!   [`codec_share`]), measured at 1280x720 through `codec_quality`'s mapping (H.265 0.83,
//!   AV1 1.15, VP9 3.1: libvpx-vp9 and SVT-AV1 at the mapped quality spend more than x264).
//! - Quality: every 9 steps of CRF halve or double the size (measured: CRF 26 gave 0.63 of
//!   CRF 20's size; x264's rule of thumb of 6 steps overstates it on these photos).
//! - ProRes 422 HQ is near-constant rate: 220 Mbit/s at 1080p29.97, i.e. 3.54 bpp, whatever
//!   the quality setting or the photos.
//! - GIF: see [`gif_bits_per_photo_pixel`].
//! - Music adds its bitrate: AAC 192 kbit/s, Opus 128 kbit/s in WebM (GIF has none).
//!
//! `tests/suite/editor_music.rs` checks the estimate against real exports of the demo and of
//! real photographs, within 2×.

use crate::settings::{Settings, VideoCodec};

/// H.264 at CRF 20: bits per photo pixel per frame for 1080p, detail 1, 1 px tiles, speed 1
/// (the fit's constant; see the module's notes).
const H264_BITS: f64 = 0.0335;
const H264_PIXELS_EXP: f64 = -0.245;
const H264_DETAIL_EXP: f64 = 0.70;
const H264_TILE_EXP: f64 = -0.263;
const H264_SPEED_EXP: f64 = 0.284;
/// The detail assumed before any photo has been measured: that of real photographs, so that
/// an early estimate errs high rather than low.
pub const TYPICAL_DETAIL: f64 = 15.0;
/// ProRes 422 HQ: 220 Mbit/s at 1920x1080, 29.97 fps.
const PRORES_BPP: f64 = 220.0e6 / (1920.0 * 1080.0 * 29.97);
const PIXELS_1080P: f64 = 1920.0 * 1080.0;

/// The size of a codec's output at the same quality setting, as a share of H.264's.
#[must_use]
pub fn codec_share(codec: VideoCodec) -> f64 {
    match codec {
        VideoCodec::Auto | VideoCodec::H264 | VideoCodec::Prores | VideoCodec::Gif => 1.0,
        VideoCodec::H265 => 0.83,
        VideoCodec::Av1 => 1.15,
        VideoCodec::Vp9 => 3.1,
    }
}

/// The estimated size in bytes of `settings` exported with `codec` (`Auto` counts as
/// H.264), music included, for photos of `detail` ([`detail_of`], averaged; or
/// [`TYPICAL_DETAIL`]).
#[must_use]
pub fn estimate_bytes(settings: &Settings, codec: VideoCodec, detail: f64) -> u64 {
    let secs = settings.duration_secs.max(0.0);
    let (w, h) = settings.frame_size_px();
    let (w, h) = (f64::from(w), f64::from(h));
    let fps = f64::from(settings.fps);
    let detail = detail.clamp(0.5, 100.0);
    let video_bits = match codec {
        VideoCodec::Prores => PRORES_BPP * w * h * fps * secs,
        VideoCodec::Gif => {
            let gif_w = settings
                .video
                .gif_width_px
                .map_or(w, f64::from)
                .min(w)
                .max(1.0);
            let gif_h = h * gif_w / w.max(1.0);
            let photo_pixels = gif_w * gif_h * photo_coverage(settings);
            gif_bits_per_photo_pixel(detail)
                * photo_pixels
                * f64::from(settings.video.gif_fps)
                * secs
        }
        _ => {
            let pixels = (w * h).max(1.0);
            let bits = H264_BITS
                * (pixels / PIXELS_1080P).powf(H264_PIXELS_EXP)
                * detail.powf(H264_DETAIL_EXP)
                * f64::from(settings.tile_height_px.max(1)).powf(H264_TILE_EXP)
                * settings.speed.clamp(0.05, 20.0).powf(H264_SPEED_EXP);
            let quality = 2f64.powf((20.0 - f64::from(settings.video.quality_crf.min(51))) / 9.0);
            let photo_pixels = pixels * photo_coverage(settings);
            bits * quality * codec_share(codec) * photo_pixels * fps * secs
        }
    };
    let audio_bits_per_sec = match (&settings.audio.file, codec) {
        (None, _) | (_, VideoCodec::Gif) => 0.0,
        (Some(_), VideoCodec::Vp9) => 128_000.0,
        (Some(_), _) => 192_000.0,
    };
    ((video_bits + audio_bits_per_sec * secs) / 8.0).round() as u64
}

/// GIF (256-colour palette, LZW, FFmpeg's frame differencing): bits per photo pixel per
/// frame at the GIF's own size and rate, `1.61 · detail^0.43`. Fitted to FFmpeg's GIF
/// encoder on the demo (640x481 and 640x360: 3.19 and 2.78 bits) and on the real photographs
/// (640x481: 5.16 bits); the fit is within 15 % of all three.
#[must_use]
pub fn gif_bits_per_photo_pixel(detail: f64) -> f64 {
    1.61 * detail.powf(0.43)
}

/// How much fine detail a set of photos has: the mean absolute difference between
/// neighbouring luma values (0-255 scale) of their thumbnails, which are cropped like their
/// tiles. Detailed photos (foliage, water, noise) cost an encoder far more bits than smooth
/// ones: the estimate scales with it.
#[must_use]
pub fn detail_of(thumb: &crate::photos::TilePixels) -> f64 {
    let (w, h) = (thumb.width_px as usize, thumb.height_px as usize);
    if w < 2 || h < 2 || thumb.rgba.len() < w * h * 4 {
        return 0.0;
    }
    let luma = |x: usize, y: usize| {
        let i = (y * w + x) * 4;
        let p = &thumb.rgba[i..i + 3];
        0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2])
    };
    let (mut sum, mut n) = (0.0, 0.0);
    for y in 0..h - 1 {
        for x in 0..w - 1 {
            let v = luma(x, y);
            sum += (luma(x + 1, y) - v).abs() + (luma(x, y + 1) - v).abs();
            n += 2.0;
        }
    }
    sum / n
}

/// The share of the frame's area, over the whole clip, that shows photos (the rest is the
/// background, which costs next to nothing): the default motion enters from one side and
/// leaves at the other, so the first and last frames are partly empty.
#[must_use]
pub fn photo_coverage(settings: &Settings) -> f64 {
    const TIMES: u32 = 24;
    const COLS: u32 = 48;
    const ROWS: u32 = 27;
    let layout = crate::layout::Layout::new(settings);
    let (w, h) = layout.frame_size_px();
    let (w, h) = (f64::from(w), f64::from(h));
    let mut hits = 0u32;
    for k in 0..TIMES {
        let t = settings.duration_secs * (f64::from(k) + 0.5) / f64::from(TIMES);
        for j in 0..ROWS {
            for i in 0..COLS {
                let x = w * (f64::from(i) + 0.5) / f64::from(COLS);
                let y = h * (f64::from(j) + 0.5) / f64::from(ROWS);
                hits += u32::from(layout.cell_at(x, y, t).is_some());
            }
        }
    }
    f64::from(hits) / f64::from(TIMES * COLS * ROWS)
}

/// "≈ 1.2 MB", "≈ 340 KB".
#[must_use]
pub fn format_estimate(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("≈ {:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("≈ {:.1} MB", b / 1e6)
    } else {
        format!("≈ {:.0} KB", (b / 1e3).max(1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::FrameSize;

    fn hd() -> Settings {
        Settings {
            frame: FrameSize::Hd,
            ..Settings::default()
        }
    }

    #[test]
    fn prores_is_220_mbit_at_1080p30() {
        let mut s = hd();
        s.fps = 30;
        s.duration_secs = 1.0;
        let mbit = estimate_bytes(&s, VideoCodec::Prores, TYPICAL_DETAIL) as f64 * 8.0 / 1e6;
        assert!((mbit - 220.0).abs() < 1.0, "{mbit}");
    }

    #[test]
    fn the_estimate_follows_duration_quality_and_codec() {
        let s = hd();
        let base = estimate_bytes(&s, VideoCodec::H264, TYPICAL_DETAIL);
        let double = Settings {
            duration_secs: s.duration_secs * 2.0,
            ..s.clone()
        };
        let doubled = estimate_bytes(&double, VideoCodec::H264, TYPICAL_DETAIL) as f64;
        assert!(
            (doubled / base as f64 - 2.0).abs() < 1e-3,
            "{doubled} vs {base}"
        );
        let mut worse = s.clone();
        worse.video.quality_crf = 29;
        let half = estimate_bytes(&worse, VideoCodec::H264, TYPICAL_DETAIL) as f64 / base as f64;
        assert!((half - 0.5).abs() < 0.01, "{half}");
        assert!(estimate_bytes(&s, VideoCodec::H265, TYPICAL_DETAIL) < base);
        assert!(estimate_bytes(&s, VideoCodec::Vp9, TYPICAL_DETAIL) > base);
        assert!(estimate_bytes(&s, VideoCodec::Prores, TYPICAL_DETAIL) > 50 * base);
        assert_eq!(format_estimate(1_234_567), "≈ 1.2 MB");
    }

    #[test]
    fn detail_and_coverage_drive_the_estimate() {
        // The shipped 1080p preset's grid: four rows of 270 px fill the height.
        let s = Settings {
            rows: 4,
            cols: 12,
            tile_height_px: 270,
            ..hd()
        };
        let smooth = estimate_bytes(&s, VideoCodec::H264, 5.0) as f64;
        let detailed = estimate_bytes(&s, VideoCodec::H264, 15.0) as f64;
        // 3× the detail: 3^0.7 = 2.16× the bits.
        assert!(
            (detailed / smooth - 3f64.powf(0.7)).abs() < 0.01,
            "{}",
            detailed / smooth
        );
        // The default motion enters and leaves: about half the frame shows photos; a loop
        // keeps it full, and a faster grid leaves sooner.
        let entering = photo_coverage(&s);
        assert!((0.4..0.8).contains(&entering), "{entering}");
        let mut looped = s.clone();
        looped.motion.looped = true;
        assert!(photo_coverage(&looped) > 0.95);
        let mut fast = s.clone();
        fast.speed = 2.0;
        assert!(photo_coverage(&fast) < entering * 0.6);
    }

    #[test]
    fn the_social_presets_fill_the_frame_from_the_first_frame() {
        for name in ["hd-landscape", "vertical-9x16"] {
            let text = crate::settings::shipped_preset_text(name).unwrap();
            let s = crate::settings::apply_preset(
                &Settings::default(),
                text,
                std::path::Path::new(name),
            )
            .unwrap();
            let coverage = photo_coverage(&s);
            assert!(coverage > 0.95, "{name}: {coverage}");
            // Frame 0 (the thumbnail sites show): photos nearly everywhere (gaps aside); the
            // entering motion shows none there.
            let layout = crate::layout::Layout::new(&s);
            let (w, h) = layout.frame_size_px();
            let points: Vec<(f64, f64)> = (0..16)
                .flat_map(|i| (0..9).map(move |j| (i, j)))
                .map(|(i, j)| {
                    (
                        // Off the pixel grid's round numbers, where gaps lie.
                        f64::from(w) * (f64::from(i) + 0.37) / 16.0,
                        f64::from(h) * (f64::from(j) + 0.37) / 9.0,
                    )
                })
                .collect();
            let hits = points
                .iter()
                .filter(|(x, y)| layout.cell_at(*x, *y, 0.0).is_some())
                .count();
            // (A row of samples may fall in a 4 px gap: 16 of 144.)
            assert!(
                hits * 100 >= points.len() * 85,
                "{name}: frame 0 {hits} of {}",
                points.len()
            );
        }
    }

    #[test]
    fn detail_is_zero_for_a_flat_thumbnail_and_grows_with_edges() {
        let flat = crate::photos::TilePixels {
            width_px: 4,
            height_px: 4,
            rgba: vec![128; 64],
        };
        assert!(detail_of(&flat).abs() < f64::EPSILON);
        // Black and white columns: every horizontal step is 255, no vertical one.
        let mut stripes = flat.clone();
        for (i, px) in stripes.rgba.chunks_mut(4).enumerate() {
            let v = if i % 2 == 0 { 0 } else { 255 };
            px.copy_from_slice(&[v, v, v, 255]);
        }
        assert!(
            (detail_of(&stripes) - 127.5).abs() < 0.01,
            "{}",
            detail_of(&stripes)
        );
    }
}
