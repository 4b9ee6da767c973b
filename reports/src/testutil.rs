//! Hand-made records for the tests, small enough to check every derived number by hand.

use std::path::{Path, PathBuf};

use crate::record::*;

/// A 64-hex-digit fake hash whose value is easy to read back (`0000..00ab`).
pub fn hash(n: u64) -> String {
    format!("{n:064x}")
}

/// A block whose hash is its found time in hex (unique and readable) and parent a dummy.
pub fn block(height: u32, miner: &str, found_at_us: u64, main_chain: bool) -> BlockRow {
    BlockRow {
        height,
        hash: hash(found_at_us),
        parent_hash: hash(u64::from(height)),
        miner: miner.to_string(),
        found_at_us,
        main_chain,
        tx_count: 1 + height,
        weight: 1000 * u64::from(height),
        fees_sats: if main_chain {
            100 * u64::from(height)
        } else {
            7
        },
    }
}

/// Five blocks, one stale (stale_rate 0.2); main-chain intervals 600.5, 599.500001 and
/// 699.999999 s (mean 633.333... s, two of three above the 600 s target); one reorg of depth 1;
/// a double spend with one success, one failure and one unfinished race; the attacker mined one
/// of the four main-chain blocks.
pub fn sample_record(seed: u64) -> RunRecord {
    let blocks = vec![
        block(1, "miner-0", 600_000_000, true),
        block(2, "miner-1", 1_200_500_000, true),
        block(3, "attacker", 1_500_250_000, false),
        block(3, "miner-0", 1_800_000_001, true),
        block(4, "attacker", 2_500_000_000, true),
    ];
    let reorgs = vec![ReorgRow {
        at_us: 1_800_400_000,
        depth: 1,
        connected: 2,
        old_tip: hash(3),
        old_height: 3,
        new_tip: hash(4),
        new_height: 4,
    }];
    let trial = |start_s: u64, end_us: Option<u64>, outcome| TrialRow {
        started_at_us: start_s * 1_000_000,
        payment_txid: hash(0xa0 + start_s),
        conflict_txid: hash(0xb0 + start_s),
        ended_at_us: end_us,
        outcome,
    };
    RunRecord {
        meta: RunMeta {
            scenario_name: "unit".to_string(),
            seed,
            scenario_hash: hash(0x5c),
            trace_hash: hash(0x7000 + seed),
            sim_time_us: 3_600_000_000,
        },
        btc: BtcRecord {
            block_interval_target_s: 600.0,
            blocks,
            reorgs,
        },
        attack: Some(AttackRecord {
            kind: AttackKind::DoubleSpend,
            hashrate_share: 0.3,
            confirmations: 2,
            give_up_deficit_blocks: 4,
            gamma: 0.0,
            trials: vec![
                trial(1000, Some(2_500_000_000), TrialOutcome::Success),
                trial(2600, Some(3_000_500_000), TrialOutcome::Failure),
                trial(3100, None, TrialOutcome::Unfinished),
            ],
        }),
        l2: None,
        perf: PerfRecord {
            wall_time_s: 0.5,
            events: 1000,
        },
    }
}

/// A run that recorded nothing at all: every rate is undefined.
pub fn empty_record(seed: u64) -> RunRecord {
    let mut record = sample_record(seed);
    record.btc.blocks.clear();
    record.btc.reorgs.clear();
    record.attack = None;
    record.perf = PerfRecord {
        wall_time_s: 0.0,
        events: 0,
    };
    record
}

/// A fresh, empty directory under the system temp dir, unique to this test and process, removed
/// when dropped unless `HEMISIM_KEEP_TEST_OUTPUT` is set (to look at the figures).
#[derive(Debug)]
pub struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::env::var_os("HEMISIM_KEEP_TEST_OUTPUT").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub fn scratch_dir(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("hemisim-reports-{}-{name}", std::process::id()));
    // A leftover from an earlier process with the same id would make the test order-dependent.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the system temp dir is writable");
    Scratch(dir)
}

/// A larger run for the figures: `n` main-chain blocks with Exp(600 s) intervals from a fixed
/// linear congruential generator, every 20th block followed by a stale one, and reorgs of depth
/// 1 to 3.
pub fn synthetic_record(seed: u64, n: u32) -> RunRecord {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut record = sample_record(seed);
    record.btc.blocks.clear();
    record.btc.reorgs.clear();
    let mut t_us = 0u64;
    for height in 1..=n {
        t_us += (-libm::log(uniform()) * 600e6) as u64;
        record.btc.blocks.push(block(height, "miner-0", t_us, true));
        if height % 20 == 0 {
            record
                .btc
                .blocks
                .push(block(height, "miner-1", t_us + 1_500_000, false));
            let mut reorg = sample_record(seed).btc.reorgs[0].clone();
            reorg.depth = 1 + (height / 20) % 4 / 2 + u32::from(height % 140 == 0);
            record.btc.reorgs.push(reorg);
        }
    }
    record.meta.sim_time_us = t_us;
    record
}
