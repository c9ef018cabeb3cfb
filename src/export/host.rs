//! An export made without a GPU: where the grid moves as one, sideways, every frame is made
//! on the CPU from a strip the CPU composes too (`render::HostFrames`), so the device is
//! never opened. The photos are decoded first, on every core, as where the GPU path draws
//! from a whole-grid still; photos that fail are left out and the grid shows the rest.

use std::sync::atomic::{AtomicBool, Ordering};

use super::ExportError;
use super::frames::{ExportJob, export_host};
use super::job::{Job, Planned, Progress, Report, Stage, note_parts};
use crate::engine::{cell_photos, tile_specs};
use crate::layout::{Layout, photos_shown};
use crate::photos::{self, TilePixels};
use crate::render::HostFrames;
use crate::stream::{Schedule, StreamPlan};

/// The split of the budget when `planned` can be exported without a GPU: no clip plays, the
/// grid moves as one, sideways, into 8-bit 4:2:0 frames a multiple of 8 wide, and every tile
/// and the strip fit the budget at once. `None`: the GPU makes the frames.
pub(super) fn plan(job: &Job, planned: &Planned) -> Option<StreamPlan> {
    let layout = Layout::new(&planned.settings);
    if job.compose_on_gpu
        || planned.pool.0 > 0
        || !HostFrames::applies(&layout, planned.format.pixel_layout())
    {
        return None;
    }
    let schedule = Schedule::new(&layout, planned.needed.len());
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let strip = Some(HostFrames::bytes_for(&layout));
    let plan = StreamPlan::new(
        &layout,
        &schedule,
        planned.budget,
        0,
        strip,
        u32::MAX,
        cores,
    );
    plan.ok().filter(|p| p.still && !p.streams())
}

/// Decodes the photos, composes the strip and exports: [`super::run`]'s work where
/// [`plan`] holds.
pub(super) fn run(
    job: &Job,
    planned: Planned,
    plan: StreamPlan,
    cancel: &AtomicBool,
    progress: &dyn Progress,
) -> Result<Report, ExportError> {
    let Planned {
        format,
        overlay,
        threads,
        settings,
        needed,
        mut skipped,
        captions,
        duplicates,
        ..
    } = planned;
    let planned_duplicates = duplicates.len();
    progress.stage(Stage::Importing);
    let specs = tile_specs(&settings).with_captions(captions);
    let total = needed.len();
    let loaded = {
        let _share = photos::gate::serve(plan.decode_bytes, plan.budget_bytes);
        photos::load_tiles_focused(&needed, &specs.base, &specs.focus, 0, cancel, &|done| {
            progress.photos_loaded(done, total);
        })
    };
    if cancel.load(Ordering::Relaxed) {
        return Err(ExportError::Cancelled);
    }
    for s in &loaded.skipped {
        progress.skipped(s);
    }
    skipped.extend(loaded.skipped);
    let tiles: Vec<TilePixels> = loaded
        .tiles
        .into_iter()
        .map(|t| specs.captioned(&t.path, t.pixels))
        .collect();
    if tiles.is_empty() {
        return Err(ExportError::NoPhotos(format!(
            "no usable photos: none of the {total} photos could be decoded ({} skipped in all)",
            skipped.len()
        )));
    }
    let layout = Layout::new(&settings);
    let cells = cell_photos(
        layout.cell_count(),
        photos_shown(layout.cell_count(), tiles.len()),
    );
    let layers: Vec<&[u8]> = tiles.iter().map(|t| t.rgba.as_slice()).collect();
    let composing = std::time::Instant::now();
    let frames = HostFrames::compose(&layout, settings.background, &layers, &cells)
        .ok_or_else(|| ExportError::Internal("a tile is not of the grid's tile size".into()))?;
    log::info!(
        "strip composed on the CPU in {:.3} s",
        composing.elapsed().as_secs_f64()
    );
    drop(layers);
    let counts = (tiles.len(), skipped.len(), planned_duplicates);
    progress.note(&memory_note(&layout, &settings, counts, &plan, threads));
    drop(tiles);
    progress.stage(Stage::Rendering);
    let summary = export_host(
        &frames,
        &ExportJob {
            settings: &settings,
            format,
            output: &job.output,
            overwrite: job.overwrite,
            encoder_threads: threads.threads,
            overlay: &overlay,
            clips: None,
        },
        cancel,
        progress,
    )?;
    Ok(Report { summary, skipped })
}

/// The line an export prints before its first frame (see `pipeline::memory_note`).
fn memory_note(
    layout: &Layout,
    settings: &crate::settings::Settings,
    (photos, skipped, dropped): (usize, usize, usize),
    plan: &StreamPlan,
    threads: super::threading::ThreadingChoice,
) -> String {
    let mb = |b: u64| (b >> 20).max(1);
    let (dropped, encoder_share) = note_parts(settings, threads, dropped);
    format!(
        "{photos} photos ({skipped} skipped{dropped}); {}x{} frames, {} at {} fps; all tiles resident ({} MB of tiles and \
         strip, up to {} MB decoding, of a {} MB budget{encoder_share}); frames made on the \
         CPU (the grid moves as one: no GPU needed)",
        layout.frame_w_px,
        layout.frame_h_px,
        settings.frame_count(),
        settings.fps,
        mb(plan.tile_budget_bytes() + HostFrames::bytes_for(layout)),
        mb(plan.decode_bytes),
        mb(plan.budget_bytes + threads.extra_bytes),
    )
}
