//! gridreel: a folder of photos in, a sliding photo-grid video out — live in an editor or
//! headless from the command line. See `docs/ARCHITECTURE.md` for the layers and modules.

pub mod alloc_count;
pub mod app;
pub(crate) mod bench;
pub mod cli;
pub mod engine;
pub(crate) mod export;
// Fault injection for the tests: compiled into debug builds only (what `cargo test` builds),
// never into the release build the package ships (`.ci/check-package` looks for it).
#[cfg(debug_assertions)]
#[doc(hidden)]
pub mod fault;
pub mod files;
pub mod heap;
pub mod layout;
pub mod media;
pub(crate) mod monitor;
pub mod music;
pub mod overlay;
pub mod photos;
pub mod render;
pub mod settings;
pub(crate) mod stream;

/// The text a panic was raised with, for the error that replaces it.
#[must_use]
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

#[cfg(test)]
mod tests;
