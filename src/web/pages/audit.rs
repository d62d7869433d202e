//! Audit trails of dossiers and labels, for the people who may read them.

use super::*;
use crate::store::audit::TrailEntry;

#[derive(Template)]
#[template(path = "pages/audit.html")]
struct TrailPage {
    user: Option<UserBar>,
    heading: String,
    back: String,
    csv: String,
    /// (seq, date, who, action, change, details, hash prefix)
    rows: Vec<(i64, String, String, String, String, String, String)>,
}

#[derive(Deserialize)]
pub(super) struct TrailQuery {
    format: Option<String>,
}

pub(super) async fn dossier_trail(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Query(q): Query<TrailQuery>,
) -> Response {
    let Ok(uid) = Uuid::parse_str(&id) else { return not_found(&browser, Machine::Dossier) };
    let trail = app.dossier_audit(&browser.actor, uid).await;
    let title = app.store.dossier_view(uid).await.map(|d| d.title).unwrap_or_default();
    respond(&app, &browser, Machine::Dossier, &id, &title, trail, q.format.as_deref()).await
}

pub(super) async fn label_trail(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Query(q): Query<TrailQuery>,
) -> Response {
    let Ok(uid) = Uuid::parse_str(&id) else { return not_found(&browser, Machine::Label) };
    let trail = app.label_audit(&browser.actor, uid).await;
    let title = app.store.label_view(uid).await.map(|l| l.title).unwrap_or_default();
    respond(&app, &browser, Machine::Label, &id, &title, trail, q.format.as_deref()).await
}

async fn respond(
    app: &App,
    browser: &Browser,
    machine: Machine,
    id: &str,
    title: &str,
    trail: Result<Vec<TrailEntry>, AppError>,
    format: Option<&str>,
) -> Response {
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
    if format == Some("csv") {
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
            None => e.actor.clone(),
        };
        let action = app
            .workflow
            .machine(machine)
            .event(&e.action)
            .map(|x| x.label.clone())
            .unwrap_or_else(|| action_label(&e.action).to_string());
        let state =
            |v: &serde_json::Value| v.get("state").and_then(|s| s.as_str()).map(|s| state_label(app, machine, s));
        let change = match (state(&e.before), state(&e.after)) {
            (Some(a), Some(b)) if a != b => format!("{a} → {b}"),
            (None, Some(b)) => b,
            _ => String::new(),
        };
        // Workflow steps carry their input in `data`; direct edits carry
        // the new values in `after`.
        let shown = |v: &serde_json::Value| match v {
            serde_json::Value::Object(m) => !m.is_empty() && !m.contains_key("state"),
            serde_json::Value::Null => false,
            _ => true,
        };
        let mut details =
            [&e.data, &e.after].into_iter().filter(|v| shown(v)).map(|v| v.to_string()).collect::<Vec<_>>().join(" ");
        if e.redacted && e.data.is_null() {
            details = "(détails réservés à qui lit les expertises, jusqu'à la décision)".to_string();
        }
        let at = e.at.with_timezone(&crate::calendar::ZONE).format("%d/%m/%Y %H:%M:%S").to_string();
        rows.push((e.seq, at, who, action, change, details, e.hash.chars().take(12).collect()));
    }
    let base = format!("/{}s/{id}", machine.name());
    let heading = match machine {
        Machine::Dossier => format!("Journal d'audit du dossier « {title} »"),
        Machine::Label => format!("Journal d'audit du label « {title} »"),
    };
    page(
        TrailPage { user: bar(browser), heading, csv: format!("{base}/journal?format=csv"), back: base, rows },
        StatusCode::OK,
    )
}

/// French names of the audited actions that are not workflow events.
fn action_label(action: &str) -> &str {
    match action {
        "create" => "Création",
        "update" => "Modification",
        "add_partner" => "Ajout d'un partenaire",
        "remove_partner" => "Retrait d'un partenaire",
        "self_assessment" => "Auto-évaluation",
        "add_attachment" => "Ajout d'une pièce jointe",
        other => other,
    }
}
