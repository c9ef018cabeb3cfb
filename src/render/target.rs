//! The offscreen frame used by export. With a composed still (the normal case) and a width
//! that is a multiple of 8, the renderer draws YUV 4:2:0 directly from its strip, as 8x2
//! blocks in one pass over two targets an eighth of the frame's width and half its height
//! (luma and chroma); otherwise the grid is drawn
//! into an RGBA texture and converted to planar YUV on the GPU. Either way the result is
//! copied into one of a small ring of read-back buffers and mapped asynchronously, so frame
//! N+1 renders while frame N is read and frame N−1 is encoded. `render_rgba` gives the RGBA
//! frame itself, for tests and stills.
//!
//! ProRes takes 10-bit 4:2:2 planes (`R16Uint` targets, little-endian samples read back as
//! they are) and GIF takes RGBA, area-averaged down to the GIF's width on the GPU: the CPU
//! only copies rows.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use super::grid::{YUV_BLOCK, YUV_BLOCK_CHROMA_FORMAT, YUV_BLOCK_LUMA_FORMAT};
use super::{GridRenderer, GridUniform, RenderError, texture_2d};

/// Read-back buffers in flight; three lets render, copy and read overlap.
pub const READBACK_RING: usize = 3;

const MAP_PENDING: u8 = 0;
const MAP_DONE: u8 = 1;
const MAP_FAILED: u8 = 2;

/// How a frame's pixels are laid out for the encoder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PixelLayout {
    /// 8-bit YUV 4:2:0 planes (H.264, H.265, AV1, VP9).
    #[default]
    Yuv420,
    /// 10-bit YUV 4:2:2 planes of little-endian 16-bit samples (ProRes).
    Yuv422P10,
    /// 8-bit RGBA, one plane (GIF, quantised on the CPU).
    Rgba,
}

impl PixelLayout {
    /// (bytes per row, rows) of each plane of a `width_px × height_px` frame; a layout with
    /// fewer planes has empty ones at the end.
    #[must_use]
    pub fn planes(self, width_px: u32, height_px: u32) -> [(usize, usize); 3] {
        let (w, h) = (width_px as usize, height_px as usize);
        match self {
            Self::Yuv420 => [(w, h), (w / 2, h / 2), (w / 2, h / 2)],
            // Half the samples across, two bytes each.
            Self::Yuv422P10 => [(2 * w, h), (w, h), (w, h)],
            Self::Rgba => [(4 * w, h), (0, 0), (0, 0)],
        }
    }
}

/// One frame for the encoder: its planes one after another, rows without padding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VideoFrame {
    pub layout: PixelLayout,
    pub width_px: u32,
    pub height_px: u32,
    pub data: Vec<u8>,
}

impl VideoFrame {
    /// A black-filled (zeroed) 8-bit YUV 4:2:0 frame.
    #[must_use]
    pub fn new(width_px: u32, height_px: u32) -> Self {
        Self::with_layout(PixelLayout::Yuv420, width_px, height_px)
    }

    /// A zeroed frame of `layout`.
    #[must_use]
    pub fn with_layout(layout: PixelLayout, width_px: u32, height_px: u32) -> Self {
        let bytes = layout
            .planes(width_px, height_px)
            .iter()
            .map(|(row, rows)| row * rows)
            .sum();
        Self {
            layout,
            width_px,
            height_px,
            data: vec![0; bytes],
        }
    }

    /// The planes' bytes, in order (Y, U, V; or RGBA and two empty ones).
    #[must_use]
    pub fn planes(&self) -> (&[u8], &[u8], &[u8]) {
        let [a, b, _] = self.layout.planes(self.width_px, self.height_px);
        let (y, rest) = self.data.split_at(a.0 * a.1);
        let (u, v) = rest.split_at(b.0 * b.1);
        (y, u, v)
    }
}

/// Byte layout of one plane inside a read-back buffer.
#[derive(Clone, Copy, Debug)]
struct PlaneLayout {
    offset: u64,
    width_px: u32,
    height_px: u32,
    /// Bytes of a row's texels (`width_px` × bytes per texel).
    row_bytes: u32,
    padded_row_bytes: u32,
}

impl PlaneLayout {
    fn new(offset: u64, (width_px, height_px): (u32, u32), texel_bytes: u32) -> Self {
        Self {
            offset,
            width_px,
            height_px,
            row_bytes: width_px * texel_bytes,
            padded_row_bytes: padded_row(width_px * texel_bytes),
        }
    }

    fn end(self) -> u64 {
        self.offset + u64::from(self.padded_row_bytes) * u64::from(self.height_px)
    }
}

/// A conversion pass from the RGBA frame: its pipeline and the one or two targets it writes.
struct ConvertPass {
    pipeline: wgpu::RenderPipeline,
    targets: Vec<wgpu::TextureView>,
}

fn padded_row(bytes: u32) -> u32 {
    bytes.div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT) * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT
}

struct Slot {
    buffer: wgpu::Buffer,
    /// The frame in it is in 8x2 blocks (the `blocks` layout), not planes.
    blocks: bool,
    state: Arc<AtomicU8>,
    submission: Option<wgpu::SubmissionIndex>,
}

/// Luma and chroma of 8x2 blocks (see [`YUV_BLOCK_LUMA_FORMAT`]) and where each lands in a
/// read-back buffer.
struct BlockTargets {
    luma: wgpu::Texture,
    luma_view: wgpu::TextureView,
    chroma: wgpu::Texture,
    chroma_view: wgpu::TextureView,
    luma_layout: PlaneLayout,
    chroma_layout: PlaneLayout,
}

/// Offscreen RGBA frame, its conversion for the encoder and the read-back ring.
pub struct FrameTarget {
    width_px: u32,
    height_px: u32,
    layout: PixelLayout,
    /// Size of the frames read back (a GIF's may be smaller than the rendered frame).
    output_px: (u32, u32),
    frame_texture: wgpu::Texture,
    frame_view: wgpu::TextureView,
    /// Targets of the one-pass YUV from a still, a texel per 8x2 block; None when the width
    /// is not a multiple of 8 or the layout is not 8-bit 4:2:0.
    blocks: Option<BlockTargets>,
    /// Passes from the RGBA frame into the planes (none when the RGBA frame is read as is).
    passes: Vec<ConvertPass>,
    convert_bind_group: wgpu::BindGroup,
    /// Textures copied into the read-back buffer, in order, and where each lands.
    planes: Vec<(wgpu::Texture, PlaneLayout)>,
    slots: Vec<Slot>,
    next_slot: usize,
}

/// The pixel format of the offscreen frame (and so of the export renderer's pipeline).
pub const FRAME_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

impl FrameTarget {
    /// A target for `width_px × height_px` frames read back as 8-bit YUV 4:2:0 (both sides
    /// even, as 4:2:0 needs).
    pub fn new(device: &wgpu::Device, width_px: u32, height_px: u32) -> Result<Self, RenderError> {
        Self::with_layout(
            device,
            (width_px, height_px),
            PixelLayout::Yuv420,
            (width_px, height_px),
        )
    }

    /// A target for `width_px × height_px` frames read back in `layout` at `output_px`: the
    /// rendered size, or for RGBA a smaller one (area-averaged on the GPU).
    pub fn with_layout(
        device: &wgpu::Device,
        (width_px, height_px): (u32, u32),
        layout: PixelLayout,
        output_px: (u32, u32),
    ) -> Result<Self, RenderError> {
        if !width_px.is_multiple_of(2)
            || !height_px.is_multiple_of(2)
            || width_px == 0
            || height_px == 0
        {
            return Err(RenderError::FrameSize {
                width_px,
                height_px,
            });
        }
        let max = device.limits().max_texture_dimension_2d;
        if width_px > max || height_px > max {
            return Err(RenderError::TooLarge {
                width_px,
                height_px,
                max,
            });
        }
        let scaled = output_px != (width_px, height_px);
        if scaled
            && (layout != PixelLayout::Rgba
                || output_px.0 == 0
                || output_px.1 == 0
                || output_px.0 > width_px
                || output_px.1 > height_px)
        {
            return Err(RenderError::FrameSize {
                width_px: output_px.0,
                height_px: output_px.1,
            });
        }
        let frame_texture = texture_2d(
            device,
            "gridreel frame",
            (width_px, height_px),
            FRAME_FORMAT,
            wgpu::TextureUsages::RENDER_ATTACHMENT
                | wgpu::TextureUsages::TEXTURE_BINDING
                | wgpu::TextureUsages::COPY_SRC,
        );
        let frame_view = frame_texture.create_view(&wgpu::TextureViewDescriptor::default());
        let ch = height_px / 2;
        let plane_usage = wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC;
        let view = |t: &wgpu::Texture| t.create_view(&wgpu::TextureViewDescriptor::default());
        let block_w = width_px / YUV_BLOCK.0;
        let luma_layout = PlaneLayout::new(0, (block_w, ch), 16);
        let chroma_layout = PlaneLayout::new(luma_layout.end(), (block_w, ch), 8);
        let blocks =
            (layout == PixelLayout::Yuv420 && width_px.is_multiple_of(YUV_BLOCK.0)).then(|| {
                let target =
                    |label, format| texture_2d(device, label, (block_w, ch), format, plane_usage);
                let luma = target("gridreel yuv block luma", YUV_BLOCK_LUMA_FORMAT);
                let chroma = target("gridreel yuv block chroma", YUV_BLOCK_CHROMA_FORMAT);
                BlockTargets {
                    luma_view: view(&luma),
                    chroma_view: view(&chroma),
                    luma,
                    chroma,
                    luma_layout,
                    chroma_layout,
                }
            });

        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("gridreel frame conversion shader"),
            source: wgpu::ShaderSource::Wgsl(
                concat!(
                    include_str!("../../shaders/bt709.wgsl"),
                    include_str!("../../shaders/yuv.wgsl")
                )
                .into(),
            ),
        });
        let bind_group_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("gridreel conversion bind group layout"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::FRAGMENT,
                ty: wgpu::BindingType::Texture {
                    sample_type: wgpu::TextureSampleType::Float { filterable: false },
                    view_dimension: wgpu::TextureViewDimension::D2,
                    multisampled: false,
                },
                count: None,
            }],
        });
        let convert_bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("gridreel conversion bind group"),
            layout: &bind_group_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::TextureView(&frame_view),
            }],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("gridreel conversion pipeline layout"),
            bind_group_layouts: &[Some(&bind_group_layout)],
            immediate_size: 0,
        });
        let target_state = |format| {
            Some(wgpu::ColorTargetState {
                format,
                blend: None,
                write_mask: wgpu::ColorWrites::ALL,
            })
        };
        let pass = |entry: &str, format, textures: &[&wgpu::Texture], constants: &[(&str, f64)]| {
            let targets = vec![target_state(format); textures.len()];
            ConvertPass {
                pipeline: super::fullscreen_pipeline_with(
                    device,
                    &pipeline_layout,
                    &shader,
                    ("vs_main", entry),
                    &targets,
                    constants,
                ),
                targets: textures.iter().map(|t| view(t)).collect(),
            }
        };
        let plane = |label, size, format| texture_2d(device, label, size, format, plane_usage);

        let (cw, ch) = (width_px / 2, height_px / 2);
        let (passes, planes) = match layout {
            PixelLayout::Yuv420 => {
                let r8 = wgpu::TextureFormat::R8Unorm;
                let y = plane("gridreel luma", (width_px, height_px), r8);
                let u = plane("gridreel chroma u", (cw, ch), r8);
                let v = plane("gridreel chroma v", (cw, ch), r8);
                let passes = vec![
                    pass("fs_luma", r8, &[&y], &[]),
                    pass("fs_chroma", r8, &[&u, &v], &[]),
                ];
                let y_layout = PlaneLayout::new(0, (width_px, height_px), 1);
                let u_layout = PlaneLayout::new(y_layout.end(), (cw, ch), 1);
                let v_layout = PlaneLayout::new(u_layout.end(), (cw, ch), 1);
                (passes, vec![(y, y_layout), (u, u_layout), (v, v_layout)])
            }
            PixelLayout::Yuv422P10 => {
                let r16 = wgpu::TextureFormat::R16Uint;
                let y = plane("gridreel luma 10-bit", (width_px, height_px), r16);
                let u = plane("gridreel chroma u 10-bit", (cw, height_px), r16);
                let v = plane("gridreel chroma v 10-bit", (cw, height_px), r16);
                let passes = vec![
                    pass("fs_luma10", r16, &[&y], &[]),
                    pass("fs_chroma422", r16, &[&u, &v], &[]),
                ];
                let y_layout = PlaneLayout::new(0, (width_px, height_px), 2);
                let u_layout = PlaneLayout::new(y_layout.end(), (cw, height_px), 2);
                let v_layout = PlaneLayout::new(u_layout.end(), (cw, height_px), 2);
                (passes, vec![(y, y_layout), (u, u_layout), (v, v_layout)])
            }
            PixelLayout::Rgba if scaled => {
                let small = plane("gridreel scaled frame", output_px, FRAME_FORMAT);
                let constants = [
                    ("out_width", f64::from(output_px.0)),
                    ("out_height", f64::from(output_px.1)),
                ];
                let passes = vec![pass("fs_downscale", FRAME_FORMAT, &[&small], &constants)];
                (passes, vec![(small, PlaneLayout::new(0, output_px, 4))])
            }
            PixelLayout::Rgba => {
                let whole = PlaneLayout::new(0, (width_px, height_px), 4);
                (Vec::new(), vec![(frame_texture.clone(), whole)])
            }
        };

        // Sized for the frame's planes or blocks; an RGBA read-back of `render_rgba` (tests,
        // stills) brings its own buffer.
        let plane_bytes = planes.last().map_or(0, |(_, p)| p.end());
        let block_bytes = blocks.as_ref().map_or(0, |b| b.chroma_layout.end());
        let slot_bytes = plane_bytes.max(block_bytes);
        let slots = (0..READBACK_RING)
            .map(|i| Slot::new(device, &format!("gridreel read-back {i}"), slot_bytes))
            .collect();
        Ok(Self {
            width_px,
            height_px,
            layout,
            output_px,
            frame_texture,
            frame_view,
            blocks,
            passes,
            convert_bind_group,
            planes,
            slots,
            next_slot: 0,
        })
    }

    /// Whether the last `submit_frame` drew 8x2 YUV blocks from the renderer's strip (rather
    /// than RGBA converted to planes).
    #[must_use]
    pub fn yuv_from_strip(&self) -> bool {
        let last = (self.next_slot + self.slots.len() - 1) % self.slots.len();
        self.slots[last].blocks
    }

    #[must_use]
    pub fn size_px(&self) -> (u32, u32) {
        (self.width_px, self.height_px)
    }

    fn draw_frame(&self, encoder: &mut wgpu::CommandEncoder, renderer: &GridRenderer) {
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("gridreel frame pass"),
            color_attachments: &[Some(super::cleared(&self.frame_view))],
            depth_stencil_attachment: None,
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        renderer.paint(&mut pass);
    }

    /// The frame as 8x2 YUV blocks straight from the renderer's still (through its strip),
    /// in one pass over targets an eighth of the frame's width and half its height (no RGBA
    /// frame), copied into `buffer`. False when the renderer draws from its tile array or the
    /// width is not a multiple of 8.
    fn yuv_blocks_from_still(
        &self,
        (device, queue): (&wgpu::Device, &wgpu::Queue),
        encoder: &mut wgpu::CommandEncoder,
        renderer: &mut GridRenderer,
        buffer: &wgpu::Buffer,
    ) -> bool {
        let Some(blocks) = &self.blocks else {
            return false;
        };
        if !renderer.prepare_yuv(device, queue, self.height_px) {
            return false;
        }
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("gridreel yuv blocks"),
                color_attachments: &[
                    Some(super::overwritten(&blocks.luma_view)),
                    Some(super::overwritten(&blocks.chroma_view)),
                ],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            if !renderer.paint_yuv_blocks(&mut pass) {
                return false;
            }
        }
        Self::copy_plane(encoder, &blocks.luma, buffer, blocks.luma_layout);
        Self::copy_plane(encoder, &blocks.chroma, buffer, blocks.chroma_layout);
        true
    }

    /// The conversion passes from the RGBA frame into the planes (Y, then U and V together;
    /// or the scaled RGBA). The attachment lists live on the stack: nothing is allocated per
    /// frame.
    fn convert(&self, encoder: &mut wgpu::CommandEncoder) {
        for pass in &self.passes {
            let attachments = [
                pass.targets.first().map(super::overwritten),
                pass.targets.get(1).map(super::overwritten),
            ];
            let mut render = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("gridreel frame conversion"),
                color_attachments: &attachments[..pass.targets.len()],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            render.set_pipeline(&pass.pipeline);
            render.set_bind_group(0, &self.convert_bind_group, &[]);
            render.draw(0..3, 0..1);
        }
    }

    fn copy_plane(
        encoder: &mut wgpu::CommandEncoder,
        texture: &wgpu::Texture,
        buffer: &wgpu::Buffer,
        plane: PlaneLayout,
    ) {
        encoder.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyBufferInfo {
                buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: plane.offset,
                    bytes_per_row: Some(plane.padded_row_bytes),
                    rows_per_image: Some(plane.height_px),
                },
            },
            wgpu::Extent3d {
                width: plane.width_px,
                height: plane.height_px,
                depth_or_array_layers: 1,
            },
        );
    }

    /// The next read-back slot, round robin. The caller keeps at most `READBACK_RING`
    /// frames in flight, so the slot's previous frame has been read by now.
    fn take_slot(&mut self) -> usize {
        let index = self.next_slot;
        self.next_slot = (self.next_slot + 1) % self.slots.len();
        index
    }

    fn start_map(&mut self, queue: &wgpu::Queue, slot: usize, encoder: wgpu::CommandEncoder) {
        self.slots[slot].start_map(queue, encoder);
    }

    fn wait_mapped(&mut self, device: &wgpu::Device, slot: usize) -> Result<(), RenderError> {
        self.slots[slot].wait_mapped(device)
    }

    /// Renders the frame described by `uniform`, converts it for the encoder and starts its
    /// read-back.
    /// Returns a ticket for [`FrameTarget::read_frame`]. At most [`READBACK_RING`] frames may be
    /// in flight: read each ticket before submitting that many more.
    pub fn submit_frame(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        renderer: &mut GridRenderer,
        uniform: &GridUniform,
    ) -> usize {
        renderer.prepare(device, queue, uniform);
        let slot = self.take_slot();
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("gridreel export frame"),
        });
        let buffer = &self.slots[slot].buffer;
        let blocks = self.yuv_blocks_from_still((device, queue), &mut encoder, renderer, buffer);
        if !blocks {
            self.draw_frame(&mut encoder, renderer);
            self.convert(&mut encoder);
            for (texture, plane) in &self.planes {
                Self::copy_plane(&mut encoder, texture, buffer, *plane);
            }
        }
        self.slots[slot].blocks = blocks;
        self.start_map(queue, slot, encoder);
        slot
    }

    /// Waits for the frame of `ticket` and copies its planes into `out` (given this target's
    /// layout and output size if it has another).
    pub fn read_frame(
        &mut self,
        device: &wgpu::Device,
        ticket: usize,
        out: &mut VideoFrame,
    ) -> Result<(), RenderError> {
        self.wait_mapped(device, ticket)?;
        let (w, h) = self.output_px;
        if (out.layout, out.width_px, out.height_px) != (self.layout, w, h) {
            *out = VideoFrame::with_layout(self.layout, w, h);
        }
        let buffer = &self.slots[ticket].buffer;
        {
            let mapped = buffer
                .slice(..)
                .get_mapped_range()
                .map_err(|e| RenderError::ReadBack(e.to_string()))?;
            if let (true, Some(blocks)) = (self.slots[ticket].blocks, &self.blocks) {
                unpack_blocks(&mapped, blocks, out);
            } else {
                let mut at = 0;
                for (_, plane) in &self.planes {
                    let row = plane.row_bytes as usize;
                    for y in 0..plane.height_px as usize {
                        let src = plane.offset as usize + y * plane.padded_row_bytes as usize;
                        out.data[at..at + row].copy_from_slice(&mapped[src..src + row]);
                        at += row;
                    }
                }
            }
        }
        buffer.unmap();
        Ok(())
    }

    /// Renders one frame and returns its RGBA pixels (rows without padding). Blocking; for
    /// tests, thumbnails and stills, not the export loop.
    pub fn render_rgba(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        renderer: &mut GridRenderer,
        uniform: &GridUniform,
    ) -> Result<Vec<u8>, RenderError> {
        renderer.prepare(device, queue, uniform);
        let row = padded_row(self.width_px * 4);
        // Not a per-frame path: a buffer of its own keeps the export ring YUV-sized.
        let mut slot = Slot::new(
            device,
            "gridreel RGBA read-back",
            u64::from(row) * u64::from(self.height_px),
        );
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("gridreel still frame"),
        });
        self.draw_frame(&mut encoder, renderer);
        let whole = PlaneLayout::new(0, (self.width_px, self.height_px), 4);
        Self::copy_plane(&mut encoder, &self.frame_texture, &slot.buffer, whole);
        slot.start_map(queue, encoder);
        slot.wait_mapped(device)?;
        let buffer = &slot.buffer;
        let tight = self.width_px as usize * 4;
        let mut out = Vec::with_capacity(tight * self.height_px as usize);
        {
            let mapped = buffer
                .slice(..)
                .get_mapped_range()
                .map_err(|e| RenderError::ReadBack(e.to_string()))?;
            for y in 0..self.height_px as usize {
                let start = y * row as usize;
                out.extend_from_slice(&mapped[start..start + tight]);
            }
        }
        buffer.unmap();
        Ok(out)
    }
}

impl Slot {
    fn new(device: &wgpu::Device, label: &str, size: u64) -> Self {
        Slot {
            buffer: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            state: Arc::new(AtomicU8::new(MAP_PENDING)),
            submission: None,
            blocks: false,
        }
    }

    /// Submits `encoder` (which ends with a copy into this buffer) and starts mapping it.
    fn start_map(&mut self, queue: &wgpu::Queue, encoder: wgpu::CommandEncoder) {
        let submission = queue.submit(std::iter::once(encoder.finish()));
        self.state.store(MAP_PENDING, Ordering::Release);
        let state = Arc::clone(&self.state);
        self.buffer
            .slice(..)
            .map_async(wgpu::MapMode::Read, move |result| {
                state.store(
                    if result.is_ok() { MAP_DONE } else { MAP_FAILED },
                    Ordering::Release,
                );
            });
        self.submission = Some(submission);
    }

    /// Waits until the buffer is mapped.
    fn wait_mapped(&mut self, device: &wgpu::Device) -> Result<(), RenderError> {
        let submission = self.submission.take();
        loop {
            match self.state.load(Ordering::Acquire) {
                MAP_DONE => return Ok(()),
                MAP_FAILED => {
                    return Err(RenderError::ReadBack(
                        "mapping the read-back buffer failed".into(),
                    ));
                }
                _ => {}
            }
            device
                .poll(wgpu::PollType::Wait {
                    submission_index: submission.clone(),
                    timeout: None,
                })
                .map_err(|e| RenderError::ReadBack(e.to_string()))?;
        }
    }
}

/// Unpacks 8x2 YUV blocks (see [`YUV_BLOCK_LUMA_FORMAT`]) into the frame's planes.
fn unpack_blocks(mapped: &[u8], blocks: &BlockTargets, out: &mut VideoFrame) {
    let w = out.width_px as usize;
    let (luma, chroma) = (blocks.luma_layout, blocks.chroma_layout);
    let (bw, ch) = (luma.width_px as usize, luma.height_px as usize);
    let cw = w / 2;
    let (y_plane, uv) = out.data.split_at_mut(w * ch * 2);
    let (u_plane, v_plane) = uv.split_at_mut(cw * ch);
    for j in 0..ch {
        let at = luma.offset as usize + j * luma.padded_row_bytes as usize;
        let (top, bottom) = y_plane[2 * j * w..(2 * j + 2) * w].split_at_mut(w);
        for ((texel, t), b) in mapped[at..at + bw * 16]
            .chunks_exact(16)
            .zip(top.chunks_exact_mut(8))
            .zip(bottom.chunks_exact_mut(8))
        {
            t.copy_from_slice(&texel[..8]);
            b.copy_from_slice(&texel[8..]);
        }
        let at = chroma.offset as usize + j * chroma.padded_row_bytes as usize;
        for ((texel, u), v) in mapped[at..at + bw * 8]
            .chunks_exact(8)
            .zip(u_plane[j * cw..(j + 1) * cw].chunks_exact_mut(4))
            .zip(v_plane[j * cw..(j + 1) * cw].chunks_exact_mut(4))
        {
            u.copy_from_slice(&texel[..4]);
            v.copy_from_slice(&texel[4..]);
        }
    }
}
