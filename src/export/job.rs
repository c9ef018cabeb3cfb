//! What an export is asked ([`Job`]) and tells ([`Progress`], [`Report`]), and what the
//! pipeline makes of a job before the first photo is decoded ([`Planned`]).

use std::path::PathBuf;

use super::threading::ThreadingChoice;
use super::{ExportSummary, Format};
use crate::overlay::Overlay;
use crate::photos::{Duplicate, Skipped, TilePixels};
use crate::settings::Settings;

/// Where an export's photos come from.
#[derive(Clone, Debug)]
pub enum Photos {
    /// A folder, scanned in natural order; `None` is the bundled demo photos.
    Folder {
        dir: Option<PathBuf>,
        recursive: bool,
    },
    /// These files, in this order (the editor's list, already scanned and ordered). The
    /// settings' photo range is not applied again, nor are near-duplicates looked for again.
    Paths(Vec<PathBuf>),
}

/// Everything one export needs.
pub struct Job {
    pub settings: Settings,
    pub photos: Photos,
    pub output: PathBuf,
    /// Replace an existing output file (never one of the input photos).
    pub overwrite: bool,
    /// Bytes for photo pixels; `None`: the settings' memory budget on this machine.
    pub budget_bytes: Option<u64>,
    /// Thumbnails of [`Photos::Paths`], in the same order, when the caller has them (the
    /// editor): a streamed export then skips its thumbnail pass.
    pub thumbs: Option<Vec<TilePixels>>,
    /// Decode every photo before the first frame, as before exports started at once (the
    /// frames are the same bytes; for comparisons and tests).
    pub decode_first: bool,
    /// Make the frames with the GPU even where the CPU makes them without one (a grid moving
    /// as one, sideways: see `host.rs`; the frames are the same bytes; for comparisons and
    /// tests).
    pub compose_on_gpu: bool,
}

/// What the pipeline is doing; [`Progress::stage`] is told each one as it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Validating,
    Importing,
    Rendering,
    Finishing,
}

/// Receives progress from the pipeline's threads (hence `Sync`). Every method has a default
/// that ignores it.
pub trait Progress: Sync {
    fn stage(&self, _stage: Stage) {}
    /// Photos decoded up front, of `total`.
    fn photos_loaded(&self, _done: usize, _total: usize) {}
    fn frame_rendered(&self, _done: u64, _total: u64) {}
    fn frame_encoded(&self, _done: u64, _total: u64) {}
    /// The encoder in use, and why each one tried before it was passed over.
    fn encoder(&self, _name: &str, _passed_over: &[String]) {}
    /// A photo that is not in the video, and why.
    fn skipped(&self, _skipped: &Skipped) {}
    /// A photo left out as a near-duplicate of another (`--skip-duplicates`).
    fn duplicate(&self, _duplicate: &Duplicate) {}
    /// A line worth telling the user ("the grid shows 36 of 50 photos").
    fn note(&self, _text: &str) {}
}

/// A [`Progress`] that ignores everything.
pub struct Silent;
impl Progress for Silent {}

/// A finished export.
#[derive(Debug)]
pub struct Report {
    pub summary: ExportSummary,
    /// Files passed over: by the scan, and photos that failed to decode.
    pub skipped: Vec<Skipped>,
}

/// What a job comes to before a photo is decoded or a GPU opened: the checked format and budget, the timeline's
/// settings, the photos the grid shows and those already skipped.
pub(super) struct Planned {
    pub format: Format,
    pub overlay: Overlay,
    /// Bytes for photo pixels: the budget less what the encoder's threads take of it.
    pub budget: u64,
    pub threads: ThreadingChoice,
    pub settings: Settings,
    pub needed: Vec<PathBuf>,
    pub skipped: Vec<Skipped>,
    pub duplicates: Vec<Duplicate>,
    /// The captions drawn into the tiles, each checked to be showable.
    pub captions: Option<crate::photos::Captions>,
    /// The clips' decoders, and the bytes of the budget they take (0: no clip plays).
    pub pool: (usize, u64),
}

/// What the line an export prints before its first frame says the same way whichever makes
/// the frames: ", N near-duplicates dropped" (when asked to drop them), and what the
/// encoder's threads take of the budget.
pub(super) fn note_parts(
    settings: &Settings,
    threads: ThreadingChoice,
    dropped: usize,
) -> (String, String) {
    let dropped = if settings.photos.skip_duplicates {
        format!(", {dropped} near-duplicates dropped")
    } else {
        String::new()
    };
    let encoder_share = match threads.description {
        Some(what) if threads.extra_bytes > 0 => format!(
            ", {} MB of it for the encoder's {what}",
            (threads.extra_bytes >> 20).max(1)
        ),
        Some(what) => format!("; the encoder's threads: {what}"),
        None => String::new(),
    };
    (dropped, encoder_share)
}
