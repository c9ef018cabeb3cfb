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
    // Band motion (see `fs_main_banded`): the frame's time, flags, the loop period, and
    // (start, velocity) per band entry, two entries per element.
    t_secs: f32,
    motion_flags: u32,
    period: f32,
    band_entries: u32,
    bands: array<vec4<f32>, 16>,
    // The rolling still (MOTION_RING): the frame's first strip texel (ring slots are counted
    // from it), the ring's width in pixels (grid column g at ring column g mod it), the slot
    // of the first texel, and the ring column of the first grid column it reads. With these
    // the shaders wrap by one compare: integer division is slow on a software rasteriser.
    ring_anchor: i32,
    ring_width: u32,
    ring_anchor_slot: i32,
    ring_anchor_column: i32,
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

// Export straight to YUV in two steps (prefixed with bt709.wgsl when compiled).
//
// The grid only moves sideways, so every frame of an export resamples the still with the
// same vertical filter. `fs_compose_strip` applies it once, when the still is composed: for
// each still column x the strip holds, as 8-bit codes, the luma of the frame's rows 2j and
// 2j + 1 resampled there, and the U, V of columns x and x + 1 of both rows averaged (4:2:0
// chroma, ready for the horizontal lerp). Colour conversion, averaging and the lerps are all
// affine, so they commute: each frame's codes are the horizontal lerp of the strip's at the
// frame's sub-pixel offset, within one code of converting the filtered RGB frame.
//
// Strip texel (k, j) packs strip columns 4k .. 4k + 3, one 32-bit word each (upper luma,
// lower luma, U, V). Strip column c is still column c - 4 (clamped into the still, whose
// border is background), so the first and last strip texels are background through and
// through, and clamping a texel index is clamp-to-edge addressing.
@group(1) @binding(1) var strip: texture_2d<u32>;

// The still's column x resampled to frame rows 2j and 2j + 1 (rgb of each).
struct ColumnPair {
    upper: vec3<f32>,
    lower: vec3<f32>,
};

fn still_column(x: i32, row: i32) -> ColumnPair {
    let top = vec2<i32>(textureDimensions(still)) - vec2<i32>(1, 1);
    var column = clamp(x, 0, top.x);
    if ((params.motion_flags & MOTION_LOOP) != 0u) {
        // A looping strip repeats the grid: still column x is grid column x - 1, wrapped.
        column = min(wrap_along(x - 1) + 1, top.x);
    }
    if ((params.motion_flags & MOTION_RING) != 0u) {
        // The rolling still has no border column: grid column x - 1 at ring column
        // (x - 1) mod its width. Texels from the anchor on read grid columns from
        // 4 anchor - 5 on, at most a ring width further.
        let r = i32(params.ring_width);
        column = params.ring_anchor_column + (x - 1) - (4 * params.ring_anchor - 5);
        column = select(column, column - r, column >= r);
    }
    // Frame row 2j has its centre at 2j + 0.5, which is still coordinate 2j + 1.5 - origin;
    // bilinear filtering lerps the texels around it (texel k has its centre at k + 0.5).
    let s = 2.0 * f32(row) + 1.0 - params.grid_origin.y;
    let base = i32(floor(s));
    let f = s - floor(s);
    let a = textureLoad(still, vec2<i32>(column, clamp(base, 0, top.y)), 0).rgb;
    let b = textureLoad(still, vec2<i32>(column, clamp(base + 1, 0, top.y)), 0).rgb;
    let c = textureLoad(still, vec2<i32>(column, clamp(base + 2, 0, top.y)), 0).rgb;
    var out: ColumnPair;
    out.upper = mix(a, b, f);
    out.lower = mix(b, c, f);
    return out;
}

@fragment
fn fs_compose_strip(@builtin(position) position: vec4<f32>) -> @location(0) vec4<u32> {
    let p = vec2<i32>(floor(position.xy));
    var k = p.x;
    if ((params.motion_flags & MOTION_RING) != 0u) {
        // Ring slot p.x holds the strip texel congruent to it next to the anchor.
        let t = i32(params.ring_width / 4u);
        let d = p.x - params.ring_anchor_slot;
        k = params.ring_anchor + select(d, d + t, d < 0);
    }
    let first = 4 * k - 4;
    var columns: array<ColumnPair, 5>;
    for (var i = 0; i < 5; i++) {
        columns[i] = still_column(first + i, p.y);
    }
    var words: array<u32, 4>;
    for (var i = 0; i < 4; i++) {
        let here = columns[i];
        let next = columns[i + 1];
        let chroma = chroma_codes((here.upper + here.lower + next.upper + next.lower) * 0.25);
        words[i] = pack4x8unorm(vec4<f32>(luma_code(here.upper), luma_code(here.lower), chroma));
    }
    return vec4<u32>(words[0], words[1], words[2], words[3]);
}

// Four codes (0..1) rounded to bytes, the first in the lowest.
fn pack4(a: f32, b: f32, c: f32, d: f32) -> u32 {
    return pack4x8unorm(vec4<f32>(a, b, c, d));
}

// One 8x2 block of the frame in YUV 4:2:0 codes: the luma of its top row (bytes 0-7) and of
// its bottom row (bytes 8-15), and the U then V codes of its four 2x2 blocks.
struct YuvBlock {
    @location(0) luma: vec4<u32>,
    @location(1) chroma: vec2<u32>,
};

// Per frame: one fragment per 8x2 block of the frame, on targets an eighth of the frame's
// width and half its height, which the read-back copies into planes. All pixels share one
// fractional offset, so a block is nine strip columns (three texel fetches) lerped.
// The block at strip row `row` whose taps start at still coordinate `s`, from three strip
// texels; `wrap` addresses the strip as a ring (the rolling still) instead of clamping. Each
// entry point passes a constant, so each compiles to straight-line code: a software
// rasteriser pays for every path a shader contains, taken or not.
fn strip_block(row: i32, s: f32, wrap: bool) -> YuvBlock {
    let last = i32(textureDimensions(strip).x) - 1;
    let c = i32(floor(s)) + 4;
    let f = s - floor(s);
    let k = c >> 2u;
    var words: array<u32, 12>;
    let slots = last + 1;
    for (var i = 0; i < 3; i++) {
        var at = clamp(k + i, 0, last);
        if (wrap) {
            // Blocks read texels from the anchor on, less than a ring further (the guard
            // below it costs one compare, and keeps a rounding of the origin in bounds).
            at = params.ring_anchor_slot + (k - params.ring_anchor) + i;
            at = select(at, at - slots, at >= slots);
            at = select(at, at + slots, at < 0);
        }
        let t = textureLoad(strip, vec2<i32>(at, row), 0);
        words[4 * i] = t.x;
        words[4 * i + 1] = t.y;
        words[4 * i + 2] = t.z;
        words[4 * i + 3] = t.w;
    }
    // Strip columns c .. c + 8; c's position in its texel is the same all over the frame.
    let phase = u32(c & 3);
    var columns: array<u32, 9>;
    for (var i = 0; i < 9; i++) {
        let low = select(words[i], words[i + 1], phase == 1u);
        let high = select(words[i + 2], words[i + 3], phase == 3u);
        columns[i] = select(low, high, phase >= 2u);
    }
    // Pixel i lies between columns i and i + 1, at `f` in 256ths; its chroma (every other
    // pixel) too. Whole-number arithmetic, so that the CPU's resampling of the same strip
    // (`render/host_strip.rs`) gives the same bytes.
    let w = u32(round(f * 256.0));
    var lerped: array<u32, 8>;
    for (var i = 0; i < 8; i++) {
        lerped[i] = lerp_codes(columns[i], columns[i + 1], w);
    }
    var out: YuvBlock;
    out.luma = vec4<u32>(
        byte_row(lerped[0], lerped[1], lerped[2], lerped[3], 0u),
        byte_row(lerped[4], lerped[5], lerped[6], lerped[7], 0u),
        byte_row(lerped[0], lerped[1], lerped[2], lerped[3], 8u),
        byte_row(lerped[4], lerped[5], lerped[6], lerped[7], 8u),
    );
    out.chroma = vec2<u32>(
        byte_row(lerped[0], lerped[2], lerped[4], lerped[6], 16u),
        byte_row(lerped[0], lerped[2], lerped[4], lerped[6], 24u),
    );
    return out;
}

// The four codes of strip column words `a` and `b`, each (a·(256 − w) + b·w + 128) / 256:
// two at a time in 16-bit lanes (at most 255·256 + 128, so no lane carries into the next).
fn lerp_codes(a: u32, b: u32, w: u32) -> u32 {
    let v = 256u - w;
    let even = ((a & 0x00FF00FFu) * v + (b & 0x00FF00FFu) * w + 0x00800080u) >> 8u;
    let odd = (((a >> 8u) & 0x00FF00FFu) * v + ((b >> 8u) & 0x00FF00FFu) * w + 0x00800080u) >> 8u;
    return (even & 0x00FF00FFu) | ((odd & 0x00FF00FFu) << 8u);
}

// The byte at bit `shift` of each of four words, packed, the first in the lowest.
fn byte_row(a: u32, b: u32, c: u32, d: u32, shift: u32) -> u32 {
    let m = 0xFFu;
    return ((a >> shift) & m) | (((b >> shift) & m) << 8u) | (((c >> shift) & m) << 16u)
        | (((d >> shift) & m) << 24u);
}

// The block's first pixel centre, 8i + 0.5, is still coordinate 8i + 1.5 - origin, so its
// bilinear taps start at still column floor(8i + 1 - origin): strip column c.
@fragment
fn fs_strip_yuv(@builtin(position) position: vec4<f32>) -> YuvBlock {
    let s = 8.0 * floor(position.x) + 1.0 - params.grid_origin.x;
    return strip_block(i32(position.y), s, false);
}

// The rolling still's ring strip (see `grid/ring.rs`).
@fragment
fn fs_strip_yuv_ring(@builtin(position) position: vec4<f32>) -> YuvBlock {
    let s = 8.0 * floor(position.x) + 1.0 - params.grid_origin.x;
    return strip_block(i32(position.y), s, true);
}

// Rows moving apart or looping: the block's rows take their band's offset. Rows whose lines
// belong to two bands (a few per band edge) come out wrong here and are drawn again by
// `fs_block_from_still`, scissored to them (the CPU lists them: `straddling_rows`).
@fragment
fn fs_strip_yuv_bands(@builtin(position) position: vec4<f32>) -> YuvBlock {
    let row = i32(position.y);
    let s = 8.0 * floor(position.x) + 1.0 - lane_origin(row);
    return strip_block(row, s, false);
}

// Per lane of the strip (a strip row, or a block column of the column strip), the motion
// `(start, velocity)` of the band all the grid lines it reads belong to. The CPU works the
// bands out once per strip (`lane_bands` in grid.rs): per pixel, the divisions by the pitch
// that finding them takes cost a software rasteriser more than the block itself.
@group(2) @binding(0) var<storage, read> lanes: array<vec2<f32>>;

// Lane `lane`'s band position this frame, as `band_origin` computes it, shifted into a
// looping strip (which holds a period plus a frame unwrapped).
fn lane_origin(lane: i32) -> f32 {
    let o = motion_origin(lanes[lane]);
    if ((params.motion_flags & MOTION_LOOP) != 0u) {
        return o - params.period;
    }
    return o;
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

// Motion in bands: each row (moving left or right) or column (moving up or down) has its
// own position along the motion, start + velocity * t, wrapped by the period when looping.
// A pixel centre lies between two grid lines across the motion; each line is sampled at its
// own band's offset (a lerp of two texels along it) and the two are lerped across. With one
// band position for all, this is the bilinear filter of `fs_main`.

const MOTION_BANDS: u32 = 1u;
const MOTION_VERTICAL: u32 = 2u;
const MOTION_RING: u32 = 8u;
const MOTION_LOOP: u32 = 4u;

fn band_origin(band: u32) -> f32 {
    let entry = band % max(params.band_entries, 1u);
    let v = params.bands[entry / 2u];
    return motion_origin(select(v.xy, v.zw, (entry & 1u) == 1u));
}

// Where a band moving as `motion` (start, velocity) is this frame.
fn motion_origin(motion: vec2<f32>) -> f32 {
    let o = motion.x + motion.y * params.t_secs;
    if ((params.motion_flags & MOTION_LOOP) != 0u) {
        return o - params.period * floor(o / params.period);
    }
    return o;
}

// The band position of grid line `line` across the motion (lines outside the grid are
// background at any offset).
fn line_origin(line: i32) -> f32 {
    let pitch = select(params.pitch.y, params.pitch.x, vertical_motion());
    return band_origin(u32(max(line, 0)) / pitch);
}

fn vertical_motion() -> bool {
    return (params.motion_flags & MOTION_VERTICAL) != 0u;
}

// A texel index along the motion, wrapped into the period when looping. The quotient comes
// from a float division (a software rasteriser has no vector integer division): exact up to
// one either way for these magnitudes, which the two compares put right.
fn wrap_along(p: i32) -> i32 {
    if ((params.motion_flags & MOTION_LOOP) != 0u) {
        let n = i32(params.period);
        let r = p - n * i32(floor(f32(p) / params.period));
        return select(select(r, r - n, r >= n), r + n, r < 0);
    }
    return p;
}

// The two texels of grid line `line` (a row, or a column moving vertically) around frame
// position `frame`, and the weight of the second.
struct LineTaps {
    p0: vec2<i32>,
    p1: vec2<i32>,
    f: f32,
};

// `origin`: the line's band position this frame.
fn line_taps(frame: vec2<f32>, line: i32, origin: f32) -> LineTaps {
    let vertical = vertical_motion();
    let along = select(frame.x, frame.y, vertical);
    let g = along - origin - 0.5;
    let base = floor(g);
    let a = wrap_along(i32(base));
    let b = wrap_along(i32(base) + 1);
    var taps: LineTaps;
    taps.f = g - base;
    taps.p0 = select(vec2<i32>(a, line), vec2<i32>(line, a), vertical);
    taps.p1 = select(vec2<i32>(b, line), vec2<i32>(line, b), vertical);
    return taps;
}

// The first grid line across the motion at `frame`, and the weight of the next.
fn lines_across(frame: vec2<f32>) -> vec2<f32> {
    let vertical = vertical_motion();
    let s = select(frame.y - params.grid_origin.y, frame.x - params.grid_origin.x, vertical) - 0.5;
    let base = floor(s);
    return vec2<f32>(base, s - base);
}

@fragment
fn fs_main_banded(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
    let frame = frame_position(position);
    let across = lines_across(frame);
    let line = i32(across.x);
    let a = line_taps(frame, line, line_origin(line));
    let b = line_taps(frame, line + 1, line_origin(line + 1));
    let first = mix(grid_texel(a.p0), grid_texel(a.p1), a.f);
    let second = mix(grid_texel(b.p0), grid_texel(b.p1), b.f);
    return output_color(mix(first, second, across.y).rgb);
}

// Grid texel p from the still (offset by its border; beyond it, background).
fn still_texel(p: vec2<i32>) -> vec4<f32> {
    let top = vec2<i32>(textureDimensions(still)) - vec2<i32>(1, 1);
    return textureLoad(still, clamp(p + vec2<i32>(1, 1), vec2<i32>(0, 0), top), 0);
}

// The same pixels as `fs_main_banded`, four loads from the still instead of tile lookups.
fn banded_still_rgb(frame: vec2<f32>) -> vec3<f32> {
    let across = lines_across(frame);
    let line = i32(across.x);
    return still_rgb_between(frame, across, vec2<f32>(line_origin(line), line_origin(line + 1)));
}

// The pixel at `frame` between the grid lines `lines_across` gives, whose band positions
// are `origins`.
fn still_rgb_between(frame: vec2<f32>, across: vec2<f32>, origins: vec2<f32>) -> vec3<f32> {
    let line = i32(across.x);
    let a = line_taps(frame, line, origins.x);
    let b = line_taps(frame, line + 1, origins.y);
    let first = mix(still_texel(a.p0), still_texel(a.p1), a.f);
    let second = mix(still_texel(b.p0), still_texel(b.p1), b.f);
    return mix(first, second, across.y).rgb;
}

// The band motion of each grid line across the motion, made once by the CPU (`line_motions`
// in grid.rs), for the blocks drawn from the still: no division by the pitch per pixel.
@group(2) @binding(1) var<storage, read> line_motions: array<vec2<f32>>;

fn listed_line_origin(line: i32) -> f32 {
    let last = i32(arrayLength(&line_motions)) - 1;
    return motion_origin(line_motions[clamp(line, 0, last)]);
}

// `banded_still_rgb` with the lines' motions from `line_motions`.
fn listed_still_rgb(frame: vec2<f32>) -> vec3<f32> {
    let across = lines_across(frame);
    let line = i32(across.x);
    let origins = vec2<f32>(listed_line_origin(line), listed_line_origin(line + 1));
    return still_rgb_between(frame, across, origins);
}

@fragment
fn fs_still_banded(in: StillVertex) -> @location(0) vec4<f32> {
    return output_color(banded_still_rgb(frame_position(in.position)));
}

// Blocks whose rows (or columns) belong to two bands, pixel by pixel from the still: drawn
// only where the CPU scissors it to.
@fragment
fn fs_block_from_still(@builtin(position) position: vec4<f32>) -> YuvBlock {
    return block_from_still(vec2<i32>(floor(position.xy)));
}

// One 8x2 YUV block computed from the still pixel by pixel (rows of two bands).
fn block_from_still(block: vec2<i32>) -> YuvBlock {
    var upper: array<vec3<f32>, 8>;
    var lower: array<vec3<f32>, 8>;
    for (var i = 0; i < 8; i++) {
        let x = f32(8 * block.x + i) + 0.5;
        upper[i] = listed_still_rgb(vec2<f32>(x, f32(2 * block.y) + 0.5));
        lower[i] = listed_still_rgb(vec2<f32>(x, f32(2 * block.y) + 1.5));
    }
    var uv: array<vec2<f32>, 4>;
    for (var i = 0; i < 4; i++) {
        uv[i] = chroma_codes((upper[2 * i] + upper[2 * i + 1] + lower[2 * i] + lower[2 * i + 1]) * 0.25);
    }
    var out: YuvBlock;
    out.luma = vec4<u32>(
        pack4(luma_code(upper[0]), luma_code(upper[1]), luma_code(upper[2]), luma_code(upper[3])),
        pack4(luma_code(upper[4]), luma_code(upper[5]), luma_code(upper[6]), luma_code(upper[7])),
        pack4(luma_code(lower[0]), luma_code(lower[1]), luma_code(lower[2]), luma_code(lower[3])),
        pack4(luma_code(lower[4]), luma_code(lower[5]), luma_code(lower[6]), luma_code(lower[7])),
    );
    out.chroma = vec2<u32>(
        pack4(uv[0].x, uv[1].x, uv[2].x, uv[3].x),
        pack4(uv[0].y, uv[1].y, uv[2].y, uv[3].y),
    );
    return out;
}

// Vertical motion straight to YUV, the transpose of the strip above. The grid only moves up
// or down, so every frame resamples the still with the same horizontal filter:
// `fs_compose_columns` applies it once. Column-strip texel (i, r) holds still row r - 4
// (clamped, so the first and last four rows are background; wrapped when looping)
// resampled at the frame's columns 8i .. 8i + 7: their luma codes (words 0-1) and the U
// (word 2) and V (word 3) codes of their four pairs. Each frame block then lerps three
// texels down at its band's sub-pixel offset: two rows of luma, and chroma averaged over
// them (4:2:0).
fn still_row_codes(block_column: i32, q: i32) -> vec4<u32> {
    let top = vec2<i32>(textureDimensions(still)) - vec2<i32>(1, 1);
    var row = clamp(q, 0, top.y);
    if ((params.motion_flags & MOTION_LOOP) != 0u) {
        row = min(wrap_along(q - 1) + 1, top.y);
    }
    // Frame column 8i + k has its centre at 8i + k + 0.5: still coordinate 8i + k + 1.5 - x0,
    // so its bilinear taps start at still column floor(8i + k + 1 - x0).
    let s = 8.0 * f32(block_column) + 1.0 - params.grid_origin.x;
    let base = i32(floor(s));
    let f = s - floor(s);
    var texels: array<vec3<f32>, 9>;
    for (var k = 0; k < 9; k++) {
        texels[k] = textureLoad(still, vec2<i32>(clamp(base + k, 0, top.x), row), 0).rgb;
    }
    var rgb: array<vec3<f32>, 8>;
    for (var k = 0; k < 8; k++) {
        rgb[k] = mix(texels[k], texels[k + 1], f);
    }
    var uv: array<vec2<f32>, 4>;
    for (var k = 0; k < 4; k++) {
        uv[k] = chroma_codes((rgb[2 * k] + rgb[2 * k + 1]) * 0.5);
    }
    return vec4<u32>(
        pack4(luma_code(rgb[0]), luma_code(rgb[1]), luma_code(rgb[2]), luma_code(rgb[3])),
        pack4(luma_code(rgb[4]), luma_code(rgb[5]), luma_code(rgb[6]), luma_code(rgb[7])),
        pack4(uv[0].x, uv[1].x, uv[2].x, uv[3].x),
        pack4(uv[0].y, uv[1].y, uv[2].y, uv[3].y),
    );
}

@fragment
fn fs_compose_columns(@builtin(position) position: vec4<f32>) -> @location(0) vec4<u32> {
    let p = vec2<i32>(floor(position.xy));
    return still_row_codes(p.x, p.y - 4);
}

// Frame rows 2j's taps start at still row floor(2j + 1 - y0): column-strip row + 4.
fn column_block(block: vec2<i32>, origin: f32) -> YuvBlock {
    let s = 2.0 * f32(block.y) + 1.0 - origin;
    let r = i32(floor(s)) + 4;
    let f = s - floor(s);
    let last = i32(textureDimensions(strip).y) - 1;
    let t0 = textureLoad(strip, vec2<i32>(block.x, clamp(r, 0, last)), 0);
    let t1 = textureLoad(strip, vec2<i32>(block.x, clamp(r + 1, 0, last)), 0);
    let t2 = textureLoad(strip, vec2<i32>(block.x, clamp(r + 2, 0, last)), 0);
    var out: YuvBlock;
    out.luma = vec4<u32>(
        pack4x8unorm(mix(unpack4x8unorm(t0.x), unpack4x8unorm(t1.x), f)),
        pack4x8unorm(mix(unpack4x8unorm(t0.y), unpack4x8unorm(t1.y), f)),
        pack4x8unorm(mix(unpack4x8unorm(t1.x), unpack4x8unorm(t2.x), f)),
        pack4x8unorm(mix(unpack4x8unorm(t1.y), unpack4x8unorm(t2.y), f)),
    );
    let u = (mix(unpack4x8unorm(t0.z), unpack4x8unorm(t1.z), f) + mix(unpack4x8unorm(t1.z), unpack4x8unorm(t2.z), f)) * 0.5;
    let v = (mix(unpack4x8unorm(t0.w), unpack4x8unorm(t1.w), f) + mix(unpack4x8unorm(t1.w), unpack4x8unorm(t2.w), f)) * 0.5;
    out.chroma = vec2<u32>(pack4x8unorm(u), pack4x8unorm(v));
    return out;
}

// Every column at the same offset (the looping strip shifted by a period).
@fragment
fn fs_column_yuv(@builtin(position) position: vec4<f32>) -> YuvBlock {
    var origin = band_origin(0u);
    if ((params.motion_flags & MOTION_LOOP) != 0u) {
        origin = origin - params.period;
    }
    return column_block(vec2<i32>(floor(position.xy)), origin);
}

// Columns moving apart: each block column at its band's offset; block columns across two
// column bands are drawn again by `fs_block_from_still` (the CPU lists them).
@fragment
fn fs_column_yuv_bands(@builtin(position) position: vec4<f32>) -> YuvBlock {
    let block = vec2<i32>(floor(position.xy));
    return column_block(block, lane_origin(block.x));
}
