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
    let db = format!("sqlite://{}", dir.path().join("cantine.db").display());
    let server = ServeProcess::start(
        &[
            "--workflows",
            workflows.to_str().unwrap(),
            "--database-url",
            &db,
            "--data-dir",
            dir.path().join("data").to_str().unwrap(),
            "--mail-dir",
            dir.path().join("mail").to_str().unwrap(),
        ],
        &[],
    );
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
    let log = server.log();
    assert!(!log.contains("ERROR") && !log.contains("panicked"), "{log}");
}
