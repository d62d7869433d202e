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
    reviewers: Vec<(String, String)>,
    /// Per dossier: (title, done, what happened)
    results: Vec<(String, bool, String)>,
    errors: FormErrors,
    message: String,
    due: String,
    user_id: String,
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

async fn render(
    app: &App,
    browser: &Browser,
    checked: &[String],
    items: Vec<crate::app::BulkItem>,
    errors: FormErrors,
    typed: (&str, &str, &str),
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
        reviewers: super::reviewers(app).await,
        results,
        errors,
        message: typed.0.into(),
        due: typed.1.into(),
        user_id: typed.2.into(),
    };
    page(data, status)
}

pub(super) async fn bulk_page(State(app): State<App>, browser: Browser) -> Response {
    if !may_bulk(&browser) {
        return not_for_you(&browser);
    }
    render(&app, &browser, &[], vec![], FormErrors::default(), ("", "", "")).await
}

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
    let (message_text, due, user_id) = (get("message"), get("due"), get("user_id"));
    let typed = (message_text.as_str(), due.as_str(), user_id.as_str());
    let event = match get("action").as_str() {
        "relancer" => Event::named("remind_owners").with("message", message_text.clone()),
        _ => Event::named("assign_reviewer").with("user_id", user_id.clone()).with("due", due.clone()),
    };
    let ids: Vec<Uuid> = checked.iter().filter_map(|id| Uuid::parse_str(id).ok()).collect();
    if ids.is_empty() {
        let errors = FormErrors(vec![("dossier".into(), "Cochez au moins un dossier.".into())]);
        return render(&app, &browser, &checked, vec![], errors, typed).await;
    }
    let items = match app.bulk_dossier_event(&browser.actor, &ids, &event).await {
        Ok(items) => items,
        Err(e) => {
            return render(&app, &browser, &checked, vec![], FormErrors::from_error(&app.workflow, &e), typed).await
        }
    };
    render(&app, &browser, &[], items, FormErrors::default(), ("", "", "")).await
}
