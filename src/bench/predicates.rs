//! The cost of a workflow's CEL predicates in `decide`: the step out of a
//! draft with the most of the file's predicates in its guards (the
//! shipped file's submission), against the same definition with those guards taken out,
//! alternating the two sides in rounds. Pure: no database.

use crate::engine::{decide, Actor, DossierFacts, Event, Facts, Grant, Instance};
use crate::workflow::{Check, Definition, FormField, FormType, Machine};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Map, Value};
use std::io::Write;
use std::time::Instant;
use uuid::Uuid;

pub struct Options {
    /// Decisions per side per round.
    pub decisions: usize,
    pub rounds: usize,
}

/// A draft its owner may move on: every field of its form filled (a group
/// with an item per choice of its first choice field), both endorsements,
/// its call open.
fn ready(def: &Definition, owner: Uuid, now: DateTime<Utc>) -> Instance {
    Instance {
        machine: Machine::Dossier,
        id: Uuid::new_v4(),
        state: def.dossier.initial.clone(),
        version: 1,
        pending_timers: vec![],
        workflow: def.id.clone(),
        workflow_version: None,
        facts: Facts::Dossier(Box::new(DossierFacts {
            owners: vec![owner],
            title: "Dossier de mesure".into(),
            kind: "creation".into(),
            category: "standard".into(),
            form: filled(def.form.fields()),
            records: endorsed(def),
            call_opens_at: Some(now - Duration::days(1)),
            call_closes_at: Some(now + Duration::days(30)),
            ..Default::default()
        })),
    }
}

/// Every side's record written by side (each side the roles endorse).
fn endorsed(def: &Definition) -> crate::engine::Records {
    def.records_of(Machine::Dossier)
        .filter_map(|r| Some((r, r.side_field()?)))
        .map(|(r, field)| {
            let sides = def.roles.iter().filter_map(|role| role.endorses.clone());
            (r.name.clone(), sides.map(|side| [(field.name.clone(), json!(side))].into_iter().collect()).collect())
        })
        .collect()
}

fn codes(f: &FormField) -> Vec<String> {
    match &f.list {
        Some(list) => crate::reference::items(list).iter().map(|e| e.code.clone()).collect(),
        None => f.choices.iter().map(|c| c.code.clone()).collect(),
    }
}

fn filled<'a>(fields: impl Iterator<Item = &'a FormField>) -> Map<String, Value> {
    let mut doc = Map::new();
    for f in fields {
        let value = match f.kind {
            FormType::Integer => json!(f.min.unwrap_or(1)),
            FormType::Date => json!("2000-01-01"),
            FormType::Email => json!("contact@example.org"),
            FormType::Uai => json!("0750655E"),
            FormType::Siret => json!("73282932000074"),
            FormType::Choice => json!(codes(f).first()),
            FormType::Choices => json!(codes(f).first().into_iter().collect::<Vec<_>>()),
            FormType::Group => {
                let item = filled(f.fields.iter());
                let Some(choice) = f.fields.iter().find(|s| s.kind == FormType::Choice) else {
                    doc.insert(f.name.clone(), json!([item]));
                    continue;
                };
                let items: Vec<Value> = codes(choice)
                    .into_iter()
                    .map(|code| {
                        let mut one = item.clone();
                        one.insert(choice.name.clone(), json!(code));
                        Value::Object(one)
                    })
                    .collect();
                json!(items)
            }
            FormType::Text | FormType::LongText => json!(format!("{} de mesure", f.label)),
        };
        doc.insert(f.name.clone(), value);
    }
    doc
}

/// `def` with the file's own predicates taken out of every guard list.
fn without_rules(def: &Definition) -> Definition {
    let mut bare = def.clone();
    for t in bare.dossier.transitions.iter_mut().chain(bare.label_machine.transitions.iter_mut()) {
        t.guards.retain(|g| matches!(g, Check::Builtin(_)));
    }
    bare
}

fn per_decision(def: &Definition, instance: &Instance, event: &Event, actor: &Actor, n: usize) -> f64 {
    let now = Utc::now();
    let start = Instant::now();
    for _ in 0..n {
        let plan = decide(def, instance, event, actor, now);
        assert!(plan.is_ok(), "the measured step is accepted: {plan:?}");
    }
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

pub fn run(opts: &Options, def: Definition, out: &mut impl Write) -> anyhow::Result<()> {
    let owner = Uuid::new_v4();
    let role = super::owner_role(&def)?;
    let actor = Actor::user(owner, vec![Grant { role: role.clone(), scope: None }]);
    let instance = ready(&def, owner, Utc::now());
    let rules = |t: &crate::workflow::Transition| t.guards.iter().filter(|g| matches!(g, Check::Rule(_))).count();
    let (transition, count) = def
        .dossier
        .transitions_from_state(&instance.state)
        .filter(|t| t.roles.contains(&role))
        .map(|t| (t, rules(t)))
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n > 0)
        .ok_or_else(|| anyhow::anyhow!("no step out of `{}` has a predicate of the file", instance.state))?;
    let event = Event::named(&transition.event);
    let bare = without_rules(&def);
    writeln!(out, "decide `{}` with {count} of the file's predicates, against the same without them", event.name)?;
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for round in 1..=opts.rounds {
        without.push(per_decision(&bare, &instance, &event, &actor, opts.decisions));
        with.push(per_decision(&def, &instance, &event, &actor, opts.decisions));
        writeln!(out, "round {round}: without {:.2} µs, with {:.2} µs", without[round - 1], with[round - 1])?;
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (w, b) = (median(&mut with), median(&mut without));
    writeln!(out, "median: without {b:.2} µs/decision, with {w:.2} µs/decision")?;
    writeln!(out, "ratio {:.3}", b / w)?;
    Ok(())
}
