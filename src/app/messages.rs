//! A dossier's message thread, for the workflows that open one
//! (`[messages]`): its owners and the staff who see its audit trail write;
//! the assigned reviewers read it when the workflow says so.

use super::dossiers::dossier_facts;
use super::{access, App, AppError};
use crate::engine::{Actor, Message, Refusal};
use crate::store::messages::{MessageView, NewMessage, MESSAGE_TEMPLATE, NOTE_TEMPLATE};
use crate::workflow::Recipient;
use uuid::Uuid;

/// The longest message, in characters.
pub const MAX_MESSAGE: usize = 5_000;

/// How the actor takes part in a dossier's thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Writes(&'static str),
    Reads,
}

impl App {
    async fn thread_part(&self, actor: &Actor, id: Uuid) -> Result<(Part, crate::engine::Instance), AppError> {
        let instance = self.visible_dossier(actor, id).await?;
        let def = self.definition_of(&instance)?;
        if !def.messages.enabled {
            return Err(crate::store::StoreError::NotFound { what: "message thread" }.into());
        }
        let d = dossier_facts(&instance);
        let part = if access::is_owner(&*self.workflows, actor, d) {
            Part::Writes("owners")
        } else if access::sees_audit(&*self.workflows, actor, d) {
            Part::Writes("staff")
        } else if def.messages.reviewers_read && access::is_assigned(&*self.workflows, actor, d) {
            Part::Reads
        } else {
            return Err(Refusal::NotAllowed { reason: "the thread is for the owners and the staff".into() }.into());
        };
        Ok((part, instance))
    }

    /// The thread of a dossier, oldest first (the staff's private notes for
    /// the staff only); reading it marks it read.
    pub async fn messages(&self, actor: &Actor, id: Uuid) -> Result<Vec<MessageView>, AppError> {
        let user = actor.user_id.ok_or(super::accounts::AuthError::InvalidToken)?;
        let (part, _) = self.thread_part(actor, id).await?;
        Ok(self.store.thread(id, user, part == Part::Writes("staff")).await?)
    }

    /// Writes a message in a dossier's thread; the other side is e-mailed.
    /// A `private` note is the staff's: never shown to the owners (nor to
    /// the reviewers), it e-mails only the people it mentions
    /// (`@name@domain`), who must be able to read it.
    pub async fn post_message(&self, actor: &Actor, id: Uuid, body: &str, private: bool) -> Result<Uuid, AppError> {
        let (part, instance) = self.thread_part(actor, id).await?;
        let Part::Writes(side) = part else {
            return Err(
                Refusal::NotAllowed { reason: "reviewers read the thread, they do not write in it".into() }.into()
            );
        };
        if private && side != "staff" {
            return Err(Refusal::NotAllowed { reason: "private notes are the staff's".into() }.into());
        }
        let body = body.trim();
        let control = body.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t');
        if body.is_empty() || body.chars().count() > MAX_MESSAGE || control {
            let reason = format!("is required, at most {MAX_MESSAGE} characters, without control characters");
            return Err(Refusal::invalid("body", reason).into());
        }
        let def = self.definition_of(&instance)?;
        let (template, to) = if private {
            (NOTE_TEMPLATE, self.mentioned(&instance, body).await?)
        } else {
            (MESSAGE_TEMPLATE, crate::workflow::messages::other_side(&def.roles, side))
        };
        let notify = Message { template: template.into(), to, subject_user: None };
        let message = NewMessage { dossier: id, author: actor, side, body, private, notify };
        let posted = self.store.post_message(&message, self.clock.now()).await?;
        self.mail_wake.notify_one();
        Ok(posted)
    }

    /// The people a note mentions (`@name@domain`), each one who may read
    /// the dossier's notes; any other mention is refused, the same way
    /// whether or not the address has an account.
    async fn mentioned(&self, instance: &crate::engine::Instance, body: &str) -> Result<Vec<Recipient>, AppError> {
        let mut to = Vec::new();
        for word in body.split_whitespace().filter_map(|w| w.strip_prefix('@')) {
            let address = word.trim_end_matches(|c: char| ".,;:!?)»".contains(c)).to_lowercase();
            if !address.contains('@') {
                continue;
            }
            let refused = || Refusal::invalid("body", format!("@{address} does not read this dossier's notes"));
            let reader = match self.store.active_user_by_email(&address).await? {
                Some(user) => self.store.actor(user).await?,
                None => return Err(refused().into()),
            };
            if !access::sees_audit(&*self.workflows, &reader, dossier_facts(instance)) {
                return Err(refused().into());
            }
            let recipient = Recipient::account(&address).ok_or_else(refused)?;
            if !to.contains(&recipient) {
                to.push(recipient);
            }
        }
        Ok(to)
    }
}
