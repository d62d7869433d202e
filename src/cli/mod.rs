//! Command-line interface (clap). `main.rs` only calls [`run`].

pub mod workflow;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "labelflow", version, about = "Labellisation workflow engine")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check or draw a workflow definition.
    Workflow {
        #[command(subcommand)]
        command: WorkflowCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum WorkflowCommand {
    /// Validate a workflow file and the criteria grid it names.
    Check { file: PathBuf },
    /// Print the state diagram.
    Graph {
        file: PathBuf,
        #[arg(long, value_enum, default_value = "mermaid")]
        format: crate::workflow::graph::Format,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Workflow {
            command: WorkflowCommand::Check { file },
        } => {
            let ok = workflow::check(&file, &mut std::io::stdout(), &mut std::io::stderr())?;
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Workflow {
            command: WorkflowCommand::Graph { file, format },
        } => match workflow::graph(&file, format, &mut std::io::stdout()) {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(problems) => {
                eprintln!("{problems}");
                Ok(ExitCode::FAILURE)
            }
        },
    }
}
