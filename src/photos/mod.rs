//! Photo import: folder scan, parallel decode straight to tile size, and the skip list.

mod caption;
mod clip;
mod decode;
mod dups;
pub mod gate;
mod heif;
mod icc;
mod jpeg;
mod jxl;
mod live;
mod order;
mod orient;
mod phone;
mod progressive;
mod scan;
pub mod synth;
mod tiling;
mod working;

pub use caption::{CaptionPainter, Captions, caption_text, same_captioned_tile};
pub use clip::{
    CLIP_EXTENSIONS, ClipReader, MAX_CLIP_SIDE_PX, apply_clip_mode, clip_length_secs, is_clip,
    playing_decoder_bytes,
};
pub use decode::{
    MAX_PHOTO_ALLOC_BYTES, TilePixels, TileSpec, decode_tile, decode_tile_sized, probe,
};
pub use dups::{
    Duplicate, MAX_DISTANCE_BITS, WINDOW_SECS, dhash, distance_bits, find_duplicates, picture_hash,
    without_duplicates,
};
pub use icc::set_colour_management;
pub use live::{motion_photo_start, motions_of, pair_live_photos};
pub use order::{CivilTime, Taken, TakenSource, sort_photos, taken};
pub use scan::{PHOTO_EXTENSIONS, ScanError, ScanResult, scan_folder};

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::settings::FocusMap;

/// Why one photo was not used.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("not a supported photo type (expected {})", PHOTO_EXTENSIONS.join(", "))]
    NotAPhotoType,
    #[error("a folder, not a photo")]
    Folder,
    #[error("not a regular file (a FIFO, socket or device)")]
    NotARegularFile,
    #[error("the decoder stopped on a bug ({0})")]
    DecoderPanicked(String),
    #[error("empty file")]
    Empty,
    #[error("not an image (contents are not a known picture format)")]
    NotAnImage,
    #[error("not a video (contents are not a known video format)")]
    NotAVideo,
    #[error("a clip without a video stream")]
    NoVideoStream,
    #[error("a video clip, left out (clips: skip)")]
    ClipLeftOut,
    #[error("damaged or unreadable image ({0})")]
    Damaged(String),
    #[error("too large ({0})")]
    TooLarge(String),
    #[error("unsupported image ({0})")]
    Unsupported(String),
    #[error("cannot read ({})", crate::files::io_words(.0))]
    Io(std::io::Error),
}

/// A file that was passed over, and why.
#[derive(Debug)]
pub struct Skipped {
    pub path: PathBuf,
    pub error: PhotoError,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "skipped: {}: {}", self.error, self.path.display())
    }
}

/// How each photo of a set becomes a tile: one spec, with the crop centre of the photos that
/// have their own.
#[derive(Clone, Debug, PartialEq)]
pub struct TileSpecs {
    pub base: TileSpec,
    /// Crop centres by photo path; shared, since every decode worker reads it.
    pub focus: Arc<FocusMap>,
    /// The captions drawn into the tiles (not into thumbnails), if any.
    pub captions: Option<Captions>,
}

impl TileSpecs {
    #[must_use]
    pub fn new(base: TileSpec, focus: Arc<FocusMap>) -> Self {
        Self {
            base,
            focus,
            captions: None,
        }
    }

    /// These specs with `captions` drawn into every tile.
    #[must_use]
    pub fn with_captions(self, captions: Option<Captions>) -> Self {
        Self { captions, ..self }
    }

    /// The tile of the photo at `path`, decoded and captioned.
    pub fn make_tile(&self, path: &Path) -> Result<TilePixels, PhotoError> {
        Ok(self.captioned(path, decode_tile(path, &self.for_photo(path))?))
    }

    /// `tile`, the photo's part of its cell (a decode, or a stand-in), made the whole cell:
    /// captioned, and grown by the caption line when captions sit under the tiles.
    #[must_use]
    pub fn captioned(&self, path: &Path, mut tile: TilePixels) -> TilePixels {
        if let Some(captions) = &self.captions {
            captions.caption(path, &mut tile, self.base.background);
        }
        tile
    }

    /// Every photo cropped by `base`'s anchor.
    #[must_use]
    pub fn uniform(base: TileSpec) -> Self {
        Self::new(base, Arc::new(FocusMap::new()))
    }

    /// The spec of the photo at `path`.
    #[must_use]
    pub fn for_photo(&self, path: &Path) -> TileSpec {
        self.base.with_focus(self.focus.get(path).copied())
    }
}

/// A decoded photo, ready to upload.
#[derive(Debug)]
pub struct Tile {
    pub path: PathBuf,
    pub pixels: TilePixels,
    /// The photo's upright size in pixels (its tile shows a crop of it).
    pub photo_px: (u32, u32),
}

/// Tiles in the order of the input paths, and the files that failed.
#[derive(Debug, Default)]
pub struct LoadResult {
    pub tiles: Vec<Tile>,
    pub skipped: Vec<Skipped>,
}

/// Applies the 1-based, inclusive photo range to a sorted list.
#[must_use]
pub fn select_range(paths: &[PathBuf], first: Option<u32>, last: Option<u32>) -> &[PathBuf] {
    let len = paths.len();
    let start = first.map_or(0, |f| (f as usize).saturating_sub(1)).min(len);
    let end = last.map_or(len, |l| l as usize).clamp(start, len);
    &paths[start..end]
}

/// One photo's tile and its upright size, or why it failed.
type DecodeResult = Result<(TilePixels, (u32, u32)), PhotoError>;

/// Decodes `paths` into tiles on `threads` workers (0 = all cores), keeping their order.
/// `on_done` is called after each photo with the number finished so far. Stops early, with
/// what it has, when `cancel` is set.
pub fn load_tiles(
    paths: &[PathBuf],
    spec: &TileSpec,
    threads: usize,
    cancel: &AtomicBool,
    on_done: &(dyn Fn(usize) + Sync),
) -> LoadResult {
    load_tiles_focused(paths, spec, &FocusMap::new(), threads, cancel, on_done)
}

/// [`load_tiles`] where the photos named in `focus` are cropped around their own centre.
pub fn load_tiles_focused(
    paths: &[PathBuf],
    spec: &TileSpec,
    focus: &FocusMap,
    threads: usize,
    cancel: &AtomicBool,
    on_done: &(dyn Fn(usize) + Sync),
) -> LoadResult {
    let done = AtomicUsize::new(0);
    let decode_one = |path: &PathBuf| {
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        let result = decode_tile_sized(path, &spec.with_focus(focus.get(path).copied()));
        on_done(done.fetch_add(1, Ordering::Relaxed) + 1);
        Some(result)
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("gridreel-decode-{i}"))
        .build();
    let results: Vec<Option<DecodeResult>> = match pool {
        Ok(pool) => pool.install(|| paths.par_iter().map(decode_one).collect()),
        // No threads to be had: decode on this one.
        Err(_) => paths.iter().map(decode_one).collect(),
    };
    let mut out = LoadResult::default();
    for (path, result) in paths.iter().zip(results) {
        match result {
            Some(Ok((pixels, photo_px))) => out.tiles.push(Tile {
                path: path.clone(),
                pixels,
                photo_px,
            }),
            Some(Err(error)) => out.skipped.push(Skipped {
                path: path.clone(),
                error,
            }),
            None => {}
        }
    }
    out
}

/// Where the demo photos are in the source tree, and where a package installs them, below
/// the prefix whose `bin/` holds the program (`/usr/bin/gridreel`: `/usr/share/gridreel/demo`).
const DEMO: &str = "assets/demo";
const INSTALLED_DEMO: &str = "share/gridreel/demo";

/// Whether `folder` is the bundled demo photos (kept off the recent-folders list).
#[must_use]
pub fn is_demo_folder(folder: &std::path::Path) -> bool {
    folder.ends_with(DEMO) || folder.ends_with(INSTALLED_DEMO)
}

/// The folder of bundled demo photos: where a package puts them beside the program
/// (`PREFIX/share/gridreel/demo` for `PREFIX/bin/gridreel`, wherever the package was
/// unpacked), or `assets/demo` beside the executable or in a folder above it (a release
/// binary in `target/release`, or copied with its `assets`), else in the current folder.
pub fn demo_folder() -> Result<PathBuf, ScanError> {
    let exe = std::env::current_exe().ok();
    let installed = exe
        .as_deref()
        .and_then(|exe| exe.parent()?.parent())
        .map(|prefix| prefix.join(INSTALLED_DEMO));
    let beside_exe = exe
        .iter()
        .flat_map(|exe| exe.ancestors().skip(1).take(5))
        .map(|dir| dir.join(DEMO));
    let beside_exe = installed.into_iter().chain(beside_exe);
    // The working folder's copy as an absolute path, so that paths made from it (a link to
    // a photo, a recent folder) still work from elsewhere.
    let here = std::env::current_dir().map_or_else(|_| PathBuf::from(DEMO), |cwd| cwd.join(DEMO));
    let mut candidates = beside_exe.chain(std::iter::once(here));
    let first = PathBuf::from(DEMO);
    candidates
        .find(|dir| dir.is_dir())
        .ok_or(ScanError::DemoMissing(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_is_one_based_and_inclusive() {
        let paths: Vec<PathBuf> = (1..=5).map(|i| PathBuf::from(format!("{i}.jpg"))).collect();
        assert_eq!(select_range(&paths, Some(2), Some(4)).len(), 3);
        assert_eq!(
            select_range(&paths, Some(2), Some(4))[0],
            PathBuf::from("2.jpg")
        );
        assert_eq!(select_range(&paths, None, None).len(), 5);
        assert_eq!(select_range(&paths, Some(9), None).len(), 0);
        assert_eq!(select_range(&paths, None, Some(99)).len(), 5);
    }
}
