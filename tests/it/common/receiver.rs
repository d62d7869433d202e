//! A real webhook receiver process (tests/it/common/webhook_receiver.py,
//! Python's standard library only) checking signatures as a subscriber
//! would.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct Receiver {
    child: Child,
    pub base: String,
    http: reqwest::Client,
}

impl Receiver {
    pub fn start() -> Receiver {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/common/webhook_receiver.py");
        let mut child = Command::new("python3")
            .arg(script)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 starts the receiver");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("the receiver prints its port");
        let port: u16 = line.trim().parse().expect("a port");
        Receiver { child, base: format!("http://127.0.0.1:{port}"), http: reqwest::Client::new() }
    }

    /// Where deliveries go.
    pub fn url(&self) -> String {
        format!("{}/hook", self.base)
    }

    pub async fn control(&self, settings: serde_json::Value) {
        let status = self.http.post(format!("{}/control", self.base)).json(&settings).send().await.unwrap().status();
        assert_eq!(status, 204);
    }

    /// `handled` (each delivery id once, with its body and signature),
    /// `duplicates`, `refused` (why), `attempts`.
    pub async fn state(&self) -> serde_json::Value {
        self.http.get(format!("{}/state", self.base)).send().await.unwrap().json().await.unwrap()
    }

    /// Posts `body` signed by `signature` to the receiver, as an attacker
    /// replaying a captured delivery would; the receiver's answer.
    pub async fn replay(&self, id: &str, signature: &str, body: &str) -> u16 {
        self.http
            .post(self.url())
            .header("X-Labelflow-Signature", signature)
            .header("X-Labelflow-Delivery", id)
            .body(body.to_string())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}
