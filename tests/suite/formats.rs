//! Codecs and containers: the file type picks the container and its natural codec, each
//! codec lands in every container that takes it with BT.709 tags and the exact frame count
//! (`hvc1` for H.265 in MP4/MOV), MP4 and MOV with their index at the front (`+faststart`),
//! and impossible pairs are refused before rendering.

use std::path::Path;

use crate::common;

/// ffprobe's view of the video stream, with its tag.
fn probe(path: &Path) -> String {
    common::ffprobe(
        path,
        "v:0",
        "codec_name,codec_tag_string,pix_fmt,color_space,color_transfer,color_primaries,nb_read_frames",
    )
}

fn render(photos: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--frame", "320x240", "--duration", "1", "--fps", "12"];
    args.extend_from_slice(extra);
    common::render_to(photos, out, &args)
}

#[test]
fn every_codec_in_every_container_that_takes_it() {
    let photos = tempfile::tempdir().unwrap();
    for i in 0..4 {
        common::write_photo(&photos.path().join(format!("p{i}.jpg")), i, 160, 120);
    }
    let out_dir = tempfile::tempdir().unwrap();
    // (file, --codec, codec_name, tag, format_name part)
    let cases = [
        ("a.mp4", None, "h264", Some("avc1"), "mp4"),
        ("b.mov", None, "h264", Some("avc1"), "mov"),
        ("c.webm", None, "vp9", None, "webm"),
        ("d.mkv", None, "h264", None, "matroska"),
        ("e.mp4", Some("h265"), "hevc", Some("hvc1"), "mp4"),
        ("f.mov", Some("h265"), "hevc", Some("hvc1"), "mov"),
        ("g.mp4", Some("av1"), "av1", Some("av01"), "mp4"),
        ("h.webm", Some("av1"), "av1", None, "webm"),
        ("i.mkv", Some("vp9"), "vp9", None, "matroska"),
        ("j.mkv", Some("h265"), "hevc", None, "matroska"),
        ("k.mkv", Some("av1"), "av1", None, "matroska"),
        ("l.mkv", Some("prores"), "prores", None, "matroska"),
        ("m.mov", Some("prores"), "prores", Some("apch"), "mov"),
    ];
    for (name, codec, codec_name, tag, container) in cases {
        let out = out_dir.path().join(name);
        let mut extra = vec![];
        if let Some(codec) = codec {
            extra.extend(["--codec", codec]);
        }
        let run = render(photos.path(), &out, &extra);
        assert!(
            run.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let info = probe(&out);
        assert!(
            info.contains(&format!("codec_name={codec_name}\n")),
            "{name}: {info}"
        );
        if let Some(tag) = tag {
            assert!(
                info.contains(&format!("codec_tag_string={tag}\n")),
                "{name}: {info}"
            );
        }
        assert!(
            info.contains("format_name=") && info.contains(container),
            "{name}: {info}"
        );
        // ProRes 422 HQ is 10-bit 4:2:2; every other codec 8-bit 4:2:0.
        let pix_fmt = if codec == Some("prores") {
            "pix_fmt=yuv422p10le"
        } else {
            "pix_fmt=yuv420p\n"
        };
        for needle in [
            pix_fmt,
            "color_space=bt709",
            "color_transfer=bt709",
            "color_primaries=bt709",
            "nb_read_frames=12",
        ] {
            assert!(info.contains(needle), "{name}: {needle}: {info}");
        }
        // MP4 and MOV: `+faststart`, the index (moov) before the media data (mdat).
        if container == "mp4" || container == "mov" {
            let bytes = std::fs::read(&out).unwrap();
            let at = |atom: &[u8]| bytes.windows(4).position(|w| w == atom);
            let (moov, mdat) = (at(b"moov"), at(b"mdat"));
            assert!(
                moov.is_some() && moov < mdat,
                "{name}: the index is not at the front (moov at {moov:?}, mdat at {mdat:?})"
            );
        }
    }
}

#[test]
fn impossible_pairs_and_unknown_file_types_exit_2_before_rendering() {
    let photos = tempfile::tempdir().unwrap();
    common::write_photo(&photos.path().join("p.jpg"), 1, 160, 120);
    let out_dir = tempfile::tempdir().unwrap();
    for (name, extra, says) in [
        ("x.webm", &["--codec", "h264"][..], "takes VP9, AV1"),
        ("x.mov", &["--codec", "vp9"][..], "takes H.264, H.265"),
        ("x.avi", &[][..], ".mp4, .mov, .webm, .mkv, .gif"),
        ("x.webm", &["--codec", "prores"][..], "takes VP9, AV1"),
        ("x.gif", &["--codec", "h264"][..], "takes GIF"),
        (
            "x.mov",
            &["--codec", "gif"][..],
            "takes H.264, H.265, ProRes",
        ),
        ("x.gif", &["--gif-fps", "60"][..], "gif_fps"),
    ] {
        let out = out_dir.path().join(name);
        let run = render(photos.path(), &out, extra);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(says), "{name}: {stderr}");
        assert!(
            !stderr.contains("photos ("),
            "refused before the import: {stderr}"
        );
        assert_eq!(std::fs::read_dir(out_dir.path()).unwrap().count(), 0);
    }
    let run = render(
        photos.path(),
        &out_dir.path().join("x.mp4"),
        &["--codec", "prores"],
    );
    assert_eq!(run.status.code(), Some(2));
}

/// ProRes 422 HQ: 10-bit 4:2:2 from the GPU planes, BT.709 tags, Apple's tag, every frame.
/// GIF: its own frame rate and width, and the same pictures as ProRes (near-lossless) of
/// the same timeline, within what a 256-colour palette allows.
#[test]
fn prores_and_gif_carry_the_timeline() {
    let photos = tempfile::tempdir().unwrap();
    for i in 0..6 {
        common::write_photo(&photos.path().join(format!("p{i}.jpg")), i, 160, 120);
    }
    let out_dir = tempfile::tempdir().unwrap();
    let prores = out_dir.path().join("edit.mov");
    let run = render(photos.path(), &prores, &["--codec", "prores"]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let info = common::ffprobe(
        &prores,
        "v:0",
        "codec_name,profile,codec_tag_string,pix_fmt,color_space,color_transfer,color_primaries,nb_read_frames",
    );
    for needle in [
        "codec_name=prores",
        "profile=HQ",
        "codec_tag_string=apch",
        "pix_fmt=yuv422p10le",
        "color_space=bt709",
        "color_transfer=bt709",
        "color_primaries=bt709",
        "nb_read_frames=12",
    ] {
        assert!(info.contains(needle), "{needle}: {info}");
    }

    // Same size and rate as the ProRes file: frame 7 of each shows the same moment.
    let gif = out_dir.path().join("chat.gif");
    let run = render(
        photos.path(),
        &gif,
        &["--gif-fps", "12", "--gif-width", "320"],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let info = common::ffprobe(&gif, "v:0", "codec_name,width,height,nb_read_frames");
    for needle in [
        "codec_name=gif",
        "width=320",
        "height=240",
        "nb_read_frames=12",
    ] {
        assert!(info.contains(needle), "{needle}: {info}");
    }
    // Every frame, not one: a palette index the GIF encoder wrongly made transparent spoiled
    // only the frames where that index held a colour in use (frames 1 and 11 here once).
    let mut below = Vec::new();
    for frame in 0..12 {
        let (a, b) = (
            common::decode_frame_rgb(&gif, frame),
            common::decode_frame_rgb(&prores, frame),
        );
        let rgba: Vec<u8> = b
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect();
        let psnr = common::psnr_rgb_vs_rgba(&a, &rgba);
        if frame == 7 {
            eprintln!("GIF vs ProRes frame 7: {psnr:.1} dB");
        }
        if psnr <= 28.0 {
            below.push(format!("frame {frame}: {psnr:.1} dB"));
        }
    }
    assert!(below.is_empty(), "GIF vs ProRes: {below:?}");

    // Defaults: 15 fps, and 640 px wide at most (never scaled up).
    let small = out_dir.path().join("small.gif");
    let run = common::render_to(
        photos.path(),
        &small,
        &["--frame", "320x240", "--duration", "2"],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let info = common::ffprobe(&small, "v:0", "width,height,nb_read_frames,r_frame_rate");
    for needle in [
        "width=320",
        "height=240",
        "nb_read_frames=30",
        "r_frame_rate=15/1",
    ] {
        assert!(info.contains(needle), "{needle}: {info}");
    }
    let scaled = out_dir.path().join("scaled.gif");
    let run = render(photos.path(), &scaled, &["--gif-width", "100"]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let info = common::ffprobe(&scaled, "v:0", "width,height");
    assert!(
        info.contains("width=100") && info.contains("height=75"),
        "{info}"
    );
}
