//! `labelflow bench ...`.

use crate::bench::profile::Profile;
use crate::bench::{dataset, growth, http, transitions};
use crate::store::Backend;
use clap::{Subcommand, ValueEnum};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BackendArg {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server of `--backend postgres`: a scratch database is
/// created on it for the run and dropped afterwards.
#[derive(clap::Args, Debug, Clone)]
pub struct PostgresServer {
    #[arg(
        long,
        env = "LABELFLOW_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres",
        hide_env_values = true
    )]
    postgres_url: String,
}

/// Clients writing side by side, and how long, in how many rounds.
#[derive(clap::Args, Debug, Clone)]
pub struct LoadArgs {
    #[arg(long, default_value_t = 1)]
    clients: usize,
    /// Measured seconds per side.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    #[arg(long, default_value_t = 4)]
    rounds: usize,
}

impl LoadArgs {
    fn checked(self) -> anyhow::Result<LoadArgs> {
        anyhow::ensure!(self.clients >= 1, "--clients must be at least 1");
        anyhow::ensure!(self.seconds > 0.0 && self.rounds >= 1, "--seconds and --rounds must be positive");
        Ok(self)
    }
}

/// Sizes of the generated data set (defaults: the reference set).
#[derive(clap::Args, Debug, Clone)]
pub struct DatasetArgs {
    #[arg(long, default_value_t = 10_000)]
    dossiers: usize,
    #[arg(long, default_value_t = 10)]
    campaigns: usize,
    #[arg(long, default_value_t = 500)]
    users: usize,
    /// Audit entries at least; drafts get edited until there are.
    #[arg(long, default_value_t = 100_000)]
    audit: usize,
    /// Pending timers at least; reminders are added until there are.
    #[arg(long, default_value_t = 20_000)]
    timers: usize,
    /// Dossiers built concurrently.
    #[arg(long, default_value_t = 4)]
    workers: usize,
}

impl From<DatasetArgs> for dataset::Spec {
    fn from(a: DatasetArgs) -> dataset::Spec {
        dataset::Spec {
            dossiers: a.dossiers,
            campaigns: a.campaigns,
            users: a.users,
            audit: a.audit,
            timers: a.timers,
            workers: a.workers,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Fills an empty database with a national-scale data set, made through
    /// the engine as the benchmark file (`workflows/bench/`) says: accounts
    /// of every role over every item of its list, calls for projects,
    /// dossiers at every stage, their audit trail and timers.
    /// Every account's password is `bench-labelflow`.
    Dataset {
        #[arg(long, env = "LABELFLOW_DATABASE_URL", hide_env_values = true)]
        database_url: String,
        #[command(flatten)]
        sizes: DatasetArgs,
    },
    /// p50/p99 latency and throughput of API reads, writes and the staff
    /// dashboard through `labelflow serve` driven by wrk, on a generated
    /// data set, against /healthz and the raw-SQL transition bound measured
    /// in the same run; with the server's memory. Last line `ratio R`
    /// (API writes / raw SQL, the lowest over the client counts).
    Http {
        #[arg(long, value_enum, default_value = "sqlite")]
        backend: BackendArg,
        /// Concurrent clients, one run per value.
        #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
        clients: Vec<usize>,
        /// Seconds per run.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        #[command(flatten)]
        sizes: DatasetArgs,
        /// The wrk program (Debian package `wrk`).
        #[arg(long, default_value = "wrk")]
        wrk: String,
        #[command(flatten)]
        postgres: PostgresServer,
    },
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
        /// Also run graphile-worker (PostgreSQL only) on the same server,
        /// the same number of jobs per round: a folder whose node_modules
        /// holds it (`npm install graphile-worker` there).
        #[arg(long)]
        graphile_worker: Option<std::path::PathBuf>,
        /// graphile-worker's slots (its `concurrency` option).
        #[arg(long, default_value_t = 4)]
        graphile_concurrency: usize,
        #[command(flatten)]
        postgres: PostgresServer,
    },
    /// E-mails per second sent by the mail worker (lease, render, SMTP,
    /// record) against a raw SMTP client sending the same messages over as
    /// many connections, to the same local SMTP server; last line `ratio R`.
    Mail {
        #[arg(long, value_enum, default_value = "sqlite")]
        backend: BackendArg,
        /// E-mails per side, over all rounds.
        #[arg(long, default_value_t = 6000)]
        mails: usize,
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Senders of the worker, and connections of the raw client.
        #[arg(long, default_value_t = 4)]
        senders: usize,
        /// SMTP server to send to (default: a local aiosmtpd sink started
        /// for the run; `pip install aiosmtpd`).
        #[arg(long)]
        smtp_url: Option<String>,
        #[command(flatten)]
        postgres: PostgresServer,
    },
    /// Time per `decide` of a step guarded by the workflow's own (CEL)
    /// predicates, against the same step with those guards taken out; no
    /// database. Last line `ratio R` (without / with).
    Predicates {
        #[arg(long, default_value_t = 20_000)]
        decisions: usize,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
    /// Transitions per second in a database of `--small` dossiers and in
    /// one of `--large`, side by side; last line `ratio R` (large / small:
    /// 1 when a transition's cost does not grow with the data).
    Growth {
        #[arg(long, value_enum, default_value = "sqlite")]
        backend: BackendArg,
        /// Dossiers of the small database.
        #[arg(long, default_value_t = 1_000)]
        small: usize,
        /// Dossiers of the large database (copies of the small one's).
        #[arg(long, default_value_t = 100_000)]
        large: usize,
        #[command(flatten)]
        load: LoadArgs,
        #[command(flatten)]
        postgres: PostgresServer,
    },
    /// Dossier transitions per second through the engine and store, against
    /// raw SQL doing the same writes; last line `ratio R` (engine / raw).
    Transitions {
        #[arg(long, value_enum, default_value = "sqlite")]
        backend: BackendArg,
        #[command(flatten)]
        load: LoadArgs,
        #[command(flatten)]
        postgres: PostgresServer,
    },
}

fn backend(arg: BackendArg) -> Backend {
    match arg {
        BackendArg::Sqlite => Backend::Sqlite,
        BackendArg::Postgres => Backend::Postgres,
    }
}

/// The shipped primary workflow and its benchmark file
/// (`workflows/bench/ID.toml`).
fn shipped() -> anyhow::Result<(crate::workflow::Definition, Profile)> {
    let workflow = crate::workflow::builtin::primary()?;
    let profile = Profile::load(&workflow.id).map_err(anyhow::Error::msg)?;
    Ok((workflow, profile))
}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Dataset { database_url, sizes } => {
            let store = crate::store::Store::open(&database_url).await?;
            anyhow::ensure!(
                store.dataset_counts().await?.dossiers == 0,
                "the database already holds dossiers; the data set goes into an empty one"
            );
            let (workflow, profile) = shipped()?;
            let app =
                crate::app::App::new(store.clone(), workflow.into(), std::sync::Arc::new(crate::clock::SystemClock));
            dataset::generate(&app, &profile, &sizes.into(), &mut std::io::stdout()).await?;
            store.close().await;
            Ok(())
        }
        BenchCommand::Http { backend: b, clients, seconds, sizes, wrk, postgres } => {
            anyhow::ensure!(!clients.is_empty() && clients.iter().all(|&c| c >= 1), "--clients must be at least 1");
            anyhow::ensure!(seconds >= 1.0, "--seconds must be at least 1");
            let opts = http::Options {
                backend: backend(b),
                server: postgres.postgres_url,
                spec: sizes.into(),
                clients,
                seconds,
                wrk,
            };
            let (workflow, profile) = shipped()?;
            http::run(&opts, workflow, &profile, &mut std::io::stdout()).await?;
            Ok(())
        }
        BenchCommand::Predicates { decisions, rounds } => {
            anyhow::ensure!(decisions >= 1 && rounds >= 1, "--decisions and --rounds must be positive");
            let opts = crate::bench::predicates::Options { decisions, rounds };
            crate::bench::predicates::run(&opts, crate::workflow::builtin::primary()?, &mut std::io::stdout())?;
            Ok(())
        }
        BenchCommand::Growth { backend: b, small, large, load, postgres } => {
            anyhow::ensure!(small >= 1 && large >= small, "--large must be at least --small, which must be positive");
            let LoadArgs { clients, seconds, rounds } = load.checked()?;
            let opts = growth::Options {
                backend: backend(b),
                server: postgres.postgres_url,
                small,
                large,
                clients,
                seconds,
                rounds,
            };
            let (workflow, profile) = shipped()?;
            growth::run(&opts, workflow, &profile, &mut std::io::stdout()).await?;
            Ok(())
        }
        BenchCommand::Transitions { backend: b, load, postgres } => {
            let LoadArgs { clients, seconds, rounds } = load.checked()?;
            let opts = transitions::Options {
                backend: backend(b),
                server: postgres.postgres_url,
                clients,
                seconds,
                rounds,
                dossiers_per_client: 4,
            };
            let (workflow, profile) = shipped()?;
            transitions::run(&opts, workflow, &profile, &mut std::io::stdout()).await?;
            Ok(())
        }
        BenchCommand::Mail { backend: b, mails, rounds, senders, smtp_url, postgres } => {
            anyhow::ensure!(
                mails >= rounds && rounds >= 1,
                "--mails must be at least --rounds, which must be positive"
            );
            anyhow::ensure!(senders >= 1, "--senders must be at least 1");
            let opts = crate::bench::mail::Options {
                backend: backend(b),
                server: postgres.postgres_url,
                mails,
                rounds,
                senders,
                smtp_url,
            };
            crate::bench::mail::run(&opts, crate::workflow::builtin::primary()?, &mut std::io::stdout()).await?;
            Ok(())
        }
        BenchCommand::Timers { backend: b, timers: count, rounds, graphile_worker, graphile_concurrency, postgres } => {
            anyhow::ensure!(
                graphile_worker.is_none() || matches!(b, BackendArg::Postgres),
                "--graphile-worker needs --backend postgres: graphile-worker runs on PostgreSQL only"
            );
            anyhow::ensure!(
                count >= rounds && rounds >= 1,
                "--timers must be at least --rounds, which must be positive"
            );
            let opts = crate::bench::timers::Options {
                backend: backend(b),
                server: postgres.postgres_url,
                timers: count,
                rounds,
                graphile_worker,
                graphile_concurrency: graphile_concurrency.max(1),
            };
            let workflow = crate::workflow::builtin::primary()?;
            crate::bench::timers::run(&opts, workflow, &mut std::io::stdout()).await?;
            Ok(())
        }
    }
}
