//! The transactional outbox: every message is written in the same transaction as the change
//! that causes it, so a message is never sent for a change that did not happen, nor lost for
//! one that did. A sender delivers the rows later; the coordinator sees each one's
//! delivery state.

use crate::access::holds;
use crate::{Actor, App, AppError, new_id};
use carepanel_store::entity::{outbox, person};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

/// Someone a message goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub name: String,
    pub email: String,
}

/// The messages carepanel sends, by the `kind` stored with each.
pub mod kinds {
    pub const RETURNED: &str = "referral-returned";
    pub const SIGN_OFF_REQUESTED: &str = "sign-off-requested";
    pub const LISTED: &str = "referral-listed";
    /// An item moved to a later meeting: not prioritised, or its meeting cancelled.
    pub const MOVED: &str = "item-moved";
    pub const PAPERS: &str = "papers-circulated";
    pub const DECIDED: &str = "decision-recorded";
    /// To finance, brokerage and the other roles the panel's policy names (DEC-12, REC-03).
    pub const APPROVED: &str = "resources-approved";
    pub const REVIEW_DUE: &str = "review-due";
    pub const REVIEW_MISSED: &str = "review-missed";
    pub const INTERIM: &str = "interim-awaiting-ratification";
    pub const COVER: &str = "cover-requested";
}

/// Where a message's links start: replaced, when it is sent, by the service's address
/// (`serve --service-url`), or by nothing, leaving links relative to the service.
pub const SERVICE: &str = "{service}";

/// What else a message may carry.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extras {
    /// Makes the message one of a kind per recipient: a second with the same key is dropped.
    pub key: Option<String>,
    /// The invitation to attach: `meeting:ID` or `slot:ITEM`, made when the message is sent.
    pub calendar: Option<String>,
}

/// A message as the coordinator sees it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub message: outbox::Model,
    /// queued, retrying or sent.
    pub state: &'static str,
}

impl App {
    /// A person's name and address, if they have an active account.
    pub(crate) async fn recipient<C: ConnectionTrait>(
        &self,
        c: &C,
        person_id: &str,
    ) -> Result<Option<Recipient>, AppError> {
        Ok(person::Entity::find_by_id(person_id.to_string())
            .filter(person::Column::Active.eq(true))
            .one(c)
            .await?
            .map(|p| Recipient {
                name: p.name,
                email: p.email,
            }))
    }

    /// Queues one message to each recipient, inside the caller's transaction. The body is plain
    /// text; the sender makes the HTML part from it, escaping everything.
    pub(crate) async fn enqueue<C: ConnectionTrait>(
        &self,
        c: &C,
        council_id: &str,
        kind: &str,
        to: &[Recipient],
        subject: &str,
        body: &str,
    ) -> Result<(), AppError> {
        self.enqueue_with(c, council_id, kind, to, subject, body, Extras::default())
            .await
            .map(|_| ())
    }

    /// As `enqueue`, with a key or an invitation; returns how many messages were queued (a
    /// keyed message already queued is not queued again).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn enqueue_with<C: ConnectionTrait>(
        &self,
        c: &C,
        council_id: &str,
        kind: &str,
        to: &[Recipient],
        subject: &str,
        body: &str,
        extras: Extras,
    ) -> Result<usize, AppError> {
        use sea_orm::sea_query::OnConflict;
        let mut seen = Vec::new();
        let mut queued = 0;
        for r in to {
            let email = r.email.trim().to_lowercase();
            if email.is_empty() || seen.contains(&email) {
                continue;
            }
            seen.push(email.clone());
            let row = outbox::ActiveModel {
                id: Set(new_id()),
                dedupe_key: Set(extras.key.as_ref().map(|k| format!("{k}:{email}"))),
                calendar: Set(extras.calendar.clone()),
                council_id: Set(council_id.to_string()),
                kind: Set(kind.to_string()),
                recipient: Set(format!(
                    "{} <{}>",
                    r.name.replace(['<', '>', '"'], ""),
                    email
                )),
                subject: Set(subject.to_string()),
                body: Set(body.to_string()),
                created_at: Set(self.now()),
                sent_at: Set(None),
                attempts: Set(0),
                last_error: Set(None),
                lease_until: Set(None),
            };
            // A keyed message already queued is left as it is.
            let inserted = outbox::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(outbox::Column::DedupeKey)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(c)
                .await?;
            queued += usize::from(inserted > 0);
        }
        Ok(queued)
    }

    /// The council's recent messages with their delivery state, newest first, for the people
    /// who administer a panel of the council and for the council administrator.
    pub async fn deliveries(&self, actor: &Actor, limit: u64) -> Result<Vec<Delivery>, AppError> {
        let may = actor
            .roles
            .iter()
            .any(|(r, _)| r == crate::administration::COUNCIL_ADMINISTRATOR)
            || self
                .policies
                .policies()
                .iter()
                .filter(|p| p.council.id == actor.council_id)
                .flat_map(|p| p.panels.iter().map(move |panel| (p, panel)))
                .any(|(p, panel)| {
                    holds(
                        p,
                        actor,
                        &panel.id,
                        &crate::access::administrator_roles(panel),
                    )
                    .is_some()
                });
        if !may {
            return Err(AppError::forbidden(
                "Message delivery is for the panels' administrators and the council administrator",
                "SEC-01",
            ));
        }
        Ok(outbox::Entity::find()
            .filter(outbox::Column::CouncilId.eq(actor.council_id.clone()))
            .order_by_desc(outbox::Column::CreatedAt)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| Delivery {
                state: if m.sent_at.is_some() {
                    "sent"
                } else if m.attempts > 0 {
                    "retrying"
                } else {
                    "queued"
                },
                message: m,
            })
            .collect())
    }
}

/// What a message says about a referral: the panel, the request and the child's case ID (the
/// name stays out of email).
pub(crate) struct About {
    pub author: Option<Recipient>,
    pub panel: String,
    pub category: String,
    pub case_id: String,
}

impl App {
    pub(crate) async fn about<C: ConnectionTrait>(
        &self,
        c: &C,
        r: &carepanel_store::entity::referral::Model,
    ) -> Result<About, AppError> {
        let (_, panel) = self.panel(&r.panel_id)?;
        // The child's case ID and the presenter (if their account is enabled) in one read.
        let row = c
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                c.get_database_backend(),
                "SELECT c.case_system_id, p.name, p.email FROM child c \
                 LEFT JOIN person p ON p.id = $2 AND p.active = $3 WHERE c.id = $1",
                [
                    sea_orm::Value::from(r.child_id.clone()),
                    sea_orm::Value::from(r.author_id.clone()),
                    sea_orm::Value::from(true),
                ],
            ))
            .await?;
        let (case_id, author) = match row {
            Some(row) => {
                let name: Option<String> = row.try_get("", "name")?;
                let email: Option<String> = row.try_get("", "email")?;
                (
                    row.try_get("", "case_system_id")?,
                    name.zip(email)
                        .map(|(name, email)| Recipient { name, email }),
                )
            }
            // No such child: the message still goes to the presenter, without a case ID.
            None => (String::new(), self.recipient(c, &r.author_id).await?),
        };
        Ok(About {
            author,
            panel: panel.name.clone(),
            category: panel
                .category(&r.category)
                .map_or(r.category.clone(), |x| x.label.clone()),
            case_id,
        })
    }
}

/// "2026-12-03T14:00" as "Thursday 3 December 2026 at 14:00".
pub(crate) fn when(iso: &str) -> String {
    chrono::NaiveDateTime::parse_from_str(iso, "%Y-%m-%dT%H:%M")
        .map(|t| t.format("%A %-d %B %Y at %H:%M").to_string())
        .unwrap_or_else(|_| iso.replace('T', " "))
}

/// A message ready to hand to the mail transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The outbox row's id: the same on every attempt, so a transport can use it as the
    /// Message-ID and a receiver can drop a repeat.
    pub id: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    /// The HTML part, made from the text with every character of it escaped; the service's
    /// own links made links.
    pub html: String,
    /// An iCalendar invitation (RFC 5545) to attach, with its METHOD.
    pub calendar: Option<String>,
}

/// Whatever sends mail: SMTP in production, a recorder in tests.
pub trait Mailer {
    /// The service's address, such as `https://panels.council.gov.uk`, which makes the links
    /// in messages absolute; none leaves them relative.
    fn service_url(&self) -> Option<&str> {
        None
    }

    fn send(
        &self,
        message: &Outgoing,
    ) -> impl std::future::Future<Output = Result<(), String>> + Send;
}

/// What one delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub failed: usize,
}

/// How long a claimed message is held by one sender before another may try it.
const LEASE_SECONDS: i64 = 120;
/// Retries back off from one minute, doubling, to at most an hour.
fn backoff(attempts: i32) -> chrono::Duration {
    let minutes = 1i64 << attempts.clamp(0, 6);
    chrono::Duration::minutes(minutes.min(60))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The plain text as sent: the service's links made absolute (or left relative).
pub fn text_part(body: &str, service: Option<&str>) -> String {
    let base = service.unwrap_or("").trim_end_matches('/');
    let mut out = String::new();
    for (piece, link) in pieces(body) {
        out.push_str(piece);
        if let Some(path) = link {
            out.push_str(base);
            out.push_str(path);
        }
    }
    out
}

/// A body cut at the service's links: each piece of text with the link path after it, if any.
/// A link is the marker followed by `/` and path characters only, so the marker typed in
/// someone's comments (`{service}.example.com`, `{service}@host`) never becomes a link.
fn pieces(body: &str) -> Vec<(&str, Option<&str>)> {
    let path_char = |c: char| c.is_ascii_alphanumeric() || "/-_.~?=&#%".contains(c);
    let mut out = Vec::new();
    let mut rest = body;
    let mut text_start = 0;
    let mut search_from = 0;
    while let Some(at) = rest[search_from..].find(SERVICE).map(|i| i + search_from) {
        let after = &rest[at + SERVICE.len()..];
        if after.starts_with('/') {
            let end = after.find(|c: char| !path_char(c)).unwrap_or(after.len());
            out.push((&rest[text_start..at], Some(&after[..end])));
            rest = &after[end..];
            text_start = 0;
            search_from = 0;
        } else {
            search_from = at + SERVICE.len();
        }
    }
    out.push((&rest[text_start..], None));
    out
}

/// One paragraph as HTML: escaped, line breaks kept, and the service's links (which the
/// stored text marks) made links.
fn html_paragraph(p: &str, service: Option<&str>) -> String {
    let base = service.unwrap_or("").trim_end_matches('/');
    let mut out = String::new();
    for (piece, link) in pieces(p) {
        out.push_str(&escape(piece));
        if let Some(path) = link {
            let href = escape(&format!("{base}{path}"));
            out.push_str(&format!("<a href=\"{href}\">{href}</a>"));
        }
    }
    out.replace('\n', "<br>\n")
}

/// The HTML part: the text escaped, paragraphs on blank lines, line breaks kept.
pub fn html_part(text: &str) -> String {
    html_with_links(text, None)
}

/// The HTML part with the service's links made links, absolute when its address is known.
pub fn html_with_links(text: &str, service: Option<&str>) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", html_paragraph(p.trim(), service)))
        .collect();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><body style=\"font-family: arial, sans-serif\">{}</body></html>",
        paragraphs.join("\n")
    )
}

impl App {
    /// Sends up to `max` messages that are due: never sent, and not held by another sender or
    /// waiting out a back-off. Each is claimed with a lease first, so two instances never send
    /// the same row at once; a failure is recorded with its error and tried again later.
    pub async fn deliver_due(&self, mailer: &impl Mailer, max: u64) -> Result<Round, AppError> {
        use sea_orm::ExprTrait;
        use sea_orm::sea_query::{Condition, Expr};
        let now = self.now();
        let due = outbox::Entity::find()
            .filter(outbox::Column::SentAt.is_null())
            .filter(
                Condition::any()
                    .add(outbox::Column::LeaseUntil.is_null())
                    .add(outbox::Column::LeaseUntil.lt(now)),
            )
            .order_by_asc(outbox::Column::CreatedAt)
            .limit(max)
            .all(&self.db)
            .await?;
        let mut round = Round::default();
        for m in due {
            // Claim it: only one sender's conditional update succeeds.
            let claimed = outbox::Entity::update_many()
                .col_expr(
                    outbox::Column::LeaseUntil,
                    Expr::value(now + chrono::Duration::seconds(LEASE_SECONDS)),
                )
                .filter(outbox::Column::Id.eq(m.id.clone()))
                .filter(outbox::Column::SentAt.is_null())
                .filter(
                    Condition::any()
                        .add(outbox::Column::LeaseUntil.is_null())
                        .add(outbox::Column::LeaseUntil.lt(now)),
                )
                .exec(&self.db)
                .await?
                .rows_affected
                == 1;
            if !claimed {
                continue;
            }
            let service = mailer.service_url();
            let calendar = match &m.calendar {
                // An invitation that cannot be made (its meeting gone, say) does not hold the
                // message, or those behind it: it goes without.
                Some(reference) => match self.calendar_for(&m.council_id, reference).await {
                    Ok(c) => c,
                    Err(e) => {
                        eprintln!(
                            "carepanel: the invitation {reference} for message {}: {e}",
                            m.id
                        );
                        None
                    }
                },
                None => None,
            };
            let outgoing = Outgoing {
                id: m.id.clone(),
                to: m.recipient.clone(),
                subject: m.subject.clone(),
                html: html_with_links(&m.body, service),
                text: text_part(&m.body, service),
                calendar,
            };
            match mailer.send(&outgoing).await {
                Ok(()) => {
                    outbox::Entity::update_many()
                        .col_expr(outbox::Column::SentAt, Expr::value(self.now()))
                        .col_expr(
                            outbox::Column::Attempts,
                            Expr::col(outbox::Column::Attempts).add(1),
                        )
                        .col_expr(
                            outbox::Column::LastError,
                            Expr::value(Option::<String>::None),
                        )
                        .filter(outbox::Column::Id.eq(m.id.clone()))
                        .exec(&self.db)
                        .await?;
                    round.sent += 1;
                }
                Err(e) => {
                    outbox::Entity::update_many()
                        .col_expr(
                            outbox::Column::Attempts,
                            Expr::col(outbox::Column::Attempts).add(1),
                        )
                        .col_expr(
                            outbox::Column::LastError,
                            Expr::value(e.chars().take(500).collect::<String>()),
                        )
                        .col_expr(
                            outbox::Column::LeaseUntil,
                            Expr::value(self.now() + backoff(m.attempts)),
                        )
                        .filter(outbox::Column::Id.eq(m.id.clone()))
                        .exec(&self.db)
                        .await?;
                    round.failed += 1;
                }
            }
        }
        Ok(round)
    }
}

impl App {
    /// Asks the people who hold the next sign-off's role for the referral's panel; where some of
    /// them are in the author's team, those are asked (a team manager signs for their own team).
    /// The author is never asked (SIGN-01).
    pub(crate) async fn ask_signatory<C: ConnectionTrait>(
        &self,
        c: &C,
        r: &carepanel_store::entity::referral::Model,
        role: &str,
    ) -> Result<(), AppError> {
        use carepanel_store::entity::person_role;
        let (policy, _) = self.panel(&r.panel_id)?;
        let holders: Vec<String> = person_role::Entity::find()
            .filter(person_role::Column::Role.eq(role))
            .filter(person_role::Column::PanelId.is_in([r.panel_id.clone(), String::new()]))
            .all(c)
            .await?
            .into_iter()
            .map(|x| x.person_id)
            .filter(|p| p != &r.author_id)
            .collect();
        let people = person::Entity::find()
            .filter(person::Column::Id.is_in(holders))
            .filter(person::Column::CouncilId.eq(r.council_id.clone()))
            .filter(person::Column::Active.eq(true))
            .order_by_asc(person::Column::Name)
            .all(c)
            .await?;
        let in_team: Vec<&person::Model> = people
            .iter()
            .filter(|p| r.team_id.is_some() && p.team_id == r.team_id)
            .collect();
        let chosen: Vec<&person::Model> = if in_team.is_empty() {
            people.iter().collect()
        } else {
            in_team
        };
        let to: Vec<Recipient> = chosen
            .into_iter()
            .map(|p| Recipient {
                name: p.name.clone(),
                email: p.email.clone(),
            })
            .collect();
        let about = self.about(c, r).await?;
        self.enqueue(
            c,
            &r.council_id,
            kinds::SIGN_OFF_REQUESTED,
            &to,
            &format!("Sign-off needed: {}, case {}", about.category, about.case_id),
            &format!(
                "A referral to {} ({}) for case {} is waiting for the {}'s sign-off.\n\nOpen it in carepanel to sign it off or return it with comments: {{service}}/referrals/{}",
                about.panel,
                about.category,
                about.case_id,
                policy.role_label(role),
                r.id
            ),
        )
        .await
    }
}
