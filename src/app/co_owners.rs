//! Co-owners: an owner invites someone by e-mail to own the dossier with
//! them; the link, once, makes them an owner (their account opened with
//! the workflow's owner role if they have none). The owners read who of
//! them did what on the dossier.

use super::accounts::{email_address, token_hash, AuthError, INVITE_DAYS};
use super::dossiers::dossier_facts;
use super::{access, App, AppError};
use crate::engine::{Actor, Refusal};
use crate::store::co_owners::{Acceptor, CoOwnerInvitation, OwnerView};
use crate::store::link_tokens::LinkKind;
use crate::store::records::NewUser;
use crate::workflow::{Definition, Machine, Role, RoleKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A dossier's owners and the invitations to join them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoOwners {
    pub owners: Vec<OwnerView>,
    pub invitations: Vec<CoOwnerInvitation>,
}

/// What a co-owner link shows before it is accepted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoOwnerLink {
    /// open (else the link answers 410).
    pub status: String,
    pub title: String,
    /// The label's name.
    pub workflow_label: String,
    pub email: String,
    pub invited_by: String,
    pub expires_at: String,
    /// The invited address has an account: accept logged in as it.
    pub account_exists: bool,
}

/// The account a co-owner opens by accepting, when the address has none.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewCoOwner {
    pub name: String,
    pub password: String,
}

/// One thing the owners did on their dossier, as they read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnerEdit {
    /// RFC 3339.
    pub at: String,
    /// The owner, by name.
    pub by: String,
    /// The step or edit (`update`, `add_attachment`, an event of the workflow…).
    pub action: String,
    /// The form's fields an edit changed, by name.
    pub fields: Vec<String>,
}

fn forbidden(reason: &str) -> AppError {
    AppError::Refused(Refusal::NotAllowed { reason: reason.into() })
}

/// The role a co-owner holds: the workflow's owner role.
fn owner_role(def: &Definition) -> Result<Role, AppError> {
    let role = def.roles.iter().find(|r| r.kind == RoleKind::Owner).map(|r| r.name.clone());
    role.ok_or_else(|| forbidden("this label has no owner role"))
}

impl App {
    /// Invites `email` to co-own a dossier its owner (the actor) owns.
    pub async fn invite_co_owner(
        &self,
        actor: &Actor,
        dossier: Uuid,
        email: &str,
    ) -> Result<CoOwnerInvitation, AppError> {
        let instance = self.visible_dossier(actor, dossier).await?;
        if !access::is_owner(&*self.workflows, actor, dossier_facts(&instance)) {
            return Err(forbidden("only the dossier's owners invite co-owners"));
        }
        owner_role(&*self.definition_of(&instance)?)?;
        let email = email_address(email)?;
        if self.store.owners_of(dossier).await?.iter().any(|o| o.email == email) {
            return Err(Refusal::invalid("email", "already owns this dossier").into());
        }
        let now = self.clock.now();
        let id =
            self.store.invite_co_owner(dossier, &email, now + chrono::Duration::days(INVITE_DAYS), actor, now).await?;
        self.mail_wake.notify_one();
        Ok(self.store.co_owner_invitation(id, now).await?)
    }

    /// The owners and the invitations, for the owners and the staff who
    /// follow the dossier (its reviewers read neither).
    pub async fn co_owners(&self, actor: &Actor, dossier: Uuid) -> Result<CoOwners, AppError> {
        let instance = self.visible_dossier(actor, dossier).await?;
        let d = dossier_facts(&instance);
        let roles = &*self.workflows;
        if !(access::is_owner(roles, actor, d) || access::sees_audit(roles, actor, d)) {
            return Err(forbidden("the owners are for the owners and the staff"));
        }
        Ok(CoOwners {
            owners: self.store.owners_of(dossier).await?,
            invitations: self.store.co_owner_invitations(dossier, self.clock.now()).await?,
        })
    }

    /// Revokes an open invitation (an owner of the dossier).
    pub async fn revoke_co_owner(&self, actor: &Actor, dossier: Uuid, invitation: Uuid) -> Result<(), AppError> {
        let instance = self.visible_dossier(actor, dossier).await?;
        if !access::is_owner(&*self.workflows, actor, dossier_facts(&instance)) {
            return Err(forbidden("only the dossier's owners revoke its invitations"));
        }
        let now = self.clock.now();
        let view = self.store.co_owner_invitation(invitation, now).await?;
        if view.dossier() != dossier {
            return Err(crate::store::StoreError::NotFound { what: "invitation" }.into());
        }
        if !self.store.revoke_co_owner(invitation, actor, now).await? {
            return Err(Refusal::WrongState { event: "revoke_co_owner".into(), state: view.status }.into());
        }
        Ok(())
    }

    /// The open invitation a link's token opens (404 unknown, 410 spent).
    async fn open_co_owner_invitation(&self, token: &str) -> Result<CoOwnerInvitation, AppError> {
        let id =
            self.store.link_target(LinkKind::CoOwner, &token_hash(token)).await?.ok_or(AuthError::UnknownInvitation)?;
        let invitation = self.store.co_owner_invitation(id, self.clock.now()).await?;
        if invitation.status != "open" {
            return Err(AuthError::SpentInvitation.into());
        }
        Ok(invitation)
    }

    pub async fn co_owner_link(&self, token: &str) -> Result<CoOwnerLink, AppError> {
        let invitation = self.open_co_owner_invitation(token).await?;
        let instance = self.store.instance(Machine::Dossier, invitation.dossier()).await?;
        let def = self.definition_of(&instance)?;
        let view = self.store.dossier_view(invitation.dossier()).await?;
        Ok(CoOwnerLink {
            status: invitation.status,
            title: view.title,
            workflow_label: def.label.clone(),
            account_exists: self.store.active_user_by_email(&invitation.email).await?.is_some(),
            email: invitation.email,
            invited_by: invitation.invited_by,
            expires_at: invitation.expires_at,
        })
    }

    /// Accepts a link: as the logged-in account of the invited address, or,
    /// for an address with no account, opening one with `new`. Returns the
    /// new owner and the dossier.
    pub async fn accept_co_owner(
        &self,
        token: &str,
        caller: Option<&Actor>,
        new: Option<&NewCoOwner>,
    ) -> Result<(Uuid, Uuid), AppError> {
        let invitation = self.open_co_owner_invitation(token).await?;
        let instance = self.store.instance(Machine::Dossier, invitation.dossier()).await?;
        let role = owner_role(&*self.definition_of(&instance)?)?;
        let account = self.store.active_user_by_email(&invitation.email).await?;
        let hash;
        let user;
        let acceptor = match (account, caller.and_then(|c| c.user_id)) {
            (Some(existing), Some(me)) if existing == me => Acceptor::Existing(me),
            (Some(_), _) => {
                return Err(forbidden("log in with the invited address's account to accept"));
            }
            (None, _) => {
                let new = new.ok_or_else(|| Refusal::invalid("name", "is required"))?;
                let mut errors = Vec::new();
                if new.name.trim().is_empty() || new.name.trim().chars().count() > 200 {
                    errors.push(("name".to_string(), "is required, at most 200 characters".to_string()));
                }
                if new.password.chars().count() < crate::auth::MIN_PASSWORD {
                    errors.push((
                        "password".to_string(),
                        format!("must be at least {} characters", crate::auth::MIN_PASSWORD),
                    ));
                }
                if let Some(refusal) = Refusal::all_invalid(errors) {
                    return Err(refusal.into());
                }
                hash = crate::auth::hash_password(&new.password)
                    .map_err(|e| crate::store::StoreError::Invalid(format!("password: {e}")))?;
                user = NewUser {
                    email: invitation.email.clone(),
                    name: new.name.trim().to_string(),
                    password_hash: hash,
                    grants: vec![crate::engine::Grant { role: role.clone(), scope: None }],
                    affiliations: vec![],
                };
                Acceptor::New(&user)
            }
        };
        let owner = self.store.accept_co_owner(&invitation, acceptor, &role, self.clock.now()).await?;
        let owner = owner.ok_or(AuthError::SpentInvitation)?;
        Ok((owner, invitation.dossier()))
    }

    /// What the owners did on their dossier, oldest first, by whom: for
    /// its owners (and the staff who read its trail).
    pub async fn owner_edits(&self, actor: &Actor, dossier: Uuid) -> Result<Vec<OwnerEdit>, AppError> {
        let instance = self.visible_dossier(actor, dossier).await?;
        let d = dossier_facts(&instance);
        let roles = &*self.workflows;
        if !(access::is_owner(roles, actor, d) || access::sees_audit(roles, actor, d)) {
            return Err(forbidden("the owners' edits are for the owners and the staff"));
        }
        let owners = self.store.owners_of(dossier).await?;
        let trail = self.store.trail("dossier", &dossier.to_string()).await?;
        // An edit's entry holds the fields it changed, before and after.
        let changed = |e: &crate::store::audit::TrailEntry| -> Vec<String> {
            match (e.action.as_str(), e.after.as_object()) {
                ("update", Some(after)) => after.keys().cloned().collect(),
                _ => vec![],
            }
        };
        Ok(trail
            .iter()
            .filter_map(|e| {
                let by = owners.iter().find(|o| e.actor == format!("user:{}", o.id))?;
                Some(OwnerEdit {
                    at: e.at.to_rfc3339(),
                    by: by.name.clone(),
                    action: e.action.clone(),
                    fields: changed(e),
                })
            })
            .collect())
    }
}
