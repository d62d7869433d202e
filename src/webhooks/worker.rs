//! The webhook worker: posts the deliveries the steps queued, signed,
//! retrying with exponential backoff, and gives up after a number of
//! attempts (a dead delivery an administrator may send again).
//!
//! Delivery is at-least-once, as the mail worker's: a post cannot share a
//! transaction with the database. Every attempt carries the same delivery
//! id, so a receiver that keeps the ids it has seen handles each once.

use super::signature;
use crate::clock::Clock;
use crate::store::webhooks::OutgoingDelivery;
use crate::store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// First retry delay; doubles at each failed attempt (6 h at most).
    pub retry_base: Duration,
    pub max_attempts: u32,
    /// How long a receiver has to answer.
    pub timeout: Duration,
    /// Posts made side by side.
    pub senders: usize,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            retry_base: Duration::from_secs(60),
            max_attempts: 10,
            timeout: Duration::from_secs(10),
            senders: 4,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the webhook client cannot start: {0}")]
pub struct ClientError(#[from] reqwest::Error);

/// Deliveries one sender leases at a time.
const LEASE_BATCH: usize = 16;
/// How long a sender holds what it leased; after that another may post it
/// (with the same delivery id). Posts of a batch start only within the
/// first third, so the last ends, with its timeout, well within it.
const LEASE_SECONDS: i64 = 120;
const START_WITHIN: Duration = Duration::from_secs(40);

pub struct Dispatcher {
    store: Store,
    clock: Arc<dyn Clock>,
    client: reqwest::Client,
    settings: WebhookSettings,
}

impl Dispatcher {
    pub fn new(settings: WebhookSettings, store: Store, clock: Arc<dyn Clock>) -> Result<Dispatcher, ClientError> {
        // A redirect would carry the signed body somewhere the administrator
        // did not register: it counts as a failure.
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("labelflow/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Dispatcher { store, clock, client, settings })
    }

    /// Posts every delivery due now; returns how many were delivered.
    pub async fn send_due(&self) -> crate::store::Result<usize> {
        self.send_all(&|| false).await
    }

    /// Posts until stopped, looking again when woken (a step queued a
    /// delivery) or every few seconds (a retry fell due).
    pub async fn run(&self, wake: Arc<tokio::sync::Notify>, mut stop: tokio::sync::watch::Receiver<bool>) {
        let watcher = stop.clone();
        let stopping = move || *watcher.borrow();
        while !stopping() {
            if let Err(e) = self.send_all(&stopping).await {
                tracing::error!(error = %e, "webhook worker failed; retrying");
            }
            let pause = self.settings.retry_base.clamp(Duration::from_millis(50), Duration::from_secs(5));
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = wake.notified() => {}
                _ = stop.changed() => {}
            }
        }
    }

    async fn send_all(&self, stopping: &(dyn Fn() -> bool + Sync)) -> crate::store::Result<usize> {
        let senders = self.settings.senders.max(1);
        let results = futures_util::future::join_all((0..senders).map(|_| self.send_until(stopping))).await;
        let mut delivered = 0;
        for result in results {
            delivered += result?;
        }
        Ok(delivered)
    }

    /// One sender: leases batches and posts them one by one, each recorded
    /// before the next, until none is due or `stopping`.
    async fn send_until(&self, stopping: &(dyn Fn() -> bool + Sync)) -> crate::store::Result<usize> {
        let lease = chrono::Duration::seconds(LEASE_SECONDS);
        let mut delivered = 0;
        while !stopping() {
            let batch = self.store.lease_deliveries(self.clock.now(), lease, LEASE_BATCH).await?;
            if batch.is_empty() {
                break;
            }
            let leased = Instant::now();
            let mut batch = batch.into_iter().peekable();
            while let Some(delivery) = batch.next_if(|_| leased.elapsed() < START_WITHIN && !stopping()) {
                let started = Instant::now();
                let result = self.post(&delivery).await;
                let took = started.elapsed().as_secs_f64();
                match result {
                    Ok(()) => {
                        self.store.delivery_done(&delivery.id, self.clock.now()).await?;
                        crate::metrics::webhook("delivered", took);
                        delivered += 1;
                    }
                    Err(error) => {
                        let attempt = delivery.attempts as u32 + 1;
                        let retry_at = (attempt < self.settings.max_attempts)
                            .then(|| self.clock.now() + crate::retry::backoff(self.settings.retry_base, attempt));
                        tracing::warn!(delivery = %delivery.id, attempt, dead = retry_at.is_none(), %error, "webhook not delivered");
                        self.store.delivery_failed(&delivery.id, &error, retry_at).await?;
                        crate::metrics::webhook(if retry_at.is_some() { "failed" } else { "dead" }, took);
                    }
                }
            }
            let rest: Vec<String> = batch.map(|d| d.id).collect();
            self.store.release_deliveries(&rest).await?;
        }
        Ok(delivered)
    }

    /// One attempt: the body, signed as of now; any 2xx answer delivers it.
    async fn post(&self, delivery: &OutgoingDelivery) -> Result<(), String> {
        let body = body(delivery);
        // The receiver checks the signature's age against its own clock:
        // the time signed is the machine's, even when the service runs on
        // a clock moved by hand (`serve --test-clock`).
        let at = chrono::Utc::now().timestamp();
        let answer = self
            .client
            .post(&delivery.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(signature::HEADER, signature::sign(&delivery.secret, at, &body))
            .header("X-Labelflow-Delivery", &delivery.id)
            .header("X-Labelflow-Event", &delivery.kind)
            .body(body)
            .send()
            .await
            .map_err(describe)?;
        let status = answer.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the receiver answered HTTP {}", status.as_u16()))
        }
    }
}

/// The body posted: the step's payload with the delivery's id, kind and
/// workflow.
pub fn body(delivery: &OutgoingDelivery) -> Vec<u8> {
    let mut body = match &delivery.payload {
        serde_json::Value::Object(map) => map.clone(),
        _ => serde_json::Map::new(),
    };
    body.insert("id".into(), delivery.id.clone().into());
    body.insert("kind".into(), delivery.kind.clone().into());
    body.insert("workflow".into(), delivery.workflow.clone().into());
    serde_json::Value::Object(body).to_string().into_bytes()
}

/// A failure in words an administrator acts on, without the secret or the
/// body.
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "the receiver did not answer in time".into()
    } else if e.is_connect() {
        "the receiver's address refused or did not take the connection".into()
    } else {
        format!("the post failed: {}", e.without_url())
    }
}
