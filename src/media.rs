//! FFmpeg set-up and encoder lookup: the one leaf that `export` (encoding) and `music`
//! (decoding a track for the editor) both use, so neither reaches into the other for it.

use ffmpeg_next as ffmpeg;

/// FFmpeg's libraries could not be initialised.
#[derive(Clone, Debug, thiserror::Error)]
#[error("FFmpeg could not start ({0})")]
pub struct FfmpegInitError(String);

/// Initialises FFmpeg once per process and keeps its own logging quiet (gridreel reports
/// errors itself). Later calls return the first call's outcome.
pub fn init() -> Result<(), FfmpegInitError> {
    static INIT: std::sync::OnceLock<Result<(), FfmpegInitError>> = std::sync::OnceLock::new();
    INIT.get_or_init(|| {
        ffmpeg::init().map_err(|e| FfmpegInitError(e.to_string()))?;
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Fatal);
        Ok(())
    })
    .clone()
}

/// Whether this FFmpeg build has the encoder `name` (a hardware one may still fail to open).
#[must_use]
pub fn has_encoder(name: &str) -> bool {
    init().is_ok() && ffmpeg::encoder::find_by_name(name).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ffmpeg_starts_and_knows_its_software_encoders() {
        init().unwrap();
        assert!(has_encoder("libx264"));
        assert!(!has_encoder("no-such-encoder"));
    }
}
