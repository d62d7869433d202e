//! Outside experts on the pages: the dossier's « Avis extérieurs » (the
//! invitations, the invite form, revocation, the answers' files) and the
//! page of the link, for someone without an account. The link's page comes
//! before any session, so its form carries the login form's double-submit
//! token, and its address (holding the token) leaves no referrer.

use super::auth::{anonymous_csrf_ok, with_anonymous_csrf};
use super::*;
use crate::app::accounts::AuthError;
use crate::app::guests::{GuestAnswer, GuestPage, NewGuest};

/// The dossier page's section, for whom reads the invitations.
pub(super) struct Outside {
    pub label: String,
    pub rows: Vec<OutsideRow>,
    pub can_invite: bool,
    /// The inputs the inviter sets.
    pub preset: Vec<PresetInput>,
    /// What was typed in the invite form, by field.
    pub typed: Map<String, Value>,
    pub errors: FormErrors,
}

impl Outside {
    pub fn typed(&self, field: &str) -> &str {
        self.typed.get(field).and_then(Value::as_str).unwrap_or_default()
    }
}

/// An input the inviter sets: (name, label, [(code, label)]).
pub(super) type PresetInput = (String, String, Vec<(String, String)>);

pub(super) struct OutsideRow {
    pub id: String,
    /// The expert, with the address for the staff.
    pub expert: String,
    pub question: String,
    /// Whose opinion, in words.
    pub about: String,
    pub due: String,
    pub status: String,
    pub status_class: &'static str,
    pub answer: String,
    /// The answer's inputs in words.
    pub answered: String,
    /// (link, name)
    pub files: Vec<(String, String)>,
    pub confidential: bool,
    pub can_revoke: bool,
}

/// The form tag of the dossier page's invite form.
pub(super) const INVITE: &str = "avis";

fn status_words(status: &str) -> (&'static str, &'static str) {
    match status {
        "open" => ("En attente", "lf-badge--draft"),
        "answered" => ("Répondu", "lf-badge--active"),
        "revoked" => ("Retiré", "lf-badge--ended"),
        _ => ("Échu sans réponse", "lf-badge--ended"),
    }
}

/// The section of the dossier page: None for a workflow without guests or
/// a reader without access to them.
pub(super) async fn outside_experts(
    app: &App,
    browser: &Browser,
    instance: &crate::engine::Instance,
    workflow: &crate::workflow::Definition,
    refused: &Option<(&str, AppError)>,
    typed: &Map<String, Value>,
) -> Option<Outside> {
    let guests = workflow.guests.as_ref()?;
    let staff = app.reads_invitations(workflow, &browser.actor, instance)?;
    let list = app.invitations(&browser.actor, instance.id).await.ok()?;
    let can_invite = app.may_invite(workflow, &browser.actor, instance);
    let event = workflow.dossier.event(&guests.event)?;
    let words = |input: &Map<String, Value>| {
        event
            .fields
            .iter()
            .filter_map(|f| {
                let v = input.get(&f.name)?.as_str()?;
                let shown = f.choice_labels.get(v).cloned().unwrap_or_else(|| v.to_string());
                Some(format!("{} : {shown}", f.label))
            })
            .collect::<Vec<_>>()
    };
    let rows = list
        .iter()
        .map(|i| {
            let (status, status_class) = status_words(&i.status);
            let mut answered = words(&i.answer_input);
            answered.retain(|w| !words(&i.preset).contains(w));
            OutsideRow {
                id: i.id.clone(),
                expert: if staff && !i.email.is_empty() { format!("{} <{}>", i.name, i.email) } else { i.name.clone() },
                question: i.question.clone(),
                about: words(&i.preset).join(", "),
                due: french_instant(&i.expires_at),
                status: status.into(),
                status_class,
                answer: i.answer.clone().unwrap_or_default(),
                answered: answered.join(", "),
                files: i
                    .files
                    .iter()
                    .map(|f| {
                        (
                            format!("/dossiers/{}/avis-exterieurs/{}/fichiers/{}", instance.id, i.id, f.id),
                            f.file_name.clone(),
                        )
                    })
                    .collect(),
                confidential: i.confidential,
                can_revoke: can_invite && i.is_open(),
            }
        })
        .collect();
    let preset = event
        .fields
        .iter()
        .filter(|f| guests.preset.contains(&f.name))
        .map(|f| {
            let choices = f
                .choices
                .iter()
                .map(|c| (c.clone(), f.choice_labels.get(c).cloned().unwrap_or_else(|| c.clone())))
                .collect();
            (f.name.clone(), f.label.clone(), choices)
        })
        .collect();
    let errors = match refused {
        Some((INVITE, e)) => FormErrors(
            messages::describe_all(workflow, e)
                .into_iter()
                .map(|(f, text)| (if guests.preset.contains(&f) { format!("in_{f}") } else { f }, text))
                .collect(),
        ),
        _ => FormErrors::default(),
    };
    let typed = if errors.is_empty() { Map::new() } else { typed.clone() };
    Some(Outside { label: guests.label.clone(), rows, can_invite, preset, typed, errors })
}

/// Invites an expert from the dossier page.
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
    let input: Map<String, Value> = pairs
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("in_")?.to_string(), Value::from(v.clone()))))
        .filter(|(_, v)| v.as_str().is_some_and(|s| !s.is_empty()))
        .collect();
    let new = NewGuest {
        email: get("email"),
        name: get("name"),
        question: get("question"),
        due: get("due"),
        confidential: get("confidential") == "oui",
        input,
    };
    match app.invite_guest(&browser.actor, id, &new).await {
        Ok(_) => Redirect::to(&format!("/dossiers/{id}?fait=avis-demande#avis-exterieurs")).into_response(),
        Err(e) => {
            let typed: Map<String, Value> = pairs.iter().map(|(k, v)| (k.clone(), Value::from(v.clone()))).collect();
            render_dossier(&app, &browser, id, "", &typed, Some((INVITE, e))).await
        }
    }
}

/// Revokes an invitation, once confirmed on the dossier page.
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
    match app.revoke_guest(&browser.actor, id, invitation).await {
        Ok(_) => Redirect::to(&format!("/dossiers/{id}?fait=avis-retire#avis-exterieurs")).into_response(),
        Err(e) => render_dossier(&app, &browser, id, "", &Map::new(), Some((INVITE, e))).await,
    }
}

/// A file joined to an answer.
pub(super) async fn file(
    State(app): State<App>,
    browser: Browser,
    Path((id, invitation, file)): Path<(String, String, String)>,
) -> Response {
    let ids = (Uuid::parse_str(&id), Uuid::parse_str(&invitation), Uuid::parse_str(&file));
    let (Ok(id), Ok(invitation), Ok(file)) = ids else { return not_found(&browser, Machine::Dossier) };
    match app.guest_file(&browser.actor, id, invitation, file).await {
        Ok((view, bytes)) => crate::web::documents::attachment_response(&view.file_name, &view.content_type, bytes),
        Err(_) => not_found(&browser, Machine::Dossier),
    }
}

#[derive(Template)]
#[template(path = "pages/guest.html")]
struct GuestForm {
    user: Option<UserBar>,
    csrf: String,
    token: String,
    p: GuestPage,
    due: String,
    /// What was typed, by input (and `text`).
    typed: Map<String, Value>,
    errors: FormErrors,
}

impl GuestForm {
    fn typed(&self, field: &str) -> &str {
        self.typed.get(field).and_then(Value::as_str).unwrap_or_default()
    }
}

fn guest_form(app: &App, token: &str, p: GuestPage, typed: Map<String, Value>, errors: FormErrors) -> Response {
    let csrf = random_token();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let due = french_instant(&p.expires_at);
    let data = GuestForm { user: None, csrf: csrf.clone(), token: token.into(), p, due, typed, errors };
    no_referrer(with_anonymous_csrf(app, page(data, status), &csrf))
}

fn link_refused(app: &App, e: &AppError) -> Response {
    let (status, heading, text) = match e {
        AppError::Auth(AuthError::UnknownInvitation) => {
            (StatusCode::NOT_FOUND, "Lien inconnu", "Ce lien n'existe pas : vérifiez qu'il a été copié en entier.")
        }
        AppError::Auth(AuthError::SpentInvitation) => (
            StatusCode::GONE,
            "Lien inutilisable",
            "Ce lien a déjà servi, la demande a été retirée ou son échéance est passée. \
             Si vous deviez encore répondre, adressez-vous aux services qui vous ont sollicité.",
        ),
        other => {
            let text = messages::describe(&app.workflow, other).1;
            return no_referrer(message(None, StatusCode::SERVICE_UNAVAILABLE, "Demande d'avis", &text));
        }
    };
    no_referrer(message(None, status, heading, text))
}

pub(super) async fn guest_page(State(app): State<App>, Path(token): Path<String>) -> Response {
    match app.guest_page(&token).await {
        Ok(p) => guest_form(&app, &token, p, Map::new(), FormErrors::default()),
        Err(e) => link_refused(&app, &e),
    }
}

/// The answer from the link's page (multipart: the text, the inputs as
/// `in_NAME`, the files).
pub(super) async fn guest_answer(
    State(app): State<App>,
    Path(token): Path<String>,
    headers: HeaderMap,
    mut form: axum::extract::Multipart,
) -> Response {
    let (mut csrf, mut typed, mut files) = (String::new(), Map::new(), Vec::new());
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let file_name = field.file_name().map(str::to_string);
                let content_type = field.content_type().map(str::to_string).unwrap_or_default();
                let Ok(bytes) = field.bytes().await else {
                    let text = "L'envoi n'a pas pu être reçu en entier (20 Mio au plus en tout).";
                    return no_referrer(message(None, StatusCode::PAYLOAD_TOO_LARGE, "Envoi interrompu", text));
                };
                match (name.as_str(), file_name) {
                    ("csrf", _) => csrf = String::from_utf8_lossy(&bytes).into_owned(),
                    ("file", Some(file_name)) if !file_name.is_empty() => files.push((file_name, content_type, bytes)),
                    ("file", _) => {}
                    (other, _) => {
                        typed.insert(other.to_string(), Value::from(String::from_utf8_lossy(&bytes).into_owned()));
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {
                let text = "L'envoi n'a pas pu être reçu en entier (20 Mio au plus en tout).";
                return no_referrer(message(None, StatusCode::BAD_REQUEST, "Envoi interrompu", text));
            }
        }
    }
    let shown = match app.guest_page(&token).await {
        Ok(p) => p,
        Err(e) => return link_refused(&app, &e),
    };
    let workflow = app.wording(&shown.workflow, None);
    if !anonymous_csrf_ok(&headers, &csrf) {
        let errors = FormErrors(vec![(String::new(), "Le formulaire a expiré : veuillez réessayer.".into())]);
        return guest_form(&app, &token, shown, typed, errors);
    }
    for (name, content_type, bytes) in &files {
        if let Err(e) = app.guest_add_file(&token, name, content_type, bytes).await {
            let refreshed = app.guest_page(&token).await.unwrap_or(shown);
            let (_, text) = messages::describe(&workflow, &e);
            return guest_form(
                &app,
                &token,
                refreshed,
                typed,
                FormErrors(vec![("file".into(), format!("{name} : {text}"))]),
            );
        }
    }
    let input: Map<String, Value> = typed
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("in_")?.to_string(), v.clone())))
        .filter(|(_, v)| v.as_str().is_some_and(|s| !s.is_empty()))
        .collect();
    let answer = GuestAnswer { text: typed.get("text").and_then(Value::as_str).unwrap_or_default().to_string(), input };
    match app.guest_answer(&token, &answer).await {
        Ok(_) => no_referrer(message(
            None,
            StatusCode::OK,
            "Merci, votre avis est enregistré",
            "Les services qui vous ont sollicité le retrouvent dans le dossier. Ce lien ne sert plus : vous pouvez fermer cette page.",
        )),
        Err(e @ AppError::Auth(_)) => link_refused(&app, &e),
        Err(e) => {
            let refreshed = app.guest_page(&token).await.unwrap_or(shown);
            let errors = messages::describe_all(&workflow, &e)
                .into_iter()
                .map(|(field, text)| (if field == "text" || field.is_empty() { field } else { format!("in_{field}") }, text))
                .collect();
            guest_form(&app, &token, refreshed, typed, FormErrors(errors))
        }
    }
}
