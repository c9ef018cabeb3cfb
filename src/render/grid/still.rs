//! The still: the whole grid composed once into one texture (`fs_compose`: exact texel loads
//! from the tile array), with a one-pixel background border, whenever tiles or layout change.
//! Each frame is then one filtered fetch per pixel (`fs_still`), and the export's strip is
//! resampled from it. Grids too large for one texture have no still and draw from the tile
//! array instead.

use super::pipelines::{Draw, STILL_FORMAT};
use super::uniform::GridUniform;

/// Stills larger than this draw from the tile array directly instead.
const STILL_MAX_BYTES: u64 = 512 << 20;

/// A texture one pass draws into and later passes read through a bind group: the composed
/// grid image ("still", grid size plus a one-pixel border; see `shaders/grid.wgsl`) and the
/// export's strip.
pub(super) struct BoundTexture {
    pub texture: wgpu::Texture,
    pub view: wgpu::TextureView,
    pub bind_group: wgpu::BindGroup,
}

impl BoundTexture {
    /// GPU bytes held.
    pub fn bytes(&self) -> u64 {
        let size = self.texture.size();
        let texel = self.texture.format().block_copy_size(None).unwrap_or(0);
        u64::from(size.width) * u64::from(size.height) * u64::from(texel)
    }
}

/// Everything the still's pixels depend on; it is recomposed when this changes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct StillKey {
    grid_size: [u32; 2],
    tile_size: [u32; 2],
    pitch: [u32; 2],
    cols: u32,
    cell_count: u32,
    layer_count: u32,
    background: [f32; 4],
    content_generation: u64,
}

/// Whether a still of `w × h` pixels fits a texture of at most `max` pixels a side and the
/// still's byte limit.
pub(super) fn fits(w: u32, h: u32, max: u32) -> bool {
    w <= max && h <= max && u64::from(w) * u64::from(h) * 4 <= STILL_MAX_BYTES
}

/// The composed still, when there is one.
pub(super) struct Still {
    texture: Option<BoundTexture>,
    /// What the still shows, when it is current; None draws from the tile array.
    composed: Option<StillKey>,
    enabled: bool,
}

impl Still {
    pub fn new() -> Self {
        Self {
            texture: None,
            composed: None,
            enabled: true,
        }
    }

    /// Draw from the still (the default) or never (for tests and comparisons).
    pub fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
        if !enabled {
            self.composed = None;
            self.texture = None;
        }
    }

    /// The still and what it shows, when it is current.
    pub fn current(&self) -> Option<(&BoundTexture, StillKey)> {
        self.texture.as_ref().zip(self.composed)
    }

    /// What the current still shows (None: draw from the tile array).
    pub fn composed(&self) -> Option<StillKey> {
        self.composed
    }

    /// GPU bytes held (0 when drawing from the tile array).
    pub fn bytes(&self) -> u64 {
        self.texture.as_ref().map_or(0, BoundTexture::bytes)
    }

    /// Recomposes the still if the tiles or the layout in `draw` changed since it was last
    /// composed (never during playback or export, where only the grid origin moves). Leaves
    /// no still when disabled or when the grid is too large for one.
    pub fn update(&mut self, device: &wgpu::Device, queue: &wgpu::Queue, draw: &Draw<'_>) {
        let u: &GridUniform = draw.uniform;
        let key = StillKey {
            grid_size: u.grid_size,
            tile_size: u.tile_size,
            pitch: u.pitch,
            cols: u.cols,
            cell_count: u.cell_count,
            layer_count: u.layer_count,
            background: u.background,
            content_generation: draw.tiles.content_generation,
        };
        if !self.enabled || self.composed == Some(key) {
            return;
        }
        let (w, h) = (key.grid_size[0] + 2, key.grid_size[1] + 2);
        if !fits(w, h, device.limits().max_texture_dimension_2d) {
            self.composed = None;
            self.texture = None;
            return;
        }
        let fits = self.texture.as_ref().is_some_and(|s| {
            let size = s.texture.size();
            (size.width, size.height) == (w, h)
        });
        if !fits {
            self.texture = None; // free the old one before allocating the new one
            self.texture = Some(bound_target(
                device,
                "gridreel still",
                (w, h),
                STILL_FORMAT,
                (&draw.pipelines.layouts.still, 0),
            ));
        }
        let Some(still) = &self.texture else {
            return;
        };
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("gridreel compose still"),
        });
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("gridreel compose still"),
                color_attachments: &[Some(super::super::cleared(&still.view))],
                ..Default::default()
            });
            draw.begin(&mut pass, &draw.pipelines.compose);
            pass.draw(0..3, 0..1);
        }
        queue.submit(std::iter::once(encoder.finish()));
        self.composed = Some(key);
    }
}

/// A texture drawn into once and then read by a later pass through `binding` of `layout`.
pub(super) fn bound_target(
    device: &wgpu::Device,
    label: &str,
    size: (u32, u32),
    format: wgpu::TextureFormat,
    (layout, binding): (&wgpu::BindGroupLayout, u32),
) -> BoundTexture {
    let usage = wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::RENDER_ATTACHMENT;
    let texture = super::super::texture_2d(device, label, size, format, usage);
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
