//! A real OpenID Connect provider process (tests/it/common/oidc_provider.mjs,
//! npm's `oidc-provider` under Node.js) and a browser's cookie jar to sign
//! in through it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub const CLIENT_ID: &str = "labelflow-test";
pub const CLIENT_SECRET: &str = "a-client-secret-only-the-tests-know-0123456789";

pub struct Provider {
    child: Child,
    pub issuer: String,
    http: reqwest::Client,
}

impl Provider {
    /// Starts the provider for a client sending people back to any of
    /// `redirects` and logging out towards any of `after_logout`.
    pub fn start(redirects: &[String], after_logout: &[String]) -> Provider {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/common/oidc_provider.mjs");
        let module = concat!(env!("CARGO_MANIFEST_DIR"), "/target/npm/node_modules/oidc-provider/lib/index.js");
        assert!(
            std::path::Path::new(module).exists(),
            "oidc-provider is missing: run `cd target/npm && npm install oidc-provider@8` (.ci/run does)"
        );
        let mut child = Command::new("node")
            .args([script, module, CLIENT_ID, CLIENT_SECRET, &redirects.join(","), &after_logout.join(",")])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node starts the OpenID provider");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("the provider prints its port");
        let port: u16 = line.trim().parse().unwrap_or_else(|_| panic!("a port, not {line:?}"));
        Provider { child, issuer: format!("http://localhost:{port}"), http: reqwest::Client::new() }
    }

    /// Who the next login is (`sub`, `email`, `acr`), how long its code
    /// lives (`code_ttl`), whether its ID token is altered (`tamper`).
    pub async fn control(&self, settings: serde_json::Value) {
        let status = self.http.post(format!("{}/control", self.issuer)).json(&settings).send().await.unwrap().status();
        assert_eq!(status, 204);
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// A browser: one cookie jar for both sites, redirects followed by hand so
/// that a test can stop at, and alter, the provider's answer.
pub struct Agent {
    http: reqwest::Client,
    pub base: String,
}

pub struct Page {
    pub status: u16,
    /// The address the page came from, after the redirects.
    pub url: String,
    pub body: String,
    /// Where the last redirect pointed, when the walk stopped at one.
    pub location: Option<String>,
}

impl Agent {
    pub fn new(base: &str) -> Agent {
        let http =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Agent { http, base: base.to_string() }
    }

    fn absolute(&self, url: &str, from: &str) -> String {
        reqwest::Url::parse(from).unwrap().join(url).unwrap().to_string()
    }

    /// Follows redirects from `url` until a page, or until the next address
    /// starts with `stop_at` (then `location` holds it).
    pub async fn walk(&self, url: &str, stop_at: Option<&str>) -> Page {
        let mut url = self.absolute(url, &self.base);
        for _ in 0..12 {
            let r = self.http.get(&url).send().await.unwrap();
            let status = r.status().as_u16();
            let Some(location) = r.headers().get("location").map(|l| l.to_str().unwrap().to_string()) else {
                return Page { status, url, body: r.text().await.unwrap(), location: None };
            };
            let next = self.absolute(&location, &url);
            if stop_at.is_some_and(|stop| next.starts_with(stop)) {
                return Page { status, url, body: String::new(), location: Some(next) };
            }
            url = next;
        }
        panic!("more than 12 redirects from {url}");
    }

    /// Posts a form; the answer, its redirect not followed.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let url = self.absolute(path, &self.base);
        let r = self.http.post(&url).form(form).send().await.unwrap();
        let status = r.status().as_u16();
        let location = r.headers().get("location").map(|l| self.absolute(l.to_str().unwrap(), &url));
        Page { status, url, body: r.text().await.unwrap(), location }
    }
}
