//! The music, heard while the preview plays or is scrubbed, in step with the play head.
//!
//! A named decoder thread (`gridreel-music`) decodes the track from the play head into a
//! bounded ring of samples, through the same mapping as the export
//! ([`crate::music::MusicTiming`]: offset, loop, cut, fades). The sound card's callback
//! only copies from the ring: it never allocates, and it takes the ring's lock with
//! `try_lock` (silence for that buffer when the decoder holds it, a matter of microseconds).
//! A jump of the play head (scrub, Home/End, loop back) or a drift of the sound card's clock
//! against the preview's re-seeks the decoder.
//!
//! The output is opened the first time a track is set. Without an output device (a machine
//! with no sound card) the editor works on, silent, and says "no audio output".

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

use super::logic::Editor;
use crate::music::{MusicTiming, TrackDecoder};

/// The ring holds this long of audio: enough to ride out a slow UI frame, short enough that
/// a seek is heard at once (the ring is emptied on a seek anyway).
const RING_SECS: f64 = 0.25;
/// How long a scrub of the paused play head is heard.
const SCRUB_SECS: f64 = 0.12;
/// Beyond this gap between the sound card's clock and the play head, re-seek.
const MAX_DRIFT_SECS: f64 = 0.12;
/// Any move of the play head bigger than this that playback did not make is a jump.
const JUMP_SECS: f64 = 0.05;

/// What is played: the track and the settings that shape it.
#[derive(Clone, Debug, PartialEq)]
struct Track {
    file: PathBuf,
    offset_secs: f64,
    fade_in_secs: f64,
    fade_out_secs: f64,
    video_secs: f64,
}

impl Track {
    fn of(editor: &Editor) -> Option<Self> {
        let audio = &editor.settings.audio;
        Some(Self {
            file: audio.file.clone()?,
            offset_secs: audio.offset_secs,
            fade_in_secs: audio.fade_in_secs,
            fade_out_secs: audio.fade_out_secs,
            video_secs: editor.settings.duration_secs,
        })
    }
}

/// Stereo samples between the decoder thread and the callback.
struct Ring {
    samples: Box<[f32]>,
    read: usize,
    len: usize,
}

impl Ring {
    fn new(frames: usize) -> Self {
        Self {
            samples: vec![0.0; frames * 2].into_boxed_slice(),
            read: 0,
            len: 0,
        }
    }

    fn free(&self) -> usize {
        self.samples.len() - self.len
    }

    fn clear(&mut self) {
        self.read = 0;
        self.len = 0;
    }

    /// Appends as much of `samples` as fits; returns how many went in.
    fn push(&mut self, samples: &[f32]) -> usize {
        let n = samples.len().min(self.free());
        let cap = self.samples.len();
        for (k, &s) in samples[..n].iter().enumerate() {
            self.samples[(self.read + self.len + k) % cap] = s;
        }
        self.len += n;
        n
    }

    fn pop(&mut self) -> Option<f32> {
        if self.len == 0 {
            return None;
        }
        let s = self.samples[self.read];
        self.read = (self.read + 1) % self.samples.len();
        self.len -= 1;
        Some(s)
    }
}

/// What the UI asks of the decoder thread.
#[derive(Default)]
struct Control {
    /// Bumped by every seek.
    generation: u64,
    track: Option<Track>,
    /// The video time to play from.
    from_secs: f64,
}

struct Shared {
    ring: Mutex<Ring>,
    control: Mutex<Control>,
    wake: Condvar,
    /// The callback plays (and consumes) only while this is set.
    playing: AtomicBool,
    /// Stereo frames a scrub of the paused play head may still play.
    scrub_frames: AtomicUsize,
    /// Frames the callback has played since the last seek: the sound card's clock.
    played_frames: AtomicU64,
    quit: AtomicBool,
}

impl Shared {
    fn ring(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The sound card side, once opened.
struct Output {
    _stream: cpal::Stream,
    rate: u32,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Music playback for the editor.
pub struct Playback {
    shared: Arc<Shared>,
    output: Option<Output>,
    /// Why there is no sound ("no audio output: …"), once opening failed.
    unavailable: Option<String>,
    pub muted: bool,
    /// The track, play head and playing state playback last saw.
    last_track: Option<Track>,
    last_time_secs: f64,
    last_playing: bool,
    /// The video time of the last seek.
    seek_secs: f64,
}

impl Default for Playback {
    fn default() -> Self {
        Self {
            shared: Arc::new(Shared {
                ring: Mutex::new(Ring::new(0)),
                control: Mutex::new(Control::default()),
                wake: Condvar::new(),
                playing: AtomicBool::new(false),
                scrub_frames: AtomicUsize::new(0),
                played_frames: AtomicU64::new(0),
                quit: AtomicBool::new(false),
            }),
            output: None,
            unavailable: None,
            muted: false,
            last_track: None,
            last_time_secs: 0.0,
            last_playing: false,
            seek_secs: 0.0,
        }
    }
}

impl Playback {
    /// Why the music cannot be heard, if it cannot ("no audio output: …").
    #[must_use]
    pub fn unavailable(&self) -> Option<&str> {
        self.unavailable.as_deref()
    }

    /// Follows the editor: call once per frame, after the play head moved by `dt_secs`.
    pub fn update(&mut self, editor: &Editor, dt_secs: f64) {
        let track = Track::of(editor);
        if track.is_some() && self.output.is_none() && self.unavailable.is_none() {
            self.open();
        }
        let Some(output) = &self.output else {
            return;
        };
        let rate = f64::from(output.rate);
        let playing = editor.playing && !self.muted && track.is_some();
        let time = editor.time_secs;
        let expected = self.last_time_secs + if self.last_playing { dt_secs } else { 0.0 };
        let jumped = (time - expected).abs() > JUMP_SECS;
        let clock =
            self.seek_secs + self.shared.played_frames.load(Ordering::Relaxed) as f64 / rate;
        let drifted = playing && self.last_playing && (clock - time).abs() > MAX_DRIFT_SECS;
        let started = playing && !self.last_playing;
        if track != self.last_track || jumped || drifted || started {
            self.seek(track.clone(), time);
            if jumped && !playing && !self.muted && track.is_some() {
                // A scrub while paused: let a moment of the music be heard.
                self.shared
                    .scrub_frames
                    .store((SCRUB_SECS * rate) as usize, Ordering::Relaxed);
            }
        }
        self.shared.playing.store(playing, Ordering::Relaxed);
        self.last_track = track;
        self.last_time_secs = time;
        self.last_playing = playing;
    }

    fn seek(&mut self, track: Option<Track>, from_secs: f64) {
        let mut control = self
            .shared
            .control
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        control.generation += 1;
        control.track = track;
        control.from_secs = from_secs;
        drop(control);
        self.shared.ring().clear();
        self.shared.played_frames.store(0, Ordering::Relaxed);
        self.seek_secs = from_secs;
        self.shared.wake.notify_one();
    }

    /// Opens the default output device and starts the decoder thread.
    fn open(&mut self) {
        match open_output(&self.shared) {
            Ok(output) => self.output = Some(output),
            Err(reason) => {
                let line = format!("no audio output: {reason}");
                log::warn!("{line}");
                self.unavailable = Some(line);
            }
        }
    }
}

impl Drop for Playback {
    fn drop(&mut self) {
        self.shared.quit.store(true, Ordering::Relaxed);
        self.shared.wake.notify_one();
        if let Some(thread) = self.output.as_mut().and_then(|o| o.thread.take()) {
            let _ = thread.join();
        }
    }
}

fn open_output(shared: &Arc<Shared>) -> Result<Output, String> {
    let host = cpal::default_host();
    let device = host
        .default_output_device()
        .ok_or("this machine has no sound output device")?;
    let supported = device.default_output_config().map_err(|e| e.to_string())?;
    let config: cpal::StreamConfig = supported.config();
    let rate = config.sample_rate;
    let channels = usize::from(config.channels);
    *shared.ring() = Ring::new((RING_SECS * f64::from(rate)) as usize);
    let stream = match supported.sample_format() {
        cpal::SampleFormat::F32 => build::<f32>(&device, config, shared, channels),
        cpal::SampleFormat::I16 => build::<i16>(&device, config, shared, channels),
        cpal::SampleFormat::U16 => build::<u16>(&device, config, shared, channels),
        cpal::SampleFormat::I32 => build::<i32>(&device, config, shared, channels),
        other => return Err(format!("unsupported sample format {other}")),
    }?;
    stream.play().map_err(|e| e.to_string())?;
    let thread_shared = Arc::clone(shared);
    let thread = std::thread::Builder::new()
        .name("gridreel-music".into())
        .spawn(move || decode_loop(&thread_shared, rate))
        .map_err(|e| format!("cannot start the music decoder: {e}"))?;
    Ok(Output {
        _stream: stream,
        rate,
        thread: Some(thread),
    })
}

fn build<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    shared: &Arc<Shared>,
    channels: usize,
) -> Result<cpal::Stream, String>
where
    T: cpal::SizedSample + cpal::FromSample<f32>,
{
    let shared = Arc::clone(shared);
    let reported = AtomicBool::new(false);
    device
        .build_output_stream(
            config,
            move |data: &mut [T], _: &cpal::OutputCallbackInfo| {
                fill_output(&shared, data, channels);
            },
            move |e| {
                // Once: an underrun repeats every buffer.
                if !reported.swap(true, Ordering::Relaxed) {
                    log::warn!("audio output: {e}");
                }
            },
            None,
        )
        .map_err(|e| e.to_string())
}

/// The sound card's callback: copies from the ring, never allocates, never waits.
fn fill_output<T: cpal::SizedSample + cpal::FromSample<f32>>(
    shared: &Shared,
    data: &mut [T],
    channels: usize,
) {
    let silence = T::from_sample(0.0_f32);
    let frames = data.len() / channels.max(1);
    let scrub = shared.scrub_frames.load(Ordering::Relaxed);
    let active = shared.playing.load(Ordering::Relaxed) || scrub > 0;
    let ring = if active {
        shared.ring.try_lock().ok()
    } else {
        None
    };
    let Some(mut ring) = ring else {
        data.fill(silence);
        return;
    };
    let mut played = 0_u64;
    for frame in data.chunks_mut(channels.max(1)) {
        let (left, right) = match (ring.pop(), ring.pop()) {
            (Some(l), Some(r)) => {
                played += 1;
                (l, r)
            }
            _ => (0.0, 0.0),
        };
        match frame {
            [mono] => *mono = T::from_sample(0.5 * (left + right)),
            [l, r, rest @ ..] => {
                *l = T::from_sample(left);
                *r = T::from_sample(right);
                rest.fill(silence);
            }
            [] => {}
        }
    }
    drop(ring);
    shared.played_frames.fetch_add(played, Ordering::Relaxed);
    if scrub > 0 {
        shared
            .scrub_frames
            .store(scrub.saturating_sub(frames), Ordering::Relaxed);
    }
}

/// The decoder thread: fills the ring from the play head, re-seeking on every new request.
fn decode_loop(shared: &Shared, rate: u32) {
    let mut producer = Producer::new(rate);
    let mut generation = 0;
    while !shared.quit.load(Ordering::Relaxed) {
        {
            let control = shared
                .control
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if control.generation != generation {
                generation = control.generation;
                producer.start(control.track.clone(), control.from_secs);
            }
            if !producer.has_work() || shared.ring().free() < CHUNK_FRAMES * 2 {
                // Sleep until asked, or until the callback has made room.
                let _ = shared.wake.wait_timeout(control, Duration::from_millis(10));
                continue;
            }
        }
        producer.produce(|samples| shared.ring().push(samples));
    }
}

/// Frames the decoder thread makes at a time.
const CHUNK_FRAMES: usize = 1024;

/// Makes the music's samples for the video from a point on, as the export would play them.
struct Producer {
    rate: u32,
    track: Option<Track>,
    decoder: Option<TrackDecoder>,
    /// The video time of the next frame to make.
    t_secs: f64,
    /// The decoder must seek before the next frame.
    needs_seek: bool,
    /// Decoded, faded, not yet in the ring.
    pending: Vec<f32>,
    pending_at: usize,
    failed: bool,
}

impl Producer {
    fn new(rate: u32) -> Self {
        Self {
            rate,
            track: None,
            decoder: None,
            t_secs: 0.0,
            needs_seek: true,
            pending: Vec::with_capacity(CHUNK_FRAMES * 8),
            pending_at: 0,
            failed: false,
        }
    }

    fn start(&mut self, track: Option<Track>, from_secs: f64) {
        let same_file = match (&self.decoder, &track) {
            (Some(d), Some(t)) => d.path() == t.file,
            _ => false,
        };
        if !same_file {
            self.decoder = None;
            self.failed = false;
            if let Some(t) = &track {
                match TrackDecoder::open(&t.file, 2, self.rate) {
                    Ok(d) => self.decoder = Some(d),
                    Err(e) => {
                        // The editor checked the file when it was chosen; log, do not repeat.
                        log::warn!("{e}");
                        self.failed = true;
                    }
                }
            }
        }
        self.track = track;
        self.t_secs = from_secs;
        self.needs_seek = true;
        self.pending.clear();
        self.pending_at = 0;
    }

    fn has_work(&self) -> bool {
        self.decoder.is_some() && self.track.is_some()
    }

    fn timing(&self) -> Option<MusicTiming> {
        let (track, decoder) = (self.track.as_ref()?, self.decoder.as_ref()?);
        Some(MusicTiming {
            offset_secs: track.offset_secs,
            track_secs: decoder.duration_secs(),
            video_secs: track.video_secs,
        })
    }

    /// Makes about one chunk and hands it to `push` (which takes what fits); what does not
    /// fit waits for the next call.
    fn produce(&mut self, mut push: impl FnMut(&[f32]) -> usize) {
        if self.pending_at < self.pending.len() {
            self.pending_at += push(&self.pending[self.pending_at..]);
            return;
        }
        self.pending.clear();
        self.pending_at = 0;
        let (Some(timing), Some(track)) = (self.timing(), self.track.clone()) else {
            return;
        };
        let rate = f64::from(self.rate);
        let frame_secs = 1.0 / rate;
        let Some(position) = timing.track_secs_at(self.t_secs) else {
            // Before the start or after the cut: silence (the play head loops or stops).
            self.pending.resize(CHUNK_FRAMES * 2, 0.0);
            self.t_secs += CHUNK_FRAMES as f64 * frame_secs;
            self.pending_at += push(&self.pending);
            return;
        };
        let Some(decoder) = self.decoder.as_mut() else {
            return;
        };
        if self.needs_seek {
            if let Err(e) = decoder.seek(position) {
                log::warn!("{e}");
                self.decoder = None;
                return;
            }
            self.needs_seek = false;
        }
        // Frames until the loop point or the cut, whichever is first.
        let period = timing.loop_secs();
        let to_loop = period - self.t_secs % period;
        let to_cut = timing.video_secs - self.t_secs;
        let left = ((to_loop.min(to_cut) * rate).round() as usize).max(1);
        match decoder.next_chunk() {
            Ok(Some(chunk)) => {
                let frames = (chunk.len() / 2).min(left);
                for (k, pair) in chunk[..frames * 2].chunks_exact(2).enumerate() {
                    let t = self.t_secs + k as f64 * frame_secs;
                    let gain = timing.gain_at(t, track.fade_in_secs, track.fade_out_secs);
                    self.pending
                        .extend_from_slice(&[pair[0] * gain, pair[1] * gain]);
                }
                self.t_secs += frames as f64 * frame_secs;
                if frames == left {
                    self.needs_seek = true; // the loop point: back to the offset
                }
            }
            Ok(None) => {
                // The track ended before its header said: on to the next loop.
                self.t_secs += to_loop;
                self.needs_seek = true;
            }
            Err(e) => {
                if !self.failed {
                    log::warn!("{e}");
                }
                self.failed = true;
                self.decoder = None;
            }
        }
        self.pending_at += push(&self.pending);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mono 16-bit WAV of a 440 Hz tone, amplitude 1/4.
    fn write_tone(path: &std::path::Path, rate: u32, secs: f64) {
        let n = (f64::from(rate) * secs) as u32;
        let mut bytes = Vec::new();
        bytes.extend_from_slice(b"RIFF");
        bytes.extend_from_slice(&(36 + n * 2).to_le_bytes());
        bytes.extend_from_slice(b"WAVEfmt ");
        bytes.extend_from_slice(&16u32.to_le_bytes());
        bytes.extend_from_slice(&1u16.to_le_bytes()); // PCM
        bytes.extend_from_slice(&1u16.to_le_bytes()); // mono
        bytes.extend_from_slice(&rate.to_le_bytes());
        bytes.extend_from_slice(&(rate * 2).to_le_bytes());
        bytes.extend_from_slice(&2u16.to_le_bytes());
        bytes.extend_from_slice(&16u16.to_le_bytes());
        bytes.extend_from_slice(b"data");
        bytes.extend_from_slice(&(n * 2).to_le_bytes());
        for i in 0..n {
            let t = f64::from(i) / f64::from(rate);
            let s = (t * 440.0 * std::f64::consts::TAU).sin() * 8192.0;
            bytes.extend_from_slice(&(s as i16).to_le_bytes());
        }
        std::fs::write(path, bytes).unwrap();
    }

    /// RMS of stereo frames `[from, to)` of `samples`.
    fn rms(samples: &[f32], from: usize, to: usize) -> f32 {
        let part = &samples[from * 2..to * 2];
        (part.iter().map(|s| s * s).sum::<f32>() / part.len() as f32).sqrt()
    }

    #[test]
    fn the_producer_plays_from_the_play_head_loops_and_is_silent_after_the_cut() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("tone.wav");
        write_tone(&file, 8000, 1.0);
        let rate = 8000;
        let mut producer = Producer::new(rate);
        let track = Track {
            file,
            offset_secs: 0.0,
            fade_in_secs: 0.0,
            fade_out_secs: 0.0,
            video_secs: 2.5,
        };
        // From 0.75 s of the video to past its end at 2.5 s: through two loop points.
        producer.start(Some(track), 0.75);
        let mut out = Vec::new();
        while out.len() < 2 * 2 * rate as usize {
            producer.produce(|s| {
                out.extend_from_slice(s);
                s.len()
            });
        }
        let frames = |secs: f64| (secs * f64::from(rate)) as usize;
        // Amplitude 1/4: RMS 0.177, less 3 dB for mono spread over two channels (FFmpeg's
        // resampler does that here as in the export): 0.125 where the tone plays.
        for (from, to) in [(0.0, 0.2), (0.2, 0.3), (1.2, 1.3), (1.6, 1.7)] {
            let r = rms(&out, frames(from), frames(to));
            assert!(
                (0.11..0.14).contains(&r),
                "{from}–{to} s after the start: {r}"
            );
        }
        // The video ends 1.75 s after the start: silence from there.
        assert!(rms(&out, frames(1.76), frames(1.95)) < 1e-6);
    }

    #[test]
    fn the_ring_keeps_order_across_its_end() {
        let mut ring = Ring::new(2); // 4 samples
        assert_eq!(ring.push(&[1.0, 2.0, 3.0]), 3);
        assert_eq!(ring.pop(), Some(1.0));
        assert_eq!(ring.pop(), Some(2.0));
        assert_eq!(ring.push(&[4.0, 5.0, 6.0, 7.0]), 3, "only what fits");
        let out: Vec<f32> = std::iter::from_fn(|| ring.pop()).collect();
        assert_eq!(out, [3.0, 4.0, 5.0, 6.0]);
    }
}
