//! Single sign-on through an OpenID Connect provider (ProConnect first):
//! discovery, the authorization request, the code exchange with the ID
//! token's checks (signature, issuer, audience, expiry, nonce, `acr`), the
//! userinfo (plain or a signed JWT) and the provider's logout address.
//!
//! The provider says who a person is; what they may do stays labelflow's.

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthenticationFlow, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod,
    CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreResponseMode,
    CoreResponseType, CoreSubjectIdentifierType, CoreUserInfoClaims,
};
use openidconnect::{
    AdditionalProviderMetadata, AuthType, AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret,
    CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse, ProviderMetadata, RedirectUrl, RequestTokenError, Scope,
    TokenResponse,
};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// Random bytes behind `state` and `nonce`: 32 bytes, 43 characters once
/// encoded (the providers ask for 32 characters at least).
const RANDOM_BYTES: u32 = 32;
/// How long the provider's metadata and keys are trusted before they are
/// fetched again (keys rotate).
const METADATA_TTL: Duration = Duration::from_secs(3600);

/// ProConnect's scopes: its documentation asks for all of them.
pub const PROCONNECT_SCOPES: &str = "openid email given_name usual_name siret uid idp_id";

/// How `serve` is told to use a provider.
#[derive(Debug, Clone)]
pub struct SignOnSettings {
    /// The provider's issuer URL; its metadata is read from
    /// `ISSUER/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    /// `acr` values asked for, of which the ID token must carry one (a
    /// multi-factor sign-in); empty: any sign-in.
    pub acr_values: Vec<String>,
    /// The provider's name, on the login page's button.
    pub provider_name: String,
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum SignOnError {
    #[error("the identity provider cannot be reached or answered badly: {0}")]
    Provider(String),
    #[error("the identity provider refused the sign-in: {0}")]
    Refused(String),
    #[error("the identity provider's token does not hold: {0}")]
    Token(String),
    #[error("the sign-in did not use an accepted authentication level (acr {got}, accepted: {accepted})")]
    Level { got: String, accepted: String },
    #[error("the identity provider gave no e-mail address")]
    NoEmail,
}

/// The logout endpoint, which discovery's standard fields leave out
/// (OpenID Connect RP-Initiated Logout).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LogoutMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_session_endpoint: Option<String>,
}
impl AdditionalProviderMetadata for LogoutMetadata {}

type Metadata = ProviderMetadata<
    LogoutMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// A sign-in begun: where to send the browser, and what to keep.
pub struct Begun {
    pub url: String,
    pub state: String,
    pub nonce: String,
}

/// The person the provider vouched for.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub acr: Option<String>,
    /// The ID token, kept as the hint for logging out at the provider.
    pub id_token: String,
}

#[derive(Debug)]
pub struct SignOn {
    pub settings: SignOnSettings,
    http: reqwest::Client,
    metadata: tokio::sync::RwLock<Option<(Instant, Metadata)>>,
}

impl SignOn {
    pub fn new(settings: SignOnSettings) -> Result<SignOn, SignOnError> {
        IssuerUrl::new(settings.issuer.clone()).map_err(|e| SignOnError::Provider(format!("issuer: {e}")))?;
        // Following a redirect would let the provider's answers send this
        // server anywhere.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .build()
            .map_err(|e| SignOnError::Provider(e.to_string()))?;
        Ok(SignOn { settings, http, metadata: tokio::sync::RwLock::new(None) })
    }

    /// The provider's metadata and keys, fetched at first use and again once
    /// an hour, or sooner when `fresh` (a token signed by a key not known).
    async fn metadata(&self, fresh: bool) -> Result<Metadata, SignOnError> {
        if !fresh {
            if let Some((at, metadata)) = self.metadata.read().await.as_ref() {
                if at.elapsed() < METADATA_TTL {
                    return Ok(metadata.clone());
                }
            }
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone()).map_err(|e| SignOnError::Provider(e.to_string()))?;
        let metadata = Metadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| SignOnError::Provider(format!("discovery: {}", chain(&e))))?;
        *self.metadata.write().await = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    fn client(&self, metadata: Metadata, redirect: &str) -> Result<Client, SignOnError> {
        let redirect = RedirectUrl::new(redirect.to_string()).map_err(|e| SignOnError::Provider(e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        // ProConnect takes the secret in the request's body.
        .set_auth_type(AuthType::RequestBody)
        .set_redirect_uri(redirect))
    }

    /// The provider's authorization address for a new sign-in, with its
    /// `state` and `nonce`. No PKCE: ProConnect refuses unknown parameters.
    pub async fn begin(&self, redirect: &str) -> Result<Begun, SignOnError> {
        let client = self.client(self.metadata(false).await?, redirect)?;
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            || CsrfToken::new_random_len(RANDOM_BYTES),
            || Nonce::new_random_len(RANDOM_BYTES),
        );
        for scope in self.settings.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        for acr in &self.settings.acr_values {
            request = request.add_auth_context_value(AuthenticationContextClass::new(acr.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok(Begun { url: url.to_string(), state: state.secret().clone(), nonce: nonce.secret().clone() })
    }

    /// Exchanges the code for tokens and checks the ID token: its
    /// signature, issuer, audience, expiry and nonce, then its `acr`. The
    /// e-mail comes from the ID token or else from the userinfo.
    pub async fn finish(&self, redirect: &str, code: &str, nonce: &str) -> Result<Identity, SignOnError> {
        let metadata = self.metadata(false).await?;
        let client = self.client(metadata, redirect)?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| SignOnError::Provider(e.to_string()))?
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(r) => SignOnError::Refused(match r.error_description() {
                    Some(description) => format!("{}: {description}", r.error().as_ref()),
                    None => r.error().as_ref().to_string(),
                }),
                other => SignOnError::Provider(format!("token: {}", chain(&other))),
            })?;
        let id_token = tokens.id_token().ok_or_else(|| SignOnError::Token("no ID token".into()))?;
        let nonce = Nonce::new(nonce.to_string());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            // A key the provider rotated in since the metadata was read.
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
                let client = self.client(self.metadata(true).await?, redirect)?;
                let verifier = client.id_token_verifier();
                id_token.claims(&verifier, &nonce).map_err(|e| SignOnError::Token(e.to_string()))?.clone()
            }
            Err(e) => return Err(SignOnError::Token(e.to_string())),
        };
        let acr = claims.auth_context_ref().map(|a| a.to_string());
        if !self.settings.acr_values.is_empty() && !acr.as_ref().is_some_and(|a| self.settings.acr_values.contains(a)) {
            return Err(SignOnError::Level {
                got: acr.unwrap_or_else(|| "none".into()),
                accepted: self.settings.acr_values.join(", "),
            });
        }
        let mut email = claims.email().map(|e| e.to_string());
        if email.is_none() {
            if let Ok(request) = client.user_info(tokens.access_token().clone(), Some(claims.subject().clone())) {
                let info: CoreUserInfoClaims = request
                    .request_async(&self.http)
                    .await
                    .map_err(|e| SignOnError::Provider(format!("userinfo: {}", chain(&e))))?;
                email = info.email().map(|e| e.to_string());
            }
        }
        Ok(Identity {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            email,
            acr,
            id_token: id_token.to_string(),
        })
    }

    /// Where to send the browser to log out at the provider too, when it
    /// has a logout endpoint.
    pub async fn logout_url(&self, id_token: &str, post_logout: &str) -> Option<String> {
        let metadata = self.metadata(false).await.ok()?;
        let endpoint = metadata.additional_metadata().end_session_endpoint.as_deref()?;
        let mut url = url::Url::parse(endpoint).ok()?;
        url.query_pairs_mut()
            .append_pair("id_token_hint", id_token)
            .append_pair("post_logout_redirect_uri", post_logout)
            .append_pair("state", CsrfToken::new_random_len(RANDOM_BYTES).secret());
        Some(url.to_string())
    }
}

type Client = openidconnect::Client<
    openidconnect::EmptyAdditionalClaims,
    CoreAuthDisplay,
    openidconnect::core::CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    openidconnect::core::CoreAuthPrompt,
    openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    openidconnect::core::CoreTokenResponse,
    openidconnect::core::CoreTokenIntrospectionResponse,
    openidconnect::core::CoreRevocableToken,
    openidconnect::core::CoreRevocationErrorResponse,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// An error with its causes, for the log and the page.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
