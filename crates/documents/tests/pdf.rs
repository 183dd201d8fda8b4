//! The PDFs read back by independent tools: their text through `pdftotext` (poppler), compared
//! with snapshots; their pages, bookmarks and tagging through `lopdf`.

use carepanel_documents::pdf::{
    ActionLine, Answer, Attendee, DecisionDoc, Declaration, MinuteItem, MinutesDoc, Note, PackDoc,
    PackItem, Resource, Section, Table, decision_pdf, minutes_pdf, pack_pdf,
};
use chrono::NaiveDate;
use lopdf::{Document, Object};
use std::io::Write;
use std::process::Command;

fn made() -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 30)
        .and_then(|d| d.and_hms_opt(9, 15, 0))
        .unwrap_or_default()
}

/// The text of a PDF as `pdftotext` reads it.
fn text_of(pdf: &[u8]) -> String {
    let mut file = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("temp file: {e}"));
    file.write_all(pdf).unwrap_or_else(|e| panic!("write: {e}"));
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(file.path())
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("pdftotext (poppler-utils) must be installed: {e}"));
    assert!(out.status.success(), "pdftotext failed: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The titles of the bookmarks, depth first, indented by level.
fn bookmarks(doc: &Document) -> Vec<String> {
    fn walk(doc: &Document, first: Option<&Object>, depth: usize, out: &mut Vec<String>) {
        let mut next = first.and_then(|o| o.as_reference().ok());
        while let Some(id) = next {
            let Ok(node) = doc.get_dictionary(id) else {
                break;
            };
            let title = node
                .get(b"Title")
                .ok()
                .and_then(|t| lopdf::decode_text_string(t).ok())
                .unwrap_or_default();
            out.push(format!("{}{title}", "  ".repeat(depth)));
            walk(doc, node.get(b"First").ok(), depth + 1, out);
            next = node.get(b"Next").ok().and_then(|o| o.as_reference().ok());
        }
    }
    let mut out = Vec::new();
    let outlines = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"Outlines").ok())
        .and_then(|o| o.as_reference().ok())
        .and_then(|id| doc.get_dictionary(id).ok());
    if let Some(o) = outlines {
        walk(doc, o.get(b"First").ok(), 0, &mut out);
    }
    out
}

/// Tagged: the catalogue marks the content and has a structure tree, and the language is set.
fn assert_tagged(doc: &Document) {
    let catalog = doc.catalog().unwrap_or_else(|e| panic!("catalog: {e}"));
    assert!(catalog.get(b"StructTreeRoot").is_ok(), "no structure tree");
    let marked = catalog
        .get(b"MarkInfo")
        .ok()
        .and_then(|m| match m {
            Object::Reference(id) => doc.get_dictionary(*id).ok(),
            Object::Dictionary(d) => Some(d),
            _ => None,
        })
        .and_then(|m| m.get(b"Marked").ok())
        .and_then(|m| m.as_bool().ok());
    assert_eq!(marked, Some(true), "MarkInfo /Marked is not true");
    let lang = catalog
        .get(b"Lang")
        .ok()
        .and_then(|l| lopdf::decode_text_string(l).ok());
    assert_eq!(lang.as_deref(), Some("en-GB"));
}

fn load(pdf: &[u8]) -> Document {
    Document::load_mem(pdf).unwrap_or_else(|e| panic!("lopdf cannot read the PDF: {e}"))
}

fn referral_sections(n: usize) -> Vec<Section> {
    vec![
        Section {
            title: "About the child".into(),
            answers: vec![
                Answer {
                    label: "Date of birth".into(),
                    value: Some("3 March 2014".into()),
                    table: None,
                },
                Answer {
                    label: "Why is this request being made?".into(),
                    value: Some(format!(
                        "Riley has been living with an aunt since the summer.\nThe family asks for help to keep the arrangement going (case {n}). Text such as #set page(width: 1cm) or = heading stays text."
                    )),
                    table: None,
                },
                Answer {
                    label: "Anything else".into(),
                    value: None,
                    table: None,
                },
            ],
        },
        Section {
            title: "Costs".into(),
            answers: vec![Answer {
                label: "Services asked for".into(),
                value: None,
                table: Some(Table {
                    head: vec!["Service".into(), "Weekly".into()],
                    rows: vec![
                        vec!["Family support worker".into(), "£310.00".into()],
                        vec!["Respite care".into(), "£120.50".into()],
                    ],
                }),
            }],
        },
    ]
}

fn pack(items: usize) -> PackDoc {
    PackDoc {
        council: "Example Borough Council".into(),
        panel: "Resource Panel".into(),
        meeting: "Tuesday 1 December 2026 at 10:00".into(),
        papers: Some("24 November 2026 at 16:00".into()),
        items: (1..=items)
            .map(|n| PackItem {
                start: Some(format!("{:02}:{:02}", 10 + (n * 20) / 60, (n * 20) % 60)),
                end: Some(format!(
                    "{:02}:{:02}",
                    10 + (n * 20 + 20) / 60,
                    (n * 20 + 20) % 60
                )),
                label: "Support package".into(),
                child: Some(format!("Riley Example {n}")),
                case_id: Some(format!("LCS {}", 100_000 + n)),
                listed_as: "standard".into(),
                amount: Some("£430.50 a week".into()),
                documents: vec!["Assessment: assessment.pdf".into()],
                sections: referral_sections(n),
                notes: if n == 1 {
                    vec![Note {
                        author: "Sam Member".into(),
                        role: "Housing".into(),
                        text: "Is the aunt's tenancy secure?".into(),
                    }]
                } else {
                    Vec::new()
                },
            })
            .collect(),
    }
}

#[test]
fn pack_reads_back_with_its_agenda_referrals_bookmarks_and_page_numbers() {
    let pdf = pack_pdf(&pack(2), made()).unwrap_or_else(|e| panic!("{e}"));
    let doc = load(&pdf);
    // Cover, agenda, and each referral from a new page.
    assert_eq!(doc.get_pages().len(), 4);
    assert_tagged(&doc);
    assert_eq!(
        bookmarks(&doc),
        [
            "Panel pack",
            "Agenda",
            "1. Support package: Riley Example 1",
            "  About the child",
            "  Costs",
            "  Pre-meeting notes",
            "2. Support package: Riley Example 2",
            "  About the child",
            "  Costs",
            "  Pre-meeting notes",
        ]
    );
    let text = text_of(&pdf);
    for page in 1..=4 {
        assert!(
            text.contains(&format!("Page {page} of 4")),
            "page {page} unnumbered"
        );
    }
    assert!(
        text.matches("OFFICIAL-SENSITIVE").count() >= 8,
        "a page is unmarked"
    );
    insta::assert_snapshot!("pack", text);
}

#[test]
fn typed_text_is_never_markup() {
    let mut doc = pack(1);
    doc.items[0].notes[0].text =
        "#pagebreak() #pagebreak() ]) } $x$ *bold* <label> @ref \\ // not a comment".into();
    let pdf = pack_pdf(&doc, made()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(load(&pdf).get_pages().len(), 3);
    let text = text_of(&pdf);
    assert!(
        text.contains("#pagebreak() #pagebreak() ]) } $x$ *bold* <label> @ref \\ // not a comment"),
        "{text}"
    );
}

#[test]
fn rec_06_decision_sheet_reads_back() {
    let sheet = DecisionDoc {
        council: "Example Borough Council".into(),
        panel: "Resource Panel".into(),
        child: Some("Riley Example".into()),
        case_id: Some("LCS 100001".into()),
        request: Some("Support package".into()),
        meeting: Some("1 December 2026 at 10:00".into()),
        outcome: "Resource approved".into(),
        lines: vec![
            "Family support is funded for 12 weeks.".into(),
            "The allocated worker reports back before the review.".into(),
        ],
        resources: vec![Resource {
            description: "Family support worker".into(),
            weekly: Some("£310.00".into()),
            one_off: None,
            start: Some("7 December 2026".into()),
            end: Some("28 February 2027".into()),
            total: "£3,720.00".into(),
        }],
        weekly: "£310.00".into(),
        total: "£3,720.00".into(),
        conditions: vec!["Reviewed if the aunt moves.".into()],
        actions: vec![ActionLine {
            description: "Send the decision to brokerage".into(),
            owner: "Panel administrator".into(),
            due: "3 December 2026".into(),
        }],
        return_date: Some("2 March 2027".into()),
        reviews: vec!["Approval review due 2 March 2027 (open)".into()],
        rationale: "Keeps Riley at home with family.".into(),
        chair: "Alex Chair".into(),
        decided: "1 December 2026".into(),
        policy_version: "2026-04".into(),
        guidance: Some(
            "Workers must not agree notice periods or therapies the panel has not specified."
                .into(),
        ),
    };
    let pdf = decision_pdf(&sheet, made()).unwrap_or_else(|e| panic!("{e}"));
    let doc = load(&pdf);
    assert_eq!(doc.get_pages().len(), 1);
    assert_tagged(&doc);
    assert_eq!(
        bookmarks(&doc),
        [
            "Decision sheet",
            "  The panel agreed that",
            "  Resources approved",
            "  Conditions",
            "  Actions",
            "  Decision",
        ]
    );
    insta::assert_snapshot!("decision", text_of(&pdf));
}

#[test]
fn minutes_read_back() {
    let person = |name: &str, role: &str| Attendee {
        name: name.into(),
        role: role.into(),
        cover_for: None,
    };
    let minutes = MinutesDoc {
        council: "Example Borough Council".into(),
        panel: "Resource Panel".into(),
        meeting: "Tuesday 1 December 2026 at 10:00".into(),
        status: "Held.".into(),
        present: vec![
            person("Alex Chair", "Head of Service"),
            Attendee {
                name: "Jo Cover".into(),
                role: "Service manager".into(),
                cover_for: Some("Pat Absent".into()),
            },
        ],
        apologies: vec![person("Pat Absent", "Service manager")],
        not_recorded: Vec::new(),
        declarations: vec![Declaration {
            name: "Jo Cover".into(),
            item: "1. Support package".into(),
            nature: "Knows the family".into(),
            excluded: true,
        }],
        items: vec![
            MinuteItem {
                start: Some("10:00".into()),
                label: "Support package".into(),
                child: Some("Riley Example".into()),
                case_id: Some("LCS 100001".into()),
                outcome: Some("Resource approved".into()),
                lines: vec!["Family support is funded for 12 weeks.".into()],
                rationale: Some("Keeps Riley at home with family.".into()),
                total: Some("£3,720.00".into()),
                return_date: Some("2 March 2027".into()),
                actions: vec![ActionLine {
                    description: "Send the decision to brokerage".into(),
                    owner: "Panel administrator".into(),
                    due: "3 December 2026".into(),
                }],
                chair: Some("Alex Chair".into()),
            },
            MinuteItem {
                start: Some("10:20".into()),
                label: "Residential placement".into(),
                child: Some("Casey Example".into()),
                case_id: None,
                ..MinuteItem::default()
            },
        ],
    };
    let pdf = minutes_pdf(&minutes, made()).unwrap_or_else(|e| panic!("{e}"));
    let doc = load(&pdf);
    assert_tagged(&doc);
    assert!(bookmarks(&doc).contains(&"  Declarations of interest".to_string()));
    insta::assert_snapshot!("minutes", text_of(&pdf));
}

#[test]
fn a_long_pack_is_numbered_throughout() {
    let pdf = pack_pdf(&pack(25), made()).unwrap_or_else(|e| panic!("{e}"));
    let pages = load(&pdf).get_pages().len();
    assert!(pages >= 27, "{pages} pages");
    let text = text_of(&pdf);
    assert!(text.contains(&format!("Page {pages} of {pages}")));
    assert!(text.contains("Riley Example 25"));
}
