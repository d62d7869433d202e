//! Tests of pure functions, one module per source file, kept in the one
//! test binary so the library builds once for the tests.

mod web_api_extract {
    use labelflow::web::api::extract::json_field;

    #[test]
    fn the_field_is_named_never_the_value() {
        let t = "Failed to deserialize the JSON body into the target type: title: invalid type: integer `123`, expected a string at line 1 column 12";
        assert_eq!(
            json_field(t),
            (Some("title".into()), "invalid type: integer `123`, expected a string at line 1 column 12")
        );
        let t = "Failed to deserialize the JSON body into the target type: missing field `title` at line 1 column 2";
        assert_eq!(json_field(t).0.as_deref(), Some("title"));
        let t = "Failed to deserialize the JSON body into the target type: scores.C1: invalid type: string \"x\", expected i64";
        assert_eq!(json_field(t).0.as_deref(), Some("scores.C1"));
        let t = "Failed to parse the request body as JSON: expected value at line 1 column 1";
        assert_eq!(json_field(t).0, None);
    }
}

mod web_limits {
    use axum::http::Method;
    use labelflow::web::limits::*;

    #[test]
    fn limits_follow_the_route() {
        let post = Method::POST;
        assert_eq!(for_route(&post, "/api/v1/dossiers/x/attachments"), UPLOAD);
        assert_eq!(for_route(&post, "/dossiers/x/pieces"), UPLOAD);
        assert_eq!(for_route(&post, "/api/v1/guest/x/files"), UPLOAD, "an outside expert's file");
        assert_eq!(for_route(&post, "/avis/x"), UPLOAD, "the expert's answer with its files");
        assert_eq!(for_route(&post, "/api/v1/admin/import/campuses"), IMPORT);
        assert_eq!(for_route(&post, "/admin/import"), IMPORT_FORM);
        assert_eq!(for_route(&post, "/api/v1/dossiers"), JSON);
        assert_eq!(for_route(&post, "/api/v1/dossiers/x/attachments/extra"), JSON);
        assert_eq!(for_route(&post, "/connexion"), FORM);
        assert_eq!(for_route(&Method::GET, "/api/v1/dossiers/x/attachments"), FORM);
    }
}

mod reference {
    use labelflow::reference::*;

    #[test]
    fn broken_lists_are_refused_with_the_reason() {
        let parent = "list = \"p\"\nversion = \"1\"\nlabel = \"P\"\nitems = [{ code = \"A\", label = \"a\" }]\n";
        let child = "list = \"c\"\nversion = \"1\"\nlabel = \"C\"\nparent = { list = \"p\", key = \"p\" }\n\
                     items = [{ code = \"X\", label = \"x\", parent = \"B\" }]\n";
        let err = Lists::parse([("p.toml".to_string(), parent), ("c.toml".to_string(), child)]).unwrap_err();
        assert!(err.contains("`X` points at no item of `p`"), "{err}");
        let twice = parent.replace("}]", "}, { code = \"A\", label = \"b\" }]");
        let err = Lists::parse([("p.toml".to_string(), twice.as_str())]).unwrap_err();
        assert!(err.contains("`A` is listed twice"), "{err}");
        assert!(Lists::parse([("p.toml".to_string(), "list = 1")]).unwrap_err().starts_with("p.toml: "));
    }
}

mod app_export {
    use labelflow::app::export::*;
    use labelflow::workflow::Workflows;

    #[test]
    fn csv_quotes_what_needs_it() {
        let line = String::from_utf8(csv_line(&["Campus « Mer, Littoral »", "dit \"le grand\"", "plain"])).unwrap();
        assert_eq!(line, "\"Campus « Mer, Littoral »\",\"dit \"\"le grand\"\"\",plain\n");
    }

    #[test]
    fn the_columns_hold_what_import_needs() {
        let shipped = labelflow::workflow::load_shipped().unwrap().into_iter().map(|l| l.definition).collect();
        let workflows = Workflows::new(shipped).unwrap();
        let names = column_names(&workflows);
        for column in labelflow::app::import::columns(workflows.primary()) {
            assert!(names.contains(&column), "{column}");
        }
    }
}

mod app_import {
    use chrono::NaiveDate;
    use labelflow::app::import::*;
    use labelflow::engine::TimerOp;
    use labelflow::store::imports::LabelRecord;

    #[test]
    fn a_label_is_placed_where_its_timers_take_it() {
        // The shipped workflow with a renewal window.
        let shipped = labelflow::workflow::load_shipped().unwrap().into_iter().map(|l| l.definition);
        let def = shipped.into_iter().find(|d| d.label_machine.state("renewal_open").is_some()).unwrap();
        let record = |until: &str| LabelRecord {
            valid_from: NaiveDate::from_ymd_opt(2020, 9, 1).unwrap(),
            valid_until: NaiveDate::parse_from_str(until, "%Y-%m-%d").unwrap(),
            ..Default::default()
        };
        // Noon in Paris: the renewal window of the shipped file opens at 09:00.
        let now = labelflow::calendar::paris_instant(
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
        );
        let (expired, timers) = placed(&def, &record("2026-11-22"), now);
        assert_eq!((expired.as_str(), timers.timers.len()), ("expired", 0));
        let (open, timers) = placed(&def, &record("2027-11-23"), now);
        assert_eq!(open, "renewal_open");
        let names: Vec<&str> = timers
            .timers
            .iter()
            .filter_map(|t| match t {
                TimerOp::Start { name, due_at, .. } => Some(name.as_str()).filter(|_| *due_at > now),
                _ => None,
            })
            .collect();
        assert!(names.contains(&"end_of_validity") && !names.contains(&"renewal_window"), "{names:?}");
        assert_eq!(placed(&def, &record("2027-11-24"), now).0, "active");
        assert!(timers.messages.is_empty(), "an import notifies nobody");
    }
}

mod app_throttle {
    use chrono::{Duration, TimeZone, Utc};
    use labelflow::app::throttle::*;
    use labelflow::store::throttle::Counter;

    #[test]
    fn locks_start_after_the_free_failures_and_double() {
        assert_eq!(Kind::Pair.lock_seconds(4), None);
        assert_eq!(Kind::Pair.lock_seconds(5), Some(60));
        assert_eq!(Kind::Pair.lock_seconds(6), Some(120));
        assert_eq!(Kind::Pair.lock_seconds(40), Some(900));
        assert_eq!(Kind::Account.lock_seconds(19), None);
        assert_eq!(Kind::Client.lock_seconds(30), Some(60));
    }

    #[test]
    fn an_account_lock_spares_clients_without_recent_failures() {
        let now = Utc.with_ymd_and_hms(2027, 1, 1, 9, 0, 0).unwrap();
        let us = labelflow::store::to_micros(now);
        let keys = keys("10.0.0.9", " Agnes@X.fr ");
        assert_eq!(keys[1], "account:agnes@x.fr");
        let locked = Counter { failures: 20, last_at: us, locked_until: Some(us + 60_000_000) };
        let account = vec![(keys[1].clone(), locked)];
        assert_eq!(locked_until(&account, &keys, now), None, "a clean client gets in");
        let mut suspect = account.clone();
        suspect.push((keys[2].clone(), Counter { failures: 1, last_at: us - 1_000_000, locked_until: None }));
        assert_eq!(locked_until(&suspect, &keys, now), Some(now + Duration::seconds(60)));
        let pair = vec![(keys[0].clone(), locked)];
        assert_eq!(locked_until(&pair, &keys, now), Some(now + Duration::seconds(60)));
        let over = vec![(keys[0].clone(), Counter { locked_until: Some(us - 1), ..locked })];
        assert_eq!(locked_until(&over, &keys, now), None, "the lock ends");
    }
}

mod engine_form {
    use labelflow::engine::form::*;

    #[test]
    fn uai_check_letters() {
        assert_eq!(uai("0750655e").unwrap(), "0750655E");
        assert_eq!(uai(" 0750654D ").unwrap(), "0750654D");
        assert!(uai("0750655F").unwrap_err().contains("check letter would be E"));
        assert!(uai("075065E").is_err());
        assert!(uai("07506551").is_err());
    }

    #[test]
    fn siret_luhn() {
        // The SIRET of a well-known head office, and one digit changed.
        assert_eq!(siret("732 829 320 00074").unwrap(), "73282932000074");
        assert!(siret("73282932000075").unwrap_err().contains("check digit"));
        assert!(siret("7328293200007").is_err());
        // La Poste: digits summing to a multiple of 5.
        assert!(siret("35600000000001").is_ok());
        assert!(siret("35600000000002").is_err());
    }
}

mod mail_smtp {
    use labelflow::mail::smtp::*;

    #[test]
    fn urls() {
        let t = SmtpTarget::from_url("smtp://127.0.0.1:2525", None).unwrap();
        assert_eq!((t.host.as_str(), t.port, t.security), ("127.0.0.1", 2525, Security::Plain));
        let t = SmtpTarget::from_url("smtp://mail.example.fr?tls=required", None).unwrap();
        assert_eq!((t.port, t.security), (587, Security::StartTls));
        let t = SmtpTarget::from_url("smtps://mail.example.fr", None).unwrap();
        assert_eq!((t.port, t.security), (465, Security::Tls));
        assert!(SmtpTarget::from_url("http://x", None).unwrap_err().contains("scheme"));
        assert!(SmtpTarget::from_url("smtp://x?tls=maybe", None).unwrap_err().contains("tls=maybe"));
    }
}

mod mail_render {
    use labelflow::mail::render::*;

    #[test]
    fn every_workflow_template_has_a_file_and_renders_in_french() {
        use labelflow::store::password_links::LINK_TEMPLATES;
        // The accounts' own e-mails are the engine's, not a workflow's.
        let mut names: Vec<&str> = NAMES.iter().copied().filter(|n| !ENGINE_TEMPLATES.contains(n)).collect();
        let mut wanted: Vec<&str> = labelflow::workflow::vocabulary::TEMPLATES.to_vec();
        names.sort_unstable();
        wanted.sort_unstable();
        assert_eq!(names, wanted, "templates/mail and the workflow vocabulary must list the same names");
        assert!(LINK_TEMPLATES.iter().all(|t| NAMES.contains(t)));
        let c = MailContext {
            recipient: "Claire Dubois".into(),
            title: "Campus <Chimie> & Verte".into(),
            link: "https://labelflow.example/dossiers/1".into(),
            due: "10/03/2027 à 23:59".into(),
            ..Default::default()
        };
        // The audit digest speaks of no dossier: it gives the day's hash.
        let audit = MailContext { message: format!("Empreinte :\n{}", "ab12".repeat(16)), ..c.clone() };
        let r = render("audit_digest", &audit).unwrap();
        assert!(r.text.starts_with("Bonjour Claire Dubois,") && r.text.contains(&audit.message), "{}", r.text);
        assert!(r.html.contains(&"ab12".repeat(16)) && r.html.contains("lang=\"fr\""), "{}", r.html);
        for name in NAMES.iter().filter(|n| !LINK_TEMPLATES.contains(n) && **n != "audit_digest") {
            // The digest names its dossiers in the lines it gathers.
            let lines = MailContext { message: format!("• Portage demandé — {}", c.title), ..c.clone() };
            let r = render(name, if *name == "digest" { &lines } else { &c }).unwrap();
            assert!(!r.subject.is_empty() && !r.subject.starts_with("Objet"), "{name}: {}", r.subject);
            assert!(r.text.starts_with("Bonjour Claire Dubois,"), "{name}: {}", r.text);
            assert!(r.text.contains("Campus <Chimie> & Verte"), "{name}: plain text keeps the title as is");
            assert!(
                r.html.contains("lang=\"fr\"") && r.html.contains("Campus &#60;Chimie&#62; &#38; Verte"),
                "{name}: HTML escapes: {}",
                r.html
            );
            assert!(r.html.contains("https://labelflow.example/dossiers/1"));
        }
        let link = MailContext {
            email: "claire@example.fr".into(),
            link_purpose: "choisir votre mot de passe".into(),
            ..c.clone()
        };
        for name in LINK_TEMPLATES {
            let r = render(name, &link).unwrap();
            assert!(r.text.starts_with("Bonjour Claire Dubois,") && r.text.contains("claire@example.fr"), "{}", r.text);
            assert!(r.text.contains("avant le 10/03/2027 à 23:59"), "{name}: {}", r.text);
            let sentence = "Pour choisir votre mot de passe : https://labelflow.example/dossiers/1";
            assert!(r.text.contains(sentence), "{name}: {}", r.text);
            assert!(r.html.contains(">Choisir votre mot de passe</a>"), "{name}: {}", r.html);
        }
        let r = render("completion_requested", &c).unwrap();
        assert_eq!(r.subject, "Compléments demandés avant le 10/03/2027 à 23:59 — Campus <Chimie> & Verte");
        assert!(matches!(render("nope", &c), Err(RenderError::Unknown(_))));
    }
}

mod spreadsheet {
    use labelflow::spreadsheet::cell;

    #[test]
    fn formulas_become_text() {
        for risky in ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=1+1", "\r=1", "=HYPERLINK(\"http://x\")"] {
            assert_eq!(cell(risky), format!("'{risky}"), "{risky:?}");
        }
        for plain in ["Campus Bois", "2027-01-01", "", "user:42", "{\"a\":1}", "1-2"] {
            assert_eq!(cell(plain), plain);
        }
    }
}

mod workflow_criteria {
    use labelflow::workflow::criteria::parse_grid;

    const HEADER: &str = "[grid]\nid = \"g\"\nlabel = \"G\"\nmin = 0\nmax = 4\nthresholds = [\"low\", \"high\"]\n";

    fn criterion(code: &str, bars: &str) -> String {
        format!("\n[[criteria]]\ncode = \"{code}\"\ngroup = \"A\"\nlabel = \"L\"\ndescriptor = \"D\"\n{bars}\n")
    }

    #[test]
    fn thresholds_are_named_by_the_grid_and_ordered() {
        let good = format!("{HEADER}{}", criterion("a", "low = 1\nhigh = 3"));
        let grid = parse_grid(&good).unwrap();
        assert_eq!(grid.top_threshold(&grid.criteria[0]), Some(3));
        let bad = format!(
            "{HEADER}{}{}{}",
            criterion("b", "low = 3\nhigh = 2"),
            criterion("c", "low = 1"),
            criterion("d", "low = 1\nhigh = 2\nmid = 9")
        );
        let problems: Vec<String> = parse_grid(&bad).unwrap_err().into_iter().map(|(_, m)| m).collect();
        assert!(
            problems.contains(&"criterion `b`: high threshold is below the low one (3)".to_string()),
            "{problems:?}"
        );
        assert!(problems.contains(&"criterion `c`: the `high` threshold is missing".to_string()), "{problems:?}");
        assert!(problems.contains(&"criterion `d`: mid threshold 9 is outside 0..4".to_string()), "{problems:?}");
        assert!(problems.contains(&"criterion `d`: `mid` is not a threshold of the grid".to_string()), "{problems:?}");
    }
}

mod workflow_rules {
    use labelflow::workflow::rules::Ty::{self, Map};
    use labelflow::workflow::rules::*;
    use serde_json::json;

    fn facts() -> Vec<(String, Ty)> {
        let form = json!({"title": "x", "partners": [{"name": "x", "type": "x"}]});
        vec![("form".into(), Ty::of_json(&form)), ("averages".into(), Map(Box::new(Ty::Double)))]
    }

    #[test]
    fn names_the_line_of_an_unknown_field() {
        let e = Expr::compile("form.title != ''\n  && form.partners.exists(p, p.typ == 'x')").unwrap();
        let found = e.unknown_names(&facts());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, 2);
        assert!(found[0].1.contains("`p` has no field `typ`") && found[0].1.contains("name, type"), "{found:?}");
    }

    #[test]
    fn knows_names_maps_and_scalars() {
        assert!(Expr::compile("averages['C1'] > 2.0 && has(form.title)").unwrap().unknown_names(&facts()).is_empty());
        let found = Expr::compile("form.titel == '' || nobody || form.title.size").unwrap().unknown_names(&facts());
        let messages: Vec<&str> = found.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].contains("no field `titel`"));
        assert!(messages[1].contains("unknown name `nobody`"));
        assert!(messages[2].contains("is a string"));
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let problems = Expr::compile("form.title == ''\n && (").unwrap_err();
        assert_eq!(problems[0].0, 2, "{problems:?}");
    }
}

mod ical {
    use chrono::{TimeZone, Utc};
    use labelflow::ical::*;

    #[test]
    fn long_lines_fold_on_character_boundaries() {
        let mut out = String::new();
        line(&mut out, &format!("SUMMARY:{}", "é".repeat(60)));
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        assert_eq!(out.replace("\r\n ", ""), format!("SUMMARY:{}\r\n", "é".repeat(60)));
    }

    #[test]
    fn text_is_escaped_and_times_are_paris_wall_time() {
        let event = CalEvent {
            uid: "x@labelflow".into(),
            summary: "Clôture ; appel, 2027".into(),
            description: "ligne 1\nligne 2".into(),
            url: String::new(),
            when: When::Instant(Utc.with_ymd_and_hms(2027, 3, 31, 21, 59, 0).unwrap()),
            sequence: 2,
        };
        let text = render("Échéances", &[event], Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap());
        assert!(text.contains("SUMMARY:Clôture \\; appel\\, 2027\r\n"), "{text}");
        assert!(text.contains("DESCRIPTION:ligne 1\\nligne 2\r\n"));
        assert!(text.contains("DTSTART;TZID=Europe/Paris:20270331T235900\r\n"), "summer time: UTC+2");
        assert!(text.ends_with("END:VCALENDAR\r\n"));
    }
}

mod bench_http {
    use labelflow::bench::http::*;

    #[test]
    fn reads_a_wrk_report() {
        let report = "Running 2s test @ http://127.0.0.1:8080/healthz
  2 threads and 8 connections
  Latency Distribution
     50%  156.00us
     75%  210.00us
     90%  400.00us
     99%    1.02ms
  24567 requests in 2.00s, 3.21MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 5
Requests/sec:  12283.50
Transfer/sec:      1.60MB
";
        let r = parse_wrk(report).unwrap();
        assert_eq!(r.requests, 24567);
        assert!((r.p50_ms - 0.156).abs() < 1e-9);
        assert!((r.p99_ms - 1.02).abs() < 1e-9);
        assert!((r.per_second - 12283.5).abs() < 1e-9);
        assert_eq!((r.non_2xx, r.socket_errors), (5, 3));
        assert_eq!(duration_ms("1.50s"), Some(1500.0));
        assert!(parse_wrk("unable to connect").is_none());
    }
}

mod search {
    use labelflow::search::{key, words};

    #[test]
    fn folds_case_accents_and_punctuation() {
        assert_eq!(key("Campus « Aéronautique », Œuvre d'ÉTÉ"), " campus aeronautique oeuvre d ete ");
        assert_eq!(words("  AÉRO-nautique "), ["aero", "nautique"]);
        assert_eq!(key("«»"), " ");
    }
}
