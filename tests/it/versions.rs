//! Workflow versions: a call, its dossiers and its labels stay on the
//! version of the file they started on when the file is edited, until
//! `labelflow workflow migrate` moves them, after checking every one.

use crate::common::*;
use labelflow::app::dossiers::{CampaignInput, DossierPatch};
use labelflow::app::App;
use labelflow::store::audit::Verification;
use labelflow::workflow::{builtin, compile, Definition, Workflows};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

/// The shipped CMQ with its first state renamed `draft` → `brouillon`.
fn renamed_source() -> String {
    builtin::file("workflows/cmq.toml")
        .unwrap()
        .replace("\"draft\"", "\"brouillon\"")
        .replace("\ndraft = {", "\nbrouillon = {")
}

fn shipped(path: &str) -> Option<(std::path::PathBuf, String)> {
    builtin::file(path).map(|text| (path.into(), text.to_string()))
}

fn edited_cmq() -> Definition {
    compile(Path::new("workflows/cmq.toml"), &renamed_source(), |id| shipped(&format!("workflows/criteria/{id}.toml")))
        .expect("the edited workflow is valid")
}

/// A workflows folder holding the edited CMQ and the shipped lycée des métiers.
fn edited_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("criteria")).unwrap();
    std::fs::write(dir.path().join("cmq.toml"), renamed_source()).unwrap();
    for path in ["workflows/ldm.toml", "workflows/criteria/cmq-2019.toml", "workflows/criteria/ldm-2023.toml"] {
        let to = dir.path().join(path.trim_start_matches("workflows/"));
        std::fs::write(to, builtin::file(path).unwrap()).unwrap();
    }
    dir
}

fn labelflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_labelflow")).args(args).env("LABELFLOW_LOG", "off").output().expect("runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn call(name: &str) -> CampaignInput {
    CampaignInput {
        name: name.into(),
        workflow: "cmq".into(),
        opens_at: "2027-01-15".into(),
        closes_at: "2027-03-31".into(),
        criteria: None,
        kinds: None,
        territory: None,
    }
}

fn retitle(title: &str) -> DossierPatch {
    DossierPatch { title: Some(title.into()), ..Default::default() }
}

async fn edited_file_keeps_instances_until_migrated(db: &TestDb) {
    let store = &db.store;
    let cast = cast(store).await;
    let owner = cast.porteur.user_id.unwrap();
    let (app, _clock) = app(store, at(2027, 1, 20, 9, 0));
    let app = app.with_stored_versions().await.expect("versions stored");
    let v1 = app.workflows.get("cmq").unwrap().revision.clone();

    let first = app.create_campaign(&cast.admin, &call("Appel 2027")).await.expect("call");
    assert_eq!(first.workflow_version.as_deref(), Some(v1.as_str()), "a new call is pinned to the file's version");
    let first_id = first.id.parse().unwrap();
    let old = app.create_dossier(&cast.porteur, owner, new_dossier(first_id)).await.expect("dossier");
    let view = app.dossier(&cast.porteur, old).await.unwrap();
    assert_eq!((view.state.as_str(), view.workflow_version.as_deref()), ("draft", Some(v1.as_str())));

    // The file is edited; a server started on it runs the new version for
    // new calls and reads the old one back for the instances pinned to it.
    let edited = edited_cmq();
    let v2 = edited.revision.clone();
    assert_ne!(v1, v2, "an edit makes a new version");
    let ldm = labelflow::workflow::load_shipped().unwrap().into_iter().find(|l| l.definition.id == "ldm").unwrap();
    let workflows = Workflows::new(vec![edited, ldm.definition]).unwrap();
    let clock = Arc::new(labelflow::clock::ManualClock::new(at(2027, 1, 21, 9, 0)));
    let app2 = App::new(store.clone(), workflows.primary().clone(), clock)
        .with_workflows(workflows)
        .with_stored_versions()
        .await
        .expect("earlier versions read back");
    assert!(app2.workflows.at("cmq", Some(&v1)).is_some(), "version {v1} is read back from the database");
    // `draft` is no state of the new version: editing works only because
    // the dossier still runs on its own.
    let view = app2.update_dossier(&cast.porteur, old, &retitle("Campus v1")).await.expect("edits under v1");
    assert_eq!((view.title.as_str(), view.state.as_str()), ("Campus v1", "draft"));
    // Its e-mails are worded by its version too.
    let mail = labelflow::store::outbox::OutgoingMail {
        id: "probe".into(),
        entity: "dossier".into(),
        entity_id: old.to_string(),
        template: "call_closing".into(),
        recipient_user_id: None,
        recipient_email: "porteur@example.fr".into(),
        context: serde_json::json!({}),
        attempts: 0,
        created_at: at(2027, 1, 21, 9, 0),
    };
    let facts = store.mail_facts(&mail).await.expect("mail facts");
    assert_eq!((facts.workflow.as_str(), facts.workflow_version.as_deref()), ("cmq", Some(v1.as_str())));

    let second = app2.create_campaign(&cast.admin, &call("Appel 2027 bis")).await.expect("call");
    assert_eq!(second.workflow_version.as_deref(), Some(v2.as_str()));
    let fresh = app2.create_dossier(&cast.porteur, owner, new_dossier(second.id.parse().unwrap())).await.unwrap();
    assert_eq!(app2.dossier(&cast.porteur, fresh).await.unwrap().state, "brouillon");

    // Moving the old dossier is refused until its state is mapped; the
    // refusal names it, and nothing moves.
    let folder = edited_folder();
    let dir = folder.path().to_str().unwrap();
    let migrate = |extra: &[&str]| {
        let mut args = vec!["workflow", "migrate", "--database-url", &db.url, "--workflows", dir, "--from", &v1[..8]];
        args.extend_from_slice(&["--to", &v2]);
        args.extend_from_slice(extra);
        labelflow(&args)
    };
    let out = migrate(&["--dry-run"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains(&format!("dossier {old} (draft)")), "{err}");
    assert!(err.contains("state `draft` is not a dossier state") && err.contains("--map draft=STATE"), "{err}");
    assert!(err.contains("nothing was moved"), "{err}");

    let out = migrate(&["--map", "draft=nowhere"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("state `nowhere` is not a dossier state"), "{}", text(&out.stderr));

    let out = migrate(&["--map", "draft=brouillon", "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains(&format!("dossier {old}: draft -> brouillon")), "{said}");
    assert!(said.contains("dry run: 1 dossiers and 0 labels"), "{said}");
    let view = app2.dossier(&cast.porteur, old).await.unwrap();
    assert_eq!(view.workflow_version.as_deref(), Some(v1.as_str()), "a dry run moves nothing");

    let out = migrate(&["--map", "draft=brouillon"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("moved 1 dossiers, 0 labels and 1 calls"), "{}", text(&out.stdout));

    let view = app2.dossier(&cast.porteur, old).await.unwrap();
    assert_eq!((view.state.as_str(), view.workflow_version.as_deref()), ("brouillon", Some(v2.as_str())));
    assert_eq!(view.title, "Campus v1", "the dossier's content is kept");
    let first = store.campaign_view(first_id).await.unwrap();
    assert_eq!(first.workflow_version.as_deref(), Some(v2.as_str()), "the call's next dossiers start on v2");
    let view = app2.update_dossier(&cast.porteur, old, &retitle("Campus v2")).await.expect("edits under v2");
    assert_eq!(view.version, 4, "created, edited, moved, edited");

    let trail = store.trail("dossier", &old.to_string()).await.unwrap();
    let moved = trail.iter().find(|e| e.action == "workflow_migrate").expect("the move is audited");
    assert_eq!(moved.before["workflow_version"], v1.as_str());
    assert_eq!(moved.after["state"], "brouillon");
    assert!(matches!(store.verify_audit().await.unwrap(), Verification::Intact { .. }));

    let out = labelflow(&["workflow", "versions", "--database-url", &db.url, "--workflows", dir]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    let line = |v: &str| listed.lines().find(|l| l.starts_with(&format!("cmq {v} "))).unwrap_or_default().to_string();
    assert!(line(&v1).ends_with(" 0 0 0 -"), "nothing is left on v1, no file holds it: {listed}");
    assert!(line(&v2).contains(" 2 2 0 ") && line(&v2).ends_with("cmq.toml"), "{listed}");
}

on_both_backends!(edited_file_keeps_instances_until_migrated);

#[test]
fn a_version_is_named_by_enough_of_its_digits() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let db = TestDb::sqlite().await;
        let (app, _) = app(&db.store, at(2027, 1, 20, 9, 0));
        let v = app.workflows.get("ldm").unwrap().revision.clone();
        assert_eq!(app.version_named("to", &v[..6]).unwrap().id, "ldm");
        let short = app.version_named("to", "ab").unwrap_err().to_string();
        assert!(short.contains("too short"), "{short}");
        let unknown = app.version_named("to", "ffffffffffff").unwrap_err().to_string();
        assert!(unknown.contains("workflow versions"), "{unknown}");
    });
}
