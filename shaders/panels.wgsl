// The editor's standing panels, copied from the texture they were painted into
// (`src/app/panel_cache.rs`). The viewport is the whole window and the texture is the window's
// size, so each pixel centre samples its own texel (nearest): a copy, which software
// rasterisers run as a blit. The scissor keeps it to the panels' painted area.

@group(0) @binding(0) var panels: texture_2d<f32>;
@group(0) @binding(1) var panels_sampler: sampler;

struct Vertex {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
};

@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> Vertex {
    let corner = vec2<f32>(f32((index << 1u) & 2u), f32(index & 2u));
    var out: Vertex;
    out.position = vec4<f32>(corner.x * 2.0 - 1.0, 1.0 - corner.y * 2.0, 0.0, 1.0);
    out.uv = corner;
    return out;
}

@fragment
fn fs_main(in: Vertex) -> @location(0) vec4<f32> {
    return textureSample(panels, panels_sampler, in.uv);
}
