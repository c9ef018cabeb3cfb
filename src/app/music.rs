//! The editor's music: the settings panel's section, the waveform under the timeline
//! (decoded once per track, offset and duration, on a named thread), and playback.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, sync_channel};

use eframe::egui;

use super::dialogs::{Dialogs, Purpose};
use super::logic::Editor;
use super::playback::Playback;
use crate::music::{MusicError, MusicTiming, Peaks, waveform};

/// Height of the waveform strip, points.
const WAVEFORM_HEIGHT: f32 = 36.0;

/// What a waveform is computed for: the track, its offset, the video's length.
#[derive(Clone, Debug, PartialEq)]
struct WaveformKey {
    file: PathBuf,
    offset_secs: f64,
    video_secs: f64,
}

struct WaveformJob {
    rx: Receiver<Result<Option<Peaks>, MusicError>>,
    cancel: Arc<AtomicBool>,
}

/// The music's state in the editor.
#[derive(Default)]
pub struct Music {
    pub playback: Playback,
    waveform: Option<Peaks>,
    key: Option<WaveformKey>,
    job: Option<WaveformJob>,
}

impl Music {
    /// The waveform's peaks, once decoded.
    #[must_use]
    pub fn peaks(&self) -> Option<&Peaks> {
        self.waveform.as_ref()
    }

    /// Whether the waveform is being decoded.
    #[must_use]
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    /// Follows the editor's track and play head: call once per frame.
    pub fn update(&mut self, editor: &mut Editor, dt_secs: f64) {
        let audio = &editor.settings.audio;
        let key = audio.file.clone().map(|file| WaveformKey {
            file,
            offset_secs: audio.offset_secs,
            video_secs: editor.settings.duration_secs,
        });
        if key != self.key {
            if key.as_ref().map(|k| &k.file) != self.key.as_ref().map(|k| &k.file) {
                self.waveform = None; // another track: the old shape would mislead
            }
            self.key.clone_from(&key);
            self.start_waveform(key, editor);
        }
        self.poll_waveform(editor);
        self.playback.update(editor, dt_secs);
    }

    fn start_waveform(&mut self, key: Option<WaveformKey>, editor: &mut Editor) {
        if let Some(old) = self.job.take() {
            old.cancel.store(true, Ordering::Relaxed);
        }
        let Some(key) = key else {
            self.waveform = None;
            return;
        };
        let (tx, rx) = sync_channel(1);
        let cancel = Arc::new(AtomicBool::new(false));
        let thread_cancel = Arc::clone(&cancel);
        let spawned = std::thread::Builder::new()
            .name("gridreel-waveform".into())
            .spawn(move || {
                let peaks =
                    waveform::compute(&key.file, key.offset_secs, key.video_secs, &thread_cancel);
                let _ = tx.send(peaks);
            });
        match spawned {
            Ok(_) => self.job = Some(WaveformJob { rx, cancel }),
            Err(e) => editor
                .errors
                .push(format!("cannot start decoding the music: {e}")),
        }
    }

    fn poll_waveform(&mut self, editor: &mut Editor) {
        let Some(job) = &self.job else {
            return;
        };
        match job.rx.try_recv() {
            Ok(Ok(Some(peaks))) => {
                self.waveform = Some(peaks);
                self.job = None;
            }
            Ok(Ok(None)) | Err(TryRecvError::Disconnected) => self.job = None,
            Ok(Err(e)) => {
                editor.errors.push(e.to_string());
                self.job = None;
            }
            Err(TryRecvError::Empty) => {}
        }
    }
}

/// Shows the music's name with *Choose track…*, *Remove*, and its fades and offset.
/// Returns true when a setting changed.
pub fn section_ui(
    ui: &mut egui::Ui,
    editor: &mut Editor,
    dialogs: &mut Dialogs,
    music: &Music,
) -> bool {
    let before = editor.settings.audio.clone();
    match &editor.settings.audio.file {
        Some(file) => {
            let name = file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            ui.label(format!("Track: {name}"))
                .on_hover_text(file.display().to_string());
        }
        None => {
            ui.weak("No music. Choose a track or drop an audio file on the window.");
        }
    }
    ui.horizontal(|ui| {
        if ui.button("Choose track…").clicked() {
            dialogs.ask(editor, Purpose::Music);
        }
        if ui
            .add_enabled(
                editor.settings.audio.file.is_some(),
                egui::Button::new("Remove"),
            )
            .on_hover_text("Remove the music (also in the Edit menu)")
            .clicked()
        {
            editor.settings.audio.file = None;
        }
    });
    let track_secs = music.peaks().map(|p| p.timing.track_secs);
    let audio = &mut editor.settings.audio;
    egui::Grid::new("music")
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| {
            let label = ui.label("Fade in");
            ui.add(
                egui::Slider::new(&mut audio.fade_in_secs, 0.0..=10.0)
                    .suffix(" s")
                    .clamping(egui::SliderClamping::Edits),
            )
            .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("Fade out");
            ui.add(
                egui::Slider::new(&mut audio.fade_out_secs, 0.0..=10.0)
                    .suffix(" s")
                    .clamping(egui::SliderClamping::Edits),
            )
            .labelled_by(label.id);
            ui.end_row();
            let label = ui.label("Start at");
            let most = track_secs.unwrap_or(3600.0).max(0.0);
            ui.add(
                egui::DragValue::new(&mut audio.offset_secs)
                    .range(0.0..=most)
                    .speed(0.05)
                    .suffix(" s"),
            )
            .labelled_by(label.id)
            .on_hover_text("Where in the track the video starts; the track repeats from here.");
            ui.end_row();
        });
    editor.settings.audio != before
}

/// The *Mute* toggle, and why nothing is heard when there is no sound output.
pub fn mute_ui(ui: &mut egui::Ui, music: &mut Music) {
    // Without an output there is nothing to mute: a short note (it shares the row's left end
    // with Play and Repeat), the reason on hover.
    if let Some(reason) = music.playback.unavailable() {
        ui.weak("no sound").on_hover_text(reason);
    } else {
        ui.toggle_value(&mut music.playback.muted, "Mute")
            .on_hover_text("Hear the music while the preview plays");
    }
}

/// The waveform under the timeline's scrubber (`x_range`: the scrubber's span), with the
/// play head; clicking or dragging on it moves the play head.
pub fn waveform_ui(
    ui: &mut egui::Ui,
    editor: &mut Editor,
    music: &mut Music,
    x_range: egui::Rangef,
) {
    if editor.settings.audio.file.is_none() {
        return;
    }
    let (row, _) = ui.allocate_exact_size(
        egui::vec2(ui.available_width(), WAVEFORM_HEIGHT),
        egui::Sense::hover(),
    );
    let left = egui::Rect::from_x_y_ranges(
        row.left()..=(x_range.min - 8.0).max(row.left()),
        row.y_range(),
    );
    ui.scope_builder(egui::UiBuilder::new().max_rect(left), |ui| {
        ui.horizontal_centered(|ui| mute_ui(ui, music));
    });
    let rect = egui::Rect::from_x_y_ranges(x_range, row.y_range());
    let id = ui.scope_id().with("waveform");
    let response = ui.interact(rect, id, egui::Sense::click_and_drag());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, "Waveform"));
    let duration = editor.settings.duration_secs;
    if (response.clicked() || response.dragged())
        && let Some(pos) = response.interact_pointer_pos()
    {
        let share = f64::from(((pos.x - rect.left()) / rect.width()).clamp(0.0, 1.0));
        editor.time_secs = share * duration;
        editor.playing = false;
    }
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    painter.rect_filled(rect, 2.0, visuals.extreme_bg_color);
    let audio = &editor.settings.audio;
    if let Some(peaks) = music.peaks() {
        let (fade_in, fade_out) = (audio.fade_in_secs, audio.fade_out_secs);
        paint_peaks(&painter, rect, peaks, fade_in, fade_out, visuals);
    } else if music.busy() {
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            "decoding the music…",
            egui::FontId::proportional(11.0),
            visuals.weak_text_color(),
        );
    }
    // The play head.
    let x = rect.left() + rect.width() * (editor.time_secs / duration.max(1e-9)) as f32;
    painter.vline(
        x,
        rect.y_range(),
        egui::Stroke::new(1.5, visuals.selection.stroke.color),
    );
}

/// One vertical line per column of pixels, from the lowest to the highest sample of the
/// slices under it, scaled by the fades as the export applies them.
fn paint_peaks(
    painter: &egui::Painter,
    rect: egui::Rect,
    peaks: &Peaks,
    fade_in_secs: f64,
    fade_out_secs: f64,
    visuals: &egui::Visuals,
) {
    let n = peaks.min.len();
    if n == 0 {
        return;
    }
    let timing: MusicTiming = peaks.timing;
    let columns = rect.width().max(1.0) as usize;
    let mid = rect.center().y;
    let half = rect.height() * 0.5 - 1.0;
    let color = visuals.widgets.inactive.fg_stroke.color;
    for c in 0..columns {
        let from = c * n / columns;
        let to = ((c + 1) * n / columns).max(from + 1).min(n);
        let min = peaks.min[from..to].iter().fold(0.0_f32, |a, &b| a.min(b));
        let max = peaks.max[from..to].iter().fold(0.0_f32, |a, &b| a.max(b));
        let t = (c as f64 + 0.5) / columns as f64 * timing.video_secs;
        let gain = timing.gain_at(t, fade_in_secs, fade_out_secs);
        let x = rect.left() + c as f32 + 0.5;
        let top = mid - (max * gain).clamp(0.0, 1.0) * half;
        let bottom = mid - (min * gain).clamp(-1.0, 0.0) * half;
        painter.vline(
            x,
            egui::Rangef::new(top, bottom.max(top + 1.0)),
            egui::Stroke::new(1.0, color),
        );
    }
}
