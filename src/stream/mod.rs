//! Tile streaming: photo pixels within the memory budget, whatever the number of photos.
//!
//! The slide is deterministic, so the time every cell is on screen is known before the first
//! frame ([`Schedule`]). When all tiles fit the budget they are all decoded once and stay
//! resident. When they do not, a fixed number of texture layers ("slots") hold the photos
//! needed soonest: decode workers fill them ahead of the play head, and a slot is reused for
//! the photo not needed for the longest time ([`Residency`], Belady's rule, exact here because
//! the future is known). Export waits for a tile rather than drawing a hole; the preview draws
//! the photo's thumbnail until its tile arrives. An export whose tiles all fit can also start
//! drawing at once, the tiles decoded in the order the frames need them (strict mode).

mod clips;
mod plan;
mod residency;
mod schedule;
mod streamer;

pub use clips::{ClipDeck, ClipFeed, ClipFrame, ClipPlan, ClipUploads};
pub use plan::StreamPlan;
pub use schedule::Schedule;
pub use streamer::{StreamMode, TileStreamer};

/// No photo / no slot.
const NONE: u32 = u32::MAX;

#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(
        "memory budget {budget_mb} MB is too small for this layout: one frame shows up to \
         {visible} tiles of {tile_w}x{tile_h} px, which need at least {needed_mb} MB; raise \
         --memory-budget or use smaller tiles"
    )]
    BudgetTooSmall {
        budget_mb: u64,
        needed_mb: u64,
        visible: usize,
        tile_w: u32,
        tile_h: u32,
    },
    #[error("cannot start the photo decoders ({0})")]
    Spawn(std::io::Error),
    #[error("the photo decoders stopped")]
    DecodersStopped,
    #[error("cancelled")]
    Cancelled,
    /// A photo failed its decode while the export was already drawing (strict mode): the
    /// frames so far assumed it, so the export starts again without it.
    #[error("{0}")]
    PhotoFailed(crate::photos::Skipped),
}

#[cfg(test)]
mod tests;
