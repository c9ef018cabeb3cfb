//! The whole process against the encoder alone, as a user waits: `gridreel render` as a
//! child process, start to exit, against the `ffmpeg` command line encoding the same frames
//! from raw YUV with the encoder's defaults (x264: frame threads and its preset's
//! look-ahead) at the same preset and CRF. The peak RSS of each, and which threads gridreel
//! used: with a tight budget it takes sliced threads, and the row shows the trade.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::options::BenchOptions;
use super::ratio::prerender;
use super::table::{BenchResult, Row};
use super::timing::{MOTION_PAIRS, RATIO_PAIRS, median_pair};
use crate::export;
use crate::render::{Gpu, VideoFrame};
use crate::settings::{FrameSize, Settings};

/// What a user may wait for a whole render against x264 alone on the same frames.
const PROCESS_TARGET: &str = "≤ 1.15";

/// One case: the settings, its name, a memory budget for `gridreel render` (None: its
/// default), and the target.
struct Case {
    name: String,
    settings: Settings,
    budget: Option<&'static str>,
    pairs: usize,
    target: &'static str,
}

/// The whole-process rows: the 1080p slide with the default budget (frame threads) and with
/// a budget too tight for them (sliced threads); the 4K marquee unless skipped.
pub(super) fn rows(
    gpu: &Gpu,
    exe: &Path,
    dir: &Path,
    options: &BenchOptions,
) -> BenchResult<Vec<Row>> {
    let mut hd = options.settings(FrameSize::Hd, 180);
    hd.duration_secs = options.clip_secs;
    let mut cases = vec![
        Case {
            name: "1080p30".into(),
            settings: hd.clone(),
            budget: None,
            pairs: RATIO_PAIRS,
            target: PROCESS_TARGET,
        },
        Case {
            name: "1080p30, 256 MB budget".into(),
            settings: hd,
            budget: Some("256MB"),
            pairs: MOTION_PAIRS,
            target: "-",
        },
    ];
    if !options.skip_4k {
        cases.push(Case {
            name: "4K marquee 4x250 tiles".into(),
            settings: options.marquee(),
            budget: None,
            pairs: MOTION_PAIRS,
            target: "-",
        });
    }
    let mut rows = Vec::new();
    for case in &cases {
        rows.push(process_row(gpu, exe, dir, &options.work, case)?);
    }
    Ok(rows)
}

/// A child process's wall time, CPU time and peak RSS.
#[derive(Clone, Copy)]
pub(super) struct ChildRun {
    pub secs: f64,
    pub cpu: f64,
    pub peak_mb: f64,
}

fn process_row(gpu: &Gpu, exe: &Path, dir: &Path, work: &Path, case: &Case) -> BenchResult<Row> {
    let settings = &case.settings;
    let output = work.join("bench-process.mp4");
    let reference = work.join("bench-process-ffmpeg.mp4");
    let preset = work.join("bench-process.ron");
    crate::settings::save_preset(settings, &preset, true).map_err(|e| e.to_string())?;
    let format = export::Format::resolve(&output, &settings.video).map_err(|e| e.to_string())?;
    let (timeline, _) = format.timeline(settings);
    let yuv = work.join("bench-process.yuv");
    let (w, h) = {
        let frames = prerender(gpu, dir, &timeline, format)?;
        write_raw(&yuv, &frames)?;
        (frames[0].width_px, frames[0].height_px)
    };
    let video = &settings.video;
    let ffmpeg_args = ffmpeg_args(&yuv, (w, h), settings, &reference);
    let mut render = render_command(exe, &preset, dir, &output);
    if let Some(budget) = case.budget {
        render.args(["--memory-budget", budget]);
    }
    let mut pairs = Vec::with_capacity(case.pairs);
    let mut small = Vec::with_capacity(case.pairs);
    let mut threading = String::new();
    for pair in 1..=case.pairs {
        eprintln!(
            "{}: pair {pair} of {}: gridreel render, then ffmpeg ...",
            case.name, case.pairs
        );
        let (ours, stdout) = run_child(&mut render)?;
        threading = threading_of(&stdout);
        let (theirs, _) = run_child(&mut reference_command(&ffmpeg_args))?;
        // The same encode with the huge-page setting gridreel runs under, inherited.
        let (small_pages, _) = run_child(Command::new("ffmpeg").args(&ffmpeg_args))?;
        let ratio = ours.secs / theirs.secs.max(1e-9);
        let small_ratio = ours.secs / small_pages.secs.max(1e-9);
        eprintln!(
            "  gridreel {:.2} s ({:.0} MB), ffmpeg {:.2} s ({:.0} MB): {ratio:.2}; ffmpeg without huge pages {:.2} s ({:.0} MB): {small_ratio:.2}",
            ours.secs,
            ours.peak_mb,
            theirs.secs,
            theirs.peak_mb,
            small_pages.secs,
            small_pages.peak_mb
        );
        pairs.push((ratio, ours, theirs));
        small.push((small_ratio, ours, small_pages));
    }
    for path in [&output, &reference, &yuv, &preset] {
        let _ = std::fs::remove_file(path);
    }
    let ((ratio, ours, theirs), all) = median_pair(&mut pairs);
    let ((small_ratio, _, small_pages), small_all) = median_pair(&mut small);
    let pairs_note = format!("median of {} pairs", case.pairs);
    Ok(Row {
        what: format!(
            "whole process ÷ encoder alone: `gridreel render` (start to exit; {threading}; small pages) vs the `ffmpeg` command line encoding the same frames from raw YUV with libx264's defaults, {} CRF {} (frame threads; the system's huge-page setting, as a user runs it; then also in small pages as gridreel runs), {} {:.0} s ({} frames); peak RSS of each; {pairs_note}",
            video.x264_preset.name(),
            video.quality_crf,
            case.name,
            settings.duration_secs,
            timeline.frame_count()
        ),
        value: format!(
            "{ratio:.2} ({:.1} s, {:.1} s CPU, {:.0} MB vs {:.1} s, {:.1} s CPU, {:.0} MB; all: {}); against x264 in small pages {small_ratio:.2} ({:.1} s, {:.0} MB; all: {})",
            ours.secs,
            ours.cpu,
            ours.peak_mb,
            theirs.secs,
            theirs.cpu,
            theirs.peak_mb,
            all.join(", "),
            small_pages.secs,
            small_pages.peak_mb,
            small_all.join(", ")
        ),
        target: case.target,
    })
}

/// `ffmpeg ARGS` as a user runs it: with the system's huge-page setting, not the one this
/// process chose for itself (see [`crate::heap::avoid_huge_pages`]).
pub(super) fn reference_command(args: &[String]) -> Command {
    let mut command = Command::new("ffmpeg");
    command.args(args);
    crate::heap::allow_huge_pages(&mut command);
    command
}

/// `gridreel render --preset PRESET --images DIR -o OUTPUT --overwrite`.
pub(super) fn render_command(exe: &Path, preset: &Path, dir: &Path, output: &Path) -> Command {
    let mut render = Command::new(exe);
    render
        .arg("render")
        .arg("--preset")
        .arg(preset)
        .arg("--images")
        .arg(dir);
    render.arg("-o").arg(output).arg("--overwrite");
    render
}

/// The reference command: raw yuv420p frames in, libx264 at the same preset, CRF and
/// keyframe interval as gridreel's (2 s), MP4 with `+faststart`; nothing else set, so x264
/// runs with its defaults.
pub(super) fn ffmpeg_args(
    yuv: &Path,
    (w, h): (u32, u32),
    settings: &Settings,
    out: &Path,
) -> Vec<String> {
    let video = &settings.video;
    [
        "-v",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "-s",
        &format!("{w}x{h}"),
        "-r",
        &settings.fps.to_string(),
        "-i",
        &yuv.to_string_lossy(),
        "-c:v",
        "libx264",
        "-preset",
        video.x264_preset.name(),
        "-crf",
        &video.quality_crf.to_string(),
        "-g",
        &(2 * settings.fps).to_string(),
        "-movflags",
        "+faststart",
        &out.to_string_lossy(),
    ]
    .iter()
    .map(ToString::to_string)
    .collect()
}

/// The frames as one raw yuv420p file, plane after plane, frame after frame.
fn write_raw(path: &PathBuf, frames: &[VideoFrame]) -> BenchResult<()> {
    let file = std::fs::File::create(path)
        .map_err(|e| format!("cannot write {} ({e})", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    for frame in frames {
        let (y, u, v) = frame.planes();
        for plane in [y, u, v] {
            out.write_all(plane)
                .map_err(|e| format!("cannot write {} ({e})", path.display()))?;
        }
    }
    out.flush()
        .map_err(|e| format!("cannot write {} ({e})", path.display()))
}

/// Runs `command` to its exit: wall and CPU seconds, the peak RSS (its `VmHWM`, read every
/// 20 ms while it runs), and its standard output.
pub(super) fn run_child(command: &mut Command) -> BenchResult<(ChildRun, String)> {
    let cpu0 = crate::monitor::children_cpu_secs();
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {command:?} ({e})"))?;
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0.0_f64;
    // Its output is read after the exit: both streams are small (a few lines; no
    // progress bars, as neither is a terminal).
    let status = loop {
        if let Some(kb) = std::fs::read_to_string(&status_path)
            .ok()
            .and_then(|s| hwm_kb(&s))
        {
            peak_kb = peak_kb.max(kb);
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for {command:?} failed ({e})")),
        }
    };
    let secs = started.elapsed().as_secs_f64();
    let output = child
        .wait_with_output()
        .map_err(|e| format!("cannot read the output of {command:?} ({e})"))?;
    let cpu = crate::monitor::children_cpu_secs()
        .zip(cpu0)
        .map_or(f64::NAN, |(b, a)| b - a);
    if !status.success() {
        return Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok((
        ChildRun {
            secs,
            cpu,
            peak_mb: peak_kb / 1024.0,
        },
        String::from_utf8_lossy(&output.stdout).into_owned(),
    ))
}

/// `VmHWM` of a `/proc/PID/status` text, in kB.
fn hwm_kb(status: &str) -> Option<f64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The encoder and its threads from `gridreel render`'s last line ("wrote … with libx264,
/// frame threads (x264's defaults), in 7.51 s …").
pub(super) fn threading_of(stdout: &str) -> String {
    stdout
        .lines()
        .find(|l| l.starts_with("wrote "))
        .and_then(|l| l.split_once(") with ").map(|(_, rest)| rest))
        .and_then(|rest| rest.rsplit_once(" in ").map(|(what, _)| what))
        .map_or_else(
            || "encoder not reported".to_owned(),
            |what| what.trim_end_matches(',').to_owned(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encoder_and_its_threads_are_read_from_the_last_line() {
        let line = "wrote /tmp/a.mp4 (600 frames, 20.00 s of video, 1.9 MB) with libx264, frame threads (x264's defaults), in 7.51 s (80 frames/s)\n";
        assert_eq!(
            threading_of(line),
            "libx264, frame threads (x264's defaults)"
        );
        assert_eq!(threading_of("nothing"), "encoder not reported");
        assert_eq!(hwm_kb("Name:\tx\nVmHWM:\t  2048 kB\n"), Some(2048.0));
    }
}
