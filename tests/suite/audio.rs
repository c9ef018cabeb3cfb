//! Music: a short track repeats, a long one is cut, the end fades to silence, the video can
//! be fitted to the track, and a file that is not audio is refused before rendering.

use std::path::Path;

use crate::common;

/// The video's audio as mono f32 samples at 48 kHz.
fn samples(video: &Path) -> Vec<f32> {
    common::ffmpeg_output(
        video,
        &["-vn", "-ac", "1", "-ar", "48000", "-f", "f32le", "-"],
    )
    .chunks_exact(4)
    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    .collect()
}

fn rms(samples: &[f32]) -> f64 {
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / samples.len().max(1) as f64).sqrt()
}

/// The audio stream's codec, and its length in seconds (decoded samples).
fn audio_stream(video: &Path) -> (String, f64) {
    let info = common::ffprobe(video, "a:0", "codec_name");
    let codec = info
        .lines()
        .find_map(|l| l.strip_prefix("codec_name="))
        .unwrap_or_else(|| panic!("no audio stream: {info}"))
        .to_owned();
    (codec, samples(video).len() as f64 / 48_000.0)
}

fn render(photos: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--frame", "320x240", "--x264-preset", "ultrafast"];
    args.extend_from_slice(extra);
    common::render_to(photos, out, &args)
}

fn photos() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..3 {
        common::write_photo(&dir.path().join(format!("p{i}.jpg")), i, 160, 120);
    }
    dir
}

#[test]
fn a_short_track_repeats_and_fades_out_with_the_last_frame() {
    let photos = photos();
    let work = tempfile::tempdir().unwrap();
    let song = work.path().join("short.wav");
    common::tone(&song, 1.5);
    let out = work.path().join("v.mp4");
    let run = render(
        photos.path(),
        &out,
        &["--duration", "4", "--audio", song.to_str().unwrap()],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let (codec, secs) = audio_stream(&out);
    assert_eq!(codec, "aac");
    assert!((secs - 4.0).abs() <= 1.0 / 30.0, "audio lasts {secs} s");
    let pcm = samples(&out);
    let at = |from: f64, to: f64| rms(&pcm[(from * 48_000.0) as usize..(to * 48_000.0) as usize]);
    assert!(at(0.2, 0.6) > 0.05, "the tone plays: {}", at(0.2, 0.6));
    // 1.5–3.0 s is the track's second time round.
    assert!(at(1.8, 2.4) > 0.05, "the track repeats: {}", at(1.8, 2.4));
    let end = pcm.len();
    let last = rms(&pcm[end - 4_800..end]);
    assert!(last < 0.01, "the last 100 ms fade to near silence: {last}");
}

#[test]
fn a_long_track_is_cut_at_an_offset_into_webm_as_opus() {
    let photos = photos();
    let work = tempfile::tempdir().unwrap();
    let song = work.path().join("long.mp3");
    common::tone(&song, 10.0);
    let out = work.path().join("v.webm");
    let run = render(
        photos.path(),
        &out,
        &[
            "--duration",
            "2",
            "--audio",
            song.to_str().unwrap(),
            "--audio-offset",
            "3",
            "--audio-fade",
            "0",
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let (codec, secs) = audio_stream(&out);
    assert_eq!(codec, "opus");
    assert!((secs - 2.0).abs() <= 1.0 / 30.0, "audio lasts {secs} s");
}

#[test]
fn fit_to_audio_makes_the_video_as_long_as_the_track() {
    let photos = photos();
    let work = tempfile::tempdir().unwrap();
    let song = work.path().join("song.wav");
    common::tone(&song, 1.5);
    let out = work.path().join("v.mp4");
    let run = render(
        photos.path(),
        &out,
        &[
            "--audio",
            song.to_str().unwrap(),
            "--fit-to-audio",
            "--fps",
            "30",
        ],
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains("fit to the music: duration 1.500 s (45 frames"),
        "{stderr}"
    );
    assert!(common::probe(&out).contains("nb_read_frames=45"));
    let (_, secs) = audio_stream(&out);
    assert!((secs - 1.5).abs() <= 1.0 / 30.0, "audio lasts {secs} s");
}

#[test]
fn a_file_that_is_not_audio_is_refused_before_rendering() {
    let photos = photos();
    let work = tempfile::tempdir().unwrap();
    let fake = work.path().join("song.mp3");
    std::fs::write(&fake, "these are lyrics, not a song\n").unwrap();
    let out = work.path().join("v.mp4");
    for extra in [&[][..], &["--fit-to-audio"][..]] {
        let mut args = vec!["--audio", fake.to_str().unwrap()];
        args.extend_from_slice(extra);
        let run = render(photos.path(), &out, &args);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("cannot use the music") && stderr.contains("song.mp3"),
            "{stderr}"
        );
        assert!(
            !stderr.contains("photos ("),
            "refused before the import: {stderr}"
        );
        assert!(!out.exists());
    }
}

/// The track is decoded as the video is written, never held whole: a 2 s video cut from a
/// 10-minute song (230 MB as 48 kHz stereo samples) peaks within 32 MB of one with a 2 s
/// song. The peaks are each child's own (`wait4`), printed for the docs.
#[test]
fn a_long_song_is_not_held_in_memory() {
    let photos = photos();
    let work = tempfile::tempdir().unwrap();
    let mut peaks_mb = Vec::new();
    for secs in [2, 600] {
        // 8 kHz mono WAV: a small file, quick to write, for a long track.
        let song = work.path().join(format!("song-{secs}.wav"));
        let ok = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg(format!(
                "sine=frequency=440:duration={secs}:sample_rate=8000"
            ))
            .arg(&song)
            .status()
            .unwrap()
            .success();
        assert!(ok, "ffmpeg wrote no {secs} s tone");
        let out = work.path().join(format!("v-{secs}.mp4"));
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gridreel"));
        command.args(["render", "--images", photos.path().to_str().unwrap()]);
        command.args(["-o", out.to_str().unwrap(), "--frame", "320x240"]);
        command.args(["--x264-preset", "ultrafast", "--duration", "2"]);
        command.args(["--audio", song.to_str().unwrap()]);
        let (run, peak_kib) = common::run_measured(&mut command, common::CHILD_DEADLINE);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        peaks_mb.push(peak_kib as f64 / 1024.0);
    }
    eprintln!(
        "peak RSS: 2 s song {:.1} MB, 10-minute song {:.1} MB",
        peaks_mb[0], peaks_mb[1]
    );
    assert!(peaks_mb[1] < peaks_mb[0] + 32.0, "{peaks_mb:?} MB");
}

/// A song whose file name is not UTF-8 (FFmpeg takes text paths) is refused like any bad
/// song, naming why, with exit status 2; it was an internal error (a panic in
/// `ffmpeg_next::format::input`).
#[cfg(unix)]
#[test]
fn a_song_whose_name_is_not_utf8_is_refused_not_a_crash() {
    use std::os::unix::ffi::OsStrExt;
    let photos = photos();
    let work = tempfile::tempdir().unwrap();
    let song = work
        .path()
        .join(std::ffi::OsStr::from_bytes(b"caf\xe9.wav"));
    let made = std::process::Command::new("ffmpeg")
        .args(["-loglevel", "error", "-f", "lavfi", "-i", "sine=d=1"])
        .arg(&song)
        .status()
        .unwrap();
    assert!(made.success());
    let out = work.path().join("v.mp4");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_gridreel"))
        .args(["render", "--images"])
        .arg(photos.path())
        .arg("-o")
        .arg(&out)
        .args(["--frame", "320x240", "--duration", "0.2", "--audio"])
        .arg(&song)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot use the music") && stderr.contains("not valid UTF-8"),
        "{stderr}"
    );
    assert!(!out.exists());
}
