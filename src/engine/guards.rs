//! The named predicates workflow files use as guards and conditions.

use super::facts::*;
use super::plan::{Refusal, Side};
use crate::calendar::{paris_date, ZONE};
use crate::workflow::{Condition, Definition, Predicate, Role};
use chrono::{DateTime, Datelike, Utc};
use serde_json::{Map, Value};

pub(super) struct Ctx<'a> {
    pub def: &'a Definition,
    pub instance: &'a Instance,
    pub actor: &'a Actor,
    pub subject: Option<&'a Person>,
    pub data: &'a Map<String, Value>,
    pub now: DateTime<Utc>,
}

/// Every code a refused step may carry (`GuardFailed`): a workflow file
/// words them for people in its `[refusals]` table.
pub const REFUSAL_CODES: &[&str] = &[
    "already_assigned",
    "already_endorsed",
    "call_closed",
    "call_not_open",
    "condition_not_met",
    "conflict_of_interest",
    "declared_conflict",
    "excellence_thresholds_not_met",
    "missing_fields",
    "no_eple_partner",
    "no_labelled_renewal",
    "not_applicable",
    "not_endorsed",
    "opinions_missing",
    "report_already_submitted",
    "report_missing",
    "review_already_submitted",
    "reviews_pending",
];

fn failed(guard: Predicate, code: &str, message: impl Into<String>) -> Refusal {
    debug_assert!(REFUSAL_CODES.contains(&code), "refusal code `{code}` missing from REFUSAL_CODES");
    Refusal::GuardFailed { guard: guard.name().into(), code: code.into(), message: message.into() }
}

fn paris(t: DateTime<Utc>) -> String {
    t.with_timezone(&ZONE).format("%d/%m/%Y %H:%M").to_string()
}

impl Ctx<'_> {
    pub fn condition(&self, c: &Condition) -> bool {
        match c {
            Condition::FieldEquals { field, value } => self.data.get(field).and_then(Value::as_str) == Some(value),
            Condition::Predicate { predicate, negated } => self.check(*predicate).is_ok() != *negated,
        }
    }

    fn dossier(&self) -> Option<&DossierFacts> {
        match &self.instance.facts {
            Facts::Dossier(d) => Some(d),
            Facts::Label(_) => None,
        }
    }

    /// The first side of the dossier the actor's scope endorses and that
    /// has not endorsed yet.
    pub fn endorsable_side(&self) -> Option<Side> {
        let d = self.dossier()?;
        self.actor.grants.iter().find_map(|g| match (&g.role, &g.scope) {
            (Role::StaffRectorat, Some(Scope::Academie(a))) if d.academies.contains(a) && !d.endorsed_rectorat => {
                Some(Side::Rectorat)
            }
            (Role::StaffRegion, Some(Scope::Region(r))) if *r == d.region && !d.endorsed_region => Some(Side::Region),
            _ => None,
        })
    }

    fn check_label(&self, guard: Predicate, l: &LabelFacts) -> Result<(), Refusal> {
        let today = paris_date(self.now);
        let submitted = |year: Option<i32>| year.is_some_and(|y| l.reports.contains(&y));
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
                if l.reports.contains(&year) {
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

    pub fn check(&self, guard: Predicate) -> Result<(), Refusal> {
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
            Predicate::RequiredFieldsPresent => {
                let missing = d.missing_fields();
                if missing.is_empty() {
                    Ok(())
                } else {
                    Err(failed(guard, "missing_fields", format!("required fields are empty: {}", missing.join(", "))))
                }
            }
            Predicate::HasEplePartner => {
                if d.partners.iter().any(|(_, kind)| kind == "eple") {
                    Ok(())
                } else {
                    Err(failed(guard, "no_eple_partner", "the network must include at least one EPLE partner"))
                }
            }
            Predicate::EndorsedByBothSides => match (d.endorsed_rectorat, d.endorsed_region) {
                (true, true) => Ok(()),
                (false, true) => Err(failed(guard, "not_endorsed", "the rectorat has not endorsed the dossier")),
                (true, false) => Err(failed(guard, "not_endorsed", "the région has not endorsed the dossier")),
                (false, false) => {
                    Err(failed(guard, "not_endorsed", "neither the rectorat nor the région has endorsed the dossier"))
                }
            },
            Predicate::ActorSideNotEndorsed => self
                .endorsable_side()
                .map(|_| ())
                .ok_or_else(|| failed(guard, "already_endorsed", "your side has already endorsed this dossier")),
            Predicate::OpinionsRecorded => {
                let missing: Vec<&str> =
                    ["crefop", "conseil_academique"].into_iter().filter(|b| !d.opinions.contains_key(*b)).collect();
                if missing.is_empty() {
                    Ok(())
                } else {
                    Err(failed(guard, "opinions_missing", format!("opinions not yet recorded: {}", missing.join(", "))))
                }
            }
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
                    Err(failed(guard, "already_assigned", "this rapporteur is already assigned to the dossier"))
                }
                Some(p) if d.recused.contains(&p.user_id) => Err(failed(
                    guard,
                    "declared_conflict",
                    "this rapporteur declared a conflict of interest with the dossier",
                )),
                _ => Ok(()),
            },
            Predicate::NoConflictOfInterest => {
                let Some(person) = self.subject else {
                    return Ok(());
                };
                match conflict(d, &person.affiliations) {
                    None => Ok(()),
                    Some(why) => Err(failed(
                        guard,
                        "conflict_of_interest",
                        format!("conflict of interest: the rapporteur is affiliated with {why}"),
                    )),
                }
            }
            Predicate::ReviewNotSubmitted => {
                let mine = d.reviewers.iter().find(|r| Some(r.user_id) == self.actor.user_id);
                match mine {
                    Some(r) if r.scores.is_some() => {
                        Err(failed(guard, "review_already_submitted", "you have already submitted your review"))
                    }
                    _ => Ok(()),
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
            Predicate::LabelTermsGiven => {
                if !self.data.contains_key("category") {
                    return Err(Refusal::invalid("category", "is required when the outcome is labelled"));
                }
                if !self.data.contains_key("years") {
                    return Err(Refusal::invalid("years", "is required when the outcome is labelled"));
                }
                Ok(())
            }
            Predicate::ExcellenceThresholdsMet => {
                if self.data.get("category").and_then(Value::as_str) != Some("excellence") {
                    return Ok(());
                }
                if self.data.get("excellence_override").and_then(Value::as_str).is_some_and(|s| !s.is_empty()) {
                    return Ok(());
                }
                let averages = d.averages();
                let below: Vec<String> = self
                    .def
                    .grid
                    .criteria
                    .iter()
                    .filter(|c| averages.get(&c.code).is_none_or(|avg| *avg < c.excellence as f64))
                    .map(|c| c.code.clone())
                    .collect();
                if below.is_empty() {
                    Ok(())
                } else {
                    Err(failed(
                        guard,
                        "excellence_thresholds_not_met",
                        format!("average below the Excellence threshold for: {} (record an excellence_override to decide otherwise)", below.join(", ")),
                    ))
                }
            }
            Predicate::HasLabelledRenewal
            | Predicate::LastReportSubmitted
            | Predicate::NextReportSubmitted
            | Predicate::ReportYearOpen => Err(failed(guard, "not_applicable", "this condition applies to labels")),
        }
    }
}

/// What ties a rapporteur to the dossier, if anything: a shared académie,
/// région, or organisation (support establishment or partner).
pub fn conflict(d: &DossierFacts, affiliations: &[Scope]) -> Option<String> {
    let same_org = |a: &str, b: &str| a.trim().to_lowercase() == b.trim().to_lowercase();
    affiliations.iter().find_map(|a| match a {
        Scope::Academie(code) if d.academies.contains(code) => Some(format!("the académie {code}")),
        Scope::Region(code) if *code == d.region => Some(format!("the région {code}")),
        Scope::Org(name)
            if same_org(name, &d.support_establishment) || d.partners.iter().any(|(p, _)| same_org(p, name)) =>
        {
            Some(format!("the organisation {name}"))
        }
        _ => None,
    })
}
