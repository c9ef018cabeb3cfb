//! A decoded photo made into its tile: cropped to the tile's aspect (anchor or crop centre),
//! scaled down with Lanczos-3, converted from its colour profile, turned upright and
//! flattened onto the background.

use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::DynamicImage;
use image::metadata::Orientation;

use super::orient::{stored_rect_from_upright, swaps_axes};
use crate::layout::{Rect, photo_crop_rect};
use crate::settings::{Aspect, Color, CropAnchor, Focus};

/// What a tile must look like.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TileSpec {
    pub width_px: u32,
    pub height_px: u32,
    pub aspect: Aspect,
    pub anchor: CropAnchor,
    /// The photo's own crop centre, when it has one (then `anchor` does not apply).
    pub focus: Option<Focus>,
    /// Transparent pixels are composited onto this colour.
    pub background: Color,
}

/// Tile pixels, RGBA8, opaque, row-major without padding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TilePixels {
    pub width_px: u32,
    pub height_px: u32,
    pub rgba: Vec<u8>,
}

impl TilePixels {
    /// A small copy, `height_px` high (never larger than the tile), the same aspect: the
    /// always-resident thumbnail the editor lists and draws while a full tile streams in.
    #[must_use]
    pub fn thumbnail(&self, height_px: u32) -> TilePixels {
        let (w, h) = thumbnail_size(self.width_px, self.height_px, height_px);
        self.resized(w, h)
    }

    /// This tile resampled (bilinear) to `w × h`.
    #[must_use]
    pub fn resized(&self, w: u32, h: u32) -> TilePixels {
        let (w, h) = (w.max(1), h.max(1));
        let mut small = fast_image_resize::images::Image::new(w, h, PixelType::U8x4);
        let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
        let resized = fast_image_resize::images::ImageRef::new(
            self.width_px,
            self.height_px,
            &self.rgba,
            PixelType::U8x4,
        )
        .map_err(|e| e.to_string())
        .and_then(|source| {
            Resizer::new()
                .resize(&source, &mut small, &options)
                .map_err(|e| e.to_string())
        });
        if let Err(e) = resized {
            // Only a malformed tile gets here; a flat grey stand-in keeps the list usable.
            log::warn!("resize: {e}");
            small.buffer_mut().fill(128);
        }
        TilePixels {
            width_px: w,
            height_px: h,
            rgba: small.into_vec(),
        }
    }

    /// Bytes of pixel data held.
    #[must_use]
    pub fn byte_len(&self) -> usize {
        self.rgba.len()
    }
}

/// The size of a thumbnail `height_px` high (never larger than the tile) of a `w × h` tile.
fn thumbnail_size(w: u32, h: u32, height_px: u32) -> (u32, u32) {
    let small_h = height_px.clamp(1, h.max(1));
    let small_w = (u64::from(w) * u64::from(small_h))
        .div_ceil(u64::from(h.max(1)))
        .clamp(1, u64::from(w.max(1)));
    (u32::try_from(small_w).unwrap_or(1), small_h)
}

impl TileSpec {
    /// This spec for a photo with crop centre `focus` (`None`: the anchor's crop).
    #[must_use]
    pub fn with_focus(&self, focus: Option<Focus>) -> TileSpec {
        TileSpec { focus, ..*self }
    }

    /// The part of an upright `photo_w × photo_h` photo this tile shows.
    #[must_use]
    pub fn crop(&self, photo_w: u32, photo_h: u32) -> Rect {
        photo_crop_rect(photo_w, photo_h, self.aspect, self.anchor, self.focus)
    }

    /// The same crop at thumbnail size: decoding with it gives what
    /// [`TilePixels::thumbnail`] makes from a full tile, without the full tile.
    #[must_use]
    pub fn thumbnail(&self, height_px: u32) -> TileSpec {
        let (width_px, height_px) = thumbnail_size(self.width_px, self.height_px, height_px);
        TileSpec {
            width_px,
            height_px,
            ..*self
        }
    }
}

/// Crops, downscales and orients a decoded photo (taken as sRGB) into a tile.
#[cfg(test)]
#[must_use]
pub(super) fn tile_from_image(
    image: &DynamicImage,
    orientation: Orientation,
    spec: &TileSpec,
) -> TilePixels {
    tile_from_image_managed(image, orientation, None, spec)
}

/// Crops, downscales and orients a decoded photo into a tile; the downscaled pixels are
/// converted from the ICC profile `icc` describes to sRGB (before the alpha is flattened
/// onto the background, which is sRGB).
#[must_use]
pub(super) fn tile_from_image_managed(
    image: &DynamicImage,
    orientation: Orientation,
    icc: Option<&[u8]>,
    spec: &TileSpec,
) -> TilePixels {
    let (stored_w, stored_h) = (image.width(), image.height());
    let (upright_w, upright_h) = if swaps_axes(orientation) {
        (stored_h, stored_w)
    } else {
        (stored_w, stored_h)
    };
    let crop = spec.crop(upright_w, upright_h);
    let stored_crop = stored_rect_from_upright(
        crop,
        orientation,
        f64::from(upright_w),
        f64::from(upright_h),
    );
    tile_from_crop(image, stored_crop, orientation, icc, spec)
}

/// [`tile_from_image_managed`] with the crop given: `stored_crop`, in `image`'s stored
/// pixels (a clip's frame reduced only around its crop knows where the crop lies in it).
#[must_use]
pub(super) fn tile_from_crop(
    image: &DynamicImage,
    stored_crop: Rect,
    orientation: Orientation,
    icc: Option<&[u8]>,
    spec: &TileSpec,
) -> TilePixels {
    let (tile_w, tile_h) = if swaps_axes(orientation) {
        (spec.height_px, spec.width_px)
    } else {
        (spec.width_px, spec.height_px)
    };
    // The resizer works on 8-bit gray, RGB and RGBA directly; other layouts go through RGBA8.
    let converted;
    let source = match image {
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => {
            image
        }
        other => {
            converted = DynamicImage::ImageRgba8(other.to_rgba8());
            &converted
        }
    };
    let mut small = DynamicImage::new(tile_w, tile_h, source.color());
    let options = ResizeOptions::new()
        .crop(
            stored_crop.x,
            stored_crop.y,
            stored_crop.width,
            stored_crop.height,
        )
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    let resized = Resizer::new().resize(source, &mut small, &options);
    if resized.is_err() {
        // Only reachable with an empty crop; fall back to a simple, always-valid filter.
        small = source.resize_exact(tile_w, tile_h, image::imageops::FilterType::Triangle);
    }
    if let Some(icc) = icc {
        super::icc::to_srgb(&mut small, icc);
    }
    small.apply_orientation(orientation);
    let mut rgba = small.into_rgba8();
    flatten_alpha(&mut rgba, spec.background);
    TilePixels {
        width_px: rgba.width(),
        height_px: rgba.height(),
        rgba: rgba.into_raw(),
    }
}

/// Composites every pixel onto `background` and makes it opaque.
fn flatten_alpha(image: &mut image::RgbaImage, background: Color) {
    let bg = background.to_array();
    for pixel in image.pixels_mut() {
        let alpha = u32::from(pixel[3]);
        if alpha == 255 {
            continue;
        }
        for c in 0..3 {
            let v = (u32::from(pixel[c]) * alpha + u32::from(bg[c]) * (255 - alpha) + 127) / 255;
            // v ≤ 255 by construction.
            pixel[c] = u8::try_from(v).unwrap_or(255);
        }
        pixel[3] = 255;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_is_flattened_onto_the_background() {
        let mut img = image::RgbaImage::from_pixel(2, 1, image::Rgba([255, 0, 0, 0]));
        img.put_pixel(1, 0, image::Rgba([255, 0, 0, 128]));
        flatten_alpha(&mut img, Color::rgb(0, 0, 255));
        assert_eq!(img.get_pixel(0, 0).0, [0, 0, 255, 255]);
        assert_eq!(img.get_pixel(1, 0).0, [128, 0, 127, 255]);
    }
}
