//! Atomic output: the video is written to a hidden temporary file next to the target and
//! moved into place only when complete. Dropping the guard removes the temporary file.

use std::path::{Path, PathBuf};

use super::ExportError;

pub struct TempOutput {
    temp: PathBuf,
    target: PathBuf,
    overwrite: bool,
    committed: bool,
}

impl TempOutput {
    /// Checks the target can be written (and is not an existing file we must keep), then
    /// creates the temporary file beside it.
    pub fn create(target: &Path, overwrite: bool) -> Result<Self, ExportError> {
        if target.is_dir() {
            return Err(ExportError::OutputIsFolder(target.to_owned()));
        }
        if target.exists() && !overwrite {
            return Err(ExportError::OutputExists(target.to_owned()));
        }
        let folder = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        if !folder.is_dir() {
            return Err(ExportError::OutputFolder {
                path: folder,
                reason: "no such folder".to_owned(),
            });
        }
        let name = target
            .file_name()
            .map_or_else(|| "video".into(), |n| n.to_string_lossy().into_owned());
        let temp = folder.join(format!(".{name}.{}.gridreel-part", std::process::id()));
        std::fs::File::create(&temp).map_err(|e| ExportError::OutputFolder {
            path: folder.clone(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            temp,
            target: target.to_owned(),
            overwrite,
            committed: false,
        })
    }

    #[must_use]
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Moves the finished file into place. Without `overwrite`, a file that appeared at the
    /// target meanwhile is kept and this fails.
    pub fn commit(mut self) -> Result<PathBuf, ExportError> {
        if self.overwrite {
            std::fs::rename(&self.temp, &self.target).map_err(|e| self.move_err(&e))?;
        } else {
            // A hard link fails if the target exists, so nothing can be clobbered in between.
            match std::fs::hard_link(&self.temp, &self.target) {
                Ok(()) => {
                    let _ = std::fs::remove_file(&self.temp);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(ExportError::OutputExists(self.target.clone()));
                }
                // File systems without hard links: check, then rename.
                Err(_) if !self.target.exists() => {
                    std::fs::rename(&self.temp, &self.target).map_err(|e| self.move_err(&e))?;
                }
                Err(_) => return Err(ExportError::OutputExists(self.target.clone())),
            }
        }
        self.committed = true;
        Ok(self.target.clone())
    }

    fn move_err(&self, e: &std::io::Error) -> ExportError {
        ExportError::Write {
            path: self.target.clone(),
            reason: format!("cannot move the finished video into place: {e}"),
        }
    }
}

impl Drop for TempOutput {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}
