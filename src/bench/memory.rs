//! Memory rows: the peak RSS of `gridreel render`, a child process each, for a short and a
//! long clip and for a small and a large photo set; and the large set's streamed export
//! against decoding the same tiles alone.

use std::path::Path;
use std::time::Instant;

use super::options::BenchOptions;
use super::table::{BenchResult, Row};
use crate::engine;
use crate::photos;
use crate::settings::{FrameSize, Settings};

/// The memory rows for the photos in `dir`, and for those in `large` when there is a large
/// set; `exe` is gridreel itself.
pub(super) fn rows(
    exe: &Path,
    dir: &Path,
    large: Option<&Path>,
    options: &BenchOptions,
) -> BenchResult<Vec<Row>> {
    let (short, ..) = child_peak_rss(exe, dir, &options.work, &["--duration", "10"], options)?;
    let (long, ..) = child_peak_rss(exe, dir, &options.work, &["--duration", "60"], options)?;
    let mut rows = vec![Row {
        what: "peak RSS, 1080p export, 10 s vs 60 s clip".into(),
        value: format!(
            "{short:.0} MB vs {long:.0} MB ({:+.1} %)",
            (long / short - 1.0) * 100.0
        ),
        target: "within 10 %",
    }];
    if let Some(large_dir) = large {
        rows.extend(large_rows(exe, large_dir, options)?);
    }
    Ok(rows)
}

/// Two rows of 720x540 tiles (1.5 MB each): 100 photos fit a 1 GB budget, 1,000 (1.5 GB)
/// stream through it. The peak RSS of both, then the streamed export's pace.
fn large_rows(exe: &Path, large_dir: &Path, options: &BenchOptions) -> BenchResult<Vec<Row>> {
    let grid = |photos: u32| {
        [
            "--rows".to_owned(),
            "2".to_owned(),
            "--cols".to_owned(),
            photos.div_ceil(2).to_string(),
            "--tile-height".to_owned(),
            "540".to_owned(),
            "--memory-budget".to_owned(),
            "1GB".to_owned(),
            "--duration".to_owned(),
            "10".to_owned(),
        ]
    };
    let peak = |photos: u32| {
        let args = grid(photos);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        child_peak_rss(exe, large_dir, &options.work, &args, options)
    };
    let ((hundred, ..), (all, all_secs, all_cpu)) =
        (peak(100.min(options.large))?, peak(options.large)?);
    let mut rows = vec![Row {
        what: format!(
            "peak RSS, 1080p export of 100 vs {} photos, 720x540 tiles, 1 GB budget",
            options.large
        ),
        value: format!("{hundred:.0} MB vs {all:.0} MB"),
        target: "both < 1324 MB (budget + 300 MB)",
    }];
    // The same streamed export's pace, photos through it per second of wall time, against
    // decoding the same tiles on every core with nothing else running. With the CPU times:
    // the export also renders and encodes on the same cores, so its wall time cannot be
    // below its CPU time over the cores.
    let (decode_rate, decode_secs, decode_cpu) = decode_rate(large_dir, options.large)?;
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    rows.push(Row {
        what: format!(
            "streamed 1080p export of {} photos (2 rows of 720x540 tiles, 10 s, 1 GB budget): photos per second of wall time vs decoding the same tiles on all cores alone; CPU time of each, and the export's CPU over {cores} cores",
            options.large
        ),
        value: format!(
            "{:.1} photos/s ({all_secs:.1} s, {all_cpu:.1} s CPU) vs {decode_rate:.1} photos/s ({decode_secs:.1} s, {decode_cpu:.1} s CPU); export CPU / {cores} cores = {:.1} s",
            f64::from(options.large) / all_secs.max(1e-9),
            all_cpu / cores as f64
        ),
        target: "equal",
    });
    Ok(rows)
}

/// Photos per second decoding the first `count` photos of `dir` to the large rows' 720x540
/// tiles on every core (rayon), nothing uploaded and nothing else running, with the seconds
/// and CPU seconds it took.
fn decode_rate(dir: &Path, count: u32) -> BenchResult<(f64, f64, f64)> {
    use rayon::prelude::*;
    let scan = photos::scan_folder(dir, false).map_err(|e| e.to_string())?;
    let paths = &scan.photos[..scan.photos.len().min(count as usize)];
    let settings = Settings {
        rows: 2,
        cols: count.div_ceil(2),
        tile_height_px: 540,
        frame: FrameSize::Hd,
        ..Settings::default()
    };
    let spec = engine::tile_spec(&settings);
    eprintln!(
        "decoding {} photos to {}x{} tiles ...",
        paths.len(),
        spec.width_px,
        spec.height_px
    );
    let started = Instant::now();
    let cpu = crate::monitor::cpu_secs(false);
    let decoded = paths
        .par_iter()
        .filter(|p| photos::decode_tile(p, &spec).is_ok())
        .count();
    let secs = started.elapsed().as_secs_f64();
    let cpu = crate::monitor::cpu_secs(false)
        .zip(cpu)
        .map_or(f64::NAN, |(b, a)| b - a);
    Ok((decoded as f64 / secs.max(1e-9), secs, cpu))
}

/// Runs `gridreel render` on `dir` with extra flags: its peak RSS in MB, wall seconds and
/// CPU seconds.
pub(super) fn child_peak_rss(
    exe: &Path,
    dir: &Path,
    work: &Path,
    extra: &[&str],
    options: &BenchOptions,
) -> BenchResult<(f64, f64, f64)> {
    let output = work.join("bench-rss.mp4");
    eprintln!("gridreel render {} ...", extra.join(" "));
    let started = Instant::now();
    let cpu = crate::monitor::children_cpu_secs();
    let run = std::process::Command::new(exe)
        .arg("render")
        .arg("--images")
        .arg(dir)
        .arg("-o")
        .arg(&output)
        .args([
            // -v: the peak RSS line is a detail.
            "--verbose",
            "--overwrite",
            "--frame",
            "hd",
            "--x264-preset",
            options.x264_preset.name(),
        ])
        .args(extra)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {} ({e})", exe.display()))?;
    let secs = started.elapsed().as_secs_f64();
    let cpu = crate::monitor::children_cpu_secs()
        .zip(cpu)
        .map_or(f64::NAN, |(b, a)| b - a);
    let _ = std::fs::remove_file(&output);
    let stderr = String::from_utf8_lossy(&run.stderr);
    if !run.status.success() {
        return Err(format!("gridreel render failed: {}", stderr.trim()));
    }
    if let Some(line) = stderr.lines().find(|l| l.contains(" MB budget")) {
        eprintln!("  {line}");
    }
    stderr
        .lines()
        .find_map(|l| l.strip_prefix(crate::monitor::PEAK_RSS_LABEL))
        .and_then(|v| v.trim().trim_end_matches("MB").trim().parse().ok())
        .map(|rss| (rss, secs, cpu))
        .ok_or_else(|| "gridreel render did not report its peak RSS".to_owned())
}
