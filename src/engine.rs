//! The steps the command line and the editor share: which photo goes in which cell, the
//! tile spec for a set of settings, and loading a folder into a renderer.

use std::path::PathBuf;

use crate::layout::Layout;
use crate::photos::{TilePixels, TileSpec};
use crate::render::{GridRenderer, NO_LAYER, RenderError};
use crate::settings::Settings;

/// The tile every photo is turned into under `settings`.
#[must_use]
pub fn tile_spec(settings: &Settings) -> TileSpec {
    let layout = Layout::new(settings);
    TileSpec {
        width_px: layout.tile_w_px,
        height_px: layout.tile_h_px,
        aspect: settings.aspect,
        anchor: settings.crop,
        background: settings.background,
    }
}

/// Photo index shown by each grid cell: photos fill the grid row-major in order and repeat
/// when there are fewer photos than cells, so the grid never has holes. With no photos every
/// cell is empty.
#[must_use]
pub fn cell_photos(cell_count: usize, photo_count: usize) -> Vec<u32> {
    (0..cell_count)
        .map(|cell| {
            if photo_count == 0 {
                NO_LAYER
            } else {
                u32::try_from(cell % photo_count).unwrap_or(NO_LAYER)
            }
        })
        .collect()
}

/// How many of `photo_count` photos a grid of `cell_count` cells shows.
#[must_use]
pub fn photos_shown(cell_count: usize, photo_count: usize) -> usize {
    photo_count.min(cell_count)
}

/// Uploads a fully resident photo set: layer i = photo i, cells filled row-major.
pub fn upload_photos<T: std::borrow::Borrow<TilePixels>>(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    renderer: &mut GridRenderer,
    layout: &Layout,
    tiles: &[T],
) -> Result<(), RenderError> {
    let max = device.limits().max_texture_array_layers;
    let shown = photos_shown(layout.cell_count(), tiles.len());
    if shown > max as usize {
        return Err(RenderError::TooManyLayers { needed: shown, max });
    }
    renderer.set_tiles(device, queue, &tiles[..shown]);
    renderer.set_cells(device, queue, &cell_photos(layout.cell_count(), shown));
    Ok(())
}

/// Where the photos come from: a folder the user chose, or the bundled demo photos.
#[must_use]
pub fn photo_folder(images: Option<PathBuf>) -> (PathBuf, bool) {
    match images {
        Some(dir) => (dir, false),
        None => (crate::photos::demo_folder(), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_fill_row_major_and_repeat() {
        assert_eq!(cell_photos(5, 2), vec![0, 1, 0, 1, 0]);
        assert_eq!(cell_photos(3, 10), vec![0, 1, 2]);
        assert_eq!(cell_photos(2, 0), vec![NO_LAYER, NO_LAYER]);
        assert_eq!(photos_shown(36, 50), 36);
    }
}
