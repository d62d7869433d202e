use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LABELFLOW_LOG")
                .unwrap_or_else(|_| "labelflow=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match labelflow::cli::run(labelflow::cli::Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("labelflow: {e:#}");
            ExitCode::FAILURE
        }
    }
}
