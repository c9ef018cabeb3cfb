//! `GridRenderer`: the one way gridreel draws a frame, for the live preview and for export.
//!
//! GPU resources are created once; `set_tiles`/`set_cells` replace them only when the photo
//! set or tile size changes. When tiles or layout change, `prepare` composes the grid image
//! once into a "still" texture; per frame, it writes one small uniform into an existing buffer
//! and `paint` binds and draws a single triangle that samples the still once per pixel.

mod ring;
mod strip_cache;

use std::borrow::Borrow;
use std::num::NonZeroU64;

use crate::layout::Layout;
use crate::photos::TilePixels;
use crate::settings::Color;

/// Cell value meaning "no texture layer": the cell shows the background.
pub const NO_LAYER: u32 = u32::MAX;
/// Cell values with this bit set show thumbnail layer `value & !THUMB_FLAG` (set with
/// [`GridRenderer::set_thumbnails`]), scaled up: the preview's stand-in for a tile that is
/// still being decoded.
pub const THUMB_FLAG: u32 = 1 << 31;

/// Per-frame parameters, laid out exactly as `Params` in `shaders/grid.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct GridUniform {
    pub viewport_origin: [f32; 2],
    pub frame_per_target: [f32; 2],
    pub grid_origin: [f32; 2],
    pub frame_size: [f32; 2],
    pub background: [f32; 4],
    pub tile_size: [u32; 2],
    pub pitch: [u32; 2],
    pub grid_size: [u32; 2],
    pub cols: u32,
    pub cell_count: u32,
    pub layer_count: u32,
    pub srgb_target: u32,
    pub pad: [u32; 2],
    /// The frame's time, for the band motions below.
    pub t_secs: f32,
    /// [`MOTION_BANDS`], [`MOTION_VERTICAL`], [`MOTION_LOOP`].
    pub motion_flags: u32,
    /// Length along the motion after which a looping grid repeats.
    pub period_px: f32,
    /// Entries used in `bands`; band b moves as entry `b % band_entries`.
    pub band_entries: u32,
    /// Two entries per element: (start, velocity) of entry 2i in `.xy`, of 2i + 1 in `.zw`
    /// (see [`crate::layout::BandMotion`]).
    pub bands: [[f32; 4]; MAX_BAND_ENTRIES / 2],
    /// Set by the renderer for the rolling still ([`MOTION_RING`]): the frame's first strip
    /// texel, the ring's width in pixels, that texel's ring slot, and the ring column of the
    /// first grid column it reads (4 · anchor - 5).
    pub ring_anchor: i32,
    pub ring_width_px: u32,
    pub ring_anchor_slot: i32,
    pub ring_anchor_column: i32,
}

/// Band motions the uniform holds: the most speeds, doubled for alternating rows.
pub const MAX_BAND_ENTRIES: usize = 2 * crate::settings::MAX_ROW_SPEEDS;
/// Bands have their own positions (`bands`); without it the grid moves as one
/// (`grid_origin`) and the fast still and strip paths draw it.
pub const MOTION_BANDS: u32 = 1;
/// The bands are columns moving up or down (else rows moving sideways).
pub const MOTION_VERTICAL: u32 = 2;
/// The grid repeats every `period_px` along the motion.
pub const MOTION_LOOP: u32 = 4;
/// Set by the renderer: the export draws through the rolling still (see `grid/ring.rs`).
pub const MOTION_RING: u32 = 8;
/// The bands move apart (alternate rows or row speeds): YUV blocks look up each one's band.
pub const MOTION_SPLIT: u32 = 16;

/// Where the frame lands on the render target: its top-left pixel and its size in target pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    pub origin_px: [f32; 2],
    pub size_px: [f32; 2],
}

impl GridUniform {
    /// The parameters of the frame at `t_secs`, drawn into `viewport` (target pixels).
    #[must_use]
    pub fn new(layout: &Layout, t_secs: f64, background: Color, viewport: Viewport) -> Self {
        let (gx, gy) = layout.grid_origin_at(t_secs);
        let frame = [layout.frame_w_px as f32, layout.frame_h_px as f32];
        let bg = background.to_array().map(|c| f32::from(c) / 255.0);
        Self {
            viewport_origin: viewport.origin_px,
            frame_per_target: [
                frame[0] / viewport.size_px[0].max(1.0),
                frame[1] / viewport.size_px[1].max(1.0),
            ],
            // Frame coordinates stay well inside f32's exact range for validated settings.
            #[allow(clippy::cast_possible_truncation)]
            grid_origin: [gx as f32, gy as f32],
            frame_size: frame,
            background: [bg[0], bg[1], bg[2], 1.0],
            tile_size: [layout.tile_w_px, layout.tile_h_px],
            pitch: [
                layout.tile_w_px + layout.gap_h_px,
                layout.tile_h_px + layout.gap_v_px,
            ],
            grid_size: [layout.grid_w_px, layout.grid_h_px],
            cols: layout.cols,
            cell_count: u32::try_from(layout.cell_count()).unwrap_or(u32::MAX),
            layer_count: 0,
            srgb_target: 0,
            pad: [0; 2],
            // A loop's motion repeats every clip length: t = duration is frame 0 exactly.
            t_secs: if layout.looped {
                t_secs.rem_euclid(layout.duration_secs) as f32
            } else {
                t_secs as f32
            },
            motion_flags: Self::motion_flags(layout),
            period_px: layout.period_px() as f32,
            band_entries: u32::try_from(layout.band_cycle()).unwrap_or(1),
            bands: Self::band_table(layout),
            ring_anchor: 0,
            ring_width_px: 0,
            ring_anchor_slot: 0,
            ring_anchor_column: 0,
        }
    }

    fn motion_flags(layout: &Layout) -> u32 {
        let mut flags = 0;
        if !layout.moves_as_one() {
            flags |= MOTION_BANDS;
        }
        if layout.direction.vertical() {
            flags |= MOTION_VERTICAL;
        }
        if layout.looped {
            flags |= MOTION_LOOP;
        }
        if !layout.bands_agree() {
            flags |= MOTION_SPLIT;
        }
        flags
    }

    /// The band motions, `(start, velocity)` in pairs (see `bands`).
    fn band_table(layout: &Layout) -> [[f32; 4]; MAX_BAND_ENTRIES / 2] {
        let mut table = [[0.0; 4]; MAX_BAND_ENTRIES / 2];
        for entry in 0..layout.band_cycle().min(MAX_BAND_ENTRIES) {
            let m = layout.band_motion(u32::try_from(entry).unwrap_or(0));
            let at = &mut table[entry / 2][(entry % 2) * 2..(entry % 2) * 2 + 2];
            at[0] = m.start_px as f32;
            at[1] = m.velocity_px_per_sec as f32;
        }
        table
    }

    /// Where band `band` is along the motion, as the shaders compute it (f32).
    #[must_use]
    pub fn band_origin(&self, band: u32) -> f32 {
        let entry = (band % self.band_entries.max(1)) as usize;
        let pair = &self.bands[entry / 2][(entry % 2) * 2..(entry % 2) * 2 + 2];
        let o = pair[0] + pair[1] * self.t_secs;
        if self.motion_flags & MOTION_LOOP != 0 {
            o - self.period_px * (o / self.period_px).floor()
        } else {
            o
        }
    }

    /// Drawing the whole frame 1:1 into a target of the frame's size (export).
    #[must_use]
    pub fn full_frame(layout: &Layout) -> Viewport {
        Viewport {
            origin_px: [0.0, 0.0],
            size_px: [layout.frame_w_px as f32, layout.frame_h_px as f32],
        }
    }
}

/// The tile texture array: one layer per resident photo.
struct TileTextures {
    texture: wgpu::Texture,
    view: wgpu::TextureView,
    width_px: u32,
    height_px: u32,
    layers: u32,
}

/// A bind group layout of one 2D texture.
fn texture_layout(
    device: &wgpu::Device,
    label: &str,
    (binding, visibility): (u32, wgpu::ShaderStages),
    sample_type: wgpu::TextureSampleType,
) -> wgpu::BindGroupLayout {
    device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some(label),
        entries: &[wgpu::BindGroupLayoutEntry {
            binding,
            visibility,
            ty: wgpu::BindingType::Texture {
                sample_type,
                view_dimension: wgpu::TextureViewDimension::D2,
                multisampled: false,
            },
            count: None,
        }],
    })
}

/// A texture one pass draws into and later passes read through a bind group: the composed
/// grid image ("still", grid size plus a one-pixel border; see `shaders/grid.wgsl`) and the
/// export's strip.
struct BoundTexture {
    texture: wgpu::Texture,
    view: wgpu::TextureView,
    bind_group: wgpu::BindGroup,
}

/// Everything the still's pixels depend on; it is recomposed when this changes.
#[derive(Clone, Copy, Debug, PartialEq)]
struct StillKey {
    grid_size: [u32; 2],
    tile_size: [u32; 2],
    pitch: [u32; 2],
    cols: u32,
    cell_count: u32,
    layer_count: u32,
    background: [f32; 4],
    content_generation: u64,
}

/// The still resampled to an export frame's rows as YUV codes (`fs_compose_strip`): what
/// every export frame is drawn from.
struct Strip {
    /// Its texture, and a bind group of it with the still it was composed from (blocks whose
    /// rows straddle two bands are drawn from the still).
    target: BoundTexture,
    /// What it shows; None until composed.
    key: Option<StripKey>,
    /// With bands moving apart: the block rows (row strip) or block columns (column strip)
    /// whose lines belong to two bands, as (first, count) runs, redrawn from the still.
    straddles: Vec<(u32, u32)>,
    /// Per lane (block row or block column): its band (`lane_bands`), when bands move.
    bands: Vec<i32>,
    /// The band pipelines' tables, made from `bands` and the grid (None until first needed).
    lanes: Option<Lanes>,
}

/// Per lane of a strip (`vertical` false: strip rows 0..`count`; `vertical`: block columns
/// 0..`count`): the band that all grid lines the lane reads belong to, -1 when they are all
/// background (gaps, outside the grid), -2 when two bands meet. The lines are the three still
/// rows `still_column` reads for a strip row, the nine still columns `still_row_codes` reads
/// for a block column (still line q is grid line q - 1). Computed once per strip, in f32 as
/// the shaders place the grid, so no shader divides by the pitch per pixel.
fn lane_bands(u: &GridUniform, vertical: bool, count: u32) -> Vec<i32> {
    let (origin, grid, pitch, tile) = if vertical {
        (u.grid_origin[0], u.grid_size[0], u.pitch[0], u.tile_size[0])
    } else {
        (u.grid_origin[1], u.grid_size[1], u.pitch[1], u.tile_size[1])
    };
    let (step, lines) = if vertical { (8.0, 9) } else { (2.0, 3) };
    (0..count)
        .map(|i| {
            let s = step * i as f32 + 1.0 - origin;
            let first = s.floor() as i64 - 1;
            let mut band = -1;
            for line in first..first + lines {
                if line < 0 || line >= i64::from(grid) {
                    continue;
                }
                let l = line as u64;
                if l % u64::from(pitch) >= u64::from(tile) {
                    continue;
                }
                let b = i32::try_from(l / u64::from(pitch)).unwrap_or(i32::MAX);
                if band == -1 {
                    band = b;
                } else if band != b {
                    return -2;
                }
            }
            band
        })
        .collect()
}

/// The lanes whose lines belong to two bands (-2 in `lane_bands`), as (first, count) runs:
/// drawn again from the still.
fn straddling_runs(bands: &[i32]) -> Vec<(u32, u32)> {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for (i, _) in (0u32..).zip(bands).filter(|&(_, &b)| b == -2) {
        match runs.last_mut() {
            Some((start, len)) if *start + *len == i => *len += 1,
            _ => runs.push((i, 1)),
        }
    }
    runs
}

/// Band `band`'s motion, `(start, velocity)` of its entry in the uniform's table (what the
/// shaders' `band_origin` reads).
fn band_motion(u: &GridUniform, band: u32) -> [f32; 2] {
    let entry = (band % u.band_entries.max(1)) as usize;
    let pair = &u.bands[entry / 2][(entry % 2) * 2..(entry % 2) * 2 + 2];
    [pair[0], pair[1]]
}

/// Each lane's band motion (band 0's for lanes of background or of two bands: any offset
/// draws them alike).
fn lane_motions(u: &GridUniform, bands: &[i32]) -> Vec<[f32; 2]> {
    bands
        .iter()
        .map(|&band| band_motion(u, band.max(0).unsigned_abs()))
        .collect()
}

/// Each grid line's band motion (rows; columns when `vertical`), at least one entry.
fn line_motions(u: &GridUniform, vertical: bool) -> Vec<[f32; 2]> {
    let (lines, pitch) = if vertical {
        (u.grid_size[0], u.pitch[0])
    } else {
        (u.grid_size[1], u.pitch[1])
    };
    (0..lines.max(1))
        .map(|line| band_motion(u, line / pitch.max(1)))
        .collect()
}

/// A read-only storage buffer holding `items`.
fn storage_buffer<T: bytemuck::Pod>(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    label: &str,
    items: &[T],
) -> wgpu::Buffer {
    let buffer = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: std::mem::size_of_val(items) as u64,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    queue.write_buffer(&buffer, 0, bytemuck::cast_slice(items));
    buffer
}

/// The strip's lanes as the band pipelines read them (group 2): each lane's band motion
/// (binding 0) and each grid line's (binding 1, for the blocks drawn from the still).
struct Lanes {
    bind_group: wgpu::BindGroup,
    /// The uniform's band table they were made from (the motion may change, not the strip).
    made_from: ([[f32; 4]; MAX_BAND_ENTRIES / 2], u32),
}

/// Everything the strip's texels depend on.
#[derive(Clone, Copy, Debug, PartialEq)]
struct StripKey {
    still: StillKey,
    frame_height_px: u32,
    /// The grid's vertical position, which is the same in every frame.
    origin_y_bits: u32,
    /// A looping strip repeats the still over a period plus a frame width (or height).
    loop_span: Option<(u32, u32)>,
    /// A column strip (`fs_compose_columns`, moving up or down) for frames this wide.
    columns_for_width: Option<u32>,
}

/// Per strip texel, four strip columns, each as 8-bit codes (upper and lower luma, U and V of
/// the column and the next one; see `shaders/grid.wgsl`).
const STRIP_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba32Uint;
const STRIP_TEXEL_BYTES: u64 = 16;

/// Strip texels per row for a still `still_w_px` wide: four columns each, with four columns
/// of background before the still and at least four after it.
fn strip_width(still_w_px: u32) -> u32 {
    (still_w_px + 3).div_ceil(4) + 1
}

/// Rows of the column strip (vertical motion): the still's rows with four of background
/// above and below, or looping, the still repeated over a period plus a frame height.
fn column_strip_rows(still_h_px: u32, loop_span: Option<(u32, u32)>) -> u32 {
    match loop_span {
        Some((period, frame_h)) => period + frame_h + 12,
        None => still_h_px + 8,
    }
}

/// Strip texels per row of a looping grid of `period_px` in frames `frame_w_px` wide: the
/// still repeated over a period plus a frame width, so that any frame's columns lie in it
/// unwrapped.
fn loop_strip_width(period_px: u32, frame_w_px: u32) -> u32 {
    strip_width(period_px + frame_w_px + 10)
}

/// Stills larger than this draw from the tile array directly instead.
const STILL_MAX_BYTES: u64 = 512 << 20;
const STILL_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;
/// Targets of [`GridRenderer::paint_yuv_blocks`], a texel per 8x2 block of the frame. Luma:
/// the block's top-row codes (bytes 0-7), then its bottom-row codes (bytes 8-15).
pub const YUV_BLOCK_LUMA_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba32Uint;
/// Chroma: the U codes of the block's four 2x2 blocks (bytes 0-3), then their V codes.
pub const YUV_BLOCK_CHROMA_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rg32Uint;
/// Frame pixels per block texel, across and down.
pub const YUV_BLOCK: (u32, u32) = (8, 2);

pub struct GridRenderer {
    /// Draws from the tile array (`fs_main`): grids too large for a still.
    pipeline: wgpu::RenderPipeline,
    /// Draws from the composed still (`fs_still`): one filtered fetch per pixel.
    still_pipeline: wgpu::RenderPipeline,
    /// Writes the still (`fs_compose`).
    compose_pipeline: wgpu::RenderPipeline,
    /// Writes the strip from the still (`fs_compose_strip`).
    strip_compose_pipeline: wgpu::RenderPipeline,
    /// Export straight to YUV 8x2 blocks from the strip (`fs_strip_yuv`).
    strip_yuv_pipeline: wgpu::RenderPipeline,
    /// The same two for vertical motion (`fs_compose_columns`, `fs_column_yuv`), and the
    /// per-frame one for columns moving apart (`fs_column_yuv_bands`).
    column_compose_pipeline: wgpu::RenderPipeline,
    column_yuv_pipeline: wgpu::RenderPipeline,
    column_yuv_bands_pipeline: wgpu::RenderPipeline,
    /// Per-frame strip passes for rows in bands or looping (`fs_strip_yuv_bands`) and for the
    /// rolling still's ring strip (`fs_strip_yuv_ring`). Each variant is its own pipeline: a
    /// software rasteriser pays for every path a shader has, taken or not.
    strip_yuv_bands_pipeline: wgpu::RenderPipeline,
    strip_yuv_ring_pipeline: wgpu::RenderPipeline,
    /// Blocks across two bands, from the still (`fs_block_from_still`), scissored to them.
    block_from_still_pipeline: wgpu::RenderPipeline,
    /// Bands with their own positions, from the tile array (`fs_main_banded`).
    banded_pipeline: wgpu::RenderPipeline,
    /// Bands with their own positions, from the still (`fs_still_banded`).
    still_banded_pipeline: wgpu::RenderPipeline,
    bind_group_layout: wgpu::BindGroupLayout,
    still_layout: wgpu::BindGroupLayout,
    strip_layout: wgpu::BindGroupLayout,
    /// The band pipelines' group 2: the strip's per-lane and per-grid-line band motions.
    lane_layout: wgpu::BindGroupLayout,
    still: Option<BoundTexture>,
    /// Only exports make one (see [`GridRenderer::prepare_yuv`]).
    strip: Option<Strip>,
    /// What the still shows, when it is current; None draws from the tile array.
    composed: Option<StillKey>,
    still_enabled: bool,
    /// Bumped whenever tile pixels or the cell map change.
    content_generation: u64,
    uniform_buffer: wgpu::Buffer,
    cell_buffer: wgpu::Buffer,
    cell_capacity: u64,
    tiles: TileTextures,
    /// Small stand-ins for tiles that are not resident (preview only; 1x1 when unused).
    thumbs: TileTextures,
    sampler: wgpu::Sampler,
    bind_group: wgpu::BindGroup,
    target_format: wgpu::TextureFormat,
    uniform: GridUniform,
    /// The cell → layer map as last set (the rolling still copies tiles by it).
    cells: Vec<u32>,
    /// The rolling still of an export without a whole-grid still.
    ring: Option<ring::Ring>,
    /// Per tile layer, `content_generation` when it was last written (the ring's cache of
    /// composed tile interiors checks it).
    layer_generation: Vec<u64>,
    /// Bytes the ring may spend on keeping composed tile interiors (0: none).
    strip_cache_limit: u64,
}

const TILE_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

impl GridRenderer {
    /// Builds the pipeline for targets of `target_format` and empty tile storage.
    #[must_use]
    pub fn new(device: &wgpu::Device, target_format: wgpu::TextureFormat) -> Self {
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("gridreel grid shader"),
            source: wgpu::ShaderSource::Wgsl(
                concat!(
                    include_str!("../../../shaders/bt709.wgsl"),
                    include_str!("../../../shaders/grid.wgsl")
                )
                .into(),
            ),
        });
        let bind_group_layout =
            device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("gridreel grid bind group layout"),
                entries: &[
                    wgpu::BindGroupLayoutEntry {
                        binding: 0,
                        visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                        ty: wgpu::BindingType::Buffer {
                            ty: wgpu::BufferBindingType::Uniform,
                            has_dynamic_offset: false,
                            min_binding_size: NonZeroU64::new(
                                std::mem::size_of::<GridUniform>() as u64
                            ),
                        },
                        count: None,
                    },
                    tile_array_entry(1),
                    storage_entry(2, 4),
                    wgpu::BindGroupLayoutEntry {
                        binding: 3,
                        visibility: wgpu::ShaderStages::FRAGMENT,
                        ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                        count: None,
                    },
                    tile_array_entry(4),
                ],
            });
        // The still's texture size reaches the vertex shader too; the strip's is unfiltered
        // integers (both at group 1, at different bindings, as they share one module).
        let still_layout = texture_layout(
            device,
            "gridreel still bind group layout",
            (0, wgpu::ShaderStages::VERTEX_FRAGMENT),
            wgpu::TextureSampleType::Float { filterable: true },
        );
        let strip_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("gridreel strip bind group layout"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Uint,
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
            ],
        });
        // Per-lane band motions of the strip, for the band pipelines (see `lane_bands`).
        let lane_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("gridreel strip lanes bind group layout"),
            entries: &[storage_entry(0, 8), storage_entry(1, 8)],
        });
        let tile_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("gridreel grid pipeline layout"),
            bind_group_layouts: &[Some(&bind_group_layout)],
            immediate_size: 0,
        });
        let still_pipeline_layout =
            device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("gridreel still pipeline layout"),
                bind_group_layouts: &[Some(&bind_group_layout), Some(&still_layout)],
                immediate_size: 0,
            });
        let strip_pipeline_layout =
            device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("gridreel strip pipeline layout"),
                bind_group_layouts: &[Some(&bind_group_layout), Some(&strip_layout)],
                immediate_size: 0,
            });
        let lanes_pipeline_layout =
            device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("gridreel strip lanes pipeline layout"),
                bind_group_layouts: &[
                    Some(&bind_group_layout),
                    Some(&strip_layout),
                    Some(&lane_layout),
                ],
                immediate_size: 0,
            });
        let make_pipeline_to =
            |layout: &wgpu::PipelineLayout,
             vertex: &str,
             entry: &str,
             targets: &[Option<wgpu::ColorTargetState>]| {
                super::fullscreen_pipeline(device, layout, &shader, (vertex, entry), targets)
            };
        let make_pipeline = |layout: &wgpu::PipelineLayout,
                             vertex: &str,
                             entry: &str,
                             format: wgpu::TextureFormat| {
            make_pipeline_to(layout, vertex, entry, &[Some(format.into())])
        };
        let strip_compose_pipeline = make_pipeline(
            &still_pipeline_layout,
            "vs_main",
            "fs_compose_strip",
            STRIP_FORMAT,
        );
        let strip_yuv_pipeline = make_pipeline_to(
            &strip_pipeline_layout,
            "vs_main",
            "fs_strip_yuv",
            &[
                Some(YUV_BLOCK_LUMA_FORMAT.into()),
                Some(YUV_BLOCK_CHROMA_FORMAT.into()),
            ],
        );
        let column_compose_pipeline = make_pipeline(
            &still_pipeline_layout,
            "vs_main",
            "fs_compose_columns",
            STRIP_FORMAT,
        );
        let yuv_targets = [
            Some(YUV_BLOCK_LUMA_FORMAT.into()),
            Some(YUV_BLOCK_CHROMA_FORMAT.into()),
        ];
        let block_pipeline =
            |entry: &str| make_pipeline_to(&strip_pipeline_layout, "vs_main", entry, &yuv_targets);
        let column_yuv_pipeline = block_pipeline("fs_column_yuv");
        let lanes_pipeline =
            |entry: &str| make_pipeline_to(&lanes_pipeline_layout, "vs_main", entry, &yuv_targets);
        let column_yuv_bands_pipeline = lanes_pipeline("fs_column_yuv_bands");
        let strip_yuv_bands_pipeline = lanes_pipeline("fs_strip_yuv_bands");
        let strip_yuv_ring_pipeline = block_pipeline("fs_strip_yuv_ring");
        let block_from_still_pipeline = lanes_pipeline("fs_block_from_still");
        let pipeline = make_pipeline(&tile_layout, "vs_main", "fs_main", target_format);
        let still_fragment = if target_format.is_srgb() {
            "fs_still_srgb"
        } else {
            "fs_still"
        };
        let still_pipeline = make_pipeline(
            &still_pipeline_layout,
            "vs_still",
            still_fragment,
            target_format,
        );
        let compose_pipeline = make_pipeline(&tile_layout, "vs_main", "fs_compose", STILL_FORMAT);
        let banded_pipeline =
            make_pipeline(&tile_layout, "vs_main", "fs_main_banded", target_format);
        let still_banded_pipeline = make_pipeline(
            &still_pipeline_layout,
            "vs_still",
            "fs_still_banded",
            target_format,
        );
        let uniform_buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("gridreel grid uniform"),
            size: std::mem::size_of::<GridUniform>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let cell_capacity = 64;
        let cell_buffer = create_cell_buffer(device, cell_capacity);
        let tiles = create_tiles(device, 1, 1, 1);
        let thumbs = create_tiles(device, 1, 1, 1);
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("gridreel tile sampler"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        let bind_group = create_bind_group(
            device,
            &bind_group_layout,
            &uniform_buffer,
            [&tiles.view, &thumbs.view],
            &cell_buffer,
            &sampler,
        );
        Self {
            column_compose_pipeline,
            column_yuv_pipeline,
            column_yuv_bands_pipeline,
            strip_yuv_bands_pipeline,
            strip_yuv_ring_pipeline,
            block_from_still_pipeline,
            banded_pipeline,
            still_banded_pipeline,
            pipeline,
            still_pipeline,
            compose_pipeline,
            strip_compose_pipeline,
            strip_yuv_pipeline,
            bind_group_layout,
            still_layout,
            strip_layout,
            lane_layout,
            still: None,
            strip: None,
            composed: None,
            still_enabled: true,
            content_generation: 0,
            uniform_buffer,
            cell_buffer,
            cell_capacity,
            tiles,
            thumbs,
            sampler,
            bind_group,
            target_format,
            uniform: GridUniform::default(),
            cells: Vec::new(),
            ring: None,
            layer_generation: Vec::new(),
            strip_cache_limit: 0,
        }
    }

    /// Number of resident texture layers.
    #[must_use]
    pub fn layer_count(&self) -> u32 {
        self.tiles.layers
    }

    /// GPU bytes held by tile textures.
    #[must_use]
    pub fn tile_bytes(&self) -> u64 {
        u64::from(self.tiles.width_px)
            * u64::from(self.tiles.height_px)
            * 4
            * u64::from(self.tiles.layers)
    }

    /// Makes room for `layers` tiles of `width_px × height_px`, recreating the texture array only
    /// when the size or count changes. Existing layer contents are lost when it is recreated.
    pub fn ensure_tile_storage(
        &mut self,
        device: &wgpu::Device,
        width_px: u32,
        height_px: u32,
        layers: u32,
    ) {
        let layers = layers.max(1);
        let t = &self.tiles;
        if (t.width_px, t.height_px, t.layers) == (width_px, height_px, layers) {
            return;
        }
        self.tiles = create_tiles(device, width_px, height_px, layers);
        self.ring = None; // its copies came from the old tiles
        self.rebuild_bind_group(device);
        self.content_generation += 1;
    }

    /// Uploads one tile into texture layer `layer`. The tile must have the storage's size.
    pub fn write_tile(&mut self, queue: &wgpu::Queue, layer: u32, tile: &TilePixels) {
        if write_layer(queue, &self.tiles, layer, tile) {
            self.content_generation += 1;
            let at = layer as usize;
            if self.layer_generation.len() <= at {
                self.layer_generation.resize(at + 1, 0);
            }
            self.layer_generation[at] = self.content_generation;
        }
    }

    /// Lets an export's rolling still keep up to `bytes` of composed tile interiors for
    /// photos shown in more than one cell, copied instead of composed again (the frames are
    /// the same bytes). 0, the default, keeps none.
    pub fn set_strip_cache_limit(&mut self, bytes: u64) {
        if bytes != self.strip_cache_limit {
            self.strip_cache_limit = bytes;
            self.ring = None;
        }
    }

    /// Replaces the thumbnails that cells flagged with [`THUMB_FLAG`] show: layer i = `thumbs[i]`
    /// (all of one size; as many as the device allows). An empty slice frees them.
    pub fn set_thumbnails(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        thumbs: &[TilePixels],
    ) {
        let max = device.limits().max_texture_array_layers as usize;
        let thumbs = &thumbs[..thumbs.len().min(max)];
        let (w, h) = thumbs.first().map_or((1, 1), |t| (t.width_px, t.height_px));
        let layers = u32::try_from(thumbs.len()).unwrap_or(1).max(1);
        self.thumbs = create_tiles(device, w, h, layers);
        for (layer, thumb) in (0..layers).zip(thumbs) {
            write_layer(queue, &self.thumbs, layer, thumb);
        }
        self.rebuild_bind_group(device);
        self.content_generation += 1;
    }

    /// GPU bytes held by thumbnails.
    #[must_use]
    pub fn thumb_bytes(&self) -> u64 {
        let t = &self.thumbs;
        u64::from(t.width_px) * u64::from(t.height_px) * 4 * u64::from(t.layers)
    }

    /// GPU bytes a still for `layout` takes (with the strip an export adds to it when
    /// `export`), or None when the grid is too large for one and the renderer draws from the
    /// tile array.
    #[must_use]
    pub fn still_bytes_for(device: &wgpu::Device, layout: &Layout, export: bool) -> Option<u64> {
        let (w, h) = (layout.grid_w_px + 2, layout.grid_h_px + 2);
        let max = device.limits().max_texture_dimension_2d;
        let bytes = u64::from(w) * u64::from(h) * 4;
        let strip_w = if layout.looped {
            let period = u32::try_from(layout.period_px() as u64).unwrap_or(u32::MAX);
            loop_strip_width(period, layout.frame_w_px)
        } else {
            strip_width(w)
        };
        let strip_texels = if layout.direction.vertical() {
            let span = layout.looped.then(|| {
                let period = u32::try_from(layout.period_px() as u64).unwrap_or(u32::MAX);
                (period, layout.frame_h_px)
            });
            u64::from(layout.frame_w_px / YUV_BLOCK.0) * u64::from(column_strip_rows(h, span))
        } else {
            u64::from(strip_w) * u64::from(layout.frame_h_px / 2)
        };
        let strip = if export {
            strip_texels * STRIP_TEXEL_BYTES
        } else {
            0
        };
        (w <= max && h <= max && bytes <= STILL_MAX_BYTES).then_some(bytes + strip)
    }
}

/// Writes `tile` into `layer` of `storage`; false (and a warning) when it does not fit.
fn write_layer(queue: &wgpu::Queue, storage: &TileTextures, layer: u32, tile: &TilePixels) -> bool {
    if layer >= storage.layers
        || (tile.width_px, tile.height_px) != (storage.width_px, storage.height_px)
    {
        log::warn!(
            "tile {}x{} does not fit layer {layer} of {}x{}x{}; not uploaded",
            tile.width_px,
            tile.height_px,
            storage.width_px,
            storage.height_px,
            storage.layers
        );
        return false;
    }
    queue.write_texture(
        wgpu::TexelCopyTextureInfo {
            texture: &storage.texture,
            mip_level: 0,
            origin: wgpu::Origin3d {
                x: 0,
                y: 0,
                z: layer,
            },
            aspect: wgpu::TextureAspect::All,
        },
        &tile.rgba,
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(tile.width_px * 4),
            rows_per_image: Some(tile.height_px),
        },
        wgpu::Extent3d {
            width: tile.width_px,
            height: tile.height_px,
            depth_or_array_layers: 1,
        },
    );
    true
}

impl GridRenderer {
    /// Convenience for a fully resident photo set: storage for `tiles.len()` layers, all
    /// uploaded, layer i = photo i.
    pub fn set_tiles<T: std::borrow::Borrow<TilePixels>>(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        tiles: &[T],
    ) {
        let Some(first) = tiles.first().map(Borrow::borrow) else {
            self.ensure_tile_storage(device, 1, 1, 1);
            return;
        };
        let layers = u32::try_from(tiles.len()).unwrap_or(u32::MAX);
        self.ensure_tile_storage(device, first.width_px, first.height_px, layers);
        self.ring = None; // every tile is new
        for (layer, tile) in (0..layers).zip(tiles) {
            self.write_tile(queue, layer, tile.borrow());
        }
    }

    /// Sets which texture layer each grid cell shows (row-major; `NO_LAYER` = background).
    pub fn set_cells(&mut self, device: &wgpu::Device, queue: &wgpu::Queue, cell_layers: &[u32]) {
        let needed = (cell_layers.len() as u64).max(1);
        if needed > self.cell_capacity {
            self.cell_capacity = needed.next_power_of_two();
            self.cell_buffer = create_cell_buffer(device, self.cell_capacity);
            self.rebuild_bind_group(device);
        }
        if !cell_layers.is_empty() {
            queue.write_buffer(&self.cell_buffer, 0, bytemuck::cast_slice(cell_layers));
        }
        self.cells.clear();
        self.cells.extend_from_slice(cell_layers);
        self.content_generation += 1;
    }

    /// Writes this frame's parameters into the uniform buffer (no allocation, no new resource),
    /// and recomposes the still first if the tiles or the layout changed since the last frame
    /// (never during playback or export, where only the grid origin moves).
    pub fn prepare(&mut self, device: &wgpu::Device, queue: &wgpu::Queue, uniform: &GridUniform) {
        let mut uniform = *uniform;
        uniform.layer_count = self.tiles.layers;
        uniform.srgb_target = u32::from(self.target_format.is_srgb());
        if uniform != self.uniform {
            self.uniform = uniform;
            queue.write_buffer(&self.uniform_buffer, 0, bytemuck::bytes_of(&self.uniform));
        }
        self.update_still(device, queue);
    }

    /// Draws the frame into the pass's current viewport.
    pub fn paint(&self, pass: &mut wgpu::RenderPass<'_>) {
        let banded = self.banded();
        if let (Some(still), Some(_)) = (&self.still, self.composed) {
            pass.set_pipeline(if banded {
                &self.still_banded_pipeline
            } else {
                &self.still_pipeline
            });
            pass.set_bind_group(0, &self.bind_group, &[]);
            pass.set_bind_group(1, &still.bind_group, &[]);
        } else {
            pass.set_pipeline(if banded {
                &self.banded_pipeline
            } else {
                &self.pipeline
            });
            pass.set_bind_group(0, &self.bind_group, &[]);
        }
        pass.draw(0..3, 0..1);
    }

    /// Whether the current frame's bands move apart (alternate rows, row speeds, vertical
    /// motion or a loop): drawn per band, and converted to YUV from RGBA.
    fn banded(&self) -> bool {
        self.uniform.motion_flags & MOTION_BANDS != 0
    }

    /// After `prepare`, makes the YUV strip for `frame_height_px`-tall frames current:
    /// composed from the still when the still, the frame height or the grid's vertical
    /// position changed (never during an export, where only the grid moves sideways). False
    /// when there is no still: then draw RGBA with `paint` and convert that.
    pub fn prepare_yuv(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        frame_height_px: u32,
    ) -> bool {
        if self.ring_applies() {
            return self.prepare_ring(device, queue, frame_height_px);
        }
        let (Some(still_key), Some(still)) = (self.composed, &self.still) else {
            return false;
        };
        let vertical = self.uniform.motion_flags & MOTION_VERTICAL != 0;
        let looped = self.uniform.motion_flags & MOTION_LOOP != 0;
        let [frame_w, frame_h] = self.uniform.frame_size.map(|v| v as u32);
        let loop_span = looped.then(|| {
            let period = self.uniform.period_px as u32;
            (period, if vertical { frame_h } else { frame_w })
        });
        let key = StripKey {
            still: still_key,
            frame_height_px,
            // The grid's position across the motion, the same in every frame.
            origin_y_bits: self.uniform.grid_origin[usize::from(!vertical)].to_bits(),
            loop_span,
            columns_for_width: vertical.then_some(frame_w),
        };
        if self.strip.as_ref().is_some_and(|s| s.key == Some(key)) {
            self.refresh_lanes(device, queue);
            return true;
        }
        let size = if vertical {
            (
                frame_w / YUV_BLOCK.0,
                column_strip_rows(still.texture.height(), loop_span),
            )
        } else {
            let width = match loop_span {
                Some((period, frame_w)) => loop_strip_width(period, frame_w),
                None => strip_width(still.texture.width()),
            };
            (width, frame_height_px / 2)
        };
        let max = device.limits().max_texture_dimension_2d;
        if size.0 == 0 || size.0 > max || size.1 > max {
            return false;
        }
        let fits = self
            .strip
            .as_ref()
            .is_some_and(|s| (s.target.texture.width(), s.target.texture.height()) == size);
        if !fits {
            self.strip = None; // free the old one before allocating the new one
            self.strip = Some(self.create_strip(device, size, &still.view));
        }
        let Some(strip) = &mut self.strip else {
            return false;
        };
        // The still may be a new texture of the same size: bind the current one.
        strip.target.bind_group =
            strip_bind_group(device, &self.strip_layout, &still.view, &strip.target.view);
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("gridreel compose strip"),
        });
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("gridreel compose strip"),
                color_attachments: &[Some(super::cleared(&strip.target.view))],
                ..Default::default()
            });
            pass.set_pipeline(if vertical {
                &self.column_compose_pipeline
            } else {
                &self.strip_compose_pipeline
            });
            pass.set_bind_group(0, &self.bind_group, &[]);
            pass.set_bind_group(1, &still.bind_group, &[]);
            pass.draw(0..3, 0..1);
        }
        queue.submit(std::iter::once(encoder.finish()));
        strip.key = Some(key);
        let lanes = if vertical {
            frame_w / YUV_BLOCK.0
        } else {
            frame_height_px / 2
        };
        let flags = self.uniform.motion_flags;
        // Only the band pipelines read the tables: rows whose bands move apart or loop, and
        // columns whose bands move apart (`paint_yuv_blocks`).
        let per_lane = if vertical {
            flags & MOTION_SPLIT != 0
        } else {
            flags & MOTION_BANDS != 0
        };
        strip.bands = if per_lane {
            lane_bands(&self.uniform, vertical, lanes)
        } else {
            Vec::new()
        };
        strip.straddles = if flags & MOTION_SPLIT != 0 {
            straddling_runs(&strip.bands)
        } else {
            Vec::new()
        };
        strip.lanes = None;
        self.refresh_lanes(device, queue);
        true
    }

    /// Makes the strip's per-lane band motions current for the band pipelines: when the strip
    /// was composed again or the motion changed, never per frame.
    fn refresh_lanes(&mut self, device: &wgpu::Device, queue: &wgpu::Queue) {
        let Some(strip) = &mut self.strip else {
            return;
        };
        let made_from = (self.uniform.bands, self.uniform.band_entries);
        if strip.bands.is_empty()
            || strip
                .lanes
                .as_ref()
                .is_some_and(|l| l.made_from == made_from)
        {
            return;
        }
        let vertical = self.uniform.motion_flags & MOTION_VERTICAL != 0;
        let lanes = lane_motions(&self.uniform, &strip.bands);
        let lanes = storage_buffer(device, queue, "gridreel strip lanes", &lanes);
        let lines = line_motions(&self.uniform, vertical);
        let lines = storage_buffer(device, queue, "gridreel grid lines", &lines);
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("gridreel strip lanes"),
            layout: &self.lane_layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: lanes.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: lines.as_entire_binding(),
                },
            ],
        });
        strip.lanes = Some(Lanes {
            bind_group,
            made_from,
        });
    }

    /// Draws the frame as YUV 4:2:0 in 8x2 blocks from the strip made by `prepare_yuv`, into
    /// targets of [`YUV_BLOCK_LUMA_FORMAT`] and [`YUV_BLOCK_CHROMA_FORMAT`], an eighth of the
    /// frame's width and half its height (the width must be a multiple of 8). False, drawing
    /// nothing, without a current strip.
    pub fn paint_yuv_blocks(&self, pass: &mut wgpu::RenderPass<'_>) -> bool {
        if self.uniform.motion_flags & MOTION_RING != 0 {
            let Some(bind_group) = self.ring_strip_bind_group() else {
                return false;
            };
            pass.set_pipeline(&self.strip_yuv_ring_pipeline);
            pass.set_bind_group(0, &self.bind_group, &[]);
            pass.set_bind_group(1, bind_group, &[]);
            pass.draw(0..3, 0..1);
            return true;
        }
        let Some(strip) = &self.strip else {
            return false;
        };
        if strip.key.is_none_or(|k| Some(k.still) != self.composed) {
            return false;
        }
        let columns = strip.key.is_some_and(|k| k.columns_for_width.is_some());
        let flags = self.uniform.motion_flags;
        let split = flags & MOTION_SPLIT != 0;
        let (pipeline, per_lane) = match (columns, split, flags & MOTION_BANDS != 0) {
            (true, true, _) => (&self.column_yuv_bands_pipeline, true),
            (true, false, _) => (&self.column_yuv_pipeline, false),
            (false, _, true) => (&self.strip_yuv_bands_pipeline, true),
            (false, _, false) => (&self.strip_yuv_pipeline, false),
        };
        if per_lane {
            let Some(lanes) = &strip.lanes else {
                return false;
            };
            pass.set_bind_group(2, &lanes.bind_group, &[]);
        }
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        pass.set_bind_group(1, &strip.target.bind_group, &[]);
        pass.draw(0..3, 0..1);
        if split && !strip.straddles.is_empty() {
            // Blocks across two bands, again, pixel by pixel from the still.
            let [w, h] = self.uniform.frame_size.map(|v| v as u32);
            let (blocks_w, blocks_h) = (w / YUV_BLOCK.0, h / YUV_BLOCK.1);
            pass.set_pipeline(&self.block_from_still_pipeline);
            for &(first, count) in &strip.straddles {
                if columns {
                    pass.set_scissor_rect(first, 0, count, blocks_h);
                } else {
                    pass.set_scissor_rect(0, first, blocks_w, count);
                }
                pass.draw(0..3, 0..1);
            }
        }
        true
    }

    /// Draw from the composed still (the default) or always from the tile array (for tests and
    /// comparisons; both give the same pixels).
    pub fn set_still_enabled(&mut self, enabled: bool) {
        self.still_enabled = enabled;
        if !enabled {
            self.composed = None;
            self.still = None;
            self.strip = None;
        }
    }

    /// Whether the last `prepare` left the renderer drawing from the still.
    #[must_use]
    pub fn draws_from_still(&self) -> bool {
        self.composed.is_some()
    }

    /// GPU bytes held by the composed still and the export's strip (0 when drawing from the
    /// tile array).
    #[must_use]
    pub fn still_bytes(&self) -> u64 {
        let bytes = |t: &BoundTexture| {
            let size = t.texture.size();
            let texel = t.texture.format().block_copy_size(None).unwrap_or(0);
            u64::from(size.width) * u64::from(size.height) * u64::from(texel)
        };
        self.still.as_ref().map_or(0, bytes) + self.strip.as_ref().map_or(0, |s| bytes(&s.target))
    }

    fn update_still(&mut self, device: &wgpu::Device, queue: &wgpu::Queue) {
        let u = &self.uniform;
        let key = StillKey {
            grid_size: u.grid_size,
            tile_size: u.tile_size,
            pitch: u.pitch,
            cols: u.cols,
            cell_count: u.cell_count,
            layer_count: u.layer_count,
            background: u.background,
            content_generation: self.content_generation,
        };
        if !self.still_enabled || self.composed == Some(key) {
            return;
        }
        let (w, h) = (key.grid_size[0] + 2, key.grid_size[1] + 2);
        let max = device.limits().max_texture_dimension_2d;
        if w > max || h > max || u64::from(w) * u64::from(h) * 4 > STILL_MAX_BYTES {
            self.composed = None;
            self.still = None;
            self.strip = None;
            return;
        }
        let fits = self.still.as_ref().is_some_and(|s| {
            let size = s.texture.size();
            (size.width, size.height) == (w, h)
        });
        if !fits {
            self.still = None; // free the old one before allocating the new one
            self.still = Some(self.create_still(device, w, h));
        }
        let Some(still) = &self.still else {
            return;
        };
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("gridreel compose still"),
        });
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("gridreel compose still"),
                color_attachments: &[Some(super::cleared(&still.view))],
                ..Default::default()
            });
            pass.set_pipeline(&self.compose_pipeline);
            pass.set_bind_group(0, &self.bind_group, &[]);
            pass.draw(0..3, 0..1);
        }
        queue.submit(std::iter::once(encoder.finish()));
        self.composed = Some(key);
    }

    fn create_still(&self, device: &wgpu::Device, w: u32, h: u32) -> BoundTexture {
        bound_target(
            device,
            "gridreel still",
            (w, h),
            STILL_FORMAT,
            (&self.still_layout, 0),
        )
    }

    fn create_strip(
        &self,
        device: &wgpu::Device,
        size: (u32, u32),
        still: &wgpu::TextureView,
    ) -> Strip {
        let usage = wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::RENDER_ATTACHMENT;
        let texture = super::texture_2d(device, "gridreel strip", size, STRIP_FORMAT, usage);
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        let bind_group = strip_bind_group(device, &self.strip_layout, still, &view);
        Strip {
            target: BoundTexture {
                texture,
                view,
                bind_group,
            },
            key: None,
            straddles: Vec::new(),
            bands: Vec::new(),
            lanes: None,
        }
    }

    fn rebuild_bind_group(&mut self, device: &wgpu::Device) {
        self.bind_group = create_bind_group(
            device,
            &self.bind_group_layout,
            &self.uniform_buffer,
            [&self.tiles.view, &self.thumbs.view],
            &self.cell_buffer,
            &self.sampler,
        );
    }
}

/// A texture drawn into once and then read by a later pass through `binding` of `layout`.
fn bound_target(
    device: &wgpu::Device,
    label: &str,
    size: (u32, u32),
    format: wgpu::TextureFormat,
    (layout, binding): (&wgpu::BindGroupLayout, u32),
) -> BoundTexture {
    let usage = wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::RENDER_ATTACHMENT;
    let texture = super::texture_2d(device, label, size, format, usage);
    let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
    let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(label),
        layout,
        entries: &[wgpu::BindGroupEntry {
            binding,
            resource: wgpu::BindingResource::TextureView(&view),
        }],
    });
    BoundTexture {
        texture,
        view,
        bind_group,
    }
}

/// The strip's bind group: the still at binding 0, the strip at binding 1.
fn strip_bind_group(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    still: &wgpu::TextureView,
    strip: &wgpu::TextureView,
) -> wgpu::BindGroup {
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("gridreel strip"),
        layout,
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::TextureView(still),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: wgpu::BindingResource::TextureView(strip),
            },
        ],
    })
}

/// A bind group layout entry for a read-only storage buffer the fragment stage reads, of at
/// least `min_bytes`.
fn storage_entry(binding: u32, min_bytes: u64) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only: true },
            has_dynamic_offset: false,
            min_binding_size: NonZeroU64::new(min_bytes),
        },
        count: None,
    }
}

/// A bind group layout entry for a filterable 2D texture array (tiles, thumbnails).
fn tile_array_entry(binding: u32) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Texture {
            sample_type: wgpu::TextureSampleType::Float { filterable: true },
            view_dimension: wgpu::TextureViewDimension::D2Array,
            multisampled: false,
        },
        count: None,
    }
}

fn create_cell_buffer(device: &wgpu::Device, cells: u64) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("gridreel cell layers"),
        size: cells * 4,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

fn create_tiles(device: &wgpu::Device, width_px: u32, height_px: u32, layers: u32) -> TileTextures {
    let texture = device.create_texture(&wgpu::TextureDescriptor {
        label: Some("gridreel tiles"),
        size: wgpu::Extent3d {
            width: width_px,
            height: height_px,
            depth_or_array_layers: layers,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: TILE_FORMAT,
        usage: wgpu::TextureUsages::TEXTURE_BINDING
            | wgpu::TextureUsages::COPY_DST
            // The rolling still copies tiles out.
            | wgpu::TextureUsages::COPY_SRC,
        view_formats: &[],
    });
    let view = texture.create_view(&wgpu::TextureViewDescriptor {
        label: Some("gridreel tiles view"),
        dimension: Some(wgpu::TextureViewDimension::D2Array),
        ..Default::default()
    });
    TileTextures {
        texture,
        view,
        width_px,
        height_px,
        layers,
    }
}

fn create_bind_group(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    uniform: &wgpu::Buffer,
    [tiles, thumbs]: [&wgpu::TextureView; 2],
    cells: &wgpu::Buffer,
    sampler: &wgpu::Sampler,
) -> wgpu::BindGroup {
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("gridreel grid bind group"),
        layout,
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: uniform.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: wgpu::BindingResource::TextureView(tiles),
            },
            wgpu::BindGroupEntry {
                binding: 2,
                resource: cells.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 3,
                resource: wgpu::BindingResource::Sampler(sampler),
            },
            wgpu::BindGroupEntry {
                binding: 4,
                resource: wgpu::BindingResource::TextureView(thumbs),
            },
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three rows of 10-line tiles, `gap` lines apart, at `origin_y`, moving sideways with two
    /// band entries (alternate rows).
    fn rows_of_ten(origin_y: f32, gap: u32) -> GridUniform {
        let mut u = GridUniform {
            grid_origin: [0.0, origin_y],
            tile_size: [40, 10],
            pitch: [40 + gap, 10 + gap],
            grid_size: [200, 30 + 2 * gap],
            band_entries: 2,
            t_secs: 1.5,
            motion_flags: MOTION_BANDS | MOTION_SPLIT,
            ..GridUniform::default()
        };
        u.bands[0] = [3.0, 7.0, -5.0, -7.0];
        u
    }

    /// The still rows strip row `j` reads (`still_column`: 2j + 1 - origin, floor, three
    /// rows), as grid lines (still row q is grid line q - 1).
    fn lines_read(u: &GridUniform, j: u32) -> std::ops::Range<i64> {
        let first = (2.0 * j as f32 + 1.0 - u.grid_origin[1]).floor() as i64 - 1;
        first..first + 3
    }

    #[test]
    fn a_lane_has_the_band_of_every_tile_line_it_reads_or_says_two_or_none() {
        for (origin, gap) in [(0.0, 0), (3.0, 0), (2.5, 0), (-1.5, 0), (4.0, 3), (0.5, 4)] {
            let u = rows_of_ten(origin, gap);
            let bands = lane_bands(&u, false, 24);
            for (j, &band) in (0u32..).zip(&bands) {
                let pitch = i64::from(u.pitch[1]);
                let mut tile_bands: Vec<i64> = lines_read(&u, j)
                    .filter(|&l| l >= 0 && l < i64::from(u.grid_size[1]) && l % pitch < 10)
                    .map(|l| l / pitch)
                    .collect();
                tile_bands.dedup();
                let expected = match tile_bands.as_slice() {
                    [] => -1,
                    [b] => i32::try_from(*b).unwrap(),
                    _ => -2,
                };
                assert_eq!(band, expected, "origin {origin}, gap {gap}, strip row {j}");
            }
            let runs = straddling_runs(&bands);
            let listed: Vec<u32> = runs.iter().flat_map(|&(s, n)| s..s + n).collect();
            let two: Vec<u32> = (0u32..)
                .zip(&bands)
                .filter(|(_, b)| **b == -2)
                .map(|(j, _)| j)
                .collect();
            assert_eq!(listed, two, "origin {origin}, gap {gap}");
            assert!(
                runs.windows(2).all(|w| w[0].0 + w[0].1 < w[1].0),
                "runs are maximal"
            );
            if gap == 0 {
                assert!(!runs.is_empty(), "gapless rows meet inside some strip row");
            }
        }
    }

    #[test]
    fn lane_and_line_motions_give_band_origin() {
        for looped in [false, true] {
            let mut u = rows_of_ten(2.5, 0);
            if looped {
                u.motion_flags |= MOTION_LOOP;
                u.period_px = 200.0;
            }
            let origin = |m: [f32; 2]| {
                let o = m[0] + m[1] * u.t_secs;
                if looped {
                    o - u.period_px * (o / u.period_px).floor()
                } else {
                    o
                }
            };
            let bands = lane_bands(&u, false, 20);
            for (&band, &m) in bands.iter().zip(&lane_motions(&u, &bands)) {
                let b = band.max(0).unsigned_abs();
                assert_eq!(
                    origin(m).to_bits(),
                    u.band_origin(b).to_bits(),
                    "band {band}"
                );
            }
            let lines = line_motions(&u, false);
            assert_eq!(lines.len(), 30);
            for (line, &m) in (0u32..).zip(&lines) {
                let band = line / 10;
                assert_eq!(
                    origin(m).to_bits(),
                    u.band_origin(band).to_bits(),
                    "line {line}"
                );
            }
            // Alternate rows: neighbouring bands move apart.
            assert_ne!(u.band_origin(0).to_bits(), u.band_origin(1).to_bits());
        }
    }
}
