//! The dashboard: what the person may see, at a glance.

use super::*;

pub(super) struct DossierRow {
    id: String,
    title: String,
    state: String,
    class: &'static str,
    category: String,
    /// The values of the list's fields, in words.
    fields: Vec<String>,
    updated: String,
}

pub(super) struct LabelRow {
    id: String,
    title: String,
    status: String,
    class: &'static str,
    category: String,
    /// The values of the forms' listed fields (the région…), in words.
    fields: Vec<String>,
    valid_from: String,
    valid_until: String,
}

pub(super) struct Bar {
    y: i64,
    x: i64,
    w: i64,
    window_x: i64,
    window_w: i64,
    name: String,
    tooltip: String,
    /// The label has ended (expired, withdrawn): drawn grey, said in words.
    ended: bool,
}

#[derive(Default)]
pub(super) struct Timeline {
    width: i64,
    height: i64,
    today_x: i64,
    ticks: Vec<(i64, i32)>,
    bars: Vec<Bar>,
}

/// One bar per label from its first to its last day, its renewal window
/// (the last 12 months) shaded, and today's line.
pub(super) fn timeline(
    labels: &[crate::store::views::LabelView],
    today: chrono::NaiveDate,
    ended: &dyn Fn(&crate::store::views::LabelView) -> Option<String>,
) -> Timeline {
    use chrono::{Datelike, NaiveDate};
    let parse = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let spans: Vec<(NaiveDate, NaiveDate, &crate::store::views::LabelView)> =
        labels.iter().filter_map(|l| Some((parse(&l.valid_from)?, parse(&l.valid_until)?, l))).collect();
    let (Some(first), Some(last)) = (spans.iter().map(|s| s.0).min(), spans.iter().map(|s| s.1).max()) else {
        return Timeline::default();
    };
    let start = NaiveDate::from_ymd_opt(first.year().min(today.year()), 1, 1).unwrap_or(first);
    let end = NaiveDate::from_ymd_opt(last.year().max(today.year()) + 1, 1, 1).unwrap_or(last);
    let (left, width) = (260i64, 1000i64);
    let days = (end - start).num_days().max(1);
    let x = |d: NaiveDate| left + (d - start).num_days() * (width - left - 10) / days;
    let ticks = (start.year()..=end.year()).filter_map(|y| Some((x(NaiveDate::from_ymd_opt(y, 1, 1)?), y))).collect();
    let bars = spans
        .iter()
        .enumerate()
        .map(|(i, (from, until, l))| {
            let window = crate::calendar::add_months(*until, -12).max(*from);
            let end = ended(l);
            let mut name: String = l.title.chars().take(32).collect();
            let mut tooltip = format!("{} : du {} au {}", l.title, from.format("%d/%m/%Y"), until.format("%d/%m/%Y"));
            if let Some(words) = &end {
                let short: String = l.title.chars().take(22).collect();
                let cut = if short.len() < l.title.len() { "…" } else { "" };
                name = format!("{short}{cut} ({})", words.to_lowercase());
                tooltip = format!("{tooltip} — {}", words.to_lowercase());
            }
            Bar {
                ended: end.is_some(),
                y: 28 + i as i64 * 30,
                x: x(*from),
                w: (x(*until) - x(*from)).max(2),
                window_x: x(window),
                window_w: (x(*until) - x(window)).max(1),
                name,
                tooltip,
            }
        })
        .collect::<Vec<_>>();
    Timeline { width, height: 40 + bars.len() as i64 * 30, today_x: x(today), ticks, bars }
}

#[derive(Template)]
#[template(path = "pages/dashboard.html")]
pub(super) struct DashboardPage {
    user: Option<UserBar>,
    timeline: Timeline,
    charts: Vec<Chart>,
    /// The charts count the labels that ended too.
    all_labels: bool,
    can_create: bool,
    label_counts: Vec<(String, i64)>,
    /// All the labels and dossiers the person sees; the tables show some.
    label_count: i64,
    dossier_count: i64,
    dossiers: Vec<DossierRow>,
    /// The headers of the dossiers' own fields.
    dossier_fields: Vec<String>,
    labels: Vec<LabelRow>,
    /// (date, link, title, what)
    deadlines: Vec<(String, String, String, String)>,
    /// More fall due in the 90 days than the table shows.
    more_deadlines: bool,
    /// A reviewer's reviews: (link, title, state, due, submitted)
    assignments: Vec<(String, String, String, String, bool)>,
    /// Late items in the staff scope: (since, link, title, what)
    overdue: Vec<(String, String, String, String)>,
    overdue_count: usize,
    sees_overdue: bool,
    /// The yearly lists the labels publish: (link, title).
    publications: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub(super) struct DashboardQuery {
    /// `tous`: the charts count the labels that ended too.
    labels: Option<String>,
}

/// The words of a label's state when it has ended (a terminal state of its
/// workflow: expired, withdrawn), else None.
fn ended_words(app: &App, l: &crate::store::views::LabelView) -> Option<String> {
    let def = app.workflows.get(&l.workflow)?;
    def.machine(Machine::Label).state(&l.status).filter(|s| s.terminal).map(|s| s.label.clone())
}

/// Rows the dashboard shows of each list; the whole lists are a link away
/// (`/dossiers`, `/labels`, the API), so a national dashboard costs about
/// what a school's does.
const DOSSIER_ROWS: i64 = 20;
const LABEL_ROWS: i64 = 30;
const DEADLINE_ROWS: i64 = 30;
const OVERDUE_ROWS: usize = 30;

/// What the dashboard reads: counts, and each list cut to what it shows
/// (the deadlines one more, to tell whether there are more).
struct Loaded {
    dossier_count: i64,
    label_count: i64,
    dossiers: Vec<crate::store::views::DossierSummary>,
    tally: Vec<crate::store::tallies::Tally>,
    labels: Vec<crate::store::views::LabelView>,
    deadlines: Vec<crate::store::timers::Deadline>,
    assignments: Vec<crate::store::worklists::Assignment>,
    overdue: crate::app::worklists::Overdue,
}

async fn load(app: &App, actor: &crate::engine::Actor, chart_fields: &[&str]) -> Result<Loaded, AppError> {
    let dossier_count = app.dossier_count(actor).await?;
    let filter = crate::store::dossiers::DossierFilter { limit: Some(DOSSIER_ROWS), ..Default::default() };
    let dossiers = app.list_dossiers(actor, &filter).await?.into_iter().map(|l| l.item).collect();
    let tally = app.label_tally(actor, chart_fields).await?;
    let label_count: i64 = tally.iter().map(|t| t.count).sum();
    // A few labels are all drawn; many, from those that ended within the
    // year (still worth a look) to the first ones to end after them.
    let labels = if label_count <= LABEL_ROWS {
        app.labels(actor, &Default::default()).await?
    } else {
        let today = crate::calendar::paris_date(app.clock.now());
        app.labels_ending_from(actor, crate::calendar::add_months(today, -12), LABEL_ROWS).await?
    };
    Ok(Loaded {
        dossier_count,
        label_count,
        dossiers,
        tally,
        labels,
        deadlines: app.first_deadlines(actor, 90, Some(DEADLINE_ROWS + 1)).await?,
        assignments: app.assignments(actor).await?,
        overdue: app.overdue(actor).await?,
    })
}

pub(super) async fn dashboard(State(app): State<App>, browser: Browser, Query(q): Query<DashboardQuery>) -> Response {
    let actor = &browser.actor;
    let chart_fields = app.workflows.form_fields(|f| f.indexed && f.kind == crate::workflow::FormType::Choice);
    let names: Vec<&str> = chart_fields.iter().map(|f| f.name.as_str()).collect();
    let loaded = match load(&app, actor, &names).await {
        Ok(v) => v,
        Err(e) => {
            return message(
                bar(&browser),
                StatusCode::SERVICE_UNAVAILABLE,
                "Tableau de bord indisponible",
                &messages::describe(&app.workflow, &e).1,
            )
        }
    };
    let Loaded { dossier_count, label_count, dossiers, tally, labels, mut deadlines, assignments, overdue } = loaded;
    let all_labels = q.labels.as_deref() == Some("tous");
    // Labels of every workflow, a state counted once under the wording of
    // the first workflow that has it.
    let mut label_counts = Vec::new();
    let mut counted: Vec<&str> = Vec::new();
    for s in app.workflows.iter().flat_map(|w| &w.label_machine.states) {
        if counted.contains(&s.name.as_str()) {
            continue;
        }
        counted.push(&s.name);
        let n: i64 = tally.iter().filter(|t| t.state == s.name).map(|t| t.count).sum();
        if n > 0 {
            label_counts.push((format!("Labels au statut « {} »", s.label), n));
        }
    }
    let mut late: Vec<(String, (String, String, String, String))> = Vec::new();
    for r in overdue.reviews {
        let what = match r.reviewer.as_deref() {
            Some(name) => format!("Expertise de {name} attendue"),
            None => "Expertise attendue (expert non communiqué avant la décision)".to_string(),
        };
        let row = (french_instant(&r.due_at), format!("/dossiers/{}", r.dossier_id), r.title, what);
        late.push((r.due_at, row));
    }
    for c in overdue.completions {
        let what = "Compléments attendus".to_string();
        let row = (french_instant(&c.due_at), format!("/dossiers/{}", c.dossier_id), c.title, what);
        late.push((c.due_at, row));
    }
    for r in overdue.reports {
        let what = format!("Rapport d'activité {} non déposé", r.year);
        let row = (r.due_on.format("%d/%m/%Y").to_string(), format!("/labels/{}", r.label_id), r.title, what);
        late.push((r.due_on.format("%Y-%m-%d").to_string(), row));
    }
    // The longest overdue first (RFC 3339 instants and ISO dates sort as text).
    late.sort_by(|a, b| a.0.cmp(&b.0));
    let overdue_count = late.len();
    // Counting every deadline of the country would cost what the page saves.
    let more_deadlines = deadlines.len() as i64 > DEADLINE_ROWS;
    deadlines.truncate(DEADLINE_ROWS as usize);
    let sees_overdue = crate::app::access::follows_up(&*app.workflows, actor);
    let list_fields = app.workflows.list_fields();
    let page_data = DashboardPage {
        assignments: assignments
            .into_iter()
            .map(|a| {
                (
                    format!("/dossiers/{}", a.dossier_id),
                    a.title,
                    state_label(&app, Machine::Dossier, &a.state),
                    french_instant(&a.due_at),
                    a.submitted,
                )
            })
            .collect(),
        overdue: late.into_iter().take(OVERDUE_ROWS).map(|(_, row)| row).collect(),
        overdue_count,
        sees_overdue,
        publications: if sees_overdue {
            app.workflows
                .iter()
                .filter_map(|d| Some((format!("/publication/{}", d.id), d.publication.as_ref()?.label.clone())))
                .collect()
        } else {
            Vec::new()
        },
        user: bar(&browser),
        timeline: timeline(&labels, crate::calendar::paris_date(app.clock.now()), &|l| ended_words(&app, l)),
        charts: charts(&app.workflows, &chart_fields, &tally, all_labels),
        label_count,
        dossier_count,
        more_deadlines,
        all_labels,
        can_create: actor.has_kind(&*app.workflows, RoleKind::Owner),
        label_counts,
        dossier_fields: list_fields.iter().map(|f| f.label.clone()).collect(),
        dossiers: dossiers
            .into_iter()
            .map(|d| DossierRow {
                state: state_label_in(&app, &d.workflow, Machine::Dossier, &d.state),
                class: badge_class(&app, &d.workflow, Machine::Dossier, &d.state),
                category: app.workflow.choice_label("category", &d.category),
                fields: list_fields
                    .iter()
                    .map(|f| {
                        d.fields.get(&f.name).filter(|v| !v.is_empty()).map(|v| f.choice_label(v)).unwrap_or_default()
                    })
                    .collect(),
                updated: french_instant(&d.updated_at),
                id: d.id,
                title: d.title,
            })
            .collect(),
        labels: labels
            .into_iter()
            .map(|l| LabelRow {
                status: state_label_in(&app, &l.workflow, Machine::Label, &l.status),
                class: badge_class(&app, &l.workflow, Machine::Label, &l.status),
                category: app.workflow.choice_label("category", &l.category),
                fields: list_fields
                    .iter()
                    .map(|f| {
                        l.form.get(&f.name).and_then(|v| v.as_str()).map(|v| f.choice_label(v)).unwrap_or_default()
                    })
                    .collect(),
                valid_from: french_date(&l.valid_from),
                valid_until: french_date(&l.valid_until),
                id: l.id,
                title: l.title,
            })
            .collect(),
        deadlines: deadlines
            .into_iter()
            .map(|d| {
                let what = app
                    .workflow
                    .machine(Machine::parse(&d.entity).unwrap_or(Machine::Dossier))
                    .event(&d.event)
                    .map(|e| e.label.clone())
                    .unwrap_or(d.event);
                (french_instant(&d.due_at), format!("/{}s/{}", d.entity, d.entity_id), d.title, what)
            })
            .collect(),
    };
    page(page_data, StatusCode::OK)
}

/// A bar chart: its title and, per bar, (label, count, bar width).
pub(super) type Chart = (String, Vec<(String, i64, i64)>);

/// Labels counted by each indexed single-choice field of the forms (the
/// shipped files: one chart each), as bar lengths out of 360: `tally`
/// holds the counts by workflow, state and the fields' values, in the
/// order of `fields`. Labels that ended count only when `all` is asked.
pub(super) fn charts(
    workflows: &crate::workflow::Workflows,
    fields: &[&crate::workflow::FormField],
    tally: &[crate::store::tallies::Tally],
    all: bool,
) -> Vec<Chart> {
    let ended = |t: &crate::store::tallies::Tally| {
        workflows
            .get(&t.workflow)
            .and_then(|d| d.machine(Machine::Label).state(&t.state).map(|s| s.terminal))
            .unwrap_or(false)
    };
    let counted: Vec<&crate::store::tallies::Tally> = tally.iter().filter(|t| all || !ended(t)).collect();
    fields
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let mut counts: std::collections::BTreeMap<String, i64> = Default::default();
            for t in &counted {
                match t.values.get(i) {
                    Some(code) if !code.is_empty() => *counts.entry(f.choice_label(code)).or_default() += t.count,
                    _ => {}
                }
            }
            let max = counts.values().copied().max()?;
            let bars = counts.into_iter().map(|(k, n)| (k, n, (n * 360) / max)).collect();
            let which = if all { "Labels, échus et retirés compris," } else { "Labels en vigueur" };
            Some((format!("{which} par {}", f.label.to_lowercase()), bars))
        })
        .collect()
}
