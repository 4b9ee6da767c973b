//! The L2 recorder on hand-made observations: reorgs replace rows, heads reach the rows.

use super::*;
use hemisim_node::l2::tx::B256;
use hemisim_node::units::{BtcHeight, L1Number, L2Number};

fn hash(n: u64, variant: u8) -> B256 {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&n.to_be_bytes());
    bytes[31] = variant;
    B256::new(bytes)
}

fn at(s: u64) -> SimTime {
    SimTime(s * 1_000_000)
}

/// Block `number` (hash variant `variant`) with `txs` transactions, on L1 origin `origin`.
fn produced(number: u64, variant: u8, txs: u32, origin: Option<u64>) -> Observation {
    Observation::L2BlockProduced {
        number: L2Number(number),
        hash: hash(number, variant),
        state_root: B256::ZERO,
        tx_count: txs,
        gas_used: 21_000 * u64::from(txs),
        btc_tip_height: BtcHeight(0),
        btc_headers: 0,
        backlog: u64::from(txs),
        latency_mean_us: 0,
        latency_max_us: 0,
        l1_origin: origin.map(L1Number),
        deposits: origin.map(|_| 0),
    }
}

fn safe(number: u64, variant: u8, forced: bool) -> Observation {
    Observation::L2Safe {
        number: L2Number(number),
        hash: hash(number, variant),
        l1_origin: L1Number(0),
        opens_epoch: false,
        deposits: 0,
        derived_from: L1Number(9),
        forced,
        consolidated: !forced,
    }
}

fn feed(recorder: &mut L2Recorder, events: Vec<(u64, &str, Observation)>) {
    for (s, peer, observation) in events {
        assert!(recorder.observe(at(s), peer, observation).is_none(), "the L2's own observation");
    }
}

/// Blocks 1..=4 at 12 s intervals; block 1 safe at 50 s; blocks 3 and 4 taken back at 60 s and
/// replaced by a forced block 3 (derived, safe at once) and a new block 4; block 1 final at 70 s,
/// then everything up to 3 at 80 s. A verifier's moves are ignored.
fn reorged_run() -> L2Recorder {
    let mut r = L2Recorder::default();
    let reorg = Observation::L2Reorg { from: L2Number(4), to: L2Number(2), txs: 7, because: "test".into() };
    feed(
        &mut r,
        vec![
            (12, SEQUENCER, produced(1, 0, 1, Some(0))),
            (24, SEQUENCER, produced(2, 0, 2, Some(0))),
            (36, SEQUENCER, produced(3, 0, 3, Some(1))),
            (48, SEQUENCER, produced(4, 0, 4, Some(1))),
            (50, SEQUENCER, safe(1, 0, false)),
            (55, SEQUENCER, safe(2, 0, false)),
            (56, "verifier-0", Observation::L2Finalized { number: L2Number(2) }),
            (60, SEQUENCER, reorg.clone()),
            (60, "verifier-0", reorg),
            (60, SEQUENCER, safe(3, 1, true)),
            (60, SEQUENCER, produced(3, 1, 0, Some(1))),
            (60, SEQUENCER, produced(4, 1, 5, Some(1))),
            (70, SEQUENCER, Observation::L2Finalized { number: L2Number(1) }),
            (80, SEQUENCER, Observation::L2Finalized { number: L2Number(3) }),
        ],
    );
    r
}

#[test]
fn a_reorg_replaces_the_rows_it_took_back() {
    let r = reorged_run();
    let rows: Vec<(u64, &str, u32)> = r.blocks.iter().map(|b| (b.number, b.hash.as_str(), b.tx_count)).collect();
    let h = |n, v| hash(n, v).to_string();
    let (h1, h2, h3, h4) = (h(1, 0), h(2, 0), h(3, 1), h(4, 1));
    assert_eq!(rows, [(1, h1.as_str(), 1), (2, h2.as_str(), 2), (3, h3.as_str(), 0), (4, h4.as_str(), 5)]);
    assert_eq!(r.txs_produced, 1 + 2 + 3 + 4 + 5, "every block executed, taken back or not");
    assert_eq!(r.backlog_max, 5);
    assert_eq!(r.heads.reorgs.len(), 1, "the sequencer's reorg only");
    let moves: Vec<(u64, u64)> = r.heads.unsafe_moves.iter().map(|m| (m.at_us / 1_000_000, m.number)).collect();
    assert_eq!(moves, [(12, 1), (24, 2), (36, 3), (48, 4), (60, 2), (60, 3), (60, 4)]);
}

#[test]
fn rows_learn_their_timestamps_safe_and_final_times() {
    let mut r = reorged_run();
    r.heads.settle(&mut r.blocks);
    // The head, block 4, timed 48 s after the run's start: block n at 12 n s.
    stamp(&mut r.blocks, &Clock { head_number: 4, head_time_s: u64::from(EPOCH_UNIX_S) + 48, block_time_s: 12 });
    let s: Vec<BlockSettlement> = r.blocks.iter().map(|b| b.settlement.expect("a settlement chain")).collect();
    let sec = |x: u64| x * 1_000_000;
    assert_eq!(s.iter().map(|b| b.timestamp_us).collect::<Vec<_>>(), [12, 24, 36, 48].map(sec));
    assert_eq!(s.iter().map(|b| b.l1_origin).collect::<Vec<_>>(), [0, 0, 1, 1]);
    assert_eq!(s.iter().map(|b| b.safe_at_us).collect::<Vec<_>>(), [Some(sec(50)), Some(sec(55)), Some(sec(60)), None]);
    assert_eq!(s.iter().map(|b| b.forced).collect::<Vec<_>>(), [false, false, true, false]);
    let finalized = [Some(sec(70)), Some(sec(80)), Some(sec(80)), None];
    assert_eq!(s.iter().map(|b| b.finalized_at_us).collect::<Vec<_>>(), finalized, "the verifier's move ignored");
    let lags: Vec<Option<u64>> = s.iter().map(BlockSettlement::safe_lag_us).collect();
    assert_eq!(lags, [Some(sec(38)), Some(sec(31)), Some(sec(24)), None], "from each block's timestamp");
}

#[test]
fn a_safe_block_of_another_hash_is_not_this_rows() {
    let mut r = L2Recorder::default();
    feed(&mut r, vec![(12, SEQUENCER, produced(1, 0, 0, Some(0))), (30, SEQUENCER, safe(1, 9, false))]);
    r.heads.settle(&mut r.blocks);
    assert_eq!(r.blocks[0].settlement.and_then(|s| s.safe_at_us), None);
}

#[test]
fn a_chain_without_settlement_records_no_heads() {
    let mut r = L2Recorder::default();
    feed(&mut r, vec![(12, SEQUENCER, produced(1, 0, 2, None))]);
    assert!(r.blocks[0].settlement.is_none() && r.heads.unsafe_moves.is_empty());
    let other = Observation::L1SlotMissed { slot: 3 };
    assert!(r.observe(at(13), SEQUENCER, other).is_some(), "not the L2's: given back");
}
