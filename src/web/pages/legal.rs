//! The pages every public service links from its footer: accessibility,
//! legal notice, personal data. Readable without an account.

use super::*;

#[derive(Template)]
#[template(path = "pages/legal/accessibilite.html")]
struct Accessibility {
    user: Option<UserBar>,
}

#[derive(Template)]
#[template(path = "pages/legal/mentions.html")]
struct LegalNotice {
    user: Option<UserBar>,
}

#[derive(Template)]
#[template(path = "pages/legal/donnees.html")]
struct PersonalData {
    user: Option<UserBar>,
}

pub(super) async fn accessibility() -> Response {
    page(Accessibility { user: None }, StatusCode::OK)
}

pub(super) async fn legal_notice() -> Response {
    page(LegalNotice { user: None }, StatusCode::OK)
}

pub(super) async fn personal_data() -> Response {
    page(PersonalData { user: None }, StatusCode::OK)
}
