//! The command line's definitions (clap): the commands, their flags, and the settings flags
//! shared by the editor and `gridreel render`, applied over a preset.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::settings::{
    Aspect, Color, CropAnchor, Direction, EncoderChoice, FrameSize, MemoryBudget, PhotoSort,
    Settings, VideoCodec, X264Preset,
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
    pub encoder: Option<EncoderChoice>,
    /// Quality as CRF, 0 (best) to 51 [default: 20]
    #[arg(long, value_name = "CRF")]
    pub quality: Option<u32>,
    /// x264 speed preset, ultrafast … veryslow [default: faster]
    #[arg(long, value_enum, value_name = "NAME")]
    pub x264_preset: Option<X264Preset>,
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
    /// Photo order: name (natural), date (taken: EXIF DateTimeOriginal, else the file's time) or shuffle [default: name]
    #[arg(long, value_enum)]
    pub sort: Option<PhotoSort>,
    /// Seed of --sort shuffle: the same seed gives the same order [default: 0]
    #[arg(long)]
    pub seed: Option<u64>,
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
        set!(sort => photos.sort);
        set!(seed => photos.seed);
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
}
