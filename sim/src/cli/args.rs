//! Argument definitions (clap derive). The help texts are the user's first documentation.

use crate::scenario::SEED_MAX;
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
    after_help = "Examples:\n  hemisim run scenarios/quickstart.toml\n  hemisim run scenarios/double-spend.toml --set attack.hashrate_share=0.2 --runs 8\n  hemisim run scenarios/stale-rate.toml --seed 7 --out /tmp/stale --trace\n  hemisim sweep scenarios/quickstart.toml --grid l2.block_time_s=6,12 --grid bitcoin.miners=4,8 --runs 4\n  hemisim verify reports/out/treasury <deposit txid from tunnel.csv>\n\n\
Exit codes: 0 ok, 1 safety invariant failed, 2 bad input, 3 liveness check failed, 4 run incomplete,
130/143 interrupted by SIGINT/SIGTERM (the output folder is left as it was)."
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
    /// Run a scenario: simulate, check invariants, write summary.json, CSVs, plots and report.html.
    Run(RunArgs),
    /// Run a grid of scenario variants (the cartesian product of --grid values), each with
    /// replications; write sweep.csv, sweep.json, a figure and each cell's summary.json.
    #[command(long_about = SWEEP_ABOUT)]
    Sweep(SweepArgs),
    /// Join the partial directories of a sharded sweep or swarm (`hemisim sweep|swarm --shard
    /// I/N`) into the outputs the unsharded one writes, byte for byte.
    #[command(long_about = MERGE_ABOUT, after_help = MERGE_AFTER_HELP)]
    Merge(MergeArgs),
    /// Encode or decode Hemi keystones and Proof-of-Proof payloads (docs/protocol.md §3).
    Keystone(KeystoneArgs),
    /// Re-check a minted deposit's chain of trust from a run's provenance/ files, recomputing
    /// every link from raw bytes: Bitcoin headers, lock transaction, minting L2 block, anchor.
    #[command(long_about = VERIFY_ABOUT, after_help = VERIFY_AFTER_HELP)]
    Verify(VerifyArgs),
    /// Compare two runs' (or sweeps') output folders metric by metric; exit 5 when the new one
    /// regressed.
    #[command(long_about = COMPARE_ABOUT, after_help = COMPARE_AFTER_HELP)]
    Compare(CompareArgs),
    /// CI regression baselines (reports/baselines/): refresh them, or check a build against them.
    #[command(long_about = BASELINE_ABOUT)]
    Baseline(BaselineArgs),
    /// (Re)write DIR/report.html, the page of a run's or sweep's output folder (every `run` and
    /// `sweep` writes one): headlines, validation tables, figures, data files, scenario.
    #[command(after_help = REPORT_AFTER_HELP)]
    Report(ReportArgs),
    /// Swarm testing: run many random worlds (every table and key drawn from each seed), every
    /// checker on; report failures with a replay line and a scenario file, and what was covered.
    #[command(long_about = SWARM_ABOUT, after_help = SWARM_AFTER_HELP)]
    Swarm(SwarmArgs),
}

#[derive(Debug, Args)]
pub struct SwarmArgs {
    /// First seed (0 to 2^53-1; default 0): the worlds are SEED, SEED+1, ...; with --replay, the
    /// world to rerun.
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=SEED_MAX))]
    pub seed: Option<u64>,
    /// How many worlds to run [default: 100].
    #[arg(long, conflicts_with = "seeds", value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub count: Option<u64>,
    /// The seeds as a range A..B (B excluded), instead of --seed and --count.
    #[arg(long, value_name = "A..B", conflicts_with = "seed")]
    pub seeds: Option<String>,
    /// Worker threads, one world each at a time (default: the machine's cores). Results do not
    /// depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: Option<u32>,
    // `help`, not a doc comment: rustdoc would take the `<...>` placeholders for HTML tags.
    #[arg(
        long,
        help = "Output directory, replaced whole at the end (it must be absent, empty or an \
earlier output) [default: reports/out/swarm/; a shard's: reports/out/swarm-shard-<I>-of-<N>/]"
    )]
    pub out: Option<PathBuf>,
    /// Shrink every failing world: rerun smaller variants (tables dropped, shorter, fewer peers
    /// and faults) while the same violation persists, and write the smallest.
    #[arg(long)]
    pub shrink: bool,
    /// Rerun world --seed alone and print its verdict (the same trace hash as in the swarm).
    #[arg(long, requires = "seed", conflicts_with_all = ["count", "seeds", "shrink", "out", "shard", "shard_count"])]
    pub replay: bool,
    #[command(flatten)]
    pub shard: super::shard::ShardArgs,
    #[command(flatten)]
    pub progress: super::progress::ProgressArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output folder of a `hemisim run` or `hemisim sweep` (its --out): the page goes in it.
    pub dir: PathBuf,
}

const REPORT_AFTER_HELP: &str = "The page is self-contained (figures inline as SVG, no script, nothing \
fetched) and links to the folder's CSVs, so open it from the folder: README.md, \"Reading a report\", \
says what each part shows. A sweep's page links to one page per cell (cells/<i>-<label>/report.html).\n\n\
Example:\n  hemisim run scenarios/quickstart.toml --out /tmp/quick   # writes /tmp/quick/report.html\n  \
hemisim report /tmp/quick                               # writes it again, e.g. after an upgrade\n\n\
Exit codes: 0 written, 2 bad input (not a hemisim output folder, or an incomplete one), 4 the page \
could not be written.";

#[derive(Debug, Args)]
pub struct BaselineArgs {
    #[command(subcommand)]
    pub action: BaselineAction,
}

#[derive(Debug, Subcommand)]
pub enum BaselineAction {
    /// Rerun every CI scenario of DIR/ci.toml and replace its baseline folder `DIR/<name>/` (only
    /// once all of them ran cleanly; a failed run leaves every baseline as it was).
    #[command(after_help = BASELINE_REFRESH_AFTER_HELP)]
    Refresh(BaselineRefreshArgs),
    /// Rerun every CI scenario of DIR/ci.toml into --out and compare each against its baseline
    /// (as `hemisim compare`); exit 5 naming the scenarios that regressed.
    #[command(after_help = BASELINE_CHECK_AFTER_HELP)]
    Check(BaselineCheckArgs),
}

#[derive(Debug, Args)]
pub struct BaselineRefreshArgs {
    /// The baselines folder: it holds ci.toml (the CI scenarios) and one folder per baseline.
    #[arg(long, default_value = "reports/baselines")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct BaselineCheckArgs {
    /// The baselines folder: it holds ci.toml (the CI scenarios) and one folder per baseline.
    #[arg(long, default_value = "reports/baselines")]
    pub dir: PathBuf,
    /// Where the new runs go (`OUT/<name>/`), with `OUT/<name>.compare.json` and
    /// `OUT/<name>.junit.xml` (each folder replaced whole, as `hemisim run --out` does).
    #[arg(long, default_value = "reports/out/baseline-check")]
    pub out: PathBuf,
    /// As `hemisim compare --tolerance`, replacing ci.toml's `tolerance`.
    #[arg(long, value_name = "PCT", allow_negative_numbers = true)]
    pub tolerance: Option<f64>,
    /// As `hemisim compare --tolerances`, replacing ci.toml's `tolerances`.
    #[arg(long, value_name = "FILE")]
    pub tolerances: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Output folder of the reference run or sweep (its --out, e.g. last release's).
    pub baseline: PathBuf,
    /// Output folder of the run to judge, from the same kind of command.
    pub new: PathBuf,
    /// Relative change, in percent, that a significant change must exceed to count. Default 1
    /// for rates and means; counts (reorgs, mismatches, losses) are exact unless this is given.
    #[arg(long, value_name = "PCT", allow_negative_numbers = true)]
    pub tolerance: Option<f64>,
    /// Per-metric tolerances: a TOML file of `"metric.path" = PCT` lines (e.g.
    /// `"pop.superfinality_latency_s.mean" = 5`), replacing --tolerance for the metrics it names.
    #[arg(long, value_name = "FILE")]
    pub tolerances: Option<PathBuf>,
    /// Also write the comparison as JSON to FILE (reports/README.md, "compare.json").
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write JUnit XML to FILE: one testcase per metric, a failure per regression.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Output directory of a `hemisim run` (its --out; it holds provenance/ and tunnel.csv).
    pub out_dir: PathBuf,
    /// Txid of a minted deposit (64 hex digits, as Bitcoin shows txids): the `txid` of a `mint`
    /// row in the run's tunnel.csv.
    pub deposit_txid: String,
}

#[derive(Debug, Args)]
pub struct KeystoneArgs {
    #[command(subcommand)]
    pub action: KeystoneAction,
}

#[derive(Debug, Subcommand)]
pub enum KeystoneAction {
    /// Build a keystone from its fields: print the 76-byte abbreviation, the keystone hash (as
    /// Bitcoin shows txids), the 80-byte PoP payload and the 83-byte OP_RETURN script.
    #[command(
        after_help = "Example (Hemi's test keystone 1):\n  hemisim keystone encode --l1-block 10001 --l2-block 25 \\\n    --parent-hash 9dcf97a184f32623d11a73124ceb99a5709b083721e878a16d78f596718ba7b2 \\\n    --prev-keystone-hash 6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d \\\n    --state-root 75c8fd04ad916aec3e3d5cb76a452b116b3d4d0912a0a485e9fb8e3d240e210c \\\n    --block-hash 4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a"
    )]
    Encode {
        /// Keystone version (Hemi accepts only 1).
        #[arg(long, default_value_t = 1)]
        version: u8,
        /// L1 block number.
        #[arg(long)]
        l1_block: u32,
        /// L2 block number (a keystone is every 25th L2 block).
        #[arg(long)]
        l2_block: u32,
        /// Parent block hash, 32 bytes hex (11 go on Bitcoin).
        #[arg(long)]
        parent_hash: String,
        /// Previous keystone's block hash, 32 bytes hex (12 go on Bitcoin).
        #[arg(long)]
        prev_keystone_hash: String,
        /// State root, 32 bytes hex.
        #[arg(long)]
        state_root: String,
        /// Block hash, 32 bytes hex (12 go on Bitcoin).
        #[arg(long)]
        block_hash: String,
    },
    /// Decode hex: an OP_RETURN script, a raw Bitcoin transaction, an 80-byte PoP payload or 76
    /// keystone bytes. Says why when it is not a valid Hemi PoP payload.
    Decode {
        /// The hex to decode.
        hex: String,
    },
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML); scenarios/README.md documents every key.
    pub scenario: PathBuf,
    /// Seed of the run (0 to 2^53-1), replacing the scenario's `seed` (give it here or with --set
    /// seed=, not both).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=SEED_MAX))]
    pub seed: Option<u64>,
    /// Override a scenario key, validated like the file (repeatable), e.g. --set bitcoin.miners=16;
    /// a table of an array by its index, from 0 (the next index adds one): --set censor.0.share=0.1.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Independent replications with seeds derived from the base seed; the summary pools them
    /// with 95% confidence intervals.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub runs: u32,
    /// Worker threads for --runs (default: the machine's cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: Option<u32>,
    // `help`, not a doc comment: rustdoc would take the `<...>` placeholders for HTML tags.
    #[arg(
        long,
        help = "Output directory, replaced whole at the end (it must be absent, empty or an \
earlier output) [default: reports/out/<scenario name>/]"
    )]
    pub out: Option<PathBuf>,
    /// Also write the full event trace as JSON lines (trace.jsonl; first replication only).
    #[arg(long)]
    pub trace: bool,
    /// Run to the end through safety violations and report every one (by default a run stops
    /// at its first safety violation, so the failing moment is the end of its outputs).
    #[arg(long)]
    pub keep_going: bool,
}

#[derive(Debug, Args)]
#[command(after_help = SWEEP_AFTER_HELP)]
pub struct SweepArgs {
    /// Scenario file (TOML); scenarios/README.md documents every key.
    pub scenario: PathBuf,
    /// A scenario key and the values to sweep it over, validated like --set (repeatable; the
    /// cells are the cartesian product), e.g. --grid fault.0.for_s=3600,7200. Commas inside [..]
    /// or quotes do not split.
    #[arg(long = "grid", value_name = "KEY=V1,V2,...", required = true)]
    pub grid: Vec<String>,
    /// Override a scenario key in every cell, validated like the file (repeatable). A key is
    /// either swept or set, not both.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Base seed (0 to 2^53-1), replacing the scenario's `seed` (give it here or with --set seed=,
    /// not both); every cell's seed is derived from it.
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=SEED_MAX))]
    pub seed: Option<u64>,
    /// Replications per cell; sweep.csv gives each metric's mean and 95% interval over them.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub runs: u32,
    /// Worker threads, shared by all cells (default: the machine's cores). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: Option<u32>,
    // `help`, not a doc comment: rustdoc would take the `<...>` placeholders for HTML tags.
    #[arg(
        long,
        help = "Output directory, replaced whole at the end (it must be absent, empty or an \
earlier output) [default: reports/out/<scenario name>-sweep/; a shard's: \
reports/out/<scenario name>-sweep-shard-<I>-of-<N>/]"
    )]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub shard: super::shard::ShardArgs,
    #[command(flatten)]
    pub progress: super::progress::ProgressArgs,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The partial directories, one per shard (their order does not matter).
    #[arg(value_name = "PARTIAL_DIR", required = true)]
    pub partials: Vec<PathBuf>,
    // `help`, not a doc comment: rustdoc would take the `<...>` placeholders for HTML tags.
    #[arg(
        long,
        help = "Output directory, replaced whole at the end (it must be absent, empty or an \
earlier output) [default: as the unsharded command's: reports/out/<scenario name>-sweep/ or \
reports/out/swarm/]"
    )]
    pub out: Option<PathBuf>,
}

const COMPARE_ABOUT: &str = "Compare two runs' output folders (hemisim run --out, with or without \
--runs) over the headline metrics of each area: btc.stale_rate, l2.tps, l2 inclusion latency, \
pop.superfinality_latency_s, tunnel losses and latencies, ethereum.missed_slot_rate, and the \
safety counts.\n\n\
Same trace hash: the runs are identical and so is every metric. Otherwise each metric gets a \
verdict: a rate with counts is tested with the two-proportion z-test; a mean with replications \
(--runs N on both sides) with the paired t-test when both used the same seeds (the worlds then \
differ only by the change), else Welch's t-test; every test is two-sided at the 1% level \
(alpha = 0.01). A significant change must also exceed the tolerance (--tolerance, default 1%; \
counts are exact unless --tolerance is given; --tolerances FILE sets it per metric). A single run has no spread to test: its means are \
judged by the tolerance alone, so use --runs for noisy metrics. Two sweeps are compared cell by \
cell, cells matched by their key=value labels (a cell holds no per-replication values, so its \
means are judged by the tolerance alone). Only a change in the bad \
direction (higher latency, stale rate, losses, violations; lower throughput) is a regression; \
the other way is reported as improved.";

const COMPARE_AFTER_HELP: &str = "Example (does a longer keystone interval slow superfinality?):\n  \
hemisim run scenarios/quickstart.toml --runs 4 --out /tmp/base\n  \
hemisim run scenarios/quickstart.toml --runs 4 --set pop.keystone_interval_blocks=50 --out /tmp/new\n  \
hemisim compare /tmp/base /tmp/new --junit /tmp/compare.xml\n\n\
A tolerances file (TOML, percent per metric path as in the table; see reports/baselines/tolerances.toml):\n  \
\"pop.superfinality_latency_s.mean\" = 5\n  \
\"btc.reorgs\" = 0\n\n\
Exit codes: 0 nothing regressed, 2 bad input (not a hemisim output folder, an incomplete one, a \
run against a sweep, sweeps without a cell in common, a tolerances file that is not TOML or names \
an unknown metric), 4 --json or --junit could not be written, 5 a \
metric regressed (named on stderr).";

const BASELINE_ABOUT: &str = "CI regression baselines. The CI scenarios (quick ones, a few seconds \
each) and their `hemisim run` arguments are listed in one file, reports/baselines/ci.toml; each \
baseline is a folder reports/baselines/<name>/ holding what `hemisim compare` reads (manifest.json, \
summary.json without its wall-clock figures, runs.csv with replications) and command.txt, the exact \
`hemisim run` line that produced it.\n\n\
`refresh` reruns every CI scenario and replaces the baselines; `check` reruns them into a scratch \
folder and compares each against its baseline: run it in CI (README.md, \"CI regression runs\"; \
reports/baselines/ci-regression.sh). Run both from the repository's top folder (the scenario \
paths of ci.toml are relative to it).";

const BASELINE_REFRESH_AFTER_HELP: &str = "Example (after a change that is meant to move the metrics):\n  \
hemisim baseline refresh\n  git diff reports/baselines/\n\n\
Exit codes: 0 refreshed, 1/3 a CI scenario broke a safety/liveness invariant, 2 bad input (ci.toml), \
4 a baseline could not be written. Nothing is replaced unless every CI scenario ran cleanly.";

const BASELINE_CHECK_AFTER_HELP: &str = "Example (in CI, on the branch's build):\n  \
hemisim baseline check --out /tmp/check   # then keep /tmp/check/*.junit.xml and *.compare.json\n\n\
Exit codes: 0 nothing regressed, 1/3 a CI scenario broke a safety/liveness invariant, 2 bad input \
(ci.toml, a tolerances file, a missing baseline: run `hemisim baseline refresh`), 4 an output could \
not be written, 5 a baseline regressed (the scenarios named on stderr).";

const VERIFY_ABOUT: &str = "Re-check one minted deposit's chain of trust, from the files a run wrote \
to <OUT_DIR>/provenance/ (bitcoin_headers.txt: the main chain's headers; deposits/<txid>.json: the \
deposit's bundle). Nothing is taken on trust from the simulator: every hash, merkle root and \
keystone is recomputed from raw bytes, and the chain is printed one numbered line per link:\n\n\
  1. Bitcoin headers: each header names the previous one's hash and meets the proof-of-work target.\n\
  2. lock transaction: its txid is the one asked for; it is a deposit (pays the vault script among \
its first 8 outputs, an OP_RETURN names a 20-byte L2 recipient, at least 0.01 BTC); its merkle proof \
commits to it in the main-chain block at its height.\n\
  3. minting L2 block: the block hash recomputed from its header; the transactions root from its \
Bitcoin attributes, mints and transaction hashes; the mint names this outpoint, recipient and \
amount; the block's Bitcoin view gave the deposit enough confirmations (tip - indexer lag - deposit \
height + 1 >= deposit_confirmations).\n\
  4. anchor: the L2 headers chain by parent hash from the minting block to a keystone block; the \
keystone rebuilt from that header is the one a PoP transaction carries; that transaction's merkle \
proof commits to it in a main-chain block; confirmations = tip - height + 1; superfinal once \
tip - height >= superfinality_depth.";

const VERIFY_AFTER_HELP: &str = "Deposit txids: the `mint` rows of tunnel.csv in the run's output directory.\n\n\
Example:\n  hemisim run scenarios/treasury.toml --out /tmp/treasury\n  \
hemisim verify /tmp/treasury <txid of a mint row in /tmp/treasury/tunnel.csv>\n\n\
Exit codes: 0 every link verified and the deposit's L2 block superfinal; 1 a link is broken (the \
message names it, e.g. \"link 2 (lock transaction): ...\"); 2 bad input (no such directory or \
file, malformed JSON or hex, a txid this run did not mint); 3 every link holds so far but the chain \
is incomplete (no covering keystone published yet, or not yet superfinal).";

const SWARM_ABOUT: &str = "Swarm testing: for each seed, draw a whole world from the seed alone \
(which tables exist and every key within its valid range, favouring hard worlds: short block \
intervals, deep reorgs, attackers, fee spikes, censorship, faults, small mempools, tiny gas limits), \
validate it like a scenario file, and run it with every checker: safety as the run goes, then \
liveness after the faults heal. About one world in 20 (chosen by its seed) runs twice: a different \
trace hash is a failure of its own, nondeterminism.\n\n\
Verdicts: ok; finding:<rule> (a checker fired on a real property of the protocol, e.g. a Bitcoin \
reorg deeper than the superfinality depth reverting superfinality; counted, not a failure); \
safety; liveness; could-not-complete; nondeterminism; generator-bug. Each failure prints its \
replay line and writes the world's scenario file (failures/seed-N.toml, commented) into --out; \
--shrink also writes the smallest variant with the same violation (failures/seed-N.shrunk.toml).\n\n\
Coverage: each world records the rare events it exercised (a reorg deeper than 3 blocks, a \
keystone republished after a reorg, a deposit unwound, a payout repaid, a full mempool, a forced \
block, convergence after a fault, ...); the summary counts them and names those never reached.";

const SWARM_AFTER_HELP: &str = "Examples:\n  \
hemisim swarm --count 200                 # worlds 0..200 on every core\n  \
hemisim swarm --seeds 5000..15000 --jobs 2 --shrink --out /tmp/night   # overnight\n  \
hemisim swarm --seed 1234 --replay        # rerun one world\n  \
hemisim run /tmp/night/failures/seed-1234.toml --trace   # every output of a failing world\n\n\
Outputs (in --out, default reports/out/swarm/; see reports/README.md):\n  \
swarm.csv    one row per world: seed, scenario_hash, trace_hash, verdict, wall_s, covered, self_checked\n  \
swarm.json   worlds, verdicts, failures (with replay lines), findings, worlds_per_minute, coverage\n               \
counts, never_reached\n  \
failures/    seed-N.toml for each failing world (seed-N.shrunk.toml with --shrink)\n\n\
Sharding (README.md, \"Running on a cluster\"): --shard I/N runs only the worlds whose position in the\n\
seed range is I mod N into a partial directory (shard.json and the failures' files); `hemisim merge`\n\
joins the N partial directories into the outputs above, byte for byte but for the measured wall_s,\n\
wall_time_s, worlds_per_minute and jobs. Without --shard, I/N comes from a Slurm job array or a\n\
Kubernetes Indexed Job (with --shard-count N), as for `hemisim sweep`.\n  \
hemisim swarm --seeds 0..1000 --shard 0/4 --out /tmp/part0\n\n\
Exit codes: 0 no failure (findings allowed), 1 a safety violation or nondeterminism, 2 bad input, \
3 a liveness failure, 4 a world could not complete (or the generator drew an invalid one).";

const SWEEP_ABOUT: &str = "Run a grid of scenario variants: every combination of the --grid values (the first \
--grid is the outermost loop), each cell with --runs replications, all on one queue of --jobs threads. \
Every cell is loaded and validated before anything runs; a bad key or value is one line naming \
--grid KEY=VALUE (exit code 2).\n\n\
Seeds: each cell's seed is derived (SHA-256) from the base seed and the cell's key=value pairs, so \
adding a value to one --grid leaves every other cell's seed and results unchanged; replications \
within a cell use seeds derived from the cell's, as `hemisim run --runs` does. Outputs do not depend \
on --jobs.";

const SWEEP_AFTER_HELP: &str = "Examples:\n  \
hemisim sweep scenarios/quickstart.toml --grid l2.block_time_s=6,12,24 --grid bitcoin.miners=4,8 --runs 4\n  \
hemisim sweep scenarios/stale-rate.toml --grid bitcoin.propagation_delay_ms=2000,10000,30000 --set duration_s=86400 --runs 8\n  \
hemisim sweep scenarios/quickstart.toml --grid 'bitcoin.hashrate_shares=[1,1],[3,1]' --set bitcoin.miners=2\n\n\
Outputs (in --out, default reports/out/<scenario name>-sweep/; see reports/README.md):\n  \
sweep.csv                 one row per cell: the grid values, the cell's seed, and the mean and 95% CI\n                            \
over replications of PoP superfinality latency (p50, p95), PoP fees per day and\n                            \
block-space share, Bitcoin stale rate, L2 tps and L2 inclusion latency p50\n  \
sweep.json                the grid, the base seed, every cell's seed, replication seeds, trace hash,\n                            \
violations and replay line, and the combined trace fingerprint\n  \
sweep_latency_cost.{png,svg}  PoP cost vs superfinality latency, one labelled point per cell\n                            \
(without PoP metrics: sweep_stale_rate.{png,svg}, the stale rate against the first\n                            \
--grid key)\n  \
cells/<i>-<label>/summary.json  each cell's summary, replications pooled\n  \
report.html               the sweep's page: the grid with each cell's headline, linking to\n                            \
cells/<i>-<label>/report.html (README.md, \"Reading a report\")\n\n\
Every violation and failure prints the seed and a `hemisim run` line that replays it.\n\n\
Sharding (README.md, \"Running on a cluster\"): --shard I/N runs only the cells whose index is I mod N\n\
into a partial directory (shard.json and the cells' summaries); `hemisim merge` joins the N partial\n\
directories into the outputs above, byte for byte. Without --shard, I/N comes from a Slurm job array\n\
(SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT; the array must have step 1) or a\n\
Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with --shard-count N); --shard 0/1 runs everything there.\n  \
hemisim sweep scenarios/anchoring.toml --grid l2.block_time_s=2,6,12 --shard 0/3 --out /tmp/part0\n\n\
Exit codes: 0 ok, 1 safety invariant failed (in any cell), 2 bad input, 3 liveness check failed, 4 a run\n\
did not complete or an output could not be written.";

const MERGE_ABOUT: &str = "Join the partial directories of a sharded sweep into its outputs: sweep.csv, \
sweep.json, the figure, every cell's summary.json and manifest.json, byte for byte those of the same \
sweep run unsharded. Each partial directory is what `hemisim sweep ... --shard I/N` wrote (shard.json \
names the sweep, I, N and its cells); give all N of them, in any order.\n\n\
A sharded swarm's partial directories (`hemisim swarm ... --shard I/N`) merge the same way into \
swarm.csv, swarm.json, failures/ and manifest.json, byte for byte those of the unsharded swarm but for \
the measured fields: swarm.csv's wall_s (each world's, as its shard measured it) and swarm.json's \
wall_time_s (the longest shard's), worlds_per_minute and jobs (the shards' threads together).\n\n\
Refused before anything is written (exit code 2, naming the folders): a folder that is not a complete \
partial directory, a sweep's shards with a swarm's, shards of different sweeps (another scenario, grid, \
seed, --runs, --set or hemisim version) or swarms (another seed range, --shrink or hemisim build) or of \
different N, a shard given twice, a missing shard.";

const MERGE_AFTER_HELP: &str = "Example (three shards, on three machines or one):\n  \
hemisim sweep scenarios/anchoring.toml --grid l2.block_time_s=2,6,12 --runs 4 --shard 0/3 --out /tmp/part0\n  \
hemisim sweep scenarios/anchoring.toml --grid l2.block_time_s=2,6,12 --runs 4 --shard 1/3 --out /tmp/part1\n  \
hemisim sweep scenarios/anchoring.toml --grid l2.block_time_s=2,6,12 --runs 4 --shard 2/3 --out /tmp/part2\n  \
hemisim merge /tmp/part0 /tmp/part1 /tmp/part2 --out /tmp/sweep\n\n\
Example (a swarm in two shards):\n  \
hemisim swarm --seeds 0..1000 --shard 0/2 --out /tmp/swarm0\n  \
hemisim swarm --seeds 0..1000 --shard 1/2 --out /tmp/swarm1\n  \
hemisim merge /tmp/swarm0 /tmp/swarm1 --out /tmp/swarm\n\n\
Exit codes: 0 ok, 1/3 a cell had a safety/liveness violation (as the sweep would; a swarm's: as the \
swarm would, 4 included for a world that could not complete), 2 bad input, 4 an output could not be \
written.";
