//! `Tiles`: the photos as every grid pipeline reads them, bind group 0: the tile texture
//! array (one layer per resident photo), the thumbnails that stand in for tiles still being
//! decoded, the cell → layer map, the sampler, and the buffer the frame's uniform is written
//! into. It counts content generations, so that the still and the ring's strip cache know
//! when tile pixels or the cell map changed.

use crate::photos::TilePixels;

use super::uniform::GridUniform;

/// Cell value meaning "no texture layer": the cell shows the background.
pub const NO_LAYER: u32 = u32::MAX;
/// Cell values with this bit set show thumbnail layer `value & !THUMB_FLAG` (set with
/// [`super::GridRenderer::set_thumbnails`]), scaled up: the preview's stand-in for a tile
/// that is still being decoded.
pub const THUMB_FLAG: u32 = 1 << 31;

const TILE_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

/// A tile texture array: one layer per photo, all of one size.
pub(super) struct TileTextures {
    pub texture: wgpu::Texture,
    view: wgpu::TextureView,
    width_px: u32,
    height_px: u32,
    pub layers: u32,
}

impl TileTextures {
    fn new(device: &wgpu::Device, width_px: u32, height_px: u32, layers: u32) -> Self {
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
        Self {
            texture,
            view,
            width_px,
            height_px,
            layers,
        }
    }

    /// GPU bytes held.
    fn bytes(&self) -> u64 {
        u64::from(self.width_px) * u64::from(self.height_px) * 4 * u64::from(self.layers)
    }

    /// Writes `tile` into `layer`; false (and a warning) when it does not fit.
    fn write_layer(&self, queue: &wgpu::Queue, layer: u32, tile: &TilePixels) -> bool {
        if layer >= self.layers
            || (tile.width_px, tile.height_px) != (self.width_px, self.height_px)
        {
            log::warn!(
                "tile {}x{} does not fit layer {layer} of {}x{}x{}; not uploaded",
                tile.width_px,
                tile.height_px,
                self.width_px,
                self.height_px,
                self.layers
            );
            return false;
        }
        write_rgba(
            queue,
            &self.texture,
            layer,
            &tile.rgba,
            (tile.width_px, tile.height_px),
        );
        true
    }
}

/// Writes tightly packed RGBA `pixels` of `width × height` into `layer` of `texture`.
pub(super) fn write_rgba(
    queue: &wgpu::Queue,
    texture: &wgpu::Texture,
    layer: u32,
    pixels: &[u8],
    (width, height): (u32, u32),
) {
    queue.write_texture(
        wgpu::TexelCopyTextureInfo {
            texture,
            mip_level: 0,
            origin: wgpu::Origin3d {
                x: 0,
                y: 0,
                z: layer,
            },
            aspect: wgpu::TextureAspect::All,
        },
        pixels,
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(width * 4),
            rows_per_image: Some(height),
        },
        wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
    );
}

/// Bind group 0 and what it binds.
pub(super) struct Tiles {
    pub array: TileTextures,
    /// Small stand-ins for tiles that are not resident (preview only; 1x1 when unused).
    thumbs: TileTextures,
    uniform_buffer: wgpu::Buffer,
    cell_buffer: wgpu::Buffer,
    cell_capacity: u64,
    /// The cell → layer map as last set (the rolling still copies tiles by it).
    pub cells: Vec<u32>,
    sampler: wgpu::Sampler,
    layout: wgpu::BindGroupLayout,
    pub bind_group: wgpu::BindGroup,
    /// Bumped whenever tile pixels or the cell map change.
    pub content_generation: u64,
    /// Counts every change but a tile's pixels written: storage, thumbnails, the cell map.
    /// The still recomposes whole when it changes and only the written tiles' cells otherwise.
    pub map_generation: u64,
    /// Per tile layer, `content_generation` when it was last written (the ring's cache of
    /// composed tile interiors checks it).
    pub layer_generation: Vec<u64>,
}

impl Tiles {
    /// Empty storage (one 1x1 layer), bound through `layout` (group 0).
    pub fn new(device: &wgpu::Device, layout: &wgpu::BindGroupLayout) -> Self {
        let uniform_buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("gridreel grid uniform"),
            size: std::mem::size_of::<GridUniform>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let cell_capacity = 64;
        let cell_buffer = create_cell_buffer(device, cell_capacity);
        let array = TileTextures::new(device, 1, 1, 1);
        let thumbs = TileTextures::new(device, 1, 1, 1);
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("gridreel tile sampler"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        let bind_group = create_bind_group(
            device,
            layout,
            &uniform_buffer,
            [&array.view, &thumbs.view],
            &cell_buffer,
            &sampler,
        );
        Self {
            array,
            thumbs,
            uniform_buffer,
            cell_buffer,
            cell_capacity,
            cells: Vec::new(),
            sampler,
            layout: layout.clone(),
            bind_group,
            content_generation: 0,
            map_generation: 0,
            layer_generation: Vec::new(),
        }
    }

    /// GPU bytes held by tile textures.
    pub fn bytes(&self) -> u64 {
        self.array.bytes()
    }

    /// GPU bytes held by thumbnails.
    pub fn thumb_bytes(&self) -> u64 {
        self.thumbs.bytes()
    }

    /// Makes room for `layers` tiles of `width_px × height_px`, recreating the texture array
    /// only when the size or count changes (then true: existing layer contents are lost).
    pub fn ensure_storage(
        &mut self,
        device: &wgpu::Device,
        width_px: u32,
        height_px: u32,
        layers: u32,
    ) -> bool {
        let layers = layers.max(1);
        let t = &self.array;
        if (t.width_px, t.height_px, t.layers) == (width_px, height_px, layers) {
            return false;
        }
        self.array = TileTextures::new(device, width_px, height_px, layers);
        self.rebuild_bind_group(device);
        self.content_generation += 1;
        self.map_generation += 1;
        true
    }

    /// Uploads one tile into texture layer `layer`. The tile must have the storage's size.
    pub fn write(&mut self, queue: &wgpu::Queue, layer: u32, tile: &TilePixels) {
        if self.array.write_layer(queue, layer, tile) {
            self.content_generation += 1;
            let at = layer as usize;
            if self.layer_generation.len() <= at {
                self.layer_generation.resize(at + 1, 0);
            }
            self.layer_generation[at] = self.content_generation;
        }
    }

    /// Replaces the thumbnails: layer i = `thumbs[i]` (all of one size; as many as the device
    /// allows). An empty slice frees them.
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
        self.thumbs = TileTextures::new(device, w, h, layers);
        for (layer, thumb) in (0..layers).zip(thumbs) {
            self.thumbs.write_layer(queue, layer, thumb);
        }
        self.rebuild_bind_group(device);
        self.content_generation += 1;
        self.map_generation += 1;
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
        self.map_generation += 1;
    }

    /// Writes `uniform` into the buffer group 0 binds (no allocation, no new resource).
    pub fn write_uniform(&self, queue: &wgpu::Queue, uniform: &GridUniform) {
        queue.write_buffer(&self.uniform_buffer, 0, bytemuck::bytes_of(uniform));
    }

    fn rebuild_bind_group(&mut self, device: &wgpu::Device) {
        self.bind_group = create_bind_group(
            device,
            &self.layout,
            &self.uniform_buffer,
            [&self.array.view, &self.thumbs.view],
            &self.cell_buffer,
            &self.sampler,
        );
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
