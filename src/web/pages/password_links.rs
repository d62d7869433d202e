//! A forgotten password and the one-time links to choose one (sent by the
//! form below or with an administrator's invitation). Both pages come
//! before any session, so their forms carry the double-submit token of the
//! login form.

use super::auth::{anonymous_csrf_ok, with_anonymous_csrf};
use super::*;
use crate::app::accounts::{AuthError, RESET_HOURS};

#[derive(Template)]
#[template(path = "pages/password_forgotten.html")]
struct ForgottenPage {
    user: Option<UserBar>,
    csrf: String,
    email: String,
    errors: FormErrors,
    sent: bool,
    hours: i64,
}

fn forgotten_form(app: &App, email: &str, errors: FormErrors, sent: bool, status: StatusCode) -> Response {
    let token = random_token();
    let data = ForgottenPage { user: None, csrf: token.clone(), email: email.into(), errors, sent, hours: RESET_HOURS };
    with_anonymous_csrf(app, page(data, status), &token)
}

pub(super) async fn forgotten_page(State(app): State<App>) -> Response {
    forgotten_form(&app, "", FormErrors::default(), false, StatusCode::OK)
}

#[derive(Deserialize)]
pub(super) struct ForgottenInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// The same answer whether or not the address has an account.
pub(super) async fn request_link(
    State(app): State<App>,
    headers: HeaderMap,
    Form(input): Form<ForgottenInput>,
) -> Response {
    if !anonymous_csrf_ok(&headers, &input.csrf) {
        let errors = FormErrors(vec![(String::new(), "Le formulaire a expiré : veuillez réessayer.".into())]);
        return forgotten_form(&app, &input.email, errors, false, StatusCode::FORBIDDEN);
    }
    if input.email.trim().parse::<lettre::Address>().is_err() {
        let text = "Adresse électronique : format attendu nom@domaine.fr.";
        let errors = FormErrors(vec![("email".into(), text.into())]);
        return forgotten_form(&app, &input.email, errors, false, StatusCode::UNPROCESSABLE_ENTITY);
    }
    match app.request_password_reset(&input.email).await {
        Ok(()) => forgotten_form(&app, "", FormErrors::default(), true, StatusCode::OK),
        Err(e) => {
            let errors = FormErrors(vec![(String::new(), messages::describe(&app.workflow, &e).1)]);
            forgotten_form(&app, &input.email, errors, false, StatusCode::SERVICE_UNAVAILABLE)
        }
    }
}

#[derive(Template)]
#[template(path = "pages/password_link.html")]
struct LinkPage {
    user: Option<UserBar>,
    csrf: String,
    token: String,
    email: String,
    invitation: bool,
    errors: FormErrors,
}

/// The page of a link: its form, or why it no longer opens. Its address
/// holds the token: no referrer leaves it, no cache keeps it.
fn link_form(
    app: &App,
    token: &str,
    link: &crate::store::password_links::PasswordLink,
    errors: FormErrors,
) -> Response {
    let csrf = random_token();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let data = LinkPage {
        user: None,
        csrf: csrf.clone(),
        token: token.into(),
        email: link.email.clone(),
        invitation: link.purpose == crate::store::password_links::LinkPurpose::Invite,
        errors,
    };
    no_referrer(with_anonymous_csrf(app, page(data, status), &csrf))
}

fn link_refused(app: &App, e: &AppError) -> Response {
    let (status, text) = match e {
        AppError::Auth(AuthError::UnknownLink) => {
            (StatusCode::NOT_FOUND, "Ce lien n'existe pas : vérifiez qu'il a été copié en entier.")
        }
        AppError::Auth(AuthError::SpentLink) => (
            StatusCode::GONE,
            "Ce lien a déjà servi, a été remplacé par un plus récent ou a expiré. \
             Demandez-en un nouveau par « Mot de passe oublié » sur la page de connexion.",
        ),
        other => {
            return no_referrer(message(
                None,
                StatusCode::SERVICE_UNAVAILABLE,
                "Mot de passe",
                &messages::describe(&app.workflow, other).1,
            ))
        }
    };
    no_referrer(message(None, status, "Lien inutilisable", text))
}

pub(super) async fn link_page(State(app): State<App>, Path(token): Path<String>) -> Response {
    match app.password_link(&token).await {
        Ok(link) => link_form(&app, &token, &link, FormErrors::default()),
        Err(e) => link_refused(&app, &e),
    }
}

#[derive(Deserialize)]
pub(super) struct LinkInput {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub(super) async fn use_link(
    State(app): State<App>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(input): Form<LinkInput>,
) -> Response {
    let link = match app.password_link(&token).await {
        Ok(link) => link,
        Err(e) => return link_refused(&app, &e),
    };
    let mut errors = Vec::new();
    if !anonymous_csrf_ok(&headers, &input.csrf) {
        errors.push((String::new(), "Le formulaire a expiré : veuillez réessayer.".to_string()));
    }
    if input.new.chars().count() < crate::auth::MIN_PASSWORD {
        let text = format!("Nouveau mot de passe : {} caractères au moins.", crate::auth::MIN_PASSWORD);
        errors.push(("new".into(), text));
    }
    if input.new != input.confirm {
        errors.push(("confirm".into(), "Confirmation : les deux mots de passe diffèrent.".into()));
    }
    if !errors.is_empty() {
        return link_form(&app, &token, &link, FormErrors(errors));
    }
    match app.use_password_link(&token, &input.new).await {
        Ok(_) => no_referrer(Redirect::to("/connexion?fait=mot-de-passe").into_response()),
        Err(AppError::Refused(crate::engine::Refusal::InvalidInput { reason, .. })) => link_form(
            &app,
            &token,
            &link,
            FormErrors(vec![("new".into(), format!("Nouveau mot de passe : {reason}."))]),
        ),
        Err(e) => link_refused(&app, &e),
    }
}
