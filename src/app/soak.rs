//! `gridreel --soak SECS`: plays the preview for a fixed time, samples the process's RSS once a
//! second into a buffer sized up front, then prints how much memory grew after warm-up. With
//! `GRIDREEL_SOAK_REPORT=FILE` it also writes the report to FILE as RON, for a program to read
//! (`gridreel bench` does, with `SoakReport::read`).

use std::path::Path;
use std::time::{Duration, Instant};

/// Share of the run treated as warm-up (caches, fonts, shader JIT), at least `MIN_WARM_UP`.
const WARM_UP_SHARE: f64 = 0.2;
const MIN_WARM_UP: Duration = Duration::from_secs(5);
/// Growth below this over the measured window counts as flat (the editor issue's limit).
pub const FLAT_LIMIT_MB: f64 = 1.0;
/// The environment variable naming the file a soak writes its report to as RON.
pub const REPORT_ENV: &str = "GRIDREEL_SOAK_REPORT";

/// A running soak: the editor calls `frame` once per UI frame.
pub struct Soak {
    length: Duration,
    started: Instant,
    next_sample: Duration,
    /// (seconds since start, RSS in MB), one per second; capacity reserved at start.
    samples: Vec<(f64, f64)>,
    frames: u64,
    frame_cpu: Duration,
    /// When the import and the preview's tiles were first all done: (seconds, RSS in MB).
    settled: Option<(f64, f64)>,
}

/// What a soak found: printed for people (`Display`), written as RON for programs.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SoakReport {
    pub secs: f64,
    pub frames: u64,
    pub warm_up_secs: f64,
    pub rss_after_warm_up_mb: f64,
    pub rss_end_mb: f64,
    pub rss_peak_mb: f64,
    /// End minus after-warm-up.
    pub growth_mb: f64,
    /// Least-squares slope over the measured window.
    pub slope_mb_per_min: f64,
    /// Mean time the UI thread spent building and submitting one frame.
    pub frame_cpu_ms: f64,
    /// When the photos were imported and every tile was resident, and the RSS then:
    /// (seconds since start, RSS in MB).
    pub settled: Option<(f64, f64)>,
}

impl SoakReport {
    /// Frames per second over the whole soak.
    #[must_use]
    pub fn fps(&self) -> f64 {
        self.frames as f64 / self.secs.max(1e-9)
    }

    /// Prints the report and, when `GRIDREEL_SOAK_REPORT` names a file, writes it there too.
    pub fn publish(&self) {
        println!("{self}");
        if let Some(path) = std::env::var_os(REPORT_ENV)
            && let Err(e) = self.write(Path::new(&path))
        {
            eprintln!("soak: {e}");
        }
    }

    /// Writes the report to `path` as RON.
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let text = ron::to_string(self).map_err(|e| format!("cannot write the report ({e})"))?;
        std::fs::write(path, text)
            .map_err(|e| format!("cannot write the report ({e}): {}", path.display()))
    }

    /// Reads a report `write` wrote.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("no soak report ({e}): {}", path.display()))?;
        ron::from_str(&text)
            .map_err(|e| format!("unreadable soak report ({e}): {}", path.display()))
    }
}

impl Soak {
    #[must_use]
    pub fn new(length: Duration) -> Self {
        let capacity = usize::try_from(length.as_secs()).unwrap_or(0) + 2;
        Self {
            length,
            started: Instant::now(),
            next_sample: Duration::ZERO,
            samples: Vec::with_capacity(capacity),
            frames: 0,
            frame_cpu: Duration::ZERO,
            settled: None,
        }
    }

    /// Records one frame (`busy`: time spent in it) and, once a second, the RSS; `settled`:
    /// the import is over and every tile is resident. Returns the report when the soak is over.
    pub fn frame(
        &mut self,
        busy: Duration,
        rss_mb: Option<f64>,
        settled: bool,
    ) -> Option<SoakReport> {
        self.frames += 1;
        self.frame_cpu += busy;
        let elapsed = self.started.elapsed();
        if settled
            && self.settled.is_none()
            && let Some(rss) = rss_mb
        {
            self.settled = Some((elapsed.as_secs_f64(), rss));
        }
        if elapsed >= self.next_sample
            && let Some(rss) = rss_mb
            && self.samples.len() < self.samples.capacity()
        {
            self.samples.push((elapsed.as_secs_f64(), rss));
            self.next_sample += Duration::from_secs(1);
        }
        (elapsed >= self.length).then(|| self.report())
    }

    fn report(&self) -> SoakReport {
        let secs = self.started.elapsed().as_secs_f64();
        let warm_up = (secs * WARM_UP_SHARE).max(MIN_WARM_UP.as_secs_f64());
        let measured: Vec<(f64, f64)> = self
            .samples
            .iter()
            .copied()
            .filter(|(t, _)| *t >= warm_up)
            .collect();
        let first = measured.first().map_or(0.0, |s| s.1);
        let last = measured.last().map_or(0.0, |s| s.1);
        let frames = self.frames.max(1);
        SoakReport {
            secs,
            frames: self.frames,
            warm_up_secs: warm_up,
            rss_after_warm_up_mb: first,
            rss_end_mb: last,
            rss_peak_mb: self.samples.iter().map(|s| s.1).fold(0.0, f64::max),
            growth_mb: last - first,
            slope_mb_per_min: slope(&measured) * 60.0,
            frame_cpu_ms: self.frame_cpu.as_secs_f64() * 1000.0 / frames as f64,
            settled: self.settled,
        }
    }
}

/// Least-squares slope of `(x, y)` points (0 for fewer than two).
#[must_use]
pub fn slope(points: &[(f64, f64)]) -> f64 {
    if points.len() < 2 {
        return 0.0;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx > 0.0 { sxy / sxx } else { 0.0 }
}

impl std::fmt::Display for SoakReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verdict = if self.growth_mb.abs() < FLAT_LIMIT_MB {
            "flat"
        } else {
            "GROWING"
        };
        writeln!(
            f,
            "soak: {:.0} s, {} frames ({:.1} fps), {:.2} ms UI-thread time per frame",
            self.secs,
            self.frames,
            self.fps(),
            self.frame_cpu_ms
        )?;
        writeln!(
            f,
            "RSS: {:.1} MB after {:.0} s warm-up, {:.1} MB at the end, peak {:.1} MB",
            self.rss_after_warm_up_mb, self.warm_up_secs, self.rss_end_mb, self.rss_peak_mb
        )?;
        match self.settled {
            Some((secs, rss)) => writeln!(
                f,
                "import: photos and tiles all in after {secs:.1} s, RSS then {rss:.1} MB"
            )?,
            None => writeln!(f, "import: still running at the end")?,
        }
        write!(
            f,
            "growth over the last {:.0} s: {:+.2} MB ({:+.3} MB/min fitted): {verdict} (limit {FLAT_LIMIT_MB} MB)",
            self.secs - self.warm_up_secs,
            self.growth_mb,
            self.slope_mb_per_min
        )
    }
}

/// What `--soak SECS --bare` draws instead of the editor, in a window of the editor's size
/// and renderer, so that the editor's frame rate can be read against eframe's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Bare {
    /// What any eframe app draws: one default central panel (filled) with a label.
    Panel,
    /// Only the clear colour and a label: eframe's floor on this machine.
    Clear,
}

/// A bare window that repaints continuously for a soak.
pub struct BareApp {
    kind: Bare,
    soak: Option<Soak>,
    monitor: crate::monitor::Monitor,
}

impl BareApp {
    #[must_use]
    pub fn new(kind: Bare, length: Duration) -> Self {
        Self {
            kind,
            soak: Some(Soak::new(length)),
            monitor: crate::monitor::Monitor::start(),
        }
    }
}

impl eframe::App for BareApp {
    fn ui(&mut self, ui: &mut eframe::egui::Ui, _frame: &mut eframe::Frame) {
        let now = Instant::now();
        let panel = match self.kind {
            Bare::Panel => eframe::egui::CentralPanel::default(),
            Bare::Clear => eframe::egui::CentralPanel::default().frame(eframe::egui::Frame::NONE),
        };
        panel.show(ui, |ui| {
            ui.label("bare window");
        });
        let ctx = ui.ctx().clone();
        if let Some(soak) = &mut self.soak {
            let rss = self.monitor.with_stats(|s| s.rss_mb.last()).flatten();
            if let Some(report) = soak.frame(now.elapsed(), rss, true) {
                report.publish();
                self.soak = None;
                ctx.send_viewport_cmd(eframe::egui::ViewportCommand::Close);
            }
        }
        ctx.request_repaint();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_measures_growth_after_warm_up() {
        let mut soak = Soak::new(Duration::from_secs(100));
        // Fake samples: 50 MB of warm-up growth, then +0.01 MB/s.
        for i in 0..=100 {
            let t = f64::from(i);
            let rss = if t < 20.0 {
                100.0 + 2.5 * t
            } else {
                150.0 + 0.01 * (t - 20.0)
            };
            soak.samples.push((t, rss));
        }
        soak.started = Instant::now()
            .checked_sub(Duration::from_secs(100))
            .unwrap();
        let r = soak.report();
        assert!((r.warm_up_secs - 20.0).abs() < 0.5);
        assert!((r.growth_mb - 0.8).abs() < 0.02, "{r:?}");
        assert!((r.slope_mb_per_min - 0.6).abs() < 0.01, "{r:?}");
        assert!(r.to_string().contains("flat"));
    }

    #[test]
    fn the_report_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("soak.ron");
        let report = SoakReport {
            secs: 12.000_3,
            frames: 790,
            warm_up_secs: 5.0,
            rss_after_warm_up_mb: 170.0,
            rss_end_mb: 170.5,
            rss_peak_mb: 171.0,
            growth_mb: 0.5,
            slope_mb_per_min: -0.1,
            frame_cpu_ms: 0.3,
            settled: Some((0.4, 176.7)),
        };
        for report in [
            report.clone(),
            SoakReport {
                settled: None,
                ..report
            },
        ] {
            report.write(&path).unwrap();
            assert_eq!(SoakReport::read(&path).unwrap(), report);
        }
        std::fs::write(&path, "soak: 12 s").unwrap();
        assert!(SoakReport::read(&path).is_err());
    }

    #[test]
    fn slope_of_a_line() {
        let pts: Vec<(f64, f64)> = (0..10)
            .map(|i| (f64::from(i), 3.0 * f64::from(i)))
            .collect();
        assert!((slope(&pts) - 3.0).abs() < 1e-12);
        assert!(slope(&pts[..1]).abs() < f64::EPSILON);
    }
}
