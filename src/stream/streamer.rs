//! The decode workers and the uploads: keeps the tiles a renderer needs resident.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TryRecvError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::plan::StreamPlan;
use super::residency::{Load, Residency};
use super::schedule::Schedule;
use super::{NONE, StreamError};
use crate::layout::Layout;
use crate::photos::{PhotoError, Skipped, TilePixels, TileSpec, TileSpecs, same_captioned_tile};
use crate::render::{GridRenderer, NO_LAYER, THUMB_FLAG};

/// Options of a [`TileStreamer`] that differ between preview and export.
#[derive(Clone, Copy, Debug)]
pub struct StreamMode {
    /// The play head loops: look ahead past the end to the start.
    pub wrap: bool,
    /// Cells whose tile is not resident show the photo's thumbnail (preview); otherwise the
    /// caller waits with [`TileStreamer::prepare_frame`] (export).
    pub thumbnails: bool,
    /// A photo that fails to decode stops [`TileStreamer::prepare_frame`] with
    /// [`StreamError::PhotoFailed`] instead of being drawn from a stand-in: for an export
    /// that starts before every photo is known to decode (the photos that fail would have
    /// been left out of the grid, moving the others).
    pub strict: bool,
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
    specs: TileSpecs,
    cells: Vec<u32>,
    cells_dirty: bool,
    requests: SyncSender<Load>,
    results: Receiver<Decoded>,
    failures: Vec<Skipped>,
    /// This streamer's decode budget, served on the process's decode gate while it lives.
    _decode_share: crate::photos::gate::LimitShare<'static>,
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
        specs: TileSpecs,
    ) -> Result<Self, StreamError> {
        let schedule = Schedule::new(layout, paths.len());
        let residency = Residency::new(plan.slots, schedule.photo_count());
        let decode_share = crate::photos::gate::serve(plan.decode_bytes, plan.budget_bytes);
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
            let (rx, tx, paths, specs) = (
                Arc::clone(&request_rx),
                result_tx.clone(),
                Arc::clone(&paths),
                specs.clone(),
            );
            std::thread::Builder::new()
                .name(format!("gridreel-tiles-{i}"))
                .spawn(move || decode_worker(&rx, &tx, &paths, &specs))
                .map_err(StreamError::Spawn)?;
        }
        let mut streamer = Self {
            _decode_share: decode_share,
            cells: vec![NO_LAYER; layout.cell_count()],
            schedule,
            residency,
            plan,
            mode,
            paths,
            thumbs,
            specs,
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

    /// Photos that are ever on screen, so ever made resident.
    #[must_use]
    pub fn photos_on_screen(&self) -> usize {
        self.schedule.photos_on_screen()
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
        self.check_strict()?;
        while !self.residency.all_ready(&self.schedule, t_secs) {
            if cancel.load(Ordering::Relaxed) {
                return Err(StreamError::Cancelled);
            }
            match self.results.recv_timeout(Duration::from_millis(100)) {
                Ok(decoded) => self.accept(queue, renderer, decoded),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Err(StreamError::DecodersStopped),
            }
            self.check_strict()?;
            self.request(t_secs)?;
        }
        self.flush_cells(device, queue, renderer);
        Ok(())
    }

    /// In strict mode, the first photo that failed to decode.
    fn check_strict(&mut self) -> Result<(), StreamError> {
        match self.failures.first() {
            Some(_) if self.mode.strict => Err(StreamError::PhotoFailed(self.failures.remove(0))),
            _ => Ok(()),
        }
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
    /// still valid: same tile spec and same slot storage (the renderer keeps the texture then),
    /// and the same crop centre and caption for that photo.
    /// The editor rebuilds its streamer on every layout or photo-list change; this keeps a
    /// reorder, a rows change or one photo's new crop centre from decoding everything again.
    pub fn inherit(&mut self, old: &TileStreamer) {
        if old.specs.base != self.specs.base || old.plan.slots != self.plan.slots {
            return;
        }
        let same_focus = Arc::ptr_eq(&old.specs.focus, &self.specs.focus);
        let index: std::collections::HashMap<&PathBuf, u32> =
            old.paths.iter().zip(0u32..).collect();
        for (photo, path) in (0u32..self.schedule.photo_count()).zip(self.paths.iter()) {
            if !same_focus && old.specs.focus.get(path) != self.specs.focus.get(path) {
                continue;
            }
            let (old_captions, captions) =
                (old.specs.captions.as_ref(), self.specs.captions.as_ref());
            if !same_captioned_tile(old_captions, captions, path) {
                continue;
            }
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
            Err(error) if self.mode.strict => {
                let path = self.paths[load.photo as usize].clone();
                self.failures.push(Skipped { path, error });
            }
            Err(error) => {
                let path = self.paths[load.photo as usize].clone();
                log::warn!("{error}: {}; drawing its thumbnail instead", path.display());
                let spec = &self.specs.base;
                let stand_in = self.thumbs.get(load.photo as usize).map_or_else(
                    || blank_tile(spec),
                    |t| t.resized(spec.width_px, spec.height_px),
                );
                // The whole cell, as a decoded tile would be (a caption line under it).
                let stand_in = self.specs.captioned(&path, stand_in);
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

fn decode_worker(
    requests: &Mutex<Receiver<Load>>,
    results: &SyncSender<Decoded>,
    paths: &[PathBuf],
    specs: &TileSpecs,
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
            Some(path) => specs.make_tile(path),
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
