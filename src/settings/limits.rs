//! The ranges of the whole-number settings, written once: validation checks them, and the
//! command line's parsers name them when a value is out of range or does not fit a number
//! at all (`--cols 4294967296` says "from 1 to 10000", not the integer type's range).

use super::{MAX_FRAME_SIDE_PX, MAX_TILE_SIDE_PX, SettingsError};

/// A whole-number setting's allowed range, and its name as in presets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// The setting's name as in presets (`rows`, `video.quality_crf`).
    pub field: &'static str,
    pub min: u32,
    pub max: u32,
}

impl Limit {
    #[must_use]
    pub const fn new(field: &'static str, min: u32, max: u32) -> Self {
        Self { field, min, max }
    }

    /// Whether `value` is allowed.
    #[must_use]
    pub const fn allows(self, value: u64) -> bool {
        value >= self.min as u64 && value <= self.max as u64
    }

    /// `value` if it is allowed, else the error that names the setting and its range.
    pub fn check(self, value: u32) -> Result<u32, SettingsError> {
        if self.allows(u64::from(value)) {
            Ok(value)
        } else {
            Err(SettingsError {
                field: self.field,
                message: self.out_of_range(value),
            })
        }
    }

    /// "must be from MIN to MAX (got VALUE)".
    #[must_use]
    pub fn out_of_range(self, value: impl std::fmt::Display) -> String {
        format!("must be from {} to {} (got {value})", self.min, self.max)
    }
}

pub const ROWS: Limit = Limit::new("rows", 1, 1000);
pub const COLS: Limit = Limit::new("cols", 1, 10_000);
pub const GAP_H: Limit = Limit::new("gap_h_px", 0, 4096);
pub const GAP_V: Limit = Limit::new("gap_v_px", GAP_H.min, GAP_H.max);
pub const TILE_HEIGHT: Limit = Limit::new("tile_height_px", 2, MAX_TILE_SIDE_PX);
/// The tile's width, from its height and the aspect: the same bounds as the height.
pub const TILE_WIDTH: Limit = Limit::new(
    "tile width (tile_height_px × aspect)",
    TILE_HEIGHT.min,
    TILE_HEIGHT.max,
);
/// A cell: the tile and, when captions sit under it, their line.
pub const CELL_HEIGHT: Limit = Limit::new(
    "tile height with its caption line (tile_height_px + captions)",
    TILE_HEIGHT.min,
    TILE_HEIGHT.max,
);
pub const FPS: Limit = Limit::new("fps", 1, 240);
/// GIF delays are whole 1/100 s, so 50 fps is the fastest a GIF plays.
pub const GIF_FPS: Limit = Limit::new("video.gif_fps", 1, 50);
pub const GIF_WIDTH: Limit = Limit::new("video.gif_width_px", 16, MAX_FRAME_SIDE_PX);
pub const FIRST_PHOTO: Limit = Limit::new("first_photo", 1, u32::MAX);
pub const LAST_PHOTO: Limit = Limit::new("last_photo", FIRST_PHOTO.min, FIRST_PHOTO.max);
pub const QUALITY_CRF: Limit = Limit::new("video.quality_crf", 0, 51);
pub const THREADS: Limit = Limit::new("video.threads", 0, 256);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_names_its_setting_and_range() {
        assert_eq!(COLS.check(10_000), Ok(10_000));
        let err = COLS.check(0).unwrap_err();
        assert_eq!(err.to_string(), "cols: must be from 1 to 10000 (got 0)");
        assert!(!COLS.allows(4_294_967_296));
        assert!(FIRST_PHOTO.allows(u64::from(u32::MAX)));
    }
}
