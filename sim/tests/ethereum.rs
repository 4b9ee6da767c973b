//! The settlement layer's Ethereum L1 in a run (`[ethereum]`): a day of `scenarios/settlement.toml`
//! checked against its parameters (every slot of the grid, the missed-slot share and the deposit
//! count inside 99% intervals computed here, finality at exactly the configured depth, blocks
//! chained on the slot grid), and determinism; the sequencer on L1 origins, read from a run's
//! trace: every deposit executed once and in order, origins one step at a time and 4 deep,
//! verifiers in agreement, and the deposit latency against its closed form.

mod common;

use common::*;
use hemisim_reports::record::EthereumRecord;

fn l1(record: &hemisim_reports::RunRecord) -> &EthereumRecord {
    record.ethereum.as_ref().expect("a run with [ethereum] records its L1")
}

/// A 99% interval of a binomial count of `n` trials at `p` (normal approximation; n p is large).
fn binomial_99(n: u64, p: f64) -> (f64, f64) {
    let (mean, sd) = (n as f64 * p, (n as f64 * p * (1.0 - p)).sqrt());
    (mean - Z_99 * sd, mean + Z_99 * sd)
}

/// A 99% interval of a Poisson count of mean `mean` (normal approximation; the mean is large).
fn poisson_99(mean: f64) -> (f64, f64) {
    (mean - Z_99 * mean.sqrt(), mean + Z_99 * mean.sqrt())
}

#[test]
fn a_day_of_l1_matches_its_parameters() {
    // 5% missed slots and 0.05 deposits/s: enough of each for tight intervals over a day.
    let s = scenario("settlement", &["ethereum.missed_slot_rate=0.05", "ethereum.deposit_rate_per_s=0.05"]);
    let config = s.ethereum.clone().expect("settlement has [ethereum]");
    let record = run(&s, s.seed);
    let eth = l1(&record);

    // Every slot of the grid ran: genesis's slot 0 and one at every 12 s before the end.
    assert_eq!(eth.slots() + 1, s.duration_s / config.slot_s);

    let missed = eth.missed_slots.len() as f64;
    let (low, high) = binomial_99(eth.slots(), config.missed_slot_rate);
    assert!((low..=high).contains(&missed), "{missed} missed of {} slots, 99% interval [{low}, {high}]", eth.slots());

    // A deposit is logged by the first block after it arrives: those included are exactly the
    // arrivals before the last block's time, a Poisson count of mean rate x that time (rate x
    // duration, less the deposits of the last slot or two).
    let last = eth.blocks.last().expect("blocks");
    let (low, high) = poisson_99(config.deposit_rate_per_s * last.time_us as f64 / 1e6);
    let deposits = eth.deposits() as f64;
    assert!((low..=high).contains(&deposits), "{deposits} deposits, 99% interval [{low}, {high}]");

    let mut previous: Option<&hemisim_reports::record::L1BlockRow> = None;
    for block in &eth.blocks {
        assert_eq!(block.finalized, block.number.saturating_sub(64), "finality 64 deep at block {}", block.number);
        assert_eq!(block.time_us % (config.slot_s * 1_000_000), 0, "block {} on the slot grid", block.number);
        if let Some(prev) = previous {
            assert_eq!(block.number, prev.number + 1);
            assert_eq!(block.parent_hash, prev.hash, "block {} extends its predecessor", block.number);
            assert!(block.time_us > prev.time_us);
        }
        previous = Some(block);
    }
    assert_eq!(last.finalized, last.number - 64, "the finalized head is the head - 64");
    // The batcher posts every channel it closes, in L2 order, each L2 block once; L1 blocks carry
    // every transaction posted (the last, posted in the final slot, may still be in flight), and
    // each is paid for.
    // A channel about every 72 s: it opens with the first L2 block after the last one closed and
    // closes at the first 6 s batcher poll 60 s later; one blob transaction each.
    let posted = &eth.batches_posted;
    assert!((1150..=1250).contains(&posted.len()), "{} batches in a day", posted.len());
    assert_eq!(posted[0].first_l2, 1);
    assert!(posted.windows(2).all(|w| w[1].first_l2 == w[0].last_l2 + 1), "channels follow each other");
    let carried: u64 = eth.blocks.iter().map(|b| u64::from(b.batcher_txs)).sum();
    let carried_bytes: u64 = eth.blocks.iter().map(|b| b.batch_bytes).sum();
    assert!(eth.batches() - carried <= 1, "{} posted, {carried} on L1", eth.batches());
    assert_eq!(carried_bytes, posted.iter().take(carried as usize).map(|b| b.bytes).sum::<u64>());
    assert!(posted.iter().all(|b| b.fee_wei > 0 && b.bytes > 0 && b.frames > 0));
    assert_eq!(eth.batcher_fees_wei(), posted.iter().map(|b| b.fee_wei).sum::<u128>());
    // The sequencer never waits for an origin with a live L1: a block at every slot.
    let l2 = record.l2.as_ref().expect("an L2");
    assert_eq!(l2.blocks.len() as u64, s.duration_s / 12 - 1);
    assert_eq!(l2.state_root_mismatches, 0);
}

#[test]
fn same_seed_same_trace_other_seed_other_trace() {
    let s = scenario("settlement", &["duration_s=7200"]);
    let a = run(&s, 5);
    let b = run(&s, 5);
    let c = run(&s, 6);
    assert_eq!(a.meta.trace_hash, b.meta.trace_hash);
    assert_eq!(l1(&a), l1(&b));
    assert_ne!(a.meta.trace_hash, c.meta.trace_hash);
    assert_ne!(l1(&a).blocks, l1(&c).blocks, "another seed, other missed slots and deposits");
}

/// The L1's streams are its own: a deposit rate moves no missed slot.
#[test]
fn the_deposit_rate_does_not_move_the_missed_slots() {
    let missed = |rate: &str| {
        let s = scenario("settlement", &["duration_s=7200", "ethereum.missed_slot_rate=0.2", rate]);
        l1(&run(&s, 9)).missed_slots.clone()
    };
    assert_eq!(missed("ethereum.deposit_rate_per_s=0"), missed("ethereum.deposit_rate_per_s=1"));
}

/// What a settlement run's trace says about the L1 blocks, the L2 blocks and the deposits.
#[derive(Default)]
struct SettlementTrace {
    /// `(seen at, number, time_s, deposits)` of each L1 block, in order.
    l1: Vec<(f64, u64, u64, u64)>,
    /// `(produced at, number, origin)` of each L2 block, in order.
    l2: Vec<(f64, u64, u64)>,
    /// `(L1 number, log index, L2 number)` of each deposit executed on L2, in order.
    deposits: Vec<(u64, u64, u64)>,
    skipped_slots: usize,
}

fn read_trace(path: &std::path::Path) -> SettlementTrace {
    let text = std::fs::read_to_string(path).expect("the run wrote its trace");
    let mut trace = SettlementTrace::default();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("trace lines are JSON");
        let at: f64 = v["t"].as_str().map_or(0.0, |t| t.parse().expect("a time"));
        let n = |key: &str| v[key].as_u64().unwrap_or_else(|| panic!("{key} in {line}"));
        match v["event"].as_str() {
            Some("l1-block") => trace.l1.push((at, n("number"), n("time_s"), n("deposits"))),
            Some("l2-block-produced") => trace.l2.push((at, n("number"), n("l1_origin"))),
            Some("l2-deposit-included") => trace.deposits.push((n("l1_number"), n("log_index"), n("l2_number"))),
            Some("l2-slot-skipped") => trace.skipped_slots += 1,
            _ => {}
        }
    }
    trace
}

/// The mean and a 99% interval of the mean deposit latency with an eager sequencer: L1 block N
/// (at its slot's time) is adopted by the first L2 block after block N + `confs` reaches the
/// sequencer. L2 blocks share the 12 s slot grid and an L1 block reaches the sequencer just
/// after that slot's L2 block, so the latency is 12 s per slot from N's to N + confs's (each of
/// the `confs` gaps a geometric count of slots, success 1 - m) plus one L2 block time:
/// mean 12 + 12 confs / (1 - m), gap variance 144 (m / (1 - m)^2) each. Deposits of nearby L1
/// blocks share gaps (blocks `k` apart share `confs - k`), which the interval accounts for.
fn latency_expectation(l1_numbers: &[u64], confs: u64, missed: f64) -> (f64, f64, f64) {
    let p = 1.0 - missed;
    let mean = 12.0 + 12.0 * confs as f64 / p;
    let gap_var = 144.0 * missed / (p * p);
    let n = l1_numbers.len() as f64;
    let mut covariance = 0.0;
    for a in l1_numbers {
        for b in l1_numbers {
            covariance += confs.saturating_sub(a.abs_diff(*b)) as f64 * gap_var;
        }
    }
    let half = Z_99 * (covariance / (n * n)).sqrt();
    (mean, mean - half, mean + half)
}

/// P(latency <= 12 + 12 k): the `confs`-th L1 block after N comes within k slots, that is at
/// least `confs` of k independent slots have a block (probability `p` each).
fn latency_cdf(k: u64, confs: u64, p: f64) -> f64 {
    let binomial = |i: u64| {
        let choose = (0..i).fold(1.0, |c, j| c * (k - j) as f64 / (j + 1) as f64);
        choose * p.powi(i as i32) * (1.0 - p).powi((k - i) as i32)
    };
    (confs..=k).map(binomial).sum()
}

/// The latency's p95 in the closed form, and the empirical share at it and one slot below, each
/// inside a 99% interval. Deposits are taken from L1 blocks `confs` apart, whose latencies share
/// no gap and so are independent.
fn check_latency_p95(latencies: &[(u64, f64)], confs: u64, missed: f64) {
    let mut sample = Vec::new();
    for &(number, latency) in latencies {
        if sample.last().is_none_or(|&(last, _)| number >= last + confs) {
            sample.push((number, latency));
        }
    }
    let n = sample.len() as f64;
    assert!(n > 100.0, "enough independent deposits: {n}");
    let p95_slots = (confs..).find(|&k| latency_cdf(k, confs, 1.0 - missed) >= 0.95).expect("a p95");
    for k in [p95_slots - 1, p95_slots] {
        let (x, expected) = (12.0 + 12.0 * k as f64, latency_cdf(k, confs, 1.0 - missed));
        let share = sample.iter().filter(|s| s.1 <= x).count() as f64 / n;
        let half = Z_99 * (expected * (1.0 - expected) / n).sqrt();
        assert!((share - expected).abs() <= half, "share of latencies <= {x} s: {share}, expected {expected} ± {half}");
    }
    eprintln!("deposit latency p95: {} s in the closed form", 12 + 12 * p95_slots);
}

#[test]
fn the_sequencer_executes_every_deposit_once_in_order_on_origins_4_deep() {
    let dir = scratch_dir("settlement-origins");
    let out = dir.to_str().expect("utf-8");
    // Four hours: enough deposits from L1 blocks 4 apart for the p95 check.
    let sets = ["duration_s=14400", "ethereum.missed_slot_rate=0.2", "ethereum.deposit_rate_per_s=0.05"];
    let mut args = vec!["run", "scenarios/settlement.toml", "--out", out, "--trace"];
    for set in &sets {
        args.extend(["--set", set]);
    }
    let output = hemisim(&args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let trace = read_trace(&dir.join("trace.jsonl"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).expect("summary")).expect("JSON");
    let confs = 4;
    assert_eq!(trace.skipped_slots, 0, "a live L1 always offers an origin");

    // Origins: one step at most per block, each at least `confs` deep when the block was made.
    let mut origin = 0;
    for &(at, number, o) in &trace.l2 {
        assert!(o == origin || o == origin + 1, "L2 block {number}: origin {origin} -> {o}");
        origin = o;
        let head = trace.l1.iter().take_while(|b| b.0 < at).last().map_or(0, |b| b.1);
        assert!(o == 0 || o + confs <= head, "L2 block {number} at {at} s: origin {o} with L1 head {head}");
    }

    // Deposits: in order, each once, in the first block of its L1 block's epoch.
    let keys: Vec<(u64, u64)> = trace.deposits.iter().map(|d| (d.0, d.1)).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "deposits executed once each, in (L1 block, log) order");
    let first_of_epoch = |l1: u64| trace.l2.iter().find(|b| b.2 == l1).map(|b| b.1);
    for &(l1, _, l2) in &trace.deposits {
        assert_eq!(Some(l2), first_of_epoch(l1), "the deposits of L1 block {l1} open its epoch");
    }
    // Every deposit whose L1 block was `confs` deep a block time before the end was executed.
    let end = 14400.0 - 12.0;
    let mut due = Vec::new();
    for (i, &(_, number, time_s, deposits)) in trace.l1.iter().enumerate() {
        let confirmed = trace.l1.get(i + confs as usize);
        if confirmed.is_some_and(|c| c.0 < end) {
            due.extend((0..deposits).map(|log| (number, log, time_s, confirmed.expect("checked").2)));
        }
    }
    assert!(due.len() > 200, "enough deposits to check: {}", due.len());
    let mut latencies = Vec::new();
    for &(number, log, time_s, confirmed_s) in &due {
        let l2 = trace.deposits.iter().find(|d| (d.0, d.1) == (number, log));
        let l2 = l2.unwrap_or_else(|| panic!("deposit {log} of L1 block {number} executed on L2")).2;
        let produced_s = trace.l2.iter().find(|b| b.1 == l2).expect("produced").0.floor() as u64;
        // Exactly: the first L2 block after L1 block N + confs arrived.
        assert_eq!(produced_s, confirmed_s + 12, "deposit {log} of L1 block {number}");
        latencies.push((number, (produced_s - time_s) as f64));
    }
    let numbers: Vec<u64> = latencies.iter().map(|l| l.0).collect();
    let measured = latencies.iter().map(|l| l.1).sum::<f64>() / latencies.len() as f64;
    let (mean, low, high) = latency_expectation(&numbers, confs, 0.2);
    assert!((low..=high).contains(&measured), "mean latency {measured} s, expected {mean} s, 99% [{low}, {high}]");
    check_latency_p95(&latencies, confs, 0.2);

    // The record agrees with the trace: `deposits.csv` and `l2.deposit_latency_s` cover every
    // executed deposit, timed from its L1 block to the production of its L2 block.
    let csv = std::fs::read_to_string(dir.join("deposits.csv")).expect("deposits.csv");
    assert_eq!(csv.lines().count(), trace.deposits.len() + 1, "a header and one row per executed deposit");
    let all: Vec<f64> = trace
        .deposits
        .iter()
        .map(|&(l1, _, l2)| {
            let l1_time = trace.l1.iter().find(|b| b.1 == l1).expect("logged").2 as f64;
            trace.l2.iter().find(|b| b.1 == l2).expect("produced").0 - l1_time
        })
        .collect();
    let latency = &summary["l2"]["deposit_latency_s"];
    assert_eq!(latency["count"].as_u64(), Some(all.len() as u64));
    let summary_mean = latency["mean"].as_f64().expect("a mean");
    let trace_mean = all.iter().sum::<f64>() / all.len() as f64;
    assert!((summary_mean - trace_mean).abs() < 1e-6, "summary mean {summary_mean}, trace {trace_mean}");

    // Verifiers import every block and agree.
    let l2 = &summary["l2"];
    assert_eq!(l2["state_root_mismatches"], 0);
    assert_eq!(l2["blocks_verified"].as_u64(), Some(2 * trace.l2.len() as u64));
    eprintln!(
        "deposit latency: measured mean {measured:.2} s of {} deposits, expected {mean:.2} s, 99% [{low:.2}, {high:.2}]",
        latencies.len()
    );
}

/// A settlement run's outputs agree with its trace, line by line: `l2_blocks.csv` is the
/// sequencer's final chain (each number once, the last block produced at that number), with the
/// times its node made each block safe and final; the reorg, forced-block and lag keys are the
/// sequencer's own `l2-reorg` and `l2-safe` lines; `batches.csv` is its `batch-posted` lines and
/// `deposits.csv` each deposit's first execution. Run with a batcher outage longer than a short
/// sequencing window, so that the chain is reorged onto forced blocks.
#[test]
fn settlement_outputs_follow_the_sequencers_heads_through_unsafe_reorgs() {
    let dir = scratch_dir("settlement-heads");
    let out = dir.to_str().expect("utf-8");
    let sets = [
        "duration_s=7200",
        "ethereum.seq_window_blocks=30",
        "fault.0.kind=withhold_batches",
        "fault.0.at_s=1200",
        "fault.0.for_s=1800",
    ];
    let mut args = vec!["run", "scenarios/settlement.toml", "--out", out, "--trace"];
    for set in &sets {
        args.extend(["--set", set]);
    }
    let output = hemisim(&args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for file in ["batches.csv", "l2_heads.png", "l2_heads.svg"] {
        assert!(dir.join(file).exists(), "{file} written");
    }
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect(name);
    let summary: serde_json::Value = serde_json::from_str(&read("summary.json")).expect("JSON");

    // The trace, as the sequencer saw it.
    let mut produced: std::collections::BTreeMap<u64, String> = Default::default();
    let mut safe: std::collections::BTreeMap<u64, (f64, String, bool)> = Default::default();
    let (mut reorgs, mut reorged_txs, mut deepest, mut posted, mut fees_wei) = (0u64, 0u64, 0u64, 0u64, 0u128);
    let mut deposits: Vec<(u64, u64)> = Vec::new();
    for line in read("trace.jsonl").lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("trace lines are JSON");
        if v["peer"] != "sequencer" {
            continue;
        }
        let at: f64 = v["t"].as_str().expect("a time").parse().expect("a number");
        let n = |key: &str| v[key].as_u64().unwrap_or_else(|| panic!("{key} in {line}"));
        let text = |key: &str| v[key].as_str().unwrap_or_else(|| panic!("{key} in {line}")).to_string();
        match v["event"].as_str() {
            Some("l2-block-produced") => {
                produced.insert(n("number"), text("hash"));
            }
            Some("l2-reorg") => {
                produced.retain(|&number, _| number <= n("to"));
                (reorgs, reorged_txs, deepest) = (reorgs + 1, reorged_txs + n("txs"), deepest.max(n("from") - n("to")));
            }
            Some("l2-safe") => {
                safe.entry(n("number")).or_insert((at, text("hash"), v["forced"] == true));
            }
            Some("batch-posted") => {
                (posted, fees_wei) = (posted + 1, fees_wei + text("fee_wei").parse::<u128>().expect("wei"))
            }
            Some("l2-deposit-included") => deposits.push((n("l1_number"), n("log_index"))),
            _ => {}
        }
    }
    assert!(reorgs > 10 && deepest >= 25, "the outage reorgs the chain: {reorgs} reorgs, deepest {deepest}");

    // l2_blocks.csv: the final chain, with safe times and lags from the header timestamps.
    let csv = read("l2_blocks.csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("column {name}"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let numbers: Vec<u64> = rows.iter().map(|r| r[col("number")].parse().expect("a number")).collect();
    assert_eq!(numbers, produced.keys().copied().collect::<Vec<_>>(), "each block of the final chain once, in order");
    let mut lags = Vec::new();
    for row in &rows {
        let number: u64 = row[col("number")].parse().expect("a number");
        assert_eq!(row[col("hash")], produced[&number], "block {number}: the last one produced");
        assert_eq!(row[col("timestamp_s")], format!("{}.000000", 12 * number), "block {number}'s timestamp");
        match safe.get(&number) {
            Some((at, hash, forced)) if *hash == produced[&number] => {
                let safe_at: f64 = row[col("safe_at_s")].parse().expect("a time");
                assert!((safe_at - at).abs() < 1e-6, "block {number} safe at {at}");
                assert_eq!(row[col("forced")], forced.to_string(), "block {number}");
                lags.push(safe_at - 12.0 * number as f64);
            }
            _ => assert_eq!(row[col("safe_at_s")], "", "block {number} is not safe"),
        }
    }
    let l2 = &summary["l2"];
    assert_eq!(l2["blocks"].as_u64(), Some(rows.len() as u64));
    assert_eq!(l2["safe_lag_s"]["count"].as_u64(), Some(lags.len() as u64));
    let mean = lags.iter().sum::<f64>() / lags.len() as f64;
    assert!((l2["safe_lag_s"]["mean"].as_f64().expect("a mean") - mean).abs() < 1e-6, "safe lag mean {mean}");
    let max = lags.iter().copied().fold(0.0, f64::max);
    assert!((l2["safe_lag_s"]["max"].as_f64().expect("a max") - max).abs() < 1e-6);
    // The safe head never lags more than the window (30 slots) and a slot of derivation.
    assert!(max <= 31.0 * 12.0, "safe lag max {max}");
    let forced = rows.iter().filter(|r| r[col("forced")] == "true").count() as u64;
    assert!(forced > 0);
    let counts = ["unsafe_reorgs", "reorgs", "reorg_depth_max", "reorged_txs", "forced_blocks"].map(|k| l2[k].as_u64());
    assert_eq!(counts, [reorgs, reorgs, deepest, reorged_txs, forced].map(Some));

    // batches.csv and the fees; deposits.csv at first inclusion.
    assert_eq!(read("batches.csv").lines().count() as u64, posted + 1, "a header and one row per batch-posted line");
    let eth = &summary["ethereum"];
    assert_eq!(eth["batches"].as_u64(), Some(posted));
    assert_eq!(eth["batcher_fees_gwei"].as_f64(), Some(fees_wei as f64 / 1e9));
    let mut first: Vec<(u64, u64)> = Vec::new();
    for d in deposits {
        if !first.contains(&d) {
            first.push(d);
        }
    }
    assert_eq!(read("deposits.csv").lines().count(), first.len() + 1, "each deposit once");
    assert_eq!(l2["deposit_latency_s"]["count"].as_u64(), Some(first.len() as u64));
}
