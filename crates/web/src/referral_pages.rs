//! A social worker's referral: starting one for any panel they may refer to, the panel's own
//! form (rendered from the policy's form template), attachments, what is missing and who must
//! sign before it is sent, and sending it (REF-01 to REF-21, SIGN-01).

use crate::input::{Posted, Problems, date_boxes, date_parts, date_text, date_values, money};
use crate::{Session, WebState, error_page, form_session_token, render, render_form, signed_in};
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use carepanel_app::AppError;
use carepanel_app::referrals::{NewAttachment, NewReferral};
use carepanel_domain::calendar::age_on;
use carepanel_domain::money::Money;
use carepanel_domain::policy::{Field, FieldKind, Form as PolicyForm, Panel};
use carepanel_domain::readiness::Answer;
use minijinja::context;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// A radio or select item as the GOV.UK macros take it.
#[derive(Serialize)]
struct Choice {
    value: String,
    text: String,
    hint: Option<Hint>,
}

#[derive(Serialize)]
struct Hint {
    text: String,
}

/// Step 1 (no panel chosen) and step 2 (category, child) of starting a referral.
pub async fn new_referral_page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let panel = q.get("panel").cloned().unwrap_or_default();
    show_new(&state, &s, &panel, &Posted::default(), &Problems::default()).await
}

async fn show_new(
    state: &WebState,
    s: &Session,
    panel_id: &str,
    posted: &Posted,
    problems: &Problems,
) -> Response {
    let panels = carepanel_app::views::referable_panels(&state.app, &s.actor);
    if panels.is_empty() {
        return error_page(
            state,
            &AppError::forbidden(
                "You hold no role that may write a referral to any of your council's panels",
                "SEC-01",
            ),
        );
    }
    let chosen = panels.iter().find(|(_, p)| p.id == panel_id);
    let Some((_, panel)) = chosen else {
        let choices: Vec<Choice> = panels
            .iter()
            .map(|(_, p)| Choice {
                value: p.id.clone(),
                text: p.name.clone(),
                hint: Some(Hint {
                    text: p.purpose.clone(),
                }),
            })
            .collect();
        let errors = (!panel_id.is_empty() || !problems.is_empty()).then(|| {
            vec![crate::input::Problem {
                field: "panel".into(),
                message: "Choose one of the panels listed".into(),
            }]
        });
        let status = if errors.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        let mut res = render(
            state,
            "referral_new.html",
            context! { title => "Which panel is the referral for?", actor_name => s.name.clone(),
            nav => s.nav, csrf => s.csrf.clone(), step => "panel", panels => choices, errors },
        );
        *res.status_mut() = status;
        return res;
    };
    let children = match state.app.referable_children(&s.actor).await {
        Ok(c) => c,
        Err(e) => return error_page(state, &e),
    };
    let today = state.app.local_now().date();
    let kids: Vec<Choice> = children
        .iter()
        .map(|c| Choice {
            value: c.id.clone(),
            text: format!(
                "{} ({}, born {}, {} {})",
                c.name,
                age_on(c.date_of_birth, today, Default::default()),
                c.date_of_birth.format("%-d %B %Y"),
                c.case_system,
                c.case_system_id
            ),
            hint: None,
        })
        .collect();
    let categories: Vec<Choice> = panel
        .categories
        .iter()
        .map(|c| Choice {
            value: c.id.clone(),
            text: c.label.clone(),
            hint: c.part.as_ref().and_then(|part| {
                panel.parts.iter().find(|p| &p.id == part).map(|p| Hint {
                    text: p.name.clone(),
                })
            }),
        })
        .collect();
    let out_of_remit: Vec<String> = panel
        .out_of_remit
        .iter()
        .map(|o| format!("{}: {}", o.label, o.route))
        .collect();
    let errors = (!problems.is_empty()).then(|| problems.0.clone());
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(
        state,
        "referral_new.html",
        context! {
            title => format!("New referral to {}", panel.name),
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            step => "details",
            panel_id => panel.id.clone(),
            panel_name => panel.name.clone(),
            categories,
            out_of_remit,
            kids,
            category => posted.get("category"),
            child => posted.get("child"),
            children => if posted.has("children") { posted.get("children") } else { "1".to_string() },
            emergency => posted.get("emergency") == "yes",
            errors,
            inline => problems.for_field(),
        },
    );
    *res.status_mut() = status;
    res
}

/// Creates the draft and goes on to the panel's form.
pub async fn create_referral(
    State(state): State<WebState>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted::new(pairs);
    let s = match form_session_token(&state, &headers, &posted.get("csrf")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let panel_id = posted.get("panel");
    let mut problems = Problems::default();
    if state.app.panel(&panel_id).is_err() {
        problems.add("panel", "Choose one of the panels listed");
        return show_new(&state, &s, "", &posted, &problems).await;
    }
    let category = posted.get("category");
    if category.is_empty() {
        problems.add("category", "Choose what the referral is for");
    }
    let child_id = posted.get("child");
    if child_id.is_empty() {
        problems.add("child", "Choose the child the referral is about");
    }
    let children = crate::input::whole_number(
        &posted.get("children"),
        "children",
        "The number of children",
        1,
        20,
        &mut problems,
    );
    if children.is_none() && !problems.for_field().contains_key("children") {
        problems.add("children", "Enter how many children the referral is for");
    }
    if !problems.is_empty() {
        return show_new(&state, &s, &panel_id, &posted, &problems).await;
    }
    let Ok((policy, panel)) = state.app.panel(&panel_id) else {
        problems.add("panel", "Choose one of the panels listed");
        return show_new(&state, &s, "", &posted, &problems).await;
    };
    let kid = match state.app.referable_children(&s.actor).await {
        Ok(kids) => kids.into_iter().find(|k| k.id == child_id),
        Err(e) => return error_page(&state, &e),
    };
    let Some(kid) = kid else {
        problems.add("child", "Choose one of the children listed");
        return show_new(&state, &s, &panel_id, &posted, &problems).await;
    };
    let today = state.app.local_now().date();
    let form_id = carepanel_app::views::choose_form(policy, panel, &category, &kid, today);
    let answers = form_id
        .as_deref()
        .and_then(|f| panel.form(f))
        .map(|f| prefill(f, &kid))
        .unwrap_or_default();
    let new = NewReferral {
        panel_id: panel_id.clone(),
        category,
        child_id,
        form_id,
        answers,
        amount: None,
        children: children.unwrap_or(1) as u32,
        emergency: posted.get("emergency") == "yes",
        ratification: false,
        newly_looked_after: false,
    };
    match state.app.create_draft(&s.actor, new).await {
        Ok(id) => Redirect::to(&format!("/referrals/{id}/edit")).into_response(),
        Err(AppError::Invalid(errs)) => {
            for e in errs {
                problems.add(e.field.replace("child_id", "child"), e.message);
            }
            show_new(&state, &s, &panel_id, &posted, &problems).await
        }
        Err(AppError::Refused {
            message,
            requirement,
        }) => {
            problems.add("category", format!("{message} ({requirement})"));
            show_new(&state, &s, &panel_id, &posted, &problems).await
        }
        Err(e) => error_page(&state, &e),
    }
}

/// Answers taken from the child's record, captured once (EQ-04).
fn prefill(
    form: &PolicyForm,
    kid: &carepanel_store::entity::child::Model,
) -> BTreeMap<String, Answer> {
    let mut out = BTreeMap::new();
    for f in form.fields() {
        let value = match f.source.as_deref() {
            Some("child.name") => Some(kid.name.clone()),
            Some("child.dob") => Some(kid.date_of_birth.to_string()),
            Some("child.case_system_id") => Some(kid.case_system_id.clone()),
            Some("child.legal_status") => kid.legal_status.clone(),
            Some("child.ethnicity") => kid.ethnicity.clone(),
            Some("child.disability") => kid.disability.clone(),
            _ => None,
        };
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            out.insert(f.id.clone(), Answer::Text(v));
        }
    }
    out
}

#[derive(Serialize, Default)]
struct FieldView {
    id: String,
    name: String,
    label: String,
    kind: &'static str,
    hint: Option<String>,
    required: bool,
    conditional: bool,
    options: Vec<String>,
    value: String,
    date: BTreeMap<String, String>,
    columns: Vec<(String, String, &'static str)>,
    rows: Vec<Vec<String>>,
    derived: Option<String>,
    error: Option<String>,
    requirement: Option<String>,
    min: Option<i64>,
    max: Option<i64>,
}

#[derive(Serialize)]
struct SectionView {
    id: String,
    title: String,
    hint: Option<String>,
    conditional: bool,
    fields: Vec<FieldView>,
}

fn kind_id(k: FieldKind) -> &'static str {
    match k {
        FieldKind::Text => "text",
        FieldKind::Textarea => "textarea",
        FieldKind::Date => "date",
        FieldKind::YesNo => "yes-no",
        FieldKind::Money => "money",
        FieldKind::Integer => "integer",
        FieldKind::Select => "select",
        FieldKind::Scale => "scale",
        FieldKind::Group => "group",
        FieldKind::Derived => "derived",
    }
}

/// Rows a group shows: what is there plus two empty ones to add to, at most 20.
const EXTRA_ROWS: usize = 2;
const MAX_ROWS: usize = 20;

/// The form's sections as the template shows them, from stored answers or from what was
/// posted (when it is shown again with errors).
fn sections(
    form: &PolicyForm,
    answers: &BTreeMap<String, Answer>,
    posted: Option<&Posted>,
    problems: &BTreeMap<String, String>,
    kid: &carepanel_store::entity::child::Model,
    today: chrono::NaiveDate,
) -> Vec<SectionView> {
    form.sections
        .iter()
        .map(|sec| SectionView {
            id: sec.id.clone(),
            title: sec.title.clone(),
            hint: sec.hint.clone(),
            conditional: sec.when.is_some(),
            fields: sec
                .fields
                .iter()
                .map(|f| field_view(f, answers, posted, problems, kid, today))
                .collect(),
        })
        .collect()
}

fn field_view(
    f: &Field,
    answers: &BTreeMap<String, Answer>,
    posted: Option<&Posted>,
    problems: &BTreeMap<String, String>,
    kid: &carepanel_store::entity::child::Model,
    today: chrono::NaiveDate,
) -> FieldView {
    let name = format!("a_{}", f.id);
    let stored = answers.get(&f.id);
    let mut v = FieldView {
        id: f.id.clone(),
        name: name.clone(),
        label: f.label.clone(),
        kind: kind_id(f.kind),
        hint: f.hint.clone(),
        required: f.required,
        conditional: f.required_when.is_some(),
        options: f.options.clone(),
        requirement: f.requirement.clone(),
        min: f.min,
        max: f.max,
        ..Default::default()
    };
    let anchor = if f.kind == FieldKind::Date {
        format!("{name}-day")
    } else if f.kind == FieldKind::Group {
        format!("{name}-0-0")
    } else {
        name.clone()
    };
    v.error = problems.get(&anchor).cloned();
    match f.kind {
        FieldKind::Date => {
            v.date = match posted {
                Some(p) => date_values(p, &name),
                None => date_boxes(
                    stored
                        .and_then(|a| a.text())
                        .and_then(|t| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()),
                ),
            };
        }
        FieldKind::Group => {
            v.columns = f
                .columns
                .iter()
                .map(|c| (c.id.clone(), c.label.clone(), kind_id(c.kind)))
                .collect();
            let rows: Vec<Vec<String>> = match posted {
                Some(p) => posted_rows(p, f)
                    .into_iter()
                    .map(|(_, cells)| cells)
                    .collect(),
                None => match stored {
                    Some(Answer::Rows(rows)) => rows
                        .iter()
                        .map(|r| {
                            f.columns
                                .iter()
                                .map(|c| match c.kind {
                                    FieldKind::Derived => derived_cell(f, r, today),
                                    FieldKind::Date => r
                                        .get(&c.id)
                                        .and_then(|t| date_text(t))
                                        .map(|d| d.format("%-d/%-m/%Y").to_string())
                                        .unwrap_or_else(|| {
                                            r.get(&c.id).cloned().unwrap_or_default()
                                        }),
                                    _ => r.get(&c.id).cloned().unwrap_or_default(),
                                })
                                .collect()
                        })
                        .collect(),
                    _ => Vec::new(),
                },
            };
            let mut rows: Vec<Vec<String>> = rows
                .into_iter()
                .filter(|r| r.iter().any(|c| !c.is_empty()))
                .collect();
            let shown = (rows.len() + EXTRA_ROWS).min(MAX_ROWS);
            while rows.len() < shown {
                rows.push(vec![String::new(); f.columns.len()]);
            }
            v.rows = rows;
        }
        FieldKind::Derived => {
            v.derived = Some(derived_value(f, answers, kid, today));
        }
        _ => {
            v.value = match posted {
                Some(p) => p.raw(&name),
                None => stored
                    .and_then(|a| a.text())
                    .unwrap_or_default()
                    .to_string(),
            };
        }
    }
    v
}

/// A derived cell in a group: the age from that row's date of birth (REF-05).
fn derived_cell(_f: &Field, row: &BTreeMap<String, String>, today: chrono::NaiveDate) -> String {
    row.get("dob")
        .and_then(|t| date_text(t))
        .map(|d| age_on(d, today, Default::default()).to_string())
        .unwrap_or_default()
}

/// A value the system works out and nobody types (REF-05, REF-06).
fn derived_value(
    f: &Field,
    answers: &BTreeMap<String, Answer>,
    kid: &carepanel_store::entity::child::Model,
    today: chrono::NaiveDate,
) -> String {
    match f.source.as_deref() {
        Some("date_of_birth") | Some("child.dob") => {
            format!(
                "{} years",
                age_on(kid.date_of_birth, today, Default::default())
            )
        }
        Some(expr) if expr.contains('*') => {
            let mut parts = expr.split('*').map(str::trim);
            let (Some(a), Some(b)) = (parts.next(), parts.next()) else {
                return String::new();
            };
            let amount = answers
                .get(a)
                .and_then(|x| x.text())
                .and_then(|t| Money::parse(t).ok());
            let count = answers
                .get(b)
                .and_then(|x| x.text())
                .and_then(|t| t.trim().parse::<i64>().ok());
            match (amount, count) {
                (Some(m), Some(n)) => m
                    .checked_mul(n)
                    .map(|t| t.to_string())
                    .unwrap_or_else(|| "too large to show".into()),
                _ => "Worked out when both are entered".into(),
            }
        }
        _ => String::new(),
    }
}

/// The rows of a group as posted: (row index, cells in column order).
fn posted_rows(p: &Posted, f: &Field) -> Vec<(usize, Vec<String>)> {
    (0..MAX_ROWS)
        .filter(|i| p.has(&format!("a_{}-{i}-0", f.id)))
        .map(|i| {
            (
                i,
                (0..f.columns.len())
                    .map(|c| p.get(&format!("a_{}-{i}-{c}", f.id)))
                    .collect(),
            )
        })
        .collect()
}

/// Reads the form's answers from what was posted, checking each against its type.
fn read_answers(
    form: &PolicyForm,
    applying: &[String],
    posted: &Posted,
    problems: &mut Problems,
) -> BTreeMap<String, Answer> {
    let mut out = BTreeMap::new();
    let fields = form
        .sections
        .iter()
        .filter(|sec| applying.contains(&sec.id))
        .flat_map(|sec| sec.fields.iter());
    for f in fields {
        let name = format!("a_{}", f.id);
        let label = f.label.trim_end_matches(['?', ':']).to_string();
        let value = match f.kind {
            FieldKind::Derived => continue,
            FieldKind::Date => date_parts(posted, &name, &label, problems).map(|d| d.to_string()),
            FieldKind::Group => {
                let mut rows = Vec::new();
                for (i, cells) in posted_rows(posted, f) {
                    if cells.iter().all(String::is_empty) {
                        continue;
                    }
                    let mut row = BTreeMap::new();
                    for (c, (col, cell)) in f.columns.iter().zip(cells).enumerate() {
                        if cell.is_empty() || col.kind == FieldKind::Derived {
                            continue;
                        }
                        let stored = match col.kind {
                            FieldKind::Date => match date_text(&cell) {
                                Some(d) => d.to_string(),
                                None => {
                                    problems.add(
                                        format!("{name}-{i}-{c}"),
                                        format!(
                                            "{label}, row {}: {} must be a real date, for example 27/3/2019",
                                            i + 1,
                                            col.label
                                        ),
                                    );
                                    cell
                                }
                            },
                            FieldKind::Integer | FieldKind::Scale => {
                                let (min, max) =
                                    (col.min.unwrap_or(0), col.max.unwrap_or(i64::from(i32::MAX)));
                                match cell.parse::<i64>() {
                                    Ok(n) if (min..=max).contains(&n) => n.to_string(),
                                    _ => {
                                        problems.add(
                                            format!("{name}-{i}-{c}"),
                                            format!(
                                                "{label}, row {}: {} must be a whole number from {min} to {max}",
                                                i + 1,
                                                col.label
                                            ),
                                        );
                                        cell
                                    }
                                }
                            }
                            _ => cell,
                        };
                        row.insert(col.id.clone(), stored);
                    }
                    rows.push(row);
                }
                if !rows.is_empty() {
                    out.insert(f.id.clone(), Answer::Rows(rows));
                }
                continue;
            }
            FieldKind::Money => {
                let typed = posted.get(&name);
                money(&typed, &name, &label, problems).map(|m| m.plain())
            }
            FieldKind::Integer | FieldKind::Scale => {
                let (min, max) = match f.kind {
                    FieldKind::Scale => (f.min.unwrap_or(0), f.max.unwrap_or(10)),
                    _ => (f.min.unwrap_or(0), f.max.unwrap_or(i64::from(i32::MAX))),
                };
                crate::input::whole_number(&posted.get(&name), &name, &label, min, max, problems)
                    .map(|n| n.to_string())
            }
            FieldKind::YesNo => {
                let v = posted.get(&name);
                match v.as_str() {
                    "" => None,
                    "yes" | "no" => Some(v),
                    _ => {
                        problems.add(&name, format!("{label}: choose yes or no"));
                        None
                    }
                }
            }
            FieldKind::Select => {
                let v = posted.get(&name);
                if v.is_empty() {
                    None
                } else if f.options.contains(&v) {
                    Some(v)
                } else {
                    problems.add(&name, format!("{label}: choose one of the options listed"));
                    None
                }
            }
            FieldKind::Text | FieldKind::Textarea => {
                let v = posted.raw(&name);
                if v.chars().count() > 20_000 {
                    problems.add(
                        &name,
                        format!(
                            "{label} must be 20,000 characters or fewer; attach a document for more"
                        ),
                    );
                }
                (!v.trim().is_empty()).then_some(v)
            }
        };
        if let Some(v) = value {
            out.insert(f.id.clone(), Answer::Text(v));
        }
    }
    out
}

/// The panel's form for a draft.
pub async fn edit_page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show_edit(&state, &s, &id, None, &Problems::default()).await
}

async fn show_edit(
    state: &WebState,
    s: &Session,
    id: &str,
    posted: Option<&Posted>,
    problems: &Problems,
) -> Response {
    let v = match state.app.referral_view(&s.actor, id).await {
        Ok(v) => v,
        Err(e) => return error_page(state, &e),
    };
    if v.referral.author_id != s.actor.person_id {
        return error_page(
            state,
            &AppError::forbidden("Only the referral's author may edit it", "SEC-01"),
        );
    }
    if !matches!(v.referral.state.as_str(), "draft" | "returned") {
        return error_page(
            state,
            &AppError::refused(
                format!(
                    "A referral that is {} can no longer be edited",
                    v.referral.state
                ),
                "REF-21",
            ),
        );
    }
    let Ok((_, panel)) = state.app.panel(&v.referral.panel_id) else {
        return error_page(state, &AppError::NotFound("panel".into()));
    };
    let answers: BTreeMap<String, Answer> =
        serde_json::from_str(&v.referral.answers).unwrap_or_default();
    let today = state.app.local_now().date();
    let inline = problems.for_field();
    let mut secs = v
        .form
        .as_ref()
        .map(|f| sections(f, &answers, posted, &inline, &v.child, today))
        .unwrap_or_default();
    // Sections whose condition does not hold for this referral are not asked (REF-01).
    secs.retain(|sec| v.sections_applying.contains(&sec.id));
    let amount = match posted {
        Some(p) => p.get("amount"),
        None => v
            .referral
            .amount_pence
            .map(|p| Money::from_pence(p).plain())
            .unwrap_or_default(),
    };
    let documents = documents_for(panel);
    let errors = (!problems.is_empty()).then(|| problems.0.clone());
    render_form(
        state,
        "referral_edit.html",
        context! {
            title => format!("Referral for {}", v.child.name),
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            id,
            version => v.referral.version,
            panel => panel.name.clone(),
            form_label => v.form.as_ref().map(|f| f.label.clone()),
            child => v.child.name.clone(),
            sections => secs,
            amount,
            amount_error => inline.get("amount").cloned(),
            documents,
            errors,
        },
        problems,
    )
}

fn documents_for(panel: &Panel) -> Vec<(String, String)> {
    panel
        .documents
        .iter()
        .map(|d| (d.id.clone(), d.label.clone()))
        .collect()
}

/// Saves the form. Type errors keep everything typed and save nothing; missing answers are
/// allowed in a draft and shown as missing on the referral's page.
pub async fn save_referral(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted::new(pairs);
    let s = match form_session_token(&state, &headers, &posted.get("csrf")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let v = match state.app.referral_view(&s.actor, &id).await {
        Ok(v) => v,
        Err(e) => return error_page(&state, &e),
    };
    if v.referral.author_id != s.actor.person_id {
        return error_page(
            &state,
            &AppError::forbidden("Only the referral's author may edit it", "SEC-01"),
        );
    }
    let mut problems = Problems::default();
    let mut answers = v
        .form
        .as_ref()
        .map(|f| read_answers(f, &v.sections_applying, &posted, &mut problems))
        .unwrap_or_default();
    // Answers in sections that do not apply were not on the page: they stay as stored.
    let stored: BTreeMap<String, Answer> =
        serde_json::from_str(&v.referral.answers).unwrap_or_default();
    if let Some(f) = &v.form {
        for sec in f
            .sections
            .iter()
            .filter(|sec| !v.sections_applying.contains(&sec.id))
        {
            for field in &sec.fields {
                if let Some(a) = stored.get(&field.id) {
                    answers.insert(field.id.clone(), a.clone());
                }
            }
        }
    }
    let amount = money(
        &posted.get("amount"),
        "amount",
        "the cost of what is asked for",
        &mut problems,
    );
    let Ok(based_on) = posted.get("version").parse::<i64>() else {
        return error_page(
            &state,
            &AppError::invalid(
                "version",
                "The form is missing its version; open it again",
                "REF-21",
            ),
        );
    };
    if !problems.is_empty() {
        return show_edit(&state, &s, &id, Some(&posted), &problems).await;
    }
    match state
        .app
        .edit_draft(&s.actor, &id, based_on, &answers, amount)
        .await
    {
        Ok(_) => Redirect::to(&format!("/referrals/{id}")).into_response(),
        Err(AppError::Conflict(message)) => {
            problems.add("version", format!("{message}. What you typed is below: copy anything you need, then reload the form"));
            show_edit(&state, &s, &id, Some(&posted), &problems).await
        }
        Err(AppError::Invalid(errs)) => {
            for e in errs {
                problems.add(
                    format!("a_{}", e.field),
                    format!("{} ({})", e.message, e.requirement),
                );
            }
            show_edit(&state, &s, &id, Some(&posted), &problems).await
        }
        Err(e) => error_page(&state, &e),
    }
}

/// Sends the referral to its first signatory or straight to panel.
pub async fn send_referral(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted::new(pairs);
    let s = match form_session_token(&state, &headers, &posted.get("csrf")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.app.send(&s.actor, &id).await {
        Ok(_) => Redirect::to(&format!("/referrals/{id}")).into_response(),
        Err(e @ (AppError::Refused { .. } | AppError::Invalid(_))) => {
            crate::show_referral(
                &state,
                &s,
                &id,
                Some(("send".to_string(), e.to_string())),
                "",
            )
            .await
        }
        Err(e) => error_page(&state, &e),
    }
}

/// Attaches a document (multipart form: csrf, document, written_on, file).
pub async fn attach(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    // Anyone not signed in is sent to sign in before the upload is read.
    if let Err(r) = signed_in(&state, &headers).await {
        return r;
    }
    let Ok(mut multipart) = multipart else {
        return error_page(
            &state,
            &AppError::invalid(
                "file",
                "Send the document with the attachment form (a file upload)",
                "REF-16",
            ),
        );
    };
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut file: Option<(String, String, Vec<u8>)> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                if name == "file" {
                    let filename = field.file_name().unwrap_or("document").to_string();
                    let content_type = field
                        .content_type()
                        .unwrap_or("application/octet-stream")
                        .to_string();
                    match field.bytes().await {
                        Ok(b) => file = Some((filename, content_type, b.to_vec())),
                        Err(_) => {
                            return error_page(
                                &state,
                                &AppError::invalid(
                                    "file",
                                    "The file must be 10 MB or smaller",
                                    "REF-16",
                                ),
                            );
                        }
                    }
                } else {
                    let text = field.text().await.unwrap_or_default();
                    fields.push((name, text));
                }
            }
            Ok(None) => break,
            Err(_) => {
                return error_page(
                    &state,
                    &AppError::invalid("file", "The file must be 10 MB or smaller", "REF-16"),
                );
            }
        }
    }
    let posted = Posted::new(fields);
    let s = match form_session_token(&state, &headers, &posted.get("csrf")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut problems = Problems::default();
    let written_on = date_parts(
        &posted,
        "written_on",
        "The date the document was written",
        &mut problems,
    );
    let document = posted.get("document");
    if document.is_empty() {
        problems.add("document", "Choose which document this is");
    }
    match &file {
        Some((name, _, data)) if !data.is_empty() && !name.is_empty() => {}
        _ => problems.add("file", "Choose a file to attach"),
    }
    if !problems.is_empty() {
        return show_edit(&state, &s, &id, None, &problems).await;
    }
    let (filename, content_type, data) = file.unwrap_or_default();
    match state
        .app
        .attach(
            &s.actor,
            &id,
            NewAttachment {
                document_id: &document,
                filename: &filename,
                content_type: &content_type,
                written_on,
                data: &data,
            },
        )
        .await
    {
        Ok(_) => Redirect::to(&format!("/referrals/{id}")).into_response(),
        Err(AppError::Invalid(errs)) => {
            for e in errs {
                problems.add(e.field, e.message);
            }
            show_edit(&state, &s, &id, None, &problems).await
        }
        Err(e) => error_page(&state, &e),
    }
}

/// One answer as read on the referral page and in the pack.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReadAnswer {
    pub label: String,
    /// The answer as text; empty when a table is shown instead.
    pub value: String,
    pub answered: bool,
    /// For a group: its column headings and rows.
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A form section as read.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReadSection {
    pub title: String,
    pub answers: Vec<ReadAnswer>,
}

/// A referral's answers in full, as people read them: dates in words, money with its sign,
/// yes or no, tables for groups, and derived values worked out. Sections that do not apply to
/// the referral are left out.
pub(crate) fn answer_sections(
    form: &PolicyForm,
    applying: &[String],
    answers_json: &str,
    kid: &carepanel_store::entity::child::Model,
    today: chrono::NaiveDate,
) -> Vec<ReadSection> {
    let answers: BTreeMap<String, Answer> = serde_json::from_str(answers_json).unwrap_or_default();
    let none = BTreeMap::new();
    form.sections
        .iter()
        .filter(|sec| applying.contains(&sec.id))
        .map(|sec| ReadSection {
            title: sec.title.clone(),
            answers: sec
                .fields
                .iter()
                .map(|f| {
                    let stored = answers.get(&f.id).and_then(|a| a.text()).unwrap_or("");
                    let mut a = ReadAnswer {
                        label: f.label.clone(),
                        value: String::new(),
                        answered: answers.get(&f.id).is_some_and(Answer::is_answered),
                        headers: Vec::new(),
                        rows: Vec::new(),
                    };
                    match f.kind {
                        FieldKind::Group => {
                            let v = field_view(f, &answers, None, &none, kid, today);
                            a.headers = f.columns.iter().map(|c| c.label.clone()).collect();
                            a.rows = v
                                .rows
                                .into_iter()
                                .filter(|r| r.iter().any(|c| !c.is_empty()))
                                .collect();
                            a.answered = !a.rows.is_empty();
                        }
                        FieldKind::Derived => {
                            a.value = derived_value(f, &answers, kid, today);
                            a.answered = !a.value.is_empty();
                        }
                        FieldKind::Date => {
                            a.value = date_text(stored)
                                .map(|d| d.format("%-d %B %Y").to_string())
                                .unwrap_or_else(|| stored.to_string());
                        }
                        FieldKind::Money => {
                            a.value = Money::parse(stored)
                                .map(|m| m.to_string())
                                .unwrap_or_else(|_| stored.to_string());
                        }
                        FieldKind::YesNo => {
                            a.value = match stored {
                                "yes" => "Yes".into(),
                                "no" => "No".into(),
                                other => other.to_string(),
                            };
                        }
                        _ => a.value = stored.to_string(),
                    }
                    a
                })
                .collect(),
        })
        .collect()
}
