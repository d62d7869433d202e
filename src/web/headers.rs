//! Security headers on every answer, pages and API alike: no script but
//! our own files (the pages need none), no framing, no referrer sent to
//! other sites, no content sniffing, and HSTS when the public address is
//! https (the only case where the browser reached us over TLS).

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// Styles may be inline (the SVG charts colour their bars in place);
/// scripts may not.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

/// One year, sub-domains left to their own policy.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// What the headers depend on: whether the site is served over https, and
/// the policy, which lets the logout form lead on to the identity
/// provider's own logout (browsers hold redirects after a form to the
/// form's `form-action`).
#[derive(Clone)]
pub struct Policy {
    https: bool,
    content_security: HeaderValue,
}

impl Policy {
    pub fn new(https: bool, sign_on_issuer: Option<&str>) -> Policy {
        let origin = sign_on_issuer
            .and_then(|issuer| url::Url::parse(issuer).ok())
            .map(|url| url.origin().ascii_serialization())
            .filter(|origin| origin != "null" && !origin.contains([';', ',', ' ']));
        let content_security = match origin {
            Some(origin) => HeaderValue::from_str(
                &CONTENT_SECURITY_POLICY.replace("form-action 'self'", &format!("form-action 'self' {origin}")),
            )
            .unwrap_or(HeaderValue::from_static(CONTENT_SECURITY_POLICY)),
            None => HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        };
        Policy { https, content_security }
    }
}

pub async fn security_headers(State(policy): State<Policy>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(policy.content_security.clone());
    let mut set = |name: HeaderName, value: &'static str| {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "same-origin");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if policy.https {
        set(header::STRICT_TRANSPORT_SECURITY, STRICT_TRANSPORT_SECURITY);
    }
    response
}
