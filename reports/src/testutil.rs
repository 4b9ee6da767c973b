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
        fees_sats: if main_chain { 100 * u64::from(height) } else { 7 },
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
        btc: BtcRecord { block_interval_target_s: 600.0, blocks, reorgs, propagation: Vec::new() },
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
            rewrite: None,
        }),
        l2: None,
        pop: None,
        tunnel: None,
        ethereum: None,
        censorship: None,
        faults: None,
        perf: PerfRecord { wall_time_s: 0.5, events: 1000 },
    }
}

/// A run that recorded nothing at all: every rate is undefined.
pub fn empty_record(seed: u64) -> RunRecord {
    let mut record = sample_record(seed);
    record.btc.blocks.clear();
    record.btc.reorgs.clear();
    record.attack = None;
    record.perf = PerfRecord { wall_time_s: 0.0, events: 0 };
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
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut uniform = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
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
            record.btc.blocks.push(block(height, "miner-1", t_us + 1_500_000, false));
            let mut reorg = sample_record(seed).btc.reorgs[0].clone();
            reorg.depth = 1 + (height / 20) % 4 / 2 + u32::from(height % 140 == 0);
            record.btc.reorgs.push(reorg);
        }
    }
    record.meta.sim_time_us = t_us;
    record
}

/// Inclusion latencies of a block's `n` transactions, in µs: evenly spread from 0.5 s to 11.5 s
/// (one transaction: 6 s), so the mean is always 6 s and the maximum 11.5 s from two on.
pub fn l2_latencies_us(n: u32) -> impl Iterator<Item = u64> {
    let n = u64::from(n);
    (0..n).map(move |k| match n {
        1 => 6_000_000,
        _ => 500_000 + 11_000_000 * k / (n - 1),
    })
}

/// An L2 chain with 12 s blocks under a 30M gas limit, one block per `(tx_count, gas_used)`:
/// block i (from 1) is `0x0i`, produced at 12 i s + (i - 1) µs, with state root `0xri`, Bitcoin
/// tip 100 + (i - 1) / 2, one Bitcoin header ingested in odd blocks, no backlog, and its
/// transactions' latencies from [`l2_latencies_us`] (also in the 100 ms histogram). Users
/// submitted 5 more transactions than were included: 2 refused as `nonce-gap`, 3 as
/// `fee-too-low` (given unsorted); 1 deferred; two verifiers checked every block.
pub fn l2_record(blocks: &[(u32, u64)]) -> L2Record {
    let mut latency = LatencyHistogram::standard();
    let rows: Vec<L2BlockRow> = (1u64..)
        .zip(blocks)
        .map(|(i, &(tx_count, gas_used))| {
            let latencies: Vec<u64> = l2_latencies_us(tx_count).collect();
            latencies.iter().for_each(|&us| latency.record(us));
            let sum: u64 = latencies.iter().sum();
            L2BlockRow {
                number: i,
                hash: format!("0x{i:02x}"),
                state_root: format!("0xr{i}"),
                produced_at_us: 12_000_000 * i + (i - 1),
                tx_count,
                gas_used,
                btc_tip_height: 100 + (i - 1) as u32 / 2,
                btc_headers_ingested: (i % 2) as u32,
                backlog: 0,
                latency_mean_us: sum.checked_div(latencies.len() as u64).unwrap_or(0),
                latency_max_us: latencies.iter().copied().max().unwrap_or(0),
                settlement: None,
            }
        })
        .collect();
    let included: u64 = blocks.iter().map(|b| u64::from(b.0)).sum();
    L2Record {
        block_time_s: 12.0,
        gas_limit: 30_000_000,
        blocks: rows.clone(),
        latency,
        txs_submitted: included + 5,
        txs_rejected: vec![("nonce-gap".to_string(), 2), ("fee-too-low".to_string(), 3)],
        txs_deferred: 1,
        blocks_verified: 2 * rows.len() as u64,
        state_root_mismatches: 0,
        txs_executed: 0,
        backlog_max: 0,
        settlement: None,
        failovers: Vec::new(),
    }
}

/// [`sample_record`] with an L2 chain from [`l2_record`] (and no attack).
pub fn l2_run(seed: u64, blocks: &[(u32, u64)]) -> RunRecord {
    let mut record = sample_record(seed);
    record.attack = None;
    record.l2 = Some(l2_record(blocks));
    record
}

/// A realistic L2 run for the figures: `n` blocks of 12 s under a 30M gas limit, each with a
/// 50,000-gas system transaction and up to 1,426 transfers of 21,000 gas. The load sits at 0.6
/// times that capacity for the first third of the run, reaches it half-way and 1.3 times it at
/// the end: blocks fill up, and the FIFO backlog and the inclusion latency climb. Arrivals are
/// spread evenly over each block interval, with noise from a fixed linear congruential generator.
pub fn synthetic_l2_run(seed: u64, n: u64) -> RunRecord {
    const BLOCK_US: u64 = 12_000_000;
    const TX_GAS: u64 = 21_000;
    const SYSTEM_GAS: u64 = 50_000;
    let capacity = (30_000_000 - SYSTEM_GAS) / TX_GAS;
    let mut state = seed.wrapping_mul(2862933555777941757).wrapping_add(3037000493);
    let mut noise = move || {
        state = state.wrapping_mul(2862933555777941757).wrapping_add(3037000493);
        ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    let mut record = l2_run(seed, &[]);
    let l2 = record.l2.as_mut().expect("l2_run has an L2 chain");
    // Pending arrivals, FIFO: (start of the interval they arrived in, count, already taken).
    let mut queue: std::collections::VecDeque<(u64, u64, u64)> = Default::default();
    let mut backlog = 0u64;
    let mut submitted = 0u64;
    for i in 1..=n {
        let x = i as f64 / n as f64;
        let load = match x {
            x if x <= 1.0 / 3.0 => 0.6,
            x if x <= 0.5 => 0.6 + 0.4 * (x - 1.0 / 3.0) * 6.0,
            x => 1.0 + 0.3 * (x - 0.5) * 2.0,
        };
        let arrivals = (capacity as f64 * load * (1.0 + 0.3 * noise())) as u64;
        queue.push_back(((i - 1) * BLOCK_US, arrivals, 0));
        submitted += arrivals;
        backlog += arrivals;
        let produced_at_us = i * BLOCK_US;
        let (mut taken, mut sum_us, mut max_us) = (0u64, 0u64, 0u64);
        while taken < capacity {
            let Some(front) = queue.front_mut() else {
                break;
            };
            let (start, count, done) = *front;
            let take = (count - done).min(capacity - taken);
            for k in done..done + take {
                let arrived = start + (BLOCK_US * (2 * k + 1)) / (2 * count);
                let us = produced_at_us - arrived;
                l2.latency.record(us);
                sum_us += us;
                max_us = max_us.max(us);
            }
            taken += take;
            front.2 += take;
            if front.2 == count {
                queue.pop_front();
            }
        }
        backlog -= taken;
        l2.blocks.push(L2BlockRow {
            number: i,
            hash: format!("0x{i:064x}"),
            state_root: format!("0x{:064x}", i * 7),
            produced_at_us,
            tx_count: taken as u32,
            gas_used: taken * TX_GAS + SYSTEM_GAS,
            btc_tip_height: (i * 12 / 600) as u32,
            btc_headers_ingested: u32::from(i % 50 == 0),
            backlog,
            latency_mean_us: sum_us.checked_div(taken).unwrap_or(0),
            latency_max_us: max_us,
            settlement: None,
        });
        l2.backlog_max = l2.backlog_max.max(backlog);
    }
    l2.txs_submitted = submitted;
    l2.txs_rejected = Vec::new();
    l2.blocks_verified = 2 * n;
    record.meta.sim_time_us = n * BLOCK_US;
    record
}

/// Hash of the keystone of L2 block `l2_number` in [`pop_run`].
pub fn keystone_hash(l2_number: u64) -> String {
    hash(0x4b00 + l2_number)
}

/// A superfinality step at `at_us` to L2 block `l2_number`, carried by the keystone of that block
/// published at `published_height`, seen with the tip 2 blocks above it.
pub fn pop_step(at_us: u64, l2_number: u64, published_height: u32) -> SuperfinalityStep {
    SuperfinalityStep {
        at_us,
        l2_number,
        keystone_hash: keystone_hash(l2_number),
        published_height,
        tip_height: published_height + 2,
    }
}

/// A Proof-of-Proof run whose every derived number is checked by hand.
///
/// Bitcoin: θ = 100 s; main-chain blocks 1..=17 found at 100 h s (hash `hash(100e6 h)`), 40,000
/// WU each (680,000 in all), and a stale block at 600.5 s. L2: 8 blocks of 200 s (block i at
/// 200 i s); a keystone every 2 blocks (blocks 2, 4, 6, 8, made with them); superfinality depth 2
/// (M = 3); 90 of reward per keystone; the run ends at 1728 s (0.02 day).
///
/// Main-chain publications (`txid` = `hash(0x7800 + i)`), by height:
///
/// | i | keystone | height | miner | fee | vsize | x | score | reward |
/// |---|---|---|---|---|---|---|---|---|
/// | 0 | 2 | 5 | pop-0 | 1000 | 200 | 0 | 100000 | 40 |
/// | 1 | 2 | 6 | pop-1 | 800 | 200 | 1 | 100000 | 40 |
/// | 2 | 2 | 7 | pop-0 | 600 | 200 | 2 | 25000 | 10 |
/// | 3 | 6 | 13 | pop-1 | 500 | 300 | 0 | 100000 | 45 |
/// | 4 | 2 | 14 | pop-1 | 400 | 200 | 9 | 0 | 0 |
/// | 5 | 6 | 14 | (none) | 100 | 300 | 1 | 100000 | 45 |
/// | 6 | 8 | 17 | pop-0 | 300 | 300 | 0 | 100000 | 90 |
///
/// Fees 3,700 sat (185,000 a day), 6,800 WU of 680,000 (1%). The keystone of block 4 is never
/// published. Superfinality: block 2's keystone at 700.5 s (tip 7), block 6's at 1500.25 s (tip
/// 15, carrying block 4's by inheritance); block 8's (height 17) is not deep enough at the end.
/// Latencies: 500.5, 300.5, 900.25, 700.25, 500.25, 300.25 s; blocks 7 and 8 still waiting after
/// 328 and 128 s. Each miner sent 4 transactions, one of them never confirmed; pop-0 deferred
/// block 4's keystone twice (estimates 12.5 and 11 sat/vB over a 10 sat/vB cap).
pub fn pop_run(seed: u64) -> RunRecord {
    let mut record = l2_run(seed, &[(1, 21_000); 8]);
    record.meta.sim_time_us = 1_728_000_000;
    record.btc.block_interval_target_s = 100.0;
    record.btc.reorgs.clear();
    record.btc.blocks = (1..=17u32).map(|h| block(h, "miner-0", 100_000_000 * u64::from(h), true)).collect();
    record.btc.blocks.insert(6, block(6, "miner-1", 600_500_000, false));
    for b in &mut record.btc.blocks {
        b.weight = 40_000;
    }
    let l2 = record.l2.as_mut().expect("l2_run has an L2 chain");
    l2.block_time_s = 200.0;
    for b in &mut l2.blocks {
        b.produced_at_us = 200_000_000 * b.number;
    }
    let keystones = [2u64, 4, 6, 8]
        .map(|n| KeystoneRow {
            l2_number: n,
            hash: keystone_hash(n),
            l2_block_hash: format!("0x{n:02x}"),
            made_at_us: 200_000_000 * n,
        })
        .to_vec();
    let publication = |i: u64, l2_number: u64, height: u32, miner: Option<&str>, fee, vsize| PublicationRow {
        txid: hash(0x7800 + i),
        keystone_hash: keystone_hash(l2_number),
        l2_number,
        btc_height: height,
        btc_block_hash: hash(100_000_000 * u64::from(height)),
        btc_block_found_at_us: 100_000_000 * u64::from(height),
        miner: miner.map(str::to_string),
        fee_sats: fee,
        vsize,
    };
    let publications = vec![
        publication(0, 2, 5, Some("pop-0"), 1000, 200),
        publication(1, 2, 6, Some("pop-1"), 800, 200),
        publication(2, 2, 7, Some("pop-0"), 600, 200),
        publication(3, 6, 13, Some("pop-1"), 500, 300),
        publication(4, 2, 14, Some("pop-1"), 400, 200),
        publication(5, 6, 14, None, 100, 300),
        publication(6, 8, 17, Some("pop-0"), 300, 300),
    ];
    let sent_row = |at_s: u64, p: &PublicationRow| PopTxRow {
        sent_at_us: at_s * 1_000_000,
        miner: p.miner.clone().unwrap_or_default(),
        keystone_hash: p.keystone_hash.clone(),
        l2_number: p.l2_number,
        txid: p.txid.clone(),
        fee_sats: p.fee_sats,
        vsize: p.vsize,
        fee_rate_sat_per_vb: p.fee_sats as f64 / p.vsize as f64,
    };
    let unconfirmed =
        |at_s, miner: &str, l2_number, i| sent_row(at_s, &publication(i, l2_number, 0, Some(miner), 300, 300));
    let p = &publications;
    let sent = vec![
        sent_row(410, &p[0]),
        sent_row(420, &p[1]),
        sent_row(630, &p[2]),
        unconfirmed(1205, "pop-1", 4, 0x100),
        sent_row(1210, &p[3]),
        sent_row(1350, &p[4]),
        sent_row(1610, &p[6]),
        unconfirmed(1650, "pop-0", 8, 0x101),
    ];
    let deferral = |at_s: u64, estimate| FeeDeferralRow {
        at_us: at_s * 1_000_000,
        miner: "pop-0".to_string(),
        l2_number: 4,
        estimate_sat_per_vb: estimate,
    };
    let miner = |name: &str, funded_sats| PopMinerRow { name: name.to_string(), funded_sats };
    record.pop = Some(PopRecord {
        keystone_interval_blocks: 2,
        superfinality_depth: 2,
        fee_cap_sat_per_vb: 10.0,
        reward_per_keystone: 90.0,
        miners: vec![miner("pop-0", 1_000_000), miner("pop-1", 2_000_000)],
        keystones,
        sent,
        publications,
        superfinal: vec![pop_step(700_500_000, 2, 5), pop_step(1_500_250_000, 6, 13)],
        fee_deferrals: vec![deferral(805, 12.5), deferral(1105, 11.0)],
        superfinal_reverts: 0,
    });
    record
}

/// A realistic Proof-of-Proof run for the figures: `hours` of 12 s L2 blocks with a keystone
/// every 25 (5 min), Bitcoin blocks at Exp(600 s) intervals from a fixed linear congruential
/// generator, two PoP miners publishing each keystone in the next Bitcoin block (pop-1 in one of
/// the next two), superfinality 10 blocks deeper (M = 11), fees around 3 sat/vB on 285 vB. A
/// fee spike from 40% to 50% of the run lifts the estimate to 40 sat/vB over the 20 sat/vB cap:
/// both miners defer every keystone made then, the frontier stalls, and the first keystone
/// published after the spike finalizes the stalled blocks (inheritance).
pub fn synthetic_pop_run(seed: u64, hours: u64) -> RunRecord {
    const L2_BLOCK_US: u64 = 12_000_000;
    const KEYSTONE_INTERVAL: u64 = 25;
    const DEPTH: u32 = 10;
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(1);
    let mut uniform = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let end_us = hours * 3_600_000_000;
    let mut record = l2_run(seed, &[]);
    record.meta.sim_time_us = end_us;
    record.btc.reorgs.clear();
    record.btc.blocks.clear();
    let mut t_us = 0u64;
    for height in 1.. {
        t_us += (-libm::log(uniform()) * 600e6) as u64;
        if t_us > end_us {
            break;
        }
        let mut b = block(height, "miner-0", t_us, true);
        b.weight = 3_990_000;
        record.btc.blocks.push(b);
    }
    let found: Vec<u64> = record.btc.blocks.iter().map(|b| b.found_at_us).collect();
    let l2 = record.l2.as_mut().expect("l2_run has an L2 chain");
    let n = end_us / L2_BLOCK_US;
    l2.blocks = l2_record(&vec![(1, 21_000); n as usize]).blocks;
    for b in &mut l2.blocks {
        b.produced_at_us = b.number * L2_BLOCK_US;
    }
    let (spike_from, spike_to) = (end_us * 2 / 5, end_us / 2);
    let mut pop = pop_run(seed).pop.expect("pop_run has PoP");
    (pop.keystone_interval_blocks, pop.superfinality_depth) = (KEYSTONE_INTERVAL as u32, DEPTH);
    (pop.fee_cap_sat_per_vb, pop.reward_per_keystone) = (20.0, 100.0);
    pop.keystones.clear();
    pop.sent.clear();
    pop.publications.clear();
    pop.superfinal.clear();
    pop.fee_deferrals.clear();
    let mut txid = 0u64;
    for number in (KEYSTONE_INTERVAL..=n).step_by(KEYSTONE_INTERVAL as usize) {
        let made_at_us = number * L2_BLOCK_US;
        pop.keystones.push(KeystoneRow {
            l2_number: number,
            hash: keystone_hash(number),
            l2_block_hash: format!("0x{number:064x}"),
            made_at_us,
        });
        for (m, miner) in ["pop-0", "pop-1"].into_iter().enumerate() {
            if (spike_from..spike_to).contains(&made_at_us) {
                pop.fee_deferrals.push(FeeDeferralRow {
                    at_us: made_at_us + 1_000_000,
                    miner: miner.to_string(),
                    l2_number: number,
                    estimate_sat_per_vb: 40.0 + 5.0 * uniform(),
                });
                continue;
            }
            let sent_at_us = made_at_us + 2_000_000 + m as u64 * 1_000_000;
            let rate = 2.0 + 2.0 * uniform();
            let fee_sats = (rate * 285.0) as u64;
            txid += 1;
            pop.sent.push(PopTxRow {
                sent_at_us,
                miner: miner.to_string(),
                keystone_hash: keystone_hash(number),
                l2_number: number,
                txid: hash(0x7800_0000 + txid),
                fee_sats,
                vsize: 285,
                fee_rate_sat_per_vb: rate,
            });
            let next = found.partition_point(|&f| f <= sent_at_us);
            let index = next + usize::from(m == 1 && uniform() < 0.5);
            let Some(&found_at_us) = found.get(index) else {
                continue;
            };
            pop.publications.push(PublicationRow {
                txid: hash(0x7800_0000 + txid),
                keystone_hash: keystone_hash(number),
                l2_number: number,
                btc_height: index as u32 + 1,
                btc_block_hash: hash(found_at_us),
                btc_block_found_at_us: found_at_us,
                miner: Some(miner.to_string()),
                fee_sats,
                vsize: 285,
            });
        }
    }
    pop.publications.sort_by_key(|p| (p.btc_height, p.l2_number, p.txid.clone()));
    // Superfinal when the block `DEPTH` above the first publication is found (1 s to arrive).
    let mut frontier = 0;
    for p in &pop.publications {
        let Some(&at) = found.get(p.btc_height as usize - 1 + DEPTH as usize) else {
            continue;
        };
        if p.l2_number > frontier {
            frontier = p.l2_number;
            pop.superfinal.push(SuperfinalityStep {
                at_us: at + 1_000_000,
                l2_number: p.l2_number,
                keystone_hash: p.keystone_hash.clone(),
                published_height: p.btc_height,
                tip_height: p.btc_height + DEPTH,
            });
        }
    }
    record.pop = Some(pop);
    record
}

pub use crate::tunnel::testutil::{synthetic_tunnel_run, tunnel_run};

/// [`synthetic_l2_run`] on a settlement layer, for the heads figure: block i timed 12 i s, safe
/// 14 s after the batcher's next minute, final 768 s (64 slots) later (neither past the end), and
/// an unsafe reorg of depth 5 every 1,000 blocks, its blocks rebuilt at once.
pub fn synthetic_settled_run(seed: u64, n: u64) -> RunRecord {
    let mut record = synthetic_l2_run(seed, n);
    let end_us = record.meta.sim_time_us;
    let l2 = record.l2.as_mut().expect("an L2 chain");
    let mut settlement = L2Settlement::default();
    for b in &mut l2.blocks {
        let timestamp_us = 12_000_000 * b.number;
        let safe_at_us = Some(timestamp_us.div_ceil(60_000_000) * 60_000_000 + 14_000_000).filter(|&t| t <= end_us);
        let finalized_at_us = safe_at_us.map(|t| t + 768_000_000).filter(|&t| t <= end_us);
        b.settlement =
            Some(BlockSettlement { timestamp_us, l1_origin: b.number / 2, safe_at_us, finalized_at_us, forced: false });
        settlement.unsafe_moves.push(HeadMove { at_us: b.produced_at_us, number: b.number });
        if b.number % 1_000 == 0 {
            let at_us = b.produced_at_us + 1;
            settlement.reorgs.push(L2ReorgRow {
                at_us,
                from: b.number,
                to: b.number - 5,
                txs: 9,
                because: "test".into(),
            });
            settlement.unsafe_moves.push(HeadMove { at_us, number: b.number - 5 });
            settlement.unsafe_moves.push(HeadMove { at_us, number: b.number });
        }
    }
    l2.settlement = Some(settlement);
    record
}

/// [`eth_run`] with a settlement chain of four 12 s blocks ([`l2_record`]: 1, 2, 0 and 5
/// transactions), timed 12, 24, 36 and 48 s. Block 1 is safe at 50 s, block 2 at 55 s; at 60 s
/// a reorg takes back blocks 3 and 4 (7 transactions) and the forced block 3 is safe at once;
/// block 1 is final at 70 s, blocks 2 and 3 at 80 s; block 4 is neither at the end. Safe lags
/// 38, 31 and 24 s; finalized lags 58, 56 and 44 s.
pub fn settled_run(seed: u64) -> RunRecord {
    let mut record = eth_run(seed);
    let mut l2 = l2_record(&[(1, 21_000), (2, 42_000), (0, 0), (5, 105_000)]);
    let s = |x: u64| x * 1_000_000;
    let heads =
        [(Some(50), Some(70), false), (Some(55), Some(80), false), (Some(60), Some(80), true), (None, None, false)];
    for (b, (safe, finalized, forced)) in l2.blocks.iter_mut().zip(heads) {
        b.settlement = Some(BlockSettlement {
            timestamp_us: s(12 * b.number),
            l1_origin: b.number / 3,
            safe_at_us: safe.map(s),
            finalized_at_us: finalized.map(s),
            forced,
        });
    }
    let moves = [(12, 1), (24, 2), (36, 3), (48, 4), (60, 2), (60, 3), (60, 4)];
    l2.settlement = Some(L2Settlement {
        unsafe_moves: moves.iter().map(|&(at, number)| HeadMove { at_us: s(at), number }).collect(),
        reorgs: vec![L2ReorgRow { at_us: s(60), from: 4, to: 2, txs: 7, because: "test".to_string() }],
        fork_conflicts: 0,
    });
    record.l2 = Some(l2);
    record.meta.sim_time_us = s(90);
    record
}

/// `sample_record` with an Ethereum L1 of 12 s slots and finality at depth 2: blocks 1, 2 and 3
/// at 12, 36 and 48 s (slot 2, at 24 s, missed) with 2, 3 and 0 deposits; block 2 carries one
/// batcher transaction of 1,000 bytes (L2 blocks 1 and 2, posted at 30 s for 63,000.000131072
/// gwei). Hashes are `0x` and the number in hex.
pub fn eth_run(seed: u64) -> RunRecord {
    let row = |number: u64, time_s: u64, deposits: u32, batch_bytes: u64| L1BlockRow {
        number,
        hash: format!("0x{}", hash(number)),
        parent_hash: format!("0x{}", hash(number - 1)),
        time_us: time_s * 1_000_000,
        deposits,
        batcher_txs: u32::from(batch_bytes > 0),
        batch_bytes,
        finalized: number.saturating_sub(2),
    };
    RunRecord {
        ethereum: Some(EthereumRecord {
            slot_s: 12,
            missed_slot_rate: 0.1,
            finality_depth_blocks: 2,
            deposit_rate_per_s: 0.002,
            blocks: vec![row(1, 12, 2, 0), row(2, 36, 3, 1_000), row(3, 48, 0, 0)],
            missed_slots: vec![2],
            batches_posted: vec![BatchRow {
                posted_at_us: 30_000_000,
                first_l2: 1,
                last_l2: 2,
                frames: 1,
                bytes: 1_000,
                fee_wei: 63_000_000_131_072,
                closed_by: "interval".to_string(),
            }],
            l2_deposits: vec![
                L2DepositRow { l1_number: 1, log_index: 0, l2_number: 6, l2_at_us: 72_000_000 },
                L2DepositRow { l1_number: 1, log_index: 1, l2_number: 6, l2_at_us: 72_000_000 },
                L2DepositRow { l1_number: 2, log_index: 0, l2_number: 8, l2_at_us: 96_500_000 },
            ],
        }),
        ..sample_record(seed)
    }
}

/// A settled L2 day's first hours with a Bitcoin chain under it and two faults: a partition of
/// the miners for an hour, then a crash of the sequencer, converged 4.5 s after the last.
pub fn faulted_run(seed: u64) -> RunRecord {
    let mut record = synthetic_settled_run(seed, 1_200);
    record.btc = synthetic_record(seed, 24).btc;
    let fault = |index, kind: &str, start_s: u64, end_s: u64, peers: &str| crate::record::FaultRow {
        index,
        kind: kind.to_owned(),
        start_us: start_s * 1_000_000,
        end_us: end_s * 1_000_000,
        peers: peers.to_owned(),
    };
    record.faults = Some(crate::record::FaultsRecord {
        faults: vec![
            fault(0, "partition", 3_600, 7_200, "miner-0 miner-1 miner-2 | miner-3 miner-4 miner-5"),
            fault(1, "crash", 9_000, 10_800, "sequencer"),
        ],
        healed_at_us: 10_800_000_000,
        btc_converged_at_us: Some(10_800_400_000),
        l2_converged_at_us: Some(10_804_500_000),
        l2_converges: true,
        bound_us: 38_000_000,
        mempool_lost_txs: 12,
    });
    record
}

/// A uniform draw in (0, 1) from a fixed 64-bit linear congruential generator seeded with `seed`:
/// reproducible noise for Monte Carlo checks of the closed forms.
pub fn lcg_uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}
