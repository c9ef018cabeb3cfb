//! The live preview: the same `GridRenderer` as export, drawn through an egui_wgpu paint
//! callback. The renderer lives in egui's callback resources, created once; per frame the
//! callback carries only the frame's uniform (a few dozen bytes).

use eframe::egui;
use eframe::egui_wgpu::{self, CallbackResources, CallbackTrait};

use std::path::PathBuf;
use std::sync::Arc;

use super::export_runner::export_share;
use super::logic::Editor;
use super::preview_clips::PreviewClips;
use crate::engine::tile_spec;
use crate::layout::Layout;
use crate::photos::{TilePixels, TileSpec};
use crate::render::{GridRenderer, GridUniform, NO_LAYER, THUMB_FLAG, Viewport, device_descriptor};
use crate::settings::{ClipMode, LiveMode, Settings};
use crate::stream::{ClipDeck, ClipPlan, Schedule, StreamMode, StreamPlan, TileStreamer};

/// Creates the preview renderer in egui's callback resources.
pub fn install(render_state: &egui_wgpu::RenderState) {
    // wgpu's default handler panics on a device error, which would take the editor (and an
    // unsaved project) down; keep the first one for the status bar instead.
    render_state
        .device
        .on_uncaptured_error(std::sync::Arc::new(|e: wgpu::Error| {
            log::error!("GPU error in the preview: {e}");
            if let Ok(mut first) = GPU_ERROR.lock() {
                first.get_or_insert_with(|| e.to_string());
            }
        }));
    let renderer = GridRenderer::new(&render_state.device, render_state.target_format);
    render_state
        .renderer
        .write()
        .callback_resources
        .insert(renderer);
}

/// The first device error of the preview not yet shown.
static GPU_ERROR: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// The preview's first device error since the last call.
pub fn take_gpu_error() -> Option<String> {
    GPU_ERROR.lock().ok().and_then(|mut e| e.take())
}

/// The device eframe should open: the adapter's own limits, as headless rendering uses.
#[must_use]
pub fn wgpu_options() -> egui_wgpu::WgpuConfiguration {
    let mut setup = egui_wgpu::WgpuSetupCreateNew::without_display_handle();
    setup.device_descriptor = std::sync::Arc::new(device_descriptor);
    egui_wgpu::WgpuConfiguration {
        wgpu_setup: egui_wgpu::WgpuSetup::CreateNew(setup),
        ..Default::default()
    }
}

/// The preview's tiles: a [`TileStreamer`] within the memory budget, drawing each photo's
/// thumbnail until its full tile has arrived. Rebuilt (keeping the tiles it can) when the
/// photos, the layout or the budget change; fed the play head every frame.
#[derive(Default)]
pub struct PreviewTiles {
    streamer: Option<TileStreamer>,
    /// The clips that play, when any do.
    clips: Option<PreviewClips>,
    /// Which photos play, for the photo list, range and modes it was worked out for (it
    /// reads folders and JPEG headers: not again for a layout change).
    clip_plan: Option<(ClipPlanKey, Option<ClipPlan>)>,
    key: Option<PreviewKey>,
    /// Why full tiles are not shown (the budget is too small for one frame), if so.
    pub problem: Option<String>,
}

/// What decides which photos play: the photo list, its range, `clips` and `live_photos`.
type ClipPlanKey = (u64, (Option<u32>, Option<u32>), (ClipMode, LiveMode));

/// Everything the streamer's set-up depends on.
#[derive(Clone, Debug, PartialEq)]
struct PreviewKey {
    /// The editor's tiles generation: it also changes with any photo's crop centre.
    generation: u64,
    layout: Layout,
    spec: TileSpec,
    range: (Option<u32>, Option<u32>),
    budget: u64,
    looping: bool,
    loading: bool,
    clips: (ClipMode, LiveMode),
}

impl PreviewTiles {
    /// Call once per frame, before the preview is drawn.
    pub fn update(&mut self, rs: &egui_wgpu::RenderState, editor: &Editor) {
        let settings = &editor.settings;
        if settings.validate().is_err() {
            return;
        }
        let budget = editor.budget_bytes();
        let key = PreviewKey {
            generation: editor.photos.tiles_generation(),
            layout: Layout::new(settings),
            spec: tile_spec(settings),
            range: (settings.first_photo, settings.last_photo),
            // While an export runs, it has most of the budget.
            budget: if editor.export.is_running() {
                budget - export_share(budget)
            } else {
                budget
            },
            looping: editor.looping,
            loading: editor.loading_progress().is_some(),
            clips: (settings.clips, settings.live_photos),
        };
        let mut guard = rs.renderer.write();
        let Some(renderer) = guard.callback_resources.get_mut::<GridRenderer>() else {
            return;
        };
        if self.key.as_ref() != Some(&key) {
            self.rebuild(rs, renderer, editor, &key);
            self.key = Some(key);
        }
        if let Some(streamer) = &mut self.streamer {
            if let Err(e) = streamer.update(&rs.device, &rs.queue, renderer, editor.time_secs) {
                self.problem = Some(e.to_string());
                self.streamer = None;
                return;
            }
            for failed in streamer.take_failures() {
                log::warn!("preview: {failed}");
            }
        }
        if let Some(clips) = &mut self.clips {
            clips.update(editor.time_secs, &rs.queue, renderer);
        }
    }

    fn rebuild(
        &mut self,
        rs: &egui_wgpu::RenderState,
        renderer: &mut GridRenderer,
        editor: &Editor,
        key: &PreviewKey,
    ) {
        let (device, queue) = (&rs.device, &rs.queue);
        let active = editor.active_photos();
        let paths: Arc<[PathBuf]> = active.iter().map(|p| p.path.clone()).collect();
        let thumbs: Arc<[TilePixels]> = active.iter().filter_map(|p| p.thumb.clone()).collect();
        let layout = &key.layout;
        self.problem = None;
        self.clips = None;
        if key.loading {
            // Photos are still being read: thumbnails only; tiles stream once all are in.
            show_thumbnails(device, queue, renderer, layout, &thumbs);
            self.streamer = None;
            return;
        }
        let schedule = Schedule::new(layout, paths.len());
        let thumb_bytes = thumbs.iter().map(|t| t.byte_len() as u64).sum();
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        // Clips that play take their decoders out of the budget. The preview keeps its
        // whole-grid still: only the cells of a clip's tile are composed again per frame.
        let plan_key = (key.generation, key.range, key.clips);
        let clip_plan = match &self.clip_plan {
            Some((k, plan)) if *k == plan_key => plan.clone(),
            _ => {
                let plan = ClipPlan::new(&paths, &editor.settings);
                self.clip_plan = Some((plan_key, plan.clone()));
                plan
            }
        };
        let (budget, decoders) = clip_plan.as_ref().map_or((key.budget, 0), |plan| {
            let each = plan.decoder_bytes();
            let decoders = plan.decoders(&schedule, key.budget / 2, each);
            (key.budget - each * decoders as u64, decoders)
        });
        let still = GridRenderer::still_bytes_for(device, layout, false);
        let plan = StreamPlan::new(
            layout,
            &schedule,
            budget,
            thumb_bytes,
            still,
            device.limits().max_texture_array_layers,
            cores.saturating_sub(1).max(1),
        );
        let mode = StreamMode {
            wrap: key.looping,
            thumbnails: true,
            strict: false,
        };
        let stand_ins = Arc::clone(&thumbs);
        // The key's spec, with the crop centres as of the photos' generation.
        let specs = editor.tile_specs();
        debug_assert_eq!(specs.base, key.spec);
        let clip_specs = specs.clone();
        let clip_paths = Arc::clone(&paths);
        let started = plan.and_then(|plan| {
            TileStreamer::new(
                device, queue, renderer, layout, plan, mode, paths, stand_ins, specs,
            )
        });
        if let (Some(plan), Ok(_)) = (clip_plan, &started) {
            let deck = ClipDeck::new(layout, plan, clip_paths, clip_specs, decoders);
            match PreviewClips::start(deck) {
                Ok(clips) => self.clips = Some(clips),
                Err(e) => log::warn!("preview: the clips cannot play ({e})"),
            }
        }
        match started {
            Ok(mut streamer) => {
                if let Some(old) = &self.streamer {
                    streamer.inherit(old);
                }
                self.streamer = Some(streamer);
            }
            Err(e) => {
                // Too small a budget for one frame of full tiles: thumbnails, and say why.
                self.problem = Some(e.to_string());
                show_thumbnails(device, queue, renderer, layout, &thumbs);
                self.streamer = None;
            }
        }
    }

    /// Whether every photo's full tile is resident (not streaming, nothing on its way).
    #[must_use]
    pub fn all_resident(&self) -> bool {
        self.streamer.as_ref().is_some_and(|s| {
            let plan = s.plan();
            // Photos never on screen (below a grid taller than the frame) are never loaded.
            !plan.streams() && s.counts() == (s.photos_on_screen(), 0)
        })
    }

    /// Whether tiles are still on their way (the preview should keep repainting).
    #[must_use]
    pub fn busy(&self) -> bool {
        self.streamer.as_ref().is_some_and(|s| s.counts().1 > 0)
            || self.clips.as_ref().is_some_and(PreviewClips::busy)
    }

    /// Tile bytes held in RAM on their way to the GPU, and a word on the tiles' state.
    #[must_use]
    pub fn state(&self) -> (u64, String) {
        match &self.streamer {
            Some(s) => {
                let (ready, loading) = s.counts();
                let plan = s.plan();
                let state = if plan.streams() {
                    format!(
                        "streaming: {ready} of {} photos in {} slots",
                        plan.photos, plan.slots
                    )
                } else {
                    format!("{ready} of {} resident", plan.photos)
                };
                (loading as u64 * plan.tile_bytes, state)
            }
            None => (
                0,
                self.problem.clone().unwrap_or_else(|| "thumbnails".into()),
            ),
        }
    }
}

/// Every cell shows its photo's thumbnail, scaled up.
fn show_thumbnails(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    renderer: &mut GridRenderer,
    layout: &Layout,
    thumbs: &[TilePixels],
) {
    renderer.set_thumbnails(device, queue, thumbs);
    let photos = crate::layout::photos_shown(layout.cell_count(), thumbs.len());
    let cells: Vec<u32> = (0..layout.cell_count())
        .map(
            |c| match u32::try_from(c.checked_rem(photos).unwrap_or(usize::MAX)) {
                Ok(photo) => THUMB_FLAG | photo,
                Err(_) => NO_LAYER,
            },
        )
        .collect();
    renderer.set_cells(device, queue, &cells);
}

/// The paint callback of one preview frame: it carries only that frame's uniform.
pub struct PreviewCallback {
    uniform: GridUniform,
}

impl PreviewCallback {
    #[must_use]
    pub fn new(uniform: GridUniform) -> Self {
        Self { uniform }
    }
}

impl CallbackTrait for PreviewCallback {
    fn prepare(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        _screen: &egui_wgpu::ScreenDescriptor,
        _encoder: &mut wgpu::CommandEncoder,
        resources: &mut CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        if let Some(renderer) = resources.get_mut::<GridRenderer>() {
            renderer.prepare(device, queue, &self.uniform);
        }
        Vec::new()
    }

    fn paint(
        &self,
        _info: egui::PaintCallbackInfo,
        pass: &mut wgpu::RenderPass<'static>,
        resources: &CallbackResources,
    ) {
        if let Some(renderer) = resources.get::<GridRenderer>() {
            renderer.paint(pass);
        }
    }
}

/// Draws the frame at `t_secs`, letterboxed to the frame's aspect, in the available space.
/// Returns the response of the whole area (it senses clicks) and where the frame is drawn.
pub fn preview_ui(
    ui: &mut egui::Ui,
    settings: &Settings,
    t_secs: f64,
) -> (egui::Response, egui::Rect) {
    let layout = Layout::new(settings);
    let available = ui.available_size();
    let frame_aspect = layout.frame_w_px as f32 / layout.frame_h_px.max(1) as f32;
    let size = if available.x / available.y.max(1.0) > frame_aspect {
        egui::vec2(available.y * frame_aspect, available.y)
    } else {
        egui::vec2(available.x, available.x / frame_aspect)
    };
    let (rect, response) = ui.allocate_exact_size(available, egui::Sense::click());
    let frame_rect = egui::Rect::from_center_size(rect.center(), size);
    let ppp = ui.ctx().pixels_per_point();
    let viewport = Viewport {
        origin_px: [frame_rect.min.x * ppp, frame_rect.min.y * ppp],
        size_px: [frame_rect.width() * ppp, frame_rect.height() * ppp],
    };
    let uniform = GridUniform::new(&layout, t_secs, settings.background, viewport);
    ui.painter().add(egui_wgpu::Callback::new_paint_callback(
        frame_rect,
        PreviewCallback::new(uniform),
    ));
    // The text is made only while the pointer is over the preview, not every frame.
    let response = response.on_hover_ui(|ui| {
        ui.label(format!(
            "{}×{} output",
            layout.frame_w_px, layout.frame_h_px
        ));
        ui.weak(FOCUS_HINT);
    });
    (response, frame_rect)
}

/// How a photo's crop centre is set and reset, for people.
pub const FOCUS_HINT: &str =
    "Click a tile to centre its crop there; Alt+click or right-click to reset it.";

/// The frame pixel under `pos` when the frame is drawn in `frame_rect`.
#[must_use]
pub fn frame_point(settings: &Settings, frame_rect: egui::Rect, pos: egui::Pos2) -> (f64, f64) {
    let layout = Layout::new(settings);
    let scale_x = f64::from(layout.frame_w_px) / f64::from(frame_rect.width().max(1.0));
    let scale_y = f64::from(layout.frame_h_px) / f64::from(frame_rect.height().max(1.0));
    (
        f64::from(pos.x - frame_rect.min.x) * scale_x,
        f64::from(pos.y - frame_rect.min.y) * scale_y,
    )
}
