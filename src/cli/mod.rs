//! The command line: the headless commands (`render`, `synth`, `bench`) and the editor's
//! start. The flags are defined in `args`, the progress bars in `progress`.

mod args;
mod captions;
mod package_files;
mod progress;

pub use args::{
    BenchArgs, Cli, Command, EditorArgs, PackageFilesArgs, RenderArgs, SettingsArgs, SynthArgs,
};
pub use package_files::package_files;
use progress::{Bars, Verbosity, install_cancel_on_signals};

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::export::{self, ExportError, Job, Photos};
use crate::photos::{self, ScanError};
use crate::settings::{FrameSize, Settings, load_preset_or_shipped, settings_to_ron};

/// A failure with the exit status it maps to: 2 for bad input, 1 for anything else.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub exit_code: u8,
}

impl Failure {
    fn input(message: impl std::fmt::Display) -> Self {
        Self {
            message: message.to_string(),
            exit_code: 2,
        }
    }

    fn other(message: impl std::fmt::Display) -> Self {
        Self {
            message: message.to_string(),
            exit_code: 1,
        }
    }
}

/// Defaults, then the preset, then the flags; validated.
pub fn effective_settings(
    preset: Option<&Path>,
    flags: &SettingsArgs,
) -> Result<Settings, Failure> {
    let mut settings = match preset {
        Some(path) => load_preset_or_shipped(path).map_err(Failure::input)?,
        None => Settings::default(),
    };
    flags.apply(&mut settings);
    settings
        .validate()
        .map_err(|e| Failure::input(format!("invalid setting: {e}")))?;
    Ok(settings)
}

/// What to say where the editor cannot open a window: the headless command that can run.
const WITHOUT_A_DISPLAY: &str = "to make a video without a window, run \
     `gridreel render --images FOLDER -o video.mp4` (see `gridreel render --help`)";

/// The editor (no command given).
pub fn editor(args: &EditorArgs) -> Result<(), Failure> {
    let settings = match &args.preset {
        Some(path) => Some(load_preset_or_shipped(path).map_err(Failure::input)?),
        None => None,
    };
    let (images, files) = start_photos(args)?;
    if !display_available() {
        return Err(Failure::other(format!(
            "the editor needs a display, and there is none here (DISPLAY and WAYLAND_DISPLAY \
             are not set, as over SSH or in a container); {WITHOUT_A_DISPLAY}"
        )));
    }
    crate::app::run(crate::app::StartOptions {
        images,
        files,
        settings,
        soak: args.soak.map(Duration::from_secs),
        bare: args.bare,
        hud: args.hud,
        paint_panels: args.paint_panels,
    })
    .map_err(|e| Failure::other(format!("{e}; {WITHOUT_A_DISPLAY}")))
}

/// The folder (`--images DIR`, or `gridreel FOLDER`) or the photo files (`gridreel FILE…`)
/// the editor opens, as a file manager passes them; each must exist, and a folder comes alone.
fn start_photos(args: &EditorArgs) -> Result<(Option<PathBuf>, Vec<PathBuf>), Failure> {
    if let Some(missing) = args.images.iter().chain(&args.paths).find(|p| !p.exists()) {
        return Err(Failure::input(ScanError::Missing(missing.clone())));
    }
    if let Some(dir) = &args.images {
        return if dir.is_dir() {
            Ok((Some(dir.clone()), Vec::new()))
        } else {
            Err(Failure::input(ScanError::NotAFolder(dir.clone())))
        };
    }
    match args.paths.as_slice() {
        [dir] if dir.is_dir() => Ok((Some(dir.clone()), Vec::new())),
        paths => match paths.iter().find(|p| p.is_dir()) {
            Some(dir) => Err(Failure::input(format!(
                "give one folder, or photo files, not both: {}",
                dir.display()
            ))),
            None => Ok((None, paths.to_vec())),
        },
    }
}

/// Whether a window can open: on Linux and the BSDs, an X11 or Wayland display is named.
fn display_available() -> bool {
    if cfg!(all(unix, not(target_os = "macos"))) {
        ["DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET"]
            .iter()
            .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
    } else {
        true
    }
}

/// `gridreel synth`: writes `photo-001.jpg` … in parallel.
pub fn synth(args: &SynthArgs) -> Result<(), Failure> {
    use rayon::prelude::*;
    let FrameSize::Custom {
        width_px,
        height_px,
    } = args.size
    else {
        return Err(Failure::input("--size must be WxH, e.g. 4000x3000"));
    };
    std::fs::create_dir_all(&args.dir).map_err(|e| {
        Failure::input(format!(
            "cannot create folder ({e}): {}",
            args.dir.display()
        ))
    })?;
    (0..args.count).into_par_iter().try_for_each(|i| {
        let (w, h) = if i % 5 == 4 {
            (height_px, width_px)
        } else {
            (width_px, height_px)
        };
        let image = photos::synth::synth_photo(args.seed + u64::from(i), w, h);
        let path = args.dir.join(format!("photo-{:03}.jpg", i + 1));
        let file = std::fs::File::create(&path)
            .map_err(|e| Failure::other(format!("cannot write ({e}): {}", path.display())))?;
        let mut writer = std::io::BufWriter::new(file);
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut writer, args.quality.clamp(1, 100))
            .encode_image(&image)
            .map_err(|e| Failure::other(format!("cannot encode ({e}): {}", path.display())))
    })?;
    println!("wrote {} photos to {}", args.count, args.dir.display());
    Ok(())
}

/// `gridreel bench`.
pub fn bench(args: &BenchArgs) -> Result<(), Failure> {
    if !(args.secs >= 1.0 && args.secs <= 600.0) {
        return Err(Failure::input(format!(
            "--secs must be from 1 to 600 (got {})",
            args.secs
        )));
    }
    crate::bench::run(&crate::bench::BenchOptions {
        photos: args.images.clone(),
        work: args.work.clone(),
        clip_secs: args.secs,
        skip_4k: args.skip_4k,
        skip_editor: args.skip_editor,
        large: args.large,
        x264_preset: args.x264_preset,
        skip_codecs: args.skip_codecs,
        skip_motions: args.skip_motions,
        process_only: args.process_only,
        words_only: args.words_only,
        phone_only: args.phone_only,
        clips_only: args.clips_only,
    })
    .map_err(Failure::other)
}

/// `gridreel render`: one [`export::run`], with progress bars on stderr.
pub fn render(args: &RenderArgs) -> Result<(), Failure> {
    let verbosity = if args.quiet {
        Verbosity::Quiet
    } else if args.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let progress = Bars::new(verbosity);
    let mut settings = effective_settings(args.preset.as_deref(), &args.settings)?;
    if let Some(args::CaptionsArg::File(file)) = &args.settings.words.captions {
        let notes =
            captions::apply_sidecar(&mut settings, file, args.images.as_deref(), args.recursive)?;
        for note in notes {
            progress.say(Verbosity::Normal, &note);
        }
    }
    if args.fit_to_audio {
        fit_to_audio(&mut settings, &progress)?;
    }
    let job = Job {
        settings,
        photos: Photos::Folder {
            dir: args.images.clone(),
            recursive: args.recursive,
        },
        output: args.output.clone(),
        overwrite: args.overwrite,
        budget_bytes: None,
        thumbs: None,
        decode_first: args.decode_first,
        compose_on_gpu: args.compose_on_gpu,
    };
    if args.print_settings {
        // Everything a render would refuse before its first photo (the memory budget, the
        // format, the encoder, the music), except the output file, which is not a setting.
        export::check(&job).map_err(|e| Failure {
            exit_code: e.exit_code(),
            message: e.to_string(),
        })?;
        println!("{}", settings_to_ron(&job.settings));
        return Ok(());
    }
    let cancel = Arc::new(AtomicBool::new(false));
    install_cancel_on_signals(&cancel);
    let result = export::run(&job, &cancel, &progress);
    progress.clear();
    match result {
        Ok(report) => {
            let summary = report.summary;
            #[allow(clippy::cast_precision_loss)]
            let mb = summary.bytes as f64 / 1e6;
            let secs = summary.elapsed.as_secs_f64();
            #[allow(clippy::cast_precision_loss)]
            let fps = summary.frames as f64 / secs.max(1e-9);
            if verbosity >= Verbosity::Normal {
                // e.g. "with libx264, frame threads (x264's defaults), in 7.51 s"
                let threading = summary
                    .threading
                    .map_or_else(String::new, |t| format!(", {t},"));
                println!(
                    "wrote {} ({} frames, {:.2} s of video, {mb:.1} MB) with {}{threading} in {secs:.2} s ({fps:.0} frames/s)",
                    summary.path.display(),
                    summary.frames,
                    summary.video_secs,
                    summary.encoder,
                );
            }
            if let Some(peak) = crate::monitor::peak_rss_mb() {
                progress.say(
                    Verbosity::Verbose,
                    &format!("{} {peak:.1} MB", crate::monitor::PEAK_RSS_LABEL),
                );
            }
            Ok(())
        }
        Err(ExportError::Cancelled) => Err(Failure {
            message: "cancelled; no file written".into(),
            exit_code: 130,
        }),
        Err(e) => Err(Failure {
            exit_code: e.exit_code(),
            message: e.to_string(),
        }),
    }
}

/// `--fit-to-audio`: the duration becomes the music's length from its offset (the slide
/// speed stays, so the grid still covers the frame for the whole song); says what it chose.
fn fit_to_audio(settings: &mut Settings, progress: &Bars) -> Result<(), Failure> {
    let Some(music) = settings.audio.file.clone() else {
        return Err(Failure::input("--fit-to-audio needs --audio FILE"));
    };
    let track_secs = export::probe_audio(&music).map_err(Failure::input)?;
    let secs = track_secs - settings.audio.offset_secs;
    if secs < 0.05 {
        return Err(Failure::input(format!(
            "--fit-to-audio: the track is {track_secs:.2} s long, nothing is left after the offset of {:.2} s: {}",
            settings.audio.offset_secs,
            music.display()
        )));
    }
    settings.duration_secs = secs.min(3600.0);
    settings
        .validate()
        .map_err(|e| Failure::input(format!("invalid setting: {e}")))?;
    progress.say(
        Verbosity::Normal,
        &format!(
            "fit to the music: duration {:.3} s ({} frames at {} fps), speed {} as set",
            settings.duration_secs,
            settings.frame_count(),
            settings.fps,
            settings.speed
        ),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Color;
    use clap::Parser;

    #[test]
    fn flags_override_preset_and_defaults() {
        let cli = Cli::try_parse_from([
            "gridreel",
            "render",
            "--rows",
            "3",
            "--gap",
            "2,1",
            "--background",
            "#102030",
        ])
        .unwrap();
        let Some(Command::Render(args)) = cli.command else {
            panic!("render")
        };
        let s = effective_settings(None, &args.settings).unwrap();
        assert_eq!((s.rows, s.cols, s.gap_h_px, s.gap_v_px), (3, 6, 2, 1));
        assert_eq!(s.background, Color::rgb(16, 32, 48));
        // Each value is within its range; together they make a tile wider than allowed.
        let bad = Cli::try_parse_from([
            "gridreel",
            "render",
            "--tile-height",
            "4000",
            "--aspect",
            "16:9",
        ])
        .unwrap();
        let Some(Command::Render(args)) = bad.command else {
            panic!("render")
        };
        let err = effective_settings(None, &args.settings).unwrap_err();
        assert_eq!(err.exit_code, 2);
        assert!(err.message.contains("tile width"), "{}", err.message);
    }
}
