//! Video clips (MP4, MOV, M4V, MKV, WebM) as tiles. Their still frame, the one at 1 s (or the
//! first, in a clip shorter than that), is decoded through the FFmpeg libraries, averaged down
//! to just cover its tile and turned upright by the stream's display matrix, then cropped and
//! scaled like a photo by [`super::decode`] (through [`super::phone`], the formats that come
//! upright): the tile of `clips: still`, and what a clip that plays shows until it does.
//! [`ClipReader`] (`play.rs`) plays a clip the same way, frame after frame by time.
//!
//! The guards are those of every decoder here: the size the container declares is checked
//! before the streams are probed ([`open`]), the size the decoder was given is checked
//! again before any packet reaches it, the decoder's frames are estimated and held against
//! the decode gate ([`super::gate`]) while it runs, and a panic costs this clip only
//! ([`super::decode_tile_sized`] contains it).

mod frame;
mod open;
mod play;

pub use play::ClipReader;

use std::path::{Path, PathBuf};

use ffmpeg_next as ffmpeg;
use image::DynamicImage;
use image::metadata::Orientation;

use super::gate::Permit;
use super::{PhotoError, Skipped};
use crate::settings::ClipMode;

/// The file types read as clips (compared case-insensitively).
pub const CLIP_EXTENSIONS: [&str; 5] = ["mp4", "mov", "m4v", "mkv", "webm"];

/// The largest side a clip may declare: 8K (DCI 8192×4320) and below. Refused beyond it
/// before any frame is decoded.
pub const MAX_CLIP_SIDE_PX: u32 = 8192;

/// The time of the frame a clip shows, when it is at least this long.
const STILL_AT_SECS: f64 = 1.0;

/// Packets read looking for that frame before the last one decoded is taken.
const MAX_PACKETS: usize = 2_000;

/// Whether `path` names a clip by its file type.
#[must_use]
pub fn is_clip(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| CLIP_EXTENSIONS.iter().any(|c| e.eq_ignore_ascii_case(c)))
}

/// The length of the clip at `path` as its container declares it, in seconds, read from
/// its header alone (nothing decoded or probed): what the photo list shows. `None` when it
/// is not a clip, no container FFmpeg reads, or declares no length.
#[must_use]
pub fn clip_length_secs(path: &Path) -> Option<f64> {
    if !is_clip(path) || crate::media::init().is_err() {
        return None;
    }
    let file = crate::files::open_regular(path).ok()?;
    drop(file); // a regular file, not a FIFO FFmpeg would wait on
    open::declared_length_secs(path)
}

/// Bytes a decoder playing the clip at `path` (from byte `offset`: see [`ClipReader::open`])
/// may hold (as [`ClipReader::decode_bytes`]),
/// from the size its header declares (8-bit 4:2:0 pictures assumed; refused later, by name,
/// when they are more); 0 when the header cannot be read (the clip is refused when opened).
#[must_use]
pub fn playing_decoder_bytes(path: &Path, offset: u64) -> u64 {
    if crate::media::init().is_err() || crate::files::open_regular(path).is_err() {
        return 0;
    }
    open::declared_size(path, offset)
        .filter(|&(w, h)| w <= MAX_CLIP_SIDE_PX && h <= MAX_CLIP_SIDE_PX)
        .map_or(0, |size| {
            frame::decode_bytes(ffmpeg::format::Pixel::YUV420P, size)
        })
}

/// Apple's content identifier of the clip at `path` (a Live Photo's MOV carries the one its
/// still carries), from its header alone; `None` when it has none.
#[must_use]
pub fn content_identifier(path: &Path) -> Option<String> {
    if !is_clip(path) || crate::media::init().is_err() {
        return None;
    }
    crate::files::open_regular(path).ok()?;
    open::declared_tag(path, "com.apple.quicktime.content.identifier").filter(|id| !id.is_empty())
}

/// `paths` with the clips left out when `mode` is [`ClipMode::Skip`], each listed as skipped
/// with the reason; in every other mode every path stays.
#[must_use]
pub fn apply_clip_mode(paths: Vec<PathBuf>, mode: ClipMode) -> (Vec<PathBuf>, Vec<Skipped>) {
    match mode {
        ClipMode::Loop | ClipMode::Once | ClipMode::Still => (paths, Vec::new()),
        ClipMode::Skip => {
            let (clips, photos): (Vec<PathBuf>, Vec<PathBuf>) =
                paths.into_iter().partition(|p| is_clip(p));
            let skipped = clips
                .into_iter()
                .map(|path| Skipped {
                    path,
                    error: PhotoError::ClipLeftOut,
                })
                .collect();
            (photos, skipped)
        }
    }
}

/// A clip's frame averaged down and turned upright, its upright full size, and the decode's
/// permit.
pub(super) struct ClipFrame {
    pub image: DynamicImage,
    pub full_size: (u32, u32),
    pub permit: Permit,
}

/// A clip opened and checked, its decoder ready and nothing decoded yet.
struct Opened {
    input: ffmpeg::format::context::Input,
    stream: usize,
    decoder: ffmpeg::decoder::Video,
    /// Seconds per tick of the stream's timestamps.
    time_base_secs: f64,
    /// The first frame's time (a clip may start later than 0), and the clip's length.
    start_secs: f64,
    duration_secs: f64,
    orientation: Orientation,
    /// The stored picture's size.
    size_px: (u32, u32),
    /// What decoding holds at once: the decoder's frames and the frame kept.
    decode_bytes: u64,
}

/// The frame of the clip at `path` that its tile shows. `factor` says by how much an upright
/// `w × h` picture may be averaged down and still cover the tile.
pub(super) fn decode(
    path: &Path,
    factor: impl Fn(u32, u32) -> u32,
) -> Result<ClipFrame, PhotoError> {
    let mut opened = open_clip(path)?;
    let permit = super::gate::acquire(opened.decode_bytes);
    let kept = frame::still_frame(&mut opened)?;
    let (w, h) = opened.size_px;
    let upright = if super::orient::swaps_axes(opened.orientation) {
        (h, w)
    } else {
        (w, h)
    };
    let mut image = frame::reduced(&kept, factor(upright.0, upright.1))?;
    // Turned upright once small.
    image.apply_orientation(opened.orientation);
    Ok(ClipFrame {
        image,
        full_size: upright,
        permit,
    })
}

/// What [`decode`] checks before decoding a frame: a file FFmpeg reads as a container, a video
/// stream with a decoder, its size within the limits.
pub(super) fn probe(path: &Path) -> Result<(), PhotoError> {
    open_clip(path).map(|_| ())
}

fn open_clip(path: &Path) -> Result<Opened, PhotoError> {
    open_clip_at(path, 0)
}

/// [`open_clip`] for a clip that starts `offset` bytes into the file (a motion photo's).
fn open_clip_at(path: &Path, offset: u64) -> Result<Opened, PhotoError> {
    use std::io::{Seek, SeekFrom};
    let mut file = crate::files::open_regular(path).map_err(PhotoError::Io)?;
    if file.metadata().map_err(PhotoError::Io)?.len() <= offset {
        return Err(PhotoError::Empty);
    }
    file.seek(SeekFrom::Start(offset)).map_err(PhotoError::Io)?;
    let container = container_kind(file);
    crate::media::init().map_err(|e| PhotoError::Unsupported(e.to_string()))?;
    let input = open::open_checked(path, offset, MAX_CLIP_SIDE_PX).map_err(|e| match e {
        open::OpenError::TooLarge {
            width_px,
            height_px,
        } => too_large(width_px, height_px),
        open::OpenError::BadPath => PhotoError::Unsupported("a path FFmpeg cannot take".into()),
        open::OpenError::NotAContainer(e) | open::OpenError::Probe(e) => match container {
            Some(kind) => PhotoError::Damaged(format!("{kind} that FFmpeg cannot read: {e}")),
            None => PhotoError::NotAVideo,
        },
    })?;
    let stream = input.streams().best(ffmpeg::media::Type::Video).ok_or(
        // A container with no streams at all is one cut off before its index (an MP4's
        // `moov` written last) or damaged.
        match (input.streams().count(), container) {
            (0, Some(kind)) => PhotoError::Damaged(format!(
                "{kind} with no streams: cut off before its index, or damaged"
            )),
            _ => PhotoError::NoVideoStream,
        },
    )?;
    let index = stream.index();
    let time_base_secs = f64::from(stream.time_base());
    let orientation = frame::display_orientation(&stream);
    #[allow(clippy::cast_precision_loss)] // times in ticks are far inside f64's range
    let start_secs = if stream.start_time() == ffmpeg::ffi::AV_NOPTS_VALUE {
        0.0
    } else {
        stream.start_time() as f64 * time_base_secs
    };
    #[allow(clippy::cast_precision_loss)] // as above
    let duration_secs = {
        let stream_secs = stream.duration() as f64 * time_base_secs;
        let container_secs = input.duration() as f64 / f64::from(ffmpeg::ffi::AV_TIME_BASE);
        if stream_secs > 0.0 {
            stream_secs
        } else {
            container_secs.max(0.0)
        }
    };
    let mut context = ffmpeg::codec::context::Context::from_parameters(stream.parameters())
        .map_err(|e| PhotoError::Damaged(format!("video stream: {e}")))?;
    // Photos are decoded in parallel already; one thread keeps the decoder's frames few.
    context.set_threading(ffmpeg::codec::threading::Config::count(1));
    let codec = context.id();
    let decoder = context
        .decoder()
        .video()
        .map_err(|e| PhotoError::Unsupported(format!("no decoder for its {codec:?} video: {e}")))?;
    let size_px = (decoder.width(), decoder.height());
    if size_px.0 == 0 || size_px.1 == 0 {
        return Err(PhotoError::Damaged(format!(
            "its video declares {}×{} pixels",
            size_px.0, size_px.1
        )));
    }
    if size_px.0 > MAX_CLIP_SIDE_PX || size_px.1 > MAX_CLIP_SIDE_PX {
        return Err(too_large(size_px.0, size_px.1));
    }
    let decode_bytes = frame::decode_bytes(decoder.format(), size_px);
    let limit = super::gate::largest_decode();
    if decode_bytes > limit {
        return Err(PhotoError::TooLarge(format!(
            "its decoder would hold {} MiB of frames, over the {} MiB one decode may; {}×{} pixels",
            decode_bytes.div_ceil(1 << 20),
            limit >> 20,
            size_px.0,
            size_px.1
        )));
    }
    Ok(Opened {
        input,
        stream: index,
        decoder,
        time_base_secs,
        start_secs,
        duration_secs,
        orientation,
        size_px,
        decode_bytes,
    })
}

fn too_large(width_px: u32, height_px: u32) -> PhotoError {
    PhotoError::TooLarge(format!(
        "its video declares {width_px}×{height_px} pixels; the limit for a clip is \
         {MAX_CLIP_SIDE_PX} pixels a side"
    ))
}

/// The container a file's first bytes announce, for a message that tells a damaged clip from
/// a file that is no video at all: ISO media (MP4, MOV, M4V: a box type at byte 4) or
/// Matroska (MKV, WebM: the EBML magic).
fn container_kind(mut file: std::fs::File) -> Option<&'static str> {
    use std::io::Read;
    let mut head = [0u8; 12];
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    let head = &head[..filled];
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Some("a Matroska/WebM file");
    }
    let boxes: [&[u8; 4]; 6] = [b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"];
    head.get(4..8)
        .filter(|kind| boxes.iter().any(|b| kind == b))
        .map(|_| "an MP4/MOV file")
}
