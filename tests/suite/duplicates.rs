//! `--skip-duplicates` (`photos.skip_duplicates`, *Edit → Skip near-duplicates*) on the
//! burst fixtures (`tests/fixtures/burst`, made by `tests/fixtures/make.sh`): burst-1, -2
//! and -3 are one picture a second apart, other.jpg another picture within those seconds, and
//! later.jpg the first picture an hour on. burst-2 and burst-3 go, each a repeat of burst-1.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use egui_kittest::kittest::Queryable;
use gridreel::photos::find_duplicates;
use gridreel::settings::Settings;

use crate::common;
use crate::common::editor::{all_loaded, harness, step_until};

/// The burst fixtures copied into a folder of their own (their EXIF dates travel with them).
fn burst_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(common::fixtures().join("burst")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    dir
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn the_burst_keeps_its_first_shot_and_the_other_photos() {
    let dir = burst_folder();
    let mut paths: Vec<PathBuf> = gridreel::photos::scan_folder(dir.path(), false)
        .unwrap()
        .photos;
    // The photos' order does not decide which one stays: the time taken does.
    paths.reverse();
    let found = find_duplicates(&paths, &AtomicBool::new(false));
    let found: Vec<(String, String, i64)> = found
        .iter()
        .map(|d| (name(&d.path), name(&d.of), d.after_secs))
        .collect();
    assert_eq!(
        found,
        [
            ("burst-3.jpg".to_owned(), "burst-1.jpg".to_owned(), 2),
            ("burst-2.jpg".to_owned(), "burst-1.jpg".to_owned(), 1),
        ]
    );
}

fn stderr(run: &std::process::Output) -> String {
    String::from_utf8_lossy(&run.stderr).into_owned()
}

/// A render with `--skip-duplicates` names each photo dropped and the one it repeats, counts
/// them in the summary and renders the other three; `-q` says nothing; without the flag
/// every photo is used.
#[test]
fn render_with_skip_duplicates_names_the_dropped_photos_and_renders_the_rest() {
    let dir = burst_folder();
    let out_dir = tempfile::tempdir().unwrap();
    let small = ["--duration", "0.3", "--tile-height", "30", "--rows", "1"];
    let render = |file: &str, extra: &[&str]| {
        let out = out_dir.path().join(file);
        let args: Vec<&str> = small.iter().chain(extra).copied().collect();
        let run = common::render_to(dir.path(), &out, &args);
        assert!(run.status.success(), "{file}: {}", stderr(&run));
        assert!(out.exists(), "{file}");
        stderr(&run)
    };
    let dropped = |err: &str| -> Vec<String> {
        err.lines()
            .filter(|l| l.starts_with("dropped: "))
            .map(str::to_owned)
            .collect()
    };

    let err = render("skip.mp4", &["--skip-duplicates"]);
    let lines = dropped(&err);
    assert_eq!(lines.len(), 2, "{err}");
    for (file, secs) in [("burst-2.jpg", 1), ("burst-3.jpg", 2)] {
        let expected = format!(
            "dropped: a near-duplicate of burst-1.jpg (taken {secs} s after it): {}",
            dir.path().join(file).display()
        );
        assert!(lines.contains(&expected), "{expected} not in:\n{err}");
    }
    assert!(
        err.contains("3 photos (0 skipped, 2 near-duplicates dropped)"),
        "the summary: {err}"
    );

    let err = render("quiet.mp4", &["--skip-duplicates", "-q"]);
    assert_eq!(err, "", "-q prints nothing");

    let err = render("all.mp4", &[]);
    assert!(dropped(&err).is_empty(), "{err}");
    assert!(err.contains("5 photos (0 skipped)"), "the summary: {err}");

    // The flag is a setting like the others.
    let run = common::gridreel(&["render", "--skip-duplicates", "--print-settings"]);
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains("skip_duplicates: true"), "{text}");
}

/// *Edit → Skip near-duplicates* leaves the two repeats out of the grid and the photo list
/// says which; unticking it takes them back.
#[test]
fn the_editor_leaves_near_duplicates_out_and_lists_them() {
    let dir = burst_folder();
    let mut h = harness(Settings::default());
    h.state_mut().editor.open_folder(dir.path());
    step_until(&mut h, "the burst", |app| all_loaded(app, 5));
    assert_eq!(h.state().editor.active_photos().len(), 5);

    h.get_by_label("Edit").click();
    h.run_steps(2);
    h.get_by_label("Skip near-duplicates").click();
    h.run_steps(2);
    step_until(&mut h, "the near-duplicates", |app| {
        app.editor.dropped_duplicates().len() == 2 && app.preview_tiles_resident()
    });
    assert!(h.state().editor.settings.photos.skip_duplicates);
    let active: Vec<String> = h
        .state()
        .editor
        .active_photos()
        .iter()
        .map(|p| p.name())
        .collect();
    assert_eq!(active, ["burst-1.jpg", "later.jpg", "other.jpg"]);
    h.run_steps(2);
    h.get_by_label_contains("2 near-duplicates dropped");
    h.get_by_label("burst-2.jpg (near-duplicate of burst-1.jpg, left out)");
    h.get_by_label("burst-3.jpg (near-duplicate of burst-1.jpg, left out)");

    h.state_mut().editor.set_skip_duplicates(false);
    h.run_steps(2);
    assert_eq!(h.state().editor.active_photos().len(), 5);
    assert!(
        h.query_by_label_contains("near-duplicates dropped")
            .is_none()
    );
}
