//! Sends the outbox's messages over SMTP: plain text with an HTML alternative, the outbox row's
//! id as the Message-ID so a repeat after a lost acknowledgement can be recognised.

use carepanel_app::outbox::{Mailer, Outgoing};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// An SMTP relay: `smtp://host:port` (plain, for a relay on the same network),
/// `smtp://host:port?tls=required` (STARTTLS) or `smtps://host:port`, with `user:password@` if
/// the relay wants them.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
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
        Ok(SmtpMailer { transport, from })
    }
}

impl Mailer for SmtpMailer {
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
            .multipart(MultiPart::alternative_plain_html(
                message.text.clone(),
                message.html.clone(),
            ))
            .map_err(|e| format!("the message could not be built: {e}"))?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| format!("the SMTP relay did not take the message: {e}"))
    }
}
