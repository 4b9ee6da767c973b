//! The `hemisim` command line: argument definitions and the commands they run.
//!
//! Exit codes (README.md, "Exit codes"): 0 ok, 1 a safety invariant failed, 2 bad input, 3 a liveness check
//! failed, 4 the run could not complete (an output could not be written, or an internal error);
//! a run or sweep stopped by a signal exits 128 + its number (130 SIGINT, 143 SIGTERM), see
//! [`output`].

pub mod args;
pub mod console;
pub mod keystone;
pub mod output;
pub mod progress;
pub mod run;
pub mod sweep;
pub mod verify;

pub use args::{Cli, Command};

/// How a command ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Safety = 1,
    BadInput = 2,
    Liveness = 3,
    Incomplete = 4,
}

/// Runs a parsed command line.
pub fn execute(cli: Cli) -> Exit {
    let exit = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Keystone(args) => keystone::run(args),
        Command::Verify(args) => verify::run(args),
    };
    output::wait_if_interrupted();
    exit
}
