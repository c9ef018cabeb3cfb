//! A clip's container opened in two steps, so that its declared picture size is checked
//! before anything is decoded: libavformat reads the header (`avformat_open_input`, which
//! decodes nothing), the size each video stream declares is checked, and only then does
//! `avformat_find_stream_info` probe the streams (which may decode a first frame of some
//! codecs). `ffmpeg_next::format::input` does both steps at once, so this calls the two C
//! functions itself.
#![allow(unsafe_code)] // FFI to libavformat; every call's contract is stated where it is made.

use std::ffi::CString;
use std::path::Path;
use std::ptr;

use ffmpeg::ffi;
use ffmpeg_next as ffmpeg;

/// Why a container was not opened.
#[derive(Debug)]
pub(super) enum OpenError {
    /// The path cannot be given to FFmpeg (a NUL byte in it).
    BadPath,
    /// libavformat does not read it as a container.
    NotAContainer(ffmpeg::Error),
    /// Its streams could not be probed.
    Probe(ffmpeg::Error),
    /// A video stream's header declares more than `max_side_px` pixels a side.
    TooLarge { width_px: u32, height_px: u32 },
}

#[cfg(unix)]
fn c_path(path: &Path) -> Option<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes()).ok()
}

#[cfg(not(unix))]
fn c_path(path: &Path) -> Option<CString> {
    CString::new(path.to_str()?).ok()
}

/// What libavformat opens for a clip that starts `offset` bytes into the file at `path`: the
/// path itself at 0; past it, FFmpeg's `subfile` protocol reading from there to the end (an
/// Android motion photo's MP4, appended to its JPEG).
fn c_source(path: &Path, offset: u64) -> Option<CString> {
    if offset == 0 {
        return c_path(path);
    }
    let inner = c_path(path)?.into_string().ok()?;
    CString::new(format!("subfile,,start,{offset},end,0,,:file:{inner}")).ok()
}

/// The container at `path` opened by libavformat, its header read and nothing decoded. The
/// caller closes it with `avformat_close_input` (or hands it to `Input`, which does).
fn open_header(path: &CString) -> Result<*mut ffi::AVFormatContext, ffmpeg::Error> {
    let mut context: *mut ffi::AVFormatContext = ptr::null_mut();
    // SAFETY: `context` is a null pointer for libavformat to allocate into; `path` is a
    // NUL-terminated string that outlives the call; no format or options are forced. On
    // failure libavformat frees what it allocated and leaves `context` null.
    let opened = unsafe {
        ffi::avformat_open_input(
            &raw mut context,
            path.as_ptr(),
            ptr::null(),
            ptr::null_mut(),
        )
    };
    if opened < 0 || context.is_null() {
        return Err(ffmpeg::Error::from(opened));
    }
    Ok(context)
}

/// Opens `path`, refusing it when a video stream's header declares a side over `max_side_px`
/// (a side of 0 is left to the decoder's check).
pub(super) fn open_checked(
    path: &Path,
    offset: u64,
    max_side_px: u32,
) -> Result<ffmpeg::format::context::Input, OpenError> {
    let path = c_source(path, offset).ok_or(OpenError::BadPath)?;
    let mut context = open_header(&path).map_err(OpenError::NotAContainer)?;
    // SAFETY: `context` was opened above and is closed on every path out of this function
    // but the last, where `Input` takes it over.
    if let Some((width_px, height_px)) = unsafe { largest_declared(context) }
        && (width_px > max_side_px || height_px > max_side_px)
    {
        // SAFETY: `context` came from `avformat_open_input` and is closed once.
        unsafe { ffi::avformat_close_input(&raw mut context) };
        return Err(OpenError::TooLarge {
            width_px,
            height_px,
        });
    }
    // SAFETY: as above; `avformat_find_stream_info` takes an opened context and no options.
    let probed = unsafe { ffi::avformat_find_stream_info(context, ptr::null_mut()) };
    if probed < 0 {
        // SAFETY: `context` came from `avformat_open_input` and is closed once.
        unsafe { ffi::avformat_close_input(&raw mut context) };
        return Err(OpenError::Probe(ffmpeg::Error::from(probed)));
    }
    // SAFETY: an opened, probed input context, owned from here by `Input`, which closes it.
    Ok(unsafe { ffmpeg::format::context::Input::wrap(context) })
}

/// The largest width and height any video stream of the opened `context` declares.
///
/// # Safety
/// `context` must be a context opened by `avformat_open_input` and not yet closed.
unsafe fn largest_declared(context: *const ffi::AVFormatContext) -> Option<(u32, u32)> {
    // SAFETY: the caller's contract: `streams` holds `nb_streams` valid stream pointers,
    // each with its `codecpar`.
    unsafe {
        let count = (*context).nb_streams as usize;
        let streams = (*context).streams;
        if streams.is_null() {
            return None;
        }
        let mut largest: Option<(u32, u32)> = None;
        for i in 0..count {
            let stream = *streams.add(i);
            if stream.is_null() || (*stream).codecpar.is_null() {
                continue;
            }
            let par = &*(*stream).codecpar;
            if par.codec_type != ffi::AVMediaType::AVMEDIA_TYPE_VIDEO {
                continue;
            }
            let w = u32::try_from(par.width).unwrap_or(0);
            let h = u32::try_from(par.height).unwrap_or(0);
            let (lw, lh) = largest.unwrap_or((0, 0));
            largest = Some((lw.max(w), lh.max(h)));
        }
        largest
    }
}

/// The clip's length as its container's header declares it (its longest video stream's,
/// else the container's), in seconds, read without probing the streams: cheap enough
/// for the photo list. `None` when it is no container, has no video stream or declares no
/// length.
pub(super) fn declared_length_secs(path: &Path) -> Option<f64> {
    let mut context = open_header(&c_path(path)?).ok()?;
    // SAFETY: `context` is opened; read, then closed once.
    let secs = unsafe { declared_secs(context) };
    // SAFETY: `context` came from `avformat_open_input` and is closed once.
    unsafe { ffi::avformat_close_input(&raw mut context) };
    secs
}

/// The largest picture size a video stream of the clip at `path` declares, read from its
/// header alone; `None` when it is no container or declares none.
pub(super) fn declared_size(path: &Path, offset: u64) -> Option<(u32, u32)> {
    let mut context = open_header(&c_source(path, offset)?).ok()?;
    // SAFETY: `context` is opened; read, then closed once.
    let size = unsafe { largest_declared(context) };
    // SAFETY: `context` came from `avformat_open_input` and is closed once.
    unsafe { ffi::avformat_close_input(&raw mut context) };
    size
}

/// The value of the container-level metadata `key` of the clip at `path` (a MOV's `mdta`
/// keys among them), read from its header alone.
pub(super) fn declared_tag(path: &Path, key: &str) -> Option<String> {
    let key = CString::new(key).ok()?;
    let mut context = open_header(&c_path(path)?).ok()?;
    // SAFETY: `context` is opened; its metadata dictionary (possibly null, which
    // `av_dict_get` accepts) is read, the value copied out before the context is closed.
    let value = unsafe {
        let entry = ffi::av_dict_get((*context).metadata, key.as_ptr(), ptr::null(), 0);
        (!entry.is_null() && !(*entry).value.is_null()).then(|| {
            std::ffi::CStr::from_ptr((*entry).value)
                .to_string_lossy()
                .into_owned()
        })
    };
    // SAFETY: `context` came from `avformat_open_input` and is closed once.
    unsafe { ffi::avformat_close_input(&raw mut context) };
    value
}

/// # Safety
/// `context` must be a context opened by `avformat_open_input` and not yet closed.
#[allow(clippy::cast_precision_loss)] // times in ticks are far inside f64's range
unsafe fn declared_secs(context: *const ffi::AVFormatContext) -> Option<f64> {
    // SAFETY: the caller's contract, as in `largest_declared`.
    unsafe {
        let whole = (*context).duration;
        let whole = (whole > 0).then(|| whole as f64 / f64::from(ffi::AV_TIME_BASE));
        let streams = (*context).streams;
        if streams.is_null() {
            return None;
        }
        let (mut longest, mut video): (Option<f64>, bool) = (None, false);
        for i in 0..(*context).nb_streams as usize {
            let stream = *streams.add(i);
            if stream.is_null()
                || (*stream).codecpar.is_null()
                || (*(*stream).codecpar).codec_type != ffi::AVMediaType::AVMEDIA_TYPE_VIDEO
            {
                continue;
            }
            video = true;
            if (*stream).duration <= 0 {
                continue;
            }
            let base = (*stream).time_base;
            let secs = (*stream).duration as f64 * f64::from(base.num) / f64::from(base.den.max(1));
            longest = Some(longest.map_or(secs, |l: f64| l.max(secs)));
        }
        longest.or(whole).filter(|_| video)
    }
}
