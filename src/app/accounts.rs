//! Login, sessions and passwords.

use super::{App, AppError};
use crate::auth::{hash_password, verify_password};
use crate::engine::{Actor, Grant, Refusal, Scope};
use crate::reference;
use crate::store::password_links::{LinkPurpose, PasswordLink};
use crate::store::records::NewUser;
use crate::store::views::UserView;
use crate::workflow::{Role, RoleKind, RoleTable, Workflows};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use chrono::Duration;
use sha2::{Digest, Sha256};

/// How long an API token lives.
pub const SESSION_HOURS: i64 = 12;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("invalid e-mail or password")]
    InvalidCredentials,
    #[error("missing or expired token")]
    InvalidToken,
    #[error("too many failed logins; try again in {seconds} s")]
    Throttled { seconds: i64 },
    #[error("unknown password link")]
    UnknownLink,
    #[error("this password link was used, replaced by a newer one, or has expired")]
    SpentLink,
    #[error("unknown link")]
    UnknownInvitation,
    #[error("this link was used, revoked, or is past its deadline")]
    SpentInvitation,
    #[error("this API token only reads: it may send GET requests only")]
    ReadOnlyToken,
    #[error("this needs a person's session, not an API token")]
    SessionRequired,
}

/// How long an administrator's invitation stays open.
pub const INVITE_DAYS: i64 = 7;
/// How long a link for a forgotten password stays open.
pub const RESET_HOURS: i64 = 2;
/// At most one forgotten-password e-mail per account in this time: the
/// form is open to anyone, who must not flood a mailbox through it.
pub const RESET_QUIET_MINUTES: i64 = 2;

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl App {
    /// A new bearer token for valid credentials from `client` (its
    /// address). Unknown addresses take as long as wrong passwords, so
    /// timing tells nothing; failures are throttled (`app::throttle`).
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        client: &str,
    ) -> Result<(String, chrono::DateTime<chrono::Utc>), AppError> {
        use super::throttle::{self, Kind};
        let now = self.clock.now();
        let keys = throttle::keys(client, email);
        let counters = self.store.throttle_counters(&keys).await?;
        if let Some(until) = throttle::locked_until(&counters, &keys, now) {
            let seconds = ((until - now).num_milliseconds() + 999).div_euclid(1000).max(1);
            return Err(AuthError::Throttled { seconds }.into());
        }
        let credentials = self.store.credentials(email).await?;
        let ok = match &credentials {
            Some((_, hash)) => verify_password(password, hash),
            None => {
                verify_password(password, &self.decoy_hash);
                false
            }
        };
        let Some((user, _)) = credentials.filter(|_| ok) else {
            let now_us = crate::store::to_micros(now);
            self.store
                .throttle_failed(
                    &keys,
                    now_us,
                    throttle::QUIET_SECONDS * 1_000_000,
                    now_us - throttle::FORGET_SECONDS * 1_000_000,
                    |i, failures| throttle::lock_for(Kind::ALL[i], failures, now),
                )
                .await?;
            return Err(AuthError::InvalidCredentials.into());
        };
        if counters.iter().any(|(k, _)| *k == keys[0]) {
            self.store.throttle_clear(&keys[0]).await?;
        }
        let (token, expires) = self.new_session_token();
        self.store.create_session(&token_hash(&token), user, self.clock.now(), expires).await?;
        Ok((token, expires))
    }

    /// A new session token (only its hash is stored) and its end.
    pub(super) fn new_session_token(&self) -> (String, chrono::DateTime<chrono::Utc>) {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        (hex::encode(bytes), self.clock.now() + Duration::hours(SESSION_HOURS))
    }

    /// The actor behind a bearer token.
    pub async fn authenticate(&self, token: &str) -> Result<Actor, AppError> {
        Ok(self.authenticate_named(token).await?.0)
    }

    /// The actor behind a bearer or session token, and their name.
    pub async fn authenticate_named(&self, token: &str) -> Result<(Actor, String), AppError> {
        let found = self.store.session_actor(&token_hash(token), self.clock.now()).await?;
        Ok(found.ok_or(AuthError::InvalidToken)?)
    }

    pub async fn logout(&self, token: &str) -> Result<(), AppError> {
        Ok(self.store.end_session(&token_hash(token)).await?)
    }

    /// Everything held about the caller, as one JSON document: the
    /// account, then what `Store::personal_data` gathers.
    pub async fn personal_data(&self, actor: &Actor) -> Result<serde_json::Value, AppError> {
        let user = actor.user_id.ok_or(AuthError::InvalidToken)?;
        let mut data = self.store.personal_data(user).await?;
        let account = serde_json::to_value(self.store.user_view(user).await?)
            .map_err(|e| crate::store::StoreError::Invalid(format!("the account cannot be written out: {e}")))?;
        data["account"] = account;
        data["generated_at"] = self.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true).into();
        Ok(data)
    }

    pub async fn me(&self, actor: &Actor) -> Result<UserView, AppError> {
        let user = actor.user_id.ok_or(AuthError::InvalidToken)?;
        let mut view = self.store.user_view(user).await?;
        // Through a token narrowed to a territory, the roles it acts with.
        let acting: Vec<String> = actor.grants.iter().map(ToString::to_string).collect();
        view.roles.retain(|role| acting.contains(role));
        Ok(view)
    }

    /// Changes the caller's password; their other sessions end.
    pub async fn change_password(&self, actor: &Actor, token: &str, current: &str, new: &str) -> Result<(), AppError> {
        let user = actor.user_id.ok_or(AuthError::InvalidToken)?;
        if !verify_password(current, &self.store.password_hash(user).await?) {
            return Err(Refusal::invalid("current", "is not your current password").into());
        }
        let hash =
            hash_password(new).map_err(|e| Refusal::invalid("new", e.to_string().trim_start_matches("password: ")))?;
        self.store.set_password(user, &hash, &token_hash(token), actor, self.clock.now()).await?;
        Ok(())
    }

    /// Opens an account with one role; staff roles take the scope they act
    /// for.
    pub async fn create_user(&self, actor: &Actor, input: &NewAccount) -> Result<UserView, AppError> {
        require_admin(actor, "only an administrator opens accounts")?;
        let email = email_address(&input.email)?;
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 200 || input.name.chars().any(char::is_control) {
            return Err(Refusal::invalid("name", "is required, on one line, at most 200 characters").into());
        }
        let Grant { role, scope } = self.grant(&input.role, &input.scope)?;
        let affiliations = input
            .affiliations
            .iter()
            .filter(|a| !a.trim().is_empty())
            .map(|a| affiliation(&self.workflows, a))
            .collect::<Result<Vec<_>, _>>()?;
        // No password: the person chooses it through the invitation's link.
        let password_hash = match &input.password {
            Some(p) => hash_password(p)
                .map_err(|e| Refusal::invalid("password", e.to_string().trim_start_matches("password: ")))?,
            None => String::new(),
        };
        let user =
            NewUser { email, name: name.to_string(), password_hash, grants: vec![Grant { role, scope }], affiliations };
        let now = self.clock.now();
        let id = if input.password.is_some() {
            self.store.create_user(&user, actor, now).await?
        } else {
            let id = self.store.invite_user(&user, now + Duration::days(INVITE_DAYS), actor, now).await?;
            self.mail_wake.notify_one();
            id
        };
        Ok(self.store.user_view(id).await?)
    }

    /// Sends an account's owner a link to choose their password (an
    /// invitation again if they never chose one), ending former links;
    /// administrators only.
    /// Erases an account's personal data at the person's request
    /// (administrators; recorded in the account's trail): see
    /// `Store::erase_account`. The account stays, deactivated, so that the
    /// trails naming it still hold together.
    pub async fn erase_account(
        &self,
        actor: &Actor,
        id: uuid::Uuid,
    ) -> Result<crate::store::erasure::Erasure, AppError> {
        require_admin(actor, "only an administrator erases an account's personal data")?;
        if actor.user_id == Some(id) {
            return Err(Refusal::invalid("id", "an administrator does not erase their own account").into());
        }
        Ok(self.store.erase_account(id, actor, self.clock.now()).await?)
    }

    pub async fn send_password_link(&self, actor: &Actor, id: uuid::Uuid) -> Result<UserView, AppError> {
        require_admin(actor, "only an administrator sends password links")?;
        let view = self.store.user_view(id).await?;
        if !view.active {
            return Err(Refusal::invalid("active", "the account is deactivated; reactivate it first").into());
        }
        let now = self.clock.now();
        let (purpose, expires) = if view.password_set {
            (LinkPurpose::Reset, now + Duration::days(1))
        } else {
            (LinkPurpose::Invite, now + Duration::days(INVITE_DAYS))
        };
        self.store.send_password_link(id, purpose, expires, None, actor, now).await?;
        self.mail_wake.notify_one();
        Ok(view)
    }

    /// A forgotten password: e-mails the account of `email`, if there is an
    /// active one, a link valid [`RESET_HOURS`]. The answer is the same
    /// whether or not the address has an account.
    pub async fn request_password_reset(&self, email: &str) -> Result<(), AppError> {
        let now = self.clock.now();
        let Ok(email) = email_address(email) else { return Ok(()) };
        if let Some(user) = self.store.active_user_by_email(&email).await? {
            let quiet = now - Duration::minutes(RESET_QUIET_MINUTES);
            let actor = Actor::system();
            let expires = now + Duration::hours(RESET_HOURS);
            if self.store.send_password_link(user, LinkPurpose::Reset, expires, Some(quiet), &actor, now).await? {
                self.mail_wake.notify_one();
            }
        }
        Ok(())
    }

    /// The link behind a token, still usable.
    pub async fn password_link(&self, token: &str) -> Result<PasswordLink, AppError> {
        let link =
            self.store.password_link(&token_hash(token), self.clock.now()).await?.ok_or(AuthError::UnknownLink)?;
        if !link.usable {
            return Err(AuthError::SpentLink.into());
        }
        Ok(link)
    }

    /// Sets the password of a link's account: once; every session of the
    /// account ends.
    pub async fn use_password_link(&self, token: &str, password: &str) -> Result<PasswordLink, AppError> {
        let link = self.password_link(token).await?;
        let hash = hash_password(password)
            .map_err(|e| Refusal::invalid("password", e.to_string().trim_start_matches("password: ")))?;
        if !self.store.use_password_link(&link, &hash, self.clock.now()).await? {
            return Err(AuthError::SpentLink.into());
        }
        Ok(link)
    }
}

impl App {
    /// A role of the workflows (or `admin`) and, for a staff role, the item
    /// of its scope's list it acts for.
    fn grant(&self, role: &str, scope: &str) -> Result<Grant, AppError> {
        let role = Role::new(role.trim());
        let kind = self.workflows.kind_of(&role).filter(|k| !matches!(k, RoleKind::System | RoleKind::Guest));
        if kind.is_none() {
            let names: Vec<&str> =
                std::iter::once(Role::ADMIN).chain(self.workflows.roles().into_iter().map(|r| r.name.name())).collect();
            return Err(Refusal::invalid("role", format!("must be one of {}", names.join(", "))).into());
        }
        let scope = match self.workflows.role(&role).and_then(|r| r.scope.as_deref()) {
            Some(kind) => Some(listed_scope(&self.workflows, kind, scope).ok_or_else(|| {
                Refusal::invalid("scope", format!("must be the {kind} this staff member acts for (code or name)"))
            })?),
            None => None,
        };
        Ok(Grant { role, scope })
    }

    /// Changes an account's roles (all of them, replaced) and/or
    /// (de)activates it; administrators only, never to lock themselves out.
    pub async fn update_account(
        &self,
        actor: &Actor,
        id: uuid::Uuid,
        input: &AccountChanges,
    ) -> Result<UserView, AppError> {
        require_admin(actor, "only an administrator changes accounts")?;
        self.store.user_view(id).await?;
        let grants = match &input.roles {
            Some(roles) if roles.is_empty() => {
                return Err(
                    Refusal::invalid("roles", "an account holds at least one role; deactivate it instead").into()
                )
            }
            Some(roles) => {
                let mut grants = Vec::new();
                for r in roles {
                    let g = self.grant(&r.role, r.scope.as_deref().unwrap_or_default())?;
                    if !grants.contains(&g) {
                        grants.push(g);
                    }
                }
                Some(grants)
            }
            None => None,
        };
        if actor.user_id == Some(id) {
            if input.active == Some(false) {
                return Err(Refusal::invalid("active", "an administrator does not deactivate their own account").into());
            }
            if grants.as_ref().is_some_and(|g| !g.iter().any(|g| g.role.is_admin())) {
                return Err(
                    Refusal::invalid("roles", "an administrator does not take their own admin role away").into()
                );
            }
        }
        self.store.update_account(id, grants.as_deref(), input.active, actor, self.clock.now()).await?;
        Ok(self.store.user_view(id).await?)
    }
}

/// What an administrator changes of an account; what is absent stays.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct AccountChanges {
    /// Every role the account holds from now on.
    pub roles: Option<Vec<GrantInput>>,
    /// False deactivates the account (its sessions and calendar address end
    /// at once); true reactivates it.
    pub active: Option<bool>,
}

/// A role and, for a staff role, the item of its scope's list it acts for.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct GrantInput {
    pub role: String,
    pub scope: Option<String>,
}

/// An account an administrator opens.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    /// `admin` or a role of the workflow (`GET /api/v1/workflows`: `roles`).
    pub role: String,
    /// For a staff role: the item of its scope's list it acts for, code or label.
    #[serde(default)]
    pub scope: String,
    /// KIND:CODE (a scope of the workflow, such as region:ARA) or org:NAME, for conflict-of-interest checks.
    #[serde(default)]
    pub affiliations: Vec<String>,
    /// Left out (preferred), the person gets an e-mail with a link to
    /// choose their own password, valid 7 days; given, it is their password.
    #[serde(default)]
    pub password: Option<String>,
}

pub(super) fn require_admin(actor: &Actor, reason: &str) -> Result<(), AppError> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(Refusal::NotAllowed { reason: reason.into() }.into())
    }
}

/// An e-mail address as lettre parses it (RFC 5321/5322 mailbox syntax),
/// lower-cased, at most 254 characters.
pub(super) fn email_address(text: &str) -> Result<String, Refusal> {
    let email = text.trim().to_lowercase();
    match email.parse::<lettre::Address>() {
        Ok(_) if email.len() <= 254 => Ok(email),
        _ => Err(Refusal::invalid("email", "must be an e-mail address (name@domain)")),
    }
}

/// The scope of `kind` named by `input` (a code or label of the list the
/// workflow's form gives that kind).
pub fn listed_scope(workflows: &Workflows, kind: &str, input: &str) -> Option<Scope> {
    let list = scope_list(workflows, kind)?;
    reference::lookup(list, input.trim()).map(|e| Scope::new(kind, &e.code))
}

/// The reference list a scope kind's items come from: that of the form
/// field placing dossiers in it, in any workflow.
fn scope_list<'w>(workflows: &'w Workflows, kind: &str) -> Option<&'w str> {
    workflows.scope_field(kind)?.list.as_deref()
}

/// An affiliation: an item of a scope list of the workflow (`kind:CODE`),
/// or an organisation's name on one line (`org:NAME`).
fn affiliation(workflows: &Workflows, text: &str) -> Result<Scope, Refusal> {
    let mut kinds: Vec<&str> = workflows.iter().flat_map(|d| d.form.scope_fields().map(|(k, _)| k)).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let expected = format!(
        "expected {} (from the reference lists) or org:NAME",
        kinds.iter().map(|k| format!("{k}:CODE")).collect::<Vec<_>>().join(", ")
    );
    let refuse =
        |why: &str| Refusal::invalid("affiliations", format!("`{}`: {why}", text.chars().take(60).collect::<String>()));
    let scope = Scope::parse(text.trim()).ok_or_else(|| refuse(&expected))?;
    if scope.kind == crate::engine::ORG {
        if scope.code.chars().count() > 200 || scope.code.chars().any(char::is_control) {
            return Err(refuse("an organisation is named on one line, in at most 200 characters"));
        }
        return Ok(scope);
    }
    if !kinds.contains(&scope.kind.as_str()) {
        return Err(refuse(&expected));
    }
    listed_scope(workflows, &scope.kind, &scope.code)
        .ok_or_else(|| refuse(&format!("unknown {} `{}`", scope.kind, scope.code)))
}
