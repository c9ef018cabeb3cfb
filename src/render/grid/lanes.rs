//! The band tables of a strip: which band each lane (block row, or block column moving up or
//! down) and each grid line belongs to (`lane_bands`, `straddling_runs`), their band motions
//! (`lane_motions`, `line_motions`), and `Lanes`, the storage buffers the band pipelines read
//! them from. Worked out once per strip on the CPU, so no shader divides by the tile pitch per
//! pixel: lavapipe runs integer division one lane at a time.

use super::uniform::{GridUniform, MAX_BAND_ENTRIES};

/// Per lane of a strip (`vertical` false: strip rows 0..`count`; `vertical`: block columns
/// 0..`count`): the band that all grid lines the lane reads belong to, -1 when they are all
/// background (gaps, outside the grid), -2 when two bands meet. The lines are the three still
/// rows `still_column` reads for a strip row, the nine still columns `still_row_codes` reads
/// for a block column (still line q is grid line q - 1). Computed once per strip, in f32 as
/// the shaders place the grid, so no shader divides by the pitch per pixel.
pub(super) fn lane_bands(u: &GridUniform, vertical: bool, count: u32) -> Vec<i32> {
    let (origin, grid, pitch, tile) = if vertical {
        (u.grid_origin[0], u.grid_size[0], u.pitch[0], u.tile_size[0])
    } else {
        (u.grid_origin[1], u.grid_size[1], u.pitch[1], u.tile_size[1])
    };
    let (step, lines) = if vertical { (8.0, 9) } else { (2.0, 3) };
    (0..count)
        .map(|i| {
            let s = step * i as f32 + 1.0 - origin;
            let first = s.floor() as i64 - 1;
            let mut band = -1;
            for line in first..first + lines {
                if line < 0 || line >= i64::from(grid) {
                    continue;
                }
                let l = line as u64;
                if l % u64::from(pitch) >= u64::from(tile) {
                    continue;
                }
                let b = i32::try_from(l / u64::from(pitch)).unwrap_or(i32::MAX);
                if band == -1 {
                    band = b;
                } else if band != b {
                    return -2;
                }
            }
            band
        })
        .collect()
}

/// The lanes whose lines belong to two bands (-2 in `lane_bands`), as (first, count) runs:
/// drawn again from the still.
pub(super) fn straddling_runs(bands: &[i32]) -> Vec<(u32, u32)> {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for (i, _) in (0u32..).zip(bands).filter(|&(_, &b)| b == -2) {
        match runs.last_mut() {
            Some((start, len)) if *start + *len == i => *len += 1,
            _ => runs.push((i, 1)),
        }
    }
    runs
}

/// Each lane's band motion (band 0's for lanes of background or of two bands: any offset
/// draws them alike).
fn lane_motions(u: &GridUniform, bands: &[i32]) -> Vec<[f32; 2]> {
    bands
        .iter()
        .map(|&band| u.band_motion(band.max(0).unsigned_abs()))
        .collect()
}

/// Each grid line's band motion (rows; columns when `vertical`), at least one entry.
fn line_motions(u: &GridUniform, vertical: bool) -> Vec<[f32; 2]> {
    let (lines, pitch) = if vertical {
        (u.grid_size[0], u.pitch[0])
    } else {
        (u.grid_size[1], u.pitch[1])
    };
    (0..lines.max(1))
        .map(|line| u.band_motion(line / pitch.max(1)))
        .collect()
}

/// A read-only storage buffer holding `items`.
fn storage_buffer<T: bytemuck::Pod>(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    label: &str,
    items: &[T],
) -> wgpu::Buffer {
    let buffer = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: std::mem::size_of_val(items) as u64,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    queue.write_buffer(&buffer, 0, bytemuck::cast_slice(items));
    buffer
}

/// The strip's lanes as the band pipelines read them (group 2): each lane's band motion
/// (binding 0) and each grid line's (binding 1, for the blocks drawn from the still).
pub(super) struct Lanes {
    pub bind_group: wgpu::BindGroup,
    /// The uniform's band table they were made from (the motion may change, not the strip).
    made_from: ([[f32; 4]; MAX_BAND_ENTRIES / 2], u32),
}

impl Lanes {
    /// The tables for lanes of `bands` (from `lane_bands`) under the motion in `u`, bound
    /// through `layout` (the band pipelines' group 2).
    pub fn new(
        (device, queue): (&wgpu::Device, &wgpu::Queue),
        layout: &wgpu::BindGroupLayout,
        u: &GridUniform,
        bands: &[i32],
    ) -> Self {
        let lanes = lane_motions(u, bands);
        let lanes = storage_buffer(device, queue, "gridreel strip lanes", &lanes);
        let lines = line_motions(u, u.vertical());
        let lines = storage_buffer(device, queue, "gridreel grid lines", &lines);
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("gridreel strip lanes"),
            layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: lanes.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: lines.as_entire_binding(),
                },
            ],
        });
        Self {
            bind_group,
            made_from: Self::motion(u),
        }
    }

    /// Whether these tables were made under the motion in `u`.
    pub fn current_for(&self, u: &GridUniform) -> bool {
        self.made_from == Self::motion(u)
    }

    fn motion(u: &GridUniform) -> ([[f32; 4]; MAX_BAND_ENTRIES / 2], u32) {
        (u.bands, u.band_entries)
    }
}

#[cfg(test)]
mod tests {
    use super::super::uniform::{MOTION_BANDS, MOTION_LOOP, MOTION_SPLIT};
    use super::*;

    /// Three rows of 10-line tiles, `gap` lines apart, at `origin_y`, moving sideways with two
    /// band entries (alternate rows).
    fn rows_of_ten(origin_y: f32, gap: u32) -> GridUniform {
        let mut u = GridUniform {
            grid_origin: [0.0, origin_y],
            tile_size: [40, 10],
            pitch: [40 + gap, 10 + gap],
            grid_size: [200, 30 + 2 * gap],
            band_entries: 2,
            t_secs: 1.5,
            motion_flags: MOTION_BANDS | MOTION_SPLIT,
            ..GridUniform::default()
        };
        u.bands[0] = [3.0, 7.0, -5.0, -7.0];
        u
    }

    /// The still rows strip row `j` reads (`still_column`: 2j + 1 - origin, floor, three
    /// rows), as grid lines (still row q is grid line q - 1).
    fn lines_read(u: &GridUniform, j: u32) -> std::ops::Range<i64> {
        let first = (2.0 * j as f32 + 1.0 - u.grid_origin[1]).floor() as i64 - 1;
        first..first + 3
    }

    #[test]
    fn a_lane_has_the_band_of_every_tile_line_it_reads_or_says_two_or_none() {
        for (origin, gap) in [(0.0, 0), (3.0, 0), (2.5, 0), (-1.5, 0), (4.0, 3), (0.5, 4)] {
            let u = rows_of_ten(origin, gap);
            let bands = lane_bands(&u, false, 24);
            for (j, &band) in (0u32..).zip(&bands) {
                let pitch = i64::from(u.pitch[1]);
                let mut tile_bands: Vec<i64> = lines_read(&u, j)
                    .filter(|&l| l >= 0 && l < i64::from(u.grid_size[1]) && l % pitch < 10)
                    .map(|l| l / pitch)
                    .collect();
                tile_bands.dedup();
                let expected = match tile_bands.as_slice() {
                    [] => -1,
                    [b] => i32::try_from(*b).unwrap(),
                    _ => -2,
                };
                assert_eq!(band, expected, "origin {origin}, gap {gap}, strip row {j}");
            }
            let runs = straddling_runs(&bands);
            let listed: Vec<u32> = runs.iter().flat_map(|&(s, n)| s..s + n).collect();
            let two: Vec<u32> = (0u32..)
                .zip(&bands)
                .filter(|(_, b)| **b == -2)
                .map(|(j, _)| j)
                .collect();
            assert_eq!(listed, two, "origin {origin}, gap {gap}");
            assert!(
                runs.windows(2).all(|w| w[0].0 + w[0].1 < w[1].0),
                "runs are maximal"
            );
            if gap == 0 {
                assert!(!runs.is_empty(), "gapless rows meet inside some strip row");
            }
        }
    }

    #[test]
    fn lane_and_line_motions_give_band_origin() {
        for looped in [false, true] {
            let mut u = rows_of_ten(2.5, 0);
            if looped {
                u.motion_flags |= MOTION_LOOP;
                u.period_px = 200.0;
            }
            let origin = |m: [f32; 2]| {
                let o = m[0] + m[1] * u.t_secs;
                if looped {
                    o - u.period_px * (o / u.period_px).floor()
                } else {
                    o
                }
            };
            let bands = lane_bands(&u, false, 20);
            for (&band, &m) in bands.iter().zip(&lane_motions(&u, &bands)) {
                let b = band.max(0).unsigned_abs();
                assert_eq!(
                    origin(m).to_bits(),
                    u.band_origin(b).to_bits(),
                    "band {band}"
                );
            }
            let lines = line_motions(&u, false);
            assert_eq!(lines.len(), 30);
            for (line, &m) in (0u32..).zip(&lines) {
                let band = line / 10;
                assert_eq!(
                    origin(m).to_bits(),
                    u.band_origin(band).to_bits(),
                    "line {line}"
                );
            }
            // Alternate rows: neighbouring bands move apart.
            assert_ne!(u.band_origin(0).to_bits(), u.band_origin(1).to_bits());
        }
    }
}
