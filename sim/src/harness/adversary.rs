//! The scenario's `[[censor]]` and `[[fault]]` tables as the sequencer's configuration: its
//! censorship rules (the censored senders drawn from the seed) and its fault windows; and an
//! `[attack] kind = "equivocate"` as its equivocation plan.

use crate::scenario::peers::{self, Roles};
use crate::scenario::{AttackKind, CensorConfig, CensorMode, CensorTarget, FaultKind, Scenario};
use hemisim_node::l2::censor::{self, CensorRule, Censorship};
use hemisim_node::l2::genesis::READER;
use hemisim_node::l2::sequencer::EquivocationPlan;
use hemisim_node::l2::tx::Address;
use hemisim_node::l2::workload::account_address;
use hemisim_node::rng::Stream;
use hemisim_node::time::{SimDuration, SimTime};
use std::collections::BTreeSet;

/// The sequencer's censorship rules, in the scenario's order.
pub fn censorship(scenario: &Scenario, seed: u64) -> Censorship {
    let rules = scenario.censor.iter().enumerate().map(|(index, c)| rule(index, c, scenario, seed)).collect();
    Censorship::new(rules)
}

/// Member `m`'s rules in a sequencer set: those naming another member never hold anything (they
/// keep their place, so rule numbers stay the scenario's).
pub fn member_censorship(scenario: &Scenario, seed: u64, m: u32) -> Censorship {
    let rules = scenario
        .censor
        .iter()
        .enumerate()
        .map(|(index, c)| {
            let mut rule = rule(index, c, scenario, seed);
            if c.sequencer.is_some_and(|named| named != m) {
                rule.start = SimTime::ZERO;
                rule.end = Some(SimTime::ZERO);
            }
            rule
        })
        .collect();
    Censorship::new(rules)
}

fn rule(index: usize, c: &CensorConfig, scenario: &Scenario, seed: u64) -> CensorRule {
    let target = match c.target {
        CensorTarget::Senders => censor::CensorTarget::Senders(censored_senders(index, c.share, scenario, seed)),
        CensorTarget::Accounts => censor::CensorTarget::Senders(
            c.accounts
                .iter()
                .map(|a| crate::scenario::parse_account(a, scenario).expect("the scenario checked every account"))
                .collect(),
        ),
        CensorTarget::HvmCalls => censor::CensorTarget::Calls(READER),
        CensorTarget::TunnelBurns => censor::CensorTarget::TunnelBurns,
        CensorTarget::Deposits => censor::CensorTarget::Deposits,
        CensorTarget::All => censor::CensorTarget::All,
    };
    let mode = match c.mode {
        CensorMode::Drop => censor::CensorMode::Drop,
        CensorMode::Delay => censor::CensorMode::Delay(SimDuration::from_secs_f64(c.delay_s)),
    };
    let start = at(c.start_s);
    let end = (c.duration_s > 0.0).then(|| at(c.start_s + c.duration_s));
    CensorRule { target, mode, start, end }
}

/// `share` of the workload's accounts (rounded, at least one), drawn from the seed by rule: a
/// partial Fisher-Yates shuffle of the account indices.
fn censored_senders(index: usize, share: f64, scenario: &Scenario, seed: u64) -> BTreeSet<Address> {
    let accounts = scenario.workload.as_ref().map_or(0, |w| w.accounts);
    let count = ((share * f64::from(accounts)).round() as u32).clamp(1, accounts);
    let mut rng = Stream::derive(seed, &format!("censor/{index}/senders"));
    let mut indices: Vec<u32> = (0..accounts).collect();
    for i in 0..count as usize {
        let j = i + rng.below_inclusive((indices.len() - 1 - i) as u64) as usize;
        indices.swap(i, j);
    }
    indices[..count as usize].iter().map(|&i| account_address(i)).collect()
}

/// The windows `[start, end)` of the scenario's faults of `kind`.
pub fn fault_windows(scenario: &Scenario, kind: FaultKind) -> Vec<(SimTime, SimTime)> {
    scenario.fault.iter().filter(|f| f.kind == kind).map(|f| (at(f.at_s), at(f.at_s + f.for_s))).collect()
}

/// Member `m`'s `halt` windows in a sequencer set: a halt naming members (`"sequencer-K"`,
/// `"sequencer-0"` for member 0) halts those; `"sequencer"` (the default, as before sets) or the
/// group `"sequencers"` halts every member.
pub fn member_halts(scenario: &Scenario, m: u32) -> Vec<(SimTime, SimTime)> {
    let hits = |peer: &str| match peer {
        "sequencer" | "sequencers" => true,
        "sequencer-0" => m == 0,
        _ => crate::scenario::override_member(peer) == Some(m),
    };
    scenario
        .fault
        .iter()
        .filter(|f| f.kind == FaultKind::Halt && f.peers.iter().any(|p| hits(p)))
        .map(|f| (at(f.at_s), at(f.at_s + f.for_s)))
        .collect()
}

fn at(s: f64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs_f64(s)
}

/// `[attack] kind = "equivocate"` as the sequencer's plan (the peers that get blocks A drawn from
/// the seed when a selector takes a share); `kind = "rewrite"` as the same plan for its
/// `depth_l2_blocks` blocks, gossiped to every peer, marked as a rewrite.
pub fn equivocation(scenario: &Scenario, seed: u64) -> Option<EquivocationPlan> {
    let attack = scenario.attack.as_ref()?;
    if attack.kind == AttackKind::Rewrite {
        return Some(EquivocationPlan {
            start: at(attack.at_s),
            blocks: attack.depth_l2_blocks,
            gossip_to: None,
            rewrite: true,
        });
    }
    if attack.kind != AttackKind::Equivocate {
        return None;
    }
    let gossip_to = (!attack.equivocate_peers.is_empty()).then(|| {
        let mut rng = Stream::derive(seed, "equivocate/peers");
        peers::resolve(&attack.equivocate_peers, &Roles::of(scenario), &mut rng).into_iter().collect()
    });
    Some(EquivocationPlan { start: at(attack.at_s), blocks: attack.equivocate_blocks, gossip_to, rewrite: false })
}

/// The windows during which the equivocating (or rewriting) sequencer's batcher holds its batches
/// back.
pub fn batch_holds(scenario: &Scenario) -> Vec<(SimTime, SimTime)> {
    let attack = scenario
        .attack
        .as_ref()
        .filter(|a| matches!(a.kind, AttackKind::Equivocate | AttackKind::Rewrite) && a.hold_batches_s > 0.0);
    attack.map(|a| (at(a.at_s), at(a.at_s + a.hold_batches_s))).into_iter().collect()
}
