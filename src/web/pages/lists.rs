//! Every dossier and every label one may see, a page at a time: a search
//! box, filters, sortable columns, as the API lists them.

use super::*;
use crate::app::listing::Page;
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "pages/list.html")]
struct ListPage {
    user: Option<UserBar>,
    heading: String,
    path: String,
    q: String,
    filters: Vec<Filter>,
    /// (words, link sorting by the column or empty, aria-sort value)
    headers: Vec<(String, String, String)>,
    rows: Vec<Row>,
    /// The next page's address, if another follows.
    next: Option<String>,
    /// The first page's, when this is a later one.
    first: Option<String>,
    error: String,
}

struct Filter {
    name: String,
    label: String,
    options: Vec<(String, String)>,
    value: String,
}

struct Row {
    link: String,
    title: String,
    /// The label it is for (its workflow's name).
    workflow: String,
    /// The state in words, and its badge's look (an end is told apart by
    /// colour and by its words).
    badge: String,
    class: &'static str,
    cells: Vec<String>,
}

/// The query a page was asked with, empty values left out.
pub(super) fn asked(query: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    query.iter().filter(|(_, v)| !v.trim().is_empty()).map(|(k, v)| (k.clone(), v.clone())).collect()
}

pub(super) fn link(path: &str, params: &BTreeMap<String, String>) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(params.iter()).finish();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// A filter per scope kind of the workflows' forms, its list's items.
fn scope_filters(app: &App, params: &BTreeMap<String, String>) -> Vec<Filter> {
    let mut kinds: Vec<&str> =
        app.workflows.iter().flat_map(|w| w.form.scope_fields().map(|(k, _)| k).collect::<Vec<_>>()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
        .into_iter()
        .filter_map(|kind| {
            let field = app.workflows.scope_field(kind)?;
            let list = field.list.clone()?;
            Some(Filter {
                name: kind.to_string(),
                label: field.label.clone(),
                options: reference::items(&list).iter().map(|e| (e.code.clone(), e.label.clone())).collect(),
                value: params.get(kind).cloned().unwrap_or_default(),
            })
        })
        .collect()
}

/// The headers, each sortable one a link to the same list sorted by it.
fn headers(
    path: &str,
    params: &BTreeMap<String, String>,
    columns: &[(&str, Option<&str>)],
    default: &str,
) -> Vec<(String, String, String)> {
    let current = params.get("sort").map(String::as_str).unwrap_or(default);
    columns
        .iter()
        .map(|(words, sort)| match sort {
            Some(sort) => {
                let mut p = params.clone();
                p.remove("cursor");
                p.insert("sort".into(), sort.to_string());
                let mark = if *sort == current { "ascending" } else { "" };
                (words.to_string(), link(path, &p), mark.to_string())
            }
            None => (words.to_string(), String::new(), String::new()),
        })
        .collect()
}

pub(super) fn pages<T>(
    path: &str,
    params: &BTreeMap<String, String>,
    page: &Page<T>,
) -> (Option<String>, Option<String>) {
    let next = page.next.as_ref().map(|c| {
        let mut p = params.clone();
        p.insert("cursor".into(), c.clone());
        link(path, &p)
    });
    let first = params.contains_key("cursor").then(|| {
        let mut p = params.clone();
        p.remove("cursor");
        link(path, &p)
    });
    (next, first)
}

fn state_options(app: &App, machine: Machine) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for s in app.workflows.iter().flat_map(|w| &w.machine(machine).states) {
        if !out.iter().any(|(code, _)| code == &s.name) {
            out.push((s.name.clone(), s.label.clone()));
        }
    }
    out
}

/// What went wrong with the query, in words, beside an empty list.
fn refused(app: &App, e: &AppError) -> String {
    match e {
        AppError::Refused(crate::engine::Refusal::InvalidInput { field, reason }) => match field.as_str() {
            "limit" => format!("Le nombre de résultats par page va de 1 à {}.", crate::app::listing::MAX_LIMIT),
            "sort" => "Cette liste ne se trie pas ainsi.".into(),
            "cursor" => "Cette page de la liste n'existe pas : reprenez depuis la première.".into(),
            _ if reason.starts_with("is not a filter") => {
                format!("Le critère « {field} » n'existe pas pour cette liste.")
            }
            _ => messages::describe(&app.workflow, e).1,
        },
        _ => messages::describe(&app.workflow, e).1,
    }
}

pub(super) async fn dossiers(
    State(app): State<App>,
    browser: Browser,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let params = asked(&query);
    let path = "/dossiers";
    let (page, error) = match app.dossier_page(&browser.actor, &params).await {
        Ok(p) => (p, String::new()),
        Err(e) => (Page { items: Vec::new(), next: None }, refused(&app, &e)),
    };
    let list_fields = app.workflows.list_fields();
    let mut columns: Vec<(&str, Option<&str>)> = vec![("Intitulé", Some("title")), ("Label", None), ("État", None)];
    columns.extend(list_fields.iter().filter(|f| f.scope.is_none()).map(|f| (f.label.as_str(), None)));
    columns.push(("Mis à jour", Some("updated")));
    let rows = page
        .items
        .iter()
        .map(|d| {
            let def = app.workflows.get(&d.workflow);
            let mut cells: Vec<String> = Vec::new();
            cells.extend(list_fields.iter().filter(|f| f.scope.is_none()).map(|f| {
                let code = d.fields.get(&f.name).cloned().unwrap_or_default();
                if code.is_empty() {
                    code
                } else {
                    f.choice_label(&code)
                }
            }));
            cells.push(french_instant(&d.updated_at));
            Row {
                link: format!("/dossiers/{}", d.id),
                title: d.title.clone(),
                workflow: def.map(|w| w.label.clone()).unwrap_or_default(),
                badge: state_label_in(&app, &d.workflow, Machine::Dossier, &d.state),
                class: badge_class(&app, &d.workflow, Machine::Dossier, &d.state),
                cells,
            }
        })
        .collect();
    let spec = ListSpec {
        columns: &columns,
        path,
        heading: "Dossiers",
        machine: Machine::Dossier,
        state_key: "state",
        default_sort: "updated",
    };
    render(&app, &browser, &params, &spec, rows, &page, error)
}

/// What tells the two lists apart.
struct ListSpec<'a> {
    columns: &'a [(&'a str, Option<&'a str>)],
    path: &'static str,
    heading: &'static str,
    machine: Machine,
    /// The parameter filtering by state (`state`, `status`).
    state_key: &'static str,
    default_sort: &'static str,
}

/// A list's page: its search form and filters kept, its rows, its pages.
fn render<T>(
    app: &App,
    browser: &Browser,
    params: &BTreeMap<String, String>,
    spec: &ListSpec,
    rows: Vec<Row>,
    page: &Page<T>,
    error: String,
) -> Response {
    let state_label = if spec.machine == Machine::Dossier { "État" } else { "Statut" };
    let mut filters = vec![Filter {
        name: spec.state_key.into(),
        label: state_label.into(),
        options: state_options(app, spec.machine),
        value: params.get(spec.state_key).cloned().unwrap_or_default(),
    }];
    filters.extend(scope_filters(app, params));
    let (next, first) = pages(spec.path, params, page);
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let data = ListPage {
        user: bar(browser),
        heading: spec.heading.into(),
        path: spec.path.into(),
        q: params.get("q").cloned().unwrap_or_default(),
        headers: headers(spec.path, params, spec.columns, spec.default_sort),
        filters,
        rows,
        next,
        first,
        error,
    };
    super::page(data, status)
}

pub(super) async fn labels(
    State(app): State<App>,
    browser: Browser,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let params = asked(&query);
    let path = "/labels";
    let (page, error) = match app.label_page(&browser.actor, &params).await {
        Ok(p) => (p, String::new()),
        Err(e) => (Page { items: Vec::new(), next: None }, refused(&app, &e)),
    };
    let columns: Vec<(&str, Option<&str>)> = vec![
        ("Intitulé", Some("title")),
        ("Label", None),
        ("Statut", None),
        ("Catégorie", None),
        ("Territoire", None),
        ("Du", None),
        ("Au", Some("valid_until")),
    ];
    let rows = page
        .items
        .iter()
        .map(|l| {
            let def = app.workflows.at(&l.workflow, l.workflow_version.as_deref());
            // The territory in words: the first scope field the form fills.
            let territory = def
                .and_then(|w| {
                    w.form.scope_fields().find_map(|(_, f)| {
                        let v = l.form.get(&f.name)?;
                        let codes: Vec<&str> = match v {
                            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                            other => other.as_str().into_iter().collect(),
                        };
                        Some(codes.iter().map(|c| f.choice_label(c)).collect::<Vec<_>>().join(", "))
                    })
                })
                .unwrap_or_default();
            Row {
                link: format!("/labels/{}", l.id),
                title: l.title.clone(),
                workflow: def.map(|w| w.label.clone()).unwrap_or_default(),
                badge: state_label_in(&app, &l.workflow, Machine::Label, &l.status),
                class: badge_class(&app, &l.workflow, Machine::Label, &l.status),
                cells: vec![
                    def.map(|w| w.choice_label("category", &l.category)).unwrap_or_else(|| l.category.clone()),
                    territory,
                    french_date(&l.valid_from),
                    french_date(&l.valid_until),
                ],
            }
        })
        .collect();
    let spec = ListSpec {
        columns: &columns,
        path,
        heading: "Labels",
        machine: Machine::Label,
        state_key: "status",
        default_sort: "valid_until",
    };
    render(&app, &browser, &params, &spec, rows, &page, error)
}
