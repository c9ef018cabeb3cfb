//! The offscreen frame used by export. With a composed still (the normal case) and a width
//! that is a multiple of 8, the renderer draws YUV 4:2:0 directly from its strip, as 8x2
//! blocks in one pass over two targets an eighth of the frame's width and half its height
//! (luma and chroma); otherwise the grid is drawn
//! into an RGBA texture and converted to planar YUV on the GPU. Either way the result is
//! copied into one of a small ring of read-back buffers and mapped asynchronously, so frame
//! N+1 renders while frame N is read and frame N−1 is encoded. `render_rgba` gives the RGBA
//! frame itself, for tests and stills.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use super::grid::{YUV_BLOCK, YUV_BLOCK_CHROMA_FORMAT, YUV_BLOCK_LUMA_FORMAT};
use super::{GridRenderer, GridUniform, RenderError, texture_2d};

/// Read-back buffers in flight; three lets render, copy and read overlap.
pub const READBACK_RING: usize = 3;

const MAP_PENDING: u8 = 0;
const MAP_DONE: u8 = 1;
const MAP_FAILED: u8 = 2;

/// A frame as planar YUV 4:2:0 (Y, then U, then V), rows without padding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct YuvFrame {
    pub width_px: u32,
    pub height_px: u32,
    pub data: Vec<u8>,
}

impl YuvFrame {
    #[must_use]
    pub fn new(width_px: u32, height_px: u32) -> Self {
        let luma = width_px as usize * height_px as usize;
        Self {
            width_px,
            height_px,
            data: vec![0; luma + luma / 2],
        }
    }

    /// The Y, U and V planes.
    #[must_use]
    pub fn planes(&self) -> (&[u8], &[u8], &[u8]) {
        let luma = self.width_px as usize * self.height_px as usize;
        let (y, uv) = self.data.split_at(luma);
        let (u, v) = uv.split_at(luma / 4);
        (y, u, v)
    }
}

/// Byte layout of one plane inside a read-back buffer.
#[derive(Clone, Copy, Debug)]
struct PlaneLayout {
    offset: u64,
    width_px: u32,
    height_px: u32,
    padded_row_bytes: u32,
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

/// Offscreen RGBA frame, its YUV conversion and the read-back ring.
pub struct FrameTarget {
    width_px: u32,
    height_px: u32,
    frame_texture: wgpu::Texture,
    frame_view: wgpu::TextureView,
    y_view: wgpu::TextureView,
    u_view: wgpu::TextureView,
    v_view: wgpu::TextureView,
    y_texture: wgpu::Texture,
    u_texture: wgpu::Texture,
    v_texture: wgpu::Texture,
    /// Targets of the one-pass YUV from a still, a texel per 8x2 block; None when the width
    /// is not a multiple of 8.
    blocks: Option<BlockTargets>,
    luma_pipeline: wgpu::RenderPipeline,
    chroma_pipeline: wgpu::RenderPipeline,
    yuv_bind_group: wgpu::BindGroup,
    planes: [PlaneLayout; 3],
    slots: Vec<Slot>,
    next_slot: usize,
}

/// The pixel format of the offscreen frame (and so of the export renderer's pipeline).
pub const FRAME_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

impl FrameTarget {
    /// A target for `width_px × height_px` frames (both even, as 4:2:0 needs).
    pub fn new(device: &wgpu::Device, width_px: u32, height_px: u32) -> Result<Self, RenderError> {
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
        let (cw, ch) = (width_px / 2, height_px / 2);
        let plane_usage = wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC;
        let plane = |label, size| {
            texture_2d(
                device,
                label,
                size,
                wgpu::TextureFormat::R8Unorm,
                plane_usage,
            )
        };
        let y_texture = plane("gridreel luma", (width_px, height_px));
        let u_texture = plane("gridreel chroma u", (cw, ch));
        let v_texture = plane("gridreel chroma v", (cw, ch));
        let view = |t: &wgpu::Texture| t.create_view(&wgpu::TextureViewDescriptor::default());
        let (y_view, u_view, v_view) = (view(&y_texture), view(&u_texture), view(&v_texture));
        let block_w = width_px / YUV_BLOCK.0;
        let luma_layout = PlaneLayout {
            offset: 0,
            width_px: block_w,
            height_px: ch,
            padded_row_bytes: padded_row(block_w * 16),
        };
        let chroma_layout = PlaneLayout {
            offset: u64::from(luma_layout.padded_row_bytes) * u64::from(ch),
            width_px: block_w,
            height_px: ch,
            padded_row_bytes: padded_row(block_w * 8),
        };
        let blocks = width_px.is_multiple_of(YUV_BLOCK.0).then(|| {
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
            label: Some("gridreel yuv shader"),
            source: wgpu::ShaderSource::Wgsl(
                concat!(
                    include_str!("../../shaders/bt709.wgsl"),
                    include_str!("../../shaders/yuv.wgsl")
                )
                .into(),
            ),
        });
        let bind_group_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("gridreel yuv bind group layout"),
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
        let yuv_bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("gridreel yuv bind group"),
            layout: &bind_group_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::TextureView(&frame_view),
            }],
        });
        let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("gridreel yuv pipeline layout"),
            bind_group_layouts: &[Some(&bind_group_layout)],
            immediate_size: 0,
        });
        let r8 = Some(wgpu::ColorTargetState {
            format: wgpu::TextureFormat::R8Unorm,
            blend: None,
            write_mask: wgpu::ColorWrites::ALL,
        });
        let pipeline = |entry: &str, targets: &[Option<wgpu::ColorTargetState>]| {
            super::fullscreen_pipeline(device, &layout, &shader, ("vs_main", entry), targets)
        };
        let luma_pipeline = pipeline("fs_luma", std::slice::from_ref(&r8));
        let chroma_pipeline = pipeline("fs_chroma", &[r8.clone(), r8]);

        let y_row = padded_row(width_px);
        let c_row = padded_row(cw);
        let y_bytes = u64::from(y_row) * u64::from(height_px);
        let c_bytes = u64::from(c_row) * u64::from(ch);
        let planes = [
            PlaneLayout {
                offset: 0,
                width_px,
                height_px,
                padded_row_bytes: y_row,
            },
            PlaneLayout {
                offset: y_bytes,
                width_px: cw,
                height_px: ch,
                padded_row_bytes: c_row,
            },
            PlaneLayout {
                offset: y_bytes + c_bytes,
                width_px: cw,
                height_px: ch,
                padded_row_bytes: c_row,
            },
        ];
        // Sized for YUV only; an RGBA read-back (tests, stills) brings its own buffer.
        let block_bytes =
            chroma_layout.offset + u64::from(chroma_layout.padded_row_bytes) * u64::from(ch);
        let slot_bytes = (y_bytes + 2 * c_bytes).max(block_bytes);
        let slots = (0..READBACK_RING)
            .map(|i| Slot::new(device, &format!("gridreel read-back {i}"), slot_bytes))
            .collect();
        Ok(Self {
            width_px,
            height_px,
            frame_texture,
            frame_view,
            y_view,
            u_view,
            v_view,
            y_texture,
            u_texture,
            v_texture,
            blocks,
            luma_pipeline,
            chroma_pipeline,
            yuv_bind_group,
            planes,
            slots,
            next_slot: 0,
        })
    }

    /// Whether the last `submit_yuv` drew 8x2 YUV blocks from the renderer's strip (rather
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

    /// A pass into the Y plane, then one into the U and V planes, from the RGBA frame. The
    /// attachment lists live on the stack: nothing is allocated per frame.
    fn convert_to_yuv(&self, encoder: &mut wgpu::CommandEncoder) {
        let luma = [Some(super::cleared(&self.y_view))];
        let chroma = [
            Some(super::cleared(&self.u_view)),
            Some(super::cleared(&self.v_view)),
        ];
        for (pipeline, targets) in [
            (&self.luma_pipeline, &luma[..]),
            (&self.chroma_pipeline, &chroma[..]),
        ] {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("gridreel yuv planes"),
                color_attachments: targets,
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &self.yuv_bind_group, &[]);
            pass.draw(0..3, 0..1);
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

    /// Renders the frame described by `uniform`, converts it to YUV and starts its read-back.
    /// Returns a ticket for [`FrameTarget::read_yuv`]. At most [`READBACK_RING`] frames may be
    /// in flight: read each ticket before submitting that many more.
    pub fn submit_yuv(
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
            self.convert_to_yuv(&mut encoder);
            Self::copy_plane(&mut encoder, &self.y_texture, buffer, self.planes[0]);
            Self::copy_plane(&mut encoder, &self.u_texture, buffer, self.planes[1]);
            Self::copy_plane(&mut encoder, &self.v_texture, buffer, self.planes[2]);
        }
        self.slots[slot].blocks = blocks;
        self.start_map(queue, slot, encoder);
        slot
    }

    /// Waits for the frame of `ticket` and copies its planes into `out` (resized if needed).
    pub fn read_yuv(
        &mut self,
        device: &wgpu::Device,
        ticket: usize,
        out: &mut YuvFrame,
    ) -> Result<(), RenderError> {
        self.wait_mapped(device, ticket)?;
        if (out.width_px, out.height_px) != (self.width_px, self.height_px) {
            *out = YuvFrame::new(self.width_px, self.height_px);
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
                for plane in self.planes {
                    let row = plane.width_px as usize;
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
        Self::copy_plane_rgba(
            &mut encoder,
            &self.frame_texture,
            &slot.buffer,
            row,
            self.width_px,
            self.height_px,
        );
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

    fn copy_plane_rgba(
        encoder: &mut wgpu::CommandEncoder,
        texture: &wgpu::Texture,
        buffer: &wgpu::Buffer,
        row: u32,
        w: u32,
        h: u32,
    ) {
        Self::copy_plane(
            encoder,
            texture,
            buffer,
            PlaneLayout {
                offset: 0,
                width_px: w,
                height_px: h,
                padded_row_bytes: row,
            },
        );
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
fn unpack_blocks(mapped: &[u8], blocks: &BlockTargets, out: &mut YuvFrame) {
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
