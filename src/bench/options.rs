//! What to measure, from the command line, and the settings every bench export starts from.

use std::path::PathBuf;

use crate::settings::{FrameSize, Settings};

/// What to measure; see `gridreel bench --help`.
#[derive(Clone, Debug)]
#[allow(clippy::struct_excessive_bools)] // switches of the command line
pub struct BenchOptions {
    /// Photos to use; generated (8–15 MP JPEGs) into `work` when None.
    pub photos: Option<PathBuf>,
    /// Where generated photos and temporary videos go (kept, so a second run reuses them).
    pub work: PathBuf,
    /// Clip length for the export ÷ encode-only ratio.
    pub clip_secs: f64,
    pub skip_4k: bool,
    /// Photos for the large import and memory case (0 skips it).
    pub large: u32,
    pub x264_preset: crate::settings::X264Preset,
    /// Skip the one-row-per-codec case.
    pub skip_codecs: bool,
    /// Skip the motion rows (alternate/loop, vertical).
    pub skip_motions: bool,
    /// Skip the rows that open the editor's window (they need a display).
    pub skip_editor: bool,
    /// Only the whole-process rows (`process`).
    pub process_only: bool,
    /// Only the 1080p30 ratio rows with and without words, and their ratio (`ratio`).
    pub words_only: bool,
    /// Only the phone-format rows (`phone`).
    pub phone_only: bool,
    /// Only the rows of clips that play (`clips`).
    pub clips_only: bool,
}

impl BenchOptions {
    /// The default settings at `frame` and `tile_height_px`, with the bench's x264 preset
    /// and the encoder chosen as `gridreel render` chooses it.
    pub(super) fn settings(&self, frame: FrameSize, tile_height_px: u32) -> Settings {
        let mut s = Settings {
            tile_height_px,
            frame,
            ..Settings::default()
        };
        s.video.x264_preset = self.x264_preset;
        s.video.encoder = crate::settings::EncoderChoice::Auto;
        s
    }

    /// The 4K marquee: 4 rows of 250 columns of 720x540 tiles, 180,000 pixels wide, far too
    /// wide for one still (the rolling still draws it), 4 s, x264 ultrafast.
    pub(super) fn marquee(&self) -> Settings {
        let mut marquee = self.settings(
            FrameSize::Custom {
                width_px: 3840,
                height_px: 2160,
            },
            540,
        );
        (marquee.rows, marquee.cols) = (4, 250);
        marquee.duration_secs = 4.0;
        marquee.video.x264_preset = crate::settings::X264Preset::Ultrafast;
        marquee
    }
}
