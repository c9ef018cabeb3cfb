//! One clip's frame: which one (the one at 1 s, else the first), how it turns upright (the
//! stream's display matrix), what decoding it holds, and its planes averaged down to RGB.

use ffmpeg::format::Pixel;
use ffmpeg_next as ffmpeg;
use image::DynamicImage;
use image::metadata::Orientation;

use super::super::PhotoError;
use super::super::decode::{TilePixels, TileSpec};
use super::super::heif::reduce::{
    Colour, Matrix, Planar, Plane, Window, reduce, reduce_window, reduced_size,
};
use super::super::orient::{stored_rect_from_upright, swaps_axes};
use super::super::tiling::tile_from_crop;
use super::{MAX_PACKETS, Opened, STILL_AT_SECS};
use crate::layout::Rect;

/// How a stream's display matrix turns its stored pictures upright: a rotation by a quarter
/// turn (a phone's portrait clip is stored landscape and turned 90° clockwise). The matrix is
/// 3×3, row-major, 16.16 fixed point in its first two columns; its first row, `(a, b)`, gives
/// the clockwise angle `atan2(b, a)`. A mirrored matrix is read for its rotation only.
pub(super) fn display_orientation(stream: &ffmpeg::format::stream::Stream<'_>) -> Orientation {
    use ffmpeg::codec::packet::side_data::Type;
    let Some(matrix) = stream.side_data().find(|d| d.kind() == Type::DisplayMatrix) else {
        return Orientation::NoTransforms;
    };
    let entry = |i: usize| {
        matrix
            .data()
            .get(4 * i..4 * i + 4)
            .and_then(|b| b.try_into().ok())
            .map_or(0.0, |b| f64::from(i32::from_ne_bytes(b)))
    };
    orientation_of_clockwise(entry(1).atan2(entry(0)).to_degrees())
}

/// The orientation of a clockwise turn of `degrees`, to the nearest quarter turn.
fn orientation_of_clockwise(degrees: f64) -> Orientation {
    // A quarter-turn count in 0..4: small and whole after the rounding.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    match ((degrees / 90.0).round().rem_euclid(4.0)) as u32 {
        1 => Orientation::Rotate90,
        2 => Orientation::Rotate180,
        3 => Orientation::Rotate270,
        _ => Orientation::NoTransforms,
    }
}

/// Bytes a decode of `format` pictures of `(w, h)` holds at once: the frames a decoder keeps
/// for reference (at most 16; as H.264's and HEVC's levels allow, 6 at the largest sizes),
/// the one it decodes, the one kept, and the kept frame averaged (three floats a pixel at
/// most).
pub(super) fn decode_bytes(format: Pixel, (w, h): (u32, u32)) -> u64 {
    /// HEVC level 5's largest picture (4096×2176): 6 reference frames fit at this size.
    const LEVEL_PICTURE_PX: u64 = 8_912_896;
    let pixels = u64::from(w) * u64::from(h);
    let references = (6 * LEVEL_PICTURE_PX / pixels.max(1)).clamp(6, 16);
    // Bytes a pixel, from the format's bits a pixel and its samples (two bytes a sample
    // above 8 bits); 6 (16-bit 4:4:4) for a format not known yet.
    let per_pixel_x2 = format.descriptor().map_or(12, |d| {
        let chroma: u64 = if d.nb_components() >= 3 {
            4 >> (d.log2_chroma_w() + d.log2_chroma_h()).min(2)
        } else {
            0
        };
        let alpha = if d.nb_components() == 4 || d.nb_components() == 2 {
            2
        } else {
            0
        };
        let samples_x2 = 2 + chroma + alpha;
        let bits = u64::try_from(d.bits_per_pixel()).unwrap_or(0);
        if 2 * bits > 8 * samples_x2 {
            2 * samples_x2
        } else {
            samples_x2
        }
    });
    let frame = pixels * per_pixel_x2 / 2;
    (references + 2) * frame + pixels * 12
}

/// Decodes the frame the tile shows: the first at or after 1 s into a clip at least that
/// long (from its first frame's time; decoded from the key frame before it), else the first;
/// the last one decoded when the clip ends or stops decoding first (a clip cut off before
/// 1 s: decoded again from its start when nothing decodes from 1 s on). Damaged packets are
/// passed over, as players do.
pub(super) fn still_frame(opened: &mut Opened) -> Result<ffmpeg::frame::Video, PhotoError> {
    let target_secs =
        (opened.duration_secs >= STILL_AT_SECS).then_some(opened.start_secs + STILL_AT_SECS);
    let mut packets = 0;
    if let Some(target) = target_secs {
        // In FFmpeg's microseconds: far inside i64 for any clip's times.
        #[allow(clippy::cast_possible_truncation)]
        let at = (target * f64::from(ffmpeg::ffi::AV_TIME_BASE)) as i64;
        // Not found (no index): decode from the start instead.
        if opened.input.seek(at, ..at).is_err() {
            let _ = opened.input.seek(0, ..1);
        }
        let (found, read) = decode_until(opened, target_secs);
        packets += read;
        if let Some(frame) = found {
            return Ok(frame);
        }
        let _ = opened.input.seek(0, ..1);
        opened.decoder.flush();
    }
    let (found, read) = decode_until(opened, target_secs);
    found.ok_or_else(|| {
        PhotoError::Damaged(format!(
            "no frame of its video could be decoded ({} packets read)",
            packets + read
        ))
    })
}

/// Decodes from where the input is until a frame at or after `target_secs` (None: the first
/// frame); the last frame decoded when the clip ends first. Also the packets read.
fn decode_until(
    opened: &mut Opened,
    target_secs: Option<f64>,
) -> (Option<ffmpeg::frame::Video>, usize) {
    let mut frame = ffmpeg::frame::Video::empty();
    let mut kept: Option<ffmpeg::frame::Video> = None;
    let time_base_secs = opened.time_base_secs;
    let reached = |frame: &ffmpeg::frame::Video| {
        #[allow(clippy::cast_precision_loss)] // timestamps in ticks, far inside f64's range
        let secs = frame.timestamp().map(|t| t as f64 * time_base_secs);
        // Half a millisecond early counts: timestamps are rounded to their time base.
        match (target_secs, secs) {
            (None, _) => true,
            (Some(target), Some(secs)) => secs >= target - 5e-4,
            (Some(_), None) => false,
        }
    };
    let mut ended = false;
    let mut packets = 0;
    loop {
        while opened.decoder.receive_frame(&mut frame).is_ok() {
            let done = reached(&frame);
            let decoded = std::mem::replace(&mut frame, ffmpeg::frame::Video::empty());
            if done {
                return (Some(decoded), packets);
            }
            kept = Some(decoded);
        }
        if ended || packets >= MAX_PACKETS {
            break;
        }
        if let Some((stream, packet)) = opened.input.packets().next() {
            if stream.index() == opened.stream {
                packets += 1;
                let _ = opened.decoder.send_packet(&packet);
            }
        } else {
            ended = true;
            let _ = opened.decoder.send_eof();
        }
    }
    (kept, packets)
}

/// The planes of `frame` averaged over `factor × factor` blocks into 8-bit RGB, with the
/// frame's matrix and range. Pictures in another layout (packed, paletted, RGB planes) are
/// refused with their format's name.
pub(super) fn reduced(
    frame: &ffmpeg::frame::Video,
    factor: u32,
) -> Result<DynamicImage, PhotoError> {
    reduce(&planar(frame, planar_bits_of(frame)?), factor).ok_or_else(no_planes)
}

/// `frame` made into a tile of `spec`, as [`reduced`] turned upright by `orientation` and
/// then cropped and scaled like a photo would make it, but averaging only the part of the
/// frame the crop keeps and the resampling filter's reach around it: a 16:9 frame in a 4:3
/// tile skips a quarter of its samples.
pub(super) fn tile_of(
    frame: &ffmpeg::frame::Video,
    factor: u32,
    orientation: Orientation,
    spec: &TileSpec,
) -> Result<TilePixels, PhotoError> {
    let planar = planar(frame, planar_bits_of(frame)?);
    let (w, h) = reduced_size(&planar, factor).ok_or_else(no_planes)?;
    let (w, h) = (f64::from(side(w)?), f64::from(side(h)?));
    let upright = if swaps_axes(orientation) {
        (h, w)
    } else {
        (w, h)
    };
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // sides of a tile
    let crop = spec.crop(upright.0 as u32, upright.1 as u32);
    // Lanczos-3 reads 3 source pixels either side at the crop's scale to the tile, and the
    // resizer reads past the crop where the image goes on.
    let scale = (crop.width / f64::from(spec.width_px))
        .max(crop.height / f64::from(spec.height_px))
        .max(1.0);
    let reach = (3.0 * scale).ceil() + 1.0;
    let (x0, y0) = (
        (crop.x.floor() - reach).max(0.0),
        (crop.y.floor() - reach).max(0.0),
    );
    let (x1, y1) = (
        (crop.right().ceil() + reach).min(upright.0),
        (crop.bottom().ceil() + reach).min(upright.1),
    );
    let part = Rect {
        x: x0,
        y: y0,
        width: x1 - x0,
        height: y1 - y0,
    };
    let stored = stored_rect_from_upright(part, orientation, upright.0, upright.1);
    // Whole pixels: the part's corners are, and turning an image maps them onto whole ones.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let window = Window {
        x0: stored.x.round() as usize,
        y0: stored.y.round() as usize,
        x1: stored.right().round() as usize,
        y1: stored.bottom().round() as usize,
    };
    let mut image = reduce_window(&planar, factor, window).ok_or_else(no_planes)?;
    image.apply_orientation(orientation);
    let crop_in_part = Rect {
        x: crop.x - x0,
        y: crop.y - y0,
        ..crop
    };
    // Upright already, and taken as sRGB.
    Ok(tile_from_crop(
        &image,
        crop_in_part,
        Orientation::NoTransforms,
        None,
        spec,
    ))
}

fn no_planes() -> PhotoError {
    PhotoError::Damaged("its frame has no picture planes".into())
}

/// A reduced frame's side as the image crate counts pixels.
fn side(px: usize) -> Result<u32, PhotoError> {
    u32::try_from(px).map_err(|_| PhotoError::TooLarge(format!("a frame {px} pixels wide")))
}

/// The bits a sample of `frame`'s pictures; pictures in a layout this does not read are
/// refused with their format's name.
fn planar_bits_of(frame: &ffmpeg::frame::Video) -> Result<u32, PhotoError> {
    planar_bits(frame.format()).ok_or_else(|| {
        PhotoError::Unsupported(format!(
            "its video's pictures are {}, not planar YUV or grey",
            frame
                .format()
                .descriptor()
                .map_or("of an unknown layout", |d| d.name())
        ))
    })
}

/// The bits a sample of the planar YUV or grey `format`, when it is one this reads (an
/// alpha plane is passed over: a clip's tile is opaque; little-endian above 8 bits, as
/// decoders give them on every machine gridreel runs on).
fn planar_bits(format: Pixel) -> Option<u32> {
    if cfg!(target_endian = "big") {
        return matches!(format, Pixel::YUV420P | Pixel::YUVJ420P).then_some(8);
    }
    match format {
        Pixel::YUV420P
        | Pixel::YUVJ420P
        | Pixel::YUV422P
        | Pixel::YUVJ422P
        | Pixel::YUV444P
        | Pixel::YUVJ444P
        | Pixel::YUVA420P
        | Pixel::YUVA444P
        | Pixel::GRAY8 => Some(8),
        Pixel::YUV420P10LE
        | Pixel::YUV422P10LE
        | Pixel::YUV444P10LE
        | Pixel::YUVA444P10LE
        | Pixel::GRAY10LE => Some(10),
        Pixel::YUV420P12LE
        | Pixel::YUV422P12LE
        | Pixel::YUV444P12LE
        | Pixel::YUVA444P12LE
        | Pixel::GRAY12LE => Some(12),
        _ => None,
    }
}

/// `frame`'s planes as [`reduce`] reads them.
fn planar(frame: &ffmpeg::frame::Video, bits: u32) -> Planar<'_> {
    use ffmpeg::color::{Range, Space};
    let full_range = frame.color_range() == Range::JPEG
        || matches!(
            frame.format(),
            Pixel::YUVJ420P | Pixel::YUVJ422P | Pixel::YUVJ444P
        );
    // H.273 matrix codes; unspecified: BT.709 for HD sizes and up, else BT.601, as players do.
    let matrix = match frame.color_space() {
        Space::BT709 => 1,
        Space::BT2020NCL | Space::BT2020CL => 9,
        Space::BT470BG | Space::SMPTE170M => 6,
        Space::RGB => 0,
        _ if frame.width() >= 1280 || frame.height() >= 720 => 1,
        _ => 6,
    };
    let plane = |i: usize| Plane {
        bytes: frame.data(i),
        stride: frame.stride(i),
        width: frame.plane_width(i) as usize,
        height: frame.plane_height(i) as usize,
        bits,
    };
    let grey = frame.planes() == 1;
    Planar {
        colour: if grey {
            Colour::Grey(full_range)
        } else {
            Colour::YCbCr(Matrix::from_nclx(matrix, full_range))
        },
        planes: (0..frame.planes().min(3)).map(plane).collect(),
        alpha: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_turns_round_to_the_nearest() {
        assert_eq!(orientation_of_clockwise(90.0), Orientation::Rotate90);
        assert_eq!(orientation_of_clockwise(-90.0), Orientation::Rotate270);
        assert_eq!(orientation_of_clockwise(179.0), Orientation::Rotate180);
        assert_eq!(orientation_of_clockwise(-180.0), Orientation::Rotate180);
        assert_eq!(orientation_of_clockwise(2.0), Orientation::NoTransforms);
        assert_eq!(
            orientation_of_clockwise(f64::NAN),
            Orientation::NoTransforms
        );
    }

    /// Averaging only the part of a frame its crop keeps gives the very tile that averaging
    /// the whole frame, turning it upright, then cropping and scaling it gives: every quarter
    /// turn, crops anchored, centred on a focus and (at the frame's aspect) whole, several
    /// factors.
    #[test]
    fn a_tile_from_the_crop_alone_equals_one_from_the_whole_frame() {
        use crate::settings::{Aspect, Color, CropAnchor, Focus};
        crate::media::init().expect("FFmpeg");
        let (w, h) = (96u32, 54u32);
        let mut frame = ffmpeg::frame::Video::new(Pixel::YUV420P, w, h);
        for i in 0..3 {
            let stride = frame.stride(i);
            for (n, byte) in frame.data_mut(i).iter_mut().enumerate() {
                let (x, y) = (n % stride, n / stride);
                *byte = ((x * 37 + y * 101 + i * 53 + x * y) % 220 + 16) as u8;
            }
        }
        let spec = |aspect: Aspect, anchor, focus| TileSpec {
            width_px: 24,
            height_px: 18,
            aspect,
            anchor,
            focus,
            background: Color::rgb(0, 0, 0),
        };
        let specs = [
            spec(Aspect::new(4.0, 3.0), CropAnchor::Center, None),
            spec(Aspect::new(4.0, 3.0), CropAnchor::Left, None),
            spec(Aspect::new(3.0, 4.0), CropAnchor::Bottom, None),
            spec(
                Aspect::new(4.0, 3.0),
                CropAnchor::Center,
                Some(Focus { x: 0.8, y: 0.3 }),
            ),
            spec(Aspect::new(16.0, 9.0), CropAnchor::Center, None),
        ];
        let turns = [
            Orientation::NoTransforms,
            Orientation::Rotate90,
            Orientation::Rotate180,
            Orientation::Rotate270,
        ];
        for (spec, orientation, factor) in specs.iter().flat_map(|s| {
            turns
                .iter()
                .flat_map(move |o| [1, 2, 3].map(|f| (s, *o, f)))
        }) {
            let mut whole = reduced(&frame, factor).expect("reduced");
            whole.apply_orientation(orientation);
            let expected = super::super::super::tiling::tile_from_image_managed(
                &whole,
                Orientation::NoTransforms,
                None,
                spec,
            );
            let tile = tile_of(&frame, factor, orientation, spec).expect("a tile");
            assert!(
                tile == expected,
                "{:?} {orientation:?} by {factor}: the tiles differ",
                (spec.aspect, spec.anchor, spec.focus)
            );
        }
    }

    #[test]
    fn decode_bytes_count_the_reference_frames() {
        // 1080p 8-bit 4:2:0: 1.5 bytes a pixel, 16 references + 2.
        let hd = decode_bytes(Pixel::YUV420P, (1920, 1080));
        assert_eq!(hd, 18 * 1920 * 1080 * 3 / 2 + 1920 * 1080 * 12);
        // 4K 10-bit: 3 bytes a pixel, 6 references + 2: under the 384 MiB every decode has.
        let uhd = decode_bytes(Pixel::YUV420P10LE, (3840, 2160));
        assert_eq!(uhd, 8 * 3840 * 2160 * 3 + 3840 * 2160 * 12);
        assert!(uhd < super::super::super::MAX_PHOTO_ALLOC_BYTES);
    }
}
