//! The chair prioritises an over-full agenda; items not prioritised roll to the next meeting
//! (AGD-02), on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carepanel_store::entity::{agenda_item, meeting, referral};
use carepanel_store::testing::Backend;
use common::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

#[tokio::test]
async fn agd_02_chair_prioritises_and_the_rest_roll_on() {
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
        let chair = app
            .create_person(
                "hertfordshire",
                None,
                "Ash Chair",
                "ac@h.example",
                &[("head-of-assessment", Some("herts-ew-prp"))],
            )
            .await
            .unwrap();
        for n in 0..7 {
            let id = ew_draft(&app, &sw, &format!("LCS-Q{n}")).await;
            app.send(&sw, &id).await.unwrap();
        }
        let m = meeting::Entity::find()
            .filter(meeting::Column::StartsAt.eq("2026-12-02T09:30"))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let items = agenda_item::Entity::find()
            .filter(agenda_item::Column::MeetingId.eq(m.id.clone()))
            .order_by_asc(agenda_item::Column::Position)
            .all(&app.db)
            .await
            .unwrap();
        let waiting: Vec<&agenda_item::Model> =
            items.iter().filter(|i| i.status == "for-chair").collect();
        assert_eq!(waiting.len(), 2, "{backend:?}");
        // The chair puts the last referral first.
        let last = waiting[1].id.clone();
        let not_chair = app
            .prioritise(&sw, &m.id, std::slice::from_ref(&last))
            .await;
        assert!(not_chair.is_err());
        let p = app
            .prioritise(&chair, &m.id, std::slice::from_ref(&last))
            .await
            .unwrap();
        assert_eq!(p.heard.len(), 5);
        assert_eq!(p.heard[0], last);
        assert_eq!(p.rolled.len(), 2);
        let next = meeting::Entity::find_by_id(p.rolled[0].1.clone())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(next.starts_at, "2026-12-09T09:30");
        assert_eq!(next.units_used, 2);
        let m = meeting::Entity::find_by_id(m.id.clone())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.units_used, 5);
        // The rolled referrals are listed on the next meeting.
        let rolled_ref = referral::Entity::find()
            .filter(referral::Column::MeetingId.eq(next.id.clone()))
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(rolled_ref.len(), 2);
        assert!(rolled_ref.iter().all(|r| r.state == "listed"));
        carepanel_store::audit::verify(&app.db).await.unwrap();
        t.drop_schema().await;
    }
}
