//! GPU rendering: device set-up, the grid renderer shared by preview and export, the offscreen
//! export target, and a CPU reference of the same pixels for tests.

mod grid;
mod host_frames;
mod host_strip;
mod panels;
mod readback;
pub mod reference;
mod target;
mod yuv;

pub use grid::{
    GridRenderer, GridUniform, MOTION_BANDS, MOTION_LOOP, MOTION_VERTICAL, NO_LAYER, THUMB_FLAG,
    Viewport,
};
pub use host_frames::HostFrames;
pub use panels::PanelTexture;
pub use target::{FRAME_FORMAT, FrameTarget, READBACK_RING};
pub use yuv::{PixelLayout, VideoFrame};

use std::sync::{Arc, Mutex};

/// Why rendering could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(
        "no GPU adapter found ({0}); install a Vulkan driver (on Debian/Ubuntu: mesa-vulkan-drivers)"
    )]
    NoAdapter(String),
    #[error("cannot open the GPU device ({0})")]
    Device(String),
    #[error("frame size {width_px}x{height_px} must be even on both sides")]
    FrameSize { width_px: u32, height_px: u32 },
    #[error("frame size {width_px}x{height_px} exceeds this GPU's limit of {max} pixels a side")]
    TooLarge {
        width_px: u32,
        height_px: u32,
        max: u32,
    },
    #[error("{needed} photos need more texture layers than this GPU has ({max})")]
    TooManyLayers { needed: usize, max: u32 },
    #[error("reading the frame back from the GPU failed ({0})")]
    ReadBack(String),
}

/// Nice value of the export device's driver threads (see [`Gpu::for_export`]): the encoder
/// gets the CPU first, and rendering still gets a tenth of a contended core. The preview's
/// clip decoding runs at it too, so the editor's frames come first.
#[cfg(target_os = "linux")]
const EXPORT_RENDER_NICE: libc::c_int = 10;

/// Lowers the calling thread's CPU priority; threads it starts inherit it.
#[cfg(target_os = "linux")]
pub fn lower_this_thread_priority() {
    // SAFETY: setpriority reads and writes no memory of ours. On Linux, PRIO_PROCESS with
    // who = 0 applies to the calling thread alone (nice values are per thread), and raising
    // one's own nice value needs no privilege.
    #[allow(unsafe_code)]
    let result = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, EXPORT_RENDER_NICE) };
    if result != 0 {
        log::debug!(
            "could not lower the render threads' priority: {}",
            std::io::Error::last_os_error()
        );
    }
}

/// Elsewhere a process-wide priority would slow the encoder too: left as it is.
#[cfg(not(target_os = "linux"))]
pub fn lower_this_thread_priority() {}

/// A device and queue of our own, for headless rendering (export, tests, the CLI).
pub struct Gpu {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub adapter_info: wgpu::AdapterInfo,
    /// The first device error not yet taken (see [`Gpu::take_error`]).
    error: Arc<Mutex<Option<String>>>,
}

impl Gpu {
    /// Opens the best adapter there is: a real GPU when present, else a software one
    /// (Mesa lavapipe). `WGPU_BACKEND` and `WGPU_ADAPTER_NAME` are honoured.
    pub fn headless() -> Result<Self, RenderError> {
        // Vulkan, Metal or DX12 first: the GL backend probes for a display (EGL, Wayland) and
        // prints errors on a machine without one. GL only where nothing else is there.
        let adapter = [wgpu::Backends::PRIMARY, wgpu::Backends::all()]
            .into_iter()
            .find_map(|backends| {
                let mut options = wgpu::InstanceDescriptor::new_without_display_handle();
                options.backends = backends;
                let instance = wgpu::Instance::new(options.with_env());
                [false, true].into_iter().find_map(|fallback| {
                    pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
                        power_preference: wgpu::PowerPreference::HighPerformance,
                        force_fallback_adapter: fallback,
                        ..Default::default()
                    }))
                    .ok()
                })
            })
            .ok_or_else(|| RenderError::NoAdapter("no Vulkan, Metal, DX12 or GL adapter".into()))?;
        let adapter_info = adapter.get_info();
        let (device, queue) =
            pollster::block_on(adapter.request_device(&device_descriptor(&adapter)))
                .map_err(|e| RenderError::Device(e.to_string()))?;
        // wgpu's default handler panics on a device error; keep the first one instead, for
        // the export loop to return as an error.
        let error = Arc::new(Mutex::new(None));
        let slot = Arc::clone(&error);
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            log::error!("GPU error: {e}");
            if let Ok(mut first) = slot.lock() {
                first.get_or_insert_with(|| e.to_string());
            }
        }));
        Ok(Self {
            device,
            queue,
            adapter_info,
            error,
        })
    }

    /// The first device error since the last call (validation, out of memory, lost device).
    #[must_use]
    pub fn take_error(&self) -> Option<String> {
        self.error.lock().ok().and_then(|mut e| e.take())
    }

    /// A headless device for an export: like [`Gpu::headless`], but opened on a short-lived
    /// thread of lower CPU priority, so the threads the driver starts for the device inherit
    /// that priority. On a machine without a GPU those are the software rasteriser's
    /// threads, which do all the rendering: at a lower priority they render in the time the
    /// encoder (created later, at normal priority) leaves idle instead of taking cores from
    /// it. With a real GPU the driver's threads do little and nothing changes.
    pub fn for_export() -> Result<Self, RenderError> {
        std::thread::Builder::new()
            .name("gridreel-gpu-open".into())
            .spawn(|| {
                lower_this_thread_priority();
                Self::headless()
            })
            .map_err(|e| RenderError::Device(format!("cannot start a thread ({e})")))?
            .join()
            .map_err(|_| RenderError::Device("opening the device panicked".into()))?
    }

    /// "name (backend, type)" for messages.
    #[must_use]
    pub fn describe(&self) -> String {
        describe_adapter(&self.adapter_info)
    }
}

/// "name (backend, type)" for messages.
#[must_use]
pub fn describe_adapter(info: &wgpu::AdapterInfo) -> String {
    format!("{} ({:?}, {:?})", info.name, info.backend, info.device_type)
}

/// The device gridreel asks for: the adapter's own limits (texture array layers and texture
/// sizes vary a lot between GPUs), no optional features.
#[must_use]
pub fn device_descriptor(adapter: &wgpu::Adapter) -> wgpu::DeviceDescriptor<'static> {
    wgpu::DeviceDescriptor {
        label: Some("gridreel device"),
        required_features: wgpu::Features::empty(),
        required_limits: adapter.limits(),
        experimental_features: wgpu::ExperimentalFeatures::disabled(),
        memory_hints: wgpu::MemoryHints::MemoryUsage,
        trace: wgpu::Trace::Off,
    }
}

/// A plain 2D texture (one mip level, one sample).
#[must_use]
pub fn texture_2d(
    device: &wgpu::Device,
    label: &str,
    (width, height): (u32, u32),
    format: wgpu::TextureFormat,
    usage: wgpu::TextureUsages,
) -> wgpu::Texture {
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage,
        view_formats: &[],
    })
}

/// A pipeline that draws one full-screen triangle (no vertex buffers, no blending).
pub(crate) fn fullscreen_pipeline(
    device: &wgpu::Device,
    layout: &wgpu::PipelineLayout,
    module: &wgpu::ShaderModule,
    entries: (&str, &str),
    targets: &[Option<wgpu::ColorTargetState>],
) -> wgpu::RenderPipeline {
    fullscreen_pipeline_with(device, layout, module, entries, targets, &[])
}

/// [`fullscreen_pipeline`] with values for the fragment shader's `override` constants.
pub(crate) fn fullscreen_pipeline_with(
    device: &wgpu::Device,
    layout: &wgpu::PipelineLayout,
    module: &wgpu::ShaderModule,
    (vertex, fragment): (&str, &str),
    targets: &[Option<wgpu::ColorTargetState>],
    constants: &[(&str, f64)],
) -> wgpu::RenderPipeline {
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(fragment),
        layout: Some(layout),
        vertex: wgpu::VertexState {
            module,
            entry_point: Some(vertex),
            compilation_options: wgpu::PipelineCompilationOptions::default(),
            buffers: &[],
        },
        primitive: wgpu::PrimitiveState::default(),
        depth_stencil: None,
        multisample: wgpu::MultisampleState::default(),
        fragment: Some(wgpu::FragmentState {
            module,
            entry_point: Some(fragment),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants,
                ..wgpu::PipelineCompilationOptions::default()
            },
            targets,
        }),
        multiview_mask: None,
        cache: None,
    })
}

/// A colour attachment cleared to black, then stored.
pub(crate) fn cleared(view: &wgpu::TextureView) -> wgpu::RenderPassColorAttachment<'_> {
    cleared_to(view, wgpu::Color::BLACK)
}

/// A colour attachment cleared to `color`, then stored.
pub(crate) fn cleared_to(
    view: &wgpu::TextureView,
    color: wgpu::Color,
) -> wgpu::RenderPassColorAttachment<'_> {
    attachment(view, wgpu::LoadOp::Clear(color))
}

/// A colour attachment that a full-screen triangle overwrites entirely: its old contents are
/// kept rather than cleared first, which saves a pass over the target (a memset on a software
/// rasteriser) for every export frame.
pub(crate) fn overwritten(view: &wgpu::TextureView) -> wgpu::RenderPassColorAttachment<'_> {
    attachment(view, wgpu::LoadOp::Load)
}

fn attachment(
    view: &wgpu::TextureView,
    load: wgpu::LoadOp<wgpu::Color>,
) -> wgpu::RenderPassColorAttachment<'_> {
    wgpu::RenderPassColorAttachment {
        view,
        depth_slice: None,
        resolve_target: None,
        ops: wgpu::Operations {
            load,
            store: wgpu::StoreOp::Store,
        },
    }
}

/// Copies a `width × height` rectangle between two textures; each origin's `z` is the array
/// layer (0 for a plain 2D texture).
pub(crate) fn copy_rect(
    encoder: &mut wgpu::CommandEncoder,
    (from, from_origin): (&wgpu::Texture, [u32; 3]),
    (to, to_origin): (&wgpu::Texture, [u32; 3]),
    (width, height): (u32, u32),
) {
    let at = |texture, [x, y, z]: [u32; 3]| wgpu::TexelCopyTextureInfo {
        texture,
        mip_level: 0,
        origin: wgpu::Origin3d { x, y, z },
        aspect: wgpu::TextureAspect::All,
    };
    encoder.copy_texture_to_texture(
        at(from, from_origin),
        at(to, to_origin),
        wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
    );
}
