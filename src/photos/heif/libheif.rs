//! The C interface of libheif 1.15 (`heif.h`), declared by hand for the calls gridreel makes,
//! and safe owners of what it allocates: a context that has read a file, the primary image's
//! handle, decoding options, a decoded image.
#![allow(unsafe_code)] // FFI to libheif; every call's contract is stated where it is made.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::ptr::NonNull;

use image::DynamicImage;

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
const CHROMA_RGB: c_int = 10;
const CHROMA_RGBA: c_int = 11;
/// `heif_channel_interleaved`.
const CHANNEL_INTERLEAVED: c_int = 10;
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

    /// Decodes to interleaved 8-bit RGB (RGBA with alpha), transformations applied.
    pub(super) fn decode(&self, kind: Kind, header: Header) -> Result<DynamicImage, PhotoError> {
        let options = Options::new(kind)?;
        let chroma = if header.alpha {
            CHROMA_RGBA
        } else {
            CHROMA_RGB
        };
        let mut raw = std::ptr::null_mut();
        // SAFETY: the handle and options are live; `raw` receives a new image.
        let error = unsafe {
            heif_decode_image(
                self.raw.as_ptr(),
                &raw mut raw,
                COLORSPACE_RGB,
                chroma,
                options.raw.as_ptr(),
            )
        };
        check(kind, error)?;
        let image =
            Image(NonNull::new(raw).ok_or_else(|| {
                PhotoError::Damaged(format!("{}: no image decoded", kind.name()))
            })?);
        image.to_dynamic(kind, header.alpha)
    }
}

impl Drop for Handle<'_> {
    fn drop(&mut self) {
        // SAFETY: obtained from heif_context_get_primary_image_handle, released once.
        unsafe { heif_image_handle_release(self.raw.as_ptr()) }
    }
}

/// Decoding options: transformations applied, high bit depths converted to 8 bits.
struct Options {
    raw: NonNull<DecodingOptions>,
}

impl Options {
    fn new(kind: Kind) -> Result<Self, PhotoError> {
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
                (*o).convert_hdr_to_8bit = 1;
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
struct Image(NonNull<RawImage>);

impl Image {
    /// The interleaved plane copied into an `image` buffer (8-bit; high bit depths already
    /// converted by libheif, or scaled down here where it did not).
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
