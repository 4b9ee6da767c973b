//! Safety is checked as the run goes: a run stops at its first safety violation, at the
//! simulated time it happened, with everything before it exactly as in a run that keeps going.

mod common;

use common::*;
use hemisim::harness::runner::{RunOptions, RunOutput, run_once};
use hemisim::harness::seeds::replication_seed;
use hemisim::harness::violation::ViolationKind;
use std::path::Path;

fn run_traced(scenario: &hemisim::scenario::Scenario, seed: u64, trace: &Path, keep_going: bool) -> RunOutput {
    let options = RunOptions { trace_file: Some(trace.to_path_buf()), keep_going, ..RunOptions::default() };
    run_once(scenario, seed, options).expect("run completes")
}

/// The `"t"` of a trace line, e.g. `{"t":"3601.000000",...`.
fn time_of(line: &str) -> &str {
    line.strip_prefix("{\"t\":\"")
        .and_then(|rest| rest.split('"').next())
        .expect("every trace line starts with its time")
}

/// The time of a trace line in microseconds.
fn micros_of(line: &str) -> u64 {
    let (s, us) = time_of(line).split_once('.').expect("seconds.micros");
    s.parse::<u64>().expect("seconds") * 1_000_000 + us.parse::<u64>().expect("micros")
}

#[test]
fn a_run_stops_at_its_first_safety_violation_at_the_right_simulated_time() {
    // A planted violation: superfinality at a depth of 1 against a selfish pool's reorgs.
    let s = scenario("btc-reorg-pop", &["duration_s=86400", "pop.superfinality_depth=1"]);
    let dir = scratch_dir("monitor");
    let (full_trace, stopped_trace) = (dir.join("full.jsonl"), dir.join("stopped.jsonl"));
    let (seed, full) = (0..8)
        .map(|i| replication_seed(1, i))
        .map(|seed| (seed, run_traced(&s, seed, &full_trace, true)))
        .find(|(_, out)| out.violations.iter().filter(|v| v.kind == ViolationKind::Safety).count() >= 2)
        .expect("some seed reverts superfinality twice at depth 1");
    assert_eq!(full.stopped_at, None, "kept going");
    let full_lines: Vec<String> =
        std::fs::read_to_string(&full_trace).expect("trace").lines().map(str::to_owned).collect();
    let first = full_lines
        .iter()
        .find(|l| l.contains("\"event\":\"superfinality-reverted\""))
        .expect("the revert is in the trace");

    let stopped = run_traced(&s, seed, &stopped_trace, false);
    let at = stopped.stopped_at.expect("the run stopped");
    assert_eq!(at.to_string(), time_of(first), "stopped at the first revert (seed {seed})");
    assert_eq!(stopped.record.meta.sim_time_us, at.as_us(), "the record covers the run up to the stop");
    let safety: Vec<_> = stopped.violations.iter().filter(|v| v.kind == ViolationKind::Safety).collect();
    assert_eq!(safety.len(), 1, "one safety violation: {safety:?}");
    assert_eq!(safety[0], &full.violations[0], "the same first violation");
    assert!(stopped.violations.iter().all(|v| v.kind == ViolationKind::Safety), "no liveness phase after a stop");

    let stopped_lines: Vec<String> =
        std::fs::read_to_string(&stopped_trace).expect("trace").lines().map(str::to_owned).collect();
    assert!(stopped_lines.len() < full_lines.len(), "the stopped run is shorter");
    assert_eq!(stopped_lines[..], full_lines[..stopped_lines.len()], "everything before the stop is the same run");
    assert!(stopped_lines.iter().all(|l| micros_of(l) <= at.as_us()), "nothing after the stop");
    assert_eq!(
        stopped_lines.last().map(|l| micros_of(l)),
        Some(at.as_us()),
        "the trace ends at the violation's instant"
    );
}
