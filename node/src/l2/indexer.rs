//! The Bitcoin view an L2 node builds from the attributes its L2 chain carries ([`BtcView`]).
//!
//! It keeps the carried canonical headers and, [`INDEXER_TIP_LAG`] blocks behind their tip, an
//! index of the full blocks: transactions by txid and unspent outputs by script, with undo data
//! so that a Bitcoin reorg carried by an L2 block unwinds it. Full blocks come from the node's
//! own Bitcoin node; a block it does not have yet makes [`BtcIndexer::apply`] refuse *before*
//! changing anything, so the caller can wait for it.

use super::block::BtcAttributes;
use super::btc_view::{BtcView, INDEXER_TIP_LAG, IndexedTx, IndexedUtxo};
use crate::btc::sealed::SealedBlock;
use crate::hashing::IdMap;
use crate::tunnel::deposit::{Deposit, parse_deposit};
use crate::units::{Amount, BtcHeight};
use bitcoin::block::Header;
use bitcoin::{BlockHash, OutPoint, ScriptBuf, Txid};
use std::collections::BTreeMap;
use std::sync::Arc;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AttributesError {
    #[error("fork height {fork_height} is above the carried tip {tip}")]
    ForkAboveTip { fork_height: BtcHeight, tip: BtcHeight },
    #[error("header {index} does not build on the carried chain")]
    Disconnected { index: usize },
    #[error("block {0} is not available yet")]
    MissingBlock(BlockHash),
    #[error("the attributes carry {got} headers, more than the {max} allowed")]
    TooManyHeaders { got: usize, max: usize },
}

/// The unspent outputs of one script and their total, kept together so a balance is one lookup.
#[derive(Debug, Clone, Default)]
struct ScriptCoins {
    coins: BTreeMap<(Txid, u32), u64>,
    total_sats: u64,
}

impl ScriptCoins {
    fn insert(&mut self, outpoint: (Txid, u32), value: u64) {
        if let Some(old) = self.coins.insert(outpoint, value) {
            self.total_sats -= old;
        }
        self.total_sats += value;
    }

    fn remove(&mut self, outpoint: &(Txid, u32)) {
        if let Some(value) = self.coins.remove(outpoint) {
            self.total_sats -= value;
        }
    }
}

/// One indexed block and what it spent (for undo).
#[derive(Debug, Clone)]
struct IndexedBlock {
    block: Arc<SealedBlock>,
    spent: Vec<(OutPoint, ScriptBuf, u64)>,
}

/// What applying attributes replaced: the headers above the fork (as attributes that would
/// restore them) and the blocks the index let go, for [`BtcIndexer::undo`].
#[derive(Debug, Clone)]
pub struct ViewUndo {
    undone: BtcAttributes,
    unindexed: Vec<Arc<SealedBlock>>,
}

#[derive(Debug, Clone)]
pub struct BtcIndexer {
    /// Carried canonical headers by height, from the Bitcoin genesis.
    headers: Vec<(BlockHash, Header)>,
    /// Indexed blocks by height, from the genesis, at most header tip − lag.
    indexed: Vec<IndexedBlock>,
    by_script: BTreeMap<ScriptBuf, ScriptCoins>,
    outputs: IdMap<OutPoint, (ScriptBuf, u64)>,
    txs: IdMap<Txid, (u32, u32)>,
    /// The tunnel's vault, when the run has one: its deposits are indexed too.
    vault: Option<ScriptBuf>,
    /// Valid deposits of the indexed blocks, by (height, position in block).
    deposits: BTreeMap<(u32, u32), (Txid, Deposit)>,
}

impl BtcIndexer {
    /// A view carrying only the Bitcoin genesis block.
    pub fn new(genesis: &SealedBlock) -> Self {
        BtcIndexer {
            headers: vec![(genesis.block_hash(), genesis.header)],
            indexed: Vec::new(),
            by_script: BTreeMap::new(),
            outputs: IdMap::default(),
            txs: IdMap::default(),
            vault: None,
            deposits: BTreeMap::new(),
        }
    }

    /// A view that also indexes the deposits to `vault` (see [`crate::tunnel::deposit`]).
    pub fn with_vault(genesis: &SealedBlock, vault: Option<ScriptBuf>) -> Self {
        BtcIndexer { vault, ..BtcIndexer::new(genesis) }
    }

    /// Valid deposits indexed at heights `from..=to`, oldest first, with their height.
    pub fn deposits_between(
        &self,
        from: BtcHeight,
        to: BtcHeight,
    ) -> impl Iterator<Item = (BtcHeight, Txid, Deposit)> + '_ {
        use std::ops::Bound::{Excluded, Included};
        let (from, to) = (from.0, to.0);
        let end = if from <= to { Included((to, u32::MAX)) } else { Excluded((from, 0)) };
        self.deposits.range((Included((from, 0)), end)).map(|(&(h, _), &(txid, d))| (BtcHeight(h), txid, d))
    }

    /// Hash of the indexed block at `height`, if indexed.
    pub fn indexed_hash_at(&self, height: BtcHeight) -> Option<BlockHash> {
        self.indexed.get(height.0 as usize).map(|b| b.block.block_hash())
    }

    pub fn tip(&self) -> (BtcHeight, BlockHash) {
        let height = self.headers.len() - 1;
        (BtcHeight(height as u32), self.headers[height].0)
    }

    pub fn hash_at(&self, height: BtcHeight) -> Option<BlockHash> {
        self.headers.get(height.0 as usize).map(|h| h.0)
    }

    /// Checks `attributes` against the carried chain and that every block the index will need
    /// is available, without changing anything.
    pub fn check(
        &self,
        attributes: &BtcAttributes,
        max_headers: usize,
        block: &dyn Fn(&BlockHash) -> Option<Arc<SealedBlock>>,
    ) -> Result<(), AttributesError> {
        if attributes.headers.len() > max_headers {
            return Err(AttributesError::TooManyHeaders { got: attributes.headers.len(), max: max_headers });
        }
        let (tip, _) = self.tip();
        if attributes.fork_height > tip {
            return Err(AttributesError::ForkAboveTip { fork_height: attributes.fork_height, tip });
        }
        let mut parent = self.headers[attributes.fork_height.0 as usize].0;
        for (index, header) in attributes.headers.iter().enumerate() {
            if header.prev_blockhash != parent {
                return Err(AttributesError::Disconnected { index });
            }
            parent = header.block_hash();
        }
        for hash in self.blocks_to_index(attributes) {
            if block(&hash).is_none() {
                return Err(AttributesError::MissingBlock(hash));
            }
        }
        Ok(())
    }

    /// How many indexed blocks (from the genesis) stay indexed under `attributes`: none above the
    /// fork, and none above the new tip − lag (the new tip can be lower than the old one while a
    /// reorg's headers arrive a few per block).
    fn kept_len(&self, attributes: &BtcAttributes) -> usize {
        let target_len = (attributes.tip_height().0 + 1).saturating_sub(INDEXER_TIP_LAG) as usize;
        (attributes.fork_height.0 as usize + 1).min(self.indexed.len()).min(target_len)
    }

    /// Hashes of the blocks the index must connect after applying `attributes`.
    fn blocks_to_index(&self, attributes: &BtcAttributes) -> Vec<BlockHash> {
        let Some(target) = attributes.tip_height().down(INDEXER_TIP_LAG) else { return Vec::new() };
        BtcHeight(self.kept_len(attributes) as u32)
            .through(target)
            .map(|h| {
                if h <= attributes.fork_height {
                    self.headers[h.0 as usize].0
                } else {
                    attributes.headers[(h.blocks_above(attributes.fork_height) - 1) as usize].block_hash()
                }
            })
            .collect()
    }

    /// Applies checked attributes: replaces the headers above the fork, then moves the index to
    /// the new tip − lag. Returns what [`BtcIndexer::undo`] needs to take them back.
    pub fn apply(
        &mut self,
        attributes: &BtcAttributes,
        max_headers: usize,
        block: &dyn Fn(&BlockHash) -> Option<Arc<SealedBlock>>,
    ) -> Result<ViewUndo, AttributesError> {
        self.check(attributes, max_headers, block)?;
        let to_index = self.blocks_to_index(attributes);
        let keep = self.kept_len(attributes);
        let mut unindexed = Vec::new();
        while self.indexed.len() > keep {
            unindexed.push(self.unindex_top());
        }
        let replaced =
            self.headers.split_off(attributes.fork_height.0 as usize + 1).into_iter().map(|(_, h)| h).collect();
        self.headers.extend(attributes.headers.iter().map(|h| (h.block_hash(), *h)));
        for hash in to_index {
            self.index(block(&hash).expect("checked above"));
        }
        Ok(ViewUndo { undone: BtcAttributes { fork_height: attributes.fork_height, headers: replaced }, unindexed })
    }

    /// Takes back the last applied attributes (undos are applied in reverse order): the headers
    /// they replaced come back and the blocks they unindexed are indexed again.
    pub fn undo(&mut self, undo: ViewUndo) {
        let ViewUndo { undone, unindexed } = undo;
        let source = |hash: &BlockHash| unindexed.iter().find(|b| b.block_hash() == *hash).cloned();
        // The replaced headers built on the fork and every block to index again was unindexed by
        // the attributes being undone, so this cannot fail on a view they were applied to.
        self.apply(&undone, usize::MAX, &source).expect("an undo restores a view that existed");
    }

    fn index(&mut self, block: Arc<SealedBlock>) {
        let height = self.indexed.len() as u32;
        let mut spent = Vec::new();
        for (position, tx) in block.txs().iter().enumerate() {
            if !tx.is_coinbase() {
                for input in &tx.input {
                    if let Some((script, value)) = self.outputs.remove(&input.previous_output) {
                        remove_utxo(&mut self.by_script, &script, &input.previous_output);
                        spent.push((input.previous_output, script, value));
                    }
                }
            }
            let txid = tx.txid();
            self.txs.insert(txid, (height, position as u32));
            if let Some(deposit) = self.vault.as_ref().and_then(|v| parse_deposit(tx.tx(), v).ok()) {
                self.deposits.insert((height, position as u32), (txid, deposit));
            }
            for (vout, output) in tx.output.iter().enumerate() {
                if output.script_pubkey.is_op_return() {
                    continue;
                }
                let value = output.value.to_sat();
                self.outputs.insert(OutPoint { txid, vout: vout as u32 }, (output.script_pubkey.clone(), value));
                self.by_script.entry(output.script_pubkey.clone()).or_default().insert((txid, vout as u32), value);
            }
        }
        self.indexed.push(IndexedBlock { block, spent });
    }

    /// Unindexes the top block and returns it.
    fn unindex_top(&mut self) -> Arc<SealedBlock> {
        let top = self.indexed.pop().expect("called only while blocks are indexed");
        let height = self.indexed.len() as u32;
        drop(self.deposits.split_off(&(height, 0)));
        // The spent coins come back first, then every output of the block goes: a coin created
        // and spent inside the block is among both, and must end up gone (restoring the spent
        // coins last resurrected it, a balance no node that skipped the block has).
        for (outpoint, script, value) in top.spent.into_iter().rev() {
            self.by_script.entry(script.clone()).or_default().insert((outpoint.txid, outpoint.vout), value);
            self.outputs.insert(outpoint, (script, value));
        }
        for tx in top.block.txs().iter().rev() {
            let txid = tx.txid();
            self.txs.remove(&txid);
            for vout in 0..tx.output.len() as u32 {
                let outpoint = OutPoint { txid, vout };
                if let Some((script, _)) = self.outputs.remove(&outpoint) {
                    remove_utxo(&mut self.by_script, &script, &outpoint);
                }
            }
        }
        top.block
    }
}

fn remove_utxo(by_script: &mut BTreeMap<ScriptBuf, ScriptCoins>, script: &ScriptBuf, outpoint: &OutPoint) {
    if let Some(coins) = by_script.get_mut(script) {
        coins.remove(&(outpoint.txid, outpoint.vout));
        if coins.coins.is_empty() {
            by_script.remove(script);
        }
    }
}

impl BtcView for BtcIndexer {
    fn header_tip(&self) -> Option<(BtcHeight, Header)> {
        let (height, _) = self.tip();
        Some((height, self.headers[height.0 as usize].1))
    }

    fn header_at(&self, height: BtcHeight) -> Option<Header> {
        self.headers.get(height.0 as usize).map(|h| h.1)
    }

    fn indexed_tip(&self) -> Option<BtcHeight> {
        (self.indexed.len() as u32).checked_sub(1).map(BtcHeight)
    }

    fn utxos_of(&self, script: &ScriptBuf) -> Vec<IndexedUtxo> {
        self.utxos_page(script, 0, usize::MAX)
    }

    fn balance_of(&self, script: &ScriptBuf) -> Amount {
        Amount::from_sat(self.by_script.get(script).map_or(0, |c| c.total_sats))
    }

    fn utxos_page(&self, script: &ScriptBuf, start: usize, count: usize) -> Vec<IndexedUtxo> {
        self.by_script
            .get(script)
            .map(|c| {
                c.coins
                    .iter()
                    .skip(start)
                    .take(count)
                    .map(|(&(txid, vout), &sats)| IndexedUtxo { txid, vout, value: Amount::from_sat(sats) })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn transaction(&self, txid: &Txid) -> Option<IndexedTx> {
        let &(height, position) = self.txs.get(txid)?;
        let indexed = &self.indexed[height as usize];
        Some(IndexedTx {
            tx: indexed.block.txs()[position as usize].tx().clone(),
            block_height: BtcHeight(height),
            block_hash: indexed.block.block_hash(),
            position,
        })
    }
}
