//! Damaged photos and presets are refused, never crash, hang or outgrow the decode limit: a
//! seeded mutation fuzzer flips, sets, cuts, inserts, deletes and duplicates the bytes of
//! every photo fixture, of a baseline JPEG and an 8-bit RGBA PNG made here, and of the
//! shipped presets and a hand-written one, and feeds each mutant to `decode_tile` or
//! `load_preset`. Every case must return `Ok` or an ordinary `Err` — any panic fails, even
//! one `decode_tile` catches itself (`PhotoError::DecoderPanicked`: a decoder bug) — finish
//! within a wall-clock limit, and keep its peak live heap below three times
//! `MAX_PHOTO_ALLOC_BYTES` (the decoded photo plus an RGBA copy, with room to spare).
//!
//! `GRIDREEL_FUZZ_CASES` sets the cases per input (default 300: 4500 cases),
//! `GRIDREEL_FUZZ_SEED` the seed (decimal or `0x` hex). A case depends only on the seed, its
//! input and its index, so a failure reported as `seed 0x…, photo.bmp #123` comes back with
//! that seed and `GRIDREEL_FUZZ_CASES=124`. `GRIDREEL_FUZZ_TRACE=1` names each case on stderr
//! before it runs, for what no test can catch (a stack overflow aborts the process).
//!
//! Its own test binary, not a module of `tests/suite`: the counting `#[global_allocator]`
//! sees every thread of the process, so another test running beside it would count against
//! the heap limit (and a binary has only one global allocator).

// Test set-up panics on failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// A global allocator is unsafe by nature; this one only forwards to `System` and counts.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{RecvTimeoutError, sync_channel};
use std::time::Duration;

use gridreel::photos::{MAX_PHOTO_ALLOC_BYTES, PhotoError, TileSpec, decode_tile};
use gridreel::settings::{Aspect, Color, CropAnchor, load_preset};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

/// Cases per input unless `GRIDREEL_FUZZ_CASES` says otherwise.
const DEFAULT_CASES_PER_INPUT: usize = 300;
/// The seed unless `GRIDREEL_FUZZ_SEED` says otherwise ("gridreel" in ASCII).
const DEFAULT_SEED: u64 = 0x6772_6964_7265_656C;
/// The most live heap one case may add.
const ALLOC_LIMIT_BYTES: usize = (MAX_PHOTO_ALLOC_BYTES * 3) as usize;
/// Cases the worker runs between reports to the test thread.
const BATCH: usize = 20;
/// How long one batch may take: a case that needs more is taken to hang. Every input is at
/// most a few KiB, so even the slowest decoder in a debug build needs a small fraction.
const BATCH_TIMEOUT: Duration = Duration::from_mins(2);

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

/// Runs `f` and returns what it returned and the most heap bytes it held at once.
fn measured<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let result = f();
    (result, PEAK.load(Ordering::Relaxed).saturating_sub(before))
}

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

/// A small tile of a random size, aspect, anchor and background.
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
        focus: None,
        background: Color::rgb(rng.byte(), rng.byte(), rng.byte()),
    }
}

// ---------------------------------------------------------------------------------------
// Inputs and cases.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Photo,
    Preset,
}

struct Input {
    name: String,
    bytes: Vec<u8>,
    target: Target,
}

const FIXTURES: [&str; 13] = [
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
];

const PRESETS: [(&str, &str); 4] = [
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
];

fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, format).unwrap();
    bytes.into_inner()
}

fn inputs() -> Vec<Input> {
    let photo = |name: &str, bytes| Input {
        name: name.to_owned(),
        bytes,
        target: Target::Photo,
    };
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut inputs: Vec<Input> = FIXTURES
        .iter()
        .map(|path| {
            // Named by the file alone: the phone formats sit in `fixtures/phone/`.
            let name = path.rsplit('/').next().unwrap_or(path);
            photo(name, std::fs::read(fixtures.join(path)).unwrap())
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
    inputs.push(photo(
        "generated-baseline.jpg",
        encoded(&DynamicImage::ImageRgb8(rgb), ImageFormat::Jpeg),
    ));
    inputs.push(photo(
        "generated-rgba8.png",
        encoded(&DynamicImage::ImageRgba8(rgba), ImageFormat::Png),
    ));
    inputs.extend(PRESETS.iter().map(|(name, text)| Input {
        name: (*name).to_owned(),
        bytes: text.as_bytes().to_vec(),
        target: Target::Preset,
    }));
    inputs
}

/// How a case ended.
#[derive(Debug)]
enum Outcome {
    /// A tile, or valid settings.
    Decoded,
    /// An ordinary error.
    Refused,
    /// `decode_tile` caught a panic in a decoder.
    DecoderPanicked(String),
    /// A panic reached the test.
    Panicked(String),
}

struct CaseResult {
    /// Which input and which case: `input * cases_per_input + index`.
    number: usize,
    outcome: Outcome,
    peak_bytes: usize,
}

/// Reads `path` as `target`: the code under test.
fn check(target: Target, path: &Path, spec: &TileSpec) -> Outcome {
    match target {
        Target::Photo => match decode_tile(path, spec) {
            Ok(_) => Outcome::Decoded,
            Err(PhotoError::DecoderPanicked(message)) => Outcome::DecoderPanicked(message),
            Err(_) => Outcome::Refused,
        },
        Target::Preset => match load_preset(path) {
            Ok(_) => Outcome::Decoded,
            Err(_) => Outcome::Refused,
        },
    }
}

/// The file a case is written to: named like its input, so the decoder sees a usual name.
fn case_path(dir: &Path, input: &Input) -> std::path::PathBuf {
    dir.join(format!("case-{}", input.name))
}

fn run_case(input: &Input, seed: u64, index: usize, dir: &Path) -> (Outcome, usize) {
    let mut rng = Rng::for_case(seed, &input.name, index);
    let mut bytes = input.bytes.clone();
    mutate(&mut bytes, &mut rng);
    let spec = tile_spec(&mut rng);
    let path = case_path(dir, input);
    std::fs::write(&path, &bytes).unwrap();
    let (outcome, peak_bytes) =
        measured(|| catch_unwind(AssertUnwindSafe(|| check(input.target, &path, &spec))));
    let outcome =
        outcome.unwrap_or_else(|panic| Outcome::Panicked(gridreel::panic_message(panic.as_ref())));
    (outcome, peak_bytes)
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

#[test]
fn mutated_photos_and_presets_are_refused_without_panics_hangs_or_huge_allocations() {
    let cases_per_input = env_number("GRIDREEL_FUZZ_CASES")
        .map_or(DEFAULT_CASES_PER_INPUT, |n| usize::try_from(n).unwrap());
    let seed = env_number("GRIDREEL_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let trace = std::env::var_os("GRIDREEL_FUZZ_TRACE").is_some();
    let inputs = inputs();
    let names: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
    let total = inputs.len() * cases_per_input;
    let dir = tempfile::tempdir().unwrap();

    // The unmutated inputs must be accepted, or the fuzzer would only explore error paths.
    let plain_spec = tile_spec(&mut Rng(seed));
    for input in &inputs {
        let path = case_path(dir.path(), input);
        std::fs::write(&path, &input.bytes).unwrap();
        let outcome = check(input.target, &path, &plain_spec);
        assert!(
            matches!(outcome, Outcome::Decoded),
            "{} unmutated: {outcome:?}",
            input.name
        );
    }

    // The cases run one at a time on a worker, so the heap measurement is theirs alone; this
    // thread only watches the clock.
    let running = Arc::new(AtomicUsize::new(0));
    let (report, reports) = sync_channel::<Vec<CaseResult>>(1);
    let worker = {
        let running = Arc::clone(&running);
        std::thread::Builder::new()
            .name("fuzz-worker".into())
            .spawn(move || {
                let mut batch = Vec::with_capacity(BATCH);
                for (i, input) in inputs.iter().enumerate() {
                    for index in 0..cases_per_input {
                        let number = i * cases_per_input + index;
                        running.store(number, Ordering::Relaxed);
                        if trace {
                            eprintln!("fuzz: case {} #{index}", input.name);
                        }
                        let (outcome, peak_bytes) = run_case(input, seed, index, dir.path());
                        batch.push(CaseResult {
                            number,
                            outcome,
                            peak_bytes,
                        });
                        if batch.len() == BATCH || number + 1 == total {
                            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                            report.send(full).unwrap();
                        }
                    }
                }
            })
            .unwrap()
    };
    let describe = |number: usize| {
        let (input, index) = (number / cases_per_input, number % cases_per_input);
        format!("seed {seed:#x}, {} #{index}", names[input])
    };

    let mut results = Vec::with_capacity(total);
    while results.len() < total {
        match reports.recv_timeout(BATCH_TIMEOUT) {
            Ok(batch) => results.extend(batch),
            Err(RecvTimeoutError::Timeout) => panic!(
                "hang: {} did not finish; {BATCH} cases may take at most {BATCH_TIMEOUT:?}",
                describe(running.load(Ordering::Relaxed))
            ),
            // The worker died outside a case (writing a file): show why.
            Err(RecvTimeoutError::Disconnected) => {
                std::panic::resume_unwind(worker.join().unwrap_err())
            }
        }
    }
    worker.join().unwrap();

    let mut failures = Vec::new();
    let (mut decoded, mut refused, mut panics) = (0, 0, 0);
    for result in &results {
        let case = describe(result.number);
        match &result.outcome {
            Outcome::Decoded => decoded += 1,
            Outcome::Refused => refused += 1,
            Outcome::DecoderPanicked(message) => {
                panics += 1;
                failures.push(format!(
                    "{case}: decoder panic, caught by decode_tile: {message}"
                ));
            }
            Outcome::Panicked(message) => {
                panics += 1;
                failures.push(format!("{case}: panic: {message}"));
            }
        }
        if result.peak_bytes >= ALLOC_LIMIT_BYTES {
            failures.push(format!(
                "{case}: held {} MiB of heap at once; the limit is {} MiB",
                result.peak_bytes >> 20,
                ALLOC_LIMIT_BYTES >> 20
            ));
        }
    }
    println!(
        "fuzz: {total} cases ({cases_per_input} per input), seed {seed:#x}: {decoded} decoded, \
         {refused} refused with an error, {panics} panics"
    );
    assert!(
        failures.is_empty(),
        "{} of {total} fuzz cases failed (rerun with GRIDREEL_FUZZ_SEED and \
         GRIDREEL_FUZZ_CASES above the case index):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
