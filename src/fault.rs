//! Fault injection for the reliability tests: a panic in a photo decoder, a panic in an
//! export, a GPU validation error. Faults are armed by the environment variable
//! `GRIDREEL_FAULT` (read once; `;`-separated `KIND:NAME` entries) or by [`arm`] in-process,
//! and fire only for the photo or output file named NAME, so a test cannot disturb another.
//! Unarmed, a check is one uncontended lock per photo or export: nothing per frame.
//!
//! Compiled into debug builds only (`cfg(debug_assertions)`, see `src/lib.rs`): the plain
//! `cargo test` builds the library and the `gridreel` binary it runs that way, and the
//! release build the package ships has neither the hooks nor the `GRIDREEL_FAULT` name
//! (`.ci/check-package` fails if the packaged binary contains it).

use std::ffi::OsStr;
use std::path::Path;
use std::sync::Mutex;

/// A place where a fault can be injected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The photo decoder panics on the photo named NAME.
    DecodePanic,
    /// The export writing the file named NAME panics after validation.
    ExportPanic,
    /// The export writing the file named NAME makes an invalid GPU call on its first frame.
    GpuError,
}

impl Fault {
    fn kind(self) -> &'static str {
        match self {
            Self::DecodePanic => "decode-panic",
            Self::ExportPanic => "export-panic",
            Self::GpuError => "gpu-error",
        }
    }
}

static ARMED: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn from_env() -> &'static [String] {
    static ENV: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    ENV.get_or_init(|| {
        std::env::var("GRIDREEL_FAULT")
            .map(|v| v.split(';').map(str::to_owned).collect())
            .unwrap_or_default()
    })
}

/// Arms `fault` for the file named `name` in this process.
pub fn arm(fault: Fault, name: &str) {
    if let Ok(mut armed) = ARMED.lock() {
        armed.push(format!("{}:{name}", fault.kind()));
    }
}

/// Whether `fault` is armed for the file at `path`.
#[must_use]
pub fn armed(fault: Fault, path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(OsStr::to_str) else {
        return false;
    };
    let entry = format!("{}:{name}", fault.kind());
    from_env().contains(&entry) || ARMED.lock().is_ok_and(|a| a.contains(&entry))
}

/// Panics when `fault` is armed for `path`.
pub fn panic_if_armed(fault: Fault, path: &Path) {
    assert!(
        !armed(fault, path),
        "injected fault {} for {}",
        fault.kind(),
        path.display()
    );
}
