//! Timed runs and pairs of them: wall and CPU seconds of one run, and the median of pairs
//! timed back to back.

use std::time::Instant;

use super::table::BenchResult;
use crate::monitor::cpu_secs;

/// Timed export / encode-only pairs per ratio row. The two are timed back to back and the
/// row reports the median pair, so a slow spell on a shared machine skews one pair, not the
/// result.
pub(super) const RATIO_PAIRS: usize = 5;
/// Pairs per motion row (fewer: they check that a motion costs no more than the slide).
pub(super) const MOTION_PAIRS: usize = 3;

/// One timed run: wall seconds and process CPU seconds (when /proc has them).
#[derive(Clone, Copy)]
pub(super) struct Timed {
    pub secs: f64,
    pub cpu: Option<f64>,
}

pub(super) fn timed<T>(run: impl FnOnce() -> BenchResult<T>) -> BenchResult<(T, Timed)> {
    let cpu0 = cpu_secs(false);
    let started = Instant::now();
    let value = run()?;
    let secs = started.elapsed().as_secs_f64();
    let cpu = cpu_secs(false).zip(cpu0).map(|(b, a)| b - a);
    Ok((value, Timed { secs, cpu }))
}

/// The pair of median ratio among `(ratio, ours, theirs)` pairs (there is at least one), and
/// every ratio, lowest first, to two decimals.
pub(super) fn median_pair<T: Copy>(pairs: &mut [(f64, T, T)]) -> ((f64, T, T), Vec<String>) {
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let all = pairs.iter().map(|p| format!("{:.2}", p.0)).collect();
    (pairs[pairs.len() / 2], all)
}

/// `, 1.2 s CPU`, or nothing when the CPU time is unknown.
pub(super) fn cpu_note(cpu: Option<f64>) -> String {
    cpu.map_or_else(String::new, |c| format!(", {c:.1} s CPU"))
}

#[cfg(test)]
mod tests {
    use super::median_pair;

    #[test]
    fn the_median_pair_is_the_middle_ratio_with_its_own_values() {
        let mut pairs = [(1.3, 'c', 'C'), (1.1, 'a', 'A'), (1.2, 'b', 'B')];
        let (median, all) = median_pair(&mut pairs);
        assert_eq!(median, (1.2, 'b', 'B'));
        assert_eq!(all, ["1.10", "1.20", "1.30"]);
    }
}
