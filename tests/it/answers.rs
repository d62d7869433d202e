//! The owners' answer to the reports (a phase a workflow switches on):
//! the reviews shown to the owners anonymised from then on, an answer with
//! a text and files before a deadline, reminded and closed by timers, the
//! deciders reading the answer; each e-mail once.

use crate::common::*;
use labelflow::workflow::Machine;
use serde_json::{json, Value};

async fn cmq_owners_answer_the_reports(db: &TestDb) {
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let app = served.app.clone();
    let campaign = campaign(&db.store, &cast.admin).await;
    let id = dossier_reviewed(&app, &cast, campaign).await;
    let other = dossier_reviewed(&app, &cast, campaign).await;
    let porteur = Client::login(&served.base, "porteur@example.fr").await;
    let president = Client::login(&served.base, "president@example.fr").await;
    let dossier = |id: uuid::Uuid| format!("/api/v1/dossiers/{id}");

    // Before the phase the owners read no review.
    assert_eq!(porteur.get(&format!("{}/reviews", dossier(id))).await, (200, json!([])));
    let open = json!({"event": "open_reports_answer", "message": "Merci de répondre aux réserves sur la gouvernance.",
        "due": "2027-02-20"});
    porteur.event(&id.to_string(), open.clone(), 403).await;
    let mut past = open.clone();
    past["due"] = json!("2027-01-20");
    let err = president.event(&id.to_string(), past, 422).await;
    assert_eq!(err["error"]["field"], "due", "{err}");
    let opened = president.event(&id.to_string(), open.clone(), 200).await;
    assert_eq!(opened["state"], "answering", "{opened}");
    assert_eq!(db.store.outbox_count("reports_answer_requested").await.unwrap(), 1, "the owner, once");

    // The owners read the reviews without their authors, add files, and
    // edit nothing else.
    let (status, reviews) = porteur.get(&format!("{}/reviews", dossier(id))).await;
    assert_eq!(status, 200);
    let reviews = reviews.as_array().unwrap();
    assert_eq!(reviews.len(), 2, "{reviews:?}");
    assert!(reviews.iter().all(|r| r["reviewer_id"].is_null() && r["comment"] == "Solide."), "{reviews:?}");
    let (status, file) = porteur
        .raw(
            reqwest::Method::POST,
            &format!("{}/attachments?name=reponse.pdf", dossier(id)),
            "application/pdf",
            b"%PDF-1.4 reponse".to_vec(),
        )
        .await;
    assert_eq!(status, 201, "{file}");
    let (status, _) = porteur.patch(&dossier(id), json!({"title": "Autre intitulé"})).await;
    assert_eq!(status, 409, "the form stays as reviewed");
    let (_, view) = porteur.get(&dossier(id)).await;
    assert_eq!(view["completion"]["message"], "Merci de répondre aux réserves sur la gouvernance.", "{view}");
    let (_, page) =
        crate::pages::Browser::login(&served.base, "porteur@example.fr").await.get(&format!("/dossiers/{id}")).await;
    assert!(page.contains("réponse attendue avant le 20/02/2027") && page.contains("Solide."), "{page}");

    // The answer goes back to the expert group, who read it.
    porteur.event(&id.to_string(), json!({"event": "answer_reports"}), 422).await;
    let answered = porteur
        .event(
            &id.to_string(),
            json!({"event": "answer_reports", "answer": "La gouvernance est précisée en annexe."}),
            200,
        )
        .await;
    assert_eq!(answered["state"], "reviewed", "{answered}");
    assert_eq!(db.store.outbox_count("reports_answer_received").await.unwrap(), 1);
    let (_, view) = president.get(&dossier(id)).await;
    assert_eq!(view["records"]["owner_answer"][0]["answer"], "La gouvernance est précisée en annexe.", "{view}");
    assert!(view["completion"].is_null(), "no request pending: {view}");
    let (_, timers) = president.get(&format!("{}/timers", dossier(id))).await;
    let pending: Vec<&Value> = timers.as_array().unwrap().iter().filter(|t| t["status"] == "pending").collect();
    assert!(pending.iter().all(|t| !t["name"].as_str().unwrap().starts_with("reports_answer")), "{timers}");
    assert_eq!(porteur.get(&format!("{}/reviews", dossier(id))).await.1.as_array().unwrap().len(), 2, "still shown");

    // Unanswered: reminded once, then closed at the deadline.
    president.event(&other.to_string(), open, 200).await;
    for (day, hour) in [(18, 10), (21, 0)] {
        let now = at(2027, 2, day, hour, 0);
        served.clock.set(now);
        app.fire_due(now).await.unwrap();
    }
    let instance = db.store.instance(Machine::Dossier, other).await.unwrap();
    assert_eq!(instance.state, "reviewed");
    assert_eq!(db.store.outbox_count("reports_answer_reminder").await.unwrap(), 1);
    assert!(db.store.outbox_count("reports_answer_closed").await.unwrap() >= 2, "the owner and the president");
    let trail = db.store.trail("dossier", &other.to_string()).await.unwrap();
    let closing = trail.iter().find(|e| e.action == "close_reports_answer").expect("closed by its timer");
    assert_eq!(closing.actor, "system");
}

on_both_backends!(cmq_owners_answer_the_reports);
