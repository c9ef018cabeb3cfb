// BT.709 limited-range YUV codes (what the stream's colour tags declare), shared by every
// shader that writes YUV. Inputs are the frame's non-linear RGB in 0..1; outputs are the
// 8-bit codes divided by 255, ready for an R8Unorm target.

const KR: f32 = 0.2126;
const KB: f32 = 0.0722;
const KG: f32 = 0.7152;

fn luma(c: vec3<f32>) -> f32 {
    return dot(c, vec3<f32>(KR, KG, KB));
}

fn luma_code(c: vec3<f32>) -> f32 {
    return (16.0 + 219.0 * luma(c)) / 255.0;
}

// (U, V) of a colour (a 2x2 block's average, for 4:2:0).
fn chroma_codes(c: vec3<f32>) -> vec2<f32> {
    let y = luma(c);
    let cb = (c.b - y) / (2.0 * (1.0 - KB));
    let cr = (c.r - y) / (2.0 * (1.0 - KR));
    return (vec2<f32>(128.0, 128.0) + 224.0 * vec2<f32>(cb, cr)) / 255.0;
}

struct Chroma {
    @location(0) u: vec4<f32>,
    @location(1) v: vec4<f32>,
};

fn chroma_out(c: vec3<f32>) -> Chroma {
    let uv = chroma_codes(c);
    var out: Chroma;
    out.u = vec4<f32>(uv.x, 0.0, 0.0, 1.0);
    out.v = vec4<f32>(uv.y, 0.0, 0.0, 1.0);
    return out;
}

// 10-bit limited-range codes (ProRes 4:2:2): the 8-bit ones scaled by 4, rounded.
fn luma_code10(c: vec3<f32>) -> u32 {
    return u32(clamp(round(64.0 + 876.0 * luma(c)), 0.0, 1023.0));
}

fn chroma_codes10(c: vec3<f32>) -> vec2<u32> {
    let y = luma(c);
    let cb = (c.b - y) / (2.0 * (1.0 - KB));
    let cr = (c.r - y) / (2.0 * (1.0 - KR));
    let codes = round(vec2<f32>(512.0, 512.0) + 896.0 * vec2<f32>(cb, cr));
    return vec2<u32>(clamp(codes, vec2<f32>(0.0), vec2<f32>(1023.0)));
}
