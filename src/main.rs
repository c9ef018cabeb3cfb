//! `gridreel`: the editor by default, `gridreel render …` headless.

use std::process::ExitCode;

use clap::Parser;
use gridreel::cli::{Cli, Command, render, synth};

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Render(args)) => render(args),
        Some(Command::Synth(args)) => synth(args),
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
