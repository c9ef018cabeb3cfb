//! The toolbar and the settings panel, copied from a texture while they stand still, give
//! the pixels egui paints (src/app/panel_cache.rs).

use crate::common::editor::small_demo;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use gridreel::app::EditorApp;

/// The window after a few frames with the panels copied (`copy`) or painted, and whether the
/// last frame copied them.
fn shot(h: &mut Harness<'static, EditorApp>, copy: bool) -> (image::RgbaImage, bool) {
    h.state_mut().set_panel_cache(copy);
    h.run_steps(3);
    let before = h.state().panel_cache_counts().0;
    h.step();
    let copied = h.state().panel_cache_counts().0 > before;
    (h.render().expect("render"), copied)
}

fn assert_same(painted: &image::RgbaImage, copied: &image::RgbaImage, when: &str) {
    assert_eq!(painted.dimensions(), copied.dimensions());
    let differ: Vec<(u32, u32)> = painted
        .enumerate_pixels()
        .filter(|(x, y, p)| copied.get_pixel(*x, *y) != *p)
        .map(|(x, y, _)| (x, y))
        .collect();
    assert!(
        differ.is_empty(),
        "{when}: {} pixels differ between the painted and the copied panels, first at {:?}",
        differ.len(),
        differ.first()
    );
}

#[test]
fn the_copied_panels_are_the_pixels_egui_paints() {
    let mut h = small_demo();
    // (The harness tells the app that egui_kittest clears the window to transparent.)
    h.get_by_label("Pause").click();
    h.run_steps(2);
    let (painted, copied_then) = shot(&mut h, false);
    assert!(!copied_then, "painting every frame must not copy");
    let (copied, copied_now) = shot(&mut h, true);
    assert!(
        copied_now,
        "the panels stood still: the last frame should copy them"
    );
    assert_same(&painted, &copied, "standing still");

    // A setting the preview does not show changes: the panel shows the new value, and the
    // copy follows it.
    h.state_mut().editor.settings.video.quality_crf += 7;
    h.state_mut().editor.settings_changed();
    let (changed, _) = shot(&mut h, true);
    let paints = h.state().panel_cache_counts().1;
    assert!(
        paints >= 2,
        "the texture should be painted again after the change"
    );
    assert_ne!(
        changed, copied,
        "the settings panel should show the new quality"
    );
    let (painted_changed, _) = shot(&mut h, false);
    assert_same(&painted_changed, &changed, "after a change");
}
