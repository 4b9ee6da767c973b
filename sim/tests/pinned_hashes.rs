//! Every scenario file, run with its own seed, keeps the trace hash it had when this test was
//! written (a later file: when it was added). A refactoring that changes no behaviour must leave
//! all of them unchanged; a change that is meant to alter what a scenario does updates its hash
//! here, in the same commit, and says why.

mod common;

use common::*;

/// `hemisim run scenarios/NAME.toml` trace hashes, as of the structure issue's start.
const PINNED: &[(&str, &str)] = &[
    ("anchoring", "1ec2387f7f27b72bf4e393127ce17a6cc295b4f38420d5942330421dbded18f5"),
    // A batcher outage longer than the sequencing window (issue 11).
    ("batcher-outage", "b407fa82a9f7861a61d1e5b696220eb950dbe102435b99c0254b37aae17a9018"),
    ("btc-reorg-pop", "149cc60c0d35852ec7c5c2ee80e1d32234ef76bd3d32df53a8de96b82fb27ca3"),
    // Censorship and forced inclusion (issue 12): a live sequencer censoring 10% of senders and
    // every tunnel burn for 6 hours, users and holders escaping through the portal.
    ("censorship", "f9404009d99dafd4dd0e01e45f335ba64860160b2d88e1d798418f2bb1583860"),
    ("double-spend", "d52de737f8f6a59543ce33430d5a13f9a4f8ccd29169f2d5a0a85df9304f0af2"),
    // The equivocating sequencer (issue 14): an hour of gossiped blocks it never batches, its
    // batches held 3 hours, the verifiers on derivation reverting superfinal blocks.
    ("equivocation", "944d04dd2a2ca9cad6e99a13365903ae7dcfc49a3f9c2fc8ed123f4c20826223"),
    // The sequencer set (issue 13): three conducted sequencers, the leader crashing every few
    // hours, then a bad handoff. Moved with the conductor's pre-vote (each election after a
    // crash one more round trip, docs/validation.md §10) and its transfer that waits for the
    // target to hold the leader's head before TimeoutNow.
    ("failover", "78bd180d58a4e1c9cca87d3f2227ee9422cc6f34ad466b6c40323230952fdcb6"),
    // A conducted set on a settlement chain (issue 13): three members deriving from L1, the
    // leader alone batching, the leader crashing at 2, 5 and 8 h, PoP on top. Moved with the
    // conductor's pre-vote (one more round trip per election).
    ("failover-settlement", "693f4fe42233cf8094c82cc2b0c57f4bba435539dea182db8507bc2f933c38c4"),
    ("fee-spike", "fe3abad4e352da744ff5b8638be36c357ffac809f66116f845d4d3c27bba4ab8"),
    // The history rewrite (issue 14): 100 unbatched blocks rewritten, a colluding PoP miner with
    // 25% of the hash rate racing from 3 blocks behind, the verifiers on derivation.
    ("history-rewrite", "e23d16842e3226c18456d772b322734de53f7d3eb909370324d56be9b0818322"),
    // Changed by the Bitcoin view's unindex fix (issue 15): its reorged-out blocks held coins
    // created and spent inside them, which every node used to resurrect alike.
    ("l2-btc-reorg", "fd0e961179c72e8be2e9234b7355f55f8d6064489239746047ac37844b32ba0d"),
    ("l2-throughput", "015cb0fd2e57ff27ccf4920dea0cab90a138675c4e6efb43350da64aaa0aaa24"),
    // Faults (issue 13): Bitcoin split in two halves for an hour under the whole stack.
    ("partition", "5b648897e281b7a10594ecd599cd5b63694a569498e60571f7049e6e9d5c9251"),
    // The network model (issue 17): 16 miners and 500 relay-only nodes in SimBlock's regions,
    // 1 MB blocks by compact block relay.
    ("propagation", "c3fb00b04ec0e0cb9866790d006a054a8fae36a191f3a1a66c97be534c5f8673"),
    ("quickstart", "0b0d98e6bb5cf2c298e344b0ef88bd31165d26a92b12eb55ce8a3ef27ea4f558"),
    // Five rotating sequencers, one censoring in its turns, one down for two hours. Changed by
    // the restart fix (issue 13, swarm worlds 35, 79, 94): member 4, back at 6 h, asks every
    // member for the blocks it missed and builds nothing for two slot timeouts.
    ("rotation", "f7da974a43e83d1f7a034b0d011713c9258a689281910dd9f9d3140c6a60a573"),
    ("selfish-mining", "5831ddcdf3a0256be7271c21eab9c3d21e56606f6c59237644ea30752f7ff507"),
    // A sequencer halted for 14 hours at Hemi's 12-hour window: deposits forced by derivation.
    ("sequencer-halt", "7113168a3d30644b857b09ec901b9c0d57f51ea64ab52f2335fbd4495c06a0e6"),
    // The settlement layer (issue 11): the L1 on the L2's clock, the sequencer building on L1
    // origins with the portal's deposits, its batcher posting to L1, every node deriving the
    // safe chain from L1 (L2 time is the parent's plus the block time, on OP's rule).
    ("settlement", "ea70cb24e66df547e8c6c75cb821dacdb7f5efa2e32e4316f7824f76c1c55258"),
    ("stale-rate", "20a7240b3ccc5a20376f7db6199eeff032688bf1c2dca6029f5221a93816f9d5"),
    ("treasury", "65c647372ada9777f30c68eeee6c50e927386eedfa3b8bd4ee46a873e4902717"),
    ("tunnel-reorg", "d5741048c0392bc35925402c027cd8d340dbcdb53eca8d959d173f42587d0eae"),
];

#[test]
fn every_scenario_file_has_a_pinned_hash() {
    let mut files: Vec<String> = std::fs::read_dir(repo_root().join("scenarios"))
        .expect("scenarios/ exists")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.path().file_name()?.to_str()?.strip_suffix(".toml").map(str::to_owned))
        .collect();
    files.sort();
    let pinned: Vec<&str> = PINNED.iter().map(|(name, _)| *name).collect();
    assert_eq!(files, pinned, "every scenario file has a pinned hash (add the new file's hash here)");
}

/// Runs `scenarios/NAME.toml` with its own seed and compares the trace hash with the pinned one.
fn check(name: &str) {
    let (_, want) = PINNED.iter().find(|(n, _)| *n == name).expect("the scenario is pinned");
    let s = scenario(name, &[]);
    let record = run(&s, s.seed);
    assert_eq!(
        record.meta.trace_hash, *want,
        "{name}'s trace hash changed; compare traces with: hemisim run scenarios/{name}.toml --trace"
    );
}

// One test per scenario, so the harness runs them in parallel and names the one that changed.
macro_rules! pinned {
    ($($test:ident => $name:literal),* $(,)?) => { $( #[test] fn $test() { check($name); } )* };
}

pinned! {
    anchoring => "anchoring",
    batcher_outage => "batcher-outage",
    btc_reorg_pop => "btc-reorg-pop",
    censorship => "censorship",
    double_spend => "double-spend",
    equivocation => "equivocation",
    failover => "failover",
    failover_settlement => "failover-settlement",
    fee_spike => "fee-spike",
    history_rewrite => "history-rewrite",
    l2_btc_reorg => "l2-btc-reorg",
    l2_throughput => "l2-throughput",
    partition => "partition",
    propagation => "propagation",
    quickstart => "quickstart",
    rotation => "rotation",
    selfish_mining => "selfish-mining",
    sequencer_halt => "sequencer-halt",
    settlement => "settlement",
    stale_rate => "stale-rate",
    treasury => "treasury",
    tunnel_reorg => "tunnel-reorg",
}
