//! Timer firing under concurrency and crashes: every due timer fires
//! exactly once, in due order, across clock jumps, server instances and
//! SIGKILL.

use crate::common::process::ServeProcess;
use crate::common::*;
use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use uuid::Uuid;

async fn scalar(db: &TestDb, sql: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.expect(sql);
    pool.close().await;
    n
}

/// Draft dossiers with `per` extra reminder timers each, due at the given
/// instants (as if the server had been down). Returns (dossier ids, timers).
async fn due_reminders(db: &TestDb, dossiers: usize, dues: &[DateTime<Utc>]) -> (Vec<Uuid>, usize) {
    let cast = cast(&db.store).await;
    let (app, _clock) = app(&db.store, at(2027, 2, 1, 9, 0));
    let campaign = campaign(&db.store, &cast.admin).await;
    let owner = cast.porteur.user_id.unwrap();
    let mut ids = Vec::new();
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    // The creation reminders are not part of the count: close them.
    for _ in 0..dossiers {
        let id = app.create_dossier(&cast.porteur, owner, new_dossier(campaign)).await.unwrap();
        ids.push(id);
    }
    sqlx::query("UPDATE timers SET status = 'cancelled' WHERE status = 'pending'").execute(&pool).await.unwrap();
    let mut n = 0;
    for id in &ids {
        for due in dues {
            sqlx::query(
                "INSERT INTO timers (id, entity, entity_id, name, timer_key, event, due_at, status, created_at) \
                 VALUES ($1, 'dossier', $2, 'call_closing_7d', '', 'remind_call_closing', $3, 'pending', 0)",
            )
            .bind(Uuid::new_v4().to_string())
            .bind(id.to_string())
            .bind(due.timestamp_micros())
            .execute(&pool)
            .await
            .unwrap();
            n += 1;
        }
    }
    pool.close().await;
    (ids, n)
}

/// Every timer fired once: one audit entry and one e-mail to the owner each.
async fn assert_fired_once(db: &TestDb, total: usize) {
    let total = total as i64;
    assert_eq!(scalar(db, "SELECT COUNT(*) FROM timers WHERE status = 'pending'").await, 0);
    assert_eq!(scalar(db, "SELECT COUNT(*) FROM timers WHERE status = 'fired'").await, total);
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM audit WHERE action = 'remind_call_closing'").await,
        total,
        "one transition each"
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM outbox WHERE template = 'call_closing'").await,
        total,
        "one e-mail each"
    );
    assert!(matches!(db.store.verify_audit().await.unwrap(), labelflow::store::audit::Verification::Intact { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_clock_moves_fire_each_timer_once_in_order() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(12));
    let strategy = (
        proptest::collection::vec(0u32..2_000, 1..25), // timer due offsets, in hours
        proptest::collection::vec(0u32..400, 1..12),   // clock moves, in hours
    );
    let cases = std::sync::Mutex::new(Vec::new());
    runner
        .run(&strategy, |case| {
            cases.lock().unwrap().push(case);
            Ok(())
        })
        .unwrap();
    for (offsets, moves) in cases.into_inner().unwrap() {
        let db = TestDb::sqlite().await;
        let start = at(2027, 3, 1, 0, 0);
        let dues: Vec<DateTime<Utc>> = offsets.iter().map(|h| start + Duration::hours(*h as i64)).collect();
        let (_, total) = due_reminders(&db, 1, &dues).await;
        let (app, clock) = app(&db.store, start);
        let mut now = start;
        let mut fired: Vec<DateTime<Utc>> = Vec::new();
        for step in moves.iter().chain(std::iter::once(&2_400)) {
            now += Duration::hours(*step as i64);
            clock.set(now);
            for f in app.fire_due(now).await.unwrap() {
                let due = DateTime::parse_from_rfc3339(&f.due_at).unwrap().with_timezone(&Utc);
                assert!(due <= now, "fired before due");
                assert_eq!(f.outcome, "fired");
                fired.push(due);
            }
        }
        assert_eq!(fired.len(), total, "each timer exactly once: {offsets:?} {moves:?}");
        assert!(fired.windows(2).all(|w| w[0] <= w[1]), "in due order: {fired:?}");
        assert_fired_once(&db, total).await;
    }
}

/// `serve` on `url`, once it listens: a stop asked for after that is a
/// graceful one.
fn serve(url: &str) -> ServeProcess {
    let files = std::env::temp_dir().join(format!("labelflow-test-{}", Uuid::new_v4().simple()));
    let (mail, digests) = (files.join("mail"), files.join("digests"));
    ServeProcess::start(
        &["--database-url", url, "--mail-dir", mail.to_str().unwrap(), "--audit-digest-dir", digests.to_str().unwrap()],
        &[("LABELFLOW_LOG", "warn")],
    )
}

fn terminate(server: ServeProcess) {
    assert!(server.terminate(), "graceful stop");
}

/// Waits until at most `at_most` timers are pending, as long as timers
/// keep firing; returns how many are left.
async fn wait_until_pending(db: &TestDb, at_most: i64) -> i64 {
    let mut progress = crate::common::progress::Progress::new("pending timers");
    loop {
        let pending = scalar(db, "SELECT COUNT(*) FROM timers WHERE status = 'pending'").await;
        if pending <= at_most || progress.stalled(pending) {
            return pending;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_fire_a_thousand_timers_once() {
    let Some(db) = TestDb::postgres().await else { return };
    let past: Vec<DateTime<Utc>> = (0..10).map(|i| Utc::now() - Duration::minutes(60 - i)).collect();
    let (_, total) = due_reminders(&db, 100, &past).await;
    assert_eq!(total, 1_000);
    let (a, b) = (serve(&db.url), serve(&db.url));
    let left = wait_until_pending(&db, 0).await;
    terminate(a);
    terminate(b);
    assert_eq!(left, 0, "all fired while the servers made progress");
    assert_fired_once(&db, total).await;
}

/// A server killed at a random moment while firing loses nothing and
/// doubles nothing once restarted.
async fn sigkill_while_firing(db: &TestDb) {
    let past: Vec<DateTime<Utc>> = (0..6).map(|i| Utc::now() - Duration::minutes(30 - i)).collect();
    let (_, total) = due_reminders(db, 50, &past).await;
    let child = serve(&db.url);
    // Somewhere between before the first firing and well into the batch.
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    tokio::time::sleep(std::time::Duration::from_millis(50 + (nanos % 250) as u64)).await;
    child.kill();
    let pending = scalar(db, "SELECT COUNT(*) FROM timers WHERE status = 'pending'").await;
    eprintln!("killed with {pending} of {total} timers still pending");
    let again = serve(&db.url);
    let left = wait_until_pending(db, 0).await;
    terminate(again);
    assert_eq!(left, 0);
    assert_fired_once(db, total).await;
}

/// A backlog larger than a batch, many timers per dossier: one pass fires
/// every timer once (on PostgreSQL, claimers side by side contend for the
/// same dossiers, and a batch that lost a race rolls back and is claimed
/// again).
async fn a_backlog_fires_in_batches_once(db: &TestDb) {
    let start = Utc::now() - Duration::days(2);
    let dues: Vec<DateTime<Utc>> = (0..45).map(|i| start + Duration::minutes(i)).collect();
    let (ids, total) = due_reminders(db, 6, &dues).await;
    assert!(total as i64 > 2 * labelflow::app::timers::BATCH, "several batches");
    let (app, _clock) = app(&db.store, Utc::now());
    let fired = app.fire_due(Utc::now()).await.unwrap();
    assert_eq!(fired.len(), total, "one pass fires the whole backlog");
    assert!(fired.iter().all(|f| f.outcome == "fired"), "{fired:?}");
    for id in &ids {
        let mine = fired.iter().filter(|f| f.entity_id == id.to_string()).count();
        assert_eq!(mine, dues.len(), "every timer of {id}");
    }
    assert!(app.fire_due(Utc::now()).await.unwrap().is_empty(), "nothing left");
    assert_fired_once(db, total).await;
}

on_both_backends!(sigkill_while_firing, a_backlog_fires_in_batches_once);
