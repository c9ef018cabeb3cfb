//! Damaged photos, presets, crop centres and music are refused, never crash, hang or outgrow
//! the decode limit: a seeded mutation fuzzer flips, sets, cuts, inserts, deletes and
//! duplicates the bytes of every photo fixture (video clips included), of a baseline JPEG and an 8-bit RGBA PNG made
//! here, of the shipped presets, a hand-written one and one with crop centres, and of music
//! (WAV, AAC, Opus), and feeds each mutant to the code that reads it:
//!
//! - photos: the header probe (`photos::probe`), then `decode_tile` with a random tile and
//!   crop centre; what the probe refuses the decode must refuse too;
//! - presets: `load_preset` (the crop centres are part of a preset);
//! - music: the waveform's whole decode (`music::waveform::compute`, FFmpeg).
//!
//! The cases run in child processes, the test binary started again (`fuzz_child`), so C code
//! (libjpeg-turbo, FFmpeg) is measured and a crash in it is named: each case reports its time,
//! the growth of the process's peak resident set (`VmHWM`, reset before each case through
//! `/proc/self/clear_refs`: C allocations included) and the most live Rust heap it asked for.
//! A case fails when it panics (a panic `decode_tile` catches itself counts too), kills its
//! process (named, and the next case starts a new child), runs longer than
//! `GRIDREEL_FUZZ_CASE_SECS` (default 10 s: it is killed), or grows the RSS or the heap by more
//! than `MAX_PHOTO_ALLOC_BYTES` plus 64 MiB.
//!
//! `GRIDREEL_FUZZ_CASES` sets the cases per input (default 300), `GRIDREEL_FUZZ_SEED` the seed
//! (decimal or `0x` hex), `GRIDREEL_FUZZ_REPORT=FILE` writes one line per case (input, index,
//! outcome, microseconds, RSS growth in KiB, heap peak in bytes). A case depends only on the
//! seed, its input and its index, so a failure reported as `seed 0x…, photo.bmp #123` comes
//! back with that seed and `GRIDREEL_FUZZ_CASES=124`.
//!
//! Its own test binary: the counting `#[global_allocator]` sees every thread of the process.

// Test set-up panics on failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// A global allocator is unsafe by nature; this one only forwards to `System` and counts.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader, Cursor, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{RecvTimeoutError, sync_channel};
use std::time::{Duration, Instant};

use gridreel::photos::{MAX_PHOTO_ALLOC_BYTES, PhotoError, TileSpec, decode_tile, probe};
use gridreel::settings::{Aspect, Color, CropAnchor, Focus, load_preset};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

/// Cases per input unless `GRIDREEL_FUZZ_CASES` says otherwise.
const DEFAULT_CASES_PER_INPUT: usize = 300;
/// The seed unless `GRIDREEL_FUZZ_SEED` says otherwise ("gridreel" in ASCII).
const DEFAULT_SEED: u64 = 0x6772_6964_7265_656C;
/// The most one case may add to the peak RSS or to the live heap: one decode's limit, and
/// room for the tile, the file and the decoder's tables.
const CASE_LIMIT_BYTES: u64 = MAX_PHOTO_ALLOC_BYTES + (64 << 20);
/// How long one case may run unless `GRIDREEL_FUZZ_CASE_SECS` says otherwise: every input is
/// a few KiB, decoded in milliseconds.
const DEFAULT_CASE_SECS: u64 = 10;
/// How long a child may take to start and write its first line.
const START_TIMEOUT: Duration = Duration::from_mins(1);
/// The environment variable that makes `fuzz_child` run cases: `DIR INPUT TARGET FIRST END`.
const CHILD_ENV: &str = "GRIDREEL_FUZZ_CHILD";

// ---------------------------------------------------------------------------------------
// Counting allocator: live and peak heap bytes, process-wide.

struct PeakCounting;

/// Bytes live on the heap now, over all threads.
static LIVE: AtomicUsize = AtomicUsize::new(0);
/// The most bytes live at once since [`measured`] last reset it.
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// An allocation counts from the moment it is asked for, so one the system refuses still
/// shows how much a decoder wanted.
fn grow(size: usize) {
    let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

fn shrink(size: usize) {
    LIVE.fetch_sub(size, Ordering::Relaxed);
}

// SAFETY: forwards every call to the system allocator unchanged; it only counts.
unsafe impl GlobalAlloc for PeakCounting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        // SAFETY: same contract as our caller's.
        let ptr = unsafe { System.alloc(layout) };
        if ptr.is_null() {
            shrink(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        // SAFETY: same contract as our caller's.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if ptr.is_null() {
            shrink(layout.size());
        }
        ptr
    }

    /// Old and new block both count until the move is done, as both may be live.
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        grow(new_size);
        // SAFETY: same contract as our caller's.
        let moved = unsafe { System.realloc(ptr, layout, new_size) };
        shrink(if moved.is_null() {
            new_size
        } else {
            layout.size()
        });
        moved
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrink(layout.size());
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: PeakCounting = PeakCounting;

// ---------------------------------------------------------------------------------------
// Deterministic randomness.

/// splitmix64: a tiny generator, plenty for picking mutations.
struct Rng(u64);

impl Rng {
    /// The generator of one case: a function of the seed, the input's name and the index.
    fn for_case(seed: u64, input: &str, index: usize) -> Self {
        // FNV-1a: a hash of the name that stays the same across Rust versions.
        let name = input.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
        });
        let mut rng = Self(seed ^ name);
        let mixed = rng.next() ^ index as u64;
        Self(mixed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// One of `items`.
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

// ---------------------------------------------------------------------------------------
// Mutations.

#[derive(Clone, Copy, Debug)]
enum Mutation {
    /// Flip single bits.
    FlipBits,
    /// Overwrite single bytes.
    SetBytes,
    /// Cut the file short.
    Truncate,
    /// Insert a run of bytes.
    InsertRun,
    /// Delete a run of bytes.
    DeleteRun,
    /// Overwrite a few bytes where sizes are declared with an extreme value.
    HeaderEdit,
    /// Copy a chunk, once or a few times, somewhere else.
    DuplicateChunk,
}

const MUTATIONS: [Mutation; 7] = [
    Mutation::FlipBits,
    Mutation::SetBytes,
    Mutation::Truncate,
    Mutation::InsertRun,
    Mutation::DeleteRun,
    Mutation::HeaderEdit,
    Mutation::DuplicateChunk,
];

/// Byte values that sit on edges: zero, all ones, the sign bit.
const EDGE_BYTES: [u8; 6] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE];

/// Applies one to four random mutations to `bytes`.
fn mutate(bytes: &mut Vec<u8>, rng: &mut Rng) {
    for _ in 0..=rng.below(4) {
        let mutation = rng.pick(&MUTATIONS);
        apply(mutation, bytes, rng);
    }
}

fn apply(mutation: Mutation, bytes: &mut Vec<u8>, rng: &mut Rng) {
    let len = bytes.len();
    if len == 0 && !matches!(mutation, Mutation::InsertRun) {
        return;
    }
    match mutation {
        Mutation::FlipBits => {
            for _ in 0..=rng.below(8) {
                let at = rng.below(len);
                bytes[at] ^= 1 << rng.below(8);
            }
        }
        Mutation::SetBytes => {
            for _ in 0..=rng.below(8) {
                let at = rng.below(len);
                bytes[at] = if rng.below(2) == 0 {
                    rng.pick(&EDGE_BYTES)
                } else {
                    rng.byte()
                };
            }
        }
        Mutation::Truncate => bytes.truncate(rng.below(len)),
        Mutation::InsertRun => {
            let at = rng.below(len + 1);
            let run_len = 1 + rng.below(64);
            let run: Vec<u8> = if rng.below(2) == 0 {
                vec![rng.pick(&EDGE_BYTES); run_len]
            } else {
                (0..run_len).map(|_| rng.byte()).collect()
            };
            bytes.splice(at..at, run);
        }
        Mutation::DeleteRun => {
            let at = rng.below(len);
            let run_len = 1 + rng.below((len - at).min(64));
            bytes.drain(at..at + run_len);
        }
        Mutation::HeaderEdit => {
            let zone = if rng.below(2) == 0 {
                0
            } else {
                size_zone(bytes)
            };
            let at = (zone + rng.below(64)).min(len - 1);
            let value = rng.pick(&EDGE_BYTES);
            let width = 1 + rng.below(4);
            bytes[at..len.min(at + width)].fill(value);
        }
        Mutation::DuplicateChunk => {
            let from = rng.below(len);
            let chunk_len = 1 + rng.below((len - from).min(256));
            let chunk = bytes[from..from + chunk_len].repeat(1 + rng.below(4));
            let at = rng.below(len + 1);
            bytes.splice(at..at, chunk);
        }
    }
}

/// Where the image size is declared: the start for PNG, GIF, BMP, TIFF and WebP (their
/// headers sit in the first 64 bytes), the frame header (SOF0–SOF2) for JPEG.
fn size_zone(bytes: &[u8]) -> usize {
    bytes
        .windows(2)
        .position(|w| w[0] == 0xFF && (0xC0..=0xC2).contains(&w[1]))
        .unwrap_or(0)
}

/// A crop centre, as the editor stores one (x and y from 0 to 1), half of the time; edges
/// and corners often.
fn focus(rng: &mut Rng) -> Option<Focus> {
    fn coordinate(rng: &mut Rng) -> f64 {
        match rng.below(4) {
            0 => 0.0,
            1 => 1.0,
            _ => rng.below(1001) as f64 / 1000.0,
        }
    }
    if rng.below(2) == 0 {
        return None;
    }
    let x = coordinate(rng);
    Some(Focus {
        x,
        y: coordinate(rng),
    })
}

/// A small tile of a random size, aspect, anchor, crop centre and background.
fn tile_spec(rng: &mut Rng) -> TileSpec {
    let aspect = rng.pick(&[
        Aspect::new(4.0, 3.0),
        Aspect::new(3.0, 4.0),
        Aspect::new(1.0, 1.0),
        Aspect::new(16.0, 9.0),
        Aspect::new(2.35, 1.0),
    ]);
    let height_px = 4 + rng.below(45) as u32;
    TileSpec {
        width_px: ((f64::from(height_px) * aspect.ratio()).round() as u32).max(1),
        height_px,
        aspect,
        anchor: rng.pick(&CropAnchor::ALL),
        focus: focus(rng),
        background: Color::rgb(rng.byte(), rng.byte(), rng.byte()),
    }
}

// ---------------------------------------------------------------------------------------
// Inputs and what reads them.

/// The code a case runs. Add a reader here (and its inputs in [`inputs`]) to fuzz it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// `probe`, then `decode_tile`.
    Photo,
    /// `load_preset`.
    Preset,
    /// The waveform's decode of the whole track.
    Music,
}

impl Target {
    const ALL: [Target; 3] = [Target::Photo, Target::Preset, Target::Music];

    fn name(self) -> &'static str {
        match self {
            Target::Photo => "photo",
            Target::Preset => "preset",
            Target::Music => "music",
        }
    }

    fn from_name(name: &str) -> Self {
        *Self::ALL.iter().find(|t| t.name() == name).unwrap()
    }
}

struct Input {
    name: String,
    bytes: Vec<u8>,
    target: Target,
}

/// Photo fixtures in `tests/fixtures`, one per format and layout; a new decoder adds its
/// fixture's name here.
const FIXTURES: &[&str] = &[
    "cmyk.jpg",
    "gray.jpg",
    "progressive.jpg",
    "palette.png",
    "rgba16.png",
    "photo.bmp",
    "photo.gif",
    "photo.tiff",
    "photo.webp",
    "phone/photo.heic",
    "phone/alpha.heic",
    "phone/grid.avif",
    "phone/photo.jxl",
    "clips/h264.mp4",
    "clips/hevc10.mov",
    "clips/vp9.webm",
    "clips/av1.mkv",
    "clips/portrait.mov",
    "clips/motion-photo.jpg",
];

const PRESETS: [(&str, &str); 5] = [
    (
        "hd-landscape.ron",
        include_str!("../presets/hd-landscape.ron"),
    ),
    ("uhd-4k.ron", include_str!("../presets/uhd-4k.ron")),
    (
        "vertical-9x16.ron",
        include_str!("../presets/vertical-9x16.ron"),
    ),
    (
        "hand-written.ron",
        r#"// Every kind of value: options, a nested struct, colours, sizes and shares.
(
    rows: 2,
    cols: 3,
    gap_h_px: 2,
    aspect: "1:1",
    crop: top,
    background: "black",
    first_photo: Some(1),
    last_photo: Some(6),
    frame: "640x360",
    memory_budget: "25%",
    video: (quality_crf: 23, x264_preset: "medium"),
)
"#,
    ),
    (
        "crop-centres.ron",
        r#"// Photos with their own crop centres.
(
    rows: 2,
    focus: {
        "a.jpg": (x: 0.0, y: 1.0),
        "sub/b.png": (x: 0.25, y: 0.75),
        "写真.jpg": (x: 0.5, y: 0.5),
    },
)
"#,
    ),
];

fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, format).unwrap();
    bytes.into_inner()
}

/// A 0.3 s 440 Hz tone, 8 kHz mono 16-bit PCM, as a WAV file.
fn wav_tone() -> Vec<u8> {
    let samples: Vec<i16> = (0..2400)
        .map(|i| ((f64::from(i) * 440.0 * std::f64::consts::TAU / 8000.0).sin() * 8000.0) as i16)
        .collect();
    let data_len = u32::try_from(samples.len() * 2).unwrap();
    let mut wav = b"RIFF".to_vec();
    wav.extend((36 + data_len).to_le_bytes());
    wav.extend(b"WAVEfmt ");
    wav.extend(16u32.to_le_bytes());
    wav.extend(1u16.to_le_bytes()); // PCM
    wav.extend(1u16.to_le_bytes()); // mono
    wav.extend(8000u32.to_le_bytes());
    wav.extend(16_000u32.to_le_bytes());
    wav.extend(2u16.to_le_bytes());
    wav.extend(16u16.to_le_bytes());
    wav.extend(b"data");
    wav.extend(data_len.to_le_bytes());
    wav.extend(samples.iter().flat_map(|s| s.to_le_bytes()));
    wav
}

/// `wav` encoded by the ffmpeg tool with `args` to a file of extension `ext`.
fn ffmpeg_encoded(wav: &[u8], args: &[&str], ext: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (
        dir.path().join("in.wav"),
        dir.path().join(format!("out.{ext}")),
    );
    std::fs::write(&input, wav).unwrap();
    let ok = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(&input)
        .args(args)
        .arg(&output)
        .status()
        .expect("ffmpeg (install ffmpeg)")
        .success();
    assert!(ok, "ffmpeg {args:?}");
    std::fs::read(output).unwrap()
}

fn inputs() -> Vec<Input> {
    let input = |name: &str, bytes, target| Input {
        name: name.to_owned(),
        bytes,
        target,
    };
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut inputs: Vec<Input> = FIXTURES
        .iter()
        .map(|path| {
            // Named by the file alone: the phone formats sit in `fixtures/phone/`, the clips
            // (MP4, MOV, WebM, MKV: decoded by FFmpeg) in `fixtures/clips/`.
            let name = path.rsplit('/').next().unwrap_or(path);
            let bytes = std::fs::read(fixtures.join(path)).unwrap();
            input(name, bytes, Target::Photo)
        })
        .collect();
    let rgb = RgbImage::from_fn(96, 72, |x, y| {
        Rgb([
            (x * 255 / 95) as u8,
            (y * 255 / 71) as u8,
            ((x ^ y) * 8) as u8,
        ])
    });
    let rgba = RgbaImage::from_fn(64, 48, |x, y| {
        Rgba([(x * 4) as u8, 200, (y * 5) as u8, ((x + y) * 2) as u8])
    });
    inputs.push(input(
        "generated-baseline.jpg",
        encoded(&DynamicImage::ImageRgb8(rgb), ImageFormat::Jpeg),
        Target::Photo,
    ));
    inputs.push(input(
        "generated-rgba8.png",
        encoded(&DynamicImage::ImageRgba8(rgba), ImageFormat::Png),
        Target::Photo,
    ));
    inputs.extend(
        PRESETS
            .iter()
            .map(|(name, text)| input(name, text.as_bytes().to_vec(), Target::Preset)),
    );
    let wav = wav_tone();
    let aac = ffmpeg_encoded(&wav, &["-c:a", "aac", "-b:a", "32k"], "m4a");
    let opus = ffmpeg_encoded(&wav, &["-c:a", "libopus", "-b:a", "16k"], "ogg");
    inputs.push(input("tone.m4a", aac, Target::Music));
    inputs.push(input("tone.ogg", opus, Target::Music));
    inputs.push(input("tone.wav", wav, Target::Music));
    inputs
}

// ---------------------------------------------------------------------------------------
// One case, in the child.

/// How a case ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// A tile, valid settings, or a waveform.
    Decoded,
    /// An ordinary error.
    Refused,
    /// A decoder panicked and `decode_tile` caught it: still a decoder bug.
    DecoderPanicked(String),
    /// A panic reached the test.
    Panicked(String),
    /// The probe refused a photo the decode then accepted.
    ProbeDisagrees(String),
}

impl Outcome {
    fn failure(&self) -> Option<String> {
        match self {
            Outcome::Decoded | Outcome::Refused => None,
            Outcome::DecoderPanicked(m) => Some(format!("decoder panic, caught: {m}")),
            Outcome::Panicked(m) => Some(format!("panic: {m}")),
            Outcome::ProbeDisagrees(m) => {
                Some(format!("the probe refused it ({m}), the decode did not"))
            }
        }
    }

    fn word(&self) -> &'static str {
        match self {
            Outcome::Decoded => "decoded",
            Outcome::Refused => "refused",
            Outcome::DecoderPanicked(_) => "decoder-panic",
            Outcome::Panicked(_) => "panic",
            Outcome::ProbeDisagrees(_) => "probe-disagrees",
        }
    }
}

/// Reads `path` as `target`: the code under test.
fn check(target: Target, path: &Path, spec: &TileSpec) -> Outcome {
    match target {
        Target::Photo => {
            play_through(path, spec);
            let probed = probe(path);
            match (decode_tile(path, spec), probed) {
                (Err(PhotoError::DecoderPanicked(message)), _) => Outcome::DecoderPanicked(message),
                (Ok(_), Err(refused)) => Outcome::ProbeDisagrees(refused.to_string()),
                (Ok(_), Ok(())) => Outcome::Decoded,
                (Err(_), _) => Outcome::Refused,
            }
        }
        Target::Preset => match load_preset(path) {
            Ok(_) => Outcome::Decoded,
            Err(_) => Outcome::Refused,
        },
        Target::Music => {
            match gridreel::music::waveform::compute(path, 0.0, 1.0, &AtomicBool::new(false)) {
                Ok(_) => Outcome::Decoded,
                Err(_) => Outcome::Refused,
            }
        }
    }
}

/// A clip (or a motion photo's video) played as its cell would play it: three seconds at 10 fps, each frame made into a
/// tile, then back to the start (a loop). Errors are fine; a panic is not.
fn play_through(path: &Path, spec: &TileSpec) {
    // A clip, or an Android motion photo's appended video.
    let offset = if gridreel::photos::is_clip(path) {
        0
    } else if let Some(start) = gridreel::photos::motion_photo_start(path) {
        start
    } else {
        return;
    };
    let Ok(mut reader) = gridreel::photos::ClipReader::open_at(path, offset) else {
        return;
    };
    for step in (0..30).chain([0]) {
        if reader.advance_to(f64::from(step) * 0.1).is_err() {
            return;
        }
        let _ = reader.tile(spec);
        let _ = reader.take_cut_short();
    }
}

/// The process's resident set and its peak since the last reset, in KiB (Linux).
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets the peak resident set to the current one (`/proc/self/clear_refs`, Linux 4.0+).
fn reset_peak_rss() {
    std::fs::write("/proc/self/clear_refs", "5")
        .expect("reset VmHWM through /proc/self/clear_refs");
}

/// What one case did: its outcome, microseconds, RSS growth in KiB, heap peak in bytes.
struct Measured {
    outcome: Outcome,
    micros: u64,
    rss_kib: u64,
    heap_bytes: u64,
}

fn run_case(input: &Input, seed: u64, index: usize, dir: &Path) -> Measured {
    let mut rng = Rng::for_case(seed, &input.name, index);
    let mut bytes = input.bytes.clone();
    mutate(&mut bytes, &mut rng);
    let spec = tile_spec(&mut rng);
    let path = dir.join(format!("case-{}", input.name));
    std::fs::write(&path, &bytes).unwrap();
    reset_peak_rss();
    let (rss_before, _) = rss_kib();
    let started = Instant::now();
    let (outcome, heap_bytes) =
        measured(|| catch_unwind(AssertUnwindSafe(|| check(input.target, &path, &spec))));
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let (_, peak) = rss_kib();
    let outcome =
        outcome.unwrap_or_else(|panic| Outcome::Panicked(gridreel::panic_message(panic.as_ref())));
    Measured {
        outcome,
        micros,
        rss_kib: peak.saturating_sub(rss_before),
        heap_bytes: heap_bytes as u64,
    }
}

/// Runs `f` and returns what it returned and the most heap bytes it held at once.
fn measured<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let result = f();
    (result, PEAK.load(Ordering::Relaxed).saturating_sub(before))
}

/// The child's side: runs the cases `DIR INPUT TARGET FIRST END` names, one line before and
/// one after each (`start INDEX`; `done INDEX OUTCOME MICROS RSS_KIB HEAP_BYTES MESSAGE`).
/// Started by the parent test only; run by `cargo test`, without the variable, it does nothing.
#[test]
fn fuzz_child() {
    let Ok(job) = std::env::var(CHILD_ENV) else {
        return;
    };
    let words: Vec<&str> = job.split('\t').collect();
    let [dir, name, target, first, end] = words[..] else {
        panic!("{CHILD_ENV}={job}: expected DIR INPUT TARGET FIRST END");
    };
    let dir = Path::new(dir);
    let input = Input {
        name: name.to_owned(),
        bytes: std::fs::read(dir.join(format!("input-{name}"))).unwrap(),
        target: Target::from_name(target),
    };
    let seed = env_number("GRIDREEL_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    // The cases decode under a memory budget of 384 MiB, as a render given that budget does:
    // one decode may hold no more (HEIC and AVIF may otherwise hold up to the machine's
    // default budget), so a case growing by more than the limit below is a bug.
    let _budget = gridreel::photos::gate::serve(MAX_PHOTO_ALLOC_BYTES / 8, MAX_PHOTO_ALLOC_BYTES);
    // A panic message of our own goes to the parent in the `done` line, not to stderr.
    std::panic::set_hook(Box::new(|_| {}));
    let mut out = std::io::stdout().lock();
    for index in first.parse::<usize>().unwrap()..end.parse::<usize>().unwrap() {
        writeln!(out, "fuzz-case start {index}").unwrap();
        out.flush().unwrap();
        let m = run_case(&input, seed, index, dir);
        let message = m.outcome.failure().unwrap_or_default().replace('\n', " ");
        writeln!(
            out,
            "fuzz-case done {index} {} {} {} {} {message}",
            m.outcome.word(),
            m.micros,
            m.rss_kib,
            m.heap_bytes
        )
        .unwrap();
        out.flush().unwrap();
    }
}

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    let text = text.trim();
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={text} is not a number")))
}

// ---------------------------------------------------------------------------------------
// The parent: children, deadlines, crashes, the report.

/// One finished case, as the parent saw it.
struct CaseReport {
    input: usize,
    index: usize,
    outcome: String,
    micros: u64,
    rss_kib: u64,
    heap_bytes: u64,
    failure: Option<String>,
}

/// Runs cases `first..end` of `input` in children until all have a report: a case that
/// hangs is killed after `case_timeout`, a case that kills its child is named, and a new
/// child goes on from the next case.
fn run_input(
    input_number: usize,
    input: &Input,
    cases: usize,
    dir: &Path,
    case_timeout: Duration,
) -> Vec<CaseReport> {
    let mut reports = Vec::with_capacity(cases);
    let mut next = 0;
    while next < cases {
        let stderr_path = dir.join(format!("stderr-{}", input.name));
        let job = format!(
            "{}\t{}\t{}\t{next}\t{cases}",
            dir.display(),
            input.name,
            input.target.name()
        );
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "fuzz_child",
                "--exact",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(CHILD_ENV, job)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .unwrap();
        let (lines_tx, lines) = sync_channel::<String>(64);
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::Builder::new()
            .name("fuzz-child-stdout".into())
            .spawn(move || {
                // libtest writes `test fuzz_child ... ` without a newline before the first.
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if let Some(at) = line.find("fuzz-case ")
                        && lines_tx.send(line[at..].to_owned()).is_err()
                    {
                        break;
                    }
                }
            })
            .unwrap();
        let mut running: Option<(usize, Instant)> = None;
        let ended = loop {
            let timeout = running.map_or(START_TIMEOUT, |_| case_timeout);
            match lines.recv_timeout(timeout) {
                Ok(line) => {
                    let words: Vec<&str> = line.splitn(8, ' ').collect();
                    let index: usize = words[2].parse().unwrap();
                    if words[1] == "start" {
                        running = Some((index, Instant::now()));
                        continue;
                    }
                    running = None;
                    let number = |i: usize| words[i].parse::<u64>().unwrap();
                    let message = words.get(7).copied().unwrap_or_default();
                    reports.push(CaseReport {
                        input: input_number,
                        index,
                        outcome: words[3].to_owned(),
                        micros: number(4),
                        rss_kib: number(5),
                        heap_bytes: number(6),
                        failure: (!message.is_empty()).then(|| message.to_owned()),
                    });
                    next = index + 1;
                }
                Err(RecvTimeoutError::Timeout) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break running.map(|(index, started)| {
                        (
                            index,
                            format!(
                                "hang: still running after {:.1} s, killed",
                                started.elapsed().as_secs_f64()
                            ),
                        )
                    });
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = child.wait().unwrap();
                    if !status.success() || running.is_some() {
                        let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
                        let tail: Vec<&str> = tail.into_iter().rev().collect();
                        break running.map(|(index, _)| {
                            (
                                index,
                                format!(
                                    "crash: the process ended ({status}); stderr: {}",
                                    tail.join(" | ")
                                ),
                            )
                        });
                    }
                    break None;
                }
            }
        };
        reader.join().unwrap();
        match ended {
            Some((index, failure)) => {
                reports.push(CaseReport {
                    input: input_number,
                    index,
                    outcome: if failure.starts_with("hang") {
                        "hang"
                    } else {
                        "crash"
                    }
                    .to_owned(),
                    micros: 0,
                    rss_kib: 0,
                    heap_bytes: 0,
                    failure: Some(failure),
                });
                next = index + 1;
            }
            None => assert!(
                next >= cases,
                "fuzz child for {} ended before case {next} without starting it; see {}",
                input.name,
                stderr_path.display()
            ),
        }
    }
    reports
}

#[test]
fn mutated_photos_presets_and_music_are_refused_without_crashes_hangs_or_huge_memory() {
    let cases_per_input = env_number("GRIDREEL_FUZZ_CASES")
        .map_or(DEFAULT_CASES_PER_INPUT, |n| usize::try_from(n).unwrap());
    let seed = env_number("GRIDREEL_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let case_timeout =
        Duration::from_secs(env_number("GRIDREEL_FUZZ_CASE_SECS").unwrap_or(DEFAULT_CASE_SECS));
    let inputs = inputs();
    let dir = tempfile::tempdir().unwrap();

    // The unmutated inputs must be accepted, or the fuzzer would only explore error paths.
    let plain_spec = tile_spec(&mut Rng(seed));
    for input in &inputs {
        let path = dir.path().join(format!("input-{}", input.name));
        std::fs::write(&path, &input.bytes).unwrap();
        let plain = dir.path().join(format!("plain-{}", input.name));
        std::fs::write(&plain, &input.bytes).unwrap();
        let outcome = check(input.target, &plain, &plain_spec);
        assert_eq!(outcome, Outcome::Decoded, "{} unmutated", input.name);
    }

    let started = Instant::now();
    let done = AtomicUsize::new(0);
    let reports: Vec<CaseReport> = inputs
        .iter()
        .enumerate()
        .flat_map(|(i, input)| {
            let reports = run_input(i, input, cases_per_input, dir.path(), case_timeout);
            done.fetch_add(reports.len(), Ordering::Relaxed);
            reports
        })
        .collect();
    let wall = started.elapsed();

    let name = |r: &CaseReport| format!("seed {seed:#x}, {} #{}", inputs[r.input].name, r.index);
    let mut failures = Vec::new();
    let count = |word: &str| reports.iter().filter(|r| r.outcome == word).count();
    let (decoded, refused) = (count("decoded"), count("refused"));
    for r in &reports {
        if let Some(failure) = &r.failure {
            failures.push(format!("{}: {failure}", name(r)));
        }
        for (what, bytes) in [("peak RSS", r.rss_kib * 1024), ("live heap", r.heap_bytes)] {
            if bytes > CASE_LIMIT_BYTES {
                failures.push(format!(
                    "{}: grew the {what} by {} MiB; the limit is {} MiB",
                    name(r),
                    bytes >> 20,
                    CASE_LIMIT_BYTES >> 20
                ));
            }
        }
    }
    if let Some(path) = std::env::var_os("GRIDREEL_FUZZ_REPORT") {
        let lines: Vec<String> = reports
            .iter()
            .map(|r| {
                format!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    inputs[r.input].name, r.index, r.outcome, r.micros, r.rss_kib, r.heap_bytes
                )
            })
            .collect();
        std::fs::write(path, lines.join("\n") + "\n").unwrap();
    }
    let slowest = reports.iter().max_by_key(|r| r.micros).unwrap();
    let largest = reports.iter().max_by_key(|r| r.rss_kib).unwrap();
    let total = reports.len();
    println!(
        "fuzz: {total} cases ({cases_per_input} per input, {} inputs), seed {seed:#x}, in {:.0} s: \
         {decoded} decoded, {refused} refused with an error, {} failed; slowest case {:.1} ms \
         ({}), largest peak-RSS growth {:.1} MiB ({})",
        inputs.len(),
        wall.as_secs_f64(),
        failures.len(),
        slowest.micros as f64 / 1000.0,
        name(slowest),
        largest.rss_kib as f64 / 1024.0,
        name(largest),
    );
    assert_eq!(done.load(Ordering::Relaxed), total);
    assert!(
        failures.is_empty(),
        "{} of {total} fuzz cases failed (rerun with GRIDREEL_FUZZ_SEED and \
         GRIDREEL_FUZZ_CASES above the case index):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
