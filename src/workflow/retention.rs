//! How long a workflow keeps the personal data of what came to an end
//! (`[retention]`): the dossiers that ended without a label and the labels
//! that ended, erased a period after they reached such a state, their
//! owners warned before.

use super::form::Form;
use super::load::line_of;
use super::model::MachineDef;
use super::roles::Role;
use super::vocabulary::{Machine, TEMPLATES};
use crate::calendar::Offset;
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRetention {
    /// When the owners are told, before the erasure (`-1 month`).
    warn: Spanned<String>,
    /// The e-mail that tells them.
    notify: Spanned<String>,
    /// Form fields that hold no personal data (an establishment, a
    /// territory), kept for statistics and the published lists.
    #[serde(default)]
    keep: Vec<Spanned<String>>,
    /// Why these periods, or what is still to confirm about them.
    #[allow(dead_code)] // read by people; the file documents itself
    to_confirm: Option<String>,
    dossier: Option<Spanned<RawPeriod>>,
    label: Option<Spanned<RawPeriod>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeriod {
    /// Terminal states whose instances are erased.
    states: Vec<Spanned<String>>,
    /// How long after entering such a state (`+2 years`).
    after: Spanned<String>,
}

impl RawRetention {
    /// Leaves out the states of `machine` a switched-off option took out;
    /// a period left with none goes.
    pub(super) fn leave_out(&mut self, machine: Machine, gone: &std::collections::BTreeSet<String>) {
        let period = match machine {
            Machine::Dossier => &mut self.dossier,
            Machine::Label => &mut self.label,
        };
        if let Some(p) = period {
            let before = p.get_ref().states.len();
            p.get_mut().states.retain(|s| !gone.contains(s.get_ref()));
            if before > 0 && p.get_ref().states.is_empty() {
                *period = None;
            }
        }
    }
}

/// A workflow's retention rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    /// Offset from the erasure to the warning (negative).
    pub warn: Offset,
    pub notify: String,
    pub keep: Vec<String>,
    pub dossier: Option<Period>,
    pub label: Option<Period>,
}

/// Which instances of a machine are erased, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub states: Vec<String>,
    /// Offset from entering one of `states` to the erasure (positive).
    pub after: Offset,
}

impl Retention {
    pub fn period(&self, machine: Machine) -> Option<&Period> {
        match machine {
            Machine::Dossier => self.dossier.as_ref(),
            Machine::Label => self.label.as_ref(),
        }
    }
}

/// Days an offset spans at least (months of 28 days), to compare offsets.
fn least_days(offset: Offset) -> i64 {
    i64::from(offset.months) * 28 + i64::from(offset.days)
}

/// Days an offset spans at most (months of 31 days).
fn most_days(offset: Offset) -> i64 {
    i64::from(offset.months) * 31 + i64::from(offset.days)
}

pub(super) fn build(
    source: &str,
    raw: &RawRetention,
    form: &Form,
    machines: [(Machine, &MachineDef); 2],
    problems: &mut Vec<(usize, String)>,
) -> Retention {
    let mut problem = |span: std::ops::Range<usize>, message: String| {
        problems.push((line_of(source, span.start), format!("[retention]: {message}")));
    };
    let warn = match Offset::parse(raw.warn.get_ref()) {
        Ok(offset) if most_days(offset) < 0 => offset,
        Ok(_) => {
            problem(raw.warn.span(), "`warn` must be before the erasure (e.g. \"-1 month\")".into());
            Offset::default()
        }
        Err(e) => {
            problem(raw.warn.span(), format!("`warn`: {e}"));
            Offset::default()
        }
    };
    let notify = raw.notify.get_ref();
    if !TEMPLATES.contains(&notify.as_str()) {
        problem(raw.notify.span(), format!("unknown e-mail template `{notify}`"));
    }
    let mut keep = Vec::new();
    for field in &raw.keep {
        if form.field(field.get_ref()).is_none() {
            problem(field.span(), format!("`keep`: the form has no field `{}`", field.get_ref()));
        } else {
            keep.push(field.get_ref().clone());
        }
    }
    let mut period = |machine: Machine, raw: &Option<Spanned<RawPeriod>>| {
        let raw = raw.as_ref()?;
        let def = machines.iter().find(|(m, _)| *m == machine).map(|(_, def)| *def)?;
        let mut states = Vec::new();
        for state in &raw.get_ref().states {
            match def.state(state.get_ref()) {
                None => problem(state.span(), format!("no {} state `{}`", machine.name(), state.get_ref())),
                // Erasing what is still running would lose a live
                // application: only a state the process has left behind
                // (an administrator may still reopen it) is erased.
                Some(s) if goes_on(def, &s.name) => problem(
                    state.span(),
                    format!(
                        "the {} state `{}` has steps others than an administrator take: only what has ended is erased",
                        machine.name(),
                        s.name
                    ),
                ),
                Some(s) => states.push(s.name.clone()),
            }
        }
        if raw.get_ref().states.is_empty() {
            problem(raw.span(), format!("[retention.{}]: `states` is empty", machine.name()));
        }
        let after = match Offset::parse(raw.get_ref().after.get_ref()) {
            // The shortest `after` against the longest warning (months of
            // 28 and 31 days): the warning always comes after the end.
            Ok(after) if least_days(after) + most_days(warn) > 0 => after,
            Ok(_) => {
                let span = raw.get_ref().after.span();
                problem(span, format!("`after` must be longer than the warning's advance ({warn})"));
                after_default()
            }
            Err(e) => {
                problem(raw.get_ref().after.span(), format!("`after`: {e}"));
                after_default()
            }
        };
        Some(Period { states, after })
    };
    let dossier = period(Machine::Dossier, &raw.dossier);
    let label = period(Machine::Label, &raw.label);
    Retention { warn, notify: notify.clone(), keep, dossier, label }
}

/// Whether someone but an administrator takes a step from `state`.
fn goes_on(def: &MachineDef, state: &str) -> bool {
    def.transitions_from_state(state).any(|t| t.roles.iter().any(|r| r.name() != Role::ADMIN))
}

fn after_default() -> Offset {
    Offset { months: 12, days: 0 }
}
