//! `hemisim baseline refresh|check`: the CI regression baselines of `reports/baselines/`.
//!
//! The CI scenarios and their arguments live in one file, `<dir>/ci.toml` ([`CiFile`]). Each
//! baseline is a folder `<dir>/<name>/` holding what `hemisim compare` reads: `manifest.json`,
//! `summary.json` (its wall-clock figures zeroed, so that a refresh that changes nothing leaves
//! the files byte for byte as they were) and, with `runs > 1`, `runs.csv`; plus `command.txt`, the
//! exact `hemisim run` line that produced it.
//!
//! `refresh` runs every scenario first, into a temporary folder, and only when all of them ran
//! cleanly swaps each baseline folder in whole (`output_dir::Staging`); a failed run leaves every
//! baseline as it was. `check` reruns every scenario into `--out` and compares each against its
//! baseline with `hemisim compare` itself, writing `<name>.compare.json` and `<name>.junit.xml`.
//!
//! Exit codes: 0 ok; 1/3 a CI scenario broke a safety/liveness invariant; 2 bad input (ci.toml,
//! a tolerances file, a missing baseline); 4 an output could not be written; 5 `check` found a
//! regression (the scenarios named on stderr).

use super::args::{BaselineAction, BaselineCheckArgs, BaselineRefreshArgs, CompareArgs};
use super::console::{errln, outln};
use super::{Cli, Command, Exit, compare, output, run};
use clap::Parser;
use hemisim_reports::output_dir::{MANIFEST, Manifest};
use hemisim_reports::summary::Summary;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file, in the baselines folder, that lists the CI scenarios.
pub const CI_FILE: &str = "ci.toml";
/// The file, in each baseline folder, with the command that produced it.
pub const COMMAND_FILE: &str = "command.txt";

/// `ci.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CiFile {
    /// `--tolerance` for `check` (percent), unless given on the command line.
    pub tolerance: Option<f64>,
    /// A `--tolerances` file for `check`, relative to `ci.toml`'s folder, unless given on the
    /// command line.
    pub tolerances: Option<PathBuf>,
    /// The CI scenarios, in the order they run.
    #[serde(default)]
    pub baseline: Vec<CiScenario>,
}

/// One CI scenario: `hemisim run SCENARIO [--seed SEED] [--set SET]... [--runs RUNS]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CiScenario {
    /// Its baseline folder's name: letters, digits, `-` and `_`.
    pub name: String,
    /// The scenario file, relative to the folder hemisim runs in (the repository's top).
    pub scenario: String,
    #[serde(default)]
    pub set: Vec<String>,
    pub seed: Option<u64>,
    #[serde(default = "one")]
    pub runs: u32,
}

fn one() -> u32 {
    1
}

impl CiScenario {
    /// The `hemisim run` arguments (after `run`), without `--out`.
    fn run_args(&self) -> Vec<String> {
        let mut args = vec![self.scenario.clone()];
        if let Some(seed) = self.seed {
            args.extend(["--seed".to_owned(), seed.to_string()]);
        }
        for set in &self.set {
            args.extend(["--set".to_owned(), set.clone()]);
        }
        if self.runs != 1 {
            args.extend(["--runs".to_owned(), self.runs.to_string()]);
        }
        args
    }

    /// The command line, shell-quoted, as `command.txt` holds it.
    fn command_line(&self) -> String {
        let quoted: Vec<String> = self.run_args().iter().map(|a| run::shell_quote(a)).collect();
        format!("hemisim run {}", quoted.join(" "))
    }

    /// Runs it into `out` through the `run` command's own argument parser, so that what ran is
    /// exactly `command.txt`'s line. Returns the run's exit code.
    fn run_into(&self, out: &Path) -> Exit {
        let mut argv = vec!["hemisim".to_owned(), "run".to_owned()];
        argv.extend(self.run_args());
        argv.extend(["--out".to_owned(), out.display().to_string()]);
        match Cli::try_parse_from(&argv).map(|cli| cli.command) {
            Ok(Command::Run(args)) => run::run(args),
            Ok(_) => unreachable!("argv starts with `run`"),
            Err(e) => {
                errln!("error: baseline {}: {}", self.name, super::usage_error_line(&e.render().to_string()));
                Exit::BadInput
            }
        }
    }
}

pub fn run(args: super::args::BaselineArgs) -> Exit {
    match args.action {
        BaselineAction::Refresh(args) => refresh(&args),
        BaselineAction::Check(args) => check(&args),
    }
}

/// Reads and checks `<dir>/ci.toml`.
pub fn read_ci_file(dir: &Path) -> Result<CiFile, String> {
    let path = dir.join(CI_FILE);
    let shown = path.display();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{shown}: cannot read ({e}); --dir names the baselines folder, which holds {CI_FILE}"))?;
    let ci: CiFile = toml::from_str(&text)
        .map_err(|e| format!("{shown}: {}", e.to_string().split_whitespace().collect::<Vec<_>>().join(" ")))?;
    if ci.baseline.is_empty() {
        return Err(format!("{shown}: no [[baseline]] entries; each names a CI scenario (name, scenario, set, runs)"));
    }
    for (i, entry) in ci.baseline.iter().enumerate() {
        let valid = !entry.name.is_empty()
            && entry.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && !entry.name.starts_with('-');
        if !valid {
            return Err(format!(
                "{shown}: baseline name {:?}: expected letters, digits, - and _ (it names a folder)",
                entry.name
            ));
        }
        if ci.baseline[..i].iter().any(|other| other.name == entry.name) {
            return Err(format!("{shown}: baseline name {:?} is given twice", entry.name));
        }
        if entry.runs == 0 {
            return Err(format!("{shown}: baseline {}: runs = 0; expected 1 or more", entry.name));
        }
    }
    Ok(ci)
}

fn refresh(args: &BaselineRefreshArgs) -> Exit {
    let ci = match read_ci_file(&args.dir) {
        Ok(ci) => ci,
        Err(e) => {
            errln!("error: {e}");
            return Exit::BadInput;
        }
    };
    let scratch = std::env::temp_dir().join(format!("hemisim-baseline-refresh-{}", std::process::id()));
    let exit = run_then_install(&ci, &args.dir, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    exit
}

/// Runs every CI scenario into `scratch`, then, only if all ran cleanly, installs each as its
/// baseline in `dir`.
fn run_then_install(ci: &CiFile, dir: &Path, scratch: &Path) -> Exit {
    for entry in &ci.baseline {
        outln!("baseline {}: {}", entry.name, entry.command_line());
        let exit = entry.run_into(&scratch.join(&entry.name));
        if exit != Exit::Ok {
            errln!(
                "baseline {}: the run exited {}; every baseline in {} left as it was",
                entry.name,
                exit as u8,
                dir.display()
            );
            return exit;
        }
    }
    for entry in &ci.baseline {
        if let Err(exit) = install(entry, &scratch.join(&entry.name), &dir.join(&entry.name)) {
            return exit;
        }
    }
    outln!("refreshed {} in {}", super::count(ci.baseline.len(), "baseline", "baselines"), dir.display());
    Exit::Ok
}

/// Replaces the baseline folder `target` with what `compare` needs of the run in `ran`.
fn install(entry: &CiScenario, ran: &Path, target: &Path) -> Result<(), Exit> {
    let staging = output::begin(target)?;
    let manifest = Manifest::read(ran).ok_or_else(|| {
        errln!("error: {}: no {MANIFEST}", ran.display());
        Exit::Incomplete
    })?;
    let copied = baseline_files(entry, ran, staging.path());
    if let Err(e) = copied {
        errln!("error: baseline {}: {e}", entry.name);
        return Err(Exit::Incomplete);
    }
    output::finish(staging, manifest)?;
    outln!("  wrote {}", target.display());
    Ok(())
}

/// Writes into `into`: `summary.json` without its wall-clock figures, `runs.csv` when the run
/// has one, and `command.txt`.
fn baseline_files(entry: &CiScenario, ran: &Path, into: &Path) -> Result<(), String> {
    let read = |name: &str| {
        let path = ran.join(name);
        std::fs::read_to_string(&path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
    };
    let write = |name: &str, text: &str| {
        let path = into.join(name);
        hemisim_reports::atomic::write_file(&path, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))
    };
    let summary: Summary =
        serde_json::from_str(&read("summary.json")?).map_err(|e| format!("summary.json: not a summary: {e}"))?;
    write("summary.json", &summary.without_wall_clock().to_json())?;
    if ran.join("runs.csv").is_file() {
        write("runs.csv", &read("runs.csv")?)?;
    }
    write(COMMAND_FILE, &format!("{}\n", entry.command_line()))
}

fn check(args: &BaselineCheckArgs) -> Exit {
    let ci = match read_ci_file(&args.dir) {
        Ok(ci) => ci,
        Err(e) => {
            errln!("error: {e}");
            return Exit::BadInput;
        }
    };
    let tolerances = args.tolerances.clone().or_else(|| ci.tolerances.as_ref().map(|t| args.dir.join(t)));
    if let Err(e) = ready_to_check(&ci, &args.dir, tolerances.as_deref()) {
        errln!("error: {e}");
        return Exit::BadInput;
    }
    let mut failed = Vec::new();
    let mut regressed = Vec::new();
    for entry in &ci.baseline {
        outln!("baseline {}: {}", entry.name, entry.command_line());
        let new = args.out.join(&entry.name);
        let ran = entry.run_into(&new);
        if !matches!(ran, Exit::Ok | Exit::Safety | Exit::Liveness) {
            failed.push((entry.name.as_str(), ran));
            continue;
        }
        let compared = compare::run(CompareArgs {
            baseline: args.dir.join(&entry.name),
            new,
            tolerance: args.tolerance.or(ci.tolerance),
            tolerances: tolerances.clone(),
            json: Some(args.out.join(format!("{}.compare.json", entry.name))),
            junit: Some(args.out.join(format!("{}.junit.xml", entry.name))),
        });
        match (ran, compared) {
            (Exit::Ok, Exit::Ok) => {}
            (Exit::Ok, Exit::Regression) => regressed.push(entry.name.as_str()),
            (Exit::Ok, other) | (other, _) => failed.push((entry.name.as_str(), other)),
        }
    }
    verdict(&ci, &failed, &regressed)
}

/// Before anything runs: every CI scenario has its baseline, and the tolerances file is valid.
fn ready_to_check(ci: &CiFile, dir: &Path, tolerances: Option<&Path>) -> Result<(), String> {
    if let Some(entry) = ci.baseline.iter().find(|e| !dir.join(&e.name).join(MANIFEST).is_file()) {
        return Err(format!(
            "{}: no baseline for CI scenario {} (no {MANIFEST}); create it with `hemisim baseline refresh --dir {}`",
            dir.join(&entry.name).display(),
            entry.name,
            dir.display()
        ));
    }
    tolerances.map_or(Ok(()), |path| compare::read_tolerances(path).map(drop))
}

/// The last line of `check`, and its exit code: a failed run or bad input outranks a regression.
fn verdict(ci: &CiFile, failed: &[(&str, Exit)], regressed: &[&str]) -> Exit {
    if let Some((_, exit)) = failed.first() {
        let names: Vec<String> = failed.iter().map(|(name, exit)| format!("{name} (exit {})", *exit as u8)).collect();
        errln!("baseline check: failed: {}", names.join(", "));
        return *exit;
    }
    if !regressed.is_empty() {
        errln!("baseline check: regressed: {}", regressed.join(", "));
        return Exit::Regression;
    }
    outln!("baseline check: {} checked, none regressed", super::count(ci.baseline.len(), "baseline", "baselines"));
    Exit::Ok
}
