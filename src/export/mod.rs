//! Export: render every frame offscreen, convert to YUV on the GPU, and stream the frames
//! through a bounded channel to an encoder thread that writes the MP4 atomically.
//! [`run`] is the one entry point (see `pipeline`).

mod audio;
mod encoder;
pub mod estimate;
mod format;
mod frames;
mod gif;
mod host;
mod job;
mod output;
mod pipeline;
mod threading;

pub use audio::probe as probe_audio;
pub use encoder::{VideoWriter, available_encoders};
pub use format::{Container, Format};
pub use job::{Job, Photos, Progress, Silent, Stage};
pub use output::TempOutput;
pub use pipeline::{check, run};
pub use threading::EncoderThreads;

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::photos::ScanError;
use crate::render::RenderError;
use crate::settings::SettingsError;
use crate::stream::StreamError;

/// Frames that may wait between the renderer and the encoder. The renderer blocks when the
/// encoder is behind: frames are never dropped and never pile up. One is enough: x264's frame
/// threads already hold several frames in flight, which covers a slow frame of the renderer.
/// With 3 (five frame buffers in all instead of three) the 4K marquee peaked 31 MB higher
/// (681–687 against 649–654 MB, 1080p J36 5.5 MB), at the same speed within this machine's
/// noise, as were the streamed 256 MB export and an export with six clips playing.
pub const ENCODER_QUEUE_FRAMES: usize = 1;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("invalid setting: {0}")]
    Settings(SettingsError),
    /// The title or the logo cannot be drawn (a character no font has, a logo that is not
    /// an image).
    #[error(transparent)]
    Overlay(#[from] crate::overlay::OverlayError),
    #[error(
        "memory budget {budget_mb} MB is more than this machine can hold; the most is {most_mb} MB"
    )]
    BudgetTooLarge { budget_mb: u64, most_mb: u64 },
    #[error(transparent)]
    Scan(ScanError),
    #[error("{0}")]
    NoPhotos(String),
    #[error(
        "the output is one of the input photos; choose another file name (even --overwrite never replaces a photo): {}",
        .0.display()
    )]
    OutputIsInput(PathBuf),
    #[error("output path must be valid UTF-8 (FFmpeg takes text paths): {}", .0.display())]
    OutputNotUtf8(PathBuf),
    #[error("GPU error: {0}")]
    Gpu(String),
    #[error("cannot use the music ({reason}): {}", path.display())]
    Audio { path: PathBuf, reason: String },
    #[error("cannot write a `.{extension}` file; the output must end in {allowed}")]
    FileType { extension: String, allowed: String },
    #[error("{codec} cannot go into a .{extension} file; it takes {allowed}")]
    CodecContainer {
        codec: &'static str,
        extension: &'static str,
        allowed: String,
    },
    #[error("output file exists (use --overwrite to replace it): {}", .0.display())]
    OutputExists(PathBuf),
    #[error("output is a folder, not a file: {}", .0.display())]
    OutputIsFolder(PathBuf),
    #[error("cannot write to the output folder ({reason}): {}", path.display())]
    OutputFolder { path: PathBuf, reason: String },
    #[error("writing the video failed ({reason}): {}", path.display())]
    Write { path: PathBuf, reason: String },
    #[error(
        "unknown encoder `{0}`; FFmpeg has no video encoder of that name (try auto or libx264)"
    )]
    UnknownEncoder(String),
    #[error("cannot open encoder {name} ({reason})")]
    EncoderOpen { name: String, reason: String },
    #[error("encoding failed ({what}: {source})")]
    Encode {
        /// The encoder's name, or the step that failed ("writing the video").
        what: String,
        #[source]
        source: ffmpeg_next::Error,
    },
    #[error("cannot start the {what} thread ({source})")]
    Thread {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    FfmpegInit(#[from] crate::media::FfmpegInitError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("photo streaming: {0}")]
    Stream(StreamError),
    #[error("export cancelled")]
    Cancelled,
    /// The encoder thread ended early; its own error says why.
    #[error("encoding failed (the encoder stopped)")]
    EncoderGone,
    #[error("internal error: {0}")]
    Internal(String),
}

/// Live state of an export, shared with whoever shows progress.
#[derive(Debug, Default)]
pub struct ExportProgress {
    pub frames_total: AtomicU64,
    pub frames_rendered: AtomicU64,
    pub frames_encoded: AtomicU64,
    /// The encoder in use, once it is open.
    pub encoder_name: Mutex<String>,
    /// Encoders tried before it, with the reason each was passed over.
    pub fallbacks: Mutex<Vec<String>>,
}

impl ExportProgress {
    /// Frames rendered but not yet encoded (the queue to the encoder).
    #[must_use]
    pub fn queue_depth(&self) -> u64 {
        self.frames_rendered
            .load(Ordering::Relaxed)
            .saturating_sub(self.frames_encoded.load(Ordering::Relaxed))
    }

    #[must_use]
    pub fn encoder_name(&self) -> String {
        self.encoder_name
            .lock()
            .map(|n| n.clone())
            .unwrap_or_default()
    }
}

impl Progress for ExportProgress {
    fn frame_rendered(&self, done: u64, total: u64) {
        self.frames_total.store(total, Ordering::Relaxed);
        self.frames_rendered.store(done, Ordering::Relaxed);
    }

    fn frame_encoded(&self, done: u64, total: u64) {
        self.frames_total.store(total, Ordering::Relaxed);
        self.frames_encoded.store(done, Ordering::Relaxed);
    }

    fn encoder(&self, name: &str, passed_over: &[String]) {
        if let Ok(mut n) = self.encoder_name.lock() {
            name.clone_into(&mut n);
        }
        if let Ok(mut list) = self.fallbacks.lock() {
            passed_over.clone_into(&mut list);
        }
    }
}

/// A finished export.
#[derive(Clone, Debug)]
pub struct ExportSummary {
    pub path: PathBuf,
    pub frames: u64,
    pub bytes: u64,
    pub video_secs: f64,
    pub encoder: String,
    /// The encoder's threads, as the user is told (e.g. "frame threads (x264's defaults)"),
    /// for encoders that have a choice (see `threading`).
    pub threading: Option<&'static str>,
    pub elapsed: Duration,
}

impl From<StreamError> for ExportError {
    fn from(e: StreamError) -> Self {
        match e {
            StreamError::Cancelled => Self::Cancelled,
            other => Self::Stream(other),
        }
    }
}

impl ExportError {
    /// The exit status of `gridreel render` for this error: 2 for bad input (nothing was
    /// rendered), 130 when cancelled, 1 for anything else.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Settings(_)
            | Self::Overlay(_)
            | Self::BudgetTooLarge { .. }
            | Self::Scan(_)
            | Self::NoPhotos(_)
            | Self::OutputIsInput(_)
            | Self::OutputNotUtf8(_)
            | Self::FileType { .. }
            | Self::Audio { .. }
            | Self::CodecContainer { .. }
            | Self::OutputExists(_)
            | Self::OutputIsFolder(_)
            | Self::OutputFolder { .. }
            | Self::UnknownEncoder(_)
            | Self::EncoderOpen { .. }
            | Self::Stream(StreamError::BudgetTooSmall { .. }) => 2,
            Self::Cancelled => 130,
            _ => 1,
        }
    }
}
