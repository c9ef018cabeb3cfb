//! Strip texels of photos the rolling still shows more than once, kept so that it copies them
//! instead of composing them again.
//!
//! A marquee of 36 photos in 1,000 cells shows each photo about 28 times, and on a software
//! rasteriser composing strip texels (`fs_compose_strip`: fifteen fetches, four colour
//! conversions) is most of a frame's GPU time. A strip texel whose five still columns and
//! three still rows all lie inside one tile depends only on that tile's pixels and on where
//! the tile sits relative to the strip's texel grid: its column modulo 4 and its row modulo 2
//! (the "phase"). So once a tile's interior texels have been composed in the ring, they are
//! copied into an entry of this cache (one per tile layer), and the next cell showing the
//! same layer at the same phase copies them back: a texture copy, no shader. Texels near a
//! tile's edge (they read gaps or neighbours) are composed every time, as before.
//!
//! Entries are made only with budget to spare (an export whose tiles all fit) and only when
//! some photo shows in more than one cell. They hold exactly what composing would write, so
//! the frames are the same bytes (`tests/suite/render_gpu.rs` compares every frame).

use super::pipelines::{STRIP_FORMAT, STRIP_TEXEL_BYTES};
use super::uniform::GridUniform;

/// Where each tile's interior texels and rows lie in the strip, for one ring.
#[derive(Clone, Copy, Debug)]
pub(super) struct Geometry {
    pitch: [i64; 2],
    tile: [i64; 2],
    cols: i64,
    /// `floor(-origin_y)`: strip row j reads grid rows 2j + d .. 2j + d + 2.
    d: i64,
    /// Strip rows (half the frame's height).
    strip_rows: i64,
}

fn floor_div(a: i64, b: i64) -> i64 {
    a.div_euclid(b)
}

fn ceil_div(a: i64, b: i64) -> i64 {
    -(-a).div_euclid(b)
}

impl Geometry {
    /// None when the grid's vertical position is not a whole or half pixel (then the rows a
    /// strip row reads could round differently from tile row to tile row).
    pub fn new(u: &GridUniform, strip_rows: u32) -> Option<Self> {
        let oy = u.grid_origin[1];
        if (oy * 2.0).fract() != 0.0 || !oy.is_finite() {
            return None;
        }
        Some(Self {
            pitch: u.pitch.map(|p| i64::from(p.max(1))),
            tile: u.tile_size.map(i64::from),
            cols: i64::from(u.cols),
            d: (-oy).floor() as i64,
            strip_rows: i64::from(strip_rows),
        })
    }

    /// The grid tile column whose tile alone strip texel `k` reads (grid columns
    /// 4k - 5 .. 4k - 1), if any.
    pub fn owner(&self, k: i64) -> Option<i64> {
        let n = floor_div(4 * k - 5, self.pitch[0]);
        (0..self.cols)
            .contains(&n)
            .then_some(n)
            .filter(|&n| 4 * k - 1 - n * self.pitch[0] < self.tile[0])
    }

    /// The strip texels that read only tile column `n` (inclusive; empty when first > last).
    pub fn texels(&self, n: i64) -> (i64, i64) {
        let x = n * self.pitch[0];
        (ceil_div(x + 5, 4), floor_div(x + self.tile[0], 4))
    }

    /// The strip rows that read only tile row `r`, unclipped (inclusive).
    pub fn rows(&self, r: i64) -> (i64, i64) {
        let y = r * self.pitch[1] - self.d;
        (ceil_div(y, 2), floor_div(y + self.tile[1] - 3, 2))
    }

    /// The strip rows that read any of tile row `r`'s pixels, within the strip (inclusive;
    /// empty when first > last).
    pub fn touching_rows(&self, r: i64) -> (i64, i64) {
        let y = r * self.pitch[1] - self.d;
        (
            ceil_div(y - 2, 2).max(0),
            floor_div(y + self.tile[1] - 1, 2).min(self.strip_rows - 1),
        )
    }

    /// `rows(r)` within the strip.
    pub fn visible_rows(&self, r: i64) -> (i64, i64) {
        let (first, last) = self.rows(r);
        (first.max(0), last.min(self.strip_rows - 1))
    }

    /// Cells at the same phase have the same interior texels for the same tile.
    pub fn phase(&self, n: i64, r: i64) -> [i64; 2] {
        [
            (n * self.pitch[0]).rem_euclid(4),
            (r * self.pitch[1] - self.d).rem_euclid(2),
        ]
    }

    /// How many phases tiles take: 4 columns modulo 4 at most, 2 rows modulo 2.
    fn phase_count(&self) -> u64 {
        let across = match self.pitch[0].rem_euclid(4) {
            0 => 1,
            2 => 2,
            _ => 4,
        };
        let down = if self.pitch[1] % 2 == 0 { 1 } else { 2 };
        across * down
    }

    /// Texels and rows an entry needs room for.
    fn entry_size(&self) -> (u32, u32) {
        let w = u32::try_from(self.tile[0] / 4 + 1).unwrap_or(u32::MAX);
        let h = u32::try_from(self.tile[1] / 2 + 1).unwrap_or(u32::MAX);
        (w.max(1), h.max(1))
    }
}

/// What an entry holds: one tile's interior texels at one phase, of the rows `rows`
/// (relative to the tile's first interior row, inclusive).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Entry {
    pub generation: u64,
    pub rows: (i64, i64),
}

/// A cell whose interior was composed and should be kept once all of it is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Pending {
    pub column: i64,
    pub row: i64,
    pub layer: u32,
}

/// Phases a tile can have: its column modulo 4 times its row modulo 2.
const PHASES: usize = 8;

pub(super) struct StripCache {
    pub texture: wgpu::Texture,
    /// Per tile layer and phase, the entry (texture layer) given to it, first come first
    /// served while entries last.
    slot: Vec<Option<u32>>,
    pub entries: Vec<Option<Entry>>,
    used: u32,
    pub pending: Vec<Pending>,
}

impl StripCache {
    /// A cache for the interiors of `layers` tiles, at the phases `geometry` gives them,
    /// within `limit` bytes; None when not even one entry fits.
    pub fn new(
        device: &wgpu::Device,
        geometry: &Geometry,
        layers: u32,
        limit: u64,
    ) -> Option<Self> {
        let (w, h) = geometry.entry_size();
        let entry_bytes = u64::from(w) * u64::from(h) * STRIP_TEXEL_BYTES;
        let limits = device.limits();
        let count = (limit / entry_bytes.max(1))
            .min(u64::from(layers) * geometry.phase_count())
            .min(u64::from(limits.max_texture_array_layers));
        let count = u32::try_from(count).ok().filter(|&c| c > 0)?;
        if w > limits.max_texture_dimension_2d || h > limits.max_texture_dimension_2d {
            return None;
        }
        let texture = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("gridreel strip cache"),
            size: wgpu::Extent3d {
                width: w,
                height: h,
                depth_or_array_layers: count,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: STRIP_FORMAT,
            usage: wgpu::TextureUsages::COPY_SRC | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        Some(Self {
            texture,
            slot: vec![None; layers as usize * PHASES],
            entries: vec![None; count as usize],
            used: 0,
            pending: Vec::new(),
        })
    }

    fn key(layer: u32, phase: [i64; 2]) -> usize {
        layer as usize * PHASES + (phase[0] + 4 * phase[1]) as usize
    }

    /// The entry to copy tile `layer`'s interior from, for a cell at `phase` whose visible
    /// interior rows are `rows` (relative to its first interior row).
    pub fn lookup(
        &self,
        layer: u32,
        generation: u64,
        phase: [i64; 2],
        rows: (i64, i64),
    ) -> Option<u32> {
        let slot = (*self.slot.get(Self::key(layer, phase))?)?;
        let entry = self.entries[slot as usize]?;
        (entry.generation == generation && entry.rows.0 <= rows.0 && rows.1 <= entry.rows.1)
            .then_some(slot)
    }

    /// The entry tile `layer` at `phase` is kept in: its own, or a free one. None when the
    /// cache is full (or the layer is not a tile).
    pub fn reserve(&mut self, layer: u32, phase: [i64; 2]) -> Option<u32> {
        let key = Self::key(layer, phase);
        let slot = self.slot.get_mut(key)?;
        if slot.is_none() && (self.used as usize) < self.entries.len() {
            *slot = Some(self.used);
            self.used += 1;
        }
        *slot
    }

    /// Keeps `cell` in mind, once: its interior is kept when all its texels are composed.
    pub fn wait_for(&mut self, cell: Pending) {
        if !self.pending.contains(&cell) {
            self.pending.push(cell);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geometry(pitch: [i64; 2], tile: [i64; 2], d: i64) -> Geometry {
        Geometry {
            pitch,
            tile,
            cols: 100,
            d,
            strip_rows: 1000,
        }
    }

    /// Brute force: texel k is interior to column n when its five grid columns are in the
    /// tile, and strip row j to tile row r when its three grid rows are.
    #[test]
    fn interiors_match_the_texels_and_rows_the_shader_reads() {
        for (pitch, tile) in [(43, 40), (720, 720), (133, 133), (38, 36), (9, 7)] {
            let g = geometry([pitch, pitch], [tile, tile], -3);
            for n in 0..6 {
                let (first, last) = g.texels(n);
                for k in 0..(7 * pitch / 4 + 4) {
                    let inside = (4 * k - 5..4 * k).all(|x| x >= n * pitch && x < n * pitch + tile);
                    assert_eq!(
                        inside,
                        (first..=last).contains(&k),
                        "pitch {pitch} n {n} k {k}"
                    );
                    if inside {
                        assert_eq!(g.owner(k), Some(n));
                    }
                }
            }
            for d in [-5, -4, 0, 1] {
                let g = geometry([pitch, pitch], [tile, tile], d);
                for r in 0..4 {
                    let (first, last) = g.rows(r);
                    for j in -2..(3 * pitch) {
                        let inside = (2 * j + d..=2 * j + d + 2)
                            .all(|y| y >= r * pitch && y < r * pitch + tile);
                        assert_eq!(inside, (first..=last).contains(&j), "d {d} r {r} j {j}");
                    }
                }
            }
        }
    }

    #[test]
    fn cells_at_one_phase_have_interiors_at_the_same_offsets() {
        let g = geometry([43, 32], [40, 30], -2);
        for n in 0..8 {
            let (first, _) = g.texels(n);
            let same = g.texels(n + 4);
            assert_eq!(g.phase(n, 0), g.phase(n + 4, 0));
            // Four columns on, the tile starts 43 texels' worth of pixels later: 4·43 / 4.
            assert_eq!(same.0 - first, 43);
        }
    }
}
