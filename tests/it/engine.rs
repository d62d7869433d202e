//! The pure engine against the shipped CMQ workflow: no database.

use crate::common::{at, cmq};
use chrono::{DateTime, Utc};
use labelflow::engine::*;
use labelflow::workflow::{Definition, Machine, Role};
use proptest::prelude::*;
use serde_json::json;
use uuid::Uuid;

struct World {
    def: Definition,
    owner: Actor,
    rectorat: Actor,
    region: Actor,
    president: Actor,
    ministeres: Actor,
    admin: Actor,
    rapporteurs: Vec<(Actor, Person)>,
    outsider: Actor,
}

fn actor(roles: &[(Role, Option<&str>)]) -> Actor {
    Actor::user(
        Uuid::new_v4(),
        roles.iter().map(|(r, s)| Grant { role: r.clone(), scope: s.and_then(Scope::parse) }).collect(),
    )
}

fn world() -> World {
    let rapporteurs = ["academie:PARIS", "region:BRE", "academie:LYON"]
        .iter()
        .map(|aff| {
            let a = actor(&[(Role::new("rapporteur"), None)]);
            let p = Person {
                user_id: a.user_id.unwrap(),
                roles: vec![Role::new("rapporteur")],
                affiliations: vec![Scope::parse(aff).unwrap()],
            };
            (a, p)
        })
        .collect();
    World {
        def: cmq(),
        owner: actor(&[(Role::new("porteur"), None)]),
        rectorat: actor(&[(Role::new("staff_rectorat"), Some("academie:LYON"))]),
        region: actor(&[(Role::new("staff_region"), Some("region:ARA"))]),
        president: actor(&[(Role::new("president"), None)]),
        ministeres: actor(&[(Role::new("ministeres"), None)]),
        admin: actor(&[(Role::admin(), None)]),
        rapporteurs,
        outsider: actor(&[(Role::new("staff_rectorat"), Some("academie:PARIS"))]),
    }
}

fn dossier(w: &World) -> Instance {
    Instance {
        machine: Machine::Dossier,
        id: Uuid::new_v4(),
        state: "draft".into(),
        version: 1,
        facts: Facts::Dossier(Box::new(DossierFacts {
            owners: vec![w.owner.user_id.unwrap()],
            title: "Campus Aéronautique".into(),
            kind: "creation".into(),
            category: "standard".into(),
            scopes: vec![Scope::new("academie", "LYON"), Scope::new("region", "ARA")],
            form: serde_json::json!({
                "filiere": "mobilite-aeronautique-transports",
                "region": "ARA",
                "academies": ["LYON"],
                "support_establishment": "Lycée Jean Mermoz",
                "directeur_operationnel": "Paul Martin",
                "partners": [{"name": "Lycée Jean Mermoz", "type": "eple"}],
            })
            .as_object()
            .cloned()
            .unwrap(),
            // The CREFOP and the CAEN have given their opinions: the
            // rectorat and the région may present it.
            records: [(
                "opinion".to_string(),
                ["crefop", "conseil_academique"]
                    .iter()
                    .map(|b| json!({"body": b, "opinion": "favorable"}).as_object().cloned().unwrap())
                    .collect(),
            )]
            .into(),
            call_opens_at: Some(at(2027, 1, 15, 8, 0)),
            call_closes_at: Some(at(2027, 3, 31, 21, 59)),
            ..Default::default()
        })),
        // As created: the two call-closing reminders are pending.
        pending_timers: vec![("call_closing_7d".into(), None), ("call_closing_1d".into(), None)],
        workflow: "cmq".into(),
        workflow_version: None,
    }
}

/// Applies a plan to an in-memory instance the way the store would.
fn commit(instance: &Instance, plan: &Plan) -> Instance {
    Instance {
        state: plan.to_state.clone(),
        version: instance.version + 1,
        facts: apply_records(&cmq(), &instance.facts, &plan.records),
        pending_timers: pending_after(&instance.pending_timers, plan),
        ..instance.clone()
    }
}

fn pending_after(before: &[(String, Option<Uuid>)], plan: &Plan) -> Vec<(String, Option<Uuid>)> {
    let mut pending = before.to_vec();
    for op in &plan.effects.timers {
        match op {
            TimerOp::Start { name, key, .. } => pending.push((name.clone(), *key)),
            TimerOp::Cancel { name, key } => pending.retain(|(n, k)| !(n == name && k == key)),
            TimerOp::CancelAll => pending.clear(),
        }
    }
    pending
}

fn now() -> DateTime<Utc> {
    at(2027, 2, 1, 10, 0)
}

fn refused(w: &World, i: &Instance, e: Event, a: &Actor) -> Refusal {
    decide(&w.def, i, &e, a, now()).expect_err("should be refused")
}

#[test]
fn submit_needs_both_endorsements_then_succeeds() {
    let w = world();
    let mut d = dossier(&w);
    let r = refused(&w, &d, Event::named("submit"), &w.owner);
    assert!(matches!(r, Refusal::GuardFailed { ref code, .. } if code == "not_endorsed"), "{r:?}");
    for staff in [&w.rectorat, &w.region] {
        let plan = decide(&w.def, &d, &Event::named("endorse"), staff, now()).unwrap();
        assert_eq!(plan.to_state, "draft");
        d = commit(&d, &plan);
    }
    let r = refused(&w, &d, Event::named("endorse"), &w.rectorat);
    assert!(matches!(r, Refusal::GuardFailed { ref code, .. } if code == "already_endorsed"), "{r:?}");
    let plan = decide(&w.def, &d, &Event::named("submit"), &w.owner, now()).unwrap();
    assert_eq!(plan.to_state, "submitted");
    assert_eq!(plan.expected_version, d.version);
    assert!(plan.effects.messages.iter().any(|m| m.template == "submission_receipt"));
    let cancelled: Vec<&str> = plan
        .effects
        .timers
        .iter()
        .filter_map(|t| match t {
            TimerOp::Cancel { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(cancelled, ["call_closing_7d", "call_closing_1d"]);
    // Without pending timers there is nothing to cancel, and the plan says so.
    let bare = Instance { pending_timers: vec![], ..d.clone() };
    let plan = decide(&w.def, &bare, &Event::named("submit"), &w.owner, now()).unwrap();
    assert!(plan.effects.timers.is_empty(), "{:?}", plan.effects.timers);
}

/// The opinions come first: the rectorat and the région present a dossier
/// the CREFOP and the CAEN have given their opinion on.
#[test]
fn endorsement_waits_for_both_opinions() {
    let w = world();
    let mut d = dossier(&w);
    if let Facts::Dossier(f) = &mut d.facts {
        f.records.get_mut("opinion").unwrap().truncate(1);
    }
    let r = refused(&w, &d, Event::named("endorse"), &w.region);
    assert!(
        matches!(&r, Refusal::GuardFailed { code, message, .. } if code == "opinions_missing" && message.contains("(CAEN)")),
        "{r:?}"
    );
}

#[test]
fn roles_count_only_in_scope() {
    let w = world();
    let d = dossier(&w);
    assert!(matches!(refused(&w, &d, Event::named("endorse"), &w.outsider), Refusal::NotAllowed { .. }));
    assert!(matches!(refused(&w, &d, Event::named("submit"), &w.president), Refusal::NotAllowed { .. }));
    let stranger = actor(&[(Role::new("porteur"), None)]);
    assert!(matches!(refused(&w, &d, Event::named("submit"), &stranger), Refusal::NotAllowed { .. }));
    assert!(
        matches!(refused(&w, &d, Event::named("open_renewal"), &Actor::system()), Refusal::InvalidInput { ref field, .. } if field == "event")
    );
}

#[test]
fn call_window_is_enforced() {
    let w = world();
    let mut d = dossier(&w);
    for staff in [&w.rectorat, &w.region] {
        d = commit(&d, &decide(&w.def, &d, &Event::named("endorse"), staff, now()).unwrap());
    }
    let late = at(2027, 3, 31, 22, 0);
    let r = decide(&w.def, &d, &Event::named("submit"), &w.owner, late).unwrap_err();
    assert!(
        matches!(r, Refusal::GuardFailed { ref code, ref message, .. } if code == "call_closed" && message.contains("31/03/2027 23:59")),
        "{r:?}"
    );
}

#[test]
fn input_is_validated_with_field_and_reason() {
    let w = world();
    let d = reviewed_dossier(&w, 2);
    let decide_with = |e: Event| decide(&w.def, &d, &e, &w.ministeres, now());
    let base =
        || Event::named("decide").with("outcome", "labelled").with("category", "standard").with("motivation", "ok");
    let cases = [
        (base().with("years", 6), "years", "at most 5"),
        (base().with("years", 0), "years", "at least 1"),
        (base().with("years", "two"), "years", "whole number"),
        (Event::named("decide").with("outcome", "maybe").with("motivation", "x"), "outcome", "one of"),
        (Event::named("decide").with("outcome", "rejected"), "motivation", "required"),
        (base().with("years", 3).with("colour", "blue"), "colour", "takes no field"),
        (base(), "years", "required when outcome is labelled"),
    ];
    for (event, field, reason) in cases {
        match decide_with(event) {
            Err(Refusal::InvalidInput { field: f, reason: r }) => {
                assert_eq!(f, field);
                assert!(r.contains(reason), "{r}");
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    let ok = decide_with(base().with("years", 3)).unwrap();
    assert_eq!(ok.to_state, "labelled");
    let label = ok.new_label.expect("label");
    assert_eq!(
        (label.valid_from.to_string(), label.valid_until.to_string()),
        ("2027-02-01".into(), "2030-01-31".into())
    );
    // The arrêté's date, when given, starts the validity.
    let dated = decide_with(base().with("years", 3).with("arrete_date", "2027-01-20")).unwrap();
    let label = dated.new_label.expect("label");
    assert_eq!(
        (label.valid_from.to_string(), label.valid_until.to_string()),
        ("2027-01-20".into(), "2030-01-19".into())
    );
}

#[test]
fn stale_version_is_refused() {
    let w = world();
    let d = dossier(&w);
    let e = Event { expected_version: Some(0), ..Event::named("withdraw") };
    assert_eq!(refused(&w, &d, e, &w.owner), Refusal::StaleVersion { expected: 0, current: 1 });
}

fn reviewed_dossier(w: &World, score: i64) -> Instance {
    let mut d = dossier(w);
    d.state = "under_review".into();
    if let Facts::Dossier(f) = &mut d.facts {
        for (a, _) in &w.rapporteurs[..2] {
            let scores = w.def.grid.criteria.iter().map(|c| (c.code.clone(), score)).collect();
            f.reviewers.push(Reviewer { user_id: a.user_id.unwrap(), due: at(2027, 5, 1, 0, 0), scores: Some(scores) });
        }
    }
    d.state = "avis_given".into();
    d
}

#[test]
fn excellence_requires_thresholds_or_an_override() {
    let w = world();
    let excellence = || {
        Event::named("decide")
            .with("outcome", "labelled")
            .with("category", "excellence")
            .with("years", 5)
            .with("motivation", "m")
    };
    let weak = reviewed_dossier(&w, 3);
    let r = refused(&w, &weak, excellence(), &w.ministeres);
    assert!(
        matches!(r, Refusal::GuardFailed { ref code, ref message, .. } if code == "excellence_thresholds_not_met" && message.contains("c01_diagnostic")),
        "{r:?}"
    );
    let plan = decide(
        &w.def,
        &weak,
        &excellence().with("excellence_override", "Enjeu national reconnu."),
        &w.ministeres,
        now(),
    )
    .unwrap();
    assert_eq!(plan.new_label.unwrap().category, "excellence");
    let strong = reviewed_dossier(&w, 4);
    assert!(decide(&w.def, &strong, &excellence(), &w.ministeres, now()).is_ok());
    // The mention asks more on the marked criteria only: 4 on those, the
    // ordinary bar (2) on the others is enough.
    let mut marked = reviewed_dossier(&w, 2);
    if let Facts::Dossier(f) = &mut marked.facts {
        for r in &mut f.reviewers {
            for c in &w.def.grid.criteria {
                r.scores.as_mut().unwrap().insert(c.code.clone(), c.thresholds["excellence"]);
            }
        }
    }
    assert!(decide(&w.def, &marked, &excellence(), &w.ministeres, now()).is_ok());
    let unmarked: Vec<&str> = w
        .def
        .grid
        .criteria
        .iter()
        .filter(|c| c.thresholds["excellence"] == c.thresholds["standard"])
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(unmarked.len(), 6, "five criteria carry the higher bar: {unmarked:?}");
}

/// The ordinary bar holds for every label: a favourable avis or a
/// labelling below it is refused, naming the criteria; an unfavourable
/// avis is not.
#[test]
fn the_ordinary_threshold_is_enforced() {
    let w = world();
    let mut weak = reviewed_dossier(&w, 1);
    weak.state = "reviewed".into();
    let avis = |a: &str| {
        Event::named("give_avis").with("avis", a).with("category", "standard").with("years", 3).with("motivation", "m")
    };
    let r = refused(&w, &weak, avis("favorable"), &w.president);
    assert!(
        matches!(&r, Refusal::GuardFailed { code, message, .. } if code == "standard_thresholds_not_met" && message.contains("c01_diagnostic")),
        "{r:?}"
    );
    let plan = decide(&w.def, &weak, &avis("defavorable"), &w.president, now()).unwrap();
    assert_eq!(plan.to_state, "avis_given");
    weak.state = "avis_given".into();
    let label = Event::named("decide")
        .with("outcome", "labelled")
        .with("category", "standard")
        .with("years", 3)
        .with("motivation", "m");
    let r = refused(&w, &weak, label, &w.ministeres);
    assert!(matches!(&r, Refusal::GuardFailed { code, .. } if code == "standard_thresholds_not_met"), "{r:?}");
}

/// The arrêté takes the mention and duration the expert group proposed
/// unless it says otherwise.
#[test]
fn the_arrete_follows_the_avis_unless_it_says_otherwise() {
    let w = world();
    let mut d = reviewed_dossier(&w, 4);
    d.state = "reviewed".into();
    let avis = Event::named("give_avis")
        .with("avis", "favorable")
        .with("category", "excellence")
        .with("years", 4)
        .with("motivation", "Enjeu national.");
    let plan = decide(&w.def, &d, &avis, &w.president, now()).unwrap();
    assert!(plan.effects.messages.iter().any(|m| m.template == "avis_given"), "{:?}", plan.effects.messages);
    d = commit(&d, &plan);
    let arrete = || Event::named("decide").with("outcome", "labelled").with("motivation", "Arrêté.");
    let plan = decide(&w.def, &d, &arrete(), &w.ministeres, now()).unwrap();
    let label = plan.new_label.expect("a label");
    assert_eq!((label.category.as_str(), label.years), ("excellence", 4));
    let plan =
        decide(&w.def, &d, &arrete().with("category", "standard").with("years", 2), &w.ministeres, now()).unwrap();
    let label = plan.new_label.expect("a label");
    assert_eq!((label.category.as_str(), label.years), ("standard", 2));
    // The president gives the avis; the ministries decide.
    assert!(matches!(refused(&w, &d, arrete(), &w.president), Refusal::NotAllowed { .. }));
}

#[test]
fn conflict_of_interest_and_review_flow() {
    let w = world();
    let mut d = dossier(&w);
    d.state = "admissible".into();
    let assign = |i: usize| {
        let (_, p) = &w.rapporteurs[i];
        Event {
            subject: Some(p.clone()),
            ..Event::named("assign_reviewer").with("user_id", p.user_id.to_string()).with("due", "2027-05-15")
        }
    };
    let r = refused(&w, &d, assign(2), &w.president);
    assert!(
        matches!(r, Refusal::GuardFailed { ref code, ref message, .. } if code == "conflict_of_interest" && message.ends_with(": LYON.")),
        "{r:?}"
    );
    // An organisation matches whatever its case and accents' case.
    let mut outsider = w.rapporteurs[0].1.clone();
    outsider.user_id = Uuid::new_v4();
    outsider.affiliations = vec![Scope::new("org", " LYCÉE JEAN MERMOZ ")];
    let by_org = Event {
        subject: Some(outsider.clone()),
        ..Event::named("assign_reviewer").with("user_id", outsider.user_id.to_string()).with("due", "2027-05-15")
    };
    let r = refused(&w, &d, by_org, &w.president);
    assert!(matches!(r, Refusal::GuardFailed { ref code, .. } if code == "conflict_of_interest"), "{r:?}");
    for i in 0..2 {
        let plan = decide(&w.def, &d, &assign(i), &w.president, now()).unwrap();
        assert_eq!(plan.effects.timers.len(), 3, "two reminders and the escalation");
        d = commit(&d, &plan);
    }
    let r = refused(&w, &d, assign(0), &w.president);
    assert!(matches!(r, Refusal::GuardFailed { ref code, .. } if code == "already_assigned"));
    let scores =
        json!(w.def.grid.criteria.iter().map(|c| (c.code.clone(), json!(2))).collect::<serde_json::Map<_, _>>());
    let review = Event::named("submit_review").with("scores", scores).with("comment", "RAS");
    let outsider_review = refused(&w, &d, review.clone(), &w.rapporteurs[2].0);
    assert!(matches!(outsider_review, Refusal::NotAllowed { .. }), "an unassigned rapporteur may not review");
    let first = decide(&w.def, &d, &review, &w.rapporteurs[0].0, now()).unwrap();
    assert_eq!(first.to_state, "under_review");
    d = commit(&d, &first);
    let again = refused(&w, &d, review.clone(), &w.rapporteurs[0].0);
    assert!(matches!(again, Refusal::GuardFailed { ref code, .. } if code == "review_already_submitted"));
    let last = decide(&w.def, &d, &review, &w.rapporteurs[1].0, now()).unwrap();
    assert_eq!(last.to_state, "reviewed");
}

#[test]
fn label_timers_follow_the_calendar() {
    let w = world();
    let mut d = reviewed_dossier(&w, 2);
    d.state = "avis_given".into();
    let e = Event::named("decide")
        .with("outcome", "labelled")
        .with("category", "standard")
        .with("years", 1)
        .with("motivation", "m");
    // Decided on 31 August 2027 (Paris): valid until 30 August 2028.
    let plan = decide(&w.def, &d, &e, &w.ministeres, at(2027, 8, 31, 9, 0)).unwrap();
    let label = plan.new_label.unwrap();
    assert_eq!(label.valid_until.to_string(), "2028-08-30");
    let due = |name: &str| {
        label.effects.timers.iter().find_map(|t| match t {
            TimerOp::Start { name: n, due_at, .. } if n == name => Some(due_at.to_rfc3339()),
            _ => None,
        })
    };
    // 30 August 2028 − 6 months = 29 February 2028 (leap year), 09:00 Paris (UTC+1).
    assert_eq!(due("renewal_reminder_6m").as_deref(), Some("2028-02-29T08:00:00+00:00"));
    // The window opening (12 months before) has already passed: it still
    // fires (late), because it changes the label's state.
    assert_eq!(due("renewal_window").as_deref(), Some("2027-08-30T07:00:00+00:00"));
    // End of validity: midnight Paris after the last day (UTC+2 in summer).
    assert_eq!(due("end_of_validity").as_deref(), Some("2028-08-30T22:00:00+00:00"));
}

#[test]
fn terminal_states_accept_no_event() {
    let w = world();
    for (machine, m) in w.def.machines() {
        for state in m.states.iter().filter(|s| s.terminal) {
            assert!(m.events_from(&state.name).is_empty(), "{machine}: {}", state.name);
        }
    }
}

// ---------------------------------------------------------------- properties

fn arbitrary_event(w: &World, pick: u8, actor_pick: u8, value: u8) -> (Event, Actor) {
    let names: Vec<&str> = w.def.dossier.events.iter().map(|e| e.name.as_str()).collect();
    let name = names[pick as usize % names.len()];
    let actors = [
        &w.owner,
        &w.rectorat,
        &w.region,
        &w.president,
        &w.ministeres,
        &w.admin,
        &w.outsider,
        &w.rapporteurs[0].0,
        &w.rapporteurs[1].0,
    ];
    let actor = if name.starts_with("remind") || name.ends_with("overdue") {
        Actor::system()
    } else {
        actors[actor_pick as usize % actors.len()].clone()
    };
    let score = (value % 6) as i64;
    let grid_scores: serde_json::Map<_, _> =
        w.def.grid.criteria.iter().map(|c| (c.code.clone(), json!(score))).collect();
    let (_, person) = &w.rapporteurs[value as usize % w.rapporteurs.len()];
    let mut e = Event::named(name);
    e = match name {
        "record_opinion" => {
            e.with("body", ["crefop", "conseil_academique"][value as usize % 2]).with("opinion", "favorable")
        }
        "request_completion" => e.with("message", "Pièces manquantes").with("due", "2027-03-01"),
        "declare_inadmissible" | "reopen" => e.with("reason", "motif"),
        "assign_reviewer" => {
            let mut e = e.with("user_id", person.user_id.to_string()).with("due", "2027-05-15");
            e.subject = Some(person.clone());
            e
        }
        "submit_review" => e.with("scores", serde_json::Value::Object(grid_scores)).with("comment", "c"),
        "give_avis" => e
            .with("avis", ["favorable", "defavorable"][value as usize % 2])
            .with("category", ["standard", "excellence"][value as usize % 2])
            .with("years", (value % 7) as i64)
            .with("motivation", "m"),
        "decide" => e
            .with("outcome", ["labelled", "deferred", "rejected"][value as usize % 3])
            .with("category", ["standard", "excellence"][value as usize % 2])
            .with("years", (value % 7) as i64)
            .with("motivation", "m"),
        _ => e,
    };
    (e, actor)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Random event sequences never reach an undeclared state, versions
    /// rise by one per accepted event, a refused event leaves the instance
    /// as it was, and a terminal state refuses everything.
    #[test]
    fn random_sequences_stay_in_declared_states(steps in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 1..60)) {
        let w = world();
        let mut d = dossier(&w);
        for (pick, who, value) in steps {
            let (event, actor) = arbitrary_event(&w, pick, who, value);
            let before = d.clone();
            let terminal = w.def.dossier.is_terminal(&d.state);
            match decide(&w.def, &d, &event, &actor, now()) {
                Ok(plan) => {
                    prop_assert!(!terminal, "terminal state {} accepted {}", d.state, event.name);
                    prop_assert!(w.def.dossier.state(&plan.to_state).is_some(), "undeclared {}", plan.to_state);
                    prop_assert_eq!(&plan.from_state, &d.state);
                    prop_assert_eq!(plan.expected_version, d.version);
                    d = commit(&d, &plan);
                }
                Err(_) => prop_assert_eq!(&d, &before),
            }
        }
    }

    /// The same inputs always give the same decision.
    #[test]
    fn decisions_are_deterministic(pick in any::<u8>(), who in any::<u8>(), value in any::<u8>()) {
        let w = world();
        let d = dossier(&w);
        let (event, actor) = arbitrary_event(&w, pick, who, value);
        prop_assert_eq!(decide(&w.def, &d, &event, &actor, now()), decide(&w.def, &d, &event, &actor, now()));
    }
}

#[test]
fn a_predicate_that_cannot_be_evaluated_refuses_and_names_itself() {
    // Passes `workflow check` (the sample dossier has a partner) but reads
    // past the end of an empty list at run time.
    let text = labelflow::workflow::builtin::file("workflows/cmq.toml").unwrap().replace(
        r#"rule = 'form.partners.exists(p, p.type == "eple")'"#,
        r#"rule = 'form.partners[0].type == "eple"'"#,
    );
    let def = labelflow::workflow::compile(std::path::Path::new("cmq.toml"), &text, |_| {
        Some((
            "cmq-2019.toml".into(),
            labelflow::workflow::builtin::file("workflows/criteria/cmq-2019.toml").unwrap().to_string(),
        ))
    })
    .expect("the edited file passes its check");
    let w = world();
    let mut d = dossier(&w);
    if let Facts::Dossier(f) = &mut d.facts {
        f.form.remove("partners");
        f.records.insert(
            "endorsement".into(),
            ["rectorat", "region"]
                .iter()
                .map(|s| [("side".to_string(), serde_json::json!(s))].into_iter().collect())
                .collect(),
        );
    }
    let r = decide(&def, &d, &Event::named("submit"), &w.owner, at(2027, 2, 1, 10, 0)).unwrap_err();
    assert!(
        matches!(&r, Refusal::GuardFailed { code, message, .. } if code == "rule_error" && message.contains("`has_eple_partner`")),
        "{r:?}"
    );
    // With a partner the same predicate holds.
    if let Facts::Dossier(f) = &mut d.facts {
        f.form.insert("partners".into(), serde_json::json!([{"name": "Lycée", "type": "eple"}]));
    }
    assert!(decide(&def, &d, &Event::named("submit"), &w.owner, at(2027, 2, 1, 10, 0)).is_ok());
}

/// The shipped workflows' forms as the engine applies them: values parsed
/// into their stored shape, errors at their path, conditions applied.
#[test]
fn forms_check_documents_by_their_definition() {
    use labelflow::engine::form::{apply, missing, scopes};
    let doc = |v: serde_json::Value| v.as_object().cloned().unwrap();
    let cmq = cmq();
    // Labels are read as codes; académies are kept sorted, once.
    let stored = apply(
        &cmq.form,
        &Default::default(),
        &doc(json!({"region": "Auvergne-Rhône-Alpes", "academies": ["lyon", "GRENOBLE", "LYON"]})),
    )
    .unwrap();
    assert_eq!((stored["region"].clone(), stored["academies"].clone()), (json!("ARA"), json!(["GRENOBLE", "LYON"])));
    let places: Vec<String> = scopes(&cmq.form, &stored).iter().map(ToString::to_string).collect();
    assert_eq!(places, ["academie:GRENOBLE", "academie:LYON", "region:ARA"]);
    // An académie outside the région names the field; a group item's field its path.
    let outside = apply(&cmq.form, &stored, &doc(json!({"academies": ["RENNES"]}))).unwrap_err();
    assert_eq!(outside.field, "academies");
    let typed = apply(
        &cmq.form,
        &stored,
        &doc(json!({"partners": [{"name": "A", "type": "eple"}, {"name": "B", "type": "x"}]})),
    );
    assert_eq!(typed.unwrap_err().field, "partners[2].type");
    // Moving the région leaves académies of the old one: refused, nothing half-applied.
    assert_eq!(apply(&cmq.form, &stored, &doc(json!({"region": "BRE"}))).unwrap_err().field, "academies");

    let ldm = labelflow::workflow::load_shipped().unwrap().into_iter().find(|l| l.definition.id == "ldm").unwrap();
    let ldm = ldm.definition;
    let alone = doc(json!({"labellisation": "seul", "projet_reseau": "Réseau des lycées du Rhône."}));
    // A field its condition hides is dropped; one it requires is missing.
    let stored = apply(&ldm.form, &Default::default(), &alone).unwrap();
    assert!(!stored.contains_key("projet_reseau"), "{stored:?}");
    assert!(!missing(&ldm.form, &stored).contains(&"Projet du réseau".to_string()));
    let network = apply(&ldm.form, &stored, &doc(json!({"labellisation": "reseau"}))).unwrap();
    assert!(missing(&ldm.form, &network).contains(&"Projet du réseau".to_string()));
    assert_eq!(
        apply(&ldm.form, &network, &doc(json!({"deliberation_ca": "15/12/2026"}))).unwrap_err().field,
        "deliberation_ca"
    );
    assert_eq!(apply(&ldm.form, &network, &doc(json!({"uai": "0691234X"}))).unwrap_err().field, "uai");
}

fn form_of(instance: &Instance) -> serde_json::Map<String, serde_json::Value> {
    match &instance.facts {
        Facts::Dossier(d) => d.form.clone(),
        Facts::Label(_) => Default::default(),
    }
}

#[test]
fn migration_checks_state_form_and_pending_timers() {
    let w = world();
    let d = dossier(&w);
    let none = std::collections::BTreeMap::new();
    assert_eq!(
        migration::check(&w.def, &d, &form_of(&d), &none),
        Ok("draft".to_string()),
        "a dossier fits its own version"
    );
    let renamed = [("draft".to_string(), "submitted".to_string())].into();
    assert_eq!(
        migration::check(&w.def, &d, &form_of(&d), &renamed),
        Ok("submitted".to_string()),
        "the map renames the state"
    );

    let mut odd = d.clone();
    odd.state = "nowhere".into();
    odd.pending_timers.push(("no_such_timer".into(), None));
    if let Facts::Dossier(f) = &mut odd.facts {
        f.form.insert("filiere".into(), json!("pas-une-filiere"));
    }
    let reasons = migration::check(&w.def, &odd, &form_of(&odd), &none).unwrap_err();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons[0].contains("state `nowhere`") && reasons[0].contains("--map nowhere=STATE"), "{reasons:?}");
    assert!(reasons[1].starts_with("form: `filiere`"), "{reasons:?}");
    assert!(reasons[2].contains("pending timer `no_such_timer`"), "{reasons:?}");

    // A value the new version would drop is a reason too, not a silent loss.
    let mut hidden = d.clone();
    if let Facts::Dossier(f) = &mut hidden.facts {
        f.form.insert("stray".into(), json!("x"));
    }
    let reasons = migration::check(&w.def, &hidden, &form_of(&hidden), &none).unwrap_err();
    assert_eq!(reasons, vec!["form: `stray` is not a field of this form".to_string()]);

    let ldm = labelflow::workflow::load_shipped().unwrap().into_iter().find(|l| l.definition.id == "ldm").unwrap();
    let mut request = d.clone();
    request.state = ldm.definition.dossier.initial.clone();
    request.pending_timers.clear();
    if let Facts::Dossier(f) = &mut request.facts {
        f.form = json!({"labellisation": "seul", "projet_reseau": "Un réseau"}).as_object().cloned().unwrap();
    }
    let reasons = migration::check(&ldm.definition, &request, &form_of(&request), &none).unwrap_err();
    assert_eq!(reasons, vec!["form: the value of `projet_reseau` would not be kept as it is".to_string()]);
}

#[test]
fn shipped_lists_have_the_national_counts_and_consistent_parents() {
    use labelflow::reference::{items, lookup};
    assert_eq!(items("filieres").len(), 12);
    assert_eq!(items("regions").len(), 18);
    assert_eq!(items("academies").len(), 30);
    for a in items("academies") {
        assert!(lookup("regions", a.parent()).is_some(), "{} points at unknown région {}", a.code, a.parent());
    }
    for r in items("regions") {
        assert!(items("academies").iter().any(|a| a.parent() == r.code), "région {} has no académie", r.code);
    }
}

#[test]
fn lookups_accept_codes_and_labels_without_case_or_accents() {
    use labelflow::reference::{lookup, Entry};
    let code = |list: &str, input: &str| lookup(list, input).map(|e| e.code.clone());
    assert_eq!(code("regions", "ile-de-france").as_deref(), Some("IDF"));
    assert_eq!(code("regions", "Île-de-France").as_deref(), Some("IDF"));
    assert_eq!(code("regions", "idf").as_deref(), Some("IDF"));
    assert_eq!(code("academies", "la reunion").as_deref(), Some("LA-REUNION"));
    assert_eq!(lookup("academies", "Orléans-Tours").map(Entry::parent), Some("CVL"));
    assert_eq!(code("filieres", "CHIMIE ET BIOTECHNOLOGIES").as_deref(), Some("chimie-biotechnologies"));
    assert_eq!(code("partner-types", "Pôle de compétitivité").as_deref(), Some("pole-competitivite"));
    assert_eq!(code("filieres", "Matériaux innovants").as_deref(), Some("materiaux-innovants"), "a former label");
    assert!(lookup("regions", "Atlantis").is_none());
    assert!(lookup("academies", "").is_none());
}

/// A file written before records were declared (as the stored versions of
/// earlier releases are) writes the engine's former records without
/// declaring them: it loads, with the same records the shipped file now
/// declares, its writers taken from the transitions writing them.
#[test]
fn a_file_without_record_declarations_gets_the_former_ones() {
    let shipped = labelflow::workflow::builtin::file("workflows/cmq.toml").unwrap();
    // Without the declarations of the records earlier releases built in
    // (the file's own `avis` stays).
    let cut = |text: &str, from: &str, to: &str| {
        let start = text.find(from).expect("the file declares it");
        let end = text[start..].find(to).expect("something follows") + start;
        format!("{}{}", &text[..start], &text[end..])
    };
    let former = cut(&cut(shipped, "[records.endorsement]", "# The national expert"), "[records.report]", "# ----");
    assert!(!former.contains("[records.endorsement]") && !former.contains("[records.report]"));
    let def = labelflow::workflow::compile(std::path::Path::new("cmq.toml"), &former, |id| {
        let file = format!("workflows/criteria/{id}.toml");
        Some((file.clone().into(), labelflow::workflow::builtin::file(&file)?.to_string()))
    })
    .unwrap_or_else(|problems| panic!("{problems}"));
    let by_name = |d: &labelflow::workflow::Definition| {
        let mut records = d.records.clone();
        records.sort_by(|a, b| a.name.cmp(&b.name));
        records
    };
    assert_eq!(by_name(&def), by_name(&cmq()));
    let names: Vec<&str> = def.records.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["avis", "owner_answer", "endorsement", "opinion", "report"],
        "the file's own, then the implied ones"
    );
}

/// A record with a key is replaced by a later one with the same key; one
/// without a key adds up.
#[test]
fn records_replace_by_key_and_add_up_without_one() {
    let ldm = labelflow::workflow::builtin::shipped("ldm").unwrap();
    let write = |name: &str, fields: serde_json::Value, key: Option<&str>| Record::Declared {
        name: name.into(),
        key: key.map(String::from),
        fields: fields.as_object().unwrap().clone(),
    };
    let mut facts = Facts::Dossier(Box::default());
    for (opinion, conclusions) in [("reserve", "Écarts."), ("favorable", "Conforme.")] {
        let records = [
            write("opinion", json!({"body": "caen", "opinion": opinion}), Some("caen")),
            write("audit", json!({"conclusions": conclusions}), None),
        ];
        facts = apply_records(&ldm, &facts, &records);
    }
    let records = facts.records();
    assert_eq!(records["opinion"], vec![json!({"body": "caen", "opinion": "favorable"}).as_object().unwrap().clone()]);
    let audits: Vec<&str> = record_values(records, "audit", "conclusions").filter_map(|v| v.as_str()).collect();
    assert_eq!(audits, ["Écarts.", "Conforme."]);
}

/// Predicates of files written before records were declared read a label's
/// report years as `label.reports`: they are the years of its yearly record.
#[test]
fn label_reports_are_the_years_of_the_yearly_record() {
    let def = cmq();
    let report = |year: i64| json!({"year": year, "body": "Bilan."}).as_object().unwrap().clone();
    let label = Instance {
        machine: Machine::Label,
        id: Uuid::new_v4(),
        state: "active".into(),
        version: 1,
        facts: Facts::Label(LabelFacts {
            dossier_id: None,
            owners: vec![],
            scopes: vec![],
            valid_from: chrono::NaiveDate::from_ymd_opt(2027, 6, 10).unwrap(),
            valid_until: chrono::NaiveDate::from_ymd_opt(2032, 6, 9).unwrap(),
            has_labelled_renewal: false,
            records: [("report".to_string(), vec![report(2028), report(2029)])].into(),
        }),
        pending_timers: vec![],
        workflow: "cmq".into(),
        workflow_version: None,
    };
    let event = def.label_machine.event("submit_report").unwrap();
    let sources = labelflow::engine::rules::Sources {
        instance: &label,
        event,
        data: &Default::default(),
        actor: &Actor::system(),
        subject: None,
        grid: &def.grid,
        form: &def.form,
        records: &def.records,
    };
    assert_eq!(sources.variable("label").unwrap()["reports"], json!([2028, 2029]));
    assert_eq!(sources.variable("records").unwrap()["report"][1], json!({"year": 2029, "body": "Bilan."}));
}

/// Every rule a shipped file keeps as an option to confirm may be switched
/// off: the file still passes its check, without what the option marks.
#[test]
fn each_shipped_option_switches_off_cleanly() {
    for (id, count) in [("cmq", 6), ("ldm", 2)] {
        let path = format!("workflows/{id}.toml");
        let shipped = labelflow::workflow::builtin::file(&path).unwrap();
        let on = labelflow::workflow::builtin::shipped(id).unwrap();
        assert_eq!(on.options.len(), count, "{id}");
        assert!(on.options.iter().all(|o| o.enabled && o.to_confirm.is_some()), "{:?}", on.options);
        for option in &on.options {
            let off = switched_off(shipped, &path, &option.name);
            let size = |d: &labelflow::workflow::Definition| {
                d.machines().iter().map(|(_, m)| m.transitions.len() + m.timers.len() + m.states.len()).sum::<usize>()
            };
            assert!(size(&off) < size(&on), "{} off leaves something out", option.name);
        }
    }
}

/// A shipped file with one of its options switched off, checked.
fn switched_off(shipped: &str, path: &str, option: &str) -> labelflow::workflow::Definition {
    let table = format!("[options.{option}]");
    let at = shipped.find(&table).unwrap();
    let flag = shipped[at..].find("enabled = true").unwrap() + at;
    let text = format!("{}enabled = false{}", &shipped[..flag], &shipped[flag + "enabled = true".len()..]);
    labelflow::workflow::compile(std::path::Path::new(path), &text, |id| {
        let file = format!("workflows/criteria/{id}.toml");
        Some((file.clone().into(), labelflow::workflow::builtin::file(&file)?.to_string()))
    })
    .unwrap_or_else(|problems| panic!("{option} off:\n{problems}"))
}

/// Without the CAEN's opinion (to confirm since 2023), the recteur decides
/// once the group has reviewed: the check, the step and the record go.
#[test]
fn the_caen_opinion_is_an_option_of_the_lycee_des_metiers() {
    let shipped = labelflow::workflow::builtin::file("workflows/ldm.toml").unwrap();
    let on = labelflow::workflow::builtin::shipped("ldm").unwrap();
    let decide_guards = |d: &labelflow::workflow::Definition| -> Vec<String> {
        d.dossier
            .transitions
            .iter()
            .filter(|t| t.event == "decide")
            .flat_map(|t| t.guards.iter().map(ToString::to_string))
            .collect()
    };
    assert!(decide_guards(&on).iter().any(|g| g.contains("caen_consulted")), "{:?}", decide_guards(&on));
    let off = switched_off(shipped, "workflows/ldm.toml", "caen_opinion");
    assert!(decide_guards(&off).iter().all(|g| !g.contains("caen_consulted")), "{:?}", decide_guards(&off));
    assert!(off.record("opinion").is_none() && on.record("opinion").is_some());
    assert!(off.dossier.event("record_opinion").is_none());
    assert!(!off.rules.contains_key("caen_consulted"));
}

/// The lycée des métiers' grid with a criterion of the académie de Lyon's
/// own beside the eight national ones.
fn ldm_with_lyon_criterion(condition: &str) -> Result<labelflow::workflow::Definition, labelflow::workflow::Problems> {
    let grid = labelflow::workflow::builtin::file("workflows/criteria/ldm-2023.toml").unwrap();
    let grid = format!(
        "{grid}\n[[criteria]]\ncode = \"lyon_campus\"\ngroup = \"Critères de l'académie\"\nlabel = \"Lien avec un campus\"\n\
         descriptor = \"Participation au réseau d'un campus des métiers et des qualifications.\"\n\
         applies_if = \"{condition}\"\nstandard = 2\nexcellence = 3\n"
    );
    let file = labelflow::workflow::builtin::file("workflows/ldm.toml").unwrap();
    labelflow::workflow::compile(std::path::Path::new("workflows/ldm.toml"), file, |id| {
        (id == "ldm-2023").then(|| ("workflows/criteria/ldm-2023.toml".into(), grid.clone()))
    })
}

/// An académie's own criterion is scored on its establishments only: the
/// group of Lyon scores nine criteria, the one of Paris the eight national.
#[test]
fn an_academie_scores_its_own_criteria_beside_the_national_ones() {
    let def = ldm_with_lyon_criterion("academie=LYON").unwrap_or_else(|p| panic!("{p}"));
    assert_eq!(def.grid.criteria.len(), 9);
    let member = actor(&[(Role::new("membre_groupe_ldm"), None)]);
    let under_review = |academie: &str| Instance {
        machine: Machine::Dossier,
        id: Uuid::new_v4(),
        state: "under_review".into(),
        version: 5,
        facts: Facts::Dossier(Box::new(DossierFacts {
            kind: "creation".into(),
            category: "standard".into(),
            scopes: vec![Scope::new("academie", academie)],
            form: json!({"academie": academie}).as_object().cloned().unwrap(),
            reviewers: vec![labelflow::engine::Reviewer {
                user_id: member.user_id.unwrap(),
                due: at(2027, 5, 15, 0, 0),
                scores: None,
            }],
            ..Default::default()
        })),
        pending_timers: vec![],
        workflow: "ldm".into(),
        workflow_version: None,
    };
    let scores = |codes: &[&labelflow::workflow::Criterion]| {
        json!(codes.iter().map(|c| (c.code.clone(), json!(2))).collect::<serde_json::Map<_, _>>())
    };
    let all: Vec<&labelflow::workflow::Criterion> = def.grid.criteria.iter().collect();
    let national: Vec<&labelflow::workflow::Criterion> =
        all.iter().copied().filter(|c| c.applies_if.is_none()).collect();
    let review = |s| Event::named("submit_review").with("scores", s).with("comment", "RAS");
    let now = at(2027, 4, 1, 9, 0);

    let lyon = under_review("LYON");
    let missing = decide(&def, &lyon, &review(scores(&national)), &member, now).unwrap_err();
    assert!(
        matches!(&missing, Refusal::InvalidInput { field, .. } if field == "scores.lyon_campus"),
        "Lyon's criterion is scored in Lyon: {missing:?}"
    );
    let plan = decide(&def, &lyon, &review(scores(&all)), &member, now).unwrap();
    assert_eq!(plan.to_state, "reviewed");

    let paris = under_review("PARIS");
    let extra = decide(&def, &paris, &review(scores(&all)), &member, now).unwrap_err();
    assert!(
        matches!(&extra, Refusal::InvalidInput { field, .. } if field == "scores.lyon_campus"),
        "and nowhere else: {extra:?}"
    );
    assert_eq!(decide(&def, &paris, &review(scores(&national)), &member, now).unwrap().to_state, "reviewed");

    // A condition names a choice field of the form and one of its values.
    for (condition, says) in [
        ("academie=ATLANTIS", "`ATLANTIS` is not a choice of `academie`"),
        ("etablissement=X", "names no single-choice field `etablissement`"),
        ("academie", "applies_if is not `field=value`"),
    ] {
        let problems = ldm_with_lyon_criterion(condition).map(|_| ()).unwrap_err().to_string();
        assert!(problems.contains("criteria/ldm-2023.toml:") && problems.contains(says), "{condition}: {problems}");
    }
}

/// `workflow check` reads the calls' territory and the yearly list against
/// the form, the roles and the decision.
/// What `workflow check` says of the shipped lycée des métiers file with
/// `from` replaced by `to`.
fn ldm_problems(from: &str, to: &str) -> String {
    let shipped = labelflow::workflow::builtin::file("workflows/ldm.toml").unwrap();
    assert!(shipped.contains(from), "{from}");
    let text = shipped.replacen(from, to, 1);
    labelflow::workflow::compile(std::path::Path::new("ldm.toml"), &text, |id| {
        let file = format!("workflows/criteria/{id}.toml");
        Some((file.clone().into(), labelflow::workflow::builtin::file(&file)?.to_string()))
    })
    .map(|_| ())
    .unwrap_err()
    .to_string()
}

#[test]
fn campaigns_and_publication_are_checked_against_the_file() {
    for (from, to, says) in [
        (
            "scope = \"academie\"\nopened_by",
            "scope = \"region\"\nopened_by",
            "no form field places a dossier in a `region` scope",
        ),
        (
            "opened_by = [\"staff_rectorat\"]",
            "opened_by = [\"recteur\", \"chef_etablissement\"]",
            "`chef_etablissement` is no staff role",
        ),
        (
            "columns = [\"academie\", \"uai\"",
            "columns = [\"academie\", \"siret\"",
            "column `siret` is no field of the form",
        ),
        ("with = \"modification\"", "with = \"modifications\"", "`modifications` is no detail of the decision"),
        (
            "renewal = false }",
            "renewal = false },\n  { code = \"nouveaux\", label = \"x\" }",
            "section `nouveaux` is listed twice",
        ),
    ] {
        let problems = ldm_problems(from, to);
        assert!(problems.contains(says) && problems.starts_with("ldm.toml:"), "{to}: {problems}");
    }
}

/// A rapporteur revises their own review until its due date, and only
/// once given; a step refused whatever is typed is known as such.
#[test]
fn a_review_is_revised_until_its_due_date() {
    let w = world();
    let mut d = reviewed_dossier(&w, 3);
    d.state = "reviewed".into();
    let scores =
        json!(w.def.grid.criteria.iter().map(|c| (c.code.clone(), json!(4))).collect::<serde_json::Map<_, _>>());
    let revise = Event::named("revise_review")
        .with("scores", scores)
        .with("notes", json!({"c01_diagnostic": "Diagnostic partagé.", "c02_perimetre": "  "}))
        .with("comment", "Revu.");
    let before_due = at(2027, 4, 30, 12, 0);
    let plan = decide(&w.def, &d, &revise, &w.rapporteurs[0].0, before_due).unwrap();
    assert_eq!(plan.to_state, "reviewed");
    let review = plan.records.iter().find_map(|r| match r {
        labelflow::engine::Record::Review { scores, notes, .. } => Some((scores.clone(), notes.clone())),
        _ => None,
    });
    let (scores, notes) = review.expect("a review recorded");
    assert_eq!(scores["c01_diagnostic"], 4);
    assert_eq!(notes.len(), 1, "an empty comment is no comment: {notes:?}");
    assert!(!labelflow::engine::refused_now(&w.def, &d, "revise_review", &w.rapporteurs[0].0, before_due));

    let after_due = at(2027, 5, 2, 9, 0);
    let r = decide(&w.def, &d, &revise, &w.rapporteurs[0].0, after_due).unwrap_err();
    assert!(matches!(r, Refusal::GuardFailed { ref code, .. } if code == "review_closed"), "{r:?}");
    assert!(labelflow::engine::refused_now(&w.def, &d, "revise_review", &w.rapporteurs[0].0, after_due));
    // A review not given is not revised: the third rapporteur is assigned
    // and has not reviewed.
    if let Facts::Dossier(f) = &mut d.facts {
        f.reviewers.push(Reviewer {
            user_id: w.rapporteurs[2].0.user_id.unwrap(),
            due: at(2027, 5, 1, 0, 0),
            scores: None,
        });
    }
    d.state = "under_review".into();
    let r = decide(&w.def, &d, &revise, &w.rapporteurs[2].0, before_due).unwrap_err();
    assert!(matches!(r, Refusal::GuardFailed { ref code, .. } if code == "review_not_submitted"), "{r:?}");
    assert!(labelflow::engine::refused_now(&w.def, &d, "revise_review", &w.rapporteurs[2].0, before_due));
    assert!(!labelflow::engine::refused_now(&w.def, &d, "submit_review", &w.rapporteurs[2].0, before_due));
    // A comment on a criterion of no grid is refused, naming it.
    let stray = revise.clone().with("notes", json!({"c99": "?"}));
    let r = decide(&w.def, &d, &stray, &w.rapporteurs[0].0, before_due).unwrap_err();
    assert!(matches!(r, Refusal::InvalidInput { ref field, .. } if field == "notes.c99"), "{r:?}");
}

/// A retention erases only what has ended, after its warning, keeping
/// fields the form has, and warns with a known e-mail.
#[test]
fn retention_is_checked_against_the_file() {
    let def = labelflow::workflow::builtin::shipped("ldm").unwrap();
    let retention = def.retention.as_ref().expect("the shipped file sets a retention");
    let dossiers = retention.period(Machine::Dossier).unwrap();
    assert_eq!(dossiers.states, ["inadmissible", "rejected", "withdrawn"]);
    assert_eq!((dossiers.after.months, retention.warn.months), (24, -1));
    assert!(retention.keep.contains(&"uai".to_string()) && !retention.keep.contains(&"projet_reseau".to_string()));
    for (from, to, says) in [
        (
            "states = [\"inadmissible\", \"rejected\", \"withdrawn\"]",
            "states = [\"inadmissible\", \"under_review\", \"withdrawn\"]",
            "the dossier state `under_review` has steps others than an administrator take",
        ),
        ("states = [\"expired\"]", "states = [\"ended\"]", "no label state `ended`"),
        ("warn = \"-1 month\"", "warn = \"+1 month\"", "`warn` must be before the erasure"),
        ("warn = \"-1 month\"", "warn = \"-30 months\"", "`after` must be longer than the warning"),
        ("after = \"+2 years\"", "after = \"+31 days\"", "`after` must be longer than the warning's advance"),
        ("notify = \"retention_warning\"", "notify = \"retention_warnings\"", "unknown e-mail template"),
        ("keep = [\"uai\",", "keep = [\"siret\",", "the form has no field `siret`"),
        ("after = \"+2 years\"", "after = \"2 years\"", "`after`: offset `2 years` must start with + or -"),
    ] {
        let problems = ldm_problems(from, to);
        assert!(problems.contains(says) && problems.contains("[retention]"), "{to}: {problems}");
    }
}
