//! Atomic writes: a file is written under a hidden temporary name next to its target and
//! moved into place only when complete and on disk. Dropping the guard removes the temporary
//! file, so a failed, cancelled or panicking write leaves nothing behind. Exports and presets
//! both write through it.

use std::fs::OpenOptions;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};

/// Suffix of the temporary file a write goes into.
pub const PART_SUFFIX: &str = ".gridreel-part";

/// Longest file name most file systems take, in bytes.
const MAX_NAME_BYTES: usize = 255;

/// Why a finished temporary file could not be moved into place.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    #[error("cannot flush the file to disk: {}", super::io_words(.0))]
    Flush(std::io::Error),
    /// A file appeared at the target and replacing was not allowed: it is kept.
    #[error("a file of that name exists")]
    Exists,
    #[error("cannot move the finished file into place: {}", super::io_words(.0))]
    Move(std::io::Error),
}

/// The folder a target lies in (`.` for a bare name).
#[must_use]
pub fn folder_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// A temporary file beside its target, moved into place by [`AtomicFile::commit`].
pub struct AtomicFile {
    temp: PathBuf,
    target: PathBuf,
    replace: bool,
    committed: bool,
}

impl AtomicFile {
    /// Creates the temporary file beside `target`: exclusively (an existing file is never
    /// reused), under a name nobody can predict, short enough for the file system whatever
    /// the target's own name. With `replace`, the commit replaces an existing target; without,
    /// it never does.
    pub fn create(target: &Path, replace: bool) -> std::io::Result<Self> {
        let folder = folder_of(target);
        let name = target
            .file_name()
            .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
        let mut last_error = None;
        for _ in 0..16 {
            let temp = folder.join(temp_name(&name, random_u64()));
            match OpenOptions::new().write(true).create_new(true).open(&temp) {
                Ok(_) => {
                    return Ok(Self {
                        temp,
                        target: target.to_owned(),
                        replace,
                        committed: false,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last_error = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
    }

    #[must_use]
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    #[must_use]
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes the finished file to disk and moves it into place. Without `replace`, a file
    /// that appeared at the target meanwhile is kept and this fails with
    /// [`CommitError::Exists`].
    pub fn commit(mut self) -> Result<PathBuf, CommitError> {
        std::fs::File::open(&self.temp)
            .and_then(|f| f.sync_all())
            .map_err(CommitError::Flush)?;
        if self.replace {
            std::fs::rename(&self.temp, &self.target).map_err(CommitError::Move)?;
        } else {
            // A hard link fails if the target exists, so nothing can be clobbered in between.
            match std::fs::hard_link(&self.temp, &self.target) {
                Ok(()) => {
                    let _ = std::fs::remove_file(&self.temp);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(CommitError::Exists);
                }
                // File systems without hard links: check, then rename.
                Err(_) if !self.target.exists() => {
                    std::fs::rename(&self.temp, &self.target).map_err(CommitError::Move)?;
                }
                Err(_) => return Err(CommitError::Exists),
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
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Writes `bytes` to `target` atomically (see [`AtomicFile`]).
pub fn write_atomic(target: &Path, bytes: &[u8], replace: bool) -> Result<PathBuf, CommitError> {
    let file = AtomicFile::create(target, replace).map_err(CommitError::Move)?;
    std::fs::write(file.temp_path(), bytes).map_err(CommitError::Flush)?;
    file.commit()
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
    fn long_names_work_and_nothing_is_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("v".repeat(245) + ".mp4");
        let out = AtomicFile::create(&target, false).unwrap();
        std::fs::write(out.temp_path(), b"video").unwrap();
        assert_eq!(out.commit().unwrap(), target);
        assert_eq!(std::fs::read(&target).unwrap(), b"video");
        let dropped = AtomicFile::create(&dir.path().join("b.mp4"), false).unwrap();
        drop(dropped);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "only the finished file remains");
    }

    #[test]
    fn without_replace_an_existing_file_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.ron");
        std::fs::write(&target, b"mine").unwrap();
        assert!(matches!(
            write_atomic(&target, b"new", false),
            Err(CommitError::Exists)
        ));
        assert_eq!(std::fs::read(&target).unwrap(), b"mine");
        write_atomic(&target, b"new", true).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
