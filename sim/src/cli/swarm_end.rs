//! The end of a whole swarm, whether it ran in one process (`hemisim swarm`) or was joined from
//! its shards (`hemisim merge`): `swarm.csv`, `swarm.json` and the manifest from the worlds' rows,
//! the swap into place, the summary, and the exit code the verdicts give. Both commands end here,
//! so a merged swarm is the unsharded one byte for byte but for the measured fields (`wall_s`,
//! `wall_time_s`, `worlds_per_minute`, `jobs`; `hemisim_reports::swarm_shard`).

use super::console::outln;
use super::run::worse;
use super::{Exit, count, output};
use hemisim_reports::ReportError;
use hemisim_reports::output_dir::Staging;
use hemisim_reports::swarm::{SwarmFailure, SwarmInfo, SwarmRow, coverage_counts, manifest, worlds_per_minute};
use std::path::Path;

/// Writes the swarm's outputs from `rows` (every world, in seed order) and `failures` (their files
/// already staged, `staged` saying whether they were) into `staging`, swaps it in place of
/// `out_dir`, and prints the summary. On failure the error has been printed; the result is the
/// exit code.
pub(super) fn write_whole_swarm(
    staging: Staging,
    info: &SwarmInfo,
    first_seed: u64,
    rows: &[SwarmRow],
    failures: &[SwarmFailure],
    staged: Result<(), ReportError>,
    out_dir: &Path,
) -> Result<(), Exit> {
    let written = staged.and_then(|()| hemisim_reports::swarm::write_swarm(staging.path(), info, rows, failures));
    if let Err(e) = &written {
        output::report_error(e);
    }
    let files = output::finish(staging, manifest(first_seed, rows, written.is_ok()))?;
    if written.is_err() {
        return Err(Exit::Incomplete);
    }
    summarize(info, rows, failures.len());
    outln!("wrote {} to {}", count(files, "file", "files"), out_dir.display());
    Ok(())
}

/// The exit code of a world with verdict `name` (as `swarm.csv` writes it): 1 for safety and
/// nondeterminism, 3 for liveness, 4 for a world that could not complete or could not be drawn,
/// 0 for ok and findings.
pub(super) fn verdict_exit(name: &str) -> Exit {
    match name {
        "safety" | "nondeterminism" => Exit::Safety,
        "liveness" => Exit::Liveness,
        "could-not-complete" | "generator-bug" => Exit::Incomplete,
        _ => Exit::Ok,
    }
}

/// The swarm's exit code: the worst of its worlds'.
pub(super) fn rows_exit(rows: &[SwarmRow]) -> Exit {
    rows.iter().fold(Exit::Ok, |exit, row| worse(exit, verdict_exit(&row.verdict)))
}

/// The stderr lines of a failing world whose files are in `out_dir`.
pub(super) fn failure_lines(failure: &SwarmFailure, out_dir: &Path) -> Vec<String> {
    let mut lines = vec![
        format!("world {}: {}: {}", failure.seed, failure.verdict, failure.message),
        format!("  replay: {}", failure.replay),
    ];
    if failure.verdict != "generator-bug" {
        let scenario = out_dir.join(&failure.scenario_file);
        lines.push(format!("  scenario: {} (hemisim run it for every output)", scenario.display()));
    }
    if let Some(shrunk) = &failure.shrunk_file {
        lines.push(format!("  shrunk: {}", out_dir.join(shrunk).display()));
    }
    lines
}

/// The console's summary: verdicts, speed, and the coverage events never reached.
pub(super) fn summarize(info: &SwarmInfo, rows: &[SwarmRow], failures: usize) {
    let findings = rows.iter().filter(|r| r.verdict.starts_with("finding:")).count();
    let per_minute = worlds_per_minute(rows.len(), info.wall_time_s).map_or("n/a".to_owned(), |w| format!("{w:.1}"));
    outln!(
        "{} ({} self-checked): {} failed, {} findings, {} ok; {per_minute} worlds per wall minute ({:.1} s)",
        count(rows.len(), "world", "worlds"),
        rows.iter().filter(|r| r.self_checked).count(),
        failures,
        findings,
        rows.len() - failures - findings,
        info.wall_time_s
    );
    let counts = coverage_counts(&info.events, rows);
    let reached: Vec<String> = counts.iter().filter(|(_, n)| *n > 0).map(|(e, n)| format!("{e} {n}")).collect();
    outln!("coverage: {}", reached.join(", "));
    let never: Vec<&str> = counts.iter().filter(|(_, n)| *n == 0).map(|(e, _)| *e).collect();
    if !never.is_empty() {
        outln!("never reached: {}", never.join(", "));
    }
    if !info.not_modelled.is_empty() {
        outln!("not modelled yet: {}", info.not_modelled.join(", "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::swarm::verdict::Verdict;

    #[test]
    fn every_verdict_name_has_its_exit_code() {
        let cases = [
            (Verdict::Ok, Exit::Ok),
            (Verdict::Finding("reorg-beyond-superfinality"), Exit::Ok),
            (Verdict::Safety, Exit::Safety),
            (Verdict::Nondeterminism, Exit::Safety),
            (Verdict::Liveness, Exit::Liveness),
            (Verdict::CouldNotComplete, Exit::Incomplete),
            (Verdict::GeneratorBug, Exit::Incomplete),
        ];
        for (verdict, exit) in cases {
            assert_eq!(verdict_exit(&verdict.name()), exit, "{verdict:?}");
        }
    }
}
