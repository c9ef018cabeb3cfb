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
//! only copies rows. The layouts, the block targets and the conversion passes are in
//! `yuv.rs`; this file holds the target, its steps per frame and the read-back ring.

use std::sync::Arc;

use super::host_strip::{self, HostStrip, RingCopy};
use super::readback::ReadBack;
use super::yuv::{BlockTargets, Conversion, PixelLayout, PlaneLayout, VideoFrame, padded_row};
use super::{GridRenderer, GridUniform, RenderError, texture_2d};

/// Read-back buffers in flight; three lets render, copy and read overlap.
pub const READBACK_RING: usize = 3;

struct Slot {
    read: ReadBack,
    /// The frame in it is in 8x2 blocks (the `blocks` layout), not planes.
    blocks: bool,
    /// Or the frame is made on the CPU from this strip copy, for a grid at this position
    /// (nothing was submitted for it).
    host: Option<(Arc<HostStrip>, f32)>,
    /// Or it holds the frame's texels of the rolling still's strip, to lerp on the CPU.
    ring: Option<RingCopy>,
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
    /// The passes from the RGBA frame into the planes, and the planes.
    conversion: Conversion,
    slots: Vec<Slot>,
    next_slot: usize,
    /// Whether frames from a plain strip are made on the CPU (the default; see
    /// `host_strip.rs`).
    host_resampling: bool,
    /// The CPU copy of the last plain strip, by its composition number (None inside: that
    /// strip cannot be resampled on the CPU).
    host: Option<(u64, Option<Arc<HostStrip>>)>,
    /// Whether the last `submit_frame` left its frame to the CPU copy of the strip.
    last_on_host: bool,
    /// One row of lerped strip columns (the rolling still's frames made on the CPU).
    scratch: Vec<u8>,
}

/// The most strip texels a frame `width_px` wide reads from the rolling still: a quarter of
/// its columns and a few more for the lerp and where the blocks start.
fn ring_texels_for(width_px: u32) -> u32 {
    width_px / 4 + 8
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
        check_size(device, (width_px, height_px), layout, output_px)?;
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
        let blocks = BlockTargets::new(device, (width_px, height_px), layout);
        let frame = (&frame_texture, &frame_view);
        let conversion = Conversion::new(device, frame, layout, output_px);
        // Sized for the frame's planes or blocks, or the texels of the rolling still's strip
        // a frame reads; an RGBA read-back of `render_rgba` (tests, stills) brings its own
        // buffer.
        let ring_texels =
            u64::from(height_px / 2) * u64::from(padded_row(16 * ring_texels_for(width_px)));
        let slot_bytes = conversion
            .bytes()
            .max(blocks.as_ref().map_or(0, |b| b.bytes().max(ring_texels)));
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
            conversion,
            slots,
            next_slot: 0,
            host_resampling: true,
            host: None,
            last_on_host: false,
            scratch: Vec::new(),
        })
    }

    /// Whether the last `submit_frame` drew 8x2 YUV blocks from the renderer's strip (rather
    /// than RGBA converted to planes).
    #[must_use]
    pub fn yuv_from_strip(&self) -> bool {
        let last = (self.next_slot + self.slots.len() - 1) % self.slots.len();
        self.slots[last].blocks
    }

    /// Whether the last `submit_frame` makes its frame on the CPU from a copy of the strip
    /// or of the rolling still's strip texels (see `host_strip.rs`) rather than with a GPU
    /// pass.
    #[must_use]
    pub fn on_host(&self) -> bool {
        self.last_on_host
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

    /// The frame as 8x2 YUV blocks straight from the renderer's still (through its strip,
    /// made by `prepare_yuv`), in one pass over targets an eighth of the frame's width and
    /// half its height (no RGBA frame), copied into `buffer`. False when the renderer draws
    /// from its tile array or the width is not a multiple of 8.
    fn yuv_blocks_from_still(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        renderer: &GridRenderer,
        buffer: &wgpu::Buffer,
    ) -> bool {
        let Some(blocks) = &self.blocks else {
            return false;
        };
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
        self.slots[slot].read.start_map(queue, encoder);
    }

    fn wait_mapped(&mut self, device: &wgpu::Device, slot: usize) -> Result<(), RenderError> {
        self.slots[slot].read.wait_mapped(device)
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
        let strip = self.blocks.is_some() && renderer.prepare_yuv(device, queue, self.height_px);
        let host = if strip {
            self.host_strip(device, queue, renderer)
        } else {
            None
        };
        self.last_on_host = host.is_some();
        if host.is_some() {
            self.slots[slot].blocks = true;
            self.slots[slot].host = host;
            self.slots[slot].ring = None;
            return slot;
        }
        self.slots[slot].host = None;
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("gridreel export frame"),
        });
        let buffer = &self.slots[slot].read.buffer;
        let ring = if strip && self.host_resampling {
            self.copy_ring_texels(&mut encoder, renderer, buffer)
        } else {
            None
        };
        let blocks =
            ring.is_some() || (strip && self.yuv_blocks_from_still(&mut encoder, renderer, buffer));
        if !blocks {
            self.draw_frame(&mut encoder, renderer);
            self.conversion.run(&mut encoder);
            for (texture, plane) in &self.conversion.planes {
                Self::copy_plane(&mut encoder, texture, buffer, *plane);
            }
        }
        self.slots[slot].ring = ring;
        self.last_on_host = ring.is_some();
        self.slots[slot].blocks = blocks;
        self.start_map(queue, slot, encoder);
        slot
    }

    /// Whether frames from a plain strip are made on the CPU (the default) or drawn by the
    /// GPU's pass like the others (for tests and comparisons: both give the same bytes).
    pub fn set_host_resampling(&mut self, enabled: bool) {
        self.host_resampling = enabled;
    }

    /// The CPU copy of the renderer's current strip and the grid's position, when this frame
    /// can be made from it (see `host_strip.rs`); read back once per composition of a strip.
    fn host_strip(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        renderer: &GridRenderer,
    ) -> Option<(Arc<HostStrip>, f32)> {
        if !self.host_resampling || self.output_px != (self.width_px, self.height_px) {
            return None;
        }
        let (texture, generation, origin_x) = renderer.plain_strip()?;
        if texture.height() * 2 != self.height_px {
            return None;
        }
        if self.host.as_ref().is_none_or(|(g, _)| *g != generation) {
            let copy = host_strip::read_strip(device, queue, texture).map(Arc::new);
            self.host = Some((generation, copy));
        }
        let copy = self.host.as_ref()?.1.as_ref()?;
        Some((Arc::clone(copy), origin_x))
    }

    /// Copies the texels of the rolling still's strip this frame reads into `buffer`,
    /// unwrapped (one copy, or two where they wrap round the ring), for the CPU to lerp them
    /// as `fs_strip_yuv_ring` would (see `host_strip::frame_from_ring`). None where the
    /// frame is not drawn from the ring or its texels do not fit the buffer.
    fn copy_ring_texels(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        renderer: &GridRenderer,
        buffer: &wgpu::Buffer,
    ) -> Option<RingCopy> {
        if self.output_px != (self.width_px, self.height_px) {
            return None;
        }
        let (texture, (anchor, anchor_slot), origin_x) = renderer.ring_strip()?;
        let (first, last) = host_strip::texels_read(self.width_px as usize, origin_x);
        let texels = u32::try_from(last - anchor + 1).ok()?;
        let (ring, rows) = (texture.width(), texture.height());
        if first < anchor || texels > ring || anchor_slot >= ring || rows * 2 != self.height_px {
            return None;
        }
        let row_bytes = padded_row(16 * texels);
        if u64::from(row_bytes) * u64::from(rows) > buffer.size() {
            return None;
        }
        let head = (ring - anchor_slot).min(texels);
        host_strip::copy_texels(
            encoder,
            texture,
            buffer,
            (anchor_slot, head),
            (0, row_bytes),
        );
        if head < texels {
            let at = 16 * u64::from(head);
            host_strip::copy_texels(
                encoder,
                texture,
                buffer,
                (0, texels - head),
                (at, row_bytes),
            );
        }
        Some(RingCopy {
            first_texel: anchor,
            texels: texels as usize,
            row_bytes: row_bytes as usize,
            origin_x,
        })
    }

    /// Waits for the frame of `ticket` and copies its planes into `out` (given this target's
    /// layout and output size if it has another).
    pub fn read_frame(
        &mut self,
        device: &wgpu::Device,
        ticket: usize,
        out: &mut VideoFrame,
    ) -> Result<(), RenderError> {
        let (w, h) = self.output_px;
        if (out.layout, out.width_px, out.height_px) != (self.layout, w, h) {
            *out = VideoFrame::with_layout(self.layout, w, h);
        }
        if let Some((strip, origin_x)) = self.slots[ticket].host.take() {
            strip.write_frame(origin_x, out);
            return Ok(());
        }
        self.wait_mapped(device, ticket)?;
        let buffer = &self.slots[ticket].read.buffer;
        {
            let mapped = buffer
                .slice(..)
                .get_mapped_range()
                .map_err(|e| RenderError::ReadBack(e.to_string()))?;
            if let Some(copy) = self.slots[ticket].ring {
                if !host_strip::frame_from_ring(&mapped, copy, out, &mut self.scratch) {
                    return Err(RenderError::ReadBack(
                        "the rolling still's texels read back do not cover the frame".into(),
                    ));
                }
            } else if let (true, Some(blocks)) = (self.slots[ticket].blocks, &self.blocks) {
                blocks.unpack(&mapped, out);
            } else {
                self.conversion.unpack(&mapped, out);
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
        let mut slot = ReadBack::new(
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
            read: ReadBack::new(device, label, size),
            blocks: false,
            host: None,
            ring: None,
        }
    }
}

/// Refuses a frame of `width_px × height_px` that is odd, empty or larger than the device
/// allows, and an `output_px` other than the frame's unless it scales RGBA down.
fn check_size(
    device: &wgpu::Device,
    (width_px, height_px): (u32, u32),
    layout: PixelLayout,
    output_px: (u32, u32),
) -> Result<(), RenderError> {
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
    Ok(())
}
