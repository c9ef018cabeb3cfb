//! Progress bars for `gridreel render` (photos while importing, then frames), the lines it
//! prints at each verbosity, and cancel on Ctrl-C, SIGTERM and SIGHUP.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::export::{Progress, Stage};
use crate::photos::{Duplicate, Skipped};

/// How much `gridreel render` prints, as in most Unix tools.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// `-q`: errors only (printed by `main`).
    Quiet,
    /// One line per skipped file and per near-duplicate dropped, the notes (the summary, photos left out, a loop's speeds)
    /// and the result; progress bars on a terminal.
    #[default]
    Normal,
    /// `-v`: also the details: the encoders tried and why each was not used, the encoder in
    /// use, the peak memory.
    Verbose,
}

/// Progress bars for `gridreel render`: photos while importing, then frames; and the lines
/// printed above them, as many as the verbosity asks for.
#[derive(Default)]
pub struct Bars {
    bar: Mutex<Option<indicatif::ProgressBar>>,
    verbosity: Verbosity,
}

impl Bars {
    #[must_use]
    pub fn new(verbosity: Verbosity) -> Self {
        Self {
            bar: Mutex::new(None),
            verbosity,
        }
    }

    /// Prints `text` above the bar when the verbosity is at least `level`.
    pub fn say(&self, level: Verbosity, text: &str) {
        if self.verbosity >= level {
            self.line(text);
        }
    }

    fn with_bar(&self, f: impl FnOnce(&mut Option<indicatif::ProgressBar>)) {
        if let Ok(mut bar) = self.bar.lock() {
            f(&mut bar);
        }
    }

    /// Prints a line above the bar.
    fn line(&self, text: &str) {
        self.with_bar(|bar| match bar {
            Some(bar) => bar.suspend(|| eprintln!("{text}")),
            None => eprintln!("{text}"),
        });
    }

    pub fn clear(&self) {
        self.with_bar(|bar| {
            if let Some(bar) = bar.take() {
                bar.finish_and_clear();
            }
        });
    }
}

impl Progress for Bars {
    fn stage(&self, _stage: Stage) {
        self.clear();
    }

    fn photos_loaded(&self, done: usize, total: usize) {
        if self.verbosity == Verbosity::Quiet {
            return;
        }
        self.with_bar(|bar| {
            bar.get_or_insert_with(|| progress_bar(total as u64, "photos", "importing"))
                .set_position(done as u64);
        });
    }

    fn frame_encoded(&self, done: u64, total: u64) {
        if self.verbosity == Verbosity::Quiet {
            return;
        }
        self.with_bar(|bar| {
            bar.get_or_insert_with(|| progress_bar(total, "frames", "rendering"))
                .set_position(done);
        });
    }

    fn encoder(&self, name: &str, passed_over: &[String]) {
        // The result line names the encoder used; which hardware encoders were tried and
        // why they did not open is a detail (every headless machine has none).
        for f in passed_over {
            self.say(Verbosity::Verbose, &format!("encoder not used: {f}"));
        }
        self.say(Verbosity::Verbose, &format!("encoder: {name}"));
    }

    fn skipped(&self, skipped: &Skipped) {
        self.say(Verbosity::Normal, &skipped.to_string());
    }

    fn duplicate(&self, duplicate: &Duplicate) {
        self.say(Verbosity::Normal, &duplicate.to_string());
    }

    fn note(&self, text: &str) {
        self.say(Verbosity::Normal, text);
    }
}

/// Ctrl-C, SIGTERM and SIGHUP cancel the export: it stops, removes its temporary file and
/// exits with status 130.
pub fn install_cancel_on_signals(cancel: &Arc<AtomicBool>) {
    let flag = Arc::clone(cancel);
    // Only the first handler can be installed; a second render in-process keeps the first.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
}

pub fn progress_bar(len: u64, unit: &str, message: &'static str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    let template =
        format!("{{msg:>10}} [{{bar:30}}] {{pos}}/{{len}} {unit}, {{per_sec}}, {{eta}} left");
    if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}
