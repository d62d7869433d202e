//! Faults under load, with real processes: `serve` killed with SIGKILL
//! while eight clients work, two `serve` instances sharing one database,
//! PostgreSQL itself restarted (a private cluster the test starts), and the
//! abuse cases (oversized bodies announced, secrets in logs).
//!
//! After each run the same ledger check: every action acknowledged with a
//! 2xx is in the database and its audit trail, the trail verifies, every
//! transition has its e-mails, the SMTP server received each exactly once,
//! and no transition is half-written (state, audit entry and e-mails go
//! together or not at all).

use crate::common::process::ServeProcess;
use crate::common::progress::Progress;
use crate::common::smtp::SmtpSink;
use crate::common::TestDb;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

const DEMO_PASSWORD: &str = "demo-labelflow";
const CLIENTS: usize = 8;

/// A pseudo-random number in 0..n that differs from run to run.
fn random(n: u64) -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() as u64;
    (nanos / 1000) % n.max(1)
}

/// The addresses of the servers currently up; clients spread over them.
#[derive(Default)]
struct Targets(RwLock<Vec<String>>);

impl Targets {
    fn set(&self, bases: Vec<String>) {
        *self.0.write().unwrap() = bases;
    }

    fn pick(&self, n: usize) -> Option<String> {
        let bases = self.0.read().unwrap();
        (!bases.is_empty()).then(|| bases[n % bases.len()].clone())
    }
}

/// What the clients were told was done, and what went wrong in a way no
/// fault excuses.
#[derive(Default)]
struct Ledger {
    created: Vec<String>,
    /// (dossier, action) for every 2xx.
    acked: Vec<(String, &'static str)>,
    /// 5xx answers seen (each must be a JSON error).
    server_errors: usize,
    /// Connections refused, reset or timed out.
    lost: usize,
    wrong: Vec<String>,
}

enum Answer {
    Done(u16, Value),
    Lost,
}

struct Load {
    http: reqwest::Client,
    targets: Arc<Targets>,
    ledger: Mutex<Ledger>,
    stop: AtomicBool,
    tokens: BTreeMap<&'static str, String>,
    campaign: String,
}

impl Load {
    async fn call(&self, n: usize, who: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> Answer {
        let Some(base) = self.targets.pick(n) else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            return Answer::Lost;
        };
        let mut request = self.http.request(method, format!("{base}{path}")).bearer_auth(&self.tokens[who]);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let Ok(response) = request.send().await else { return Answer::Lost };
        let status = response.status().as_u16();
        let Ok(text) = response.text().await else { return Answer::Lost };
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status >= 500 {
            let mut ledger = self.ledger.lock().unwrap();
            ledger.server_errors += 1;
            if value["error"]["code"].as_str().is_none() {
                ledger.wrong.push(format!("{path}: {status} without a JSON error: {value}"));
            }
        }
        Answer::Done(status, value)
    }

    /// One client: dossiers taken from creation to submission, step by
    /// step; a step whose answer was lost is tried again, and a refusal
    /// after a lost answer means the lost attempt went through.
    async fn client(self: Arc<Self>, c: usize) {
        let mut n = c;
        let mut i = 0;
        while !self.stop.load(Ordering::Relaxed) {
            i += 1;
            n += 1;
            let body = json!({
                "campaign_id": self.campaign, "title": format!("Campus de fiabilité {c}-{i}"), "kind": "creation",
                "category": "standard", "filiere": "numerique-telecommunications", "region": "ARA",
                "academies": ["LYON"], "support_establishment": "Lycée du Parc", "directeur_operationnel": "Paul Martin"
            });
            let id = match self.call(n, "porteur", reqwest::Method::POST, "/api/v1/dossiers", Some(body)).await {
                Answer::Done(201, d) => d["id"].as_str().unwrap_or_default().to_string(),
                Answer::Done(s, d) if s < 500 => {
                    self.ledger.lock().unwrap().wrong.push(format!("create: {s} {d}"));
                    continue;
                }
                Answer::Done(..) => continue,
                Answer::Lost => {
                    self.ledger.lock().unwrap().lost += 1;
                    continue;
                }
            };
            self.ledger.lock().unwrap().created.push(id.clone());
            let steps: [(&str, &'static str, String, Value); 6] = [
                (
                    "porteur",
                    "add_partner",
                    format!("/api/v1/dossiers/{id}/partners"),
                    json!({"name": "Lycée du Parc", "type": "eple"}),
                ),
                (
                    "region",
                    "record_opinion",
                    format!("/api/v1/dossiers/{id}/events"),
                    json!({"event": "record_opinion", "body": "crefop", "opinion": "favorable"}),
                ),
                (
                    "rectorat",
                    "record_opinion",
                    format!("/api/v1/dossiers/{id}/events"),
                    json!({"event": "record_opinion", "body": "conseil_academique", "opinion": "favorable"}),
                ),
                ("rectorat", "endorse", format!("/api/v1/dossiers/{id}/events"), json!({"event": "endorse"})),
                ("region", "endorse", format!("/api/v1/dossiers/{id}/events"), json!({"event": "endorse"})),
                ("porteur", "submit", format!("/api/v1/dossiers/{id}/events"), json!({"event": "submit"})),
            ];
            'steps: for (who, action, path, body) in steps {
                let mut lost_before = false;
                loop {
                    n += 1;
                    match self.call(n, who, reqwest::Method::POST, &path, Some(body.clone())).await {
                        Answer::Done(s, _) if (200..300).contains(&s) => {
                            self.ledger.lock().unwrap().acked.push((id.clone(), action));
                            break;
                        }
                        Answer::Done(409 | 422, _) if lost_before => break,
                        Answer::Done(s, d) if s < 500 => {
                            self.ledger.lock().unwrap().wrong.push(format!("{action} on {id}: {s} {d}"));
                            break 'steps;
                        }
                        Answer::Done(..) | Answer::Lost => {
                            self.ledger.lock().unwrap().lost += 1;
                            lost_before = true;
                            if self.stop.load(Ordering::Relaxed) {
                                break 'steps;
                            }
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                }
            }
        }
    }
}

async fn login(base: &str, email: &str) -> String {
    crate::common::Client::login_with(base, email, DEMO_PASSWORD).await.token.expect("a token")
}

/// Logs the demo cast in on `base` and readies eight clients.
async fn load(base: &str, targets: Arc<Targets>) -> Arc<Load> {
    let mut tokens = BTreeMap::new();
    for (who, email) in [
        ("porteur", "porteur@demo.labelflow.fr"),
        ("rectorat", "rectorat.lyon@demo.labelflow.fr"),
        ("region", "region.ara@demo.labelflow.fr"),
        ("admin", "admin@demo.labelflow.fr"),
    ] {
        tokens.insert(who, login(base, email).await);
    }
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let campaigns: Value = http
        .get(format!("{base}/api/v1/campaigns"))
        .bearer_auth(&tokens["admin"])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cmq = campaigns.as_array().unwrap().iter().find(|c| c["workflow"] == "cmq");
    let campaign = cmq.and_then(|c| c["id"].as_str()).expect("the demo's CMQ call for projects").to_string();
    Arc::new(Load { http, targets, ledger: Mutex::default(), stop: AtomicBool::new(false), tokens, campaign })
}

fn spawn_clients(load: &Arc<Load>) -> Vec<tokio::task::JoinHandle<()>> {
    (0..CLIENTS).map(|c| tokio::spawn(load.clone().client(c))).collect()
}

async fn finish(load: &Arc<Load>, clients: Vec<tokio::task::JoinHandle<()>>) {
    load.stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.expect("client task");
    }
}

fn serve_args<'a>(db: &'a str, smtp: &'a str, data: &'a std::path::Path) -> Vec<String> {
    vec![
        "--database-url".into(),
        db.into(),
        "--smtp-url".into(),
        smtp.into(),
        "--mail-retry-base-ms".into(),
        "200".into(),
        "--data-dir".into(),
        data.display().to_string(),
    ]
}

fn start(args: &[String], demo: bool) -> ServeProcess {
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    if demo {
        args.push("--demo");
    }
    ServeProcess::start(&args, &[])
}

async fn scalar(url: &str, sql: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.expect(sql);
    pool.close().await;
    n
}

async fn strings(url: &str, sql: &str) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(&pool).await.expect(sql);
    pool.close().await;
    rows
}

/// Waits until no e-mail is pending (or leased), as long as e-mails keep
/// going out.
async fn mail_settled(url: &str) {
    let begun = Instant::now();
    // A killed PostgreSQL instance's leased e-mails wait out their lease
    // (two minutes) before another instance sends them.
    let mut progress = Progress::new("e-mails to send").with_quiet(MAIL_LEASE + Duration::from_secs(30));
    loop {
        let open = scalar(url, "SELECT COUNT(*) FROM outbox WHERE status <> 'sent'").await;
        if open == 0 {
            return;
        }
        eprintln!("{:>5.1} s: {open} e-mails to send", begun.elapsed().as_secs_f64());
        if progress.stalled(open) {
            let status = strings(
                url,
                "SELECT DISTINCT status || ':' || COALESCE(last_error, '') FROM outbox WHERE status <> 'sent'",
            )
            .await;
            panic!("{open} e-mails left and none sent for longer than a lease: {status:?}");
        }
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
}

/// How long the mail worker leases the e-mails it sends.
const MAIL_LEASE: Duration = Duration::from_secs(120);

/// E-mails `serve` has in flight at once (its four senders).
const MAIL_SENDERS: usize = 4;

/// The checks every fault scenario ends with. `kills` is how many times
/// `serve` was killed: each may cut the deliveries in flight between the
/// SMTP server's acceptance and their record (one per sender), and those
/// are sent again with the same Message-ID (mail clients show them once).
/// Nothing else may repeat.
async fn check_ledger(url: &str, load: &Load, sink: &SmtpSink, kills: usize) {
    // The load has finished: its ledger is taken whole.
    let ledger = std::mem::take(&mut *load.ledger.lock().unwrap());
    eprintln!(
        "{} dossiers, {} acknowledged steps, {} answers lost, {} 5xx",
        ledger.created.len(),
        ledger.acked.len(),
        ledger.lost,
        ledger.server_errors
    );
    assert!(ledger.wrong.is_empty(), "answers no fault explains: {:?}", ledger.wrong);
    assert!(ledger.acked.iter().filter(|(_, a)| *a == "submit").count() >= CLIENTS, "the load made progress");

    // Every acknowledged creation and step is stored and audited.
    let dossiers: BTreeSet<String> = strings(url, "SELECT id FROM dossiers").await.into_iter().collect();
    for id in &ledger.created {
        assert!(dossiers.contains(id), "acknowledged dossier {id} lost");
    }
    let mut audited: BTreeMap<(String, String), usize> = BTreeMap::new();
    for row in strings(url, "SELECT entity_id || ' ' || action FROM audit WHERE entity = 'dossier'").await {
        let (id, action) = row.split_once(' ').unwrap();
        *audited.entry((id.to_string(), action.to_string())).or_default() += 1;
    }
    let mut acked: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (id, action) in &ledger.acked {
        *acked.entry((id.clone(), action.to_string())).or_default() += 1;
    }
    for (key, n) in &acked {
        let stored = audited.get(key).copied().unwrap_or(0);
        assert!(stored >= *n, "{key:?} acknowledged {n} times, audited {stored}");
    }
    drop(ledger);

    // Nothing half-written: a state change, its audit entry and its e-mails
    // exist together or not at all.
    let half = [
        "SELECT COUNT(*) FROM dossiers d WHERE d.state <> 'draft' AND NOT EXISTS \
         (SELECT 1 FROM audit a WHERE a.entity = 'dossier' AND a.entity_id = d.id AND a.action = 'submit')",
        "SELECT COUNT(*) FROM audit a WHERE a.action = 'submit' AND NOT EXISTS \
         (SELECT 1 FROM dossiers d WHERE d.id = a.entity_id AND d.state <> 'draft')",
        "SELECT COUNT(*) FROM audit a WHERE a.action = 'submit' AND NOT EXISTS \
         (SELECT 1 FROM outbox o WHERE o.entity_id = a.entity_id AND o.template = 'submission_receipt')",
        "SELECT COUNT(*) FROM outbox o WHERE o.template = 'submission_receipt' AND NOT EXISTS \
         (SELECT 1 FROM audit a WHERE a.entity_id = o.entity_id AND a.action = 'submit')",
        "SELECT COUNT(*) FROM dossiers d WHERE d.title LIKE 'Campus de fiabilit%' AND d.version <> \
         (SELECT COUNT(*) FROM audit a WHERE a.entity = 'dossier' AND a.entity_id = d.id)",
    ];
    for sql in half {
        assert_eq!(scalar(url, sql).await, 0, "half-written: {sql}");
    }

    // The trail verifies, as the operator would check it.
    let verify = std::process::Command::new(env!("CARGO_BIN_EXE_labelflow"))
        .args(["audit", "verify", "--database-url", url])
        .output()
        .expect("audit verify");
    assert!(verify.status.success(), "audit verify: {}", String::from_utf8_lossy(&verify.stderr));

    // Every e-mail committed was received, exactly once.
    mail_settled(url).await;
    let outbox: BTreeSet<String> =
        strings(url, "SELECT id FROM outbox").await.into_iter().map(|id| id.replace(':', ".")).collect();
    let received: Vec<String> = sink
        .received()
        .into_iter()
        .map(|(message_id, _, _)| message_id.trim_matches(['<', '>']).split('@').next().unwrap_or_default().to_string())
        .collect();
    let unique: BTreeSet<String> = received.iter().cloned().collect();
    let repeated = received.len() - unique.len();
    eprintln!("{} e-mails received, {repeated} of them again after a kill", received.len());
    assert!(repeated <= kills * MAIL_SENDERS, "{repeated} e-mails delivered twice, with {kills} kills");
    assert_eq!(unique, outbox, "the SMTP server received exactly the committed e-mails");
}

/// `serve` killed with SIGKILL three times at random moments while eight
/// clients work, restarted each time.
async fn sigkill_under_load(db: &TestDb) {
    let Some(sink) = SmtpSink::start() else { return };
    let files = tempfile::tempdir().unwrap();
    let args = serve_args(&db.url, &sink.url(), files.path());
    let mut server = start(&args, true);
    let targets = Arc::new(Targets::default());
    targets.set(vec![server.base.clone()]);
    let load = load(&server.base, targets.clone()).await;
    let clients = spawn_clients(&load);
    for round in 0..3 {
        tokio::time::sleep(Duration::from_millis(1_500 + random(2_500))).await;
        targets.set(vec![]);
        server.kill();
        let submitted = load.ledger.lock().unwrap().acked.len();
        eprintln!("round {round}: killed after {submitted} acknowledged steps");
        server = start(&args, false);
        targets.set(vec![server.base.clone()]);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    finish(&load, clients).await;
    check_ledger(&db.url, &load, &sink, 3).await;
    assert!(server.terminate(), "graceful stop");
}

/// Two instances on one database, every request sent to either: the same
/// guarantees, and each due timer fired by one of them only.
async fn two_instances(db: &TestDb) {
    let Some(sink) = SmtpSink::start() else { return };
    let files = tempfile::tempdir().unwrap();
    let args = serve_args(&db.url, &sink.url(), files.path());
    // The demo first, alone; then drafts whose reminders fall due while
    // both instances are down.
    let first = start(&args, true);
    let targets = Arc::new(Targets::default());
    let load = load(&first.base, targets.clone()).await;
    let mut drafts = Vec::new();
    for i in 0..20 {
        let body = json!({"campaign_id": load.campaign, "title": format!("Brouillon {i}"), "kind": "creation",
            "category": "standard"});
        targets.set(vec![first.base.clone()]);
        match load.call(0, "porteur", reqwest::Method::POST, "/api/v1/dossiers", Some(body)).await {
            Answer::Done(201, d) => drafts.push(d["id"].as_str().unwrap().to_string()),
            Answer::Done(s, d) => panic!("draft: {s} {d}"),
            Answer::Lost => panic!("draft: no answer"),
        }
    }
    assert!(first.terminate());
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let past = chrono::Utc::now().timestamp_micros() - 3_600_000_000;
    for (i, id) in drafts.iter().enumerate() {
        for k in 0..10 {
            sqlx::query(
                "INSERT INTO timers (id, entity, entity_id, name, timer_key, event, due_at, status, created_at) \
                 VALUES ($1, 'dossier', $2, 'call_closing_7d', '', 'remind_call_closing', $3, 'pending', 0)",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(id)
            .bind(past + (i * 10 + k) as i64 * 1_000)
            .execute(&pool)
            .await
            .unwrap();
        }
    }
    pool.close().await;
    let (a, b) = (start(&args, false), start(&args, false));
    targets.set(vec![a.base.clone(), b.base.clone()]);
    let clients = spawn_clients(&load);
    tokio::time::sleep(Duration::from_secs(6)).await;
    finish(&load, clients).await;
    let mut progress = Progress::new("due timers to fire");
    let due = format!(
        "SELECT COUNT(*) FROM timers WHERE event = 'remind_call_closing' AND status = 'pending' AND due_at < {}",
        past + 1_000_000_000
    );
    loop {
        let left = scalar(&db.url, &due).await;
        if left == 0 {
            break;
        }
        progress.left(left);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    check_ledger(&db.url, &load, &sink, 0).await;
    assert_eq!(scalar(&db.url, "SELECT COUNT(*) FROM audit WHERE action = 'remind_call_closing'").await, 200);
    assert_eq!(scalar(&db.url, "SELECT COUNT(*) FROM outbox WHERE template = 'call_closing'").await, 200);
    assert!(a.terminate() & b.terminate(), "graceful stops");
}

/// A PostgreSQL cluster of the test's own (Debian's server binaries, run as
/// the `postgres` account when the test runs as root), so that restarting
/// it disturbs no other test.
struct PrivateCluster {
    bin: std::path::PathBuf,
    dir: std::path::PathBuf,
    port: u16,
}

impl PrivateCluster {
    /// None (a skip) when the server binaries are missing outside CI.
    fn start() -> Option<PrivateCluster> {
        let bin = std::fs::read_dir("/usr/lib/postgresql").ok().and_then(|versions| {
            let mut found: Vec<_> =
                versions.flatten().map(|v| v.path().join("bin")).filter(|b| b.join("initdb").exists()).collect();
            found.sort();
            found.pop()
        });
        let Some(bin) = bin else {
            assert!(std::env::var("CI").is_err(), "CI runs on a machine with PostgreSQL's server binaries");
            eprintln!("no initdb: PostgreSQL restart test skipped");
            return None;
        };
        let dir = std::env::temp_dir().join(format!("labelflow-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            let id = |flag: &str| {
                let out = std::process::Command::new("id").args([flag, "postgres"]).output().expect("id postgres");
                String::from_utf8_lossy(&out.stdout).trim().parse::<u32>().expect("postgres account")
            };
            std::os::unix::fs::chown(&dir, Some(id("-u")), Some(id("-g"))).unwrap();
        }
        let cluster = PrivateCluster { bin, port: crate::common::smtp::free_port(), dir };
        let data = cluster.dir.join("data").display().to_string();
        cluster.pg("initdb", &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
        let options =
            format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", cluster.port, cluster.dir.display());
        let log = cluster.dir.join("log").display().to_string();
        cluster.pg("pg_ctl", &["-D", &data, "-o", &options, "-l", &log, "-w", "start"]);
        Some(cluster)
    }

    fn pg(&self, tool: &str, args: &[&str]) {
        let path = self.bin.join(tool);
        let mut command = if is_root() {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            std::process::Command::new(&path)
        };
        let out = command.args(args).output().unwrap_or_else(|e| panic!("{tool}: {e}"));
        assert!(out.status.success(), "{tool} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// An immediate stop, like a crash, and a start with crash recovery.
    /// The log file again: without it the new server would write to
    /// pg_ctl's output, holding the pipe this waits on open for ever.
    fn restart(&self) {
        let data = self.dir.join("data").display().to_string();
        let log = self.dir.join("log").display().to_string();
        self.pg("pg_ctl", &["-D", &data, "-l", &log, "-m", "immediate", "-w", "restart"]);
    }

    fn url(&self, database: &str, password: &str) -> String {
        format!("postgres://postgres:{password}@127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        let path = self.bin.join("pg_ctl");
        let mut command = if is_root() {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            std::process::Command::new(&path)
        };
        command.args(["-D", &data, "-m", "immediate", "stop"]).output().ok();
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

fn is_root() -> bool {
    std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// PostgreSQL restarted twice (immediate stop, crash recovery) under eight
/// clients: requests caught in it fail with a JSON 503, the server
/// reconnects by itself, and nothing acknowledged or half-written is left
/// wrong. The database password is in the URL and must stay out of the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_under_load() {
    let Some(cluster) = PrivateCluster::start() else { return };
    let Some(sink) = SmtpSink::start() else { return };
    let password = format!("pg-secret-{}", uuid::Uuid::new_v4().simple());
    {
        use sqlx::Connection;
        let mut admin = sqlx::PgConnection::connect(&cluster.url("postgres", &password)).await.unwrap();
        sqlx::query("CREATE DATABASE labelflow").execute(&mut admin).await.unwrap();
    }
    let url = cluster.url("labelflow", &password);
    let files = tempfile::tempdir().unwrap();
    let args = serve_args(&url, &sink.url(), files.path());
    let server = start(&args, true);
    let targets = Arc::new(Targets::default());
    targets.set(vec![server.base.clone()]);
    let load = load(&server.base, targets.clone()).await;
    let clients = spawn_clients(&load);
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(1_500 + random(1_500))).await;
        cluster.restart();
        eprintln!("PostgreSQL restarted after {} acknowledged steps", load.ledger.lock().unwrap().acked.len());
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    finish(&load, clients).await;
    let health = reqwest::get(format!("{}/healthz", server.base)).await.unwrap();
    assert_eq!(health.status(), 200, "reconnected");
    check_ledger(&url, &load, &sink, 0).await;
    let log = server.log();
    assert!(log.contains("store failure") || load.ledger.lock().unwrap().server_errors == 0, "failures are logged");
    assert!(!log.contains(&password), "the database password leaked into the log");
    assert!(server.terminate(), "graceful stop");
}

/// A body announced larger than its route accepts is refused before a byte
/// of it is read, on the API (JSON error naming the body) and on pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_refused_from_their_announced_length() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let db = TestDb::sqlite().await;
    let served = crate::common::serve(&db.store, chrono::Utc::now()).await;
    let address = served.base.trim_start_matches("http://").to_string();
    let cases = [
        ("/api/v1/dossiers", "application/json", 300 * 1024, "payload_too_large"),
        (
            "/api/v1/dossiers/0b9c8a44-5c44-4f8f-a1c0-000000000000/attachments?kind=annexe&name=a.pdf",
            "application/pdf",
            1 << 30,
            "payload_too_large",
        ),
        ("/api/v1/admin/import/campuses", "text/csv", 64 << 20, "payload_too_large"),
        ("/connexion", "application/x-www-form-urlencoded", 10 << 20, "Envoi trop volumineux"),
        (
            "/dossiers/0b9c8a44-5c44-4f8f-a1c0-000000000000/pieces",
            "multipart/form-data; boundary=x",
            1 << 30,
            "Envoi trop volumineux",
        ),
    ];
    for (path, content_type, length, expected) in cases {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        // Not a byte of the body is sent: only an early refusal answers.
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "{path}: no answer before the body was sent");
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(answer.contains(expected), "{path}: {answer}");
        if path.starts_with("/api/") {
            assert!(answer.contains("\"field\":\"body\""), "{path}: {answer}");
        }
    }
    // A JSON body within the limit still goes through to the handler.
    let reply = reqwest::Client::new()
        .post(format!("{}/api/v1/login", served.base))
        .json(&json!({"email": "nobody@example.org", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 401);
}

/// With every log target at debug, no password, token or secret address
/// reaches the log: not the database's, the SMTP server's, a user's (good
/// or wrong), an API token, a session cookie or a calendar address.
async fn secrets_stay_out_of_logs(db: &TestDb) {
    let db_password = format!("db-secret-{}", uuid::Uuid::new_v4().simple());
    let url = match db.url.strip_prefix("postgres://postgres@") {
        // Trust authentication ignores it, but it is in the URL as in production.
        Some(rest) => format!("postgres://postgres:{db_password}@{rest}"),
        None => db.url.clone(),
    };
    let smtp_password = format!("smtp-secret-{}", uuid::Uuid::new_v4().simple());
    let dead_smtp = format!("smtp://127.0.0.1:{}", crate::common::smtp::free_port());
    let files = tempfile::tempdir().unwrap();
    let data = files.path().display().to_string();
    let server = ServeProcess::start(
        &["--database-url", &url, "--data-dir", &data, "--mail-retry-base-ms", "100", "--demo"],
        &[
            ("LABELFLOW_LOG", "debug"),
            ("LABELFLOW_SMTP_URL", &dead_smtp),
            ("LABELFLOW_SMTP_USERNAME", "labelflow"),
            ("LABELFLOW_SMTP_PASSWORD", &smtp_password),
        ],
    );
    let base = server.base.clone();
    let token = login(&base, "porteur@demo.labelflow.fr").await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let wrong = "Mauvais-Mot-De-Passe-42";
    let refused = http
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"email": "porteur@demo.labelflow.fr", "password": wrong}));
    assert_eq!(refused.send().await.unwrap().status(), 401);
    let me = http.get(format!("{base}/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let feed: Value =
        http.post(format!("{base}/api/v1/me/calendar")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let feed_url = feed["url"].as_str().expect("feed address").to_string();
    let feed_path = feed_url.split_once("/ical/").map(|(_, p)| format!("/ical/{p}")).unwrap();
    assert_eq!(http.get(format!("{base}{feed_path}")).send().await.unwrap().status(), 200);
    let calendar_token = feed_path.trim_start_matches("/ical/").trim_end_matches(".ics").to_string();
    // The page login sets a session cookie.
    let page = http.get(format!("{base}/connexion")).send().await.unwrap();
    let cookies: Vec<String> = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
        .collect();
    let html = page.text().await.unwrap();
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default();
    let login = http
        .post(format!("{base}/connexion"))
        .header("cookie", cookies.join("; "))
        .form(&[("email", "porteur@demo.labelflow.fr"), ("password", DEMO_PASSWORD), ("csrf", csrf)])
        .send()
        .await
        .unwrap();
    let session: Vec<String> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next()?.split_once('=').map(|(_, v)| v.to_string()))
        .filter(|v| v.len() >= 16)
        .collect();
    assert!(!session.is_empty(), "the page login set a session cookie");
    // The demo's e-mails fail against the dead SMTP address, and say so.
    let begun = Instant::now();
    while !server.log().contains("e-mail not sent") {
        assert!(begun.elapsed() < Duration::from_secs(30), "no delivery failure logged: {}", server.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = server.log();
    assert!(server.terminate(), "graceful stop");
    let mut secrets = vec![
        ("SMTP password", smtp_password.as_str()),
        ("demo password", DEMO_PASSWORD),
        ("wrong password", wrong),
        ("API token", token.as_str()),
        ("calendar address", calendar_token.as_str()),
    ];
    if url != db.url {
        secrets.push(("database password", db_password.as_str()));
    }
    for s in &session {
        secrets.push(("session cookie", s.as_str()));
    }
    for (what, secret) in secrets {
        assert!(!log.contains(secret), "the {what} is in the log");
    }
    assert!(log.lines().count() > 20, "the log was written at debug level: {log}");
}

/// Right after a restart, with the mail worker sending the demo's backlog,
/// one clock move fires six years of the demo label's timers in a single
/// request: 200, and no error in the log (on SQLite, one process must never
/// meet its own lock: "database is locked").
async fn six_years_in_one_move_after_a_restart(db: &TestDb) {
    let Some(sink) = SmtpSink::start() else { return };
    let files = tempfile::tempdir().unwrap();
    let mut args = serve_args(&db.url, &sink.url(), files.path());
    args.push("--test-clock".into());
    let first = start(&args, true);
    assert!(first.terminate(), "graceful stop");
    let server = start(&args, false);
    let now = chrono::Utc::now() + chrono::Duration::days(6 * 366);
    let http = reqwest::Client::new();
    let answer = http
        .post(format!("{}/api/v1/test/clock", server.base))
        .json(&json!({"now": now.to_rfc3339()}))
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let body: Value = answer.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    let fired = body["fired"].as_array().expect("fired").len();
    assert!(fired >= 5, "six years of a label fire its reports and its end: {fired} firings");
    mail_settled(&db.url).await;
    let log = server.log();
    assert!(server.terminate(), "graceful stop");
    for bad in ["database is locked", "ERROR", "mail worker failed"] {
        assert!(!log.contains(bad), "`{bad}` in the log:\n{log}");
    }
}

on_both_backends!(sigkill_under_load, two_instances, secrets_stay_out_of_logs, six_years_in_one_move_after_a_restart);
