//! The chair's and members' work on an item: declarations and who is excluded, recording the
//! decision with the panel's own outcomes, the decision sheet; decisions between meetings and
//! their ratification; the forward planner (DEC-01 to DEC-12, MEM-06, EMG-01 to EMG-08,
//! REV-06, REV-08).

use crate::input::{Posted, Problems, date_parts, date_values, money};
use crate::{
    Session, WebState, error_page, form_session_token, person_names, pretty_time, render,
    render_form, signed_in,
};
use axum::extract::{Form, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use carepanel_app::AppError;
use carepanel_app::meetings::InterimInput;
use carepanel_domain::decision::{Action, DecisionInput, Resource};
use carepanel_domain::money::Money;
use carepanel_domain::policy::{Outcome, Panel, Policy};
use minijinja::context;
use serde::Serialize;

/// Resource and action rows the decision form offers.
const RESOURCE_ROWS: usize = 3;
const ACTION_ROWS: usize = 3;

#[derive(Serialize)]
struct OutcomeChoice {
    id: String,
    label: String,
    hint: String,
}

fn outcome_choices(panel: &Panel, ratification: bool) -> Vec<OutcomeChoice> {
    panel
        .outcomes
        .iter()
        .filter(|o| o.ratification_only == ratification || (!ratification && !o.ratification_only))
        .filter(|o| {
            !ratification
                || panel.emergency.ratification_outcomes.is_empty()
                || panel.emergency.ratification_outcomes.contains(&o.id)
        })
        .map(|o| OutcomeChoice {
            id: o.id.clone(),
            label: o.label.clone(),
            hint: outcome_hint(o),
        })
        .collect()
}

fn outcome_hint(o: &Outcome) -> String {
    let mut needs = Vec::new();
    if o.requires_resources {
        needs.push("the resources with weekly cost and dates");
    }
    if o.requires_return {
        needs.push("a return date");
    }
    if o.requires_meeting {
        needs.push("the meeting it is deferred to");
    }
    if o.requires_link {
        needs.push("the panel it is referred to");
    }
    if needs.is_empty() {
        String::new()
    } else {
        format!("Needs {}", needs.join(", "))
    }
}

/// The item page: the referral in brief, declarations, exclusions, and the decision form for
/// the chair (or the decision taken).
pub async fn item_page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show_item(&state, &s, &id, &Posted::default(), &Problems::default()).await
}

async fn show_item(
    state: &WebState,
    s: &Session,
    id: &str,
    posted: &Posted,
    problems: &Problems,
) -> Response {
    let v = match state.app.item_view(&s.actor, id).await {
        Ok(v) => v,
        Err(e) => return error_page(state, &e),
    };
    let Ok((policy, panel)) = state.app.panel(&v.meeting.panel_id) else {
        return error_page(state, &AppError::NotFound("panel".into()));
    };
    let people = person_names(state, &v.meeting.council_id).await;
    let declarations: Vec<_> = v
        .declarations
        .iter()
        .map(|d| {
            context! {
                person => people.get(&d.person_id).cloned().unwrap_or_default(),
                nature => d.nature.clone(),
                excluded => panel.declarations.excludes_from_decision,
            }
        })
        .collect();
    let i_declared = v
        .declarations
        .iter()
        .any(|d| d.person_id == s.actor.person_id);
    let is_chair =
        carepanel_app::access::holds(policy, &s.actor, &panel.id, &panel.chair.eligible).is_some();
    let ratification = v.item.kind == "ratification";
    let decision = v.decision.as_ref().map(|d| d.id.clone());
    let (title, child, child_id, category, referral_id) = match &v.referral {
        Some(r) => (
            format!(
                "{}: {}",
                r.child.name,
                panel
                    .category(&r.referral.category)
                    .map_or(r.referral.category.clone(), |c| c.label.clone())
            ),
            Some(r.child.name.clone()),
            Some(r.child.id.clone()),
            panel
                .category(&r.referral.category)
                .map(|c| c.label.clone()),
            Some(r.referral.id.clone()),
        ),
        None => (v.item.note.clone(), None, None, None, None),
    };
    let amount = v
        .referral
        .as_ref()
        .and_then(|r| r.referral.amount_pence)
        .map(|p| Money::from_pence(p).to_string());
    let inline = problems.for_field();
    let resources: Vec<_> = (0..RESOURCE_ROWS)
        .map(|n| {
            context! {
                n,
                description => posted.get(&format!("r{n}-description")),
                weekly => posted.get(&format!("r{n}-weekly_cost")),
                one_off => posted.get(&format!("r{n}-one_off_cost")),
                start => date_values(posted, &format!("r{n}-start")),
                end => date_values(posted, &format!("r{n}-end")),
            }
        })
        .collect();
    let actions: Vec<_> = (0..ACTION_ROWS)
        .map(|n| {
            context! {
                n,
                description => posted.get(&format!("x{n}-description")),
                owner => posted.get(&format!("x{n}-owner")),
                due => date_values(posted, &format!("x{n}-due")),
            }
        })
        .collect();
    let max_lines = panel.decision.max_lines.unwrap_or(6) as usize;
    let lines: Vec<String> = (1..=max_lines)
        .map(|n| posted.get(&format!("line-{n}")))
        .collect();
    let notes = match state.app.item_notes(&s.actor, id).await {
        Ok(n) => n,
        Err(e) => return error_page(state, &e),
    };
    let my_note = if posted.has("note") {
        posted.raw("note")
    } else {
        notes
            .iter()
            .find(|n| n.note.person_id == s.actor.person_id)
            .map(|n| n.note.note.clone())
            .unwrap_or_default()
    };
    let notes: Vec<_> = notes
        .into_iter()
        .map(|n| {
            context! {
                author => n.author,
                role => n.role,
                text => n.note.note,
                at => carepanel_domain::calendar::utc_to_london(n.note.updated_at).format("%-d %B %Y at %H:%M").to_string(),
            }
        })
        .collect();
    let errors = (!problems.is_empty()).then(|| problems.0.clone());
    render_form(
        state,
        "item.html",
        context! {
            title,
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            id,
            meeting_id => v.meeting.id.clone(),
            meeting => pretty_time(&v.meeting.starts_at),
            panel => panel.name.clone(),
            kind => v.item.kind.clone(),
            status => v.item.status.clone(),
            note => v.item.note.clone(),
            child,
            child_id,
            category,
            referral_id,
            amount,
            declarations,
            declaration_wording => panel.declarations.wording.clone(),
            i_declared,
            is_chair,
            decision,
            outcomes => outcome_choices(panel, ratification),
            outcome => posted.get("outcome"),
            lines,
            resources,
            actions,
            conditions => posted.raw("conditions"),
            rationale => posted.raw("rationale"),
            rationale_required => panel.decision.rationale_required,
            return_date => date_values(posted, "return_date"),
            later_meetings => v.later_meetings.iter().map(|d| (d.to_string(), d.format("%-d %B %Y").to_string())).collect::<Vec<_>>(),
            defer_to => posted.get("defer_to"),
            links => panel.links.iter().map(|l| (l.id.clone(), l.name.clone())).collect::<Vec<_>>(),
            link => posted.get("link"),
            considerations => panel.decision.considerations.clone(),
            considered => posted.all("considered"),
            guidance => panel.decision.guidance.clone(),
            nature => posted.raw("nature"),
            notes,
            my_note,
            inline,
            errors,
        },
        problems,
    )
}

/// Where a decision rule's field is on the form.
fn anchor(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("resources[") {
        let (n, k) = rest.split_once("].").unwrap_or(("0", "description"));
        return match k {
            "start" | "end" => format!("r{n}-{k}-day"),
            _ => format!("r{n}-{k}"),
        };
    }
    if let Some(rest) = field.strip_prefix("actions[") {
        let (n, k) = rest.split_once("].").unwrap_or(("0", "description"));
        return match k {
            "due" => format!("x{n}-due-day"),
            _ => format!("x{n}-{k}"),
        };
    }
    match field {
        "resources" => "r0-description".into(),
        "actions" => "x0-description".into(),
        "lines" => "line-1".into(),
        "return_date" => "return_date-day".into(),
        f if f.starts_with("considered") => "considered".into(),
        f => f.to_string(),
    }
}

/// Reads the decision form.
fn read_decision(posted: &Posted, panel: &Panel, problems: &mut Problems) -> DecisionInput {
    let mut resources = Vec::new();
    for n in 0..RESOURCE_ROWS {
        let description = posted.get(&format!("r{n}-description"));
        let weekly = money(
            &posted.get(&format!("r{n}-weekly_cost")),
            &format!("r{n}-weekly_cost"),
            &format!("Resource {}: the weekly cost", n + 1),
            problems,
        );
        let one_off = money(
            &posted.get(&format!("r{n}-one_off_cost")),
            &format!("r{n}-one_off_cost"),
            &format!("Resource {}: the one-off cost", n + 1),
            problems,
        );
        let start = date_parts(
            posted,
            &format!("r{n}-start"),
            &format!("Resource {}: the start date", n + 1),
            problems,
        );
        let end = date_parts(
            posted,
            &format!("r{n}-end"),
            &format!("Resource {}: the end date", n + 1),
            problems,
        );
        let blank = description.is_empty()
            && posted.get(&format!("r{n}-weekly_cost")).is_empty()
            && posted.get(&format!("r{n}-one_off_cost")).is_empty()
            && start.is_none()
            && end.is_none();
        if !blank {
            resources.push(Resource {
                description,
                weekly_cost: weekly,
                one_off_cost: one_off,
                start,
                end,
                cost_centre: None,
            });
        }
    }
    let mut actions = Vec::new();
    for n in 0..ACTION_ROWS {
        let description = posted.get(&format!("x{n}-description"));
        let owner = posted.get(&format!("x{n}-owner"));
        let due = date_parts(
            posted,
            &format!("x{n}-due"),
            &format!("Action {}: the due date", n + 1),
            problems,
        );
        if !(description.is_empty() && owner.is_empty() && due.is_none()) {
            actions.push(Action {
                description,
                owner,
                due,
            });
        }
    }
    let max_lines = panel.decision.max_lines.unwrap_or(6) as usize;
    let lines = (1..=max_lines)
        .map(|n| posted.get(&format!("line-{n}")))
        .filter(|l| !l.is_empty())
        .collect();
    let return_date = date_parts(posted, "return_date", "The return date", problems);
    let defer_to = match posted.get("defer_to") {
        d if d.is_empty() => None,
        d => match chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                problems.add("defer_to", "Choose one of the meetings listed");
                None
            }
        },
    };
    let link = Some(posted.get("link")).filter(|l| !l.is_empty());
    DecisionInput {
        outcome: posted.get("outcome"),
        lines,
        resources,
        conditions: posted
            .raw("conditions")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
        actions,
        rationale: posted.raw("rationale").trim().to_string(),
        return_date,
        defer_to,
        link,
        considered: posted.all("considered"),
        is_ratification: false,
    }
}

pub async fn record_decision(
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
    let v = match state.app.item_view(&s.actor, &id).await {
        Ok(v) => v,
        Err(e) => return error_page(&state, &e),
    };
    let Ok((policy, panel)) = state.app.panel(&v.meeting.panel_id) else {
        return error_page(&state, &AppError::NotFound("panel".into()));
    };
    if let Err(e) = carepanel_app::access::require_role(
        policy,
        &s.actor,
        &panel.id,
        &panel.chair.eligible,
        "record a decision",
    ) {
        return error_page(&state, &e);
    }
    let mut problems = Problems::default();
    let input = read_decision(&posted, panel, &mut problems);
    if input.outcome.is_empty() {
        problems.add("outcome", "Choose the panel's decision");
    }
    if !problems.is_empty() {
        return show_item(&state, &s, &id, &posted, &problems).await;
    }
    match state.app.record_decision(&s.actor, &id, &input).await {
        Ok(decision_id) => Redirect::to(&format!("/decisions/{decision_id}")).into_response(),
        Err(AppError::Invalid(errs)) => {
            for e in errs {
                problems.add(
                    anchor(&e.field),
                    format!("{} ({})", e.message, e.requirement),
                );
            }
            show_item(&state, &s, &id, &posted, &problems).await
        }
        Err(AppError::Refused {
            message,
            requirement,
        }) => {
            problems.add("outcome", format!("{message} ({requirement})"));
            show_item(&state, &s, &id, &posted, &problems).await
        }
        Err(e) => error_page(&state, &e),
    }
}

pub async fn declare(
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
    // Only those who work the panel see the item; the same check guards the declaration.
    if let Err(e) = state.app.item_view(&s.actor, &id).await {
        return error_page(&state, &e);
    }
    match state
        .app
        .declare_interest(&s.actor, &id, &posted.raw("nature"))
        .await
    {
        Ok(()) => Redirect::to(&format!("/items/{id}")).into_response(),
        Err(AppError::Invalid(errs)) => {
            let mut problems = Problems::default();
            for e in errs {
                problems.add(e.field, e.message);
            }
            show_item(&state, &s, &id, &posted, &problems).await
        }
        Err(e) => error_page(&state, &e),
    }
}

/// The decision sheet (Bexley's Part B layout: what the panel agreed, outcome, return date,
/// rationale, chair and date).
pub async fn decision_sheet(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (doc, d) = match crate::documents::decision_doc(&state.app, &s.actor, &id).await {
        Ok(d) => d,
        Err(e) => return error_page(&state, &e),
    };
    render(
        &state,
        "decision.html",
        context! {
            title => format!("Decision sheet: {}", doc.child.as_deref().unwrap_or("")),
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            child_id => d.child.as_ref().map(|c| c.id.clone()),
            referral_id => d.decision.referral_id.clone(),
            decision_id => d.decision.id.clone(),
            ..minijinja::Value::from_serialize(&doc)
        },
    )
}

/// The forward planner: reviews due, approvals ending, reviews missed and interim decisions
/// past their validity (REV-06, REV-08, EMG-07).
pub async fn planner(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lines = match state.app.forward_planner(&s.actor, 12).await {
        Ok(l) => l,
        Err(e) => return error_page(&state, &e),
    };
    let rows: Vec<_> = lines
        .iter()
        .map(|l| {
            context! {
                kind => l.kind,
                date => l.date.format("%-d %B %Y").to_string(),
                panel => state.app.panel(&l.panel_id).map_or(l.panel_id.clone(), |(_, p)| p.name.clone()),
                child => l.child_name.clone(),
                child_id => l.child_id.clone(),
                what => l.what.clone(),
                decision_id => l.decision_id.clone(),
            }
        })
        .collect();
    let missed = lines
        .iter()
        .filter(|l| {
            matches!(
                l.kind,
                carepanel_app::views::PlannerKind::ReviewMissed
                    | carepanel_app::views::PlannerKind::InterimExpired
            )
        })
        .count();
    render(
        &state,
        "planner.html",
        context! { title => "Forward planner", actor_name => s.name, nav => s.nav, csrf => s.csrf, rows, missed },
    )
}

/// A decision between meetings (chair's action): the form.
pub async fn interim_page(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show_interim(&state, &s, &Posted::default(), &Problems::default())
}

fn show_interim(state: &WebState, s: &Session, posted: &Posted, problems: &Problems) -> Response {
    let panels: Vec<(String, String, Option<String>)> = state
        .app
        .interim_panels(&s.actor)
        .into_iter()
        .map(|(_, p)| {
            (
                p.id.clone(),
                p.name.clone(),
                Some(p.emergency.wording.clone()),
            )
        })
        .collect();
    if panels.is_empty() {
        return error_page(
            state,
            &AppError::forbidden(
                "None of your council's panels lets you take a decision between meetings",
                "EMG-01",
            ),
        );
    }
    let errors = (!problems.is_empty()).then(|| problems.0.clone());
    render_form(
        state,
        "interim.html",
        context! {
            title => "Decision between meetings",
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            panels,
            panel => posted.get("panel"),
            case_id => posted.get("case_id"),
            amount => posted.get("amount"),
            request => posted.raw("request"),
            why_urgent => posted.raw("why_urgent"),
            absence_reason => posted.raw("absence_reason"),
            inline => problems.for_field(),
            errors,
        },
        problems,
    )
}

pub async fn take_interim(
    State(state): State<WebState>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted::new(pairs);
    let s = match form_session_token(&state, &headers, &posted.get("csrf")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut problems = Problems::default();
    let panel_id = posted.get("panel");
    let panels = state.app.interim_panels(&s.actor);
    let chosen: Option<&(&Policy, &Panel)> = panels.iter().find(|(_, p)| p.id == panel_id);
    if chosen.is_none() {
        problems.add("panel", "Choose the panel the decision is taken for");
    }
    let case_id = posted.get("case_id");
    let kid = if case_id.is_empty() {
        problems.add("case_id", "Enter the child's case-system ID");
        None
    } else {
        match state.app.child_by_case_id(&s.actor, &case_id).await {
            Ok(Some(k)) => Some(k),
            Ok(None) => {
                problems.add(
                    "case_id",
                    "No child with that case-system ID is recorded in your council; check the ID",
                );
                None
            }
            Err(e) => return error_page(&state, &e),
        }
    };
    let amount = money(
        &posted.get("amount"),
        "amount",
        "the total committed until the next panel",
        &mut problems,
    );
    if posted.get("amount").is_empty() {
        problems.add(
            "amount",
            "Enter the total committed until the next panel, in pounds and pence; enter 0 if nothing is spent",
        );
    }
    let request = posted.raw("request").trim().to_string();
    if request.is_empty() {
        problems.add("request", "Say what is agreed");
    }
    let why = posted.raw("why_urgent").trim().to_string();
    if why.is_empty() {
        problems.add(
            "why_urgent",
            "Say why it cannot wait for the next meeting (EMG-01)",
        );
    }
    let (Some((_, panel)), Some(kid), true) = (chosen, kid, problems.is_empty()) else {
        return show_interim(&state, &s, &posted, &problems);
    };
    let absence = posted.raw("absence_reason");
    let input = InterimInput {
        panel_id: &panel.id,
        child_id: &kid.id,
        situation: panel.emergency.default_situation.as_deref(),
        amount,
        request: &request,
        why_urgent: &why,
        absence_reason: Some(absence.trim()).filter(|a| !a.is_empty()),
    };
    match state.app.take_interim(&s.actor, &input).await {
        Ok(id) => Redirect::to(&format!("/interim/{id}")).into_response(),
        Err(AppError::Forbidden { message, rule }) => {
            problems.add("amount", format!("{message} ({rule})"));
            show_interim(&state, &s, &posted, &problems)
        }
        Err(AppError::Refused {
            message,
            requirement,
        }) => {
            problems.add("amount", format!("{message} ({requirement})"));
            show_interim(&state, &s, &posted, &problems)
        }
        Err(AppError::Invalid(errs)) => {
            for e in errs {
                problems.add(e.field.replace("child_id", "case_id"), e.message);
            }
            show_interim(&state, &s, &posted, &problems)
        }
        Err(e) => error_page(&state, &e),
    }
}

/// One interim decision, with the ratification form for the chair of the meeting it is listed
/// on.
pub async fn interim_decision(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show_interim_decision(&state, &s, &id, &Posted::default(), &Problems::default()).await
}

async fn show_interim_decision(
    state: &WebState,
    s: &Session,
    id: &str,
    posted: &Posted,
    problems: &Problems,
) -> Response {
    let i = match state.app.interim(&s.actor, id).await {
        Ok(i) => i,
        Err(e) => return error_page(state, &e),
    };
    let Ok((policy, panel)) = state.app.panel(&i.panel_id) else {
        return error_page(state, &AppError::NotFound("panel".into()));
    };
    let people = person_names(state, &i.council_id).await;
    let is_chair =
        carepanel_app::access::holds(policy, &s.actor, &panel.id, &panel.chair.eligible).is_some();
    let errors = (!problems.is_empty()).then(|| problems.0.clone());
    let outcomes: Vec<(String, String)> = panel
        .outcomes
        .iter()
        .filter(|o| panel.emergency.ratification_outcomes.contains(&o.id))
        .map(|o| (o.id.clone(), o.label.clone()))
        .collect();
    render_form(
        state,
        "interim_decision.html",
        context! {
            title => "Decision between meetings",
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            id,
            panel => panel.name.clone(),
            approver => people.get(&i.approver_id).cloned().unwrap_or_default(),
            approver_role => policy.role_label(&i.approver_role).to_string(),
            in_absence_of => i.in_absence_of.as_ref().map(|r| policy.role_label(r).to_string()),
            amount => i.amount_pence.map(|p| Money::from_pence(p).to_string()),
            request => i.request.clone(),
            why_urgent => i.why_urgent.clone(),
            decided => carepanel_domain::calendar::utc_to_london(i.decided_at).format("%-d %B %Y at %H:%M").to_string(),
            valid_until => pretty_time(&i.valid_until),
            valid_until_iso => i.valid_until.clone(),
            meeting_id => i.ratification_meeting_id.clone(),
            status => i.status.clone(),
            rule => i.rule.clone(),
            is_chair,
            outcomes,
            outcome => posted.get("outcome"),
            rationale => posted.raw("rationale"),
            review_date => date_values(posted, "review_date"),
            inline => problems.for_field(),
            errors,
        },
        problems,
    )
}

pub async fn ratify(
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
    let i = match state.app.interim(&s.actor, &id).await {
        Ok(i) => i,
        Err(e) => return error_page(&state, &e),
    };
    let Ok((policy, panel)) = state.app.panel(&i.panel_id) else {
        return error_page(&state, &AppError::NotFound("panel".into()));
    };
    if let Err(e) = carepanel_app::access::require_role(
        policy,
        &s.actor,
        &panel.id,
        &panel.chair.eligible,
        "ratify a decision taken between meetings",
    ) {
        return error_page(&state, &e);
    }
    let mut problems = Problems::default();
    let outcome = posted.get("outcome");
    if outcome.is_empty() {
        problems.add(
            "outcome",
            "Choose whether the panel ratifies, modifies or reverses it",
        );
    }
    let review = date_parts(&posted, "review_date", "The review date", &mut problems);
    if !problems.is_empty() {
        return show_interim_decision(&state, &s, &id, &posted, &problems).await;
    }
    match state
        .app
        .ratify(
            &s.actor,
            &id,
            &outcome,
            posted.raw("rationale").trim(),
            review,
        )
        .await
    {
        Ok(decision_id) => Redirect::to(&format!("/decisions/{decision_id}")).into_response(),
        Err(AppError::Invalid(errs)) => {
            for e in errs {
                problems.add(
                    anchor(&e.field).replace("return_date", "review_date"),
                    format!("{} ({})", e.message, e.requirement),
                );
            }
            show_interim_decision(&state, &s, &id, &posted, &problems).await
        }
        Err(AppError::Refused {
            message,
            requirement,
        }) => {
            problems.add("outcome", format!("{message} ({requirement})"));
            show_interim_decision(&state, &s, &id, &posted, &problems).await
        }
        Err(e) => error_page(&state, &e),
    }
}

/// Keeps the person's pre-meeting note on an item (PAP-04).
pub async fn save_note(
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
        .save_note(&s.actor, &id, &posted.raw("note"))
        .await
    {
        Ok(()) => Redirect::to(&format!("/items/{id}#notes")).into_response(),
        Err(AppError::Invalid(errs)) => {
            let problems = Problems::from_errors(errs);
            show_item(&state, &s, &id, &posted, &problems).await
        }
        Err(e) => error_page(&state, &e),
    }
}
