//! The preview's per-frame path allocates nothing once warm: a counting global allocator
//! watches 300 frames of the editor's real paint callback (`PreviewCallback::prepare` and
//! `paint`, with the `GridRenderer` in egui_wgpu's callback resources), recorded into a render
//! pass the way egui_wgpu does it, and compares them with the bare wgpu calls they make. The
//! renderer is in the editor's steady state while it plays: every tile, thumbnail and cell
//! set, the grid composed once into the still, each frame drawn from the still (two bind
//! groups), the play head moving.
//!
//! Its own test binary, not a module of `tests/suite`: the counting `#[global_allocator]`
//! sees every thread of the process (its live-heap check most of all), so another test
//! running beside it would be counted too (and a binary has only one global allocator).

#![allow(clippy::unwrap_used, clippy::expect_used)]
// test set-up panics on failure
// A global allocator is unsafe by nature; this one only forwards to `System` and counts.
#![allow(unsafe_code)]
#![allow(clippy::cast_possible_wrap)] // heap sizes are far below i64::MAX

use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
/// Bytes live on the heap right now, over all threads.
static LIVE: AtomicI64 = AtomicI64::new(0);

thread_local! {
    static WATCHING: Cell<bool> = const { Cell::new(false) };
}

fn note(size: usize) {
    LIVE.fetch_add(size as i64, Ordering::Relaxed);
    if WATCHING.with(Cell::get) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(size as u64, Ordering::Relaxed);
    }
}

// SAFETY: forwards every call to the system allocator unchanged; it only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: AllocLayout) -> *mut u8 {
        note(layout.size());
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: AllocLayout) -> *mut u8 {
        note(layout.size());
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: AllocLayout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        note(new_size);
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: AllocLayout) {
        LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn watched<R>(f: impl FnOnce() -> R) -> (R, u64, u64) {
    let (a0, b0) = (
        ALLOCATIONS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    );
    WATCHING.with(|w| w.set(true));
    let r = f();
    WATCHING.with(|w| w.set(false));
    (
        r,
        ALLOCATIONS.load(Ordering::Relaxed) - a0,
        BYTES.load(Ordering::Relaxed) - b0,
    )
}

use eframe::egui_wgpu::{CallbackResources, CallbackTrait, ScreenDescriptor};
use gridreel::app::preview::PreviewCallback;
use gridreel::layout::Layout;
use gridreel::photos::TilePixels;
use gridreel::render::{Gpu, GridRenderer, GridUniform, Viewport};
use gridreel::settings::Settings;

const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;
const WARM_UP: u32 = 100;
const FRAMES: u32 = 300;

/// The wgpu calls a paint callback cannot avoid, made directly: one `write_buffer` of the uniform,
/// then pipeline, two bind groups (the tiles' and the still's, as the steady state binds)
/// and draw. Whatever these allocate is wgpu-core's own recording
/// (its staging buffer, the pass's command list) and is freed within the frame.
struct Baseline {
    pipeline: wgpu::RenderPipeline,
    buffer: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
    still_group: wgpu::BindGroup,
}

impl Baseline {
    fn new(device: &wgpu::Device) -> Self {
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: None,
            source: wgpu::ShaderSource::Wgsl(
                "struct P { c: vec4<f32>, pad: array<vec4<f32>, 5> }
                 @group(0) @binding(0) var<uniform> p: P;
                 @group(1) @binding(0) var<uniform> q: P;
                 @vertex fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
                     return vec4<f32>(f32(i & 1u) * 4.0 - 1.0, f32(i >> 1u) * 4.0 - 1.0, 0.0, 1.0);
                 }
                 @fragment fn fs() -> @location(0) vec4<f32> { return p.c + q.c; }"
                    .into(),
            ),
        });
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: None,
            layout: None,
            vertex: wgpu::VertexState {
                module: &shader,
                entry_point: Some("vs"),
                compilation_options: wgpu::PipelineCompilationOptions::default(),
                buffers: &[],
            },
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: &shader,
                entry_point: Some("fs"),
                compilation_options: wgpu::PipelineCompilationOptions::default(),
                targets: &[Some(FORMAT.into())],
            }),
            multiview_mask: None,
            cache: None,
        });
        let buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: None,
            size: std::mem::size_of::<GridUniform>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: buffer.as_entire_binding(),
            }],
        });
        let still_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipeline.get_bind_group_layout(1),
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: buffer.as_entire_binding(),
            }],
        });
        Self {
            pipeline,
            buffer,
            bind_group,
            still_group,
        }
    }

    fn prepare(&self, queue: &wgpu::Queue, uniform: &GridUniform) {
        queue.write_buffer(&self.buffer, 0, bytemuck::bytes_of(uniform));
    }

    fn paint(&self, pass: &mut wgpu::RenderPass<'_>) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        pass.set_bind_group(1, &self.still_group, &[]);
        pass.draw(0..3, 0..1);
    }
}

/// Allocation counts and bytes of one path over the measured frames.
#[derive(Debug, Default, PartialEq, Eq, Clone, Copy)]
struct Tally {
    allocations: u64,
    bytes: u64,
}

impl Tally {
    fn add(&mut self, (allocations, bytes): (u64, u64)) {
        self.allocations += allocations;
        self.bytes += bytes;
    }
}

/// Runs `WARM_UP + FRAMES` frames of a 640×360 preview and tallies the measured frames'
/// allocations in `prepare` (uniform built from the layout, then written) and in `paint`.
fn run_frames(
    gpu: &Gpu,
    mut prepare: impl FnMut(&GridUniform),
    paint: impl Fn(&mut wgpu::RenderPass<'static>),
) -> (Tally, Tally, i64) {
    let settings = Settings::default();
    let layout = Layout::new(&settings);
    let target = gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("preview target"),
        size: wgpu::Extent3d {
            width: 640,
            height: 360,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: FORMAT,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
        view_formats: &[],
    });
    let view = target.create_view(&wgpu::TextureViewDescriptor::default());
    let viewport = Viewport {
        origin_px: [0.0, 0.0],
        size_px: [640.0, 360.0],
    };
    let (mut prepared, mut painted) = (Tally::default(), Tally::default());
    let mut live_at_warm = 0;
    for frame in 0..WARM_UP + FRAMES {
        let t = f64::from(frame) / 60.0;
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        let ((), a, b) = watched(|| {
            let uniform = GridUniform::new(&layout, t, settings.background, viewport);
            prepare(&uniform);
        });
        let ((), c, d) = {
            let mut pass = encoder
                .begin_render_pass(&wgpu::RenderPassDescriptor {
                    label: None,
                    color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                        view: &view,
                        depth_slice: None,
                        resolve_target: None,
                        ops: wgpu::Operations {
                            load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                            store: wgpu::StoreOp::Store,
                        },
                    })],
                    ..Default::default()
                })
                .forget_lifetime();
            watched(|| paint(&mut pass))
        };
        if frame == WARM_UP {
            live_at_warm = LIVE.load(Ordering::Relaxed);
        }
        if frame >= WARM_UP {
            prepared.add((a, b));
            painted.add((c, d));
        }
        gpu.queue.submit([encoder.finish()]);
        gpu.device.poll(wgpu::PollType::Poll).unwrap();
    }
    gpu.device
        .poll(wgpu::PollType::wait_indefinitely())
        .unwrap();
    let growth = LIVE.load(Ordering::Relaxed) - live_at_warm;
    (prepared, painted, growth)
}

/// What the editor's preview holds once the photos are in: a tile for every cell (distinct
/// colours), their thumbnails, and the cell → layer map.
fn load_photos(gpu: &Gpu, renderer: &mut GridRenderer) {
    let layout = Layout::new(&Settings::default());
    let cells = layout.rows * layout.cols;
    let tiles: Vec<TilePixels> = (0..cells)
        .map(|i| TilePixels {
            width_px: layout.tile_w_px,
            height_px: layout.tile_h_px,
            rgba: [(i * 7) as u8, (i * 13) as u8, 200, 255]
                .repeat((layout.tile_w_px * layout.tile_h_px) as usize),
        })
        .collect();
    let thumbs: Vec<TilePixels> = tiles.iter().map(|t| t.thumbnail(24)).collect();
    renderer.set_tiles(&gpu.device, &gpu.queue, &tiles);
    renderer.set_thumbnails(&gpu.device, &gpu.queue, &thumbs);
    let layers: Vec<u32> = (0..cells).collect();
    renderer.set_cells(&gpu.device, &gpu.queue, &layers);
}

#[test]
fn preview_frames_allocate_nothing_beyond_wgpus_own_recording() {
    let gpu = Gpu::headless().expect("a Vulkan adapter (install mesa-vulkan-drivers)");
    let mut resources = CallbackResources::new();
    let mut renderer = GridRenderer::new(&gpu.device, FORMAT);
    load_photos(&gpu, &mut renderer);
    resources.insert(renderer);
    let resources = std::cell::RefCell::new(resources);
    let screen = ScreenDescriptor {
        size_in_pixels: [640, 360],
        pixels_per_point: 1.0,
    };
    // egui_wgpu hands each callback its frame encoder; prepare records nothing into it.
    let mut spare = gpu
        .device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
    let callback = std::cell::RefCell::new(None::<PreviewCallback>);
    let info = eframe::egui::PaintCallbackInfo {
        viewport: eframe::egui::Rect::from_min_size(
            eframe::egui::Pos2::ZERO,
            eframe::egui::vec2(640.0, 360.0),
        ),
        clip_rect: eframe::egui::Rect::from_min_size(
            eframe::egui::Pos2::ZERO,
            eframe::egui::vec2(640.0, 360.0),
        ),
        pixels_per_point: 1.0,
        screen_size_px: [640, 360],
    };
    let baseline = Baseline::new(&gpu.device);

    let (ours_prepare, ours_paint, ours_growth) = run_frames(
        &gpu,
        |u| {
            let mut slot = callback.borrow_mut();
            let cb = slot.insert(PreviewCallback::new(*u));
            let extra = cb.prepare(
                &gpu.device,
                &gpu.queue,
                &screen,
                &mut spare,
                &mut resources.borrow_mut(),
            );
            assert!(extra.is_empty());
        },
        |pass| {
            if let Some(cb) = callback.borrow().as_ref() {
                let info = eframe::egui::PaintCallbackInfo { ..info };
                cb.paint(info, pass, &resources.borrow());
            }
        },
    );
    {
        let resources = resources.borrow();
        let renderer = resources.get::<GridRenderer>().unwrap();
        assert!(
            renderer.draws_from_still() && renderer.still_bytes() > 0,
            "the measured frames were drawn from the composed still"
        );
    }
    let (base_prepare, base_paint, _) = run_frames(
        &gpu,
        |u| baseline.prepare(&gpu.queue, u),
        |pass| baseline.paint(pass),
    );
    eprintln!(
        "{FRAMES} frames: preview callback prepare {ours_prepare:?}, paint {ours_paint:?}; \
         bare wgpu calls prepare {base_prepare:?}, paint {base_paint:?}; \
         heap growth over the {FRAMES} frames: {ours_growth} bytes"
    );
    // Our code (layout → uniform, change check, binding) adds not one allocation to the
    // wgpu calls it makes: the totals equal the bare calls' exactly.
    assert_eq!(
        ours_prepare, base_prepare,
        "prepare allocates beyond write_buffer"
    );
    assert_eq!(
        ours_paint, base_paint,
        "paint allocates beyond pass recording"
    );
    // And what wgpu allocates per frame is released: the heap did not grow.
    assert!(
        ours_growth <= 0,
        "heap grew by {ours_growth} bytes over {FRAMES} frames"
    );
}

/// `preview_ui`, the egui side of the preview, run in a real egui frame: per frame it
/// allocates what the paint callback egui asks for costs (measured beside it: a fresh
/// `egui_wgpu::Callback`, which egui takes by `Arc<dyn CallbackTrait>`) and nothing more,
/// once warm.
#[test]
fn preview_ui_allocates_only_the_paint_callback_egui_takes() {
    use eframe::egui;
    let ctx = egui::Context::default();
    let settings = Settings::default();
    let layout = Layout::new(&settings);
    let rect = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(800.0, 600.0));
    let mut ours = Vec::new();
    let mut callbacks = Vec::new();
    for frame in 0..WARM_UP + FRAMES {
        let input = egui::RawInput {
            screen_rect: Some(rect),
            ..Default::default()
        };
        let t = f64::from(frame) / 30.0;
        let output = ctx.run_ui(input, |ui| {
            let (_, allocations, bytes) =
                watched(|| gridreel::app::preview::preview_ui(ui, &settings, t));
            // The one thing egui makes us allocate each frame, alone.
            let viewport = GridUniform::full_frame(&layout);
            let uniform = GridUniform::new(&layout, t, settings.background, viewport);
            let (callback, cb_allocations, cb_bytes) = watched(|| {
                eframe::egui_wgpu::Callback::new_paint_callback(rect, PreviewCallback::new(uniform))
            });
            drop(callback);
            if frame >= WARM_UP {
                ours.push((allocations, bytes));
                callbacks.push((cb_allocations, cb_bytes));
            }
        });
        // No renderer here: the font atlas upload is not applied.
        output.drop_without_applying_deltas();
    }
    let total = |v: &[(u64, u64)]| v.iter().fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
    let (ours, callback) = (total(&ours), total(&callbacks));
    eprintln!("{FRAMES} frames: preview_ui {ours:?}, the paint callback alone {callback:?}");
    assert_eq!(
        ours, callback,
        "preview_ui allocates beyond the paint callback egui takes"
    );
}
