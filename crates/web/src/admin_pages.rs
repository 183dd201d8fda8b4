//! The council administrator's pages: people and their roles, the policy in force and its
//! version, and the bank holidays the calendar counts (SEC-01, CFG-03, CAL-02).

use crate::input::{Posted, Problems};
use crate::{Session, WebState, error_page, form_session_token, render_form, signed_in};
use axum::extract::{Form, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use carepanel_app::AppError;
use carepanel_app::administration::{MIN_PASSWORD, NewAccount};
use minijinja::context;

/// (value, text) pairs for a select.
type Pairs = Vec<(String, String)>;

/// The roles and panels of the administrator's council, for the selects.
fn choices(state: &WebState, s: &Session) -> Result<(Pairs, Pairs), AppError> {
    let policy = state.app.council_policy(&s.actor)?;
    let roles = policy
        .roles
        .iter()
        .map(|r| (r.id.clone(), r.label.clone()))
        .collect();
    let mut panels = vec![(String::new(), "Every panel".to_string())];
    panels.extend(policy.panels.iter().map(|p| (p.id.clone(), p.name.clone())));
    Ok((roles, panels))
}

/// Everyone in the council with their roles.
pub async fn people_page(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let people = match state.app.people(&s.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(&state, &e),
    };
    let rows: Vec<_> = people
        .into_iter()
        .map(|p| {
            context! {
                id => p.person.id,
                name => p.person.name,
                email => p.person.email,
                team => p.team,
                roles => p.roles.into_iter().map(|(_, role, panel)| format!("{role} ({panel})")).collect::<Vec<_>>(),
                active => p.person.active,
                locked => p.locked,
            }
        })
        .collect();
    render_form(
        &state,
        "admin_people.html",
        context! {
            title => "People and roles",
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            people => rows,
        },
        &Problems::default(),
    )
}

/// The form for a new account.
pub async fn new_person_page(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show_new_person(&state, &s, &Posted::default(), &Problems::default()).await
}

async fn show_new_person(
    state: &WebState,
    s: &Session,
    posted: &Posted,
    problems: &Problems,
) -> Response {
    let teams = match state.app.teams(&s.actor).await {
        Ok(t) => t,
        Err(e) => return error_page(state, &e),
    };
    let (roles, panels) = match choices(state, s) {
        Ok(c) => c,
        Err(e) => return error_page(state, &e),
    };
    let mut team_items = vec![(String::new(), "No team".to_string())];
    team_items.extend(teams.into_iter().map(|t| (t.id, t.name)));
    let errors = (!problems.is_empty()).then(|| problems.0.clone());
    render_form(
        state,
        "admin_person_new.html",
        context! {
            title => "Add an account",
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            team_items => crate::choice_items(None, &team_items),
            role_items => crate::choice_items(Some(("", "Select a role")), &roles),
            panel_items => crate::choice_items(None, &panels),
            min_password => MIN_PASSWORD,
            name => posted.get("name"),
            email => posted.get("email"),
            team => posted.get("team"),
            role => posted.get("role"),
            panel => posted.get("panel"),
            inline => problems.for_field(),
            errors,
        },
        problems,
    )
}

/// Adds the account; the first password is never shown again.
pub async fn add_person(
    State(state): State<WebState>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let posted = Posted::new(pairs);
    let s = match form_session_token(&state, &headers, &posted.get("csrf")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let new = NewAccount {
        name: posted.get("name"),
        email: posted.get("email"),
        team_id: posted.get("team"),
        role: posted.get("role"),
        panel_id: posted.get("panel"),
        password: posted.raw("password"),
    };
    match state
        .app
        .add_account(&s.actor, &new, crate::auth::hash_password)
        .await
    {
        Ok(id) => Redirect::to(&format!("/admin/people/{id}")).into_response(),
        Err(AppError::Invalid(errs)) => {
            show_new_person(&state, &s, &posted, &Problems::from_errors(errs)).await
        }
        Err(e) => error_page(&state, &e),
    }
}

/// One person: their roles, and the administrator's actions on the account.
pub async fn person_page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show_person(&state, &s, &id, &Posted::default(), &Problems::default()).await
}

async fn show_person(
    state: &WebState,
    s: &Session,
    id: &str,
    posted: &Posted,
    problems: &Problems,
) -> Response {
    let people = match state.app.people(&s.actor).await {
        Ok(p) => p,
        Err(e) => return error_page(state, &e),
    };
    let Some(p) = people.into_iter().find(|p| p.person.id == id) else {
        return error_page(state, &AppError::NotFound(format!("person {id}")));
    };
    let (roles, panels) = match choices(state, s) {
        Ok(c) => c,
        Err(e) => return error_page(state, &e),
    };
    let errors = (!problems.is_empty()).then(|| problems.0.clone());
    render_form(
        state,
        "admin_person.html",
        context! {
            title => p.person.name.clone(),
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            id => p.person.id,
            name => p.person.name,
            email => p.person.email,
            team => p.team,
            active => p.person.active,
            locked => p.locked,
            is_me => id == s.actor.person_id,
            held => p.roles,
            role_items => crate::choice_items(Some(("", "Select a role")), &roles),
            panel_items => crate::choice_items(None, &panels),
            role => posted.get("role"),
            panel => posted.get("panel"),
            inline => problems.for_field(),
            errors,
        },
        problems,
    )
}

/// Gives the person another role.
pub async fn grant_role(
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
        .grant_role(&s.actor, &id, &posted.get("role"), &posted.get("panel"))
        .await
    {
        Ok(()) => Redirect::to(&format!("/admin/people/{id}")).into_response(),
        Err(AppError::Invalid(errs)) => {
            show_person(&state, &s, &id, &posted, &Problems::from_errors(errs)).await
        }
        Err(e) => error_page(&state, &e),
    }
}

/// Takes a role away.
pub async fn revoke_role(
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
        .revoke_role(&s.actor, &posted.get("role_id"))
        .await
    {
        Ok(()) => Redirect::to(&format!("/admin/people/{id}")).into_response(),
        Err(e) => error_page(&state, &e),
    }
}

/// Disables or re-enables the account, or lifts a lockout.
pub async fn account(
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
    let result = match posted.get("action").as_str() {
        "disable" => state.app.set_active(&s.actor, &id, false).await,
        "enable" => state.app.set_active(&s.actor, &id, true).await,
        "unlock" => state.app.unlock(&s.actor, &id).await,
        // Checked for access first, so that only an administrator learns what is allowed.
        _ => match state.app.people(&s.actor).await {
            Ok(_) => Err(AppError::invalid(
                "action",
                "Choose to disable, enable or unlock the account",
                "SEC-01",
            )),
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => Redirect::to(&format!("/admin/people/{id}")).into_response(),
        Err(e) => error_page(&state, &e),
    }
}

/// The policy in force and every loaded version (CFG-03).
pub async fn policy_page(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let versions = match state.app.policy_versions(&s.actor) {
        Ok(v) => v,
        Err(e) => return error_page(&state, &e),
    };
    let today = state.app.local_now().date();
    let rows: Vec<_> = versions
        .iter()
        .map(|p| {
            let v = &p.policy;
            context! {
                council => p.council.name,
                case_system => p.council.case_system,
                version => v.version,
                from => v.effective_from.format("%-d %B %Y").to_string(),
                to => v.effective_to.map(|d| d.format("%-d %B %Y").to_string()),
                in_force => v.effective_from <= today && v.effective_to.is_none_or(|t| today <= t),
                roles => p.roles.iter().map(|r| (r.id.clone(), r.label.clone())).collect::<Vec<_>>(),
                panels => p.panels.iter().map(|panel| context! {
                    id => panel.id,
                    name => panel.name,
                    administrator => p.role_label(&panel.administrator_role),
                    chairs => panel.chair.eligible.iter().map(|r| p.role_label(r).to_string()).collect::<Vec<_>>().join(", "),
                    capacity => match panel.capacity.max_items {
                        Some(m) => format!("{m} items a meeting"),
                        None => "no maximum".to_string(),
                    },
                    categories => panel.categories.len(),
                    forms => panel.forms.len(),
                    outcomes => panel.outcomes.len(),
                    superseded_by => panel.superseded_by.clone(),
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    render_form(
        &state,
        "admin_policy.html",
        context! {
            title => "Policy",
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            versions => rows,
        },
        &Problems::default(),
    )
}

/// The bank holidays the working-day calendar counts (CAL-02).
pub async fn bank_holidays_page(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let today = state.app.local_now().date();
    let from = today - chrono::Duration::days(365);
    let to = today + chrono::Duration::days(2 * 365);
    let (days, years) = match state.app.bank_holidays(&s.actor, from, to) {
        Ok(h) => (h.days, h.years),
        Err(e) => return error_page(&state, &e),
    };
    let rows: Vec<_> = days
        .into_iter()
        .map(|(d, name)| {
            context! {
                date => d.format("%A %-d %B %Y").to_string(),
                name,
                past => d < today,
            }
        })
        .collect();
    render_form(
        &state,
        "admin_bank_holidays.html",
        context! {
            title => "Bank holidays",
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            days => rows,
            first_year => years.map(|y| y.0),
            this_year => chrono::Datelike::year(&today),
            last_year => years.map(|y| y.1),
        },
        &Problems::default(),
    )
}

/// The council's messages and their delivery state, for the panels' administrators and the
/// council administrator.
pub async fn messages_page(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let s = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let deliveries = match state.app.deliveries(&s.actor, 200).await {
        Ok(d) => d,
        Err(e) => return error_page(&state, &e),
    };
    let rows: Vec<_> = deliveries
        .into_iter()
        .map(|d| {
            let m = d.message;
            context! {
                created => carepanel_domain::calendar::utc_to_london(m.created_at).format("%-d %b %Y %H:%M").to_string(),
                kind => m.kind,
                to => m.recipient,
                subject => m.subject,
                state => d.state,
                attempts => m.attempts,
                error => m.last_error,
            }
        })
        .collect();
    render_form(
        &state,
        "messages.html",
        context! {
            title => "Messages",
            actor_name => s.name.clone(),
            nav => s.nav,
            csrf => s.csrf.clone(),
            rows,
        },
        &Problems::default(),
    )
}
