//! Settings: defaults, validation messages, presets' parsing at the edge.

use super::*;

#[test]
fn defaults_are_the_older_tools_and_valid() {
    let s = Settings::default();
    assert_eq!((s.rows, s.cols, s.tile_height_px, s.fps), (6, 6, 100, 30));
    assert_eq!((s.gap_h_px, s.gap_v_px), (0, 0));
    assert_eq!(s.aspect, Aspect::new(4.0, 3.0));
    assert_eq!(s.background, Color::WHITE);
    assert!((s.duration_secs - 4.0).abs() < f64::EPSILON);
    assert_eq!(s.frame_count(), 120);
    s.validate().unwrap();
}

/// The x264 preset and the encoder are types: a bad name cannot be held, and a preset
/// file with one is refused where it is read, naming what is allowed.
#[test]
fn presets_and_encoders_parse_once_at_the_edge() {
    assert_eq!("VeryFast".parse(), Ok(X264Preset::Veryfast));
    let err = "quick".parse::<X264Preset>().unwrap_err();
    assert!(err.contains("ultrafast, superfast"), "{err}");
    assert_eq!("auto".parse(), Ok(EncoderChoice::Auto));
    let named: EncoderChoice = " libx264 ".parse().unwrap();
    assert_eq!(named.to_string(), "libx264");
    assert!("lib x264".parse::<EncoderChoice>().is_err());
    let text = settings_to_ron(&Settings::default());
    assert!(text.contains("x264_preset: \"faster\""), "{text}");
    assert!(text.contains("encoder: \"auto\""), "{text}");
    let err = preset::parse_preset("(video: (x264_preset: \"quick\"))", Path::new("q.ron"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("video.x264_preset: unknown preset `quick`"),
        "{err}"
    );
}

#[test]
fn bad_values_name_the_setting() {
    type Change = Box<dyn Fn(&mut Settings)>;
    let cases: Vec<(Change, &str)> = vec![
        (Box::new(|s| s.rows = 0), "rows"),
        (Box::new(|s| s.fps = 0), "fps"),
        (Box::new(|s| s.duration_secs = 0.0), "duration_secs"),
        (Box::new(|s| s.speed = -1.0), "speed"),
        (Box::new(|s| s.video.quality_crf = 60), "video.quality_crf"),
        (
            Box::new(|s| {
                s.frame = FrameSize::Custom {
                    width_px: 1921,
                    height_px: 1080,
                }
            }),
            "frame",
        ),
        (
            Box::new(|s| {
                s.first_photo = Some(5);
                s.last_photo = Some(2);
            }),
            "last_photo",
        ),
        (
            Box::new(|s| {
                s.focus
                    .insert(PathBuf::from("a.jpg"), Focus { x: 1.5, y: 0.5 });
            }),
            "focus",
        ),
        (
            Box::new(|s| {
                s.focus.insert(
                    PathBuf::from("a.jpg"),
                    Focus {
                        x: 0.5,
                        y: f64::NAN,
                    },
                );
            }),
            "focus",
        ),
        (
            Box::new(|s| s.memory_budget = MemoryBudget::Bytes(1 << 20)),
            "memory_budget",
        ),
        (
            Box::new(|s| s.memory_budget = MemoryBudget::Percent(150.0)),
            "memory_budget",
        ),
    ];
    for (change, field) in cases {
        let mut s = Settings::default();
        change(&mut s);
        let err = s.validate().unwrap_err();
        assert_eq!(err.field, field, "{err}");
    }
}

#[test]
fn focus_points_round_trip_through_ron_and_stay_out_when_empty() {
    let mut s = Settings::default();
    assert!(
        !settings_to_ron(&s).contains("focus"),
        "no focus field without focus points"
    );
    s.focus
        .insert(PathBuf::from("photos/写真 1.jpg"), Focus { x: 0.1, y: 0.9 });
    let text = settings_to_ron(&s);
    let back = preset::parse_preset(&text, Path::new("t.ron")).unwrap();
    assert_eq!(back, s, "{text}");
    assert_eq!(
        back.focus_of(Path::new("photos/写真 1.jpg")),
        Some(Focus { x: 0.1, y: 0.9 })
    );
    assert_eq!(back.focus_of(Path::new("photos/other.jpg")), None);
    let written = r#"(focus: {"a.jpg": (x: 0.25, y: 1.0)})"#;
    let parsed = preset::parse_preset(written, Path::new("t.ron")).unwrap();
    assert_eq!(
        parsed.focus_of(Path::new("a.jpg")),
        Some(Focus { x: 0.25, y: 1.0 })
    );
}

/// `photos.skip_duplicates` goes into a preset and comes back; a preset written before it
/// existed still loads, keeping every photo.
#[test]
fn skip_duplicates_round_trips_and_old_presets_keep_every_photo() {
    let mut s = Settings::default();
    s.photos.skip_duplicates = true;
    s.photos.sort = PhotoSort::Date;
    let text = settings_to_ron(&s);
    assert!(text.contains("skip_duplicates: true"), "{text}");
    let back = preset::parse_preset(&text, Path::new("t.ron")).unwrap();
    assert_eq!(back, s, "{text}");
    assert!(back.photos.skip_duplicates);
    let old =
        preset::parse_preset("(photos: (sort: date, seed: 3))", Path::new("old.ron")).unwrap();
    assert_eq!(old.photos.sort, PhotoSort::Date);
    assert!(
        !old.photos.skip_duplicates,
        "an old preset keeps every photo"
    );
    let written =
        preset::parse_preset("(photos: (skip_duplicates: true))", Path::new("w.ron")).unwrap();
    assert!(written.photos.skip_duplicates);
    assert_eq!(written.photos.sort, PhotoSort::Name);
}

/// Captions under the tiles make each cell taller by their line, so the grid is taller and
/// the layout's cells are; in the tile, or with no caption, the cells are the tiles. A tile
/// and its line over the tile limit are refused; the place and font round-trip in a preset.
#[test]
fn captions_below_make_the_cells_taller_and_round_trip() {
    let mut s = Settings {
        tile_height_px: 100,
        rows: 3,
        gap_v_px: 10,
        ..Settings::default()
    };
    s.captions.place = CaptionPlace::Below;
    assert_eq!(s.cell_height_px(), 100, "no caption shown: no line");
    s.captions.show = CaptionSource::Name;
    s.captions.size = 0.2;
    // 20 px letters: a 25 px line, 5 px above and below.
    assert_eq!(s.cell_height_px(), 135);
    assert_eq!(s.grid_size_px().1, 3 * 135 + 2 * 10);
    assert_eq!(crate::layout::Layout::new(&s).tile_h_px, 135);
    s.captions.font = Some("Noto Sans CJK JP".into());
    let text = settings_to_ron(&s);
    assert!(text.contains("place: below"), "{text}");
    assert_eq!(preset::parse_preset(&text, Path::new("t.ron")).unwrap(), s);
    s.captions.place = CaptionPlace::InTile;
    assert_eq!(s.cell_height_px(), 100);
    s.captions.place = CaptionPlace::Below;
    s.tile_height_px = 4000;
    s.aspect = Aspect {
        width: 1.0,
        height: 1.0,
    };
    let err = s.validate().unwrap_err();
    assert!(
        err.field.starts_with("tile height with its caption line"),
        "{err}"
    );
}
