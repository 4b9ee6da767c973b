//! The `hemisim` binary: parses the command line, sets up logging, runs the command, and turns
//! its outcome into the documented exit code. `anyhow`-free: every error a user can cause is
//! already a one-line message by the time it reaches here.

use clap::Parser;
use clap::error::ErrorKind;
use hemisim::cli::{Cli, Exit, execute, usage_error_line};
use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e),
    };
    init_logging(cli.verbose);
    ExitCode::from(execute(cli) as u8)
}

/// `--help`, `--version` and a bare `hemisim` print clap's full text; a usage error is one line
/// (like every other bad input) with exit code 2.
fn clap_exit(e: &clap::Error) -> ExitCode {
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(Exit::BadInput as u8));
    }
    eprintln!("{}", usage_error_line(&e.render().to_string()));
    ExitCode::from(Exit::BadInput as u8)
}

/// Logs go to stderr without timestamps (inside the simulation the clock is simulated time), in
/// colour only on a terminal, and through the progress bar so that a log line does not tear it.
fn init_logging(verbose: u8) {
    // madsim's own spans and events (one per task and message) would cost more than the
    // simulation itself; they are kept out unless RUST_LOG asks for them.
    let default = match verbose {
        0 => "warn,madsim=off",
        1 => "info,madsim=off",
        _ => "debug,madsim=off",
    };
    // An empty or unreadable RUST_LOG leaves the choice to -v.
    let from_env = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| tracing_subscriber::EnvFilter::try_new(v).ok());
    let filter = from_env.unwrap_or_else(|| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(hemisim::cli::progress::LogWriter)
        .with_ansi(std::io::stderr().is_terminal())
        .without_time()
        .with_target(false)
        .init();
}
