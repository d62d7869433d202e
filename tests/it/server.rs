//! `labelflow serve` as a process on a loopback port.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Server {
    child: Child,
    base: String,
    stdout: Vec<String>,
    _files: tempfile::TempDir,
}

// The child is waited for by `stop`, or killed and reaped by `Drop`.
#[allow(clippy::zombie_processes)]
fn start(args: &[&str]) -> Server {
    let files = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_labelflow"))
        .arg("serve")
        .args(["--bind", "127.0.0.1:0"])
        .arg("--mail-dir")
        .arg(files.path().join("mail"))
        .arg("--audit-digest-dir")
        .arg(files.path().join("digests"))
        .arg("--data-dir")
        .arg(files.path().join("data"))
        .args(args)
        .env("LABELFLOW_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stdout = Vec::new();
    loop {
        let line = lines.next().expect("serve printed its address").expect("utf-8");
        if let Some(addr) = line.strip_prefix("labelflow listening on ") {
            return Server { child, base: addr.to_string(), stdout, _files: files };
        }
        stdout.push(line);
    }
}

impl Server {
    /// SIGTERM, then the exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("kill");
        self.child.wait().expect("wait")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A failed test must not leave a server behind.
        if self.child.try_wait().ok().flatten().is_none() {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}

async fn exercise(base: &str) {
    let client = reqwest::Client::new();
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["workflow"], "cmq v1");
    assert_eq!(body["workflows"], serde_json::json!(["cmq v1", "ldm v1"]), "both shipped labels run");

    let doc: serde_json::Value =
        client.get(format!("{base}/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let routes = [
        ("get", "/healthz"),
        ("get", "/api/v1/openapi.json"),
        ("get", "/api/v1/workflows"),
        ("get", "/api/v1/workflows/{id}"),
        ("post", "/api/v1/login"),
        ("post", "/api/v1/logout"),
        ("get", "/api/v1/me"),
        ("post", "/api/v1/me/password"),
        ("get", "/api/v1/me/data"),
        ("get", "/api/v1/tokens"),
        ("post", "/api/v1/tokens"),
        ("delete", "/api/v1/tokens/{id}"),
        ("get", "/api/v1/webhooks"),
        ("post", "/api/v1/webhooks"),
        ("delete", "/api/v1/webhooks/{id}"),
        ("get", "/api/v1/webhooks/{id}/deliveries"),
        ("post", "/api/v1/webhooks/deliveries/{id}/retry"),
        ("get", "/api/v1/reference/{list}"),
        ("get", "/api/v1/campaigns"),
        ("post", "/api/v1/campaigns"),
        ("get", "/api/v1/campaigns/{id}"),
        ("get", "/api/v1/campaigns/{id}/criteria"),
        ("get", "/api/v1/dossiers"),
        ("post", "/api/v1/dossiers"),
        ("get", "/api/v1/dossiers/{id}"),
        ("patch", "/api/v1/dossiers/{id}"),
        ("post", "/api/v1/dossiers/{id}/partners"),
        ("delete", "/api/v1/dossiers/{id}/partners/{partner}"),
        ("put", "/api/v1/dossiers/{id}/self-assessment"),
        ("post", "/api/v1/dossiers/{id}/attachments"),
        ("get", "/api/v1/attachments/{id}"),
        ("post", "/api/v1/dossiers/{id}/events"),
        ("get", "/api/v1/dossiers/{id}/reviews"),
        ("get", "/api/v1/dossiers/{id}/messages"),
        ("post", "/api/v1/dossiers/{id}/messages"),
        ("get", "/api/v1/dossiers/{id}/audit"),
        ("get", "/api/v1/dossiers/{id}/decision.pdf"),
        ("post", "/api/v1/dossiers/{id}/decision-preview"),
        ("get", "/api/v1/dossiers/{id}/documents"),
        ("get", "/api/v1/dossiers/{id}/invitations"),
        ("post", "/api/v1/dossiers/{id}/invitations"),
        ("post", "/api/v1/dossiers/{id}/invitations/{invitation}/revoke"),
        ("get", "/api/v1/dossiers/{id}/invitations/{invitation}/files/{file}"),
        ("get", "/api/v1/guest/{token}"),
        ("post", "/api/v1/guest/{token}"),
        ("post", "/api/v1/guest/{token}/files"),
        ("get", "/api/v1/dossiers/{id}/co-owners"),
        ("post", "/api/v1/dossiers/{id}/co-owners"),
        ("post", "/api/v1/dossiers/{id}/co-owners/{invitation}/revoke"),
        ("get", "/api/v1/dossiers/{id}/edits"),
        ("get", "/api/v1/co-owner/{token}"),
        ("post", "/api/v1/co-owner/{token}"),
        ("get", "/api/v1/me/notification-preferences"),
        ("put", "/api/v1/me/notification-preferences"),
        ("get", "/api/v1/labels"),
        ("get", "/api/v1/labels/{id}"),
        ("get", "/api/v1/labels/{id}/audit"),
        ("post", "/api/v1/labels/{id}/events"),
        ("get", "/api/v1/dossiers/{id}/timers"),
        ("get", "/api/v1/labels/{id}/timers"),
        ("get", "/api/v1/deadlines"),
        ("post", "/api/v1/test/clock"),
        ("get", "/api/v1/me/notifications"),
        ("get", "/api/v1/admin/mail/dead"),
        ("post", "/api/v1/admin/mail/{id}/retry"),
        ("get", "/api/v1/me/assignments"),
        ("get", "/api/v1/overdue"),
        ("get", "/api/v1/admin/users"),
        ("post", "/api/v1/admin/users"),
        ("get", "/api/v1/labels/export"),
        ("get", "/api/v1/workflows/{id}/publication"),
        ("patch", "/api/v1/admin/users/{id}"),
        ("post", "/api/v1/admin/users/{id}/password-link"),
        ("post", "/api/v1/admin/users/{id}/erase"),
        ("post", "/api/v1/password/forgotten"),
        ("post", "/api/v1/password/link"),
        ("put", "/api/v1/attachments/{id}"),
        ("delete", "/api/v1/attachments/{id}"),
        ("post", "/api/v1/admin/import/campuses"),
        ("post", "/api/v1/bulk/dossier-events"),
        ("get", "/api/v1/me/calendar"),
        ("post", "/api/v1/me/calendar"),
        ("delete", "/api/v1/me/calendar"),
    ];
    for (method, path) in routes {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} documented");
        let error_documented = op["responses"].as_object().unwrap().iter().any(|(code, r)| {
            !code.starts_with('2')
                && r["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorBody"
        });
        assert!(error_documented || path == "/api/v1/openapi.json", "{method} {path}: error shape documented");
    }
    let documented: usize = doc["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(documented, routes.len(), "no undocumented extra or missing operation");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());

    let wf: serde_json::Value =
        client.get(format!("{base}/api/v1/workflows/cmq")).send().await.unwrap().json().await.unwrap();
    let draft = wf["dossier_states"].as_array().unwrap().iter().find(|s| s["name"] == "draft").unwrap();
    assert_eq!(draft["label"], "Brouillon");
    assert!(draft["events"].as_array().unwrap().iter().any(|e| e == "submit"));

    let missing = client.get(format!("{base}/api/v1/nothing-here")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let err: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(err["error"]["code"], "not_found");
    let other = client.get(format!("{base}/api/v1/workflows/lycee-des-metiers")).send().await.unwrap();
    assert_eq!(other.status(), 404);
    // Every workflow with its events' inputs, labelled, for building forms.
    let all: serde_json::Value =
        client.get(format!("{base}/api/v1/workflows")).send().await.unwrap().json().await.unwrap();
    assert_eq!(all[0]["id"], "cmq");
    let decide = all[0]["events"].as_array().unwrap().iter().find(|e| e["name"] == "decide").unwrap();
    let category = decide["fields"].as_array().unwrap().iter().find(|f| f["name"] == "category").unwrap();
    assert_eq!((category["type"].as_str(), category["label"].as_str()), (Some("choice"), Some("Mention")));
    assert_eq!(category["choices"][0], serde_json::json!({"code": "standard", "label": "Sans mention"}));
    assert_eq!(category["required_if"], "outcome=labelled");
    // The criteria grid, the roles and the file's predicates come with it.
    assert_eq!(all[0]["grid"]["criteria"].as_array().unwrap().len(), 11);
    assert!(all[0]["roles"].as_array().unwrap().iter().any(|r| r == "president"));
    let eple = all[0]["predicates"].as_array().unwrap().iter().find(|p| p["name"] == "has_eple_partner").unwrap();
    assert_eq!((eple["code"].as_str(), eple["machine"].as_str()), (Some("no_eple_partner"), Some("dossier")));
    assert!(eple["rule"].as_str().unwrap().contains("form.partners"), "{eple}");
    // The dossier's form: sections of typed fields, with their conditions.
    let fields: Vec<&serde_json::Value> =
        all[0]["form"]["sections"].as_array().unwrap().iter().flat_map(|s| s["fields"].as_array().unwrap()).collect();
    let academies = fields.iter().find(|f| f["name"] == "academies").unwrap();
    assert_eq!(
        (
            academies["type"].as_str(),
            academies["list"].as_str(),
            academies["within"].as_str(),
            academies["scope"].as_str()
        ),
        (Some("choices"), Some("academies"), Some("region"), Some("academie"))
    );
    let partners = fields.iter().find(|f| f["name"] == "partners").unwrap();
    assert_eq!(partners["type"], "group");
    assert!(partners["fields"].as_array().unwrap().iter().any(|f| f["name"] == "type" && f["list"] == "partner-types"));
}

/// Every demo account logs in with the printed password and sees its part.
async fn demo_logins_work(base: &str) {
    use crate::common::Client;
    let mut seen = std::collections::BTreeMap::new();
    let demos = labelflow::demo::Demo::load_all(std::path::Path::new("no-such-folder")).expect("the shipped demos");
    assert_eq!(demos.iter().map(|d| d.workflow.as_str()).collect::<Vec<_>>(), ["cmq", "ldm"], "one per label");
    for email in demos.iter().flat_map(|d| d.logins()).map(|a| a.email.as_str()) {
        let client = Client::login_with(base, email, labelflow::demo::DEMO_PASSWORD).await;
        let (_, list) = client.get("/api/v1/dossiers").await;
        seen.insert(email.to_string(), list.as_array().unwrap().len());
    }
    // Both labels' demos: six CMQ dossiers (five around Lyon, the
    // cultural campus of Provence-Alpes-Côte d'Azur), three lycées des
    // métiers of the académie de Lyon.
    assert_eq!(seen["admin@demo.labelflow.fr"], 9, "{seen:?}");
    assert_eq!(seen["porteur@demo.labelflow.fr"], 5);
    assert_eq!(seen["porteur.culture@demo.labelflow.fr"], 1);
    assert_eq!(seen["rectorat.aix-marseille@demo.labelflow.fr"], 1, "its own territory only");
    assert_eq!(seen["rectorat.lyon@demo.labelflow.fr"], 8, "the académie's campuses and lycées");
    assert_eq!(seen["chef.ampere@demo.labelflow.fr"], 2);
    assert_eq!(seen["rapporteur1@demo.labelflow.fr"], 4, "assigned to four dossiers");
    assert_eq!(seen["groupe1.lyon@demo.labelflow.fr"], 1);
    // The campuses of the académie de Poitiers came in by the import; the
    // cultural campus went through its arrêté.
    let admin = Client::login_with(base, "admin@demo.labelflow.fr", labelflow::demo::DEMO_PASSWORD).await;
    for (query, count) in [("academie=POITIERS", 5), ("region=PAC", 1)] {
        let (_, labels) = admin.get(&format!("/api/v1/labels?{query}")).await;
        assert_eq!(labels.as_array().map(Vec::len), Some(count), "{query}: {labels}");
        if query == "region=PAC" {
            assert_eq!(labels[0]["category"], "standard", "the mention its dossier asked for: {labels}");
        }
    }
}

#[tokio::test]
async fn serves_on_sqlite_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("serve.db").display());
    let server = start(&["--database-url", &url, "--demo"]);
    assert!(server.stdout.iter().any(|l| l.contains("president@demo.labelflow.fr")), "{:?}", server.stdout);
    exercise(&server.base).await;
    demo_logins_work(&server.base).await;
    assert!(server.stop().success(), "graceful shutdown exits 0");
    assert!(dir.path().join("serve.db").exists(), "the database file was created");

    // A second start on the same file finds the demo already there.
    let again = start(&["--database-url", &url, "--demo"]);
    assert!(again.stdout.iter().any(|l| l.contains("already present")), "{:?}", again.stdout);
    assert!(again.stop().success());

    // Six years ahead on a copy: the demo label opens for renewal, reports
    // and expires; the real file does not change.
    let before = std::fs::read(dir.path().join("serve.db")).unwrap();
    let until = (chrono::Utc::now() + chrono::Duration::days(6 * 366)).format("%Y-%m-%d").to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_labelflow"))
        .args(["simulate", "--database-url", &url, "--until", &until])
        .env("LABELFLOW_LOG", "off")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let timeline = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "remind_review",
        "review_overdue",
        "report_due",
        "open_renewal -> renewal_open",
        "reach_end -> expired",
        "Campus Aéronautique et Spatial",
    ] {
        assert!(timeline.contains(expected), "{expected} missing from:\n{timeline}");
    }
    assert!(
        timeline.lines().any(|l| l.contains("report_overdue") && l.contains("rectorat.lyon@demo.labelflow.fr")),
        "{timeline}"
    );
    assert_eq!(std::fs::read(dir.path().join("serve.db")).unwrap(), before, "the real database is untouched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_on_postgres() {
    let Some(db) = crate::common::TestDb::postgres().await else { return };
    let server = start(&["--database-url", &db.url, "--demo"]);
    exercise(&server.base).await;
    assert!(server.stop().success());
    use labelflow::store::audit::Verification;
    assert!(matches!(db.store.verify_audit().await.unwrap(), Verification::Intact { entries } if entries > 30));
}

#[test]
fn refuses_a_broken_workflow_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("wf");
    std::fs::create_dir_all(wf.join("criteria")).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("workflows/criteria/cmq-2019.toml"), wf.join("criteria/cmq-2019.toml")).unwrap();
    let source = std::fs::read_to_string(root.join("workflows/cmq.toml")).unwrap();
    std::fs::write(wf.join("cmq.toml"), source.replace("\"call_open\"", "\"call_opened\"")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_labelflow"))
        .args(["serve", "--bind", "127.0.0.1:0", "--workflows", wf.to_str().unwrap()])
        .args(["--database-url", &format!("sqlite://{}", dir.path().join("x.db").display())])
        .env("LABELFLOW_LOG", "off")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cmq.toml:") && stderr.contains("unknown guard `call_opened`"), "{stderr}");
}

/// A copy of the shipped workflows folder, for a test to edit.
fn workflows_copy(into: &std::path::Path) -> std::path::PathBuf {
    fn copy(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let wf = into.join("wf");
    copy(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows"), &wf);
    wf
}

/// Reference lists are data: an edited list is what the API serves, and a
/// broken one stops `serve` with the reason.
#[tokio::test]
async fn reference_lists_come_from_the_workflows_folder() {
    let dir = tempfile::tempdir().unwrap();
    let wf = workflows_copy(dir.path());
    let file = wf.join("reference/filieres.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("\"Matériaux, matériaux innovants\"", "\"Matériaux et matériaux innovants\""))
        .unwrap();
    let db = format!("sqlite://{}", dir.path().join("x.db").display());
    let server = start(&["--workflows", wf.to_str().unwrap(), "--database-url", &db]);
    let list: serde_json::Value =
        reqwest::get(format!("{}/api/v1/reference/filieres", server.base)).await.unwrap().json().await.unwrap();
    assert!(list.as_array().unwrap().iter().any(|f| f["label"] == "Matériaux et matériaux innovants"), "{list}");
    let academies: serde_json::Value =
        reqwest::get(format!("{}/api/v1/reference/academies", server.base)).await.unwrap().json().await.unwrap();
    assert!(academies.as_array().unwrap().iter().any(|a| a["code"] == "LYON" && a["region"] == "ARA"), "{academies}");
    let unknown = reqwest::get(format!("{}/api/v1/reference/nothing", server.base)).await.unwrap();
    assert_eq!(unknown.status(), 404);
    assert!(server.stop().success());

    let file = wf.join("reference/academies.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("parent = \"ARA\"", "parent = \"XXX\"")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_labelflow"))
        .args(["serve", "--bind", "127.0.0.1:0", "--workflows", wf.to_str().unwrap(), "--database-url", &db])
        .env("LABELFLOW_LOG", "off")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("reference lists refused") && stderr.contains("points at no item of `regions`"),
        "{stderr}"
    );
}
