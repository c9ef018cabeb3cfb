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
//!
//! `Ring` owns all of this; per frame it borrows the renderer's tiles, pipelines and uniform
//! (a `Draw`).

// Ring sizes are a frame plus a few tiles wide, far inside i64 and i32.
#![allow(clippy::cast_possible_wrap)]

use super::pipelines::{Draw, YUV_BLOCK};
use super::ring_frame::{FrameCells, Reach, floor_div, ring_width};
use super::ring_textures::RingTextures;
use super::stale_rows::StaleRows;
use super::strip_cache::{self, Geometry, Pending, StripCache};
use super::uniform::GridUniform;

/// Everything the ring's contents depend on besides the tiles.
#[derive(Clone, Copy, Debug, PartialEq)]
struct RingKey {
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
    textures: RingTextures,
    /// Ring width in pixels: `slots` pitches, a multiple of 4.
    width_px: u32,
    slots: u32,
    /// Per slot, the grid tile column it holds (`None`: nothing yet).
    slot_column: Vec<Option<i64>>,
    /// Per slot and row, the layer each tile was copied from.
    slot_layers: Vec<u32>,
    /// The generation of each copied tile when it was copied (see `Tiles::layer_generation`).
    slot_generations: Vec<u64>,
    /// Per strip texel slot, the strip texel it holds composed.
    texel: Vec<Option<i64>>,
    /// Interior texels of photos shown more than once (see `strip_cache`).
    cache: Option<(Geometry, StripCache)>,
    /// Without a cache: where tile rows lie in the strip, to compose again only the strip
    /// rows of a tile written again; and those rows.
    bands: Option<Geometry>,
    stale_rows: StaleRows,
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

impl RingKey {
    fn new(u: &GridUniform, frame_height_px: u32) -> Self {
        let [frame_w, frame_h] = u.frame_size.map(|v| v as u32);
        Self {
            grid_size: u.grid_size,
            tile_size: u.tile_size,
            pitch: u.pitch,
            cols: u.cols,
            cell_count: u.cell_count,
            background: u.background,
            frame_size: [frame_w, frame_h.min(frame_height_px)],
            origin_y_bits: u.grid_origin[1].to_bits(),
        }
    }
}

impl Ring {
    /// Whether the frame of `u` can be drawn through the ring: it moves as one, sideways,
    /// with no loop, and there is no whole-grid still (`still_composed` false).
    pub fn applies(u: &GridUniform, still_composed: bool) -> bool {
        !still_composed
            && !u.banded()
            && !u.vertical()
            && !u.looped()
            && (u.frame_size[0] as u32).is_multiple_of(YUV_BLOCK.0)
    }

    /// Brings the ring in `slot` up to date for this frame (made anew when the grid or the
    /// frame changed; copies and strip texels it lacks) and returns the frame's uniform,
    /// marked for ring addressing. None when the frame is too large for a ring. The ring
    /// may keep up to `cache_bytes` of composed tile interiors.
    pub fn prepare(
        slot: &mut Option<Self>,
        gpu: (&wgpu::Device, &wgpu::Queue),
        draw: &Draw<'_>,
        cache_bytes: u64,
        frame_height_px: u32,
    ) -> Option<GridUniform> {
        let u = draw.uniform;
        let key = RingKey::new(u, frame_height_px);
        if slot.as_ref().is_none_or(|r| r.key != key) {
            *slot = None; // free the old one first
            let (width, slots) = ring_width(key.frame_size[0], u.pitch[0]);
            let max = gpu.0.limits().max_texture_dimension_2d;
            if width > max || u.grid_size[1] + 2 > max || frame_height_px / 2 > max {
                return None;
            }
            let made = Self::new(gpu, draw, key, (width, slots), frame_height_px, cache_bytes);
            *slot = Some(made);
        }
        let ring = slot.as_mut()?;
        Some(ring.update(gpu, draw, frame_height_px / 2))
    }

    /// Strip texels (texel columns × rows) copied from the cache of tile interiors, and
    /// composed with the shader, so far.
    pub fn cache_use(&self) -> (u64, u64) {
        (self.copied, self.composed)
    }

    /// The ring strip's texture (texel slot `k mod T` holds strip texel `k`).
    pub fn strip_texture(&self) -> &wgpu::Texture {
        &self.textures.strip
    }

    /// Draws the frame's 8x2 YUV blocks from the ring strip (`fs_strip_yuv_ring`).
    pub fn paint_yuv_blocks(&self, draw: &Draw<'_>, pass: &mut wgpu::RenderPass<'_>) {
        draw.begin(pass, &draw.pipelines.strip_yuv_ring);
        pass.set_bind_group(1, &self.textures.strip_bind_group, &[]);
        pass.draw(0..3, 0..1);
    }

    fn new(
        gpu: (&wgpu::Device, &wgpu::Queue),
        draw: &Draw<'_>,
        key: RingKey,
        (width_px, slots): (u32, u32),
        frame_height_px: u32,
        cache_bytes: u64,
    ) -> Self {
        let textures = RingTextures::new(
            gpu,
            &draw.pipelines.layouts,
            (width_px, key.grid_size[1] + 2),
            frame_height_px / 2,
            (key.tile_size, key.background),
        );
        let rows = key.grid_size[1].div_ceil(key.pitch[1]).max(1) as usize;
        // A photo in more than one cell (more cells than tile layers, all resident): keep
        // tile interiors, within the budget the export has to spare.
        let layers = draw.tiles.array.layers;
        let repeats = key.cell_count > layers;
        let cache = if repeats && cache_bytes > 0 {
            Geometry::new(draw.uniform, frame_height_px / 2).and_then(|geometry| {
                StripCache::new(gpu.0, &geometry, layers, cache_bytes)
                    .map(|cache| (geometry, cache))
            })
        } else {
            None
        };
        Self {
            key,
            textures,
            width_px,
            slots,
            slot_column: vec![None; slots as usize],
            slot_layers: vec![u32::MAX - 1; slots as usize * rows],
            slot_generations: vec![u64::MAX; slots as usize * rows],
            texel: vec![None; (width_px / 4) as usize],
            bands: if cache.is_none() {
                Geometry::new(draw.uniform, frame_height_px / 2)
            } else {
                None
            },
            stale_rows: StaleRows::new((width_px / 4) as usize),
            cache,
            rects: Vec::new(),
            copies: Vec::new(),
            edges_only: vec![false; slots as usize * rows],
            full_copies: Vec::new(),
            copied: 0,
            composed: 0,
        }
    }

    /// Copies in the tile columns and composes (or copies from the cache) the strip texels
    /// this frame lacks, `strip_rows` rows of them; returns the frame's uniform marked for
    /// ring addressing, as written into the uniform buffer.
    fn update(
        &mut self,
        (device, queue): (&wgpu::Device, &wgpu::Queue),
        draw: &Draw<'_>,
        strip_rows: u32,
    ) -> GridUniform {
        let u = draw.uniform;
        let reach = Reach::new(u, u.frame_size[0] as u32);
        let frame = FrameCells {
            uniform: u,
            tiles: draw.tiles,
            rows: i64::from(u.grid_size[1].div_ceil(u.pitch[1]).max(1)),
        };
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("gridreel ring"),
        });
        self.copy_columns(&mut encoder, &frame, reach.columns);
        // Compose the needed texels that are not current, in runs of ring slots; where the
        // cache holds a run's tile interiors, copy those instead.
        let texels = self.texel.len() as i64;
        let (k_first, _) = reach.texels;
        let mut uniform = *u;
        uniform.address_ring(
            k_first as i32,
            self.width_px,
            k_first.rem_euclid(texels) as i32,
            (4 * k_first - 5).rem_euclid(i64::from(self.width_px)) as i32,
        );
        draw.tiles.write_uniform(queue, &uniform);
        self.plan(reach.texels, strip_rows, &frame);
        self.copy_planned(&mut encoder, &frame);
        self.compose(&mut encoder, draw);
        self.fill_cache(&mut encoder, &frame);
        queue.submit(std::iter::once(encoder.finish()));
        uniform
    }

    /// Copies tile columns `first..=last` into their slots where a slot holds another column
    /// or its cells' layers changed, and marks the strip texels reading them stale.
    fn copy_columns(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        frame: &FrameCells<'_>,
        (first, last): (i64, i64),
    ) {
        let u = frame.uniform;
        let texels = self.texel.len() as i64;
        let rows = frame.rows;
        let pitch = i64::from(u.pitch[0]);
        for n in first..=last {
            let slot = n.rem_euclid(i64::from(self.slots)) as usize;
            let held = self.slot_column[slot] == Some(n);
            // A tile written again (a clip's next frame) changes its cells too.
            if held && !(0..rows).any(|r| self.row_changed(frame, slot, (n, r))) {
                continue;
            }
            // The slot keeps its column and some of its tiles changed: only the strip rows
            // that read those are composed again (see `StaleRows`).
            let by_rows = held && self.bands.is_some();
            // Texels reading this column's pixels n·p .. n·p + p - 1.
            let (g0, g1) = (n * pitch, n * pitch + pitch - 1);
            let reading = floor_div(g0 + 4, 4)..=floor_div(g1 + 5, 4);
            for r in 0..rows {
                if by_rows && !self.row_changed(frame, slot, (n, r)) {
                    continue;
                }
                let at = slot * rows as usize + r as usize;
                let layer = frame.layer(n, r);
                self.slot_layers[at] = layer;
                self.slot_generations[at] = frame.generation(layer);
                // A cell whose interior the cache holds needs only its edges in the still:
                // they are all the shader reads of it (see `RingTextures::copy_tile`).
                let edges_only = self.caches_interior(frame, (n, r), layer);
                self.edges_only[at] = edges_only;
                let to = [slot as u32 * u.pitch[0], 1 + r as u32 * u.pitch[1]];
                let tiles = &frame.tiles.array.texture;
                self.textures
                    .copy_tile(encoder, (tiles, layer), to, edges_only);
                if let Some(geometry) = self.bands.as_ref().filter(|_| by_rows) {
                    let (lo, hi) = geometry.touching_rows(r);
                    if lo > hi {
                        continue;
                    }
                    for k in reading.clone() {
                        let at = k.rem_euclid(texels) as usize;
                        if self.texel[at] == Some(k) {
                            self.stale_rows.mark(at, (lo as u32, hi as u32));
                        }
                    }
                }
            }
            self.slot_column[slot] = Some(n);
            if !by_rows {
                for k in reading {
                    self.texel[k.rem_euclid(texels) as usize] = None;
                }
            }
        }
    }

    /// Whether the tile in the cell at column `n`, row `r` is not the one copied into `slot`
    /// (another layer, or the same written again since).
    fn row_changed(&self, frame: &FrameCells<'_>, slot: usize, (n, r): (i64, i64)) -> bool {
        let at = slot * frame.rows as usize + r as usize;
        let layer = frame.layer(n, r);
        self.slot_layers[at] != layer || self.slot_generations[at] != frame.generation(layer)
    }

    /// Whether the cache holds the visible interior of tile `layer` in the cell at column
    /// `n`, row `r`.
    fn caches_interior(&self, frame: &FrameCells<'_>, (n, r): (i64, i64), layer: u32) -> bool {
        let generation = frame.written(layer);
        self.cache.as_ref().is_some_and(|(geometry, cache)| {
            let (lo, hi) = geometry.visible_rows(r);
            let (row0, _) = geometry.rows(r);
            let phase = geometry.phase(n, r);
            lo <= hi
                && generation.is_some_and(|g| {
                    cache
                        .lookup(layer, g, phase, (lo - row0, hi - row0))
                        .is_some()
                })
        })
    }

    /// Plans the texels `first..=last` that are not current, in runs of ring slots that do
    /// not wrap around the ring's end (see `plan_run`), and marks them current.
    fn plan(&mut self, (first, last): (i64, i64), strip_rows: u32, frame: &FrameCells<'_>) {
        let texels = self.texel.len() as i64;
        self.rects.clear();
        self.copies.clear();
        let mut k = first;
        while k <= last {
            if self.texel[k.rem_euclid(texels) as usize] == Some(k) {
                k += 1;
                continue;
            }
            // A run of stale texels that does not wrap around the ring's end.
            let start = k;
            while k <= last
                && self.texel[k.rem_euclid(texels) as usize] != Some(k)
                && (k == start || k.rem_euclid(texels) != 0)
            {
                self.texel[k.rem_euclid(texels) as usize] = Some(k);
                self.stale_rows.clear(k.rem_euclid(texels) as usize);
                k += 1;
            }
            self.plan_run((start, k), strip_rows, frame);
        }
        self.stale_rows.drain_into((first, last), &mut self.rects);
    }

    /// Records the planned copies: whole tiles for cells copied edges only whose interior
    /// the cache no longer holds, and cache entries into the ring strip.
    fn copy_planned(&mut self, encoder: &mut wgpu::CommandEncoder, frame: &FrameCells<'_>) {
        let pitch = frame.uniform.pitch;
        let tiles = &frame.tiles.array.texture;
        for i in 0..self.full_copies.len() {
            let (slot, r, layer) = self.full_copies[i];
            let to = [slot * pitch[0], 1 + r * pitch[1]];
            self.textures.copy_tile(encoder, (tiles, layer), to, false);
        }
        self.full_copies.clear();
        if let Some((_, cache)) = &self.cache {
            for c in &self.copies {
                self.copied += u64::from(c.size[0]) * u64::from(c.size[1]);
                super::super::copy_rect(
                    encoder,
                    (&cache.texture, [c.from[0], c.from[1], c.entry]),
                    (&self.textures.strip, [c.to[0], c.to[1], 0]),
                    (c.size[0], c.size[1]),
                );
            }
        }
    }

    /// Composes the planned rectangles of the ring strip from the ring still.
    fn compose(&mut self, encoder: &mut wgpu::CommandEncoder, draw: &Draw<'_>) {
        if self.rects.is_empty() {
            return;
        }
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("gridreel ring strip"),
            color_attachments: &[Some(super::super::overwritten(&self.textures.strip_view))],
            ..Default::default()
        });
        draw.begin(&mut pass, &draw.pipelines.strip_compose);
        pass.set_bind_group(1, &self.textures.still_bind_group, &[]);
        for &[x, y, w, h] in &self.rects {
            self.composed += u64::from(w) * u64::from(h);
            pass.set_scissor_rect(x, y, w, h);
            pass.draw(0..3, 0..1);
        }
    }

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
                        cache.wait_for(Pending {
                            column: n,
                            row: r,
                            layer,
                        });
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
            textures,
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
                super::super::copy_rect(
                    encoder,
                    (&textures.strip, [x as u32, lo as u32, 0]),
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
