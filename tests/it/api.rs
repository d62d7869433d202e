//! The CMQ path through the JSON API of a real server on a loopback port.

use crate::common::*;
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
    ministeres: Client,
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
        ministeres: Client::login(&base, "ministeres@example.fr").await,
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

/// A dossier ready to submit: partners, opinions, endorsements. Returns
/// its id.
async fn prepared(w: &World) -> String {
    let (status, d) = w.porteur.post("/api/v1/dossiers", dossier_body(&w.campaign)).await;
    assert_eq!(status, 201, "{d}");
    assert_eq!((d["state"].as_str(), d["version"].as_i64()), (Some("draft"), Some(1)));
    assert_eq!((d["filiere"].as_str(), d["region"].as_str()), (Some("systemes-innovants-mecatronique"), Some("ARA")));
    // The same values, as codes, in the form document.
    assert_eq!(d["form"]["filiere"], "systemes-innovants-mecatronique");
    assert_eq!(d["form"]["academies"], json!(["LYON"]));
    let id = d["id"].as_str().unwrap().to_string();
    for (name, kind) in
        [("Lycée La Martinière Monplaisir", "eple"), ("Université Lyon 1", "Université"), ("Michelin", "entreprise")]
    {
        let (status, p) =
            w.porteur.post(&format!("/api/v1/dossiers/{id}/partners"), json!({"name": name, "type": kind})).await;
        assert_eq!(status, 201, "{p}");
    }
    // A change through `form` shows at the top level too; the partners
    // are items of the form's group, with their ids.
    let (status, d) = w
        .porteur
        .patch(&format!("/api/v1/dossiers/{id}"), json!({"form": {"directeur_operationnel": "Claire Martin"}}))
        .await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(
        (d["directeur_operationnel"].as_str(), d["form"]["directeur_operationnel"].as_str()),
        (Some("Claire Martin"), Some("Claire Martin"))
    );
    let types: Vec<&str> =
        d["form"]["partners"].as_array().unwrap().iter().filter_map(|p| p["type"].as_str()).collect();
    assert_eq!(types, ["eple", "universite", "entreprise"]);
    assert_eq!(d["partners"][1]["id"], d["form"]["partners"][1]["id"]);
    // The CREFOP's and the CAEN's opinions come before the presentation.
    let err = w.rectorat.event(&id, json!({"event": "endorse"}), 422).await;
    assert_eq!(err["error"]["code"], "opinions_missing");
    for body in ["crefop", "conseil_academique"] {
        let opinion = json!({"event": "record_opinion", "body": body, "opinion": "favorable", "date": "2027-01-20"});
        w.region.event(&id, opinion, 200).await;
    }
    w.rectorat.event(&id, json!({"event": "endorse"}), 200).await;
    w.region.event(&id, json!({"event": "endorse"}), 200).await;
    id
}

/// The national expert group's favourable avis: the dossier awaits the
/// ministers' arrêté.
async fn avis(w: &World, id: &str, category: &str, years: i64) {
    let avis = json!({"event": "give_avis", "avis": "favorable", "category": category, "years": years,
        "motivation": "Avis favorable du groupe national d'experts."});
    let out = w.president.event(id, avis, 200).await;
    assert_eq!(out["state"], "avis_given");
}

fn scores(value: i64) -> Value {
    Value::Object(cmq().grid.criteria.iter().map(|c| (c.code.clone(), json!(value))).collect())
}

async fn reviewed(w: &World) -> String {
    let id = prepared(w).await;
    w.porteur.event(&id, json!({"event": "submit"}), 200).await;
    w.ministeres.event(&id, json!({"event": "declare_admissible"}), 200).await;
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
    // While the dossier is editable its owner replaces and removes files:
    // each change audited, the former file named by the trail.
    let other_pdf = [PDF, b"\n% v2\n".as_slice()].concat();
    let (status, b) = w
        .porteur
        .raw(
            reqwest::Method::POST,
            &format!("/api/v1/dossiers/{id}/attachments?name=brouillon.pdf"),
            "application/pdf",
            PDF.to_vec(),
        )
        .await;
    assert_eq!(status, 201, "{b}");
    let b_path = format!("/api/v1/attachments/{}", b["id"].as_str().unwrap());
    let (status, replaced) = w
        .porteur
        .raw(reqwest::Method::PUT, &format!("{b_path}?name=version-2.pdf"), "application/pdf", other_pdf.clone())
        .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!((replaced["id"].as_str(), replaced["file_name"].as_str()), (b["id"].as_str(), Some("version-2.pdf")));
    assert_ne!(replaced["sha256"], b["sha256"]);
    let (status, bytes) = w.porteur.bytes(&b_path).await;
    assert_eq!((status, bytes), (200, other_pdf));
    assert_eq!(w.rectorat.delete(&b_path).await.0, 403, "not the rectorat's to change while a draft");
    assert_eq!(w.porteur.delete(&b_path).await.0, 204);
    assert_eq!(w.porteur.get(&b_path).await.0, 404);
    let (_, trail) = w.rectorat.get(&format!("/api/v1/dossiers/{id}/audit")).await;
    let actions: Vec<&str> = trail.as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.ends_with(&["add_attachment", "replace_attachment", "remove_attachment"]), "{actions:?}");
    let removed = trail.as_array().unwrap().last().unwrap();
    assert_eq!(removed["before"]["file_name"], "version-2.pdf", "{removed}");

    let out = w.porteur.event(&id, json!({"event": "submit"}), 200).await;
    assert_eq!(out["state"], "submitted");
    let a_path = format!("/api/v1/attachments/{}", a["id"].as_str().unwrap());
    assert_eq!(w.porteur.delete(&a_path).await.0, 403, "submitted: its files are no longer the owner's to change");
    // Admissibility is the ministries': the regional staff who presented it
    // do not declare it.
    let err = w.rectorat.event(&id, json!({"event": "declare_admissible"}), 403).await;
    assert_eq!(err["error"]["code"], "forbidden");
    w.ministeres.event(&id, json!({"event": "declare_admissible"}), 200).await;

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

    // The expert group gives its avis, the ministers' arrêté decides.
    let early = json!({"event": "decide", "outcome": "labelled", "motivation": "x"});
    let err = w.ministeres.event(&id, early, 409).await;
    assert_eq!(err["error"]["code"], "wrong_state", "no arrêté before the avis");
    avis(&w, &id, "excellence", 5).await;
    let decide = json!({"event": "decide", "outcome": "labelled", "category": "excellence", "years": 5, "motivation": "Campus d'excellence."});
    let err = w.president.event(&id, decide.clone(), 403).await;
    assert_eq!(err["error"]["code"], "forbidden", "the expert group advises, the ministers decide");
    let out = w.ministeres.event(&id, decide, 200).await;
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
    let (status, csv_bytes) = w.rectorat.bytes(&format!("/api/v1/dossiers/{id}/audit?format=csv")).await;
    assert_eq!(status, 200);
    let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["seq", "at", "actor", "on_behalf_of", "action", "before", "after", "data", "hash", "redacted"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), actions.len(), "one CSV row per entry");
    assert_eq!(&rows[0][4], "create");
    assert!(serde_json::from_str::<Value>(&rows[0][6]).is_ok(), "JSON columns stay JSON");
    let (status, err) = w.rectorat.get(&format!("/api/v1/dossiers/{id}/audit?format=xml")).await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("format")));
    drop(w.admin);
}

/// Before the decision, the audit trail tells staff in scope nothing the
/// reviews would not: who reviews, their scores and comments are withheld
/// (JSON and CSV alike), and so are the reviewers' deadlines; the entries
/// stay, and their hashes. After it, reviews show anonymised.
async fn reviews_stay_out_of_the_audit_trail_until_the_decision(db: &TestDb) {
    let w = world(db).await;
    let id = prepared(&w).await;
    w.porteur.event(&id, json!({"event": "submit"}), 200).await;
    w.ministeres.event(&id, json!({"event": "declare_admissible"}), 200).await;
    let reviewers: Vec<String> =
        [&w.cast.rapporteur, &w.cast.rapporteur2].iter().map(|r| r.user_id.unwrap().to_string()).collect();
    for user in &reviewers {
        w.president.event(&id, json!({"event": "assign_reviewer", "user_id": user, "due": "2027-05-15"}), 200).await;
    }
    let comment = "Gouvernance fragile, à revoir.";
    w.rapporteur.event(&id, json!({"event": "submit_review", "scores": scores(2), "comment": comment}), 200).await;

    let audit = format!("/api/v1/dossiers/{id}/audit");
    let (_, full) = w.president.get(&audit).await;
    assert!(full.to_string().contains(&reviewers[0]) && full.to_string().contains(comment), "the president sees all");
    for staff in [&w.rectorat, &w.region] {
        let (status, trail) = staff.get(&audit).await;
        assert_eq!(status, 200);
        let text = trail.to_string();
        for secret in [reviewers[0].as_str(), reviewers[1].as_str(), comment] {
            assert!(!text.contains(secret), "`{secret}` leaks through the trail: {text}");
        }
        let entries = trail.as_array().unwrap();
        assert_eq!(entries.len(), full.as_array().unwrap().len(), "every entry stays");
        let review = entries.iter().find(|e| e["action"] == "submit_review").expect("the review's entry");
        assert_eq!((review["actor"].as_str(), review["redacted"].as_bool()), (Some("hidden"), Some(true)));
        assert!(review["data"].is_null() && review["hash"].as_str().is_some_and(|h| h.len() == 64), "{review}");
        let (status, csv) = staff.bytes(&format!("{audit}?format=csv")).await;
        assert_eq!(status, 200);
        let csv = String::from_utf8(csv).unwrap();
        for secret in [reviewers[0].as_str(), reviewers[1].as_str(), comment] {
            assert!(!csv.contains(secret), "`{secret}` leaks through the CSV trail");
        }
    }
    // The reviewers' deadlines: not for owners; a reviewer sees their own.
    let timers = format!("/api/v1/dossiers/{id}/timers");
    let names = |v: &Value| -> Vec<String> {
        v.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_string()).collect()
    };
    let (_, all) = w.president.get(&timers).await;
    assert_eq!(names(&all).iter().filter(|n| n.starts_with("review")).count(), 6, "{all}");
    let (_, owners) = w.porteur.get(&timers).await;
    assert!(!names(&owners).iter().any(|n| n.starts_with("review")), "{owners}");
    let (_, own) = w.rapporteur2.get(&timers).await;
    let own: Vec<&Value> =
        own.as_array().unwrap().iter().filter(|t| t["name"].as_str().unwrap().starts_with("review")).collect();
    assert_eq!(own.len(), 3, "only their own: {own:?}");
    assert!(own.iter().all(|t| t["status"] == "pending"), "the other reviewer's cancelled ones stay hidden");
    let reviews_due = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .filter(|d| d["entity_id"] == id.as_str() && d["timer"].as_str().unwrap().starts_with("review"))
            .count()
    };
    let soon = "/api/v1/deadlines?days=366";
    assert_eq!(reviews_due(&w.president.get(soon).await.1), 3, "the pending reviewer's three");
    assert_eq!(reviews_due(&w.porteur.get(soon).await.1), 0, "owners learn nothing of the reviewers");
    assert_eq!(reviews_due(&w.rectorat.get(soon).await.1), 0, "nor staff");
    assert_eq!(reviews_due(&w.rapporteur2.get(soon).await.1), 3, "a reviewer sees their own");
    assert_eq!(reviews_due(&w.rapporteur.get(soon).await.1), 0, "and not the other's");

    w.rapporteur2.event(&id, json!({"event": "submit_review", "scores": scores(3), "comment": "Bien."}), 200).await;
    avis(&w, &id, "standard", 3).await;
    let decide = json!({"event": "decide", "outcome": "labelled", "category": "standard", "years": 3,
        "motivation": "Campus labellisé."});
    w.ministeres.event(&id, decide, 200).await;
    let (_, trail) = w.rectorat.get(&audit).await;
    let text = trail.to_string();
    assert!(!text.contains(&reviewers[0]) && !text.contains(&reviewers[1]), "anonymised after the decision: {text}");
    assert!(text.contains(comment), "the reviews themselves show after the decision");
}

/// Findings of the abuse review, each closed: a moved dossier loses its
/// endorsements, formulas never reach a spreadsheet, type errors name the
/// field, dates are of a plausible year, accounts are validated, security
/// headers are sent.
async fn abuse_findings_stay_closed(db: &TestDb) {
    let w = world(db).await;
    let id = prepared(&w).await;
    let path = format!("/api/v1/dossiers/{id}");
    let (_, d) = w.porteur.get(&path).await;
    assert!(d["endorsements"]["rectorat"].is_string() && d["endorsements"]["region"].is_string(), "{d}");
    // Moved to another territory: the old endorsements go, audited.
    let body = json!({"version": d["version"], "region": "IDF", "academies": ["PARIS"]});
    let (status, moved) = w.porteur.patch(&path, body).await;
    assert_eq!(status, 200, "{moved}");
    let (_, d) = w.porteur.get(&path).await;
    assert_eq!(d["endorsements"], json!({"rectorat": null, "region": null}), "{d}");
    let (status, err) = w.porteur.post(&format!("{path}/events"), json!({"event": "submit"})).await;
    assert_eq!(status, 422, "no submission without the new territory's endorsements: {err}");
    let (_, trail) = w.admin.get(&format!("{path}/audit")).await;
    let update = trail.as_array().unwrap().iter().rev().find(|e| e["action"] == "update").unwrap().clone();
    assert!(update["before"]["endorsements"]["rectorat"]["at"].is_string(), "{update}");
    assert_eq!(update["after"]["endorsements"], json!({}));

    // A formula as a title: intact in JSON, neutralised in every CSV.
    let title = "=HYPERLINK(\"http://evil.example\",\"clic\")";
    let (_, d) = w.porteur.get(&path).await;
    let (status, _) = w.porteur.patch(&path, json!({"version": d["version"], "title": title})).await;
    assert_eq!(status, 200);
    assert_eq!(w.porteur.get(&path).await.1["title"], title);
    let (_, csv) = w.admin.bytes(&format!("{path}/audit?format=csv")).await;
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    for row in reader.records() {
        for cell in row.unwrap().iter() {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "a formula reaches the spreadsheet: {cell}");
        }
    }
    let (status, err) = w.porteur.patch(&path, json!({"version": 99, "title": "\t=1+1"})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("title")), "control characters: {err}");

    // A type error names the field, never the value sent.
    let (status, err) = w.porteur.post("/api/v1/dossiers", json!({"campaign_id": w.campaign, "title": 123})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (400, Some("title")), "{err}");

    // Dates of years no one means.
    for opens in ["0000-01-01", "10000-01-01", "0999-12-31T10:00:00Z"] {
        let body = json!({"name": "Appel", "workflow": "cmq", "opens_at": opens, "closes_at": "2027-12-31"});
        let (status, err) = w.admin.post("/api/v1/campaigns", body).await;
        assert_eq!((status, err["error"]["field"].as_str()), (422, Some("opens_at")), "{opens}: {err}");
    }
    let (status, err) = w.admin.get("/api/v1/labels?expiring_before=0000-01-01").await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("expiring_before")), "{err}");

    // Accounts: addresses, scopes and affiliations checked.
    let account = |email: &str, name: &str, affiliation: &str| {
        json!({"email": email, "name": name, "role": "rapporteur", "scope": "", "affiliations": [affiliation],
            "password": "un-mot-de-passe-solide"})
    };
    for (body, field) in [
        (account("<script>@x.fr", "Jean", "org:CCI"), "email"),
        (account("jean@x.fr", "Jean\r\nBcc: x", "org:CCI"), "name"),
        (account("jean@x.fr", "Jean", "academie:*"), "affiliations"),
        (account("jean@x.fr", "Jean", &format!("org:{}", "x".repeat(1000))), "affiliations"),
    ] {
        let (status, err) = w.admin.post("/api/v1/admin/users", body).await;
        assert_eq!((status, err["error"]["field"].as_str()), (422, Some(field)), "{err}");
    }
    let (status, made) =
        w.admin.post("/api/v1/admin/users", account("Jean.Dupont@x.fr", "Jean", "academie:lyon")).await;
    assert_eq!(status, 201, "{made}");

    // Security headers, on the API and on pages.
    for url in [format!("{}/api/v1/reference/regions", w.admin.base), format!("{}/connexion", w.admin.base)] {
        let r = reqwest::get(&url).await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{csp}");
        assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
        assert!(h.get("strict-transport-security").is_none(), "no HSTS over plain http");
    }
}

async fn concurrent_decisions_one_wins(db: &TestDb) {
    let w = world(db).await;
    let id = reviewed(&w).await;
    avis(&w, &id, "standard", 3).await;
    let (_, d) = w.president.get(&format!("/api/v1/dossiers/{id}")).await;
    let version = d["version"].as_i64().unwrap();
    let decide = |outcome: &str| {
        json!({"event": "decide", "outcome": outcome, "category": "standard", "years": 3,
        "motivation": "Décision du comité.", "version": version})
    };
    let path = format!("/api/v1/dossiers/{id}/events");
    let (a, b) =
        tokio::join!(w.ministeres.post(&path, decide("labelled")), w.ministeres.post(&path, decide("rejected")));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let loser = if a.0 == 409 { &a.1 } else { &b.1 };
    assert!(["stale_version", "wrong_state"].contains(&loser["error"]["code"].as_str().unwrap()), "{loser}");
    let (_, d) = w.president.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(d["version"].as_i64(), Some(version + 1), "exactly one decision applied");
}

/// API tokens: a machine acts as its person, narrowed to reading or to
/// one territory, until the token expires or is revoked; only a person's
/// session makes tokens; the token is shown once and never audited.
async fn api_tokens_narrow_and_end(db: &TestDb) {
    let w = world(db).await;
    let base = w.porteur.base.clone();
    let id = prepared(&w).await; // a draft in LYON
    let email = "deux-academies@example.fr";
    let two = user(
        &db.store,
        email,
        &[("staff_rectorat", Some("academie:LYON")), ("staff_rectorat", Some("academie:PARIS"))],
        &[],
    )
    .await;
    let person = Client::login(&base, email).await;
    let make = |body: Value| {
        let person = person.clone();
        async move { person.post("/api/v1/tokens", body).await }
    };

    // Refused inputs, every one named.
    let (status, err) =
        make(json!({"name": " ", "access": "admin", "expires_in_days": 400, "scope": "academie:MARSEILLE"})).await;
    assert_eq!(status, 422, "{err}");
    let fields: Vec<&str> =
        err["error"]["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "access", "expires_in_days", "scope"], "{err}");
    let (status, err) = make(json!({"name": "x", "access": "read", "user_id": w.cast.porteur.user_id})).await;
    assert_eq!((status, err["error"]["code"].as_str()), (403, Some("forbidden")), "{err}");

    let (status, read) = make(json!({"name": "tableau régional", "access": "read"})).await;
    assert_eq!(status, 201, "{read}");
    let token = read["token"].as_str().unwrap();
    assert!(token.starts_with("lft_") && token.len() == 68, "{token}");
    assert_eq!((read["access"].as_str(), read["last_used_at"].as_str()), (Some("read"), None));
    let reader = Client::with_token(&base, token);
    assert_eq!(reader.get(&format!("/api/v1/dossiers/{id}")).await.0, 200);
    let (status, err) = reader.post(&format!("/api/v1/dossiers/{id}/events"), json!({"event": "endorse"})).await;
    assert_eq!((status, err["error"]["code"].as_str()), (403, Some("read_only_token")), "{err}");
    let (_, listed) = person.get("/api/v1/tokens").await;
    assert!(listed[0]["last_used_at"].is_string(), "its last use is shown: {listed}");
    assert!(listed[0].get("token").is_none(), "never the token again: {listed}");

    // Narrowed to PARIS, the LYON dossier is out of sight, in lists too.
    let (status, paris) = make(json!({"name": "Paris", "access": "write", "scope": "academie:PARIS"})).await;
    assert_eq!(status, 201, "{paris}");
    let in_paris = Client::with_token(&base, paris["token"].as_str().unwrap());
    assert_eq!(in_paris.get(&format!("/api/v1/dossiers/{id}")).await.0, 404);
    let (status, list) = in_paris.get("/api/v1/dossiers").await;
    assert_eq!((status, list.as_array().map(Vec::len)), (200, Some(0)), "{list}");
    let (status, list) = reader.get("/api/v1/dossiers").await;
    assert_eq!((status, list.as_array().map(Vec::len)), (200, Some(1)), "unnarrowed, it sees LYON's: {list}");
    // Who the caller is says what it acts as: the token's territory alone.
    let (_, me) = in_paris.get("/api/v1/me").await;
    assert_eq!(me["roles"], json!(["staff_rectorat@academie:PARIS"]), "{me}");
    let (_, me) = reader.get("/api/v1/me").await;
    assert_eq!(me["roles"].as_array().map(Vec::len), Some(2), "{me}");

    // A token makes no token and changes no password.
    for (path, body) in [
        ("/api/v1/tokens", json!({"name": "encore", "access": "write"})),
        ("/api/v1/me/password", json!({"current": PASSWORD, "new": "un-autre-mot-de-passe"})),
    ] {
        let (status, err) = in_paris.post(path, body).await;
        assert_eq!((status, err["error"]["code"].as_str()), (403, Some("session_required")), "{path}: {err}");
    }

    // Someone else cannot revoke it; its owner can; then it is refused.
    let read_id = read["id"].as_str().unwrap();
    assert_eq!(w.porteur.delete(&format!("/api/v1/tokens/{read_id}")).await.0, 404);
    assert_eq!(person.delete(&format!("/api/v1/tokens/{read_id}")).await.0, 204);
    assert_eq!(reader.get(&format!("/api/v1/dossiers/{id}")).await.0, 401);

    // An administrator sees every token and makes one for someone.
    let (_, all) = w.admin.get("/api/v1/tokens?all=true").await;
    assert_eq!(all.as_array().unwrap().len(), 2, "{all}");
    let (_, mine) = person.get("/api/v1/tokens?all=true").await;
    assert_eq!(mine.as_array().unwrap().len(), 2, "a person's `all` is their own");
    let (status, relay) = w
        .admin
        .post(
            "/api/v1/tokens",
            json!({"name": "relais", "access": "read", "user_id": two.user_id, "expires_in_days": 1}),
        )
        .await;
    assert_eq!(status, 201, "{relay}");
    assert!(relay["expires_at"].as_str().unwrap().starts_with("2027-02-02T09:00"), "{relay}");
    let relay = Client::with_token(&base, relay["token"].as_str().unwrap());
    assert_eq!(relay.get(&format!("/api/v1/dossiers/{id}")).await.0, 200, "it acts as the account it names");

    // Past its end, a token is refused.
    w._served.clock.set(at(2027, 2, 2, 9, 1));
    assert_eq!(relay.get(&format!("/api/v1/dossiers/{id}")).await.0, 401);

    // The owner's audit chain records each token made and revoked, never
    // the token nor its hash.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, data_json FROM audit WHERE entity = 'user' AND entity_id = $1 AND action LIKE '%api_token' ORDER BY seq",
    )
    .bind(two.user_id.unwrap().to_string())
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(actions, ["create_api_token", "create_api_token", "revoke_api_token", "create_api_token"]);
    let hash = labelflow::app::accounts::token_hash(token);
    assert!(rows.iter().all(|r| !r.1.contains(token) && !r.1.contains(&hash)), "{rows:?}");
}

/// A token narrowed to some workflows sees and acts on their calls,
/// dossiers and labels alone, and administers nothing server-wide.
async fn api_tokens_narrowed_to_workflows(db: &TestDb) {
    let w = world(db).await;
    let base = w.porteur.base.clone();
    let id = prepared(&w).await; // a CMQ draft in LYON
    let (status, call) = w
        .admin
        .post(
            "/api/v1/campaigns",
            json!({"name": "Appel LdM 2027", "workflow": "ldm", "territory": "LYON", "opens_at": "2027-01-15",
                   "closes_at": "2027-03-31T23:59"}),
        )
        .await;
    assert_eq!(status, 201, "{call}");

    // Each unknown workflow named, with the ones there are.
    let (status, err) =
        w.admin.post("/api/v1/tokens", json!({"name": "x", "access": "read", "workflows": ["cmq", "nope"]})).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["field"], "workflows[1]", "{err}");
    assert!(err.to_string().contains("ldm"), "{err}");
    let (status, err) = w.admin.post("/api/v1/tokens", json!({"name": "x", "access": "read", "workflows": []})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("workflows")), "{err}");

    // An administrator's token narrowed to the LdM: no CMQ dossier nor
    // call, and no server-wide administration.
    let (status, made) =
        w.admin.post("/api/v1/tokens", json!({"name": "LdM", "access": "write", "workflows": ["ldm"]})).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["workflows"], json!(["ldm"]));
    let ldm = Client::with_token(&base, made["token"].as_str().unwrap());
    assert_eq!(ldm.get(&format!("/api/v1/dossiers/{id}")).await.0, 404);
    let (status, list) = ldm.get("/api/v1/dossiers").await;
    assert_eq!((status, list.as_array().map(Vec::len)), (200, Some(0)), "{list}");
    let (_, calls) = ldm.get("/api/v1/campaigns").await;
    let names: Vec<&str> = calls.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Appel LdM 2027"], "{calls}");
    let (status, _) = ldm.get(&format!("/api/v1/dossiers/{id}/audit")).await;
    assert_eq!(status, 404);
    for path in ["/api/v1/admin/users", "/api/v1/webhooks", "/api/v1/admin/mail/dead"] {
        assert_eq!(ldm.get(path).await.0, 403, "{path} is server-wide");
    }
    let (status, err) = ldm
        .post(
            "/api/v1/campaigns",
            json!({"name": "x", "workflow": "cmq", "opens_at": "2027-01-15", "closes_at": "2027-03-31T23:59"}),
        )
        .await;
    assert_eq!(status, 403, "{err}");
    // Unnarrowed, the same account sees both.
    let (_, calls) = w.admin.get("/api/v1/campaigns").await;
    assert_eq!(calls.as_array().unwrap().len(), 2, "{calls}");

    // A project owner's token for the CMQ works on their CMQ dossier; one
    // for the LdM neither sees it, nor steps it, nor files in its call.
    let (_, made) =
        w.porteur.post("/api/v1/tokens", json!({"name": "CMQ", "access": "write", "workflows": ["cmq"]})).await;
    let cmq = Client::with_token(&base, made["token"].as_str().unwrap());
    assert_eq!(cmq.get(&format!("/api/v1/dossiers/{id}")).await.0, 200);
    let (_, list) = cmq.get("/api/v1/dossiers").await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let (_, made) =
        w.porteur.post("/api/v1/tokens", json!({"name": "LdM", "access": "write", "workflows": ["ldm"]})).await;
    let elsewhere = Client::with_token(&base, made["token"].as_str().unwrap());
    let (status, err) = elsewhere.post(&format!("/api/v1/dossiers/{id}/events"), json!({"event": "submit"})).await;
    assert_eq!(status, 404, "{err}");
    let (status, err) = elsewhere.post("/api/v1/dossiers", dossier_body(&w.campaign)).await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("campaign_id")), "{err}");
    let (_, mine) = w.porteur.get("/api/v1/tokens").await;
    assert!(mine.as_array().unwrap().iter().any(|t| t["workflows"] == json!(["ldm"])), "{mine}");
    let (_, labels) = elsewhere.get("/api/v1/labels").await;
    assert_eq!(labels.as_array().map(Vec::len), Some(0), "{labels}");
}

/// An administrator erases an account's personal data on request: gone
/// from the account, the messages, the e-mails and the audit values, while
/// `audit verify` still passes; a value changed or erased behind the
/// trail's back is still caught.
async fn an_account_is_erased_and_the_trail_still_verifies(db: &TestDb) {
    let w = world(db).await;
    let id = prepared(&w).await;
    let secret = "Joignez-moi au 06 12 34 56 78, Camille Porteur";
    let (status, _) = w.porteur.post(&format!("/api/v1/dossiers/{id}/messages"), json!({"body": secret})).await;
    assert_eq!(status, 201);
    let porteur = w.cast.porteur.user_id.unwrap();
    let admin = w.cast.admin.user_id.unwrap();
    let path = format!("/api/v1/admin/users/{porteur}/erase");
    assert_eq!(w.rectorat.post(&path, json!({})).await.0, 403);
    let (status, err) = w.admin.post(&format!("/api/v1/admin/users/{admin}/erase"), json!({})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("id")), "{err}");

    let (status, done) = w.admin.post(&path, json!({})).await;
    assert_eq!(status, 200, "{done}");
    assert!(done["erased_entries"].as_i64().unwrap() >= 3, "{done}");
    assert_eq!(done["kept_entries"], 0, "{done}");
    assert!(matches!(db.store.verify_audit().await.unwrap(), labelflow::store::audit::Verification::Intact { .. }));

    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let texts: Vec<(String,)> = sqlx::query_as(
        "SELECT before_json || after_json || data_json FROM audit UNION ALL SELECT body FROM dossier_messages \
         UNION ALL SELECT recipient_email || context FROM outbox UNION ALL SELECT email || name FROM users",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (text,) in &texts {
        assert!(!text.contains("porteur@example.fr") && !text.contains("06 12 34 56 78"), "left behind: {text}");
    }
    let (status, _) = Client::anonymous(&w.admin.base)
        .post("/api/v1/login", json!({"email": "porteur@example.fr", "password": PASSWORD}))
        .await;
    assert_eq!(status, 401, "no login any more");
    assert_eq!(w.porteur.get("/api/v1/me").await.0, 401, "their sessions ended");
    let (_, trail) = w.admin.get(&format!("/api/v1/dossiers/{id}/audit")).await;
    let entries = trail.as_array().unwrap();
    assert!(entries.iter().any(|e| e["erased"] == true && e["data"].is_null()), "{trail}");
    assert!(entries.iter().any(|e| e["erased"] == false), "others' entries stay whole: {trail}");
    let browser = crate::pages::Browser::login(&w.admin.base, "admin@example.fr").await;
    let (status, journal) = browser.get(&format!("/dossiers/{id}/journal")).await;
    assert_eq!(status, 200);
    assert!(journal.contains("données personnelles effacées"), "the page says so");
    assert!(!journal.contains("06 12 34 56 78"));
    let (_, dossier) = w.admin.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(dossier["id"], id.as_str(), "the dossier itself stays (its retention is the workflow's)");

    // Only sealed values may be touched, and only as an erasure: the
    // database refuses to change what a hash covers.
    let refused = sqlx::query("UPDATE audit SET hash = 'x', erased_at = 1 WHERE seq = (SELECT MAX(seq) FROM audit)")
        .execute(&pool)
        .await;
    assert!(refused.is_err(), "the hash is not rewritable");
    // A value changed under cover of an erasure is caught…
    let (seq, data): (i64, String) = sqlx::query_as(
        "SELECT seq, data_json FROM audit WHERE erased_at IS NULL AND digests IS NOT NULL ORDER BY seq LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE audit SET data_json = '{\"forged\":true}', erased_at = 1 WHERE seq = $1")
        .bind(seq)
        .execute(&pool)
        .await
        .unwrap();
    let broken = db.store.verify_audit().await.unwrap();
    assert!(
        matches!(&broken, labelflow::store::audit::Verification::Broken { seq: s, reason } if *s == seq && reason.contains("changed")),
        "{broken:?}"
    );
    sqlx::query("UPDATE audit SET data_json = $1 WHERE seq = $2").bind(&data).bind(seq).execute(&pool).await.unwrap();
    assert!(matches!(db.store.verify_audit().await.unwrap(), labelflow::store::audit::Verification::Intact { .. }));
    // …and so is an erasure the trail does not record.
    sqlx::query(
        "UPDATE audit SET data_json = 'null', salts = '{}', before_json = 'null', after_json = 'null' WHERE seq = $1",
    )
    .bind(seq)
    .execute(&pool)
    .await
    .unwrap();
    let broken = db.store.verify_audit().await.unwrap();
    assert!(
        matches!(&broken, labelflow::store::audit::Verification::Broken { reason, .. } if reason.contains("without an erasure")),
        "{broken:?}"
    );
    pool.close().await;
}

/// A person downloads everything held about them, and nothing of others'.
async fn a_person_downloads_their_data(db: &TestDb) {
    let w = world(db).await;
    let base = w.porteur.base.clone();
    let id = prepared(&w).await;
    user(&db.store, "porteur2@example.fr", &[("porteur", None)], &[]).await;
    let other = Client::login(&base, "porteur2@example.fr").await;
    let (status, theirs) = other.post("/api/v1/dossiers", dossier_body(&w.campaign)).await;
    assert_eq!(status, 201, "{theirs}");
    let (status, _) = w
        .porteur
        .post(&format!("/api/v1/dossiers/{id}/messages"), json!({"body": "Une question sur le budget."}))
        .await;
    assert_eq!(status, 201);
    let (status, _) =
        w.porteur.put("/api/v1/me/notification-preferences", json!({"dossier_admissible": "digest"})).await;
    assert!(status == 200 || status == 204, "{status}");

    let resp = reqwest::Client::new()
        .get(format!("{base}/api/v1/me/data"))
        .bearer_auth(w.porteur.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let disposition = resp.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    let text = resp.text().await.unwrap();
    let data: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(data["account"]["email"], "porteur@example.fr");
    let owned: Vec<&str> =
        data["dossiers_owned"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(owned, [id.as_str()], "their own dossier only");
    assert!(!text.contains(theirs["id"].as_str().unwrap()), "nothing of another owner's dossier");
    assert_eq!(data["messages_written"][0]["body"], "Une question sur le budget.");
    assert_eq!(data["preferences"], json!([{"template": "dossier_admissible", "mode": "digest"}]));
    assert!(!data["sessions"].as_array().unwrap().is_empty(), "the session they use");
    let actions = data["actions"].as_array().unwrap();
    assert!(actions.iter().any(|a| a["entity_id"] == id.as_str() && a["by_yourself"] == true), "{actions:?}");
    assert!(actions.iter().all(|a| a.get("data").is_none()), "what an action carried stays out");
    assert!(!text.contains("$argon2") && !text.contains(w.porteur.token.as_deref().unwrap()), "no secret");

    // A machine's token does not download a person's data; a browser
    // without a session is sent to log in.
    let (_, token) = w.porteur.post("/api/v1/tokens", json!({"name": "export", "access": "read"})).await;
    let machine = Client::with_token(&base, token["token"].as_str().unwrap());
    let (status, err) = machine.get("/api/v1/me/data").await;
    assert_eq!((status, err["error"]["code"].as_str()), (403, Some("session_required")), "{err}");
    let page = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{base}/mes-donnees"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 303);
    assert!(page.headers()["location"].to_str().unwrap().starts_with("/connexion?retour=%2Fmes-donnees"));
}

on_both_backends!(
    a_person_downloads_their_data,
    an_account_is_erased_and_the_trail_still_verifies,
    api_tokens_narrowed_to_workflows,
    api_tokens_narrow_and_end,
    full_path_to_an_excellence_label,
    concurrent_decisions_one_wins,
    reviews_stay_out_of_the_audit_trail_until_the_decision,
    abuse_findings_stay_closed
);

/// Who is who in the matrix, by column.
const ROLES: [&str; 11] = [
    "anonymous",
    "admin",
    "president",
    "ministeres",
    "porteur",
    "porteur2",
    "rectorat",
    "region",
    "outsider",
    "rapporteur",
    "rapporteur2",
];

async fn authorization_matrix(db: &TestDb) {
    let w = world(db).await;
    let porteur2 = {
        user(&db.store, "porteur2@example.fr", &[("porteur", None)], &[]).await;
        Client::login(&w.porteur.base, "porteur2@example.fr").await
    };
    // A: under review in LYON/ARA, rapporteur assigned, rapporteur2 not.
    let a = prepared(&w).await;
    w.porteur.event(&a, json!({"event": "submit"}), 200).await;
    w.ministeres.event(&a, json!({"event": "declare_admissible"}), 200).await;
    let r1 = w.cast.rapporteur.user_id.unwrap().to_string();
    w.president.event(&a, json!({"event": "assign_reviewer", "user_id": r1, "due": "2027-05-15"}), 200).await;
    let (status, _) = w
        .porteur
        .raw(
            reqwest::Method::POST,
            &format!("/api/v1/dossiers/{a}/attachments?name=a.pdf"),
            "application/pdf",
            PDF.to_vec(),
        )
        .await;
    assert_eq!(status, 403, "owners attach only while the dossier is editable");
    let (_, att) = w
        .rectorat
        .raw(
            reqwest::Method::POST,
            &format!("/api/v1/dossiers/{a}/attachments?name=avis.pdf&kind=avis_crefop"),
            "application/pdf",
            PDF.to_vec(),
        )
        .await;
    let attachment = att["id"].as_str().expect("staff in scope attach an opinion").to_string();
    // L: a label in LYON/ARA owned by porteur.
    let labelled = reviewed(&w).await;
    avis(&w, &labelled, "standard", 3).await;
    let out = w
        .ministeres
        .event(
            &labelled,
            json!({"event": "decide", "outcome": "labelled", "category": "standard", "years": 3, "motivation": "ok"}),
            200,
        )
        .await;
    let label = out["label_id"].as_str().unwrap().to_string();

    let clients = [
        Client::anonymous(&w.porteur.base),
        w.admin.clone(),
        w.president.clone(),
        w.ministeres.clone(),
        w.porteur.clone(),
        porteur2,
        w.rectorat.clone(),
        w.region.clone(),
        w.outsider.clone(),
        w.rapporteur.clone(),
        w.rapporteur2.clone(),
    ];
    let bad_scores = json!({"event": "submit_review", "scores": {"c01_diagnostic": 99}, "comment": "x"});
    type Row = (&'static str, String, Option<Value>, [u16; 11]);
    //                                                anon admin pres  min   port  port2 rect  reg   out   rap   rap2
    let rows: Vec<Row> = vec![
        ("GET", format!("/api/v1/dossiers/{a}"), None, [401, 200, 200, 200, 200, 404, 200, 200, 404, 200, 404]),
        (
            "PATCH",
            format!("/api/v1/dossiers/{a}"),
            Some(json!({"title": "Nouveau titre"})),
            [401, 403, 403, 403, 409, 404, 403, 403, 404, 403, 404],
        ),
        (
            "POST",
            format!("/api/v1/dossiers/{a}/partners"),
            Some(json!({"name": "X", "type": "cfa"})),
            [401, 403, 403, 403, 409, 404, 403, 403, 404, 403, 404],
        ),
        (
            "PUT",
            format!("/api/v1/dossiers/{a}/self-assessment"),
            Some(json!({"c01_diagnostic": "x"})),
            [401, 403, 403, 403, 409, 404, 403, 403, 404, 403, 404],
        ),
        (
            "POST",
            format!("/api/v1/dossiers/{a}/events"),
            Some(bad_scores),
            [401, 403, 403, 403, 403, 404, 403, 403, 404, 422, 404],
        ),
        (
            "POST",
            format!("/api/v1/dossiers/{a}/events"),
            Some(json!({"event": "endorse"})),
            [401, 403, 403, 403, 403, 404, 409, 409, 404, 403, 404],
        ),
        ("GET", format!("/api/v1/dossiers/{a}/reviews"), None, [401, 200, 200, 200, 200, 404, 200, 200, 404, 200, 404]),
        ("GET", format!("/api/v1/dossiers/{a}/audit"), None, [401, 200, 200, 200, 403, 404, 200, 200, 404, 403, 404]),
        (
            "GET",
            format!("/api/v1/attachments/{attachment}"),
            None,
            [401, 200, 200, 200, 200, 404, 200, 200, 404, 200, 404],
        ),
        ("GET", format!("/api/v1/labels/{label}"), None, [401, 200, 200, 200, 200, 404, 200, 200, 404, 404, 404]),
        ("GET", format!("/api/v1/labels/{label}/audit"), None, [401, 200, 200, 200, 403, 404, 200, 200, 404, 404, 404]),
        (
            "POST",
            format!("/api/v1/labels/{label}/events"),
            // The ministries withdraw a label (admin too), not the expert group.
            Some(json!({"event": "withdraw"})),
            [401, 422, 403, 422, 403, 404, 403, 403, 404, 404, 404],
        ),
        (
            "POST",
            "/api/v1/campaigns".into(),
            Some(json!({"name": "", "workflow": "cmq", "opens_at": "2027-01-01", "closes_at": "2027-02-01"})),
            [401, 422, 403, 403, 403, 403, 403, 403, 403, 403, 403],
        ),
        (
            // The lycée des métiers' calls are each académie's: its own
            // services open them (then the empty name is refused).
            "POST",
            "/api/v1/campaigns".into(),
            Some(
                json!({"name": "", "workflow": "ldm", "territory": "LYON", "opens_at": "2027-01-01", "closes_at": "2027-02-01"}),
            ),
            [401, 422, 403, 403, 403, 403, 422, 403, 403, 403, 403],
        ),
        (
            "POST",
            "/api/v1/dossiers".into(),
            Some(json!({"campaign_id": w.campaign, "title": "", "kind": "creation", "category": "standard"})),
            [401, 403, 403, 403, 422, 422, 403, 403, 403, 403, 403],
        ),
        ("GET", "/api/v1/me".into(), None, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
        ("GET", "/api/v1/campaigns".into(), None, [401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ];
    let mut failures = Vec::new();
    for (method, path, body, expected) in &rows {
        for (i, client) in clients.iter().enumerate() {
            let (status, reply) = match (*method, body) {
                ("GET", _) => client.get(path).await,
                ("PATCH", Some(b)) => client.patch(path, b.clone()).await,
                ("PUT", Some(b)) => client.put(path, b.clone()).await,
                (_, Some(b)) => client.post(path, b.clone()).await,
                _ => unreachable!(),
            };
            if status != expected[i] {
                failures.push(format!("{method} {path} as {}: {status} (expected {}) {reply}", ROLES[i], expected[i]));
            }
            if status >= 400 {
                assert!(reply["error"]["code"].is_string(), "{method} {path} as {}: error shape {reply}", ROLES[i]);
            }
        }
    }
    assert!(failures.is_empty(), "{} cells differ:\n{}", failures.len(), failures.join("\n"));

    // Lists obey the same rule: who sees dossier A and label L in lists.
    //                      anon  admin  pres  min   port  port2  rect  reg   out    rap   rap2
    let sees_a = [false, true, true, true, true, false, true, true, false, true, false];
    let sees_l = [false, true, true, true, true, false, true, true, false, false, false];
    for (i, client) in clients.iter().enumerate().skip(1) {
        let (_, list) = client.get("/api/v1/dossiers").await;
        let listed = list.as_array().unwrap().iter().any(|d| d["id"] == a.as_str());
        assert_eq!(listed, sees_a[i], "dossier list as {}", ROLES[i]);
        let (_, list) = client.get("/api/v1/labels").await;
        let listed = list.as_array().unwrap().iter().any(|l| l["id"] == label.as_str());
        assert_eq!(listed, sees_l[i], "label list as {}", ROLES[i]);
    }
}

async fn bad_input_is_refused_and_changes_nothing(db: &TestDb) {
    let w = world(db).await;
    let id = prepared(&w).await;
    let footprint = || async {
        let (_, d) = w.admin.get(&format!("/api/v1/dossiers/{id}")).await;
        let (_, trail) = w.admin.get(&format!("/api/v1/dossiers/{id}/audit")).await;
        (d, trail.as_array().unwrap().len())
    };
    let before = footprint().await;
    let dossier = format!("/api/v1/dossiers/{id}");
    let events = format!("{dossier}/events");
    let mut body = dossier_body(&w.campaign);
    let with = |body: &mut Value, field: &str, value: Value| {
        let mut b = body.clone();
        b[field] = value;
        b
    };
    // (what, reply, status, code, field)
    type Case = (&'static str, Reply, u16, &'static str, Option<&'static str>);
    let cases: Vec<Case> = vec![
        (
            "unknown filière",
            w.porteur.post("/api/v1/dossiers", with(&mut body, "filiere", json!("astronautique"))).await,
            422,
            "invalid_input",
            Some("filiere"),
        ),
        (
            "unknown académie",
            w.porteur.post("/api/v1/dossiers", with(&mut body, "academies", json!(["Atlantis"]))).await,
            422,
            "invalid_input",
            Some("academies"),
        ),
        (
            "académie outside the région",
            w.porteur.post("/api/v1/dossiers", with(&mut body, "academies", json!(["RENNES"]))).await,
            422,
            "invalid_input",
            Some("academies"),
        ),
        (
            "a field the form does not declare",
            w.porteur.post("/api/v1/dossiers", with(&mut body, "form", json!({"budget": 12}))).await,
            422,
            "invalid_input",
            Some("budget"),
        ),
        (
            "a partner of an unknown type, named by its path",
            w.porteur
                .post(
                    "/api/v1/dossiers",
                    with(&mut body, "form", json!({"partners": [{"name": "Lycée"}, {"name": "X", "type": "nope"}]})),
                )
                .await,
            422,
            "invalid_input",
            Some("partners[2].type"),
        ),
        (
            "bad category",
            w.porteur.post("/api/v1/dossiers", with(&mut body, "category", json!("gold"))).await,
            422,
            "invalid_input",
            Some("category"),
        ),
        (
            "missing title",
            w.porteur
                .post(
                    "/api/v1/dossiers",
                    json!({"campaign_id": w.campaign, "kind": "creation", "category": "standard"}),
                )
                .await,
            400,
            "malformed",
            Some("title"),
        ),
        (
            "malformed JSON",
            w.porteur
                .raw(reqwest::Method::POST, "/api/v1/dossiers", "application/json", b"{\"title\": ".to_vec())
                .await,
            400,
            "malformed",
            None,
        ),
        (
            "not JSON",
            w.porteur.raw(reqwest::Method::POST, "/api/v1/dossiers", "text/plain", b"hello".to_vec()).await,
            415,
            "unsupported_media_type",
            None,
        ),
        ("wrongly typed field", w.porteur.patch(&dossier, json!({"title": 12})).await, 400, "malformed", None),
        (
            "stale version",
            w.porteur.patch(&dossier, json!({"title": "Autre", "version": 1})).await,
            409,
            "stale_version",
            None,
        ),
        (
            "unknown partner type",
            w.porteur.post(&format!("{dossier}/partners"), json!({"name": "X", "type": "club"})).await,
            422,
            "invalid_input",
            Some("type"),
        ),
        (
            "unknown criterion",
            w.porteur.put(&format!("{dossier}/self-assessment"), json!({"c99": "x"})).await,
            422,
            "invalid_input",
            Some("c99"),
        ),
        (
            "unknown event",
            w.porteur.post(&events, json!({"event": "teleport"})).await,
            422,
            "invalid_input",
            Some("event"),
        ),
        (
            "stale event version",
            w.porteur.post(&events, json!({"event": "submit", "version": 2})).await,
            409,
            "stale_version",
            None,
        ),
        (
            "attachment of the wrong type",
            w.porteur
                .raw(reqwest::Method::POST, &format!("{dossier}/attachments?name=a.txt"), "text/plain", b"hi".to_vec())
                .await,
            422,
            "invalid_input",
            Some("content_type"),
        ),
        (
            "PDF that is not one",
            w.porteur
                .raw(
                    reqwest::Method::POST,
                    &format!("{dossier}/attachments?name=a.pdf"),
                    "application/pdf",
                    b"\x89PNG\r\n\x1a\n".to_vec(),
                )
                .await,
            422,
            "invalid_input",
            Some("body"),
        ),
        (
            "path in a file name",
            w.porteur
                .raw(
                    reqwest::Method::POST,
                    &format!("{dossier}/attachments?name=..%2F..%2Fetc%2Fpasswd"),
                    "application/pdf",
                    PDF.to_vec(),
                )
                .await,
            422,
            "invalid_input",
            Some("name"),
        ),
        (
            "oversized JSON",
            w.porteur.patch(&dossier, json!({"title": "x".repeat(300 * 1024)})).await,
            413,
            "payload_too_large",
            None,
        ),
        (
            "unknown campaign",
            w.porteur
                .post("/api/v1/dossiers", with(&mut body, "campaign_id", json!("0b9c8a44-5c44-4f8f-a1c0-000000000000")))
                .await,
            422,
            "invalid_input",
            Some("campaign_id"),
        ),
        (
            "bad label filter",
            w.rectorat.get("/api/v1/labels?expiring_before=soon").await,
            422,
            "invalid_input",
            Some("expiring_before"),
        ),
    ];
    for (what, (status, reply), want_status, want_code, want_field) in cases {
        assert_eq!(status, want_status, "{what}: {reply}");
        assert_eq!(reply["error"]["code"], want_code, "{what}: {reply}");
        assert!(!reply["error"]["message"].as_str().unwrap_or("").is_empty(), "{what}: a message");
        if let Some(field) = want_field {
            assert_eq!(reply["error"]["field"], field, "{what}: {reply}");
        }
        assert!(reply["error"].get("errors").is_none(), "one error, no list: {reply}");
    }
    // Several errors are told at once, each at its field, the first also as
    // `field` and `message` for clients that read only those.
    let mut bad = dossier_body(&w.campaign);
    bad["title"] = json!("  ");
    bad["category"] = json!("gold");
    bad["filiere"] = json!("astronautique");
    bad["form"] = json!({"budget": 12});
    let (status, reply) = w.porteur.post("/api/v1/dossiers", bad.clone()).await;
    assert_eq!(status, 422, "{reply}");
    let mut fields: Vec<&str> =
        reply["error"]["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["budget", "category", "filiere", "title"], "{reply}");
    assert_eq!(reply["error"]["field"], reply["error"]["errors"][0]["field"], "{reply}");
    let (status, reply) = w.porteur.patch(&dossier, json!({"title": "", "category": "gold"})).await;
    assert_eq!(status, 422, "{reply}");
    assert_eq!(reply["error"]["errors"].as_array().map(Vec::len), Some(2), "edits too: {reply}");
    // An oversized upload is refused from its Content-Length, before the body
    // is read: the client gets the 413, or a closed connection mid-send.
    let big = [PDF, &vec![b' '; 21 * 1024 * 1024]].concat();
    if let Some((status, reply)) = w
        .porteur
        .try_raw(reqwest::Method::POST, &format!("{dossier}/attachments?name=big.pdf"), "application/pdf", big)
        .await
    {
        assert_eq!((status, reply["error"]["code"].as_str()), (413, Some("payload_too_large")), "{reply}");
    }
    let after = footprint().await;
    assert_eq!(after, before, "no refused input changed the dossier or its trail");

    w.porteur.event(&id, json!({"event": "submit"}), 200).await;
    w.ministeres.event(&id, json!({"event": "declare_admissible"}), 200).await;
    let r1 = w.cast.rapporteur.user_id.unwrap().to_string();
    let r2 = w.cast.rapporteur2.user_id.unwrap().to_string();
    let err =
        w.president.event(&id, json!({"event": "assign_reviewer", "user_id": r1, "due": "2026-01-01"}), 422).await;
    assert_eq!(err["error"]["field"], "due");
    let porteur_id = w.cast.porteur.user_id.unwrap().to_string();
    let err = w
        .president
        .event(&id, json!({"event": "assign_reviewer", "user_id": porteur_id, "due": "2027-05-15"}), 422)
        .await;
    assert_eq!(
        (err["error"]["field"].as_str(), err["error"]["message"].as_str()),
        (Some("user_id"), Some("this user is not a reviewer of this workflow"))
    );
    for r in [&r1, &r2] {
        w.president.event(&id, json!({"event": "assign_reviewer", "user_id": r, "due": "2027-05-15"}), 200).await;
    }
    let mut out_of_range = scores(4);
    out_of_range["c05_pilotage"] = json!(5);
    let err =
        w.rapporteur.event(&id, json!({"event": "submit_review", "scores": out_of_range, "comment": "x"}), 422).await;
    assert_eq!(err["error"]["field"], "scores.c05_pilotage");
    let mut missing = scores(4);
    missing.as_object_mut().unwrap().remove("c11_evaluation");
    let err = w.rapporteur.event(&id, json!({"event": "submit_review", "scores": missing, "comment": "x"}), 422).await;
    assert_eq!(err["error"]["field"], "scores.c11_evaluation");
    for r in [&w.rapporteur, &w.rapporteur2] {
        r.event(&id, json!({"event": "submit_review", "scores": scores(2), "comment": "Correct."}), 200).await;
    }
    avis(&w, &id, "standard", 3).await;
    let decide = |extra: Value| {
        let mut b =
            json!({"event": "decide", "outcome": "labelled", "category": "standard", "years": 3, "motivation": "m"});
        b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        b
    };
    let err = w.ministeres.event(&id, decide(json!({"years": 6})), 422).await;
    assert_eq!(
        (err["error"]["field"].as_str(), err["error"]["message"].as_str()),
        (Some("years"), Some("must be at most 5"))
    );
    let err = w.ministeres.event(&id, decide(json!({"motivation": ""})), 422).await;
    assert_eq!(err["error"]["field"], "motivation");
    let err = w.ministeres.event(&id, decide(json!({"category": "excellence"})), 422).await;
    assert_eq!(err["error"]["code"], "excellence_thresholds_not_met");
    let (_, after) = w.admin.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(after["state"], "avis_given", "nothing refused moved the dossier");
    // Excellence against the thresholds needs the ministers' explicit reason.
    let out = w
        .ministeres
        .event(&id, decide(json!({"category": "excellence", "excellence_override": "Enjeu national."})), 200)
        .await;
    assert_eq!(out["state"], "labelled");
    let (_, decided) = w.admin.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(decided["decision"]["excellence_override"], "Enjeu national.", "the reason is kept with the decision");
}

async fn accounts_and_tokens(db: &TestDb) {
    let w = world(db).await;
    let anon = Client::anonymous(&w.porteur.base);
    let (status, wrong) = anon.post("/api/v1/login", json!({"email": "porteur@example.fr", "password": "nope"})).await;
    let (status2, unknown) =
        anon.post("/api/v1/login", json!({"email": "nobody@example.fr", "password": "nope"})).await;
    assert_eq!((status, status2), (401, 401));
    // Each answer has its own request id; all else is the same.
    let without_id = |mut body: serde_json::Value| {
        assert!(body["error"]["request_id"].is_string(), "{body}");
        body["error"].as_object_mut().unwrap().remove("request_id");
        body
    };
    assert_eq!(without_id(wrong), without_id(unknown), "an unknown address and a wrong password look the same");
    let (status, _) = anon.get("/api/v1/me").await;
    assert_eq!(status, 401);

    // Guessing is slowed: after five failures in a row the address is
    // locked, even with the right password, unknown addresses alike; other
    // addresses are not affected.
    for address in ["president@example.fr", "personne@example.fr"] {
        for _ in 0..4 {
            assert_eq!(anon.post("/api/v1/login", json!({"email": address, "password": "devine"})).await.0, 401);
        }
        let (status, err) = anon.post("/api/v1/login", json!({"email": address, "password": "devine"})).await;
        assert_eq!(status, 401, "{err}");
        let (status, err) = anon.post("/api/v1/login", json!({"email": address, "password": PASSWORD})).await;
        assert_eq!((status, err["error"]["code"].as_str()), (429, Some("too_many_attempts")), "{err}");
    }
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/login", w.porteur.base))
        .json(&json!({"email": "PRESIDENT@example.fr", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429, "the address is compared folded");
    assert_eq!(r.headers()["retry-after"], "60");
    assert_eq!(anon.post("/api/v1/login", json!({"email": "admin@example.fr", "password": PASSWORD})).await.0, 200);
    w._served.clock.set(at(2027, 2, 1, 9, 2));
    assert_eq!(
        anon.post("/api/v1/login", json!({"email": "president@example.fr", "password": PASSWORD})).await.0,
        200,
        "the lock ends"
    );

    let mut forged = anon.clone();
    forged.token = Some("0".repeat(64));
    assert_eq!(forged.get("/api/v1/me").await.0, 401);

    let (status, me) = w.rectorat.get("/api/v1/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["roles"], json!(["staff_rectorat@academie:LYON"]));

    let second = Client::login(&w.porteur.base, "porteur@example.fr").await;
    let err = w.porteur.post("/api/v1/me/password", json!({"current": "wrong", "new": "un-nouveau-mot"})).await;
    assert_eq!((err.0, err.1["error"]["field"].as_str()), (422, Some("current")));
    let err = w.porteur.post("/api/v1/me/password", json!({"current": PASSWORD, "new": "court"})).await;
    assert_eq!((err.0, err.1["error"]["field"].as_str()), (422, Some("new")));
    let (status, _) =
        w.porteur.post("/api/v1/me/password", json!({"current": PASSWORD, "new": "un-nouveau-mot"})).await;
    assert_eq!(status, 204);
    assert_eq!(w.porteur.get("/api/v1/me").await.0, 200, "the session that changed it lives on");
    assert_eq!(second.get("/api/v1/me").await.0, 401, "other sessions end");
    let (status, _) =
        anon.post("/api/v1/login", json!({"email": "porteur@example.fr", "password": "un-nouveau-mot"})).await;
    assert_eq!(status, 200);

    // An administrator changes an account's roles and deactivates it: its
    // sessions end at once, it logs in no more, until reactivated.
    let (_, users) = w.admin.get("/api/v1/admin/users").await;
    let region_id = users.as_array().unwrap().iter().find(|u| u["email"] == "region@ara.fr").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let admin_id = users.as_array().unwrap().iter().find(|u| u["email"] == "admin@example.fr").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/admin/users/{region_id}");
    let roles =
        json!({"roles": [{"role": "staff_region", "scope": "ARA"}, {"role": "staff_region", "scope": "Bretagne"}]});
    let (status, user) = w.admin.patch(&path, roles).await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["roles"], json!(["staff_region@region:ARA", "staff_region@region:BRE"]));
    assert_eq!(w.rectorat.patch(&path, json!({"active": false})).await.0, 403, "admins only");
    for (body, field) in [
        (json!({"roles": []}), "roles"),
        (json!({"roles": [{"role": "staff_region"}]}), "scope"),
        (json!({"roles": [{"role": "magicien"}]}), "role"),
    ] {
        let (status, err) = w.admin.patch(&path, body.clone()).await;
        assert_eq!((status, err["error"]["field"].as_str()), (422, Some(field)), "{body}: {err}");
    }
    let own = format!("/api/v1/admin/users/{admin_id}");
    let (status, err) = w.admin.patch(&own, json!({"active": false})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("active")), "no self lock-out: {err}");
    let (status, err) = w.admin.patch(&own, json!({"roles": [{"role": "president"}]})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("roles")), "{err}");
    assert_eq!(
        w.admin.patch("/api/v1/admin/users/00000000-0000-0000-0000-000000000000", json!({"active": false})).await.0,
        404
    );
    assert_eq!(w.region.get("/api/v1/me").await.0, 200);
    let (status, user) = w.admin.patch(&path, json!({"active": false})).await;
    assert_eq!((status, user["active"].as_bool()), (200, Some(false)), "{user}");
    assert_eq!(w.region.get("/api/v1/me").await.0, 401, "its session ended at once");
    assert_eq!(anon.post("/api/v1/login", json!({"email": "region@ara.fr", "password": PASSWORD})).await.0, 401);
    let (status, _) =
        w.admin.patch(&path, json!({"active": true, "roles": [{"role": "staff_region", "scope": "ARA"}]})).await;
    assert_eq!(status, 200);
    let region = Client::login(&w.porteur.base, "region@ara.fr").await;
    let (_, me) = region.get("/api/v1/me").await;
    assert_eq!(me["roles"], json!(["staff_region@region:ARA"]));

    assert_eq!(w.rectorat.post("/api/v1/logout", json!({})).await.0, 204);
    assert_eq!(w.rectorat.get("/api/v1/me").await.0, 401, "logged out");

    for list in ["filieres", "regions", "academies", "partner-types"] {
        let (status, items) = anon.get(&format!("/api/v1/reference/{list}")).await;
        assert_eq!(status, 200);
        let expected = match list {
            "filieres" => 12,
            "regions" => 18,
            "academies" => 30,
            _ => 20,
        };
        assert_eq!(items.as_array().unwrap().len(), expected, "{list}");
    }
    let (_, academies) = anon.get("/api/v1/reference/academies").await;
    assert!(academies.as_array().unwrap().iter().any(|a| a["code"] == "MAYOTTE" && a["region"] == "MAY"));
    let (_, criteria) = w.porteur.get(&format!("/api/v1/campaigns/{}/criteria", w.campaign)).await;
    assert_eq!(criteria.as_array().unwrap().len(), 11);
    assert!(criteria[0]["excellence"].is_number() && criteria[0]["max"] == 4);

    // Tokens expire.
    w._served.clock.set(at(2027, 2, 1, 9, 0) + chrono::Duration::hours(13));
    assert_eq!(region.get("/api/v1/me").await.0, 401, "expired after 12 hours");
}

/// A login from a given client address (the test server takes it from
/// `x-test-client`, as it would from a reverse proxy's header).
async fn login_from(base: &str, client: &str, email: &str, password: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/login"))
        .header("x-test-client", client)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Nobody can lock a real user out, guessing spread over accounts is slowed,
/// accounts are told apart exactly, and the counts are shared by every
/// instance on the database.
async fn login_throttling_per_client_and_account(db: &TestDb) {
    let w = world(db).await;
    let base = w.porteur.base.clone();
    // Twenty clients fail once each on the president's account: it is
    // locked against clients that failed, not against a clean one.
    for i in 0..20 {
        assert_eq!(login_from(&base, &format!("10.1.0.{i}"), "president@example.fr", "devine").await.0, 401);
    }
    let (status, err) = login_from(&base, "10.1.0.3", "president@example.fr", PASSWORD).await;
    assert_eq!((status, err["error"]["code"].as_str()), (429, Some("too_many_attempts")), "{err}");
    assert_eq!(login_from(&base, "10.9.9.9", "president@example.fr", PASSWORD).await.0, 200, "a clean client gets in");

    // One client guessing over thirty accounts is stopped, on every account.
    for i in 0..30 {
        assert_eq!(login_from(&base, "10.2.0.1", &format!("inconnu{i}@example.fr"), "devine").await.0, 401);
    }
    assert_eq!(login_from(&base, "10.2.0.1", "admin@example.fr", PASSWORD).await.0, 429, "the client's budget");
    assert_eq!(login_from(&base, "10.2.0.2", "admin@example.fr", PASSWORD).await.0, 200, "other clients are not");

    // Accounts are keyed on the exact address: no folding merges two.
    for _ in 0..5 {
        assert_eq!(login_from(&base, "10.3.0.1", "porteur2.x@fr", "devine").await.0, 401);
    }
    assert_eq!(login_from(&base, "10.3.0.1", "porteur2.x@fr", "devine").await.0, 429);
    assert_eq!(login_from(&base, "10.3.0.1", "porteur2@x.fr", "devine").await.0, 401, "another account");

    // Another instance on the same database sees the same counts.
    let other = labelflow::app::App::new(db.store.clone(), std::sync::Arc::new(cmq()), w._served.app.clock.clone());
    let refused = other.login("porteur2.x@fr", "devine", "10.3.0.1").await;
    assert!(
        matches!(refused, Err(labelflow::app::AppError::Auth(labelflow::app::accounts::AuthError::Throttled { .. }))),
        "{refused:?}"
    );
}

mod matrix {
    use super::*;
    on_both_backends!(
        authorization_matrix,
        bad_input_is_refused_and_changes_nothing,
        accounts_and_tokens,
        login_throttling_per_client_and_account
    );
}

/// A rapporteur who declares a conflict of interest leaves the dossier:
/// no more access, no more reminders, the president is told, and the same
/// person cannot be assigned again; a replacement completes the reviews.
async fn rapporteur_declares_a_conflict(db: &TestDb) {
    let w = world(db).await;
    let id = prepared(&w).await;
    w.porteur.event(&id, json!({"event": "submit"}), 200).await;
    w.ministeres.event(&id, json!({"event": "declare_admissible"}), 200).await;
    let r1 = w.cast.rapporteur.user_id.unwrap().to_string();
    let r2 = w.cast.rapporteur2.user_id.unwrap().to_string();
    w.president.event(&id, json!({"event": "assign_reviewer", "user_id": r1, "due": "2027-05-15"}), 200).await;

    let (_, mine) = w.rapporteur.get("/api/v1/me/assignments").await;
    assert_eq!(mine[0]["dossier_id"], id.as_str(), "{mine}");
    assert_eq!(
        (mine[0]["due_at"].as_str(), mine[0]["submitted"].as_bool()),
        (Some("2027-05-15T21:59:00Z"), Some(false))
    );
    let err = w.rapporteur.event(&id, json!({"event": "declare_conflict"}), 422).await;
    assert_eq!(err["error"]["field"], "reason", "{err}");
    let err = w.rapporteur2.event(&id, json!({"event": "declare_conflict", "reason": "x"}), 404).await;
    assert!(err["error"].is_object(), "not assigned: the dossier does not exist for them");

    let out = w
        .rapporteur
        .event(&id, json!({"event": "declare_conflict", "reason": "Ancien enseignant du lycée support."}), 200)
        .await;
    assert_eq!(out["state"], "under_review");
    assert_eq!(w.rapporteur.get(&format!("/api/v1/dossiers/{id}")).await.0, 404, "no access after recusal");
    let (_, timers) = w.president.get(&format!("/api/v1/dossiers/{id}/timers")).await;
    let pending: Vec<&str> = timers
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "pending")
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(!pending.iter().any(|n| n.starts_with("review")), "review reminders cancelled: {pending:?}");
    assert_eq!(db.store.outbox_count("reviewer_recused").await.unwrap(), 1, "the president is told");
    assert_eq!(w.rapporteur.get("/api/v1/me/assignments").await.1, json!([]));

    let err =
        w.president.event(&id, json!({"event": "assign_reviewer", "user_id": r1, "due": "2027-05-15"}), 422).await;
    assert_eq!(err["error"]["code"], "declared_conflict");
    w.president.event(&id, json!({"event": "assign_reviewer", "user_id": r2, "due": "2027-05-15"}), 200).await;
    let out = w
        .rapporteur2
        .event(&id, json!({"event": "submit_review", "scores": scores(3), "comment": "Solide."}), 200)
        .await;
    assert_eq!(out["state"], "reviewed", "the replacement's review completes the set");
}

/// Staff follow-up and account administration through the API.
async fn overdue_and_accounts(db: &TestDb) {
    let w = world(db).await;
    let id = prepared(&w).await;
    w.porteur.event(&id, json!({"event": "submit"}), 200).await;
    w.ministeres.event(&id, json!({"event": "declare_admissible"}), 200).await;
    let r1 = w.cast.rapporteur.user_id.unwrap().to_string();
    w.president.event(&id, json!({"event": "assign_reviewer", "user_id": r1, "due": "2027-05-15"}), 200).await;
    assert_eq!(w.rectorat.get("/api/v1/overdue").await.1["reviews"], json!([]), "not late yet");
    w._served.clock.set(at(2027, 5, 16, 9, 0));
    // Sessions last 12 hours: everyone logs in again.
    let base = w._served.base.clone();
    let mut w = w;
    w.rectorat = Client::login(&base, "rectorat@ac-lyon.fr").await;
    w.outsider = Client::login(&base, "rectorat@ac-paris.fr").await;
    w.rapporteur = Client::login(&base, "rapporteur1@example.fr").await;
    w.admin = Client::login(&base, "admin@example.fr").await;
    w.porteur = Client::login(&base, "porteur@example.fr").await;
    let (status, late) = w.rectorat.get("/api/v1/overdue").await;
    assert_eq!(status, 200);
    assert_eq!(late["reviews"][0]["dossier_id"], id.as_str(), "{late}");
    assert!(late["reviews"][0]["reviewer"].is_null(), "staff are not told who reviews: {late}");
    let (_, national) = w.admin.get("/api/v1/overdue").await;
    assert!(national["reviews"][0]["reviewer"].is_string(), "{national}");
    assert_eq!(w.outsider.get("/api/v1/overdue").await.1["reviews"], json!([]), "other académie: nothing");
    assert_eq!(w.rapporteur.get("/api/v1/overdue").await.1["reviews"], json!([]), "rapporteurs follow their own list");

    let account = json!({"email": "Nadia@ac-grenoble.fr", "name": "Nadia Benali", "role": "staff_rectorat",
        "scope": "Grenoble", "password": "bienvenue-2027"});
    let (status, err) = w.rectorat.post("/api/v1/admin/users", account.clone()).await;
    assert_eq!(status, 403, "{err}");
    let (status, err) = w
        .admin
        .post(
            "/api/v1/admin/users",
            json!({"email": "x@y.fr", "name": "X", "role": "staff_region",
        "password": "bienvenue-2027"}),
        )
        .await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("scope")), "{err}");
    let (status, user) = w.admin.post("/api/v1/admin/users", account.clone()).await;
    assert_eq!(status, 201, "{user}");
    assert_eq!(
        (user["email"].as_str(), user["roles"][0].as_str()),
        (Some("nadia@ac-grenoble.fr"), Some("staff_rectorat@academie:GRENOBLE"))
    );
    assert_eq!(w.admin.post("/api/v1/admin/users", account).await.0, 422, "one account per address");
    let (status, users) = w.admin.get("/api/v1/admin/users").await;
    assert_eq!(status, 200);
    assert!(users.as_array().unwrap().iter().any(|u| u["email"] == "nadia@ac-grenoble.fr"));
    assert_eq!(w.porteur.get("/api/v1/admin/users").await.0, 403);
}

mod recusal {
    use super::*;
    on_both_backends!(
        rapporteur_declares_a_conflict,
        overdue_and_accounts,
        bulk_actions_item_by_item,
        lists_come_in_pages
    );
}

/// One event to many dossiers: each item done or refused on its own, in
/// the order given, with the status it would have had alone.
async fn bulk_actions_item_by_item(db: &TestDb) {
    let w = world(db).await;
    let mut admissible = Vec::new();
    for _ in 0..2 {
        let id = prepared(&w).await;
        w.porteur.event(&id, json!({"event": "submit"}), 200).await;
        w.ministeres.event(&id, json!({"event": "declare_admissible"}), 200).await;
        admissible.push(id);
    }
    let draft = prepared(&w).await;
    let mut paris = dossier_body(&w.campaign);
    paris["region"] = json!("IDF");
    paris["academies"] = json!(["PARIS"]);
    let (status, other) = w.porteur.post("/api/v1/dossiers", paris).await;
    assert_eq!(status, 201, "{other}");
    let paris = other["id"].as_str().unwrap().to_string();

    let r1 = w.cast.rapporteur.user_id.unwrap().to_string();
    let ids = json!([admissible[0], draft, "pas-un-identifiant", admissible[1]]);
    let (status, results) = w
        .president
        .post(
            "/api/v1/bulk/dossier-events",
            json!({"dossier_ids": ids, "event": "assign_reviewer", "user_id": r1, "due": "2027-05-15"}),
        )
        .await;
    assert_eq!(status, 200, "{results}");
    let statuses: Vec<(String, u64)> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["dossier_id"].as_str().unwrap().to_string(), r["status"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (admissible[0].clone(), 200),
            (draft.clone(), 409),
            ("pas-un-identifiant".into(), 404),
            (admissible[1].clone(), 200)
        ]
    );
    assert_eq!(results[0]["state"], "under_review");
    assert_eq!(results[1]["error"]["code"], "wrong_state", "{results}");
    assert_eq!(db.store.outbox_count("reviewer_assigned").await.unwrap(), 2, "one e-mail per assignment done");

    // Staff remind owners: in scope and waiting on them, yes; elsewhere, no.
    let (status, results) = w
        .rectorat
        .post("/api/v1/bulk/dossier-events", json!({"dossier_ids": [draft, paris, admissible[0]], "event": "remind_owners", "message": "Il manque la convention."}))
        .await;
    assert_eq!(status, 200, "{results}");
    let codes: Vec<u64> = results.as_array().unwrap().iter().map(|r| r["status"].as_u64().unwrap()).collect();
    assert_eq!(codes, vec![200, 404, 409], "{results}");
    assert_eq!(db.store.outbox_count("message_received").await.unwrap(), 1);
    // The reminder is a message in the dossier's thread, which the owners
    // answer there.
    let (_, thread) = w.porteur.get(&format!("/api/v1/dossiers/{draft}/messages")).await;
    let thread = thread.as_array().unwrap();
    assert_eq!(thread.len(), 1, "{thread:?}");
    assert_eq!(
        (thread[0]["side"].as_str(), thread[0]["body"].as_str()),
        (Some("staff"), Some("Il manque la convention."))
    );
    assert_eq!(thread[0]["unread"], true);
    let (_, view) = w.porteur.get(&format!("/api/v1/dossiers/{draft}")).await;
    assert_eq!(view["awaiting_reply"], "owners", "{view}");
    let (status, err) =
        w.rectorat.post("/api/v1/bulk/dossier-events", json!({"dossier_ids": [], "event": "remind_owners"})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("dossier_ids")), "{err}");
    let (status, _) = w
        .porteur
        .post("/api/v1/bulk/dossier-events", json!({"dossier_ids": [draft], "event": "remind_owners", "message": "x"}))
        .await;
    assert_eq!(status, 200, "the answer is per item");
    assert_eq!(db.store.outbox_count("message_received").await.unwrap(), 1, "an owner may not remind themselves");
}

/// Lists come a page at a time, following the `Link` header; a title is
/// found by the start of its words whatever their case and accents; the
/// filters and the sort hold from page to page.
async fn lists_come_in_pages(db: &TestDb) {
    let w = world(db).await;
    let titles =
        ["Campus Aéronautique", "Campus Énergies de demain", "Campus Œnologie", "Campus Bois", "Campus Numérique"];
    for title in titles {
        let mut body = dossier_body(&w.campaign);
        body["title"] = json!(title);
        let (status, d) = w.porteur.post("/api/v1/dossiers", body).await;
        assert_eq!(status, 201, "{d}");
    }
    let walk = |first: String| {
        let client = &w.porteur;
        async move {
            let (mut seen, mut next, mut pages) = (Vec::new(), Some(first), 0);
            while let Some(path) = next {
                let (status, page, link) = client.page(&path).await;
                assert_eq!(status, 200, "{path}: {page}");
                let items = page.as_array().unwrap();
                assert!(items.len() <= 2, "{page}");
                seen.extend(items.iter().map(|d| d["title"].as_str().unwrap().to_string()));
                pages += 1;
                assert!(pages <= 10, "the pages end");
                next = link;
            }
            (seen, pages)
        }
    };
    let (seen, pages) = walk("/api/v1/dossiers?sort=title&limit=2".into()).await;
    assert_eq!(pages, 3);
    assert_eq!(
        seen,
        ["Campus Aéronautique", "Campus Bois", "Campus Énergies de demain", "Campus Numérique", "Campus Œnologie"],
        "by title, accents aside"
    );
    let (seen, _) = walk("/api/v1/dossiers?limit=2".into()).await;
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 5, "every dossier once, ties on the same instant kept apart: {seen:?}");
    for (q, found) in [
        ("AERO", vec!["Campus Aéronautique"]),
        ("oeno", vec!["Campus Œnologie"]),
        ("campus ene", vec!["Campus Énergies de demain"]),
        ("nautique", vec![]),
    ] {
        let (status, list) = w.porteur.get(&format!("/api/v1/dossiers?q={}", q.replace(' ', "%20"))).await;
        assert_eq!(status, 200, "{list}");
        let titles: Vec<&str> = list.as_array().unwrap().iter().map(|d| d["title"].as_str().unwrap()).collect();
        assert_eq!(titles, found, "q={q}");
    }
    // Filters by scope and by indexed field, as labels take them.
    let (_, list) = w.rectorat.get("/api/v1/dossiers?region=ARA&filiere=systemes-innovants-mecatronique").await;
    assert_eq!(list.as_array().unwrap().len(), 5, "{list}");
    let (_, list) = w.outsider.get("/api/v1/dossiers?q=campus").await;
    assert_eq!(list, json!([]), "search finds nothing out of scope");
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("sort=size", "sort"),
        ("cursor=zz", "cursor"),
        ("colour=red", "colour"),
    ] {
        let (status, err) = w.porteur.get(&format!("/api/v1/dossiers?{query}")).await;
        assert_eq!((status, err["error"]["field"].as_str()), (422, Some(field)), "{query}: {err}");
    }
    // A cursor belongs to its sort.
    let (_, _, link) = w.porteur.page("/api/v1/dossiers?sort=title&limit=2").await;
    let cursor = link.unwrap().split("cursor=").nth(1).unwrap().to_string();
    let (status, err) = w.porteur.get(&format!("/api/v1/dossiers?limit=2&cursor={cursor}")).await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("cursor")), "{err}");

    // Accounts, e-mails and audit trails come in pages the same way.
    let walk_all = |client: &Client, first: &str, key: &'static str| {
        let (client, first) = (client.clone(), first.to_string());
        async move {
            let (mut seen, mut next, mut pages) = (Vec::<String>::new(), Some(first), 0);
            while let Some(path) = next {
                let (status, page, link) = client.page(&path).await;
                assert_eq!(status, 200, "{path}: {page}");
                seen.extend(page.as_array().unwrap().iter().map(|i| i[key].to_string()));
                pages += 1;
                assert!(pages <= 50, "the pages end");
                next = link;
            }
            (seen, pages)
        }
    };
    let (all, _) = walk_all(&w.admin, "/api/v1/admin/users?limit=500", "email").await;
    let (paged, pages) = walk_all(&w.admin, "/api/v1/admin/users?limit=3", "email").await;
    assert_eq!(paged, all, "pages of 3 hold the same accounts in the same order");
    assert_eq!(pages as usize, all.len().div_ceil(3), "no empty last page: {all:?}");
    let (_, found) = w.admin.get("/api/v1/admin/users?q=RAPPORTEUR&role=rapporteur").await;
    let emails: Vec<&str> = found.as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert!(!emails.is_empty() && emails.iter().all(|e| e.starts_with("rapporteur")), "{found}");
    let (_, none) = w.admin.get("/api/v1/admin/users?active=false").await;
    assert_eq!(none, json!([]), "no account deactivated yet");
    for (query, field) in
        [("role=magicien", "role"), ("active=peut-etre", "active"), ("limit=0", "limit"), ("x=1", "x")]
    {
        let (status, err) = w.admin.get(&format!("/api/v1/admin/users?{query}")).await;
        assert_eq!((status, err["error"]["field"].as_str()), (422, Some(field)), "{query}: {err}");
    }
    assert_eq!(w.porteur.get("/api/v1/admin/users?limit=1").await.0, 403);

    let id = {
        let (_, list) = w.porteur.get("/api/v1/dossiers?limit=1").await;
        list[0]["id"].as_str().unwrap().to_string()
    };
    for n in 0..3 {
        let change = json!({"form": {"directeur_operationnel": format!("Claire Martin {n}")}});
        let (status, body) = w.porteur.patch(&format!("/api/v1/dossiers/{id}"), change).await;
        assert_eq!(status, 200, "{body}");
    }
    let audit = format!("/api/v1/dossiers/{id}/audit");
    let (all, _) = walk_all(&w.rectorat, &format!("{audit}?limit=500"), "number").await;
    let (paged, pages) = walk_all(&w.rectorat, &format!("{audit}?limit=1"), "number").await;
    assert!(all.len() >= 2, "{all:?}");
    assert_eq!((paged.clone(), pages as usize), (all.clone(), all.len()), "one entry a page");
    let numbers: Vec<String> = (1..=all.len()).map(|n| n.to_string()).collect();
    assert_eq!(all, numbers, "numbered in the trail from 1");
    let (status, _) = w.rectorat.get(&format!("{audit}?format=csv&limit=1")).await;
    assert_eq!(status, 200, "the CSV holds the whole trail");
    let (_, updates) = w.rectorat.get(&format!("{audit}?action=update")).await;
    let actions: Vec<&str> = updates.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["update", "update", "update"], "filtered by action: {updates}");
    let (status, err) = w.rectorat.get(&format!("{audit}?action=DROP%20TABLE")).await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("action")), "{err}");

    let (mine, _) = walk_all(&w.porteur, "/api/v1/me/notifications?limit=500", "id").await;
    let (paged, _) = walk_all(&w.porteur, "/api/v1/me/notifications?limit=1", "id").await;
    assert_eq!(paged, mine, "e-mails one by one, newest first, none twice");
    let (_, pending) = w.porteur.get("/api/v1/me/notifications?status=pending").await;
    assert!(pending.as_array().unwrap().iter().all(|m| m["status"] == "pending"), "{pending}");
    assert_eq!(pending.as_array().unwrap().len(), mine.len(), "no mail worker runs here: all pending");
    let (_, sent) = w.porteur.get("/api/v1/me/notifications?status=sent").await;
    assert_eq!(sent, json!([]));
    let (status, err) = w.porteur.get("/api/v1/me/notifications?status=lu").await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("status")), "{err}");
    let (status, err) = w.porteur.get("/api/v1/me/notifications?cursor=zz").await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("cursor")), "{err}");
    let (status, dead) = w.admin.get("/api/v1/admin/mail/dead?limit=1").await;
    assert_eq!((status, dead), (200, json!([])));
}

/// An administrator invites; the person chooses their own password by a
/// one-time link; anyone may ask for a link for a forgotten password,
/// without learning whether an address has an account. Links are used
/// once, replaced by a newer one, expire, and exist nowhere but in the
/// e-mail (the database keeps their hash).
async fn invitations_and_forgotten_passwords(db: &TestDb) {
    use crate::common::smtp::{password_links, SmtpSink};
    let Some(sink) = SmtpSink::start() else { return };
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let (base, app) = (served.base.clone(), served.app.clone());
    let send = || deliver(&app, Some(sink.url()), served.data.path());
    let admin = Client::login(&base, "admin@example.fr").await;
    let anon = Client::anonymous(&base);
    let links = |to: &str| password_links(&sink.texts(), to);
    let token_of = |link: &str| link.rsplit('/').next().unwrap().to_string();

    let account = json!({"email": "Nadia@ac-grenoble.fr", "name": "Nadia Benali", "role": "staff_rectorat",
        "scope": "Grenoble"});
    let (status, user) = admin.post("/api/v1/admin/users", account).await;
    assert_eq!(status, 201, "{user}");
    assert_eq!((user["active"].as_bool(), user["password_set"].as_bool()), (Some(true), Some(false)), "{user}");
    let nadia = user["id"].as_str().unwrap().to_string();
    assert_eq!(anon.post("/api/v1/login", json!({"email": "nadia@ac-grenoble.fr", "password": ""})).await.0, 401);
    assert_eq!(send().await, 1);
    let received = sink.texts();
    let (_, subject, text) = received.iter().find(|(to, _, _)| to.contains("nadia@ac-grenoble.fr")).unwrap();
    assert!(subject.contains("Invitation") && text.contains("Nadia Benali") && text.contains("08/02/2027"), "{text}");
    let invite = links("nadia@ac-grenoble.fr");
    assert_eq!(invite.len(), 1, "{received:?}");
    assert!(invite[0].starts_with(&format!("{base}/mot-de-passe/lien/")), "{invite:?}");
    let token = token_of(&invite[0]);
    assert_eq!(token.len(), 64);
    if let Some(file) = db.url.strip_prefix("sqlite://") {
        for path in [file.to_string(), format!("{file}-wal")] {
            let bytes = std::fs::read(&path).unwrap_or_default();
            let found = bytes.windows(token.len()).any(|w| w == token.as_bytes());
            assert!(!found, "the token is nowhere in the database ({path})");
        }
    }

    let (status, err) = anon.post("/api/v1/password/link", json!({"token": token, "password": "court"})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("password")), "{err}");
    let (status, err) = anon.post("/api/v1/password/link", json!({"token": "0".repeat(64), "password": "x"})).await;
    assert_eq!(status, 404, "{err}");
    let chosen = json!({"token": token, "password": "mon-mot-de-passe-2027"});
    assert_eq!(anon.post("/api/v1/password/link", chosen.clone()).await.0, 204);
    let (status, err) = anon.post("/api/v1/password/link", chosen).await;
    assert_eq!((status, err["error"]["code"].as_str()), (410, Some("link_spent")), "used once: {err}");
    let nadia_client = Client::login_with(&base, "nadia@ac-grenoble.fr", "mon-mot-de-passe-2027").await;
    let (_, users) = admin.get("/api/v1/admin/users").await;
    let row = users.as_array().unwrap().iter().find(|u| u["id"] == nadia.as_str()).unwrap();
    assert_eq!(row["password_set"], true);

    // A forgotten password: the same answer for an unknown address, a
    // badly written one and a real one; only the real one gets a link.
    let mut replies = vec![];
    for email in ["personne@nulle-part.fr", "pas une adresse", "nadia@ac-grenoble.fr"] {
        replies.push(anon.post("/api/v1/password/forgotten", json!({"email": email})).await);
    }
    assert!(replies.iter().all(|r| *r == replies[0]) && replies[0].0 == 202, "{replies:?}");
    assert_eq!(send().await, 1, "one e-mail: to the account that exists");
    let reset = links("nadia@ac-grenoble.fr");
    assert_eq!(reset.len(), 2);
    let first_reset = reset.iter().find(|l| **l != invite[0]).unwrap().clone();
    anon.post("/api/v1/password/forgotten", json!({"email": "nadia@ac-grenoble.fr"})).await;
    assert_eq!(send().await, 0, "at most one e-mail every two minutes");
    served.clock.set(at(2027, 2, 1, 9, 3));
    anon.post("/api/v1/password/forgotten", json!({"email": "NADIA@ac-grenoble.fr"})).await;
    assert_eq!(send().await, 1);
    let latest = links("nadia@ac-grenoble.fr").into_iter().find(|l| *l != invite[0] && *l != first_reset).unwrap();
    let (status, _) = anon
        .post("/api/v1/password/link", json!({"token": token_of(&first_reset), "password": "encore-un-autre"}))
        .await;
    assert_eq!(status, 410, "a newer link replaces the former");
    let page = reqwest::get(format!("{base}/mot-de-passe/lien/{}", token_of(&first_reset))).await.unwrap();
    assert_eq!(page.status(), 410);
    assert!(page.text().await.unwrap().contains("Mot de passe oublié"));
    assert_eq!(nadia_client.get("/api/v1/me").await.0, 200, "asking for a link ends nothing");
    let page = reqwest::get(&latest).await.unwrap();
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert!(page.text().await.unwrap().contains("nadia@ac-grenoble.fr"));
    let (status, _) =
        anon.post("/api/v1/password/link", json!({"token": token_of(&latest), "password": "nouveau-2027"})).await;
    assert_eq!(status, 204);
    assert_eq!(nadia_client.get("/api/v1/me").await.0, 401, "every session ended with the change");
    Client::login_with(&base, "nadia@ac-grenoble.fr", "nouveau-2027").await;

    // Links expire; a deactivated account gets none; admins only send them.
    served.clock.set(at(2027, 2, 1, 9, 6));
    anon.post("/api/v1/password/forgotten", json!({"email": "nadia@ac-grenoble.fr"})).await;
    assert_eq!(send().await, 1);
    let mut all = links("nadia@ac-grenoble.fr");
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 4, "each e-mail its own token");
    served.clock.set(at(2027, 2, 1, 11, 7));
    for link in links("nadia@ac-grenoble.fr") {
        let (status, _) =
            anon.post("/api/v1/password/link", json!({"token": token_of(&link), "password": "trop-tard-2027"})).await;
        assert_eq!(status, 410, "expired or spent: {link}");
    }
    let path = format!("/api/v1/admin/users/{nadia}/password-link");
    let rectorat = Client::login(&base, "rectorat@ac-lyon.fr").await;
    assert_eq!(rectorat.post(&path, json!({})).await.0, 403);
    let (status, _) = admin.post(&path, json!({})).await;
    assert_eq!(status, 202);
    assert_eq!(send().await, 1, "an administrator's link");
    admin.patch(&format!("/api/v1/admin/users/{nadia}"), json!({"active": false})).await;
    let (status, err) = admin.post(&path, json!({})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("active")), "{err}");
    anon.post("/api/v1/password/forgotten", json!({"email": "nadia@ac-grenoble.fr"})).await;
    assert_eq!(send().await, 0, "a deactivated account gets no link");
    for link in links("nadia@ac-grenoble.fr") {
        let (status, _) =
            anon.post("/api/v1/password/link", json!({"token": token_of(&link), "password": "desactive-2027"})).await;
        assert_eq!(status, 410, "no link opens a deactivated account: {link}");
    }
    let trail = db.store.trail("user", &nadia).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "create",
            "set_password",
            "send_password_link",
            "send_password_link",
            "set_password",
            "send_password_link",
            "send_password_link",
            "update_account"
        ],
        "{trail:?}"
    );
    assert!(matches!(db.store.verify_audit().await.unwrap(), labelflow::store::audit::Verification::Intact { .. }));
    assert!(cast.outsider.user_id.is_some());
}

/// The owners cannot endorse their dossier: they ask the services in
/// scope, who are e-mailed, until both sides have endorsed it.
async fn owners_ask_for_endorsement(db: &TestDb) {
    let w = world(db).await;
    let (status, d) = w.porteur.post("/api/v1/dossiers", dossier_body(&w.campaign)).await;
    assert_eq!(status, 201, "{d}");
    let id = d["id"].as_str().unwrap().to_string();
    let ask = json!({"event": "request_endorsement", "message": "Le dossier est prêt ; joignable au 04 72 00 00 00."});
    w.rectorat.event(&id, ask.clone(), 403).await;
    let done = w.porteur.event(&id, ask.clone(), 200).await;
    assert_eq!(done["state"], "draft", "{done}");
    let asked = |c: &Client| {
        let c = c.clone();
        async move {
            let (_, mails) = c.get("/api/v1/me/notifications").await;
            mails.as_array().unwrap().iter().filter(|m| m["template"] == "endorsement_requested").count()
        }
    };
    assert_eq!((asked(&w.rectorat).await, asked(&w.region).await), (1, 1), "both sides in scope are told");
    assert_eq!(asked(&w.outsider).await, 0, "another académie is not");
    for body in ["crefop", "conseil_academique"] {
        let opinion = json!({"event": "record_opinion", "body": body, "opinion": "favorable", "date": "2027-01-20"});
        w.region.event(&id, opinion, 200).await;
    }
    w.rectorat.event(&id, json!({"event": "endorse"}), 200).await;
    w.porteur.event(&id, ask.clone(), 200).await;
    w.region.event(&id, json!({"event": "endorse"}), 200).await;
    let err = w.porteur.event(&id, ask, 422).await;
    assert_eq!(err["error"]["code"], "fully_endorsed", "{err}");
}

/// A dossier's thread: owners and staff in scope write, each message
/// e-mails the other side, the thread says whose answer it awaits and who
/// read what; nobody else reads it.
async fn dossier_messages(db: &TestDb) {
    let w = world(db).await;
    let (_, d) = w.porteur.post("/api/v1/dossiers", dossier_body(&w.campaign)).await;
    let id = d["id"].as_str().unwrap().to_string();
    let thread = format!("/api/v1/dossiers/{id}/messages");
    assert_eq!(d["awaiting_reply"], Value::Null, "no message yet");
    let (status, posted) = w.porteur.post(&thread, json!({"body": "Bonjour, qui contacter pour le CREFOP ?"})).await;
    assert_eq!(status, 201, "{posted}");
    let (_, d) = w.rectorat.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(d["awaiting_reply"], "staff", "{d}");
    let (status, list) = w.rectorat.get(&thread).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!((list[0]["side"].as_str(), list[0]["unread"].as_bool()), (Some("owners"), Some(true)), "{list}");
    assert_eq!(w.rectorat.get(&thread).await.1[0]["unread"], false, "read once opened");
    let (_, mine) = w.porteur.get(&thread).await;
    assert_eq!(mine[0]["read_by"], json!(["rectorat"]), "the author sees who read it: {mine}");
    let reply = json!({"body": "Le secrétariat du CREFOP, à la région."});
    assert_eq!(w.region.post(&thread, reply).await.0, 201);
    let (_, d) = w.porteur.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(d["awaiting_reply"], "owners");
    let (_, mine) = w.porteur.get(&thread).await;
    assert_eq!((mine.as_array().unwrap().len(), mine[1]["unread"].as_bool()), (2, Some(true)), "{mine}");
    let told = |c: &Client| {
        let c = c.clone();
        async move {
            let (_, mails) = c.get("/api/v1/me/notifications").await;
            mails.as_array().unwrap().iter().filter(|m| m["template"] == "message_received").count()
        }
    };
    assert_eq!(told(&w.rectorat).await, 1, "the staff in scope are told of the owners' message");
    assert_eq!(told(&w.region).await, 1);
    assert_eq!(told(&w.porteur).await, 1, "the owners of the staff's");
    assert_eq!(told(&w.outsider).await, 0);
    assert_eq!(w.outsider.get(&thread).await.0, 404, "out of scope: no such dossier");
    assert_eq!(w.outsider.post(&thread, json!({"body": "x"})).await.0, 404);
    assert_eq!(w.rapporteur.get(&thread).await.0, 404, "not assigned: no such dossier");
    for body in ["", "   ", &"x".repeat(5001)] {
        let (status, err) = w.porteur.post(&thread, json!({"body": body})).await;
        assert_eq!((status, err["error"]["field"].as_str()), (422, Some("body")), "{err}");
    }
    let (_, trail) = w.rectorat.get(&format!("/api/v1/dossiers/{id}/audit?action=post_message")).await;
    assert_eq!(trail.as_array().unwrap().len(), 2, "each message in the audit trail: {trail}");

    // Private notes: the staff's alone, e-mailing only whom they mention.
    let note = json!({"body": "À voir avec @region@ara.fr avant le CREFOP.", "private": true});
    assert_eq!(w.porteur.post(&thread, note.clone()).await.0, 403, "the owners write no private note");
    assert_eq!(w.rectorat.post(&thread, note).await.0, 201);
    let (_, staff_view) = w.region.get(&thread).await;
    let last = &staff_view[2];
    assert_eq!((last["private"].as_bool(), last["side"].as_str()), (Some(true), Some("staff")), "{staff_view}");
    let (_, owners_view) = w.porteur.get(&thread).await;
    assert_eq!(owners_view.as_array().unwrap().len(), 2, "never shown to the owners: {owners_view}");
    assert!(owners_view.as_array().unwrap().iter().all(|m| m["private"] == false));
    let noted = |c: &Client| {
        let c = c.clone();
        async move {
            let (_, mails) = c.get("/api/v1/me/notifications").await;
            mails.as_array().unwrap().iter().filter(|m| m["template"] == "note_mention").count()
        }
    };
    assert_eq!(noted(&w.region).await, 1, "the one mentioned is told");
    assert_eq!((told(&w.porteur).await, noted(&w.porteur).await), (1, 0), "the owners are told nothing");
    let (_, d) = w.porteur.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(d["awaiting_reply"], "owners", "a note awaits nobody's answer");
    for who in ["porteur@example.fr", "personne@nulle-part.fr", "rectorat@ac-paris.fr"] {
        let note = json!({"body": format!("Voir @{who}"), "private": true});
        let (status, err) = w.rectorat.post(&thread, note).await;
        assert_eq!((status, err["error"]["field"].as_str()), (422, Some("body")), "{who}: {err}");
        assert_eq!(err["error"]["message"], format!("@{who} does not read this dossier's notes"), "the same for all");
    }
}

mod passwords {
    use super::*;
    on_both_backends!(invitations_and_forgotten_passwords, owners_ask_for_endorsement, dossier_messages);
}
