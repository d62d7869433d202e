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
}

pub(super) async fn notifications(
    State(app): State<App>,
    browser: Browser,
    Query(q): Query<std::collections::BTreeMap<String, String>>,
) -> Response {
    let params = super::lists::asked(&q);
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
                _ => "en cours d'envoi",
            };
            [when, subject, link, m.about.unwrap_or_default(), status.to_string()]
        })
        .collect();
    let status = params.get("status").cloned().unwrap_or_default();
    super::page(NotificationsPage { user: bar(&browser), mails, next, first, status }, StatusCode::OK)
}
