//! Decision documents: previewed before deciding (nothing recorded), made
//! once at the decision, kept with their SHA-256 in the audit trail,
//! served as kept to whoever sees the dossier; read back by poppler's
//! `pdftotext`, an independent reader.

use crate::common::*;
use labelflow::store::documents::sha256_hex;
use serde_json::json;

async fn cmq_decision_documents(db: &TestDb) {
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 1, 20, 9, 0)).await;
    let app = served.app.clone();
    let campaign = campaign(&db.store, &cast.admin).await;
    let id = dossier_with_avis(&app, &cast, campaign, "excellence").await;
    let ministeres = Client::login(&served.base, "ministeres@example.fr").await;
    let porteur = Client::login(&served.base, "porteur@example.fr").await;
    let pdf_path = format!("/api/v1/dossiers/{id}/decision.pdf");
    let preview_path = format!("/api/v1/dossiers/{id}/decision-preview");
    let arrete = json!({"event": "decide", "outcome": "labelled",
        "motivation": "Sur l'avis favorable du groupe national d'experts.",
        "arrete_reference": "Arrêté du 20 janvier 2027, JO du 24 janvier 2027", "arrete_date": "2027-01-20"});

    // Before deciding: no document; a preview shows what the arrêté would
    // issue, marked as such, and records nothing.
    assert_eq!(porteur.pdf(&pdf_path, None).await.0, 404);
    let mails = db.store.outbox_count("decision").await.unwrap();
    let (status, _, preview) = ministeres.pdf(&preview_path, Some(arrete.clone())).await;
    assert_eq!(status, 200);
    let text = pdf_text(&preview);
    assert!(text.contains("APERÇU") && text.contains("Campus Industrie du futur Lyon"), "{text}");
    assert!(text.contains("mention « excellence »") && text.contains("pour une durée de 3 ans"), "{text}");
    assert!(text.contains("du 20 janvier 2027 au 19 janvier 2030"), "{text}");
    assert_eq!(porteur.pdf(&pdf_path, None).await.0, 404, "a preview keeps nothing");
    assert_eq!(db.store.outbox_count("decision").await.unwrap(), mails, "a preview sends nothing");
    let (_, view) = porteur.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(view["state"], "avis_given", "{view}");
    // A preview is checked as deciding is: by whom, with what.
    assert_eq!(porteur.pdf(&preview_path, Some(arrete.clone())).await.0, 403);
    let mut wrong = arrete.clone();
    wrong["years"] = json!(9);
    let (status, _, body) = ministeres.pdf(&preview_path, Some(wrong)).await;
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("years")), "{body}");
    let outsider = Client::login(&served.base, "rectorat@ac-paris.fr").await;
    assert_eq!(outsider.pdf(&preview_path, Some(arrete.clone())).await.0, 404);

    // The arrêté: its document is made once, its hash in the audit trail.
    let (status, decided) = ministeres.post(&format!("/api/v1/dossiers/{id}/events"), arrete).await;
    assert_eq!(status, 200, "{decided}");
    let (status, sha, pdf) = porteur.pdf(&pdf_path, None).await;
    assert_eq!(status, 200);
    let sha = sha.expect("the SHA-256 header");
    assert_eq!(sha, sha256_hex(&pdf));
    let text = pdf_text(&pdf);
    assert!(!text.contains("APERÇU"), "{text}");
    for expected in [
        "Extrait de l'arrêté conjoint du 20 janvier 2027",
        "Campus Industrie du futur Lyon",
        "mention « excellence »",
        "du 20 janvier 2027 au 19 janvier 2030",
        "Arrêté du 20 janvier 2027, JO du 24 janvier 2027",
        "Attestation de labellisation",
        "Auvergne-Rhône-Alpes",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    let rectorat = Client::login(&served.base, "rectorat@ac-lyon.fr").await;
    let (_, trail) = rectorat.get(&format!("/api/v1/dossiers/{id}/audit")).await;
    let issued: Vec<&serde_json::Value> =
        trail.as_array().unwrap().iter().filter(|e| e["action"] == "issue_decision_document").collect();
    assert_eq!(issued.len(), 1, "{trail}");
    assert_eq!(issued[0]["data"]["sha256"], sha.as_str());
    // Served as kept, to each who sees the dossier, the same bytes each time;
    // made again from the stored decision, the same bytes too.
    let rapporteur = Client::login(&served.base, "rapporteur1@example.fr").await;
    let (status, again, _) = rapporteur.pdf(&pdf_path, None).await;
    assert_eq!((status, again.as_deref()), (200, Some(sha.as_str())));
    assert_eq!(outsider.pdf(&pdf_path, None).await.0, 404, "out of scope, no document");
    let def = app.workflow.clone();
    let remade = app.remake_decision_document(&def, id).await.unwrap().expect("a document");
    assert_eq!(sha256_hex(&remade.pdf), sha, "the same decision makes the same bytes");
    let (_, listed) = porteur.get(&format!("/api/v1/dossiers/{id}/documents")).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!((listed[0]["sha256"].as_str(), listed[0]["current"].as_bool()), (Some(sha.as_str()), Some(true)));
    let page = crate::pages::Browser::login(&served.base, "porteur@example.fr").await;
    let (_, html) = page.get(&format!("/dossiers/{id}")).await;
    assert!(html.contains(&format!("href=\"/dossiers/{id}/decision.pdf\"")) && html.contains(&sha), "{html}");

    // A refusal's letter gives its motives as typed: what looks like
    // Markdown in them stays text.
    let refused = dossier_with_avis(&app, &cast, campaign, "standard").await;
    let motives = "# Réseau **insuffisant**\n- un seul partenaire";
    let (status, _) = ministeres
        .post(
            &format!("/api/v1/dossiers/{refused}/events"),
            json!({"event": "decide", "outcome": "rejected", "motivation": motives}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _, letter) = porteur.pdf(&format!("/api/v1/dossiers/{refused}/decision.pdf"), None).await;
    assert_eq!(status, 200);
    let text = pdf_text(&letter);
    assert!(text.contains("Décision de refus du label « Campus des métiers et des qualifications »"), "{text}");
    assert!(text.contains("# Réseau **insuffisant** - un seul partenaire"), "{text}");
    assert!(text.contains("Voies et délais de recours"), "{text}");
}

on_both_backends!(cmq_decision_documents);

/// The typesetting itself: tagged, with an outline, the same bytes for the
/// same document, long words cut rather than overflowing.
#[test]
fn documents_are_tagged_and_deterministic() {
    let text =
        "# Titre\n\nUn paragraphe **gras** et normal.\n\n- premier\n- second\n\n---\n\n## Suite\n\nMot_très_long_"
            .to_string()
            + &"x".repeat(300);
    let date = chrono::NaiveDate::from_ymd_opt(2027, 1, 20).unwrap();
    let one = labelflow::documents::render("Essai", &text, None, date).unwrap();
    let two = labelflow::documents::render("Essai", &text, None, date).unwrap();
    assert_eq!(one, two);
    let read = pdf_text(&one);
    assert!(read.contains("Un paragraphe gras et normal.") && read.contains("Page 2 sur 2"), "{read}");
    let raw = String::from_utf8_lossy(&one);
    assert!(raw.contains("/StructTreeRoot") && raw.contains("/Outlines") && raw.contains("/Lang"), "tagged PDF");
}
