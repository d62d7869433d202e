//! `labelflow workflow check|graph|versions|migrate`.

use crate::workflow::{graph, load_file, Machine};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Prints a one-line summary, or every problem as `FILE:LINE: message`.
/// Returns whether the file is valid.
pub fn check(path: &Path, out: &mut impl std::io::Write, err: &mut impl std::io::Write) -> std::io::Result<bool> {
    match load_file(path) {
        Ok(def) => {
            let count = |f: fn(&crate::workflow::MachineDef) -> usize| f(&def.dossier) + f(&def.label_machine);
            writeln!(
                out,
                "{}: workflow `{}` v{} is valid: {} states, {} events, {} transitions, {} timers, {} roles, {} form fields, {} records, {} predicates, criteria grid `{}` ({} criteria){}",
                path.display(),
                def.id,
                def.version,
                count(|m| m.states.len()),
                count(|m| m.events.len()),
                count(|m| m.transitions.len()),
                count(|m| m.timers.len()),
                def.roles.len(),
                def.form.fields().count(),
                def.records.len(),
                def.rules.len(),
                def.grid.id,
                def.grid.criteria.len(),
                match def.options.iter().filter(|o| o.to_confirm.is_some()).count() {
                    0 => String::new(),
                    1 => ", 1 option to confirm".to_string(),
                    n => format!(", {n} options to confirm"),
                }
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

#[derive(clap::Args, Debug)]
pub struct VersionsArgs {
    #[command(flatten)]
    pub db: super::serve::DatabaseArgs,
    #[arg(long, env = "LABELFLOW_WORKFLOWS", default_value = "workflows")]
    pub workflows: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct MigrateArgs {
    /// The version the instances are on (its first digits are enough).
    #[arg(long)]
    pub from: String,
    /// The version to move them to, usually the one the file now holds.
    #[arg(long)]
    pub to: String,
    /// A state renamed or merged by the new version: OLD=NEW (repeatable).
    #[arg(long = "map", value_parser = parse_mapping)]
    pub map: Vec<(String, String)>,
    /// Check and print what would move, moving nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub db: super::serve::DatabaseArgs,
    #[arg(long, env = "LABELFLOW_WORKFLOWS", default_value = "workflows")]
    pub workflows: PathBuf,
}

fn parse_mapping(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((old, new)) if !old.trim().is_empty() && !new.trim().is_empty() => {
            Ok((old.trim().to_string(), new.trim().to_string()))
        }
        _ => Err(format!("`{text}` is not OLD_STATE=NEW_STATE")),
    }
}

/// Prints every stored version with what is pinned to it, then the
/// folder's versions no instance uses yet.
pub async fn versions(args: VersionsArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let app = super::data::app(&args.db, &args.workflows).await?;
    let uses = app.version_uses().await;
    app.store.close().await;
    let uses = uses.map_err(|e| anyhow::anyhow!("{e}"))?;
    let file_of = |id: &str, version: &str| {
        app.workflows.iter().find(|d| d.id == id && d.revision == version).map(|d| d.sources.file.clone())
    };
    for u in &uses {
        writeln!(
            out,
            "{} {} {} {} {} {} {}",
            u.workflow,
            u.version,
            u.recorded_at.format("%Y-%m-%dT%H:%M:%SZ"),
            u.campaigns,
            u.dossiers,
            u.labels,
            file_of(&u.workflow, &u.version).unwrap_or_else(|| "-".into())
        )?;
    }
    for d in app.workflows.iter().filter(|d| !uses.iter().any(|u| u.workflow == d.id && u.version == d.revision)) {
        writeln!(out, "{} {} - 0 0 0 {}", d.id, d.revision, d.sources.file)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Checks every instance of `--from` against `--to`; prints what cannot
/// move (exit 1, nothing moved) or what moves (or would, with `--dry-run`).
pub async fn migrate(args: MigrateArgs, out: &mut impl Write, err: &mut impl Write) -> anyhow::Result<ExitCode> {
    let app = super::data::app(&args.db, &args.workflows).await?;
    let result = migrate_on(&app, &args, out, err).await;
    app.store.close().await;
    result
}

async fn migrate_on(
    app: &crate::app::App,
    args: &MigrateArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let app = app.clone().with_stored_versions().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let map = args.map.iter().cloned().collect();
    let plan = match app.plan_migration(&args.from, &args.to, &map).await {
        Ok(plan) => plan,
        Err(e) => {
            writeln!(err, "{e}")?;
            return Ok(ExitCode::FAILURE);
        }
    };
    let (from, to) = (&plan.from, &plan.to);
    if !plan.unmovable.is_empty() {
        writeln!(
            err,
            "{} of {} instances of `{}` cannot move from {} to {}; nothing was moved:",
            plan.unmovable.len(),
            plan.unmovable.len() + plan.moves.len(),
            from.id,
            from.revision,
            to.revision
        )?;
        for u in &plan.unmovable {
            writeln!(err, "{} {} ({}): {}", u.machine, u.id, u.state, u.reasons.join("; "))?;
        }
        return Ok(ExitCode::FAILURE);
    }
    for m in &plan.moves {
        writeln!(out, "{} {}: {} -> {}", m.machine, m.id, m.from_state, m.to_state)?;
    }
    let (dossiers, labels) = (plan.count(Machine::Dossier), plan.count(Machine::Label));
    if args.dry_run {
        writeln!(
            out,
            "dry run: {dossiers} dossiers and {labels} labels of `{}` would move from {} to {}; nothing was moved",
            from.id, from.revision, to.revision
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    match app.migrate(&plan, &crate::engine::Actor::system()).await {
        Ok(moved) => {
            let calls = moved as usize - plan.moves.len();
            writeln!(
                out,
                "moved {dossiers} dossiers, {labels} labels and {calls} calls of `{}` from {} to {}",
                from.id, from.revision, to.revision
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            writeln!(err, "{e}")?;
            Ok(ExitCode::FAILURE)
        }
    }
}
