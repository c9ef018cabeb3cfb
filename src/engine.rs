//! The steps the command line and the editor share: which photo goes in which cell, the
//! tile spec for a set of settings, and loading a folder into a renderer.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::layout::{Layout, photos_shown};
use crate::photos::{self, Skipped, TilePixels, TileSpec, TileSpecs};
use crate::render::{GridRenderer, NO_LAYER, RenderError};
use crate::settings::Settings;
use crate::stream::{Schedule, StreamError, StreamMode, StreamPlan, TileStreamer};

/// Height of the always-resident thumbnails (photo list, and the preview's stand-ins).
pub const THUMB_HEIGHT_PX: u32 = 36;

/// The photo every tile shows under `settings`, cropped by the global anchor (a
/// photo with its own crop centre: [`tile_specs`]).
#[must_use]
pub fn tile_spec(settings: &Settings) -> TileSpec {
    // The photo's part of the cell: captions under the tiles add their line when the tile
    // is made (`photos::Captions::caption`).
    TileSpec {
        width_px: settings.tile_width_px(),
        height_px: settings.tile_height_px,
        aspect: settings.aspect,
        anchor: settings.crop,
        focus: None,
        background: settings.background,
    }
}

/// The tile of each photo under `settings`: [`tile_spec`], centred on the photo's own focus
/// where it has one.
#[must_use]
pub fn tile_specs(settings: &Settings) -> TileSpecs {
    TileSpecs::new(tile_spec(settings), Arc::new(settings.focus.clone()))
}

/// Photo index shown by each grid cell: photos fill the grid row-major in order and repeat
/// when there are fewer photos than cells, so the grid never has holes. With no photos every
/// cell is empty.
#[must_use]
pub fn cell_photos(cell_count: usize, photo_count: usize) -> Vec<u32> {
    (0..cell_count)
        .map(|cell| {
            if photo_count == 0 {
                NO_LAYER
            } else {
                u32::try_from(cell % photo_count).unwrap_or(NO_LAYER)
            }
        })
        .collect()
}

/// Uploads a fully resident photo set: layer i = photo i, cells filled row-major.
pub fn upload_photos<T: std::borrow::Borrow<TilePixels>>(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    renderer: &mut GridRenderer,
    layout: &Layout,
    tiles: &[T],
) -> Result<(), RenderError> {
    let max = device.limits().max_texture_array_layers;
    let shown = photos_shown(layout.cell_count(), tiles.len());
    if shown > max as usize {
        return Err(RenderError::TooManyLayers { needed: shown, max });
    }
    renderer.set_tiles(device, queue, &tiles[..shown]);
    renderer.set_cells(device, queue, &cell_photos(layout.cell_count(), shown));
    Ok(())
}

/// The photos of an export on the GPU: all resident, or streaming.
pub struct ExportTiles {
    /// Present when the tiles do not all fit the budget: export asks it before every frame.
    pub streamer: Option<TileStreamer>,
    /// Photos that could not be used, with the reason.
    pub skipped: Vec<Skipped>,
    /// Photos the grid shows.
    pub photos: usize,
    pub plan: StreamPlan,
    /// The tiles fit, but are decoded during the export by a strict `streamer`: a photo that
    /// fails stops it with [`StreamError::PhotoFailed`], and the export starts again without
    /// `start_at_once`.
    pub started_at_once: bool,
}

/// Puts the photos at `paths` (grid order) into `renderer` for an export within `budget`
/// bytes. Without `start_at_once`, or where a whole-grid still is drawn from: when every tile
/// fits, all are decoded on every core and stay resident (photos that fail are dropped, and
/// the grid shows the rest in order); when they do not, every photo is first decoded at
/// thumbnail size (fast; it finds the bad ones, and `thumbs` may supply those already made),
/// then tiles stream during the export on all cores but one, leaving that one to the
/// encoder. `on_done` counts photos decoded up front.
///
/// `start_at_once`: where no whole-grid still is drawn from, decode nothing up front (a
/// header probe drops what it can); a strict streamer decodes the tiles on every core in the
/// order the frames need them, resident or streaming, so the first frames render and encode
/// while the rest decode. The frames are the same bytes either way.
///
/// # Errors
/// A budget too small for one frame's tiles, cancellation, or threads that cannot start.
pub fn export_tiles(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    renderer: &mut GridRenderer,
    request: TileRequest<'_>,
    cancel: &AtomicBool,
    on_done: &(dyn Fn(usize) + Sync),
) -> Result<ExportTiles, StreamError> {
    let layout = Layout::new(request.settings);
    let starter = Starter {
        device,
        queue,
        specs: tile_specs(request.settings).with_captions(request.captions.clone()),
        cores: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        max_layers: device.limits().max_texture_array_layers,
        still: GridRenderer::still_bytes_for(device, &layout, true).filter(|_| !request.clips_play),
        layout,
    };
    let schedule = Schedule::new(&starter.layout, request.paths.len());
    let plan = starter.plan(&schedule, request.budget, 0, starter.still, starter.cores)?;
    // Without a whole-grid still, every frame is drawn from the tiles resident at the time
    // (through the ring, or the tile array) whether or not all were decoded first. So decode
    // them in the order the frames need them, on every core, while the first frames render
    // and encode; streamed, this also spares the thumbnail pass. (Where the still fits, it
    // stays: composed once, it makes every frame cheaper than the ring does, which costs
    // more than the decode it would hide on a busy machine.)
    if request.start_at_once && !plan.still {
        return starter.start_at_once(renderer, request.paths, request.budget, plan);
    }
    if !plan.streams() {
        let mut streamer =
            starter.start(renderer, plan, EXPORT, request.paths.into(), no_thumbs())?;
        let skipped = streamer.load_all(device, queue, renderer, cancel, on_done)?;
        return Ok(ExportTiles {
            skipped,
            photos: streamer.photo_count(),
            streamer: None,
            plan,
            started_at_once: false,
        });
    }
    starter.streamed(renderer, request, cancel, on_done)
}

/// What an export asks of [`export_tiles`].
pub struct TileRequest<'a> {
    pub settings: &'a Settings,
    /// Bytes the tiles may take.
    pub budget: u64,
    /// The photos, in grid order.
    pub paths: &'a [PathBuf],
    /// Thumbnails of `paths` already made (the editor's), if any.
    pub thumbs: Option<Vec<TilePixels>>,
    pub start_at_once: bool,
    /// The captions drawn into the tiles, if any (see `overlay::captions_for`).
    pub captions: Option<crate::photos::Captions>,
    /// Clips play: their tiles are written every frame, so no whole-grid still is drawn from
    /// (it would be composed again every frame); the ring or the tile array is.
    pub clips_play: bool,
}

/// An export's streamer, not wrapping, without thumbnails, lenient about photos that fail.
const EXPORT: StreamMode = StreamMode {
    wrap: false,
    thumbnails: false,
    strict: false,
};

fn no_thumbs() -> Arc<[TilePixels]> {
    Arc::from([])
}

/// What the three ways of starting an export's tiles share; they differ in plan, mode,
/// photos and stand-ins only.
struct Starter<'a> {
    device: &'a wgpu::Device,
    queue: &'a wgpu::Queue,
    layout: Layout,
    specs: TileSpecs,
    cores: usize,
    max_layers: u32,
    still: Option<u64>,
}

impl Starter<'_> {
    fn plan(
        &self,
        schedule: &Schedule,
        budget: u64,
        thumb_bytes: u64,
        still: Option<u64>,
        workers: usize,
    ) -> Result<StreamPlan, StreamError> {
        StreamPlan::new(
            &self.layout,
            schedule,
            budget,
            thumb_bytes,
            still,
            self.max_layers,
            workers,
        )
    }

    fn start(
        &self,
        renderer: &mut GridRenderer,
        plan: StreamPlan,
        mode: StreamMode,
        paths: Arc<[PathBuf]>,
        thumbs: Arc<[TilePixels]>,
    ) -> Result<TileStreamer, StreamError> {
        renderer.set_strip_cache_limit(plan.spare_bytes);
        TileStreamer::new(
            self.device,
            self.queue,
            renderer,
            &self.layout,
            plan,
            mode,
            paths,
            thumbs,
            self.specs.clone(),
        )
    }

    /// Starting at once, the grid must know up front which photos it shows: what a look at
    /// each file can tell is found here (in parallel, reading headers only), the rest stops
    /// the export when it shows (see [`ExportTiles::started_at_once`]).
    fn start_at_once(
        &self,
        renderer: &mut GridRenderer,
        paths: &[PathBuf],
        budget: u64,
        plan: StreamPlan,
    ) -> Result<ExportTiles, StreamError> {
        let (probed, probe_skipped) = probe_all(paths);
        if probed.is_empty() {
            // Nothing to show: the caller says so (no zero-layer texture is made).
            return Ok(ExportTiles {
                streamer: None,
                skipped: probe_skipped,
                photos: 0,
                plan,
                started_at_once: true,
            });
        }
        let schedule = Schedule::new(&self.layout, probed.len());
        let plan = StreamPlan {
            still: false,
            ..self.plan(&schedule, budget, 0, self.still, self.cores)?
        };
        let strict = StreamMode {
            strict: true,
            ..EXPORT
        };
        let streamer = self.start(renderer, plan, strict, probed.into(), no_thumbs())?;
        Ok(ExportTiles {
            photos: streamer.photo_count(),
            streamer: Some(streamer),
            skipped: probe_skipped,
            plan,
            started_at_once: true,
        })
    }

    /// Tiles that do not all fit: every photo first at thumbnail size (or the thumbnails the
    /// request brings), then the tiles stream on all cores but one.
    fn streamed(
        &self,
        renderer: &mut GridRenderer,
        request: TileRequest<'_>,
        cancel: &AtomicBool,
        on_done: &(dyn Fn(usize) + Sync),
    ) -> Result<ExportTiles, StreamError> {
        let (paths, thumbs, skipped) = if let Some(thumbs) = request.thumbs {
            (request.paths.to_vec(), thumbs, Vec::new())
        } else {
            let loaded = photos::load_tiles_focused(
                request.paths,
                &self.specs.base.thumbnail(THUMB_HEIGHT_PX),
                &self.specs.focus,
                0,
                cancel,
                on_done,
            );
            if cancel.load(std::sync::atomic::Ordering::Relaxed) {
                return Err(StreamError::Cancelled);
            }
            let (paths, thumbs) = loaded.tiles.into_iter().map(|t| (t.path, t.pixels)).unzip();
            (paths, thumbs, loaded.skipped)
        };
        let thumb_bytes = thumbs
            .iter()
            .map(|t: &TilePixels| t.byte_len() as u64)
            .sum();
        let schedule = Schedule::new(&self.layout, paths.len());
        let workers = self.cores.saturating_sub(1).max(1);
        let plan = self.plan(&schedule, request.budget, thumb_bytes, None, workers)?;
        let streamer = self.start(renderer, plan, EXPORT, paths.into(), thumbs.into())?;
        Ok(ExportTiles {
            photos: streamer.photo_count(),
            streamer: Some(streamer),
            skipped,
            plan,
            started_at_once: false,
        })
    }
}

/// Splits `paths` into the photos that pass [`photos::probe`] and those that do not.
fn probe_all(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Skipped>) {
    use rayon::prelude::*;
    let results: Vec<Result<(), photos::PhotoError>> =
        paths.par_iter().map(|p| photos::probe(p)).collect();
    let mut good = Vec::with_capacity(paths.len());
    let mut skipped = Vec::new();
    for (path, result) in paths.iter().zip(results) {
        match result {
            Ok(()) => good.push(path.clone()),
            Err(error) => skipped.push(Skipped {
                path: path.clone(),
                error,
            }),
        }
    }
    (good, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_fill_row_major_and_repeat() {
        assert_eq!(cell_photos(5, 2), vec![0, 1, 0, 1, 0]);
        assert_eq!(cell_photos(3, 10), vec![0, 1, 2]);
        assert_eq!(cell_photos(2, 0), vec![NO_LAYER, NO_LAYER]);
        assert_eq!(photos_shown(36, 50), 36);
    }
}
