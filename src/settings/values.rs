//! Small value types of the settings: colour, aspect ratio, crop anchor and frame size.
//! Each parses from the same text a user types on the command line or writes in a preset.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Implements `Serialize`/`Deserialize` through `Display`/`FromStr`, so presets hold the
/// same text the command line accepts (`background: "white"`, `aspect: "4:3"`).
macro_rules! serde_via_str {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// An opaque sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Color {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

const NAMED_COLORS: &[(&str, [u8; 3])] = &[
    ("white", [255, 255, 255]),
    ("black", [0, 0, 0]),
    ("red", [255, 0, 0]),
    ("green", [0, 128, 0]),
    ("lime", [0, 255, 0]),
    ("blue", [0, 0, 255]),
    ("yellow", [255, 255, 0]),
    ("cyan", [0, 255, 255]),
    ("magenta", [255, 0, 255]),
    ("gray", [128, 128, 128]),
    ("grey", [128, 128, 128]),
    ("silver", [192, 192, 192]),
    ("orange", [255, 165, 0]),
    ("purple", [128, 0, 128]),
    ("pink", [255, 192, 203]),
    ("brown", [165, 42, 42]),
    ("navy", [0, 0, 128]),
    ("teal", [0, 128, 128]),
    ("olive", [128, 128, 0]),
    ("maroon", [128, 0, 0]),
];

impl Color {
    pub const WHITE: Self = Self::rgb(255, 255, 255);
    pub const BLACK: Self = Self::rgb(0, 0, 0);

    #[must_use]
    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self { r, g, b }
    }

    #[must_use]
    pub fn to_array(self) -> [u8; 3] {
        [self.r, self.g, self.b]
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((name, _)) = NAMED_COLORS.iter().find(|(_, c)| *c == self.to_array()) {
            return f.write_str(name);
        }
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

impl FromStr for Color {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let allowed = "a colour name (white, black, red, green, blue, gray, …), R,G,B or #RRGGBB";
        if let Some(hex) = text.strip_prefix('#') {
            let channel = |i: usize| {
                hex.get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            };
            return match (hex.len(), channel(0), channel(2), channel(4)) {
                (6, Some(r), Some(g), Some(b)) => Ok(Self::rgb(r, g, b)),
                _ => Err(format!("`{text}` is not a colour; expected {allowed}")),
            };
        }
        if text.contains(',') {
            let parts: Vec<&str> = text.split(',').map(str::trim).collect();
            let channels: Vec<u8> = parts.iter().filter_map(|p| p.parse().ok()).collect();
            return match (parts.len(), channels.as_slice()) {
                (3, &[r, g, b]) => Ok(Self::rgb(r, g, b)),
                _ => Err(format!(
                    "`{text}` is not a colour; R,G,B needs three whole numbers from 0 to 255"
                )),
            };
        }
        let lower = text.to_ascii_lowercase();
        NAMED_COLORS
            .iter()
            .find(|(name, _)| *name == lower)
            .map(|(_, [r, g, b])| Self::rgb(*r, *g, *b))
            .ok_or_else(|| format!("unknown colour `{text}`; expected {allowed}"))
    }
}
serde_via_str!(Color);

/// Width:height ratio every photo is cropped to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Aspect {
    pub width: f64,
    pub height: f64,
}

impl Aspect {
    #[must_use]
    pub const fn new(width: f64, height: f64) -> Self {
        Self { width, height }
    }

    /// Width divided by height.
    #[must_use]
    pub fn ratio(self) -> f64 {
        self.width / self.height
    }
}

impl fmt::Display for Aspect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.width, self.height)
    }
}

impl FromStr for Aspect {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!("`{text}` is not an aspect ratio; expected W:H with W and H above 0, e.g. 4:3")
        };
        let (w, h) = text.trim().split_once(':').ok_or_else(bad)?;
        let width: f64 = w.trim().parse().map_err(|_| bad())?;
        let height: f64 = h.trim().parse().map_err(|_| bad())?;
        let valid = |v: f64| v.is_finite() && v > 0.0;
        if !valid(width) || !valid(height) {
            return Err(bad());
        }
        Ok(Self { width, height })
    }
}
serde_via_str!(Aspect);

/// Which way the grid moves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Right to left, row by row (the older tool's motion).
    #[default]
    Left,
    /// Left to right.
    Right,
    /// Bottom to top, column by column: the layout for a 9:16 reel.
    Up,
    /// Top to bottom.
    Down,
}

impl Direction {
    pub const ALL: [Self; 4] = [Self::Left, Self::Right, Self::Up, Self::Down];

    /// Up and down move columns; left and right move rows.
    #[must_use]
    pub fn vertical(self) -> bool {
        matches!(self, Self::Up | Self::Down)
    }

    /// −1 when the grid's position decreases with time (left, up), else +1.
    #[must_use]
    pub fn sign(self) -> f64 {
        match self {
            Self::Left | Self::Up => -1.0,
            Self::Right | Self::Down => 1.0,
        }
    }

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Left => "left",
            Self::Right => "right",
            Self::Up => "up",
            Self::Down => "down",
        }
    }
}

/// The order the photos of a folder are used in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum PhotoSort {
    /// By file name, naturally (`img2` before `img10`).
    #[default]
    Name,
    /// By the date taken (EXIF `DateTimeOriginal` with its offset), else the file's
    /// modification time; equal times keep name order.
    Date,
    /// Shuffled, the same way every run with the same seed.
    Shuffle,
}

impl PhotoSort {
    pub const ALL: [Self; 3] = [Self::Name, Self::Date, Self::Shuffle];

    /// The name presets and the command line use.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Date => "date",
            Self::Shuffle => "shuffle",
        }
    }
}

/// How the photos are ordered, and whether near-duplicates are left out
/// (`photos: (sort: date, skip_duplicates: true)` in a preset).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhotoSettings {
    pub sort: PhotoSort,
    /// The shuffle's seed: the same seed gives the same order.
    pub seed: u64,
    /// Leave out a photo that repeats one taken a few seconds before it (a burst, the same
    /// photo twice); the earlier one stays. A preset without it keeps every photo.
    pub skip_duplicates: bool,
}

/// What a video file in the photos becomes (`clips`, `--clips`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ClipMode {
    /// The clip plays in its cell, muted, from when the cell comes on screen, looping over its
    /// own length for as long as the cell is on screen.
    #[default]
    Loop,
    /// The clip plays once from when its cell comes on screen and holds its last frame.
    Once,
    /// One frame of the clip (the one at 1 s, or the first of a shorter clip), as a photo.
    Still,
    /// Videos are left out, each listed as skipped with the reason.
    Skip,
}

impl ClipMode {
    #[must_use]
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Whether clips play in their cells (`loop`, `once`).
    #[must_use]
    pub fn plays(self) -> bool {
        matches!(self, Self::Loop | Self::Once)
    }
}

/// What a Live Photo (a still and a `.MOV` of the same name) shows (`live_photos`,
/// `--live-photos`): the still with its motion playing like a clip, or the still alone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LiveMode {
    /// The motion plays in the still's cell, by the rules of `clips` (`loop`, `once`).
    #[default]
    Motion,
    /// The still alone.
    Still,
}

impl LiveMode {
    #[must_use]
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// Which part of a photo survives the crop to the tile aspect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum CropAnchor {
    /// Keep the middle of the photo.
    #[default]
    Center,
    /// Photo too wide: keep its left part.
    Left,
    /// Photo too wide: keep its right part.
    Right,
    /// Photo too tall: keep its top part.
    Top,
    /// Photo too tall: keep its bottom part.
    Bottom,
}

impl CropAnchor {
    pub const ALL: [Self; 5] = [
        Self::Center,
        Self::Left,
        Self::Right,
        Self::Top,
        Self::Bottom,
    ];

    /// Where the crop window sits along x, from 0 (left) to 1 (right).
    #[must_use]
    pub fn horizontal_fraction(self) -> f64 {
        match self {
            Self::Left => 0.0,
            Self::Right => 1.0,
            _ => 0.5,
        }
    }

    /// Where the crop window sits along y, from 0 (top) to 1 (bottom).
    #[must_use]
    pub fn vertical_fraction(self) -> f64 {
        match self {
            Self::Top => 0.0,
            Self::Bottom => 1.0,
            _ => 0.5,
        }
    }

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Center => "center",
            Self::Left => "left",
            Self::Right => "right",
            Self::Top => "top",
            Self::Bottom => "bottom",
        }
    }
}

/// A point of a photo as fractions of its upright width and height, from (0, 0) at the top
/// left to (1, 1) at the bottom right: where that photo's crop is centred, as far as the
/// photo allows.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Focus {
    pub x: f64,
    pub y: f64,
}

impl Focus {
    /// The middle of the photo.
    pub const CENTER: Self = Self { x: 0.5, y: 0.5 };

    /// Whether both fractions are finite and within 0..=1.
    #[must_use]
    pub fn is_valid(self) -> bool {
        [self.x, self.y]
            .iter()
            .all(|v| v.is_finite() && (0.0..=1.0).contains(v))
    }

    /// The point moved into the photo: each fraction clamped to 0..=1 (NaN becomes 0.5).
    #[must_use]
    pub fn clamped(self) -> Self {
        let clamp = |v: f64| if v.is_nan() { 0.5 } else { v.clamp(0.0, 1.0) };
        Self {
            x: clamp(self.x),
            y: clamp(self.y),
        }
    }
}

impl fmt::Display for Focus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({:.3}, {:.3})", self.x, self.y)
    }
}

/// Output frame size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FrameSize {
    /// The grid's own size (rounded up to even numbers, as 4:2:0 video needs).
    #[default]
    Auto,
    /// 1920×1080.
    Hd,
    /// 1920×540.
    HdHalf,
    /// 3840×2160.
    Uhd,
    /// Any width × height (even numbers).
    Custom { width_px: u32, height_px: u32 },
}

impl fmt::Display for FrameSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auto => f.write_str("auto"),
            Self::Hd => f.write_str("hd"),
            Self::HdHalf => f.write_str("hd-half"),
            Self::Uhd => f.write_str("uhd"),
            Self::Custom {
                width_px,
                height_px,
            } => write!(f, "{width_px}x{height_px}"),
        }
    }
}

impl FromStr for FrameSize {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.trim().to_ascii_lowercase();
        match lower.as_str() {
            "auto" => return Ok(Self::Auto),
            "hd" | "1080p" => return Ok(Self::Hd),
            "hd-half" => return Ok(Self::HdHalf),
            "uhd" | "4k" => return Ok(Self::Uhd),
            _ => {}
        }
        let bad = || {
            format!(
                "`{text}` is not a frame size; expected auto, hd, hd-half, uhd or WxH (e.g. 1280x720)"
            )
        };
        let (w, h) = lower.split_once(['x', '×']).ok_or_else(bad)?;
        let width_px = w.trim().parse().map_err(|_| bad())?;
        let height_px = h.trim().parse().map_err(|_| bad())?;
        Ok(Self::Custom {
            width_px,
            height_px,
        })
    }
}
serde_via_str!(FrameSize);

/// How much memory decoded photo pixels may take, in RAM and on the GPU together.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum MemoryBudget {
    /// A quarter of the machine's RAM, at least 256 MB and at most 8 GB.
    #[default]
    Auto,
    /// A fixed number of bytes (`2GB`, `512MB`; units are powers of 1024).
    Bytes(u64),
    /// A share of the machine's RAM (`25%`).
    Percent(f64),
}

const MB: u64 = 1 << 20;
/// Smallest budget accepted: below this not even one 4K frame's tiles would fit.
pub const MIN_MEMORY_BUDGET: u64 = 64 * MB;

impl MemoryBudget {
    /// The budget in bytes on a machine with `total_ram` bytes of RAM.
    #[must_use]
    pub fn bytes(self, total_ram: u64) -> u64 {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let share = |percent: f64| (total_ram as f64 * percent / 100.0) as u64;
        match self {
            Self::Auto => (total_ram / 4).clamp(256 * MB, 8192 * MB),
            Self::Bytes(bytes) => bytes,
            Self::Percent(p) => share(p),
        }
    }
}

impl fmt::Display for MemoryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Auto => f.write_str("auto"),
            Self::Percent(p) => write!(f, "{p}%"),
            Self::Bytes(b) if b % (1 << 30) == 0 => write!(f, "{}GB", b >> 30),
            Self::Bytes(b) if b % MB == 0 => write!(f, "{}MB", b >> 20),
            Self::Bytes(b) => write!(f, "{b}B"),
        }
    }
}

impl FromStr for MemoryBudget {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.trim().to_ascii_lowercase();
        let bad = || {
            format!(
                "`{text}` is not a memory budget; expected auto, a size such as 2GB or 512MB, \
                 or a share of RAM such as 25%"
            )
        };
        if lower == "auto" {
            return Ok(Self::Auto);
        }
        if let Some(number) = lower.strip_suffix('%') {
            let p: f64 = number.trim().parse().map_err(|_| bad())?;
            return Ok(Self::Percent(p));
        }
        let split = lower
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(lower.len());
        let (number, unit) = lower.split_at(split);
        let value: f64 = number.parse().map_err(|_| bad())?;
        let scale = match unit.trim() {
            "" | "b" => 1u64,
            "k" | "kb" | "kib" => 1 << 10,
            "m" | "mb" | "mib" => MB,
            "g" | "gb" | "gib" => 1 << 30,
            "t" | "tb" | "tib" => 1 << 40,
            _ => return Err(bad()),
        };
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let bytes = (value * scale as f64).round() as u64;
        Ok(Self::Bytes(bytes))
    }
}
serde_via_str!(MemoryBudget);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_in_every_form() {
        assert_eq!("white".parse::<Color>(), Ok(Color::WHITE));
        assert_eq!("Black".parse::<Color>(), Ok(Color::BLACK));
        assert_eq!("10, 20,30".parse::<Color>(), Ok(Color::rgb(10, 20, 30)));
        assert_eq!("#FF8000".parse::<Color>(), Ok(Color::rgb(255, 128, 0)));
        assert!("#FF80".parse::<Color>().is_err());
        assert!("256,0,0".parse::<Color>().is_err());
        assert!("1,2".parse::<Color>().is_err());
        let err = "fuchsiax".parse::<Color>().unwrap_err();
        assert!(err.contains("fuchsiax") && err.contains("#RRGGBB"), "{err}");
        for c in [Color::WHITE, Color::rgb(1, 2, 3)] {
            assert_eq!(c.to_string().parse::<Color>(), Ok(c));
        }
    }

    #[test]
    fn memory_budgets_parse_and_resolve() {
        const GB: u64 = 1 << 30;
        assert_eq!("2GB".parse(), Ok(MemoryBudget::Bytes(2 * GB)));
        assert_eq!("512 mb".parse(), Ok(MemoryBudget::Bytes(512 << 20)));
        assert_eq!("1.5G".parse(), Ok(MemoryBudget::Bytes(3 * GB / 2)));
        assert_eq!("25%".parse(), Ok(MemoryBudget::Percent(25.0)));
        assert_eq!("Auto".parse(), Ok(MemoryBudget::Auto));
        assert!("lots".parse::<MemoryBudget>().is_err());
        assert!("2 parsecs".parse::<MemoryBudget>().is_err());
        assert_eq!(MemoryBudget::Percent(25.0).bytes(16 * GB), 4 * GB);
        assert_eq!(MemoryBudget::Auto.bytes(24 * GB), 6 * GB);
        assert_eq!(MemoryBudget::Auto.bytes(GB / 2), 256 << 20);
        for text in ["2GB", "512MB", "25%", "auto", "1000B"] {
            let parsed: MemoryBudget = text.parse().unwrap();
            assert_eq!(parsed.to_string(), text);
        }
    }

    #[test]
    fn aspects_and_frames_parse() {
        assert_eq!("4:3".parse::<Aspect>(), Ok(Aspect::new(4.0, 3.0)));
        assert_eq!("2.39:1".parse::<Aspect>(), Ok(Aspect::new(2.39, 1.0)));
        assert!("0:3".parse::<Aspect>().is_err());
        assert!("4/3".parse::<Aspect>().is_err());
        assert!("-4:3".parse::<Aspect>().is_err());
        assert_eq!("hd".parse::<FrameSize>(), Ok(FrameSize::Hd));
        assert_eq!("HD-half".parse::<FrameSize>(), Ok(FrameSize::HdHalf));
        assert_eq!(
            "1280x720".parse::<FrameSize>(),
            Ok(FrameSize::Custom {
                width_px: 1280,
                height_px: 720
            })
        );
        assert!("1280".parse::<FrameSize>().is_err());
    }
}
