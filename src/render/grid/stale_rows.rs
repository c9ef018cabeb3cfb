//! Strip texels of the rolling still that are composed but stale in some rows only. A clip's
//! tile written again (its next frame) changes the strip rows that read that tile, not its
//! whole column: composing only those rows again is a sixth of the column's work in a
//! six-row grid, and a software rasteriser pays for every texel it composes.

// Ring sizes are a frame plus a few tiles wide, far inside i64 and u32.
#![allow(clippy::cast_possible_wrap, clippy::cast_possible_truncation)]

/// Per strip texel slot of the ring, the strip rows to compose again, if any.
pub(super) struct StaleRows {
    rows: Vec<Option<(u32, u32)>>,
}

impl StaleRows {
    pub fn new(slots: usize) -> Self {
        Self {
            rows: vec![None; slots],
        }
    }

    /// Marks rows `first..=last` of texel slot `slot` to compose again, with any it had.
    pub fn mark(&mut self, slot: usize, (first, last): (u32, u32)) {
        if let Some(rows) = self.rows.get_mut(slot) {
            *rows = Some(rows.map_or((first, last), |(a, b)| (a.min(first), b.max(last))));
        }
    }

    /// Forgets slot `slot`'s rows: it is composed whole.
    pub fn clear(&mut self, slot: usize) {
        if let Some(rows) = self.rows.get_mut(slot) {
            *rows = None;
        }
    }

    /// Adds scissor rectangles `[x, y, w, h]` for the stale rows of texels `first..=last`
    /// (held at slot k mod the slot count), one per run of slots with the same rows that does
    /// not wrap around the ring's end, and forgets those rows.
    pub fn drain_into(&mut self, (first, last): (i64, i64), rects: &mut Vec<[u32; 4]>) {
        let slots = self.rows.len() as i64;
        if slots == 0 {
            return;
        }
        let mut k = first;
        while k <= last {
            let start = k.rem_euclid(slots) as usize;
            k += 1;
            let Some(rows) = self.rows[start].take() else {
                continue;
            };
            let mut width = 1;
            while k <= last {
                let next = k.rem_euclid(slots) as usize;
                if next == 0 || self.rows[next] != Some(rows) {
                    break;
                }
                self.rows[next] = None;
                width += 1;
                k += 1;
            }
            rects.push([start as u32, rows.0, width, rows.1 - rows.0 + 1]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_the_same_rows_become_one_rectangle_and_never_wrap() {
        let mut stale = StaleRows::new(8);
        for slot in [6, 7, 0, 1] {
            stale.mark(slot, (10, 20));
        }
        stale.mark(3, (4, 5));
        stale.mark(3, (30, 31));
        let mut rects = Vec::new();
        stale.drain_into((6, 11), &mut rects);
        // 6, 7 | 0, 1 (the ring's end splits the run) | 3 with its rows joined.
        assert_eq!(rects, [[6, 10, 2, 11], [0, 10, 2, 11], [3, 4, 1, 28]]);
        rects.clear();
        stale.drain_into((0, 7), &mut rects);
        assert!(rects.is_empty(), "drained rows stay drained: {rects:?}");
        stale.mark(2, (1, 1));
        stale.clear(2);
        stale.drain_into((0, 7), &mut rects);
        assert!(rects.is_empty());
    }
}
