//! Messages on a dossier (`[messages]`): a thread between the dossier's
//! owners and the staff of its scope, each message e-mailed to the other
//! side. A workflow without the table has no thread.

use super::{Recipient, RoleDef, RoleKind};
use serde::{Deserialize, Serialize};

/// The e-mail telling the other side of a new message.
pub const MESSAGE_TEMPLATE: &str = "message_received";

/// Whom a message written by `side` (`owners` or `staff`) e-mails: the
/// owners for the staff's, the staff roles in the dossier's scope for the
/// owners'.
pub fn other_side(roles: &[RoleDef], side: &str) -> Vec<Recipient> {
    if side == "owners" {
        let staff = roles.iter().filter(|r| r.kind == RoleKind::Staff);
        staff.map(|r| Recipient::InScope(r.name.clone())).collect()
    } else {
        vec![Recipient::Owners]
    }
}

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

impl RawMessages {
    pub(super) fn enabled(&self) -> bool {
        self.enabled
    }
}

fn yes() -> bool {
    true
}

pub(super) fn build(raw: &RawMessages) -> MessageRules {
    MessageRules { enabled: raw.enabled, reviewers_read: raw.reviewers_read }
}
