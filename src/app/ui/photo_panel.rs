//! The photo list: thumbnails, include/exclude, reorder by dragging, the crop-centre
//! marker, and each photo's own caption.

use eframe::egui;

use crate::app::logic::{Editor, PhotoEntry, THUMB_HEIGHT_PX};

/// The photo list: include/exclude with a click, reorder with the arrows.
pub fn photos_ui(ui: &mut egui::Ui, editor: &mut Editor, thumbs: &mut ThumbCache) {
    const ROW_HEIGHT: f32 = 40.0;
    let mut toggle = None;
    let mut moved = None;
    let mut caption = None;
    thumbs.forget_missing(editor);
    ui.weak("Drag to reorder, untick to leave out.");
    egui::ScrollArea::vertical()
        .id_salt("photos")
        .max_height(300.0)
        .show_rows(ui, ROW_HEIGHT, editor.photos.len(), |ui, rows| {
            for i in rows {
                let photo = &editor.photos[i];
                let row = ui.horizontal(|ui| {
                    ui.set_min_height(ROW_HEIGHT - ui.spacing().item_spacing.y);
                    let mut included = photo.included;
                    if ui
                        .checkbox(&mut included, "")
                        .on_hover_text("include in the video")
                        .changed()
                    {
                        toggle = Some(i);
                    }
                    let id = egui::Id::unique(("photo-drag", &photo.path));
                    ui.dnd_drag_source(id, i, |ui| {
                        let size = egui::vec2(48.0, THUMB_HEIGHT_PX as f32);
                        let thumb = match thumbs.texture(ui.ctx(), photo) {
                            Some(texture) => ui.add(egui::Image::new((texture.id(), size))).rect,
                            None => ui.allocate_exact_size(size, egui::Sense::hover()).0,
                        };
                        if photo.clip_secs.is_some() {
                            film_badge(ui, thumb);
                        }
                        let name = photo.name();
                        if photo.thumb.is_none() {
                            ui.weak(format!("{name} (loading)"));
                        } else if let Some(of) = dropped_as_duplicate(editor, photo) {
                            ui.weak(format!("{name} (near-duplicate of {of}, left out)"));
                        } else {
                            ui.label(name);
                        }
                        if let Some(secs) = photo.clip_secs {
                            ui.weak(format!("clip {secs:.1} s"))
                                .on_hover_text("a video clip: its frame at 1 s is its tile");
                        }
                        // The date taken, where the photo says (a file's time is only a
                        // fallback for sorting, not shown).
                        if let Some(taken) = photo
                            .taken
                            .filter(|t| t.source == crate::photos::TakenSource::Exif)
                        {
                            ui.weak(taken.to_string()).on_hover_text("taken (EXIF)");
                        }
                        if let Some(focus) = editor.settings.focus_of(&photo.path) {
                            ui.small(FOCUS_MARKER).on_hover_text(format!(
                                "own crop centre at {focus}; Alt+click its tile or \
                                 right-click it to reset"
                            ));
                        }
                    });
                    if let Some(text) = caption_edit_ui(ui, editor, &photo.path) {
                        caption = Some((photo.path.clone(), text));
                    }
                });
                // The whole row is the drop target (the dragged part is painted elsewhere).
                let response = row.response;
                // Dropping on the upper half of a row puts the photo before it, else after.
                let pointer_y = ui.ctx().pointer_interact_pos().map(|p| p.y);
                let before = pointer_y.is_some_and(|y| y < response.rect.center().y);
                if response.dnd_hover_payload::<usize>().is_some() {
                    let y = if before {
                        response.rect.top()
                    } else {
                        response.rect.bottom()
                    };
                    ui.painter()
                        .hline(response.rect.x_range(), y, ui.visuals().selection.stroke);
                }
                if let Some(from) = response.dnd_release_payload::<usize>() {
                    moved = Some((*from, drop_index(*from, i, before)));
                }
            }
        });
    if let Some(i) = toggle {
        editor.photos.toggle(i);
    }
    if let Some((from, to)) = moved {
        editor.photos.move_photo(from, to);
    }
    if let Some((path, text)) = caption {
        editor.set_caption(&path, &text);
    }
    if !editor.skipped.is_empty() {
        egui::CollapsingHeader::new(format!("Skipped ({})", editor.skipped.len())).show(ui, |ui| {
            for line in &editor.skipped {
                ui.label(line);
            }
        });
    }
    let dropped = editor.dropped_duplicates();
    if !dropped.is_empty() {
        egui::CollapsingHeader::new(format!("Near-duplicates dropped ({})", dropped.len()))
            .show(ui, |ui| duplicates_ui(ui, editor));
    }
}

/// The name of the photo `photo` repeats, when the grid leaves it out as a near-duplicate.
fn dropped_as_duplicate(editor: &Editor, photo: &PhotoEntry) -> Option<String> {
    let of = photo
        .duplicate_of
        .as_ref()
        .filter(|_| editor.settings.photos.skip_duplicates)?;
    Some(of.file_name().map_or_else(
        || of.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    ))
}

/// One line per near-duplicate left out, naming the photo it repeats.
fn duplicates_ui(ui: &mut egui::Ui, editor: &Editor) {
    for duplicate in editor.dropped_duplicates() {
        ui.label(duplicate.to_string());
    }
}

/// The photo's own caption, edited in place; the new text when it changed.
fn caption_edit_ui(ui: &mut egui::Ui, editor: &Editor, path: &std::path::Path) -> Option<String> {
    let mut text = editor
        .settings
        .captions
        .texts
        .get(path)
        .cloned()
        .unwrap_or_default();
    let response = ui
        .add(
            egui::TextEdit::singleline(&mut text)
                .id_salt(("caption", path))
                .hint_text("caption")
                .char_limit(crate::settings::MAX_CAPTION_CHARS)
                .desired_width(110.0),
        )
        .on_hover_text("this photo's own caption, in its tile's bottom band");
    response.changed().then_some(text)
}

/// The skipped files and their reasons in a window of their own, opened from the toolbar's
/// "N skipped"; closes when there is nothing left to show.
pub fn skipped_window(ctx: &egui::Context, editor: &Editor, open: &mut bool) {
    let dropped = editor.dropped_duplicates().len();
    if editor.skipped.is_empty() && dropped == 0 {
        *open = false;
    }
    let mut close = false;
    let title = if dropped == 0 {
        format!("Skipped files ({})", editor.skipped.len())
    } else {
        format!(
            "Skipped files ({}), near-duplicates dropped ({dropped})",
            editor.skipped.len()
        )
    };
    egui::Window::new(title)
        .open(open)
        .collapsible(false)
        .default_width(520.0)
        .show(ctx, |ui| {
            ui.label("These files were left out; every other photo is in the grid.");
            ui.separator();
            egui::ScrollArea::vertical()
                .max_height(320.0)
                .show(ui, |ui| {
                    for line in &editor.skipped {
                        ui.label(line);
                    }
                    duplicates_ui(ui, editor);
                });
            ui.separator();
            close = ui.button("Close").clicked();
        });
    if close {
        *open = false;
    }
}

/// What the photo list shows beside a photo with its own crop centre.
pub const FOCUS_MARKER: &str = "own centre";

/// Where the photo at `from` lands when dropped before or after the row at `target`.
#[must_use]
pub fn drop_index(from: usize, target: usize, before: bool) -> usize {
    let slot = if before { target } else { target + 1 };
    if from < slot { slot - 1 } else { slot }
}

/// The photo list's thumbnails as egui textures, uploaded once per decoded thumbnail.
#[derive(Default)]
pub struct ThumbCache {
    textures: std::collections::HashMap<std::path::PathBuf, (u64, egui::TextureHandle)>,
}

impl ThumbCache {
    fn texture(&mut self, ctx: &egui::Context, photo: &PhotoEntry) -> Option<&egui::TextureHandle> {
        let thumb = photo.thumb.as_ref()?;
        let stale = self
            .textures
            .get(&photo.path)
            .is_none_or(|(id, _)| *id != photo.thumb_id);
        if stale {
            let image = egui::ColorImage::from_rgba_unmultiplied(
                [thumb.width_px as usize, thumb.height_px as usize],
                &thumb.rgba,
            );
            let handle = ctx.load_texture(
                format!("thumb {}", photo.path.display()),
                image,
                egui::TextureOptions::LINEAR,
            );
            self.textures
                .insert(photo.path.clone(), (photo.thumb_id, handle));
        }
        self.textures.get(&photo.path).map(|(_, t)| t)
    }

    /// Drops the textures of photos no longer in the project.
    fn forget_missing(&mut self, editor: &Editor) {
        if self.textures.len() > editor.photos.len() {
            let keep: std::collections::HashSet<&std::path::Path> =
                editor.photos.iter().map(|p| p.path.as_path()).collect();
            self.textures
                .retain(|path, _| keep.contains(path.as_path()));
        }
    }
}

/// A video clip's mark on its thumbnail: a play triangle on a dark square in the bottom-left
/// corner (drawn, so no font needs the glyph).
fn film_badge(ui: &egui::Ui, thumb: egui::Rect) {
    let side = 12.0;
    let badge = egui::Rect::from_min_size(
        egui::pos2(thumb.left() + 2.0, thumb.bottom() - side - 2.0),
        egui::vec2(side, side),
    );
    let painter = ui.painter();
    painter.rect_filled(badge, 2.0, egui::Color32::from_black_alpha(170));
    let (c, r) = (badge.center(), side * 0.3);
    painter.add(egui::Shape::convex_polygon(
        vec![
            egui::pos2(c.x - r * 0.7, c.y - r),
            egui::pos2(c.x + r, c.y),
            egui::pos2(c.x - r * 0.7, c.y + r),
        ],
        egui::Color32::WHITE,
        egui::Stroke::NONE,
    ));
}

#[cfg(test)]
mod tests {
    use super::drop_index;

    #[test]
    fn dropping_before_or_after_a_row_lands_in_the_right_slot() {
        // [a, b, c, d]: a dropped after c gives [b, c, a, d].
        assert_eq!(drop_index(0, 2, false), 2);
        // d dropped before b gives [a, d, b, c].
        assert_eq!(drop_index(3, 1, true), 1);
        // Dropped on itself, either half: stays.
        assert_eq!(drop_index(1, 1, true), 1);
        assert_eq!(drop_index(1, 1, false), 1);
        // b dropped after the last row goes to the end.
        assert_eq!(drop_index(1, 3, false), 3);
    }
}
