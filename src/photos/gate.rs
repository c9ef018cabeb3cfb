//! A process-wide limit on the bytes of full-resolution decode buffers in flight. The
//! number of decode threads alone does not bound memory: a 14000×14000 16-bit PNG needs over
//! a gigabyte while it is decoded and converted, and every core may hold one. Each decode
//! first takes a permit for the bytes it will hold; while the limit is reached the next
//! decode waits. A decode larger than the whole limit runs alone. The limit is the sum of the
//! decode budgets served by whoever decodes now (the preview's streamer, an export's), each
//! for as long as it lives.

use std::sync::{Condvar, Mutex};

/// While no one serves a budget: room for two of the largest photos.
const DEFAULT_LIMIT_BYTES: u64 = 2 * super::MAX_PHOTO_ALLOC_BYTES;

/// Bytes in flight, and the budgets being served.
#[derive(Clone, Copy)]
struct State {
    used: u64,
    /// The sum of the decode budgets of the live [`LimitShare`]s.
    shared: u64,
    shares: usize,
    /// The sum of the whole memory budgets the live shares come from.
    budgets: u64,
}

impl State {
    fn limit(self) -> u64 {
        if self.shares == 0 {
            DEFAULT_LIMIT_BYTES
        } else {
            self.shared.max(1 << 20)
        }
    }
}

/// The limit on decode bytes in flight: the sum of the budgets it serves. Each user of
/// decodes (the preview's streamer, an export's) serves its own budget for as long as it
/// lives, so two running at once neither overwrite nor shrink each other's limit.
pub struct Gate {
    state: Mutex<State>,
    freed: Condvar,
}

/// The process's gate: every photo decode takes its permit here.
static GATE: Gate = Gate::new();

/// Serves `bytes` of decode budget, out of a memory budget of `budget` bytes, on the
/// process's gate until the share is dropped.
#[must_use]
pub fn serve(bytes: u64, budget: u64) -> LimitShare<'static> {
    GATE.serve_from(bytes, budget)
}

/// The most one photo's decode may hold, whatever the budget: a photo of the largest side
/// (40,000 pixels) declares more, so a small file cannot claim a machine's memory.
pub const LARGEST_DECODE_BYTES: u64 = 4 << 30;

/// The most one photo's decode may hold (it then runs alone): the memory budget being served
/// (the sum, while a preview and an export both serve one), or, while none is, the default
/// budget of this machine; never less than the limit every format has, nor more than
/// [`LARGEST_DECODE_BYTES`].
#[must_use]
pub fn largest_decode() -> u64 {
    let budgets = GATE.state.lock().map_or(0, |s| s.budgets);
    let budget = if budgets == 0 {
        crate::settings::MemoryBudget::Auto.bytes(crate::monitor::total_ram_bytes())
    } else {
        budgets
    };
    budget.clamp(super::MAX_PHOTO_ALLOC_BYTES, LARGEST_DECODE_BYTES)
}

/// Waits until `bytes` fit under the process's limit (or nothing else is in flight) and takes
/// them.
pub fn acquire(bytes: u64) -> Permit {
    GATE.acquire(bytes)
}

impl Gate {
    #[must_use]
    pub const fn new() -> Self {
        Self {
            state: Mutex::new(State {
                used: 0,
                shared: 0,
                shares: 0,
                budgets: 0,
            }),
            freed: Condvar::new(),
        }
    }

    /// The limit now.
    #[must_use]
    pub fn limit(&self) -> u64 {
        self.state.lock().map_or(DEFAULT_LIMIT_BYTES, |s| s.limit())
    }

    /// Adds `bytes` to the limit until the share is dropped.
    #[must_use]
    pub fn serve(&self, bytes: u64) -> LimitShare<'_> {
        self.serve_from(bytes, 0)
    }

    /// [`Gate::serve`], the share being part of a memory budget of `budget` bytes.
    #[must_use]
    pub fn serve_from(&self, bytes: u64, budget: u64) -> LimitShare<'_> {
        if let Ok(mut state) = self.state.lock() {
            state.shared = state.shared.saturating_add(bytes);
            state.shares += 1;
            state.budgets = state.budgets.saturating_add(budget);
        }
        self.freed.notify_all();
        LimitShare {
            gate: self,
            bytes,
            budget,
        }
    }

    /// Waits until `bytes` fit under the limit (or nothing else is in flight) and takes them.
    pub fn acquire(&'static self, bytes: u64) -> Permit {
        let Ok(mut state) = self.state.lock() else {
            return Permit {
                gate: self,
                bytes: 0,
            };
        };
        loop {
            if state.used == 0 || state.used.saturating_add(bytes) <= state.limit() {
                state.used = state.used.saturating_add(bytes);
                return Permit { gate: self, bytes };
            }
            state = match self.freed.wait(state) {
                Ok(s) => s,
                Err(_) => {
                    return Permit {
                        gate: self,
                        bytes: 0,
                    };
                }
            };
        }
    }
}

impl Default for Gate {
    fn default() -> Self {
        Self::new()
    }
}

/// A budget served on a [`Gate`]; dropping it takes the budget back.
pub struct LimitShare<'a> {
    gate: &'a Gate,
    bytes: u64,
    budget: u64,
}

impl Drop for LimitShare<'_> {
    fn drop(&mut self) {
        if let Ok(mut state) = self.gate.state.lock() {
            state.shared = state.shared.saturating_sub(self.bytes);
            state.shares = state.shares.saturating_sub(1);
            state.budgets = state.budgets.saturating_sub(self.budget);
        }
        self.gate.freed.notify_all();
    }
}

/// Bytes held by one decode; released when dropped.
pub struct Permit {
    gate: &'static Gate,
    bytes: u64,
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Ok(mut state) = self.gate.state.lock() {
            state.used = state.used.saturating_sub(self.bytes);
        }
        self.gate.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The preview's streamer and an export's run at once: the limit is the sum of their
    /// budgets, and when the export ends the preview keeps its own (the process-wide setter
    /// this replaced left whichever was made last).
    #[test]
    fn a_preview_and_an_export_each_keep_their_budget() {
        static LOCAL: Gate = Gate::new();
        assert_eq!(LOCAL.limit(), DEFAULT_LIMIT_BYTES, "no one served yet");
        let preview = LOCAL.serve(64 << 20);
        assert_eq!(LOCAL.limit(), 64 << 20);
        let export = LOCAL.serve(192 << 20);
        assert_eq!(LOCAL.limit(), 256 << 20, "both at once");
        // Decodes of both fit together.
        let a = LOCAL.acquire(60 << 20);
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let waiter = std::thread::Builder::new()
            .name("gate-test-export".into())
            .spawn(move || {
                let _p = LOCAL.acquire(190 << 20);
                tx.send(()).unwrap();
            })
            .unwrap();
        rx.recv_timeout(std::time::Duration::from_secs(5))
            .expect("the export's decode fits beside the preview's");
        waiter.join().unwrap();
        drop(export);
        assert_eq!(LOCAL.limit(), 64 << 20, "the preview keeps its budget");
        drop(a);
        drop(preview);
        assert_eq!(LOCAL.limit(), DEFAULT_LIMIT_BYTES);
    }

    #[test]
    fn permits_wait_for_room_and_a_large_one_runs_alone() {
        // The gate is process-wide: other tests may hold permits, so only relative facts.
        let a = acquire(1);
        drop(a);
        let big = acquire(u64::MAX / 4);
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let waiter = std::thread::Builder::new()
            .name("gate-test".into())
            .spawn(move || {
                let _p = acquire(1 << 20);
                tx.send(()).unwrap();
            })
            .unwrap();
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(200))
                .is_err(),
            "must wait while the limit is taken"
        );
        drop(big);
        rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
        waiter.join().unwrap();
    }
}
