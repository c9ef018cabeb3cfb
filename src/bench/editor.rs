//! Bench rows that run the editor itself: `gridreel --soak SECS` in child processes, in its
//! default 1400×860 window, against a bare eframe window of the same size (`--bare`), and its
//! memory after importing a photo set against the demo photos. They need a display (Xvfb will
//! do); without one they say so and the rest of the bench goes on. Each soak writes its
//! `SoakReport` as RON to the file `GRIDREEL_SOAK_REPORT` names, and the rows read it back.

use std::path::Path;
use std::process::{Command, Stdio};

use super::table::Row;
use crate::app::soak::{REPORT_ENV, SoakReport};

/// Seconds per soak: the soak's 5 s warm-up, then enough frames for a stable rate.
const SOAK_SECS: &str = "12";
/// Seconds per soak with clips playing: their decoders open over the first seconds.
const CLIP_SOAK_SECS: &str = "20";

/// Runs `gridreel --soak SECS` with `args`; it writes its report to `report` (a file),
/// which this reads back.
fn soak(exe: &Path, (secs, args): (&str, &[&str]), report: &Path) -> Result<SoakReport, String> {
    eprintln!("gridreel --soak {secs} {} ...", args.join(" "));
    let _ = std::fs::remove_file(report);
    let out = Command::new(exe)
        .args(["--soak", secs])
        .args(args)
        .env(REPORT_ENV, report)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {} ({e})", exe.display()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().last().unwrap_or("no message");
        return Err(format!("gridreel --soak failed: {last}"));
    }
    let run = SoakReport::read(report)?;
    eprintln!("  {:.1} fps", run.fps());
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
/// and its RSS after importing `photos` against the demo photos. The soaks write their
/// reports in `work`.
pub(super) fn editor_rows(exe: &Path, photos: &Path, work: &Path, pairs: usize) -> Vec<Row> {
    const WHAT: &str = "editor vs bare window; editor RSS after import vs demo";
    if !has_display() {
        return vec![Row::not_measured(WHAT, NO_DISPLAY)];
    }
    let report = work.join("bench-soak.ron");
    let rows = measure(exe, photos, &report, pairs);
    let _ = std::fs::remove_file(&report);
    rows.unwrap_or_else(|e| vec![Row::not_measured(WHAT, &e)])
}

const NO_DISPLAY: &str = "no display (run the bench under Xvfb, see the README)";

fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()))
}

/// The editor's frame rate playing `folder` (its clips playing), with the toolbar and the
/// settings panel copied from their texture and, alternating, painted every frame
/// (`--paint-panels`); `pairs` pairs of soaks, their reports in `work`.
pub(super) fn clips_row(exe: &Path, folder: &Path, work: &Path, pairs: usize) -> Row {
    const WHAT: &str = "editor frame rate with clips playing";
    if !has_display() {
        return Row::not_measured(WHAT, NO_DISPLAY);
    }
    let report = work.join("bench-soak-clips.ron");
    let folder = folder.to_string_lossy();
    let run = || -> Result<(Vec<f64>, Vec<f64>), String> {
        let (mut copied, mut painted) = (Vec::new(), Vec::new());
        for _ in 0..pairs {
            let args = ["--images", folder.as_ref()];
            copied.push(soak(exe, (CLIP_SOAK_SECS, &args), &report)?.fps());
            let args = ["--images", folder.as_ref(), "--paint-panels"];
            painted.push(soak(exe, (CLIP_SOAK_SECS, &args), &report)?.fps());
        }
        Ok((copied, painted))
    };
    let measured = run();
    let _ = std::fs::remove_file(&report);
    match measured {
        Ok((copied, painted)) => Row {
            what: format!(
                "editor frame rate, default 1400x860 window, 6 1080p30 clips playing among 30 \
                 photos, standing panels copied vs painted each frame (--paint-panels); \
                 {pairs} pairs of {CLIP_SOAK_SECS} s soaks"
            ),
            value: format!(
                "{:.1} fps vs {:.1} fps (copied: {}; painted: {})",
                median(&copied),
                median(&painted),
                list(&copied, 1),
                list(&painted, 1)
            ),
            target: "≥ 30 fps",
        },
        Err(e) => Row::not_measured(WHAT, &e),
    }
}

fn measure(exe: &Path, photos: &Path, report: &Path, pairs: usize) -> Result<Vec<Row>, String> {
    let demo = crate::photos::demo_folder().map_err(|e| e.to_string())?;
    let demo = demo.to_string_lossy();
    let photos = photos.to_string_lossy();
    let mut editor = Vec::new();
    let mut bare = Vec::new();
    let mut imported = Vec::new();
    for _ in 0..pairs {
        editor.push(soak(exe, (SOAK_SECS, &["--images", &demo]), report)?);
        bare.push(soak(exe, (SOAK_SECS, &["--bare", "panel"]), report)?);
        imported.push(soak(exe, (SOAK_SECS, &["--images", &photos]), report)?);
    }
    let clear = soak(exe, (SOAK_SECS, &["--bare", "clear"]), report)?;

    let editor_fps: Vec<f64> = editor.iter().map(SoakReport::fps).collect();
    let bare_fps: Vec<f64> = bare.iter().map(SoakReport::fps).collect();
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
            clear.fps()
        ),
        target: "≥ 60 fps; ≤ 2×",
    }];

    // The RSS when the photos were imported and every tile was resident.
    let settled = |runs: &[SoakReport]| -> Result<Vec<f64>, String> {
        runs.iter()
            .map(|r| {
                r.settled
                    .map(|(_, rss_mb)| rss_mb)
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
    fn median_of_odd_and_even_counts() {
        assert!((median(&[3.0, 1.0, 2.0]) - 2.0).abs() < f64::EPSILON);
        assert!((median(&[4.0, 1.0, 3.0, 2.0]) - 3.0).abs() < f64::EPSILON);
        assert!(median(&[]).abs() < f64::EPSILON);
    }
}
