//! What the export dialog offers: a container and a codec, each with what it is for.

use serde::{Deserialize, Serialize};

use crate::export::Container;
use crate::settings::VideoCodec;

/// A container and codec, as offered in the export dialog.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    #[default]
    Mp4H264,
    Mp4H265,
    Mp4Av1,
    WebmVp9,
    MovProres,
    Gif,
}

impl Delivery {
    pub const ALL: [Self; 6] = [
        Self::Mp4H264,
        Self::Mp4H265,
        Self::Mp4Av1,
        Self::WebmVp9,
        Self::MovProres,
        Self::Gif,
    ];

    /// What it is, and what it is for.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Mp4H264 => "MP4 · H.264 – plays everywhere",
            Self::Mp4H265 => "MP4 · H.265 – smaller files, newer players",
            Self::Mp4Av1 => "MP4 · AV1 – for the web, newest players",
            Self::WebmVp9 => "WebM · VP9 – web",
            Self::MovProres => "MOV · ProRes – for editing (large files)",
            Self::Gif => "GIF – chat and docs",
        }
    }

    #[must_use]
    pub fn codec(self) -> VideoCodec {
        match self {
            Self::Mp4H264 => VideoCodec::H264,
            Self::Mp4H265 => VideoCodec::H265,
            Self::Mp4Av1 => VideoCodec::Av1,
            Self::WebmVp9 => VideoCodec::Vp9,
            Self::MovProres => VideoCodec::Prores,
            Self::Gif => VideoCodec::Gif,
        }
    }

    /// The output file's extension.
    #[must_use]
    pub fn extension(self) -> &'static str {
        self.container().extension()
    }

    /// The save dialog's filter: (name, extension).
    #[must_use]
    pub fn filter(self) -> (&'static str, &'static str) {
        match self {
            Self::Mp4H264 | Self::Mp4H265 | Self::Mp4Av1 => ("MP4 video", "mp4"),
            Self::WebmVp9 => ("WebM video", "webm"),
            Self::MovProres => ("QuickTime movie", "mov"),
            Self::Gif => ("GIF animation", "gif"),
        }
    }

    /// The file type it is written as.
    #[must_use]
    pub fn container(self) -> Container {
        match self {
            Self::Mp4H264 | Self::Mp4H265 | Self::Mp4Av1 => Container::Mp4,
            Self::WebmVp9 => Container::Webm,
            Self::MovProres => Container::Mov,
            Self::Gif => Container::Gif,
        }
    }

    /// The suggested file name.
    #[must_use]
    pub fn file_name(self) -> String {
        self.container().file_kind().default_name.to_owned()
    }
}
