//! The facts a workflow's predicates read, as CEL variables, and their
//! evaluation. The same function gives the engine its values and
//! `workflow check` the names and shapes it checks expressions against.

use super::facts::{Actor, DossierFacts, Facts, Instance, LabelFacts, Person, Scope};
use super::plan::Refusal;
use crate::workflow::{EventDef, FieldType, Form, Grid, Machine, RecordDef, RecordField, Rule, Ty};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The variables a predicate of each machine may read (`now` aside).
fn names(machine: Machine) -> &'static [&'static str] {
    match machine {
        Machine::Dossier => &["form", "incomplete", "records", "reviews", "grid", "event", "actor", "subject"],
        Machine::Label => &["label", "records", "grid", "event", "actor"],
    }
}

/// The facts of an instance as JSON, by variable name (`now` aside).
fn variables(sources: &Sources) -> Vec<(&'static str, Value)> {
    let instance = sources.instance;
    names(instance.machine).iter().filter_map(|name| Some((*name, sources.variable(name)?))).collect()
}

/// What a variable is computed from.
pub struct Sources<'a> {
    pub instance: &'a Instance,
    pub event: &'a EventDef,
    pub data: &'a Map<String, Value>,
    pub actor: &'a Actor,
    /// The person the event names (the reviewer being assigned).
    pub subject: Option<&'a Person>,
    pub grid: &'a Grid,
    pub form: &'a Form,
    /// The file's records (every one of the machine is a list, empty when
    /// none was written).
    pub records: &'a [RecordDef],
}

impl Sources<'_> {
    /// One variable, or `None` when the instance's machine has no such fact.
    pub fn variable(&self, name: &str) -> Option<Value> {
        let dossier = match &self.instance.facts {
            Facts::Dossier(d) => Some(d.as_ref()),
            Facts::Label(_) => None,
        };
        Some(match name {
            "event" => {
                // Every input the event declares is there; one not sent is null.
                let event: Map<String, Value> = self
                    .event
                    .fields
                    .iter()
                    .map(|f| (f.name.clone(), self.data.get(&f.name).cloned().unwrap_or(Value::Null)))
                    .collect();
                Value::Object(event)
            }
            "actor" => {
                let roles: Vec<&str> = self.actor.grants.iter().map(|g| g.role.name()).collect();
                json!({ "id": self.actor.user_id.map(|u| u.to_string()), "roles": roles })
            }
            "grid" => json!({ "criteria": self.grid.criteria }),
            "subject" => match self.subject {
                None => Value::Null,
                Some(p) => {
                    let affiliations: Vec<Value> = p
                        .affiliations
                        .iter()
                        .filter_map(|a| {
                            let text = a.to_string();
                            let (kind, code) = text.split_once(':')?;
                            Some(json!({ "kind": kind, "code": code }))
                        })
                        .collect();
                    let roles: Vec<&str> = p.roles.iter().map(|r| r.name()).collect();
                    json!({ "id": p.user_id.to_string(), "roles": roles, "affiliations": affiliations })
                }
            },
            "form" => {
                let d = dossier?;
                let mut form = super::form::view(self.form, &d.form);
                form.insert("title".into(), json!(d.title.trim()));
                form.insert("kind".into(), json!(d.kind));
                form.insert("category".into(), json!(d.category));
                form.insert("renewal".into(), json!(d.renewal_of.is_some()));
                Value::Object(form)
            }
            "incomplete" => json!(super::form::missing(self.form, &dossier?.form)),
            "records" => {
                let written = self.instance.facts.records();
                let lists: Map<String, Value> = self
                    .records
                    .iter()
                    .filter(|r| r.machine == self.instance.machine)
                    .map(|r| {
                        let items = written.get(&r.name).into_iter().flatten().map(|f| record_item(r, f)).collect();
                        (r.name.clone(), Value::Array(items))
                    })
                    .collect();
                Value::Object(lists)
            }
            "reviews" => {
                let d = dossier?;
                json!({
                    "assigned": d.reviewers.len(),
                    "submitted": d.reviewers.iter().filter(|r| r.scores.is_some()).count(),
                    "averages": d.averages(),
                })
            }
            "label" => match &self.instance.facts {
                Facts::Label(l) => {
                    // The years of its yearly record, as files written before
                    // records were declared read them.
                    let yearly = self.records.iter().find(|r| r.per_anniversary && r.machine == Machine::Label);
                    let reports: Vec<&Value> = yearly
                        .and_then(|r| {
                            Some(super::facts::record_values(&l.records, &r.name, r.key.as_deref()?).collect())
                        })
                        .unwrap_or_default();
                    json!({
                        "valid_from": l.valid_from.to_string(),
                        "valid_until": l.valid_until.to_string(),
                        "reports": reports,
                        "renewed": l.has_labelled_renewal,
                    })
                }
                Facts::Dossier(_) => return None,
            },
            _ => return None,
        })
    }
}

/// A record as predicates read it: every declared field, null when the
/// event left it out.
fn record_item(record: &RecordDef, fields: &Map<String, Value>) -> Value {
    Value::Object(
        record.fields.iter().map(|f| (f.name.clone(), fields.get(&f.name).cloned().unwrap_or(Value::Null))).collect(),
    )
}

/// A sample value of a record's field, of its type.
fn sample_value(field: &RecordField) -> Value {
    match field.kind {
        FieldType::Integer => json!(2000),
        FieldType::Date => json!("2000-01-01"),
        _ => json!(field.choices.first().cloned().unwrap_or_else(|| "x".into())),
    }
}

/// Names and shapes of the facts a predicate of `machine` may read when
/// `event` is sent: those of a sample instance, so they are the engine's by
/// construction.
pub fn shapes(
    machine: Machine,
    event: &EventDef,
    grid: &Grid,
    form: &Form,
    records: &[RecordDef],
) -> Vec<(String, Ty)> {
    let mut out: Vec<(String, Ty)> = sample_variables(machine, event, &Map::new(), grid, form, records)
        .into_iter()
        .map(|(name, value)| (name.to_string(), Ty::of_json(&value)))
        .collect();
    for (name, ty) in &mut out {
        match name.as_str() {
            "event" => {
                *ty = Ty::Object(event.fields.iter().map(|f| (f.name.clone(), field_shape(f.kind))).collect());
            }
            // Averages are keyed by criterion: a map, not fixed fields.
            "reviews" => {
                if let Ty::Object(fields) = ty {
                    fields.iter_mut().filter(|(f, _)| f == "averages").for_each(|(_, shape)| {
                        *shape = Ty::Map(Box::new(Ty::Double));
                    });
                }
            }
            _ => {}
        }
    }
    out.push(("now".into(), Ty::Time));
    out
}

fn field_shape(kind: FieldType) -> Ty {
    match kind {
        FieldType::Integer => Ty::Int,
        FieldType::Scores => Ty::Map(Box::new(Ty::Int)),
        FieldType::Notes => Ty::Map(Box::new(Ty::Str)),
        _ => Ty::Str,
    }
}

/// The facts of a sample instance of `machine` (see [`sample`]), the
/// event's inputs being `data`, its subject a person with an affiliation.
fn sample_variables(
    machine: Machine,
    event: &EventDef,
    data: &Map<String, Value>,
    grid: &Grid,
    form: &Form,
    records: &[RecordDef],
) -> Vec<(&'static str, Value)> {
    let instance = sample(machine, form, records);
    let person =
        Person { user_id: uuid::Uuid::nil(), roles: vec![], affiliations: vec![Scope::new(super::facts::ORG, "x")] };
    let actor = Actor::system();
    variables(&Sources { instance: &instance, event, data, actor: &actor, subject: Some(&person), grid, form, records })
}

/// An instance with one of everything a list may hold, so that every
/// list's items have a shape.
fn sample(machine: Machine, form: &Form, records: &[RecordDef]) -> Instance {
    let written: super::facts::Records = records
        .iter()
        .filter(|r| r.machine == machine)
        .map(|r| (r.name.clone(), vec![r.fields.iter().map(|f| (f.name.clone(), sample_value(f))).collect()]))
        .collect();
    let facts = match machine {
        Machine::Dossier => Facts::Dossier(Box::new(DossierFacts {
            records: written,
            form: super::form::sample(form),
            ..DossierFacts::default()
        })),
        Machine::Label => Facts::Label(LabelFacts {
            dossier_id: None,
            owners: vec![],
            scopes: vec![],
            valid_from: chrono::NaiveDate::MIN,
            valid_until: chrono::NaiveDate::MIN,
            has_labelled_renewal: false,
            records: written,
        }),
    };
    Instance {
        machine,
        id: uuid::Uuid::nil(),
        state: String::new(),
        version: 0,
        facts,
        pending_timers: vec![],
        workflow: String::new(),
        workflow_version: None,
    }
}

/// A JSON value as CEL reads it: whole numbers are `int`.
fn to_cel(value: &Value) -> cel::Value {
    match value {
        Value::Null => cel::Value::Null,
        Value::Bool(b) => cel::Value::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => cel::Value::Int(i),
            None => cel::Value::Float(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => cel::Value::String(Arc::new(s.clone())),
        Value::Array(items) => cel::Value::List(Arc::new(items.iter().map(to_cel).collect())),
        Value::Object(fields) => {
            let map: HashMap<cel::objects::Key, cel::Value> =
                fields.iter().map(|(k, v)| (cel::objects::Key::from(k.clone()), to_cel(v))).collect();
            cel::Value::Map(cel::objects::Map { map: Arc::new(map) })
        }
    }
}

/// A CEL context holding `variables` and `now`.
fn context(variables: &[(&str, Value)], now: DateTime<Utc>) -> cel::Context<'static, 'static> {
    let mut ctx = cel::Context::with_env(crate::workflow::rules::env());
    // `lowerAscii` leaves "É" as it is; names of French organisations need
    // Unicode lowercase to compare.
    ctx.add_function("lower", |s: Arc<String>| s.to_lowercase()).expect("`lower` is no standard function");
    for (name, value) in variables {
        add(&mut ctx, name, value);
    }
    ctx.add_variable_from_value("now", cel::Value::Timestamp(now.fixed_offset()));
    ctx
}

fn add(ctx: &mut cel::Context<'static, 'static>, name: &str, value: &Value) {
    ctx.add_variable_from_value(name.to_string(), to_cel(value));
}

/// The facts of one decision as CEL variables, each built the first time a
/// predicate reads it.
pub struct Evaluation {
    ctx: cel::Context<'static, 'static>,
    built: Vec<String>,
}

impl Evaluation {
    pub fn new(now: DateTime<Utc>) -> Evaluation {
        Evaluation { ctx: context(&[], now), built: Vec::new() }
    }

    /// [`check`] of `rule`, with the facts it reads taken from `sources`.
    pub fn check(&mut self, rule: &Rule, sources: &Sources) -> Result<(), Refusal> {
        for name in rule.reads() {
            if self.built.iter().any(|b| b == name) {
                continue;
            }
            if let Some(value) = sources.variable(name) {
                add(&mut self.ctx, name, &value);
            }
            self.built.push(name.to_string());
        }
        check(rule, &self.ctx)
    }
}

/// `Ok` when `rule` holds, its refusal when it does not: its message, then
/// what its `missing` list names. A rule without `rule` holds when that list
/// is empty. An expression that cannot be evaluated (a value of an
/// unexpected type at run time) refuses with `rule_error`.
fn check(rule: &Rule, ctx: &cel::Context) -> Result<(), Refusal> {
    let holds = match &rule.expr {
        Some(expr) => match expr.program().execute(ctx) {
            Ok(cel::Value::Bool(b)) => Some(b),
            Ok(other) => return Err(evaluation_failed(rule, &format!("gives {other:?}, not a boolean"))),
            Err(e) => return Err(evaluation_failed(rule, &e.to_string())),
        },
        None => None,
    };
    if holds == Some(true) {
        return Ok(());
    }
    let missing: Vec<String> = match rule.missing.as_ref().map(|m| m.program().execute(ctx)) {
        None => vec![],
        Some(Ok(cel::Value::List(items))) => items
            .iter()
            .map(|i| match i {
                cel::Value::String(s) => s.to_string(),
                other => format!("{other:?}"),
            })
            .collect(),
        Some(Ok(other)) => return Err(evaluation_failed(rule, &format!("`missing` gives {other:?}, not a list"))),
        Some(Err(e)) => return Err(evaluation_failed(rule, &e.to_string())),
    };
    if holds.is_none() && missing.is_empty() {
        return Ok(());
    }
    let message = if missing.is_empty() {
        rule.message.clone()
    } else {
        format!("{} : {}.", rule.message.trim_end_matches('.'), missing.join(", "))
    };
    Err(Refusal::GuardFailed { guard: rule.name.clone(), code: rule.code.clone(), message })
}

fn evaluation_failed(rule: &Rule, why: &str) -> Refusal {
    Refusal::GuardFailed {
        guard: rule.name.clone(),
        code: "rule_error".into(),
        message: format!("the workflow's predicate `{}` could not be evaluated: {why}", rule.name),
    }
}

/// What running `expr` on a sample instance says is wrong with it, besides
/// missing keys and other faults of particular data: a function that does
/// not exist, operands of the wrong types, a result of the wrong kind.
pub fn sample_fault(
    expr: &crate::workflow::Expr,
    machine: Machine,
    event: &EventDef,
    grid: &Grid,
    form: &Form,
    records: &[RecordDef],
    wants_list: bool,
) -> Option<String> {
    let mut data = Map::new();
    for f in &event.fields {
        data.insert(
            f.name.clone(),
            match f.kind {
                FieldType::Integer => json!(1),
                FieldType::Scores | FieldType::Notes => json!({}),
                _ => json!(f.choices.first().cloned().unwrap_or_else(|| "x".into())),
            },
        );
    }
    let ctx = context(&sample_variables(machine, event, &data, grid, form, records), DateTime::<Utc>::UNIX_EPOCH);
    use cel::ExecutionError as E;
    match expr.program().execute(&ctx) {
        Ok(cel::Value::Bool(_)) if !wants_list => None,
        Ok(cel::Value::List(_)) if wants_list => None,
        Ok(other) => Some(format!("gives {other:?}, not {}", if wants_list { "a list" } else { "a boolean" })),
        Err(
            E::NoSuchKey(_)
            | E::IndexOutOfBounds(_)
            | E::DivisionByZero(_)
            | E::RemainderByZero(_)
            | E::Overflow(..)
            | E::FunctionError { .. },
        ) => None,
        Err(e) => Some(e.to_string()),
    }
}
