//! The engine over generated workflow definitions: random state machines
//! whose guards are CEL predicates drawn from a pool, each with an
//! independent Rust oracle. Every generated file must pass `workflow
//! check`, and `decide` must accept or refuse each random step exactly as
//! the oracles say.

use crate::common::at;
use labelflow::engine::*;
use labelflow::workflow::{compile, Definition, Machine, Role};
use proptest::prelude::*;
use serde_json::{Map, Value};
use std::fmt::Write;
use uuid::Uuid;

type Oracle = fn(&DossierFacts, &Map<String, Value>) -> bool;

/// CEL predicates and what each must say, computed another way.
const POOL: &[(&str, Oracle)] = &[
    ("size(form.partners) > 0", |d, _| !partner_types(d).is_empty()),
    (r#"form.title != """#, |d, _| !d.title.trim().is_empty()),
    (r#"records.opinion.exists(o, o.body == "b1")"#, |d, _| has(d, "opinion", "body", "b1")),
    (r#"event.pick == "a""#, |_, e| e.get("pick").and_then(Value::as_str) == Some("a")),
    ("event.n == null || event.n > 2", |_, e| e.get("n").and_then(Value::as_i64).is_none_or(|n| n > 2)),
    (r#"form.partners.all(p, p.type != "x")"#, |d, _| partner_types(d).iter().all(|t| t != "x")),
    (r#"actor.roles.exists(r, r == "admin") && now > timestamp("2020-01-01T00:00:00Z")"#, |_, _| true),
    ("reviews.submitted == 0 && size(grid.criteria) > 3", |_, _| true),
    (r#"!records.endorsement.exists(e, e.side == "region")"#, |d, _| !has(d, "endorsement", "side", "region")),
];

/// Whether a record `name` of the dossier has `value` in `field`.
fn has(d: &DossierFacts, name: &str, field: &str, value: &str) -> bool {
    record_values(&d.records, name, field).any(|v| v.as_str() == Some(value))
}

/// The records the pool's predicates read, and an event writing them.
const RECORDS: &str = "\n[dossier.events.keep]\nlabel = \"Garder\"\nfields.body = { type = \"text\" }\nfields.side = { type = \"text\" }\n\n\
    [[dossier.transitions]]\nevent = \"keep\"\nfrom = [\"s0\"]\nroles = [\"admin\"]\neffects = [{ record = \"opinion\" }, { record = \"endorsement\" }]\n\n\
    [records.opinion]\nlabel = \"Avis\"\nkey = \"body\"\nwriters = [\"admin\"]\nfields.body = { type = \"text\", label = \"De\" }\n\n\
    [records.endorsement]\nlabel = \"Portage\"\nkey = \"side\"\nwriters = [\"admin\"]\nfields.side = { type = \"text\", label = \"Côté\" }\n";

/// The types of the partners in a dossier's form document.
fn partner_types(d: &DossierFacts) -> Vec<String> {
    let items = d.form.get("partners").and_then(Value::as_array).cloned().unwrap_or_default();
    items.iter().filter_map(|p| p.get("type").and_then(Value::as_str).map(String::from)).collect()
}

/// The form every generated file declares: a group of typed partners.
const FORM: &str = "\n[[form.sections]]\nlabel = \"Réseau\"\n\n[[form.sections.fields]]\nname = \"partners\"\ntype = \"group\"\n\
    fields = [\n  { name = \"name\", type = \"text\" },\n  { name = \"type\", type = \"choice\", choices = [\"eple\", \"x\", \"entreprise\"] },\n]\n";

/// One transition: from, to, the pool indexes of its `when` and guards.
#[derive(Debug, Clone)]
struct Step {
    from: usize,
    to: usize,
    when: Option<usize>,
    guards: Vec<usize>,
}

/// A chain s0 → s1 → … → sN (so that every state is reachable and only the
/// last is terminal) and extra transitions, each on an event of its own (so
/// that no two may fire together).
fn machine(states: usize, chain: Vec<Vec<usize>>, extras: Vec<Step>) -> Vec<Step> {
    let mut steps: Vec<Step> = chain
        .into_iter()
        .take(states - 1)
        .enumerate()
        .map(|(i, guards)| Step { from: i, to: i + 1, when: None, guards })
        .collect();
    steps.extend(extras.into_iter().map(|s| Step { from: s.from % (states - 1), to: s.to % states, ..s }));
    steps
}

fn file(states: usize, steps: &[Step]) -> String {
    let mut f =
        String::from("[workflow]\nid = \"generated\"\nlabel = \"Généré\"\nversion = 1\ncriteria = \"cmq-2019\"\n\n");
    f.push_str(FORM);
    f.push_str("\n[dossier]\ninitial = \"s0\"\n\n[dossier.states]\n");
    for s in 0..states {
        let terminal = if s == states - 1 { ", terminal = true" } else { "" };
        writeln!(f, "s{s} = {{ label = \"État {s}\"{terminal} }}").unwrap();
    }
    let mut used = std::collections::BTreeSet::new();
    for (i, step) in steps.iter().enumerate() {
        writeln!(f, "\n[dossier.events.e{i}]\nlabel = \"Étape {i}\"").unwrap();
        f.push_str(
            "fields.pick = { type = \"choice\", choices = [\"a\", \"b\"] }\nfields.n = { type = \"integer\" }\n",
        );
        let names = |ids: &[usize]| ids.iter().map(|g| format!("\"p{g}\"")).collect::<Vec<_>>().join(", ");
        writeln!(
            f,
            "\n[[dossier.transitions]]\nevent = \"e{i}\"\nfrom = [\"s{}\"]\nto = \"s{}\"\nroles = [\"admin\"]",
            step.from, step.to
        )
        .unwrap();
        if let Some(w) = step.when {
            writeln!(f, "when = [{}]", names(&[w])).unwrap();
        }
        writeln!(f, "guards = [{}]", names(&step.guards)).unwrap();
        used.extend(step.guards.iter().copied().chain(step.when));
    }
    f.push_str(RECORDS);
    f.push_str(
        "\n[label]\ninitial = \"active\"\n\n[label.states]\nactive = { label = \"Actif\" }\nended = { label = \"Fini\", terminal = true }\n\n\
         [label.events.end]\nlabel = \"Finir\"\n\n[[label.transitions]]\nevent = \"end\"\nfrom = [\"active\"]\nto = \"ended\"\nroles = [\"admin\"]\n",
    );
    for g in used {
        writeln!(
            f,
            "\n[predicates.p{g}]\nmachine = \"dossier\"\nrule = '{}'\ncode = \"rule_{g}\"\nmessage = \"Règle {g}\"",
            POOL[g].0
        )
        .unwrap();
    }
    f
}

fn definition(text: &str) -> Definition {
    compile(std::path::Path::new("generated.toml"), text, |id| {
        (id == "cmq-2019").then(|| {
            (
                "criteria/cmq-2019.toml".into(),
                labelflow::workflow::builtin::file("workflows/criteria/cmq-2019.toml").unwrap().to_string(),
            )
        })
    })
    .unwrap_or_else(|problems| panic!("a generated file fails its check:\n{problems}\n{text}"))
}

fn pool_index() -> impl Strategy<Value = usize> {
    0..POOL.len()
}

fn step() -> impl Strategy<Value = Step> {
    (any::<usize>(), any::<usize>(), proptest::option::of(pool_index()), proptest::collection::vec(pool_index(), 0..3))
        .prop_map(|(from, to, when, guards)| Step { from, to, when, guards })
}

fn facts() -> impl Strategy<Value = DossierFacts> {
    (
        any::<bool>(),
        proptest::collection::vec(prop_oneof!["eple", "x", "entreprise"], 0..3),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(titled, partners, opinion, region)| DossierFacts {
            title: if titled { "Campus".into() } else { " ".into() },
            form: if partners.is_empty() {
                Map::new()
            } else {
                let items: Vec<Value> =
                    partners.into_iter().map(|t| serde_json::json!({"name": "P", "type": t})).collect();
                [("partners".to_string(), Value::Array(items))].into_iter().collect()
            },
            records: [
                ("opinion", opinion.then_some(("body", "b1"))),
                ("endorsement", region.then_some(("side", "region"))),
            ]
            .into_iter()
            .map(|(name, item)| {
                let items = item.map(|(f, v)| [(f.to_string(), Value::from(v))].into_iter().collect());
                (name.to_string(), items.into_iter().collect())
            })
            .collect(),
            ..Default::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn generated_workflows_decide_as_their_predicates_say(
        states in 2usize..7,
        chain in proptest::collection::vec(proptest::collection::vec(pool_index(), 0..3), 6),
        extras in proptest::collection::vec(step(), 0..5),
        facts in facts(),
        moves in proptest::collection::vec((any::<usize>(), proptest::option::of(prop_oneof!["a", "b"]), proptest::option::of(0i64..6)), 1..25),
    ) {
        let steps = machine(states, chain, extras);
        let text = file(states, &steps);
        let def = definition(&text);
        let admin = Actor::user(Uuid::new_v4(), vec![Grant { role: Role::admin(), scope: None }]);
        let mut instance = Instance {
            machine: Machine::Dossier,
            id: Uuid::new_v4(),
            state: "s0".into(),
            version: 1,
            facts: Facts::Dossier(Box::new(facts.clone())),
            pending_timers: vec![],
            workflow: "generated".into(),
            workflow_version: None,
        };
        for (pick, choice, n) in moves {
            let i = pick % steps.len();
            let mut event = Event::named(&format!("e{i}"));
            if let Some(c) = choice {
                event = event.with("pick", c);
            }
            if let Some(n) = n {
                event = event.with("n", n);
            }
            let data = event.data.clone();
            let step = &steps[i];
            let at_state = instance.state == format!("s{}", step.from);
            let failing_when = step.when.filter(|w| !(POOL[*w].1)(&facts, &data));
            let failing_guard = step.guards.iter().find(|g| !(POOL[**g].1)(&facts, &data));
            let outcome = decide(&def, &instance, &event, &admin, at(2027, 3, 1, 10, 0));
            match (at_state, failing_when, failing_guard, outcome) {
                (false, _, _, Err(Refusal::WrongState { .. })) => {}
                (true, Some(_), _, Err(Refusal::GuardFailed { code, .. })) => prop_assert_eq!(code, "condition_not_met"),
                (true, None, Some(g), Err(Refusal::GuardFailed { code, message, .. })) => {
                    prop_assert_eq!(code, format!("rule_{g}"));
                    prop_assert_eq!(message, format!("Règle {g}"));
                }
                (true, None, None, Ok(plan)) => {
                    prop_assert_eq!(&plan.to_state, &format!("s{}", step.to));
                    instance.state = plan.to_state;
                    instance.version += 1;
                }
                (at_state, when, guard, outcome) => {
                    prop_assert!(false, "e{i} in {} (at its state: {at_state}, failing when {when:?}, guard {guard:?}) gave {outcome:?}\n{text}", instance.state);
                }
            }
        }
    }
}
