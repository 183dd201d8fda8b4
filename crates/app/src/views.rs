//! What the pages and the API read: a referral with everything about it, the panels and
//! children a person may refer, a decision sheet and the forward planner. Each read checks
//! access the same way the actions do (SEC-01).

use crate::access::{holds, panel_roles, require_read, same_council};
use crate::{Actor, App, AppError};
use carepanel_domain::policy::{Form, Panel, Policy};
use carepanel_domain::readiness::{
    ChildFacts, Context, Missing, ReferralFacts, SignOffAnswer, missing, who_must_sign,
};
use carepanel_store::entity::{
    action, agenda_item, attachment, child, commitment, decision as decision_row, declaration,
    interim_decision, meeting, referral, review, sign_off,
};
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeSet, HashMap};

/// A referral as its page shows it.
#[derive(Debug, Clone)]
pub struct ReferralView {
    pub referral: referral::Model,
    pub child: child::Model,
    pub form: Option<Form>,
    /// The ids of the form's sections that apply to this referral: those without a `when`,
    /// and those whose `when` holds (Portsmouth's review and urgent sections).
    pub sections_applying: Vec<String>,
    pub missing: Vec<Missing>,
    pub who_must_sign: SignOffAnswer,
    pub sign_offs: Vec<sign_off::Model>,
    pub attachments: Vec<attachment::Model>,
    /// The meeting it is listed on, with the agenda item (its note says why it is there).
    pub listed: Option<(meeting::Model, agenda_item::Model)>,
    pub decisions: Vec<DecisionView>,
}

/// A decision with its resources, actions and review.
#[derive(Debug, Clone)]
pub struct DecisionView {
    pub decision: decision_row::Model,
    pub commitments: Vec<commitment::Model>,
    pub actions: Vec<action::Model>,
    pub reviews: Vec<review::Model>,
    pub meeting: Option<meeting::Model>,
    pub child: Option<child::Model>,
    pub category: Option<String>,
}

/// One line of the forward planner.
#[derive(Debug, Clone)]
pub struct PlannerLine {
    pub kind: PlannerKind,
    pub date: NaiveDate,
    pub panel_id: String,
    pub child_id: Option<String>,
    pub child_name: String,
    pub what: String,
    pub decision_id: Option<String>,
    pub referral_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlannerKind {
    ReviewDue,
    ReviewMissed,
    ApprovalEnding,
    InterimExpired,
}

/// The panels a person may refer to: those of their council on which they
/// hold a referrer's role.
pub fn referable_panels<'a>(app: &'a App, actor: &Actor) -> Vec<(&'a Policy, &'a Panel)> {
    let today = app.local_now().date();
    app.policies
        .policies()
        .iter()
        .filter(|p| p.council.id == actor.council_id)
        .filter(|p| {
            p.policy.effective_from <= today && p.policy.effective_to.is_none_or(|to| today <= to)
        })
        .flat_map(|p| p.panels.iter().map(move |panel| (p, panel)))
        .filter(|(p, panel)| {
            holds(
                p,
                actor,
                &panel.id,
                &crate::referrals::referrer_roles(&panel.administrator_role),
            )
            .is_some()
        })
        .collect()
}

/// The form a new referral uses: the first of the category's forms whose condition holds for
/// this child (REF-01: Portsmouth's disability and general variants).
pub fn choose_form(
    policy: &Policy,
    panel: &Panel,
    category: &str,
    kid: &child::Model,
    on: NaiveDate,
) -> Option<String> {
    let facts = ReferralFacts {
        category: category.to_string(),
        part: panel.category(category).and_then(|c| c.part.clone()),
        child: child_facts(kid),
        children: 1,
        ..Default::default()
    };
    Context {
        policy,
        panel,
        facts: &facts,
        panel_date: on,
    }
    .form()
    .map(|f| f.id.clone())
}

pub(crate) fn child_facts(kid: &child::Model) -> ChildFacts {
    ChildFacts {
        date_of_birth: Some(kid.date_of_birth),
        looked_after: kid.looked_after,
        disabled: kid
            .disability
            .as_deref()
            .is_some_and(|d| !d.is_empty() && d != "none"),
        legal_status: kid.legal_status.clone(),
    }
}

impl App {
    /// Children a person may start a referral for: their team's, or, for a panel
    /// administrator entering a referral for a worker (REF-20), any in the council.
    pub async fn referable_children(&self, actor: &Actor) -> Result<Vec<child::Model>, AppError> {
        // The administrator role each panel's terms of reference name (MEM-07).
        let administers = self
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
        let mut q =
            child::Entity::find().filter(child::Column::CouncilId.eq(actor.council_id.clone()));
        if !administers {
            match &actor.team_id {
                Some(t) => q = q.filter(child::Column::TeamId.eq(t.clone())),
                None => return Ok(Vec::new()),
            }
        }
        Ok(q.order_by_asc(child::Column::Name)
            .limit(500)
            .all(&self.db)
            .await?)
    }

    /// Everything about one referral that its page shows.
    pub async fn referral_view(&self, actor: &Actor, id: &str) -> Result<ReferralView, AppError> {
        let r = self.load_referral(&self.db, id).await?;
        let (policy, panel) = self.panel(&r.panel_id)?;
        require_read(policy, actor, &r)?;
        let facts = self.facts(&self.db, &r).await?;
        let kid = child::Entity::find_by_id(r.child_id.clone())
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("child {}", r.child_id)))?;
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
        let form = ctx.form().cloned();
        let sections_applying = form
            .iter()
            .flat_map(|f| f.sections.iter())
            .filter(|sec| ctx.when(&sec.when))
            .map(|sec| sec.id.clone())
            .collect();
        let missing = missing(&ctx);
        let who = who_must_sign(&ctx);
        let sign_offs = sign_off::Entity::find()
            .filter(sign_off::Column::ReferralId.eq(id))
            .order_by_asc(sign_off::Column::SignedAt)
            .all(&self.db)
            .await?;
        let attachments = attachment::Entity::find()
            .filter(attachment::Column::ReferralId.eq(id))
            .select_only()
            .columns([
                attachment::Column::Id,
                attachment::Column::ReferralId,
                attachment::Column::DocumentId,
                attachment::Column::Filename,
                attachment::Column::ContentType,
                attachment::Column::SizeBytes,
                attachment::Column::WrittenOn,
                attachment::Column::UploadedBy,
                attachment::Column::UploadedAt,
            ])
            .column_as(sea_orm::sea_query::Expr::cust("NULL"), "data")
            .into_tuple::<(
                String,
                String,
                String,
                String,
                String,
                i64,
                Option<NaiveDate>,
                String,
                chrono::DateTime<chrono::Utc>,
                Option<Vec<u8>>,
            )>()
            .all(&self.db)
            .await?
            .into_iter()
            .map(
                |(
                    id,
                    referral_id,
                    document_id,
                    filename,
                    content_type,
                    size,
                    written,
                    by,
                    at,
                    _,
                )| {
                    attachment::Model {
                        id,
                        referral_id,
                        document_id,
                        filename,
                        content_type,
                        size_bytes: size,
                        written_on: written,
                        data: Vec::new(),
                        uploaded_by: by,
                        uploaded_at: at,
                    }
                },
            )
            .collect();
        let item = agenda_item::Entity::find()
            .filter(agenda_item::Column::ReferralId.eq(id))
            .order_by_desc(agenda_item::Column::Position)
            .all(&self.db)
            .await?;
        let mut listed = None;
        if let Some(mid) = &r.meeting_id
            && let Some(m) = meeting::Entity::find_by_id(mid.clone())
                .one(&self.db)
                .await?
            && let Some(i) = item.into_iter().find(|i| &i.meeting_id == mid)
        {
            listed = Some((m, i));
        }
        let rows = decision_row::Entity::find()
            .filter(decision_row::Column::ReferralId.eq(id))
            .order_by_asc(decision_row::Column::DecidedAt)
            .all(&self.db)
            .await?;
        let mut decisions = Vec::new();
        for d in rows {
            decisions.push(self.decision_parts(d).await?);
        }
        Ok(ReferralView {
            referral: r,
            child: kid,
            form,
            sections_applying,
            missing,
            who_must_sign: who,
            sign_offs,
            attachments,
            listed,
            decisions,
        })
    }

    pub(crate) async fn decision_parts(
        &self,
        d: decision_row::Model,
    ) -> Result<DecisionView, AppError> {
        let commitments = commitment::Entity::find()
            .filter(commitment::Column::DecisionId.eq(d.id.clone()))
            .all(&self.db)
            .await?;
        let actions = action::Entity::find()
            .filter(action::Column::DecisionId.eq(d.id.clone()))
            .order_by_asc(action::Column::DueDate)
            .all(&self.db)
            .await?;
        let reviews = review::Entity::find()
            .filter(review::Column::DecisionId.eq(d.id.clone()))
            .order_by_asc(review::Column::DueDate)
            .all(&self.db)
            .await?;
        let item = agenda_item::Entity::find_by_id(d.agenda_item_id.clone())
            .one(&self.db)
            .await?;
        let meeting = match &item {
            Some(i) => {
                meeting::Entity::find_by_id(i.meeting_id.clone())
                    .one(&self.db)
                    .await?
            }
            None => None,
        };
        let r = match &d.referral_id {
            Some(rid) => self.load_referral(&self.db, rid).await.ok(),
            None => None,
        };
        let child = match &r {
            Some(r) => {
                child::Entity::find_by_id(r.child_id.clone())
                    .one(&self.db)
                    .await?
            }
            None => None,
        };
        let category = r.as_ref().map(|r| {
            self.panel(&r.panel_id)
                .ok()
                .and_then(|(_, p)| p.category(&r.category).map(|c| c.label.clone()))
                .unwrap_or_else(|| r.category.clone())
        });
        Ok(DecisionView {
            decision: d,
            commitments,
            actions,
            reviews,
            meeting,
            child,
            category,
        })
    }

    /// A decision sheet: for those who may read the referral it decides, or who work the panel.
    pub async fn decision_sheet(&self, actor: &Actor, id: &str) -> Result<DecisionView, AppError> {
        let d = decision_row::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("decision {id}")))?;
        same_council(actor, &d.council_id)?;
        let (policy, _) = self.panel(&d.panel_id)?;
        match &d.referral_id {
            Some(rid) => {
                let r = self.load_referral(&self.db, rid).await?;
                require_read(policy, actor, &r)?;
            }
            None => {
                crate::access::require_role(
                    policy,
                    actor,
                    &d.panel_id,
                    &panel_roles(policy, &d.panel_id),
                    "see this decision",
                )?;
            }
        }
        self.decision_parts(d).await
    }

    /// The forward planner (REV-06, REV-08, EMG-07): reviews due in the next `weeks` weeks,
    /// reviews missed, approvals ending, and interim decisions past their validity, for the
    /// panels this person works and the referrals they may read.
    pub async fn forward_planner(
        &self,
        actor: &Actor,
        weeks: i64,
    ) -> Result<Vec<PlannerLine>, AppError> {
        let today = self.local_now().date();
        let horizon = today + chrono::Duration::weeks(weeks);
        let mut out = Vec::new();
        let reviews = review::Entity::find()
            .filter(review::Column::CouncilId.eq(actor.council_id.clone()))
            .filter(review::Column::DueDate.lte(horizon))
            .filter(review::Column::Status.is_in(["booked", "due", "missed"]))
            .order_by_asc(review::Column::DueDate)
            .all(&self.db)
            .await?;
        let ending = commitment::Entity::find()
            .filter(commitment::Column::CouncilId.eq(actor.council_id.clone()))
            .filter(commitment::Column::EndDate.gte(today))
            .filter(commitment::Column::EndDate.lte(horizon))
            .order_by_asc(commitment::Column::EndDate)
            .all(&self.db)
            .await?;
        // The decisions, referrals and children the lines name, each read once for all lines.
        let decisions: HashMap<String, decision_row::Model> = decision_row::Entity::find()
            .filter(decision_row::Column::Id.is_in(ending.iter().map(|c| c.decision_id.clone())))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|d| (d.id.clone(), d))
            .collect();
        let referral_ids: BTreeSet<String> = reviews
            .iter()
            .filter_map(|rv| rv.referral_id.clone())
            .chain(decisions.values().filter_map(|d| d.referral_id.clone()))
            .collect();
        let referrals: HashMap<String, referral::Model> = referral::Entity::find()
            .filter(referral::Column::Id.is_in(referral_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .filter(|r| {
                self.panel(&r.panel_id)
                    .is_ok_and(|(policy, _)| crate::access::may_read_referral(policy, actor, r))
            })
            .map(|r| (r.id.clone(), r))
            .collect();
        let interims: Vec<interim_decision::Model> = self
            .expired_interims(actor)
            .await?
            .into_iter()
            .filter(|i| self.works_panel(actor, &i.panel_id))
            .collect();
        let child_ids: BTreeSet<String> = referrals
            .values()
            .map(|r| r.child_id.clone())
            .chain(interims.iter().map(|i| i.child_id.clone()))
            .collect();
        let children: HashMap<String, child::Model> = child::Entity::find()
            .filter(child::Column::Id.is_in(child_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|k| (k.id.clone(), k))
            .collect();

        for rv in reviews {
            let Some(r) = rv.referral_id.as_ref().and_then(|rid| referrals.get(rid)) else {
                continue;
            };
            let kid = children.get(&r.child_id);
            let missed = rv.status == "missed" || (rv.status != "held" && rv.due_date < today);
            out.push(PlannerLine {
                kind: if missed {
                    PlannerKind::ReviewMissed
                } else {
                    PlannerKind::ReviewDue
                },
                date: rv.due_date,
                panel_id: r.panel_id.clone(),
                child_id: kid.map(|k| k.id.clone()),
                child_name: kid.map(|k| k.name.clone()).unwrap_or_default(),
                what: if missed {
                    format!(
                        "Review missed: it was due on {} and has not been held (REV-08)",
                        rv.due_date.format("%-d %B %Y")
                    )
                } else {
                    format!("{} review due", rv.kind.replace('-', " "))
                },
                decision_id: Some(rv.decision_id.clone()),
                referral_id: Some(r.id.clone()),
            });
        }
        for c in ending {
            let Some(d) = decisions.get(&c.decision_id) else {
                continue;
            };
            let Some(r) = d.referral_id.as_ref().and_then(|rid| referrals.get(rid)) else {
                continue;
            };
            let kid = children.get(&r.child_id);
            out.push(PlannerLine {
                kind: PlannerKind::ApprovalEnding,
                date: c.end_date.unwrap_or(today),
                panel_id: c.panel_id.clone(),
                child_id: kid.map(|k| k.id.clone()),
                child_name: kid.map(|k| k.name.clone()).unwrap_or_default(),
                what: format!("Approval ends: {}", c.description),
                decision_id: Some(d.id.clone()),
                referral_id: Some(r.id.clone()),
            });
        }
        for i in interims {
            let kid = children.get(&i.child_id);
            out.push(PlannerLine {
                kind: PlannerKind::InterimExpired,
                date: NaiveDate::parse_from_str(
                    &i.valid_until[..10.min(i.valid_until.len())],
                    "%Y-%m-%d",
                )
                .unwrap_or(today),
                panel_id: i.panel_id.clone(),
                child_id: Some(i.child_id.clone()),
                child_name: kid.map(|k| k.name.clone()).unwrap_or_default(),
                what: "Decision between meetings not ratified in time: escalate (EMG-07)".into(),
                decision_id: None,
                referral_id: i.referral_id.clone(),
            });
        }
        out.sort_by(|a, b| a.date.cmp(&b.date).then(a.child_name.cmp(&b.child_name)));
        Ok(out)
    }

    /// A meeting's agenda with the decisions between meetings awaiting ratification at it
    /// (DEC-09), for those who work its panel: the agenda page, reading the meeting once.
    pub async fn agenda_page(
        &self,
        actor: &Actor,
        meeting_id: &str,
    ) -> Result<(crate::panel_work::Agenda, Vec<interim_decision::Model>), AppError> {
        let agenda = self.agenda(actor, meeting_id).await?;
        let interims = interim_decision::Entity::find()
            .filter(interim_decision::Column::RatificationMeetingId.eq(meeting_id))
            .order_by_asc(interim_decision::Column::DecidedAt)
            .all(&self.db)
            .await?;
        Ok((agenda, interims))
    }
}

/// One agenda item as the chair and members see it.
#[derive(Debug, Clone)]
pub struct ItemView {
    pub item: agenda_item::Model,
    pub meeting: meeting::Model,
    pub referral: Option<ReferralView>,
    pub declarations: Vec<declaration::Model>,
    pub decision: Option<decision_row::Model>,
    /// Later meetings of the panel, for a deferral (SCHED-08).
    pub later_meetings: Vec<NaiveDate>,
}

impl App {
    /// An agenda item, for the people who work its panel (SEC-01, SEC-05).
    pub async fn item_view(&self, actor: &Actor, item_id: &str) -> Result<ItemView, AppError> {
        let item = agenda_item::Entity::find_by_id(item_id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("agenda item {item_id}")))?;
        let m = self.meeting_for(actor, &item.meeting_id).await?;
        let (policy, panel) = self.panel(&m.panel_id)?;
        crate::access::require_role(
            policy,
            actor,
            &panel.id,
            &panel_roles(policy, &panel.id),
            "see this meeting's items",
        )?;
        let referral = match &item.referral_id {
            Some(rid) => Some(self.referral_view(actor, rid).await?),
            None => None,
        };
        let declarations = declaration::Entity::find()
            .filter(declaration::Column::AgendaItemId.eq(item_id))
            .order_by_asc(declaration::Column::DeclaredAt)
            .all(&self.db)
            .await?;
        let decision = decision_row::Entity::find()
            .filter(decision_row::Column::AgendaItemId.eq(item_id))
            .one(&self.db)
            .await?;
        let sched = self
            .scheduler(policy, panel)
            .with_cancelled(self.cancelled_dates(&self.db, &panel.id).await?);
        let later_meetings = sched
            .meetings(
                m.meeting_date + chrono::Duration::days(1),
                m.meeting_date + chrono::Duration::weeks(16),
            )
            .into_iter()
            .map(|x| x.date)
            .take(6)
            .collect();
        Ok(ItemView {
            item,
            meeting: m,
            referral,
            declarations,
            decision,
            later_meetings,
        })
    }
}

impl App {
    /// A child of the person's council by their case-system id, for those who take decisions
    /// between meetings (EMG-01).
    pub async fn child_by_case_id(
        &self,
        actor: &Actor,
        case_system_id: &str,
    ) -> Result<Option<child::Model>, AppError> {
        Ok(child::Entity::find()
            .filter(child::Column::CouncilId.eq(actor.council_id.clone()))
            .filter(child::Column::CaseSystemId.eq(case_system_id.trim()))
            .one(&self.db)
            .await?)
    }

    /// The panels on which this person may take a decision between meetings: those allowing
    /// interim decisions where they hold a role named by one of its situations' rules.
    pub fn interim_panels<'a>(&'a self, actor: &Actor) -> Vec<(&'a Policy, &'a Panel)> {
        self.policies
            .policies()
            .iter()
            .filter(|p| p.council.id == actor.council_id)
            .flat_map(|p| p.panels.iter().map(move |panel| (p, panel)))
            .filter(|(_, panel)| panel.emergency.interim_allowed)
            .filter(|(p, panel)| {
                let roles: Vec<String> = panel
                    .authority
                    .iter()
                    .filter(|a| panel.emergency.situations.contains(&a.situation))
                    .flat_map(|a| {
                        a.any_of
                            .iter()
                            .chain(&a.all_of)
                            .chain(&a.in_absence)
                            .cloned()
                    })
                    .collect();
                holds(p, actor, &panel.id, &roles).is_some()
            })
            .collect()
    }
}

impl App {
    /// A decision taken between meetings: for the person who took it and those who work its
    /// panel (EMG-01, DEC-09).
    pub async fn interim(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<interim_decision::Model, AppError> {
        let i = interim_decision::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("decision between meetings {id}")))?;
        same_council(actor, &i.council_id)?;
        if i.approver_id != actor.person_id {
            let (policy, _) = self.panel(&i.panel_id)?;
            crate::access::require_role(
                policy,
                actor,
                &i.panel_id,
                &panel_roles(policy, &i.panel_id),
                "see this decision",
            )?;
        }
        Ok(i)
    }
}
