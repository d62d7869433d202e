//! Outside experts asked for an opinion by a link (`[guests]`): staff in
//! the dossier's scope invite someone by e-mail with a question and a
//! deadline; the link, single-use and expiring, opens a page with the parts
//! of the dossier the file lists, and the answer takes the file's `event`
//! as the engine's role `guest` — so it writes the workflow's own record
//! and its guards count it — with a text and files kept beside it.

use super::load::line_of;
use super::model::MachineDef;
use super::{FieldType, Form, Role, RoleDef};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The e-mail carrying the link, and the reminder before the deadline.
pub const INVITE_TEMPLATE: &str = "guest_invite";
pub const REMINDER_TEMPLATE: &str = "guest_reminder";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Guests {
    /// What the pages call these opinions (« Avis extérieurs »).
    pub label: String,
    /// The dossier event an answer takes.
    pub event: String,
    /// The roles that invite (in the dossier's scope for a staff role).
    #[schema(value_type = Vec<String>)]
    pub inviters: Vec<Role>,
    /// The event's inputs the inviter sets (whose opinion it is); the
    /// guest gives the others.
    pub preset: Vec<String>,
    /// The form's top-level fields the guest reads; empty: the whole form.
    pub shows: Vec<String>,
    /// Days before the deadline the reminder goes out (none: no reminder).
    pub remind_days: Option<u32>,
    /// Files a guest may join to an answer.
    pub max_files: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGuests {
    /// The option that switches the table off with what it names.
    pub(super) option: Option<Spanned<String>>,
    label: String,
    event: Spanned<String>,
    inviters: Vec<Spanned<String>>,
    #[serde(default)]
    preset: Vec<Spanned<String>>,
    #[serde(default)]
    shows: Vec<Spanned<String>>,
    remind_days: Option<u32>,
    #[serde(default = "five")]
    max_files: usize,
}

fn five() -> usize {
    5
}

/// Checks the table against the dossier machine, the roles and the form:
/// the event exists and a transition lets `guest` take it, the inviters
/// are declared staff, national or admin roles, the preset inputs are the
/// event's, the fields shown the form's.
pub(super) fn build(
    source: &str,
    raw: &Spanned<RawGuests>,
    dossier: &MachineDef,
    roles: &[RoleDef],
    form: &Form,
    problems: &mut Vec<(usize, String)>,
) -> Guests {
    let line = |s: std::ops::Range<usize>| line_of(source, s.start);
    let g = raw.get_ref();
    let event_name = g.event.get_ref();
    match dossier.event(event_name) {
        None => problems.push((line(g.event.span()), format!("[guests]: unknown dossier event `{event_name}`"))),
        Some(event) => {
            let guest = Role::guest();
            if !dossier.transitions.iter().any(|t| &t.event == event_name && t.roles.contains(&guest)) {
                problems.push((
                    line(g.event.span()),
                    format!("[guests]: no transition lets the role `guest` take `{event_name}`"),
                ));
            }
            for p in &g.preset {
                if !event.fields.iter().any(|f| &f.name == p.get_ref()) {
                    problems
                        .push((line(p.span()), format!("[guests]: `{}` is no input of `{event_name}`", p.get_ref())));
                }
            }
            for f in event.fields.iter().filter(|f| matches!(f.kind, FieldType::User | FieldType::Scores)) {
                problems.push((
                    line(g.event.span()),
                    format!("[guests]: `{event_name}` takes `{}`, which a guest cannot give", f.name),
                ));
            }
        }
    }
    let mut inviters = Vec::new();
    for r in &g.inviters {
        let name = r.get_ref();
        let declared = roles.iter().find(|d| d.name.name() == name);
        match declared {
            Some(d) if matches!(d.kind, super::RoleKind::Staff | super::RoleKind::National) => {
                inviters.push(d.name.clone())
            }
            None if name == Role::ADMIN => inviters.push(Role::admin()),
            _ => problems.push((line(r.span()), format!("[guests]: inviter `{name}` is no staff or national role"))),
        }
    }
    if inviters.is_empty() {
        problems.push((line(raw.span()), "[guests]: no role invites (`inviters`)".into()));
    }
    for s in &g.shows {
        if !form.fields().any(|f| &f.name == s.get_ref()) {
            problems.push((line(s.span()), format!("[guests]: `{}` is no field of the form", s.get_ref())));
        }
    }
    Guests {
        label: g.label.clone(),
        event: event_name.clone(),
        inviters,
        preset: g.preset.iter().map(|p| p.get_ref().clone()).collect(),
        shows: g.shows.iter().map(|s| s.get_ref().clone()).collect(),
        remind_days: g.remind_days.filter(|d| *d > 0),
        max_files: g.max_files,
    }
}
