//! Signing in through a real OpenID Connect provider (npm's `oidc-provider`
//! set up as ProConnect behaves): an identity linked once by e-mail after
//! the person confirms, then matched by its subject; refusals for a
//! foreign state, a wrong nonce, an expired code, a tampered ID token and a
//! sign-in without the multi-factor level asked for; logout at the
//! provider with the ID token as the hint.

use crate::common::oidc::{Agent, Page, Provider, CLIENT_ID, CLIENT_SECRET};
use crate::common::*;
use labelflow::sign_on::{SignOn, SignOnSettings, PROCONNECT_SCOPES};
use serde_json::json;
use std::sync::Arc;

on_both_backends!(people_sign_in_through_the_identity_provider);

pub(crate) fn settings(issuer: &str, acr_values: &[&str]) -> SignOnSettings {
    SignOnSettings {
        issuer: issuer.to_string(),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        scopes: PROCONNECT_SCOPES.split(' ').map(String::from).collect(),
        acr_values: acr_values.iter().map(|v| v.to_string()).collect(),
        provider_name: "ProConnect".into(),
        timeout: std::time::Duration::from_secs(10),
    }
}

fn query_value(url: &str, name: &str) -> String {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.to_string())
        .unwrap_or_else(|| panic!("no {name} in {url}"))
}

fn form_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// Clicks the button and goes through the provider: the address it sends
/// the browser back to (the callback, with its code and state).
async fn to_callback(agent: &Agent) -> String {
    let callback = format!("{}/connexion/oidc/retour", agent.base);
    let page = agent.walk("/connexion/oidc", Some(&callback)).await;
    page.location.unwrap_or_else(|| panic!("the provider answered {} at {}: {}", page.status, page.url, page.body))
}

/// Where the callback leads, within labelflow.
async fn back_from(agent: &Agent, callback: &str) -> Page {
    agent.walk(callback, None).await
}

async fn signed_in(agent: &Agent) -> bool {
    let page = agent.walk("/tableau-de-bord", None).await;
    page.status == 200 && page.url.ends_with("/tableau-de-bord")
}

async fn people_sign_in_through_the_identity_provider(db: &TestDb) {
    let cast = cast(&db.store).await;
    let now = at(2027, 2, 1, 9, 0);
    // Two servers on the database: one accepting any sign-in, one asking
    // for a multi-factor level. The provider knows both addresses.
    let listeners = [
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
    ];
    let bases: Vec<String> = listeners.iter().map(|l| format!("http://{}", l.local_addr().unwrap())).collect();
    let provider = Provider::start(
        &bases.iter().map(|b| format!("{b}/connexion/oidc/retour")).collect::<Vec<_>>(),
        &bases.iter().map(|b| format!("{b}/connexion")).collect::<Vec<_>>(),
    );
    let [plain, strict] = listeners;
    let issuer = provider.issuer.clone();
    let served = serve_on(plain, &db.store, now, |app| {
        app.sign_on = Some(Arc::new(SignOn::new(settings(&issuer, &[])).unwrap()));
    })
    .await;
    let strict = serve_on(strict, &db.store, now, |app| {
        app.sign_on = Some(Arc::new(SignOn::new(settings(&issuer, &["eidas2", "eidas3"])).unwrap()));
    })
    .await;

    // The login page draws the button; the page's policy lets the logout
    // form lead on to the provider.
    let agent = Agent::new(&served.base);
    let login = agent.walk("/connexion", None).await;
    assert!(
        login.body.contains("S’identifier avec") && login.body.contains("href=\"/connexion/oidc\""),
        "{}",
        login.body
    );
    let policy = reqwest::get(format!("{}/connexion", served.base)).await.unwrap();
    let policy = policy.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(policy.contains(&format!("form-action 'self' {issuer}")), "{policy}");

    // A new identity whose e-mail (in another case) is an account's: the
    // person confirms the link once. The request carries ProConnect's
    // scopes, a state and a nonce of 32 characters at least, and no PKCE.
    provider.control(json!({"sub": "pc-rectorat", "email": "Rectorat@AC-Lyon.fr", "acr": "eidas1"})).await;
    let begun = agent.walk("/connexion/oidc", Some(&issuer)).await.location.expect("sent to the provider");
    assert!(query_value(&begun, "scope").split(' ').eq(PROCONNECT_SCOPES.split(' ')), "{begun}");
    assert!(query_value(&begun, "state").len() >= 32 && query_value(&begun, "nonce").len() >= 32, "{begun}");
    assert!(!begun.contains("code_challenge"), "{begun}");
    let agent = Agent::new(&served.base);
    let callback = to_callback(&agent).await;
    let confirm = back_from(&agent, &callback).await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(confirm.body.contains("rectorat@ac-lyon.fr") && confirm.body.contains("Associer"), "{}", confirm.body);
    let csrf = form_value(&confirm.body, "csrf");
    let forged = agent.post("/connexion/oidc/lier", &[("csrf", "not-the-token")]).await;
    assert_eq!(forged.status, 403, "the confirmation checks its CSRF token");
    let linked = agent.post("/connexion/oidc/lier", &[("csrf", &csrf)]).await;
    assert_eq!(linked.status, 303, "{}", linked.body);
    assert!(linked.location.as_deref().unwrap().ends_with("/tableau-de-bord"));
    assert!(signed_in(&agent).await, "the link opened a session");
    let rectorat_id = cast.rectorat.user_id.unwrap().to_string();
    let trail = db.store.trail("user", &rectorat_id).await.unwrap();
    let link = trail.iter().find(|e| e.action == "link_identity").expect("the link is audited");
    assert_eq!(link.data["issuer"], issuer.as_str());
    assert!(!link.data.to_string().contains("pc-rectorat"), "the trail names the provider, not the subject");
    // The answer is used once: the same callback again is refused.
    let replay = back_from(&agent, &callback).await;
    assert_eq!(replay.status, 400, "{}", replay.body);

    // Logging out ends the session here and at the provider, with the ID
    // token as the hint (the provider refuses an unknown hint).
    let dashboard = agent.walk("/tableau-de-bord", None).await;
    let csrf = form_value(&dashboard.body, "csrf");
    let out = agent.post("/deconnexion", &[("csrf", &csrf)]).await;
    let end_session = out.location.expect("sent on to the provider");
    assert!(end_session.starts_with(&issuer), "{end_session}");
    assert!(query_value(&end_session, "id_token_hint").split('.').count() == 3, "{end_session}");
    assert_eq!(query_value(&end_session, "post_logout_redirect_uri"), format!("{}/connexion", served.base));
    let at_provider = agent.walk(&end_session, None).await;
    assert_eq!(at_provider.status, 200, "the provider accepts the hint: {}", at_provider.body);
    assert!(!signed_in(&agent).await, "logged out here");

    // Matched by subject from then on, whatever e-mail the provider gives.
    provider.control(json!({"sub": "pc-rectorat", "email": "changed@example.fr"})).await;
    let agent = Agent::new(&served.base);
    let callback = to_callback(&agent).await;
    let page = back_from(&agent, &callback).await;
    assert!(page.url.ends_with("/tableau-de-bord") && page.status == 200, "{} {}", page.url, page.body);
    assert!(signed_in(&agent).await);

    // No account with the e-mail: refused, nothing opened (accounts are
    // labelflow's to open).
    provider.control(json!({"sub": "pc-stranger", "email": "nobody@example.fr"})).await;
    let agent = Agent::new(&served.base);
    let callback = to_callback(&agent).await;
    let page = back_from(&agent, &callback).await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.body.contains("Aucun compte") && page.body.contains("nobody@example.fr"), "{}", page.body);
    assert!(!signed_in(&agent).await);

    // An answer brought to a browser that did not begin the sign-in.
    provider.control(json!({"sub": "pc-rectorat", "email": "rectorat@ac-lyon.fr"})).await;
    let victim = Agent::new(&served.base);
    let callback = to_callback(&Agent::new(&served.base)).await;
    let page = back_from(&victim, &callback).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(!signed_in(&victim).await);

    // A wrong nonce: the code of one sign-in brought back under the state
    // of another begun in the same browser.
    let agent = Agent::new(&served.base);
    let first = agent.walk("/connexion/oidc", Some(&issuer)).await.location.unwrap();
    let second = agent.walk("/connexion/oidc", Some(&issuer)).await.location.unwrap();
    let callback_prefix = format!("{}/connexion/oidc/retour", served.base);
    let answered = agent.walk(&first, Some(&callback_prefix)).await.location.expect("a code for the first");
    let swapped =
        format!("{callback_prefix}?code={}&state={}", query_value(&answered, "code"), query_value(&second, "state"));
    let page = back_from(&agent, &swapped).await;
    assert_eq!(page.status, 401, "{}", page.body);
    assert!(page.body.contains("Détail technique : Invalid nonce"), "{}", page.body);
    assert!(!signed_in(&agent).await);

    // An expired code: it lives one second at the provider.
    provider.control(json!({"code_ttl": 1})).await;
    let agent = Agent::new(&served.base);
    let callback = to_callback(&agent).await;
    // Past its lifetime however fast the machine: a lower bound, not a race.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let page = back_from(&agent, &callback).await;
    assert_eq!(page.status, 401, "{}", page.body);
    assert!(page.body.contains("refusé la connexion") && page.body.contains("invalid_grant"), "{}", page.body);
    assert!(!signed_in(&agent).await);
    provider.control(json!({"code_ttl": 60})).await;

    // An ID token altered after signing.
    provider.control(json!({"tamper": true})).await;
    let agent = Agent::new(&served.base);
    let callback = to_callback(&agent).await;
    let page = back_from(&agent, &callback).await;
    assert_eq!(page.status, 401, "{}", page.body);
    assert!(page.body.contains("Détail technique : Signature verification failed"), "{}", page.body);
    assert!(!signed_in(&agent).await);

    // Multi-factor required: asked for, and a single-factor sign-in refused.
    provider.control(json!({"acr": "eidas1"})).await;
    let agent = Agent::new(&strict.base);
    let begun = agent.walk("/connexion/oidc", Some(&issuer)).await.location.unwrap();
    assert_eq!(query_value(&begun, "acr_values"), "eidas2 eidas3");
    let agent = Agent::new(&strict.base);
    let callback = to_callback(&agent).await;
    let page = back_from(&agent, &callback).await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.body.contains("double authentification"), "{}", page.body);
    assert!(!signed_in(&agent).await);
    provider.control(json!({"acr": "eidas2"})).await;
    let agent = Agent::new(&strict.base);
    let callback = to_callback(&agent).await;
    let page = back_from(&agent, &callback).await;
    assert!(page.url.ends_with("/tableau-de-bord") && page.status == 200, "{} {}", page.url, page.body);

    // The person's own data names the provider they are linked with.
    let data = served.app.personal_data(&cast.rectorat).await.unwrap();
    assert_eq!(data["sign_on_identities"][0]["issuer"], issuer.as_str(), "{data}");

    // A deactivated account is not signed into, nor linked again by e-mail.
    let admin = Client::login(&served.base, "admin@example.fr").await;
    let (status, body) = admin.patch(&format!("/api/v1/admin/users/{rectorat_id}"), json!({"active": false})).await;
    assert_eq!(status, 200, "{body}");
    let agent = Agent::new(&served.base);
    let callback = to_callback(&agent).await;
    let page = back_from(&agent, &callback).await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(!signed_in(&agent).await);

    assert!(matches!(db.store.verify_audit().await.unwrap(), labelflow::store::audit::Verification::Intact { .. }));
}
