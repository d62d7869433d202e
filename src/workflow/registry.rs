//! The workflows a server runs side by side. Accounts are the server's:
//! a role name means the same in every workflow that declares it, so the
//! roles of all of them form one table.

use super::model::Definition;
use super::roles::{Role, RoleDef};
use super::vocabulary::{Machine, RoleKind, Stage};
use std::sync::Arc;

/// What the engine makes of roles: one workflow's, or the server's.
pub trait RoleTable {
    /// `None` for a role no workflow declares (`admin` and `system` are
    /// the engine's own).
    fn kind_of(&self, role: &Role) -> Option<RoleKind>;
}

impl RoleTable for Definition {
    fn kind_of(&self, role: &Role) -> Option<RoleKind> {
        Definition::kind_of(self, role)
    }
}

#[derive(Debug, Clone)]
pub struct Workflows {
    /// In load order; the first is the primary one.
    defs: Vec<Arc<Definition>>,
    /// Earlier versions still pinned by instances, read back from the
    /// database: they decide for their own instances only.
    earlier: Vec<Arc<Definition>>,
}

impl Workflows {
    /// The workflows, refused when two declare the same id or the same role
    /// with another kind or scope.
    pub fn new(defs: Vec<Definition>) -> Result<Workflows, String> {
        if defs.is_empty() {
            return Err("no workflow".into());
        }
        let mut seen: Vec<(&str, &RoleDef)> = Vec::new();
        for (i, def) in defs.iter().enumerate() {
            if defs[..i].iter().any(|d| d.id == def.id) {
                return Err(format!("workflow `{}` is defined twice", def.id));
            }
            for role in &def.roles {
                match seen.iter().find(|(_, r)| r.name == role.name) {
                    Some((other, r)) if r.kind != role.kind || r.scope != role.scope => {
                        return Err(format!(
                            "role `{}` is a {} role{} in `{other}` but a {} role{} in `{}`: accounts are shared, a role means one thing",
                            role.name,
                            r.kind,
                            r.scope.as_deref().map(|s| format!(" of {s}")).unwrap_or_default(),
                            role.kind,
                            role.scope.as_deref().map(|s| format!(" of {s}")).unwrap_or_default(),
                            def.id
                        ))
                    }
                    Some(_) => {}
                    None => seen.push((def.id.as_str(), role)),
                }
            }
        }
        Ok(Workflows { defs: defs.into_iter().map(Arc::new).collect(), earlier: Vec::new() })
    }

    pub fn single(def: Arc<Definition>) -> Workflows {
        Workflows { defs: vec![def], earlier: Vec::new() }
    }

    pub fn primary(&self) -> &Arc<Definition> {
        &self.defs[0]
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Definition>> {
        self.defs.iter().find(|d| d.id == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Definition>> {
        self.defs.iter()
    }

    /// The webhook kinds a subscriber may ask for: the built-in ones, then
    /// those the workflows' events announce (every version's).
    pub fn webhook_kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = crate::webhooks::BUILT_IN_KINDS.iter().map(|k| k.to_string()).collect();
        for def in self.versions() {
            for event in def.dossier.events.iter().chain(&def.label_machine.events) {
                if let Some(kind) = event.announce.as_ref().filter(|k| !kinds.contains(k)) {
                    kinds.push(kind.clone());
                }
            }
        }
        kinds
    }

    /// The definition an instance pinned to `version` of `id` runs on; the
    /// current one when the instance names no version.
    pub fn at(&self, id: &str, version: Option<&str>) -> Option<&Arc<Definition>> {
        match version {
            None => self.get(id),
            Some(v) => self.defs.iter().chain(&self.earlier).find(|d| d.id == id && d.revision == v),
        }
    }

    /// Every version this server can run: the current ones, then earlier.
    pub fn versions(&self) -> impl Iterator<Item = &Arc<Definition>> {
        self.defs.iter().chain(&self.earlier)
    }

    /// Adds earlier versions (ones already known are skipped).
    pub fn with_earlier(mut self, defs: Vec<Definition>) -> Workflows {
        for def in defs {
            if !self.versions().any(|d| d.id == def.id && d.revision == def.revision) {
                self.earlier.push(Arc::new(def));
            }
        }
        self
    }

    /// Every declared role, once (the first workflow's wording).
    pub fn roles(&self) -> Vec<&RoleDef> {
        let mut out: Vec<&RoleDef> = Vec::new();
        for role in self.defs.iter().flat_map(|d| &d.roles) {
            if !out.iter().any(|r| r.name == role.name) {
                out.push(role);
            }
        }
        out
    }

    pub fn role(&self, role: &Role) -> Option<&RoleDef> {
        self.defs.iter().find_map(|d| d.role(role))
    }

    pub fn roles_of(&self, kind: RoleKind) -> Vec<&RoleDef> {
        self.roles().into_iter().filter(|r| r.kind == kind).collect()
    }

    pub fn role_label(&self, role: &Role) -> String {
        match self.defs.iter().find(|d| d.role(role).is_some()) {
            Some(def) => def.role_label(role),
            None => self.primary().role_label(role),
        }
    }

    /// The form field placing instances in scopes of `kind`, in the first
    /// workflow that has one (its list is that kind's items).
    pub fn scope_field(&self, kind: &str) -> Option<&super::form::FormField> {
        self.defs.iter().find_map(|d| d.form.scope_fields().find(|(k, _)| *k == kind).map(|(_, f)| f))
    }

    /// The top-level form fields of every workflow that `keep` keeps, once
    /// per name (the first workflow declaring one words it).
    pub fn form_fields(&self, keep: impl Fn(&super::form::FormField) -> bool) -> Vec<&super::form::FormField> {
        let mut out: Vec<&super::form::FormField> = Vec::new();
        for f in self.defs.iter().flat_map(|d| d.form.fields()) {
            if keep(f) && !out.iter().any(|o| o.name == f.name) {
                out.push(f);
            }
        }
        out
    }

    /// The columns of lists of dossiers: the indexed fields of one value.
    pub fn list_fields(&self) -> Vec<&super::form::FormField> {
        self.form_fields(|f| f.indexed && !matches!(f.kind, super::FormType::Choices | super::FormType::Group))
    }

    /// The states at `stage` of `machine` in any workflow.
    pub fn states_at(&self, machine: Machine, stage: Stage) -> Vec<String> {
        let mut out: Vec<String> = self.defs.iter().flat_map(|d| d.machine(machine).states_at(stage)).collect();
        out.sort();
        out.dedup();
        out
    }
}

impl RoleTable for Workflows {
    fn kind_of(&self, role: &Role) -> Option<RoleKind> {
        match role.name() {
            Role::ADMIN => Some(RoleKind::Admin),
            Role::SYSTEM => Some(RoleKind::System),
            Role::GUEST => Some(RoleKind::Guest),
            _ => self.role(role).map(|r| r.kind),
        }
    }
}
