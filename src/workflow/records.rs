//! Records a workflow file declares (`[records.NAME]`): what an instance
//! keeps from the events that write it, with its fields and who may write
//! it. The engine keeps its own records (reviewers, reviews, recusals,
//! completion requests, decisions); everything else a label keeps — an
//! endorsement, an opinion, an audit, a yearly report — is declared.

use super::model::{Check, Condition, Effect, MachineDef};
use super::roles::{Role, RoleDef};
use super::vocabulary::{FieldType, Machine, Predicate, RecordKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use toml::Spanned;

/// One kind of record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordDef {
    pub name: String,
    pub machine: Machine,
    /// What a person reads for the list of them (« Avis »).
    pub label: String,
    /// The field whose value identifies a record: a later one with the same
    /// value replaces it. Without a key, every write adds one.
    pub key: Option<String>,
    /// The roles allowed to write it (the system writes any).
    pub writers: Vec<Role>,
    pub fields: Vec<RecordField>,
    /// One record per anniversary year of the label, keyed by that year:
    /// the label's yearly report, which the report predicates read.
    pub per_anniversary: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordField {
    pub name: String,
    pub label: String,
    pub kind: FieldType,
    pub from: ValueSource,
    /// The choices of a choice field and what a person reads for each, as
    /// the events writing it declare them.
    pub choices: Vec<String>,
    pub choice_labels: BTreeMap<String, String>,
}

/// Where a field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueSource {
    /// The writing event's input of the same name.
    Input,
    /// The side (a staff role's `endorses`) the actor acts for, in the
    /// instance's scope, that has no record of this kind yet.
    ActorSide,
}

impl RecordDef {
    /// The field holding the writer's side, if the record has one.
    pub fn side_field(&self) -> Option<&RecordField> {
        self.fields.iter().find(|f| f.from == ValueSource::ActorSide)
    }

    pub fn field(&self, name: &str) -> Option<&RecordField> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// What a person reads for `value` of the field `name`.
    pub fn shown(&self, name: &str, value: &serde_json::Value) -> String {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        self.field(name).and_then(|f| f.choice_labels.get(&text)).cloned().unwrap_or(text)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRecord {
    #[serde(default)]
    machine: Option<String>,
    label: String,
    key: Option<String>,
    #[serde(default)]
    writers: Option<Vec<String>>,
    fields: BTreeMap<String, Spanned<RawRecordField>>,
    #[serde(default)]
    per_anniversary: bool,
    option: Option<Spanned<String>>,
}

impl RawRecord {
    /// The option that keeps it, if any.
    pub(super) fn option(&self) -> Option<&Spanned<String>> {
        self.option.as_ref()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecordField {
    #[serde(rename = "type")]
    kind: String,
    label: String,
    from: Option<String>,
}

/// The names earlier releases gave the endorsement by side and the
/// opinion: the API still shapes them as then (`endorsements`, `opinions`).
pub const FORMER_SIDE: &str = "endorsement";
pub const FORMER_OPINION: &str = "opinion";

/// The names of [`FORMER`]'s records.
pub const FORMER_NAMES: &[&str] = &["endorsement", "opinion", "report"];

/// The records earlier releases built in, implied for files written then
/// (stored versions among them) that write one without declaring it. Their
/// writers are the roles of the transitions writing them.
const FORMER: &str = r#"
[endorsement]
label = "Portage"
key = "side"
fields.side = { type = "text", label = "Côté", from = "actor_side" }

[opinion]
label = "Avis"
key = "body"
fields.body = { type = "choice", label = "Avis de" }
fields.opinion = { type = "choice", label = "Avis" }
fields.date = { type = "date", label = "Date de l'avis" }

[report]
machine = "label"
label = "Rapports d'activité"
key = "year"
per_anniversary = true
fields.year = { type = "integer", label = "Année" }
fields.body = { type = "text", label = "Rapport" }
"#;

/// The types a record's field may have.
const FIELD_TYPES: &[FieldType] = &[FieldType::Text, FieldType::Choice, FieldType::Integer, FieldType::Date];

/// What the machines' `record` effects write that the engine does not keep
/// itself, with the line of the transition writing it.
fn written(machines: [(Machine, &MachineDef); 2]) -> Vec<(Machine, usize, &super::model::Transition, &str)> {
    let mut out = Vec::new();
    for (machine, def) in machines {
        for t in &def.transitions {
            for e in &t.effects {
                if let Effect::Write(name) = e {
                    out.push((machine, t.line, t, name.as_str()));
                }
            }
        }
    }
    out
}

/// Checks the file's declarations against its roles and the transitions
/// writing them; problems as (line, message).
pub(super) fn build(
    source: &str,
    raw: &BTreeMap<String, Spanned<RawRecord>>,
    roles: &[RoleDef],
    machines: [(Machine, &MachineDef); 2],
    problems: &mut Vec<(usize, String)>,
) -> Vec<RecordDef> {
    let writes = written(machines);
    let mut declared: Vec<(String, usize, &RawRecord)> =
        raw.iter().map(|(name, r)| (name.clone(), super::load::line_of(source, r.span().start), r.get_ref())).collect();
    let former: BTreeMap<String, RawRecord> = toml::from_str(FORMER).expect("the former records parse");
    for (name, r) in &former {
        if !raw.contains_key(name) && writes.iter().any(|(_, _, _, w)| w == name) {
            declared.push((name.clone(), 0, r));
        }
    }
    let mut out = Vec::new();
    for (name, line, r) in declared {
        let implied = line == 0;
        let mut problem = |message: String| problems.push((line, format!("record `{name}`: {message}")));
        if RecordKind::parse(&name).is_some() {
            problem("the engine keeps this record itself; give yours another name".into());
            continue;
        }
        let machine = match r.machine.as_deref().map(|m| (m, Machine::parse(m))) {
            None => Machine::Dossier,
            Some((_, Some(m))) => m,
            Some((text, None)) => {
                problem(format!("unknown machine `{text}` (dossier or label)"));
                continue;
            }
        };
        let writing: Vec<_> = writes.iter().filter(|(_, _, _, w)| *w == name).collect();
        if writing.is_empty() && !implied {
            problem("no transition writes it (`effects = [{ record = \"NAME\" }]`)".into());
        }
        let mut writers = Vec::new();
        match &r.writers {
            Some(names) => {
                for w in names {
                    match roles.iter().find(|d| d.name.name() == w) {
                        Some(d) => writers.push(d.name.clone()),
                        None if w == Role::ADMIN => writers.push(Role::admin()),
                        None if w == Role::GUEST => writers.push(Role::guest()),
                        None => problem(format!("unknown writer `{w}` (declare it under [roles])")),
                    }
                }
            }
            None if implied => {
                for (_, _, t, _) in &writing {
                    for role in &t.roles {
                        if !writers.contains(role) && !role.is_system() {
                            writers.push(role.clone());
                        }
                    }
                }
            }
            None => problem("names no `writers` (the roles that write it)".into()),
        }
        let mut fields = Vec::new();
        for (field, spanned) in &r.fields {
            let f = spanned.get_ref();
            let line = if implied { 0 } else { super::load::line_of(source, spanned.span().start) };
            let mut problem =
                |message: String| problems.push((line, format!("record `{name}`: field `{field}`: {message}")));
            // The API returns a record's fields beside when it was written.
            if field == "recorded_at" {
                problem("`recorded_at` is the name of when a record was written; name the field otherwise".into());
                continue;
            }
            let Some(kind) = FieldType::parse(&f.kind).filter(|k| FIELD_TYPES.contains(k)) else {
                let known: Vec<&str> = FIELD_TYPES.iter().map(|t| t.name()).collect();
                problem(format!("unknown type `{}` (known: {})", f.kind, known.join(", ")));
                continue;
            };
            let from = match f.from.as_deref() {
                None | Some("input") => ValueSource::Input,
                Some("actor_side") if kind == FieldType::Text && machine == Machine::Dossier => ValueSource::ActorSide,
                Some("actor_side") => {
                    problem("`actor_side` gives a text field of a dossier record".into());
                    continue;
                }
                Some(other) => {
                    problem(format!("unknown `from = \"{other}\"` (input or actor_side)"));
                    continue;
                }
            };
            let mut choices = Vec::new();
            let mut choice_labels = BTreeMap::new();
            for (m, tline, t, _) in &writing {
                if *m != machine {
                    problems.push((
                        *tline,
                        format!("{m}: transition `{}` writes record `{name}`, a {machine} record", t.event),
                    ));
                    continue;
                }
                if from != ValueSource::Input {
                    continue;
                }
                let def = machines.iter().find(|(mm, _)| mm == m).map(|(_, d)| *d);
                let input =
                    def.and_then(|d| d.event(&t.event)).and_then(|e| e.fields.iter().find(|i| i.name == *field));
                match input {
                    Some(i) if i.kind == kind => {
                        if choices.is_empty() {
                            choices = i.choices.clone();
                            choice_labels = i.choice_labels.clone();
                        }
                    }
                    Some(i) => problems.push((
                        *tline,
                        format!(
                            "{m}: event `{}`: input `{field}` is of type {}, record `{name}` wants {kind}",
                            t.event, i.kind
                        ),
                    )),
                    None => problems.push((
                        *tline,
                        format!("{m}: event `{}` has no input `{field}`, which record `{name}` takes", t.event),
                    )),
                }
            }
            fields.push(RecordField {
                name: field.clone(),
                label: f.label.clone(),
                kind,
                from,
                choices,
                choice_labels,
            });
        }
        // Writers: every role of a transition writing it must be one.
        for (_, tline, t, _) in &writing {
            for role in t.roles.iter().filter(|r| !r.is_system() && !writers.contains(r)) {
                problems.push((
                    *tline,
                    format!("role `{role}` may take `{}` but is not a writer of record `{name}`", t.event),
                ));
            }
        }
        if let Some(key) = &r.key {
            if !fields.iter().any(|f| &f.name == key) {
                problems.push((line, format!("record `{name}`: key `{key}` is none of its fields")));
            }
        }
        if r.per_anniversary {
            let keyed_by_year = r.key.as_ref().and_then(|k| fields.iter().find(|f| &f.name == k));
            if machine != Machine::Label || keyed_by_year.is_none_or(|f| f.kind != FieldType::Integer) {
                problems.push((
                    line,
                    format!("record `{name}`: `per_anniversary` wants a label record keyed by an integer year"),
                ));
            }
        }
        let record = RecordDef {
            name,
            machine,
            label: r.label.clone(),
            key: r.key.clone(),
            writers,
            fields,
            per_anniversary: r.per_anniversary,
        };
        if record.side_field().is_some()
            && !roles.iter().any(|d| d.endorses.is_some() && record.writers.contains(&d.name))
        {
            problems.push((
                line,
                format!(
                    "record `{}`: a field comes `from = \"actor_side\"` but no writer `endorses` a side",
                    record.name
                ),
            ));
        }
        out.push(record);
    }
    if out.iter().filter(|r| r.per_anniversary).count() > 1 {
        problems.push((0, "at most one record is `per_anniversary`".into()));
    }
    for (m, def) in machines {
        for e in &def.events {
            for f in &e.fields {
                let Some((record, field)) = &f.default_from else { continue };
                let line = def.transitions.iter().find(|t| t.event == e.name).map_or(0, |t| t.line);
                let found = out.iter().find(|r| &r.name == record && r.machine == m).and_then(|r| r.field(field));
                match found {
                    Some(rf) if rf.kind == f.kind => {}
                    Some(rf) => problems.push((
                        line,
                        format!("{m}: event `{}`: input `{}` is {}, its default_from `{record}.{field}` is {}", e.name, f.name, f.kind, rf.kind),
                    )),
                    None => problems.push((
                        line,
                        format!("{m}: event `{}`: input `{}`: default_from names no field `{field}` of a {m} record `{record}`", e.name, f.name),
                    )),
                }
            }
        }
    }
    if !out.iter().any(|r| r.per_anniversary) {
        for (m, def) in machines {
            for t in &def.transitions {
                let named = t.guards.iter().chain(t.when.iter().filter_map(|c| match c {
                    Condition::Predicate { predicate, .. } => Some(predicate),
                    Condition::FieldEquals { .. } => None,
                }));
                for p in named {
                    if let Check::Builtin(p) = p {
                        if YEARLY.contains(p) {
                            problems.push((
                                t.line,
                                format!(
                                    "{m}: `{p}` reads the label's yearly record: declare one with `per_anniversary = true`"
                                ),
                            ));
                        }
                    }
                }
            }
        }
    }
    out
}

/// The engine's predicates that read the yearly (`per_anniversary`) record.
const YEARLY: &[Predicate] =
    &[Predicate::LastReportSubmitted, Predicate::NextReportSubmitted, Predicate::ReportYearOpen];
