//! The dossier's form as a workflow file declares it: sections of typed
//! fields, with their French labels and the conditions that make them
//! required or visible. The engine validates dossier documents against it
//! (`engine::form`); the pages and the API build their forms from it.

use super::load::line_of;
use super::vocabulary::FormType;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use toml::Spanned;

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Form {
    pub sections: Vec<Section>,
    /// The kinds of file a dossier takes, with their French names (none
    /// declared: a dossier takes no file).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Choice>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Section {
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    pub fields: Vec<FormField>,
}

/// `field=value`: a condition on another field of the same level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldIs {
    pub field: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Choice {
    pub code: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FormField {
    pub name: String,
    /// text, long_text, integer, date, email, choice, choices, uai, siret or group.
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub kind: FormType,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_if: Option<FieldIs>,
    /// Shown (and kept) only when the condition holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visible_if: Option<FieldIs>,
    /// Inline choices, when the field names no reference list.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// The reference list the choices come from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// Each chosen item must belong (by its list's parent) to the value of
    /// this other field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub within: Option<String>,
    /// The scope kind this field's values place the dossier in (staff of
    /// that scope see and act on it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Searchable: lists and exports may filter on it.
    pub indexed: bool,
    /// Also accepted and returned at the top level of a dossier in the
    /// JSON API, beside `form` (for clients written before the form).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub top_level: bool,
    /// A column of the open-data export of labels (with its words beside
    /// the codes, for a choice), and of the campus import.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub export: bool,
    /// Identifies a label brought in by the import, alone (an
    /// establishment's UAI) instead of the title and its territory.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub import_key: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// A group's own fields; each item of the group holds them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(no_recursion)]
    pub fields: Vec<FormField>,
    /// A group's button adding an item (« Ajouter un partenaire »).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub add_label: Option<String>,
}

impl Form {
    /// Top-level fields, in form order.
    pub fn fields(&self) -> impl Iterator<Item = &FormField> {
        self.sections.iter().flat_map(|s| &s.fields)
    }

    pub fn field(&self, name: &str) -> Option<&FormField> {
        self.fields().find(|f| f.name == name)
    }

    /// The fields placing a dossier in a scope, as (scope kind, field).
    pub fn scope_fields(&self) -> impl Iterator<Item = (&str, &FormField)> {
        self.fields().filter_map(|f| f.scope.as_deref().map(|s| (s, f)))
    }
}

impl FormField {
    /// What a person reads for the choice `code`.
    pub fn choice_label(&self, code: &str) -> String {
        if let Some(list) = &self.list {
            return crate::reference::lookup(list, code).map_or_else(|| code.to_string(), |e| e.label.clone());
        }
        self.choices.iter().find(|c| c.code == code).map_or_else(|| code.to_string(), |c| c.label.clone())
    }

    /// A stored value as a person reads it: choices by their labels.
    pub fn shown(&self, value: Option<&serde_json::Value>) -> String {
        use serde_json::Value;
        match value {
            Some(Value::String(s)) if matches!(self.kind, FormType::Choice) => self.choice_label(s),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Array(items)) => {
                items.iter().filter_map(Value::as_str).map(|s| self.choice_label(s)).collect::<Vec<_>>().join(", ")
            }
            _ => String::new(),
        }
    }

    /// The default longest text a field takes.
    pub fn text_limit(&self) -> usize {
        self.max_length.unwrap_or(if self.kind == FormType::LongText { 20_000 } else { 300 })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawForm {
    #[serde(default)]
    sections: Vec<Spanned<RawSection>>,
    #[serde(default)]
    attachments: Vec<Spanned<RawChoice>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    code: String,
    label: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    label: String,
    help: Option<String>,
    #[serde(default)]
    fields: Vec<Spanned<RawFormField>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFormField {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    label: Option<String>,
    help: Option<String>,
    #[serde(default)]
    required: bool,
    required_if: Option<String>,
    visible_if: Option<String>,
    #[serde(default)]
    choices: Vec<String>,
    /// What a person reads for each inline choice.
    #[serde(default)]
    labels: std::collections::BTreeMap<String, String>,
    list: Option<String>,
    within: Option<String>,
    scope: Option<String>,
    #[serde(default)]
    indexed: bool,
    #[serde(default)]
    top_level: bool,
    #[serde(default)]
    export: bool,
    #[serde(default)]
    import_key: bool,
    max_length: Option<usize>,
    min: Option<i64>,
    max: Option<i64>,
    #[serde(default)]
    fields: Vec<Spanned<RawFormField>>,
    add_label: Option<String>,
}

/// Names the engine gives a dossier beside its form: a form field may not
/// take one, as the API returns both at the top level of a dossier.
pub const CORE_NAMES: &[&str] = &[
    "id",
    "campaign_id",
    "state",
    "version",
    "kind",
    "renewal_of",
    "category",
    "title",
    "owners",
    "form",
    "endorsements",
    "opinions",
    "self_assessment",
    "attachments",
    "decision",
    "completion",
    "label_id",
    "created_at",
    "updated_at",
    "reviewers",
];

/// Builds the form, reporting each problem as (line, message).
pub(super) fn build(source: &str, raw: &RawForm, problems: &mut Vec<(usize, String)>) -> Form {
    let mut seen = BTreeSet::new();
    let sections = raw
        .sections
        .iter()
        .map(|s| {
            let section = s.get_ref();
            let fields = fields(source, &section.fields, "form", true, problems);
            for f in &fields {
                if !seen.insert(f.name.clone()) {
                    problems
                        .push((line_of(source, s.span().start), format!("form: field `{}` is declared twice", f.name)));
                }
            }
            Section { label: section.label.clone(), help: section.help.clone(), fields }
        })
        .collect();
    let mut attachments: Vec<Choice> = Vec::new();
    for spanned in &raw.attachments {
        let kind = spanned.get_ref();
        let line = line_of(source, spanned.span().start);
        if kind.code.is_empty() || !kind.code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            problems.push((
                line,
                format!("form: attachment kind `{}` is not lowercase ASCII letters, digits and `_`", kind.code),
            ));
        } else if attachments.iter().any(|a| a.code == kind.code) {
            problems.push((line, format!("form: attachment kind `{}` is declared twice", kind.code)));
        }
        attachments.push(Choice { code: kind.code.clone(), label: kind.label.clone() });
    }
    Form { sections, attachments }
}

fn fields(
    source: &str,
    raw: &[Spanned<RawFormField>],
    path: &str,
    top: bool,
    problems: &mut Vec<(usize, String)>,
) -> Vec<FormField> {
    let mut out: Vec<FormField> = Vec::new();
    let mut lines = Vec::new();
    for spanned in raw {
        let line = line_of(source, spanned.span().start);
        let f = spanned.get_ref();
        let at = format!("{path}: field `{}`", f.name);
        let key_line = |key: &str| key_line(source, spanned.span(), key).unwrap_or(line);
        let mut problem_at = |key: &str, message: String| problems.push((key_line(key), format!("{at}: {message}")));
        let valid_name = !f.name.is_empty()
            && f.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !f.name.starts_with(|c: char| c.is_ascii_digit());
        if !valid_name {
            problem_at("name", "a field name is lowercase ASCII letters, digits and `_`".into());
        }
        if top && CORE_NAMES.contains(&f.name.as_str()) {
            problem_at("name", "this name belongs to the engine (a dossier's own data)".into());
        }
        if f.top_level && (!top || f.kind == "group") {
            problem_at(
                "top_level",
                "only a field of the form's own level, not a group, is also at a dossier's top level".into(),
            );
        }
        if f.import_key && (!top || !f.export || matches!(f.kind.as_str(), "group" | "choices")) {
            problem_at("import_key", "an import key is an exported field of one value at the form's own level".into());
        }
        if !top && f.name == "id" {
            problem_at("name", "`id` names each item of a group; choose another name".into());
        }
        if out.iter().any(|o| o.name == f.name) {
            problem_at("name", "declared twice".into());
        }
        let Some(kind) = FormType::parse(&f.kind) else {
            problem_at(
                "type",
                format!(
                    "unknown type `{}` (known: {})",
                    f.kind,
                    FormType::ALL.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
                ),
            );
            continue;
        };
        let chooses = matches!(kind, FormType::Choice | FormType::Choices);
        match (&f.list, f.choices.is_empty()) {
            (Some(_), false) => problem_at("list", "takes `list` or `choices`, not both".into()),
            (None, true) if chooses => {
                problem_at("type", "a choice field needs `choices` or a reference `list`".into())
            }
            (Some(_), _) | (None, false) if !chooses => {
                problem_at("type", "only a choice field takes `list` or `choices`".into())
            }
            _ => {}
        }
        if let Some(list) = &f.list {
            if crate::reference::lists().get(list).is_none() {
                problem_at("list", format!("unknown reference list `{list}`"));
            }
        }
        if let Some(stray) = f.labels.keys().find(|k| !f.choices.contains(k)) {
            problem_at("labels", format!("labels `{stray}`, which is not one of its choices"));
        }
        if (f.min.is_some() || f.max.is_some()) && kind != FormType::Integer {
            problem_at("type", "only an integer field takes min/max".into());
        }
        if let (Some(lo), Some(hi)) = (f.min, f.max) {
            if lo > hi {
                problem_at("min", format!("min {lo} is above max {hi}"));
            }
        }
        if f.max_length.is_some() && !matches!(kind, FormType::Text | FormType::LongText) {
            problem_at("max_length", "only a text field takes max_length".into());
        }
        if f.scope.is_some() && (!top || !chooses || f.list.is_none()) {
            problem_at(
                "scope",
                "only a top-level choice field with a reference list places the dossier in a scope".into(),
            );
        }
        if f.within.is_some() && f.list.is_none() {
            problem_at("within", "`within` needs a reference list whose items have a parent".into());
        }
        if kind == FormType::Group && f.fields.is_empty() {
            problem_at("type", "a group declares its `fields`".into());
        }
        if kind != FormType::Group && !f.fields.is_empty() {
            problem_at("fields", "only a group takes `fields`".into());
        }
        if f.add_label.is_some() && kind != FormType::Group {
            problem_at("add_label", "only a group takes add_label".into());
        }
        if kind == FormType::Group && !top {
            problem_at("type", "a group may not hold another group".into());
        }
        let sub = if kind == FormType::Group {
            fields(source, &f.fields, &format!("{path}: group `{}`", f.name), false, problems)
        } else {
            Vec::new()
        };
        out.push(FormField {
            name: f.name.clone(),
            kind,
            label: f.label.clone().unwrap_or_else(|| f.name.clone()),
            help: f.help.clone(),
            required: f.required,
            required_if: None,
            visible_if: None,
            choices: f
                .choices
                .iter()
                .map(|c| Choice { code: c.clone(), label: f.labels.get(c).cloned().unwrap_or_else(|| c.clone()) })
                .collect(),
            list: f.list.clone(),
            within: f.within.clone(),
            scope: f.scope.clone(),
            indexed: f.indexed || f.scope.is_some(),
            top_level: f.top_level,
            export: f.export,
            import_key: f.import_key,
            max_length: f.max_length,
            min: f.min,
            max: f.max,
            fields: sub,
            add_label: f.add_label.clone(),
        });
        lines.push((spanned.span(), f));
    }
    // Conditions name sibling fields, which may come later in the file.
    for (span, f) in lines {
        let at = format!("{path}: field `{}`", f.name);
        let mut resolve = |key: &str, text: &Option<String>| -> Option<FieldIs> {
            let text = text.as_ref()?;
            let line = key_line(source, span.clone(), key).unwrap_or_else(|| line_of(source, span.start));
            let Some((other, value)) = text.split_once('=').map(|(a, b)| (a.trim(), b.trim())) else {
                problems.push((line, format!("{at}: {key} `{text}` is not `field=value`")));
                return None;
            };
            match out.iter().find(|o| o.name == other) {
                None => problems.push((line, format!("{at}: {key} names unknown field `{other}`"))),
                Some(o) if o.kind != FormType::Choice => {
                    problems.push((line, format!("{at}: {key}: `{other}` is not a choice field")))
                }
                Some(o) if !choice_exists(o, value) => {
                    problems.push((line, format!("{at}: {key}: `{value}` is not a choice of `{other}`")))
                }
                Some(_) => {}
            }
            Some(FieldIs { field: other.to_string(), value: value.to_string() })
        };
        let required_if = resolve("required_if", &f.required_if);
        let visible_if = resolve("visible_if", &f.visible_if);
        if let Some(within) = &f.within {
            let line = key_line(source, span.clone(), "within").unwrap_or_else(|| line_of(source, span.start));
            let parent =
                f.list.as_deref().and_then(|l| crate::reference::lists().get(l)).and_then(|l| l.parent.clone());
            match (out.iter().find(|o| &o.name == within), parent) {
                (None, _) => problems.push((line, format!("{at}: within names unknown field `{within}`"))),
                (Some(_), None) => problems.push((
                    line,
                    format!("{at}: within: the list `{}` has no parent list", f.list.as_deref().unwrap_or_default()),
                )),
                (Some(o), Some(parent)) if o.list.as_deref() != Some(parent.list.as_str()) => problems.push((
                    line,
                    format!(
                        "{at}: within: `{within}` must choose from `{}`, the parent list of `{}`",
                        parent.list,
                        f.list.as_deref().unwrap_or_default()
                    ),
                )),
                _ => {}
            }
        }
        if let Some(field) = out.iter_mut().find(|o| o.name == f.name) {
            field.required_if = required_if;
            field.visible_if = visible_if;
        }
    }
    out
}

/// The line of `key = …` inside a field's table (an inline table is one
/// line: its own).
pub(super) fn key_line(source: &str, span: std::ops::Range<usize>, key: &str) -> Option<usize> {
    let text = source.get(span.clone())?;
    let mut offset = span.start;
    for l in text.split_inclusive('\n') {
        let t = l.trim_start();
        if t.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('=')) {
            return Some(line_of(source, offset));
        }
        offset += l.len();
    }
    None
}

fn choice_exists(field: &FormField, value: &str) -> bool {
    match &field.list {
        Some(list) => crate::reference::lookup(list, value).is_some_and(|e| e.code == value),
        None => field.choices.iter().any(|c| c.code == value),
    }
}
