//! The `hemisim` command line: argument definitions and the commands they run.
//!
//! Exit codes (README.md, "Exit codes"): 0 ok, 1 a safety invariant failed, 2 bad input, 3 a liveness check
//! failed, 4 the run could not complete (an output could not be written, or an internal error), 5
//! `hemisim compare` (or `hemisim baseline check`) found a regression;
//! a run or sweep stopped by a signal exits 128 + its number (130 SIGINT, 143 SIGTERM), see
//! [`output`].

pub mod args;
pub mod baseline;
pub mod compare;
pub mod console;
pub mod keystone;
pub mod merge;
mod merge_parts;
mod merge_swarm;
mod merge_sweep;
pub mod output;
pub mod progress;
pub mod report;
pub mod run;
pub mod shard;
pub mod swarm;
mod swarm_end;
mod swarm_shard;
pub mod sweep;
mod sweep_end;
mod sweep_shard;
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
    /// `hemisim compare` found a regression.
    Regression = 5,
}

/// A clap usage error as one line: its paragraphs (message, tip, usage, pointer to --help) joined
/// by "; ", each paragraph's lines by a space.
pub fn usage_error_line(rendered: &str) -> String {
    let paragraphs: Vec<String> = rendered
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect();
    paragraphs.join("; ").trim_end_matches('.').to_owned()
}

/// "1 run", "2 runs": a count with its noun.
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// ` --out DIR` (shell-quoted) for a replay line, when `--out` was given.
pub(crate) fn out_flag(out: Option<&std::path::Path>) -> String {
    out.map(|dir| format!(" --out {}", run::shell_quote(&dir.display().to_string()))).unwrap_or_default()
}

/// Whether a `--set` argument sets the seed (`seed=...`).
pub(crate) fn sets_seed(set: &str) -> bool {
    set.split_once('=').is_some_and(|(key, _)| key.trim() == "seed")
}

/// `--seed` and `--set seed=` both choose the seed: rather than let one silently win, refuse the
/// pair (replay lines carry `--seed` and leave `--set seed=` out).
pub(crate) fn one_seed(seed: Option<u64>, sets: &[String]) -> Result<(), String> {
    match (seed, sets.iter().find(|s| sets_seed(s))) {
        (Some(seed), Some(set)) => Err(format!("--seed {seed} and --set {set} both give the seed; give one of them")),
        _ => Ok(()),
    }
}

/// Runs a parsed command line.
pub fn execute(cli: Cli) -> Exit {
    let exit = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Keystone(args) => keystone::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Baseline(args) => baseline::run(args),
        Command::Report(args) => report::run(args),
        Command::Swarm(args) => swarm::run(args),
    };
    output::wait_if_interrupted();
    exit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_usage_error_becomes_one_line() {
        let rendered = "error: unexpected argument '--bogus' found\n\n  tip: to pass '--bogus' as a value, use '-- --bogus'\n\nUsage: hemisim run <SCENARIO>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            usage_error_line(rendered),
            "error: unexpected argument '--bogus' found; tip: to pass '--bogus' as a value, use '-- --bogus'; Usage: hemisim run <SCENARIO>; For more information, try '--help'"
        );
        let missing = "error: the following required arguments were not provided:\n  <SCENARIO>\n\nUsage: hemisim run <SCENARIO>\n";
        assert_eq!(
            usage_error_line(missing),
            "error: the following required arguments were not provided: <SCENARIO>; Usage: hemisim run <SCENARIO>"
        );
    }

    #[test]
    fn the_seed_is_given_once() {
        let sets = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            one_seed(Some(3), &sets(&["bitcoin.miners=4", "seed=5"])),
            Err("--seed 3 and --set seed=5 both give the seed; give one of them".to_owned())
        );
        assert!(sets_seed(" seed = 5") && !sets_seed("seeds=5") && !sets_seed("tunnel.seed=5"));
        assert_eq!(one_seed(Some(3), &sets(&["bitcoin.seeds=4"])), Ok(()));
        assert_eq!(one_seed(None, &sets(&["seed=5"])), Ok(()));
        assert_eq!((count(1, "run", "runs"), count(2, "run", "runs")), ("1 run".to_owned(), "2 runs".to_owned()));
    }
}
