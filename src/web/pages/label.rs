//! A label's page: its terms, deadlines, actions and history.

use super::*;

#[derive(Template)]
#[template(path = "pages/label.html")]
pub(super) struct LabelPage {
    user: Option<UserBar>,
    csrf: String,
    l: crate::store::views::LabelView,
    status: String,
    status_class: &'static str,
    category: String,
    valid_from: String,
    valid_until: String,
    /// The form's exported fields: (what, value in words).
    identity: Vec<(String, String)>,
    flash: String,
    form_errors: Vec<(String, String)>,
    actions: Vec<ActionForm>,
    /// (date, what, status)
    timers: Vec<(String, String, String)>,
    /// (date, action, by)
    history: Vec<(String, String, String)>,
    sees_audit: bool,
    /// The workflow's label records (reports…): (what, one line per record),
    /// for those who may read them.
    records: Vec<(String, Vec<String>)>,
    action_url: String,
    version: i64,
}

impl LabelPage {
    fn retention(&self) -> Option<String> {
        super::retention_notice(self.l.retention.as_ref(), Machine::Label)
    }
}

pub(super) async fn render_label(
    app: &App,
    browser: &Browser,
    id: Uuid,
    flash: &str,
    typed: &Map<String, Value>,
    refused: Option<(&str, AppError)>,
) -> Response {
    let Ok(l) = app.label(&browser.actor, id).await else { return not_found(browser, Machine::Label) };
    let Ok(instance) = app.store.instance(Machine::Label, id).await else { return not_found(browser, Machine::Label) };
    let workflow = app.wording(&instance.workflow, instance.workflow_version.as_deref());
    let (status, form_errors, refused_at) = match &refused {
        Some((event, e)) => {
            let (field, text) = messages::describe(&workflow, e);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![(field.clone(), text.clone())],
                Some((event.to_string(), field, text)),
            )
        }
        None => (StatusCode::OK, vec![], None),
    };
    let form_errors = anchored(form_errors, refused.as_ref().map(|(e, _)| *e).unwrap_or(""), false);
    let refused_ref = refused_at.as_ref().map(|(e, f, t)| (e.as_str(), f.as_str(), t.as_str()));
    let actions = action_forms(app, browser, &instance, typed, refused_ref).await;
    let timers = app
        .timers(&browser.actor, Machine::Label, id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|t| {
            let what = workflow.label_machine.event(&t.event).map(|e| e.label.clone()).unwrap_or(t.event);
            let status = match t.status.as_str() {
                "pending" => "à venir",
                "fired" => "passée",
                "cancelled" => "annulée",
                _ => "sans objet",
            };
            (french_instant(&t.due_at), what, status.to_string())
        })
        .collect();
    let trail = app.label_audit(&browser.actor, id, None, 0, i64::MAX).await;
    let sees_audit = trail.is_ok();
    let history = trail
        .map(|trail| {
            trail
                .into_iter()
                .map(|e| {
                    let what = workflow.label_machine.event(&e.action).map(|x| x.label.clone()).unwrap_or_else(|| {
                        match e.action.as_str() {
                            "create" => "Label accordé".to_string(),
                            other => other.to_string(),
                        }
                    });
                    let by =
                        if e.actor == "system" { "automatique".to_string() } else { "personne habilitée".to_string() };
                    (e.at.with_timezone(&crate::calendar::ZONE).format("%d/%m/%Y %H:%M").to_string(), what, by)
                })
                .collect()
        })
        .unwrap_or_default();
    let records = match &l.records {
        Some(records) => super::dossier::record_lists(&workflow, Machine::Label, records),
        None => vec![],
    };
    let page_data = LabelPage {
        records,
        action_url: format!("/labels/{id}/evenements"),
        version: l.version,
        sees_audit,
        user: bar(browser),
        csrf: browser.csrf.clone(),
        status: state_label_in(app, &l.workflow, Machine::Label, &l.status),
        status_class: badge_class(app, &l.workflow, Machine::Label, &l.status),
        category: workflow.choice_label("category", &l.category),
        valid_from: french_date(&l.valid_from),
        valid_until: french_date(&l.valid_until),
        identity: workflow
            .form
            .fields()
            .filter(|f| f.export)
            .map(|f| (f.label.clone(), f.shown(l.form.get(&f.name))))
            .collect(),
        flash: flash.into(),
        form_errors,
        actions,
        timers,
        history,
        l,
    };
    page(page_data, status)
}

pub(super) async fn label(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found(&browser, Machine::Label);
    };
    let done = flash.fait.map(|e| event_notice(&app, Machine::Label, &e)).unwrap_or_default();
    render_label(&app, &browser, id, &done, &Map::new(), None).await
}

pub(super) async fn label_event(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    instance_event(&app, &browser, Machine::Label, &id, &pairs).await
}
