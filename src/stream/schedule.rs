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
    /// Every time a cell is on screen, in the order they come on (by enter time; a looping
    /// cell comes on once per pass). Sliding left as one, leave times increase along it too.
    pub(super) showings: Vec<Showing>,
    /// The latest leave time of `showings[..=i]`: the showings on screen at t all lie from
    /// the first index where it reaches t, whatever order the bands leave in.
    latest_leave: Vec<f64>,
    /// Indices into `showings` for each photo (photo p: `by_photo[starts[p]..starts[p + 1]]`).
    starts: Vec<u32>,
    by_photo: Vec<u32>,
    photo_count: u32,
    max_visible: usize,
    visible_rows: u32,
    pub(super) layout: Layout,
}

/// One cell along the motion: where it sits in its band, and its band.
struct Along {
    offset_px: f64,
    size_px: f64,
    band: u32,
}

impl Schedule {
    /// `photo_count` photos filling `layout`'s cells row-major (repeating when fewer).
    #[must_use]
    pub fn new(layout: &Layout, photo_count: usize) -> Self {
        let cell_count = layout.cell_count();
        let photos = u32::try_from(photos_shown(cell_count, photo_count)).unwrap_or(u32::MAX);
        let vertical = layout.direction.vertical();
        let (frame_along, frame_across) = if vertical {
            (f64::from(layout.frame_h_px), f64::from(layout.frame_w_px))
        } else {
            (f64::from(layout.frame_w_px), f64::from(layout.frame_h_px))
        };
        let (pitch_along, pitch_across) = {
            let w = f64::from(layout.tile_w_px + layout.gap_h_px);
            let h = f64::from(layout.tile_h_px + layout.gap_v_px);
            if vertical { (h, w) } else { (w, h) }
        };
        let (tile_along, tile_across) = if vertical {
            (f64::from(layout.tile_h_px), f64::from(layout.tile_w_px))
        } else {
            (f64::from(layout.tile_w_px), f64::from(layout.tile_h_px))
        };
        let (lines_along, lines_across) = if vertical {
            (layout.rows, layout.cols)
        } else {
            (layout.cols, layout.rows)
        };
        let cross = layout.cross_origin();
        // One pixel of margin each way: bilinear filtering reads half a pixel beyond an edge.
        let across: Vec<u32> = (0..lines_across)
            .filter(|&a| {
                let p = cross + f64::from(a) * pitch_across;
                p < frame_across + 1.0 && p + tile_across > -1.0
            })
            .collect();
        let mut showings = Vec::new();
        if photos > 0 {
            // Column by column (row by row moving vertically), as cells come on when the grid
            // slides as one; the sort below keeps that order among equal enter times.
            for along in 0..lines_along {
                for &band in &across {
                    let cell = if vertical {
                        along as usize * layout.cols as usize + band as usize
                    } else {
                        band as usize * layout.cols as usize + along as usize
                    };
                    let photo = u32::try_from(cell % photos as usize).unwrap_or(0);
                    let at = Along {
                        offset_px: f64::from(along) * pitch_along,
                        size_px: tile_along,
                        band,
                    };
                    push_showings(layout, &at, frame_along, photo, &mut showings);
                }
            }
        }
        showings.sort_by(|a, b| a.enter_secs.total_cmp(&b.enter_secs));
        let mut latest = f64::NEG_INFINITY;
        let latest_leave = showings
            .iter()
            .map(|s| {
                latest = latest.max(s.leave_secs);
                latest
            })
            .collect();
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
            latest_leave,
            starts,
            by_photo,
            photo_count: photos,
            max_visible: 0,
            visible_rows: u32::try_from(across.len()).unwrap_or(u32::MAX),
            layout: *layout,
        };
        schedule.max_visible = schedule
            .showings
            .iter()
            .map(|s| schedule.visible(s.enter_secs.max(0.0)).count())
            .max()
            .unwrap_or(0);
        schedule
    }

    /// Photos the grid shows (at most one per cell).
    #[must_use]
    pub fn photo_count(&self) -> u32 {
        self.photo_count
    }

    /// Photos that are on screen at some time: a photo whose only cells lie outside the frame
    /// (a grid taller than the frame, moving sideways) is never needed.
    #[must_use]
    pub fn photos_on_screen(&self) -> usize {
        self.starts.windows(2).filter(|w| w[1] > w[0]).count()
    }

    /// The cells on screen at `t_secs`.
    pub fn visible(&self, t_secs: f64) -> impl Iterator<Item = &Showing> + '_ {
        let lo = self.first_not_left(t_secs);
        let hi = self.showings.partition_point(|s| s.enter_secs <= t_secs);
        self.showings[lo..hi.max(lo)]
            .iter()
            .filter(move |s| s.leave_secs >= t_secs)
    }

    /// Most cells on screen at once: the fewest slots streaming can work with.
    #[must_use]
    pub fn max_visible(&self) -> usize {
        self.max_visible
    }

    /// Every time photo `photo` is on screen (in any cell).
    pub fn showings_of(&self, photo: u32) -> impl Iterator<Item = &Showing> + '_ {
        let p = photo as usize;
        let range = match (self.starts.get(p), self.starts.get(p + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        };
        self.by_photo[range]
            .iter()
            .map(|&i| &self.showings[i as usize])
    }

    /// Most cells on screen at once among those whose photo `counts`: the decoders clips
    /// on screen together would want.
    #[must_use]
    pub fn max_visible_of(&self, counts: impl Fn(u32) -> bool) -> usize {
        self.showings
            .iter()
            .filter(|s| counts(s.photo))
            .map(|s| {
                self.visible(s.enter_secs.max(0.0))
                    .filter(|v| counts(v.photo))
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    /// Bands that are ever on screen (one column's worth of cells moving sideways, one row's
    /// moving up or down).
    #[must_use]
    pub fn visible_rows(&self) -> u32 {
        self.visible_rows
    }

    /// The first showing that has not left the screen by `t_secs` (later ones may have).
    pub(super) fn first_not_left(&self, t_secs: f64) -> usize {
        self.latest_leave.partition_point(|&l| l < t_secs)
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

/// The times `at`'s cell is on screen, each pass of a loop its own showing. A band's
/// position along the motion is linear in t (see [`Layout::band_motion`]); the cell is on
/// screen while it is within a pixel of the frame.
fn push_showings(
    layout: &Layout,
    at: &Along,
    frame_along: f64,
    photo: u32,
    showings: &mut Vec<Showing>,
) {
    const PAD_SECS: f64 = 1e-6;
    let motion = layout.band_motion(at.band);
    let velocity = motion.velocity_px_per_sec.abs();
    let duration = layout.duration_secs;
    let mut push = |enter_secs: f64, leave_secs: f64| {
        let (enter_secs, leave_secs) = (enter_secs - PAD_SECS, leave_secs + PAD_SECS);
        if enter_secs <= duration && leave_secs >= 0.0 {
            showings.push(Showing {
                enter_secs,
                leave_secs,
                photo,
            });
        }
    };
    let (offset, size) = (at.offset_px, at.size_px);
    if velocity <= 0.0 {
        // A grid that stands still: a cell within a pixel of the frame is on screen for the
        // whole clip, the others never.
        let near = motion.start_px + offset;
        if near < frame_along + 1.0 && near + size > -1.0 {
            push(0.0, duration);
        }
        return;
    }
    // The cell is on screen while start + offset ± velocity·t lies in (−size − 1, frame + 1).
    let window = |start: f64| {
        if motion.velocity_px_per_sec < 0.0 {
            // Written as the slide-left formulas of before, to the last bit.
            let enter = (start - frame_along + offset - 1.0) / velocity;
            let leave = (start + offset + size + 1.0) / velocity;
            (enter, leave)
        } else {
            let enter = (-start - offset - size - 1.0) / velocity;
            let leave = (frame_along + 1.0 - start - offset) / velocity;
            (enter, leave)
        }
    };
    if !layout.looped {
        let (enter, leave) = window(motion.start_px);
        push(enter, leave);
        return;
    }
    // Looping: copies of the band every period; each copy is one pass across the frame.
    let period = layout.period_px();
    let travel = velocity * duration;
    // Copies that can reach the frame within the clip lie within this many periods of 0;
    // those that never do are dropped by `push`.
    let reach = ((frame_along + size + 2.0 + travel) / period).ceil() + 1.0;
    let (first, last) = (-reach, reach);
    let mut copy = first;
    while copy <= last {
        let (enter, leave) = window(copy * period);
        push(enter, leave);
        copy += 1.0;
    }
}
