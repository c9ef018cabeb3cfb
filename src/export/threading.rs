//! How the encoder spreads over the cores and how far it looks ahead, chosen by the memory
//! budget: the encoder's own defaults (for x264, frame threads: the speed every ratio in
//! `gridreel bench` is measured against) when the budget holds their extra memory, a lean
//! setting when it is tight. The extra memory is counted in the budget: the photos get the
//! rest.
//!
//! Measured with the `ffmpeg` command line encoding the same raw 1080p frames (a 6×6 grid
//! sliding), peak RSS, 2 cores (see docs/PERFORMANCE.md, "The encoder's threads"):
//! - x264 `veryfast`: 283 MB with its defaults (3 frame threads, 10-frame look-ahead), 179 MB
//!   with sliced threads and a 5-frame look-ahead; 344/186 MB at 6 threads, 442/199 MB at 12;
//!   `medium` (40-frame look-ahead) 484/179 MB; 4K 868/498 MB. Sliced threads cost x264 about
//!   a fifth of its speed on 2 cores (issue 20: 7.17 s against 5.84 s for 600 frames).
//! - x265: `frame-threads=1` saves nothing (391 against 389 MB); a 5-frame look-ahead saves
//!   82 MB (307 MB).
//! - SVT-AV1: no look-ahead saves 149 MB (335 against 484 MB); one thread (`lp=1`) saves 95 MB
//!   but runs 1.4× as long, so it is never used.
//! - libvpx-vp9 in realtime mode: threads, `row-mt` and tile columns change nothing (332–348
//!   MB); `lag-in-frames=0` saves 116 MB (229 MB) at the same speed and size, so it is always
//!   set (see `encoder::encoder_options`).

use crate::settings::{VideoSettings, X264Preset};

/// Which of the encoder's settings an export uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threading {
    /// The encoder's defaults: for x264 frame threads and its preset's look-ahead.
    Defaults,
    /// Less memory: x264 sliced threads and a 5-frame look-ahead, x265 a 5-frame look-ahead,
    /// SVT-AV1 none.
    Lean,
}

/// The encoder's threads: how many (0: the encoder's choice) and which setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncoderThreads {
    pub count: usize,
    pub threading: Threading,
}

impl EncoderThreads {
    /// The encoder's defaults with `count` threads.
    #[must_use]
    pub fn defaults(count: usize) -> Self {
        Self {
            count,
            threading: Threading::Defaults,
        }
    }
}

/// The encoder's defaults may take at most this share of the budget (1/4): a tight budget
/// keeps its room for photos, where streaming costs decode time.
const MOST_OF_BUDGET_DIVISOR: u64 = 4;

/// What an export's encoder uses, and the bytes of the budget it takes for that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadingChoice {
    pub threads: EncoderThreads,
    /// Memory the defaults take beyond the lean setting (0 when lean, or when the encoder
    /// has no lean setting).
    pub extra_bytes: u64,
    /// What the user is told ([`describe`]).
    pub description: Option<&'static str>,
}

/// Chooses the encoder's setting for `name` at `size_px` within `budget` bytes: the
/// defaults when their extra memory is at most a quarter of the budget, else the lean one.
#[must_use]
pub fn choose(
    name: &str,
    video: &VideoSettings,
    size_px: (u32, u32),
    budget: u64,
    cores: usize,
) -> ThreadingChoice {
    let count = video.threads as usize;
    let extra = defaults_extra_bytes(name, video.x264_preset, size_px, count, cores);
    let (threading, extra_bytes) = if extra <= budget / MOST_OF_BUDGET_DIVISOR {
        (Threading::Defaults, extra)
    } else {
        (Threading::Lean, 0)
    };
    ThreadingChoice {
        threads: EncoderThreads { count, threading },
        extra_bytes,
        description: describe(name, threading),
    }
}

/// An upper bound, fitted to the measurements above, of what `name`'s defaults take beyond
/// its lean setting at `width × height`, with `threads` threads (0: the encoder's choice
/// on `cores` cores). 0 for encoders without a lean setting.
#[must_use]
pub fn defaults_extra_bytes(
    name: &str,
    preset: X264Preset,
    (width_px, height_px): (u32, u32),
    threads: usize,
    cores: usize,
) -> u64 {
    let pixels = u64::from(width_px) * u64::from(height_px);
    let frame_bytes = pixels * 3 / 2;
    match name {
        "libx264" => {
            // x264's own choice: 1.5 threads a core.
            let threads = if threads == 0 {
                (cores * 3).div_ceil(2)
            } else {
                threads
            };
            // 1080p: 3 threads and 10 frames of look-ahead (veryfast) 103 MB measured, 118
            // by this; 6 threads 158/174; 12 threads 243/286; medium 305/305; 4K 370/472.
            frame_bytes * (6 * threads as u64 + 2 * x264_lookahead_frames(preset))
        }
        // 82 MB at 1080p: 26 frames' worth, rounded up.
        "libx265" => frame_bytes * 28,
        // 149 MB at 1080p: 48 frames' worth, rounded up.
        "libsvtav1" => frame_bytes * 50,
        _ => 0,
    }
}

/// x264's `rc-lookahead` for each preset (its `x264_param_default_preset`).
fn x264_lookahead_frames(preset: X264Preset) -> u64 {
    match preset {
        X264Preset::Ultrafast | X264Preset::Superfast => 0,
        X264Preset::Veryfast => 10,
        X264Preset::Faster => 20,
        X264Preset::Fast => 30,
        X264Preset::Medium => 40,
        X264Preset::Slow => 50,
        X264Preset::Slower | X264Preset::Veryslow | X264Preset::Placebo => 60,
    }
}

/// The encoder's private options for `threading`, as `(key, value)`.
#[must_use]
pub fn options(name: &str, threading: Threading) -> Option<(&'static str, &'static str)> {
    match (name, threading) {
        ("libx264", Threading::Lean) => Some(("x264-params", "sliced-threads=1:rc-lookahead=5")),
        ("libx265", Threading::Lean) => Some(("x265-params", "log-level=error:rc-lookahead=5")),
        ("libx265", Threading::Defaults) => Some(("x265-params", "log-level=error")),
        ("libsvtav1", Threading::Lean) => Some(("la_depth", "0")),
        _ => None,
    }
}

/// What the user is told about `name`'s setting, e.g. "frame threads (x264's defaults)";
/// None for encoders without a choice.
#[must_use]
pub fn describe(name: &str, threading: Threading) -> Option<&'static str> {
    Some(match (name, threading) {
        ("libx264", Threading::Defaults) => "frame threads (x264's defaults)",
        ("libx264", Threading::Lean) => {
            "sliced threads, 5-frame look-ahead (the budget is too tight for x264's frame threads)"
        }
        ("libx265", Threading::Defaults) => "x265's defaults",
        ("libx265", Threading::Lean) => {
            "5-frame look-ahead (the budget is too tight for x265's defaults)"
        }
        ("libsvtav1", Threading::Defaults) => "SVT-AV1's defaults",
        ("libsvtav1", Threading::Lean) => {
            "no look-ahead (the budget is too tight for SVT-AV1's defaults)"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    const HD: (u32, u32) = (1920, 1080);
    const MB: u64 = 1 << 20;

    fn video() -> VideoSettings {
        let mut video = Settings::default().video;
        video.x264_preset = X264Preset::Veryfast;
        video
    }

    /// The bound covers every measurement it was fitted to, and is not far above them.
    #[test]
    fn the_x264_bound_covers_the_measured_extra_memory() {
        let veryfast = X264Preset::Veryfast;
        for (preset, size, threads, measured_mb) in [
            (veryfast, HD, 3, 103),
            (veryfast, HD, 6, 158),
            (veryfast, HD, 12, 243),
            (X264Preset::Medium, HD, 3, 305),
            (veryfast, (3840, 2160), 3, 370),
        ] {
            let bound = defaults_extra_bytes("libx264", preset, size, threads, 2) / MB;
            assert!(
                bound >= measured_mb * 95 / 100 && bound <= measured_mb * 14 / 10,
                "{preset:?} {size:?} {threads} threads: bound {bound} MB, measured {measured_mb} MB"
            );
        }
        assert_eq!(
            defaults_extra_bytes("libx264", veryfast, HD, 0, 2),
            defaults_extra_bytes("libx264", veryfast, HD, 3, 2),
            "x264's own choice on 2 cores is 3 threads"
        );
    }

    #[test]
    fn the_budget_decides_between_frame_threads_and_sliced_threads() {
        let extra = defaults_extra_bytes("libx264", X264Preset::Veryfast, HD, 0, 2);
        let roomy = choose("libx264", &video(), HD, 4 * extra, 2);
        assert_eq!(roomy.threads.threading, Threading::Defaults);
        assert_eq!(roomy.extra_bytes, extra);
        let tight = choose("libx264", &video(), HD, 4 * extra - 1, 2);
        assert_eq!(tight.threads.threading, Threading::Lean);
        assert_eq!(tight.extra_bytes, 0);
        // Encoders with nothing to choose keep their defaults, and take nothing.
        let vp9 = choose("libvpx-vp9", &video(), HD, 0, 2);
        assert_eq!(vp9.threads.threading, Threading::Defaults);
        assert_eq!(vp9.extra_bytes, 0);
    }

    #[test]
    fn every_lean_setting_is_described_and_has_options() {
        for name in ["libx264", "libx265", "libsvtav1"] {
            assert!(options(name, Threading::Lean).is_some(), "{name}");
            assert!(describe(name, Threading::Lean).is_some(), "{name}");
            assert!(describe(name, Threading::Defaults).is_some(), "{name}");
        }
        assert_eq!(options("libx264", Threading::Defaults), None);
    }
}
