//! Cells of the CSV files labelflow writes. A spreadsheet opening a CSV
//! file evaluates a cell starting with `=`, `+`, `-` or `@` (and, in some,
//! after a leading TAB or CR) as a formula: a title such as
//! `=HYPERLINK(...)` would run on the reader's machine (OWASP, "CSV
//! injection"). Such a cell is written with a leading `'`, which
//! spreadsheets show as text. JSON answers keep the value as it is.

use std::borrow::Cow;

/// The cell as written to a CSV file.
pub fn cell(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

/// Writes one record, every cell neutralised.
pub fn write_record<W: std::io::Write, S: AsRef<str>>(
    out: &mut csv::Writer<W>,
    fields: impl IntoIterator<Item = S>,
) -> csv::Result<()> {
    out.write_record(fields.into_iter().map(|f| cell(f.as_ref()).into_owned()))
}
