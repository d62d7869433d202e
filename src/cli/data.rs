//! `labelflow import campuses` and `labelflow export labels`.

use super::serve::{load_workflows, open_store, DatabaseArgs};
use crate::app::export::Format;
use crate::app::App;
use crate::engine::Actor;
use anyhow::Context;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The campus CSV: title, category, valid_from, valid_until and the workflow's exported form fields (see the README).
    pub file: PathBuf,
    /// Check the file and print what would change, writing nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The workflow whose labels the file lists (default: the primary one).
    #[arg(long)]
    pub workflow: Option<String>,
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[arg(long, env = "LABELFLOW_WORKFLOWS", default_value = "workflows")]
    pub workflows: PathBuf,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[arg(long, env = "LABELFLOW_WORKFLOWS", default_value = "workflows")]
    pub workflows: PathBuf,
}

#[derive(Args, Debug)]
pub struct PublicationArgs {
    /// The workflow whose list is published (its file has `[publication]`).
    #[arg(long)]
    pub workflow: String,
    /// The calendar year: labels decided in it.
    #[arg(long)]
    pub year: i32,
    /// The format, database and workflows, as `export labels` takes them.
    #[command(flatten)]
    pub export: ExportArgs,
}

pub(crate) async fn app(db: &DatabaseArgs, workflows: &std::path::Path) -> anyhow::Result<App> {
    // The folder's own reference lists, as `serve` reads them: its forms
    // name them.
    super::serve::install_reference_lists(workflows)?;
    let workflows = load_workflows(workflows)?;
    let store = open_store(db).await?;
    Ok(App::new(store, workflows.primary().clone(), Arc::new(crate::clock::SystemClock)).with_workflows(workflows))
}

/// Prints one line per problem (exit 1, nothing written) or per row, then
/// a summary.
pub async fn import(args: ImportArgs, out: &mut impl Write, err: &mut impl Write) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("{}", args.file.display()))?;
    let app = app(&args.db, &args.workflows).await?;
    let report = app.import_campuses(&Actor::system(), args.workflow.as_deref(), &text, args.dry_run).await;
    app.store.close().await;
    let report = report.map_err(|e| anyhow::anyhow!("{e}"))?;
    if !report.problems.is_empty() {
        for p in &report.problems {
            writeln!(err, "{}:{p}", args.file.display())?;
        }
        writeln!(err, "{} problem(s); nothing imported", report.problems.len())?;
        return Ok(ExitCode::FAILURE);
    }
    let count = |kind: &str| report.changes.iter().filter(|c| c.change == kind).count();
    for c in &report.changes {
        let detail = if c.fields.is_empty() { String::new() } else { format!(" ({})", c.fields.join(", ")) };
        writeln!(out, "line {}: {} {}{detail}", c.line, c.change, c.title)?;
    }
    let verb = if report.written {
        "imported"
    } else if args.dry_run {
        "dry run, nothing written"
    } else {
        "nothing to change"
    };
    writeln!(
        out,
        "{} created, {} updated, {} unchanged; {verb}",
        count("create"),
        count("update"),
        count("unchanged")
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the export page by page.
pub async fn export(args: ExportArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let app = app(&args.db, &args.workflows).await?;
    let mut export = app.export_labels(&Actor::system(), args.format);
    let result = async {
        while let Some(chunk) = export.next_chunk().await.map_err(|e| anyhow::anyhow!("{e}"))? {
            out.write_all(&chunk)?;
        }
        out.flush()?;
        Ok::<_, anyhow::Error>(())
    }
    .await;
    app.store.close().await;
    result.map(|_| ExitCode::SUCCESS)
}

/// Prints the list; exit 1 with the reason on stderr when the workflow
/// publishes none or the year is out of range.
pub async fn publication(args: PublicationArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let app = app(&args.export.db, &args.export.workflows).await?;
    let list = app.publication(&Actor::system(), &args.workflow, args.year).await;
    app.store.close().await;
    let list = list.map_err(|e| anyhow::anyhow!("{}: {e}", args.workflow))?;
    match args.export.format {
        Format::Csv => out.write_all(&list.to_csv())?,
        Format::Json => serde_json::to_writer_pretty(&mut *out, &list)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
