//! The HUD: RSS, CPU and frame time over the last minute, and the project's memory by part.

use eframe::egui;

use crate::app::logic::MemoryParts;
use crate::monitor::Monitor;

/// Span whose lowest RSS sample is one point of the HUD's growth fit.
const RSS_FLOOR_BUCKET_SECS: f64 = 5.0;

/// The HUD: RSS, CPU and frame time over the last minute.
pub fn hud_ui(ui: &mut egui::Ui, monitor: &Monitor, memory: &MemoryParts) {
    use egui_plot::{Line, Plot, PlotPoints};
    let Some(stats) = monitor.snapshot() else {
        return;
    };
    let rss = stats.rss_mb.last().unwrap_or(0.0);
    // The floor's slope: swings that come back down are not growth.
    let growth = stats.rss_mb.floor_slope_per_sec(RSS_FLOOR_BUCKET_SECS) * 60.0;
    let color = if growth > 5.0 {
        egui::Color32::from_rgb(255, 120, 80)
    } else {
        ui.visuals().text_color()
    };
    ui.horizontal(|ui| {
        ui.label(format!("RSS {rss:.0} MB (peak {:.0})", stats.peak_rss_mb));
        ui.colored_label(color, format!("growth {growth:+.1} MB/min"));
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
    ui.horizontal(|ui| {
        ui.label(format!(
            "tiles {:.1} MB RAM + {:.1} MB GPU ({}), still {:.1} MB GPU, thumbnails {:.1} MB RAM + {:.1} MB GPU, budget {:.0} MB",
            mb(memory.tiles_ram),
            mb(memory.tiles_gpu),
            memory.tiles_state,
            mb(memory.still_gpu),
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
    for (name, title, history, unit) in [
        ("rss", "Memory (RSS), MB", &stats.rss_mb, "MB"),
        ("cpu", "CPU, % of one core", &stats.cpu_percent, "%"),
        ("frame", "Frame time, ms", &stats.frame_ms, "ms"),
    ] {
        ui.small(title);
        Plot::new(name)
            .height(60.0)
            .show_axes([false, true])
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
