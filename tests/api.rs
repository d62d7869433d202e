//! The CMQ path through the JSON API of a real server on a loopback port.

mod common;

use common::*;
use serde_json::{json, Value};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

struct World {
    // Keeps the server running for the clients.
    _served: Served,
    admin: Client,
    porteur: Client,
    rectorat: Client,
    region: Client,
    rapporteur: Client,
    rapporteur2: Client,
    president: Client,
    outsider: Client,
    cast: Cast,
    campaign: String,
}

async fn world(db: &TestDb) -> World {
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let base = served.base.clone();
    let admin = Client::login(&base, "admin@example.fr").await;
    let (status, campaign) = admin
        .post(
            "/api/v1/campaigns",
            json!({"name": "Appel CMQ 2027", "workflow": "cmq", "opens_at": "2027-01-15", "closes_at": "2027-03-31T23:59"}),
        )
        .await;
    assert_eq!(status, 201, "{campaign}");
    assert_eq!(campaign["closes_at"], "2027-03-31T21:59:00Z", "Paris wall time stored as UTC");
    World {
        porteur: Client::login(&base, "porteur@example.fr").await,
        rectorat: Client::login(&base, "rectorat@ac-lyon.fr").await,
        region: Client::login(&base, "region@ara.fr").await,
        rapporteur: Client::login(&base, "rapporteur1@example.fr").await,
        rapporteur2: Client::login(&base, "rapporteur2@example.fr").await,
        president: Client::login(&base, "president@example.fr").await,
        outsider: Client::login(&base, "rectorat@ac-paris.fr").await,
        campaign: campaign["id"].as_str().unwrap().to_string(),
        admin,
        _served: served,
        cast,
    }
}

fn dossier_body(campaign: &str) -> Value {
    json!({
        "campaign_id": campaign, "title": "Campus Industrie du futur", "kind": "creation", "category": "excellence",
        "filiere": "Systèmes innovants, mécatronique", "region": "auvergne-rhone-alpes", "academies": ["Lyon"],
        "support_establishment": "Lycée La Martinière Monplaisir", "directeur_operationnel": "Claire Dubois"
    })
}

/// A dossier ready to submit: partners, endorsements. Returns its id.
async fn prepared(w: &World) -> String {
    let (status, d) = w.porteur.post("/api/v1/dossiers", dossier_body(&w.campaign)).await;
    assert_eq!(status, 201, "{d}");
    assert_eq!((d["state"].as_str(), d["version"].as_i64()), (Some("draft"), Some(1)));
    assert_eq!((d["filiere"].as_str(), d["region"].as_str()), (Some("systemes-innovants-mecatronique"), Some("ARA")));
    let id = d["id"].as_str().unwrap().to_string();
    for (name, kind) in
        [("Lycée La Martinière Monplaisir", "eple"), ("Université Lyon 1", "Université"), ("Michelin", "entreprise")]
    {
        let (status, p) =
            w.porteur.post(&format!("/api/v1/dossiers/{id}/partners"), json!({"name": name, "type": kind})).await;
        assert_eq!(status, 201, "{p}");
    }
    w.rectorat.event(&id, json!({"event": "endorse"}), 200).await;
    w.region.event(&id, json!({"event": "endorse"}), 200).await;
    id
}

fn scores(value: i64) -> Value {
    Value::Object(cmq().grid.criteria.iter().map(|c| (c.code.clone(), json!(value))).collect())
}

async fn reviewed(w: &World) -> String {
    let id = prepared(w).await;
    w.porteur.event(&id, json!({"event": "submit"}), 200).await;
    for body in ["crefop", "conseil_academique"] {
        w.region
            .event(
                &id,
                json!({"event": "record_opinion", "body": body, "opinion": "favorable", "date": "2027-04-02"}),
                200,
            )
            .await;
    }
    w.rectorat.event(&id, json!({"event": "declare_admissible"}), 200).await;
    for r in [&w.cast.rapporteur, &w.cast.rapporteur2] {
        let user = r.user_id.unwrap().to_string();
        w.president.event(&id, json!({"event": "assign_reviewer", "user_id": user, "due": "2027-05-15"}), 200).await;
    }
    for r in [&w.rapporteur, &w.rapporteur2] {
        r.event(&id, json!({"event": "submit_review", "scores": scores(4), "comment": "Très solide."}), 200).await;
    }
    id
}

async fn full_path_to_an_excellence_label(db: &TestDb) {
    let w = world(db).await;
    let id = prepared(&w).await;

    // Content: self-assessment and an attachment with its checksum.
    let (status, d) = w
        .porteur
        .put(
            &format!("/api/v1/dossiers/{id}/self-assessment"),
            json!({"c01_diagnostic": "Diagnostic partagé avec la branche."}),
        )
        .await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["self_assessment"]["c01_diagnostic"], "Diagnostic partagé avec la branche.");
    let (status, a) = w
        .porteur
        .raw(
            reqwest::Method::POST,
            &format!("/api/v1/dossiers/{id}/attachments?name=dossier.pdf&kind=dossier"),
            "application/pdf",
            PDF.to_vec(),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    let expected_sum = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(PDF))
    };
    assert_eq!(a["sha256"], expected_sum.as_str());
    let (status, bytes) = w.rectorat.bytes(&format!("/api/v1/attachments/{}", a["id"].as_str().unwrap())).await;
    assert_eq!((status, bytes.as_slice()), (200, PDF));

    let out = w.porteur.event(&id, json!({"event": "submit"}), 200).await;
    assert_eq!(out["state"], "submitted");
    let err = w.rectorat.event(&id, json!({"event": "declare_admissible"}), 422).await;
    assert_eq!(err["error"]["code"], "opinions_missing");
    for body in ["crefop", "conseil_academique"] {
        w.region
            .event(
                &id,
                json!({"event": "record_opinion", "body": body, "opinion": "favorable", "date": "2027-04-02"}),
                200,
            )
            .await;
    }
    w.rectorat.event(&id, json!({"event": "declare_admissible"}), 200).await;

    let conflicted = w.cast.conflicted.user_id.unwrap().to_string();
    let err = w
        .president
        .event(&id, json!({"event": "assign_reviewer", "user_id": conflicted, "due": "2027-05-15"}), 422)
        .await;
    assert_eq!(err["error"]["code"], "conflict_of_interest");
    for r in [&w.cast.rapporteur, &w.cast.rapporteur2] {
        let user = r.user_id.unwrap().to_string();
        w.president.event(&id, json!({"event": "assign_reviewer", "user_id": user, "due": "2027-05-15"}), 200).await;
    }

    // A rapporteur sees the dossier once assigned, and others' reviews only after their own.
    let (status, _) = w.rapporteur.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(status, 200);
    w.rapporteur2
        .event(&id, json!({"event": "submit_review", "scores": scores(4), "comment": "Ambition nationale."}), 200)
        .await;
    let (_, seen) = w.rapporteur.get(&format!("/api/v1/dossiers/{id}/reviews")).await;
    assert_eq!(seen, json!([]), "nothing before one's own review");
    let out = w
        .rapporteur
        .event(&id, json!({"event": "submit_review", "scores": scores(4), "comment": "Très solide."}), 200)
        .await;
    assert_eq!(out["state"], "reviewed");
    let (_, seen) = w.rapporteur.get(&format!("/api/v1/dossiers/{id}/reviews")).await;
    assert_eq!(seen.as_array().unwrap().len(), 2);
    assert!(seen[0]["reviewer_id"].is_string());
    let (_, seen) = w.porteur.get(&format!("/api/v1/dossiers/{id}/reviews")).await;
    assert_eq!(seen, json!([]), "owners see no review before the decision");

    let out = w
        .president
        .event(&id, json!({"event": "decide", "outcome": "labelled", "category": "excellence", "years": 5, "motivation": "Campus d'excellence."}), 200)
        .await;
    assert_eq!(out["state"], "labelled");
    let label = out["label_id"].as_str().expect("label created").to_string();

    let (_, seen) = w.porteur.get(&format!("/api/v1/dossiers/{id}/reviews")).await;
    assert_eq!(seen.as_array().unwrap().len(), 2, "owners see the reviews after the decision");
    assert!(seen[0]["reviewer_id"].is_null(), "but not who wrote them: {seen}");
    let (_, d) = w.porteur.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(d["decision"]["motivation"], "Campus d'excellence.");
    assert_eq!(d["label_id"], label.as_str());

    let (status, l) = w.porteur.get(&format!("/api/v1/labels/{label}")).await;
    assert_eq!(status, 200, "{l}");
    assert_eq!((l["category"].as_str(), l["status"].as_str()), (Some("excellence"), Some("active")));
    assert_eq!((l["valid_from"].as_str(), l["valid_until"].as_str()), (Some("2027-02-01"), Some("2032-01-31")));
    assert_eq!(l["academies"], json!(["LYON"]));
    for (query, expected) in [
        ("?region=ARA", 1),
        ("?region=Bretagne", 0),
        ("?academie=lyon&category=excellence", 1),
        ("?status=active&filiere=systemes-innovants-mecatronique", 1),
        ("?expiring_before=2032-01-31", 0),
        ("?expiring_before=2032-02-01", 1),
    ] {
        let (status, list) = w.rectorat.get(&format!("/api/v1/labels{query}")).await;
        assert_eq!(status, 200, "{query}: {list}");
        assert_eq!(list.as_array().unwrap().len(), expected, "{query}");
    }
    let (_, list) = w.outsider.get("/api/v1/labels").await;
    assert_eq!(list, json!([]), "staff of another académie see none of it");

    let (status, trail) = w.rectorat.get(&format!("/api/v1/dossiers/{id}/audit")).await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = trail.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in ["create", "add_partner", "self_assessment", "add_attachment", "endorse", "submit", "decide"] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
    let (status, trail) = w.president.get(&format!("/api/v1/labels/{label}/audit")).await;
    assert_eq!(status, 200);
    assert_eq!(trail[0]["action"], "create");
    let (status, _) = w.porteur.get(&format!("/api/v1/dossiers/{id}/audit")).await;
    assert_eq!(status, 403, "the trail names rapporteurs: not for owners");
    drop(w.admin);
}

async fn concurrent_decisions_one_wins(db: &TestDb) {
    let w = world(db).await;
    let id = reviewed(&w).await;
    let (_, d) = w.president.get(&format!("/api/v1/dossiers/{id}")).await;
    let version = d["version"].as_i64().unwrap();
    let decide = |outcome: &str| {
        json!({"event": "decide", "outcome": outcome, "category": "standard", "years": 3,
        "motivation": "Décision du comité.", "version": version})
    };
    let path = format!("/api/v1/dossiers/{id}/events");
    let (a, b) = tokio::join!(w.president.post(&path, decide("labelled")), w.president.post(&path, decide("rejected")));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let loser = if a.0 == 409 { &a.1 } else { &b.1 };
    assert!(["stale_version", "wrong_state"].contains(&loser["error"]["code"].as_str().unwrap()), "{loser}");
    let (_, d) = w.president.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(d["version"].as_i64(), Some(version + 1), "exactly one decision applied");
}

on_both_backends!(full_path_to_an_excellence_label, concurrent_decisions_one_wins);
