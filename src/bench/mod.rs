//! `gridreel bench`: the numbers the README quotes, measured in one run on this machine.
//! `run` measures them in this order and prints the table (`table`):
//!
//! 1. Import (`import`): photos per second from JPEG files to GPU-resident tiles, and against
//!    `vipsthumbnail`. First, so that the ratio runs find the files in the page cache.
//! 2. The whole process against the encoder alone (`process`): `gridreel render` as a child,
//!    start to exit, against the `ffmpeg` command line encoding the same frames with x264's
//!    defaults; peak RSS of each. With `--process-only`, only these rows.
//! 3. Export time ÷ encode-only time (`ratio`): the same frames, pre-rendered to YUV in
//!    memory, fed to the same encoder at the same quality with its default threads (x264:
//!    frame threads, whatever threads the export chose). 1080p30 and 4K30, the motions,
//!    the 4K marquee, one row per codec; then GIF palettes against FFmpeg's (`gif`).
//! 4. Peak RSS of `gridreel render` (`memory`, a child process each) for a short and a long
//!    clip, and for a small and a large photo set. Then the phone formats (`phone`): HEIC
//!    import against `vipsthumbnail`, import with colour management against without, and
//!    the peak RSS of a 200 MP HEIC; with `--phone-only`, only these rows.
//! 5. Preview (`preview`): CPU time per frame and bytes allocated per frame at steady state,
//!    and the export loop's allocations per frame.
//! 6. The editor (`editor`, child processes, needing a display): its frame rate against a
//!    bare eframe window, and its RSS after an import against the demo photos.
//!
//! 7. Clips that play (`clips`): the export of 6 clips among 30 photos against the encoder
//!    alone plus FFmpeg decoding the clips; the peak RSS of 200 clips against 200 photos, and
//!    of a 10 s clip against a 60 s one. With `--clips-only`, only these rows.
//!
//! `timing` holds the timed runs and pairs the rows share, `options` what to measure.

mod clips;
mod editor;
mod gif;
mod import;
mod memory;
mod options;
mod phone;
mod preview;
mod process;
mod ratio;
mod table;
mod timing;

pub use options::BenchOptions;

use crate::render::Gpu;
use table::{BenchResult, Row};

/// Runs everything and prints the table (and progress on stderr as it goes).
pub fn run(options: &BenchOptions) -> BenchResult<()> {
    std::fs::create_dir_all(&options.work)
        .map_err(|e| format!("cannot create {} ({e})", options.work.display()))?;
    let gpu = Gpu::for_export().map_err(|e| e.to_string())?;
    let machine = describe_machine(&gpu);
    eprintln!("bench on {machine}");
    let small = match &options.photos {
        Some(dir) => dir.clone(),
        None => import::ensure_photos(&options.work.join("photos-36"), 36)?,
    };

    let exe = std::env::current_exe().map_err(|e| format!("cannot find gridreel itself ({e})"))?;
    if options.process_only {
        let rows = process::rows(&gpu, &exe, &small, options)?;
        println!("{}", table::table(&machine, &rows));
        return Ok(());
    }
    if options.words_only {
        let rows = ratio::words_rows(&gpu, &small, options)?;
        println!("{}", table::table(&machine, &rows));
        return Ok(());
    }
    if options.clips_only {
        let rows = clips::rows(&exe, &small, options)?;
        println!("{}", table::table(&machine, &rows));
        return Ok(());
    }
    if options.phone_only {
        let rows = phone::rows(&gpu, &exe, &small, options);
        println!("{}", table::table(&machine, &rows));
        return Ok(());
    }
    let (mut rows, large) = import::rows(&gpu, &small, options)?;
    rows.extend(process::rows(&gpu, &exe, &small, options)?);
    rows.extend(ratio::rows(&gpu, &small, options)?);
    if !options.skip_codecs {
        // A comparison with the ffmpeg command: without it (or if it fails) the row says so.
        rows.push(gif::palette_row(&gpu, &small, options).unwrap_or_else(|e| {
            Row::not_measured("GIF palette vs FFmpeg palettegen/paletteuse", &e)
        }));
    }
    rows.extend(memory::rows(&exe, &small, large.as_deref(), options)?);
    rows.extend(phone::rows(&gpu, &exe, &small, options));
    rows.extend(preview::rows(&gpu)?);
    if !options.skip_editor {
        rows.extend(editor::editor_rows(
            &exe,
            &small,
            &options.work,
            timing::MOTION_PAIRS,
        ));
    }
    rows.extend(preview::export_alloc_rows(&small, options)?);
    rows.extend(clips::rows(&exe, &small, options)?);

    println!("{}", table::table(&machine, &rows));
    Ok(())
}

/// The CPU, its cores and the GPU, for the table's first line.
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
