//! The live preview: the same `GridRenderer` as export, drawn through an egui_wgpu paint
//! callback. The renderer lives in egui's callback resources, created once; per frame the
//! callback carries only the frame's uniform (a few dozen bytes).

use eframe::egui;
use eframe::egui_wgpu::{self, CallbackResources, CallbackTrait};

use crate::layout::Layout;
use crate::photos::TilePixels;
use crate::render::{GridRenderer, GridUniform, Viewport, device_descriptor};
use crate::settings::Settings;

/// Creates the preview renderer in egui's callback resources.
pub fn install(render_state: &egui_wgpu::RenderState) {
    let renderer = GridRenderer::new(&render_state.device, render_state.target_format);
    render_state
        .renderer
        .write()
        .callback_resources
        .insert(renderer);
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

/// Uploads the tiles the grid shows (only when they changed).
pub fn upload(render_state: &egui_wgpu::RenderState, settings: &Settings, tiles: &[&TilePixels]) {
    let layout = Layout::new(settings);
    let mut guard = render_state.renderer.write();
    let Some(renderer) = guard.callback_resources.get_mut::<GridRenderer>() else {
        return;
    };
    if let Err(e) = crate::engine::upload_photos(
        &render_state.device,
        &render_state.queue,
        renderer,
        &layout,
        tiles,
    ) {
        log::warn!("preview: {e}");
    }
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
pub fn preview_ui(ui: &mut egui::Ui, settings: &Settings, t_secs: f64) -> egui::Response {
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
    ui.painter()
        .rect_filled(rect, 0.0, egui::Color32::from_gray(20));
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
    response.on_hover_text(format!(
        "{}×{} output",
        layout.frame_w_px, layout.frame_h_px
    ))
}
