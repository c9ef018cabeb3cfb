//! Music: a track in any format FFmpeg decodes, streamed into the video's file as AAC (MP4,
//! MOV, Matroska) or Opus (WebM). The track starts at an offset, repeats when it is shorter
//! than the video, is cut when longer, and fades in and out; it ends with the last video
//! frame to the sample. Only a few thousand samples are held at any time, whatever the
//! song's length.

// Sample counts and rates are far inside i32/i64 (a day of 48 kHz audio is 4e9 samples).
#![allow(clippy::cast_possible_wrap)]

use std::path::Path;

use ffmpeg::format::Sample;
use ffmpeg::format::sample::Type as SampleType;
use ffmpeg::software::resampling;
use ffmpeg::{ChannelLayout, Packet, Rational, codec, encoder, format, frame};
use ffmpeg_next as ffmpeg;

use super::ExportError;
use super::format::Container;
use crate::music::input::AudioInput;
use crate::settings::AudioSettings;

/// Output sample rate: Opus takes only 48 kHz, and AAC is fine with it.
const RATE: u32 = 48_000;

fn audio_err(source: ffmpeg::Error) -> ExportError {
    ExportError::Encode {
        what: "audio".to_owned(),
        source,
    }
}

fn bad_audio(path: &Path, reason: impl std::fmt::Display) -> ExportError {
    ExportError::Audio {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

/// The track's length in seconds, checking that it is audio FFmpeg can decode (one frame is
/// decoded). For validation, before anything is rendered.
pub fn probe(path: &Path) -> Result<f64, ExportError> {
    crate::media::init()?;
    crate::files::open_regular(path).map_err(|e| bad_audio(path, e))?;
    let mut source = open_source(path)?;
    if !source.next_frame() {
        return Err(bad_audio(path, "no audio could be decoded"));
    }
    Ok(source.duration_secs)
}

/// Opens the track to decode it.
fn open_source(path: &Path) -> Result<AudioInput, ExportError> {
    AudioInput::open(path).map_err(|e| bad_audio(path, e))
}

/// Back to the start of the track.
fn rewind(source: &mut AudioInput) -> Result<(), ExportError> {
    source
        .seek(0, ..)
        .map_err(|e| bad_audio(&source.path, format!("cannot rewind to loop it: {e}")))
}

/// The track as the video's audio stream.
pub struct AudioTrack {
    source: AudioInput,
    resampler: Option<resampling::Context>,
    /// Resampled, not yet encoded: left and right, from `fifo_start`.
    fifo: [Vec<f32>; 2],
    fifo_start: usize,
    encoder: encoder::Audio,
    out_frame: frame::Audio,
    resampled: frame::Audio,
    /// Samples `resampled` has room for.
    resampled_capacity: usize,
    packet: Packet,
    stream_index: usize,
    stream_time_base: Rational,
    frame_size: usize,
    /// Samples sent to the encoder so far, and in all.
    sent: i64,
    total: i64,
    /// Samples of the track still to skip (the offset), at each start.
    offset: i64,
    skip: i64,
    fade_in: f64,
    fade_out: f64,
    /// Samples produced since the last rewind (a track that yields none cannot loop).
    since_rewind: i64,
}

impl AudioTrack {
    /// Opens the track for a video of `video_secs` and adds its stream to `output` (before
    /// the header is written).
    pub fn open(
        settings: &AudioSettings,
        path: &Path,
        video_secs: f64,
        container: Container,
        output: &mut format::context::Output,
    ) -> Result<Self, ExportError> {
        let source = open_source(path)?;
        let (codec, sample) = match container {
            Container::Webm => (
                encoder::find_by_name("libopus"),
                Sample::F32(SampleType::Packed),
            ),
            _ => (
                encoder::find(codec::Id::AAC),
                Sample::F32(SampleType::Planar),
            ),
        };
        let codec = codec.ok_or_else(|| ExportError::EncoderOpen {
            name: "audio".into(),
            reason: "FFmpeg has no AAC or Opus encoder".into(),
        })?;
        let open_err = |e: ffmpeg::Error| ExportError::EncoderOpen {
            name: codec.name().to_owned(),
            reason: e.to_string(),
        };
        let mut context = codec::context::Context::new_with_codec(codec)
            .encoder()
            .audio()
            .map_err(open_err)?;
        let time_base = Rational::new(1, RATE as i32);
        context.set_rate(RATE as i32);
        context.set_channel_layout(ChannelLayout::STEREO);
        context.set_format(sample);
        context.set_bit_rate(if container == Container::Webm {
            128_000
        } else {
            192_000
        });
        context.set_time_base(time_base);
        if output
            .format()
            .flags()
            .contains(format::Flags::GLOBAL_HEADER)
        {
            context.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        let encoder = context.open_as(codec).map_err(open_err)?;
        let frame_size = match encoder.frame_size() {
            0 => 1024,
            n => n as usize,
        };
        let stream_index = {
            let mut stream = output.add_stream(codec).map_err(open_err)?;
            stream.set_parameters(&encoder);
            stream.set_time_base(time_base);
            stream.index()
        };
        let samples = |secs: f64| (secs * f64::from(RATE)).round() as i64;
        let mut out_frame = frame::Audio::new(sample, frame_size, ChannelLayout::STEREO);
        out_frame.set_rate(RATE);
        Ok(Self {
            source,
            resampler: None,
            fifo: [Vec::with_capacity(8192), Vec::with_capacity(8192)],
            fifo_start: 0,
            encoder,
            out_frame,
            resampled: frame::Audio::empty(),
            resampled_capacity: 0,
            packet: Packet::empty(),
            stream_index,
            stream_time_base: time_base,
            frame_size,
            sent: 0,
            total: samples(video_secs),
            offset: samples(settings.offset_secs),
            skip: samples(settings.offset_secs),
            fade_in: settings.fade_in_secs * f64::from(RATE),
            fade_out: settings.fade_out_secs * f64::from(RATE),
            since_rewind: 0,
        })
    }

    /// The stream's time base once the header is written (the muxer may change it).
    pub fn header_written(&mut self, output: &format::context::Output) {
        if let Some(stream) = output.stream(self.stream_index) {
            self.stream_time_base = stream.time_base();
        }
    }

    /// Encodes the track up to `until_secs` of the video (never past its end).
    pub fn write_until(
        &mut self,
        output: &mut format::context::Output,
        until_secs: f64,
    ) -> Result<(), ExportError> {
        let until = ((until_secs * f64::from(RATE)).round() as i64).min(self.total);
        while self.sent < until {
            let n = (self.frame_size as i64).min(self.total - self.sent) as usize;
            self.fill(n)?;
            self.send_frame(n)?;
            self.drain(output)?;
        }
        Ok(())
    }

    /// Encodes the rest of the track and flushes the encoder.
    pub fn finish(&mut self, output: &mut format::context::Output) -> Result<(), ExportError> {
        self.write_until(output, f64::MAX)?;
        self.encoder.send_eof().map_err(audio_err)?;
        self.drain(output)
    }

    /// Decodes until the FIFO holds `n` samples, looping the track at its end.
    fn fill(&mut self, n: usize) -> Result<(), ExportError> {
        while self.fifo[0].len() - self.fifo_start < n {
            if !self.decode_some()? {
                if self.since_rewind == 0 {
                    return Err(bad_audio(&self.source.path, "no audio after the offset"));
                }
                rewind(&mut self.source)?;
                self.skip = self.offset;
                self.since_rewind = 0;
            }
        }
        Ok(())
    }

    /// Decodes and resamples one frame into the FIFO; false at the end of the track.
    fn decode_some(&mut self) -> Result<bool, ExportError> {
        if !self.source.next_frame() {
            return Ok(false);
        }
        // Decoders of plain formats (WAV) may leave the layout unset; the resampler wants it.
        if self.source.frame.channel_layout().is_empty() {
            let channels = i32::from(self.source.frame.channels());
            self.source
                .frame
                .set_channel_layout(ChannelLayout::default(channels));
        }
        let (decoded, path) = (&self.source.frame, self.source.path.as_path());
        let layout = decoded.channel_layout();
        if self.resampler.is_none() {
            self.resampler = Some(
                resampling::Context::get(
                    decoded.format(),
                    layout,
                    decoded.rate(),
                    Sample::F32(SampleType::Planar),
                    ChannelLayout::STEREO,
                    RATE,
                )
                .map_err(|e| bad_audio(path, format!("cannot resample: {e}")))?,
            );
        }
        // Room for the frame at the new rate, and what the resampler holds back.
        let capacity = decoded.samples() * RATE as usize / decoded.rate().max(1) as usize + 512;
        if self.resampled_capacity < capacity {
            self.resampled = frame::Audio::new(
                Sample::F32(SampleType::Planar),
                capacity,
                ChannelLayout::STEREO,
            );
            self.resampled_capacity = capacity;
        }
        self.resampled.set_samples(capacity);
        if let Some(resampler) = self.resampler.as_mut() {
            resampler
                .run(decoded, &mut self.resampled)
                .map_err(|e| bad_audio(path, format!("cannot resample: {e}")))?;
        }
        let got = self.resampled.samples();
        // Compact the FIFO before it grows: what was encoded is dropped.
        if self.fifo_start > 0 {
            for channel in &mut self.fifo {
                channel.drain(..self.fifo_start);
            }
            self.fifo_start = 0;
        }
        let skip = usize::try_from(self.skip.clamp(0, got as i64)).unwrap_or(0);
        self.skip -= skip as i64;
        for (c, channel) in self.fifo.iter_mut().enumerate() {
            channel.extend_from_slice(&self.resampled.plane::<f32>(c)[skip..got]);
        }
        self.since_rewind += (got - skip) as i64;
        Ok(true)
    }

    /// Sends the next `n` FIFO samples, faded, as one frame.
    fn send_frame(&mut self, n: usize) -> Result<(), ExportError> {
        // The same fades as the editor's playback and waveform (`music::timing`).
        let gain = |i: i64| {
            crate::music::fade_gain(
                i as f64,
                (self.total - i) as f64,
                self.fade_in,
                self.fade_out,
            )
        };
        self.out_frame.set_samples(n);
        let start = self.fifo_start;
        if self.out_frame.is_planar() {
            for c in 0..2 {
                let src = &self.fifo[c][start..start + n];
                let dst = &mut self.out_frame.plane_mut::<f32>(c)[..n];
                for (k, (d, s)) in dst.iter_mut().zip(src).enumerate() {
                    *d = s * gain(self.sent + k as i64);
                }
            }
        } else {
            let (left, right) = (
                &self.fifo[0][start..start + n],
                &self.fifo[1][start..start + n],
            );
            let dst = &mut self.out_frame.plane_mut::<(f32, f32)>(0)[..n];
            for (k, d) in dst.iter_mut().enumerate() {
                let g = gain(self.sent + k as i64);
                *d = (left[k] * g, right[k] * g);
            }
        }
        self.out_frame.set_pts(Some(self.sent));
        self.fifo_start += n;
        self.sent += n as i64;
        self.encoder.send_frame(&self.out_frame).map_err(audio_err)
    }

    fn drain(&mut self, output: &mut format::context::Output) -> Result<(), ExportError> {
        while self.encoder.receive_packet(&mut self.packet).is_ok() {
            self.packet.set_stream(self.stream_index);
            self.packet
                .rescale_ts(Rational::new(1, RATE as i32), self.stream_time_base);
            self.packet
                .write_interleaved(output)
                .map_err(|source| ExportError::Encode {
                    what: "writing the audio".to_owned(),
                    source,
                })?;
        }
        Ok(())
    }
}
