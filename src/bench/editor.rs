//! Bench rows that run the editor itself: `gridreel --soak SECS` in child processes, in its
//! default 1400×860 window, against a bare eframe window of the same size (`--bare`), and its
//! memory after importing a photo set against the demo photos. They need a display (Xvfb will
//! do); without one they say so and the rest of the bench goes on.

use std::path::Path;
use std::process::{Command, Stdio};

use super::table::Row;

/// Seconds per soak: the soak's 5 s warm-up, then enough frames for a stable rate.
const SOAK_SECS: &str = "12";

/// What one `--soak` run printed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct SoakRun {
    pub fps: f64,
    /// RSS when the photos were imported and every tile was resident, if it got there.
    pub settled_rss_mb: Option<f64>,
}

/// Reads the report `gridreel --soak` prints (see `app::soak::SoakReport`'s `Display`).
pub(super) fn parse_soak(stdout: &str) -> Option<SoakRun> {
    let fps = stdout.lines().find_map(|l| {
        let l = l.strip_prefix("soak: ")?;
        let open = l.find('(')?;
        let close = l[open..].find(" fps)")?;
        l[open + 1..open + close].parse().ok()
    })?;
    let settled_rss_mb = stdout.lines().find_map(|l| {
        l.strip_prefix("import: ")?
            .split("RSS then ")
            .nth(1)?
            .trim_end_matches(" MB")
            .parse()
            .ok()
    });
    Some(SoakRun {
        fps,
        settled_rss_mb,
    })
}

/// Runs `gridreel --soak` with `args`.
fn soak(exe: &Path, args: &[&str]) -> Result<SoakRun, String> {
    eprintln!("gridreel --soak {SOAK_SECS} {} ...", args.join(" "));
    let out = Command::new(exe)
        .args(["--soak", SOAK_SECS])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {} ({e})", exe.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().last().unwrap_or("no message");
        return Err(format!("gridreel --soak failed: {last}"));
    }
    let run = parse_soak(&stdout).ok_or_else(|| format!("no soak report in: {stdout}"))?;
    eprintln!("  {:.1} fps", run.fps);
    Ok(run)
}

/// The median of `values` (the upper one of an even count); 0 for none.
pub(super) fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

fn list(values: &[f64], digits: usize) -> String {
    values
        .iter()
        .map(|v| format!("{v:.digits$}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The editor's rows: its frame rate against a bare eframe window (pairs run back to back),
/// and its RSS after importing `photos` against the demo photos.
pub(super) fn editor_rows(exe: &Path, photos: &Path, pairs: usize) -> Vec<Row> {
    const WHAT: &str = "editor vs bare window; editor RSS after import vs demo";
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()));
    if !has_display {
        return vec![Row::not_measured(
            WHAT,
            "no display (run the bench under Xvfb, see the README)",
        )];
    }
    match measure(exe, photos, pairs) {
        Ok(rows) => rows,
        Err(e) => vec![Row::not_measured(WHAT, &e)],
    }
}

fn measure(exe: &Path, photos: &Path, pairs: usize) -> Result<Vec<Row>, String> {
    let demo = crate::photos::demo_folder().map_err(|e| e.to_string())?;
    let demo = demo.to_string_lossy();
    let photos = photos.to_string_lossy();
    let mut editor = Vec::new();
    let mut bare = Vec::new();
    let mut imported = Vec::new();
    for _ in 0..pairs {
        editor.push(soak(exe, &["--images", &demo])?);
        bare.push(soak(exe, &["--bare", "panel"])?);
        imported.push(soak(exe, &["--images", &photos])?);
    }
    let clear = soak(exe, &["--bare", "clear"])?;

    let editor_fps: Vec<f64> = editor.iter().map(|r| r.fps).collect();
    let bare_fps: Vec<f64> = bare.iter().map(|r| r.fps).collect();
    // Frame time ratio: editor's time per frame over the bare window's, per pair.
    let ratios: Vec<f64> = editor_fps
        .iter()
        .zip(&bare_fps)
        .map(|(e, b)| b / e.max(1e-9))
        .collect();
    let mut rows = vec![Row {
        what: format!(
            "editor frame rate, default 1400x860 window, demo photos playing, vs a bare eframe \
             window of the same size (one default panel); {pairs} pairs of {SOAK_SECS} s soaks"
        ),
        value: format!(
            "{:.1} fps vs {:.1} fps: frame time {:.2}x the bare window's (editor: {}; bare: {}; \
             ratios: {}); a window that only clears: {:.1} fps",
            median(&editor_fps),
            median(&bare_fps),
            median(&ratios),
            list(&editor_fps, 1),
            list(&bare_fps, 1),
            list(&ratios, 2),
            clear.fps
        ),
        target: "≥ 60 fps; ≤ 2×",
    }];

    let settled = |runs: &[SoakRun]| -> Result<Vec<f64>, String> {
        runs.iter()
            .map(|r| {
                r.settled_rss_mb
                    .ok_or_else(|| "the import did not finish within the soak".to_owned())
            })
            .collect()
    };
    let demo_rss = settled(&editor)?;
    let imported_rss = settled(&imported)?;
    let extra: Vec<f64> = imported_rss
        .iter()
        .zip(&demo_rss)
        .map(|(i, d)| i - d)
        .collect();
    let count =
        crate::photos::scan_folder(Path::new(photos.as_ref()), false).map_or(0, |s| s.photos.len());
    rows.push(Row {
        what: format!(
            "editor RSS once {count} bench photos are imported and resident vs the demo photos; \
             {pairs} pairs"
        ),
        value: format!(
            "{:.1} MB vs {:.1} MB: {:+.1} MB (all: {})",
            median(&imported_rss),
            median(&demo_rss),
            median(&extra),
            list(&extra, 1)
        ),
        target: "≤ demo + 40 MB",
    });
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_soak_report() {
        let report = crate::app::soak::SoakReport {
            secs: 12.0,
            frames: 790,
            warm_up_secs: 5.0,
            rss_after_warm_up_mb: 170.0,
            rss_end_mb: 170.5,
            rss_peak_mb: 171.0,
            growth_mb: 0.5,
            slope_mb_per_min: 0.1,
            frame_cpu_ms: 0.3,
            settled: Some((0.4, 176.7)),
        };
        let run = parse_soak(&report.to_string()).unwrap();
        assert!((run.fps - 790.0 / 12.0).abs() < 0.05, "{run:?}");
        assert_eq!(run.settled_rss_mb, Some(176.7));
        let unsettled = crate::app::soak::SoakReport {
            settled: None,
            ..report
        };
        assert_eq!(
            parse_soak(&unsettled.to_string()).unwrap().settled_rss_mb,
            None
        );
        assert_eq!(parse_soak("nothing here"), None);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert!((median(&[3.0, 1.0, 2.0]) - 2.0).abs() < f64::EPSILON);
        assert!((median(&[4.0, 1.0, 3.0, 2.0]) - 3.0).abs() < f64::EPSILON);
        assert!(median(&[]).abs() < f64::EPSILON);
    }
}
