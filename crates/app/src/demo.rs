//! Deterministic demonstration data: invented people and children, and a year (or ten) of
//! referrals, sign-offs, listings and decisions on all six panels, made through the use cases
//! themselves so the data obeys every rule. The same seed gives the same data.

use crate::demo_data::sample_answers;
use crate::referrals::{NewAttachment, NewReferral};
use crate::setup::NewChild;
use crate::{Actor, App, AppError};
use carepanel_domain::Money;
use carepanel_domain::calendar::{london_to_utc, utc_to_london};
use carepanel_domain::decision::{Action, DecisionInput, Resource};
use carepanel_domain::policy::{OutcomeEffect, Panel, Policy, ReviewKind};
use carepanel_domain::readiness::MissingKind;
use carepanel_store::entity::{agenda_item, meeting};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::BTreeMap;

/// How much data: S is one year, M ten years; `Weeks` is for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    S,
    M,
    Weeks(u32),
}

impl Scale {
    pub fn weeks(self) -> i64 {
        match self {
            Scale::S => 52,
            Scale::M => 520,
            Scale::Weeks(w) => i64::from(w),
        }
    }
}

/// What was made.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub councils: usize,
    pub people: usize,
    pub children: usize,
    pub referrals: usize,
    pub decisions: usize,
    /// Referrals the rules would not accept, with the reason (should be none).
    pub refused: Vec<String>,
    /// Demo sign-in: (council, role, email).
    pub accounts: Vec<(String, String, String)>,
}

/// A small deterministic generator (xorshift64*), so the same seed gives the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const FIRST: [&str; 24] = [
    "Avery", "Blake", "Casey", "Drew", "Ellis", "Finley", "Harper", "Indy", "Jordan", "Kit",
    "Logan", "Morgan", "Noel", "Oakley", "Parker", "Quinn", "Reese", "Sage", "Taylor", "Umber",
    "Vale", "Wren", "Yael", "Zephyr",
];
const LAST: [&str; 20] = [
    "Ashcombe",
    "Birchley",
    "Coldwater",
    "Dunmore",
    "Elmstead",
    "Fernhill",
    "Greystock",
    "Hollins",
    "Ivybridge",
    "Juniper",
    "Kestrel",
    "Larkfield",
    "Marlow",
    "Northcote",
    "Orchard",
    "Pennick",
    "Quarrie",
    "Redlands",
    "Southwell",
    "Thornbury",
];

fn name(rng: &mut Rng) -> String {
    format!("{} {}", rng.pick(&FIRST), rng.pick(&LAST))
}

/// Referrals a week for each panel, kept within each panel's capacity.
fn weekly_volume(panel_id: &str) -> u64 {
    match panel_id {
        "herts-harp" => 15,
        "devon-prp" | "bexley-rcp" => 10,
        "herts-ew-prp" => 4,
        "herts-harp-psp" => 3,
        "portsmouth-rp" => 5,
        _ => 3,
    }
}

struct CouncilCast {
    council: String,
    workers: Vec<Actor>,
    /// Signatories by role.
    signers: BTreeMap<String, Actor>,
    /// A chair per panel.
    chairs: BTreeMap<String, Actor>,
}

impl App {
    /// Creates the demo councils, people and a period of panel work ending at the clock's now.
    ///
    /// `clock` must be the clock this app runs on: the seed moves it through the period.
    pub async fn seed_demo(
        &self,
        clock: &crate::FixedClock,
        scale: Scale,
        seed: u64,
    ) -> Result<SeedReport, AppError> {
        let mut rng = Rng(seed | 1);
        let mut report = SeedReport::default();
        let end = self.now();
        let start = end - Duration::weeks(scale.weeks());
        let mut councils: Vec<&Policy> = Vec::new();
        for p in self.policies.policies() {
            if !councils.iter().any(|c| c.council.id == p.council.id) {
                councils.push(p);
            }
        }
        let mut casts = Vec::new();
        for policy in &councils {
            self.ensure_council(&policy.council.id).await?;
            report.councils += 1;
            casts.push(self.cast(policy, &mut rng, &mut report).await?);
        }
        // Plan every referral's submission time, then play them in order.
        let mut plan: Vec<(NaiveDateTime, usize, String)> = Vec::new();
        for (ci, policy) in councils.iter().enumerate() {
            for panel in &policy.panels {
                let weeks = scale.weeks();
                for w in 0..weeks {
                    for _ in 0..weekly_volume(&panel.id) {
                        let minutes = rng.below(5 * 24 * 60) as i64;
                        let week_start = utc_to_london(start).date() + Duration::weeks(w);
                        let monday = week_start
                            - Duration::days(
                                chrono::Datelike::weekday(&week_start).num_days_from_monday()
                                    as i64,
                            );
                        let t = monday.and_hms_opt(8, 0, 0).unwrap_or_default()
                            + Duration::minutes(
                                minutes % (10 * 60) + (minutes / (10 * 60)) * 24 * 60,
                            );
                        if london_to_utc(t) < end {
                            plan.push((t, ci, panel.id.clone()));
                        }
                    }
                }
            }
        }
        plan.sort();
        let mut open: Vec<(NaiveDateTime, String, String, usize)> = Vec::new(); // (meeting start, item, panel, council)
        for (t, ci, panel_id) in plan {
            self.decide_due(clock, &mut open, t, &casts, &mut rng, &mut report)
                .await?;
            clock.set(london_to_utc(t));
            let cast = &casts[ci];
            match self
                .demo_referral(cast, &panel_id, t, &mut rng, &mut report)
                .await
            {
                Ok(Some((start, item))) => open.push((start, item, panel_id, ci)),
                Ok(None) => {}
                Err(AppError::Db(e)) => return Err(AppError::Db(e)),
                Err(e) => report.refused.push(format!("{panel_id}: {e}")),
            }
        }
        let now_local = utc_to_london(end);
        self.decide_due(clock, &mut open, now_local, &casts, &mut rng, &mut report)
            .await?;
        clock.set(end);
        Ok(report)
    }

    async fn cast(
        &self,
        policy: &Policy,
        rng: &mut Rng,
        report: &mut SeedReport,
    ) -> Result<CouncilCast, AppError> {
        let c = &policy.council.id;
        let teams = [
            self.create_team(c, "Children in Need").await?,
            self.create_team(c, "Children Looked After").await?,
        ];
        let mut workers = Vec::new();
        for (i, team) in teams.iter().enumerate() {
            for k in 0..3 {
                let email = format!("worker{}{}@{c}.example", i + 1, k + 1);
                let a = self
                    .create_person(
                        c,
                        Some(team),
                        &name(rng),
                        &email,
                        &[("social-worker", None)],
                    )
                    .await?;
                if i == 0 && k == 0 {
                    report
                        .accounts
                        .push((c.clone(), "social-worker".into(), email));
                }
                workers.push(a);
                report.people += 1;
            }
        }
        let mut signers = BTreeMap::new();
        let mut roles_needed: Vec<String> = Vec::new();
        for panel in &policy.panels {
            for s in &panel.signoffs {
                roles_needed.extend(s.chain.iter().cloned());
            }
        }
        roles_needed.sort();
        roles_needed.dedup();
        for role in roles_needed {
            let email = format!("{role}@{c}.example");
            let a = self
                .create_person(
                    c,
                    Some(&teams[0]),
                    &name(rng),
                    &email,
                    &[(role.as_str(), None)],
                )
                .await?;
            report.accounts.push((c.clone(), role.clone(), email));
            signers.insert(role, a);
            report.people += 1;
        }
        let mut chairs = BTreeMap::new();
        for panel in &policy.panels {
            let role = panel.chair.eligible.first().cloned().unwrap_or_default();
            let email = format!("chair.{}@{c}.example", panel.id);
            let a = self
                .create_person(
                    c,
                    None,
                    &name(rng),
                    &email,
                    &[(role.as_str(), Some(panel.id.as_str()))],
                )
                .await?;
            report
                .accounts
                .push((c.clone(), format!("{role} ({})", panel.id), email));
            chairs.insert(panel.id.clone(), a);
            report.people += 1;
            let admin_email = format!("admin.{}@{c}.example", panel.id);
            self.create_person(
                c,
                None,
                &name(rng),
                &admin_email,
                &[(panel.administrator_role.as_str(), Some(panel.id.as_str()))],
            )
            .await?;
            report.accounts.push((
                c.clone(),
                format!("{} ({})", panel.administrator_role, panel.id),
                admin_email,
            ));
            report.people += 1;
        }
        for role in ["finance-officer", "council-administrator", "auditor"] {
            let email = format!("{role}@{c}.example");
            self.create_person(c, None, &name(rng), &email, &[(role, None)])
                .await?;
            report.accounts.push((c.clone(), role.to_string(), email));
            report.people += 1;
        }
        // A panel member of the first panel (SEC-05): a partner agency's member where there is
        // one, else the first member who neither chairs nor administers.
        let first = &policy.panels[0];
        let member = first
            .members
            .iter()
            .find(|m| m.partner_agency)
            .or_else(|| {
                first.members.iter().find(|m| {
                    !first.chair.eligible.contains(&m.role) && m.role != first.administrator_role
                })
            })
            .map_or("panel-member", |m| m.role.as_str());
        let email = format!("panel-member@{c}.example");
        self.create_person(
            c,
            None,
            &name(rng),
            &email,
            &[(member, Some(first.id.as_str()))],
        )
        .await?;
        report
            .accounts
            .push((c.clone(), format!("{member} ({})", first.id), email));
        report.people += 1;
        Ok(CouncilCast {
            council: c.clone(),
            workers,
            signers,
            chairs,
        })
    }

    /// One referral from draft to listing. Returns the meeting start and agenda item.
    async fn demo_referral(
        &self,
        cast: &CouncilCast,
        panel_id: &str,
        t: NaiveDateTime,
        rng: &mut Rng,
        report: &mut SeedReport,
    ) -> Result<Option<(NaiveDateTime, String)>, AppError> {
        let (policy, panel) = self.panel(panel_id)?;
        let sw = rng.pick(&cast.workers).clone();
        let category = rng.pick(&panel.categories).clone();
        // Under 17, so a care-leaver request is always before the 18th birthday (REF-17).
        let age_years = rng.below(17) as i64;
        let dob = t.date() - Duration::days(age_years * 365 + rng.below(365) as i64);
        let disabled = rng.below(6) == 0;
        let child = self
            .register_child(
                &sw,
                NewChild {
                    case_system: &policy.council.case_system,
                    case_system_id: &format!(
                        "{}-{:07}",
                        cast.council.to_uppercase(),
                        rng.next() % 10_000_000
                    ),
                    name: &name(rng),
                    date_of_birth: dob,
                    sex: Some(if rng.below(2) == 0 { "F" } else { "M" }),
                    ethnicity: Some(*rng.pick(&["WBRI", "WOTH", "MWBC", "AIND", "BAFR", "OOTH"])),
                    disability: if disabled { Some("yes") } else { None },
                    legal_status: Some(*rng.pick(&["V2", "C1", "C2", "L1"])),
                    looked_after: rng.below(3) == 0,
                },
            )
            .await;
        let child = match child {
            Ok(c) => c,
            Err(AppError::Invalid(_)) => return Ok(None), // a repeated case-system id: skip
            Err(e) => return Err(e),
        };
        report.children += 1;
        let form_id = category
            .forms
            .iter()
            .filter_map(|f| panel.form(f))
            .find(|f| {
                f.when
                    .as_ref()
                    .is_none_or(|w| w.disabled.is_none_or(|d| d == disabled))
            })
            .map(|f| f.id.clone());
        let answers = form_id
            .as_deref()
            .and_then(|f| panel.form(f))
            .map(|f| sample_answers(f, t.date() - Duration::days(14)))
            .unwrap_or_default();
        let id = self
            .create_draft(
                &sw,
                NewReferral {
                    panel_id: panel_id.to_string(),
                    category: category.id.clone(),
                    child_id: child,
                    form_id,
                    answers,
                    amount: Some(Money::from_pounds(1200 + rng.below(8000) as i64)),
                    children: 1 + u32::from(rng.below(8) == 0),
                    ..Default::default()
                },
            )
            .await?;
        report.referrals += 1;
        for m in self.readiness(&sw, &id).await? {
            if m.kind == MissingKind::Document {
                self.attach(
                    &sw,
                    &id,
                    NewAttachment {
                        document_id: &m.id,
                        filename: &format!("{}.pdf", m.id),
                        content_type: "application/pdf",
                        written_on: Some(t.date() - Duration::days(20)),
                        data: b"%PDF-1.4 demonstration document",
                    },
                )
                .await?;
            }
        }
        let mut state = self.send(&sw, &id).await?;
        while let carepanel_domain::lifecycle::ReferralState::AwaitingSignOff { .. } = state {
            let role = self.next_signatory(&sw, &id).await?.unwrap_or_default();
            let Some(signer) = cast.signers.get(&role) else {
                return Err(AppError::refused(
                    format!("no demo signatory for {role}"),
                    "SIGN-01",
                ));
            };
            state = self.sign_off(signer, &id).await?;
        }
        let items = agenda_item::Entity::find()
            .filter(agenda_item::Column::ReferralId.eq(id.clone()))
            .filter(agenda_item::Column::Status.eq("listed"))
            .one(&self.db)
            .await?;
        let Some(item) = items else { return Ok(None) };
        let m = meeting::Entity::find_by_id(item.meeting_id.clone())
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::NotFound("meeting".into()))?;
        let start = NaiveDateTime::parse_from_str(&m.starts_at, "%Y-%m-%dT%H:%M")
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        Ok(Some((start, item.id)))
    }

    /// Decides every open item whose meeting has started before `t`.
    async fn decide_due(
        &self,
        clock: &crate::FixedClock,
        open: &mut Vec<(NaiveDateTime, String, String, usize)>,
        t: NaiveDateTime,
        casts: &[CouncilCast],
        rng: &mut Rng,
        report: &mut SeedReport,
    ) -> Result<(), AppError> {
        open.sort();
        while let Some((start, _, _, _)) = open.first() {
            if *start + Duration::hours(1) > t {
                break;
            }
            let (start, item, panel_id, ci) = open.remove(0);
            clock.set(london_to_utc(start + Duration::minutes(30)));
            let (_, panel) = self.panel(&panel_id)?;
            let Some(chair) = casts[ci].chairs.get(&panel_id) else {
                continue;
            };
            let input = demo_decision(panel, start.date(), rng);
            match self.record_decision(chair, &item, &input).await {
                Ok(_) => report.decisions += 1,
                Err(AppError::Db(e)) => return Err(AppError::Db(e)),
                Err(e) => report.refused.push(format!("decision on {panel_id}: {e}")),
            }
        }
        Ok(())
    }
}

/// A plausible decision for `panel` taken on `on`, as the demo data records them; the same
/// `seed` gives the same decision (used by the benchmarks).
pub fn sample_decision(panel: &Panel, on: NaiveDate, seed: u64) -> DecisionInput {
    demo_decision(panel, on, &mut Rng(seed | 1))
}

/// A plausible decision with every field the panel's outcome asks for.
fn demo_decision(panel: &Panel, on: NaiveDate, rng: &mut Rng) -> DecisionInput {
    let approving: Vec<_> = panel
        .outcomes
        .iter()
        .filter(|o| {
            !o.ratification_only
                && matches!(
                    o.effect,
                    OutcomeEffect::Approve | OutcomeEffect::Decline | OutcomeEffect::FurtherWork
                )
        })
        .collect();
    let outcome = approving
        .iter()
        .find(|o| o.effect == OutcomeEffect::Approve && rng.below(10) < 8)
        .or_else(|| approving.first())
        .map(|o| (*o).clone());
    let Some(outcome) = outcome else {
        return DecisionInput::default();
    };
    let approves = outcome.effect == OutcomeEffect::Approve;
    let weeks = 4 + rng.below(40) as i64;
    let needs_return = outcome.requires_return
        || panel.categories.iter().any(|c| {
            c.review
                .as_ref()
                .is_some_and(|r| r.kind == ReviewKind::ChairDirected)
        });
    DecisionInput {
        outcome: outcome.id.clone(),
        lines: vec!["The panel agreed the support set out in the referral".into()],
        resources: if approves {
            vec![Resource {
                description: "Support package as requested".into(),
                weekly_cost: Some(Money::from_pence(10_000 + rng.below(90_000) as i64)),
                one_off_cost: None,
                start: Some(on + Duration::days(3)),
                end: Some(on + Duration::weeks(weeks)),
                cost_centre: Some(format!("CC-{}", 1000 + rng.below(50))),
            }]
        } else {
            Vec::new()
        },
        conditions: vec!["Progress reported to the team manager monthly".into()],
        actions: vec![Action {
            description: "Tell the family the panel's decision".into(),
            owner: "Allocated social worker".into(),
            due: Some(on + Duration::days(5)),
        }],
        rationale: "The panel considered the needs set out and the alternatives tried.".into(),
        return_date: needs_return.then(|| on + Duration::weeks(weeks.min(12))),
        defer_to: None,
        link: None,
        considered: panel.decision.considerations.clone(),
        is_ratification: false,
    }
}
