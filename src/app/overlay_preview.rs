//! The title and the logo over the preview: the same sprites the export blends
//! ([`Overlay::build`]), rasterised on a `gridreel-overlay` worker when their settings change
//! (never on the UI thread, never per frame), uploaded once as textures and drawn over the
//! frame at their opacity at the play head's time.

use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};

use eframe::egui;

use crate::overlay::{Overlay, Sprite};
use crate::settings::{LogoSettings, SafeArea, Settings, TitleSettings};

/// What the overlay is drawn from: a change to any of it rasterises it again.
#[derive(Clone, Debug, PartialEq)]
struct Key {
    title: TitleSettings,
    logo: LogoSettings,
    safe_area: SafeArea,
    frame_px: (u32, u32),
    duration_secs: f64,
}

impl Key {
    fn of(settings: &Settings) -> Self {
        Self {
            title: settings.title.clone(),
            logo: settings.logo.clone(),
            safe_area: settings.safe_area,
            frame_px: settings.frame_size_px(),
            duration_secs: settings.duration_secs,
        }
    }

    fn is_of(&self, settings: &Settings) -> bool {
        self.title == settings.title
            && self.logo == settings.logo
            && self.safe_area == settings.safe_area
            && self.frame_px == settings.frame_size_px()
            && self.duration_secs.to_bits() == settings.duration_secs.to_bits()
    }
}

type Built = (Key, Result<Overlay, String>);

/// The preview's overlay: its worker, its textures and what went wrong last.
pub struct OverlayPreview {
    requests: Option<SyncSender<Key>>,
    results: Option<Receiver<Built>>,
    /// The key being rasterised by the worker.
    in_flight: Option<Key>,
    /// The key of the textures (or the error) shown.
    shown: Option<Key>,
    frame_px: (u32, u32),
    textures: Vec<(egui::TextureHandle, Sprite)>,
    error: Option<String>,
}

impl OverlayPreview {
    /// Starts the worker; it asks `ctx` to repaint when an overlay is ready.
    #[must_use]
    pub fn new(ctx: &egui::Context) -> Self {
        let (request_tx, request_rx) = sync_channel::<Key>(1);
        let (result_tx, result_rx) = sync_channel::<Built>(1);
        let ctx = ctx.clone();
        let worker = std::thread::Builder::new()
            .name("gridreel-overlay".into())
            .spawn(move || {
                for key in request_rx {
                    let mut settings = Settings {
                        duration_secs: key.duration_secs,
                        ..Settings::default()
                    };
                    settings.title = key.title.clone();
                    settings.logo = key.logo.clone();
                    settings.safe_area = key.safe_area;
                    let built = Overlay::build(&settings, key.frame_px).map_err(|e| e.to_string());
                    if result_tx.send((key, built)).is_err() {
                        return;
                    }
                    ctx.request_repaint();
                }
            });
        let (requests, results, error) = match worker {
            Ok(_) => (Some(request_tx), Some(result_rx), None),
            Err(e) => (None, None, Some(format!("the title cannot be drawn: {e}"))),
        };
        Self {
            requests,
            results,
            in_flight: None,
            shown: None,
            frame_px: (1, 1),
            textures: Vec::new(),
            error,
        }
    }

    /// Asks for the overlay of `settings` when it changed, and takes a finished one.
    pub fn update(&mut self, ctx: &egui::Context, settings: &Settings) {
        if let Some(results) = &self.results {
            match results.try_recv() {
                Ok((key, built)) => {
                    self.in_flight = None;
                    self.show(ctx, key, built);
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    self.results = None;
                    self.error = Some("the title's worker stopped".into());
                }
            }
        }
        if self.in_flight.is_some() {
            return;
        }
        // Compared in place: no copy of the settings per frame.
        if self.shown.as_ref().is_some_and(|k| k.is_of(settings)) {
            return;
        }
        let key = Key::of(settings);
        let nothing = !key.title.shown() && key.logo.file.is_none();
        if nothing || settings.validate().is_err() {
            // Nothing to draw, or a value the settings panel already reports.
            self.show(ctx, key, Ok(Overlay::default()));
            return;
        }
        if let Some(requests) = &self.requests
            && requests.try_send(key.clone()).is_ok()
        {
            self.in_flight = Some(key);
        }
    }

    fn show(&mut self, ctx: &egui::Context, key: Key, built: Result<Overlay, String>) {
        self.textures.clear();
        self.frame_px = key.frame_px;
        self.shown = Some(key);
        match built {
            Ok(overlay) => {
                self.error = None;
                for (i, sprite) in overlay.sprites.into_iter().enumerate() {
                    let size = [sprite.width_px as usize, sprite.height_px as usize];
                    let image = egui::ColorImage::from_rgba_premultiplied(size, &sprite.rgba);
                    let texture = ctx.load_texture(
                        format!("gridreel-overlay-{i}"),
                        image,
                        egui::TextureOptions::LINEAR,
                    );
                    self.textures.push((texture, sprite));
                }
            }
            Err(error) => self.error = Some(error),
        }
    }

    /// Whether what is shown is drawn from `settings` (nothing being rasterised for them).
    #[must_use]
    pub fn is_current(&self, settings: &Settings) -> bool {
        self.in_flight.is_none() && self.shown.as_ref().is_some_and(|k| k.is_of(settings))
    }

    /// Why the title or the logo cannot be drawn, if so.
    #[must_use]
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Draws the sprites over the frame drawn in `frame_rect`, at their opacity at `t_secs`.
    pub fn paint(&self, painter: &egui::Painter, frame_rect: egui::Rect, t_secs: f64) {
        let scale = egui::vec2(
            frame_rect.width() / self.frame_px.0.max(1) as f32,
            frame_rect.height() / self.frame_px.1.max(1) as f32,
        );
        let uv = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
        for (texture, sprite) in &self.textures {
            let o = (sprite.fade.at(t_secs) * 255.0).round() as u8;
            if o == 0 {
                continue;
            }
            let min = frame_rect.min
                + egui::vec2(sprite.x_px as f32 * scale.x, sprite.y_px as f32 * scale.y);
            let size = egui::vec2(
                sprite.width_px as f32 * scale.x,
                sprite.height_px as f32 * scale.y,
            );
            let tint = egui::Color32::from_rgba_premultiplied(o, o, o, o);
            painter.image(texture.id(), egui::Rect::from_min_size(min, size), uv, tint);
        }
    }
}

/// What the editor draws over the preview and never exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Guides {
    /// The safe area's outline and dimmed edges (when the settings have a safe area):
    /// "Show safe area" beside the timeline, on at first.
    pub safe_area: bool,
}

impl Default for Guides {
    fn default() -> Self {
        Self { safe_area: true }
    }
}

/// The safe-area guide over the frame drawn in `frame_rect`: the edges `safe_area` covers
/// dimmed and the safe rectangle outlined. Drawn by egui over the preview only; the export
/// never sees it. Nothing without a safe area.
pub fn safe_area_guide_ui(painter: &egui::Painter, frame_rect: egui::Rect, safe_area: SafeArea) {
    if safe_area.is_default() {
        return;
    }
    let (w, h) = (frame_rect.width(), frame_rect.height());
    let share = |s: f64| s.clamp(0.0, SafeArea::MAX_SHARE) as f32;
    let safe = egui::Rect::from_min_max(
        frame_rect.min + egui::vec2(share(safe_area.left) * w, share(safe_area.top) * h),
        frame_rect.max - egui::vec2(share(safe_area.right) * w, share(safe_area.bottom) * h),
    );
    let dim = egui::Color32::from_black_alpha(110);
    let (outer, inner) = (frame_rect, safe);
    for band in [
        egui::Rect::from_min_max(outer.min, egui::pos2(outer.max.x, inner.min.y)),
        egui::Rect::from_min_max(egui::pos2(outer.min.x, inner.max.y), outer.max),
        egui::Rect::from_min_max(
            egui::pos2(outer.min.x, inner.min.y),
            egui::pos2(inner.min.x, inner.max.y),
        ),
        egui::Rect::from_min_max(
            egui::pos2(inner.max.x, inner.min.y),
            egui::pos2(outer.max.x, inner.max.y),
        ),
    ] {
        if band.is_positive() {
            painter.rect_filled(band, 0.0, dim);
        }
    }
    painter.rect_stroke(
        safe,
        0.0,
        egui::Stroke::new(1.0, egui::Color32::from_rgb(255, 220, 0)),
        egui::StrokeKind::Inside,
    );
}
