//! A music track decoded as a stream of f32 samples at a chosen rate and channel count
//! (mono or stereo), seekable. Only one decoded frame is held at a time, whatever the
//! track's length.

// Sample counts and rates are far inside i64 (a day of 48 kHz audio is 4e9 samples).
#![allow(clippy::cast_possible_wrap)]

use std::path::{Path, PathBuf};

use ffmpeg::format::Sample;
use ffmpeg::format::sample::Type as SampleType;
use ffmpeg::software::resampling;

use super::input::AudioInput;
use ffmpeg::{ChannelLayout, frame};
use ffmpeg_next as ffmpeg;

/// A track that cannot be decoded; the path comes last, as everywhere.
#[derive(Debug, thiserror::Error)]
#[error("cannot play the music ({reason}): {}", path.display())]
pub struct MusicError {
    pub path: PathBuf,
    pub reason: String,
}

fn error(path: &Path, reason: impl std::fmt::Display) -> MusicError {
    MusicError {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

/// A decoding track.
pub struct TrackDecoder {
    input: AudioInput,
    resampler: Option<resampling::Context>,
    resampled: frame::Audio,
    resampled_capacity: usize,
    layout: ChannelLayout,
    channels: usize,
    rate: u32,
    /// The resampler's last samples were taken at the end of the track.
    flushed: bool,
    /// After a seek: drop what lies before this point of the track (seconds).
    skip_before_secs: Option<f64>,
}

impl TrackDecoder {
    /// Opens `path` to decode as `channels` (1 or 2) interleaved f32 channels at `rate` Hz.
    pub fn open(path: &Path, channels: usize, rate: u32) -> Result<Self, MusicError> {
        crate::media::init().map_err(|e| error(path, e))?;
        crate::files::open_regular(path).map_err(|e| error(path, e))?;
        let input = AudioInput::open(path).map_err(|e| error(path, e))?;
        let (channels, layout) = if channels == 1 {
            (1, ChannelLayout::MONO)
        } else {
            (2, ChannelLayout::STEREO)
        };
        Ok(Self {
            input,
            resampler: None,
            resampled: frame::Audio::empty(),
            resampled_capacity: 0,
            layout,
            channels,
            rate,
            flushed: false,
            skip_before_secs: None,
        })
    }

    /// The track's length in seconds (from its header).
    #[must_use]
    pub fn duration_secs(&self) -> f64 {
        self.input.duration_secs
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.input.path
    }

    /// Goes to `secs` into the track; the next chunk starts there (to the sample where the
    /// stream has timestamps).
    pub fn seek(&mut self, secs: f64) -> Result<(), MusicError> {
        let ts = (secs.max(0.0) * f64::from(ffmpeg::ffi::AV_TIME_BASE)) as i64;
        self.input
            .seek(ts, ..ts)
            .map_err(|e| error(&self.input.path, format!("cannot seek: {e}")))?;
        // The resampler may hold samples from before the jump.
        self.resampler = None;
        self.flushed = false;
        self.skip_before_secs = Some(secs);
        Ok(())
    }

    /// The next decoded samples, interleaved; `None` at the end of the track.
    pub fn next_chunk(&mut self) -> Result<Option<&[f32]>, MusicError> {
        let (skip, got) = loop {
            if !self.input.next_frame() {
                // The resampler holds back a few samples until it is flushed.
                match self.flush_resampler() {
                    0 => return Ok(None),
                    got => break (0, got),
                }
            }
            let frame_secs = self
                .input
                .frame
                .timestamp()
                .or_else(|| self.input.frame.pts())
                .map(|ts| ts as f64 * self.input.time_base_secs);
            let got = self.resample()?;
            let mut skip = 0;
            if let Some(target) = self.skip_before_secs {
                let start = frame_secs.unwrap_or(target);
                let frame_end = start + got as f64 / f64::from(self.rate);
                if frame_end <= target {
                    continue; // wholly before the seek target
                }
                skip =
                    (((target - start) * f64::from(self.rate)).round().max(0.0) as usize).min(got);
                self.skip_before_secs = None;
            }
            if got > skip {
                break (skip, got);
            }
        };
        // Packed: one plane, the channels interleaved.
        let bytes = self.resampled.data(0);
        let end = (got * self.channels * 4).min(bytes.len());
        let samples: &[f32] = bytemuck::try_cast_slice(&bytes[..end])
            .map_err(|e| error(&self.input.path, format!("resampled audio: {e}")))?;
        Ok(Some(&samples[(skip * self.channels).min(samples.len())..]))
    }

    /// At the end of the track: what the resampler still holds, into `self.resampled`
    /// (samples per channel; 0 when nothing is left).
    fn flush_resampler(&mut self) -> usize {
        if self.flushed || self.resampled_capacity == 0 {
            return 0;
        }
        self.flushed = true;
        let Some(resampler) = self.resampler.as_mut() else {
            return 0;
        };
        self.resampled.set_samples(self.resampled_capacity);
        match resampler.flush(&mut self.resampled) {
            Ok(_) => self.resampled.samples(),
            Err(_) => 0,
        }
    }

    /// Converts `self.input.frame` into `self.resampled`; returns the samples per channel.
    fn resample(&mut self) -> Result<usize, MusicError> {
        // Decoders of plain formats (WAV) may leave the layout unset; the resampler wants it.
        if self.input.frame.channel_layout().is_empty() {
            let channels = i32::from(self.input.frame.channels());
            self.input
                .frame
                .set_channel_layout(ChannelLayout::default(channels));
        }
        let packed = Sample::F32(SampleType::Packed);
        if self.resampler.is_none() {
            self.resampler = Some(
                resampling::Context::get(
                    self.input.frame.format(),
                    self.input.frame.channel_layout(),
                    self.input.frame.rate(),
                    packed,
                    self.layout,
                    self.rate,
                )
                .map_err(|e| error(&self.input.path, format!("cannot resample: {e}")))?,
            );
        }
        // Room for the frame at the new rate, and what the resampler holds back.
        let capacity = self.input.frame.samples() * self.rate as usize
            / self.input.frame.rate().max(1) as usize
            + 512;
        if self.resampled_capacity < capacity {
            self.resampled = frame::Audio::new(packed, capacity, self.layout);
            self.resampled_capacity = capacity;
        }
        self.resampled.set_samples(capacity);
        if let Some(resampler) = self.resampler.as_mut() {
            resampler
                .run(&self.input.frame, &mut self.resampled)
                .map_err(|e| error(&self.input.path, format!("cannot resample: {e}")))?;
        }
        Ok(self.resampled.samples())
    }
}
