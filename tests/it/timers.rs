//! Time through the API: the test clock moves, timers fire by themselves,
//! exactly once, in order; a label lives, reports, renews or expires.

use crate::common::*;
use labelflow::workflow::Machine;
use serde_json::{json, Value};
use std::collections::BTreeSet;

struct Scene {
    served: Served,
    admin: Client,
    porteur: Client,
    rectorat: Client,
    region: Client,
    president: Client,
    ministeres: Client,
    rapporteurs: [Client; 2],
    cast: Cast,
    /// Every firing seen, to check nothing fires twice.
    fired: Vec<Value>,
    /// What the last move's retention pass did.
    retention: Value,
}

impl Scene {
    async fn new(db: &TestDb) -> Scene {
        let cast = cast(&db.store).await;
        let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
        let base = served.base.clone();
        Scene {
            admin: Client::login(&base, "admin@example.fr").await,
            porteur: Client::login(&base, "porteur@example.fr").await,
            rectorat: Client::login(&base, "rectorat@ac-lyon.fr").await,
            region: Client::login(&base, "region@ara.fr").await,
            president: Client::login(&base, "president@example.fr").await,
            ministeres: Client::login(&base, "ministeres@example.fr").await,
            rapporteurs: [
                Client::login(&base, "rapporteur1@example.fr").await,
                Client::login(&base, "rapporteur2@example.fr").await,
            ],
            served,
            cast,
            fired: Vec::new(),
            retention: Value::Null,
        }
    }

    /// Moves the test clock; returns what fired, in order.
    async fn at(&mut self, now: &str) -> Vec<Value> {
        let (status, reply) =
            Client::anonymous(&self.served.base).post("/api/v1/test/clock", json!({"now": now})).await;
        assert_eq!(status, 200, "{reply}");
        let fired = reply["fired"].as_array().unwrap().clone();
        let mut due: Vec<&str> = fired.iter().map(|f| f["due_at"].as_str().unwrap()).collect();
        let sorted = {
            let mut d = due.clone();
            d.sort();
            d
        };
        assert_eq!(due, sorted, "fired in due order");
        due.clear();
        self.fired.extend(fired.iter().cloned());
        self.retention = reply["retention"].clone();
        self.relogin().await;
        fired
    }

    /// Logins expire after 12 hours: the scene logs in again after each jump.
    async fn relogin(&mut self) {
        let base = self.served.base.clone();
        self.admin = Client::login(&base, "admin@example.fr").await;
        self.porteur = Client::login(&base, "porteur@example.fr").await;
        self.rectorat = Client::login(&base, "rectorat@ac-lyon.fr").await;
        self.region = Client::login(&base, "region@ara.fr").await;
        self.president = Client::login(&base, "president@example.fr").await;
        self.ministeres = Client::login(&base, "ministeres@example.fr").await;
        self.rapporteurs = [
            Client::login(&base, "rapporteur1@example.fr").await,
            Client::login(&base, "rapporteur2@example.fr").await,
        ];
    }

    async fn campaign(&self, opens: &str, closes: &str) -> String {
        let body = json!({"name": format!("Appel {opens}"), "workflow": "cmq", "opens_at": opens, "closes_at": closes});
        let (status, c) = self.admin.post("/api/v1/campaigns", body).await;
        assert_eq!(status, 201, "{c}");
        c["id"].as_str().unwrap().to_string()
    }

    /// A dossier taken to `reviewed`; returns its id.
    async fn reviewed(&self, campaign: &str, title: &str, renewal_of: Option<&str>, due: &str) -> String {
        let mut body = json!({"campaign_id": campaign, "title": title, "kind": "creation", "category": "standard",
            "filiere": "chimie-biotechnologies", "region": "ARA", "academies": ["LYON"],
            "support_establishment": "Lycée Ampère", "directeur_operationnel": "Luc Morel"});
        if let Some(label) = renewal_of {
            body["kind"] = json!("renewal");
            body["renewal_of"] = json!(label);
        }
        let (status, d) = self.porteur.post("/api/v1/dossiers", body).await;
        assert_eq!(status, 201, "{d}");
        let id = d["id"].as_str().unwrap().to_string();
        self.porteur
            .post(&format!("/api/v1/dossiers/{id}/partners"), json!({"name": "Lycée Ampère", "type": "eple"}))
            .await;
        self.presented(&id).await;
        self.porteur.event(&id, json!({"event": "submit"}), 200).await;
        self.ministeres.event(&id, json!({"event": "declare_admissible"}), 200).await;
        for r in [&self.cast.rapporteur, &self.cast.rapporteur2] {
            let user = r.user_id.unwrap().to_string();
            self.president.event(&id, json!({"event": "assign_reviewer", "user_id": user, "due": due}), 200).await;
        }
        let scores = Value::Object(cmq().grid.criteria.iter().map(|c| (c.code.clone(), json!(3))).collect());
        for r in &self.rapporteurs {
            r.event(&id, json!({"event": "submit_review", "scores": scores, "comment": "Bien."}), 200).await;
        }
        id
    }

    /// The CREFOP's and the CAEN's opinions, then both endorsements.
    async fn presented(&self, id: &str) {
        for body in ["crefop", "conseil_academique"] {
            self.region.event(id, json!({"event": "record_opinion", "body": body, "opinion": "favorable"}), 200).await;
        }
        self.rectorat.event(id, json!({"event": "endorse"}), 200).await;
        self.region.event(id, json!({"event": "endorse"}), 200).await;
    }

    /// The expert group's avis, then the arrêté that labels the dossier.
    async fn decide(&self, dossier: &str, years: i64) -> String {
        let avis = json!({"event": "give_avis", "avis": "favorable", "category": "standard", "years": years, "motivation": "Avis favorable."});
        self.president.event(dossier, avis, 200).await;
        let body = json!({"event": "decide", "outcome": "labelled", "motivation": "Labellisé."});
        let out = self.ministeres.event(dossier, body, 200).await;
        out["label_id"].as_str().unwrap().to_string()
    }

    async fn label(&self, id: &str) -> Value {
        let (status, l) = self.admin.get(&format!("/api/v1/labels/{id}")).await;
        assert_eq!(status, 200, "{l}");
        l
    }
}

fn has(fired: &[Value], label: &str, timer: &str, outcome: &str) -> bool {
    fired.iter().any(|f| f["entity_id"] == label && f["timer"] == timer && f["outcome"] == outcome)
}

async fn a_label_lives_six_years(db: &TestDb) {
    let mut s = Scene::new(db).await;
    let c1 = s.campaign("2027-01-15", "2027-03-31T23:59").await;
    let d1 = s.reviewed(&c1, "Campus Chimie Verte", None, "2027-05-15").await;
    let d3 = s.reviewed(&c1, "Campus Éphémère", None, "2027-05-15").await;
    s.at("2027-06-10T10:00:00Z").await;
    let l1 = s.decide(&d1, 3).await;
    let l3 = s.decide(&d3, 1).await;
    let first = s.label(&l1).await;
    assert_eq!((first["valid_from"].as_str(), first["valid_until"].as_str()), (Some("2027-06-10"), Some("2030-06-09")));

    // The one-year label's renewal window (12 months before its end) has
    // already passed: it opens late, at the next look at the clock.
    let fired = s.at("2027-06-10T10:00:01Z").await;
    assert!(has(&fired, &l3, "renewal_window", "fired"), "{fired:?}");
    assert_eq!(s.label(&l3).await["status"], "renewal_open");

    // First anniversary: reminder a month before, report due, the short label ends.
    let fired = s.at("2028-06-10T08:00:00Z").await;
    assert!(has(&fired, &l1, "report_reminder", "fired") && has(&fired, &l1, "report_due", "fired"), "{fired:?}");
    assert!(has(&fired, &l3, "end_of_validity", "fired"), "{fired:?}");
    assert_eq!(s.label(&l3).await["status"], "expired", "no renewal: the label expires");
    let out = s
        .porteur
        .post(
            &format!("/api/v1/labels/{l1}/events"),
            json!({"event": "submit_report", "year": 2028, "body": "Bilan 2028."}),
        )
        .await;
    assert_eq!(out.0, 200, "{}", out.1);
    let again = s
        .porteur
        .post(&format!("/api/v1/labels/{l1}/events"), json!({"event": "submit_report", "year": 2028, "body": "Bis."}))
        .await;
    assert_eq!((again.0, again.1["error"]["code"].as_str()), (422, Some("report_already_submitted")));
    // The report is the label's record, as the workflow file declares it,
    // read by its owners and staff; the list of labels does not carry it.
    let (_, mine) = s.porteur.get(&format!("/api/v1/labels/{l1}")).await;
    assert_eq!(mine["records"]["report"], s.label(&l1).await["records"]["report"]);
    let reports = mine["records"]["report"].as_array().expect("the label's reports").clone();
    assert_eq!(reports.len(), 1, "{mine}");
    assert_eq!((reports[0]["year"].as_i64(), reports[0]["body"].as_str()), (Some(2028), Some("Bilan 2028.")));
    let (_, list) = s.admin.get("/api/v1/labels").await;
    assert!(list.as_array().unwrap().iter().all(|l| l.get("records").is_none()), "{list}");
    let fired = s.at("2028-09-01T08:00:00Z").await;
    assert!(has(&fired, &l1, "report_overdue", "refused"), "the 2028 report is in: no alert. {fired:?}");

    // Second anniversary: the renewal window opens; the 2029 report is missed.
    let fired = s.at("2029-06-10T08:00:00Z").await;
    assert!(has(&fired, &l1, "renewal_window", "fired") && has(&fired, &l1, "report_due", "fired"), "{fired:?}");
    assert_eq!(s.label(&l1).await["status"], "renewal_open");
    let fired = s.at("2029-09-01T08:00:00Z").await;
    assert!(has(&fired, &l1, "report_overdue", "fired"), "{fired:?}");

    // The renewal is labelled before the end; the old label's last reminders
    // then have nothing to remind of.
    let c2 = s.campaign("2029-09-01", "2030-01-31T23:59").await;
    let d2 = s.reviewed(&c2, "Campus Chimie Verte (renouvellement)", Some(&l1), "2029-11-01").await;
    s.at("2029-11-15T10:00:00Z").await;
    let l2 = s.decide(&d2, 5).await;
    let renewed = s.label(&l2).await;
    assert_eq!(
        (renewed["valid_from"].as_str(), renewed["valid_until"].as_str()),
        (Some("2030-06-10"), Some("2035-06-09"))
    );
    assert_eq!(renewed["renewal_of"], l1.as_str());

    // The end of validity: midnight Paris after 9 June 2030 (22:00 UTC in summer).
    let fired = s.at("2030-06-09T21:59:59Z").await;
    assert!(
        has(&fired, &l1, "renewal_reminder_6m", "refused") && has(&fired, &l1, "renewal_reminder_1m", "refused"),
        "{fired:?}"
    );
    assert_eq!(s.label(&l1).await["status"], "renewal_open", "not yet over");
    let fired = s.at("2030-06-09T22:00:00Z").await;
    assert!(has(&fired, &l1, "end_of_validity", "fired"), "{fired:?}");
    assert_eq!(s.label(&l1).await["status"], "renewed");
    assert_eq!(s.label(&l2).await["status"], "active");
    let (_, timers) = s.rectorat.get(&format!("/api/v1/labels/{l1}/timers")).await;
    assert!(
        timers.as_array().unwrap().iter().all(|t| t["status"] != "pending"),
        "an ended label keeps no pending timer: {timers}"
    );

    // Six years after the first call: the new label reports every year.
    let fired = s.at("2033-02-01T09:00:00Z").await;
    let reports = fired.iter().filter(|f| f["entity_id"] == l2.as_str() && f["timer"] == "report_due").count();
    assert_eq!(reports, 2, "2031 and 2032 anniversaries: {fired:?}");
    let (status, soon) = s.rectorat.get("/api/v1/deadlines?days=366").await;
    assert_eq!(status, 200);
    assert!(
        soon.as_array().unwrap().iter().any(|d| d["entity_id"] == l2.as_str() && d["timer"] == "report_due"),
        "{soon}"
    );
    let (status, _) = s.rectorat.get("/api/v1/deadlines?days=0").await;
    assert_eq!(status, 422);

    // Nothing fired twice, and every step is in the audit trail.
    let keys: Vec<(String, String, String)> =
        s.fired.iter().map(|f| (f["entity_id"].to_string(), f["timer"].to_string(), f["due_at"].to_string())).collect();
    assert_eq!(keys.len(), keys.iter().collect::<BTreeSet<_>>().len(), "a timer fired twice");
    let (_, trail) = s.president.get(&format!("/api/v1/labels/{l1}/audit")).await;
    let actions: Vec<&str> = trail.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in ["create", "report_due", "submit_report", "open_renewal", "report_overdue", "reach_end"] {
        assert!(actions.contains(&expected), "{expected} not in {actions:?}");
    }
    assert!(matches!(db.store.verify_audit().await.unwrap(), labelflow::store::audit::Verification::Intact { .. }));
    let overdue_alerts = db.store.outbox_count("report_overdue").await.unwrap();
    // 2029 for the first label, 2031 and 2032 for the renewal (no report
    // submitted), each to the LYON rectorat and the ARA région staff, once.
    assert_eq!(overdue_alerts, 6);
}

async fn a_missed_completion_deadline_makes_the_dossier_inadmissible(db: &TestDb) {
    let mut s = Scene::new(db).await;
    let c = s.campaign("2027-01-15", "2027-03-31T23:59").await;
    let (_, d) = s
        .porteur
        .post(
            "/api/v1/dossiers",
            json!({"campaign_id": c, "title": "Campus Lent", "kind": "creation", "category": "standard",
            "filiere": "alimentaire-agroalimentaire", "region": "ARA", "academies": ["LYON"],
            "support_establishment": "Lycée Rabelais", "directeur_operationnel": "Anne Roy"}),
        )
        .await;
    let id = d["id"].as_str().unwrap().to_string();
    s.porteur.post(&format!("/api/v1/dossiers/{id}/partners"), json!({"name": "Lycée Rabelais", "type": "eple"})).await;
    s.presented(&id).await;
    s.porteur.event(&id, json!({"event": "submit"}), 200).await;
    s.ministeres
        .event(
            &id,
            json!({"event": "request_completion", "message": "Convention manquante.", "due": "2027-03-10"}),
            200,
        )
        .await;
    let (_, timers) = s.porteur.get(&format!("/api/v1/dossiers/{id}/timers")).await;
    let pending: Vec<&str> = timers
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "pending")
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(pending, ["completion_reminder", "completion_deadline"], "{timers}");
    // Two days before, at 09:00 Paris: a reminder; at the deadline (23:59 Paris): inadmissible.
    let fired = s.at("2027-03-08T08:00:00Z").await;
    assert!(fired.iter().any(|f| f["timer"] == "completion_reminder" && f["outcome"] == "fired"), "{fired:?}");
    assert!(s.at("2027-03-10T22:58:00Z").await.is_empty(), "not before 23:59 Paris");
    let fired = s.at("2027-03-10T22:59:00Z").await;
    assert!(fired.iter().any(|f| f["timer"] == "completion_deadline" && f["state"] == "inadmissible"), "{fired:?}");
    let (_, d) = s.porteur.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(d["state"], "inadmissible");
    assert_eq!(db.store.outbox_count("dossier_inadmissible").await.unwrap(), 3, "owner, rectorat and région staff");
}

async fn the_clock_refuses_to_go_back(db: &TestDb) {
    let s = Scene::new(db).await;
    let anon = Client::anonymous(&s.served.base);
    let (status, err) = anon.post("/api/v1/test/clock", json!({"now": "2026-01-01T00:00:00Z"})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("now")));
    let (status, _) = anon.post("/api/v1/test/clock", json!({"now": "demain"})).await;
    assert_eq!(status, 422);
}

/// A request withdrawn and a label expired keep their personal data two
/// years (the shipped CMQ retention): the owner is told a month before,
/// once; then the form but its kept fields, the files, the messages, the
/// comments and the trail's personal values go, and the trail verifies.
async fn what_ended_is_erased_after_its_retention(db: &TestDb) {
    let mut s = Scene::new(db).await;
    let c = s.campaign("2027-01-15", "2027-03-31T23:59").await;
    let body_of = |title: &str| {
        json!({"campaign_id": c, "title": title, "kind": "creation", "category": "standard",
            "filiere": "chimie-biotechnologies", "region": "ARA", "academies": ["LYON"],
            "support_establishment": "Lycée Ampère", "directeur_operationnel": "Inès Perrin"})
    };
    let (status, d) = s.porteur.post("/api/v1/dossiers", body_of("Campus Abandonné")).await;
    assert_eq!(status, 201, "{d}");
    let gone = d["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/dossiers/{gone}");
    s.porteur.post(&format!("{path}/partners"), json!({"name": "Lycée Ampère", "type": "eple"})).await;
    let pdf = b"%PDF-1.4\n% retention\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec();
    let (status, file) = s
        .porteur
        .raw(reqwest::Method::POST, &format!("{path}/attachments?name=cv.pdf&kind=annexe"), "application/pdf", pdf)
        .await;
    assert_eq!(status, 201, "{file}");
    let stored = s.served.data.path().join("attachments").join(&file["sha256"].as_str().unwrap()[..2]);
    assert_eq!(std::fs::read_dir(&stored).unwrap().count(), 1);
    let (status, m) =
        s.porteur.post(&format!("{path}/messages"), json!({"body": "Joignable au 06 12 34 56 78."})).await;
    assert_eq!(status, 201, "{m}");
    s.porteur.event(&gone, json!({"event": "withdraw", "reason": "Départ d'Inès Perrin."}), 200).await;
    // Another, withdrawn at once, ends the same day.
    let (_, d) = s.porteur.post("/api/v1/dossiers", body_of("Campus Bis")).await;
    let other = d["id"].as_str().unwrap().to_string();
    s.porteur.event(&other, json!({"event": "withdraw"}), 200).await;

    let (_, withdrawn) = s.porteur.get(&path).await;
    assert_eq!(withdrawn["retention"], json!({"erase_on": "2029-02-01", "warned_at": null, "erased_at": null}));

    // A one-year label, ended on 9 June 2028 at midnight Paris.
    let d1 = s.reviewed(&c, "Campus Éphémère", None, "2027-05-15").await;
    s.at("2027-06-10T10:00:00Z").await;
    let l1 = s.decide(&d1, 1).await;
    s.at("2028-06-10T08:00:00Z").await;
    let ended = s.label(&l1).await;
    assert_eq!(
        (ended["status"].as_str(), ended["retention"]["erase_on"].as_str()),
        (Some("expired"), Some("2030-06-10"))
    );
    assert_eq!(s.retention, json!({"warned": 0, "erased": 0}));

    // Withdrawn on 1 February 2027 at 10:00 Paris: told on 1 January 2029.
    s.at("2029-01-01T08:59:59Z").await;
    assert_eq!(s.retention, json!({"warned": 0, "erased": 0}), "not before the month");
    // Both are found, page after page, oldest first.
    let states: Vec<String> = ["inadmissible", "rejected", "withdrawn"].map(String::from).to_vec();
    let far = at(2030, 1, 1, 0, 0);
    let mut found = Vec::new();
    loop {
        let page =
            db.store.retention_endings(Machine::Dossier, "cmq", &states, far, far, found.last(), 1).await.unwrap();
        if page.is_empty() {
            break;
        }
        found.extend(page);
    }
    let ids: Vec<String> = found.iter().map(|e| e.id.to_string()).collect();
    // Withdrawn at the same instant (the test clock stands still): by id.
    let mut expected = [gone.clone(), other.clone()];
    expected.sort();
    assert_eq!(ids, expected);
    s.at("2029-01-01T09:00:00Z").await;
    assert_eq!(s.retention, json!({"warned": 2, "erased": 0}));
    assert_eq!(db.store.outbox_count("retention_warning").await.unwrap(), 2, "the one owner, of each");
    let mails = tempfile::tempdir().unwrap();
    let settings = labelflow::mail::worker::MailSettings {
        smtp_url: None,
        mail_dir: mails.path().to_path_buf(),
        from: "Campus des métiers <ne-pas-repondre@labelflow.test>".into(),
        public_url: "https://labelflow.test".into(),
        retry_base: std::time::Duration::from_millis(100),
        max_attempts: 3,
        senders: 1,
    };
    let mailer = labelflow::mail::worker::Mailer::new(
        settings,
        db.store.clone(),
        s.served.app.workflows.clone(),
        std::sync::Arc::new(s.served.clock.clone()),
    )
    .unwrap();
    while mailer.send_due().await.unwrap() > 0 {}
    let texts = crate::common::smtp::texts_in(mails.path());
    let (to, subject, text) = texts
        .iter()
        .find(|(_, subject, _)| subject.ends_with("— Campus Abandonné") && subject.starts_with("Effacement"))
        .unwrap_or_else(|| panic!("{texts:?}"));
    assert_eq!(
        (to.as_str(), subject.as_str()),
        ("porteur@example.fr", "Effacement prochain des données personnelles — Campus Abandonné")
    );
    assert!(
        text.contains("seront effacées le 01/02/2029") && text.contains("La demande « Campus Abandonné »"),
        "{text}"
    );
    s.at("2029-01-20T09:00:00Z").await;
    assert_eq!(s.retention, json!({"warned": 0, "erased": 0}), "told once");
    let (_, before) = s.porteur.get(&path).await;
    assert_eq!(before["form"]["directeur_operationnel"], "Inès Perrin", "kept until the day");
    assert_eq!(before["retention"]["warned_at"], "2029-01-01T09:00:00Z");
    let page = crate::pages::Browser::login(&s.served.base, "porteur@example.fr").await;
    let (status, html) = page.get(&format!("/dossiers/{gone}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Ce dossier est clos : les données personnelles de ce dossier"), "{html}");
    assert!(html.contains("seront effacées le 01/02/2029"), "{html}");

    s.at("2029-02-01T09:00:00Z").await;
    assert_eq!(s.retention, json!({"warned": 0, "erased": 2}));
    let (status, after) = s.porteur.get(&path).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!((after["state"].as_str(), after["title"].as_str()), (Some("withdrawn"), Some("Campus Abandonné")));
    assert_eq!(after["form"]["filiere"], "chimie-biotechnologies", "a kept field");
    assert!(after["form"].get("directeur_operationnel").is_none(), "{after}");
    assert_eq!(after["partners"], json!([]), "{after}");
    assert_eq!(after["attachments"], json!([]), "{after}");
    assert_eq!(after["retention"]["erased_at"], "2029-02-01T09:00:00Z");
    let page = crate::pages::Browser::login(&s.served.base, "porteur@example.fr").await;
    let (_, html) = page.get(&format!("/dossiers/{gone}")).await;
    assert!(html.contains("Les données personnelles de ce dossier ont été effacées le 01/02/2029"), "{html}");
    assert!(!html.contains("Inès Perrin"), "{html}");
    assert_eq!(std::fs::read_dir(&stored).unwrap().count(), 0, "the file is deleted");
    // A crash between an erasure's commit and the deletion leaves the file
    // queued: the next pass deletes it.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let leftover = b"%PDF-1.4\n% left behind\n%%EOF\n";
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(leftover))
    };
    let left = s.served.data.path().join("attachments").join(&sha[..2]);
    std::fs::create_dir_all(&left).unwrap();
    std::fs::write(left.join(&sha), leftover).unwrap();
    sqlx::query("INSERT INTO file_erasures (sha256, queued_at) VALUES ($1, $2)")
        .bind(&sha)
        .bind(at(2029, 2, 1, 9, 0).timestamp_micros())
        .execute(&pool)
        .await
        .unwrap();
    s.at("2029-02-02T09:00:00Z").await;
    assert!(!left.join(&sha).exists(), "deleted at the next pass");
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM file_erasures").fetch_one(&pool).await.unwrap();
    assert_eq!(queued, 0);
    let (_, thread) = s.porteur.get(&format!("{path}/messages")).await;
    let bodies: Vec<&str> = thread.as_array().unwrap().iter().filter_map(|m| m["body"].as_str()).collect();
    assert_eq!(bodies, [""], "{thread}");
    let (_, trail) = s.admin.get(&format!("{path}/audit")).await;
    let trail = trail.as_array().unwrap().clone();
    assert_eq!(trail.last().unwrap()["action"], "erase_personal_data");
    let withdraw = trail.iter().find(|e| e["action"] == "withdraw").unwrap();
    assert_eq!((withdraw["erased"].as_bool(), &withdraw["data"]), (Some(true), &Value::Null));
    assert_eq!(withdraw["after"]["state"], "withdrawn", "the steps' states stay");

    // The label, two years after its end, with the dossier it came from.
    // It ended when the timer fired, on 10 June 2028 at 10:00 Paris.
    s.at("2030-05-10T07:59:59Z").await;
    assert_eq!(s.retention, json!({"warned": 0, "erased": 0}));
    s.at("2030-05-10T08:00:00Z").await;
    assert_eq!(s.retention, json!({"warned": 1, "erased": 0}));
    s.at("2030-06-10T08:00:00Z").await;
    assert_eq!(s.retention, json!({"warned": 0, "erased": 1}));
    let label = s.label(&l1).await;
    assert_eq!(label["status"], "expired");
    assert_eq!(label["retention"]["erased_at"], "2030-06-10T08:00:00Z");
    let (_, origin) = s.admin.get(&format!("/api/v1/dossiers/{d1}")).await;
    assert!(origin["form"].get("directeur_operationnel").is_none(), "{origin}");
    assert_eq!(origin["form"]["support_establishment"], "Lycée Ampère");
    s.at("2031-01-01T00:00:00Z").await;
    assert_eq!(s.retention, json!({"warned": 0, "erased": 0}), "erased once");
    assert_eq!(db.store.outbox_count("retention_warning").await.unwrap(), 3);

    let texts: Vec<(String,)> = sqlx::query_as(
        "SELECT before_json || after_json || data_json FROM audit UNION ALL SELECT body FROM dossier_messages \
         UNION ALL SELECT CAST(form AS TEXT) FROM dossiers UNION ALL SELECT CAST(form AS TEXT) FROM labels \
         UNION ALL SELECT context FROM outbox UNION ALL SELECT CAST(data AS TEXT) FROM dossier_records \
         UNION ALL SELECT comment FROM reviews",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (text,) in &texts {
        assert!(
            !text.contains("Perrin") && !text.contains("Morel") && !text.contains("06 12 34 56 78"),
            "left behind: {text}"
        );
        assert!(!text.contains("Bien."), "a review comment left behind: {text}");
    }
    pool.close().await;
    assert!(matches!(db.store.verify_audit().await.unwrap(), labelflow::store::audit::Verification::Intact { .. }));
}

on_both_backends!(
    what_ended_is_erased_after_its_retention,
    a_label_lives_six_years,
    a_missed_completion_deadline_makes_the_dossier_inadmissible,
    the_clock_refuses_to_go_back
);
