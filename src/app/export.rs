//! Open-data exports of labels: stable column names, codes next to their
//! French labels, read page by page so a large export never sits whole in
//! memory. The CSV can be imported again (`labelflow import campuses`).

use super::{access, App, AppError};
use crate::engine::{Actor, Refusal};
use crate::store::labels::LabelFilter;
use crate::store::views::LabelView;
use crate::workflow::{FormField, FormType, Workflows};
use serde::Serialize;
use serde_json::Value;

/// Labels read per page.
const PAGE: i64 = 500;

/// The export's first and last columns; the form fields the workflows mark
/// `export` come between them, each followed by its words for a choice.
/// Changing them breaks the scripts of those who publish the data: add
/// fields, never rename them.
pub const HEAD: &[&str] = &["id", "title", "category", "status"];
pub const TAIL: &[&str] = &["valid_from", "valid_until", "renewal_of", "dossier_id"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn parse(text: &str) -> Result<Format, AppError> {
        match text {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            _ => Err(Refusal::invalid("format", "must be csv or json").into()),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
        }
    }
}

/// What a column holds.
#[derive(Debug, Clone)]
enum Column {
    Own(&'static str),
    /// A form field's value: codes for a choice.
    Value(FormField),
    /// The words of a choice field's codes.
    Words(FormField),
    /// What a person reads for the label's category (« Sans mention »),
    /// as its workflow words it.
    CategoryWords,
}

/// The columns of an export of the labels of `workflows`, by name: the
/// core and the primary workflow's fields in the order clients have read
/// since the first release, then each label's workflow and the fields only
/// other workflows have.
fn columns(workflows: &Workflows) -> Vec<(String, Column)> {
    let mut out: Vec<(String, Column)> = HEAD.iter().map(|c| (c.to_string(), Column::Own(c))).collect();
    let fields = workflows.form_fields(|f| f.export);
    let primary = |f: &&FormField| workflows.primary().form.field(&f.name).is_some();
    let (first, later): (Vec<&FormField>, Vec<&FormField>) = fields.into_iter().partition(primary);
    for field in first {
        push_field(&mut out, field);
    }
    out.extend(TAIL.iter().chain(&["workflow"]).map(|c| (c.to_string(), Column::Own(c))));
    out.push(("category_label".into(), Column::CategoryWords));
    for field in later {
        push_field(&mut out, field);
    }
    out
}

/// A form field's column, followed by its words for a choice.
fn push_field(out: &mut Vec<(String, Column)>, field: &FormField) {
    out.push((field.name.clone(), Column::Value(field.clone())));
    let chosen = field.list.is_some() || !field.choices.is_empty();
    match field.kind {
        FormType::Choices if chosen => out.push((format!("{}_labels", field.name), Column::Words(field.clone()))),
        _ if chosen => out.push((format!("{}_label", field.name), Column::Words(field.clone()))),
        _ => {}
    }
}

/// The names of the export's columns, in order.
pub fn column_names(workflows: &Workflows) -> Vec<String> {
    columns(workflows).into_iter().map(|(name, _)| name).collect()
}

/// One label as published: every column, by name and in order (arrays for
/// the fields of several choices).
#[derive(Debug, Clone, utoipa::ToSchema)]
#[schema(value_type = Object)]
pub struct LabelRecordOut(pub Vec<(String, Value)>);

impl Serialize for LabelRecordOut {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

fn record(columns: &[(String, Column)], l: &LabelView, workflows: &Workflows) -> LabelRecordOut {
    let own = |c: &str| -> Value {
        match c {
            "id" => l.id.clone().into(),
            "title" => l.title.clone().into(),
            "category" => l.category.clone().into(),
            "status" => l.status.clone().into(),
            "valid_from" => l.valid_from.clone().into(),
            "valid_until" => l.valid_until.clone().into(),
            "renewal_of" => l.renewal_of.clone().into(),
            "dossier_id" => l.dossier_id.clone().into(),
            "workflow" => l.workflow.clone().into(),
            _ => Value::Null,
        }
    };
    let value = |f: &FormField| match (l.form.get(&f.name), f.kind) {
        (Some(v), _) => v.clone(),
        (None, FormType::Choices) => Value::Array(vec![]),
        (None, _) => Value::from(""),
    };
    let words = |f: &FormField| match value(f) {
        Value::Array(codes) => {
            Value::Array(codes.iter().filter_map(Value::as_str).map(|c| f.choice_label(c).into()).collect())
        }
        Value::String(code) if code.is_empty() => Value::from(""),
        Value::String(code) => f.choice_label(&code).into(),
        other => other,
    };
    LabelRecordOut(
        columns
            .iter()
            .map(|(name, column)| {
                let v = match column {
                    Column::Own(c) => own(c),
                    Column::Value(f) => value(f),
                    Column::Words(f) => words(f),
                    Column::CategoryWords => match workflows.at(&l.workflow, l.workflow_version.as_deref()) {
                        Some(def) => def.choice_label("category", &l.category).into(),
                        None => l.category.clone().into(),
                    },
                };
                (name.clone(), v)
            })
            .collect(),
    )
}

pub fn csv_line<S: AsRef<str>>(fields: &[S]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fields: Vec<&str> = fields.iter().map(AsRef::as_ref).collect();
    // Writing to memory cannot fail.
    let _ = crate::spreadsheet::write_record(&mut w, &fields);
    w.into_inner().unwrap_or_default()
}

/// A value as a CSV cell: the items of an array joined with `|`.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join("|"),
        other => other.to_string(),
    }
}

fn csv_row(r: &LabelRecordOut) -> Vec<u8> {
    csv_line(&r.0.iter().map(|(_, v)| cell(v)).collect::<Vec<_>>())
}

/// The yearly list of a workflow's labels as its bulletin publishes them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicationOut {
    pub workflow: String,
    /// The list's title, as the workflow file words it.
    pub title: String,
    pub year: i32,
    /// The keys of each listed label, in order (the CSV's columns after
    /// `section` and `section_label`).
    pub columns: Vec<String>,
    /// The file's sections in order, each with its labels (a label in the
    /// first section whose conditions it meets); labels in none are left
    /// out.
    pub sections: Vec<PublishedSection>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublishedSection {
    pub code: String,
    pub label: String,
    /// id, title, the file's `columns` (each choice with its words),
    /// valid_from, valid_until, renewal_of, dossier_id.
    pub labels: Vec<LabelRecordOut>,
}

impl PublicationOut {
    /// One CSV row per label, its section's code and words first.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut head = vec!["section".to_string(), "section_label".to_string()];
        head.extend(self.columns.iter().cloned());
        out.extend(csv_line(&head));
        for section in &self.sections {
            for label in &section.labels {
                let mut row = vec![section.code.clone(), section.label.clone()];
                row.extend(label.0.iter().map(|(_, v)| cell(v)));
                out.extend(csv_line(&row));
            }
        }
        out
    }
}

/// The pieces of an export, produced one page at a time.
pub struct Export {
    app: App,
    actor: Actor,
    format: Format,
    columns: Vec<(String, Column)>,
    after: Option<(String, String)>,
    started: bool,
    done: bool,
    count: usize,
}

impl Export {
    /// The next piece of the export; `None` once it is whole.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, AppError> {
        if self.done {
            return Ok(None);
        }
        let mut out = Vec::new();
        if !self.started {
            self.started = true;
            match self.format {
                Format::Csv => out.extend(csv_line(&column_names(&self.app.workflows))),
                Format::Json => out.push(b'['),
            }
        }
        let after = self.after.as_ref().map(|(u, i)| (u.as_str(), i.as_str()));
        let page = self
            .app
            .store
            .labels_page(
                &access::visibility(&*self.app.workflows, &self.actor),
                &LabelFilter::default(),
                after,
                Some(PAGE),
            )
            .await?;
        if let Some(last) = page.last() {
            self.after = Some((last.valid_until.clone(), last.id.clone()));
        }
        if (page.len() as i64) < PAGE {
            self.done = true;
        }
        for label in page {
            let record = record(&self.columns, &label, &self.app.workflows);
            match self.format {
                Format::Csv => out.extend(csv_row(&record)),
                Format::Json => {
                    if self.count > 0 {
                        out.push(b',');
                    }
                    out.push(b'\n');
                    out.extend(serde_json::to_vec(&record).unwrap_or_default());
                }
            }
            self.count += 1;
        }
        if self.done && self.format == Format::Json {
            out.extend(b"\n]\n");
        }
        Ok(Some(out))
    }
}

/// The first instant of `year` in Paris.
fn new_year(year: i32) -> chrono::DateTime<chrono::Utc> {
    let day = chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    crate::calendar::paris_instant(day, chrono::NaiveTime::MIN)
}

impl App {
    /// The labels of `workflow` granted in `year` (decided from 1 January
    /// to 31 December, Paris time) that the actor may see, in the sections
    /// of the workflow's `[publication]`.
    pub async fn publication(&self, actor: &Actor, workflow: &str, year: i32) -> Result<PublicationOut, AppError> {
        let def = self
            .workflows
            .get(workflow)
            .filter(|_| actor.acts_in(workflow))
            .ok_or(AppError::Store(crate::store::StoreError::NotFound { what: "workflow" }))?;
        let publication = def
            .publication
            .as_ref()
            .ok_or(AppError::Store(crate::store::StoreError::NotFound { what: "publication" }))?;
        if !(1000..=9998).contains(&year) {
            return Err(Refusal::invalid("year", "must be a year from 1000 to 9998").into());
        }
        let mut columns: Vec<(String, Column)> =
            ["id", "title"].iter().map(|c| (c.to_string(), Column::Own(c))).collect();
        for field in publication.columns.iter().filter_map(|c| def.form.field(c)) {
            push_field(&mut columns, field);
        }
        columns.extend(TAIL.iter().map(|c| (c.to_string(), Column::Own(c))));
        let granted = self
            .store
            .granted_between(&access::visibility(&*self.workflows, actor), &def.id, new_year(year), new_year(year + 1))
            .await?;
        let mut sections: Vec<PublishedSection> = publication
            .sections
            .iter()
            .map(|s| PublishedSection { code: s.code.clone(), label: s.label.clone(), labels: Vec::new() })
            .collect();
        let mut rows: Vec<(usize, LabelView)> = granted
            .into_iter()
            .filter_map(|(label, details)| {
                let granted = crate::workflow::Granted { renewal: label.renewal_of.is_some(), details: &details };
                let at = publication.sections.iter().position(|s| s.holds(&granted))?;
                Some((at, label))
            })
            .collect();
        // As the bulletin lists them: by the columns' values, then name.
        let key = |l: &LabelView| {
            let mut k: Vec<String> =
                publication.columns.iter().map(|c| cell(l.form.get(c).unwrap_or(&Value::Null))).collect();
            k.push(l.title.to_lowercase());
            k
        };
        rows.sort_by_cached_key(|(at, l)| (*at, key(l)));
        for (at, label) in rows {
            sections[at].labels.push(record(&columns, &label, &self.workflows));
        }
        Ok(PublicationOut {
            workflow: def.id.clone(),
            title: publication.label.clone(),
            year,
            columns: columns.into_iter().map(|(name, _)| name).collect(),
            sections,
        })
    }

    /// An export of the labels the actor may see.
    pub fn export_labels(&self, actor: &Actor, format: Format) -> Export {
        let columns = columns(&self.workflows);
        Export {
            app: self.clone(),
            actor: actor.clone(),
            format,
            columns,
            after: None,
            started: false,
            done: false,
            count: 0,
        }
    }
}
