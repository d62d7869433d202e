//! `labelflow bench ...`.

use crate::bench::transitions;
use crate::store::Backend;
use clap::{Subcommand, ValueEnum};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BackendArg {
    Sqlite,
    Postgres,
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Timers fired per second by the worker against a raw claim-and-mark
    /// loop on the same database, and the due-to-fired lag; last line `ratio R`.
    Timers {
        #[arg(long, value_enum, default_value = "sqlite")]
        backend: BackendArg,
        /// Due timers per side, over all rounds.
        #[arg(long, default_value_t = 4000)]
        timers: usize,
        #[arg(long, default_value_t = 4)]
        rounds: usize,
        #[arg(
            long,
            env = "LABELFLOW_BENCH_POSTGRES_URL",
            default_value = "postgres://postgres@127.0.0.1:5432/postgres",
            hide_env_values = true
        )]
        postgres_url: String,
    },
    /// Dossier transitions per second through the engine and store, against
    /// raw SQL doing the same writes; last line `ratio R` (engine / raw).
    Transitions {
        #[arg(long, value_enum, default_value = "sqlite")]
        backend: BackendArg,
        #[arg(long, default_value_t = 1)]
        clients: usize,
        /// Measured seconds per side.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        #[arg(long, default_value_t = 4)]
        rounds: usize,
        /// PostgreSQL server for --backend postgres; a scratch database is
        /// created on it and dropped afterwards.
        #[arg(
            long,
            env = "LABELFLOW_BENCH_POSTGRES_URL",
            default_value = "postgres://postgres@127.0.0.1:5432/postgres",
            hide_env_values = true
        )]
        postgres_url: String,
    },
}

fn backend(arg: BackendArg) -> Backend {
    match arg {
        BackendArg::Sqlite => Backend::Sqlite,
        BackendArg::Postgres => Backend::Postgres,
    }
}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Transitions { backend: b, clients, seconds, rounds, postgres_url } => {
            anyhow::ensure!(clients >= 1, "--clients must be at least 1");
            anyhow::ensure!(seconds > 0.0 && rounds >= 1, "--seconds and --rounds must be positive");
            let opts = transitions::Options {
                backend: backend(b),
                server: postgres_url,
                clients,
                seconds,
                rounds,
                dossiers_per_client: 4,
            };
            let workflow = crate::workflow::builtin::cmq()?;
            transitions::run(&opts, workflow, &mut std::io::stdout()).await?;
            Ok(())
        }
        BenchCommand::Timers { backend: b, timers: count, rounds, postgres_url } => {
            anyhow::ensure!(
                count >= rounds && rounds >= 1,
                "--timers must be at least --rounds, which must be positive"
            );
            let opts =
                crate::bench::timers::Options { backend: backend(b), server: postgres_url, timers: count, rounds };
            let workflow = crate::workflow::builtin::cmq()?;
            crate::bench::timers::run(&opts, workflow, &mut std::io::stdout()).await?;
            Ok(())
        }
    }
}
