//! The mail worker: sends outbox rows through SMTP (lettre) or writes them
//! as .eml files, retrying with exponential backoff and jitter.
//!
//! Delivery is at-least-once by construction (the send cannot share a
//! transaction with the database); every attempt of a row carries the same
//! Message-ID, derived from the row, so a resend after a crash is the same
//! message and receivers drop the duplicate.

use super::render::{render, MailContext};
use super::smtp::{within, SmtpError, SmtpTarget};
use crate::calendar::ZONE;
use crate::clock::Clock;
use crate::store::outbox::{MailFacts, OutgoingMail};
use crate::store::password_links::LINK_TEMPLATES;
use crate::store::Store;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use chrono::{DateTime, NaiveDate, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::Message;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `smtp://host:port` (plain; `?tls=required` for STARTTLS) or `smtps://host:port`.
    pub smtp_url: Option<String>,
    pub mail_dir: PathBuf,
    pub from: String,
    /// Base of the links in e-mails.
    pub public_url: String,
    /// First retry delay; doubles at each failed attempt (6 h at most).
    pub retry_base: Duration,
    pub max_attempts: u32,
    /// Senders working side by side, each on its own SMTP connection.
    pub senders: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("--mail-from `{0}` is not an e-mail address")]
    From(String),
    #[error("--smtp-url: {0}")]
    Url(String),
}

enum Transport {
    Smtp(SmtpTarget),
    Files(PathBuf),
}

/// A sender's SMTP connection, kept open while it has e-mails to send.
#[derive(Default)]
struct Connection(Option<AsyncSmtpConnection>);

impl Connection {
    async fn close(&mut self) {
        if let Some(mut conn) = self.0.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), conn.quit()).await;
        }
    }
}

/// E-mails one sender leases at a time: enough to spare a lease
/// transaction per e-mail, few enough that the senders share the queue.
const LEASE_BATCH: usize = 16;

/// The hour (Paris) from which the day's digests are gathered and sent.
pub const DIGEST_HOUR: u32 = 7;

pub struct Mailer {
    store: Store,
    /// The wording of coded values (a decision's mention…).
    /// The workflows whose wording the messages use, each its instances'.
    workflows: Arc<crate::workflow::Workflows>,
    clock: Arc<dyn Clock>,
    transport: Transport,
    from: Mailbox,
    domain: String,
    settings: MailSettings,
}

/// How long a worker holds the rows it leased, after which another worker
/// may send them (same Message-ID).
const LEASE_SECONDS: i64 = 120;

/// A sender starts e-mails of a batch only this long after leasing it: the
/// last one started then has the rest of the lease for twice the SMTP
/// timeout (connect, then send) and its record's retries; the others go
/// back.
const START_WITHIN: Duration = Duration::from_secs(30);

impl Mailer {
    /// SMTP credentials come from LABELFLOW_SMTP_USERNAME and
    /// LABELFLOW_SMTP_PASSWORD, never from the URL or a flag.
    pub fn new(
        settings: MailSettings,
        store: Store,
        workflows: Arc<crate::workflow::Workflows>,
        clock: Arc<dyn Clock>,
    ) -> Result<Mailer, MailError> {
        let from: Mailbox = settings.from.parse().map_err(|_| MailError::From(settings.from.clone()))?;
        let domain = from.email.domain().to_string();
        let transport = match &settings.smtp_url {
            Some(url) => {
                let credentials =
                    match (std::env::var("LABELFLOW_SMTP_USERNAME"), std::env::var("LABELFLOW_SMTP_PASSWORD")) {
                        (Ok(user), Ok(password)) => Some(Credentials::new(user, password)),
                        _ => None,
                    };
                Transport::Smtp(SmtpTarget::from_url(url, credentials).map_err(MailError::Url)?)
            }
            None => Transport::Files(settings.mail_dir.clone()),
        };
        Ok(Mailer { store, workflows, clock, transport, from, domain, settings })
    }

    /// Sends every e-mail due now with all the senders; returns how many
    /// went out.
    pub async fn send_due(&self) -> crate::store::Result<usize> {
        self.send_all(&|| false).await
    }

    /// The senders side by side until the queue is empty or `stopping`.
    async fn send_all(&self, stopping: &(dyn Fn() -> bool + Sync)) -> crate::store::Result<usize> {
        self.hold_and_gather().await?;
        let senders = self.settings.senders.max(1);
        let results = futures_util::future::join_all((0..senders).map(|_| self.send_until(stopping))).await;
        let mut sent = 0;
        let mut failure = None;
        for result in results {
            match result {
                Ok(n) => sent += n,
                Err(e) => failure = Some(e),
            }
        }
        match failure {
            Some(e) if sent == 0 => Err(e),
            Some(e) => {
                tracing::error!(error = %e, "a mail sender failed");
                Ok(sent)
            }
            None => Ok(sent),
        }
    }

    /// Sends what is due until the queue is empty or `stopping` says so
    /// between two e-mails: one being sent is always finished and recorded
    /// before the next, so a crash repeats at most one e-mail per sender.
    async fn send_until(&self, stopping: &(dyn Fn() -> bool + Sync)) -> crate::store::Result<usize> {
        let mut sent = 0;
        let mut conn = Connection::default();
        let result = self.send_batches(&mut conn, stopping, &mut sent).await;
        conn.close().await;
        result.map(|()| sent)
    }

    async fn send_batches(
        &self,
        conn: &mut Connection,
        stopping: &(dyn Fn() -> bool + Sync),
        sent: &mut usize,
    ) -> crate::store::Result<()> {
        let lease = chrono::Duration::seconds(LEASE_SECONDS);
        while !stopping() {
            let batch = self.store.lease_mails(self.clock.now(), lease, LEASE_BATCH).await?;
            if batch.is_empty() {
                break;
            }
            let leased = std::time::Instant::now();
            let mut mails = batch.into_iter().peekable();
            while let Some(mail) = mails.next_if(|_| leased.elapsed() < START_WITHIN) {
                match self.deliver(conn, &mail).await {
                    Ok(()) => {
                        self.record_sent(&mail.id).await?;
                        *sent += 1;
                    }
                    Err(error) => {
                        let attempt = mail.attempts as u32 + 1;
                        let retry_at =
                            (attempt < self.settings.max_attempts).then(|| self.clock.now() + self.backoff(attempt));
                        tracing::warn!(mail = %mail.id, attempt, dead = retry_at.is_none(), %error, "e-mail not sent");
                        self.store.mail_failed(&mail.id, &error, retry_at).await?;
                    }
                }
                if stopping() {
                    break;
                }
            }
            // Leases not used go back at once rather than at their expiry.
            let rest: Vec<String> = mails.map(|m| m.id).collect();
            self.store.release_mails(&rest).await?;
        }
        Ok(())
    }

    /// Records a delivered e-mail. Only this record stands between a brief
    /// database outage (a restart, a failover) and a second copy once the
    /// lease ends, so it is retried for a quarter of the lease (what is left
    /// of it after the start window and an SMTP exchange) before giving up.
    async fn record_sent(&self, id: &str) -> crate::store::Result<()> {
        let deadline = std::time::Instant::now() + Duration::from_secs(LEASE_SECONDS as u64 / 4);
        let ids = [id.to_string()];
        loop {
            match self.store.mails_sent(&ids, self.clock.now()).await {
                Ok(()) => return Ok(()),
                Err(e) if std::time::Instant::now() < deadline => {
                    tracing::warn!(mail = %id, error = %e, "e-mail sent but not yet recorded; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The worker loop of `serve`: sends what is due, then waits for a
    /// wake-up or a few seconds (retries fall due on their own). Returns
    /// once `stop` turns true, after the e-mails in hand are recorded, so a
    /// graceful stop never leaves a delivered e-mail to be sent again.
    pub async fn run(&self, wake: Arc<tokio::sync::Notify>, mut stop: tokio::sync::watch::Receiver<bool>) {
        let watcher = stop.clone();
        let stopping = move || *watcher.borrow();
        while !stopping() {
            // Senders side by side, each leasing its own e-mails: an SMTP
            // exchange mostly waits on the server.
            if let Err(e) = self.send_all(&stopping).await {
                tracing::error!(error = %e, "mail worker failed; retrying");
            }
            let pause = self.settings.retry_base.clamp(Duration::from_millis(50), Duration::from_secs(5));
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = wake.notified() => {}
                _ = stop.changed() => {}
            }
        }
    }

    fn backoff(&self, attempt: u32) -> chrono::Duration {
        crate::retry::backoff(self.settings.retry_base, attempt)
    }

    /// Holds or skips what the recipients prefer not to get at once, and,
    /// from the digest's hour, gathers what is held into each person's
    /// digest of the day.
    async fn hold_and_gather(&self) -> crate::store::Result<()> {
        let now = self.clock.now();
        let mut always: Vec<&str> = super::render::ALWAYS_AT_ONCE.to_vec();
        always.extend(self.workflows.iter().flat_map(|w| w.mandatory_mail.iter().map(String::as_str)));
        self.store.apply_preferences(now, &always).await?;
        let day = crate::calendar::paris_date(now);
        let cutoff =
            crate::calendar::paris_instant(day, chrono::NaiveTime::from_hms_opt(DIGEST_HOUR, 0, 0).expect("an hour"));
        if now >= cutoff {
            self.store.make_digests(day, cutoff, now).await?;
        }
        Ok(())
    }

    /// The digest's text: each e-mail it gathers, its subject and link.
    async fn digest_lines(&self, digest: &OutgoingMail) -> Result<String, String> {
        let items = self.store.digest_items(&digest.id).await.map_err(|e| e.to_string())?;
        let mut lines = Vec::with_capacity(items.len());
        for item in &items {
            let facts = self.store.mail_facts(item).await.map_err(|e| e.to_string())?;
            let context = self.context(item, &facts);
            let rendered = render(&item.template, &context).map_err(|e| e.to_string())?;
            lines.push(format!("• {} ({}) : {}", rendered.subject, context.at, context.link));
        }
        Ok(lines.join("\n\n"))
    }

    /// The stable Message-ID of an outbox row.
    pub fn message_id(&self, outbox_id: &str) -> String {
        format!("<{}@{}>", outbox_id.replace(':', "."), self.domain)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(outbox = %mail.id, template = %mail.template, attempt = mail.attempts + 1))]
    async fn deliver(&self, conn: &mut Connection, mail: &OutgoingMail) -> Result<(), String> {
        let message = self.compose(mail).await?;
        match &self.transport {
            Transport::Smtp(target) => send_smtp(target, conn, &message).await.map_err(|e| e.to_string()),
            Transport::Files(dir) => write_eml(dir, &mail.id, &message.formatted()).map_err(|e| e.to_string()),
        }
    }

    /// The subject and parts of an outbox row's e-mail, with the facts as
    /// they are now. A link's e-mail (a password's, an outside expert's, a
    /// co-owner's) gets a new token here, of
    /// which the store keeps the hash: the token exists nowhere but in the
    /// e-mail (a copy sent again after a crash carries its own, both valid
    /// until the link is used).
    pub async fn rendered(&self, mail: &OutgoingMail) -> Result<super::render::Rendered, String> {
        let facts = self.store.mail_facts(mail).await.map_err(|e| e.to_string())?;
        let mut context = self.context(mail, &facts);
        use crate::store::link_tokens::LinkKind;
        let link = match mail.entity.as_str() {
            _ if LINK_TEMPLATES.contains(&mail.template.as_str()) => {
                Some((LinkKind::Password, "mot-de-passe/lien", "choisir votre mot de passe"))
            }
            "invitation" => Some((LinkKind::Guest, "avis", "consulter le dossier et répondre")),
            "co_owner" => Some((LinkKind::CoOwner, "rejoindre", "accepter l'invitation")),
            _ => None,
        };
        if let Some((kind, path, purpose)) = link {
            let token = new_token();
            let hash = crate::app::accounts::token_hash(&token);
            self.store.add_link_token(kind, &mail.entity_id, &hash).await.map_err(|e| e.to_string())?;
            context.link = format!("{}/{path}/{token}", self.settings.public_url.trim_end_matches('/'));
            context.link_purpose = purpose.into();
        }
        if mail.template == crate::store::preferences::DIGEST_TEMPLATE {
            context.message = self.digest_lines(mail).await?;
            context.at = crate::calendar::paris_date(mail.created_at).format("%d/%m/%Y").to_string();
        }
        render(&mail.template, &context).map_err(|e| e.to_string())
    }

    /// The e-mail of an outbox row, rendered with the facts as they are now.
    pub async fn compose(&self, mail: &OutgoingMail) -> Result<Message, String> {
        let rendered = self.rendered(mail).await?;
        let to: Mailbox =
            mail.recipient_email.parse().map_err(|e| format!("recipient {}: {e}", mail.recipient_email))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject)
            .message_id(Some(self.message_id(&mail.id)))
            .date(std::time::SystemTime::from(mail.created_at))
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(rendered.text))
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(rendered.html)),
            )
            .map_err(|e| e.to_string())
    }

    fn context(&self, mail: &OutgoingMail, f: &MailFacts) -> MailContext {
        let data = &mail.context["data"];
        let text = |key: &str| data.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
        let instant = |us: i64| french_instant(crate::store::from_micros(us));
        let date = |iso: &str| {
            NaiveDate::parse_from_str(iso, "%Y-%m-%d").map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default()
        };
        let data_instant = |key: &str| {
            data.get(key)
                .and_then(Value::as_str)
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|t| french_instant(t.with_timezone(&Utc)))
        };
        let mut c = MailContext {
            recipient: if f.recipient_name.is_empty() {
                mail.recipient_email.clone()
            } else {
                f.recipient_name.clone()
            },
            title: f.title.clone(),
            at: french_instant(mail.created_at),
            reason: text("reason"),
            link: format!("{}/{}s/{}", self.settings.public_url.trim_end_matches('/'), mail.entity, mail.entity_id),
            ..Default::default()
        };
        // The step's own message (a request, a reminder) first; a timer's
        // reminder has none and repeats the pending request.
        let own = text("message");
        c.message = if own.is_empty() { f.completion_message.clone().unwrap_or_default() } else { own };
        c.due = (f.completion_due.or(f.link_expires).map(instant).or_else(|| data_instant("due")))
            .unwrap_or_else(|| date(&text("due")));
        c.email = mail.recipient_email.clone();
        c.call_closes = f.call_closes.map(instant).unwrap_or_default();
        c.review_due = f.review_due.map(instant).or_else(|| data_instant("due")).unwrap_or_default();
        // Worded by the instance's own version, as its pages are.
        if mail.entity == "account" || mail.entity == "user" {
            // An account serves every label the site runs.
            c.label = self.workflows.iter().map(|d| d.label.as_str()).collect::<Vec<_>>().join(", ");
            c.link = match mail.entity.as_str() {
                "user" => format!("{}/mes-courriels", self.settings.public_url.trim_end_matches('/')),
                _ => String::new(),
            };
            return c;
        }
        let workflow = (self.workflows.at(&f.workflow, f.workflow_version.as_deref()))
            .or_else(|| self.workflows.get(&f.workflow))
            .unwrap_or_else(|| self.workflows.primary());
        c.label = workflow.label.clone();
        if let Some((outcome, category, years, motivation)) = &f.decision {
            c.outcome = workflow.choice_label("outcome", outcome);
            c.category = category.as_deref().map(|code| workflow.choice_label("category", code)).unwrap_or_default();
            c.years = years.map(|y| y.to_string()).unwrap_or_default();
            c.motivation = motivation.clone();
        }
        if let Some((category, from, until)) = &f.label {
            c.category = workflow.choice_label("category", category);
            c.valid_from = date(from);
            c.valid_until = date(until);
            if let (Ok(from), Ok(until)) =
                (NaiveDate::parse_from_str(from, "%Y-%m-%d"), NaiveDate::parse_from_str(until, "%Y-%m-%d"))
            {
                let day = crate::calendar::paris_date(mail.created_at);
                // A reminder speaks of the coming anniversary; the others of the one just passed.
                let anniversary = if mail.template == "report_reminder" {
                    crate::calendar::next_anniversary(from, until, day)
                } else {
                    crate::calendar::last_anniversary(from, day)
                };
                if let Some(a) = anniversary {
                    use chrono::Datelike;
                    c.report_year = a.year().to_string();
                    c.anniversary = a.format("%d/%m/%Y").to_string();
                }
            }
        }
        c
    }
}

/// Sends over the sender's open connection, or a new one. After any
/// failure the connection is dropped; a reused connection the server has
/// closed since (an idle timeout) gets one retry on a fresh one.
async fn send_smtp(target: &SmtpTarget, conn: &mut Connection, message: &Message) -> Result<(), SmtpError> {
    let bytes = message.formatted();
    let envelope = message.envelope();
    if let Some(open) = conn.0.as_mut() {
        match within(target.timeout(), open.send(envelope, &bytes)).await {
            Ok(_) => return Ok(()),
            Err(error) => {
                conn.0 = None;
                if error.server_replied() {
                    return Err(error);
                }
                tracing::debug!(%error, "SMTP connection lost; sending on a new one");
            }
        }
    }
    let mut open = target.connect().await?;
    within(target.timeout(), open.send(envelope, &bytes)).await?;
    conn.0 = Some(open);
    Ok(())
}

/// 256 random bits, hex: a link's token.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn french_instant(t: DateTime<Utc>) -> String {
    t.with_timezone(&ZONE).format("%d/%m/%Y à %H:%M").to_string()
}

/// Writes `NAME.eml` atomically; the name comes from the outbox row, so a
/// second attempt replaces the first file instead of adding one.
fn write_eml(dir: &std::path::Path, outbox_id: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let name: String = outbox_id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, dir.join(format!("{name}.eml")))
}
