//! Clips that play (`--clips-only`). The clips are 1080p30 H.264, as a phone records them,
//! made once with the `ffmpeg` command line (`testsrc2`, x264 ultrafast) into the work
//! folder.
//!
//! - Speed: `gridreel render` (start to exit) of 6 clips among 30 photos against the `ffmpeg`
//!   command line encoding the same frames (our output decoded back to raw YUV) with x264's
//!   defaults, plus FFmpeg decoding each clip to null for as long as its cell is on screen
//!   (looping, as the export plays it): the work the export cannot avoid.
//! - Memory: the peak RSS of 200 clips against 200 photos under a 1 GB budget, and of one
//!   clip 10 s long against one 60 s long.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::memory::child_peak_rss;
use super::options::BenchOptions;
use super::process::{ffmpeg_args, run_child};
use super::table::{BenchResult, Row};
use super::timing::{MOTION_PAIRS, median_pair};
use crate::layout::Layout;
use crate::settings::{FrameSize, Settings};
use crate::stream::Schedule;

/// Positions of the 6 clips among the 36 cells (row-major): one in each row.
const CLIP_AT: [usize; 6] = [3, 8, 13, 19, 24, 30];

pub(super) fn rows(exe: &Path, photos: &Path, options: &BenchOptions) -> BenchResult<Vec<Row>> {
    let dir = options.work.join("clips");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {} ({e})", dir.display()))?;
    let clip10 = ensure_clip(&dir.join("clip-10s.mp4"), "1920x1080", 10)?;
    let clip60 = ensure_clip(&dir.join("clip-60s.mp4"), "1920x1080", 60)?;
    let small = ensure_clip(&dir.join("clip-2s-360p.mp4"), "640x360", 2)?;
    let stills: Vec<PathBuf> = crate::photos::scan_folder(photos, false)
        .map_err(|e| e.to_string())?
        .photos;
    if stills.is_empty() {
        return Err(format!("no photos in {}", photos.display()));
    }
    let mut rows = vec![speed_row(exe, &dir, (&stills, &clip10), options)?];
    if !options.skip_editor {
        // The speed row's folder: six clips among 30 photos, one in each row.
        let folder = dir.join("clips-6-of-36");
        rows.push(super::editor::clips_row(exe, &folder, &options.work, 2));
    }
    rows.push(many_row(exe, &dir, (&stills, &small), options)?);
    rows.push(length_row(exe, &dir, &stills, (&clip10, &clip60), options)?);
    Ok(rows)
}

/// A clip of `size` and `secs`, made once with the `ffmpeg` command line.
fn ensure_clip(path: &Path, size: &str, secs: u32) -> BenchResult<PathBuf> {
    if path.is_file() {
        return Ok(path.to_owned());
    }
    eprintln!("making {} ...", path.display());
    let source = format!("testsrc2=s={size}:r=30:d={secs}");
    let args = [
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        &source,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-crf",
        "23",
        "-pix_fmt",
        "yuv420p",
        "-g",
        "60",
    ];
    let made = Command::new("ffmpeg")
        .args(args)
        .arg(path)
        .status()
        .map_err(|e| format!("cannot run ffmpeg ({e})"))?;
    if !made.success() {
        return Err(format!("ffmpeg could not make {}", path.display()));
    }
    Ok(path.to_owned())
}

/// A folder `name` in `dir` holding copies of `items` (not links: the scan takes two paths
/// to one file as one photo), named so that they sort in this order.
fn folder(dir: &Path, name: &str, items: &[&Path]) -> BenchResult<PathBuf> {
    let folder = dir.join(name);
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder)
        .map_err(|e| format!("cannot create {} ({e})", folder.display()))?;
    for (i, item) in items.iter().enumerate() {
        let ext = item.extension().and_then(|e| e.to_str()).unwrap_or("jpg");
        let to = folder.join(format!("item-{i:04}.{ext}"));
        std::fs::copy(item, &to).map_err(|e| format!("cannot copy to {} ({e})", to.display()))?;
    }
    Ok(folder)
}

/// `count` of `stills`, from the first, over again when there are fewer.
fn cycled(stills: &[PathBuf], count: usize) -> Vec<&Path> {
    stills
        .iter()
        .cycle()
        .take(count)
        .map(PathBuf::as_path)
        .collect()
}

/// The 1080p slide of 36 cells: 30 photos and 6 clips (10 s each), one in each row.
fn speed_row(
    exe: &Path,
    dir: &Path,
    (stills, clip): (&[PathBuf], &Path),
    options: &BenchOptions,
) -> BenchResult<Row> {
    let mut items = cycled(stills, 30);
    for at in CLIP_AT {
        items.insert(at, clip);
    }
    let set = folder(dir, "clips-6-of-36", &items)?;
    let mut settings = options.settings(FrameSize::Hd, 180);
    settings.duration_secs = options.clip_secs;
    let preset = dir.join("bench-clips.ron");
    crate::settings::save_preset(&settings, &preset, true).map_err(|e| e.to_string())?;
    let (output, yuv, reference) = (
        dir.join("bench-clips.mp4"),
        dir.join("bench-clips.yuv"),
        dir.join("bench-clips-ffmpeg.mp4"),
    );
    let on_screen = on_screen_secs(&settings, items.len());
    let mut render = super::process::render_command(exe, &preset, &set, &output);
    let mut pairs = Vec::new();
    let mut threading = String::new();
    for pair in 1..=MOTION_PAIRS {
        eprintln!("clips: pair {pair} of {MOTION_PAIRS}: gridreel render, then ffmpeg ...");
        let (ours, stdout) = run_child(&mut render)?;
        threading = super::process::threading_of(&stdout);
        // The same frames back as raw YUV (not timed), encoded with x264's defaults.
        let decoded = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-i"])
            .arg(&output)
            .args(["-f", "rawvideo", "-pix_fmt", "yuv420p"])
            .arg(&yuv)
            .status()
            .map_err(|e| format!("cannot run ffmpeg ({e})"))?;
        if !decoded.success() {
            return Err("ffmpeg could not decode the export".into());
        }
        let args = ffmpeg_args(&yuv, (1920, 1080), &settings, &reference);
        let (encode, _) = run_child(&mut super::process::reference_command(&args))?;
        let mut decode_secs = 0.0;
        for &(at, secs) in &on_screen {
            let mut null = Command::new("ffmpeg");
            crate::heap::allow_huge_pages(&mut null);
            null.args([
                "-v",
                "error",
                "-stream_loop",
                "-1",
                "-t",
                &format!("{secs:.3}"),
                "-i",
            ]);
            null.arg(items[at]).args(["-f", "null", "-"]);
            decode_secs += run_child(&mut null)?.0.secs;
        }
        let theirs = encode.secs + decode_secs;
        let ratio = ours.secs / theirs.max(1e-9);
        eprintln!(
            "  gridreel {:.2} s ({:.0} MB); ffmpeg encode {:.2} s + decode {decode_secs:.2} s: {ratio:.2}",
            ours.secs, ours.peak_mb, encode.secs
        );
        pairs.push((ratio, (ours.secs, ours.peak_mb), (encode.secs, decode_secs)));
    }
    for path in [&output, &yuv, &reference, &preset] {
        let _ = std::fs::remove_file(path);
    }
    let ((ratio, ours, theirs), all) = median_pair(&mut pairs);
    let played: f64 = on_screen.iter().map(|(_, s)| s).sum();
    Ok(Row {
        what: format!(
            "clips: whole process ÷ (encoder alone + FFmpeg decoding the clips): `gridreel render` ({threading}) of 6 1080p30 H.264 clips (10 s, looping while on screen) among 30 photos, 1080p30 {:.0} s, {} CRF {}, vs the `ffmpeg` command line encoding the same frames with libx264's defaults plus decoding the clips to null for as long as their cells are on screen ({played:.1} s in all); median of {MOTION_PAIRS} pairs",
            settings.duration_secs,
            settings.video.x264_preset.name(),
            settings.video.quality_crf
        ),
        value: format!(
            "{ratio:.2} ({:.1} s, {:.0} MB vs {:.1} s + {:.1} s; all: {})",
            ours.0,
            ours.1,
            theirs.0,
            theirs.1,
            all.join(", ")
        ),
        target: "≤ 1.25",
    })
}

/// For each clip cell of a 36-cell grid (its index), the seconds it is on screen.
fn on_screen_secs(settings: &Settings, photos: usize) -> Vec<(usize, f64)> {
    let schedule = Schedule::new(&Layout::new(settings), photos);
    let end = settings.duration_secs;
    CLIP_AT
        .iter()
        .map(|&at| {
            let photo = u32::try_from(at).unwrap_or(0);
            let secs = schedule
                .showings_of(photo)
                .map(|s| (s.leave_secs.min(end) - s.enter_secs.max(0.0)).max(0.0))
                .sum();
            (at, secs)
        })
        .collect()
}

/// 200 short clips against 200 photos, 4 rows of 50, streaming through a 1 GB budget.
fn many_row(
    exe: &Path,
    dir: &Path,
    (stills, clip): (&[PathBuf], &Path),
    options: &BenchOptions,
) -> BenchResult<Row> {
    let photos = cycled(stills, 200);
    let clips = vec![clip; 200];
    let args = [
        "--rows",
        "4",
        "--cols",
        "50",
        "--tile-height",
        "180",
        "--duration",
        "10",
        "--memory-budget",
        "1GB",
    ];
    let photo_set = folder(dir, "photos-200", &photos)?;
    let (photo_peak, ..) = child_peak_rss(exe, &photo_set, dir, &args, options)?;
    let clip_set = folder(dir, "clips-200", &clips)?;
    let (clip_peak, ..) = child_peak_rss(exe, &clip_set, dir, &args, options)?;
    Ok(Row {
        what: "clips: peak RSS, 200 clips (640x360 H.264, playing) vs 200 photos, 4x50 grid of 180 px tiles, 1080p 10 s, 1 GB budget".into(),
        value: format!(
            "{clip_peak:.0} MB vs {photo_peak:.0} MB ({:+.0} MB)",
            clip_peak - photo_peak
        ),
        target: "photos' + the decoders' fixed cost",
    })
}

/// 30 photos and one 1080p clip that plays: 10 s long against 60 s long.
fn length_row(
    exe: &Path,
    dir: &Path,
    stills: &[PathBuf],
    (short, long): (&Path, &Path),
    options: &BenchOptions,
) -> BenchResult<Row> {
    let secs = format!("{:.0}", options.clip_secs);
    let args = ["--duration", secs.as_str()];
    let mut peaks = Vec::new();
    for clip in [short, long] {
        let mut items = cycled(stills, 30);
        items.insert(CLIP_AT[0], clip);
        let set = folder(dir, "clips-length", &items)?;
        peaks.push(child_peak_rss(exe, &set, dir, &args, options)?.0);
    }
    Ok(Row {
        what: format!(
            "clips: peak RSS, 1080p {secs} s export of 30 photos and one 1080p30 clip, 10 s vs 60 s long"
        ),
        value: format!(
            "{:.0} MB vs {:.0} MB ({:+.1} %)",
            peaks[0],
            peaks[1],
            (peaks[1] / peaks[0] - 1.0) * 100.0
        ),
        target: "within 10 %",
    })
}
