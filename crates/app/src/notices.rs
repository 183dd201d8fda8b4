//! The messages the panel's work sends besides those of the referral's own journey: papers
//! circulated, a decision recorded (to the presenter, and to finance and brokerage as the
//! policy says), a decision between meetings awaiting ratification, a cover request after
//! apologies, and reminders of reviews due and missed. Each is written in the transaction of
//! the change that causes it, except the reminders, which a job writes once per review.

use crate::outbox::{Extras, Recipient, SERVICE, kinds, when};
use crate::{App, AppError};
use carepanel_domain::money::Money;
use carepanel_domain::policy::{OutcomeEffect, Panel};
use carepanel_store::entity::{agenda_item, meeting, person, person_role, referral, review};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// How many days ahead a review's reminder is sent.
pub const REVIEW_NOTICE_DAYS: i64 = 14;

/// How many reminder messages a round queued.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reminders {
    pub due: usize,
    pub missed: usize,
}

impl App {
    /// The active people of the council who hold one of `roles` for the panel, directly or
    /// through a role that acts for it (AUTH-13), with their person ids.
    pub(crate) async fn holders_of<C: ConnectionTrait>(
        &self,
        c: &C,
        council_id: &str,
        panel_id: &str,
        roles: &[String],
    ) -> Result<Vec<(String, Recipient)>, AppError> {
        let (policy, _) = self.panel(panel_id)?;
        let held = person_role::Entity::find()
            .filter(person_role::Column::PanelId.is_in([panel_id.to_string(), String::new()]))
            .all(c)
            .await?;
        let ids: Vec<String> = held
            .into_iter()
            .filter(|h| roles.iter().any(|r| policy.role_covers(&h.role, r)))
            .map(|h| h.person_id)
            .collect();
        Ok(person::Entity::find()
            .filter(person::Column::Id.is_in(ids))
            .filter(person::Column::CouncilId.eq(council_id))
            .filter(person::Column::Active.eq(true))
            .all(c)
            .await?
            .into_iter()
            .map(|p| {
                (
                    p.id,
                    Recipient {
                        name: p.name,
                        email: p.email,
                    },
                )
            })
            .collect())
    }

    /// As `holders_of`, as recipients only.
    async fn recipients_for<C: ConnectionTrait>(
        &self,
        c: &C,
        council_id: &str,
        panel_id: &str,
        roles: &[String],
    ) -> Result<Vec<Recipient>, AppError> {
        Ok(self
            .holders_of(c, council_id, panel_id, roles)
            .await?
            .into_iter()
            .map(|(_, r)| r)
            .collect())
    }

    /// The papers are circulated: the panel's members and chairs are told, with the meeting's
    /// invitation attached (PAP-01, CAL-01).
    pub(crate) async fn tell_papers_circulated<C: ConnectionTrait>(
        &self,
        c: &C,
        m: &meeting::Model,
        panel: &Panel,
    ) -> Result<(), AppError> {
        let mut roles: Vec<String> = panel.members.iter().map(|x| x.role.clone()).collect();
        roles.extend(panel.chair.eligible.iter().cloned());
        let to = self
            .recipients_for(c, &m.council_id, &panel.id, &roles)
            .await?;
        let items = agenda_item::Entity::find()
            .filter(agenda_item::Column::MeetingId.eq(m.id.clone()))
            .filter(agenda_item::Column::Status.is_in(["listed", "for-chair"]))
            .all(c)
            .await?
            .len();
        self.enqueue_with(
            c,
            &m.council_id,
            kinds::PAPERS,
            &to,
            &format!("{}: papers for {}", panel.name, when(&m.starts_at)),
            &format!(
                "The papers for the meeting of {} on {} are circulated: {items} item{} listed.\n\nPlease read the pack before the meeting, add any notes and declare any interest: {SERVICE}/meetings/{}/pack\n\nIf you cannot attend, record your apologies as soon as you can so cover can be arranged: {SERVICE}/meetings/{}/attendance",
                panel.name,
                when(&m.starts_at),
                if items == 1 { " is" } else { "s are" },
                m.id,
                m.id
            ),
            Extras {
                key: None,
                calendar: Some(format!("meeting:{}", m.id)),
            },
        )
        .await
        .map(|_| ())
    }

    /// A decision is recorded: the presenter is told the outcome; when it approves resources,
    /// so are the roles the panel's policy names (finance, brokerage) (DEC-12, REC-03).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn tell_decision<C: ConnectionTrait>(
        &self,
        c: &C,
        r: &referral::Model,
        panel: &Panel,
        decision_id: &str,
        outcome: &str,
        effect: OutcomeEffect,
        weekly: Money,
        total: Money,
    ) -> Result<(), AppError> {
        let about = self.about(c, r).await?;
        let label = panel.outcome(outcome).map_or(outcome, |o| o.label.as_str());
        self.enqueue(
            c,
            &r.council_id,
            kinds::DECIDED,
            &about.author.clone().into_iter().collect::<Vec<_>>(),
            &format!("{}: decision for case {}", about.panel, about.case_id),
            &format!(
                "The panel has decided your referral ({}, case {}): {label}.\n\nThe decision sheet, with what the panel agreed, the actions and the return date: {SERVICE}/decisions/{decision_id}",
                about.category, about.case_id
            ),
        )
        .await?;
        if matches!(
            effect,
            OutcomeEffect::Approve | OutcomeEffect::ApproveAlternative
        ) && !panel.decision.notify_on_approval.is_empty()
        {
            let to = self
                .recipients_for(
                    c,
                    &r.council_id,
                    &panel.id,
                    &panel.decision.notify_on_approval,
                )
                .await?;
            self.enqueue(
                c,
                &r.council_id,
                kinds::APPROVED,
                &to,
                &format!("{}: resources approved for case {}", about.panel, about.case_id),
                &format!(
                    "{} approved resources for case {} ({}): {label}.\n\nWeekly total {weekly}; total committed {total}.\n\nThe decision sheet: {SERVICE}/decisions/{decision_id}",
                    about.panel, about.case_id, about.category
                ),
            )
            .await?;
        }
        Ok(())
    }

    /// A decision between meetings awaits ratification: the panel's administrators are told,
    /// to list it, and so are its chairs (DEC-09, EMG-04).
    pub(crate) async fn tell_interim<C: ConnectionTrait>(
        &self,
        c: &C,
        panel: &Panel,
        council_id: &str,
        interim_id: &str,
        ratification: &meeting::Model,
        case_id: &str,
    ) -> Result<(), AppError> {
        let mut roles = crate::access::administrator_roles(panel);
        roles.extend(panel.chair.eligible.iter().cloned());
        let to = self
            .recipients_for(c, council_id, &panel.id, &roles)
            .await?;
        self.enqueue(
            c,
            council_id,
            kinds::INTERIM,
            &to,
            &format!("{}: a decision between meetings for case {case_id} awaits ratification", panel.name),
            &format!(
                "A decision was taken between meetings for case {case_id}. It is to be ratified at the meeting of {} on {}.\n\nThe decision: {SERVICE}/interim/{interim_id}",
                panel.name,
                when(&ratification.starts_at)
            ),
        )
        .await
    }

    /// A member sends apologies: the panel's administrators and the other holders of the
    /// member's role are asked to arrange cover, with the notice given (MEM-04).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn ask_for_cover<C: ConnectionTrait>(
        &self,
        c: &C,
        m: &meeting::Model,
        panel: &Panel,
        absent_id: &str,
        role: &str,
        short_notice: Option<&str>,
    ) -> Result<(), AppError> {
        let (policy, _) = self.panel(&panel.id)?;
        let absent = person::Entity::find_by_id(absent_id.to_string())
            .one(c)
            .await?
            .map_or_else(String::new, |p| p.name);
        let mut roles = crate::access::administrator_roles(panel);
        roles.push(role.to_string());
        let to: Vec<Recipient> = self
            .holders_of(c, &m.council_id, &panel.id, &roles)
            .await?
            .into_iter()
            .filter(|(id, _)| id != absent_id)
            .map(|(_, r)| r)
            .collect();
        self.enqueue_with(
            c,
            &m.council_id,
            kinds::COVER,
            &to,
            &format!("{}: cover needed on {}", panel.name, when(&m.starts_at)),
            &format!(
                "{absent} ({}) has sent apologies for the meeting of {} on {}.{}\n\nIf you can cover, or to record who will: {SERVICE}/meetings/{}/attendance",
                policy.role_label(role),
                panel.name,
                when(&m.starts_at),
                short_notice.map(|n| format!("\n\n{n}")).unwrap_or_default(),
                m.id
            ),
            Extras {
                key: None,
                calendar: Some(format!("meeting:{}", m.id)),
            },
        )
        .await
        .map(|_| ())
    }

    /// Reminders, sent once per review: to the presenter (and the panel's administrators) of
    /// each review due in the next fortnight, and of each review whose date has passed
    /// without it being held (REV-06, REV-08). Safe to run as often as wanted.
    pub async fn send_review_reminders(&self) -> Result<Reminders, AppError> {
        let today = self.local_now().date();
        let horizon = today + chrono::Duration::days(REVIEW_NOTICE_DAYS);
        let reviews = review::Entity::find()
            .filter(review::Column::DueDate.lte(horizon))
            .filter(review::Column::Status.is_in(["booked", "due"]))
            .all(&self.db)
            .await?;
        let mut done = Reminders::default();
        for rv in reviews {
            let Some(rid) = &rv.referral_id else { continue };
            let Some(r) = referral::Entity::find_by_id(rid.clone())
                .one(&self.db)
                .await?
            else {
                continue;
            };
            let Ok((_, panel)) = self.panel(&r.panel_id) else {
                continue;
            };
            let about = self.about(&self.db, &r).await?;
            let missed = rv.due_date < today;
            let mut to: Vec<Recipient> = about.author.clone().into_iter().collect();
            if missed {
                to.extend(
                    self.recipients_for(
                        &self.db,
                        &r.council_id,
                        &panel.id,
                        &crate::access::administrator_roles(panel),
                    )
                    .await?,
                );
            }
            let due = rv.due_date.format("%-d %B %Y");
            let (kind, subject, body) = if missed {
                (
                    kinds::REVIEW_MISSED,
                    format!("{}: review missed for case {}", about.panel, about.case_id),
                    format!(
                        "The review of the panel's decision for case {} ({}) was due on {due} and has not been held (REV-08).{}\n\nBook it, or record why not: {SERVICE}/referrals/{rid}",
                        about.case_id,
                        about.category,
                        panel
                            .reviews
                            .failure_to_return
                            .as_ref()
                            .map(|w| format!("\n\n{w}"))
                            .unwrap_or_default()
                    ),
                )
            } else {
                (
                    kinds::REVIEW_DUE,
                    format!(
                        "{}: review due {due} for case {}",
                        about.panel, about.case_id
                    ),
                    format!(
                        "The review of the panel's decision for case {} ({}) is due on {due}. Please prepare the update for the panel.\n\nThe decision and its review: {SERVICE}/decisions/{}",
                        about.case_id, about.category, rv.decision_id
                    ),
                )
            };
            let queued = self
                .enqueue_with(
                    &self.db,
                    &r.council_id,
                    kind,
                    &to,
                    &subject,
                    &body,
                    Extras {
                        key: Some(format!("{kind}:{}:{}", rv.id, rv.due_date)),
                        calendar: None,
                    },
                )
                .await?;
            if missed {
                done.missed += queued;
            } else {
                done.due += queued;
            }
        }
        Ok(done)
    }
}
