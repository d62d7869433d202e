//! Co-owners on the pages: the dossier's « Titulaires du dossier » (who owns
//! it, the invitations, the invite form, who of them did what) and the
//! page of the link, which opens an account or is accepted by the
//! invited address's account, logged in.

use super::auth::{anonymous_csrf_ok, with_anonymous_csrf};
use super::*;
use crate::app::accounts::AuthError;
use crate::app::co_owners::{CoOwnerLink, NewCoOwner};

/// The dossier page's section, for its owners and the staff who follow it.
pub(super) struct Owners {
    /// Names of the owners.
    pub names: Vec<String>,
    /// (id, address, status in words, until, revocable)
    pub invitations: Vec<(String, String, String, String, bool)>,
    pub can_invite: bool,
    pub typed: String,
    pub error: String,
    /// (when, who, what, fields changed)
    pub edits: Vec<(String, String, String, String)>,
}

/// The form tag of the invite form.
pub(super) const CO_OWNER: &str = "titulaire";

pub(super) async fn owners_section(
    app: &App,
    browser: &Browser,
    instance: &crate::engine::Instance,
    workflow: &crate::workflow::Definition,
    refused: &Option<(&str, AppError)>,
    typed: &Map<String, Value>,
) -> Option<Owners> {
    let list = app.co_owners(&browser.actor, instance.id).await.ok()?;
    let facts = match &instance.facts {
        crate::engine::Facts::Dossier(d) => d,
        _ => return None,
    };
    let owner = crate::app::access::is_owner(&*app.workflows, &browser.actor, facts);
    let terminal = workflow.dossier.state(&instance.state).is_some_and(|s| s.terminal);
    let invitations = list
        .invitations
        .iter()
        .map(|i| {
            let status = match i.status.as_str() {
                "open" => "en attente",
                "accepted" => "acceptée",
                "revoked" => "retirée",
                _ => "expirée",
            };
            (
                i.id.clone(),
                i.email.clone(),
                status.to_string(),
                french_instant(&i.expires_at),
                owner && i.status == "open",
            )
        })
        .collect();
    let edits = app
        .owner_edits(&browser.actor, instance.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|e| {
            let what = workflow
                .dossier
                .event(&e.action)
                .map(|ev| ev.label.clone())
                .unwrap_or_else(|| super::audit::action_label(&e.action).to_string());
            let fields = e
                .fields
                .iter()
                .map(|f| match f.as_str() {
                    "title" => "Intitulé".to_string(),
                    "category" => "Catégorie".to_string(),
                    other => workflow.form_label(other).unwrap_or_else(|| other.to_string()),
                })
                .collect::<Vec<_>>()
                .join(", ");
            (french_instant(&e.at), e.by, what, fields)
        })
        .collect();
    let (typed, error) = match refused {
        Some((CO_OWNER, e)) => (
            typed.get("email").and_then(Value::as_str).unwrap_or_default().to_string(),
            messages::describe(workflow, e).1,
        ),
        _ => (String::new(), String::new()),
    };
    Some(Owners {
        names: list.owners.into_iter().map(|o| o.name).collect(),
        invitations,
        can_invite: owner && !terminal,
        typed,
        error,
        edits,
    })
}

pub(super) async fn invite(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else { return not_found(&browser, Machine::Dossier) };
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    if !same_token(&browser.csrf, &get("csrf")) {
        return expired(&browser);
    }
    match app.invite_co_owner(&browser.actor, id, &get("email")).await {
        Ok(_) => Redirect::to(&format!("/dossiers/{id}?fait=titulaire#titulaires")).into_response(),
        Err(e) => {
            let typed: Map<String, Value> = [("email".to_string(), Value::from(get("email")))].into_iter().collect();
            render_dossier(&app, &browser, id, "", &typed, Some((CO_OWNER, e))).await
        }
    }
}

pub(super) async fn revoke(
    State(app): State<App>,
    browser: Browser,
    Path((id, invitation)): Path<(String, String)>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let (Ok(id), Ok(invitation)) = (Uuid::parse_str(&id), Uuid::parse_str(&invitation)) else {
        return not_found(&browser, Machine::Dossier);
    };
    if !same_token(&browser.csrf, &form.csrf) {
        return expired(&browser);
    }
    match app.revoke_co_owner(&browser.actor, id, invitation).await {
        Ok(()) => Redirect::to(&format!("/dossiers/{id}?fait=titulaire-retire#titulaires")).into_response(),
        Err(e) => render_dossier(&app, &browser, id, "", &Map::new(), Some((CO_OWNER, e))).await,
    }
}

#[derive(Template)]
#[template(path = "pages/co_owner.html")]
struct LinkPage {
    user: Option<UserBar>,
    csrf: String,
    token: String,
    l: CoOwnerLink,
    due: String,
    /// accept (logged in as the address), login (the address has an
    /// account), or open (no account yet).
    mode: &'static str,
    name: String,
    errors: FormErrors,
}

/// Whether the logged-in browser is the invited address's account.
async fn is_invited(app: &App, browser: Option<&Browser>, l: &CoOwnerLink) -> bool {
    let Some(me) = browser.and_then(|b| b.actor.user_id) else { return false };
    l.account_exists && app.store.active_user_by_email(&l.email).await.ok().flatten() == Some(me)
}

struct Shown<'a> {
    browser: Option<&'a Browser>,
    mine: bool,
    token: &'a str,
    name: &'a str,
}

fn link_page(app: &App, shown: Shown<'_>, l: CoOwnerLink, errors: FormErrors) -> Response {
    let Shown { browser, mine, token, name } = shown;
    let mode = match (l.account_exists, mine) {
        (true, true) => "accept",
        (true, false) => "login",
        (false, _) => "open",
    };
    let csrf = match (mode, browser) {
        ("accept", Some(b)) => b.csrf.clone(),
        _ => random_token(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let due = french_instant(&l.expires_at);
    let data = LinkPage {
        user: browser.and_then(bar),
        csrf: csrf.clone(),
        token: token.into(),
        l,
        due,
        mode,
        name: name.into(),
        errors,
    };
    let response = page(data, status);
    no_referrer(if mode == "accept" { response } else { with_anonymous_csrf(app, response, &csrf) })
}

fn refused(app: &App, e: &AppError) -> Response {
    let (status, heading, text) = match e {
        AppError::Auth(AuthError::UnknownInvitation) => {
            (StatusCode::NOT_FOUND, "Lien inconnu", "Ce lien n'existe pas : vérifiez qu'il a été copié en entier.")
        }
        AppError::Auth(AuthError::SpentInvitation) => (
            StatusCode::GONE,
            "Lien inutilisable",
            "Ce lien a déjà servi, l'invitation a été retirée ou a expiré. Demandez-en une nouvelle aux titulaires du dossier.",
        ),
        other => {
            let text = messages::describe(&app.workflow, other).1;
            return no_referrer(message(None, StatusCode::SERVICE_UNAVAILABLE, "Invitation", &text));
        }
    };
    no_referrer(message(None, status, heading, text))
}

pub(super) async fn link(State(app): State<App>, browser: Option<Browser>, Path(token): Path<String>) -> Response {
    match app.co_owner_link(&token).await {
        Ok(l) => {
            let mine = is_invited(&app, browser.as_ref(), &l).await;
            let shown = Shown { browser: browser.as_ref(), mine, token: &token, name: "" };
            link_page(&app, shown, l, FormErrors::default())
        }
        Err(e) => refused(&app, &e),
    }
}

pub(super) async fn accept(
    State(app): State<App>,
    browser: Option<Browser>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let l = match app.co_owner_link(&token).await {
        Ok(l) => l,
        Err(e) => return refused(&app, &e),
    };
    let mine = is_invited(&app, browser.as_ref(), &l).await;
    let csrf_ok = match &browser {
        Some(b) if mine => same_token(&b.csrf, &get("csrf")),
        _ => anonymous_csrf_ok(&headers, &get("csrf")),
    };
    let name = get("name");
    let again = |errors: Vec<(String, String)>| {
        let shown = Shown { browser: browser.as_ref(), mine, token: &token, name: &name };
        link_page(&app, shown, l.clone(), FormErrors(errors))
    };
    if !csrf_ok {
        return again(vec![(String::new(), "Le formulaire a expiré : veuillez réessayer.".into())]);
    }
    let new = NewCoOwner { name: get("name"), password: get("password") };
    if !l.account_exists && new.password != get("confirm") {
        return again(vec![("confirm".into(), "Confirmation : les deux mots de passe diffèrent.".into())]);
    }
    let caller = browser.as_ref().map(|b| &b.actor);
    match app.accept_co_owner(&token, caller, (!l.account_exists).then_some(&new)).await {
        Ok((_, dossier)) if mine => {
            Redirect::to(&format!("/dossiers/{dossier}?fait=titulaire-accepte")).into_response()
        }
        Ok(_) => no_referrer(Redirect::to("/connexion?fait=rejoint").into_response()),
        Err(e @ AppError::Auth(_)) => refused(&app, &e),
        Err(e) => {
            let errors = messages::describe_all(&app.workflow, &e);
            again(errors)
        }
    }
}
