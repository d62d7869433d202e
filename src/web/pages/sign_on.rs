//! Signing in through the identity provider: the button's link, the
//! provider's answer, and the confirmation that links an identity to the
//! account with its e-mail.

use super::auth::{anonymous_csrf_ok, local_path, with_anonymous_csrf};
use super::session::with_cookies;
use super::*;
use crate::app::sign_on::{Answer, SignOnRefusal, SIGN_ON_MINUTES};

/// The browser's half of a sign-in begun: the `state` it must come back
/// with, only sent back to the sign-in's own addresses.
const STATE_COOKIE: &str = "lf_sign_on";
const STATE_PATH: &str = "/connexion/oidc";

fn state_cookie(app: &App, value: &str, max_age: i64) -> String {
    let secure = if app.secure_cookies { "; Secure" } else { "" };
    // Lax: the provider sends the browser back with a top-level GET.
    format!("{STATE_COOKIE}={value}; Path={STATE_PATH}; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

fn refused(app: &App, e: &AppError) -> Response {
    let status = match e {
        AppError::SignOn(r) => crate::web::error::sign_on_status(r).0,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    };
    if status.is_server_error() || status == StatusCode::BAD_GATEWAY {
        tracing::warn!(error = %e, "a sign-in through the identity provider failed");
    } else {
        tracing::info!(error = %e, "a sign-in through the identity provider was refused");
    }
    let page = message(None, status, "Connexion refusée", &messages::describe(&app.workflow, e).1);
    with_cookies(page, &[state_cookie(app, "", 0)])
}

#[derive(Deserialize)]
pub(super) struct BeginQuery {
    retour: Option<String>,
}

/// The button's link: begins a sign-in and sends the browser to the
/// provider.
pub(super) async fn begin(State(app): State<App>, Query(q): Query<BeginQuery>) -> Response {
    let back = q.retour.as_deref().and_then(local_path).unwrap_or("/tableau-de-bord").to_string();
    match app.begin_sign_on(&back).await {
        Ok((url, state)) => {
            with_cookies(Redirect::to(&url).into_response(), &[state_cookie(&app, &state, SIGN_ON_MINUTES * 60)])
        }
        Err(e) => refused(&app, &e),
    }
}

#[derive(Deserialize)]
pub(super) struct CallbackQuery {
    #[serde(default)]
    state: String,
    code: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/sign_on_link.html")]
struct LinkPage {
    user: Option<UserBar>,
    csrf: String,
    email: String,
    provider: String,
}

/// The provider sends the browser back here, with a code or an error.
pub(super) async fn callback(State(app): State<App>, headers: HeaderMap, Query(q): Query<CallbackQuery>) -> Response {
    // The answer must come back to the browser that began the sign-in:
    // otherwise someone could log a victim into the attacker's account.
    let ours = cookie(&headers, STATE_COOKIE).unwrap_or_default();
    if ours.is_empty() || !same_token(&ours, &q.state) {
        return refused(&app, &SignOnRefusal::UnknownState.into());
    }
    if let Some(error) = q.error {
        let text = q.error_description.unwrap_or(error);
        let refusal = SignOnRefusal::Provider(crate::sign_on::SignOnError::Refused(text));
        return refused(&app, &refusal.into());
    }
    let code = q.code.unwrap_or_default();
    match app.finish_sign_on(&q.state, &code).await {
        Ok(Answer::LoggedIn { token, back }) => logged_in(&app, &token, &back),
        Ok(Answer::Confirm { email }) => {
            let csrf = random_token();
            let provider = app.sign_on.as_ref().map(|s| s.settings.provider_name.clone()).unwrap_or_default();
            let data = LinkPage { user: None, csrf: csrf.clone(), email, provider };
            with_anonymous_csrf(&app, page(data, StatusCode::OK), &csrf)
        }
        Err(e) => refused(&app, &e),
    }
}

#[derive(Deserialize)]
pub(super) struct LinkForm {
    #[serde(default)]
    csrf: String,
}

/// The person confirms that the account with their e-mail is theirs.
pub(super) async fn confirm_link(State(app): State<App>, headers: HeaderMap, Form(form): Form<LinkForm>) -> Response {
    if !anonymous_csrf_ok(&headers, &form.csrf) {
        return message(
            None,
            StatusCode::FORBIDDEN,
            "Action refusée",
            "Le formulaire a expiré : recommencez la connexion.",
        );
    }
    let state = cookie(&headers, STATE_COOKIE).unwrap_or_default();
    match app.confirm_sign_on_link(&state).await {
        Ok((token, back)) => logged_in(&app, &token, &back),
        Err(e) => refused(&app, &e),
    }
}

fn logged_in(app: &App, token: &str, back: &str) -> Response {
    let hours = crate::app::accounts::SESSION_HOURS * 3600;
    let to = local_path(back).unwrap_or("/tableau-de-bord");
    with_cookies(
        Redirect::to(to).into_response(),
        &[
            set_cookie(app, SESSION_COOKIE, token, hours),
            set_cookie(app, LOGIN_CSRF_COOKIE, "", 0),
            state_cookie(app, "", 0),
        ],
    )
}
