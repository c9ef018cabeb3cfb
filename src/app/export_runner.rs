//! The editor's export runner: one export at a time on its own named thread, its progress and
//! cancel flag, and how the last one ended. A cancel is an outcome of its own, not a failure,
//! and a failure keeps its typed [`ExportError`]. No egui here.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, sync_channel};
use std::time::Instant;

use crate::export::{self, ExportError, ExportProgress, ExportSummary, Job};

/// How an export started from the editor ended.
#[derive(Debug)]
pub enum ExportOutcome {
    Finished(ExportSummary),
    /// The user cancelled it: nothing was written, and nothing is wrong.
    Cancelled,
    Failed(ExportFailure),
}

impl ExportOutcome {
    /// The finished video, if it finished.
    #[must_use]
    pub fn summary(&self) -> Option<&ExportSummary> {
        match self {
            Self::Finished(summary) => Some(summary),
            _ => None,
        }
    }

    /// Why it failed, if it did.
    #[must_use]
    pub fn failure(&self) -> Option<&ExportFailure> {
        match self {
            Self::Failed(failure) => Some(failure),
            _ => None,
        }
    }
}

/// Why an export from the editor did not finish.
#[derive(Debug, thiserror::Error)]
pub enum ExportFailure {
    #[error("invalid setting: {0}")]
    Settings(#[from] crate::settings::SettingsError),
    #[error("no photos loaded yet")]
    NoPhotos,
    #[error("cannot start the export: {0}")]
    Spawn(std::io::Error),
    /// The thread ended without a word: it can only have panicked past its guard.
    #[error("the export stopped unexpectedly")]
    Vanished,
    #[error(transparent)]
    Export(ExportError),
}

/// An export running on its own thread.
pub struct RunningExport {
    pub progress: Arc<ExportProgress>,
    pub output: PathBuf,
    pub started: Instant,
    cancel: Arc<AtomicBool>,
    rx: Receiver<Result<ExportSummary, ExportError>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// At most one export, and how the last one ended.
#[derive(Default)]
pub struct ExportRunner {
    running: Option<RunningExport>,
    last: Option<ExportOutcome>,
}

impl ExportRunner {
    #[must_use]
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// The export in progress.
    #[must_use]
    pub fn running(&self) -> Option<&RunningExport> {
        self.running.as_ref()
    }

    /// How the last export ended (until the next one starts or [`Self::forget`]).
    #[must_use]
    pub fn last(&self) -> Option<&ExportOutcome> {
        self.last.as_ref()
    }

    /// Forgets the last outcome (another folder was opened).
    pub fn forget(&mut self) {
        self.last = None;
    }

    /// Records an export that was refused before it started.
    pub fn refuse(&mut self, failure: ExportFailure) {
        self.last = Some(ExportOutcome::Failed(failure));
    }

    /// Starts `job` on the `gridreel-export` thread, unless one runs already.
    pub fn start(&mut self, job: Job) {
        if self.running.is_some() {
            return;
        }
        let output = job.output.clone();
        let progress = Arc::new(ExportProgress::default());
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, rx) = sync_channel(1);
        let (thread_progress, thread_cancel) = (Arc::clone(&progress), Arc::clone(&cancel));
        let spawned = std::thread::Builder::new()
            .name("gridreel-export".into())
            .spawn(move || {
                let result =
                    export::run(&job, &thread_cancel, thread_progress.as_ref()).map(|report| {
                        for skipped in &report.skipped {
                            log::warn!("export: {skipped}");
                        }
                        report.summary
                    });
                let _ = tx.send(result);
            });
        match spawned {
            Ok(thread) => {
                self.last = None;
                self.running = Some(RunningExport {
                    progress,
                    output,
                    started: Instant::now(),
                    cancel,
                    rx,
                    thread: Some(thread),
                });
            }
            Err(e) => self.refuse(ExportFailure::Spawn(e)),
        }
    }

    /// Takes the running export's result, if it has ended.
    pub fn poll(&mut self) {
        let Some(export) = &self.running else {
            return;
        };
        let outcome = match export.rx.try_recv() {
            Ok(Ok(summary)) => ExportOutcome::Finished(summary),
            Ok(Err(ExportError::Cancelled)) => ExportOutcome::Cancelled,
            Ok(Err(e)) => ExportOutcome::Failed(ExportFailure::Export(e)),
            Err(TryRecvError::Disconnected) => ExportOutcome::Failed(ExportFailure::Vanished),
            Err(TryRecvError::Empty) => return,
        };
        if let ExportOutcome::Failed(e) = &outcome {
            log::warn!("export failed: {e}");
        }
        self.last = Some(outcome);
        if let Some(thread) = self.running.take().and_then(|e| e.thread) {
            let _ = thread.join();
        }
    }

    /// Asks the running export to stop (it removes its temporary file).
    pub fn cancel(&self) {
        if let Some(export) = &self.running {
            export.cancel.store(true, Ordering::Relaxed);
        }
    }

    /// Cancels a running export and waits until its thread has ended (and removed its
    /// temporary file): for quitting.
    pub fn cancel_and_wait(&mut self) {
        if let Some(mut export) = self.running.take() {
            export.cancel.store(true, Ordering::Relaxed);
            if let Some(thread) = export.thread.take() {
                let _ = thread.join();
            }
        }
    }
}

/// The part of the budget an export started from the editor gets; the preview keeps the rest
/// while it runs.
#[must_use]
pub fn export_share(budget: u64) -> u64 {
    budget / 4 * 3
}
