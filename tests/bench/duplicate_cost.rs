//! What `--skip-duplicates` costs per photo, and how far apart its hashes are for copies and
//! for different photos: `cargo run --example duplicate_cost -- [FOLDER]` (default
//! `target/real-photos`, the twelve photographs of `tests/bench/real-photos.sh`).
//!
//! Cost: one photo at a time on one thread, each photo's picture hash (a 9×8 decode of its
//! middle, as `find_duplicates` makes it) against the editor's thumbnail and the default
//! export tile of the same photo; five rounds, the median round. Distances: every pair of
//! different photos, and each photo against copies of itself made here (re-saved as JPEG
//! quality 60, with noise of ±12 levels, moved by 1 % and 2 % of its width).

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gridreel::engine::{THUMB_HEIGHT_PX, tile_spec};
use gridreel::photos::{decode_tile, distance_bits, picture_hash, scan_folder};
use gridreel::settings::Settings;

type Res<T> = Result<T, Box<dyn Error>>;

fn main() -> Res<()> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/real-photos"), PathBuf::from);
    let photos = scan_folder(&dir, false)?.photos;
    if photos.is_empty() {
        return Err(format!("no photos in {}", dir.display()).into());
    }
    cost(&photos)?;
    distances(&photos)
}

/// The median of five rounds of `f` over every photo, per photo.
fn per_photo(photos: &[PathBuf], f: impl Fn(&Path) -> Res<()>) -> Res<Duration> {
    let count = u32::try_from(photos.len())?;
    let mut rounds = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        for p in photos {
            f(p)?;
        }
        rounds.push(start.elapsed() / count);
    }
    rounds.sort();
    Ok(rounds[2])
}

fn cost(photos: &[PathBuf]) -> Res<()> {
    let tile = tile_spec(&Settings::default());
    let thumb = tile.thumbnail(THUMB_HEIGHT_PX);
    let hash = per_photo(photos, |p| Ok(picture_hash(p).map(drop)?))?;
    let thumb_time = per_photo(photos, |p| Ok(decode_tile(p, &thumb).map(drop)?))?;
    let tile_time = per_photo(photos, |p| Ok(decode_tile(p, &tile).map(drop)?))?;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{} photos, one thread, median of 5 rounds, per photo: picture hash {:.1} ms, \
         thumbnail ({}x{}) {:.1} ms, default tile ({}x{}) {:.1} ms; hash / thumbnail {:.2}, \
         hash / tile {:.2}",
        photos.len(),
        ms(hash),
        thumb.width_px,
        thumb.height_px,
        ms(thumb_time),
        tile.width_px,
        tile.height_px,
        ms(tile_time),
        hash.as_secs_f64() / thumb_time.as_secs_f64(),
        hash.as_secs_f64() / tile_time.as_secs_f64(),
    );
    Ok(())
}

fn distances(photos: &[PathBuf]) -> Res<()> {
    let hashes = photos
        .iter()
        .map(|p| picture_hash(p))
        .collect::<Result<Vec<u64>, _>>()?;
    let mut different = Vec::new();
    for (i, a) in hashes.iter().enumerate() {
        for b in &hashes[i + 1..] {
            different.push(distance_bits(*a, *b));
        }
    }
    different.sort_unstable();
    let work = std::env::temp_dir().join(format!("duplicate-cost-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let mut copies: Vec<(&str, u32)> = Vec::new();
    for (photo, hash) in photos.iter().zip(&hashes) {
        for (what, copy) in variants(photo, &work)? {
            copies.push((what, distance_bits(*hash, picture_hash(&copy)?)));
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    for what in ["re-saved", "noise", "moved 1 %", "moved 2 %"] {
        let of: Vec<u32> = copies
            .iter()
            .filter(|(w, _)| *w == what)
            .map(|(_, d)| *d)
            .collect();
        let most = of.iter().max().copied().unwrap_or_default();
        println!("copies {what}: distance at most {most} bits (all: {of:?})");
    }
    println!(
        "different photos ({} pairs): distance at least {} bits (smallest five: {:?})",
        different.len(),
        different.first().copied().unwrap_or_default(),
        &different[..5.min(different.len())]
    );
    Ok(())
}

/// Copies of `photo` (upright, at most 1600 px wide) written into `work`.
fn variants(photo: &Path, work: &Path) -> Res<Vec<(&'static str, PathBuf)>> {
    let mut decoder = image::ImageReader::open(photo)?
        .with_guessed_format()?
        .into_decoder()?;
    let orientation = image::ImageDecoder::orientation(&mut decoder)?;
    let mut image = image::DynamicImage::from_decoder(decoder)?;
    image.apply_orientation(orientation);
    let image = image
        .resize(1600, 1600, image::imageops::FilterType::Triangle)
        .to_rgb8();
    let stem = photo
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let save = |what: &'static str, picture: &image::RgbImage, quality: u8| -> Res<_> {
        let path = work.join(format!("{stem}-{}.jpg", what.replace([' ', '%'], "")));
        let file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        image::codecs::jpeg::JpegEncoder::new_with_quality(file, quality).encode_image(picture)?;
        Ok((what, path))
    };
    let mut noisy = image.clone();
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    for value in noisy.iter_mut() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let delta = (state % 25) as i32 - 12;
        *value = (i32::from(*value) + delta).clamp(0, 255) as u8;
    }
    let moved = |percent: u32| {
        let dx = image.width() * percent / 100;
        image::imageops::crop_imm(&image, dx, 0, image.width() - dx, image.height()).to_image()
    };
    Ok(vec![
        save("re-saved", &image, 60)?,
        save("noise", &noisy, 90)?,
        save("moved 1 %", &moved(1), 90)?,
        save("moved 2 %", &moved(2), 90)?,
    ])
}
