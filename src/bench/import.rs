//! Import rows: photos per second from JPEG files to GPU-resident tiles, for the bench's 36
//! photos and the large set, and our import against libvips' `vipsthumbnail`.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use super::options::BenchOptions;
use super::table::{BenchResult, Row};
use super::timing::{RATIO_PAIRS, median_pair};
use crate::engine;
use crate::layout::Layout;
use crate::photos;
use crate::render::{FRAME_FORMAT, Gpu, GridRenderer};
use crate::settings::Settings;

/// The import rows of `dir` (the bench's photos) and, when the options ask for it, of the
/// large set, generated in the work folder; returns that folder too.
pub(super) fn rows(
    gpu: &Gpu,
    dir: &Path,
    options: &BenchOptions,
) -> BenchResult<(Vec<Row>, Option<PathBuf>)> {
    let mut rows = vec![import_row(gpu, dir, "import")?];
    rows.push(
        import_vs_vips_row(gpu, dir, &options.work, RATIO_PAIRS, "JPEGs")
            .unwrap_or_else(|e| Row::not_measured("import ÷ vipsthumbnail", &e)),
    );
    if options.large == 0 {
        return Ok((rows, None));
    }
    let large = ensure_photos(
        &options.work.join(format!("photos-{}", options.large)),
        options.large,
    )?;
    rows.push(import_row(gpu, &large, "import")?);
    Ok((rows, Some(large)))
}

/// Generates `count` photos of 8–15 MP into `dir` unless it already holds them.
pub(super) fn ensure_photos(dir: &Path, count: u32) -> BenchResult<PathBuf> {
    use rayon::prelude::*;
    // 8, 12 and 15 megapixels; every fifth photo portrait.
    const SIZES: [(u32, u32); 3] = [(3456, 2304), (4000, 3000), (4480, 3360)];
    let have = photos::scan_folder(dir, false).map_or(0, |s| s.photos.len());
    if have >= count as usize {
        return Ok(dir.to_owned());
    }
    eprintln!(
        "generating {count} photos of 8-15 MP in {} ...",
        dir.display()
    );
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {} ({e})", dir.display()))?;
    (0..count).into_par_iter().try_for_each(|i| {
        let (w, h) = SIZES[i as usize % SIZES.len()];
        let (w, h) = if i % 5 == 4 { (h, w) } else { (w, h) };
        let image = photos::synth::synth_photo(u64::from(i) + 1, w, h);
        let path = dir.join(format!("photo-{:04}.jpg", i + 1));
        let file = std::fs::File::create(&path)
            .map_err(|e| format!("cannot write {} ({e})", path.display()))?;
        image::codecs::jpeg::JpegEncoder::new_with_quality(std::io::BufWriter::new(file), 85)
            .encode_image(&image)
            .map_err(|e| format!("cannot encode {} ({e})", path.display()))
    })?;
    Ok(dir.to_owned())
}

/// Decodes every photo of `dir` to 1080p tiles and uploads them; photos per second.
fn import_row(gpu: &Gpu, dir: &Path, what: &str) -> BenchResult<Row> {
    let (count, secs) = import_once(gpu, dir)?;
    eprintln!("{what}: {count} photos in {secs:.2} s");
    let rate = count as f64 / secs.max(1e-9);
    Ok(Row {
        what: format!("{what}: {count} JPEGs (8-15 MP) to GPU tiles"),
        value: format!("{rate:.1} photos/s ({secs:.2} s)"),
        target: "-",
    })
}

/// The settings the import rows use: the default tile, enough columns for every photo.
fn import_settings(count: usize) -> Settings {
    Settings {
        cols: u32::try_from(count.div_ceil(6)).unwrap_or(u32::MAX),
        ..Settings::default()
    }
}

/// One import of every photo of `dir` to GPU tiles: (tiles made, seconds).
pub(super) fn import_once(gpu: &Gpu, dir: &Path) -> BenchResult<(usize, f64)> {
    let scan = photos::scan_folder(dir, false).map_err(|e| e.to_string())?;
    let settings = import_settings(scan.photos.len());
    let started = Instant::now();
    let renderer = prepared_renderer(gpu, dir, &settings)?;
    gpu.device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| e.to_string())?;
    Ok((
        renderer.layer_count() as usize,
        started.elapsed().as_secs_f64(),
    ))
}

/// Our import against libvips' `vipsthumbnail` making the same tiles (shrink on load, centre
/// crop) from the same files on all cores, one process per core, into its own uncompressed
/// format so that no encoder is timed. Pairs back to back; the median ratio. `files` names
/// what the folder holds, for the row.
pub(super) fn import_vs_vips_row(
    gpu: &Gpu,
    dir: &Path,
    work: &Path,
    pair_count: usize,
    kind: &str,
) -> BenchResult<Row> {
    let scan = photos::scan_folder(dir, false).map_err(|e| e.to_string())?;
    let files = &scan.photos;
    let spec = engine::tile_spec(&import_settings(files.len()));
    let size = format!("{}x{}", spec.width_px, spec.height_px);
    let out_dir = work.join("vipsthumbnail-out");
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {} ({e})", out_dir.display()))?;
    let output = out_dir.join("%s.v");
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let vips = || -> BenchResult<f64> {
        let started = Instant::now();
        let children = files
            .chunks(files.len().div_ceil(cores).max(1))
            .map(|chunk| {
                std::process::Command::new("vipsthumbnail")
                    .args(["--size", &size, "--smartcrop", "centre", "-o"])
                    .arg(&output)
                    .args(chunk)
                    .stdin(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .map_err(|e| format!("cannot run vipsthumbnail ({e}); Debian: libvips-tools"))
            })
            .collect::<BenchResult<Vec<_>>>()?;
        for child in children {
            let out = child.wait_with_output().map_err(|e| e.to_string())?;
            if !out.status.success() {
                return Err(format!(
                    "vipsthumbnail failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
        Ok(started.elapsed().as_secs_f64())
    };
    let mut pairs = Vec::with_capacity(pair_count);
    for _ in 0..pair_count {
        let (_, ours) = import_once(gpu, dir)?;
        let theirs = vips()?;
        eprintln!("import {ours:.2} s, vipsthumbnail {theirs:.2} s");
        pairs.push((ours / theirs.max(1e-9), ours, theirs));
    }
    let _ = std::fs::remove_dir_all(&out_dir);
    let ((ratio, ours, theirs), all) = median_pair(&mut pairs);
    Ok(Row {
        what: format!(
            "import ÷ vipsthumbnail: {} {kind} to {size} tiles, {cores} cores; median of {pair_count} pairs",
            files.len()
        ),
        value: format!(
            "{ratio:.2} ({ours:.2} s vs {theirs:.2} s; all: {})",
            all.join(", ")
        ),
        target: "≤ 1",
    })
}

/// Loads the photos the grid shows the way `gridreel render` does (all resident: the bench
/// layouts fit the default budget); returns the renderer.
pub(super) fn prepared_renderer(
    gpu: &Gpu,
    dir: &Path,
    settings: &Settings,
) -> BenchResult<GridRenderer> {
    let scan = photos::scan_folder(dir, false).map_err(|e| e.to_string())?;
    let layout = Layout::new(settings);
    let needed =
        &scan.photos[..crate::layout::photos_shown(layout.cell_count(), scan.photos.len())];
    let mut renderer = GridRenderer::new(&gpu.device, FRAME_FORMAT);
    let request = engine::TileRequest {
        settings,
        budget: crate::monitor::budget_bytes(settings),
        paths: needed,
        thumbs: None,
        start_at_once: false,
        captions: crate::overlay::captions_for(&settings.captions, needed)
            .map_err(|e| e.to_string())?
            .0,
        clips_play: false,
    };
    let tiles = engine::export_tiles(
        &gpu.device,
        &gpu.queue,
        &mut renderer,
        request,
        &AtomicBool::new(false),
        &|_| {},
    )
    .map_err(|e| e.to_string())?;
    if tiles.streamer.is_some() {
        return Err("the bench layout does not fit the memory budget".into());
    }
    Ok(renderer)
}
