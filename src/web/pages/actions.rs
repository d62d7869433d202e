//! Workflow actions as forms generated from the workflow definition.

use super::*;

pub(super) struct ScoreInput {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) label: String,
    /// What the criterion asks, and what each score means.
    pub(super) descriptor: String,
    pub(super) levels: Vec<(i64, String)>,
    /// What the owners wrote for it (their self-assessment), to read while
    /// scoring.
    pub(super) context: String,
    /// The comment on the criterion, when the event takes one: its input's
    /// name (empty when none), value and error.
    pub(super) note_name: String,
    pub(super) note_value: String,
    pub(super) note_error: String,
    /// Whether a score is asked (not for a field of notes alone).
    pub(super) scored: bool,
    pub(super) min: i64,
    pub(super) max: i64,
    pub(super) value: String,
    pub(super) error: String,
}

pub(super) struct FieldInput {
    pub(super) name: String,
    pub(super) label: String,
    /// An input type, or `select`, `textarea`, `scores`.
    pub(super) kind: &'static str,
    pub(super) required: bool,
    /// When it is required only if another input has a value, and nothing
    /// fills it in: « Obligatoire si Avis : favorable ».
    pub(super) required_when: String,
    pub(super) choices: Vec<(String, String)>,
    pub(super) value: String,
    pub(super) error: String,
    pub(super) scores: Vec<ScoreInput>,
}

pub(super) struct ActionForm {
    pub(super) event: String,
    pub(super) label: String,
    pub(super) open: bool,
    pub(super) fields: Vec<FieldInput>,
    /// What the person confirms before this step (empty: nothing to
    /// confirm), and the error when they did not.
    pub(super) confirm: String,
    pub(super) confirm_error: String,
    /// Where the form's inputs show the document the step would issue
    /// (empty: it issues none).
    pub(super) preview_url: String,
}

/// The forms of the events the actor may send now, with what was typed and
/// the error of the one just refused.
pub(super) async fn action_forms(
    app: &App,
    browser: &Browser,
    instance: &crate::engine::Instance,
    typed: &Map<String, Value>,
    refused: Option<(&str, &str, &str)>,
) -> Vec<ActionForm> {
    let workflow = app.wording(&instance.workflow, instance.workflow_version.as_deref());
    let machine = workflow.machine(instance.machine);
    let mut events: Vec<&str> = Vec::new();
    for t in machine.transitions_from_state(&instance.state) {
        if !t.roles.iter().any(Role::is_system)
            && crate::engine::may_act(&workflow, &browser.actor, &t.roles, instance)
            && !events.contains(&t.event.as_str())
        {
            events.push(&t.event);
        }
    }
    // A step that would be refused whatever is typed is not offered; the
    // one just refused stays, with its error.
    let now = app.clock.now();
    events.retain(|e| {
        refused.is_some_and(|(r, _, _)| r == *e)
            || !crate::engine::refused_now(&workflow, instance, e, &browser.actor, now)
    });
    // A reviewer already assigned, or who declared a conflict, is not
    // offered again.
    let taken: Vec<String> = match &instance.facts {
        crate::engine::Facts::Dossier(d) => {
            d.reviewers.iter().map(|r| r.user_id).chain(d.recused.iter().copied()).map(|u| u.to_string()).collect()
        }
        crate::engine::Facts::Label(_) => Vec::new(),
    };
    let reviewer_choices: Vec<(String, String)> =
        reviewers(app).await.into_iter().filter(|(id, _)| !taken.contains(id)).collect();
    let grid = crate::engine::grid_of(&workflow, &instance.facts);
    let mut forms = Vec::new();
    for name in events {
        let Some(spec) = machine.event(name) else { continue };
        forms.push(event_form(&grid, spec, &reviewer_choices, typed, refused));
    }
    forms
}

/// The form of `spec`: open, with what was typed and the error, when it is
/// the one just refused; scores are asked for the criteria of `grid`.
pub(super) fn event_form(
    grid: &crate::workflow::Grid,
    spec: &crate::workflow::EventDef,
    reviewer_choices: &[(String, String)],
    typed: &Map<String, Value>,
    refused: Option<(&str, &str, &str)>,
) -> ActionForm {
    let name = spec.name.as_str();
    let open = refused.is_some_and(|(e, _, _)| e == name);
    let value_of = |field: &str| {
        if open {
            typed.get(field).and_then(Value::as_str).unwrap_or_default().to_string()
        } else {
            String::new()
        }
    };
    let error_of = |field: &str| match refused {
        Some((e, f, message)) if e == name && f == field => message.to_string(),
        _ => String::new(),
    };
    // A comment per criterion is asked beside each score when the event
    // takes both.
    let scored = spec.fields.iter().any(|f| f.kind == FieldType::Scores);
    let notes = spec.fields.iter().find(|f| f.kind == FieldType::Notes);
    let fields = spec
        .fields
        .iter()
        .filter(|f| !(scored && f.kind == FieldType::Notes))
        .map(|f| {
            let (kind, choices) = match f.kind {
                FieldType::Choice => {
                    ("select", f.choices.iter().map(|c| (c.clone(), f.choice_label(c).to_string())).collect())
                }
                FieldType::User => ("select", reviewer_choices.to_vec()),
                FieldType::Integer => ("number", vec![]),
                FieldType::Date | FieldType::Deadline => ("date", vec![]),
                FieldType::Text => ("textarea", vec![]),
                FieldType::Scores | FieldType::Notes => ("scores", vec![]),
            };
            let scores = if matches!(f.kind, FieldType::Scores | FieldType::Notes) {
                grid.criteria
                    .iter()
                    .map(|c| {
                        let key = format!("{}.{}", f.name, c.code);
                        let (min, max) = c.range();
                        // A field of notes alone asks for the notes only.
                        let note = match f.kind {
                            FieldType::Notes => Some(key.clone()),
                            _ => notes.map(|n| format!("{}.{}", n.name, c.code)),
                        };
                        let note_name = note.unwrap_or_default();
                        ScoreInput {
                            code: c.code.clone(),
                            descriptor: c.descriptor.clone(),
                            levels: grid.levels_of(c),
                            context: String::new(),
                            note_value: value_of(&note_name),
                            note_error: error_of(&note_name),
                            note_name,
                            scored: f.kind == FieldType::Scores,
                            label: c.label.clone(),
                            min,
                            max,
                            value: value_of(&key),
                            error: error_of(&key),
                            name: key,
                        }
                    })
                    .collect()
            } else {
                vec![]
            };
            FieldInput {
                label: f.label.clone(),
                value: value_of(&f.name),
                error: error_of(&f.name),
                name: f.name.clone(),
                kind,
                required: f.required,
                required_when: required_when(&spec.fields, f),
                choices,
                scores,
            }
        })
        .collect();
    ActionForm {
        event: name.to_string(),
        label: spec.label.clone(),
        open,
        fields,
        confirm: spec.confirm.clone().unwrap_or_default(),
        confirm_error: error_of("confirm"),
        preview_url: String::new(),
    }
}

/// « Obligatoire si Avis : favorable » for an input required by another
/// one's value, unless a record fills it in when left empty.
pub(super) fn required_when(fields: &[crate::workflow::FieldDef], f: &crate::workflow::FieldDef) -> String {
    let Some((other, value)) = f.required_if.as_ref().filter(|_| f.default_from.is_none()) else {
        return String::new();
    };
    match fields.iter().find(|o| o.name == *other) {
        Some(o) => format!("Obligatoire si {} : {}", o.label, o.choice_label(value)),
        None => String::new(),
    }
}

/// Turns a submitted form into an event for the workflow.
pub(super) fn event_from_form(
    workflow: &crate::workflow::Definition,
    machine: Machine,
    pairs: &[(String, String)],
) -> (String, Option<i64>, Map<String, Value>, Map<String, Value>) {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let name = get("event");
    let version = get("version").parse().ok();
    let mut typed = Map::new();
    for (k, v) in pairs {
        if k != "csrf" && k != "event" && k != "version" {
            typed.insert(k.clone(), Value::String(v.clone()));
        }
    }
    let mut data = Map::new();
    if let Some(spec) = workflow.machine(machine).event(&name) {
        for f in &spec.fields {
            match f.kind {
                FieldType::Notes => {
                    let prefix = format!("{}.", f.name);
                    let notes: Map<String, Value> = pairs
                        .iter()
                        .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.to_string(), Value::String(v.clone()))))
                        .collect();
                    data.insert(f.name.clone(), Value::Object(notes));
                }
                FieldType::Scores => {
                    let prefix = format!("{}.", f.name);
                    let scores: Map<String, Value> = pairs
                        .iter()
                        .filter_map(|(k, v)| {
                            let code = k.strip_prefix(&prefix)?;
                            let v = v.trim();
                            Some((
                                code.to_string(),
                                v.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(v.into())),
                            ))
                        })
                        .collect();
                    data.insert(f.name.clone(), Value::Object(scores));
                }
                FieldType::Integer => {
                    let v = get(&f.name);
                    if !v.is_empty() {
                        data.insert(f.name.clone(), v.parse::<i64>().map(Value::from).unwrap_or(Value::String(v)));
                    }
                }
                _ => {
                    let v = get(&f.name);
                    if !v.is_empty() {
                        data.insert(f.name.clone(), Value::String(v));
                    }
                }
            }
        }
    }
    (name, version, data, typed)
}

/// A workflow action sent from a dossier's or label's page: done, then back
/// to the page with a notice; refused, then the page again with the error
/// and what was typed.
pub(super) async fn instance_event(
    app: &App,
    browser: &Browser,
    machine: Machine,
    id: &str,
    pairs: &[(String, String)],
) -> Response {
    let Ok(id) = Uuid::parse_str(id) else { return not_found(browser, machine) };
    let csrf = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    if !same_token(&browser.csrf, csrf) {
        return expired(browser);
    }
    // The instance's own workflow reads the form (an unknown instance gets
    // the primary one, and `act` answers "not found").
    let workflow = match app.store.instance(machine, id).await {
        Ok(instance) => app.wording(&instance.workflow, instance.workflow_version.as_deref()),
        Err(_) => app.workflow.clone(),
    };
    let (name, version, data, typed) = event_from_form(&workflow, machine, pairs);
    // A step that cannot be undone is taken only once confirmed.
    let confirmed = pairs.iter().any(|(k, v)| k == "confirm" && v == "oui");
    if !confirmed && workflow.machine(machine).event(&name).is_some_and(|e| e.confirm.is_some()) {
        let e = AppError::Refused(crate::engine::Refusal::invalid("confirm", "must be confirmed"));
        return match machine {
            Machine::Dossier => render_dossier(app, browser, id, "", &typed, Some((&name, e))).await,
            Machine::Label => render_label(app, browser, id, "", &typed, Some((&name, e))).await,
        };
    }
    let event = Event { name: name.clone(), data, expected_version: version, subject: None };
    match app.act(&browser.actor, machine, id, event).await {
        Ok(_) => Redirect::to(&format!("/{}s/{id}?fait={name}", machine.name())).into_response(),
        Err(e) => match machine {
            Machine::Dossier => render_dossier(app, browser, id, "", &typed, Some((&name, e))).await,
            Machine::Label => render_label(app, browser, id, "", &typed, Some((&name, e))).await,
        },
    }
}

/// Error summary entries as (id of the field on the page, message): an
/// action's fields are named after their event, since several action forms
/// share field names on one page.
pub(super) fn anchored(errors: Vec<(String, String)>, event: &str, own_form: bool) -> Vec<(String, String)> {
    errors
        .into_iter()
        .map(|(field, text)| match field.as_str() {
            "" => (field, text),
            _ if own_form => (format!("f-{field}"), text),
            _ => (format!("a-{event}-{field}"), text),
        })
        .collect()
}
