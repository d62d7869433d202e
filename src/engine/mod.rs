//! The pure workflow engine. `decide` reads nothing but its arguments and
//! returns a Plan to apply atomically, or a Refusal that changes nothing.

pub mod facts;
pub mod form;
mod guards;
pub use guards::REFUSAL_CODES;
pub mod input;
pub mod migration;
pub mod plan;
pub mod rules;

pub use facts::*;
pub use plan::*;

use crate::calendar::{label_valid_until, paris_date, timer_due, TimerAnchorValue};
use crate::workflow::{
    Definition, Effect, FieldType, Machine, MachineDef, Predicate, RecordKind, Role, RoleKind, Transition,
};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

/// Decides what `event` does to `instance` when `actor` sends it at `now`.
/// The criteria an instance is scored on: a dossier's, those of the grid
/// that apply to its form (a territory's own beside the common ones).
pub fn grid_of<'a>(def: &'a crate::workflow::Definition, facts: &Facts) -> std::borrow::Cow<'a, crate::workflow::Grid> {
    match facts {
        Facts::Dossier(d) => def.grid.for_form(&d.form),
        Facts::Label(_) => std::borrow::Cow::Borrowed(&def.grid),
    }
}

#[tracing::instrument(level = "debug", skip_all, fields(workflow = %def.id, machine = instance.machine.name(), id = %instance.id, event = %event.name))]
pub fn decide(
    def: &Definition,
    instance: &Instance,
    event: &Event,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Plan, Refusal> {
    let machine = def.machine(instance.machine);
    let spec = machine
        .event(&event.name)
        .ok_or_else(|| Refusal::invalid("event", format!("unknown event `{}`", event.name)))?;

    let of_event: Vec<&Transition> = machine.transitions.iter().filter(|t| t.event == event.name).collect();
    if !of_event.iter().any(|t| may_act(def, actor, &t.roles, instance)) {
        return Err(Refusal::NotAllowed {
            reason: format!("your roles do not allow `{}` on this {}", event.name, instance.machine),
        });
    }
    if let Some(expected) = event.expected_version.filter(|v| *v != instance.version) {
        return Err(Refusal::StaleVersion { expected, current: instance.version });
    }
    let candidates: Vec<&Transition> = machine
        .transitions_from(&instance.state, &event.name)
        .filter(|t| may_act(def, actor, &t.roles, instance))
        .collect();
    if candidates.is_empty() {
        return Err(Refusal::WrongState { event: event.name.clone(), state: instance.state.clone() });
    }

    let grid = grid_of(def, &instance.facts);
    let data = input::validate(spec, &with_defaults(spec, &instance.facts, &event.data), &grid)?;
    let subject = resolve_subject(spec, &data, event)?;
    let ctx = guards::Ctx { def, instance, event: spec, actor, subject, data: &data, now, cel: Default::default() };

    let mut chosen = None;
    'candidates: for t in candidates {
        for c in &t.when {
            if !ctx.condition(c)? {
                continue 'candidates;
            }
        }
        chosen = Some(t);
        break;
    }
    let transition = chosen.ok_or_else(|| Refusal::GuardFailed {
        guard: "when".into(),
        code: "condition_not_met".into(),
        message: format!("no transition of `{}` applies to this {} now", event.name, instance.machine),
    })?;
    for guard in &transition.guards {
        ctx.check(guard)?;
    }

    let to_state = transition.target(&instance.state).to_string();
    let records = records(&transition.effects, &ctx)?;
    let facts_after = apply_records(def, &instance.facts, &records);
    let key = subject.map(|p| p.user_id).or(actor.user_id);
    let effects = effects(machine, &transition.effects, &facts_after, key, &instance.pending_timers, now);
    let new_label = match transition.effects.iter().find(|e| matches!(e, Effect::CreateLabel { .. })) {
        Some(Effect::CreateLabel { valid_from }) => {
            let start = valid_from.as_ref().and_then(|input| str_field(&data, input));
            Some(new_label(def, &facts_after, instance.id, &data, start.as_deref(), now)?)
        }
        _ => None,
    };

    let thread_post = transition.effects.iter().find_map(|e| match e {
        Effect::PostMessage(input) => thread_post(def, actor, &transition.roles, instance, &data, input),
        _ => None,
    });

    Ok(Plan {
        machine: instance.machine,
        instance_id: instance.id,
        event: event.name.clone(),
        from_state: instance.state.clone(),
        to_state,
        expected_version: instance.version,
        at: now,
        actor: actor.audit_name(),
        actor_user: actor.user_id,
        on_behalf_of: actor.on_behalf_of,
        data,
        records,
        effects,
        new_label,
        thread_post,
        announce: spec.announce.clone(),
    })
}

/// The message a `post_message` step writes, from the side of the role the
/// actor takes it with.
fn thread_post(
    def: &Definition,
    actor: &Actor,
    roles: &[Role],
    instance: &Instance,
    data: &Map<String, Value>,
    input: &str,
) -> Option<ThreadPost> {
    let body = str_field(data, input)?.trim().to_string();
    let acting = roles.iter().find(|r| holds_in_scope(def, actor, r, instance))?;
    let side = if def.kind_of(acting) == Some(RoleKind::Owner) { "owners" } else { "staff" };
    let to = crate::workflow::messages::other_side(&def.roles, side);
    let notify = Message { template: crate::workflow::messages::MESSAGE_TEMPLATE.into(), to, subject_user: None };
    Some(ThreadPost { side: side.into(), body, notify })
}

/// `sent` with each required input left out that names a `default_from`
/// taken from the latest record of that name.
fn with_defaults(spec: &crate::workflow::EventDef, facts: &Facts, sent: &Map<String, Value>) -> Map<String, Value> {
    let mut out = sent.clone();
    let given = |v: Option<&Value>| v.is_some_and(|v| !v.is_null() && v.as_str() != Some(""));
    for f in &spec.fields {
        let Some((record, field)) = &f.default_from else { continue };
        let required = f.required
            || f.required_if
                .as_ref()
                .is_some_and(|(other, value)| sent.get(other).and_then(Value::as_str) == Some(value));
        if !required || given(sent.get(&f.name)) {
            continue;
        }
        if let Some(value) = facts.records().get(record).and_then(|list| list.last()).and_then(|r| r.get(field)) {
            out.insert(f.name.clone(), value.clone());
        }
    }
    out
}

/// What keeps `actor` from sending `event` now, for a checklist: every
/// guard that fails on the first transition the actor may take (all of
/// them, not only the first). Events with inputs are not considered: their
/// guards may read what the person has not typed yet.
pub fn blockers(def: &Definition, instance: &Instance, event: &str, actor: &Actor, now: DateTime<Utc>) -> Vec<Refusal> {
    failing(def, instance, event, actor, now, |t| &t.guards)
}

/// What a checklist advises before `actor` sends `event`: the transition's
/// `advice` predicates that fail (they refuse nothing).
pub fn advice(def: &Definition, instance: &Instance, event: &str, actor: &Actor, now: DateTime<Utc>) -> Vec<Refusal> {
    failing(def, instance, event, actor, now, |t| &t.advice)
}

/// The predicates `checks` picks on the first transition of `event` the
/// actor may take now that fail.
fn failing(
    def: &Definition,
    instance: &Instance,
    event: &str,
    actor: &Actor,
    now: DateTime<Utc>,
    checks: impl Fn(&Transition) -> &[crate::workflow::Check],
) -> Vec<Refusal> {
    let machine = def.machine(instance.machine);
    let Some(spec) = machine.event(event).filter(|e| e.fields.is_empty()) else {
        return vec![];
    };
    let data = Map::new();
    let ctx =
        guards::Ctx { def, instance, event: spec, actor, subject: None, data: &data, now, cel: Default::default() };
    let Some(transition) = machine
        .transitions_from(&instance.state, event)
        .filter(|t| may_act(def, actor, &t.roles, instance))
        .find(|t| t.when.iter().all(|c| ctx.condition(c).unwrap_or(false)))
    else {
        return vec![];
    };
    checks(transition).iter().filter_map(|g| ctx.check(g).err()).collect()
}

/// Whether `event` would be refused to `actor` now whatever they typed: on
/// every transition they may take, a guard that reads no input fails (a
/// review already given, none to revise, a closed call…). Pages leave such
/// steps out rather than offer them and refuse.
pub fn refused_now(def: &Definition, instance: &Instance, event: &str, actor: &Actor, now: DateTime<Utc>) -> bool {
    use crate::workflow::Check;
    let machine = def.machine(instance.machine);
    let Some(spec) = machine.event(event) else { return true };
    let data = Map::new();
    let ctx =
        guards::Ctx { def, instance, event: spec, actor, subject: None, data: &data, now, cel: Default::default() };
    let reads_no_input = |check: &Check| match check {
        Check::Builtin(p) => !matches!(p, Predicate::DueInFuture | Predicate::ReviewerNotAssigned),
        Check::Rule(name) => def.rules.get(name).is_some_and(|r| {
            let source = r.source();
            !source.contains("event") && !source.contains("subject")
        }),
    };
    let mut takable =
        machine.transitions_from(&instance.state, event).filter(|t| may_act(def, actor, &t.roles, instance));
    takable.all(|t| t.guards.iter().any(|g| reads_no_input(g) && ctx.check(g).is_err()))
}

/// Where an instance created at `created` stands at `now` when nothing but
/// its own timers moved it: its creation timers, then each timer fired in
/// due order by the system, with the timers that step starts and cancels.
/// Returns the instance so placed and its timers still to come; what those
/// steps would have notified is not returned (it is history). A timer whose
/// event is refused is dropped, as the timer worker drops it.
pub fn catch_up(
    def: &Definition,
    mut instance: Instance,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
) -> (Instance, Vec<TimerOp>) {
    let mut pending: Vec<TimerOp> = Vec::new();
    let apply = |pending: &mut Vec<TimerOp>, ops: Vec<TimerOp>| {
        for op in ops {
            match op {
                TimerOp::CancelAll => pending.clear(),
                TimerOp::Cancel { name, key } => {
                    pending.retain(|p| !matches!(p, TimerOp::Start { name: n, key: k, .. } if *n == name && *k == key))
                }
                start @ TimerOp::Start { .. } => pending.push(start),
            }
        }
    };
    apply(&mut pending, creation_effects(def, instance.machine, &instance.facts, created).timers);
    let system = Actor::system();
    // A file whose timer restarts itself at the instant it fires would
    // never let this end; a label's own timers fire a few times a year.
    for _ in 0..100_000 {
        let next = pending
            .iter()
            .enumerate()
            .filter_map(|(i, op)| match op {
                TimerOp::Start { due_at, .. } if *due_at <= now => Some((i, *due_at)),
                _ => None,
            })
            .min_by_key(|(_, due)| *due);
        let Some((i, due)) = next else { break };
        let TimerOp::Start { event, .. } = pending.remove(i) else { break };
        instance.pending_timers = started(&pending);
        if let Ok(plan) = decide(def, &instance, &Event::named(&event), &system, due) {
            instance.state = plan.to_state;
            instance.version += 1;
            apply(&mut pending, plan.effects.timers);
        }
    }
    instance.pending_timers = started(&pending);
    (instance, pending)
}

/// The (name, key) of each timer `ops` starts.
fn started(ops: &[TimerOp]) -> Vec<(String, Option<Uuid>)> {
    ops.iter()
        .filter_map(|op| match op {
            TimerOp::Start { name, key, .. } => Some((name.clone(), *key)),
            _ => None,
        })
        .collect()
}

/// Effects of creating an instance (its `on_create` list).
pub fn creation_effects(def: &Definition, machine: Machine, facts: &Facts, now: DateTime<Utc>) -> Effects {
    let m = def.machine(machine);
    effects(m, &m.on_create, facts, None, &[], now)
}

/// Whether the actor holds one of `roles` in scope of this instance.
pub fn may_act(def: &Definition, actor: &Actor, roles: &[Role], instance: &Instance) -> bool {
    roles.iter().any(|role| holds_in_scope(def, actor, role, instance))
}

fn holds_in_scope(def: &Definition, actor: &Actor, role: &Role, instance: &Instance) -> bool {
    let (owners, scopes, reviewers): (&[Uuid], &[Scope], Vec<Uuid>) = match &instance.facts {
        Facts::Dossier(d) => (&d.owners, &d.scopes, d.reviewers.iter().map(|r| r.user_id).collect()),
        Facts::Label(l) => (&l.owners, &l.scopes, vec![]),
    };
    let Some(kind) = def.kind_of(role) else { return false };
    actor.grants.iter().filter(|g| &g.role == role).any(|g| match kind {
        RoleKind::Admin | RoleKind::National | RoleKind::System => true,
        RoleKind::Owner => actor.user_id.is_some_and(|u| owners.contains(&u)),
        RoleKind::Reviewer => actor.user_id.is_some_and(|u| reviewers.contains(&u)),
        // Staff act where their grant's scope is one of the instance's.
        RoleKind::Staff => g.scope.as_ref().is_some_and(|s| scopes.contains(s)),
        // A link answers for the one dossier it was sent about.
        RoleKind::Guest => actor.guest.as_ref().is_some_and(|pass| pass.dossier == instance.id),
    })
}

fn resolve_subject<'e>(
    spec: &crate::workflow::EventDef,
    data: &Map<String, Value>,
    event: &'e Event,
) -> Result<Option<&'e Person>, Refusal> {
    let Some(field) = spec.fields.iter().find(|f| f.kind == FieldType::User) else {
        return Ok(event.subject.as_ref());
    };
    let Some(id) = data.get(&field.name).and_then(Value::as_str) else {
        return Ok(None);
    };
    match &event.subject {
        Some(p) if p.user_id.to_string() == id => Ok(Some(p)),
        _ => Err(Refusal::invalid(&field.name, "no such user")),
    }
}

fn str_field(data: &Map<String, Value>, name: &str) -> Option<String> {
    data.get(name).and_then(Value::as_str).map(str::to_string)
}

fn instant_field(data: &Map<String, Value>, name: &str) -> Option<DateTime<Utc>> {
    data.get(name)
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn records(effects: &[Effect], ctx: &guards::Ctx) -> Result<Vec<Record>, Refusal> {
    let data = ctx.data;
    let mut out = Vec::new();
    for effect in effects {
        let kind = match effect {
            Effect::Record(kind) => kind,
            Effect::Write(name) => {
                out.push(declared(ctx, name)?);
                continue;
            }
            _ => continue,
        };
        out.push(match kind {
            RecordKind::CompletionRequest => Record::CompletionRequest {
                message: str_field(data, "message").unwrap_or_default(),
                due: instant_field(data, "due").ok_or_else(|| Refusal::invalid("due", "is required"))?,
            },
            RecordKind::CompletionAnswered => Record::CompletionAnswered,
            RecordKind::ReviewsShown => Record::ReviewsShown,
            RecordKind::Reviewer => {
                let person = ctx.subject.ok_or_else(|| Refusal::invalid("user_id", "is required"))?;
                if !person.roles.iter().any(|r| ctx.def.kind_of(r) == Some(RoleKind::Reviewer)) {
                    return Err(Refusal::invalid("user_id", "this user is not a reviewer of this workflow"));
                }
                Record::Reviewer {
                    user_id: person.user_id,
                    due: instant_field(data, "due").ok_or_else(|| Refusal::invalid("due", "is required"))?,
                }
            }
            RecordKind::Review => Record::Review {
                reviewer: ctx
                    .actor
                    .user_id
                    .ok_or_else(|| Refusal::NotAllowed { reason: "only a person reviews".into() })?,
                scores: data
                    .get("scores")
                    .and_then(Value::as_object)
                    .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_i64()?))).collect())
                    .unwrap_or_default(),
                comment: str_field(data, "comment").unwrap_or_default(),
                notes: ctx
                    .event
                    .fields
                    .iter()
                    .filter(|f| f.kind == FieldType::Notes)
                    .filter_map(|f| data.get(&f.name).and_then(Value::as_object))
                    .flatten()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect(),
            },
            RecordKind::Recusal => Record::Recusal {
                reviewer: ctx
                    .actor
                    .user_id
                    .ok_or_else(|| Refusal::NotAllowed { reason: "only a person declares a conflict".into() })?,
                reason: str_field(data, "reason").unwrap_or_default(),
            },
            RecordKind::Decision => Record::Decision {
                outcome: str_field(data, "outcome").unwrap_or_default(),
                category: str_field(data, "category"),
                years: data.get("years").and_then(Value::as_u64).map(|y| y as u32),
                motivation: str_field(data, "motivation").unwrap_or_default(),
                details: data
                    .iter()
                    .filter(|(k, _)| !crate::workflow::DECISION_CORE.contains(&k.as_str()))
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .filter(|(_, v)| !v.trim().is_empty())
                    .collect(),
            },
        });
    }
    Ok(out)
}

/// The file's record `name` as `ctx`'s event writes it: each field from
/// the event's input of its name, or the actor's side.
fn declared(ctx: &guards::Ctx, name: &str) -> Result<Record, Refusal> {
    let def = ctx.def.record(name).ok_or_else(|| Refusal::invalid("record", format!("unknown record `{name}`")))?;
    let mut fields = Map::new();
    for f in &def.fields {
        let value = match f.from {
            crate::workflow::ValueSource::Input => ctx.data.get(&f.name).cloned().unwrap_or(Value::Null),
            crate::workflow::ValueSource::ActorSide => Value::String(ctx.endorsable_side(def).ok_or_else(|| {
                Refusal::NotAllowed { reason: "your scope endorses no side of this dossier not yet recorded".into() }
            })?),
        };
        if !value.is_null() {
            fields.insert(f.name.clone(), value);
        }
    }
    let key = def.key.as_ref().map(|k| fields.get(k).map(key_text).unwrap_or_default());
    Ok(Record::Declared { name: name.to_string(), key, fields })
}

/// The facts as they will be once `records` are stored; `def` says which
/// field keys each of the file's records.
pub fn apply_records(def: &Definition, facts: &Facts, records: &[Record]) -> Facts {
    let mut facts = facts.clone();
    for r in records {
        let Record::Declared { name, key, fields } = r else { continue };
        let list = match &mut facts {
            Facts::Dossier(d) => d.records.entry(name.clone()).or_default(),
            Facts::Label(l) => l.records.entry(name.clone()).or_default(),
        };
        let key_field = def.record(name).and_then(|d| d.key.as_deref());
        if let (Some(field), Some(key)) = (key_field, key) {
            list.retain(|old| old.get(field).map(key_text).as_deref() != Some(key.as_str()));
        }
        list.push(fields.clone());
    }
    let Facts::Dossier(d) = facts else {
        return facts;
    };
    let mut d = d.clone();
    for r in records {
        match r {
            Record::Declared { .. } => {}
            Record::CompletionRequest { due, .. } => d.completion_due = Some(*due),
            Record::CompletionAnswered => d.completion_due = None,
            Record::ReviewsShown => d.reviews_shown = true,
            Record::Reviewer { user_id, due } => {
                d.reviewers.push(Reviewer { user_id: *user_id, due: *due, scores: None })
            }
            Record::Review { reviewer, scores, .. } => {
                if let Some(r) = d.reviewers.iter_mut().find(|r| r.user_id == *reviewer) {
                    r.scores = Some(scores.clone());
                }
            }
            Record::Recusal { reviewer, .. } => {
                d.reviewers.retain(|r| r.user_id != *reviewer);
                d.recused.push(*reviewer);
            }
            Record::Decision { .. } => {}
        }
    }
    Facts::Dossier(d)
}

/// A key field's value as the key column holds it.
pub fn key_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Timer operations list exactly the rows to change: a cancellation only
/// for a timer that is pending, a restart as a cancellation then a start.
fn effects(
    machine: &MachineDef,
    list: &[Effect],
    facts: &Facts,
    key: Option<Uuid>,
    pending: &[(String, Option<Uuid>)],
    now: DateTime<Utc>,
) -> Effects {
    let mut pending = pending.to_vec();
    let mut out = Effects::default();
    let cancel = |out: &mut Effects, pending: &mut Vec<(String, Option<Uuid>)>, name: &str, key: Option<Uuid>| {
        if let Some(at) = pending.iter().position(|(n, k)| n == name && *k == key) {
            pending.remove(at);
            out.timers.push(TimerOp::Cancel { name: name.to_string(), key });
        }
    };
    for effect in list {
        match effect {
            Effect::Notify { template, to } => {
                out.messages.push(Message { template: template.clone(), to: to.clone(), subject_user: key })
            }
            Effect::StartTimer(name) => {
                let Some(timer) = machine.timer(name) else { continue };
                let timer_key = if timer.anchor.per_reviewer() { key } else { None };
                let Some(anchor) = anchor_value(timer.anchor, facts, timer_key, now) else { continue };
                let due_at = timer_due(anchor, timer.offset, timer.time);
                cancel(&mut out, &mut pending, name, timer_key);
                if timer.skip_if_past && due_at <= now {
                    continue;
                }
                out.timers.push(TimerOp::Start {
                    name: name.clone(),
                    key: timer_key,
                    event: timer.event.clone(),
                    due_at,
                });
                pending.push((name.clone(), timer_key));
            }
            Effect::CancelTimer(name) => {
                let per_reviewer = machine.timer(name).is_some_and(|t| t.anchor.per_reviewer());
                cancel(&mut out, &mut pending, name, if per_reviewer { key } else { None });
            }
            Effect::CancelAllTimers => {
                if !pending.is_empty() {
                    pending.clear();
                    out.timers.push(TimerOp::CancelAll);
                }
            }
            Effect::Record(_) | Effect::Write(_) | Effect::CreateLabel { .. } | Effect::PostMessage(_) => {}
        }
    }
    out
}

fn anchor_value(
    anchor: crate::workflow::Anchor,
    facts: &Facts,
    key: Option<Uuid>,
    now: DateTime<Utc>,
) -> Option<TimerAnchorValue> {
    use crate::workflow::Anchor::*;
    match (anchor, facts) {
        (CallClosesAt, Facts::Dossier(d)) => d.call_closes_at.map(TimerAnchorValue::Instant),
        (CompletionDue, Facts::Dossier(d)) => d.completion_due.map(TimerAnchorValue::Instant),
        (ReviewDue, Facts::Dossier(d)) => {
            d.reviewers.iter().find(|r| Some(r.user_id) == key).map(|r| TimerAnchorValue::Instant(r.due))
        }
        (ValidFrom, Facts::Label(l)) => Some(TimerAnchorValue::Date(l.valid_from)),
        (ValidUntil, Facts::Label(l)) => Some(TimerAnchorValue::Date(l.valid_until)),
        (NextAnniversary, Facts::Label(l)) => {
            crate::calendar::next_anniversary(l.valid_from, l.valid_until, paris_date(now)).map(TimerAnchorValue::Date)
        }
        (LastAnniversary, Facts::Label(l)) => {
            crate::calendar::last_anniversary(l.valid_from, paris_date(now)).map(TimerAnchorValue::Date)
        }
        _ => None,
    }
}

fn new_label(
    def: &Definition,
    facts: &Facts,
    dossier_id: Uuid,
    data: &Map<String, Value>,
    start: Option<&str>,
    now: DateTime<Utc>,
) -> Result<NewLabel, Refusal> {
    let Facts::Dossier(d) = facts else {
        return Err(Refusal::invalid("event", "only a dossier creates a label"));
    };
    let category = str_field(data, "category").ok_or_else(|| Refusal::invalid("category", "is required"))?;
    let years =
        data.get("years").and_then(Value::as_u64).ok_or_else(|| Refusal::invalid("years", "is required"))? as u32;
    // The decision's own date when it gives one (validated as a date), the
    // day of the step otherwise; a renewal starts the day after the label
    // it renews ends.
    let decided_on = start.and_then(crate::calendar::parse_date).unwrap_or_else(|| paris_date(now));
    let valid_from = match d.renewal_of_valid_until {
        Some(end) if end >= decided_on => crate::calendar::add_days(end, 1),
        _ => decided_on,
    };
    let valid_until = label_valid_until(valid_from, years);
    let label_facts = Facts::Label(LabelFacts {
        dossier_id: Some(dossier_id),
        owners: d.owners.clone(),
        scopes: d.scopes.clone(),
        valid_from,
        valid_until,
        has_labelled_renewal: false,
        records: Default::default(),
    });
    Ok(NewLabel {
        category,
        years,
        valid_from,
        valid_until,
        renewal_of: d.renewal_of,
        state: def.label_machine.initial.clone(),
        effects: creation_effects(def, Machine::Label, &label_facts, now),
    })
}
