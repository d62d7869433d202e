//! Validates an event's input against the fields its definition declares.

use super::plan::Refusal;
use crate::calendar::parse_deadline;
use crate::workflow::{EventDef, FieldType, Grid};
use chrono::SecondsFormat;
use serde_json::{Map, Value};

/// Longest free text accepted in an event field.
pub const MAX_TEXT: usize = 20_000;

/// Returns the normalised input: trimmed texts, deadlines as UTC RFC 3339.
pub fn validate(event: &EventDef, data: &Map<String, Value>, grid: &Grid) -> Result<Map<String, Value>, Refusal> {
    if let Some(unknown) = data.keys().find(|k| !event.fields.iter().any(|f| &f.name == *k)) {
        return Err(Refusal::invalid(unknown, format!("event `{}` takes no field `{unknown}`", event.name)));
    }
    let mut out = Map::new();
    for field in &event.fields {
        let name = field.name.as_str();
        let value = match data.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s))
                if s.trim().is_empty() && !matches!(field.kind, FieldType::Scores | FieldType::Notes) =>
            {
                None
            }
            Some(v) => Some(v),
        };
        let Some(value) = value else {
            if field.required {
                return Err(Refusal::invalid(name, "is required"));
            }
            continue;
        };
        let normalised = match field.kind {
            FieldType::Text => {
                let s = value.as_str().ok_or_else(|| Refusal::invalid(name, "must be a string"))?.trim();
                if s.chars().count() > MAX_TEXT {
                    return Err(Refusal::invalid(name, format!("is longer than {MAX_TEXT} characters")));
                }
                Value::String(s.to_string())
            }
            FieldType::Choice => {
                let s = value.as_str().ok_or_else(|| Refusal::invalid(name, "must be a string"))?;
                if !field.choices.iter().any(|c| c == s) {
                    return Err(Refusal::invalid(name, format!("must be one of: {}", field.choices.join(", "))));
                }
                Value::String(s.to_string())
            }
            FieldType::Integer => {
                let n = value.as_i64().ok_or_else(|| Refusal::invalid(name, "must be a whole number"))?;
                if let Some(min) = field.min.filter(|m| n < *m) {
                    return Err(Refusal::invalid(name, format!("must be at least {min}")));
                }
                if let Some(max) = field.max.filter(|m| n > *m) {
                    return Err(Refusal::invalid(name, format!("must be at most {max}")));
                }
                Value::from(n)
            }
            FieldType::Date => {
                const DATE: &str = "must be a date (YYYY-MM-DD) of a year from 1000 to 9999";
                let s = value.as_str().ok_or_else(|| Refusal::invalid(name, DATE))?;
                let d = crate::calendar::parse_date(s).ok_or_else(|| Refusal::invalid(name, DATE))?;
                Value::String(d.to_string())
            }
            FieldType::Deadline => {
                const DEADLINE: &str = "must be a date or an RFC 3339 instant, of a year from 1000 to 9999";
                let s = value.as_str().ok_or_else(|| Refusal::invalid(name, DEADLINE))?;
                let t = parse_deadline(s).ok_or_else(|| Refusal::invalid(name, DEADLINE))?;
                Value::String(t.to_rfc3339_opts(SecondsFormat::Secs, true))
            }
            FieldType::User => {
                let s = value.as_str().ok_or_else(|| Refusal::invalid(name, "must be a user id"))?;
                let id = uuid::Uuid::parse_str(s.trim()).map_err(|_| Refusal::invalid(name, "must be a user id"))?;
                Value::String(id.to_string())
            }
            FieldType::Scores => Value::Object(validate_scores(name, value, grid)?),
            FieldType::Notes => Value::Object(validate_notes(name, value, grid)?),
        };
        out.insert(name.to_string(), normalised);
    }
    for field in &event.fields {
        if let Some((other, value)) = &field.required_if {
            if !out.contains_key(&field.name) && out.get(other).and_then(Value::as_str) == Some(value) {
                return Err(Refusal::invalid(&field.name, format!("is required when {other} is {value}")));
            }
        }
    }
    Ok(out)
}

/// A text per criterion: each key a criterion of the grid, each value a
/// text; empty ones are dropped.
fn validate_notes(name: &str, value: &Value, grid: &Grid) -> Result<Map<String, Value>, Refusal> {
    let notes = value.as_object().ok_or_else(|| Refusal::invalid(name, "must map criterion codes to texts"))?;
    let mut out = Map::new();
    for (code, text) in notes {
        let field = format!("{name}.{code}");
        if grid.criterion(code).is_none() {
            return Err(Refusal::invalid(&field, "is not a criterion of the grid"));
        }
        let text = text.as_str().ok_or_else(|| Refusal::invalid(&field, "must be a text"))?.trim();
        if text.chars().count() > MAX_TEXT {
            return Err(Refusal::invalid(&field, format!("is longer than {MAX_TEXT} characters")));
        }
        if !text.is_empty() {
            out.insert(code.clone(), Value::from(text));
        }
    }
    Ok(out)
}

fn validate_scores(name: &str, value: &Value, grid: &Grid) -> Result<Map<String, Value>, Refusal> {
    let scores = value.as_object().ok_or_else(|| Refusal::invalid(name, "must map each criterion code to a score"))?;
    if let Some(unknown) = scores.keys().find(|k| grid.criterion(k).is_none()) {
        return Err(Refusal::invalid(&format!("{name}.{unknown}"), "is not a criterion of the grid"));
    }
    let mut out = Map::new();
    for c in &grid.criteria {
        let field = format!("{name}.{}", c.code);
        let (min, max) = c.range();
        let score = scores
            .get(&c.code)
            .ok_or_else(|| Refusal::invalid(&field, "a score is required for every criterion"))?
            .as_i64()
            .ok_or_else(|| Refusal::invalid(&field, "must be a whole number"))?;
        if score < min || score > max {
            return Err(Refusal::invalid(&field, format!("must be between {min} and {max}")));
        }
        out.insert(c.code.clone(), Value::from(score));
    }
    Ok(out)
}
