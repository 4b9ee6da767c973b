//! Argument definitions (clap derive). The help texts are the user's first documentation.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "hemisim",
    version,
    about = "Deterministic simulation testbed for Bitcoin-anchored L2 networks (Hemi)",
    long_about = "hemisim replays a whole Bitcoin-anchored network inside a seeded discrete-event \
simulator: same scenario + same seed = the same run, byte for byte.\n\n\
Scenarios are TOML files (see scenarios/README.md for every key). Each run prints its seed and \
scenario hash at start, its trace hash at the end, and one command line that replays it.",
    after_help = "Examples:\n  hemisim run scenarios/quickstart.toml\n  hemisim run scenarios/double-spend.toml --set attack.hashrate_share=0.2 --runs 8\n  hemisim run scenarios/stale-rate.toml --seed 7 --out /tmp/stale --trace\n\n\
Exit codes: 0 ok, 1 safety invariant failed, 2 bad input, 3 liveness check failed, 4 run incomplete."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// More log output on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario: simulate, check invariants, write summary.json, CSVs and plots.
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML); scenarios/README.md documents every key.
    pub scenario: PathBuf,
    /// Seed of the run, replacing the scenario's `seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override a scenario key, validated like the file (repeatable), e.g. --set bitcoin.miners=16.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Independent replications with seeds derived from the base seed; the summary pools them
    /// with 95% confidence intervals.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub runs: u32,
    /// Worker threads for --runs (default: the machine's cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: Option<u32>,
    /// Output directory [default: reports/out/<scenario name>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write the full event trace as JSON lines (trace.jsonl; first replication only).
    #[arg(long)]
    pub trace: bool,
}
