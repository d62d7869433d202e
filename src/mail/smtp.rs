//! Outgoing SMTP connections. labelflow opens the TCP stream itself so that
//! Nagle's algorithm is off, then hands it to lettre for the protocol
//! (EHLO, STARTTLS, AUTH, the message). lettre's own transport leaves Nagle
//! on: each message then waits ~40 ms for the server's delayed ACK, which
//! capped a sender at ~20 e-mails a second against a local server.

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("no answer within {} s", .0.as_secs())]
    Timeout(Duration),
}

impl SmtpError {
    /// The server answered with an error code: the connection itself was
    /// fine, so trying again at once on a new one would not help.
    pub fn server_replied(&self) -> bool {
        matches!(self, SmtpError::Smtp(e) if e.is_permanent() || e.is_transient())
    }
}

/// `future`, or a timeout error after `limit`.
pub async fn within<T, E: Into<SmtpError>>(
    limit: Duration,
    future: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, SmtpError> {
    match tokio::time::timeout(limit, future).await {
        Ok(result) => result.map_err(Into::into),
        Err(_) => Err(SmtpError::Timeout(limit)),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    Plain,
    /// STARTTLS, required (`?tls=required`).
    StartTls,
    /// Implicit TLS (`smtps://`).
    Tls,
}

/// Where and how to connect, from `--smtp-url`.
#[derive(Clone)]
pub struct SmtpTarget {
    pub host: String,
    pub port: u16,
    pub security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
    timeout: Duration,
}

impl std::fmt::Debug for SmtpTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials stay out of logs.
        f.debug_struct("SmtpTarget").field("host", &self.host).field("port", &self.port).finish()
    }
}

impl SmtpTarget {
    /// `smtp://host[:25]`, `smtp://host[:587]?tls=required`, `smtps://host[:465]`.
    pub fn from_url(raw: &str, credentials: Option<Credentials>) -> Result<SmtpTarget, String> {
        let url = url::Url::parse(raw).map_err(|e| format!("not a URL: {e}"))?;
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or("no host")?.to_string();
        let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.to_string());
        let (security, default_port) = match (url.scheme(), tls.as_deref()) {
            ("smtp", None) => (Security::Plain, 25),
            ("smtp", Some("required")) => (Security::StartTls, 587),
            ("smtps", None) => (Security::Tls, 465),
            ("smtp", Some(other)) => return Err(format!("tls={other}: only tls=required is supported")),
            (scheme, _) => return Err(format!("scheme `{scheme}`: use smtp:// or smtps://")),
        };
        Ok(SmtpTarget {
            host,
            port: url.port().unwrap_or(default_port),
            security,
            credentials,
            hello: ClientId::default(),
            timeout: Duration::from_secs(30),
        })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// A ready connection: greeted, encrypted as configured, authenticated.
    pub async fn connect(&self) -> Result<AsyncSmtpConnection, SmtpError> {
        let tls = || TlsParameters::new(self.host.clone());
        let mut conn = match self.security {
            // Implicit TLS needs the handshake before the greeting, which
            // lettre only does on a stream it opened itself.
            Security::Tls => {
                AsyncSmtpConnection::connect_tokio1(
                    (self.host.as_str(), self.port),
                    Some(self.timeout),
                    &self.hello,
                    Some(tls()?),
                    None,
                )
                .await?
            }
            Security::Plain | Security::StartTls => {
                let tcp = within(self.timeout, tokio::net::TcpStream::connect((self.host.as_str(), self.port))).await?;
                tcp.set_nodelay(true)?;
                let mut conn =
                    within(self.timeout, AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello))
                        .await?;
                if self.security == Security::StartTls {
                    within(self.timeout, conn.starttls(tls()?, &self.hello)).await?;
                }
                conn
            }
        };
        if let Some(credentials) = &self.credentials {
            within(self.timeout, conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)).await?;
        }
        Ok(conn)
    }
}
