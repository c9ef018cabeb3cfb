//! Music for the editor: the track's timing (shared with the export), a streaming decoder,
//! and the waveform. Playback through the sound card is the editor's (`app::playback`).

pub mod decode;
pub mod input;
pub mod timing;
pub mod waveform;

pub use decode::{MusicError, TrackDecoder};
pub use timing::{MusicTiming, fade_gain};
pub use waveform::{PEAK_COUNT, Peaks};

/// File extensions taken as music when dropped on the window or offered by the dialog.
pub const AUDIO_EXTENSIONS: [&str; 9] = [
    "wav", "mp3", "m4a", "aac", "flac", "ogg", "oga", "opus", "wma",
];

/// Whether `path` names an audio file (by its extension, any case).
#[must_use]
pub fn is_audio_file(path: &std::path::Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(e)))
}
