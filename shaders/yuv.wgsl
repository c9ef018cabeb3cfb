// RGBA frame -> what the encoder takes: planar YUV 4:2:0 (8-bit) or 4:2:2 (10-bit), BT.709
// limited range (what the stream's colour tags say), or RGBA scaled down (GIF).
// Luma is one pass at full size; both chroma planes come from one pass that averages each
// 2x2 block (4:2:0, centre-sited) or each pair across (4:2:2) and writes U and V to two
// targets.
// Prefixed with bt709.wgsl when compiled. Used when the grid draws from the tile array;
// with a still, grid.wgsl writes YUV straight from it.

@group(0) @binding(0) var frame: texture_2d<f32>;

@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> @builtin(position) vec4<f32> {
    let uv = vec2<f32>(f32((index << 1u) & 2u), f32(index & 2u));
    return vec4<f32>(uv * 2.0 - 1.0, 0.0, 1.0);
}

fn rgb(p: vec2<i32>) -> vec3<f32> {
    return textureLoad(frame, p, 0).rgb;
}

@fragment
fn fs_luma(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
    return vec4<f32>(luma_code(rgb(vec2<i32>(position.xy))), 0.0, 0.0, 1.0);
}

@fragment
fn fs_chroma(@builtin(position) position: vec4<f32>) -> Chroma {
    let p = vec2<i32>(position.xy) * 2;
    let c = (rgb(p) + rgb(p + vec2<i32>(1, 0)) + rgb(p + vec2<i32>(0, 1)) + rgb(p + vec2<i32>(1, 1))) * 0.25;
    return chroma_out(c);
}

// 10-bit 4:2:2 (ProRes): codes as integers into R16Uint targets.
struct Chroma10 {
    @location(0) u: vec4<u32>,
    @location(1) v: vec4<u32>,
};

@fragment
fn fs_luma10(@builtin(position) position: vec4<f32>) -> @location(0) vec4<u32> {
    return vec4<u32>(luma_code10(rgb(vec2<i32>(position.xy))), 0u, 0u, 1u);
}

@fragment
fn fs_chroma422(@builtin(position) position: vec4<f32>) -> Chroma10 {
    let p = vec2<i32>(position.xy) * vec2<i32>(2, 1);
    let uv = chroma_codes10((rgb(p) + rgb(p + vec2<i32>(1, 0))) * 0.5);
    var out: Chroma10;
    out.u = vec4<u32>(uv.x, 0u, 0u, 1u);
    out.v = vec4<u32>(uv.y, 0u, 0u, 1u);
    return out;
}

// RGBA scaled down to out_width x out_height (a GIF's size): each output pixel is the area
// average of the frame pixels it covers, partly covered ones weighted by their share.
override out_width: f32 = 1.0;
override out_height: f32 = 1.0;

@fragment
fn fs_downscale(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
    let size = vec2<f32>(textureDimensions(frame));
    let scale = size / vec2<f32>(out_width, out_height);
    let lo = floor(position.xy) * scale;
    let hi = min(lo + scale, size);
    var sum = vec3<f32>(0.0);
    var total = 0.0;
    for (var y = floor(lo.y); y < hi.y; y = y + 1.0) {
        let wy = min(y + 1.0, hi.y) - max(y, lo.y);
        for (var x = floor(lo.x); x < hi.x; x = x + 1.0) {
            let wx = min(x + 1.0, hi.x) - max(x, lo.x);
            sum = sum + rgb(vec2<i32>(i32(x), i32(y))) * (wx * wy);
            total = total + wx * wy;
        }
    }
    return vec4<f32>(sum / max(total, 1e-6), 1.0);
}
