//! E-mail delivery against a real SMTP server process (Python's aiosmtpd,
//! installed by .ci/run), storing what it receives in a maildir.

use crate::common::smtp::SmtpSink;
use crate::common::*;
use labelflow::clock::Clock;
use labelflow::engine::Event;
use labelflow::mail::worker::{MailSettings, Mailer};
use labelflow::workflow::Machine;
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

fn mailer(db: &TestDb, smtp: String, clock: Arc<dyn Clock>, max_attempts: u32) -> Mailer {
    let settings = MailSettings {
        smtp_url: Some(smtp),
        mail_dir: std::env::temp_dir(),
        from: "Campus des métiers <ne-pas-repondre@labelflow.test>".into(),
        public_url: "https://labelflow.test".into(),
        retry_base: Duration::from_millis(100),
        max_attempts,
        senders: 1,
    };
    let workflows = labelflow::workflow::Workflows::single(std::sync::Arc::new(cmq()));
    Mailer::new(settings, db.store.clone(), std::sync::Arc::new(workflows), clock).unwrap()
}

/// The CMQ path from draft to label through the application layer.
async fn full_path(db: &TestDb) -> (labelflow::app::App, labelflow::clock::ManualClock) {
    let cast = cast(&db.store).await;
    let (app, clock) = app(&db.store, at(2027, 2, 1, 9, 0));
    let campaign = campaign(&db.store, &cast.admin).await;
    let id = app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
    add_partner(&db.store, id, "Lycée La Martinière", "eple", &cast.porteur, clock.now()).await.unwrap();
    let act = |who: &labelflow::engine::Actor, e: Event| {
        let (app, who) = (app.clone(), who.clone());
        async move { app.act(&who, Machine::Dossier, id, e).await.unwrap() }
    };
    for body in ["crefop", "conseil_academique"] {
        act(&cast.region, Event::named("record_opinion").with("body", body).with("opinion", "favorable")).await;
    }
    act(&cast.rectorat, Event::named("endorse")).await;
    act(&cast.region, Event::named("endorse")).await;
    act(&cast.porteur, Event::named("submit")).await;
    act(&cast.ministeres, Event::named("declare_admissible")).await;
    for r in [&cast.rapporteur, &cast.rapporteur2] {
        act(
            &cast.president,
            Event::named("assign_reviewer").with("user_id", r.user_id.unwrap().to_string()).with("due", "2027-05-15"),
        )
        .await;
    }
    let scores =
        serde_json::Value::Object(cmq().grid.criteria.iter().map(|c| (c.code.clone(), serde_json::json!(4))).collect());
    for r in [&cast.rapporteur, &cast.rapporteur2] {
        act(r, Event::named("submit_review").with("scores", scores.clone()).with("comment", "Solide.")).await;
    }
    let avis = Event::named("give_avis")
        .with("avis", "favorable")
        .with("category", "excellence")
        .with("years", 5)
        .with("motivation", "Campus d'excellence.");
    act(&cast.president, avis).await;
    let decide = Event::named("decide").with("outcome", "labelled").with("motivation", "Campus d'excellence.");
    act(&cast.ministeres, decide).await;
    (app, clock)
}

fn by_subject(received: &[(String, String, String)]) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (_, to, subject) in received {
        map.entry(subject.clone()).or_default().push(to.clone());
    }
    map.values_mut().for_each(|v| v.sort());
    map
}

async fn the_cmq_path_delivers_every_message_once(db: &TestDb) {
    let Some(sink) = SmtpSink::start() else { return };
    let (app, _clock) = full_path(db).await;
    let m = mailer(db, sink.url(), app.clock.clone(), 5);
    // The words a person reads: the mention as the texts name it, never a code.
    let pending = db.store.lease_mails(app.clock.now(), chrono::Duration::seconds(1), 500).await.unwrap();
    db.store.release_mails(&pending.iter().map(|p| p.id.clone()).collect::<Vec<_>>()).await.unwrap();
    for mail in pending.iter().filter(|p| p.template == "decision" || p.template == "label_granted") {
        let r = m.rendered(mail).await.unwrap();
        assert!(r.text.contains("Mention « excellence »"), "{}: {}", mail.template, r.text);
        for code in ["standard", "excellence,", "an(s)", "labelled"] {
            assert!(!r.text.contains(code) && !r.subject.contains(code), "`{code}` in {}: {}", mail.template, r.text);
        }
    }
    let sent = m.send_due().await.unwrap();
    let received = sink.received();
    assert_eq!(received.len(), sent, "every sent message arrived");
    assert_eq!(db.store.outbox_status().await.unwrap(), vec![("sent".to_string(), sent as i64)]);
    let ids: std::collections::BTreeSet<&String> = received.iter().map(|r| &r.0).collect();
    assert_eq!(ids.len(), received.len(), "no Message-ID twice");
    // Each outbox row arrived, under its own Message-ID, at its recipient.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT id, template, recipient_email FROM outbox").fetch_all(&pool).await.unwrap();
    pool.close().await;
    let arrived: BTreeMap<&str, &str> = received.iter().map(|(id, to, _)| (id.as_str(), to.as_str())).collect();
    let mut by_template: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, template, email) in &rows {
        assert_eq!(arrived.get(m.message_id(id).as_str()), Some(&email.as_str()), "{template} to {email}");
        by_template.entry(template).or_default().push(email);
    }
    by_template.values_mut().for_each(|v| v.sort_unstable());
    let owner_and_staff = vec!["porteur@example.fr", "rectorat@ac-lyon.fr", "region@ara.fr"];
    assert_eq!(by_template["submission_receipt"], owner_and_staff);
    assert_eq!(by_template["dossier_admissible"], owner_and_staff);
    assert_eq!(by_template["reviewer_assigned"], ["rapporteur1@example.fr", "rapporteur2@example.fr"]);
    assert_eq!(by_template["reviews_complete"], ["president@example.fr"]);
    assert_eq!(by_template["avis_given"], ["ministeres@example.fr"], "the expert group's avis goes to the ministries");
    assert_eq!(by_template["decision"], owner_and_staff);
    assert_eq!(by_template["label_granted"], owner_and_staff);
    assert!(
        !arrived.values().any(|to| *to == "rapporteur3@ac-lyon.fr" || *to == "rectorat@ac-paris.fr"),
        "nobody else"
    );
    assert!(by_subject(&received).keys().all(|s| !s.is_empty()), "every message has a subject");
    // Sending again sends nothing more.
    assert_eq!(m.send_due().await.unwrap(), 0);
    assert_eq!(sink.received().len(), sent);
}

async fn an_smtp_outage_delays_but_loses_and_doubles_nothing(db: &TestDb) {
    let Some(mut sink) = SmtpSink::start() else { return };
    let (app, clock) = full_path(db).await;
    sink.stop();
    let m = mailer(db, sink.url(), app.clock.clone(), 3);
    assert_eq!(m.send_due().await.unwrap(), 0, "nothing goes out while the server is down");
    let total: i64 = db.store.outbox_status().await.unwrap().iter().map(|(_, n)| n).sum();
    assert!(total > 10);
    // Retries fall due after the backoff; the server is back by then.
    sink.resume();
    clock.set(clock.now() + chrono::Duration::seconds(1));
    let sent = m.send_due().await.unwrap();
    assert_eq!(sent as i64, total);
    let received = sink.received();
    assert_eq!(received.len() as i64, total);
    let ids: std::collections::BTreeSet<&String> = received.iter().map(|r| &r.0).collect();
    assert_eq!(ids.len(), received.len(), "each message once");

    // Past the last attempt a message is dead, listed with its error, and an admin can retry it.
    let cast_admin = db.store.actor(db.store.credentials("admin@example.fr").await.unwrap().unwrap().0).await.unwrap();
    sink.stop();
    let campaign = campaign(&db.store, &cast_admin).await;
    let porteur = db.store.actor(db.store.credentials("porteur@example.fr").await.unwrap().unwrap().0).await.unwrap();
    app.create_dossier(&porteur, porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
    let id = app.dossiers(&porteur, Some("draft"), Some(campaign)).await.unwrap()[0].id.clone();
    app.act(&porteur, Machine::Dossier, uuid::Uuid::parse_str(&id).unwrap(), Event::named("withdraw")).await.unwrap();
    for _ in 0..3 {
        m.send_due().await.unwrap();
        clock.set(clock.now() + chrono::Duration::seconds(5));
    }
    let dead = app.dead_mail_page(&cast_admin, &Default::default()).await.unwrap().items;
    let mut to: Vec<&str> = dead.iter().map(|d| d.recipient_email.as_str()).collect();
    to.sort_unstable();
    assert_eq!(
        to,
        ["porteur@example.fr", "rectorat@ac-lyon.fr", "region@ara.fr"],
        "the withdrawal notice died after 3 attempts"
    );
    assert!(dead.iter().all(|d| d.attempts == 3 && d.template == "dossier_withdrawn"));
    assert!(dead[0].last_error.as_deref().unwrap_or("").contains("onnect"), "{:?}", dead[0].last_error);
    assert!(app.dead_mail_page(&porteur, &Default::default()).await.is_err(), "only admins see dead e-mails");
    sink.resume();
    for d in &dead {
        app.retry_mail(&cast_admin, &d.id).await.unwrap();
    }
    assert!(app.retry_mail(&cast_admin, &dead[0].id).await.is_err(), "no longer dead");
    assert_eq!(m.send_due().await.unwrap(), 3);
    assert!(app.dead_mail_page(&cast_admin, &Default::default()).await.unwrap().items.is_empty());
    let mine = app.notification_page(&porteur, &Default::default()).await.unwrap().items;
    assert!(mine.iter().all(|n| n.recipient_email == "porteur@example.fr" && n.status == "sent"), "{mine:?}");
}

on_both_backends!(the_cmq_path_delivers_every_message_once, an_smtp_outage_delays_but_loses_and_doubles_nothing);

/// `serve` killed with e-mails committed but not yet delivered sends them
/// after its restart, once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_sends_after_restart_once() {
    let Some(mut sink) = SmtpSink::start() else { return };
    sink.stop();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("kill.db").display());
    let smtp = sink.url();
    let serve = |demo: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_labelflow"));
        cmd.args(["serve", "--bind", "127.0.0.1:0", "--database-url", &url, "--smtp-url", &smtp])
            .args(["--mail-retry-base-ms", "100", "--data-dir"])
            .arg(dir.path().join("data"))
            .arg("--audit-digest-dir")
            .arg(dir.path().join("digests"))
            .env("LABELFLOW_LOG", "off")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if demo {
            cmd.arg("--demo");
        }
        let mut child = cmd.spawn().unwrap();
        // Listening means migrated and, with --demo, loaded.
        use std::io::BufRead;
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        for line in stdout.lines() {
            if line.unwrap_or_default().starts_with("labelflow listening") {
                break;
            }
        }
        child
    };
    let mut first = serve(true);
    let store = labelflow::store::Store::open(&url).await.unwrap();
    // The demo commits its steps and their e-mails; the SMTP server is down.
    let mut progress = crate::common::progress::Progress::new("the demo's e-mails to be written");
    loop {
        let written = store.outbox_status().await.map(|s| s.iter().map(|(_, n)| n).sum::<i64>()).unwrap_or(0);
        if written >= 30 {
            break;
        }
        progress.left(30 - written);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    first.kill().unwrap();
    first.wait().unwrap();
    let pending = store.outbox_status().await.unwrap();
    assert!(pending.iter().all(|(s, _)| s == "pending"), "nothing could be sent: {pending:?}");
    let total: i64 = pending.iter().map(|(_, n)| n).sum();
    sink.resume();
    let mut second = serve(false);
    let mut progress = crate::common::progress::Progress::new("e-mails to send after the restart");
    loop {
        let status = store.outbox_status().await.unwrap();
        if status == vec![("sent".to_string(), total)] {
            break;
        }
        let sent = status.iter().find(|(s, _)| s == "sent").map_or(0, |(_, n)| *n);
        progress.left(total - sent);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Command::new("kill").args(["-TERM", &second.id().to_string()]).status().unwrap();
    second.wait().unwrap();
    let received = sink.received();
    assert_eq!(received.len() as i64, total, "each committed e-mail delivered");
    let ids: std::collections::BTreeSet<&String> = received.iter().map(|r| &r.0).collect();
    assert_eq!(ids.len(), received.len(), "none twice");
}
