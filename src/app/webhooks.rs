//! Webhooks, registered by administrators: an address told, signed, of the
//! kinds of steps it subscribed to, and the deliveries made to it.

use super::{App, AppError};
use crate::engine::{Actor, Refusal};
use crate::store::webhooks::{NewWebhook, WebhookView};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// What every webhook secret starts with, to tell it from other secrets
/// in a receiver's configuration.
pub const SECRET_PREFIX: &str = "whsec_";

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    /// Where deliveries are posted: an `https://` address (`http://` only
    /// for a receiver on this machine's loopback).
    pub url: String,
    /// The kinds it is told of: `state_changed`, `decision`,
    /// `label_granted`, or a kind a workflow's event announces
    /// (`label_expiring`).
    pub events: Vec<String>,
    /// The one workflow it hears from; every workflow when absent.
    pub workflow: Option<String>,
    /// What it is for, up to 200 characters.
    #[serde(default)]
    pub description: String,
}

fn only_admins(actor: &Actor) -> Result<(), AppError> {
    super::accounts::require_admin(actor, "only an administrator manages webhooks")
}

/// Plain HTTP only to this machine: a delivery's body and signature cross
/// the network in clear otherwise.
fn check_url(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text.trim()).map_err(|e| format!("is not an address ({e})"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials: the signature authenticates the sender".into());
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err("has no host".into()),
    };
    match url.scheme() {
        "https" => Ok(url.to_string()),
        "http" if loopback => Ok(url.to_string()),
        "http" => Err("must be https:// (http:// only for a receiver on this machine)".into()),
        other => Err(format!("must be https://, not {other}://")),
    }
}

impl App {
    /// Registers a webhook; its signing secret is returned this once.
    pub async fn create_webhook(&self, actor: &Actor, req: &WebhookRequest) -> Result<(WebhookView, String), AppError> {
        only_admins(actor)?;
        let mut errors = Vec::new();
        let url = check_url(&req.url).map_err(|reason| errors.push(("url".to_string(), reason))).ok();
        let known = self.workflows.webhook_kinds();
        if req.events.is_empty() {
            errors.push(("events".to_string(), format!("must name at least one of: {}", known.join(", "))));
        }
        let mut events: Vec<String> = Vec::new();
        for (i, kind) in req.events.iter().enumerate() {
            if !known.contains(kind) {
                errors.push((format!("events[{i}]"), format!("is not a kind; one of: {}", known.join(", "))));
            } else if !events.contains(kind) {
                events.push(kind.clone());
            }
        }
        if let Some(workflow) = &req.workflow {
            if self.workflows.get(workflow).is_none() {
                let ids: Vec<&str> = self.workflows.iter().map(|d| d.id.as_str()).collect();
                errors.push(("workflow".to_string(), format!("is not a workflow; one of: {}", ids.join(", "))));
            }
        }
        let description = req.description.trim().to_string();
        if description.chars().count() > 200 {
            errors.push(("description".to_string(), "must be 200 characters at most".to_string()));
        }
        if let Some(refusal) = Refusal::all_invalid(errors) {
            return Err(refusal.into());
        }
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let secret = format!("{SECRET_PREFIX}{}", hex::encode(bytes));
        let hook = NewWebhook {
            url: url.unwrap_or_default(),
            description,
            secret: secret.clone(),
            workflow: req.workflow.clone(),
            events,
        };
        let view = self.store.create_webhook(&hook, actor, self.clock.now()).await?;
        Ok((view, secret))
    }

    pub async fn webhooks(&self, actor: &Actor) -> Result<Vec<WebhookView>, AppError> {
        only_admins(actor)?;
        Ok(self.store.webhooks().await?)
    }

    pub async fn delete_webhook(&self, actor: &Actor, id: Uuid) -> Result<(), AppError> {
        only_admins(actor)?;
        self.store.delete_webhook(id, actor, self.clock.now()).await?;
        Ok(())
    }

    /// Sends a dead delivery again, with fresh attempts.
    pub async fn retry_delivery(&self, actor: &Actor, id: &str) -> Result<(), AppError> {
        only_admins(actor)?;
        self.store.retry_delivery(id, self.clock.now()).await?;
        self.webhook_wake.notify_one();
        Ok(())
    }
}
