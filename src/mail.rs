//! Outgoing e-mail. Changes that cause mail write it to the outbox in their
//! own transaction; the worker here sends what is due, over SMTP or into
//! `.eml` files, and on failure tries again later with a doubling wait, so
//! mail is never lost while the server is down.
//!
//! Each message carries a `Message-ID` derived from its outbox row, the
//! same on every attempt, and recording a delivery is retried for a short
//! while (the database may be busy) rather than left to cause a resend.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{FileTransport, Message, SmtpTransport, Transport};
use sha2::{Digest as _, Sha256};

use crate::config::{AppConfig, MailTransportKind, SmtpConfig, SmtpTls};
use crate::db::outbox::{self, NewOutboxMessage, OutboxMessage};
use crate::db::{DbConnection, DbPool};

/// Why the mail transport could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum MailSetupError {
    /// The sender address does not parse.
    #[error("smtp.from is not an e-mail address: {0}")]
    From(String),
    /// The SMTP relay could not be configured.
    #[error("smtp: {0}")]
    Smtp(String),
    /// The mail directory could not be created.
    #[error("mail directory {0}: {1}")]
    Directory(String, std::io::Error),
}

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    /// `.eml` files in a directory.
    File(FileTransport, PathBuf),
    /// An SMTP server.
    Smtp(SmtpTransport),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(_, dir) => write!(f, "Mailer::File({})", dir.display()),
            Self::Smtp(_) => write!(f, "Mailer::Smtp"),
        }
    }
}

/// The transport and sending rules from the configuration.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The transport.
    pub mailer: Mailer,
    /// The sender.
    pub from: Mailbox,
    /// Retry and batching rules.
    pub smtp: SmtpConfig,
}

impl Outgoing {
    /// Sets up the configured transport.
    pub fn from_config(config: &AppConfig) -> Result<Self, MailSetupError> {
        let from: Mailbox = config
            .smtp
            .from
            .parse()
            .map_err(|e: lettre::address::AddressError| MailSetupError::From(e.to_string()))?;
        let mailer = match config.smtp.transport {
            MailTransportKind::File => {
                let dir = config.data_dir.join("mail");
                std::fs::create_dir_all(&dir)
                    .map_err(|e| MailSetupError::Directory(dir.display().to_string(), e))?;
                Mailer::File(FileTransport::new(&dir), dir)
            }
            MailTransportKind::Smtp => Mailer::Smtp(smtp_transport(&config.smtp)?),
        };
        Ok(Self {
            mailer,
            from,
            smtp: config.smtp.clone(),
        })
    }

    fn send(&self, message: &Message) -> Result<(), String> {
        match &self.mailer {
            Mailer::File(transport, _) => {
                transport.send(message).map(drop).map_err(|e| e.to_string())
            }
            Mailer::Smtp(transport) => transport.send(message).map(drop).map_err(|e| e.to_string()),
        }
    }

    /// The wait before the next attempt after `attempts` failures.
    pub fn retry_delay(&self, attempts: u32) -> TimeDelta {
        let base = self.smtp.retry_base_seconds.max(1);
        let doubled = base.saturating_mul(1_u64 << attempts.saturating_sub(1).min(30));
        let seconds = doubled.min(self.smtp.retry_max_seconds.max(base));
        TimeDelta::seconds(i64::try_from(seconds).unwrap_or(i64::MAX))
    }
}

fn smtp_transport(config: &SmtpConfig) -> Result<SmtpTransport, MailSetupError> {
    let builder = match config.tls {
        SmtpTls::None => SmtpTransport::builder_dangerous(&config.host),
        SmtpTls::Starttls => SmtpTransport::starttls_relay(&config.host)
            .map_err(|e| MailSetupError::Smtp(e.to_string()))?,
        SmtpTls::Tls => {
            SmtpTransport::relay(&config.host).map_err(|e| MailSetupError::Smtp(e.to_string()))?
        }
    };
    let mut builder = builder
        .port(config.port)
        .timeout(Some(Duration::from_secs(15)));
    if let (Some(user), Some(password)) = (&config.username, &config.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// Queues an e-mail in the caller's transaction.
pub fn enqueue(
    conn: &mut DbConnection,
    recipient: &str,
    subject: &str,
    body: &str,
) -> diesel::QueryResult<OutboxMessage> {
    outbox::insert(
        conn,
        &NewOutboxMessage {
            recipient: recipient.to_owned(),
            subject: subject.to_owned(),
            body: body.to_owned(),
            attachment_name: None,
            attachment_content_type: None,
            attachment: None,
        },
    )
}

/// The `Message-ID` of an outbox message, e.g.
/// `<outbox-42-1f2e3d4c5b6a7988@vlaardingen.nl>`: the row id, a digest of
/// what the row holds (so ids differ between databases that reuse row
/// numbers) and the sender's domain. Every attempt gives the same id, so a
/// receiver that gets a message twice can tell.
pub fn message_id(from: &Mailbox, stored: &OutboxMessage) -> String {
    let mut digest = Sha256::new();
    for part in [
        stored.id.to_string().as_str(),
        &stored.created_at.format("%Y-%m-%dT%H:%M:%S%.f").to_string(),
        &stored.recipient,
        &stored.subject,
    ] {
        digest.update(part.as_bytes());
        digest.update([0]);
    }
    let mut hash = String::with_capacity(16);
    for byte in digest.finalize().iter().take(8) {
        // Writing to a String cannot fail.
        let _ = write!(hash, "{byte:02x}");
    }
    format!("<outbox-{}-{hash}@{}>", stored.id, from.email.domain())
}

fn build_message(from: &Mailbox, stored: &OutboxMessage) -> Result<Message, String> {
    let to: Mailbox = stored
        .recipient
        .parse()
        .map_err(|e: lettre::address::AddressError| format!("recipient: {e}"))?;
    let builder = Message::builder()
        .message_id(Some(message_id(from, stored)))
        .from(from.clone())
        .to(to)
        .subject(stored.subject.clone());
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(stored.body.clone());
    let message = match (&stored.attachment_name, &stored.attachment) {
        (Some(name), Some(content)) => {
            let content_type = stored
                .attachment_content_type
                .as_deref()
                .unwrap_or("text/plain")
                .parse::<ContentType>()
                .map_err(|e| format!("attachment type: {e}"))?;
            builder.multipart(
                MultiPart::mixed()
                    .singlepart(text)
                    .singlepart(Attachment::new(name.clone()).body(content.clone(), content_type)),
            )
        }
        _ => builder.singlepart(text),
    };
    message.map_err(|e| e.to_string())
}

/// What one delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Messages delivered.
    pub sent: usize,
    /// Messages that failed and wait for a later attempt.
    pub failed: usize,
}

/// Sends every message due at `at`. A failure is recorded on the message
/// with its next attempt time; the round goes on with the others.
pub fn deliver_due(
    conn: &mut DbConnection,
    outgoing: &Outgoing,
    at: NaiveDateTime,
) -> diesel::QueryResult<DeliveryReport> {
    const BATCH: i64 = 100;
    let max_attempts = i32::try_from(outgoing.smtp.max_attempts).unwrap_or(i32::MAX);
    let mut report = DeliveryReport::default();
    for stored in outbox::due(conn, at, max_attempts, BATCH)? {
        match build_message(&outgoing.from, &stored).and_then(|m| outgoing.send(&m)) {
            Ok(()) => {
                record_delivery(conn, stored.id, at)?;
                report.sent += 1;
            }
            Err(error) => {
                let attempts = stored.attempts.saturating_add(1);
                let delay = outgoing.retry_delay(u32::try_from(attempts).unwrap_or(u32::MAX));
                log::warn!(
                    "e-mail {} not delivered (attempt {attempts}): {error}",
                    stored.id
                );
                outbox::mark_failed(conn, stored.id, attempts, at + delay, &error)?;
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

/// How often recording a delivery is tried before the round gives up.
const MARK_SENT_ATTEMPTS: u32 = 6;
/// The wait after the first failed try to record a delivery; it doubles.
const MARK_SENT_FIRST_WAIT: Duration = Duration::from_millis(50);

/// Records that message `id` went out. The message has left, so a failure
/// here (`database is locked` under contention) must not make it look
/// unsent: the update is tried again with a short doubling wait. Only if
/// every try fails does the error end the round; the message is then sent
/// again later, with the same `Message-ID`.
fn record_delivery(conn: &mut DbConnection, id: i64, at: NaiveDateTime) -> diesel::QueryResult<()> {
    let mut wait = MARK_SENT_FIRST_WAIT;
    let mut tries = 1;
    loop {
        match outbox::mark_sent(conn, id, at) {
            Ok(()) => return Ok(()),
            Err(error) if tries < MARK_SENT_ATTEMPTS => {
                log::warn!("e-mail {id} was sent but not yet recorded (try {tries}): {error}");
                std::thread::sleep(wait);
                wait = wait.saturating_mul(2);
                tries += 1;
            }
            Err(error) => {
                log::error!(
                    "e-mail {id} was sent but could not be recorded; it will be sent again: {error}"
                );
                return Err(error);
            }
        }
    }
}

/// Sends due mail every `poll_interval_seconds` until the runtime stops.
pub fn spawn_worker(pool: DbPool, outgoing: Outgoing) {
    let interval = Duration::from_secs(outgoing.smtp.poll_interval_seconds.max(1));
    rocket::tokio::spawn(async move {
        loop {
            let pool = pool.clone();
            let outgoing = outgoing.clone();
            let round = rocket::tokio::task::spawn_blocking(move || {
                let mut conn = pool.get().map_err(|e| e.to_string())?;
                deliver_due(&mut conn, &outgoing, crate::db::now()).map_err(|e| e.to_string())
            })
            .await;
            match round {
                Ok(Ok(report)) if report.sent + report.failed > 0 => {
                    log::info!("mail: {} sent, {} to retry", report.sent, report.failed);
                }
                Ok(Ok(_)) => {}
                Ok(Err(error)) => log::error!("mail worker: {error}"),
                Err(error) => log::error!("mail worker stopped a round: {error}"),
            }
            rocket::tokio::time::sleep(interval).await;
        }
    });
}
