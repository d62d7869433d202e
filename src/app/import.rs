//! Labels granted before labelflow, brought in from the campus CSV of the
//! API contract: every row checked first, then all written in one
//! transaction or nothing; the same file again changes nothing.

use super::{App, AppError};
use crate::engine::{self, Actor, Facts, LabelFacts, Refusal, TimerOp};
use crate::reference::{self, fold};
use crate::store::imports::{ImportOp, LabelRecord};
use crate::workflow::{Definition, Machine};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// Columns the file must have, in any order (others are ignored, so an
/// export can be imported again).
pub const COLUMNS: &[&str] =
    &["title", "filiere", "region", "academies", "support_establishment", "category", "valid_from", "valid_until"];

/// A row that cannot be imported: where and why.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RowProblem {
    pub line: u64,
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "line {}: {}", self.line, self.reason)
        } else {
            write!(f, "line {}, column {}: {}", self.line, self.column, self.reason)
        }
    }
}

/// A valid row, with its values as codes.
#[derive(Debug, Clone, PartialEq)]
pub struct CampusRow {
    pub line: u64,
    pub key: String,
    pub record: LabelRecord,
}

/// What importing a row does.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RowChange {
    pub line: u64,
    pub title: String,
    /// `create`, `update` or `unchanged`.
    pub change: String,
    /// The columns an update changes.
    pub fields: Vec<String>,
    pub label_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Nothing is written when there is any.
    pub problems: Vec<RowProblem>,
    pub changes: Vec<RowChange>,
    /// False for a dry run or a file with problems.
    pub written: bool,
}

fn date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .ok()
        .filter(|d| crate::calendar::plausible(*d))
}

/// Reads and checks the whole file; every problem is reported, by line.
pub fn parse_campuses(text: &str) -> Result<Vec<CampusRow>, Vec<RowProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Only spaces are trimmed: a leading TAB or CR is refused, not removed
    // (removing it would turn `\t=1+1` into a formula).
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let problem = |line: u64, column: &str, reason: String| RowProblem { line, column: column.into(), reason };
    let headers = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_lowercase()).collect::<Vec<_>>(),
        Err(e) => return Err(vec![problem(1, "", format!("unreadable header: {e}"))]),
    };
    let missing: Vec<RowProblem> = COLUMNS
        .iter()
        .filter(|c| !headers.iter().any(|h| h == *c))
        .map(|c| problem(1, c, "missing from the header".into()))
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let index = |name: &str| headers.iter().position(|h| h == name).expect("checked above");
    let mut rows: Vec<CampusRow> = Vec::new();
    let mut problems = Vec::new();
    for result in reader.records() {
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                problems.push(problem(line, "", format!("unreadable row: {e}")));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(str::is_empty) {
            continue;
        }
        let get = |name: &str| record.get(index(name)).unwrap_or("").trim_matches(' ').to_string();
        let before = problems.len();
        let mut text_line = |name: &str| {
            let v = get(name);
            match super::dossiers::one_line(&v, true) {
                Ok(v) => v,
                Err(reason) => {
                    problems.push(problem(line, name, reason));
                    String::new()
                }
            }
        };
        let title = text_line("title");
        let support_establishment = text_line("support_establishment");
        let mut need = |name: &str| {
            let v = get(name);
            if v.is_empty() {
                problems.push(problem(line, name, "is required".into()));
            }
            v
        };

        let (filiere_text, region_text, category_text) = (need("filiere"), need("region"), need("category"));
        let (from_text, until_text, academies_text) = (need("valid_from"), need("valid_until"), need("academies"));
        let filiere = reference::filiere(&filiere_text).map(|f| f.code.to_string());
        if filiere.is_none() && !filiere_text.is_empty() {
            problems.push(problem(line, "filiere", format!("unknown filière `{filiere_text}`")));
        }
        let region = reference::region(&region_text).map(|r| r.code.to_string());
        if region.is_none() && !region_text.is_empty() {
            problems.push(problem(line, "region", format!("unknown région `{region_text}`")));
        }
        let mut academies = Vec::new();
        for a in academies_text.split('|').map(str::trim).filter(|a| !a.is_empty()) {
            match reference::academie(a) {
                None => problems.push(problem(line, "academies", format!("unknown académie `{a}`"))),
                Some(x) if region.as_deref().is_some_and(|r| r != x.parent()) => problems.push(problem(
                    line,
                    "academies",
                    format!("académie `{a}` is not in the région `{region_text}`"),
                )),
                Some(x) if !academies.contains(&x.code.to_string()) => academies.push(x.code.to_string()),
                Some(_) => {}
            }
        }
        academies.sort();
        let category = match fold(&category_text).as_str() {
            "standard" => Some("standard"),
            "excellence" => Some("excellence"),
            _ => None,
        };
        if category.is_none() && !category_text.is_empty() {
            problems.push(problem(line, "category", format!("`{category_text}` is neither standard nor excellence")));
        }
        let (from, until) = (date(&from_text), date(&until_text));
        for (column, text, value) in [("valid_from", &from_text, from), ("valid_until", &until_text, until)] {
            if value.is_none() && !text.is_empty() {
                problems.push(problem(
                    line,
                    column,
                    format!("`{text}` is not a date (YYYY-MM-DD or DD/MM/YYYY) of a year from 1000 to 9999"),
                ));
            }
        }
        if let (Some(f), Some(u)) = (from, until) {
            if u <= f {
                problems.push(problem(line, "valid_until", "must be after valid_from".into()));
            }
        }
        if problems.len() > before {
            continue;
        }
        let (Some(filiere), Some(region), Some(category), Some(from), Some(until)) =
            (filiere, region, category, from, until)
        else {
            continue;
        };
        let key = format!("{}|{region}", fold(&title));
        if let Some(first) = rows.iter().find(|r| r.key == key) {
            problems.push(problem(line, "title", format!("the same campus as line {}", first.line)));
            continue;
        }
        let record = LabelRecord {
            title,
            category: category.to_string(),
            filiere,
            region,
            academies,
            support_establishment,
            valid_from: from,
            valid_until: until,
        };
        rows.push(CampusRow { line, key, record });
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Where a label with these dates stands now had labelflow known it from
/// its first day: the state its own timers would have taken it to, and
/// its deadlines still to come. An import announces nothing by e-mail: what
/// those steps notified is history.
fn placed(def: &Definition, record: &LabelRecord, now: DateTime<Utc>) -> (String, engine::Effects) {
    let facts = Facts::Label(LabelFacts {
        dossier_id: None,
        owners: vec![],
        scopes: record
            .academies
            .iter()
            .map(|a| engine::Scope::new("academie", a))
            .chain([engine::Scope::new("region", &record.region)])
            .collect(),
        valid_from: record.valid_from,
        valid_until: record.valid_until,
        has_labelled_renewal: false,
        reports: vec![],
    });
    let machine = &def.label_machine;
    let label = engine::Instance {
        machine: Machine::Label,
        id: uuid::Uuid::nil(),
        state: machine.initial.clone(),
        version: 1,
        facts,
        pending_timers: vec![],
        workflow: def.id.clone(),
        workflow_version: None,
    };
    let created = crate::calendar::paris_instant(record.valid_from, chrono::NaiveTime::MIN);
    let (label, timers) = engine::catch_up(def, label, created.min(now), now);
    (label.state, engine::Effects { messages: vec![], timers })
}

impl App {
    /// Checks a campus file and, unless `dry_run` or a row is wrong, writes
    /// every change in one transaction.
    pub async fn import_campuses(&self, actor: &Actor, text: &str, dry_run: bool) -> Result<ImportReport, AppError> {
        if !actor.is_admin() && !actor.is_system() {
            return Err(Refusal::NotAllowed { reason: "only an administrator imports campuses".into() }.into());
        }
        let rows = match parse_campuses(text) {
            Ok(rows) => rows,
            Err(problems) => return Ok(ImportReport { problems, ..Default::default() }),
        };
        let now = self.clock.now();
        let existing = self.store.imported_labels().await?;
        let mut ops = Vec::new();
        let mut changes = Vec::new();
        for row in rows {
            let mut change = RowChange {
                line: row.line,
                title: row.record.title.clone(),
                change: "create".into(),
                fields: vec![],
                label_id: None,
            };
            match existing.get(&row.key) {
                None => {
                    let (status, effects) = placed(&self.workflow, &row.record, now);
                    ops.push(ImportOp::Create { key: row.key, record: row.record, status, effects });
                }
                Some(current) => {
                    change.label_id = Some(current.id.clone());
                    change.fields = current.record.differences(&row.record);
                    if change.fields.is_empty() {
                        change.change = "unchanged".into();
                    } else {
                        change.change = "update".into();
                        // A label where its dates put it follows the new dates;
                        // one that something else moved (withdrawn, renewed)
                        // keeps its state.
                        // Replayed only when the dates change: most updates do not.
                        let dates_changed = change.fields.iter().any(|f| f.starts_with("valid_"));
                        let follows_dates = || placed(&self.workflow, &current.record, now).0 == current.status;
                        let (status, effects) = if dates_changed && follows_dates() {
                            let (status, mut effects) = placed(&self.workflow, &row.record, now);
                            effects.timers.insert(0, TimerOp::CancelAll);
                            (status, effects)
                        } else {
                            (current.status.clone(), engine::Effects::default())
                        };
                        ops.push(ImportOp::Update {
                            id: current.id.clone(),
                            version: current.version,
                            before: current.record.clone(),
                            record: row.record,
                            status,
                            effects,
                        });
                    }
                }
            }
            changes.push(change);
        }
        if dry_run || ops.is_empty() {
            return Ok(ImportReport { problems: vec![], changes, written: false });
        }
        let created = self.store.import_labels(&ops, &self.workflow.id, &self.workflow.sources, actor, now).await?;
        let mut created = created.into_iter();
        for change in changes.iter_mut().filter(|c| c.change == "create") {
            change.label_id = created.next();
        }
        Ok(ImportReport { problems: vec![], changes, written: true })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "title,filiere,region,academies,support_establishment,category,valid_from,valid_until\n";

    #[test]
    fn labels_and_codes_are_both_accepted() {
        let text = format!(
            "{HEADER}\"Campus « Bois, Forêt »\",\"Matériaux, matériaux innovants\",auvergne-rhone-alpes,Lyon|GRENOBLE,Lycée du Bois,EXCELLENCE,2022-09-01,31/08/2027\n"
        );
        let rows = parse_campuses(&text).unwrap();
        assert_eq!(rows.len(), 1);
        let r = &rows[0].record;
        assert_eq!(
            (r.title.as_str(), r.filiere.as_str(), r.region.as_str()),
            ("Campus « Bois, Forêt »", "materiaux-innovants", "ARA")
        );
        assert_eq!(r.academies, vec!["GRENOBLE".to_string(), "LYON".to_string()]);
        assert_eq!((r.category.as_str(), r.valid_until.to_string().as_str()), ("excellence", "2027-08-31"));
        assert_eq!(rows[0].line, 2);
    }

    #[test]
    fn every_problem_is_named_by_line_and_column() {
        let text = format!(
            "{HEADER}Campus A,Chimie,Bretagn,Rennes,Lycée,standard,2022-09-01,2027-08-31\n\
             Campus B,Chimie et biotechnologies,BRE,Lyon,Lycée,premium,2022-09-01,2021-01-01\n\
             Campus A,Chimie et biotechnologies,BRE,Rennes,,standard,2022-09-01,2027-08-31\n"
        );
        let problems = parse_campuses(&text).unwrap_err();
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(shown.contains(&"line 2, column filiere: unknown filière `Chimie`".to_string()), "{shown:#?}");
        assert!(shown.contains(&"line 2, column region: unknown région `Bretagn`".to_string()), "{shown:#?}");
        assert!(
            shown.iter().any(|s| s.starts_with("line 3, column academies: académie `Lyon` is not in")),
            "{shown:#?}"
        );
        assert!(shown.iter().any(|s| s.starts_with("line 3, column category:")), "{shown:#?}");
        assert!(shown.contains(&"line 3, column valid_until: must be after valid_from".to_string()), "{shown:#?}");
        assert!(shown.contains(&"line 4, column support_establishment: is required".to_string()), "{shown:#?}");
    }

    #[test]
    fn a_missing_column_is_reported_on_the_header() {
        let problems = parse_campuses("title,filiere\nA,B\n").unwrap_err();
        assert_eq!(problems[0].to_string(), "line 1, column region: missing from the header");
        assert_eq!(problems.len(), COLUMNS.len() - 2);
    }

    #[test]
    fn the_same_campus_twice_is_refused() {
        let row = "Campus Mer,Chimie et biotechnologies,BRE,Rennes,Lycée,standard,2022-09-01,2027-08-31\n";
        let problems =
            parse_campuses(&format!("{HEADER}{row}{}", row.replace("Campus Mer", "CAMPUS MER"))).unwrap_err();
        assert_eq!(problems[0].to_string(), "line 3, column title: the same campus as line 2");
    }

    #[test]
    fn a_label_is_placed_where_its_timers_take_it() {
        let def = crate::workflow::builtin::cmq().unwrap();
        let record = |until: &str| LabelRecord {
            valid_from: NaiveDate::from_ymd_opt(2020, 9, 1).unwrap(),
            valid_until: NaiveDate::parse_from_str(until, "%Y-%m-%d").unwrap(),
            ..Default::default()
        };
        // Noon in Paris: the renewal window of the shipped file opens at 09:00.
        let now = crate::calendar::paris_instant(
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
        );
        let (expired, timers) = placed(&def, &record("2026-11-22"), now);
        assert_eq!((expired.as_str(), timers.timers.len()), ("expired", 0));
        let (open, timers) = placed(&def, &record("2027-11-23"), now);
        assert_eq!(open, "renewal_open");
        let names: Vec<&str> = timers
            .timers
            .iter()
            .filter_map(|t| match t {
                TimerOp::Start { name, due_at, .. } => Some(name.as_str()).filter(|_| *due_at > now),
                _ => None,
            })
            .collect();
        assert!(names.contains(&"end_of_validity") && !names.contains(&"renewal_window"), "{names:?}");
        assert_eq!(placed(&def, &record("2027-11-24"), now).0, "active");
        assert!(timers.messages.is_empty(), "an import notifies nobody");
    }
}
