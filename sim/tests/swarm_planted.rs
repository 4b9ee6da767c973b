//! The swarm finds a planted bug and shrinks it. A test-only switch
//! (`hemisim_node::planted`, unreachable from the binary) makes every L2 verifier compute a
//! wrong state root for a block that carries a Bitcoin reorg; the swarm must find it within a
//! small seed range and shrink the world to a scenario of a few tables with the same violation.
//!
//! Its own test binary: the switch is process-wide.

use hemisim::harness::sweep::Progress;
use hemisim::swarm::shrink::shrink;
use hemisim::swarm::verdict::Verdict;
use hemisim::swarm::{run_and_judge, run_swarm};
use hemisim_node::planted::{PlantedBug, arm_for_this_process};

#[test]
fn the_swarm_finds_a_planted_state_root_bug_and_shrinks_it_to_a_few_tables() {
    arm_for_this_process(PlantedBug::StaleReorgView);
    let seeds: Vec<u64> = (0..40).collect();
    let outcomes = run_swarm(&seeds, &Progress::new(2));
    let found = outcomes
        .iter()
        .find(|o| {
            o.judged.verdict == Verdict::Safety
                && o.judged.message.as_deref().is_some_and(|m| m.contains("header field state root differs"))
        })
        .expect("the swarm finds the planted bug within 40 worlds");
    let world = found.world.as_ref().expect("a generated world");
    let before = world.draft.table.values().filter(|v| v.is_table() || v.is_array()).count();
    let shrunk =
        shrink(&world.draft, &found.judged, 60, "planted", run_and_judge).expect("a smaller variant fails alike");
    assert_eq!(shrunk.judged.signature(), found.judged.signature(), "the same violation");
    assert!(
        shrunk.tables() <= 3 && shrunk.tables() <= before,
        "world {} shrunk from {before} to {} tables:\n{}",
        found.seed,
        shrunk.tables(),
        shrunk.draft.render()
    );
    // The shrunk file is a scenario like any other: it loads and fails the same way again.
    let reloaded = shrunk.draft.load("shrunk").expect("the shrunk file loads");
    assert_eq!(run_and_judge(&reloaded).signature(), found.judged.signature());
}
