//! Shared test harness: real databases (a SQLite file; a PostgreSQL
//! database of its own per test when TEST_DATABASE_URL is set) and CMQ
//! fixtures.
#![allow(dead_code)]

pub mod oidc;
pub mod process;
pub mod progress;
pub mod receiver;
pub mod smtp;

use chrono::{DateTime, TimeZone, Utc};
use labelflow::app::App;
use labelflow::clock::ManualClock;
use labelflow::engine::{Actor, Grant, Scope};
use labelflow::store::records::{NewCampaign, NewDossier, NewUser};
use labelflow::store::Store;
use labelflow::workflow::{builtin, Definition, Role};
use std::sync::Arc;
use uuid::Uuid;

pub fn cmq() -> Definition {
    static CMQ: std::sync::OnceLock<Definition> = std::sync::OnceLock::new();
    CMQ.get_or_init(|| builtin::shipped("cmq").expect("shipped workflow is valid")).clone()
}

pub fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().expect("valid instant")
}

/// A database for one test, removed when dropped.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Store::open(&url).await.expect("sqlite store");
        TestDb { store, url, _dir: Some(dir), pg: None }
    }

    /// None when TEST_DATABASE_URL is not set (and CI is not set either:
    /// in CI a missing PostgreSQL is a failure, not a skip).
    pub async fn postgres() -> Option<TestDb> {
        let Ok(admin) = std::env::var("TEST_DATABASE_URL") else {
            assert!(std::env::var("CI").is_err(), "CI must set TEST_DATABASE_URL");
            eprintln!("TEST_DATABASE_URL not set: PostgreSQL variant skipped");
            return None;
        };
        let name = format!("labelflow_test_{}", Uuid::new_v4().simple());
        run_admin(&admin, &format!("CREATE DATABASE {name}")).await;
        let url = labelflow::bench::scratch::replace_database(&admin, &name);
        let store = Store::open(&url).await.expect("postgres store");
        Some(TestDb { store, url, _dir: None, pg: Some((admin, name)) })
    }

    /// A copy of a SQLite database file, opened (and so migrated).
    pub async fn sqlite_copy_of(file: &std::path::Path) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("test.db");
        std::fs::copy(file, &path).expect("copy the database file");
        let url = format!("sqlite://{}", path.display());
        let store = Store::open(&url).await.expect("sqlite store");
        TestDb { store, url, _dir: Some(dir), pg: None }
    }

    /// A PostgreSQL database restored from a plain SQL dump, opened (and
    /// so migrated); None as `postgres` says.
    pub async fn postgres_restored_from(dump: &str) -> Option<TestDb> {
        use sqlx::Connection;
        let Ok(admin) = std::env::var("TEST_DATABASE_URL") else {
            assert!(std::env::var("CI").is_err(), "CI must set TEST_DATABASE_URL");
            return None;
        };
        let name = format!("labelflow_test_{}", Uuid::new_v4().simple());
        run_admin(&admin, &format!("CREATE DATABASE {name}")).await;
        let url = labelflow::bench::scratch::replace_database(&admin, &name);
        // A connection of its own: the dump empties its search_path.
        let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
        sqlx::raw_sql(dump).execute(&mut conn).await.expect("restore the dump");
        conn.close().await.ok();
        let store = Store::open(&url).await.expect("postgres store");
        Some(TestDb { store, url, _dir: None, pg: Some((admin, name)) })
    }

    /// Another empty database on the same backend as `db`.
    #[allow(dead_code)]
    pub async fn same_kind(db: &TestDb) -> TestDb {
        match db.pg {
            Some(_) => TestDb::postgres().await.expect("postgres is configured"),
            None => TestDb::sqlite().await,
        }
    }
}

/// A database that does not exist yet (SQLite) or holds nothing
/// (PostgreSQL), on the backend of `db`: where a restore goes. Removed
/// when dropped.
pub struct BlankDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl BlankDb {
    pub async fn like(db: &TestDb) -> BlankDb {
        match &db.pg {
            Some((admin, _)) => {
                let name = format!("labelflow_test_{}", Uuid::new_v4().simple());
                run_admin(admin, &format!("CREATE DATABASE {name}")).await;
                let url = labelflow::bench::scratch::replace_database(admin, &name);
                BlankDb { url, _dir: None, pg: Some((admin.clone(), name)) }
            }
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("restored.db").display());
                BlankDb { url, _dir: Some(dir), pg: None }
            }
        }
    }
}

impl Drop for BlankDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(run_admin(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")));
            })
            .join()
            .ok();
        }
    }
}

async fn run_admin(admin: &str, sql: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin).await.expect("connect to TEST_DATABASE_URL");
    sqlx::query(sql).execute(&mut conn).await.expect(sql);
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            let pool = self.store.clone();
            // Dropping runs outside the test's runtime (it may be panicking).
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async move {
                    pool.close().await;
                    run_admin(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                });
            })
            .join()
            .ok();
        }
    }
}

/// Runs each listed async test against SQLite, and PostgreSQL when set.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = $crate::common::TestDb::sqlite().await;
                    super::$name(&db).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(db) = $crate::common::TestDb::postgres().await {
                        super::$name(&db).await;
                    }
                }
            )+
        }
    };
}

/// Users of every role around one dossier in académie LYON, région ARA.
pub struct Cast {
    pub admin: Actor,
    pub porteur: Actor,
    pub rectorat: Actor,
    pub region: Actor,
    pub rapporteur: Actor,
    pub rapporteur2: Actor,
    /// A rapporteur affiliated with the dossier's académie.
    pub conflicted: Actor,
    pub president: Actor,
    pub ministeres: Actor,
    /// Staff of another académie.
    pub outsider: Actor,
}

/// Password of every test user.
pub const PASSWORD: &str = "mot-de-passe-de-test";

/// One argon2 hash of [`PASSWORD`], computed once per test binary.
pub fn password_hash() -> String {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| labelflow::auth::hash_password(PASSWORD).expect("hash")).clone()
}

pub async fn user(store: &Store, email: &str, grants: &[(&str, Option<&str>)], affiliations: &[&str]) -> Actor {
    let new = NewUser {
        email: email.to_string(),
        name: email.split('@').next().unwrap_or(email).to_string(),
        password_hash: password_hash(),
        grants: grants
            .iter()
            .map(|(role, scope)| Grant { role: Role::new(*role), scope: scope.and_then(Scope::parse) })
            .collect(),
        affiliations: affiliations.iter().filter_map(|a| Scope::parse(a)).collect(),
    };
    let id = store.create_user(&new, &Actor::system(), at(2027, 1, 1, 8, 0)).await.expect("user");
    store.actor(id).await.expect("actor")
}

pub async fn cast(store: &Store) -> Cast {
    Cast {
        admin: user(store, "admin@example.fr", &[("admin", None)], &[]).await,
        porteur: user(store, "porteur@example.fr", &[("porteur", None)], &[]).await,
        rectorat: user(store, "rectorat@ac-lyon.fr", &[("staff_rectorat", Some("academie:LYON"))], &[]).await,
        region: user(store, "region@ara.fr", &[("staff_region", Some("region:ARA"))], &[]).await,
        rapporteur: user(store, "rapporteur1@example.fr", &[("rapporteur", None)], &["academie:PARIS", "org:CNAM"])
            .await,
        rapporteur2: user(store, "rapporteur2@example.fr", &[("rapporteur", None)], &["region:BRE"]).await,
        conflicted: user(store, "rapporteur3@ac-lyon.fr", &[("rapporteur", None)], &["academie:LYON"]).await,
        president: user(store, "president@example.fr", &[("president", None)], &[]).await,
        ministeres: user(store, "ministeres@example.fr", &[("ministeres", None)], &[]).await,
        outsider: user(store, "rectorat@ac-paris.fr", &[("staff_rectorat", Some("academie:PARIS"))], &[]).await,
    }
}

/// The application over `store` with the shipped workflows (the CMQ
/// first, the lycée des métiers beside it), on a clock the test moves.
pub fn app(store: &Store, now: DateTime<Utc>) -> (App, ManualClock) {
    let clock = ManualClock::new(now);
    let shipped = labelflow::workflow::load_shipped().expect("the shipped workflows are valid");
    let workflows = labelflow::workflow::Workflows::new(shipped.into_iter().map(|l| l.definition).collect())
        .expect("the shipped workflows agree on their roles");
    let app = App::new(store.clone(), Arc::new(cmq()), Arc::new(clock.clone())).with_workflows(workflows);
    (app, clock)
}

pub async fn campaign(store: &Store, admin: &Actor) -> Uuid {
    let c = NewCampaign {
        name: "Appel à projets CMQ 2027".into(),
        workflow: "cmq".into(),
        sources: None,
        criteria: "cmq-2019".into(),
        opens_at: at(2027, 1, 15, 8, 0),
        closes_at: at(2027, 3, 31, 21, 59),
        kinds: vec!["creation".into(), "renewal".into()],
        territory: None,
    };
    store.create_campaign(&c, admin, at(2027, 1, 10, 9, 0)).await.expect("campaign")
}

pub fn new_dossier(campaign_id: Uuid) -> NewDossier {
    NewDossier {
        campaign_id,
        kind: "creation".into(),
        category: "excellence".into(),
        title: "Campus Industrie du futur Lyon".into(),
        ..Default::default()
    }
    .with_form(serde_json::json!({
        "filiere": "systemes-innovants-mecatronique",
        "region": "ARA",
        "academies": ["LYON"],
        "support_establishment": "Lycée La Martinière Monplaisir",
        "directeur_operationnel": "Claire Dubois",
    }))
}

/// An in-process server on a loopback port over `store`, with a clock the
/// test moves.
pub struct Served {
    pub base: String,
    pub clock: ManualClock,
    pub app: App,
    pub data: tempfile::TempDir,
    handle: tokio::task::JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

pub async fn serve(store: &Store, now: DateTime<Utc>) -> Served {
    serve_configured(store, now, |_| {}).await
}

/// `serve`, with the application set by `configure` first (as `serve`'s
/// options would set it).
pub async fn serve_configured(store: &Store, now: DateTime<Utc>, configure: impl FnOnce(&mut App)) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    serve_on(listener, store, now, configure).await
}

/// `serve_configured` on a listener bound beforehand, for a counterpart
/// that must know the server's address before it starts.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    store: &Store,
    now: DateTime<Utc>,
    configure: impl FnOnce(&mut App),
) -> Served {
    let (app, clock) = app(store, now);
    let data = tempfile::tempdir().expect("data dir");
    let mut app = app.with_data_dir(data.path()).with_test_clock(clock.clone());
    let base = format!("http://{}", listener.local_addr().unwrap());
    app.public_url = base.clone();
    // Tests play several clients through the header a reverse proxy would set.
    app.client_ip_header = Some(axum::http::HeaderName::from_static("x-test-client"));
    configure(&mut app);
    let router = labelflow::web::router(app.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let handle = tokio::spawn(async move {
        axum::serve(listener, router).await.ok();
    });
    Served { base, clock, app, data, handle }
}

/// A logged-in API client.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub token: Option<String>,
    http: reqwest::Client,
}

pub type Reply = (u16, serde_json::Value);

impl Client {
    pub fn anonymous(base: &str) -> Client {
        Client { base: base.to_string(), token: None, http: reqwest::Client::new() }
    }

    /// A client holding a token made elsewhere (an API token).
    pub fn with_token(base: &str, token: &str) -> Client {
        Client { base: base.to_string(), token: Some(token.to_string()), http: reqwest::Client::new() }
    }

    pub async fn login(base: &str, email: &str) -> Client {
        Client::login_with(base, email, PASSWORD).await
    }

    pub async fn login_with(base: &str, email: &str, password: &str) -> Client {
        let mut c = Client::anonymous(base);
        let (status, body) = c.post("/api/v1/login", serde_json::json!({"email": email, "password": password})).await;
        assert_eq!(status, 200, "login {email}: {body}");
        c.token = Some(body["token"].as_str().expect("token").to_string());
        c
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let req = match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(self.http.delete(format!("{}{path}", self.base))).await
    }

    pub async fn post(&self, path: &str, body: serde_json::Value) -> Reply {
        self.send(self.http.post(format!("{}{path}", self.base)).json(&body)).await
    }

    /// A PDF answer: (status, SHA-256 header, bytes); `body` POSTs it.
    pub async fn pdf(&self, path: &str, body: Option<serde_json::Value>) -> (u16, Option<String>, Vec<u8>) {
        let url = format!("{}{path}", self.base);
        let req = match body {
            Some(b) => self.http.post(url).json(&b),
            None => self.http.get(url),
        };
        let req = match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        if status == 200 {
            assert_eq!(resp.headers()["content-type"], "application/pdf");
        }
        let sha = resp.headers().get("x-content-sha256").map(|v| v.to_str().unwrap().to_string());
        (status, sha, resp.bytes().await.unwrap().to_vec())
    }

    pub async fn put(&self, path: &str, body: serde_json::Value) -> Reply {
        self.send(self.http.put(format!("{}{path}", self.base)).json(&body)).await
    }

    pub async fn patch(&self, path: &str, body: serde_json::Value) -> Reply {
        self.send(self.http.patch(format!("{}{path}", self.base)).json(&body)).await
    }

    pub async fn raw(&self, method: reqwest::Method, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
        let req =
            self.http.request(method, format!("{}{path}", self.base)).header("content-type", content_type).body(body);
        self.send(req).await
    }

    /// Like [`Client::raw`], but None when the server closed the connection
    /// before answering.
    pub async fn try_raw(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Option<Reply> {
        let req =
            self.http.request(method, format!("{}{path}", self.base)).header("content-type", content_type).body(body);
        let req = match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let resp = req.send().await.ok()?;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        Some((status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))))
    }

    /// A GET with the next page's address its `Link` header gives, if any.
    pub async fn page(&self, path: &str) -> (u16, serde_json::Value, Option<String>) {
        let req = self.http.get(format!("{}{path}", self.base));
        let req = match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let next = resp.headers().get("link").and_then(|v| v.to_str().ok()).map(|link| {
            assert!(link.ends_with(">; rel=\"next\"") && link.starts_with('<'), "{link}");
            link[1..link.len() - ">; rel=\"next\"".len()].to_string()
        });
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)), next)
    }

    pub async fn bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let req = self.http.get(format!("{}{path}", self.base));
        let req = match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let resp = req.send().await.expect("request");
        (resp.status().as_u16(), resp.bytes().await.unwrap_or_default().to_vec())
    }

    /// Sends an event and expects `status`; returns the reply body.
    pub async fn event(&self, dossier: &str, body: serde_json::Value, status: u16) -> serde_json::Value {
        let (got, reply) = self.post(&format!("/api/v1/dossiers/{dossier}/events"), body.clone()).await;
        assert_eq!(got, status, "{body} -> {reply}");
        reply
    }
}

/// Adds a typed partner to a dossier's form, as the partners endpoint does.
pub async fn add_partner(
    store: &labelflow::store::Store,
    dossier: Uuid,
    name: &str,
    kind: &str,
    actor: &labelflow::engine::Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64, labelflow::store::StoreError> {
    let item = serde_json::json!({"id": Uuid::new_v4().to_string(), "name": name, "type": kind});
    let item = item.as_object().cloned().unwrap_or_default();
    store.add_group_item(dossier, "partners", item, "add_partner", actor, now).await
}

/// A CMQ dossier of `campaign` taken through the application to the expert
/// group's favourable avis (`category`, 3 years): it awaits the arrêté.
pub async fn dossier_with_avis(app: &labelflow::app::App, cast: &Cast, campaign: Uuid, category: &str) -> Uuid {
    use labelflow::engine::Event;
    let id = dossier_reviewed(app, cast, campaign).await;
    let avis = Event::named("give_avis")
        .with("avis", "favorable")
        .with("category", category)
        .with("years", 3)
        .with("motivation", "Avis favorable.");
    app.act(&cast.president, labelflow::workflow::Machine::Dossier, id, avis).await.expect("avis");
    id
}

/// A CMQ dossier of `campaign` taken through the application to its two
/// reviews, each at the « excellence » thresholds: it awaits the avis.
pub async fn dossier_reviewed(app: &labelflow::app::App, cast: &Cast, campaign: Uuid) -> Uuid {
    use labelflow::engine::Event;
    use labelflow::workflow::Machine;
    let id = app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
    add_partner(&app.store, id, "Lycée La Martinière", "eple", &cast.porteur, at(2027, 2, 1, 9, 0)).await.unwrap();
    let step = |who: &Actor, e: Event| {
        let (app, who) = (app.clone(), who.clone());
        async move { app.act(&who, Machine::Dossier, id, e).await.expect("step") }
    };
    for body in ["crefop", "conseil_academique"] {
        step(&cast.region, Event::named("record_opinion").with("body", body).with("opinion", "favorable")).await;
    }
    step(&cast.rectorat, Event::named("endorse")).await;
    step(&cast.region, Event::named("endorse")).await;
    step(&cast.porteur, Event::named("submit")).await;
    step(&cast.ministeres, Event::named("declare_admissible")).await;
    let scores = serde_json::Value::Object(
        cmq().grid.criteria.iter().map(|c| (c.code.clone(), serde_json::json!(c.thresholds["excellence"]))).collect(),
    );
    for r in [&cast.rapporteur, &cast.rapporteur2] {
        let assign =
            Event::named("assign_reviewer").with("user_id", r.user_id.unwrap().to_string()).with("due", "2027-05-15");
        step(&cast.president, assign).await;
    }
    for r in [&cast.rapporteur, &cast.rapporteur2] {
        step(r, Event::named("submit_review").with("scores", scores.clone()).with("comment", "Solide.")).await;
    }
    id
}

/// Sends what the outbox holds now, through a real SMTP server when `smtp`
/// is given (else as .eml files into `dir`), as `serve`'s mail worker does.
pub async fn deliver(app: &App, smtp: Option<String>, dir: &std::path::Path) -> usize {
    let settings = labelflow::mail::worker::MailSettings {
        smtp_url: smtp,
        mail_dir: dir.to_path_buf(),
        from: "labelflow <ne-pas-repondre@labelflow.test>".into(),
        public_url: app.public_url.clone(),
        retry_base: std::time::Duration::from_millis(100),
        max_attempts: 3,
        senders: 1,
    };
    let mailer =
        labelflow::mail::worker::Mailer::new(settings, app.store.clone(), app.workflows.clone(), app.clock.clone())
            .expect("mailer");
    mailer.send_due().await.expect("outbox sent")
}

/// The text of a PDF as poppler's `pdftotext` reads it (an independent
/// reader: what a person copies out of the document), lines joined by
/// spaces so that a wrapped sentence reads whole.
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("document.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (Debian's poppler-utils; .ci/run installs it)");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}
