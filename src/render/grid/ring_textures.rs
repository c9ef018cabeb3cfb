//! The rolling still's textures (see `ring.rs`): the ring still, a window onto the grid that
//! tiles are copied into (whole, or only their edges where the strip cache holds the
//! interior), the ring strip composed from it, and a tile-sized background tile for cells
//! without a photo. Made, filled and cleared once per ring.

use super::pipelines::{Layouts, STILL_FORMAT, STRIP_FORMAT};
use super::strip::strip_bind_group;
use super::tiles::write_rgba;

/// Pixels of a tile the shader may read when its interior comes from the cache: texels at a
/// tile's side read at most 4 of its columns, strip rows at its top or bottom at most 2 of its
/// rows. Bands of 8 columns and 4 rows cover that with room to spare.
const EDGE_COLUMNS: u32 = 8;
const EDGE_ROWS: u32 = 4;

pub(super) struct RingTextures {
    still: wgpu::Texture,
    pub still_bind_group: wgpu::BindGroup,
    pub strip: wgpu::Texture,
    pub strip_view: wgpu::TextureView,
    pub strip_bind_group: wgpu::BindGroup,
    /// Tile-sized, all background: copied where a cell has no tile.
    background: wgpu::Texture,
}

impl RingTextures {
    /// A ring still of `still_px`, its strip (a texel per 4 still columns, `strip_rows`
    /// tall), and a background tile of `tile_size`: all of it background.
    pub fn new(
        gpu: (&wgpu::Device, &wgpu::Queue),
        layouts: &Layouts,
        still_px: (u32, u32),
        strip_rows: u32,
        (tile_size, background): ([u32; 2], [f32; 4]),
    ) -> Self {
        let (device, _) = gpu;
        let usage = wgpu::TextureUsages::TEXTURE_BINDING
            | wgpu::TextureUsages::RENDER_ATTACHMENT
            | wgpu::TextureUsages::COPY_DST;
        let still =
            super::super::texture_2d(device, "gridreel ring still", still_px, STILL_FORMAT, usage);
        let still_view = still.create_view(&wgpu::TextureViewDescriptor::default());
        let still_bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("gridreel ring still"),
            layout: &layouts.still,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::TextureView(&still_view),
            }],
        });
        let strip = super::super::texture_2d(
            device,
            "gridreel ring strip",
            (still_px.0 / 4, strip_rows),
            STRIP_FORMAT,
            wgpu::TextureUsages::TEXTURE_BINDING
                | wgpu::TextureUsages::RENDER_ATTACHMENT
                // The strip cache copies texels out and back.
                | wgpu::TextureUsages::COPY_SRC
                | wgpu::TextureUsages::COPY_DST,
        );
        let strip_view = strip.create_view(&wgpu::TextureViewDescriptor::default());
        let strip_bind_group = strip_bind_group(device, &layouts.strip, &still_view, &strip_view);
        let background_tile = background_tile(gpu, tile_size, background);
        clear(gpu, &still_view, background);
        Self {
            still,
            still_bind_group,
            strip,
            strip_view,
            strip_bind_group,
            background: background_tile,
        }
    }

    /// Copies tile `layer` of `tiles` (or the background tile for `u32::MAX`) into the ring
    /// still at `to`: all of it, or only its edge bands.
    pub fn copy_tile(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        (tiles, layer): (&wgpu::Texture, u32),
        to: [u32; 2],
        edges_only: bool,
    ) {
        let (source, source_layer) = match layer {
            u32::MAX => (&self.background, 0),
            l => (tiles, l),
        };
        let (w, h) = (self.background.width(), self.background.height());
        let whole = [[0, 0, w, h]; 1];
        let (e, f) = (EDGE_COLUMNS, EDGE_ROWS);
        let bands = [
            [0, 0, e, h],
            [w - e, 0, e, h],
            [e, 0, w - 2 * e, f],
            [e, h - f, w - 2 * e, f],
        ];
        let rects: &[[u32; 4]] = if edges_only && w > 2 * e && h > 2 * f {
            &bands
        } else {
            &whole
        };
        for &[x, y, width, height] in rects {
            super::super::copy_rect(
                encoder,
                (source, [x, y, source_layer]),
                (&self.still, [to[0] + x, to[1] + y, 0]),
                (width, height),
            );
        }
    }
}

/// The background tile: `tile_size`, filled with the background colour.
fn background_tile(
    (device, queue): (&wgpu::Device, &wgpu::Queue),
    [tw, th]: [u32; 2],
    background: [f32; 4],
) -> wgpu::Texture {
    let texture = super::super::texture_2d(
        device,
        "gridreel ring background tile",
        (tw, th),
        STILL_FORMAT,
        wgpu::TextureUsages::COPY_SRC | wgpu::TextureUsages::COPY_DST,
    );
    let bg = background.map(|c| (c * 255.0).round() as u8);
    let pixels: Vec<u8> = std::iter::repeat_n([bg[0], bg[1], bg[2], 255], (tw * th) as usize)
        .flatten()
        .collect();
    write_rgba(queue, &texture, 0, &pixels, (tw, th));
    texture
}

/// Clears the ring still to the background: gaps and borders are background from this clear
/// on; tiles only ever cover tiles.
fn clear(
    (device, queue): (&wgpu::Device, &wgpu::Queue),
    still: &wgpu::TextureView,
    background: [f32; 4],
) {
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
        label: Some("gridreel ring clear"),
    });
    {
        let [r, g, b, _] = background.map(f64::from);
        let color = wgpu::Color { r, g, b, a: 1.0 };
        let _pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("gridreel ring clear"),
            color_attachments: &[Some(super::super::cleared_to(still, color))],
            ..Default::default()
        });
    }
    queue.submit(std::iter::once(encoder.finish()));
}
