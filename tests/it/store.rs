//! The store suite: the same tests on SQLite and (with TEST_DATABASE_URL)
//! PostgreSQL, driving real transitions through the application layer.

use crate::common::*;
use labelflow::app::AppError;
use labelflow::engine::{Event, Refusal};
use labelflow::store::audit::Verification;
use labelflow::store::{Store, StoreError};
use labelflow::workflow::Machine;
use serde_json::json;
use uuid::Uuid;

async fn count(db: &TestDb, sql: &str) -> i64 {
    let pool = raw(db).await;
    let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.expect(sql);
    pool.close().await;
    n
}

async fn raw(db: &TestDb) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&db.url).await.expect("raw connection")
}

async fn exec(db: &TestDb, sql: &str) {
    let pool = raw(db).await;
    sqlx::query(sql).execute(&pool).await.expect(sql);
    pool.close().await;
}

/// Counts of every table a transition writes.
async fn footprint(db: &TestDb) -> Vec<i64> {
    let mut out = Vec::new();
    for table in [
        "audit",
        "outbox",
        "timers",
        "labels",
        "assignments",
        "reviews",
        "decisions",
        "dossier_records",
        "label_records",
    ] {
        out.push(count(db, &format!("SELECT COUNT(*) FROM {table}")).await);
    }
    out.push(count(db, "SELECT COUNT(*) FROM timers WHERE status = 'pending'").await);
    out.push(count(db, "SELECT CAST(SUM(version) AS BIGINT) FROM dossiers").await);
    out
}

/// A dossier ready to be submitted (partners, the CREFOP's and the CAEN's
/// opinions, endorsements) at 2027-02-01.
async fn ready_dossier(db: &TestDb, cast: &Cast) -> (labelflow::app::App, labelflow::clock::ManualClock, Uuid) {
    let (app, clock) = app(&db.store, at(2027, 2, 1, 10, 0));
    let campaign = campaign(&db.store, &cast.admin).await;
    let owner = cast.porteur.user_id.unwrap();
    let id = app.create_dossier(&cast.porteur, owner, new_dossier(campaign)).await.expect("dossier");
    let now = clock_now(&clock);
    add_partner(&db.store, id, "Lycée La Martinière Monplaisir", "eple", &cast.porteur, now).await.unwrap();
    add_partner(&db.store, id, "Université Lyon 1", "universite", &cast.porteur, now).await.unwrap();
    // The rectorat and the région present it once both opinions are in.
    let err = app.act(&cast.rectorat, Machine::Dossier, id, Event::named("endorse")).await.unwrap_err();
    assert!(
        matches!(err, AppError::Refused(Refusal::GuardFailed { ref code, .. }) if code == "opinions_missing"),
        "{err:?}"
    );
    for body in ["crefop", "conseil_academique"] {
        let opinion = Event::named("record_opinion").with("body", body).with("opinion", "favorable");
        app.act(&cast.region, Machine::Dossier, id, opinion).await.expect("opinion");
    }
    app.act(&cast.rectorat, Machine::Dossier, id, Event::named("endorse")).await.expect("rectorat endorses");
    app.act(&cast.region, Machine::Dossier, id, Event::named("endorse")).await.expect("région endorses");
    (app, clock, id)
}

fn clock_now(clock: &labelflow::clock::ManualClock) -> chrono::DateTime<chrono::Utc> {
    use labelflow::clock::Clock;
    clock.now()
}

fn scores(value: i64) -> serde_json::Value {
    let grid = cmq().grid;
    serde_json::Value::Object(grid.criteria.iter().map(|c| (c.code.clone(), json!(value))).collect())
}

async fn full_path_to_excellence_label(db: &TestDb) {
    let cast = cast(&db.store).await;
    let (app, clock, id) = ready_dossier(db, &cast).await;
    let act = |actor: &labelflow::engine::Actor, e: Event| {
        let (app, actor) = (app.clone(), actor.clone());
        async move { app.act(&actor, Machine::Dossier, id, e).await }
    };

    // Call-closing reminders were planned at creation.
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM timers WHERE name LIKE 'call_closing%' AND status = 'pending'").await,
        2
    );
    let out = act(&cast.porteur, Event::named("submit")).await.expect("submit");
    assert_eq!(out.state, "submitted");
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM timers WHERE name LIKE 'call_closing%' AND status = 'pending'").await,
        0
    );
    let receipts = count(db, "SELECT COUNT(*) FROM outbox WHERE template = 'submission_receipt'").await;
    assert_eq!(receipts, 3, "owner, rectorat staff of LYON and région staff of ARA; not the Paris outsider");

    // Admissibility is national: the regional staff who presented it do not
    // declare it.
    let err = act(&cast.rectorat, Event::named("declare_admissible")).await.unwrap_err();
    assert!(matches!(err, AppError::Refused(Refusal::NotAllowed { .. })), "{err:?}");
    assert_eq!(act(&cast.ministeres, Event::named("declare_admissible")).await.unwrap().state, "admissible");

    let assign = |who: &labelflow::engine::Actor| {
        Event::named("assign_reviewer").with("user_id", who.user_id.unwrap().to_string()).with("due", "2027-05-15")
    };
    let err = act(&cast.president, assign(&cast.conflicted)).await.unwrap_err();
    assert!(
        matches!(err, AppError::Refused(Refusal::GuardFailed { ref code, .. }) if code == "conflict_of_interest"),
        "{err:?}"
    );
    assert_eq!(act(&cast.president, assign(&cast.rapporteur)).await.unwrap().state, "under_review");
    assert_eq!(act(&cast.president, assign(&cast.rapporteur2)).await.unwrap().state, "under_review");
    assert_eq!(count(db, "SELECT COUNT(*) FROM timers WHERE name LIKE 'review%' AND status = 'pending'").await, 6);

    let review = |v| Event::named("submit_review").with("scores", scores(v)).with("comment", "Dossier solide.");
    let err = act(&cast.rapporteur, review(9)).await.unwrap_err();
    assert!(
        matches!(err, AppError::Refused(Refusal::InvalidInput { ref field, .. }) if field.starts_with("scores.")),
        "{err:?}"
    );
    assert_eq!(act(&cast.rapporteur, review(4)).await.unwrap().state, "under_review");
    assert_eq!(act(&cast.rapporteur2, review(4)).await.unwrap().state, "reviewed");
    assert_eq!(count(db, "SELECT COUNT(*) FROM timers WHERE name LIKE 'review%' AND status = 'pending'").await, 0);

    // The expert group's avis, then the ministers' arrêté: the label runs
    // from the arrêté's date, not from the day it is recorded.
    clock.set(at(2027, 6, 3, 14, 0));
    let avis = Event::named("give_avis")
        .with("avis", "favorable")
        .with("category", "excellence")
        .with("years", 5)
        .with("motivation", "Projet d'excellence, réseau dense.");
    assert_eq!(act(&cast.president, avis).await.expect("avis").state, "avis_given");
    clock.set(at(2027, 6, 12, 14, 0));
    let decide = Event::named("decide")
        .with("outcome", "labelled")
        .with("motivation", "Labellisé sur l'avis du groupe national d'experts.")
        .with("arrete_reference", "Arrêté du 10 juin 2027, JO du 11 juin 2027")
        .with("arrete_date", "2027-06-10");
    let out = act(&cast.ministeres, decide).await.expect("decide");
    assert_eq!(out.state, "labelled");
    let label = out.label_id.expect("a label was created");
    let instance = db.store.instance(Machine::Label, label).await.unwrap();
    assert_eq!(instance.state, "active");
    let labelflow::engine::Facts::Label(facts) = instance.facts else { panic!("label facts") };
    assert_eq!(facts.valid_from.to_string(), "2027-06-10");
    assert_eq!(facts.valid_until.to_string(), "2032-06-09");
    let view = app.dossier(&cast.admin, id).await.unwrap();
    let decision = view.decision.expect("the decision");
    assert_eq!((decision.category.as_deref(), decision.years), (Some("excellence"), Some(5)), "the avis's");
    assert_eq!(decision.details["arrete_date"], "2027-06-10");
    // Renewal window, three reminders, the end of validity, the first
    // activity report and its reminder.
    assert_eq!(
        count(db, &format!("SELECT COUNT(*) FROM timers WHERE entity_id = '{label}' AND status = 'pending'")).await,
        7
    );

    let trail = db.store.trail("dossier", &id.to_string()).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions.first(), Some(&"create"));
    // The decision, then the document it issued.
    assert_eq!(actions[actions.len() - 2..], ["decide", "issue_decision_document"]);
    assert!(actions.contains(&"submit") && actions.contains(&"add_partner"));
    match db.store.verify_audit().await.unwrap() {
        Verification::Intact { entries } => {
            assert!(entries as usize >= trail.len() + 9, "{entries}")
        }
        broken => panic!("{broken:?}"),
    }
}

async fn refusal_changes_nothing(db: &TestDb) {
    let cast = cast(&db.store).await;
    let (app, _clock, id) = ready_dossier(db, &cast).await;
    let before = footprint(db).await;
    // Wrong role, wrong state, bad input, failed guard, stale version.
    let attempts = [
        (cast.president.clone(), Event::named("submit")),
        (cast.rectorat.clone(), Event::named("declare_admissible")),
        (cast.porteur.clone(), Event::named("withdraw").with("reason", 12)),
        (cast.outsider.clone(), Event::named("endorse")),
        (cast.porteur.clone(), Event { expected_version: Some(1), ..Event::named("submit") }),
    ];
    for (actor, event) in attempts {
        let name = event.name.clone();
        let err = app.act(&actor, Machine::Dossier, id, event).await;
        // Staff of another académie does not even see the dossier.
        let hidden = actor == cast.outsider;
        assert!(
            matches!(
                (&err, hidden),
                (Err(AppError::Refused(_)), false) | (Err(AppError::Store(StoreError::NotFound { .. })), true)
            ),
            "{name}: {err:?}"
        );
    }
    assert_eq!(footprint(db).await, before);
}

async fn stale_plan_is_a_conflict(db: &TestDb) {
    let cast = cast(&db.store).await;
    let (app, clock, id) = ready_dossier(db, &cast).await;
    let instance = db.store.instance(Machine::Dossier, id).await.unwrap();
    let wf = cmq();
    let now = clock_now(&clock);
    let submit = labelflow::engine::decide(&wf, &instance, &Event::named("submit"), &cast.porteur, now).unwrap();
    let withdraw = labelflow::engine::decide(&wf, &instance, &Event::named("withdraw"), &cast.porteur, now).unwrap();
    db.store.apply(&submit).await.expect("first plan applies");
    let before = footprint(db).await;
    let err = db.store.apply(&withdraw).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { expected, current } if current == expected + 1), "{err:?}");
    assert_eq!(footprint(db).await, before, "the losing plan left nothing behind");
    assert_eq!(db.store.instance(Machine::Dossier, id).await.unwrap().state, "submitted");
    drop(app);
}

async fn concurrent_actions_one_wins(db: &TestDb) {
    let cast = cast(&db.store).await;
    let (app, _clock, id) = ready_dossier(db, &cast).await;
    let mut tasks = Vec::new();
    // Four racing submissions: whichever commits first moves the dossier on,
    // and every other one must lose, never apply twice.
    for event in ["submit"; 4] {
        let (app, actor) = (app.clone(), cast.porteur.clone());
        tasks.push(tokio::spawn(async move { app.act(&actor, Machine::Dossier, id, Event::named(event)).await }));
    }
    let mut wins = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => wins += 1,
            Err(AppError::Store(StoreError::Conflict { .. })) | Err(AppError::Refused(Refusal::WrongState { .. })) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(wins, 1, "exactly one concurrent action wins");
    let version = db.store.instance(Machine::Dossier, id).await.unwrap().version;
    // created 1, two partners, two opinions, two endorsements, one winner.
    assert_eq!(version, 8);
}

/// More steps at once than the pool has connections, beside writers that
/// take a connection of their own (messages): every one goes through. A
/// writer waiting for the writer's turn while holding a connection, against
/// the turn's holder waiting for a connection, would stall them all until
/// the pool gave up.
async fn writers_never_wait_on_each_other(db: &TestDb) {
    let cast = cast(&db.store).await;
    let (app, _clock) = app(&db.store, at(2027, 2, 1, 9, 0));
    let campaign = campaign(&db.store, &cast.admin).await;
    let mut ids = Vec::new();
    for _ in 0..12 {
        ids.push(
            app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap(),
        );
    }
    let mut tasks = Vec::new();
    for id in ids.clone() {
        let (stepper, actor) = (app.clone(), cast.porteur.clone());
        let ask = Event::named("request_endorsement").with("message", "Prêt.");
        tasks.push(tokio::spawn(async move { stepper.act(&actor, Machine::Dossier, id, ask).await.map(|_| ()) }));
        let (writer, actor) = (app.clone(), cast.porteur.clone());
        tasks.push(tokio::spawn(async move { writer.post_message(&actor, id, "Bonjour.", false).await.map(|_| ()) }));
    }
    for t in tasks {
        t.await.unwrap().expect("every step and message goes through");
    }
    assert_eq!(
        db.store.outbox_count("endorsement_requested").await.unwrap(),
        24,
        "12 steps, each to both sides' staff"
    );
}

async fn audit_tampering_is_located(db: &TestDb) {
    let cast = cast(&db.store).await;
    let (app, _clock, id) = ready_dossier(db, &cast).await;
    app.act(&cast.porteur, Machine::Dossier, id, Event::named("submit")).await.unwrap();
    let Verification::Intact { entries } = db.store.verify_audit().await.unwrap() else { panic!("intact at first") };
    assert!(entries > 10);

    let err = sqlx::query("UPDATE audit SET actor = 'mallory'").execute(&raw(db).await).await;
    assert!(err.is_err(), "the append-only trigger refuses updates");
    let err = sqlx::query("DELETE FROM audit").execute(&raw(db).await).await;
    assert!(err.is_err(), "the append-only trigger refuses deletes");

    let drop_trigger = if db.url.starts_with("sqlite") {
        "DROP TRIGGER audit_no_update"
    } else {
        "DROP TRIGGER audit_no_update ON audit"
    };
    exec(db, drop_trigger).await;
    let target = count(
        db,
        &format!("SELECT seq FROM audit WHERE entity_id = '{id}' AND action = 'endorse' ORDER BY seq LIMIT 1"),
    )
    .await;
    exec(db, &format!("UPDATE audit SET data_json = '{{}}' WHERE seq = {target}")).await;
    match db.store.verify_audit().await.unwrap() {
        Verification::Broken { seq, reason } => {
            assert_eq!(seq, target);
            assert!(reason.contains("changed"), "{reason}");
        }
        ok => panic!("tampering not detected: {ok:?}"),
    }
}

/// How many migrations the binary ships for the test's backend.
fn migrations(db: &TestDb) -> i64 {
    let dir = if db.url.starts_with("sqlite") { "migrations/sqlite" } else { "migrations/postgres" };
    std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).unwrap().count() as i64
}

/// A fresh database of the same backend as `db`.
async fn same_backend(db: &TestDb) -> TestDb {
    if db.url.starts_with("sqlite") {
        TestDb::sqlite().await
    } else {
        TestDb::postgres().await.expect("a PostgreSQL test runs with TEST_DATABASE_URL")
    }
}

/// Drops the append-only triggers, as an attacker with database access would.
async fn drop_audit_triggers(db: &TestDb) {
    if db.url.starts_with("sqlite") {
        exec(db, "DROP TRIGGER audit_no_update").await;
        exec(db, "DROP TRIGGER audit_no_delete").await;
    } else {
        exec(db, "DROP TRIGGER audit_no_update ON audit").await;
    }
}

/// Seq numbers of one dossier's entries, oldest first.
async fn dossier_seqs(db: &TestDb, id: Uuid) -> Vec<i64> {
    let pool = raw(db).await;
    let seqs: Vec<i64> =
        sqlx::query_scalar(&format!("SELECT seq FROM audit WHERE entity_id = '{id}' ORDER BY entity_seq"))
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    seqs
}

async fn broken_at(db: &TestDb) -> (i64, String) {
    match db.store.verify_audit().await.unwrap() {
        Verification::Broken { seq, reason } => (seq, reason),
        intact => panic!("tampering not detected: {intact:?}"),
    }
}

async fn audit_deletions_and_reordering_are_located(db: &TestDb) {
    let cast = cast(&db.store).await;
    let (app, _clock, id) = ready_dossier(db, &cast).await;
    app.act(&cast.porteur, Machine::Dossier, id, Event::named("submit")).await.unwrap();
    drop_audit_triggers(db).await;
    let seqs = dossier_seqs(db, id).await;
    assert!(seqs.len() >= 6, "{seqs:?}");

    // A middle entry deleted: the next one of the chain is out of place.
    let pool = raw(db).await;
    let saved: Vec<sqlx::any::AnyRow> =
        sqlx::query(&format!("SELECT * FROM audit WHERE seq = {}", seqs[2])).fetch_all(&pool).await.unwrap();
    assert_eq!(saved.len(), 1);
    exec(db, &format!("DELETE FROM audit WHERE seq = {}", seqs[2])).await;
    let (seq, reason) = broken_at(db).await;
    assert_eq!(seq, seqs[3], "{reason}");
    assert!(reason.contains("deleted or reordered"), "{reason}");

    // Two entries swapped in order.
    let db2 = same_backend(db).await;
    let cast2 = crate::common::cast(&db2.store).await;
    let (app2, _c, id2) = ready_dossier(&db2, &cast2).await;
    app2.act(&cast2.porteur, Machine::Dossier, id2, Event::named("submit")).await.unwrap();
    drop_audit_triggers(&db2).await;
    let s2 = dossier_seqs(&db2, id2).await;
    let (a, b) = (s2[1], s2[2]);
    exec(&db2, &format!("UPDATE audit SET seq = -1 WHERE seq = {a}")).await;
    exec(&db2, &format!("UPDATE audit SET seq = {a} WHERE seq = {b}")).await;
    exec(&db2, &format!("UPDATE audit SET seq = {b} WHERE seq = -1")).await;
    let (seq, reason) = broken_at(&db2).await;
    assert_eq!(seq, a, "the entry now first in place is the wrong one: {reason}");

    // The last entries of a chain deleted: its recorded head no longer matches.
    let db3 = same_backend(db).await;
    let cast3 = crate::common::cast(&db3.store).await;
    let (app3, _c, id3) = ready_dossier(&db3, &cast3).await;
    app3.act(&cast3.porteur, Machine::Dossier, id3, Event::named("submit")).await.unwrap();
    drop_audit_triggers(&db3).await;
    let s3 = dossier_seqs(&db3, id3).await;
    exec(&db3, &format!("DELETE FROM audit WHERE seq = {}", s3[s3.len() - 1])).await;
    let (seq, reason) = broken_at(&db3).await;
    assert_eq!(seq, s3[s3.len() - 2], "{reason}");
    assert!(reason.contains("last entries") && reason.contains(&id3.to_string()), "{reason}");

    // A link rewritten along with a recomputed-looking hash is still caught by content.
    let db4 = same_backend(db).await;
    let cast4 = crate::common::cast(&db4.store).await;
    let (_app4, _c, id4) = ready_dossier(&db4, &cast4).await;
    drop_audit_triggers(&db4).await;
    let s4 = dossier_seqs(&db4, id4).await;
    exec(&db4, &format!("UPDATE audit SET prev_hash = '{}' WHERE seq = {}", "f".repeat(64), s4[1])).await;
    let (seq, _) = broken_at(&db4).await;
    assert_eq!(seq, s4[1]);

    // The command line says the same, with exit 1.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_labelflow"))
        .args(["audit", "verify", "--database-url", &db.url])
        .env("LABELFLOW_LOG", "off")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("audit entry {} is broken", seqs[3])), "{stderr}");
    pool.close().await;
}

async fn newer_schema_is_refused(db: &TestDb) {
    let checksum = if db.url.starts_with("sqlite") { "X'00'" } else { "decode('00', 'hex')" };
    exec(db, &format!("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (9999, 'from the future', TRUE, {checksum}, 0)")).await;
    match Store::open(&db.url).await {
        Err(StoreError::SchemaTooNew(9999)) => {}
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    // Nothing was touched: the known migrations are still recorded once.
    assert_eq!(count(db, "SELECT COUNT(*) FROM _sqlx_migrations").await, migrations(db) + 1);
}

async fn migrate_is_idempotent(db: &TestDb) {
    db.store.migrate().await.expect("second migrate");
    let again = Store::open(&db.url).await.expect("reopen");
    again.migrate().await.expect("third migrate");
    assert_eq!(count(db, "SELECT COUNT(*) FROM _sqlx_migrations").await, migrations(db));
}

on_both_backends!(
    full_path_to_excellence_label,
    refusal_changes_nothing,
    stale_plan_is_a_conflict,
    concurrent_actions_one_wins,
    writers_never_wait_on_each_other,
    audit_tampering_is_located,
    audit_deletions_and_reordering_are_located,
    newer_schema_is_refused,
    migrate_is_idempotent,
);
