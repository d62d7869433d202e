//! The pages over real HTTP with a browser-like cookie jar: login with
//! CSRF, a dashboard per role, actions through forms, errors in French
//! next to their field with the input kept.

mod common;

use common::*;

struct Browser {
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

    async fn get(&self, path: &str) -> (u16, String) {
        let r = self.http.get(format!("{}{path}", self.base)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
        let r = self.http.post(format!("{}{path}", self.base)).form(form).send().await.unwrap();
        let url = r.url().path().to_string();
        (r.status().as_u16(), url, r.text().await.unwrap())
    }

    async fn login(base: &str, email: &str) -> Browser {
        let b = Browser::new(base);
        let (_, page) = b.get("/connexion").await;
        let csrf = form_value(&page, "csrf");
        let (status, url, _) = b.post("/connexion", &[("csrf", &csrf), ("email", email), ("password", PASSWORD)]).await;
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
    db.store.add_partner(id, "Lycée La Martinière", "eple", &cast.porteur, at(2027, 2, 1, 9, 0)).await.unwrap();

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

    // Endorsements and submission by clicking through forms.
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
    let (csrf, version) = (form_value(&page, "csrf"), form_value(&page, "version"));
    let (_, _, page) = porteur
        .post(&format!("/dossiers/{id}/evenements"), &[("csrf", &csrf), ("event", "submit"), ("version", &version)])
        .await;
    assert!(page.contains("Déposé"), "the dossier is submitted");

    // A stale form (someone acted first) says so plainly and keeps the input.
    let (status, _, page) = porteur
        .post(
            &format!("/dossiers/{id}/evenements"),
            &[("csrf", &csrf), ("event", "withdraw"), ("version", &version), ("reason", "Projet réorienté")],
        )
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("Quelqu&#39;un d&#39;autre a agi") || page.contains("Quelqu'un d'autre a agi"), "{page}");
    assert!(page.contains("Projet réorienté"), "typed text kept");

    // A validation error names the field next to it and in the summary.
    let rectorat = Browser::login(&served.base, "rectorat@ac-lyon.fr").await;
    let (_, page) = rectorat.get(&format!("/dossiers/{id}")).await;
    let (csrf, version) = (form_value(&page, "csrf"), form_value(&page, "version"));
    let (status, _, page) = rectorat
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
        page.contains("href=\"#f-due\"") && page.contains("id=\"e-due\"") && page.contains("aria-invalid=\"true\""),
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
