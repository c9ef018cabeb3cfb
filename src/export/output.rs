//! Atomic output: the video is written to a hidden temporary file next to the target and
//! moved into place only when complete and on disk. Dropping the guard removes the
//! temporary file, so a failed, cancelled or panicking export leaves nothing behind.

use std::fs::OpenOptions;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};

use super::ExportError;

/// Suffix of the temporary file an export writes into.
pub const PART_SUFFIX: &str = ".gridreel-part";

/// Longest file name most file systems take, in bytes.
const MAX_NAME_BYTES: usize = 255;

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

fn folder_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

pub struct TempOutput {
    temp: PathBuf,
    target: PathBuf,
    overwrite: bool,
    committed: bool,
}

impl TempOutput {
    /// Checks the target can be written (and is not an existing file we must keep), then
    /// creates the temporary file beside it: exclusively (an existing file is never reused),
    /// under a name nobody can predict, short enough for the file system whatever the
    /// target's own name.
    pub fn create(target: &Path, overwrite: bool) -> Result<Self, ExportError> {
        check_target(target, overwrite)?;
        let folder = folder_of(target);
        let name = target
            .file_name()
            .map_or_else(|| "video".into(), |n| n.to_string_lossy().into_owned());
        let mut last_error = None;
        for _ in 0..16 {
            let temp = folder.join(temp_name(&name, random_u64()));
            match OpenOptions::new().write(true).create_new(true).open(&temp) {
                Ok(_) => {
                    return Ok(Self {
                        temp,
                        target: target.to_owned(),
                        overwrite,
                        committed: false,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last_error = Some(e),
                Err(e) => {
                    return Err(ExportError::OutputFolder {
                        path: folder,
                        reason: e.to_string(),
                    });
                }
            }
        }
        Err(ExportError::OutputFolder {
            path: folder,
            reason: last_error.map_or_else(|| "no free temporary name".into(), |e| e.to_string()),
        })
    }

    #[must_use]
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Flushes the finished file to disk and moves it into place. Without `overwrite`, a file
    /// that appeared at the target meanwhile is kept and this fails.
    pub fn commit(mut self) -> Result<PathBuf, ExportError> {
        let synced = std::fs::File::open(&self.temp).and_then(|f| f.sync_all());
        synced.map_err(|e| ExportError::Write {
            path: self.target.clone(),
            reason: format!("cannot flush the video to disk: {e}"),
        })?;
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
        // The rename itself is durable once the folder is synced (best effort: not every
        // platform can open a folder).
        if let Ok(folder) = std::fs::File::open(folder_of(&self.target)) {
            let _ = folder.sync_all();
        }
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

/// `.NAME.RANDOM.gridreel-part`, with NAME cut (at a character boundary) so that the whole
/// fits [`MAX_NAME_BYTES`].
fn temp_name(name: &str, random: u64) -> String {
    let fixed = format!(".{random:016x}{PART_SUFFIX}");
    let room = MAX_NAME_BYTES - 1 - fixed.len();
    let mut end = name.len().min(room);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!(".{}{fixed}", &name[..end])
}

/// 64 bits nobody can predict: std's hasher keys are drawn from the OS's random source once
/// per process, and each call hashes the time and a counter.
fn random_u64() -> u64 {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut hasher = std::hash::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.write_u32(std::process::id());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_fit_and_differ() {
        let long = "é".repeat(122) + ".mp4"; // 248 bytes
        let name = temp_name(&long, 7);
        assert!(name.len() <= MAX_NAME_BYTES, "{}", name.len());
        assert!(name.starts_with(".é") && name.ends_with(PART_SUFFIX));
        assert_ne!(random_u64(), random_u64());
    }

    #[test]
    fn long_output_names_work_and_nothing_is_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("v".repeat(245) + ".mp4");
        let out = TempOutput::create(&target, false).unwrap();
        std::fs::write(out.temp_path(), b"video").unwrap();
        assert_eq!(out.commit().unwrap(), target);
        assert_eq!(std::fs::read(&target).unwrap(), b"video");
        let dropped = TempOutput::create(&dir.path().join("b.mp4"), false).unwrap();
        drop(dropped);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "only the finished video remains");
    }
}
