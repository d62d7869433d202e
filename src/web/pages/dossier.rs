//! A dossier's page, its creation and the owner's edits.

use super::*;

pub(super) struct ReviewRow {
    label: String,
    scores: Vec<String>,
    average: String,
    /// Each worded bar of the grid: (its value, reached).
    bars: Vec<(i64, bool)>,
}

#[derive(Default)]
pub(super) struct ReviewTable {
    columns: Vec<String>,
    /// The words of the grid's bars the averages are set against.
    bars: Vec<String>,
    rows: Vec<ReviewRow>,
    comments: Vec<String>,
    /// The comments on each criterion: (criterion, « reviewer : text »…).
    notes: Vec<(String, Vec<String>)>,
}

/// The reviews the actor may see (`app.reviews`), side by side per
/// criterion.
pub(super) async fn review_table(
    app: &App,
    reviews: &[crate::store::views::ReviewView],
    grid: &crate::workflow::Grid,
) -> ReviewTable {
    if reviews.is_empty() {
        return ReviewTable::default();
    }
    let names = reviewers(app).await;
    let columns: Vec<String> = reviews
        .iter()
        .enumerate()
        .map(|(i, r)| {
            r.reviewer_id
                .as_ref()
                .and_then(|rid| names.iter().find(|(uid, _)| uid == rid).map(|(_, n)| n.clone()))
                .unwrap_or_else(|| format!("Expertise {}", i + 1))
        })
        .collect();
    let bars = grid.worded_bars();
    let rows = grid
        .criteria
        .iter()
        .map(|c| {
            let values: Vec<i64> = reviews.iter().filter_map(|r| r.scores.get(&c.code).copied()).collect();
            let average = values.iter().sum::<i64>() as f64 / values.len().max(1) as f64;
            ReviewRow {
                label: c.label.clone(),
                scores: reviews
                    .iter()
                    .map(|r| r.scores.get(&c.code).map(|v| v.to_string()).unwrap_or_default())
                    .collect(),
                average: format!("{average:.1}").replace('.', ","),
                bars: bars
                    .iter()
                    .filter_map(|(bar, _)| c.thresholds.get(*bar).map(|t| (*t, average >= *t as f64)))
                    .collect(),
            }
        })
        .collect();
    let comments = reviews.iter().map(|r| r.comment.clone()).filter(|c| !c.is_empty()).collect();
    let notes = grid
        .criteria
        .iter()
        .filter_map(|c| {
            let said: Vec<String> = reviews
                .iter()
                .zip(&columns)
                .filter_map(|(r, who)| Some(format!("{who} : {}", r.notes.get(&c.code)?)))
                .collect();
            (!said.is_empty()).then(|| (c.label.clone(), said))
        })
        .collect();
    ReviewTable { columns, bars: bars.iter().map(|(_, words)| words.to_string()).collect(), rows, comments, notes }
}

#[derive(Template)]
#[template(path = "pages/dossier.html")]
pub(super) struct DossierPage {
    workflow: std::sync::Arc<crate::workflow::Definition>,
    reviews: ReviewTable,
    /// (code, label, descriptor, text)
    self_assessment: Vec<(String, String, String, String)>,
    user: Option<UserBar>,
    csrf: String,
    /// (event label, what still blocks it), for the steps that move the
    /// dossier on and that the viewer may take.
    checklist: Vec<(String, Vec<String>)>,
    /// The steps that move the dossier on and who takes them, when the
    /// reader takes none: (step, who).
    waiting: Vec<(String, String)>,
    /// The message thread, for those who take part in it.
    thread: Option<Thread>,
    /// The outside experts asked by link, for whom reads them.
    outside: Option<super::guests::Outside>,
    /// The owners, their invitations and edits, for the owners and staff.
    owners: Option<super::co_owners::Owners>,
    /// The documents of its decisions: (link, what, SHA-256); no link for
    /// those of an earlier decision.
    documents: Vec<(String, String, String)>,
    editable: bool,
    d: DossierView,
    state_label: String,
    state_class: &'static str,
    category: String,
    /// (who endorses, when), for each endorsing side of the workflow.
    endorsements: Vec<(String, String)>,
    /// The workflow's other records: (what, one line per record).
    records: Vec<(String, Vec<String>)>,
    /// The form's sections as stored, for reading and the groups' tables.
    sections: Vec<super::form_fields::SectionView>,
    /// The same as the edit form shows them: after a refused edit, what
    /// was typed.
    editing: Vec<super::form_fields::SectionView>,
    flash: String,
    form_errors: Vec<(String, String)>,
    actions: Vec<ActionForm>,
    action_url: String,
    version: i64,
    /// The identity form: what is stored, or what was just typed.
    identity: Identity,
    /// The categories the dossier may ask for, with their labels.
    categories: Vec<(String, String)>,
    /// Errors of the identity or attachment form, by field.
    errors: FormErrors,
    can_attach: bool,
    attachment_kinds: Vec<(String, String)>,
    /// (id, kind, file name, size, date)
    attachments: Vec<(String, String, String, String, String)>,
    sees_audit: bool,
    /// The request the owners must answer: (message, due, for completion).
    completion: Option<(String, String, bool)>,
    /// The reviewer's own assignment: (due, submitted).
    assignment: Option<(String, bool)>,
    /// For those who assign reviewers or decide: who reviews.
    team: Option<Team>,
}

/// Who reviews a dossier, as those who steer its reviews see it.
pub(super) struct Team {
    /// (name, assigned on, due, given on or empty)
    assigned: Vec<[String; 4]>,
    /// (name, reason, declared on)
    recused: Vec<[String; 3]>,
}

impl DossierPage {
    fn retention(&self) -> Option<String> {
        super::retention_notice(self.d.retention.as_ref(), Machine::Dossier)
    }

    fn updated(&self) -> String {
        french_instant(&self.d.updated_at)
    }

    fn has_self_assessment(&self) -> bool {
        self.self_assessment.iter().any(|c| !c.3.is_empty())
    }

    /// What a person reads for a choice of the workflow's `field`.
    fn choice(&self, field: &str, value: &str) -> String {
        self.workflow.choice_label(field, value)
    }
}

/// The dossier's own fields in the edit form: what is stored, or what was
/// just typed.
#[derive(Default)]
pub(super) struct Identity {
    title: String,
    category: String,
}

impl Identity {
    fn of(d: &DossierView) -> Identity {
        Identity { title: d.title.clone(), category: d.category.clone() }
    }

    fn typed(typed: &Map<String, Value>) -> Identity {
        let text = |k: &str| typed.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        Identity { title: text("title"), category: text("category") }
    }
}

fn size_text(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} Mio", bytes as f64 / 1024.0 / 1024.0).replace('.', ",")
    } else {
        format!("{} Kio", (bytes + 1023) / 1024)
    }
}

pub(super) async fn render_dossier(
    app: &App,
    browser: &Browser,
    id: Uuid,
    flash: &str,
    typed: &Map<String, Value>,
    refused: Option<(&str, AppError)>,
) -> Response {
    let instance = match app.visible_dossier(&browser.actor, id).await {
        Ok(i) => i,
        Err(_) => return not_found(browser, Machine::Dossier),
    };
    // The dossier's own workflow: its form, grid, states and wording.
    let workflow = app.wording(&instance.workflow, instance.workflow_version.as_deref());
    let d = match app.dossier_view_as(&browser.actor, &instance).await {
        Ok(d) => d,
        Err(e) => {
            return message(
                bar(browser),
                StatusCode::SERVICE_UNAVAILABLE,
                "Dossier indisponible",
                &messages::describe(&workflow, &e).1,
            )
        }
    };
    let (status, form_errors, refused_at) = match &refused {
        Some((event, e)) => {
            let (field, text) = messages::describe(&workflow, e);
            let status = match e {
                AppError::Refused(crate::engine::Refusal::NotAllowed { .. }) => StatusCode::FORBIDDEN,
                AppError::Refused(
                    crate::engine::Refusal::StaleVersion { .. } | crate::engine::Refusal::WrongState { .. },
                )
                | AppError::Store(crate::store::StoreError::Conflict { .. }) => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            (status, messages::describe_all(&workflow, e), Some((event.to_string(), field, text)))
        }
        None => (StatusCode::OK, vec![], None),
    };
    // The identity and attachment forms show their errors next to their own fields.
    let own_form = refused.as_ref().is_some_and(|(e, _)| *e == IDENTITY || *e == ATTACHMENT);
    let mut form_errors = form_errors;
    if refused.as_ref().is_some_and(|(e, _)| *e == ATTACHMENT) {
        for (field, _) in form_errors.iter_mut() {
            if matches!(field.as_str(), "body" | "content_type" | "name") {
                *field = "file".into();
            }
        }
    }
    let errors = if own_form { FormErrors(form_errors.clone()) } else { FormErrors::default() };
    let form_errors = anchored(form_errors, refused.as_ref().map(|(e, _)| *e).unwrap_or(""), own_form);
    let refused_ref = refused_at.as_ref().map(|(e, f, t)| (e.as_str(), f.as_str(), t.as_str()));
    let mut actions = action_forms(app, browser, &instance, typed, refused_ref).await;
    // Scores are given with the owners' self-assessment of each criterion
    // in view; a reviewer revising their review starts from what they gave.
    let reviews = app.reviews(&browser.actor, id).await.unwrap_or_default();
    let me = browser.actor.user_id.map(|u| u.to_string());
    let own = reviews.iter().find(|r| me.is_some() && r.reviewer_id == me);
    for action in actions.iter_mut() {
        if workflow.documents.decision.is_some() && workflow.dossier.records_decision(&action.event) {
            action.preview_url = format!("/dossiers/{id}/apercu-decision");
        }
        let prefill = own.filter(|_| !action.open && workflow.dossier.records_reviews(&action.event));
        for field in action.fields.iter_mut() {
            if let Some(own) = prefill.filter(|_| field.name == "comment") {
                field.value = own.comment.clone();
            }
            for score in field.scores.iter_mut() {
                score.context = d.self_assessment.get(&score.code).cloned().unwrap_or_default();
                if let Some(own) = prefill {
                    score.value = own.scores.get(&score.code).map(|v| v.to_string()).unwrap_or_default();
                    score.note_value = own.notes.get(&score.code).cloned().unwrap_or_default();
                }
            }
        }
    }
    let Facts::Dossier(facts) = &instance.facts else {
        return message(bar(browser), StatusCode::NOT_FOUND, "Dossier introuvable", "");
    };
    let team = if crate::app::access::sees_reviewers(&*app.workflows, &workflow, &browser.actor, facts) {
        let (assigned, recused) = app.store.dossier_reviewers(id).await.unwrap_or_default();
        Some(Team {
            assigned: assigned
                .into_iter()
                .map(|r| {
                    let given = r.submitted_at.as_deref().map(french_instant).unwrap_or_default();
                    [r.name, french_instant(&r.assigned_at), french_instant(&r.due_at), given]
                })
                .collect(),
            recused: recused.into_iter().map(|r| [r.name, r.reason, french_instant(&r.declared_at)]).collect(),
        })
    } else {
        None
    };
    let editable = crate::app::access::edits_content(&*app.workflows, &browser.actor, facts)
        && workflow.dossier.state(&instance.state).is_some_and(|s| s.editable);
    let checklist = checklist(app, &workflow, &browser.actor, &instance);
    let waiting = waiting_on(app, &workflow, &browser.actor, &instance.state);
    let of = ThreadOf { id, facts, awaiting: d.awaiting_reply.as_deref() };
    let thread = message_thread(app, browser, of, &workflow, &refused, typed).await;
    let outside = super::guests::outside_experts(app, browser, &instance, &workflow, &refused, typed).await;
    let owners = super::co_owners::owners_section(app, browser, &instance, &workflow, &refused, typed).await;
    let grid = crate::engine::grid_of(&workflow, &instance.facts);
    let self_assessment = grid
        .criteria
        .iter()
        .map(|c| {
            (
                c.code.clone(),
                c.label.clone(),
                c.descriptor.clone(),
                d.self_assessment.get(&c.code).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let refused_edit = refused.as_ref().is_some_and(|(e, _)| *e == IDENTITY);
    let identity = if refused_edit { Identity::typed(typed) } else { Identity::of(&d) };
    let group_errors = if refused.as_ref().is_some_and(|(e, _)| *e == GROUP) {
        FormErrors(refused.as_ref().map(|(_, e)| vec![messages::describe(&workflow, e)]).unwrap_or_default())
    } else {
        FormErrors::default()
    };
    let sections = super::form_fields::sections(&workflow.form, &d.form, &group_errors);
    let editing = super::form_fields::sections(&workflow.form, if refused_edit { typed } else { &d.form }, &errors);
    let state = workflow.dossier.state(&instance.state);
    let can_attach = crate::app::access::attaches(
        &*app.workflows,
        &browser.actor,
        facts,
        state.is_some_and(|s| s.takes_owner_files()),
        state.is_some_and(|s| s.terminal),
    );
    let attachments = d
        .attachments
        .iter()
        .map(|a| {
            let kinds = &workflow.form.attachments;
            let kind = kinds.iter().find(|k| k.code == a.kind).map_or(a.kind.as_str(), |k| k.label.as_str());
            (a.id.clone(), kind.to_string(), a.file_name.clone(), size_text(a.size), french_instant(&a.uploaded_at))
        })
        .collect();
    // A request to the owners with a deadline: for completion, or another
    // (their answer to the reports) in a state of no stage.
    let completing = workflow.dossier.is_at(&instance.state, crate::workflow::Stage::Completing);
    let completion = match &d.completion {
        Some(c) if completing || workflow.dossier.state(&instance.state).is_some_and(|s| s.stage.is_none()) => {
            Some((c.message.clone(), french_instant(&c.due), completing))
        }
        _ => None,
    };
    let assignment = browser.actor.user_id.and_then(|me| {
        facts.reviewers.iter().find(|r| r.user_id == me).map(|r| {
            (r.due.with_timezone(&crate::calendar::ZONE).format("%d/%m/%Y %H:%M").to_string(), r.scores.is_some())
        })
    });
    let documents = app
        .store
        .decision_documents(id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|doc| {
            let outcome = workflow.choice_label("outcome", &doc.outcome);
            let size = (doc.size + 1023) / 1024;
            if doc.current {
                let text = format!("Document de la décision : {outcome} (PDF, {size} Ko)");
                (format!("/dossiers/{id}/decision.pdf"), text, doc.sha256)
            } else {
                let text = format!("Décision antérieure du {} : {outcome}", french_instant(&doc.decided_at));
                (String::new(), text, doc.sha256)
            }
        })
        .collect();
    let page_data = DossierPage {
        workflow: workflow.clone(),
        documents,
        action_url: format!("/dossiers/{id}/evenements"),
        version: d.version,
        identity,
        categories: workflow.categories(),
        errors,
        can_attach,
        attachment_kinds: workflow.form.attachments.iter().map(|k| (k.code.clone(), k.label.clone())).collect(),
        attachments,
        sees_audit: crate::app::access::sees_audit(&*app.workflows, &browser.actor, facts),
        completion,
        assignment,
        team,
        self_assessment,
        reviews: review_table(app, &reviews, &grid).await,
        user: bar(browser),
        csrf: browser.csrf.clone(),
        checklist,
        waiting,
        thread,
        outside,
        owners,
        editable,
        state_label: state_label_in(app, &d.workflow, Machine::Dossier, &d.state),
        state_class: badge_class(app, &d.workflow, Machine::Dossier, &d.state),
        category: workflow.choice_label("category", &d.category),
        endorsements: by_side(&workflow, &d.records),
        records: record_lists(&workflow, Machine::Dossier, &d.records),
        sections,
        editing,
        flash: flash.into(),
        form_errors,
        actions,
        d,
    };
    page(page_data, status)
}

/// For each side the workflow's roles endorse, (who, when) its record
/// written by side was written.
fn by_side(def: &crate::workflow::Definition, records: &crate::store::views::RecordViews) -> Vec<(String, String)> {
    let Some((record, field)) = def.records_of(Machine::Dossier).find_map(|r| Some((r, r.side_field()?))) else {
        return vec![];
    };
    def.roles
        .iter()
        .filter_map(|role| {
            let side = role.endorses.as_ref()?;
            let at = records
                .get(&record.name)
                .into_iter()
                .flatten()
                .find(|r| r.fields.get(&field.name).and_then(serde_json::Value::as_str) == Some(side.as_str()))
                .map(|r| r.recorded_at.clone());
            Some((role.label.clone(), endorsed(&at)))
        })
        .collect()
}

/// The records of `machine` a page lists (those written by side aside, shown
/// with the identity): (what, one line per record, each field with its
/// label, choices in words).
pub(super) fn record_lists(
    def: &crate::workflow::Definition,
    machine: Machine,
    records: &crate::store::views::RecordViews,
) -> Vec<(String, Vec<String>)> {
    def.records_of(machine)
        .filter(|r| r.side_field().is_none())
        .map(|r| {
            let lines = records
                .get(&r.name)
                .into_iter()
                .flatten()
                .map(|item| {
                    r.fields
                        .iter()
                        .filter_map(|f| {
                            let value = item.fields.get(&f.name)?;
                            let shown = match f.kind {
                                crate::workflow::FieldType::Date => {
                                    value.as_str().map(french_date).unwrap_or_else(|| r.shown(&f.name, value))
                                }
                                _ => r.shown(&f.name, value),
                            };
                            (!shown.is_empty()).then(|| format!("{} : {shown}", f.label))
                        })
                        .collect::<Vec<_>>()
                        .join(" — ")
                })
                .collect();
            (r.label.clone(), lines)
        })
        .collect()
}

pub(super) fn endorsed(at: &Option<String>) -> String {
    match at {
        Some(at) => format!("oui, le {}", french_instant(at)),
        None => "pas encore".into(),
    }
}

pub(super) async fn dossier(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found(&browser, Machine::Dossier);
    };
    let done = match flash.fait.as_deref() {
        Some("cree") => "Action enregistrée : dossier créé.".to_string(),
        Some("ajout") => "Action enregistrée : élément ajouté.".to_string(),
        Some("retrait") => "Action enregistrée : élément retiré.".to_string(),
        Some("auto-evaluation") => "Action enregistrée : auto-évaluation.".to_string(),
        Some("identite") => "Action enregistrée : dossier modifié.".to_string(),
        Some("piece") => "Action enregistrée : pièce jointe ajoutée.".to_string(),
        Some("piece-retiree") => "Action enregistrée : pièce jointe retirée.".to_string(),
        Some("piece-remplacee") => "Action enregistrée : pièce jointe remplacée.".to_string(),
        Some("message") => "Message envoyé : l'autre partie est prévenue par courriel.".to_string(),
        Some("titulaire") => "Invitation envoyée : le lien part par courriel.".to_string(),
        Some("titulaire-retire") => "Invitation retirée : son lien ne fonctionne plus.".to_string(),
        Some("titulaire-accepte") => "Vous êtes désormais titulaire de ce dossier.".to_string(),
        Some("avis-demande") => "Demande d'avis envoyée : le lien part par courriel.".to_string(),
        Some("avis-retire") => "Demande d'avis retirée : son lien ne fonctionne plus.".to_string(),
        Some(e) => event_notice(&app, Machine::Dossier, e),
        None => String::new(),
    };
    render_dossier(&app, &browser, id, &done, &Map::new(), None).await
}

pub(super) async fn dossier_event(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    instance_event(&app, &browser, Machine::Dossier, &id, &pairs).await
}

/// What still blocks each step that would move the dossier on, then what
/// the workflow advises before it, as the workflow words them.
fn checklist(
    app: &App,
    workflow: &crate::workflow::Definition,
    actor: &crate::engine::Actor,
    instance: &crate::engine::Instance,
) -> Vec<(String, Vec<String>)> {
    let now = app.clock.now();
    let mut out = Vec::new();
    for event in workflow.dossier.events_from(&instance.state) {
        let moves_on = workflow.dossier.transitions_from(&instance.state, event).any(|t| t.to.is_some());
        if !moves_on {
            continue;
        }
        let words = |r| messages::describe(workflow, &AppError::Refused(r)).1;
        let mut items: Vec<String> =
            crate::engine::blockers(workflow, instance, event, actor, now).into_iter().map(words).collect();
        items.dedup();
        // What the texts expect without requiring it: said, never refused.
        items.extend(
            crate::engine::advice(workflow, instance, event, actor, now)
                .into_iter()
                .map(|r| format!("Recommandé : {}", words(r))),
        );
        if let (false, Some(spec)) = (items.is_empty(), workflow.dossier.event(event)) {
            out.push((spec.label.clone(), items));
        }
    }
    out
}

/// A dossier's message thread as its page shows it.
pub(super) struct Thread {
    /// (author, side in words, date, body, read by, unread, private note)
    messages: Vec<(String, String, String, String, String, bool, bool)>,
    /// Whose answer it awaits, in words (empty: nobody's).
    awaiting: String,
    can_write: bool,
    /// The reader may write private notes (the staff).
    notes: bool,
    /// The owners' roles, in the workflow's words.
    owners: String,
    /// What was typed and why it was refused.
    typed: String,
    error: String,
}

/// The dossier whose thread the page shows, as the page already read it.
struct ThreadOf<'a> {
    id: Uuid,
    facts: &'a crate::engine::DossierFacts,
    /// The side whose answer the thread awaits (the dossier view's).
    awaiting: Option<&'a str>,
}

async fn message_thread(
    app: &App,
    browser: &Browser,
    of: ThreadOf<'_>,
    workflow: &crate::workflow::Definition,
    refused: &Option<(&str, AppError)>,
    typed: &Map<String, Value>,
) -> Option<Thread> {
    if !workflow.messages.enabled {
        return None;
    }
    let ThreadOf { id, facts, awaiting } = of;
    let messages = app.messages(&browser.actor, id).await.ok()?;
    // The owners as the workflow names its owners' roles.
    let owners_words = workflow
        .roles
        .iter()
        .filter(|r| r.kind == RoleKind::Owner)
        .map(|r| r.label.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let side_words = |side: &str| if side == "owners" { owners_words.clone() } else { "services".to_string() };
    let owner = crate::app::access::is_owner(&*app.workflows, &browser.actor, facts);
    let can_write = owner || crate::app::access::sees_audit(&*app.workflows, &browser.actor, facts);
    let awaiting = match awaiting {
        Some("owners") if owner => "En attente de votre réponse.".to_string(),
        Some("staff") if can_write && !owner => "En attente de votre réponse.".to_string(),
        Some(side) => format!("En attente d'une réponse : {}.", side_words(side)),
        None => String::new(),
    };
    let (typed, error) = match refused {
        Some((MESSAGE, e)) => {
            let text = match e {
                AppError::Refused(crate::engine::Refusal::InvalidInput { reason, .. }) if reason.starts_with('@') => {
                    let who = reason.split_whitespace().next().unwrap_or_default();
                    format!("Message : {who} ne lit pas les notes de ce dossier.")
                }
                AppError::Refused(crate::engine::Refusal::InvalidInput { .. }) => {
                    format!("Message : à écrire, {} caractères au plus.", crate::app::messages::MAX_MESSAGE)
                }
                other => messages::describe(workflow, other).1,
            };
            (typed.get("body").and_then(Value::as_str).unwrap_or_default().to_string(), text)
        }
        _ => (String::new(), String::new()),
    };
    Some(Thread {
        messages: messages
            .into_iter()
            .map(|m| {
                let read =
                    if m.read_by.is_empty() { String::new() } else { format!("Lu par {}", m.read_by.join(", ")) };
                let side = side_words(&m.side);
                (m.author, side, french_instant(&m.created_at), m.body, read, m.unread, m.private)
            })
            .collect(),
        awaiting,
        notes: can_write && !owner,
        owners: owners_words.clone(),
        can_write,
        typed,
        error,
    })
}

/// Writes in the dossier's thread.
pub(super) async fn post_message(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found(&browser, Machine::Dossier);
    };
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    if !same_token(&browser.csrf, &get("csrf")) {
        return expired(&browser);
    }
    match app.post_message(&browser.actor, id, &get("body"), get("private") == "oui").await {
        Ok(_) => Redirect::to(&format!("/dossiers/{id}?fait=message#messages")).into_response(),
        Err(e) => {
            let typed: Map<String, Value> = [("body".to_string(), Value::from(get("body")))].into_iter().collect();
            render_dossier(&app, &browser, id, "", &typed, Some((MESSAGE, e))).await
        }
    }
}

/// Who must act next: each step that moves the dossier on from `state`
/// and the roles that take it, unless the reader holds one of them (their
/// own steps are offered as actions). Deadlines' own steps and the
/// administrators' stand-in powers are left out.
fn waiting_on(
    app: &App,
    workflow: &crate::workflow::Definition,
    actor: &crate::engine::Actor,
    state: &str,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for event in workflow.dossier.events_from(state) {
        let mut roles: Vec<&Role> = workflow
            .dossier
            .transitions_from(state, event)
            .filter(|t| t.to.is_some())
            .flat_map(|t| &t.roles)
            .filter(|r| {
                !matches!(workflow.kind_of(r), Some(RoleKind::System | RoleKind::Admin | RoleKind::Guest) | None)
            })
            .collect();
        roles.dedup();
        // Owners ending their own dossier (a withdrawal) is not what the
        // dossier waits for.
        let ends = workflow
            .dossier
            .transitions_from(state, event)
            .all(|t| t.to.as_deref().and_then(|to| workflow.dossier.state(to)).is_some_and(|s| s.terminal));
        if roles.is_empty() || (ends && roles.iter().all(|r| workflow.kind_of(r) == Some(RoleKind::Owner))) {
            continue;
        }
        if actor.grants.iter().any(|g| roles.contains(&&g.role)) {
            return Vec::new();
        }
        let who: Vec<String> = roles.iter().map(|r| app.workflows.role_label(r)).collect();
        if let Some(spec) = workflow.dossier.event(event) {
            out.push((spec.label.clone(), who.join(", ")));
        }
    }
    out
}

/// Adds an item to a group of the dossier's form.
pub(super) async fn add_item(
    State(app): State<App>,
    browser: Browser,
    Path((id, group)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found(&browser, Machine::Dossier);
    };
    let csrf = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    if !same_token(&browser.csrf, csrf) {
        return expired(&browser);
    }
    let field =
        app.workflows.iter().find_map(|w| w.form.field(&group).filter(|f| f.kind == crate::workflow::FormType::Group));
    let Some(field) = field else {
        return not_found(&browser, Machine::Dossier);
    };
    let item = super::form_fields::item_from_pairs(field, &pairs);
    match app.add_group_item(&browser.actor, id, &group, item).await {
        Ok(_) => Redirect::to(&format!("/dossiers/{id}?fait=ajout")).into_response(),
        Err(e) => render_dossier(&app, &browser, id, "", &Map::new(), Some((GROUP, e))).await,
    }
}

pub(super) async fn remove_item(
    State(app): State<App>,
    browser: Browser,
    Path((id, group, item)): Path<(String, String, String)>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let (Ok(id), Ok(item)) = (Uuid::parse_str(&id), Uuid::parse_str(&item)) else {
        return message(bar(&browser), StatusCode::NOT_FOUND, "Introuvable", "Cet élément n'existe pas.");
    };
    if !same_token(&browser.csrf, &form.csrf) {
        return expired(&browser);
    }
    match app.remove_group_item(&browser.actor, id, &group, item).await {
        Ok(()) => Redirect::to(&format!("/dossiers/{id}?fait=retrait")).into_response(),
        Err(e) => render_dossier(&app, &browser, id, "", &Map::new(), Some((GROUP, e))).await,
    }
}

/// The dossier's own fields on the creation page.
#[derive(Default)]
pub(super) struct NewDossierForm {
    campaign_id: String,
    title: String,
    category: String,
}

#[derive(Template)]
#[template(path = "pages/new_dossier.html")]
pub(super) struct NewDossierPage {
    user: Option<UserBar>,
    csrf: String,
    /// The title's error, beside it.
    title_error: String,
    errors: Vec<(String, String)>,
    v: NewDossierForm,
    campaigns: Vec<(String, String)>,
    /// The open calls run several workflows: the call is chosen first, as
    /// its workflow's form follows.
    several: bool,
    /// The workflow's form, with what was typed.
    sections: Vec<super::form_fields::SectionView>,
    /// The categories the chosen call's workflow knows.
    categories: Vec<(String, String)>,
}

pub(super) async fn new_dossier_form(
    app: &App,
    browser: &Browser,
    v: NewDossierForm,
    typed: &Map<String, Value>,
    errors: Vec<(String, String)>,
    status: StatusCode,
) -> Response {
    let now = app.clock.now();
    let open: Vec<_> = app
        .store
        .campaigns()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|c| chrono::DateTime::parse_from_rfc3339(&c.closes_at).is_ok_and(|t| t > now))
        .collect();
    let mut v = v;
    if !open.iter().any(|c| c.id == v.campaign_id) {
        v.campaign_id = open.first().map(|c| c.id.clone()).unwrap_or_default();
    }
    let chosen = open.iter().find(|c| c.id == v.campaign_id);
    let workflow =
        chosen.and_then(|c| app.workflows.at(&c.workflow, c.workflow_version.as_deref())).unwrap_or(&app.workflow);
    let several = open.iter().any(|c| Some(&c.workflow) != chosen.map(|c| &c.workflow));
    let campaigns = open.iter().map(|c| (c.id.clone(), c.name.clone())).collect();
    let field_errors = FormErrors(errors.clone());
    let mut sections = super::form_fields::sections(&workflow.form, typed, &field_errors);
    // Groups are filled in once the dossier exists.
    sections.iter_mut().for_each(|s| s.groups.clear());
    let categories = workflow.categories();
    let title_error = field_errors.of("title").to_string();
    let page_data = NewDossierPage {
        user: bar(browser),
        csrf: browser.csrf.clone(),
        title_error,
        errors,
        v,
        campaigns,
        several,
        sections,
        categories,
    };
    page(page_data, status)
}

#[derive(Deserialize)]
pub(super) struct CallChoice {
    appel: Option<String>,
}

pub(super) async fn new_dossier_page(
    State(app): State<App>,
    browser: Browser,
    Query(choice): Query<CallChoice>,
) -> Response {
    let v = NewDossierForm {
        category: "standard".into(),
        campaign_id: choice.appel.unwrap_or_default(),
        ..Default::default()
    };
    new_dossier_form(&app, &browser, v, &Map::new(), vec![], StatusCode::OK).await
}

pub(super) async fn create_dossier(
    State(app): State<App>,
    browser: Browser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    if !same_token(&browser.csrf, &get("csrf")) {
        return expired(&browser);
    }
    // The form of the chosen call's workflow.
    let workflow = match Uuid::parse_str(&get("campaign_id")) {
        Ok(id) => match app.store.campaign(id).await {
            Ok(c) => app.wording(&c.workflow, c.workflow_version.as_deref()),
            Err(_) => app.workflow.clone(),
        },
        Err(_) => app.workflow.clone(),
    };
    let typed = super::form_fields::from_pairs(&workflow.form, &pairs);
    let input = crate::app::dossiers::DossierInput {
        campaign_id: get("campaign_id"),
        title: get("title"),
        kind: "creation".into(),
        renewal_of: None,
        category: get("category"),
        form: Some(typed.clone()),
        top_level: Default::default(),
    };
    match app.create_dossier_for(&browser.actor, &input).await {
        Ok(d) => Redirect::to(&format!("/dossiers/{}?fait=cree", d.id)).into_response(),
        Err(e) => {
            let errors = messages::describe_all(&workflow, &e);
            let v = NewDossierForm { campaign_id: get("campaign_id"), title: get("title"), category: get("category") };
            new_dossier_form(&app, &browser, v, &typed, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub(super) async fn self_assessment(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found(&browser, Machine::Dossier);
    };
    let csrf = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    if !same_token(&browser.csrf, csrf) {
        return expired(&browser);
    }
    let texts: std::collections::BTreeMap<String, String> = pairs.into_iter().filter(|(k, _)| k != "csrf").collect();
    match app.set_self_assessment(&browser.actor, id, &texts).await {
        Ok(_) => Redirect::to(&format!("/dossiers/{id}?fait=auto-evaluation")).into_response(),
        Err(e) => render_dossier(&app, &browser, id, "", &Map::new(), Some(("auto-evaluation", e))).await,
    }
}

/// Names the identity and attachment forms go by when they are refused.
const IDENTITY: &str = "identite";
const GROUP: &str = "groupe";
const ATTACHMENT: &str = "piece";
const MESSAGE: &str = "message";

/// Saves the identity and governance fields of a draft.
pub(super) async fn edit_identity(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found(&browser, Machine::Dossier);
    };
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    if !same_token(&browser.csrf, &get("csrf")) {
        return expired(&browser);
    }
    let form = super::form_fields::from_pairs(&app.workflow.form, &pairs);
    let patch = crate::app::dossiers::DossierPatch {
        version: get("version").parse().ok(),
        title: Some(get("title")),
        category: Some(get("category")),
        form: Some(form.clone()),
        ..Default::default()
    };
    match app.update_dossier(&browser.actor, id, &patch).await {
        Ok(_) => Redirect::to(&format!("/dossiers/{id}?fait=identite")).into_response(),
        Err(e) => {
            let mut typed = form;
            typed.insert("title".into(), Value::from(get("title")));
            typed.insert("category".into(), Value::from(get("category")));
            render_dossier(&app, &browser, id, "", &typed, Some((IDENTITY, e))).await
        }
    }
}

/// Adds an attachment sent from the dossier page (multipart form).
pub(super) async fn upload(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    mut form: axum::extract::Multipart,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return not_found(&browser, Machine::Dossier);
    };
    let (mut csrf, mut kind, mut file, mut replaces) = (String::new(), String::new(), None, String::new());
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                let file_name = field.file_name().map(str::to_string);
                let content_type = field.content_type().map(str::to_string).unwrap_or_default();
                let Ok(bytes) = field.bytes().await else {
                    return message(
                        bar(&browser),
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "Envoi interrompu",
                        "Le fichier n'a pas pu être reçu en entier (20 Mio au plus).",
                    );
                };
                match name.as_str() {
                    "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
                    "kind" => kind = String::from_utf8_lossy(&bytes).into_owned(),
                    // Another file in an attachment's place.
                    "replaces" => replaces = String::from_utf8_lossy(&bytes).into_owned(),
                    "file" => file = Some((file_name.unwrap_or_default(), content_type, bytes)),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => {
                return message(
                    bar(&browser),
                    StatusCode::BAD_REQUEST,
                    "Envoi interrompu",
                    "Le fichier n'a pas pu être reçu en entier (20 Mio au plus).",
                )
            }
        }
    }
    if !same_token(&browser.csrf, &csrf) {
        return expired(&browser);
    }
    let result = match (&file, Uuid::parse_str(&replaces)) {
        (Some((name, content_type, bytes)), Ok(old)) if !name.is_empty() => {
            app.replace_attachment(&browser.actor, old, name, content_type, bytes).await
        }
        (Some((name, content_type, bytes)), _) if !name.is_empty() => {
            app.add_attachment(&browser.actor, id, Some(&kind), name, content_type, bytes).await
        }
        _ => Err(AppError::Refused(crate::engine::Refusal::invalid("file", "is required"))),
    };
    match result {
        Ok(_) if !replaces.is_empty() => Redirect::to(&format!("/dossiers/{id}?fait=piece-remplacee")).into_response(),
        Ok(_) => Redirect::to(&format!("/dossiers/{id}?fait=piece")).into_response(),
        Err(e) => render_dossier(&app, &browser, id, "", &Map::new(), Some((ATTACHMENT, e))).await,
    }
}

/// Takes an attachment off a dossier, once confirmed on the page.
pub(super) async fn remove_attachment(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if !same_token(&browser.csrf, &form.csrf) {
        return expired(&browser);
    }
    let Ok(aid) = Uuid::parse_str(&id) else { return super::unknown_page() };
    let Ok((dossier, _)) = app.store.attachment(aid).await else { return super::unknown_page() };
    match app.remove_attachment(&browser.actor, aid).await {
        Ok(()) => Redirect::to(&format!("/dossiers/{dossier}?fait=piece-retiree")).into_response(),
        Err(e) => render_dossier(&app, &browser, dossier, "", &Map::new(), Some((ATTACHMENT, e))).await,
    }
}

/// An attachment of a dossier the person may see, as a download.
pub(super) async fn download(State(app): State<App>, browser: Browser, Path(id): Path<String>) -> Response {
    let missing = || {
        message(
            bar(&browser),
            StatusCode::NOT_FOUND,
            "Pièce introuvable",
            "Cette pièce n'existe pas ou ne vous est pas accessible.",
        )
    };
    let Ok(id) = Uuid::parse_str(&id) else { return missing() };
    match app.attachment(&browser.actor, id).await {
        Ok((view, bytes)) => crate::web::documents::attachment_response(&view.file_name, &view.content_type, bytes),
        Err(_) => missing(),
    }
}

#[derive(Template)]
#[template(path = "pages/decision.html")]
struct DecisionPage {
    user: Option<UserBar>,
    d: DossierView,
    /// Whose decision: the workflow's label.
    issuer: String,
    sections: Vec<super::form_fields::SectionView>,
    category: String,
    outcome: String,
    years: String,
    decided_on: String,
    /// The workflow's records: (what, one line per record).
    records: Vec<(String, Vec<String>)>,
    reviews: ReviewTable,
    /// The label granted: (from, until).
    validity: Option<(String, String)>,
    /// The decision's other inputs given: (what, text).
    details: Vec<(String, String)>,
    printed_on: String,
}

/// A one-page summary of a decided dossier, laid out for printing.
pub(super) async fn decision_summary(State(app): State<App>, browser: Browser, Path(id): Path<String>) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else { return not_found(&browser, Machine::Dossier) };
    let Ok(d) = app.dossier(&browser.actor, id).await else { return not_found(&browser, Machine::Dossier) };
    let Some(decision) = d.decision.clone() else {
        return message(
            bar(&browser),
            StatusCode::NOT_FOUND,
            "Pas encore de décision",
            "La synthèse imprimable existe une fois la décision prise.",
        );
    };
    let validity = match &d.label_id {
        Some(label) => match Uuid::parse_str(label) {
            Ok(l) => app
                .label(&browser.actor, l)
                .await
                .ok()
                .map(|l| (french_date(&l.valid_from), french_date(&l.valid_until))),
            Err(_) => None,
        },
        None => None,
    };
    let workflow = app.wording(&d.workflow, d.workflow_version.as_deref());
    let details = workflow
        .decision_details()
        .into_iter()
        .filter_map(|f| {
            let text = decision.details.get(&f.name)?.as_str()?.to_string();
            Some((f.label.clone(), text))
        })
        .collect();
    let data = DecisionPage {
        user: bar(&browser),
        issuer: workflow.label.clone(),
        sections: super::form_fields::sections(&workflow.form, &d.form, &FormErrors::default()),
        category: decision.category.as_deref().map(|c| workflow.choice_label("category", c)).unwrap_or_default(),
        outcome: workflow.choice_label("outcome", &decision.outcome),
        years: decision.years.map(|y| y.to_string()).unwrap_or_default(),
        decided_on: french_instant(&decision.decided_at),
        records: record_lists(&workflow, Machine::Dossier, &d.records),
        reviews: review_table(
            &app,
            &app.reviews(&browser.actor, id).await.unwrap_or_default(),
            &workflow.grid.for_form(&d.form),
        )
        .await,
        validity,
        details,
        printed_on: app.clock.now().with_timezone(&crate::calendar::ZONE).format("%d/%m/%Y").to_string(),
        d,
    };
    page(data, StatusCode::OK)
}

/// The document of a dossier's decision, as kept.
pub(super) async fn decision_pdf(State(app): State<App>, browser: Browser, Path(id): Path<String>) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else { return not_found(&browser, Machine::Dossier) };
    match app.decision_document(&browser.actor, id).await {
        Ok(kept) => crate::web::documents::pdf_response(&kept.file_name, kept.content, Some(&kept.sha256)),
        Err(_) => message(
            bar(&browser),
            StatusCode::NOT_FOUND,
            "Pas de document",
            "Ce dossier n'a pas de document de décision, ou il ne vous est pas accessible.",
        ),
    }
}

/// The document the decision typed in the form would issue, recording
/// nothing; a refused input shows on the dossier page as deciding would.
pub(super) async fn decision_preview(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else { return not_found(&browser, Machine::Dossier) };
    let csrf = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    if !super::same_token(&browser.csrf, csrf) {
        return super::expired(&browser);
    }
    let workflow = match app.store.instance(Machine::Dossier, id).await {
        Ok(instance) => app.wording(&instance.workflow, instance.workflow_version.as_deref()),
        Err(_) => return not_found(&browser, Machine::Dossier),
    };
    let (name, version, data, typed) = super::actions::event_from_form(&workflow, Machine::Dossier, &pairs);
    let event = crate::engine::Event { name: name.clone(), data, expected_version: version, subject: None };
    match app.preview_decision(&browser.actor, id, event).await {
        Ok(made) => crate::web::documents::pdf_response(&made.file_name, made.pdf, None),
        Err(e) => render_dossier(&app, &browser, id, "", &typed, Some((&name, e))).await,
    }
}
