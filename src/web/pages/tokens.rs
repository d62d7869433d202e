//! « Mes jetons d'accès »: a person makes, reads and revokes the API tokens
//! machines use in their name, as `POST/GET/DELETE /api/v1/tokens` do.

use super::*;
use crate::app::api_tokens::{TokenRequest, DEFAULT_DAYS, MAX_DAYS};

struct TokenRow {
    id: String,
    name: String,
    access: &'static str,
    scope: String,
    /// The labels of the workflows it is narrowed to, or « toutes ».
    workflows: String,
    created: String,
    expires: String,
    last_used: String,
    /// « actif », « révoqué » or « expiré ».
    state: &'static str,
    active: bool,
}

#[derive(Template)]
#[template(path = "pages/tokens.html")]
struct TokensPage {
    user: Option<UserBar>,
    csrf: String,
    tokens: Vec<TokenRow>,
    /// The territories a token may be narrowed to.
    scopes: Vec<String>,
    /// The workflows (id, label) a token may be narrowed to, when the
    /// server runs several.
    workflows: Vec<(String, String)>,
    /// The new token, shown once right after it is made.
    made: String,
    revoked: bool,
    errors: Vec<(String, String)>,
    name: String,
    days: String,
    max_days: i64,
}

#[derive(Deserialize, Default)]
pub(super) struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    access: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    workflow: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    id: String,
}

pub(super) async fn tokens(State(app): State<App>, browser: Browser) -> Response {
    render(&app, &browser, TokenForm::default(), String::new(), false, vec![], StatusCode::OK).await
}

pub(super) async fn token_action(State(app): State<App>, browser: Browser, Form(form): Form<TokenForm>) -> Response {
    if !same_token(&browser.csrf, &form.csrf) {
        return expired(&browser);
    }
    if form.action == "revoquer" {
        let revoked = match Uuid::parse_str(&form.id) {
            Ok(id) => app.revoke_api_token(&browser.actor, id).await,
            Err(_) => Err(crate::store::StoreError::NotFound { what: "token" }.into()),
        };
        return match revoked {
            Ok(()) => render(&app, &browser, TokenForm::default(), String::new(), true, vec![], StatusCode::OK).await,
            Err(e) => failed(&app, &browser, e),
        };
    }
    let days = form.days.trim();
    let request = TokenRequest {
        name: form.name.clone(),
        access: form.access.clone(),
        scope: Some(form.scope.clone()).filter(|s| !s.is_empty()),
        workflows: Some(vec![form.workflow.clone()]).filter(|_| !form.workflow.is_empty()),
        expires_in_days: match days.parse::<i64>() {
            Ok(d) => Some(d),
            Err(_) if days.is_empty() => None,
            // Out of range: the application names the field.
            Err(_) => Some(0),
        },
        user_id: None,
    };
    match app.create_api_token(&browser.actor, &request).await {
        Ok((_, token)) => render(&app, &browser, TokenForm::default(), token, false, vec![], StatusCode::OK).await,
        Err(AppError::Refused(refusal)) if !refusal.input_errors().is_empty() => {
            let errors = refusal.input_errors().into_iter().map(|(field, _)| in_french(field)).collect();
            render(&app, &browser, form, String::new(), false, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => failed(&app, &browser, e),
    }
}

/// A refused input, its field and what the person reads.
fn in_french(field: String) -> (String, String) {
    // One select for the page: `workflows[i]` is its one choice.
    let field = if field.starts_with("workflows") { "workflows".to_string() } else { field };
    let text = match field.as_str() {
        "name" => "Nom : de 1 à 100 caractères.".to_string(),
        "access" => "Droits : lecture seule, ou lecture et écriture.".to_string(),
        "expires_in_days" => format!("Durée : un nombre de jours entre 1 et {MAX_DAYS}."),
        "scope" => "Territoire : choisissez l'un des vôtres.".to_string(),
        "workflows" => "Démarche : choisissez l'une de celles du service.".to_string(),
        _ => "Valeur refusée.".to_string(),
    };
    (field, text)
}

fn failed(app: &App, browser: &Browser, e: AppError) -> Response {
    let status = match &e {
        AppError::Store(crate::store::StoreError::NotFound { .. }) => StatusCode::NOT_FOUND,
        AppError::Refused(crate::engine::Refusal::NotAllowed { .. }) => StatusCode::FORBIDDEN,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    };
    message(bar(browser), status, "Jetons d'accès", &messages::describe(&app.workflow, &e).1)
}

async fn render(
    app: &App,
    browser: &Browser,
    form: TokenForm,
    made: String,
    revoked: bool,
    errors: Vec<(String, String)>,
    status: StatusCode,
) -> Response {
    let listed = match app.api_tokens(&browser.actor, false).await {
        Ok(listed) => listed,
        Err(e) => return failed(app, browser, e),
    };
    let now = app.clock.now();
    let tokens = listed
        .into_iter()
        .map(|t| {
            let ended = chrono::DateTime::parse_from_rfc3339(&t.expires_at).is_ok_and(|end| end <= now);
            let state = match (&t.revoked_at, ended) {
                (Some(_), _) => "révoqué",
                (None, true) => "expiré",
                (None, false) => "actif",
            };
            TokenRow {
                id: t.id.to_string(),
                name: t.name,
                access: if t.access == "read" { "lecture" } else { "lecture et écriture" },
                scope: t.scope.unwrap_or_else(|| "tous les vôtres".into()),
                workflows: match t.workflows {
                    None => "toutes".into(),
                    Some(ids) => ids
                        .iter()
                        .map(|id| app.workflows.get(id).map_or(id.clone(), |d| d.label.clone()))
                        .collect::<Vec<_>>()
                        .join(", "),
                },
                created: french_instant(&t.created_at),
                expires: french_instant(&t.expires_at),
                last_used: t.last_used_at.as_deref().map(french_instant).unwrap_or_else(|| "jamais".into()),
                state,
                active: state == "actif",
            }
        })
        .collect();
    let mut scopes: Vec<String> =
        browser.actor.grants.iter().filter_map(|g| g.scope.as_ref()).map(|s| s.to_string()).collect();
    scopes.sort();
    scopes.dedup();
    let days = if form.days.is_empty() { DEFAULT_DAYS.to_string() } else { form.days };
    let workflows = match app.workflows.iter().count() {
        0 | 1 => vec![],
        _ => app.workflows.iter().map(|d| (d.id.clone(), d.label.clone())).collect(),
    };
    page(
        TokensPage {
            user: bar(browser),
            csrf: browser.csrf.clone(),
            tokens,
            scopes,
            workflows,
            made,
            revoked,
            errors,
            name: form.name,
            days,
            max_days: MAX_DAYS,
        },
        status,
    )
}
