// The sliding grid, drawn as one full-screen triangle.
//
// Each output pixel is the grid image (tiles and gaps at whole-pixel positions) shifted by the
// fractional grid origin and resampled bilinearly. Tile edges are therefore filtered exactly
// like the photo inside them, motion is sub-pixel smooth, and a CPU can reproduce every pixel.
//
// Two ways to get there, same pixels:
// - `fs_compose` writes the grid image once (when tiles or layout change) into a "still"
//   texture with a one-pixel background border; `fs_still` then needs a single filtered fetch
//   per pixel, branch-free. This is the normal path: cheap on GPUs and on software rasterisers,
//   which run every branch of a divergent shader.
// - `fs_main` resolves the four texels from the tile array directly, for grids too large for
//   one texture.

struct Params {
    // Target pixel where the frame's (0, 0) corner lies, and frame pixels per target pixel.
    viewport_origin: vec2<f32>,
    frame_per_target: vec2<f32>,
    // Grid top-left corner in frame pixels at this frame's time.
    grid_origin: vec2<f32>,
    frame_size: vec2<f32>,
    background: vec4<f32>,
    tile_size: vec2<u32>,
    // Tile size plus gap.
    pitch: vec2<u32>,
    grid_size: vec2<u32>,
    cols: u32,
    cell_count: u32,
    layer_count: u32,
    // 1 when the target encodes to sRGB itself, so we hand it linear values.
    srgb_target: u32,
    _pad: vec2<u32>,
};

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var tiles: texture_2d_array<f32>;
// Texture layer of each grid cell, row-major; >= layer_count means "not resident".
@group(0) @binding(2) var<storage, read> cell_layers: array<u32>;
// Bilinear sampler for the common case where all four texels lie inside one tile.
@group(0) @binding(3) var tile_sampler: sampler;
// Thumbnails shown, scaled up, by cells whose value has THUMB_FLAG set (preview only).
@group(0) @binding(4) var thumbs: texture_2d_array<f32>;
// The composed grid image plus a one-pixel background border (only `fs_still` uses it).
@group(1) @binding(0) var still: texture_2d<f32>;

@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> @builtin(position) vec4<f32> {
    let uv = vec2<f32>(f32((index << 1u) & 2u), f32(index & 2u));
    return vec4<f32>(uv * 2.0 - 1.0, 0.0, 1.0);
}

fn grid_texel(p: vec2<i32>) -> vec4<f32> {
    let grid = vec2<i32>(params.grid_size);
    if (p.x < 0 || p.y < 0 || p.x >= grid.x || p.y >= grid.y) {
        return params.background;
    }
    let q = vec2<u32>(p);
    let cell = q / params.pitch;
    let local = q % params.pitch;
    if (local.x >= params.tile_size.x || local.y >= params.tile_size.y) {
        return params.background;
    }
    let index = cell.y * params.cols + cell.x;
    if (index >= params.cell_count) {
        return params.background;
    }
    let layer = cell_layers[index];
    if (layer >= THUMB_FLAG) {
        let thumb = layer - THUMB_FLAG;
        if (thumb >= textureNumLayers(thumbs)) {
            return params.background;
        }
        let size = textureDimensions(thumbs);
        let texel = min(local * size / params.tile_size, size - vec2<u32>(1u, 1u));
        return textureLoad(thumbs, texel, thumb, 0);
    }
    if (layer >= params.layer_count) {
        return params.background;
    }
    return textureLoad(tiles, local, layer, 0);
}

const THUMB_FLAG: u32 = 0x80000000u;

fn linear_from_srgb(c: vec3<f32>) -> vec3<f32> {
    let low = c / 12.92;
    let high = pow((c + 0.055) / 1.055, vec3<f32>(2.4));
    return select(high, low, c <= vec3<f32>(0.04045));
}

// Frame coordinates of a target pixel centre.
fn frame_position(position: vec4<f32>) -> vec2<f32> {
    return (position.xy - params.viewport_origin) * params.frame_per_target;
}

fn output_color(color: vec3<f32>) -> vec4<f32> {
    if (params.srgb_target != 0u) {
        return vec4<f32>(linear_from_srgb(color), 1.0);
    }
    return vec4<f32>(color, 1.0);
}

// One still pixel: grid texel (x - 1, y - 1), the border being background.
@fragment
fn fs_compose(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
    return grid_texel(vec2<i32>(floor(position.xy)) - vec2<i32>(1, 1));
}

struct StillVertex {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
};

// The full-screen triangle with still coordinates per vertex. The viewport is the frame, so
// clip space maps linearly to frame pixels and interpolation gives each pixel centre exactly.
// Grid texel k has its centre at k + 0.5, which is still texel k + 1 (centre k + 1.5):
// hence the +1. Clamp-to-edge addressing repeats the background border beyond the still.
@vertex
fn vs_still(@builtin(vertex_index) index: u32) -> StillVertex {
    let corner = vec2<f32>(f32((index << 1u) & 2u), f32(index & 2u));
    let frame = vec2<f32>(corner.x, 1.0 - corner.y) * params.frame_size;
    let texel = frame - params.grid_origin + vec2<f32>(1.0, 1.0);
    var out: StillVertex;
    out.position = vec4<f32>(corner * 2.0 - 1.0, 0.0, 1.0);
    out.uv = texel / vec2<f32>(textureDimensions(still));
    return out;
}

// Just the filtered fetch, which software rasterisers recognise as a blit.
@fragment
fn fs_still(in: StillVertex) -> @location(0) vec4<f32> {
    return textureSample(still, tile_sampler, in.uv);
}

// Export straight to YUV from the still (prefixed with bt709.wgsl when compiled), in one pass
// over a quarter-width, half-height target: each fragment is a 4x2 block of the frame. Its
// eight luma codes and its two (U, V) pairs (one per 2x2 half) are packed into one RGBA32Uint
// texel; the read-back unpacks them into planes. `vs_still` maps clip space to frame pixels
// whatever the viewport, so the fragment's centre lands on its block's centre, and the
// pixel centres are half a pixel and one and a half pixels away.
//
// All eight pixels share one fractional offset, so their bilinear footprints together are
// one 5x3 patch of texels: 15 plain loads and 20 lerps instead of 8 filtered fetches (32
// texels). Clamping the load coordinates is the sampler's clamp-to-edge.
fn code8(v: f32) -> u32 {
    return u32(clamp(v, 0.0, 1.0) * 255.0 + 0.5);
}

fn pack4(a: f32, b: f32, c: f32, d: f32) -> u32 {
    return code8(a) | (code8(b) << 8u) | (code8(c) << 16u) | (code8(d) << 24u);
}

@fragment
fn fs_still_yuv(in: StillVertex) -> @location(0) vec4<u32> {
    let dims = vec2<i32>(textureDimensions(still));
    let s = in.uv * vec2<f32>(dims) - vec2<f32>(2.0, 1.0);
    let base = vec2<i32>(floor(s));
    let f = s - floor(s);
    let top = dims - vec2<i32>(1, 1);
    // h[r * 4 + i]: texel row r, lerped between columns i and i + 1.
    var h: array<vec3<f32>, 12>;
    for (var r = 0; r < 3; r++) {
        let y = clamp(base.y + r, 0, top.y);
        var left = textureLoad(still, vec2<i32>(clamp(base.x, 0, top.x), y), 0).rgb;
        for (var i = 0; i < 4; i++) {
            let right = textureLoad(still, vec2<i32>(clamp(base.x + i + 1, 0, top.x), y), 0).rgb;
            h[r * 4 + i] = mix(left, right, f.x);
            left = right;
        }
    }
    var p: array<vec3<f32>, 8>;
    for (var i = 0; i < 4; i++) {
        p[i] = mix(h[i], h[4 + i], f.y);
        p[4 + i] = mix(h[4 + i], h[8 + i], f.y);
    }
    let uv0 = chroma_codes((p[0] + p[1] + p[4] + p[5]) * 0.25);
    let uv1 = chroma_codes((p[2] + p[3] + p[6] + p[7]) * 0.25);
    return vec4<u32>(
        pack4(luma_code(p[0]), luma_code(p[1]), luma_code(p[2]), luma_code(p[3])),
        pack4(luma_code(p[4]), luma_code(p[5]), luma_code(p[6]), luma_code(p[7])),
        pack4(uv0.x, uv0.y, uv1.x, uv1.y),
        0u,
    );
}

// The same for targets that encode to sRGB themselves (the preview's swapchain).
@fragment
fn fs_still_srgb(in: StillVertex) -> @location(0) vec4<f32> {
    return vec4<f32>(linear_from_srgb(textureSample(still, tile_sampler, in.uv).rgb), 1.0);
}

@fragment
fn fs_main(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
    let frame = frame_position(position);
    let s = frame - params.grid_origin - vec2<f32>(0.5, 0.5);
    let base = floor(s);
    let f = s - base;
    let p = vec2<i32>(base);
    let grid = vec2<i32>(params.grid_size);
    if (p.x >= 0 && p.y >= 0 && p.x + 1 < grid.x && p.y + 1 < grid.y) {
        // Fast path: one filtered fetch when the 2x2 footprint is inside a single tile.
        let q = vec2<u32>(p);
        let cell = q / params.pitch;
        let local = q % params.pitch;
        let index = cell.y * params.cols + cell.x;
        if (local.x + 1u < params.tile_size.x && local.y + 1u < params.tile_size.y && index < params.cell_count) {
            let layer = cell_layers[index];
            if (layer < params.layer_count) {
                let uv = (vec2<f32>(local) + vec2<f32>(0.5, 0.5) + f) / vec2<f32>(params.tile_size);
                var fast = textureSampleLevel(tiles, tile_sampler, uv, layer, 0.0).rgb;
                if (params.srgb_target != 0u) {
                    fast = linear_from_srgb(fast);
                }
                return vec4<f32>(fast, 1.0);
            }
        }
    }
    let c00 = grid_texel(p);
    let c10 = grid_texel(p + vec2<i32>(1, 0));
    let c01 = grid_texel(p + vec2<i32>(0, 1));
    let c11 = grid_texel(p + vec2<i32>(1, 1));
    var color = mix(mix(c00, c10, f.x), mix(c01, c11, f.x), f.y).rgb;
    if (params.srgb_target != 0u) {
        color = linear_from_srgb(color);
    }
    return vec4<f32>(color, 1.0);
}
