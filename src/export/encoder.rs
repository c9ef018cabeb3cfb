//! The FFmpeg side of export: choose and open an encoder for the format (H.264, H.265, AV1,
//! VP9, ProRes or GIF, or any video encoder FFmpeg has), write it into MP4, MOV, WebM,
//! Matroska or GIF with BT.709 tags (and `+faststart` for MP4/MOV), one frame at a time.

use std::path::Path;

use ffmpeg::format::Pixel;
use ffmpeg::{Dictionary, Packet, Rational, codec, color, encoder, format};
use ffmpeg_next as ffmpeg;

use super::ExportError;
use super::audio::AudioTrack;
use super::format::{Container, Format, codec_quality};
use super::gif::{Indexed, Quantizer};
use super::threading::{self, EncoderThreads};
use crate::render::{PixelLayout, VideoFrame};
use crate::settings::{Settings, VideoCodec, VideoSettings};

/// The encoders `auto` may use for `codec` that this FFmpeg build has (hardware ones may
/// still fail to open).
#[must_use]
pub fn available_encoders(codec: VideoCodec) -> Vec<String> {
    let format = Format {
        container: Container::Mkv,
        codec,
    };
    format
        .encoder_candidates(&crate::settings::EncoderChoice::Auto)
        .into_iter()
        .filter(|name| crate::media::has_encoder(name))
        .collect()
}

/// Tries each candidate of `video.encoder` in turn with `open`; the first that opens wins.
/// Returns it and why each one before it was passed over.
fn first_that_opens<T>(
    format: Format,
    video: &VideoSettings,
    mut open: impl FnMut(&str) -> Result<T, ExportError>,
) -> Result<(T, Fallbacks), ExportError> {
    crate::media::init()?;
    let mut fallbacks = Vec::new();
    let names = format.encoder_candidates(&video.encoder);
    let last = names.len() - 1;
    for (i, name) in names.iter().enumerate() {
        match open(name) {
            Ok(opened) => return Ok((opened, fallbacks)),
            Err(e) if i < last => fallbacks.push(format!("{name}: {e}")),
            Err(e) => return Err(e),
        }
    }
    Err(ExportError::UnknownEncoder(video.encoder.to_string()))
}

/// An open encoder writing into a video file.
pub struct VideoWriter {
    output: format::context::Output,
    encoder: encoder::Video,
    stream_index: usize,
    stream_time_base: Rational,
    encoder_time_base: Rational,
    frame: ffmpeg::frame::Video,
    packet: Packet,
    name: String,
    frames_written: i64,
    /// End of stream was sent (see [`end_stream`]).
    ended: bool,
    /// The music, written up to the video's time after each frame.
    audio: Option<AudioTrack>,
    fps: u32,
    /// GIF only: the palette of each frame, and its buffers.
    quantizer: Option<(Quantizer, Indexed)>,
}

/// What happened to encoders that were tried and not used.
pub type Fallbacks = Vec<String>;

impl VideoWriter {
    /// Opens the first encoder of `video.encoder` for `format` that works, writing `format`'s
    /// container to `path` (whatever the file is named). Returns the writer and why earlier
    /// candidates were passed over.
    /// With `settings.audio.file`, the music goes into the same file (see [`AudioTrack`]).
    pub fn create(
        path: &Path,
        format: Format,
        (width_px, height_px): (u32, u32),
        fps: u32,
        settings: &Settings,
        threads: EncoderThreads,
    ) -> Result<(Self, Fallbacks), ExportError> {
        first_that_opens(format, &settings.video, |name| {
            Self::open(
                path,
                format,
                name,
                (width_px, height_px),
                fps,
                settings,
                threads,
            )
        })
    }

    /// Opens the encoder `create` would use, at this frame size, without writing anything:
    /// a bad name or an encoder that cannot open is found before any photo is decoded.
    pub fn probe(
        format: Format,
        (width_px, height_px): (u32, u32),
        fps: u32,
        video: &VideoSettings,
    ) -> Result<(String, Fallbacks), ExportError> {
        first_that_opens(format, video, |name| {
            let size = (width_px, height_px);
            let one = EncoderThreads::defaults(1);
            let (mut encoder, _, pixel) = open_encoder(name, format, size, fps, video, one, true)?;
            if pixel == Pixel::PAL8 {
                // The GIF encoder needs no end of stream, and a blank frame has no palette.
                return Ok(name.to_owned());
            }
            let mut blank = ffmpeg::frame::Video::new(pixel, width_px, height_px);
            end_stream(&mut encoder, &mut blank, 0);
            Ok(name.to_owned())
        })
    }

    fn open(
        path: &Path,
        video_format: Format,
        name: &str,
        (width_px, height_px): (u32, u32),
        fps: u32,
        settings: &Settings,
        threads: EncoderThreads,
    ) -> Result<Self, ExportError> {
        let video = &settings.video;
        let container = video_format.container;
        let mut output =
            format::output_as(path, container.muxer()).map_err(|e| ExportError::Write {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
        let global_header = output
            .format()
            .flags()
            .contains(format::Flags::GLOBAL_HEADER);
        let (encoder, codec, pixel) = open_encoder(
            name,
            video_format,
            (width_px, height_px),
            fps,
            video,
            threads,
            global_header,
        )?;
        let open_err = |e: ffmpeg::Error| ExportError::EncoderOpen {
            name: name.to_owned(),
            reason: e.to_string(),
        };
        let encoder_time_base = Rational::new(1, i32::try_from(fps).unwrap_or(30));
        let stream_index = {
            let mut stream = output.add_stream(codec).map_err(open_err)?;
            stream.set_parameters(&encoder);
            stream.set_time_base(encoder_time_base);
            if codec.id() == codec::Id::HEVC && container.faststart() {
                tag_hvc1(&mut stream);
            }
            stream.index()
        };
        let mut audio = match &settings.audio.file {
            Some(music) => Some(AudioTrack::open(
                &settings.audio,
                music,
                settings.frame_count() as f64 / f64::from(fps),
                container,
                &mut output,
            )?),
            None => None,
        };
        let mut header_options = Dictionary::new();
        if container.faststart() {
            header_options.set("movflags", "+faststart");
        }
        output
            .write_header_with(header_options)
            .map_err(|e| ExportError::Write {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
        let stream_time_base = output
            .stream(stream_index)
            .map_or(encoder_time_base, |s| s.time_base());
        if let Some(track) = audio.as_mut() {
            track.header_written(&output);
        }
        Ok(Self {
            output,
            encoder,
            stream_index,
            stream_time_base,
            encoder_time_base,
            frame: tagged_frame(pixel, width_px, height_px),
            packet: Packet::empty(),
            name: name.to_owned(),
            frames_written: 0,
            ended: false,
            audio,
            fps,
            quantizer: (pixel == Pixel::PAL8).then(Default::default),
        })
    }

    /// The encoder's FFmpeg name (e.g. `libx264`, `h264_nvenc`).
    #[must_use]
    pub fn encoder_name(&self) -> &str {
        &self.name
    }

    /// Encodes one frame; its timestamp is its index.
    pub fn write(&mut self, video: &VideoFrame) -> Result<(), ExportError> {
        make_writable(&mut self.frame);
        match &mut self.quantizer {
            Some((quantizer, indexed)) => {
                quantizer.quantize(&video.data, video.width_px, video.height_px, indexed);
                fill_indexed(&mut self.frame, indexed, video.width_px as usize);
            }
            None => fill_frame(&mut self.frame, video),
        }
        self.frame.set_pts(Some(self.frames_written));
        self.frames_written += 1;
        self.encoder
            .send_frame(&self.frame)
            .map_err(|e| self.encode_err(e))?;
        self.drain()?;
        if let Some(track) = self.audio.as_mut() {
            let secs = self.frames_written as f64 / f64::from(self.fps);
            track.write_until(&mut self.output, secs)?;
        }
        Ok(())
    }

    /// Flushes the encoder and finishes the file (the MP4 index moves to the front here).
    pub fn finish(mut self) -> Result<u64, ExportError> {
        if self.frames_written == 0 {
            // Nothing to finish (a cancelled export): dropping ends the stream safely.
            return Ok(0);
        }
        self.ended = true;
        self.encoder.send_eof().map_err(|e| self.encode_err(e))?;
        self.drain()?;
        if let Some(track) = self.audio.as_mut() {
            track.finish(&mut self.output)?;
        }
        self.output
            .write_trailer()
            .map_err(|e| self.encode_err(e))?;
        Ok(u64::try_from(self.frames_written).unwrap_or(0))
    }

    fn drain(&mut self) -> Result<(), ExportError> {
        while self.encoder.receive_packet(&mut self.packet).is_ok() {
            self.packet.set_stream(self.stream_index);
            // Constant frame rate: every packet lasts one frame. Without it the MP4 muxer
            // gives the last frame no duration and players drop it.
            if self.packet.duration() <= 0 {
                self.packet.set_duration(1);
            }
            self.packet
                .rescale_ts(self.encoder_time_base, self.stream_time_base);
            self.packet
                .write_interleaved(&mut self.output)
                .map_err(|source| ExportError::Encode {
                    what: "writing the video".to_owned(),
                    source,
                })?;
        }
        Ok(())
    }

    fn encode_err(&self, source: ffmpeg::Error) -> ExportError {
        ExportError::Encode {
            what: self.name.clone(),
            source,
        }
    }
}

/// Finds encoder `name` and opens it for `width_px × height_px` at `fps` with BT.709 tags.
fn open_encoder(
    name: &str,
    format: Format,
    (width_px, height_px): (u32, u32),
    fps: u32,
    video: &VideoSettings,
    threads: EncoderThreads,
    global_header: bool,
) -> Result<(encoder::Video, ffmpeg::Codec, Pixel), ExportError> {
    // FFmpeg takes C strings: a NUL byte would end the name early (the binding panics).
    if name.contains('\0') {
        return Err(ExportError::UnknownEncoder(name.escape_debug().to_string()));
    }
    let codec = encoder::find_by_name(name)
        .filter(ffmpeg_next::Codec::is_video)
        .ok_or_else(|| ExportError::UnknownEncoder(name.to_owned()))?;
    let layout = format.pixel_layout();
    let pixel = input_format(codec, layout).ok_or_else(|| ExportError::EncoderOpen {
        name: name.to_owned(),
        reason: format!(
            "does not accept {} frames",
            match layout {
                PixelLayout::Yuv420 => "yuv420p or nv12",
                PixelLayout::Yuv422P10 => "yuv422p10le",
                PixelLayout::Rgba => "pal8",
            }
        ),
    })?;
    let open_err = |e: ffmpeg::Error| ExportError::EncoderOpen {
        name: name.to_owned(),
        reason: e.to_string(),
    };
    let encoder_time_base = Rational::new(1, i32::try_from(fps).unwrap_or(30));
    let mut ctx = codec::context::Context::new_with_codec(codec)
        .encoder()
        .video()
        .map_err(open_err)?;
    ctx.set_width(width_px);
    ctx.set_height(height_px);
    ctx.set_format(pixel);
    ctx.set_time_base(encoder_time_base);
    ctx.set_frame_rate(Some(Rational::new(i32::try_from(fps).unwrap_or(30), 1)));
    ctx.set_colorspace(color::Space::BT709);
    ctx.set_color_range(color::Range::MPEG);
    ctx.set_color_primaries(color::Primaries::BT709);
    ctx.set_color_transfer_characteristic(color::TransferCharacteristic::BT709);
    // A keyframe every 2 s keeps scrubbing the result snappy.
    ctx.set_gop(fps.saturating_mul(2));
    if global_header {
        ctx.set_flags(codec::Flags::GLOBAL_HEADER);
    }
    let encoder = ctx
        .open_with(encoder_options(name, format.codec, video, threads))
        .map_err(open_err)?;
    Ok((encoder, codec, pixel))
}

/// A frame buffer tagged BT.709, limited range: encoders that write colour from each frame
/// (prores_ks) and not from the context tag their output too.
fn tagged_frame(pixel: Pixel, width_px: u32, height_px: u32) -> ffmpeg::frame::Video {
    let mut frame = ffmpeg::frame::Video::new(pixel, width_px, height_px);
    frame.set_color_space(color::Space::BT709);
    frame.set_color_range(color::Range::MPEG);
    frame.set_color_primaries(color::Primaries::BT709);
    frame.set_color_transfer_characteristic(color::TransferCharacteristic::BT709);
    frame
}

/// The encoder's input format for frames of `layout`: for 8-bit 4:2:0, yuv420p when the
/// encoder takes it, else nv12 (Quick Sync); yuv422p10le for 10-bit 4:2:2; palette-indexed
/// for RGBA (GIF). None when it takes none of them.
fn input_format(codec: ffmpeg::Codec, layout: PixelLayout) -> Option<Pixel> {
    let video = codec.video().ok()?;
    let wanted: &[Pixel] = match layout {
        PixelLayout::Yuv420 => &[Pixel::YUV420P, Pixel::NV12],
        PixelLayout::Yuv422P10 => &[Pixel::YUV422P10LE],
        PixelLayout::Rgba => &[Pixel::PAL8],
    };
    let Some(formats) = video.formats() else {
        // Encoders that do not list formats take yuv420p.
        return (layout == PixelLayout::Yuv420).then_some(Pixel::YUV420P);
    };
    let formats: Vec<Pixel> = formats.collect();
    wanted.iter().copied().find(|p| formats.contains(p))
}

fn encoder_options(
    name: &str,
    codec: VideoCodec,
    video: &VideoSettings,
    threads: EncoderThreads,
) -> Dictionary<'static> {
    let mut options = Dictionary::new();
    let crf = codec_quality(codec, video.quality_crf).to_string();
    match name {
        "libx264" | "libx265" => {
            options.set("preset", video.x264_preset.name());
            options.set("crf", &crf);
        }
        "libvpx-vp9" => {
            // Constant quality (bitrate 0), rows encoded in parallel, realtime speed 6: on a
            // 10 s 1080p grid at CRF 25 it took 3.2 s for 1.65 MB, against 2.8 s / 1.89 MB at
            // speed 8, 3.7 s / 1.57 MB at 5, and 14.4 s / 0.90 MB with `good` at 5 (same PSNR,
            // 51 dB; x264 veryfast: 3.1 s). Measured in the README.
            options.set("crf", &crf);
            options.set("b", "0");
            options.set("deadline", "realtime");
            options.set("cpu-used", "6");
            options.set("row-mt", "1");
            // Realtime mode gains nothing from frames held back: without them 116 MB less at
            // 1080p, the same speed and size (see `threading`).
            options.set("lag-in-frames", "0");
        }
        "prores_ks" => {
            // 422 HQ, tagged as Apple's own encoder so that Final Cut and QuickTime take it
            // without a transcode prompt.
            options.set("profile", "hq");
            options.set("vendor", "apl0");
        }
        "libsvtav1" => {
            options.set("crf", &crf);
            options.set("preset", "10");
        }
        "libaom-av1" => options.set("crf", &crf),
        "gif" => {
            // Every frame has its own palette (see `fill_indexed`), but FFmpeg's GIF encoder
            // crops each frame to what changed and makes unchanged pixels transparent by
            // comparing palette indices with the previous frame's: only right when both
            // frames share a palette. It skips that for a frame whose palette differs from
            // the FIRST frame's, not the previous one's, so a frame that repeats the first
            // palette after others (a blank start and a blank end) came out with the
            // previous frame's colours in places. Off: whole frames, each with its colours.
            options.set("gifflags", "-offsetting-transdiff");
        }
        "h264_nvenc" | "hevc_nvenc" | "av1_nvenc" => {
            options.set("rc", "vbr");
            options.set("cq", &crf);
        }
        "h264_qsv" | "hevc_qsv" | "av1_qsv" | "vp9_qsv" => options.set("global_quality", &crf),
        "h264_videotoolbox" | "hevc_videotoolbox" => {
            options.set("q:v", &(100 - video.quality_crf.min(51) * 2).to_string());
        }
        _ => {}
    }
    // Frame threads or sliced, look-ahead: chosen by the memory budget (see `threading`).
    if let Some((key, value)) = threading::options(name, threads.threading) {
        options.set(key, value);
    }
    if threads.count > 0 {
        options.set("threads", &threads.count.to_string());
    }
    options
}

impl Drop for VideoWriter {
    /// A writer dropped before [`VideoWriter::finish`] (a cancelled or failed export) still
    /// ends its stream: see [`end_stream`].
    fn drop(&mut self) {
        if !self.ended {
            end_stream(&mut self.encoder, &mut self.frame, self.frames_written);
        }
    }
}

/// Sends end of stream and drains what comes out, before an encoder is closed: SVT-AV1 (in
/// FFmpeg 5.1) waits forever in its close when the stream was never ended, and in its end of
/// stream when it never had a frame, so a stream without frames first gets `frame` (whatever
/// it holds: nothing is written).
fn end_stream(encoder: &mut encoder::Video, frame: &mut ffmpeg::frame::Video, frames_sent: i64) {
    if frames_sent == 0 {
        frame.set_pts(Some(0));
        let _ = encoder.send_frame(frame);
    }
    if encoder.send_eof().is_ok() {
        let mut packet = Packet::empty();
        while encoder.receive_packet(&mut packet).is_ok() {}
    }
}

/// Tags an HEVC stream `hvc1` (parameter sets in the sample description) instead of FFmpeg's
/// default `hev1`: Apple's players open only `hvc1`.
fn tag_hvc1(stream: &mut ffmpeg::format::stream::StreamMut<'_>) {
    let tag = u32::from_le_bytes(*b"hvc1");
    // SAFETY: `stream` is a live stream of an output context we own; codecpar is allocated
    // with the stream, and codec_tag is a plain integer the muxer reads at write_header.
    #[allow(unsafe_code)]
    unsafe {
        (*(*stream.as_mut_ptr()).codecpar).codec_tag = tag;
    }
}

/// Gives the frame its own buffers if the encoder still references the previous ones.
fn make_writable(frame: &mut ffmpeg::frame::Video) {
    // SAFETY: `frame` owns a valid AVFrame; av_frame_make_writable only replaces its buffers
    // with private copies when they are shared, keeping size and format.
    #[allow(unsafe_code)]
    unsafe {
        ffmpeg::ffi::av_frame_make_writable(frame.as_mut_ptr());
    }
}

/// Copies the planes into the frame's (row strides may differ), interleaving the chroma for
/// nv12.
fn fill_frame(frame: &mut ffmpeg::frame::Video, video: &VideoFrame) {
    let (y, u, v) = video.planes();
    let [(y_row, rows), (c_row, c_rows), _] = video.layout.planes(video.width_px, video.height_px);
    let copy_plane =
        |frame: &mut ffmpeg::frame::Video, index: usize, src: &[u8], row: usize, rows: usize| {
            let stride = frame.stride(index);
            let dst = frame.data_mut(index);
            for r in 0..rows {
                dst[r * stride..r * stride + row].copy_from_slice(&src[r * row..(r + 1) * row]);
            }
        };
    copy_plane(frame, 0, y, y_row, rows);
    if frame.format() == Pixel::NV12 {
        let stride = frame.stride(1);
        let dst = frame.data_mut(1);
        for r in 0..c_rows {
            let row = &mut dst[r * stride..r * stride + 2 * c_row];
            for x in 0..c_row {
                row[2 * x] = u[r * c_row + x];
                row[2 * x + 1] = v[r * c_row + x];
            }
        }
    } else {
        copy_plane(frame, 1, u, c_row, c_rows);
        copy_plane(frame, 2, v, c_row, c_rows);
    }
}

/// Writes a palette-indexed frame: the indices into plane 0, and the palette (opaque
/// 0xAARRGGBB words, unused entries opaque black) into plane 1, as FFmpeg's pal8 has it.
/// Unused entries must be opaque: FFmpeg's GIF encoder takes the first frame's palette
/// entry of lowest alpha, when below 128, as the transparent index of the whole file, and
/// writes every pixel of that index in every later frame as transparent (a flat first
/// frame has 255 unused entries, so index 1 was transparent in each frame after it).
fn fill_indexed(frame: &mut ffmpeg::frame::Video, indexed: &Indexed, width_px: usize) {
    let stride = frame.stride(0);
    let dst = frame.data_mut(0);
    for (r, src) in indexed.indices.chunks_exact(width_px).enumerate() {
        dst[r * stride..r * stride + width_px].copy_from_slice(src);
    }
    let mut palette = [0xff00_0000u32; 256];
    for (word, &[r, g, b]) in palette.iter_mut().zip(&indexed.palette) {
        *word = u32::from_be_bytes([0xff, r, g, b]);
    }
    // SAFETY: for a palette format FFmpeg's frame buffers (av_frame_get_buffer, made
    // writable above) give data[1] a 256-entry table of native-endian u32 (1,024 bytes),
    // which ffmpeg-next's plane accessors do not expose; we write exactly that many bytes.
    #[allow(unsafe_code)]
    unsafe {
        let table = (*frame.as_mut_ptr()).data[1];
        if !table.is_null() {
            std::ptr::copy_nonoverlapping(palette.as_ptr().cast::<u8>(), table, 1024);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: u32 = 96;
    const H: u32 = 64;

    fn rgba_frame(colour: impl Fn(u32, u32) -> [u8; 3]) -> VideoFrame {
        let mut frame = VideoFrame::with_layout(PixelLayout::Rgba, W, H);
        for (i, pixel) in frame.data.chunks_exact_mut(4).enumerate() {
            let (x, y) = (i as u32 % W, i as u32 / W);
            let [r, g, b] = colour(x, y);
            pixel.copy_from_slice(&[r, g, b, 255]);
        }
        frame
    }

    /// Every frame of the GIF at `path` as players show it (each composited onto what the
    /// earlier ones left), RGBA, decoded by the FFmpeg we link.
    fn decode_gif(path: &Path) -> Vec<Vec<u8>> {
        let mut input = format::input(path).unwrap();
        let stream = input.streams().best(ffmpeg::media::Type::Video).unwrap();
        let index = stream.index();
        let context = codec::context::Context::from_parameters(stream.parameters()).unwrap();
        let mut decoder = context.decoder().video().unwrap();
        let mut frames = Vec::new();
        let mut frame = ffmpeg::frame::Video::empty();
        let mut take = |decoder: &mut ffmpeg::decoder::Video, frames: &mut Vec<Vec<u8>>| {
            while decoder.receive_frame(&mut frame).is_ok() {
                // FFmpeg's GIF decoder gives native-endian 0xAARRGGBB words.
                assert_eq!(frame.format(), Pixel::BGRA, "a little-endian machine");
                let (stride, data) = (frame.stride(0), frame.data(0));
                let mut rgba = Vec::with_capacity((W * H * 4) as usize);
                for row in data.chunks(stride).take(H as usize) {
                    for p in row[..(W * 4) as usize].chunks_exact(4) {
                        rgba.extend_from_slice(&[p[2], p[1], p[0], p[3]]);
                    }
                }
                frames.push(rgba);
            }
        };
        for (stream, packet) in input.packets() {
            if stream.index() == index {
                decoder.send_packet(&packet).unwrap();
                take(&mut decoder, &mut frames);
            }
        }
        decoder.send_eof().unwrap();
        take(&mut decoder, &mut frames);
        frames
    }

    /// A GIF has one palette a frame, and FFmpeg's encoder, made for one palette per file,
    /// must not mix them up: every decoded frame is exactly the frame the quantiser made,
    /// and opaque. The first frame is flat, so its palette has unused entries (once written
    /// as transparent: FFmpeg then made that index transparent in every later frame); then
    /// come frames of 256 colours with palettes of their own; then the first picture again,
    /// whose palette equals the first one (FFmpeg then compared its indices with the
    /// previous frame's, which stood for other colours).
    #[test]
    fn every_gif_frame_shows_exactly_its_own_palette_colours() {
        crate::media::init().unwrap();
        let white = || rgba_frame(|_, _| [255, 255, 255]);
        let colourful = |phase: u32| {
            rgba_frame(move |x, y| {
                let (a, b) = ((x * 255 / (W - 1)) as u8, (y * 255 / (H - 1)) as u8);
                let c = ((x + 2 * y) * 255 / (W + 2 * H)) as u8;
                [[a, b, c], [c, a, b], [b, c, a]][(phase % 3) as usize]
            })
        };
        let frames = [white(), colourful(0), colourful(1), white(), colourful(2)];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("palettes.gif");
        let settings = Settings::default();
        let format = Format::resolve(&path, &settings.video).unwrap();
        let (mut writer, _) = VideoWriter::create(
            &path,
            format,
            (W, H),
            10,
            &settings,
            EncoderThreads::defaults(1),
        )
        .unwrap();
        for frame in &frames {
            writer.write(frame).unwrap();
        }
        writer.finish().unwrap();

        let decoded = decode_gif(&path);
        assert_eq!(decoded.len(), frames.len());
        let mut wrong = Vec::new();
        for (i, (got, frame)) in decoded.iter().zip(&frames).enumerate() {
            let mut indexed = Indexed::default();
            Quantizer::default().quantize(&frame.data, W, H, &mut indexed);
            let palette_len = indexed.palette.len();
            let want = indexed
                .indices
                .iter()
                .map(|&i| indexed.palette[usize::from(i)]);
            let differ = got
                .chunks_exact(4)
                .zip(want)
                .filter(|(g, w)| g[..3] != w[..] || g[3] != 255)
                .count();
            if differ > 0 {
                wrong.push(format!(
                    "frame {i} ({palette_len} colours): {differ} of {} pixels differ",
                    W * H
                ));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }
}
