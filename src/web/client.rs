//! The client's address, for login throttling: the connection's peer, or
//! the header a trusted reverse proxy sets (`--client-ip-header`), whose
//! last value is the one the proxy itself saw.

use crate::app::App;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

pub struct ClientAddr(pub String);

impl FromRequestParts<App> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<ClientAddr, Infallible> {
        let from_header = app.client_ip_header.as_ref().and_then(|name| {
            let value = parts.headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).next_back()?;
            value.rsplit(',').next()?.trim().parse::<IpAddr>().ok()
        });
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        Ok(ClientAddr(from_header.or(peer).map_or_else(|| "unknown".to_string(), |ip| ip.to_string())))
    }
}
