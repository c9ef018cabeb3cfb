//! How the C allocator (glibc's malloc, under Rust's `System` allocator) hands big buffers
//! back to the operating system, and which page size big buffers get ([`avoid_huge_pages`]).
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

/// Turns transparent huge pages off for this process and the processes it starts (unless
/// [`allow_huge_pages`] undoes it for one), before any thread starts. Returns whether the
/// setting took (Linux only).
///
/// x264 asks for huge pages (`madvise(MADV_HUGEPAGE)`) for each buffer from 1.75 MB up and
/// rounds it to whole 2 MB pages, each faulted in and zeroed whole on first touch. Measured
/// on the 2-core build machine (a VM), a 4 s 1080p export of 36 photos: 1.1–1.6 s of kernel
/// time against 0.4 s without, 421 MB peak against 405 MB; x264 alone from raw frames (the
/// `ffmpeg` command line) 2.80–3.33 s and 289 MB against 2.07–2.45 s and 272 MB. Small pages
/// hold only what is touched, which is what a flat-memory tool wants; where faulting huge
/// pages is cheap (bare metal) they would spare x264 some TLB misses instead.
#[must_use]
pub fn avoid_huge_pages() -> bool {
    set_huge_pages_disabled(true)
}

/// Lets the process that `command` starts use huge pages as the system is set up to (for the
/// bench's references, which run as a user would run them), whatever this process chose.
pub fn allow_huge_pages(command: &mut std::process::Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: the closure runs in the forked child before `exec` and only makes the
        // `prctl` system call, which is async-signal-safe and touches no memory of ours.
        #[allow(unsafe_code)]
        unsafe {
            command.pre_exec(|| {
                set_huge_pages_disabled(false);
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}

fn set_huge_pages_disabled(disabled: bool) -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_SET_THP_DISABLE only sets a flag of this process's memory map (kept
        // across fork and exec); it takes plain integers and has no memory-safety
        // preconditions.
        #[allow(unsafe_code)]
        let done = unsafe {
            libc::prctl(
                libc::PR_SET_THP_DISABLE,
                libc::c_ulong::from(disabled),
                0,
                0,
                0,
            ) == 0
        };
        done
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = disabled;
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

    /// A buffer that asks for huge pages (as x264 does) holds only the page touched, and a
    /// process started with `allow_huge_pages` has the system's setting back.
    #[test]
    #[cfg(target_os = "linux")]
    fn huge_pages_are_off_for_us_and_back_for_a_reference() {
        let enabled = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
            .unwrap_or_default();
        assert!(super::avoid_huge_pages());
        // SAFETY (test): plain system calls on a mapping this test owns.
        #[allow(unsafe_code)]
        let resident_kb = unsafe {
            let len = 8usize << 20;
            let p = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            assert_ne!(p, libc::MAP_FAILED);
            // The middle of the mapping holds a whole aligned 2 MB page.
            let at = (p as usize + (3 << 20)) & !((2 << 20) - 1);
            assert_eq!(libc::madvise(p, len, libc::MADV_HUGEPAGE), 0);
            std::ptr::write_volatile(at as *mut u8, 1);
            let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
            let start = format!("{:x}-", p as usize);
            // The first `Rss:` after the mapping's own line is its.
            let entry = smaps
                .lines()
                .skip_while(|l| !l.starts_with(&start))
                .find(|l| l.starts_with("Rss:"))
                .unwrap()
                .to_owned();
            libc::munmap(p, len);
            entry
                .split_whitespace()
                .nth(1)
                .unwrap()
                .parse::<u64>()
                .unwrap()
        };
        assert!(
            resident_kb <= 64,
            "{resident_kb} kB resident for one byte (huge pages: {enabled})"
        );
        if enabled.is_empty() {
            // A kernel without transparent huge pages reports them off for every process.
            return;
        }
        let mut child = std::process::Command::new("grep");
        child.args(["THP_enabled", "/proc/self/status"]);
        super::allow_huge_pages(&mut child);
        let out = child.output().unwrap();
        let line = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            line.trim().ends_with('1'),
            "the child's huge pages: {line:?}"
        );
        let mut inherited = std::process::Command::new("grep");
        let out = inherited
            .args(["THP_enabled", "/proc/self/status"])
            .output()
            .unwrap();
        let line = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            line.trim().ends_with('0'),
            "a child inherits the setting: {line:?}"
        );
    }
}
