//! The engine's properties over every shipped workflow, read from its
//! definition alone: random steps by random people of its roles, with
//! inputs drawn from each event's declared fields.

use crate::common::at;
use labelflow::engine::*;
use labelflow::workflow::{Definition, EventDef, FieldType, Machine, Role, RoleKind};
use proptest::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;

/// The people of a workflow: one per role (staff in the dossier's scope
/// of their kind), an outsider of every role elsewhere, admin, system.
struct Cast {
    actors: Vec<Actor>,
    /// A person a `user` input may name: a reviewer of the workflow.
    reviewer: Person,
    owner: Uuid,
}

fn cast(def: &Definition, scopes: &[Scope]) -> Cast {
    let owner = Uuid::new_v4();
    let mut actors =
        vec![Actor::system(), Actor::user(Uuid::new_v4(), vec![Grant { role: Role::admin(), scope: None }])];
    let mut elsewhere = Vec::new();
    for role in &def.roles {
        let grant = |code: Option<&str>| Grant {
            role: role.name.clone(),
            scope: role.scope.as_ref().map(|kind| {
                let own = scopes.iter().find(|s| &s.kind == kind).map(|s| s.code.as_str());
                Scope::new(kind, code.or(own).unwrap_or("X"))
            }),
        };
        let id = if role.kind == RoleKind::Owner { owner } else { Uuid::new_v4() };
        actors.push(Actor::user(id, vec![grant(None)]));
        elsewhere.push(grant(Some("AILLEURS")));
    }
    actors.push(Actor::user(Uuid::new_v4(), elsewhere));
    let reviewer_role = def.roles.iter().find(|r| r.kind == RoleKind::Reviewer).map(|r| r.name.clone());
    let reviewer = Person {
        user_id: actors
            .iter()
            .find(|a| a.grants.iter().any(|g| Some(&g.role) == reviewer_role.as_ref()))
            .and_then(|a| a.user_id)
            .unwrap_or_else(Uuid::new_v4),
        roles: reviewer_role.into_iter().collect(),
        affiliations: vec![],
    };
    Cast { actors, reviewer, owner }
}

/// A draft of `def` with a value in every form field.
fn draft(def: &Definition, owner: Uuid) -> Instance {
    let form = labelflow::engine::form::sample(&def.form);
    let scopes = labelflow::engine::form::scopes(&def.form, &form);
    Instance {
        machine: Machine::Dossier,
        id: Uuid::new_v4(),
        state: def.dossier.initial.clone(),
        version: 1,
        facts: Facts::Dossier(Box::new(DossierFacts {
            owners: vec![owner],
            title: "Dossier".into(),
            kind: "creation".into(),
            category: def.categories()[0].0.clone(),
            scopes,
            form,
            ..Default::default()
        })),
        pending_timers: vec![],
        workflow: def.id.clone(),
        workflow_version: None,
    }
}

/// `spec` with inputs drawn from its fields by `value`.
fn event(def: &Definition, spec: &EventDef, reviewer: &Person, value: u8) -> Event {
    let v = value as usize;
    let mut e = Event::named(&spec.name);
    for f in &spec.fields {
        let input = match f.kind {
            FieldType::Choice => json!(f.choices[v % f.choices.len()]),
            FieldType::Integer => {
                let (lo, hi) = (f.min.unwrap_or(0), f.max.unwrap_or(10));
                json!(lo + (v as i64) % (hi - lo + 1))
            }
            FieldType::Text => json!("Texte"),
            FieldType::Date => json!("2027-03-01"),
            FieldType::Deadline => json!("2027-05-15"),
            FieldType::User => {
                e.subject = Some(reviewer.clone());
                json!(reviewer.user_id.to_string())
            }
            FieldType::Notes => {
                json!(def
                    .grid
                    .criteria
                    .iter()
                    .take(v % 3)
                    .map(|c| (c.code.clone(), json!("Note.")))
                    .collect::<serde_json::Map<_, _>>())
            }
            FieldType::Scores => {
                let scores: serde_json::Map<String, Value> = def
                    .grid
                    .criteria
                    .iter()
                    .map(|c| {
                        let (lo, hi) = c.range();
                        (c.code.clone(), json!(lo + (v as i64) % (hi - lo + 1)))
                    })
                    .collect();
                Value::Object(scores)
            }
        };
        e = e.with(&f.name, input);
    }
    e
}

fn shipped() -> Vec<Definition> {
    labelflow::workflow::load_shipped().unwrap().into_iter().map(|l| l.definition).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// For every shipped workflow: random steps never reach an undeclared
    /// state, an accepted step moves from the instance's state and version,
    /// a terminal state refuses everything, a refused step leaves the
    /// instance as it was, and the same inputs give the same decision.
    #[test]
    fn random_steps_of_every_shipped_workflow_stay_in_declared_states(
        steps in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 1..50),
    ) {
        for def in shipped() {
            let form = labelflow::engine::form::sample(&def.form);
            let people = cast(&def, &labelflow::engine::form::scopes(&def.form, &form));
            let mut d = draft(&def, people.owner);
            let now = at(2027, 2, 1, 10, 0);
            for (pick, who, value) in &steps {
                let spec = &def.dossier.events[*pick as usize % def.dossier.events.len()];
                let e = event(&def, spec, &people.reviewer, *value);
                let actor = &people.actors[*who as usize % people.actors.len()];
                let before = d.clone();
                let terminal = def.dossier.is_terminal(&d.state);
                let decided = decide(&def, &d, &e, actor, now);
                prop_assert_eq!(&decided, &decide(&def, &d, &e, actor, now), "{}: not deterministic", def.id);
                match decided {
                    Ok(plan) => {
                        prop_assert!(!terminal, "{}: terminal {} accepted {}", def.id, d.state, e.name);
                        prop_assert!(def.dossier.state(&plan.to_state).is_some(), "{}: undeclared {}", def.id, plan.to_state);
                        prop_assert_eq!(&plan.from_state, &d.state);
                        prop_assert_eq!(plan.expected_version, d.version);
                        d = Instance {
                            state: plan.to_state.clone(),
                            version: d.version + 1,
                            facts: apply_records(&def, &d.facts, &plan.records),
                            ..d
                        };
                    }
                    Err(_) => prop_assert_eq!(&d, &before),
                }
            }
        }
    }
}

/// The walk above gets somewhere: with the right people, each shipped
/// workflow's dossier leaves its first state.
#[test]
fn every_shipped_workflow_moves_its_draft() {
    let definitions = shipped();
    assert!(definitions.len() >= 2, "both labels ship");
    for def in definitions {
        let form = labelflow::engine::form::sample(&def.form);
        let people = cast(&def, &labelflow::engine::form::scopes(&def.form, &form));
        let d = draft(&def, people.owner);
        let moved = def.dossier.events.iter().any(|spec| {
            people.actors.iter().any(|a| {
                decide(&def, &d, &event(&def, spec, &people.reviewer, 0), a, at(2027, 2, 1, 10, 0))
                    .is_ok_and(|p| p.to_state != d.state)
            })
        });
        assert!(moved, "{}: no step leaves {}", def.id, d.state);
    }
}
