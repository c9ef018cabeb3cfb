//! The command line's definitions (clap): the commands, their flags, and the settings flags
//! shared by the editor and `gridreel render`, applied over a preset.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::settings::limits::{self, Limit};
use crate::settings::{
    Aspect, Backdrop, CaptionPlace, CaptionSource, ClipMode, Color, Corner, CropAnchor, Direction,
    EncoderChoice, FrameSize, LiveMode, MemoryBudget, PhotoSort, SafeArea, Settings, TitlePosition,
    TitleShow, VideoCodec, X264Preset,
};

/// A flag given twice takes the last value (`args_override_self`), as in most Unix tools, so
/// that a script or an alias can append overrides to a base command line.
#[derive(Debug, Parser)]
#[command(
    name = "gridreel",
    version,
    long_version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("GRIDREEL_COMMIT"), ")"),
    about = "Turn a folder of photos into a sliding photo-grid video",
    long_about = "Turn a folder of photos into a sliding photo-grid video.\n\n\
        Without a command, gridreel opens the editor (it needs a display) on FOLDER, on the \
        photo files given, on the last folder or on the bundled demo photos. \
        `gridreel render` makes the video without a window.",
    args_override_self = true
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
    /// Writes the man pages and the bash, zsh and fish completions into a folder, made from
    /// these definitions; `.ci/package` runs it for the Debian package.
    #[command(hide = true)]
    PackageFiles(PackageFilesArgs),
}

#[derive(Debug, Args)]
pub struct PackageFilesArgs {
    /// Folder to write into (created if missing): `man/`, `completions/`.
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // command-line switches
pub struct BenchArgs {
    /// Photos to use (default: 36 generated 8-15 MP JPEGs in the work folder);
    /// `tests/bench/camera-photos.sh DIR` makes a folder of 36 real photographs.
    #[arg(long, visible_alias = "photos", value_name = "DIR")]
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
    #[arg(long, value_enum, default_value_t = X264Preset::Veryfast)]
    pub x264_preset: X264Preset,
    /// Skip the rows per codec (H.264, H.265, AV1, VP9, ProRes, GIF) and the GIF palette comparison.
    #[arg(long)]
    pub skip_codecs: bool,
    /// Skip the motion rows (alternate rows looping, a 9:16 reel scrolling up)
    #[arg(long)]
    pub skip_motions: bool,
    /// Skip the rows that open the editor's window (they need a display, e.g. Xvfb).
    #[arg(long)]
    pub skip_editor: bool,
    /// Only the whole-process rows: `gridreel render` (start to exit) against the `ffmpeg`
    /// command line encoding the same frames with x264's defaults.
    #[arg(long)]
    pub process_only: bool,
    /// Only the 1080p30 export ÷ encode-only rows with and without a title, captions and a
    /// logo, each pair back to back, and the ratio of their ratios.
    #[arg(long)]
    pub words_only: bool,
    /// Only the phone-format rows: HEIC import against `vipsthumbnail`, import with colour
    /// management against without, and the peak RSS of a 200 MP HEIC.
    #[arg(long, conflicts_with = "process_only")]
    pub phone_only: bool,
    /// Only the rows of clips that play: 6 clips among 30 photos against the encoder alone
    /// plus FFmpeg decoding the clips; peak RSS of 200 clips against 200 photos, and of a 10 s
    /// clip against a 60 s one.
    #[arg(long, conflicts_with_all = ["process_only", "phone_only"])]
    pub clips_only: bool,
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
    /// A photo folder, or photo files, to open (what a file manager's "Open with gridreel"
    /// passes); default: the last folder, or the bundled demo photos.
    #[arg(value_name = "FOLDER|FILE", conflicts_with = "images")]
    pub paths: Vec<PathBuf>,
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
    /// With `--soak`: paint the toolbar and the settings panel every frame instead of copying
    /// them from a texture while they stand still, to read what the copy saves.
    #[arg(long, requires = "soak")]
    pub paint_panels: bool,
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
    /// Make the frames with the GPU even where the CPU makes them without one (a grid that
    /// moves as one, sideways; the video is the same bytes; for comparisons).
    #[arg(long)]
    pub compose_on_gpu: bool,
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
    /// Also print the details: the encoders tried and why each was not used, the encoder in
    /// use, the peak memory.
    #[arg(short, long, overrides_with = "quiet")]
    pub verbose: bool,
    /// Print only errors.
    #[arg(short, long, overrides_with = "verbose")]
    pub quiet: bool,
    #[command(flatten)]
    pub settings: SettingsArgs,
}

/// Every setting as a flag; each overrides the preset, which overrides the defaults.
#[derive(Clone, Debug, Default, Args)]
pub struct SettingsArgs {
    /// Grid rows [default: 6]
    #[arg(long, value_name = "N", value_parser = InRange(limits::ROWS))]
    pub rows: Option<u32>,
    /// Grid columns [default: 6]
    #[arg(long, value_name = "N", value_parser = InRange(limits::COLS))]
    pub cols: Option<u32>,
    /// Tile height in pixels; width = height × aspect [default: 100]
    #[arg(long, value_name = "PX", value_parser = InRange(limits::TILE_HEIGHT))]
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
    #[arg(long, value_name = "N", value_parser = InRange(limits::FPS))]
    pub fps: Option<u32>,
    /// Slide speed; 1 = the grid crosses the frame exactly once, 0 = it stands still, centred [default: 1]
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
        allow_hyphen_values = true,
        action = clap::ArgAction::Set
    )]
    pub row_speeds: Option<Vec<f64>>,
    /// Loop seamlessly: frame 0 is full and the last frame leads into the first; each row's speed becomes the nearest whole number of cycles in the clip (printed)
    #[arg(long = "loop")]
    pub looped: bool,
    /// Frame size: auto (the grid's size), hd, hd-half, uhd or WxH [default: auto]
    #[arg(long, value_name = "SIZE")]
    pub frame: Option<FrameSize>,
    /// First photo to use, 1-based, in sort order
    #[arg(long, value_name = "N", value_parser = InRange(limits::FIRST_PHOTO))]
    pub first: Option<u32>,
    /// Last photo to use, 1-based, inclusive
    #[arg(long, value_name = "N", value_parser = InRange(limits::LAST_PHOTO))]
    pub last: Option<u32>,
    /// Codec: auto (from the output's file type: VP9 for .webm, GIF for .gif, else H.264), h264, h265, av1, vp9, prores (.mov, .mkv) or gif [default: auto]
    #[arg(long, value_enum)]
    pub codec: Option<VideoCodec>,
    /// Encoder: auto (the codec's hardware encoder if one opens, else its software one) or an FFmpeg encoder name [default: auto]
    #[arg(long, value_name = "NAME")]
    pub encoder: Option<EncoderChoice>,
    /// Quality as CRF, 0 (best) to 51 [default: 20]
    #[arg(long, value_name = "CRF", value_parser = InRange(limits::QUALITY_CRF))]
    pub quality: Option<u32>,
    /// x264 speed preset, ultrafast … veryslow [default: faster]
    #[arg(long, value_enum, value_name = "NAME")]
    pub x264_preset: Option<X264Preset>,
    /// Encoder threads, 0 = all cores [default: 0]
    #[arg(long, value_name = "N", value_parser = InRange(limits::THREADS))]
    pub threads: Option<u32>,
    /// Frames per second of a GIF, 1–50 [default: 15]
    #[arg(long, value_name = "FPS", value_parser = InRange(limits::GIF_FPS))]
    pub gif_fps: Option<u32>,
    /// Width of a GIF in pixels, at most the frame's; the height keeps the aspect [default: 640]
    #[arg(long, value_name = "PX", value_parser = InRange(limits::GIF_WIDTH))]
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
    /// Photo order: name (natural), date (taken: EXIF DateTimeOriginal, else the file's time) or shuffle [default: name]
    #[arg(long, value_enum)]
    pub sort: Option<PhotoSort>,
    /// Seed of --sort shuffle: the same seed gives the same order [default: 0]
    #[arg(long)]
    pub seed: Option<u64>,
    /// Leave out near-duplicates: a photo that looks like one taken up to 3 s before it (a burst, the same photo twice); the earlier one stays, and each photo left out is named
    #[arg(long)]
    pub skip_duplicates: bool,
    /// Video files (MP4, MOV, M4V, MKV, WebM): loop (plays muted in its cell from when the cell comes on screen, looping), once (plays once, holds its last frame), still (one frame, the one at 1 s, as a photo) or skip (left out, each named) [default: loop]
    #[arg(long, value_enum, value_name = "MODE")]
    pub clips: Option<ClipMode>,
    /// Live Photos (a still and a .MOV of the same name or Apple content identifier) and Android motion photos (a JPEG with its video appended): motion (the still's cell plays the video by the rules of --clips) or still [default: motion]
    #[arg(long, value_enum, value_name = "MODE")]
    pub live_photos: Option<LiveMode>,
    /// Memory for decoded photos, RAM and GPU together: auto (a quarter of RAM), 2GB, 512MB or 25%; beyond it tiles stream [default: auto]
    #[arg(long, value_name = "SIZE")]
    pub memory_budget: Option<MemoryBudget>,
    #[command(flatten)]
    pub words: WordsArgs,
}

/// The title and the logo as flags.
#[derive(Clone, Debug, Default, Args)]
pub struct WordsArgs {
    /// A title over the grid, in any script; a line break in it starts a new line
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub title: Option<String>,
    /// A smaller line under the title
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub subtitle: Option<String>,
    /// The title's font: an installed family name [default: the bundled Inter]
    #[arg(long, value_name = "FAMILY")]
    pub title_font: Option<String>,
    /// The title's size as a share of the frame height, 0.01–0.5 [default: 0.08]
    #[arg(long, value_name = "SHARE")]
    pub title_size: Option<f64>,
    /// The title's colour: a name, R,G,B or #RRGGBB [default: white]
    #[arg(long, value_name = "COLOR")]
    pub title_color: Option<Color>,
    /// Behind the title: none, shadow or band (a translucent dark band) [default: shadow]
    #[arg(long, value_enum, value_name = "KIND")]
    pub title_backdrop: Option<Backdrop>,
    /// Where the title sits: top, center or bottom [default: center]
    #[arg(long, value_enum, value_name = "WHERE")]
    pub title_position: Option<TitlePosition>,
    /// When the title shows: whole (the clip), first (the first --title-secs, fading out) or end (an end card, the last --title-secs) [default: whole]
    #[arg(long, value_enum, value_name = "WHEN")]
    pub title_show: Option<TitleShow>,
    /// Seconds the title shows with --title-show first or end [default: 3]
    #[arg(long, value_name = "SECS")]
    pub title_secs: Option<f64>,
    /// A logo or watermark: an image file (PNG with transparency, JPEG, WebP…)
    #[arg(long, value_name = "FILE")]
    pub logo: Option<PathBuf>,
    /// The logo's corner: top-left, top-right, bottom-left or bottom-right [default: bottom-right]
    #[arg(long, value_enum, value_name = "CORNER")]
    pub logo_position: Option<Corner>,
    /// The logo's height as a share of the frame height, 0.01–1 [default: 0.1]
    #[arg(long, value_name = "SHARE")]
    pub logo_size: Option<f64>,
    /// The logo's opacity, 0–1 [default: 0.8]
    #[arg(long, value_name = "X")]
    pub logo_opacity: Option<f64>,
    /// Space between the logo and the frame's edges, as a share of the frame height [default: 0.03]
    #[arg(long, value_name = "SHARE")]
    pub logo_margin: Option<f64>,
    /// The share of the frame's top, bottom, left and right edges a platform covers with its buttons, each 0–0.45: the title and the logo stay inside (e.g. 0.1,0.2,0.05,0.12) [default: 0,0,0,0]
    #[arg(long, value_name = "TOP,BOTTOM,LEFT,RIGHT", value_parser = parse_safe_area)]
    pub safe_area: Option<SafeArea>,
    /// A caption with each tile (in its bottom band, or under it with --caption-place below): date (taken, from EXIF), name (the file's, without its extension), folder, none, or a CSV (path,text) or RON ({"path": "text"}) FILE of captions of your own, paths relative to --images (write ./date for a file named date) [default: none]
    #[arg(long, value_name = "date|name|folder|FILE", value_parser = parse_captions)]
    pub captions: Option<CaptionsArg>,
    /// The captions' letter height as a share of the tile height, 0.03–0.5 [default: 0.1]
    #[arg(long, value_name = "SHARE")]
    pub caption_size: Option<f64>,
    /// The captions' colour: a name, R,G,B or #RRGGBB [default: white]
    #[arg(long, value_name = "COLOR")]
    pub caption_color: Option<Color>,
    /// A translucent dark band behind each caption (across its line when below): on or off [default: on]
    #[arg(long, value_name = "on|off", value_parser = clap::builder::BoolishValueParser::new())]
    pub caption_band: Option<bool>,
    /// Where captions sit: in-tile (over the photo's bottom band) or below (under the photo, on the background; each row grows by a caption line) [default: in-tile]
    #[arg(long, value_name = "WHERE")]
    pub caption_place: Option<CaptionPlace>,
    /// The captions' font: an installed family name [default: the bundled Inter]
    #[arg(long, value_name = "FAMILY")]
    pub caption_font: Option<String>,
}

/// `--captions`: what every photo's caption says, or a file of captions of their own.
#[derive(Clone, Debug, PartialEq)]
pub enum CaptionsArg {
    Source(CaptionSource),
    File(PathBuf),
}

// clap's value parsers return a Result; this one takes any value.
#[allow(clippy::unnecessary_wraps)]
fn parse_captions(value: &str) -> Result<CaptionsArg, String> {
    Ok(CaptionSource::ALL
        .into_iter()
        .find(|s| s.name() == value)
        .map_or_else(|| CaptionsArg::File(value.into()), CaptionsArg::Source))
}

/// `--safe-area 0.1,0.2,0.05,0.12`: four shares (their range is checked with the settings).
fn parse_safe_area(value: &str) -> Result<SafeArea, String> {
    let shares: Vec<f64> = value
        .split(',')
        .map(|v| v.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("four numbers TOP,BOTTOM,LEFT,RIGHT ({e})"))?;
    let [top, bottom, left, right] = shares[..] else {
        return Err(format!(
            "four numbers TOP,BOTTOM,LEFT,RIGHT (got {})",
            shares.len()
        ));
    };
    Ok(SafeArea {
        top,
        bottom,
        left,
        right,
    })
}

impl WordsArgs {
    /// Writes every given flag into `s`.
    pub fn apply(&self, s: &mut Settings) {
        macro_rules! set {
            ($flag:ident => $($field:ident).+) => {
                if let Some(v) = self.$flag.clone() {
                    s.$($field).+ = v;
                }
            };
        }
        set!(title => title.text);
        set!(subtitle => title.subtitle);
        set!(title_size => title.size);
        set!(title_color => title.color);
        set!(title_backdrop => title.backdrop);
        set!(title_position => title.position);
        set!(title_show => title.show);
        set!(title_secs => title.secs);
        set!(logo_position => logo.position);
        set!(logo_size => logo.size);
        set!(logo_opacity => logo.opacity);
        set!(logo_margin => logo.margin);
        set!(safe_area => safe_area);
        set!(caption_size => captions.size);
        set!(caption_color => captions.color);
        set!(caption_band => captions.band);
        set!(caption_place => captions.place);
        if self.caption_font.is_some() {
            s.captions.font.clone_from(&self.caption_font);
        }
        if let Some(CaptionsArg::Source(source)) = &self.captions {
            s.captions.show = *source;
        }
        if self.title_font.is_some() {
            s.title.font.clone_from(&self.title_font);
        }
        if self.logo.is_some() {
            s.logo.file.clone_from(&self.logo);
        }
    }
}

/// The parser of a whole-number setting's flag: a value outside the setting's range, however
/// large, is refused with that range (not with the range of the integer type).
#[derive(Clone, Copy, Debug)]
struct InRange(Limit);

impl clap::builder::TypedValueParser for InRange {
    type Value = u32;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<u32, clap::Error> {
        let text = value.to_string_lossy();
        let limit = self.0;
        let problem = match whole_number(&text) {
            Some(n) if limit.allows(n) => return Ok(n as u32),
            Some(_) => format!("{} {}", limit.field, limit.out_of_range(text.trim())),
            None => format!(
                "{} must be a whole number from {} to {} (got `{text}`)",
                limit.field, limit.min, limit.max
            ),
        };
        let name = arg.map_or_else(|| limit.field.to_owned(), |a| format!("'{a}'"));
        Err(clap::Error::raw(
            clap::error::ErrorKind::ValueValidation,
            format!("invalid value for {name}: {problem}\n"),
        )
        .with_cmd(cmd))
    }
}

/// A string of digits as a number; one too large for a `u64` saturates (it is out of every
/// setting's range all the same). `None` for anything else.
fn whole_number(text: &str) -> Option<u64> {
    let digits = text.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse().unwrap_or(u64::MAX))
}

fn parse_gap(text: &str) -> Result<(u32, u32), String> {
    let parse = |part: &str| -> Result<u32, String> {
        let part = part.trim();
        if part.starts_with('-') {
            return Err(format!("gaps cannot be negative (got {part})"));
        }
        match whole_number(part) {
            Some(n) if limits::GAP_H.allows(n) => Ok(n as u32),
            Some(_) => Err(format!("gaps {}", limits::GAP_H.out_of_range(part))),
            None => Err(format!("`{part}` is not a whole number of pixels")),
        }
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
        set!(sort => photos.sort);
        set!(seed => photos.seed);
        if self.skip_duplicates {
            s.photos.skip_duplicates = true;
        }
        set!(clips => clips);
        set!(live_photos => live_photos);
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
        self.words.apply(s);
    }
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
        assert!(
            parse_gap("4294967296")
                .unwrap_err()
                .contains("from 0 to 4096")
        );
    }

    #[test]
    fn whole_numbers_saturate_and_refuse_the_rest() {
        assert_eq!(whole_number(" 12 "), Some(12));
        assert_eq!(whole_number("99999999999999999999999"), Some(u64::MAX));
        assert_eq!(whole_number("1.5"), None);
        assert_eq!(whole_number("-3"), None);
        assert_eq!(whole_number(""), None);
    }
}
