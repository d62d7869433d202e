//! Which e-mails a person may not put off (`[notifications] mandatory`):
//! a decision, a deadline. The others each person may take at once, in a
//! daily digest, or not at all.

use super::load::line_of;
use super::vocabulary::TEMPLATES;
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNotifications {
    #[serde(default)]
    mandatory: Vec<Spanned<String>>,
}

/// The mandatory templates, each a known one; those no step sends (an
/// option switched off) are left out.
pub(super) fn build(
    source: &str,
    raw: &RawNotifications,
    sent: &[&str],
    problems: &mut Vec<(usize, String)>,
) -> Vec<String> {
    let mut out = Vec::new();
    for t in &raw.mandatory {
        let name = t.get_ref();
        if !TEMPLATES.contains(&name.as_str()) {
            problems
                .push((line_of(source, t.span().start), format!("[notifications]: unknown e-mail template `{name}`")));
        } else if sent.contains(&name.as_str()) {
            out.push(name.clone());
        }
    }
    out
}
