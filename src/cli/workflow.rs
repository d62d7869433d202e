//! `labelflow workflow check|graph`.

use crate::workflow::{graph, load_file};
use std::path::Path;

/// Prints a one-line summary, or every problem as `FILE:LINE: message`.
/// Returns whether the file is valid.
pub fn check(path: &Path, out: &mut impl std::io::Write, err: &mut impl std::io::Write) -> std::io::Result<bool> {
    match load_file(path) {
        Ok(def) => {
            let count = |f: fn(&crate::workflow::MachineDef) -> usize| f(&def.dossier) + f(&def.label_machine);
            writeln!(
                out,
                "{}: workflow `{}` v{} is valid: {} states, {} events, {} transitions, {} timers, {} roles, {} form fields, {} predicates, criteria grid `{}` ({} criteria)",
                path.display(),
                def.id,
                def.version,
                count(|m| m.states.len()),
                count(|m| m.events.len()),
                count(|m| m.transitions.len()),
                count(|m| m.timers.len()),
                def.roles.len(),
                def.form.fields().count(),
                def.rules.len(),
                def.grid.id,
                def.grid.criteria.len()
            )?;
            Ok(true)
        }
        Err(problems) => {
            for p in &problems.0 {
                writeln!(err, "{p}")?;
            }
            Ok(false)
        }
    }
}

pub fn graph(
    path: &Path,
    format: graph::Format,
    out: &mut impl std::io::Write,
) -> Result<(), crate::workflow::Problems> {
    let def = load_file(path)?;
    out.write_all(graph::render(&def, format).as_bytes()).map_err(|e| {
        crate::workflow::Problems(vec![crate::workflow::Problem { file: path.into(), line: 0, message: e.to_string() }])
    })
}
