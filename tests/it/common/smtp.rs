//! A real SMTP server process (Python's aiosmtpd, installed by .ci/run)
//! storing what it receives in a maildir.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SmtpSink {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl SmtpSink {
    /// None (a skip) when aiosmtpd is missing outside CI.
    pub fn start() -> Option<SmtpSink> {
        let available = Command::new("python3").args(["-c", "import aiosmtpd"]).status().is_ok_and(|s| s.success());
        if !available {
            assert!(std::env::var("CI").is_err(), "CI must install aiosmtpd (.ci/run)");
            eprintln!("aiosmtpd not installed: SMTP test skipped");
            return None;
        }
        let mut sink = SmtpSink { child: None, port: free_port(), dir: tempfile::tempdir().unwrap() };
        sink.resume();
        Some(sink)
    }

    pub fn resume(&mut self) {
        let maildir = self.dir.path().join("maildir");
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{}", self.port),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        self.child = Some(child);
        let begun = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(begun.elapsed() < Duration::from_secs(10), "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().ok();
            c.wait().ok();
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Received messages: (Message-ID, To, Subject) of each file.
    pub fn received(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.dir.path().join("maildir").join(sub)) else { continue };
            for entry in entries.flatten() {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                let headers = text.split("\n\n").next().unwrap_or("").replace("\n ", " ").replace("\r", "");
                let get = |name: &str| {
                    headers
                        .lines()
                        .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_string))
                        .unwrap_or_default()
                };
                out.push((get("Message-ID"), get("To"), get("Subject")));
            }
        }
        out
    }

    /// (To, Subject, text part) of each message received.
    pub fn texts(&self) -> Vec<(String, String, String)> {
        texts_in(&self.dir.path().join("maildir"))
    }
}

/// (To, Subject, text part) of every message file under `dir` (a maildir
/// or a folder of .eml files), decoded by Python's own e-mail parser, not
/// by ours.
pub fn texts_in(dir: &std::path::Path) -> Vec<(String, String, String)> {
    const DECODE: &str = r#"
import email, email.policy, json, pathlib, sys
out = []
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*")):
    if not path.is_file() or path.name.startswith("."):
        continue
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain",))
    out.append([str(msg["To"]), str(msg["Subject"]), body.get_content() if body else ""])
print(json.dumps(out))
"#;
    let output = Command::new("python3").args(["-c", DECODE]).arg(dir).output().expect("python3 runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("decoded messages")
}

/// The password links e-mailed to `to` among `texts`, oldest file first.
pub fn password_links(texts: &[(String, String, String)], to: &str) -> Vec<String> {
    links(texts, to, "/mot-de-passe/lien/")
}

/// The links with `path` in them e-mailed to `to` among `texts`.
pub fn links(texts: &[(String, String, String)], to: &str, path: &str) -> Vec<String> {
    texts
        .iter()
        .filter(|(t, _, _)| t.contains(to))
        .flat_map(|(_, _, text)| {
            text.split_whitespace()
                .filter(|w| w.contains(path))
                .map(|w| w.trim_end_matches(['.', ',', ')']).to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}
