//! Export ÷ encode-only rows: the whole export (`export::run`, as `gridreel render` runs it)
//! against the same encoder encoding the same frames, pre-rendered to memory; per frame size,
//! motion and codec, and 1080p with a title, captions and a logo. Also the marquee export started at
//! once against decoding first.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::import::prepared_renderer;
use super::options::BenchOptions;
use super::table::{BenchResult, Row};
use super::timing::{MOTION_PAIRS, RATIO_PAIRS, cpu_note, median_pair, timed};
use crate::export::{self, Job, Photos, Silent, VideoWriter};
use crate::layout::Layout;
use crate::overlay::{Blender, Overlay};
use crate::render::{FrameTarget, Gpu, GridUniform, VideoFrame};
use crate::settings::{FrameSize, Settings, VideoCodec};

/// What a whole `gridreel render` may take against the encoder alone on the same frames.
const WHOLE_RENDER_TARGET: &str = "≤ 1.2";

/// Every ratio row the options ask for, in the table's order: 1080p30 and 4K30, the motions,
/// the 4K marquee (and it started at once), one per codec.
pub(super) fn rows(gpu: &Gpu, dir: &Path, options: &BenchOptions) -> BenchResult<Vec<Row>> {
    let mut rows = frame_size_rows(gpu, dir, options)?;
    if !options.skip_motions {
        rows.extend(motion_rows(gpu, dir, options)?);
    }
    if !options.skip_4k && !options.skip_motions {
        rows.extend(marquee_rows(gpu, dir, options)?);
    }
    if !options.skip_codecs {
        rows.extend(codec_rows(gpu, dir, options)?);
    }
    Ok(rows)
}

/// The left slide at 1080p30 and (unless skipped) 4K30, for the options' clip length.
fn frame_size_rows(gpu: &Gpu, dir: &Path, options: &BenchOptions) -> BenchResult<Vec<Row>> {
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
    let mut rows = vec![words_row(gpu, dir, options)?];
    for (name, frame, tile_height_px) in cases {
        let mut settings = options.settings(frame, tile_height_px);
        settings.duration_secs = options.clip_secs;
        let case = (name, "mp4", WHOLE_RENDER_TARGET);
        rows.extend(ratio_rows(
            gpu,
            dir,
            &settings,
            case,
            &options.work,
            RATIO_PAIRS,
        )?);
    }
    Ok(rows)
}

/// 1080p30 with a two-line title on a band, a caption in every tile (its file name, on a
/// band) and a half-transparent logo: the overlay blended into every frame's YUV planes, the
/// captions drawn into the tiles where they are made. The encode-only frames carry the same
/// overlay and captions.
fn words_row(gpu: &Gpu, dir: &Path, options: &BenchOptions) -> BenchResult<Row> {
    let logo = options.work.join("bench-logo.png");
    let image = image::RgbaImage::from_fn(400, 200, |x, y| {
        image::Rgba([(x % 256) as u8, (y % 256) as u8, 200, ((x + y) % 256) as u8])
    });
    image
        .save(&logo)
        .map_err(|e| format!("cannot write {} ({e})", logo.display()))?;
    let mut settings = options.settings(FrameSize::Hd, 180);
    settings.duration_secs = options.clip_secs;
    settings.title.text = "Kyoto 2026".into();
    settings.title.subtitle = "spring in the old capital".into();
    settings.title.backdrop = crate::settings::Backdrop::Band;
    settings.logo.file = Some(logo);
    settings.captions.show = crate::settings::CaptionSource::Name;
    let case = (
        "1080p30 with a title, captions and a logo",
        "mp4",
        WHOLE_RENDER_TARGET,
    );
    let mut rows = ratio_rows(gpu, dir, &settings, case, &options.work, MOTION_PAIRS)?;
    rows.pop().ok_or_else(|| "no row".into())
}

/// `gridreel bench --words-only`: the 1080p30 ratio with a title, captions and a logo, the
/// same without them, in one run, and the first ÷ the second (what the words cost, with the
/// machine's load over the run shared by both).
pub(super) fn words_rows(gpu: &Gpu, dir: &Path, options: &BenchOptions) -> BenchResult<Vec<Row>> {
    let words = words_row(gpu, dir, options)?;
    let mut settings = options.settings(FrameSize::Hd, 180);
    settings.duration_secs = options.clip_secs;
    let case = ("1080p30", "mp4", WHOLE_RENDER_TARGET);
    let mut plain = ratio_rows(gpu, dir, &settings, case, &options.work, MOTION_PAIRS)?;
    let plain = plain.pop().ok_or("no row")?;
    let leading = |row: &Row| {
        row.value
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<f64>().ok())
    };
    let (Some(with), Some(without)) = (leading(&words), leading(&plain)) else {
        return Err("a ratio row without its ratio".into());
    };
    let both = Row {
        what: "the ratio with a title, captions and a logo ÷ the ratio without, 1080p30".into(),
        value: format!("{:.2}", with / without.max(1e-9)),
        target: "",
    };
    Ok(vec![words, plain, both])
}

/// Motions beyond the left slide, on the same photos: rows in bands (YUV strip, blocks on
/// band edges from the still) and a 9:16 reel scrolling up (RGBA, then YUV planes).
fn motion_rows(gpu: &Gpu, dir: &Path, options: &BenchOptions) -> BenchResult<Vec<Row>> {
    use crate::settings::Direction;
    let mut bands = options.settings(FrameSize::Hd, 180);
    bands.duration_secs = options.clip_secs;
    bands.motion.alternate = true;
    bands.motion.looped = true;
    bands.motion.row_speeds = vec![1.0, 0.8, 1.25];
    let mut rows = ratio_rows(
        gpu,
        dir,
        &bands,
        (
            "1080p30 alternate loop, row speeds",
            "mp4",
            WHOLE_RENDER_TARGET,
        ),
        &options.work,
        MOTION_PAIRS,
    )?;
    let mut reel = options.settings(
        FrameSize::Custom {
            width_px: 1080,
            height_px: 1920,
        },
        180,
    );
    reel.duration_secs = options.clip_secs;
    reel.motion.direction = Direction::Up;
    rows.extend(ratio_rows(
        gpu,
        dir,
        &reel,
        ("1080x1920 up", "mp4", WHOLE_RENDER_TARGET),
        &options.work,
        MOTION_PAIRS,
    )?);
    Ok(rows)
}

/// A 4K marquee: 4 rows of 250 columns of 720x540 tiles, 180,000 pixels wide, far too wide
/// for one still: the rolling still draws it (x264 ultrafast, as the issue measured). Then
/// the same export started at once against decoding every photo first.
fn marquee_rows(gpu: &Gpu, dir: &Path, options: &BenchOptions) -> BenchResult<Vec<Row>> {
    let marquee = options.marquee();
    let mut rows = ratio_rows(
        gpu,
        dir,
        &marquee,
        ("4K marquee 4x250 tiles, x264 ultrafast", "mp4", "≤ 1.3"),
        &options.work,
        MOTION_PAIRS,
    )?;
    rows.push(at_once_row(dir, &marquee, &options.work, MOTION_PAIRS)?);
    Ok(rows)
}

/// One row per codec: the same 10 s 1080p clip at the default quality, one pair each.
fn codec_rows(gpu: &Gpu, dir: &Path, options: &BenchOptions) -> BenchResult<Vec<Row>> {
    let mut rows = Vec::new();
    for (codec, extension) in [
        (VideoCodec::H264, "mp4"),
        (VideoCodec::H265, "mp4"),
        (VideoCodec::Av1, "mp4"),
        (VideoCodec::Vp9, "webm"),
        (VideoCodec::Prores, "mov"),
        (VideoCodec::Gif, "gif"),
    ] {
        let mut settings = options.settings(FrameSize::Hd, 180);
        settings.duration_secs = 10.0;
        settings.video.codec = codec;
        let case = (codec.label(), extension, WHOLE_RENDER_TARGET);
        rows.extend(ratio_rows(gpu, dir, &settings, case, &options.work, 1)?);
    }
    Ok(rows)
}

/// Export of `settings` vs encode-only of the same frames with the same encoder at the same
/// quality, with its default threads (x264: frame threads, the speed reference, whatever
/// the export chose), `pair_count` times each, interleaved; `target` goes in the table's
/// last column.
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
            encode_frames(
                &encode_path,
                format,
                (w, h),
                &timeline,
                export::EncoderThreads::defaults(settings.video.threads as usize),
                &prerendered,
            )
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
            "whole export (import, render, encode; the GPU where the frames need it) ÷ encode-only, {name} {:.0} s ({frames} frames, .{extension}, {encoder}, quality {}); {pairs_note}",
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

/// Every frame of `timeline` rendered from the photos in `dir` and read back as `format`'s
/// encoder takes them, in memory: the input of an encode-only run.
pub(super) fn prerender(
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
    let output_px = format.output_size_px(&timeline.video, size);
    let overlay = Overlay::build(timeline, output_px).map_err(|e| e.to_string())?;
    let blender = Blender::new(&overlay, format.pixel_layout());
    let mut prerendered = Vec::with_capacity(usize::try_from(frames).unwrap_or(0));
    for index in 0..frames {
        let t_secs = Layout::frame_time_secs(index, timeline.fps);
        let uniform = GridUniform::new(&layout, t_secs, timeline.background, viewport);
        let ticket = target.submit_frame(&gpu.device, &gpu.queue, &mut renderer, &uniform);
        let mut frame = VideoFrame::default();
        target
            .read_frame(&gpu.device, ticket, &mut frame)
            .map_err(|e| e.to_string())?;
        blender.blend(&mut frame, t_secs);
        prerendered.push(frame);
    }
    if prerendered.is_empty() {
        return Err("no frames to render".into());
    }
    Ok(prerendered)
}

/// Encodes `frames` of `size` to `path` as `format` with `threads` (count 0: the encoder's
/// choice): an encode-only run, the frames already in memory.
pub(super) fn encode_frames(
    path: &Path,
    format: export::Format,
    size: (u32, u32),
    timeline: &Settings,
    threads: export::EncoderThreads,
    frames: &[VideoFrame],
) -> BenchResult<()> {
    let (mut writer, _) = VideoWriter::create(path, format, size, timeline.fps, timeline, threads)
        .map_err(|e| e.to_string())?;
    for frame in frames {
        writer.write(frame).map_err(|e| e.to_string())?;
    }
    writer.finish().map_err(|e| e.to_string())?;
    Ok(())
}

/// The export of `settings` from the photos in `dir` to `output`, as `gridreel render`
/// runs it (replacing the file each time).
pub(super) fn export_job(settings: &Settings, dir: &Path, output: &Path) -> Job {
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
        compose_on_gpu: false,
    }
}

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

/// One whole export through the pipeline: validation, import, render (on the GPU where the
/// frames need it), encode, output.
pub(super) fn export_run(job: &Job) -> BenchResult<crate::export::ExportSummary> {
    export::run(job, &AtomicBool::new(false), &Silent)
        .map(|report| report.summary)
        .map_err(|e| e.to_string())
}
