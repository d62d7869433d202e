//! `labelflow bench mail`: e-mails per second sent by the mail worker
//! (lease, render, SMTP, record; several senders) against a raw SMTP client
//! sending the same messages over as many connections with no database,
//! alternating in rounds against the same local SMTP server.

use super::scratch::Scratch;
use crate::app::AppError;
use crate::clock::SystemClock;
use crate::mail::worker::{MailSettings, Mailer};
use crate::store::{to_micros, Backend, StoreError};
use crate::workflow::Definition;
use chrono::{Duration as Days, Utc};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

pub struct Options {
    pub backend: Backend,
    pub server: String,
    pub mails: usize,
    pub rounds: usize,
    pub senders: usize,
    /// An SMTP server to use; else a local aiosmtpd (Python) discarding sink.
    pub smtp_url: Option<String>,
}

fn fail(message: String) -> AppError {
    AppError::from(StoreError::Invalid(message))
}

/// A local aiosmtpd process that accepts and discards every message.
struct Sink(Child);

impl Drop for Sink {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

fn start_sink() -> Result<(Sink, String), AppError> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| fail(e.to_string()))?
        .port();
    let child = Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Sink"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| fail(format!("starting aiosmtpd (pip install aiosmtpd), or pass --smtp-url: {e}")))?;
    let mut sink = Sink(child);
    let begun = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = sink.0.try_wait() {
            return Err(fail(format!("aiosmtpd exited ({status}); is it installed (pip install aiosmtpd)?")));
        }
        if begun.elapsed() > Duration::from_secs(20) {
            return Err(fail("aiosmtpd did not start listening within 20 s".into()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok((sink, format!("smtp://127.0.0.1:{port}")))
}

pub async fn run(opts: &Options, workflow: Definition, out: &mut impl std::io::Write) -> Result<f64, AppError> {
    let (_sink, smtp_url) = match &opts.smtp_url {
        Some(url) => (None, url.clone()),
        None => {
            let (sink, url) = start_sink()?;
            (Some(sink), url)
        }
    };
    let scratch = Scratch::create(opts.backend, &opts.server).await?;
    let result = measure(&scratch, &smtp_url, opts, workflow, out).await;
    scratch.drop_all().await?;
    result
}

async fn measure(
    scratch: &Scratch,
    smtp_url: &str,
    opts: &Options,
    workflow: Definition,
    out: &mut impl std::io::Write,
) -> Result<f64, AppError> {
    let store = &scratch.store;
    let super::Call { app, owner, owner_email: email, dossiers, .. } = super::open_call(store, workflow, 1).await?;
    let (email, dossier) = (email.as_str(), dossiers[0]);
    let settings = MailSettings {
        smtp_url: Some(smtp_url.to_string()),
        mail_dir: std::env::temp_dir(),
        from: "labelflow <ne-pas-repondre@bench.test>".into(),
        public_url: "http://127.0.0.1".into(),
        retry_base: Duration::from_secs(60),
        max_attempts: 8,
        senders: opts.senders,
    };
    let mailer = Mailer::new(settings, store.clone(), app.workflows.clone(), Arc::new(SystemClock))
        .map_err(|e| fail(e.to_string()))?;
    let per_round = (opts.mails / opts.rounds).max(1);
    let _ = writeln!(
        out,
        "bench mail: backend {:?}, {} rounds of {per_round} e-mails per side, {} senders, SMTP {smtp_url}",
        opts.backend, opts.rounds, opts.senders
    );
    let (mut raw_n, mut raw_t, mut eng_n, mut eng_t) = (0usize, Duration::ZERO, 0usize, Duration::ZERO);
    let address = smtp_url.trim_start_matches("smtp://").split(['/', '?']).next().unwrap_or_default().to_string();
    for round in 0..opts.rounds {
        store.insert_bench_mail(per_round, dossier, owner, email, to_micros(Utc::now())).await?;
        // The raw side sends the very messages the worker is about to send.
        let leased = store.lease_mails(Utc::now(), Days::seconds(600), per_round).await?;
        let mut messages = Vec::with_capacity(leased.len());
        for mail in &leased {
            messages.push(mailer.compose(mail).await.map_err(fail)?.formatted());
        }
        store.release_mails(&leased.iter().map(|m| m.id.clone()).collect::<Vec<_>>()).await?;
        for side in if round % 2 == 0 { [0, 1] } else { [1, 0] } {
            let started = Instant::now();
            if side == 0 {
                raw_n += raw_send(&address, &messages, opts.senders, email).await?;
                raw_t += started.elapsed();
            } else {
                eng_n += mailer.send_due().await?;
                eng_t += started.elapsed();
            }
        }
    }
    let left = store.unsent_mail().await?;
    if left != 0 {
        return Err(fail(format!("{left} e-mails were not sent")));
    }
    let raw_rate = raw_n as f64 / raw_t.as_secs_f64().max(1e-9);
    let eng_rate = eng_n as f64 / eng_t.as_secs_f64().max(1e-9);
    let _ = writeln!(out, "raw SMTP client {raw_n:>7} in {:>6.2} s = {raw_rate:>9.1}/s", raw_t.as_secs_f64());
    let _ = writeln!(out, "mail worker     {eng_n:>7} in {:>6.2} s = {eng_rate:>9.1}/s", eng_t.as_secs_f64());
    let goal = if eng_rate >= 500.0 { "met" } else { "not met" };
    let _ = writeln!(out, "e-mails/s {eng_rate:.0} (goal >= 500: {goal})");
    let ratio = eng_rate / raw_rate.max(1e-9);
    let _ = writeln!(out, "ratio {ratio:.3}");
    Ok(ratio)
}

/// The bound: `messages` over `connections` plain SMTP connections (Nagle
/// off), each message as MAIL, RCPT, DATA; no database, no rendering.
async fn raw_send(address: &str, messages: &[Vec<u8>], connections: usize, to: &str) -> Result<usize, AppError> {
    let connections = connections.max(1);
    let chunk = messages.len().div_ceil(connections).max(1);
    let mut tasks = tokio::task::JoinSet::new();
    for part in messages.chunks(chunk) {
        let (address, part, to) = (address.to_string(), part.to_vec(), to.to_string());
        tasks.spawn(async move { raw_connection(&address, &part, &to).await });
    }
    let mut sent = 0;
    while let Some(done) = tasks.join_next().await {
        sent += done.map_err(|e| fail(e.to_string()))?.map_err(|e| fail(format!("raw SMTP client: {e}")))?;
    }
    Ok(sent)
}

async fn raw_connection(address: &str, messages: &[Vec<u8>], to: &str) -> std::io::Result<usize> {
    let stream = tokio::net::TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    expect(&mut read, b'2').await?;
    write.write_all(b"EHLO bench.test\r\n").await?;
    expect(&mut read, b'2').await?;
    for message in messages {
        write.write_all(b"MAIL FROM:<ne-pas-repondre@bench.test> BODY=8BITMIME\r\n").await?;
        expect(&mut read, b'2').await?;
        write.write_all(format!("RCPT TO:<{to}>\r\n").as_bytes()).await?;
        expect(&mut read, b'2').await?;
        write.write_all(b"DATA\r\n").await?;
        expect(&mut read, b'3').await?;
        let mut body = Vec::with_capacity(message.len() + 64);
        for line in message.split_inclusive(|&b| b == b'\n') {
            if line.first() == Some(&b'.') {
                body.push(b'.');
            }
            body.extend_from_slice(line);
        }
        if !body.ends_with(b"\r\n") {
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b".\r\n");
        write.write_all(&body).await?;
        expect(&mut read, b'2').await?;
    }
    write.write_all(b"QUIT\r\n").await?;
    Ok(messages.len())
}

/// Reads one (possibly multi-line) reply and checks its class.
async fn expect(read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, class: u8) -> std::io::Result<()> {
    let mut line = String::new();
    loop {
        line.clear();
        if read.read_line(&mut line).await? == 0 {
            return Err(std::io::Error::other("connection closed"));
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            break;
        }
    }
    if line.as_bytes().first() == Some(&class) {
        Ok(())
    } else {
        Err(std::io::Error::other(format!("unexpected reply: {}", line.trim_end())))
    }
}
