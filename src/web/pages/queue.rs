//! The dossiers awaiting a decision, for those who decide on them: how
//! each stands against the grid's bars, sortable by any column.

use super::*;
use crate::app::worklists::AwaitingDecision;

#[derive(Template)]
#[template(path = "pages/queue.html")]
struct QueuePage {
    user: Option<UserBar>,
    /// (column key, header, link sorting by it, current sort mark)
    headers: Vec<(String, String, String, String)>,
    rows: Vec<QueueRow>,
}

struct QueueRow {
    link: String,
    title: String,
    label: String,
    state: String,
    category: String,
    reviews: String,
    mean: String,
    /// Per worded bar: « n / N ».
    bars: Vec<String>,
}

#[derive(Deserialize)]
pub(super) struct QueueQuery {
    tri: Option<String>,
    ordre: Option<String>,
}

/// The columns one may sort by, with their headers.
const SORTS: &[(&str, &str)] = &[
    ("titre", "Dossier"),
    ("label", "Label"),
    ("etat", "État"),
    ("mention", "Mention demandée"),
    ("expertises", "Expertises rendues"),
    ("moyenne", "Moyenne des critères"),
];

pub(super) async fn queue(State(app): State<App>, browser: Browser, Query(q): Query<QueueQuery>) -> Response {
    if !crate::app::access::follows_up(&*app.workflows, &browser.actor) {
        return forbidden(&browser);
    }
    let mut items = match app.awaiting_decision(&browser.actor).await {
        Ok(items) => items,
        Err(e) => {
            return message(
                bar(&browser),
                StatusCode::SERVICE_UNAVAILABLE,
                "Dossiers à décider",
                &messages::describe(&app.workflow, &e).1,
            )
        }
    };
    let sort = q.tri.as_deref().filter(|t| SORTS.iter().any(|(k, _)| k == t)).unwrap_or("maj");
    let descending = q.ordre.as_deref() == Some("desc");
    let label_of = |i: &AwaitingDecision| app.workflows.get(&i.workflow).map(|d| d.label.clone()).unwrap_or_default();
    let key = |i: &AwaitingDecision| -> (String, i64) {
        match sort {
            "titre" => (i.title.to_lowercase(), 0),
            "label" => (label_of(i), 0),
            "etat" => (i.state.clone(), 0),
            "mention" => (i.category.clone(), 0),
            "expertises" => (String::new(), i.reviews_submitted as i64),
            // Hundredths keep the order of the means; none sorts first.
            "moyenne" => (String::new(), i.mean.map_or(-1, |m| (m * 100.0).round() as i64)),
            _ => (i.updated_at.clone(), 0),
        }
    };
    items.sort_by_cached_key(|i| key(i));
    if descending {
        items.reverse();
    }
    // The bars of the first workflow listed name the columns; a workflow
    // without words for them shows none.
    let bar_words: Vec<String> = items
        .first()
        .and_then(|i| app.workflows.get(&i.workflow))
        .map(|d| d.grid.worded_bars().into_iter().map(|(_, w)| w.to_string()).collect())
        .unwrap_or_default();
    let rows = items
        .iter()
        .map(|i| {
            let def = app.workflows.get(&i.workflow);
            let worded: Vec<&str> =
                def.map(|d| d.grid.worded_bars().into_iter().map(|(b, _)| b).collect()).unwrap_or_default();
            QueueRow {
                link: format!("/dossiers/{}", i.dossier_id),
                title: i.title.clone(),
                label: label_of(i),
                state: state_label_in(&app, &i.workflow, Machine::Dossier, &i.state),
                category: def.map(|d| d.choice_label("category", &i.category)).unwrap_or_default(),
                reviews: format!("{} / {}", i.reviews_submitted, i.reviews_assigned),
                mean: i.mean.map(|m| format!("{m:.2}").replace('.', ",")).unwrap_or_else(|| "—".into()),
                bars: i
                    .bars_met
                    .iter()
                    .filter(|(bar, _)| worded.contains(&bar.as_str()))
                    .map(|(_, met)| format!("{met} / {}", i.criteria))
                    .collect(),
            }
        })
        .collect();
    let headers = SORTS
        .iter()
        .map(|(k, words)| {
            let here = *k == sort;
            let order = if here && !descending { "desc" } else { "asc" };
            let mark = match (here, descending) {
                (true, false) => "ascending",
                (true, true) => "descending",
                _ => "",
            };
            (k.to_string(), words.to_string(), format!("/a-decider?tri={k}&ordre={order}"), mark.to_string())
        })
        .chain(
            bar_words
                .into_iter()
                .map(|w| (String::new(), format!("Critères au {}", w.to_lowercase()), String::new(), String::new())),
        )
        .collect();
    page(QueuePage { user: bar(&browser), headers, rows }, StatusCode::OK)
}
