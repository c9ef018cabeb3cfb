//! The order photos are used in: by name (the scan's natural order), by the date taken, or
//! shuffled by a seed. The date taken is EXIF `DateTimeOriginal`, with `OffsetTimeOriginal`
//! where the camera wrote it (JPEG, HEIF, TIFF, PNG and WebP, read with kamadak-exif), else
//! the file's modification time; photos with equal times keep name order.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::settings::{PhotoSettings, PhotoSort};

/// When a photo was taken, as far as can be told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taken {
    /// Seconds since 1970-01-01 00:00 UTC (an EXIF time without an offset is taken as UTC).
    pub unix_secs: i64,
    /// The time of day and date as the camera wrote them, for display.
    pub local: CivilTime,
    /// Where the time comes from.
    pub source: TakenSource,
}

/// A calendar date and time of day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CivilTime {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// Where a photo's time comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TakenSource {
    /// EXIF `DateTimeOriginal` (with its offset when present).
    Exif,
    /// The file's modification time (UTC).
    Modified,
}

impl std::fmt::Display for Taken {
    /// `2021-05-01 10:00`, with a `*` when it is only the file's time.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = self.local;
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}",
            t.year, t.month, t.day, t.hour, t.minute
        )?;
        if self.source == TakenSource::Modified {
            f.write_str(" (file)")?;
        }
        Ok(())
    }
}

/// When the photo at `path` was taken: its EXIF date, else the file's modification time;
/// `None` when neither can be read.
#[must_use]
pub fn taken(path: &Path) -> Option<Taken> {
    exif_taken(path).or_else(|| modified(path))
}

fn exif_taken(path: &Path) -> Option<Taken> {
    let file = crate::files::open_regular(path).ok()?;
    let exif = exif::Reader::new()
        .read_from_container(&mut BufReader::new(file))
        .ok()?;
    let ascii = |tag| match exif.get_field(tag, exif::In::PRIMARY).map(|f| &f.value) {
        Some(exif::Value::Ascii(parts)) => parts.first().cloned(),
        _ => None,
    };
    let mut time = exif::DateTime::from_ascii(&ascii(exif::Tag::DateTimeOriginal)?).ok()?;
    if let Some(offset) = ascii(exif::Tag::OffsetTimeOriginal) {
        // A malformed offset leaves the time without one.
        let _ = time.parse_offset(&offset);
    }
    let local = CivilTime {
        year: i32::from(time.year),
        month: u32::from(time.month),
        day: u32::from(time.day),
        hour: u32::from(time.hour),
        minute: u32::from(time.minute),
        second: u32::from(time.second),
    };
    if !(1..=12).contains(&local.month) || !(1..=31).contains(&local.day) {
        return None;
    }
    let offset_secs = i64::from(time.offset.unwrap_or(0)) * 60;
    Some(Taken {
        unix_secs: unix_from_civil(local) - offset_secs,
        local,
        source: TakenSource::Exif,
    })
}

fn modified(path: &Path) -> Option<Taken> {
    let time = std::fs::metadata(path).ok()?.modified().ok()?;
    let unix_secs = match time.duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).ok()?,
        Err(before) => -i64::try_from(before.duration().as_secs()).ok()?,
    };
    Some(Taken {
        unix_secs,
        local: civil_from_unix(unix_secs),
        source: TakenSource::Modified,
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn unix_from_civil(t: CivilTime) -> i64 {
    days_from_civil(t.year, t.month, t.day) * 86_400
        + i64::from(t.hour) * 3600
        + i64::from(t.minute) * 60
        + i64::from(t.second)
}

/// The UTC calendar time of `unix_secs` (the inverse of [`days_from_civil`]).
fn civil_from_unix(unix_secs: i64) -> CivilTime {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    CivilTime {
        year: i32::try_from(year).unwrap_or(i32::MAX),
        month: month as u32,
        day: day as u32,
        hour: (secs / 3600) as u32,
        minute: (secs % 3600 / 60) as u32,
        second: (secs % 60) as u32,
    }
}

/// `paths` (in name order, as the scan gives them) in the order `settings` asks for.
#[must_use]
pub fn sort_photos(mut paths: Vec<PathBuf>, settings: PhotoSettings) -> Vec<PathBuf> {
    match settings.sort {
        PhotoSort::Name => {
            // Stable, and the scan's own order for the photos of one folder.
            paths.sort_by(|a, b| {
                super::scan::natural_cmp(&a.to_string_lossy(), &b.to_string_lossy())
            });
            paths
        }
        PhotoSort::Date => {
            let times: Vec<Option<i64>> = paths
                .par_iter()
                .map(|p| taken(p).map(|t| t.unix_secs))
                .collect();
            let mut keyed: Vec<(Option<i64>, PathBuf)> = times.into_iter().zip(paths).collect();
            // Stable: equal times keep name order; photos with no time at all go last.
            keyed.sort_by_key(|(time, _)| (time.is_none(), *time));
            keyed.into_iter().map(|(_, path)| path).collect()
        }
        PhotoSort::Shuffle => {
            shuffle(&mut paths, settings.seed);
            paths
        }
    }
}

/// Fisher–Yates with splitmix64: the same seed and list give the same order on every
/// machine and Rust version.
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    for i in (1..items.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        for (y, m, d, days) in [(1970, 1, 1, 0), (2000, 3, 1, 11_017), (2021, 5, 1, 18_748)] {
            assert_eq!(days_from_civil(y, m, d), days);
            let back = civil_from_unix(days * 86_400 + 3723);
            assert_eq!(
                (
                    back.year,
                    back.month,
                    back.day,
                    back.hour,
                    back.minute,
                    back.second
                ),
                (y, m, d, 1, 2, 3)
            );
        }
        assert_eq!(civil_from_unix(-1).year, 1969);
    }

    #[test]
    fn shuffles_depend_only_on_the_seed() {
        let names: Vec<PathBuf> = (0..20).map(|i| PathBuf::from(format!("{i}.jpg"))).collect();
        let order = |seed| {
            sort_photos(
                names.clone(),
                PhotoSettings {
                    sort: PhotoSort::Shuffle,
                    seed,
                    ..PhotoSettings::default()
                },
            )
        };
        assert_eq!(order(7), order(7));
        assert_ne!(order(7), order(8));
        assert_ne!(order(7), names);
        let mut sorted = order(7);
        sorted.sort();
        let mut expected = names.clone();
        expected.sort();
        assert_eq!(sorted, expected, "a permutation");
    }
}
