//! What a video is encoded with: the codec, x264's speed preset, and the encoder, each a type
//! parsed once where it comes in (a flag, a preset, the editor's lists).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The video codec. `auto` lets the output's file type pick it: H.264 for `.mp4`, `.mov` and
/// `.mkv`, VP9 for `.webm`, GIF for `.gif`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum VideoCodec {
    /// The output's file type picks the codec.
    #[default]
    Auto,
    /// H.264 / AVC: plays everywhere.
    H264,
    /// H.265 / HEVC, tagged `hvc1` so Apple players open it: about half H.264's size.
    H265,
    /// AV1 (SVT-AV1): the smallest files, for the web.
    Av1,
    /// VP9 (libvpx): WebM for the web.
    Vp9,
    /// Apple ProRes 422 HQ, 10-bit 4:2:2: large files, for editing.
    Prores,
    /// Animated GIF: chat and docs.
    Gif,
}

impl VideoCodec {
    pub const ALL: [Self; 7] = [
        Self::Auto,
        Self::H264,
        Self::H265,
        Self::Av1,
        Self::Vp9,
        Self::Prores,
        Self::Gif,
    ];

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::H264 => "H.264",
            Self::H265 => "H.265",
            Self::Av1 => "AV1",
            Self::Vp9 => "VP9",
            Self::Prores => "ProRes",
            Self::Gif => "GIF",
        }
    }
}

/// x264's speed presets, fastest first. Written in presets as its name (`"faster"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(try_from = "String", into = "String")]
pub enum X264Preset {
    Ultrafast,
    Superfast,
    Veryfast,
    #[default]
    Faster,
    Fast,
    Medium,
    Slow,
    Slower,
    Veryslow,
    Placebo,
}

impl X264Preset {
    pub const ALL: [Self; 10] = [
        Self::Ultrafast,
        Self::Superfast,
        Self::Veryfast,
        Self::Faster,
        Self::Fast,
        Self::Medium,
        Self::Slow,
        Self::Slower,
        Self::Veryslow,
        Self::Placebo,
    ];

    /// x264's own name for it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Ultrafast => "ultrafast",
            Self::Superfast => "superfast",
            Self::Veryfast => "veryfast",
            Self::Faster => "faster",
            Self::Fast => "fast",
            Self::Medium => "medium",
            Self::Slow => "slow",
            Self::Slower => "slower",
            Self::Veryslow => "veryslow",
            Self::Placebo => "placebo",
        }
    }
}

impl fmt::Display for X264Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for X264Preset {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|p| p.name()).collect();
                format!(
                    "video.x264_preset: unknown preset `{text}`; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

impl TryFrom<String> for X264Preset {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<X264Preset> for String {
    fn from(preset: X264Preset) -> Self {
        preset.name().to_owned()
    }
}

/// Which video encoder an export uses: `auto` (the codec's hardware encoder when one opens,
/// else its software one) or an FFmpeg encoder by name. Written in presets as text (`"auto"`,
/// `"libx264"`); a name is checked when it is parsed, so a held one is always well-formed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum EncoderChoice {
    #[default]
    Auto,
    Named(EncoderName),
}

/// An FFmpeg encoder's name: 1 to 64 ASCII letters, digits, `_` and `-`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncoderName(String);

impl EncoderName {
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EncoderChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auto => f.write_str("auto"),
            Self::Named(name) => f.write_str(&name.0),
        }
    }
}

impl FromStr for EncoderChoice {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let name = text.trim();
        if name.eq_ignore_ascii_case("auto") {
            return Ok(Self::Auto);
        }
        let well_formed = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if well_formed {
            Ok(Self::Named(EncoderName(name.to_owned())))
        } else {
            Err(format!(
                "video.encoder: must be `auto` or an FFmpeg encoder name such as libx264: \
                 letters, digits, `_` and `-` (got {:?})",
                name.chars().take(80).collect::<String>()
            ))
        }
    }
}

impl TryFrom<String> for EncoderChoice {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<EncoderChoice> for String {
    fn from(choice: EncoderChoice) -> Self {
        choice.to_string()
    }
}
