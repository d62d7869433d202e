//! Webhooks: what a step announces to the addresses that subscribed, how a
//! delivery is signed, and the worker that posts them.

pub mod signature;
pub mod worker;

/// The kinds every workflow announces: each change of state, each
/// decision recorded, each label granted. A workflow adds its own with an
/// event's `announce` (`label_expiring`).
pub const BUILT_IN_KINDS: [&str; 3] = ["state_changed", "decision", "label_granted"];

/// The kinds a step announces, built-in ones first.
pub fn kinds_of(plan: &crate::engine::Plan) -> Vec<&str> {
    let mut kinds = vec!["state_changed"];
    if plan.records.iter().any(|r| matches!(r, crate::engine::Record::Decision { .. })) {
        kinds.push("decision");
    }
    if plan.new_label.is_some() {
        kinds.push("label_granted");
    }
    if let Some(own) = &plan.announce {
        kinds.push(own);
    }
    kinds
}

/// What a step tells its subscribers: where and what changed, the decision
/// and the label it made. Names and texts stay out (a receiver reads them
/// through the API with its own token), so a delivery carries no personal
/// data and no more than its subscriber may know.
pub fn payload(plan: &crate::engine::Plan, label_id: Option<uuid::Uuid>) -> serde_json::Value {
    let mut body = serde_json::json!({
        "occurred_at": plan.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "entity": plan.machine.name(),
        "entity_id": plan.instance_id,
        "event": plan.event,
        "from": plan.from_state,
        "to": plan.to_state,
        "version": plan.expected_version + 1,
    });
    for record in &plan.records {
        if let crate::engine::Record::Decision { outcome, category, years, .. } = record {
            body["decision"] = serde_json::json!({"outcome": outcome, "category": category, "years": years});
        }
    }
    if let (Some(label), Some(id)) = (&plan.new_label, label_id) {
        body["label"] = serde_json::json!({
            "id": id, "category": label.category, "valid_from": label.valid_from,
            "valid_until": label.valid_until, "renewal_of": label.renewal_of,
        });
    }
    body
}
