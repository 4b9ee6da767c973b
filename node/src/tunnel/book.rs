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
use crate::units::BtcHeight;
use bitcoin::{BlockHash, OutPoint};
use std::collections::BTreeSet;

/// What one block changed in the book.
#[derive(Debug, Clone)]
pub struct BookUndo {
    minted: Vec<OutPoint>,
    settled: Option<(BtcHeight, BlockHash)>,
}

#[derive(Debug, Clone)]
pub struct TunnelBook {
    params: TunnelParams,
    minted: BTreeSet<OutPoint>,
    /// Every deposit at or below this indexed block has minted, so a block only scans above it
    /// (a long run holds thousands of deposits). Forgotten when a reorg replaces that block.
    settled: Option<(BtcHeight, BlockHash)>,
}

impl TunnelBook {
    pub fn new(params: TunnelParams) -> Self {
        TunnelBook { params, minted: BTreeSet::new(), settled: None }
    }

    /// The mints the next block owes, oldest deposit first.
    pub fn due(&self, view: &BtcIndexer) -> Vec<Mint> {
        let Some(max_height) = self.mature_height(view) else { return Vec::new() };
        view.deposits_between(self.scan_from(view), max_height)
            .map(|(btc_height, txid, d)| Mint {
                outpoint: OutPoint { txid, vout: d.vout },
                recipient: d.recipient,
                amount: d.amount,
                btc_height,
            })
            .filter(|m| !self.minted.contains(&m.outpoint))
            .collect()
    }

    /// The block's mints happened; the settled block moves up to just below the first deposit
    /// that is still waiting (or to the mature height when none waits). Returns what
    /// [`TunnelBook::undo`] needs to take the block back.
    pub fn record(&mut self, mints: &[Mint], view: &BtcIndexer) -> BookUndo {
        let undo = BookUndo { minted: mints.iter().map(|m| m.outpoint).collect(), settled: self.settled };
        self.minted.extend(mints.iter().map(|m| m.outpoint));
        self.settle(view);
        undo
    }

    /// Takes back the last recorded block (undos are applied in reverse order).
    pub fn undo(&mut self, undo: BookUndo) {
        for outpoint in &undo.minted {
            self.minted.remove(outpoint);
        }
        self.settled = undo.settled;
    }

    fn settle(&mut self, view: &BtcIndexer) {
        let Some(mature) = self.mature_height(view) else { return };
        let from = self.scan_from(view);
        let first_waiting = view
            .deposits_between(from, mature)
            .find(|(_, txid, d)| !self.minted.contains(&OutPoint { txid: *txid, vout: d.vout }));
        let height = match first_waiting {
            None => Some(mature),
            Some((h, _, _)) => h.down(1),
        };
        if let Some(height) = height {
            self.settled = view.indexed_hash_at(height).map(|hash| (height, hash));
        }
    }

    /// The highest height whose deposits are deep enough to mint.
    fn mature_height(&self, view: &BtcIndexer) -> Option<BtcHeight> {
        view.indexed_tip()?.next().down(self.params.deposit_confirmations.max(1))
    }

    /// Where scanning starts: above the settled block while the view still holds it.
    fn scan_from(&self, view: &BtcIndexer) -> BtcHeight {
        match self.settled {
            Some((height, hash)) if view.indexed_hash_at(height) == Some(hash) => height.next(),
            _ => BtcHeight::ZERO,
        }
    }
}
