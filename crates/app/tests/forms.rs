//! A form's sections that apply only in some cases are asked only then: Portsmouth's review
//! section for reviews and renewals, its urgent section for emergencies (REF-01).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carepanel_app::referrals::NewReferral;
use carepanel_app::setup::NewChild;
use carepanel_store::testing::Backend;
use common::*;

#[tokio::test]
async fn portsmouth_sections_apply_by_category_and_emergency() {
    let (t, app, _) = fresh(Backend::Sqlite, "2026-11-26T10:00").await;
    app.ensure_council("portsmouth").await.unwrap();
    let team = app.create_team("portsmouth", "Early Help").await.unwrap();
    let sw = app
        .create_person(
            "portsmouth",
            Some(&team),
            "Sam Worker",
            "sw@p.example",
            &[("social-worker", None)],
        )
        .await
        .unwrap();
    let child = app
        .register_child(
            &sw,
            NewChild {
                case_system: "Mosaic",
                case_system_id: "M-1",
                name: "Child One",
                date_of_birth: chrono::NaiveDate::from_ymd_opt(2015, 1, 1).unwrap(),
                sex: None,
                ethnicity: None,
                disability: None,
                legal_status: None,
                looked_after: false,
            },
        )
        .await
        .unwrap();
    let mut applying = Vec::new();
    for (category, emergency) in [
        ("outreach", false),
        ("package-review", false),
        ("outreach", true),
    ] {
        let id = app
            .create_draft(
                &sw,
                NewReferral {
                    panel_id: "portsmouth-rp".into(),
                    category: category.into(),
                    child_id: child.clone(),
                    emergency,
                    children: 1,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let v = app.referral_view(&sw, &id).await.unwrap();
        assert_eq!(v.form.as_ref().unwrap().id, "pcc-general");
        applying.push(v.sections_applying);
    }
    let has = |i: usize, s: &str| applying[i].iter().any(|x| x == s);
    assert!(has(0, "needs") && has(0, "request"));
    assert!(!has(0, "review") && !has(0, "urgent"), "{:?}", applying[0]);
    assert!(has(1, "review") && !has(1, "urgent"), "{:?}", applying[1]);
    assert!(!has(2, "review") && has(2, "urgent"), "{:?}", applying[2]);
    t.drop_schema().await;
}
