//! What an operator relies on: `labelflow backup` while the engine writes
//! and `labelflow restore` (the new database holds every dossier
//! acknowledged before the backup began, nothing never acknowledged, and
//! its audit chain verifies); `/metrics` behind its token, counting what
//! happens; request ids in answers and in JSON log lines.

use crate::common::progress::Progress;
use crate::common::*;
use labelflow::store::audit::Verification;
use labelflow::store::Store;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

async fn labelflow(args: &[&str]) -> (bool, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_labelflow"))
        .args(args)
        .env("LABELFLOW_LOG", "off")
        .output()
        .await
        .expect("runs");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

async fn backup_under_load_restores_everything_acknowledged(db: &TestDb) {
    let cast = cast(&db.store).await;
    let (app, _clock) = app(&db.store, at(2027, 2, 1, 9, 0));
    let campaign = campaign(&db.store, &cast.admin).await;
    let acknowledged = Arc::new(Mutex::new(Vec::<Uuid>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn({
        let (acknowledged, stop, porteur) = (acknowledged.clone(), stop.clone(), cast.porteur.clone());
        async move {
            while !stop.load(Ordering::Relaxed) {
                let id = app.create_dossier(&porteur, porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
                acknowledged.lock().unwrap().push(id);
            }
        }
    });
    let mut progress = Progress::new("dossiers written before the backup");
    let before = loop {
        let done = acknowledged.lock().unwrap().clone();
        if done.len() >= 20 {
            break done;
        }
        progress.left(20 - done.len() as i64);
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("labelflow.backup");
    let file = file.to_str().unwrap();
    let (ok, stdout, stderr) = labelflow(&["backup", "--database-url", &db.url, "--to", file]).await;
    assert!(ok, "backup under load: {stderr}");
    assert!(stdout.starts_with(&format!("backup written to {file}: ")), "{stdout}");
    let (ok, _, stderr) = labelflow(&["backup", "--database-url", &db.url, "--to", file]).await;
    assert!(!ok && stderr.contains(&format!("{file} already exists")), "a backup never overwrites: {stderr}");
    assert!(!dir.path().join("labelflow.backup.partial").exists(), "no partial file is left");

    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    let all = acknowledged.lock().unwrap().clone();

    let target = BlankDb::like(db).await;
    let (ok, stdout, stderr) = labelflow(&["restore", "--from", file, "--database-url", &target.url]).await;
    assert!(ok, "restore: {stderr}");
    assert!(stdout.contains("audit entries verified"), "{stdout}");
    let (ok, _, stderr) = labelflow(&["restore", "--from", file, "--database-url", &target.url]).await;
    assert!(
        !ok && (stderr.contains("a restore makes a new database file") || stderr.contains("already holds tables")),
        "a restore never writes over a database: {stderr}"
    );

    let restored = Store::open(&target.url).await.unwrap();
    for id in &before {
        let view = restored.dossier_view(*id).await;
        assert!(view.is_ok(), "dossier {id}, acknowledged before the backup, is restored: {view:?}");
    }
    let visible = labelflow::store::dossiers::Visibility { all: true, ..Default::default() };
    let count = restored.dossier_count(&visible).await.unwrap();
    assert!(
        count as usize >= before.len() && count as usize <= all.len(),
        "{count} dossiers restored: between the {} acknowledged before the backup and the {} in all",
        before.len(),
        all.len()
    );
    match restored.verify_audit().await.unwrap() {
        Verification::Intact { entries } => assert!(entries as usize >= before.len(), "{entries} audit entries"),
        broken => panic!("the restored chain verifies: {broken:?}"),
    }
    restored.close().await;
    let (ok, stdout, stderr) = labelflow(&["audit", "verify", "--database-url", &target.url]).await;
    assert!(ok && stdout.contains("entries verified"), "{stdout}{stderr}");
}

/// A backup of one backend is not restored into the other, and a file that
/// is no backup is named as such.
async fn restore_refuses_what_it_cannot_use(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("notes.txt");
    std::fs::write(&junk, "not a backup").unwrap();
    let target = BlankDb::like(db).await;
    let (ok, _, stderr) =
        labelflow(&["restore", "--from", junk.to_str().unwrap(), "--database-url", &target.url]).await;
    assert!(!ok && stderr.contains("is neither a SQLite database nor a PostgreSQL custom-format dump"), "{stderr}");

    let file = dir.path().join("db.backup");
    let (ok, _, stderr) = labelflow(&["backup", "--database-url", &db.url, "--to", file.to_str().unwrap()]).await;
    assert!(ok, "{stderr}");
    let other = if db.url.starts_with("sqlite") {
        "postgres://postgres@127.0.0.1:5432/none".to_string()
    } else {
        format!("sqlite://{}", dir.path().join("new.db").display())
    };
    let (ok, _, stderr) = labelflow(&["restore", "--from", file.to_str().unwrap(), "--database-url", &other]).await;
    assert!(!ok && stderr.contains("backup: restore it into"), "{stderr}");
    assert!(!dir.path().join("new.db").exists(), "nothing made");

    // A database that does not exist (SQLite) or holds nothing (PostgreSQL)
    // has nothing to back up, and is left as it was.
    let blank = BlankDb::like(db).await;
    let to = dir.path().join("b2");
    let (ok, _, stderr) = labelflow(&["backup", "--database-url", &blank.url, "--to", to.to_str().unwrap()]).await;
    assert!(
        !ok && (stderr.contains("does not exist") || stderr.contains("is empty: there is nothing to back up")),
        "{stderr}"
    );
    assert!(!to.exists(), "no backup file");
    if let Some(file) = labelflow::store::backup::sqlite_file(&blank.url) {
        assert!(!file.exists(), "a backup creates no database");
    }
}

/// The value of the series `series` (its name and labels, as written) in
/// a Prometheus text answer; 0 when absent.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .map_or(0.0, |v| v.trim().parse().expect("a number"))
}

async fn scrape(base: &str, token: &str) -> String {
    let resp = reqwest::Client::new().get(format!("{base}/metrics")).bearer_auth(token).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    resp.text().await.unwrap()
}

async fn metrics_need_their_token_and_count_what_happens(db: &TestDb) {
    const TOKEN: &str = "jeton-de-supervision-0123456789";
    let cast = cast(&db.store).await;
    let campaign = campaign(&db.store, &cast.admin).await;
    let served = serve_configured(&db.store, at(2027, 2, 1, 9, 0), |app| app.metrics_token = Some(TOKEN.into())).await;
    let id = served
        .app
        .create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign))
        .await
        .unwrap()
        .to_string();

    // No token, or a wrong one: refused, with the request's id to quote.
    let http = reqwest::Client::new();
    for wrong in [None, Some("jeton-faux")] {
        let mut ask = http.get(format!("{}/metrics", served.base));
        if let Some(t) = wrong {
            ask = ask.bearer_auth(t);
        }
        let resp = ask.send().await.unwrap();
        assert_eq!(resp.status(), 401);
        let header = resp.headers()["x-request-id"].to_str().unwrap().to_string();
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["request_id"], header.as_str(), "{body}");
        assert_eq!(header.len(), 32, "a generated id: {header}");
    }

    let before = scrape(&served.base, TOKEN).await;
    let transition = "labelflow_transitions_total{workflow=\"cmq\",machine=\"dossier\",event=\"request_endorsement\"}";
    let porteur = Client::login(&served.base, "porteur@example.fr").await;
    porteur.event(&id, serde_json::json!({"event": "request_endorsement"}), 200).await;
    let (status, _) = porteur.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(status, 200);
    // The closing reminder a week before the call closes.
    let fired = served.app.fire_due(at(2027, 3, 25, 9, 0)).await.unwrap();
    let fired = fired.iter().filter(|f| f.outcome == "fired" && f.entity_id == id).count();
    assert!(fired >= 1, "the dossier's reminder fired");
    let after = scrape(&served.base, TOKEN).await;

    // Counters are process-wide and tests run side by side: each grew by
    // at least what this test did.
    assert!(sample(&after, transition) >= sample(&before, transition) + 1.0, "{after}");
    let fired_series = "labelflow_timers_fired_total{outcome=\"fired\"}";
    assert!(sample(&after, fired_series) >= sample(&before, fired_series) + fired as f64);
    assert!(sample(&after, "labelflow_timer_lag_seconds_count") >= fired as f64);
    let denied = "labelflow_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"401\"}";
    assert!(sample(&after, denied) >= 2.0, "{after}");
    // A route is counted by its template, never by the ids in its path.
    assert!(after.contains("route=\"/api/v1/dossiers/{id}\",status=\"200\"}"), "{after}");
    assert!(!after.contains(&id), "no id in a series");
    assert!(after.contains("labelflow_http_request_duration_seconds_bucket{"), "latency histogram");
    // What the database holds is read when scraped.
    let pending = db.store.gauges(at(2027, 3, 25, 9, 0)).await.unwrap();
    assert_eq!(sample(&after, "labelflow_timers_pending"), pending.timers_pending as f64);
    assert!(pending.timers_pending >= 1, "the dossier's other timers wait");
    let mails = db.store.outbox_count("endorsement_requested").await.unwrap();
    assert!(mails >= 1);
    assert_eq!(
        sample(&after, "labelflow_outbox_messages{state=\"pending\"}") as i64,
        pending.outbox.iter().find(|(s, _)| s == "pending").unwrap().1
    );
    assert!(sample(&after, "labelflow_db_connections_max") >= 1.0);

    // Without a token configured, the main address has no metrics.
    let plain = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let resp = http.get(format!("{}/metrics", plain.base)).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(resp.status(), 404);
}

/// A caller's plausible request id is kept; anything else is replaced.
async fn requests_carry_an_id(db: &TestDb) {
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let http = reqwest::Client::new();
    let ask = |id: &'static str| http.get(format!("{}/api/v1/dossiers/nope", served.base)).header("x-request-id", id);
    let resp = ask("proxy-4f1c2a9b").send().await.unwrap();
    assert_eq!(resp.headers()["x-request-id"], "proxy-4f1c2a9b");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["request_id"], "proxy-4f1c2a9b", "{body}");
    for forged in ["short", "has spaces in it", "quote\"inside-id"] {
        let resp = ask(forged).send().await.unwrap();
        let given = resp.headers()["x-request-id"].to_str().unwrap();
        assert!(given != forged && given.len() == 32, "{forged} replaced by {given}");
    }
}

/// The audit trail's daily digest: made from the digest hour for the day
/// before, once, written to a file and e-mailed to the administrators;
/// `audit verify --digests` recomputes it and names a day that differs.
async fn the_daily_audit_digest_is_kept_outside_and_checked(db: &TestDb) {
    let cast = cast(&db.store).await;
    let campaign = campaign(&db.store, &cast.admin).await;
    let (app, clock) = app(&db.store, at(2027, 2, 1, 10, 0));
    let id = app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().join("digests");

    // 06:00 in Paris the next day: too early, entries may still commit.
    clock.set(at(2027, 2, 2, 5, 0));
    assert!(app.make_audit_digests(&dir).await.unwrap().is_empty());
    clock.set(at(2027, 2, 2, 7, 30));
    let made = app.make_audit_digests(&dir).await.unwrap();
    assert_eq!(made.len(), 1, "only yesterday on a first run");
    let digest = &made[0];
    assert_eq!(digest.day.to_string(), "2027-02-01");
    let chain = digest.heads.iter().find(|h| h.entity == "dossier" && h.entity_id == id.to_string());
    let chain = chain.expect("the dossier's chain grew that day");
    assert!(chain.entity_seq >= 1 && chain.hash.len() == 64, "{chain:?}");
    assert!(digest.entries >= digest.heads.len() as i64);
    let file = dir.join("audit-2027-02-01.txt");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.ends_with(&format!("digest {}\n", digest.digest)), "{text}");
    assert!(text.contains(&format!("dossier {id} {} {}", chain.entity_seq, chain.hash)), "{text}");

    // Made once: again, nothing; two days later, the day in between too.
    assert!(app.make_audit_digests(&dir).await.unwrap().is_empty());
    clock.set(at(2027, 2, 4, 9, 0));
    let days: Vec<String> = app.make_audit_digests(&dir).await.unwrap().iter().map(|d| d.day.to_string()).collect();
    assert_eq!(days, ["2027-02-02", "2027-02-03"], "the days missed are caught up");
    assert!(dir.join("audit-2027-02-03.txt").exists(), "an empty day has its file too");

    // The administrators are e-mailed the digest, once, for the day that
    // wrote entries.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let mails: Vec<(String, String)> =
        sqlx::query_as("SELECT recipient_email, context FROM outbox WHERE template = 'audit_digest'")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    assert_eq!(mails.len(), 1, "one administrator, one day with entries: {mails:?}");
    assert_eq!(mails[0].0, "admin@example.fr");
    assert!(mails[0].1.contains(&digest.digest), "the e-mail gives the digest");
    let sent = deliver(&app, None, folder.path()).await;
    assert!(sent >= 1, "the digest's e-mail renders and leaves");

    let (ok, stdout, stderr) =
        labelflow(&["audit", "verify", "--database-url", &db.url, "--digests", dir.to_str().unwrap()]).await;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("3 daily digests match the database"), "{stdout}");

    // A digest that no longer matches (here its file, as a rewritten
    // database would make it) is named, though every chain still verifies.
    std::fs::write(&file, text.replace(&digest.digest, &"0".repeat(64))).unwrap();
    let (ok, stdout, stderr) =
        labelflow(&["audit", "verify", "--database-url", &db.url, "--digests", dir.to_str().unwrap()]).await;
    assert!(!ok, "{stdout}");
    assert!(stdout.contains("entries verified"), "the chains themselves verify: {stdout}");
    assert!(stderr.contains("the audit digest of 2027-02-01 does not match the database"), "{stderr}");
}

crate::on_both_backends!(
    the_daily_audit_digest_is_kept_outside_and_checked,
    backup_under_load_restores_everything_acknowledged,
    restore_refuses_what_it_cannot_use,
    metrics_need_their_token_and_count_what_happens,
    requests_carry_an_id,
);

/// `serve` with JSON logs: every line is a JSON object, and a request's
/// lines carry its id; `--metrics-bind` serves the metrics alone, without
/// a token, on its own address.
#[tokio::test]
async fn json_logs_carry_the_request_id_and_metrics_have_their_own_address() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("logs.db").display());
    let server = crate::common::process::ServeProcess::start(
        &["--database-url", &url, "--metrics-bind", "127.0.0.1:0", "--mail-dir", dir.path().to_str().unwrap()],
        &[("LABELFLOW_LOG_FORMAT", "json"), ("LABELFLOW_LOG", "labelflow=debug,warn")],
    );
    let http = reqwest::Client::new();
    let resp =
        http.get(format!("{}/healthz", server.base)).header("x-request-id", "trace-me-0042").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let mut progress = Progress::new("log lines of the request");
    let metrics_at = loop {
        let log = server.log();
        let answered = log.contains("trace-me-0042") && log.contains("\"answered\"");
        let metrics = log.lines().find_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            (v["message"] == "metrics served").then(|| v["addr"].as_str().map(str::to_string)).flatten()
        });
        if let (true, Some(addr)) = (answered, metrics) {
            break addr;
        }
        // More lines written is progress.
        progress.left(-(log.lines().count() as i64));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let log = server.log();
    for line in log.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(v["timestamp"].is_string() && v["level"].is_string(), "{line}");
    }
    let answered = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["message"] == "answered")
        .expect("the request's line");
    assert_eq!(answered["spans"][0]["request_id"], "trace-me-0042", "{answered}");
    assert_eq!(answered["spans"][0]["route"], "/healthz");
    assert_eq!(answered["status"], 200);

    let resp = http.get(format!("http://{metrics_at}/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert!(
        text.contains("labelflow_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"),
        "{text}"
    );
    // The main address still asks for a token, and none is configured.
    assert_eq!(http.get(format!("{}/metrics", server.base)).send().await.unwrap().status(), 404);
    assert!(server.terminate(), "a clean stop");
}

/// The container image's recipe passes hadolint (this machine cannot pull
/// a base image to build it), and every setting it gives `serve` is one
/// `serve` reads.
#[test]
fn dockerfile_passes_hadolint_and_sets_real_settings() {
    let root = env!("CARGO_MANIFEST_DIR");
    match std::process::Command::new("hadolint").arg("Dockerfile").current_dir(root).output() {
        Ok(out) => assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout)),
        Err(_) => {
            assert!(std::env::var("CI").is_err(), "CI installs hadolint (.ci/run)");
            eprintln!("hadolint not installed: the Dockerfile is not linted");
        }
    }
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_labelflow")).args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let dockerfile = std::fs::read_to_string(format!("{root}/Dockerfile")).unwrap();
    let set: Vec<&str> = dockerfile
        .split(|c: char| !(c.is_ascii_uppercase() || c == '_'))
        .filter(|w| w.starts_with("LABELFLOW_"))
        .collect();
    assert!(set.len() >= 5, "{set:?}");
    for name in set {
        assert!(help.contains(&format!("[env: {name}")), "serve reads no {name}");
    }
}
