//! Campuses from a spreadsheet and labels out as open data: a realistic
//! file, bad lines named, idempotent re-import, updates audited, scoped
//! exports, and an export that imports into an empty database unchanged.

use crate::common::*;
use labelflow::app::import::parse_campuses;
use labelflow::store::labels::LabelFilter;
use labelflow::store::views::LabelView;
use labelflow::workflow::Machine;
use serde_json::{json, Value};
use std::process::Command;

const FILE: &str = include_str!("data/campuses.csv");

fn csv_client_body(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

async fn all_labels(db: &TestDb) -> Vec<LabelView> {
    let everything = labelflow::store::dossiers::Visibility { all: true, ..Default::default() };
    let mut labels = db.store.labels(&everything, &LabelFilter::default()).await.unwrap();
    labels.sort_by(|a, b| a.title.cmp(&b.title));
    labels
}

/// What a label says, without its id.
type Essence = (String, String, serde_json::Map<String, Value>, String, String, String);

fn essence(l: &LabelView) -> Essence {
    (l.title.clone(), l.category.clone(), l.form.clone(), l.valid_from.clone(), l.valid_until.clone(), l.status.clone())
}

async fn import_export_round_trip(db: &TestDb) {
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let admin = Client::login(&served.base, "admin@example.fr").await;
    let rectorat = Client::login(&served.base, "rectorat@ac-lyon.fr").await;
    let path = "/api/v1/admin/import/campuses";

    // Only administrators import; a dry run writes nothing.
    let (status, _) = rectorat.raw(reqwest::Method::POST, path, "text/csv", csv_client_body(FILE)).await;
    assert_eq!(status, 403);
    let (status, report) =
        admin.raw(reqwest::Method::POST, &format!("{path}?dry_run=true"), "text/csv", csv_client_body(FILE)).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!((report["written"].as_bool(), report["changes"].as_array().unwrap().len()), (Some(false), 13));
    assert!(all_labels(db).await.is_empty(), "a dry run writes nothing");

    let (status, report) = admin.raw(reqwest::Method::POST, path, "text/csv", csv_client_body(FILE)).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["written"], true);
    assert!(report["changes"].as_array().unwrap().iter().all(|c| c["change"] == "create" && c["label_id"].is_string()));
    let labels = all_labels(db).await;
    assert_eq!(labels.len(), 13);
    let by_title = |t: &str| labels.iter().find(|l| l.title == t).unwrap_or_else(|| panic!("{t}")).clone();
    let mer = by_title("Campus « Mer, Littoral »");
    assert_eq!(
        (&mer.form["region"], &mer.form["academies"], mer.status.as_str()),
        (&json!("BRE"), &json!(["RENNES"]), "renewal_open")
    );
    let chimie = by_title("Campus de la Chimie Verte");
    assert_eq!(chimie.form["academies"], json!(["AMIENS", "LILLE"]), "labels and codes, any case");
    assert_eq!(
        (chimie.valid_from.as_str(), &chimie.form["support_establishment"]),
        ("2022-09-01", &json!("Lycée \"Les Savoirs\" d'Amiens"))
    );
    assert_eq!(by_title("Campus Bâtiment Durable").status, "expired", "ended in 2024");
    // The API gives them a page at a time, by title or by end of validity,
    // and finds them by a word's start whatever its accents.
    let (mut next, mut titles) = (Some("/api/v1/labels?sort=title&limit=5".to_string()), Vec::new());
    while let Some(path) = next {
        let (status, page, link) = admin.page(&path).await;
        assert_eq!(status, 200, "{page}");
        titles.extend(page.as_array().unwrap().iter().map(|l| l["title"].as_str().unwrap().to_string()));
        next = link;
    }
    assert_eq!(titles.len(), 13, "{titles:?}");
    let folded: Vec<String> = titles.iter().map(|t| labelflow::search::key(t)).collect();
    assert!(folded.windows(2).all(|w| w[0] <= w[1]), "by title: {titles:?}");
    let (_, first) = admin.get("/api/v1/labels?limit=1").await;
    let (_, all) = admin.get("/api/v1/labels").await;
    assert_eq!(first[0]["id"], all[0]["id"], "the first to end comes first");
    let (_, found) = admin.get("/api/v1/labels?q=energies%20TROP").await;
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["title"], "Campus Énergies Tropicales");
    assert_eq!(by_title("Campus Agroalimentaire de Bretagne").status, "active");
    for (title, region) in [
        ("Campus Numérique des Antilles", "GUA"),
        ("Campus Énergies Tropicales", "REU"),
        ("Campus Design et Métiers d'Art", "MAY"),
    ] {
        assert_eq!(by_title(title).form["region"], region, "overseas: {title}");
    }
    // Deadlines from now on only, and no e-mail about a past decision.
    let agro = by_title("Campus Agroalimentaire de Bretagne");
    let timers = db.store.timers_of(Machine::Label, uuid::Uuid::parse_str(&agro.id).unwrap()).await.unwrap();
    assert!(timers.iter().any(|t| t.event == "reach_end" && t.status == "pending"), "{timers:?}");
    assert!(timers.iter().all(|t| t.due_at.as_str() > "2027-02-01"), "nothing in the past: {timers:?}");
    assert!(db
        .store
        .timers_of(Machine::Label, uuid::Uuid::parse_str(&by_title("Campus Bâtiment Durable").id).unwrap())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(db.store.outbox_count("label_granted").await.unwrap(), 0);
    let trail = db.store.trail("label", &agro.id).await.unwrap();
    assert_eq!((trail.len(), trail[0].action.as_str()), (1, "import"), "audited as imported");

    // The same file again changes nothing.
    let (status, report) = admin.raw(reqwest::Method::POST, path, "text/csv", csv_client_body(FILE)).await;
    assert_eq!(status, 200);
    assert!(report["changes"].as_array().unwrap().iter().all(|c| c["change"] == "unchanged"), "{report}");
    assert_eq!(
        all_labels(db).await.iter().map(essence).collect::<Vec<_>>(),
        labels.iter().map(essence).collect::<Vec<_>>()
    );
    assert_eq!(db.store.trail("label", &agro.id).await.unwrap().len(), 1);

    // A changed row updates its label, audited, with its deadlines planned again.
    let changed = FILE.replace(
        "Lycée agricole du Gros Chêne,standard,2025-09-01,2030-08-31",
        "Lycée agricole du Gros Chêne,excellence,2025-09-01,2029-08-31",
    );
    let (status, report) = admin.raw(reqwest::Method::POST, path, "text/csv", csv_client_body(&changed)).await;
    assert_eq!(status, 200, "{report}");
    let update = report["changes"].as_array().unwrap().iter().find(|c| c["change"] == "update").cloned().unwrap();
    assert_eq!((update["line"].as_u64(), update["fields"].clone()), (Some(11), json!(["category", "valid_until"])));
    let trail = db.store.trail("label", &agro.id).await.unwrap();
    assert_eq!(trail.last().unwrap().action, "import_update");
    assert_eq!(trail.last().unwrap().before["valid_until"], "2030-08-31");
    let timers = db.store.timers_of(Machine::Label, uuid::Uuid::parse_str(&agro.id).unwrap()).await.unwrap();
    let end = timers.iter().find(|t| t.event == "reach_end" && t.status == "pending").unwrap();
    assert!(end.due_at.starts_with("2029-08-31"), "{end:?}");

    // Bad lines are named; nothing is written, even the good ones.
    // Line 14 then lasts eight years (five at most), line 17 carries the
    // mention « excellence » before it existed.
    let bad = format!("{FILE}Campus Fantôme,Chimie,Bretagn,Rennes,Lycée,standard,2022-09-01,2027-08-31\nCampus Vide,Chimie et biotechnologies,BRE,Rennes,,standard,2022-09-01,2027-08-31\nCampus Ancien,Chimie et biotechnologies,BRE,Rennes,Lycée,excellence,2017-09-01,2021-08-31\n")
        .replace("2029-08-31", "2032-08-31");
    let (status, report) = admin.raw(reqwest::Method::POST, path, "text/csv", csv_client_body(&bad)).await;
    assert_eq!(status, 422);
    let problems: Vec<(u64, String)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["line"].as_u64().unwrap(), p["column"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        problems,
        vec![
            (14, "valid_until".into()),
            (15, "filiere".into()),
            (15, "region".into()),
            (16, "support_establishment".into()),
            (17, "category".into())
        ]
    );
    let reasons = report["problems"].to_string();
    assert!(
        reasons.contains("a label lasts at most 5 years: from 2024-09-01, until 2029-08-31 at the latest"),
        "{reasons}"
    );
    assert!(reasons.contains("`excellence` exists from 2018-12-13"), "{reasons}");
    assert_eq!(report["written"], false);
    assert!(
        all_labels(db).await.iter().all(|l| l.valid_until != "2032-08-31"),
        "the valid change was not written either"
    );

    // Exports: scoped, stable columns, and they import unchanged elsewhere.
    let (status, body) = rectorat.bytes("/api/v1/labels/export?format=json").await;
    assert_eq!(status, 200);
    let seen: Vec<Value> = serde_json::from_slice(&body).unwrap();
    assert_eq!(seen.len(), 1, "Lyon staff see the one campus with Lyon");
    assert_eq!(seen[0]["title"], "Campus Industrie du Futur");
    assert_eq!(seen[0]["academies_labels"], json!(["Clermont-Ferrand", "Grenoble", "Lyon"]));
    let (status, body) = admin.bytes("/api/v1/labels/export?format=csv").await;
    assert_eq!(status, 200);
    let exported = String::from_utf8(body).unwrap();
    assert!(exported.starts_with("id,title,category,status,filiere,filiere_label,region,region_label,academies,academies_labels,support_establishment,valid_from,valid_until,renewal_of,dossier_id,workflow,"), "the columns of the first release come first, in their order");
    assert_eq!(admin.get("/api/v1/labels/export?format=xml").await.0, 422);

    let other = TestDb::same_kind(db).await;
    let (app2, _) = app(&other.store, at(2027, 2, 1, 9, 0));
    let report = app2.import_campuses(&cast.admin, None, &exported, false).await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(
        all_labels(&other).await.iter().map(essence).collect::<Vec<_>>(),
        all_labels(db).await.iter().map(essence).collect::<Vec<_>>(),
        "export → import into an empty database → the same labels"
    );
    drop(other);
}

/// The import validates text as the API does, takes `text/csv` only, and
/// a formula in a title never comes back out as one.
async fn hostile_files_are_refused(db: &TestDb) {
    let _cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let admin = Client::login(&served.base, "admin@example.fr").await;
    let path = "/api/v1/admin/import/campuses";
    let header = "title,filiere,region,academies,support_establishment,category,valid_from,valid_until\n";
    let row = |title: &str| {
        format!("\"{title}\",Chimie et biotechnologies,ARA,Lyon,Lycée Ampère,standard,2022-09-01,2027-08-31\n")
    };
    let long = "x".repeat(1_000_000);
    for (title, why) in [("\t=1+1", "tab"), ("Campus\r\nBcc: x", "line break"), (long.as_str(), "1 MB")] {
        let file = format!("{header}{}", row(title));
        let (status, report) = admin.raw(reqwest::Method::POST, path, "text/csv", file.into_bytes()).await;
        assert_eq!(status, 422, "{why}: {report}");
        assert_eq!(report["problems"][0]["column"], "title", "{why}: {report}");
        assert_eq!(report["written"], false);
    }
    let file = format!("{header}{}", row("Campus"));
    let (status, err) = admin.raw(reqwest::Method::POST, path, "application/json", file.clone().into_bytes()).await;
    assert_eq!((status, err["error"]["code"].as_str()), (415, Some("unsupported_media_type")), "{err}");

    let file = format!("{header}{}", row("=HYPERLINK(\"\"http://evil.example\"\")"));
    let (status, report) = admin.raw(reqwest::Method::POST, path, "text/csv", file.into_bytes()).await;
    assert_eq!(status, 200, "{report}");
    let (_, labels) = admin.get("/api/v1/labels").await;
    assert_eq!(labels[0]["title"], "=HYPERLINK(\"http://evil.example\")", "intact in JSON");
    let (_, csv) = admin.bytes("/api/v1/labels/export?format=csv").await;
    let text = String::from_utf8(csv).unwrap();
    assert!(text.contains("\"'=HYPERLINK("), "neutralised in CSV: {text}");
}

on_both_backends!(import_export_round_trip, hostile_files_are_refused, each_workflow_imports_its_own_labels);

#[tokio::test]
async fn the_cli_names_bad_lines_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("lf.db").display());
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_labelflow")).args(args).env("LABELFLOW_LOG", "off").output().unwrap()
    };
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!("{FILE}Campus X,Chimie et biotechnologies,Bretagne,Lyon,Lycée,standard,2022-09-01,2027-08-31\n"),
    )
    .unwrap();
    let out = run(&["import", "campuses", bad.to_str().unwrap(), "--database-url", &url]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.csv:line 15, column academies: `LYON` is not in `BRE`, the value of `region`"), "{err}");
    assert!(err.contains("1 problem(s); nothing imported"), "{err}");

    let good = dir.path().join("campuses.csv");
    std::fs::write(&good, FILE).unwrap();
    let out = run(&["import", "campuses", good.to_str().unwrap(), "--dry-run", "--database-url", &url]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout)
        .ends_with("13 created, 0 updated, 0 unchanged; dry run, nothing written\n"));
    let out = run(&["export", "labels", "--format", "json", "--database-url", &url]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[\n]", "nothing was written");
    let out = run(&["import", "campuses", good.to_str().unwrap(), "--database-url", &url]);
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("13 created, 0 updated, 0 unchanged; imported\n"));
    let out = run(&["import", "campuses", good.to_str().unwrap(), "--database-url", &url]);
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("0 created, 0 updated, 13 unchanged; nothing to change\n"));
    let out = run(&["export", "labels", "--format", "csv", "--database-url", &url]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 14, "a header and 13 labels");
    let out = run(&["audit", "verify", "--database-url", &url]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "13 entries verified");
    // Imported labels were published when granted: no yearly list holds
    // them, and a label without such a list says so.
    let out = run(&["export", "publication", "--workflow", "ldm", "--year", "2022", "--database-url", &url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "section,section_label,id,title,academie,academie_label,uai,etablissement,valid_from,valid_until,renewal_of,dossier_id\n"
    );
    let out = run(&["export", "publication", "--workflow", "cmq", "--year", "2022", "--database-url", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cmq: "), "{}", String::from_utf8_lossy(&out.stderr));
}

// The campus file's rows read against the shipped CMQ's form.

const HEADER: &str = "title,filiere,region,academies,support_establishment,category,valid_from,valid_until\n";

#[test]
fn parse_labels_and_codes_are_both_accepted() {
    let text = format!(
        "{HEADER}\"Campus « Bois, Forêt »\",\"Matériaux, matériaux innovants\",auvergne-rhone-alpes,Lyon|GRENOBLE,Lycée du Bois,EXCELLENCE,2022-09-01,31/08/2027\n"
    );
    let rows = parse_campuses(&cmq(), &text).unwrap();
    assert_eq!(rows.len(), 1);
    let r = &rows[0].record;
    assert_eq!(
        (r.title.as_str(), &r.form["filiere"], &r.form["region"]),
        ("Campus « Bois, Forêt »", &json!("materiaux-innovants"), &json!("ARA"))
    );
    assert_eq!(r.form["academies"], json!(["GRENOBLE", "LYON"]));
    let scopes: Vec<String> = r.scopes.iter().map(ToString::to_string).collect();
    assert_eq!(scopes, ["academie:GRENOBLE", "academie:LYON", "region:ARA"]);
    assert_eq!((r.category.as_str(), r.valid_until.to_string().as_str()), ("excellence", "2027-08-31"));
    assert_eq!(rows[0].line, 2);
}

#[test]
fn parse_every_problem_is_named_by_line_and_column() {
    let text = format!(
        "{HEADER}Campus A,Chimie,Bretagn,Rennes,Lycée,standard,2022-09-01,2027-08-31\n\
         Campus B,Chimie et biotechnologies,BRE,Lyon,Lycée,premium,2022-09-01,2021-01-01\n\
         Campus A,Chimie et biotechnologies,BRE,Rennes,,standard,2022-09-01,2027-08-31\n"
    );
    let problems = parse_campuses(&cmq(), &text).unwrap_err();
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        shown.contains(&"line 2, column filiere: unknown value `Chimie` (not in the list `filieres`)".to_string()),
        "{shown:#?}"
    );
    assert!(
        shown.contains(&"line 2, column region: unknown value `Bretagn` (not in the list `regions`)".to_string()),
        "{shown:#?}"
    );
    assert!(shown.iter().any(|s| s.starts_with("line 3, column academies: `LYON` is not in `BRE`")), "{shown:#?}");
    assert!(shown.iter().any(|s| s.starts_with("line 3, column category:")), "{shown:#?}");
    assert!(shown.contains(&"line 3, column valid_until: must be after valid_from".to_string()), "{shown:#?}");
    assert!(shown.contains(&"line 4, column support_establishment: is required".to_string()), "{shown:#?}");
}

#[test]
fn parse_a_missing_column_is_reported_on_the_header() {
    let problems = parse_campuses(&cmq(), "title,filiere\nA,B\n").unwrap_err();
    assert_eq!(problems[0].to_string(), "line 1, column region: missing from the header");
    assert_eq!(problems.len(), labelflow::app::import::columns(&cmq()).len() - 2);
}

#[test]
fn parse_the_same_campus_twice_is_refused() {
    let row = "Campus Mer,Chimie et biotechnologies,BRE,Rennes,Lycée,standard,2022-09-01,2027-08-31\n";
    let problems =
        parse_campuses(&cmq(), &format!("{HEADER}{row}{}", row.replace("Campus Mer", "CAMPUS MER"))).unwrap_err();
    assert_eq!(problems[0].to_string(), "line 3, column title: the same label as line 2");
}

/// Each workflow's labels come from files of their own columns, and are
/// known by their key within their workflow: a lycée named like a campus
/// is another label.
async fn each_workflow_imports_its_own_labels(db: &TestDb) {
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let admin = Client::login(&served.base, "admin@example.fr").await;
    let path = "/api/v1/admin/import/campuses";
    let ldm = "title,uai,etablissement,academie,category,valid_from,valid_until\n\
               Lycée Jean Moulin,0750655E,Lycée Jean Moulin,Lyon,standard,2024-09-01,2029-08-31\n\
               \"Campus « Mer, Littoral »\",0750654D,Lycée de la Mer,RENNES,standard,2023-09-01,2028-08-31\n";
    let post = |query: &str, body: &str| {
        let url = format!("{path}{query}");
        let body = csv_client_body(body);
        let admin = &admin;
        async move { admin.raw(reqwest::Method::POST, &url, "text/csv", body).await }
    };
    let (status, report) = post("?workflow=nope", ldm).await;
    assert_eq!((status, report["problems"][0]["column"].as_str()), (422, Some("workflow")), "{report}");
    assert!(report["problems"][0]["reason"].as_str().unwrap().contains("known: cmq, ldm"), "{report}");
    let (status, report) = post("", ldm).await;
    assert_eq!(status, 422, "the primary workflow's columns are asked for: {report}");
    assert!(all_labels(db).await.is_empty());

    let (status, report) = post("?workflow=ldm", ldm).await;
    assert_eq!((status, report["written"].as_bool()), (200, Some(true)), "{report}");
    let (status, report) = post("", FILE).await;
    assert_eq!((status, report["written"].as_bool()), (200, Some(true)), "{report}");
    let labels = all_labels(db).await;
    assert_eq!(labels.len(), 15, "2 lycées and 13 campuses, a title shared");
    let lycees: Vec<&LabelView> = labels.iter().filter(|l| l.workflow == "ldm").collect();
    assert_eq!(lycees.len(), 2);
    let moulin = lycees.iter().find(|l| l.title == "Lycée Jean Moulin").unwrap();
    assert_eq!((&moulin.form["uai"], &moulin.form["academie"]), (&json!("0750655E"), &json!("LYON")));
    let (status, label) = admin.get(&format!("/api/v1/labels/{}", moulin.id)).await;
    assert_eq!((status, label["workflow"].as_str()), (200, Some("ldm")), "{label}");
    // A lycée des métiers is known by its UAI: renamed in a later file, it
    // is the same label, updated; the same UAI twice in a file is refused.
    let renamed = ldm.replace("Lycée Jean Moulin,0750655E", "Lycée polyvalent Jean Moulin,0750655E");
    let (status, report) = post("?workflow=ldm&dry_run=true", &renamed).await;
    assert_eq!(status, 200, "{report}");
    let changes: Vec<&str> =
        report["changes"].as_array().unwrap().iter().filter_map(|c| c["change"].as_str()).collect();
    assert!(changes.contains(&"update") && !changes.contains(&"create"), "{report}");
    let twice = format!("{ldm}Lycée Moulin bis,0750655E,Lycée Jean Moulin,LYON,standard,2024-09-01,2029-08-31\n");
    let (status, report) = post("?workflow=ldm", &twice).await;
    assert_eq!(status, 422, "{report}");
    assert_eq!(report["problems"][0]["column"], "uai", "{report}");

    // One export holds both, the primary's columns where they always were.
    let (status, body) = admin.bytes("/api/v1/labels/export?format=csv").await;
    assert_eq!(status, 200);
    let exported = String::from_utf8(body).unwrap();
    let header = exported.lines().next().unwrap();
    assert!(
        header.ends_with(",dossier_id,workflow,category_label,uai,etablissement,academie,academie_label"),
        "{header}"
    );
    // The category in words, as each label's workflow says it.
    let line = exported.lines().find(|l| l.contains("Lycée Jean Moulin")).unwrap();
    assert!(line.contains(",ldm,Lycée des métiers,0750655E,Lycée Jean Moulin,LYON,Lyon"), "{line}");
    assert!(
        exported
            .lines()
            .filter(|l| l.contains(",cmq,"))
            .all(|l| l.contains(",cmq,Sans mention,") || l.contains(",cmq,Mention « excellence »,")),
        "{exported}"
    );

    // That export imports back into an empty database, once per workflow.
    let other = TestDb::same_kind(db).await;
    let (app2, _) = app(&other.store, at(2027, 2, 1, 9, 0));
    for workflow in [None, Some("ldm")] {
        let report = app2.import_campuses(&cast.admin, workflow, &exported, false).await.unwrap();
        assert!(report.problems.is_empty() && report.written, "{workflow:?}: {:?}", report.problems);
    }
    let mut again: Vec<Essence> = all_labels(&other).await.iter().map(essence).collect();
    let mut before: Vec<Essence> = all_labels(db).await.iter().map(essence).collect();
    again.sort_by_key(|e| format!("{e:?}"));
    before.sort_by_key(|e| format!("{e:?}"));
    assert_eq!(again, before, "export → import per workflow → the same labels");

    // Again: nothing changes in either workflow.
    for (query, body) in [("?workflow=ldm", ldm), ("", FILE)] {
        let (status, report) = post(query, body).await;
        assert_eq!(status, 200, "{report}");
        let changes = report["changes"].as_array().unwrap();
        assert!(changes.iter().all(|c| c["change"] == "unchanged"), "{report}");
    }
    assert_eq!(all_labels(db).await.len(), 15);
}
