//! Which photo is in which texture slot, and what to load and evict next (Belady's rule:
//! the photo needed last goes first, exact because the schedule knows the future).

use super::NONE;
use super::schedule::Schedule;

/// A photo to decode into a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Load {
    pub photo: u32,
    pub slot: u32,
}

/// Which photo each slot holds, and the decisions of what to load and what to evict.
/// Sized once; planning allocates nothing.
#[derive(Debug)]
pub struct Residency {
    slot_photo: Vec<u32>,
    slot_ready: Vec<bool>,
    photo_slot: Vec<u32>,
    free: Vec<u32>,
    /// Photos wanted by the current plan carry the current stamp.
    mark: Vec<u32>,
    stamp: u32,
    wanted: Vec<u32>,
    loading: usize,
}

impl Residency {
    #[must_use]
    pub fn new(slots: u32, photos: u32) -> Self {
        Self {
            slot_photo: vec![NONE; slots as usize],
            slot_ready: vec![false; slots as usize],
            photo_slot: vec![NONE; photos as usize],
            free: (0..slots).rev().collect(),
            mark: vec![0; photos as usize],
            stamp: 0,
            wanted: Vec::with_capacity(slots as usize),
            loading: 0,
        }
    }

    /// The slot holding the photo's decoded tile, if it is resident.
    #[must_use]
    pub fn ready_slot(&self, photo: u32) -> Option<u32> {
        let slot = *self.photo_slot.get(photo as usize)?;
        (slot != NONE && self.slot_ready[slot as usize]).then_some(slot)
    }

    /// Photos being decoded now.
    #[must_use]
    pub fn loading(&self) -> usize {
        self.loading
    }

    /// Resident tiles.
    #[must_use]
    pub fn ready_count(&self) -> usize {
        self.slot_ready.iter().filter(|r| **r).count()
    }

    /// Decides what to decode for play head `t_secs`: the `slots` photos needed soonest are
    /// wanted (on screen first, then in the order they come on, wrapping to the start when
    /// the clip loops); each wanted photo without a slot takes a free one or the one whose
    /// photo is needed last. Calls `request` for each, at most `max_loading` at a time.
    /// Returns whether a resident photo was evicted.
    pub fn plan(
        &mut self,
        schedule: &Schedule,
        t_secs: f64,
        wrap: bool,
        max_loading: usize,
        mut request: impl FnMut(Load),
    ) -> bool {
        let showings = &schedule.showings;
        let n = showings.len();
        let start = schedule.first_not_left(t_secs);
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.mark.fill(0);
            self.stamp = 1;
        }
        self.wanted.clear();
        let span = if wrap { n } else { n - start.min(n) };
        for k in 0..span {
            let showing = &showings[(start + k) % n];
            if k < n - start.min(n) && showing.leave_secs < t_secs {
                continue; // a band that has already passed (bands leave in any order)
            }
            let photo = showing.photo;
            let Some(mark) = self.mark.get_mut(photo as usize) else {
                continue;
            };
            if *mark != self.stamp {
                *mark = self.stamp;
                self.wanted.push(photo);
                if self.wanted.len() == self.slot_photo.len() {
                    break;
                }
            }
        }
        let mut evicted = false;
        for i in 0..self.wanted.len() {
            let photo = self.wanted[i];
            if self.photo_slot[photo as usize] != NONE {
                continue;
            }
            if self.loading >= max_loading {
                break;
            }
            let Some(slot) = self.victim(schedule, start, wrap) else {
                break;
            };
            let old = self.slot_photo[slot as usize];
            if old != NONE {
                self.photo_slot[old as usize] = NONE;
                evicted = true;
            }
            self.slot_photo[slot as usize] = photo;
            self.slot_ready[slot as usize] = false;
            self.photo_slot[photo as usize] = slot;
            self.loading += 1;
            request(Load { photo, slot });
        }
        evicted
    }

    /// A free slot, else the ready slot whose photo is not wanted and is needed last.
    fn victim(&mut self, schedule: &Schedule, start: usize, wrap: bool) -> Option<u32> {
        if let Some(slot) = self.free.pop() {
            return Some(slot);
        }
        let mut best: Option<(u64, u32)> = None;
        for (slot, (&photo, &ready)) in self.slot_photo.iter().zip(&self.slot_ready).enumerate() {
            if !ready || self.mark[photo as usize] == self.stamp {
                continue;
            }
            let need = schedule.next_need(photo, start, wrap);
            if best.is_none_or(|(b, _)| need > b) {
                best = Some((need, u32::try_from(slot).unwrap_or(NONE)));
                if need == u64::MAX {
                    break;
                }
            }
        }
        best.map(|(_, slot)| slot)
    }

    /// A requested load finished (tile written, or its stand-in). False when the slot has
    /// meanwhile gone to another photo.
    pub fn finished(&mut self, load: Load) -> bool {
        self.loading = self.loading.saturating_sub(1);
        let mine = self.slot_photo.get(load.slot as usize) == Some(&load.photo);
        if mine {
            self.slot_ready[load.slot as usize] = true;
        }
        mine
    }

    /// Whether every photo on screen at `t_secs` is resident.
    #[must_use]
    pub fn all_ready(&self, schedule: &Schedule, t_secs: f64) -> bool {
        schedule
            .visible(t_secs)
            .all(|s| self.ready_slot(s.photo).is_some())
    }
}

impl Residency {
    /// Marks `photo` as resident in `slot` (for tiles loaded outside `plan`).
    pub(super) fn place(&mut self, photo: u32, slot: u32) {
        self.free.retain(|&s| s != slot);
        self.slot_photo[slot as usize] = photo;
        self.slot_ready[slot as usize] = true;
        self.photo_slot[photo as usize] = slot;
    }
}
