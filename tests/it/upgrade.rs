//! Databases made by the previous release (commit 9a286f9, `serve --demo`,
//! one SQLite file and one PostgreSQL dump under `data/previous-release/`)
//! open with this one: migrated in place, nothing lost, the audit chain
//! still verifying, and the new parts working on the old data.

use crate::common::*;
use labelflow::store::audit::Verification;

const SQLITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/data/previous-release/demo.sqlite");
const POSTGRES: &str = include_str!("data/previous-release/demo.postgres.sql");

async fn count(db: &TestDb, table: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

async fn still_whole(db: &TestDb) {
    for (table, rows) in [
        ("users", 7),
        ("campaigns", 1),
        ("dossiers", 5),
        ("labels", 1),
        ("audit", 58),
        ("outbox", 35),
        ("reviews", 4),
        // Each dossier's académie and région, as the scopes staff act in.
        ("dossier_scopes", 10),
        // The four dossiers past the draft, endorsed by both sides: the
        // endorsements are now records the workflow file declares.
        ("dossier_records WHERE kind = 'endorsement'", 8),
        ("dossier_records WHERE kind = 'opinion'", 6),
    ] {
        assert_eq!(count(db, table).await, rows, "{table} after the migration");
    }
    assert_eq!(db.store.verify_audit().await.unwrap(), Verification::Intact { entries: 58 });
    // Old titles were given their search keys, old reviews no comment per
    // criterion, old calls no territory.
    assert_eq!(count(db, "dossiers WHERE search_key IS NULL").await, 0);
    assert_eq!(count(db, "labels WHERE search_key LIKE '% campus %'").await, 1);
    assert_eq!(count(db, "reviews WHERE notes = '{}'").await, 4);
    assert_eq!(count(db, "campaigns WHERE territory IS NULL").await, 1);
    // The demo's people still log in, and the new throttling table counts.
    let (app, _) = app(&db.store, chrono::Utc::now());
    // The first start pins every call, dossier and label to the version the
    // server runs, stored beside them; the audit rows are not touched.
    let app = app.with_stored_versions().await.expect("versions adopted");
    let version = app.workflows.get("cmq").unwrap().revision.clone();
    for table in ["campaigns", "dossiers", "labels"] {
        let pinned = count(db, &format!("{table} WHERE workflow_version = '{version}'")).await;
        assert_eq!(pinned, count(db, table).await, "every row of {table} pinned");
    }
    assert_eq!(count(db, "workflow_versions").await, 2, "both shipped workflows stored");
    assert_eq!(db.store.verify_audit().await.unwrap(), Verification::Intact { entries: 58 });
    assert!(app.login("admin@demo.labelflow.fr", "demo-labelflow", "10.0.0.1").await.is_ok());
    assert!(app.login("admin@demo.labelflow.fr", "faux", "10.0.0.1").await.is_err());
    assert_eq!(count(db, "login_throttle").await, 3, "pair, account and client counted");
    // A step on an old dossier appends to its old chain, which still verifies.
    let admin =
        db.store.actor(app.store.credentials("admin@demo.labelflow.fr").await.unwrap().unwrap().0).await.unwrap();
    // Every dossier's columns and partners are now its form document, and
    // the API still returns them at the top level.
    let mut partners = 0;
    let mut decided = 0;
    let mut opinions = 0;
    for summary in app.dossiers(&admin, None, None).await.unwrap() {
        let d = app.dossier(&admin, uuid::Uuid::parse_str(&summary.id).unwrap()).await.unwrap();
        assert!(d.form["filiere"].as_str().is_some_and(|f| !f.is_empty()), "{d:?}");
        assert_eq!(d.top_level["filiere"], d.form["filiere"], "a copy at the top level");
        assert_eq!(d.form["region"], "ARA");
        assert_eq!(d.form["academies"], serde_json::json!(["LYON"]));
        assert_eq!(d.top_level["support_establishment"], "Lycée La Martinière Monplaisir");
        assert_eq!(d.form["directeur_operationnel"], "Claire Dubois");
        assert!(d.partners.iter().all(|p| uuid::Uuid::parse_str(&p.id).is_ok() && !p.name.is_empty()), "{d:?}");
        // Endorsements kept their instants, the draft has none yet.
        let sides: Vec<bool> = ["rectorat", "region"].iter().map(|s| d.endorsements[*s].is_some()).collect();
        assert_eq!(sides, if d.state == "draft" { [false, false] } else { [true, true] }, "{d:?}");
        assert_eq!(d.records["endorsement"].len(), if d.state == "draft" { 0 } else { 2 }, "{d:?}");
        // The opinions moved with their bodies and words.
        for r in &d.records["opinion"] {
            let text = |f: &str| r.fields.get(f).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            assert!(!text("body").is_empty() && !text("opinion").is_empty(), "{r:?}");
        }
        if let Some(decision) = &d.decision {
            // The decision's columns became its details; the one declared and
            // not given reads null, as before.
            assert_eq!(decision.details.get("excellence_override"), Some(&serde_json::Value::Null), "{d:?}");
            decided += 1;
        }
        partners += d.partners.len();
        opinions += d.opinions.len();
    }
    assert_eq!(partners, 12, "every partner of the old table");
    assert_eq!(decided, 1, "the demo's decided dossier");
    assert_eq!(opinions, 6, "every opinion of the old table");
    let labels = app.labels(&admin, &Default::default()).await.unwrap();
    let label = uuid::Uuid::parse_str(&labels[0].id).unwrap();
    let withdraw = labelflow::engine::Event::named("withdraw").with("reason", "Essai après migration.");
    app.act(&admin, labelflow::workflow::Machine::Label, label, withdraw).await.expect("withdraw the old label");
    assert_eq!(db.store.verify_audit().await.unwrap(), Verification::Intact { entries: 59 });
    // Every old row counts its state from its last change.
    assert_eq!(count(db, "dossiers WHERE state_since IS NULL").await, 0);
    // Past its retention, the withdrawn label is told first and erased a
    // month later, with its dossier; the entries written before values
    // were sealed stay whole, and the trail verifies.
    let due = chrono::Utc::now() + chrono::Duration::days(2 * 366 + 1);
    let first = app.apply_retention(due).await.unwrap();
    assert_eq!((first.warned, first.erased), (1, 0), "warned before anything goes");
    let later = app.apply_retention(due + chrono::Duration::days(32)).await.unwrap();
    assert_eq!((later.warned, later.erased), (0, 1));
    assert_eq!(count(db, "dossiers WHERE personal_data_erased_at IS NOT NULL").await, 1);
    assert_eq!(count(db, "audit WHERE erased_at IS NOT NULL").await, 1, "the withdrawal's reason, sealed");
    assert_eq!(count(db, "audit WHERE action = 'erase_personal_data'").await, 2, "the label's and its dossier's");
    assert_eq!(db.store.verify_audit().await.unwrap(), Verification::Intact { entries: 62 });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_database_of_the_previous_release_migrates_whole() {
    let db = TestDb::sqlite_copy_of(std::path::Path::new(SQLITE)).await;
    still_whole(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_database_of_the_previous_release_migrates_whole() {
    let Some(db) = TestDb::postgres_restored_from(POSTGRES).await else { return };
    still_whole(&db).await;
}
