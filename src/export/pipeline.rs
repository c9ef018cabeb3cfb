//! The one export pipeline: a [`Job`] in, a [`Report`] out, progress and cancel beside it.
//! `gridreel render`, the editor's export thread and `gridreel bench` all call [`run`], so a
//! fix or a feature of the pipeline is made once.
//!
//! Order of work, cheapest first, so that a bad value costs milliseconds and not an import:
//! settings, the output path, the encoder (it must open), the memory budget, then the photo
//! list (scanned, output not among it), then the GPU (where the frames need one: `host.rs`
//! makes those of a grid moving as one without it), the import and the frames.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::frames::{ExportJob, export_video};
use super::job::{Job, Photos, Planned, Progress, Report, Stage, note_parts};
use super::output::TempOutput;
use super::threading::{self, ThreadingChoice};
use super::{ExportError, Format, VideoWriter};
use crate::layout::{Layout, photos_shown};
use crate::overlay::Overlay;
use crate::photos::{self, Duplicate, ScanError, Skipped};
use crate::render::{FRAME_FORMAT, Gpu, GridRenderer};
use crate::settings::Settings;
use crate::stream::{ClipDeck, ClipFeed, ClipPlan, StreamError};
use crate::{engine, panic_message};

/// Checks what can be checked before any photo is decoded or the GPU is opened: the
/// settings, the output path, the encoder (it must open at the frame size) and the memory
/// budget, the title and the logo (drawn once here). Returns the format, the budget in bytes,
/// the encoder that opened and the overlay.
fn validate(job: &Job) -> Result<(Format, u64, String, Overlay), ExportError> {
    job.settings.validate().map_err(ExportError::Settings)?;
    // The folder must take a new file: try one (removed at once).
    drop(TempOutput::create(&job.output, job.overwrite)?);
    check_encoding(job)
}

/// What [`run`] checks before its first photo, except the output file (`gridreel render
/// --print-settings`): the settings, the memory budget on this machine, the format, the music
/// and the encoder.
pub fn check(job: &Job) -> Result<(), ExportError> {
    job.settings.validate().map_err(ExportError::Settings)?;
    check_encoding(job).map(|_| ())
}

/// The memory budget, the format, the music, the encoder (it must open at the frame size), and
/// the title and logo drawn at the output size.
fn check_encoding(job: &Job) -> Result<(Format, u64, String, Overlay), ExportError> {
    let settings = &job.settings;
    let budget = job
        .budget_bytes
        .unwrap_or_else(|| crate::monitor::budget_bytes(settings));
    let most = max_budget_bytes();
    if budget > most {
        return Err(ExportError::BudgetTooLarge {
            budget_mb: budget >> 20,
            most_mb: most >> 20,
        });
    }
    let format = Format::resolve(&job.output, &settings.video)?;
    let (timeline, _) = format.timeline(settings);
    if let Some(music) = &timeline.audio.file {
        super::audio::probe(music)?;
    }
    let output_px = format.output_size_px(&settings.video, settings.frame_size_px());
    let (encoder, _) = VideoWriter::probe(format, output_px, timeline.fps, &settings.video)?;
    let overlay = Overlay::build(settings, output_px)?;
    Ok((format, budget, encoder, overlay))
}

/// The largest memory budget this machine can hold: nine tenths of its RAM (a software GPU
/// keeps its textures there too; a discrete GPU's memory is not counted on top).
#[must_use]
fn max_budget_bytes() -> u64 {
    crate::monitor::total_ram_bytes() / 10 * 9
}

/// Runs the whole export: validation, the photo list, import (or streaming), rendering,
/// encoding and the atomic output. Blocks until done, cancelled or failed. On any failure,
/// panics included, no output file appears and an existing one is untouched.
pub fn run(job: &Job, cancel: &AtomicBool, progress: &dyn Progress) -> Result<Report, ExportError> {
    catch_unwind(AssertUnwindSafe(|| run_unguarded(job, cancel, progress))).unwrap_or_else(
        |panic| {
            Err(ExportError::Internal(format!(
                "the export stopped on a bug: {}",
                panic_message(panic.as_ref())
            )))
        },
    )
}

/// The cheap part of an export, first: the settings and the output checked, the photo list
/// made, and the notes a user should read (a GIF's timeline, a loop, photos left out).
fn plan(job: &Job, cancel: &AtomicBool, progress: &dyn Progress) -> Result<Planned, ExportError> {
    progress.stage(Stage::Validating);
    let (format, budget, encoder, overlay) = validate(job)?;
    #[cfg(debug_assertions)]
    crate::fault::panic_if_armed(crate::fault::Fault::ExportPanic, &job.output);
    let (timeline, left_out) = format.timeline(&job.settings);
    if let Some(note) = left_out {
        progress.note(&note);
    }
    let settings = &timeline;
    let layout = Layout::new(settings);
    if let Some(note) = layout.loop_note() {
        progress.note(&note);
    }

    let PhotoList {
        paths,
        skipped,
        duplicates,
    } = photo_list(&job.photos, settings, &job.output, cancel)?;
    for s in &skipped {
        progress.skipped(s);
    }
    for d in &duplicates {
        progress.duplicate(d);
    }
    check_not_an_input(&job.output, &paths)?;
    let needed = paths[..photos_shown(layout.cell_count(), paths.len())].to_vec();
    if needed.len() < paths.len() {
        progress.note(&format!(
            "the {}x{} grid shows {} of {} photos; add rows or columns to show more",
            settings.rows,
            settings.cols,
            needed.len(),
            paths.len()
        ));
    }
    let (captions, notes) = crate::overlay::captions_for(&settings.captions, &needed)?;
    for note in &notes {
        progress.note(note);
    }
    if cancel.load(Ordering::Relaxed) {
        return Err(ExportError::Cancelled);
    }
    // The encoder's defaults (x264's frame threads) when the budget holds their extra
    // memory; that memory is then taken from the photos' share.
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let output_px = format.output_size_px(&settings.video, layout.frame_size_px());
    let threads = threading::choose(&encoder, &settings.video, output_px, budget, cores);
    // The clips' decoders come out of the photos' share too.
    let (budget, decoders, decoder_bytes) =
        clip_decoders(&needed, &timeline, budget - threads.extra_bytes);
    Ok(Planned {
        format,
        overlay,
        budget,
        pool: (decoders, decoder_bytes),
        threads,
        needed,
        skipped,
        duplicates,
        captions,
        settings: timeline,
    })
}

fn run_unguarded(
    job: &Job,
    cancel: &AtomicBool,
    progress: &dyn Progress,
) -> Result<Report, ExportError> {
    let planned = plan(job, cancel, progress)?;
    if let Some(tiles) = super::host::plan(job, &planned) {
        return super::host::run(job, planned, tiles, cancel, progress);
    }
    let Planned {
        format,
        overlay,
        budget,
        threads,
        settings,
        needed,
        mut skipped,
        duplicates,
        captions,
        pool,
    } = planned;
    let settings = &settings;
    progress.stage(Stage::Importing);
    let gpu = Gpu::for_export()?;
    let total = needed.len();
    let thumbs = thumbs_of_needed(job, total);
    // Where no whole-grid still is drawn from, the export starts at once and decodes the
    // tiles in the order the frames need them (see `engine::export_tiles`); a photo that then
    // fails to decode would have been left out of the grid, so the export starts again,
    // decoding first.
    let mut start_at_once = !job.decode_first;
    // The photos still in the running: an attempt that started at once and stopped keeps
    // out what its probe already reported.
    let mut running = needed.clone();
    loop {
        let mut renderer = GridRenderer::new(&gpu.device, FRAME_FORMAT);
        let request = engine::TileRequest {
            settings,
            budget,
            paths: &running,
            // The editor's thumbnails are of `needed`: of no use once a probe dropped one.
            thumbs: thumbs.clone().filter(|t| t.len() == running.len()),
            start_at_once,
            captions: captions.clone(),
            clips_play: pool.0 > 0,
        };
        let mut tiles = engine::export_tiles(
            &gpu.device,
            &gpu.queue,
            &mut renderer,
            request,
            cancel,
            &|done| progress.photos_loaded(done, total),
        )?;
        for s in &tiles.skipped {
            progress.skipped(s);
        }
        running.retain(|p| !tiles.skipped.iter().any(|s| &s.path == p));
        skipped.append(&mut tiles.skipped);
        if tiles.photos == 0 {
            return Err(ExportError::NoPhotos(format!(
                "no usable photos: none of the {} photos could be decoded ({} skipped in all)",
                needed.len(),
                skipped.len()
            )));
        }
        progress.note(&memory_note(
            &tiles,
            (skipped.len(), duplicates.len()),
            settings,
            (budget, threads),
            &gpu,
        ));
        let clips = start_clips(settings, &running, pool, captions.as_ref(), progress)?;
        progress.stage(Stage::Rendering);
        let exported = export_video(
            &gpu,
            &mut renderer,
            tiles.streamer.as_mut(),
            &ExportJob {
                settings,
                format,
                output: &job.output,
                overwrite: job.overwrite,
                encoder_threads: threads.threads,
                overlay: &overlay,
                clips: clips.as_ref(),
            },
            cancel,
            progress,
        );
        if let Some(clips) = clips {
            report_clips(clips, pool.0, progress);
        }
        let summary = match exported {
            Err(ExportError::Stream(StreamError::PhotoFailed(failed))) if tiles.started_at_once => {
                progress.note(&format!(
                    "{} could not be decoded ({}); starting again without it",
                    failed.path.display(),
                    failed.error
                ));
                progress.stage(Stage::Importing);
                start_at_once = false;
                continue;
            }
            exported => exported?,
        };
        if let Some(streamer) = tiles.streamer.as_mut() {
            for s in streamer.take_failures() {
                progress.skipped(&s);
                skipped.push(s);
            }
        }
        return Ok(Report { summary, skipped });
    }
}

/// The editor's thumbnails of the `total` photos the grid shows, when the job brings them.
fn thumbs_of_needed(job: &Job, total: usize) -> Option<Vec<crate::photos::TilePixels>> {
    job.thumbs
        .clone()
        .filter(|t| t.len() >= total)
        .map(|mut t| {
            t.truncate(total);
            t
        })
}

/// The photos' budget left once the clips that play among `paths` have their decoders, how
/// many decoders (0: no clip plays), and the bytes they take.
fn clip_decoders(paths: &[PathBuf], settings: &Settings, budget: u64) -> (u64, usize, u64) {
    let Some(plan) = ClipPlan::new(paths, settings) else {
        return (budget, 0, 0);
    };
    let schedule = crate::stream::Schedule::new(&Layout::new(settings), paths.len());
    let each = plan.decoder_bytes();
    // At most half the budget: the tiles need the rest.
    let decoders = plan.decoders(&schedule, budget / 2, each);
    let bytes = each * decoders as u64;
    (budget - bytes, decoders, bytes)
}

/// The clips of `paths` (the grid's photos, in order) decoding on their own thread, when
/// any play, with `decoders` decoders taking `bytes`; says so.
fn start_clips(
    settings: &Settings,
    paths: &[PathBuf],
    (decoders, bytes): (usize, u64),
    captions: Option<&crate::photos::Captions>,
    progress: &dyn Progress,
) -> Result<Option<ClipFeed>, ExportError> {
    let Some(plan) = ClipPlan::new(paths, settings).filter(|_| decoders > 0) else {
        return Ok(None);
    };
    let specs = engine::tile_specs(settings).with_captions(captions.cloned());
    let layout = Layout::new(settings);
    let deck = ClipDeck::new(&layout, plan, paths.into(), specs, decoders);
    let feed = ClipFeed::start(deck, settings.frame_count(), settings.fps).map_err(|source| {
        ExportError::Thread {
            what: "clip decoder",
            source,
        }
    })?;
    progress.note(&clips_note(&feed, decoders, bytes));
    Ok(Some(feed))
}

/// "6 clips play, 6 at a time (462 MB of the budget for their decoders)".
fn clips_note(clips: &ClipFeed, decoders: usize, bytes: u64) -> String {
    format!(
        "{} clips play, {decoders} at a time ({} MB of the budget for their decoders)",
        clips.playing(),
        bytes.div_ceil(1 << 20)
    )
}

/// Says which clips stopped playing (their cells held their last good frame) and how many
/// waited for a decoder.
fn report_clips(clips: ClipFeed, decoders: usize, progress: &dyn Progress) {
    let (stopped, waited) = clips.finish();
    for s in stopped {
        progress.note(&format!(
            "{} stopped playing ({}); its cell held its last good frame",
            s.path.display(),
            s.error
        ));
    }
    if waited > 0 {
        progress.note(&format!(
            "{waited} clips showed their still frame while all {decoders} clip decoders were \
             busy; a larger --memory-budget gives more decoders"
        ));
    }
}

/// The line an export prints before its first frame: photos, frames, tiles and budget, GPU.
fn memory_note(
    tiles: &engine::ExportTiles,
    (skipped, dropped): (usize, usize),
    settings: &Settings,
    (budget, threads): (u64, ThreadingChoice),
    gpu: &Gpu,
) -> String {
    let layout = Layout::new(settings);
    let plan = tiles.plan;
    let mb = |b: u64| b >> 20;
    let tiles_state = if plan.streams() {
        format!(
            "streaming {} tiles through {} slots",
            plan.photos, plan.slots
        )
    } else if tiles.started_at_once {
        "all tiles resident, decoded as the frames need them".to_owned()
    } else {
        "all tiles resident".to_owned()
    };
    let (dropped, encoder_share) = note_parts(settings, threads, dropped);
    format!(
        "{} photos ({skipped} skipped{dropped}); {}x{} frames, {} at {} fps; {tiles_state} ({} MB of \
         tiles, up to {} MB decoding, of a {} MB budget{encoder_share}); GPU: {}",
        tiles.photos,
        layout.frame_w_px,
        layout.frame_h_px,
        settings.frame_count(),
        settings.fps,
        mb(plan.tile_budget_bytes()).max(1),
        mb(plan.decode_bytes),
        mb(budget + threads.extra_bytes),
        gpu.describe()
    )
}

/// The photos an export uses, in order, and those it leaves out.
struct PhotoList {
    paths: Vec<PathBuf>,
    /// Files the scan passed over.
    skipped: Vec<Skipped>,
    /// Near-duplicates left out (`--skip-duplicates`).
    duplicates: Vec<Duplicate>,
}

/// The photos of `source`, in order, with near-duplicates left out where the settings ask and
/// then the settings' photo range applied to a folder, and the files the scan passed over.
fn photo_list(
    source: &Photos,
    settings: &Settings,
    output: &Path,
    cancel: &AtomicBool,
) -> Result<PhotoList, ExportError> {
    let (folder, recursive, is_demo) = match source {
        Photos::Paths(paths) if paths.is_empty() => {
            return Err(ExportError::NoPhotos("no photos to use".into()));
        }
        Photos::Paths(paths) => {
            let (paths, skipped) = photos::apply_clip_mode(paths.clone(), settings.clips);
            if paths.is_empty() {
                return Err(ExportError::NoPhotos(
                    "no photos to use (every one is a clip, and clips: skip)".into(),
                ));
            }
            return Ok(PhotoList {
                paths,
                skipped,
                duplicates: Vec::new(),
            });
        }
        Photos::Folder { dir, recursive } => match dir {
            Some(dir) => (dir.clone(), *recursive, false),
            None => (
                photos::demo_folder().map_err(ExportError::Scan)?,
                *recursive,
                true,
            ),
        },
    };
    let scan = photos::scan_folder(&folder, recursive).map_err(|e| match e {
        ScanError::Missing(_) if is_demo => {
            ExportError::Scan(ScanError::DemoMissing(folder.clone()))
        }
        other => ExportError::Scan(other),
    })?;
    let (listed, clips_left_out) =
        photos::apply_clip_mode(without_own_output(scan.photos, output), settings.clips);
    let mut ordered = photos::sort_photos(listed, settings.photos);
    let mut duplicates = Vec::new();
    if settings.photos.skip_duplicates {
        duplicates = photos::find_duplicates(&ordered, cancel);
        ordered = photos::without_duplicates(ordered, &duplicates);
    }
    let selected = photos::select_range(&ordered, settings.first_photo, settings.last_photo);
    if selected.is_empty() {
        return Err(ExportError::NoPhotos(format!(
            "no photos to use ({} found, range {}..{}): {}",
            ordered.len(),
            settings.first_photo.unwrap_or(1),
            settings
                .last_photo
                .map_or_else(|| "end".to_owned(), |l| l.to_string()),
            folder.display()
        )));
    }
    let mut skipped = scan.skipped;
    skipped.extend(clips_left_out);
    Ok(PhotoList {
        paths: selected.to_vec(),
        skipped,
        duplicates,
    })
}

/// `paths` without the export's own output, when the folder holds it (an earlier render
/// into the photo folder): a video the export replaces is not one of its clips.
fn without_own_output(mut paths: Vec<PathBuf>, output: &Path) -> Vec<PathBuf> {
    if let Ok(out) = std::fs::canonicalize(output) {
        paths.retain(|p| !(photos::is_clip(p) && std::fs::canonicalize(p).is_ok_and(|c| c == out)));
    }
    paths
}

/// Refuses an output that is one of the input photos (the same file, by any path), even with
/// `--overwrite`: a video must never replace a photo.
fn check_not_an_input(output: &Path, inputs: &[PathBuf]) -> Result<(), ExportError> {
    let Ok(out) = std::fs::canonicalize(output) else {
        return Ok(()); // does not exist yet: it cannot be an input
    };
    for input in inputs {
        if std::fs::canonicalize(input).is_ok_and(|p| p == out) {
            return Err(ExportError::OutputIsInput(output.to_owned()));
        }
    }
    Ok(())
}
