//! `hemisim swarm`: a fixed range of random worlds passes every checker and reaches every
//! coverage event; the command's outputs, replay lines and bad input.

mod common;

use common::{hemisim, refused_line, scratch_dir, text};
use hemisim::harness::sweep::Progress;
use hemisim::swarm::coverage::Event;
use hemisim::swarm::run_swarm;

/// The CI range (README.md, "Swarm testing"): about two minutes on 2 cores in release.
const CI_SEEDS: std::ops::Range<u64> = 0..120;

/// Failures the swarm found in the CI range that are not fixed yet, each a real bug or model gap
/// (README.md, "Swarm testing", lists them with a diagnosis). A ratchet: a new failure fails the
/// test, and so does fixing one of these without taking it off the list.
/// (World 67, forced transactions never seen included with the batcher off, was the users'
/// follower unable to take back block 1 when the first forced block replaced it: fixed.)
const KNOWN_OPEN: [(u64, &str); 1] = [
    // A rotating set under a partition and a slow link: two members build one height and a
    // verifier, with no fork choice without a settlement layer, refuses the other branch
    // (README "The sequencer set", open).
    (17, "safety"),
];

#[test]
fn the_ci_range_passes_every_checker_and_reaches_every_rare_event() {
    let seeds: Vec<u64> = CI_SEEDS.collect();
    let outcomes = run_swarm(&seeds, &Progress::new(2));
    assert_eq!(outcomes.len(), seeds.len());
    // First that it exercised what it claims to test: every listed rare event, somewhere.
    let never: Vec<&str> = Event::ALL
        .iter()
        .filter(|e| !outcomes.iter().any(|o| o.judged.covered.contains(e)))
        .map(|e| e.name())
        .collect();
    assert!(never.is_empty(), "never reached in seeds {CI_SEEDS:?}: {never:?}");
    assert!(outcomes.iter().any(|o| o.self_checked), "some worlds ran twice");
    let failed: Vec<(u64, String)> =
        outcomes.iter().filter(|o| o.judged.verdict.is_failure()).map(|o| (o.seed, o.judged.verdict.name())).collect();
    let known: Vec<(u64, String)> = KNOWN_OPEN.iter().map(|&(seed, verdict)| (seed, verdict.to_owned())).collect();
    let failures: Vec<String> = outcomes
        .iter()
        .filter(|o| o.judged.verdict.is_failure() && !known.contains(&(o.seed, o.judged.verdict.name())))
        .map(|o| {
            format!(
                "world {}: {}: {}\n  replay: hemisim swarm --seed {} --replay",
                o.seed,
                o.judged.verdict.name(),
                o.judged.message.as_deref().unwrap_or(""),
                o.seed
            )
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let fixed: Vec<&(u64, String)> = known.iter().filter(|k| !failed.contains(k)).collect();
    assert!(fixed.is_empty(), "fixed (take them off KNOWN_OPEN): {fixed:?}");
}

#[test]
fn a_swarm_writes_its_table_and_a_replay_reproduces_a_world() {
    let out = scratch_dir("swarm-cli");
    let run = hemisim(&["swarm", "--seeds", "3..6", "--jobs", "2", "--out", out.to_str().expect("utf-8")]);
    assert_eq!(run.status.code(), Some(0), "{}{}", text(&run.stdout), text(&run.stderr));
    let stdout = text(&run.stdout);
    assert!(stdout.contains("3 worlds") && stdout.contains("worlds per wall minute"), "{stdout}");
    assert!(stdout.contains("never reached:") && !stdout.contains("not modelled yet"), "{stdout}");
    let csv = std::fs::read_to_string(out.join("swarm.csv")).expect("swarm.csv");
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows[0], ["seed", "scenario_hash", "trace_hash", "verdict", "wall_s", "covered", "self_checked"]);
    assert_eq!(rows.len(), 4);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("swarm.json")).expect("swarm.json")).expect("json");
    assert_eq!(json["worlds"], 3);
    assert_eq!(json["coverage"].as_object().map(|c| c.len()), Some(Event::ALL.len()));
    assert!(json["worlds_per_minute"].as_f64().is_some_and(|w| w > 0.0));
    // A world replays alone with the trace hash it had in the swarm.
    let replay = hemisim(&["swarm", "--seed", "4", "--replay"]);
    let replayed = text(&replay.stdout);
    assert!(replayed.contains(&format!("trace hash {}", rows[2][2])), "{replayed}\nrow: {:?}", rows[2]);
    assert!(replayed.contains("replay: hemisim swarm --seed 4 --replay"), "{replayed}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn bad_swarm_arguments_are_one_line_errors() {
    for args in [
        &["swarm", "--seeds", "9..3"][..],
        &["swarm", "--seeds", "x"],
        &["swarm", "--count", "0"],
        &["swarm", "--seed", "1", "--seeds", "0..4"],
        &["swarm", "--replay"],
        &["swarm", "--seed", "9007199254740991", "--count", "2"],
    ] {
        let line = refused_line(&hemisim(args), &args.join(" "));
        assert!(line.contains("seed") || line.contains("count") || line.contains("replay"), "{line}");
    }
}
