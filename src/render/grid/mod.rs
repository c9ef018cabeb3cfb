//! `GridRenderer`: the one way gridreel draws a frame, for the live preview and for export.
//!
//! GPU resources are created once; `set_tiles`/`set_cells` replace them only when the photo
//! set or tile size changes. When tiles or layout change, `prepare` composes the grid image
//! once into a "still" texture; per frame, it writes one small uniform into an existing buffer
//! and `paint` binds and draws a single triangle that samples the still once per pixel.
//!
//! This file is the façade; each part owns its state in a file of its own:
//! `uniform.rs` (the per-frame parameters), `pipelines.rs` (pipelines, layouts, formats),
//! `tiles.rs` (tile and thumbnail arrays, the cell map: bind group 0), `still.rs` (the
//! composed still), `strip.rs` (the export's YUV strip) with `lanes.rs` (its band tables),
//! `ring.rs` (the rolling still) with `ring_textures.rs` (its textures) and `strip_cache.rs`
//! (its cache of tile interiors).

mod lanes;
mod pipelines;
mod ring;
mod ring_frame;
mod ring_textures;
mod stale_rows;
mod still;
mod strip;
mod strip_cache;
mod tiles;
mod uniform;

use std::borrow::Borrow;

use crate::layout::Layout;
use crate::photos::TilePixels;

pub use pipelines::{YUV_BLOCK, YUV_BLOCK_CHROMA_FORMAT, YUV_BLOCK_LUMA_FORMAT};
pub(super) use strip::strip_width;
pub use tiles::{NO_LAYER, THUMB_FLAG};
pub use uniform::{GridUniform, MOTION_BANDS, MOTION_LOOP, MOTION_VERTICAL, Viewport};

use pipelines::{Draw, Pipelines};
use ring::Ring;
use still::Still;
use strip::Strip;
use tiles::Tiles;

pub struct GridRenderer {
    pipelines: Pipelines,
    /// Tiles, thumbnails, the cell map and the uniform buffer: bind group 0.
    tiles: Tiles,
    still: Still,
    /// Only exports make one (see [`GridRenderer::prepare_yuv`]).
    strip: Option<Strip>,
    /// The rolling still of an export without a whole-grid still.
    ring: Option<Ring>,
    /// Bytes the ring may spend on keeping composed tile interiors (0: none).
    strip_cache_limit: u64,
    target_format: wgpu::TextureFormat,
    /// The frame's parameters as last written into the uniform buffer.
    uniform: GridUniform,
}

impl GridRenderer {
    /// Builds the pipeline for targets of `target_format` and empty tile storage.
    #[must_use]
    pub fn new(device: &wgpu::Device, target_format: wgpu::TextureFormat) -> Self {
        let pipelines = Pipelines::new(device, target_format);
        let tiles = Tiles::new(device, &pipelines.layouts.grid);
        Self {
            pipelines,
            tiles,
            still: Still::new(),
            strip: None,
            ring: None,
            strip_cache_limit: 0,
            target_format,
            uniform: GridUniform::default(),
        }
    }

    /// Number of resident texture layers.
    #[must_use]
    pub fn layer_count(&self) -> u32 {
        self.tiles.array.layers
    }

    /// GPU bytes held by tile textures.
    #[must_use]
    pub fn tile_bytes(&self) -> u64 {
        self.tiles.bytes()
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
        if self
            .tiles
            .ensure_storage(device, width_px, height_px, layers)
        {
            self.ring = None; // its copies came from the old tiles
        }
    }

    /// Uploads one tile into texture layer `layer`. The tile must have the storage's size.
    pub fn write_tile(&mut self, queue: &wgpu::Queue, layer: u32, tile: &TilePixels) {
        self.tiles.write(queue, layer, tile);
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
        self.tiles.set_thumbnails(device, queue, thumbs);
    }

    /// GPU bytes held by thumbnails.
    #[must_use]
    pub fn thumb_bytes(&self) -> u64 {
        self.tiles.thumb_bytes()
    }

    /// Bytes a still for `layout` takes (with the strip an export adds to it when `export`,
    /// and the strip's CPU copy of the same size, `host_strip.rs`), or None when the grid is
    /// too large for one and the renderer draws from the tile array.
    #[must_use]
    pub fn still_bytes_for(device: &wgpu::Device, layout: &Layout, export: bool) -> Option<u64> {
        let (w, h) = (layout.grid_w_px + 2, layout.grid_h_px + 2);
        let bytes = u64::from(w) * u64::from(h) * 4;
        let strip = if export {
            2 * strip::bytes_for(layout, (w, h))
        } else {
            0
        };
        still::fits(w, h, device.limits().max_texture_dimension_2d).then_some(bytes + strip)
    }

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

    /// The texture layer grid cell `cell` shows (`NO_LAYER`, or a thumbnail with
    /// [`THUMB_FLAG`], when no tile is resident for it).
    #[must_use]
    pub fn cell_layer(&self, cell: usize) -> u32 {
        self.tiles.cells.get(cell).copied().unwrap_or(NO_LAYER)
    }

    /// A count that changes whenever tile `layer` is written (None: never written).
    #[must_use]
    pub fn layer_generation(&self, layer: u32) -> Option<u64> {
        self.tiles.layer_generation.get(layer as usize).copied()
    }

    /// Sets which texture layer each grid cell shows (row-major; `NO_LAYER` = background).
    pub fn set_cells(&mut self, device: &wgpu::Device, queue: &wgpu::Queue, cell_layers: &[u32]) {
        self.tiles.set_cells(device, queue, cell_layers);
    }

    /// Writes this frame's parameters into the uniform buffer (no allocation, no new resource),
    /// and recomposes the still first if the tiles or the layout changed since the last frame
    /// (never during playback or export, where only the grid origin moves).
    pub fn prepare(&mut self, device: &wgpu::Device, queue: &wgpu::Queue, uniform: &GridUniform) {
        let mut uniform = *uniform;
        uniform.layer_count = self.tiles.array.layers;
        uniform.srgb_target = u32::from(self.target_format.is_srgb());
        if uniform != self.uniform {
            self.uniform = uniform;
            self.tiles.write_uniform(queue, &self.uniform);
        }
        let draw = Draw {
            pipelines: &self.pipelines,
            tiles: &self.tiles,
            uniform: &self.uniform,
        };
        self.still.update(device, queue, &draw);
        if self.still.composed().is_none() {
            self.strip = None; // no strip outlives the still it was composed from
        }
    }

    /// Draws the frame into the pass's current viewport.
    pub fn paint(&self, pass: &mut wgpu::RenderPass<'_>) {
        let (draw, p) = (self.draw(), &self.pipelines);
        let banded = self.uniform.banded();
        if let Some((still, _)) = self.still.current() {
            draw.begin(pass, if banded { &p.still_banded } else { &p.still });
            pass.set_bind_group(1, &still.bind_group, &[]);
        } else {
            let pipeline = if banded {
                &p.tile_array_banded
            } else {
                &p.tile_array
            };
            draw.begin(pass, pipeline);
        }
        pass.draw(0..3, 0..1);
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
        let still = self.still.current();
        let draw = Draw {
            pipelines: &self.pipelines,
            tiles: &self.tiles,
            uniform: &self.uniform,
        };
        if Ring::applies(draw.uniform, still.is_some()) {
            let cache_bytes = self.strip_cache_limit;
            let ring = Ring::prepare(
                &mut self.ring,
                (device, queue),
                &draw,
                cache_bytes,
                frame_height_px,
            );
            let Some(uniform) = ring else {
                return false;
            };
            self.uniform = uniform;
            return true;
        }
        let Some(still) = still else {
            return false;
        };
        Strip::prepare(
            &mut self.strip,
            (device, queue),
            &draw,
            still,
            frame_height_px,
        )
    }

    /// Draws the frame as YUV 4:2:0 in 8x2 blocks from the strip made by `prepare_yuv`, into
    /// targets of [`YUV_BLOCK_LUMA_FORMAT`] and [`YUV_BLOCK_CHROMA_FORMAT`], an eighth of the
    /// frame's width and half its height (the width must be a multiple of 8). False, drawing
    /// nothing, without a current strip.
    pub fn paint_yuv_blocks(&self, pass: &mut wgpu::RenderPass<'_>) -> bool {
        let draw = self.draw();
        if self.uniform.ring_addressed() {
            let Some(ring) = &self.ring else {
                return false;
            };
            ring.paint_yuv_blocks(&draw, pass);
            return true;
        }
        let Some(strip) = &self.strip else {
            return false;
        };
        strip.paint_yuv_blocks(&draw, self.still.composed(), pass)
    }

    /// The strip the next frame is drawn from, when it is a plain one (see `Strip::plain`):
    /// its texture, its composition number and the grid's horizontal position this frame.
    /// After [`GridRenderer::prepare_yuv`].
    #[must_use]
    pub fn plain_strip(&self) -> Option<(&wgpu::Texture, u64, f32)> {
        if self.uniform.ring_addressed() {
            return None;
        }
        let (texture, generation) = self
            .strip
            .as_ref()?
            .plain(&self.uniform, self.still.composed())?;
        Some((texture, generation, self.uniform.grid_origin[0]))
    }

    /// The rolling still's strip when the next frame is drawn from it: its texture, and the
    /// strip texel the frame's blocks read from on (`ring_anchor`) with the slot holding it,
    /// and the grid's horizontal position. After [`GridRenderer::prepare_yuv`].
    #[must_use]
    pub fn ring_strip(&self) -> Option<(&wgpu::Texture, (i64, u32), f32)> {
        let u = &self.uniform;
        if !u.ring_addressed() {
            return None;
        }
        let ring = self.ring.as_ref()?;
        let slot = u32::try_from(u.ring_anchor_slot).ok()?;
        Some((
            ring.strip_texture(),
            (i64::from(u.ring_anchor), slot),
            u.grid_origin[0],
        ))
    }

    /// Draw from the composed still (the default) or always from the tile array (for tests and
    /// comparisons; both give the same pixels).
    pub fn set_still_enabled(&mut self, enabled: bool) {
        self.still.set_enabled(enabled);
        if !enabled {
            self.strip = None;
        }
    }

    /// Whether the last `prepare` left the renderer drawing from the still.
    #[must_use]
    pub fn draws_from_still(&self) -> bool {
        self.still.composed().is_some()
    }

    /// GPU bytes held by the composed still and the export's strip (0 when drawing from the
    /// tile array).
    #[must_use]
    pub fn still_bytes(&self) -> u64 {
        self.still.bytes() + self.strip.as_ref().map_or(0, Strip::bytes)
    }

    /// Strip texels (texel columns × rows) the current rolling still has copied from its
    /// cache of tile interiors, and composed with the shader, so far.
    #[must_use]
    pub fn strip_cache_use(&self) -> (u64, u64) {
        self.ring.as_ref().map_or((0, 0), Ring::cache_use)
    }

    /// What a pass binds besides its own textures.
    fn draw(&self) -> Draw<'_> {
        Draw {
            pipelines: &self.pipelines,
            tiles: &self.tiles,
            uniform: &self.uniform,
        }
    }
}
