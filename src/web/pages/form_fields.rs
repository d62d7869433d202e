//! The workflow's dossier form as pages show and edit it: each field's
//! control built from its type, its value in French for reading, and the
//! submitted pairs read back into a form document.

use super::FormErrors;
use crate::workflow::{Form, FormField, FormType};
use serde_json::{Map, Value};

/// One field as a page shows it and edits it.
pub(super) struct FieldView {
    pub name: String,
    /// The control's id (`f-NAME`, or `GROUP-NAME` in a group's form).
    pub id: String,
    pub label: String,
    pub help: String,
    /// `input`, `textarea`, `select` or `multiple`.
    pub control: &'static str,
    /// The input's `type`: text, number, date or email.
    pub input_type: &'static str,
    pub value: String,
    pub values: Vec<String>,
    pub options: Vec<(String, String)>,
    /// The value in French, for reading.
    pub shown: String,
    pub required: bool,
    pub error: String,
    /// What the browser checks as the value is typed (an HTML `pattern`),
    /// and what it says when the value does not match: shown beside the
    /// field as soon as it is left (CSS `:user-invalid`, no script); the
    /// server checks again on sending.
    pub pattern: &'static str,
    pub check: &'static str,
}

/// A repeatable group: its items as a table, and a form adding one.
pub(super) struct GroupView {
    pub name: String,
    pub label: String,
    pub help: String,
    pub add_label: String,
    pub columns: Vec<String>,
    /// (id, cells, what the item is called in its remove button)
    pub items: Vec<(String, Vec<String>, String)>,
    pub fields: Vec<FieldView>,
    pub error: String,
}

pub(super) struct SectionView {
    pub label: String,
    pub help: String,
    pub fields: Vec<FieldView>,
    pub groups: Vec<GroupView>,
}

/// The form's sections over `doc` (or, after a refused edit, over what was
/// typed), errors beside their fields.
pub(super) fn sections(form: &Form, doc: &Map<String, Value>, errors: &FormErrors) -> Vec<SectionView> {
    form.sections
        .iter()
        .map(|s| SectionView {
            label: s.label.clone(),
            help: s.help.clone().unwrap_or_default(),
            fields: s
                .fields
                .iter()
                .filter(|f| f.kind != FormType::Group)
                .map(|f| field(f, &format!("f-{}", f.name), doc.get(&f.name), errors.of(&f.name)))
                .collect(),
            groups: s.fields.iter().filter(|f| f.kind == FormType::Group).map(|g| group(g, doc, errors)).collect(),
        })
        .collect()
}

fn group(g: &FormField, doc: &Map<String, Value>, errors: &FormErrors) -> GroupView {
    let items = doc.get(&g.name).and_then(Value::as_array).cloned().unwrap_or_default();
    let prefix = format!("{}[", g.name);
    let error = errors.0.iter().find(|(f, _)| f == &g.name || f.starts_with(&prefix)).map(|(_, m)| m.clone());
    GroupView {
        name: g.name.clone(),
        label: g.label.clone(),
        help: g.help.clone().unwrap_or_default(),
        add_label: g.add_label.clone().unwrap_or_else(|| format!("Ajouter à « {} »", g.label)),
        columns: g.fields.iter().map(|f| f.label.clone()).collect(),
        items: items
            .iter()
            .filter_map(Value::as_object)
            .map(|item| {
                let cells: Vec<String> = g.fields.iter().map(|f| f.shown(item.get(&f.name))).collect();
                let id = item.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
                let name = cells.first().cloned().unwrap_or_default();
                (id, cells, name)
            })
            .collect(),
        fields: g.fields.iter().map(|f| field(f, &format!("{}-{}", g.name, f.name), None, "")).collect(),
        error: error.unwrap_or_default(),
    }
}

fn field(f: &FormField, id: &str, value: Option<&Value>, error: &str) -> FieldView {
    let (control, input_type) = match f.kind {
        FormType::LongText => ("textarea", "text"),
        FormType::Choice => ("select", "text"),
        FormType::Choices => ("multiple", "text"),
        FormType::Integer => ("input", "number"),
        FormType::Date => ("input", "date"),
        FormType::Email => ("input", "email"),
        _ => ("input", "text"),
    };
    let values: Vec<String> = match value {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(String::from).collect(),
        _ => vec![],
    };
    let help = match (f.kind, &f.help) {
        (_, Some(help)) => help.clone(),
        (FormType::Uai, None) => "7 chiffres et une lettre".into(),
        (FormType::Siret, None) => "14 chiffres".into(),
        (FormType::Choices, None) => "Ctrl ou Maj pour en choisir plusieurs".into(),
        _ => String::new(),
    };
    FieldView {
        name: f.name.clone(),
        id: id.to_string(),
        label: f.label.clone(),
        help,
        control,
        input_type,
        value: match value {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        },
        values,
        options: options(f),
        shown: f.shown(value),
        required: f.required,
        error: error.to_string(),
        pattern: match f.kind {
            FormType::Uai => "\\s*([0-9]\\s*){7}[A-Za-z]\\s*",
            FormType::Siret => "[0-9 ]{14,20}",
            _ => "",
        },
        check: match f.kind {
            FormType::Uai => "7 chiffres puis une lettre, par exemple 0690001A.",
            FormType::Siret => "14 chiffres.",
            FormType::Email => "une adresse électronique, nom@domaine.fr.",
            FormType::Integer => "un nombre entier.",
            FormType::Date => "une date.",
            _ => "",
        },
    }
}

fn options(f: &FormField) -> Vec<(String, String)> {
    match &f.list {
        Some(list) => crate::reference::items(list).iter().map(|e| (e.code.clone(), e.label.clone())).collect(),
        None => f.choices.iter().map(|c| (c.code.clone(), c.label.clone())).collect(),
    }
}

/// The form document's top-level fields (groups aside) from submitted
/// pairs: a several-choices field from all its pairs, an absent one empty.
pub(super) fn from_pairs(form: &Form, pairs: &[(String, String)]) -> Map<String, Value> {
    form.fields()
        .filter(|f| f.kind != FormType::Group)
        .map(|f| {
            let mut given = pairs.iter().filter(|(k, _)| k == &f.name).map(|(_, v)| v.clone());
            let value = if f.kind == FormType::Choices {
                Value::from(given.filter(|v| !v.is_empty()).collect::<Vec<_>>())
            } else {
                Value::from(given.next().unwrap_or_default())
            };
            (f.name.clone(), value)
        })
        .collect()
}

/// One item of the group `g` from submitted pairs.
pub(super) fn item_from_pairs(g: &FormField, pairs: &[(String, String)]) -> Map<String, Value> {
    g.fields
        .iter()
        .map(|f| {
            let value = pairs.iter().find(|(k, _)| k == &f.name).map(|(_, v)| v.clone()).unwrap_or_default();
            (f.name.clone(), Value::from(value))
        })
        .collect()
}
