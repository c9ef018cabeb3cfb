//! Atomic output: the video is written to a hidden temporary file next to the target and
//! moved into place only when complete and on disk. Dropping the guard removes the
//! temporary file, so a failed, cancelled or panicking export leaves nothing behind.

use std::path::{Path, PathBuf};

use super::ExportError;
use crate::files::atomic::{AtomicFile, CommitError, folder_of};

/// Checks that `target` can be written: a UTF-8 path (FFmpeg takes text), not a folder, not
/// an existing file unless `overwrite`, in a folder that exists.
fn check_target(target: &Path, overwrite: bool) -> Result<(), ExportError> {
    if target.to_str().is_none() {
        return Err(ExportError::OutputNotUtf8(target.to_owned()));
    }
    if target.file_name().is_none() || target.is_dir() {
        return Err(ExportError::OutputIsFolder(target.to_owned()));
    }
    match std::fs::symlink_metadata(target) {
        Ok(meta) if !meta.is_file() && !meta.is_symlink() => {
            return Err(ExportError::OutputFolder {
                path: target.to_owned(),
                reason: "the output exists and is not a regular file".to_owned(),
            });
        }
        Ok(_) if !overwrite => return Err(ExportError::OutputExists(target.to_owned())),
        _ => {}
    }
    let folder = folder_of(target);
    if !folder.is_dir() {
        return Err(ExportError::OutputFolder {
            path: folder,
            reason: "no such folder".to_owned(),
        });
    }
    Ok(())
}

/// The export's output: an atomic file (see [`crate::files::atomic`]) whose target was
/// checked first.
pub struct TempOutput {
    file: AtomicFile,
}

impl TempOutput {
    /// Checks the target can be written (and is not an existing file we must keep), then
    /// creates the temporary file beside it.
    pub fn create(target: &Path, overwrite: bool) -> Result<Self, ExportError> {
        check_target(target, overwrite)?;
        let file =
            AtomicFile::create(target, overwrite).map_err(|e| ExportError::OutputFolder {
                path: folder_of(target),
                reason: crate::files::io_words(&e),
            })?;
        Ok(Self { file })
    }

    #[must_use]
    pub fn temp_path(&self) -> &Path {
        self.file.temp_path()
    }

    /// Flushes the finished file to disk and moves it into place. Without `overwrite`, a file
    /// that appeared at the target meanwhile is kept and this fails.
    pub fn commit(self) -> Result<PathBuf, ExportError> {
        let target = self.file.target().to_owned();
        self.file.commit().map_err(|e| match e {
            CommitError::Exists => ExportError::OutputExists(target),
            e => ExportError::Write {
                path: target,
                reason: e.to_string(),
            },
        })
    }
}
