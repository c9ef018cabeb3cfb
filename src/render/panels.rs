//! A texture of the window's size that the editor paints its standing panels into once, and
//! the blit that copies it into each frame (`shaders/panels.wgsl`). The egui side, which
//! decides when the panels stand still, is `app::panel_cache`.

/// The panels' texture and the pipeline that copies it, texel for pixel, into the window.
pub struct PanelTexture {
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    sampler: wgpu::Sampler,
    format: wgpu::TextureFormat,
    target: Option<Target>,
    /// The window was last seen at a size other than the texture's.
    window_differs: bool,
}

struct Target {
    texture: wgpu::Texture,
    view: wgpu::TextureView,
    bind_group: wgpu::BindGroup,
}

impl PanelTexture {
    /// The blit for a window whose surface has `format` (no texture yet).
    #[must_use]
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Self {
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("gridreel panels"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("gridreel panels"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("gridreel panels"),
            source: wgpu::ShaderSource::Wgsl(include_str!("../../shaders/panels.wgsl").into()),
        });
        let pipeline = super::fullscreen_pipeline(
            device,
            &pipeline_layout,
            &module,
            ("vs_main", "fs_main"),
            &[Some(format.into())],
        );
        // Nearest: each pixel centre lies on its own texel's centre, so this is a copy.
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("gridreel panels"),
            ..Default::default()
        });
        Self {
            pipeline,
            layout,
            sampler,
            format,
            target: None,
            window_differs: false,
        }
    }

    /// The texture to paint the panels into, `size` pixels (the window's), kept while the
    /// size stays.
    pub fn target(&mut self, device: &wgpu::Device, size: (u32, u32)) -> &wgpu::TextureView {
        let fits = self.target.as_ref().is_some_and(|t| {
            let s = t.texture.size();
            (s.width, s.height) == size
        });
        if !fits {
            self.target = None; // free the old one first
        }
        let (format, layout, sampler) = (self.format, &self.layout, &self.sampler);
        let target = self.target.get_or_insert_with(|| {
            let usage =
                wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::RENDER_ATTACHMENT;
            let texture = super::texture_2d(device, "gridreel panels", size, format, usage);
            let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
            let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("gridreel panels"),
                layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::TextureView(&view),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: wgpu::BindingResource::Sampler(sampler),
                    },
                ],
            });
            Target {
                texture,
                view,
                bind_group,
            }
        });
        &target.view
    }

    /// GPU bytes held.
    #[must_use]
    pub fn bytes(&self) -> u64 {
        self.target.as_ref().map_or(0, |t| {
            let s = t.texture.size();
            u64::from(s.width) * u64::from(s.height) * 4
        })
    }

    /// Notes the size of the window the texture is copied into.
    pub fn note_window(&mut self, window_px: [u32; 2]) {
        self.window_differs = self.target.as_ref().is_some_and(|t| {
            let size = t.texture.size();
            [size.width, size.height] != window_px
        });
    }

    /// Whether the window was last seen at a size other than the texture's.
    #[must_use]
    pub fn window_differs(&self) -> bool {
        self.window_differs
    }

    /// Copies the texture into `pass` wherever its scissor lets it: the whole window is the
    /// viewport, so pixel (x, y) gets texel (x, y) when the window is the texture's size.
    pub fn draw(&self, pass: &mut wgpu::RenderPass<'_>) {
        let Some(target) = &self.target else {
            return;
        };
        let size = target.texture.size();
        pass.set_viewport(0.0, 0.0, size.width as f32, size.height as f32, 0.0, 1.0);
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &target.bind_group, &[]);
        pass.draw(0..3, 0..1);
    }
}
