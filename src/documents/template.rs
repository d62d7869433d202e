//! Filling a workflow's document templates: MiniJinja over Markdown. Every
//! value goes in escaped, so that what a person typed (a title, a
//! motivation) reads as text and never as structure; a name the context
//! does not hold is an error, not an empty string.

use super::markdown::escape;
use super::DocumentError;
use chrono::{Datelike, NaiveDate};
use minijinja::value::Serde;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior, Value};
use serde::Serialize;

/// What a decision document's template reads.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionContext {
    /// The label's name (the workflow's).
    pub workflow: String,
    pub dossier_id: String,
    /// The dossier's title (the campus's, the lycée's name).
    pub title: String,
    /// The dossier's form, each field as a person reads it.
    pub form: serde_json::Map<String, serde_json::Value>,
    /// The owners' names.
    pub owners: Vec<String>,
    pub outcome: String,
    pub outcome_label: String,
    /// The category (mention) code, empty when none.
    pub category: String,
    pub category_label: String,
    pub years: Option<u32>,
    pub motivation: String,
    /// The decision's other inputs, dates written out in full.
    pub details: serde_json::Map<String, serde_json::Value>,
    /// The day the decision was recorded, written out (« 3 février 2027 »).
    pub decided_on: String,
    /// The label's validity, written out; empty when no label.
    pub valid_from: String,
    pub valid_until: String,
    /// An unrecorded decision's draft.
    pub preview: bool,
}

impl DecisionContext {
    /// A context with every name filled, to check a template with.
    pub fn sample(form_fields: &[&str], details: &[&str]) -> DecisionContext {
        let text = |s: &str| serde_json::Value::from(s);
        DecisionContext {
            workflow: "Label".into(),
            dossier_id: "00000000-0000-0000-0000-000000000000".into(),
            title: "Titre".into(),
            form: form_fields.iter().map(|f| (f.to_string(), text("valeur"))).collect(),
            owners: vec!["Nom".into()],
            outcome: "code".into(),
            outcome_label: "Décision".into(),
            category: "code".into(),
            category_label: "Catégorie".into(),
            years: Some(5),
            motivation: "Motivation".into(),
            details: details.iter().map(|f| (f.to_string(), text("valeur"))).collect(),
            decided_on: long_date(NaiveDate::default()),
            valid_from: long_date(NaiveDate::default()),
            valid_until: long_date(NaiveDate::default()),
            preview: false,
        }
    }
}

/// How filled values are written: escaped for Markdown, or as they are
/// (a title).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filling {
    Markdown,
    Text,
}

fn environment(into: Filling) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(move |out, _state, value| {
        if !value.is_none() && !value.is_undefined() {
            let text = value.to_string();
            let text = if into == Filling::Markdown { escape(&text) } else { text };
            out.write_str(&text).map_err(Error::from)?;
        }
        Ok(())
    });
    env
}

/// `source` filled with `context`: the Markdown text of the document, or
/// plain text.
pub fn fill(source: &str, context: &DecisionContext, into: Filling) -> Result<String, DocumentError> {
    let env = environment(into);
    let template = env.template_from_str(source).map_err(|e| DocumentError::Template(describe(&e)))?;
    template.render(Value::from(Serde(context))).map_err(|e| DocumentError::Template(describe(&e)))
}

/// Checks a template: it parses, and fills the sample context without
/// naming anything it does not hold. The error says its line in `source`.
pub fn check(source: &str, sample: &DecisionContext) -> Result<(), (usize, String)> {
    let env = environment(Filling::Markdown);
    let result = env.template_from_str(source).and_then(|t| t.render(Value::from(Serde(sample))));
    match result {
        Ok(_) => Ok(()),
        Err(e) => Err((e.line().unwrap_or(1), describe(&e))),
    }
}

fn describe(e: &Error) -> String {
    match (e.kind(), e.detail()) {
        (ErrorKind::UndefinedError, _) => "names a value the decision does not hold".to_string(),
        (_, Some(detail)) => format!("{}: {detail}", e.kind()),
        (kind, None) => kind.to_string(),
    }
}

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// A date as a French text writes it: « 1er mars 2027 », « 20 janvier 2027 ».
pub fn long_date(date: NaiveDate) -> String {
    let day = if date.day() == 1 { "1er".to_string() } else { date.day().to_string() };
    format!("{day} {} {}", MONTHS[date.month0() as usize], date.year())
}
