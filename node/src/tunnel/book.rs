//! Which deposits an L2 block mints: derived, identically, by the sequencer (to build the
//! block) and by every verifier (to check it), from the block's own Bitcoin view and the mints
//! of the chain so far. Nothing else decides a mint.
//!
//! A deposit at height `h` of the view mints in the first block whose indexed tip reaches
//! `h + deposit_confirmations - 1`, unless its outpoint minted before: a deposit unwound by a
//! Bitcoin reorg and confirmed again (same txid) never mints twice.

use super::{Mint, TunnelParams};
use crate::l2::btc_view::BtcView;
use crate::l2::indexer::BtcIndexer;
use bitcoin::OutPoint;
use std::collections::BTreeSet;

#[derive(Debug, Clone)]
pub struct TunnelBook {
    params: TunnelParams,
    minted: BTreeSet<OutPoint>,
}

impl TunnelBook {
    pub fn new(params: TunnelParams) -> Self {
        TunnelBook { params, minted: BTreeSet::new() }
    }

    pub fn params(&self) -> &TunnelParams {
        &self.params
    }

    /// The mints the next block owes, oldest deposit first.
    pub fn due(&self, view: &BtcIndexer) -> Vec<Mint> {
        let Some(indexed_tip) = view.indexed_tip() else { return Vec::new() };
        let Some(max_height) = (indexed_tip + 1).checked_sub(self.params.deposit_confirmations.max(1)) else { return Vec::new() };
        view.deposits_up_to(max_height)
            .map(|(btc_height, txid, d)| Mint { outpoint: OutPoint { txid, vout: d.vout }, recipient: d.recipient, amount_sats: d.amount_sats, btc_height })
            .filter(|m| !self.minted.contains(&m.outpoint))
            .collect()
    }

    /// The block's mints happened.
    pub fn record(&mut self, mints: &[Mint]) {
        self.minted.extend(mints.iter().map(|m| m.outpoint));
    }

    pub fn minted_count(&self) -> usize {
        self.minted.len()
    }
}
