//! The YUV strip: the still resampled once to an export frame's row pairs as BT.709 codes
//! (`fs_compose_strip`; the transposed `fs_compose_columns` for columns moving up or down),
//! what every export frame from a still is drawn from, in one pass of 8x2 blocks
//! (`fs_strip_yuv` and its band variants). Its band tables are in `lanes.rs`.

use crate::layout::Layout;

use super::lanes::{Lanes, lane_bands, straddling_runs};
use super::pipelines::{Draw, STRIP_FORMAT, STRIP_TEXEL_BYTES, YUV_BLOCK};
use super::still::{BoundTexture, StillKey};
use super::uniform::GridUniform;

/// The still resampled to an export frame's rows as YUV codes (`fs_compose_strip`): what
/// every export frame is drawn from.
pub(super) struct Strip {
    /// Its texture, and a bind group of it with the still it was composed from (blocks whose
    /// rows straddle two bands are drawn from the still).
    target: BoundTexture,
    /// What it shows; None until composed.
    key: Option<StripKey>,
    /// With bands moving apart: the block rows (row strip) or block columns (column strip)
    /// whose lines belong to two bands, as (first, count) runs, redrawn from the still.
    straddles: Vec<(u32, u32)>,
    /// Per lane (block row or block column): its band (`lane_bands`), when bands move.
    bands: Vec<i32>,
    /// The band pipelines' tables, made from `bands` and the grid (None until first needed).
    lanes: Option<Lanes>,
    /// Which composition its texels are: a number no other strip's composition has had.
    generation: u64,
}

/// Numbers each composition of any strip, so that a CPU copy knows whether it is current.
static COMPOSITIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Everything the strip's texels depend on.
#[derive(Clone, Copy, Debug, PartialEq)]
struct StripKey {
    still: StillKey,
    frame_height_px: u32,
    /// The grid's vertical position, which is the same in every frame.
    origin_y_bits: u32,
    /// A looping strip repeats the still over a period plus a frame width (or height).
    loop_span: Option<(u32, u32)>,
    /// A column strip (`fs_compose_columns`, moving up or down) for frames this wide.
    columns_for_width: Option<u32>,
}

/// Strip texels per row for a still `still_w_px` wide: four columns each, with four columns
/// of background before the still and at least four after it.
pub(in crate::render) fn strip_width(still_w_px: u32) -> u32 {
    (still_w_px + 3).div_ceil(4) + 1
}

/// Rows of the column strip (vertical motion): the still's rows with four of background
/// above and below, or looping, the still repeated over a period plus a frame height.
fn column_strip_rows(still_h_px: u32, loop_span: Option<(u32, u32)>) -> u32 {
    match loop_span {
        Some((period, frame_h)) => period + frame_h + 12,
        None => still_h_px + 8,
    }
}

/// Strip texels per row of a looping grid of `period_px` in frames `frame_w_px` wide: the
/// still repeated over a period plus a frame width, so that any frame's columns lie in it
/// unwrapped.
fn loop_strip_width(period_px: u32, frame_w_px: u32) -> u32 {
    strip_width(period_px + frame_w_px + 10)
}

/// GPU bytes of the strip an export makes for `layout` from a still of `w × h` pixels.
pub(super) fn bytes_for(layout: &Layout, (w, h): (u32, u32)) -> u64 {
    let period = || u32::try_from(layout.period_px() as u64).unwrap_or(u32::MAX);
    let strip_texels = if layout.direction.vertical() {
        let span = layout.looped.then(|| (period(), layout.frame_h_px));
        u64::from(layout.frame_w_px / YUV_BLOCK.0) * u64::from(column_strip_rows(h, span))
    } else {
        let strip_w = if layout.looped {
            loop_strip_width(period(), layout.frame_w_px)
        } else {
            strip_width(w)
        };
        u64::from(strip_w) * u64::from(layout.frame_h_px / 2)
    };
    strip_texels * STRIP_TEXEL_BYTES
}

/// The strip's bind group: the still at binding 0, the strip at binding 1.
pub(super) fn strip_bind_group(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    still: &wgpu::TextureView,
    strip: &wgpu::TextureView,
) -> wgpu::BindGroup {
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("gridreel strip"),
        layout,
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::TextureView(still),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: wgpu::BindingResource::TextureView(strip),
            },
        ],
    })
}

impl StripKey {
    fn new(u: &GridUniform, still: StillKey, frame_height_px: u32) -> Self {
        let vertical = u.vertical();
        let [frame_w, frame_h] = u.frame_size.map(|v| v as u32);
        let loop_span = u.looped().then(|| {
            let period = u.period_px as u32;
            (period, if vertical { frame_h } else { frame_w })
        });
        Self {
            still,
            frame_height_px,
            // The grid's position across the motion, the same in every frame.
            origin_y_bits: u.grid_origin[usize::from(!vertical)].to_bits(),
            loop_span,
            columns_for_width: vertical.then_some(frame_w),
        }
    }

    /// The strip's size in texels, for a still of `still_px`.
    fn size(&self, still_px: (u32, u32)) -> (u32, u32) {
        if let Some(frame_w) = self.columns_for_width {
            return (
                frame_w / YUV_BLOCK.0,
                column_strip_rows(still_px.1, self.loop_span),
            );
        }
        let width = match self.loop_span {
            Some((period, frame_w)) => loop_strip_width(period, frame_w),
            None => strip_width(still_px.0),
        };
        (width, self.frame_height_px / 2)
    }
}

impl Strip {
    /// After the still is current, makes the strip in `slot` current for
    /// `frame_height_px`-tall frames: composed from the still when the still, the frame
    /// height or the grid's position across the motion changed (never during an export,
    /// where only the grid moves along it). False when the strip would not fit a texture.
    pub fn prepare(
        slot: &mut Option<Self>,
        gpu: (&wgpu::Device, &wgpu::Queue),
        draw: &Draw<'_>,
        (still, still_key): (&BoundTexture, StillKey),
        frame_height_px: u32,
    ) -> bool {
        let (device, _) = gpu;
        let key = StripKey::new(draw.uniform, still_key, frame_height_px);
        if let Some(strip) = slot.as_mut().filter(|s| s.key == Some(key)) {
            strip.refresh_lanes(gpu, draw);
            return true;
        }
        let size = key.size((still.texture.width(), still.texture.height()));
        let max = device.limits().max_texture_dimension_2d;
        if size.0 == 0 || size.0 > max || size.1 > max {
            return false;
        }
        let fits = slot
            .as_ref()
            .is_some_and(|s| (s.target.texture.width(), s.target.texture.height()) == size);
        if !fits {
            *slot = None; // free the old one before allocating the new one
            *slot = Some(Self::new(device, draw, size, &still.view));
        }
        let Some(strip) = slot else {
            return false;
        };
        strip.compose(gpu, draw, still, key);
        strip.refresh_lanes(gpu, draw);
        true
    }

    /// GPU bytes held.
    pub fn bytes(&self) -> u64 {
        self.target.bytes()
    }

    fn new(
        device: &wgpu::Device,
        draw: &Draw<'_>,
        size: (u32, u32),
        still: &wgpu::TextureView,
    ) -> Self {
        let usage = wgpu::TextureUsages::TEXTURE_BINDING
            | wgpu::TextureUsages::RENDER_ATTACHMENT
            | wgpu::TextureUsages::COPY_SRC;
        let texture = super::super::texture_2d(device, "gridreel strip", size, STRIP_FORMAT, usage);
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        let bind_group = strip_bind_group(device, &draw.pipelines.layouts.strip, still, &view);
        Self {
            target: BoundTexture {
                texture,
                view,
                bind_group,
            },
            key: None,
            straddles: Vec::new(),
            bands: Vec::new(),
            lanes: None,
            generation: 0,
        }
    }

    /// Composes the strip from `still` for `key`, and works out its band tables.
    fn compose(
        &mut self,
        (device, queue): (&wgpu::Device, &wgpu::Queue),
        draw: &Draw<'_>,
        still: &BoundTexture,
        key: StripKey,
    ) {
        let u = draw.uniform;
        let vertical = u.vertical();
        // The still may be a new texture of the same size: bind the current one.
        let layout = &draw.pipelines.layouts.strip;
        self.target.bind_group = strip_bind_group(device, layout, &still.view, &self.target.view);
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("gridreel compose strip"),
        });
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("gridreel compose strip"),
                color_attachments: &[Some(super::super::cleared(&self.target.view))],
                ..Default::default()
            });
            let pipelines = draw.pipelines;
            draw.begin(
                &mut pass,
                if vertical {
                    &pipelines.column_compose
                } else {
                    &pipelines.strip_compose
                },
            );
            pass.set_bind_group(1, &still.bind_group, &[]);
            pass.draw(0..3, 0..1);
        }
        queue.submit(std::iter::once(encoder.finish()));
        self.key = Some(key);
        self.generation = COMPOSITIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let lanes = match key.columns_for_width {
            Some(frame_w) => frame_w / YUV_BLOCK.0,
            None => key.frame_height_px / 2,
        };
        // Only the band pipelines read the tables: rows whose bands move apart or loop, and
        // columns whose bands move apart (`paint_yuv_blocks`).
        let per_lane = if vertical {
            u.bands_split()
        } else {
            u.banded()
        };
        self.bands = if per_lane {
            lane_bands(u, vertical, lanes)
        } else {
            Vec::new()
        };
        self.straddles = if u.bands_split() {
            straddling_runs(&self.bands)
        } else {
            Vec::new()
        };
        self.lanes = None;
    }

    /// Makes the strip's per-lane band motions current for the band pipelines: when the strip
    /// was composed again or the motion changed, never per frame.
    fn refresh_lanes(&mut self, gpu: (&wgpu::Device, &wgpu::Queue), draw: &Draw<'_>) {
        if self.bands.is_empty()
            || self
                .lanes
                .as_ref()
                .is_some_and(|l| l.current_for(draw.uniform))
        {
            return;
        }
        let layout = &draw.pipelines.layouts.lanes;
        self.lanes = Some(Lanes::new(gpu, layout, draw.uniform, &self.bands));
    }

    /// The texture and composition number of this strip when it is that of the current still
    /// (`still`) and frames are drawn from it by the plain pipeline (`fs_strip_yuv`: rows, no
    /// bands), the frames a CPU copy can resample alike (`render/host_strip.rs`).
    pub fn plain(&self, u: &GridUniform, still: Option<StillKey>) -> Option<(&wgpu::Texture, u64)> {
        let key = self.key.filter(|k| Some(k.still) == still)?;
        (key.columns_for_width.is_none() && !u.banded())
            .then_some((&self.target.texture, self.generation))
    }

    /// Draws the frame as YUV 4:2:0 in 8x2 blocks (see
    /// [`super::GridRenderer::paint_yuv_blocks`]). False, drawing nothing, when the strip is
    /// not that of the current still (`still`).
    pub fn paint_yuv_blocks(
        &self,
        draw: &Draw<'_>,
        still: Option<StillKey>,
        pass: &mut wgpu::RenderPass<'_>,
    ) -> bool {
        let Some(key) = self.key.filter(|k| Some(k.still) == still) else {
            return false;
        };
        let columns = key.columns_for_width.is_some();
        let (u, pipelines) = (draw.uniform, draw.pipelines);
        let split = u.bands_split();
        let (pipeline, per_lane) = match (columns, split, u.banded()) {
            (true, true, _) => (&pipelines.column_yuv_bands, true),
            (true, false, _) => (&pipelines.column_yuv, false),
            (false, _, true) => (&pipelines.strip_yuv_bands, true),
            (false, _, false) => (&pipelines.strip_yuv, false),
        };
        if per_lane {
            let Some(lanes) = &self.lanes else {
                return false;
            };
            pass.set_bind_group(2, &lanes.bind_group, &[]);
        }
        draw.begin(pass, pipeline);
        pass.set_bind_group(1, &self.target.bind_group, &[]);
        pass.draw(0..3, 0..1);
        if split && !self.straddles.is_empty() {
            // Blocks across two bands, again, pixel by pixel from the still.
            let [w, h] = u.frame_size.map(|v| v as u32);
            let (blocks_w, blocks_h) = (w / YUV_BLOCK.0, h / YUV_BLOCK.1);
            pass.set_pipeline(&pipelines.block_from_still);
            for &(first, count) in &self.straddles {
                if columns {
                    pass.set_scissor_rect(first, 0, count, blocks_h);
                } else {
                    pass.set_scissor_rect(0, first, blocks_w, count);
                }
                pass.draw(0..3, 0..1);
            }
        }
        true
    }
}
