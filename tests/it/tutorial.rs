//! The README's "Writing a new label" followed as a newcomer would: its
//! files written as they are printed there, its commands run, its API
//! calls made in order against a real `serve`.

use crate::common::process::ServeProcess;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The README's section on writing a label.
fn section() -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find("## Writing a new label").expect("the README has the tutorial");
    let rest = &readme[start + 3..];
    rest[..rest.find("\n## ").unwrap_or(rest.len())].to_string()
}

/// The fenced blocks of `lang`, in order.
fn blocks(text: &str, lang: &str) -> Vec<String> {
    let fence = format!("```{lang}\n");
    text.split(&fence).skip(1).map(|b| b[..b.find("```").expect("a closed block")].to_string()).collect()
}

/// A shell block's commands, continuation lines joined.
fn commands(block: &str) -> Vec<String> {
    block.replace("\\\n", " ").lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

/// One `curl` line of the README: (method, path, token variable, body).
fn call(line: &str) -> (String, String, String, Option<String>) {
    let path = line.split("localhost:8080").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    let token = line.split("Bearer $").nth(1).unwrap().split('"').next().unwrap().to_string();
    let body = line.split(" -d '").nth(1).map(|b| b[..b.rfind('\'').unwrap()].to_string());
    let method = if line.contains("-X PATCH") {
        "PATCH"
    } else if body.is_some() {
        "POST"
    } else {
        "GET"
    };
    (method.into(), path, token, body)
}

/// `serve` of the workflows `folder`, its database, files and e-mails in `dir`.
fn serve_folder(dir: &Path, folder: &Path, database: &str) -> ServeProcess {
    let db = format!("sqlite://{}", dir.join(database).display());
    ServeProcess::start(
        &[
            "--workflows",
            folder.to_str().unwrap(),
            "--database-url",
            &db,
            "--data-dir",
            dir.join("data").to_str().unwrap(),
            "--mail-dir",
            dir.join("mail").to_str().unwrap(),
        ],
        &[],
    )
}

#[tokio::test]
async fn the_readme_tutorial_makes_a_working_label() {
    let text = section();
    let dir = tempfile::tempdir().unwrap();
    // Every file the tutorial prints names its path on its first line.
    let files = blocks(&text, "toml");
    assert_eq!(files.len(), 2, "the workflow and its grid");
    for file in &files {
        let path = file.lines().next().unwrap().trim_start_matches('#').trim();
        let target = dir.path().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, file).unwrap();
    }

    // The shell steps, with `labelflow` on the PATH as after an install;
    // `serve` is started below, on a free port.
    let bin = Path::new(env!("CARGO_BIN_EXE_labelflow")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let shell = blocks(&text, "sh");
    let mut serve_args = None;
    for command in shell.iter().take(2).flat_map(|b| commands(b)) {
        if let Some(args) = command.strip_prefix("labelflow serve ") {
            serve_args = Some(args.to_string());
            continue;
        }
        let script = format!("export LABELFLOW_DATABASE_URL=sqlite://cantine.db\n{command}");
        let out = Command::new("bash")
            .args(["-euc", &script])
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("LABELFLOW_LOG", "off")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.status.success(), "{command}: {}{}", stdout, String::from_utf8_lossy(&out.stderr));
        if command.starts_with("labelflow workflow check") {
            assert!(stdout.contains("workflow `cantine` v1 is valid"), "{stdout}");
        }
        if command.starts_with("labelflow workflow list") {
            assert!(stdout.starts_with("cantine "), "{stdout}");
        }
    }

    let serve_args = serve_args.expect("the tutorial serves its folder");
    let workflows = dir.path().join(serve_args.split_whitespace().nth(1).unwrap());
    let server = serve_folder(dir.path(), &workflows, "cantine.db");
    let client = reqwest::Client::new();
    let mut tokens = std::collections::BTreeMap::new();
    for (var, email) in [("ADMIN", "admin@cantine.test"), ("CHEF", "chef@cantine.test"), ("JURY", "jury@cantine.test")]
    {
        let person = crate::common::Client::login_with(&server.base, email, "cantine-demo-1").await;
        tokens.insert(var.to_string(), person.token.expect("logs in"));
    }

    // The API calls, in the README's order, with what each must answer.
    let calls: Vec<_> = commands(shell.get(2).expect("the API block")).iter().map(|l| call(l)).collect();
    assert_eq!(calls.len(), 7, "{calls:?}");
    let (mut call_id, mut dossier_id) = (String::new(), String::new());
    let mut answers = Vec::new();
    for (method, path, token, body) in calls {
        let fill = |s: &str| s.replace("CALL", &call_id).replace("DOSSIER", &dossier_id);
        let url = format!("{}{}", server.base, fill(&path));
        let request = match method.as_str() {
            "PATCH" => client.patch(url),
            "POST" => client.post(url),
            _ => client.get(url),
        };
        let mut request = request.bearer_auth(&tokens[&token]);
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(fill(&body));
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let json: Value = response.json().await.unwrap();
        if path == "/api/v1/campaigns" {
            call_id = json["id"].as_str().unwrap_or_default().to_string();
        }
        if path == "/api/v1/dossiers" {
            dossier_id = json["id"].as_str().unwrap_or_default().to_string();
        }
        answers.push((status, json));
    }
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [201, 201, 422, 200, 200, 200, 200], "{answers:#?}");
    assert_eq!(answers[2].1["error"]["code"], "no_school");
    assert!(answers[2].1["error"]["message"].as_str().unwrap().contains("Indiquez l'établissement"), "{answers:#?}");
    assert_eq!(answers[4].1["state"], "submitted");
    assert_eq!(answers[5].1["state"], "granted");
    let labels = answers[6].1.as_array().unwrap();
    assert_eq!(labels.len(), 1);
    assert_eq!((labels[0]["status"].as_str(), labels[0]["dossier_id"].as_str()), (Some("active"), Some(&*dossier_id)));
    assert_eq!(labels[0]["title"], "Cantine du lycée Jean Moulin");
    // The grant's e-mail went to the account the file names as well.
    let jury = client.get(format!("{}/api/v1/me/notifications", server.base)).bearer_auth(&tokens["JURY"]);
    let mails: Value = jury.send().await.unwrap().json().await.unwrap();
    let to_jury = mails.as_array().unwrap().iter().filter(|m| m["template"] == "decision").count();
    assert_eq!(to_jury, 1, "{mails:#}");
    let log = server.log();
    assert!(!log.contains("ERROR") && !log.contains("panicked"), "{log}");
}

/// The tutorial's label and the shipped CMQ in one workflows folder, served
/// together: each call runs its own workflow, each dossier its own form,
/// grid and rules.
#[tokio::test]
async fn two_labels_run_on_one_server() {
    let text = section();
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("labels");
    std::fs::create_dir_all(folder.join("criteria")).unwrap();
    for file in blocks(&text, "toml") {
        let path =
            file.lines().next().unwrap().trim_start_matches('#').trim().trim_start_matches("my-labels/").to_string();
        std::fs::write(folder.join(path), &file).unwrap();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("workflows/cmq.toml"), folder.join("cmq.toml")).unwrap();
    std::fs::copy(root.join("workflows/criteria/cmq-2019.toml"), folder.join("criteria/cmq-2019.toml")).unwrap();

    let labelflow = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_labelflow"))
            .args(args)
            .current_dir(dir.path())
            .env("LABELFLOW_DATABASE_URL", "sqlite://both.db")
            .env("LABELFLOW_WORKFLOWS", folder.to_str().unwrap())
            .env("LABELFLOW_LOG", "off")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let listed = labelflow(&["workflow", "list"]);
    let ids: Vec<&str> = listed.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(ids, ["cantine", "cmq"], "{listed}");
    for (email, role) in [("admin@both.test", "admin"), ("chef@both.test", "porteur"), ("jury@both.test", "president")]
    {
        labelflow(&["user", "add", "--email", email, "--name", email, "--role", role, "--password", "both-demo-1"]);
    }
    let server = serve_folder(dir.path(), &folder, "both.db");
    let login = |email: &'static str| crate::common::Client::login_with(&server.base, email, "both-demo-1");
    let (admin, chef, jury) =
        (login("admin@both.test").await, login("chef@both.test").await, login("jury@both.test").await);

    let (_, listed) = admin.get("/api/v1/workflows").await;
    let served: Vec<&str> = listed.as_array().unwrap().iter().filter_map(|w| w["id"].as_str()).collect();
    assert_eq!(served, ["cantine", "cmq"]);
    let mut calls = std::collections::BTreeMap::new();
    for workflow in ["cantine", "cmq"] {
        let (status, call) = admin
            .post(
                "/api/v1/campaigns",
                serde_json::json!({"name": format!("Appel {workflow}"), "workflow": workflow,
                    "opens_at": "2026-01-01", "closes_at": "2030-06-30"}),
            )
            .await;
        assert_eq!(status, 201, "{call}");
        let (_, grid) = admin.get(&format!("/api/v1/campaigns/{}/criteria", call["id"].as_str().unwrap())).await;
        assert_eq!(grid.as_array().unwrap().len(), if workflow == "cmq" { 11 } else { 1 }, "{grid}");
        calls.insert(workflow, call["id"].as_str().unwrap().to_string());
    }
    let (status, unknown) = admin
        .post(
            "/api/v1/campaigns",
            serde_json::json!({"name": "X", "workflow": "lycee", "opens_at": "2026-01-01", "closes_at": "2030-06-30"}),
        )
        .await;
    assert_eq!((status, unknown["error"]["field"].as_str()), (422, Some("workflow")), "{unknown}");

    // Each dossier takes its own workflow's form: a CMQ field is no field
    // of the canteen's.
    let dossier = |workflow: &str, form: Value| {
        serde_json::json!({"campaign_id": calls[workflow], "title": format!("Dossier {workflow}"), "kind": "creation",
            "category": "standard", "form": form})
    };
    let (status, refused) =
        chef.post("/api/v1/dossiers", dossier("cantine", serde_json::json!({"filiere": "tourisme-gastronomie"}))).await;
    assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("filiere")), "{refused}");
    let (status, cantine) = chef
        .post("/api/v1/dossiers", dossier("cantine", serde_json::json!({"support_establishment": "Lycée Jean Moulin"})))
        .await;
    assert_eq!(status, 201, "{cantine}");
    let (status, cmq) = chef
        .post(
            "/api/v1/dossiers",
            dossier(
                "cmq",
                serde_json::json!({"filiere": "tourisme-gastronomie", "region": "ARA", "academies": ["LYON"]}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{cmq}");
    assert_eq!((cantine["state"].as_str(), cmq["state"].as_str()), (Some("draft"), Some("draft")));
    assert_eq!(cmq["form"]["academies"], serde_json::json!(["LYON"]));

    // The canteen's own rules: submitted at once, granted by its jury; the
    // CMQ dossier still wants its partners and endorsements.
    let id = cantine["id"].as_str().unwrap();
    let submitted = chef.event(id, serde_json::json!({"event": "submit"}), 200).await;
    assert_eq!(submitted["state"], "submitted");
    let granted = jury
        .event(id, serde_json::json!({"event": "decide", "outcome": "granted", "category": "standard", "years": 2, "motivation": "Bien."}), 200)
        .await;
    assert_eq!(granted["state"], "granted");
    let refused = chef.event(cmq["id"].as_str().unwrap(), serde_json::json!({"event": "submit"}), 422).await;
    assert_eq!(refused["error"]["code"], "missing_fields", "{refused}");
    let log = server.log();
    assert!(!log.contains("ERROR") && !log.contains("panicked"), "{log}");
}
