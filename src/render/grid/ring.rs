//! The rolling still: how an export draws a grid that moves as one, sideways, when there is
//! no still of the whole grid (a marquee too wide for one texture, or tiles streaming).
//!
//! The ring still is a window onto the grid a frame plus a few tile columns wide, whose width
//! is a whole number of column pitches: grid column g lives at ring column g mod R, each tile
//! always lands on the same slot, and the gaps stay background from the first clear. A tile
//! column is copied in from the tile array (a texture copy, no shader) when the frame first
//! needs it, and again if its cells' layers change (a streamed tile arriving). The strip
//! (see `fs_compose_strip`) is a ring too: texel k lives at k mod T, and only texels the
//! frame needs that are not composed yet, or whose columns were copied again, are composed.
//! Every texel holds what the strip of a whole-grid still would hold, so the frames are the
//! same bytes.

// Ring sizes are a frame plus a few tiles wide, far inside i64 and i32.
#![allow(clippy::cast_possible_wrap)]

use super::strip_cache::{self, Geometry, Pending, StripCache};
use super::{
    GridRenderer, MOTION_BANDS, MOTION_LOOP, MOTION_RING, MOTION_VERTICAL, STILL_FORMAT,
    STRIP_FORMAT, YUV_BLOCK, strip_bind_group,
};

/// Everything the ring's contents depend on besides the tiles.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct RingKey {
    grid_size: [u32; 2],
    tile_size: [u32; 2],
    pitch: [u32; 2],
    cols: u32,
    cell_count: u32,
    background: [f32; 4],
    frame_size: [u32; 2],
    origin_y_bits: u32,
}

pub(super) struct Ring {
    key: RingKey,
    still: wgpu::Texture,
    still_bind_group: wgpu::BindGroup,
    strip: wgpu::Texture,
    strip_view: wgpu::TextureView,
    strip_bind_group: wgpu::BindGroup,
    /// Tile-sized, all background: copied where a cell has no tile.
    background: wgpu::Texture,
    /// Ring width in pixels: `slots` pitches, a multiple of 4.
    width_px: u32,
    slots: u32,
    /// Per slot, the grid tile column it holds (`None`: nothing yet).
    slot_column: Vec<Option<i64>>,
    /// Per slot and row, the layer each tile was copied from.
    slot_layers: Vec<u32>,
    /// Per strip texel slot, the strip texel it holds composed.
    texel: Vec<Option<i64>>,
    /// Interior texels of photos shown more than once (see `strip_cache`).
    cache: Option<(Geometry, StripCache)>,
    /// This frame's scissor rectangles to compose and copies from the cache, kept between
    /// frames so that a frame allocates nothing.
    rects: Vec<[u32; 4]>,
    copies: Vec<CopyIn>,
    /// Per slot and row, whether only the tile's edges were copied into the still (its
    /// interior comes from the cache), and cells that need the rest after all.
    edges_only: Vec<bool>,
    full_copies: Vec<(u32, u32, u32)>,
    /// Strip texels (texel columns × rows) copied from the cache and composed, so far.
    copied: u64,
    composed: u64,
}

/// A cache entry's texels into the ring strip.
#[derive(Clone, Copy, Debug)]
struct CopyIn {
    entry: u32,
    from: [u32; 2],
    to: [u32; 2],
    size: [u32; 2],
}

/// (width in pixels, slots): room for every column a frame's strip texels read, with a tile
/// column to spare, in whole pitches, a multiple of 4 pixels.
fn ring_width(frame_w: u32, pitch: u32) -> (u32, u32) {
    let pitch = pitch.max(1);
    let mut slots = (frame_w + 40).div_ceil(pitch) + 2;
    while !(slots * pitch).is_multiple_of(4) {
        slots += 1;
    }
    (slots * pitch, slots)
}

/// The layer of the cell in grid tile column `n`, row `r` (`u32::MAX` for background:
/// outside the grid, no photo, or no resident tile).
fn cell_layer(u: &super::GridUniform, cells: &[u32], layers: u32, n: i64, r: i64) -> u32 {
    let cols = i64::from(u.cols);
    if n < 0 || n >= cols {
        return u32::MAX;
    }
    let index = r * cols + n;
    if index >= i64::from(u.cell_count) {
        return u32::MAX;
    }
    match usize::try_from(index).ok().and_then(|i| cells.get(i)) {
        Some(&layer) if layer < layers => layer,
        _ => u32::MAX,
    }
}

fn floor_div(a: i64, b: i64) -> i64 {
    a.div_euclid(b)
}

impl GridRenderer {
    /// Whether this frame can be drawn through the ring: it moves as one, sideways, with no
    /// loop, and there is no whole-grid still.
    pub(super) fn ring_applies(&self) -> bool {
        let flags = self.uniform.motion_flags;
        self.composed.is_none()
            && flags & (MOTION_BANDS | MOTION_VERTICAL | MOTION_LOOP) == 0
            && (self.uniform.frame_size[0] as u32).is_multiple_of(YUV_BLOCK.0)
    }

    /// Brings the ring up to date for this frame (copies and strip texels it lacks) and
    /// leaves the uniform marked for ring addressing. False when the frame is too large
    /// for one.
    pub(super) fn prepare_ring(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        frame_height_px: u32,
    ) -> bool {
        let u = self.uniform;
        let [frame_w, frame_h] = u.frame_size.map(|v| v as u32);
        let key = RingKey {
            grid_size: u.grid_size,
            tile_size: u.tile_size,
            pitch: u.pitch,
            cols: u.cols,
            cell_count: u.cell_count,
            background: u.background,
            frame_size: [frame_w, frame_h.min(frame_height_px)],
            origin_y_bits: u.grid_origin[1].to_bits(),
        };
        if self.ring.as_ref().is_none_or(|r| r.key != key) {
            self.ring = None; // free the old one first
            let (width, slots) = ring_width(frame_w, u.pitch[0]);
            let max = device.limits().max_texture_dimension_2d;
            if width > max || u.grid_size[1] + 2 > max || frame_height_px / 2 > max {
                return false;
            }
            self.ring = Some(self.create_ring(device, queue, key, (width, slots), frame_height_px));
        }
        let Some(ring) = &mut self.ring else {
            return false;
        };
        // The strip texels this frame's blocks read (see `fs_strip_yuv`): k = c >> 2 and the
        // two after, for c = floor(8i + 1 - origin) + 4 over the blocks i.
        let origin = f64::from(u.grid_origin[0]);
        let blocks = i64::from(frame_w / YUV_BLOCK.0);
        let c_first = (1.0 - origin).floor() as i64 + 4;
        let c_last = (8.0 * (blocks - 1) as f64 + 1.0 - origin).floor() as i64 + 4;
        let (k_first, k_last) = (c_first >> 2, (c_last >> 2) + 2);
        // Texel k reads grid columns 4k - 5 .. 4k - 1: the tile columns to have.
        let pitch = i64::from(u.pitch[0]);
        let (n_first, n_last) = (
            floor_div(4 * k_first - 5, pitch),
            floor_div(4 * k_last - 1, pitch),
        );
        let texels = ring.texel.len() as i64;
        let rows = i64::from(u.grid_size[1].div_ceil(u.pitch[1]).max(1));
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("gridreel ring"),
        });
        for n in n_first..=n_last {
            let slot = n.rem_euclid(i64::from(ring.slots)) as usize;
            let mut changed = ring.slot_column[slot] != Some(n);
            for r in 0..rows {
                let layer = cell_layer(&u, &self.cells, self.tiles.layers, n, r);
                let at = slot * rows as usize + r as usize;
                if ring.slot_layers[at] != layer {
                    changed = true;
                }
            }
            if !changed {
                continue;
            }
            for r in 0..rows {
                let layer = cell_layer(&u, &self.cells, self.tiles.layers, n, r);
                let at = slot * rows as usize + r as usize;
                ring.slot_layers[at] = layer;
                // A cell whose interior the cache holds needs only its edges in the still:
                // they are all the shader reads of it (see `copy_tile`).
                let generation = self.layer_generation.get(layer as usize).copied();
                let edges_only = ring.cache.as_ref().is_some_and(|(geometry, cache)| {
                    let (lo, hi) = geometry.visible_rows(r);
                    let (row0, _) = geometry.rows(r);
                    let phase = geometry.phase(n, r);
                    lo <= hi
                        && generation.is_some_and(|g| {
                            cache
                                .lookup(layer, g, phase, (lo - row0, hi - row0))
                                .is_some()
                        })
                });
                ring.edges_only[at] = edges_only;
                let to = [slot as u32 * u.pitch[0], 1 + r as u32 * u.pitch[1]];
                copy_tile(
                    &mut encoder,
                    (&self.tiles.texture, ring, layer),
                    to,
                    edges_only,
                );
            }
            ring.slot_column[slot] = Some(n);
            // Texels reading this column's pixels n·p .. n·p + p - 1 are stale now.
            let (g0, g1) = (n * pitch, n * pitch + pitch - 1);
            for k in floor_div(g0 + 4, 4)..=floor_div(g1 + 5, 4) {
                ring.texel[k.rem_euclid(texels) as usize] = None;
            }
        }
        // Compose the needed texels that are not current, in runs of ring slots; where the
        // cache holds a run's tile interiors, copy those instead.
        let mut uniform = self.uniform;
        uniform.motion_flags |= MOTION_RING;
        uniform.ring_anchor = k_first as i32;
        uniform.ring_width_px = ring.width_px;
        uniform.ring_anchor_slot = k_first.rem_euclid(texels) as i32;
        uniform.ring_anchor_column = (4 * k_first - 5).rem_euclid(i64::from(ring.width_px)) as i32;
        queue.write_buffer(&self.uniform_buffer, 0, bytemuck::bytes_of(&uniform));
        let frame = FrameCells {
            uniform: &u,
            cells: &self.cells,
            layers: self.tiles.layers,
            generations: &self.layer_generation,
            rows,
        };
        ring.rects.clear();
        ring.copies.clear();
        let mut k = k_first;
        while k <= k_last {
            if ring.texel[k.rem_euclid(texels) as usize] == Some(k) {
                k += 1;
                continue;
            }
            // A run of stale texels that does not wrap around the ring's end.
            let start = k;
            while k <= k_last
                && ring.texel[k.rem_euclid(texels) as usize] != Some(k)
                && (k == start || k.rem_euclid(texels) != 0)
            {
                ring.texel[k.rem_euclid(texels) as usize] = Some(k);
                k += 1;
            }
            ring.plan_run((start, k), frame_height_px / 2, &frame);
        }
        // Cells copied edges only whose interior the cache no longer holds: all of them.
        for i in 0..ring.full_copies.len() {
            let (slot, r, layer) = ring.full_copies[i];
            let to = [slot * u.pitch[0], 1 + r * u.pitch[1]];
            copy_tile(&mut encoder, (&self.tiles.texture, ring, layer), to, false);
        }
        ring.full_copies.clear();
        if let Some((_, cache)) = &ring.cache {
            for c in &ring.copies {
                ring.copied += u64::from(c.size[0]) * u64::from(c.size[1]);
                strip_cache::copy(
                    &mut encoder,
                    (&cache.texture, [c.from[0], c.from[1], c.entry]),
                    (&ring.strip, [c.to[0], c.to[1], 0]),
                    (c.size[0], c.size[1]),
                );
            }
        }
        if !ring.rects.is_empty() {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("gridreel ring strip"),
                color_attachments: &[Some(super::super::overwritten(&ring.strip_view))],
                ..Default::default()
            });
            pass.set_pipeline(&self.strip_compose_pipeline);
            pass.set_bind_group(0, &self.bind_group, &[]);
            pass.set_bind_group(1, &ring.still_bind_group, &[]);
            for &[x, y, w, h] in &ring.rects {
                ring.composed += u64::from(w) * u64::from(h);
                pass.set_scissor_rect(x, y, w, h);
                pass.draw(0..3, 0..1);
            }
        }
        ring.fill_cache(&mut encoder, &frame);
        queue.submit(std::iter::once(encoder.finish()));
        self.uniform = uniform;
        true
    }

    fn create_ring(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        key: RingKey,
        (width_px, slots): (u32, u32),
        frame_height_px: u32,
    ) -> Ring {
        let usage = wgpu::TextureUsages::TEXTURE_BINDING
            | wgpu::TextureUsages::RENDER_ATTACHMENT
            | wgpu::TextureUsages::COPY_DST;
        let still = super::super::texture_2d(
            device,
            "gridreel ring still",
            (width_px, key.grid_size[1] + 2),
            STILL_FORMAT,
            usage,
        );
        let still_view = still.create_view(&wgpu::TextureViewDescriptor::default());
        let still_bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("gridreel ring still"),
            layout: &self.still_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::TextureView(&still_view),
            }],
        });
        let strip = super::super::texture_2d(
            device,
            "gridreel ring strip",
            (width_px / 4, frame_height_px / 2),
            STRIP_FORMAT,
            wgpu::TextureUsages::TEXTURE_BINDING
                | wgpu::TextureUsages::RENDER_ATTACHMENT
                // The strip cache copies texels out and back.
                | wgpu::TextureUsages::COPY_SRC
                | wgpu::TextureUsages::COPY_DST,
        );
        let strip_view = strip.create_view(&wgpu::TextureViewDescriptor::default());
        let strip_bind_group =
            strip_bind_group(device, &self.strip_layout, &still_view, &strip_view);
        let [tw, th] = key.tile_size;
        let background = super::super::texture_2d(
            device,
            "gridreel ring background tile",
            (tw, th),
            STILL_FORMAT,
            wgpu::TextureUsages::COPY_SRC | wgpu::TextureUsages::COPY_DST,
        );
        let bg = key.background.map(|c| (c * 255.0).round() as u8);
        let pixels: Vec<u8> = std::iter::repeat_n([bg[0], bg[1], bg[2], 255], (tw * th) as usize)
            .flatten()
            .collect();
        queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &background,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            &pixels,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(tw * 4),
                rows_per_image: Some(th),
            },
            wgpu::Extent3d {
                width: tw,
                height: th,
                depth_or_array_layers: 1,
            },
        );
        // Gaps and borders are background from this clear on; tiles only ever cover tiles.
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("gridreel ring clear"),
        });
        {
            let [r, g, b, _] = key.background.map(f64::from);
            let _pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("gridreel ring clear"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &still_view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color { r, g, b, a: 1.0 }),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                ..Default::default()
            });
        }
        queue.submit(std::iter::once(encoder.finish()));
        let rows = key.grid_size[1].div_ceil(key.pitch[1]).max(1) as usize;
        // A photo in more than one cell (more cells than tile layers, all resident): keep
        // tile interiors, within the budget the export has to spare.
        let repeats = key.cell_count > self.tiles.layers;
        let cache = if repeats && self.strip_cache_limit > 0 {
            Geometry::new(&self.uniform, frame_height_px / 2).and_then(|geometry| {
                StripCache::new(device, &geometry, self.tiles.layers, self.strip_cache_limit)
                    .map(|cache| (geometry, cache))
            })
        } else {
            None
        };
        Ring {
            key,
            still,
            still_bind_group,
            strip,
            strip_view,
            strip_bind_group,
            background,
            width_px,
            slots,
            slot_column: vec![None; slots as usize],
            slot_layers: vec![u32::MAX - 1; slots as usize * rows],
            texel: vec![None; (width_px / 4) as usize],
            cache,
            rects: Vec::new(),
            copies: Vec::new(),
            edges_only: vec![false; slots as usize * rows],
            full_copies: Vec::new(),
            copied: 0,
            composed: 0,
        }
    }

    /// Strip texels (texel columns × rows) the current rolling still has copied from its
    /// cache of tile interiors, and composed with the shader, so far.
    #[must_use]
    pub fn strip_cache_use(&self) -> (u64, u64) {
        self.ring
            .as_ref()
            .map_or((0, 0), |r| (r.copied, r.composed))
    }

    /// Binds the ring strip for `fs_strip_yuv` (after [`GridRenderer::prepare_ring`]).
    pub(super) fn ring_strip_bind_group(&self) -> Option<&wgpu::BindGroup> {
        self.ring.as_ref().map(|r| &r.strip_bind_group)
    }
}

/// What the ring reads of the renderer's cell map for one frame.
struct FrameCells<'a> {
    uniform: &'a super::GridUniform,
    cells: &'a [u32],
    layers: u32,
    generations: &'a [u64],
    rows: i64,
}

impl FrameCells<'_> {
    fn layer(&self, n: i64, r: i64) -> u32 {
        cell_layer(self.uniform, self.cells, self.layers, n, r)
    }

    fn generation(&self, layer: u32) -> u64 {
        self.generations
            .get(layer as usize)
            .copied()
            .unwrap_or(u64::MAX)
    }
}

impl Ring {
    /// Plans the stale texels `start..end` (one run, not wrapping around the ring's end):
    /// copies from the cache for the tile interiors it holds, scissor rectangles
    /// (`height` strip rows tall at most) for the shader to compose the rest.
    fn plan_run(&mut self, (start, end): (i64, i64), height: u32, frame: &FrameCells<'_>) {
        let texels = self.texel.len() as i64;
        let Some((geometry, cache)) = &mut self.cache else {
            let x = start.rem_euclid(texels) as u32;
            self.rects.push([x, 0, (end - start) as u32, height]);
            return;
        };
        let mut s = start;
        while s < end {
            // The texels from s on that read one and the same tile column (or none).
            let owner = geometry.owner(s);
            let mut e = s + 1;
            while e < end && geometry.owner(e) == owner {
                e += 1;
            }
            let (x, w) = (s.rem_euclid(texels) as u32, (e - s) as u32);
            let mut next_row = 0u32;
            if let Some(n) = owner {
                let (first_texel, _) = geometry.texels(n);
                for r in 0..frame.rows {
                    let (lo, hi) = geometry.visible_rows(r);
                    let layer = frame.layer(n, r);
                    if lo > hi {
                        continue;
                    }
                    let (row0, _) = geometry.rows(r);
                    let rows = (lo - row0, hi - row0);
                    let phase = geometry.phase(n, r);
                    let generation = frame.generation(layer);
                    let Some(entry) = cache.lookup(layer, generation, phase, rows) else {
                        let slot = n.rem_euclid(i64::from(self.slots)) as u32;
                        let at = slot as usize * frame.rows as usize + r as usize;
                        if self.edges_only[at] {
                            self.edges_only[at] = false;
                            self.full_copies.push((slot, r as u32, layer));
                        }
                        if cache.reserve(layer, phase).is_none() {
                            continue; // not a tile, or the cache is full
                        }
                        let p = Pending {
                            column: n,
                            row: r,
                            layer,
                        };
                        if !cache.pending.contains(&p) {
                            cache.pending.push(p);
                        }
                        continue;
                    };
                    let (lo, hi) = (lo as u32, hi as u32);
                    if next_row < lo {
                        self.rects.push([x, next_row, w, lo - next_row]);
                    }
                    self.copies.push(CopyIn {
                        entry,
                        from: [(s - first_texel) as u32, rows.0 as u32],
                        to: [x, lo],
                        size: [w, hi - lo + 1],
                    });
                    next_row = hi + 1;
                }
            }
            if next_row < height {
                self.rects.push([x, next_row, w, height - next_row]);
            }
            s = e;
        }
    }

    /// Keeps in the cache the interiors of cells composed by the shader once all their
    /// texels are current; forgets cells that left the ring.
    fn fill_cache(&mut self, encoder: &mut wgpu::CommandEncoder, frame: &FrameCells<'_>) {
        let Self {
            cache,
            texel,
            slot_column,
            slot_layers,
            strip,
            slots,
            ..
        } = self;
        let Some((geometry, cache)) = cache else {
            return;
        };
        let texels = texel.len() as i64;
        let rows = frame.rows as usize;
        let mut pending = std::mem::take(&mut cache.pending);
        pending.retain(|p| {
            let slot = p.column.rem_euclid(i64::from(*slots)) as usize;
            if slot_column[slot] != Some(p.column)
                || slot_layers[slot * rows + p.row as usize] != p.layer
            {
                return false;
            }
            let (first, last) = geometry.texels(p.column);
            if !(first..=last).all(|k| texel[k.rem_euclid(texels) as usize] == Some(k)) {
                return true; // not all composed yet
            }
            let (lo, hi) = geometry.visible_rows(p.row);
            let (row0, _) = geometry.rows(p.row);
            let entry = strip_cache::Entry {
                generation: frame.generation(p.layer),
                rows: (lo - row0, hi - row0),
            };
            let phase = geometry.phase(p.column, p.row);
            let Some(at) = cache.reserve(p.layer, phase) else {
                return false;
            };
            // An entry only grows: a cell copied edges only relies on it.
            let held = cache.entries[at as usize].is_some_and(|old| {
                old.generation == entry.generation
                    && old.rows.0 <= entry.rows.0
                    && entry.rows.1 <= old.rows.1
            });
            if lo > hi || held {
                return false;
            }
            let mut k = first;
            while k <= last {
                let x = k.rem_euclid(texels);
                let run = (last - k + 1).min(texels - x);
                strip_cache::copy(
                    encoder,
                    (strip, [x as u32, lo as u32, 0]),
                    (
                        &cache.texture,
                        [(k - first) as u32, entry.rows.0 as u32, at],
                    ),
                    (run as u32, (hi - lo + 1) as u32),
                );
                k += run;
            }
            cache.entries[at as usize] = Some(entry);
            false
        });
        cache.pending = pending;
    }
}

/// Pixels of a tile the shader may read when its interior comes from the cache: texels at a
/// tile's side read at most 4 of its columns, strip rows at its top or bottom at most 2 of its
/// rows. Bands of 8 columns and 4 rows cover that with room to spare.
const EDGE_COLUMNS: u32 = 8;
const EDGE_ROWS: u32 = 4;

/// Copies tile `layer` (or the background tile for `u32::MAX`) into the ring still at `to`:
/// all of it, or only its edge bands.
fn copy_tile(
    encoder: &mut wgpu::CommandEncoder,
    (tiles, ring, layer): (&wgpu::Texture, &Ring, u32),
    to: [u32; 2],
    edges_only: bool,
) {
    let (source, source_layer) = match layer {
        u32::MAX => (&ring.background, 0),
        l => (tiles, l),
    };
    let (w, h) = (ring.background.width(), ring.background.height());
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
        encoder.copy_texture_to_texture(
            wgpu::TexelCopyTextureInfo {
                texture: source,
                mip_level: 0,
                origin: wgpu::Origin3d {
                    x,
                    y,
                    z: source_layer,
                },
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyTextureInfo {
                texture: &ring.still,
                mip_level: 0,
                origin: wgpu::Origin3d {
                    x: to[0] + x,
                    y: to[1] + y,
                    z: 0,
                },
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: 1,
            },
        );
    }
}
