//! The baseline server of P1: a minimal axum handler on the same database and the same
//! template engine as carepanel, doing one indexed SELECT of a meeting's agenda items (about a
//! dozen rows) and rendering them. No sessions, no access checks, no audit, no headers.
//!
//! usage: baseline-server DATABASE_URL ADDRESS (serves GET /meetings/{id})

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use minijinja::{Environment, context};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, Value};
use std::sync::Arc;

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Agenda</title></head>
<body><h1>Agenda for {{ meeting }}</h1>
<table><thead><tr><th>Slot</th><th>Item</th><th>Kind</th><th>Status</th></tr></thead><tbody>
{% for i in items %}<tr><td>{{ i.start }}–{{ i.end }}</td><td><a href="/items/{{ i.id }}">{{ i.id }}</a>{% if i.note %}<p>{{ i.note }}</p>{% endif %}</td><td>{{ i.kind }}</td><td>{{ i.status }}</td></tr>
{% endfor %}</tbody></table></body></html>"#;

struct Baseline {
    db: DatabaseConnection,
    templates: Environment<'static>,
}

#[derive(serde::Serialize)]
struct Item {
    id: String,
    kind: String,
    status: String,
    start: Option<String>,
    end: Option<String>,
    note: String,
}

async fn agenda(State(b): State<Arc<Baseline>>, Path(id): Path<String>) -> Response {
    let backend = b.db.get_database_backend();
    let rows = match b
        .db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            "SELECT id, kind, status, slot_start, slot_end, note FROM agenda_item WHERE meeting_id = $1 ORDER BY position",
            [Value::from(id.clone())],
        ))
        .await
    {
        Ok(r) => r,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    let items: Vec<Item> = rows
        .iter()
        .filter_map(|r| {
            Some(Item {
                id: r.try_get("", "id").ok()?,
                kind: r.try_get("", "kind").ok()?,
                status: r.try_get("", "status").ok()?,
                start: r.try_get("", "slot_start").ok()?,
                end: r.try_get("", "slot_end").ok()?,
                note: r.try_get("", "note").ok()?,
            })
        })
        .collect();
    match b
        .templates
        .get_template("agenda.html")
        .and_then(|t| t.render(context! { meeting => id, items }))
    {
        Ok(html) => Html(html).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, addr] = args.as_slice() else {
        anyhow::bail!("usage: baseline-server DATABASE_URL ADDRESS");
    };
    let db = carepanel_store::db::connect(url, None).await?;
    let mut templates = Environment::new();
    templates.add_template("agenda.html", PAGE)?;
    let state = Arc::new(Baseline { db, templates });
    let app = Router::new()
        .route("/meetings/{id}", get(agenda))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("baseline serving on http://{addr}");
    axum::serve(listener, app).await?;
    Ok(())
}
