//! Preview and allocation rows: CPU time and heap allocations per preview frame at steady
//! state, and the export loop's allocations per frame.

use std::path::Path;
use std::time::{Duration, Instant};

use super::options::BenchOptions;
use super::ratio::{export_job, export_run};
use super::table::{BenchResult, Row};
use crate::alloc_count::AllocCount;
use crate::engine;
use crate::export::Job;
use crate::layout::Layout;
use crate::monitor::cpu_secs;
use crate::photos::{self, TilePixels};
use crate::render::{Gpu, GridRenderer, GridUniform, Viewport};
use crate::settings::{FrameSize, Settings};

/// 300 steady-state preview frames at 1280×720: CPU per frame and bytes allocated per frame.
pub(super) fn rows(gpu: &Gpu) -> BenchResult<Vec<Row>> {
    const WARM_UP: u32 = 60;
    const FRAMES: u32 = 300;
    let settings = Settings::default();
    let layout = Layout::new(&settings);
    let tiles: Vec<TilePixels> = (0..36)
        .map(|i| {
            let image = photos::synth::synth_photo(i + 1, layout.tile_w_px, layout.tile_h_px);
            TilePixels {
                width_px: layout.tile_w_px,
                height_px: layout.tile_h_px,
                rgba: image::DynamicImage::ImageRgb8(image)
                    .into_rgba8()
                    .into_raw(),
            }
        })
        .collect();
    let format = wgpu::TextureFormat::Rgba8UnormSrgb;
    let mut renderer = GridRenderer::new(&gpu.device, format);
    engine::upload_photos(&gpu.device, &gpu.queue, &mut renderer, &layout, &tiles)
        .map_err(|e| e.to_string())?;
    let (w, h) = (1280, 720);
    let target = crate::render::texture_2d(
        &gpu.device,
        "bench preview target",
        (w, h),
        format,
        wgpu::TextureUsages::RENDER_ATTACHMENT,
    );
    let view = target.create_view(&wgpu::TextureViewDescriptor::default());
    let viewport = Viewport {
        origin_px: [0.0, 0.0],
        size_px: [w as f32, h as f32],
    };
    let mut ours = AllocCount::default();
    let (mut thread_cpu, mut process_cpu, mut wall) = (0.0, 0.0, Duration::ZERO);
    for frame in 0..WARM_UP + FRAMES {
        let measuring = frame >= WARM_UP;
        let (t0, p0, w0) = (cpu_secs(true), cpu_secs(false), Instant::now());
        let a0 = AllocCount::now();
        let uniform = GridUniform::new(
            &layout,
            f64::from(frame) / 60.0,
            settings.background,
            viewport,
        );
        renderer.prepare(&gpu.device, &gpu.queue, &uniform);
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: None,
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                ..Default::default()
            });
            renderer.paint(&mut pass);
        }
        let a1 = AllocCount::now();
        let submission = gpu.queue.submit([encoder.finish()]);
        gpu.device
            .poll(wgpu::PollType::Wait {
                submission_index: Some(submission),
                timeout: None,
            })
            .map_err(|e| e.to_string())?;
        if measuring {
            let a = a1.since(a0);
            ours.allocations += a.allocations;
            ours.bytes += a.bytes;
            wall += w0.elapsed();
            thread_cpu += cpu_secs(true).zip(t0).map_or(0.0, |(b, a)| b - a);
            process_cpu += cpu_secs(false).zip(p0).map_or(0.0, |(b, a)| b - a);
        }
    }
    let per = |x: f64| x * 1000.0 / f64::from(FRAMES);
    Ok(vec![
        Row {
            what: "preview frame at 1280×720: CPU time (UI thread / whole process incl. software GPU), wall".into(),
            value: format!(
                "{:.2} ms / {:.1} ms, {:.1} ms",
                per(thread_cpu),
                per(process_cpu),
                per(wall.as_secs_f64())
            ),
            target: "-",
        },
        Row {
            what: "preview frame: heap allocations per frame (uniform, prepare, paint, incl. wgpu's recording)".into(),
            value: format!(
                "{:.1} allocations, {:.0} bytes",
                ours.allocations as f64 / f64::from(FRAMES),
                ours.bytes as f64 / f64::from(FRAMES)
            ),
            target: "0",
        },
    ])
}

/// Allocations the export loop makes per frame: two exports that differ only in length, with
/// the frames made on the CPU (a grid moving as one: see `render::HostFrames`) and by the
/// GPU.
pub(super) fn export_alloc_rows(dir: &Path, options: &BenchOptions) -> BenchResult<Vec<Row>> {
    let mut settings = options.settings(
        FrameSize::Custom {
            width_px: 640,
            height_px: 360,
        },
        60,
    );
    let output = options.work.join("bench-alloc.mp4");
    let mut rows = Vec::new();
    for (compose_on_gpu, what) in [
        (false, "frames made on the CPU; encoder thread"),
        (
            true,
            "frames made by the GPU; render, read-back, encoder thread, wgpu",
        ),
    ] {
        let mut measure = |secs: f64| -> BenchResult<(u64, AllocCount)> {
            settings.duration_secs = secs;
            let job = Job {
                compose_on_gpu,
                ..export_job(&settings, dir, &output)
            };
            let before = AllocCount::now();
            let summary = export_run(&job)?;
            Ok((summary.frames, AllocCount::now().since(before)))
        };
        let (short_frames, short) = measure(2.0)?;
        let (long_frames, long) = measure(6.0)?;
        let frames = (long_frames - short_frames) as f64;
        rows.push(Row {
            what: format!(
                "export loop: heap allocations per extra frame (6 s vs 2 s clip; {what})"
            ),
            value: format!(
                "{:.1} allocations, {:.0} bytes",
                long.allocations.saturating_sub(short.allocations) as f64 / frames,
                long.bytes.saturating_sub(short.bytes) as f64 / frames
            ),
            target: "0",
        });
    }
    let _ = std::fs::remove_file(&output);
    Ok(rows)
}
