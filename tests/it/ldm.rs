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
    // Each académie sets its own campaign: the national call form is
    // refused, so is another académie's staff; Lyon's services open it.
    assert_eq!(ldm["campaigns"], json!({"scope": "academie", "opened_by": ["staff_rectorat"]}));
    let call = |territory: Option<&str>| json!({"name": "Lycées des métiers 2027", "workflow": "ldm", "opens_at": "2027-01-01", "closes_at": "2027-06-30", "territory": territory});
    let (status, refused) = admin.post("/api/v1/campaigns", call(None)).await;
    assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("territory")), "{refused}");
    let (status, refused) = admin.post("/api/v1/campaigns", call(Some("ATLANTIS"))).await;
    assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("territory")), "{refused}");
    let (status, _) = outsider.post("/api/v1/campaigns", call(Some("LYON"))).await;
    assert_eq!(status, 403, "Paris's services open no call for Lyon");
    let (status, _) = staff
        .post(
            "/api/v1/campaigns",
            json!({"name": "CMQ", "workflow": "cmq", "opens_at": "2027-01-01", "closes_at": "2027-06-30"}),
        )
        .await;
    assert_eq!(status, 403, "the CMQ's calls stay national");
    let (status, call) = staff.post("/api/v1/campaigns", call(Some("LYON"))).await;
    assert_eq!((status, call["territory"].as_str()), (201, Some("LYON")), "{call}");
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
    // The campaign is Lyon's: an establishment elsewhere is refused, one
    // that leaves its académie out is placed in Lyon.
    form["academie"] = json!("PARIS");
    let (status, refused) = chef_client.post("/api/v1/dossiers", body(&form)).await;
    assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("academie")), "{refused}");
    form.as_object_mut().unwrap().remove("academie");
    let (status, dossier) = chef_client.post("/api/v1/dossiers", body(&form)).await;
    assert_eq!(status, 201, "{dossier}");
    let id = dossier["id"].as_str().unwrap().to_string();
    assert_eq!(dossier["form"]["academie"], "LYON");
    let (status, refused) =
        chef_client.patch(&format!("/api/v1/dossiers/{id}"), json!({"form": {"academie": "PARIS"}})).await;
    assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("academie")), "{refused}");

    // Staff of another académie do not see it; the académie's do.
    let (status, _) = outsider.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(status, 404);
    let (status, _) = chef_client
        .put(
            &format!("/api/v1/dossiers/{id}/self-assessment"),
            json!({"l1_offre": "Six formations du CAP au BTS autour de l'énergie."}),
        )
        .await;
    assert_eq!(status, 200);
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
    // Those who assign the group's members see who examines, since when
    // and by when; a member already assigned is not offered again.
    let staff_page = Browser::login(&base, "rectorat@ac-lyon.fr").await;
    let (_, html) = staff_page.get(&format!("/dossiers/{id}")).await;
    assert!(html.contains("<caption>Personnes désignées (2)</caption>") && html.contains("<td>groupe1</td>"), "{html}");
    assert!(!html.contains(&format!("<option value=\"{}\"", members[0])), "an assigned member is not offered: {html}");
    // A member scores with what each score means and the establishment's
    // own words on each criterion in view, and may comment each one.
    let member_page = Browser::login(&base, "groupe1@ac-lyon.fr").await;
    let (_, html) = member_page.get(&format!("/dossiers/{id}")).await;
    assert!(html.contains("Six formations du CAP au BTS autour de l&#39;énergie."), "{html}");
    assert!(
        html.contains("2 — Satisfaisant : le critère est rempli") && html.contains("Commentaire sur ce critère"),
        "{html}"
    );
    assert!(!html.contains("Personnes désignées"), "a member is not told who else examines: {html}");
    for n in 1..=2 {
        let member = Client::login(&base, &format!("groupe{n}@ac-lyon.fr")).await;
        let notes = json!({"l1_offre": format!("Offre cohérente ({n}).")});
        member
            .event(&id, json!({"event": "submit_review", "scores": scores, "notes": notes, "comment": "Solide."}), 200)
            .await;
    }
    // Reviews in, the dossier waits in the queue of those who decide, with
    // its averages against the bar.
    let (status, html) = staff_page.get("/a-decider").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("Lycée Ampère") && html.contains("<td>2 / 2</td>") && html.contains("<td>2,00</td>"),
        "{html}"
    );
    assert!(html.contains("Critères au seuil du label") && html.contains("<td>8 / 8</td>"), "{html}");
    let (_, html) = Browser::login(&base, "rectorat@ac-paris.fr").await.get("/a-decider").await;
    assert!(!html.contains("Lycée Ampère"), "no other académie's dossier, nor its averages: {html}");
    // A member corrects their examination before its due date; the one
    // who has not reviewed has nothing to correct.
    let member = Client::login(&base, "groupe1@ac-lyon.fr").await;
    let (_, html) = member_page.get(&format!("/dossiers/{id}")).await;
    assert!(
        html.contains("Modifier son examen") && html.contains("Offre cohérente (1).</textarea>"),
        "prefilled: {html}"
    );
    let mut better = scores.clone();
    better.insert("l1_offre".into(), json!(3));
    member
        .event(&id, json!({"event": "revise_review", "scores": better, "notes": {"l1_offre": "Offre remarquable."}, "comment": "Très solide."}), 200)
        .await;
    let (_, reviews) = staff.get(&format!("/api/v1/dossiers/{id}/reviews")).await;
    let mine = reviews
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reviewer_id"] == members[0].as_str())
        .unwrap_or_else(|| panic!("{reviews}"));
    assert_eq!(
        (mine["scores"]["l1_offre"].as_i64(), mine["notes"]["l1_offre"].as_str()),
        (Some(3), Some("Offre remarquable.")),
        "{mine}"
    );
    assert_eq!(reviews.as_array().unwrap().len(), 2, "revised, not added: {reviews}");
    let (_, html) = staff_page.get(&format!("/dossiers/{id}")).await;
    assert!(html.contains("Commentaires par critère") && html.contains("groupe1 : Offre remarquable."), "{html}");
    // The decision waits for the CAEN's opinion, as the file says.
    let decide = json!({"event": "decide", "outcome": "labelled", "category": "standard", "years": 5, "motivation": "Critères remplis."});
    let refused = recteur.event(&id, decide.clone(), 422).await;
    assert_eq!(refused["error"]["code"], "opinion_missing", "{refused}");
    // The establishment answers the group's reports, read without their authors.
    let (_, hidden) = chef_client.get(&format!("/api/v1/dossiers/{id}/reviews")).await;
    assert_eq!(hidden, json!([]), "not before the phase");
    let open = json!({"event": "open_reports_answer", "message": "Répondez aux écarts relevés.", "due": "2027-06-30"});
    assert_eq!(staff.event(&id, open, 200).await["state"], "answering");
    let (_, shown) = chef_client.get(&format!("/api/v1/dossiers/{id}/reviews")).await;
    assert!(shown.as_array().unwrap().iter().all(|r| r["reviewer_id"].is_null()), "{shown}");
    assert_eq!(shown.as_array().unwrap().len(), 2, "{shown}");
    let answer = json!({"event": "answer_reports", "answer": "Les écarts sont traités dans le plan joint."});
    assert_eq!(chef_client.event(&id, answer, 200).await["state"], "reviewed");
    let (_, view) = staff.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(view["records"]["owner_answer"][0]["answer"], "Les écarts sont traités dans le plan joint.");
    // The CAEN's secretariat, without an account, gives its opinion by link.
    let ask = json!({"email": "caen@ac-lyon.fr", "name": "Secrétariat du CAEN", "question": "Avis du CAEN ?",
        "due": "2027-06-30", "input": {"body": "caen"}});
    let (status, invitation) = staff.post(&format!("/api/v1/dossiers/{id}/invitations"), ask).await;
    assert_eq!(status, 201, "{invitation}");
    let mails = tempfile::tempdir().unwrap();
    deliver(&served.app, None, mails.path()).await;
    let texts = crate::common::smtp::texts_in(mails.path());
    let link = crate::common::smtp::links(&texts, "caen@ac-lyon.fr", "/avis/");
    assert_eq!(link.len(), 1, "one e-mail, one link");
    let guest = format!("/api/v1/guest/{}", link[0].rsplit('/').next().unwrap());
    let anon = Client::anonymous(&base);
    let answer = json!({"text": "Le CAEN émet un avis favorable.", "input": {"opinion": "favorable"}});
    assert_eq!(anon.post(&guest, answer.clone()).await.0, 201);
    assert_eq!(anon.post(&guest, answer).await.0, 410, "single use");
    let (_, view) = staff.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(view["records"]["opinion"][0]["opinion"], "favorable", "{view}");
    // The decision's form says what a labelling needs, never « optional »
    // for an input that is then required.
    let (_, html) = Browser::login(&base, "recteur@ac-lyon.fr").await.get(&format!("/dossiers/{id}")).await;
    assert!(
        html.contains("Durée (années) <span class=\"lf-hint\">Obligatoire si Décision : Labellisé</span>"),
        "{html}"
    );
    let decided = recteur.event(&id, decide, 200).await;
    assert_eq!(decided["state"], "labelled");
    let label = decided["label_id"].as_str().expect("a label").to_string();
    let (_, l) = chef_client.get(&format!("/api/v1/labels/{label}")).await;
    assert_eq!((l["valid_from"].as_str(), l["valid_until"].as_str()), (Some("2027-01-10"), Some("2032-01-09")), "{l}");
    // The recteur's decision as a document, kept at the decision, for the
    // school head: the establishment, its UAI, the validity in full.
    let (status, sha, pdf) = chef_client.pdf(&format!("/api/v1/dossiers/{id}/decision.pdf"), None).await;
    assert_eq!(status, 200);
    assert_eq!(sha.as_deref(), Some(labelflow::store::documents::sha256_hex(&pdf).as_str()));
    let text = pdf_text(&pdf);
    assert!(text.contains("Décision d'attribution du label « Lycée des métiers »"), "{text}");
    assert!(text.contains("Lycée Ampère") && text.contains("UAI 0691234S"), "{text}");
    assert!(text.contains("du 10 janvier 2027 au 9 janvier 2032"), "{text}");
    assert!(text.contains("Attestation de labellisation") && text.contains("Critères remplis."), "{text}");

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
    // What the service e-mailed the school head, about what.
    let (status, html) = page.get("/mes-courriels").await;
    assert_eq!(status, 200);
    assert!(html.contains("<td>Accusé de réception</td>") && html.contains("<td>Décision</td>"), "{html}");
    assert!(html.contains(&format!("<a href=\"/dossiers/{id}\">Lycée Ampère</a>")), "{html}");

    // Two renewals decided the same year, one « avec modification »: the
    // yearly list puts each label in its section of the BO.
    let renewal = |of: &str, title: &str| json!({"campaign_id": call["id"], "title": title, "kind": "renewal", "renewal_of": of, "category": "standard", "form": form});
    let decide = |modification: &str| {
        json!({"event": "decide", "outcome": "labelled", "category": "standard", "years": 5,
            "motivation": "Critères remplis.", "modification": modification})
    };
    let (status, changed) =
        chef_client.post("/api/v1/dossiers", renewal(&label, "Lycée Ampère (renouvellement)")).await;
    assert_eq!(status, 201, "{changed}");
    let changed = walk_to_decision(
        &base,
        changed["id"].as_str().unwrap(),
        &members,
        &scores,
        decide("Métiers du numérique ajoutés."),
    )
    .await;
    let changed = changed["label_id"].as_str().unwrap().to_string();
    let (status, same) =
        chef_client.post("/api/v1/dossiers", renewal(&changed, "Lycée Ampère (second renouvellement)")).await;
    assert_eq!(status, 201, "{same}");
    let same = walk_to_decision(&base, same["id"].as_str().unwrap(), &members, &scores, decide("")).await;
    let same = same["label_id"].as_str().unwrap().to_string();

    let (status, list) = staff.get("/api/v1/workflows/ldm/publication?year=2027").await;
    assert_eq!(status, 200, "{list}");
    let codes: Vec<&str> = list["sections"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["nouveaux", "renouveles", "renouveles_avec_modification"]);
    let ids = |n: usize| -> Vec<String> {
        list["sections"][n]["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!((ids(0), ids(1), ids(2)), (vec![label.clone()], vec![same.clone()], vec![changed.clone()]), "{list}");
    let first = &list["sections"][0]["labels"][0];
    assert_eq!((first["uai"].as_str(), first["academie_label"].as_str()), (Some("0691234S"), Some("Lyon")), "{first}");
    // A renewal starts when the label it renews ends, and is listed the
    // year it is granted.
    assert!(list["sections"][2]["labels"][0]["valid_from"].as_str().unwrap() >= "2032-01-10", "{list}");
    let (_, other_year) = staff.get("/api/v1/workflows/ldm/publication?year=2026").await;
    assert!(other_year["sections"].as_array().unwrap().iter().all(|s| s["labels"] == json!([])), "{other_year}");
    // Another académie's services see none of Lyon's.
    let (_, elsewhere) = outsider.get("/api/v1/workflows/ldm/publication?year=2027").await;
    assert!(elsewhere["sections"].as_array().unwrap().iter().all(|s| s["labels"] == json!([])), "{elsewhere}");
    let (status, _) = staff.get("/api/v1/workflows/cmq/publication?year=2027").await;
    assert_eq!(status, 404, "the CMQ publishes an arrêté per call, no yearly list");
    let (status, refused) = staff.get("/api/v1/workflows/ldm/publication?year=l'an%20dernier").await;
    assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("year")), "{refused}");
    let (status, csv) = staff.bytes("/api/v1/workflows/ldm/publication?year=2027&format=csv").await;
    assert_eq!(status, 200);
    let csv = String::from_utf8(csv).unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("section,section_label,id,title,academie,academie_label,uai"), "{csv}");
    assert!(lines.next().unwrap().starts_with("nouveaux,Établissements nouvellement labellisés,"), "{csv}");
    assert_eq!(csv.lines().count(), 4, "{csv}");
    // The same list as a page, for the académie's services.
    let page = Browser::login(&base, "rectorat@ac-lyon.fr").await;
    let (_, html) = page.get("/tableau-de-bord").await;
    assert!(html.contains("href=\"/publication/ldm\""), "the dashboard links the yearly list: {html}");
    let (status, html) = page.get("/publication/ldm?annee=2027").await;
    assert_eq!(status, 200, "{html}");
    for section in [
        "<h2>Établissements nouvellement labellisés</h2>",
        "<h2>Établissements dont le label est renouvelé avec modification</h2>",
    ] {
        assert!(html.contains(section), "{section}: {html}");
    }
    assert!(html.contains("Lycée Ampère (second renouvellement)") && html.contains("0691234S"), "{html}");
}

/// Takes a submitted-to-be dossier of the Lyon campaign through every step
/// to the recteur's decision; returns the decision's outcome.
async fn walk_to_decision(
    base: &str,
    id: &str,
    members: &[String],
    scores: &serde_json::Map<String, Value>,
    decide: Value,
) -> Value {
    let chef = Client::login(base, "chef@lycee-ampere.fr").await;
    let staff = Client::login(base, "rectorat@ac-lyon.fr").await;
    chef.event(id, json!({"event": "submit"}), 200).await;
    staff.event(id, json!({"event": "declare_admissible"}), 200).await;
    staff.event(id, json!({"event": "record_audit", "conclusions": "Conforme."}), 200).await;
    for member in members {
        staff.event(id, json!({"event": "assign_reviewer", "user_id": member, "due": "2027-05-15"}), 200).await;
    }
    for n in 1..=members.len() {
        let member = Client::login(base, &format!("groupe{n}@ac-lyon.fr")).await;
        member.event(id, json!({"event": "submit_review", "scores": scores, "comment": "Solide."}), 200).await;
    }
    staff.event(id, json!({"event": "record_opinion", "body": "caen", "opinion": "favorable"}), 200).await;
    Client::login(base, "recteur@ac-lyon.fr").await.event(id, decide, 200).await
}

on_both_backends!(request_to_label);
