//! PDFs typeset from the record with typst: the panel pack, the decision sheet and the
//! minutes. Each document is a fixed typst template that reads its data from a JSON file the
//! template cannot escape from: text typed by people is only ever data, never markup.
//!
//! The PDFs are tagged (the structure a screen reader follows), carry their text, have a
//! bookmark per heading and page numbers, and every page is marked OFFICIAL-SENSITIVE. They
//! are made to PDF/UA-1, the accessible PDF standard, which typst checks as it writes them.

use chrono::{Datelike, NaiveDateTime, Timelike};
use serde::Serialize;
use std::sync::LazyLock;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

/// What stops a document being made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the document's data could not be written: {0}")]
    Data(#[from] serde_json::Error),
    #[error("the document could not be typeset: {0}")]
    Typeset(String),
}

/// A form's answer as it is read: a value, a table, or not answered (both empty).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Answer {
    pub label: String,
    pub value: Option<String>,
    pub table: Option<Table>,
}

/// A table with its heading row.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Table {
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A section of a referral form with its answers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Section {
    pub title: String,
    pub answers: Vec<Answer>,
}

/// A member's pre-meeting note.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Note {
    pub author: String,
    pub role: String,
    pub text: String,
}

/// One item of the pack, in running order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PackItem {
    pub start: Option<String>,
    pub end: Option<String>,
    pub label: String,
    pub child: Option<String>,
    pub case_id: Option<String>,
    pub listed_as: String,
    pub amount: Option<String>,
    pub documents: Vec<String>,
    pub sections: Vec<Section>,
    pub notes: Vec<Note>,
}

/// The pack for a meeting: cover, agenda with slot times, each referral in full.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PackDoc {
    pub council: String,
    pub panel: String,
    /// When the meeting starts, in words.
    pub meeting: String,
    /// When the papers were circulated, in words; none while they have not been.
    pub papers: Option<String>,
    pub items: Vec<PackItem>,
}

/// A resource the panel approved.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Resource {
    pub description: String,
    pub weekly: Option<String>,
    pub one_off: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub total: String,
}

/// An action the panel set.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ActionLine {
    pub description: String,
    pub owner: String,
    pub due: String,
}

/// A decision sheet (Bexley's Part B layout, which every panel uses): what the panel agreed,
/// the outcome, resources, conditions, actions, return date, rationale, chair and date.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DecisionDoc {
    pub council: String,
    pub panel: String,
    pub child: Option<String>,
    pub case_id: Option<String>,
    pub request: Option<String>,
    pub meeting: Option<String>,
    pub outcome: String,
    pub lines: Vec<String>,
    pub resources: Vec<Resource>,
    pub weekly: String,
    pub total: String,
    pub conditions: Vec<String>,
    pub actions: Vec<ActionLine>,
    pub return_date: Option<String>,
    pub reviews: Vec<String>,
    pub rationale: String,
    pub chair: String,
    pub decided: String,
    pub policy_version: String,
    pub guidance: Option<String>,
}

/// Someone at the meeting, or who sent apologies.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Attendee {
    pub name: String,
    pub role: String,
    /// For cover: whom they covered.
    pub cover_for: Option<String>,
}

/// An interest declared on an item, and whether it took the member out of the decision.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Declaration {
    pub name: String,
    pub item: String,
    pub nature: String,
    pub excluded: bool,
}

/// One item as minuted.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MinuteItem {
    pub start: Option<String>,
    pub label: String,
    pub child: Option<String>,
    pub case_id: Option<String>,
    /// The outcome's label; none when the item was not decided.
    pub outcome: Option<String>,
    pub lines: Vec<String>,
    pub rationale: Option<String>,
    pub total: Option<String>,
    pub return_date: Option<String>,
    pub actions: Vec<ActionLine>,
    pub chair: Option<String>,
}

/// The minutes of a meeting, produced from what was recorded at it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MinutesDoc {
    pub council: String,
    pub panel: String,
    pub meeting: String,
    pub status: String,
    pub present: Vec<Attendee>,
    pub apologies: Vec<Attendee>,
    pub not_recorded: Vec<Attendee>,
    pub declarations: Vec<Declaration>,
    pub items: Vec<MinuteItem>,
}

const STYLE: &str = include_str!("typst/style.typ");
const PACK: &str = include_str!("typst/pack.typ");
const DECISION: &str = include_str!("typst/decision.typ");
const MINUTES: &str = include_str!("typst/minutes.typ");

/// The panel pack as a PDF.
pub fn pack_pdf(doc: &PackDoc, made: NaiveDateTime) -> Result<Vec<u8>, PdfError> {
    typeset("/pack.typ", PACK, doc, made)
}

/// A decision sheet as a PDF.
pub fn decision_pdf(doc: &DecisionDoc, made: NaiveDateTime) -> Result<Vec<u8>, PdfError> {
    typeset("/decision.typ", DECISION, doc, made)
}

/// The minutes as a PDF.
pub fn minutes_pdf(doc: &MinutesDoc, made: NaiveDateTime) -> Result<Vec<u8>, PdfError> {
    typeset("/minutes.typ", MINUTES, doc, made)
}

/// Forgets every layout typst has memoised, so the next document is typeset from nothing
/// (for benchmarks; a server keeps the cache, bounded by the eviction after each document).
pub fn forget_cached_layouts() {
    typst::comemo::evict(0);
}

/// The fonts and standard library, loaded once.
struct Toolkit {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static TOOLKIT: LazyLock<Toolkit> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Toolkit {
        library: LazyHash::new(Library::default()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

fn file_id(path: &str) -> Result<FileId, PdfError> {
    let vpath = VirtualPath::new(path).map_err(|e| PdfError::Typeset(format!("{e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

/// One document being typeset: its template, the shared style and its data.
struct Job {
    main: Source,
    style: Source,
    data_id: FileId,
    data: Bytes,
    today: Option<Datetime>,
}

impl World for Job {
    fn library(&self) -> &LazyHash<Library> {
        &TOOLKIT.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &TOOLKIT.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else if id == self.style.id() {
            Ok(self.style.clone())
        } else {
            Err(FileError::NotFound(
                id.get().vpath().get_without_slash().into(),
            ))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else {
            self.source(id).map(Bytes::from_string)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        TOOLKIT.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

fn datetime(t: NaiveDateTime) -> Option<Datetime> {
    Datetime::from_ymd_hms(
        t.year(),
        u8::try_from(t.month()).ok()?,
        u8::try_from(t.day()).ok()?,
        u8::try_from(t.hour()).ok()?,
        u8::try_from(t.minute()).ok()?,
        u8::try_from(t.second()).ok()?,
    )
}

fn diagnostics(errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|d| d.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

fn typeset(
    path: &str,
    template: &str,
    data: &impl Serialize,
    made: NaiveDateTime,
) -> Result<Vec<u8>, PdfError> {
    let job = Job {
        main: Source::new(file_id(path)?, template.to_string()),
        style: Source::new(file_id("/style.typ")?, STYLE.to_string()),
        data_id: file_id("/data.json")?,
        data: Bytes::new(serde_json::to_vec(data)?),
        today: datetime(made),
    };
    let document: PagedDocument = typst::compile(&job)
        .output
        .map_err(|e| PdfError::Typeset(diagnostics(&e)))?;
    // PDF/UA-1: typst checks the tagged structure (title, language, table headers, reading
    // order) and refuses a document that breaks it.
    let standards = PdfStandards::new(&[PdfStandard::Ua_1])
        .map_err(|e| PdfError::Typeset(e.message().to_string()))?;
    let options = PdfOptions {
        standards,
        ident: Smart::Auto,
        creator: Smart::Custom(Some("carepanel".to_string())),
        timestamp: datetime(made).map(Timestamp::new_utc),
        ..PdfOptions::default()
    };
    let pdf = typst_pdf::pdf(&document, &options).map_err(|e| PdfError::Typeset(diagnostics(&e)));
    // Each document's data differs: keep typst's memo cache from growing without end.
    typst::comemo::evict(10);
    pdf
}
