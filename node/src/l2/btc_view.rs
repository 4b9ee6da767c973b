//! The Bitcoin view an L2 block executes against: the hVM precompiles read it, never the live
//! mock chain.
//!
//! It is pinned for the block being executed: the headers the L2 chain has ingested up to and
//! including that block (its canonical Bitcoin tip), and an index of transactions and unspent
//! outputs that runs `INDEXER_TIP_LAG` blocks behind that tip, as Hemi's hVM does
//! (op-geth `hVMIndexerTipLag = 2`).

use crate::units::{Amount, BtcHeight};
use bitcoin::block::Header;
use bitcoin::{BlockHash, ScriptBuf, Transaction, Txid};

/// How many blocks the transaction and UTXO index trails the ingested header tip.
pub const INDEXER_TIP_LAG: u32 = 2;

/// An unspent output as the precompiles report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexedUtxo {
    pub txid: Txid,
    pub vout: u32,
    pub value: Amount,
}

/// Where an indexed transaction sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedTx {
    pub tx: Transaction,
    pub block_height: BtcHeight,
    pub block_hash: BlockHash,
    /// Position in its block (0 = coinbase).
    pub position: u32,
}

/// Read-only Bitcoin state for one L2 block's execution.
pub trait BtcView {
    /// The canonical Bitcoin tip the L2 chain carries: height and header. `None` before any
    /// header was ingested.
    fn header_tip(&self) -> Option<(BtcHeight, Header)>;
    /// The canonical header at `height`, if ingested and at most the header tip.
    fn header_at(&self, height: BtcHeight) -> Option<Header>;
    /// Height of the last block whose transactions are indexed (header tip − lag), if any.
    fn indexed_tip(&self) -> Option<BtcHeight>;
    /// Unspent outputs paying `script`, in a stable order (by txid, then vout), as of the
    /// indexed tip.
    fn utxos_of(&self, script: &ScriptBuf) -> Vec<IndexedUtxo>;
    /// Sum of the values of [`BtcView::utxos_of`]. Implementations should keep it up to date
    /// rather than sum: a busy address holds tens of thousands of outputs.
    fn balance_of(&self, script: &ScriptBuf) -> Amount {
        self.utxos_of(script).iter().map(|u| u.value).sum()
    }
    /// `count` outputs of [`BtcView::utxos_of`] from position `start`, in the same order.
    fn utxos_page(&self, script: &ScriptBuf, start: usize, count: usize) -> Vec<IndexedUtxo> {
        self.utxos_of(script).into_iter().skip(start).take(count).collect()
    }
    /// A transaction confirmed at or below the indexed tip.
    fn transaction(&self, txid: &Txid) -> Option<IndexedTx>;
}
