//! `labelflow bench http`: latency and throughput of the main API reads
//! and writes and of the staff dashboard, through a real `labelflow serve`
//! process on a loopback port driven by `wrk`, on the generated data set.
//! Baselines from the same run: a static `/healthz` (the ceiling of the
//! server and load tool on this machine) and the raw-SQL transition bound
//! of `bench transitions` at the same number of clients.

use super::dataset::{self, Spec};
use super::profile::{Cast, Profile};
use super::scratch::Scratch;
use super::transitions::raw_round;
use super::Sample;
use crate::app::{App, AppError};
use crate::clock::SystemClock;
use crate::engine::Actor;
use crate::store::{Backend, StoreError};
use crate::workflow::Definition;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

pub struct Options {
    pub backend: Backend,
    pub server: String,
    pub spec: Spec,
    pub clients: Vec<usize>,
    pub seconds: f64,
    /// The `wrk` program.
    pub wrk: String,
}

/// Dossiers each write run cycles through; far more than connections, so
/// that no two requests in flight ever touch the same dossier.
const WRITE_POOL: usize = 256;

/// The dashboard goal of issue 9, in milliseconds.
const DASHBOARD_P99_GOAL_MS: f64 = 50.0;
const LIST_P99_GOAL_MS: f64 = 20.0;
const IDLE_RSS_GOAL_MIB: f64 = 100.0;
const PEAK_RSS_GOAL_MIB: f64 = 200.0;
const WRITE_RATIO_GOAL: f64 = 0.8;

fn fail(what: impl std::fmt::Display) -> AppError {
    StoreError::Invalid(what.to_string()).into()
}

pub async fn run(
    opts: &Options,
    workflow: Definition,
    profile: &Profile,
    out: &mut impl std::io::Write,
) -> Result<f64, AppError> {
    let scratch = Scratch::create(opts.backend, &opts.server).await?;
    let work = std::env::temp_dir().join(format!("labelflow-bench-http-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&work).map_err(fail)?;
    let result = measure(&scratch, &work, opts, workflow, profile, out).await;
    std::fs::remove_dir_all(&work).ok();
    scratch.drop_all().await?;
    result
}

/// A `labelflow serve` child on a loopback port.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(url: &str, work: &Path) -> Result<Server, AppError> {
        let exe = std::env::current_exe().map_err(fail)?;
        let mut child = Command::new(exe)
            .args(["serve", "--bind", "127.0.0.1:0", "--database-url", url])
            .arg("--mail-dir")
            .arg(work.join("mail"))
            .arg("--data-dir")
            .arg(work.join("data"))
            .arg("--audit-digest-dir")
            .arg(work.join("digests"))
            .env("LABELFLOW_LOG", "warn")
            .env_remove("LABELFLOW_SMTP_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| fail(format!("starting labelflow serve: {e}")))?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(base) = line.strip_prefix("labelflow listening on ") {
                        let base = base.to_string();
                        std::thread::spawn(move || for _ in lines {});
                        return Ok(Server { child, base });
                    }
                }
                _ => {
                    child.kill().ok();
                    return Err(fail("labelflow serve exited before listening"));
                }
            }
        }
    }

    /// CPU time used so far, in clock ticks, from /proc.
    fn cpu_ticks(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        rest.split_whitespace().skip(11).take(2).filter_map(|v| v.parse::<u64>().ok()).sum()
    }

    /// Waits until the server is idle (under 5 % of a core over 200 ms), at
    /// most a minute: requests a load tool gave up on are still served after
    /// it stops, and must not be billed to the next measurement.
    async fn settle(&self) {
        let begun = std::time::Instant::now();
        let mut last = self.cpu_ticks();
        while begun.elapsed() < Duration::from_secs(60) {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let now = self.cpu_ticks();
            if now.saturating_sub(last) <= 1 {
                return;
            }
            last = now;
        }
    }

    /// (current, peak) resident set size in MiB, from /proc.
    fn rss(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
                .map(|kib| kib / 1024.0)
                .unwrap_or(f64::NAN)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// What `wrk --latency` reported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WrkResult {
    pub requests: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub non_2xx: u64,
    pub socket_errors: u64,
}

pub fn duration_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let value: f64 = text[..split].parse().ok()?;
    match &text[split..] {
        "us" => Some(value / 1000.0),
        "ms" => Some(value),
        "s" => Some(value * 1000.0),
        "m" => Some(value * 60_000.0),
        _ => None,
    }
}

/// Parses the report `wrk --latency` prints.
pub fn parse_wrk(report: &str) -> Option<WrkResult> {
    let mut r = WrkResult::default();
    let mut ran = false;
    for line in report.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", v] => r.p50_ms = duration_ms(v)?,
            ["99%", v] => r.p99_ms = duration_ms(v)?,
            [n, "requests", "in", ..] => {
                r.requests = n.parse().ok()?;
                ran = true;
            }
            ["Requests/sec:", v] => r.per_second = v.parse().ok()?,
            ["Non-2xx", "or", "3xx", "responses:", n] => r.non_2xx = n.parse().ok()?,
            ["Socket", "errors:", rest @ ..] => {
                r.socket_errors = rest.iter().filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok()).sum()
            }
            _ => {}
        }
    }
    // A run in which no request finished still ran: its zero is a result.
    ran.then_some(r)
}

/// Spreads the write pool over wrk's threads and sends, per dossier, each
/// step of the benchmark file's write loop in turn, round and round. Each
/// line of the pool: the dossier's id, then per step a bearer token and a
/// body, tab-separated.
const WRITE_SCRIPT: &str = r#"
local next_thread = 0
function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end
local pool, turn, i, checked = {}, {}, 0, false
function init(args)
  local threads, k = tonumber(args[1]), 0
  for line in io.lines(args[2]) do
    if k % threads == tid then
      local fields = {}
      for field in line:gmatch("[^\t]+") do fields[#fields + 1] = field end
      pool[#pool + 1] = fields
    end
    k = k + 1
  end
end
function request()
  local k = i % #pool + 1
  local fields = pool[k]
  local step = turn[k] or 0
  -- wrk calls request() once on the first thread to check it, before the
  -- run: that request is never sent, so it must not move the loop on.
  if tid == 0 and not checked then
    checked = true
  else
    i = k
    turn[k] = (step + 1) % ((#fields - 1) / 2)
  end
  return wrk.format("POST", "/api/v1/dossiers/" .. fields[1] .. "/events",
    {["Authorization"] = "Bearer " .. fields[2 + 2 * step], ["Content-Type"] = "application/json"},
    fields[3 + 2 * step])
end
"#;

enum Load<'a> {
    Get { path: String, header: String },
    Write { pool: &'a Path },
}

fn wrk(opts: &Options, work: &Path, base: &str, clients: usize, load: &Load) -> Result<WrkResult, AppError> {
    let threads = clients.min(2);
    let mut command = Command::new(&opts.wrk);
    command
        .arg(format!("-t{threads}"))
        .arg(format!("-c{clients}"))
        .arg(format!("-d{}s", opts.seconds.max(1.0).round() as u64))
        .args(["--latency", "--timeout", "10s"]);
    match load {
        Load::Get { path, header } => {
            command.args(["-H", header]).arg(format!("{base}{path}"));
        }
        Load::Write { pool } => {
            let script = work.join("write.lua");
            std::fs::write(&script, WRITE_SCRIPT).map_err(fail)?;
            command.arg("-s").arg(&script).arg(base).arg("--").arg(threads.to_string()).arg(pool);
        }
    }
    let output = command.output().map_err(|e| fail(format!("running {}: {e} (install Debian's wrk)", opts.wrk)))?;
    let report = String::from_utf8_lossy(&output.stdout);
    parse_wrk(&report)
        .ok_or_else(|| fail(format!("wrk gave no result: {report} {}", String::from_utf8_lossy(&output.stderr))))
}

/// The write pool: `n` dossiers of the second item of the benchmark
/// file's list, taken to its write stage, each line with the tokens and
/// bodies of its write steps. Reads are measured in the first item, which
/// does not see them: the write pool does not grow the lists being read.
async fn write_pool(
    app: &App,
    profile: &Profile,
    cast: &Cast,
    from: usize,
    n: usize,
) -> Result<Vec<(Uuid, String)>, AppError> {
    let def = app.definition(&profile.workflow)?;
    let campaign = first_campaign(app).await?;
    let mut tokens: std::collections::BTreeMap<Uuid, String> = Default::default();
    let mut pool = Vec::new();
    for i in Cast::write_numbers(profile, from, n) {
        let id = cast.dossier(app, profile, &def, campaign, i, &profile.write.stage).await?;
        let mut line = id.to_string();
        for k in 0..profile.write.steps.len() {
            let (actor, event) = cast.write_step(app, profile, &def, i, k)?;
            let user = actor.user_id.unwrap_or_default();
            if let std::collections::btree_map::Entry::Vacant(slot) = tokens.entry(user) {
                slot.insert(app.login(cast.email(&actor), dataset::PASSWORD, "bench").await?.0);
            }
            let mut body = serde_json::Map::from_iter([("event".to_string(), serde_json::Value::from(event.name))]);
            body.extend(event.data);
            line.push_str(&format!("\t{}\t{}", tokens[&user], serde_json::Value::Object(body)));
        }
        pool.push((id, line));
    }
    Ok(pool)
}

async fn first_campaign(app: &App) -> Result<Uuid, AppError> {
    let campaigns = app.store.campaigns().await?;
    let id = campaigns.first().map(|c| c.id.clone()).ok_or_else(|| fail("no campaign"))?;
    Uuid::parse_str(&id).map_err(fail)
}

async fn measure(
    scratch: &Scratch,
    work: &Path,
    opts: &Options,
    workflow: Definition,
    profile: &Profile,
    out: &mut impl std::io::Write,
) -> Result<f64, AppError> {
    let app = App::new(scratch.store.clone(), Arc::new(workflow), Arc::new(SystemClock));
    let _ =
        writeln!(out, "bench http: backend {:?}, clients {:?}, {} s per run", opts.backend, opts.clients, opts.seconds);
    let (cast, _) = dataset::generate(&app, profile, &opts.spec, out).await?;
    let def = app.definition(&profile.workflow)?;

    let login = |actor: &Actor| {
        let (app, email) = (app.clone(), cast.email(actor).to_string());
        async move { Ok::<String, AppError>(app.login(&email, dataset::PASSWORD, "bench").await?.0) }
    };
    // The reader is the first item's account; the dossier read one it sees.
    let reader = cast.pick(profile, &profile.write.reader, 0)?.clone();
    let reader_token = login(&reader).await?;
    let admin = match profile.accounts.iter().find(|g| g.role == crate::workflow::Role::ADMIN) {
        Some(g) => cast.account(&g.key)?.clone(),
        None => return Err(fail("the benchmark file has no admin account")),
    };
    let admin_token = login(&admin).await?;

    let runs = opts.clients.len();
    let write_pool = write_pool(&app, profile, &cast, opts.spec.dossiers, WRITE_POOL * runs).await?;
    // The raw side writes dossiers of its own, four per client.
    let campaign = first_campaign(&app).await?;
    let mut raw_pools = Vec::new();
    for c in 0..opts.clients.iter().copied().max().unwrap_or(1) {
        let mut pool = Vec::new();
        for i in 0..4 {
            let n = opts.spec.dossiers + WRITE_POOL * runs * profile.items().len() + 4 * c + i;
            pool.push(cast.dossier(&app, profile, &def, campaign, n, "").await?);
        }
        raw_pools.push(pool);
    }
    // Each client's audit sequence goes on from one run to the next.
    let mut raw_seqs = vec![0i64; raw_pools.len()];
    let sample_dossier = app
        .dossiers(&reader, None, None)
        .await?
        .into_iter()
        .map(|d| d.id)
        .find(|id| write_pool.iter().all(|(w, _)| w.to_string() != *id))
        .ok_or_else(|| fail("the reader sees no dossier"))?;
    let visible = app.dossiers(&reader, None, None).await?.len();
    app.store.mark_outbox_sent(crate::store::to_micros(app.clock.now())).await?;

    let server = Server::start(&scratch.url, work)?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (idle_rss, _) = server.rss();
    let _ = writeln!(out, "server pid {} at {}; idle RSS {idle_rss:.1} MiB", server.child.id(), server.base);
    let _ = writeln!(out, "{} sees {visible} dossiers; admin sees all", cast.email(&reader));

    let bearer = |t: &str| format!("Authorization: Bearer {t}");
    let reads: Vec<(&str, Load)> = vec![
        ("healthz", Load::Get { path: "/healthz".into(), header: "Accept: application/json".into() }),
        ("list", Load::Get { path: "/api/v1/dossiers".into(), header: bearer(&reader_token) }),
        ("read", Load::Get { path: format!("/api/v1/dossiers/{sample_dossier}"), header: bearer(&reader_token) }),
        (
            "dashboard",
            Load::Get {
                path: "/tableau-de-bord".into(),
                header: format!("Cookie: {}={reader_token}", crate::web::pages::session::SESSION_COOKIE),
            },
        ),
        (
            "dash-admin",
            Load::Get {
                path: "/tableau-de-bord".into(),
                header: format!("Cookie: {}={admin_token}", crate::web::pages::session::SESSION_COOKIE),
            },
        ),
    ];
    let mut worst_ratio = f64::INFINITY;
    // The worst dashboard p99 at the largest client count.
    let most = opts.clients.iter().copied().max().unwrap_or(1);
    let mut worst_dashboard = 0.0f64;
    let mut summary = Vec::new();
    for (run, &clients) in opts.clients.iter().enumerate() {
        let mut ceiling = 0.0;
        for (name, load) in &reads {
            let r = wrk(opts, work, &server.base, clients, load)?;
            server.settle().await;
            if *name == "healthz" {
                ceiling = r.per_second;
            }
            let _ = writeln!(out, "{}", line(clients, name, &r, Some(r.per_second / ceiling.max(1e-9)), "/healthz"));
            if *name == "list" {
                summary.push(format!(
                    "list p99 at {clients} clients: {:.1} ms (goal < {LIST_P99_GOAL_MS} ms: {})",
                    r.p99_ms,
                    if r.requests > 0 && r.p99_ms < LIST_P99_GOAL_MS { "met" } else { "not met" }
                ));
            }
            if name.starts_with("dash") {
                if clients == most {
                    // A run in which no dashboard came back is as bad as its timeout.
                    worst_dashboard = worst_dashboard.max(if r.requests > 0 { r.p99_ms } else { 10_000.0 });
                }
                summary.push(format!(
                    "{name} p99 at {clients} clients: {:.1} ms (goal < {DASHBOARD_P99_GOAL_MS} ms: {})",
                    r.p99_ms,
                    if r.requests > 0 && r.p99_ms < DASHBOARD_P99_GOAL_MS { "met" } else { "not met" }
                ));
            }
        }
        let pool_file = work.join(format!("write-{run}.txt"));
        let slice = &write_pool[run * WRITE_POOL..(run + 1) * WRITE_POOL];
        let listed: Vec<&str> = slice.iter().map(|(_, line)| line.as_str()).collect();
        std::fs::write(&pool_file, listed.join("\n") + "\n").map_err(fail)?;
        let write = Load::Write { pool: &pool_file };
        let w = wrk(opts, work, &server.base, clients, &write)?;
        server.settle().await;
        // The server sends the e-mails of those writes in the background;
        // the next measurements start once it is done, so they do not pay
        // for this run's mail.
        let drained = std::time::Instant::now();
        while scratch.store.unsent_mail().await? > 0 && drained.elapsed() < Duration::from_secs(120) {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let client_pools = Arc::new(raw_pools[..clients].to_vec());
        let seqs = &mut raw_seqs[..clients];
        let raw: Sample = raw_round(&scratch.store, &client_pools, Duration::from_secs_f64(opts.seconds), seqs).await?;
        let ratio = w.per_second / raw.per_second().max(1e-9);
        worst_ratio = worst_ratio.min(ratio);
        let _ = writeln!(out, "{}", line(clients, "write", &w, Some(ratio), "raw SQL"));
        let _ = writeln!(out, "c={clients:<3} {}", raw.line("raw SQL"));
        summary.push(format!(
            "API write / raw SQL at {clients} clients: {ratio:.3} (goal >= {WRITE_RATIO_GOAL}: {})",
            if ratio >= WRITE_RATIO_GOAL { "met" } else { "not met" }
        ));
    }
    let (rss, peak) = server.rss();
    drop(server);
    for s in summary {
        let _ = writeln!(out, "{s}");
    }
    let met = |ok: bool| if ok { "met" } else { "not met" };
    let _ = writeln!(
        out,
        "RSS idle {idle_rss:.1} MiB (goal < {IDLE_RSS_GOAL_MIB} MiB: {}), after load {rss:.1} MiB, \
         peak {peak:.1} MiB (goal < {PEAK_RSS_GOAL_MIB} MiB: {})",
        met(idle_rss < IDLE_RSS_GOAL_MIB),
        met(peak < PEAK_RSS_GOAL_MIB)
    );
    let _ = writeln!(
        out,
        "dashboard p99 {worst_dashboard:.1} ms at {most} clients (goal < {DASHBOARD_P99_GOAL_MS} ms: {})",
        met(worst_dashboard < DASHBOARD_P99_GOAL_MS)
    );
    let _ = writeln!(out, "ratio {worst_ratio:.3}");
    Ok(worst_ratio)
}

fn line(clients: usize, name: &str, r: &WrkResult, ratio: Option<f64>, against: &str) -> String {
    let ratio = ratio.map(|x| format!("  {x:.3} of {against}")).unwrap_or_default();
    let errors = if r.non_2xx + r.socket_errors > 0 {
        format!("  ({} non-2xx, {} socket errors)", r.non_2xx, r.socket_errors)
    } else {
        String::new()
    };
    format!(
        "c={clients:<3} {name:<10} {:>7} req {:>9.1}/s  p50 {:>7.2} ms  p99 {:>7.2} ms{ratio}{errors}",
        r.requests, r.per_second, r.p50_ms, r.p99_ms
    )
}
