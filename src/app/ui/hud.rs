//! The HUD: RSS, CPU and frame time over the last minute, and the project's memory by part.

use eframe::egui;

use crate::app::logic::MemoryParts;
use crate::monitor::Monitor;

/// Span whose lowest RSS sample is one point of the HUD's growth fit.
const RSS_FLOOR_BUCKET_SECS: f64 = 5.0;

/// Width of the plots' value axis, wide enough for "1000".
const Y_AXIS_WIDTH: f32 = 36.0;
/// Seconds of steady state (no import, export or tile upload) before growth is shown: six of
/// the floor fit's 5 s spans (20 s read a settling editor as +10 MB/min).
const STEADY_WINDOW_SECS: f64 = 30.0;

/// Memory growth over the steady window, in orange above 5 MB/min; "measuring" until the
/// window is long enough (memory a job leaves behind for reuse is not a leak).
fn growth_ui(ui: &mut egui::Ui, stats: &crate::monitor::Stats) {
    let steady = stats.steady_secs();
    if steady < STEADY_WINDOW_SECS {
        ui.weak(format!(
            "growth: measuring ({steady:.0} of {STEADY_WINDOW_SECS:.0} s steady)"
        ))
        .on_hover_text("Growth is measured while nothing is imported, exported or uploaded");
        return;
    }
    // The floor's slope: swings that come back down are not growth.
    let growth = stats
        .rss_mb
        .floor_slope_per_sec_since(RSS_FLOOR_BUCKET_SECS, stats.steady_since_secs)
        * 60.0;
    let color = if growth > 5.0 {
        egui::Color32::from_rgb(255, 120, 80)
    } else {
        ui.visuals().text_color()
    };
    ui.colored_label(color, format!("growth {growth:+.1} MB/min"))
        .on_hover_text(format!("Over the last {steady:.0} s of steady state"));
}

/// The HUD: RSS, CPU and frame time over the last minute.
pub fn hud_ui(ui: &mut egui::Ui, monitor: &Monitor, memory: &MemoryParts) {
    use egui_plot::{Line, Plot, PlotPoints};
    let Some(stats) = monitor.snapshot() else {
        return;
    };
    let rss = stats.rss_mb.last().unwrap_or(0.0);
    ui.horizontal_wrapped(|ui| {
        ui.label(format!("RSS {rss:.0} MB (peak {:.0})", stats.peak_rss_mb));
        growth_ui(ui, &stats);
        ui.label(format!(
            "CPU {:.0} %",
            stats.cpu_percent.last().unwrap_or(0.0)
        ));
        ui.label(format!(
            "frame {:.1} ms",
            stats.frame_ms.last().unwrap_or(0.0)
        ));
    });
    let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "tiles {:.1} MB RAM + {:.1} MB GPU ({}), still {:.1} MB GPU, panels {:.1} MB GPU, thumbnails {:.1} MB RAM + {:.1} MB GPU, budget {:.0} MB",
            mb(memory.tiles_ram),
            mb(memory.tiles_gpu),
            memory.tiles_state,
            mb(memory.still_gpu),
            mb(memory.panels_gpu),
            mb(memory.thumbs_ram),
            mb(memory.thumbs_gpu),
            mb(memory.budget),
        ));
        if let Some(frames) = memory.encoder_queue_frames {
            ui.label(format!(
                "export queue {frames} frames ({:.1} MB)",
                mb(memory.encoder_queue)
            ));
        }
    });
    // One time span for the three plots, so that a moment sits at the same x in each.
    let histories = [&stats.rss_mb, &stats.cpu_percent, &stats.frame_ms];
    let first = histories
        .iter()
        .filter_map(|h| h.iter().next())
        .map(|p| p[0]);
    let last = histories
        .iter()
        .filter_map(|h| h.iter().last())
        .map(|p| p[0]);
    let span = (
        first.fold(f64::INFINITY, f64::min),
        last.fold(0.0, f64::max),
    );
    for (name, title, history, unit) in [
        ("rss", "Memory (RSS), MB", &stats.rss_mb, "MB"),
        ("cpu", "CPU, % of one core", &stats.cpu_percent, "%"),
        ("frame", "Frame time, ms", &stats.frame_ms, "ms"),
    ] {
        ui.small(title);
        Plot::new(name)
            .height(60.0)
            .show_axes([false, true])
            // One width for every plot's value axis, so that the three line up in time.
            .y_axis_min_width(Y_AXIS_WIDTH)
            .include_x(if span.0.is_finite() { span.0 } else { 0.0 })
            .include_x(span.1)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .show(ui, |plot| {
                plot.line(Line::new(
                    format!("{name} ({unit})"),
                    PlotPoints::new(history.iter().collect()),
                ));
            });
    }
}
