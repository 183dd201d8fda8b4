//! The coordinator's and chair's meeting pages: the agenda in running order with the chair's
//! prioritisation list, the attendance register with apologies and cover, and cancelling a
//! meeting with its authoriser recorded (AGD-02, AGD-07, MEM-04, MEM-05, CAL-07).

use crate::input::{Posted, Problems};
use crate::{
    Session, WebState, error_page, form_session_token, person_names, pretty_time, render_form,
    signed_in,
};
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use carepanel_app::AppError;
use carepanel_app::panel_work::AttendanceStatus;
use minijinja::context;
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct ItemRow {
    id: String,
    label: String,
    kind: String,
    status: String,
    start: Option<String>,
    end: Option<String>,
    note: String,
}

/// The agenda of a meeting for the people who work its panel.
pub async fn agenda(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show_agenda(&state, &s, &id, &Posted::default(), &Problems::default()).await
}

async fn show_agenda(
    state: &WebState,
    s: &Session,
    id: &str,
    posted: &Posted,
    problems: &Problems,
) -> Response {
    let (a, interims) = match state.app.agenda_page(&s.actor, id).await {
        Ok(a) => a,
        Err(e) => return error_page(state, &e),
    };
    let interims: Vec<_> = interims
        .into_iter()
        .map(|i| context! { id => i.id, request => i.request, status => i.status })
        .collect();
    let items: Vec<ItemRow> = a
        .items
        .into_iter()
        .map(|(i, label, start, end)| ItemRow {
            id: i.id,
            label,
            kind: i.kind,
            status: i.status,
            start,
            end,
            note: i.note,
        })
        .collect();
    let row = |(i, label): (carepanel_store::entity::agenda_item::Model, String)| ItemRow {
        id: i.id,
        label,
        kind: i.kind,
        status: i.status,
        start: None,
        end: None,
        note: i.note,
    };
    let for_chair: Vec<ItemRow> = a.for_chair.into_iter().map(row).collect();
    let waiting: Vec<ItemRow> = a.waiting.into_iter().map(row).collect();
    let priorities: Vec<(String, String)> = waiting
        .iter()
        .map(|i| {
            let name = format!("p_{}", i.id);
            let value = posted.get(&name);
            (name, value)
        })
        .collect();
    let m = &a.meeting;
    let cancelled_by = match &m.cancelled_by {
        Some(p) => person_names(state, &m.council_id)
            .await
            .get(p)
            .cloned()
            .or(Some(p.clone())),
        None => None,
    };
    let errors = (!problems.is_empty()).then(|| problems.0.clone());
    render_form(
        state,
        "agenda.html",
        context! {
            title => format!("Agenda for {}", pretty_time(&m.starts_at)),
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            panel => a.panel_name,
            starts => pretty_time(&m.starts_at),
            cutoff => pretty_time(&m.cutoff),
            status => m.status.clone(),
            cancelled_by,
            cancel_reason => m.cancel_reason.clone(),
            capacity => a.capacity,
            items,
            for_chair,
            waiting,
            priorities,
            chairs => a.chairs,
            meeting_id => id,
            interims,
            papers => m.papers_circulated_at.map(|t| carepanel_domain::calendar::utc_to_london(t).format("%-d %B %Y at %H:%M").to_string()),
            administers => a.administers,
            inline => problems.for_field(),
            errors,
        },
        problems,
    )
}

/// The chair puts the waiting items in order (AGD-02): a number for each item to hear, 1
/// first; items left blank follow, and what does not fit rolls to the next meeting.
pub async fn prioritise(
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
    let a = match state.app.agenda(&s.actor, &id).await {
        Ok(a) => a,
        Err(e) => return error_page(&state, &e),
    };
    if !a.chairs {
        return error_page(
            &state,
            &AppError::forbidden("Only the panel's chair may prioritise the agenda", "AGD-02"),
        );
    }
    let mut problems = Problems::default();
    let mut ranked: Vec<(u32, i32, String)> = Vec::new();
    for (item, label) in &a.waiting {
        let name = format!("p_{}", item.id);
        let typed = posted.get(&name);
        if typed.is_empty() {
            continue;
        }
        match typed.parse::<u32>() {
            Ok(n) if (1..=999).contains(&n) => ranked.push((n, item.position, item.id.clone())),
            _ => problems.add(
                name,
                format!("Enter the priority of {label} as a whole number from 1, like 1 for the first item to hear, or leave it blank"),
            ),
        }
    }
    if ranked.is_empty() && problems.is_empty() {
        problems.add(
            a.waiting
                .first()
                .map_or_else(|| "priorities".to_string(), |(i, _)| format!("p_{}", i.id)),
            "Give at least one item a priority, 1 for the first to hear",
        );
    }
    if !problems.is_empty() {
        return show_agenda(&state, &s, &id, &posted, &problems).await;
    }
    ranked.sort();
    let order: Vec<String> = ranked.into_iter().map(|(_, _, id)| id).collect();
    match state.app.prioritise(&s.actor, &id, &order).await {
        Ok(_) => Redirect::to(&format!("/meetings/{id}")).into_response(),
        Err(AppError::Invalid(errs)) => {
            for e in errs {
                problems.add("priorities", format!("{} ({})", e.message, e.requirement));
            }
            show_agenda(&state, &s, &id, &posted, &problems).await
        }
        Err(e) => error_page(&state, &e),
    }
}

#[derive(Deserialize, Default)]
pub struct Recorded {
    #[serde(default)]
    recorded: Option<String>,
    #[serde(default)]
    short: Option<String>,
}

/// The attendance register of a meeting (MEM-05).
pub async fn attendance_page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<Recorded>,
) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show_attendance(
        &state,
        &s,
        &id,
        &Posted::default(),
        &Problems::default(),
        &q,
    )
    .await
}

async fn show_attendance(
    state: &WebState,
    s: &Session,
    id: &str,
    posted: &Posted,
    problems: &Problems,
    q: &Recorded,
) -> Response {
    let reg = match state.app.attendance_register(&s.actor, id).await {
        Ok(r) => r,
        Err(e) => return error_page(state, &e),
    };
    let lines: Vec<_> = reg
        .lines
        .iter()
        .map(|l| {
            context! {
                person_id => l.person_id,
                name => l.name,
                role => l.role_label,
                status => l.status,
                cover_for => l.cover_for,
            }
        })
        .collect();
    let me = &s.actor.person_id;
    let is_member = reg.lines.iter().any(|l| &l.person_id == me);
    // The administrator records for anyone; a member gives their own apologies.
    let people: Vec<(String, String)> = reg
        .lines
        .iter()
        .filter(|l| reg.administers || &l.person_id == me)
        .map(|l| {
            (
                l.person_id.clone(),
                format!("{} ({})", l.name, l.role_label),
            )
        })
        .collect();
    let recorded = q.recorded.as_ref().map(|who| {
        reg.lines.iter().find(|l| &l.person_id == who).map_or_else(
            || "Attendance recorded".to_string(),
            |l| format!("Recorded for {}", l.name),
        )
    });
    let errors = (!problems.is_empty()).then(|| problems.0.clone());
    let open = reg.meeting.status == "scheduled";
    render_form(
        state,
        "attendance.html",
        context! {
            title => format!("Attendance for {}", pretty_time(&reg.meeting.starts_at)),
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            meeting_id => id,
            starts => pretty_time(&reg.meeting.starts_at),
            lines,
            administers => reg.administers,
            may_record => open && (reg.administers || is_member),
            person_items => crate::choice_items(Some(("", "Select a person")), &people),
            cover_items => crate::choice_items(Some(("", "Not covering")), &people),
            person => if posted.has("person") { posted.get("person") } else if reg.administers { String::new() } else { me.clone() },
            status => posted.get("status"),
            cover_for => posted.get("cover_for"),
            recorded,
            short_notice => q.short.is_some(),
            inline => problems.for_field(),
            errors,
        },
        problems,
    )
}

/// Records a line of the register: present, apologies or cover (MEM-04, MEM-05).
pub async fn record_attendance(
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
    let mut problems = Problems::default();
    let person = posted.get("person");
    if person.is_empty() {
        problems.add("person", "Select whose attendance you are recording");
    }
    let status = match posted.get("status").as_str() {
        "present" => Some(AttendanceStatus::Present),
        "apologies" => Some(AttendanceStatus::Apologies),
        "cover" => Some(AttendanceStatus::Cover),
        _ => {
            problems.add(
                "status",
                "Select present, apologies or covering for a member",
            );
            None
        }
    };
    let q = Recorded::default();
    let (Some(status), true) = (status, problems.is_empty()) else {
        return show_attendance(&state, &s, &id, &posted, &problems, &q).await;
    };
    let cover_for = posted.get("cover_for");
    match state
        .app
        .record_register(&s.actor, &id, &person, status, Some(cover_for.as_str()))
        .await
    {
        Ok(notice) => Redirect::to(&format!(
            "/meetings/{id}/attendance?recorded={person}{}",
            if notice.is_some() { "&short=1" } else { "" }
        ))
        .into_response(),
        Err(AppError::Invalid(errs)) => {
            problems.add_errors(errs);
            show_attendance(&state, &s, &id, &posted, &problems, &q).await
        }
        Err(e) => error_page(&state, &e),
    }
}

/// The form to cancel a meeting, naming whose prior agreement was given (CAL-07).
pub async fn cancel_page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show_cancel(&state, &s, &id, &Posted::default(), &Problems::default()).await
}

async fn show_cancel(
    state: &WebState,
    s: &Session,
    id: &str,
    posted: &Posted,
    problems: &Problems,
) -> Response {
    let reg = match state.app.attendance_register(&s.actor, id).await {
        Ok(r) => r,
        Err(e) => return error_page(state, &e),
    };
    let authoriser_ids: Vec<&String> = reg.authorisers.iter().map(|(id, _, _)| id).collect();
    if !reg.administers && !authoriser_ids.contains(&&s.actor.person_id) {
        return error_page(
            state,
            &AppError::forbidden(
                "Only the panel's administrator, or someone who may agree to it, can cancel a meeting",
                "CAL-07",
            ),
        );
    }
    let errors = (!problems.is_empty()).then(|| problems.0.clone());
    render_form(
        state,
        "cancel.html",
        context! {
            title => format!("Cancel the meeting of {}", pretty_time(&reg.meeting.starts_at)),
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            meeting_id => id,
            starts => pretty_time(&reg.meeting.starts_at),
            status => reg.meeting.status.clone(),
            authoriser_items => reg.authorisers.iter().map(|(value, text, role)| context! { value, text, hint => context! { text => role } }).collect::<Vec<_>>(),
            authoriser => posted.get("authoriser"),
            reason => posted.raw("reason"),
            inline => problems.for_field(),
            errors,
        },
        problems,
    )
}

/// Cancels the meeting; everything waiting on it moves to the next meeting held (CAL-07).
pub async fn cancel(
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
    match state
        .app
        .cancel_meeting(
            &s.actor,
            &id,
            &posted.get("authoriser"),
            &posted.raw("reason"),
        )
        .await
    {
        Ok(done) => Redirect::to(&format!("/meetings/{}", done.moved_to.id)).into_response(),
        Err(AppError::Invalid(errs)) => {
            let problems = Problems::from_errors(errs);
            show_cancel(&state, &s, &id, &posted, &problems).await
        }
        Err(e) => error_page(&state, &e),
    }
}

/// The panel pack: every referral in full in running order, with members' notes (PAP-03).
pub async fn pack(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let p = match state.app.pack(&s.actor, &id).await {
        Ok(p) => p,
        Err(e) => return error_page(&state, &e),
    };
    let Ok((_, panel)) = state.app.panel(&p.meeting.panel_id) else {
        return error_page(&state, &AppError::NotFound("panel".into()));
    };
    let today = state.app.local_now().date();
    let items: Vec<_> = p
        .items
        .iter()
        .map(|i| {
            let r = i.referral.as_ref();
            context! {
                id => i.item.id,
                label => i.label,
                start => i.start,
                end => i.end,
                kind => i.item.kind,
                note => i.item.note,
                child => r.map(|r| r.child.name.clone()),
                amount => r.and_then(|r| r.referral.amount_pence).map(|p| carepanel_domain::money::Money::from_pence(p).to_string()),
                documents => r.map(|r| r.attachments.iter().map(|a| {
                    let label = panel.documents.iter().find(|d| d.id == a.document_id).map_or(a.document_id.clone(), |d| d.label.clone());
                    format!("{label}: {}", a.filename)
                }).collect::<Vec<_>>()).unwrap_or_default(),
                answers => r.and_then(|r| r.form.as_ref().map(|f| crate::referral_pages::answer_sections(f, &r.sections_applying, &r.referral.answers, &r.child, today))).unwrap_or_default(),
                notes => i.notes.iter().map(|n| context! { author => n.author, role => n.role, text => n.note.note }).collect::<Vec<_>>(),
            }
        })
        .collect();
    render_form(
        &state,
        "pack.html",
        context! {
            title => format!("Panel pack for {}", pretty_time(&p.meeting.starts_at)),
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            meeting_id => id,
            panel => p.panel_name,
            starts => pretty_time(&p.meeting.starts_at),
            papers => p.meeting.papers_circulated_at.map(|t| carepanel_domain::calendar::utc_to_london(t).format("%-d %B %Y at %H:%M").to_string()),
            items,
        },
        &Problems::default(),
    )
}

/// An invitation as a calendar file to download (RFC 5545).
fn calendar_file(
    state: &WebState,
    invitation: carepanel_app::invitations::Invitation,
    filename: &str,
) -> Response {
    use carepanel_documents::ical::{Method, calendar};
    let method = match invitation.method {
        Method::Request => "REQUEST",
        Method::Cancel => "CANCEL",
    };
    let body = calendar(invitation.method, &invitation.events, state.app.now());
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                format!("text/calendar; charset=utf-8; method={method}"),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// The meeting as a calendar invitation for its members; a cancellation once it is cancelled.
pub async fn meeting_invitation(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.app.meeting_invitation(&s.actor, &id).await {
        Ok(i) => calendar_file(&state, i, "panel-meeting.ics"),
        Err(e) => error_page(&state, &e),
    }
}

/// A presenter's slot as a calendar invitation; a cancellation once the item is moved off.
pub async fn slot_invitation(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match state.app.slot_invitation(&s.actor, &id).await {
        Ok(i) => calendar_file(&state, i, "panel-slot.ics"),
        Err(e) => error_page(&state, &e),
    }
}
