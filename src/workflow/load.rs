//! Reads a workflow file and its criteria grid, checks them, and builds a
//! [`Definition`]. Every problem names its file and line.

use super::criteria::{parse_grid, Grid};
use super::model::*;
use super::roles::{Role, RoleDef};
use super::rules::{Expr, Rule};
use super::vocabulary::{Anchor, FieldType, Machine, Predicate, Recipient, RecordKind, RoleKind, Stage, TEMPLATES};
use crate::calendar::Offset;
use chrono::NaiveTime;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// One thing wrong with a workflow or grid file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

/// All problems of a refused workflow, one per line.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct Problems(pub Vec<Problem>);

/// Loads `path` and the grid it names from `criteria/` beside it.
pub fn load_file(path: &Path) -> Result<Definition, Problems> {
    let source = std::fs::read_to_string(path).map_err(|e| {
        Problems(vec![Problem { file: path.to_path_buf(), line: 0, message: format!("cannot read: {e}") }])
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    compile(path, &source, |id| {
        let grid_path = dir.join("criteria").join(format!("{id}.toml"));
        std::fs::read_to_string(&grid_path).ok().map(|text| (grid_path, text))
    })
}

/// Builds a definition from source text; `grid_source` finds a grid's file
/// name and text by id.
pub fn compile(
    file: &Path,
    source: &str,
    grid_source: impl Fn(&str) -> Option<(PathBuf, String)>,
) -> Result<Definition, Problems> {
    let mut ctx = Ctx {
        file: file.to_path_buf(),
        source,
        problems: Vec::new(),
        rules: BTreeMap::new(),
        uses: Vec::new(),
        roles: Vec::new(),
        record_names: BTreeSet::new(),
        threads: false,
    };
    let mut raw: RawFile = match toml::from_str(source) {
        Ok(raw) => raw,
        Err(e) => {
            let (line, message) = toml_problem(source, &e);
            return Err(Problems(vec![Problem { file: file.to_path_buf(), line, message }]));
        }
    };
    let mut sources = Sources {
        file: file.display().to_string(),
        text: source.to_string(),
        grid_id: raw.workflow.criteria.get_ref().clone(),
        grid: String::new(),
    };
    let mut grid_file = PathBuf::new();
    let grid = match grid_source(raw.workflow.criteria.get_ref()) {
        None => {
            ctx.at(&raw.workflow.criteria, format!("unknown criteria grid `{}`", raw.workflow.criteria.get_ref()));
            None
        }
        Some((file, text)) => match parse_grid(&text) {
            Ok(grid) => {
                sources.grid = text;
                grid_file = file;
                Some(grid)
            }
            Err(problems) => {
                ctx.problems.extend(problems.into_iter().map(|(line, message)| Problem {
                    file: file.clone(),
                    line,
                    message,
                }));
                None
            }
        },
    };
    let options = ctx.options(&mut raw);
    let mut form_problems = Vec::new();
    let form = raw.form.as_ref().map(|f| super::form::build(source, f, &mut form_problems)).unwrap_or_default();
    for (line, message) in form_problems {
        ctx.at_line(line, message);
    }
    ctx.roles(&raw.roles, &form);
    ctx.record_names = raw.records.keys().cloned().collect();
    ctx.record_names.extend(super::records::FORMER_NAMES.iter().map(|n| n.to_string()));
    ctx.rules(&raw.predicates);
    ctx.threads = raw.messages.as_ref().is_some_and(super::messages::RawMessages::enabled);
    let dossier = ctx.machine(Machine::Dossier, raw.dossier);
    let label = ctx.machine(Machine::Label, raw.label);
    let mut record_problems = Vec::new();
    let records = super::records::build(
        source,
        &raw.records,
        &ctx.roles,
        [(Machine::Dossier, &dossier), (Machine::Label, &label)],
        &mut record_problems,
    );
    for (line, message) in record_problems {
        ctx.at_line(line, message);
    }
    if let Some(grid) = &grid {
        ctx.rule_names(&raw.predicates, grid, &form, &records);
        for (line, message) in super::criteria::check_conditions(grid, &sources.grid, &form) {
            ctx.problems.push(Problem { file: grid_file.clone(), line, message });
        }
    }
    let mut refusals = BTreeMap::new();
    if let Some(table) = &raw.refusals {
        for code in table.get_ref().keys().filter(|c| !crate::engine::REFUSAL_CODES.contains(&c.as_str())) {
            // The key's own line: the first line of the table that starts with it.
            let start = table.span().start;
            let line = source[start..]
                .lines()
                .position(|l| l.trim_start().starts_with(code.as_str()))
                .map_or_else(|| ctx.line(table), |n| line_of(source, start) + n);
            ctx.at_line(line, format!("[refusals]: unknown refusal code `{code}`"));
        }
        refusals = table.get_ref().clone();
    }
    let mut later_problems = Vec::new();
    let campaigns = raw
        .campaigns
        .as_ref()
        .map(|c| super::campaigns::build(source, c, &form, &ctx.roles, &mut later_problems))
        .unwrap_or_default();
    let details = decision_details(&dossier);
    let publication =
        raw.publication.as_ref().map(|p| super::publication::build(source, p, &form, &details, &mut later_problems));
    let documents = raw.documents.as_ref().map(|raw_docs| {
        let deciding = dossier.transitions.iter().filter(|t| t.effects.contains(&Effect::Record(RecordKind::Decision)));
        let mut outcomes: Vec<&str> = Vec::new();
        for field in deciding.filter_map(|t| dossier.event(&t.event)).flat_map(|e| &e.fields) {
            if field.name == "outcome" {
                for choice in &field.choices {
                    if !outcomes.contains(&choice.as_str()) {
                        outcomes.push(choice);
                    }
                }
            }
        }
        let names = super::documents::Names {
            form_fields: form.fields().map(|f| f.name.as_str()).collect(),
            details: details.iter().map(|f| f.name.as_str()).collect(),
            outcomes,
        };
        super::documents::build(source, raw_docs, &names, &mut later_problems)
    });
    let guests =
        raw.guests.as_ref().map(|g| super::guests::build(source, g, &dossier, &ctx.roles, &form, &mut later_problems));
    let sent: Vec<&str> = [&dossier, &label]
        .iter()
        .flat_map(|m| m.transitions.iter().flat_map(|t| &t.effects).chain(m.on_create.iter()))
        .filter_map(|e| match e {
            Effect::Notify { template, .. } => Some(template.as_str()),
            _ => None,
        })
        .collect();
    let mandatory_mail = raw
        .notifications
        .as_ref()
        .map(|n| super::notifications::build(source, n, &sent, &mut later_problems))
        .unwrap_or_default();
    let retention = raw.retention.as_ref().map(|r| {
        super::retention::build(
            source,
            r,
            &form,
            [(Machine::Dossier, &dossier), (Machine::Label, &label)],
            &mut later_problems,
        )
    });
    for (line, message) in later_problems {
        ctx.at_line(line, message);
    }
    if !ctx.problems.is_empty() {
        ctx.problems.sort();
        return Err(Problems(ctx.problems));
    }
    Ok(Definition {
        id: raw.workflow.id,
        label: raw.workflow.label,
        version: raw.workflow.version,
        revision: sources.revision(),
        sources: std::sync::Arc::new(sources),
        grid: grid.unwrap_or_default(),
        form,
        roles: ctx.roles,
        dossier,
        label_machine: label,
        refusals,
        records,
        options,
        campaigns,
        publication,
        messages: raw.messages.as_ref().map(super::messages::build).unwrap_or_default(),
        documents: documents.unwrap_or_default(),
        guests,
        mandatory_mail,
        retention,
        rules: ctx.rules.into_iter().map(|(name, (rule, _))| (name, rule)).collect(),
    })
}

pub(crate) fn line_of(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

pub(crate) fn toml_problem(source: &str, e: &toml::de::Error) -> (usize, String) {
    let line = e.span().map(|s| line_of(source, s.start)).unwrap_or(1);
    (line, e.message().trim().replace('\n', " "))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    workflow: RawHeader,
    dossier: RawMachine,
    label: RawMachine,
    /// What a refused person reads, by refusal code.
    #[serde(default)]
    refusals: Option<Spanned<BTreeMap<String, String>>>,
    #[serde(default)]
    predicates: BTreeMap<String, Spanned<RawPredicate>>,
    #[serde(default)]
    form: Option<super::form::RawForm>,
    #[serde(default)]
    roles: BTreeMap<String, Spanned<RawRole>>,
    #[serde(default)]
    records: BTreeMap<String, Spanned<super::records::RawRecord>>,
    /// Rules the file may switch off (those whose source is to confirm).
    #[serde(default)]
    options: BTreeMap<String, Spanned<RawOption>>,
    /// Calls for projects set per territory.
    #[serde(default)]
    campaigns: Option<super::campaigns::RawCampaigns>,
    /// The yearly list of labels granted.
    #[serde(default)]
    publication: Option<Spanned<super::publication::RawPublication>>,
    /// Messages between a dossier's owners and its staff.
    #[serde(default)]
    messages: Option<super::messages::RawMessages>,
    /// The documents the workflow issues.
    #[serde(default)]
    documents: Option<super::documents::RawDocuments>,
    /// Outside experts asked for an opinion by a link.
    #[serde(default)]
    guests: Option<Spanned<super::guests::RawGuests>>,
    /// The e-mails no one may put off.
    #[serde(default)]
    notifications: Option<super::notifications::RawNotifications>,
    /// How long the personal data of what ended is kept.
    #[serde(default)]
    retention: Option<super::retention::RawRetention>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    label: String,
    enabled: bool,
    /// Why the rule is to confirm (what was not found in the texts).
    to_confirm: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRole {
    label: String,
    kind: String,
    scope: Option<String>,
    endorses: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPredicate {
    machine: String,
    /// A CEL expression that holds when the step may go on.
    rule: Option<Spanned<String>>,
    code: String,
    message: String,
    /// A CEL list of strings: what is missing, read after the message;
    /// without `rule`, the predicate holds when it is empty.
    missing: Option<Spanned<String>>,
    /// Left out, and out of every guard and advice naming it, when this
    /// option is switched off.
    option: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    id: String,
    label: String,
    version: u32,
    criteria: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMachine {
    initial: Spanned<String>,
    #[serde(default)]
    on_create: Vec<Spanned<RawEffect>>,
    states: BTreeMap<String, Spanned<RawState>>,
    #[serde(default)]
    events: BTreeMap<String, Spanned<RawEvent>>,
    #[serde(default)]
    transitions: Vec<Spanned<RawTransition>>,
    #[serde(default)]
    timers: BTreeMap<String, Spanned<RawTimer>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawState {
    label: String,
    #[serde(default)]
    terminal: bool,
    #[serde(default)]
    editable: bool,
    #[serde(default)]
    attachable: bool,
    /// What the state means to the engine (see [`Stage`]).
    stage: Option<String>,
    option: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    label: String,
    option: Option<Spanned<String>>,
    #[serde(default)]
    batch: bool,
    /// What a person confirms before a step that cannot be undone.
    confirm: Option<String>,
    /// The webhook kind this event also announces (`label_expiring`).
    announce: Option<Spanned<String>>,
    /// In the file's order: forms ask for them so (the decision's outcome,
    /// then its mention, duration and motivation).
    #[serde(default)]
    fields: indexmap::IndexMap<String, Spanned<RawField>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    choices: Vec<String>,
    /// What a person reads for each choice, by choice.
    #[serde(default)]
    labels: BTreeMap<String, String>,
    /// The field's French label and help text in forms.
    label: Option<String>,
    help: Option<String>,
    min: Option<i64>,
    max: Option<i64>,
    /// `field=value`: required when another input has that value.
    required_if: Option<String>,
    /// `RECORD.FIELD`: the value a required input left out takes.
    default_from: Option<String>,
    /// The first day each choice exists (a mention created by a text).
    #[serde(default)]
    since: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTransition {
    event: Spanned<String>,
    from: Vec<Spanned<String>>,
    to: Option<Spanned<String>>,
    roles: Vec<Spanned<String>>,
    #[serde(default)]
    when: Vec<Spanned<String>>,
    #[serde(default)]
    guards: Vec<Spanned<String>>,
    /// Predicates a checklist shows when they fail, without refusing.
    #[serde(default)]
    advice: Vec<Spanned<String>>,
    #[serde(default)]
    effects: Vec<Spanned<RawEffect>>,
    option: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEffect {
    option: Option<Spanned<String>>,
    notify: Option<String>,
    to: Option<Vec<String>>,
    start_timer: Option<String>,
    cancel_timer: Option<String>,
    cancel_all_timers: Option<bool>,
    record: Option<String>,
    create_label: Option<bool>,
    /// The text input the step writes in the dossier's thread.
    post_message: Option<String>,
    /// With `create_label`: the date input the validity starts on.
    valid_from: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTimer {
    anchor: String,
    #[serde(default)]
    offset: Option<String>,
    time: Option<String>,
    event: String,
    #[serde(default)]
    skip_if_past: bool,
    option: Option<Spanned<String>>,
}

struct Ctx<'s> {
    file: PathBuf,
    source: &'s str,
    problems: Vec<Problem>,
    /// The file's predicates, with whether a transition uses them.
    rules: BTreeMap<String, (Rule, bool)>,
    /// (predicate, machine, event) for each place a transition names one.
    uses: Vec<(String, Machine, EventDef)>,
    roles: Vec<RoleDef>,
    /// The names `record` effects may write besides the engine's own.
    record_names: BTreeSet<String>,
    /// `[messages]` opens a thread on the dossiers.
    threads: bool,
}

impl Ctx<'_> {
    fn line<T>(&self, spanned: &Spanned<T>) -> usize {
        line_of(self.source, spanned.span().start)
    }

    fn at<T>(&mut self, spanned: &Spanned<T>, message: String) {
        let line = self.line(spanned);
        self.at_line(line, message);
    }

    fn at_line(&mut self, line: usize, message: String) {
        self.problems.push(Problem { file: self.file.clone(), line, message });
    }

    fn roles(&mut self, raw: &BTreeMap<String, Spanned<RawRole>>, form: &super::form::Form) {
        let scopes: Vec<&str> = form.scope_fields().map(|(k, _)| k).collect();
        for (name, spanned) in raw {
            let r = spanned.get_ref();
            if !Role::valid_name(name) || Role::is_builtin(name) {
                self.at(
                    spanned,
                    format!("role `{name}`: a role is named in lowercase ASCII, and not admin, system or guest"),
                );
                continue;
            }
            let kind = match RoleKind::parse(&r.kind) {
                Some(k) if !matches!(k, RoleKind::Admin | RoleKind::System | RoleKind::Guest) => k,
                _ => {
                    let line = super::form::key_line(self.source, spanned.span(), "kind")
                        .unwrap_or_else(|| self.line(spanned));
                    self.at_line(
                        line,
                        format!("role `{name}`: unknown kind `{}` (known: owner, staff, reviewer, national)", r.kind),
                    );
                    continue;
                }
            };
            match (&r.scope, kind) {
                (None, RoleKind::Staff) => {
                    self.at(spanned, format!("role `{name}`: a staff role names the `scope` kind its grants name"))
                }
                (Some(scope), RoleKind::Staff) if !scopes.contains(&scope.as_str()) => self.at(
                    spanned,
                    format!(
                        "role `{name}`: scope `{scope}` is no field's scope in the form (known: {})",
                        scopes.join(", ")
                    ),
                ),
                (Some(_), k) if k != RoleKind::Staff => {
                    self.at(spanned, format!("role `{name}`: only a staff role takes a `scope`"))
                }
                _ => {}
            }
            if r.endorses.is_some() && kind != RoleKind::Staff {
                self.at(spanned, format!("role `{name}`: only a staff role `endorses`"));
            }
            self.roles.push(RoleDef {
                name: Role::new(name.as_str()),
                label: r.label.clone(),
                kind,
                scope: r.scope.clone(),
                endorses: r.endorses.clone(),
            });
        }
    }

    /// The file's options; drops what a switched-off option marks
    /// (`option = "NAME"` on a state, event, transition, effect, timer,
    /// record or predicate), after checking every such name.
    fn options(&mut self, raw: &mut RawFile) -> Vec<OptionDef> {
        let options: Vec<OptionDef> = raw
            .options
            .iter()
            .map(|(name, o)| OptionDef {
                name: name.clone(),
                label: o.get_ref().label.clone(),
                enabled: o.get_ref().enabled,
                to_confirm: o.get_ref().to_confirm.clone(),
            })
            .collect();
        let mut named: Vec<&Spanned<String>> = Vec::new();
        for m in [&raw.dossier, &raw.label] {
            named.extend(m.states.values().filter_map(|s| s.get_ref().option.as_ref()));
            named.extend(m.events.values().filter_map(|e| e.get_ref().option.as_ref()));
            named.extend(m.timers.values().filter_map(|t| t.get_ref().option.as_ref()));
            named.extend(m.on_create.iter().filter_map(|e| e.get_ref().option.as_ref()));
            for t in &m.transitions {
                named.extend(t.get_ref().option.as_ref());
                named.extend(t.get_ref().effects.iter().filter_map(|e| e.get_ref().option.as_ref()));
            }
        }
        named.extend(raw.records.values().filter_map(|r| r.get_ref().option()));
        named.extend(raw.guests.as_ref().and_then(|g| g.get_ref().option.as_ref()));
        named.extend(raw.predicates.values().filter_map(|p| p.get_ref().option.as_ref()));
        let unknown: Vec<(usize, String)> = named
            .iter()
            .filter(|n| !options.iter().any(|o| &o.name == n.get_ref()))
            .map(|n| (self.line(n), format!("unknown option `{}` (declare it under [options])", n.get_ref())))
            .collect();
        for (line, message) in unknown {
            self.at_line(line, message);
        }
        let on = |o: &Option<Spanned<String>>| {
            o.as_ref().is_none_or(|n| options.iter().any(|d| &d.name == n.get_ref() && d.enabled))
        };
        // A check switched off leaves the steps it guarded free of it.
        let checks_off: BTreeSet<String> =
            raw.predicates.iter().filter(|(_, p)| !on(&p.get_ref().option)).map(|(n, _)| n.clone()).collect();
        raw.predicates.retain(|n, _| !checks_off.contains(n));
        for (machine, m) in [(Machine::Dossier, &mut raw.dossier), (Machine::Label, &mut raw.label)] {
            for t in &mut m.transitions {
                let t = t.get_mut();
                t.guards.retain(|g| !checks_off.contains(g.get_ref()));
                t.advice.retain(|g| !checks_off.contains(g.get_ref()));
            }
            // A state left out leaves the lists that name it; a transition
            // that then leaves no state goes with it.
            let gone: BTreeSet<String> =
                m.states.iter().filter(|(_, s)| !on(&s.get_ref().option)).map(|(n, _)| n.clone()).collect();
            m.states.retain(|n, _| !gone.contains(n));
            if let Some(retention) = &mut raw.retention {
                retention.leave_out(machine, &gone);
            }
            for t in &mut m.transitions {
                t.get_mut().from.retain(|f| !gone.contains(f.get_ref()));
            }
            m.transitions.retain(|t| !t.get_ref().from.is_empty() || gone.is_empty());
            m.events.retain(|_, e| on(&e.get_ref().option));
            m.timers.retain(|_, t| on(&t.get_ref().option));
            m.on_create.retain(|e| on(&e.get_ref().option));
            m.transitions.retain(|t| on(&t.get_ref().option));
            for t in &mut m.transitions {
                t.get_mut().effects.retain(|e| on(&e.get_ref().option));
            }
        }
        raw.records.retain(|_, r| on(&r.get_ref().option().cloned()));
        if raw.guests.as_ref().is_some_and(|g| !on(&g.get_ref().option)) {
            raw.guests = None;
        }
        options
    }

    fn known_role(&self, name: &str) -> Option<Role> {
        let role = Role::new(name);
        (Role::is_builtin(name) || self.roles.iter().any(|r| r.name == role)).then_some(role)
    }

    /// The recipients a `to` entry names.
    fn recipients(&self, name: &str) -> Result<Vec<Recipient>, String> {
        Ok(match name {
            "owners" => vec![Recipient::Owners],
            "reviewers" => vec![Recipient::Reviewers],
            "reviewer" => vec![Recipient::Reviewer],
            "admins" => vec![Recipient::Admins],
            other if other.starts_with("account:") => {
                let address = other.trim_start_matches("account:");
                vec![Recipient::account(address).ok_or_else(|| {
                    format!("recipient `{other}`: `account:` takes an e-mail address in lower case")
                })?]
            }
            "staff" => self
                .roles
                .iter()
                .filter(|r| r.kind == RoleKind::Staff)
                .map(|r| Recipient::InScope(r.name.clone()))
                .collect(),
            other => match self.roles.iter().find(|r| r.name.name() == other) {
                Some(r) if r.kind == RoleKind::Staff => vec![Recipient::InScope(r.name.clone())],
                Some(r) if r.kind == RoleKind::National => vec![Recipient::Holders(r.name.clone())],
                Some(r) => {
                    return Err(format!(
                        "recipient `{other}`: an {} role is reached as `{}`",
                        r.kind,
                        if r.kind == RoleKind::Owner { "owners" } else { "reviewers" }
                    ))
                }
                None => {
                    return Err(format!(
                        "unknown recipient `{other}` (owners, reviewers, reviewer, admins, staff, a role or account:ADDRESS)"
                    ))
                }
            },
        })
    }

    fn machine(&mut self, machine: Machine, raw: RawMachine) -> MachineDef {
        let m = machine.name();
        let mut states: Vec<(usize, StateDef)> = Vec::new();
        for (name, s) in &raw.states {
            let s_ref = s.get_ref();
            let stage = match s_ref.stage.as_deref().map(|t| (t, Stage::parse(t))) {
                None => None,
                Some((_, Some(stage))) if stage.machine() == machine => Some(stage),
                Some((text, Some(stage))) => {
                    self.at(
                        s,
                        format!("{m}: state `{name}`: stage `{text}` belongs to the {} machine", stage.machine()),
                    );
                    None
                }
                Some((text, None)) => {
                    let known: Vec<&str> = Stage::ALL.iter().map(|s| s.name()).collect();
                    self.at(s, format!("{m}: state `{name}`: unknown stage `{text}` (known: {})", known.join(", ")));
                    None
                }
            };
            states.push((
                s.span().start,
                StateDef {
                    name: name.clone(),
                    label: s_ref.label.clone(),
                    terminal: s_ref.terminal,
                    editable: s_ref.editable,
                    attachable: s_ref.attachable,
                    stage,
                },
            ));
        }
        states.sort_by_key(|(at, _)| *at);
        let states: Vec<StateDef> = states.into_iter().map(|(_, s)| s).collect();
        let state_known = |name: &str| states.iter().any(|s| s.name == name);
        if !state_known(raw.initial.get_ref()) {
            self.at(&raw.initial, format!("{m}: initial state `{}` is not declared", raw.initial.get_ref()));
        }

        let mut events = Vec::new();
        for (name, spanned) in &raw.events {
            events.push(self.event(m, name, spanned));
        }
        let timer_names: BTreeSet<&str> = raw.timers.keys().map(String::as_str).collect();

        let mut transitions = Vec::new();
        for spanned in &raw.transitions {
            let t = spanned.get_ref();
            let line = self.line(&t.event);
            let event_name = t.event.get_ref().clone();
            let event = events.iter().find(|e: &&EventDef| e.name == event_name).cloned();
            if event.is_none() {
                self.at(&t.event, format!("{m}: unknown event `{event_name}` (declare it under [{m}.events])"));
            }
            for from in &t.from {
                if !state_known(from.get_ref()) {
                    self.at(from, format!("{m}: unknown state `{}`", from.get_ref()));
                }
            }
            if t.from.is_empty() {
                self.at(&t.event, format!("{m}: transition `{event_name}` leaves no state (`from` is empty)"));
            }
            if let Some(to) = &t.to {
                if !state_known(to.get_ref()) {
                    self.at(to, format!("{m}: unknown state `{}`", to.get_ref()));
                }
            }
            let mut roles = Vec::new();
            for role in &t.roles {
                match self.known_role(role.get_ref()) {
                    Some(r) => roles.push(r),
                    None => self.at(role, format!("unknown role `{}` (declare it under [roles])", role.get_ref())),
                }
            }
            if t.roles.is_empty() {
                self.at(&t.event, format!("{m}: transition `{event_name}` allows no role"));
            }
            let mut when = Vec::new();
            for cond in &t.when {
                if let Some(c) = self.condition(machine, cond, event.as_ref()) {
                    when.push(c);
                }
            }
            let mut guards = Vec::new();
            for g in &t.guards {
                if let Some(p) = self.predicate(machine, g, g.get_ref(), "guard", event.as_ref()) {
                    guards.push(p);
                }
            }
            let mut advice = Vec::new();
            for g in &t.advice {
                if let Some(p) = self.predicate(machine, g, g.get_ref(), "advice", event.as_ref()) {
                    advice.push(p);
                }
            }
            let effects = self.effects(machine, &t.effects, &timer_names, event.as_ref());
            if effects.iter().any(|e| matches!(e, Effect::PostMessage(_))) && roles.iter().any(Role::is_system) {
                // A message has a writer the thread can name.
                self.at(
                    &t.event,
                    format!("{m}: transition `{event_name}` posts a message: the system may not take it"),
                );
            }
            transitions.push(Transition {
                event: event_name,
                from: t.from.iter().map(|s| s.get_ref().clone()).collect(),
                to: t.to.as_ref().map(|s| s.get_ref().clone()),
                roles,
                when,
                guards,
                advice,
                effects,
                line,
            });
        }
        let on_create = self.effects(machine, &raw.on_create, &timer_names, None);

        let mut timers = Vec::new();
        for (name, spanned) in &raw.timers {
            if let Some(timer) = self.timer(machine, name, spanned, &events, &transitions) {
                timers.push(timer);
            }
        }

        let def = MachineDef { initial: raw.initial.get_ref().clone(), states, events, transitions, timers, on_create };
        self.graph_checks(machine, &raw, &def);
        def
    }

    fn event(&mut self, m: &str, name: &str, spanned: &Spanned<RawEvent>) -> EventDef {
        let raw = spanned.get_ref();
        let mut fields = Vec::new();
        for (field, f) in &raw.fields {
            let spec = f.get_ref();
            let Some(kind) = FieldType::parse(&spec.kind) else {
                self.at(f, format!("{m}: event `{name}`: field `{field}` has unknown type `{}`", spec.kind));
                continue;
            };
            if kind == FieldType::Choice && spec.choices.is_empty() {
                self.at(f, format!("{m}: event `{name}`: choice field `{field}` lists no choices"));
            }
            if kind != FieldType::Choice && !spec.choices.is_empty() {
                self.at(f, format!("{m}: event `{name}`: only a choice field takes `choices` (`{field}`)"));
            }
            if let (Some(lo), Some(hi)) = (spec.min, spec.max) {
                if lo > hi {
                    self.at(f, format!("{m}: event `{name}`: field `{field}` has min {lo} above max {hi}"));
                }
            }
            if (spec.min.is_some() || spec.max.is_some()) && kind != FieldType::Integer {
                self.at(f, format!("{m}: event `{name}`: only an integer field takes min/max (`{field}`)"));
            }
            let mut since = BTreeMap::new();
            for (choice, day) in &spec.since {
                match crate::calendar::parse_date(day) {
                    Some(d) if spec.choices.contains(choice) => {
                        since.insert(choice.clone(), d);
                    }
                    Some(_) => self.at(f, format!("{m}: event `{name}`: field `{field}`: `since` names `{choice}`, which is not one of its choices")),
                    None => self.at(f, format!("{m}: event `{name}`: field `{field}`: `since` of `{choice}` is not a date (YYYY-MM-DD)")),
                }
            }
            if let Some(stray) = spec.labels.keys().find(|k| !spec.choices.contains(k)) {
                self.at(
                    f,
                    format!("{m}: event `{name}`: field `{field}` labels `{stray}`, which is not one of its choices"),
                );
            }
            if !spec.labels.is_empty() {
                if let Some(bare) = spec.choices.iter().find(|c| !spec.labels.contains_key(*c)) {
                    self.at(f, format!("{m}: event `{name}`: field `{field}` gives no label to its choice `{bare}`"));
                }
            }
            fields.push(FieldDef {
                name: field.clone(),
                kind,
                required: spec.required,
                choices: spec.choices.clone(),
                choice_labels: spec.labels.clone(),
                label: spec.label.clone().unwrap_or_else(|| field.clone()),
                help: spec.help.clone(),
                min: spec.min,
                max: spec.max,
                required_if: None,
                since,
                default_from: spec.default_from.as_ref().and_then(|d| {
                    let parsed = d.split_once('.').map(|(r, f)| (r.trim().to_string(), f.trim().to_string()));
                    if parsed.is_none() {
                        self.at(
                            f,
                            format!("{m}: event `{name}`: field `{field}`: default_from `{d}` is not `RECORD.FIELD`"),
                        );
                    }
                    parsed
                }),
            });
        }
        for (field, f) in &raw.fields {
            let Some(text) = &f.get_ref().required_if else { continue };
            let Some((other, value)) = text.split_once('=').map(|(a, b)| (a.trim(), b.trim())) else {
                self.at(f, format!("{m}: event `{name}`: field `{field}`: required_if `{text}` is not `field=value`"));
                continue;
            };
            match fields.iter().find(|d| d.name == other) {
                Some(d) if d.kind == FieldType::Choice && d.choices.iter().any(|c| c == value) => {}
                Some(_) => self.at(
                    f,
                    format!("{m}: event `{name}`: field `{field}`: required_if `{text}`: `{value}` is not a choice of `{other}`"),
                ),
                None => {
                    self.at(f, format!("{m}: event `{name}`: field `{field}`: required_if names unknown field `{other}`"))
                }
            }
            if let Some(d) = fields.iter_mut().find(|d| d.name == *field) {
                d.required_if = Some((other.to_string(), value.to_string()));
            }
        }
        if raw.batch && m != Machine::Dossier.name() {
            self.at(spanned, format!("{m}: event `{name}`: only a dossier event is sent in batch"));
        }
        if raw.batch && fields.iter().any(|f| matches!(f.kind, FieldType::Scores | FieldType::Notes)) {
            self.at(spanned, format!("{m}: event `{name}`: scores are a person's own, not sent in batch"));
        }
        let announce = raw.announce.as_ref().and_then(|kind| {
            let valid = crate::workflow::Role::valid_name(kind.get_ref())
                && !crate::webhooks::BUILT_IN_KINDS.contains(&kind.get_ref().as_str());
            if !valid {
                self.at(
                    kind,
                    format!(
                        "{m}: event `{name}`: `announce` must be `[a-z0-9_]` and not a built-in webhook kind ({})",
                        crate::webhooks::BUILT_IN_KINDS.join(", ")
                    ),
                );
            }
            valid.then(|| kind.get_ref().clone())
        });
        EventDef {
            name: name.to_string(),
            label: raw.label.clone(),
            fields,
            batch: raw.batch,
            confirm: raw.confirm.clone(),
            announce,
        }
    }

    fn predicate<T>(
        &mut self,
        machine: Machine,
        at: &Spanned<T>,
        name: &str,
        what: &str,
        event: Option<&EventDef>,
    ) -> Option<Check> {
        let (check, of) = match (Predicate::parse(name), self.rules.get_mut(name)) {
            (Some(p), _) => (Check::Builtin(p), p.machine()),
            (None, Some((rule, used))) => {
                *used = true;
                (Check::Rule(name.to_string()), rule.machine)
            }
            (None, None) => {
                self.at(at, format!("unknown {what} `{name}` (declare it under [predicates.{name}])"));
                return None;
            }
        };
        if of != machine {
            self.at(at, format!("{what} `{name}` applies to the {of} machine, not the {machine}"));
            return None;
        }
        // Several transitions of one event (`decide` by outcome) share its
        // facts: its predicates are checked once for it.
        if let (Check::Rule(_), Some(event)) = (&check, event) {
            if !self.uses.iter().any(|(n, _, e)| n == name && e.name == event.name) {
                self.uses.push((name.to_string(), machine, event.clone()));
            }
        }
        Some(check)
    }

    /// Compiles the file's predicates; their names are checked once the
    /// events that use them are known ([`Ctx::rule_names`]).
    fn rules(&mut self, raw: &BTreeMap<String, Spanned<RawPredicate>>) {
        for (name, spanned) in raw {
            let p = spanned.get_ref();
            if Predicate::parse(name).is_some() {
                self.at(spanned, format!("predicate `{name}` is built in: give yours another name"));
                continue;
            }
            let Some(machine) = Machine::parse(&p.machine) else {
                self.at(spanned, format!("predicate `{name}`: unknown machine `{}`", p.machine));
                continue;
            };
            let snake = p.code.starts_with(|c: char| c.is_ascii_lowercase())
                && p.code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !snake {
                self.at(spanned, format!("predicate `{name}`: code `{}` is not snake_case", p.code));
            }
            if p.message.trim().is_empty() {
                self.at(spanned, format!("predicate `{name}` has no message for the person it refuses"));
            }
            if p.rule.is_none() && p.missing.is_none() {
                self.at(spanned, format!("predicate `{name}` needs a `rule`, a `missing` list, or both"));
                continue;
            }
            let expr = p.rule.as_ref().map(|e| self.expression(name, "rule", e));
            let missing = p.missing.as_ref().map(|e| self.expression(name, "missing", e));
            if let (Some(None), _) | (_, Some(None)) = (&expr, &missing) {
                continue;
            }
            let rule = Rule {
                name: name.clone(),
                machine,
                expr: expr.flatten(),
                code: p.code.clone(),
                message: p.message.clone(),
                missing: missing.flatten(),
            };
            self.rules.insert(name.clone(), (rule, false));
        }
    }

    /// The line of an expression's first line: a multi-line string starts
    /// on the line after its opening quotes.
    fn expression_line(&self, spanned: &Spanned<String>) -> usize {
        let start = spanned.span().start;
        let opening = &self.source[start..];
        let multi = ["'''\n", "\"\"\"\n", "'''\r\n", "\"\"\"\r\n"].iter().any(|q| opening.starts_with(q));
        line_of(self.source, start) + usize::from(multi)
    }

    fn expression(&mut self, name: &str, key: &str, spanned: &Spanned<String>) -> Option<Expr> {
        match Expr::compile(spanned.get_ref()) {
            Ok(expr) => Some(expr),
            Err(problems) => {
                let first = self.expression_line(spanned);
                for (line, message) in problems {
                    self.at_line(first + line - 1, format!("predicate `{name}`: {key}: {message}"));
                }
                None
            }
        }
    }

    /// Checks every name each predicate reads against the facts of the
    /// events it guards, then runs it on a sample instance for type faults.
    fn rule_names(
        &mut self,
        raw: &BTreeMap<String, Spanned<RawPredicate>>,
        grid: &Grid,
        form: &super::form::Form,
        records: &[super::records::RecordDef],
    ) {
        let unused: Vec<String> = self.rules.iter().filter(|(_, (_, used))| !used).map(|(n, _)| n.clone()).collect();
        for name in unused {
            self.at(&raw[&name], format!("predicate `{name}` is used by no transition"));
        }
        for (name, machine, event) in std::mem::take(&mut self.uses) {
            let Some((rule, _)) = self.rules.get(&name) else { continue };
            let rule = rule.clone();
            let p = raw[&name].get_ref();
            let shapes = crate::engine::rules::shapes(machine, &event, grid, form, records);
            let parts = [
                (rule.expr.as_ref().zip(p.rule.as_ref()), "rule", false),
                (rule.missing.as_ref().zip(p.missing.as_ref()), "missing", true),
            ];
            for (expr, spanned, key, wants_list) in
                parts.into_iter().filter_map(|(part, key, list)| part.map(|(e, s)| (e, s, key, list)))
            {
                let first = self.expression_line(spanned);
                let unknown = expr.unknown_names(&shapes);
                for (line, message) in &unknown {
                    self.at_line(
                        first + line - 1,
                        format!("predicate `{name}`: {key}: {message} (in event `{}`)", event.name),
                    );
                }
                if unknown.is_empty() {
                    if let Some(fault) =
                        crate::engine::rules::sample_fault(expr, machine, &event, grid, form, records, wants_list)
                    {
                        self.at_line(first, format!("predicate `{name}`: {key}: {fault} (in event `{}`)", event.name));
                    }
                }
            }
        }
    }

    fn condition(&mut self, machine: Machine, cond: &Spanned<String>, event: Option<&EventDef>) -> Option<Condition> {
        let text = cond.get_ref().trim();
        if let Some((field, value)) = text.split_once('=') {
            let (field, value) = (field.trim(), value.trim());
            let event = event?;
            match event.fields.iter().find(|f| f.name == field) {
                Some(f) if f.kind == FieldType::Choice => {
                    if !f.choices.iter().any(|c| c == value) {
                        self.at(cond, format!("condition `{text}`: `{value}` is not a choice of field `{field}`"));
                        return None;
                    }
                    if !f.required {
                        self.at(
                            cond,
                            format!("condition `{text}`: field `{field}` must be required to select a transition"),
                        );
                        return None;
                    }
                }
                Some(_) => {
                    self.at(cond, format!("condition `{text}`: field `{field}` is not a choice field"));
                    return None;
                }
                None => {
                    self.at(cond, format!("condition `{text}`: event `{}` has no field `{field}`", event.name));
                    return None;
                }
            }
            return Some(Condition::FieldEquals { field: field.into(), value: value.into() });
        }
        let (negated, name) = match text.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, text),
        };
        let predicate = self.predicate(machine, cond, name, "condition", event)?;
        Some(Condition::Predicate { predicate, negated })
    }

    fn effects(
        &mut self,
        machine: Machine,
        raw: &[Spanned<RawEffect>],
        timers: &BTreeSet<&str>,
        event: Option<&EventDef>,
    ) -> Vec<Effect> {
        let mut out = Vec::new();
        for spanned in raw {
            let e = spanned.get_ref();
            let kinds = [
                e.notify.is_some(),
                e.start_timer.is_some(),
                e.cancel_timer.is_some(),
                e.cancel_all_timers.is_some(),
                e.record.is_some(),
                e.create_label.is_some(),
                e.post_message.is_some(),
            ];
            if kinds.iter().filter(|k| **k).count() != 1 {
                self.at(spanned, "an effect names exactly one of notify, start_timer, cancel_timer, cancel_all_timers, record, create_label, post_message".into());
                continue;
            }
            if e.to.is_some() && e.notify.is_none() {
                self.at(spanned, "`to` belongs to a notify effect".into());
            }
            if let Some(template) = &e.notify {
                if !TEMPLATES.contains(&template.as_str()) {
                    self.at(spanned, format!("unknown template `{template}`"));
                }
                let mut to = Vec::new();
                for r in e.to.iter().flatten() {
                    match self.recipients(r) {
                        Ok(rs) => to.extend(rs),
                        Err(message) => self.at(spanned, message),
                    }
                }
                if e.to.as_ref().is_none_or(|t| t.is_empty()) {
                    self.at(spanned, format!("notify `{template}` names no recipient (`to`)"));
                }
                out.push(Effect::Notify { template: template.clone(), to });
            } else if let Some(name) = e.start_timer.as_ref().or(e.cancel_timer.as_ref()) {
                if !timers.contains(name.as_str()) {
                    self.at(spanned, format!("unknown timer `{name}` (declare it under [{machine}.timers])"));
                }
                out.push(if e.start_timer.is_some() {
                    Effect::StartTimer(name.clone())
                } else {
                    Effect::CancelTimer(name.clone())
                });
            } else if let Some(flag) = e.cancel_all_timers {
                if flag {
                    out.push(Effect::CancelAllTimers);
                }
            } else if let Some(kind) = &e.record {
                // A name the engine does not keep is the file's own record,
                // checked against its declaration once both machines are read.
                match RecordKind::parse(kind) {
                    Some(k) if k.machine() != machine => {
                        self.at(
                            spanned,
                            format!("record `{kind}` applies to the {} machine, not the {machine}", k.machine()),
                        );
                    }
                    Some(k) => out.push(Effect::Record(k)),
                    None if self.record_names.contains(kind) => out.push(Effect::Write(kind.clone())),
                    None => self.at(spanned, format!("unknown record `{kind}` (declare it under [records.{kind}])")),
                }
            } else if e.create_label == Some(true) {
                if machine != Machine::Dossier {
                    self.at(spanned, "create_label applies to the dossier machine only".into());
                }
                if let Some(input) = &e.valid_from {
                    let date = event.and_then(|ev| ev.fields.iter().find(|f| &f.name == input));
                    if date.is_none_or(|f| f.kind != FieldType::Date) {
                        let on = event.map(|ev| format!(" of event `{}`", ev.name)).unwrap_or_default();
                        self.at(spanned, format!("create_label: valid_from `{input}` is no date input{on}"));
                    }
                }
                out.push(Effect::CreateLabel { valid_from: e.valid_from.clone() });
            } else if let Some(input) = &e.post_message {
                if machine != Machine::Dossier || !self.threads {
                    self.at(spanned, "post_message needs the dossiers' thread ([messages])".into());
                }
                let text = event.and_then(|ev| ev.fields.iter().find(|f| &f.name == input));
                if text.is_none_or(|f| f.kind != FieldType::Text || !f.required) {
                    let on = event.map(|ev| format!(" of event `{}`", ev.name)).unwrap_or_default();
                    self.at(spanned, format!("post_message: `{input}` is no required text input{on}"));
                }
                out.push(Effect::PostMessage(input.clone()));
            }
        }
        out
    }

    fn timer(
        &mut self,
        machine: Machine,
        name: &str,
        spanned: &Spanned<RawTimer>,
        events: &[EventDef],
        transitions: &[Transition],
    ) -> Option<TimerDef> {
        let raw = spanned.get_ref();
        let m = machine.name();
        let anchor = match Anchor::parse(&raw.anchor) {
            Some(a) if a.machine() == machine => Some(a),
            Some(_) => {
                self.at(spanned, format!("{m}: timer `{name}`: anchor `{}` belongs to the other machine", raw.anchor));
                None
            }
            None => {
                self.at(spanned, format!("{m}: timer `{name}`: unknown anchor `{}`", raw.anchor));
                None
            }
        };
        let offset = match Offset::parse(raw.offset.as_deref().unwrap_or("0")) {
            Ok(o) => o,
            Err(reason) => {
                self.at(spanned, format!("{m}: timer `{name}`: {reason}"));
                Offset::default()
            }
        };
        let time = match raw.time.as_deref().map(|t| NaiveTime::parse_from_str(t, "%H:%M")) {
            None => None,
            Some(Ok(t)) => Some(t),
            Some(Err(_)) => {
                self.at(
                    spanned,
                    format!("{m}: timer `{name}`: time `{}` is not HH:MM", raw.time.as_deref().unwrap_or("")),
                );
                None
            }
        };
        if !events.iter().any(|e| e.name == raw.event) {
            self.at(spanned, format!("{m}: timer `{name}` targets unknown event `{}`", raw.event));
        } else if !transitions.iter().any(|t| t.event == raw.event && t.roles.iter().any(Role::is_system)) {
            self.at(
                spanned,
                format!("{m}: timer `{name}` targets event `{}`, which no transition lets the system fire", raw.event),
            );
        }
        Some(TimerDef {
            name: name.to_string(),
            anchor: anchor?,
            offset,
            time,
            event: raw.event.clone(),
            skip_if_past: raw.skip_if_past,
        })
    }

    fn graph_checks(&mut self, machine: Machine, raw: &RawMachine, def: &MachineDef) {
        let m = machine.name();
        let state_line = |name: &str| raw.states.get(name).map(|s| line_of(self.source, s.span().start)).unwrap_or(1);

        // Reachability from the initial state.
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut queue: VecDeque<&str> = VecDeque::from([def.initial.as_str()]);
        while let Some(state) = queue.pop_front() {
            if !seen.insert(state) {
                continue;
            }
            for t in def.transitions.iter().filter(|t| t.from.iter().any(|f| f == state)) {
                queue.push_back(t.target(state));
            }
        }
        // An unknown state is already reported; reachability would only echo it.
        let known = |n: &str| def.states.iter().any(|s| s.name == n);
        let references_ok =
            def.transitions.iter().all(|t| t.from.iter().all(|f| known(f)) && t.to.as_deref().is_none_or(known));
        for s in &def.states {
            if references_ok && !seen.contains(s.name.as_str()) {
                let line = state_line(&s.name);
                self.at_line(line, format!("{m}: state `{}` is unreachable from `{}`", s.name, def.initial));
            }
            let leaves = def.transitions.iter().filter(|t| t.from.contains(&s.name)).collect::<Vec<_>>();
            if s.terminal {
                if let Some(t) = leaves.first() {
                    self.at_line(t.line, format!("{m}: terminal state `{}` cannot accept event `{}`", s.name, t.event));
                }
            } else if !leaves.iter().any(|t| t.target(&s.name) != s.name) {
                let line = state_line(&s.name);
                self.at_line(line, format!("{m}: state `{}` is not terminal but no transition leaves it", s.name));
            }
        }

        // Two transitions for one event and state need conditions that exclude each other.
        for (i, a) in def.transitions.iter().enumerate() {
            for b in &def.transitions[i + 1..] {
                if a.event != b.event {
                    continue;
                }
                let Some(shared) = a.from.iter().find(|s| b.from.contains(s)) else {
                    continue;
                };
                let exclusive = a.when.iter().any(|x| b.when.iter().any(|y| x.excludes(y)));
                if !exclusive {
                    self.at_line(
                        b.line,
                        format!(
                            "{m}: transitions at lines {} and {} could both fire on `{}` in state `{shared}` (give them `when` conditions that exclude each other)",
                            a.line, b.line, a.event
                        ),
                    );
                }
            }
        }

        for (name, e) in &raw.events {
            if !def.transitions.iter().any(|t| &t.event == name) {
                self.at(e, format!("{m}: event `{name}` is declared but no transition uses it"));
            }
        }
        let started: BTreeSet<&str> = def
            .transitions
            .iter()
            .flat_map(|t| t.effects.iter())
            .chain(def.on_create.iter())
            .filter_map(|e| match e {
                Effect::StartTimer(n) => Some(n.as_str()),
                _ => None,
            })
            .collect();
        for (name, t) in &raw.timers {
            if !started.contains(name.as_str()) {
                self.at(t, format!("{m}: timer `{name}` is never started"));
            }
        }
    }
}

/// A definition with the file it came from and the version of its content.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub definition: Definition,
    pub file: PathBuf,
    /// The first 12 hex digits of the SHA-256 of the definition's text and
    /// its criteria grid's: any edit makes a new version.
    pub version: String,
}

/// Every definition of a workflows folder: each `*.toml` at its top (grids
/// are under `criteria/`, reference lists under `reference/`). Without the
/// folder, the definitions built into the binary.
pub fn load_all(dir: &Path) -> Result<Vec<Loaded>, Problems> {
    if !dir.is_dir() {
        return load_shipped();
    }
    let cannot = |file: &Path, e: std::io::Error| {
        Problems(vec![Problem { file: file.to_path_buf(), line: 0, message: format!("cannot read: {e}") }])
    };
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| cannot(dir, e))?.flatten() {
        let path = entry.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).map_err(|e| cannot(&path, e))?;
            sources.push((path, text));
        }
    }
    load_sources(sources, |id| {
        let path = dir.join("criteria").join(format!("{id}.toml"));
        std::fs::read_to_string(&path).ok().map(|text| (path, text))
    })
}

/// The definitions built into the binary.
pub fn load_shipped() -> Result<Vec<Loaded>, Problems> {
    let sources = super::builtin::FILES
        .iter()
        .filter(|(path, _)| path.matches('/').count() == 1)
        .map(|(path, text)| (PathBuf::from(path), text.to_string()))
        .collect();
    load_sources(sources, |id| {
        let path = format!("workflows/criteria/{id}.toml");
        super::builtin::file(&path).map(|text| (PathBuf::from(path), text.to_string()))
    })
}

fn load_sources(
    mut sources: Vec<(PathBuf, String)>,
    grids: impl Fn(&str) -> Option<(PathBuf, String)>,
) -> Result<Vec<Loaded>, Problems> {
    sources.sort();
    let mut loaded: Vec<Loaded> = Vec::new();
    let mut problems = Vec::new();
    for (file, text) in sources {
        match compile(&file, &text, &grids) {
            Ok(definition) => {
                let version = definition.revision.clone();
                if let Some(twice) = loaded.iter().find(|l| l.definition.id == definition.id) {
                    problems.push(Problem {
                        file: file.clone(),
                        line: 0,
                        message: format!("workflow `{}` is already defined by {}", definition.id, twice.file.display()),
                    });
                }
                loaded.push(Loaded { definition, file, version });
            }
            Err(more) => problems.extend(more.0),
        }
    }
    if problems.is_empty() {
        Ok(loaded)
    } else {
        Err(Problems(problems))
    }
}
