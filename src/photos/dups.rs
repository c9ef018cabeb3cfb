//! Near-duplicates (`--skip-duplicates`): bursts, and the same photo twice. A photo is dropped
//! when its picture is within [`MAX_DISTANCE_BITS`] of an earlier photo's and it was taken
//! within [`WINDOW_SECS`] of that photo. "Earlier" is in time (EXIF `DateTimeOriginal`, else
//! the file's time, as `--sort date` reads it), ties in name order, so which photo survives
//! does not depend on the order the photos are shown in. A burst of any length keeps its
//! first photo: each shot is compared with the shots before it in the window, dropped ones
//! included, and names the photo that stays.
//!
//! The picture is a 64-bit difference hash (dHash) of the photo's middle: the photo decoded
//! through the import's own path (the decode gate, its budget and `catch_unwind`; a JPEG
//! scaled in the DCT) to a 9×8 tile of its centre, and one bit per pair of neighbouring
//! pixels in a row: whether the left one is brighter. Only photos that have another photo
//! within the window are decoded for it; a folder without bursts costs no decode at all.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::{TilePixels, TileSpec, load_tiles};
use crate::settings::{Aspect, Color, CropAnchor};

/// Bits of the 64 that may differ for two photos to be the same picture. Measured on the
/// twelve photographs of `tests/bench/real-photos.sh` (`cargo run --example duplicate_cost`,
/// docs/PERFORMANCE.md): each photo re-saved, with noise, or moved by 1 % or 2 % of its width
/// differs from itself by at most 9 bits; any two of the twelve by at least 20. 10 sits just
/// above the copies and well below different photos: a different photo dropped is worse than
/// a repeat kept, and the time window already keeps far-apart photos.
pub const MAX_DISTANCE_BITS: u32 = 10;

/// Seconds apart two photos may have been taken and still be one burst or a repeat. EXIF
/// times are whole seconds, so shots up to 2 s apart read at most 3 s apart; a phone's or a
/// camera's burst is several shots a second. A shot taken again a little later (another pose,
/// another framing) is a photo the user meant to keep: longer windows would start to drop it.
pub const WINDOW_SECS: i64 = 3;

/// The tile the hash is read from: the photo's centre, 9×8 pixels.
const HASH_TILE: TileSpec = TileSpec {
    width_px: 9,
    height_px: 8,
    aspect: Aspect::new(9.0, 8.0),
    anchor: CropAnchor::Center,
    focus: None,
    background: Color::rgb(0, 0, 0),
};

/// A photo left out as a repeat of another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duplicate {
    /// The photo dropped.
    pub path: PathBuf,
    /// The photo that stays, which it repeats.
    pub of: PathBuf,
    /// Seconds after `of` it was taken.
    pub after_secs: i64,
}

impl std::fmt::Display for Duplicate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The kept photo by its name where both are in one folder.
        let of = if self.of.parent() == self.path.parent() {
            self.of.file_name().map_or(self.of.as_path(), Path::new)
        } else {
            self.of.as_path()
        };
        write!(
            f,
            "dropped: a near-duplicate of {} (taken {} s after it): {}",
            of.display(),
            self.after_secs,
            self.path.display()
        )
    }
}

/// The difference hash of the photo at `path`, decoded as [`find_duplicates`] decodes it.
///
/// # Errors
/// Why the photo cannot be decoded.
pub fn picture_hash(path: &Path) -> Result<u64, super::PhotoError> {
    super::decode_tile(path, &HASH_TILE).map(|tile| dhash(&tile))
}

/// The photos of `paths` that repeat another of them, each naming the one that stays, in
/// the order of `paths`. `cancel` stops the hashing early: a photo not hashed then is kept.
#[must_use]
pub fn find_duplicates(paths: &[PathBuf], cancel: &AtomicBool) -> Vec<Duplicate> {
    let times: Vec<Option<i64>> = {
        use rayon::prelude::*;
        paths
            .par_iter()
            .map(|p| super::taken(p).map(|t| t.unix_secs))
            .collect()
    };
    let order = time_order(paths, &times);
    let wanted = in_some_window(&order, &times);
    let to_hash: Vec<PathBuf> = wanted.iter().map(|&i| paths[i].clone()).collect();
    let loaded = load_tiles(&to_hash, &HASH_TILE, 0, cancel, &|_| {});
    let index: std::collections::HashMap<&Path, usize> =
        wanted.iter().map(|&i| (paths[i].as_path(), i)).collect();
    let mut hashes = vec![None; paths.len()];
    // A photo that cannot be decoded has no hash: it is kept here, and skipped by the import
    // with its reason.
    for tile in &loaded.tiles {
        if let Some(&i) = index.get(tile.path.as_path()) {
            hashes[i] = Some(dhash(&tile.pixels));
        }
    }
    let mut found: Vec<(usize, Duplicate)> = duplicates(&order, &times, &hashes)
        .into_iter()
        .map(|(dropped, kept)| {
            let after_secs = match (times[dropped], times[kept]) {
                (Some(a), Some(b)) => a - b,
                _ => 0,
            };
            let duplicate = Duplicate {
                path: paths[dropped].clone(),
                of: paths[kept].clone(),
                after_secs,
            };
            (dropped, duplicate)
        })
        .collect();
    found.sort_by_key(|(i, _)| *i);
    found.into_iter().map(|(_, d)| d).collect()
}

/// `paths` without the photos of `duplicates`, in their order.
#[must_use]
pub fn without_duplicates(paths: Vec<PathBuf>, duplicates: &[Duplicate]) -> Vec<PathBuf> {
    let dropped: std::collections::HashSet<&Path> =
        duplicates.iter().map(|d| d.path.as_path()).collect();
    paths
        .into_iter()
        .filter(|p| !dropped.contains(p.as_path()))
        .collect()
}

/// Indices of the photos that have a time, earliest first, ties in name order.
fn time_order(paths: &[PathBuf], times: &[Option<i64>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..paths.len()).filter(|&i| times[i].is_some()).collect();
    order.sort_by(|&a, &b| {
        times[a].cmp(&times[b]).then_with(|| {
            super::scan::natural_cmp(&paths[a].to_string_lossy(), &paths[b].to_string_lossy())
        })
    });
    order
}

/// The photos of `order` (earliest first) taken within [`WINDOW_SECS`] of another: the only
/// ones worth hashing.
fn in_some_window(order: &[usize], times: &[Option<i64>]) -> Vec<usize> {
    let time = |k: usize| times[order[k]].unwrap_or_default();
    (0..order.len())
        .filter(|&k| {
            let before = k > 0 && time(k) - time(k - 1) <= WINDOW_SECS;
            let after = k + 1 < order.len() && time(k + 1) - time(k) <= WINDOW_SECS;
            before || after
        })
        .map(|k| order[k])
        .collect()
}

/// The rule, on indices: `(dropped, kept)` for each photo whose hash is within
/// [`MAX_DISTANCE_BITS`] of a photo taken before it (in `order`, earliest first, ties in name
/// order) and at most [`WINDOW_SECS`] earlier. The nearest such photo in time is its match;
/// `kept` is the photo that match stays as (itself, or the one it repeats).
fn duplicates(
    order: &[usize],
    times: &[Option<i64>],
    hashes: &[Option<u64>],
) -> Vec<(usize, usize)> {
    let mut kept_as: Vec<usize> = (0..times.len()).collect();
    let mut found = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        let (Some(time), Some(hash)) = (times[i], hashes[i]) else {
            continue;
        };
        let earlier = order[..k]
            .iter()
            .rev()
            .take_while(|&&j| times[j].is_some_and(|t| time - t <= WINDOW_SECS));
        let matched = earlier
            .copied()
            .find(|&j| hashes[j].is_some_and(|h| distance_bits(h, hash) <= MAX_DISTANCE_BITS));
        if let Some(j) = matched {
            kept_as[i] = kept_as[j];
            found.push((i, kept_as[j]));
        }
    }
    found
}

/// How many of the 64 bits differ.
#[must_use]
pub fn distance_bits(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// The difference hash of a 9×8 tile: bit `8y + x` is set when pixel `(x, y)` is brighter
/// than its right neighbour (BT.709 luma).
#[must_use]
pub fn dhash(tile: &TilePixels) -> u64 {
    let (w, h) = (tile.width_px as usize, tile.height_px as usize);
    let luma = |x: usize, y: usize| -> u32 {
        let at = (y * w + x) * 4;
        match tile.rgba.get(at..at + 3) {
            Some(&[r, g, b]) => 2126 * u32::from(r) + 7152 * u32::from(g) + 722 * u32::from(b),
            _ => 0,
        }
    };
    let mut hash = 0u64;
    for y in 0..h.min(8) {
        for x in 0..w.saturating_sub(1).min(8) {
            if luma(x, y) > luma(x + 1, y) {
                hash |= 1 << (8 * y + x);
            }
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<PathBuf> {
        (0..n).map(|i| PathBuf::from(format!("p{i}.jpg"))).collect()
    }

    /// The rule on made-up times and hashes, the photos given in name order.
    fn rule(times: &[Option<i64>], hashes: &[Option<u64>]) -> Vec<(usize, usize)> {
        let paths = names(times.len());
        duplicates(&time_order(&paths, times), times, hashes)
    }

    const A: u64 = 0x0F0F_0F0F_0F0F_0F0F;
    /// `A` with `MAX_DISTANCE_BITS` bits changed: still the same picture.
    const A_NEAR: u64 = A ^ ((1 << MAX_DISTANCE_BITS) - 1);
    /// `A` with one bit more changed: another picture.
    const A_FAR: u64 = A ^ ((1 << (MAX_DISTANCE_BITS + 1)) - 1);

    #[test]
    fn a_repeat_within_the_window_is_dropped_and_the_earlier_photo_stays() {
        assert_eq!(distance_bits(A, A_NEAR), MAX_DISTANCE_BITS);
        // p1 was taken first: it stays, though it comes second by name.
        let found = rule(&[Some(101), Some(100)], &[Some(A_NEAR), Some(A)]);
        assert_eq!(found, [(0, 1)]);
        // WINDOW_SECS apart is still a burst; one second more is not.
        let edge = rule(&[Some(0), Some(WINDOW_SECS)], &[Some(A), Some(A_NEAR)]);
        assert_eq!(edge, [(1, 0)]);
        let past = rule(&[Some(0), Some(WINDOW_SECS + 1)], &[Some(A), Some(A)]);
        assert!(past.is_empty());
    }

    #[test]
    fn another_picture_or_a_photo_without_a_time_or_hash_is_kept() {
        assert!(rule(&[Some(0), Some(1)], &[Some(A), Some(A_FAR)]).is_empty());
        assert!(rule(&[None, Some(0)], &[Some(A), Some(A)]).is_empty());
        assert!(rule(&[Some(0), Some(0)], &[None, Some(A)]).is_empty());
    }

    #[test]
    fn equal_times_keep_the_first_by_name_and_a_burst_keeps_its_first_shot() {
        let found = rule(&[Some(5), Some(5)], &[Some(A), Some(A)]);
        assert_eq!(found, [(1, 0)], "p0 stays: name order");
        // Six shots a second apart, each near the one before and drifting away from the
        // first: the whole burst goes, each naming p0.
        let times: Vec<Option<i64>> = (0..6).map(Some).collect();
        let hashes: Vec<Option<u64>> = (0..6).map(|k| Some(A ^ ((1 << (4 * k)) - 1))).collect();
        let found = rule(&times, &hashes);
        assert_eq!(found, [(1, 0), (2, 0), (3, 0), (4, 0), (5, 0)]);
    }

    #[test]
    fn only_photos_with_a_neighbour_in_the_window_are_hashed() {
        let times = [Some(0), Some(2), Some(100), Some(3600), Some(3603), None];
        let paths = names(times.len());
        let order = time_order(&paths, &times);
        assert_eq!(in_some_window(&order, &times), [0, 1, 3, 4]);
    }

    #[test]
    fn the_hash_reads_brightness_left_to_right() {
        // A ramp that darkens to the right sets every bit; one that brightens sets none.
        let ramp = |darker_right: bool| TilePixels {
            width_px: 9,
            height_px: 8,
            rgba: (0..8)
                .flat_map(|_| 0..9u8)
                .flat_map(|x| {
                    let v = if darker_right { 250 - 20 * x } else { 20 * x };
                    [v, v, v, 255]
                })
                .collect(),
        };
        assert_eq!(dhash(&ramp(true)), u64::MAX);
        assert_eq!(dhash(&ramp(false)), 0);
    }

    #[test]
    fn a_duplicate_names_the_photo_it_repeats() {
        let d = Duplicate {
            path: PathBuf::from("trip/b.jpg"),
            of: PathBuf::from("trip/a.jpg"),
            after_secs: 1,
        };
        assert_eq!(
            d.to_string(),
            "dropped: a near-duplicate of a.jpg (taken 1 s after it): trip/b.jpg"
        );
        let kept = without_duplicates(vec!["trip/a.jpg".into(), "trip/b.jpg".into()], &[d]);
        assert_eq!(kept, [PathBuf::from("trip/a.jpg")]);
    }
}
