//! `labelflow serve` and `labelflow migrate`.

use crate::app::App;
use crate::clock::{Clock, ManualClock, SystemClock};
use crate::store::{redact_url, Store};
use crate::workflow::Workflows;
use anyhow::Context;
use clap::Args;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tracing::Instrument;

pub const DEFAULT_DATABASE: &str = "sqlite://labelflow.db";

/// How often `serve` looks whether a day's audit digest is due.
const AUDIT_DIGEST_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

#[derive(Args, Debug, Clone)]
pub struct DatabaseArgs {
    /// sqlite://FILE (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, env = "LABELFLOW_DATABASE_URL", default_value = DEFAULT_DATABASE, hide_env_values = true)]
    pub database_url: String,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, env = "LABELFLOW_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Load a demo call for projects and users, and print their logins.
    #[arg(long)]
    pub demo: bool,
    /// SMTP server for outgoing mail (smtp://, smtps:// or smtp://...?tls=required).
    #[arg(long, env = "LABELFLOW_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Where e-mails are written as .eml files when no SMTP server is set.
    #[arg(long, env = "LABELFLOW_MAIL_DIR", default_value = "mail")]
    pub mail_dir: PathBuf,
    /// Sender of e-mails (default: the workflow's name
    /// <ne-pas-repondre@labelflow.invalid>).
    #[arg(long, env = "LABELFLOW_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Public address of this server, for links in e-mails (default: http://BIND).
    #[arg(long, env = "LABELFLOW_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// First retry delay of a failed e-mail, in milliseconds; doubles each time.
    #[arg(long, env = "LABELFLOW_MAIL_RETRY_BASE_MS", default_value_t = 60_000)]
    pub mail_retry_base_ms: u64,
    /// Attempts before an e-mail is marked dead.
    #[arg(long, env = "LABELFLOW_MAIL_MAX_ATTEMPTS", default_value_t = 8)]
    pub mail_max_attempts: u32,
    /// The header a trusted reverse proxy sets to the client's address
    /// (e.g. X-Real-IP, X-Forwarded-For), for login throttling per client;
    /// without it, the connection's peer address. Set it only behind such a
    /// proxy: clients could forge it otherwise.
    #[arg(long, env = "LABELFLOW_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<axum::http::HeaderName>,
    /// SMTP connections used side by side to send e-mails.
    #[arg(long, env = "LABELFLOW_MAIL_SENDERS", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub mail_senders: u16,
    /// First retry delay of a failed webhook delivery, in milliseconds;
    /// doubles each time (6 hours at most).
    #[arg(long, env = "LABELFLOW_WEBHOOK_RETRY_BASE_MS", default_value_t = 60_000)]
    pub webhook_retry_base_ms: u64,
    /// Attempts before a webhook delivery is marked dead.
    #[arg(long, env = "LABELFLOW_WEBHOOK_MAX_ATTEMPTS", default_value_t = 10)]
    pub webhook_max_attempts: u32,
    /// Seconds a webhook receiver has to answer.
    #[arg(long, env = "LABELFLOW_WEBHOOK_TIMEOUT_SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub webhook_timeout_seconds: u64,
    /// Folder holding the workflow files, criteria/ and reference/; the shipped copy when absent.
    #[arg(long, env = "LABELFLOW_WORKFLOWS", default_value = "workflows")]
    pub workflows: PathBuf,
    /// Where attachments are stored.
    #[arg(long, env = "LABELFLOW_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Bearer token that `/metrics` asks for on the main address; without
    /// it the metrics are not served there.
    #[arg(long, env = "LABELFLOW_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Another address serving `/metrics` alone, without a token (for a
    /// scraper on a private network).
    #[arg(long, env = "LABELFLOW_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,
    /// Where the audit trail's daily digests are written (a folder worth
    /// copying off the server: see docs/OPERATIONS.md).
    #[arg(long, env = "LABELFLOW_AUDIT_DIGEST_DIR", default_value = "audit-digests")]
    pub audit_digest_dir: PathBuf,
    /// Issuer URL of an OpenID Connect provider people may sign in with
    /// (ProConnect: see docs/SIGN_ON.md); its metadata is discovered.
    #[arg(long, env = "LABELFLOW_OIDC_ISSUER", requires_all = ["oidc_client_id", "oidc_client_secret"])]
    pub oidc_issuer: Option<String>,
    /// The client id the provider gave this server.
    #[arg(long, env = "LABELFLOW_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// The client secret the provider gave this server.
    #[arg(long, env = "LABELFLOW_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// Scopes asked for, separated by spaces (ProConnect's by default).
    #[arg(long, env = "LABELFLOW_OIDC_SCOPES", default_value = crate::sign_on::PROCONNECT_SCOPES)]
    pub oidc_scopes: String,
    /// `acr` values asked for, separated by commas, of which the sign-in
    /// must carry one: set it to require a multi-factor sign-in.
    #[arg(long, env = "LABELFLOW_OIDC_ACR_VALUES", value_delimiter = ',')]
    pub oidc_acr_values: Vec<String>,
    /// The provider's name on the login page ("ProConnect" draws its button).
    #[arg(long, env = "LABELFLOW_OIDC_PROVIDER_NAME", default_value = "ProConnect")]
    pub oidc_provider_name: String,
    /// Enable POST /api/v1/test/clock (never in production).
    #[arg(long)]
    pub test_clock: bool,
}

/// Every workflow of `dir`, or the copies built into the binary when the
/// folder has none. A broken file, or two files disagreeing on a role,
/// refuses to start. The first (by file name) is the primary one.
pub fn load_workflows(dir: &Path) -> anyhow::Result<Workflows> {
    let mut loaded =
        crate::workflow::load_all(dir).map_err(|problems| anyhow::anyhow!("workflow refused:\n{problems}"))?;
    if loaded.is_empty() {
        tracing::info!(folder = %dir.display(), "no workflow in the folder, using the shipped ones");
        loaded = crate::workflow::load_shipped()
            .map_err(|problems| anyhow::anyhow!("shipped workflow refused:\n{problems}"))?;
    }
    for one in &loaded {
        tracing::info!(workflow = %one.definition.id, version = %one.version, file = %one.file.display(), "workflow");
    }
    Workflows::new(loaded.into_iter().map(|l| l.definition).collect())
        .map_err(|problem| anyhow::anyhow!("workflows refused: {problem}"))
}

/// The identity provider, when one is configured.
fn sign_on(args: &ServeArgs) -> anyhow::Result<Option<Arc<crate::sign_on::SignOn>>> {
    let (Some(issuer), Some(client_id), Some(client_secret)) =
        (&args.oidc_issuer, &args.oidc_client_id, &args.oidc_client_secret)
    else {
        return Ok(None);
    };
    if args.public_url.is_none() {
        tracing::warn!("--oidc-issuer without --public-url: the provider sends people back to the address listened on");
    }
    let settings = crate::sign_on::SignOnSettings {
        issuer: issuer.clone(),
        client_id: client_id.clone(),
        client_secret: client_secret.clone(),
        scopes: args.oidc_scopes.split_whitespace().map(String::from).collect(),
        acr_values: args.oidc_acr_values.iter().map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect(),
        provider_name: args.oidc_provider_name.clone(),
        timeout: std::time::Duration::from_secs(10),
    };
    let sign_on = crate::sign_on::SignOn::new(settings).context("--oidc-issuer")?;
    tracing::info!(issuer = %issuer, "sign-on through an OpenID Connect provider");
    Ok(Some(Arc::new(sign_on)))
}

/// The workflow's name as the sender's, with a no-reply address (quoted by
/// lettre as the name needs).
fn default_sender(name: &str) -> String {
    let address: lettre::Address = "ne-pas-repondre@labelflow.invalid".parse().expect("a valid address");
    lettre::message::Mailbox::new(Some(name.to_string()), address).to_string()
}

/// The reference lists of the workflows folder, when it has them; the
/// shipped copy otherwise.
pub fn install_reference_lists(dir: &Path) -> anyhow::Result<()> {
    if dir.join("reference").is_dir() {
        let lists = crate::reference::Lists::load_dir(dir)
            .map_err(|problem| anyhow::anyhow!("reference lists refused: {problem}"))?;
        crate::reference::install(lists).map_err(anyhow::Error::msg)?;
    }
    Ok(())
}

pub async fn open_store(db: &DatabaseArgs) -> anyhow::Result<Store> {
    Store::open(&db.database_url).await.with_context(|| format!("database {}", redact_url(&db.database_url)))
}

pub async fn migrate(db: &DatabaseArgs) -> anyhow::Result<()> {
    let store = open_store(db).await?;
    store.close().await;
    println!("database {} is up to date", redact_url(&db.database_url));
    Ok(())
}

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    // Signal handlers go in first, so that a stop request at any moment,
    // during the start (migrations, demo data) too, is a graceful one: the
    // start finishes, the server stops at once.
    let shutdown = shutdown_signal()?;
    install_reference_lists(&args.workflows)?;
    let workflows = load_workflows(&args.workflows)?;
    let store = open_store(&args.db).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let app = App::new(store.clone(), workflows.primary().clone(), clock)
        .with_workflows(workflows)
        .with_data_dir(&args.data_dir);
    // Instances stay on the version they started on: the versions in use
    // are stored, and earlier ones read back, before anything runs.
    let mut app = app.with_stored_versions().await.context("reading the stored workflow versions")?;
    app.client_ip_header = args.client_ip_header.clone();
    app.metrics_token = args.metrics_token.clone().filter(|t| !t.is_empty());
    app.secure_cookies = args.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
    app.sign_on = sign_on(&args)?;
    if args.test_clock {
        tracing::warn!("--test-clock: the clock can be moved through the API; never use this in production");
        app = app.with_test_clock(ManualClock::new(chrono::Utc::now()));
    }
    if args.demo {
        let demos = crate::demo::Demo::load_all(&args.workflows).map_err(anyhow::Error::msg)?;
        let mut created = false;
        for demo in &demos {
            created |=
                crate::demo::seed(&app, demo).await.with_context(|| format!("loading the demo `{}`", demo.call))?;
        }
        print_demo_logins(&demos, created);
    }
    if args.smtp_url.is_none() {
        tracing::info!(folder = %args.mail_dir.display(), "no SMTP server configured: e-mails go to .eml files");
    }

    let listener =
        tokio::net::TcpListener::bind(args.bind).await.with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener.local_addr()?;
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    app.public_url = public_url.clone();
    let mailer = crate::mail::worker::Mailer::new(
        crate::mail::worker::MailSettings {
            smtp_url: args.smtp_url.clone(),
            mail_dir: args.mail_dir.clone(),
            from: args.mail_from.clone().unwrap_or_else(|| default_sender(&app.workflow.label)),
            public_url,
            retry_base: std::time::Duration::from_millis(args.mail_retry_base_ms.max(1)),
            max_attempts: args.mail_max_attempts.max(1),
            senders: args.mail_senders.into(),
        },
        store.clone(),
        app.workflows.clone(),
        app.clock.clone(),
    )?;
    let dispatcher = crate::webhooks::worker::Dispatcher::new(
        crate::webhooks::worker::WebhookSettings {
            retry_base: std::time::Duration::from_millis(args.webhook_retry_base_ms.max(1)),
            max_attempts: args.webhook_max_attempts.max(1),
            timeout: std::time::Duration::from_secs(args.webhook_timeout_seconds),
            ..Default::default()
        },
        store.clone(),
        app.clock.clone(),
    )?;
    tracing::info!(%addr, database = %redact_url(&args.db.database_url), "labelflow started");
    println!("labelflow listening on http://{addr}");
    let postgres_url = (store.backend() == crate::store::Backend::Postgres).then(|| args.db.database_url.clone());
    // Under --test-clock time stands still between moves of the clock, and
    // each move fires what falls due itself: no worker races it.
    let worker = {
        let app = app.clone();
        let test_clock = args.test_clock;
        // Each worker's log lines carry its span, as a request's carry theirs.
        tokio::spawn(
            async move {
                if !test_clock {
                    app.run_timers(postgres_url).await
                }
            }
            .instrument(tracing::info_span!("timer_worker")),
        )
    };
    // The planner's statistics follow the data as it grows.
    let statistics = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(crate::store::STATISTICS_EVERY);
            every.tick().await;
            loop {
                every.tick().await;
                if let Err(e) = store.refresh_statistics().await {
                    tracing::warn!(error = %e, "refreshing the planner's statistics failed");
                }
            }
        })
    };
    // The audit trail's daily digest, looked for every few minutes: the
    // day is made once, whichever server looks first.
    let digests = {
        let (app, dir) = (app.clone(), args.audit_digest_dir.clone());
        tokio::spawn(
            async move {
                let mut every = tokio::time::interval(AUDIT_DIGEST_EVERY);
                loop {
                    every.tick().await;
                    if let Err(e) = app.make_audit_digests(&dir).await {
                        tracing::warn!(error = %e, "making the audit digest failed; trying again later");
                    }
                }
            }
            .instrument(tracing::info_span!("audit_digest")),
        )
    };
    // Retention passes, hourly; under --test-clock each move of the clock
    // makes one.
    let retention = {
        let (app, test_clock) = (app.clone(), args.test_clock);
        tokio::spawn(
            async move {
                if !test_clock {
                    app.run_retention().await
                }
            }
            .instrument(tracing::info_span!("retention")),
        )
    };
    // Held until the process ends: while it is, no other instance takes
    // this file's leases for abandoned ones.
    let _instance = match store.backend() {
        crate::store::Backend::Sqlite => sqlite_instance(&store, &args.db.database_url).await?,
        crate::store::Backend::Postgres => None,
    };
    let (stop_mail, mail_stopped) = tokio::sync::watch::channel(false);
    let mail_worker = {
        let wake = app.mail_wake.clone();
        let stopped = mail_stopped.clone();
        tokio::spawn(async move { mailer.run(wake, stopped).await }.instrument(tracing::info_span!("mail_worker")))
    };
    let webhook_worker = {
        let wake = app.webhook_wake.clone();
        let stopped = mail_stopped.clone();
        tokio::spawn(
            async move { dispatcher.run(wake, stopped).await }.instrument(tracing::info_span!("webhook_worker")),
        )
    };
    let metrics = match args.metrics_bind {
        Some(bind) => {
            let listener =
                tokio::net::TcpListener::bind(bind).await.with_context(|| format!("cannot listen on {bind}"))?;
            tracing::info!(addr = %listener.local_addr()?, "metrics served");
            let router = crate::web::metrics::router(app.clone());
            Some(tokio::spawn(async move { axum::serve(listener, router).await }))
        }
        None => None,
    };
    let service = crate::web::router(app).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service).with_graceful_shutdown(shutdown).await?;
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    // A firing in progress rolls back whole and fires again at the next
    // start. The e-mail being sent is finished and recorded (the SMTP
    // timeout bounds the wait), so none is sent again after a clean stop.
    worker.abort();
    statistics.abort();
    digests.abort();
    retention.abort();
    let _ = worker.await;
    let _ = stop_mail.send(true);
    // The post in progress is finished and recorded (its timeout bounds
    // the wait), as the e-mail being sent is.
    for mut sender in [mail_worker, webhook_worker] {
        if tokio::time::timeout(std::time::Duration::from_secs(40), &mut sender).await.is_err() {
            sender.abort();
        }
    }
    store.close().await;
    tracing::info!("labelflow stopped");
    Ok(())
}

/// Every `serve` on a SQLite file holds a shared lock on `FILE.instances`
/// for its whole life. One that can take it alone at start-up knows no
/// other instance runs, so e-mails it finds leased were left by a killed
/// process and are released at once rather than when their lease ends;
/// an instance that starts beside a running one leaves the leases alone.
/// An in-memory database has no file and no other instance: None.
async fn sqlite_instance(store: &crate::store::Store, url: &str) -> anyhow::Result<Option<std::fs::File>> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    if path.contains(":memory:") || url.contains("mode=memory") {
        return Ok(None);
    }
    let path = path.split('?').next().unwrap_or(path);
    let lock_path = format!("{path}.instances");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| anyhow::anyhow!("cannot open {lock_path}: {e}"))?;
    let alone = match file.try_lock() {
        Ok(()) => true,
        Err(std::fs::TryLockError::WouldBlock) => false,
        Err(std::fs::TryLockError::Error(e)) => anyhow::bail!("cannot lock {lock_path}: {e}"),
    };
    if alone {
        let released = store.release_mail_leases().await?;
        if released > 0 {
            tracing::info!(released, "e-mails left leased by a stopped server are sent again");
        }
        let released = store.release_delivery_leases().await?;
        if released > 0 {
            tracing::info!(released, "webhook deliveries left leased by a stopped server are posted again");
        }
        file.unlock()?;
    }
    file.lock_shared()?;
    Ok(Some(file))
}

fn print_demo_logins(demos: &[crate::demo::Demo], created: bool) {
    println!(
        "Demo data {}. Accounts (password: {}):",
        if created { "loaded" } else { "already present" },
        crate::demo::DEMO_PASSWORD
    );
    let mut printed: Vec<&str> = Vec::new();
    for a in demos.iter().flat_map(|d| d.logins()) {
        if printed.contains(&a.email.as_str()) {
            continue;
        }
        printed.push(&a.email);
        let scope = a.scope.as_deref().map(|s| format!(" [{s}]")).unwrap_or_default();
        println!("  {:<42} {}{scope} — {}", a.email, a.role, a.name);
    }
}

/// Installs the SIGINT/SIGTERM handlers now; the future resolves on either.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
            tracing::info!("shutdown requested, finishing requests in flight");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            tokio::signal::ctrl_c().await.ok();
            tracing::info!("shutdown requested, finishing requests in flight");
        })
    }
}
