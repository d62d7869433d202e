//! Calendar feeds: the deadlines that concern a person, at a secret
//! address they can replace or revoke, read without logging in.

use super::accounts::{token_hash, AuthError};
use super::{access, App, AppError};
use crate::calendar::{add_months, next_anniversary, paris_date};
use crate::engine::Actor;
use crate::ical::{CalEvent, When};
use crate::store::labels::LabelFilter;
use crate::workflow::{Machine, RoleKind, Stage};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

fn instant(rfc3339: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(rfc3339).ok().map(|t| t.with_timezone(&Utc))
}

impl App {
    /// A new secret address token for the actor's feed; any former one
    /// stops working.
    pub async fn open_calendar_feed(&self, actor: &Actor) -> Result<String, AppError> {
        let user = actor.user_id.ok_or(AuthError::InvalidToken)?;
        let mut bytes = [0u8; 24];
        OsRng.fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        self.store.set_calendar_feed(user, &token_hash(&token), self.clock.now()).await?;
        Ok(token)
    }

    pub async fn revoke_calendar_feed(&self, actor: &Actor) -> Result<(), AppError> {
        let user = actor.user_id.ok_or(AuthError::InvalidToken)?;
        Ok(self.store.revoke_calendar_feed(user).await?)
    }

    pub async fn calendar_feed_since(&self, actor: &Actor) -> Result<Option<DateTime<Utc>>, AppError> {
        let user = actor.user_id.ok_or(AuthError::InvalidToken)?;
        Ok(self.store.calendar_feed_since(user).await?)
    }

    /// The feed behind a secret address, as iCalendar text.
    pub async fn calendar_feed(&self, token: &str, public_url: &str) -> Result<String, AppError> {
        let user = self.store.calendar_feed_user(&token_hash(token)).await?.ok_or(AuthError::InvalidToken)?;
        let actor = self.store.actor(user).await?;
        let events = self.calendar_events(&actor, public_url).await?;
        Ok(crate::ical::render("labelflow — échéances", &events, self.clock.now()))
    }

    /// The deadlines that concern the actor, from today on, within what
    /// they may see.
    pub async fn calendar_events(&self, actor: &Actor, public_url: &str) -> Result<Vec<CalEvent>, AppError> {
        let now = self.clock.now();
        let today = paris_date(now);
        let base = public_url.trim_end_matches('/');
        let mut events = Vec::new();
        let owner_or_staff =
            actor.has_kind(&*self.workflows, RoleKind::Owner) || access::follows_up(&*self.workflows, actor);
        if owner_or_staff {
            for c in self.store.campaigns().await? {
                let Some(closes) = instant(&c.closes_at).filter(|t| *t > now) else { continue };
                events.push(CalEvent {
                    uid: format!("call-closing.{}@labelflow", c.id),
                    summary: format!("Clôture de l'appel à projets « {} »", c.name),
                    description: "Dernier moment pour déposer un dossier.".into(),
                    url: String::new(),
                    when: When::Instant(closes),
                    sequence: 0,
                });
            }
        }
        let reviewing = self.workflows.states_at(Machine::Dossier, Stage::Reviewing);
        let in_force = self.workflows.states_at(Machine::Label, Stage::InForce);
        let mut completing = Vec::new();
        for state in self.workflows.states_at(Machine::Dossier, Stage::Completing) {
            completing.extend(self.dossiers(actor, Some(&state), None).await?);
        }
        for d in completing {
            let Ok(id) = uuid::Uuid::parse_str(&d.id) else { continue };
            let view = self.store.dossier_view(id).await?;
            let Some(due) = view.completion.as_ref().and_then(|c| instant(&c.due)).filter(|t| *t > now) else {
                continue;
            };
            events.push(CalEvent {
                uid: format!("completion.{}@labelflow", d.id),
                summary: format!("Compléments attendus : {}", d.title),
                description: view.completion.map(|c| c.message).unwrap_or_default(),
                url: format!("{base}/dossiers/{}", d.id),
                when: When::Instant(due),
                sequence: view.version,
            });
        }
        for a in self.assignments(actor).await? {
            let Some(due) = instant(&a.due_at).filter(|t| *t > now && !a.submitted && reviewing.contains(&a.state))
            else {
                continue;
            };
            events.push(CalEvent {
                uid: format!("review.{}.{}@labelflow", a.dossier_id, actor.user_id.unwrap_or_default()),
                summary: format!("Expertise à rendre : {}", a.title),
                description: "Une note par critère et un commentaire.".into(),
                url: format!("{base}/dossiers/{}", a.dossier_id),
                when: When::Instant(due),
                sequence: 0,
            });
        }
        for l in self.labels(actor, &LabelFilter::default()).await? {
            if !in_force.contains(&l.status) {
                continue;
            }
            let (Ok(from), Ok(until)) = (
                NaiveDate::parse_from_str(&l.valid_from, "%Y-%m-%d"),
                NaiveDate::parse_from_str(&l.valid_until, "%Y-%m-%d"),
            ) else {
                continue;
            };
            let url = format!("{base}/labels/{}", l.id);
            let mut day = |kind: &str, summary: String, description: &str, date: NaiveDate| {
                if date >= today {
                    events.push(CalEvent {
                        uid: format!("{kind}.{}@labelflow", l.id),
                        summary,
                        description: description.into(),
                        url: url.clone(),
                        when: When::Day(date),
                        sequence: l.version,
                    });
                }
            };
            day(
                "renewal-window",
                format!("Ouverture du renouvellement : {}", l.title),
                "Le dossier de renouvellement peut être déposé à partir de ce jour.",
                add_months(until, -12),
            );
            day(
                "expiry",
                format!("Dernier jour du label : {}", l.title),
                "Sans renouvellement, le label expire.",
                until,
            );
            if let Some(anniversary) = next_anniversary(from, until, today) {
                day(
                    &format!("report-{}", anniversary.year()),
                    format!("Rapport d'activité {} attendu : {}", anniversary.year(), l.title),
                    "Rapport annuel à déposer sur la page du label.",
                    anniversary,
                );
            }
        }
        events.sort_by_key(|e| match &e.when {
            When::Instant(t) => paris_date(*t),
            When::Day(d) => *d,
        });
        Ok(events)
    }
}
