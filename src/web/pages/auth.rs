//! Logging in and out, and changing one's password.

use super::session::with_cookies;
use super::*;

#[derive(Template)]
#[template(path = "pages/login.html")]
pub(super) struct LoginPage {
    user: Option<UserBar>,
    csrf: String,
    email: String,
    error: String,
    /// The page asked for before logging in, where the login leads.
    back: String,
    /// A password just chosen through a link.
    done: &'static str,
    /// The identity provider's name, when people may sign in with it.
    provider: String,
    /// Where its button leads (with the page to come back to).
    provider_link: String,
}

/// A page of this site to go back to after logging in: a path of ours,
/// never another site's address (`//host`, `/\host`).
pub(super) fn local_path(back: &str) -> Option<&str> {
    let ours = back.starts_with('/') && !back.starts_with("//") && !back.starts_with("/\\");
    (ours && !back.chars().any(char::is_control)).then_some(back)
}

pub(super) fn login_form(app: &App, email: &str, error: &str, status: StatusCode, back: &str) -> Response {
    // Double-submit token: before a session exists, the form's token must
    // match a cookie only this site can set.
    login_form_saying(app, email, error, status, back, "")
}

/// The login form, telling first what was just `done`.
fn login_form_saying(
    app: &App,
    email: &str,
    error: &str,
    status: StatusCode,
    back: &str,
    done: &'static str,
) -> Response {
    let token = random_token();
    let back = local_path(back).unwrap_or_default().to_string();
    let provider = app.sign_on.as_ref().map(|s| s.settings.provider_name.clone()).unwrap_or_default();
    let provider_link = match back.as_str() {
        "" => "/connexion/oidc".to_string(),
        back => format!(
            "/connexion/oidc?{}",
            url::form_urlencoded::Serializer::new(String::new()).append_pair("retour", back).finish()
        ),
    };
    let data = LoginPage {
        user: None,
        csrf: token.clone(),
        email: email.into(),
        error: error.into(),
        back,
        done,
        provider,
        provider_link,
    };
    with_anonymous_csrf(app, page(data, status), &token)
}

/// Sets the cookie a form shown before any session must send back with
/// `token` (double submit: only this site can set it).
pub(super) fn with_anonymous_csrf(app: &App, response: Response, token: &str) -> Response {
    with_cookies(response, &[set_cookie(app, LOGIN_CSRF_COOKIE, token, 3600)])
}

/// Whether a form posted before any session carries the token of its cookie.
pub(super) fn anonymous_csrf_ok(headers: &HeaderMap, submitted: &str) -> bool {
    let expected = cookie(headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    !expected.is_empty() && same_token(&expected, submitted)
}

#[derive(Deserialize)]
pub(super) struct LoginQuery {
    retour: Option<String>,
    fait: Option<String>,
}

pub(super) async fn login_page(State(app): State<App>, Query(q): Query<LoginQuery>) -> Response {
    let done = match q.fait.as_deref() {
        Some("mot-de-passe") => "Votre mot de passe est enregistré : connectez-vous avec lui.",
        Some("rejoint") => "Votre compte est ouvert et vous êtes titulaire du dossier : connectez-vous pour le voir.",
        _ => "",
    };
    login_form_saying(&app, "", "", StatusCode::OK, q.retour.as_deref().unwrap_or_default(), done)
}

#[derive(Deserialize)]
pub(super) struct LoginInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    retour: String,
}

pub(super) async fn login(
    State(app): State<App>,
    crate::web::client::ClientAddr(client): crate::web::client::ClientAddr,
    headers: HeaderMap,
    Form(input): Form<LoginInput>,
) -> Response {
    if !anonymous_csrf_ok(&headers, &input.csrf) {
        return login_form(
            &app,
            &input.email,
            "Le formulaire a expiré : veuillez réessayer.",
            StatusCode::FORBIDDEN,
            &input.retour,
        );
    }
    match app.login(&input.email, &input.password, &client).await {
        Ok((token, _)) => {
            let to = Redirect::to(local_path(&input.retour).unwrap_or("/tableau-de-bord")).into_response();
            let hours = crate::app::accounts::SESSION_HOURS * 3600;
            with_cookies(
                to,
                &[set_cookie(&app, SESSION_COOKIE, &token, hours), set_cookie(&app, LOGIN_CSRF_COOKIE, "", 0)],
            )
        }
        Err(AppError::Auth(crate::app::accounts::AuthError::Throttled { seconds })) => {
            let minutes = (seconds + 59) / 60;
            let unit = if minutes > 1 { "minutes" } else { "minute" };
            let text = format!("Trop de tentatives de connexion : réessayez dans {minutes} {unit}.");
            login_form(&app, &input.email, &text, StatusCode::TOO_MANY_REQUESTS, &input.retour)
        }
        Err(AppError::Auth(_)) => login_form(
            &app,
            &input.email,
            "Adresse électronique ou mot de passe incorrect.",
            StatusCode::UNAUTHORIZED,
            &input.retour,
        ),
        Err(e) => login_form(
            &app,
            &input.email,
            &messages::describe(&app.workflow, &e).1,
            StatusCode::SERVICE_UNAVAILABLE,
            &input.retour,
        ),
    }
}

pub(super) async fn logout(State(app): State<App>, browser: Browser, Form(form): Form<CsrfOnly>) -> Response {
    if !same_token(&browser.csrf, &form.csrf) {
        return expired(&browser);
    }
    // A session opened through the identity provider ends there too.
    let then = app.sign_on_logout_url(&browser.token).await.unwrap_or_else(|| "/connexion".into());
    app.logout(&browser.token).await.ok();
    with_cookies(Redirect::to(&then).into_response(), &[set_cookie(&app, SESSION_COOKIE, "", 0)])
}

#[derive(Template)]
#[template(path = "pages/password.html")]
pub(super) struct PasswordPage {
    user: Option<UserBar>,
    csrf: String,
    done: bool,
    errors: Vec<(String, String)>,
    err_current: bool,
    err_new: bool,
    err_confirm: bool,
}

pub(super) fn password_form(
    browser: &Browser,
    done: bool,
    errors: Vec<(String, String)>,
    status: StatusCode,
) -> Response {
    let has = |f: &str| errors.iter().any(|(field, _)| field == f);
    let (err_current, err_new, err_confirm) = (has("current"), has("new"), has("confirm"));
    page(
        PasswordPage {
            user: bar(browser),
            csrf: browser.csrf.clone(),
            done,
            errors,
            err_current,
            err_new,
            err_confirm,
        },
        status,
    )
}

/// The logged-in person's own data, as a file (the page of the password
/// links to it).
pub(super) async fn my_data(State(app): State<App>, browser: Browser) -> Response {
    match app.personal_data(&browser.actor).await {
        Ok(data) => crate::web::api::accounts::personal_data_file(data),
        Err(e) => {
            tracing::error!(error = %e, "a person's data could not be gathered");
            message(
                bar(&browser),
                StatusCode::INTERNAL_SERVER_ERROR,
                "Données indisponibles",
                "Vos données n'ont pas pu être rassemblées. Réessayez dans un moment.",
            )
        }
    }
}

pub(super) async fn password_page(browser: Browser) -> Response {
    password_form(&browser, false, vec![], StatusCode::OK)
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub(super) async fn change_password(
    State(app): State<App>,
    browser: Browser,
    Form(form): Form<PasswordForm>,
) -> Response {
    if !same_token(&browser.csrf, &form.csrf) {
        return expired(&browser);
    }
    if form.new != form.confirm {
        let errors = vec![("confirm".to_string(), "Confirmation : les deux mots de passe diffèrent.".to_string())];
        return password_form(&browser, false, errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    match app.change_password(&browser.actor, &browser.token, &form.current, &form.new).await {
        Ok(()) => password_form(&browser, true, vec![], StatusCode::OK),
        Err(e) => {
            let message = match &e {
                AppError::Refused(crate::engine::Refusal::InvalidInput { field, .. }) if field == "current" => {
                    "Mot de passe actuel : il ne correspond pas.".to_string()
                }
                AppError::Refused(crate::engine::Refusal::InvalidInput { field, .. }) if field == "new" => {
                    "Nouveau mot de passe : 8 caractères au moins.".to_string()
                }
                other => messages::describe(&app.workflow, other).1,
            };
            let field = match &e {
                AppError::Refused(crate::engine::Refusal::InvalidInput { field, .. }) => field.clone(),
                _ => "current".into(),
            };
            password_form(&browser, false, vec![(field, message)], StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

#[derive(Template)]
#[template(path = "pages/calendar.html")]
pub(super) struct CalendarPage {
    user: Option<UserBar>,
    csrf: String,
    since: String,
    /// The new address, shown once right after it is made.
    url: String,
    revoked: bool,
}

async fn calendar_page(app: &App, browser: &Browser, url: String, revoked: bool) -> Response {
    let since = app
        .calendar_feed_since(&browser.actor)
        .await
        .ok()
        .flatten()
        .map(|t| t.with_timezone(&crate::calendar::ZONE).format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_default();
    page(CalendarPage { user: bar(browser), csrf: browser.csrf.clone(), since, url, revoked }, StatusCode::OK)
}

pub(super) async fn calendar(State(app): State<App>, browser: Browser) -> Response {
    calendar_page(&app, &browser, String::new(), false).await
}

#[derive(Deserialize)]
pub(super) struct CalendarForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
}

pub(super) async fn calendar_action(
    State(app): State<App>,
    browser: Browser,
    Form(form): Form<CalendarForm>,
) -> Response {
    if !same_token(&browser.csrf, &form.csrf) {
        return expired(&browser);
    }
    let done = if form.action == "revoquer" {
        app.revoke_calendar_feed(&browser.actor).await.map(|_| (String::new(), true))
    } else {
        let base = crate::web::feeds::base_url(&app);
        app.open_calendar_feed(&browser.actor).await.map(|token| (crate::web::feeds::feed_url(&base, &token), false))
    };
    match done {
        Ok((url, revoked)) => calendar_page(&app, &browser, url, revoked).await,
        Err(e) => message(
            bar(&browser),
            StatusCode::SERVICE_UNAVAILABLE,
            "Calendrier",
            &messages::describe(&app.workflow, &e).1,
        ),
    }
}
