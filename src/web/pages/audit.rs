//! Audit trails of dossiers and labels, for the people who may read them.

use super::*;
use crate::app::listing::Page;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "pages/audit.html")]
struct TrailPage {
    user: Option<UserBar>,
    heading: String,
    back: String,
    csv: String,
    /// (number in the trail, date, who, action, change, details, hash prefix)
    rows: Vec<(i64, String, String, String, String, String, String)>,
    next: Option<String>,
    first: Option<String>,
    /// The actions to filter by, (name, words), and the one chosen.
    actions: Vec<(String, String)>,
    action: String,
}

pub(super) async fn dossier_trail(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let Ok(uid) = Uuid::parse_str(&id) else { return not_found(&browser, Machine::Dossier) };
    let (title, def) = match app.store.dossier_view(uid).await {
        Ok(d) => (d.title, app.wording(&d.workflow, d.workflow_version.as_deref())),
        Err(_) => (String::new(), app.workflow.clone()),
    };
    let of = Trail { def: &def, machine: Machine::Dossier, id: &id, uid, title: &title };
    respond(&app, &browser, of, &lists::asked(&q)).await
}

pub(super) async fn label_trail(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let Ok(uid) = Uuid::parse_str(&id) else { return not_found(&browser, Machine::Label) };
    let (title, def) = match app.store.label_view(uid).await {
        Ok(l) => (l.title, app.wording(&l.workflow, l.workflow_version.as_deref())),
        Err(_) => (String::new(), app.workflow.clone()),
    };
    let of = Trail { def: &def, machine: Machine::Label, id: &id, uid, title: &title };
    respond(&app, &browser, of, &lists::asked(&q)).await
}

/// Whose trail a page shows.
struct Trail<'a> {
    def: &'a crate::workflow::Definition,
    machine: Machine,
    id: &'a str,
    uid: Uuid,
    title: &'a str,
}

/// A page of the trail, or the whole of it as CSV (`format=csv`).
async fn respond(app: &App, browser: &Browser, of: Trail<'_>, params: &BTreeMap<String, String>) -> Response {
    let Trail { def, machine, id, uid, title } = of;
    let csv = params.get("format").map(String::as_str) == Some("csv");
    let trail = if csv {
        let whole = match machine {
            Machine::Dossier => app.dossier_audit(&browser.actor, uid, None, 0, i64::MAX).await,
            Machine::Label => app.label_audit(&browser.actor, uid, None, 0, i64::MAX).await,
        };
        whole.map(|items| Page { items, next: None })
    } else {
        app.audit_page(&browser.actor, machine, uid, params).await
    };
    let trail = match trail {
        Ok(t) => t,
        Err(AppError::Refused(crate::engine::Refusal::NotAllowed { .. })) => {
            return message(
                bar(browser),
                StatusCode::FORBIDDEN,
                "Journal réservé",
                "Le journal d'audit est consultable par les services dont le dossier relève et le niveau national.",
            )
        }
        Err(_) => return not_found(browser, machine),
    };
    let base = format!("/{}s/{id}", machine.name());
    let (next, first) = lists::pages(&format!("{base}/journal"), params, &trail);
    let trail = trail.items;
    if csv {
        return match crate::store::audit::trail_csv(&trail) {
            Ok(body) => (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"audit-{}-{id}.csv\"", machine.name()),
                    ),
                ],
                body,
            )
                .into_response(),
            Err(e) => message(bar(browser), StatusCode::INTERNAL_SERVER_ERROR, "Export impossible", &e.to_string()),
        };
    }
    let mut names: std::collections::HashMap<String, String> = Default::default();
    let mut rows = Vec::new();
    for e in trail {
        let who = match e.actor.strip_prefix("user:").and_then(|u| Uuid::parse_str(u).ok()) {
            Some(user) => match names.get(&e.actor) {
                Some(n) => n.clone(),
                None => {
                    let n = app.store.user_name(user).await.unwrap_or_default();
                    names.insert(e.actor.clone(), n.clone());
                    n
                }
            },
            None if e.actor == "system" => "automatique (échéance)".to_string(),
            None if e.actor == crate::app::dossiers::HIDDEN_ACTOR => "(masqué)".to_string(),
            // The expert's name is in the step's `guest_answer` entry.
            None if e.actor.starts_with("guest:") => "expert extérieur (par lien)".to_string(),
            None => e.actor.clone(),
        };
        let action = def
            .machine(machine)
            .event(&e.action)
            .map(|x| x.label.clone())
            .unwrap_or_else(|| action_label(&e.action).to_string());
        let state =
            |v: &Value| v.get("state").and_then(|s| s.as_str()).map(|s| state_label_in(app, &def.id, machine, s));
        let change = match (state(&e.before), state(&e.after)) {
            (Some(a), Some(b)) if a != b => format!("{a} → {b}"),
            (None, Some(b)) => b,
            _ => String::new(),
        };
        // A step's inputs, then what an edit changed (before → after), in
        // the workflow's words.
        let mut lines: Vec<String> = Vec::new();
        // Ids say nothing to a person; the person an input names is said
        // by name.
        let said = |k: &String, v: &Value| {
            !MACHINE_KEYS.contains(&k.as_str()) && k != "id" && (!k.ends_with("_id") || k == "user_id") && !blank(v)
        };
        // A step's entry holds its inputs under `input`.
        let data = match e.data.get("input") {
            Some(Value::Object(input)) => Value::Object(input.clone()),
            _ => e.data.clone(),
        };
        if let Value::Object(data) = &data {
            for (k, v) in data.iter().filter(|(k, v)| said(k, v)) {
                let v = match (k.as_str(), v.as_str().and_then(|u| Uuid::parse_str(u).ok())) {
                    ("user_id", Some(user)) => Value::from(app.store.user_name(user).await.unwrap_or_default()),
                    _ => v.clone(),
                };
                lines.push(format!(
                    "{} : {}",
                    label_of(def, &e.action, machine, k),
                    words(def, &e.action, machine, k, &v)
                ));
            }
        }
        if let Value::Object(after) = &e.after {
            for (k, v) in after.iter().filter(|(k, v)| said(k, v) || e.before.get(*k).is_some_and(|b| !blank(b))) {
                let label = label_of(def, &e.action, machine, k);
                let now = words(def, &e.action, machine, k, v);
                lines.push(match e.before.get(k) {
                    Some(old) if old != v => format!("{label} : {} → {now}", words(def, &e.action, machine, k, old)),
                    _ => format!("{label} : {now}"),
                });
            }
        }
        let mut details = lines.join(" ; ");
        if e.redacted && e.data.is_null() {
            details = "(détails réservés à qui lit les expertises, jusqu'à la décision)".to_string();
        } else if e.erased && details.is_empty() {
            details = "(données personnelles effacées à la demande de la personne)".to_string();
        }
        let at = e.at.with_timezone(&crate::calendar::ZONE).format("%d/%m/%Y %H:%M:%S").to_string();
        rows.push((e.number, at, who, action, change, details, e.hash.chars().take(12).collect()));
    }
    let heading = match machine {
        Machine::Dossier => format!("Journal d'audit du dossier « {title} »"),
        Machine::Label => format!("Journal d'audit du label « {title} »"),
    };
    page(
        TrailPage {
            user: bar(browser),
            heading,
            csv: format!("{base}/journal?format=csv"),
            back: base,
            rows,
            next,
            first,
            actions: BUILT_IN
                .iter()
                .map(|a| (a.to_string(), action_label(a).to_string()))
                .chain(def.machine(machine).events.iter().map(|e| (e.name.clone(), e.label.clone())))
                .collect(),
            action: params.get("action").cloned().unwrap_or_default(),
        },
        StatusCode::OK,
    )
}

/// Keys of an entry that the columns already say (the state) or that
/// only the machine reads.
const MACHINE_KEYS: &[&str] = &["state", "version", "workflow_version", "owners", "sha256", "content_type"];

/// Nothing to say: null, an empty text or list.
fn blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// A field of an item of one of the form's groups (a partner's type).
fn item_field<'a>(def: &'a crate::workflow::Definition, key: &str) -> Option<&'a crate::workflow::FormField> {
    def.form.fields().flat_map(|g| &g.fields).find(|f| f.name == key)
}

/// What a person reads for the key of an entry: the step's input, the
/// form's field (or a group item's), a criterion, or the dossier's own
/// data.
fn label_of(def: &crate::workflow::Definition, action: &str, machine: Machine, key: &str) -> String {
    def.machine(machine)
        .event(action)
        .and_then(|e| e.fields.iter().find(|f| f.name == key))
        .map(|f| f.label.clone())
        .or_else(|| def.form_label(key))
        .or_else(|| item_field(def, key).map(|f| f.label.clone()))
        .or_else(|| def.grid.criterion(key).map(|c| c.label.clone()))
        .or_else(|| def.field_label(key).map(String::from))
        .unwrap_or_else(|| match messages::field_label(key) {
            "Champ" => match key {
                "category" => "Catégorie".to_string(),
                "valid_from" => "Début de validité".to_string(),
                "valid_until" => "Fin de validité".to_string(),
                "renewal_of" => "Label renouvelé".to_string(),
                "kind" => "Nature".to_string(),
                "file_name" => "Fichier".to_string(),
                "size" => "Taille (octets)".to_string(),
                other => other.replace('_', " "),
            },
            words => words.to_string(),
        })
}

/// A value in words: a choice as its label, a list joined, a date the
/// French way.
fn words(def: &crate::workflow::Definition, action: &str, machine: Machine, key: &str, value: &Value) -> String {
    let choice = |code: &str| -> String {
        if let Some(f) = def.machine(machine).event(action).and_then(|e| e.fields.iter().find(|f| f.name == key)) {
            if !f.choices.is_empty() {
                return f.choice_label(code).to_string();
            }
        }
        if let Some(f) = def.form.field(key).or_else(|| item_field(def, key)) {
            if f.list.is_some() || !f.choices.is_empty() {
                return f.choice_label(code);
            }
        }
        match (key, code) {
            ("category", _) => return def.choice_label("category", code),
            ("kind", "creation") => return "création".into(),
            ("kind", "renewal") => return "renouvellement".into(),
            ("kind", _) => {
                if let Some(k) = def.form.attachments.iter().find(|k| k.code == code) {
                    return k.label.clone();
                }
            }
            _ => {}
        }
        match chrono::NaiveDate::parse_from_str(code, "%Y-%m-%d") {
            Ok(d) => d.format("%d/%m/%Y").to_string(),
            Err(_) => code.to_string(),
        }
    };
    match value {
        Value::Null => "—".into(),
        Value::Bool(b) => if *b { "oui" } else { "non" }.into(),
        Value::String(s) => choice(s),
        Value::Array(items) => items
            .iter()
            .map(|v| match v {
                // A group's item: its own fields' values.
                Value::Object(m) => m
                    .iter()
                    .filter(|(k, _)| *k != "id")
                    .map(|(_, v)| words(def, action, machine, "", v))
                    .collect::<Vec<_>>()
                    .join(" "),
                other => words(def, action, machine, key, other),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(m) => {
            m.iter().map(|(k, v)| format!("{k} {}", words(def, action, machine, "", v))).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

/// French names of the audited actions that are not workflow events.
/// The steps every trail may hold besides its workflow's events.
const BUILT_IN: &[&str] = &[
    "create",
    "update",
    "add_partner",
    "remove_partner",
    "self_assessment",
    "add_attachment",
    "replace_attachment",
    "remove_attachment",
    "post_message",
    "invite_guest",
    "revoke_guest",
    "guest_answer",
    "invite_co_owner",
    "revoke_co_owner",
    "add_co_owner",
];

pub(super) fn action_label(action: &str) -> &str {
    match action {
        "create" => "Création",
        "update" => "Modification",
        "add_partner" => "Ajout d'un partenaire",
        "remove_partner" => "Retrait d'un partenaire",
        "self_assessment" => "Auto-évaluation",
        "add_attachment" => "Ajout d'une pièce jointe",
        "replace_attachment" => "Remplacement d'une pièce jointe",
        "remove_attachment" => "Retrait d'une pièce jointe",
        "update_account" => "Modification du compte",
        "post_message" => "Message",
        "invite_guest" => "Demande d'avis par lien",
        "revoke_guest" => "Retrait d'une demande d'avis",
        "guest_answer" => "Avis reçu par lien",
        "invite_co_owner" => "Invitation d'un co-titulaire",
        "revoke_co_owner" => "Retrait d'une invitation de co-titulaire",
        "add_co_owner" => "Arrivée d'un co-titulaire",
        other => other,
    }
}
