//! The tokens of e-mailed links (a password's, an outside expert's, a
//! co-owner's): made by the mail worker when it sends the e-mail, kept
//! only as their SHA-256, each naming what it opens.

use super::{Result, Store};
use uuid::Uuid;

/// What a link opens, and so where its tokens are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// A password link (`password_links`).
    Password,
    /// An outside expert's invitation (`guest_invitations`).
    Guest,
    /// An invitation to co-own a dossier (`co_owner_invitations`).
    CoOwner,
}

impl LinkKind {
    /// The tokens' table and the column naming what a token opens.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            LinkKind::Password => ("password_link_tokens", "link_id"),
            LinkKind::Guest => ("guest_invitation_tokens", "invitation_id"),
            LinkKind::CoOwner => ("co_owner_tokens", "invitation_id"),
        }
    }
}

impl Store {
    /// Keeps the hash of a token the mail worker is about to send for `target`.
    pub async fn add_link_token(&self, kind: LinkKind, target: &str, token_hash: &str) -> Result<()> {
        let (table, column) = kind.table();
        let sql = format!("INSERT INTO {table} (token_hash, {column}) VALUES ($1, $2)");
        self.write_one(sqlx::query(&sql).bind(token_hash).bind(target)).await?;
        Ok(())
    }

    /// What a token opens, if it is one of `kind`.
    pub async fn link_target(&self, kind: LinkKind, token_hash: &str) -> Result<Option<Uuid>> {
        let (table, column) = kind.table();
        let sql = format!("SELECT {column} FROM {table} WHERE token_hash = $1");
        let id: Option<String> = sqlx::query_scalar(&sql).bind(token_hash).fetch_optional(&self.pool).await?;
        Ok(id.and_then(|i| Uuid::parse_str(&i).ok()))
    }
}
