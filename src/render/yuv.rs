//! What the encoder is given and how the GPU makes it: the pixel layouts (`PixelLayout`) and
//! frames (`VideoFrame`), where each plane lands in a read-back buffer (`PlaneLayout`), the
//! 8x2 YUV block targets of the one-pass path from the strip and their unpacking into planes
//! (`BlockTargets`), and the conversion passes from an RGBA frame (`Conversion`,
//! `shaders/yuv.wgsl`): planar 8-bit 4:2:0, ProRes' 10-bit 4:2:2 planes (`R16Uint` targets,
//! little-endian samples read back as they are), or GIF's RGBA, area-averaged down to the
//! GIF's width. The CPU only copies rows.

use super::grid::{YUV_BLOCK, YUV_BLOCK_CHROMA_FORMAT, YUV_BLOCK_LUMA_FORMAT};
use super::texture_2d;

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
pub(super) struct PlaneLayout {
    pub offset: u64,
    pub width_px: u32,
    pub height_px: u32,
    /// Bytes of a row's texels (`width_px` × bytes per texel).
    row_bytes: u32,
    pub padded_row_bytes: u32,
}

impl PlaneLayout {
    pub fn new(offset: u64, (width_px, height_px): (u32, u32), texel_bytes: u32) -> Self {
        Self {
            offset,
            width_px,
            height_px,
            row_bytes: width_px * texel_bytes,
            padded_row_bytes: padded_row(width_px * texel_bytes),
        }
    }

    pub fn end(self) -> u64 {
        self.offset + u64::from(self.padded_row_bytes) * u64::from(self.height_px)
    }
}

/// `bytes` rounded up to the row alignment of texture-to-buffer copies.
pub(super) fn padded_row(bytes: u32) -> u32 {
    bytes.div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT) * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT
}

/// The usage of every target a pass writes and the read-back copies out of.
const PLANE_USAGE: wgpu::TextureUsages =
    wgpu::TextureUsages::RENDER_ATTACHMENT.union(wgpu::TextureUsages::COPY_SRC);

fn default_view(texture: &wgpu::Texture) -> wgpu::TextureView {
    texture.create_view(&wgpu::TextureViewDescriptor::default())
}

/// Luma and chroma of 8x2 blocks (see [`YUV_BLOCK_LUMA_FORMAT`]) and where each lands in a
/// read-back buffer.
pub(super) struct BlockTargets {
    pub luma: wgpu::Texture,
    pub luma_view: wgpu::TextureView,
    pub chroma: wgpu::Texture,
    pub chroma_view: wgpu::TextureView,
    pub luma_layout: PlaneLayout,
    pub chroma_layout: PlaneLayout,
}

impl BlockTargets {
    /// The targets for `width_px × height_px` frames, a texel per 8x2 block; None unless the
    /// layout is 8-bit 4:2:0 and the width a multiple of 8.
    pub fn new(
        device: &wgpu::Device,
        (width_px, height_px): (u32, u32),
        layout: PixelLayout,
    ) -> Option<Self> {
        if layout != PixelLayout::Yuv420 || !width_px.is_multiple_of(YUV_BLOCK.0) {
            return None;
        }
        let size = (width_px / YUV_BLOCK.0, height_px / 2);
        let luma_layout = PlaneLayout::new(0, size, 16);
        let chroma_layout = PlaneLayout::new(luma_layout.end(), size, 8);
        let target = |label, format| texture_2d(device, label, size, format, PLANE_USAGE);
        let luma = target("gridreel yuv block luma", YUV_BLOCK_LUMA_FORMAT);
        let chroma = target("gridreel yuv block chroma", YUV_BLOCK_CHROMA_FORMAT);
        Some(Self {
            luma_view: default_view(&luma),
            chroma_view: default_view(&chroma),
            luma,
            chroma,
            luma_layout,
            chroma_layout,
        })
    }

    /// Bytes of a read-back buffer holding both.
    pub fn bytes(&self) -> u64 {
        self.chroma_layout.end()
    }

    /// Unpacks 8x2 YUV blocks (see [`YUV_BLOCK_LUMA_FORMAT`]) into the frame's planes.
    pub fn unpack(&self, mapped: &[u8], out: &mut VideoFrame) {
        let w = out.width_px as usize;
        let (luma, chroma) = (self.luma_layout, self.chroma_layout);
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
}

/// A conversion pass from the RGBA frame: its pipeline and the one or two targets it writes.
struct ConvertPass {
    pipeline: wgpu::RenderPipeline,
    targets: Vec<wgpu::TextureView>,
}

/// The passes from an RGBA frame into the encoder's planes, and the planes.
pub(super) struct Conversion {
    /// Passes from the RGBA frame into the planes (none when the RGBA frame is read as is).
    passes: Vec<ConvertPass>,
    bind_group: wgpu::BindGroup,
    /// Textures copied into the read-back buffer, in order, and where each lands.
    pub planes: Vec<(wgpu::Texture, PlaneLayout)>,
}

/// What the conversion passes are built from: the module, the frame bound, their layout.
struct PassBuilder<'a> {
    device: &'a wgpu::Device,
    shader: wgpu::ShaderModule,
    pipeline_layout: wgpu::PipelineLayout,
}

impl PassBuilder<'_> {
    /// A pass through fragment `entry` writing `textures` of `format`.
    fn pass(
        &self,
        entry: &str,
        format: wgpu::TextureFormat,
        textures: &[&wgpu::Texture],
        constants: &[(&str, f64)],
    ) -> ConvertPass {
        let target = Some(wgpu::ColorTargetState {
            format,
            blend: None,
            write_mask: wgpu::ColorWrites::ALL,
        });
        let targets = vec![target; textures.len()];
        ConvertPass {
            pipeline: super::fullscreen_pipeline_with(
                self.device,
                &self.pipeline_layout,
                &self.shader,
                ("vs_main", entry),
                &targets,
                constants,
            ),
            targets: textures.iter().map(|t| default_view(t)).collect(),
        }
    }

    /// A plane texture the passes write and the read-back copies.
    fn plane(&self, label: &str, size: (u32, u32), format: wgpu::TextureFormat) -> wgpu::Texture {
        texture_2d(self.device, label, size, format, PLANE_USAGE)
    }
}

impl Conversion {
    /// The conversion of `frame` (RGBA, with its view) for the encoder's `layout`, read back
    /// at `output_px`: the frame's size, or for RGBA a smaller one.
    pub fn new(
        device: &wgpu::Device,
        (frame, frame_view): (&wgpu::Texture, &wgpu::TextureView),
        layout: PixelLayout,
        output_px: (u32, u32),
    ) -> Self {
        let (builder, bind_group) = Self::builder(device, frame_view);
        let (width_px, height_px) = (frame.width(), frame.height());
        let (cw, ch) = (width_px / 2, height_px / 2);
        let planes3 = |[y, u, v]: [wgpu::Texture; 3], texel_bytes, chroma_px| {
            let y_layout = PlaneLayout::new(0, (width_px, height_px), texel_bytes);
            let u_layout = PlaneLayout::new(y_layout.end(), chroma_px, texel_bytes);
            let v_layout = PlaneLayout::new(u_layout.end(), chroma_px, texel_bytes);
            vec![(y, y_layout), (u, u_layout), (v, v_layout)]
        };
        let b = &builder;
        let (passes, planes) = match layout {
            PixelLayout::Yuv420 => {
                let r8 = wgpu::TextureFormat::R8Unorm;
                let y = b.plane("gridreel luma", (width_px, height_px), r8);
                let u = b.plane("gridreel chroma u", (cw, ch), r8);
                let v = b.plane("gridreel chroma v", (cw, ch), r8);
                let passes = vec![
                    b.pass("fs_luma", r8, &[&y], &[]),
                    b.pass("fs_chroma", r8, &[&u, &v], &[]),
                ];
                (passes, planes3([y, u, v], 1, (cw, ch)))
            }
            PixelLayout::Yuv422P10 => {
                let r16 = wgpu::TextureFormat::R16Uint;
                let y = b.plane("gridreel luma 10-bit", (width_px, height_px), r16);
                let u = b.plane("gridreel chroma u 10-bit", (cw, height_px), r16);
                let v = b.plane("gridreel chroma v 10-bit", (cw, height_px), r16);
                let passes = vec![
                    b.pass("fs_luma10", r16, &[&y], &[]),
                    b.pass("fs_chroma422", r16, &[&u, &v], &[]),
                ];
                (passes, planes3([y, u, v], 2, (cw, height_px)))
            }
            PixelLayout::Rgba if output_px != (width_px, height_px) => {
                let format = frame.format();
                let small = b.plane("gridreel scaled frame", output_px, format);
                let constants = [
                    ("out_width", f64::from(output_px.0)),
                    ("out_height", f64::from(output_px.1)),
                ];
                let passes = vec![b.pass("fs_downscale", format, &[&small], &constants)];
                (passes, vec![(small, PlaneLayout::new(0, output_px, 4))])
            }
            PixelLayout::Rgba => {
                let whole = PlaneLayout::new(0, (width_px, height_px), 4);
                (Vec::new(), vec![(frame.clone(), whole)])
            }
        };
        Self {
            passes,
            bind_group,
            planes,
        }
    }

    /// The conversion shader, and a bind group of `frame_view` for it.
    fn builder<'a>(
        device: &'a wgpu::Device,
        frame_view: &wgpu::TextureView,
    ) -> (PassBuilder<'a>, wgpu::BindGroup) {
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
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("gridreel conversion bind group"),
            layout: &bind_group_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::TextureView(frame_view),
            }],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("gridreel conversion pipeline layout"),
            bind_group_layouts: &[Some(&bind_group_layout)],
            immediate_size: 0,
        });
        let builder = PassBuilder {
            device,
            shader,
            pipeline_layout,
        };
        (builder, bind_group)
    }

    /// Bytes of a read-back buffer holding every plane.
    pub fn bytes(&self) -> u64 {
        self.planes.last().map_or(0, |(_, p)| p.end())
    }

    /// The conversion passes from the RGBA frame into the planes (Y, then U and V together;
    /// or the scaled RGBA). The attachment lists live on the stack: nothing is allocated per
    /// frame.
    pub fn run(&self, encoder: &mut wgpu::CommandEncoder) {
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
            render.set_bind_group(0, &self.bind_group, &[]);
            render.draw(0..3, 0..1);
        }
    }

    /// Copies the planes out of a mapped read-back buffer into `out`, rows without padding.
    pub fn unpack(&self, mapped: &[u8], out: &mut VideoFrame) {
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
