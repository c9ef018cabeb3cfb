//! An honest, simple estimate of an export's file size, for the export dialog ("≈ 12 MB").
//!
//! The model, per codec, is bits per pixel per frame (bpp) at gridreel's default quality
//! (CRF 20 on x264's scale, preset `faster`), measured on the bundled demo photos at
//! 1920x1080, 30 fps:
//!
//! - H.264 0.0095 bpp (measured: 320x240 0.041, 798x600 0.024, 1280x720 0.0126,
//!   1920x1080 0.0092). Smaller frames spend more bits per pixel, so the bpp is scaled by
//!   (pixels / 1080p pixels)^-0.4, which fits those four within 30 %.
//! - H.265, AV1 and VP9 at the same quality setting: a fixed share of H.264's (see
//!   [`codec_share`]), measured the same way at 1280x720 through `codec_quality`'s mapping
//!   (H.265 0.83, AV1 1.15, VP9 3.1: libvpx-vp9 and SVT-AV1 at the mapped quality spend
//!   more than x264 here).
//! - Quality: every 9 steps of CRF halve or double the size (measured: CRF 26 gave 0.63 of
//!   CRF 20's size; x264's rule of thumb of 6 steps overstates it on these photos).
//! - ProRes 422 HQ is near-constant rate: 220 Mbit/s at 1080p29.97, i.e. 3.54 bpp, whatever
//!   the quality setting.
//! - GIF: FFmpeg's GIF encoder on the demo, 1280x720: 1.0 bpp at the GIF's own size and fps.
//! - Music adds its bitrate: AAC 192 kbit/s, Opus 128 kbit/s in WebM (GIF has none).
//!
//! Photos with more fine detail than the demo's (real camera photos, noise) compress worse:
//! expect up to about twice the estimate for H.264/H.265/AV1/VP9; ProRes stays put.

use crate::settings::{Settings, VideoCodec};

/// H.264 at CRF 20, 1920x1080: bits per pixel per frame.
const H264_BPP_1080P: f64 = 0.0095;
/// ProRes 422 HQ: 220 Mbit/s at 1920x1080, 29.97 fps.
const PRORES_BPP: f64 = 220.0e6 / (1920.0 * 1080.0 * 29.97);
/// GIF (256-colour palette, LZW) of sliding photos.
const GIF_BPP: f64 = 1.0;
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
/// H.264), music included.
#[must_use]
pub fn estimate_bytes(settings: &Settings, codec: VideoCodec) -> u64 {
    let secs = settings.duration_secs.max(0.0);
    let (w, h) = settings.frame_size_px();
    let (w, h) = (f64::from(w), f64::from(h));
    let fps = f64::from(settings.fps);
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
            GIF_BPP * gif_w * gif_h * f64::from(settings.video.gif_fps) * secs
        }
        _ => {
            let pixels = (w * h).max(1.0);
            let bpp = H264_BPP_1080P * (pixels / PIXELS_1080P).powf(-0.4);
            let quality = 2f64.powf((20.0 - f64::from(settings.video.quality_crf.min(51))) / 9.0);
            bpp * quality * codec_share(codec) * pixels * fps * secs
        }
    };
    let audio_bits_per_sec = match (&settings.audio.file, codec) {
        (None, _) | (_, VideoCodec::Gif) => 0.0,
        (Some(_), VideoCodec::Vp9) => 128_000.0,
        (Some(_), _) => 192_000.0,
    };
    ((video_bits + audio_bits_per_sec * secs) / 8.0).round() as u64
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
        let mbit = estimate_bytes(&s, VideoCodec::Prores) as f64 * 8.0 / 1e6;
        assert!((mbit - 220.0).abs() < 1.0, "{mbit}");
    }

    #[test]
    fn the_estimate_follows_duration_quality_and_codec() {
        let s = hd();
        let base = estimate_bytes(&s, VideoCodec::H264);
        let double = Settings {
            duration_secs: s.duration_secs * 2.0,
            ..s.clone()
        };
        assert_eq!(estimate_bytes(&double, VideoCodec::H264), base * 2);
        let mut worse = s.clone();
        worse.video.quality_crf = 29;
        let half = estimate_bytes(&worse, VideoCodec::H264) as f64 / base as f64;
        assert!((half - 0.5).abs() < 0.01, "{half}");
        assert!(estimate_bytes(&s, VideoCodec::H265) < base);
        assert!(estimate_bytes(&s, VideoCodec::Vp9) > base);
        assert!(estimate_bytes(&s, VideoCodec::Prores) > 50 * base);
        assert_eq!(format_estimate(1_234_567), "≈ 1.2 MB");
    }
}
