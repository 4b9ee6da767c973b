//! Records the L2 chain: every block the sequencer produced, as observed, and at the end the
//! counters the sequencer, verifiers and users kept (their end-of-run duty reports).

use crate::scenario::L2Config;
use hemisim_node::events::Observation;
use hemisim_node::l2::latency;
use hemisim_node::peer::{DutyReport, Peer};
use hemisim_node::time::SimTime;
use hemisim_reports::record::{L2BlockRow, L2Record, LatencyHistogram};

#[derive(Debug, Default)]
pub struct L2Recorder {
    blocks: Vec<L2BlockRow>,
}

impl L2Recorder {
    /// Takes the observation if it is the L2's; gives it back otherwise.
    pub fn observe(&mut self, at: SimTime, observation: Observation) -> Option<Observation> {
        match observation {
            Observation::L2BlockProduced {
                number,
                hash,
                state_root,
                tx_count,
                gas_used,
                btc_tip_height,
                btc_headers,
                backlog,
                latency_mean_us,
                latency_max_us,
                ..
            } => self.blocks.push(L2BlockRow {
                number: number.0,
                hash: hash.to_string(),
                state_root: state_root.to_string(),
                produced_at_us: at.as_us(),
                tx_count,
                gas_used,
                btc_tip_height: btc_tip_height.0,
                btc_headers_ingested: btc_headers,
                backlog,
                latency_mean_us,
                latency_max_us,
            }),
            other => return Some(other),
        }
        None
    }

    /// The L2 part of the record: the produced blocks and the duties' counters.
    pub fn finish(self, config: &L2Config, peers: &[&Peer]) -> L2Record {
        let blocks = self.blocks;
        let mut record = L2Record {
            block_time_s: config.block_time_s,
            gas_limit: config.gas_limit,
            backlog_max: blocks.iter().map(|b| b.backlog).max().unwrap_or(0),
            txs_executed: blocks.iter().map(|b| u64::from(b.tx_count)).sum(),
            blocks,
            latency: LatencyHistogram { bucket_us: latency::BUCKET_US, counts: Vec::new() },
            txs_submitted: 0,
            txs_rejected: Vec::new(),
            txs_deferred: 0,
            blocks_verified: 0,
            state_root_mismatches: 0,
        };
        for report in peers.iter().flat_map(|p| p.reports()) {
            match report {
                DutyReport::Sequencer(seq) => {
                    record.latency.counts = seq.latencies.counts().to_vec();
                    record.txs_rejected =
                        seq.refused.iter().map(|(reason, n)| (reason.as_str().to_owned(), *n)).collect();
                    record.txs_rejected.sort();
                }
                DutyReport::Verifier(v) => {
                    record.blocks_verified += v.verified;
                    record.txs_executed += v.txs_verified;
                    record.state_root_mismatches += v.mismatches;
                }
                DutyReport::Users(users) => {
                    record.txs_submitted = users.submitted;
                    record.txs_deferred = users.deferred;
                }
                DutyReport::Auditor(_) | DutyReport::Nothing => {}
            }
        }
        record
    }
}
