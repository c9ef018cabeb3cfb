//! EXIF orientation geometry: which orientations swap width and height, and where a
//! rectangle of the upright (displayed) photo lies in the stored pixels.

use image::metadata::Orientation;

use crate::layout::Rect;

/// True when the orientation turns the photo by a quarter, swapping width and height.
pub(super) fn swaps_axes(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// Maps a point of the upright (displayed) photo back to the stored pixels.
/// `upright_w`/`upright_h` are the displayed size.
fn stored_from_upright(
    orientation: Orientation,
    (x, y): (f64, f64),
    upright_w: f64,
    upright_h: f64,
) -> (f64, f64) {
    // image's apply_orientation: Rotate90 = rotate 90° clockwise, then flip where named.
    // Undo the flip first (it was applied last), then the rotation.
    let flip_h = |(x, y): (f64, f64)| (upright_w - x, y);
    let unrotate90 = |(x, y): (f64, f64)| (y, upright_w - x);
    let unrotate270 = |(x, y): (f64, f64)| (upright_h - y, x);
    match orientation {
        Orientation::NoTransforms => (x, y),
        Orientation::Rotate90 => unrotate90((x, y)),
        Orientation::Rotate180 => (upright_w - x, upright_h - y),
        Orientation::Rotate270 => unrotate270((x, y)),
        Orientation::FlipHorizontal => flip_h((x, y)),
        Orientation::FlipVertical => (x, upright_h - y),
        Orientation::Rotate90FlipH => unrotate90(flip_h((x, y))),
        Orientation::Rotate270FlipH => unrotate270(flip_h((x, y))),
    }
}

pub(super) fn stored_rect_from_upright(
    rect: Rect,
    orientation: Orientation,
    upright_w: f64,
    upright_h: f64,
) -> Rect {
    let a = stored_from_upright(orientation, (rect.x, rect.y), upright_w, upright_h);
    let b = stored_from_upright(
        orientation,
        (rect.right(), rect.bottom()),
        upright_w,
        upright_h,
    );
    Rect {
        x: a.0.min(b.0),
        y: a.1.min(b.1),
        width: (a.0 - b.0).abs(),
        height: (a.1 - b.1).abs(),
    }
}
