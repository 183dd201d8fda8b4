//! `/api/v1`: each handler checks the token's scope, then calls the use case the page calls,
//! which decides access.

use super::{ApiResult, Problem, Token};
use crate::WebState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use carepanel_app::finance::Period;
use carepanel_app::listing::Page;
use carepanel_store::entity::{decision as decision_row, meeting, referral};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

const DEFAULT_LIMIT: u64 = 50;

/// A page of a list: pass `next` back as `after` for the next page; none means the end. A page
/// may hold fewer items than asked (even none) and still have a `next`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The `next` key of the page before.
    pub after: Option<String>,
    /// How many items, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
}

/// A role the person holds, for one panel or for every panel of the council.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleGrant {
    pub role: String,
    pub panel: Option<String>,
}

/// Who the token acts for.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub person_id: String,
    pub council_id: String,
    pub team_id: Option<String>,
    pub roles: Vec<RoleGrant>,
    pub scopes: Vec<String>,
}

/// Who the token acts for and what it may do.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, description = "Done", body = Me), (status = 401, description = "No valid token: it is missing, unknown, revoked or expired", body = Problem, content_type = "application/problem+json")))]
pub async fn me(token: Token) -> ApiResult<Me> {
    let h = &token.0;
    Ok(Json(Me {
        person_id: h.actor.person_id.clone(),
        council_id: h.actor.council_id.clone(),
        team_id: h.actor.team_id.clone(),
        roles: h
            .actor
            .roles
            .iter()
            .map(|(role, panel)| RoleGrant {
                role: role.clone(),
                panel: panel.clone(),
            })
            .collect(),
        scopes: h.scopes.clone(),
    }))
}

/// A referral in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralSummary {
    pub id: String,
    pub panel_id: String,
    /// The panel's category id (see `carepanel policy show PANEL`).
    pub category: String,
    /// draft, awaiting-sign-off, returned, listed, heard, decided and so on.
    pub state: String,
    pub child_id: String,
    pub author_id: String,
    /// What is asked for, in pence.
    pub amount_pence: Option<i64>,
    pub emergency: bool,
    /// The meeting it is listed for.
    pub meeting_id: Option<String>,
    pub submitted_at: Option<String>,
    pub updated_at: String,
    pub version: i64,
}

fn summary(r: &referral::Model) -> ReferralSummary {
    ReferralSummary {
        id: r.id.clone(),
        panel_id: r.panel_id.clone(),
        category: r.category.clone(),
        state: r.state.clone(),
        child_id: r.child_id.clone(),
        author_id: r.author_id.clone(),
        amount_pence: r.amount_pence,
        emergency: r.emergency,
        meeting_id: r.meeting_id.clone(),
        submitted_at: r.submitted_at.map(|t| t.to_rfc3339()),
        updated_at: r.updated_at.to_rfc3339(),
        version: r.version,
    }
}

/// A page of referrals.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralPage {
    pub items: Vec<ReferralSummary>,
    pub next: Option<String>,
}

fn limit(q: &PageQuery) -> u64 {
    q.limit.unwrap_or(DEFAULT_LIMIT)
}

/// The referrals the token's owner may read, newest first.
#[utoipa::path(get, path = "/api/v1/referrals", tag = "referrals", params(PageQuery),
    responses((status = 200, description = "Done", body = ReferralPage),
        (status = 400, description = "The request could not be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token: it is missing, unknown, revoked or expired", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Refused, with the rule that refuses it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or refused: each field named with its rule", body = Problem, content_type = "application/problem+json")))]
pub async fn referrals(
    State(state): State<WebState>,
    token: Token,
    Query(q): Query<PageQuery>,
) -> ApiResult<ReferralPage> {
    let actor = token.need("referrals:read")?;
    let Page { items, next } = state
        .app
        .referrals_page(actor, q.after.as_deref(), limit(&q))
        .await?;
    Ok(Json(ReferralPage {
        items: items.iter().map(summary).collect(),
        next,
    }))
}

/// The child a referral is about, by their case-system id.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChildRef {
    pub id: String,
    /// LCS, Mosaic, Eclipse, Liquid Logic...
    pub case_system: String,
    pub case_id: String,
    pub name: String,
    pub date_of_birth: String,
}

fn child_ref(c: &carepanel_store::entity::child::Model) -> ChildRef {
    ChildRef {
        id: c.id.clone(),
        case_system: c.case_system.clone(),
        case_id: c.case_system_id.clone(),
        name: c.name.clone(),
        date_of_birth: c.date_of_birth.to_string(),
    }
}

/// A sign-off given or a return.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignOffRecord {
    pub step: i32,
    pub role: String,
    pub person_id: String,
    /// signed or returned.
    pub outcome: String,
    pub comments: String,
    pub signed_at: String,
}

/// A referral in full.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralDetail {
    #[serde(flatten)]
    pub summary: ReferralSummary,
    pub child: ChildRef,
    /// The form's answers by field id, as stored.
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
    pub sign_offs: Vec<SignOffRecord>,
    /// What is still missing before it can go on (readiness), each with its rule.
    pub missing: Vec<String>,
    pub decision_ids: Vec<String>,
}

/// One referral, if the token's owner may read it.
#[utoipa::path(get, path = "/api/v1/referrals/{id}", tag = "referrals",
    params(("id" = String, Path, description = "The referral's id")),
    responses((status = 200, description = "Done", body = ReferralDetail),
        (status = 401, description = "No valid token: it is missing, unknown, revoked or expired", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Refused, with the rule that refuses it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")))]
pub async fn referral(
    State(state): State<WebState>,
    token: Token,
    Path(id): Path<String>,
) -> ApiResult<ReferralDetail> {
    let actor = token.need("referrals:read")?;
    let v = state.app.referral_view(actor, &id).await?;
    Ok(Json(ReferralDetail {
        summary: summary(&v.referral),
        child: child_ref(&v.child),
        answers: serde_json::from_str(&v.referral.answers)
            .unwrap_or(serde_json::Value::Object(serde_json::Map::new())),
        sign_offs: v
            .sign_offs
            .iter()
            .map(|s| SignOffRecord {
                step: s.step,
                role: s.role.clone(),
                person_id: s.person_id.clone(),
                outcome: s.outcome.clone(),
                comments: s.comments.clone(),
                signed_at: s.signed_at.to_rfc3339(),
            })
            .collect(),
        missing: v
            .missing
            .iter()
            .map(|m| format!("{} ({})", m.message, m.requirement))
            .collect(),
        decision_ids: v.decisions.iter().map(|d| d.decision.id.clone()).collect(),
    }))
}

/// The referral's state after a sign-off or return.
#[derive(Debug, Serialize, ToSchema)]
pub struct Transition {
    pub id: String,
    pub state: String,
}

async fn state_now(state: &WebState, token: &Token, id: &str) -> ApiResult<Transition> {
    let r = state.app.referral(&token.0.actor, id).await?;
    Ok(Json(Transition {
        id: r.id,
        state: r.state,
    }))
}

/// Signs off a referral waiting for the token owner's role (SIGN-01).
#[utoipa::path(post, path = "/api/v1/referrals/{id}/sign-off", tag = "referrals",
    params(("id" = String, Path, description = "The referral's id")),
    responses((status = 200, description = "Done", body = Transition),
        (status = 401, description = "No valid token: it is missing, unknown, revoked or expired", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Refused, with the rule that refuses it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Someone else changed it first", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or refused: each field named with its rule", body = Problem, content_type = "application/problem+json")))]
pub async fn sign_off(
    State(state): State<WebState>,
    token: Token,
    Path(id): Path<String>,
) -> ApiResult<Transition> {
    let actor = token.need("referrals:write")?;
    state.app.sign_off(actor, &id).await?;
    state_now(&state, &token, &id).await
}

/// Why a referral goes back to its author.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReturnBody {
    /// What needs to change; required.
    pub comments: String,
}

/// Returns a referral to its author with comments (SIGN-03).
#[utoipa::path(post, path = "/api/v1/referrals/{id}/return", tag = "referrals",
    params(("id" = String, Path, description = "The referral's id")),
    request_body = ReturnBody,
    responses((status = 200, description = "Done", body = Transition),
        (status = 400, description = "The request could not be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token: it is missing, unknown, revoked or expired", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Refused, with the rule that refuses it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Someone else changed it first", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or refused: each field named with its rule", body = Problem, content_type = "application/problem+json")))]
pub async fn return_referral(
    State(state): State<WebState>,
    token: Token,
    Path(id): Path<String>,
    Json(body): Json<ReturnBody>,
) -> ApiResult<Transition> {
    let actor = token.need("referrals:write")?;
    state
        .app
        .return_referral(actor, &id, &body.comments)
        .await?;
    state_now(&state, &token, &id).await
}

/// Referrals waiting for the token owner's sign-off, oldest first.
#[utoipa::path(get, path = "/api/v1/sign-offs", tag = "referrals",
    responses((status = 200, description = "Done", body = Vec<ReferralSummary>),
        (status = 401, description = "No valid token: it is missing, unknown, revoked or expired", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Refused, with the rule that refuses it", body = Problem, content_type = "application/problem+json")))]
pub async fn sign_off_queue(
    State(state): State<WebState>,
    token: Token,
) -> ApiResult<Vec<ReferralSummary>> {
    let actor = token.need("referrals:read")?;
    let queue = state.app.sign_off_queue(actor).await?;
    Ok(Json(queue.iter().map(summary).collect()))
}

/// A decision in brief.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionSummary {
    pub id: String,
    pub panel_id: String,
    pub referral_id: Option<String>,
    pub agenda_item_id: String,
    /// The panel's outcome id.
    pub outcome: String,
    pub rationale: String,
    pub weekly_pence: i64,
    pub total_pence: i64,
    pub return_date: Option<String>,
    pub decided_by: String,
    pub decided_at: String,
    /// The version of the terms of reference it was taken under.
    pub policy_version: String,
}

fn decision_summary(d: &decision_row::Model) -> DecisionSummary {
    DecisionSummary {
        id: d.id.clone(),
        panel_id: d.panel_id.clone(),
        referral_id: d.referral_id.clone(),
        agenda_item_id: d.agenda_item_id.clone(),
        outcome: d.outcome.clone(),
        rationale: d.rationale.clone(),
        weekly_pence: d.weekly_pence,
        total_pence: d.total_pence,
        return_date: d.return_date.map(|x| x.to_string()),
        decided_by: d.decided_by.clone(),
        decided_at: d.decided_at.to_rfc3339(),
        policy_version: d.policy_version.clone(),
    }
}

/// A child's panel history: their referrals and the decisions on them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChildHistory {
    pub child: ChildRef,
    pub referrals: Vec<ReferralSummary>,
    pub decisions: Vec<DecisionSummary>,
}

/// A child's panel history, for recording back into the case system (REC-01, REF-19). The read
/// is logged.
#[utoipa::path(get, path = "/api/v1/children/{id}/history", tag = "referrals",
    params(("id" = String, Path, description = "The child's id")),
    responses((status = 200, description = "Done", body = ChildHistory),
        (status = 401, description = "No valid token: it is missing, unknown, revoked or expired", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Refused, with the rule that refuses it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")))]
pub async fn child_history(
    State(state): State<WebState>,
    token: Token,
    Path(id): Path<String>,
) -> ApiResult<ChildHistory> {
    let actor = token.need("referrals:read")?;
    let h = state.app.child_history(actor, &id).await?;
    Ok(Json(ChildHistory {
        child: child_ref(&h.child),
        referrals: h.referrals.iter().map(summary).collect(),
        decisions: h.decisions.iter().map(decision_summary).collect(),
    }))
}

/// A meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct Meeting {
    pub id: String,
    pub panel_id: String,
    /// Europe/London local time, YYYY-MM-DDTHH:MM.
    pub starts_at: String,
    pub cutoff: String,
    /// scheduled or cancelled.
    pub status: String,
    pub places_booked: i32,
    pub papers_circulated_at: Option<String>,
}

fn meeting_out(m: &meeting::Model) -> Meeting {
    Meeting {
        id: m.id.clone(),
        panel_id: m.panel_id.clone(),
        starts_at: m.starts_at.clone(),
        cutoff: m.cutoff.clone(),
        status: m.status.clone(),
        places_booked: m.units_used,
        papers_circulated_at: m.papers_circulated_at.map(|t| t.to_rfc3339()),
    }
}

/// A page of meetings.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingPage {
    pub items: Vec<Meeting>,
    pub next: Option<String>,
}

/// Which meetings.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeetingsQuery {
    /// The first day, YYYY-MM-DD (default today).
    pub from: Option<String>,
    /// The `next` key of the page before.
    pub after: Option<String>,
    /// How many items, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
}

fn bad_field(field: &str, message: String, rule: &str) -> Problem {
    Problem::from(carepanel_app::AppError::invalid(field, message, rule))
}

/// The meetings of the panels the token's owner works, in time order.
#[utoipa::path(get, path = "/api/v1/meetings", tag = "meetings", params(MeetingsQuery),
    responses((status = 200, description = "Done", body = MeetingPage),
        (status = 400, description = "The request could not be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token: it is missing, unknown, revoked or expired", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Refused, with the rule that refuses it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or refused: each field named with its rule", body = Problem, content_type = "application/problem+json")))]
pub async fn meetings(
    State(state): State<WebState>,
    token: Token,
    Query(q): Query<MeetingsQuery>,
) -> ApiResult<MeetingPage> {
    let actor = token.need("meetings:read")?;
    let from = match q.from.as_deref() {
        None => state.app.local_now().date(),
        Some(text) => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            bad_field(
                "from",
                format!("'{text}' is not a date such as 2026-12-03"),
                "CAL-01",
            )
        })?,
    };
    let page = state
        .app
        .meetings_page(
            actor,
            from,
            q.after.as_deref(),
            q.limit.unwrap_or(DEFAULT_LIMIT),
        )
        .await?;
    Ok(Json(MeetingPage {
        items: page.items.iter().map(meeting_out).collect(),
        next: page.next,
    }))
}

/// An item on the agenda, in running order.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaItem {
    pub id: String,
    pub referral_id: Option<String>,
    /// standard, late, emergency, ratification...
    pub kind: String,
    /// The referral's category, or the item's note.
    pub label: String,
    pub slot_start: Option<String>,
    pub slot_end: Option<String>,
    /// listed or for-chair.
    pub status: String,
    pub note: String,
}

/// A meeting's agenda.
#[derive(Debug, Serialize, ToSchema)]
pub struct Agenda {
    pub meeting: Meeting,
    pub panel_name: String,
    /// Places booked against the panel's capacity, in words.
    pub capacity: String,
    pub items: Vec<AgendaItem>,
    /// Items over capacity waiting for the chair to prioritise (AGD-02).
    pub for_chair: Vec<AgendaItem>,
}

/// A meeting's agenda, for the people who work its panel.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/agenda", tag = "meetings",
    params(("id" = String, Path, description = "The meeting's id")),
    responses((status = 200, description = "Done", body = Agenda),
        (status = 401, description = "No valid token: it is missing, unknown, revoked or expired", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Refused, with the rule that refuses it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")))]
pub async fn agenda(
    State(state): State<WebState>,
    token: Token,
    Path(id): Path<String>,
) -> ApiResult<Agenda> {
    let actor = token.need("meetings:read")?;
    let a = state.app.agenda(actor, &id).await?;
    let item = |i: &carepanel_store::entity::agenda_item::Model,
                label: &str,
                start: Option<String>,
                end: Option<String>| AgendaItem {
        id: i.id.clone(),
        referral_id: i.referral_id.clone(),
        kind: i.kind.clone(),
        label: label.to_string(),
        slot_start: start,
        slot_end: end,
        status: i.status.clone(),
        note: i.note.clone(),
    };
    Ok(Json(Agenda {
        meeting: meeting_out(&a.meeting),
        panel_name: a.panel_name.clone(),
        capacity: a.capacity.clone(),
        items: a
            .items
            .iter()
            .map(|(i, label, s, e)| item(i, label, s.clone(), e.clone()))
            .collect(),
        for_chair: a
            .for_chair
            .iter()
            .map(|(i, label)| item(i, label, None, None))
            .collect(),
    }))
}

/// A page of decisions.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionPage {
    pub items: Vec<DecisionSummary>,
    pub next: Option<String>,
}

/// Which decisions.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DecisionsQuery {
    /// One panel's id; all the council's panels when left out.
    pub panel: Option<String>,
    /// The `next` key of the page before.
    pub after: Option<String>,
    /// How many items, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
}

/// The decisions the token's owner may read, newest first.
#[utoipa::path(get, path = "/api/v1/decisions", tag = "decisions", params(DecisionsQuery),
    responses((status = 200, description = "Done", body = DecisionPage),
        (status = 400, description = "The request could not be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token: it is missing, unknown, revoked or expired", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Refused, with the rule that refuses it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or refused: each field named with its rule", body = Problem, content_type = "application/problem+json")))]
pub async fn decisions(
    State(state): State<WebState>,
    token: Token,
    Query(q): Query<DecisionsQuery>,
) -> ApiResult<DecisionPage> {
    let actor = token.need("decisions:read")?;
    let page = state
        .app
        .decisions_page(
            actor,
            q.panel.as_deref(),
            q.after.as_deref(),
            q.limit.unwrap_or(DEFAULT_LIMIT),
        )
        .await?;
    Ok(Json(DecisionPage {
        items: page.items.iter().map(decision_summary).collect(),
        next: page.next,
    }))
}

/// A resource approved.
#[derive(Debug, Serialize, ToSchema)]
pub struct Commitment {
    pub description: String,
    pub weekly_pence: Option<i64>,
    pub one_off_pence: Option<i64>,
    pub total_pence: i64,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub cost_centre: Option<String>,
}

/// An action set by the panel.
#[derive(Debug, Serialize, ToSchema)]
pub struct Action {
    pub description: String,
    pub owner: String,
    pub due_date: String,
    pub status: String,
}

/// A decision in full, as its sheet shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionDetail {
    #[serde(flatten)]
    pub summary: DecisionSummary,
    /// The outcome's label in the panel's own words.
    pub outcome_label: String,
    /// "The panel agreed that" lines.
    pub lines: Vec<String>,
    pub conditions: Vec<String>,
    pub commitments: Vec<Commitment>,
    pub actions: Vec<Action>,
    pub child: Option<ChildRef>,
}

/// One decision, for those who may read the referral it decides or who work its panel.
#[utoipa::path(get, path = "/api/v1/decisions/{id}", tag = "decisions",
    params(("id" = String, Path, description = "The decision's id")),
    responses((status = 200, description = "Done", body = DecisionDetail),
        (status = 401, description = "No valid token: it is missing, unknown, revoked or expired", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Refused, with the rule that refuses it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json")))]
pub async fn decision(
    State(state): State<WebState>,
    token: Token,
    Path(id): Path<String>,
) -> ApiResult<DecisionDetail> {
    let actor = token.need("decisions:read")?;
    let d = state.app.decision_sheet(actor, &id).await?;
    let (_, panel) = state.app.panel(&d.decision.panel_id)?;
    Ok(Json(DecisionDetail {
        summary: decision_summary(&d.decision),
        outcome_label: panel
            .outcome(&d.decision.outcome)
            .map_or(d.decision.outcome.clone(), |o| o.label.clone()),
        lines: serde_json::from_str(&d.decision.lines).unwrap_or_default(),
        conditions: serde_json::from_str(&d.decision.conditions).unwrap_or_default(),
        commitments: d
            .commitments
            .iter()
            .map(|c| Commitment {
                description: c.description.clone(),
                weekly_pence: c.weekly_pence,
                one_off_pence: c.one_off_pence,
                total_pence: c.total_pence,
                start_date: c.start_date.map(|x| x.to_string()),
                end_date: c.end_date.map(|x| x.to_string()),
                cost_centre: c.cost_centre.clone(),
            })
            .collect(),
        actions: d
            .actions
            .iter()
            .map(|a| Action {
                description: a.description.clone(),
                owner: a.owner.clone(),
                due_date: a.due_date.to_string(),
                status: a.status.clone(),
            })
            .collect(),
        child: d.child.as_ref().map(child_ref),
    }))
}

/// A panel and a period.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// The panel's id, such as bexley-rcp.
    pub panel: String,
    /// YYYY-MM (a month), fy (this financial year) or fy-YYYY (the one starting in April of
    /// that year); default fy.
    pub period: Option<String>,
}

fn period(state: &WebState, q: &PeriodQuery) -> Result<Period, Problem> {
    Ok(Period::parse(
        q.period.as_deref().unwrap_or("fy"),
        state.app.local_now().date(),
    )?)
}

/// The decisions register as CSV, by case system and case ID, for recording back into LCS,
/// Mosaic or Eclipse (REC-01, REF-19).
#[utoipa::path(get, path = "/api/v1/decisions.csv", tag = "decisions", params(PeriodQuery),
    responses((status = 200, description = "RFC 4180 CSV with a heading row", content_type = "text/csv", body = String),
        (status = 400, description = "The request could not be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token: it is missing, unknown, revoked or expired", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Refused, with the rule that refuses it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or refused: each field named with its rule", body = Problem, content_type = "application/problem+json")))]
pub async fn decisions_csv(
    State(state): State<WebState>,
    token: Token,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, Problem> {
    let actor = token.need("decisions:read")?;
    let period = period(&state, &q)?;
    let sheet = state.app.decisions_sheet(actor, &q.panel, period).await?;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        carepanel_documents::sheet::to_csv(&sheet),
    )
        .into_response())
}

/// A line of the forward planner.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlannerLine {
    /// review-due, review-missed, approval-ending or interim-expired.
    pub kind: String,
    pub date: String,
    pub panel_id: String,
    pub child_id: Option<String>,
    pub what: String,
    pub decision_id: Option<String>,
    pub referral_id: Option<String>,
}

/// Reviews due and missed, approvals ending and decisions between meetings past their
/// validity, over the next twelve weeks (REV-06, REV-08, EMG-07).
#[utoipa::path(get, path = "/api/v1/reviews", tag = "decisions",
    responses((status = 200, description = "Done", body = Vec<PlannerLine>),
        (status = 401, description = "No valid token: it is missing, unknown, revoked or expired", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Refused, with the rule that refuses it", body = Problem, content_type = "application/problem+json")))]
pub async fn reviews(State(state): State<WebState>, token: Token) -> ApiResult<Vec<PlannerLine>> {
    let actor = token.need("decisions:read")?;
    let lines = state.app.forward_planner(actor, 12).await?;
    Ok(Json(
        lines
            .into_iter()
            .map(|l| PlannerLine {
                kind: serde_json::to_value(l.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                date: l.date.to_string(),
                panel_id: l.panel_id,
                child_id: l.child_id,
                what: l.what,
                decision_id: l.decision_id,
                referral_id: l.referral_id,
            })
            .collect(),
    ))
}

/// A decision between meetings awaiting ratification.
#[derive(Debug, Serialize, ToSchema)]
pub struct Interim {
    pub id: String,
    pub panel_id: String,
    pub child_id: String,
    pub approver_id: String,
    pub approver_role: String,
    pub amount_pence: Option<i64>,
    pub request: String,
    pub why_urgent: String,
    pub decided_at: String,
    /// Valid until this local time, YYYY-MM-DDTHH:MM (the next meeting).
    pub valid_until: String,
    pub ratification_meeting_id: String,
    /// The authority rule it was taken under.
    pub rule: String,
}

/// Decisions between meetings awaiting ratification on the panels the token's owner works, or
/// taken by them (DEC-09, EMG-04).
#[utoipa::path(get, path = "/api/v1/interim-decisions", tag = "interim",
    responses((status = 200, description = "Done", body = Vec<Interim>),
        (status = 401, description = "No valid token: it is missing, unknown, revoked or expired", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Refused, with the rule that refuses it", body = Problem, content_type = "application/problem+json")))]
pub async fn interims(State(state): State<WebState>, token: Token) -> ApiResult<Vec<Interim>> {
    let actor = token.need("interim:read")?;
    let list = state.app.interims_awaiting(actor).await?;
    Ok(Json(
        list.into_iter()
            .map(|i| Interim {
                id: i.id,
                panel_id: i.panel_id,
                child_id: i.child_id,
                approver_id: i.approver_id,
                approver_role: i.approver_role,
                amount_pence: i.amount_pence,
                request: i.request,
                why_urgent: i.why_urgent,
                decided_at: i.decided_at.to_rfc3339(),
                valid_until: i.valid_until,
                ratification_meeting_id: i.ratification_meeting_id,
                rule: i.rule,
            })
            .collect(),
    ))
}

/// A commitment in the finance log.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogLine {
    pub commitment_id: String,
    pub decision_id: String,
    pub case_id: Option<String>,
    pub description: String,
    pub weekly_pence: Option<i64>,
    pub one_off_pence: Option<i64>,
    pub total_pence: i64,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub cost_centre: Option<String>,
    pub decided_on: String,
    pub signed_off_by: Option<String>,
}

/// The commitments decided at one meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogMeeting {
    pub starts_at: String,
    pub lines: Vec<LogLine>,
    pub weekly_pence: i64,
    pub total_pence: i64,
    /// The running total to the end of this meeting.
    pub cumulative_pence: i64,
}

/// The finance log of committed spend for a panel and period (FIN-02).
#[derive(Debug, Serialize, ToSchema)]
pub struct FinanceLog {
    pub panel_id: String,
    pub from: String,
    pub to: String,
    pub meetings: Vec<LogMeeting>,
    pub total_pence: i64,
    /// Lines not yet signed off.
    pub unsigned: usize,
}

/// The finance log, for finance, brokerage, audit, and the panel's chairs and administrator.
#[utoipa::path(get, path = "/api/v1/finance-log", tag = "finance", params(PeriodQuery),
    responses((status = 200, description = "Done", body = FinanceLog),
        (status = 400, description = "The request could not be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token: it is missing, unknown, revoked or expired", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Refused, with the rule that refuses it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or refused: each field named with its rule", body = Problem, content_type = "application/problem+json")))]
pub async fn finance_log(
    State(state): State<WebState>,
    token: Token,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<FinanceLog> {
    let actor = token.need("finance:read")?;
    let period = period(&state, &q)?;
    let log = state.app.finance_log(actor, &q.panel, period).await?;
    Ok(Json(FinanceLog {
        panel_id: log.panel_id,
        from: log.period.from.to_string(),
        to: log.period.to.to_string(),
        meetings: log
            .meetings
            .into_iter()
            .map(|m| LogMeeting {
                starts_at: m.starts_at,
                weekly_pence: m.weekly_pence,
                total_pence: m.total_pence,
                cumulative_pence: m.cumulative_pence,
                lines: m
                    .lines
                    .into_iter()
                    .map(|l| LogLine {
                        commitment_id: l.commitment.id,
                        decision_id: l.commitment.decision_id,
                        case_id: l.case_id,
                        description: l.commitment.description,
                        weekly_pence: l.commitment.weekly_pence,
                        one_off_pence: l.commitment.one_off_pence,
                        total_pence: l.commitment.total_pence,
                        start_date: l.commitment.start_date.map(|x| x.to_string()),
                        end_date: l.commitment.end_date.map(|x| x.to_string()),
                        cost_centre: l.commitment.cost_centre,
                        decided_on: l.decided_on.to_string(),
                        signed_off_by: l.signed_off_by,
                    })
                    .collect(),
            })
            .collect(),
        total_pence: log.total_pence,
        unsigned: log.unsigned,
    }))
}

/// A run of financial years.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearsQuery {
    /// The first financial year: fy (this one) or fy-YYYY (the one starting in April of that
    /// year); default fy.
    pub from: Option<String>,
    /// The last financial year, as `from`; default fy. At most ten years in all.
    pub to: Option<String>,
}

/// One cell of the spending report.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpendRow {
    pub panel_id: String,
    pub panel_name: String,
    /// The financial year, by the calendar year it starts in (2025 is April 2025 to March 2026).
    pub year: i64,
    /// 1 (April to June) to 4 (January to March).
    pub quarter: i64,
    pub category: String,
    pub commitments: i64,
    pub total_pence: i64,
}

/// Committed spend by panel, quarter and category (FIN-05).
#[derive(Debug, Serialize, ToSchema)]
pub struct SpendReport {
    pub from: String,
    pub to: String,
    pub rows: Vec<SpendRow>,
    pub total_pence: i64,
}

/// Committed spend of the panels whose finance log the token's owner may read, by the quarter
/// the spending starts and by category.
#[utoipa::path(get, path = "/api/v1/reports/spend", tag = "finance", params(YearsQuery),
    responses((status = 200, description = "Done", body = SpendReport),
        (status = 400, description = "The request could not be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token: it is missing, unknown, revoked or expired", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Refused, with the rule that refuses it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or refused: each field named with its rule", body = Problem, content_type = "application/problem+json")))]
pub async fn spend_report(
    State(state): State<WebState>,
    token: Token,
    Query(q): Query<YearsQuery>,
) -> ApiResult<SpendReport> {
    let actor = token.need("finance:read")?;
    let period = carepanel_app::reports::years(
        q.from.as_deref().unwrap_or(""),
        q.to.as_deref().unwrap_or(""),
        state.app.local_now().date(),
    )?;
    let report = state.app.spend_report(actor, period).await?;
    Ok(Json(SpendReport {
        from: report.period.from.to_string(),
        to: report.period.to.to_string(),
        total_pence: report.total_pence,
        rows: report
            .rows
            .into_iter()
            .map(|r| SpendRow {
                panel_id: r.panel_id,
                panel_name: r.panel_name,
                year: r.year,
                quarter: r.quarter,
                category: r.category,
                commitments: r.commitments,
                total_pence: r.total_pence,
            })
            .collect(),
    }))
}
