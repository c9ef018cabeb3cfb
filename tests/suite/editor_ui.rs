//! The real editor app driven by egui_kittest on the software GPU (lavapipe): it loads the
//! demo photos, draws the preview through the wgpu callback, reacts to settings, toggles the
//! HUD with F1, and exports in the background.

use eframe::egui::{self, Rect, Role};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use gridreel::app::EditorApp;
use gridreel::app::export_runner::ExportOutcome;
use gridreel::settings::{FrameSize, Settings};

use crate::common;
use crate::common::editor::{Dropped, all_loaded, enter_path, harness, small_demo, step_until};

/// The rendered window cropped to `rect` (points; the harness draws at 1 pixel per point).
fn crop(h: &mut Harness<'static, EditorApp>, rect: Rect) -> image::RgbaImage {
    let image = h.render().expect("render");
    let x = rect.min.x.max(0.0) as u32;
    let y = rect.min.y.max(0.0) as u32;
    let w = (rect.width() as u32).min(image.width() - x);
    let hh = (rect.height() as u32).min(image.height() - y);
    image::imageops::crop_imm(&image, x, y, w, hh).to_image()
}

/// A third of the size, so the committed snapshot stays small.
fn small(image: &image::RgbaImage) -> image::RgbaImage {
    image::imageops::thumbnail(image, image.width() / 3, image.height() / 3)
}

/// Share of pixels whose colour differs by more than a few levels.
fn changed_share(a: &image::RgbaImage, b: &image::RgbaImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let changed = a
        .pixels()
        .zip(b.pixels())
        .filter(|(p, q)| p.0.iter().zip(q.0).any(|(x, y)| x.abs_diff(y) > 8))
        .count();
    changed as f64 / f64::from(a.width() * a.height())
}

#[test]
fn demo_photos_load_and_the_rows_slider_changes_the_preview() {
    let mut h = harness(Settings {
        frame: FrameSize::Custom {
            width_px: 640,
            height_px: 360,
        },
        tile_height_px: 60,
        ..Settings::default()
    });
    step_until(&mut h, "36 demo photos", |app| all_loaded(app, 36));
    h.get_by_label("36 photos, 0 skipped");
    // Pause through the UI, then park the play head mid-way, where the grid covers the frame.
    h.get_by_label("Pause").click();
    h.run_steps(2);
    assert!(!h.state().editor.playing);
    h.state_mut().editor.time_secs = 2.0;
    h.run_steps(3);
    let preview = h.state().preview_rect;
    let before = crop(&mut h, preview);
    egui_kittest::image_snapshot(&small(&before), "preview_6_rows");

    // Move the "Rows" slider itself (an accessibility action, as a screen reader would).
    h.get_by_role_and_label(Role::Slider, "Rows")
        .set_value_accesskit(2.0);
    h.run_steps(3);
    assert_eq!(h.state().editor.settings.rows, 2);
    assert!(
        h.state().editor.loading_progress().is_none(),
        "rows do not change the thumbnails: no re-import"
    );
    step_until(
        &mut h,
        "tiles for 2 rows",
        EditorApp::preview_tiles_resident,
    );
    let after = crop(&mut h, preview);
    let share = changed_share(&before, &after);
    assert!(share > 0.2, "the preview changed ({:.0} %)", share * 100.0);
    egui_kittest::image_snapshot(&small(&after), "preview_2_rows");
}

/// A folder with photos named out of order and one file that is not a photo.
fn drop_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (i, name) in ["p3.jpg", "p1.jpg", "p10.jpg", "p2.jpg"].iter().enumerate() {
        let img = gridreel::photos::synth::synth_photo(i as u64 + 1, 320, 240);
        img.save(dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join("notes.jpg"), "not a photo").unwrap();
    dir
}

/// Drags the pointer from `start` to `end` in `moves` steps and drops, as a hand would.
fn drag(h: &mut Harness<'static, EditorApp>, start: egui::Pos2, end: egui::Pos2, moves: u16) {
    h.hover_at(start);
    h.step();
    h.drag_at(start);
    h.step();
    for k in 1..=moves {
        h.hover_at(start + (end - start) * (f32::from(k) / f32::from(moves)));
        h.step();
    }
    h.drop_at(end);
    h.run_steps(3);
}

fn names(app: &EditorApp) -> Vec<String> {
    app.editor
        .photos
        .iter()
        .map(gridreel::app::logic::PhotoEntry::name)
        .collect()
}

#[test]
fn dropping_a_folder_loads_it_and_dragging_a_thumbnail_reorders() {
    let mut h = harness(Settings::default());
    step_until(&mut h, "demo photos", |app| all_loaded(app, 36));
    let dir = drop_folder();

    // What winit delivers: hovering files, then the drop, as raw input.
    h.input_mut().hovered_files.push(egui::HoveredFile {
        path: Some(dir.path().to_owned()),
        ..Default::default()
    });
    h.step();
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(dir.path().to_owned())));
    h.step();
    step_until(&mut h, "the dropped folder", |app| all_loaded(app, 4));
    h.run_steps(2);
    h.get_by_label("4 photos, 1 skipped");
    assert_eq!(names(h.state()), ["p1.jpg", "p2.jpg", "p3.jpg", "p10.jpg"]);

    // Drag p1's thumbnail row below p3's row with the mouse.
    let from = h.get_by_label("p1.jpg").rect();
    let onto = h.get_by_label("p3.jpg").rect();
    let start = from.center();
    let end = egui::pos2(onto.center().x, onto.center().y + onto.height() * 0.4);
    drag(&mut h, start, end, 8);
    assert_eq!(names(h.state()), ["p2.jpg", "p3.jpg", "p1.jpg", "p10.jpg"]);

    // The list with its thumbnails, in the new order.
    let photos = h.get_by_label("Photos").rect();
    // Above the timeline (whose knob moves with time).
    let list = Rect::from_min_size(photos.left_top(), egui::vec2(260.0, 160.0));
    egui_kittest::image_snapshot(&crop(&mut h, list), "photo_list_reordered");
}

#[test]
fn f1_toggles_the_hud() {
    let mut h = harness(Settings::default());
    step_until(&mut h, "demo photos", |app| all_loaded(app, 36));
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
    // Growth is measured over a steady window (20 s without import, export or uploads):
    // right after the photos loaded it says so instead of a number.
    assert!(
        has("growth: measuring"),
        "HUD says the growth is being measured"
    );
    assert!(has("MB GPU"), "HUD shows the memory by part");
}

#[test]
fn export_runs_in_the_background_and_cancel_leaves_no_file() {
    let settings = Settings {
        duration_secs: 0.5,
        tile_height_px: 40,
        ..Settings::default()
    };
    let mut h = harness(settings);
    step_until(&mut h, "photos", |app| all_loaded(app, 36));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("editor.mp4");
    h.state_mut().editor.start_export(out.clone(), false);
    step_until(&mut h, "export", |app| !app.editor.export.is_running());
    let result = h.state().editor.export.last().expect("a result");
    let summary = result.summary().expect("export succeeded");
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
    h.state().editor.export.cancel();
    step_until(&mut h, "cancel", |app| !app.editor.export.is_running());
    assert!(
        matches!(
            h.state().editor.export.last(),
            Some(ExportOutcome::Cancelled)
        ),
        "a cancel is its own outcome, not a failure"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("editor.mp4")]);
}

/// With tiles far larger than the memory budget, the preview streams them (thumbnails stand
/// in meanwhile) and an export from the editor streams too, and writes every frame.
#[test]
fn a_small_budget_streams_in_the_preview_and_in_the_export() {
    let settings = Settings {
        rows: 1,
        cols: 36,
        // 1440x1080 tiles: 6 MB each, 224 MB for the 36 photos, against a 64 MB budget.
        tile_height_px: 1080,
        frame: FrameSize::Custom {
            width_px: 640,
            height_px: 360,
        },
        duration_secs: 0.5,
        memory_budget: "64MB".parse().unwrap(),
        ..Settings::default()
    };
    let mut h = harness(settings);
    step_until(&mut h, "streaming tiles on screen", |app| {
        let state = app.preview_tiles_state();
        state.starts_with("streaming: ") && !state.starts_with("streaming: 0 ")
    });
    let state = h.state().preview_tiles_state();
    // 64 MB: an eighth for decode buffers, three tiles in flight, six slots.
    assert!(state.ends_with("of 36 photos in 6 slots"), "{state}");

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("streamed.mp4");
    h.state_mut().editor.start_export(out.clone(), false);
    step_until(&mut h, "export", |app| !app.editor.export.is_running());
    let result = h.state().editor.export.last().expect("a result");
    let summary = result.summary().expect("export succeeded");
    assert_eq!(summary.frames, 15);
    assert!(out.is_file());
}

/// Starts an export from the editor, waits for it to end, and returns its error.
fn failed_export(
    h: &mut Harness<'static, EditorApp>,
    output: std::path::PathBuf,
    overwrite: bool,
) -> String {
    h.state_mut().editor.start_export(output, overwrite);
    step_until(h, "the export to end", |app| {
        !app.editor.export.is_running()
    });
    let result = h.state().editor.export.last().expect("a result");
    result.failure().expect("the export must fail").to_string()
}

/// An export that panics is shown as an error, leaves nothing, and the editor can export
/// again; an output that is one of the photos is refused.
#[test]
fn an_export_panic_is_an_error_and_the_next_export_works() {
    let mut h = small_demo();
    h.state_mut().editor.settings.duration_secs = 0.5;
    let dir = tempfile::tempdir().unwrap();
    // Fault injection is compiled into debug builds only (what `cargo test` builds).
    #[cfg(debug_assertions)]
    {
        let doomed = dir.path().join("doomed.mp4");
        gridreel::fault::arm(gridreel::fault::Fault::ExportPanic, "doomed.mp4");
        let error = failed_export(&mut h, doomed.clone(), false);
        assert!(error.contains("stopped on a bug"), "{error}");
        h.run_steps(2);
        h.get_by_label_contains("stopped on a bug");
        assert!(!doomed.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    let photo = h.state().editor.photos[0].path.clone();
    let before = std::fs::read(&photo).unwrap();
    // A video name that is a link to one of the photos.
    let link = dir.path().join("photo-link.mp4");
    std::os::unix::fs::symlink(&photo, &link).unwrap();
    let error = failed_export(&mut h, link.clone(), true);
    assert!(error.contains("one of the input photos"), "{error}");
    std::fs::remove_file(&link).unwrap();
    assert_eq!(std::fs::read(&photo).unwrap(), before);

    let good = dir.path().join("good.mp4");
    h.state_mut().editor.start_export(good.clone(), false);
    step_until(&mut h, "the next export", |app| {
        !app.editor.export.is_running()
    });
    assert!(h.state().editor.export.last().unwrap().summary().is_some());
    assert!(good.is_file());
}

/// Closing the window during an export asks first; "Cancel export and quit" stops it and
/// leaves no temporary file.
#[test]
fn closing_during_an_export_asks_and_leaves_no_part_file() {
    let mut h = harness(Settings {
        frame: FrameSize::Custom {
            width_px: 640,
            height_px: 360,
        },
        duration_secs: 600.0,
        ..Settings::default()
    });
    step_until(&mut h, "36 demo thumbnails", |app| {
        app.editor.photos.len() == 36 && app.editor.photos.iter().all(|p| p.thumb.is_some())
    });
    let dir = tempfile::tempdir().unwrap();
    h.state_mut()
        .editor
        .start_export(dir.path().join("long.mp4"), false);
    step_until(&mut h, "the export to start writing", |_| {
        !common::part_files(dir.path()).is_empty()
    });
    h.input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .events
        .push(egui::ViewportEvent::Close);
    h.run_steps(2);
    assert!(h.state().confirm_quit, "the question is asked");
    h.get_by_label("An export is running: cancel it and quit?");
    assert!(
        h.state().editor.export.is_running(),
        "still exporting meanwhile"
    );
    h.get_by_label("Cancel export and quit").click();
    h.run_steps(2);
    assert!(!h.state().editor.export.is_running());
    assert!(
        common::part_files(dir.path()).is_empty(),
        "no part file left"
    );
}

/// Keyboard shortcuts drive playback; Ctrl+Z undoes a slider change and a reorder, in order,
/// and Ctrl+Shift+Z redoes; the Help menu lists the shortcuts.
#[test]
fn shortcuts_and_undo_redo() {
    let mut h = small_demo();
    let fps = f64::from(h.state().editor.settings.fps);
    assert!(h.state().editor.playing);
    h.key_press(egui::Key::Space);
    h.run_steps(2);
    assert!(!h.state().editor.playing, "Space pauses");
    h.key_press(egui::Key::Home);
    h.run_steps(1);
    h.key_press(egui::Key::ArrowRight);
    h.run_steps(1);
    h.key_press(egui::Key::ArrowRight);
    h.run_steps(1);
    assert!(
        (h.state().editor.time_secs - 2.0 / fps).abs() < 1e-9,
        "two frames on"
    );
    h.key_press(egui::Key::ArrowLeft);
    h.run_steps(1);
    assert!(
        (h.state().editor.time_secs - 1.0 / fps).abs() < 1e-9,
        "one frame back"
    );
    h.key_press(egui::Key::End);
    h.run_steps(1);
    assert!((h.state().editor.time_secs - 4.0).abs() < 1e-9, "the end");

    // A slider change, then a reorder, each left still long enough to be an undo step.
    let first = h.state().editor.photos[0].path.clone();
    h.get_by_role_and_label(Role::Slider, "Rows")
        .set_value_accesskit(2.0);
    h.run_steps(40);
    assert_eq!(h.state().editor.settings.rows, 2);
    h.state_mut().editor.photos.move_photo(0, 3);
    h.run_steps(40);
    assert_eq!(h.state().editor.photos[3].path, first);

    let command = egui::Modifiers::COMMAND;
    h.key_press_modifiers(command, egui::Key::Z);
    h.run_steps(2);
    assert_eq!(
        h.state().editor.photos[0].path,
        first,
        "the reorder is undone"
    );
    assert_eq!(h.state().editor.settings.rows, 2);
    h.key_press_modifiers(command, egui::Key::Z);
    h.run_steps(2);
    assert_eq!(h.state().editor.settings.rows, 6, "the slider is undone");
    h.key_press_modifiers(command | egui::Modifiers::SHIFT, egui::Key::Z);
    h.run_steps(2);
    assert_eq!(h.state().editor.settings.rows, 2, "and redone");

    h.get_by_label("Help").click();
    h.run_steps(2);
    h.get_by_label("play / pause");
    h.get_by_label("Ctrl+Shift+Z, Ctrl+Y");
}

/// Without a native file dialog (no portal, no zenity, as on this machine), *Open folder…*
/// shows a path field with completions instead of doing nothing, and the typed folder opens.
#[test]
fn without_native_dialogs_a_path_field_opens_the_folder() {
    let mut h = small_demo();
    h.state_mut().dialogs.native = false;
    let dir = drop_folder();
    h.get_by_label("Open folder…").click();
    h.run_steps(2);
    h.get_by_label_contains("This desktop has no file dialog");
    h.get_by_role_and_label(Role::TextInput, "Path").focus();
    h.run_steps(1);
    // Replace what the field offers with the folder's path, less its last character.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    let path = dir.path().display().to_string();
    h.get_by_role_and_label(Role::TextInput, "Path")
        .type_text(&path[..path.len() - 1]);
    h.run_steps(2);
    // The completion names the folder; clicking it fills the field.
    h.get_by_label(&format!("{path}/")).click();
    h.run_steps(2);
    h.run_steps(5);
    h.get_by_label("Open").click();
    h.run_steps(3);
    assert!(
        h.state().dialogs.path_prompt.is_none(),
        "{:?}",
        h.state().dialogs.path_prompt
    );
    assert_eq!(h.state().editor.folder.as_deref(), Some(dir.path()));
    step_until(&mut h, "the typed folder", |app| all_loaded(app, 4));
}

/// A click (press and release at one spot) at `pos` with `button`.
fn click_at(h: &mut Harness<'static, EditorApp>, pos: egui::Pos2, button: egui::PointerButton) {
    h.hover_at(pos);
    h.step();
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos,
            button,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
        h.step();
    }
}

fn thumb_ids(app: &EditorApp) -> Vec<u64> {
    app.editor.photos.iter().map(|p| p.thumb_id).collect()
}

/// Clicking a tile in the preview centres that photo's crop on the point clicked: only its
/// thumbnail decodes again, and undo (or the right-click menu) gives it back the global
/// anchor.
#[test]
fn clicking_a_tile_centres_its_crop_there_and_undo_removes_it() {
    // Square tiles of the 4:3 demo photos: the crop can slide sideways.
    let mut h = harness(Settings {
        frame: FrameSize::Custom {
            width_px: 320,
            height_px: 240,
        },
        tile_height_px: 40,
        aspect: gridreel::settings::Aspect::new(1.0, 1.0),
        ..Settings::default()
    });
    step_until(&mut h, "36 demo photos", |app| all_loaded(app, 36));
    h.key_press(egui::Key::Space);
    h.run_steps(2);
    h.state_mut().editor.time_secs = 2.0;
    h.run_steps(3);
    assert!(!h.state().editor.playing);

    // A tenth of the way into a tile, seen in the frame at (x, y).
    let app = h.state();
    // Row 0 (its photo is near the top of the list), a tenth into column 1's tile.
    let (origin_x, _) = gridreel::layout::Layout::new(&app.editor.settings).grid_origin_at(2.0);
    let (x, y) = (origin_x + 40.0 * 1.1, 20.0);
    let (photo, expected) = app
        .editor
        .photo_point_at(x, y)
        .map(|(p, point)| (p.path.clone(), point))
        .expect("a tile under the point");
    let frame = app.preview_frame_rect;
    let pos = frame.min + egui::vec2(x as f32 / 320.0, y as f32 / 240.0) * frame.size();
    let ids = thumb_ids(app);
    let index = app
        .editor
        .photos
        .iter()
        .position(|p| p.path == photo)
        .unwrap();
    let thumb = app.editor.photos[index].thumb.clone().unwrap();

    click_at(&mut h, pos, egui::PointerButton::Primary);
    // The next frame's preview keeps every other photo's tile.
    h.step();
    assert_eq!(
        h.state().preview_tiles_state(),
        "35 of 36 resident",
        "only its tile decodes again"
    );
    let focus = h.state().editor.settings.focus.clone();
    assert_eq!(focus.len(), 1, "{focus:?}");
    let set = focus[&photo];
    assert!(
        (set.x - expected.x).abs() < 0.02 && (set.y - expected.y).abs() < 0.02,
        "{set:?} is where the click was ({expected:?})"
    );
    assert!(set.x < 0.5, "left of the middle: {set:?}");
    step_until(&mut h, "its thumbnail", |app| {
        app.editor.photos[index].thumb_id != ids[index]
    });
    let after = thumb_ids(h.state());
    for (i, (a, b)) in ids.iter().zip(&after).enumerate() {
        assert!(i == index || a == b, "photo {i}'s thumbnail decoded again");
    }
    assert_ne!(
        h.state().editor.photos[index].thumb.as_ref().unwrap().rgba,
        thumb.rgba,
        "the thumbnail shows the new crop"
    );
    h.get_by_label(gridreel::app::ui::FOCUS_MARKER);
    step_until(&mut h, "its tile", EditorApp::preview_tiles_resident);

    // Still long enough to be an undo step, then undone.
    h.run_steps(40);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_steps(2);
    assert!(
        h.state().editor.settings.focus.is_empty(),
        "undo removes the crop centre"
    );
    step_until(&mut h, "the anchor's thumbnail", |app| {
        app.editor.photos[index].thumb.as_ref().map(|t| &t.rgba) == Some(&thumb.rgba)
    });
    assert!(
        h.query_by_label(gridreel::app::ui::FOCUS_MARKER).is_none(),
        "no marker left"
    );

    // Set again, then reset from the tile's right-click menu.
    click_at(&mut h, pos, egui::PointerButton::Primary);
    assert_eq!(h.state().editor.settings.focus.len(), 1);
    click_at(&mut h, pos, egui::PointerButton::Secondary);
    h.run_steps(2);
    h.get_by_label("Reset crop centre").click();
    h.run_steps(2);
    assert!(h.state().editor.settings.focus.is_empty(), "reset");
}

/// On a software GPU every pixel egui fills costs (a window-sized panel fill is ~30 ms a frame
/// on lavapipe), so the editor clears the window to the panel colour and paints no panel
/// background: no filled shape of a steady frame covers more than a tenth of the window.
#[test]
fn no_panel_paints_a_window_sized_background() {
    let mut h = small_demo();
    h.step();
    let window = 1200.0 * 800.0;
    let mut largest = (0.0f32, String::new());
    let mut stack: Vec<&egui::Shape> = h.output().shapes.iter().map(|c| &c.shape).collect();
    while let Some(shape) = stack.pop() {
        match shape {
            egui::Shape::Vec(shapes) => stack.extend(shapes.iter()),
            egui::Shape::Rect(r) if r.fill.a() > 0 && r.rect.area() > largest.0 => {
                largest = (r.rect.area(), format!("{:?} filled {:?}", r.rect, r.fill));
            }
            _ => {}
        }
    }
    assert!(
        largest.0 < window / 10.0,
        "a filled rectangle covers {:.0} % of the window: {}",
        largest.0 / window * 100.0,
        largest.1
    );
}

/// The editor on [`drop_folder`], loaded, with the path field instead of native dialogs.
fn drop_folder_without_dialogs() -> (Harness<'static, EditorApp>, tempfile::TempDir) {
    let mut h = harness(Settings::default());
    let dir = drop_folder();
    h.state_mut().editor.open_folder(dir.path());
    h.state_mut().dialogs.native = false;
    step_until(&mut h, "the folder", |app| all_loaded(app, 4));
    (h, dir)
}

/// Ctrl+S with the path field (no native dialog): a photo of the project is never written
/// over, whatever the name typed, nor a file that is not a preset; the field stays open and
/// says why. A name without an extension gets `.ron`; an existing preset is replaced only
/// after the editor asks.
#[test]
fn saving_a_preset_never_overwrites_a_photo() {
    let (mut h, dir) = drop_folder_without_dialogs();
    let photo = dir.path().join("p2.jpg");
    let photo_bytes = std::fs::read(&photo).unwrap();

    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    h.run_steps(2);
    let offered = h
        .state()
        .dialogs
        .path_prompt
        .as_ref()
        .map(|p| p.text.clone())
        .unwrap();
    assert!(offered.ends_with("/my-grid.ron"), "{offered}");

    // The photo, by its own path and by a roundabout one.
    for typed in [
        photo.display().to_string(),
        format!("{}/./p2.jpg", dir.path().display()),
    ] {
        enter_path(&mut h, &typed, "Save");
        let prompt = h.state().dialogs.path_prompt.as_ref().expect("still open");
        let error = prompt.error.as_deref().unwrap_or_default();
        assert!(error.contains("one of this project's own files"), "{error}");
        h.get_by_label_contains("never writes over them");
        assert_eq!(std::fs::read(&photo).unwrap(), photo_bytes, "photo kept");
    }
    // A file that is not a preset (and not one of the photos: it was skipped).
    let notes = dir.path().join("notes.jpg");
    enter_path(&mut h, &notes.display().to_string(), "Save");
    h.get_by_label_contains("is not a gridreel preset, so it is kept");
    assert_eq!(std::fs::read(&notes).unwrap(), b"not a photo");

    // No extension typed: `.ron` is added, and the editor says where the preset went.
    enter_path(&mut h, &format!("{}/trip", dir.path().display()), "Save");
    let saved = dir.path().join("trip.ron");
    assert!(h.state().dialogs.path_prompt.is_none());
    let preset = gridreel::settings::load_preset(&saved).unwrap();
    assert_eq!(preset.rows, Settings::default().rows);
    h.get_by_label(&format!("Preset saved to {}", saved.display()));

    // The same name again: the editor asks; "Choose another name" goes back to the field.
    h.state_mut().editor.settings.rows = 2;
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    h.run_steps(2);
    enter_path(&mut h, &saved.display().to_string(), "Save");
    h.get_by_label("Replace “trip.ron”?");
    h.get_by_label("Choose another name").click();
    h.run_steps(2);
    assert!(h.state().dialogs.replace_prompt.is_none());
    assert!(h.state().dialogs.path_prompt.is_some(), "back to the field");
    assert_eq!(gridreel::settings::load_preset(&saved).unwrap().rows, 6);
    enter_path(&mut h, &saved.display().to_string(), "Save");
    h.get_by_label("Replace").click();
    h.run_steps(2);
    assert_eq!(gridreel::settings::load_preset(&saved).unwrap().rows, 2);
    let leftovers = common::part_files(dir.path());
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// An export over an existing video of its type asks first, in the editor's words; over one
/// of the photos (a GIF export named like the project's photo) it is refused.
#[test]
fn exporting_over_a_file_asks_or_refuses() {
    let (mut h, dir) = drop_folder_without_dialogs();
    let video = dir.path().join("old.mp4");
    let mut mp4 = vec![0, 0, 0, 24];
    mp4.extend_from_slice(b"ftypisom");
    mp4.resize(64, 0);
    std::fs::write(&video, &mp4).unwrap();

    h.state_mut().dialogs.delivery = gridreel::app::export_dialog::Delivery::Mp4H264;
    let app = h.state_mut();
    app.dialogs
        .ask(&mut app.editor, gridreel::app::dialogs::Purpose::Export);
    h.run_steps(2);
    enter_path(&mut h, &video.display().to_string(), "Export");
    h.get_by_label("Replace “old.mp4”?");
    h.get_by_label_contains("A video of that name is already in");
    assert!(!h.state().editor.export.is_running(), "nothing started");
    h.get_by_label("Choose another name").click();
    h.run_steps(2);
    // A photo's name with the video's type is refused outright.
    enter_path(
        &mut h,
        &dir.path().join("p1.jpg").display().to_string(),
        "Export",
    );
    h.get_by_label_contains("one of this project's own files");
    assert!(!h.state().editor.export.is_running());
    assert_eq!(std::fs::read(&video).unwrap(), mp4, "the old video is kept");
}

/// A shipped preset from the *Presets* menu changes the layout it names and keeps the music,
/// the motion switches and the crop centres (issue: loading one dropped the music).
#[test]
fn a_shipped_preset_keeps_the_music_and_the_motion() {
    let mut h = small_demo();
    let dir = tempfile::tempdir().unwrap();
    let song = dir.path().join("song.wav");
    common::tone(&song, 1.0);
    h.state_mut().editor.set_music(&song);
    {
        let settings = &mut h.state_mut().editor.settings;
        settings.motion.alternate = true;
        settings.motion.looped = true;
        settings.rows = 2;
    }
    let focus = gridreel::settings::Focus { x: 0.2, y: 0.7 };
    let first = h.state().editor.photos[0].path.clone();
    h.state_mut().editor.set_focus(&first, Some(focus));
    h.run_steps(2);
    h.get_by_label("Presets").click();
    h.run_steps(2);
    h.get_by_label("hd-landscape").click();
    h.run_steps(3);
    let settings = &h.state().editor.settings;
    assert_eq!(settings.frame, FrameSize::Hd, "the preset's frame");
    assert_eq!(settings.rows, 4, "the preset's rows");
    assert_eq!(
        settings.audio.file.as_deref(),
        Some(song.as_path()),
        "the music stays"
    );
    assert!(
        settings.motion.alternate && settings.motion.looped,
        "the motion stays"
    );
    assert_eq!(
        settings.focus.get(&first),
        Some(&focus),
        "the crop centre stays"
    );
    h.get_by_label("Preset applied: hd-landscape.ron");
}

/// eframe's key-value storage, in memory.
#[derive(Default)]
struct MemoryStorage(std::collections::HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

/// The editor started as eframe starts it: with its storage, and `images` if given.
fn started(
    storage: &MemoryStorage,
    images: Option<std::path::PathBuf>,
) -> Harness<'static, EditorApp> {
    started_with(storage, images, Vec::new())
}

/// [`started`], with the photo files `gridreel FILE…` passes.
fn started_with(
    storage: &MemoryStorage,
    images: Option<std::path::PathBuf>,
    files: Vec<std::path::PathBuf>,
) -> Harness<'static, EditorApp> {
    let session = storage.0.clone();
    Harness::builder()
        .with_size([1200.0, 800.0])
        .wgpu()
        .build_eframe(move |cc| {
            crate::common::editor::in_harness(
                cc,
                Some(&MemoryStorage(session)),
                gridreel::app::StartOptions {
                    images,
                    files,
                    settings: None,
                    soak: None,
                    bare: None,
                    hud: false,
                    paint_panels: false,
                },
            )
        })
}

/// `gridreel FILE…` ("Open with gridreel" on photos): the editor opens those files, in the
/// order given, and not the last session's folder.
#[test]
fn photo_files_given_at_start_are_opened() {
    let dir = drop_folder();
    let other = drop_folder();
    let mut storage = MemoryStorage::default();
    {
        let mut h = started(&storage, Some(other.path().to_owned()));
        step_until(&mut h, "the last folder", |app| all_loaded(app, 4));
        eframe::App::save(h.state_mut(), &mut storage);
    }
    let files = vec![dir.path().join("p10.jpg"), dir.path().join("p1.jpg")];
    let mut h = started_with(&storage, None, files);
    step_until(&mut h, "the files", |app| all_loaded(app, 2));
    assert_eq!(names(h.state()), ["p10.jpg", "p1.jpg"]);
    assert_eq!(h.state().editor.folder.as_deref(), Some(dir.path()));
}

/// The photo order and what is left out come back when the editor starts again on the same
/// folder.
#[test]
fn the_photo_order_comes_back_at_the_next_start() {
    let dir = drop_folder();
    let mut storage = MemoryStorage::default();
    let mut h = started(&storage, Some(dir.path().to_owned()));
    step_until(&mut h, "the folder", |app| all_loaded(app, 4));
    h.state_mut().editor.photos.move_photo(3, 0);
    h.state_mut().editor.photos.toggle(2);
    h.run_steps(2);
    let order: Vec<(String, bool)> = h
        .state()
        .editor
        .photos
        .iter()
        .map(|p| (p.name(), p.included))
        .collect();
    assert_eq!(order[0].0, "p10.jpg");
    eframe::App::save(h.state_mut(), &mut storage);
    drop(h);

    let mut again = started(&storage, None);
    step_until(&mut again, "the folder again", |app| all_loaded(app, 4));
    assert_eq!(again.state().editor.folder.as_deref(), Some(dir.path()));
    let restored: Vec<(String, bool)> = again
        .state()
        .editor
        .photos
        .iter()
        .map(|p| (p.name(), p.included))
        .collect();
    assert_eq!(restored, order);
}

/// The speed slider dragged to its left end is speed 0: the grid stands still in the
/// preview, centred, the same pixels at any time.
#[test]
#[allow(clippy::float_cmp)] // exactly 0: the slider's end, and no pixel changed
fn the_speed_slider_reaches_0_and_the_preview_stands_still() {
    let mut h = harness(Settings {
        frame: FrameSize::Custom {
            width_px: 640,
            height_px: 360,
        },
        tile_height_px: 60,
        ..Settings::default()
    });
    step_until(&mut h, "36 demo photos", |app| all_loaded(app, 36));
    h.get_by_label("Pause").click();
    h.run_steps(2);
    let slider = h.get_by_role_and_label(Role::Slider, "Speed").rect();
    let start = slider.center();
    let end = egui::pos2(slider.left() - 200.0, start.y);
    drag(&mut h, start, end, 6);
    assert_eq!(h.state().editor.settings.speed, 0.0);
    let preview = h.state().preview_rect;
    let mut at = |t: f64| {
        h.state_mut().editor.time_secs = t;
        h.run_steps(3);
        step_until(
            &mut h,
            "the preview's tiles",
            EditorApp::preview_tiles_resident,
        );
        crop(&mut h, preview)
    };
    let (early, late) = (at(0.3), at(3.7));
    assert_eq!(changed_share(&early, &late), 0.0, "the grid moved");
}
