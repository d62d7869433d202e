//! A dossier's form document checked against its workflow's form: each
//! value parsed once into its stored shape (codes for choices, upper-case
//! establishment codes, trimmed text), conditions applied, and what is still
//! missing listed. A draft may be incomplete; a value of the wrong shape is
//! refused at once, naming its field.

use crate::workflow::{FieldIs, Form, FormField, FormType};
use serde_json::{Map, Value};

/// A refused value: the field's path (`partners[2].siret`) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

type Doc = Map<String, Value>;

fn refuse(field: &str, reason: impl Into<String>) -> FieldError {
    FieldError { field: field.to_string(), reason: reason.into() }
}

/// `current` with `changes` applied: every changed field is checked and
/// normalised (null or an empty value clears it), then the document as a
/// whole (values that must lie within another field's value, hidden fields
/// dropped). Group items keep the `id` they are given.
pub fn apply(form: &Form, current: &Doc, changes: &Doc) -> Result<Doc, FieldError> {
    apply_all(form, current, changes).map_err(|mut errors| errors.swap_remove(0))
}

/// As [`apply`], refusing with every error found (in the order of the
/// changes, then of the form), not only the first.
pub fn apply_all(form: &Form, current: &Doc, changes: &Doc) -> Result<Doc, Vec<FieldError>> {
    let mut doc = current.clone();
    let mut errors = Vec::new();
    for (name, value) in changes {
        let Some(field) = form.field(name) else {
            errors.push(refuse(name, "is not a field of this form"));
            continue;
        };
        match normalise(field, name, value) {
            Ok(Some(v)) => {
                doc.insert(name.clone(), v);
            }
            Ok(None) => {
                doc.remove(name);
            }
            Err(e) => errors.push(e),
        }
    }
    settle(&form.fields().collect::<Vec<_>>(), &mut doc, "", &mut errors);
    if errors.is_empty() {
        Ok(doc)
    } else {
        Err(errors)
    }
}

/// Drops values of hidden fields and checks `within`, at one level.
fn settle(fields: &[&FormField], doc: &mut Doc, prefix: &str, errors: &mut Vec<FieldError>) {
    for f in fields {
        if f.visible_if.as_ref().is_some_and(|c| !holds(c, doc)) {
            doc.remove(&f.name);
        }
    }
    for f in fields {
        let path = format!("{prefix}{}", f.name);
        if let (Some(within), Some(list)) = (&f.within, &f.list) {
            let Some(outer) = doc.get(within).and_then(Value::as_str).map(str::to_string) else { continue };
            for code in values(doc.get(&f.name)) {
                let parent = crate::reference::lookup(list, code).and_then(|e| e.parent.clone());
                if parent.as_deref() != Some(outer.as_str()) {
                    errors.push(refuse(&path, format!("`{code}` is not in `{outer}`, the value of `{within}`")));
                    break;
                }
            }
        }
        if f.kind == FormType::Group {
            if let Some(Value::Array(items)) = doc.get_mut(&f.name) {
                for (i, item) in items.iter_mut().enumerate() {
                    if let Value::Object(item) = item {
                        let fields: Vec<_> = f.fields.iter().collect();
                        settle(&fields, item, &format!("{path}[{}].", i + 1), errors);
                    }
                }
            }
        }
    }
}

fn holds(condition: &FieldIs, doc: &Doc) -> bool {
    doc.get(&condition.field).and_then(Value::as_str) == Some(condition.value.as_str())
}

fn values(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

/// The labels of required fields left empty (those required by a condition
/// that holds included; hidden ones excluded), group items as
/// `Label n°2 : sub-label`.
pub fn missing(form: &Form, doc: &Doc) -> Vec<String> {
    let mut out = Vec::new();
    missing_at(form.fields(), doc, "", &mut out);
    out
}

fn missing_at<'a>(fields: impl Iterator<Item = &'a FormField>, doc: &Doc, prefix: &str, out: &mut Vec<String>) {
    for f in fields {
        if f.visible_if.as_ref().is_some_and(|c| !holds(c, doc)) {
            continue;
        }
        let required = f.required || f.required_if.as_ref().is_some_and(|c| holds(c, doc));
        let value = doc.get(&f.name);
        if required && value.is_none_or(is_empty) {
            out.push(format!("{prefix}{}", f.label));
        }
        if let Some(Value::Array(items)) = value.filter(|_| f.kind == FormType::Group) {
            for (i, item) in items.iter().enumerate() {
                if let Value::Object(item) = item {
                    missing_at(f.fields.iter(), item, &format!("{} n°{} : ", f.label, i + 1), out);
                }
            }
        }
    }
}

/// The names of a group item's required fields left empty.
pub fn missing_item(group: &FormField, item: &Doc) -> Vec<String> {
    group
        .fields
        .iter()
        .filter(|f| f.visible_if.as_ref().is_none_or(|c| holds(c, item)))
        .filter(|f| f.required || f.required_if.as_ref().is_some_and(|c| holds(c, item)))
        .filter(|f| item.get(&f.name).is_none_or(is_empty))
        .map(|f| f.name.clone())
        .collect()
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The stored shape of one value; `None` for an empty one.
pub fn normalise(field: &FormField, path: &str, value: &Value) -> Result<Option<Value>, FieldError> {
    if is_empty(value) {
        return Ok(None);
    }
    let text = || match value {
        Value::String(s) => Ok(s.as_str()),
        _ => Err(refuse(path, "must be a string")),
    };
    let stored = match field.kind {
        FormType::Text => Value::String(one_line(text()?, field.text_limit()).map_err(|r| refuse(path, r))?),
        FormType::LongText => {
            let t = text()?.trim();
            if t.chars().count() > field.text_limit() {
                return Err(refuse(path, format!("is longer than {} characters", field.text_limit())));
            }
            Value::String(t.to_string())
        }
        FormType::Integer => {
            let n = match value {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }
            .ok_or_else(|| refuse(path, "must be a whole number"))?;
            if field.min.is_some_and(|m| n < m) || field.max.is_some_and(|m| n > m) {
                let bound = |b: Option<i64>| b.map_or("…".to_string(), |b| b.to_string());
                return Err(refuse(path, format!("must be between {} and {}", bound(field.min), bound(field.max))));
            }
            Value::from(n)
        }
        FormType::Date => {
            let t = text()?.trim();
            let d = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .map_err(|_| refuse(path, "must be a date (YYYY-MM-DD)"))?;
            Value::String(d.to_string())
        }
        FormType::Email => {
            let t = text()?.trim().to_lowercase();
            if t.len() > 254 || t.parse::<lettre::Address>().is_err() {
                return Err(refuse(path, "must be an e-mail address"));
            }
            Value::String(t)
        }
        FormType::Choice => Value::String(choose(field, path, text()?)?),
        FormType::Choices => {
            let items: Vec<&str> = match value {
                Value::Array(items) => items
                    .iter()
                    .map(|v| v.as_str().ok_or_else(|| refuse(path, "must be a list of strings")))
                    .collect::<Result<_, _>>()?,
                Value::String(s) => vec![s.as_str()],
                _ => return Err(refuse(path, "must be a list of strings")),
            };
            let mut codes = Vec::new();
            for item in items.into_iter().filter(|i| !i.trim().is_empty()) {
                let code = choose(field, path, item)?;
                if !codes.contains(&code) {
                    codes.push(code);
                }
            }
            codes.sort();
            if codes.is_empty() {
                return Ok(None);
            }
            Value::from(codes)
        }
        FormType::Uai => Value::String(uai(text()?).map_err(|r| refuse(path, r))?),
        FormType::Siret => Value::String(siret(text()?).map_err(|r| refuse(path, r))?),
        FormType::Group => {
            let Value::Array(items) = value else { return Err(refuse(path, "must be a list of objects")) };
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let at = format!("{path}[{}]", i + 1);
                let Value::Object(item) = item else { return Err(refuse(&at, "must be an object")) };
                let mut stored = Map::new();
                for (key, v) in item {
                    if key == "id" {
                        if !v.is_null() {
                            stored.insert(key.clone(), v.clone());
                        }
                        continue;
                    }
                    let sub = field.fields.iter().find(|f| &f.name == key);
                    let sub = sub.ok_or_else(|| refuse(&format!("{at}.{key}"), "is not a field of this group"))?;
                    if let Some(v) = normalise(sub, &format!("{at}.{key}"), v)? {
                        stored.insert(key.clone(), v);
                    }
                }
                out.push(Value::Object(stored));
            }
            if out.is_empty() {
                return Ok(None);
            }
            Value::Array(out)
        }
    };
    Ok(Some(stored))
}

fn choose(field: &FormField, path: &str, input: &str) -> Result<String, FieldError> {
    let input = input.trim();
    let found = match &field.list {
        Some(list) => crate::reference::lookup(list, input).map(|e| e.code.clone()),
        None => field
            .choices
            .iter()
            .find(|c| c.code == input || crate::reference::fold(&c.label) == crate::reference::fold(input))
            .map(|c| c.code.clone()),
    };
    found.ok_or_else(|| match &field.list {
        Some(list) => refuse(path, format!("unknown value `{input}` (not in the list `{list}`)")),
        None => refuse(path, format!("unknown value `{input}` (choices: {})", codes(field))),
    })
}

fn codes(field: &FormField) -> String {
    field.choices.iter().map(|c| c.code.as_str()).collect::<Vec<_>>().join(", ")
}

/// A one-line text: control characters (tab, line break…) are refused, not
/// trimmed away, so what is stored is what was sent, less outer spaces.
pub fn one_line(value: &str, limit: usize) -> Result<String, String> {
    if value.chars().any(char::is_control) {
        return Err("contains control characters (tab, line break…)".into());
    }
    let v = value.trim();
    if v.chars().count() > limit {
        return Err(format!("is longer than {limit} characters"));
    }
    Ok(v.to_string())
}

/// Letters a UAI's check letter is taken from: the alphabet without I, O
/// and Q, indexed by the seven digits modulo 23.
const UAI_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPRSTUVWXYZ";

/// An establishment's UAI (formerly RNE): seven digits and its check letter.
pub fn uai(input: &str) -> Result<String, String> {
    let code: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    let (digits, letter) = code.split_at(code.len().min(7));
    if code.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) || !letter.bytes().all(|b| b.is_ascii_uppercase())
    {
        return Err("must be a UAI: 7 digits and a letter".into());
    }
    let n: u32 = digits.parse().map_err(|_| "must be a UAI: 7 digits and a letter".to_string())?;
    let expected = UAI_LETTERS[(n % 23) as usize] as char;
    if letter != expected.to_string() {
        return Err(format!("is not a valid UAI: its check letter would be {expected}"));
    }
    Ok(code)
}

/// SIREN of La Poste, whose establishments' SIRET follow another rule.
const LA_POSTE_SIREN: &str = "356000000";

/// A SIRET: 14 digits passing the Luhn check (La Poste's: their sum a
/// multiple of 5).
pub fn siret(input: &str) -> Result<String, String> {
    let code: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 14 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err("must be a SIRET: 14 digits".into());
    }
    let digits = code.bytes().map(|b| u32::from(b - b'0'));
    let valid = if code.starts_with(LA_POSTE_SIREN) {
        digits.sum::<u32>() % 5 == 0
    } else {
        digits
            .rev()
            .enumerate()
            .map(|(i, d)| {
                if i % 2 == 1 {
                    if d * 2 > 9 {
                        d * 2 - 9
                    } else {
                        d * 2
                    }
                } else {
                    d
                }
            })
            .sum::<u32>()
            % 10
            == 0
    };
    if !valid {
        return Err("is not a valid SIRET (its check digit does not match)".into());
    }
    Ok(code)
}

/// The scopes the document places its dossier in: each value of a field
/// with a `scope`, as `kind:CODE`.
pub fn scopes(form: &Form, doc: &Doc) -> Vec<crate::engine::Scope> {
    let mut out: Vec<crate::engine::Scope> = form
        .scope_fields()
        .flat_map(|(kind, f)| {
            values(doc.get(&f.name)).into_iter().map(move |code| crate::engine::Scope::new(kind, code))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The document as predicates and clients read it: every field of the form
/// present, an empty one as its type's empty value (`""`, `[]`, null), so
/// that an expression need not test for a field before reading it.
pub fn view(form: &Form, doc: &Doc) -> Doc {
    view_at(form.fields(), doc)
}

fn view_at<'a>(fields: impl Iterator<Item = &'a FormField>, doc: &Doc) -> Doc {
    let mut out = Map::new();
    for f in fields {
        let value = match (doc.get(&f.name), f.kind) {
            (Some(Value::Array(items)), FormType::Group) => Value::Array(
                items
                    .iter()
                    .map(|item| match item {
                        Value::Object(item) => {
                            let mut full = view_at(f.fields.iter(), item);
                            if let Some(id) = item.get("id") {
                                full.insert("id".into(), id.clone());
                            }
                            Value::Object(full)
                        }
                        other => other.clone(),
                    })
                    .collect(),
            ),
            (Some(v), _) => v.clone(),
            (None, kind) => empty(kind),
        };
        out.insert(f.name.clone(), value);
    }
    out
}

fn empty(kind: FormType) -> Value {
    match kind {
        FormType::Choices | FormType::Group => Value::Array(vec![]),
        FormType::Integer | FormType::Date => Value::Null,
        _ => Value::String(String::new()),
    }
}

/// A document with a value in every field and one item in every group, so
/// that `workflow check` knows the shape of everything an expression reads.
pub fn sample(form: &Form) -> Doc {
    sample_at(form.fields())
}

fn sample_at<'a>(fields: impl Iterator<Item = &'a FormField>) -> Doc {
    fields
        .map(|f| {
            let value = match f.kind {
                FormType::Integer => Value::from(1),
                FormType::Date => Value::from("2000-01-01"),
                FormType::Choices => Value::from(vec!["x"]),
                FormType::Group => Value::Array(vec![Value::Object(sample_at(f.fields.iter()))]),
                _ => Value::from("x"),
            };
            (f.name.clone(), value)
        })
        .collect()
}
