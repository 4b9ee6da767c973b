//! Issue 14, first slice: the equivocating sequencer (`[attack] kind = "equivocate"`) under both
//! fork choices. Under `l2.fork_choice = "derivation"` (as deployed) the verifiers reorg onto the
//! batched history and superfinal keystone blocks leave the canonical chain (a measured finding,
//! not a violation); under `"pop"` they refuse the reorg (fork conflicts) and nothing superfinal
//! is reverted.

mod common;

use common::*;
use hemisim::scenario::{Override, Scenario};
use hemisim_reports::record::RunRecord;

const SEEDS: [u64; 3] = [1, 2, 3];

fn superfinal_reverts(record: &RunRecord) -> u64 {
    record.pop.as_ref().expect("the scenario has [pop]").superfinal_reverts
}

fn fork_conflicts(record: &RunRecord) -> u64 {
    let l2 = record.l2.as_ref().expect("the scenario has [l2]");
    l2.settlement.as_ref().expect("the scenario has [ethereum]").fork_conflicts
}

/// The sequencer's own switch from A to A': one reorg of the run's length.
fn switch_depth(record: &RunRecord) -> Vec<u64> {
    let settlement = record.l2.as_ref().and_then(|l2| l2.settlement.as_ref()).expect("a settlement chain");
    settlement.reorgs.iter().map(|r| r.from - r.to).collect()
}

#[test]
fn under_derivation_superfinal_blocks_are_reverted_and_it_is_a_finding_not_a_failure() {
    let s = scenario("equivocation", &[]);
    for seed in SEEDS {
        let record = run(&s, seed);
        assert!(superfinal_reverts(&record) > 0, "seed {seed}: no superfinal block reverted");
        assert_eq!(fork_conflicts(&record), 0, "seed {seed}: derivation refuses nothing");
        assert_eq!(switch_depth(&record), vec![300], "seed {seed}: the sequencer switched once, 300 blocks deep");
    }
}

#[test]
fn under_pop_the_verifiers_refuse_the_reorg_and_nothing_superfinal_is_reverted() {
    let s = scenario("equivocation", &["l2.fork_choice=pop"]);
    for seed in SEEDS {
        let record = run(&s, seed);
        assert_eq!(superfinal_reverts(&record), 0, "seed {seed}");
        assert_eq!(fork_conflicts(&record), 2, "seed {seed}: each verifier refused the reorg once");
    }
}

#[test]
fn equivocation_runs_are_deterministic_under_both_rules() {
    for sets in [&[][..], &["l2.fork_choice=pop"][..]] {
        let s = scenario("equivocation", sets);
        let (a, b) = (run(&s, 7), run(&s, 7));
        assert_eq!(a.meta.trace_hash, b.meta.trace_hash, "{sets:?}");
        assert_ne!(a.meta.trace_hash, run(&s, 8).meta.trace_hash, "{sets:?}: the seed matters");
    }
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).expect("an output file")
}

fn load_error(text: &str, sets: &[&str]) -> String {
    let overrides: Vec<Override> = sets.iter().map(|s| Override::parse(s).expect("valid override")).collect();
    Scenario::from_toml_str(text, "t.toml", &overrides).expect_err("refused").to_string()
}

#[test]
fn bad_fork_choice_and_equivocation_keys_are_refused_with_the_key_and_what_was_expected() {
    let text = std::fs::read_to_string(scenario_path("equivocation")).expect("the scenario file");
    let refusals = [
        (&["l2.fork_choice=longest"][..], "l2.fork_choice"),
        (&["pop.fork_finality_delay_blocks=0"][..], "pop.fork_finality_delay_blocks: expected an integer in 1..=1000"),
        (&["attack.hashrate_share=0.2"][..], "attack.hashrate_share: expected 0 for kind = \"equivocate\""),
        (&["attack.equivocate_blocks=0"][..], "attack.equivocate_blocks: expected an integer in 1..=10000"),
        (&["attack.at_s=99999"][..], "attack.at_s: expected a finite number in [0, 16200]"),
        (&["attack.equivocate_peers=[\"verifiers:5\"]"][..], "attack.equivocate_peers"),
        (&["attack.confirmations=6"][..], "only used by kind = \"double-spend\""),
    ];
    for (sets, expected) in refusals {
        let message = load_error(&text, sets);
        assert!(message.contains(expected), "{sets:?}: {message}");
    }
    let without_ethereum = text.replace("[ethereum]\nslot_s = 12\n", "");
    assert!(load_error(&without_ethereum, &[]).contains("attack.kind: expected [l2] and [ethereum] tables"));
    let message = load_error(
        &without_ethereum
            .replace("kind = \"equivocate\"", "kind = \"double-spend\"")
            .replace("hashrate_share = 0\n", "hashrate_share = 0.1\n")
            .replace("at_s = 1800\nequivocate_blocks = 300\nhold_batches_s = 10800\n", ""),
        &["l2.fork_choice=pop"],
    );
    assert!(message.contains("l2.fork_choice: expected [pop] and [ethereum] tables"), "{message}");
}

#[test]
fn absent_keys_leave_the_resolved_scenario_as_before() {
    let s = scenario("settlement", &[]);
    let toml = s.to_toml_string().expect("resolved scenario");
    assert!(!toml.contains("fork_choice") && !toml.contains("fork_finality_delay_blocks"), "{toml}");
    let explicit = scenario("settlement", &["l2.fork_choice=derivation"]);
    assert_eq!(s.hash_hex(), explicit.hash_hex(), "the default is the deployed rule, hashed as before");
}

#[test]
fn the_binary_writes_the_fork_keys_and_exits_0_under_pop() {
    let out = scratch_dir("fork-choice-pop").join("out");
    let output = hemisim(&["run", "scenarios/equivocation.toml", "--set", "l2.fork_choice=pop", "--out", utf8(&out)]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&read(&out.join("summary.json"))).expect("summary.json is JSON");
    assert_eq!(summary["l2"]["fork_conflicts"], 2);
    assert_eq!(summary["l2"]["reorg_depth_max"], 300);
    assert_eq!(summary["pop"]["superfinal_reverts"], 0);
    assert_eq!(summary["pop"]["keystones_orphaned"], 12, "A's keystones: 150, 175, ..., 425");
    let reorgs = read(&out.join("l2_reorgs.csv"));
    assert!(reorgs.starts_with("at_s,from,to,depth,txs,because\n"), "{reorgs}");
    assert_eq!(reorgs.lines().count(), 2, "the header and the sequencer's switch: {reorgs}");
}
