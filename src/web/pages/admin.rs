//! Administration: calls for projects, accounts and roles, undelivered
//! e-mails and the workflow diagram.

use super::*;
use crate::app::accounts::NewAccount;
use crate::app::dossiers::CampaignInput;
use crate::engine::Actor;
use crate::store::views::CampaignView;

type Options = Vec<(String, String)>;

#[derive(Deserialize, Default)]
pub(super) struct CampaignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    workflow: String,
    /// The territory a call is set for, for a label whose territories set
    /// their own.
    #[serde(default)]
    territory: String,
    #[serde(default)]
    opens_at: String,
    #[serde(default)]
    closes_at: String,
}

#[derive(Template)]
#[template(path = "pages/admin_campaigns.html")]
struct CampaignsPage {
    user: Option<UserBar>,
    csrf: String,
    flash: String,
    errors: FormErrors,
    v: CampaignForm,
    /// (name, label, territory, opens, closes, kinds)
    campaigns: Vec<[String; 6]>,
    /// The labels the person may open a call of.
    workflows: Options,
    /// The territories they may open one for (empty: national calls only).
    territories: Options,
}

/// The workflows whose calls the actor opens: every one for an
/// administrator, else those whose territories set calls through a role
/// the actor holds.
fn openable<'a>(app: &'a App, actor: &Actor) -> Vec<&'a crate::workflow::Definition> {
    app.workflows.iter().filter(|d| crate::app::access::opens_calls(d, actor, None)).map(|d| &**d).collect()
}

/// The territories the actor opens calls for, labelled with their kind.
fn territories(app: &App, actor: &Actor) -> Options {
    let mut out: Options = Vec::new();
    for def in openable(app, actor) {
        let Some(kind) = def.campaigns.scope.as_deref() else { continue };
        let field = def.form.scope_fields().find(|(k, _)| *k == kind).map(|(_, f)| f);
        let list = field.and_then(|f| f.list.clone()).unwrap_or_default();
        let label = field.map(|f| f.label.clone()).unwrap_or_else(|| kind.to_string());
        for e in reference::items(&list) {
            let scope = crate::engine::Scope::new(kind, &e.code);
            if crate::app::access::opens_calls(def, actor, Some(&scope)) && !out.iter().any(|(c, _)| c == &e.code) {
                out.push((e.code.clone(), format!("{label} : {}", e.label)));
            }
        }
    }
    out
}

async fn campaigns_page(
    app: &App,
    browser: &Browser,
    v: CampaignForm,
    errors: FormErrors,
    flash: &str,
    status: StatusCode,
) -> Response {
    let list: Vec<CampaignView> = app.store.campaigns().await.unwrap_or_default();
    let campaigns = list
        .into_iter()
        .map(|c| {
            let kinds = c
                .kinds
                .iter()
                .map(|k| if k == "renewal" { "renouvellement" } else { "création" })
                .collect::<Vec<_>>()
                .join(", ");
            let def = app.workflows.get(&c.workflow);
            let territory = match (def, &c.territory) {
                (Some(d), Some(code)) => d
                    .form
                    .scope_fields()
                    .find(|(k, _)| Some(*k) == d.campaigns.scope.as_deref())
                    .map_or_else(|| code.clone(), |(_, f)| f.choice_label(code)),
                _ => "Nationale".to_string(),
            };
            let label = def.map_or_else(|| c.workflow.clone(), |d| d.label.clone());
            [c.name, label, territory, french_instant(&c.opens_at), french_instant(&c.closes_at), kinds]
        })
        .collect();
    let workflows = openable(app, &browser.actor).into_iter().map(|d| (d.id.clone(), d.label.clone())).collect();
    let territories = territories(app, &browser.actor);
    let data = CampaignsPage {
        user: bar(browser),
        csrf: browser.csrf.clone(),
        flash: flash.into(),
        errors,
        v,
        campaigns,
        workflows,
        territories,
    };
    page(data, status)
}

pub(super) async fn campaigns(State(app): State<App>, browser: Browser, Query(flash): Query<Flash>) -> Response {
    if openable(&app, &browser.actor).is_empty() {
        return forbidden(&browser);
    }
    let done = if flash.fait.is_some() { "Appel à projets ouvert." } else { "" };
    campaigns_page(&app, &browser, CampaignForm::default(), FormErrors::default(), done, StatusCode::OK).await
}

pub(super) async fn create_campaign(State(app): State<App>, browser: Browser, Form(v): Form<CampaignForm>) -> Response {
    if !same_token(&browser.csrf, &v.csrf) {
        return expired(&browser);
    }
    // Without a choice, the first label the person opens calls of (the
    // primary one for an administrator).
    let first = || openable(&app, &browser.actor).first().map_or_else(|| app.workflow.id.clone(), |d| d.id.clone());
    let workflow = if v.workflow.is_empty() { first() } else { v.workflow.clone() };
    let input = CampaignInput {
        name: v.name.clone(),
        workflow,
        opens_at: v.opens_at.clone(),
        closes_at: v.closes_at.clone(),
        criteria: None,
        kinds: None,
        territory: Some(v.territory.clone()).filter(|t| !t.is_empty()),
    };
    match app.create_campaign(&browser.actor, &input).await {
        Ok(_) => Redirect::to("/admin/campagnes?fait=ouvert").into_response(),
        Err(AppError::Refused(crate::engine::Refusal::NotAllowed { .. })) => forbidden(&browser),
        Err(e) => {
            campaigns_page(
                &app,
                &browser,
                v,
                FormErrors::from_error(&app.workflow, &e),
                "",
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    /// The scope a staff role acts for, chosen in its kind's list.
    #[serde(default)]
    scope: String,
    #[serde(default)]
    affiliations: String,
}

#[derive(Template)]
#[template(path = "pages/admin_users.html")]
struct UsersPage {
    user: Option<UserBar>,
    csrf: String,
    flash: String,
    errors: FormErrors,
    v: UserForm,
    users: Vec<AccountRow>,
    roles: Options,
    /// Every item a staff role may act for, as `kind:CODE` with its label.
    scopes: Options,
    search: UserSearch,
    next: Option<String>,
    first: Option<String>,
}

/// What the list of accounts was asked for.
struct UserSearch {
    q: String,
    role: String,
    active: String,
}

/// An account as the page shows it: roles and scopes in words.
struct AccountRow {
    id: String,
    name: String,
    email: String,
    /// (the grant as stored, `role@kind:CODE`, and in words)
    grants: Vec<(String, String)>,
    affiliations: String,
    active: bool,
    /// False while an invitation waits.
    password_set: bool,
    /// Deactivated and not the reader's own (the page offers it unless
    /// `erased`).
    erasable: bool,
    erased: bool,
}

/// A grant in words: the role's label, then its scope's field and item.
fn grant_words(app: &App, grant: &str) -> String {
    let (role, scope) = grant.split_once('@').map_or((grant, None), |(r, s)| (r, Some(s)));
    let role = app.workflows.role_label(&Role::new(role));
    match scope.and_then(crate::engine::Scope::parse) {
        Some(s) => {
            let field = app.workflows.scope_field(&s.kind);
            let kind = field.map_or_else(|| s.kind.clone(), |f| f.label.clone());
            let item = field.map_or_else(|| s.code.clone(), |f| f.choice_label(&s.code));
            format!("{role} — {kind} : {item}")
        }
        None => role,
    }
}

async fn users_page(
    app: &App,
    browser: &Browser,
    v: UserForm,
    errors: FormErrors,
    flash: &str,
    status: StatusCode,
) -> Response {
    users_page_of(app, browser, &Default::default(), v, errors, flash, status).await
}

/// The accounts page, its list filtered and paged by `params` (`q`,
/// `role`, `active`, `cursor`).
async fn users_page_of(
    app: &App,
    browser: &Browser,
    params: &std::collections::BTreeMap<String, String>,
    v: UserForm,
    mut errors: FormErrors,
    flash: &str,
    status: StatusCode,
) -> Response {
    let listed = match app.user_page(&browser.actor, params).await {
        Ok(p) => Ok(p),
        Err(AppError::Refused(crate::engine::Refusal::InvalidInput { field, .. })) => {
            errors.0.push((String::new(), format!("La recherche ne porte pas sur « {field} » ainsi : reprenez-la.")));
            app.user_page(&browser.actor, &Default::default()).await
        }
        Err(e) => Err(e),
    };
    let users = match listed {
        Ok(u) => u,
        Err(AppError::Refused(_)) => return forbidden(browser),
        Err(e) => {
            return message(
                bar(browser),
                StatusCode::SERVICE_UNAVAILABLE,
                "Comptes",
                &messages::describe(&app.workflow, &e).1,
            )
        }
    };
    let roles = app
        .workflows
        .roles()
        .into_iter()
        .map(|r| (r.name.to_string(), r.label.clone()))
        .chain([(Role::ADMIN.to_string(), app.workflows.role_label(&Role::admin()))])
        .collect();
    // One list for every staff role's scope kind, each item labelled with
    // its kind (« Région : Bretagne »).
    let mut kinds: Vec<&str> = app
        .workflows
        .roles_of(crate::workflow::RoleKind::Staff)
        .into_iter()
        .filter_map(|r| r.scope.as_deref())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let scopes = kinds
        .into_iter()
        .flat_map(|kind| {
            let field = app.workflows.scope_field(kind);
            let list = field.and_then(|f| f.list.clone()).unwrap_or_default();
            let label = field.map(|f| f.label.clone()).unwrap_or_else(|| kind.to_string());
            reference::items(&list)
                .iter()
                .map(move |e| (format!("{kind}:{}", e.code), format!("{label} : {}", e.label)))
                .collect::<Vec<_>>()
        })
        .collect();
    let (next, first) = super::lists::pages("/admin/utilisateurs", params, &users);
    let search = UserSearch {
        q: params.get("q").cloned().unwrap_or_default(),
        role: params.get("role").cloned().unwrap_or_default(),
        active: params.get("active").cloned().unwrap_or_default(),
    };
    let users = users
        .items
        .into_iter()
        .map(|u| AccountRow {
            grants: u.roles.iter().map(|g| (g.clone(), grant_words(app, g))).collect(),
            affiliations: u.affiliations.join(", "),
            erased: crate::store::erasure::is_erased_address(&u.email),
            erasable: !u.active && browser.actor.user_id.map(|me| me.to_string()) != Some(u.id.clone()),
            id: u.id,
            name: u.name,
            email: u.email,
            active: u.active,
            password_set: u.password_set,
        })
        .collect();
    let data = UsersPage {
        user: bar(browser),
        csrf: browser.csrf.clone(),
        flash: flash.into(),
        errors,
        v,
        users,
        roles,
        scopes,
        search,
        next,
        first,
    };
    page(data, status)
}

#[derive(Deserialize, Default)]
pub(super) struct AccountForm {
    #[serde(default)]
    csrf: String,
    /// `ajouter` a role, `retirer` one, `desactiver` or `reactiver`.
    #[serde(default)]
    action: String,
    #[serde(default)]
    role: String,
    /// `kind:CODE` from the list of scopes.
    #[serde(default)]
    scope: String,
    /// The grant to take away, as stored.
    #[serde(default)]
    grant: String,
}

/// An administrator's change to an account from the accounts page.
pub(super) async fn account_action(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Form(f): Form<AccountForm>,
) -> Response {
    if !same_token(&browser.csrf, &f.csrf) {
        return expired(&browser);
    }
    let Ok(uid) = Uuid::parse_str(&id) else { return super::unknown_page() };
    let current = match app.store.user_view(uid).await {
        Ok(u) => u,
        Err(_) => return super::unknown_page(),
    };
    let as_input = |g: &str| {
        let (role, scope) = g.split_once('@').map_or((g, None), |(r, s)| (r, Some(s)));
        let code = scope.map(|s| s.split_once(':').map_or(s, |(_, c)| c).to_string());
        crate::app::accounts::GrantInput { role: role.to_string(), scope: code }
    };
    let kept =
        |skip: &str| current.roles.iter().filter(|g| g.as_str() != skip).map(|g| as_input(g)).collect::<Vec<_>>();
    use crate::app::accounts::AccountChanges;
    let done = match f.action.as_str() {
        "effacer" => app.erase_account(&browser.actor, uid).await.map(|_| "efface"),
        "lien" => app.send_password_link(&browser.actor, uid).await.map(|_| "lien"),
        action => {
            let changes = match action {
                "ajouter" => {
                    let mut roles = kept("");
                    let scope = f.scope.split_once(':').map(|(_, c)| c.to_string()).filter(|c| !c.is_empty());
                    roles.push(crate::app::accounts::GrantInput { role: f.role.clone(), scope });
                    AccountChanges { roles: Some(roles), active: None }
                }
                "retirer" => AccountChanges { roles: Some(kept(&f.grant)), active: None },
                "desactiver" => AccountChanges { roles: None, active: Some(false) },
                "reactiver" => AccountChanges { roles: None, active: Some(true) },
                _ => return super::unknown_page(),
            };
            app.update_account(&browser.actor, uid, &changes).await.map(|_| "modifie")
        }
    };
    match done {
        Ok(done) => Redirect::to(&format!("/admin/utilisateurs?fait={done}")).into_response(),
        Err(AppError::Refused(crate::engine::Refusal::NotAllowed { .. })) => forbidden(&browser),
        Err(e) => {
            let (_, text) = messages::describe(&app.workflow, &e);
            let errors = FormErrors(vec![(String::new(), format!("{} : {text}", current.name))]);
            users_page(&app, &browser, UserForm::default(), errors, "", StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub(super) async fn users(
    State(app): State<App>,
    browser: Browser,
    Query(q): Query<std::collections::BTreeMap<String, String>>,
) -> Response {
    let mut params = super::lists::asked(&q);
    let done = match params.remove("fait").as_deref() {
        Some("modifie") => "Compte modifié.",
        Some("lien") => "Lien envoyé : la personne choisit son mot de passe en le suivant.",
        Some("efface") => "Données personnelles du compte effacées ; le journal d'audit reste vérifiable.",
        Some(_) => "Compte créé : une invitation à choisir son mot de passe part par courriel (valable 7 jours).",
        None => "",
    };
    users_page_of(&app, &browser, &params, UserForm::default(), FormErrors::default(), done, StatusCode::OK).await
}

pub(super) async fn create_user(State(app): State<App>, browser: Browser, Form(v): Form<UserForm>) -> Response {
    if !same_token(&browser.csrf, &v.csrf) {
        return expired(&browser);
    }
    // The list gives `kind:CODE`; the account takes the code of the role's kind.
    let scope = v.scope.split_once(':').map_or_else(|| v.scope.clone(), |(_, code)| code.to_string());
    let input = NewAccount {
        email: v.email.clone(),
        name: v.name.clone(),
        role: v.role.clone(),
        scope,
        affiliations: v.affiliations.split(',').map(|a| a.trim().to_string()).filter(|a| !a.is_empty()).collect(),
        // The person chooses their password through the invitation.
        password: None,
    };
    match app.create_user(&browser.actor, &input).await {
        Ok(_) => Redirect::to("/admin/utilisateurs?fait=cree").into_response(),
        Err(AppError::Refused(crate::engine::Refusal::NotAllowed { .. })) => forbidden(&browser),
        Err(e) => {
            let errors = FormErrors::from_error(&app.workflow, &e);
            users_page(&app, &browser, v, errors, "", StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Template)]
#[template(path = "pages/admin_mail.html")]
struct MailPage {
    user: Option<UserBar>,
    csrf: String,
    flash: String,
    /// (id, template, recipient, attempts, last error, created)
    mails: Vec<(String, String, String, i64, String, String)>,
    next: Option<String>,
    first: Option<String>,
}

pub(super) async fn dead_mail(
    State(app): State<App>,
    browser: Browser,
    Query(q): Query<std::collections::BTreeMap<String, String>>,
) -> Response {
    let mut params = super::lists::asked(&q);
    let done = params.remove("fait").is_some();
    let page = match app.dead_mail_page(&browser.actor, &params).await {
        Ok(m) => m,
        Err(AppError::Refused(_)) => return forbidden(&browser),
        Err(e) => {
            return message(
                bar(&browser),
                StatusCode::SERVICE_UNAVAILABLE,
                "Courriels",
                &messages::describe(&app.workflow, &e).1,
            )
        }
    };
    let (next, first) = super::lists::pages("/admin/courriels", &params, &page);
    let data = MailPage {
        user: bar(&browser),
        csrf: browser.csrf.clone(),
        flash: if done { "Courriel remis en file d'envoi.".into() } else { String::new() },
        next,
        first,
        mails: page
            .items
            .into_iter()
            .map(|m| {
                (
                    m.id,
                    m.template,
                    m.recipient_email,
                    m.attempts,
                    m.last_error.unwrap_or_default(),
                    french_instant(&m.created_at),
                )
            })
            .collect(),
    };
    super::page(data, StatusCode::OK)
}

pub(super) async fn retry_mail(
    State(app): State<App>,
    browser: Browser,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if !same_token(&browser.csrf, &form.csrf) {
        return expired(&browser);
    }
    match app.retry_mail(&browser.actor, &id).await {
        Ok(()) => Redirect::to("/admin/courriels?fait=relance").into_response(),
        Err(AppError::Refused(_)) => forbidden(&browser),
        Err(e) => message(
            bar(&browser),
            StatusCode::NOT_FOUND,
            "Courriel introuvable",
            &messages::describe(&app.workflow, &e).1,
        ),
    }
}

#[derive(Template)]
#[template(path = "pages/admin_workflow.html")]
struct WorkflowPage {
    user: Option<UserBar>,
    title: String,
    /// (machine heading, SVG picture, transitions)
    machines: Vec<(String, String, Vec<TransitionRow>)>,
    /// What the workflow's retention erases when, one sentence per machine.
    retention: Vec<String>,
}

/// A calendar offset's length in French words (« 2 ans », « 1 mois »).
fn french_length(offset: crate::calendar::Offset) -> String {
    let (months, days) = (offset.months.abs(), offset.days.abs());
    let plural = |n: i32, one: &str, many: &str| format!("{n} {}", if n > 1 { many } else { one });
    let mut parts = Vec::new();
    match months {
        0 => {}
        m if m % 12 == 0 => parts.push(plural(m / 12, "an", "ans")),
        m => parts.push(format!("{m} mois")),
    }
    if days > 0 {
        parts.push(plural(days, "jour", "jours"));
    }
    parts.join(" et ")
}

/// (from, action, to, roles) in French.
type TransitionRow = (String, String, String, String);

pub(super) async fn workflow(State(app): State<App>, browser: Browser) -> Response {
    if !browser.actor.is_admin() {
        return forbidden(&browser);
    }
    let def = &app.workflow;
    let machines = [(Machine::Dossier, "Dossier de candidature"), (Machine::Label, "Label")]
        .into_iter()
        .map(|(m, heading)| {
            let machine = def.machine(m);
            let label_of = |state: &str| state_label(&app, m, state);
            let mut rows = Vec::new();
            for t in &machine.transitions {
                let event = machine.event(&t.event).map(|e| e.label.clone()).unwrap_or_else(|| t.event.clone());
                let roles = t.roles.iter().map(|r| app.workflows.role_label(r)).collect::<Vec<_>>().join(", ");
                for from in &t.from {
                    rows.push((label_of(from), event.clone(), label_of(t.target(from)), roles.clone()));
                }
            }
            (heading.to_string(), crate::workflow::graph::svg(machine, heading), rows)
        })
        .collect();
    let app = &app;
    let retention = def
        .retention
        .iter()
        .flat_map(|r| {
            [(Machine::Dossier, "Dossiers"), (Machine::Label, "Labels")].into_iter().filter_map(move |(m, what)| {
                let period = r.period(m)?;
                let states: Vec<String> = period.states.iter().map(|s| state_label(app, m, s)).collect();
                Some(format!(
                    "{what} {} : données personnelles effacées {} après, les propriétaires prévenus {} avant.",
                    states.join(", ").to_lowercase(),
                    french_length(period.after),
                    french_length(r.warn)
                ))
            })
        })
        .collect();
    page(
        WorkflowPage { user: bar(&browser), title: format!("{} (v{})", def.label, def.version), machines, retention },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "pages/admin_import.html")]
struct ImportPage {
    user: Option<UserBar>,
    csrf: String,
    /// What the last file gave: problems (line, column, reason) or changes.
    problems: Vec<(u64, String, String)>,
    /// (line, change, campus, fields)
    changes: Vec<(u64, String, String, String)>,
    written: bool,
    previewed: bool,
    file_name: String,
    /// The file's text, carried from the preview to the import.
    text: String,
    /// Per workflow: its id, label and the file's header it expects.
    workflows: Vec<(String, String, String)>,
    /// The workflow of the file sent.
    chosen: String,
}

fn import_workflows(app: &App) -> Vec<(String, String, String)> {
    app.workflows.iter().map(|d| (d.id.clone(), d.label.clone(), crate::app::import::columns(d).join(","))).collect()
}

pub(super) async fn import_page(State(app): State<App>, browser: Browser) -> Response {
    if !browser.actor.is_admin() {
        return forbidden(&browser);
    }
    let data = ImportPage {
        workflows: import_workflows(&app),
        chosen: app.workflows.primary().id.clone(),
        user: bar(&browser),
        csrf: browser.csrf.clone(),
        problems: vec![],
        changes: vec![],
        written: false,
        previewed: false,
        file_name: String::new(),
        text: String::new(),
    };
    page(data, StatusCode::OK)
}

/// A campus file sent from the page: previewed (nothing written) or
/// imported. The preview carries the file's text in the form, so what is
/// imported is exactly what was previewed.
pub(super) async fn import_campuses(
    State(app): State<App>,
    browser: Browser,
    mut form: axum::extract::Multipart,
) -> Response {
    let (mut csrf, mut action, mut text, mut file_name) = (String::new(), String::new(), String::new(), String::new());
    let mut workflow = String::new();
    let mut wrong_type = None;
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            file_name = field.file_name().unwrap_or_default().to_string();
            // Browsers on Windows announce a .csv file as Excel's type.
            let kind = field.content_type().unwrap_or_default().to_ascii_lowercase();
            if !file_name.is_empty() && !matches!(kind.as_str(), "text/csv" | "application/vnd.ms-excel") {
                wrong_type = Some(kind);
            }
        }
        let Ok(bytes) = field.bytes().await else { break };
        let value = String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "csrf" => csrf = value,
            "action" => action = value,
            "workflow" => workflow = value,
            "file" if !bytes.is_empty() => text = value,
            "text" if text.is_empty() => text = value,
            _ => {}
        }
    }
    if !same_token(&browser.csrf, &csrf) {
        return expired(&browser);
    }
    if let Some(kind) = wrong_type {
        let text = format!("Le fichier doit être un fichier CSV (type reçu : « {kind} »).");
        return message(bar(&browser), StatusCode::UNSUPPORTED_MEDIA_TYPE, "Import des labels", &text);
    }
    let dry_run = action != "importer";
    let report = match app.import_campuses(&browser.actor, Some(&workflow), &text, dry_run).await {
        Ok(r) => r,
        Err(AppError::Refused(crate::engine::Refusal::NotAllowed { .. })) => return forbidden(&browser),
        Err(e @ AppError::Refused(_)) => {
            let text = messages::describe(&app.workflow, &e).1;
            return message(bar(&browser), StatusCode::UNPROCESSABLE_ENTITY, "Import des labels", &text);
        }
        Err(e) => {
            return message(
                bar(&browser),
                StatusCode::SERVICE_UNAVAILABLE,
                "Import",
                &messages::describe(&app.workflow, &e).1,
            )
        }
    };
    let status = if report.problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let change_fr = |c: &str| match c {
        "create" => "création",
        "update" => "mise à jour",
        _ => "inchangé",
    };
    let chosen = if workflow.is_empty() { app.workflows.primary().id.clone() } else { workflow };
    let data = ImportPage {
        workflows: import_workflows(&app),
        chosen,
        user: bar(&browser),
        csrf: browser.csrf.clone(),
        problems: report
            .problems
            .iter()
            .map(|p| (p.line, p.column.clone(), messages::import_problem(&p.reason)))
            .collect(),
        changes: report
            .changes
            .iter()
            .map(|c| (c.line, change_fr(&c.change).to_string(), c.title.clone(), c.fields.join(", ")))
            .collect(),
        written: report.written,
        previewed: dry_run && report.problems.is_empty(),
        file_name,
        text: if report.written { String::new() } else { text },
    };
    page(data, status)
}

pub(super) async fn export_csv(State(app): State<App>, browser: Browser) -> Response {
    crate::web::export::labels(&app, &browser.actor, crate::app::export::Format::Csv)
}

pub(super) async fn export_json(State(app): State<App>, browser: Browser) -> Response {
    crate::web::export::labels(&app, &browser.actor, crate::app::export::Format::Json)
}
