//! Read models served by the API.

use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DossierView {
    pub id: String,
    pub campaign_id: String,
    /// The workflow the dossier runs on.
    pub workflow: String,
    /// The version of it the dossier is pinned to (`workflow list` and
    /// `workflow versions` print them).
    pub workflow_version: Option<String>,
    pub state: String,
    pub version: i64,
    pub kind: String,
    pub renewal_of: Option<String>,
    pub category: String,
    pub title: String,
    /// The form's `top_level` fields, also here beside the dossier's own
    /// data (copies of `form`'s, for clients written before the form).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub top_level: serde_json::Map<String, serde_json::Value>,
    /// Every value of the dossier's form, as its workflow's form declares
    /// them.
    #[schema(value_type = Object)]
    pub form: serde_json::Map<String, serde_json::Value>,
    pub owners: Vec<String>,
    pub partners: Vec<PartnerView>,
    /// The records the workflow file declares, by name: every one of the
    /// dossier machine is there, empty when none was written.
    #[schema(value_type = Object)]
    pub records: RecordViews,
    /// The records written by side (`endorsements`) and the opinions,
    /// shaped as before records were declared, for the clients of then.
    #[schema(value_type = Object)]
    pub endorsements: Endorsements,
    pub opinions: Vec<OpinionView>,
    pub completion: Option<CompletionView>,
    pub self_assessment: BTreeMap<String, String>,
    pub attachments: Vec<AttachmentView>,
    pub decision: Option<DecisionView>,
    pub label_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// The side whose answer the message thread awaits (`owners` or
    /// `staff`), when the workflow opens one and it has messages.
    pub awaiting_reply: Option<String>,
    /// When its personal data goes, or went: for a dossier that ended in
    /// a state its workflow's retention names, or that was erased.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention: Option<RetentionView>,
    /// What `retention` is reckoned from (single reads only).
    #[serde(skip)]
    #[schema(ignore)]
    pub standing: Option<super::retention::Standing>,
}

/// The retention of an ended dossier or label (its workflow's
/// `[retention]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct RetentionView {
    /// The day (Paris) its personal data is erased, until it is.
    pub erase_on: Option<String>,
    /// When its owners were told of the erasure.
    pub warned_at: Option<String>,
    /// When its personal data was erased.
    pub erased_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerView {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// One record the workflow file declares: its fields, and when it was
/// written.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordView {
    pub recorded_at: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// Records by name, oldest first.
pub type RecordViews = BTreeMap<String, Vec<RecordView>>;

/// When each side endorsed the dossier (RFC 3339), by side; a side the
/// workflow declares that has not endorsed yet is null.
pub type Endorsements = BTreeMap<String, Option<String>>;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpinionView {
    pub body: String,
    pub opinion: String,
    pub date: Option<String>,
    pub recorded_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompletionView {
    pub message: String,
    pub due: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionView {
    pub outcome: String,
    pub category: Option<String>,
    pub years: Option<i64>,
    pub motivation: String,
    /// The decision's other inputs, as its workflow declares them (null
    /// when not given).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub details: serde_json::Map<String, serde_json::Value>,
    pub decided_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentView {
    pub id: String,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub uploaded_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DossierSummary {
    pub id: String,
    pub campaign_id: String,
    /// The workflow the dossier runs on.
    pub workflow: String,
    pub title: String,
    pub state: String,
    pub version: i64,
    pub kind: String,
    pub category: String,
    /// The workflows' indexed fields of one value, as text ('' for none).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub fields: std::collections::BTreeMap<String, String>,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewView {
    /// Who reviewed; hidden from project owners and staff.
    pub reviewer_id: Option<String>,
    pub scores: BTreeMap<String, i64>,
    pub comment: String,
    /// A comment per criterion, by code (none for a review without).
    pub notes: BTreeMap<String, String>,
    /// When it was given, or last revised.
    pub submitted_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LabelView {
    pub id: String,
    pub dossier_id: Option<String>,
    pub title: String,
    pub category: String,
    /// The workflow the label runs on, and the version it is pinned to.
    pub workflow: String,
    pub workflow_version: Option<String>,
    /// The form's `top_level` fields, also here (copies of `form`'s).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub top_level: serde_json::Map<String, serde_json::Value>,
    /// The form document of the dossier the label was granted on (its own
    /// values, for a label brought in by an import).
    #[schema(value_type = Object)]
    pub form: serde_json::Map<String, serde_json::Value>,
    pub valid_from: String,
    pub valid_until: String,
    pub status: String,
    pub version: i64,
    pub renewal_of: Option<String>,
    /// The records the workflow file declares on labels (yearly reports…),
    /// by name: in a single label, for its owners and those who may read
    /// its audit trail.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub records: Option<RecordViews>,
    /// When its personal data goes, or went (as a dossier's), in a single
    /// label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention: Option<RetentionView>,
    /// What `retention` is reckoned from (single reads only).
    #[serde(skip)]
    #[schema(ignore)]
    pub standing: Option<super::retention::Standing>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignView {
    pub id: String,
    pub name: String,
    pub workflow: String,
    /// The version of the workflow the call's dossiers start on.
    pub workflow_version: Option<String>,
    pub criteria: String,
    pub opens_at: String,
    pub closes_at: String,
    pub kinds: Vec<String>,
    /// For a workflow whose calls are set per territory (`campaigns.scope`
    /// in `GET /api/v1/workflows`): the code of the territory that set it,
    /// whose dossiers alone it takes; null for a national call.
    pub territory: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub name: String,
    /// `role` or `role@scope`.
    pub roles: Vec<String>,
    pub affiliations: Vec<String>,
    /// False once an administrator deactivated the account: it logs in no
    /// more.
    pub active: bool,
    /// False while an invitation waits for its owner to choose a password.
    pub password_set: bool,
}
