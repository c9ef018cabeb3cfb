//! When each cell is on screen: the deterministic slide makes the whole future known
//! before the first frame.

use crate::layout::{Layout, photos_shown};

/// One cell's time on screen, and the photo it shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Showing {
    pub enter_secs: f64,
    pub leave_secs: f64,
    pub photo: u32,
}

/// When each photo is on screen, for one layout and photo count.
#[derive(Debug)]
pub struct Schedule {
    /// Cells that are ever on screen, in the order they come on: column by column, since the
    /// grid slides left at constant speed. Enter and leave times both increase along it, so
    /// the cells on screen at any time are one contiguous run.
    pub(super) showings: Vec<Showing>,
    /// Indices into `showings` for each photo (photo p: `by_photo[starts[p]..starts[p + 1]]`).
    starts: Vec<u32>,
    by_photo: Vec<u32>,
    photo_count: u32,
    max_visible: usize,
    visible_rows: u32,
    pub(super) layout: Layout,
}

impl Schedule {
    /// `photo_count` photos filling `layout`'s cells row-major (repeating when fewer).
    #[must_use]
    pub fn new(layout: &Layout, photo_count: usize) -> Self {
        let cell_count = layout.cell_count();
        let photos = u32::try_from(photos_shown(cell_count, photo_count)).unwrap_or(u32::MAX);
        let (frame_w, frame_h) = (f64::from(layout.frame_w_px), f64::from(layout.frame_h_px));
        // Pixels per second the grid moves left (product.md's formula, differentiated).
        let velocity =
            (frame_w + f64::from(layout.grid_w_px)) * layout.speed / layout.duration_secs;
        let (_, grid_y) = layout.grid_origin_at(0.0);
        let pitch_w = f64::from(layout.tile_w_px + layout.gap_h_px);
        let pitch_h = f64::from(layout.tile_h_px + layout.gap_v_px);
        let (tile_w, tile_h) = (f64::from(layout.tile_w_px), f64::from(layout.tile_h_px));
        // One pixel of margin each way: bilinear filtering reads half a pixel beyond an edge.
        let rows: Vec<u32> = (0..layout.rows)
            .filter(|&r| {
                let y = grid_y + f64::from(r) * pitch_h;
                y < frame_h + 1.0 && y + tile_h > -1.0
            })
            .collect();
        let mut showings = Vec::new();
        if photos > 0 && velocity > 0.0 {
            for col in 0..layout.cols {
                let x = f64::from(col) * pitch_w;
                let enter_secs = (x - 1.0) / velocity - 1e-6;
                let leave_secs = (frame_w + x + tile_w + 1.0) / velocity + 1e-6;
                if enter_secs > layout.duration_secs || leave_secs < 0.0 {
                    continue;
                }
                for &row in &rows {
                    let cell = row as usize * layout.cols as usize + col as usize;
                    showings.push(Showing {
                        enter_secs,
                        leave_secs,
                        photo: u32::try_from(cell % photos as usize).unwrap_or(0),
                    });
                }
            }
        }
        let mut starts = vec![0u32; photos as usize + 1];
        for s in &showings {
            starts[s.photo as usize + 1] += 1;
        }
        for p in 0..photos as usize {
            starts[p + 1] += starts[p];
        }
        let mut fill = starts.clone();
        let mut by_photo = vec![0u32; showings.len()];
        for (i, s) in showings.iter().enumerate() {
            let at = &mut fill[s.photo as usize];
            by_photo[*at as usize] = u32::try_from(i).unwrap_or(u32::MAX);
            *at += 1;
        }
        let mut schedule = Self {
            showings,
            starts,
            by_photo,
            photo_count: photos,
            max_visible: 0,
            visible_rows: u32::try_from(rows.len()).unwrap_or(u32::MAX),
            layout: *layout,
        };
        schedule.max_visible = schedule
            .showings
            .iter()
            .map(|s| schedule.visible(s.enter_secs.max(0.0)).len())
            .max()
            .unwrap_or(0);
        schedule
    }

    /// Photos the grid shows (at most one per cell).
    #[must_use]
    pub fn photo_count(&self) -> u32 {
        self.photo_count
    }

    /// The cells on screen at `t_secs`.
    #[must_use]
    pub fn visible(&self, t_secs: f64) -> &[Showing] {
        let lo = self.first_not_left(t_secs);
        let hi = self.showings.partition_point(|s| s.enter_secs <= t_secs);
        &self.showings[lo..hi.max(lo)]
    }

    /// Most cells on screen at once: the fewest slots streaming can work with.
    #[must_use]
    pub fn max_visible(&self) -> usize {
        self.max_visible
    }

    /// Rows that are ever on screen (one column's worth of cells).
    #[must_use]
    pub fn visible_rows(&self) -> u32 {
        self.visible_rows
    }

    /// The first showing that has not left the screen by `t_secs`.
    pub(super) fn first_not_left(&self, t_secs: f64) -> usize {
        self.showings.partition_point(|s| s.leave_secs < t_secs)
    }

    /// How many showings after `from` the photo is next needed (`u64::MAX`: never again).
    pub(super) fn next_need(&self, photo: u32, from: usize, wrap: bool) -> u64 {
        let p = photo as usize;
        let Some(mine) = self
            .starts
            .get(p..=p + 1)
            .and_then(|r| self.by_photo.get(r[0] as usize..r[1] as usize))
        else {
            return u64::MAX;
        };
        let at = mine.partition_point(|&i| (i as usize) < from);
        match (mine.get(at), mine.first()) {
            (Some(&i), _) => (i as usize - from) as u64,
            (None, Some(&first)) if wrap => (self.showings.len() - from + first as usize) as u64,
            _ => u64::MAX,
        }
    }
}
