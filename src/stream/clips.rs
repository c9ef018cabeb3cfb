//! Clips that play in their cells. The schedule says when each cell is on screen, so which
//! clip plays when, and from what time of it, is known for every frame: a clip starts when
//! its cell comes on screen (at 0 for a cell on screen from the start) and loops over its own
//! length (`clips: loop`) or holds its last frame (`once`) while the cell stays. A bounded
//! pool of decoders ([`ClipDeck`]) serves the clips on screen; a clip on screen while every
//! decoder is busy shows its still frame until one is free. Each clip frame becomes a tile
//! exactly as the still frame does, and the caller writes it into the clip's tile layer:
//! whatever the renderer samples (the ring's copy, the tile array) is brought up to date
//! from there, and nothing else is recomposed.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::Duration;

use rayon::prelude::*;

use super::schedule::Schedule;
use crate::layout::Layout;
use crate::photos::{
    ClipReader, PhotoError, Skipped, TilePixels, TileSpecs, is_clip, motion_photo_start, motions_of,
};
use crate::settings::{ClipMode, LiveMode, Settings};

/// The most decoders a pool holds, whatever the budget.
pub const MAX_DECODERS: usize = 8;

/// Frames of clip tiles the export's feed may run ahead of the renderer.
const FEED_AHEAD_FRAMES: usize = 4;

/// A photo of the grid that plays: the file its frames come from (the clip itself, or a Live
/// Photo's motion) and the photo it is (its crop centre and caption).
#[derive(Clone, Debug)]
pub struct Playing {
    pub photo: u32,
    pub motion: PathBuf,
    /// Where the video starts in that file (an Android motion photo's, after its JPEG).
    pub offset: u64,
}

/// Which photos of `paths` (grid order) play under `settings`, and how.
#[derive(Clone, Debug)]
pub struct ClipPlan {
    pub playing: Vec<Playing>,
    pub once: bool,
}

impl ClipPlan {
    /// The photos of `paths` that play: clips when `clips` is `loop` or `once`, and, when
    /// `live_photos` is `motion` too, stills with a Live Photo motion beside them and Android
    /// motion photos (their appended video). None when nothing plays.
    #[must_use]
    pub fn new(paths: &[PathBuf], settings: &Settings) -> Option<Self> {
        if !settings.clips.plays() {
            return None;
        }
        let live = settings.live_photos == LiveMode::Motion;
        let motions = if live {
            motions_of(paths)
        } else {
            vec![None; paths.len()]
        };
        let playing: Vec<Playing> = (0u32..)
            .zip(paths.iter().zip(motions))
            .filter_map(|(photo, (path, motion))| {
                let (motion, offset) = if is_clip(path) {
                    (path.clone(), 0)
                } else if let Some(motion) = motion {
                    (motion, 0)
                } else if live {
                    (path.clone(), motion_photo_start(path)?)
                } else {
                    return None;
                };
                Some(Playing {
                    photo,
                    motion,
                    offset,
                })
            })
            .collect();
        (!playing.is_empty()).then_some(Self {
            playing,
            once: settings.clips == ClipMode::Once,
        })
    }

    /// Decoders for at most this many clips at once: as many as are ever on screen together
    /// (at most [`MAX_DECODERS`]), and as many as `budget` bytes hold at `decoder_bytes` each
    /// (at least one).
    #[must_use]
    pub fn decoders(&self, schedule: &Schedule, budget: u64, decoder_bytes: u64) -> usize {
        let clip_photo = self.photo_flags(schedule.photo_count());
        let on_screen = schedule.max_visible_of(|photo| clip_photo[photo as usize]);
        let affordable = usize::try_from(budget / decoder_bytes.max(1)).unwrap_or(usize::MAX);
        on_screen.min(MAX_DECODERS).min(affordable).max(1)
    }

    /// Bytes one decoder may hold, for the largest clip that plays.
    #[must_use]
    pub fn decoder_bytes(&self) -> u64 {
        self.playing
            .iter()
            .map(|p| crate::photos::playing_decoder_bytes(&p.motion, p.offset))
            .max()
            .unwrap_or(0)
    }

    /// Per photo of `photos`, whether it plays.
    fn photo_flags(&self, photos: u32) -> Vec<bool> {
        let mut flags = vec![false; photos as usize];
        for p in &self.playing {
            if let Some(f) = flags.get_mut(p.photo as usize) {
                *f = true;
            }
        }
        flags
    }
}

/// One clip playing in the pool.
struct Player {
    photo: u32,
    /// When its cell came on screen (its time 0).
    enter_secs: f64,
    reader: ClipReader,
    /// The photo's path: its crop centre and caption.
    path: PathBuf,
    tile: Option<TilePixels>,
    /// On screen now, and at the last frame.
    active: bool,
    was_active: bool,
}

/// The clips on screen, each with its decoder, and the tiles of their frames.
pub struct ClipDeck {
    schedule: Schedule,
    /// Per photo: its entry in `plan.playing`, if it plays.
    index: Vec<Option<usize>>,
    plan: ClipPlan,
    paths: Arc<[PathBuf]>,
    specs: TileSpecs,
    decoders: usize,
    players: Vec<Player>,
    /// Photos that stopped playing (could not be opened, or failed while playing): they show
    /// their still, or their last good frame, from then on.
    failed: Vec<bool>,
    failures: Vec<Skipped>,
    /// Clips on screen that had to wait for a decoder, counted once each.
    waited: Vec<bool>,
    wanted: Vec<(u32, f64)>,
    /// Decode the clips on the rayon pool (the export) or on the calling thread alone.
    parallel: bool,
}

impl ClipDeck {
    /// A deck for `plan` over `layout`'s cells showing `paths` (grid order), at most
    /// `decoders` decoding at once.
    #[must_use]
    pub fn new(
        layout: &Layout,
        plan: ClipPlan,
        paths: Arc<[PathBuf]>,
        specs: TileSpecs,
        decoders: usize,
    ) -> Self {
        let schedule = Schedule::new(layout, paths.len());
        let photos = schedule.photo_count() as usize;
        let mut index = vec![None; photos];
        for (i, p) in plan.playing.iter().enumerate() {
            if let Some(slot) = index.get_mut(p.photo as usize) {
                *slot = Some(i);
            }
        }
        Self {
            schedule,
            index,
            plan,
            paths,
            specs,
            decoders: decoders.clamp(1, MAX_DECODERS),
            players: Vec::new(),
            failed: vec![false; photos],
            failures: Vec::new(),
            waited: vec![false; photos],
            wanted: Vec::new(),
            parallel: true,
        }
    }

    /// This deck decoding on the calling thread alone (the preview's, which runs it at a
    /// lower priority than the editor's frames), not on every core.
    #[must_use]
    pub fn sequential(self) -> Self {
        Self {
            parallel: false,
            ..self
        }
    }

    /// Brings every clip on screen at `t_secs` to its frame; `out` gets, for each clip
    /// playing, its photo and its tile when the tile changed since the last call (None: the
    /// same as before).
    pub fn frame(&mut self, t_secs: f64, out: &mut Vec<(u32, Option<TilePixels>)>) {
        out.clear();
        self.find_wanted(t_secs);
        // A clip off screen keeps its decoder until another clip needs it: one coming back
        // (a loop, the preview looping) reuses it, and decoders are not opened and closed
        // over and over.
        for player in &mut self.players {
            player.was_active = player.active;
            player.active = self.wanted.iter().any(|&(photo, _)| photo == player.photo);
        }
        for i in 0..self.wanted.len() {
            let (photo, enter_secs) = self.wanted[i];
            if let Some(player) = self.players.iter_mut().find(|p| p.photo == photo) {
                if !player.was_active {
                    // Its layer may hold its still again: make its tile anew.
                    player.reader.forget_tile();
                }
                player.enter_secs = enter_secs;
            } else if self.players.len() < self.decoders {
                self.open(photo, enter_secs);
            } else if let Some(idle) = self.players.iter().position(|p| !p.active) {
                self.players.swap_remove(idle);
                self.open(photo, enter_secs);
            } else {
                self.waited[photo as usize] = true;
            }
        }
        let (once, specs) = (self.plan.once, &self.specs);
        let results: Vec<Result<(), PhotoError>> = if self.parallel {
            self.players
                .par_iter_mut()
                .map(|p| step(p, t_secs, once, specs))
                .collect()
        } else {
            self.players
                .iter_mut()
                .map(|p| step(p, t_secs, once, specs))
                .collect()
        };
        let mut i = 0;
        for result in results {
            if let Err(error) = result {
                // Its last good frame stays in its cell.
                let mut player = self.players.remove(i);
                out.push((player.photo, player.tile.take()));
                self.stop(player.photo, error);
                continue;
            }
            let player = &mut self.players[i];
            if player.active {
                out.push((player.photo, player.tile.take()));
            }
            i += 1;
        }
    }

    /// Clips that stopped (could not be opened, or failed while playing), with the reason.
    pub fn take_failures(&mut self) -> Vec<Skipped> {
        std::mem::take(&mut self.failures)
    }

    /// Clips that were on screen while every decoder was busy (they showed their still).
    #[must_use]
    pub fn waited(&self) -> usize {
        self.waited.iter().filter(|w| **w).count()
    }

    /// The clip photos on screen at `t_secs` that play, each with the time its cell came on
    /// screen (the earliest, when it shows in two cells), earliest first.
    fn find_wanted(&mut self, t_secs: f64) {
        self.wanted.clear();
        for s in self.schedule.visible(t_secs) {
            let plays = self
                .index
                .get(s.photo as usize)
                .is_some_and(Option::is_some);
            if !plays || self.failed[s.photo as usize] {
                continue;
            }
            let enter = s.enter_secs.max(0.0);
            match self.wanted.iter_mut().find(|(p, _)| *p == s.photo) {
                Some((_, e)) => *e = e.min(enter),
                None => self.wanted.push((s.photo, enter)),
            }
        }
        self.wanted.sort_by(|a, b| a.1.total_cmp(&b.1));
    }

    fn open(&mut self, photo: u32, enter_secs: f64) {
        let Some(entry) = self.index[photo as usize] else {
            return;
        };
        let playing = &self.plan.playing[entry];
        let (motion, offset) = (&playing.motion, playing.offset);
        let opened = std::panic::catch_unwind(|| ClipReader::open_at(motion, offset))
            .unwrap_or_else(|p| {
                Err(PhotoError::DecoderPanicked(crate::panic_message(
                    p.as_ref(),
                )))
            });
        match opened {
            Ok(reader) => self.players.push(Player {
                photo,
                enter_secs,
                reader,
                path: self.paths[photo as usize].clone(),
                tile: None,
                active: true,
                was_active: false,
            }),
            Err(error) => self.stop(photo, error),
        }
    }

    fn stop(&mut self, photo: u32, error: PhotoError) {
        self.failed[photo as usize] = true;
        let path = self.index[photo as usize].map_or_else(
            || self.paths[photo as usize].clone(),
            |i| self.plan.playing[i].motion.clone(),
        );
        self.failures.push(Skipped { path, error });
    }
}

/// Brings `player` to its frame at `t_secs` and makes its tile if the frame changed; a panic
/// in the decoder costs this clip only.
fn step(player: &mut Player, t_secs: f64, once: bool, specs: &TileSpecs) -> Result<(), PhotoError> {
    if !player.active {
        return Ok(());
    }
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let local = (t_secs - player.enter_secs).max(0.0);
        let length = player.reader.length_secs();
        let at = if once || length <= 0.0 {
            local
        } else {
            local.rem_euclid(length)
        };
        player.reader.advance_to(at)?;
        let spec = specs.for_photo(&player.path);
        if let Some(tile) = player.reader.tile(&spec)? {
            player.tile = Some(specs.captioned(&player.path, tile));
        }
        player.reader.take_cut_short().map_or(Ok(()), Err)
    }))
    .unwrap_or_else(|p| {
        Err(PhotoError::DecoderPanicked(crate::panic_message(
            p.as_ref(),
        )))
    })
}

/// One frame's clip tiles on their way from the feed to the renderer.
pub type ClipFrame = Vec<(u32, Option<TilePixels>)>;

/// The export's side of a [`ClipDeck`] run on its own thread, ahead of the renderer by at
/// most [`FEED_AHEAD_FRAMES`] frames: the clip tiles of frame after frame, in order.
pub struct ClipFeed {
    frames: Receiver<ClipFrame>,
    /// How many photos play.
    playing: usize,
    /// Clips that stopped, reported when the feed ends.
    done: Receiver<(Vec<Skipped>, usize)>,
}

impl ClipFeed {
    /// Starts decoding the clips of `deck` for frames `0..total` at `fps`.
    ///
    /// # Errors
    /// When the thread cannot be started.
    pub fn start(mut deck: ClipDeck, total: u64, fps: u32) -> std::io::Result<Self> {
        let playing = deck.plan.playing.len();
        let (tx, frames) = sync_channel::<ClipFrame>(FEED_AHEAD_FRAMES);
        let (done_tx, done) = sync_channel(1);
        std::thread::Builder::new()
            .name("gridreel-clips".into())
            .spawn(move || {
                feed(&mut deck, total, fps, &tx);
                let _ = done_tx.send((deck.take_failures(), deck.waited()));
            })?;
        Ok(Self {
            frames,
            playing,
            done,
        })
    }

    /// How many photos play (clips, and Live Photos that move).
    #[must_use]
    pub fn playing(&self) -> usize {
        self.playing
    }

    /// The next frame's clip tiles, waiting for them (checking `cancel` every 100 ms). None
    /// when cancelled or the feed stopped.
    pub fn next(&self, cancel: &AtomicBool) -> Option<ClipFrame> {
        loop {
            if cancel.load(Ordering::Relaxed) {
                return None;
            }
            match self.frames.recv_timeout(Duration::from_millis(100)) {
                Ok(frame) => return Some(frame),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// After the last frame: the clips that stopped, and how many waited for a decoder.
    #[must_use]
    pub fn finish(self) -> (Vec<Skipped>, usize) {
        drop(self.frames);
        self.done.recv().unwrap_or_default()
    }
}

fn feed(deck: &mut ClipDeck, total: u64, fps: u32, tx: &SyncSender<ClipFrame>) {
    for index in 0..total {
        let mut frame = ClipFrame::new();
        deck.frame(Layout::frame_time_secs(index, fps), &mut frame);
        if tx.send(frame).is_err() {
            return; // the export stopped
        }
    }
}

/// The renderer's side of the clips: the last tile of each clip playing, written into the
/// clip's tile layer when it changes, and again when something else wrote that layer (the
/// streamer bringing the photo back as its still).
#[derive(Default)]
pub struct ClipUploads {
    held: Vec<Held>,
}

struct Held {
    photo: u32,
    tile: TilePixels,
    /// The layer written, and its generation after the write.
    written: Option<(u32, u64)>,
}

impl ClipUploads {
    /// Takes one frame's clip tiles and writes those that changed into their layers.
    pub fn apply(
        &mut self,
        frame: ClipFrame,
        queue: &wgpu::Queue,
        renderer: &mut crate::render::GridRenderer,
    ) {
        self.held
            .retain(|h| frame.iter().any(|(photo, _)| *photo == h.photo));
        for (photo, tile) in frame {
            let Some(tile) = tile else { continue };
            match self.held.iter_mut().find(|h| h.photo == photo) {
                Some(held) => {
                    held.tile = tile;
                    held.written = None;
                }
                None => self.held.push(Held {
                    photo,
                    tile,
                    written: None,
                }),
            }
        }
        self.refresh(queue, renderer);
    }

    /// Writes each clip's last tile again where its layer was written since by something
    /// else (the streamer bringing the photo back), or was not resident before.
    pub fn refresh(&mut self, queue: &wgpu::Queue, renderer: &mut crate::render::GridRenderer) {
        use crate::render::{NO_LAYER, THUMB_FLAG};
        for held in &mut self.held {
            // Cell `photo` shows photo `photo`: the photos fill the cells in order.
            let layer = renderer.cell_layer(held.photo as usize);
            if layer == NO_LAYER || layer & THUMB_FLAG != 0 {
                continue; // not resident: the clip's frame waits until it is
            }
            let current = renderer.layer_generation(layer).map(|g| (layer, g));
            if held.written.is_some() && held.written == current {
                continue;
            }
            renderer.write_tile(queue, layer, &held.tile);
            held.written = renderer.layer_generation(layer).map(|g| (layer, g));
        }
    }
}
