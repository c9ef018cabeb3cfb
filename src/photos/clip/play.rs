//! A clip that plays: its frames decoded in order and sampled by time (a variable frame rate
//! is sampled by timestamp, not by frame count), each one that is shown turned into a tile
//! exactly as the still frame is (averaged down from its planes, turned upright, cropped
//! and scaled). One reader holds one decoder; [`crate::stream`] keeps a bounded pool of them.

use std::path::Path;

use ffmpeg_next as ffmpeg;

use super::super::decode::{TilePixels, TileSpec, reduce_factor};
use super::super::{PhotoError, orient};
use super::{Opened, frame, open_clip_at};

/// Half a millisecond: timestamps are rounded to their time base.
const TIME_SLACK_SECS: f64 = 5e-4;

/// A jump ahead longer than this seeks instead of decoding every frame on the way.
const SEEK_AHEAD_SECS: f64 = 2.0;

/// A clip whose last frame comes this long before the length it declares was cut off.
const CUT_SHORT_SECS: f64 = 0.5;

/// One clip opened for playing.
pub struct ClipReader {
    opened: Opened,
    /// The frame shown: the last one at or before the time asked for, and its time from the
    /// clip's start.
    current: Option<(f64, ffmpeg::frame::Video)>,
    /// The first frame decoded past that time, kept for the next call.
    ahead: Option<(f64, ffmpeg::frame::Video)>,
    /// The decoder gave its last frame.
    ended: bool,
    /// The time of the frame last made into a tile (None: none yet, or the frame changed).
    tile_of: Option<f64>,
    /// The last frame's time, once the clip has played to its end.
    last_frame_secs: Option<f64>,
    /// Said once: the video stopped well before the length its container declares.
    cut_short: Option<PhotoError>,
}

impl ClipReader {
    /// Opens the clip at `path` with the guards of the still frame: the declared size checked
    /// before the streams are probed, the decoder's size before any packet.
    ///
    /// # Errors
    /// What [`super::decode`] would refuse the clip for.
    pub fn open(path: &Path) -> Result<Self, PhotoError> {
        Self::open_at(path, 0)
    }

    /// [`Self::open`] for a clip that starts `offset` bytes into the file at `path`: an
    /// Android motion photo's MP4, appended to its JPEG (see [`crate::photos::motion_photo_start`]).
    ///
    /// # Errors
    /// As [`Self::open`].
    pub fn open_at(path: &Path, offset: u64) -> Result<Self, PhotoError> {
        let mut opened = open_clip_at(path, offset)?;
        // Rewind: probing may have read packets.
        let _ = opened.input.seek(0, ..1);
        Ok(Self {
            opened,
            current: None,
            ahead: None,
            ended: false,
            tile_of: None,
            last_frame_secs: None,
            cut_short: None,
        })
    }

    /// Bytes the decoder may hold at once (its reference frames, the frames kept here and
    /// the averaged frame), estimated as for the still frame.
    #[must_use]
    pub fn decode_bytes(&self) -> u64 {
        self.opened.decode_bytes
    }

    /// The clip's length in seconds: the declared one, or once played to its end the last
    /// frame's time plus one frame; 0 when neither is known yet.
    #[must_use]
    pub fn length_secs(&self) -> f64 {
        if self.opened.duration_secs > 0.0 {
            return self.opened.duration_secs;
        }
        self.last_frame_secs.map_or(0.0, |t| t + 1.0 / 30.0)
    }

    /// Moves to the frame shown `secs` after the clip's start (the last frame at or before
    /// it; the first before the first frame's time; the last after the end). Going back
    /// seeks to the start and decodes forward again. Returns whether the frame shown changed.
    /// Damaged packets are passed over, as players do.
    ///
    /// # Errors
    /// When no frame at all could be decoded.
    pub fn advance_to(&mut self, secs: f64) -> Result<bool, PhotoError> {
        let target = secs.max(0.0);
        let shown = self.current.as_ref().map(|(t, _)| *t);
        if shown.is_some_and(|t| target + TIME_SLACK_SECS < t) {
            self.seek(0.0);
        } else if target > shown.unwrap_or(0.0) + SEEK_AHEAD_SECS && !self.ended {
            // Far ahead (the editor's play head scrubbed): from the key frame before it.
            self.seek(target);
        }
        let before = self.current.as_ref().map(|(t, _)| *t);
        loop {
            if self.ahead.is_none() && !self.ended {
                self.ahead = self.decode_next();
                if self.ahead.is_none() {
                    self.ended = true;
                    self.note_end();
                }
            }
            match &self.ahead {
                // The first frame is shown from 0 even when its time is later.
                Some((t, _)) if *t <= target + TIME_SLACK_SECS || self.current.is_none() => {
                    self.current = self.ahead.take();
                }
                _ => break,
            }
        }
        let now = self.current.as_ref().map(|(t, _)| *t);
        if now.is_none() {
            return Err(PhotoError::Damaged(
                "no frame of its video could be decoded".into(),
            ));
        }
        let changed = now != before;
        if changed {
            self.tile_of = None;
        }
        Ok(changed)
    }

    /// The frame shown, made into a tile of `spec` (cropped and scaled like a photo), or None
    /// when it is the one last made into a tile.
    ///
    /// # Errors
    /// When the frame's pictures are in a layout this does not read.
    pub fn tile(&mut self, spec: &TileSpec) -> Result<Option<TilePixels>, PhotoError> {
        let Some((t, kept)) = &self.current else {
            return Ok(None);
        };
        if self.tile_of == Some(*t) {
            return Ok(None);
        }
        let (w, h) = self.opened.size_px;
        let orientation = self.opened.orientation;
        let upright = if orient::swaps_axes(orientation) {
            (h, w)
        } else {
            (w, h)
        };
        let factor = reduce_factor(upright.0, upright.1, spec);
        let tile = frame::tile_of(kept, factor, orientation, spec)?;
        self.tile_of = Some(*t);
        Ok(Some(tile))
    }

    /// Makes the next [`Self::tile`] make the frame shown into a tile even if it did so
    /// before (its tile layer was written with something else since).
    pub fn forget_tile(&mut self) {
        self.tile_of = None;
    }

    /// Once: the error of a video that stopped well before its declared length (its cell
    /// holds the last frame that decoded).
    pub fn take_cut_short(&mut self) -> Option<PhotoError> {
        self.cut_short.take()
    }

    /// At the clip's end: its last frame's time, and whether it came too early.
    fn note_end(&mut self) {
        let last = self.current.as_ref().map(|(t, _)| *t);
        let first_end = self.last_frame_secs.is_none();
        self.last_frame_secs = last;
        let declared = self.opened.duration_secs;
        if let Some(last) = last
            && first_end
            && declared > 0.0
            && last + CUT_SHORT_SECS < declared
        {
            self.cut_short = Some(PhotoError::Damaged(format!(
                "its video stops at {last:.1} s of the {declared:.1} s it declares: cut off or \
                 damaged"
            )));
        }
    }

    /// To the key frame at or before `secs` from the clip's start (the start when it has no
    /// index).
    fn seek(&mut self, secs: f64) {
        let start = self.opened.start_secs + secs;
        #[allow(clippy::cast_possible_truncation)] // microseconds of a clip's time
        let at = (start * f64::from(ffmpeg::ffi::AV_TIME_BASE)) as i64;
        if self.opened.input.seek(at, ..at + 1).is_err() {
            let _ = self.opened.input.seek(0, ..1);
        }
        self.opened.decoder.flush();
        self.current = None;
        self.ahead = None;
        self.ended = false;
    }

    /// The next frame in display order and its time from the clip's start; None at the end
    /// (or after a run of packets with no frame).
    fn decode_next(&mut self) -> Option<(f64, ffmpeg::frame::Video)> {
        let mut frame = ffmpeg::frame::Video::empty();
        let mut packets = 0;
        loop {
            if self.opened.decoder.receive_frame(&mut frame).is_ok() {
                return Some((self.time_of(&frame), frame));
            }
            if packets >= super::MAX_PACKETS {
                return None;
            }
            match self.opened.input.packets().next() {
                Some((stream, packet)) => {
                    if stream.index() == self.opened.stream {
                        packets += 1;
                        let _ = self.opened.decoder.send_packet(&packet);
                    }
                }
                None => {
                    if self.opened.decoder.send_eof().is_err() {
                        // EOF sent already: the decoder is drained.
                        return None;
                    }
                }
            }
        }
    }

    /// A frame's time from the clip's start; a frame without one follows the last.
    fn time_of(&self, frame: &ffmpeg::frame::Video) -> f64 {
        #[allow(clippy::cast_precision_loss)] // timestamps in ticks, far inside f64's range
        let secs = frame
            .timestamp()
            .map(|t| t as f64 * self.opened.time_base_secs - self.opened.start_secs);
        let last = self
            .ahead
            .as_ref()
            .or(self.current.as_ref())
            .map_or(0.0, |(t, _)| *t);
        secs.unwrap_or(last + 1.0 / 30.0)
    }
}
