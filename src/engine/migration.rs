//! Whether an instance may move to another version of its workflow: its
//! state (renamed by the caller's map) must exist there, its form document
//! must hold there as it is, and every timer still pending on it must be
//! one the new version declares. Checked for every instance before any
//! moves, as process-instance migration does.

use super::{form, Instance};
use crate::workflow::Definition;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The instance's state under `to`, or every reason it cannot move; `form`
/// is the form document it holds (a dossier's, or the one a label was
/// granted with).
pub fn check(
    to: &Definition,
    instance: &Instance,
    form: &Map<String, Value>,
    map: &BTreeMap<String, String>,
) -> Result<String, Vec<String>> {
    let machine = to.machine(instance.machine);
    let mut reasons = Vec::new();
    let state = map.get(&instance.state).unwrap_or(&instance.state).clone();
    if machine.state(&state).is_none() {
        let hint = if map.contains_key(&instance.state) {
            String::new()
        } else {
            format!(" (map it with --map {}=STATE)", instance.state)
        };
        reasons.push(format!("state `{state}` is not a {} state of version {}{hint}", instance.machine, to.revision));
    }
    match form::apply(&to.form, &Map::new(), form) {
        Err(e) => reasons.push(format!("form: `{}` {}", e.field, e.reason)),
        Ok(kept) => {
            for name in form.keys().filter(|k| kept.get(*k) != form.get(*k)) {
                reasons.push(format!("form: the value of `{name}` would not be kept as it is"));
            }
        }
    }
    for (name, _) in &instance.pending_timers {
        match machine.timer(name) {
            None => reasons.push(format!("pending timer `{name}` is not declared in version {}", to.revision)),
            Some(t) if machine.event(&t.event).is_none() => reasons.push(format!(
                "pending timer `{name}` fires `{}`, an event version {} does not declare",
                t.event, to.revision
            )),
            Some(_) => {}
        }
    }
    if reasons.is_empty() {
        Ok(state)
    } else {
        Err(reasons)
    }
}
