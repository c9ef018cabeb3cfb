//! Schedule, residency and plan tests.

use super::residency::Residency;
use super::schedule::Schedule;
use super::*;
use crate::layout::Layout;
use crate::settings::{FrameSize, Settings};

fn layout(rows: u32, cols: u32, frame: (u32, u32)) -> Layout {
    let settings = Settings {
        rows,
        cols,
        tile_height_px: 30,
        gap_h_px: 3,
        gap_v_px: 2,
        frame: FrameSize::Custom {
            width_px: frame.0,
            height_px: frame.1,
        },
        ..Settings::default()
    };
    Layout::new(&settings)
}

/// Cells whose rectangle at `t` (any copy of it, looping) comes within `margin` pixels of
/// the frame, each band at its own position.
fn cells_near_frame(layout: &Layout, t: f64, margin: f64) -> Vec<usize> {
    let vertical = layout.direction.vertical();
    let cols = layout.cols as usize;
    let period = layout.period_px();
    let copies: &[f64] = if layout.looped {
        &[-2.0, -1.0, 0.0, 1.0, 2.0]
    } else {
        &[0.0]
    };
    (0..layout.cell_count())
        .filter(|&c| {
            let r = layout.cell_rect(c);
            let band = u32::try_from(if vertical { c % cols } else { c / cols }).unwrap();
            let along = layout.band_origin_at(band, t);
            let cross = layout.cross_origin();
            copies.iter().any(|k| {
                let (x, y) = if vertical {
                    (cross + r.x, along + k * period + r.y)
                } else {
                    (along + k * period + r.x, cross + r.y)
                };
                x < f64::from(layout.frame_w_px) + margin
                    && x + r.width > -margin
                    && y < f64::from(layout.frame_h_px) + margin
                    && y + r.height > -margin
            })
        })
        .collect()
}

/// Layouts for every kind of motion, on a grid larger than the frame both ways.
fn motion_layouts() -> Vec<(&'static str, Layout)> {
    use crate::settings::Direction;
    let base = |edit: &dyn Fn(&mut Settings)| {
        let mut settings = Settings {
            rows: 5,
            cols: 40,
            tile_height_px: 30,
            gap_h_px: 3,
            gap_v_px: 2,
            duration_secs: 4.0,
            frame: FrameSize::Custom {
                width_px: 320,
                height_px: 100,
            },
            ..Settings::default()
        };
        edit(&mut settings);
        settings.validate().unwrap();
        Layout::new(&settings)
    };
    vec![
        ("left", base(&|_| {})),
        ("right", base(&|s| s.motion.direction = Direction::Right)),
        (
            "up",
            base(&|s| {
                s.motion.direction = Direction::Up;
                (s.rows, s.cols) = (40, 5);
                s.frame = FrameSize::Custom {
                    width_px: 100,
                    height_px: 320,
                };
            }),
        ),
        (
            "down",
            base(&|s| {
                s.motion.direction = Direction::Down;
                (s.rows, s.cols) = (40, 5);
                s.frame = FrameSize::Custom {
                    width_px: 100,
                    height_px: 320,
                };
            }),
        ),
        ("alternate", base(&|s| s.motion.alternate = true)),
        (
            "row speeds",
            base(&|s| s.motion.row_speeds = vec![1.0, 0.5, 1.6]),
        ),
        ("loop", base(&|s| s.motion.looped = true)),
        (
            "loop alternate speeds",
            base(&|s| {
                s.motion.looped = true;
                s.motion.alternate = true;
                s.motion.row_speeds = vec![0.7, 1.3];
                s.cols = 8;
            }),
        ),
        (
            "loop up",
            base(&|s| {
                s.motion.direction = Direction::Up;
                s.motion.looped = true;
                (s.rows, s.cols) = (7, 5);
                s.frame = FrameSize::Custom {
                    width_px: 100,
                    height_px: 320,
                };
            }),
        ),
        ("still", base(&|s| s.speed = 0.0)),
        (
            "still, asked up, looping, alternate",
            base(&|s| {
                s.speed = 0.0;
                s.motion.direction = Direction::Up;
                s.motion.looped = true;
                s.motion.alternate = true;
                s.motion.row_speeds = vec![0.7, 1.3];
            }),
        ),
    ]
}

/// A grid that stands still (speed 0): each cell within reach of the frame is on screen
/// once, from the start of the clip to its end; the others never are.
#[test]
fn a_grid_that_stands_still_shows_its_cells_for_the_whole_clip() {
    for (name, layout) in motion_layouts() {
        if !layout.stands_still() {
            continue;
        }
        let photos = layout.cell_count();
        let schedule = Schedule::new(&layout, photos);
        let near = cells_near_frame(&layout, 0.0, 1.0);
        assert!(!near.is_empty() && near.len() < photos, "{name}");
        assert_eq!(schedule.showings.len(), near.len(), "{name}");
        assert_eq!(schedule.photos_on_screen(), near.len(), "{name}");
        assert_eq!(schedule.max_visible(), near.len(), "{name}");
        for s in &schedule.showings {
            assert!(
                s.enter_secs <= 0.0 && s.leave_secs >= layout.duration_secs,
                "{name}: {s:?}"
            );
        }
    }
}

#[test]
fn every_motions_schedule_covers_exactly_the_cells_on_screen() {
    for (name, layout) in motion_layouts() {
        let photos = layout.cell_count();
        let schedule = Schedule::new(&layout, photos);
        for frame in 0..=120 {
            let t = f64::from(frame) / 30.0;
            let mut shown: Vec<u32> = schedule.visible(t).map(|s| s.photo).collect();
            shown.sort_unstable();
            for cell in cells_near_frame(&layout, t, 0.0) {
                let photo = u32::try_from(cell % photos).unwrap();
                assert!(
                    shown.binary_search(&photo).is_ok(),
                    "{name}, t={t}: cell {cell} missing"
                );
            }
            let near: Vec<u32> = cells_near_frame(&layout, t, 1.5)
                .into_iter()
                .map(|c| u32::try_from(c % photos).unwrap())
                .collect();
            assert!(
                shown.iter().all(|p| near.contains(p)),
                "{name}, t={t}: extra cells"
            );
            assert!(shown.len() <= schedule.max_visible(), "{name}");
        }
    }
}

#[test]
fn every_motion_streams_with_a_frame_and_a_band_of_slots() {
    for (name, layout) in motion_layouts() {
        let photos = layout.cell_count();
        let schedule = Schedule::new(&layout, photos);
        let slots = schedule.max_visible() + schedule.visible_rows() as usize;
        let slots = u32::try_from(slots.min(photos)).unwrap();
        // `play` asserts that every frame's photos are resident before it is drawn.
        let loads = play(&schedule, slots, 120, 30.0, layout.looped);
        // At most one load per time a photo comes on, plus (looping) the slots refilled
        // ahead for the next pass.
        let bound = schedule.showings.len() + slots as usize;
        assert!(loads <= bound, "{name}: {loads} loads, bound {bound}");
        if !layout.looped && !layout.alternate {
            let ever: std::collections::BTreeSet<u32> =
                schedule.showings.iter().map(|s| s.photo).collect();
            assert_eq!(loads, ever.len(), "{name}: each photo loads once");
        }
    }
}

#[test]
fn schedule_covers_exactly_the_cells_on_screen() {
    // The grid is taller than the frame, so some rows are never on screen.
    let layout = layout(5, 40, (320, 100));
    let photos = 200;
    let schedule = Schedule::new(&layout, photos);
    for frame in 0..=120 {
        let t = f64::from(frame) / 30.0;
        let mut shown: Vec<u32> = schedule.visible(t).map(|s| s.photo).collect();
        shown.sort_unstable();
        // Everything that touches the frame is there...
        for cell in cells_near_frame(&layout, t, 0.0) {
            let photo = u32::try_from(cell % photos).unwrap();
            assert!(
                shown.binary_search(&photo).is_ok(),
                "t={t}: cell {cell} missing"
            );
        }
        // ...and nothing farther than the filter margin.
        let near: Vec<u32> = cells_near_frame(&layout, t, 1.5)
            .into_iter()
            .map(|c| u32::try_from(c % photos).unwrap())
            .collect();
        assert!(shown.iter().all(|p| near.contains(p)), "t={t}: extra cells");
        assert!(shown.len() <= schedule.max_visible());
    }
    assert!(schedule.visible_rows() < 5);
}

/// Plays the timeline with loads that finish at once; returns the number of loads.
fn play(schedule: &Schedule, slots: u32, frames: u32, fps: f64, wrap: bool) -> usize {
    let mut residency = Residency::new(slots, schedule.photo_count());
    let mut loads = 0;
    for frame in 0..frames {
        let t = f64::from(frame) / fps;
        let mut queued = Vec::new();
        // Loads complete between plans, as the workers deliver them.
        while !residency.all_ready(schedule, t) || queued.is_empty() {
            residency.plan(schedule, t, wrap, 4, |load| queued.push(load));
            if queued.is_empty() {
                break;
            }
            for load in queued.drain(..) {
                assert!(residency.finished(load));
                loads += 1;
            }
        }
        assert!(residency.all_ready(schedule, t), "frame {frame} not ready");
    }
    loads
}

#[test]
fn streaming_loads_each_photo_once_when_the_grid_slides_past() {
    let layout = layout(3, 60, (320, 100));
    let schedule = Schedule::new(&layout, 180);
    let needed = schedule.max_visible() + schedule.visible_rows() as usize;
    let slots = u32::try_from(needed).unwrap();
    assert!(slots < 60, "the test must stream ({slots} slots)");
    let loads = play(&schedule, slots, 120, 30.0, false);
    let ever_shown: std::collections::BTreeSet<u32> =
        schedule.showings.iter().map(|s| s.photo).collect();
    assert_eq!(loads, ever_shown.len());
}

#[test]
fn eviction_drops_the_photo_needed_last() {
    // One row, six photos repeating: 0 1 2 3 4 5 0 1 2 3 4 5.
    let layout = layout(1, 12, (60, 30));
    let schedule = Schedule::new(&layout, 6);
    let mut residency = Residency::new(4, 6);
    let mut loads = Vec::new();
    residency.plan(&schedule, 0.0, false, 8, |l| loads.push(l));
    assert_eq!(
        loads.iter().map(|l| l.photo).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    for l in loads.drain(..) {
        residency.finished(l);
    }
    // Cells 0 and 1 have left; photo 4 needs a slot. Photo 0 comes back at cell 6,
    // photo 1 only at cell 7: photo 1 goes (first-in-first-out would drop photo 0).
    let t = schedule.showings[1].leave_secs + 1e-3;
    assert_eq!(schedule.first_not_left(t), 2);
    residency.plan(&schedule, t, false, 1, |l| loads.push(l));
    assert_eq!(loads.len(), 1);
    assert_eq!(loads[0].photo, 4);
    assert!(residency.ready_slot(0).is_some());
    assert!(residency.ready_slot(1).is_none());
}

#[test]
fn with_a_slot_per_photo_each_loads_once_even_when_looping() {
    let layout = layout(1, 40, (200, 30));
    let schedule = Schedule::new(&layout, 12);
    assert_eq!(play(&schedule, 12, 480, 60.0, true), 12);
    let tight = u32::try_from(schedule.max_visible() + 1).unwrap();
    assert!(play(&schedule, tight, 480, 60.0, true) > 12);
}

#[test]
fn plan_fits_all_or_streams_or_says_the_budget_is_too_small() {
    let layout = layout(4, 300, (640, 120));
    let schedule = Schedule::new(&layout, 1200);
    let tile = u64::from(layout.tile_w_px * layout.tile_h_px * 4);
    let all = StreamPlan::new(&layout, &schedule, 1 << 30, 0, Some(1 << 20), 2048, 2).unwrap();
    assert!(!all.streams() && all.still);
    let streaming =
        StreamPlan::new(&layout, &schedule, 300 * tile, 0, Some(1 << 20), 2048, 2).unwrap();
    assert!(streaming.streams() && !streaming.still);
    // 300 tiles' worth: 4 decode in flight, an eighth for decode buffers, the rest slots.
    assert_eq!(
        u64::from(streaming.slots),
        (300 * tile - 300 * tile / 8) / tile - 4
    );
    assert_eq!(streaming.decode_bytes, 300 * tile / 8);
    let layers = StreamPlan::new(&layout, &schedule, 1 << 30, 0, None, 256, 2).unwrap();
    assert_eq!(layers.slots, 256);
    let err = StreamPlan::new(&layout, &schedule, 10 * tile, 0, None, 2048, 2).unwrap_err();
    assert!(err.to_string().contains("too small"), "{err}");
}

#[test]
fn photos_below_a_grid_taller_than_the_frame_are_never_on_screen() {
    // Six rows of 30 px (pitch 32) in a 100 px high frame: rows 0-3 show (row 3 from
    // y = 96), rows 4 and 5 never do. The editor waits for the photos on screen only.
    let tall = layout(6, 4, (320, 100));
    let schedule = Schedule::new(&tall, 24);
    assert_eq!(schedule.photos_on_screen(), 16);
    let all = layout(3, 4, (320, 100));
    assert_eq!(Schedule::new(&all, 12).photos_on_screen(), 12);
}
