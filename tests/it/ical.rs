//! Calendar feeds read by an independent parser (Python's `icalendar`):
//! the deadlines of each person, Paris time zone, stable UIDs that follow
//! date changes, and addresses that can be replaced and revoked.

use crate::common::*;
use labelflow::engine::Event;
use labelflow::workflow::Machine;
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};

const PARSE: &str = r#"
import json, sys
from icalendar import Calendar
cal = Calendar.from_ical(sys.stdin.buffer.read())
out = []
for e in cal.walk("VEVENT"):
    start = e.decoded("DTSTART")
    tz = getattr(getattr(start, "tzinfo", None), "key", None) or (str(start.tzinfo) if getattr(start, "tzinfo", None) else "date")
    out.append({"uid": str(e["UID"]), "summary": str(e["SUMMARY"]), "start": start.isoformat(), "tz": tz,
                "sequence": int(e.get("SEQUENCE", 0))})
zones = [str(z["TZID"]) for z in cal.walk("VTIMEZONE")]
print(json.dumps({"events": out, "zones": zones}))
"#;

/// The feed as `icalendar` reads it; None when Python or the package is
/// missing outside CI.
fn parse(ics: &str) -> Option<Value> {
    let ready = Command::new("python3").args(["-c", "import icalendar"]).output().is_ok_and(|o| o.status.success());
    if !ready {
        assert!(std::env::var("CI").is_err(), "CI must install python3-icalendar (.ci/run)");
        eprintln!("python icalendar missing: feed parsing skipped");
        return None;
    }
    let mut child = Command::new("python3")
        .args(["-c", PARSE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(ics.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "icalendar refused the feed: {}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn event<'a>(feed: &'a Value, uid_start: &str) -> &'a Value {
    feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["uid"].as_str().unwrap().starts_with(uid_start))
        .unwrap_or_else(|| panic!("no {uid_start} in {feed:#}"))
}

async fn fetch(url: &str) -> (u16, String) {
    let r = reqwest::get(url).await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn feeds_for_each_person(db: &TestDb) {
    let cast = cast(&db.store).await;
    let served = serve(&db.store, at(2027, 2, 1, 9, 0)).await;
    let app = served.app.clone();
    let campaign = campaign(&db.store, &cast.admin).await;
    let labels = "title,filiere,region,academies,support_establishment,category,valid_from,valid_until\n\
        Campus Industrie du Futur,systemes-innovants-mecatronique,ARA,LYON,Lycée Ampère,standard,2023-06-01,2027-08-31\n\
        Campus Mer,mobilite-aeronautique-transports,BRE,RENNES,Lycée maritime,standard,2023-09-01,2028-08-31\n";
    assert!(app.import_campuses(&cast.admin, None, labels, false).await.unwrap().problems.is_empty());
    // A dossier waiting for completion, another under review.
    let act = |who: labelflow::engine::Actor, id: uuid::Uuid, e: Event| {
        let app = app.clone();
        async move { app.act(&who, Machine::Dossier, id, e).await.expect("step") }
    };
    let mut ids = Vec::new();
    for _ in 0..2 {
        let id = app.create_dossier(&cast.porteur, cast.porteur.user_id.unwrap(), new_dossier(campaign)).await.unwrap();
        add_partner(&db.store, id, "Lycée La Martinière", "eple", &cast.porteur, at(2027, 2, 1, 9, 0)).await.unwrap();
        for body in ["crefop", "conseil_academique"] {
            let opinion = Event::named("record_opinion").with("body", body).with("opinion", "favorable");
            act(cast.region.clone(), id, opinion).await;
        }
        act(cast.rectorat.clone(), id, Event::named("endorse")).await;
        act(cast.region.clone(), id, Event::named("endorse")).await;
        act(cast.porteur.clone(), id, Event::named("submit")).await;
        ids.push(id);
    }
    let completion =
        Event::named("request_completion").with("message", "La convention signée.").with("due", "2027-03-15");
    act(cast.ministeres.clone(), ids[0], completion).await;
    act(cast.ministeres.clone(), ids[1], Event::named("declare_admissible")).await;
    let assign = Event::named("assign_reviewer")
        .with("user_id", cast.rapporteur.user_id.unwrap().to_string())
        .with("due", "2027-05-15");
    act(cast.president.clone(), ids[1], assign).await;

    // Each person makes an address; it is read without logging in.
    let rectorat = Client::login(&served.base, "rectorat@ac-lyon.fr").await;
    let (status, made) = rectorat.post("/api/v1/me/calendar", json!({})).await;
    assert_eq!(status, 201, "{made}");
    let url = made["url"].as_str().unwrap().to_string();
    assert!(url.starts_with(&served.base) && url.ends_with(".ics"), "{url}");
    let (status, ics) = fetch(&url).await;
    assert_eq!(status, 200);
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.contains("TZID:Europe/Paris"));
    let Some(feed) = parse(&ics) else { return };
    assert_eq!(feed["zones"], json!(["Europe/Paris"]));
    let closing = event(&feed, "call-closing.");
    assert_eq!(
        (closing["start"].as_str(), closing["tz"].as_str()),
        (Some("2027-03-31T23:59:00+02:00"), Some("Europe/Paris"))
    );
    let due = event(&feed, &format!("completion.{}", ids[0]));
    assert_eq!(due["start"], "2027-03-15T23:59:00+01:00", "winter time");
    let label = db
        .store
        .labels(&labelflow::store::dossiers::Visibility { all: true, ..Default::default() }, &Default::default())
        .await
        .unwrap();
    let lyon = label.iter().find(|l| l.form["region"] == "ARA").unwrap();
    let expiry = event(&feed, &format!("expiry.{}", lyon.id));
    assert_eq!((expiry["start"].as_str(), expiry["tz"].as_str()), (Some("2027-08-31"), Some("date")));
    assert_eq!(event(&feed, &format!("report-2027.{}", lyon.id))["start"], "2027-06-01");
    assert!(!ics.contains("Campus Mer"), "Brittany is not Lyon's");
    assert!(!ics.contains("review."), "reviews are the rapporteur's");

    let rapporteur = Client::login(&served.base, "rapporteur1@example.fr").await;
    let (_, made) = rapporteur.post("/api/v1/me/calendar", json!({})).await;
    let (_, ics) = fetch(made["url"].as_str().unwrap()).await;
    let feed = parse(&ics).unwrap();
    assert_eq!(event(&feed, &format!("review.{}", ids[1]))["start"], "2027-05-15T23:59:00+02:00");
    assert_eq!(feed["events"].as_array().unwrap().len(), 1, "a rapporteur's own review only: {feed}");

    // A date that moves keeps its UID and raises its sequence.
    let first = event(&parse(&fetch(&url).await.1).unwrap(), &format!("expiry.{}", lyon.id)).clone();
    let moved = labels.replace("2023-06-01,2027-08-31", "2023-06-01,2027-12-31");
    assert!(app.import_campuses(&cast.admin, None, &moved, false).await.unwrap().written);
    let feed = parse(&fetch(&url).await.1).unwrap();
    let after = event(&feed, &format!("expiry.{}", lyon.id));
    assert_eq!((after["uid"].clone(), after["start"].as_str()), (first["uid"].clone(), Some("2027-12-31")));
    assert!(after["sequence"].as_i64() > first["sequence"].as_i64(), "{first} → {after}");

    // Replaced: the old address is gone. Revoked: no address at all.
    let (_, again) = rectorat.post("/api/v1/me/calendar", json!({})).await;
    assert_eq!(fetch(&url).await.0, 404);
    let new_url = again["url"].as_str().unwrap().to_string();
    assert_eq!(fetch(&new_url).await.0, 200);
    assert_eq!(rectorat.get("/api/v1/me/calendar").await.1["active"], true);
    assert_eq!(rectorat.delete("/api/v1/me/calendar").await.0, 204);
    assert_eq!(fetch(&new_url).await.0, 404);
    assert_eq!(rectorat.get("/api/v1/me/calendar").await.1["active"], false);
    assert_eq!(fetch(&format!("{}/ical/nimportequoi.ics", served.base)).await.0, 404);

    // The address is built from the site's own address, whatever Host the
    // request claims.
    let forged: Value = reqwest::Client::new()
        .post(format!("{}/api/v1/me/calendar", served.base))
        .bearer_auth(rapporteur.token.as_deref().unwrap())
        .header("host", "evil.example")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let forged_url = forged["url"].as_str().unwrap().to_string();
    assert!(forged_url.starts_with(&served.base), "{forged_url}");
    // A new password ends the feeds with the other sessions.
    assert_eq!(fetch(&forged_url).await.0, 200);
    let (status, _) =
        rapporteur.post("/api/v1/me/password", json!({"current": PASSWORD, "new": "un-tout-nouveau-mot"})).await;
    assert_eq!(status, 204);
    assert_eq!(fetch(&forged_url).await.0, 404, "revoked with the password change");
}

on_both_backends!(feeds_for_each_person);
