//! Where in the track the music is at a moment of the video, and how loud: the one mapping
//! that the export, the waveform and the editor's playback share.
//!
//! The export plays the track from `offset_secs`; when it reaches the track's end it starts
//! again from the offset (the part before the offset is never heard), and the video's end
//! cuts it. So at video time `t` the track is at `offset + (t mod (track − offset))`, and
//! nothing is heard before 0 or from the video's end on.

/// The part of the track the video uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MusicTiming {
    /// Where in the track the video starts, seconds.
    pub offset_secs: f64,
    /// The track's length, seconds.
    pub track_secs: f64,
    /// The video's length, seconds.
    pub video_secs: f64,
}

impl MusicTiming {
    /// How long one pass of the track lasts (from the offset to its end); 0 when nothing is
    /// left after the offset.
    #[must_use]
    pub fn loop_secs(&self) -> f64 {
        (self.track_secs - self.offset_secs.max(0.0)).max(0.0)
    }

    /// Where in the track (seconds) the music is at video time `t_secs`; `None`: silence
    /// (before the start, from the video's end on, or no track after the offset).
    #[must_use]
    pub fn track_secs_at(&self, t_secs: f64) -> Option<f64> {
        let period = self.loop_secs();
        if !(0.0..self.video_secs).contains(&t_secs) || period <= 0.0 {
            return None;
        }
        Some(self.offset_secs.max(0.0) + t_secs % period)
    }

    /// The fade gain at video time `t_secs` (1: full volume), as the export applies it.
    #[must_use]
    pub fn gain_at(&self, t_secs: f64, fade_in_secs: f64, fade_out_secs: f64) -> f32 {
        fade_gain(
            t_secs,
            self.video_secs - t_secs,
            fade_in_secs,
            fade_out_secs,
        )
    }
}

/// The gain `elapsed` after the start and `remaining` before the end, with linear fades of
/// `fade_in` and `fade_out` (all in one unit: seconds or samples). 0 at the very start and
/// end of a fade, 1 between.
#[must_use]
pub fn fade_gain(elapsed: f64, remaining: f64, fade_in: f64, fade_out: f64) -> f32 {
    let ramp = |x: f64, len: f64| {
        if len > 0.0 {
            (x / len).clamp(0.0, 1.0)
        } else {
            1.0
        }
    };
    (ramp(elapsed, fade_in) * ramp(remaining, fade_out)) as f32
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // the values compared are exact in binary
mod tests {
    use super::*;

    fn timing(offset_secs: f64, track_secs: f64, video_secs: f64) -> MusicTiming {
        MusicTiming {
            offset_secs,
            track_secs,
            video_secs,
        }
    }

    #[test]
    fn a_long_track_plays_from_the_offset_and_is_cut_at_the_end() {
        let t = timing(10.0, 200.0, 4.0);
        assert_eq!(t.track_secs_at(0.0), Some(10.0));
        assert_eq!(t.track_secs_at(3.5), Some(13.5));
        assert_eq!(t.track_secs_at(4.0), None, "silence after the cut");
        assert_eq!(t.track_secs_at(-0.1), None);
    }

    #[test]
    fn a_short_track_repeats_from_the_offset() {
        let t = timing(0.5, 1.5, 4.0);
        assert_eq!(t.loop_secs(), 1.0);
        assert_eq!(t.track_secs_at(0.25), Some(0.75));
        assert_eq!(t.track_secs_at(1.0), Some(0.5), "back to the offset");
        let at = t.track_secs_at(3.75).unwrap();
        assert!((at - 1.25).abs() < 1e-9, "{at}");
        let t = timing(0.0, 1.5, 4.0);
        assert_eq!(t.track_secs_at(1.5), Some(0.0));
    }

    #[test]
    fn nothing_after_the_offset_is_silence() {
        assert_eq!(timing(5.0, 3.0, 4.0).track_secs_at(1.0), None);
        assert_eq!(timing(0.0, 0.0, 4.0).track_secs_at(1.0), None);
    }

    #[test]
    fn fades_ramp_in_and_out_linearly() {
        let t = timing(0.0, 10.0, 4.0);
        assert_eq!(t.gain_at(0.0, 1.0, 1.0), 0.0);
        assert!((t.gain_at(0.5, 1.0, 1.0) - 0.5).abs() < 1e-6);
        assert_eq!(t.gain_at(2.0, 1.0, 1.0), 1.0);
        assert!((t.gain_at(3.75, 1.0, 1.0) - 0.25).abs() < 1e-6);
        assert_eq!(t.gain_at(2.0, 0.0, 0.0), 1.0);
        assert_eq!(fade_gain(0.0, 10.0, 0.0, 0.0), 1.0);
    }
}
