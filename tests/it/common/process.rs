//! `labelflow serve` as a child process on a loopback port.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct ServeProcess {
    pub child: Child,
    pub base: String,
    /// What it wrote on stderr, read by a thread until it exits.
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl ServeProcess {
    /// Starts `serve` with `args` (after `--bind 127.0.0.1:0`) and returns
    /// once it listens, that is once migrated (and, with `--demo`, loaded).
    pub fn start(args: &[&str], envs: &[(&str, &str)]) -> ServeProcess {
        let mut command = Command::new(env!("CARGO_BIN_EXE_labelflow"));
        command
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(args)
            .env("LABELFLOW_LOG", "labelflow=info,warn")
            // Out of the working tree; a test's own `--audit-digest-dir` wins.
            .env(
                "LABELFLOW_AUDIT_DIGEST_DIR",
                std::env::temp_dir().join(format!("labelflow-test-digests-{}", uuid::Uuid::new_v4().simple())),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("spawn serve");
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut printed = Vec::new();
        loop {
            let Some(Ok(line)) = lines.next() else {
                let status = child.wait().ok();
                panic!("serve exited before listening ({status:?}): {printed:?} {}", log.lock().unwrap());
            };
            if let Some(addr) = line.strip_prefix("labelflow listening on ") {
                let base = addr.to_string();
                // Keep reading stdout so the child never blocks on a full pipe.
                std::thread::spawn(move || for _ in lines {});
                return ServeProcess { child, base, log };
            }
            printed.push(line);
        }
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill(mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }

    /// SIGTERM, then whether it stopped cleanly.
    pub fn terminate(mut self) -> bool {
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("kill");
        self.child.wait().is_ok_and(|s| s.success())
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        // A failed test must not leave a server behind.
        if self.child.try_wait().ok().flatten().is_none() {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}
