//! R6 (fast): every form of the site, sent random hostile input. For each POST route in
//! `access.toml` the test signs in the first person the table lets use it, reads the page that
//! holds the form to learn its field names and the values it offers (hidden values, options,
//! radios), then sends `CAREPANEL_FUZZ_CASES` bodies (12 unless told) carrying the session's
//! valid CSRF token and the fields filled from a seeded generator (`CAREPANEL_FUZZ_SEED`):
//! empty, very long, right-to-left, emoji and combining marks, HTML, typst and markdown, odd
//! numbers and money, impossible dates, fields missing, duplicated or unknown, and now and then
//! a malformed tail on the body. It asks of every response:
//!
//! - no panic and no 5xx;
//! - a 422 names the field: it carries the GOV.UK error summary, whose every link leads to a
//!   field on the page (a problem whose field the page does not show is listed unlinked);
//! - what was typed is escaped: `<script>alert(1)</script>` and `<img src=x onerror=1>` never
//!   appear as they were sent, neither in the answer to the post nor, afterwards, on the form's
//!   page, the pages the posts redirected to, and the referral's page;
//! - the audit chain still verifies.
//!
//! The world is the access test's (a Bexley referral awaiting its team manager's sign-off, the
//! eight people, a meeting with the referral on it, a decision between meetings and an API
//! token), built afresh for each route so that one route's successes do not change what the
//! next finds, with one thing left out and two added:
//!
//! - the referral's agenda item is not yet decided (no POST route needs the access test's
//!   decision, and on a decided item every pre-meeting note is refused on its state);
//! - a Bexley deputy director, `chair` (chair of bexley-rcp and the finance log's signatory),
//!   who fuzzes the routes no one in the access table may use in that world (recording a
//!   decision, prioritising, ratifying, signing off the finance log, deciding between
//!   meetings), so that their forms are read at all;
//! - a draft referral of the author's, on which the edit, send and attachment routes run, since
//!   the referral awaiting sign-off may no longer be edited and each post would only be refused
//!   on its state.
//!
//! Nothing is skipped. `/sign-in` is fuzzed by someone not signed in, with a sign-in token of
//! its own in the cookie the sign-in page would set (the table lets no one post there without
//! it). `/sign-out` is fuzzed in its own world like every route: the first post ends the session
//! and the later ones are sent to the start page, which is fine. Within one route, once a post
//! has succeeded (a redirect), the record has changed: a later 422 that is a whole-page refusal
//! of the record's new state (such as a second sign-off) is counted, not failed, since it says
//! nothing about the input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use carepanel_store::testing::{Backend, TestDb};
use carepanel_web::{WebState, auth, router, templates};
use common::app_on;
use http_body_util::BodyExt;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tower::ServiceExt;

/// The people of the access table, in its order.
const PEOPLE: [&str; 8] = [
    "anonymous",
    "author",
    "other-team",
    "team-manager",
    "service-manager",
    "other-council",
    "coordinator",
    "administrator",
];

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=1>";
/// What `IMG` would put in a page if it were not escaped.
const IMG_TAG: &str = "<img src=x onerror=1>";
const BOUNDARY: &str = "----carepanelFuzzBoundary7MA4YWxkTrZu0gW";
/// A malformed tail some bodies carry: bad escapes, invalid UTF-8, empty names and values.
const JUNK: &str = "&%ZZ=%FF%FE&=&&novalue&%E2%82=x&a_%00=%C0%AF";

/// Field names tried where no page shows the form.
const FALLBACK_NAMES: [&str; 17] = [
    "comments",
    "reason",
    "outcome",
    "rationale",
    "amount",
    "weekly_cost",
    "date",
    "date-day",
    "date-month",
    "date-year",
    "email",
    "name",
    "role",
    "panel",
    "period",
    "line",
    "priority",
];

/// Names no form has, sent now and then.
const UNKNOWN_NAMES: [&str; 9] = [
    "a_nonexistent",
    "__proto__",
    "constructor",
    "outcome[]",
    "r99-weekly_cost",
    "x0-due-day",
    "line-99",
    "p_00000000-0000-0000-0000-000000000000",
    "",
];

struct World {
    _db: TestDb,
    state: WebState,
    referral: String,
    /// A draft of the author's, for the routes that edit, send or attach to one.
    draft: String,
    meeting: String,
    child: String,
    item: String,
    interim: String,
    person: String,
    /// An API token of the author's.
    api_token: String,
    /// The session token and CSRF token of the one person signed in, if anyone is.
    session: Option<(String, String)>,
}

/// The access test's world, with a chair and a draft added, and `who` signed in (nobody for
/// "anonymous"). `hash` is the password hash every account gets, made once.
async fn world(hash: &str, who: &str) -> World {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let (app, _clock) = app_on(db.db.clone());
    app.ensure_council("bexley").await.unwrap();
    app.ensure_council("devon").await.unwrap();
    let team = app.create_team("bexley", "Children in Need").await.unwrap();
    let other_team = app
        .create_team("bexley", "Children with Disabilities")
        .await
        .unwrap();
    let people = [
        ("author", "bexley", Some(team.as_str()), "social-worker"),
        (
            "other-team",
            "bexley",
            Some(other_team.as_str()),
            "social-worker",
        ),
        (
            "team-manager",
            "bexley",
            Some(team.as_str()),
            "team-manager",
        ),
        ("service-manager", "bexley", None, "service-manager"),
        ("other-council", "devon", None, "social-worker"),
        ("coordinator", "bexley", None, "business-support-officer"),
        ("administrator", "bexley", None, "council-administrator"),
        ("chair", "bexley", None, "deputy-director"),
    ];
    let mut actors = BTreeMap::new();
    for (who, council, t, role) in people {
        let a = app
            .create_person(
                council,
                t,
                who,
                &format!("{who}@{council}.example"),
                &[(role, None)],
            )
            .await
            .unwrap();
        app.set_password_hash(&a.person_id, hash).await.unwrap();
        actors.insert(who, a);
    }
    let sw = &actors["author"];
    let person = sw.person_id.clone();
    let child = app
        .register_child(
            sw,
            carepanel_app::setup::NewChild {
                case_system: "Liquid Logic",
                case_system_id: "LL-ACCESS",
                name: "Child Access",
                date_of_birth: chrono::NaiveDate::from_ymd_opt(2014, 9, 9).unwrap(),
                sex: None,
                ethnicity: None,
                disability: None,
                legal_status: None,
                looked_after: false,
            },
        )
        .await
        .unwrap();
    let (_, panel) = app.panel("bexley-rcp").unwrap();
    let form = panel.form("bexley-referral").unwrap();
    let referral = app
        .create_draft(
            sw,
            carepanel_app::referrals::NewReferral {
                panel_id: "bexley-rcp".into(),
                category: "support-package-over-1000".into(),
                child_id: child.clone(),
                form_id: Some(form.id.clone()),
                answers: carepanel_app::demo_data::sample_answers(
                    form,
                    chrono::NaiveDate::from_ymd_opt(2026, 11, 10).unwrap(),
                ),
                amount: Some(carepanel_domain::Money::from_pounds(1500)),
                children: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    app.send(sw, &referral).await.unwrap();
    // The draft: another child's referral, written and not sent.
    let draft_child = app
        .register_child(
            sw,
            carepanel_app::setup::NewChild {
                case_system: "Liquid Logic",
                case_system_id: "LL-FUZZ",
                name: "Child Fuzz",
                date_of_birth: chrono::NaiveDate::from_ymd_opt(2012, 3, 4).unwrap(),
                sex: None,
                ethnicity: None,
                disability: None,
                legal_status: None,
                looked_after: false,
            },
        )
        .await
        .unwrap();
    let draft = app
        .create_draft(
            sw,
            carepanel_app::referrals::NewReferral {
                panel_id: "bexley-rcp".into(),
                category: "support-package-over-1000".into(),
                child_id: draft_child,
                form_id: Some(form.id.clone()),
                answers: carepanel_app::demo_data::sample_answers(
                    form,
                    chrono::NaiveDate::from_ymd_opt(2026, 11, 10).unwrap(),
                ),
                amount: Some(carepanel_domain::Money::from_pounds(1500)),
                children: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // A meeting of the panel, as listing would store it.
    let (policy, panel) = app.panel("bexley-rcp").unwrap();
    let next = app
        .scheduler(policy, panel)
        .next_meeting(app.local_now())
        .unwrap();
    let meeting = carepanel_app::new_id();
    use sea_orm::ActiveModelTrait;
    carepanel_store::entity::meeting::ActiveModel {
        id: sea_orm::Set(meeting.clone()),
        council_id: sea_orm::Set("bexley".into()),
        panel_id: sea_orm::Set("bexley-rcp".into()),
        starts_at: sea_orm::Set(carepanel_domain::schedule::iso_minute(next.start)),
        meeting_date: sea_orm::Set(next.date),
        cutoff: sea_orm::Set(carepanel_domain::schedule::iso_minute(next.cutoff)),
        status: sea_orm::Set("scheduled".into()),
        units_used: sea_orm::Set(0),
        booked_minutes: sea_orm::Set(0),
        cancelled_by: sea_orm::Set(None),
        cancel_reason: sea_orm::Set(None),
        papers_circulated_at: sea_orm::Set(None),
        version: sea_orm::Set(0),
    }
    .insert(&app.db)
    .await
    .unwrap();
    // The referral's place on that meeting and a decision between meetings awaiting
    // ratification there, as the use cases store them. Unlike the access test's, the item has
    // no decision yet: on a decided item every note is refused on its state, whatever is typed.
    let item = carepanel_app::new_id();
    carepanel_store::entity::agenda_item::ActiveModel {
        id: sea_orm::Set(item.clone()),
        meeting_id: sea_orm::Set(meeting.clone()),
        referral_id: sea_orm::Set(Some(referral.clone())),
        kind: sea_orm::Set("new".into()),
        position: sea_orm::Set(1),
        slot_start: sea_orm::Set(None),
        slot_end: sea_orm::Set(None),
        units: sea_orm::Set(1),
        status: sea_orm::Set("listed".into()),
        chair_priority: sea_orm::Set(None),
        note: sea_orm::Set("Listed on time".into()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let interim = carepanel_app::new_id();
    carepanel_store::entity::interim_decision::ActiveModel {
        id: sea_orm::Set(interim.clone()),
        council_id: sea_orm::Set("bexley".into()),
        panel_id: sea_orm::Set("bexley-rcp".into()),
        child_id: sea_orm::Set(child.clone()),
        referral_id: sea_orm::Set(None),
        situation: sea_orm::Set("urgent".into()),
        approver_id: sea_orm::Set(actors["service-manager"].person_id.clone()),
        approver_role: sea_orm::Set("service-manager".into()),
        in_absence_of: sea_orm::Set(None),
        absence_reason: sea_orm::Set(None),
        amount_pence: sea_orm::Set(Some(50_000)),
        request: sea_orm::Set("Emergency respite for a weekend".into()),
        why_urgent: sea_orm::Set("The carer is in hospital".into()),
        decided_at: sea_orm::Set(chrono::Utc::now()),
        valid_until: sea_orm::Set(carepanel_domain::schedule::iso_minute(next.start)),
        ratification_meeting_id: sea_orm::Set(meeting.clone()),
        status: sea_orm::Set("awaiting-ratification".into()),
        policy_version: sea_orm::Set("test".into()),
        rule: sea_orm::Set("test".into()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    // Only the person fuzzing signs in: each sign-in checks a password hash, which is slow.
    let session = match people.iter().find(|p| p.0 == who) {
        Some(p) => {
            let (name, council) = (p.0, p.1);
            let Ok(s) = auth::sign_in(&app, &format!("{name}@{council}.example"), "access test")
                .await
                .unwrap()
            else {
                panic!("{who} signs in");
            };
            Some((s.token, s.csrf))
        }
        None => None,
    };
    let api_token = app
        .create_api_token(
            &actors["author"],
            "Case system",
            &["referrals:read".to_string()],
            30,
        )
        .await
        .unwrap()
        .id;
    World {
        _db: db,
        state: WebState {
            app,
            templates: Arc::new(templates()),
            demo: None,
            sso: Default::default(),
        },
        referral,
        draft,
        meeting,
        child,
        item,
        interim,
        person,
        api_token,
        session,
    }
}

/// The routes that work on a draft: they run on the world's draft, not on the referral
/// awaiting sign-off.
fn uses_draft(post_path: &str) -> bool {
    [
        "/referrals/{id}/edit",
        "/referrals/{id}/send",
        "/referrals/{id}/attachments",
    ]
    .contains(&post_path)
}

/// The table's path with the world's records put in; `{id}` is the draft when `draft`.
fn route_uri(w: &World, path: &str, draft: bool) -> String {
    let referral = if draft { &w.draft } else { &w.referral };
    path.replace("{id}", referral)
        .replace("{meeting}", &w.meeting)
        .replace("{child}", &w.child)
        .replace("{item}", &w.item)
        .replace("{interim}", &w.interim)
        .replace("{person}", &w.person)
        .replace("{token}", &w.api_token)
        .replace("{council}", "bexley")
        .replace("{export}", "decisions.csv?panel=bexley-rcp&period=fy")
}

/// Who fuzzes a route: for the sign-in form someone not signed in; otherwise the first
/// signed-in person the table lets use it (shown, done or shown again with its problems), else
/// the first it lets past the access check to a record not found, else the chair.
fn person_for(row: &toml::Value) -> &'static str {
    if row.get("path").and_then(|p| p.as_str()) == Some("/sign-in") {
        return "anonymous";
    }
    let first = |wanted: &[&str]| {
        PEOPLE
            .iter()
            .copied()
            .filter(|p| *p != "anonymous")
            .find(|p| {
                row.get(*p)
                    .and_then(|v| v.as_str())
                    .is_some_and(|o| wanted.contains(&o))
            })
    };
    first(&["ok", "done", "invalid"])
        .or_else(|| first(&["not-found"]))
        .unwrap_or("chair")
}

/// The page whose form posts to `post`: the nearest GET route of the table at or above it
/// (`/referrals/{id}/sign-off` is on `/referrals/{id}`, `/sign-out` on `/`).
fn form_page(gets: &BTreeSet<String>, post: &str) -> Option<String> {
    if post == "/referrals/new" {
        // The second step, with the panel chosen, holds every field.
        return Some("/referrals/new?panel=bexley-rcp".into());
    }
    let mut p = post.to_string();
    loop {
        if gets.contains(&p) {
            return Some(p);
        }
        let cut = p.rfind('/')?;
        if cut == 0 {
            return gets.contains("/").then(|| "/".to_string());
        }
        p.truncate(cut);
    }
}

/// A form as a page shows it.
#[derive(Debug, Default)]
struct FormShape {
    /// Each field's name with the values the page offers for it (hidden values, options, radios
    /// and checkboxes, buttons).
    fields: BTreeMap<String, Vec<String>>,
    /// The fields that take a file.
    files: BTreeSet<String>,
    multipart: bool,
}

fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// An attribute's value in a tag's text, unescaped.
fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!("{name}=\"");
    let mut from = 0;
    while let Some(i) = tag[from..].find(&needle) {
        let at = from + i;
        if tag[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_whitespace)
        {
            let start = at + needle.len();
            let end = start + tag[start..].find('"')?;
            return Some(unescape(&tag[start..end]));
        }
        from = at + needle.len();
    }
    None
}

/// The tags of a page in order: (lower-case name, with `/` for a closing tag; the tag's text).
fn tags(html: &str) -> Vec<(String, &str)> {
    html.split('<')
        .skip(1)
        .map(|piece| {
            let tag = piece.split('>').next().unwrap_or("");
            let name = tag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
                .collect::<String>()
                .to_ascii_lowercase();
            (name, tag)
        })
        .collect()
}

/// The fields of the page's forms that post to `action`, if the page has any.
fn form_shape(html: &str, action: &str) -> Option<FormShape> {
    let mut shape: Option<FormShape> = None;
    let mut inside = false;
    let mut select: Option<String> = None;
    for (name, tag) in tags(html) {
        match name.as_str() {
            "form" => {
                let post = attr(tag, "method").is_some_and(|m| m.eq_ignore_ascii_case("post"));
                inside = post && attr(tag, "action").as_deref() == Some(action);
                if inside {
                    let s = shape.get_or_insert_with(FormShape::default);
                    if attr(tag, "enctype").is_some_and(|e| e.contains("multipart")) {
                        s.multipart = true;
                    }
                }
            }
            "/form" => {
                inside = false;
                select = None;
            }
            _ if !inside => {}
            "input" | "textarea" | "button" | "select" => {
                let Some(field) = attr(tag, "name") else {
                    continue;
                };
                let Some(s) = shape.as_mut() else {
                    continue;
                };
                if attr(tag, "type").as_deref() == Some("file") {
                    s.files.insert(field.clone());
                }
                let values = s.fields.entry(field.clone()).or_default();
                if name == "select" {
                    select = Some(field);
                } else if let Some(v) = attr(tag, "value").filter(|v| !v.is_empty())
                    && !values.contains(&v)
                {
                    values.push(v);
                }
            }
            "option" => {
                if let (Some(s), Some(field)) = (shape.as_mut(), select.as_ref())
                    && let Some(v) = attr(tag, "value").filter(|v| !v.is_empty())
                {
                    let values = s.fields.entry(field.clone()).or_default();
                    if !values.contains(&v) {
                        values.push(v);
                    }
                }
            }
            "/select" => select = None,
            _ => {}
        }
    }
    shape
}

/// The names tried where no page shows the route's form.
fn fallback_shape(path: &str) -> FormShape {
    let mut s = FormShape::default();
    for n in FALLBACK_NAMES {
        s.fields.insert(n.to_string(), Vec::new());
    }
    if path.ends_with("/attachments") {
        s.multipart = true;
        for n in [
            "document",
            "file",
            "written_on-day",
            "written_on-month",
            "written_on-year",
        ] {
            s.fields.insert(n.to_string(), Vec::new());
        }
        s.files.insert("file".to_string());
    }
    s
}

/// A small deterministic generator (xorshift64*), so that a failing case can be run again.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// What kind of value a field's name suggests.
#[derive(Clone, Copy)]
enum Kind {
    General,
    Money,
    Number,
    Date,
    DatePart,
    Email,
}

fn kind_of(name: &str) -> Kind {
    let n = name.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| n.contains(w));
    if n.ends_with("-day") || n.ends_with("-month") || n.ends_with("-year") {
        Kind::DatePart
    } else if has(&[
        "amount", "cost", "money", "pence", "price", "weekly", "total",
    ]) {
        Kind::Money
    } else if has(&["email"]) {
        Kind::Email
    } else if has(&["date", "dob", "due", "period", "until", "defer"]) {
        Kind::Date
    } else if n.starts_with("p_")
        || has(&[
            "days", "children", "priority", "units", "position", "version", "number",
        ])
    {
        Kind::Number
    } else {
        Kind::General
    }
}

/// The values the generator draws from.
struct Pools {
    general: Vec<String>,
    money: Vec<String>,
    numbers: Vec<String>,
    dates: Vec<String>,
    date_parts: Vec<String>,
    emails: Vec<String>,
    /// The world's own ids and some that are not, for fields that name a record.
    ids: Vec<String>,
    filenames: Vec<String>,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn pools(w: &World) -> Pools {
    let mut general = strings(&[
        "",
        " ",
        "\t\r\n",
        SCRIPT,
        IMG,
        "</textarea><script>alert(1)</script>",
        "'; DROP TABLE referral; --",
        "\u{202E}fdp.exe",
        "مرحبا بالعالم",
        "שלום עולם",
        "👩‍👩‍👧‍👦🚸🇬🇧",
        "Z\u{351}\u{36b}\u{343}a\u{362}l\u{338}g\u{315}o\u{300}\u{301}\u{302}",
        "\u{FEFF}\u{200B}zero\u{200D}width",
        "#set page(width: 1pt)\n#panic(\"boom\")",
        "#import \"/etc/passwd\": *",
        "$ x^2 $ \\ `raw` *bold* _it_ @ref <lbl> #{1/0}",
        "# Heading\n\n- [click](javascript:alert(1))\n\n```\ncode\n```",
        "{{ 7*7 }} {% raw %} ${7*7}",
        "../../../etc/passwd",
        "%00%0d%0aSet-Cookie: x=1",
        "line one\r\nline two\rline three",
        "=HYPERLINK(\"http://x.example\",\"click\")",
    ]);
    general.push("a".repeat(10_000));
    general.push("é".repeat(10_000));
    general.push(format!("{SCRIPT} ").repeat(400));
    general.push("\u{1F600}".repeat(2_500));
    let money = strings(&[
        "-1",
        "0",
        "1e309",
        "99999999999999999999",
        "0.001",
        "£1,000.005",
        "£1,000",
        "1,000.50",
        "-0",
        "NaN",
        "inf",
        "0x10",
        "£-5",
        "£",
        "1 000",
        "12.345.678",
        "92233720368547758.07",
        "£92233720368547758.08",
        "٣٠٠",
        "１２３",
        "1500",
    ]);
    let numbers = strings(&[
        "-1",
        "0",
        "1",
        "1e309",
        "99999999999999999999",
        "0.001",
        "2147483648",
        "4294967296",
        "9223372036854775808",
        "-9223372036854775809",
        "NaN",
        " 7 ",
        "٣",
        "1_000",
    ]);
    let dates = strings(&[
        "2026-02-30",
        "31/12/2026",
        "9999-99-99",
        "0000-00-00",
        "2026-13-01",
        "29/02/2027",
        "1/1/1",
        "tomorrow",
        "2026-11-25T10:00",
        "+275760-09-13",
        "31 12 2026",
        "fy",
        "2026-Q5",
        "2026-27",
        "2026-11-26",
    ]);
    let date_parts = strings(&[
        "0", "1", "31", "32", "-1", "February", "feb", "13", "99999", "2026", "0999", "٣", "1e3",
        "2.5", " 7 ", "29", "1899", "2201",
    ]);
    let mut emails = strings(&[
        "a@b",
        "@",
        "author@bexley.example",
        "AUTHOR@BEXLEY.EXAMPLE",
        "x@y.example\r\nBcc: evil@example.com",
        "\"quoted\"@bexley.example",
        "fuzz@bexley.example",
        "<script>@bexley.example",
    ]);
    emails.push(format!("{}@bexley.example", "a".repeat(300)));
    let ids = vec![
        w.referral.clone(),
        w.draft.clone(),
        w.meeting.clone(),
        w.child.clone(),
        w.item.clone(),
        w.interim.clone(),
        w.person.clone(),
        w.api_token.clone(),
        "bexley-rcp".to_string(),
        "devon".to_string(),
        "00000000-0000-0000-0000-000000000000".to_string(),
        "' OR '1'='1".to_string(),
    ];
    let mut filenames = strings(&[
        "notes.txt",
        "assessment.pdf",
        "<script>alert(1)</script>.pdf",
        IMG,
        "../../etc/passwd",
        "\u{202E}fdp.exe",
        "CON",
        "report.pdf.exe",
        "😀 plan.docx",
        " ",
    ]);
    filenames.push(format!("{}.pdf", "a".repeat(5_000)));
    Pools {
        general,
        money,
        numbers,
        dates,
        date_parts,
        emails,
        ids,
        filenames,
    }
}

/// A plausible value, with any text field carrying both payloads: such a post may well be
/// saved, and the pages that show it are then read for escaping.
fn plausible(name: &str) -> String {
    match kind_of(name) {
        Kind::DatePart if name.ends_with("-day") => "25".into(),
        Kind::DatePart if name.ends_with("-month") => "11".into(),
        Kind::DatePart => "2026".into(),
        Kind::Money => "1500".into(),
        Kind::Number => "1".into(),
        Kind::Date => "2026-11-26".into(),
        Kind::Email => "fuzz@bexley.example".into(),
        Kind::General => format!("{SCRIPT} {IMG}"),
    }
}

fn random_value(rng: &mut Rng, name: &str, offered: &[String], p: &Pools) -> String {
    let roll = rng.below(100);
    if !offered.is_empty() && roll < 30 {
        return rng.pick(offered).clone();
    }
    if !offered.is_empty() && roll < 36 {
        let v = rng.pick(offered).clone();
        let tail = rng.pick(&p.general).clone();
        return format!("{v}{tail}");
    }
    if roll < 42 {
        return rng.pick(&p.ids).clone();
    }
    let own = match kind_of(name) {
        Kind::General => &p.general,
        Kind::Money => &p.money,
        Kind::Number => &p.numbers,
        Kind::Date => &p.dates,
        Kind::DatePart => &p.date_parts,
        Kind::Email => &p.emails,
    };
    if roll < 80 {
        rng.pick(own).clone()
    } else {
        rng.pick(&p.general).clone()
    }
}

/// The fields of one case, without the token. Case 0 sends no field at all; 1 puts the script
/// in every field; 2 keeps what the page offers and puts the image in the rest; 3 is plausible
/// with the payloads in the text; later cases are random, with fields left out, sent twice or
/// made up.
fn fill(rng: &mut Rng, shape: &FormShape, p: &Pools, case: usize) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for (name, offered) in &shape.fields {
        if name == "csrf" || shape.files.contains(name) {
            continue;
        }
        match case {
            0 => {}
            1 => pairs.push((name.clone(), SCRIPT.to_string())),
            2 => pairs.push((
                name.clone(),
                offered.first().cloned().unwrap_or_else(|| IMG.to_string()),
            )),
            3 => pairs.push((
                name.clone(),
                offered.first().cloned().unwrap_or_else(|| plausible(name)),
            )),
            _ => {
                let roll = rng.below(100);
                if roll < 10 {
                    continue;
                }
                pairs.push((name.clone(), random_value(rng, name, offered, p)));
                if roll >= 92 {
                    pairs.push((name.clone(), random_value(rng, name, offered, p)));
                }
            }
        }
    }
    if case >= 4 && rng.below(4) == 0 {
        let name = rng.pick(&UNKNOWN_NAMES).to_string();
        let value = rng.pick(&p.general).clone();
        pairs.push((name, value));
    }
    pairs
}

fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char);
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A name or file name as a browser puts it in a part's header.
fn header_safe(s: &str) -> String {
    s.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn part(body: &mut Vec<u8>, headers: &str, data: &[u8]) {
    body.extend_from_slice(format!("--{BOUNDARY}\r\n{headers}\r\n\r\n").as_bytes());
    body.extend_from_slice(data);
    body.extend_from_slice(b"\r\n");
}

/// An upload: the token, the fields, and (except in case 0) a random file for each file field.
fn multipart_body(
    rng: &mut Rng,
    csrf: &str,
    pairs: &[(String, String)],
    files: &BTreeSet<String>,
    p: &Pools,
    case: usize,
) -> Vec<u8> {
    let mut body = Vec::new();
    part(
        &mut body,
        "Content-Disposition: form-data; name=\"csrf\"",
        csrf.as_bytes(),
    );
    for (k, v) in pairs {
        part(
            &mut body,
            &format!(
                "Content-Disposition: form-data; name=\"{}\"",
                header_safe(k)
            ),
            v.as_bytes(),
        );
    }
    if case != 0 {
        for f in files {
            let filename = rng.pick(&p.filenames).clone();
            let content_type = *rng.pick(&[
                "text/plain",
                "application/pdf",
                "text/html",
                "image/svg+xml",
                "application/x-msdownload",
                "application/octet-stream",
            ]);
            let data: Vec<u8> = match rng.below(5) {
                0 => Vec::new(),
                1 => b"notes".to_vec(),
                2 => format!("<svg onload=alert(1)>{SCRIPT}</svg>").into_bytes(),
                3 => b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<<>>\nendobj\n".to_vec(),
                _ => (0..2048).map(|_| (rng.next_u64() & 0xFF) as u8).collect(),
            };
            part(
                &mut body,
                &format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {content_type}",
                    header_safe(f),
                    header_safe(&filename)
                ),
                &data,
            );
        }
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn describe(pairs: &[(String, String)]) -> String {
    let shown: Vec<String> = pairs
        .iter()
        .take(6)
        .map(|(k, v)| {
            let n = v.chars().count();
            let short: String = v.chars().take(24).collect();
            if n > 24 {
                format!("{k}={short:?}... ({n} characters)")
            } else {
                format!("{k}={short:?}")
            }
        })
        .collect();
    let rest = pairs.len().saturating_sub(6);
    if shown.is_empty() {
        "only the token".into()
    } else if rest > 0 {
        format!("{} and {rest} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// A response as the checks need it.
struct Reply {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

/// Everything the run found.
#[derive(Default)]
struct Tally {
    routes: usize,
    cases: usize,
    server_errors: usize,
    /// Whole-page refusals of a record's state after an earlier post on the route changed it.
    tolerated: usize,
    /// 422s shown as the error page naming the rule.
    ruled: usize,
    statuses: BTreeMap<u16, usize>,
    problems: Vec<String>,
    notes: Vec<String>,
    /// Error-summary links whose target the page lacks.
    dangling: BTreeSet<String>,
}

/// Sends a request to the site in-process; a panic in a handler is caught and reported.
async fn exchange(w: &World, req: Request<Body>, label: &str, t: &mut Tally) -> Option<Reply> {
    let site = router(w.state.clone());
    let task = tokio::spawn(async move {
        let res = site.oneshot(req).await.unwrap();
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = res
            .into_body()
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        Reply {
            status,
            location,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    });
    match task.await {
        Ok(reply) => Some(reply),
        Err(e) => {
            t.server_errors += 1;
            let why = if e.is_panic() {
                let payload = e.into_panic();
                let message = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                format!("the handler panicked: {message}")
            } else {
                format!("the request did not finish: {e}")
            };
            t.problems.push(format!("{label}: {why}"));
            None
        }
    }
}

fn get_request(uri: &str, session: Option<&(String, String)>) -> Option<Request<Body>> {
    let mut b = Request::builder().method("GET").uri(uri);
    if let Some((token, _)) = session {
        b = b.header(header::COOKIE, format!("{}={token}", auth::SESSION_COOKIE));
    }
    b.body(Body::empty()).ok()
}

fn post_request(
    uri: &str,
    cookie: Option<String>,
    content_type: &str,
    body: Vec<u8>,
) -> Option<Request<Body>> {
    let mut b = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::CONTENT_TYPE, content_type);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::from(body)).ok()
}

/// The text after the first `open` tag, up to the next closing tag.
fn after_tag(body: &str, open: &str) -> String {
    let Some(i) = body.find(open) else {
        return String::new();
    };
    let rest = &body[i..];
    let Some(gt) = rest.find('>') else {
        return String::new();
    };
    let rest = &rest[gt + 1..];
    let end = rest.find("</").unwrap_or(rest.len());
    rest[..end].trim().to_string()
}

/// The page's heading and first paragraph, to say what a failing response said.
fn page_text(body: &str) -> String {
    let title = after_tag(body, "<h1");
    let para = after_tag(body, "<p");
    let text = if title.is_empty() && para.is_empty() {
        body.to_string()
    } else {
        format!("{title:?} / {para:?}")
    };
    text.chars().take(240).collect()
}

/// How many problems the error summary lists.
fn summary_items(body: &str) -> usize {
    let Some(i) = body.find("govuk-error-summary__list") else {
        return 0;
    };
    let rest = &body[i..];
    let rest = &rest[..rest.find("</ul>").unwrap_or(rest.len())];
    rest.matches("<li>").count()
}

/// The targets of the error summary's links.
fn summary_links(body: &str) -> Vec<String> {
    let Some(i) = body.find("govuk-error-summary__list") else {
        return Vec::new();
    };
    let mut rest = &body[i..];
    if let Some(end) = rest.find("</ul>") {
        rest = &rest[..end];
    }
    let mut out = Vec::new();
    while let Some(j) = rest.find("href=\"#") {
        rest = &rest[j + 7..];
        out.push(rest.chars().take_while(|c| *c != '"').collect());
    }
    out
}

/// No server error, and nothing typed shown unescaped.
fn check_page(label: &str, reply: &Reply, t: &mut Tally) {
    if reply.status.is_server_error() {
        t.server_errors += 1;
        t.problems.push(format!(
            "{label}: {} {}",
            reply.status,
            page_text(&reply.body)
        ));
    }
    for payload in [SCRIPT, IMG_TAG] {
        if reply.body.contains(payload) {
            t.problems
                .push(format!("{label}: the page shows {payload:?} unescaped"));
        }
    }
}

/// Whether the text names a rule or requirement the way every refusal does: "(REF-21)",
/// "(SCHED-08)", "(R5)".
fn names_rule(text: &str) -> bool {
    text.split('(').skip(1).any(|rest| {
        let Some((inside, _)) = rest.split_once(')') else {
            return false;
        };
        let (letters, digits) = match inside.split_once('-') {
            Some((l, d)) => (l, d),
            None => inside.split_at(inside.find(|c: char| c.is_ascii_digit()).unwrap_or(0)),
        };
        !letters.is_empty()
            && letters.chars().all(|c| c.is_ascii_uppercase())
            && !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit())
    })
}

/// A 422 names the field: the error summary, with a link to it. A form that cannot be put right
/// on its page (a tampered hidden field, or an action the record's state refuses) comes back
/// as the error page, which must name the rule (and, for a field, the field).
fn check_refusal(route: &str, label: &str, reply: &Reply, changed: bool, t: &mut Tally) {
    let links = summary_links(&reply.body);
    // A problem whose field the page does not show is listed without a link.
    let named = reply.body.contains("govuk-error-summary__list") && summary_items(&reply.body) > 0;
    if !named && names_rule(&after_tag(&reply.body, "<p")) {
        t.ruled += 1;
    } else if named {
        for l in links.iter().filter(|l| !l.is_empty()) {
            if !reply.body.contains(&format!("id=\"{l}\"")) {
                t.dangling.insert(format!("{route}: #{l}"));
            }
        }
    } else if changed {
        t.tolerated += 1;
    } else {
        t.problems.push(format!(
            "{label}: 422 without an error summary linking to a field: {}",
            page_text(&reply.body)
        ));
    }
}

async fn fuzz_route(
    path: &str,
    who: &'static str,
    gets: &BTreeSet<String>,
    hash: &str,
    cases: usize,
    seed: u64,
    t: &mut Tally,
) {
    let w = world(hash, who).await;
    let draft = uses_draft(path);
    let uri = route_uri(&w, path, draft);
    let mut rng = Rng::new(seed ^ fnv(path));
    let p = pools(&w);
    // The page with the form, for its field names.
    let page = form_page(gets, path).map(|g| route_uri(&w, &g, draft));
    let mut shape = None;
    if let Some(g) = &page {
        let label = format!("GET {g} as {who} (the form for POST {path})");
        if let Some(req) = get_request(g, w.session.as_ref())
            && let Some(reply) = exchange(&w, req, &label, t).await
        {
            check_page(&label, &reply, t);
            shape = form_shape(&reply.body, &uri);
        }
    }
    if shape.is_none() {
        t.notes.push(format!(
            "POST {path} as {who}: no form posting there on {page:?}; tried the fallback names"
        ));
    }
    let shape = shape.unwrap_or_else(|| fallback_shape(path));
    let mut changed = false;
    let mut followed: BTreeSet<String> = BTreeSet::new();
    for case in 0..cases {
        let pairs = fill(&mut rng, &shape, &p, case);
        let (cookie, csrf) = match (&w.session, path) {
            (_, "/sign-in") => {
                // The sign-in form's token is the one its page put in a cookie.
                let login = auth::token();
                (Some(format!("{}={login}", auth::LOGIN_CSRF_COOKIE)), login)
            }
            (Some((token, csrf)), _) => (
                Some(format!("{}={token}", auth::SESSION_COOKIE)),
                csrf.clone(),
            ),
            (None, _) => (None, String::new()),
        };
        let req = if shape.multipart {
            let body = multipart_body(&mut rng, &csrf, &pairs, &shape.files, &p, case);
            post_request(
                &uri,
                cookie,
                &format!("multipart/form-data; boundary={BOUNDARY}"),
                body,
            )
        } else {
            let mut body = format!("csrf={}", urlencode(&csrf));
            for (k, v) in &pairs {
                body.push('&');
                body.push_str(&urlencode(k));
                body.push('=');
                body.push_str(&urlencode(v));
            }
            if case >= 4 && rng.below(8) == 0 {
                body.push_str(JUNK);
            }
            post_request(
                &uri,
                cookie,
                "application/x-www-form-urlencoded",
                body.into_bytes(),
            )
        };
        let label = format!("POST {path} as {who}, case {case} ({})", describe(&pairs));
        let Some(req) = req else {
            t.problems
                .push(format!("{label}: the test could not build the request"));
            continue;
        };
        t.cases += 1;
        let Some(reply) = exchange(&w, req, &label, t).await else {
            continue;
        };
        *t.statuses.entry(reply.status.as_u16()).or_default() += 1;
        check_page(&label, &reply, t);
        if reply.status == StatusCode::UNPROCESSABLE_ENTITY {
            check_refusal(path, &label, &reply, changed, t);
        }
        if reply.status.is_redirection() {
            changed = true;
            if let Some(loc) = reply.location.filter(|l| l.starts_with('/'))
                && followed.len() < 4
            {
                followed.insert(loc);
            }
        }
    }
    // Afterwards: the pages that show what was stored, read for escaping.
    let mut after: BTreeSet<String> = page.into_iter().collect();
    after.extend(followed);
    after.insert(route_uri(&w, "/referrals/{id}", draft));
    for g in &after {
        let label = format!("GET {g} as {who} after fuzzing POST {path}");
        let Some(req) = get_request(g, w.session.as_ref()) else {
            continue;
        };
        if let Some(reply) = exchange(&w, req, &label, t).await {
            check_page(&label, &reply, t);
        }
    }
    if let Err(e) = carepanel_store::audit::verify(&w.state.app.db).await {
        t.problems.push(format!(
            "after fuzzing POST {path}: the audit chain does not verify: {e}"
        ));
    }
    t.routes += 1;
}

#[tokio::test]
async fn r6_every_form_survives_random_input() {
    let started = std::time::Instant::now();
    let cases: usize = std::env::var("CAREPANEL_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(12);
    let seed: u64 = std::env::var("CAREPANEL_FUZZ_SEED")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(20_261_125);
    let table: toml::Value = toml::from_str(include_str!("access.toml")).unwrap();
    let rows = table["route"].as_array().unwrap();
    let gets: BTreeSet<String> = rows
        .iter()
        .filter(|r| r["method"].as_str() == Some("GET"))
        .map(|r| r["path"].as_str().unwrap().to_string())
        .collect();
    let hash = auth::hash_password("access test").unwrap();
    let mut t = Tally::default();
    for row in rows {
        if row["method"].as_str() != Some("POST") {
            continue;
        }
        let path = row["path"].as_str().unwrap();
        fuzz_route(path, person_for(row), &gets, &hash, cases, seed, &mut t).await;
    }
    println!(
        "r6 forms: {} routes, {} cases, {} server errors",
        t.routes, t.cases, t.server_errors
    );
    println!(
        "r6 forms: seed {seed}, {cases} cases a route, statuses {:?}, {} refusals naming their rule on the error page, {} refusals of a changed record tolerated, {:.1} s",
        t.statuses,
        t.ruled,
        t.tolerated,
        started.elapsed().as_secs_f64()
    );
    for n in &t.notes {
        println!("r6 forms: note: {n}");
    }
    assert!(
        t.dangling.is_empty(),
        "error summaries link to ids their pages lack (WCAG 2.4.3, 3.3.1): {:?}",
        t.dangling
    );
    let posts = carepanel_web::routes()
        .iter()
        .filter(|(m, _, _)| *m == "POST")
        .count();
    assert_eq!(
        t.routes, posts,
        "every POST route the app serves was fuzzed"
    );
    let shown: Vec<&str> = t.problems.iter().take(80).map(String::as_str).collect();
    assert!(
        t.problems.is_empty(),
        "{} problems (seed {seed}, CAREPANEL_FUZZ_SEED to run it again):\n{}",
        t.problems.len(),
        shown.join("\n")
    );
}
