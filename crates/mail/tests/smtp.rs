//! Delivery to a real SMTP server run locally (aiosmtpd, writing a maildir): while it is down
//! the message waits with the error; when it is back the message arrives once, as plain text
//! with an HTML alternative, the presenter's slot invitation attached, links starting with the
//! service's address, and the outbox row's id as its Message-ID.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../app/tests/common/mod.rs"]
mod common;

use carepanel_app::outbox::Round;
use carepanel_mail::SmtpMailer;
use carepanel_store::entity::outbox;
use carepanel_store::testing::Backend;
use common::*;
use sea_orm::EntityTrait;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// aiosmtpd on `port`, storing what it receives in the maildir `dir`; stopped when dropped.
struct Smtpd(Child);

impl Smtpd {
    fn start(port: u16, dir: &std::path::Path) -> Smtpd {
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (pip install aiosmtpd; scripts/test installs it)");
        // Held from here, so it is stopped and reaped however the test ends.
        let server = Smtpd(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("aiosmtpd did not start on port {port}; is it installed (pip install aiosmtpd)?");
    }
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn received(dir: &std::path::Path) -> Vec<String> {
    let new = dir.join("new");
    let Ok(entries) = std::fs::read_dir(&new) else {
        return Vec::new();
    };
    entries
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect()
}

#[tokio::test]
async fn a_message_waits_while_the_server_is_down_and_arrives_once_when_it_is_back() {
    let (t, app, clock) = fresh(Backend::Sqlite, "2026-11-26T10:00").await;
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
    let id = ew_draft(&app, &sw, "LCS-S1").await;
    app.send(&sw, &id).await.unwrap();

    let port = free_port();
    let dir = std::env::temp_dir().join(format!("carepanel-smtp-{port}"));
    let _ = std::fs::remove_dir_all(&dir);
    let mailer = SmtpMailer::new(
        &format!("smtp://127.0.0.1:{port}"),
        "Resource panels <panels@hertfordshire.example>",
    )
    .unwrap()
    .with_service_url("https://panels.hertfordshire.example/")
    .unwrap();

    // Down: nothing listens on the port.
    assert_eq!(
        app.deliver_due(&mailer, 10).await.unwrap(),
        Round { sent: 0, failed: 1 }
    );
    let row = outbox::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert!(row.sent_at.is_none());
    assert!(
        row.last_error.as_deref().unwrap().contains("SMTP relay"),
        "{row:?}"
    );

    // Back: after the back-off the message is delivered, once.
    let _server = Smtpd::start(port, &dir);
    clock.set(at("2026-11-26T10:05"));
    assert_eq!(
        app.deliver_due(&mailer, 10).await.unwrap(),
        Round { sent: 1, failed: 0 }
    );
    assert_eq!(
        app.deliver_due(&mailer, 10).await.unwrap(),
        Round::default()
    );
    let mail = received(&dir);
    assert_eq!(mail.len(), 1, "{mail:?}");
    let m = &mail[0];
    for want in [
        "To: \"Rowan Worker\" <rw@h.example>",
        "From: \"Resource panels\" <panels@hertfordshire.example>",
        &format!("Message-ID: <{}@hertfordshire.example>", row.id),
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        // The presenter's slot, attached as calendar clients expect.
        "text/calendar; charset=utf-8; method=REQUEST",
        "filename=\"invitation.ics\"",
    ] {
        assert!(m.contains(want), "{want} not in\n{m}");
    }
    assert_eq!(row.kind, "referral-listed");
    assert!(m.contains("LCS-S1"), "{m}");
    // Links start with the service's address (quoted-printable soft breaks joined).
    let joined = m.replace("=\r\n", "").replace("=\n", "");
    assert!(
        joined.contains(&format!(
            "https://panels.hertfordshire.example/referrals/{id}"
        )),
        "{m}"
    );
    let row = outbox::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert!(row.sent_at.is_some());
    let _ = std::fs::remove_dir_all(&dir);
    t.drop_schema().await;
}
