//! The panels that stand still while the preview plays (the toolbar and the settings panel),
//! painted once into a texture of the window's size and copied into each frame in their place.
//!
//! egui shades every glyph and widget of every panel again each frame. On a software GPU
//! (lavapipe) that is the editor's dearest work: about 30 ms for one window-sized fill
//! (`--bare panel` against `--bare clear`), against about 2.5 ms for the preview's one texture
//! fetch per pixel over half the window. So the standing panels' shapes are compared with the
//! last frame's; once they stood still for a frame, egui's own renderer paints them into the
//! texture, onto the window's clear colour, at the window's size, and from then on each frame
//! copies the texture, texel for pixel, over the area they paint (`render::PanelTexture`),
//! at the point in the paint order where their shapes were. Any change (a hover, a slider
//! dragged, a scroll, new text) paints them directly again until they settle.
//!
//! Waiting a frame also means every texture the shapes use has been uploaded: eframe uploads
//! a frame's new textures before painting it, and the texture is painted in the next frame's
//! `ui`. The font atlas's size is part of the key, since the tessellator maps glyphs with it.

use eframe::egui::{self, LayerId, Rect, Shape, epaint, layers::ShapeIdx};
use eframe::egui_wgpu::{self, CallbackResources, CallbackTrait, RenderState, ScreenDescriptor};

use crate::render::PanelTexture;

/// The standing panels' shapes between frames, and what the texture shows.
pub struct PanelCache {
    enabled: bool,
    /// What the texture shows, when it shows anything.
    shown: Option<Painted>,
    /// Last frame's shapes, when the texture did not show them.
    last: Option<Painted>,
    /// Frames that copied the texture instead of painting the panels.
    copies: u64,
    /// Times the texture was painted.
    paints: u64,
}

#[derive(Clone, PartialEq)]
struct Painted {
    key: Key,
    shapes: Vec<epaint::ClippedShape>,
}

/// Everything but the shapes that the texture's pixels depend on.
#[derive(Clone, Copy, PartialEq)]
struct Key {
    size_px: [u32; 2],
    pixels_per_point: f32,
    font_atlas: [usize; 2],
    clear: [f32; 4],
}

/// Where a standing panel's shapes lie in its layer's paint list.
pub struct Region {
    start: usize,
    end: usize,
}

/// Placeholders at the start of a layer's paint list, one for each standing panel's copy.
pub struct Slots<const N: usize>([ShapeIdx; N]);

impl PanelCache {
    /// Copies the standing panels from the texture when `enabled`, else paints them each frame.
    #[must_use]
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            shown: None,
            last: None,
            copies: 0,
            paints: 0,
        }
    }

    /// Copy the standing panels (the default) or paint them every frame (to compare).
    pub fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
        if !enabled {
            self.shown = None;
            self.last = None;
        }
    }

    /// (frames that copied the texture, times it was painted).
    #[must_use]
    pub fn counts(&self) -> (u64, u64) {
        (self.copies, self.paints)
    }

    /// Reserves the copies' places in `ui`'s layer: call before anything else paints there.
    /// The copies go under everything else the layer paints, since a copy is opaque: what
    /// egui paints before a panel (the timeline's edge under the settings panel's last row)
    /// would be covered by it in the panel's own place.
    pub fn slots<const N: usize>(ui: &egui::Ui) -> Slots<N> {
        Slots(std::array::from_fn(|_| ui.painter().add(Shape::Noop)))
    }

    /// Shows a standing panel with `show`, in `ui`'s layer, and returns where its shapes lie.
    pub fn region<R>(ui: &mut egui::Ui, show: impl FnOnce(&mut egui::Ui) -> R) -> (Region, R) {
        let start = next_index(ui.ctx(), ui.layer_id());
        let inner = show(ui);
        let end = next_index(ui.ctx(), ui.layer_id());
        (Region { start, end }, inner)
    }

    /// After the frame's last shape in `layer`: copies the standing panels in `regions` from
    /// the texture when it shows them, painting it first when they stood still for a frame.
    pub fn finish<const N: usize>(
        &mut self,
        ctx: &egui::Context,
        render_state: Option<&RenderState>,
        (layer, slots, regions): (LayerId, &Slots<N>, &[Region; N]),
        clear: [f32; 4],
    ) {
        let Some(rs) = render_state.filter(|_| self.enabled) else {
            return;
        };
        let window_differs = rs
            .renderer
            .read()
            .callback_resources
            .get::<PanelTexture>()
            .is_some_and(PanelTexture::window_differs);
        if window_differs {
            // The window's surface is not the size egui reports: never copy a texture that
            // does not match it texel for pixel.
            log::warn!("the window's size differs from egui's: the panels are painted directly");
            self.set_enabled(false);
            return;
        }
        let pixels_per_point = ctx.pixels_per_point();
        let size = ctx.viewport_rect().size() * pixels_per_point;
        // A closure, not the method's path: `FontsView` has a lifetime of its own.
        #[expect(clippy::redundant_closure_for_method_calls)]
        let font_atlas = ctx.fonts(|f| f.font_image_size());
        let key = Key {
            size_px: [size.x.round() as u32, size.y.round() as u32],
            pixels_per_point,
            font_atlas,
            clear,
        };
        let (shapes, bounds) = standing_shapes(ctx, layer, regions);
        let now = Painted { key, shapes };
        if now.shapes.is_empty() || key.size_px.contains(&0) || has_callback(&now.shapes) {
            self.shown = None;
            self.last = None;
            return;
        }
        if self.shown.as_ref() != Some(&now) {
            if self.last.as_ref() != Some(&now) {
                self.last = Some(now);
                return; // changed: egui paints them this frame
            }
            self.last = None;
            if !self.paint(ctx, rs, now) {
                return;
            }
        }
        ctx.graphics_mut(|g| {
            let list = g.entry(layer);
            for ((region, bounds), slot) in regions.iter().zip(&bounds).zip(slots.0) {
                for i in region.start..region.end {
                    list.reset_shape(ShapeIdx(i));
                }
                if let Some(rect) = bounds {
                    let callback = egui_wgpu::Callback::new_paint_callback(*rect, PanelCopy);
                    list.set(slot, *rect, Shape::Callback(callback));
                }
            }
        });
        self.copies += 1;
    }

    /// Paints `now`'s shapes into the texture with egui's renderer; false if it could not.
    fn paint(&mut self, ctx: &egui::Context, rs: &RenderState, now: Painted) -> bool {
        let Key {
            size_px,
            pixels_per_point,
            clear,
            ..
        } = now.key;
        let primitives = ctx.tessellate(now.shapes.clone(), pixels_per_point);
        let screen = ScreenDescriptor {
            size_in_pixels: size_px,
            pixels_per_point,
        };
        let mut renderer = rs.renderer.write();
        let resources = &mut renderer.callback_resources;
        if resources.get::<PanelTexture>().is_none() {
            resources.insert(PanelTexture::new(&rs.device, rs.target_format));
        }
        let Some(panels) = resources.get_mut::<PanelTexture>() else {
            return false;
        };
        let view = panels.target(&rs.device, (size_px[0], size_px[1])).clone();
        let mut encoder = rs
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("gridreel panels"),
            });
        let mut buffers =
            renderer.update_buffers(&rs.device, &rs.queue, &mut encoder, &primitives, &screen);
        {
            let color = wgpu::Color {
                r: f64::from(clear[0]),
                g: f64::from(clear[1]),
                b: f64::from(clear[2]),
                a: f64::from(clear[3]),
            };
            let pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("gridreel panels"),
                color_attachments: &[Some(crate::render::cleared_to(&view, color))],
                ..Default::default()
            });
            renderer.render(&mut pass.forget_lifetime(), &primitives, &screen);
        }
        buffers.push(encoder.finish());
        rs.queue.submit(buffers);
        self.shown = Some(now);
        self.paints += 1;
        true
    }
}

/// The index the next shape added to `layer` gets.
fn next_index(ctx: &egui::Context, layer: LayerId) -> usize {
    ctx.graphics(|g| g.get(layer).map_or(0, |list| list.next_idx().0))
}

/// The shapes of `regions` in order, and each region's painted area (None: nothing painted).
fn standing_shapes(
    ctx: &egui::Context,
    layer: LayerId,
    regions: &[Region],
) -> (Vec<epaint::ClippedShape>, Vec<Option<Rect>>) {
    ctx.graphics(|g| {
        let mut shapes = Vec::new();
        let mut bounds = Vec::with_capacity(regions.len());
        let Some(list) = g.get(layer) else {
            return (shapes, bounds);
        };
        for region in regions {
            let mut area: Option<Rect> = None;
            let count = region.end.saturating_sub(region.start);
            for clipped in list.all_entries().skip(region.start).take(count) {
                // A point of margin for anti-aliasing's feathering, within the clip: egui
                // paints nothing outside it.
                let painted = clipped
                    .shape
                    .visual_bounding_rect()
                    .expand(1.0)
                    .intersect(clipped.clip_rect);
                if painted.is_positive() {
                    area = Some(area.map_or(painted, |a| a.union(painted)));
                }
                shapes.push(clipped.clone());
            }
            bounds.push(area);
        }
        (shapes, bounds)
    })
}

/// Whether any shape is a paint callback (the texture cannot hold what one draws).
fn has_callback(shapes: &[epaint::ClippedShape]) -> bool {
    fn any(shape: &Shape) -> bool {
        match shape {
            Shape::Callback(_) => true,
            Shape::Vec(shapes) => shapes.iter().any(any),
            _ => false,
        }
    }
    shapes.iter().any(|s| any(&s.shape))
}

/// The paint callback that copies the texture where a standing panel was painted.
struct PanelCopy;

impl CallbackTrait for PanelCopy {
    fn prepare(
        &self,
        _device: &wgpu::Device,
        _queue: &wgpu::Queue,
        screen: &ScreenDescriptor,
        _encoder: &mut wgpu::CommandEncoder,
        resources: &mut CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        if let Some(panels) = resources.get_mut::<PanelTexture>() {
            panels.note_window(screen.size_in_pixels);
        }
        Vec::new()
    }

    fn paint(
        &self,
        _info: egui::PaintCallbackInfo,
        pass: &mut wgpu::RenderPass<'static>,
        resources: &CallbackResources,
    ) {
        if let Some(panels) = resources.get::<PanelTexture>() {
            panels.draw(pass);
        }
    }
}

/// `frame` without its fill: the window is cleared to the panels' colour instead.
///
/// On a software GPU every pixel egui fills costs: one window-sized panel fill takes an empty
/// 1400×860 window on lavapipe from about 270 to 30 frames a second (`--soak 12 --bare clear`
/// against `--bare panel`), while the clear is a memset. So no panel paints a background, and
/// the preview's letterbox is the clear colour too.
pub fn unfilled(frame: egui::Frame) -> egui::Frame {
    frame.fill(egui::Color32::TRANSPARENT)
}
