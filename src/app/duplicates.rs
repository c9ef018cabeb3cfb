//! What the editor knows of its photos' near-duplicates (*Edit → Skip near-duplicates*,
//! `photos.skip_duplicates`): those found, for which photo list, and the search running on
//! its own thread, the same one `gridreel render --skip-duplicates` makes. No egui here; the
//! editor's side is in `grid_photos`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, sync_channel};

use crate::photos::{self, Duplicate};

/// Near-duplicates found among the editor's photos, and the search for them.
#[derive(Default)]
pub struct DuplicateState {
    /// Those found among the current photos (whether or not the setting is on now).
    found: Vec<Duplicate>,
    /// The photo list they were looked for in (`None`: not looked for yet).
    found_for: Option<u64>,
    /// The current photo list: a new one is looked at afresh.
    list: u64,
    /// Whether the grid leaves them out, as last applied to the photo list.
    applied: bool,
    finder: Option<Finder>,
}

/// A search running on its own thread.
struct Finder {
    rx: Receiver<Vec<Duplicate>>,
    cancel: Arc<AtomicBool>,
    list: u64,
}

impl Drop for Finder {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

/// What a search brought in.
pub enum Found<'a> {
    /// Nothing yet, or a search of a list no longer shown.
    Nothing,
    /// The near-duplicates of the current list.
    Duplicates(&'a [Duplicate]),
    /// The search's thread ended without an answer.
    Failed,
}

impl DuplicateState {
    /// Those found in the current photo list (none before a search ends).
    #[must_use]
    pub fn found(&self) -> &[Duplicate] {
        &self.found
    }

    /// Whether a search is running.
    #[must_use]
    pub fn searching(&self) -> bool {
        self.finder.is_some()
    }

    /// A new photo list: what was found in the last one no longer applies.
    pub fn new_list(&mut self) {
        self.list += 1;
        self.found.clear();
        self.finder = None;
    }

    /// Records whether the grid leaves near-duplicates out; true when that changed.
    pub fn apply(&mut self, on: bool) -> bool {
        let changed = on != self.applied;
        self.applied = on;
        changed
    }

    /// Whether the current list still has to be searched (not found, not running).
    #[must_use]
    pub fn wanted(&self) -> bool {
        let running = self.finder.as_ref().is_some_and(|f| f.list == self.list);
        self.found_for != Some(self.list) && !running
    }

    /// Starts looking for the near-duplicates of `paths`, the current list, on a thread.
    pub fn search(&mut self, paths: Vec<PathBuf>) -> std::io::Result<()> {
        let (tx, rx) = sync_channel(1);
        let cancel = Arc::new(AtomicBool::new(false));
        let thread_cancel = Arc::clone(&cancel);
        std::thread::Builder::new()
            .name("gridreel-duplicates".into())
            .spawn(move || {
                let found = photos::find_duplicates(&paths, &thread_cancel);
                // The editor may have moved on; then nobody listens.
                let _ = tx.send(found);
            })?;
        self.finder = Some(Finder {
            rx,
            cancel,
            list: self.list,
        });
        Ok(())
    }

    /// Takes in what the search found, if it has ended.
    pub fn poll(&mut self) -> Found<'_> {
        let Some(finder) = &self.finder else {
            return Found::Nothing;
        };
        let found = match finder.rx.try_recv() {
            Ok(found) => found,
            Err(TryRecvError::Empty) => return Found::Nothing,
            Err(TryRecvError::Disconnected) => {
                self.finder = None;
                return Found::Failed;
            }
        };
        let list = finder.list;
        self.finder = None;
        if list != self.list {
            return Found::Nothing;
        }
        self.found = found;
        self.found_for = Some(list);
        Found::Duplicates(&self.found)
    }
}
