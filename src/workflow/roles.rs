//! The roles of a label, as its workflow file declares them. The engine
//! knows what each kind of role means (owning a dossier, acting for a
//! scope, reviewing what one is assigned, the national level); the file
//! names the roles and their French labels. `admin`, `system` (the
//! timer worker) and `guest` (an outside expert answering by a link) are
//! the engine's own.

use super::vocabulary::RoleKind;
use serde::Serialize;

/// A role's name, as accounts hold it and transitions name it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Role(String);

impl Role {
    pub const ADMIN: &'static str = "admin";
    pub const SYSTEM: &'static str = "system";
    /// Someone without an account answering by a link (`[guests]`).
    pub const GUEST: &'static str = "guest";

    pub fn new(name: impl Into<String>) -> Role {
        Role(name.into())
    }

    pub fn admin() -> Role {
        Role::new(Role::ADMIN)
    }

    pub fn system() -> Role {
        Role::new(Role::SYSTEM)
    }

    pub fn guest() -> Role {
        Role::new(Role::GUEST)
    }

    pub fn name(&self) -> &str {
        &self.0
    }

    pub fn is_admin(&self) -> bool {
        self.0 == Role::ADMIN
    }

    pub fn is_system(&self) -> bool {
        self.0 == Role::SYSTEM
    }

    /// `admin`, `system` and `guest`: the engine's own, which no file declares.
    pub fn is_builtin(name: &str) -> bool {
        [Role::ADMIN, Role::SYSTEM, Role::GUEST].contains(&name)
    }

    /// Lowercase ASCII letters, digits and `_`, not starting with a digit:
    /// the names a file may give (they are written into SQL and URLs).
    pub fn valid_name(name: &str) -> bool {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A role the file declares.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoleDef {
    #[schema(value_type = String)]
    pub name: Role,
    /// What a person reads (« Chef d'établissement »).
    pub label: String,
    /// owner, staff, reviewer or national.
    #[schema(value_type = String)]
    pub kind: RoleKind,
    /// For a staff role: the scope kind its grants name (`region`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// For a staff role that endorses dossiers: the side its endorsement
    /// counts for (`records.endorsement[].side`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endorses: Option<String>,
}
