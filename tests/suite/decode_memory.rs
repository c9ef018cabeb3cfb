//! A decoder's working memory counts against the budget: libjpeg-turbo keeps a progressive
//! JPEG's whole coefficient array (2 bytes a sample, at full size even when it scales the
//! output down), C allocations no Rust allocator sees. The peak RSS of `gridreel render`
//! children (each measured alone, `wait4`) shows that photos whose decode would hold more than
//! 384 MiB are refused before decoding, and that those that fit are decoded one at a time
//! under a small budget instead of side by side.

use std::path::Path;
use std::process::Command;

use crate::common;

const BUDGET: &str = "256MB";
const BUDGET_KIB: u64 = 256_000;

/// `tests/fixtures/large/NAME.gz`, a Pillow-made progressive JPEG of one flat colour,
/// unpacked to `dir/copy-N.jpg` `copies` times.
fn unpack(name: &str, dir: &Path, copies: usize) {
    let packed = common::fixtures().join("large").join(format!("{name}.gz"));
    let out = Command::new("gzip")
        .arg("-dc")
        .arg(&packed)
        .output()
        .expect("gzip");
    assert!(out.status.success(), "gzip -dc {}", packed.display());
    for n in 0..copies {
        std::fs::write(dir.join(format!("{name}-copy-{n}.jpg")), &out.stdout).unwrap();
    }
}

/// Three ordinary photos, and `gridreel render` of `dir` under the budget: the exit code,
/// standard error and peak RSS in KiB.
fn render_peak(dir: &Path, out: &Path) -> (Option<i32>, String, u64) {
    render_peak_with(dir, out, &["--memory-budget", BUDGET])
}

/// [`render_peak`] with other options (no budget given: the default).
fn render_peak_with(dir: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, String, u64) {
    for seed in 0..3 {
        common::write_photo(&dir.join(format!("ordinary-{seed}.jpg")), seed, 1600, 1200);
    }
    let mut command = Command::new(env!("CARGO_BIN_EXE_gridreel"));
    command
        .args(["render", "--images"])
        .arg(dir)
        .arg("-o")
        .arg(out)
        .args(["--duration", "1", "--fps", "10"])
        .args(extra)
        // Four decode threads whatever the machine's cores, so decodes that ought to wait
        // for each other would run side by side here too.
        .env("RAYON_NUM_THREADS", "4");
    let (output, peak_kib) = common::run_measured(&mut command, common::CHILD_DEADLINE);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr, peak_kib)
}

#[test]
fn progressive_jpegs_count_their_coefficients_against_the_budget() {
    let work = tempfile::tempdir().unwrap();
    let (ordinary, huge, fitting) = (
        work.path().join("ordinary"),
        work.path().join("huge"),
        work.path().join("fitting"),
    );
    for dir in [&ordinary, &huge, &fitting] {
        std::fs::create_dir(dir).unwrap();
    }
    // 192 MP, 4:2:0: 550 MiB of coefficients, over the 384 MiB a decode may hold.
    unpack("progressive-16000x12000.jpg", &huge, 4);
    // 48 MP: 137 MiB each, under 384 MiB but over the 32 MiB decode share of a 256 MB budget.
    unpack("progressive-8000x6000.jpg", &fitting, 4);

    let (code, stderr, base_kib) = render_peak(&ordinary, &work.path().join("ordinary.mp4"));
    assert_eq!(code, Some(0), "{stderr}");
    let (code, stderr, huge_kib) = render_peak(&huge, &work.path().join("huge.mp4"));
    assert_eq!(code, Some(0), "{stderr}");
    let huge_stderr = stderr;
    let (code, stderr, fitting_kib) = render_peak(&fitting, &work.path().join("fitting.mp4"));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        !stderr.lines().any(|l| l.starts_with("skipped:")),
        "the 48 MP ones decode:\n{stderr}"
    );

    eprintln!(
        "peak RSS under --memory-budget {BUDGET}: 3 ordinary photos {} MB; with four 192 MP \
         progressive JPEGs {} MB; with four 48 MP ones {} MB",
        base_kib / 1000,
        huge_kib / 1000,
        fitting_kib / 1000
    );
    // Within the budget plus the fixed cost of an ordinary run. Before the coefficients were
    // counted, the 192 MP ones took 1,280 MB.
    assert!(
        huge_kib <= base_kib + BUDGET_KIB,
        "four 192 MP progressive JPEGs peaked at {} MB: over the ordinary run's {} MB plus \
         the {BUDGET} budget",
        huge_kib / 1000,
        base_kib / 1000
    );
    // Each 48 MP decode holds more than the budget's decode share, so they run one at a time:
    // at most one decode's coefficients (8000×6000 at 1.5 samples a pixel, 2 bytes each)
    // above the ordinary run. Decoded side by side (their permits without the coefficients)
    // they peaked at 420 MB here.
    let one_decode_kib = 8000 * 6000 * 3 / 2 * 2 / 1024;
    assert!(
        fitting_kib <= base_kib + one_decode_kib,
        "four 48 MP progressive JPEGs peaked at {} MB: more than one decode ({} MB) over the \
         ordinary run's {} MB, so they did not wait for each other",
        fitting_kib / 1000,
        one_decode_kib / 1000,
        base_kib / 1000
    );
    let refused = huge_stderr
        .lines()
        .filter(|l| l.contains("skipped: too large") && l.contains("working memory"))
        .count();
    assert_eq!(
        refused, 4,
        "each 192 MP progressive JPEG refused:\n{huge_stderr}"
    );
}

/// A 200 MP phone photo (a 16320×12240 HEIC, 8-bit 4:2:0) imports under the default budget,
/// and its decode holds the codec's planes (1.5 bytes a pixel, 300 MB; twice, as libde265's
/// picture and libheif's copy, with libde265's records of the picture), never the photo as
/// full-size RGB: averaged down from the planes to its tile. Before, it was refused (600 MB
/// of RGB, over the 384 MiB limit); decoded through RGB and copied it would hold 1.5 GB.
#[test]
fn a_200_megapixel_heic_imports_holding_only_its_planes() {
    let work = tempfile::tempdir().unwrap();
    let (ordinary, big) = (work.path().join("ordinary"), work.path().join("big"));
    for dir in [&ordinary, &big] {
        std::fs::create_dir(dir).unwrap();
    }
    let fixture = common::fixtures().join("large/quad-16320x12240.heic");
    std::fs::copy(&fixture, big.join("phone-200mp.heic")).unwrap();
    let (code, stderr, base_kib) = render_peak_with(&ordinary, &work.path().join("o.mp4"), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, stderr, big_kib) = render_peak_with(&big, &work.path().join("b.mp4"), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        !stderr.lines().any(|l| l.starts_with("skipped:")),
        "the 200 MP HEIC imports:\n{stderr}"
    );
    eprintln!(
        "peak RSS, default budget: 3 ordinary photos {} MB; with a 200 MP HEIC {} MB",
        base_kib / 1000,
        big_kib / 1000
    );
    // The decode's estimate (`Header::working_bytes`): the planes twice and 1.25 bytes a pixel.
    let estimate_kib = 16_320 * 12_240 / 4 * (4 * 3 + 5) / 1024;
    let slack_kib = 100_000;
    assert!(
        big_kib <= base_kib + estimate_kib + slack_kib,
        "the 200 MP HEIC peaked at {} MB: more than its decode's estimate ({} MB) and {} MB \
         over the ordinary run's {} MB",
        big_kib / 1000,
        estimate_kib / 1000,
        slack_kib / 1000,
        base_kib / 1000
    );
}
