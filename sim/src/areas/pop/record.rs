//! Records Proof-of-Proof: the keystones the sequencer made, the PoP transactions miners sent,
//! fee deferrals and the observer's superfinality steps; at the end, every publication on the
//! observer's final main chain (with its sender's fee, when a miner of the run sent it).

use super::reverts::SuperfinalWatch;
use crate::areas::bitcoin::record::FoundAt;
use crate::harness::world::{OBSERVER, POP_COIN, pop_miner_name};
use crate::scenario::PopConfig;
use hemisim_node::btc::node::BitcoinNode;
use hemisim_node::events::Observation;
use hemisim_node::pop::index::publications_in;
use hemisim_node::time::SimTime;
use hemisim_node::units::BtcHeight;
use hemisim_reports::record::{
    FeeDeferralRow, KeystoneRow, PopMinerRow, PopRecord, PopTxRow, PublicationRow, SuperfinalityStep,
};
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct PopRecorder {
    keystones: Vec<KeystoneRow>,
    sent: Vec<PopTxRow>,
    superfinal: Vec<SuperfinalityStep>,
    fee_deferrals: Vec<FeeDeferralRow>,
    /// Superfinal blocks that left the canonical chain (see [`super::reverts`]).
    reverts: SuperfinalWatch,
}

impl PopRecorder {
    /// Takes the observation if it is Proof-of-Proof's; gives it back otherwise.
    pub fn observe(&mut self, at: SimTime, peer: &str, observation: Observation) -> Option<Observation> {
        let at_us = at.as_us();
        match observation {
            Observation::KeystoneMade { l2_number, keystone, l2_block } => self.keystones.push(KeystoneRow {
                l2_number: l2_number.0,
                hash: keystone.to_string(),
                l2_block_hash: l2_block.to_string(),
                made_at_us: at_us,
            }),
            Observation::PopTxSent { keystone, l2_number, txid, fee, vsize, fee_rate } => self.sent.push(PopTxRow {
                sent_at_us: at_us,
                miner: peer.to_owned(),
                keystone_hash: keystone.to_string(),
                l2_number: l2_number.0,
                txid: txid.to_string(),
                fee_sats: fee.to_sat(),
                vsize,
                fee_rate_sat_per_vb: fee_rate.sat_per_vb(),
            }),
            Observation::PopFeeOverCap { l2_number, estimate } => self.fee_deferrals.push(FeeDeferralRow {
                at_us,
                miner: peer.to_owned(),
                l2_number: l2_number.0,
                estimate_sat_per_vb: estimate.sat_per_vb(),
            }),
            Observation::Superfinal { l2_number, keystone, published_height, tip_height } if peer == OBSERVER => {
                self.superfinal.push(SuperfinalityStep {
                    at_us,
                    l2_number: l2_number.0,
                    keystone_hash: keystone.to_string(),
                    published_height: published_height.0,
                    tip_height: tip_height.0,
                })
            }
            other => return Some(other),
        }
        None
    }

    /// Any observation, before the areas take theirs: what superfinal reverts need (keystones,
    /// superfinality, the verifiers' safe blocks).
    pub fn watch(&mut self, peer: &str, observation: &Observation) {
        self.reverts.observe(peer, observation);
    }

    /// The highest L2 block the observer saw become superfinal (0: none).
    pub fn superfinal_through(&self) -> u64 {
        self.superfinal.last().map_or(0, |s| s.l2_number)
    }

    /// The PoP part of the record: what the participants reported, and every publication on the
    /// observer's final main chain.
    pub fn finish(self, config: &PopConfig, observer: &BitcoinNode, found_at: &FoundAt) -> PopRecord {
        let sent: BTreeMap<&str, &PopTxRow> = self.sent.iter().map(|row| (row.txid.as_str(), row)).collect();
        let mut publications = Vec::new();
        for (height, hash) in observer.active_chain().iter().enumerate() {
            let Some(block) = observer.block(hash) else { continue };
            for publication in publications_in(block, BtcHeight(height as u32)) {
                let txid = publication.txid.to_string();
                let block_hash = publication.block.to_string();
                let by = sent.get(txid.as_str());
                publications.push(PublicationRow {
                    keystone_hash: publication.keystone.to_string(),
                    l2_number: publication.l2_number().0,
                    btc_height: publication.height.0,
                    btc_block_found_at_us: found_at.get(&publication.block).copied().unwrap_or(0),
                    btc_block_hash: block_hash,
                    miner: by.map(|row| row.miner.clone()),
                    fee_sats: by.map_or(0, |row| row.fee_sats),
                    vsize: block.txs()[publication.position as usize].vsize(),
                    txid,
                });
            }
        }
        PopRecord {
            keystone_interval_blocks: config.keystone_interval_blocks,
            superfinality_depth: config.superfinality_depth,
            fee_cap_sat_per_vb: config.fee_cap_sat_per_vb,
            reward_per_keystone: config.reward_per_keystone,
            miners: (0..config.miners)
                .map(|i| PopMinerRow {
                    name: pop_miner_name(i),
                    funded_sats: POP_COIN.to_sat() * u64::from(config.wallet_coins),
                })
                .collect(),
            keystones: self.keystones,
            sent: self.sent,
            publications,
            superfinal: self.superfinal,
            fee_deferrals: self.fee_deferrals,
            superfinal_reverts: self.reverts.reverts(),
        }
    }
}
