//! GIF frames: each RGBA frame gets its own palette of up to 256 colours (Wu's quantiser in
//! Oklab, a perceptual colour space) and Floyd–Steinberg dithering, through `quantette`
//! (MIT OR Apache-2.0; gifski and libimagequant would make the crate AGPL/GPL). FFmpeg's
//! `gif` encoder then writes the palette-indexed frames, each with its own colour table.

use quantette::deps::palette::Srgb;
use quantette::{ImageRef, PaletteSize, Pipeline, QuantizeMethod};

/// A palette-indexed frame: up to 256 colours and one index per pixel, rows without padding.
#[derive(Debug, Default)]
pub struct Indexed {
    pub palette: Vec<[u8; 3]>,
    pub indices: Vec<u8>,
}

/// Quantises frames, reusing its buffers from frame to frame.
#[derive(Default)]
pub struct Quantizer {
    rgb: Vec<Srgb<u8>>,
}

impl Quantizer {
    /// `rgba` (`width_px × height_px`, alpha ignored) as a palette and indices.
    pub fn quantize(&mut self, rgba: &[u8], width_px: u32, height_px: u32, out: &mut Indexed) {
        self.rgb.clear();
        self.rgb
            .extend(rgba.chunks_exact(4).map(|p| Srgb::new(p[0], p[1], p[2])));
        let pixels = (width_px as usize) * (height_px as usize);
        self.rgb.resize(pixels, Srgb::new(0, 0, 0));
        out.palette.clear();
        out.indices.clear();
        let Ok(image) = ImageRef::new(width_px, height_px, &self.rgb[..]) else {
            return;
        };
        let indexed = Pipeline::new()
            .palette_size(PaletteSize::MAX)
            .quantize_method(QuantizeMethod::Wu)
            .input_image(image)
            .output_srgb8_indexed_image();
        let (palette, indices) = indexed.into_parts();
        out.palette
            .extend(palette.iter().map(|c| [c.red, c.green, c.blue]));
        out.indices.extend_from_slice(&indices);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32) -> Vec<u8> {
        let mut rgba = Vec::new();
        for y in 0..h {
            for x in 0..w {
                rgba.extend_from_slice(&[(x * 255 / w) as u8, (y * 255 / h) as u8, 128, 255]);
            }
        }
        rgba
    }

    #[test]
    fn a_few_colours_are_kept_exactly() {
        let mut rgba = Vec::new();
        for i in 0..64u32 {
            let c = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]][(i % 4) as usize];
            rgba.extend_from_slice(&[c[0], c[1], c[2], 255]);
        }
        let mut out = Indexed::default();
        Quantizer::default().quantize(&rgba, 8, 8, &mut out);
        assert_eq!(out.indices.len(), 64);
        assert!(out.palette.len() <= 256);
        for (i, &index) in out.indices.iter().enumerate() {
            let want = &rgba[i * 4..i * 4 + 3];
            assert_eq!(&out.palette[usize::from(index)][..], want, "pixel {i}");
        }
    }

    #[test]
    fn a_smooth_gradient_stays_close_with_256_colours() {
        let (w, h) = (64, 64);
        let rgba = gradient(w, h);
        let mut out = Indexed::default();
        Quantizer::default().quantize(&rgba, w, h, &mut out);
        let mut squared = 0.0;
        for (i, &index) in out.indices.iter().enumerate() {
            let got = out.palette[usize::from(index)];
            for c in 0..3 {
                let d = f64::from(got[c]) - f64::from(rgba[i * 4 + c]);
                squared += d * d;
            }
        }
        let mse = squared / f64::from(w * h * 3);
        let psnr = 10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10();
        // Dithering trades a few dB of per-pixel error for no banding.
        assert!(psnr > 30.0, "PSNR {psnr:.1} dB");
    }
}
