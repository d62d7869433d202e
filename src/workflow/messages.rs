//! Messages on a dossier (`[messages]`): a thread between the dossier's
//! owners and the staff of its scope, each message e-mailed to the other
//! side. A workflow without the table has no thread.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MessageRules {
    /// The thread is open on this workflow's dossiers.
    pub enabled: bool,
    /// The reviewers assigned to a dossier read its thread (they never
    /// write in it).
    pub reviewers_read: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMessages {
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    reviewers_read: bool,
}

fn yes() -> bool {
    true
}

pub(super) fn build(raw: &RawMessages) -> MessageRules {
    MessageRules { enabled: raw.enabled, reviewers_read: raw.reviewers_read }
}
