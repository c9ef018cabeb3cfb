//! How the C allocator (glibc's malloc, under Rust's `System` allocator) hands big buffers
//! back to the operating system.
//!
//! glibc serves an allocation above its mmap threshold with its own `mmap`, unmapped on free,
//! but raises that threshold (up to 32 MB) to the size of each such buffer freed. After the
//! first photo, the next decode buffers (full-size JPEG coefficients, decoded PNGs, a few to
//! tens of MB each) therefore come from the decode threads' heap arenas, and what is freed
//! there stays in the process: 36 JPEGs of 2.5–15 MP, half of them progressive, left the
//! editor 180–270 MB above the demo photos once imported. Fixing the threshold keeps every
//! buffer from 1 MB up out of the arenas, so it is returned the moment it is freed. Nothing
//! on a per-frame path allocates buffers that big (the preview and the export reuse theirs),
//! so the extra `mmap` calls are paid only by imports. Chosen over `malloc_trim` after the
//! import and over mimalloc by measurement (`tests/bench/editor_rss.sh`; numbers in the
//! commit that added this module).

/// Allocations of at least this many bytes get their own mapping, unmapped when freed.
pub const MMAP_THRESHOLD_BYTES: i32 = 1 << 20;

/// Free memory at the top of a heap arena that glibc keeps for reuse instead of returning it.
///
/// Setting the mmap threshold also stops glibc from raising this one (it would otherwise
/// follow at twice the mmap threshold), leaving the 128 KB default. Mesa's software Vulkan
/// driver (lavapipe) allocates 1–3 MB on its queue thread for every frame it draws, more
/// with the HUD's plots, and frees it after: with 128 KB, glibc gave that back to the
/// kernel and faulted it in again every frame (one ~1.9 MB `madvise` per frame with the
/// HUD), which the HUD showed as RSS swinging 3–6 MB. 8 MB keeps a frame's worth per arena.
pub const TRIM_THRESHOLD_BYTES: i32 = 8 << 20;

/// Makes glibc return big freed buffers to the OS at once and keep a frame's worth of small
/// ones (see the module docs and [`TRIM_THRESHOLD_BYTES`]). Call at the
/// top of `main`, before other threads start. Does nothing off glibc. Returns whether the
/// setting took.
#[must_use]
pub fn configure_allocator() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallopt` only changes a tuning parameter of glibc's allocator; it takes
        // plain integers, has no memory-safety preconditions and is thread-safe (it locks
        // the arena it changes).
        #[allow(unsafe_code)]
        let done = unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
                && libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1
        };
        done
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn a_freed_big_buffer_leaves_the_process() {
        assert!(super::configure_allocator());
        // One big buffer to raise glibc's threshold the way a first photo would, then more
        // of the same size: with the fixed threshold each is its own mapping, so freeing it
        // takes RSS back down.
        let rss_kb = || {
            std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?.to_owned();
                    line.split_whitespace().nth(1)?.parse::<i64>().ok()
                })
                .unwrap_or(0)
        };
        for _ in 0..3 {
            let buffer = vec![1u8; 24 << 20];
            std::hint::black_box(&buffer);
            drop(buffer);
        }
        let before = rss_kb();
        let buffer = vec![1u8; 24 << 20];
        std::hint::black_box(&buffer);
        let during = rss_kb();
        drop(buffer);
        let after = rss_kb();
        assert!(during - before > 20_000, "{before} {during}");
        assert!(
            during - after > 20_000,
            "not returned: {before} {during} {after}"
        );
    }
}
