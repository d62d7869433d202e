//! Real headless Chromium (Debian's package) driven through chromedriver:
//! people log in by typing, act by clicking; every page is scanned with
//! axe-core (from npm) and photographed into target/screenshots/.

mod common;

use common::*;
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
        // Two crypto backends are compiled in (lettre's and the WebDriver
        // client's); the connection to chromedriver is plain HTTP anyway.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"binary": "/usr/bin/chromium", "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000", format!("--user-data-dir={}", profile.display())]}),
        );
        ClientBuilder::rustls()
            .expect("tls")
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
    c.goto(&format!("{base}/connexion")).await.unwrap();
    c.find(Locator::Css("#email")).await.unwrap().send_keys(email).await.unwrap();
    c.find(Locator::Css("#password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
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

/// Waits for the page that answers a form: one showing `expected` (the
/// notice of this very action) or an error summary.
async fn settled(c: &Client, expected: &str) -> String {
    let begun = Instant::now();
    loop {
        let page = c.source().await.unwrap();
        if [expected, "n'a pas pu être", "n&#39;a pas pu être"].iter().any(|t| page.contains(t)) {
            return page;
        }
        assert!(begun.elapsed() < Duration::from_secs(10), "no answer to the form: {page}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Opens an action's panel by its title, presses its button, and returns
/// the page that answers.
async fn act(c: &Client, summary: &str) -> String {
    let panel = c.find(Locator::XPath(&format!("//details[summary[normalize-space()=\"{summary}\"]]"))).await.unwrap();
    panel.find(Locator::Css("summary")).await.unwrap().click().await.unwrap();
    panel.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    settled(c, &format!("Action enregistrée : {}", summary.to_lowercase())).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_takes_its_step_in_a_real_browser() {
    let Some(driver) = Driver::start() else { return };
    let db = TestDb::sqlite().await;
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let campaign = campaign(&db.store, &cast.admin).await;
    let id =
        served.app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
    db.store.add_partner(id, "Lycée La Martinière", "eple", &cast.porteur, at(2027, 2, 1, 9, 0)).await.unwrap();
    let shots = Shots {
        dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"),
        axe: std::fs::read_to_string(axe_path()).unwrap(),
    };
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
    c.find(Locator::Css("form button[type=submit]:not(.lf-btn--tertiary)")).await.unwrap().click().await.unwrap();
    let page = settled(&c, "dossier créé").await;
    assert!(page.contains("dossier créé") && page.contains("Ajouter au moins un EPLE"), "checklist shown: {page}");
    let id = c.current_url().await.unwrap().path().trim_start_matches("/dossiers/").to_string();
    c.find(Locator::Css("#partner-name")).await.unwrap().send_keys("Lycée du Bois").await.unwrap();
    c.find(Locator::Css("#partner-type")).await.unwrap().select_by_value("eple").await.unwrap();
    c.find(Locator::XPath("//button[normalize-space()=\"Ajouter le partenaire\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let page = settled(&c, "partenaire ajouté").await;
    assert!(page.contains("partenaire ajouté") && !page.contains("Ajouter au moins un EPLE"), "{page}");
    assert!(page.contains("Obtenir le portage du recteur"), "still to do");
    c.find(Locator::Css("#sa-c01_diagnostic"))
        .await
        .unwrap()
        .send_keys("Diagnostic partagé avec la branche bois.")
        .await
        .unwrap();
    c.find(Locator::XPath("//button[normalize-space()=\"Enregistrer l'auto-évaluation\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let page = settled(&c, "auto-évaluation.").await;
    assert!(page.contains("Diagnostic partagé avec la branche bois."), "saved and shown again");
    shots.check(&c, "04-dossier-brouillon").await;
    c.goto(&format!("{base}/mot-de-passe")).await.unwrap();
    shots.check(&c, "04b-mot-de-passe").await;
    logout(&c).await;
    let _ = (&served.app, campaign);

    // Rectorat and région endorse by clicking.
    for email in ["rectorat@ac-lyon.fr", "region@ara.fr"] {
        login(&c, &base, email).await;
        c.goto(&format!("{base}/dossiers/{id}")).await.unwrap();
        let page = act(&c, "Porter le dossier (recteur ou président de région)").await;
        assert!(page.contains("Action enregistrée"), "{email}: {page}");
        logout(&c).await;
    }

    // The porteur submits.
    login(&c, &base, "porteur@example.fr").await;
    c.goto(&format!("{base}/dossiers/{id}")).await.unwrap();
    let page = act(&c, "Déposer le dossier").await;
    assert!(page.contains("Action enregistrée") && page.contains("Déposé"), "{page}");
    shots.check(&c, "05-dossier-depose").await;
    logout(&c).await;

    // Staff ask for completion without a due date: the error is announced.
    login(&c, &base, "rectorat@ac-lyon.fr").await;
    c.goto(&format!("{base}/dossiers/{id}")).await.unwrap();
    let panel =
        c.find(Locator::XPath("//details[summary[normalize-space()=\"Demander des compléments\"]]")).await.unwrap();
    panel.find(Locator::Css("summary")).await.unwrap().click().await.unwrap();
    panel
        .find(Locator::Css("textarea[name=message]"))
        .await
        .unwrap()
        .send_keys("La convention signée manque.")
        .await
        .unwrap();
    panel.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let page = settled(&c, "Ce champ est obligatoire.").await;
    assert!(page.contains("Ce champ est obligatoire."), "error shown: {page}");
    assert!(page.contains("La convention signée manque."), "input kept: {page}");
    let page = c.source().await.unwrap();
    assert!(
        page.contains("Ce champ est obligatoire.") && page.contains("La convention signée manque."),
        "error shown, input kept"
    );
    shots.check(&c, "06-erreur-de-saisie").await;

    // The rest of the path through the application layer, then what staff see.
    let dossier = uuid::Uuid::parse_str(&id).unwrap();
    let app = &served.app;
    let run = |who: labelflow::engine::Actor, e: labelflow::engine::Event| async move {
        app.act(&who, labelflow::workflow::Machine::Dossier, dossier, e).await.expect("step")
    };
    use labelflow::engine::Event;
    for body in ["crefop", "conseil_academique"] {
        run(cast.region.clone(), Event::named("record_opinion").with("body", body).with("opinion", "favorable")).await;
    }
    run(cast.rectorat.clone(), Event::named("declare_admissible")).await;
    for r in [&cast.rapporteur, &cast.rapporteur2] {
        run(
            cast.president.clone(),
            Event::named("assign_reviewer").with("user_id", r.user_id.unwrap().to_string()).with("due", "2027-05-15"),
        )
        .await;
    }
    let scores = serde_json::Value::Object(cmq().grid.criteria.iter().map(|c| (c.code.clone(), json!(3))).collect());
    for r in [&cast.rapporteur, &cast.rapporteur2] {
        run(r.clone(), Event::named("submit_review").with("scores", scores.clone()).with("comment", "Bien.")).await;
    }
    let decision = Event::named("decide")
        .with("outcome", "labelled")
        .with("category", "standard")
        .with("years", 3)
        .with("motivation", "Bon projet.");
    // The president sees the reviews side by side against the thresholds.
    logout(&c).await;
    login(&c, &base, "president@example.fr").await;
    c.goto(&format!("{base}/dossiers/{dossier}")).await.unwrap();
    let page = c.source().await.unwrap();
    assert!(
        page.contains("Notes par critère (2 expertise(s))")
            && page.contains("Diagnostic partagé")
            && page.contains("(non atteint)"),
        "{page}"
    );
    assert!(page.contains("<summary>Décider</summary>"));
    shots.check(&c, "07-vue-commission").await;
    logout(&c).await;
    login(&c, &base, "rectorat@ac-lyon.fr").await;
    let out = run(cast.president.clone(), decision).await;
    let label = out.label_id.unwrap();
    c.goto(&format!("{base}/tableau-de-bord")).await.unwrap();
    let page = c.source().await.unwrap();
    assert!(page.contains("Calendrier des renouvellements") && page.contains("aujourd'hui"), "timeline drawn");
    assert!(page.contains("Labels par filière") && page.contains("Matériaux innovants"), "charts drawn");
    shots.check(&c, "08-tableau-de-bord-rectorat").await;
    c.goto(&format!("{base}/labels/{label}")).await.unwrap();
    let page = c.source().await.unwrap();
    assert!(page.contains("du 01/02/2027 au 31/01/2030") && page.contains("Historique"), "{page}");
    shots.check(&c, "09-label").await;

    c.close().await.unwrap();
    assert!(shots.dir.join("09-label.png").exists());
}
