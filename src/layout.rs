//! Pure geometry: crop rectangles, tile and grid sizes, the frame size and where the grid is
//! at time t. Nothing here knows about files or the GPU.

use crate::settings::{Aspect, CropAnchor, Direction, Focus, MAX_ROW_SPEEDS, Settings};

/// How many of `photo_count` photos a grid of `cell_count` cells shows (at most one per
/// cell; fewer photos repeat).
#[must_use]
pub fn photos_shown(cell_count: usize, photo_count: usize) -> usize {
    photo_count.min(cell_count)
}

/// An axis-aligned rectangle in pixels (fractional where it must be).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    #[must_use]
    pub fn right(&self) -> f64 {
        self.x + self.width
    }

    #[must_use]
    pub fn bottom(&self) -> f64 {
        self.y + self.height
    }
}

/// The part of a `photo_w × photo_h` photo that is kept when it is cropped to `aspect`:
/// the largest rectangle of that aspect, placed by the anchor.
#[must_use]
pub fn crop_rect(photo_w: u32, photo_h: u32, aspect: Aspect, anchor: CropAnchor) -> Rect {
    let (pw, ph) = (f64::from(photo_w), f64::from(photo_h));
    let target = aspect.ratio();
    if pw / ph > target {
        // Too wide: keep full height, slide a narrower window horizontally.
        let width = ph * target;
        Rect {
            x: (pw - width) * anchor.horizontal_fraction(),
            y: 0.0,
            width,
            height: ph,
        }
    } else {
        // Too tall (or exact): keep full width, slide a shorter window vertically.
        let height = pw / target;
        Rect {
            x: 0.0,
            y: (ph - height) * anchor.vertical_fraction(),
            width: pw,
            height,
        }
    }
}

/// The crop of a `photo_w × photo_h` photo to `aspect` centred on `focus` (fractions of the
/// photo) as far as the photo allows: the same size as [`crop_rect`]'s, moved only along the
/// axis where the photo is larger than the crop, and kept inside the photo.
#[must_use]
pub fn focus_crop_rect(photo_w: u32, photo_h: u32, aspect: Aspect, focus: Focus) -> Rect {
    let full = crop_rect(photo_w, photo_h, aspect, CropAnchor::Center);
    let (pw, ph) = (f64::from(photo_w), f64::from(photo_h));
    // min/max rather than clamp: never a panic, whatever the input (NaN picks the low end).
    let place = |centre: f64, size: f64, extent: f64| {
        (centre * extent - size / 2.0).min(extent - size).max(0.0)
    };
    Rect {
        x: place(focus.x, full.width, pw),
        y: place(focus.y, full.height, ph),
        ..full
    }
}

/// The crop of one photo: centred on its own focus when it has one, else placed by the
/// global anchor.
#[must_use]
pub fn photo_crop_rect(
    photo_w: u32,
    photo_h: u32,
    aspect: Aspect,
    anchor: CropAnchor,
    focus: Option<Focus>,
) -> Rect {
    match focus {
        Some(focus) => focus_crop_rect(photo_w, photo_h, aspect, focus),
        None => crop_rect(photo_w, photo_h, aspect, anchor),
    }
}

/// The point of a `photo_w × photo_h` photo (fractions of it) shown at `(u, v)` (fractions of
/// the tile) by a tile cropped to `crop`.
#[must_use]
pub fn photo_point_in_crop(photo_w: u32, photo_h: u32, crop: Rect, u: f64, v: f64) -> Focus {
    let (pw, ph) = (f64::from(photo_w).max(1.0), f64::from(photo_h).max(1.0));
    Focus {
        x: (crop.x + u * crop.width) / pw,
        y: (crop.y + v * crop.height) / ph,
    }
    .clamped()
}

/// A point of the frame that falls on a tile: which cell, and where in its tile (fractions
/// from the tile's top-left corner).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellHit {
    /// The cell, row-major.
    pub index: usize,
    pub u: f64,
    pub v: f64,
}

/// Grid geometry and the slide animation for one set of settings.
///
/// The grid moves in bands: its rows for left and right, its columns for up and down. Each
/// band has its own position along the motion at time t (its own speed, and with
/// `alternate` every other band the other way); with `looped` the photos repeat every
/// [`Layout::period_px`] along the motion.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layout {
    pub rows: u32,
    pub cols: u32,
    pub tile_w_px: u32,
    /// The cell's height: the tile's, with the caption line when captions sit under it
    /// (each tile texture holds its photo and that line).
    pub tile_h_px: u32,
    pub gap_h_px: u32,
    pub gap_v_px: u32,
    pub grid_w_px: u32,
    pub grid_h_px: u32,
    pub frame_w_px: u32,
    pub frame_h_px: u32,
    pub duration_secs: f64,
    pub speed: f64,
    pub direction: Direction,
    pub alternate: bool,
    pub looped: bool,
    /// Speed factor per band, repeating over the bands (`speed_count` used).
    speeds: [f64; MAX_ROW_SPEEDS],
    speed_count: usize,
}

/// How one band moves: its position along the motion is `start + velocity·t` pixels (taken
/// modulo the period when looping).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandMotion {
    pub start_px: f64,
    pub velocity_px_per_sec: f64,
    /// Whole cycles in the clip when looping (0 otherwise).
    pub cycles: u64,
}

impl Layout {
    #[must_use]
    pub fn new(settings: &Settings) -> Self {
        // A cell: the tile, and the caption line under it when captions sit there.
        let tile_h_px = settings.cell_height_px();
        let tile_w_px = settings.tile_width_px();
        let (grid_w_px, grid_h_px) = settings.grid_size_px();
        let (frame_w_px, frame_h_px) = settings.frame_size_px();
        let motion = &settings.motion;
        let mut speeds = [1.0; MAX_ROW_SPEEDS];
        let speed_count = motion.row_speeds.len().clamp(1, MAX_ROW_SPEEDS);
        for (slot, &factor) in speeds.iter_mut().zip(&motion.row_speeds) {
            *slot = factor;
        }
        Self {
            rows: settings.rows,
            cols: settings.cols,
            tile_w_px,
            tile_h_px,
            gap_h_px: settings.gap_h_px,
            gap_v_px: settings.gap_v_px,
            grid_w_px,
            grid_h_px,
            frame_w_px,
            frame_h_px,
            duration_secs: settings.duration_secs,
            speed: settings.speed,
            direction: motion.direction,
            alternate: motion.alternate,
            looped: motion.looped,
            speeds,
            speed_count,
        }
        .still_when_speed_is_zero()
    }

    /// A grid at speed 0 stands still: whatever the direction, alternate rows, row speeds
    /// or loop, it is one piece that does not move (drawn like a sideways slide whose
    /// origin never changes, see [`Layout::band_origin_at`]).
    fn still_when_speed_is_zero(mut self) -> Self {
        if self.stands_still() {
            self.direction = Direction::Left;
            self.alternate = false;
            self.looped = false;
            self.speeds = [1.0; MAX_ROW_SPEEDS];
            self.speed_count = 1;
        }
        self
    }

    /// Whether the grid stands still (speed 0): a collage centred in the frame.
    #[must_use]
    pub fn stands_still(&self) -> bool {
        self.speed <= 0.0
    }

    /// Where a grid that stands still sits along the (sideways) motion: centred in the
    /// frame; a grid wider than the frame shows its middle.
    fn still_origin_px(&self) -> f64 {
        (f64::from(self.frame_w_px) - f64::from(self.grid_w_px)) / 2.0
    }

    /// Whether the grid moves as one piece, sideways, without wrapping: one origin per
    /// frame ([`Layout::grid_origin_at`]), the fast still and YUV strip paths.
    #[must_use]
    pub fn moves_as_one(&self) -> bool {
        !self.direction.vertical() && !self.looped && self.bands_agree()
    }

    /// Whether every band moves the same way at the same speed (no alternate rows, one
    /// speed): one offset for all of them at any time.
    #[must_use]
    pub fn bands_agree(&self) -> bool {
        !self.alternate
            && self.speeds[..self.speed_count]
                .iter()
                .all(|s| s.to_bits() == self.speeds[0].to_bits())
    }

    /// The bands that move: rows for left and right, columns for up and down.
    #[must_use]
    pub fn bands(&self) -> u32 {
        if self.direction.vertical() {
            self.cols
        } else {
            self.rows
        }
    }

    /// Bands after which the motion repeats: the speed list's length, doubled when
    /// alternating (at most 2 × `MAX_ROW_SPEEDS`).
    #[must_use]
    pub fn band_cycle(&self) -> usize {
        let n = self.speed_count;
        if self.alternate && n % 2 == 1 {
            2 * n
        } else {
            n
        }
    }

    /// The speed (the `speed` setting times the band's factor) band `band` was asked for.
    #[must_use]
    pub fn band_speed(&self, band: u32) -> f64 {
        self.speed * self.speeds[band as usize % self.speed_count]
    }

    /// Frame pixels the grid crosses in a non-looping clip at speed 1: the frame plus the grid,
    /// along the motion.
    #[must_use]
    pub fn travel_px(&self) -> f64 {
        if self.direction.vertical() {
            f64::from(self.frame_h_px) + f64::from(self.grid_h_px)
        } else {
            f64::from(self.frame_w_px) + f64::from(self.grid_w_px)
        }
    }

    /// Length after which a looping grid repeats: its size along the motion plus one gap.
    #[must_use]
    pub fn period_px(&self) -> f64 {
        if self.direction.vertical() {
            f64::from(self.rows) * f64::from(self.tile_h_px + self.gap_v_px)
        } else {
            f64::from(self.cols) * f64::from(self.tile_w_px + self.gap_h_px)
        }
    }

    /// How band `band` moves. Without a loop the grid enters at one edge at t = 0 and, at
    /// speed 1, has just left at the other at the end. Looping, it starts in place (frame 0
    /// is full) and runs a whole number of periods in the clip: the requested speed rounded
    /// to the nearest whole number of cycles, at least one.
    #[must_use]
    pub fn band_motion(&self, band: u32) -> BandMotion {
        let flip = self.alternate && band % 2 == 1;
        let sign = if flip {
            -self.direction.sign()
        } else {
            self.direction.sign()
        };
        if self.stands_still() {
            return BandMotion {
                start_px: self.still_origin_px(),
                velocity_px_per_sec: 0.0,
                cycles: 0,
            };
        }
        let speed = self.band_speed(band);
        let travel = self.travel_px();
        if self.looped {
            let period = self.period_px();
            let cycles = (travel * speed / period).round().max(1.0);
            return BandMotion {
                start_px: 0.0,
                velocity_px_per_sec: sign * cycles * period / self.duration_secs,
                // At most travel × 100 / one pixel: far inside u64.
                cycles: cycles as u64,
            };
        }
        let (extent, grid) = if self.direction.vertical() {
            (f64::from(self.frame_h_px), f64::from(self.grid_h_px))
        } else {
            (f64::from(self.frame_w_px), f64::from(self.grid_w_px))
        };
        BandMotion {
            start_px: if sign < 0.0 { extent } else { -grid },
            velocity_px_per_sec: sign * travel * speed / self.duration_secs,
            cycles: 0,
        }
    }

    /// The speed a band of [`Layout::band_motion`] runs at, in the units of the `speed`
    /// setting (1: the non-looping clip's pace). Looping rounds it to whole cycles.
    #[must_use]
    pub fn speed_used(&self, band: u32) -> f64 {
        let m = self.band_motion(band);
        m.velocity_px_per_sec.abs() * self.duration_secs / self.travel_px()
    }

    /// With a loop, the speeds the bands run at, for people: "loop: rows 1, 3, …: speed
    /// 1.04 (3 cycles in the clip; asked 1)". None without a loop.
    #[must_use]
    pub fn loop_note(&self) -> Option<String> {
        if !self.looped {
            return None;
        }
        let kind = if self.direction.vertical() {
            "column"
        } else {
            "row"
        };
        let cycle = u32::try_from(self.band_cycle()).unwrap_or(1);
        let bands = self.bands();
        let parts: Vec<String> = (0..cycle.min(bands))
            .map(|entry| {
                let which: Vec<String> = (entry..bands)
                    .step_by(cycle as usize)
                    .take(3)
                    .map(|b| (b + 1).to_string())
                    .collect();
                let more = if bands > entry + 3 * cycle {
                    ", …"
                } else {
                    ""
                };
                let label = if which.len() > 1 {
                    format!("{kind}s {}{more}", which.join(", "))
                } else {
                    format!("{kind} {}", which.join(", "))
                };
                let m = self.band_motion(entry);
                // Three decimals, without trailing zeros (0.28, not 0.27999999999999997).
                let short = |v: f64| {
                    let text = format!("{v:.3}");
                    text.trim_end_matches('0').trim_end_matches('.').to_owned()
                };
                format!(
                    "{label}: speed {} ({} cycle{} in the clip; asked {})",
                    short(self.speed_used(entry)),
                    m.cycles,
                    if m.cycles == 1 { "" } else { "s" },
                    short(self.band_speed(entry))
                )
            })
            .collect();
        Some(format!("loop: {}", parts.join("; ")))
    }

    /// Where band `band` is along the motion at `t_secs`: the x (left, right) or y (up,
    /// down) of the grid's first pixel, in frame pixels; in `[0, period)` when looping.
    #[must_use]
    pub fn band_origin_at(&self, band: u32, t_secs: f64) -> f64 {
        if self.stands_still() {
            return self.still_origin_px();
        }
        let flip = self.alternate && band % 2 == 1;
        let sign = if flip {
            -self.direction.sign()
        } else {
            self.direction.sign()
        };
        if !self.looped {
            // Written as the older tool's formula so that the default motion is exactly it.
            let speed = self.band_speed(band);
            let travel = self.travel_px();
            let (extent, grid) = if self.direction.vertical() {
                (f64::from(self.frame_h_px), f64::from(self.grid_h_px))
            } else {
                (f64::from(self.frame_w_px), f64::from(self.grid_w_px))
            };
            return if sign < 0.0 {
                extent - travel * (t_secs / self.duration_secs) * speed
            } else {
                -grid + travel * (t_secs / self.duration_secs) * speed
            };
        }
        let m = self.band_motion(band);
        let period = self.period_px();
        (m.start_px + m.velocity_px_per_sec * t_secs).rem_euclid(period)
    }

    /// The grid's fixed position across the motion: centred in the frame, or 0 when it is
    /// larger than the frame that way.
    #[must_use]
    pub fn cross_origin(&self) -> f64 {
        let (frame, grid) = if self.direction.vertical() {
            (self.frame_w_px, self.grid_w_px)
        } else {
            (self.frame_h_px, self.grid_h_px)
        };
        if grid > frame {
            0.0
        } else {
            (f64::from(frame) - f64::from(grid)) / 2.0
        }
    }

    #[must_use]
    pub fn frame_size_px(&self) -> (u32, u32) {
        (self.frame_w_px, self.frame_h_px)
    }

    #[must_use]
    pub fn cell_count(&self) -> usize {
        self.rows as usize * self.cols as usize
    }

    /// Top-left corner of the grid (of its first band) in frame pixels at time `t_secs`.
    /// Moving left, `x = W − (W + grid_w)·(t/duration)·speed` and `y = (H − grid_h)/2`, or 0
    /// if the grid is taller. Standing still (speed 0), `x = (W − grid_w)/2` at every t.
    #[must_use]
    pub fn grid_origin_at(&self, t_secs: f64) -> (f64, f64) {
        let along = self.band_origin_at(0, t_secs);
        if self.direction.vertical() {
            (self.cross_origin(), along)
        } else {
            (along, self.cross_origin())
        }
    }

    /// The rectangle of cell `index` (row-major) relative to the grid's top-left corner.
    #[must_use]
    pub fn cell_rect(&self, index: usize) -> Rect {
        let cols = self.cols as usize;
        let (row, col) = (index / cols, index % cols);
        let pitch_x = f64::from(self.tile_w_px + self.gap_h_px);
        let pitch_y = f64::from(self.tile_h_px + self.gap_v_px);
        #[allow(clippy::cast_precision_loss)]
        Rect {
            x: col as f64 * pitch_x,
            y: row as f64 * pitch_y,
            width: f64::from(self.tile_w_px),
            height: f64::from(self.tile_h_px),
        }
    }

    /// The cell under frame point `(x_px, y_px)` at `t_secs`, as the renderer draws it (the
    /// band across the motion first, then that band's position along it, repeating every
    /// period when looping); `None` over a gap or the background.
    #[must_use]
    pub fn cell_at(&self, x_px: f64, y_px: f64, t_secs: f64) -> Option<CellHit> {
        let vertical = self.direction.vertical();
        let (along, across) = if vertical { (y_px, x_px) } else { (x_px, y_px) };
        let pitch_x = f64::from(self.tile_w_px + self.gap_h_px);
        let pitch_y = f64::from(self.tile_h_px + self.gap_v_px);
        let (pitch_along, pitch_across) = if vertical {
            (pitch_y, pitch_x)
        } else {
            (pitch_x, pitch_y)
        };
        let (tile_along, tile_across) = if vertical {
            (f64::from(self.tile_h_px), f64::from(self.tile_w_px))
        } else {
            (f64::from(self.tile_w_px), f64::from(self.tile_h_px))
        };
        let (bands_along, bands_across) = if vertical {
            (self.rows, self.cols)
        } else {
            (self.cols, self.rows)
        };
        let cross = across - self.cross_origin();
        // NaN (a point nowhere) is refused with the negatives.
        if cross.is_nan() || cross < 0.0 || pitch_across <= 0.0 || pitch_along <= 0.0 {
            return None;
        }
        let band = (cross / pitch_across).floor();
        let in_across = cross - band * pitch_across;
        if band >= f64::from(bands_across) || in_across >= tile_across {
            return None;
        }
        // `band` is a whole number below a u32 count.
        let band = band as u32;
        let mut grid = along - self.band_origin_at(band, t_secs);
        if self.looped {
            grid = grid.rem_euclid(self.period_px());
        }
        if grid.is_nan() || grid < 0.0 {
            return None;
        }
        let step = (grid / pitch_along).floor();
        let in_along = grid - step * pitch_along;
        if step >= f64::from(bands_along) || in_along >= tile_along {
            return None;
        }
        let step = step as u32;
        let (row, col, u, v) = if vertical {
            (step, band, in_across / tile_across, in_along / tile_along)
        } else {
            (band, step, in_along / tile_along, in_across / tile_across)
        };
        Some(CellHit {
            index: row as usize * self.cols as usize + col as usize,
            u,
            v,
        })
    }

    /// Time of frame `index` at `fps`.
    #[must_use]
    pub fn frame_time_secs(index: u64, fps: u32) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let t = index as f64 / f64::from(fps);
        t
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::float_cmp)] // exact pixel positions are the point of these tests
    use super::*;
    use crate::settings::FrameSize;
    use proptest::prelude::*;

    fn settings(rows: u32, cols: u32, tile_h: u32, gap_h: u32, gap_v: u32) -> Settings {
        Settings {
            rows,
            cols,
            tile_height_px: tile_h,
            gap_h_px: gap_h,
            gap_v_px: gap_v,
            ..Settings::default()
        }
    }

    #[test]
    fn default_grid_matches_the_older_tool() {
        let layout = Layout::new(&Settings::default());
        assert_eq!((layout.tile_w_px, layout.tile_h_px), (133, 100));
        assert_eq!((layout.grid_w_px, layout.grid_h_px), (798, 600));
        assert_eq!(layout.frame_size_px(), (798, 600));
    }

    #[test]
    fn frame_sizes() {
        let mut s = settings(6, 6, 180, 4, 2);
        let l = Layout::new(&s);
        assert_eq!(
            (l.grid_w_px, l.grid_h_px),
            (6 * 240 + 5 * 4, 6 * 180 + 5 * 2)
        );
        assert_eq!(l.frame_size_px(), (1460, 1090));
        s.gap_h_px = 3;
        assert_eq!(
            Layout::new(&s).frame_size_px(),
            (1456, 1090),
            "odd grid widths round up"
        );
        s.frame = FrameSize::Hd;
        assert_eq!(Layout::new(&s).frame_size_px(), (1920, 1080));
        s.frame = FrameSize::HdHalf;
        assert_eq!(Layout::new(&s).frame_size_px(), (1920, 540));
        s.frame = FrameSize::Custom {
            width_px: 640,
            height_px: 360,
        };
        assert_eq!(Layout::new(&s).frame_size_px(), (640, 360));
    }

    #[test]
    fn grid_is_centred_vertically_or_top_aligned_when_taller() {
        let mut s = settings(2, 3, 100, 0, 0);
        s.frame = FrameSize::Hd;
        assert_eq!(Layout::new(&s).grid_origin_at(0.0), (1920.0, 440.0));
        s.rows = 20;
        assert_eq!(Layout::new(&s).grid_origin_at(0.0).1, 0.0);
    }

    /// Speed 0: the grid stands still, centred in the frame, whatever the motion asked
    /// (direction, alternate rows, row speeds, loop), from the first frame to the last.
    #[test]
    fn a_grid_at_speed_0_stands_still_centred() {
        for direction in Direction::ALL {
            for (alternate, looped) in [(false, false), (true, true)] {
                let mut s = settings(2, 3, 100, 4, 6);
                s.frame = FrameSize::Hd;
                s.speed = 0.0;
                s.motion.direction = direction;
                s.motion.alternate = alternate;
                s.motion.looped = looped;
                s.motion.row_speeds = vec![1.0, 0.5];
                s.validate().unwrap();
                let l = Layout::new(&s);
                let case = format!("{direction:?}, alternate {alternate}, loop {looped}");
                assert!(l.stands_still() && l.moves_as_one(), "{case}");
                // The grid is 3·133 + 2·4 = 407 wide, 2·100 + 6 = 206 high.
                let centred = ((1920.0 - 407.0) / 2.0, (1080.0 - 206.0) / 2.0);
                for t in [0.0, 0.37, 2.0, 4.0] {
                    assert_eq!(l.grid_origin_at(t), centred, "{case}, t={t}");
                    for band in 0..4 {
                        assert_eq!(l.band_origin_at(band, t), centred.0, "{case}");
                    }
                }
                assert_eq!(l.band_motion(1).velocity_px_per_sec, 0.0, "{case}");
                assert_eq!(l.loop_note(), None, "{case}");
                let hit = l.cell_at(centred.0 + 1.0, centred.1 + 1.0, 3.0);
                assert_eq!(hit.map(|h| h.index), Some(0), "{case}");
            }
        }
        // Wider than the frame: its middle shows; taller: its top, as when it slides.
        let mut s = settings(20, 30, 100, 0, 0);
        s.frame = FrameSize::Hd;
        s.speed = 0.0;
        let l = Layout::new(&s);
        assert_eq!(l.grid_origin_at(1.0), ((1920.0 - 3990.0) / 2.0, 0.0));
    }

    #[test]
    fn a_loop_runs_whole_cycles_and_says_so() {
        let mut s = settings(2, 8, 50, 4, 4);
        s.motion.looped = true;
        s.motion.row_speeds = vec![1.0, 0.28];
        s.duration_secs = 3.0;
        let l = Layout::new(&s);
        for band in 0..2 {
            let m = l.band_motion(band);
            let cycles = m.velocity_px_per_sec.abs() * s.duration_secs / l.period_px();
            assert!((cycles - m.cycles as f64).abs() < 1e-9 && m.cycles >= 1);
            assert_eq!(l.band_origin_at(band, 0.0), 0.0, "frame 0 is in place");
            let end = l.band_origin_at(band, s.duration_secs);
            assert!(end.min(l.period_px() - end) < 1e-6, "the end is the start");
        }
        let note = l.loop_note().unwrap();
        assert!(
            note.contains("row 2: speed") && note.contains("asked 0.28)"),
            "{note}"
        );
        s.motion.looped = false;
        assert!(Layout::new(&s).loop_note().is_none());
    }

    #[test]
    fn crops_by_anchor() {
        let a = Aspect::new(4.0, 3.0);
        let wide = |anchor| crop_rect(1000, 300, a, anchor);
        assert_eq!(wide(CropAnchor::Left).x, 0.0);
        assert_eq!(wide(CropAnchor::Right).x, 600.0);
        assert_eq!(wide(CropAnchor::Center).x, 300.0);
        assert_eq!(
            wide(CropAnchor::Top).x,
            300.0,
            "vertical anchors centre wide photos"
        );
        let tall = |anchor| crop_rect(300, 1000, a, anchor);
        assert_eq!(tall(CropAnchor::Top).y, 0.0);
        assert_eq!(tall(CropAnchor::Bottom).y, 775.0);
        assert_eq!(tall(CropAnchor::Center).y, 387.5);
    }

    #[test]
    fn focus_centres_the_crop_as_far_as_the_photo_allows() {
        let a = Aspect::new(4.0, 3.0);
        // 1000×300: the crop is 400×300 and slides along x only.
        let at = |x, y| focus_crop_rect(1000, 300, a, Focus { x, y });
        assert_eq!(at(0.5, 0.5), crop_rect(1000, 300, a, CropAnchor::Center));
        assert_eq!(at(0.4, 0.0).x, 200.0, "centred on x = 400");
        assert_eq!(at(0.4, 1.0).y, 0.0, "no room to move across");
        assert_eq!(at(0.05, 0.5).x, 0.0, "kept inside on the left");
        assert_eq!(at(0.95, 0.5).x, 600.0, "and on the right");
        // 300×1000: the crop is 300×225 and slides along y only.
        let tall = focus_crop_rect(300, 1000, a, Focus { x: 0.0, y: 0.3 });
        assert_eq!((tall.x, tall.y), (0.0, 300.0 - 112.5));
        assert_eq!(
            photo_crop_rect(1000, 300, a, CropAnchor::Left, None),
            crop_rect(1000, 300, a, CropAnchor::Left)
        );
        assert_eq!(
            photo_crop_rect(1000, 300, a, CropAnchor::Left, Some(Focus::CENTER)).x,
            300.0
        );
        // Malformed input never panics and stays inside.
        let nan = focus_crop_rect(
            1000,
            300,
            a,
            Focus {
                x: f64::NAN,
                y: f64::INFINITY,
            },
        );
        assert!(nan.x >= 0.0 && nan.right() <= 1000.0 && nan.y == 0.0);
    }

    #[test]
    fn a_point_of_the_tile_maps_back_to_the_photo() {
        let a = Aspect::new(4.0, 3.0);
        let crop = crop_rect(1000, 300, a, CropAnchor::Center);
        let p = photo_point_in_crop(1000, 300, crop, 0.5, 0.5);
        assert_eq!((p.x, p.y), (0.5, 0.5));
        let p = photo_point_in_crop(1000, 300, crop, 0.0, 1.0);
        assert_eq!((p.x, p.y), (0.3, 1.0));
    }

    #[test]
    fn the_cell_under_a_point_follows_the_motion() {
        // 2 rows × 3 cols of 40×30 tiles with 10 px gaps, in a 200×100 frame.
        let mut s = settings(2, 3, 30, 10, 10);
        s.aspect = Aspect::new(4.0, 3.0);
        s.frame = FrameSize::Custom {
            width_px: 200,
            height_px: 100,
        };
        let l = Layout::new(&s);
        assert_eq!((l.tile_w_px, l.grid_w_px, l.grid_h_px), (40, 140, 70));
        let t = 1.0;
        let (ox, oy) = l.grid_origin_at(t);
        let hit = l.cell_at(ox + 50.0 + 10.0, oy + 40.0 + 15.0, t).unwrap();
        assert_eq!(hit.index, 4, "row 1, column 1");
        assert!((hit.u - 0.25).abs() < 1e-9 && (hit.v - 0.5).abs() < 1e-9);
        assert_eq!(l.cell_at(ox + 45.0, oy + 5.0, t), None, "a gap");
        assert_eq!(l.cell_at(ox - 1.0, oy + 5.0, t), None, "before the grid");
        assert_eq!(l.cell_at(ox + 5.0, oy - 1.0, t), None, "above the grid");
        // Looping, the grid repeats every period along the motion.
        s.motion.looped = true;
        let l = Layout::new(&s);
        let x = l.band_origin_at(0, t) + 5.0;
        let y = l.cross_origin() + 5.0;
        let here = l.cell_at(x, y, t).unwrap();
        let next = l.cell_at(x + l.period_px(), y, t).unwrap();
        assert_eq!((here.index, next.index), (0, 0));
        // Moving up, the columns are the bands: each has its own origin along y.
        s.motion.looped = false;
        s.motion.direction = Direction::Up;
        s.motion.alternate = true;
        let l = Layout::new(&s);
        let x1 = l.cross_origin() + 50.0 + 20.0;
        let y1 = l.band_origin_at(1, t) + 40.0 + 3.0;
        let hit = l.cell_at(x1, y1, t).unwrap();
        assert_eq!(hit.index, 4, "row 1, column 1 of its own band");
        assert!((hit.u - 0.5).abs() < 1e-9 && (hit.v - 0.1).abs() < 1e-9);
    }

    proptest! {
        #[test]
        fn focus_crops_stay_inside_keep_the_aspect_and_centre_on_the_point(
            w in 1u32..20_000, h in 1u32..20_000,
            aw in 1u32..32, ah in 1u32..32, x in 0.0f64..=1.0, y in 0.0f64..=1.0,
        ) {
            let aspect = Aspect::new(f64::from(aw), f64::from(ah));
            let r = focus_crop_rect(w, h, aspect, Focus { x, y });
            let (pw, ph) = (f64::from(w), f64::from(h));
            let eps = 1e-6 * pw.max(ph);
            prop_assert!(r.x >= 0.0 && r.y >= 0.0);
            prop_assert!(r.right() <= pw + eps && r.bottom() <= ph + eps);
            prop_assert!((r.width / r.height - aspect.ratio()).abs() < 1e-9 * aspect.ratio());
            let full = crop_rect(w, h, aspect, CropAnchor::Center);
            prop_assert_eq!((r.width, r.height), (full.width, full.height));
            // Centred on the point wherever the crop fits around it; else against the edge.
            for (centre, start, size, extent) in
                [(x * pw, r.x, r.width, pw), (y * ph, r.y, r.height, ph)]
            {
                if centre - size / 2.0 >= 0.0 && centre + size / 2.0 <= extent {
                    prop_assert!((start + size / 2.0 - centre).abs() < eps);
                } else {
                    prop_assert!(start.abs() < eps || (start + size - extent).abs() < eps);
                }
            }
        }

        #[test]
        fn clicking_a_point_then_centres_it(
            w in 16u32..5000, h in 16u32..5000, u in 0.0f64..=1.0, v in 0.0f64..=1.0,
        ) {
            // The point under the click becomes the focus, and the new crop keeps it in view.
            let aspect = Aspect::new(4.0, 3.0);
            let crop = crop_rect(w, h, aspect, CropAnchor::Center);
            let focus = photo_point_in_crop(w, h, crop, u, v);
            let next = focus_crop_rect(w, h, aspect, focus);
            let (fx, fy) = (focus.x * f64::from(w), focus.y * f64::from(h));
            let eps = 1e-6 * f64::from(w.max(h));
            prop_assert!(fx >= next.x - eps && fx <= next.right() + eps);
            prop_assert!(fy >= next.y - eps && fy <= next.bottom() + eps);
        }

        #[test]
        fn crops_stay_inside_and_keep_the_aspect(
            w in 1u32..20_000, h in 1u32..20_000,
            aw in 1u32..32, ah in 1u32..32, anchor in 0usize..5,
        ) {
            let aspect = Aspect::new(f64::from(aw), f64::from(ah));
            let r = crop_rect(w, h, aspect, CropAnchor::ALL[anchor]);
            let eps = 1e-6 * f64::from(w.max(h));
            prop_assert!(r.x >= -eps && r.y >= -eps);
            prop_assert!(r.right() <= f64::from(w) + eps && r.bottom() <= f64::from(h) + eps);
            prop_assert!((r.width / r.height - aspect.ratio()).abs() < 1e-9 * aspect.ratio());
            // The crop is as large as possible: it touches both sides on one axis.
            prop_assert!((r.width - f64::from(w)).abs() < eps || (r.height - f64::from(h)).abs() < eps);
        }

        #[test]
        fn tiles_never_overlap_and_gaps_are_exact(
            rows in 1u32..8, cols in 1u32..8, tile_h in 2u32..300, gap_h in 0u32..20, gap_v in 0u32..20,
        ) {
            let l = Layout::new(&settings(rows, cols, tile_h, gap_h, gap_v));
            for i in 0..l.cell_count() {
                let a = l.cell_rect(i);
                prop_assert!(a.right() <= f64::from(l.grid_w_px) && a.bottom() <= f64::from(l.grid_h_px));
                if (i + 1) % cols as usize != 0 {
                    let b = l.cell_rect(i + 1);
                    prop_assert_eq!(b.x - a.right(), f64::from(gap_h));
                }
                if i + (cols as usize) < l.cell_count() {
                    let b = l.cell_rect(i + cols as usize);
                    prop_assert_eq!(b.y - a.bottom(), f64::from(gap_v));
                }
            }
            let last = l.cell_rect(l.cell_count() - 1);
            prop_assert_eq!((last.right(), last.bottom()), (f64::from(l.grid_w_px), f64::from(l.grid_h_px)));
        }

        #[test]
        fn grid_enters_at_right_and_has_just_left_at_the_end(
            cols in 1u32..12, tile_h in 2u32..400, duration in 0.1f64..60.0, frame in 0usize..3,
        ) {
            let mut s = settings(3, cols, tile_h, 2, 2);
            s.duration_secs = duration;
            s.frame = [FrameSize::Auto, FrameSize::Hd, FrameSize::HdHalf][frame];
            let l = Layout::new(&s);
            let (x0, _) = l.grid_origin_at(0.0);
            prop_assert!((x0 - f64::from(l.frame_w_px)).abs() < 1e-9, "starts just off the right edge");
            let (x1, _) = l.grid_origin_at(duration);
            prop_assert!((x1 + f64::from(l.grid_w_px)).abs() < 1e-6, "right edge at x = 0 at the end");
            // Motion is monotonic and linear in t.
            let (xm, _) = l.grid_origin_at(duration / 2.0);
            prop_assert!((xm - f64::midpoint(x0, x1)).abs() < 1e-6);
        }
    }
}
