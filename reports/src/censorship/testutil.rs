//! A hand-made run with a censorship record, for the area's unit tests.

use super::bound::Bound;
use super::record::{BoundParams, CensoredTx, CensorshipRecord, Inclusion};
use crate::record::RunRecord;
use crate::testutil::eth_run;

const S: u64 = 1_000_000;
const FEE_WEI: u128 = 225_000_000_000_000;

fn tx(n: u8, rule: Option<u32>, submitted_s: Option<u64>, forced_s: Option<u64>) -> CensoredTx {
    CensoredTx {
        hash: format!("0xa{n}"),
        from: format!("0xf{n}"),
        rule,
        submitted_at_us: submitted_s.map(|s| s * S),
        held_at_us: submitted_s.map(|_| u64::from(n) * 12 * S),
        forced_at_us: forced_s.map(|s| s * S),
        l1_fee_wei: forced_s.map(|_| FEE_WEI),
        inclusion: None,
        bound: None,
    }
}

fn included(mut t: CensoredTx, at_s: u64, path: &str, l2_number: u64) -> CensoredTx {
    t.inclusion = Some(Inclusion { at_us: at_s * S, path: path.to_string(), l2_number });
    t
}

fn bounded(mut t: CensoredTx, kind: &str, l1_block: u64, until_s: u64) -> CensoredTx {
    t.bound = Some(Bound { kind: kind.to_string(), l1_block, until_us: until_s * S });
    t
}

/// [`eth_run`] (3600 s) with: a held transaction the sequencer released after 30 s; a held one
/// forced and included within its bound; a held one forced and never included (its bound passed);
/// an uncensored escape included through the portal within a window bound.
pub fn censored_run(seed: u64) -> RunRecord {
    let mut run = eth_run(seed);
    run.censorship = Some(CensorshipRecord {
        bounds: Some(BoundParams {
            slot_s: 12,
            max_sequencer_drift_s: 1800,
            sequencer_l1_confs: 4,
            seq_window_blocks: 3600,
            l2_block_time_s: 12,
            delivery_us: 2 * S,
        }),
        outages: Vec::new(),
        txs: vec![
            included(tx(1, Some(0), Some(10), None), 40, "sequencer", 3),
            bounded(included(tx(2, Some(0), Some(20), Some(80)), 120, "portal", 10), "live", 7, 130),
            bounded(tx(3, Some(1), Some(30), Some(90)), "live", 8, 140),
            bounded(included(tx(4, None, None, Some(200)), 250, "portal", 20), "window", 17, 900),
        ],
    });
    run
}
