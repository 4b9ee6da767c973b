//! Shrinking a failing world: smaller variants of its scenario, kept while the same violation
//! persists, until no variant keeps it (or the budget of runs is spent).
//!
//! Variants, most shrinking first: drop a whole table (the L2 with everything built on it, the
//! settlement layer, the tunnel, PoP, the users, the attacker, the fee spike, each censor rule
//! and each fault), halve the duration, halve the miners, one verifier or PoP miner fewer, halve
//! the users' rate. A variant the validator refuses (a fault that names a peer no longer there)
//! is skipped. "The same violation" is [`Judged::signature`]: the verdict and the first message
//! with its numbers masked. Each variant keeps the world's seed.

use super::draft::Draft;
use super::verdict::Judged;
use crate::scenario::Scenario;
use toml::Value;

/// The smallest failing variant found.
#[derive(Debug, Clone)]
pub struct Shrunk {
    pub draft: Draft,
    pub scenario: Scenario,
    pub judged: Judged,
    /// Variants run.
    pub runs: usize,
}

impl Shrunk {
    /// The top-level tables of its file (`[bitcoin]`, `[[fault]]` counted once).
    pub fn tables(&self) -> usize {
        self.draft.table.values().filter(|v| v.is_table() || v.is_array()).count()
    }
}

/// Shrinks `draft` (which fails as `failing` says) by running variants with `run`, at most
/// `budget` of them.
pub fn shrink(
    draft: &Draft,
    failing: &Judged,
    budget: usize,
    source: &str,
    run: impl Fn(&Scenario) -> Judged,
) -> Option<Shrunk> {
    let target = failing.signature();
    let mut best: Option<Shrunk> = None;
    let mut current = draft.clone();
    let mut runs = 0;
    'outer: while runs < budget {
        for candidate in variants(&current) {
            let Ok(scenario) = candidate.load(source) else { continue };
            if runs == budget {
                break 'outer;
            }
            runs += 1;
            let judged = run(&scenario);
            if judged.signature() == target {
                current = candidate.clone();
                best = Some(Shrunk { draft: candidate, scenario, judged, runs });
                continue 'outer;
            }
        }
        break;
    }
    best.map(|b| Shrunk { runs, ..b })
}

/// The variants of a draft, most shrinking first.
pub fn variants(draft: &Draft) -> Vec<Draft> {
    let mut out = Vec::new();
    let without = |names: &[&str]| {
        let mut d = draft.clone();
        names.iter().for_each(|n| d.remove(n));
        d
    };
    if draft.has("l2") {
        // Every table that needs an [l2] goes with it.
        out.push(without(&["l2", "workload", "pop", "tunnel", "ethereum", "censor", "sequencer"]));
    }
    for name in ["ethereum", "tunnel", "pop", "workload", "attack", "sequencer"] {
        if draft.has(name) {
            out.push(without(&[name]));
        }
    }
    if let Some(bitcoin) = draft.get("bitcoin").filter(|b| b.contains_key("fee_spike")) {
        let mut d = draft.clone();
        let mut b = bitcoin.clone();
        b.remove("fee_spike");
        d.table.insert("bitcoin".into(), Value::Table(b));
        out.push(d);
    }
    for name in ["censor", "fault"] {
        let count = draft.table.get(name).and_then(Value::as_array).map_or(0, Vec::len);
        for i in 0..count {
            out.push(without_item(draft, name, i));
        }
    }
    if let Some(duration) = draft.table.get("duration_s").and_then(Value::as_integer).filter(|&d| d >= 1200) {
        let mut d = draft.clone();
        d.set("duration_s", duration / 2);
        out.push(d);
    }
    out.extend(halved(draft, "bitcoin", "miners", 1, |n| n / 2));
    out.extend(halved(draft, "l2", "verifiers", 0, |n| n - 1));
    out.extend(halved(draft, "pop", "miners", 0, |n| n - 1));
    if let Some(rate) = draft.get("workload").and_then(|w| w.get("tx_rate_per_s")).and_then(Value::as_float) {
        let mut d = draft.clone();
        if let Some(Value::Table(w)) = d.table.get_mut("workload") {
            w.insert("tx_rate_per_s".into(), (rate / 2.0).into());
        }
        out.push(d);
    }
    out
}

/// `draft` without item `index` of the array of tables `name` (the array gone with its last).
fn without_item(draft: &Draft, name: &str, index: usize) -> Draft {
    let mut d = draft.clone();
    let empty = match d.table.get_mut(name) {
        Some(Value::Array(items)) => {
            items.remove(index);
            items.is_empty()
        }
        _ => false,
    };
    if empty {
        d.remove(name);
    }
    d
}

/// `draft` with integer `table.key` made smaller by `smaller`, when it is above `floor`.
fn halved(draft: &Draft, table: &str, key: &str, floor: i64, smaller: fn(i64) -> i64) -> Option<Draft> {
    let value = draft.get(table)?.get(key)?.as_integer().filter(|&n| n > floor)?;
    let mut d = draft.clone();
    if let Some(Value::Table(t)) = d.table.get_mut(table) {
        t.insert(key.into(), smaller(value).max(floor).into());
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::swarm::generate::generate;
    use crate::swarm::verdict::Verdict;

    #[test]
    fn variants_are_smaller_and_every_valid_one_loads() {
        let world = (0..50)
            .map(|s| generate(s).expect("valid"))
            .find(|w| w.scenario.fault.len() >= 2)
            .expect("a world with faults");
        let variants = variants(&world.draft);
        assert!(variants.len() >= 4, "{}", variants.len());
        assert!(
            variants
                .iter()
                .all(|v| v.render().len() < world.draft.render().len() || v.table.len() <= world.draft.table.len())
        );
        assert!(variants.iter().any(|v| v.load("variant").is_ok()));
    }

    #[test]
    fn shrinking_keeps_the_violation_and_stops_at_the_smallest() {
        let world = (0..50)
            .map(|s| generate(s).expect("valid"))
            .find(|w| w.scenario.l2.is_some() && w.scenario.attack.is_some())
            .expect("an L2 world with an attacker");
        // A stand-in judge: "fails" exactly while the world has an attacker.
        let judge = |s: &Scenario| Judged {
            verdict: if s.attack.is_some() { Verdict::Safety } else { Verdict::Ok },
            message: s.attack.as_ref().map(|_| "attacker present 3".to_owned()),
            scenario_hash: String::new(),
            trace_hash: None,
            wall_s: 0.0,
            covered: Vec::new(),
        };
        let failing = judge(&world.scenario);
        let shrunk = shrink(&world.draft, &failing, 200, "test", judge).expect("it shrinks");
        assert!(shrunk.scenario.attack.is_some() && shrunk.scenario.l2.is_none(), "{}", shrunk.draft.render());
        assert!(shrunk.tables() <= 2, "{}", shrunk.draft.render());
        assert_eq!(shrunk.judged.signature(), failing.signature());
    }
}
