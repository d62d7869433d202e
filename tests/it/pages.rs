//! The pages over real HTTP with a browser-like cookie jar: login with
//! CSRF, a dashboard per role, actions through forms, errors in French
//! next to their field with the input kept.

use crate::common::*;

pub(crate) struct Browser {
    http: reqwest::Client,
    base: String,
}

fn form_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in page")) + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

impl Browser {
    fn new(base: &str) -> Browser {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .unwrap();
        Browser { http, base: base.to_string() }
    }

    pub(crate) async fn get(&self, path: &str) -> (u16, String) {
        let r = self.http.get(format!("{}{path}", self.base)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
        let r = self.http.post(format!("{}{path}", self.base)).form(form).send().await.unwrap();
        let url = r.url().path().to_string();
        (r.status().as_u16(), url, r.text().await.unwrap())
    }

    /// A file sent the way a browser's upload form sends it.
    async fn upload(&self, path: &str, fields: &[(&str, &str)], file: (&str, &str, &[u8])) -> (u16, String, String) {
        let boundary = "----labelflow-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
            );
        }
        let (name, content_type, bytes) = file;
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .bytes(),
        );
        body.extend(bytes);
        body.extend(format!("\r\n--{boundary}--\r\n").bytes());
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .unwrap();
        let url = r.url().path().to_string();
        (r.status().as_u16(), url, r.text().await.unwrap())
    }

    pub(crate) async fn login(base: &str, email: &str) -> Browser {
        Browser::login_with(base, email, PASSWORD).await
    }

    async fn login_with(base: &str, email: &str, password: &str) -> Browser {
        let b = Browser::new(base);
        let (_, page) = b.get("/connexion").await;
        let csrf = form_value(&page, "csrf");
        let (status, url, _) = b.post("/connexion", &[("csrf", &csrf), ("email", email), ("password", password)]).await;
        assert_eq!((status, url.as_str()), (200, "/tableau-de-bord"), "{email} logs in");
        b
    }
}

async fn pages_take_a_dossier_forward(db: &TestDb) {
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let (app, _) = (served.app.clone(), ());
    let campaign = campaign(&db.store, &cast.admin).await;
    let id = app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
    add_partner(&db.store, id, "Lycée La Martinière", "eple", &cast.porteur, at(2027, 2, 1, 9, 0)).await.unwrap();

    // Not logged in: sent to the login page, which is French and accessible.
    let anon = Browser::new(&served.base);
    let (status, page) = anon.get("/tableau-de-bord").await;
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"fr\">") && page.contains("<h1>Connexion</h1>"), "{page}");
    assert!(
        page.contains("<label class=\"lf-label\" for=\"email\">") && page.contains("id=\"email\""),
        "labelled fields"
    );
    let (status, _, page) =
        anon.post("/connexion", &[("csrf", "forged"), ("email", "porteur@example.fr"), ("password", PASSWORD)]).await;
    assert_eq!(status, 403, "login without the form's token is refused");
    assert!(page.contains("Le formulaire a expiré"));
    let (_, login) = anon.get("/connexion").await;
    let csrf = form_value(&login, "csrf");
    let (status, _, page) =
        anon.post("/connexion", &[("csrf", &csrf), ("email", "porteur@example.fr"), ("password", "faux")]).await;
    assert_eq!(status, 401);
    assert!(page.contains("incorrect") && page.contains("value=\"porteur@example.fr\""), "error shown, e-mail kept");

    // Each role's dashboard shows what it may see.
    let porteur = Browser::login(&served.base, "porteur@example.fr").await;
    let outsider = Browser::login(&served.base, "rectorat@ac-paris.fr").await;
    let (_, dash) = porteur.get("/tableau-de-bord").await;
    assert!(dash.contains("Campus Industrie du futur") && dash.contains("Brouillon"), "{dash}");
    let (_, dash) = outsider.get("/tableau-de-bord").await;
    assert!(!dash.contains("Campus Industrie du futur"), "staff of another académie do not see it");
    let (status, _) = outsider.get(&format!("/dossiers/{id}")).await;
    assert_eq!(status, 404);

    // The CREFOP's and the CAEN's opinions, then the endorsements and the
    // submission, by clicking through forms.
    let region = Browser::login(&served.base, "region@ara.fr").await;
    for body in ["crefop", "conseil_academique"] {
        let (_, page) = region.get(&format!("/dossiers/{id}")).await;
        let (csrf, version) = (form_value(&page, "csrf"), form_value(&page, "version"));
        let fields = [
            ("csrf", csrf.as_str()),
            ("event", "record_opinion"),
            ("version", &version),
            ("body", body),
            ("opinion", "favorable"),
        ];
        let (status, _, page) = region.post(&format!("/dossiers/{id}/evenements"), &fields).await;
        assert_eq!(status, 200, "{page}");
    }
    let (_, page) = region.get(&format!("/dossiers/{id}")).await;
    assert!(page.contains("<h2>Avis</h2>") && page.contains("Avis de : CREFOP — Avis : Favorable"), "{page}");
    for email in ["rectorat@ac-lyon.fr", "region@ara.fr"] {
        let staff = Browser::login(&served.base, email).await;
        let (_, page) = staff.get(&format!("/dossiers/{id}")).await;
        assert!(page.contains("<summary>Porter le dossier (recteur ou président de région)</summary>"), "{page}");
        let (csrf, version) = (form_value(&page, "csrf"), form_value(&page, "version"));
        let (status, url, page) = staff
            .post(
                &format!("/dossiers/{id}/evenements"),
                &[("csrf", &csrf), ("event", "endorse"), ("version", &version)],
            )
            .await;
        assert_eq!((status, url.as_str()), (200, format!("/dossiers/{id}").as_str()));
        assert!(page.contains("Action enregistrée"), "{page}");
    }
    let (_, page) = porteur.get(&format!("/dossiers/{id}")).await;
    // Higher education is expected in the network: said, not required.
    assert!(page.contains("Recommandé : Le cahier des charges attend un établissement d"), "{page}");
    let (csrf, version) = (form_value(&page, "csrf"), form_value(&page, "version"));
    let (_, _, page) = porteur
        .post(&format!("/dossiers/{id}/evenements"), &[("csrf", &csrf), ("event", "submit"), ("version", &version)])
        .await;
    assert!(page.contains("Déposé"), "the dossier is submitted");

    // A step that cannot be undone asks to be confirmed first.
    let (status, _, page) = porteur
        .post(
            &format!("/dossiers/{id}/evenements"),
            &[("csrf", &csrf), ("event", "withdraw"), ("version", &version), ("reason", "Projet réorienté")],
        )
        .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("id=\"ae-withdraw-confirm\"") && page.contains("cochez la case pour confirmer"), "{page}");
    assert!(page.contains("Projet réorienté"), "typed text kept");
    // A stale form (someone acted first) says so plainly and keeps the input.
    let (status, _, page) = porteur
        .post(
            &format!("/dossiers/{id}/evenements"),
            &[
                ("csrf", &csrf),
                ("event", "withdraw"),
                ("version", &version),
                ("reason", "Projet réorienté"),
                ("confirm", "oui"),
            ],
        )
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("Quelqu&#39;un d&#39;autre a agi") || page.contains("Quelqu'un d'autre a agi"), "{page}");
    assert!(page.contains("Projet réorienté"), "typed text kept");

    // A validation error names the field next to it and in the summary.
    let ministeres = Browser::login(&served.base, "ministeres@example.fr").await;
    let (_, page) = ministeres.get(&format!("/dossiers/{id}")).await;
    let (csrf, version) = (form_value(&page, "csrf"), form_value(&page, "version"));
    let (status, _, page) = ministeres
        .post(
            &format!("/dossiers/{id}/evenements"),
            &[
                ("csrf", &csrf),
                ("event", "request_completion"),
                ("version", &version),
                ("message", "Convention"),
                ("due", ""),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("href=\"#a-request_completion-due\"")
            && page.contains("id=\"ae-request_completion-due\"")
            && page.contains("aria-invalid=\"true\""),
        "{page}"
    );
    assert!(page.contains("Ce champ est obligatoire.") && page.contains(">Convention</textarea>"));

    // Password change: mismatched confirmation, wrong current, then done.
    let (_, page) = porteur.get("/mot-de-passe").await;
    let csrf = form_value(&page, "csrf");
    let (status, _, page) = porteur
        .post(
            "/mot-de-passe",
            &[("csrf", &csrf), ("current", PASSWORD), ("new", "nouveau-secret"), ("confirm", "autre")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("les deux mots de passe diffèrent") && page.contains("href=\"#confirm\""), "{page}");
    let (status, _, page) = porteur
        .post(
            "/mot-de-passe",
            &[("csrf", &csrf), ("current", "faux"), ("new", "nouveau-secret"), ("confirm", "nouveau-secret")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("il ne correspond pas"));
    let (status, _, page) = porteur
        .post(
            "/mot-de-passe",
            &[("csrf", &csrf), ("current", PASSWORD), ("new", "nouveau-secret"), ("confirm", "nouveau-secret")],
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Votre mot de passe a été changé"));

    // Logging out ends the session.
    let (_, page) = porteur.get("/tableau-de-bord").await;
    let csrf = form_value(&page, "csrf");
    let (_, url, _) = porteur.post("/deconnexion", &[("csrf", &csrf)]).await;
    assert_eq!(url, "/connexion");
    let (_, page) = porteur.get("/tableau-de-bord").await;
    assert!(page.contains("<h1>Connexion</h1>"));
}

on_both_backends!(pages_take_a_dossier_forward);

/// The owner's editor (identity, attachments), the audit pages, the
/// rapporteur's list and conflict declaration, overdue items and the admin
/// pages, each refused to those it is not for.
async fn editor_rapporteur_staff_and_admin_pages(db: &TestDb) {
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let app = served.app.clone();
    let campaign = campaign(&db.store, &cast.admin).await;
    let id = app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
    let base = served.base.clone();

    // Identity: an error names its field and keeps every typed value.
    let porteur = Browser::login(&base, "porteur@example.fr").await;
    let (_, page) = porteur.get(&format!("/dossiers/{id}")).await;
    assert!(page.contains("<summary>Modifier le dossier</summary>"), "{page}");
    // The editor is the workflow's form: a section per `[[form.sections]]`,
    // a control per field, the groups' add forms.
    assert!(page.contains("<legend>Le campus</legend>") && page.contains("id=\"f-support_establishment\""), "{page}");
    assert!(page.contains("<select class=\"lf-select\" id=\"f-academies\" name=\"academies\" multiple"), "{page}");
    assert!(page.contains("id=\"partners-type\"") && page.contains("Ajouter le partenaire"), "{page}");
    let (csrf, version) = (form_value(&page, "csrf"), form_value(&page, "version"));
    let identity = |title: &'static str, academie: &'static str, version: String| {
        vec![
            ("csrf", csrf.clone()),
            ("version", version),
            ("title", title.to_string()),
            ("category", "standard".to_string()),
            ("filiere", "materiaux-innovants".to_string()),
            ("region", "ARA".to_string()),
            ("academies", academie.to_string()),
            ("support_establishment", "Lycée du Bois".to_string()),
            ("directeur_operationnel", "Jeanne Martin".to_string()),
        ]
    };
    let as_refs = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let form = as_refs(&identity("Campus Bois et Forêt", "PARIS", version.clone()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, page) = porteur.post(&format!("/dossiers/{id}/identite"), &pairs).await;
    assert_eq!(status, 422, "Paris is not in Auvergne-Rhône-Alpes");
    assert!(page.contains("href=\"#f-academies\"") && page.contains("id=\"e-academies\""), "{page}");
    assert!(page.contains("value=\"Campus Bois et Forêt\"") && page.contains("value=\"Jeanne Martin\""), "kept");
    // Every error at once, each beside its field and in the summary.
    let form = as_refs(&identity("", "PARIS", version.clone()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, page) = porteur.post(&format!("/dossiers/{id}/identite"), &pairs).await;
    assert_eq!(status, 422);
    for field in ["academies", "title"] {
        assert!(page.contains(&format!("href=\"#f-{field}\"")), "{field} in the summary: {page}");
    }
    assert!(page.contains("id=\"e-academies\""), "{page}");
    // The new-dossier form too, and its title is checked as it is typed.
    let (_, blank) = porteur.get("/dossiers/nouveau").await;
    assert!(blank.contains("required maxlength=\"200\"") && blank.contains("lf-check-text"), "{blank}");
    let new_form = [
        ("csrf", form_value(&blank, "csrf")),
        ("campaign_id", campaign.to_string()),
        ("title", String::new()),
        ("category", "standard".to_string()),
        ("region", "ARA".to_string()),
        ("academies", "PARIS".to_string()),
    ];
    let pairs: Vec<(&str, &str)> = new_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, page) = porteur.post("/dossiers/nouveau", &pairs).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("href=\"#f-title\"") && page.contains("href=\"#f-academies\""), "both: {page}");
    assert!(page.contains("id=\"e-title\"") && page.contains("id=\"e-academies\""), "beside each field: {page}");
    let form = as_refs(&identity("Campus Bois et Forêt", "LYON", version.clone()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, page) = porteur.post(&format!("/dossiers/{id}/identite"), &pairs).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("dossier modifié") && page.contains("<h1>Campus Bois et Forêt</h1>"), "{page}");
    // The same form again, made on the old version: stale, input kept.
    let form = as_refs(&identity("Campus Bois", "LYON", version));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, page) = porteur.post(&format!("/dossiers/{id}/identite"), &pairs).await;
    assert_eq!(status, 409);
    assert!(page.contains("value=\"Campus Bois\"") && page.contains("entre-temps"), "{page}");
    assert_eq!(app.store.dossier_view(id).await.unwrap().title, "Campus Bois et Forêt", "nothing lost");

    let (status, page) = porteur.get(&format!("/dossiers/{id}/decision")).await;
    assert_eq!(status, 404, "no summary before the decision");
    assert!(page.contains("Pas encore de décision"));

    // Attachments: a PDF goes in and comes back; a fake one is refused at its field.
    let pdf: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    let (status, _, page) = porteur
        .upload(
            &format!("/dossiers/{id}/pieces"),
            &[("csrf", &csrf), ("kind", "annexe")],
            ("faux.pdf", "application/pdf", b"MZ"),
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("href=\"#f-file\"") && page.contains("ne correspond pas à son type"), "{page}");
    let (status, _, page) = porteur
        .upload(
            &format!("/dossiers/{id}/pieces"),
            &[("csrf", "faux"), ("kind", "annexe")],
            ("convention.pdf", "application/pdf", pdf),
        )
        .await;
    assert_eq!(status, 403, "no upload without the session's token: {page}");
    let (status, _, page) = porteur
        .upload(
            &format!("/dossiers/{id}/pieces"),
            &[("csrf", &csrf), ("kind", "convention")],
            ("convention.pdf", "application/pdf", pdf),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let link =
        page.split("href=\"/pieces/").nth(1).and_then(|s| s.split('"').next()).expect("download link").to_string();
    assert!(page.contains("convention.pdf") && page.contains("Convention"), "{page}");
    let r = porteur.http.get(format!("{base}/pieces/{link}")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf, "the same bytes come back");
    let outsider = Browser::login(&base, "rectorat@ac-paris.fr").await;
    assert_eq!(outsider.get(&format!("/pieces/{link}")).await.0, 404, "not visible, not found");
    // While a draft, a file is replaced in place, or removed once confirmed.
    let second: &[u8] = b"%PDF-1.4\n% seconde version\n%%EOF\n";
    let (status, _, page) = porteur
        .upload(
            &format!("/dossiers/{id}/pieces"),
            &[("csrf", &csrf), ("replaces", &link)],
            ("convention-signee.pdf", "application/pdf", second),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("pièce jointe remplacée") && page.contains("convention-signee.pdf"), "{page}");
    let r = porteur.http.get(format!("{base}/pieces/{link}")).send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), second, "the new bytes under the same link");
    assert!(page.contains("Confirmer le retrait de convention-signee.pdf"), "{page}");
    let (status, _, page) = porteur.post(&format!("/pieces/{link}/retrait"), &[("csrf", &csrf)]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("pièce jointe retirée") && !page.contains("convention-signee.pdf"), "{page}");
    let (status, _, page) = porteur
        .upload(
            &format!("/dossiers/{id}/pieces"),
            &[("csrf", &csrf), ("kind", "convention")],
            ("convention.pdf", "application/pdf", pdf),
        )
        .await;
    assert_eq!(status, 200, "{page}");

    // Who acts next is said to those waiting; the owners are offered to ask
    // for the endorsement they wait for.
    let rectorat = Browser::login(&base, "rectorat@ac-lyon.fr").await;
    let (_, page) = rectorat.get(&format!("/dossiers/{id}")).await;
    assert!(page.contains("Prochaine étape") && page.contains("« Déposer le dossier » : "), "{page}");
    let (_, page) = porteur.get(&format!("/dossiers/{id}")).await;
    assert!(!page.contains("Prochaine étape"), "the owners' own step is an action: {page}");
    assert!(page.contains("Demander le portage") && page.contains("« Demander le portage » les prévient"), "{page}");

    // The thread: the owners write, the staff read it marked new and answer;
    // a refused message keeps what was typed.
    let csrf_p = form_value(&porteur.get(&format!("/dossiers/{id}")).await.1, "csrf");
    let thread = format!("/dossiers/{id}/messages");
    let (status, _, page) = porteur.post(&thread, &[("csrf", &csrf_p), ("body", "  ")]).await;
    assert!(status == 422 && page.contains("id=\"e-message\""), "{status} {page}");
    let (status, _, page) =
        porteur.post(&thread, &[("csrf", &csrf_p), ("body", "Pouvez-vous relire la gouvernance ?")]).await;
    assert!(status == 200 && page.contains("Message envoyé"), "{page}");
    assert!(
        page.contains("Pouvez-vous relire la gouvernance ?")
            && page.contains("En attente d&#39;une réponse : services.")
    );
    let (_, page) = rectorat.get(&format!("/dossiers/{id}")).await;
    assert!(page.contains("<h2 id=\"messages\">Messages</h2>") && page.contains(">nouveau</span>"), "{page}");
    assert!(page.contains("En attente de votre réponse."), "{page}");
    let csrf_r = form_value(&page, "csrf");
    let (status, _, _) = rectorat.post(&thread, &[("csrf", &csrf_r), ("body", "C'est fait.")]).await;
    assert_eq!(status, 200);
    let (_, page) = porteur.get(&format!("/dossiers/{id}")).await;
    assert!(page.contains("C&#39;est fait.") && page.contains("Lu par rectorat"), "{page}");
    assert!(!page.contains("id=\"f-private\""), "the owners write no private note");
    let note = [("csrf", csrf_r.as_str()), ("body", "Dossier fragile côté gouvernance."), ("private", "oui")];
    let (status, _, page) = rectorat.post(&thread, &note).await;
    assert!(status == 200 && page.contains("note interne aux services"), "{page}");
    let (_, page) = porteur.get(&format!("/dossiers/{id}")).await;
    assert!(!page.contains("Dossier fragile"), "never shown to the owners: {page}");

    // The audit trail: for staff in scope; the owner is refused, others see nothing.
    let (status, page) = rectorat.get(&format!("/dossiers/{id}/journal")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Ajout d&#39;une pièce jointe") || page.contains("Ajout d'une pièce jointe"), "{page}");
    assert!(
        page.contains("Modification")
            && page.to_lowercase().contains("<td>porteur</td>")
            && page.contains("Jeanne Martin"),
        "who changed what: {page}"
    );
    // In words, not JSON: the form's labels, choices in words, before →
    // after; entries numbered from 1 in this trail.
    assert!(page.contains("<td>1</td>") && !page.contains("{&quot;") && !page.contains("{\""), "{page}");
    assert!(
        page.contains("Directeur opérationnel")
            || page.contains("Directrice opérationnelle")
            || page.contains("opérationnel"),
        "{page}"
    );
    assert!(page.contains(" → Jeanne Martin"), "the change, before → after: {page}");
    // A page at a time: the first entry, then the way to the next.
    let (status, first) = rectorat.get(&format!("/dossiers/{id}/journal?limit=1")).await;
    assert!(status == 200 && first.contains("<td>1</td>") && !first.contains("<td>2</td>"), "{first}");
    let next = first.split("href=\"").find(|h| h.contains("cursor=")).unwrap().split('"').next().unwrap();
    let (status, second) = rectorat.get(&next.replace("&amp;", "&")).await;
    assert!(status == 200 && second.contains("<td>2</td>") && second.contains("Première page"), "{second}");
    let (status, only) = rectorat.get(&format!("/dossiers/{id}/journal?action=add_attachment")).await;
    assert!(status == 200 && only.contains("<option value=\"add_attachment\" selected>"), "{only}");
    assert!(
        only.contains("<td>Ajout d&#39;une pièce jointe</td>") || only.contains("<td>Ajout d'une pièce jointe</td>")
    );
    assert!(!only.contains("<td>Modification</td>"), "one action only: {only}");
    let r = rectorat.http.get(format!("{base}/dossiers/{id}/journal?format=csv")).send().await.unwrap();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(r.text().await.unwrap().starts_with("seq,at,actor"));
    assert_eq!(porteur.get(&format!("/dossiers/{id}/journal")).await.0, 403);
    assert_eq!(outsider.get(&format!("/dossiers/{id}/journal")).await.0, 404);

    // Through review: the rapporteur's list, then a conflict declared by form.
    use labelflow::engine::Event;
    use labelflow::workflow::Machine;
    let run = |who: labelflow::engine::Actor, e: Event| {
        let app = app.clone();
        async move { app.act(&who, Machine::Dossier, id, e).await.expect("step") }
    };
    run(cast.porteur.clone(), Event::named("withdraw")).await;
    let id2 = app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
    add_partner(&db.store, id2, "Lycée La Martinière", "eple", &cast.porteur, at(2027, 2, 1, 9, 0)).await.unwrap();
    let run2 = |who: labelflow::engine::Actor, e: Event| {
        let app = app.clone();
        async move { app.act(&who, Machine::Dossier, id2, e).await.expect("step") }
    };
    for body in ["crefop", "conseil_academique"] {
        run2(cast.region.clone(), Event::named("record_opinion").with("body", body).with("opinion", "favorable")).await;
    }
    run2(cast.rectorat.clone(), Event::named("endorse")).await;
    run2(cast.region.clone(), Event::named("endorse")).await;
    run2(cast.porteur.clone(), Event::named("submit")).await;
    run2(cast.ministeres.clone(), Event::named("declare_admissible")).await;
    for r in [&cast.rapporteur, &cast.rapporteur2] {
        let assign =
            Event::named("assign_reviewer").with("user_id", r.user_id.unwrap().to_string()).with("due", "2027-05-15");
        run2(cast.president.clone(), assign).await;
    }
    let rapporteur = Browser::login(&base, "rapporteur1@example.fr").await;
    let (_, dash) = rapporteur.get("/tableau-de-bord").await;
    assert!(
        dash.contains("Mes expertises") && dash.contains("15/05/2027 23:59") && dash.contains("à rendre"),
        "{dash}"
    );
    assert!(!dash.contains("En retard"), "rapporteurs do not see staff follow-up");
    let (_, page) = rapporteur.get(&format!("/dossiers/{id2}")).await;
    assert!(
        page.contains("Évaluation attendue avant le 15/05/2027") && page.contains("<summary>Déclarer un conflit d"),
        "{page}"
    );
    assert!(!page.contains("Modifier l"), "read-only for rapporteurs");
    let (csrf_r, version) = (form_value(&page, "csrf"), form_value(&page, "version"));
    let (status, _, page) = rapporteur
        .post(
            &format!("/dossiers/{id2}/evenements"),
            &[
                ("csrf", &csrf_r),
                ("event", "declare_conflict"),
                ("version", &version),
                ("reason", "J'ai enseigné au lycée support."),
            ],
        )
        .await;
    assert_eq!(status, 404, "after the declaration the dossier is no longer theirs: {page}");
    let (_, dash) = rapporteur.get("/tableau-de-bord").await;
    assert!(!dash.contains("Mes expertises"), "{dash}");
    // Staff read the journal without learning who reviews or recused.
    let (status, page) = rectorat.get(&format!("/dossiers/{id2}/journal")).await;
    assert_eq!(status, 200);
    let second = cast.rapporteur2.user_id.unwrap().to_string();
    for secret in ["rapporteur1", "rapporteur2", second.as_str(), "enseigné au lycée support"] {
        assert!(!page.contains(secret), "`{secret}` on the staff's journal page: {page}");
    }
    assert!(page.contains("(masqué)"), "{page}");

    // Past the due date, staff in scope see the late review; others do not.
    served.clock.set(at(2027, 5, 20, 9, 0));
    let rectorat = Browser::login(&base, "rectorat@ac-lyon.fr").await;
    let (_, dash) = rectorat.get("/tableau-de-bord").await;
    assert!(dash.contains("Éléments en retard (1)") && dash.contains("Expertise attendue"), "{dash}");
    assert!(!dash.contains("rapporteur2"), "staff are not told who reviews: {dash}");
    let outsider = Browser::login(&base, "rectorat@ac-paris.fr").await;
    let (_, dash) = outsider.get("/tableau-de-bord").await;
    assert!(dash.contains("Rien en retard"), "{dash}");

    // Admin pages: refused to others; campaigns and accounts created by form.
    for path in ["/admin/utilisateurs", "/admin/courriels", "/admin/workflow"] {
        assert_eq!(rectorat.get(path).await.0, 403, "{path}");
    }
    // The académie's services open the campaigns of the label whose
    // académies set their own, for their académie only.
    let (status, page) = rectorat.get("/admin/campagnes").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Académie : Lyon") && !page.contains("Académie : Paris"), "{page}");
    let csrf_r = form_value(&page, "csrf");
    let call = |territory: &'static str| {
        [
            ("csrf", csrf_r.clone()),
            ("name", "Lycées des métiers 2028".to_string()),
            ("territory", territory.to_string()),
            ("opens_at", "2028-01-15".to_string()),
            ("closes_at", "2028-03-31".to_string()),
        ]
    };
    let pairs = call("PARIS");
    let (status, _, _) =
        rectorat.post("/admin/campagnes", &pairs.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
    assert_eq!(status, 403, "not for another académie");
    let pairs = call("LYON");
    let (status, _, page) =
        rectorat.post("/admin/campagnes", &pairs.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Appel à projets ouvert") && page.contains("<td>Lycée des métiers</td><td>Lyon</td>"),
        "{page}"
    );
    let admin = Browser::login(&base, "admin@example.fr").await;
    let (status, page) = admin.get("/admin/workflow").await;
    assert_eq!(status, 200);
    assert!(page.matches("<svg").count() >= 2 && page.contains("Déclarer un conflit d"), "diagrams and transitions");
    assert!(
        page.contains("Dossiers irrecevable, refusé, retiré : données personnelles effacées 2 ans après, les propriétaires prévenus 1 mois avant.")
            && page.contains("Labels expiré, retiré :"),
        "the retention in words: {page}"
    );
    let (_, page) = admin.get("/admin/campagnes").await;
    let csrf_a = form_value(&page, "csrf");
    let (status, _, page) = admin
        .post(
            "/admin/campagnes",
            &[("csrf", &csrf_a), ("name", "Appel 2028"), ("opens_at", "2028-01-15"), ("closes_at", "2027-12-01")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("href=\"#f-closes_at\"") && page.contains("value=\"Appel 2028\""), "{page}");
    let (status, _, page) = admin
        .post(
            "/admin/campagnes",
            &[("csrf", &csrf_a), ("name", "Appel 2028"), ("opens_at", "2028-01-15"), ("closes_at", "2028-03-31")],
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Appel à projets ouvert") && page.contains("31/03/2028 23:59"), "{page}");
    let account = |email: &'static str, role: &'static str, academie: &'static str| {
        vec![
            ("csrf", csrf_a.clone()),
            ("name", "Nadia Benali".to_string()),
            ("email", email.to_string()),
            ("role", role.to_string()),
            ("scope", if academie.is_empty() { String::new() } else { format!("academie:{academie}") }),
            ("affiliations", "org:Lycée Ampère".to_string()),
        ]
    };
    let form = account("nadia@ac-grenoble.fr", "staff_rectorat", "");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, page) = admin.post("/admin/utilisateurs", &pairs).await;
    assert_eq!(status, 422);
    assert!(page.contains("href=\"#f-scope\"") && page.contains("value=\"nadia@ac-grenoble.fr\""), "{page}");
    assert!(!page.contains("name=\"password\""), "the administrator never types someone else's password");
    let form = account("nadia@ac-grenoble.fr", "staff_rectorat", "GRENOBLE");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, page) = admin.post("/admin/utilisateurs", &pairs).await;
    assert_eq!(status, 200);
    assert!(page.contains("Compte créé") && page.contains(" : Grenoble</li>"), "roles in words: {page}");
    let (status, _, page) = admin.post("/admin/utilisateurs", &pairs).await;
    assert_eq!(status, 422);
    assert!(page.contains("un compte existe déjà"), "{page}");
    assert!(page.contains("invitation en attente") && page.contains("Renvoyer l'invitation à Nadia Benali"), "{page}");
    // The invitation's link: Nadia chooses her password on its page.
    let mail = tempfile::tempdir().unwrap();
    deliver(&served.app, None, mail.path()).await;
    let link = crate::common::smtp::password_links(&crate::common::smtp::texts_in(mail.path()), "nadia@ac-grenoble.fr");
    assert_eq!(link.len(), 1, "one invitation");
    let path = link[0].strip_prefix(&base).unwrap().to_string();
    let newcomer = Browser::new(&base);
    let (status, page) = newcomer.get(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Bienvenue") && page.contains("nadia@ac-grenoble.fr"), "{page}");
    let csrf_n = form_value(&page, "csrf");
    let (status, _, page) =
        newcomer.post(&path, &[("csrf", &csrf_n), ("new", "bienvenue-2027"), ("confirm", "bienvenue-2O27")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("href=\"#f-confirm\"") && page.contains("diffèrent"), "{page}");
    let csrf_n = form_value(&page, "csrf");
    let (status, url, page) =
        newcomer.post(&path, &[("csrf", &csrf_n), ("new", "bienvenue-2027"), ("confirm", "bienvenue-2027")]).await;
    assert_eq!(status, 200);
    assert!(url == "/connexion" && page.contains("mot de passe est enregistré"), "{url} {page}");
    assert_eq!(newcomer.get(&path).await.0, 410, "used once");
    assert!(page.contains("href=\"/mot-de-passe-oublie\""), "the login page offers a forgotten password");
    let (_, page) = newcomer.get("/mot-de-passe-oublie").await;
    let csrf_n = form_value(&page, "csrf");
    let (status, _, page) = newcomer.post("/mot-de-passe-oublie", &[("csrf", &csrf_n), ("email", "nadia@")]).await;
    assert!(status == 422 && page.contains("href=\"#f-email\""), "{page}");
    for email in ["nadia@ac-grenoble.fr", "inconnu@ac-grenoble.fr"] {
        let csrf_n = form_value(&newcomer.get("/mot-de-passe-oublie").await.1, "csrf");
        let (status, _, page) = newcomer.post("/mot-de-passe-oublie", &[("csrf", &csrf_n), ("email", email)]).await;
        assert!(status == 200 && page.contains("Si un compte actif correspond"), "{email}: {page}");
    }
    let nadia = Browser::login_with(&base, "nadia@ac-grenoble.fr", "bienvenue-2027").await;
    assert_eq!(nadia.get("/tableau-de-bord").await.0, 200, "the new account logs in");
    // A second role, then the first taken away; then the account is
    // deactivated and its session ends.
    let (_, users) = admin.get("/admin/utilisateurs").await;
    let row = &users[users.find("nadia@ac-grenoble.fr").unwrap()..];
    let nadia_id = row.split("/admin/utilisateurs/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let action = format!("/admin/utilisateurs/{nadia_id}/compte");
    let (status, _, page) = admin
        .post(
            &action,
            &[("csrf", &csrf_a), ("action", "ajouter"), ("role", "staff_rectorat"), ("scope", "academie:LYON")],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Compte modifié") && page.contains(" : Lyon\n"), "{page}");
    let (status, _, page) = admin
        .post(&action, &[("csrf", &csrf_a), ("action", "retirer"), ("grant", "staff_rectorat@academie:GRENOBLE")])
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(!page.contains("— Académies : Grenoble"), "{page}");
    let (status, page) = admin.get("/admin/utilisateurs?q=benali&active=true").await;
    assert!(status == 200 && page.contains("nadia@ac-grenoble.fr"), "{page}");
    assert!(!page.contains("porteur@example.fr") && page.contains("value=\"benali\""), "search kept: {page}");
    let (status, _, page) = admin.post(&action, &[("csrf", &csrf_a), ("action", "lien")]).await;
    assert!(status == 200 && page.contains("Lien envoyé"), "{page}");
    let (status, _, page) = admin.post(&action, &[("csrf", &csrf_a), ("action", "desactiver")]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("désactivé"), "{page}");
    let (status, page) = nadia.get("/tableau-de-bord").await;
    assert!(page.contains("<h1>Connexion</h1>"), "the session ended at once: {status} {page}");
    // Deactivated, the account may be erased at the person's request; a
    // forged token erases nothing.
    let (_, page) = admin.get("/admin/utilisateurs?q=benali").await;
    assert!(page.contains("Effacer les données personnelles de Nadia Benali"), "{page}");
    let (status, _, _) = admin.post(&action, &[("csrf", "forged"), ("action", "effacer")]).await;
    assert_ne!(status, 200);
    assert!(admin.get("/admin/utilisateurs?q=benali").await.1.contains("nadia@ac-grenoble.fr"), "nothing erased");
    let (status, _, page) = admin.post(&action, &[("csrf", &csrf_a), ("action", "effacer")]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Données personnelles du compte effacées"), "{page}");
    let (_, page) = admin.get("/admin/utilisateurs?active=false").await;
    assert!(!page.contains("nadia@ac-grenoble.fr") && page.contains("données effacées"), "{page}");
    assert!(!page.contains("Effacer les données personnelles de Compte effacé"), "erased once: {page}");
    let (status, page) = admin.get("/admin/courriels").await;
    assert_eq!(status, 200);
    assert!(page.contains("Aucun courriel en échec"), "{page}");
}

mod editor {
    use super::*;
    on_both_backends!(editor_rapporteur_staff_and_admin_pages);
}

/// Bulk actions by form: ticked dossiers, one result line each.
async fn bulk_actions_page(db: &TestDb) {
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let app = served.app.clone();
    let campaign = campaign(&db.store, &cast.admin).await;
    let draft = app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
    let withdrawn =
        app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
    let withdraw = labelflow::engine::Event::named("withdraw");
    app.act(&cast.porteur, labelflow::workflow::Machine::Dossier, withdrawn, withdraw).await.unwrap();

    let porteur = Browser::login(&served.base, "porteur@example.fr").await;
    assert_eq!(porteur.get("/actions-groupees").await.0, 403, "owners have no bulk actions");
    let rectorat = Browser::login(&served.base, "rectorat@ac-lyon.fr").await;
    let (status, page) = rectorat.get("/actions-groupees").await;
    assert_eq!(status, 200);
    let csrf = form_value(&page, "csrf");
    // The batch steps the workflows offer and the viewer's roles take: the
    // rectorat reminds owners (and, in the lycée des métiers, assigns the
    // group's members); the arrêté is not theirs.
    assert!(page.contains("name=\"remind_owners.message\""), "{page}");
    assert!(!page.contains("name=\"decide.outcome\""), "{page}");
    let (status, _, page) = rectorat
        .post("/actions-groupees", &[("csrf", &csrf), ("event", "remind_owners"), ("remind_owners.message", "x")])
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Cochez au moins un dossier") && page.contains("href=\"#f-dossier\""), "{page}");
    assert!(page.contains(">x</textarea>"), "what was typed is kept: {page}");
    let (d1, d2) = (draft.to_string(), withdrawn.to_string());
    let form = [
        ("csrf", csrf.as_str()),
        ("dossier", d1.as_str()),
        ("dossier", d2.as_str()),
        ("event", "remind_owners"),
        ("remind_owners.message", "La convention manque encore."),
    ];
    let (status, _, page) = rectorat.post("/actions-groupees", &form).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Résultat par dossier (2)") && page.contains("<td>fait</td>"), "{page}");
    assert!(page.contains("<strong>refusé</strong>"), "the withdrawn one is refused on its own: {page}");
    assert_eq!(db.store.outbox_count("message_received").await.unwrap(), 1);
    let (_, page) = porteur.get(&format!("/dossiers/{draft}")).await;
    assert!(page.contains("La convention manque encore."), "the reminder is in the dossier's thread: {page}");

    // One arrêté for two campuses: the ministries label both at once, from
    // the arrêté's date, each with the mention its avis proposed.
    let first = dossier_with_avis(&app, &cast, campaign, "excellence").await;
    let second = dossier_with_avis(&app, &cast, campaign, "standard").await;
    let ministeres = Browser::login(&served.base, "ministeres@example.fr").await;
    let (_, page) = ministeres.get("/actions-groupees").await;
    assert!(page.contains("Arrêté conjoint des ministres") && page.contains("name=\"decide.arrete_date\""), "{page}");
    let csrf = form_value(&page, "csrf");
    let (f, s2) = (first.to_string(), second.to_string());
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("dossier", f.as_str()),
        ("dossier", s2.as_str()),
        ("event", "decide"),
        ("decide.outcome", "labelled"),
        ("decide.motivation", "Arrêté conjoint portant labellisation."),
        ("decide.arrete_reference", "Arrêté du 20 janvier 2027, JO du 24 janvier 2027"),
        ("decide.arrete_date", "2027-01-20"),
        ("decide.confirm", "oui"),
    ];
    form.push(("decide.years", "9"));
    let (status, _, page) = ministeres.post("/actions-groupees", &form).await;
    assert_eq!(status, 422, "{page}");
    // A bad input refuses every dossier alike: said once, beside its field,
    // with what was typed kept.
    assert!(!page.contains("<strong>refusé</strong>"), "{page}");
    assert!(page.contains("href=\"#f-decide-years\"") && page.contains("id=\"fe-decide-years\""), "{page}");
    assert!(page.contains("Arrêté du 20 janvier 2027, JO du 24 janvier 2027"), "{page}");
    assert_eq!(db.store.outbox_count("label_granted").await.unwrap(), 0);
    form.pop();
    let (status, _, page) = ministeres.post("/actions-groupees", &form).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Résultat par dossier (2)") && !page.contains("<strong>refusé</strong>"), "{page}");
    for (id, category) in [(first, "excellence"), (second, "standard")] {
        let d = app.dossier(&cast.admin, id).await.unwrap();
        assert_eq!(d.state, "labelled");
        let decision = d.decision.expect("decided");
        assert_eq!(decision.category.as_deref(), Some(category), "the avis's mention");
        assert_eq!(decision.details["arrete_reference"], "Arrêté du 20 janvier 2027, JO du 24 janvier 2027");
        let label =
            app.label(&cast.admin, uuid::Uuid::parse_str(d.label_id.as_deref().unwrap()).unwrap()).await.unwrap();
        assert_eq!((label.valid_from.as_str(), label.valid_until.as_str()), ("2027-01-20", "2030-01-19"));
    }
}

/// The dashboard shows the latest dossiers and says how many the person
/// sees in all, with the way to the whole list; counts stay in scope.
async fn dashboard_shows_a_first_page_and_the_counts(db: &TestDb) {
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let app = served.app.clone();
    let campaign = campaign(&db.store, &cast.admin).await;
    for i in 0..23 {
        served.clock.set(at(2027, 2, 1, 9, i));
        let mut d = new_dossier(campaign);
        d.title = format!("Campus numéro {i:02}");
        app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), d).await.unwrap();
    }
    let rectorat = Browser::login(&served.base, "rectorat@ac-lyon.fr").await;
    let (status, html) = rectorat.get("/tableau-de-bord").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Dossiers que vous pouvez consulter (23, les 20 derniers modifiés affichés)"), "{html}");
    assert!(html.contains("<a href=\"/dossiers\">Voir les 23 dossiers</a>"), "{html}");
    let table = html.split("<h2>Dossiers</h2>").nth(1).unwrap().split("</table>").next().unwrap();
    assert_eq!(table.matches("<a href=\"/dossiers/").count(), 20, "{table}");
    assert!(table.contains("Campus numéro 22") && !table.contains("Campus numéro 02"), "latest first: {table}");
    let outsider = Browser::login(&served.base, "rectorat@ac-paris.fr").await;
    let (_, html) = outsider.get("/tableau-de-bord").await;
    assert!(html.contains("Aucun dossier à afficher.") && !html.contains("Voir les"), "{html}");
}

mod bulk {
    use super::*;
    on_both_backends!(
        bulk_actions_page,
        list_pages_search_filter_and_page,
        no_dead_ends_in_french,
        dashboard_shows_a_first_page_and_the_counts
    );
}

/// A page asked for before logging in is where the login leads; unknown
/// addresses and malformed forms answer a French page (JSON only under
/// /api/); the footer's pages every public service has are there.
async fn no_dead_ends_in_french(db: &TestDb) {
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let campaign = campaign(&db.store, &cast.admin).await;
    let id =
        served.app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
    let b = Browser::new(&served.base);
    let (status, page) = b.get(&format!("/dossiers/{id}?onglet=1")).await;
    assert_eq!(status, 200, "the login page: {page}");
    assert!(page.contains(&format!("name=\"retour\" value=\"/dossiers/{id}?onglet=1\"")), "{page}");
    let csrf = form_value(&page, "csrf");
    let back = format!("/dossiers/{id}?onglet=1");
    let (status, url, page) = b
        .post(
            "/connexion",
            &[("csrf", &csrf), ("email", "porteur@example.fr"), ("password", PASSWORD), ("retour", &back)],
        )
        .await;
    assert_eq!((status, url.as_str()), (200, format!("/dossiers/{id}").as_str()), "back to the page asked for: {page}");
    // Never to another site.
    let b = Browser::new(&served.base);
    let (_, page) = b.get("/connexion?retour=//evil.example/").await;
    assert!(!page.contains("evil.example"), "{page}");
    let csrf = form_value(&page, "csrf");
    let (_, url, _) = b
        .post(
            "/connexion",
            &[("csrf", &csrf), ("email", "porteur@example.fr"), ("password", PASSWORD), ("retour", "//evil.example/")],
        )
        .await;
    assert_eq!(url, "/tableau-de-bord");

    let (status, page) = b.get("/nulle-part").await;
    assert_eq!(status, 404);
    assert!(page.contains("<h1>Page introuvable</h1>") && page.contains("lang=\"fr\""), "{page}");
    let r = reqwest::get(format!("{}/api/v1/nulle-part", served.base)).await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let (status, _, page) = b.post(&format!("/dossiers/{id}/auto-evaluation"), &[("csrf", "x"), ("csrf", "y")]).await;
    assert!(status >= 400 && page.contains("lang=\"fr\"") && !page.contains("Failed to"), "{status}: {page}");
    for (path, heading) in [
        ("/accessibilite", "Déclaration d'accessibilité"),
        ("/mentions-legales", "Mentions légales"),
        ("/donnees-personnelles", "Données personnelles"),
    ] {
        let (status, page) = Browser::new(&served.base).get(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(page.contains(&format!("<h1>{heading}</h1>")), "{path}: {page}");
        assert!(
            page.contains("href=\"/accessibilite\"") && page.contains("href=\"/donnees-personnelles\""),
            "footer links"
        );
    }
}

/// The lists of dossiers and labels: a search without regard to accents,
/// filters, sortable columns, a page at a time, ended labels told apart.
async fn list_pages_search_filter_and_page(db: &TestDb) {
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let app = served.app.clone();
    let campaign = campaign(&db.store, &cast.admin).await;
    for title in ["Campus Aéronautique Lyon", "Campus Bois Lyon", "Campus Énergie Lyon"] {
        let mut d = new_dossier(campaign);
        d.title = title.into();
        app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), d).await.unwrap();
    }
    let rectorat = Browser::login(&served.base, "rectorat@ac-lyon.fr").await;
    let (status, html) = rectorat.get("/dossiers?q=AERO").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Campus Aéronautique Lyon") && !html.contains("Campus Bois Lyon"), "{html}");
    assert!(html.contains("value=\"AERO\""), "the search stays in its box: {html}");
    let (_, html) = rectorat.get("/dossiers?sort=title&limit=2").await;
    assert!(html.contains("Campus Aéronautique Lyon") && html.contains("Campus Bois Lyon"), "{html}");
    assert!(!html.contains("Campus Énergie Lyon") && html.contains("Page suivante"), "{html}");
    let next =
        html.split("href=\"").find(|h| h.contains("cursor=")).unwrap().split('"').next().unwrap().replace("&#38;", "&");
    let (_, html) = rectorat.get(&next).await;
    assert!(html.contains("Campus Énergie Lyon") && !html.contains("Campus Bois Lyon"), "{next}: {html}");
    assert!(html.contains("Première page") && !html.contains("Page suivante"), "{html}");
    let (_, html) = Browser::login(&served.base, "rectorat@ac-paris.fr").await.get("/dossiers").await;
    assert!(html.contains("Aucun résultat"), "out of scope: {html}");
    let (status, html) = rectorat.get("/dossiers?couleur=rouge").await;
    assert_eq!(status, 422);
    assert!(html.contains("couleur"), "the unknown filter is named: {html}");

    let file = include_str!("data/campuses.csv");
    let report = app.import_campuses(&cast.admin, None, file, false).await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let admin = Browser::login(&served.base, "admin@example.fr").await;
    let (_, html) = admin.get("/labels?status=expired").await;
    assert!(html.contains("Campus Bâtiment Durable") && html.contains("lf-badge lf-badge--ended"), "{html}");
    assert!(!html.contains("Campus Agroalimentaire de Bretagne"), "{html}");
    let (_, html) = admin.get("/labels?region=BRE&sort=title").await;
    assert!(html.contains("Campus Agroalimentaire de Bretagne") && html.contains("aria-sort=\"ascending\""), "{html}");
    // The dashboard: the région in the table, an ended label grey and said
    // so in the timeline, the charts counting labels in force unless asked.
    let (_, html) = admin.get("/tableau-de-bord").await;
    assert!(html.contains("<th scope=\"col\">Région</th>") && html.contains("<td>Grand Est</td>"), "{html}");
    assert!(html.contains("Campus Bâtiment Durable : du 01/09/2019 au 31/08/2024 — expiré"), "{html}");
    assert!(html.contains("Campus Bâtiment Durabl… (expiré)") && html.contains("fill=\"#929292\""), "{html}");
    assert!(html.contains("Labels en vigueur par région") && html.contains("labels=tous"), "{html}");
    let bar = |html: &str, region: &str| -> usize {
        let label = html.split("aria-label=\"").find(|a| a.contains("par région")).unwrap().split('"').next().unwrap();
        label.split(", ").find_map(|b| b.strip_prefix(&format!("{region} ")).map(|n| n.parse().unwrap())).unwrap_or(0)
    };
    let in_force = bar(&html, "Grand Est");
    let (_, all) = admin.get("/tableau-de-bord?labels=tous").await;
    assert!(all.contains("échus et retirés compris"), "{all}");
    assert_eq!(bar(&all, "Grand Est"), in_force + 1, "the expired campus counts only when asked: {all}");
}
