//! Phone-format rows: HEIC import against `vipsthumbnail` on the same files, import with
//! colour management against without it on photos that carry an Adobe RGB profile, and the
//! peak RSS of a `gridreel render` of one 200 MP HEIC under the default memory budget. The
//! photos are made in the work folder (with `heif-enc`, Debian: libheif-examples) and kept.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::options::BenchOptions;
use super::table::{BenchResult, Row};
use super::timing::{RATIO_PAIRS, median_pair};
use crate::photos;
use crate::render::Gpu;

/// The phone-format rows; a row that cannot be measured here says why.
pub(super) fn rows(gpu: &Gpu, exe: &Path, dir: &Path, options: &BenchOptions) -> Vec<Row> {
    let heic = heic_set(dir, &options.work);
    let import = heic.as_ref().map_or_else(
        |e| Row::not_measured("HEIC import ÷ vipsthumbnail", e),
        |heic| {
            super::import::import_vs_vips_row(gpu, heic, &options.work, RATIO_PAIRS, "HEICs")
                .unwrap_or_else(|e| Row::not_measured("HEIC import ÷ vipsthumbnail", &e))
        },
    );
    vec![
        import,
        managed_row(gpu, dir, &options.work)
            .unwrap_or_else(|e| Row::not_measured("import with ICC conversion", &e)),
        big_heic_row(exe, options)
            .unwrap_or_else(|e| Row::not_measured("peak RSS, one 200 MP HEIC", &e)),
    ]
}

/// Runs `heif-enc` on `input` into `output` unless that exists.
fn heif_enc(input: &Path, output: &Path) -> BenchResult<()> {
    if output.exists() {
        return Ok(());
    }
    let partial = output.with_extension("partial.heic");
    let run = Command::new("heif-enc")
        .args(["-q", "80", "-o"])
        .arg(&partial)
        .arg(input)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run heif-enc ({e}); Debian: libheif-examples"))?;
    if !run.status.success() {
        return Err(format!(
            "heif-enc failed on {}: {}",
            input.display(),
            String::from_utf8_lossy(&run.stderr).trim()
        ));
    }
    std::fs::rename(&partial, output).map_err(|e| e.to_string())
}

/// The first 12 JPEGs of `dir` as HEICs (what an iPhone folder holds), made once.
fn heic_set(dir: &Path, work: &Path) -> BenchResult<PathBuf> {
    let scan = photos::scan_folder(dir, false).map_err(|e| e.to_string())?;
    let out = work.join("heic-12");
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {} ({e})", out.display()))?;
    let jpegs = scan.photos.iter().filter(|p| {
        p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg"))
    });
    let mut made = 0;
    for (i, jpeg) in jpegs.take(12).enumerate() {
        heif_enc(jpeg, &out.join(format!("photo-{:02}.heic", i + 1)))?;
        made += 1;
    }
    if made == 0 {
        return Err(format!("no JPEGs in {} to make HEICs from", dir.display()));
    }
    Ok(out)
}

/// Where an Adobe RGB (1998) profile is found on Debian (ghostscript, colord-data).
const ADOBE_PROFILES: [&str; 2] = [
    "/usr/share/color/icc/ghostscript/a98.icc",
    "/usr/share/color/icc/colord/AdobeRGB1998.icc",
];

/// The bench's photos re-encoded with an Adobe RGB profile embedded (the numbers unchanged:
/// only the time to convert matters here), made once.
fn tagged_set(dir: &Path, work: &Path) -> BenchResult<PathBuf> {
    use image::ImageEncoder;
    let profile = ADOBE_PROFILES
        .iter()
        .find_map(|p| std::fs::read(p).ok())
        .ok_or("no Adobe RGB profile found (Debian: ghostscript or colord-data)")?;
    let scan = photos::scan_folder(dir, false).map_err(|e| e.to_string())?;
    let out = work.join("adobe-rgb");
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {} ({e})", out.display()))?;
    for (i, path) in scan.photos.iter().take(12).enumerate() {
        let target = out.join(format!("adobe-{:02}.jpg", i + 1));
        if target.exists() {
            continue;
        }
        let image = image::open(path)
            .map_err(|e| format!("cannot read {} ({e})", path.display()))?
            .to_rgb8();
        let mut bytes = Vec::new();
        let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85);
        encoder
            .set_icc_profile(profile.clone())
            .map_err(|e| e.to_string())?;
        encoder
            .write_image(
                &image,
                image.width(),
                image.height(),
                image::ExtendedColorType::Rgb8,
            )
            .map_err(|e| e.to_string())?;
        crate::files::atomic::write_atomic(&target, &bytes, false).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// Import of photos carrying an Adobe RGB profile with the conversion to sRGB against
/// without it, pairs back to back; the median ratio.
fn managed_row(gpu: &Gpu, dir: &Path, work: &Path) -> BenchResult<Row> {
    let tagged = tagged_set(dir, work)?;
    let mut pairs = Vec::with_capacity(RATIO_PAIRS);
    let mut count = 0;
    for _ in 0..RATIO_PAIRS {
        photos::set_colour_management(true);
        let (n, managed) = super::import::import_once(gpu, &tagged)?;
        photos::set_colour_management(false);
        let plain = super::import::import_once(gpu, &tagged).map(|(_, s)| s);
        photos::set_colour_management(true);
        let plain = plain?;
        eprintln!("import with ICC {managed:.2} s, without {plain:.2} s");
        count = n;
        pairs.push((managed / plain.max(1e-9), managed, plain));
    }
    let ((ratio, managed, plain), all) = median_pair(&mut pairs);
    Ok(Row {
        what: format!(
            "import with ICC conversion ÷ without: {count} Adobe RGB JPEGs; median of {RATIO_PAIRS} pairs"
        ),
        value: format!(
            "{ratio:.2} ({managed:.2} s vs {plain:.2} s; all: {})",
            all.join(", ")
        ),
        target: "-",
    })
}

/// A 16320×12240 (200 MP) HEIC, made once from a generated photo.
fn big_heic(work: &Path) -> BenchResult<PathBuf> {
    let dir = work.join("heic-200mp");
    let heic = dir.join("200mp.heic");
    if heic.exists() {
        return Ok(dir);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {} ({e})", dir.display()))?;
    eprintln!("making a 200 MP HEIC in {} (a minute) ...", dir.display());
    let source = work.join("200mp-source.jpg");
    if !source.exists() {
        let image = photos::synth::synth_photo(200, 16_320, 12_240);
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
            .encode_image(&image)
            .map_err(|e| e.to_string())?;
        drop(image);
        crate::files::atomic::write_atomic(&source, &bytes, false).map_err(|e| e.to_string())?;
    }
    heif_enc(&source, &heic)?;
    Ok(dir)
}

/// The peak RSS of `gridreel render` of one 200 MP HEIC under the default budget (the render
/// fails, and the row says why, if the photo is skipped: it is the only one).
fn big_heic_row(exe: &Path, options: &BenchOptions) -> BenchResult<Row> {
    let dir = big_heic(&options.work)?;
    let (peak, secs, _) =
        super::memory::child_peak_rss(exe, &dir, &options.work, &["--duration", "2"], options)?;
    let budget = crate::settings::MemoryBudget::Auto.bytes(crate::monitor::total_ram_bytes());
    Ok(Row {
        what: format!(
            "peak RSS, 2 s render of one 16320×12240 (200 MP) HEIC, default budget ({} MB)",
            budget >> 20
        ),
        value: format!("{peak:.0} MB ({secs:.1} s)"),
        target: "imports; within the budget",
    })
}
