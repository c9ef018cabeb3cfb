//! Process memory (RSS) and CPU sampled by a named background thread into fixed-capacity
//! histories, with peak and growth rate, for the HUD and the soak mode.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Samples per second.
pub const SAMPLE_HZ: u32 = 4;
/// Seconds of history kept.
pub const HISTORY_SECS: u32 = 60;
const CAPACITY: usize = (SAMPLE_HZ * HISTORY_SECS) as usize;

/// A fixed-capacity ring of `(seconds since start, value)`; pushing never allocates.
#[derive(Clone, Debug)]
pub struct History {
    points: Vec<[f64; 2]>,
    next: usize,
    len: usize,
}

impl History {
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            points: vec![[0.0; 2]; capacity.max(1)],
            next: 0,
            len: 0,
        }
    }

    pub fn push(&mut self, t_secs: f64, value: f64) {
        self.points[self.next] = [t_secs, value];
        self.next = (self.next + 1) % self.points.len();
        self.len = (self.len + 1).min(self.points.len());
    }

    /// Oldest to newest.
    pub fn iter(&self) -> impl Iterator<Item = [f64; 2]> + '_ {
        let cap = self.points.len();
        let start = (self.next + cap - self.len) % cap;
        (0..self.len).map(move |i| self.points[(start + i) % cap])
    }

    #[must_use]
    pub fn last(&self) -> Option<f64> {
        self.iter().last().map(|p| p[1])
    }

    #[must_use]
    pub fn max(&self) -> Option<f64> {
        self.iter().map(|p| p[1]).reduce(f64::max)
    }

    /// Least-squares slope of value over time, per second (0 with fewer than 2 points).
    #[must_use]
    pub fn slope_per_sec(&self) -> f64 {
        let n = self.len as f64;
        if self.len < 2 {
            return 0.0;
        }
        let (mut st, mut sv) = (0.0, 0.0);
        for [t, v] in self.iter() {
            st += t;
            sv += v;
        }
        let (mt, mv) = (st / n, sv / n);
        let (mut num, mut den) = (0.0, 0.0);
        for [t, v] in self.iter() {
            num += (t - mt) * (v - mv);
            den += (t - mt) * (t - mt);
        }
        if den > 0.0 { num / den } else { 0.0 }
    }
}

impl History {
    /// Slope per second of the history's floor: the least-squares line through the lowest
    /// point of each `bucket_secs` span. Memory that swings up and back down (buffers made
    /// and freed every few seconds) leaves the floor flat, so only growth that stays counts;
    /// a plain fit reads such a swing as growth or shrinkage depending on where the window
    /// cuts it. 0 with fewer than two spans. Allocates nothing.
    #[must_use]
    pub fn floor_slope_per_sec(&self, bucket_secs: f64) -> f64 {
        self.floor_slope_per_sec_since(bucket_secs, f64::NEG_INFINITY)
    }

    /// [`History::floor_slope_per_sec`] of the samples taken at or after `since_secs` only.
    #[must_use]
    pub fn floor_slope_per_sec_since(&self, bucket_secs: f64, since_secs: f64) -> f64 {
        let points = || self.iter().filter(move |p| p[0] >= since_secs);
        let Some(first) = points().next() else {
            return 0.0;
        };
        // Whole bucket numbers; samples are seconds apart, far inside i64.
        #[allow(clippy::cast_possible_truncation)]
        let bucket_of = |t: f64| ((t - first[0]) / bucket_secs.max(1e-9)).floor() as i64;
        // Running sums of the bucket minima: n, Σt, Σv, Σt², Σtv.
        let mut sums = [0.0f64; 5];
        let mut add = |[t, v]: [f64; 2]| {
            sums[0] += 1.0;
            sums[1] += t;
            sums[2] += v;
            sums[3] += t * t;
            sums[4] += t * v;
        };
        let mut current = (bucket_of(first[0]), first);
        for point in points() {
            let bucket = bucket_of(point[0]);
            if bucket != current.0 {
                add(current.1);
                current = (bucket, point);
            } else if point[1] < current.1[1] {
                current.1 = point;
            }
        }
        add(current.1);
        let [n, st, sv, stt, stv] = sums;
        let den = n * stt - st * st;
        if n < 2.0 || den <= 0.0 {
            0.0
        } else {
            (n * stv - st * sv) / den
        }
    }
}

/// What the HUD plots.
#[derive(Clone, Debug)]
pub struct Stats {
    pub rss_mb: History,
    pub cpu_percent: History,
    pub frame_ms: History,
    pub peak_rss_mb: f64,
    /// Seconds since start of the last moment the process was busy on a job (importing,
    /// exporting, re-uploading tiles): memory growth is measured after it only, since memory
    /// a job leaves behind for reuse is not a leak.
    pub steady_since_secs: f64,
}

impl Stats {
    /// Seconds of steady state behind the newest RSS sample.
    #[must_use]
    pub fn steady_secs(&self) -> f64 {
        self.rss_mb
            .iter()
            .last()
            .map_or(0.0, |p| (p[0] - self.steady_since_secs).max(0.0))
    }
}

/// Owner of the sampling thread; dropping it stops the thread.
pub struct Monitor {
    stats: Arc<Mutex<Stats>>,
    stop: Arc<AtomicBool>,
    started: Instant,
}

impl Monitor {
    /// Starts the `gridreel-monitor` thread.
    #[must_use]
    pub fn start() -> Self {
        let stats = Arc::new(Mutex::new(Stats {
            rss_mb: History::new(CAPACITY),
            cpu_percent: History::new(CAPACITY),
            frame_ms: History::new(CAPACITY),
            peak_rss_mb: 0.0,
            steady_since_secs: 0.0,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let thread_stats = Arc::clone(&stats);
        let thread_stop = Arc::clone(&stop);
        let spawned = std::thread::Builder::new()
            .name("gridreel-monitor".into())
            .spawn(move || sample_loop(&thread_stats, &thread_stop, started));
        if let Err(e) = spawned {
            log::warn!("memory/CPU monitor not started: {e}");
        }
        Self {
            stats,
            stop,
            started,
        }
    }

    /// Records the time one UI frame took.
    pub fn record_frame_ms(&self, ms: f64) {
        let t = self.started.elapsed().as_secs_f64();
        if let Ok(mut s) = self.stats.lock() {
            s.frame_ms.push(t, ms);
        }
    }

    /// The process is busy on a job now: growth is measured from here on.
    pub fn mark_busy(&self) {
        let t = self.started.elapsed().as_secs_f64();
        if let Ok(mut s) = self.stats.lock() {
            s.steady_since_secs = t;
        }
    }

    /// A copy of the histories (for drawing).
    #[must_use]
    pub fn snapshot(&self) -> Option<Stats> {
        self.stats.lock().ok().map(|s| s.clone())
    }

    /// Runs `f` on the histories without copying them.
    pub fn with_stats<R>(&self, f: impl FnOnce(&Stats) -> R) -> Option<R> {
        self.stats.lock().ok().map(|s| f(&s))
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn sample_loop(stats: &Mutex<Stats>, stop: &AtomicBool, started: Instant) {
    use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System};
    let Ok(pid) = sysinfo::get_current_pid() else {
        return;
    };
    let Ok(mut system) = System::new() else {
        log::warn!("memory/CPU monitor: process information is not available here");
        return;
    };
    let refresh = ProcessRefreshKind::nothing().with_memory().with_cpu();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get) as f64;
    while !stop.load(Ordering::Relaxed) {
        system.refresh_processes_specifics(ProcessesToUpdate::Some(&[pid]), true, refresh);
        if let Some(process) = system.process(pid) {
            let t = started.elapsed().as_secs_f64();
            let rss_mb = process.memory() as f64 / (1024.0 * 1024.0);
            // sysinfo reports CPU as a percentage of one core; show the share of the machine.
            let cpu = f64::from(process.cpu_usage()) / cores;
            if let Ok(mut s) = stats.lock() {
                s.rss_mb.push(t, rss_mb);
                s.cpu_percent.push(t, cpu);
                s.peak_rss_mb = s.peak_rss_mb.max(rss_mb);
            }
        }
        std::thread::sleep(Duration::from_millis(u64::from(1000 / SAMPLE_HZ)));
    }
}

/// The machine's total RAM in bytes (4 GB when it cannot be read); read once.
#[must_use]
pub fn total_ram_bytes() -> u64 {
    const FALLBACK: u64 = 4 << 30;
    static TOTAL: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TOTAL.get_or_init(|| match sysinfo::System::new() {
        Ok(mut system) => {
            system.refresh_memory();
            Some(system.total_memory())
                .filter(|&b| b > 0)
                .unwrap_or(FALLBACK)
        }
        Err(_) => FALLBACK,
    })
}

/// The settings' memory budget in bytes on this machine.
#[must_use]
pub fn budget_bytes(settings: &crate::settings::Settings) -> u64 {
    settings.memory_budget.bytes(total_ram_bytes())
}

/// How `gridreel render` reports its peak memory on stderr (the bench reads it back).
pub const PEAK_RSS_LABEL: &str = "peak RSS:";

/// The process's peak resident set size so far, in MB (Linux `VmHWM`; None elsewhere).
#[must_use]
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// CPU time (user + system) used so far by the whole process, or by the calling thread
/// (Linux `/proc`; None elsewhere). Resolution: one clock tick, usually 10 ms.
#[must_use]
pub fn cpu_secs(thread_only: bool) -> Option<f64> {
    let path = if thread_only {
        "/proc/thread-self/stat"
    } else {
        "/proc/self/stat"
    };
    // utime and stime are fields 14 and 15 of the full line.
    stat_ticks(path, 14).map(|ticks| ticks / CLOCK_TICKS_PER_SEC)
}

/// CPU time (user + system) of this process's children that have ended and been waited
/// for, so far (Linux `/proc`; None elsewhere).
#[must_use]
pub fn children_cpu_secs() -> Option<f64> {
    // cutime and cstime are fields 16 and 17.
    stat_ticks("/proc/self/stat", 16).map(|ticks| ticks / CLOCK_TICKS_PER_SEC)
}

/// The sum of fields `field` and `field + 1` (numbered from 1, as in proc(5)) of a stat file.
fn stat_ticks(path: &str, field: usize) -> Option<f64> {
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name (field 2), which is in parentheses and may contain
    // spaces: field 3 is the first of them.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let mut fields = rest.split_whitespace().skip(field - 3);
    let a: f64 = fields.next()?.parse().ok()?;
    let b: f64 = fields.next()?.parse().ok()?;
    Some(a + b)
}

/// `sysconf(_SC_CLK_TCK)` is 100 on every Linux platform Rust supports.
const CLOCK_TICKS_PER_SEC: f64 = 100.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_keeps_the_newest_and_fits_a_line() {
        let mut h = History::new(4);
        for i in 0..10 {
            h.push(f64::from(i), 2.0 * f64::from(i) + 1.0);
        }
        let values: Vec<f64> = h.iter().map(|p| p[1]).collect();
        assert_eq!(values, vec![13.0, 15.0, 17.0, 19.0]);
        assert!((h.slope_per_sec() - 2.0).abs() < 1e-9);
        assert_eq!(h.max(), Some(19.0));
    }

    #[test]
    fn the_floor_fit_ignores_swings_and_sees_growth_that_stays() {
        // 60 s at 4 samples/s: RSS swings between 163.7 and 167.3 MB every 5 s (a buffer
        // made and freed), ending on a rise, as the HUD's churn did.
        let mut swinging = History::new(240);
        let mut leaking = History::new(240);
        for i in 0..240 {
            let t = f64::from(i) / 4.0;
            let phase = (t % 5.0) / 5.0;
            let swing = 163.7 + 3.6 * phase;
            swinging.push(t, swing);
            leaking.push(t, swing + t / 60.0); // + 1 MB/min that stays
        }
        assert!(
            swinging.slope_per_sec().abs() * 60.0 > 0.05,
            "a plain fit is fooled"
        );
        assert!(swinging.floor_slope_per_sec(5.0).abs() * 60.0 < 0.01);
        let leak = leaking.floor_slope_per_sec(5.0) * 60.0;
        assert!((leak - 1.0).abs() < 0.05, "{leak}");
    }

    #[test]
    fn growth_is_measured_over_the_steady_window_only() {
        // An export raises RSS by 40 MB over 20 s and leaves 30 MB of it for reuse; the
        // 40 s after are flat. Over the whole minute that reads as growth; since the export
        // ended, as none.
        let mut rss = History::new(240);
        for i in 0..240 {
            let t = f64::from(i) / 4.0;
            let v = if t < 20.0 { 170.0 + 2.0 * t } else { 200.0 };
            rss.push(t, v);
        }
        assert!(rss.floor_slope_per_sec(5.0) * 60.0 > 20.0);
        let steady = rss.floor_slope_per_sec_since(5.0, 20.0) * 60.0;
        assert!(steady.abs() < 0.01, "{steady}");
        assert!(rss.floor_slope_per_sec_since(5.0, 100.0).abs() < f64::EPSILON);
    }

    #[test]
    fn proc_readings_are_plausible() {
        if !std::path::Path::new("/proc/self/stat").exists() {
            return; // not Linux
        }
        let peak = peak_rss_mb().expect("VmHWM");
        assert!(peak > 1.0 && peak < 1e6, "{peak}");
        // Spin until this thread has used 50 ms of CPU by its own count, however busy the
        // machine (a fixed wall-clock spin got under 20 ms of CPU while builds ran beside it):
        // the reading must grow, and never faster than the wall clock.
        let before = cpu_secs(true).expect("thread stat");
        let mut x = 0u64;
        let start = std::time::Instant::now();
        let mut spent = 0.0;
        while spent < 0.05 && start.elapsed() < Duration::from_secs(10) {
            for _ in 0..100_000 {
                x = x.wrapping_mul(31).wrapping_add(7);
            }
            spent = cpu_secs(true).expect("thread stat") - before;
        }
        std::hint::black_box(x);
        let wall = start.elapsed().as_secs_f64();
        assert!(
            spent >= 0.05 && spent <= wall + 0.02,
            "{spent} s of thread CPU in {wall} s"
        );
        assert!(cpu_secs(false).expect("process stat") >= spent);
    }

    #[test]
    fn a_waited_child_counts_in_children_cpu() {
        if !std::path::Path::new("/proc/self/stat").exists() {
            return; // not Linux
        }
        let before = children_cpu_secs().expect("children stat");
        // A shell that spins for about 0.3 s of CPU.
        let status = std::process::Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"])
            .status()
            .expect("sh");
        assert!(status.success());
        let spent = children_cpu_secs().expect("children stat") - before;
        assert!(spent >= 0.05, "{spent}");
    }
}
