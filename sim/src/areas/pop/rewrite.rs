//! The history rewrite (`[attack] kind = "rewrite"`) as the run saw it: when the sequencer
//! switched to the rewritten history and from which fork point, the attacker's Bitcoin race, and
//! whether the rewrite succeeded: the first rewritten block became the block `verifier-0` holds
//! safe at its number (the canonical chain past the fork point; a safe block leaves it only with
//! an L1 reorg, which the mock Ethereum never has, so it stays).

use crate::harness::world::{ATTACKER, SEQUENCER};
use crate::scenario::{AttackConfig, ForkChoiceConfig};
use hemisim_node::events::{Observation, TrialEnd};
use hemisim_node::l2::tx::B256;
use hemisim_node::time::SimTime;
use hemisim_node::units::L2Number;
use hemisim_reports::record::RewriteRecord;

/// The verifier whose safe chain decides a rewrite's success.
const JUDGE: &str = "verifier-0";

#[derive(Debug, Default)]
pub struct RewriteWatch {
    /// The fork point and the first rewritten block, once the sequencer switched.
    switch: Option<(L2Number, B256, u64)>,
    /// `verifier-0`'s safe block right above a fork point seen so far, by number.
    safe_above_fork: Option<(B256, u64)>,
    race_started: Option<(u64, u32)>,
    race_end: Option<TrialEnd>,
}

impl RewriteWatch {
    pub fn observe(&mut self, at: SimTime, peer: &str, observation: &Observation) {
        match observation {
            Observation::HistoryRewritten { fork, first, .. } if peer == SEQUENCER => {
                self.switch = Some((*fork, *first, at.as_us()));
            }
            Observation::L2Safe { number, hash, .. } if peer == JUDGE => {
                let Some((fork, first, _)) = self.switch else { return };
                if *number == fork.next() && *hash == first && self.safe_above_fork.is_none() {
                    self.safe_above_fork = Some((*hash, at.as_us()));
                }
            }
            Observation::RewriteRaceStarted { depth, .. } if peer == ATTACKER => {
                self.race_started = Some((at.as_us(), *depth));
            }
            Observation::RewriteRaceEnded { how, .. } if peer == ATTACKER => self.race_end = Some(*how),
            _ => {}
        }
    }

    /// The record of the run's rewrite.
    pub fn record(&self, attack: &AttackConfig, fork_choice: ForkChoiceConfig) -> RewriteRecord {
        RewriteRecord {
            depth_l2_blocks: attack.depth_l2_blocks,
            publication_depth_blocks: attack.publication_depth_blocks,
            fork_choice: match fork_choice {
                ForkChoiceConfig::Derivation => "derivation",
                ForkChoiceConfig::Pop => "pop",
            }
            .to_owned(),
            fork_l2: self.switch.map(|(fork, _, _)| fork.0),
            rewritten_at_us: self.switch.map(|(_, _, at)| at),
            race_started_at_us: self.race_started.map(|(at, _)| at),
            race_start_depth: self.race_started.map(|(_, depth)| depth),
            race_end: self.race_end.map(|how| {
                match how {
                    TrialEnd::Published => "published",
                    TrialEnd::GaveUp => "gave-up",
                    TrialEnd::Aborted => "aborted",
                }
                .to_owned()
            }),
            succeeded_at_us: self.safe_above_fork.map(|(_, at)| at),
        }
    }
}
