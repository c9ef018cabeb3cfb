//! The GIF palette row: gridreel's palettes against FFmpeg's palettegen/paletteuse filters
//! (the `ffmpeg` command, not linked) on the same frames: time, PSNR and size.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::options::BenchOptions;
use super::ratio::{encode_frames, prerender};
use super::table::{BenchResult, Row};
use super::timing::{Timed, timed};
use crate::export;
use crate::render::{Gpu, VideoFrame};
use crate::settings::{FrameSize, VideoCodec};

/// GIF palettes: gridreel's (Wu in Oklab + Floyd–Steinberg, a palette per frame) against
/// FFmpeg's palettegen/paletteuse filters, per frame and with one palette for the clip, on
/// the same RGBA frames: time and PSNR against them.
pub(super) fn palette_row(gpu: &Gpu, dir: &Path, options: &BenchOptions) -> BenchResult<Row> {
    let mut settings = options.settings(FrameSize::Hd, 180);
    settings.duration_secs = 10.0;
    settings.video.codec = VideoCodec::Gif;
    let work = &options.work;
    let ours = work.join("bench-gif-ours.gif");
    let format = export::Format::resolve(&ours, &settings.video).map_err(|e| e.to_string())?;
    let (timeline, _) = format.timeline(&settings);
    let frames = prerender(gpu, dir, &timeline, format)?;
    let (w, h) = (frames[0].width_px, frames[0].height_px);
    let source = RawSource {
        path: work.join("bench-gif-source.rgba"),
        size: format!("{w}x{h}"),
        fps: timeline.fps.to_string(),
    };
    source.write(&frames)?;
    eprintln!("GIF palettes: gridreel ...");
    let ((), ours_time) = timed(|| {
        encode_frames(
            &ours,
            format,
            (w, h),
            &timeline,
            crate::export::EncoderThreads::defaults(0),
            &frames,
        )
    })?;
    drop(frames);
    let stats = work.join("bench-gif-psnr.log");
    let mb = |path: &Path| std::fs::metadata(path).map_or(0.0, |m| m.len() as f64 / 1e6);
    let single = work.join("bench-gif-ffmpeg-single.gif");
    let global = work.join("bench-gif-ffmpeg-global.gif");
    eprintln!("GIF palettes: ffmpeg palettegen/paletteuse, per frame and global ...");
    let single_time = source.ffmpeg_gif(
        "split[a][b];[a]palettegen=stats_mode=single[p];[b][p]paletteuse=new=1",
        &single,
    )?;
    let global_time =
        source.ffmpeg_gif("split[a][b];[a]palettegen[p];[b][p]paletteuse", &global)?;
    let value = format!(
        "gridreel {:.1} s, {:.1} dB, {:.1} MB; FFmpeg per frame {:.1} s, {:.1} dB, {:.1} MB; FFmpeg one palette {:.1} s, {:.1} dB, {:.1} MB",
        ours_time.secs,
        source.psnr(&ours, &stats)?,
        mb(&ours),
        single_time.secs,
        source.psnr(&single, &stats)?,
        mb(&single),
        global_time.secs,
        source.psnr(&global, &stats)?,
        mb(&global),
    );
    for path in [&ours, &single, &global, &source.path, &stats] {
        let _ = std::fs::remove_file(path);
    }
    Ok(Row {
        what: format!(
            "GIF palette: time, PSNR and size of the same {} frames ({w}x{h}, {} fps), gridreel vs FFmpeg palettegen/paletteuse",
            timeline.frame_count(),
            timeline.fps
        ),
        value,
        target: "PSNR ≥ FFmpeg's, time ≤ FFmpeg's",
    })
}

/// The pre-rendered RGBA frames in a raw file: FFmpeg's input, and the reference its PSNR
/// is measured against.
struct RawSource {
    path: PathBuf,
    /// `WxH`, as FFmpeg's `-s` takes it.
    size: String,
    fps: String,
}

impl RawSource {
    fn write(&self, frames: &[VideoFrame]) -> BenchResult<()> {
        use std::io::Write as _;
        let path = &self.path;
        let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut file = std::io::BufWriter::new(file);
        for frame in frames {
            file.write_all(&frame.data).map_err(|e| e.to_string())?;
        }
        file.flush().map_err(|e| e.to_string())
    }

    /// Adds the raw frames to `cmd` as its next input.
    fn input(&self, cmd: &mut Command) {
        cmd.args([
            "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgba", "-s",
        ])
        .args([self.size.as_str(), "-r", self.fps.as_str(), "-i"])
        .arg(&self.path);
    }

    /// FFmpeg makes `out` from the raw frames through the filter `graph`; how long it took.
    fn ffmpeg_gif(&self, graph: &str, out: &Path) -> BenchResult<Timed> {
        let ((), t) = timed(|| {
            let mut cmd = Command::new("ffmpeg");
            crate::heap::allow_huge_pages(&mut cmd);
            cmd.stdin(Stdio::null());
            cmd.args(["-v", "error", "-y"]);
            self.input(&mut cmd);
            let run = cmd
                .args(["-vf", graph])
                .arg(out)
                .output()
                .map_err(|e| format!("cannot run ffmpeg ({e}); install it for this row"))?;
            if run.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "ffmpeg: {}",
                    String::from_utf8_lossy(&run.stderr).trim()
                ))
            }
        })?;
        Ok(t)
    }

    /// The PSNR of `gif` against the raw frames, from FFmpeg's per-frame statistics file
    /// (written to `stats`): the mean of the frames' MSE.
    fn psnr(&self, gif: &Path, stats: &Path) -> BenchResult<f64> {
        let _ = std::fs::remove_file(stats);
        let mut cmd = Command::new("ffmpeg");
        cmd.stdin(Stdio::null());
        cmd.args(["-v", "error", "-i"]).arg(gif);
        self.input(&mut cmd);
        let graph = format!(
            "[0:v]format=rgb24[a];[1:v]format=rgb24[b];[a][b]psnr=stats_file={}",
            stats.display()
        );
        let run = cmd
            .args(["-lavfi", &graph, "-f", "null", "-"])
            .output()
            .map_err(|e| format!("cannot run ffmpeg ({e})"))?;
        let text = std::fs::read_to_string(stats).unwrap_or_default();
        let mses: Vec<f64> = text
            .lines()
            .filter_map(|l| l.split("mse_avg:").nth(1))
            .filter_map(|v| v.split_whitespace().next()?.parse().ok())
            .collect();
        if mses.is_empty() {
            return Err(format!(
                "no PSNR from ffmpeg: {}",
                String::from_utf8_lossy(&run.stderr).trim()
            ));
        }
        let mse = mses.iter().sum::<f64>() / mses.len() as f64;
        Ok(10.0 * (255.0f64 * 255.0 / mse.max(1e-12)).log10())
    }
}
