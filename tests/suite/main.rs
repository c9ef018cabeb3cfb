//! The integration tests that can share one process, linked into one test binary instead of
//! one each (`cargo test --test suite`; `cargo test --test suite editor_ui::` runs one file).
//! Each module is a former `tests/NAME.rs` and keeps its test names (`editor_ui::…`).
//!
//! They run in parallel threads of one process, so none of them may change what the others
//! see: no `std::env::set_var`, no change of the current directory, no signal handler, no
//! measurement of this process's own heap, RSS or CPU time, no snapshot name used twice.
//! Environment variables and signals go to the `gridreel` child processes the tests start
//! (`Command::env`, `kill PID`); the one in-process fault (`fault::arm` in `editor_ui`) fires
//! only for its own file name (`doomed.mp4`). Two tests stay binaries of their own, because
//! each installs a counting `#[global_allocator]` that sees the whole process:
//! `tests/fuzz_inputs.rs` and `tests/preview_alloc.rs`.

// Test set-up panics on failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod audio;
mod captions;
mod cli_conventions;
mod cli_render;
mod clips;
mod clips_play;
mod decode_memory;
mod duplicates;
mod editor_music;
mod editor_panels;
mod editor_ui;
mod formats;
mod phone_formats;
mod photos_import;
mod reliability;
mod render_gpu;
mod words;
