//! Command-line interface (clap). `main.rs` only calls [`run`]; this is
//! the binary's edge, where errors become messages and exit codes.

pub mod backup;
pub mod bench;
pub mod data;
pub mod serve;
pub mod simulate;
pub mod user;
pub mod workflow;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "labelflow", version, about = "Quality-label workflow engine")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web interface, the API and the workers.
    Serve(Box<serve::ServeArgs>),
    /// Apply database migrations and exit.
    Migrate(serve::DatabaseArgs),
    /// Write a consistent copy of the database while it runs, and check it.
    Backup(backup::BackupArgs),
    /// Make a new database from a backup, migrate it and verify its audit trail.
    Restore(backup::RestoreArgs),
    /// Check or draw a workflow definition.
    Workflow {
        #[command(subcommand)]
        command: WorkflowCommand,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Audit trail tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Fast-forward a copy of the data and print what would fire.
    Simulate(simulate::SimulateArgs),
    /// Bring labels granted before labelflow in from a spreadsheet.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Open-data exports.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Benchmarks against baselines measured in the same run.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum WorkflowCommand {
    /// Validate a workflow file and the criteria grid it names.
    Check { file: PathBuf },
    /// One line per workflow of the folder: `ID VERSION FILE` (the version
    /// is a hash of the definition and its criteria grid).
    List {
        #[arg(long, env = "LABELFLOW_WORKFLOWS", default_value = "workflows")]
        workflows: PathBuf,
    },
    /// The versions stored in the database: `ID VERSION RECORDED CALLS
    /// DOSSIERS LABELS FILE` (FILE is `-` for a version no file holds now).
    Versions(workflow::VersionsArgs),
    /// Move the in-flight dossiers, labels and calls of one version of a
    /// workflow to another, after checking every one of them.
    Migrate(workflow::MigrateArgs),
    /// Print the state diagram.
    Graph {
        file: PathBuf,
        #[arg(long, value_enum, default_value = "mermaid")]
        format: crate::workflow::graph::Format,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; prints the new id alone.
    Add(user::UserAddArgs),
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Campuses from a CSV file: every row checked, all written or nothing.
    Campuses(data::ImportArgs),
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Every label, as CSV or JSON on stdout.
    Labels(data::ExportArgs),
    /// The yearly list of a workflow's labels granted in a year, in the
    /// sections of its `[publication]` (the BO's list), on stdout.
    Publication(data::PublicationArgs),
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk every hash chain; exit 1 naming the first broken entry.
    Verify(AuditVerifyArgs),
}

#[derive(clap::Args, Debug)]
pub struct AuditVerifyArgs {
    #[command(flatten)]
    pub db: serve::DatabaseArgs,
    /// A folder of daily digests (`serve --audit-digest-dir`): each day's
    /// digest recomputed from the database must match its file.
    #[arg(long)]
    pub digests: Option<PathBuf>,
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Workflow { command: WorkflowCommand::Check { file } } => {
            let ok = workflow::check(&file, &mut std::io::stdout(), &mut std::io::stderr())?;
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Workflow { command: WorkflowCommand::List { workflows } } => {
            match crate::workflow::load_all(&workflows) {
                Ok(loaded) => {
                    for l in loaded {
                        println!("{} {} {}", l.definition.id, l.version, l.file.display());
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(problems) => {
                    eprintln!("{problems}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Workflow { command: WorkflowCommand::Versions(args) } => {
            runtime()?.block_on(workflow::versions(args, &mut std::io::stdout()))
        }
        Command::Workflow { command: WorkflowCommand::Migrate(args) } => {
            runtime()?.block_on(workflow::migrate(args, &mut std::io::stdout(), &mut std::io::stderr()))
        }
        Command::Workflow { command: WorkflowCommand::Graph { file, format } } => {
            match workflow::graph(&file, format, &mut std::io::stdout()) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(problems) => {
                    eprintln!("{problems}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Serve(args) => runtime()?.block_on(serve::serve(*args)).map(|_| ExitCode::SUCCESS),
        Command::Migrate(db) => runtime()?.block_on(serve::migrate(&db)).map(|_| ExitCode::SUCCESS),
        Command::Backup(args) => runtime()?.block_on(backup::backup(args, &mut std::io::stdout())),
        Command::Restore(args) => runtime()?.block_on(backup::restore(args, &mut std::io::stdout())),
        Command::User { command: UserCommand::Add(args) } => {
            runtime()?.block_on(user::add(args)).map(|_| ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Verify(db) } => runtime()?.block_on(audit_verify(db)),
        Command::Simulate(args) => {
            runtime()?.block_on(simulate::simulate(args, &mut std::io::stdout())).map(|_| ExitCode::SUCCESS)
        }
        Command::Import { command: ImportCommand::Campuses(args) } => {
            runtime()?.block_on(data::import(args, &mut std::io::stdout(), &mut std::io::stderr()))
        }
        Command::Export { command: ExportCommand::Labels(args) } => {
            runtime()?.block_on(data::export(args, &mut std::io::stdout().lock()))
        }
        Command::Export { command: ExportCommand::Publication(args) } => {
            runtime()?.block_on(data::publication(args, &mut std::io::stdout().lock()))
        }
        Command::Bench { command } => runtime()?.block_on(bench::run(command)).map(|_| ExitCode::SUCCESS),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

async fn audit_verify(args: AuditVerifyArgs) -> anyhow::Result<ExitCode> {
    use crate::store::audit::Verification;
    let store = serve::open_store(&args.db).await?;
    let outcome = store.verify_audit().await;
    let digests = match (&outcome, &args.digests) {
        (Ok(Verification::Intact { .. }), Some(dir)) => Some(check_digests(&store, dir).await),
        _ => None,
    };
    store.close().await;
    match outcome? {
        Verification::Intact { entries } => println!("{entries} entries verified"),
        Verification::Broken { seq, reason } => {
            eprintln!("audit entry {seq} is broken: {reason}");
            return Ok(ExitCode::FAILURE);
        }
    }
    match digests.transpose()? {
        Some(Err(problem)) => {
            eprintln!("{problem}");
            Ok(ExitCode::FAILURE)
        }
        Some(Ok(days)) => {
            println!("{days} daily digests match the database");
            Ok(ExitCode::SUCCESS)
        }
        None => Ok(ExitCode::SUCCESS),
    }
}

/// Recomputes the digest of each file's day: the number of days that
/// match, or what the first that does not says.
async fn check_digests(store: &crate::store::Store, dir: &std::path::Path) -> anyhow::Result<Result<usize, String>> {
    use crate::store::audit_digests::AuditDigest;
    use anyhow::Context;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    for file in &files {
        let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let Some((day, stated)) = AuditDigest::stated(&text) else {
            return Ok(Err(format!("{} is not an audit digest", file.display())));
        };
        let actual = store.audit_digest_of(day).await?;
        if actual.digest != stated {
            return Ok(Err(format!(
                "the audit digest of {day} does not match the database: {} says {stated}, the database gives {}",
                file.display(),
                actual.digest
            )));
        }
    }
    Ok(Ok(files.len()))
}
