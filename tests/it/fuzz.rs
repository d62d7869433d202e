//! The JSON API fuzzed from its own OpenAPI document by schemathesis (a
//! separate Python tool, installed by `.ci/run`) against a real `serve
//! --demo`: no 5xx, and every status, content type and body as documented.

use crate::common::process::ServeProcess;
use std::process::Command;

/// Examples per operation: enough to reach every documented error path,
/// bounded so that the whole run takes a few minutes on two cores.
const EXAMPLES: &str = "100";

fn fuzz(base: &str, token: &str, report: &std::path::Path) -> (bool, String) {
    // As a module, so that where pip put its script does not matter.
    let output = Command::new("python3")
        .args(["-m", "schemathesis.cli", "run", &format!("{base}/api/v1/openapi.json")])
        .args(["--url", base])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ])
        .args(["--phases", "examples,coverage,fuzzing"])
        // One worker: CPython 3.11's `ast` module is not thread-safe, and
        // hypothesis parses sources to describe its strategies; two threads
        // doing so crash the run now and then ("AST constructor recursion
        // depth mismatch"), a fault of the tool, not of the API.
        .args(["--max-examples", EXAMPLES, "--seed", "20261130", "--workers", "1"])
        .args(["--request-timeout", "30", "--no-color", "--warnings", "off"])
        // Logging out would end the session the rest of the run uses.
        .args(["--exclude-path", "/api/v1/logout"])
        // Its body is a file recognised by its first bytes (PDF, PNG, ...),
        // which schemathesis cannot make; tests/api.rs and tests/guests.rs cover them.
        .args(["--exclude-path", "/api/v1/dossiers/{id}/attachments"])
        .args(["--exclude-path", "/api/v1/guest/{token}/files"])
        .args(["--exclude-operation-id", "replace_attachment"])
        .arg("--report-dir")
        .arg(report)
        // Its example cache goes where it runs: not into the source tree.
        .current_dir(report.parent().expect("a temporary folder"))
        .output()
        .expect("python3 runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

#[tokio::test]
async fn the_api_answers_as_its_openapi_document_says() {
    let installed = Command::new("python3").args(["-c", "import schemathesis"]).status().is_ok_and(|s| s.success());
    if !installed {
        assert!(std::env::var("CI").is_err(), "CI must install schemathesis (.ci/run)");
        eprintln!("schemathesis not installed: API fuzzing skipped (pip install schemathesis)");
        return;
    }
    let files = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", files.path().join("fuzz.db").display());
    let data = files.path().join("data").display().to_string();
    let mail = files.path().join("mail").display().to_string();
    let server = ServeProcess::start(&["--database-url", &db, "--data-dir", &data, "--mail-dir", &mail, "--demo"], &[]);
    // An administrator reaches every operation; refusals are fuzzed too.
    let admin = crate::common::Client::login_with(&server.base, "admin@demo.labelflow.fr", "demo-labelflow").await;
    let token = admin.token.expect("a token");
    let (passed, text) = fuzz(&server.base, &token, &files.path().join("report"));
    let log = server.log();
    assert!(!log.contains("panicked"), "the server panicked:\n{log}");
    assert!(passed, "schemathesis found problems:\n{text}");
    // It did test something: the summary counts the operations it ran.
    assert!(text.contains("passed"), "{text}");
}
