//! Progress bars for `gridreel render` (photos while importing, then frames), and cancel on
//! Ctrl-C, SIGTERM and SIGHUP.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::export::{Progress, Stage};
use crate::photos::Skipped;

/// Progress bars for `gridreel render`: photos while importing, then frames.
#[derive(Default)]
pub struct Bars {
    bar: Mutex<Option<indicatif::ProgressBar>>,
}

impl Bars {
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
        self.with_bar(|bar| {
            bar.get_or_insert_with(|| progress_bar(total as u64, "photos", "importing"))
                .set_position(done as u64);
        });
    }

    fn frame_encoded(&self, done: u64, total: u64) {
        self.with_bar(|bar| {
            bar.get_or_insert_with(|| progress_bar(total, "frames", "rendering"))
                .set_position(done);
        });
    }

    fn encoder(&self, name: &str, passed_over: &[String]) {
        for f in passed_over {
            self.line(&format!("encoder not used: {f}"));
        }
        self.line(&format!("encoder: {name}"));
    }

    fn skipped(&self, skipped: &Skipped) {
        self.line(&skipped.to_string());
    }

    fn note(&self, text: &str) {
        self.line(text);
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
