//! A caption sidecar: a CSV (`path,text` a line) or RON (`{"path": "text"}`) file setting
//! the captions of many photos at once. Only the parse lives here; matching its paths to
//! the photos is the command line's.

use std::path::{Path, PathBuf};

/// A sidecar that cannot be read, with where.
#[derive(Debug, thiserror::Error)]
pub enum SidecarError {
    #[error("captions: cannot read ({reason}): {}", path.display())]
    Read { reason: String, path: PathBuf },
    #[error("captions: line {line}: {message}: {}", path.display())]
    Csv {
        line: usize,
        message: String,
        path: PathBuf,
    },
    #[error("captions: not a RON map of \"path\": \"text\" ({reason}): {}", path.display())]
    Ron { reason: String, path: PathBuf },
}

/// The most bytes a sidecar may have.
pub const MAX_SIDECAR_BYTES: u64 = 16 << 20;

/// Reads the sidecar at `path`: RON when it ends in `.ron` or starts with `{`, else CSV.
///
/// # Errors
/// A file that cannot be read, or a line or map that does not parse, saying where.
pub fn read_caption_sidecar(path: &Path) -> Result<Vec<(PathBuf, String)>, SidecarError> {
    use std::io::Read;
    let read_error = |reason: String| SidecarError::Read {
        reason,
        path: path.to_owned(),
    };
    let file =
        crate::files::open_regular(path).map_err(|e| read_error(crate::files::io_words(&e)))?;
    let mut bytes = Vec::new();
    file.take(MAX_SIDECAR_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| read_error(e.to_string()))?;
    if bytes.len() as u64 > MAX_SIDECAR_BYTES {
        return Err(read_error(format!(
            "larger than {} MB",
            MAX_SIDECAR_BYTES >> 20
        )));
    }
    let text = String::from_utf8(bytes).map_err(|_| read_error("not UTF-8 text".into()))?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let is_ron = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ron"))
        || text.trim_start().starts_with('{');
    if is_ron {
        let map: std::collections::BTreeMap<PathBuf, String> =
            ron::from_str(text).map_err(|e| SidecarError::Ron {
                reason: e.to_string(),
                path: path.to_owned(),
            })?;
        return Ok(map.into_iter().collect());
    }
    parse_csv(text).map_err(|(line, message)| SidecarError::Csv {
        line,
        message,
        path: path.to_owned(),
    })
}

/// `path,text` lines; a field may be quoted (`"a, b"`, `""` for a quote). Blank lines and a
/// first line `path,text` (or `file,caption`) are skipped.
fn parse_csv(text: &str) -> Result<Vec<(PathBuf, String)>, (usize, String)> {
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fields = csv_fields(line).map_err(|m| (number, m))?;
        let [path, caption] = fields.as_slice() else {
            return Err((
                number,
                format!(
                    "expected 2 fields, path,text (got {}); quote a text with a comma",
                    fields.len()
                ),
            ));
        };
        let header = ["path", "file", "photo"].contains(&path.trim().to_lowercase().as_str());
        if number == 1 && header {
            continue;
        }
        if path.trim().is_empty() {
            return Err((number, "no photo path".into()));
        }
        entries.push((PathBuf::from(path.trim()), caption.clone()));
    }
    Ok(entries)
}

/// The fields of one CSV line.
fn csv_fields(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            '"' if quoted => quoted = false,
            '"' if field.trim().is_empty() && !was_quoted => {
                field.clear();
                quoted = true;
                was_quoted = true;
            }
            ',' if !quoted => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            c => field.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed".into());
    }
    fields.push(field);
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_lines_with_quotes_and_a_header() {
        let text =
            "path,text\nIMG_1.jpg,Grandma\n\n\"a, b.jpg\",\"She said \"\"hi\"\", then left\"\r\n";
        let entries = parse_csv(text).unwrap();
        assert_eq!(
            entries,
            vec![
                (PathBuf::from("IMG_1.jpg"), "Grandma".to_owned()),
                (
                    PathBuf::from("a, b.jpg"),
                    "She said \"hi\", then left".to_owned()
                ),
            ]
        );
        assert_eq!(parse_csv("a.jpg\n").unwrap_err().0, 1);
        assert_eq!(parse_csv("a.jpg,x\nb.jpg,x,y").unwrap_err().0, 2);
        assert!(parse_csv("a.jpg,\"open").is_err());
    }

    #[test]
    fn a_ron_map_reads_and_bad_files_name_themselves() {
        let dir = tempfile::tempdir().unwrap();
        let ron = dir.path().join("captions.ron");
        std::fs::write(&ron, "{\"京都/a.jpg\": \"金閣寺\"}").unwrap();
        let entries = read_caption_sidecar(&ron).unwrap();
        assert_eq!(
            entries,
            vec![(PathBuf::from("京都/a.jpg"), "金閣寺".into())]
        );
        std::fs::write(&ron, "{\"a.jpg\": 3}").unwrap();
        let err = read_caption_sidecar(&ron).unwrap_err().to_string();
        assert!(err.ends_with("captions.ron"), "{err}");
        let missing = dir.path().join("none.csv");
        let err = read_caption_sidecar(&missing).unwrap_err().to_string();
        assert!(err.ends_with("none.csv"), "{err}");
    }
}
