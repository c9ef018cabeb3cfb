//! Presets: settings as human-readable RON files.

use std::path::{Path, PathBuf};

use super::{Settings, SettingsError};

/// Why a preset could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    #[error("cannot read preset ({}): {}", crate::files::io_words(source), path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write preset ({}): {}", crate::files::io_words(source), path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("bad preset, line {line}, column {column}: {message}: {}", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("bad preset, line {line}: {error}: {}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        error: SettingsError,
    },
}

/// The presets shipped with gridreel, built into the binary: (name, RON text).
pub const SHIPPED_PRESETS: [(&str, &str); 3] = [
    (
        "hd-landscape",
        include_str!("../../presets/hd-landscape.ron"),
    ),
    (
        "vertical-9x16",
        include_str!("../../presets/vertical-9x16.ron"),
    ),
    ("uhd-4k", include_str!("../../presets/uhd-4k.ron")),
];

/// A shipped preset by name (`hd-landscape`, with or without `.ron`).
#[must_use]
pub fn shipped_preset(name: &str) -> Option<Result<Settings, PresetError>> {
    let name = name.strip_suffix(".ron").unwrap_or(name);
    SHIPPED_PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, text)| parse_preset(text, Path::new(&format!("{n}.ron"))))
}

/// A preset file, or a shipped preset's name when no such file exists.
pub fn load_preset_or_shipped(path: &Path) -> Result<Settings, PresetError> {
    if !path.exists()
        && let Some(shipped) = path.to_str().and_then(shipped_preset)
    {
        return shipped;
    }
    load_preset(path)
}

/// Largest preset file read; real ones are a few hundred bytes.
pub const MAX_PRESET_BYTES: u64 = 1 << 20;

/// Reads and validates a preset (a regular file of at most [`MAX_PRESET_BYTES`]). Fields not
/// in the file keep their defaults.
pub fn load_preset(path: &Path) -> Result<Settings, PresetError> {
    parse_preset(&read_preset_text(path)?, path)
}

/// A preset file's text (a regular file of at most [`MAX_PRESET_BYTES`]).
pub fn read_preset_text(path: &Path) -> Result<String, PresetError> {
    crate::files::read_small_text(path, MAX_PRESET_BYTES).map_err(|source| PresetError::Read {
        path: path.to_owned(),
        source,
    })
}

/// The text of a shipped preset by name (`hd-landscape`, with or without `.ron`).
#[must_use]
pub fn shipped_preset_text(name: &str) -> Option<&'static str> {
    let name = name.strip_suffix(".ron").unwrap_or(name);
    SHIPPED_PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// Lays the preset `text` over `base`: the settings it names change, every other keeps
/// `base`'s value (the editor's music, crop centres and motion stay when a layout preset is
/// loaded). The preset is checked on its own first, so its mistakes name its own lines.
pub fn apply_preset(base: &Settings, text: &str, path: &Path) -> Result<Settings, PresetError> {
    parse_preset(text, path)?;
    let merged = super::overlay::overlay_text(&settings_to_ron(base), text).ok_or_else(|| {
        PresetError::Syntax {
            path: path.to_owned(),
            line: 1,
            column: 1,
            message: "a preset is one RON struct: ( name: value, … )".to_owned(),
        }
    })?;
    parse_preset(&merged, path)
}

/// Parses preset text; `path` is only used in messages.
pub fn parse_preset(text: &str, path: &Path) -> Result<Settings, PresetError> {
    let settings: Settings = ron::from_str(text).map_err(|e| PresetError::Syntax {
        path: path.to_owned(),
        line: e.span.start.line,
        column: e.span.start.col,
        message: e.code.to_string(),
    })?;
    settings.validate().map_err(|error| PresetError::Invalid {
        path: path.to_owned(),
        line: line_of_field(text, error.field),
        error,
    })?;
    Ok(settings)
}

/// The settings as pretty RON, as presets are written.
#[must_use]
pub fn settings_to_ron(settings: &Settings) -> String {
    let config = ron::ser::PrettyConfig::new().struct_names(false);
    // Serialising plain data with string/number fields cannot fail.
    ron::ser::to_string_pretty(settings, config).unwrap_or_default()
}

/// Writes a preset atomically (see [`crate::files::atomic`]): an existing file at `path` is
/// replaced only with `replace`; without it the write fails and the file is kept.
pub fn save_preset(settings: &Settings, path: &Path, replace: bool) -> Result<(), PresetError> {
    let mut text = settings_to_ron(settings);
    text.push('\n');
    crate::files::atomic::write_atomic(path, text.as_bytes(), replace).map_err(|e| {
        let source = match e {
            crate::files::atomic::CommitError::Exists => std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "a file of that name exists",
            ),
            crate::files::atomic::CommitError::Flush(e)
            | crate::files::atomic::CommitError::Move(e) => e,
        };
        PresetError::Write {
            path: path.to_owned(),
            source,
        }
    })?;
    Ok(())
}

/// What the editor writes when it saves a preset: `.ron` files that read as presets.
pub const PRESET_FILE: crate::files::guard::Kind = crate::files::guard::Kind {
    noun: "preset",
    extension: "ron",
    default_name: "my-grid.ron",
    recognise: |path| load_preset(path).is_ok(),
};

/// 1-based line where `field` (its last dotted part) is set, or 1 if it is not written out.
fn line_of_field(text: &str, field: &str) -> usize {
    let key = field.rsplit('.').next().unwrap_or(field);
    text.lines()
        .position(|line| {
            let line = line.trim_start();
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_presets_are_built_in_and_valid() {
        for (name, _) in SHIPPED_PRESETS {
            shipped_preset(name).unwrap().unwrap();
        }
        let vertical = load_preset_or_shipped(Path::new("vertical-9x16")).unwrap();
        assert_eq!(vertical.frame_size_px(), (1080, 1920));
        assert!(shipped_preset("nope").is_none());
    }

    #[test]
    fn a_preset_over_the_editors_settings_keeps_what_it_does_not_name() {
        let mut mine = Settings {
            rows: 3,
            ..Settings::default()
        };
        mine.audio.file = Some("/music/song, live.mp3".into());
        mine.motion.alternate = true;
        mine.motion.looped = true;
        mine.video.codec = crate::settings::VideoCodec::H265;
        mine.focus.insert(
            "/photos/a.jpg".into(),
            crate::settings::Focus { x: 0.2, y: 0.8 },
        );
        let name = "uhd-4k";
        let text = shipped_preset_text(name).unwrap();
        let applied = apply_preset(&mine, text, Path::new("uhd-4k.ron")).unwrap();
        let shipped = shipped_preset(name).unwrap().unwrap();
        assert_eq!(applied.frame_size_px(), (3840, 2160), "the preset's frame");
        assert_eq!(applied.rows, shipped.rows, "the preset's rows");
        assert_eq!(applied.video.x264_preset, shipped.video.x264_preset);
        assert_eq!(applied.audio, mine.audio, "the music stays");
        assert_eq!(applied.motion, mine.motion, "the motion stays");
        assert_eq!(applied.focus, mine.focus, "the crop centres stay");
        assert_eq!(
            applied.video.codec, mine.video.codec,
            "fields of video it does not name stay"
        );
        // A bad preset is reported against its own text, and changes nothing.
        let err = apply_preset(&mine, "(\n rows: 0,\n)", Path::new("bad.ron")).unwrap_err();
        assert!(matches!(err, PresetError::Invalid { line: 2, .. }), "{err}");
    }

    #[test]
    fn round_trip_and_partial_presets() {
        let s = Settings {
            rows: 3,
            background: super::super::Color::rgb(1, 2, 3),
            ..Settings::default()
        };
        let text = settings_to_ron(&s);
        assert_eq!(parse_preset(&text, Path::new("x.ron")).unwrap(), s);
        let partial = parse_preset("(rows: 4, frame: \"hd\")", Path::new("p.ron")).unwrap();
        assert_eq!(partial.rows, 4);
        assert_eq!(partial.cols, 6);
    }

    /// The safe area round-trips through a preset, an old preset without one loads with
    /// none, the 9:16 preset ships one, and a share over 0.45 is refused by name.
    #[test]
    fn safe_area_round_trips_and_old_presets_load() {
        let s = Settings {
            safe_area: super::super::SafeArea {
                top: 0.1,
                bottom: 0.2,
                left: 0.05,
                right: 0.12,
            },
            ..Settings::default()
        };
        let text = settings_to_ron(&s);
        assert!(text.contains("safe_area"), "{text}");
        assert_eq!(parse_preset(&text, Path::new("x.ron")).unwrap(), s);
        let old = parse_preset("(rows: 4)", Path::new("old.ron")).unwrap();
        assert!(old.safe_area.is_default());
        assert!(!settings_to_ron(&old).contains("safe_area"));
        let vertical = shipped_preset("vertical-9x16").unwrap().unwrap();
        assert_eq!(vertical.safe_area, s.safe_area);
        let err = parse_preset(
            "(\n safe_area: (\n  right: 0.5,\n ),\n)",
            Path::new("s.ron"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("safe_area.right"), "{err}");
        assert!(matches!(err, PresetError::Invalid { line: 3, .. }), "{err}");
    }

    #[test]
    fn typos_and_bad_values_give_file_and_line() {
        let err = parse_preset("(\n  rows: 4,\n  rowz: 3,\n)", Path::new("t.ron")).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, PresetError::Syntax { line: 3, .. }), "{msg}");
        assert!(
            msg.contains("rowz") && msg.contains("cols") && msg.ends_with("t.ron"),
            "{msg}"
        );

        let err = parse_preset("(\n  cols: 2,\n  rows: 0,\n)", Path::new("b.ron")).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, PresetError::Invalid { line: 3, .. }), "{msg}");
        assert!(
            msg.contains("rows: must be from 1 to 1000 (got 0)"),
            "{msg}"
        );

        let err = parse_preset("(\n background: \"fuchsiax\",\n)", Path::new("c.ron")).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, PresetError::Syntax { line: 2, .. }), "{msg}");
        assert!(msg.contains("#RRGGBB"), "{msg}");
    }
}
