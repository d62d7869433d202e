//! The `labelflow` binary as a user runs it: exit codes, messages, output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn labelflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_labelflow")).args(args).env("LABELFLOW_LOG", "off").output().expect("runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A copy of the shipped workflow folder with `edit` applied to cmq.toml.
fn broken_copy(edit: impl Fn(String) -> String) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("criteria")).unwrap();
    std::fs::copy(repo("workflows/criteria/cmq-2019.toml"), dir.path().join("criteria/cmq-2019.toml")).unwrap();
    let source = std::fs::read_to_string(repo("workflows/cmq.toml")).unwrap();
    let file = dir.path().join("cmq.toml");
    std::fs::write(&file, edit(source)).unwrap();
    (dir, file)
}

fn line_of(file: &Path, needle: &str) -> usize {
    let source = std::fs::read_to_string(file).unwrap();
    source.lines().position(|l| l.contains(needle)).expect("needle present") + 1
}

#[test]
fn check_accepts_the_shipped_workflow() {
    let out = labelflow(&["workflow", "check", repo("workflows/cmq.toml").to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "one-line summary: {stdout}");
    assert!(stdout.contains("is valid") && stdout.contains("cmq-2019") && stdout.contains("11 criteria"), "{stdout}");
    assert!(stdout.contains("6 roles, 6 form fields, 5 records, 10 predicates"), "{stdout}");
    assert!(stdout.ends_with("6 options to confirm\n"), "the rules with no source are counted: {stdout}");
}

#[test]
fn check_names_each_problem_with_file_and_line() {
    // (edit, text on the line the problem must name, message)
    type Case = (fn(String) -> String, &'static str, &'static str);
    let cases: Vec<Case> = vec![
        (
            |s| s.replace("\"actor_side_not_endorsed\"]", "\"actor_side_not_endorsd\"]"),
            "actor_side_not_endorsd",
            "unknown guard `actor_side_not_endorsd`",
        ),
        (
            |s| s.replacen("roles = [\"porteur\"]", "roles = [\"porter\"]", 1),
            "roles = [\"porter\"]",
            "unknown role `porter`",
        ),
        (|s| s.replace("to = \"admissible\"", "to = \"admisible\""), "to = \"admisible\"", "unknown state `admisible`"),
        (
            |s| {
                s.replace(
                    "\"reviewer_recused\", to = [\"president\"]",
                    "\"reviewer_recused\", to = [\"account:Jury@x\"]",
                )
            },
            "account:Jury@x",
            "recipient `account:Jury@x`: `account:` takes an e-mail address in lower case",
        ),
        (
            |s| s.replace("notify = \"dossier_withdrawn\"", "notify = \"dossier_withdrawal\""),
            "dossier_withdrawal",
            "unknown template `dossier_withdrawal`",
        ),
        (
            |s| s.replace("when = [\"outcome=rejected\"]", "when = [\"outcome=deferred\"]"),
            "to = \"rejected\"",
            "could both fire on `decide` in state `avis_given`",
        ),
        (
            |s| {
                s.replace(
                    "anchor = \"completion_due\"\nevent = \"completion_overdue\"",
                    "anchor = \"completion_due\"\nevent = \"complete\"",
                )
            },
            "[dossier.timers.completion_deadline]",
            "which no transition lets the system fire",
        ),
        (|s| s.replace("to = \"expired\"", "to = \"withdrawn\""), "expired = {", "state `expired` is unreachable"),
        (
            |s| s.replace("labels = { labelled = \"Labellisé\"", "labels = { labeled = \"Labellisé\""),
            "labeled = ",
            "labels `labeled`, which is not one of its choices",
        ),
        (
            |s| s.replace("stage = \"reviewing\"", "stage = \"reviewng\""),
            "stage = \"reviewng\"",
            "state `under_review`: unknown stage `reviewng` (known: completing, reviewing, deciding, decided, in_force)",
        ),
        (
            |s| {
                s.replace(
                    "active = { label = \"Actif\", stage = \"in_force\"",
                    "active = { label = \"Actif\", stage = \"decided\"",
                )
            },
            "active = { label = \"Actif\", stage = \"decided\"",
            "stage `decided` belongs to the dossier machine",
        ),
        (
            |s| s.replace("\nalready_endorsed = ", "\nalready_endorsd = "),
            "already_endorsd = ",
            "unknown refusal code `already_endorsd`",
        ),
        (
            |s| s.replace("p.type == \"eple\"", "p.typ == \"eple\""),
            "p.typ == \"eple\"",
            "predicate `has_eple_partner`: rule: `p` has no field `typ` (known: name, type)",
        ),
        (
            |s| s.replace("reviews.averages[c.code] >= c.excellence)", "reviews.average[c.code] >= c.excellence)"),
            "reviews.average[c.code]",
            "`reviews` has no field `average` (known: assigned, averages, submitted)",
        ),
        (
            |s| s.replace("o.body == b[1]", "o.body === b[1]"),
            "o.body === b[1]",
            "predicate `opinions_recorded`: missing:",
        ),
        (
            |s| s.replace("form.partners.exists(p, p.type == \"eple\")", "form.partner.exists(p, p.type == \"eple\")"),
            "form.partner.exists(p, p.type == \"eple\")",
            "predicate `has_eple_partner`: rule: `form` has no field `partner`",
        ),
        (
            |s| s.replace("list = \"filieres\"", "list = \"filieress\""),
            "list = \"filieress\"",
            "form: field `filiere`: unknown reference list `filieress`",
        ),
        (
            |s| s.replace("within = \"region\"", "within = \"regio\""),
            "within = \"regio\"",
            "form: field `academies`: within names unknown field `regio`",
        ),
        (
            |s| s.replace("name = \"directeur_operationnel\"", "name = \"title\""),
            "name = \"title\"",
            "form: field `title`: this name belongs to the engine",
        ),
        (
            |s| s.replace("label = \"Type\", required = true", "label = \"Type\", visible_if = \"nom=x\""),
            "visible_if = \"nom=x\"",
            "form: group `partners`: field `type`: visible_if names unknown field `nom`",
        ),
        (
            |s| {
                s.replace(
                    "add_label = \"Ajouter le partenaire\"",
                    "add_label = \"Ajouter le partenaire\"\ntop_level = true # du groupe",
                )
            },
            "top_level = true # du groupe",
            "form: field `partners`: only a field of the form's own level, not a group",
        ),
        (
            |s| s.replace("{ code = \"rapport\", label = \"Rapport\" }", "{ code = \"annexe\", label = \"Rapport\" }"),
            "code = \"annexe\", label = \"Rapport\"",
            "form: attachment kind `annexe` is declared twice",
        ),
        (
            |s| s.replace("kind = \"national\"", "kind = \"natinal\""),
            "kind = \"natinal\"",
            "role `president`: unknown kind `natinal` (known: owner, staff, reviewer, national)",
        ),
        (
            |s| s.replace("scope = \"region\"\nendorses = \"region\"", "endorses = \"region\""),
            "[roles.staff_region]",
            "role `staff_region`: a staff role names the `scope` kind its grants name",
        ),
        (
            |s| s.replacen("roles = [\"president\", \"admin\"]", "roles = [\"presidnt\", \"admin\"]", 1),
            "roles = [\"presidnt\", \"admin\"]",
            "unknown role `presidnt` (declare it under [roles])",
        ),
        (
            |s| s.replacen("to = [\"owners\"]", "to = [\"porteur\"]", 1),
            "to = [\"porteur\"]",
            "recipient `porteur`: an owner role is reached as `owners`",
        ),
        (
            |s| s.replace("within = \"region\"", "within = \"filiere\""),
            "within = \"filiere\"",
            "within: `filiere` must choose from `regions`, the parent list of `academies`",
        ),
        (
            |s| {
                s.replace(
                    "guards = [\"opinions_recorded\", \"actor_side_not_endorsed\"]",
                    "guards = [\"actor_side_not_endorsed\"]",
                )
            },
            "[predicates.opinions_recorded]",
            "predicate `opinions_recorded` is used by no transition",
        ),
        (
            |s| {
                s.replace(
                    "required_if = \"outcome=labelled\", default_from = \"avis.category\"",
                    "required_if = \"outcome=granted\", default_from = \"avis.category\"",
                )
            },
            "outcome=granted",
            "`granted` is not a choice of `outcome`",
        ),
        (
            |s| s.replace(", reserve = \"Réservé\"", ""),
            "defavorable = \"Défavorable\"",
            "gives no label to its choice `reserve`",
        ),
        (
            |s| {
                s.replace(
                    "withdrawn = { label = \"Retiré\", terminal = true }\n\n[dossier.events",
                    "withdrawn = { label = \"Retiré\" }\n\n[dossier.events",
                )
            },
            "withdrawn = { label = \"Retiré\" }",
            "not terminal but no transition leaves it",
        ),
        // Records: written only when declared, by their writers, from inputs
        // of their types, keyed by one of their fields.
        (
            |s| s.replace("effects = [{ record = \"opinion\" }]", "effects = [{ record = \"opinon\" }]"),
            "record = \"opinon\"",
            "unknown record `opinon` (declare it under [records.opinon])",
        ),
        (
            |s| s.replace("writers = [\"porteur\", \"staff_rectorat\", \"staff_region\"]", "writers = [\"porteur\"]"),
            "event = \"submit_report\"",
            "role `staff_rectorat` may take `submit_report` but is not a writer of record `report`",
        ),
        (
            |s| {
                s.replace(
                    "fields.body = { type = \"text\", label = \"Rapport\" }",
                    "fields.body = { type = \"date\", label = \"Rapport\" }",
                )
            },
            "event = \"submit_report\"",
            "input `body` is of type text, record `report` wants date",
        ),
        (
            |s| s.replace("key = \"side\"", "key = \"cote\""),
            "[records.endorsement]",
            "record `endorsement`: key `cote` is none of its fields",
        ),
        (
            |s| {
                let start = s.find("[records.report]").unwrap();
                let end = s[start..].find("# ----").unwrap() + start;
                format!("{}{}", &s[..start], &s[end..]).replace("effects = [{ record = \"report\" }]", "effects = []")
            },
            "event = \"submit_report\"",
            "`report_year_open` reads the label's yearly record: declare one with `per_anniversary = true`",
        ),
        // Options, the arrêté's date, a default taken from the avis.
        (
            |s| s.replace("option = \"deferral\"\nfrom", "option = \"deferal\"\nfrom"),
            "option = \"deferal\"",
            "unknown option `deferal` (declare it under [options])",
        ),
        (
            |s| s.replace("valid_from = \"arrete_date\"", "valid_from = \"arrete_reference\""),
            "valid_from = \"arrete_reference\"",
            "create_label: valid_from `arrete_reference` is no date input of event `decide`",
        ),
        // A message a step writes: a required text input, on a thread.
        (
            |s| s.replace("{ post_message = \"message\" }", "{ post_message = \"mesage\" }"),
            "post_message = \"mesage\"",
            "post_message: `mesage` is no required text input of event `remind_owners`",
        ),
        (
            |s| s.replace("[messages]\nreviewers_read = false", "[messages]\nenabled = false"),
            "post_message = \"message\"",
            "post_message needs the dossiers' thread ([messages])",
        ),
        (
            |s| s.replace("default_from = \"avis.category\"", "default_from = \"avis.mention\""),
            "event = \"decide\"",
            "input `category`: default_from names no field `mention` of a dossier record `avis`",
        ),
    ];
    for (edit, needle, message) in cases {
        let (_dir, file) = broken_copy(edit);
        let out = labelflow(&["workflow", "check", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{message}");
        let stderr = text(&out.stderr);
        let hit =
            stderr.lines().find(|l| l.contains(message)).unwrap_or_else(|| panic!("no `{message}` in:\n{stderr}"));
        let expected = line_of(&file, needle);
        let prefix = format!("{}:{expected}: ", file.display());
        // A transition is named at its `[[...transitions]]` header, a few lines above its `to`.
        let near =
            (expected.saturating_sub(3)..=expected).any(|l| hit.starts_with(&format!("{}:{l}: ", file.display())));
        assert!(hit.starts_with(&prefix) || (needle.starts_with("to =") && near), "expected {prefix}…, got {hit}");
    }
}

#[test]
fn check_reports_toml_syntax_with_a_line() {
    let (_dir, file) = broken_copy(|s| s.replacen("[dossier.states]", "[dossier.states\n", 1));
    let out = labelflow(&["workflow", "check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let expected = format!("{}:{}:", file.display(), line_of(&file, "[dossier.states"));
    assert!(stderr.starts_with(&expected), "{stderr}");
}

/// `workflow list`: one line per workflow of the folder, `ID VERSION FILE`;
/// an edit makes a new version; a folder without one lists the shipped ones.
#[test]
fn list_prints_each_workflow_with_its_version() {
    let out = labelflow(&["workflow", "list", "--workflows", repo("workflows").to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let words: Vec<&str> = stdout.lines().next().unwrap().split(' ').collect();
    assert_eq!((words[0], words[1].len()), ("cmq", 12), "{stdout}");
    assert!(words[2].ends_with("cmq.toml"), "{stdout}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("criteria")).unwrap();
    std::fs::copy(repo("workflows/criteria/cmq-2019.toml"), dir.path().join("criteria/cmq-2019.toml")).unwrap();
    let source = std::fs::read_to_string(repo("workflows/cmq.toml")).unwrap();
    std::fs::write(dir.path().join("cmq.toml"), source.replace("Déposer le dossier", "Déposer")).unwrap();
    let edited = labelflow(&["workflow", "list", "--workflows", dir.path().to_str().unwrap()]);
    let other: Vec<String> = text(&edited.stdout).split(' ').map(str::to_string).collect();
    assert_eq!(other[0], "cmq");
    assert_ne!(other[1], words[1], "an edit makes a new version");
    let shipped = labelflow(&["workflow", "list", "--workflows", dir.path().join("none").to_str().unwrap()]);
    assert_eq!(text(&shipped.stdout).split(' ').nth(1), Some(words[1]), "the shipped copy is the repository's");
}

#[test]
fn graph_prints_mermaid_and_dot() {
    let file = repo("workflows/cmq.toml");
    let out = labelflow(&["workflow", "graph", file.to_str().unwrap(), "--format", "mermaid"]);
    assert!(out.status.success());
    let mermaid = text(&out.stdout);
    assert!(mermaid.starts_with("stateDiagram-v2"));
    assert!(mermaid.contains("dossier_reviewed --> dossier_avis_given : give_avis [avis=favorable]"), "{mermaid}");
    assert!(mermaid.contains("dossier_avis_given --> dossier_labelled : decide [outcome=labelled]"), "{mermaid}");
    assert!(mermaid.contains("label_active --> label_renewal_open : open_renewal"), "{mermaid}");
    let out = labelflow(&["workflow", "graph", file.to_str().unwrap(), "--format", "dot"]);
    let dot = text(&out.stdout);
    assert!(dot.starts_with("digraph \"cmq\""), "{dot}");
    assert_eq!(dot.matches('{').count(), dot.matches('}').count());
    assert!(dot.contains("dossier_labelled [label=\"Labellisé\\n(labelled)\", peripheries=2]"), "{dot}");

    // SVG: one picture per machine, every state drawn once, every state
    // change an arrow with its events in the tooltip.
    let out = labelflow(&["workflow", "graph", file.to_str().unwrap(), "--format", "svg"]);
    let svg = text(&out.stdout);
    assert_eq!(svg.matches("<svg ").count(), 2, "{svg}");
    assert_eq!(svg.matches("<svg ").count(), svg.matches("</svg>").count());
    let def = labelflow::workflow::builtin::shipped("cmq").unwrap();
    for state in def.dossier.states.iter().chain(&def.label_machine.states) {
        assert!(svg.contains(&format!("<title>{} ({})</title>", state.label, state.name)), "{}", state.name);
    }
    assert!(svg.contains("<title>avis_given → labelled : decide [outcome=labelled]</title>"), "{svg}");
    assert!(!svg.contains("<title>under_review → under_review"), "a self-loop is no arrow");
}

#[test]
fn unknown_database_scheme_is_one_clear_line() {
    let out = labelflow(&["migrate", "--database-url", "mysql://root@localhost/x"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("unsupported database URL scheme `mysql`"), "{stderr}");
}

#[test]
fn unreachable_database_is_one_clear_line_without_secrets() {
    let out = labelflow(&["migrate", "--database-url", "postgres://app:s3cret@127.0.0.1:1/labelflow"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot connect to the database"), "{stderr}");
    assert!(!stderr.contains("s3cret"), "the password leaked: {stderr}");
}

#[test]
fn migrate_then_user_add_then_audit_verify() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let out = labelflow(&["migrate", "--database-url", &url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let add = |email: &str, extra: &[&str]| {
        let mut args = vec![
            "user",
            "add",
            "--database-url",
            &url,
            "--email",
            email,
            "--name",
            "Agnès",
            "--password",
            "motdepasse-long",
        ];
        args.extend_from_slice(extra);
        labelflow(&args)
    };
    let out = add("rectorat@ac-lyon.fr", &["--role", "staff_rectorat", "--scope", "academie:LYON"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let id = text(&out.stdout);
    assert!(uuid::Uuid::parse_str(id.trim()).is_ok(), "prints the id alone: {id}");
    let out = add("staff@ac-lyon.fr", &["--role", "staff_rectorat"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("needs a --scope academie:CODE"), "{}", text(&out.stderr));
    let out = add("rectorat@ac-lyon.fr", &["--role", "porteur"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("already exists"), "{}", text(&out.stderr));
    let out = labelflow(&["audit", "verify", "--database-url", &url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "1 entries verified");
}

#[test]
fn bench_predicates_measures_the_files_guards() {
    let out = labelflow(&["bench", "predicates", "--decisions", "20", "--rounds", "1"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("decide `submit` with 4 of the file's predicates"), "{stdout}");
    let ratio: f64 = stdout.lines().last().and_then(|l| l.strip_prefix("ratio ")).unwrap().parse().unwrap();
    assert!(ratio > 0.0, "{stdout}");
}

#[test]
fn bench_data_set_and_write_loop_follow_the_benchmark_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let sizes = ["--dossiers", "20", "--campaigns", "2", "--users", "80", "--audit", "0", "--timers", "0"];
    let out = labelflow(&[&["bench", "dataset", "--database-url", &url, "--workers", "2"][..], &sizes].concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // Two in ten dossiers are left submitted, three labelled (workflows/bench/cmq.toml).
    let totals = stdout.lines().find(|l| l.contains(" dossiers, ")).unwrap_or_default();
    assert!(totals.contains(" 2 campaigns, 20 dossiers, 6 labels, "), "{stdout}");
    let users: usize = totals.trim_start_matches("dataset: ").split(' ').next().unwrap().parse().unwrap();
    assert!(users >= 80, "{stdout}");
    let states = stdout.lines().find_map(|l| l.strip_prefix("dataset: dossiers by state: ")).unwrap_or_default();
    for state in ["draft 6", "submitted 4", "labelled 6"] {
        assert!(states.split(", ").any(|s| s == state), "{state} in {states}");
    }
    let out = labelflow(&["audit", "verify", "--database-url", &url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let again = labelflow(&[&["bench", "dataset", "--database-url", &url][..], &sizes].concat());
    assert!(!again.status.success(), "a second data set is refused");
    assert!(text(&again.stderr).contains("already holds dossiers"), "{}", text(&again.stderr));

    let transitions =
        ["bench", "transitions", "--backend", "sqlite", "--clients", "1", "--seconds", "1", "--rounds", "1"];
    let out = labelflow(&transitions);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let engine = stdout.lines().find(|l| l.starts_with("engine")).unwrap_or_default();
    let sent: usize = engine.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or_default();
    assert!(sent > 0, "the write loop sent steps the engine accepted: {stdout}");
    let ratio: f64 = stdout.lines().last().and_then(|l| l.strip_prefix("ratio ")).unwrap().parse().unwrap();
    assert!(ratio > 0.0, "{stdout}");
}

#[test]
fn bench_growth_compares_a_small_and_a_copied_large_database() {
    let growth =
        ["bench", "growth", "--backend", "sqlite", "--small", "10", "--large", "30", "--seconds", "1", "--rounds", "1"];
    let out = labelflow(&growth);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // "growth: database of N dossiers, L labels, A audit entries, T pending timers"
    let sizes: Vec<Vec<usize>> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("growth: database of "))
        .map(|l| l.split(", ").map(|part| part.split(' ').next().unwrap().parse().unwrap()).collect())
        .collect();
    assert_eq!(sizes.len(), 2, "{stdout}");
    assert_eq!(sizes[0][0], 10, "{stdout}");
    // The large side holds three copies of every dossier, label, audit
    // entry and pending timer of the small one.
    for (small, large) in sizes[0].iter().zip(&sizes[1]) {
        assert!(*small > 0 && *large == 3 * small, "{stdout}");
    }
    for side in ["transitions at 10 dossiers", "transitions at 30 dossiers"] {
        let line = stdout.lines().find(|l| l.starts_with(side)).unwrap_or_default();
        let sent: usize = line[side.len()..].split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or_default();
        assert!(sent > 0, "{side}: {stdout}");
    }
    let ratio: f64 = stdout.lines().last().and_then(|l| l.strip_prefix("ratio ")).unwrap().parse().unwrap();
    assert!(ratio > 0.0, "{stdout}");
}
