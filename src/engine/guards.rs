//! The named predicates workflow files use as guards and conditions.

use super::facts::*;
use super::plan::Refusal;
use crate::calendar::{paris_date, ZONE};
use crate::workflow::{Check, Condition, Definition, EventDef, Predicate, RecordDef};
use chrono::{DateTime, Datelike, Utc};
use serde_json::{Map, Value};

pub(super) struct Ctx<'a> {
    pub def: &'a Definition,
    pub instance: &'a Instance,
    pub event: &'a EventDef,
    pub actor: &'a Actor,
    pub subject: Option<&'a Person>,
    pub data: &'a Map<String, Value>,
    pub now: DateTime<Utc>,
    /// The file's predicates' facts, built when one is first evaluated.
    pub cel: std::cell::RefCell<Option<super::rules::Evaluation>>,
}

/// Every code the engine's own refusals carry (`GuardFailed`): a workflow
/// file words them for people in its `[refusals]` table. Its predicates
/// carry their own codes and messages.
pub const REFUSAL_CODES: &[&str] = &[
    "already_assigned",
    "already_endorsed",
    "call_closed",
    "call_not_open",
    "condition_not_met",
    "declared_conflict",
    "no_labelled_renewal",
    "not_applicable",
    "not_assigned",
    "report_already_submitted",
    "report_missing",
    "review_already_submitted",
    "review_closed",
    "review_not_submitted",
    "reviews_pending",
    "rule_error",
];

fn failed(guard: Predicate, code: &str, message: impl Into<String>) -> Refusal {
    debug_assert!(REFUSAL_CODES.contains(&code), "refusal code `{code}` missing from REFUSAL_CODES");
    Refusal::GuardFailed { guard: guard.name().into(), code: code.into(), message: message.into() }
}

fn paris(t: DateTime<Utc>) -> String {
    t.with_timezone(&ZONE).format("%d/%m/%Y %H:%M").to_string()
}

impl Ctx<'_> {
    /// Whether `c` holds; a file's predicate that cannot be evaluated
    /// refuses the step rather than choosing a transition by accident.
    pub fn condition(&self, c: &Condition) -> Result<bool, Refusal> {
        match c {
            Condition::FieldEquals { field, value } => Ok(self.data.get(field).and_then(Value::as_str) == Some(value)),
            Condition::Predicate { predicate, negated } => match self.check(predicate) {
                Ok(()) => Ok(!*negated),
                Err(fault) if fault.code() == "rule_error" => Err(fault),
                Err(_) => Ok(*negated),
            },
        }
    }

    pub fn check(&self, check: &Check) -> Result<(), Refusal> {
        match check {
            Check::Builtin(p) => self.builtin(*p),
            Check::Rule(name) => {
                let rule = self.def.rules.get(name).ok_or_else(|| Refusal::GuardFailed {
                    guard: name.clone(),
                    code: "rule_error".into(),
                    message: format!("the workflow has no predicate `{name}`"),
                })?;
                let grid = super::grid_of(self.def, &self.instance.facts);
                let sources = super::rules::Sources {
                    instance: self.instance,
                    event: self.event,
                    data: self.data,
                    actor: self.actor,
                    subject: self.subject,
                    grid: &grid,
                    form: &self.def.form,
                    records: &self.def.records,
                };
                let mut cel = self.cel.borrow_mut();
                cel.get_or_insert_with(|| super::rules::Evaluation::new(self.now)).check(rule, &sources)
            }
        }
    }

    fn dossier(&self) -> Option<&DossierFacts> {
        match &self.instance.facts {
            Facts::Dossier(d) => Some(d),
            Facts::Label(_) => None,
        }
    }

    /// The first side the actor's scope endorses on the dossier that has no
    /// record `record` yet (its field taken from the actor's side).
    pub fn endorsable_side(&self, record: &RecordDef) -> Option<String> {
        let d = self.dossier()?;
        let field = record.side_field()?;
        let recorded: Vec<&Value> = record_values(&d.records, &record.name, &field.name).collect();
        self.actor.grants.iter().find_map(|g| {
            let side = self.def.role(&g.role)?.endorses.clone()?;
            let in_scope = g.scope.as_ref().is_some_and(|s| d.scopes.contains(s));
            let free = !recorded.iter().any(|v| v.as_str() == Some(side.as_str()));
            (in_scope && free).then_some(side)
        })
    }

    /// The years of the label's yearly records (the `per_anniversary` one).
    fn reported_years(&self, l: &LabelFacts) -> Vec<i32> {
        let Some(record) = self.def.records.iter().find(|r| r.per_anniversary) else { return vec![] };
        let key = record.key.as_deref().unwrap_or_default();
        record_values(&l.records, &record.name, key).filter_map(Value::as_i64).map(|y| y as i32).collect()
    }

    fn check_label(&self, guard: Predicate, l: &LabelFacts) -> Result<(), Refusal> {
        let today = paris_date(self.now);
        let reports = self.reported_years(l);
        let submitted = |year: Option<i32>| year.is_some_and(|y| reports.contains(&y));
        match guard {
            Predicate::HasLabelledRenewal if l.has_labelled_renewal => Ok(()),
            Predicate::HasLabelledRenewal => {
                Err(failed(guard, "no_labelled_renewal", "no renewal of this label has been labelled"))
            }
            Predicate::LastReportSubmitted => {
                let year = crate::calendar::last_anniversary(l.valid_from, today).map(|a| a.year());
                if submitted(year) {
                    Ok(())
                } else {
                    Err(failed(guard, "report_missing", "the activity report of the last anniversary is missing"))
                }
            }
            Predicate::NextReportSubmitted => {
                let year = crate::calendar::next_anniversary(l.valid_from, l.valid_until, today).map(|a| a.year());
                if submitted(year) {
                    Ok(())
                } else {
                    Err(failed(guard, "report_missing", "the activity report of the next anniversary is not in yet"))
                }
            }
            Predicate::ReportYearOpen => {
                let year = self.data.get("year").and_then(Value::as_i64).unwrap_or_default() as i32;
                let first = crate::calendar::anniversary(l.valid_from, 1).year();
                let last = l.valid_until.year() + 1;
                if year < first || year > last || year > today.year() + 1 {
                    return Err(Refusal::invalid(
                        "year",
                        format!("must be an anniversary year of the label, {first} to {}", last.min(today.year() + 1)),
                    ));
                }
                if reports.contains(&year) {
                    return Err(failed(
                        guard,
                        "report_already_submitted",
                        format!("the {year} activity report is already in"),
                    ));
                }
                Ok(())
            }
            _ => Err(failed(guard, "not_applicable", "this condition does not apply to a label")),
        }
    }

    fn builtin(&self, guard: Predicate) -> Result<(), Refusal> {
        if let Facts::Label(l) = &self.instance.facts {
            return self.check_label(guard, l);
        }
        let Some(d) = self.dossier() else {
            return Ok(());
        };
        match guard {
            Predicate::CallOpen => match (d.call_opens_at, d.call_closes_at) {
                (Some(open), _) if self.now < open => {
                    Err(failed(guard, "call_not_open", format!("the call for projects opens on {}", paris(open))))
                }
                (_, Some(close)) if self.now >= close => {
                    Err(failed(guard, "call_closed", format!("the call for projects closed on {}", paris(close))))
                }
                _ => Ok(()),
            },
            // Any of the file's records written by side will do: a workflow
            // has one (the endorsement).
            Predicate::ActorSideNotEndorsed => self
                .def
                .records_of(crate::workflow::Machine::Dossier)
                .find_map(|r| self.endorsable_side(r))
                .map(|_| ())
                .ok_or_else(|| failed(guard, "already_endorsed", "your side has already endorsed this dossier")),
            Predicate::DueInFuture => {
                let due =
                    self.data.get("due").and_then(Value::as_str).and_then(|s| DateTime::parse_from_rfc3339(s).ok());
                match due {
                    Some(due) if due > self.now => Ok(()),
                    _ => Err(Refusal::invalid("due", format!("must be after today ({})", paris_date(self.now)))),
                }
            }
            Predicate::ReviewerNotAssigned => match self.subject {
                Some(p) if d.reviewers.iter().any(|r| r.user_id == p.user_id) => {
                    Err(failed(guard, "already_assigned", "this reviewer is already assigned to the dossier"))
                }
                Some(p) if d.recused.contains(&p.user_id) => Err(failed(
                    guard,
                    "declared_conflict",
                    "this reviewer declared a conflict of interest with the dossier",
                )),
                _ => Ok(()),
            },
            Predicate::ReviewNotSubmitted => {
                let mine = d.reviewers.iter().find(|r| Some(r.user_id) == self.actor.user_id);
                match mine {
                    Some(r) if r.scores.is_some() => {
                        Err(failed(guard, "review_already_submitted", "you have already submitted your review"))
                    }
                    _ => Ok(()),
                }
            }
            Predicate::ReviewRevisable => {
                let mine = d.reviewers.iter().find(|r| Some(r.user_id) == self.actor.user_id);
                match mine {
                    Some(r) if r.scores.is_none() => {
                        Err(failed(guard, "review_not_submitted", "you have not submitted a review to revise"))
                    }
                    Some(r) if r.due < self.now => {
                        Err(failed(guard, "review_closed", "the review's due date has passed: it may no longer change"))
                    }
                    Some(_) => Ok(()),
                    None => Err(failed(guard, "not_assigned", "you are not assigned to this dossier")),
                }
            }
            Predicate::CompletesReviews => {
                let others_done =
                    d.reviewers.iter().filter(|r| Some(r.user_id) != self.actor.user_id).all(|r| r.scores.is_some());
                if others_done {
                    Ok(())
                } else {
                    Err(failed(guard, "reviews_pending", "other reviews are still pending"))
                }
            }
            Predicate::HasLabelledRenewal
            | Predicate::LastReportSubmitted
            | Predicate::NextReportSubmitted
            | Predicate::ReportYearOpen => Err(failed(guard, "not_applicable", "this condition applies to labels")),
        }
    }
}
