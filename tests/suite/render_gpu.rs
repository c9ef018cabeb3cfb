//! The GPU renderer (run on Mesa lavapipe in CI) equals the CPU reference of the same
//! layout within a small per-pixel tolerance, for several frames and settings, and the GPU
//! YUV conversion equals the CPU one.

use gridreel::engine::cell_photos;
use gridreel::layout::{Layout, photos_shown};
use gridreel::photos::TilePixels;
use gridreel::render::{
    FRAME_FORMAT, FrameTarget, Gpu, GridRenderer, GridUniform, PixelLayout, THUMB_FLAG, VideoFrame,
    reference,
};
use gridreel::settings::{Color, FrameSize, Settings};

fn tiles(count: u32, w: u32, h: u32) -> Vec<TilePixels> {
    (0..count)
        .map(|i| {
            let img = gridreel::photos::synth::synth_photo(u64::from(i) + 10, w, h);
            let rgba = image::DynamicImage::ImageRgb8(img).into_rgba8();
            TilePixels {
                width_px: w,
                height_px: h,
                rgba: rgba.into_raw(),
            }
        })
        .collect()
}

/// `n` bytes of noise (alpha opaque), the same for the same seed.
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let step = |x: u64| {
        x.wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407)
    };
    let mut x = step(seed);
    (0..n)
        .map(|i| {
            x = step(x);
            if i % 4 == 3 { 255 } else { (x >> 33) as u8 }
        })
        .collect()
}

fn max_diff(a: &[u8], b: &[u8]) -> (u8, usize) {
    assert_eq!(a.len(), b.len());
    let mut worst = 0u8;
    let mut off = 0usize;
    for (x, y) in a.iter().zip(b) {
        let d = x.abs_diff(*y);
        worst = worst.max(d);
        off += usize::from(d > 1);
    }
    (worst, off)
}

#[test]
fn gpu_frames_from_the_still_match_the_cpu_reference() {
    frames_match_the_cpu_reference(true);
}

#[test]
fn gpu_frames_from_the_tile_array_match_the_cpu_reference() {
    frames_match_the_cpu_reference(false);
}

fn frames_match_the_cpu_reference(still: bool) {
    let gpu = Gpu::headless().expect("a Vulkan adapter (install mesa-vulkan-drivers)");
    eprintln!("adapter: {}", gpu.describe());
    let cases = [
        // (settings, photos)
        (
            Settings {
                rows: 3,
                cols: 4,
                tile_height_px: 30,
                gap_h_px: 3,
                gap_v_px: 2,
                frame: FrameSize::Custom {
                    width_px: 160,
                    height_px: 120,
                },
                background: Color::rgb(10, 200, 30),
                ..Settings::default()
            },
            5,
        ),
        (
            Settings {
                rows: 2,
                cols: 5,
                tile_height_px: 24,
                ..Settings::default()
            },
            10,
        ),
        (
            Settings {
                rows: 4,
                cols: 3,
                tile_height_px: 40,
                speed: 1.7,
                duration_secs: 1.3,
                gap_h_px: 5,
                frame: FrameSize::Custom {
                    width_px: 100,
                    height_px: 64,
                },
                ..Settings::default()
            },
            2,
        ),
        // A grid at a half-pixel height (every frame filtered vertically too) and shorter
        // than the frame, with gaps and a coloured background.
        (
            Settings {
                rows: 1,
                cols: 4,
                tile_height_px: 33,
                gap_h_px: 2,
                speed: 1.3,
                frame: FrameSize::Custom {
                    width_px: 96,
                    height_px: 70,
                },
                background: Color::rgb(200, 40, 90),
                ..Settings::default()
            },
            4,
        ),
        // A width that is not a multiple of 8: no 8x2 YUV blocks, the planar conversion.
        (
            Settings {
                rows: 2,
                cols: 3,
                tile_height_px: 30,
                frame: FrameSize::Custom {
                    width_px: 102,
                    height_px: 60,
                },
                ..Settings::default()
            },
            6,
        ),
    ];
    let mut renderer = GridRenderer::new(&gpu.device, FRAME_FORMAT);
    renderer.set_still_enabled(still);
    for (settings, photo_count) in cases {
        settings.validate().unwrap();
        let layout = Layout::new(&settings);
        let (w, h) = layout.frame_size_px();
        let tiles = tiles(photo_count, layout.tile_w_px, layout.tile_h_px);
        let shown = photos_shown(layout.cell_count(), tiles.len());
        let cells = cell_photos(layout.cell_count(), shown);
        renderer.set_tiles(&gpu.device, &gpu.queue, &tiles[..shown]);
        renderer.set_cells(&gpu.device, &gpu.queue, &cells);
        let mut target = FrameTarget::new(&gpu.device, w, h).unwrap();
        let layers: Vec<&[u8]> = tiles[..shown].iter().map(|t| t.rgba.as_slice()).collect();
        for t in [
            0.0,
            0.37,
            0.5 * settings.duration_secs,
            0.913 * settings.duration_secs,
            settings.duration_secs,
        ] {
            let mut uniform = GridUniform::new(
                &layout,
                t,
                settings.background,
                GridUniform::full_frame(&layout),
            );
            let gpu_rgba = target
                .render_rgba(&gpu.device, &gpu.queue, &mut renderer, &uniform)
                .unwrap();
            assert_eq!(renderer.draws_from_still(), still);
            uniform.layer_count = shown as u32;
            let cpu_rgba = reference::render_rgba(&uniform, &layers, &cells, w, h);
            let (worst, off) = max_diff(&gpu_rgba, &cpu_rgba);
            assert!(
                worst <= 2 && off * 1000 <= gpu_rgba.len(),
                "t={t}: max diff {worst}, {off} values off by >1"
            );

            // GPU YUV conversion vs the CPU one of the same RGBA frame.
            let ticket = target.submit_frame(&gpu.device, &gpu.queue, &mut renderer, &uniform);
            let mut gpu_yuv = VideoFrame::default();
            target
                .read_frame(&gpu.device, ticket, &mut gpu_yuv)
                .unwrap();
            let mut cpu_yuv = VideoFrame::default();
            reference::rgba_to_yuv420(&gpu_rgba, w, h, &mut cpu_yuv);
            let (worst, _) = max_diff(&gpu_yuv.data, &cpu_yuv.data);
            assert!(worst <= 1, "t={t}: yuv max diff {worst}");
            // Without a still, a grid moving as one takes the rolling still's strip.
            assert_eq!(target.yuv_from_strip(), w % 8 == 0);
        }
    }
}

/// ProRes's 10-bit 4:2:2 planes and a GIF's scaled-down RGBA, from the GPU, equal the CPU
/// reference of the same RGBA frame.
#[test]
fn prores_planes_and_gif_scaling_match_the_cpu_reference() {
    let gpu = Gpu::headless().expect("a Vulkan adapter");
    let settings = Settings {
        rows: 3,
        cols: 4,
        tile_height_px: 40,
        frame: FrameSize::Custom {
            width_px: 200,
            height_px: 126,
        },
        ..Settings::default()
    };
    let layout = Layout::new(&settings);
    let (w, h) = layout.frame_size_px();
    let mut renderer = GridRenderer::new(&gpu.device, FRAME_FORMAT);
    let tiles = tiles(12, layout.tile_w_px, layout.tile_h_px);
    renderer.set_tiles(&gpu.device, &gpu.queue, &tiles);
    renderer.set_cells(&gpu.device, &gpu.queue, &cell_photos(12, 12));
    let uniform = GridUniform::new(
        &layout,
        1.3,
        settings.background,
        GridUniform::full_frame(&layout),
    );
    let mut plain = FrameTarget::new(&gpu.device, w, h).unwrap();
    let rgba = plain
        .render_rgba(&gpu.device, &gpu.queue, &mut renderer, &uniform)
        .unwrap();
    let mut read = |layout: PixelLayout, out_px: (u32, u32)| {
        let mut target = FrameTarget::with_layout(&gpu.device, (w, h), layout, out_px).unwrap();
        let ticket = target.submit_frame(&gpu.device, &gpu.queue, &mut renderer, &uniform);
        let mut frame = VideoFrame::default();
        target.read_frame(&gpu.device, ticket, &mut frame).unwrap();
        assert_eq!(
            (frame.layout, frame.width_px, frame.height_px),
            (layout, out_px.0, out_px.1)
        );
        frame
    };

    let gpu_10 = read(PixelLayout::Yuv422P10, (w, h));
    let cpu_10 = reference::rgba_to_yuv422p10(&rgba, w, h);
    assert_eq!(gpu_10.data.len(), w as usize * h as usize * 4);
    let samples = |f: &VideoFrame| -> Vec<u16> {
        f.data
            .chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .collect()
    };
    let (g, c) = (samples(&gpu_10), samples(&cpu_10));
    let worst = g.iter().zip(&c).map(|(a, b)| a.abs_diff(*b)).max().unwrap();
    assert!(worst <= 1, "10-bit max diff {worst}");
    assert!(g.iter().all(|&s| (64..=960).contains(&s)), "limited range");

    let gif_px = (77, 49);
    let gpu_small = read(PixelLayout::Rgba, gif_px);
    let cpu_small = reference::downscale_rgba(&rgba, (w, h), gif_px);
    let (worst, _) = max_diff(&gpu_small.data, &cpu_small);
    assert!(worst <= 1, "scaled RGBA max diff {worst}");
    let same_size = read(PixelLayout::Rgba, (w, h));
    assert_eq!(
        same_size.data, rgba,
        "an unscaled GIF frame is the frame itself"
    );
    assert!(FrameTarget::with_layout(&gpu.device, (w, h), PixelLayout::Yuv420, gif_px).is_err());
}

#[test]
fn motion_is_sub_pixel_smooth() {
    // Two frames a third of a pixel apart differ (no snapping to whole pixels), by less
    // than a whole-pixel shift would.
    let gpu = Gpu::headless().expect("a Vulkan adapter");
    let settings = Settings {
        rows: 2,
        cols: 3,
        tile_height_px: 30,
        frame: FrameSize::Custom {
            width_px: 120,
            height_px: 60,
        },
        ..Settings::default()
    };
    let layout = Layout::new(&settings);
    let mut renderer = GridRenderer::new(&gpu.device, FRAME_FORMAT);
    let tiles = tiles(6, layout.tile_w_px, layout.tile_h_px);
    renderer.set_tiles(&gpu.device, &gpu.queue, &tiles);
    renderer.set_cells(&gpu.device, &gpu.queue, &cell_photos(6, 6));
    let mut target = FrameTarget::new(&gpu.device, 120, 60).unwrap();
    let px_per_sec = f64::from(120 + layout.grid_w_px) / settings.duration_secs;
    let t0 = 2.0;
    let mut frame = |t: f64| {
        let u = GridUniform::new(
            &layout,
            t,
            settings.background,
            GridUniform::full_frame(&layout),
        );
        target
            .render_rgba(&gpu.device, &gpu.queue, &mut renderer, &u)
            .unwrap()
    };
    let a = frame(t0);
    let third = frame(t0 + 1.0 / 3.0 / px_per_sec);
    let whole = frame(t0 + 1.0 / px_per_sec);
    let sum = |x: &[u8], y: &[u8]| {
        x.iter()
            .zip(y)
            .map(|(p, q)| u64::from(p.abs_diff(*q)))
            .sum::<u64>()
    };
    assert!(sum(&a, &third) > 0, "a third of a pixel moved nothing");
    assert!(
        sum(&a, &third) < sum(&a, &whole),
        "sub-pixel step is not smaller than a whole one"
    );
}

/// A cell whose tile is not resident yet shows its photo's thumbnail scaled up (the
/// preview's stand-in), through the still and the tile array alike; a resident tile wins.
#[test]
fn cells_without_a_tile_show_the_thumbnail() {
    let gpu = Gpu::headless().expect("a Vulkan adapter");
    let settings = Settings {
        rows: 1,
        cols: 2,
        tile_height_px: 60,
        frame: FrameSize::Custom {
            width_px: 160,
            height_px: 60,
        },
        ..Settings::default()
    };
    let layout = Layout::new(&settings);
    let solid = |w: u32, h: u32, rgb: [u8; 3]| TilePixels {
        width_px: w,
        height_px: h,
        rgba: [rgb[0], rgb[1], rgb[2], 255].repeat((w * h) as usize),
    };
    // Thumbnail 0 is left half red, right half blue: the scale-up keeps that split.
    let mut thumb = solid(8, 6, [255, 0, 0]);
    for px in thumb
        .rgba
        .chunks_exact_mut(4)
        .enumerate()
        .filter(|(i, _)| i % 8 >= 4)
    {
        px.1.copy_from_slice(&[0, 0, 255, 255]);
    }
    let green = solid(layout.tile_w_px, layout.tile_h_px, [0, 255, 0]);
    for still in [true, false] {
        let mut renderer = GridRenderer::new(&gpu.device, FRAME_FORMAT);
        renderer.set_still_enabled(still);
        renderer.ensure_tile_storage(&gpu.device, layout.tile_w_px, layout.tile_h_px, 1);
        renderer.write_tile(&gpu.queue, 0, &green);
        renderer.set_thumbnails(
            &gpu.device,
            &gpu.queue,
            &[thumb.clone(), solid(8, 6, [0; 3])],
        );
        // Cell 0: thumbnail 0; cell 1: the resident tile in layer 0.
        renderer.set_cells(&gpu.device, &gpu.queue, &[THUMB_FLAG, 0]);
        let mut target = FrameTarget::new(&gpu.device, 160, 60).unwrap();
        // At this time the grid (2 x 80 px) exactly covers the frame.
        let t = settings.duration_secs * 160.0 / (160.0 + f64::from(layout.grid_w_px));
        let u = GridUniform::new(
            &layout,
            t,
            settings.background,
            GridUniform::full_frame(&layout),
        );
        let rgba = target
            .render_rgba(&gpu.device, &gpu.queue, &mut renderer, &u)
            .unwrap();
        let at = |x: usize, y: usize| &rgba[(y * 160 + x) * 4..(y * 160 + x) * 4 + 3];
        assert_eq!(
            at(10, 30),
            [255, 0, 0],
            "still={still}: left of the thumbnail"
        );
        assert_eq!(
            at(70, 30),
            [0, 0, 255],
            "still={still}: right of the thumbnail"
        );
        assert_eq!(at(120, 30), [0, 255, 0], "still={still}: the resident tile");
    }
}

fn motion_settings(edit: impl Fn(&mut Settings)) -> Settings {
    let mut s = Settings {
        rows: 3,
        cols: 4,
        tile_height_px: 24,
        gap_h_px: 2,
        gap_v_px: 3,
        duration_secs: 2.0,
        frame: FrameSize::Custom {
            width_px: 112,
            height_px: 80,
        },
        background: Color::rgb(250, 0, 250),
        ..Settings::default()
    };
    edit(&mut s);
    s.validate().unwrap();
    s
}

/// Every motion (each direction, alternate rows, row speeds, loops and their mixes) on
/// both draw paths (still and tile array) equals the CPU reference, and its YUV (from the
/// row or column strip with a still, else from RGBA) equals the CPU conversion.
#[test]
fn every_motion_matches_the_cpu_reference_on_both_paths() {
    use gridreel::settings::Direction;
    let gpu = Gpu::headless().expect("a Vulkan adapter");
    let motions: Vec<(&str, Settings)> = vec![
        (
            "right",
            motion_settings(|s| s.motion.direction = Direction::Right),
        ),
        (
            "up",
            motion_settings(|s| s.motion.direction = Direction::Up),
        ),
        (
            "down",
            motion_settings(|s| s.motion.direction = Direction::Down),
        ),
        ("alternate", motion_settings(|s| s.motion.alternate = true)),
        (
            "row speeds",
            motion_settings(|s| s.motion.row_speeds = vec![1.0, 0.6, 1.7]),
        ),
        ("loop", motion_settings(|s| s.motion.looped = true)),
        (
            // No gaps and odd tiles: YUV blocks whose rows straddle two bands.
            "alternate loop without gaps",
            motion_settings(|s| {
                s.motion.alternate = true;
                s.motion.looped = true;
                s.motion.row_speeds = vec![1.0, 0.45, 1.6];
                s.tile_height_px = 25;
                (s.gap_h_px, s.gap_v_px) = (0, 0);
            }),
        ),
        (
            "up alternate column speeds without gaps",
            motion_settings(|s| {
                s.motion.direction = Direction::Up;
                s.motion.alternate = true;
                s.motion.row_speeds = vec![1.0, 0.45, 1.6];
                s.tile_height_px = 21;
                (s.gap_h_px, s.gap_v_px) = (0, 0);
            }),
        ),
        (
            "loop down alternate",
            motion_settings(|s| {
                s.motion.direction = Direction::Down;
                s.motion.alternate = true;
                s.motion.looped = true;
            }),
        ),
        (
            "loop up column speeds",
            motion_settings(|s| {
                s.motion.direction = Direction::Up;
                s.motion.row_speeds = vec![0.5, 1.3];
                s.motion.looped = true;
                s.speed = 2.2;
            }),
        ),
    ];
    for still in [true, false] {
        let mut renderer = GridRenderer::new(&gpu.device, FRAME_FORMAT);
        renderer.set_still_enabled(still);
        for (name, settings) in &motions {
            let layout = Layout::new(settings);
            let (w, h) = layout.frame_size_px();
            let tiles = tiles(12, layout.tile_w_px, layout.tile_h_px);
            let cells = cell_photos(12, 12);
            renderer.set_tiles(&gpu.device, &gpu.queue, &tiles);
            renderer.set_cells(&gpu.device, &gpu.queue, &cells);
            let layers: Vec<&[u8]> = tiles.iter().map(|t| t.rgba.as_slice()).collect();
            let mut target = FrameTarget::new(&gpu.device, w, h).unwrap();
            for t in [0.0, 0.37, 1.0, 1.826, 2.0] {
                let mut uniform = GridUniform::new(
                    &layout,
                    t,
                    settings.background,
                    GridUniform::full_frame(&layout),
                );
                let gpu_rgba = target
                    .render_rgba(&gpu.device, &gpu.queue, &mut renderer, &uniform)
                    .unwrap();
                assert_eq!(renderer.draws_from_still(), still, "{name}");
                uniform.layer_count = 12;
                let cpu_rgba = reference::render_rgba(&uniform, &layers, &cells, w, h);
                let (worst, off) = max_diff(&gpu_rgba, &cpu_rgba);
                assert!(
                    worst <= 2 && off * 1000 <= gpu_rgba.len(),
                    "{name}, still {still}, t={t}: max diff {worst}, {off} values off by >1"
                );
                let ticket = target.submit_frame(&gpu.device, &gpu.queue, &mut renderer, &uniform);
                let mut gpu_yuv = VideoFrame::default();
                target
                    .read_frame(&gpu.device, ticket, &mut gpu_yuv)
                    .unwrap();
                assert_eq!(
                    target.yuv_from_strip(),
                    still || layout.moves_as_one(),
                    "{name}: every motion takes a strip with a still, and a grid moving as \
                     one takes the rolling still's without"
                );
                let mut cpu_yuv = VideoFrame::default();
                reference::rgba_to_yuv420(&gpu_rgba, w, h, &mut cpu_yuv);
                let (worst, _) = max_diff(&gpu_yuv.data, &cpu_yuv.data);
                assert!(worst <= 1, "{name}, t={t}: yuv max diff {worst}");
            }
        }
    }
}

/// A loop's frame 0 is full of photos, the frame after the last is frame 0 exactly, and the
/// step from the last frame to the first is no larger than any other step.
#[test]
fn a_loop_closes_on_itself() {
    use gridreel::settings::Direction;
    let gpu = Gpu::headless().expect("a Vulkan adapter");
    for direction in Direction::ALL {
        let settings = motion_settings(|s| {
            s.motion.direction = direction;
            s.motion.looped = true;
            s.motion.alternate = true;
            s.motion.row_speeds = vec![1.0, 0.7, 1.4];
            s.gap_h_px = 0;
            s.gap_v_px = 0;
            s.fps = 12;
        });
        let layout = Layout::new(&settings);
        let (w, h) = layout.frame_size_px();
        let mut renderer = GridRenderer::new(&gpu.device, FRAME_FORMAT);
        let tiles = tiles(12, layout.tile_w_px, layout.tile_h_px);
        renderer.set_tiles(&gpu.device, &gpu.queue, &tiles);
        renderer.set_cells(&gpu.device, &gpu.queue, &cell_photos(12, 12));
        let mut target = FrameTarget::new(&gpu.device, w, h).unwrap();
        let mut frame = |index: u64| {
            let t = Layout::frame_time_secs(index, settings.fps);
            let u = GridUniform::new(
                &layout,
                t,
                settings.background,
                GridUniform::full_frame(&layout),
            );
            target
                .render_rgba(&gpu.device, &gpu.queue, &mut renderer, &u)
                .unwrap()
        };
        let count = settings.frame_count();
        let frames: Vec<Vec<u8>> = (0..=count).map(&mut frame).collect();
        assert_eq!(
            frames[count as usize], frames[0],
            "{direction:?}: frame N is frame 0"
        );
        // Along the motion every pixel shows a photo; across it, the grid is centred.
        let magenta = frames[0]
            .chunks_exact(4)
            .filter(|p| p[..3] == [250, 0, 250])
            .count();
        let (gw, gh) = (layout.grid_w_px.min(w), layout.grid_h_px.min(h));
        let covered = if direction.vertical() { gw * h } else { w * gh };
        assert_eq!(
            magenta as u32,
            w * h - covered,
            "{direction:?}: frame 0 is full along the motion"
        );
        let step = |a: &[u8], b: &[u8]| -> u64 {
            a.iter()
                .zip(b)
                .map(|(x, y)| u64::from(x.abs_diff(*y)))
                .sum()
        };
        // The seam, last frame → frame 0, is a step like those within the clip (frames 0 to
        // N − 1 only: the step into frame N would be the seam itself again).
        let last = count as usize - 1;
        let steps: Vec<u64> = frames[..=last]
            .windows(2)
            .map(|p| step(&p[0], &p[1]))
            .collect();
        let wrap = step(&frames[last], &frames[0]);
        let (smallest, largest) = (
            steps.iter().copied().min().unwrap(),
            steps.iter().copied().max().unwrap(),
        );
        assert!(
            (smallest..=largest).contains(&wrap),
            "{direction:?}: the seam's step {wrap} is outside the clip's steps \
             {smallest}..={largest}"
        );
    }
}

/// The rolling still (no whole-grid still: a marquee too wide for one, or tiles streaming)
/// gives the same bytes as the whole-grid still's strip, frame after frame, while its ring
/// wraps around many times, moving left and right; with its cache of composed tile interiors
/// too (photos repeat: more cells than photos), at every phase a tile can have against the
/// strip's texels (pitches that are and are not multiples of 4, odd and even row pitches, the
/// grid at a whole and a half pixel down). Every third frame one tile is written again, as a
/// clip's next frame is: the ring composes only the strip rows that read it again. The
/// still's frames are made both on the CPU from a copy of its strip (read back again after
/// each rewrite) and by the GPU's pass, and the ring's both from the texels a frame reads,
/// copied out and lerped on the CPU, and by the GPU's pass: byte for byte the same.
#[test]
fn the_rolling_still_gives_the_still_strips_bytes() {
    use gridreel::settings::Direction;
    let gpu = Gpu::headless().expect("a Vulkan adapter");
    // (direction, tile height, gaps, frame height)
    let cases = [
        (Direction::Left, 30, (3, 2), 64),
        (Direction::Right, 30, (3, 2), 64),
        (Direction::Left, 30, (0, 0), 62),
        (Direction::Right, 31, (1, 1), 66),
        (Direction::Left, 28, (1, 1), 70),
    ];
    for (direction, tile_height_px, (gap_h_px, gap_v_px), frame_h) in cases {
        let settings = Settings {
            rows: 2,
            cols: 30,
            tile_height_px,
            gap_h_px,
            gap_v_px,
            duration_secs: 2.0,
            frame: FrameSize::Custom {
                width_px: 160,
                height_px: frame_h,
            },
            background: Color::rgb(10, 200, 30),
            motion: gridreel::settings::MotionSettings {
                direction,
                ..Default::default()
            },
            ..Settings::default()
        };
        settings.validate().unwrap();
        let case = format!(
            "{direction:?}, tile {tile_height_px}, gaps {gap_h_px}/{gap_v_px}, frame height {frame_h}"
        );
        let layout = Layout::new(&settings);
        let (w, h) = layout.frame_size_px();
        // 24 photos for 60 cells: the last cells show none (background tiles in the ring).
        let tiles = tiles(48, layout.tile_w_px, layout.tile_h_px);
        let (tiles, rewrites) = tiles.split_at(24);
        let mut cells = cell_photos(60, 24);
        cells[59] = gridreel::render::NO_LAYER;
        let mut frames = Vec::new();
        // The still, its frames made on the CPU from a copy of the strip and by the GPU's
        // pass; the ring, the same two ways; the ring keeping tile interiors.
        for (still, host, cache) in [
            (true, true, 0),
            (true, false, 0),
            (false, true, 0),
            (false, false, 0),
            (false, true, 1 << 30),
        ] {
            let mut renderer = GridRenderer::new(&gpu.device, FRAME_FORMAT);
            renderer.set_still_enabled(still);
            renderer.set_strip_cache_limit(cache);
            renderer.set_tiles(&gpu.device, &gpu.queue, tiles);
            renderer.set_cells(&gpu.device, &gpu.queue, &cells);
            let mut target = FrameTarget::new(&gpu.device, w, h).unwrap();
            target.set_host_resampling(host);
            let mut these = Vec::new();
            for index in 0..settings.frame_count() {
                if index % 3 == 1 {
                    let layer = (index as u32 * 7) % 24;
                    let tile = &rewrites[index as usize % rewrites.len()];
                    renderer.write_tile(&gpu.queue, layer, tile);
                }
                let t = Layout::frame_time_secs(index, settings.fps);
                let u = GridUniform::new(
                    &layout,
                    t,
                    settings.background,
                    GridUniform::full_frame(&layout),
                );
                let ticket = target.submit_frame(&gpu.device, &gpu.queue, &mut renderer, &u);
                let mut frame = VideoFrame::default();
                target.read_frame(&gpu.device, ticket, &mut frame).unwrap();
                assert!(target.yuv_from_strip(), "{case}, still {still}");
                assert_eq!(target.on_host(), host, "{case}, still {still}");
                assert_eq!(renderer.draws_from_still(), still);
                these.push(frame.data);
            }
            if cache > 0 {
                let (copied, composed) = renderer.strip_cache_use();
                eprintln!(
                    "{case}: {copied} strip texels copied from the cache, {composed} composed"
                );
                assert!(copied > 0, "{case}: the cache was not used");
            }
            frames.push(these);
        }
        for (way, name) in [
            (1, "the still's frames from the GPU"),
            (2, "the ring"),
            (3, "the ring's frames from the GPU"),
            (4, "the ring with its cache"),
        ] {
            for (i, (a, b)) in frames[0].iter().zip(&frames[way]).enumerate() {
                assert!(
                    a == b,
                    "{case}: frame {i} differs between the still and {name}"
                );
            }
        }
    }
}

/// A grid at speed 0 stands still, centred in the frame, on every draw path: the still and
/// its YUV strip, the tile array and the rolling still (no whole-grid still), and the planar
/// conversion (a width that is not a multiple of 8); two frames far apart are the same bytes,
/// in RGBA and in YUV, and equal the CPU reference. The motion it was asked for (up, looping,
/// alternate) does not matter.
#[test]
fn a_grid_at_speed_0_stands_still_centred_on_every_path() {
    use gridreel::settings::Direction;
    let gpu = Gpu::headless().expect("a Vulkan adapter");
    // 3 x 32 px tiles and 2 px gaps: 100 wide; 2 x 24 px and 2 px: 50 high.
    for ((w, h), asked) in [
        ((112, 80), Direction::Left),
        ((112, 80), Direction::Up),
        ((102, 60), Direction::Right),
    ] {
        let settings = motion_settings(|s| {
            s.speed = 0.0;
            (s.rows, s.cols, s.tile_height_px) = (2, 3, 24);
            (s.gap_h_px, s.gap_v_px) = (2, 2);
            s.frame = FrameSize::Custom {
                width_px: w,
                height_px: h,
            };
            s.motion.direction = asked;
            s.motion.looped = asked == Direction::Up;
            s.motion.alternate = asked == Direction::Up;
        });
        let layout = Layout::new(&settings);
        assert_eq!((layout.grid_w_px, layout.grid_h_px), (100, 50));
        let tiles = tiles(6, layout.tile_w_px, layout.tile_h_px);
        let cells = cell_photos(6, 6);
        let layers: Vec<&[u8]> = tiles.iter().map(|t| t.rgba.as_slice()).collect();
        for still in [true, false] {
            let case = format!("{w}x{h}, asked {asked:?}, still {still}");
            let mut renderer = GridRenderer::new(&gpu.device, FRAME_FORMAT);
            renderer.set_still_enabled(still);
            renderer.set_tiles(&gpu.device, &gpu.queue, &tiles);
            renderer.set_cells(&gpu.device, &gpu.queue, &cells);
            let mut target = FrameTarget::new(&gpu.device, w, h).unwrap();
            let mut rgba = Vec::new();
            let mut yuv = Vec::new();
            for t in [0.0, 1.3, settings.duration_secs] {
                let mut u = GridUniform::new(
                    &layout,
                    t,
                    settings.background,
                    GridUniform::full_frame(&layout),
                );
                let frame = target
                    .render_rgba(&gpu.device, &gpu.queue, &mut renderer, &u)
                    .unwrap();
                assert_eq!(renderer.draws_from_still(), still, "{case}");
                let ticket = target.submit_frame(&gpu.device, &gpu.queue, &mut renderer, &u);
                let mut planes = VideoFrame::default();
                target.read_frame(&gpu.device, ticket, &mut planes).unwrap();
                // With a still, its YUV strip; without, the rolling still's strip.
                assert_eq!(target.yuv_from_strip(), w % 8 == 0, "{case}");
                u.layer_count = 6;
                let cpu = reference::render_rgba(&u, &layers, &cells, w, h);
                let (worst, off) = max_diff(&frame, &cpu);
                assert!(
                    worst <= 2 && off * 1000 <= frame.len(),
                    "{case}, t={t}: max diff {worst}, {off} values off by >1"
                );
                rgba.push(frame);
                yuv.push(planes.data);
            }
            assert!(rgba.iter().all(|f| *f == rgba[0]), "{case}: RGBA moved");
            assert!(yuv.iter().all(|f| *f == yuv[0]), "{case}: YUV moved");
            // Centred: as many background columns left of the grid as right of it, and
            // rows above as below.
            let background = |x: u32, y: u32| {
                let i = ((y * w + x) * 4) as usize;
                rgba[0][i..i + 3] == [250, 0, 250]
            };
            let empty_col = |x: u32| (0..h).all(|y| background(x, y));
            let empty_row = |y: u32| (0..w).all(|x| background(x, y));
            let left = (0..w).take_while(|&x| empty_col(x)).count();
            let right = (0..w).rev().take_while(|&x| empty_col(x)).count();
            let top = (0..h).take_while(|&y| empty_row(y)).count();
            let bottom = (0..h).rev().take_while(|&y| empty_row(y)).count();
            assert_eq!(
                (left, right, top, bottom),
                (
                    (w as usize - 100) / 2,
                    (w as usize - 100) / 2,
                    (h as usize - 50) / 2,
                    (h as usize - 50) / 2
                ),
                "{case}: the grid is centred"
            );
        }
    }
}

/// Where the grid moves as one, sideways, an export's frames are made without a GPU
/// (`HostFrames`): its strip, composed on the CPU from the tiles, gives the GPU's bytes in
/// every frame, for gaps, fractional vertical centring, both directions, cells without a
/// photo, a grid standing still, and a grid taller than the frame.
#[test]
fn frames_composed_on_the_cpu_equal_the_gpus() {
    use gridreel::render::HostFrames;
    use gridreel::settings::{Direction, MotionSettings};
    let gpu = Gpu::headless().expect("a Vulkan adapter");
    // (direction, rows, cols, tile height, gaps, frame, speed, background)
    let cases = [
        // One large tile of noise, centred at a whole and at a half pixel; the first on a
        // background whose luma code depends on reading its bytes back as lavapipe does
        // (byte · (1/255) gives 53, byte / 255 gives 52).
        (
            Direction::Left,
            1,
            1,
            510,
            (0, 0),
            (1024, 514),
            0.0,
            Color::rgb(10, 51, 54),
        ),
        (
            Direction::Left,
            1,
            2,
            511,
            (0, 0),
            (1024, 514),
            0.0,
            Color::rgb(9, 9, 9),
        ),
        (
            Direction::Left,
            2,
            6,
            30,
            (3, 2),
            (160, 64),
            1.0,
            Color::rgb(10, 200, 30),
        ),
        (
            Direction::Right,
            3,
            5,
            31,
            (1, 1),
            (168, 90),
            1.0,
            Color::rgb(255, 255, 255),
        ),
        (
            Direction::Left,
            4,
            7,
            25,
            (0, 0),
            (200, 66),
            1.3,
            Color::rgb(0, 0, 0),
        ),
        (
            Direction::Right,
            2,
            9,
            29,
            (5, 3),
            (240, 136),
            0.7,
            Color::rgb(128, 17, 240),
        ),
        (
            Direction::Up,
            3,
            4,
            27,
            (2, 2),
            (176, 120),
            0.0,
            Color::rgb(40, 40, 40),
        ),
    ];
    let mut differing = Vec::new();
    for (direction, rows, cols, tile_height_px, gaps, (fw, fh), speed, background) in cases {
        let settings = Settings {
            rows,
            cols,
            tile_height_px,
            gap_h_px: gaps.0,
            gap_v_px: gaps.1,
            duration_secs: 1.5,
            frame: FrameSize::Custom {
                width_px: fw,
                height_px: fh,
            },
            background,
            speed,
            motion: MotionSettings {
                direction,
                ..Default::default()
            },
            ..Settings::default()
        };
        settings.validate().unwrap();
        let case = format!(
            "{direction:?} {rows}x{cols}, tile {tile_height_px}, gaps {gaps:?}, frame {fw}x{fh}, speed {speed}"
        );
        let layout = Layout::new(&settings);
        assert!(HostFrames::applies(&layout, PixelLayout::Yuv420), "{case}");
        eprintln!(
            "{case}: origin {:?} grid {}x{}",
            layout.grid_origin_at(0.0),
            layout.grid_w_px,
            layout.grid_h_px
        );
        let (w, h) = layout.frame_size_px();
        let photos = (layout.cell_count() as u32).saturating_sub(2).max(1);
        // Photos, and noise: every code of a noise tile is somewhere near a rounding tie, so
        // a difference of one bit in the arithmetic shows (reading a UNORM texel as
        // byte / 255 instead of byte · (1/255) changes a few codes per million).
        let mut tiles = tiles(photos, layout.tile_w_px, layout.tile_h_px);
        for (i, tile) in tiles.iter_mut().enumerate().filter(|(i, _)| i % 2 == 1) {
            tile.rgba = noise(tile.rgba.len(), i as u64);
        }
        let mut cells = cell_photos(layout.cell_count(), tiles.len());
        *cells.last_mut().unwrap() = gridreel::render::NO_LAYER;
        let mut renderer = GridRenderer::new(&gpu.device, FRAME_FORMAT);
        renderer.set_tiles(&gpu.device, &gpu.queue, &tiles);
        renderer.set_cells(&gpu.device, &gpu.queue, &cells);
        let mut target = FrameTarget::new(&gpu.device, w, h).unwrap();
        let layers: Vec<&[u8]> = tiles.iter().map(|t| t.rgba.as_slice()).collect();
        let host = HostFrames::compose(&layout, background, &layers, &cells).expect(&case);
        let (mut off, mut worst) = (0usize, 0u8);
        for index in 0..settings.frame_count() {
            let t = Layout::frame_time_secs(index, settings.fps);
            let u = GridUniform::new(&layout, t, background, GridUniform::full_frame(&layout));
            let ticket = target.submit_frame(&gpu.device, &gpu.queue, &mut renderer, &u);
            let mut gpu_frame = VideoFrame::default();
            target
                .read_frame(&gpu.device, ticket, &mut gpu_frame)
                .unwrap();
            assert!(
                target.on_host(),
                "{case}: the GPU path resamples a strip copy"
            );
            let mut cpu_frame = VideoFrame::new(w, h);
            host.write_frame(t, &mut cpu_frame);
            for (a, b) in gpu_frame.data.iter().zip(&cpu_frame.data) {
                off += usize::from(a != b);
                worst = worst.max(a.abs_diff(*b));
            }
        }
        if off > 0 {
            differing.push(format!("{case}: {off} bytes differ, by up to {worst}"));
        }
    }
    assert!(differing.is_empty(), "{differing:#?}");
}
