//! Single sign-on, the carepanel side, on both backends: a started sign-in is used once and
//! expires; a provider's subject is linked to the account with the same address in the same
//! council, then found by its link; managed roles follow the claims (given, then taken away)
//! while other roles stay; unknown, disabled and other councils' accounts are refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carepanel_app::AppError;
use carepanel_app::sso::SsoSignIn;
use carepanel_store::entity::{audit_event, person_role, sso_identity};
use carepanel_store::testing::Backend;
use common::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

const ISSUER: &str = "https://login.microsoftonline.com/tenant-bexley/v2.0";

fn finance() -> Vec<(String, Option<String>)> {
    vec![("finance-officer".to_string(), None)]
}

#[tokio::test]
async fn sso_links_accounts_and_roles_follow_the_claims() {
    for backend in Backend::ALL {
        let (t, app, clock) = fresh(backend, "2026-11-26T10:00").await;
        app.ensure_council("bexley").await.unwrap();
        app.ensure_council("devon").await.unwrap();
        let tm = app
            .create_person(
                "bexley",
                None,
                "Tam Manager",
                "tm@bexley.example",
                &[("team-manager", None)],
            )
            .await
            .unwrap();

        // A started sign-in is taken once, by its own council, within ten minutes.
        app.remember_sso_login("bexley", "state-1", "nonce-1", "verifier-1")
            .await
            .unwrap();
        assert!(app.take_sso_login("devon", "state-1").await.is_err());
        app.remember_sso_login("bexley", "state-2", "nonce-2", "verifier-2")
            .await
            .unwrap();
        let l = app.take_sso_login("bexley", "state-2").await.unwrap();
        assert_eq!(
            (l.nonce.as_str(), l.pkce_verifier.as_str()),
            ("nonce-2", "verifier-2")
        );
        let again = app.take_sso_login("bexley", "state-2").await.unwrap_err();
        assert!(matches!(again, AppError::Forbidden { .. }), "{again}");
        app.remember_sso_login("bexley", "state-3", "n", "v")
            .await
            .unwrap();
        clock.set(at("2026-11-26T10:11"));
        assert!(
            app.take_sso_login("bexley", "state-3").await.is_err(),
            "{backend:?}"
        );

        // First sign-in: linked by address (case aside), and the claim gives the finance role.
        let given = finance();
        let first = app
            .sso_sign_in(SsoSignIn {
                council_id: "bexley",
                issuer: ISSUER,
                subject: "oid-tam",
                email: Some("TM@Bexley.example"),
                managed: &finance(),
                given: &given,
            })
            .await
            .unwrap();
        assert_eq!(first.person_id, tm.person_id);
        let roles: Vec<String> = first.roles.iter().map(|(r, _)| r.clone()).collect();
        assert!(roles.contains(&"finance-officer".to_string()), "{roles:?}");
        assert!(roles.contains(&"team-manager".to_string()));

        // Later: found by the link even with another address; the claim gone, the managed
        // role goes; the local role stays.
        let later = app
            .sso_sign_in(SsoSignIn {
                council_id: "bexley",
                issuer: ISSUER,
                subject: "oid-tam",
                email: Some("tam.manager@elsewhere.example"),
                managed: &finance(),
                given: &[],
            })
            .await
            .unwrap();
        assert_eq!(later.person_id, tm.person_id);
        let held: Vec<String> = person_role::Entity::find()
            .filter(person_role::Column::PersonId.eq(tm.person_id.clone()))
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.role)
            .collect();
        assert_eq!(held, vec!["team-manager"], "{backend:?}");
        assert_eq!(
            sso_identity::Entity::find().count(&app.db).await.unwrap(),
            1
        );
        let audited = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("sso.sign_in"))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(audited, 2);

        // Another subject of the same provider claiming the same address is not linked as a
        // second way into the account.
        let second = app
            .sso_sign_in(SsoSignIn {
                council_id: "bexley",
                issuer: ISSUER,
                subject: "oid-impostor",
                email: Some("tm@bexley.example"),
                managed: &finance(),
                given: &finance(),
            })
            .await
            .unwrap_err();
        assert!(second.to_string().contains("already linked"), "{second}");

        // Nobody with that address; another council's account; a disabled account.
        let unknown = app
            .sso_sign_in(SsoSignIn {
                council_id: "bexley",
                issuer: ISSUER,
                subject: "oid-stranger",
                email: Some("stranger@bexley.example"),
                managed: &[],
                given: &[],
            })
            .await
            .unwrap_err();
        assert!(
            unknown.to_string().contains("stranger@bexley.example"),
            "{unknown}"
        );
        let devon = app
            .create_person(
                "devon",
                None,
                "Dee Worker",
                "dw@devon.example",
                &[("social-worker", None)],
            )
            .await
            .unwrap();
        let other = app
            .sso_sign_in(SsoSignIn {
                council_id: "bexley",
                issuer: ISSUER,
                subject: "oid-dee",
                email: Some("dw@devon.example"),
                managed: &[],
                given: &[],
            })
            .await
            .unwrap_err();
        assert!(matches!(other, AppError::Forbidden { .. }), "{other}");
        let _ = devon;
        let admin = app
            .create_person(
                "bexley",
                None,
                "Ada Admin",
                "admin@bexley.example",
                &[("council-administrator", None)],
            )
            .await
            .unwrap();
        app.set_active(&admin, &tm.person_id, false).await.unwrap();
        let disabled = app
            .sso_sign_in(SsoSignIn {
                council_id: "bexley",
                issuer: ISSUER,
                subject: "oid-tam",
                email: None,
                managed: &[],
                given: &[],
            })
            .await
            .unwrap_err();
        assert!(disabled.to_string().contains("disabled"), "{disabled}");
        t.drop_schema().await;
    }
}

#[test]
fn sso_role_settings_are_checked_against_the_policy() {
    let clock = std::sync::Arc::new(carepanel_app::FixedClock::at(at("2026-11-26T10:00")));
    let t = tokio::runtime::Runtime::new().unwrap();
    let db = t
        .block_on(carepanel_store::testing::TestDb::new(Backend::Sqlite))
        .unwrap();
    let app = app_on(db.db.clone(), clock);
    assert!(app.check_sso_roles("bexley", &finance()).is_empty());
    let problems = app.check_sso_roles(
        "bexley",
        &[
            ("wizard".into(), None),
            ("finance-officer".into(), Some("nowhere".into())),
        ],
    );
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("wizard") && problems[1].contains("nowhere"));
}
