//! Webhooks against a real receiver process: registered by an
//! administrator, written with the steps that announce them, posted signed,
//! retried with backoff, dead after their attempts and sent again, each
//! delivery handled once however many senders post side by side.

use crate::common::receiver::Receiver;
use crate::common::*;
use labelflow::engine::Event;
use labelflow::webhooks::worker::{Dispatcher, WebhookSettings};
use labelflow::workflow::Machine;
use serde_json::{json, Value};
use std::time::Duration;

on_both_backends!(webhooks_are_signed_retried_and_handled_once);

fn dispatcher(served: &Served, max_attempts: u32) -> Dispatcher {
    let settings = WebhookSettings {
        retry_base: Duration::from_secs(60),
        max_attempts,
        timeout: Duration::from_secs(10),
        senders: 3,
    };
    Dispatcher::new(settings, served.app.store.clone(), served.app.clock.clone()).expect("client")
}

fn handled_of<'a>(state: &'a Value, kind: &str) -> Vec<&'a Value> {
    state["handled"].as_array().unwrap().iter().filter(|h| h["kind"] == kind).collect()
}

async fn webhooks_are_signed_retried_and_handled_once(db: &TestDb) {
    let receiver = Receiver::start();
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let admin = Client::login(&served.base, "admin@example.fr").await;
    let rectorat = Client::login(&served.base, "rectorat@ac-lyon.fr").await;

    // Registration: administrators only; each bad field named.
    let good = json!({"url": receiver.url(), "events": ["state_changed", "decision", "label_granted", "label_expiring"],
                      "description": "SI de la région"});
    let (status, body) = rectorat.post("/api/v1/webhooks", good.clone()).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = rectorat.get("/api/v1/webhooks").await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = admin
        .post(
            "/api/v1/webhooks",
            json!({"url": "http://example.org/hook", "events": ["state_changed", "everything"], "workflow": "nope"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> =
        body["error"]["errors"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["url", "events[1]", "workflow"], "{body}");
    assert!(body.to_string().contains("https://"), "the reason names what is accepted: {body}");
    assert!(body.to_string().contains("label_expiring"), "the kinds a workflow announces are offered: {body}");

    let (status, hook) = admin.post("/api/v1/webhooks", good.clone()).await;
    assert_eq!(status, 201, "{hook}");
    let secret = hook["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_") && secret.len() == 70, "{secret}");
    let hook_id = hook["id"].as_str().unwrap().to_string();
    // A second webhook hears only of decisions, and only from the other
    // workflow: it must never be posted anything here.
    let (status, other) =
        admin.post("/api/v1/webhooks", json!({"url": receiver.url(), "events": ["decision"], "workflow": "ldm"})).await;
    assert_eq!(status, 201, "{other}");
    let (_, list) = admin.get("/api/v1/webhooks").await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(!list.to_string().contains(&secret), "the secret is shown once, at creation");
    receiver.control(json!({"secret": secret})).await;

    // A dossier taken to the ministries' decision, through the engine.
    let app = &served.app;
    let campaign = campaign(&db.store, &cast.admin).await;
    let dossier = dossier_with_avis(app, &cast, campaign, "excellence").await;
    let decide =
        Event::named("decide").with("outcome", "labelled").with("category", "excellence").with("motivation", "ok");
    let outcome = app.act(&cast.ministeres, Machine::Dossier, dossier, decide).await.expect("decision");
    let label = outcome.label_id.expect("a label");

    // Nothing is posted before the worker runs: deliveries wait, written
    // with their steps.
    let listed = |list: &Value, id: &str| list.as_array().unwrap().iter().find(|h| h["id"] == id).unwrap().clone();
    let (_, list) = admin.get("/api/v1/webhooks").await;
    let pending = listed(&list, &hook_id)["pending"].as_i64().unwrap();
    assert!(pending >= 10, "one delivery per step of the dossier: {list}");
    assert_eq!(listed(&list, other["id"].as_str().unwrap())["pending"], 0, "the other webhook hears nothing: {list}");

    // The receiver fails its first two posts: they are retried later,
    // with the same delivery id.
    receiver.control(json!({"fail_next": 2})).await;
    let worker = dispatcher(&served, 3);
    let delivered = worker.send_due().await.expect("posted");
    assert_eq!(delivered as i64, pending - 2, "all but the two refused posts");
    let (status, failed) = admin.get(&format!("/api/v1/webhooks/{hook_id}/deliveries?status=pending")).await;
    assert_eq!(status, 200, "{failed}");
    assert_eq!(failed.as_array().unwrap().len(), 2, "{failed}");
    assert!(failed[0]["last_error"].as_str().unwrap().contains("503"), "{failed}");
    assert_eq!(worker.send_due().await.unwrap(), 0, "a retry waits for its backoff");
    served.clock.set(app.clock.now() + chrono::Duration::minutes(2));
    assert_eq!(worker.send_due().await.unwrap(), 2, "retried after the backoff");

    let state = receiver.state().await;
    assert_eq!(state["refused"], json!([]), "every post was signed right: {state}");
    assert_eq!(state["duplicates"], 0, "{state}");
    assert_eq!(state["attempts"].as_i64().unwrap(), pending + 2, "{state}");
    let changes = handled_of(&state, "state_changed");
    assert_eq!(changes.len() as i64, pending - 2, "{state}");
    let decided = changes.iter().find(|h| h["body"]["event"] == "decide").expect("the decision's state change");
    assert_eq!(decided["body"]["entity_id"], dossier.to_string());
    assert_eq!(decided["body"]["workflow"], "cmq");
    assert_eq!(decided["event_header"], "state_changed");
    let decision = handled_of(&state, "decision");
    assert_eq!(decision.len(), 1, "{state}");
    assert_eq!(decision[0]["body"]["decision"]["outcome"], "labelled");
    let granted = handled_of(&state, "label_granted");
    assert_eq!(granted.len(), 1, "{state}");
    assert_eq!(granted[0]["body"]["label"]["id"], label.to_string());
    // No name, title or text crosses: a receiver reads them with a token.
    let all = state["handled"].to_string();
    for personal in ["Campus Industrie", "Claire", "porteur@example.fr", "Avis favorable"] {
        assert!(!all.contains(personal), "`{personal}` was posted: {all}");
    }

    // A captured delivery replayed: the same id again is handled once; an
    // old signature or a changed body is refused by the receiver.
    let captured = &decision[0];
    let (id, signature, raw) =
        (captured["id"].as_str().unwrap(), captured["signature"].as_str().unwrap(), captured["raw"].as_str().unwrap());
    assert_eq!(receiver.replay(id, signature, raw).await, 200);
    assert_eq!(receiver.state().await["duplicates"], 1);
    assert_eq!(receiver.replay(id, signature, &raw.replace("labelled", "refused")).await, 401);
    receiver.control(json!({"clock_offset": 600})).await;
    assert_eq!(receiver.replay(id, signature, raw).await, 401);
    receiver.control(json!({"clock_offset": 0})).await;
    assert_eq!(receiver.state().await["refused"], json!(["mismatch", "stale"]));
    // The same check in the library, for receivers written in Rust.
    let now = chrono::DateTime::parse_from_rfc3339("2027-01-01T00:00:00Z").unwrap().timestamp();
    let signed = labelflow::webhooks::signature::sign(&secret, now, raw.as_bytes());
    assert_eq!(labelflow::webhooks::signature::verify(&secret, &signed, raw.as_bytes(), now + 10, 300), Ok(()));
    assert!(labelflow::webhooks::signature::verify(&secret, &signed, raw.as_bytes(), now + 301, 300).is_err());
    assert!(labelflow::webhooks::signature::verify("whsec_other", &signed, raw.as_bytes(), now, 300).is_err());

    // The label's renewal reminder, a timer's step, announces
    // `label_expiring` as the workflow file says.
    let timers = app.timers(&cast.admin, Machine::Label, label).await.unwrap();
    let reminder = timers.iter().find(|t| t.name == "renewal_reminder_6m").expect("a reminder").due_at.clone();
    let due = chrono::DateTime::parse_from_rfc3339(&reminder).unwrap().with_timezone(&chrono::Utc);
    served.clock.set(due);
    let fired = app.fire_due(due).await.unwrap();
    assert!(fired.iter().any(|f| f.timer == "renewal_reminder_6m" && f.outcome == "fired"), "{fired:?}");

    // Dead letters: a receiver that keeps failing gets 3 attempts, then
    // the delivery is dead, listed, and sent again on request.
    receiver.control(json!({"fail_next": 100})).await;
    for _ in 0..3 {
        worker.send_due().await.unwrap();
        served.clock.set(app.clock.now() + chrono::Duration::hours(1));
    }
    // Months went by: the sessions ended.
    let admin = Client::login(&served.base, "admin@example.fr").await;
    let rectorat = Client::login(&served.base, "rectorat@ac-lyon.fr").await;
    let (_, dead) = admin.get(&format!("/api/v1/webhooks/{hook_id}/deliveries?status=dead")).await;
    assert!(dead.is_array(), "{dead}");
    let dead = dead.as_array().unwrap().clone();
    // Every timer due by then fired (reports, the renewal's opening, the
    // reminder): one state change each, and the reminder's `label_expiring`.
    let steps = fired.iter().filter(|f| f.outcome == "fired").count();
    assert_eq!(dead.len(), steps + 1, "{dead:?}");
    assert_eq!(dead.iter().filter(|d| d["kind"] == "label_expiring").count(), 1, "{dead:?}");
    assert!(dead.iter().all(|d| d["attempts"] == 3), "{dead:?}");
    let (_, list) = admin.get("/api/v1/webhooks").await;
    let mine = listed(&list, &hook_id);
    assert_eq!((mine["dead"].as_i64(), mine["pending"].as_i64()), (Some(dead.len() as i64), Some(0)), "{list}");
    let gauges = db.store.gauges(app.clock.now()).await.unwrap();
    assert!(gauges.webhook_deliveries.contains(&("dead".to_string(), dead.len() as i64)), "{gauges:?}");
    let text = labelflow::metrics::render(&gauges);
    for outcome in ["delivered", "failed", "dead"] {
        assert!(text.contains(&format!("labelflow_webhook_attempts_total{{outcome=\"{outcome}\"}}")), "{text}");
    }
    let (status, body) = admin.get(&format!("/api/v1/webhooks/{hook_id}/deliveries?status=lost")).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("status")), "{body}");
    receiver.control(json!({"fail_next": 0})).await;
    for d in &dead {
        let (status, body) = rectorat.post(&format!("/api/v1/webhooks/deliveries/{}/retry", d["id"]), json!({})).await;
        assert_eq!(status, 403, "{body}");
        let path = format!("/api/v1/webhooks/deliveries/{}/retry", d["id"].as_str().unwrap());
        assert_eq!(admin.post(&path, json!({})).await.0, 204);
        assert_eq!(admin.post(&path, json!({})).await.0, 404, "only a dead delivery is sent again");
    }
    assert_eq!(worker.send_due().await.unwrap(), dead.len());
    let state = receiver.state().await;
    let expiring = handled_of(&state, "label_expiring");
    assert_eq!(expiring.len(), 1, "{state}");
    assert_eq!(
        (expiring[0]["body"]["entity_id"].as_str(), expiring[0]["body"]["event"].as_str()),
        (Some(label.to_string().as_str()), Some("remind_renewal"))
    );

    // Exactly once per delivery id with senders side by side: two
    // dispatchers, three senders each, over many deliveries at once.
    let opinion = || Event::named("record_opinion").with("body", "crefop").with("opinion", "favorable");
    let mut ids = Vec::new();
    for _ in 0..12 {
        let id = app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
        app.act(&cast.region, Machine::Dossier, id, opinion()).await.unwrap();
        ids.push(id);
    }
    let before = receiver.state().await["handled"].as_array().unwrap().len();
    let other_worker = dispatcher(&served, 3);
    let (a, b) = tokio::join!(worker.send_due(), other_worker.send_due());
    assert_eq!(a.unwrap() + b.unwrap(), 12, "one step each");
    let state = receiver.state().await;
    assert_eq!(state["handled"].as_array().unwrap().len(), before + 12, "{state}");
    assert_eq!(state["duplicates"], 1, "only the replay above: {state}");

    // Deleting the webhook cancels what it was still to be told, audited.
    app.act(&cast.region, Machine::Dossier, ids[0], opinion()).await.unwrap();
    let (status, _) = rectorat.delete(&format!("/api/v1/webhooks/{hook_id}")).await;
    assert_eq!(status, 403);
    assert_eq!(admin.delete(&format!("/api/v1/webhooks/{hook_id}")).await.0, 204);
    assert_eq!(admin.delete(&format!("/api/v1/webhooks/{}", uuid::Uuid::new_v4())).await.0, 404);
    app.act(&cast.region, Machine::Dossier, ids[1], opinion()).await.unwrap();
    assert_eq!(worker.send_due().await.unwrap(), 0, "a deleted webhook hears nothing");
    let (_, cancelled) = admin.get(&format!("/api/v1/webhooks/{hook_id}/deliveries?status=cancelled")).await;
    assert_eq!(cancelled.as_array().unwrap().len(), 1, "{cancelled}");
    let (_, list) = admin.get("/api/v1/webhooks").await;
    let deleted = listed(&list, &hook_id);
    assert!(deleted["deleted_at"].is_string(), "{deleted}");
    assert_eq!(deleted["events"], good["events"], "{deleted}");
    assert!(matches!(db.store.verify_audit().await.unwrap(), labelflow::store::audit::Verification::Intact { .. }));
}

/// `serve`'s own worker posts what the steps queued, and stops cleanly.
#[tokio::test]
async fn serve_posts_what_steps_queued() {
    let receiver = Receiver::start();
    let db = TestDb::sqlite().await;
    let cast = cast(&db.store).await;
    // The steps happen now: `serve` runs on the machine's clock.
    let now = chrono::Utc::now();
    let (app, _clock) = app(&db.store, now);
    let request = labelflow::app::webhooks::WebhookRequest {
        url: receiver.url(),
        events: vec!["state_changed".into()],
        workflow: Some("cmq".into()),
        description: String::new(),
    };
    let (_, secret) = app.create_webhook(&cast.admin, &request).await.unwrap();
    receiver.control(json!({"secret": secret})).await;
    let call = labelflow::store::records::NewCampaign {
        name: "Appel en cours".into(),
        workflow: "cmq".into(),
        sources: None,
        criteria: "cmq-2019".into(),
        opens_at: now - chrono::Duration::days(1),
        closes_at: now + chrono::Duration::days(30),
        kinds: vec!["creation".into()],
        territory: None,
    };
    let campaign = db.store.create_campaign(&call, &cast.admin, now).await.unwrap();
    let id = app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
    for body in ["crefop", "conseil_academique"] {
        let opinion = Event::named("record_opinion").with("body", body).with("opinion", "favorable");
        app.act(&cast.region, Machine::Dossier, id, opinion).await.unwrap();
    }
    let mail = tempfile::tempdir().unwrap();
    let server = crate::common::process::ServeProcess::start(
        &["--database-url", &db.url, "--mail-dir", mail.path().to_str().unwrap()],
        &[],
    );
    let mut progress = crate::common::progress::Progress::new("deliveries posted by serve");
    loop {
        let state = receiver.state().await;
        let handled = state["handled"].as_array().unwrap().len() as i64;
        if handled == 2 {
            assert_eq!(state["refused"], json!([]), "{state}");
            break;
        }
        progress.left(2 - handled);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(server.terminate(), "a clean stop");
}
