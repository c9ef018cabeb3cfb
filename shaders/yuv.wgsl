// RGBA frame -> planar YUV 4:2:0, BT.709 limited range (what the stream's colour tags say).
// Luma is one pass at full size; both chroma planes come from one pass at half size that
// averages each 2x2 block (centre-sited) and writes U and V to two targets.

@group(0) @binding(0) var frame: texture_2d<f32>;

const KR: f32 = 0.2126;
const KB: f32 = 0.0722;
const KG: f32 = 0.7152;

@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> @builtin(position) vec4<f32> {
    let uv = vec2<f32>(f32((index << 1u) & 2u), f32(index & 2u));
    return vec4<f32>(uv * 2.0 - 1.0, 0.0, 1.0);
}

fn rgb(p: vec2<i32>) -> vec3<f32> {
    return textureLoad(frame, p, 0).rgb;
}

fn luma(c: vec3<f32>) -> f32 {
    return dot(c, vec3<f32>(KR, KG, KB));
}

@fragment
fn fs_luma(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
    let y = luma(rgb(vec2<i32>(position.xy)));
    return vec4<f32>((16.0 + 219.0 * y) / 255.0, 0.0, 0.0, 1.0);
}

struct Chroma {
    @location(0) u: vec4<f32>,
    @location(1) v: vec4<f32>,
};

@fragment
fn fs_chroma(@builtin(position) position: vec4<f32>) -> Chroma {
    let p = vec2<i32>(position.xy) * 2;
    let c = (rgb(p) + rgb(p + vec2<i32>(1, 0)) + rgb(p + vec2<i32>(0, 1)) + rgb(p + vec2<i32>(1, 1))) * 0.25;
    let y = luma(c);
    let cb = (c.b - y) / (2.0 * (1.0 - KB));
    let cr = (c.r - y) / (2.0 * (1.0 - KR));
    var out: Chroma;
    out.u = vec4<f32>((128.0 + 224.0 * cb) / 255.0, 0.0, 0.0, 1.0);
    out.v = vec4<f32>((128.0 + 224.0 * cr) / 255.0, 0.0, 0.0, 1.0);
    return out;
}
