//! The command line: settings flags shared by the editor and `gridreel render`, and the
//! headless render command.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::export::{self, ExportError, Job, Photos, Progress, Stage};
use crate::photos::{self, ScanError, Skipped};
use crate::settings::{
    Aspect, Color, CropAnchor, Direction, FrameSize, MemoryBudget, Settings, VideoCodec,
    load_preset_or_shipped, settings_to_ron,
};

#[derive(Debug, Parser)]
#[command(
    name = "gridreel",
    version,
    about = "Turn a folder of photos into a sliding photo-grid video"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options for the editor (when no command is given).
    #[command(flatten)]
    pub editor: EditorArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render a video headless, with the same engine as the editor.
    Render(Box<RenderArgs>),
    /// Write procedural photos (JPEG landscapes) into a folder, for demos and benchmarks.
    Synth(SynthArgs),
    /// Measure export vs encode-only speed, import speed, peak memory and per-frame
    /// allocations on this machine, and print the table the README quotes.
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // command-line switches
pub struct BenchArgs {
    /// Photos to use (default: 36 generated 8-15 MP JPEGs in the work folder).
    #[arg(long, value_name = "DIR")]
    pub images: Option<PathBuf>,
    /// Folder for generated photos (kept for the next run) and temporary videos.
    #[arg(long, value_name = "DIR", default_value_os_t = std::env::temp_dir().join("gridreel-bench"))]
    pub work: PathBuf,
    /// Clip length for the export ÷ encode-only ratio, seconds.
    #[arg(long, default_value_t = 20.0)]
    pub secs: f64,
    /// Skip the 4K case.
    #[arg(long)]
    pub skip_4k: bool,
    /// Photos in the large import and memory case (0 skips it).
    #[arg(long, default_value_t = 1000)]
    pub large: u32,
    /// x264 preset for every encode.
    #[arg(long, default_value = "veryfast")]
    pub x264_preset: String,
    /// Skip the rows per codec (H.264, H.265, AV1, VP9, ProRes, GIF) and the GIF palette comparison.
    #[arg(long)]
    pub skip_codecs: bool,
    /// Skip the motion rows (alternate rows looping, a 9:16 reel scrolling up)
    #[arg(long)]
    pub skip_motions: bool,
    /// Skip the rows that open the editor's window (they need a display, e.g. Xvfb).
    #[arg(long)]
    pub skip_editor: bool,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Folder to write into (created if missing).
    pub dir: PathBuf,
    /// Number of photos.
    #[arg(long, default_value_t = 36)]
    pub count: u32,
    /// Size of each photo, WxH; every fifth photo is portrait (H×W).
    #[arg(long, default_value = "640x480")]
    pub size: FrameSize,
    /// JPEG quality, 1–100.
    #[arg(long, default_value_t = 85)]
    pub quality: u8,
    /// First seed; photo i uses seed + i.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct EditorArgs {
    /// Photo folder to open (default: the last one, or the bundled demo photos).
    #[arg(long, value_name = "DIR")]
    pub images: Option<PathBuf>,
    /// Settings preset (RON) to start from.
    #[arg(long, value_name = "FILE")]
    pub preset: Option<PathBuf>,
    /// Play the preview for SECS seconds, print the RSS growth after warm-up, and quit.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(10..))]
    pub soak: Option<u64>,
    /// With `--soak`: a bare eframe window of the same size and renderer instead of the
    /// editor (`panel`: one default filled panel, as any eframe app; `clear`: nothing but the
    /// clear colour), to read the editor's frame rate against eframe's own.
    #[arg(long, requires = "soak", value_name = "KIND", num_args = 0..=1, default_missing_value = "panel")]
    pub bare: Option<crate::app::soak::Bare>,
    /// Open with the HUD (memory and CPU plots, F1) shown, e.g. to soak-test the HUD itself.
    #[arg(long)]
    pub hud: bool,
}

#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // command-line switches
pub struct RenderArgs {
    /// Photo folder (default: the bundled demo photos).
    #[arg(long, value_name = "DIR")]
    pub images: Option<PathBuf>,
    /// Also take photos from sub-folders.
    #[arg(long)]
    pub recursive: bool,
    /// Decode every photo before the first frame instead of as the frames need them (the
    /// video is the same bytes; for comparisons).
    #[arg(long)]
    pub decode_first: bool,
    /// Output video: .mp4, .mov, .webm or .mkv (the file type picks the container).
    #[arg(short, long, value_name = "FILE", default_value = "gridreel.mp4")]
    pub output: PathBuf,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub overwrite: bool,
    /// Settings preset: a RON file, or a shipped one by name (hd-landscape, vertical-9x16,
    /// uhd-4k); flags override it.
    #[arg(long, value_name = "FILE")]
    pub preset: Option<PathBuf>,
    /// Print the effective settings as RON and exit.
    #[arg(long)]
    pub print_settings: bool,
    /// Make the video as long as the music (from --audio-offset to the track's end); the slide
    /// speed stays as set.
    #[arg(long)]
    pub fit_to_audio: bool,
    #[command(flatten)]
    pub settings: SettingsArgs,
}

/// Every setting as a flag; each overrides the preset, which overrides the defaults.
#[derive(Clone, Debug, Default, Args)]
pub struct SettingsArgs {
    /// Grid rows [default: 6]
    #[arg(long, value_name = "N")]
    pub rows: Option<u32>,
    /// Grid columns [default: 6]
    #[arg(long, value_name = "N")]
    pub cols: Option<u32>,
    /// Tile height in pixels; width = height × aspect [default: 100]
    #[arg(long, value_name = "PX")]
    pub tile_height: Option<u32>,
    /// Crop every photo to this aspect ratio [default: 4:3]
    #[arg(long, value_name = "W:H")]
    pub aspect: Option<Aspect>,
    /// Which part of the photo the crop keeps [default: center]
    #[arg(long, value_enum)]
    pub crop: Option<CropAnchor>,
    /// Gaps between tiles in pixels, horizontal,vertical (or one number for both) [default: 0,0]
    #[arg(long, value_name = "H,V", value_parser = parse_gap, allow_hyphen_values = true)]
    pub gap: Option<(u32, u32)>,
    /// Background: a colour name, R,G,B or #RRGGBB [default: white]
    #[arg(long, value_name = "COLOR")]
    pub background: Option<Color>,
    /// Video length in seconds [default: 4]
    #[arg(long, value_name = "SECS")]
    pub duration: Option<f64>,
    /// Frames per second [default: 30]
    #[arg(long, value_name = "N")]
    pub fps: Option<u32>,
    /// Slide speed; 1 = the grid crosses the frame exactly once [default: 1]
    #[arg(long, value_name = "X", allow_hyphen_values = true)]
    pub speed: Option<f64>,
    /// Direction: left, right (rows slide), up or down (columns scroll: the layout for 9:16) [default: left]
    #[arg(long, value_enum)]
    pub direction: Option<Direction>,
    /// Odd rows (columns, moving up or down) move the opposite way
    #[arg(long)]
    pub alternate: bool,
    /// Speed factor per row (per column moving up or down), e.g. 1,0.8,1.2; repeats over the rows (at most 16)
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        allow_hyphen_values = true
    )]
    pub row_speeds: Option<Vec<f64>>,
    /// Loop seamlessly: frame 0 is full and the last frame leads into the first; each row's speed becomes the nearest whole number of cycles in the clip (printed)
    #[arg(long = "loop")]
    pub looped: bool,
    /// Frame size: auto (the grid's size), hd, hd-half, uhd or WxH [default: auto]
    #[arg(long, value_name = "SIZE")]
    pub frame: Option<FrameSize>,
    /// First photo to use, 1-based, in sort order
    #[arg(long, value_name = "N")]
    pub first: Option<u32>,
    /// Last photo to use, 1-based, inclusive
    #[arg(long, value_name = "N")]
    pub last: Option<u32>,
    /// Codec: auto (from the output's file type: VP9 for .webm, GIF for .gif, else H.264), h264, h265, av1, vp9, prores (.mov, .mkv) or gif [default: auto]
    #[arg(long, value_enum)]
    pub codec: Option<VideoCodec>,
    /// Encoder: auto (the codec's hardware encoder if one opens, else its software one) or an FFmpeg encoder name [default: auto]
    #[arg(long, value_name = "NAME")]
    pub encoder: Option<String>,
    /// Quality as CRF, 0 (best) to 51 [default: 20]
    #[arg(long, value_name = "CRF")]
    pub quality: Option<u32>,
    /// x264 speed preset, ultrafast … veryslow [default: faster]
    #[arg(long, value_name = "NAME")]
    pub x264_preset: Option<String>,
    /// Encoder threads, 0 = all cores [default: 0]
    #[arg(long, value_name = "N")]
    pub threads: Option<u32>,
    /// Frames per second of a GIF, 1–50 [default: 15]
    #[arg(long, value_name = "FPS")]
    pub gif_fps: Option<u32>,
    /// Width of a GIF in pixels, at most the frame's; the height keeps the aspect [default: 640]
    #[arg(long, value_name = "PX")]
    pub gif_width: Option<u32>,
    /// Music: any audio file FFmpeg decodes (WAV, MP3, AAC/M4A, FLAC, Ogg/Opus); it repeats when shorter than the video and is cut when longer
    #[arg(long, value_name = "FILE")]
    pub audio: Option<PathBuf>,
    /// Seconds the music fades out at the end [default: 1]
    #[arg(long, value_name = "SECS")]
    pub audio_fade: Option<f64>,
    /// Seconds the music fades in at the start [default: 0]
    #[arg(long, value_name = "SECS")]
    pub audio_fade_in: Option<f64>,
    /// Start the music this many seconds into the track [default: 0]
    #[arg(long, value_name = "SECS")]
    pub audio_offset: Option<f64>,
    /// Memory for decoded photos, RAM and GPU together: auto (a quarter of RAM), 2GB, 512MB or 25%; beyond it tiles stream [default: auto]
    #[arg(long, value_name = "SIZE")]
    pub memory_budget: Option<MemoryBudget>,
}

fn parse_gap(text: &str) -> Result<(u32, u32), String> {
    let parse = |part: &str| -> Result<u32, String> {
        let part = part.trim();
        if part.starts_with('-') {
            return Err(format!("gaps cannot be negative (got {part})"));
        }
        part.parse()
            .map_err(|_| format!("`{part}` is not a whole number of pixels"))
    };
    match text.split_once(',') {
        Some((h, v)) => Ok((parse(h)?, parse(v)?)),
        None => parse(text).map(|g| (g, g)),
    }
}

impl SettingsArgs {
    /// Writes every given flag into `settings`.
    pub fn apply(&self, settings: &mut Settings) {
        let s = settings;
        macro_rules! set {
            ($flag:ident => $($field:ident).+) => {
                if let Some(v) = self.$flag.clone() {
                    s.$($field).+ = v;
                }
            };
        }
        set!(rows => rows);
        set!(cols => cols);
        set!(tile_height => tile_height_px);
        set!(aspect => aspect);
        set!(crop => crop);
        set!(background => background);
        set!(duration => duration_secs);
        set!(fps => fps);
        set!(speed => speed);
        set!(frame => frame);
        set!(direction => motion.direction);
        set!(row_speeds => motion.row_speeds);
        if self.alternate {
            s.motion.alternate = true;
        }
        if self.looped {
            s.motion.looped = true;
        }
        set!(codec => video.codec);
        set!(encoder => video.encoder);
        set!(quality => video.quality_crf);
        set!(x264_preset => video.x264_preset);
        set!(threads => video.threads);
        set!(gif_fps => video.gif_fps);
        if self.gif_width.is_some() {
            s.video.gif_width_px = self.gif_width;
        }
        set!(memory_budget => memory_budget);
        set!(audio_fade => audio.fade_out_secs);
        set!(audio_fade_in => audio.fade_in_secs);
        set!(audio_offset => audio.offset_secs);
        if self.audio.is_some() {
            s.audio.file.clone_from(&self.audio);
        }
        if let Some((h, v)) = self.gap {
            s.gap_h_px = h;
            s.gap_v_px = v;
        }
        if self.first.is_some() {
            s.first_photo = self.first;
        }
        if self.last.is_some() {
            s.last_photo = self.last;
        }
    }
}

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

/// The editor (no command given).
pub fn editor(args: &EditorArgs) -> Result<(), Failure> {
    let settings = match &args.preset {
        Some(path) => Some(load_preset_or_shipped(path).map_err(Failure::input)?),
        None => None,
    };
    if let Some(dir) = &args.images
        && !dir.is_dir()
    {
        return Err(Failure::input(ScanError::Missing(dir.clone())));
    }
    crate::app::run(crate::app::StartOptions {
        images: args.images.clone(),
        settings,
        soak: args.soak.map(Duration::from_secs),
        bare: args.bare,
        hud: args.hud,
    })
    .map_err(Failure::other)
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
    if !crate::settings::X264_PRESETS.contains(&args.x264_preset.as_str()) {
        return Err(Failure::input(format!(
            "--x264-preset must be one of {} (got {})",
            crate::settings::X264_PRESETS.join(", "),
            args.x264_preset
        )));
    }
    crate::bench::run(&crate::bench::BenchOptions {
        photos: args.images.clone(),
        work: args.work.clone(),
        clip_secs: args.secs,
        skip_4k: args.skip_4k,
        skip_editor: args.skip_editor,
        large: args.large,
        x264_preset: args.x264_preset.clone(),
        skip_codecs: args.skip_codecs,
        skip_motions: args.skip_motions,
    })
    .map_err(Failure::other)
}

/// `gridreel render`: one [`export::run`], with progress bars on stderr.
pub fn render(args: &RenderArgs) -> Result<(), Failure> {
    let mut settings = effective_settings(args.preset.as_deref(), &args.settings)?;
    if args.fit_to_audio {
        fit_to_audio(&mut settings)?;
    }
    if args.print_settings {
        println!("{}", settings_to_ron(&settings));
        return Ok(());
    }
    let cancel = Arc::new(AtomicBool::new(false));
    install_cancel_on_signals(&cancel);
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
    };
    let progress = Bars::default();
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
            println!(
                "wrote {} ({} frames, {:.2} s of video, {mb:.1} MB) with {} in {secs:.2} s ({fps:.0} frames/s)",
                summary.path.display(),
                summary.frames,
                summary.video_secs,
                summary.encoder,
            );
            if let Some(peak) = crate::monitor::peak_rss_mb() {
                eprintln!("{} {peak:.1} MB", crate::monitor::PEAK_RSS_LABEL);
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
fn fit_to_audio(settings: &mut Settings) -> Result<(), Failure> {
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
    eprintln!(
        "fit to the music: duration {:.3} s ({} frames at {} fps), speed {} as set",
        settings.duration_secs,
        settings.frame_count(),
        settings.fps,
        settings.speed
    );
    Ok(())
}

/// Progress bars for `gridreel render`: photos while importing, then frames.
#[derive(Default)]
struct Bars {
    bar: Mutex<Option<indicatif::ProgressBar>>,
}

impl Bars {
    fn with_bar(&self, f: impl FnOnce(&mut Option<indicatif::ProgressBar>)) {
        if let Ok(mut bar) = self.bar.lock() {
            f(&mut bar);
        }
    }

    /// Prints a line above the bar.
    fn line(&self, text: &str) {
        self.with_bar(|bar| match bar {
            Some(bar) => bar.suspend(|| eprintln!("{text}")),
            None => eprintln!("{text}"),
        });
    }

    fn clear(&self) {
        self.with_bar(|bar| {
            if let Some(bar) = bar.take() {
                bar.finish_and_clear();
            }
        });
    }
}

impl Progress for Bars {
    fn stage(&self, _stage: Stage) {
        self.clear();
    }

    fn photos_loaded(&self, done: usize, total: usize) {
        self.with_bar(|bar| {
            bar.get_or_insert_with(|| progress_bar(total as u64, "photos", "importing"))
                .set_position(done as u64);
        });
    }

    fn frame_encoded(&self, done: u64, total: u64) {
        self.with_bar(|bar| {
            bar.get_or_insert_with(|| progress_bar(total, "frames", "rendering"))
                .set_position(done);
        });
    }

    fn encoder(&self, name: &str, passed_over: &[String]) {
        for f in passed_over {
            self.line(&format!("encoder not used: {f}"));
        }
        self.line(&format!("encoder: {name}"));
    }

    fn skipped(&self, skipped: &Skipped) {
        self.line(&skipped.to_string());
    }

    fn note(&self, text: &str) {
        self.line(text);
    }
}

/// Ctrl-C, SIGTERM and SIGHUP cancel the export: it stops, removes its temporary file and
/// exits with status 130.
fn install_cancel_on_signals(cancel: &Arc<AtomicBool>) {
    let flag = Arc::clone(cancel);
    // Only the first handler can be installed; a second render in-process keeps the first.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
}

fn progress_bar(len: u64, unit: &str, message: &'static str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    let template =
        format!("{{msg:>10}} [{{bar:30}}] {{pos}}/{{len}} {unit}, {{per_sec}}, {{eta}} left");
    if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_parse() {
        assert_eq!(parse_gap("4,2"), Ok((4, 2)));
        assert_eq!(parse_gap("3"), Ok((3, 3)));
        assert!(parse_gap("-1,0").unwrap_err().contains("negative"));
        assert!(parse_gap("a,0").is_err());
    }

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
        let bad = Cli::try_parse_from(["gridreel", "render", "--rows", "0"]).unwrap();
        let Some(Command::Render(args)) = bad.command else {
            panic!("render")
        };
        let err = effective_settings(None, &args.settings).unwrap_err();
        assert_eq!(err.exit_code, 2);
        assert!(err.message.contains("rows"), "{}", err.message);
    }
}
