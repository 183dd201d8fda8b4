//! P6: the panel pack PDF for a 25-item meeting (target under 2 s) and a decision sheet
//! (target under 200 ms), typeset on this machine.
//!
//! Run with `cargo run --release -p carepanel-bench --bin pdf-bench`. The pack is invented
//! but sized like a full referral: eight sections of six answers, paragraphs of free text, a
//! costs table and members' notes, for each of the 25 items. The first document of a run
//! also loads the fonts; it is reported apart. Every run forgets typst's memoised layouts
//! first, so none is helped by the one before.

use carepanel_documents::pdf::{
    ActionLine, Answer, DecisionDoc, Note, PackDoc, PackItem, Resource, Section, Table,
    decision_pdf, forget_cached_layouts, pack_pdf,
};
use std::time::{Duration, Instant};

const PARAGRAPH: &str = "The family has been known to the service for two years. Since the \
summer the children have lived with their maternal aunt, who works part time and has two \
children of her own. The school reports better attendance and the younger child is settled. \
The aunt asks for help with respite at weekends and with the cost of transport to contact, \
which happens twice a week across the borough. Without this support the arrangement is at \
risk and the alternative would be a foster placement some distance from school.";

fn item(n: usize) -> PackItem {
    let answers = |s: usize| {
        (0..6)
            .map(|a| Answer {
                label: format!("Question {s}.{a}: what the form asks here"),
                value: Some(if a % 2 == 0 {
                    format!("{PARAGRAPH}\n{PARAGRAPH}")
                } else {
                    "Yes".to_string()
                }),
                table: None,
            })
            .collect::<Vec<_>>()
    };
    let mut sections: Vec<Section> = (1..=8)
        .map(|s| Section {
            title: format!("Section {s}"),
            answers: answers(s),
        })
        .collect();
    sections[7].answers.push(Answer {
        label: "Costs asked for".into(),
        value: None,
        table: Some(Table {
            head: vec![
                "Service".into(),
                "Weekly".into(),
                "Weeks".into(),
                "Total".into(),
            ],
            rows: (1..=4)
                .map(|r| {
                    vec![
                        format!("Service {r}"),
                        format!("£{}.00", 100 * r),
                        "12".into(),
                        format!("£{}.00", 1200 * r),
                    ]
                })
                .collect(),
        }),
    });
    PackItem {
        start: Some(format!("{:02}:{:02}", 9 + (n * 15) / 60, (n * 15) % 60)),
        end: Some(format!(
            "{:02}:{:02}",
            9 + (n * 15 + 15) / 60,
            (n * 15 + 15) % 60
        )),
        label: "Support package for a child in need".into(),
        child: Some(format!("Child Example {n}")),
        case_id: Some(format!("LCS {}", 200_000 + n)),
        listed_as: "standard".into(),
        amount: Some("£1,000.00 a week".into()),
        documents: vec!["Assessment: assessment.pdf".into(), "Plan: plan.pdf".into()],
        sections,
        notes: vec![
            Note {
                author: "Member One".into(),
                role: "Housing".into(),
                text: "Is the tenancy secure for the next year?".into(),
            },
            Note {
                author: "Member Two".into(),
                role: "Finance".into(),
                text: "The cost is within the usual range for respite.".into(),
            },
        ],
    }
}

fn pack() -> PackDoc {
    PackDoc {
        council: "Example Borough Council".into(),
        panel: "Resource Panel".into(),
        meeting: "Tuesday 1 December 2026 at 09:00".into(),
        papers: Some("24 November 2026 at 16:00".into()),
        items: (1..=25).map(item).collect(),
    }
}

fn sheet() -> DecisionDoc {
    DecisionDoc {
        council: "Example Borough Council".into(),
        panel: "Resource Panel".into(),
        child: Some("Child Example".into()),
        case_id: Some("LCS 200001".into()),
        request: Some("Support package".into()),
        meeting: Some("1 December 2026 at 09:00".into()),
        outcome: "Resource approved".into(),
        lines: (1..=6)
            .map(|n| format!("Agreed line {n}: {}", &PARAGRAPH[..120]))
            .collect(),
        resources: (1..=3)
            .map(|n| Resource {
                description: format!("Service {n}"),
                weekly: Some(format!("£{}.00", 100 * n)),
                one_off: None,
                start: Some("7 December 2026".into()),
                end: Some("28 February 2027".into()),
                total: format!("£{}.00", 1200 * n),
            })
            .collect(),
        weekly: "£600.00".into(),
        total: "£7,200.00".into(),
        conditions: vec!["Reviewed if the family moves.".into()],
        actions: vec![ActionLine {
            description: "Tell brokerage the search may start".into(),
            owner: "Panel administrator".into(),
            due: "3 December 2026".into(),
        }],
        return_date: Some("2 March 2027".into()),
        reviews: vec!["approval review due 2 March 2027 (open)".into()],
        rationale: PARAGRAPH.into(),
        chair: "Chair Example".into(),
        decided: "1 December 2026".into(),
        policy_version: "2026-04".into(),
        guidance: Some(
            "Workers must not agree notice periods or therapies the panel has not specified."
                .into(),
        ),
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs = std::env::args()
        .nth(1)
        .map(|a| a.parse::<usize>())
        .transpose()?
        .unwrap_or(11);
    let made = chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .ok_or("bad date")?;
    let doc = pack();
    let started = Instant::now();
    let first = pack_pdf(&doc, made)?;
    let cold = started.elapsed();
    // Each run starts from nothing: typst's memoised layouts are forgotten first, so a run
    // costs what a pack never made before costs.
    let mut packs = Vec::new();
    let mut bytes = first.len();
    for _ in 0..runs {
        forget_cached_layouts();
        let t = Instant::now();
        bytes = pack_pdf(&doc, made)?.len();
        packs.push(t.elapsed());
    }
    let sheet = sheet();
    let mut sheets = Vec::new();
    for _ in 0..runs {
        forget_cached_layouts();
        let t = Instant::now();
        decision_pdf(&sheet, made)?;
        sheets.push(t.elapsed());
    }
    let worst_pack = packs.iter().max().copied().unwrap_or_default();
    let worst_sheet = sheets.iter().max().copied().unwrap_or_default();
    let pack_median = median(packs);
    let sheet_median = median(sheets);
    println!("P6 PDF benchmark, {runs} runs each");
    println!(
        "  25-item pack ({} KB): first (fonts loading) {}, median {}, worst {}; target under 2000 ms: {}",
        bytes / 1024,
        ms(cold),
        ms(pack_median),
        ms(worst_pack),
        if cold.max(worst_pack) < Duration::from_secs(2) {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "  decision sheet: median {}, worst {}; target under 200 ms: {}",
        ms(sheet_median),
        ms(worst_sheet),
        if worst_sheet < Duration::from_millis(200) {
            "met"
        } else {
            "MISSED"
        }
    );
    Ok(())
}
