//! The outbox sender: a failed delivery is kept with its error and retried after a back-off;
//! a message is handed over once however many senders run (on both backends).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use carepanel_app::outbox::{Mailer, Outgoing, Round, html_part};
use carepanel_store::entity::outbox;
use carepanel_store::testing::Backend;
use common::*;
use sea_orm::EntityTrait;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A mail transport that refuses its first `failures` messages, then records the rest.
struct Recorder {
    failures: AtomicUsize,
    sent: Mutex<Vec<Outgoing>>,
}

impl Recorder {
    fn failing(n: usize) -> Self {
        Recorder {
            failures: AtomicUsize::new(n),
            sent: Mutex::new(Vec::new()),
        }
    }
}

impl Mailer for Recorder {
    async fn send(&self, message: &Outgoing) -> Result<(), String> {
        // A little time on the wire, so two senders overlap.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        if self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err("connection refused (127.0.0.1:2525)".into());
        }
        self.sent.lock().unwrap().push(message.clone());
        Ok(())
    }
}

#[test]
fn the_html_part_escapes_everything_typed() {
    let html = html_part("Comments:\n<b>Add</b> the \"costs\" & dates\n\nSecond paragraph");
    assert!(
        html.contains(
            "<p>Comments:<br>\n&lt;b&gt;Add&lt;/b&gt; the &quot;costs&quot; &amp; dates</p>"
        ),
        "{html}"
    );
    assert!(html.contains("<p>Second paragraph</p>"));
}

#[tokio::test]
async fn a_failed_delivery_is_retried_after_a_back_off_and_each_message_goes_once() {
    for backend in Backend::ALL {
        let (t, app, clock) = fresh(backend, "2026-11-26T10:00").await;
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
        let id = ew_draft(&app, &sw, "LCS-M1").await;
        app.send(&sw, &id).await.unwrap();

        // The mail server is down: the message is kept with the error, and not tried again
        // until the back-off has passed.
        let down = Recorder::failing(1);
        assert_eq!(
            app.deliver_due(&down, 10).await.unwrap(),
            Round { sent: 0, failed: 1 },
            "{backend:?}"
        );
        let row = outbox::Entity::find().one(&app.db).await.unwrap().unwrap();
        assert_eq!((row.attempts, row.sent_at), (1, None));
        assert!(
            row.last_error
                .as_deref()
                .unwrap()
                .contains("connection refused")
        );
        assert_eq!(app.deliver_due(&down, 10).await.unwrap(), Round::default());

        // It comes back; after the back-off the message goes, once.
        clock.set(at("2026-11-26T10:02"));
        let up = Recorder::failing(0);
        assert_eq!(
            app.deliver_due(&up, 10).await.unwrap(),
            Round { sent: 1, failed: 0 }
        );
        assert_eq!(app.deliver_due(&up, 10).await.unwrap(), Round::default());
        let sent = up.sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].to, "Rowan Worker <rw@h.example>");
        assert_eq!(sent[0].id, row.id);
        assert!(sent[0].text.contains("LCS-M1"));
        let row = outbox::Entity::find().one(&app.db).await.unwrap().unwrap();
        assert!(row.sent_at.is_some() && row.last_error.is_none());

        // Two senders at once share the work and never send a message twice.
        for n in 2..8 {
            let id = ew_draft(&app, &sw, &format!("LCS-M{n}")).await;
            app.send(&sw, &id).await.unwrap();
        }
        let (a, b) = (Recorder::failing(0), Recorder::failing(0));
        let (ra, rb) = tokio::join!(app.deliver_due(&a, 50), app.deliver_due(&b, 50));
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert_eq!(ra.sent + rb.sent, 6, "{backend:?} {ra:?} {rb:?}");
        let mut ids: Vec<String> = a
            .sent
            .lock()
            .unwrap()
            .iter()
            .chain(b.sent.lock().unwrap().iter())
            .map(|m| m.id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 6);
        t.drop_schema().await;
    }
}

#[test]
fn only_the_services_own_links_become_links() {
    use carepanel_app::outbox::{html_with_links, text_part};
    let body = "Open it: {service}/referrals/abc-1\n\nComments typed: {service}.evil.example/login and {service}@evil.example and {service}javascript:alert(1)";
    let text = text_part(body, Some("https://panels.example/"));
    assert!(
        text.contains("Open it: https://panels.example/referrals/abc-1"),
        "{text}"
    );
    // The marker typed by someone stays as it was, never a link to elsewhere.
    assert!(text.contains("{service}.evil.example/login"), "{text}");
    assert!(text.contains("{service}@evil.example"), "{text}");
    assert!(!text.contains("https://panels.example.evil"), "{text}");
    let html = html_with_links(body, Some("https://panels.example"));
    assert_eq!(html.matches("<a href=").count(), 1, "{html}");
    assert!(
        html.contains("<a href=\"https://panels.example/referrals/abc-1\">"),
        "{html}"
    );
    assert!(!html.contains("javascript:alert(1)\""), "{html}");
}
