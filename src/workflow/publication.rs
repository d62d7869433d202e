//! The yearly list of a label's holders as its official bulletin publishes
//! it (`[publication]`): the labels granted in a calendar year, in the
//! sections the file declares (new, renewed, renewed with modification…),
//! each label in the first section whose conditions it meets.

use super::form::Form;
use super::model::FieldDef;
use serde::{Deserialize, Serialize};
use toml::Spanned;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Publication {
    /// The list's title (« Liste des lycées des métiers »).
    pub label: String,
    /// The form fields shown for each label, in order.
    pub columns: Vec<String>,
    pub sections: Vec<PublicationSection>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PublicationSection {
    pub code: String,
    pub label: String,
    /// Holds for a label that renews another (true) or for a first one
    /// (false); either when absent.
    pub renewal: Option<bool>,
    /// A detail of the decision that must be given (non-empty).
    pub with: Option<String>,
    /// A detail of the decision that must be left empty.
    pub without: Option<String>,
}

/// What a label brings to the choice of its section.
pub struct Granted<'a> {
    pub renewal: bool,
    pub details: &'a serde_json::Map<String, serde_json::Value>,
}

impl PublicationSection {
    pub fn holds(&self, label: &Granted) -> bool {
        let given = |name: &str| {
            label.details.get(name).is_some_and(|v| match v {
                serde_json::Value::Null => false,
                serde_json::Value::String(s) => !s.trim().is_empty(),
                _ => true,
            })
        };
        self.renewal.is_none_or(|r| r == label.renewal)
            && self.with.as_deref().is_none_or(given)
            && self.without.as_deref().is_none_or(|n| !given(n))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPublication {
    label: String,
    #[serde(default)]
    columns: Vec<Spanned<String>>,
    sections: Vec<Spanned<RawSection>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    code: String,
    label: String,
    renewal: Option<bool>,
    with: Option<String>,
    without: Option<String>,
}

/// Checks the table against the form and the decision's details; problems
/// carry 1-based lines.
pub(super) fn build(
    source: &str,
    raw: &Spanned<RawPublication>,
    form: &Form,
    details: &[&FieldDef],
    problems: &mut Vec<(usize, String)>,
) -> Publication {
    let line = |at: usize| super::load::line_of(source, at);
    let p = raw.get_ref();
    for column in &p.columns {
        if form.field(column.get_ref()).is_none() {
            problems.push((
                line(column.span().start),
                format!("[publication]: column `{}` is no field of the form", column.get_ref()),
            ));
        }
    }
    if p.sections.is_empty() {
        problems.push((line(raw.span().start), "[publication] lists no sections".into()));
    }
    let mut sections: Vec<PublicationSection> = Vec::new();
    for spanned in &p.sections {
        let s = spanned.get_ref();
        let at = line(spanned.span().start);
        if sections.iter().any(|o| o.code == s.code) {
            problems.push((at, format!("[publication]: section `{}` is listed twice", s.code)));
        }
        for name in [&s.with, &s.without].into_iter().flatten() {
            if !details.iter().any(|f| &f.name == name) {
                problems
                    .push((at, format!("[publication]: section `{}`: `{name}` is no detail of the decision", s.code)));
            }
        }
        sections.push(PublicationSection {
            code: s.code.clone(),
            label: s.label.clone(),
            renewal: s.renewal,
            with: s.with.clone(),
            without: s.without.clone(),
        });
    }
    Publication { label: p.label.clone(), columns: p.columns.iter().map(|c| c.get_ref().clone()).collect(), sections }
}
