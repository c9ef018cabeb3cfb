//! Opening user-named files safely: only regular files are read. A FIFO, socket or device
//! named `photo.jpg` or `preset.ron` is refused at once instead of blocking forever (opening
//! a FIFO waits for a writer) or reading without end (`/dev/zero`).

pub mod atomic;
pub mod guard;

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::Path;

/// What went wrong with a file, in words ("a part of the path is a file, not a folder"),
/// not the system's "Not a directory (os error 20)".
#[must_use]
pub fn io_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let words = match e.kind() {
        K::NotFound => "there is no such file or folder",
        K::PermissionDenied => "permission denied: this user may not use it",
        K::NotADirectory => "a part of the path is a file, not a folder",
        K::IsADirectory => "it is a folder, not a file",
        K::AlreadyExists => "a file of that name is already there",
        K::StorageFull => "the disk is full",
        K::ReadOnlyFilesystem => "the disk is read-only",
        K::InvalidFilename => "the name is too long or not allowed here",
        K::DirectoryNotEmpty => "the folder is not empty",
        K::FileTooLarge => "the file is too large for this disk",
        K::QuotaExceeded => "the disk quota is used up",
        K::UnexpectedEof => "the file ends too early",
        K::Interrupted | K::TimedOut => "it took too long and was stopped",
        _ => {
            // The system's own words, without the error number.
            let text = e.to_string();
            return match text.find(" (os error") {
                Some(i) => text[..i].to_owned(),
                None => text,
            };
        }
    };
    words.to_owned()
}

/// Opens `path` for reading if it is a regular file (symbolic links are followed).
pub fn open_regular(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    // Non-blocking open: a FIFO opens at once (then fails the check below) instead of
    // waiting for a writer. Regular files ignore the flag.
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    #[cfg(not(target_os = "linux"))]
    if !std::fs::metadata(path)?.is_file() {
        return Err(not_regular());
    }
    let file = options.open(path)?;
    if file.metadata()?.is_file() {
        Ok(file)
    } else {
        Err(not_regular())
    }
}

fn not_regular() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        "not a regular file (a folder, FIFO, socket or device)",
    )
}

/// Reads a regular file of at most `max_bytes` into a string.
pub fn read_small_text(path: &Path, max_bytes: u64) -> std::io::Result<String> {
    let file = open_regular(path)?;
    let mut text = String::new();
    file.take(max_bytes + 1).read_to_string(&mut text)?;
    if text.len() as u64 > max_bytes {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {} KiB", max_bytes >> 10),
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_errors_are_said_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("photo.jpg");
        std::fs::write(&file, b"x").unwrap();
        // A path through a file, as a user typing `photo.jpg/out.mp4` makes.
        let e = std::fs::File::create(file.join("out.mp4")).unwrap_err();
        assert_eq!(io_words(&e), "a part of the path is a file, not a folder");
        let e = std::fs::File::open(dir.path().join("gone")).unwrap_err();
        assert_eq!(io_words(&e), "there is no such file or folder");
        let e = std::io::Error::from_raw_os_error(libc::EBADF);
        assert!(!io_words(&e).contains("os error"), "{}", io_words(&e));
    }

    #[test]
    fn only_regular_files_open() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.ron");
        std::fs::write(&file, "(rows: 2)").unwrap();
        assert_eq!(read_small_text(&file, 100).unwrap(), "(rows: 2)");
        assert!(
            read_small_text(&file, 4)
                .unwrap_err()
                .to_string()
                .contains("larger")
        );
        assert!(open_regular(dir.path()).is_err());
        assert!(open_regular(Path::new("/dev/zero")).is_err());
    }
}
