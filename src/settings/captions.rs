//! Captions under the photos: what each photo's caption says (its date taken, its file name,
//! its folder, or a text of the user's own) and how it looks. Only the values live here,
//! checked once; the tiles are captioned where they are made (`photos::Captions`), drawn by
//! `overlay`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Color, SettingsError};

/// The most characters a caption shows; a longer one (a long file name) is shortened to this
/// with an ellipsis, and a text of the user's own longer than it is refused.
pub const MAX_CAPTION_CHARS: usize = 120;

/// The most photos with a caption of their own a project holds.
pub const MAX_CAPTION_TEXTS: usize = 100_000;

/// Own captions by photo path (as the photo list names them).
pub type CaptionTexts = BTreeMap<PathBuf, String>;

/// What a photo without a caption of its own shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum CaptionSource {
    /// No caption.
    #[default]
    None,
    /// The date taken, from the photo's EXIF `DateTimeOriginal` (none without it).
    Date,
    /// The file name without its extension.
    Name,
    /// The name of the folder the photo is in.
    Folder,
}

impl CaptionSource {
    pub const ALL: [Self; 4] = [Self::None, Self::Date, Self::Name, Self::Folder];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Date => "date",
            Self::Name => "name",
            Self::Folder => "folder",
        }
    }
}

/// Where a caption sits: both move with their tile.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum CaptionPlace {
    /// Over the photo, in the tile's bottom band.
    #[default]
    InTile,
    /// Under the photo, on the background: each cell grows by one caption line.
    Below,
}

impl CaptionPlace {
    pub const ALL: [Self; 2] = [Self::InTile, Self::Below];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::InTile => "in the tile",
            Self::Below => "under the tile",
        }
    }
}

/// Captions drawn with each tile, in its bottom band or under it, so they move with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaptionSettings {
    /// What a photo without its own text shows.
    pub show: CaptionSource,
    /// The letter height (font size) as a share of the tile height.
    pub size: f64,
    pub color: Color,
    /// A translucent dark band across the tile behind the caption (in the tile, or across
    /// the caption's line under it).
    pub band: bool,
    /// In the tile's bottom band, or under the tile.
    pub place: CaptionPlace,
    /// A font family installed on this machine; `None`: the bundled Inter. Scripts the font
    /// lacks fall back to the system's fonts either way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub font: Option<String>,
    /// Captions of the user's own, by photo path; they win over `show`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub texts: CaptionTexts,
}

impl Default for CaptionSettings {
    fn default() -> Self {
        Self {
            show: CaptionSource::None,
            size: 0.1,
            color: Color::WHITE,
            band: true,
            place: CaptionPlace::InTile,
            font: None,
            texts: CaptionTexts::new(),
        }
    }
}

impl CaptionSettings {
    /// Whether any photo can have a caption.
    #[must_use]
    pub fn shown(&self) -> bool {
        self.show != CaptionSource::None || !self.texts.is_empty()
    }

    /// Whether every field is at its default (left out of written presets).
    #[must_use]
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The same look: everything but the own texts.
    #[must_use]
    pub fn same_look(&self, other: &Self) -> bool {
        self.show == other.show
            && self.size.to_bits() == other.size.to_bits()
            && self.color == other.color
            && self.band == other.band
            && self.place == other.place
            && self.font == other.font
    }

    /// The rows a caption line takes under a tile `tile_h_px` high: its line height and a
    /// quarter of the letter height above and below. Zero when captions sit in the tile or
    /// no photo has one, so the cells are the tiles.
    #[must_use]
    pub fn strip_px(&self, tile_h_px: u32) -> u32 {
        if self.place != CaptionPlace::Below || !self.shown() {
            return 0;
        }
        let size_px = caption_size_px(self.size, tile_h_px);
        // A few hundred pixels at most (size ≤ 0.5 of a tile ≤ 16384 px high).
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let rows = ((size_px * 1.25).ceil() + 2.0 * (size_px * 0.25).ceil()) as u32;
        rows
    }

    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        super::words::check_share("captions.size", self.size, 0.03, 0.5)?;
        if let Some(font) = &self.font {
            super::words::check_text("captions.font", font)?;
        }
        if self.texts.len() > MAX_CAPTION_TEXTS {
            return Err(SettingsError {
                field: "captions.texts",
                message: format!(
                    "at most {MAX_CAPTION_TEXTS} photos with a caption of their own (got {})",
                    self.texts.len()
                ),
            });
        }
        for (path, text) in &self.texts {
            check_caption(text).map_err(|message| SettingsError {
                field: "captions.texts",
                message: format!("{message}: {}", path.display()),
            })?;
        }
        Ok(())
    }
}

/// The letter height in pixels of captions `size` (a share) of a tile `tile_h_px` high.
#[must_use]
pub fn caption_size_px(size: f64, tile_h_px: u32) -> f64 {
    (size * f64::from(tile_h_px)).max(4.0)
}

/// Refuses a caption longer than [`MAX_CAPTION_CHARS`] or with a control character, saying
/// which and where.
pub fn check_caption(text: &str) -> Result<(), String> {
    let count = text.chars().count();
    if count > MAX_CAPTION_CHARS {
        return Err(format!(
            "a caption holds at most {MAX_CAPTION_CHARS} characters (got {count})"
        ));
    }
    if let Some((at, c)) = text.chars().enumerate().find(|(_, c)| c.is_control()) {
        return Err(format!(
            "control character U+{:04X} at character {} of a caption; remove it",
            u32::from(c),
            at + 1
        ));
    }
    Ok(())
}

/// What a caption from a file's or folder's name shows: control characters (NUL, line
/// breaks…) left out, at most [`MAX_CAPTION_CHARS`] (a longer one ends in `…`). The flag
/// says whether anything was left out or cut.
#[must_use]
pub fn cleaned_caption(text: &str) -> (String, bool) {
    let kept: String = text.chars().filter(|c| !c.is_control()).collect();
    let kept = kept.trim().to_owned();
    let mut changed = kept.len() != text.len();
    if kept.chars().count() > MAX_CAPTION_CHARS {
        changed = true;
        let mut cut: String = kept.chars().take(MAX_CAPTION_CHARS - 1).collect();
        cut.push('…');
        return (cut, changed);
    }
    (kept, changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_captions_are_checked_and_names_cleaned() {
        let mut captions = CaptionSettings::default();
        captions.validate().unwrap();
        captions
            .texts
            .insert("a.jpg".into(), "Grandma, 1962".into());
        captions.validate().unwrap();
        captions.texts.insert("b.jpg".into(), "x".repeat(500));
        let err = captions.validate().unwrap_err();
        assert_eq!(err.field, "captions.texts");
        assert!(
            err.message.contains("500") && err.message.ends_with("b.jpg"),
            "{err}"
        );
        captions.texts.insert("b.jpg".into(), "a\0b".into());
        let err = captions.validate().unwrap_err();
        assert!(err.message.contains("U+0000 at character 2"), "{err}");
        assert_eq!(cleaned_caption("IMG\0_01\n"), ("IMG_01".into(), true));
        assert_eq!(cleaned_caption("京都"), ("京都".into(), false));
        let (long, cut) = cleaned_caption(&"é".repeat(300));
        assert!(cut && long.ends_with('…'));
        assert_eq!(long.chars().count(), MAX_CAPTION_CHARS);
    }
}
