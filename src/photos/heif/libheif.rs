//! The C interface of libheif 1.15 (`heif.h`), declared by hand for the calls gridreel makes,
//! and safe owners of what it allocates: a context that has read a file, the primary image's
//! handle, decoding options, a decoded image.
#![allow(unsafe_code)] // FFI to libheif; every call's contract is stated where it is made.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::ptr::NonNull;

#[cfg(test)]
use image::DynamicImage;

use super::reduce::{Colour, Matrix, Planar, Plane};
use super::{Header, Kind};
use crate::photos::PhotoError;

/// `struct heif_error`, returned by value.
#[repr(C)]
#[derive(Clone, Copy)]
struct HeifError {
    code: c_int,
    subcode: c_int,
    /// Always set by libheif to a static string.
    message: *const c_char,
}

/// `heif_error_Ok`.
const ERROR_OK: c_int = 0;
/// `heif_error_Unsupported_filetype`, `heif_error_Unsupported_feature`.
const ERROR_UNSUPPORTED: [c_int; 2] = [3, 4];
/// `heif_error_Memory_allocation_error`.
const ERROR_MEMORY: c_int = 6;
/// `heif_suberror_End_of_data`.
const SUBERROR_END_OF_DATA: c_int = 100;
/// `heif_suberror_Security_limit_exceeded`.
const SUBERROR_SECURITY_LIMIT: c_int = 1000;

/// `heif_colorspace_RGB`.
const COLORSPACE_RGB: c_int = 1;
/// `heif_chroma_interleaved_RGB`, `heif_chroma_interleaved_RGBA`.
#[cfg(test)]
const CHROMA_RGB: c_int = 10;
#[cfg(test)]
const CHROMA_RGBA: c_int = 11;
/// `heif_channel_interleaved`.
#[cfg(test)]
const CHANNEL_INTERLEAVED: c_int = 10;
/// `heif_chroma_monochrome`, `_420`, `_422`, `_444`.
const CHROMA_MONOCHROME: c_int = 0;
const CHROMA_420: c_int = 1;
const CHROMA_422: c_int = 2;
const CHROMA_444: c_int = 3;
/// `heif_colorspace_YCbCr`, `_monochrome`.
const COLORSPACE_YCBCR: c_int = 0;
const COLORSPACE_MONOCHROME: c_int = 2;
/// `heif_channel_Y`, `_Cb`, `_Cr`, `_R`, `_G`, `_B`, `_Alpha`.
const CHANNEL_Y: c_int = 0;
const CHANNEL_CB: c_int = 1;
const CHANNEL_CR: c_int = 2;
const CHANNEL_R: c_int = 3;
const CHANNEL_G: c_int = 4;
const CHANNEL_B: c_int = 5;
const CHANNEL_ALPHA: c_int = 6;
/// `heif_color_profile_type_rICC` and `_prof`: ICC profiles (`nclx` is not one).
const PROFILE_RICC: u32 = u32::from_be_bytes(*b"rICC");
const PROFILE_PROF: u32 = u32::from_be_bytes(*b"prof");

#[repr(C)]
struct RawContext {
    _opaque: [u8; 0],
}
#[repr(C)]
struct RawHandle {
    _opaque: [u8; 0],
}
#[repr(C)]
struct RawImage {
    _opaque: [u8; 0],
}

type ProgressStart = Option<unsafe extern "C" fn(c_int, c_int, *mut c_void)>;
type ProgressStep = Option<unsafe extern "C" fn(c_int, c_int, *mut c_void)>;
type ProgressEnd = Option<unsafe extern "C" fn(c_int, *mut c_void)>;

/// `struct heif_decoding_options` up to its version 4 (libheif 1.15); only ever allocated by
/// libheif, and a field written only when `version` says the struct has it.
#[repr(C)]
struct DecodingOptions {
    version: u8,
    ignore_transformations: u8,
    start_progress: ProgressStart,
    on_progress: ProgressStep,
    end_progress: ProgressEnd,
    progress_user_data: *mut c_void,
    convert_hdr_to_8bit: u8,
    strict_decoding: u8,
    decoder_id: *const c_char,
}

#[link(name = "heif")]
unsafe extern "C" {
    fn heif_init(params: *mut c_void) -> HeifError;
    fn heif_context_alloc() -> *mut RawContext;
    fn heif_context_free(ctx: *mut RawContext);
    fn heif_context_read_from_memory_without_copy(
        ctx: *mut RawContext,
        mem: *const c_void,
        size: usize,
        options: *const c_void,
    ) -> HeifError;
    fn heif_context_set_maximum_image_size_limit(ctx: *mut RawContext, maximum_width: c_int);
    fn heif_context_set_max_decoding_threads(ctx: *mut RawContext, max_threads: c_int);
    fn heif_context_get_primary_image_handle(
        ctx: *mut RawContext,
        handle: *mut *mut RawHandle,
    ) -> HeifError;
    fn heif_image_handle_release(handle: *const RawHandle);
    fn heif_image_handle_get_width(handle: *const RawHandle) -> c_int;
    fn heif_image_handle_get_height(handle: *const RawHandle) -> c_int;
    fn heif_image_handle_has_alpha_channel(handle: *const RawHandle) -> c_int;
    fn heif_image_handle_get_luma_bits_per_pixel(handle: *const RawHandle) -> c_int;
    fn heif_image_handle_get_color_profile_type(handle: *const RawHandle) -> u32;
    fn heif_image_handle_get_raw_color_profile_size(handle: *const RawHandle) -> usize;
    fn heif_image_handle_get_raw_color_profile(
        handle: *const RawHandle,
        out_data: *mut c_void,
    ) -> HeifError;
    fn heif_decoding_options_alloc() -> *mut DecodingOptions;
    fn heif_decoding_options_free(options: *mut DecodingOptions);
    fn heif_decode_image(
        handle: *const RawHandle,
        out_img: *mut *mut RawImage,
        colorspace: c_int,
        chroma: c_int,
        options: *const DecodingOptions,
    ) -> HeifError;
    fn heif_image_get_width(image: *const RawImage, channel: c_int) -> c_int;
    fn heif_image_get_height(image: *const RawImage, channel: c_int) -> c_int;
    fn heif_image_get_plane_readonly(
        image: *const RawImage,
        channel: c_int,
        out_stride: *mut c_int,
    ) -> *const u8;
    fn heif_image_release(image: *const RawImage);
    fn heif_image_get_colorspace(image: *const RawImage) -> c_int;
    fn heif_image_has_channel(image: *const RawImage, channel: c_int) -> c_int;
    fn heif_image_get_bits_per_pixel_range(image: *const RawImage, channel: c_int) -> c_int;
    fn heif_image_get_nclx_color_profile(
        image: *const RawImage,
        out_data: *mut *mut Nclx,
    ) -> HeifError;
    fn heif_nclx_color_profile_free(nclx: *mut Nclx);
}

/// `struct heif_color_profile_nclx`, version 1 (libheif 1.15): only ever allocated by
/// libheif; the chromaticities that follow these fields are not read.
#[repr(C)]
struct Nclx {
    version: u8,
    color_primaries: c_int,
    transfer_characteristics: c_int,
    matrix_coefficients: c_int,
    full_range_flag: u8,
}

/// Initialises libheif once per process (it registers its decoders); never undone, since
/// decodes may run on any thread at any time.
fn init() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        // SAFETY: heif_init takes NULL for default parameters; it is reference counted and
        // thread-safe, and called once here.
        let error = unsafe { heif_init(std::ptr::null_mut()) };
        if error.code != ERROR_OK {
            log::warn!("libheif: {}", message(error));
        }
    });
}

/// The text of a libheif error.
fn message(error: HeifError) -> String {
    if error.message.is_null() {
        return format!("error {}.{}", error.code, error.subcode);
    }
    // SAFETY: libheif documents the message as always set, a NUL-terminated static string.
    unsafe { CStr::from_ptr(error.message) }
        .to_string_lossy()
        .into_owned()
}

/// A libheif error as the reason a photo is skipped.
fn photo_error(kind: Kind, error: HeifError) -> PhotoError {
    let text = message(error);
    let name = kind.name();
    if error.subcode == SUBERROR_END_OF_DATA {
        PhotoError::Damaged(format!("truncated {name}: {text}"))
    } else if error.subcode == SUBERROR_SECURITY_LIMIT || error.code == ERROR_MEMORY {
        PhotoError::TooLarge(format!("{name}: {text}"))
    } else if ERROR_UNSUPPORTED.contains(&error.code) {
        PhotoError::Unsupported(format!("{name}: {text}"))
    } else {
        PhotoError::Damaged(format!("{name}: {text}"))
    }
}

fn check(kind: Kind, error: HeifError) -> Result<(), PhotoError> {
    if error.code == ERROR_OK {
        Ok(())
    } else {
        Err(photo_error(kind, error))
    }
}

/// A `heif_context` that has read a file; it borrows the file's bytes (read without copy).
pub(super) struct Context<'data> {
    raw: NonNull<RawContext>,
    _data: std::marker::PhantomData<&'data [u8]>,
}

impl<'data> Context<'data> {
    pub(super) fn read(
        kind: Kind,
        data: &'data [u8],
        max_side_px: u32,
    ) -> Result<Self, PhotoError> {
        init();
        // SAFETY: allocates a fresh context; NULL only when out of memory.
        let raw = NonNull::new(unsafe { heif_context_alloc() })
            .ok_or_else(|| PhotoError::TooLarge(format!("{}: out of memory", kind.name())))?;
        let context = Self {
            raw,
            _data: std::marker::PhantomData,
        };
        let limit = c_int::try_from(max_side_px).unwrap_or(c_int::MAX);
        // SAFETY: the context is live; `data` outlives it ('data), as reading without copy
        // requires; the reading options may be NULL.
        let error = unsafe {
            heif_context_set_maximum_image_size_limit(context.raw.as_ptr(), limit);
            // Tiles in the calling thread: photos are already decoded one per core.
            heif_context_set_max_decoding_threads(context.raw.as_ptr(), 0);
            heif_context_read_from_memory_without_copy(
                context.raw.as_ptr(),
                data.as_ptr().cast(),
                data.len(),
                std::ptr::null(),
            )
        };
        check(kind, error)?;
        Ok(context)
    }

    pub(super) fn primary(&self, kind: Kind) -> Result<Handle<'_>, PhotoError> {
        let mut raw = std::ptr::null_mut();
        // SAFETY: the context is live and has read a file; `raw` receives a new handle.
        let error =
            unsafe { heif_context_get_primary_image_handle(self.raw.as_ptr(), &raw mut raw) };
        check(kind, error)?;
        let raw = NonNull::new(raw)
            .ok_or_else(|| PhotoError::Damaged(format!("{}: no primary image", kind.name())))?;
        Ok(Handle {
            raw,
            _context: std::marker::PhantomData,
        })
    }
}

impl Drop for Context<'_> {
    fn drop(&mut self) {
        // SAFETY: allocated by heif_context_alloc, freed once; handles keep their own
        // reference to the context's data.
        unsafe { heif_context_free(self.raw.as_ptr()) }
    }
}

/// A `heif_image_handle`: the primary image, not yet decoded.
pub(super) struct Handle<'context> {
    raw: NonNull<RawHandle>,
    _context: std::marker::PhantomData<&'context ()>,
}

impl Handle<'_> {
    pub(super) fn header(&self, kind: Kind) -> Result<Header, PhotoError> {
        let raw = self.raw.as_ptr();
        // SAFETY: the handle is live; these only read its properties.
        let (w, h, alpha, bits) = unsafe {
            (
                heif_image_handle_get_width(raw),
                heif_image_handle_get_height(raw),
                heif_image_handle_has_alpha_channel(raw) != 0,
                heif_image_handle_get_luma_bits_per_pixel(raw),
            )
        };
        let (Ok(width_px), Ok(height_px)) = (u32::try_from(w), u32::try_from(h)) else {
            return Err(PhotoError::Damaged(format!(
                "{} declares {w}×{h} pixels",
                kind.name()
            )));
        };
        Ok(Header {
            width_px,
            height_px,
            alpha,
            bits: u32::try_from(bits).unwrap_or(8).clamp(8, 16),
        })
    }

    /// The embedded ICC profile (`colr` of type `prof` or `rICC`), if any.
    pub(super) fn icc_profile(&self) -> Option<Vec<u8>> {
        let raw = self.raw.as_ptr();
        // SAFETY: the handle is live; the profile is copied into a buffer of the size
        // libheif reports for it.
        unsafe {
            let kind = heif_image_handle_get_color_profile_type(raw);
            if kind != PROFILE_PROF && kind != PROFILE_RICC {
                return None;
            }
            let len = heif_image_handle_get_raw_color_profile_size(raw);
            if len == 0 || len > 4 << 20 {
                return None;
            }
            let mut profile = vec![0u8; len];
            let error = heif_image_handle_get_raw_color_profile(raw, profile.as_mut_ptr().cast());
            (error.code == ERROR_OK).then_some(profile)
        }
    }

    /// Decodes to interleaved 8-bit RGB (RGBA with alpha), transformations applied: libheif's
    /// own conversion, the reference the planar path is tested against.
    #[cfg(test)]
    pub(super) fn decode_rgb(
        &self,
        kind: Kind,
        header: Header,
    ) -> Result<DynamicImage, PhotoError> {
        let chroma = if header.alpha {
            CHROMA_RGBA
        } else {
            CHROMA_RGB
        };
        let image = self.decode_as(kind, COLORSPACE_RGB, chroma)?;
        image.to_dynamic(kind, header.alpha)
    }

    /// Decodes to YCbCr (or grey) planes at the coded subsampling, `chroma_quarters` chroma
    /// samples a pixel in quarters (see [`super::Coding`]), at the coded bit depth,
    /// transformations applied. Asked for what the codec decodes, libheif converts nothing,
    /// so the decode holds the planes only (1.5 bytes a pixel for 8-bit 4:2:0, against 4.5
    /// with its RGB conversion); asked for anything else, it converts. (Asked for
    /// `heif_colorspace_undefined`, libheif 1.15 converts to planar RGB.)
    pub(super) fn decode_planes(
        &self,
        kind: Kind,
        chroma_quarters: u64,
    ) -> Result<Image, PhotoError> {
        let (colorspace, chroma) = match chroma_quarters {
            0 => (COLORSPACE_MONOCHROME, CHROMA_MONOCHROME),
            2 => (COLORSPACE_YCBCR, CHROMA_420),
            4 => (COLORSPACE_YCBCR, CHROMA_422),
            _ => (COLORSPACE_YCBCR, CHROMA_444),
        };
        self.decode_as(kind, colorspace, chroma)
    }

    fn decode_as(&self, kind: Kind, colorspace: c_int, chroma: c_int) -> Result<Image, PhotoError> {
        let options = Options::new(kind, colorspace == COLORSPACE_RGB)?;
        let mut raw = std::ptr::null_mut();
        // SAFETY: the handle and options are live; `raw` receives a new image.
        let error = unsafe {
            heif_decode_image(
                self.raw.as_ptr(),
                &raw mut raw,
                colorspace,
                chroma,
                options.raw.as_ptr(),
            )
        };
        check(kind, error)?;
        Ok(Image(NonNull::new(raw).ok_or_else(|| {
            PhotoError::Damaged(format!("{}: no image decoded", kind.name()))
        })?))
    }
}

impl Drop for Handle<'_> {
    fn drop(&mut self) {
        // SAFETY: obtained from heif_context_get_primary_image_handle, released once.
        unsafe { heif_image_handle_release(self.raw.as_ptr()) }
    }
}

/// Decoding options: transformations applied; high bit depths converted to 8 bits when
/// `to_8bit`.
struct Options {
    raw: NonNull<DecodingOptions>,
}

impl Options {
    fn new(kind: Kind, to_8bit: bool) -> Result<Self, PhotoError> {
        // SAFETY: libheif allocates the options with their defaults, NULL only when out of
        // memory.
        let raw = NonNull::new(unsafe { heif_decoding_options_alloc() })
            .ok_or_else(|| PhotoError::TooLarge(format!("{}: out of memory", kind.name())))?;
        let options = Self { raw };
        // SAFETY: the struct is live and has at least the fields of its `version`; version 1
        // has `ignore_transformations`, version 2 `convert_hdr_to_8bit`.
        unsafe {
            let o = options.raw.as_ptr();
            (*o).ignore_transformations = 0;
            if (*o).version >= 2 {
                (*o).convert_hdr_to_8bit = u8::from(to_8bit);
            }
        }
        Ok(options)
    }
}

impl Drop for Options {
    fn drop(&mut self) {
        // SAFETY: allocated by heif_decoding_options_alloc, freed once.
        unsafe { heif_decoding_options_free(self.raw.as_ptr()) }
    }
}

/// A decoded `heif_image`.
pub(super) struct Image(NonNull<RawImage>);

impl Image {
    /// The planes of a native decode, borrowed from the image.
    pub(super) fn planar(&self, kind: Kind) -> Result<Planar<'_>, PhotoError> {
        let raw = self.0.as_ptr();
        // SAFETY: the image is live; these only read its properties.
        let (colorspace, has_alpha) = unsafe {
            (
                heif_image_get_colorspace(raw),
                heif_image_has_channel(raw, CHANNEL_ALPHA),
            )
        };
        let (colour, channels): (Colour, &[c_int]) = match colorspace {
            COLORSPACE_YCBCR => (
                Colour::YCbCr(self.matrix()),
                &[CHANNEL_Y, CHANNEL_CB, CHANNEL_CR],
            ),
            COLORSPACE_MONOCHROME => (Colour::Grey(self.matrix().full_range), &[CHANNEL_Y]),
            COLORSPACE_RGB => (Colour::Rgb, &[CHANNEL_R, CHANNEL_G, CHANNEL_B]),
            other => {
                return Err(PhotoError::Unsupported(format!(
                    "{}: decoded to colour space {other}",
                    kind.name()
                )));
            }
        };
        let planes = channels
            .iter()
            .map(|&c| self.plane(kind, c))
            .collect::<Result<Vec<_>, _>>()?;
        let alpha = if has_alpha != 0 {
            Some(self.plane(kind, CHANNEL_ALPHA)?)
        } else {
            None
        };
        Ok(Planar {
            colour,
            planes,
            alpha,
        })
    }

    /// The YCbCr matrix and range the pixels are in (libheif's defaults, BT.601 full range,
    /// when the file says nothing).
    fn matrix(&self) -> Matrix {
        let mut nclx = std::ptr::null_mut();
        // SAFETY: the image is live; on success `nclx` receives a profile we free once.
        let error = unsafe { heif_image_get_nclx_color_profile(self.0.as_ptr(), &raw mut nclx) };
        if error.code != ERROR_OK || nclx.is_null() {
            return Matrix::from_nclx(2, true);
        }
        // SAFETY: a live profile of at least version 1's fields, freed after reading.
        unsafe {
            let matrix =
                Matrix::from_nclx((*nclx).matrix_coefficients, (*nclx).full_range_flag != 0);
            heif_nclx_color_profile_free(nclx);
            matrix
        }
    }

    /// One channel's samples (one byte each, or two in native order above 8 bits).
    fn plane(&self, kind: Kind, channel: c_int) -> Result<Plane<'_>, PhotoError> {
        let raw = self.0.as_ptr();
        let mut stride: c_int = 0;
        // SAFETY: the image is live; the plane pointer stays valid while it is, and
        // `stride` receives the bytes per row.
        let (w, h, bits, data) = unsafe {
            (
                heif_image_get_width(raw, channel),
                heif_image_get_height(raw, channel),
                heif_image_get_bits_per_pixel_range(raw, channel),
                heif_image_get_plane_readonly(raw, channel, &raw mut stride),
            )
        };
        let damaged = || PhotoError::Damaged(format!("{}: no pixels decoded", kind.name()));
        let (Ok(width), Ok(height), Ok(stride), Ok(bits)) = (
            usize::try_from(w),
            usize::try_from(h),
            usize::try_from(stride),
            u32::try_from(bits),
        ) else {
            return Err(damaged());
        };
        let sample = if bits > 8 { 2 } else { 1 };
        if data.is_null() || width == 0 || height == 0 || stride < width * sample || bits > 16 {
            return Err(damaged());
        }
        // SAFETY: libheif's plane holds `height` rows of `stride` bytes, each with at least
        // `width` samples (checked above); it lives as long as `self`.
        let bytes =
            unsafe { std::slice::from_raw_parts(data, stride * (height - 1) + width * sample) };
        Ok(Plane {
            bytes,
            stride,
            width,
            height,
            bits: bits.max(1),
        })
    }

    /// The interleaved plane copied into an `image` buffer (8-bit; high bit depths already
    /// converted by libheif).
    #[cfg(test)]
    fn to_dynamic(&self, kind: Kind, alpha: bool) -> Result<DynamicImage, PhotoError> {
        let raw = self.0.as_ptr();
        let mut stride: c_int = 0;
        // SAFETY: the image is live; the plane pointer stays valid while it is, and
        // `stride` receives the bytes per row.
        let (w, h, plane) = unsafe {
            (
                heif_image_get_width(raw, CHANNEL_INTERLEAVED),
                heif_image_get_height(raw, CHANNEL_INTERLEAVED),
                heif_image_get_plane_readonly(raw, CHANNEL_INTERLEAVED, &raw mut stride),
            )
        };
        let damaged = || PhotoError::Damaged(format!("{}: no pixels decoded", kind.name()));
        let (Ok(w), Ok(h), Ok(stride)) = (
            usize::try_from(w),
            usize::try_from(h),
            usize::try_from(stride),
        ) else {
            return Err(damaged());
        };
        let channels = if alpha { 4 } else { 3 };
        let row = w * channels;
        if plane.is_null() || w == 0 || h == 0 || stride < row {
            return Err(damaged());
        }
        // SAFETY: libheif's interleaved plane holds `h` rows of `stride` bytes, each with at
        // least `w * channels` bytes of pixels (checked above); it lives as long as `self`.
        let bytes = unsafe { std::slice::from_raw_parts(plane, stride * (h - 1) + row) };
        let mut pixels = Vec::with_capacity(row * h);
        for y in 0..h {
            pixels.extend_from_slice(&bytes[y * stride..y * stride + row]);
        }
        let (w, h) = (
            u32::try_from(w).map_err(|_| damaged())?,
            u32::try_from(h).map_err(|_| damaged())?,
        );
        let image = if alpha {
            image::RgbaImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgba8)
        } else {
            image::RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8)
        };
        image.ok_or_else(damaged)
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        // SAFETY: obtained from heif_decode_image, released once.
        unsafe { heif_image_release(self.0.as_ptr()) }
    }
}
