//! The UTXO set of one node's active chain, with undo data for reorgs.
//!
//! Connecting a block validates every spend against the set (inputs exist and are unspent, no
//! value is created, the coinbase claims at most subsidy + fees) and returns the undo data that
//! disconnecting needs. A block that fails leaves the set exactly as it was.
//!
//! Wallets ask to *watch* scripts: every coin of a watched script that enters or leaves the set is
//! reported as a [`CoinDelta`], in order, for the node's host to hand to its wallets.

use super::params::SUBSIDY;
use super::sealed::{SealedBlock, SealedTx};
use crate::hashing::IdMap;
use bitcoin::{Amount, OutPoint, ScriptBuf, Transaction, TxOut, Txid};
use std::collections::BTreeSet;
use std::sync::Arc;
use thiserror::Error;

/// An unspent output and where it was created.
///
/// It points into its transaction, shared with the block that holds it (and with every other
/// node's set) instead of copying the output: every node holds every coin of its chain, so a copy
/// (with its script on the heap) per node and coin was most of a run's memory (ARCHITECTURE.md,
/// "Where time and memory go").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coin {
    tx: Arc<SealedTx>,
    vout: u32,
    pub height: u32,
}

impl Coin {
    /// Output `vout` of `tx`, which must exist.
    fn new(tx: &Arc<SealedTx>, vout: u32, height: u32) -> Self {
        debug_assert!((vout as usize) < tx.output.len(), "a coin is an output of its transaction");
        Coin { tx: tx.clone(), vout, height }
    }

    pub fn output(&self) -> &TxOut {
        &self.tx.output[self.vout as usize]
    }

    pub fn value(&self) -> Amount {
        self.output().value
    }
}

/// Why a transaction or block does not fit the UTXO set.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SpendError {
    #[error("transaction {txid} spends {outpoint}, which is missing or already spent")]
    MissingInput { txid: Txid, outpoint: OutPoint },
    #[error("transaction {txid} creates value: inputs {inputs}, outputs {outputs}")]
    ValueCreated { txid: Txid, inputs: Amount, outputs: Amount },
    #[error("coinbase claims {claimed}, more than subsidy plus fees {allowed}")]
    CoinbaseTooLarge { claimed: Amount, allowed: Amount },
    #[error("block has no coinbase")]
    NoCoinbase,
}

/// What disconnecting a block must restore: the coins its transactions spent, in spend order.
/// Their outpoints are the block's inputs in the same order, so they are not stored again
/// (every node keeps undo data for every block of its chain).
#[derive(Debug, Clone, Default)]
pub struct BlockUndo {
    spent: Vec<Coin>,
    /// Fees of the block's transactions, computed while connecting.
    pub fees: Amount,
}

/// A watched coin appearing in or leaving the set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoinDelta {
    Added { outpoint: OutPoint, output: TxOut },
    Removed { outpoint: OutPoint, output: TxOut },
}

/// Unspent outputs of the active chain. Lookups only: never iterated, so the map's order never
/// matters.
#[derive(Debug, Default)]
pub struct UtxoSet {
    coins: IdMap<OutPoint, Coin>,
    watched: BTreeSet<ScriptBuf>,
    deltas: Vec<CoinDelta>,
}

impl UtxoSet {
    pub fn get(&self, outpoint: &OutPoint) -> Option<&Coin> {
        self.coins.get(outpoint)
    }

    pub fn len(&self) -> usize {
        self.coins.len()
    }

    pub fn is_empty(&self) -> bool {
        self.coins.is_empty()
    }

    pub fn watch(&mut self, script: ScriptBuf) {
        self.watched.insert(script);
    }

    /// Watched coins that entered or left the set since the last call, in order.
    pub fn take_deltas(&mut self) -> Vec<CoinDelta> {
        std::mem::take(&mut self.deltas)
    }

    /// Fee of `tx` if every input is in the set and no value is created.
    pub fn fee_of(&self, tx: &Transaction) -> Result<Amount, SpendError> {
        let txid = tx.compute_txid();
        let mut inputs = Amount::ZERO;
        for input in &tx.input {
            let coin = self
                .coins
                .get(&input.previous_output)
                .ok_or(SpendError::MissingInput { txid, outpoint: input.previous_output })?;
            inputs += coin.value();
        }
        let outputs: Amount = tx.output.iter().map(|o| o.value).sum();
        inputs.checked_sub(outputs).ok_or(SpendError::ValueCreated { txid, inputs, outputs })
    }

    /// Applies `block` at `height`. On error the set is unchanged.
    pub fn connect(&mut self, block: &SealedBlock, height: u32) -> Result<BlockUndo, SpendError> {
        let mut undo = BlockUndo::default();
        let (coinbase, rest) = block.txs().split_first().ok_or(SpendError::NoCoinbase)?;
        for tx in rest {
            if let Err(e) = self.spend_tx(tx, height, &mut undo) {
                self.revert(block, undo);
                return Err(e);
            }
        }
        let claimed: Amount = coinbase.output.iter().map(|o| o.value).sum();
        undo.fees += block.demand_fees();
        let allowed = SUBSIDY + undo.fees;
        if claimed > allowed && height > 0 {
            self.revert(block, undo);
            return Err(SpendError::CoinbaseTooLarge { claimed, allowed });
        }
        self.add_outputs(coinbase, height);
        Ok(undo)
    }

    /// Reverts `block`, which must be the last one connected, with the undo `connect` returned.
    pub fn disconnect(&mut self, block: &SealedBlock, undo: BlockUndo) {
        self.revert(block, undo);
    }

    /// Undoes a fully or partly connected block. Spent coins come back first and the block's
    /// outputs go last, so that an output created and spent inside the block ends up absent.
    fn revert(&mut self, block: &SealedBlock, undo: BlockUndo) {
        let inputs = block.txs().iter().skip(1).flat_map(|tx| tx.input.iter().map(|i| i.previous_output));
        let restored: Vec<(OutPoint, Coin)> = inputs.zip(undo.spent).collect();
        for (outpoint, coin) in restored.into_iter().rev() {
            self.insert(outpoint, coin);
        }
        for tx in block.txs().iter().rev() {
            self.remove_outputs(tx);
        }
    }

    fn spend_tx(&mut self, tx: &Arc<SealedTx>, height: u32, undo: &mut BlockUndo) -> Result<(), SpendError> {
        let txid = tx.txid();
        let mut inputs = Amount::ZERO;
        for input in &tx.input {
            let coin = self
                .remove(&input.previous_output)
                .ok_or(SpendError::MissingInput { txid, outpoint: input.previous_output })?;
            inputs += coin.value();
            undo.spent.push(coin);
        }
        let outputs: Amount = tx.output.iter().map(|o| o.value).sum();
        let fee = inputs.checked_sub(outputs).ok_or(SpendError::ValueCreated { txid, inputs, outputs })?;
        undo.fees += fee;
        self.add_outputs(tx, height);
        Ok(())
    }

    fn add_outputs(&mut self, tx: &Arc<SealedTx>, height: u32) {
        let txid = tx.txid();
        for (vout, output) in tx.output.iter().enumerate() {
            // OP_RETURN outputs can never be spent: keep them out of the set, as Bitcoin Core does.
            if !output.script_pubkey.is_op_return() {
                self.insert(OutPoint { txid, vout: vout as u32 }, Coin::new(tx, vout as u32, height));
            }
        }
    }

    fn remove_outputs(&mut self, tx: &SealedTx) {
        let txid = tx.txid();
        for vout in 0..tx.output.len() as u32 {
            self.remove(&OutPoint { txid, vout });
        }
    }

    fn insert(&mut self, outpoint: OutPoint, coin: Coin) {
        if self.watched.contains(&coin.output().script_pubkey) {
            self.deltas.push(CoinDelta::Added { outpoint, output: coin.output().clone() });
        }
        self.coins.insert(outpoint, coin);
    }

    fn remove(&mut self, outpoint: &OutPoint) -> Option<Coin> {
        let coin = self.coins.remove(outpoint)?;
        if self.watched.contains(&coin.output().script_pubkey) {
            self.deltas.push(CoinDelta::Removed { outpoint: *outpoint, output: coin.output().clone() });
        }
        Some(coin)
    }
}
