//! Everything a user can set: defaults equal the older tool's, validation names the setting
//! and what is allowed, presets are RON files.

mod captions;
pub mod limits;
mod overlay;
mod preset;
mod sidecar;
mod values;
mod video;
mod words;

pub use captions::{
    CaptionPlace, CaptionSettings, CaptionSource, CaptionTexts, MAX_CAPTION_CHARS, caption_size_px,
    check_caption, cleaned_caption,
};
pub use preset::{
    PRESET_FILE, PresetError, SHIPPED_PRESETS, apply_preset, load_preset, load_preset_or_shipped,
    read_preset_text, save_preset, settings_to_ron, shipped_preset, shipped_preset_text,
};
pub use sidecar::{SidecarError, read_caption_sidecar};
pub use values::{
    Aspect, ClipMode, Color, CropAnchor, Direction, Focus, FrameSize, LiveMode, MIN_MEMORY_BUDGET,
    MemoryBudget, PhotoSettings, PhotoSort,
};
pub use video::{EncoderChoice, EncoderName, VideoCodec, X264Preset};
pub use words::{
    Backdrop, Corner, LogoSettings, MAX_TITLE_CHARS, SafeArea, TitlePosition, TitleSettings,
    TitleShow, without_control_chars,
};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The crop centres of single photos, by path (as the photo list names them).
pub type FocusMap = BTreeMap<PathBuf, Focus>;

/// The most photos with their own crop centre a project holds.
pub const MAX_FOCUS_POINTS: usize = 100_000;

/// The layout, animation and encoding settings of one video.
///
/// Presets may hold any subset of the fields; missing ones take the defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Grid rows; photos fill the grid row-major in sort order.
    pub rows: u32,
    /// Grid columns.
    pub cols: u32,
    /// Pixels between tiles, horizontally.
    pub gap_h_px: u32,
    /// Pixels between tiles, vertically.
    pub gap_v_px: u32,
    /// Tile height in pixels; tile width = height × aspect.
    pub tile_height_px: u32,
    /// Every photo is cropped to this width:height ratio.
    pub aspect: Aspect,
    /// Which part of a photo the crop keeps.
    pub crop: CropAnchor,
    /// Photos whose crop is centred on a point of their own (the editor sets one with a
    /// click on the photo's tile), by path; every other photo is cropped by `crop`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub focus: FocusMap,
    /// Colour behind and between the tiles, and under transparent pixels.
    pub background: Color,
    /// Length of the video in seconds.
    pub duration_secs: f64,
    /// Frames per second.
    pub fps: u32,
    /// 1.0: the grid enters at the right edge and has just left at the left edge at the end;
    /// 0: the grid stands still, centred in the frame (the motion settings then do nothing).
    pub speed: f64,
    /// Direction, alternate rows, row speeds and looping.
    pub motion: MotionSettings,
    /// Output frame size.
    pub frame: FrameSize,
    /// First photo to use, 1-based, in sort order (`None`: the first).
    pub first_photo: Option<u32>,
    /// Last photo to use, 1-based, inclusive (`None`: the last).
    pub last_photo: Option<u32>,
    /// The photos' order: by name, date taken, or shuffled.
    pub photos: PhotoSettings,
    /// Encoding settings.
    pub video: VideoSettings,
    /// Music.
    pub audio: AudioSettings,
    /// A title and subtitle over the grid.
    #[serde(skip_serializing_if = "TitleSettings::is_default")]
    pub title: TitleSettings,
    /// A logo or watermark in a corner.
    #[serde(skip_serializing_if = "LogoSettings::is_default")]
    pub logo: LogoSettings,
    /// The edges a platform covers with its own buttons (9:16 short video): the title and
    /// the logo are placed inside what is left; the editor can show it as a guide.
    #[serde(skip_serializing_if = "SafeArea::is_default")]
    pub safe_area: SafeArea,
    /// A caption in each tile's bottom band: the date taken, the file or folder name, or a
    /// text of the photo's own.
    #[serde(skip_serializing_if = "CaptionSettings::is_default")]
    pub captions: CaptionSettings,
    /// What a video file among the photos becomes: a clip that plays (looping, or once),
    /// one still frame, or left out.
    #[serde(skip_serializing_if = "ClipMode::is_default")]
    pub clips: ClipMode,
    /// Whether a Live Photo's motion (or an Android motion photo's video) plays in its
    /// still's cell.
    #[serde(skip_serializing_if = "LiveMode::is_default")]
    pub live_photos: LiveMode,
    /// Memory for decoded photo pixels, RAM and GPU together: `auto`, `2GB`, `25%`.
    /// When the tiles do not all fit, they stream: decoded ahead, farthest-needed evicted.
    pub memory_budget: MemoryBudget,
}

/// How the video is encoded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VideoSettings {
    /// The codec; `auto`: the one the output's file type calls for.
    pub codec: VideoCodec,
    /// `auto` (the codec's hardware encoder when one opens, else its software encoder) or
    /// any FFmpeg encoder name.
    pub encoder: EncoderChoice,
    /// Constant quality (CRF / CQ): 0 best … 51 worst.
    pub quality_crf: u32,
    /// x264 speed preset (ultrafast … veryslow).
    pub x264_preset: X264Preset,
    /// Encoder threads; 0 = all cores.
    pub threads: u32,
    /// Frames per second of a GIF (a GIF's delays are in 1/100 s; 15 keeps files small).
    pub gif_fps: u32,
    /// Width of a GIF in pixels, at most the frame's (the height follows the frame's
    /// aspect); `None`: the frame's width.
    pub gif_width_px: Option<u32>,
}

/// The most row speeds a motion takes (they repeat over the rows).
pub const MAX_ROW_SPEEDS: usize = 16;

/// How the grid moves, beyond its speed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MotionSettings {
    /// Left and right move the rows, up and down the columns.
    pub direction: Direction,
    /// Odd rows (or columns, moving up and down) move the opposite way.
    pub alternate: bool,
    /// Speed factor per row (per column moving up and down), repeating when there are fewer
    /// than rows; empty: all 1.
    pub row_speeds: Vec<f64>,
    /// The photos repeat endlessly: frame 0 is full and the last frame leads into the first.
    /// Each row's speed is adjusted to the nearest whole number of cycles in the clip.
    #[serde(rename = "loop")]
    pub looped: bool,
}

/// The music track, if any.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AudioSettings {
    /// Any audio file FFmpeg decodes (WAV, MP3, AAC/M4A, FLAC, Ogg/Opus); `None`: silent.
    pub file: Option<std::path::PathBuf>,
    /// Seconds the track fades in at the start (0: none).
    pub fade_in_secs: f64,
    /// Seconds the track fades out at the end.
    pub fade_out_secs: f64,
    /// Where in the track the video starts, seconds.
    pub offset_secs: f64,
}

impl Default for AudioSettings {
    fn default() -> Self {
        Self {
            file: None,
            fade_in_secs: 0.0,
            fade_out_secs: 1.0,
            offset_secs: 0.0,
        }
    }
}

impl Default for VideoSettings {
    fn default() -> Self {
        Self {
            codec: VideoCodec::Auto,
            encoder: EncoderChoice::Auto,
            quality_crf: 20,
            x264_preset: X264Preset::Faster,
            threads: 0,
            gif_fps: 15,
            gif_width_px: Some(640),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            rows: 6,
            cols: 6,
            gap_h_px: 0,
            gap_v_px: 0,
            tile_height_px: 100,
            aspect: Aspect::new(4.0, 3.0),
            crop: CropAnchor::Center,
            focus: FocusMap::new(),
            background: Color::WHITE,
            duration_secs: 4.0,
            fps: 30,
            speed: 1.0,
            motion: MotionSettings::default(),
            frame: FrameSize::Auto,
            first_photo: None,
            last_photo: None,
            photos: PhotoSettings::default(),
            video: VideoSettings::default(),
            audio: AudioSettings::default(),
            title: TitleSettings::default(),
            logo: LogoSettings::default(),
            safe_area: SafeArea::default(),
            captions: CaptionSettings::default(),
            clips: ClipMode::default(),
            live_photos: LiveMode::default(),
            memory_budget: MemoryBudget::Auto,
        }
    }
}

/// A setting with a value outside what is allowed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SettingsError {
    /// The setting's name as in presets (`rows`, `video.quality_crf`).
    pub field: &'static str,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// Largest frame side and tile side we accept (GPU texture limits are 8192 on most devices).
pub const MAX_FRAME_SIDE_PX: u32 = 8192;
pub const MAX_TILE_SIDE_PX: u32 = 4096;

impl Settings {
    /// Checks every value; the first bad one is returned with what is allowed.
    pub fn validate(&self) -> Result<(), SettingsError> {
        self.validate_grid()?;
        self.validate_timing()?;
        self.validate_motion()?;
        self.validate_frame()?;
        self.validate_photos()?;
        self.validate_video()?;
        self.validate_audio_and_budget()?;
        self.title.validate()?;
        self.logo.validate()?;
        self.safe_area.validate()?;
        self.captions.validate()?;
        Ok(())
    }

    /// Checks the grid: rows, columns, gaps, tile size and aspect.
    fn validate_grid(&self) -> Result<(), SettingsError> {
        limits::ROWS.check(self.rows)?;
        limits::COLS.check(self.cols)?;
        limits::GAP_H.check(self.gap_h_px)?;
        limits::GAP_V.check(self.gap_v_px)?;
        limits::TILE_HEIGHT.check(self.tile_height_px)?;
        let ratio = self.aspect.ratio();
        if !(ratio.is_finite() && (0.05..=20.0).contains(&ratio)) {
            return Err(SettingsError {
                field: "aspect",
                message: format!("W:H must be between 1:20 and 20:1 (got {})", self.aspect),
            });
        }
        let tile_width = self.tile_width_px();
        limits::TILE_WIDTH.check(tile_width)?;
        limits::CELL_HEIGHT.check(self.cell_height_px())?;
        Ok(())
    }

    /// Checks the timeline: duration, frame rates, a GIF's width.
    fn validate_timing(&self) -> Result<(), SettingsError> {
        if !(self.duration_secs.is_finite() && (0.05..=3600.0).contains(&self.duration_secs)) {
            return Err(SettingsError {
                field: "duration_secs",
                message: format!(
                    "must be from 0.05 to 3600 seconds (got {})",
                    self.duration_secs
                ),
            });
        }
        limits::FPS.check(self.fps)?;
        // GIF delays are whole 1/100 s, so 50 fps is the fastest a GIF plays.
        limits::GIF_FPS.check(self.video.gif_fps)?;
        if let Some(width) = self.video.gif_width_px {
            limits::GIF_WIDTH.check(width)?;
        }
        Ok(())
    }

    /// Checks the motion: speed and row speeds.
    fn validate_motion(&self) -> Result<(), SettingsError> {
        if !(self.speed.is_finite() && self.speed >= 0.0 && self.speed <= 100.0) {
            return Err(SettingsError {
                field: "speed",
                message: format!(
                    "must be from 0 (the grid stands still) to 100 (got {})",
                    self.speed
                ),
            });
        }
        if self.motion.row_speeds.len() > MAX_ROW_SPEEDS {
            return Err(SettingsError {
                field: "motion.row_speeds",
                message: format!(
                    "at most {MAX_ROW_SPEEDS} values, which repeat over the rows (got {})",
                    self.motion.row_speeds.len()
                ),
            });
        }
        if let Some(bad) = self
            .motion
            .row_speeds
            .iter()
            .find(|s| !(s.is_finite() && **s > 0.0 && **s <= 100.0))
        {
            return Err(SettingsError {
                field: "motion.row_speeds",
                message: format!("each must be above 0 and at most 100 (got {bad})"),
            });
        }
        Ok(())
    }

    /// Checks the frame size, fixed or from the grid.
    fn validate_frame(&self) -> Result<(), SettingsError> {
        if let FrameSize::Custom {
            width_px,
            height_px,
        } = self.frame
        {
            for (name, side) in [("width", width_px), ("height", height_px)] {
                if !(16..=MAX_FRAME_SIDE_PX).contains(&side) || side % 2 != 0 {
                    return Err(SettingsError {
                        field: "frame",
                        message: format!(
                            "{name} must be an even number from 16 to {MAX_FRAME_SIDE_PX} (got {side})"
                        ),
                    });
                }
            }
        }
        let (w, h) = self.frame_size_px();
        if w > MAX_FRAME_SIDE_PX || h > MAX_FRAME_SIDE_PX {
            return Err(SettingsError {
                field: "frame",
                message: format!(
                    "auto size {w}x{h} is larger than {MAX_FRAME_SIDE_PX} on a side; \
                     use fewer rows/cols, smaller tiles, or a fixed frame size"
                ),
            });
        }
        Ok(())
    }

    /// Checks the range of photos and their own crop centres.
    fn validate_photos(&self) -> Result<(), SettingsError> {
        if let Some(first) = self.first_photo {
            limits::FIRST_PHOTO.check(first)?;
        }
        if let Some(last) = self.last_photo {
            limits::LAST_PHOTO.check(last)?;
            if let Some(first) = self.first_photo.filter(|first| *first > last) {
                return Err(SettingsError {
                    field: "last_photo",
                    message: format!("must not be before first_photo ({last} < {first})"),
                });
            }
        }
        if self.focus.len() > MAX_FOCUS_POINTS {
            return Err(SettingsError {
                field: "focus",
                message: format!(
                    "at most {MAX_FOCUS_POINTS} photos with their own crop centre (got {})",
                    self.focus.len()
                ),
            });
        }
        if let Some((path, bad)) = self.focus.iter().find(|(_, f)| !f.is_valid()) {
            return Err(SettingsError {
                field: "focus",
                message: format!(
                    "x and y must be from 0 to 1 (got x: {}, y: {}): {}",
                    bad.x,
                    bad.y,
                    path.display()
                ),
            });
        }
        Ok(())
    }

    /// Checks the encoding: quality, x264 preset, encoder name, threads.
    fn validate_video(&self) -> Result<(), SettingsError> {
        limits::QUALITY_CRF.check(self.video.quality_crf)?;
        limits::THREADS.check(self.video.threads)?;
        Ok(())
    }

    /// Checks the music's timing and the memory budget.
    fn validate_audio_and_budget(&self) -> Result<(), SettingsError> {
        for (field, value, max) in [
            ("audio.fade_in_secs", self.audio.fade_in_secs, 60.0),
            ("audio.fade_out_secs", self.audio.fade_out_secs, 60.0),
            ("audio.offset_secs", self.audio.offset_secs, 86_400.0),
        ] {
            if !(value.is_finite() && (0.0..=max).contains(&value)) {
                return Err(SettingsError {
                    field,
                    message: format!("must be from 0 to {max} seconds (got {value})"),
                });
            }
        }
        match self.memory_budget {
            MemoryBudget::Bytes(bytes) if bytes < MIN_MEMORY_BUDGET => {
                return Err(SettingsError {
                    field: "memory_budget",
                    message: format!(
                        "must be at least {}MB (got {})",
                        MIN_MEMORY_BUDGET >> 20,
                        self.memory_budget
                    ),
                });
            }
            MemoryBudget::Percent(p) if !(p.is_finite() && p > 0.0 && p <= 90.0) => {
                return Err(SettingsError {
                    field: "memory_budget",
                    message: format!("a share of RAM must be above 0% and at most 90% (got {p}%)"),
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// The crop centre of the photo at `path`, if it has its own (else `crop` applies).
    #[must_use]
    pub fn focus_of(&self, path: &Path) -> Option<Focus> {
        if self.focus.is_empty() {
            return None;
        }
        self.focus.get(path).copied()
    }

    /// Tile width: `round(tile height × W/H)`, at least 1.
    #[must_use]
    pub fn tile_width_px(&self) -> u32 {
        let width = (f64::from(self.tile_height_px) * self.aspect.ratio()).round();
        // Clamped into u32 range first; validation keeps real values far below.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let width = width.clamp(1.0, f64::from(u32::MAX)) as u32;
        width
    }

    /// A cell's height: the tile's, and the caption line's when captions sit under the
    /// tiles.
    #[must_use]
    pub fn cell_height_px(&self) -> u32 {
        self.tile_height_px
            .saturating_add(self.captions.strip_px(self.tile_height_px))
    }

    /// Size of the whole grid: cells and the gaps between them.
    #[must_use]
    pub fn grid_size_px(&self) -> (u32, u32) {
        let span = |count: u32, tile: u32, gap: u32| {
            count
                .saturating_mul(tile)
                .saturating_add(count.saturating_sub(1).saturating_mul(gap))
        };
        (
            span(self.cols, self.tile_width_px(), self.gap_h_px),
            span(self.rows, self.cell_height_px(), self.gap_v_px),
        )
    }

    /// The output frame size: the grid's (rounded up to even) for `auto`, else the named size.
    #[must_use]
    pub fn frame_size_px(&self) -> (u32, u32) {
        let even = |v: u32| v.saturating_add(v % 2);
        match self.frame {
            FrameSize::Auto => {
                let (w, h) = self.grid_size_px();
                (even(w), even(h))
            }
            FrameSize::Hd => (1920, 1080),
            FrameSize::HdHalf => (1920, 540),
            FrameSize::Uhd => (3840, 2160),
            FrameSize::Custom {
                width_px,
                height_px,
            } => (width_px, height_px),
        }
    }

    /// Number of frames in the video: `round(duration × fps)`, at least 1.
    #[must_use]
    pub fn frame_count(&self) -> u64 {
        // Validated durations and fps keep this far inside u64.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let count = (self.duration_secs * f64::from(self.fps)).round() as u64;
        count.max(1)
    }
}

#[cfg(test)]
mod tests;
