//! The grid's pipelines, built once per renderer from one shader module (`bt709.wgsl` and
//! `grid.wgsl`): the bind group layouts they share, the texture formats they draw into, and
//! `Draw`, what a pass binds besides its own textures. Each pipeline is one line of
//! `Pipelines::new`: what it reads, its entry points, what it draws into.

use std::num::NonZeroU64;

use super::tiles::Tiles;
use super::uniform::GridUniform;

/// The composed still's (and the ring still's) format.
pub(super) const STILL_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;
/// Per strip texel, four strip columns, each as 8-bit codes (upper and lower luma, U and V of
/// the column and the next one; see `shaders/grid.wgsl`).
pub(super) const STRIP_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba32Uint;
pub(super) const STRIP_TEXEL_BYTES: u64 = 16;
/// Targets of [`super::GridRenderer::paint_yuv_blocks`], a texel per 8x2 block of the frame.
/// Luma: the block's top-row codes (bytes 0-7), then its bottom-row codes (bytes 8-15).
pub const YUV_BLOCK_LUMA_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba32Uint;
/// Chroma: the U codes of the block's four 2x2 blocks (bytes 0-3), then their V codes.
pub const YUV_BLOCK_CHROMA_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rg32Uint;
/// Frame pixels per block texel, across and down.
pub const YUV_BLOCK: (u32, u32) = (8, 2);

/// The bind group layouts: group 0 (uniform, tiles, cells, sampler, thumbnails; every
/// pipeline), group 1 (the still, or the strip with the still) and group 2 (the strip's lanes).
pub(super) struct Layouts {
    pub grid: wgpu::BindGroupLayout,
    pub still: wgpu::BindGroupLayout,
    pub strip: wgpu::BindGroupLayout,
    /// The band pipelines' group 2: the strip's per-lane and per-grid-line band motions.
    pub lanes: wgpu::BindGroupLayout,
}

impl Layouts {
    fn new(device: &wgpu::Device) -> Self {
        let uniform = wgpu::BindGroupLayoutEntry {
            binding: 0,
            visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: NonZeroU64::new(std::mem::size_of::<GridUniform>() as u64),
            },
            count: None,
        };
        let sampler = wgpu::BindGroupLayoutEntry {
            binding: 3,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
            count: None,
        };
        let layout = |label, entries: &[wgpu::BindGroupLayoutEntry]| {
            device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some(label),
                entries,
            })
        };
        let filterable = wgpu::TextureSampleType::Float { filterable: true };
        let grid = [
            uniform,
            tile_array_entry(1),
            storage_entry(2, 4),
            sampler,
            tile_array_entry(4),
        ];
        // The still's texture size reaches the vertex shader too; the strip's is unfiltered
        // integers (both at group 1, at different bindings, as they share one module).
        let still_texture = texture_entry(0, wgpu::ShaderStages::VERTEX_FRAGMENT, filterable);
        let strip_texture = texture_entry(
            1,
            wgpu::ShaderStages::FRAGMENT,
            wgpu::TextureSampleType::Uint,
        );
        Self {
            grid: layout("gridreel grid bind group layout", &grid),
            still: layout("gridreel still bind group layout", &[still_texture]),
            strip: layout(
                "gridreel strip bind group layout",
                &[still_texture, strip_texture],
            ),
            // Per-lane band motions of the strip, for the band pipelines (see `lane_bands`).
            lanes: layout(
                "gridreel strip lanes bind group layout",
                &[storage_entry(0, 8), storage_entry(1, 8)],
            ),
        }
    }
}

/// Every pipeline of the grid. Each variant is its own pipeline: a software rasteriser pays
/// for every path a shader has, taken or not.
pub(super) struct Pipelines {
    /// Draws from the tile array (`fs_main`): grids too large for a still.
    pub tile_array: wgpu::RenderPipeline,
    /// Bands with their own positions, from the tile array (`fs_main_banded`).
    pub tile_array_banded: wgpu::RenderPipeline,
    /// Writes the still (`fs_compose`).
    pub compose: wgpu::RenderPipeline,
    /// Draws from the composed still (`fs_still`): one filtered fetch per pixel.
    pub still: wgpu::RenderPipeline,
    /// Bands with their own positions, from the still (`fs_still_banded`).
    pub still_banded: wgpu::RenderPipeline,
    /// Writes the strip from the still (`fs_compose_strip`).
    pub strip_compose: wgpu::RenderPipeline,
    /// Export straight to YUV 8x2 blocks from the strip (`fs_strip_yuv`).
    pub strip_yuv: wgpu::RenderPipeline,
    /// Per-frame strip passes for rows in bands or looping (`fs_strip_yuv_bands`) and for the
    /// rolling still's ring strip (`fs_strip_yuv_ring`).
    pub strip_yuv_bands: wgpu::RenderPipeline,
    pub strip_yuv_ring: wgpu::RenderPipeline,
    /// The same two for vertical motion (`fs_compose_columns`, `fs_column_yuv`), and the
    /// per-frame one for columns moving apart (`fs_column_yuv_bands`).
    pub column_compose: wgpu::RenderPipeline,
    pub column_yuv: wgpu::RenderPipeline,
    pub column_yuv_bands: wgpu::RenderPipeline,
    /// Blocks across two bands, from the still (`fs_block_from_still`), scissored to them.
    pub block_from_still: wgpu::RenderPipeline,
    pub layouts: Layouts,
}

/// What a pipeline binds after group 0.
#[derive(Clone, Copy)]
enum Reads {
    /// Group 0 only: the tile array.
    Tiles,
    /// The still (group 1).
    Still,
    /// The strip with its still (group 1).
    Strip,
    /// The strip (group 1) and its lanes (group 2).
    Lanes,
}

/// What a pipeline draws into.
#[derive(Clone, Copy)]
enum Draws {
    /// The renderer's target (the preview's surface, the export's RGBA frame).
    Frame,
    Still,
    Strip,
    /// Luma and chroma of 8x2 blocks.
    Blocks,
}

/// Builds full-screen pipelines from the grid's shader module.
struct Builder<'a> {
    device: &'a wgpu::Device,
    shader: wgpu::ShaderModule,
    /// One pipeline layout per [`Reads`], in its order.
    layouts: [wgpu::PipelineLayout; 4],
    frame_format: wgpu::TextureFormat,
}

impl<'a> Builder<'a> {
    fn new(device: &'a wgpu::Device, layouts: &Layouts, frame_format: wgpu::TextureFormat) -> Self {
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
        let pipeline_layout = |label, groups: &[Option<&wgpu::BindGroupLayout>]| {
            device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(label),
                bind_group_layouts: groups,
                immediate_size: 0,
            })
        };
        let (grid, still, strip) = (&layouts.grid, &layouts.still, &layouts.strip);
        let layouts = [
            pipeline_layout("gridreel grid pipeline layout", &[Some(grid)]),
            pipeline_layout("gridreel still pipeline layout", &[Some(grid), Some(still)]),
            pipeline_layout("gridreel strip pipeline layout", &[Some(grid), Some(strip)]),
            pipeline_layout(
                "gridreel strip lanes pipeline layout",
                &[Some(grid), Some(strip), Some(&layouts.lanes)],
            ),
        ];
        Self {
            device,
            shader,
            layouts,
            frame_format,
        }
    }

    fn build(&self, reads: Reads, entries: (&str, &str), draws: Draws) -> wgpu::RenderPipeline {
        let target = |format: wgpu::TextureFormat| Some(format.into());
        let targets = match draws {
            Draws::Frame => [target(self.frame_format), None],
            Draws::Still => [target(STILL_FORMAT), None],
            Draws::Strip => [target(STRIP_FORMAT), None],
            Draws::Blocks => [
                target(YUV_BLOCK_LUMA_FORMAT),
                target(YUV_BLOCK_CHROMA_FORMAT),
            ],
        };
        let count = if matches!(draws, Draws::Blocks) { 2 } else { 1 };
        super::super::fullscreen_pipeline(
            self.device,
            &self.layouts[reads as usize],
            &self.shader,
            entries,
            &targets[..count],
        )
    }
}

impl Pipelines {
    /// Every pipeline, for frames drawn into targets of `frame_format`.
    pub fn new(device: &wgpu::Device, frame_format: wgpu::TextureFormat) -> Self {
        use {Draws as D, Reads as R};
        let layouts = Layouts::new(device);
        let b = Builder::new(device, &layouts, frame_format);
        let still = if frame_format.is_srgb() {
            "fs_still_srgb"
        } else {
            "fs_still"
        };
        Self {
            tile_array: b.build(R::Tiles, ("vs_main", "fs_main"), D::Frame),
            tile_array_banded: b.build(R::Tiles, ("vs_main", "fs_main_banded"), D::Frame),
            compose: b.build(R::Tiles, ("vs_main", "fs_compose"), D::Still),
            still: b.build(R::Still, ("vs_still", still), D::Frame),
            still_banded: b.build(R::Still, ("vs_still", "fs_still_banded"), D::Frame),
            strip_compose: b.build(R::Still, ("vs_main", "fs_compose_strip"), D::Strip),
            strip_yuv: b.build(R::Strip, ("vs_main", "fs_strip_yuv"), D::Blocks),
            strip_yuv_bands: b.build(R::Lanes, ("vs_main", "fs_strip_yuv_bands"), D::Blocks),
            strip_yuv_ring: b.build(R::Strip, ("vs_main", "fs_strip_yuv_ring"), D::Blocks),
            column_compose: b.build(R::Still, ("vs_main", "fs_compose_columns"), D::Strip),
            column_yuv: b.build(R::Strip, ("vs_main", "fs_column_yuv"), D::Blocks),
            column_yuv_bands: b.build(R::Lanes, ("vs_main", "fs_column_yuv_bands"), D::Blocks),
            block_from_still: b.build(R::Lanes, ("vs_main", "fs_block_from_still"), D::Blocks),
            layouts,
        }
    }
}

/// What every pass of the grid binds besides its own textures: a pipeline from here, group 0
/// from the tiles, and the frame's uniform as the renderer last wrote it.
#[derive(Clone, Copy)]
pub(super) struct Draw<'a> {
    pub pipelines: &'a Pipelines,
    pub tiles: &'a Tiles,
    pub uniform: &'a GridUniform,
}

impl Draw<'_> {
    /// Sets `pipeline` and group 0 on `pass`.
    pub fn begin(&self, pass: &mut wgpu::RenderPass<'_>, pipeline: &wgpu::RenderPipeline) {
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, &self.tiles.bind_group, &[]);
    }
}

/// A bind group layout entry for a 2D texture.
fn texture_entry(
    binding: u32,
    visibility: wgpu::ShaderStages,
    sample_type: wgpu::TextureSampleType,
) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility,
        ty: wgpu::BindingType::Texture {
            sample_type,
            view_dimension: wgpu::TextureViewDimension::D2,
            multisampled: false,
        },
        count: None,
    }
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
