//! One seed, one world: every table and key of a scenario drawn from the seed alone.
//!
//! Swarm testing (Groce et al. 2012; TigerBeetle's VOPR) turns features on and off per world
//! rather than running every feature in every world: a world without censorship is where a
//! deposit escape is never blocked, a world with a 40% selfish pool and a superfinality depth of 2
//! is where superfinal history gets reverted. So each table is present with its own probability,
//! and its keys are drawn within their valid ranges (`scenarios/README.md`) with distributions
//! that favour hard worlds: short block intervals, deep reorgs, attackers, fee spikes,
//! censorship, faults, small mempools, tiny gas limits.
//!
//! Every world is short: one to four simulated hours, light L2 and Bitcoin load, so that it runs
//! in about a wall second in release. The draws come from one stream, `swarm/world`, derived from
//! the seed; the world then runs with the same seed. The result is loaded through
//! [`Draft::load`], the validation of `hemisim run`: a world the validator refuses is a bug of
//! this generator (the swarm reports it as one).

use super::draft::{Draft, table};
use crate::scenario::{HaMode, Scenario, ScenarioError, convergence_bound_s};
use hemisim_node::rng::Stream;
use toml::Value;

/// A world drawn from a seed: its file and the scenario it loads to.
#[derive(Debug, Clone)]
pub struct World {
    pub seed: u64,
    pub draft: Draft,
    pub scenario: Scenario,
}

/// Draws the world of `seed`. An error is a generator bug: it names the seed and the key.
pub fn generate(seed: u64) -> Result<World, ScenarioError> {
    let mut rng = Draws(Stream::derive(seed, "swarm/world"));
    let mut draft = Draft::new(vec![
        format!("hemisim swarm world {seed}: every key below was drawn from the seed by sim/src/swarm/generate.rs."),
        format!("Replay: hemisim swarm --seed {seed} --replay   (or: hemisim run THIS_FILE)"),
    ]);
    draft.set("name", format!("swarm-{seed}"));
    draft.set("seed", seed as i64);
    let duration_s = 1800 * rng.int(1, 8);
    draft.set("duration_s", duration_s as i64);
    bitcoin(&mut rng, &mut draft, duration_s);
    let l2 = rng.chance(0.8);
    if l2 {
        l2_stack(&mut rng, &mut draft, duration_s);
    }
    // Attackers are likelier where the tunnel's deposits can be double-spent.
    if rng.chance(if draft.has("tunnel") { 0.7 } else { 0.4 }) {
        attack(&mut rng, &mut draft);
    }
    if l2 && rng.chance(0.3) {
        censorship(&mut rng, &mut draft, duration_s);
    }
    // Features that joined the swarm later draw from a stream of their own, so every world
    // keeps the keys it was drawn with before they landed.
    let mut later = Draws(Stream::derive(seed, "swarm/world/later"));
    if l2 {
        sequencer_set(&mut later, &mut draft, duration_s);
        // A conducted set on a settlement chain joined later still, with a stream of its own:
        // a world that does not draw one (every world without `[ethereum]`) keeps its keys.
        settled_set(&mut Draws(Stream::derive(seed, "swarm/world/settled-set")), &mut draft, duration_s);
    }
    // Faults need the convergence bound, which depends on everything above.
    let source = format!("swarm world {seed}");
    let base = draft.load(&source)?;
    if rng.chance(0.5) {
        faults(&mut rng, &mut draft, &base);
    }
    let scenario = draft.load(&source)?;
    Ok(World { seed, draft, scenario })
}

/// The draws a generator makes: integer ranges, chances, log-uniform numbers rounded for reading.
struct Draws(Stream);

impl Draws {
    fn chance(&mut self, p: f64) -> bool {
        self.0.bernoulli(p)
    }

    /// Uniform in `lo..=hi`.
    fn int(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.0.below_inclusive(hi - lo)
    }

    /// Uniform in `[lo, hi]`, rounded to `step`.
    fn uniform(&mut self, lo: f64, hi: f64, step: f64) -> f64 {
        round(lo + self.0.unit() * (hi - lo), step).clamp(lo, hi)
    }

    /// Log-uniform in `[lo, hi]`, rounded to `step`.
    fn log(&mut self, lo: f64, hi: f64, step: f64) -> f64 {
        round(self.0.log_uniform(lo, hi), step).clamp(lo, hi)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.0.below_inclusive(items.len() as u64 - 1) as usize]
    }
}

/// `x` to a multiple of `step`, printed without binary noise (0.7, not 0.7000000000000001).
fn round(x: f64, step: f64) -> f64 {
    let (mut decimals, mut unit) = (0usize, step);
    while unit < 0.999 {
        unit *= 10.0;
        decimals += 1;
    }
    format!("{:.decimals$}", (x / step).round() * step).parse().expect("a formatted number parses")
}

fn strings(items: &[String]) -> Value {
    Value::Array(items.iter().map(|s| Value::from(s.as_str())).collect())
}

fn bitcoin(rng: &mut Draws, draft: &mut Draft, duration_s: u64) {
    // Mostly fast blocks: many of them (and many reorgs) per simulated hour.
    let interval_s = if rng.chance(0.75) { rng.log(15.0, 120.0, 1.0) } else { rng.log(120.0, 900.0, 10.0) };
    let mut t = table([
        ("block_interval_s", interval_s.into()),
        ("miners", (rng.int(1, 8) as i64).into()),
        (
            "propagation_delay_ms",
            (if rng.chance(0.15) { rng.int(5_000, 30_000) } else { rng.int(0, 4_000) } as i64).into(),
        ),
    ]);
    if rng.chance(0.4) {
        t.insert("propagation_jitter_ms".into(), (rng.int(1, 3_000) as i64).into());
    }
    let mut note = format!("Bitcoin: a block every {interval_s} s on average");
    if rng.chance(0.4) {
        t.insert("background_tx_rate_per_s".into(), rng.log(0.02, 0.5, 0.01).into());
        let min = rng.log(0.5, 20.0, 0.1);
        t.insert("background_fee_rate_min_sat_per_vb".into(), min.into());
        t.insert("background_fee_rate_max_sat_per_vb".into(), (min + rng.log(1.0, 200.0, 1.0)).into());
        note.push_str(", fee-paying background load");
        if rng.chance(0.3) {
            // Tiny blocks: the background load fills them and fees compete.
            t.insert("max_block_weight".into(), (rng.int(8, 100) as i64 * 1_000).into());
            note.push_str(", tiny blocks");
        }
    }
    if rng.chance(0.3) {
        let start_s = rng.uniform(0.0, duration_s as f64 / 2.0, 60.0);
        let min = rng.log(50.0, 400.0, 1.0);
        let spike = table([
            ("start_s", start_s.into()),
            ("duration_s", rng.uniform(600.0, duration_s as f64 / 2.0, 60.0).into()),
            ("tx_rate_per_s", rng.log(0.2, 2.0, 0.1).into()),
            ("fee_rate_min_sat_per_vb", min.into()),
            ("fee_rate_max_sat_per_vb", (min + rng.log(10.0, 2_000.0, 1.0)).into()),
        ]);
        t.insert("fee_spike".into(), Value::Table(spike));
        note.push_str(", a fee spike above PoP's usual cap");
        if !t.contains_key("max_block_weight") && rng.chance(0.5) {
            // Small blocks make the spike a real backlog: fee estimates climb over the caps.
            t.insert("max_block_weight".into(), (rng.int(8, 40) as i64 * 1_000).into());
            note.push_str(", small blocks");
        }
    }
    draft.add_table("bitcoin", t, note);
}

/// `[l2]` and what builds on it: users, PoP, the tunnel, the settlement layer.
fn l2_stack(rng: &mut Draws, draft: &mut Draft, duration_s: u64) {
    let ethereum = rng.chance(0.4);
    let block_time_s = if ethereum { rng.int(2, 12) as f64 } else { rng.log(1.0, 12.0, 0.5) };
    let mut l2 = table([("block_time_s", block_time_s.into()), ("verifiers", (rng.int(0, 3) as i64).into())]);
    let mut note = format!("the L2: a block every {block_time_s} s");
    // A settlement chain's blocks must hold the portal's guaranteed deposit gas (OP's minimum).
    if !ethereum && rng.chance(0.25) {
        l2.insert("gas_limit".into(), (rng.int(21, 200) as i64 * 1_000).into());
        note.push_str(", a tiny gas limit");
    }
    if rng.chance(0.2) {
        l2.insert("mempool_capacity".into(), (rng.int(1, 50) as i64).into());
        note.push_str(", a tiny mempool");
    }
    l2.insert("max_btc_headers_per_block".into(), (rng.int(1, 6) as i64).into());
    draft.add_table("l2", l2, note);
    let workload = rng.chance(0.85);
    if workload {
        let mut w = table([
            ("tx_rate_per_s", rng.log(0.1, 4.0, 0.1).into()),
            ("accounts", (rng.int(5, 300) as i64).into()),
            ("mix_transfer", rng.uniform(0.0, 1.0, 0.1).into()),
            ("mix_token", rng.uniform(0.0, 1.0, 0.1).into()),
            ("mix_hvm_call", rng.uniform(0.1, 1.0, 0.1).into()),
        ]);
        if ethereum && rng.chance(0.5) {
            w.insert("force_after_s".into(), rng.log(30.0, 1_200.0, 10.0).into());
        }
        draft.add_table("workload", w, "L2 users");
    }
    let pop = rng.chance(0.7);
    if pop {
        let depth = rng.int(0, 10) as i64;
        let mut p = table([
            ("keystone_interval_blocks", (rng.int(2, 25) as i64).into()),
            ("superfinality_depth", depth.into()),
            ("miners", (rng.int(0, 3) as i64).into()),
            ("fee_cap_sat_per_vb", rng.log(5.0, 200.0, 1.0).into()),
            ("wallet_coins", (rng.int(3, 200) as i64).into()),
        ]);
        if ethereum && rng.chance(0.3) {
            p.insert("keystone_source".into(), "safe".into());
        }
        draft.add_table("pop", p, format!("Proof-of-Proof, superfinal {depth} Bitcoin blocks deep"));
    }
    if rng.chance(0.45) {
        tunnel(rng, draft, duration_s, pop, ethereum);
    }
    if ethereum {
        settlement(rng, draft, block_time_s as u64);
    }
}

fn tunnel(rng: &mut Draws, draft: &mut Draft, duration_s: u64, pop: bool, ethereum: bool) {
    let policy = if pop && rng.chance(0.7) { "superfinal" } else { "immediate" };
    let mut t = table([
        ("deposit_confirmations", (rng.int(1, 6) as i64).into()),
        ("payout_policy", policy.into()),
        ("holders", (rng.int(2, 40) as i64).into()),
        ("deposit_rate_per_s", rng.log(0.002, 0.05, 0.001).into()),
        ("withdraw_rate_per_s", rng.log(0.001, 0.03, 0.001).into()),
    ]);
    if rng.chance(0.3) {
        let btc = rng.log(0.5, 100.0, 0.01);
        t.insert("treasury_btc".into(), btc.into());
        t.insert("treasury_deposit_at_s".into(), rng.uniform(0.0, duration_s as f64 / 3.0, 60.0).into());
        if rng.chance(0.6) {
            t.insert("treasury_withdraw_btc".into(), round(btc / 2.0, 0.01).max(0.01).into());
            t.insert(
                "treasury_withdraw_at_s".into(),
                rng.uniform(duration_s as f64 / 3.0, duration_s as f64 / 1.5, 60.0).into(),
            );
        }
    }
    if ethereum && rng.chance(0.4) {
        t.insert("force_after_s".into(), rng.log(30.0, 1_200.0, 10.0).into());
    }
    draft.add_table("tunnel", t, format!("the BTC tunnel, payouts {policy}"));
}

fn settlement(rng: &mut Draws, draft: &mut Draft, block_time_s: u64) {
    let window = rng.int(11, 200) as i64;
    // At least the L2 block time (one new L1 origin per L2 block at most), and long enough for a
    // batch to land within the batcher's safety margin over the drawn delays (the validator's
    // rule, `batcher_margin`).
    let slot_s = rng.int(block_time_s, 12).max(min_slot_s(draft));
    let t = table([
        ("slot_s", (slot_s as i64).into()),
        ("missed_slot_rate", rng.uniform(0.0, 0.3, 0.01).into()),
        ("finality_depth_blocks", (rng.int(2, 64) as i64).into()),
        ("seq_window_blocks", window.into()),
        ("max_sequencer_drift_s", (rng.int(60, 1_800) as i64).into()),
        ("channel_timeout_blocks", (rng.int(5, 50) as i64).into()),
        ("sequencer_l1_confs", (rng.int(0, 4) as i64).into()),
        ("batcher_enabled", rng.chance(0.95).into()),
        ("batcher_interval_s", rng.log(12.0, 180.0, 1.0).into()),
        ("deposit_rate_per_s", if rng.chance(0.5) { rng.log(0.005, 0.2, 0.001) } else { 0.0 }.into()),
    ]);
    draft.add_table(
        "ethereum",
        t,
        format!("the settlement layer on a mock Ethereum, a {window}-block sequencing window"),
    );
}

/// The shortest slot whose batcher safety margin (10 slots) outlasts a batch's way to the L1
/// over the drawn Bitcoin table's delays: a 6 s poll, two delays and a slot.
fn min_slot_s(draft: &Draft) -> u64 {
    let ms = |key: &str| draft.get("bitcoin").and_then(|b| b.get(key)).and_then(|v| v.as_integer()).unwrap_or(0) as u64;
    let delay_ms = ms("propagation_delay_ms") + ms("propagation_jitter_ms");
    // 10 s > 6 s + 2 d + s, in milliseconds: 9 000 s > 6 000 + 2 d.
    (6_000 + 2 * delay_ms) / 9_000 + 1
}

/// A sequencer set on an L2 without a settlement layer (those with one draw theirs in
/// [`settled_set`]): an op-conductor group whose leader crashes once, or a rotating set.
fn sequencer_set(rng: &mut Draws, draft: &mut Draft, duration_s: u64) {
    if draft.has("ethereum") {
        return;
    }
    if !rng.chance(0.3) {
        // Drawn after the conductor's chance, so a conductor world keeps every key it had.
        if rng.chance(0.2) {
            rotating_set(rng, draft, duration_s);
        }
        return;
    }
    conducted_set(rng, draft, duration_s);
}

/// A conducted set on a settlement chain (a rotating one is refused there), in three of ten
/// worlds with `[ethereum]`: every member derives, the leader batches.
fn settled_set(rng: &mut Draws, draft: &mut Draft, duration_s: u64) {
    if draft.has("ethereum") && rng.chance(0.3) {
        conducted_set(rng, draft, duration_s);
    }
}

/// An op-conductor group whose leader crashes once. Its elections need links well under its
/// 1 s heartbeat (ARCHITECTURE.md "The sequencer set"), so a set world's Bitcoin links are made
/// fast. Rotating sets are drawn rarely: with links near the block time or faults on members,
/// their members fork the chain (README, "Swarm testing").
fn conducted_set(rng: &mut Draws, draft: &mut Draft, duration_s: u64) {
    let delay_ms = rng.int(10, 250) as i64;
    if let Some(bitcoin) = draft.get_mut("bitcoin") {
        bitcoin.insert("propagation_delay_ms".into(), delay_ms.into());
        bitcoin.remove("propagation_jitter_ms");
    }
    let block_time_s = draft.get("l2").and_then(|l2| l2.get("block_time_s")).and_then(Value::as_float).unwrap_or(2.0);
    let count = rng.int(2, 5) as i64;
    let interval_s = (block_time_s * rng.uniform(1.0, 6.0, 0.5)).ceil();
    let t = table([("count", count.into()), ("ha", "conductor".into()), ("unsafe_interval_s", interval_s.into())]);
    draft.add_table("sequencer", t, format!("{count} sequencers in an op-conductor group"));
    let at_s = rng.uniform(60.0, duration_s as f64 * 0.4, 10.0);
    let crash = table([
        ("kind", "crash".into()),
        ("at_s", at_s.into()),
        ("for_s", rng.log(30.0, 600.0, 10.0).into()),
        ("peers", strings(&["sequencer".to_owned()])),
    ]);
    draft.push_table("fault", crash, "the conductor's first leader crashes");
}

/// A rotating set on the links as drawn (slow ones too: turns need no messages), one member
/// down for a while.
fn rotating_set(rng: &mut Draws, draft: &mut Draft, duration_s: u64) {
    let block_time_s = draft.get("l2").and_then(|l2| l2.get("block_time_s")).and_then(Value::as_float).unwrap_or(2.0);
    let count = rng.int(2, 5);
    let rotation_blocks = rng.int(1, 30) as i64;
    // Slots outlast the links (the scenario refuses a timeout a block on time may miss).
    let link_s = ["propagation_delay_ms", "propagation_jitter_ms"]
        .iter()
        .filter_map(|k| draft.get("bitcoin").and_then(|b| b.get(*k)).and_then(Value::as_integer))
        .sum::<i64>() as f64
        / 1000.0;
    let timeout_s = (block_time_s * rng.uniform(1.0, 4.0, 0.5)).max(2.0 * link_s + 1.0).floor() + 1.0;
    let t = table([
        ("count", (count as i64).into()),
        ("ha", "rotation".into()),
        ("rotation_blocks", rotation_blocks.into()),
        ("slot_timeout_s", timeout_s.into()),
    ]);
    draft.add_table("sequencer", t, format!("{count} sequencers taking turns of {rotation_blocks} blocks"));
    let member = rng.int(0, count - 1);
    let name = if member == 0 { "sequencer".to_owned() } else { format!("sequencer-{member}") };
    let crash = table([
        ("kind", "crash".into()),
        ("at_s", rng.uniform(60.0, duration_s as f64 * 0.4, 10.0).into()),
        ("for_s", rng.log(30.0, 600.0, 10.0).into()),
        ("peers", strings(&[name])),
    ]);
    draft.push_table("fault", crash, "a rotating member is down: its slots are skipped");
}

fn attack(rng: &mut Draws, draft: &mut Draft) {
    let share = rng.uniform(0.05, 0.45, 0.01);
    let mut t = table([("hashrate_share", share.into())]);
    let note = if rng.chance(0.5) {
        t.insert("kind".into(), "double-spend".into());
        if draft.has("tunnel") && rng.chance(0.6) {
            t.insert("target".into(), "tunnel".into());
        } else {
            t.insert("confirmations".into(), (rng.int(1, 6) as i64).into());
        }
        t.insert("give_up_deficit_blocks".into(), (rng.int(2, 30) as i64).into());
        format!("a double-spender with {:.0}% of the hash rate", share * 100.0)
    } else {
        t.insert("kind".into(), "selfish-mining".into());
        t.insert("gamma".into(), rng.uniform(0.0, 1.0, 0.05).into());
        format!("a selfish pool with {:.0}% of the hash rate: deep reorgs", share * 100.0)
    };
    draft.add_table("attack", t, note);
}

fn censorship(rng: &mut Draws, draft: &mut Draft, duration_s: u64) {
    let mut targets = vec!["accounts", "hvm_calls", "all"];
    if draft.has("workload") {
        targets.push("senders");
    }
    if draft.has("tunnel") {
        targets.push("tunnel_burns");
    }
    if draft.has("ethereum") {
        targets.push("deposits");
    }
    for _ in 0..rng.int(1, 2) {
        let target = rng.pick(&targets);
        let mut t = table([("target", target.into())]);
        match target {
            "senders" => _ = t.insert("share".into(), rng.uniform(0.05, 1.0, 0.05).into()),
            "accounts" => {
                let accounts = draft.get("workload").and_then(|w| w.get("accounts")).and_then(Value::as_integer);
                let account = match accounts {
                    Some(n) => format!("user:{}", rng.int(0, n as u64 - 1)),
                    None => "0x00000000000000000000000000000000000000aa".to_owned(),
                };
                t.insert("accounts".into(), strings(&[account]));
            }
            _ => {}
        }
        if target != "deposits" && rng.chance(0.4) {
            t.insert("mode".into(), "delay".into());
            t.insert("delay_s".into(), rng.log(10.0, 1_800.0, 1.0).into());
        }
        t.insert("start_s".into(), rng.uniform(0.0, duration_s as f64 / 2.0, 60.0).into());
        if rng.chance(0.6) {
            t.insert("duration_s".into(), rng.uniform(300.0, duration_s as f64 / 2.0, 60.0).into());
        }
        draft.push_table("censor", t, "a censoring sequencer");
    }
}

/// One to three faults, each ending at least the convergence bound (and a margin) before the
/// end, so that the liveness phase has time to judge the heal.
fn faults(rng: &mut Draws, draft: &mut Draft, base: &Scenario) {
    let duration_s = base.duration_s as f64;
    let latest_end_s = duration_s - convergence_bound_s(base) - 60.0;
    let mut kinds = vec!["partition", "crash", "loss", "slow", "clock_skew"];
    if base.l2.is_some() {
        kinds.push("halt");
    }
    if base.ethereum.is_some() {
        kinds.push("withhold_batches");
    }
    if base.sequencer.as_ref().is_some_and(|set| set.ha == HaMode::Conductor) {
        kinds.push("bad_handoff");
    }
    for _ in 0..rng.int(1, 3) {
        let kind = rng.pick(&kinds);
        let at_s = rng.uniform(60.0, duration_s * 0.5, 10.0);
        let for_s = rng.log(30.0, 3_600.0, 10.0).min(latest_end_s - at_s).floor();
        if for_s < 1.0 {
            continue;
        }
        let mut t = table([("kind", kind.into()), ("at_s", at_s.into()), ("for_s", for_s.into())]);
        match kind {
            "partition" => _ = t.insert("groups".into(), partition_groups(rng, base)),
            "crash" => _ = t.insert("peers".into(), strings(&[crash_target(rng, base)])),
            "halt" | "withhold_batches" | "bad_handoff" => {}
            _ => _ = t.insert("peers".into(), strings(&[any_target(rng, base)])),
        }
        match kind {
            "loss" => _ = t.insert("probability".into(), rng.uniform(0.05, 1.0, 0.05).into()),
            "slow" => _ = t.insert("extra_ms".into(), rng.log(50.0, 30_000.0, 10.0).into()),
            "clock_skew" => {
                let skew = rng.log(100.0, 600_000.0, 100.0);
                t.insert("skew_ms".into(), if rng.chance(0.5) { skew } else { -skew }.into());
            }
            _ => {}
        }
        draft.push_table("fault", t, "faults of peers, links and the sequencer");
    }
}

/// Groups of a partition: part of the miners alone, or with some of the L2.
fn partition_groups(rng: &mut Draws, s: &Scenario) -> Value {
    let miners = s.bitcoin.miners as u64;
    let split = if miners > 1 { format!("miners:0..{}", rng.int(1, miners - 1)) } else { "miners".to_owned() };
    let mut first = vec![split];
    if s.l2.is_some() && rng.chance(0.5) {
        first.push("sequencer".to_owned());
    }
    let mut groups = vec![strings(&first)];
    if s.l2.as_ref().is_some_and(|l2| l2.verifiers > 0) && rng.chance(0.4) {
        groups.push(strings(&["verifiers".to_owned()]));
    }
    Value::Array(groups)
}

/// Someone who can crash: a miner, a verifier, a PoP miner, the sequencer or the observer.
fn crash_target(rng: &mut Draws, s: &Scenario) -> String {
    let mut targets = vec![format!("miners:{}", rng.int(0, s.bitcoin.miners as u64 - 1)), "observer".to_owned()];
    if let Some(l2) = &s.l2 {
        targets.push("sequencer".to_owned());
        if s.sequencer.as_ref().is_some_and(|set| set.is_set()) {
            targets.push("sequencer-1".to_owned());
        }
        if l2.verifiers > 0 {
            targets.push("verifiers".to_owned());
        }
    }
    if s.pop.as_ref().is_some_and(|p| p.miners > 0) {
        targets.push("pop-miners:0".to_owned());
    }
    rng.pick(&targets.iter().map(String::as_str).collect::<Vec<_>>()).to_owned()
}

/// Someone whose links or clock can fail: any crashable peer, a share of the miners, or all.
fn any_target(rng: &mut Draws, s: &Scenario) -> String {
    match rng.int(0, 3) {
        0 => "all".to_owned(),
        1 => format!("miners:{}%", rng.int(1, 10) * 10),
        _ => crash_target(rng, s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_world_of_a_range_is_valid_and_drawn_from_its_seed_alone() {
        for seed in 0..300 {
            let world = generate(seed).unwrap_or_else(|e| panic!("generator bug at seed {seed}: {e}"));
            assert_eq!(world.scenario.seed, seed);
            let again = generate(seed).expect("valid once, valid twice");
            assert_eq!(again.draft.render(), world.draft.render(), "seed {seed}");
        }
    }

    #[test]
    fn the_swarm_favours_hard_worlds() {
        let worlds: Vec<Scenario> = (0..200).map(|s| generate(s).expect("valid").scenario).collect();
        let share = |f: &dyn Fn(&Scenario) -> bool| worlds.iter().filter(|w| f(w)).count() as f64 / worlds.len() as f64;
        assert!(share(&|w| w.bitcoin.block_interval_s <= 120.0) > 0.6);
        assert!(share(&|w| w.attack.is_some()) > 0.3);
        assert!(share(&|w| !w.fault.is_empty()) > 0.3);
        assert!(share(&|w| !w.censor.is_empty()) > 0.1);
        assert!(share(&|w| w.ethereum.is_some()) > 0.2);
        assert!(share(&|w| w.tunnel.is_some()) > 0.2);
        for kind in ["partition", "crash", "loss", "slow", "clock_skew", "halt", "withhold_batches"] {
            assert!(share(&|w| w.fault.iter().any(|f| f.kind.as_str() == kind)) > 0.0, "{kind}");
        }
    }
}
