//! Codecs and containers: the file type picks the container and its natural codec, each
//! codec lands in the containers that take it with BT.709 tags and the exact frame count
//! (`hvc1` for H.265 in MP4/MOV), and impossible pairs are refused before rendering.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on setup failure

mod common;

use std::path::Path;

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
        for needle in [
            "pix_fmt=yuv420p",
            "color_space=bt709",
            "color_transfer=bt709",
            "color_primaries=bt709",
            "nb_read_frames=12",
        ] {
            assert!(info.contains(needle), "{name}: {needle}: {info}");
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
        ("x.avi", &[][..], ".mp4, .mov, .webm, .mkv"),
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
