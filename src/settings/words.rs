//! The words and marks over the grid: a title (with a subtitle) and a logo. Only the values
//! live here, checked once; drawing them is `overlay`'s job.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Color, SettingsError};

/// The most characters a title or a subtitle holds.
pub const MAX_TITLE_CHARS: usize = 500;

/// Where the title sits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TitlePosition {
    Top,
    #[default]
    Center,
    Bottom,
}

impl TitlePosition {
    pub const ALL: [Self; 3] = [Self::Top, Self::Center, Self::Bottom];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Top => "top",
            Self::Center => "center",
            Self::Bottom => "bottom",
        }
    }
}

/// When the title shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TitleShow {
    /// The whole clip.
    #[default]
    Whole,
    /// The first `secs` seconds, fading out at their end.
    First,
    /// An end card: the last `secs` seconds, fading in at their start.
    End,
}

impl TitleShow {
    pub const ALL: [Self; 3] = [Self::Whole, Self::First, Self::End];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Whole => "whole clip",
            Self::First => "first seconds",
            Self::End => "end card",
        }
    }
}

/// What is drawn behind the title so it reads over any photo.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Backdrop {
    /// Nothing.
    None,
    /// A soft dark shadow under the letters.
    #[default]
    Shadow,
    /// A translucent dark band across the frame behind the lines.
    Band,
}

impl Backdrop {
    pub const ALL: [Self; 3] = [Self::None, Self::Shadow, Self::Band];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Shadow => "shadow",
            Self::Band => "band",
        }
    }
}

/// A corner of the frame; written `"top-left"` in presets, as on the command line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(into = "String", try_from = "String")]
pub enum Corner {
    TopLeft,
    TopRight,
    BottomLeft,
    #[default]
    BottomRight,
}

impl Corner {
    pub const ALL: [Self; 4] = [
        Self::TopLeft,
        Self::TopRight,
        Self::BottomLeft,
        Self::BottomRight,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::TopLeft => "top-left",
            Self::TopRight => "top-right",
            Self::BottomLeft => "bottom-left",
            Self::BottomRight => "bottom-right",
        }
    }
}

impl From<Corner> for String {
    fn from(corner: Corner) -> Self {
        corner.name().to_owned()
    }
}

impl TryFrom<String> for Corner {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|c| c.name() == name)
            .ok_or_else(|| {
                format!("unknown corner `{name}`: top-left, top-right, bottom-left or bottom-right")
            })
    }
}

/// A title over the grid: none while `text` and `subtitle` are both empty.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TitleSettings {
    /// The title; a line break starts a new line.
    pub text: String,
    /// A smaller line under the title.
    pub subtitle: String,
    /// A font family installed on this machine; `None`: the bundled Inter. Scripts the font
    /// lacks fall back to the system's fonts either way.
    pub font: Option<String>,
    /// The title's letter height (its font size) as a share of the frame height; the
    /// subtitle's is 0.55 of it.
    pub size: f64,
    pub color: Color,
    pub backdrop: Backdrop,
    pub position: TitlePosition,
    pub show: TitleShow,
    /// Seconds it shows with `show: first` or `end` (the fade included).
    pub secs: f64,
}

impl Default for TitleSettings {
    fn default() -> Self {
        Self {
            text: String::new(),
            subtitle: String::new(),
            font: None,
            size: 0.08,
            color: Color::WHITE,
            backdrop: Backdrop::Shadow,
            position: TitlePosition::Center,
            show: TitleShow::Whole,
            secs: 3.0,
        }
    }
}

impl TitleSettings {
    /// Whether there is any text to draw.
    #[must_use]
    pub fn shown(&self) -> bool {
        !(self.text.trim().is_empty() && self.subtitle.trim().is_empty())
    }

    /// Whether every field is at its default (left out of written presets).
    #[must_use]
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        check_text("title.text", &self.text)?;
        check_text("title.subtitle", &self.subtitle)?;
        if let Some(font) = &self.font {
            check_text("title.font", font)?;
        }
        check_share("title.size", self.size, 0.01, 0.5)?;
        if !(self.secs.is_finite() && (0.1..=3600.0).contains(&self.secs)) {
            return Err(SettingsError {
                field: "title.secs",
                message: format!("must be from 0.1 to 3600 seconds (got {})", self.secs),
            });
        }
        Ok(())
    }
}

/// A logo or watermark in a corner: none without a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogoSettings {
    /// An image file (PNG with transparency, JPEG, WebP…).
    pub file: Option<PathBuf>,
    pub position: Corner,
    /// The logo's height as a share of the frame height.
    pub size: f64,
    /// 0 (invisible) to 1 (as the file has it).
    pub opacity: f64,
    /// Space between the logo and the frame's edges, as a share of the frame height.
    pub margin: f64,
}

impl Default for LogoSettings {
    fn default() -> Self {
        Self {
            file: None,
            position: Corner::BottomRight,
            size: 0.1,
            opacity: 0.8,
            margin: 0.03,
        }
    }
}

impl LogoSettings {
    /// Whether every field is at its default (left out of written presets).
    #[must_use]
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        check_share("logo.size", self.size, 0.01, 1.0)?;
        check_share("logo.opacity", self.opacity, 0.0, 1.0)?;
        check_share("logo.margin", self.margin, 0.0, 0.4)?;
        Ok(())
    }
}

/// The share of each edge of the frame a platform covers with its own buttons and captions
/// (TikTok, Reels and Shorts on a 9:16 frame): titles and the logo are placed inside what is
/// left. Each share is 0 to [`SafeArea::MAX_SHARE`]; all 0 (the default): the whole frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SafeArea {
    pub top: f64,
    pub bottom: f64,
    pub left: f64,
    pub right: f64,
}

impl SafeArea {
    /// The most of one edge a safe area may cover.
    pub const MAX_SHARE: f64 = 0.45;

    /// Whether every edge is 0 (no safe area).
    #[must_use]
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The safe rectangle in a frame of `width` x `height` pixels: (left, top, right,
    /// bottom) edges, in pixels from the frame's top-left corner.
    #[must_use]
    pub fn rect_px(&self, (width, height): (u32, u32)) -> (i64, i64, i64, i64) {
        let (w, h) = (f64::from(width), f64::from(height));
        let px = |share: f64, side: f64| (share.clamp(0.0, Self::MAX_SHARE) * side).round() as i64;
        (
            px(self.left, w),
            px(self.top, h),
            i64::from(width) - px(self.right, w),
            i64::from(height) - px(self.bottom, h),
        )
    }

    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        check_share("safe_area.top", self.top, 0.0, Self::MAX_SHARE)?;
        check_share("safe_area.bottom", self.bottom, 0.0, Self::MAX_SHARE)?;
        check_share("safe_area.left", self.left, 0.0, Self::MAX_SHARE)?;
        check_share("safe_area.right", self.right, 0.0, Self::MAX_SHARE)?;
        Ok(())
    }
}

pub(super) fn check_share(
    field: &'static str,
    value: f64,
    min: f64,
    max: f64,
) -> Result<(), SettingsError> {
    if value.is_finite() && (min..=max).contains(&value) {
        Ok(())
    } else if value.is_finite() {
        Err(SettingsError {
            field,
            message: format!("must be from {min} to {max} (got {value})"),
        })
    } else {
        Err(SettingsError {
            field,
            message: format!("must be a number from {min} to {max} (got {value})"),
        })
    }
}

/// Refuses text longer than [`MAX_TITLE_CHARS`] and control characters other than a line
/// break, naming the first one and where it is.
pub(super) fn check_text(field: &'static str, text: &str) -> Result<(), SettingsError> {
    let count = text.chars().count();
    if count > MAX_TITLE_CHARS {
        return Err(SettingsError {
            field,
            message: format!("at most {MAX_TITLE_CHARS} characters (got {count})"),
        });
    }
    if let Some((at, c)) = text
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && *c != '\n')
    {
        return Err(SettingsError {
            field,
            message: format!(
                "control character U+{:04X} at character {}; remove it (only line breaks are allowed)",
                u32::from(c),
                at + 1
            ),
        });
    }
    Ok(())
}

/// `text` without control characters other than line breaks (`\r\n` becomes `\n`), for
/// text typed or pasted into the editor.
#[must_use]
pub fn without_control_chars(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_and_control_characters_are_refused_by_name() {
        let mut title = TitleSettings {
            text: "Kyoto 2026\nspring".into(),
            ..TitleSettings::default()
        };
        title.validate().unwrap();
        title.text = "x".repeat(100_000);
        let err = title.validate().unwrap_err();
        assert_eq!(err.field, "title.text");
        assert!(err.message.contains("100000"), "{err}");
        title.text = "Kyo\0to".into();
        let err = title.validate().unwrap_err();
        assert!(err.message.contains("U+0000 at character 4"), "{err}");
        title.text.clear();
        title.subtitle = "a\u{7}b".into();
        assert_eq!(title.validate().unwrap_err().field, "title.subtitle");
        assert_eq!(without_control_chars("a\u{7}b\r\nc\0"), "ab\nc");
    }

    #[test]
    fn shares_out_of_range_name_the_field() {
        let logo = LogoSettings {
            opacity: 1.5,
            ..LogoSettings::default()
        };
        assert_eq!(logo.validate().unwrap_err().field, "logo.opacity");
        let title = TitleSettings {
            size: f64::NAN,
            ..TitleSettings::default()
        };
        assert_eq!(title.validate().unwrap_err().field, "title.size");
    }
}
