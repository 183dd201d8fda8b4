//! The coordinator's meeting work: cancelling a meeting with its authoriser recorded, which
//! moves what waited on it to the next meeting held (CAL-07), and the attendance register with
//! apologies and cover (MEM-04, MEM-05), on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carepanel_app::AppError;
use carepanel_app::panel_work::AttendanceStatus;
use carepanel_store::entity::{agenda_item, meeting, outbox, referral};
use carepanel_store::testing::Backend;
use common::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

fn fields(e: &AppError) -> Vec<String> {
    match e {
        AppError::Invalid(errs) => errs
            .iter()
            .map(|f| format!("{} {}", f.field, f.requirement))
            .collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

#[tokio::test]
async fn cal_07_cancel_with_the_authoriser_recorded_moves_everything_to_the_next_meeting() {
    for backend in Backend::ALL {
        let (t, app, _) = fresh(backend, "2026-11-26T10:00").await;
        app.ensure_council("hertfordshire").await.unwrap();
        let team = app
            .create_team("hertfordshire", "Assessment")
            .await
            .unwrap();
        let sw = app
            .create_person(
                "hertfordshire",
                Some(&team),
                "Rowan Worker",
                "rw@h.example",
                &[("social-worker", None)],
            )
            .await
            .unwrap();
        let coordinator = app
            .create_person(
                "hertfordshire",
                None,
                "Ira Coordinator",
                "ic@h.example",
                &[("panel-coordinator", Some("herts-ew-prp"))],
            )
            .await
            .unwrap();
        let head = app
            .create_person(
                "hertfordshire",
                None,
                "Ash Head",
                "ah@h.example",
                &[("head-of-assessment", Some("herts-ew-prp"))],
            )
            .await
            .unwrap();
        for n in 0..2 {
            let id = ew_draft(&app, &sw, &format!("LCS-C{n}")).await;
            app.send(&sw, &id).await.unwrap();
        }
        let m = meeting::Entity::find()
            .filter(meeting::Column::StartsAt.eq("2026-12-02T09:30"))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.units_used, 2, "{backend:?}");

        // A social worker may not cancel; the administrator must say who agreed and why.
        let refused = app
            .cancel_meeting(&sw, &m.id, &head.person_id, "Chair unwell")
            .await
            .unwrap_err();
        assert!(matches!(refused, AppError::Forbidden { .. }), "{refused:?}");
        let missing = app
            .cancel_meeting(&coordinator, &m.id, "", "  ")
            .await
            .unwrap_err();
        assert_eq!(
            fields(&missing),
            vec!["reason CAL-07", "authoriser CAL-07"],
            "{backend:?}"
        );
        // The worker holds no authoriser role, so their agreement does not count.
        let wrong = app
            .cancel_meeting(&coordinator, &m.id, &sw.person_id, "Chair unwell")
            .await
            .unwrap_err();
        assert_eq!(fields(&wrong), vec!["authoriser CAL-07"]);
        let AppError::Invalid(errs) = &wrong else {
            unreachable!()
        };
        assert!(
            errs[0].message.contains("Head of Assessment"),
            "{}",
            errs[0].message
        );

        let done = app
            .cancel_meeting(&coordinator, &m.id, &head.person_id, "Chair unwell")
            .await
            .unwrap();
        assert_eq!(done.moved_to.starts_at, "2026-12-09T09:30", "{backend:?}");
        assert_eq!(done.items, 2);
        assert_eq!(done.authoriser_role, "head-of-assessment");
        let m = meeting::Entity::find_by_id(m.id.clone())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.status, "cancelled");
        assert_eq!(m.cancelled_by.as_deref(), Some(head.person_id.as_str()));
        assert_eq!(m.cancel_reason.as_deref(), Some("Chair unwell"));
        let moved = referral::Entity::find()
            .filter(referral::Column::MeetingId.eq(done.moved_to.id.clone()))
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(moved.len(), 2);
        assert!(moved.iter().all(|r| r.state == "listed"));
        let next = meeting::Entity::find_by_id(done.moved_to.id.clone())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(next.units_used, 2);
        let old_items = agenda_item::Entity::find()
            .filter(agenda_item::Column::MeetingId.eq(m.id.clone()))
            .all(&app.db)
            .await
            .unwrap();
        assert!(old_items.iter().all(|i| i.status == "rolled"));

        // Each presenter is told, in the same transaction as the move (AGD-02).
        let moved = outbox::Entity::find()
            .filter(outbox::Column::Kind.eq("item-moved"))
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(moved.len(), 2, "{backend:?}");
        assert!(
            moved
                .iter()
                .all(|m| m.recipient == "Rowan Worker <rw@h.example>")
        );
        assert!(
            moved[0]
                .subject
                .contains("Wednesday 9 December 2026 at 09:30"),
            "{}",
            moved[0].subject
        );
        assert!(
            moved[0].body.contains("was cancelled (CAL-07)"),
            "{}",
            moved[0].body
        );
        assert!(
            !moved[0].body.contains("Child LCS-C"),
            "no child's name in email"
        );
        let listed = outbox::Entity::find()
            .filter(outbox::Column::Kind.eq("referral-listed"))
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(listed.len(), 2);
        // A referral sent now passes over the cancelled meeting.
        let late = ew_draft(&app, &sw, "LCS-C9").await;
        app.send(&sw, &late).await.unwrap();
        let r = referral::Entity::find_by_id(late)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.meeting_id.as_deref(), Some(next.id.as_str()));

        // A meeting is cancelled once.
        let again = app
            .cancel_meeting(&coordinator, &m.id, &head.person_id, "Again")
            .await
            .unwrap_err();
        assert!(matches!(again, AppError::Refused { .. }), "{again:?}");
        carepanel_store::audit::verify(&app.db).await.unwrap();
        t.drop_schema().await;
    }
}

#[tokio::test]
async fn mem_05_register_with_apologies_and_cover() {
    for backend in Backend::ALL {
        let (t, app, _) = fresh(backend, "2026-11-26T10:00").await;
        app.ensure_council("hertfordshire").await.unwrap();
        let team = app
            .create_team("hertfordshire", "Assessment")
            .await
            .unwrap();
        let sw = app
            .create_person(
                "hertfordshire",
                Some(&team),
                "Rowan Worker",
                "rw@h.example",
                &[("social-worker", None)],
            )
            .await
            .unwrap();
        let coordinator = app
            .create_person(
                "hertfordshire",
                None,
                "Ira Coordinator",
                "ic@h.example",
                &[("panel-coordinator", Some("herts-ew-prp"))],
            )
            .await
            .unwrap();
        let member = app
            .create_person(
                "hertfordshire",
                None,
                "Bo Manager",
                "bm@h.example",
                &[("service-manager-assessment", Some("herts-ew-prp"))],
            )
            .await
            .unwrap();
        let deputy = app
            .create_person(
                "hertfordshire",
                None,
                "Cy Deputy",
                "cd@h.example",
                &[("service-manager-sash", Some("herts-ew-prp"))],
            )
            .await
            .unwrap();
        let id = ew_draft(&app, &sw, "LCS-R1").await;
        app.send(&sw, &id).await.unwrap();
        let m = meeting::Entity::find()
            .filter(meeting::Column::StartsAt.eq("2026-12-02T09:30"))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let reg = app.attendance_register(&coordinator, &m.id).await.unwrap();
        let names: Vec<&str> = reg.lines.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, vec!["Bo Manager", "Cy Deputy"], "{backend:?}");
        assert!(reg.administers);
        assert!(reg.lines.iter().all(|l| l.status.is_none()));
        // The social worker does not work the panel.
        assert!(app.attendance_register(&sw, &m.id).await.is_err());

        // The member gives their own apologies, six days ahead: not short notice.
        let notice = app
            .record_register(
                &member,
                &m.id,
                &member.person_id,
                AttendanceStatus::Apologies,
                None,
            )
            .await
            .unwrap();
        assert_eq!(notice, None);
        // A cover request goes to the coordinator, not to the member who is away (MEM-04).
        let cover = queued(&app, "cover-requested").await;
        assert_eq!(recipients(&cover), vec!["ic@h.example"], "{backend:?}");
        assert!(cover[0].body.contains("Bo Manager"), "{}", cover[0].body);
        // A member may not record for someone else.
        let other = app
            .record_register(
                &member,
                &m.id,
                &deputy.person_id,
                AttendanceStatus::Present,
                None,
            )
            .await
            .unwrap_err();
        assert!(matches!(other, AppError::Forbidden { .. }), "{other:?}");
        // Only the administrator records cover.
        let self_cover = app
            .record_register(
                &deputy,
                &m.id,
                &deputy.person_id,
                AttendanceStatus::Cover,
                Some(&member.person_id),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(self_cover, AppError::Forbidden { .. }),
            "{self_cover:?}"
        );
        // Cover must say whose place it takes.
        let no_one = app
            .record_register(
                &coordinator,
                &m.id,
                &deputy.person_id,
                AttendanceStatus::Cover,
                Some(""),
            )
            .await
            .unwrap_err();
        assert_eq!(fields(&no_one), vec!["cover_for MEM-04"]);
        app.record_register(
            &coordinator,
            &m.id,
            &deputy.person_id,
            AttendanceStatus::Cover,
            Some(&member.person_id),
        )
        .await
        .unwrap();
        let reg = app.attendance_register(&coordinator, &m.id).await.unwrap();
        let line = |n: &str| reg.lines.iter().find(|l| l.name == n).unwrap();
        assert_eq!(line("Bo Manager").status.as_deref(), Some("apologies"));
        assert_eq!(line("Cy Deputy").status.as_deref(), Some("cover"));
        assert_eq!(line("Cy Deputy").cover_for.as_deref(), Some("Bo Manager"));
        t.drop_schema().await;
    }
}

#[tokio::test]
async fn pap_03_the_pack_after_circulation_and_pap_04_pre_meeting_notes() {
    for backend in Backend::ALL {
        let (t, app, _) = fresh(backend, "2026-11-26T10:00").await;
        app.ensure_council("hertfordshire").await.unwrap();
        let team = app
            .create_team("hertfordshire", "Assessment")
            .await
            .unwrap();
        let sw = app
            .create_person(
                "hertfordshire",
                Some(&team),
                "Rowan Worker",
                "rw@h.example",
                &[("social-worker", None)],
            )
            .await
            .unwrap();
        let coordinator = app
            .create_person(
                "hertfordshire",
                None,
                "Ira Coordinator",
                "ic@h.example",
                &[("panel-coordinator", Some("herts-ew-prp"))],
            )
            .await
            .unwrap();
        let member = app
            .create_person(
                "hertfordshire",
                None,
                "Bo Manager",
                "bm@h.example",
                &[("service-manager-assessment", Some("herts-ew-prp"))],
            )
            .await
            .unwrap();
        let id = ew_draft(&app, &sw, "LCS-P1").await;
        app.send(&sw, &id).await.unwrap();
        let m = meeting::Entity::find()
            .filter(meeting::Column::StartsAt.eq("2026-12-02T09:30"))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        // Members see the pack once the papers go out; the administrator before.
        let early = app.pack(&member, &m.id).await.unwrap_err();
        assert!(early.to_string().contains("PAP-03"), "{early}");
        assert_eq!(app.pack(&coordinator, &m.id).await.unwrap().items.len(), 1);
        assert!(matches!(
            app.pack(&sw, &m.id).await.unwrap_err(),
            AppError::Forbidden { .. }
        ));
        app.circulate_papers(&coordinator, &m.id).await.unwrap();
        // The members are told, with the meeting's invitation; the links are absolute once
        // the service's address is known.
        let papers = queued(&app, "papers-circulated").await;
        assert!(
            recipients(&papers).contains(&"bm@h.example".to_string()),
            "{backend:?}"
        );
        assert!(!recipients(&papers).contains(&"rw@h.example".to_string()));
        let mailer = Collector::at("https://panels.example/");
        app.deliver_due(&mailer, 100).await.unwrap();
        let sent = mailer.sent.lock().unwrap().clone();
        let to_member = sent
            .iter()
            .find(|o| o.to.contains("bm@h.example") && o.subject.contains("papers"))
            .unwrap();
        let link = format!("https://panels.example/meetings/{}/pack", m.id);
        assert!(to_member.text.contains(&link), "{}", to_member.text);
        assert!(
            to_member.html.contains(&format!("<a href=\"{link}\">")),
            "{}",
            to_member.html
        );
        let invitation = to_member.calendar.as_deref().unwrap();
        assert!(invitation.contains("METHOD:REQUEST"), "{invitation}");
        assert!(invitation.contains(&format!("UID:meeting-{}@carepanel", m.id)));
        let pack = app.pack(&member, &m.id).await.unwrap();
        assert_eq!(pack.items.len(), 1, "{backend:?}");
        let item = &pack.items[0];
        let r = item.referral.as_ref().unwrap();
        assert_eq!(r.referral.id, id);
        assert_eq!(r.child.case_system_id, "LCS-P1");
        assert!(r.form.is_some());

        // A member's note: kept, replaced, shown with their role, removed when emptied.
        let item_id = item.item.id.clone();
        app.save_note(&member, &item_id, "Known to our service since 2024.")
            .await
            .unwrap();
        app.save_note(&member, &item_id, "  Known to our service since 2023.  ")
            .await
            .unwrap();
        let pack = app.pack(&member, &m.id).await.unwrap();
        let notes = &pack.items[0].notes;
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].note.note, "Known to our service since 2023.");
        assert_eq!(notes[0].author, "Bo Manager");
        assert!(
            notes[0].role.starts_with("Service Manager"),
            "{}",
            notes[0].role
        );
        assert_eq!(
            app.item_notes(&coordinator, &item_id).await.unwrap().len(),
            1
        );
        let too_long = "x".repeat(carepanel_app::pack::MAX_NOTE + 1);
        assert_eq!(
            fields(
                &app.save_note(&member, &item_id, &too_long)
                    .await
                    .unwrap_err()
            ),
            vec!["note PAP-04"]
        );
        assert!(matches!(
            app.save_note(&sw, &item_id, "Not mine to write")
                .await
                .unwrap_err(),
            AppError::Forbidden { .. }
        ));
        app.save_note(&member, &item_id, "   ").await.unwrap();
        assert!(app.item_notes(&member, &item_id).await.unwrap().is_empty());
        carepanel_store::audit::verify(&app.db).await.unwrap();
        t.drop_schema().await;
    }
}

#[tokio::test]
async fn invitations_for_the_meeting_and_the_presenters_slot_and_their_cancellation() {
    use carepanel_documents::ical::Method;
    let (t, app, _) = fresh(Backend::Sqlite, "2026-11-26T10:00").await;
    app.ensure_council("hertfordshire").await.unwrap();
    let team = app
        .create_team("hertfordshire", "Assessment")
        .await
        .unwrap();
    let sw = app
        .create_person(
            "hertfordshire",
            Some(&team),
            "Rowan Worker",
            "rw@h.example",
            &[("social-worker", None)],
        )
        .await
        .unwrap();
    let coordinator = app
        .create_person(
            "hertfordshire",
            None,
            "Ira Coordinator",
            "ic@h.example",
            &[("panel-coordinator", Some("herts-ew-prp"))],
        )
        .await
        .unwrap();
    let head = app
        .create_person(
            "hertfordshire",
            None,
            "Ash Head",
            "ah@h.example",
            &[("head-of-assessment", Some("herts-ew-prp"))],
        )
        .await
        .unwrap();
    for n in 0..2 {
        let id = ew_draft(&app, &sw, &format!("LCS-I{n}")).await;
        app.send(&sw, &id).await.unwrap();
    }
    let m = meeting::Entity::find()
        .filter(meeting::Column::StartsAt.eq("2026-12-02T09:30"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let inv = app.meeting_invitation(&coordinator, &m.id).await.unwrap();
    assert_eq!(inv.method, Method::Request);
    let e = &inv.events[0];
    assert_eq!(e.uid, format!("meeting-{}@carepanel", m.id));
    assert_eq!(e.start.to_string(), "2026-12-02 09:30:00");
    assert!(e.end > e.start);
    assert_eq!(
        e.organizer.as_ref().map(|p| p.email.as_str()),
        Some("ic@h.example")
    );
    assert!(e.attendees.iter().any(|p| p.email == "ah@h.example"));
    assert!(e.description.contains("Running order"), "{}", e.description);
    // No child's name goes into a calendar.
    assert!(!e.description.contains("Child LCS-I"), "{}", e.description);
    assert!(app.meeting_invitation(&sw, &m.id).await.is_err());

    // The presenter's slot: the second item starts after the first.
    let items = agenda_item::Entity::find()
        .filter(agenda_item::Column::MeetingId.eq(m.id.clone()))
        .filter(agenda_item::Column::Status.eq("listed"))
        .all(&app.db)
        .await
        .unwrap();
    let mut slots = Vec::new();
    for i in &items {
        let inv = app.slot_invitation(&sw, &i.id).await.unwrap();
        assert_eq!(inv.method, Method::Request);
        assert_eq!(inv.events[0].attendees[0].email, "rw@h.example");
        slots.push(inv.events[0].start);
    }
    slots.sort();
    assert_eq!(slots.len(), 2);
    assert!(slots[0] < slots[1], "{slots:?}");
    assert_eq!(slots[0].to_string(), "2026-12-02 09:30:00");

    // Cancelled: the meeting's invitation becomes a cancellation with a higher sequence, and so
    // does each slot on it.
    app.cancel_meeting(&coordinator, &m.id, &head.person_id, "No quorum")
        .await
        .unwrap();
    let cancelled = app.meeting_invitation(&coordinator, &m.id).await.unwrap();
    assert_eq!(cancelled.method, Method::Cancel);
    assert_eq!(cancelled.events[0].uid, e.uid);
    assert!(cancelled.events[0].sequence > e.sequence);
    let slot = app.slot_invitation(&sw, &items[0].id).await.unwrap();
    assert_eq!(slot.method, Method::Cancel);
    t.drop_schema().await;
}
