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

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formulas_become_text() {
        for risky in ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=1+1", "\r=1", "=HYPERLINK(\"http://x\")"] {
            assert_eq!(cell(risky), format!("'{risky}"), "{risky:?}");
        }
        for plain in ["Campus Bois", "2027-01-01", "", "user:42", "{\"a\":1}", "1-2"] {
            assert_eq!(cell(plain), plain);
        }
    }
}
