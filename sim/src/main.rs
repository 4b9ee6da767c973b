//! The `hemisim` binary: parses the command line, sets up logging, runs the command, and turns
//! its outcome into the documented exit code. `anyhow`-free: every error a user can cause is
//! already a one-line message by the time it reaches here.

use clap::Parser;
use hemisim::cli::{execute, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    ExitCode::from(execute(cli) as u8)
}

/// Logs go to stderr without timestamps (inside the simulation the clock is simulated time).
fn init_logging(verbose: u8) {
    // madsim's own spans and events (one per task and message) would cost more than the
    // simulation itself; they are kept out unless RUST_LOG asks for them.
    let default = match verbose {
        0 => "warn,madsim=off",
        1 => "info,madsim=off",
        _ => "debug,madsim=off",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).without_time().with_target(false).init();
}
