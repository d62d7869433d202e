//! Open-data exports of labels: stable column names, codes next to their
//! French labels, read page by page so a large export never sits whole in
//! memory. The CSV can be imported again (`labelflow import campuses`).

use super::{access, App, AppError};
use crate::engine::{Actor, Refusal};
use crate::reference;
use crate::store::labels::LabelFilter;
use crate::store::views::LabelView;
use serde::Serialize;

/// Labels read per page.
const PAGE: i64 = 500;

/// The export's columns, in order. Changing them breaks the scripts of
/// those who publish the data: add at the end, never rename.
pub const COLUMNS: &[&str] = &[
    "id",
    "title",
    "category",
    "status",
    "filiere",
    "filiere_label",
    "region",
    "region_label",
    "academies",
    "academies_labels",
    "support_establishment",
    "valid_from",
    "valid_until",
    "renewal_of",
    "dossier_id",
];

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

/// One label as published.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LabelRecordOut {
    pub id: String,
    pub title: String,
    pub category: String,
    pub status: String,
    pub filiere: String,
    pub filiere_label: String,
    pub region: String,
    pub region_label: String,
    pub academies: Vec<String>,
    pub academies_labels: Vec<String>,
    pub support_establishment: String,
    pub valid_from: String,
    pub valid_until: String,
    pub renewal_of: Option<String>,
    pub dossier_id: Option<String>,
}

impl From<LabelView> for LabelRecordOut {
    fn from(l: LabelView) -> LabelRecordOut {
        LabelRecordOut {
            filiere_label: reference::filiere(&l.filiere).map(|f| f.label.to_string()).unwrap_or_default(),
            region_label: reference::region(&l.region).map(|r| r.label.to_string()).unwrap_or_default(),
            academies_labels: l
                .academies
                .iter()
                .map(|a| reference::academie(a).map(|x| x.label.to_string()).unwrap_or_default())
                .collect(),
            id: l.id,
            title: l.title,
            category: l.category,
            status: l.status,
            filiere: l.filiere,
            region: l.region,
            academies: l.academies,
            support_establishment: l.support_establishment,
            valid_from: l.valid_from,
            valid_until: l.valid_until,
            renewal_of: l.renewal_of,
            dossier_id: l.dossier_id,
        }
    }
}

fn csv_line(fields: &[&str]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = crate::spreadsheet::write_record(&mut w, fields);
    w.into_inner().unwrap_or_default()
}

fn csv_row(l: &LabelRecordOut) -> Vec<u8> {
    let (academies, academies_labels) = (l.academies.join("|"), l.academies_labels.join("|"));
    csv_line(&[
        &l.id,
        &l.title,
        &l.category,
        &l.status,
        &l.filiere,
        &l.filiere_label,
        &l.region,
        &l.region_label,
        &academies,
        &academies_labels,
        &l.support_establishment,
        &l.valid_from,
        &l.valid_until,
        l.renewal_of.as_deref().unwrap_or(""),
        l.dossier_id.as_deref().unwrap_or(""),
    ])
}

/// The pieces of an export, produced one page at a time.
pub struct Export {
    app: App,
    actor: Actor,
    format: Format,
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
                Format::Csv => out.extend(csv_line(COLUMNS)),
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
            let record = LabelRecordOut::from(label);
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

impl App {
    /// An export of the labels the actor may see.
    pub fn export_labels(&self, actor: &Actor, format: Format) -> Export {
        Export { app: self.clone(), actor: actor.clone(), format, after: None, started: false, done: false, count: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_it() {
        let line = String::from_utf8(csv_line(&["Campus « Mer, Littoral »", "dit \"le grand\"", "plain"])).unwrap();
        assert_eq!(line, "\"Campus « Mer, Littoral »\",\"dit \"\"le grand\"\"\",plain\n");
    }

    #[test]
    fn the_columns_hold_what_import_needs() {
        for column in crate::app::import::COLUMNS {
            assert!(COLUMNS.contains(column), "{column}");
        }
    }
}
