//! Tables for spreadsheets: one model written as CSV (RFC 4180) and as XLSX, because finance and
//! commissioning work in spreadsheets (FIN-05, RPT-01). Money stays a number in pence until the
//! cell: CSV carries pounds with two decimals, XLSX a number formatted as pounds. Text that a
//! spreadsheet would run as a formula is made inert.

use chrono::NaiveDate;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// Whole pence.
    Money(i64),
    Date(NaiveDate),
    Number(i64),
    Empty,
}

/// A titled table with a heading row.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// The worksheet's name (at most 31 characters are kept).
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Text a spreadsheet would take as a formula (=, +, -, @, or a tab or carriage return first)
/// gets a leading apostrophe, so it is shown, not run (the OWASP CSV injection advice).
pub fn inert(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

fn pounds(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let abs = pence.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The table as CSV: a heading row, CRLF line ends, fields quoted where they must be, dates as
/// ISO 8601, money as pounds and pence.
pub fn to_csv(sheet: &Sheet) -> String {
    let mut out = String::new();
    let line = |cells: Vec<String>, out: &mut String| {
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_field(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    };
    line(sheet.headers.iter().map(|h| inert(h)).collect(), &mut out);
    for row in &sheet.rows {
        line(
            row.iter()
                .map(|c| match c {
                    Cell::Text(t) => inert(t),
                    Cell::Money(p) => pounds(*p),
                    Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
                    Cell::Number(n) => n.to_string(),
                    Cell::Empty => String::new(),
                })
                .collect(),
            &mut out,
        );
    }
    out
}

/// Days since Excel's epoch (1899-12-30), as XLSX stores dates.
fn excel_serial(d: NaiveDate) -> f64 {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or(d);
    (d - epoch).num_days() as f64
}

/// Why a workbook could not be written.
#[derive(Debug)]
pub struct SheetError(pub String);

impl std::fmt::Display for SheetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the spreadsheet could not be written: {}", self.0)
    }
}

impl std::error::Error for SheetError {}

/// The table as an XLSX workbook: a bold, frozen heading row with filters, money formatted as
/// pounds, dates as dates.
pub fn to_xlsx(sheet: &Sheet) -> Result<Vec<u8>, SheetError> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| SheetError(e.to_string());
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let title: String = sheet
        .title
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    if !title.trim().is_empty() {
        ws.set_name(title.trim()).map_err(err)?;
    }
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("£#,##0.00;-£#,##0.00");
    let date = Format::new().set_num_format("d mmm yyyy");
    for (c, h) in sheet.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)
            .map_err(err)?;
        ws.set_column_width(c as u16, (h.chars().count().max(12) + 2) as f64)
            .map_err(err)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = (r + 1) as u32;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                // XLSX cells are typed: text is never run as a formula, so it is kept as typed.
                Cell::Text(t) => {
                    ws.write_string(r, c, t).map_err(err)?;
                }
                Cell::Money(p) => {
                    ws.write_number_with_format(r, c, *p as f64 / 100.0, &money)
                        .map_err(err)?;
                }
                Cell::Date(d) => {
                    ws.write_number_with_format(r, c, excel_serial(*d), &date)
                        .map_err(err)?;
                }
                Cell::Number(n) => {
                    ws.write_number(r, c, *n as f64).map_err(err)?;
                }
                Cell::Empty => {}
            }
        }
    }
    if !sheet.headers.is_empty() {
        ws.set_freeze_panes(1, 0).map_err(err)?;
        ws.autofilter(
            0,
            0,
            sheet.rows.len() as u32,
            (sheet.headers.len() - 1) as u16,
        )
        .map_err(err)?;
    }
    book.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_it_must_and_makes_formulas_inert() {
        let sheet = Sheet {
            title: "Log".into(),
            headers: vec!["Child".into(), "Resource".into(), "Total".into()],
            rows: vec![vec![
                Cell::Text("=HYPERLINK(\"x\")".into()),
                Cell::Text("Family support, \"intensive\"\nweekly".into()),
                Cell::Money(-123456),
            ]],
        };
        assert_eq!(
            to_csv(&sheet),
            "Child,Resource,Total\r\n\"'=HYPERLINK(\"\"x\"\")\",\"Family support, \"\"intensive\"\"\nweekly\",-1234.56\r\n"
        );
        assert_eq!(inert("-5"), "'-5");
        assert_eq!(inert("Plain"), "Plain");
    }
}
