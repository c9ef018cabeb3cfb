//! What one frame of the rolling still reads: the strip texels its blocks sample, the tile
//! columns those read, and the tiles and cell map it finds there (see `ring`).

// Ring sizes are a frame plus a few tiles wide, far inside i64 and i32.
#![allow(clippy::cast_possible_wrap)]

use super::pipelines::YUV_BLOCK;
use super::tiles::Tiles;
use super::uniform::GridUniform;

/// (width in pixels, slots): room for every column a frame's strip texels read, with a tile
/// column to spare, in whole pitches, a multiple of 4 pixels.
pub(super) fn ring_width(frame_w: u32, pitch: u32) -> (u32, u32) {
    let pitch = pitch.max(1);
    let mut slots = (frame_w + 40).div_ceil(pitch) + 2;
    while !(slots * pitch).is_multiple_of(4) {
        slots += 1;
    }
    (slots * pitch, slots)
}

/// The layer of the cell in grid tile column `n`, row `r` (`u32::MAX` for background:
/// outside the grid, no photo, or no resident tile).
fn cell_layer(u: &GridUniform, cells: &[u32], layers: u32, n: i64, r: i64) -> u32 {
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

pub(super) fn floor_div(a: i64, b: i64) -> i64 {
    a.div_euclid(b)
}

/// The strip texels a frame's blocks read, and the grid tile columns those texels read.
#[derive(Clone, Copy, Debug)]
pub(super) struct Reach {
    pub texels: (i64, i64),
    pub columns: (i64, i64),
}

impl Reach {
    pub fn new(u: &GridUniform, frame_w: u32) -> Self {
        // The strip texels this frame's blocks read (see `fs_strip_yuv`): k = c >> 2 and the
        // two after, for c = floor(8i + 1 - origin) + 4 over the blocks i.
        let origin = f64::from(u.grid_origin[0]);
        let blocks = i64::from(frame_w / YUV_BLOCK.0);
        let c_first = (1.0 - origin).floor() as i64 + 4;
        let c_last = (8.0 * (blocks - 1) as f64 + 1.0 - origin).floor() as i64 + 4;
        let (k_first, k_last) = (c_first >> 2, (c_last >> 2) + 2);
        // Texel k reads grid columns 4k - 5 .. 4k - 1: the tile columns to have.
        let pitch = i64::from(u.pitch[0]);
        Self {
            texels: (k_first, k_last),
            columns: (
                floor_div(4 * k_first - 5, pitch),
                floor_div(4 * k_last - 1, pitch),
            ),
        }
    }
}

/// What the ring reads of the renderer's tiles and cell map for one frame.
pub(super) struct FrameCells<'a> {
    pub uniform: &'a GridUniform,
    pub tiles: &'a Tiles,
    pub rows: i64,
}

impl FrameCells<'_> {
    pub fn layer(&self, n: i64, r: i64) -> u32 {
        let tiles = self.tiles;
        cell_layer(self.uniform, &tiles.cells, tiles.array.layers, n, r)
    }

    /// The content generation tile `layer` was last written in, if it was.
    pub fn written(&self, layer: u32) -> Option<u64> {
        self.tiles.layer_generation.get(layer as usize).copied()
    }

    pub fn generation(&self, layer: u32) -> u64 {
        self.written(layer).unwrap_or(u64::MAX)
    }
}
