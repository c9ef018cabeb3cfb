//! How the memory budget splits between resident tiles, decodes in flight and the still.

use super::StreamError;
use super::schedule::Schedule;
use crate::layout::Layout;

/// How many tiles may be decoded at once and how the budget splits, for one layout.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StreamPlan {
    /// Texture layers for tiles.
    pub slots: u32,
    /// Photos the grid shows; `slots < photos` means streaming.
    pub photos: u32,
    /// Whether the composed still fits the budget too.
    pub still: bool,
    pub tile_bytes: u64,
    /// Decodes in flight at once (each holds one tile in RAM until it is uploaded).
    pub max_loading: usize,
    pub workers: usize,
    /// Bytes of full-resolution decode buffers in flight (see [`crate::photos::gate`]): an
    /// eighth of the budget.
    pub decode_bytes: u64,
    /// The whole budget split here: one photo's decode may hold up to it (running alone).
    pub budget_bytes: u64,
    /// What is left of the budget once the tiles (and the still) are in: the rolling still
    /// may keep composed tile interiors in it (see `GridRenderer::set_strip_cache_limit`).
    pub spare_bytes: u64,
}

impl StreamPlan {
    /// Splits `budget` bytes (less `reserved`, e.g. thumbnails) between decode buffers, tiles
    /// in flight, resident tiles and the still. `still_bytes` is None when the layout has no still;
    /// `max_layers` is the device's texture array limit.
    pub fn new(
        layout: &Layout,
        schedule: &Schedule,
        budget: u64,
        reserved: u64,
        still_bytes: Option<u64>,
        max_layers: u32,
        workers: usize,
    ) -> Result<Self, StreamError> {
        let workers = workers.max(1);
        let max_loading = workers + 2;
        let tile_bytes = u64::from(layout.tile_w_px) * u64::from(layout.tile_h_px) * 4;
        let photos = schedule.photo_count();
        let in_flight = max_loading as u64 * tile_bytes;
        let decode_bytes = budget / 8;
        let available = budget.saturating_sub(reserved + in_flight + decode_bytes);
        let all = u64::from(photos) * tile_bytes;
        let mut plan = Self {
            slots: photos,
            photos,
            still: false,
            tile_bytes,
            max_loading,
            workers,
            decode_bytes,
            budget_bytes: budget,
            spare_bytes: 0,
        };
        if all <= available && photos <= max_layers {
            let still = still_bytes.filter(|s| all + s <= available);
            plan.still = still.is_some();
            plan.spare_bytes = available - all - still.unwrap_or(0);
            return Ok(plan);
        }
        // Streaming: enough slots for a full frame plus one column coming on.
        let needed = (schedule.max_visible() as u64 + u64::from(schedule.visible_rows()))
            .min(u64::from(photos));
        let fit = (available / tile_bytes.max(1)).min(u64::from(max_layers));
        if fit < needed {
            let mb = |b: u64| b.div_ceil(1 << 20);
            return Err(StreamError::BudgetTooSmall {
                budget_mb: mb(budget),
                // The decode share is an eighth of whatever budget is given.
                needed_mb: mb((needed * tile_bytes + in_flight + reserved) * 8 / 7),
                visible: schedule.max_visible(),
                tile_w: layout.tile_w_px,
                tile_h: layout.tile_h_px,
            });
        }
        plan.slots = u32::try_from(fit.min(u64::from(photos))).unwrap_or(max_layers);
        plan.spare_bytes = available.saturating_sub(u64::from(plan.slots) * tile_bytes);
        Ok(plan)
    }

    #[must_use]
    pub fn streams(&self) -> bool {
        self.slots < self.photos
    }

    /// Bytes of tiles this plan holds at most: slots plus tiles in flight (without the
    /// decode buffers and the still).
    #[must_use]
    pub fn tile_budget_bytes(&self) -> u64 {
        (u64::from(self.slots) + self.max_loading as u64) * self.tile_bytes
    }
}
