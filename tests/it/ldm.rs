//! The second shipped label, the « lycée des métiers », from its file
//! alone: an establishment's request through admissibility, the audit, the
//! group's scoring, the CAEN's opinion and the recteur's decision, through
//! the API and the pages, beside the CMQ on the same server.

use crate::common::*;
use crate::pages::Browser;
use serde_json::{json, Value};

async fn request_to_label(db: &TestDb) {
    let cast = cast(&db.store).await;
    let chef = user(&db.store, "chef@lycee-ampere.fr", &[("chef_etablissement", None)], &[]).await;
    user(&db.store, "recteur@ac-lyon.fr", &[("recteur", Some("academie:LYON"))], &[]).await;
    let mut members = Vec::new();
    for n in 1..=2 {
        let member = user(&db.store, &format!("groupe{n}@ac-lyon.fr"), &[("membre_groupe_ldm", None)], &[]).await;
        members.push(member.user_id.unwrap().to_string());
    }
    let served = serve(&db.store, at(2027, 1, 10, 9, 0)).await;
    let base = served.base.clone();
    let admin = Client::login(&base, "admin@example.fr").await;
    let chef_client = Client::login(&base, "chef@lycee-ampere.fr").await;
    let staff = Client::login(&base, "rectorat@ac-lyon.fr").await;
    let recteur = Client::login(&base, "recteur@ac-lyon.fr").await;
    let outsider = Client::login(&base, "rectorat@ac-paris.fr").await;
    let _ = (&cast, &chef);

    // The server runs both labels; the lycée des métiers has its own form.
    let (_, workflows) = admin.get("/api/v1/workflows").await;
    let ldm = workflows.as_array().unwrap().iter().find(|w| w["id"] == "ldm").expect("ldm is served");
    // Its records, as its file declares them: the audit has no key.
    let audit = ldm["records"].as_array().unwrap().iter().find(|r| r["name"] == "audit").expect("an audit record");
    assert_eq!((audit["machine"].as_str(), audit["key"].as_str()), (Some("dossier"), None), "{audit}");
    assert_eq!(audit["writers"], json!(["staff_rectorat"]));
    assert_eq!(audit["fields"][0]["name"], "conclusions", "{audit}");
    assert_eq!(ldm["grid"]["criteria"].as_array().unwrap().len(), 8);
    let (status, call) = admin
        .post(
            "/api/v1/campaigns",
            json!({"name": "Lycées des métiers 2027", "workflow": "ldm", "opens_at": "2027-01-01", "closes_at": "2027-06-30"}),
        )
        .await;
    assert_eq!(status, 201, "{call}");
    let mut form = json!({
        "uai": "0691234T", "etablissement": "Lycée Ampère", "type_etablissement": "lp", "academie": "LYON",
        "deliberation_ca": "2026-12-15", "metiers": "Métiers de l'électricité et de l'énergie.", "labellisation": "seul",
    });
    let body = |form: &Value| json!({"campaign_id": call["id"], "title": "Lycée Ampère", "kind": "creation", "category": "standard", "form": form});
    // A UAI is checked by its letter.
    let (status, refused) = chef_client.post("/api/v1/dossiers", body(&form)).await;
    assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("uai")), "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("check letter would be S"), "{refused}");
    form["uai"] = json!("0691234S");
    let (status, dossier) = chef_client.post("/api/v1/dossiers", body(&form)).await;
    assert_eq!(status, 201, "{dossier}");
    let id = dossier["id"].as_str().unwrap().to_string();
    assert_eq!(dossier["form"]["academie"], "LYON");

    // Staff of another académie do not see it; the académie's do.
    let (status, _) = outsider.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(status, 404);
    chef_client.event(&id, json!({"event": "submit"}), 200).await;
    staff.event(&id, json!({"event": "declare_admissible"}), 200).await;
    let audited = staff
        .event(
            &id,
            json!({"event": "record_audit", "plan": "Visite des ateliers, entretiens.", "conclusions": "Conforme.", "ecarts": "Communication à renforcer."}),
            200,
        )
        .await;
    assert_eq!(audited["state"], "audited");
    // The audit is the dossier's `audit` record, as the file declares it.
    let (_, d) = staff.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(d["records"]["audit"][0]["conclusions"], "Conforme.", "{d}");
    assert_eq!(d["records"]["audit"][0]["ecarts"], "Communication à renforcer.", "{d}");
    assert_eq!(d["records"]["audit"][0]["plan"], "Visite des ateliers, entretiens.", "{d}");
    assert_eq!(d["records"]["opinion"], json!([]), "every declared record is listed: {d}");
    for member in &members {
        staff.event(&id, json!({"event": "assign_reviewer", "user_id": member, "due": "2027-05-15"}), 200).await;
    }
    // A list words each dossier's state as its own workflow does (the CMQ
    // calls the same state « En expertise »).
    let (_, html) = Browser::login(&base, "chef@lycee-ampere.fr").await.get("/tableau-de-bord").await;
    assert!(html.contains("Examen par le groupe") && !html.contains("En expertise"), "{html}");
    let scores: serde_json::Map<String, Value> = ldm["grid"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["code"].as_str().unwrap().to_string(), json!(2)))
        .collect();
    for n in 1..=2 {
        let member = Client::login(&base, &format!("groupe{n}@ac-lyon.fr")).await;
        member.event(&id, json!({"event": "submit_review", "scores": scores, "comment": "Solide."}), 200).await;
    }
    // The decision waits for the CAEN's opinion, as the file says.
    let decide = json!({"event": "decide", "outcome": "labelled", "category": "standard", "years": 5, "motivation": "Critères remplis."});
    let refused = recteur.event(&id, decide.clone(), 422).await;
    assert_eq!(refused["error"]["code"], "opinion_missing", "{refused}");
    staff.event(&id, json!({"event": "record_opinion", "body": "caen", "opinion": "favorable"}), 200).await;
    let decided = recteur.event(&id, decide, 200).await;
    assert_eq!(decided["state"], "labelled");
    let label = decided["label_id"].as_str().expect("a label").to_string();
    let (_, l) = chef_client.get(&format!("/api/v1/labels/{label}")).await;
    assert_eq!((l["valid_from"].as_str(), l["valid_until"].as_str()), (Some("2027-01-10"), Some("2032-01-09")), "{l}");

    // The pages speak the label's own words.
    let page = Browser::login(&base, "chef@lycee-ampere.fr").await;
    let (status, html) = page.get(&format!("/dossiers/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("<h2>L&#39;établissement</h2>") || html.contains("<h2>L'établissement</h2>"), "{html}");
    assert!(html.contains("UAI de l") && html.contains("0691234S") && html.contains("Lycée professionnel"), "{html}");
    // Its records, worded by the file: the audit, the CAEN's opinion.
    assert!(html.contains("<h2>Audit</h2>") && html.contains("Conclusions de l&#39;audit : Conforme."), "{html}");
    assert!(
        html.contains("Avis de : Conseil académique de l&#39;éducation nationale (CAEN) — Avis : Favorable"),
        "{html}"
    );
    let (status, html) = page.get(&format!("/labels/{label}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Lycée Ampère"), "{html}");
}

on_both_backends!(request_to_label);
