//! An audio file opened with FFmpeg: its best audio stream, a decoder, and one decoded frame
//! at a time. Shared by the export's music track and the editor's playback decoder.

// Stream durations in ticks are far inside f64's exact range.
#![allow(clippy::cast_precision_loss)]

use std::path::{Path, PathBuf};

use ffmpeg::{codec, decoder, format, frame, media};
use ffmpeg_next as ffmpeg;

/// A decoding audio stream.
pub struct AudioInput {
    pub path: PathBuf,
    input: format::context::Input,
    stream: usize,
    /// Seconds per tick of the stream's timestamps.
    pub time_base_secs: f64,
    decoder: decoder::Audio,
    /// The frame [`Self::next_frame`] decoded last.
    pub frame: frame::Audio,
    /// The track's length in seconds, from the stream's header or else the container's.
    pub duration_secs: f64,
    ended: bool,
}

impl AudioInput {
    /// Opens the best audio stream of `path`. The error is the reason, for a message that
    /// names the file.
    ///
    /// # Errors
    /// A name that is not UTF-8, not a file FFmpeg reads, no audio stream, or no decoder for
    /// it.
    pub fn open(path: &Path) -> Result<Self, String> {
        // FFmpeg takes text paths (`format::input` would panic on another).
        if path.to_str().is_none() {
            return Err("its name is not valid UTF-8, which FFmpeg needs; rename it".to_owned());
        }
        let input =
            format::input(path).map_err(|e| format!("not a file FFmpeg reads as audio: {e}"))?;
        let stream = input
            .streams()
            .best(media::Type::Audio)
            .ok_or_else(|| "it holds no audio stream".to_owned())?;
        let index = stream.index();
        let time_base_secs = f64::from(stream.time_base());
        let stream_secs = stream.duration() as f64 * time_base_secs;
        let context = codec::context::Context::from_parameters(stream.parameters())
            .map_err(|e| e.to_string())?;
        let decoder = context.decoder().audio().map_err(|e| e.to_string())?;
        let container_secs = input.duration() as f64 / f64::from(ffmpeg::ffi::AV_TIME_BASE);
        let duration_secs = if stream_secs > 0.0 {
            stream_secs
        } else {
            container_secs.max(0.0)
        };
        Ok(Self {
            path: path.to_owned(),
            input,
            stream: index,
            time_base_secs,
            decoder,
            frame: frame::Audio::empty(),
            duration_secs,
            ended: false,
        })
    }

    /// Decodes the next frame into `self.frame`; false at the end of the track. A damaged
    /// packet is skipped, as players do.
    pub fn next_frame(&mut self) -> bool {
        loop {
            if self.decoder.receive_frame(&mut self.frame).is_ok() {
                return true;
            }
            if self.ended {
                return false;
            }
            let next = self.input.packets().next();
            match next {
                Some((stream, packet)) if stream.index() == self.stream => {
                    let _ = self.decoder.send_packet(&packet);
                }
                Some(_) => {}
                None => {
                    self.ended = true;
                    let _ = self.decoder.send_eof();
                }
            }
        }
    }

    /// Seeks the container to `ts` (in `AV_TIME_BASE` units, a keyframe within `range`) and
    /// empties the decoder; decoding goes on from there.
    ///
    /// # Errors
    /// FFmpeg's, when the file cannot seek there.
    pub fn seek(
        &mut self,
        ts: i64,
        range: impl ffmpeg::util::range::Range<i64>,
    ) -> Result<(), ffmpeg::Error> {
        self.input.seek(ts, range)?;
        self.decoder.flush();
        self.ended = false;
        Ok(())
    }
}
