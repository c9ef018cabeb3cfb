//! Export: render every frame offscreen, convert to YUV on the GPU, and stream the frames
//! through a bounded channel to an encoder thread that writes the MP4 atomically.

mod encoder;
mod output;

pub use encoder::{VideoWriter, available_h264_encoders, init_ffmpeg};
pub use output::TempOutput;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use crate::layout::Layout;
use crate::render::{FrameTarget, GridRenderer, GridUniform, READBACK_RING, RenderError, YuvFrame};
use crate::settings::Settings;
use crate::stream::{StreamError, TileStreamer};

/// Frames that may wait between the renderer and the encoder. The renderer blocks when the
/// encoder is behind: frames are never dropped and never pile up.
pub const ENCODER_QUEUE_FRAMES: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
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

/// Everything an export needs besides the GPU: what to draw and where to write it.
pub struct ExportJob<'a> {
    pub settings: &'a Settings,
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

/// Renders the whole timeline with `renderer` (target format
/// [`crate::render::FRAME_FORMAT`]) and writes the video. The tiles are either all uploaded
/// already (`streamer` None) or streamed in by `streamer`, which is then asked before each
/// frame to make that frame's tiles resident. Blocks until done, cancelled or failed; on any
/// failure the temporary file is removed and an existing output is untouched.
pub fn export_video(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    renderer: &mut GridRenderer,
    streamer: Option<&mut TileStreamer>,
    job: &ExportJob<'_>,
    cancel: &AtomicBool,
    progress: &ExportProgress,
) -> Result<ExportSummary, ExportError> {
    let started = Instant::now();
    let settings = job.settings;
    let layout = Layout::new(settings);
    let (width_px, height_px) = layout.frame_size_px();
    let total = settings.frame_count();
    progress.frames_total.store(total, Ordering::Relaxed);
    progress.frames_rendered.store(0, Ordering::Relaxed);
    progress.frames_encoded.store(0, Ordering::Relaxed);

    let temp = TempOutput::create(job.output, job.overwrite)?;
    let mut target = FrameTarget::new(device, width_px, height_px)?;
    let (writer, fallbacks) = VideoWriter::create(
        temp.temp_path(),
        width_px,
        height_px,
        settings.fps,
        &settings.video,
        job.encoder_threads,
    )?;
    if let Ok(mut name) = progress.encoder_name.lock() {
        writer.encoder_name().clone_into(&mut name);
    }
    if let Ok(mut list) = progress.fallbacks.lock() {
        *list = fallbacks;
    }
    let encoder_name = writer.encoder_name().to_owned();

    // Frames travel to the encoder on `full` and come back for reuse on `free`: a fixed set
    // of buffers, so the loop allocates nothing per frame.
    let (full_tx, full_rx) = sync_channel::<YuvFrame>(ENCODER_QUEUE_FRAMES);
    let (free_tx, free_rx) = sync_channel::<YuvFrame>(ENCODER_QUEUE_FRAMES + 2);
    for _ in 0..ENCODER_QUEUE_FRAMES + 2 {
        free_tx
            .send(YuvFrame::new(width_px, height_px))
            .map_err(|_| ExportError::Internal("frame pool".into()))?;
    }
    let (rendered, encoded) = std::thread::scope(|scope| {
        let encoder_thread = std::thread::Builder::new()
            .name("gridreel-encode".into())
            .spawn_scoped(scope, move || {
                encode_loop(writer, &full_rx, &free_tx, &progress.frames_encoded)
            });
        let encoder_thread = match encoder_thread {
            Ok(handle) => handle,
            Err(e) => {
                let err = ExportError::Internal(format!("cannot start the encoder thread: {e}"));
                return (Err(err), Ok(0));
            }
        };
        let rendered = render_loop(
            device,
            queue,
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
        let encoded = encoder_thread
            .join()
            .unwrap_or_else(|_| Err(ExportError::Internal("the encoder thread panicked".into())));
        (rendered, encoded)
    });
    // A render error explains an encoder that stopped early, and vice versa: report the cause.
    rendered?;
    let frames = encoded?;
    progress.frames_encoded.store(frames, Ordering::Relaxed);
    if frames != total {
        return Err(ExportError::Internal(format!(
            "encoded {frames} of {total} frames"
        )));
    }
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
    full: &Receiver<YuvFrame>,
    free: &SyncSender<YuvFrame>,
    encoded: &AtomicU64,
) -> Result<u64, ExportError> {
    for frame in full {
        writer.write(&frame)?;
        encoded.fetch_add(1, Ordering::Relaxed);
        // The renderer may have stopped; then the buffer is simply dropped.
        let _ = free.send(frame);
    }
    writer.finish()
}

#[allow(clippy::too_many_arguments)]
fn render_loop(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    renderer: &mut GridRenderer,
    mut streamer: Option<&mut TileStreamer>,
    target: &mut FrameTarget,
    layout: &Layout,
    settings: &Settings,
    cancel: &AtomicBool,
    progress: &ExportProgress,
    full: &SyncSender<YuvFrame>,
    free: &Receiver<YuvFrame>,
) -> Result<(), ExportError> {
    let total = settings.frame_count();
    let viewport = GridUniform::full_frame(layout);
    // Frames submitted to the GPU and not yet read back, oldest first.
    let mut in_flight = [0usize; READBACK_RING];
    let (mut head, mut pending) = (0usize, 0usize);
    let lag = READBACK_RING - 1;
    for index in 0..total {
        if cancel.load(Ordering::Relaxed) {
            return Err(ExportError::Cancelled);
        }
        let t_secs = Layout::frame_time_secs(index, settings.fps);
        if let Some(streamer) = streamer.as_deref_mut() {
            streamer.prepare_frame(device, queue, renderer, t_secs, cancel)?;
        }
        let uniform = GridUniform::new(layout, t_secs, settings.background, viewport);
        let ticket = target.submit_yuv(device, queue, renderer, &uniform);
        in_flight[(head + pending) % READBACK_RING] = ticket;
        pending += 1;
        if pending > lag {
            read_frame(target, device, in_flight[head], full, free, progress)?;
            head = (head + 1) % READBACK_RING;
            pending -= 1;
        }
    }
    while pending > 0 {
        if cancel.load(Ordering::Relaxed) {
            return Err(ExportError::Cancelled);
        }
        read_frame(target, device, in_flight[head], full, free, progress)?;
        head = (head + 1) % READBACK_RING;
        pending -= 1;
    }
    Ok(())
}

fn target_read(
    target: &mut FrameTarget,
    device: &wgpu::Device,
    ticket: usize,
    frame: &mut YuvFrame,
) -> Result<(), ExportError> {
    target
        .read_yuv(device, ticket, frame)
        .map_err(ExportError::from)
}

fn read_frame(
    target: &mut FrameTarget,
    device: &wgpu::Device,
    ticket: usize,
    full: &SyncSender<YuvFrame>,
    free: &Receiver<YuvFrame>,
    progress: &ExportProgress,
) -> Result<(), ExportError> {
    let mut frame = free
        .recv()
        .map_err(|_| ExportError::Encode("the encoder stopped".into()))?;
    target_read(target, device, ticket, &mut frame)?;
    full.send(frame)
        .map_err(|_| ExportError::Encode("the encoder stopped".into()))?;
    progress.frames_rendered.fetch_add(1, Ordering::Relaxed);
    Ok(())
}
