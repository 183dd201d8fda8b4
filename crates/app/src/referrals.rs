//! The referral's journey: draft, edit, send, sign off or return, withdraw (REF-*, SIGN-*,
//! SCHED-02). Listing on a meeting happens when the last sign-off is given (REF-20).

use crate::access::{require_read, same_council};
use crate::{Actor, App, AppError, new_id};
use carepanel_domain::Money;
use carepanel_domain::calendar::utc_to_london;
use carepanel_domain::lifecycle::{Event, ReferralState};
use carepanel_domain::readiness::{
    Answer, ChildFacts, Context, Missing, MissingKind, ReferralFacts, missing, who_must_sign,
};
use carepanel_store::audit::{self, NewEvent};
use carepanel_store::entity::{attachment, child, referral, referral_version, sign_off};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use std::collections::BTreeMap;

/// What a referrer enters to start a referral.
#[derive(Debug, Clone, Default)]
pub struct NewReferral {
    pub panel_id: String,
    pub category: String,
    pub child_id: String,
    pub form_id: Option<String>,
    pub answers: BTreeMap<String, Answer>,
    pub amount: Option<Money>,
    pub children: u32,
    pub emergency: bool,
    pub ratification: bool,
    pub newly_looked_after: bool,
}

/// Roles that may write a referral (the administrator may enter one for a worker, REF-20).
pub(crate) fn referrer_roles(panel_admin: &str) -> Vec<String> {
    [
        "social-worker",
        "team-manager",
        "service-manager",
        "service-leader",
        "panel-administrator",
        panel_admin,
    ]
    .map(String::from)
    .to_vec()
}

fn state_of(r: &referral::Model) -> Result<ReferralState, AppError> {
    serde_json::from_str(&r.state_detail)
        .map_err(|e| AppError::Conflict(format!("referral {} has an unreadable state: {e}", r.id)))
}

impl App {
    pub(crate) async fn load_referral<C: ConnectionTrait>(
        &self,
        c: &C,
        id: &str,
    ) -> Result<referral::Model, AppError> {
        referral::Entity::find_by_id(id.to_string())
            .one(c)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("referral {id}")))
    }

    /// Starts a draft referral.
    pub async fn create_draft(&self, actor: &Actor, new: NewReferral) -> Result<String, AppError> {
        let (policy, panel) = self.panel(&new.panel_id)?;
        same_council(actor, &policy.council.id)?;
        if !(1..=20).contains(&new.children) {
            return Err(AppError::invalid(
                "children",
                "Enter how many children the referral is for, from 1 to 20",
                "AGD-01",
            ));
        }
        crate::access::require_role(
            policy,
            actor,
            &panel.id,
            &referrer_roles(&panel.administrator_role),
            "write a referral",
        )?;
        if panel.category(&new.category).is_none() {
            return Err(
                match panel.out_of_remit.iter().find(|o| o.id == new.category) {
                    Some(o) => AppError::refused(
                        format!("{} is outside {}'s remit: {}", o.label, panel.name, o.route),
                        o.requirement.clone(),
                    ),
                    None => AppError::invalid(
                        "category",
                        format!(
                            "Choose one of {}'s remit categories: {}",
                            panel.name,
                            panel
                                .categories
                                .iter()
                                .map(|c| c.label.as_str())
                                .collect::<Vec<_>>()
                                .join("; ")
                        ),
                        "REF-18",
                    ),
                },
            );
        }
        let kid = child::Entity::find_by_id(new.child_id.clone())
            .one(&self.db)
            .await?
            .ok_or_else(|| {
                AppError::invalid(
                    "child_id",
                    "Choose a child recorded in this council",
                    "REF-19",
                )
            })?;
        same_council(actor, &kid.council_id)?;
        let answers = serde_json::to_string(&new.answers).unwrap_or_else(|_| "{}".into());
        let id = new_id();
        let now = self.now();
        let part = panel.category(&new.category).and_then(|c| c.part.clone());
        self.retrying(|| async {
            let txn = self.begin().await?;
            referral::ActiveModel {
                id: Set(id.clone()),
                council_id: Set(actor.council_id.clone()),
                panel_id: Set(new.panel_id.clone()),
                part: Set(part.clone()),
                category: Set(new.category.clone()),
                child_id: Set(new.child_id.clone()),
                team_id: Set(actor.team_id.clone()),
                author_id: Set(actor.person_id.clone()),
                form_id: Set(new.form_id.clone()),
                answers: Set(answers.clone()),
                amount_pence: Set(new.amount.map(Money::pence)),
                children: Set(new.children.max(1) as i32),
                emergency: Set(new.emergency),
                ratification: Set(new.ratification),
                newly_looked_after: Set(new.newly_looked_after),
                state: Set("draft".into()),
                state_detail: Set(json!(ReferralState::Draft).to_string()),
                sign_off_chain: Set("[]".into()),
                submitted_at: Set(None),
                meeting_id: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?;
            referral_version::ActiveModel {
                id: Set(new_id()),
                referral_id: Set(id.clone()),
                version: Set(1),
                answers: Set(answers.clone()),
                saved_by: Set(actor.person_id.clone()),
                saved_at: Set(now),
            }
            .insert(&txn)
            .await?;
            self.audit(
                &txn,
                actor,
                "referral.create",
                "referral",
                &id,
                json!({"panel": new.panel_id, "category": new.category}),
            )
            .await?;
            txn.commit().await?;
            Ok(())
        })
        .await?;
        Ok(id)
    }

    /// Saves a draft. `based_on` is the version the person started from: if someone saved in
    /// between, nothing is overwritten and the person is told (the caller keeps what was typed).
    pub async fn edit_draft(
        &self,
        actor: &Actor,
        id: &str,
        based_on: i64,
        answers: &BTreeMap<String, Answer>,
        amount: Option<Money>,
    ) -> Result<i64, AppError> {
        let text = serde_json::to_string(answers).unwrap_or_else(|_| "{}".into());
        self.retrying(|| async {
            let txn = self.begin().await?;
            let r = self.load_referral(&txn, id).await?;
            same_council(actor, &r.council_id)?;
            if r.author_id != actor.person_id {
                return Err(AppError::forbidden("Only the referral's author may edit it", "SEC-01"));
            }
            if !state_of(&r)?.editable() {
                return Err(AppError::refused(
                    format!("A referral that is {} can no longer be edited", r.state),
                    "SIGN-01",
                ));
            }
            let res = referral::Entity::update_many()
                .col_expr(referral::Column::Answers, Expr::value(text.clone()))
                .col_expr(referral::Column::AmountPence, Expr::value(amount.map(Money::pence)))
                .col_expr(referral::Column::Version, Expr::value(based_on + 1))
                .col_expr(referral::Column::UpdatedAt, Expr::value(self.now()))
                .filter(referral::Column::Id.eq(id))
                .filter(referral::Column::Version.eq(based_on))
                .exec(&txn)
                .await?;
            if res.rows_affected == 0 {
                return Err(AppError::Conflict(format!(
                    "This referral was saved by someone else since you opened it (it is now version {}, you started from version {based_on}). Nothing was overwritten: reload it and make your changes again.",
                    r.version
                )));
            }
            referral_version::ActiveModel {
                id: Set(new_id()),
                referral_id: Set(id.to_string()),
                version: Set(based_on + 1),
                answers: Set(text.clone()),
                saved_by: Set(actor.person_id.clone()),
                saved_at: Set(self.now()),
            }
            .insert(&txn)
            .await?;
            self.audit(&txn, actor, "referral.edit", "referral", id, json!({"version": based_on + 1})).await?;
            txn.commit().await?;
            Ok(based_on + 1)
        })
        .await
    }

    /// The rules' view of a stored referral.
    pub(crate) async fn facts<C: ConnectionTrait>(
        &self,
        c: &C,
        r: &referral::Model,
    ) -> Result<ReferralFacts, AppError> {
        let kid = child::Entity::find_by_id(r.child_id.clone())
            .one(c)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("child {}", r.child_id)))?;
        let approvals = sign_off::Entity::find()
            .filter(sign_off::Column::ReferralId.eq(r.id.clone()))
            .filter(sign_off::Column::Outcome.eq("approved"))
            .order_by_asc(sign_off::Column::Step)
            .all(c)
            .await?;
        let docs = attachment::Entity::find()
            .filter(attachment::Column::ReferralId.eq(r.id.clone()))
            .all(c)
            .await?;
        Ok(ReferralFacts {
            category: r.category.clone(),
            part: r.part.clone(),
            form: r.form_id.clone(),
            child: ChildFacts {
                date_of_birth: Some(kid.date_of_birth),
                looked_after: kid.looked_after,
                disabled: kid
                    .disability
                    .as_deref()
                    .is_some_and(|d| !d.is_empty() && d != "none"),
                legal_status: kid.legal_status.clone(),
            },
            children: r.children.max(1) as u32,
            answers: serde_json::from_str(&r.answers).unwrap_or_default(),
            amount: r.amount_pence.map(Money::from_pence),
            emergency: r.emergency,
            approved_by: approvals.into_iter().map(|s| s.role).collect(),
            documents: docs
                .into_iter()
                .map(|d| (d.document_id, d.written_on))
                .collect(),
        })
    }

    /// Everything still missing, and who must sign, before this referral can go to panel.
    pub async fn readiness(&self, actor: &Actor, id: &str) -> Result<Vec<Missing>, AppError> {
        let r = self.load_referral(&self.db, id).await?;
        let (policy, panel) = self.panel(&r.panel_id)?;
        require_read(policy, actor, &r)?;
        let facts = self.facts(&self.db, &r).await?;
        let sched = self.scheduler(policy, panel);
        let panel_date = sched
            .next_meeting(self.local_now())
            .map(|m| m.date)
            .unwrap_or_else(|_| self.local_now().date());
        Ok(missing(&Context {
            policy,
            panel,
            facts: &facts,
            panel_date,
        }))
    }

    /// Sends the referral on: to its first signatory, or, with no chain, straight to panel.
    pub async fn send(&self, actor: &Actor, id: &str) -> Result<ReferralState, AppError> {
        self.retrying(|| async {
            let txn = self.begin().await?;
            let r = self.load_referral(&txn, id).await?;
            same_council(actor, &r.council_id)?;
            if r.author_id != actor.person_id {
                return Err(AppError::forbidden(
                    "Only the referral's author may send it",
                    "SEC-01",
                ));
            }
            let (policy, panel) = self.panel(&r.panel_id)?;
            let facts = self.facts(&txn, &r).await?;
            let sched = self.scheduler(policy, panel);
            let panel_date = sched
                .next_meeting(self.local_now())
                .map(|m| m.date)
                .unwrap_or_else(|_| self.local_now().date());
            let ctx = Context {
                policy,
                panel,
                facts: &facts,
                panel_date,
            };
            let gaps: Vec<Missing> = missing(&ctx)
                .into_iter()
                .filter(|m| m.kind != MissingKind::SignOff)
                .collect();
            if !gaps.is_empty() {
                return Err(AppError::Invalid(
                    gaps.into_iter()
                        .map(|m| carepanel_domain::decision::FieldError {
                            field: m.id,
                            message: m.message,
                            requirement: m.requirement,
                        })
                        .collect(),
                ));
            }
            let chain = who_must_sign(&ctx).chain;
            let mut state = state_of(&r)?;
            if matches!(state, ReferralState::Returned { .. }) {
                state = state.apply(Event::Reopen).map_err(refusal)?;
            }
            let next = state
                .apply(Event::Send {
                    chain_len: chain.len(),
                    ready: true,
                })
                .map_err(refusal)?;
            self.set_state(&txn, &r, &next).await?;
            // The chain is fixed now, so every later step asks the same people (SIGN-01).
            referral::Entity::update_many()
                .col_expr(
                    referral::Column::SignOffChain,
                    Expr::value(json!(chain).to_string()),
                )
                .filter(referral::Column::Id.eq(id))
                .exec(&txn)
                .await?;
            if let ReferralState::AwaitingSignOff { step } = next
                && let Some(role) = chain.get(step)
            {
                self.ask_signatory(&txn, &r, role).await?;
            }
            let next = if next == ReferralState::Submitted {
                self.submit_and_list(&txn, actor, &r).await?
            } else {
                next
            };
            // The audit event goes last, after any meeting row is locked, so locks are taken
            // in the same order everywhere.
            self.audit(
                &txn,
                actor,
                "referral.send",
                "referral",
                id,
                json!({"chain": chain}),
            )
            .await?;
            txn.commit().await?;
            Ok(next)
        })
        .await
    }

    /// A signatory approves the referral at its current step (SIGN-01 to SIGN-06).
    pub async fn sign_off(&self, actor: &Actor, id: &str) -> Result<ReferralState, AppError> {
        self.retrying(|| async {
            let txn = self.begin().await?;
            let r = self.load_referral(&txn, id).await?;
            same_council(actor, &r.council_id)?;
            let (policy, panel) = self.panel(&r.panel_id)?;
            let ReferralState::AwaitingSignOff { step } = state_of(&r)? else {
                return Err(AppError::refused(
                    format!("This referral is {}, not waiting for a sign-off", r.state),
                    "SIGN-01",
                ));
            };
            if r.author_id == actor.person_id {
                return Err(AppError::forbidden(
                    "A person never signs off their own referral",
                    "SIGN-01",
                ));
            }
            let chain = stored_chain(&r);
            let Some(needed) = chain.get(step).cloned() else {
                return Err(AppError::refused("Every sign-off has already been given", "SIGN-01"));
            };
            // Each step is signed in its own role by a different person: a higher role's
            // authority does not make one person two signatories (SIGN-01, SEC-04).
            if !actor.roles_for(&panel.id).contains(&needed) {
                return Err(AppError::forbidden(
                    format!("The next sign-off is the {}'s", policy.role_label(&needed)),
                    "SIGN-01",
                ));
            }
            let signed_before = sign_off::Entity::find()
                .filter(sign_off::Column::ReferralId.eq(id))
                .filter(sign_off::Column::Outcome.eq("approved"))
                .filter(sign_off::Column::PersonId.eq(actor.person_id.clone()))
                .count(&txn)
                .await?;
            if signed_before > 0 {
                return Err(AppError::forbidden(
                    "You have already signed this referral at an earlier step: each sign-off is by a different person",
                    "SIGN-01",
                ));
            }
            let next = state_of(&r)?
                .apply(Event::SignOff {
                    role: needed.clone(),
                    chain: chain.clone(),
                })
                .map_err(refusal)?;
            sign_off::ActiveModel {
                id: Set(new_id()),
                referral_id: Set(id.to_string()),
                step: Set(step as i32),
                role: Set(needed.clone()),
                person_id: Set(actor.person_id.clone()),
                outcome: Set("approved".into()),
                comments: Set(String::new()),
                signed_at: Set(self.now()),
            }
            .insert(&txn)
            .await?;
            self.set_state(&txn, &r, &next).await?;
            if let ReferralState::AwaitingSignOff { step } = next
                && let Some(role) = chain.get(step)
            {
                self.ask_signatory(&txn, &r, role).await?;
            }
            let next = if next == ReferralState::Submitted {
                self.submit_and_list(&txn, actor, &r).await?
            } else {
                next
            };
            self.audit(&txn, actor, "referral.sign-off", "referral", id, json!({"role": needed, "step": step})).await?;
            txn.commit().await?;
            Ok(next)
        })
        .await
    }

    /// A signatory returns the referral with comments.
    pub async fn return_referral(
        &self,
        actor: &Actor,
        id: &str,
        comments: &str,
    ) -> Result<(), AppError> {
        self.retrying(|| async {
            let txn = self.begin().await?;
            let r = self.load_referral(&txn, id).await?;
            same_council(actor, &r.council_id)?;
            let (policy, panel) = self.panel(&r.panel_id)?;
            let ReferralState::AwaitingSignOff { step } = state_of(&r)? else {
                return Err(AppError::refused(
                    "Only a referral awaiting sign-off can be returned",
                    "SIGN-01",
                ));
            };
            if r.author_id == actor.person_id {
                return Err(AppError::forbidden(
                    "A person does not return their own referral",
                    "SIGN-01",
                ));
            }
            let needed = stored_chain(&r).get(step).cloned().unwrap_or_default();
            if !actor.roles_for(&panel.id).contains(&needed) {
                return Err(AppError::forbidden(
                    format!(
                        "Only the {} may return it at this step",
                        policy.role_label(&needed)
                    ),
                    "SIGN-01",
                ));
            }
            let next = state_of(&r)?
                .apply(Event::Return {
                    role: needed.clone(),
                    comments: comments.to_string(),
                })
                .map_err(|e| AppError::invalid("comments", e.message, e.requirement))?;
            sign_off::ActiveModel {
                id: Set(new_id()),
                referral_id: Set(id.to_string()),
                step: Set(step as i32),
                role: Set(needed.clone()),
                person_id: Set(actor.person_id.clone()),
                outcome: Set("returned".into()),
                comments: Set(comments.to_string()),
                signed_at: Set(self.now()),
            }
            .insert(&txn)
            .await?;
            // Approvals given before the return are void: the chain starts again.
            sign_off::Entity::update_many()
                .col_expr(sign_off::Column::Outcome, Expr::value("superseded"))
                .filter(sign_off::Column::ReferralId.eq(id))
                .filter(sign_off::Column::Outcome.eq("approved"))
                .exec(&txn)
                .await?;
            self.set_state(&txn, &r, &next).await?;
            let about = self.about(&txn, &r).await?;
            self.enqueue(
                &txn,
                &r.council_id,
                crate::outbox::kinds::RETURNED,
                &about.author.into_iter().collect::<Vec<_>>(),
                &format!("Referral returned: {}, case {}", about.category, about.case_id),
                &format!(
                    "Your referral to {} ({}) for case {} was returned by the {}.\n\nWhat needs to change:\n{}\n\nOpen it in carepanel: {{service}}/referrals/{}",
                    about.panel,
                    about.category,
                    about.case_id,
                    policy.role_label(&needed),
                    comments.trim(),
                    r.id
                ),
            )
            .await?;
            self.audit(
                &txn,
                actor,
                "referral.return",
                "referral",
                id,
                json!({"role": needed, "comments": comments}),
            )
            .await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    /// The author withdraws a referral that has not been heard.
    pub async fn withdraw(&self, actor: &Actor, id: &str, reason: &str) -> Result<(), AppError> {
        self.retrying(|| async {
            let txn = self.begin().await?;
            let r = self.load_referral(&txn, id).await?;
            same_council(actor, &r.council_id)?;
            if r.author_id != actor.person_id {
                return Err(AppError::forbidden(
                    "Only the referral's author may withdraw it",
                    "SEC-01",
                ));
            }
            let next = state_of(&r)?
                .apply(Event::Withdraw {
                    reason: reason.to_string(),
                })
                .map_err(|e| AppError::invalid("reason", e.message, e.requirement))?;
            self.set_state(&txn, &r, &next).await?;
            if let Some(m) = &r.meeting_id {
                self.release_slot(&txn, m, &r.id).await?;
            }
            self.audit(
                &txn,
                actor,
                "referral.withdraw",
                "referral",
                id,
                json!({"reason": reason}),
            )
            .await?;
            txn.commit().await?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn set_state(
        &self,
        txn: &DatabaseTransaction,
        r: &referral::Model,
        state: &ReferralState,
    ) -> Result<(), AppError> {
        let res = referral::Entity::update_many()
            .col_expr(referral::Column::State, Expr::value(state_name(state)))
            .col_expr(
                referral::Column::StateDetail,
                Expr::value(json!(state).to_string()),
            )
            .col_expr(referral::Column::Version, Expr::value(r.version + 1))
            .col_expr(referral::Column::UpdatedAt, Expr::value(self.now()))
            .filter(referral::Column::Id.eq(r.id.clone()))
            .filter(referral::Column::Version.eq(r.version))
            .exec(txn)
            .await?;
        if res.rows_affected == 0 {
            return Err(AppError::Conflict(
                "This referral was changed by someone else at the same moment; nothing was changed. Reload it and try again.".into(),
            ));
        }
        Ok(())
    }

    /// Marks the referral submitted now (REF-20) and lists it on its meeting.
    async fn submit_and_list(
        &self,
        txn: &DatabaseTransaction,
        actor: &Actor,
        r: &referral::Model,
    ) -> Result<ReferralState, AppError> {
        let now = self.now();
        referral::Entity::update_many()
            .col_expr(referral::Column::SubmittedAt, Expr::value(now))
            .filter(referral::Column::Id.eq(r.id.clone()))
            .exec(txn)
            .await?;
        let fresh = self.load_referral(txn, &r.id).await?;
        self.list_on_meeting(txn, actor, &fresh, utc_to_london(now))
            .await
    }

    /// Appends an audit event for this actor inside `txn`.
    pub(crate) async fn audit(
        &self,
        txn: &DatabaseTransaction,
        actor: &Actor,
        action: &str,
        entity: &str,
        entity_id: &str,
        detail: serde_json::Value,
    ) -> Result<(), AppError> {
        audit::append(
            txn,
            self.now(),
            NewEvent {
                council_id: &actor.council_id,
                actor_id: Some(&actor.person_id),
                action,
                entity,
                entity_id,
                detail,
            },
        )
        .await?;
        Ok(())
    }
}

/// The sign-off chain fixed when the referral was sent.
fn stored_chain(r: &referral::Model) -> Vec<String> {
    serde_json::from_str(&r.sign_off_chain).unwrap_or_default()
}

pub(crate) fn refusal(e: carepanel_domain::lifecycle::TransitionError) -> AppError {
    AppError::refused(e.message, e.requirement)
}

pub(crate) fn state_name(s: &ReferralState) -> &'static str {
    match s {
        ReferralState::Draft => "draft",
        ReferralState::AwaitingSignOff { .. } => "awaiting-sign-off",
        ReferralState::Returned { .. } => "returned",
        ReferralState::Submitted => "submitted",
        ReferralState::Listed { .. } => "listed",
        ReferralState::Deferred { .. } => "deferred",
        ReferralState::Heard { .. } => "heard",
        ReferralState::Decided { .. } => "decided",
        ReferralState::Withdrawn { .. } => "withdrawn",
        ReferralState::Rejected { .. } => "rejected",
    }
}

impl App {
    /// The role whose sign-off the referral waits for, if any.
    pub async fn next_signatory(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<Option<String>, AppError> {
        let r = self.load_referral(&self.db, id).await?;
        let (policy, _) = self.panel(&r.panel_id)?;
        require_read(policy, actor, &r)?;
        let ReferralState::AwaitingSignOff { step } = state_of(&r)? else {
            return Ok(None);
        };
        Ok(stored_chain(&r).get(step).cloned())
    }
}

/// The most one attachment may hold; attachments support a referral, they do not replace it
/// (REF-21).
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// A document attached to a referral.
#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    /// The policy's document id (`assessment`, `genogram`, `lpm-minutes`...).
    pub document_id: &'a str,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub written_on: Option<chrono::NaiveDate>,
    pub data: &'a [u8],
}

impl App {
    /// Attaches a document to a draft or returned referral (REF-16, REF-21).
    pub async fn attach(
        &self,
        actor: &Actor,
        referral_id: &str,
        a: NewAttachment<'_>,
    ) -> Result<String, AppError> {
        if a.data.len() > MAX_ATTACHMENT_BYTES {
            return Err(AppError::invalid(
                "file",
                format!(
                    "The file is {} KB; attachments can be at most {} MB",
                    a.data.len() / 1024,
                    MAX_ATTACHMENT_BYTES / (1024 * 1024)
                ),
                "REF-21",
            ));
        }
        if a.data.is_empty() {
            return Err(AppError::invalid("file", "The file is empty", "REF-21"));
        }
        let id = new_id();
        self.retrying(|| async {
            let txn = self.begin().await?;
            let r = self.load_referral(&txn, referral_id).await?;
            same_council(actor, &r.council_id)?;
            if r.author_id != actor.person_id {
                return Err(AppError::forbidden(
                    "Only the referral's author may attach documents",
                    "SEC-01",
                ));
            }
            if !state_of(&r)?.editable() {
                return Err(AppError::refused(
                    format!("A referral that is {} takes no more attachments", r.state),
                    "REF-21",
                ));
            }
            let (_, panel) = self.panel(&r.panel_id)?;
            if !panel.documents.iter().any(|d| d.id == a.document_id) {
                return Err(AppError::invalid(
                    "document_id",
                    format!(
                        "Choose what the document is: {}",
                        panel
                            .documents
                            .iter()
                            .map(|d| d.label.as_str())
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                    "REF-16",
                ));
            }
            // Bump the version so an attachment cannot slip in while the referral is being sent.
            let bumped = referral::Entity::update_many()
                .col_expr(referral::Column::Version, Expr::value(r.version + 1))
                .filter(referral::Column::Id.eq(referral_id))
                .filter(referral::Column::Version.eq(r.version))
                .exec(&txn)
                .await?;
            if bumped.rows_affected != 1 {
                return Err(AppError::Conflict(
                    "The referral changed while the document was attached; try again".into(),
                ));
            }
            attachment::ActiveModel {
                id: Set(id.clone()),
                referral_id: Set(referral_id.to_string()),
                document_id: Set(a.document_id.to_string()),
                filename: Set(a.filename.to_string()),
                content_type: Set(a.content_type.to_string()),
                size_bytes: Set(a.data.len() as i64),
                written_on: Set(a.written_on),
                data: Set(a.data.to_vec()),
                uploaded_by: Set(actor.person_id.clone()),
                uploaded_at: Set(self.now()),
            }
            .insert(&txn)
            .await?;
            self.audit(
                &txn,
                actor,
                "referral.attach",
                "referral",
                referral_id,
                json!({"document": a.document_id, "bytes": a.data.len()}),
            )
            .await?;
            txn.commit().await?;
            Ok(())
        })
        .await?;
        Ok(id)
    }
}

impl App {
    /// One referral, if the actor may read it (SEC-01).
    pub async fn referral(&self, actor: &Actor, id: &str) -> Result<referral::Model, AppError> {
        let r = self.load_referral(&self.db, id).await?;
        let (policy, _) = self.panel(&r.panel_id)?;
        require_read(policy, actor, &r)?;
        Ok(r)
    }
}

impl App {
    /// Referrals waiting for this person's sign-off: the next step is a role they hold for that
    /// panel, and they did not write it (SIGN-01).
    pub async fn sign_off_queue(&self, actor: &Actor) -> Result<Vec<referral::Model>, AppError> {
        use sea_orm::QueryOrder;
        let waiting = referral::Entity::find()
            .filter(referral::Column::CouncilId.eq(actor.council_id.clone()))
            .filter(referral::Column::State.eq("awaiting-sign-off"))
            .order_by_asc(referral::Column::UpdatedAt)
            .all(&self.db)
            .await?;
        Ok(waiting
            .into_iter()
            .filter(|r| r.author_id != actor.person_id)
            .filter(|r| match state_of(r) {
                Ok(ReferralState::AwaitingSignOff { step }) => stored_chain(r)
                    .get(step)
                    .is_some_and(|role| actor.roles_for(&r.panel_id).contains(role)),
                _ => false,
            })
            .collect())
    }
}
