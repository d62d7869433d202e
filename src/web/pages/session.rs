//! Browser sessions: the API's session tokens carried in an HttpOnly
//! cookie, and CSRF tokens for every form.

use crate::app::App;
use crate::engine::Actor;
use crate::workflow::RoleTable;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "lf_session";
pub const LOGIN_CSRF_COOKIE: &str = "lf_login_csrf";

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// `Set-Cookie` value; `Secure` when the site is served over https.
pub fn set_cookie(app: &App, name: &str, value: &str, max_age: i64) -> String {
    let secure = if app.secure_cookies { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// Adds `Set-Cookie` values to an answer.
pub fn with_cookies(mut response: Response, cookies: &[String]) -> Response {
    for value in cookies {
        if let Ok(v) = value.parse() {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// The CSRF token of a session: derived from the session token, so it needs
/// no storage and dies with the session.
pub fn csrf_of(session_token: &str) -> String {
    hex::encode(Sha256::digest(format!("labelflow-csrf:{session_token}").as_bytes()))[..32].to_string()
}

/// Constant-time comparison of two tokens.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A logged-in person browsing the site.
pub struct Browser {
    pub actor: Actor,
    pub token: String,
    pub name: String,
    pub csrf: String,
    /// What the person's roles mean in the workflow, for the page's menus.
    pub kinds: Vec<crate::workflow::RoleKind>,
    /// Opens calls for projects: an administrator, or staff of a label whose
    /// territories set their own.
    pub opens_calls: bool,
}

impl FromRequestParts<App> for Browser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Browser, Response> {
        // A page asked for without a session leads back to itself once
        // logged in.
        let asked = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
        let to_login = || {
            let back = if parts.method == axum::http::Method::GET && asked != "/" {
                format!(
                    "/connexion?{}",
                    url::form_urlencoded::Serializer::new(String::new()).append_pair("retour", &asked).finish()
                )
            } else {
                "/connexion".to_string()
            };
            Redirect::to(&back).into_response()
        };
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(to_login)?;
        let (actor, name) = app.authenticate_named(&token).await.map_err(|_| to_login())?;
        let kinds = actor.grants.iter().filter_map(|g| app.workflows.kind_of(&g.role)).collect();
        let opens_calls = app.workflows.iter().any(|d| crate::app::access::opens_calls(d, &actor, None));
        Ok(Browser { csrf: csrf_of(&token), actor, token, name, kinds, opens_calls })
    }
}

/// The browser's session when there is a valid one: for pages anyone may
/// open that a logged-in person uses as themself.
impl axum::extract::OptionalFromRequestParts<App> for Browser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Option<Browser>, Self::Rejection> {
        Ok(<Browser as FromRequestParts<App>>::from_request_parts(parts, app).await.ok())
    }
}
