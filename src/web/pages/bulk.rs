//! Bulk actions for staff and the president: the same step on many
//! dossiers at once, each item done or refused on its own.

use super::*;

#[derive(Template)]
#[template(path = "pages/bulk.html")]
struct BulkPage {
    user: Option<UserBar>,
    csrf: String,
    /// (id, title, state, checked)
    dossiers: Vec<(String, String, String, bool)>,
    /// The steps the workflows offer in batch that the viewer's roles take.
    actions: Vec<super::actions::ActionForm>,
    /// Per dossier: (title, done, what happened)
    results: Vec<(String, bool, String)>,
    errors: FormErrors,
}

fn not_for_you(browser: &Browser) -> Response {
    message(
        bar(browser),
        StatusCode::FORBIDDEN,
        "Accès réservé",
        "Les actions groupées sont réservées aux services et au niveau national.",
    )
}

fn may_bulk(browser: &Browser) -> bool {
    browser.kinds.iter().any(|k| matches!(k, RoleKind::Staff | RoleKind::National | RoleKind::Admin))
}

/// The batch events of the workflows a transition lets one of the actor's
/// roles take (whatever the dossier's scope: each dossier checks its own),
/// once each by name, with the workflow declaring it.
fn batch_events<'a>(
    app: &'a App,
    actor: &crate::engine::Actor,
) -> Vec<(&'a crate::workflow::Definition, &'a crate::workflow::EventDef)> {
    let mut out: Vec<(&crate::workflow::Definition, &crate::workflow::EventDef)> = Vec::new();
    for def in app.workflows.iter() {
        for spec in def.dossier.events.iter().filter(|e| e.batch) {
            let takes = def
                .dossier
                .transitions
                .iter()
                .filter(|t| t.event == spec.name)
                .any(|t| t.roles.iter().any(|r| actor.grants.iter().any(|g| &g.role == r)));
            if takes && !out.iter().any(|(_, e)| e.name == spec.name) {
                out.push((def, spec));
            }
        }
    }
    out
}

async fn render(
    app: &App,
    browser: &Browser,
    checked: &[String],
    items: Vec<crate::app::BulkItem>,
    errors: FormErrors,
    typed: &Map<String, Value>,
    refused: Option<(&str, &str, &str)>,
) -> Response {
    let dossiers = match app.dossiers(&browser.actor, None, None).await {
        Ok(d) => d,
        Err(e) => {
            return message(
                bar(browser),
                StatusCode::SERVICE_UNAVAILABLE,
                "Actions groupées",
                &messages::describe(&app.workflow, &e).1,
            )
        }
    };
    // Results are named after the same list the page shows.
    let results = items
        .into_iter()
        .map(|item| {
            let id = item.dossier_id.to_string();
            let title = dossiers.iter().find(|d| d.id == id).map(|d| d.title.clone()).unwrap_or(id);
            match item.result {
                Ok(_) => (title, true, "fait".to_string()),
                Err(e) => (title, false, messages::describe(&app.workflow, &e).1),
            }
        })
        .collect();
    let reviewers = super::reviewers(app).await;
    let actions = batch_events(app, &browser.actor)
        .into_iter()
        .map(|(def, spec)| super::actions::event_form(&def.grid, spec, &reviewers, typed, refused))
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let data = BulkPage {
        user: bar(browser),
        csrf: browser.csrf.clone(),
        dossiers: dossiers
            .into_iter()
            .map(|d| {
                let on = checked.contains(&d.id);
                (d.id, d.title, state_label_in(app, &d.workflow, Machine::Dossier, &d.state), on)
            })
            .collect(),
        actions,
        results,
        errors,
    };
    page(data, status)
}

pub(super) async fn bulk_page(State(app): State<App>, browser: Browser) -> Response {
    if !may_bulk(&browser) {
        return not_for_you(&browser);
    }
    render(&app, &browser, &[], vec![], FormErrors::default(), &Map::new(), None).await
}

/// Each batch step's inputs are named `EVENT.FIELD`: the button pressed
/// says which step, and only its inputs are read.
pub(super) async fn bulk_action(
    State(app): State<App>,
    browser: Browser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    if !same_token(&browser.csrf, &get("csrf")) {
        return expired(&browser);
    }
    if !may_bulk(&browser) {
        return not_for_you(&browser);
    }
    let checked: Vec<String> = pairs.iter().filter(|(k, _)| k == "dossier").map(|(_, v)| v.clone()).collect();
    let name = get("event");
    let offered = batch_events(&app, &browser.actor);
    let Some((def, _)) = offered.iter().find(|(_, e)| e.name == name) else {
        let errors = FormErrors(vec![(String::new(), "Choisissez une des actions proposées.".into())]);
        return render(&app, &browser, &checked, vec![], errors, &Map::new(), None).await;
    };
    let prefix = format!("{name}.");
    let mut own: Vec<(String, String)> = vec![("event".into(), name.clone())];
    own.extend(pairs.iter().filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.to_string(), v.clone()))));
    let (_, _, data, typed) = super::actions::event_from_form(def, Machine::Dossier, &own);
    let refused_with = |field: String, text: String| {
        let anchor = if field.is_empty() || field == "dossier" { field.clone() } else { format!("{name}-{field}") };
        (FormErrors(vec![(anchor, text.clone())]), field, text)
    };
    let ids: Vec<Uuid> = checked.iter().filter_map(|id| Uuid::parse_str(id).ok()).collect();
    if ids.is_empty() {
        let (errors, _, _) = refused_with("dossier".into(), "Cochez au moins un dossier.".into());
        // The step's form stays open with what was typed.
        return render(&app, &browser, &checked, vec![], errors, &typed, Some((&name, "", ""))).await;
    }
    // A step that cannot be undone is taken only once confirmed.
    let spec = def.dossier.event(&name);
    if spec.is_some_and(|e| e.confirm.is_some()) && get(&format!("{name}.confirm")) != "oui" {
        let e = AppError::Refused(crate::engine::Refusal::invalid("confirm", "must be confirmed"));
        let (field, text) = messages::describe(def, &e);
        let (errors, field, text) = refused_with(field, text);
        return render(&app, &browser, &checked, vec![], errors, &typed, Some((&name, &field, &text))).await;
    }
    let mut event = crate::engine::Event::named(&name);
    event.data = data;
    let items = match app.bulk_dossier_event(&browser.actor, &ids, &event).await {
        Ok(items) => items,
        Err(e) => {
            let (field, text) = messages::describe(def, &e);
            let (errors, field, text) = refused_with(field, text);
            return render(&app, &browser, &checked, vec![], errors, &typed, Some((&name, &field, &text))).await;
        }
    };
    // An input refused on every dossier alike is the form's error: shown
    // once, beside the field, with what was typed, not once per dossier.
    if let Some(e) = same_input_error(&items) {
        let (field, text) = messages::describe(def, e);
        let (errors, field, text) = refused_with(field, text);
        return render(&app, &browser, &checked, vec![], errors, &typed, Some((&name, &field, &text))).await;
    }
    render(&app, &browser, &[], items, FormErrors::default(), &Map::new(), None).await
}

/// The refusal of an input every item met, if they all met the same.
fn same_input_error(items: &[crate::app::BulkItem]) -> Option<&AppError> {
    fn input(item: &crate::app::BulkItem) -> Option<(&str, &str)> {
        match &item.result {
            Err(AppError::Refused(crate::engine::Refusal::InvalidInput { field, reason })) => Some((field, reason)),
            _ => None,
        }
    }
    let first = input(items.first()?)?;
    items.iter().all(|i| input(i) == Some(first)).then(|| items[0].result.as_ref().err()).flatten()
}
