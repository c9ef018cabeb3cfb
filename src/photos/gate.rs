//! A process-wide limit on the bytes of full-resolution decode buffers in flight. The
//! number of decode threads alone does not bound memory: a 14000×14000 16-bit PNG needs over
//! a gigabyte while it is decoded and converted, and every core may hold one. Each decode
//! first takes a permit for the bytes it will hold; while the limit is reached the next
//! decode waits. A decode larger than the whole limit runs alone.

use std::sync::{Condvar, Mutex};

/// Until a caller sets one (from its memory budget): room for two of the largest photos.
const DEFAULT_LIMIT_BYTES: u64 = 2 * super::MAX_PHOTO_ALLOC_BYTES;

struct Gate {
    /// (bytes in flight, limit)
    state: Mutex<(u64, u64)>,
    freed: Condvar,
}

static GATE: Gate = Gate {
    state: Mutex::new((0, DEFAULT_LIMIT_BYTES)),
    freed: Condvar::new(),
};

/// Sets the limit on decode bytes in flight (at least one megabyte).
pub fn set_decode_limit(bytes: u64) {
    if let Ok(mut state) = GATE.state.lock() {
        state.1 = bytes.max(1 << 20);
    }
    GATE.freed.notify_all();
}

/// Bytes held by one decode; released when dropped.
pub struct Permit(u64);

/// Waits until `bytes` fit under the limit (or nothing else is in flight) and takes them.
pub fn acquire(bytes: u64) -> Permit {
    let Ok(mut state) = GATE.state.lock() else {
        return Permit(0);
    };
    loop {
        let (used, limit) = *state;
        if used == 0 || used.saturating_add(bytes) <= limit {
            state.0 = used.saturating_add(bytes);
            return Permit(bytes);
        }
        state = match GATE.freed.wait(state) {
            Ok(s) => s,
            Err(_) => return Permit(0),
        };
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Ok(mut state) = GATE.state.lock() {
            state.0 = state.0.saturating_sub(self.0);
        }
        GATE.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
