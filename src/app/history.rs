//! Undo and redo over the project: every setting, the photo order and which photos are left
//! out. egui's `Undoer` keeps the history; a slider drag becomes one step once the value has
//! been still for a moment. The state it compares is kept up to date by `sync`, which clones
//! only when something changed, so an idle editor allocates nothing for it.

use std::path::PathBuf;

use eframe::egui::util::undoer::{Settings as UndoSettings, Undoer};

use super::logic::Editor;
use crate::settings::Settings;

/// What undo restores.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectState {
    pub settings: Settings,
    /// Photos in the user's order, and whether each is in the video.
    pub photos: Vec<(PathBuf, bool)>,
}

/// 100 steps; a change becomes a step once the state has been still for 0.3 s (a slider
/// drag is one step), or every 10 s while it keeps changing.
fn undo_settings() -> UndoSettings {
    UndoSettings {
        max_undos: 100,
        stable_time: 0.3,
        auto_save_interval: 10.0,
    }
}

pub struct History {
    undoer: Undoer<ProjectState>,
    current: ProjectState,
    /// The editor's photo-list generation `current.photos` was taken at.
    photos_generation: u64,
}

impl History {
    #[must_use]
    pub fn new(editor: &Editor) -> Self {
        let mut history = Self {
            undoer: Undoer::with_settings(undo_settings()),
            current: ProjectState {
                settings: editor.settings.clone(),
                photos: Vec::new(),
            },
            photos_generation: 0,
        };
        history.sync(editor, 0.0);
        history
    }

    /// Feeds the editor's state at `time_secs` (call once per frame).
    pub fn sync(&mut self, editor: &Editor, time_secs: f64) {
        if self.current.settings != editor.settings {
            self.current.settings.clone_from(&editor.settings);
        }
        if self.photos_generation != editor.photos.order_generation() {
            self.photos_generation = editor.photos.order_generation();
            self.current.photos.clear();
            self.current
                .photos
                .extend(editor.photos.iter().map(|p| (p.path.clone(), p.included)));
        }
        self.undoer.feed_state(time_secs, &self.current);
    }

    /// Forgets the history (a new folder starts a new project).
    pub fn reset(&mut self, editor: &Editor, time_secs: f64) {
        self.undoer = Undoer::with_settings(undo_settings());
        self.photos_generation = editor.photos.order_generation().wrapping_sub(1);
        self.sync(editor, time_secs);
    }

    #[must_use]
    pub fn can_undo(&self) -> bool {
        self.undoer.has_undo(&self.current)
    }

    #[must_use]
    pub fn can_redo(&self) -> bool {
        self.undoer.has_redo(&self.current)
    }

    /// Steps back; true when something changed.
    pub fn undo(&mut self, editor: &mut Editor) -> bool {
        let Some(state) = self.undoer.undo(&self.current).cloned() else {
            return false;
        };
        self.restore(editor, state);
        true
    }

    /// Steps forward again; true when something changed.
    pub fn redo(&mut self, editor: &mut Editor) -> bool {
        let Some(state) = self.undoer.redo(&self.current).cloned() else {
            return false;
        };
        self.restore(editor, state);
        true
    }

    fn restore(&mut self, editor: &mut Editor, state: ProjectState) {
        editor.photos.restore(&state.photos);
        editor.settings = state.settings.clone();
        editor.settings_changed();
        self.photos_generation = editor.photos.order_generation();
        self.current = state;
    }
}
