//! `GridUniform`: the per-frame parameters every grid pipeline reads (`Params` in
//! `shaders/grid.wgsl`), where the frame lands on its target (`Viewport`), and the motion
//! flags, read through methods (`banded`, `vertical`, `looped`, …) rather than bit tests.

use crate::layout::Layout;
use crate::settings::Color;

/// Per-frame parameters, laid out exactly as `Params` in `shaders/grid.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct GridUniform {
    pub viewport_origin: [f32; 2],
    pub frame_per_target: [f32; 2],
    pub grid_origin: [f32; 2],
    pub frame_size: [f32; 2],
    pub background: [f32; 4],
    pub tile_size: [u32; 2],
    pub pitch: [u32; 2],
    pub grid_size: [u32; 2],
    pub cols: u32,
    pub cell_count: u32,
    pub layer_count: u32,
    pub srgb_target: u32,
    pub pad: [u32; 2],
    /// The frame's time, for the band motions below.
    pub t_secs: f32,
    /// [`MOTION_BANDS`], [`MOTION_VERTICAL`], [`MOTION_LOOP`].
    pub motion_flags: u32,
    /// Length along the motion after which a looping grid repeats.
    pub period_px: f32,
    /// Entries used in `bands`; band b moves as entry `b % band_entries`.
    pub band_entries: u32,
    /// Two entries per element: (start, velocity) of entry 2i in `.xy`, of 2i + 1 in `.zw`
    /// (see [`crate::layout::BandMotion`]).
    pub bands: [[f32; 4]; MAX_BAND_ENTRIES / 2],
    /// Set by the renderer for the rolling still ([`MOTION_RING`]): the frame's first strip
    /// texel, the ring's width in pixels, that texel's ring slot, and the ring column of the
    /// first grid column it reads (4 · anchor - 5).
    pub ring_anchor: i32,
    pub ring_width_px: u32,
    pub ring_anchor_slot: i32,
    pub ring_anchor_column: i32,
}

/// Band motions the uniform holds: the most speeds, doubled for alternating rows.
pub const MAX_BAND_ENTRIES: usize = 2 * crate::settings::MAX_ROW_SPEEDS;
/// Bands have their own positions (`bands`); without it the grid moves as one
/// (`grid_origin`) and the fast still and strip paths draw it.
pub const MOTION_BANDS: u32 = 1;
/// The bands are columns moving up or down (else rows moving sideways).
pub const MOTION_VERTICAL: u32 = 2;
/// The grid repeats every `period_px` along the motion.
pub const MOTION_LOOP: u32 = 4;
/// Set by the renderer: the export draws through the rolling still (see `grid/ring.rs`).
pub const MOTION_RING: u32 = 8;
/// The bands move apart (alternate rows or row speeds): YUV blocks look up each one's band.
pub const MOTION_SPLIT: u32 = 16;

/// Where the frame lands on the render target: its top-left pixel and its size in target pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    pub origin_px: [f32; 2],
    pub size_px: [f32; 2],
}

impl GridUniform {
    /// The parameters of the frame at `t_secs`, drawn into `viewport` (target pixels).
    #[must_use]
    pub fn new(layout: &Layout, t_secs: f64, background: Color, viewport: Viewport) -> Self {
        let (gx, gy) = layout.grid_origin_at(t_secs);
        let frame = [layout.frame_w_px as f32, layout.frame_h_px as f32];
        let bg = background.to_array().map(|c| f32::from(c) / 255.0);
        Self {
            viewport_origin: viewport.origin_px,
            frame_per_target: [
                frame[0] / viewport.size_px[0].max(1.0),
                frame[1] / viewport.size_px[1].max(1.0),
            ],
            // Frame coordinates stay well inside f32's exact range for validated settings.
            #[allow(clippy::cast_possible_truncation)]
            grid_origin: [gx as f32, gy as f32],
            frame_size: frame,
            background: [bg[0], bg[1], bg[2], 1.0],
            tile_size: [layout.tile_w_px, layout.tile_h_px],
            pitch: [
                layout.tile_w_px + layout.gap_h_px,
                layout.tile_h_px + layout.gap_v_px,
            ],
            grid_size: [layout.grid_w_px, layout.grid_h_px],
            cols: layout.cols,
            cell_count: u32::try_from(layout.cell_count()).unwrap_or(u32::MAX),
            layer_count: 0,
            srgb_target: 0,
            pad: [0; 2],
            // A loop's motion repeats every clip length: t = duration is frame 0 exactly.
            t_secs: if layout.looped {
                t_secs.rem_euclid(layout.duration_secs) as f32
            } else {
                t_secs as f32
            },
            motion_flags: Self::motion_flags(layout),
            period_px: layout.period_px() as f32,
            band_entries: u32::try_from(layout.band_cycle()).unwrap_or(1),
            bands: Self::band_table(layout),
            ring_anchor: 0,
            ring_width_px: 0,
            ring_anchor_slot: 0,
            ring_anchor_column: 0,
        }
    }

    fn motion_flags(layout: &Layout) -> u32 {
        let mut flags = 0;
        if !layout.moves_as_one() {
            flags |= MOTION_BANDS;
        }
        if layout.direction.vertical() {
            flags |= MOTION_VERTICAL;
        }
        if layout.looped {
            flags |= MOTION_LOOP;
        }
        if !layout.bands_agree() {
            flags |= MOTION_SPLIT;
        }
        flags
    }

    /// The band motions, `(start, velocity)` in pairs (see `bands`).
    fn band_table(layout: &Layout) -> [[f32; 4]; MAX_BAND_ENTRIES / 2] {
        let mut table = [[0.0; 4]; MAX_BAND_ENTRIES / 2];
        for entry in 0..layout.band_cycle().min(MAX_BAND_ENTRIES) {
            let m = layout.band_motion(u32::try_from(entry).unwrap_or(0));
            let at = &mut table[entry / 2][(entry % 2) * 2..(entry % 2) * 2 + 2];
            at[0] = m.start_px as f32;
            at[1] = m.velocity_px_per_sec as f32;
        }
        table
    }

    /// Whether bands have their own positions ([`MOTION_BANDS`]: alternate rows, row speeds,
    /// vertical motion or a loop): drawn per band, and converted to YUV from RGBA.
    #[must_use]
    pub fn banded(&self) -> bool {
        self.motion_flags & MOTION_BANDS != 0
    }

    /// Whether the bands are columns moving up or down ([`MOTION_VERTICAL`]).
    #[must_use]
    pub fn vertical(&self) -> bool {
        self.motion_flags & MOTION_VERTICAL != 0
    }

    /// Whether the grid repeats every `period_px` ([`MOTION_LOOP`]).
    #[must_use]
    pub fn looped(&self) -> bool {
        self.motion_flags & MOTION_LOOP != 0
    }

    /// Whether the bands move apart ([`MOTION_SPLIT`]: alternate rows or row speeds).
    #[must_use]
    pub fn bands_split(&self) -> bool {
        self.motion_flags & MOTION_SPLIT != 0
    }

    /// Whether the export draws through the rolling still ([`MOTION_RING`], set by
    /// [`GridUniform::address_ring`]).
    #[must_use]
    pub fn ring_addressed(&self) -> bool {
        self.motion_flags & MOTION_RING != 0
    }

    /// Marks the uniform for the rolling still's addressing (see `ring_anchor`).
    pub(super) fn address_ring(&mut self, anchor: i32, width_px: u32, slot: i32, column: i32) {
        self.motion_flags |= MOTION_RING;
        self.ring_anchor = anchor;
        self.ring_width_px = width_px;
        self.ring_anchor_slot = slot;
        self.ring_anchor_column = column;
    }

    /// Band `band`'s motion, `(start, velocity)` of its entry in the table (what the
    /// shaders' `band_origin` reads).
    #[must_use]
    pub(super) fn band_motion(&self, band: u32) -> [f32; 2] {
        let entry = (band % self.band_entries.max(1)) as usize;
        let pair = &self.bands[entry / 2][(entry % 2) * 2..(entry % 2) * 2 + 2];
        [pair[0], pair[1]]
    }

    /// Where band `band` is along the motion, as the shaders compute it (f32).
    #[must_use]
    pub fn band_origin(&self, band: u32) -> f32 {
        let [start, velocity] = self.band_motion(band);
        let o = start + velocity * self.t_secs;
        if self.looped() {
            o - self.period_px * (o / self.period_px).floor()
        } else {
            o
        }
    }

    /// Drawing the whole frame 1:1 into a target of the frame's size (export).
    #[must_use]
    pub fn full_frame(layout: &Layout) -> Viewport {
        Viewport {
            origin_px: [0.0, 0.0],
            size_px: [layout.frame_w_px as f32, layout.frame_h_px as f32],
        }
    }
}
