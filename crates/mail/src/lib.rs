//! Sends the outbox's messages over SMTP: plain text with an HTML alternative, a calendar
//! invitation attached where the message carries one, and the outbox row's id as the
//! Message-ID so a repeat after a lost acknowledgement can be recognised.

use carepanel_app::outbox::{Mailer, Outgoing};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// An SMTP relay: `smtp://host:port` (plain, for a relay on the same network),
/// `smtp://host:port?tls=required` (STARTTLS) or `smtps://host:port`, with `user:password@` if
/// the relay wants them.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    service: Option<String>,
}

impl SmtpMailer {
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("the SMTP address {url:?} is not usable: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| format!("the sender address {from:?} is not usable: {e}"))?;
        Ok(SmtpMailer {
            transport,
            from,
            service: None,
        })
    }

    /// The service's address (`https://panels.council.gov.uk`), which makes the links in
    /// messages absolute.
    pub fn with_service_url(mut self, url: &str) -> Result<Self, String> {
        let url = url.trim().trim_end_matches('/');
        if !(url.starts_with("https://") || url.starts_with("http://"))
            || url.contains(char::is_whitespace)
        {
            return Err(format!(
                "the service address {url:?} is not an http(s) address such as https://panels.council.gov.uk"
            ));
        }
        self.service = Some(url.to_string());
        Ok(self)
    }
}

/// The METHOD of an iCalendar text (REQUEST or CANCEL), for its Content-Type.
fn method_of(calendar: &str) -> &str {
    calendar
        .lines()
        .find_map(|l| l.strip_prefix("METHOD:"))
        .map_or("REQUEST", str::trim)
}

impl Mailer for SmtpMailer {
    fn service_url(&self) -> Option<&str> {
        self.service.as_deref()
    }

    async fn send(&self, message: &Outgoing) -> Result<(), String> {
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|e| format!("the recipient {:?} is not an address: {e}", message.to))?;
        let domain = self.from.email.domain().to_string();
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .message_id(Some(format!("<{}@{domain}>", message.id)))
            .multipart(body(message)?)
            .map_err(|e| format!("the message could not be built: {e}"))?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| format!("the SMTP relay did not take the message: {e}"))
    }
}

/// Plain text with its HTML alternative; with an invitation, that pair and the invitation as
/// an attachment (text/calendar with its METHOD, as calendar clients expect).
fn body(message: &Outgoing) -> Result<MultiPart, String> {
    let text = MultiPart::alternative_plain_html(message.text.clone(), message.html.clone());
    let Some(calendar) = &message.calendar else {
        return Ok(text);
    };
    let content_type = ContentType::parse(&format!(
        "text/calendar; charset=utf-8; method={}",
        method_of(calendar)
    ))
    .map_err(|e| format!("the invitation's content type: {e}"))?;
    Ok(MultiPart::mixed().multipart(text).singlepart(
        Attachment::new("invitation.ics".to_string()).body(calendar.clone(), content_type),
    ))
}
