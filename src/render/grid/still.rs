//! The still: the whole grid composed once into one texture (`fs_compose`: exact texel loads
//! from the tile array), with a one-pixel background border, whenever the layout, the cell map
//! or the tile storage change; when only some tiles were written again (a clip's next frame,
//! a streamed tile arriving in the preview), only the cells showing them are composed again.
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

/// Everything the still's pixels depend on but the tiles' pixels; it is recomposed whole when
/// this changes. `patches` counts the times cells were composed again since (whatever was
/// made from the still, the export's strip, is made again then).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct StillKey {
    grid_size: [u32; 2],
    tile_size: [u32; 2],
    pitch: [u32; 2],
    cols: u32,
    cell_count: u32,
    layer_count: u32,
    background: [f32; 4],
    map_generation: u64,
    patches: u64,
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
    /// Each tile layer's generation as the still shows it.
    layers_shown: Vec<u64>,
    /// Cells composed again since the last whole composition, as counted in the key.
    patches: u64,
    /// The scissor rectangles of a patch (kept, so a patch allocates nothing).
    rects: Vec<[u32; 4]>,
}

impl Still {
    pub fn new() -> Self {
        Self {
            texture: None,
            composed: None,
            enabled: true,
            layers_shown: Vec::new(),
            patches: 0,
            rects: Vec::new(),
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
            map_generation: draw.tiles.map_generation,
            patches: self.patches,
        };
        if !self.enabled {
            return;
        }
        if self.composed == Some(key) {
            self.patch(device, queue, draw, key);
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
        self.layers_shown.clone_from(&draw.tiles.layer_generation);
    }

    /// Composes again the cells whose tiles were written since the still showed them.
    fn patch(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        draw: &Draw<'_>,
        key: StillKey,
    ) {
        let tiles = draw.tiles;
        let written = &tiles.layer_generation;
        if written.len() == self.layers_shown.len() && *written == self.layers_shown {
            return;
        }
        let Some(still) = &self.texture else {
            return;
        };
        let shown = &self.layers_shown;
        let changed = |layer: u32| {
            let at = layer as usize;
            written.get(at).is_some_and(|g| shown.get(at) != Some(g))
        };
        let [tile_w, tile_h] = key.tile_size;
        self.rects.clear();
        for (cell, &layer) in (0u32..).zip(&tiles.cells) {
            if layer < key.layer_count && changed(layer) {
                let (col, row) = (cell % key.cols.max(1), cell / key.cols.max(1));
                // Grid pixel (x, y) is still texel (x + 1, y + 1).
                self.rects.push([
                    1 + col * key.pitch[0],
                    1 + row * key.pitch[1],
                    tile_w,
                    tile_h,
                ]);
            }
        }
        self.layers_shown.clone_from(written);
        if self.rects.is_empty() {
            return;
        }
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("gridreel patch still"),
        });
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("gridreel patch still"),
                color_attachments: &[Some(super::super::overwritten(&still.view))],
                ..Default::default()
            });
            draw.begin(&mut pass, &draw.pipelines.compose);
            let size = still.texture.size();
            for &[x, y, w, h] in &self.rects {
                if x < size.width && y < size.height {
                    pass.set_scissor_rect(x, y, w.min(size.width - x), h.min(size.height - y));
                    pass.draw(0..3, 0..1);
                }
            }
        }
        queue.submit(std::iter::once(encoder.finish()));
        self.patches += 1;
        self.composed = Some(StillKey {
            patches: self.patches,
            ..key
        });
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
