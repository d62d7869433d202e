//! What the service has e-mailed me: when, about what, whether it left.

use super::*;

#[derive(Template)]
#[template(path = "pages/notifications.html")]
struct NotificationsPage {
    user: Option<UserBar>,
    /// (date, subject, link, about, status)
    mails: Vec<[String; 5]>,
    next: Option<String>,
    first: Option<String>,
    /// The delivery status asked for (empty: all).
    status: String,
    csrf: String,
    /// How I take each kind: (template, what it is about, mandatory, delivery).
    preferences: Vec<(String, String, bool, String)>,
    flash: String,
    errors: FormErrors,
}

impl NotificationsPage {
    fn same(&self, a: impl AsRef<str>, b: impl AsRef<str>) -> bool {
        a.as_ref() == b.as_ref()
    }
}

/// The three ways to take a kind of e-mail, in words.
const DELIVERIES: [(&str, &str); 3] =
    [("immediate", "aussitôt"), ("digest", "récapitulatif quotidien"), ("off", "jamais")];

pub(super) async fn notifications(
    State(app): State<App>,
    browser: Browser,
    Query(q): Query<std::collections::BTreeMap<String, String>>,
) -> Response {
    let mut params = super::lists::asked(&q);
    // The page's own notice, not a filter of the list.
    let done = params.remove("fait");
    let page = match app.notification_page(&browser.actor, &params).await {
        Ok(m) => m,
        Err(e) => {
            return message(
                bar(&browser),
                StatusCode::SERVICE_UNAVAILABLE,
                "Mes courriels",
                &messages::describe(&app.workflow, &e).1,
            )
        }
    };
    let (next, first) = super::lists::pages("/mes-courriels", &params, &page);
    let mails = page
        .items
        .into_iter()
        .map(|m| {
            let when = french_instant(m.sent_at.as_deref().unwrap_or(&m.created_at));
            let subject = crate::mail::render::subject_words(&m.template).unwrap_or_else(|| m.template.clone());
            let link = match m.entity.as_str() {
                "dossier" => format!("/dossiers/{}", m.entity_id),
                "label" => format!("/labels/{}", m.entity_id),
                _ => String::new(),
            };
            let status = match m.status.as_str() {
                "sent" => "envoyé",
                "dead" => "non remis",
                "held" => "attend le récapitulatif",
                "digested" => "envoyé dans le récapitulatif",
                "skipped" => "non envoyé (vos préférences)",
                _ => "en cours d'envoi",
            };
            [when, subject, link, m.about.unwrap_or_default(), status.to_string()]
        })
        .collect();
    let status = params.get("status").cloned().unwrap_or_default();
    let flash = match done.as_deref() {
        Some("preferences") => "Préférences enregistrées.".to_string(),
        _ => String::new(),
    };
    render(&app, &browser, mails, (next, first), status, flash, FormErrors::default()).await
}

async fn render(
    app: &App,
    browser: &Browser,
    mails: Vec<[String; 5]>,
    (next, first): (Option<String>, Option<String>),
    status: String,
    flash: String,
    errors: FormErrors,
) -> Response {
    let preferences = app
        .notification_preferences(&browser.actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|p| (p.template, p.subject, p.mandatory, p.delivery))
        .collect();
    let code = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let data = NotificationsPage {
        user: bar(browser),
        mails,
        next,
        first,
        status,
        csrf: browser.csrf.clone(),
        preferences,
        flash,
        errors,
    };
    super::page(data, code)
}

/// Saves the preferences form: `pref_TEMPLATE` = immediate, digest or off.
pub(super) async fn save_preferences(
    State(app): State<App>,
    browser: Browser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let csrf = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
    if !same_token(&browser.csrf, csrf) {
        return expired(&browser);
    }
    let asked: std::collections::BTreeMap<String, String> =
        pairs.iter().filter_map(|(k, v)| Some((k.strip_prefix("pref_")?.to_string(), v.clone()))).collect();
    match app.set_notification_preferences(&browser.actor, &asked).await {
        Ok(_) => Redirect::to("/mes-courriels?fait=preferences#preferences").into_response(),
        Err(e) => {
            let errors = messages::describe_all(&app.workflow, &e)
                .into_iter()
                .map(|(field, text)| (format!("pref_{field}"), text))
                .collect();
            render(&app, &browser, vec![], (None, None), String::new(), String::new(), FormErrors(errors)).await
        }
    }
}
