//! Real headless Chromium (Debian's package) driven through chromedriver:
//! people log in by typing, act by clicking; every page is scanned with
//! axe-core (from npm) and photographed into target/screenshots/.

use crate::common::*;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn axe_path() -> PathBuf {
    std::env::var("LABELFLOW_AXE").map(PathBuf::from).unwrap_or_else(|_| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/npm/node_modules/axe-core/axe.min.js")
    })
}

/// chromedriver running on a free port; None (skip) outside CI when the
/// browser or axe-core is not installed.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start() -> Option<Driver> {
        let ready = Command::new("chromedriver").arg("--version").output().is_ok() && axe_path().exists();
        if !ready {
            assert!(std::env::var("CI").is_err(), "CI must install chromium, chromium-driver and axe-core (.ci/run)");
            eprintln!("chromium/chromedriver or axe-core missing: browser test skipped");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver");
        let begun = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(begun.elapsed() < Duration::from_secs(15), "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Driver { child, port })
    }

    async fn browser(&self, profile: &std::path::Path) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"binary": "/usr/bin/chromium", "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000", format!("--user-data-dir={}", profile.display())]}),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("browser session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

struct Shots {
    dir: PathBuf,
    axe: String,
}

impl Shots {
    /// Screenshot and accessibility scan of the current page.
    async fn check(&self, c: &Client, name: &str) {
        let png = c.screenshot().await.expect("screenshot");
        std::fs::create_dir_all(&self.dir).unwrap();
        std::fs::write(self.dir.join(format!("{name}.png")), png).unwrap();
        c.execute(&self.axe, vec![]).await.expect("inject axe-core");
        let found = c
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']})
                   .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' (' + v.nodes.map(n => n.target.join(' ')).join(', ') + ')')))
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .expect("axe run");
        let violations: Vec<String> = serde_json::from_value(found).unwrap();
        assert!(violations.is_empty(), "{name}: {violations:#?}");
    }
}

async fn login(c: &Client, base: &str, email: &str) {
    login_with(c, base, email, PASSWORD).await;
}

async fn login_with(c: &Client, base: &str, email: &str, password: &str) {
    c.goto(&format!("{base}/connexion")).await.unwrap();
    c.find(Locator::Css("#email")).await.unwrap().send_keys(email).await.unwrap();
    c.find(Locator::Css("#password")).await.unwrap().send_keys(password).await.unwrap();
    c.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for(c, "/tableau-de-bord").await;
}

async fn logout(c: &Client) {
    c.find(Locator::Css(".lf-account button")).await.unwrap().click().await.unwrap();
    wait_for(c, "/connexion").await;
}

async fn wait_for(c: &Client, path: &str) {
    let begun = Instant::now();
    loop {
        if c.current_url().await.unwrap().path() == path {
            return;
        }
        assert!(begun.elapsed() < Duration::from_secs(10), "never reached {path}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Marks the page in the browser, so that [`settled`] knows it from the one
/// that answers the form about to be sent (a new page has no mark).
async fn mark(c: &Client) {
    c.execute("window.__sent = true;", vec![]).await.unwrap();
}

/// Waits for the page that answers a form: a new one (see [`mark`]),
/// showing `expected` (the notice of this very action) or an error summary.
async fn settled(c: &Client, expected: &str) -> String {
    let begun = Instant::now();
    loop {
        let fresh = c.execute("return window.__sent !== true && document.readyState === 'complete';", vec![]).await;
        let page = c.source().await.unwrap();
        if fresh.is_ok_and(|v| v == json!(true))
            && [expected, "n'a pas pu être", "n&#39;a pas pu être"].iter().any(|t| page.contains(t))
        {
            return page;
        }
        assert!(begun.elapsed() < Duration::from_secs(10), "no answer to the form: {page}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Opens an action's panel by its title and returns it.
async fn open_action(c: &Client, summary: &str) -> Element {
    let panel = c.find(Locator::XPath(&format!("//details[summary[normalize-space()=\"{summary}\"]]"))).await.unwrap();
    panel.find(Locator::Css("summary")).await.unwrap().click().await.unwrap();
    panel
}

/// Fills an opened action's fields as a person would: typing in text and
/// number fields, choosing in lists. Date fields get their value set
/// directly, since what one types into them depends on the browser's locale.
async fn fill(c: &Client, panel: &Element, fields: &[(&str, &str)]) {
    for (name, value) in fields {
        let field = panel.find(Locator::Css(&format!("[name=\"{name}\"]"))).await.unwrap();
        match (field.tag_name().await.unwrap().as_str(), field.attr("type").await.unwrap().as_deref()) {
            ("select", _) => field.select_by_value(value).await.unwrap(),
            (_, Some("date")) => {
                let arg = serde_json::to_value(&field).unwrap();
                c.execute("arguments[0].value = arguments[1];", vec![arg, json!(value)]).await.unwrap();
            }
            _ => field.send_keys(value).await.unwrap(),
        }
    }
}

/// Opens an action's panel by its title, fills it, presses its button, and
/// returns the page that answers.
async fn act_with(c: &Client, summary: &str, fields: &[(&str, &str)]) -> String {
    let panel = open_action(c, summary).await;
    fill(c, &panel, fields).await;
    // A step that cannot be undone asks to be confirmed: tick the box.
    if let Ok(confirm) = panel.find(Locator::Css("input[name=confirm]")).await {
        confirm.click().await.unwrap();
    }
    mark(c).await;
    panel.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let page = settled(c, &format!("Action enregistrée : « {summary} »")).await;
    assert!(page.contains("Action enregistrée"), "{summary}: {page}");
    page
}

async fn act(c: &Client, summary: &str) -> String {
    act_with(c, summary, &[]).await
}

async fn press(c: &Client, key: fantoccini::key::Key) {
    let code: char = key.into();
    let keys =
        KeyActions::new("clavier".into()).then(KeyAction::Down { value: code }).then(KeyAction::Up { value: code });
    c.perform_actions(keys).await.unwrap();
}

/// Presses Tab until the focused element matches `wanted` (checked by a
/// script on `document.activeElement`), at most 40 times.
async fn tab_to(c: &Client, wanted: &str) {
    for _ in 0..40 {
        press(c, fantoccini::key::Key::Tab).await;
        let found = c.execute(&format!("const e = document.activeElement; return !!(e && ({wanted}));"), vec![]).await;
        if found.unwrap() == json!(true) {
            return;
        }
    }
    panic!("Tab never reached {wanted}");
}

/// Whether the focused element shows where the focus is.
async fn focus_visible(c: &Client) -> bool {
    let style = c
        .execute(
            "const s = getComputedStyle(document.activeElement); \
             return [s.outlineStyle, s.outlineWidth, s.boxShadow];",
            vec![],
        )
        .await
        .unwrap();
    let [outline, width, shadow] = [0, 1, 2].map(|i| style[i].as_str().unwrap_or_default().to_string());
    (outline != "none" && width != "0px") || shadow != "none"
}

fn shots() -> Shots {
    Shots {
        dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"),
        axe: std::fs::read_to_string(axe_path()).unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_takes_a_dossier_from_draft_to_label_by_clicking() {
    let Some(driver) = Driver::start() else { return };
    let db = TestDb::sqlite().await;
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    campaign(&db.store, &cast.admin).await;
    let shots = shots();
    let profile = tempfile::tempdir().unwrap();
    let c = driver.browser(profile.path()).await;
    let base = served.base.clone();

    c.goto(&format!("{base}/connexion")).await.unwrap();
    shots.check(&c, "01-connexion").await;

    // The porteur creates the dossier by filling in the form, then builds its network.
    login(&c, &base, "porteur@example.fr").await;
    shots.check(&c, "02-tableau-de-bord-porteur").await;
    c.find(Locator::LinkText("Créer un dossier")).await.unwrap().click().await.unwrap();
    wait_for(&c, "/dossiers/nouveau").await;
    shots.check(&c, "03-nouveau-dossier").await;
    c.find(Locator::Css("#f-title")).await.unwrap().send_keys("Campus Bois et Forêt").await.unwrap();
    c.find(Locator::Css("#f-filiere")).await.unwrap().select_by_value("materiaux-innovants").await.unwrap();
    c.find(Locator::Css("#f-region")).await.unwrap().select_by_value("ARA").await.unwrap();
    c.find(Locator::Css("#f-academies")).await.unwrap().select_by_value("LYON").await.unwrap();
    c.find(Locator::Css("#f-support_establishment")).await.unwrap().send_keys("Lycée du Bois").await.unwrap();
    c.find(Locator::Css("#f-directeur_operationnel")).await.unwrap().send_keys("Jeanne Martin").await.unwrap();
    mark(&c).await;
    c.find(Locator::Css("form button[type=submit]:not(.lf-btn--tertiary)")).await.unwrap().click().await.unwrap();
    let page = settled(&c, "dossier créé").await;
    assert!(page.contains("dossier créé") && page.contains("Ajouter au moins un EPLE"), "checklist shown: {page}");
    let id = c.current_url().await.unwrap().path().trim_start_matches("/dossiers/").to_string();
    c.find(Locator::Css("#partners-name")).await.unwrap().send_keys("Lycée du Bois").await.unwrap();
    c.find(Locator::Css("#partners-type")).await.unwrap().select_by_value("eple").await.unwrap();
    mark(&c).await;
    c.find(Locator::XPath("//button[normalize-space()=\"Ajouter le partenaire\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let page = settled(&c, "élément ajouté").await;
    assert!(page.contains("élément ajouté") && !page.contains("Ajouter au moins un EPLE"), "{page}");
    assert!(page.contains("Le portage du recteur"), "still to do");
    c.find(Locator::Css("#sa-c01_diagnostic"))
        .await
        .unwrap()
        .send_keys("Diagnostic partagé avec la branche bois.")
        .await
        .unwrap();
    mark(&c).await;
    c.find(Locator::XPath("//button[normalize-space()=\"Enregistrer l'auto-évaluation\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let page = settled(&c, "auto-évaluation.").await;
    assert!(page.contains("Diagnostic partagé avec la branche bois."), "saved and shown again");
    // An attachment chosen in the file picker.
    let file = profile.path().join("lettre-de-soutien.pdf");
    std::fs::write(&file, b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n").unwrap();
    c.find(Locator::Css("#f-kind")).await.unwrap().select_by_value("annexe").await.unwrap();
    c.find(Locator::Css("#f-file")).await.unwrap().send_keys(&file.display().to_string()).await.unwrap();
    mark(&c).await;
    c.find(Locator::XPath("//button[normalize-space()=\"Envoyer la pièce\"]")).await.unwrap().click().await.unwrap();
    let page = settled(&c, "pièce jointe ajoutée").await;
    assert!(page.contains("lettre-de-soutien.pdf"), "{page}");
    shots.check(&c, "04-dossier-brouillon").await;
    c.goto(&format!("{base}/mot-de-passe")).await.unwrap();
    shots.check(&c, "04b-mot-de-passe").await;
    logout(&c).await;
    // A forgotten password, from the login page to the e-mailed link.
    c.find(Locator::LinkText("Mot de passe oublié ?")).await.unwrap().click().await.unwrap();
    wait_for(&c, "/mot-de-passe-oublie").await;
    shots.check(&c, "04c-mot-de-passe-oublie").await;
    c.find(Locator::Css("#f-email")).await.unwrap().send_keys("porteur@example.fr").await.unwrap();
    mark(&c).await;
    c.find(Locator::XPath("//button[normalize-space()=\"Recevoir un lien\"]")).await.unwrap().click().await.unwrap();
    settled(&c, "Si un compte actif correspond").await;
    let mail = tempfile::tempdir().unwrap();
    deliver(&served.app, None, mail.path()).await;
    let links = crate::common::smtp::password_links(&crate::common::smtp::texts_in(mail.path()), "porteur@");
    c.goto(&links[0]).await.unwrap();
    shots.check(&c, "04d-choisir-mot-de-passe").await;
    for field in ["#f-new", "#f-confirm"] {
        c.find(Locator::Css(field)).await.unwrap().send_keys(PASSWORD).await.unwrap();
    }
    mark(&c).await;
    c.find(Locator::XPath("//button[normalize-space()=\"Enregistrer le mot de passe\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let page = settled(&c, "mot de passe est enregistré").await;
    assert!(page.contains("<h1>Connexion</h1>"), "{page}");

    // The région records the CREFOP's and the CAEN's opinions; then the
    // rectorat and the région present the dossier, by clicking.
    login(&c, &base, "region@ara.fr").await;
    c.goto(&format!("{base}/dossiers/{id}")).await.unwrap();
    for body in ["crefop", "conseil_academique"] {
        let fields = [("body", body), ("opinion", "favorable"), ("date", "2027-01-20")];
        act_with(&c, "Enregistrer un avis (CREFOP, conseil académique de l'éducation nationale)", &fields).await;
    }
    logout(&c).await;
    for email in ["rectorat@ac-lyon.fr", "region@ara.fr"] {
        login(&c, &base, email).await;
        c.goto(&format!("{base}/dossiers/{id}")).await.unwrap();
        act(&c, "Porter le dossier (recteur ou président de région)").await;
        logout(&c).await;
    }

    // The porteur submits.
    login(&c, &base, "porteur@example.fr").await;
    c.goto(&format!("{base}/dossiers/{id}")).await.unwrap();
    let page = act(&c, "Déposer le dossier").await;
    assert!(page.contains("Déposé"), "{page}");
    shots.check(&c, "05-dossier-depose").await;
    logout(&c).await;

    // The ministries ask for completion: first without a due date (the
    // error is announced and the text kept), then with one.
    login(&c, &base, "ministeres@example.fr").await;
    c.goto(&format!("{base}/dossiers/{id}")).await.unwrap();
    let panel = open_action(&c, "Demander des compléments").await;
    fill(&c, &panel, &[("message", "La convention signée manque.")]).await;
    mark(&c).await;
    panel.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let page = settled(&c, "Ce champ est obligatoire.").await;
    assert!(page.contains("Ce champ est obligatoire.") && page.contains("La convention signée manque."), "{page}");
    assert!(page.contains("href=\"#a-request_completion-due\""), "the summary links to the field");
    shots.check(&c, "06-erreur-de-saisie").await;
    let panel = c.find(Locator::XPath("//details[@open]")).await.unwrap();
    fill(&c, &panel, &[("due", "2027-04-30")]).await;
    mark(&c).await;
    panel.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let page = settled(&c, "Action enregistrée : « Demander des compléments »").await;
    assert!(page.contains("En attente de complément"), "{page}");
    logout(&c).await;

    // The porteur sees the request and answers it.
    login(&c, &base, "porteur@example.fr").await;
    c.goto(&format!("{base}/dossiers/{id}")).await.unwrap();
    let page = c.source().await.unwrap();
    assert!(
        page.contains("Compléments demandés avant le 30/04/2027 23:59")
            && page.contains("La convention signée manque.")
    );
    act(&c, "Transmettre les compléments").await;
    logout(&c).await;

    // The ministries declare the dossier admissible.
    login(&c, &base, "ministeres@example.fr").await;
    c.goto(&format!("{base}/dossiers/{id}")).await.unwrap();
    act(&c, "Déclarer recevable").await;
    c.find(Locator::LinkText("Journal d'audit")).await.unwrap().click().await.unwrap();
    wait_for(&c, &format!("/dossiers/{id}/journal")).await;
    let page = c.source().await.unwrap();
    assert!(page.contains("Déclarer recevable") && page.contains("Recevable"), "{page}");
    shots.check(&c, "07-journal-d-audit").await;
    logout(&c).await;

    // The president assigns two rapporteurs.
    login(&c, &base, "president@example.fr").await;
    c.goto(&format!("{base}/dossiers/{id}")).await.unwrap();
    for r in [&cast.rapporteur, &cast.rapporteur2] {
        let user = r.user_id.unwrap().to_string();
        act_with(&c, "Désigner un rapporteur", &[("user_id", &user), ("due", "2027-05-15")]).await;
    }
    logout(&c).await;

    // Each rapporteur finds the dossier in their list and scores it.
    for (email, score) in [("rapporteur1@example.fr", "4"), ("rapporteur2@example.fr", "3")] {
        login(&c, &base, email).await;
        let page = c.source().await.unwrap();
        assert!(page.contains("Mes expertises") && page.contains("15/05/2027 23:59"), "{page}");
        if score == "4" {
            shots.check(&c, "08-tableau-de-bord-rapporteur").await;
        }
        c.find(Locator::LinkText("Campus Bois et Forêt")).await.unwrap().click().await.unwrap();
        wait_for(&c, &format!("/dossiers/{id}")).await;
        let panel = open_action(&c, "Rendre son expertise").await;
        let mut fields: Vec<(String, &str)> =
            cmq().grid.criteria.iter().map(|k| (format!("scores.{}", k.code), score)).collect();
        fields.push(("comment".into(), "Réseau solide, ambition nationale."));
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        fill(&c, &panel, &fields).await;
        if score == "4" {
            shots.check(&c, "09-expertise").await;
        }
        mark(&c).await;
        panel.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
        let page = settled(&c, "Action enregistrée : « Rendre son expertise »").await;
        assert!(page.contains("Votre évaluation est rendue"), "{page}");
        logout(&c).await;
    }

    // The expert group's president reads the reviews side by side and gives
    // the group's avis.
    login(&c, &base, "president@example.fr").await;
    c.goto(&format!("{base}/dossiers/{id}")).await.unwrap();
    let page = c.source().await.unwrap();
    assert!(page.contains("Notes par critère (2 expertises)") && page.contains("(non atteint)"), "{page}");
    shots.check(&c, "10-vue-commission").await;
    let avis = [("avis", "favorable"), ("category", "standard"), ("years", "3"), ("motivation", "Bon projet.")];
    let page = act_with(&c, "Rendre l'avis du groupe d'experts", &avis).await;
    assert!(
        page.contains("Avis du groupe d&#39;experts rendu") || page.contains("Avis du groupe d'experts rendu"),
        "{page}"
    );
    logout(&c).await;

    // The ministries' arrêté labels it, with the avis's mention and duration,
    // valid from the arrêté's date.
    login(&c, &base, "ministeres@example.fr").await;
    c.goto(&format!("{base}/dossiers/{id}")).await.unwrap();
    let arrete = [
        ("outcome", "labelled"),
        ("motivation", "Sur l'avis favorable du groupe national d'experts."),
        ("arrete_reference", "Arrêté du 29 janvier 2027, JO du 31 janvier 2027"),
        ("arrete_date", "2027-01-29"),
    ];
    // The arrêté's document, previewed from its form before deciding.
    let preview = r#"
        const b = document.querySelector('button[formaction$="/apercu-decision"]');
        const fd = new FormData(b.form);
        fd.set('outcome', 'labelled');
        fd.set('motivation', 'Aperçu.');
        return fetch(b.formAction, {method: 'POST', body: new URLSearchParams(fd)})
            .then(r => r.status + ' ' + r.headers.get('content-type'));"#;
    let answer = c.execute(preview, vec![]).await.unwrap();
    assert_eq!(answer.as_str(), Some("200 application/pdf"), "the preview");
    let page = act_with(&c, "Arrêté conjoint des ministres", &arrete).await;
    assert!(page.contains("Labellisé") && page.contains("Voir le label"), "{page}");
    logout(&c).await;

    // The porteur follows the decision to the label.
    login(&c, &base, "porteur@example.fr").await;
    c.goto(&format!("{base}/dossiers/{id}")).await.unwrap();
    assert!(c.source().await.unwrap().contains("Bon projet."), "motivation shown");
    let link = c.find(Locator::Css("a[href$=\"/decision.pdf\"]")).await.unwrap();
    let href = link.attr("href").await.unwrap().expect("a link");
    let fetch = format!(
        "return fetch('{href}').then(r => r.arrayBuffer().then(b => r.status + ' ' + \
         String.fromCharCode(...new Uint8Array(b).slice(0, 5))));"
    );
    let answer = c.execute(&fetch, vec![]).await.unwrap();
    assert_eq!(answer.as_str(), Some("200 %PDF-"), "the decision's document, for its owner");
    mark(&c).await;
    c.find(Locator::LinkText("Synthèse imprimable de la décision")).await.unwrap().click().await.unwrap();
    wait_for(&c, &format!("/dossiers/{id}/decision")).await;
    let page = c.source().await.unwrap();
    assert!(page.contains("Synthèse de la décision") && page.contains("du 29/01/2027 au 28/01/2030"), "{page}");
    assert!(page.contains("Bon projet.") && page.contains("pour 3 ans") && page.contains("Sans mention"), "{page}");
    assert!(page.contains("Arrêté du 29 janvier 2027, JO du 31 janvier 2027"), "the arrêté's reference: {page}");
    shots.check(&c, "12b-synthese-decision").await;
    c.goto(&format!("{base}/dossiers/{id}")).await.unwrap();
    c.find(Locator::LinkText("Voir le label")).await.unwrap().click().await.unwrap();
    let page = settled(&c, "du 29/01/2027 au 28/01/2030").await;
    assert!(page.contains("du 29/01/2027 au 28/01/2030"), "{page}");
    let label = c.current_url().await.unwrap().path().to_string();
    logout(&c).await;

    // Staff see the timeline and the label's history.
    login(&c, &base, "rectorat@ac-lyon.fr").await;
    let page = c.source().await.unwrap();
    assert!(page.contains("Calendrier des renouvellements") && page.contains("aujourd'hui"), "timeline drawn");
    assert!(
        page.contains("Labels en vigueur par filière") && page.contains("Matériaux, matériaux innovants"),
        "charts drawn"
    );
    shots.check(&c, "11-tableau-de-bord-rectorat").await;
    c.goto(&format!("{base}{label}")).await.unwrap();
    let page = c.source().await.unwrap();
    assert!(page.contains("Historique") && page.contains("Journal d'audit"), "{page}");
    shots.check(&c, "12-label").await;
    logout(&c).await;

    // Staff: bulk actions and their calendar address.
    login(&c, &base, "rectorat@ac-lyon.fr").await;
    c.goto(&format!("{base}/actions-groupees")).await.unwrap();
    shots.check(&c, "13-actions-groupees").await;
    c.goto(&format!("{base}/calendrier")).await.unwrap();
    mark(&c).await;
    c.find(Locator::XPath("//button[normalize-space()=\"Créer mon adresse de calendrier\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let page = settled(&c, "Nouvelle adresse de votre calendrier").await;
    assert!(page.contains("/ical/") && page.contains(".ics"), "{page}");
    shots.check(&c, "14-calendrier").await;

    // A token for a machine: refused without a name, then made, shown
    // once, listed with no use yet, and revoked.
    c.goto(&format!("{base}/mes-jetons")).await.unwrap();
    mark(&c).await;
    c.find(Locator::XPath("//button[normalize-space()=\"Créer le jeton\"]")).await.unwrap().click().await.unwrap();
    let page = settled(&c, "Le jeton n'a pas été créé").await;
    assert!(page.contains("Nom : de 1 à 100 caractères."), "{page}");
    c.find(Locator::Css("#token-name")).await.unwrap().send_keys("Tableau régional").await.unwrap();
    mark(&c).await;
    c.find(Locator::XPath("//button[normalize-space()=\"Créer le jeton\"]")).await.unwrap().click().await.unwrap();
    let page = settled(&c, "Nouveau jeton").await;
    assert!(page.contains("lft_") && page.contains("Tableau régional") && page.contains("jamais"), "{page}");
    shots.check(&c, "14b-jetons").await;
    mark(&c).await;
    c.find(Locator::XPath("//button[normalize-space()=\"Révoquer\"]")).await.unwrap().click().await.unwrap();
    let page = settled(&c, "Jeton révoqué").await;
    assert!(page.contains("révoqué") && !page.contains("lft_"), "{page}");
    logout(&c).await;

    // The administrator's pages, and campuses imported from a spreadsheet.
    login(&c, &base, "admin@example.fr").await;
    c.goto(&format!("{base}/admin/import")).await.unwrap();
    let csv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/data/campuses.csv");
    c.find(Locator::Css("#f-file")).await.unwrap().send_keys(&csv.display().to_string()).await.unwrap();
    mark(&c).await;
    c.find(Locator::XPath("//button[normalize-space()=\"Prévisualiser\"]")).await.unwrap().click().await.unwrap();
    let page = settled(&c, "ce que l'import changera").await;
    assert!(page.contains("Campus Énergies Tropicales") && page.contains("Importer ces 13 lignes"), "{page}");
    shots.check(&c, "15-admin-import-apercu").await;
    mark(&c).await;
    c.find(Locator::XPath("//button[normalize-space()=\"Importer ces 13 lignes\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let page = settled(&c, "Import effectué").await;
    assert!(page.contains("Import effectué : 13 lignes traitées"), "{page}");
    for (path, name) in [
        ("/admin/campagnes", "16-admin-campagnes"),
        ("/admin/utilisateurs", "17-admin-comptes"),
        ("/admin/courriels", "18-admin-courriels"),
        ("/admin/workflow", "19-admin-processus"),
        ("/tableau-de-bord", "20-tableau-de-bord-national"),
        ("/dossiers?sort=title", "21-liste-dossiers"),
        ("/labels?q=campus&limit=5", "22-liste-labels"),
        ("/a-decider", "23-a-decider"),
        ("/publication/ldm", "24-liste-annuelle"),
    ] {
        c.goto(&format!("{base}{path}")).await.unwrap();
        shots.check(&c, name).await;
    }
    // At a phone's width (390 px) no main page pans sideways: wide tables
    // scroll in their own box.
    c.set_window_size(390, 844).await.unwrap();
    let dossier = format!("/dossiers/{id}");
    for path in [
        "/tableau-de-bord",
        "/dossiers",
        "/labels",
        "/a-decider",
        "/mes-courriels",
        "/admin/utilisateurs",
        "/admin/campagnes",
        "/admin/courriels",
        dossier.as_str(),
        label.as_str(),
    ] {
        c.goto(&format!("{base}{path}")).await.unwrap();
        let overflow = c
            .execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth;", vec![])
            .await
            .unwrap();
        assert!(overflow.as_i64().unwrap_or(1) <= 0, "{path} pans {overflow} px sideways at 390 px");
    }
    shots.check(&c, "25-telephone").await;
    c.close().await.unwrap();
    assert!(shots.dir.join("20-tableau-de-bord-national.png").exists());
}

/// Keyboard only: the skip link, the login form, the menu and a form are
/// reached with Tab, used with Enter, and the focus is always visible.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_only() {
    let Some(driver) = Driver::start() else { return };
    let db = TestDb::sqlite().await;
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    campaign(&db.store, &cast.admin).await;
    let profile = tempfile::tempdir().unwrap();
    let c = driver.browser(profile.path()).await;
    let base = served.base.clone();
    use fantoccini::key::Key;

    c.goto(&format!("{base}/connexion")).await.unwrap();
    tab_to(&c, "e.classList.contains('skip')").await;
    assert!(focus_visible(&c).await, "the skip link shows its focus");
    tab_to(&c, "e.id === 'email'").await;
    assert!(focus_visible(&c).await, "fields show their focus");
    c.active_element().await.unwrap().send_keys("porteur@example.fr").await.unwrap();
    tab_to(&c, "e.id === 'password'").await;
    c.active_element().await.unwrap().send_keys(PASSWORD).await.unwrap();
    press(&c, Key::Enter).await;
    wait_for(&c, "/tableau-de-bord").await;

    tab_to(&c, "e.textContent.trim() === 'Créer un dossier'").await;
    assert!(focus_visible(&c).await, "links show their focus");
    press(&c, Key::Enter).await;
    wait_for(&c, "/dossiers/nouveau").await;
    tab_to(&c, "e.id === 'f-title'").await;
    c.active_element().await.unwrap().send_keys("Campus au clavier").await.unwrap();
    // Enter in a text field sends its form: a draft may start with a title alone.
    mark(&c).await;
    press(&c, Key::Enter).await;
    let page = settled(&c, "dossier créé").await;
    assert!(page.contains("<h1>Campus au clavier</h1>"), "{page}");
    tab_to(&c, "e.id === 'partners-name'").await;
    c.active_element().await.unwrap().send_keys("Lycée Ampère").await.unwrap();
    tab_to(&c, "e.id === 'partners-type'").await;
    assert!(focus_visible(&c).await, "lists show their focus");
    // The arrow key picks the first type after « — Choisir — ».
    press(&c, Key::Down).await;
    tab_to(&c, "e.tagName === 'BUTTON' && e.textContent.trim() === 'Ajouter le partenaire'").await;
    assert!(focus_visible(&c).await, "buttons show their focus");
    mark(&c).await;
    press(&c, Key::Enter).await;
    let page = settled(&c, "élément ajouté").await;
    assert!(page.contains("Lycée Ampère"), "{page}");
    c.close().await.unwrap();
}

/// The lycée des métiers, from its shipped demo: each of its roles walks
/// its pages (dashboard, lists, its dossiers, the queue, the yearly list,
/// its e-mails), every page scanned by axe, none panning sideways at
/// 390 px; those waiting are told who acts next.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lycee_des_metiers_pages_for_each_role() {
    let Some(driver) = Driver::start() else { return };
    let db = TestDb::sqlite().await;
    let served = serve(&db.store, at(2027, 3, 1, 9, 0)).await;
    let demos = labelflow::demo::Demo::load_all(std::path::Path::new("no-such-folder")).expect("the shipped demos");
    let demo = demos.iter().find(|d| d.workflow == "ldm").expect("the lycée des métiers demo");
    assert!(labelflow::demo::seed(&served.app, demo).await.expect("seeded"));
    let shots = shots();
    let profile = tempfile::tempdir().unwrap();
    let c = driver.browser(profile.path()).await;
    let base = served.base.clone();
    let pans = |c: &Client| {
        let c = c.clone();
        async move {
            let js = "return document.documentElement.scrollWidth - document.documentElement.clientWidth;";
            c.execute(js, vec![]).await.unwrap().as_i64().unwrap_or(1)
        }
    };
    for (email, pages) in [
        ("chef.ampere@demo.labelflow.fr", vec!["/tableau-de-bord", "/dossiers", "/labels", "/mes-courriels"]),
        (
            "dafpic.lyon@demo.labelflow.fr",
            vec!["/tableau-de-bord", "/dossiers", "/labels", "/a-decider", "/publication/ldm"],
        ),
        ("recteur.lyon@demo.labelflow.fr", vec!["/tableau-de-bord", "/a-decider", "/labels?status=active"]),
        ("groupe1.lyon@demo.labelflow.fr", vec!["/tableau-de-bord", "/dossiers"]),
        ("admin@demo.labelflow.fr", vec!["/admin/utilisateurs?role=chef_etablissement", "/admin/courriels"]),
    ] {
        login_with(&c, &base, email, labelflow::demo::DEMO_PASSWORD).await;
        let who = email.split('@').next().unwrap().replace('.', "-");
        // The role's own dossiers, from its list.
        c.goto(&format!("{base}/dossiers")).await.unwrap();
        let list = c.source().await.unwrap();
        let dossiers: Vec<String> = list
            .split("href=\"/dossiers/")
            .skip(1)
            .filter_map(|h| h.split('"').next())
            .filter(|id| uuid::Uuid::parse_str(id).is_ok())
            .map(|id| format!("/dossiers/{id}"))
            .collect();
        let mut visited = pages.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        visited.extend(dossiers.iter().take(3).cloned());
        for (width, pass) in [(1280, "large"), (390, "telephone")] {
            c.set_window_size(width, 900).await.unwrap();
            for (n, path) in visited.iter().enumerate() {
                c.goto(&format!("{base}{path}")).await.unwrap();
                let page = c.source().await.unwrap();
                assert!(page.contains("lang=\"fr\"") && !page.contains("Page introuvable"), "{who} {path}: {page}");
                if pass == "large" {
                    shots.check(&c, &format!("ldm-{who}-{n}")).await;
                } else {
                    assert!(pans(&c).await <= 0, "{who}: {path} pans sideways at 390 px");
                }
            }
        }
        c.set_window_size(1280, 900).await.unwrap();
        if email.starts_with("chef.ampere") {
            // A submitted request waits on the académie's services, and says so.
            let mut told = false;
            for d in &dossiers {
                c.goto(&format!("{base}{d}")).await.unwrap();
                told |= c.source().await.unwrap().contains("Prochaine étape");
            }
            assert!(told, "the owner is told who acts next");
        }
        logout(&c).await;
    }
    c.close().await.unwrap();
}

/// An outside expert asked by link: the services invite from the dossier
/// page; the expert, without an account, opens the e-mailed link, reads
/// the dossier and answers with a file; the link is then spent, and the
/// services read the answer on the dossier page. Each page passes axe.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outside_expert_answers_by_link() {
    let Some(driver) = Driver::start() else { return };
    let db = TestDb::sqlite().await;
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let app = served.app.clone();
    let campaign = campaign(&db.store, &cast.admin).await;
    let id = app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
    let shots = shots();
    let profile = tempfile::tempdir().unwrap();
    let c = driver.browser(profile.path()).await;
    let base = served.base.clone();

    login(&c, &base, "rectorat@ac-lyon.fr").await;
    c.goto(&format!("{base}/dossiers/{id}")).await.unwrap();
    let form = c.find(Locator::Css("form[action$='/avis-exterieurs']")).await.unwrap();
    fill(
        &c,
        &form,
        &[
            ("in_body", "crefop"),
            ("name", "Secrétariat du CREFOP"),
            ("email", "crefop@ara.fr"),
            ("question", "Quel est l'avis du CREFOP ?"),
            ("due", "2027-02-15"),
        ],
    )
    .await;
    mark(&c).await;
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let page = settled(&c, "Demande d'avis envoyée").await;
    assert!(page.contains("Secrétariat du CREFOP") && page.contains("En attente"), "{page}");
    shots.check(&c, "guest-invited").await;
    logout(&c).await;

    let mails = tempfile::tempdir().unwrap();
    assert_eq!(deliver(&app, None, mails.path()).await, 1);
    let link = crate::common::smtp::links(&crate::common::smtp::texts_in(mails.path()), "crefop@ara.fr", "/avis/");
    assert_eq!(link.len(), 1);
    c.goto(&link[0]).await.unwrap();
    let page = c.source().await.unwrap();
    assert!(page.contains("Quel est l") && page.contains("Lycée La Martinière Monplaisir"), "{page}");
    shots.check(&c, "guest-page").await;
    // Sent without the required text: refused at its field, nothing spent.
    let answer = c.find(Locator::Css("form[action^='/avis/']")).await.unwrap();
    fill(&c, &answer, &[("in_opinion", "favorable")]).await;
    mark(&c).await;
    answer.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let page = settled(&c, "Le formulaire contient des erreurs").await;
    assert!(page.contains("id=\"e-text\""), "{page}");
    shots.check(&c, "guest-refused").await;
    let answer = c.find(Locator::Css("form[action^='/avis/']")).await.unwrap();
    fill(&c, &answer, &[("in_opinion", "favorable"), ("text", "Avis favorable du bureau.")]).await;
    let file = mails.path().join("avis.pdf");
    std::fs::write(&file, b"%PDF-1.4 avis").unwrap();
    answer.find(Locator::Css("input[type=file]")).await.unwrap().send_keys(&file.display().to_string()).await.unwrap();
    mark(&c).await;
    answer.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let page = settled(&c, "votre avis est enregistré").await;
    assert!(page.contains("Merci"), "{page}");
    shots.check(&c, "guest-answered").await;
    c.goto(&link[0]).await.unwrap();
    assert!(c.source().await.unwrap().contains("Lien inutilisable"), "single use");

    login(&c, &base, "rectorat@ac-lyon.fr").await;
    c.goto(&format!("{base}/dossiers/{id}")).await.unwrap();
    let page = c.source().await.unwrap();
    assert!(
        page.contains("Répondu") && page.contains("Avis favorable du bureau.") && page.contains(">avis.pdf<"),
        "{page}"
    );
    c.close().await.unwrap();
}

/// The owners answer the reports from the dossier page: the reviews shown
/// anonymised, the request and its deadline, the answer form; axe passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owners_answer_the_reports_by_clicking() {
    let Some(driver) = Driver::start() else { return };
    let db = TestDb::sqlite().await;
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let app = served.app.clone();
    let campaign = campaign(&db.store, &cast.admin).await;
    let id = dossier_reviewed(&app, &cast, campaign).await;
    let open = labelflow::engine::Event::named("open_reports_answer")
        .with("message", "Précisez la gouvernance.")
        .with("due", "2027-02-20");
    app.act(&cast.president, labelflow::workflow::Machine::Dossier, id, open).await.unwrap();
    let shots = shots();
    let profile = tempfile::tempdir().unwrap();
    let c = driver.browser(profile.path()).await;
    login(&c, &served.base, "porteur@example.fr").await;
    c.goto(&format!("{}/dossiers/{id}", served.base)).await.unwrap();
    let page = c.source().await.unwrap();
    assert!(
        page.contains("réponse attendue avant le 20/02/2027") && page.contains("Précisez la gouvernance."),
        "{page}"
    );
    assert!(page.contains("Solide.") && !page.contains("rapporteur1"), "the reviews, without their authors: {page}");
    shots.check(&c, "owners-answer-open").await;
    let page = act_with(&c, "Répondre aux rapports", &[("answer", "Voir l'annexe de gouvernance.")]).await;
    assert!(
        page.contains("Voir l'annexe de gouvernance.") || page.contains("Voir l&#39;annexe de gouvernance."),
        "{page}"
    );
    shots.check(&c, "owners-answer-done").await;
    c.close().await.unwrap();
}

/// A co-owner by link: the owner invites from the dossier page; the
/// invited person, without an account, opens the link, creates it, logs in
/// and finds the dossier, whose page says who of its owners did what.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_co_owner_joins_by_link() {
    let Some(driver) = Driver::start() else { return };
    let db = TestDb::sqlite().await;
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let app = served.app.clone();
    let campaign = campaign(&db.store, &cast.admin).await;
    let id = app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
    let shots = shots();
    let profile = tempfile::tempdir().unwrap();
    let c = driver.browser(profile.path()).await;
    let base = served.base.clone();

    login(&c, &base, "porteur@example.fr").await;
    c.goto(&format!("{base}/dossiers/{id}")).await.unwrap();
    let form = c.find(Locator::Css("form[action$='/titulaires']")).await.unwrap();
    fill(&c, &form, &[("email", "claire@example.fr")]).await;
    mark(&c).await;
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let page = settled(&c, "Invitation envoyée").await;
    assert!(page.contains("claire@example.fr") && page.contains("en attente"), "{page}");
    shots.check(&c, "co-owner-invited").await;
    logout(&c).await;

    let mails = tempfile::tempdir().unwrap();
    assert_eq!(deliver(&app, None, mails.path()).await, 1);
    let link =
        crate::common::smtp::links(&crate::common::smtp::texts_in(mails.path()), "claire@example.fr", "/rejoindre/");
    c.goto(&link[0]).await.unwrap();
    shots.check(&c, "co-owner-link").await;
    let form = c.find(Locator::Css("form[action^='/rejoindre/']")).await.unwrap();
    fill(&c, &form, &[("name", "Claire Martin"), ("password", "un-mot-de-passe"), ("confirm", "un-mot-de-passe")])
        .await;
    mark(&c).await;
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    settled(&c, "vous êtes titulaire du dossier").await;
    login_with(&c, &base, "claire@example.fr", "un-mot-de-passe").await;
    c.goto(&format!("{base}/dossiers/{id}")).await.unwrap();
    let page = c.source().await.unwrap();
    assert!(page.contains("Claire Martin") && page.contains("Qui a fait quoi"), "{page}");
    assert!(page.contains("Arrivée d&#39;un co-titulaire") || page.contains("Arrivée d'un co-titulaire"), "{page}");
    shots.check(&c, "co-owner-dossier").await;
    c.close().await.unwrap();
}

/// Notification preferences on « Mes courriels »: a kind put in the daily
/// digest by clicking, saved, shown checked; a mandatory one cannot be
/// put off; axe passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notification_preferences_by_clicking() {
    let Some(driver) = Driver::start() else { return };
    let db = TestDb::sqlite().await;
    let _cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let shots = shots();
    let profile = tempfile::tempdir().unwrap();
    let c = driver.browser(profile.path()).await;
    login(&c, &served.base, "rectorat@ac-lyon.fr").await;
    c.goto(&format!("{}/mes-courriels", served.base)).await.unwrap();
    let off = c.find(Locator::Css("#p-decision-off")).await.unwrap();
    assert!(off.attr("disabled").await.unwrap().is_some(), "a decision always comes at once");
    c.find(Locator::Css("label[for='p-endorsement_requested-digest']")).await.unwrap().click().await.unwrap();
    mark(&c).await;
    c.find(Locator::Css("form[action='/mes-courriels/preferences'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    settled(&c, "Préférences enregistrées").await;
    let digest = c.find(Locator::Css("#p-endorsement_requested-digest")).await.unwrap();
    assert!(digest.prop("checked").await.unwrap().as_deref() == Some("true"), "saved");
    shots.check(&c, "notification-preferences").await;
    c.close().await.unwrap();
}

/// In Chromium: the ProConnect button, the provider, the one-time link,
/// and the logout that leads on to the provider (which the pages' content
/// security policy must let the logout form do).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signs_in_through_the_identity_provider_by_clicking() {
    use crate::common::oidc::Provider;
    let Some(driver) = Driver::start() else { return };
    let db = TestDb::sqlite().await;
    cast(&db.store).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let provider = Provider::start(&[format!("{base}/connexion/oidc/retour")], &[format!("{base}/connexion")]);
    let issuer = provider.issuer.clone();
    let _served = serve_on(listener, &db.store, at(2027, 2, 1, 9, 0), |app| {
        let settings = crate::sign_on::settings(&issuer, &[]);
        app.sign_on = Some(std::sync::Arc::new(labelflow::sign_on::SignOn::new(settings).unwrap()));
    })
    .await;
    provider.control(json!({"sub": "pc-porteur", "email": "porteur@example.fr"})).await;
    let shots = shots();
    let profile = tempfile::tempdir().unwrap();
    let c = driver.browser(profile.path()).await;

    c.goto(&format!("{base}/connexion")).await.unwrap();
    shots.check(&c, "30-connexion-proconnect").await;
    c.find(Locator::Css("a.lf-proconnect")).await.unwrap().click().await.unwrap();
    wait_for(&c, "/connexion/oidc/retour").await;
    shots.check(&c, "31-associer-proconnect").await;
    c.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for(&c, "/tableau-de-bord").await;

    // Logging out leads to the provider's own logout page, then back.
    c.find(Locator::Css(".lf-account button")).await.unwrap().click().await.unwrap();
    let begun = Instant::now();
    while !c.current_url().await.unwrap().as_str().starts_with(&issuer) {
        assert!(begun.elapsed() < Duration::from_secs(10), "never reached the provider's logout");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.find(Locator::Css("button[value=yes]")).await.unwrap().click().await.unwrap();
    wait_for(&c, "/connexion").await;
    assert!(c.current_url().await.unwrap().as_str().starts_with(&base));
    c.close().await.unwrap();
}
