//! The result table: one `Row` per measurement, printed as the Markdown table that
//! docs/PERFORMANCE.md quotes verbatim.

use std::fmt::Write as _;

/// What a bench step returns; the error is the reason, said in the table or on stderr.
pub(super) type BenchResult<T> = Result<T, String>;

/// One line of the result table.
pub(super) struct Row {
    pub what: String,
    pub value: String,
    pub target: &'static str,
}

impl Row {
    /// The row of a measurement that could not be made, saying why.
    pub fn not_measured(what: &str, reason: &str) -> Self {
        Self {
            what: what.to_owned(),
            value: format!("not measured: {reason}"),
            target: "-",
        }
    }
}

/// The table under a line naming the machine.
pub(super) fn table(machine: &str, rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\ngridreel bench on {machine}\n");
    let _ = writeln!(out, "| measurement | result | target |");
    let _ = writeln!(out, "|---|---|---|");
    for row in rows {
        let _ = writeln!(out, "| {} | {} | {} |", row.what, row.value, row.target);
    }
    out
}
