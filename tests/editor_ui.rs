//! The real editor app driven by egui_kittest on the software GPU (lavapipe): it loads the
//! demo photos, draws the preview through the wgpu callback, reacts to settings, toggles the
//! HUD with F1, and exports in the background.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test set-up panics on failure

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use gridreel::app::{EditorApp, StartOptions};
use gridreel::settings::Settings;

fn harness(settings: Settings) -> Harness<'static, EditorApp> {
    Harness::builder()
        .with_size([1200.0, 800.0])
        .wgpu()
        .build_eframe(move |cc| {
            EditorApp::new(
                cc.wgpu_render_state.as_ref(),
                None,
                StartOptions {
                    images: None,
                    settings: Some(settings),
                },
            )
        })
}

/// Steps the app until `done` holds (photos load and exports run on other threads).
fn step_until(h: &mut Harness<'static, EditorApp>, what: &str, done: impl Fn(&EditorApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_mins(1),
            "timed out waiting for {what}"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn centre_pixel(h: &mut Harness<'static, EditorApp>) -> [u8; 4] {
    let image = h.render().expect("render");
    // The preview fills the central panel; sample a point inside it.
    image.get_pixel(image.width() * 2 / 3, image.height() / 3).0
}

#[test]
fn demo_photos_load_and_the_preview_follows_the_settings() {
    let mut h = harness(Settings::default());
    step_until(&mut h, "36 demo photos", |app| {
        app.editor.photos.len() == 36 && app.editor.photos.iter().all(|p| p.tile.is_some())
    });
    h.get_by_label("36 photos, 0 skipped");
    // Pause mid-way, when the grid covers the centre of the preview.
    h.state_mut().editor.playing = false;
    h.state_mut().editor.time_secs = 2.0;
    h.run_steps(3);
    let photo = centre_pixel(&mut h);
    assert_ne!(
        &photo[..3],
        &[255, 255, 255],
        "preview shows photos, not only the background"
    );

    // A black background and one row: the centre now shows the background.
    {
        let app = h.state_mut();
        app.editor.settings.rows = 1;
        app.editor.settings.background = gridreel::settings::Color::BLACK;
        app.editor.settings.frame = gridreel::settings::FrameSize::Custom {
            width_px: 800,
            height_px: 600,
        };
        app.editor.settings_changed();
    }
    step_until(&mut h, "re-decode for the new background", |app| {
        app.editor.loading_progress().is_none()
    });
    h.run_steps(3);
    let after = centre_pixel(&mut h);
    assert!(
        after[0] < 40 && after[1] < 40 && after[2] < 40,
        "expected background, got {after:?}"
    );
}

#[test]
fn f1_toggles_the_hud() {
    let mut h = harness(Settings::default());
    h.run_steps(2);
    assert!(!h.state().show_hud);
    h.key_press(eframe::egui::Key::F1);
    h.run_steps(2);
    assert!(h.state().show_hud);
    let has = |text: &str| {
        h.query_all_by(|n| {
            n.label().is_some_and(|l| l.contains(text))
                || n.value().is_some_and(|v| v.contains(text))
        })
        .next()
        .is_some()
    };
    assert!(has("MB/min"), "HUD shows the RSS growth rate");
}

#[test]
fn export_runs_in_the_background_and_cancel_leaves_no_file() {
    let settings = Settings {
        duration_secs: 0.5,
        tile_height_px: 40,
        ..Settings::default()
    };
    let mut h = harness(settings);
    step_until(&mut h, "photos", |app| {
        app.editor
            .photos
            .iter()
            .filter(|p| p.tile.is_some())
            .count()
            == 36
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("editor.mp4");
    h.state_mut().editor.start_export(out.clone(), false);
    step_until(&mut h, "export", |app| app.editor.export.is_none());
    let result = h.state().editor.last_export.as_ref().expect("a result");
    let summary = result.as_ref().expect("export succeeded");
    assert_eq!(summary.frames, 15);
    let probe = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-count_frames",
            "-show_entries",
            "stream=codec_name,nb_read_frames",
            "-of",
            "csv=p=0",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&probe.stdout).trim(), "h264,15");

    // A long export, cancelled at once: no output and no temporary file.
    h.state_mut().editor.settings.duration_secs = 60.0;
    let cancelled = dir.path().join("cancelled.mp4");
    h.state_mut().editor.start_export(cancelled.clone(), false);
    h.state().editor.cancel_export();
    step_until(&mut h, "cancel", |app| app.editor.export.is_none());
    assert!(h.state().editor.last_export.as_ref().unwrap().is_err());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("editor.mp4")]);
}
