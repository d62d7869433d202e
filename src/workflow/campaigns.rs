//! Who sets a workflow's calls for projects (`[campaigns]`): national
//! calls opened by an administrator (without the table), or calls each
//! territory sets for itself, opened by its own staff, whose dossiers all
//! belong to that territory.

use super::form::Form;
use super::roles::{Role, RoleDef};
use super::vocabulary::FormType;
use super::vocabulary::RoleKind;
use serde::{Deserialize, Serialize};
use toml::Spanned;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CampaignRules {
    /// The scope kind each call is set for; none for national
    /// calls.
    pub scope: Option<String>,
    /// The staff roles that open a call in their own territory (an
    /// administrator opens any).
    #[schema(value_type = Vec<String>)]
    pub opened_by: Vec<Role>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCampaigns {
    scope: Spanned<String>,
    #[serde(default)]
    opened_by: Vec<Spanned<String>>,
}

/// Checks the table: its scope is the kind of a single-choice form field
/// (a dossier sits in one territory), its openers staff of that scope.
pub(super) fn build(
    source: &str,
    raw: &RawCampaigns,
    form: &Form,
    roles: &[RoleDef],
    problems: &mut Vec<(usize, String)>,
) -> CampaignRules {
    let line = |at: usize| super::load::line_of(source, at);
    let kind = raw.scope.get_ref();
    match form.scope_fields().find(|(k, _)| k == kind) {
        None => problems.push((
            line(raw.scope.span().start),
            format!("[campaigns]: no form field places a dossier in a `{kind}` scope"),
        )),
        Some((_, field)) if field.kind != FormType::Choice => problems.push((
            line(raw.scope.span().start),
            format!("[campaigns]: the `{kind}` field `{}` must be a single choice", field.name),
        )),
        Some(_) => {}
    }
    let mut opened_by = Vec::new();
    for name in &raw.opened_by {
        match roles.iter().find(|r| r.name.name() == name.get_ref()) {
            Some(r) if r.kind == RoleKind::Staff && r.scope.as_deref() == Some(kind) => opened_by.push(r.name.clone()),
            _ => problems.push((
                line(name.span().start),
                format!("[campaigns]: `{}` is no staff role of the `{kind}` scope", name.get_ref()),
            )),
        }
    }
    CampaignRules { scope: Some(kind.clone()), opened_by }
}
