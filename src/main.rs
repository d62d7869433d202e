use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = labelflow::cli::Cli::parse();
    match labelflow::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("labelflow: {e:#}");
            ExitCode::FAILURE
        }
    }
}
