//! `--captions FILE`: a sidecar's captions matched to the photos of the folder. An entry
//! naming no photo there stops the render before it starts (exit 2), naming the entries: a
//! user who wrote a caption for a photo expects to see it, and a warning scrolled past would
//! leave it out of a video found wanting only after the render.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::Failure;
use crate::photos;
use crate::settings::{Settings, read_caption_sidecar};

/// How many missing entries the message names before "and N more".
const NAMED: usize = 10;

/// Puts the captions of the sidecar `file` into `settings`, each path taken relative to the
/// photo folder `images` (the demo photos' without one). Returns the notes to print (texts
/// cleaned of control characters).
pub(super) fn apply_sidecar(
    settings: &mut Settings,
    file: &Path,
    images: Option<&Path>,
    recursive: bool,
) -> Result<Vec<String>, Failure> {
    let entries = read_caption_sidecar(file).map_err(Failure::input)?;
    let folder = match images {
        Some(dir) => dir.to_owned(),
        None => photos::demo_folder().map_err(Failure::input)?,
    };
    let scan = photos::scan_folder(&folder, recursive).map_err(Failure::input)?;
    let known: HashSet<&PathBuf> = scan.photos.iter().collect();
    let (mut missing, mut notes) = (Vec::new(), Vec::new());
    for (key, text) in entries {
        let path = if key.is_absolute() {
            key.clone()
        } else {
            folder.join(&key)
        };
        if !known.contains(&path) {
            missing.push(key.display().to_string());
            continue;
        }
        let kept: String = text.chars().filter(|c| !c.is_control()).collect();
        if kept != text {
            notes.push(format!(
                "caption: control characters left out of the caption of {}",
                path.display()
            ));
        }
        settings.captions.texts.insert(path, kept);
    }
    if !missing.is_empty() {
        let more = missing.len().saturating_sub(NAMED);
        let mut named = missing[..missing.len().min(NAMED)].join(", ");
        if more > 0 {
            named = format!("{named} and {more} more");
        }
        return Err(Failure::input(format!(
            "captions: {} {} no photo in {}: {named}; fix or remove {}: {}",
            missing.len(),
            if missing.len() == 1 {
                "entry names"
            } else {
                "entries name"
            },
            folder.display(),
            if missing.len() == 1 { "it" } else { "them" },
            file.display()
        )));
    }
    settings
        .validate()
        .map_err(|e| Failure::input(format!("invalid setting: {e}")))?;
    Ok(notes)
}
