//! The PDFs: the panel pack, a decision sheet and the minutes, made from the same use cases as
//! their pages (and so with the same access checks), for the pages' download links and for
//! `carepanel documents`.

use crate::{WebState, error_page, pretty_time};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use carepanel_app::views::DecisionView;
use carepanel_app::{Actor, App, AppError};
use carepanel_documents::pdf::{
    self, ActionLine, Answer, Attendee, DecisionDoc, Declaration, MinuteItem, MinutesDoc, Note,
    PackDoc, PackItem, PdfError, Resource, Section, Table,
};
use carepanel_domain::calendar::utc_to_london;
use carepanel_domain::money::Money;
use carepanel_store::entity::{child, person};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

fn day(d: chrono::NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

fn case_id(c: &child::Model) -> String {
    format!("{} {}", c.case_system, c.case_system_id)
}

/// The names of a council's people, by id.
pub(crate) async fn names(app: &App, council_id: &str) -> HashMap<String, String> {
    person::Entity::find()
        .filter(person::Column::CouncilId.eq(council_id))
        .all(&app.db)
        .await
        .map(|ps| ps.into_iter().map(|p| (p.id, p.name)).collect())
        .unwrap_or_default()
}

/// The pack for a meeting, as the pack page shows it (PAP-03).
pub async fn pack_doc(app: &App, actor: &Actor, meeting_id: &str) -> Result<PackDoc, AppError> {
    let p = app.pack(actor, meeting_id).await?;
    let (policy, panel) = app.panel(&p.meeting.panel_id)?;
    let today = app.local_now().date();
    let items = p
        .items
        .iter()
        .map(|i| {
            let r = i.referral.as_ref();
            let sections = r
                .and_then(|r| {
                    r.form.as_ref().map(|f| {
                        crate::referral_pages::answer_sections(
                            f,
                            &r.sections_applying,
                            &r.referral.answers,
                            &r.child,
                            today,
                        )
                    })
                })
                .unwrap_or_default()
                .into_iter()
                .map(|s| Section {
                    title: s.title,
                    answers: s
                        .answers
                        .into_iter()
                        .map(|a| {
                            let table =
                                (!a.headers.is_empty() && !a.rows.is_empty()).then(|| Table {
                                    head: a.headers.clone(),
                                    rows: a.rows.clone(),
                                });
                            let value = (a.headers.is_empty() && a.answered).then_some(a.value);
                            Answer {
                                label: a.label,
                                value,
                                table,
                            }
                        })
                        .collect(),
                })
                .collect();
            PackItem {
                start: i.start.clone(),
                end: i.end.clone(),
                label: i.label.clone(),
                child: r.map(|r| r.child.name.clone()),
                case_id: r.map(|r| case_id(&r.child)),
                listed_as: if i.item.note.is_empty() {
                    i.item.kind.clone()
                } else {
                    format!("{}: {}", i.item.kind, i.item.note)
                },
                amount: r
                    .and_then(|r| r.referral.amount_pence)
                    .map(|p| Money::from_pence(p).to_string()),
                documents: r
                    .map(|r| {
                        r.attachments
                            .iter()
                            .map(|a| {
                                let label = panel
                                    .documents
                                    .iter()
                                    .find(|d| d.id == a.document_id)
                                    .map_or(a.document_id.clone(), |d| d.label.clone());
                                format!("{label}: {}", a.filename)
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                sections,
                notes: i
                    .notes
                    .iter()
                    .map(|n| Note {
                        author: n.author.clone(),
                        role: n.role.clone(),
                        text: n.note.note.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(PackDoc {
        council: policy.council.name.clone(),
        panel: p.panel_name,
        meeting: pretty_time(&p.meeting.starts_at),
        papers: p
            .meeting
            .papers_circulated_at
            .map(|t| utc_to_london(t).format("%-d %B %Y at %H:%M").to_string()),
        items,
    })
}

fn actions(d: &DecisionView) -> Vec<ActionLine> {
    d.actions
        .iter()
        .map(|a| ActionLine {
            description: a.description.clone(),
            owner: a.owner.clone(),
            due: day(a.due_date),
        })
        .collect()
}

fn outcome_label(panel: &carepanel_domain::policy::Panel, outcome: &str) -> String {
    panel
        .outcomes
        .iter()
        .find(|o| o.id == outcome)
        .map_or(outcome.to_string(), |o| o.label.clone())
}

/// A decision sheet (Bexley's Part B layout) from a decision as its page reads it.
pub async fn decision_doc(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<(DecisionDoc, DecisionView), AppError> {
    let d = app.decision_sheet(actor, id).await?;
    let (policy, panel) = app.panel(&d.decision.panel_id)?;
    let people = names(app, &d.decision.council_id).await;
    let doc = DecisionDoc {
        council: policy.council.name.clone(),
        panel: panel.name.clone(),
        child: d.child.as_ref().map(|c| c.name.clone()),
        case_id: d.child.as_ref().map(case_id),
        request: d.category.clone(),
        meeting: d.meeting.as_ref().map(|m| pretty_time(&m.starts_at)),
        outcome: outcome_label(panel, &d.decision.outcome),
        lines: serde_json::from_str(&d.decision.lines).unwrap_or_default(),
        resources: d
            .commitments
            .iter()
            .map(|c| Resource {
                description: c.description.clone(),
                weekly: c.weekly_pence.map(|p| Money::from_pence(p).to_string()),
                one_off: c.one_off_pence.map(|p| Money::from_pence(p).to_string()),
                start: c.start_date.map(day),
                end: c.end_date.map(day),
                total: Money::from_pence(c.total_pence).to_string(),
            })
            .collect(),
        weekly: Money::from_pence(d.decision.weekly_pence).to_string(),
        total: Money::from_pence(d.decision.total_pence).to_string(),
        conditions: serde_json::from_str(&d.decision.conditions).unwrap_or_default(),
        actions: actions(&d),
        return_date: d.decision.return_date.map(day),
        reviews: d
            .reviews
            .iter()
            .map(|r| {
                format!(
                    "{} due {} ({})",
                    r.kind.replace('-', " "),
                    day(r.due_date),
                    r.status
                )
            })
            .collect(),
        rationale: d.decision.rationale.clone(),
        chair: people
            .get(&d.decision.decided_by)
            .cloned()
            .unwrap_or_default(),
        decided: utc_to_london(d.decision.decided_at)
            .format("%-d %B %Y")
            .to_string(),
        policy_version: d.decision.policy_version.clone(),
        guidance: panel.decision.guidance.clone(),
    };
    Ok((doc, d))
}

/// The minutes of a meeting, from its register, declarations and decisions.
pub async fn minutes_doc(
    app: &App,
    actor: &Actor,
    meeting_id: &str,
) -> Result<MinutesDoc, AppError> {
    let m = app.minutes(actor, meeting_id).await?;
    let meeting = &m.register.meeting;
    let (policy, panel) = app.panel(&meeting.panel_id)?;
    let people = names(app, &meeting.council_id).await;
    let line = |l: &carepanel_app::coordination::RegisterLine| Attendee {
        name: l.name.clone(),
        role: l.role_label.clone(),
        cover_for: if l.status.as_deref() == Some("cover") {
            l.cover_for.clone()
        } else {
            None
        },
    };
    let with = |wanted: &[&str]| -> Vec<Attendee> {
        m.register
            .lines
            .iter()
            .filter(|l| wanted.contains(&l.status.as_deref().unwrap_or("")))
            .map(line)
            .collect()
    };
    let decided = m.items.iter().any(|i| i.decision.is_some());
    let status = if meeting.status == "cancelled" {
        "This meeting was cancelled.".to_string()
    } else if decided {
        "Produced from the decisions recorded at the meeting.".to_string()
    } else {
        "No decisions are recorded yet: these minutes are a draft.".to_string()
    };
    let items = m
        .items
        .iter()
        .map(|i| {
            let d = i.decision.as_ref();
            MinuteItem {
                start: i.item.slot_start.clone(),
                label: i.label.clone(),
                child: i.child.as_ref().map(|c| c.name.clone()),
                case_id: i.child.as_ref().map(case_id),
                outcome: match d {
                    Some(d) => Some(outcome_label(panel, &d.decision.outcome)),
                    None if i.item.status == "rolled" => {
                        Some("Moved to a later meeting".to_string())
                    }
                    None => None,
                },
                lines: d
                    .map(|d| serde_json::from_str(&d.decision.lines).unwrap_or_default())
                    .unwrap_or_default(),
                rationale: d.map(|d| d.decision.rationale.clone()),
                total: d
                    .filter(|d| d.decision.total_pence != 0)
                    .map(|d| Money::from_pence(d.decision.total_pence).to_string()),
                return_date: d.and_then(|d| d.decision.return_date).map(day),
                actions: d.map(actions).unwrap_or_default(),
                chair: d.and_then(|d| people.get(&d.decision.decided_by).cloned()),
            }
        })
        .collect();
    Ok(MinutesDoc {
        council: policy.council.name.clone(),
        panel: m.panel_name.clone(),
        meeting: pretty_time(&meeting.starts_at),
        status,
        present: with(&["present", "cover"]),
        apologies: with(&["apologies"]),
        not_recorded: m
            .register
            .lines
            .iter()
            .filter(|l| l.status.is_none())
            .map(line)
            .collect(),
        declarations: m
            .declarations
            .iter()
            .map(|d| Declaration {
                name: d.name.clone(),
                item: d.item.clone(),
                nature: d.nature.clone(),
                excluded: d.excluded,
            })
            .collect(),
        items,
    })
}

/// Typesets off the async threads: a long pack takes a while.
pub async fn typeset<T: Send + 'static>(
    app: &App,
    doc: T,
    write: fn(&T, chrono::NaiveDateTime) -> Result<Vec<u8>, PdfError>,
) -> Result<Vec<u8>, PdfError> {
    let made = app.local_now();
    tokio::task::spawn_blocking(move || write(&doc, made))
        .await
        .unwrap_or_else(|e| Err(PdfError::Typeset(e.to_string())))
}

fn pdf_response(pdf: Result<Vec<u8>, PdfError>, name: &str) -> Response {
    match pdf {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}.pdf\""),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            eprintln!("carepanel: {name}.pdf could not be made: {e}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The document could not be made; the error has been logged.",
            )
                .into_response()
        }
    }
}

/// A safe file name part: letters, digits and dashes.
fn file_part(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// Signs the person in, makes the document (its use case checks access), typesets it and
/// sends it as a download.
async fn download<T, F, Fut>(
    state: WebState,
    headers: HeaderMap,
    make: F,
    write: fn(&T, chrono::NaiveDateTime) -> Result<Vec<u8>, PdfError>,
) -> Response
where
    T: Send + 'static,
    F: FnOnce(WebState, Actor) -> Fut,
    Fut: std::future::Future<Output = Result<(T, String), AppError>>,
{
    let s = match crate::signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match make(state.clone(), s.actor.clone()).await {
        Ok((doc, name)) => {
            let pdf = typeset(&state.app, doc, write).await;
            pdf_response(pdf, &name)
        }
        Err(e) => error_page(&state, &e),
    }
}

/// `GET /meetings/{id}/pack.pdf`
pub async fn pack_pdf(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let make = |st: WebState, actor: Actor| async move {
        let doc = pack_doc(&st.app, &actor, &id).await?;
        let name = format!("pack-{}", file_part(&doc.meeting));
        Ok((doc, name))
    };
    download(state, headers, make, pdf::pack_pdf).await
}

/// `GET /decisions/{id}/sheet.pdf`
pub async fn decision_pdf(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let make = |st: WebState, actor: Actor| async move {
        let (doc, _) = decision_doc(&st.app, &actor, &id).await?;
        let name = format!(
            "decision-{}",
            file_part(doc.case_id.as_deref().unwrap_or(&id))
        );
        Ok((doc, name))
    };
    download(state, headers, make, pdf::decision_pdf).await
}

/// `GET /meetings/{id}/minutes.pdf`
pub async fn minutes_pdf(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let make = |st: WebState, actor: Actor| async move {
        let doc = minutes_doc(&st.app, &actor, &id).await?;
        let name = format!("minutes-{}", file_part(&doc.meeting));
        Ok((doc, name))
    };
    download(state, headers, make, pdf::minutes_pdf).await
}
