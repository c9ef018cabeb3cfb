//! Export: render every frame offscreen, convert to YUV on the GPU, and stream the frames
//! through a bounded channel to an encoder thread that writes the MP4 atomically.
//! [`run`] is the one entry point (see `pipeline`).

mod audio;
mod encoder;
pub mod estimate;
mod format;
mod gif;
mod output;
mod pipeline;

pub use audio::probe as probe_audio;
pub(crate) use encoder::init_ffmpeg;
pub use encoder::{VideoWriter, available_encoders};
pub use format::{Container, Format};
pub use output::TempOutput;
pub use pipeline::{Job, Photos, Progress, Silent, Stage, run};

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use crate::layout::Layout;
use crate::panic_message;
use crate::photos::ScanError;
use crate::render::{
    FrameTarget, Gpu, GridRenderer, GridUniform, READBACK_RING, RenderError, VideoFrame,
};
use crate::settings::{Settings, SettingsError};
use crate::stream::{StreamError, TileStreamer};

/// Frames that may wait between the renderer and the encoder. The renderer blocks when the
/// encoder is behind: frames are never dropped and never pile up.
pub const ENCODER_QUEUE_FRAMES: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("invalid setting: {0}")]
    Settings(SettingsError),
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
    #[error("encoding failed ({0})")]
    Encode(String),
    #[error("FFmpeg could not start ({0})")]
    FfmpegInit(String),
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
    pub elapsed: Duration,
}

/// What [`export_video`] draws and where it writes it.
struct ExportJob<'a> {
    pub settings: &'a Settings,
    pub format: Format,
    pub output: &'a Path,
    pub overwrite: bool,
    /// Encoder threads (0 = FFmpeg's choice).
    pub encoder_threads: usize,
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

/// Renders the whole timeline with `renderer` (target format
/// [`crate::render::FRAME_FORMAT`]) and writes the video. The tiles are either all uploaded
/// already (`streamer` None) or streamed in by `streamer`, which is then asked before each
/// frame to make that frame's tiles resident. Blocks until done, cancelled or failed; on any
/// failure the temporary file is removed and an existing output is untouched.
fn export_video(
    gpu: &Gpu,
    renderer: &mut GridRenderer,
    streamer: Option<&mut TileStreamer>,
    job: &ExportJob<'_>,
    cancel: &AtomicBool,
    progress: &dyn Progress,
) -> Result<ExportSummary, ExportError> {
    let device = &gpu.device;
    let started = Instant::now();
    let settings = job.settings;
    let layout = Layout::new(settings);
    let (width_px, height_px) = layout.frame_size_px();
    let total = settings.frame_count();

    let temp = TempOutput::create(job.output, job.overwrite)?;
    if crate::fault::armed(crate::fault::Fault::GpuError, job.output) {
        inject_gpu_error(device);
    }
    let pixels = job.format.pixel_layout();
    let output_px = job
        .format
        .output_size_px(&settings.video, (width_px, height_px));
    let mut target = FrameTarget::with_layout(device, (width_px, height_px), pixels, output_px)?;
    let (writer, fallbacks) = VideoWriter::create(
        temp.temp_path(),
        job.format,
        output_px,
        settings.fps,
        settings,
        job.encoder_threads,
    )?;
    progress.encoder(writer.encoder_name(), &fallbacks);
    let encoder_name = writer.encoder_name().to_owned();

    // Frames travel to the encoder on `full` and come back for reuse on `free`: a fixed set
    // of buffers, so the loop allocates nothing per frame.
    let (full_tx, full_rx) = sync_channel::<VideoFrame>(ENCODER_QUEUE_FRAMES);
    let (free_tx, free_rx) = sync_channel::<VideoFrame>(ENCODER_QUEUE_FRAMES + 2);
    for _ in 0..ENCODER_QUEUE_FRAMES + 2 {
        free_tx
            .send(VideoFrame::with_layout(pixels, output_px.0, output_px.1))
            .map_err(|_| ExportError::Internal("frame pool".into()))?;
    }
    let (rendered, encoded) = std::thread::scope(|scope| {
        let encoder_thread = std::thread::Builder::new()
            .name("gridreel-encode".into())
            .spawn_scoped(scope, move || {
                encode_loop(writer, &full_rx, &free_tx, total, progress)
            });
        let encoder_thread = match encoder_thread {
            Ok(handle) => handle,
            Err(e) => {
                let err = ExportError::Internal(format!("cannot start the encoder thread: {e}"));
                return (Err(err), Ok(0));
            }
        };
        let rendered = render_loop(
            gpu,
            renderer,
            streamer,
            &mut target,
            &layout,
            settings,
            cancel,
            progress,
            &full_tx,
            &free_rx,
        );
        drop(full_tx);
        let encoded = encoder_thread.join().unwrap_or_else(|panic| {
            Err(ExportError::Internal(format!(
                "the encoder thread stopped on a bug: {}",
                panic_message(panic.as_ref())
            )))
        });
        (rendered, encoded)
    });
    // A render error explains an encoder that stopped early, and vice versa: report the cause.
    let frames = match (rendered, encoded) {
        (Err(ExportError::EncoderGone) | Ok(()), Err(cause)) | (Err(cause), _) => {
            return Err(cause);
        }
        (Ok(()), Ok(frames)) => frames,
    };
    if frames != total {
        return Err(ExportError::Internal(format!(
            "encoded {frames} of {total} frames"
        )));
    }
    progress.stage(Stage::Finishing);
    let path = temp.commit()?;
    let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    Ok(ExportSummary {
        path,
        frames,
        bytes,
        #[allow(clippy::cast_precision_loss)]
        video_secs: frames as f64 / f64::from(settings.fps),
        encoder: encoder_name,
        elapsed: started.elapsed(),
    })
}

fn encode_loop(
    mut writer: VideoWriter,
    full: &Receiver<VideoFrame>,
    free: &SyncSender<VideoFrame>,
    total: u64,
    progress: &dyn Progress,
) -> Result<u64, ExportError> {
    let mut encoded = 0;
    for frame in full {
        writer.write(&frame)?;
        encoded += 1;
        progress.frame_encoded(encoded, total);
        // The renderer may have stopped; then the buffer is simply dropped.
        let _ = free.send(frame);
    }
    writer.finish()
}

#[allow(clippy::too_many_arguments)]
fn render_loop(
    gpu: &Gpu,
    renderer: &mut GridRenderer,
    mut streamer: Option<&mut TileStreamer>,
    target: &mut FrameTarget,
    layout: &Layout,
    settings: &Settings,
    cancel: &AtomicBool,
    progress: &dyn Progress,
    full: &SyncSender<VideoFrame>,
    free: &Receiver<VideoFrame>,
) -> Result<(), ExportError> {
    let (device, queue) = (&gpu.device, &gpu.queue);
    let total = settings.frame_count();
    let mut rendered = 0u64;
    let viewport = GridUniform::full_frame(layout);
    // Frames submitted to the GPU and not yet read back, oldest first.
    let mut in_flight = [0usize; READBACK_RING];
    let (mut head, mut pending) = (0usize, 0usize);
    let lag = READBACK_RING - 1;
    for index in 0..total {
        if cancel.load(Ordering::Relaxed) {
            return Err(ExportError::Cancelled);
        }
        if let Some(error) = gpu.take_error() {
            return Err(ExportError::Gpu(error));
        }
        let t_secs = Layout::frame_time_secs(index, settings.fps);
        if let Some(streamer) = streamer.as_deref_mut() {
            streamer.prepare_frame(device, queue, renderer, t_secs, cancel)?;
        }
        let uniform = GridUniform::new(layout, t_secs, settings.background, viewport);
        let ticket = target.submit_frame(device, queue, renderer, &uniform);
        in_flight[(head + pending) % READBACK_RING] = ticket;
        pending += 1;
        if pending > lag {
            read_frame(target, device, in_flight[head], full, free)?;
            rendered += 1;
            progress.frame_rendered(rendered, total);
            head = (head + 1) % READBACK_RING;
            pending -= 1;
        }
    }
    while pending > 0 {
        if cancel.load(Ordering::Relaxed) {
            return Err(ExportError::Cancelled);
        }
        read_frame(target, device, in_flight[head], full, free)?;
        rendered += 1;
        progress.frame_rendered(rendered, total);
        head = (head + 1) % READBACK_RING;
        pending -= 1;
    }
    match gpu.take_error() {
        Some(error) => Err(ExportError::Gpu(error)),
        None => Ok(()),
    }
}

/// An invalid GPU call (a buffer both mappable for reading and for writing), for the
/// reliability test of the device error handler.
fn inject_gpu_error(device: &wgpu::Device) {
    let _ = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("injected fault"),
        size: 4,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::MAP_WRITE,
        mapped_at_creation: false,
    });
}

fn target_read(
    target: &mut FrameTarget,
    device: &wgpu::Device,
    ticket: usize,
    frame: &mut VideoFrame,
) -> Result<(), ExportError> {
    target
        .read_frame(device, ticket, frame)
        .map_err(ExportError::from)
}

fn read_frame(
    target: &mut FrameTarget,
    device: &wgpu::Device,
    ticket: usize,
    full: &SyncSender<VideoFrame>,
    free: &Receiver<VideoFrame>,
) -> Result<(), ExportError> {
    let mut frame = free.recv().map_err(|_| ExportError::EncoderGone)?;
    target_read(target, device, ticket, &mut frame)?;
    full.send(frame).map_err(|_| ExportError::EncoderGone)?;
    Ok(())
}
