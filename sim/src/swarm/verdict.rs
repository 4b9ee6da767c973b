//! A world's verdict, from its run's exit class, and the rules that turn a checker firing on a
//! real property of the protocol into a measured *finding* instead of a failure.
//!
//! A finding is not a bug of the simulator and not hidden either: it is counted in `swarm.json`
//! (`findings`) and written in `swarm.csv` as `finding:<rule>`. The rules, each narrow enough
//! that a real bug does not slip through:
//!
//! - **`reorg-beyond-superfinality`**: every safety violation of the run is a superfinality
//!   revert, and the observer went through a Bitcoin reorg that disconnected more than
//!   `pop.superfinality_depth` blocks. Superfinality is a promise about reorgs up to that depth
//!   (Hemi's BFG rule); a deeper reorg (a selfish pool with a large share, a long partition)
//!   reverts it by construction, which is what the checker then measures.
//! - **`pop-priced-out`**: every liveness violation is Proof-of-Proof's "no L2 block became
//!   superfinal", the scenario's `[bitcoin.fee_spike]` bids up to at least `pop.fee_cap_sat_per_vb`,
//!   and the PoP miners' fee estimate did go over their cap during the run (`pop_fee_over_cap`).
//!   A PoP miner never pays more than its cap (Hemi's popm), so while the spike's transactions
//!   (and, in small blocks, their backlog long after it) outbid it, no keystone is published
//!   and nothing becomes superfinal: the price of the cap, which the checker then measures
//!   (swarm worlds 165 and 250: 2 000 to 3 000 vB blocks under spikes to 206 and 504 sat/vB).
//! - **`no-batches-frozen-view`**: the liveness violation is a tunnel deposit never minted, the
//!   scenario's batcher is off for the whole run (`ethereum.batcher_enabled = false`), and the
//!   deposit's mint needs a Bitcoin view (its height + `deposit_confirmations` - 1 indexed, so
//!   `INDEXER_TIP_LAG` more headers) above the highest one any block of the sequencer's final
//!   chain carries. Without batches every block of the canonical chain is a forced deposit-only
//!   block, which carries no Bitcoin attributes (Hemi sequences them as a transaction;
//!   docs/protocol.md §7), so the chain's Bitcoin view never leaves genesis; after each forced
//!   reorg the sequencer's unsafe chain carries headers again from there,
//!   `max_btc_headers_per_block` per block, and reaches at most about a sequencing window of
//!   blocks times that many (worlds 1001 and 1104). A deposit above that view cannot mint on
//!   any chain the run holds; one the view covers and that never minted stays a failure.

use super::coverage::Event;
use crate::areas::tunnel::checks::unminted_deposit_height;
use crate::harness::runner::{RunError, RunOutput};
use crate::harness::violation::{Violation, ViolationKind};
use crate::scenario::Scenario;
use hemisim_node::l2::btc_view::INDEXER_TIP_LAG;

/// How one world ended, worst first when several apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every checker passed.
    Ok,
    /// A checker fired on a real property of the protocol (see the module header).
    Finding(&'static str),
    /// A safety invariant failed (exit class 1).
    Safety,
    /// A liveness check failed (exit class 3).
    Liveness,
    /// The run did not complete: the simulation panicked or its output failed (exit class 4).
    CouldNotComplete,
    /// The world ran twice with different trace hashes.
    Nondeterminism,
    /// The generator drew a world the scenario validator refuses.
    GeneratorBug,
}

impl Verdict {
    /// As written in `swarm.csv`.
    pub fn name(&self) -> String {
        match self {
            Verdict::Ok => "ok".to_owned(),
            Verdict::Finding(rule) => format!("finding:{rule}"),
            Verdict::Safety => "safety".to_owned(),
            Verdict::Liveness => "liveness".to_owned(),
            Verdict::CouldNotComplete => "could-not-complete".to_owned(),
            Verdict::Nondeterminism => "nondeterminism".to_owned(),
            Verdict::GeneratorBug => "generator-bug".to_owned(),
        }
    }

    /// Whether the world failed (a finding and ok did not).
    pub fn is_failure(&self) -> bool {
        !matches!(self, Verdict::Ok | Verdict::Finding(_))
    }
}

/// A run judged: its verdict, the message that explains it, and what it measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub verdict: Verdict,
    /// The first violation or error behind a failure or finding.
    pub message: Option<String>,
    pub scenario_hash: String,
    pub trace_hash: Option<String>,
    pub wall_s: f64,
    pub covered: Vec<Event>,
}

impl Judged {
    /// What identifies the failure while shrinking: the verdict and the first message with every
    /// number, hash and index masked (`verifier-1 disagrees with L2 block 12` and `verifier-0
    /// disagrees with L2 block 7` are the same violation).
    pub fn signature(&self) -> (String, String) {
        (self.verdict.name(), self.message.as_deref().map(mask_numbers).unwrap_or_default())
    }
}

/// Judges a finished (or failed) run of `scenario`.
pub fn judge(scenario: &Scenario, output: &Result<RunOutput, RunError>) -> Judged {
    let output = match output {
        Ok(output) => output,
        Err(e) => {
            return Judged {
                verdict: Verdict::CouldNotComplete,
                message: Some(e.to_string()),
                scenario_hash: scenario.hash_hex(),
                trace_hash: None,
                wall_s: 0.0,
                covered: Vec::new(),
            };
        }
    };
    let (verdict, message) = classify(scenario, output);
    Judged {
        verdict,
        message,
        scenario_hash: output.record.meta.scenario_hash.clone(),
        trace_hash: Some(output.record.meta.trace_hash.clone()),
        wall_s: output.record.perf.wall_time_s,
        covered: output.covered.clone(),
    }
}

fn classify(scenario: &Scenario, output: &RunOutput) -> (Verdict, Option<String>) {
    let deepest = output.record.btc.reorgs.iter().map(|r| r.depth).max().unwrap_or(0);
    let btc_view =
        output.record.l2.as_ref().map_or(0, |l2| l2.blocks.iter().map(|b| b.btc_tip_height).max().unwrap_or(0));
    classify_parts(scenario, &output.violations, &output.covered, Facts { deepest, btc_view })
}

/// What the rules read of a run's record besides its violations.
#[derive(Debug, Clone, Copy)]
struct Facts {
    /// The observer's deepest Bitcoin reorg (blocks disconnected).
    deepest: u32,
    /// The highest Bitcoin tip any block of the sequencer's final L2 chain carries.
    btc_view: u32,
}

/// [`classify`] on what it reads of a run: its violations, the rare events it reached and
/// [`Facts`] of its record.
fn classify_parts(
    scenario: &Scenario,
    violations: &[Violation],
    covered: &[Event],
    facts: Facts,
) -> (Verdict, Option<String>) {
    let deepest = facts.deepest;
    let of_kind = |kind| violations.iter().filter(move |v: &&Violation| v.kind == kind);
    let safety: Vec<&Violation> = of_kind(ViolationKind::Safety).collect();
    let deep = reorg_beyond_superfinality(scenario, deepest, &safety);
    let explained = |v: &Violation| deep && is_superfinality_revert(v);
    if let Some(v) = safety.iter().find(|v| !explained(v)) {
        return (Verdict::Safety, Some(v.message.clone()));
    }
    let priced_out = pop_priced_out(scenario, covered);
    let liveness_rule = |v: &Violation| {
        if priced_out && is_no_superfinality(v) {
            Some("pop-priced-out")
        } else if above_frozen_view(scenario, facts.btc_view, v) {
            Some("no-batches-frozen-view")
        } else {
            None
        }
    };
    if let Some(v) = of_kind(ViolationKind::Liveness).find(|v| liveness_rule(v).is_none()) {
        return (Verdict::Liveness, Some(v.message.clone()));
    }
    let rule = match safety.first() {
        None => match of_kind(ViolationKind::Liveness).find_map(|v| liveness_rule(v).map(|rule| (rule, v))) {
            Some((rule, v)) => return (Verdict::Finding(rule), Some(v.message.clone())),
            None => return (Verdict::Ok, None),
        },
        Some(_) => "reorg-beyond-superfinality",
    };
    (Verdict::Finding(rule), safety.first().map(|v| v.message.clone()))
}

/// The `reorg-beyond-superfinality` rule's condition: the observer's deepest Bitcoin reorg
/// disconnected more blocks than the superfinality depth.
fn reorg_beyond_superfinality(scenario: &Scenario, deepest: u32, safety: &[&Violation]) -> bool {
    let Some(pop) = &scenario.pop else { return false };
    safety.iter().any(|v| is_superfinality_revert(v)) && deepest > pop.superfinality_depth
}

/// The `pop-priced-out` rule's condition: a fee spike bidding at least the PoP miners' cap, and
/// their estimate over the cap at some point of the run.
fn pop_priced_out(scenario: &Scenario, covered: &[Event]) -> bool {
    let Some(pop) = &scenario.pop else { return false };
    let spike_outbids =
        scenario.bitcoin.fee_spike.as_ref().is_some_and(|f| f.fee_rate_max_sat_per_vb >= pop.fee_cap_sat_per_vb);
    spike_outbids && covered.contains(&Event::PopFeeOverCap)
}

/// The `no-batches-frozen-view` rule's condition: `v` is a deposit never minted, the batcher is
/// off for the run, and the deposit's mint needs a Bitcoin view above `btc_view`, the highest
/// the final chain carries.
fn above_frozen_view(scenario: &Scenario, btc_view: u32, v: &Violation) -> bool {
    let batcher_off = scenario.ethereum.as_ref().is_some_and(|e| !e.batcher_enabled);
    let (Some(tunnel), Some(height)) = (&scenario.tunnel, unminted_deposit_height(&v.message)) else {
        return false;
    };
    // The mint's block must index height + confirmations - 1, INDEXER_TIP_LAG below its tip.
    let needs = u64::from(height.0) + u64::from(tunnel.deposit_confirmations.max(1)) - 1 + u64::from(INDEXER_TIP_LAG);
    batcher_off && needs > u64::from(btc_view)
}

fn is_no_superfinality(v: &Violation) -> bool {
    v.message.starts_with("no L2 block became superfinal")
}

fn is_superfinality_revert(v: &Violation) -> bool {
    v.message.starts_with("superfinality reverted")
}

/// Every run of characters that holds a digit (within a word of letters, digits, `x`, `.`)
/// becomes `#`.
fn mask_numbers(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.chars().any(|c| c.is_ascii_digit()) {
            out.push('#');
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in message.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FACTS: Facts = Facts { deepest: 1, btc_view: 0 };

    #[test]
    fn masked_messages_compare_equal_across_peers_and_numbers() {
        assert_eq!(
            mask_numbers("verifier-1 disagrees with L2 block 12 at t=3.5s: header field state_root"),
            "verifier-# disagrees with # block # at t=#: header field state_root"
        );
        assert_eq!(mask_numbers("0xab12 and 7f"), "# and #");
    }

    /// `pop-priced-out`: no superfinality under a fee spike that outbids the PoP miners' cap,
    /// once their estimate went over it; without the spike, or with another liveness failure, a
    /// failure as before.
    #[test]
    fn no_superfinality_under_a_spike_over_the_pop_fee_cap_is_a_finding() {
        let world = |spike_max: f64| {
            let text = format!(
                "name = \"t\"\nseed = 1\nduration_s = 3600\n[bitcoin]\n[bitcoin.fee_spike]\nstart_s = 360.0\nduration_s = 1440.0\ntx_rate_per_s = 1.3\nfee_rate_min_sat_per_vb = 185.0\nfee_rate_max_sat_per_vb = {spike_max}\n[l2]\n[pop]\nfee_cap_sat_per_vb = 200.0\n"
            );
            Scenario::from_toml_str(&text, "t.toml", &[]).expect("a valid scenario")
        };
        let starved =
            Violation::liveness("no L2 block became superfinal in 3600 s (expected within about 1146 s)".to_owned());
        let over_cap = [Event::PopFeeOverCap];
        let (verdict, message) = classify_parts(&world(206.0), std::slice::from_ref(&starved), &over_cap, FACTS);
        assert_eq!(verdict, Verdict::Finding("pop-priced-out"));
        assert_eq!(message.as_deref(), Some(starved.message.as_str()));
        assert_eq!(
            classify_parts(&world(199.0), std::slice::from_ref(&starved), &over_cap, FACTS).0,
            Verdict::Liveness
        );
        assert_eq!(classify_parts(&world(206.0), std::slice::from_ref(&starved), &[], FACTS).0, Verdict::Liveness);
        let other = Violation::liveness("verifier-0 holds 3 of the 9 L2 blocks".to_owned());
        assert_eq!(classify_parts(&world(206.0), &[starved, other], &over_cap, FACTS).0, Verdict::Liveness);
        assert_eq!(classify_parts(&world(206.0), &[], &over_cap, FACTS).0, Verdict::Ok);
    }

    /// `no-batches-frozen-view`: a deposit never minted whose mint needs a Bitcoin view above
    /// the final chain's, with the batcher off for the run (worlds 1001 and 1104); with the
    /// batcher on, or a view that covered the deposit (a real lost mint), a failure.
    #[test]
    fn an_unminted_deposit_above_the_frozen_view_of_a_batcherless_chain_is_a_finding() {
        let world = |batcher: bool| {
            let text = format!(
                "name = \"t\"\nseed = 1\nduration_s = 3600\n[bitcoin]\n[l2]\n[ethereum]\nbatcher_enabled = {batcher}\n[tunnel]\ndeposit_confirmations = 2\npayout_policy = \"immediate\"\n"
            );
            Scenario::from_toml_str(&text, "t.toml", &[]).expect("a valid scenario")
        };
        let unminted = Violation::liveness(
            "tunnel deposit 7c90:0 at Bitcoin height 79 never minted (261 confirmations at the end)".to_owned(),
        );
        assert_eq!(unminted_deposit_height(&unminted.message).map(|h| h.0), Some(79));
        // Minting it needs 79 + 2 - 1 indexed, so a view at 82.
        let view = |btc_view| Facts { deepest: 1, btc_view };
        let one = std::slice::from_ref(&unminted);
        let (verdict, message) = classify_parts(&world(false), one, &[], view(78));
        assert_eq!(verdict, Verdict::Finding("no-batches-frozen-view"));
        assert_eq!(message.as_deref(), Some(unminted.message.as_str()));
        assert_eq!(classify_parts(&world(false), one, &[], view(81)).0, Verdict::Finding("no-batches-frozen-view"));
        assert_eq!(classify_parts(&world(false), one, &[], view(82)).0, Verdict::Liveness, "the view covered it");
        assert_eq!(classify_parts(&world(true), one, &[], view(78)).0, Verdict::Liveness, "batches were posted");
        let other = Violation::liveness("tunnel withdrawal 3 (burned in L2 block 9) unpaid 900 s".to_owned());
        assert_eq!(classify_parts(&world(false), &[unminted, other], &[], view(0)).0, Verdict::Liveness);
    }

    #[test]
    fn only_ok_and_findings_pass() {
        assert!(!Verdict::Ok.is_failure() && !Verdict::Finding("x").is_failure());
        for v in [Verdict::Safety, Verdict::Liveness, Verdict::CouldNotComplete, Verdict::Nondeterminism] {
            assert!(v.is_failure(), "{}", v.name());
        }
        assert_eq!(Verdict::Finding("reorg-beyond-superfinality").name(), "finding:reorg-beyond-superfinality");
    }
}
