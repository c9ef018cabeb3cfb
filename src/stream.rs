//! Tile streaming: photo pixels within the memory budget, whatever the number of photos.
//!
//! The slide is deterministic, so the time every cell is on screen is known before the first
//! frame ([`Schedule`]). When all tiles fit the budget they are all decoded once and stay
//! resident. When they do not, a fixed number of texture layers ("slots") hold the photos
//! needed soonest: decode workers fill them ahead of the play head, and a slot is reused for
//! the photo not needed for the longest time ([`Residency`], Belady's rule, exact here because
//! the future is known). Export waits for a tile rather than drawing a hole; the preview draws
//! the photo's thumbnail until its tile arrives.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TryRecvError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::engine::photos_shown;
use crate::layout::Layout;
use crate::photos::{PhotoError, Skipped, TilePixels, TileSpec, decode_tile};
use crate::render::{GridRenderer, NO_LAYER, THUMB_FLAG};

const NONE: u32 = u32::MAX;

/// One cell's time on screen, and the photo it shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Showing {
    pub enter_secs: f64,
    pub leave_secs: f64,
    pub photo: u32,
}

/// When each photo is on screen, for one layout and photo count.
#[derive(Debug)]
pub struct Schedule {
    /// Cells that are ever on screen, in the order they come on: column by column, since the
    /// grid slides left at constant speed. Enter and leave times both increase along it, so
    /// the cells on screen at any time are one contiguous run.
    showings: Vec<Showing>,
    /// Indices into `showings` for each photo (photo p: `by_photo[starts[p]..starts[p + 1]]`).
    starts: Vec<u32>,
    by_photo: Vec<u32>,
    photo_count: u32,
    max_visible: usize,
    visible_rows: u32,
    layout: Layout,
}

impl Schedule {
    /// `photo_count` photos filling `layout`'s cells row-major (repeating when fewer).
    #[must_use]
    pub fn new(layout: &Layout, photo_count: usize) -> Self {
        let cell_count = layout.cell_count();
        let photos = u32::try_from(photos_shown(cell_count, photo_count)).unwrap_or(u32::MAX);
        let (frame_w, frame_h) = (f64::from(layout.frame_w_px), f64::from(layout.frame_h_px));
        // Pixels per second the grid moves left (product.md's formula, differentiated).
        let velocity =
            (frame_w + f64::from(layout.grid_w_px)) * layout.speed / layout.duration_secs;
        let (_, grid_y) = layout.grid_origin_at(0.0);
        let pitch_w = f64::from(layout.tile_w_px + layout.gap_h_px);
        let pitch_h = f64::from(layout.tile_h_px + layout.gap_v_px);
        let (tile_w, tile_h) = (f64::from(layout.tile_w_px), f64::from(layout.tile_h_px));
        // One pixel of margin each way: bilinear filtering reads half a pixel beyond an edge.
        let rows: Vec<u32> = (0..layout.rows)
            .filter(|&r| {
                let y = grid_y + f64::from(r) * pitch_h;
                y < frame_h + 1.0 && y + tile_h > -1.0
            })
            .collect();
        let mut showings = Vec::new();
        if photos > 0 && velocity > 0.0 {
            for col in 0..layout.cols {
                let x = f64::from(col) * pitch_w;
                let enter_secs = (x - 1.0) / velocity - 1e-6;
                let leave_secs = (frame_w + x + tile_w + 1.0) / velocity + 1e-6;
                if enter_secs > layout.duration_secs || leave_secs < 0.0 {
                    continue;
                }
                for &row in &rows {
                    let cell = row as usize * layout.cols as usize + col as usize;
                    showings.push(Showing {
                        enter_secs,
                        leave_secs,
                        photo: u32::try_from(cell % photos as usize).unwrap_or(0),
                    });
                }
            }
        }
        let mut starts = vec![0u32; photos as usize + 1];
        for s in &showings {
            starts[s.photo as usize + 1] += 1;
        }
        for p in 0..photos as usize {
            starts[p + 1] += starts[p];
        }
        let mut fill = starts.clone();
        let mut by_photo = vec![0u32; showings.len()];
        for (i, s) in showings.iter().enumerate() {
            let at = &mut fill[s.photo as usize];
            by_photo[*at as usize] = u32::try_from(i).unwrap_or(u32::MAX);
            *at += 1;
        }
        let mut schedule = Self {
            showings,
            starts,
            by_photo,
            photo_count: photos,
            max_visible: 0,
            visible_rows: u32::try_from(rows.len()).unwrap_or(u32::MAX),
            layout: *layout,
        };
        schedule.max_visible = schedule
            .showings
            .iter()
            .map(|s| schedule.visible(s.enter_secs.max(0.0)).len())
            .max()
            .unwrap_or(0);
        schedule
    }

    /// Photos the grid shows (at most one per cell).
    #[must_use]
    pub fn photo_count(&self) -> u32 {
        self.photo_count
    }

    /// The cells on screen at `t_secs`.
    #[must_use]
    pub fn visible(&self, t_secs: f64) -> &[Showing] {
        let lo = self.first_not_left(t_secs);
        let hi = self.showings.partition_point(|s| s.enter_secs <= t_secs);
        &self.showings[lo..hi.max(lo)]
    }

    /// Most cells on screen at once: the fewest slots streaming can work with.
    #[must_use]
    pub fn max_visible(&self) -> usize {
        self.max_visible
    }

    /// Rows that are ever on screen (one column's worth of cells).
    #[must_use]
    pub fn visible_rows(&self) -> u32 {
        self.visible_rows
    }

    /// The first showing that has not left the screen by `t_secs`.
    fn first_not_left(&self, t_secs: f64) -> usize {
        self.showings.partition_point(|s| s.leave_secs < t_secs)
    }

    /// How many showings after `from` the photo is next needed (`u64::MAX`: never again).
    fn next_need(&self, photo: u32, from: usize, wrap: bool) -> u64 {
        let p = photo as usize;
        let Some(mine) = self
            .starts
            .get(p..=p + 1)
            .and_then(|r| self.by_photo.get(r[0] as usize..r[1] as usize))
        else {
            return u64::MAX;
        };
        let at = mine.partition_point(|&i| (i as usize) < from);
        match (mine.get(at), mine.first()) {
            (Some(&i), _) => (i as usize - from) as u64,
            (None, Some(&first)) if wrap => (self.showings.len() - from + first as usize) as u64,
            _ => u64::MAX,
        }
    }
}

/// A photo to decode into a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Load {
    pub photo: u32,
    pub slot: u32,
}

/// Which photo each slot holds, and the decisions of what to load and what to evict.
/// Sized once; planning allocates nothing.
#[derive(Debug)]
pub struct Residency {
    slot_photo: Vec<u32>,
    slot_ready: Vec<bool>,
    photo_slot: Vec<u32>,
    free: Vec<u32>,
    /// Photos wanted by the current plan carry the current stamp.
    mark: Vec<u32>,
    stamp: u32,
    wanted: Vec<u32>,
    loading: usize,
}

impl Residency {
    #[must_use]
    pub fn new(slots: u32, photos: u32) -> Self {
        Self {
            slot_photo: vec![NONE; slots as usize],
            slot_ready: vec![false; slots as usize],
            photo_slot: vec![NONE; photos as usize],
            free: (0..slots).rev().collect(),
            mark: vec![0; photos as usize],
            stamp: 0,
            wanted: Vec::with_capacity(slots as usize),
            loading: 0,
        }
    }

    #[must_use]
    pub fn slots(&self) -> u32 {
        u32::try_from(self.slot_photo.len()).unwrap_or(u32::MAX)
    }

    /// The slot holding the photo's decoded tile, if it is resident.
    #[must_use]
    pub fn ready_slot(&self, photo: u32) -> Option<u32> {
        let slot = *self.photo_slot.get(photo as usize)?;
        (slot != NONE && self.slot_ready[slot as usize]).then_some(slot)
    }

    /// Photos being decoded now.
    #[must_use]
    pub fn loading(&self) -> usize {
        self.loading
    }

    /// Resident tiles.
    #[must_use]
    pub fn ready_count(&self) -> usize {
        self.slot_ready.iter().filter(|r| **r).count()
    }

    /// Decides what to decode for play head `t_secs`: the `slots` photos needed soonest are
    /// wanted (on screen first, then in the order they come on, wrapping to the start when
    /// the clip loops); each wanted photo without a slot takes a free one or the one whose
    /// photo is needed last. Calls `request` for each, at most `max_loading` at a time.
    /// Returns whether a resident photo was evicted.
    pub fn plan(
        &mut self,
        schedule: &Schedule,
        t_secs: f64,
        wrap: bool,
        max_loading: usize,
        mut request: impl FnMut(Load),
    ) -> bool {
        let showings = &schedule.showings;
        let n = showings.len();
        let start = schedule.first_not_left(t_secs);
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.mark.fill(0);
            self.stamp = 1;
        }
        self.wanted.clear();
        let span = if wrap { n } else { n - start.min(n) };
        for k in 0..span {
            let photo = showings[(start + k) % n].photo;
            let Some(mark) = self.mark.get_mut(photo as usize) else {
                continue;
            };
            if *mark != self.stamp {
                *mark = self.stamp;
                self.wanted.push(photo);
                if self.wanted.len() == self.slot_photo.len() {
                    break;
                }
            }
        }
        let mut evicted = false;
        for i in 0..self.wanted.len() {
            let photo = self.wanted[i];
            if self.photo_slot[photo as usize] != NONE {
                continue;
            }
            if self.loading >= max_loading {
                break;
            }
            let Some(slot) = self.victim(schedule, start, wrap) else {
                break;
            };
            let old = self.slot_photo[slot as usize];
            if old != NONE {
                self.photo_slot[old as usize] = NONE;
                evicted = true;
            }
            self.slot_photo[slot as usize] = photo;
            self.slot_ready[slot as usize] = false;
            self.photo_slot[photo as usize] = slot;
            self.loading += 1;
            request(Load { photo, slot });
        }
        evicted
    }

    /// A free slot, else the ready slot whose photo is not wanted and is needed last.
    fn victim(&mut self, schedule: &Schedule, start: usize, wrap: bool) -> Option<u32> {
        if let Some(slot) = self.free.pop() {
            return Some(slot);
        }
        let mut best: Option<(u64, u32)> = None;
        for (slot, (&photo, &ready)) in self.slot_photo.iter().zip(&self.slot_ready).enumerate() {
            if !ready || self.mark[photo as usize] == self.stamp {
                continue;
            }
            let need = schedule.next_need(photo, start, wrap);
            if best.is_none_or(|(b, _)| need > b) {
                best = Some((need, u32::try_from(slot).unwrap_or(NONE)));
                if need == u64::MAX {
                    break;
                }
            }
        }
        best.map(|(_, slot)| slot)
    }

    /// A requested load finished (tile written, or its stand-in). False when the slot has
    /// meanwhile gone to another photo.
    pub fn finished(&mut self, load: Load) -> bool {
        self.loading = self.loading.saturating_sub(1);
        let mine = self.slot_photo.get(load.slot as usize) == Some(&load.photo);
        if mine {
            self.slot_ready[load.slot as usize] = true;
        }
        mine
    }

    /// Whether every photo on screen at `t_secs` is resident.
    #[must_use]
    pub fn all_ready(&self, schedule: &Schedule, t_secs: f64) -> bool {
        schedule
            .visible(t_secs)
            .iter()
            .all(|s| self.ready_slot(s.photo).is_some())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(
        "memory budget {budget_mb} MB is too small for this layout: one frame shows up to \
         {visible} tiles of {tile_w}x{tile_h} px, which need at least {needed_mb} MB; raise \
         --memory-budget or use smaller tiles"
    )]
    BudgetTooSmall {
        budget_mb: u64,
        needed_mb: u64,
        visible: usize,
        tile_w: u32,
        tile_h: u32,
    },
    #[error("cannot start the photo decoders ({0})")]
    Spawn(std::io::Error),
    #[error("the photo decoders stopped")]
    DecodersStopped,
    #[error("cancelled")]
    Cancelled,
}

/// How many tiles may be decoded at once and how the budget splits, for one layout.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StreamPlan {
    /// Texture layers for tiles.
    pub slots: u32,
    /// Photos the grid shows; `slots < photos` means streaming.
    pub photos: u32,
    /// Whether the composed still fits the budget too.
    pub still: bool,
    pub tile_bytes: u64,
    /// Decodes in flight at once (each holds one tile in RAM until it is uploaded).
    pub max_loading: usize,
    pub workers: usize,
}

impl StreamPlan {
    /// Splits `budget` bytes (less `reserved`, e.g. thumbnails) between tiles in flight,
    /// resident tiles and the still. `still_bytes` is None when the layout has no still;
    /// `max_layers` is the device's texture array limit.
    pub fn new(
        layout: &Layout,
        schedule: &Schedule,
        budget: u64,
        reserved: u64,
        still_bytes: Option<u64>,
        max_layers: u32,
        workers: usize,
    ) -> Result<Self, StreamError> {
        let workers = workers.max(1);
        let max_loading = workers + 2;
        let tile_bytes = u64::from(layout.tile_w_px) * u64::from(layout.tile_h_px) * 4;
        let photos = schedule.photo_count();
        let in_flight = max_loading as u64 * tile_bytes;
        let available = budget.saturating_sub(reserved + in_flight);
        let all = u64::from(photos) * tile_bytes;
        let mut plan = Self {
            slots: photos,
            photos,
            still: false,
            tile_bytes,
            max_loading,
            workers,
        };
        if all <= available && photos <= max_layers {
            plan.still = still_bytes.is_some_and(|s| all + s <= available);
            return Ok(plan);
        }
        // Streaming: enough slots for a full frame plus one column coming on.
        let needed = (schedule.max_visible() as u64 + u64::from(schedule.visible_rows()))
            .min(u64::from(photos));
        let fit = (available / tile_bytes.max(1)).min(u64::from(max_layers));
        if fit < needed {
            let mb = |b: u64| b.div_ceil(1 << 20);
            return Err(StreamError::BudgetTooSmall {
                budget_mb: mb(budget),
                needed_mb: mb(needed * tile_bytes + in_flight + reserved),
                visible: schedule.max_visible(),
                tile_w: layout.tile_w_px,
                tile_h: layout.tile_h_px,
            });
        }
        plan.slots = u32::try_from(fit.min(u64::from(photos))).unwrap_or(max_layers);
        Ok(plan)
    }

    #[must_use]
    pub fn streams(&self) -> bool {
        self.slots < self.photos
    }

    /// Bytes this plan holds at most: slots plus tiles in flight (without the still).
    #[must_use]
    pub fn tile_budget_bytes(&self) -> u64 {
        (u64::from(self.slots) + self.max_loading as u64) * self.tile_bytes
    }
}

/// Options of a [`TileStreamer`] that differ between preview and export.
#[derive(Clone, Copy, Debug)]
pub struct StreamMode {
    /// The play head loops: look ahead past the end to the start.
    pub wrap: bool,
    /// Cells whose tile is not resident show the photo's thumbnail (preview); otherwise the
    /// caller waits with [`TileStreamer::prepare_frame`] (export).
    pub thumbnails: bool,
}

struct Decoded {
    load: Load,
    result: Result<TilePixels, PhotoError>,
}

/// Keeps the tiles a renderer needs resident, decoding on worker threads.
pub struct TileStreamer {
    schedule: Schedule,
    residency: Residency,
    plan: StreamPlan,
    mode: StreamMode,
    paths: Arc<[PathBuf]>,
    /// Thumbnails by photo: the preview's stand-ins, and what a photo that fails to decode
    /// now (it decoded when imported) is drawn from, scaled up.
    thumbs: Arc<[TilePixels]>,
    spec: TileSpec,
    cells: Vec<u32>,
    cells_dirty: bool,
    requests: SyncSender<Load>,
    results: Receiver<Decoded>,
    failures: Vec<Skipped>,
}

impl TileStreamer {
    /// Sets `renderer` up for `plan` (tile storage, thumbnails, still on or off) and starts the
    /// decode workers. `paths` are the photos in grid order; `thumbs` are theirs, or empty.
    ///
    /// # Errors
    /// When the worker threads cannot be started.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        renderer: &mut GridRenderer,
        layout: &Layout,
        plan: StreamPlan,
        mode: StreamMode,
        paths: Arc<[PathBuf]>,
        thumbs: Arc<[TilePixels]>,
        spec: TileSpec,
    ) -> Result<Self, StreamError> {
        let schedule = Schedule::new(layout, paths.len());
        let residency = Residency::new(plan.slots, schedule.photo_count());
        renderer.ensure_tile_storage(device, layout.tile_w_px, layout.tile_h_px, plan.slots);
        renderer.set_still_enabled(plan.still);
        if mode.thumbnails {
            renderer.set_thumbnails(device, queue, &thumbs);
        } else {
            renderer.set_thumbnails(device, queue, &[]);
        }
        let (requests, request_rx) = sync_channel::<Load>(plan.max_loading);
        let (result_tx, results) = sync_channel::<Decoded>(plan.max_loading);
        let request_rx = Arc::new(Mutex::new(request_rx));
        for i in 0..plan.workers {
            let (rx, tx, paths) = (
                Arc::clone(&request_rx),
                result_tx.clone(),
                Arc::clone(&paths),
            );
            std::thread::Builder::new()
                .name(format!("gridreel-tiles-{i}"))
                .spawn(move || decode_worker(&rx, &tx, &paths, &spec))
                .map_err(StreamError::Spawn)?;
        }
        let mut streamer = Self {
            cells: vec![NO_LAYER; layout.cell_count()],
            schedule,
            residency,
            plan,
            mode,
            paths,
            thumbs,
            spec,
            cells_dirty: true,
            requests,
            results,
            failures: Vec::new(),
        };
        streamer.flush_cells(device, queue, renderer);
        Ok(streamer)
    }

    #[must_use]
    pub fn plan(&self) -> &StreamPlan {
        &self.plan
    }

    #[must_use]
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// Resident tiles and tiles being decoded.
    #[must_use]
    pub fn counts(&self) -> (usize, usize) {
        (self.residency.ready_count(), self.residency.loading())
    }

    /// Photos that failed to decode since the last call (each drawn from its thumbnail).
    pub fn take_failures(&mut self) -> Vec<Skipped> {
        std::mem::take(&mut self.failures)
    }

    /// Uploads finished tiles and asks for the next ones; never waits (the preview's call).
    ///
    /// # Errors
    /// When the decode workers have stopped.
    pub fn update(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        renderer: &mut GridRenderer,
        t_secs: f64,
    ) -> Result<(), StreamError> {
        loop {
            match self.results.try_recv() {
                Ok(decoded) => self.accept(queue, renderer, decoded),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return Err(StreamError::DecodersStopped),
            }
        }
        self.request(t_secs)?;
        self.flush_cells(device, queue, renderer);
        Ok(())
    }

    /// Makes every tile on screen at `t_secs` resident, waiting for decodes if it must, and
    /// keeps the workers busy with the tiles needed next (the export's call).
    ///
    /// # Errors
    /// When cancelled or when the decode workers have stopped.
    pub fn prepare_frame(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        renderer: &mut GridRenderer,
        t_secs: f64,
        cancel: &AtomicBool,
    ) -> Result<(), StreamError> {
        self.update(device, queue, renderer, t_secs)?;
        while !self.residency.all_ready(&self.schedule, t_secs) {
            if cancel.load(Ordering::Relaxed) {
                return Err(StreamError::Cancelled);
            }
            match self.results.recv_timeout(Duration::from_millis(100)) {
                Ok(decoded) => self.accept(queue, renderer, decoded),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Err(StreamError::DecodersStopped),
            }
            self.request(t_secs)?;
        }
        self.flush_cells(device, queue, renderer);
        Ok(())
    }

    /// Decodes every photo (the plan must hold them all) and waits; photos that fail are
    /// dropped from the grid, which then shows the others in order, as if they had never
    /// been there. `on_done` gets the number finished so far.
    ///
    /// # Errors
    /// When cancelled or when the decode workers have stopped.
    pub fn load_all(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        renderer: &mut GridRenderer,
        cancel: &AtomicBool,
        on_done: &dyn Fn(usize),
    ) -> Result<Vec<Skipped>, StreamError> {
        debug_assert!(!self.plan.streams(), "load_all needs a slot per photo");
        let photos = self.schedule.photo_count().min(self.plan.slots);
        let mut next = 0u32;
        let mut done = 0usize;
        let mut slot_of = vec![NONE; photos as usize];
        let mut failed = Vec::new();
        while done < photos as usize {
            if cancel.load(Ordering::Relaxed) {
                return Err(StreamError::Cancelled);
            }
            while next < photos && (next as usize) < done + self.plan.max_loading {
                self.requests
                    .send(Load {
                        photo: next,
                        slot: next,
                    })
                    .map_err(|_| StreamError::DecodersStopped)?;
                next += 1;
            }
            match self.results.recv_timeout(Duration::from_millis(100)) {
                Ok(Decoded { load, result }) => {
                    done += 1;
                    on_done(done);
                    match result {
                        Ok(tile) => {
                            renderer.write_tile(queue, load.slot, &tile);
                            slot_of[load.photo as usize] = load.slot;
                        }
                        Err(error) => failed.push(Skipped {
                            path: self.paths[load.photo as usize].clone(),
                            error,
                        }),
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Err(StreamError::DecodersStopped),
            }
        }
        // The surviving photos, in order, keep the slots they were decoded into.
        let kept: Vec<(PathBuf, u32)> = slot_of
            .iter()
            .enumerate()
            .filter(|(_, slot)| **slot != NONE)
            .map(|(p, slot)| (self.paths[p].clone(), *slot))
            .collect();
        self.schedule = Schedule::new(&self.schedule.layout, kept.len());
        self.paths = kept.iter().map(|(p, _)| p.clone()).collect();
        self.residency = Residency::new(self.plan.slots, self.schedule.photo_count());
        for (photo, (_, slot)) in (0u32..).zip(&kept) {
            self.residency.place(photo, *slot);
        }
        self.cells_dirty = true;
        self.flush_cells(device, queue, renderer);
        Ok(failed)
    }

    /// Takes over the tiles `old` left in the renderer's slots, by photo path, when they are
    /// still valid: same tile spec and same slot storage (the renderer keeps the texture then).
    /// The editor rebuilds its streamer on every layout or photo-list change; this keeps a
    /// reorder or a rows change from decoding everything again.
    pub fn inherit(&mut self, old: &TileStreamer) {
        if old.spec != self.spec || old.plan.slots != self.plan.slots {
            return;
        }
        let index: std::collections::HashMap<&PathBuf, u32> =
            old.paths.iter().zip(0u32..).collect();
        for (photo, path) in (0u32..self.schedule.photo_count()).zip(self.paths.iter()) {
            if let Some(slot) = index.get(path).and_then(|&p| old.residency.ready_slot(p)) {
                self.residency.place(photo, slot);
            }
        }
        self.cells_dirty = true;
    }

    /// Photos the grid now shows (after [`Self::load_all`] dropped any that failed).
    #[must_use]
    pub fn photo_count(&self) -> usize {
        self.paths.len()
    }

    fn request(&mut self, t_secs: f64) -> Result<(), StreamError> {
        let mut stopped = false;
        let requests = &self.requests;
        let evicted = self.residency.plan(
            &self.schedule,
            t_secs,
            self.mode.wrap,
            self.plan.max_loading,
            |load| {
                // Never full: at most `max_loading` requests are outstanding.
                stopped |= requests.try_send(load).is_err();
            },
        );
        self.cells_dirty |= evicted;
        if stopped {
            return Err(StreamError::DecodersStopped);
        }
        Ok(())
    }

    fn accept(&mut self, queue: &wgpu::Queue, renderer: &mut GridRenderer, decoded: Decoded) {
        let Decoded { load, result } = decoded;
        if !self.residency.finished(load) {
            return;
        }
        match result {
            Ok(tile) => renderer.write_tile(queue, load.slot, &tile),
            Err(error) => {
                let path = self.paths[load.photo as usize].clone();
                log::warn!("{error}: {}; drawing its thumbnail instead", path.display());
                let stand_in = self.thumbs.get(load.photo as usize).map_or_else(
                    || blank_tile(&self.spec),
                    |t| t.resized(self.spec.width_px, self.spec.height_px),
                );
                renderer.write_tile(queue, load.slot, &stand_in);
                self.failures.push(Skipped { path, error });
            }
        }
        self.cells_dirty = true;
    }

    fn flush_cells(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        renderer: &mut GridRenderer,
    ) {
        if !self.cells_dirty {
            return;
        }
        self.cells_dirty = false;
        let photos = self.schedule.photo_count() as usize;
        for (cell, value) in self.cells.iter_mut().enumerate() {
            *value = if photos == 0 {
                NO_LAYER
            } else {
                let photo = u32::try_from(cell % photos).unwrap_or(0);
                match self.residency.ready_slot(photo) {
                    Some(slot) => slot,
                    None if self.mode.thumbnails => THUMB_FLAG | photo,
                    None => NO_LAYER,
                }
            };
        }
        renderer.set_cells(device, queue, &self.cells);
    }
}

impl Residency {
    /// Marks `photo` as resident in `slot` (for tiles loaded outside `plan`).
    fn place(&mut self, photo: u32, slot: u32) {
        self.free.retain(|&s| s != slot);
        self.slot_photo[slot as usize] = photo;
        self.slot_ready[slot as usize] = true;
        self.photo_slot[photo as usize] = slot;
    }
}

fn decode_worker(
    requests: &Mutex<Receiver<Load>>,
    results: &SyncSender<Decoded>,
    paths: &[PathBuf],
    spec: &TileSpec,
) {
    loop {
        let next = match requests.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(load) = next else {
            return; // the streamer is gone
        };
        let result = match paths.get(load.photo as usize) {
            Some(path) => decode_tile(path, spec),
            None => Err(PhotoError::NotAPhotoType),
        };
        if results.send(Decoded { load, result }).is_err() {
            return;
        }
    }
}

/// A tile of the background colour.
fn blank_tile(spec: &TileSpec) -> TilePixels {
    let [r, g, b] = spec.background.to_array();
    TilePixels {
        width_px: spec.width_px,
        height_px: spec.height_px,
        rgba: [r, g, b, 255].repeat(spec.width_px as usize * spec.height_px as usize),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{FrameSize, Settings};

    fn layout(rows: u32, cols: u32, frame: (u32, u32)) -> Layout {
        let settings = Settings {
            rows,
            cols,
            tile_height_px: 30,
            gap_h_px: 3,
            gap_v_px: 2,
            frame: FrameSize::Custom {
                width_px: frame.0,
                height_px: frame.1,
            },
            ..Settings::default()
        };
        Layout::new(&settings)
    }

    /// Cells whose rectangle at `t` comes within `margin` pixels of the frame.
    fn cells_near_frame(layout: &Layout, t: f64, margin: f64) -> Vec<usize> {
        let (gx, gy) = layout.grid_origin_at(t);
        (0..layout.cell_count())
            .filter(|&c| {
                let r = layout.cell_rect(c);
                let (x, y) = (gx + r.x, gy + r.y);
                x < f64::from(layout.frame_w_px) + margin
                    && x + r.width > -margin
                    && y < f64::from(layout.frame_h_px) + margin
                    && y + r.height > -margin
            })
            .collect()
    }

    #[test]
    fn schedule_covers_exactly_the_cells_on_screen() {
        // The grid is taller than the frame, so some rows are never on screen.
        let layout = layout(5, 40, (320, 100));
        let photos = 200;
        let schedule = Schedule::new(&layout, photos);
        for frame in 0..=120 {
            let t = f64::from(frame) / 30.0;
            let mut shown: Vec<u32> = schedule.visible(t).iter().map(|s| s.photo).collect();
            shown.sort_unstable();
            // Everything that touches the frame is there...
            for cell in cells_near_frame(&layout, t, 0.0) {
                let photo = u32::try_from(cell % photos).unwrap();
                assert!(
                    shown.binary_search(&photo).is_ok(),
                    "t={t}: cell {cell} missing"
                );
            }
            // ...and nothing farther than the filter margin.
            let near: Vec<u32> = cells_near_frame(&layout, t, 1.5)
                .into_iter()
                .map(|c| u32::try_from(c % photos).unwrap())
                .collect();
            assert!(shown.iter().all(|p| near.contains(p)), "t={t}: extra cells");
            assert!(shown.len() <= schedule.max_visible());
        }
        assert!(schedule.visible_rows() < 5);
    }

    /// Plays the timeline with loads that finish at once; returns the number of loads.
    fn play(schedule: &Schedule, slots: u32, frames: u32, fps: f64, wrap: bool) -> usize {
        let mut residency = Residency::new(slots, schedule.photo_count());
        let mut loads = 0;
        for frame in 0..frames {
            let t = f64::from(frame) / fps;
            let mut queued = Vec::new();
            // Loads complete between plans, as the workers deliver them.
            while !residency.all_ready(schedule, t) || queued.is_empty() {
                residency.plan(schedule, t, wrap, 4, |load| queued.push(load));
                if queued.is_empty() {
                    break;
                }
                for load in queued.drain(..) {
                    assert!(residency.finished(load));
                    loads += 1;
                }
            }
            assert!(residency.all_ready(schedule, t), "frame {frame} not ready");
        }
        loads
    }

    #[test]
    fn streaming_loads_each_photo_once_when_the_grid_slides_past() {
        let layout = layout(3, 60, (320, 100));
        let schedule = Schedule::new(&layout, 180);
        let needed = schedule.max_visible() + schedule.visible_rows() as usize;
        let slots = u32::try_from(needed).unwrap();
        assert!(slots < 60, "the test must stream ({slots} slots)");
        let loads = play(&schedule, slots, 120, 30.0, false);
        let ever_shown: std::collections::BTreeSet<u32> =
            schedule.showings.iter().map(|s| s.photo).collect();
        assert_eq!(loads, ever_shown.len());
    }

    #[test]
    fn eviction_drops_the_photo_needed_last() {
        // One row, six photos repeating: 0 1 2 3 4 5 0 1 2 3 4 5.
        let layout = layout(1, 12, (60, 30));
        let schedule = Schedule::new(&layout, 6);
        let mut residency = Residency::new(4, 6);
        let mut loads = Vec::new();
        residency.plan(&schedule, 0.0, false, 8, |l| loads.push(l));
        assert_eq!(
            loads.iter().map(|l| l.photo).collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
        for l in loads.drain(..) {
            residency.finished(l);
        }
        // Cells 0 and 1 have left; photo 4 needs a slot. Photo 0 comes back at cell 6,
        // photo 1 only at cell 7: photo 1 goes (first-in-first-out would drop photo 0).
        let t = schedule.showings[1].leave_secs + 1e-3;
        assert_eq!(schedule.first_not_left(t), 2);
        residency.plan(&schedule, t, false, 1, |l| loads.push(l));
        assert_eq!(loads.len(), 1);
        assert_eq!(loads[0].photo, 4);
        assert!(residency.ready_slot(0).is_some());
        assert!(residency.ready_slot(1).is_none());
    }

    #[test]
    fn with_a_slot_per_photo_each_loads_once_even_when_looping() {
        let layout = layout(1, 40, (200, 30));
        let schedule = Schedule::new(&layout, 12);
        assert_eq!(play(&schedule, 12, 480, 60.0, true), 12);
        let tight = u32::try_from(schedule.max_visible() + 1).unwrap();
        assert!(play(&schedule, tight, 480, 60.0, true) > 12);
    }

    #[test]
    fn plan_fits_all_or_streams_or_says_the_budget_is_too_small() {
        let layout = layout(4, 300, (640, 120));
        let schedule = Schedule::new(&layout, 1200);
        let tile = u64::from(layout.tile_w_px * layout.tile_h_px * 4);
        let all = StreamPlan::new(&layout, &schedule, 1 << 30, 0, Some(1 << 20), 2048, 2).unwrap();
        assert!(!all.streams() && all.still);
        let streaming =
            StreamPlan::new(&layout, &schedule, 300 * tile, 0, Some(1 << 20), 2048, 2).unwrap();
        assert!(streaming.streams() && !streaming.still);
        assert_eq!(streaming.slots, 300 - 4);
        let layers = StreamPlan::new(&layout, &schedule, 1 << 30, 0, None, 256, 2).unwrap();
        assert_eq!(layers.slots, 256);
        let err = StreamPlan::new(&layout, &schedule, 10 * tile, 0, None, 2048, 2).unwrap_err();
        assert!(err.to_string().contains("too small"), "{err}");
    }
}
