//! French e-mails from askama templates: `templates/mail/NAME.txt` holds the
//! subject (first line, `Objet : …`) and the text; the HTML part wraps the
//! same paragraphs in `templates/mail/layout.html`.

use askama::Template;

/// Values a message may mention, already formatted for French readers.
#[derive(Debug, Clone, Default)]
pub struct MailContext {
    pub recipient: String,
    /// The label's name, as its workflow gives it.
    pub label: String,
    pub title: String,
    /// When the step happened.
    pub at: String,
    pub due: String,
    pub message: String,
    pub reason: String,
    pub motivation: String,
    pub outcome: String,
    pub category: String,
    pub years: String,
    pub valid_from: String,
    pub valid_until: String,
    pub call_closes: String,
    pub review_due: String,
    pub report_year: String,
    pub anniversary: String,
    /// Page of the dossier or label, or the link the e-mail is for.
    pub link: String,
    /// What following `link` does, when it is not to read a page
    /// (« choisir votre mot de passe »).
    pub link_purpose: String,
    /// The recipient's address.
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("no e-mail template `{0}`")]
    Unknown(String),
    #[error("template `{0}`: {1}")]
    Template(String, askama::Error),
}

macro_rules! mail_templates {
    ($($name:literal => $ty:ident, $path:literal;)+) => {
        $(
            #[derive(Template)]
            #[template(path = $path, escape = "none")]
            struct $ty<'a> {
                c: &'a MailContext,
            }
        )+

        /// Template names with a file in `templates/mail/`.
        pub const NAMES: &[&str] = &[$($name),+];

        /// Each template's text, for what it is about.
        const SOURCES: &[(&str, &str)] = &[$(($name, include_str!(concat!("../../templates/", $path)))),+];

        fn render_text(name: &str, c: &MailContext) -> Result<String, RenderError> {
            let rendered = match name {
                $($name => $ty { c }.render(),)+
                _ => return Err(RenderError::Unknown(name.to_string())),
            };
            rendered.map_err(|e| RenderError::Template(name.to_string(), e))
        }
    };
}

mail_templates! {
    "call_closing" => CallClosing, "mail/call_closing.txt";
    "submission_receipt" => SubmissionReceipt, "mail/submission_receipt.txt";
    "completion_requested" => CompletionRequested, "mail/completion_requested.txt";
    "completion_reminder" => CompletionReminder, "mail/completion_reminder.txt";
    "completion_received" => CompletionReceived, "mail/completion_received.txt";
    "reports_answer_requested" => ReportsAnswerRequested, "mail/reports_answer_requested.txt";
    "reports_answer_reminder" => ReportsAnswerReminder, "mail/reports_answer_reminder.txt";
    "reports_answer_received" => ReportsAnswerReceived, "mail/reports_answer_received.txt";
    "reports_answer_closed" => ReportsAnswerClosed, "mail/reports_answer_closed.txt";
    "dossier_admissible" => DossierAdmissible, "mail/dossier_admissible.txt";
    "dossier_inadmissible" => DossierInadmissible, "mail/dossier_inadmissible.txt";
    "dossier_withdrawn" => DossierWithdrawn, "mail/dossier_withdrawn.txt";
    "dossier_reopened" => DossierReopened, "mail/dossier_reopened.txt";
    "reviewer_assigned" => ReviewerAssigned, "mail/reviewer_assigned.txt";
    "reviewer_recused" => ReviewerRecused, "mail/reviewer_recused.txt";
    "owner_reminder" => OwnerReminder, "mail/owner_reminder.txt";
    "endorsement_requested" => EndorsementRequested, "mail/endorsement_requested.txt";
    "review_reminder" => ReviewReminder, "mail/review_reminder.txt";
    "review_overdue" => ReviewOverdue, "mail/review_overdue.txt";
    "reviews_complete" => ReviewsComplete, "mail/reviews_complete.txt";
    "avis_given" => AvisGiven, "mail/avis_given.txt";
    "decision" => Decision, "mail/decision.txt";
    "label_granted" => LabelGranted, "mail/label_granted.txt";
    "renewal_open" => RenewalOpen, "mail/renewal_open.txt";
    "renewal_reminder" => RenewalReminder, "mail/renewal_reminder.txt";
    "label_renewed" => LabelRenewed, "mail/label_renewed.txt";
    "label_expired" => LabelExpired, "mail/label_expired.txt";
    "label_withdrawn" => LabelWithdrawn, "mail/label_withdrawn.txt";
    "report_due" => ReportDue, "mail/report_due.txt";
    "report_reminder" => ReportReminder, "mail/report_reminder.txt";
    "report_overdue" => ReportOverdue, "mail/report_overdue.txt";
    "retention_warning" => RetentionWarning, "mail/retention_warning.txt";
    "account_invite" => AccountInvite, "mail/account_invite.txt";
    "password_reset" => PasswordReset, "mail/password_reset.txt";
    "message_received" => MessageReceived, "mail/message_received.txt";
    "note_mention" => NoteMention, "mail/note_mention.txt";
    "guest_invite" => GuestInvite, "mail/guest_invite.txt";
    "guest_reminder" => GuestReminder, "mail/guest_reminder.txt";
    "co_owner_invite" => CoOwnerInvite, "mail/co_owner_invite.txt";
    "digest" => Digest, "mail/digest.txt";
    "audit_digest" => AuditDigest, "mail/audit_digest.txt";
}

/// The engine's own e-mails, which no workflow names: the accounts' links,
/// the messages of a dossier's thread, the outside experts' and the
/// co-owners' links.
pub const ENGINE_TEMPLATES: &[&str] = &[
    "account_invite",
    "password_reset",
    "message_received",
    "note_mention",
    "guest_invite",
    "guest_reminder",
    "co_owner_invite",
    "digest",
    "audit_digest",
];

/// The engine's e-mails that always leave at once: they carry a link, or
/// are the digest itself.
pub const ALWAYS_AT_ONCE: &[&str] = &[
    "account_invite",
    "password_reset",
    "guest_invite",
    "guest_reminder",
    "co_owner_invite",
    "digest",
    "audit_digest",
];

#[derive(Template)]
#[template(path = "mail/layout.html")]
struct Layout<'a> {
    subject: &'a str,
    /// The label's name, in the banner.
    label: &'a str,
    paragraphs: Vec<String>,
    link: &'a str,
    /// The button's words.
    action: &'a str,
}

/// What an e-mail of template `name` is about, in words, for a list of
/// the e-mails one received: its subject without the title, each value
/// it names shown as « … » (« Compléments demandés avant le … »).
pub fn subject_words(name: &str) -> Option<String> {
    let (_, text) = SOURCES.iter().find(|(n, _)| *n == name)?;
    let line = text.lines().next()?.strip_prefix("Objet :")?.trim();
    let line = line.strip_suffix("— {{ c.title }}").unwrap_or(line).trim();
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        out.push('…');
        rest = rest[start..].find("}}").map_or("", |end| &rest[start + end + 2..]);
    }
    out.push_str(rest);
    Some(capitalised(out.trim()))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

pub fn render(name: &str, c: &MailContext) -> Result<Rendered, RenderError> {
    let full = render_text(name, c)?;
    let (first, body) = full.split_once('\n').unwrap_or((full.as_str(), ""));
    let subject = capitalised(first.trim().trim_start_matches("Objet :").trim());
    let body = body.trim();
    let paragraphs: Vec<String> =
        body.split("\n\n").map(|p| p.trim().replace('\n', " ")).filter(|p| !p.is_empty()).collect();
    let mut text = body.to_string();
    if !c.link.is_empty() {
        let purpose = if c.link_purpose.is_empty() { "le consulter" } else { &c.link_purpose };
        text.push_str(&format!("\n\nPour {purpose} : {}", c.link));
    }
    let action =
        if c.link_purpose.is_empty() { "Ouvrir dans labelflow".to_string() } else { capitalised(&c.link_purpose) };
    text.push_str("\n\n-- \nMessage envoyé automatiquement par labelflow ; merci de ne pas y répondre.\n");
    let html = Layout { subject: &subject, label: &c.label, paragraphs, link: &c.link, action: &action }
        .render()
        .map_err(|e| RenderError::Template("layout".into(), e))?;
    Ok(Rendered { subject, text, html })
}
