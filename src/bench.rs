//! `gridreel bench`: the numbers the README quotes, measured in one run on this machine.
//!
//! 1. Export time ÷ encode-only time: the same frames, pre-rendered to YUV in memory, fed to
//!    the same encoder with the same settings. 1080p30 and 4K30.
//! 2. Import: photos per second from JPEG files to GPU-resident tiles.
//! 3. Peak RSS of `gridreel render` (a child process each) for a short and a long clip, and
//!    for a small and a large photo set.
//! 4. Preview: CPU time per frame and bytes allocated per frame at steady state, and the
//!    export loop's allocations per frame.
//! 5. The editor (child processes, needing a display): its frame rate against a bare eframe
//!    window, and its RSS after an import against the demo photos.

mod editor;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use crate::alloc_count::AllocCount;
use crate::engine;
use crate::export::{self, Job, Photos, Silent, VideoWriter};
use crate::layout::Layout;
use crate::monitor::cpu_secs;
use crate::photos::{self, TilePixels};
use crate::render::{
    FRAME_FORMAT, FrameTarget, Gpu, GridRenderer, GridUniform, VideoFrame, Viewport,
};
use crate::settings::{FrameSize, Settings, VideoCodec};

/// What to measure; see `gridreel bench --help`.
#[derive(Clone, Debug)]
#[allow(clippy::struct_excessive_bools)] // switches of the command line
pub struct BenchOptions {
    /// Photos to use; generated (8–15 MP JPEGs) into `work` when None.
    pub photos: Option<PathBuf>,
    /// Where generated photos and temporary videos go (kept, so a second run reuses them).
    pub work: PathBuf,
    /// Clip length for the export ÷ encode-only ratio.
    pub clip_secs: f64,
    pub skip_4k: bool,
    /// Photos for the large import and memory case (0 skips it).
    pub large: u32,
    pub x264_preset: String,
    /// Skip the one-row-per-codec case.
    pub skip_codecs: bool,
    /// Skip the motion rows (alternate/loop, vertical).
    pub skip_motions: bool,
    /// Skip the rows that open the editor's window (they need a display).
    pub skip_editor: bool,
}

/// One line of the result table.
struct Row {
    what: String,
    value: String,
    target: &'static str,
}

type BenchResult<T> = Result<T, String>;

/// Runs everything and prints the table (and progress on stderr as it goes).
pub fn run(options: &BenchOptions) -> BenchResult<()> {
    std::fs::create_dir_all(&options.work)
        .map_err(|e| format!("cannot create {} ({e})", options.work.display()))?;
    let gpu = Gpu::for_export().map_err(|e| e.to_string())?;
    let machine = describe_machine(&gpu);
    eprintln!("bench on {machine}");
    let small = match &options.photos {
        Some(dir) => dir.clone(),
        None => ensure_photos(&options.work.join("photos-36"), 36)?,
    };
    let mut rows = Vec::new();

    // 2. Import (first, so the ratio runs below find the files in the page cache either way).
    rows.push(import_row(&gpu, &small, "import")?);
    rows.push(
        import_vs_vips_row(&gpu, &small, &options.work, RATIO_PAIRS).unwrap_or_else(|e| Row {
            what: "import ÷ vipsthumbnail".into(),
            value: format!("not measured: {e}"),
            target: "-",
        }),
    );
    let large = if options.large > 0 {
        let dir = ensure_photos(
            &options.work.join(format!("photos-{}", options.large)),
            options.large,
        )?;
        rows.push(import_row(&gpu, &dir, "import")?);
        Some(dir)
    } else {
        None
    };

    // 1. Export ÷ encode-only.
    let mut cases = vec![("1080p30", FrameSize::Hd, 180)];
    if !options.skip_4k {
        cases.push((
            "4K30",
            FrameSize::Custom {
                width_px: 3840,
                height_px: 2160,
            },
            360,
        ));
    }
    for (name, frame, tile_height_px) in cases {
        let mut settings = bench_settings(options, frame, tile_height_px);
        settings.duration_secs = options.clip_secs;
        let case = (name, "mp4", WHOLE_RENDER_TARGET);
        rows.extend(ratio_rows(
            &gpu,
            &small,
            &settings,
            case,
            &options.work,
            RATIO_PAIRS,
        )?);
    }
    // Motions beyond the left slide, on the same photos: rows in bands (YUV strip, blocks on
    // band edges from the still) and a 9:16 reel scrolling up (RGBA, then YUV planes).
    if !options.skip_motions {
        use crate::settings::Direction;
        let mut bands = bench_settings(options, FrameSize::Hd, 180);
        bands.duration_secs = options.clip_secs;
        bands.motion.alternate = true;
        bands.motion.looped = true;
        bands.motion.row_speeds = vec![1.0, 0.8, 1.25];
        rows.extend(ratio_rows(
            &gpu,
            &small,
            &bands,
            (
                "1080p30 alternate loop, row speeds",
                "mp4",
                WHOLE_RENDER_TARGET,
            ),
            &options.work,
            MOTION_PAIRS,
        )?);
        let mut reel = bench_settings(
            options,
            FrameSize::Custom {
                width_px: 1080,
                height_px: 1920,
            },
            180,
        );
        reel.duration_secs = options.clip_secs;
        reel.motion.direction = Direction::Up;
        rows.extend(ratio_rows(
            &gpu,
            &small,
            &reel,
            ("1080x1920 up", "mp4", WHOLE_RENDER_TARGET),
            &options.work,
            MOTION_PAIRS,
        )?);
    }
    // A 4K marquee: 4 rows of 250 columns of 720x540 tiles, 180,000 pixels wide, far too
    // wide for one still: the rolling still draws it (x264 ultrafast, as the issue measured).
    if !options.skip_4k && !options.skip_motions {
        let mut marquee = bench_settings(
            options,
            FrameSize::Custom {
                width_px: 3840,
                height_px: 2160,
            },
            540,
        );
        (marquee.rows, marquee.cols) = (4, 250);
        marquee.duration_secs = 4.0;
        "ultrafast".clone_into(&mut marquee.video.x264_preset);
        rows.extend(ratio_rows(
            &gpu,
            &small,
            &marquee,
            ("4K marquee 4x250 tiles, x264 ultrafast", "mp4", "≤ 1.3"),
            &options.work,
            MOTION_PAIRS,
        )?);
        rows.push(at_once_row(&small, &marquee, &options.work, MOTION_PAIRS)?);
    }
    // One row per codec: the same 10 s 1080p clip at the default quality.
    if !options.skip_codecs {
        for (codec, extension) in [
            (VideoCodec::H264, "mp4"),
            (VideoCodec::H265, "mp4"),
            (VideoCodec::Av1, "mp4"),
            (VideoCodec::Vp9, "webm"),
            (VideoCodec::Prores, "mov"),
            (VideoCodec::Gif, "gif"),
        ] {
            let mut settings = bench_settings(options, FrameSize::Hd, 180);
            settings.duration_secs = 10.0;
            settings.video.codec = codec;
            let case = (codec.label(), extension, WHOLE_RENDER_TARGET);
            rows.extend(ratio_rows(&gpu, &small, &settings, case, &options.work, 1)?);
        }
        // A comparison with the ffmpeg command: without it (or if it fails) the row says so.
        rows.push(
            gif_palette_row(&gpu, &small, options).unwrap_or_else(|e| Row {
                what: "GIF palette vs FFmpeg palettegen/paletteuse".into(),
                value: format!("not measured: {e}"),
                target: "-",
            }),
        );
    }

    // 3. Peak RSS, each in its own process.
    let exe = std::env::current_exe().map_err(|e| format!("cannot find gridreel itself ({e})"))?;
    let (short, ..) = child_peak_rss(&exe, &small, &options.work, &["--duration", "10"], options)?;
    let (long, ..) = child_peak_rss(&exe, &small, &options.work, &["--duration", "60"], options)?;
    rows.push(Row {
        what: "peak RSS, 1080p export, 10 s vs 60 s clip".into(),
        value: format!(
            "{short:.0} MB vs {long:.0} MB ({:+.1} %)",
            (long / short - 1.0) * 100.0
        ),
        target: "within 10 %",
    });
    if let Some(large_dir) = &large {
        // Two rows of 720x540 tiles (1.5 MB each): 100 photos fit a 1 GB budget, 1,000
        // (1.5 GB) stream through it.
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
            child_peak_rss(&exe, large_dir, &options.work, &args, options)
        };
        let ((hundred, ..), (all, all_secs, all_cpu)) =
            (peak(100.min(options.large))?, peak(options.large)?);
        rows.push(Row {
            what: format!(
                "peak RSS, 1080p export of 100 vs {} photos, 720x540 tiles, 1 GB budget",
                options.large
            ),
            value: format!("{hundred:.0} MB vs {all:.0} MB"),
            target: "both < 1324 MB (budget + 300 MB)",
        });
        // The same streamed export's pace, photos through it per second of wall time,
        // against decoding the same tiles on every core with nothing else running. With the
        // CPU times: the export also renders and encodes on the same cores, so its wall time
        // cannot be below its CPU time over the cores.
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
    }

    // 4. Preview and export-loop allocations; the editor's window against a bare one.
    rows.extend(preview_rows(&gpu)?);
    if !options.skip_editor {
        rows.extend(editor::editor_rows(&exe, &small, MOTION_PAIRS));
    }
    rows.push(export_alloc_row(&small, options)?);

    println!("{}", table(&machine, &rows));
    Ok(())
}

fn bench_settings(options: &BenchOptions, frame: FrameSize, tile_height_px: u32) -> Settings {
    let mut s = Settings {
        tile_height_px,
        frame,
        ..Settings::default()
    };
    s.video.x264_preset.clone_from(&options.x264_preset);
    s.video.encoder = "auto".into();
    s
}

fn describe_machine(gpu: &Gpu) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    format!("{cpu}, {cores} cores; GPU: {}", gpu.describe())
}

/// Generates `count` photos of 8–15 MP into `dir` unless it already holds them.
fn ensure_photos(dir: &Path, count: u32) -> BenchResult<PathBuf> {
    use rayon::prelude::*;
    // 8, 12 and 15 megapixels; every fifth photo portrait.
    const SIZES: [(u32, u32); 3] = [(3456, 2304), (4000, 3000), (4480, 3360)];
    let have = photos::scan_folder(dir, false).map_or(0, |s| s.photos.len());
    if have >= count as usize {
        return Ok(dir.to_owned());
    }
    eprintln!(
        "generating {count} photos of 8-15 MP in {} ...",
        dir.display()
    );
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {} ({e})", dir.display()))?;
    (0..count).into_par_iter().try_for_each(|i| {
        let (w, h) = SIZES[i as usize % SIZES.len()];
        let (w, h) = if i % 5 == 4 { (h, w) } else { (w, h) };
        let image = photos::synth::synth_photo(u64::from(i) + 1, w, h);
        let path = dir.join(format!("photo-{:04}.jpg", i + 1));
        let file = std::fs::File::create(&path)
            .map_err(|e| format!("cannot write {} ({e})", path.display()))?;
        image::codecs::jpeg::JpegEncoder::new_with_quality(std::io::BufWriter::new(file), 85)
            .encode_image(&image)
            .map_err(|e| format!("cannot encode {} ({e})", path.display()))
    })?;
    Ok(dir.to_owned())
}

/// Decodes every photo of `dir` to 1080p tiles and uploads them; photos per second.
fn import_row(gpu: &Gpu, dir: &Path, what: &str) -> BenchResult<Row> {
    let (count, secs) = import_once(gpu, dir)?;
    eprintln!("{what}: {count} photos in {secs:.2} s");
    let rate = count as f64 / secs.max(1e-9);
    Ok(Row {
        what: format!("{what}: {count} JPEGs (8-15 MP) to GPU tiles"),
        value: format!("{rate:.1} photos/s ({secs:.2} s)"),
        target: "-",
    })
}

/// Photos per second decoding the first `count` photos of `dir` to the large rows' 720x540
/// tiles on every core (rayon), nothing uploaded and nothing else running.
/// Photos per second decoding `count` photos of `dir` to 720x540 tiles on every core, with
/// the seconds and CPU seconds it took.
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

/// The settings the import rows use: the default tile, enough columns for every photo.
fn import_settings(count: usize) -> Settings {
    Settings {
        cols: u32::try_from(count.div_ceil(6)).unwrap_or(u32::MAX),
        ..Settings::default()
    }
}

/// One import of every photo of `dir` to GPU tiles: (tiles made, seconds).
fn import_once(gpu: &Gpu, dir: &Path) -> BenchResult<(usize, f64)> {
    let scan = photos::scan_folder(dir, false).map_err(|e| e.to_string())?;
    let settings = import_settings(scan.photos.len());
    let started = Instant::now();
    let renderer = prepared_renderer(gpu, dir, &settings)?;
    gpu.device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| e.to_string())?;
    Ok((
        renderer.layer_count() as usize,
        started.elapsed().as_secs_f64(),
    ))
}

/// Our import against libvips' `vipsthumbnail` making the same tiles (shrink on load, centre
/// crop) from the same files on all cores, one process per core, into its own uncompressed
/// format so that no encoder is timed. Pairs back to back; the median ratio.
fn import_vs_vips_row(gpu: &Gpu, dir: &Path, work: &Path, pair_count: usize) -> BenchResult<Row> {
    let scan = photos::scan_folder(dir, false).map_err(|e| e.to_string())?;
    let files = &scan.photos;
    let spec = engine::tile_spec(&import_settings(files.len()));
    let size = format!("{}x{}", spec.width_px, spec.height_px);
    let out_dir = work.join("vipsthumbnail-out");
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {} ({e})", out_dir.display()))?;
    let output = out_dir.join("%s.v");
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let vips = || -> BenchResult<f64> {
        let started = Instant::now();
        let children = files
            .chunks(files.len().div_ceil(cores).max(1))
            .map(|chunk| {
                std::process::Command::new("vipsthumbnail")
                    .args(["--size", &size, "--smartcrop", "centre", "-o"])
                    .arg(&output)
                    .args(chunk)
                    .stdin(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .map_err(|e| format!("cannot run vipsthumbnail ({e}); Debian: libvips-tools"))
            })
            .collect::<BenchResult<Vec<_>>>()?;
        for child in children {
            let out = child.wait_with_output().map_err(|e| e.to_string())?;
            if !out.status.success() {
                return Err(format!(
                    "vipsthumbnail failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
        Ok(started.elapsed().as_secs_f64())
    };
    let mut pairs = Vec::with_capacity(pair_count);
    for _ in 0..pair_count {
        let (_, ours) = import_once(gpu, dir)?;
        let theirs = vips()?;
        eprintln!("import {ours:.2} s, vipsthumbnail {theirs:.2} s");
        pairs.push((ours / theirs.max(1e-9), ours, theirs));
    }
    let _ = std::fs::remove_dir_all(&out_dir);
    let ((ratio, ours, theirs), all) = median_pair(&mut pairs);
    Ok(Row {
        what: format!(
            "import ÷ vipsthumbnail: {} JPEGs to {size} tiles, {cores} cores; median of {pair_count} pairs",
            files.len()
        ),
        value: format!(
            "{ratio:.2} ({ours:.2} s vs {theirs:.2} s; all: {})",
            all.join(", ")
        ),
        target: "≤ 1",
    })
}

/// Loads the photos the grid shows the way `gridreel render` does (all resident: the bench
/// layouts fit the default budget); returns the renderer.
fn prepared_renderer(gpu: &Gpu, dir: &Path, settings: &Settings) -> BenchResult<GridRenderer> {
    let scan = photos::scan_folder(dir, false).map_err(|e| e.to_string())?;
    let layout = Layout::new(settings);
    let needed =
        &scan.photos[..crate::layout::photos_shown(layout.cell_count(), scan.photos.len())];
    let mut renderer = GridRenderer::new(&gpu.device, FRAME_FORMAT);
    let tiles = engine::export_tiles(
        &gpu.device,
        &gpu.queue,
        &mut renderer,
        settings,
        crate::monitor::budget_bytes(settings),
        needed,
        None,
        &AtomicBool::new(false),
        &|_| {},
        false,
    )
    .map_err(|e| e.to_string())?;
    if tiles.streamer.is_some() {
        return Err("the bench layout does not fit the memory budget".into());
    }
    Ok(renderer)
}

/// Timed export / encode-only pairs per ratio row. The two are timed back to back and the
/// row reports the median pair, so a slow spell on a shared machine skews one pair, not the
/// result.
const RATIO_PAIRS: usize = 5;
/// Pairs per motion row (fewer: they check that a motion costs no more than the slide).
const MOTION_PAIRS: usize = 3;

/// One timed run: wall seconds and process CPU seconds (when /proc has them).
#[derive(Clone, Copy)]
struct Timed {
    secs: f64,
    cpu: Option<f64>,
}

fn timed<T>(run: impl FnOnce() -> BenchResult<T>) -> BenchResult<(T, Timed)> {
    let cpu0 = cpu_secs(false);
    let started = Instant::now();
    let value = run()?;
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_secs(false).zip(cpu0).map(|(b, a)| b - a);
    Ok((value, Timed { secs, cpu }))
}

/// The pair of median ratio among `(ratio, ours, theirs)` pairs (there is at least one), and
/// every ratio, lowest first, to two decimals.
fn median_pair<T: Copy>(pairs: &mut [(f64, T, T)]) -> ((f64, T, T), Vec<String>) {
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let all = pairs.iter().map(|p| format!("{:.2}", p.0)).collect();
    (pairs[pairs.len() / 2], all)
}

/// What a whole `gridreel render` may take against the encoder alone on the same frames.
const WHOLE_RENDER_TARGET: &str = "≤ 1.2";

/// Export of `settings` vs encode-only of the same frames with the same encoder settings,
/// `pair_count` times each, interleaved; `target` goes in the table's last column.
fn ratio_rows(
    gpu: &Gpu,
    dir: &Path,
    settings: &Settings,
    (name, extension, target): (&str, &str, &'static str),
    work: &Path,
    pair_count: usize,
) -> BenchResult<Vec<Row>> {
    let output = work.join(format!("bench-{name}.{extension}"));
    let encode_path = work.join(format!("bench-{name}-encode-only.{extension}"));
    let format = export::Format::resolve(&output, &settings.video).map_err(|e| e.to_string())?;
    let (timeline, _) = format.timeline(settings);
    let frames = timeline.frame_count();
    let prerendered = prerender(gpu, dir, &timeline, format)?;
    let (w, h) = (prerendered[0].width_px, prerendered[0].height_px);

    let job = export_job(settings, dir, &output);
    let mut pairs = Vec::with_capacity(pair_count);
    let (mut encoder, mut bytes) = (String::new(), 0);
    for pair in 1..=pair_count {
        eprintln!("{name}: pair {pair} of {pair_count}: export, then encode-only ...");
        let (summary, export) = timed(|| export_run(&job))?;
        (encoder, bytes) = (summary.encoder, summary.bytes);
        let ((), encode) = timed(|| {
            let (mut writer, _) = VideoWriter::create(
                &encode_path,
                format,
                (w, h),
                timeline.fps,
                &timeline,
                settings.video.threads as usize,
            )
            .map_err(|e| e.to_string())?;
            for frame in &prerendered {
                writer.write(frame).map_err(|e| e.to_string())?;
            }
            writer.finish().map_err(|e| e.to_string())?;
            Ok(())
        })?;
        let ratio = export.secs / encode.secs.max(1e-9);
        eprintln!(
            "{name}: export {:.2} s{}, encode-only {:.2} s{}: {ratio:.2}",
            export.secs,
            cpu_note(export.cpu),
            encode.secs,
            cpu_note(encode.cpu)
        );
        pairs.push((ratio, export, encode));
    }
    drop(prerendered);
    for path in [&output, &encode_path] {
        let _ = std::fs::remove_file(path);
    }
    let ((ratio, export, encode), all) = median_pair(&mut pairs);
    let pairs_note = if pair_count == 1 {
        "one pair".to_owned()
    } else {
        format!("median of {pair_count} pairs")
    };
    #[allow(clippy::cast_precision_loss)]
    let mb = bytes as f64 / 1e6;
    Ok(vec![Row {
        what: format!(
            "whole export (GPU, import, render, encode) ÷ encode-only, {name} {:.0} s ({frames} frames, .{extension}, {encoder}, quality {}); {pairs_note}",
            settings.duration_secs, settings.video.quality_crf
        ),
        value: format!(
            "{ratio:.2} ({:.1} s{} vs {:.1} s{}; {mb:.1} MB; all: {})",
            export.secs,
            cpu_note(export.cpu),
            encode.secs,
            cpu_note(encode.cpu),
            all.join(", ")
        ),
        target,
    }])
}

/// GIF palettes: gridreel's (Wu in Oklab + Floyd–Steinberg, a palette per frame) against
/// FFmpeg's palettegen/paletteuse filters (the `ffmpeg` command, not linked), per frame and
/// with one palette for the clip, on the same RGBA frames: time and PSNR against them.
fn gif_palette_row(gpu: &Gpu, dir: &Path, options: &BenchOptions) -> BenchResult<Row> {
    let mut settings = bench_settings(options, FrameSize::Hd, 180);
    settings.duration_secs = 10.0;
    settings.video.codec = VideoCodec::Gif;
    let work = &options.work;
    let ours = work.join("bench-gif-ours.gif");
    let format = export::Format::resolve(&ours, &settings.video).map_err(|e| e.to_string())?;
    let (timeline, _) = format.timeline(&settings);
    let frames = prerender(gpu, dir, &timeline, format)?;
    let (w, h) = (frames[0].width_px, frames[0].height_px);
    let raw = work.join("bench-gif-source.rgba");
    {
        use std::io::Write as _;
        let file = std::fs::File::create(&raw).map_err(|e| format!("{}: {e}", raw.display()))?;
        let mut file = std::io::BufWriter::new(file);
        for frame in &frames {
            file.write_all(&frame.data).map_err(|e| e.to_string())?;
        }
        file.flush().map_err(|e| e.to_string())?;
    }
    eprintln!("GIF palettes: gridreel ...");
    let ((), ours_time) = timed(|| {
        let (mut writer, _) =
            VideoWriter::create(&ours, format, (w, h), timeline.fps, &timeline, 0)
                .map_err(|e| e.to_string())?;
        for frame in &frames {
            writer.write(frame).map_err(|e| e.to_string())?;
        }
        writer.finish().map_err(|e| e.to_string())?;
        Ok(())
    })?;
    drop(frames);
    let size = format!("{w}x{h}");
    let fps = timeline.fps.to_string();
    let raw_input = |cmd: &mut std::process::Command| {
        cmd.args([
            "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgba", "-s",
        ])
        .args([&size, "-r", &fps, "-i"])
        .arg(&raw);
    };
    let ffmpeg_gif = |graph: &str, out: &Path| -> BenchResult<Timed> {
        let ((), t) = timed(|| {
            let mut cmd = std::process::Command::new("ffmpeg");
            cmd.stdin(std::process::Stdio::null());
            cmd.args(["-v", "error", "-y"]);
            raw_input(&mut cmd);
            let run = cmd
                .args(["-vf", graph])
                .arg(out)
                .output()
                .map_err(|e| format!("cannot run ffmpeg ({e}); install it for this row"))?;
            if run.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "ffmpeg: {}",
                    String::from_utf8_lossy(&run.stderr).trim()
                ))
            }
        })?;
        Ok(t)
    };
    // PSNR from FFmpeg's per-frame statistics file: the mean of the frames' MSE.
    let stats = work.join("bench-gif-psnr.log");
    let psnr = |gif: &Path| -> BenchResult<f64> {
        let _ = std::fs::remove_file(&stats);
        let mut cmd = std::process::Command::new("ffmpeg");
        cmd.stdin(std::process::Stdio::null());
        cmd.args(["-v", "error", "-i"]).arg(gif);
        raw_input(&mut cmd);
        let graph = format!(
            "[0:v]format=rgb24[a];[1:v]format=rgb24[b];[a][b]psnr=stats_file={}",
            stats.display()
        );
        let run = cmd
            .args(["-lavfi", &graph, "-f", "null", "-"])
            .output()
            .map_err(|e| format!("cannot run ffmpeg ({e})"))?;
        let text = std::fs::read_to_string(&stats).unwrap_or_default();
        let mses: Vec<f64> = text
            .lines()
            .filter_map(|l| l.split("mse_avg:").nth(1))
            .filter_map(|v| v.split_whitespace().next()?.parse().ok())
            .collect();
        if mses.is_empty() {
            return Err(format!(
                "no PSNR from ffmpeg: {}",
                String::from_utf8_lossy(&run.stderr).trim()
            ));
        }
        let mse = mses.iter().sum::<f64>() / mses.len() as f64;
        Ok(10.0 * (255.0f64 * 255.0 / mse.max(1e-12)).log10())
    };
    let mb = |path: &Path| std::fs::metadata(path).map_or(0.0, |m| m.len() as f64 / 1e6);
    let single = work.join("bench-gif-ffmpeg-single.gif");
    let global = work.join("bench-gif-ffmpeg-global.gif");
    eprintln!("GIF palettes: ffmpeg palettegen/paletteuse, per frame and global ...");
    let single_time = ffmpeg_gif(
        "split[a][b];[a]palettegen=stats_mode=single[p];[b][p]paletteuse=new=1",
        &single,
    )?;
    let global_time = ffmpeg_gif("split[a][b];[a]palettegen[p];[b][p]paletteuse", &global)?;
    let value = format!(
        "gridreel {:.1} s, {:.1} dB, {:.1} MB; FFmpeg per frame {:.1} s, {:.1} dB, {:.1} MB; FFmpeg one palette {:.1} s, {:.1} dB, {:.1} MB",
        ours_time.secs,
        psnr(&ours)?,
        mb(&ours),
        single_time.secs,
        psnr(&single)?,
        mb(&single),
        global_time.secs,
        psnr(&global)?,
        mb(&global),
    );
    for path in [&ours, &single, &global, &raw, &stats] {
        let _ = std::fs::remove_file(path);
    }
    Ok(Row {
        what: format!(
            "GIF palette: time, PSNR and size of the same {} frames ({w}x{h}, {} fps), gridreel vs FFmpeg palettegen/paletteuse",
            timeline.frame_count(),
            timeline.fps
        ),
        value,
        target: "PSNR ≥ FFmpeg's, time ≤ FFmpeg's",
    })
}

/// Every frame of `timeline` rendered from the photos in `dir` and read back as `format`'s
/// encoder takes them, in memory: the input of an encode-only run.
fn prerender(
    gpu: &Gpu,
    dir: &Path,
    timeline: &Settings,
    format: export::Format,
) -> BenchResult<Vec<VideoFrame>> {
    let mut renderer = prepared_renderer(gpu, dir, timeline)?;
    let layout = Layout::new(timeline);
    let size = layout.frame_size_px();
    let frames = timeline.frame_count();
    eprintln!("pre-rendering {frames} frames to memory ...");
    let mut target = FrameTarget::with_layout(
        &gpu.device,
        size,
        format.pixel_layout(),
        format.output_size_px(&timeline.video, size),
    )
    .map_err(|e| e.to_string())?;
    let viewport = GridUniform::full_frame(&layout);
    let mut prerendered = Vec::with_capacity(usize::try_from(frames).unwrap_or(0));
    for index in 0..frames {
        let uniform = GridUniform::new(
            &layout,
            Layout::frame_time_secs(index, timeline.fps),
            timeline.background,
            viewport,
        );
        let ticket = target.submit_frame(&gpu.device, &gpu.queue, &mut renderer, &uniform);
        let mut frame = VideoFrame::default();
        target
            .read_frame(&gpu.device, ticket, &mut frame)
            .map_err(|e| e.to_string())?;
        prerendered.push(frame);
    }
    if prerendered.is_empty() {
        return Err("no frames to render".into());
    }
    Ok(prerendered)
}

/// The export of `settings` from the photos in `dir` to `output`, as `gridreel render`
/// runs it (replacing the file each time).
fn export_job(settings: &Settings, dir: &Path, output: &Path) -> Job {
    Job {
        settings: settings.clone(),
        photos: Photos::Folder {
            dir: Some(dir.to_owned()),
            recursive: false,
        },
        output: output.to_owned(),
        overwrite: true,
        budget_bytes: None,
        thumbs: None,
        decode_first: false,
    }
}

/// One whole export through the pipeline: validation, GPU, import, render, encode, output.
/// The export of `settings` started at once (tiles decoded as the frames need them) against
/// the same export with every photo decoded first: the same frames, so the ratio is what
/// starting at once saves, or costs, on this machine. Pairs back to back; the median.
fn at_once_row(
    dir: &Path,
    settings: &Settings,
    work: &Path,
    pair_count: usize,
) -> BenchResult<Row> {
    let output = work.join("bench-at-once.mp4");
    let at_once = export_job(settings, dir, &output);
    let first = Job {
        decode_first: true,
        ..export_job(settings, dir, &output)
    };
    let mut pairs = Vec::with_capacity(pair_count);
    for pair in 1..=pair_count {
        eprintln!("start at once vs decode first: pair {pair} of {pair_count} ...");
        let (_, fast) = timed(|| export_run(&at_once))?;
        let (_, slow) = timed(|| export_run(&first))?;
        eprintln!(
            "  at once {:.2} s, decode first {:.2} s",
            fast.secs, slow.secs
        );
        pairs.push((fast.secs / slow.secs.max(1e-9), fast, slow));
    }
    let _ = std::fs::remove_file(&output);
    let ((ratio, fast, slow), all) = median_pair(&mut pairs);
    Ok(Row {
        what: format!(
            "the same marquee export started at once ÷ with every photo decoded first; median of {pair_count} pairs"
        ),
        value: format!(
            "{ratio:.2} ({:.1} s{} vs {:.1} s{}; all: {})",
            fast.secs,
            cpu_note(fast.cpu),
            slow.secs,
            cpu_note(slow.cpu),
            all.join(", ")
        ),
        target: "< 1",
    })
}

fn export_run(job: &Job) -> BenchResult<crate::export::ExportSummary> {
    export::run(job, &AtomicBool::new(false), &Silent)
        .map(|report| report.summary)
        .map_err(|e| e.to_string())
}

fn cpu_note(cpu: Option<f64>) -> String {
    cpu.map_or_else(String::new, |c| format!(", {c:.1} s CPU"))
}

/// Runs `gridreel render` on `dir` with extra flags: its peak RSS in MB, wall seconds and
/// CPU seconds.
fn child_peak_rss(
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
            "--overwrite",
            "--frame",
            "hd",
            "--x264-preset",
            &options.x264_preset,
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
    if let Some(line) = stderr.lines().find(|l| l.contains(" budget)")) {
        eprintln!("  {line}");
    }
    stderr
        .lines()
        .find_map(|l| l.strip_prefix(crate::monitor::PEAK_RSS_LABEL))
        .and_then(|v| v.trim().trim_end_matches("MB").trim().parse().ok())
        .map(|rss| (rss, secs, cpu))
        .ok_or_else(|| "gridreel render did not report its peak RSS".to_owned())
}

/// 300 steady-state preview frames at 1280×720: CPU per frame and bytes allocated per frame.
fn preview_rows(gpu: &Gpu) -> BenchResult<Vec<Row>> {
    const WARM_UP: u32 = 60;
    const FRAMES: u32 = 300;
    let settings = Settings::default();
    let layout = Layout::new(&settings);
    let tiles: Vec<TilePixels> = (0..36)
        .map(|i| {
            let image = photos::synth::synth_photo(i + 1, layout.tile_w_px, layout.tile_h_px);
            TilePixels {
                width_px: layout.tile_w_px,
                height_px: layout.tile_h_px,
                rgba: image::DynamicImage::ImageRgb8(image)
                    .into_rgba8()
                    .into_raw(),
            }
        })
        .collect();
    let format = wgpu::TextureFormat::Rgba8UnormSrgb;
    let mut renderer = GridRenderer::new(&gpu.device, format);
    engine::upload_photos(&gpu.device, &gpu.queue, &mut renderer, &layout, &tiles)
        .map_err(|e| e.to_string())?;
    let (w, h) = (1280, 720);
    let target = crate::render::texture_2d(
        &gpu.device,
        "bench preview target",
        (w, h),
        format,
        wgpu::TextureUsages::RENDER_ATTACHMENT,
    );
    let view = target.create_view(&wgpu::TextureViewDescriptor::default());
    let viewport = Viewport {
        origin_px: [0.0, 0.0],
        size_px: [w as f32, h as f32],
    };
    let mut ours = AllocCount::default();
    let (mut thread_cpu, mut process_cpu, mut wall) = (0.0, 0.0, Duration::ZERO);
    for frame in 0..WARM_UP + FRAMES {
        let measuring = frame >= WARM_UP;
        let (t0, p0, w0) = (cpu_secs(true), cpu_secs(false), Instant::now());
        let a0 = AllocCount::now();
        let uniform = GridUniform::new(
            &layout,
            f64::from(frame) / 60.0,
            settings.background,
            viewport,
        );
        renderer.prepare(&gpu.device, &gpu.queue, &uniform);
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: None,
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                ..Default::default()
            });
            renderer.paint(&mut pass);
        }
        let a1 = AllocCount::now();
        let submission = gpu.queue.submit([encoder.finish()]);
        gpu.device
            .poll(wgpu::PollType::Wait {
                submission_index: Some(submission),
                timeout: None,
            })
            .map_err(|e| e.to_string())?;
        if measuring {
            let a = a1.since(a0);
            ours.allocations += a.allocations;
            ours.bytes += a.bytes;
            wall += w0.elapsed();
            thread_cpu += cpu_secs(true).zip(t0).map_or(0.0, |(b, a)| b - a);
            process_cpu += cpu_secs(false).zip(p0).map_or(0.0, |(b, a)| b - a);
        }
    }
    let per = |x: f64| x * 1000.0 / f64::from(FRAMES);
    Ok(vec![
        Row {
            what: "preview frame at 1280×720: CPU time (UI thread / whole process incl. software GPU), wall".into(),
            value: format!(
                "{:.2} ms / {:.1} ms, {:.1} ms",
                per(thread_cpu),
                per(process_cpu),
                per(wall.as_secs_f64())
            ),
            target: "-",
        },
        Row {
            what: "preview frame: heap allocations per frame (uniform, prepare, paint, incl. wgpu's recording)".into(),
            value: format!(
                "{:.1} allocations, {:.0} bytes",
                ours.allocations as f64 / f64::from(FRAMES),
                ours.bytes as f64 / f64::from(FRAMES)
            ),
            target: "0",
        },
    ])
}

/// Allocations the export loop makes per frame: two exports that differ only in length.
fn export_alloc_row(dir: &Path, options: &BenchOptions) -> BenchResult<Row> {
    let mut settings = bench_settings(
        options,
        FrameSize::Custom {
            width_px: 640,
            height_px: 360,
        },
        60,
    );
    let output = options.work.join("bench-alloc.mp4");
    let mut measure = |secs: f64| -> BenchResult<(u64, AllocCount)> {
        settings.duration_secs = secs;
        let job = export_job(&settings, dir, &output);
        let before = AllocCount::now();
        let summary = export_run(&job)?;
        Ok((summary.frames, AllocCount::now().since(before)))
    };
    let (short_frames, short) = measure(2.0)?;
    let (long_frames, long) = measure(6.0)?;
    let _ = std::fs::remove_file(&output);
    let frames = (long_frames - short_frames) as f64;
    Ok(Row {
        what: "export loop: heap allocations per extra frame (6 s vs 2 s clip; render, read-back, encoder thread, wgpu)".into(),
        value: format!(
            "{:.1} allocations, {:.0} bytes",
            long.allocations.saturating_sub(short.allocations) as f64 / frames,
            long.bytes.saturating_sub(short.bytes) as f64 / frames
        ),
        target: "0",
    })
}

fn table(machine: &str, rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\ngridreel bench on {machine}\n");
    let _ = writeln!(out, "| measurement | result | target |");
    let _ = writeln!(out, "|---|---|---|");
    for row in rows {
        let _ = writeln!(out, "| {} | {} | {} |", row.what, row.value, row.target);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::median_pair;

    #[test]
    fn the_median_pair_is_the_middle_ratio_with_its_own_values() {
        let mut pairs = [(1.3, 'c', 'C'), (1.1, 'a', 'A'), (1.2, 'b', 'B')];
        let (median, all) = median_pair(&mut pairs);
        assert_eq!(median, (1.2, 'b', 'B'));
        assert_eq!(all, ["1.10", "1.20", "1.30"]);
    }
}
