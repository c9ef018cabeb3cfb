//! Helpers shared by the integration tests in `tests/suite` (its `main.rs` loads this file as
//! its `common` module).

pub mod editor;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use image::{ImageEncoder, Rgb, RgbImage};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Twelve real photographs (see `tests/bench/real-photos.sh`, which `.ci/setup` runs):
/// `$GRIDREEL_REAL_PHOTOS`, else `target/real-photos`.
pub fn real_photos() -> PathBuf {
    let dir = std::env::var_os("GRIDREEL_REAL_PHOTOS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/real-photos"),
        PathBuf::from,
    );
    let count = std::fs::read_dir(&dir).map_or(0, Iterator::count);
    assert!(
        count >= 12,
        "the real photographs are missing from {}: run `bash tests/bench/real-photos.sh` \
         (`bash .ci/setup` does)",
        dir.display()
    );
    dir
}

/// Longest a `gridreel` child may run in a test: past it the child is killed and the test
/// fails as a hang, instead of stalling CI.
pub const CHILD_DEADLINE: Duration = Duration::from_mins(5);

/// Longest an in-process call that could hang (a scan, a decode) may take in a test.
pub const CALL_DEADLINE: Duration = Duration::from_secs(30);

/// Runs `f` on its own thread and returns what it returned; fails the test, naming `what`,
/// when it takes longer than [`CALL_DEADLINE`] (the thread is left behind: the test fails
/// instead of stalling CI).
pub fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name(format!("test-call: {what}"))
        .spawn(move || {
            let _ = done.send(f());
        })
        .unwrap();
    result
        .recv_timeout(CALL_DEADLINE)
        .unwrap_or_else(|e| panic!("{what}: no result after {CALL_DEADLINE:?} ({e}): a hang"))
}

/// A check that cannot run on this machine: said on the test run's own standard error (past
/// the harness's capture, so it shows in every run's output, counted as `SKIPPED CHECK`),
/// and a failure where `GRIDREEL_REQUIRED_CHECKS` (comma-separated names; `.ci/run` sets
/// it) names `name`.
pub fn skipped_check(name: &str, why: &str) {
    use std::io::Write;
    let required = std::env::var("GRIDREEL_REQUIRED_CHECKS").unwrap_or_default();
    let _ = writeln!(std::io::stderr(), "SKIPPED CHECK {name}: {why}");
    assert!(
        !required.split(',').any(|r| r.trim() == name),
        "the {name} check is required here (GRIDREEL_REQUIRED_CHECKS={required}) but was \
         skipped: {why}"
    );
}

pub fn gridreel(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gridreel"));
    command.args(args);
    run_measured(&mut command, CHILD_DEADLINE).0
}

/// Runs `command` to its end, its output captured, and returns that and the child's own peak
/// resident set size in KiB: its `VmHWM`, read every 10 ms while it runs (the high-water
/// mark of its own memory since it started; only growth in its last 10 ms is missed). Not
/// `wait4`'s `ru_maxrss`: std spawns children sharing this process's memory until they exec,
/// and the kernel keeps that high-water mark too, so a child of a test process that holds
/// 800 MB (another test decoding in-process) reported 800 MB whatever it used. A child that
/// ends before the first reading gets `ru_maxrss`. A child still running after `deadline`
/// is killed and the test fails naming the command.
// `wait4` is the one call that gives one child's own peak RSS; std has no binding for it.
// The child is reaped by `wait4`, not by `Child::wait`.
#[allow(unsafe_code, clippy::zombie_processes)]
pub fn run_measured(command: &mut Command, deadline: Duration) -> (Output, u64) {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::Builder::new()
            .name("test-child-output".into())
            .spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                bytes
            })
            .unwrap()
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let started = Instant::now();
    let mut hwm_kib = None;
    let (status, peak_kib) = loop {
        let mut status = 0;
        // SAFETY: zeroed rusage is a valid value of a plain C struct.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `pid` is our own child, not yet reaped (std's `Child` is never waited on
        // here); `status` and `usage` are valid for writes.
        let reaped = unsafe { libc::wait4(pid, &raw mut status, libc::WNOHANG, &raw mut usage) };
        assert!(reaped >= 0, "wait4: {}", std::io::Error::last_os_error());
        if reaped == pid {
            let maxrss = u64::try_from(usage.ru_maxrss).unwrap_or(0);
            break (status, hwm_kib.unwrap_or(maxrss));
        }
        if let Some(hwm) = vm_hwm_kib(pid) {
            hwm_kib = Some(hwm_kib.unwrap_or(0).max(hwm));
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?}: still running after {deadline:?} (a hang)");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let output = Output {
        status: std::process::ExitStatus::from_raw(status),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    (output, peak_kib)
}

/// `VmHWM` of a live process, in KiB.
fn vm_hwm_kib(pid: libc::pid_t) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The temporary files of unfinished writes (`*gridreel-part*`) left in `dir`.
pub fn part_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("gridreel-part"))
        .collect()
}

/// A 440 Hz sine tone of `secs` seconds written by the ffmpeg tool (amplitude 1/8, so
/// RMS ≈ 0.088).
pub fn tone(path: &Path, secs: f64) {
    let ok = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("sine=frequency=440:duration={secs}"))
        .arg(path)
        .status()
        .expect("ffmpeg")
        .success();
    assert!(ok);
}

/// `gridreel render --images PHOTOS -o OUT` and `args`.
pub fn render_to(photos: &Path, out: &Path, args: &[&str]) -> Output {
    let mut all = vec![
        "render",
        "--images",
        photos.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    gridreel(&all)
}

/// 96x72 picture, red top half, blue bottom half, stored turned 90° counter-clockwise
/// with EXIF orientation 6 (display: rotate 90° clockwise).
pub fn write_rotated_jpeg(path: &Path) {
    let upright = RgbImage::from_fn(96, 72, |_, y| {
        if y < 36 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    });
    let stored = image::imageops::rotate270(&upright);
    // Minimal little-endian TIFF header with one IFD entry: Orientation (0x0112) = 6.
    let exif: Vec<u8> = vec![
        b'I', b'I', 42, 0, 8, 0, 0, 0, // header, IFD at 8
        1, 0, // one entry
        0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, // tag, SHORT, count 1, value 6
        0, 0, 0, 0, // no next IFD
    ];
    let file = std::fs::File::create(path).unwrap();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(file, 92);
    encoder.set_exif_metadata(exif).unwrap();
    encoder
        .write_image(
            stored.as_raw(),
            stored.width(),
            stored.height(),
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
}

/// A PNG whose header declares 60000x60000 pixels (a decompression bomb).
pub fn write_bomb_png(path: &Path) {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&60_000u32.to_be_bytes());
    ihdr.extend_from_slice(&60_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    for chunk in [&b"IDAT\x78\x9c\x03\x00\x00\x00\x00\x01"[..], &b"IEND"[..]] {
        png.extend_from_slice(&((chunk.len() - 4) as u32).to_be_bytes());
        png.extend_from_slice(chunk);
        png.extend_from_slice(&crc32(chunk).to_be_bytes());
    }
    std::fs::write(path, png).unwrap();
}

/// A good JPEG photo of `w × h`.
pub fn write_photo(path: &Path, seed: u64, w: u32, h: u32) {
    gridreel::photos::synth::synth_photo(seed, w, h)
        .save(path)
        .unwrap();
}

/// A folder with every kind of photo people have, plus four bad files.
/// Returns the names of the bad files.
pub fn mixed_folder(dir: &Path) -> Vec<&'static str> {
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e != "sh") {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    write_rotated_jpeg(&dir.join("rotated-exif6.jpg"));
    write_photo(&dir.join("写真-東京.jpg"), 7, 320, 240);
    write_photo(&dir.join("large.jpg"), 8, 2400, 1800);
    let good = std::fs::read(dir.join("large.jpg")).unwrap();
    std::fs::write(dir.join("truncated.jpg"), &good[..good.len() / 3]).unwrap();
    std::fs::write(dir.join("empty.jpg"), b"").unwrap();
    std::fs::write(
        dir.join("notes-named.jpg"),
        b"just some text, not a photo\n",
    )
    .unwrap();
    write_bomb_png(&dir.join("bomb.png"));
    vec!["bomb.png", "empty.jpg", "notes-named.jpg", "truncated.jpg"]
}

/// ffprobe's `key=value` lines for `stream` entries of stream `select` (`v:0`, `a:0`) and
/// the format's `format_name`, counting frames.
pub fn ffprobe(path: &Path, select: &str, stream: &str) -> String {
    let entries = format!("stream={stream}:format=format_name");
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", select, "-count_frames"])
        .args([
            "-show_entries",
            &entries,
            "-of",
            "default=noprint_wrappers=1",
        ])
        .arg(path)
        .output()
        .expect("ffprobe (install ffmpeg)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// ffprobe's view of the first video stream.
pub fn probe(path: &Path) -> String {
    ffprobe(
        path,
        "v:0",
        "codec_name,pix_fmt,width,height,nb_read_frames,color_space,color_transfer,color_primaries",
    )
}

/// What `ffmpeg -v error -i INPUT ARGS…` writes to its standard output (`-` as the output).
pub fn ffmpeg_output(input: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(input)
        .args(args)
        .output()
        .expect("ffmpeg");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Decodes frame `index` of a video to RGB24 with the BT.709 matrix its tags declare.
pub fn decode_frame_rgb(path: &Path, index: u64) -> Vec<u8> {
    ffmpeg_output(
        path,
        &[
            "-vf",
            &format!(
                "select=eq(n\\,{index}),scale=in_color_matrix=bt709:in_range=tv:out_range=pc:flags=bicubic+accurate_rnd+full_chroma_int"
            ),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
    )
}

/// PSNR in dB between RGB24 and RGBA8 pixels of the same size.
pub fn psnr_rgb_vs_rgba(rgb: &[u8], rgba: &[u8]) -> f64 {
    assert_eq!(rgb.len() / 3, rgba.len() / 4, "frame sizes differ");
    let mut sum = 0f64;
    for (p, q) in rgb.chunks_exact(3).zip(rgba.chunks_exact(4)) {
        for c in 0..3 {
            let d = f64::from(p[c]) - f64::from(q[c]);
            sum += d * d;
        }
    }
    let mse = sum / (rgb.len() as f64);
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}
