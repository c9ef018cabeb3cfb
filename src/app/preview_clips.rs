//! The preview's clips: a [`ClipDeck`] on its own thread, asked for the play head's time
//! whenever it moves (playing, or scrubbed: the decoders seek), its tiles written into their
//! layers as they come. The thread takes the latest time asked, so a scrub never queues; it
//! decodes on one core at a lower priority than the editor's frames.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::render::GridRenderer;
use crate::stream::{ClipDeck, ClipFrame, ClipUploads};

pub struct PreviewClips {
    times: SyncSender<f64>,
    frames: Receiver<(f64, ClipFrame)>,
    uploads: ClipUploads,
    /// The play head's time, the time last asked for, and the last one answered.
    wanted: Option<f64>,
    asked: Option<f64>,
    answered: Option<f64>,
}

impl PreviewClips {
    /// Starts the deck's thread.
    ///
    /// # Errors
    /// When the thread cannot be started.
    pub fn start(deck: ClipDeck) -> std::io::Result<Self> {
        let (times, time_rx) = sync_channel::<f64>(1);
        let (frame_tx, frames) = sync_channel::<(f64, ClipFrame)>(1);
        let mut deck = deck.sequential();
        std::thread::Builder::new()
            .name("gridreel-preview-clips".into())
            .spawn(move || {
                // The editor's frames first: on a busy machine the clips fall behind and
                // catch up (a jump of over 2 s seeks), the editor does not slow down.
                crate::render::lower_this_thread_priority();
                while let Ok(mut t) = time_rx.recv() {
                    while let Ok(later) = time_rx.try_recv() {
                        t = later;
                    }
                    let mut frame = ClipFrame::new();
                    deck.frame(t, &mut frame);
                    if frame_tx.send((t, frame)).is_err() {
                        return;
                    }
                    for stopped in deck.take_failures() {
                        log::warn!("preview: {stopped}");
                    }
                }
            })?;
        Ok(Self {
            times,
            frames,
            uploads: ClipUploads::default(),
            wanted: None,
            asked: None,
            answered: None,
        })
    }

    /// Call once per frame after the tiles' update: writes the clip tiles that came (and
    /// again where the streamer wrote their layers), and asks for the frame at `t_secs` when
    /// the play head moved.
    pub fn update(&mut self, t_secs: f64, queue: &wgpu::Queue, renderer: &mut GridRenderer) {
        while let Ok((t, frame)) = self.frames.try_recv() {
            self.answered = Some(t);
            self.uploads.apply(frame, queue, renderer);
        }
        self.uploads.refresh(queue, renderer);
        self.wanted = Some(t_secs);
        // Full: the thread has not taken the last time yet; ask again next frame.
        if self.asked != Some(t_secs) && self.times.try_send(t_secs).is_ok() {
            self.asked = Some(t_secs);
        }
    }

    /// Whether clip tiles are on their way (keep repainting).
    #[must_use]
    pub fn busy(&self) -> bool {
        self.wanted != self.answered
    }
}
