//! `gridreel`: the editor by default, `gridreel render …` headless.

use std::process::ExitCode;

use clap::Parser;
use gridreel::cli::{Cli, Command, bench, package_files, render, synth};

/// Counts allocations so `gridreel bench` can show the per-frame paths allocate nothing.
#[global_allocator]
static ALLOCATOR: gridreel::alloc_count::CountingAllocator =
    gridreel::alloc_count::CountingAllocator;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    // Before any thread starts: decode buffers go back to the OS when freed, not to an arena,
    // and a frame's worth of the GPU driver's small buffers is kept for the next frame.
    if !gridreel::heap::configure_allocator() {
        log::debug!("not glibc: memory is returned to the OS as the platform's allocator decides");
    }
    // x264's buffers (and any other that asks) in small pages: faster to fault in, and only
    // what is touched is resident. The bench gives its reference processes the system's
    // setting back.
    if !gridreel::heap::avoid_huge_pages() {
        log::debug!("transparent huge pages left as the system sets them");
    }
    let cli = Cli::parse();
    if cli.command.is_some() {
        skip_display_probing();
    }
    let result = match &cli.command {
        Some(Command::Render(args)) => render(args),
        Some(Command::Synth(args)) => synth(args),
        Some(Command::Bench(args)) => bench(args),
        Some(Command::PackageFiles(args)) => package_files(&args.dir),
        None => gridreel::cli::editor(&cli.editor),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("gridreel: {}", failure.message);
            ExitCode::from(failure.exit_code)
        }
    }
}

/// A headless command needs no display, but Mesa's Vulkan device-select layer connects to
/// Wayland and X11 to find the default GPU, and prints "XDG_RUNTIME_DIR is invalid" twice on
/// a machine without a desktop session. wgpu chooses the adapter itself, so turn the layer
/// off for headless runs (unless the user set the variable).
fn skip_display_probing() {
    if std::env::var_os("NODEVICE_SELECT").is_none() {
        // SAFETY: called at the top of main, before any thread exists, so nothing can read the
        // environment concurrently.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var("NODEVICE_SELECT", "1");
        }
    }
}
