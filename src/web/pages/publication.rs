//! The yearly list of a label's holders, section by section, as its
//! bulletin publishes it, for those who follow dossiers up.

use super::*;
use crate::app::export::Format;

#[derive(Template)]
#[template(path = "pages/publication.html")]
struct PublicationPage {
    user: Option<UserBar>,
    workflow: String,
    title: String,
    year: i32,
    /// The headers of the list's own columns.
    headers: Vec<String>,
    /// (section title, its rows)
    sections: Vec<(String, Vec<Row>)>,
}

/// One label of the list: (link, name, the columns' cells, validity).
type Row = (String, String, Vec<String>, String);

#[derive(Deserialize)]
pub(super) struct PublicationQuery {
    annee: Option<String>,
    format: Option<String>,
}

pub(super) async fn publication(
    State(app): State<App>,
    browser: Browser,
    Path(workflow): Path<String>,
    Query(q): Query<PublicationQuery>,
) -> Response {
    if !crate::app::access::follows_up(&*app.workflows, &browser.actor) {
        return forbidden(&browser);
    }
    let Some(def) = app.workflows.get(&workflow).filter(|d| d.publication.is_some()).cloned() else {
        return message(
            bar(&browser),
            StatusCode::NOT_FOUND,
            "Liste introuvable",
            "Ce label ne publie pas de liste annuelle.",
        );
    };
    let this_year = chrono::Datelike::year(&crate::calendar::paris_date(app.clock.now()));
    let year = match q.annee.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        None => this_year,
        Some(text) => match text.parse::<i32>() {
            Ok(y) if (1000..=9998).contains(&y) => y,
            _ => {
                return message(
                    bar(&browser),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Année invalide",
                    "L'année doit s'écrire en quatre chiffres, par exemple 2026.",
                )
            }
        },
    };
    let list = match app.publication(&browser.actor, &def.id, year).await {
        Ok(list) => list,
        Err(e) => {
            return message(
                bar(&browser),
                StatusCode::SERVICE_UNAVAILABLE,
                "Liste annuelle",
                &messages::describe(&app.workflow, &e).1,
            )
        }
    };
    if q.format.as_deref() == Some("csv") {
        return (
            [
                (header::CONTENT_TYPE, Format::Csv.content_type().to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}-{year}.csv\"", def.id)),
            ],
            list.to_csv(),
        )
            .into_response();
    }
    let columns: Vec<&crate::workflow::FormField> =
        def.publication.iter().flat_map(|p| &p.columns).filter_map(|c| def.form.field(c)).collect();
    let headers = columns.iter().map(|f| f.label.clone()).collect();
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
    let sections = list
        .sections
        .iter()
        .map(|s| {
            let rows = s
                .labels
                .iter()
                .map(|r| {
                    let get = |k: &str| r.0.iter().find(|(n, _)| n == k).map(|(_, v)| v);
                    // A choice reads in words, anything else as given.
                    let cells = columns
                        .iter()
                        .map(|f| text(get(&format!("{}_label", f.name)).or_else(|| get(&f.name))))
                        .collect();
                    let validity = format!(
                        "du {} au {}",
                        french_date(&text(get("valid_from"))),
                        french_date(&text(get("valid_until")))
                    );
                    (format!("/labels/{}", text(get("id"))), text(get("title")), cells, validity)
                })
                .collect();
            (s.label.clone(), rows)
        })
        .collect();
    let data =
        PublicationPage { user: bar(&browser), workflow: def.id.clone(), title: list.title, year, headers, sections };
    page(data, StatusCode::OK)
}
