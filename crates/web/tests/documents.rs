//! The PDFs made from the demo record, read back with `pdftotext`: the pack of a meeting to
//! come, the minutes of a meeting held (register, declarations, decisions; every view logged,
//! SEC-02) and a decision sheet (REC-06), on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carepanel_app::App;
use carepanel_app::panel_work::AttendanceStatus;
use carepanel_documents::pdf;
use carepanel_store::entity::{agenda_item, child, decision, meeting, person, referral};
use carepanel_store::testing::Backend;
use carepanel_web::documents::{decision_doc, minutes_doc, pack_doc, typeset};
use common::demo_world;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::io::Write;

fn text_of(pdf: &[u8]) -> String {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(file.path())
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed");
    assert!(out.status.success());
    // pdftotext breaks long lines; the checks below look for words, not layout.
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn actor_by_email(app: &App, email: &str) -> carepanel_app::Actor {
    let p = person::Entity::find()
        .filter(person::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no demo account {email}"));
    app.actor(&p.id).await.unwrap()
}

#[tokio::test]
async fn sec_02_rec_06_pack_minutes_and_decision_sheet_from_the_record() {
    for backend in Backend::ALL {
        let (t, app) = demo_world(backend).await;
        let admin = actor_by_email(&app, "admin.bexley-rcp@bexley.example").await;
        let member = actor_by_email(&app, "panel-member@bexley.example").await;

        // A meeting held, with decisions on it.
        let decided = decision::Entity::find()
            .filter(decision::Column::PanelId.eq("bexley-rcp"))
            .order_by_desc(decision::Column::DecidedAt)
            .one(&app.db)
            .await
            .unwrap()
            .expect("the demo has Bexley decisions");
        let item = agenda_item::Entity::find_by_id(decided.agenda_item_id.clone())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let held = item.meeting_id.clone();
        let on_it = decision::Entity::find()
            .filter(
                decision::Column::AgendaItemId.is_in(
                    agenda_item::Entity::find()
                        .filter(agenda_item::Column::MeetingId.eq(held.clone()))
                        .all(&app.db)
                        .await
                        .unwrap()
                        .into_iter()
                        .map(|i| i.id),
                ),
            )
            .all(&app.db)
            .await
            .unwrap();

        // The member declares an interest; the administrator records the member's apologies.
        app.declare_interest(&member, &item.id, "Knows the family through school")
            .await
            .unwrap();
        app.record_register(
            &admin,
            &held,
            &member.person_id,
            AttendanceStatus::Apologies,
            None,
        )
        .await
        .unwrap();

        let doc = minutes_doc(&app, &admin, &held).await.unwrap();
        assert!(doc.items.iter().filter(|i| i.outcome.is_some()).count() >= on_it.len());
        let text = text_of(&typeset(&app, doc, pdf::minutes_pdf).await.unwrap());
        let (_, panel) = app.panel("bexley-rcp").unwrap();
        assert!(
            text.contains(&words(&format!("Minutes of the {}", panel.name))),
            "{text}"
        );
        assert!(text.contains("Knows the family through school"), "{text}");
        assert!(text.contains("No: excluded"), "{text}");
        for d in &on_it {
            let label = &panel
                .outcomes
                .iter()
                .find(|o| o.id == d.outcome)
                .unwrap()
                .label;
            assert!(text.contains(&words(label)), "{label} missing: {text}");
            assert!(
                text.contains(&words(&d.rationale)),
                "rationale missing: {text}"
            );
        }
        // Every view of the minutes is logged (SEC-02).
        let logged = carepanel_store::entity::audit_event::Entity::find()
            .filter(carepanel_store::entity::audit_event::Column::Action.eq("minutes.read"))
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(logged.len(), 1, "{backend:?}");
        let apologies = text.split("Apologies").nth(1).unwrap();
        let member_name = person::Entity::find_by_id(member.person_id.clone())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .name;
        assert!(apologies.contains(&words(&member_name)), "{text}");

        // Its decision sheet.
        let (sheet, _) = decision_doc(&app, &admin, &decided.id).await.unwrap();
        let text = text_of(&typeset(&app, sheet, pdf::decision_pdf).await.unwrap());
        assert!(text.contains("Decision sheet"));
        assert!(text.contains(&words(&decided.rationale)), "{text}");
        assert!(text.contains("OFFICIAL-SENSITIVE"));

        // The pack of the next meeting with items listed: each child by name, in order.
        let next = meeting::Entity::find()
            .filter(meeting::Column::PanelId.eq("bexley-rcp"))
            .filter(meeting::Column::Status.eq("scheduled"))
            .filter(meeting::Column::StartsAt.gt("2026-11-25T09:00"))
            .order_by_asc(meeting::Column::StartsAt)
            .all(&app.db)
            .await
            .unwrap();
        let mut packed = 0;
        for m in next {
            let listed = agenda_item::Entity::find()
                .filter(agenda_item::Column::MeetingId.eq(m.id.clone()))
                .filter(agenda_item::Column::Status.eq("listed"))
                .all(&app.db)
                .await
                .unwrap();
            if listed.is_empty() {
                continue;
            }
            let doc = pack_doc(&app, &admin, &m.id).await.unwrap();
            let text = text_of(&typeset(&app, doc, pdf::pack_pdf).await.unwrap());
            for i in listed {
                let Some(rid) = i.referral_id else { continue };
                let r = referral::Entity::find_by_id(rid)
                    .one(&app.db)
                    .await
                    .unwrap()
                    .unwrap();
                let c = child::Entity::find_by_id(r.child_id)
                    .one(&app.db)
                    .await
                    .unwrap()
                    .unwrap();
                assert!(text.contains(&words(&c.name)), "{} missing: {text}", c.name);
            }
            assert!(
                text.contains("Panel pack") && text.contains("Agenda"),
                "{text}"
            );
            packed += 1;
            break;
        }
        assert_eq!(packed, 1, "no Bexley meeting to come has items listed");

        // Someone outside the panel gets no pack and no minutes.
        let worker = actor_by_email(&app, "worker11@bexley.example").await;
        assert!(pack_doc(&app, &worker, &held).await.is_err());
        assert!(minutes_doc(&app, &worker, &held).await.is_err());
        t.drop_schema().await;
    }
}
