//! Outside experts by link: invited by the staff in scope, answering once
//! without an account through the workflow's own step (its record, its
//! guards), reminded before the deadline, refused after revocation or the
//! deadline; a confidential answer hidden from the owners; the expert
//! named in the audit trail; each e-mail sent once.

use crate::common::smtp::{links, SmtpSink};
use crate::common::*;
use serde_json::{json, Value};

fn token_of(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_string()
}

async fn cmq_outside_experts(db: &TestDb) {
    let Some(sink) = SmtpSink::start() else { return };
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let (base, app) = (served.base.clone(), served.app.clone());
    let send = || deliver(&app, Some(sink.url()), served.data.path());
    let campaign = campaign(&db.store, &cast.admin).await;
    let id = app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
    let mut rectorat = Client::login(&base, "rectorat@ac-lyon.fr").await;
    let region = Client::login(&base, "region@ara.fr").await;
    let mut porteur = Client::login(&base, "porteur@example.fr").await;
    let mut outsider = Client::login(&base, "rectorat@ac-paris.fr").await;
    let rapporteur = Client::login(&base, "rapporteur1@example.fr").await;
    let anon = Client::anonymous(&base);
    let invitations = format!("/api/v1/dossiers/{id}/invitations");
    let crefop = json!({"email": "Secretariat@crefop-ara.fr", "name": "Secrétariat du CREFOP",
        "question": "Quel est l'avis du CREFOP sur ce projet de campus ?", "due": "2027-02-15",
        "input": {"body": "crefop"}});

    // Bad input: every problem named at once, nothing written.
    let bad = json!({"email": "pas-une-adresse", "name": " ", "question": "?", "due": "2027-01-01",
        "input": {"opinion": "favorable"}});
    let (status, err) = rectorat.post(&invitations, bad).await;
    assert_eq!(status, 422, "{err}");
    let fields: Vec<&str> =
        err["error"]["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["email", "name", "due", "opinion"], "{err}");
    // Only the inviters of the dossier's scope invite; others do not learn it exists.
    assert_eq!(porteur.post(&invitations, crefop.clone()).await.0, 403);
    assert_eq!(outsider.post(&invitations, crefop.clone()).await.0, 404);
    assert_eq!(rapporteur.post(&invitations, crefop.clone()).await.0, 404);
    assert_eq!(rectorat.get(&invitations).await, (200, json!([])));

    let (status, first) = rectorat.post(&invitations, crefop.clone()).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!((first["status"].as_str(), first["email"].as_str()), (Some("open"), Some("secretariat@crefop-ara.fr")));
    assert_eq!(first["preset"], json!({"body": "crefop"}));
    let caen = json!({"email": "caen@ac-lyon.fr", "name": "Secrétariat du CAEN", "question": "Avis du CAEN ?",
        "due": "2027-02-20", "confidential": true, "input": {"body": "conseil_academique"}});
    let (status, confidential) = region.post(&invitations, caen).await;
    assert_eq!((status, confidential["confidential"].as_bool()), (201, Some(true)), "{confidential}");
    let third = json!({"email": "expert@example.org", "name": "Expert retiré", "question": "Votre avis ?",
        "due": "2027-02-20", "input": {"body": "crefop"}});
    let (_, revoked) = rectorat.post(&invitations, third).await;

    assert_eq!(send().await, 3, "one e-mail per invitation; the reminders wait for their day");
    let texts = sink.texts();
    let link_of = |to: &str| {
        let found = links(&sink.texts(), to, "/avis/");
        found.last().cloned().unwrap_or_else(|| panic!("no link to {to}: {texts:?}"))
    };
    let (_, subject, text) = texts.iter().find(|(to, _, _)| to.contains("secretariat@crefop-ara.fr")).unwrap();
    assert!(subject.contains("Demande d'avis") && text.contains("Quel est l'avis du CREFOP"), "{subject} {text}");
    assert!(text.contains("Secrétariat du CREFOP") && text.contains("15/02/2027 à 23:59"), "{text}");
    let crefop_token = token_of(&link_of("secretariat@crefop-ara.fr"));
    assert_eq!(crefop_token.len(), 64);
    if let Some(file) = db.url.strip_prefix("sqlite://") {
        for path in [file.to_string(), format!("{file}-wal")] {
            let bytes = std::fs::read(&path).unwrap_or_default();
            assert!(!bytes.windows(64).any(|w| w == crefop_token.as_bytes()), "only the token's hash is kept");
        }
    }

    // The owners read the invitations that are not confidential, without
    // the experts' addresses; the reviewers none.
    let (_, seen) = porteur.get(&invitations).await;
    let seen = seen.as_array().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen.iter().all(|i| i["confidential"] == false && i["email"] == ""), "{seen:?}");
    assert_eq!(rectorat.get(&invitations).await.1.as_array().unwrap().len(), 3);

    // Revoked: the link is refused and the revocation is not repeated.
    let revoke = format!("{invitations}/{}/revoke", revoked["id"].as_str().unwrap());
    assert_eq!(porteur.post(&revoke, json!({})).await.0, 403);
    let (status, after) = rectorat.post(&revoke, json!({})).await;
    assert_eq!((status, after["status"].as_str()), (200, Some("revoked")), "{after}");
    assert_eq!(rectorat.post(&revoke, json!({})).await.0, 409);
    let revoked_token = token_of(&link_of("expert@example.org"));
    let (status, err) = anon.get(&format!("/api/v1/guest/{revoked_token}")).await;
    assert_eq!((status, err["error"]["code"].as_str()), (410, Some("link_spent")), "{err}");
    assert_eq!(anon.get(&format!("/api/v1/guest/{}", "0".repeat(64))).await.0, 404);

    // The expert reads the question and the dossier, and answers once.
    let guest = format!("/api/v1/guest/{crefop_token}");
    let (status, page) = anon.get(&guest).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        (page["title"].as_str(), page["status"].as_str()),
        (Some("Campus Industrie du futur Lyon"), Some("open"))
    );
    assert_eq!(page["preset"], json!([["Avis de", "CREFOP"]]), "{page}");
    let inputs: Vec<&str> = page["inputs"].as_array().unwrap().iter().filter_map(|i| i["name"].as_str()).collect();
    assert_eq!(inputs, ["opinion", "date"], "the inviter set whose opinion it is");
    assert!(page.to_string().contains("Lycée La Martinière Monplaisir"), "the dossier shows: {page}");
    let pdf = b"%PDF-1.4 avis du CREFOP".to_vec();
    let (status, file) =
        anon.raw(reqwest::Method::POST, &format!("{guest}/files?name=avis.pdf"), "application/pdf", pdf.clone()).await;
    assert_eq!(status, 201, "{file}");
    let mut large = b"%PDF-1.4 ".to_vec();
    large.resize(3 * 1024 * 1024, b' ');
    let (status, big) =
        anon.raw(reqwest::Method::POST, &format!("{guest}/files?name=annexe.pdf"), "application/pdf", large).await;
    assert_eq!((status, big["size"].as_i64()), (201, Some(3 * 1024 * 1024)), "a file of some MiB: {big}");
    let (status, err) = anon
        .raw(reqwest::Method::POST, &format!("{guest}/files?name=x.exe"), "application/x-msdownload", b"MZ".to_vec())
        .await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("content_type")), "{err}");
    let (status, err) = anon
        .post(&guest, json!({"text": "Favorable.", "input": {"body": "conseil_academique", "opinion": "favorable"}}))
        .await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("body")), "the preset stays: {err}");
    let (status, err) = anon.post(&guest, json!({"text": "", "input": {"opinion": "favorable"}})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("text")), "{err}");
    let (status, err) = anon.post(&guest, json!({"text": "Favorable.", "input": {"opinion": "excellent"}})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("opinion")), "{err}");
    let answer = json!({"text": "Le bureau du CREFOP émet un avis favorable.", "input": {"opinion": "favorable", "date": "2027-02-05"}});
    let (status, answered) = anon.post(&guest, answer.clone()).await;
    assert_eq!((status, answered["status"].as_str()), (201, Some("answered")), "{answered}");
    assert_eq!(anon.post(&guest, answer).await.0, 410, "single use");
    assert_eq!(anon.get(&guest).await.0, 410);
    let (status, _) =
        anon.raw(reqwest::Method::POST, &format!("{guest}/files?name=b.pdf"), "application/pdf", pdf.clone()).await;
    assert_eq!(status, 410);

    // The answer is the workflow's record, as the services would write it.
    let opinions = |view: &Value| -> Vec<String> {
        view["records"]["opinion"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| format!("{}={}", o["body"], o["opinion"]))
            .collect()
    };
    let (_, view) = porteur.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(opinions(&view), ["\"crefop\"=\"favorable\""], "{view}");
    let err = rectorat.event(&id.to_string(), json!({"event": "endorse"}), 422).await;
    assert_eq!(err["error"]["code"], "opinions_missing", "the CAEN's opinion is still to come: {err}");

    // The reminder goes on its day, to the invitation still open only.
    served.clock.set(at(2027, 2, 18, 9, 0));
    assert_eq!(send().await, 1, "the answered and the revoked ones' reminders are not sent");
    let reminded = sink.texts();
    let (_, subject, _) =
        reminded.iter().find(|(to, s, _)| to.contains("caen@ac-lyon.fr") && s.contains("Rappel")).unwrap();
    assert!(subject.contains("20/02/2027"), "{subject}");
    let caen_links = links(&reminded, "caen@ac-lyon.fr", "/avis/");
    assert_eq!(caen_links.len(), 2, "the invitation and its reminder, each its own token");
    let caen_token = token_of(&caen_links[1]);
    let (status, done) = anon
        .post(
            &format!("/api/v1/guest/{caen_token}"),
            json!({"text": "Avis réservé : à revoir.", "input": {"opinion": "reserve"}}),
        )
        .await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(anon.get(&format!("/api/v1/guest/{}", token_of(&caen_links[0]))).await.0, 410, "both tokens spent");
    // Sessions last hours; the clock moved days.
    rectorat = Client::login(&base, "rectorat@ac-lyon.fr").await;
    porteur = Client::login(&base, "porteur@example.fr").await;
    outsider = Client::login(&base, "rectorat@ac-paris.fr").await;
    rectorat.event(&id.to_string(), json!({"event": "endorse"}), 200).await;

    // Confidential: the owners read neither the invitation nor the record
    // its answer wrote; the staff read both.
    let (_, view) = porteur.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(opinions(&view), ["\"crefop\"=\"favorable\""], "{view}");
    assert_eq!(view["opinions"].as_array().unwrap().len(), 1, "{view}");
    let (_, view) = rectorat.get(&format!("/api/v1/dossiers/{id}")).await;
    assert_eq!(opinions(&view).len(), 2, "{view}");
    let (_, seen) = porteur.get(&invitations).await;
    assert!(seen.as_array().unwrap().iter().all(|i| i["confidential"] == false), "{seen}");
    let (_, all) = rectorat.get(&invitations).await;
    let answered = all.as_array().unwrap().iter().find(|i| i["id"] == first["id"]).unwrap().clone();
    assert_eq!(answered["answer"], "Le bureau du CREFOP émet un avis favorable.");
    let file_path = format!("{invitations}/{}/files/{}", first["id"].as_str().unwrap(), file["id"].as_str().unwrap());
    assert_eq!(rectorat.bytes(&file_path).await, (200, pdf.clone()));
    assert_eq!(porteur.bytes(&file_path).await, (200, pdf));
    assert_eq!(outsider.bytes(&file_path).await.0, 404);

    // The deadline ends a link.
    let late = json!({"email": "late@example.org", "name": "Expert tardif", "question": "?", "due": "2027-02-19",
        "input": {"body": "crefop"}});
    assert_eq!(rectorat.post(&invitations, late).await.0, 201);
    send().await;
    let late_token = token_of(&link_of("late@example.org"));
    assert_eq!(anon.get(&format!("/api/v1/guest/{late_token}")).await.0, 200);
    served.clock.set(at(2027, 2, 20, 9, 0));
    assert_eq!(anon.get(&format!("/api/v1/guest/{late_token}")).await.0, 410);
    rectorat = Client::login(&base, "rectorat@ac-lyon.fr").await;

    // The trail names the expert beside the step, and holds.
    let (_, trail) = rectorat.get(&format!("/api/v1/dossiers/{id}/audit")).await;
    let entries = trail.as_array().unwrap();
    let actions: Vec<&str> = entries.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "invite_guest").count(), 4, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "revoke_guest").count(), 1, "{actions:?}");
    let step = entries.iter().find(|e| e["action"] == "record_opinion").unwrap();
    assert_eq!(step["actor"], format!("guest:{}", first["id"].as_str().unwrap()));
    let named = entries.iter().find(|e| e["action"] == "guest_answer").unwrap();
    assert_eq!(named["data"]["name"], "Secrétariat du CREFOP", "{named}");
    let mut joined: Vec<&str> =
        named["data"]["files"].as_array().unwrap().iter().filter_map(|f| f["file_name"].as_str()).collect();
    joined.sort_unstable();
    assert_eq!(joined, ["annexe.pdf", "avis.pdf"], "{named}");
    assert!(matches!(db.store.verify_audit().await.unwrap(), labelflow::store::audit::Verification::Intact { .. }));
    let to_crefop = sink.texts().iter().filter(|(to, _, _)| to.contains("secretariat@crefop-ara.fr")).count();
    assert_eq!(to_crefop, 1, "each e-mail once");
}

/// An owner invites a co-owner by e-mail: the link, once, opens the
/// account of an address without one (the workflow's owner role) or is
/// accepted by the account of the address, logged in; revoked or spent, it
/// answers 410. The owners read who of them edited what.
async fn co_owners_by_link(db: &TestDb) {
    use crate::common::smtp::texts_in;
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let (base, app) = (served.base.clone(), served.app.clone());
    let mails = tempfile::tempdir().unwrap();
    let campaign = campaign(&db.store, &cast.admin).await;
    let id = app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
    let porteur = Client::login(&base, "porteur@example.fr").await;
    let rectorat = Client::login(&base, "rectorat@ac-lyon.fr").await;
    let anon = Client::anonymous(&base);
    let co_owners = format!("/api/v1/dossiers/{id}/co-owners");
    let link_to = |to: &str| {
        let found = links(&texts_in(mails.path()), to, "/rejoindre/");
        token_of(found.last().unwrap_or_else(|| panic!("no link to {to}")))
    };

    assert_eq!(rectorat.post(&co_owners, json!({"email": "claire@example.fr"})).await.0, 403);
    let (status, err) = porteur.post(&co_owners, json!({"email": "pas une adresse"})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("email")), "{err}");
    let (status, err) = porteur.post(&co_owners, json!({"email": "Porteur@example.fr"})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("email")), "already an owner: {err}");
    let (status, invited) = porteur.post(&co_owners, json!({"email": "Claire@Example.fr"})).await;
    assert_eq!((status, invited["status"].as_str()), (201, Some("open")), "{invited}");
    assert_eq!(deliver(&app, None, mails.path()).await, 1);
    let token = link_to("claire@example.fr");
    let (status, link) = anon.get(&format!("/api/v1/co-owner/{token}")).await;
    assert_eq!(status, 200, "{link}");
    assert_eq!(
        (link["account_exists"].as_bool(), link["title"].as_str()),
        (Some(false), Some("Campus Industrie du futur Lyon"))
    );

    // No account yet: accepting opens one, with the owner role.
    let accept = format!("/api/v1/co-owner/{token}");
    let (status, err) = anon.post(&accept, json!({"name": "Claire Martin", "password": "court"})).await;
    assert_eq!((status, err["error"]["field"].as_str()), (422, Some("password")), "{err}");
    let (status, accepted) = anon.post(&accept, json!({"name": "Claire Martin", "password": "un-mot-de-passe"})).await;
    assert_eq!(status, 201, "{accepted}");
    assert_eq!(anon.post(&accept, json!({"name": "Claire Martin", "password": "un-mot-de-passe"})).await.0, 410);
    let claire = Client::login_with(&base, "claire@example.fr", "un-mot-de-passe").await;
    let (status, _) =
        claire.patch(&format!("/api/v1/dossiers/{id}"), json!({"title": "Campus Industrie du futur Lyon-Est"})).await;
    assert_eq!(status, 200, "a co-owner edits the draft");

    // An address with an account accepts logged in as it, not otherwise.
    let (_, _) = porteur.post(&co_owners, json!({"email": "rectorat@ac-paris.fr"})).await;
    let (_, revoked) = porteur.post(&co_owners, json!({"email": "x@example.org"})).await;
    let revoke = format!("{co_owners}/{}/revoke", revoked["id"].as_str().unwrap());
    assert_eq!(claire.post(&revoke, json!({})).await.0, 204, "any owner revokes");
    assert_eq!(porteur.post(&revoke, json!({})).await.0, 409);
    assert_eq!(deliver(&app, None, mails.path()).await, 2);
    assert_eq!(anon.get(&format!("/api/v1/co-owner/{}", link_to("x@example.org"))).await.0, 410);
    let paris = link_to("rectorat@ac-paris.fr");
    let (_, link) = anon.get(&format!("/api/v1/co-owner/{paris}")).await;
    assert_eq!(link["account_exists"], true);
    assert_eq!(
        anon.post(&format!("/api/v1/co-owner/{paris}"), json!({"name": "X", "password": "un-mot-de-passe"})).await.0,
        403
    );
    assert_eq!(claire.post(&format!("/api/v1/co-owner/{paris}"), json!({})).await.0, 403, "another account");
    let paris_client = Client::login(&base, "rectorat@ac-paris.fr").await;
    assert_eq!(paris_client.get(&format!("/api/v1/dossiers/{id}")).await.0, 404, "not yet an owner");
    let accepted =
        paris_client.raw(reqwest::Method::POST, &format!("/api/v1/co-owner/{paris}"), "application/json", vec![]).await;
    assert_eq!(accepted.0, 201, "{accepted:?}");
    assert_eq!(paris_client.get(&format!("/api/v1/dossiers/{id}")).await.0, 200, "an owner now");

    let (_, list) = porteur.get(&co_owners).await;
    let names: Vec<&str> = list["owners"].as_array().unwrap().iter().filter_map(|o| o["name"].as_str()).collect();
    assert_eq!(names.len(), 3, "{list}");
    assert!(names.contains(&"Claire Martin"), "{list}");
    let (_, edits) = porteur.get(&format!("/api/v1/dossiers/{id}/edits")).await;
    let by_claire = edits.as_array().unwrap().iter().find(|e| e["by"] == "Claire Martin" && e["action"] == "update");
    assert_eq!(by_claire.map(|e| e["fields"].clone()), Some(json!(["title"])), "{edits}");
    assert!(edits.as_array().unwrap().iter().any(|e| e["action"] == "create" && e["by"] == "porteur"), "{edits}");
    let (_, trail) = rectorat.get(&format!("/api/v1/dossiers/{id}/audit")).await;
    let added = trail.as_array().unwrap().iter().filter(|e| e["action"] == "add_co_owner").count();
    assert_eq!(added, 2, "{trail}");
    assert!(matches!(db.store.verify_audit().await.unwrap(), labelflow::store::audit::Verification::Intact { .. }));
}

/// Notification preferences: a kind taken in the daily digest is held,
/// one turned off is not sent, a mandatory one cannot be put off; the
/// digest leaves once, on its morning, gathering what was held.
async fn preferences_and_the_daily_digest(db: &TestDb) {
    use crate::common::smtp::texts_in;
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let (base, app) = (served.base.clone(), served.app.clone());
    let mails = tempfile::tempdir().unwrap();
    let campaign = campaign(&db.store, &cast.admin).await;
    let id = app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
    let porteur = Client::login(&base, "porteur@example.fr").await;
    let rectorat = Client::login(&base, "rectorat@ac-lyon.fr").await;
    let prefs = "/api/v1/me/notification-preferences";

    let (status, mine) = rectorat.get(prefs).await;
    assert_eq!(status, 200);
    let kind = |list: &Value, t: &str| list.as_array().unwrap().iter().find(|p| p["template"] == t).cloned();
    let decision = kind(&mine, "decision").expect("the decision is a kind");
    assert_eq!((decision["mandatory"].as_bool(), decision["delivery"].as_str()), (Some(true), Some("immediate")));
    assert_eq!(kind(&mine, "endorsement_requested").unwrap()["delivery"], "immediate", "at once unless chosen");
    let bad = json!({"decision": "off", "endorsement_requested": "weekly", "no_such_mail": "digest"});
    let (status, err) = rectorat.put(prefs, bad).await;
    assert_eq!(status, 422, "{err}");
    let fields: Vec<&str> =
        err["error"]["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["decision", "endorsement_requested", "no_such_mail"], "{err}");
    let (status, mine) =
        rectorat.put(prefs, json!({"endorsement_requested": "digest", "message_received": "off"})).await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(kind(&mine, "endorsement_requested").unwrap()["delivery"], "digest");

    // Two requests and a message: held, held, skipped; the région's
    // services, who chose nothing, get theirs at once.
    let ask = json!({"event": "request_endorsement", "message": "Le dossier est prêt."});
    porteur.event(&id.to_string(), ask.clone(), 200).await;
    served.clock.set(at(2027, 2, 1, 15, 0));
    porteur.event(&id.to_string(), ask, 200).await;
    let (status, _) = porteur.post(&format!("/api/v1/dossiers/{id}/messages"), json!({"body": "Bonjour."})).await;
    assert_eq!(status, 201);
    deliver(&app, None, mails.path()).await;
    let to = |who: &str| texts_in(mails.path()).into_iter().filter(|(t, _, _)| t.contains(who)).collect::<Vec<_>>();
    assert!(to("rectorat@ac-lyon.fr").is_empty(), "held or off: {:?}", to("rectorat@ac-lyon.fr"));
    assert_eq!(to("region@ara.fr").len(), 3, "two requests and the message, at once");
    let (_, held) = rectorat.get("/api/v1/me/notifications").await;
    let statuses: Vec<&str> = held.as_array().unwrap().iter().filter_map(|m| m["status"].as_str()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == "held").count(), 2, "{held}");
    assert_eq!(statuses.iter().filter(|s| **s == "skipped").count(), 1, "{held}");

    // Before the morning nothing leaves; from 07:00 one digest, once.
    served.clock.set(at(2027, 2, 2, 5, 59));
    assert_eq!(deliver(&app, None, mails.path()).await, 0);
    served.clock.set(at(2027, 2, 2, 6, 30));
    assert_eq!(deliver(&app, None, mails.path()).await, 1, "07:30 in Paris: the digest");
    assert_eq!(deliver(&app, None, mails.path()).await, 0, "once");
    let digests = to("rectorat@ac-lyon.fr");
    assert_eq!(digests.len(), 1, "{digests:?}");
    let (_, subject, text) = &digests[0];
    assert!(subject.contains("Vos notifications du 02/02/2027"), "{subject}");
    assert_eq!(text.matches("Portage demandé — Campus Industrie du futur Lyon").count(), 2, "both requests: {text}");
    assert!(text.contains("Campus Industrie du futur Lyon") && !text.contains("Bonjour."), "{text}");
    let rectorat = Client::login(&base, "rectorat@ac-lyon.fr").await;
    let (_, after) = rectorat.get("/api/v1/me/notifications").await;
    let digested = after.as_array().unwrap().iter().filter(|m| m["status"] == "digested").count();
    assert_eq!(digested, 2, "{after}");
    assert_eq!(db.store.outbox_count("digest").await.unwrap(), 1);
}

on_both_backends!(cmq_outside_experts, co_owners_by_link, preferences_and_the_daily_digest);
