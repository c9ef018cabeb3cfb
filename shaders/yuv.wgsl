// RGBA frame -> planar YUV 4:2:0, BT.709 limited range (what the stream's colour tags say).
// Luma is one pass at full size; both chroma planes come from one pass at half size that
// averages each 2x2 block (centre-sited) and writes U and V to two targets.
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
