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
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}
