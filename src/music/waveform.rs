//! The waveform under the timeline: the track decoded once, streaming, into a fixed number
//! of (min, max) pairs over the video's length, as the export plays it (from the offset,
//! repeated when the track is shorter). Memory is the pairs alone, whatever the song's
//! length.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::decode::{MusicError, TrackDecoder};
use super::timing::MusicTiming;

/// (min, max) pairs over the video.
pub const PEAK_COUNT: usize = 2048;

/// Decoding rate for the waveform: enough for its shape, cheap to resample to.
const WAVEFORM_RATE: u32 = 16_000;

/// The track's loudness over the video, one (min, max) pair per slice of time.
#[derive(Clone, Debug, PartialEq)]
pub struct Peaks {
    pub min: Vec<f32>,
    pub max: Vec<f32>,
    /// The timing they were computed for.
    pub timing: MusicTiming,
}

impl Peaks {
    /// The largest absolute sample.
    #[must_use]
    pub fn loudest(&self) -> f32 {
        self.min
            .iter()
            .chain(&self.max)
            .fold(0.0_f32, |m, s| m.max(s.abs()))
    }
}

/// Decodes `path` once into [`PEAK_COUNT`] pairs over a video of `video_secs` with the
/// music starting `offset_secs` into the track. `cancel` stops it early (`Ok(None)`).
pub fn compute(
    path: &Path,
    offset_secs: f64,
    video_secs: f64,
    cancel: &AtomicBool,
) -> Result<Option<Peaks>, MusicError> {
    let mut decoder = TrackDecoder::open(path, 1, WAVEFORM_RATE)?;
    let timing = MusicTiming {
        offset_secs,
        track_secs: decoder.duration_secs(),
        video_secs,
    };
    // The part of the track heard: one pass, or the video's length of it.
    let used_secs = timing.loop_secs().min(video_secs);
    let mut track = Buckets::new(PEAK_COUNT);
    if used_secs > 0.0 {
        if offset_secs > 0.0 {
            decoder.seek(offset_secs)?;
        }
        let used_samples = (used_secs * f64::from(WAVEFORM_RATE)) as usize;
        let mut done = 0_usize;
        while done < used_samples {
            if cancel.load(Ordering::Relaxed) {
                return Ok(None);
            }
            let Some(chunk) = decoder.next_chunk()? else {
                break;
            };
            for &sample in chunk.iter().take(used_samples - done) {
                track.add(done * PEAK_COUNT / used_samples, sample);
                done += 1;
            }
        }
    }
    let mut peaks = Peaks {
        min: vec![0.0; PEAK_COUNT],
        max: vec![0.0; PEAK_COUNT],
        timing,
    };
    if used_secs > 0.0 {
        let period = timing.loop_secs().min(video_secs.max(used_secs));
        let slice_secs = video_secs / PEAK_COUNT as f64;
        for j in 0..PEAK_COUNT {
            let (min, max) =
                video_slice(&track, j as f64 * slice_secs, slice_secs, period, used_secs);
            peaks.min[j] = min;
            peaks.max[j] = max;
        }
    }
    Ok(Some(peaks))
}

/// Running (min, max) per bucket.
struct Buckets {
    min: Vec<f32>,
    max: Vec<f32>,
}

impl Buckets {
    fn new(n: usize) -> Self {
        Self {
            min: vec![0.0; n],
            max: vec![0.0; n],
        }
    }

    fn add(&mut self, bucket: usize, sample: f32) {
        if let (Some(min), Some(max)) = (self.min.get_mut(bucket), self.max.get_mut(bucket)) {
            *min = min.min(sample);
            *max = max.max(sample);
        }
    }

    /// (min, max) over buckets `[from, to)` (at least one).
    fn range(&self, from: usize, to: usize) -> (f32, f32) {
        let n = self.min.len();
        let from = from.min(n - 1);
        let to = to.clamp(from + 1, n);
        let min = self.min[from..to].iter().fold(0.0_f32, |a, &b| a.min(b));
        let max = self.max[from..to].iter().fold(0.0_f32, |a, &b| a.max(b));
        (min, max)
    }
}

/// (min, max) of the video's slice `[t, t + len)`: the track's buckets it plays, wrapping
/// around the loop of `period` seconds; the buckets cover `used` seconds from the offset.
fn video_slice(track: &Buckets, t: f64, len: f64, period: f64, used: f64) -> (f32, f32) {
    let n = track.min.len();
    let bucket = |secs: f64| ((secs / used * n as f64) as usize).min(n);
    if len >= period {
        return track.range(0, n);
    }
    let from = t % period;
    let to = from + len;
    if to <= period {
        track.range(bucket(from), bucket(to).max(bucket(from) + 1))
    } else {
        let (a_min, a_max) = track.range(bucket(from), n);
        let (b_min, b_max) = track.range(0, bucket(to - period).max(1));
        (a_min.min(b_min), a_max.max(b_max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_repeats_the_track_buckets() {
        // 4 buckets over a 1 s loop: loud in the second quarter only.
        let mut track = Buckets::new(4);
        track.add(1, 0.8);
        track.add(1, -0.5);
        // A 4 s video, slices of 0.25 s: every second slice of each second is loud.
        for k in 0..4 {
            let t = f64::from(k);
            assert_eq!(video_slice(&track, t, 0.25, 1.0, 1.0), (0.0, 0.0));
            assert_eq!(video_slice(&track, t + 0.25, 0.25, 1.0, 1.0), (-0.5, 0.8));
        }
        // A slice across the loop point takes both ends.
        track.add(0, 0.3);
        assert_eq!(video_slice(&track, 0.9, 0.2, 1.0, 1.0), (0.0, 0.3));
        // A slice longer than the loop takes everything.
        assert_eq!(video_slice(&track, 0.0, 2.0, 1.0, 1.0), (-0.5, 0.8));
    }
}
