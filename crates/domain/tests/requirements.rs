//! Part A requirements that belong to the domain, each exercised against the shipped policies
//! by a test that names it. The council-specific worked examples are in the per-council files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carepanel_domain::Money;
use carepanel_domain::agenda::{self, Candidate};
use carepanel_domain::authority::{AuthorityQuestion, check};
use carepanel_domain::decision::{self, Action, DecisionInput, Resource};
use carepanel_domain::interim::{self, InterimError, InterimRequest, InterimStatus};
use carepanel_domain::lifecycle::{Event, ReferralState, Rejection};
use carepanel_domain::policy::{FieldKind, MinutesRule, OutcomeEffect};
use carepanel_domain::readiness::{Context, MissingKind, missing, presenter_warnings};
use carepanel_domain::review::{ReviewBasis, review};
use carepanel_domain::schedule::SubmissionKind;
use common::*;

fn ask(
    panel_id: &str,
    situation: &str,
    role: &str,
    amount: Option<Money>,
    age: Option<u32>,
) -> carepanel_domain::authority::AuthorityAnswer {
    let (policy, p) = panel(panel_id);
    let r = roles(&[role]);
    check(
        policy,
        p,
        &AuthorityQuestion {
            situation: Some(situation),
            amount,
            child_age: age,
            approver_roles: &r,
            agreed_roles: &[],
        },
    )
    .unwrap()
}

#[test]
fn cfg_02_parts_share_one_meeting_with_their_own_remits() {
    let (_, p) = panel("herts-ew-prp");
    let part_of = |c: &str| p.category(c).and_then(|c| c.part.clone());
    assert_eq!(part_of("support-package").as_deref(), Some("part-1"));
    assert_eq!(part_of("s20-accommodation").as_deref(), Some("part-2"));
    let s = sched("herts-ew-prp");
    let a = carepanel_domain::whatif::schedule(
        &s,
        Some("part-1"),
        t("2026-11-26T10:00"),
        SubmissionKind::default(),
    )
    .unwrap();
    let b = carepanel_domain::whatif::schedule(
        &s,
        Some("part-2"),
        t("2026-11-26T10:00"),
        SubmissionKind::default(),
    )
    .unwrap();
    assert_eq!(a.meeting, b.meeting, "one meeting for both parts");
}

#[test]
fn act_01_act_05_every_action_has_an_owner_and_a_due_date() {
    let (_, p) = panel("herts-harp");
    let base = DecisionInput {
        outcome: "declined".into(),
        rationale: "Needs met elsewhere".into(),
        considered: p.decision.considerations.clone(),
        actions: vec![Action {
            description: "Refer to CAMHS".into(),
            // ACT-05: an action may belong to a partner agency.
            owner: "CAMHS".into(),
            due: Some(d("2026-12-16")),
        }],
        ..Default::default()
    };
    assert!(decision::check(p, Some("placement"), d("2026-12-02"), &base).is_ok());
    let mut bad = base.clone();
    bad.actions[0].owner = " ".into();
    bad.actions[0].due = Some(d("2026-11-30"));
    let errors = decision::check(p, Some("placement"), d("2026-12-02"), &bad).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().all(|e| e.requirement == "ACT-01"));
}

#[test]
fn agd_04_chair_removes_a_child_from_the_agenda_with_the_reason() {
    let listed = ReferralState::Listed {
        meeting: "m".into(),
    };
    let removed = listed
        .apply(Event::Reject(Rejection::Incomplete(
            "No one from the team attended to discuss the child".into(),
        )))
        .unwrap();
    match removed {
        ReferralState::Rejected {
            reason: Rejection::Incomplete(why),
        } => assert!(why.contains("No one from the team")),
        other => panic!("{other:?}"),
    }
    let (_, p) = panel("portsmouth-rp");
    assert!(p.outcomes.iter().any(|o| o.effect == OutcomeEffect::Remove));
}

#[test]
fn agd_05_presenter_requirements_warn_when_unmet() {
    let (policy, p) = panel("devon-prp");
    let f = complete_facts("devon-prp", "nrpf");
    let ctx = Context {
        policy,
        panel: p,
        facts: &f,
        panel_date: d("2026-12-01"),
    };
    let only_sw = presenter_warnings(&ctx, &roles(&["social-worker"]));
    assert_eq!(only_sw.len(), 1);
    assert_eq!(only_sw[0].rule, "manager-attends");
    assert!(presenter_warnings(&ctx, &roles(&["social-worker", "service-manager"])).is_empty());
    // A Head of Service acts for a Service Manager (AUTH-13 hierarchy).
    assert!(presenter_warnings(&ctx, &roles(&["social-worker", "head-of-service"])).is_empty());
}

#[test]
fn agd_06_venue_or_remote_link_per_meeting() {
    let venue = |id: &str| {
        sched(id).meetings(d("2026-12-01"), d("2026-12-31"))[0]
            .venue
            .clone()
    };
    assert!(venue("bexley-rcp").unwrap().contains("Civic Centre"));
    assert!(venue("portsmouth-rp").unwrap().contains("Teams"));
    assert!(venue("herts-harp").unwrap().contains("County Hall"));
}

#[test]
fn agd_07_sched_02_slot_times_and_booking_at_the_earliest_meeting_with_capacity() {
    let (_, p) = panel("herts-harp-psp");
    let items: Vec<Candidate> = (0..6)
        .map(|n| Candidate {
            id: format!("r{n}"),
            children: 1,
            late_accepted: false,
            chair_priority: None,
        })
        .collect();
    let plan = agenda::plan(p, t("2026-12-02T09:30"), &items);
    assert_eq!(plan.slots[1].start, Some(t("2026-12-02T09:45")));
    assert_eq!(plan.booked_minutes, 75);
    assert_eq!(plan.for_chair.len(), 1);
    // SCHED-02: with the requested meeting full the booking goes to the next one with room.
    assert!(!agenda::fits(p, 5, 75, 1));
    assert!(agenda::fits(p, 0, 0, 1));
}

#[test]
fn auth_01_auth_13_approver_role_is_checked_and_higher_roles_may_act() {
    let sl = ask(
        "portsmouth-rp",
        "urgent-decision",
        "service-leader",
        Some(Money::from_pounds(10)),
        None,
    );
    assert!(sl.allowed);
    let hfs = ask(
        "portsmouth-rp",
        "urgent-decision",
        "head-of-family-safeguarding",
        Some(Money::from_pounds(10)),
        None,
    );
    assert!(
        hfs.allowed,
        "the chair's role acts for Head of Service and Service Leader"
    );
    let sw = ask(
        "portsmouth-rp",
        "urgent-decision",
        "social-worker",
        Some(Money::from_pounds(10)),
        None,
    );
    assert!(!sw.allowed);
    assert!(sw.reason.contains("Service Leader"));
}

#[test]
fn auth_03_auth_04_auth_05_harp_approvers_by_request_type() {
    assert!(
        ask(
            "herts-harp",
            "residential",
            "operations-director-specialist-services",
            None,
            None
        )
        .allowed
    );
    assert!(!ask("herts-harp", "residential", "service-manager", None, None).allowed);
    assert!(ask("herts-harp", "long-term-ifa", "harp-chair", None, None).allowed);
    assert!(ask("herts-harp", "school-transport", "harp-chair", None, None).allowed);
    assert!(
        ask(
            "herts-harp",
            "in-house-carer-additional-funding",
            "head-of-fostering-and-adoption",
            None,
            None
        )
        .allowed
    );
    assert!(
        ask(
            "herts-harp",
            "s17-intensive-support",
            "service-manager",
            None,
            None
        )
        .allowed
    );
    // AUTH-03: family and friends S.20 uses the S.20 approvers and comes for ratification.
    let (_, p) = panel("herts-harp");
    assert!(p.category("family-and-friends-s20").is_some());
    assert!(
        ask(
            "herts-harp",
            "s20-first-time-care",
            "operations-director-safeguarding",
            None,
            Some(5)
        )
        .interim
    );
}

#[test]
fn auth_09_portsmouth_high_cost_placements_need_both_directors_and_skip_the_panel() {
    let (policy, p) = panel("portsmouth-rp");
    let dd = roles(&["deputy-director"]);
    let a = check(
        policy,
        p,
        &AuthorityQuestion {
            situation: Some("high-cost-placement"),
            amount: Some(Money::from_pounds(5000)),
            child_age: None,
            approver_roles: &dd,
            agreed_roles: &[],
        },
    )
    .unwrap();
    assert!(!a.allowed);
    assert_eq!(a.still_needed, roles(&["head-of-service"]));
    assert!(p.out_of_remit.iter().any(|o| o.id == "high-cost-placement"));
}

#[test]
fn auth_12_acting_in_absence_must_record_the_absence() {
    let s = sched("herts-harp");
    let hos = roles(&["head-of-service"]);
    let req = |absence| InterimRequest {
        situation: Some("s20-first-time-care"),
        amount: None,
        child_age: Some(8),
        approver_roles: &hos,
        agreed_roles: &[],
        absence_reason: absence,
        why_urgent: "Parent arrested overnight",
        decided_at: t("2026-12-05T23:00"),
    };
    assert!(matches!(
        interim::take(&s, &req(None)),
        Err(InterimError::AbsenceNotRecorded { .. })
    ));
    let ok = interim::take(&s, &req(Some("Operations Director on leave"))).unwrap();
    assert!(ok.authority.in_absence_of.is_some());
}

#[test]
fn emg_01_emg_03_emg_04_emg_07_interim_decisions_last_until_the_next_panel() {
    let s = sched("herts-harp");
    let ad = roles(&["assistant-director"]);
    let d1 = interim::take(
        &s,
        &InterimRequest {
            situation: Some("emergency"),
            amount: Some(Money::from_pounds(2500)),
            child_age: Some(14),
            approver_roles: &ad,
            agreed_roles: &[],
            absence_reason: None,
            why_urgent: "Placement ended without notice",
            decided_at: t("2026-12-02T11:00"),
        },
    )
    .unwrap();
    // The meeting that day has started: valid until the next one.
    assert_eq!(d1.valid_until, t("2026-12-09T09:30"));
    assert_eq!(d1.ratification_meeting.date, d("2026-12-09"));
    assert_eq!(
        interim::status(d1.valid_until, None, t("2026-12-08T12:00")),
        InterimStatus::AwaitingRatification
    );
    assert_eq!(
        interim::status(
            d1.valid_until,
            Some(OutcomeEffect::Modify),
            t("2026-12-10T12:00")
        ),
        InterimStatus::Modified
    );
    let expired = interim::status(d1.valid_until, None, t("2026-12-09T09:31"));
    assert_eq!(expired, InterimStatus::ExpiredNotRatified);
    assert!(interim::status_text(expired, d1.valid_until).contains("not ratified"));
    let no_reason = interim::take(
        &s,
        &InterimRequest {
            situation: Some("emergency"),
            amount: None,
            child_age: None,
            approver_roles: &ad,
            agreed_roles: &[],
            absence_reason: None,
            why_urgent: "",
            decided_at: t("2026-12-02T11:00"),
        },
    );
    assert!(matches!(no_reason, Err(InterimError::NoUrgency)));
}

#[test]
fn dec_09_ratification_outcomes_are_ratify_modify_reverse() {
    for id in ["herts-ew-prp", "herts-harp", "devon-prp", "portsmouth-rp"] {
        let (_, p) = panel(id);
        let effects: Vec<OutcomeEffect> = p
            .emergency
            .ratification_outcomes
            .iter()
            .map(|o| p.outcome(o).unwrap().effect)
            .collect();
        assert_eq!(
            effects,
            [
                OutcomeEffect::Ratify,
                OutcomeEffect::Modify,
                OutcomeEffect::Reverse
            ],
            "{id}"
        );
    }
}

#[test]
fn dec_06_dec_07_dec_11_dec_12_dec_13_decision_rules_per_panel() {
    let (_, bexley) = panel("bexley-rcp");
    assert!(bexley.decision.chair_signs_expenditure, "DEC-06");
    assert!(
        bexley
            .out_of_remit
            .iter()
            .any(|o| o.id == "case-management-recommendations"),
        "DEC-13"
    );
    let (_, portsmouth) = panel("portsmouth-rp");
    assert!(
        portsmouth
            .decision
            .guidance
            .as_deref()
            .unwrap()
            .contains("timescales"),
        "DEC-07"
    );
    let (_, devon) = panel("devon-prp");
    assert!(
        devon
            .decision
            .guidance
            .as_deref()
            .unwrap()
            .contains("supervision"),
        "DEC-11"
    );
    let (_, harp) = panel("herts-harp");
    assert!(
        harp.decision
            .notify_on_approval
            .contains(&"brokerage".to_string()),
        "DEC-12"
    );
    assert!(
        harp.decision
            .guidance
            .as_deref()
            .unwrap()
            .contains("notice period"),
        "DEC-12"
    );
}

#[test]
fn eq_01_eq_03_equality_considerations_must_be_confirmed() {
    let (_, p) = panel("herts-ew-prp");
    for c in [
        "Race",
        "Religion/belief",
        "Gender",
        "Culture",
        "Linguistic background",
        "Disability",
        "Sexual orientation",
    ] {
        assert!(
            p.decision.considerations.iter().any(|x| x == c),
            "EQ-03 {c}"
        );
    }
    assert!(
        p.decision
            .considerations
            .iter()
            .any(|x| x.contains("Equality Act 2010")),
        "EQ-01"
    );
    let input = DecisionInput {
        outcome: "advice-and-guidance".into(),
        rationale: "Advice given".into(),
        considered: vec!["Race".into()],
        ..Default::default()
    };
    let errors = decision::check(p, Some("support-package"), d("2026-12-02"), &input).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.field == "considered.Sexual orientation")
    );
}

#[test]
fn eq_02_wishes_and_feelings_and_parents_views_are_required_on_every_form() {
    for policy in policies().policies() {
        for p in &policy.panels {
            for form in &p.forms {
                let required =
                    |pred: &dyn Fn(&str) -> bool| form.fields().any(|f| f.required && pred(&f.id));
                assert!(
                    required(&|id| id.contains("wishes")),
                    "{} {}",
                    p.id,
                    form.id
                );
                assert!(
                    required(&|id| id.contains("parent")),
                    "{} {}",
                    p.id,
                    form.id
                );
            }
        }
    }
}

#[test]
fn eq_04_ref_05_child_profile_fields_come_from_the_record_and_age_is_derived() {
    let (_, p) = panel("bexley-rcp");
    let form = p.form("bexley-referral").unwrap();
    let from_record: Vec<&str> = form
        .fields()
        .filter(|f| f.source.as_deref().is_some_and(|s| s.starts_with("child.")))
        .map(|f| f.id.as_str())
        .collect();
    for id in ["sos_ethnicity", "sos_disability", "sos_legal_status"] {
        assert!(from_record.contains(&id), "{id}");
    }
    let children = form.fields().find(|f| f.id == "children").unwrap();
    assert!(
        children
            .columns
            .iter()
            .any(|c| c.id == "age" && c.kind == FieldKind::Derived)
    );
}

#[test]
fn fin_01_costs_weekly_or_one_off_with_period_and_cost_centre() {
    let (_, p) = panel("herts-harp");
    let input = DecisionInput {
        outcome: "approved".into(),
        rationale: "Stabilises the placement".into(),
        considered: p.decision.considerations.clone(),
        return_date: Some(d("2027-03-03")),
        resources: vec![
            Resource {
                description: "Additional carer support".into(),
                weekly_cost: Some(Money::parse("123.45").unwrap()),
                one_off_cost: None,
                start: Some(d("2026-12-03")),
                end: Some(d("2026-12-09")),
                cost_centre: Some("CLA-0042".into()),
            },
            Resource {
                description: "Bed and bedding".into(),
                weekly_cost: None,
                one_off_cost: Some(Money::parse("300.00").unwrap()),
                start: None,
                end: None,
                cost_centre: None,
            },
        ],
        ..Default::default()
    };
    let ok = decision::check(
        p,
        Some("placement-additional-support"),
        d("2026-12-02"),
        &input,
    )
    .unwrap();
    assert_eq!(
        ok.resource_totals,
        vec![Money::parse("123.45").unwrap(), Money::from_pounds(300)]
    );
    assert_eq!(ok.total, Money::parse("423.45").unwrap());
    let mut open_ended = input.clone();
    open_ended.resources[0].end = None;
    let errors = decision::check(
        p,
        Some("placement-additional-support"),
        d("2026-12-02"),
        &open_ended,
    )
    .unwrap_err();
    assert_eq!(errors[0].field, "resources[0].end");
    let mut nothing = input;
    nothing.resources[1].one_off_cost = None;
    let errors = decision::check(
        p,
        Some("placement-additional-support"),
        d("2026-12-02"),
        &nothing,
    )
    .unwrap_err();
    assert_eq!(errors[0].requirement, "FIN-01");
}

#[test]
fn lnk_01_lnk_03_lnk_04_onward_referral_names_a_linked_panel() {
    let (_, p) = panel("herts-ew-prp");
    for link in ["risk-management-panel", "adoption-panel", "map"] {
        assert!(p.links.iter().any(|l| l.id == link), "{link}");
    }
    let (_, portsmouth) = panel("portsmouth-rp");
    assert!(
        portsmouth
            .links
            .iter()
            .any(|l| l.id == "high-support-needs-panel"),
        "LNK-04"
    );
    let input = DecisionInput {
        outcome: "refer-to-another-panel".into(),
        rationale: "Joint funding with education".into(),
        considered: p.decision.considerations.clone(),
        link: Some("nowhere".into()),
        ..Default::default()
    };
    let errors = decision::check(p, Some("support-package"), d("2026-12-02"), &input).unwrap_err();
    assert_eq!(errors[0].field, "link");
    assert_eq!(errors[0].requirement, "LNK-01");
    let fixed = DecisionInput {
        link: Some("map".into()),
        ..input
    };
    assert!(decision::check(p, Some("support-package"), d("2026-12-02"), &fixed).is_ok());
}

#[test]
fn lnk_02_map_referral_needs_a_professionals_meeting_first() {
    let (_, harp) = panel("herts-harp");
    let map = harp.links.iter().find(|l| l.id == "map").unwrap();
    assert!(
        map.when.to_lowercase().contains("professionals meeting"),
        "{}",
        map.when
    );
}

#[test]
fn mem_01_mem_07_membership_and_administrator_roles_per_panel() {
    for policy in policies().policies() {
        for p in &policy.panels {
            assert!(
                policy.role(&p.administrator_role).is_some(),
                "MEM-07 {}",
                p.id
            );
            assert!(!p.members.is_empty(), "MEM-01 {}", p.id);
            assert!(p.members.iter().all(|m| policy.role(&m.role).is_some()));
        }
    }
    let (_, devon) = panel("devon-prp");
    assert!(
        devon.members.iter().filter(|m| m.partner_agency).count() >= 4,
        "SEC-05 partners"
    );
}

#[test]
fn pap_02_papers_after_circulation_need_the_chair_at_harp() {
    let (_, harp) = panel("herts-harp");
    let papers = harp.papers.as_ref().unwrap();
    assert!(papers.after_circulation_needs_chair);
    assert_eq!(papers.working_days_before, 2);
}

#[test]
fn rec_03_rec_04_minutes_rules() {
    let (_, harp) = panel("herts-harp");
    assert!(
        harp.recording
            .minutes_copy_to
            .contains(&"independent-reviewing-manager".to_string())
    );
    assert!(
        harp.recording.presenters_see_own_items_only,
        "SEC-02 proposed"
    );
    let (_, portsmouth) = panel("portsmouth-rp");
    assert_eq!(
        portsmouth.recording.minutes,
        MinutesRule::WhereCapacityAllows
    );
}

#[test]
fn ref_03_ref_04_ref_08_bexley_appendix_a_fields() {
    let (_, p) = panel("bexley-rcp");
    let form = p.form("bexley-referral").unwrap();
    let ids: Vec<&str> = form.fields().map(|f| f.id.as_str()).collect();
    for id in [
        "worker_name",
        "team",
        "referral_date",
        "children",
        "family_members",
        "support_network",
        "family_network_meeting",
        "safety_plan",
        "no_explanation",
        "main_issues",
        "decisions_sought",
        "parents_views",
        "child_wishes_feelings",
        "projected_weekly_cost",
        "projected_weeks",
        "past_harm",
        "future_danger",
        "complicating_factors",
        "existing_strengths",
        "existing_safety",
        "next_steps",
        "danger_statement",
        "safety_goals",
        "scaling",
        "services_tried",
    ] {
        assert!(ids.contains(&id), "{id}");
    }
    let scaling = form.fields().find(|f| f.id == "scaling").unwrap();
    let scale = scaling
        .columns
        .iter()
        .find(|c| c.kind == FieldKind::Scale)
        .unwrap();
    assert_eq!(
        (scale.min, scale.max),
        (Some(0), Some(10)),
        "REF-04 scaling 0-10"
    );
}

#[test]
fn ref_07_additional_reports_need_the_chairs_agreement() {
    let mut f = complete_facts("bexley-rcp", "single-request-over-1000");
    f.approved_by = roles(&["team-manager", "service-manager"]);
    assert!(gaps("bexley-rcp", &f, "2026-12-03").is_empty());
    f.documents
        .insert("additional-report".into(), Some(d("2026-11-20")));
    assert_eq!(
        gaps("bexley-rcp", &f, "2026-12-03"),
        vec!["additional-report-chair-agreement"]
    );
    f.approved_by.push("deputy-director".into());
    assert!(gaps("bexley-rcp", &f, "2026-12-03").is_empty());
}

#[test]
fn ref_09_ref_10_harp_exit_strategy_and_alternatives() {
    let (_, p) = panel("herts-harp");
    let form = p.form("harp-referral").unwrap();
    assert!(
        form.fields()
            .any(|f| f.id == "support_plan_exit_strategy" && f.required)
    );
    let mut f = complete_facts("herts-harp", "long-term-ifa");
    f.approved_by = roles(&["team-manager"]);
    // An external placement needs evidence that alternatives were sought (REF-09).
    assert_eq!(
        gaps("herts-harp", &f, "2026-12-02"),
        vec!["external-placement-alternatives"]
    );
    f.documents.insert(
        "external-placement-alternatives".into(),
        Some(d("2026-11-20")),
    );
    assert!(
        gaps("herts-harp", &f, "2026-12-02").is_empty(),
        "{:?}",
        gaps("herts-harp", &f, "2026-12-02")
    );
    f.answers.remove("ltifa_alternatives_explored");
    assert!(
        gaps("herts-harp", &f, "2026-12-02").contains(&"long-term-ifa-alternatives".to_string())
    );
}

#[test]
fn ref_13_ref_14_ref_15_devon_private_therapy_welfare_checklist_and_eclipse_links() {
    let mut f = complete_facts("devon-prp", "prevention-community-support");
    assert!(
        gaps("devon-prp", &f, "2026-12-01").is_empty(),
        "{:?}",
        gaps("devon-prp", &f, "2026-12-01")
    );
    f.answers
        .insert("private_therapy_requested".into(), text("yes"));
    f.answers.remove("partner_services_unable");
    let g = gaps("devon-prp", &f, "2026-12-01");
    assert!(
        g.contains(&"private-therapy-justified".to_string()),
        "REF-13 {g:?}"
    );
    let mut w = complete_facts("devon-prp", "prevention-community-support");
    w.answers.remove("likely_effect_of_change");
    assert!(
        gaps("devon-prp", &w, "2026-12-01").contains(&"welfare-checklist".to_string()),
        "REF-14"
    );
    let mut e = complete_facts("devon-prp", "nrpf");
    e.answers.remove("supervision_record_link");
    assert!(
        gaps("devon-prp", &e, "2026-12-01").contains(&"eclipse-records".to_string()),
        "REF-15"
    );
}

#[test]
fn ref_18_rem_01_rem_03_rem_05_remit_categories_and_routes() {
    let mut f = complete_facts("devon-prp", "nrpf");
    f.category = "independent-fostering-agency".into();
    let (policy, p) = panel("devon-prp");
    let m = missing(&Context {
        policy,
        panel: p,
        facts: &f,
        panel_date: d("2026-12-01"),
    });
    assert_eq!(m[0].kind, MissingKind::Remit);
    assert!(
        m[0].message.contains("Independent Fostering"),
        "REM-03 {}",
        m[0].message
    );
    f.category = "made-up".into();
    let m = missing(&Context {
        policy,
        panel: p,
        facts: &f,
        panel_date: d("2026-12-01"),
    });
    assert!(m[0].message.contains("not one of"), "REF-18");
    // REM-05: beyond the remit (joint funding) the outcome is Defer to a chosen meeting.
    let (_, bexley) = panel("bexley-rcp");
    assert!(bexley.outcome("deferred").unwrap().requires_meeting);
    assert!(
        bexley
            .out_of_remit
            .iter()
            .any(|o| o.id == "joint-funding-health-education")
    );
}

#[test]
fn ref_19_every_form_carries_the_childs_case_system_id() {
    for policy in policies().policies() {
        assert!(!policy.council.case_system.is_empty());
        for p in &policy.panels {
            for form in &p.forms {
                assert!(
                    form.fields().any(|f| f.id.ends_with("_id") && f.required),
                    "{} {}",
                    p.id,
                    form.id
                );
            }
        }
    }
}

#[test]
fn ref_20_the_time_that_counts_is_when_the_signed_referral_was_submitted() {
    // The chain completes only with the last sign-off; until then nothing is listed.
    let chain = roles(&["team-manager", "service-manager"]);
    let s = ReferralState::AwaitingSignOff { step: 1 };
    assert!(
        s.apply(Event::List {
            meeting: "m".into()
        })
        .is_err()
    );
    let submitted = s
        .apply(Event::SignOff {
            role: "service-manager".into(),
            chain,
        })
        .unwrap();
    assert_eq!(submitted, ReferralState::Submitted);
    // Listing is computed from that submission time.
    let sch = sched("bexley-rcp");
    assert_eq!(
        sch.listing(t("2026-11-30T23:59"), SubmissionKind::default())
            .unwrap()
            .meeting
            .date,
        d("2026-12-03")
    );
    assert_eq!(
        sch.listing(t("2026-12-01T00:00"), SubmissionKind::default())
            .unwrap()
            .meeting
            .date,
        d("2026-12-10")
    );
}

#[test]
fn rev_04_rev_05_returns_set_by_the_chair() {
    let (_, devon) = panel("devon-prp");
    assert!(
        devon.outcome("further-work").unwrap().requires_return,
        "REV-04"
    );
    let (_, bexley) = panel("bexley-rcp");
    assert!(
        bexley.outcome("return-to-panel").unwrap().requires_return,
        "REV-05"
    );
    let r = review(
        &sched("bexley-rcp"),
        d("2026-12-03"),
        &ReviewBasis::Category("newly-looked-after".into()),
    )
    .unwrap();
    assert_eq!(r.review_due, None, "the chair sets a date or frequency");
    assert!(!r.chair_must_set);
}

#[test]
fn rev_07_review_booked_at_the_latest_meeting_on_or_before_the_due_date() {
    let s = sched("bexley-rcp");
    // Due Sunday 2027-03-07: the latest Thursday on or before is 2027-03-04.
    let r = review(&s, d("2026-12-07"), &ReviewBasis::Until(d("2027-03-07"))).unwrap();
    assert_eq!(r.meeting.unwrap().date, d("2027-03-04"));
    // A due date on a skipped bank-holiday meeting books the one before it.
    let dv = sched("devon-prp");
    let r = review(&dv, d("2027-12-01"), &ReviewBasis::Until(d("2027-12-28"))).unwrap();
    assert_eq!(r.meeting.unwrap().date, d("2027-12-21"));
}

#[test]
fn rev_08_failure_to_return_is_stated_where_the_terms_of_reference_state_it() {
    for (id, words) in [
        ("herts-harp", "resources being stopped"),
        ("bexley-rcp", "funding for the resource being ended"),
    ] {
        let (_, p) = panel(id);
        assert!(
            p.reviews
                .failure_to_return
                .as_deref()
                .unwrap()
                .contains(words),
            "{id}"
        );
    }
}

#[test]
fn sched_07_portsmouth_missing_documents_keep_the_child_off_the_agenda() {
    let (_, p) = panel("portsmouth-rp");
    let blocking: Vec<&str> = p
        .documents
        .iter()
        .filter(|d| d.blocks_listing)
        .map(|d| d.id.as_str())
        .collect();
    assert!(blocking.contains(&"assessment"));
    assert!(blocking.contains(&"genogram"));
}

#[test]
fn sign_04_psp_needs_the_team_managers_agreement() {
    let mut f = complete_facts("herts-harp-psp", "placement-at-risk");
    assert_eq!(
        gaps("herts-harp-psp", &f, "2026-12-02"),
        vec!["team-manager"]
    );
    f.approved_by = roles(&["team-manager"]);
    assert!(gaps("herts-harp-psp", &f, "2026-12-02").is_empty());
}
