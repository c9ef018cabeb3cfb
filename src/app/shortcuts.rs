//! The editor's keyboard shortcuts, defined once: the bindings the app reacts to, the labels
//! its menus show, and the *Help* list all come from [`Shortcut::keys`], formatted by egui for
//! the platform (Ctrl on Linux and Windows, ⌘ on macOS).

use eframe::egui::{self, Key, KeyboardShortcut, Modifiers};

/// What the keyboard shortcuts and the *Edit* menu do; the *Help* menu lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortcut {
    Undo,
    Redo,
    Open,
    Export,
    Music,
    SavePreset,
    Hud,
    PlayPause,
    StepBack,
    StepForward,
    Start,
    End,
}

const fn command(key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::COMMAND, key)
}

const fn plain(key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::NONE, key)
}

impl Shortcut {
    /// Every shortcut, in the order the *Help* menu lists them.
    pub const ALL: [Self; 12] = [
        Self::PlayPause,
        Self::StepBack,
        Self::StepForward,
        Self::Start,
        Self::End,
        Self::Undo,
        Self::Redo,
        Self::Open,
        Self::Export,
        Self::Music,
        Self::SavePreset,
        Self::Hud,
    ];

    /// The keys that do it, the one menus show first.
    #[must_use]
    pub const fn keys(self) -> &'static [KeyboardShortcut] {
        const UNDO: &[KeyboardShortcut] = &[command(Key::Z)];
        const REDO: &[KeyboardShortcut] = &[
            KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::Z),
            command(Key::Y),
        ];
        const OPEN: &[KeyboardShortcut] = &[command(Key::O)];
        const EXPORT: &[KeyboardShortcut] = &[command(Key::E)];
        const MUSIC: &[KeyboardShortcut] = &[command(Key::M)];
        const SAVE_PRESET: &[KeyboardShortcut] = &[command(Key::S)];
        const HUD: &[KeyboardShortcut] = &[plain(Key::F1)];
        const PLAY_PAUSE: &[KeyboardShortcut] = &[plain(Key::Space)];
        const STEP_BACK: &[KeyboardShortcut] = &[plain(Key::ArrowLeft)];
        const STEP_FORWARD: &[KeyboardShortcut] = &[plain(Key::ArrowRight)];
        const START: &[KeyboardShortcut] = &[plain(Key::Home)];
        const END: &[KeyboardShortcut] = &[plain(Key::End)];
        match self {
            Self::Undo => UNDO,
            Self::Redo => REDO,
            Self::Open => OPEN,
            Self::Export => EXPORT,
            Self::Music => MUSIC,
            Self::SavePreset => SAVE_PRESET,
            Self::Hud => HUD,
            Self::PlayPause => PLAY_PAUSE,
            Self::StepBack => STEP_BACK,
            Self::StepForward => STEP_FORWARD,
            Self::Start => START,
            Self::End => END,
        }
    }

    /// What it does, for the *Help* menu.
    #[must_use]
    pub const fn what(self) -> &'static str {
        match self {
            Self::Undo => "undo",
            Self::Redo => "redo",
            Self::Open => "open a folder",
            Self::Export => "export",
            Self::Music => "choose the music",
            Self::SavePreset => "save the settings as a preset",
            Self::Hud => "show / hide the HUD",
            Self::PlayPause => "play / pause",
            Self::StepBack => "one frame back",
            Self::StepForward => "one frame forward",
            Self::Start => "first frame",
            Self::End => "last frame",
        }
    }

    /// Keys without a modifier (playback): they act only while no text field has the
    /// keyboard. F1 works everywhere.
    fn is_plain(self) -> bool {
        self.keys()[0].modifiers.is_none() && self != Self::Hud
    }

    /// Its keys as this platform writes them: "Ctrl+Shift+Z, Ctrl+Y".
    #[must_use]
    pub fn label(self, ctx: &egui::Context) -> String {
        self.keys()
            .iter()
            .map(|k| ctx.format_shortcut(k))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The shortcut the input of this frame asks for, if any (and takes its key press).
    /// Keys with more modifiers are tried first, so Ctrl+Shift+Z is redo, not undo.
    #[must_use]
    pub fn pressed(ctx: &egui::Context) -> Option<Self> {
        let typing = ctx.egui_wants_keyboard_input();
        let mut bindings: Vec<(KeyboardShortcut, Self)> = Self::ALL
            .into_iter()
            .filter(|s| !(typing && s.is_plain()))
            .flat_map(|s| s.keys().iter().map(move |k| (*k, s)))
            .collect();
        bindings.sort_by_key(|(k, _)| std::cmp::Reverse(modifier_count(k.modifiers)));
        ctx.input_mut(|i| {
            bindings
                .into_iter()
                .find(|(k, _)| {
                    if k.modifiers.is_none() {
                        i.key_pressed(k.logical_key)
                    } else {
                        i.consume_shortcut(k)
                    }
                })
                .map(|(_, s)| s)
        })
    }
}

fn modifier_count(m: Modifiers) -> u8 {
    u8::from(m.alt) + u8::from(m.ctrl) + u8::from(m.shift) + u8::from(m.mac_cmd || m.command)
}

/// What the mouse and drops do, listed after the keys in the *Help* menu.
pub const GESTURES: [(&str, &str); 5] = [
    ("drop a folder or files", "open them"),
    ("drop an audio file", "use it as the music"),
    ("drag a photo in the list", "reorder"),
    (
        "click a tile in the preview",
        "centre that photo's crop there",
    ),
    ("Alt+click a tile", "reset its crop centre"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_does_one_thing() {
        let mut seen = std::collections::HashSet::new();
        for s in Shortcut::ALL {
            for k in s.keys() {
                assert!(seen.insert((k.modifiers.command, k.modifiers.shift, k.logical_key)));
            }
        }
        let ctx = egui::Context::default();
        assert_eq!(Shortcut::Redo.label(&ctx), "Ctrl+Shift+Z, Ctrl+Y");
        assert_eq!(Shortcut::Undo.label(&ctx), "Ctrl+Z");
    }
}
