//! gridreel: a folder of photos in, a sliding photo-grid video out — live in an editor or
//! headless from the command line. See `README.md` for the architecture table.

pub mod alloc_count;
pub mod app;
pub mod bench;
pub mod cli;
pub mod engine;
pub mod export;
pub mod layout;
pub mod monitor;
pub mod photos;
pub mod render;
pub mod settings;
pub mod stream;
