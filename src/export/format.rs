//! What a video is written as: the container from the output's file type, the codec from the
//! setting (or the container's natural one), the pairs that work, and the encoders to try.

use std::path::Path;

use super::ExportError;
use crate::files::guard::Kind;
use crate::render::PixelLayout;
use crate::settings::{AudioSettings, EncoderChoice, Settings, VideoCodec, VideoSettings};

/// The file types gridreel writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    Mp4,
    Mov,
    Webm,
    Mkv,
    Gif,
}

impl Container {
    pub const ALL: [Self; 5] = [Self::Mp4, Self::Mov, Self::Webm, Self::Mkv, Self::Gif];

    /// The container of a file name, by its extension (any case).
    pub fn from_path(path: &Path) -> Result<Self, ExportError> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        Self::ALL
            .into_iter()
            .find(|c| c.extension() == extension)
            .ok_or_else(|| ExportError::FileType {
                extension,
                allowed: Self::ALL.map(|c| format!(".{}", c.extension())).join(", "),
            })
    }

    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Self::Mp4 => "mp4",
            Self::Mov => "mov",
            Self::Webm => "webm",
            Self::Mkv => "mkv",
            Self::Gif => "gif",
        }
    }

    /// What the editor's guarded write (see [`crate::files::guard`]) makes for this type:
    /// an existing file is replaced only if its first bytes are a video of this family.
    #[must_use]
    pub fn file_kind(self) -> Kind {
        let (default_name, recognise): (&'static str, fn(&Path) -> bool) = match self {
            Self::Mp4 => ("trip.mp4", |p| starts_like(p, Self::Mp4)),
            Self::Mov => ("trip.mov", |p| starts_like(p, Self::Mov)),
            Self::Webm => ("trip.webm", |p| starts_like(p, Self::Webm)),
            Self::Mkv => ("trip.mkv", |p| starts_like(p, Self::Mkv)),
            Self::Gif => ("trip.gif", |p| starts_like(p, Self::Gif)),
        };
        Kind {
            noun: "video",
            extension: self.extension(),
            default_name,
            recognise,
        }
    }

    /// FFmpeg's muxer name.
    #[must_use]
    pub fn muxer(self) -> &'static str {
        match self {
            Self::Mp4 => "mp4",
            Self::Mov => "mov",
            Self::Webm => "webm",
            Self::Mkv => "matroska",
            Self::Gif => "gif",
        }
    }

    /// The codec a file of this type gets when none is chosen.
    #[must_use]
    pub fn natural_codec(self) -> VideoCodec {
        match self {
            Self::Webm => VideoCodec::Vp9,
            Self::Gif => VideoCodec::Gif,
            Self::Mp4 | Self::Mov | Self::Mkv => VideoCodec::H264,
        }
    }

    /// The codecs this container holds (that players expect in it).
    #[must_use]
    pub fn codecs(self) -> &'static [VideoCodec] {
        use VideoCodec::{Av1, Gif, H264, H265, Prores, Vp9};
        match self {
            Self::Mp4 => &[H264, H265, Av1],
            Self::Mov => &[H264, H265, Prores],
            Self::Webm => &[Vp9, Av1],
            Self::Mkv => &[H264, H265, Av1, Vp9, Prores],
            Self::Gif => &[Gif],
        }
    }

    /// MP4 and MOV move their index to the front (`+faststart`), so playback starts at once.
    #[must_use]
    pub fn faststart(self) -> bool {
        matches!(self, Self::Mp4 | Self::Mov)
    }
}

/// A container and a codec that go together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Format {
    pub container: Container,
    pub codec: VideoCodec,
}

impl Format {
    /// The format of `output` under `video`: the container from the file type, the codec as
    /// set (or the container's natural one). An impossible pair is refused, naming the codecs
    /// the container takes.
    pub fn resolve(output: &Path, video: &VideoSettings) -> Result<Self, ExportError> {
        let container = Container::from_path(output)?;
        let codec = match video.codec {
            VideoCodec::Auto => container.natural_codec(),
            chosen => chosen,
        };
        if !container.codecs().contains(&codec) {
            return Err(ExportError::CodecContainer {
                codec: codec.label(),
                extension: container.extension(),
                allowed: container
                    .codecs()
                    .iter()
                    .map(|c| c.label())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        Ok(Self { container, codec })
    }

    /// What the encoder takes: 10-bit 4:2:2 for ProRes, RGBA for GIF (quantised on the
    /// CPU), 8-bit 4:2:0 for the rest.
    #[must_use]
    pub fn pixel_layout(self) -> PixelLayout {
        match self.codec {
            VideoCodec::Prores => PixelLayout::Yuv422P10,
            VideoCodec::Gif => PixelLayout::Rgba,
            _ => PixelLayout::Yuv420,
        }
    }

    /// The settings the timeline is rendered with in this format: a GIF plays at its own
    /// frame rate and holds no sound. The second value says what was left out, if anything.
    #[must_use]
    pub fn timeline(self, settings: &Settings) -> (Settings, Option<String>) {
        let mut timeline = settings.clone();
        let mut note = None;
        if self.container == Container::Gif {
            timeline.fps = settings.video.gif_fps;
            if settings.audio.file.is_some() {
                timeline.audio = AudioSettings::default();
                note = Some("a GIF holds no sound: the music is left out".to_owned());
            }
        }
        (timeline, note)
    }

    /// The size of the encoded frames for rendered frames of `frame_px`: a GIF is scaled
    /// down to its width (never up), keeping the frame's aspect.
    #[must_use]
    pub fn output_size_px(self, video: &VideoSettings, (w, h): (u32, u32)) -> (u32, u32) {
        match (self.codec, video.gif_width_px) {
            (VideoCodec::Gif, Some(width)) if width < w => {
                let height = (f64::from(h) * f64::from(width) / f64::from(w)).round();
                (width, (height as u32).max(1))
            }
            _ => (w, h),
        }
    }

    /// Encoder names to try for `setting` (`auto`: hardware ones that FFmpeg has, then the
    /// software one), in order.
    #[must_use]
    pub fn encoder_candidates(self, setting: &EncoderChoice) -> Vec<String> {
        if let EncoderChoice::Named(name) = setting {
            return vec![name.as_str().to_owned()];
        }
        let (hardware, software): (&[&str], &str) = match self.codec {
            VideoCodec::Auto | VideoCodec::H264 => {
                (&["h264_nvenc", "h264_qsv", "h264_videotoolbox"], "libx264")
            }
            VideoCodec::H265 => (&["hevc_nvenc", "hevc_qsv", "hevc_videotoolbox"], "libx265"),
            VideoCodec::Av1 => (&["av1_nvenc", "av1_qsv"], "libsvtav1"),
            VideoCodec::Vp9 => (&["vp9_qsv"], "libvpx-vp9"),
            VideoCodec::Prores => (&["prores_videotoolbox"], "prores_ks"),
            VideoCodec::Gif => (&[], "gif"),
        };
        hardware
            .iter()
            .filter(|n| crate::media::has_encoder(n))
            .map(|n| (*n).to_owned())
            .chain(std::iter::once(software.to_owned()))
            .collect()
    }
}

/// Whether the file at `path` starts as a `container` file does: an ISO media box (MP4,
/// MOV), an EBML header (WebM, Matroska) or a GIF signature.
fn starts_like(path: &Path, container: Container) -> bool {
    use std::io::Read;
    let mut head = [0u8; 12];
    let read = crate::files::open_regular(path).and_then(|f| f.take(12).read(&mut head));
    let Ok(n) = read else {
        return false;
    };
    let head = &head[..n];
    match container {
        Container::Mp4 | Container::Mov => {
            head.len() >= 8 && {
                let box_type = &head[4..8];
                [b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"]
                    .iter()
                    .any(|t| box_type == *t)
            }
        }
        Container::Webm | Container::Mkv => head.starts_with(&[0x1a, 0x45, 0xdf, 0xa3]),
        Container::Gif => head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a"),
    }
}

/// The encoder's own quality value for gridreel's quality setting (CRF 0–51, x264's scale),
/// chosen so that one number gives about the same picture in every codec.
#[must_use]
pub fn codec_quality(codec: VideoCodec, quality: u32) -> u32 {
    let q = quality.min(51);
    match codec {
        // ProRes has fixed-rate profiles (422 HQ) and GIF a palette: no quality scale, so
        // the value passes through unused.
        VideoCodec::Auto | VideoCodec::H264 | VideoCodec::Prores | VideoCodec::Gif => q,
        // x265's CRF runs about 5 above x264's for the same picture.
        VideoCodec::H265 => (q + 5).min(51),
        // libvpx-vp9 and SVT-AV1 take 0–63: the same span, stretched.
        VideoCodec::Vp9 | VideoCodec::Av1 => (q * 63 + 25) / 51,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn video(codec: VideoCodec) -> VideoSettings {
        VideoSettings {
            codec,
            ..VideoSettings::default()
        }
    }

    #[test]
    fn the_file_type_picks_the_container_and_the_natural_codec() {
        let f = Format::resolve(Path::new("a/clip.WEBM"), &video(VideoCodec::Auto)).unwrap();
        assert_eq!((f.container, f.codec), (Container::Webm, VideoCodec::Vp9));
        let f = Format::resolve(Path::new("clip.mov"), &video(VideoCodec::Auto)).unwrap();
        assert_eq!((f.container, f.codec), (Container::Mov, VideoCodec::H264));
        let f = Format::resolve(Path::new("clip.mp4"), &video(VideoCodec::H265)).unwrap();
        assert_eq!(f.codec, VideoCodec::H265);
    }

    #[test]
    fn impossible_pairs_and_unknown_types_name_what_is_allowed() {
        let err = Format::resolve(Path::new("clip.webm"), &video(VideoCodec::H264)).unwrap_err();
        assert!(err.to_string().contains("VP9, AV1"), "{err}");
        let err = Format::resolve(Path::new("clip.avi"), &video(VideoCodec::Auto)).unwrap_err();
        assert!(
            err.to_string().contains(".mp4, .mov, .webm, .mkv, .gif"),
            "{err}"
        );
        assert!(Format::resolve(Path::new("clip"), &video(VideoCodec::Auto)).is_err());
    }

    #[test]
    fn a_gif_has_its_own_frame_rate_and_width_and_no_sound() {
        let mut settings = Settings::default();
        settings.audio.file = Some("song.mp3".into());
        settings.video.gif_width_px = Some(480);
        let gif = Format::resolve(Path::new("clip.gif"), &settings.video).unwrap();
        assert_eq!(gif.codec, VideoCodec::Gif);
        assert_eq!(gif.pixel_layout(), PixelLayout::Rgba);
        let (timeline, note) = gif.timeline(&settings);
        assert_eq!(timeline.fps, 15);
        assert!(timeline.audio.file.is_none() && note.is_some());
        assert_eq!(
            gif.output_size_px(&settings.video, (1920, 1080)),
            (480, 270)
        );
        assert_eq!(gif.output_size_px(&settings.video, (320, 180)), (320, 180));
        let mp4 = Format::resolve(Path::new("clip.mp4"), &settings.video).unwrap();
        assert_eq!(mp4.timeline(&settings), (settings.clone(), None));
        assert_eq!(
            mp4.output_size_px(&settings.video, (1920, 1080)),
            (1920, 1080)
        );
        let prores = Format::resolve(Path::new("clip.mov"), &video(VideoCodec::Prores)).unwrap();
        assert_eq!(prores.pixel_layout(), PixelLayout::Yuv422P10);
        assert!(Format::resolve(Path::new("clip.mp4"), &video(VideoCodec::Prores)).is_err());
        assert!(Format::resolve(Path::new("clip.mov"), &video(VideoCodec::Gif)).is_err());
    }

    #[test]
    fn quality_maps_onto_each_codecs_scale() {
        assert_eq!(codec_quality(VideoCodec::H264, 20), 20);
        assert_eq!(codec_quality(VideoCodec::H265, 20), 25);
        assert_eq!(codec_quality(VideoCodec::Vp9, 51), 63);
        assert_eq!(codec_quality(VideoCodec::Av1, 0), 0);
    }
}
