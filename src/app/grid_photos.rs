//! Which photos the grid shows: those in play (included, not a near-duplicate left out,
//! decoded, within the photo range), how many fit its cells, fitting the grid to them, and
//! their detail (for the size estimate), and the near-duplicates left out. No egui here.

use super::duplicates::Found;
use super::logic::{Editor, PhotoEntry};
use crate::layout::Layout;
use crate::photos::Duplicate;

impl Editor {
    /// `(shown, in play)` when the grid has fewer cells than the photos in play (included,
    /// within the photo range), so some are left out; `None` when all show.
    #[must_use]
    pub fn photos_shown(&self) -> Option<(usize, usize)> {
        if self.settings.validate().is_err() {
            return None;
        }
        let in_play = self.photos_in_play().len();
        let shown = crate::layout::photos_shown(Layout::new(&self.settings).cell_count(), in_play);
        (shown < in_play).then_some((shown, in_play))
    }

    /// The mean fine detail of the photos in play that have been measured (their thumbnails
    /// decoded), for the size estimate; the typical detail of real photographs until then.
    #[must_use]
    pub fn photo_detail(&self) -> f64 {
        let measured: Vec<f64> = self
            .photos_in_play()
            .iter()
            .filter_map(|p| p.detail)
            .collect();
        if measured.is_empty() {
            crate::export::estimate::TYPICAL_DETAIL
        } else {
            measured.iter().sum::<f64>() / measured.len() as f64
        }
    }

    /// Adds columns (the rows stay) until every photo in play has a cell. A grid that would
    /// then be too large keeps its size and says why.
    pub fn fit_grid_to_photos(&mut self) {
        let Some((_, active)) = self.photos_shown() else {
            return;
        };
        let rows = self.settings.rows.max(1) as usize;
        let before = self.settings.cols;
        self.settings.cols = u32::try_from(active.div_ceil(rows)).unwrap_or(u32::MAX);
        match self.settings.validate() {
            Ok(()) => self.settings_changed(),
            Err(e) => {
                self.settings.cols = before;
                self.errors
                    .push(format!("cannot fit the grid to the photos: {e}"));
            }
        }
    }

    /// The photos the video uses, in order: included, decoded, within the photo range, at
    /// most one per cell.
    #[must_use]
    pub fn active_photos(&self) -> Vec<&PhotoEntry> {
        let mut photos = self.photos_in_play();
        photos.truncate(Layout::new(&self.settings).cell_count());
        photos
    }

    /// The decoded photos that are included, not left out as near-duplicates, and within the
    /// photo range, in order: those the grid shows, as far as it has cells.
    pub(super) fn photos_in_play(&self) -> Vec<&PhotoEntry> {
        let skip_duplicates = self.settings.photos.skip_duplicates;
        let included: Vec<&PhotoEntry> = self
            .photos
            .iter()
            .filter(|p| p.included && !(skip_duplicates && p.duplicate_of.is_some()))
            .collect();
        let len = included.len();
        let start = self
            .settings
            .first_photo
            .map_or(0, |f| (f as usize).saturating_sub(1))
            .min(len);
        let end = self
            .settings
            .last_photo
            .map_or(len, |l| l as usize)
            .clamp(start, len);
        included[start..end]
            .iter()
            .filter(|p| p.thumb.is_some())
            .copied()
            .collect()
    }

    /// Leaves near-duplicates out of the grid, or takes them back.
    pub fn set_skip_duplicates(&mut self, on: bool) {
        self.settings.photos.skip_duplicates = on;
        self.settings_changed();
    }

    /// The photos left out as near-duplicates, each naming the photo it repeats: none while
    /// the setting is off.
    #[must_use]
    pub fn dropped_duplicates(&self) -> &[Duplicate] {
        if self.settings.photos.skip_duplicates {
            self.duplicates.found()
        } else {
            &[]
        }
    }

    /// Whether near-duplicates are being looked for.
    #[must_use]
    pub fn finding_duplicates(&self) -> bool {
        self.duplicates.searching()
    }

    /// Applies `photos.skip_duplicates` to the grid, and looks for the near-duplicates of the
    /// photo list, off the UI thread, when it is on and they are not known yet.
    pub(super) fn follow_skip_duplicates(&mut self) {
        let on = self.settings.photos.skip_duplicates;
        if self.duplicates.apply(on) {
            self.photos.shown_changed();
        }
        if !on || self.photos.is_empty() || !self.duplicates.wanted() {
            return;
        }
        if let Err(e) = self.duplicates.search(self.photos.paths()) {
            self.errors
                .push(format!("cannot start looking for near-duplicates: {e}"));
        }
    }

    /// Takes in what the search for near-duplicates found. Call once per frame.
    pub(super) fn poll_duplicates(&mut self) {
        match self.duplicates.poll() {
            Found::Nothing => {}
            Found::Duplicates(found) => {
                for d in found {
                    log::info!("{d}");
                }
                self.photos.mark_duplicates(found);
            }
            Found::Failed => self
                .errors
                .push("looking for near-duplicates stopped on a bug".to_owned()),
        }
    }
}
