//! `gridreel`: the editor by default, `gridreel render …` headless.

use std::process::ExitCode;

use clap::Parser;
use gridreel::cli::{Cli, Command, bench, render, synth};

/// Counts allocations so `gridreel bench` can show the per-frame paths allocate nothing.
#[global_allocator]
static ALLOCATOR: gridreel::alloc_count::CountingAllocator =
    gridreel::alloc_count::CountingAllocator;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Render(args)) => render(args),
        Some(Command::Synth(args)) => synth(args),
        Some(Command::Bench(args)) => bench(args),
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
