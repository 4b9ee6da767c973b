//! Liveness invariants, checked on the quiet world when a run ends (safety is checked as the run
//! goes, by [`super::monitor`]).
//!
//! The run ends with a quiet phase: mining and load stop, and every message still in flight is
//! delivered, including an attacker's reaction to a late block (two of the longest link delays,
//! plus a margin). Then, for Bitcoin: the chain grew, when the run was long enough for that to be
//! all but certain (30 mean block intervals: the chance of no block at all is e^-30); and all
//! honest nodes and the observer agree on the most-work height (they may still sit on two tips of
//! equal work: first-seen ties only break with the next block).

use crate::scenario::PopConfig;
use hemisim_node::btc::node::BitcoinNode;
use hemisim_node::l2::btc_view::INDEXER_TIP_LAG;
use hemisim_node::peer::{DutyReport, Peer};
use hemisim_node::tunnel::deposit::parse_deposit;
use hemisim_node::units::BtcHeight;
use hemisim_reports::record::{TunnelOpKind, TunnelOpRow};
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViolationKind {
    Safety,
    Liveness,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub kind: ViolationKind,
    pub message: String,
}

pub fn check(peers: &[&Peer], duration_s: u64, block_interval_s: f64) -> Vec<Violation> {
    let mut violations = Vec::new();
    let honest: Vec<&&Peer> = peers.iter().filter(|p| p.id.is_honest()).collect();
    let heights: Vec<(String, u32)> = honest.iter().map(|p| (p.name.clone(), p.node.tip_height().0)).collect();
    let (lowest, highest) = (heights.iter().map(|h| h.1).min(), heights.iter().map(|h| h.1).max());
    if lowest != highest {
        let listing: Vec<String> = heights.iter().map(|(n, h)| format!("{n}={h}")).collect();
        violations.push(Violation {
            kind: ViolationKind::Liveness,
            message: format!("honest nodes did not converge after the quiet phase: heights {}", listing.join(", ")),
        });
    }
    if duration_s as f64 >= 30.0 * block_interval_s && highest.unwrap_or(0) == 0 {
        violations.push(Violation {
            kind: ViolationKind::Liveness,
            message: format!("no block joined the chain in {duration_s} s (30 mean intervals or more)"),
        });
    }
    violations
}

/// The L2's liveness: after the quiet phase every verifier that never disagreed has verified
/// every produced block.
pub fn check_l2(peers: &[&Peer]) -> Vec<Violation> {
    let mut violations = Vec::new();
    let reports = || peers.iter().flat_map(|p| p.reports().map(move |r| (p, r)));
    let produced = reports().find_map(|(_, r)| match r {
        DutyReport::Sequencer(seq) => Some(seq.head_number()),
        _ => None,
    });
    let Some(produced) = produced else { return violations };
    for (peer, report) in reports() {
        if let DutyReport::Verifier(v) = report
            && v.verified < produced.0
            && v.mismatches == 0
        {
            violations.push(Violation {
                kind: ViolationKind::Liveness,
                message: format!(
                    "{} verified {} of the {produced} L2 blocks after the quiet phase",
                    peer.name, v.verified
                ),
            });
        }
    }
    violations
}

/// Proof-of-Proof's liveness: when the run was long enough for a keystone to be made and
/// confirmed three times over (`2 P + 3 (depth + 1) θ`) and there are PoP miners, some L2 block
/// became superfinal.
pub fn check_pop(
    superfinal_through: u64,
    pop: &PopConfig,
    block_time_s: f64,
    duration_s: u64,
    block_interval_s: f64,
) -> Vec<Violation> {
    let mut violations = Vec::new();
    let period_s = f64::from(pop.keystone_interval_blocks) * block_time_s;
    let enough_s = 2.0 * period_s + 3.0 * f64::from(pop.superfinality_depth + 1) * block_interval_s;
    if pop.miners > 0 && duration_s as f64 >= enough_s && superfinal_through == 0 {
        violations.push(Violation {
            kind: ViolationKind::Liveness,
            message: format!("no L2 block became superfinal in {duration_s} s (expected within about {enough_s:.0} s)"),
        });
    }
    violations
}

/// The tunnel's liveness: no withdrawal went unpaid past the grace period. (Its safety, the
/// auditor's books, is the monitor's.) Losses (minted deposits a reorg took away) are outcomes
/// the outputs report, not violations: they are what the confirmation depth trades against.
pub fn check_tunnel(operations: &[TunnelOpRow]) -> Vec<Violation> {
    let mut violations = Vec::new();
    for op in operations.iter().filter(|o| o.kind == TunnelOpKind::Overdue) {
        violations.push(Violation {
            kind: ViolationKind::Liveness,
            message: format!(
                "tunnel withdrawal {} (burned in L2 block {}) unpaid {} s after its burn, past the grace period",
                op.withdrawal_id.unwrap_or_default(),
                op.l2_number.unwrap_or_default(),
                op.age_s.unwrap_or_default()
            ),
        });
    }
    violations
}

/// Bitcoin blocks beyond the mint threshold after which an unminted deposit is a liveness
/// failure (the L2 ingests 3 headers per block, so it catches up within seconds; this leaves
/// half an hour of Bitcoin for it).
pub const MINT_MARGIN_BLOCKS: u32 = 3;

/// Liveness: every valid deposit on the observer's final main chain with at least
/// `deposit_confirmations + INDEXER_TIP_LAG + MINT_MARGIN_BLOCKS` confirmations has minted.
pub fn check_deposits_minted(
    observer: &BitcoinNode,
    vault: &bitcoin::Script,
    deposit_confirmations: u32,
    operations: &[TunnelOpRow],
) -> Vec<Violation> {
    let minted: BTreeSet<(&str, u32)> = operations
        .iter()
        .filter(|o| o.kind == TunnelOpKind::Mint)
        .filter_map(|o| Some((o.txid.as_deref()?, o.vout?)))
        .collect();
    let depth = deposit_confirmations + INDEXER_TIP_LAG + MINT_MARGIN_BLOCKS;
    let Some(deepest) = observer.tip_height().next().down(depth) else { return Vec::new() };
    let mut violations = Vec::new();
    for height in BtcHeight(1).through(deepest) {
        let Some(block) = observer.active_at(height).and_then(|h| observer.block(&h)) else { continue };
        for tx in block.txs() {
            if let Ok(deposit) = parse_deposit(tx.tx(), vault)
                && !minted.contains(&(tx.txid().to_string().as_str(), deposit.vout))
            {
                violations.push(Violation {
                    kind: ViolationKind::Liveness,
                    message: format!(
                        "tunnel deposit {}:{} at Bitcoin height {height} never minted ({} confirmations at the end)",
                        tx.txid(),
                        deposit.vout,
                        observer.tip_height().next().blocks_above(height)
                    ),
                });
            }
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::Amount;
    use hemisim_node::btc::build::{CoinbaseTag, mine_block, simple_coinbase};
    use hemisim_node::btc::genesis::genesis_block;
    use hemisim_node::btc::node::BitcoinNode;
    use hemisim_node::btc::params::{ChainParams, SUBSIDY};
    use hemisim_node::btc::script::p2pkh_for;
    use hemisim_node::btc::sealed::SealedBlock;
    use hemisim_node::peer::PeerId;
    use hemisim_node::rng::Stream;
    use hemisim_node::time::SimTime;

    fn peer_at_height(id: PeerId, height: u32) -> Peer {
        let name = &id.to_string();
        let genesis = SealedBlock::seal(genesis_block(&[]));
        let mut node =
            BitcoinNode::new(ChainParams { max_block_weight: 4_000_000 }, genesis, &[], 0.0, Stream::derive(0, name));
        for h in 1..=height {
            let tag = CoinbaseTag { height: h, miner: "m", extra_nonce: 0 };
            let block = mine_block(
                node.tip(),
                SimTime(h as u64),
                vec![simple_coinbase(tag, p2pkh_for("m"), SUBSIDY + Amount::ZERO)],
            );
            node.receive_block(SealedBlock::seal(block));
        }
        Peer::new(id, node, Vec::new())
    }

    #[test]
    fn converged_nodes_pass() {
        let (a, b) = (peer_at_height(PeerId::miner(0), 3), peer_at_height(PeerId::OBSERVER, 3));
        assert!(check(&[&a, &b], 86_400, 600.0).is_empty());
    }

    #[test]
    fn diverging_heights_fail_liveness_but_a_lagging_attacker_does_not() {
        let (a, b) = (peer_at_height(PeerId::miner(0), 3), peer_at_height(PeerId::OBSERVER, 2));
        let violations = check(&[&a, &b], 86_400, 600.0);
        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].kind, ViolationKind::Liveness);
        assert!(violations[0].message.contains("miner-0=3, observer=2"), "{}", violations[0].message);
        let attacker = peer_at_height(PeerId::ATTACKER, 0);
        assert!(check(&[&a, &attacker], 86_400, 600.0).is_empty());
    }

    #[test]
    fn no_growth_in_a_long_enough_run_is_a_liveness_violation() {
        let a = peer_at_height(PeerId::miner(0), 0);
        let violations = check(&[&a], 30 * 600, 600.0);
        let kinds: Vec<ViolationKind> = violations.iter().map(|v| v.kind).collect();
        assert_eq!(kinds, [ViolationKind::Liveness]);
        assert!(check(&[&a], 29 * 600, 600.0).is_empty(), "too short to expect a block");
    }

    #[test]
    fn a_deep_deposit_that_never_minted_is_a_liveness_violation() {
        use hemisim_node::btc::build::coinbase;
        use hemisim_node::tunnel::deposit::deposit_outputs;
        use hemisim_node::tunnel::vault_script;
        use hemisim_reports::record::{TunnelOpKind, TunnelOpRow};
        let genesis = SealedBlock::seal(genesis_block(&[]));
        let mut node =
            BitcoinNode::new(ChainParams { max_block_weight: 4_000_000 }, genesis, &[], 0.0, Stream::derive(0, "n"));
        let recipient = hemisim_node::l2::tx::Address::repeat_byte(4);
        let deposit = coinbase(
            CoinbaseTag { height: 1, miner: "m", extra_nonce: 0 },
            deposit_outputs(&vault_script(), SUBSIDY, recipient),
        );
        let txid = deposit.compute_txid();
        node.receive_block(SealedBlock::seal(mine_block(node.tip(), SimTime(1), vec![deposit])));
        for h in 2..=9 {
            let tag = CoinbaseTag { height: h, miner: "m", extra_nonce: 0 };
            node.receive_block(SealedBlock::seal(mine_block(
                node.tip(),
                SimTime(h as u64),
                vec![simple_coinbase(tag, p2pkh_for("m"), SUBSIDY)],
            )));
        }
        // 9 confirmations = 4 + 2 + 3: due.
        let missing = check_deposits_minted(&node, &vault_script(), 4, &[]);
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].kind, ViolationKind::Liveness);
        assert!(missing[0].message.contains(&txid.to_string()), "{}", missing[0].message);
        assert!(check_deposits_minted(&node, &vault_script(), 5, &[]).is_empty(), "10 would be due: not yet");
        let mint = TunnelOpRow {
            at_us: 1,
            kind: TunnelOpKind::Mint,
            txid: Some(txid.to_string()),
            vout: Some(0),
            l2_number: Some(1),
            withdrawal_id: None,
            account: None,
            amount_sats: SUBSIDY.to_sat(),
            fee_sats: None,
            btc_height: Some(1),
            flag: false,
            age_s: None,
            confirmed_at_us: None,
            attacker: false,
        };
        assert!(check_deposits_minted(&node, &vault_script(), 4, &[mint]).is_empty());
    }
}
