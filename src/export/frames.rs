//! The frame loops of an export: the render loop on the calling thread (GPU frames read back
//! through a ring) and the encode loop on its own thread, joined by a bounded channel of
//! [`ENCODER_QUEUE_FRAMES`] frames. [`super::pipeline`] prepares the job and calls
//! [`export_video`].

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Instant;

use crate::layout::Layout;
use crate::overlay::{Blender, Overlay};
use crate::panic_message;
use crate::render::{
    FrameTarget, Gpu, GridRenderer, GridUniform, HostFrames, READBACK_RING, VideoFrame,
};
use crate::settings::Settings;
use crate::stream::{ClipFeed, ClipUploads, TileStreamer};

use super::threading::{self, EncoderThreads};
use super::{
    ENCODER_QUEUE_FRAMES, ExportError, ExportSummary, Format, Progress, Stage, TempOutput,
    VideoWriter,
};

/// What [`export_video`] draws and where it writes it.
pub struct ExportJob<'a> {
    pub settings: &'a Settings,
    pub format: Format,
    pub output: &'a Path,
    pub overwrite: bool,
    /// Encoder threads (count 0 = FFmpeg's choice) and their setting (chosen by the budget).
    pub encoder_threads: EncoderThreads,
    /// The title and the logo, at the output size, blended into every frame read back.
    pub overlay: &'a Overlay,
    /// The clips that play: each frame's clip tiles, decoded ahead on their own thread.
    pub clips: Option<&'a ClipFeed>,
}

/// Renders the whole timeline with `renderer` (target format
/// [`crate::render::FRAME_FORMAT`]) and writes the video. The tiles are either all uploaded
/// already (`streamer` None) or streamed in by `streamer`, which is then asked before each
/// frame to make that frame's tiles resident. Blocks until done, cancelled or failed; on any
/// failure the temporary file is removed and an existing output is untouched.
pub fn export_video(
    gpu: &Gpu,
    renderer: &mut GridRenderer,
    streamer: Option<&mut TileStreamer>,
    job: &ExportJob<'_>,
    cancel: &AtomicBool,
    progress: &dyn Progress,
) -> Result<ExportSummary, ExportError> {
    let device = &gpu.device;
    let layout = Layout::new(job.settings);
    #[cfg(debug_assertions)]
    if crate::fault::armed(crate::fault::Fault::GpuError, job.output) {
        inject_gpu_error(device);
    }
    let pixels = job.format.pixel_layout();
    let output_px = job
        .format
        .output_size_px(&job.settings.video, layout.frame_size_px());
    let mut target = FrameTarget::with_layout(device, layout.frame_size_px(), pixels, output_px)?;
    encode_frames(job, progress, |blender, full, free| {
        render_loop(
            gpu,
            renderer,
            streamer,
            &mut target,
            blender,
            &layout,
            (job.settings, job.clips),
            cancel,
            progress,
            full,
            free,
        )
    })
}

/// [`export_video`] where the CPU makes every frame from `frames` (see
/// `render::HostFrames`): no GPU is opened.
pub fn export_host(
    frames: &HostFrames,
    job: &ExportJob<'_>,
    cancel: &AtomicBool,
    progress: &dyn Progress,
) -> Result<ExportSummary, ExportError> {
    let settings = job.settings;
    encode_frames(job, progress, |blender, full, free| {
        let total = settings.frame_count();
        for index in 0..total {
            if cancel.load(Ordering::Relaxed) {
                return Err(ExportError::Cancelled);
            }
            let t_secs = Layout::frame_time_secs(index, settings.fps);
            let mut frame = free.recv().map_err(|_| ExportError::EncoderGone)?;
            frames.write_frame(t_secs, &mut frame);
            blender.blend(&mut frame, t_secs);
            full.send(frame).map_err(|_| ExportError::EncoderGone)?;
            progress.frame_rendered(index + 1, total);
        }
        Ok(())
    })
}

/// The encoder and the output around a render loop: the temporary output, the encoder on
/// its own thread, the frame buffers; `render` makes every frame into a buffer from `free`,
/// blends the overlay with the `Blender` it is given and sends it on `full`. Returns when
/// the file is committed, or on the first failure (no output then, an existing one
/// untouched).
fn encode_frames(
    job: &ExportJob<'_>,
    progress: &dyn Progress,
    render: impl FnOnce(
        &Blender,
        &SyncSender<VideoFrame>,
        &Receiver<VideoFrame>,
    ) -> Result<(), ExportError>,
) -> Result<ExportSummary, ExportError> {
    let started = Instant::now();
    let settings = job.settings;
    let layout = Layout::new(settings);
    let total = settings.frame_count();

    let temp = TempOutput::create(job.output, job.overwrite)?;
    let pixels = job.format.pixel_layout();
    let output_px = job
        .format
        .output_size_px(&settings.video, layout.frame_size_px());
    let blender = Blender::new(job.overlay, pixels);
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
    let threading = threading::describe(&encoder_name, job.encoder_threads.threading);

    // Frames travel to the encoder on `full` and come back for reuse on `free`: a fixed set
    // of buffers (the queued ones, the one being filled and the one being encoded), so the
    // loop allocates nothing per frame.
    let buffers = ENCODER_QUEUE_FRAMES + 2;
    let (full_tx, full_rx) = sync_channel::<VideoFrame>(ENCODER_QUEUE_FRAMES);
    let (free_tx, free_rx) = sync_channel::<VideoFrame>(buffers);
    for _ in 0..buffers {
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
            Err(source) => {
                let err = ExportError::Thread {
                    what: "encoder",
                    source,
                };
                return (Err(err), Ok(0));
            }
        };
        let rendered = render(&blender, &full_tx, &free_rx);
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
        threading,
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
    blender: &Blender,
    layout: &Layout,
    (settings, clips): (&Settings, Option<&ClipFeed>),
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
    let mut uploads = ClipUploads::default();
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
        if let Some(clips) = clips {
            let Some(frame) = clips.next(cancel) else {
                if cancel.load(Ordering::Relaxed) {
                    return Err(ExportError::Cancelled);
                }
                return Err(ExportError::Internal("the clip decoders stopped".into()));
            };
            uploads.apply(frame, queue, renderer);
        }
        let uniform = GridUniform::new(layout, t_secs, settings.background, viewport);
        let ticket = target.submit_frame(device, queue, renderer, &uniform);
        in_flight[(head + pending) % READBACK_RING] = ticket;
        pending += 1;
        if pending > lag {
            let t_secs = Layout::frame_time_secs(rendered, settings.fps);
            let blend = (blender, t_secs);
            read_frame(target, device, in_flight[head], blend, full, free)?;
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
        let t_secs = Layout::frame_time_secs(rendered, settings.fps);
        let blend = (blender, t_secs);
        read_frame(target, device, in_flight[head], blend, full, free)?;
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
/// reliability test of the device error handler (debug builds only, like [`crate::fault`]).
#[cfg(debug_assertions)]
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
    (blender, t_secs): (&Blender, f64),
    full: &SyncSender<VideoFrame>,
    free: &Receiver<VideoFrame>,
) -> Result<(), ExportError> {
    let mut frame = free.recv().map_err(|_| ExportError::EncoderGone)?;
    target_read(target, device, ticket, &mut frame)?;
    blender.blend(&mut frame, t_secs);
    full.send(frame).map_err(|_| ExportError::EncoderGone)?;
    Ok(())
}
