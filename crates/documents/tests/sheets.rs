//! Spreadsheets read back by independent readers: CSV by the `csv` crate, XLSX by `calamine`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use calamine::{Data, Reader, Xlsx};
use carepanel_documents::sheet::{Cell, Sheet, to_csv, to_xlsx};
use chrono::NaiveDate;
use std::io::Cursor;

fn log() -> Sheet {
    Sheet {
        title: "Finance log: Bexley [Dec]".into(),
        headers: vec![
            "Meeting".into(),
            "Child".into(),
            "Resource".into(),
            "Weekly".into(),
            "Total".into(),
            "Weeks".into(),
        ],
        rows: vec![
            vec![
                Cell::Date(NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()),
                Cell::Text("LL-100234".into()),
                Cell::Text("Family support worker, 10 hours".into()),
                Cell::Money(30000),
                Cell::Money(360000),
                Cell::Number(12),
            ],
            vec![
                Cell::Date(NaiveDate::from_ymd_opt(2027, 1, 7).unwrap()),
                Cell::Text("=1+1".into()),
                Cell::Text("Respite \"short breaks\"".into()),
                Cell::Empty,
                Cell::Money(-1),
                Cell::Empty,
            ],
        ],
    }
}

#[test]
fn csv_reads_back_field_for_field() {
    let text = to_csv(&log());
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(headers, log().headers);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(
        rows,
        vec![
            vec![
                "2026-12-03",
                "LL-100234",
                "Family support worker, 10 hours",
                "300.00",
                "3600.00",
                "12"
            ],
            vec![
                "2027-01-07",
                "'=1+1",
                "Respite \"short breaks\"",
                "",
                "-0.01",
                ""
            ],
        ]
    );
}

#[test]
fn xlsx_reads_back_with_numbers_dates_and_text() {
    let bytes = to_xlsx(&log()).unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    assert_eq!(names, vec!["Finance log Bexley Dec".to_string()]);
    let range = book.worksheet_range(&names[0]).unwrap();
    assert_eq!(range.get_size(), (3, 6));
    assert_eq!(range.get((0, 4)), Some(&Data::String("Total".into())));
    assert_eq!(range.get((1, 1)), Some(&Data::String("LL-100234".into())));
    assert_eq!(range.get((1, 3)), Some(&Data::Float(300.0)));
    assert_eq!(range.get((1, 4)), Some(&Data::Float(3600.0)));
    assert_eq!(range.get((1, 5)), Some(&Data::Float(12.0)));
    assert_eq!(range.get((2, 4)), Some(&Data::Float(-0.01)));
    // XLSX cells are typed, so text that looks like a formula stays text.
    assert_eq!(range.get((2, 1)), Some(&Data::String("=1+1".into())));
    assert_eq!(range.get((2, 3)), Some(&Data::Empty));
    match range.get((1, 0)) {
        Some(Data::DateTime(d)) => {
            assert_eq!(d.as_f64(), 46359.0, "3 December 2026 as Excel counts days");
        }
        other => panic!("a date cell, not {other:?}"),
    }
}
