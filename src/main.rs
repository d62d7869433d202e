use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LABELFLOW_LOG")
                .unwrap_or_else(|_| "labelflow=info,warn".into()),
        )
        .with_writer(std::io::stderr);
    // One JSON object per line for a log collector; each carries the
    // fields of the spans it was written in (a request's id among them).
    if std::env::var("LABELFLOW_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        logs.json().with_current_span(false).with_span_list(true).flatten_event(true).init();
    } else {
        logs.init();
    }
    match labelflow::cli::run(labelflow::cli::Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("labelflow: {e:#}");
            ExitCode::FAILURE
        }
    }
}
