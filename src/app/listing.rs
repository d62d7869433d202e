//! Lists read a page at a time: keyset pages (no OFFSET: a page costs the
//! same at the end of a long list), an opaque cursor naming where the next
//! page starts, title search without regard to case or accents, and the
//! filters each list takes.

use super::dossiers::LabelFilterPart;
use super::{App, AppError};
use crate::engine::{Actor, Refusal};
use crate::store::accounts::UserFilter;
use crate::store::audit::TrailEntry;
use crate::store::dossiers::{DossierFilter, DossierSort, Listed};
use crate::store::labels::{LabelFilter, LabelSort};
use crate::store::outbox::MailView;
use crate::store::views::{DossierSummary, LabelView, UserView};
use std::collections::BTreeMap;

/// Items a page holds when the request names no `limit`.
pub const DEFAULT_LIMIT: i64 = 100;
/// The most a page holds.
pub const MAX_LIMIT: i64 = 500;

/// A page of a list, and where the next one starts (none after the last).
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

fn invalid(field: &str, reason: impl Into<String>) -> AppError {
    Refusal::invalid(field, reason).into()
}

fn limit(text: Option<&String>) -> Result<i64, AppError> {
    let Some(text) = text else { return Ok(DEFAULT_LIMIT) };
    match text.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(invalid("limit", format!("must be a whole number from 1 to {MAX_LIMIT}"))),
    }
}

/// A cursor is the sort's name, the last item's sort key and its id, hex
/// encoded: opaque to clients, and refused with another sort.
fn encode(sort: &str, key: &str, id: &str) -> String {
    hex::encode(format!("{sort}\t{key}\t{id}"))
}

fn decode(sort: &str, cursor: Option<&String>) -> Result<Option<(String, String)>, AppError> {
    let Some(cursor) = cursor else { return Ok(None) };
    let bad = || invalid("cursor", "is not a cursor of this list and sort (take it from the Link header)");
    let text = hex::decode(cursor.trim()).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(bad)?;
    let mut parts = text.splitn(3, '\t');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(s), Some(key), Some(id))
            if s == sort && !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':') =>
        {
            Ok(Some((key.to_string(), id.to_string())))
        }
        _ => Err(bad()),
    }
}

/// Where a page starts, how it is sorted and how long it is, as asked.
struct Window<'a, S> {
    sort: S,
    /// The sort's name, which its cursors carry.
    name: &'a str,
    limit: i64,
    after: Option<(String, String)>,
}

/// Reads `sort` (one of `sorts`, the first by default), `limit` and
/// `cursor`.
fn window<'a, S: Copy>(
    params: &'a BTreeMap<String, String>,
    sorts: &[(&'a str, S)],
) -> Result<Window<'a, S>, AppError> {
    let name = params.get("sort").map(|s| s.trim()).unwrap_or(sorts[0].0);
    let Some(&(name, sort)) = sorts.iter().find(|(n, _)| *n == name) else {
        let names: Vec<&str> = sorts.iter().map(|(n, _)| *n).collect();
        return Err(invalid("sort", format!("must be {}", names.join(" or "))));
    };
    Ok(Window { sort, name, limit: limit(params.get("limit"))?, after: decode(name, params.get("cursor"))? })
}

/// The page and the next cursor from `limit + 1` items read.
fn paged<T>(mut listed: Vec<Listed<T>>, limit: i64, sort: &str, id: impl Fn(&T) -> String) -> Page<T> {
    let more = listed.len() as i64 > limit;
    listed.truncate(limit as usize);
    let next = if more { listed.last().map(|l| encode(sort, &l.key, &id(&l.item))) } else { None };
    Page { items: listed.into_iter().map(|l| l.item).collect(), next }
}

impl App {
    /// The dossiers the actor sees, filtered by the API's parameters:
    /// `q`, `state`, `campaign_id`, a scope kind or an indexed form field,
    /// `sort` (`updated`, latest change first, or `title`), `limit`, `cursor`.
    pub async fn dossier_page(
        &self,
        actor: &Actor,
        params: &BTreeMap<String, String>,
    ) -> Result<Page<DossierSummary>, AppError> {
        let w = window(params, &[("updated", DossierSort::Updated), ("title", DossierSort::Title)])?;
        let mut filter = DossierFilter { sort: w.sort, after: w.after, limit: Some(w.limit + 1), ..Default::default() };
        for (key, value) in params {
            match key.as_str() {
                "sort" | "limit" | "cursor" => {}
                "q" => filter.words = crate::search::words(value),
                "state" => filter.state = Some(value.trim().to_string()),
                "campaign_id" => {
                    let id =
                        uuid::Uuid::parse_str(value.trim()).map_err(|_| invalid("campaign_id", "is not a valid id"))?;
                    filter.campaign = Some(id);
                }
                _ => match self.list_filter(
                    key,
                    value,
                    "dossiers",
                    &["q", "state", "campaign_id", "sort", "limit", "cursor"],
                )? {
                    LabelFilterPart::Scope(scope) => filter.scopes.push(scope),
                    LabelFilterPart::Field(field, value) => filter.fields.push((field, value)),
                },
            }
        }
        let listed = self.list_dossiers(actor, &filter).await?;
        Ok(paged(listed, w.limit, w.name, |d| d.id.clone()))
    }

    /// The labels the actor sees, filtered by the API's parameters: `q`,
    /// `status`, `category`, `expiring_before`, a scope kind or an indexed
    /// form field, `sort` (`valid_until`, the first to end first, or
    /// `title`), `limit`, `cursor`.
    pub async fn label_page(
        &self,
        actor: &Actor,
        params: &BTreeMap<String, String>,
    ) -> Result<Page<LabelView>, AppError> {
        let w = window(params, &[("valid_until", LabelSort::ValidUntil), ("title", LabelSort::Title)])?;
        let mut filter = LabelFilter { sort: w.sort, ..Default::default() };
        for (key, value) in params {
            match key.as_str() {
                "sort" | "limit" | "cursor" => {}
                "q" => filter.words = crate::search::words(value),
                "status" => filter.status = Some(value.clone()),
                "category" => filter.category = Some(value.clone()),
                "expiring_before" => filter.expiring_before = Some(value.clone()),
                _ => filter.fields.push((key.clone(), value.clone())),
            }
        }
        let filter = self.checked_label_filter(filter)?;
        let visibility = super::access::visibility(&*self.workflows, actor);
        let after = w.after.as_ref().map(|(k, i)| (k.as_str(), i.as_str()));
        let listed = self.store.labels_listed(&visibility, &filter, after, Some(w.limit + 1)).await?;
        let mut page = paged(listed, w.limit, w.name, |l| l.id.clone());
        page.items = page.items.into_iter().map(|l| self.label_with_top_level(l)).collect();
        Ok(page)
    }
}

/// Only `limit` and `cursor`, or `allowed` too: any other parameter is
/// refused by name rather than silently ignored.
fn only(params: &BTreeMap<String, String>, allowed: &[&str]) -> Result<(), AppError> {
    match params.keys().find(|k| !["limit", "cursor", "sort"].contains(&k.as_str()) && !allowed.contains(&k.as_str())) {
        Some(k) => Err(invalid(k, format!("is not a filter of this list (it takes {})", allowed.join(", ")))),
        None => Ok(()),
    }
}

/// The creation time and id a mail list's cursor names.
fn mail_key(after: &Option<(String, String)>) -> Result<Option<(i64, &str)>, AppError> {
    match after {
        Some((key, id)) => {
            let at = key.parse::<i64>().map_err(|_| invalid("cursor", "is not a cursor of this list"))?;
            Ok(Some((at, id.as_str())))
        }
        None => Ok(None),
    }
}

impl App {
    /// Accounts, for administrators: `q` (words of the name or address),
    /// `role`, `active` (`true` or `false`), by name; `limit`, `cursor`.
    pub async fn user_page(
        &self,
        actor: &Actor,
        params: &BTreeMap<String, String>,
    ) -> Result<Page<UserView>, AppError> {
        super::accounts::require_admin(actor, "only an administrator lists accounts")?;
        only(params, &["q", "role", "active"])?;
        let w = window(params, &[("name", ())])?;
        let mut filter = UserFilter {
            words: crate::search::words(params.get("q").map_or("", |q| q.as_str())),
            ..Default::default()
        };
        if let Some(role) = params.get("role").map(|r| r.trim()).filter(|r| !r.is_empty()) {
            let known =
                role == crate::workflow::Role::ADMIN || self.workflows.roles().iter().any(|r| r.name.name() == role);
            if !known {
                return Err(invalid("role", "is not a role of the workflows (GET /api/v1/workflows: roles) nor admin"));
            }
            filter.role = Some(role.to_string());
        }
        filter.active = match params.get("active").map(|a| a.trim()) {
            None | Some("") => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => return Err(invalid("active", "must be true or false")),
        };
        let after = w.after.as_ref().map(|(k, i)| (k.as_str(), i.as_str()));
        let listed = self.store.users_listed(&filter, after, w.limit + 1).await?;
        Ok(paged(listed, w.limit, w.name, |u| u.id.clone()))
    }

    /// E-mails sent (or to be sent) to the actor, newest first; `status`
    /// (pending, sent, dead), `limit`, `cursor`.
    pub async fn notification_page(
        &self,
        actor: &Actor,
        params: &BTreeMap<String, String>,
    ) -> Result<Page<MailView>, AppError> {
        let user = actor.user_id.ok_or(super::accounts::AuthError::InvalidToken)?;
        only(params, &["status"])?;
        let w = window(params, &[("created", ())])?;
        let status = match params.get("status").map(|s| s.trim()) {
            None | Some("") => None,
            Some(s @ ("pending" | "sent" | "dead")) => Some(s),
            Some(_) => return Err(invalid("status", "must be pending, sent or dead")),
        };
        let listed = self.store.notifications(user, status, mail_key(&w.after)?, w.limit + 1).await?;
        Ok(paged(listed, w.limit, w.name, |m| m.id.clone()))
    }

    /// E-mails that exhausted their attempts, oldest first, for
    /// administrators; `limit`, `cursor`.
    pub async fn dead_mail_page(
        &self,
        actor: &Actor,
        params: &BTreeMap<String, String>,
    ) -> Result<Page<MailView>, AppError> {
        super::accounts::require_admin(actor, "only an administrator sees undelivered e-mails")?;
        only(params, &[])?;
        let w = window(params, &[("created", ())])?;
        let listed = self.store.dead_mail(mail_key(&w.after)?, w.limit + 1).await?;
        Ok(paged(listed, w.limit, w.name, |m| m.id.clone()))
    }

    /// A webhook's deliveries, newest first, for administrators: `status`
    /// (pending, delivered, dead, cancelled); `limit`, `cursor`.
    pub async fn webhook_delivery_page(
        &self,
        actor: &Actor,
        webhook: uuid::Uuid,
        params: &BTreeMap<String, String>,
    ) -> Result<Page<crate::store::webhooks::DeliveryView>, AppError> {
        super::accounts::require_admin(actor, "only an administrator manages webhooks")?;
        only(params, &["status"])?;
        let w = window(params, &[("created", ())])?;
        let status = match params.get("status").map(|s| s.trim()) {
            None | Some("") => None,
            Some(s @ ("pending" | "delivered" | "dead" | "cancelled")) => Some(s),
            Some(_) => return Err(invalid("status", "must be pending, delivered, dead or cancelled")),
        };
        self.store.webhook(webhook).await?;
        let listed = self.store.webhook_deliveries(webhook, status, mail_key(&w.after)?, w.limit + 1).await?;
        Ok(paged(listed, w.limit, w.name, |d| d.id.clone()))
    }

    /// A page of a dossier's (`Machine::Dossier`) or a label's audit trail,
    /// oldest first, as its reader may see it; `limit`, `cursor`
    /// (`format` is the caller's).
    pub async fn audit_page(
        &self,
        actor: &Actor,
        machine: crate::workflow::Machine,
        id: uuid::Uuid,
        params: &BTreeMap<String, String>,
    ) -> Result<Page<TrailEntry>, AppError> {
        only(params, &["format", "action"])?;
        let w = window(params, &[("number", ())])?;
        let after = match &w.after {
            Some((key, _)) => key.parse::<i64>().map_err(|_| invalid("cursor", "is not a cursor of this list"))?,
            None => 0,
        };
        let action = params.get("action").map(|a| a.trim()).filter(|a| !a.is_empty());
        let named = |a: &str| a.len() <= 64 && a.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        if action.is_some_and(|a| !named(a)) {
            return Err(invalid("action", "is an action's name: lower-case letters and _"));
        }
        let entries = match machine {
            crate::workflow::Machine::Dossier => self.dossier_audit(actor, id, action, after, w.limit + 1).await?,
            crate::workflow::Machine::Label => self.label_audit(actor, id, action, after, w.limit + 1).await?,
        };
        let listed = entries.into_iter().map(|e| Listed { key: e.number.to_string(), item: e }).collect();
        Ok(paged(listed, w.limit, w.name, |_| id.to_string()))
    }
}

impl App {
    /// The labels the actor sees, counted by workflow, state and the values
    /// of `fields`: the dashboards' cards and charts without reading every
    /// label.
    pub async fn label_tally(
        &self,
        actor: &Actor,
        fields: &[&str],
    ) -> Result<Vec<crate::store::tallies::Tally>, AppError> {
        Ok(self.store.label_tally(&super::access::visibility(&*self.workflows, actor), fields).await?)
    }

    /// At most `limit` of the labels the actor sees whose validity ends on
    /// or after `from`, the first to end first.
    pub async fn labels_ending_from(
        &self,
        actor: &Actor,
        from: chrono::NaiveDate,
        limit: i64,
    ) -> Result<Vec<LabelView>, AppError> {
        let visibility = super::access::visibility(&*self.workflows, actor);
        // After the day before `from` and an id above every id (`~` sorts
        // after digits, letters and `-`): from the first label ending on `from`.
        let before = (from - chrono::Duration::days(1)).format("%Y-%m-%d").to_string();
        let listed = self
            .store
            .labels_listed(&visibility, &Default::default(), Some((before.as_str(), "~")), Some(limit))
            .await?;
        Ok(listed.into_iter().map(|l| self.label_with_top_level(l.item)).collect())
    }

    /// How many dossiers the actor sees.
    pub async fn dossier_count(&self, actor: &Actor) -> Result<i64, AppError> {
        Ok(self.store.dossier_count(&super::access::visibility(&*self.workflows, actor)).await?)
    }
}
