//! The documents a workflow issues (`[documents.decision]`): for each
//! outcome of a decision, the template of its document (Markdown with
//! MiniJinja placeholders, see `documents::template`), made once when the
//! decision is recorded.

use super::load::line_of;
use crate::documents::template::{check, DecisionContext};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Documents {
    pub decision: Option<DecisionDocument>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionDocument {
    /// The document's title, a template (its metadata and its file name).
    pub title: String,
    /// The template of each outcome that has a document, by outcome code.
    pub outcomes: BTreeMap<String, String>,
}

impl DecisionDocument {
    pub fn template(&self, outcome: &str) -> Option<&str> {
        self.outcomes.get(outcome).map(String::as_str)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDocuments {
    decision: Option<Spanned<RawDecisionDocument>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDecisionDocument {
    title: Spanned<String>,
    outcomes: BTreeMap<String, Spanned<String>>,
}

/// What a template may name beyond the fixed context: the form's fields,
/// the decision's detail inputs, and the outcome codes.
pub(super) struct Names<'a> {
    pub form_fields: Vec<&'a str>,
    pub details: Vec<&'a str>,
    pub outcomes: Vec<&'a str>,
}

pub(super) fn build(
    source: &str,
    raw: &RawDocuments,
    names: &Names<'_>,
    problems: &mut Vec<(usize, String)>,
) -> Documents {
    let Some(decision) = &raw.decision else { return Documents::default() };
    let sample = DecisionContext::sample(&names.form_fields, &names.details);
    // A template's problem is told at its own line in the file: the line
    // of its text's start plus the template's line.
    let checked = |problems: &mut Vec<(usize, String)>, text: &Spanned<String>, what: &str| {
        let at = text.span().start;
        // A multi-line string's first line break is not part of it.
        let skipped = ["\"\"\"\n", "'''\n", "\"\"\"\r\n", "'''\r\n"].iter().any(|q| source[at..].starts_with(q));
        let start = line_of(source, at) + usize::from(skipped);
        if let Err((line, message)) = check(text.get_ref(), &sample) {
            problems.push((start + line.saturating_sub(1), format!("{what}: {message}")));
        }
    };
    let d = decision.get_ref();
    checked(problems, &d.title, "[documents.decision] title");
    let mut outcomes = BTreeMap::new();
    for (outcome, text) in &d.outcomes {
        if !names.outcomes.contains(&outcome.as_str()) {
            let known = names.outcomes.join(", ");
            let line = line_of(source, text.span().start);
            problems.push((line, format!("[documents.decision]: unknown outcome `{outcome}` (known: {known})")));
        }
        checked(problems, text, &format!("[documents.decision] outcome `{outcome}`"));
        outcomes.insert(outcome.clone(), text.get_ref().clone());
    }
    Documents { decision: Some(DecisionDocument { title: d.title.get_ref().clone(), outcomes }) }
}
