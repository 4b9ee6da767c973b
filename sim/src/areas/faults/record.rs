//! Records the faults as they start and end, and follows what convergence is judged on: every
//! honest peer's Bitcoin height, the sequencer's head and the verifiers' heads. From the moment
//! the last fault ends, the first instant every honest height is equal is Bitcoin's convergence,
//! and the first instant every verifier holds the block the sequencer was at then is the L2's.

use crate::harness::faults::FaultPlan;
use hemisim_node::events::Observation;
use hemisim_node::peer::{PeerId, PeerKind};
use hemisim_node::time::SimTime;
use hemisim_reports::record::{FaultRow, FaultsRecord};
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct FaultsRecorder {
    /// `None` for runs without faults of peers and links (nothing recorded).
    state: Option<State>,
}

#[derive(Debug)]
struct State {
    rows: Vec<FaultRow>,
    healed_at: SimTime,
    bound_us: u64,
    /// Every honest peer's Bitcoin height, by name.
    heights: BTreeMap<String, u32>,
    /// Every verifier's L2 head, by name.
    verifier_heads: BTreeMap<String, u64>,
    sequencer_head: u64,
    /// The sequencer's head when the last fault ended: what verifiers must reach.
    l2_target: Option<u64>,
    btc_converged_at: Option<u64>,
    l2_converged_at: Option<u64>,
    mempool_lost_txs: u64,
}

impl FaultsRecorder {
    /// A recorder of `plan`'s faults on the world's peers (`ids` and `names` in world order).
    pub fn new(plan: &FaultPlan, ids: &[PeerId], names: &[String], bound_us: u64) -> FaultsRecorder {
        let Some(healed_at) = plan.last_end() else { return FaultsRecorder::default() };
        let named = |peers: &[usize]| peers.iter().map(|&i| names[i].as_str()).collect::<Vec<_>>().join(" ");
        let rows = plan
            .faults()
            .iter()
            .map(|f| {
                let groups = f.groups();
                let peers = if groups.is_empty() {
                    named(&f.hit)
                } else {
                    groups.iter().map(|g| named(g)).collect::<Vec<_>>().join(" | ")
                };
                FaultRow {
                    index: f.index as u32,
                    kind: f.kind.as_str().to_owned(),
                    start_us: f.start.as_us(),
                    end_us: f.end.as_us(),
                    peers,
                }
            })
            .collect();
        let honest = (0..ids.len()).filter(|&i| ids[i].is_honest());
        let verifiers = (0..ids.len()).filter(|&i| ids[i].kind == PeerKind::Verifier);
        FaultsRecorder {
            state: Some(State {
                rows,
                healed_at,
                bound_us,
                heights: honest.map(|i| (names[i].clone(), 0)).collect(),
                verifier_heads: verifiers.map(|i| (names[i].clone(), 0)).collect(),
                sequencer_head: 0,
                l2_target: None,
                btc_converged_at: None,
                l2_converged_at: None,
                mempool_lost_txs: 0,
            }),
        }
    }

    /// Looks at every observation (other areas take it after); takes only its own.
    pub fn observe(&mut self, at: SimTime, peer: &str, observation: Observation) -> Option<Observation> {
        let Some(state) = &mut self.state else { return Some(observation) };
        let mine = state.follow(at, peer, &observation);
        state.judge(at);
        (!mine).then_some(observation)
    }

    /// The area's part of the record (`None` without faults of peers and links).
    pub fn record(&self) -> Option<FaultsRecord> {
        let s = self.state.as_ref()?;
        Some(FaultsRecord {
            faults: s.rows.clone(),
            healed_at_us: s.healed_at.as_us(),
            btc_converged_at_us: s.btc_converged_at,
            l2_converged_at_us: s.l2_converged_at,
            l2_converges: !s.verifier_heads.is_empty(),
            bound_us: s.bound_us,
            mempool_lost_txs: s.mempool_lost_txs,
        })
    }
}

impl State {
    /// Updates what convergence is judged on; `true` for the area's own observations.
    fn follow(&mut self, at: SimTime, peer: &str, observation: &Observation) -> bool {
        match observation {
            Observation::TipChanged { new_height, .. } => {
                if let Some(h) = self.heights.get_mut(peer) {
                    *h = new_height.0;
                }
            }
            Observation::L2BlockProduced { number, .. } if crate::harness::world::is_sequencer(peer) => {
                self.sequencer_head = number.0;
            }
            Observation::L2BlockVerified { number } | Observation::L2Safe { number, .. } => {
                if let Some(h) = self.verifier_heads.get_mut(peer) {
                    *h = (*h).max(number.0);
                }
            }
            Observation::FaultEnded { .. } => {
                if at >= self.healed_at && self.l2_target.is_none() {
                    self.l2_target = Some(self.sequencer_head);
                }
                return true;
            }
            Observation::FaultStarted { .. } => return true,
            Observation::MempoolLost { txs } => {
                self.mempool_lost_txs += u64::from(*txs);
                return true;
            }
            _ => {}
        }
        false
    }

    /// From the last fault's end on: has either part converged now?
    fn judge(&mut self, at: SimTime) {
        if at < self.healed_at {
            return;
        }
        let mut heights = self.heights.values();
        let first = heights.next();
        if self.btc_converged_at.is_none() && heights.all(|h| Some(h) == first) {
            self.btc_converged_at = Some(at.as_us());
        }
        if let Some(target) = self.l2_target
            && self.l2_converged_at.is_none()
            && self.verifier_heads.values().all(|&h| h >= target)
        {
            self.l2_converged_at = Some(at.as_us());
        }
    }
}
