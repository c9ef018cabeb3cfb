//! Captions belong to their tile: each is drawn into the tile's pixels once, where the tile
//! is made (on the decode worker, after the decode), so the still, the strip, the ring and
//! the preview all show it with no cost per frame. What a photo's caption says is told here
//! (its own text, its date taken, its file or folder name); the drawing is given by a layer
//! above (`overlay`, which knows fonts) as a [`CaptionPainter`].

use std::path::Path;
use std::sync::Arc;

use super::TilePixels;
use crate::settings::{CaptionSettings, CaptionSource, Color, cleaned_caption};

/// Draws a caption's text into a tile: over its bottom band, or (`below_px` > 0) on the
/// line of that many rows under its photo.
pub trait CaptionPainter: Send + Sync {
    fn paint(&self, text: &str, tile: &mut TilePixels, below_px: u32);
}

/// The captions of a photo set: the settings, and how to draw one.
#[derive(Clone)]
pub struct Captions {
    pub settings: Arc<CaptionSettings>,
    painter: Arc<dyn CaptionPainter>,
}

impl std::fmt::Debug for Captions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Captions")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Two caption sets are the same when their settings are: the painter follows them.
impl PartialEq for Captions {
    fn eq(&self, other: &Self) -> bool {
        self.settings == other.settings
    }
}

impl Captions {
    #[must_use]
    pub fn new(settings: Arc<CaptionSettings>, painter: Arc<dyn CaptionPainter>) -> Self {
        Self { settings, painter }
    }

    /// What the caption of the photo at `path` says, if anything: its own text, else what
    /// `show` names, cleaned of control characters and shortened (see `cleaned_caption`).
    #[must_use]
    pub fn text_of(&self, path: &Path) -> Option<String> {
        caption_text(&self.settings, path).map(|text| cleaned_caption(&text).0)
    }

    /// Draws the caption of the photo at `path` into `tile`, if it has one. When captions
    /// sit under the tiles, every tile first grows by the caption line, filled with
    /// `background` (a photo without a caption too: all cells are one size).
    pub fn caption(&self, path: &Path, tile: &mut TilePixels, background: Color) {
        let below_px = self.settings.strip_px(tile.height_px);
        if below_px > 0 {
            let fill = [background.r, background.g, background.b, 255];
            let rows = fill.repeat(tile.width_px as usize * below_px as usize);
            tile.rgba.extend_from_slice(&rows);
            tile.height_px += below_px;
        }
        if let Some(text) = self.text_of(path).filter(|t| !t.is_empty()) {
            self.painter.paint(&text, tile, below_px);
        }
    }

    /// Whether the tile of `path` captioned by `self` is the tile `other` makes.
    #[must_use]
    pub fn same_tile(&self, other: &Self, path: &Path) -> bool {
        self.settings.same_look(&other.settings)
            && self.settings.texts.get(path) == other.settings.texts.get(path)
    }
}

/// Whether tiles captioned by `a` and by `b` (either may be none) are the same for `path`.
#[must_use]
pub fn same_captioned_tile(a: Option<&Captions>, b: Option<&Captions>, path: &Path) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.same_tile(b, path),
        _ => false,
    }
}

/// The raw text of a photo's caption, before cleaning.
#[must_use]
pub fn caption_text(settings: &CaptionSettings, path: &Path) -> Option<String> {
    if let Some(own) = settings.texts.get(path) {
        return Some(own.clone());
    }
    match settings.show {
        CaptionSource::None => None,
        CaptionSource::Date => date_taken(path),
        CaptionSource::Name => path.file_stem().map(|s| s.to_string_lossy().into_owned()),
        CaptionSource::Folder => path
            .parent()
            .and_then(Path::file_name)
            .map(|s| s.to_string_lossy().into_owned()),
    }
}

/// `2021-05-01`: the EXIF date taken; none when the photo has no EXIF date (a file's time
/// says when it was copied, not taken).
fn date_taken(path: &Path) -> Option<String> {
    let taken = super::taken(path).filter(|t| t.source == super::TakenSource::Exif)?;
    let t = taken.local;
    Some(format!("{:04}-{:02}-{:02}", t.year, t.month, t.day))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nothing;
    impl CaptionPainter for Nothing {
        fn paint(&self, _: &str, _: &mut TilePixels, _: u32) {}
    }

    /// A stand-in drawn for a photo that failed (a thumbnail scaled up, or blank) becomes
    /// the whole cell as a decoded tile does: with captions under the tiles it grows by the
    /// caption line, which it must to fit the renderer's tile layers.
    #[test]
    fn a_stand_in_grows_by_the_caption_line_like_a_decoded_tile() {
        let settings = CaptionSettings {
            show: CaptionSource::Name,
            place: crate::settings::CaptionPlace::Below,
            ..CaptionSettings::default()
        };
        let base = crate::photos::TileSpec {
            width_px: 40,
            height_px: 30,
            aspect: crate::settings::Aspect {
                width: 4.0,
                height: 3.0,
            },
            anchor: crate::settings::CropAnchor::Center,
            focus: None,
            background: Color { r: 0, g: 0, b: 255 },
        };
        let captions = Captions::new(Arc::new(settings.clone()), Arc::new(Nothing));
        let specs = crate::photos::TileSpecs::uniform(base).with_captions(Some(captions));
        let stand_in = TilePixels {
            width_px: 40,
            height_px: 30,
            rgba: vec![128; 40 * 30 * 4],
        };
        let cell = specs.captioned(Path::new("trip/a.jpg"), stand_in);
        assert_eq!(cell.height_px, 30 + settings.strip_px(30));
        assert_eq!(cell.rgba.len(), 40 * cell.height_px as usize * 4);
        assert_eq!(cell.rgba[cell.rgba.len() - 4..], [0, 0, 255, 255]);
    }

    #[test]
    fn a_caption_is_its_own_text_else_the_name_or_folder() {
        let mut settings = CaptionSettings {
            show: CaptionSource::Name,
            ..CaptionSettings::default()
        };
        settings.texts.insert("trip/b.jpg".into(), "Grandma".into());
        let captions = Captions::new(Arc::new(settings.clone()), Arc::new(Nothing));
        assert_eq!(captions.text_of(Path::new("trip/a.x.jpg")).unwrap(), "a.x");
        assert_eq!(
            captions.text_of(Path::new("trip/b.jpg")).unwrap(),
            "Grandma"
        );
        settings.show = CaptionSource::Folder;
        let by_folder = Captions::new(Arc::new(settings.clone()), Arc::new(Nothing));
        assert_eq!(by_folder.text_of(Path::new("trip/a.jpg")).unwrap(), "trip");
        assert!(!by_folder.same_tile(&captions, Path::new("trip/a.jpg")));
        settings.show = CaptionSource::Date;
        let by_date = Captions::new(Arc::new(settings), Arc::new(Nothing));
        // No such file, so no EXIF date: no caption.
        assert_eq!(by_date.text_of(Path::new("trip/a.jpg")), None);
        // The camera's date as written (2021:05:01 12:00:00, +02:00).
        let dated = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/phone/dated-a.jpg");
        assert_eq!(by_date.text_of(&dated).unwrap(), "2021-05-01");
        // A file without EXIF has no date caption (its file time is not when it was taken).
        let plain = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gray.jpg");
        assert_eq!(by_date.text_of(&plain), None);
    }
}
