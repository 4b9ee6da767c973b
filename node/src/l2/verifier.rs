//! An L2 verifier: re-executes every block the sequencer publishes and checks it.
//!
//! Blocks are verified in order. For each: the parent is the last verified block; the Bitcoin
//! attributes build on the verifier's own carried chain and name only blocks its own Bitcoin node
//! has (a block it has not seen yet is *waited for*, not held against the sequencer: the
//! verifier retries when its Bitcoin node's tip moves); re-executing the transactions against
//! its own state gives the same gas used and state root; the transactions root and block hash
//! recompute. Any disagreement is a safety violation: the verifier reports it and stops, since
//! its state can no longer be compared.

use super::block::{transactions_root, L2Block};
use super::hvm::{BlockEnvSpec, Hvm};
use super::indexer::{AttributesError, BtcIndexer};
use super::sequencer::apply_mint;
use crate::btc::node::BitcoinNode;
use crate::tunnel::book::TunnelBook;
use crate::tunnel::{withdrawals_in, withdrawals_root, Mint, TunnelParams};
use crate::btc::sealed::SealedBlock;
use revm::primitives::{Address, B256};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What verifying the next block concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Verified { number: u64 },
    /// The block disagrees with this verifier; `what` says how.
    Mismatch { number: u64, what: String },
}

#[derive(Debug)]
pub struct Verifier {
    hvm: Hvm,
    view: BtcIndexer,
    tunnel: Option<TunnelBook>,
    head: (u64, B256),
    pending: BTreeMap<u64, Arc<L2Block>>,
    max_headers_per_block: usize,
    beneficiary: Address,
    halted: bool,
    pub verified: u64,
    pub mismatches: u64,
    /// Transactions of the blocks it verified (each re-executed once).
    pub txs_verified: u64,
}

enum Step {
    Wait,
    Done(Verdict),
}

impl Verifier {
    pub fn new(hvm: Hvm, btc_genesis: &SealedBlock, l2_genesis_hash: B256, max_headers_per_block: usize, beneficiary: Address, tunnel: Option<TunnelParams>) -> Self {
        Verifier {
            hvm,
            view: BtcIndexer::with_vault(btc_genesis, tunnel.as_ref().map(|t| t.vault.clone())),
            tunnel: tunnel.map(TunnelBook::new),
            head: (0, l2_genesis_hash),
            pending: BTreeMap::new(),
            max_headers_per_block,
            beneficiary,
            halted: false,
            verified: 0,
            mismatches: 0,
            txs_verified: 0,
        }
    }

    /// A block arrives (possibly ahead of its parent): verify what can be.
    pub fn on_block(&mut self, block: Arc<L2Block>, btc: &BitcoinNode) -> Vec<Verdict> {
        if block.header.number > self.head.0 {
            self.pending.insert(block.header.number, block);
        }
        self.advance(btc)
    }

    /// The verifier's Bitcoin node moved: a block it was waiting for may be there now.
    pub fn on_bitcoin_change(&mut self, btc: &BitcoinNode) -> Vec<Verdict> {
        self.advance(btc)
    }

    fn advance(&mut self, btc: &BitcoinNode) -> Vec<Verdict> {
        let mut verdicts = Vec::new();
        while !self.halted {
            let Some(block) = self.pending.get(&(self.head.0 + 1)).cloned() else { break };
            match self.verify(&block, btc) {
                Step::Wait => break,
                Step::Done(verdict) => {
                    self.pending.remove(&block.header.number);
                    if let Verdict::Mismatch { .. } = verdict {
                        self.mismatches += 1;
                        self.halted = true;
                    } else {
                        self.verified += 1;
                        self.txs_verified += block.txs.len() as u64;
                        self.head = (block.header.number, block.hash());
                    }
                    verdicts.push(verdict);
                }
            }
        }
        verdicts
    }

    fn verify(&mut self, block: &L2Block, btc: &BitcoinNode) -> Step {
        let number = block.header.number;
        let mismatch = |what: String| Step::Done(Verdict::Mismatch { number, what });
        if block.header.parent_hash != self.head.1 {
            return mismatch(format!("parent {} is not the last verified block {}", block.header.parent_hash, self.head.1));
        }
        if block.attributes.headers.iter().any(|h| !btc.knows(&h.block_hash())) {
            return Step::Wait;
        }
        let source = |h: &bitcoin::BlockHash| btc.block(h).cloned();
        match self.view.apply(&block.attributes, self.max_headers_per_block, &source) {
            Err(AttributesError::MissingBlock(_)) => return Step::Wait,
            Err(e) => return mismatch(format!("bitcoin attributes: {e}")),
            Ok(()) => {}
        }
        if self.view.tip() != (block.header.btc_tip_height, block.header.btc_tip_hash) {
            return mismatch("bitcoin tip in the header differs from the attributes".into());
        }
        let due = self.tunnel.as_ref().map(|book| book.due(&self.view)).unwrap_or_default();
        if due != block.tunnel.mints {
            return mismatch(format!("mints {} differ from the {} deposits due", describe(&block.tunnel.mints), describe(&due)));
        }
        let env = BlockEnvSpec { number, timestamp_s: block.header.timestamp_s, gas_limit: block.header.gas_limit, beneficiary: self.beneficiary };
        let mut builder = self.hvm.begin_block(&env, &self.view);
        for mint in &due {
            if let Err(receipt) = apply_mint(&mut builder, mint) {
                return mismatch(format!("hBTC refused the mint of {}: {}", mint.outpoint, receipt.output));
            }
        }
        for (index, (tx, hash)) in block.txs.iter().zip(block.tx_hashes()).enumerate() {
            if let Err(rejection) = builder.apply_hashed(tx, *hash) {
                // Dropping the unfinished builder rolls the state back to the parent's.
                return mismatch(format!("transaction {index} is invalid: {rejection}"));
            }
        }
        let outcome = builder.finish();
        if outcome.state_root != block.header.state_root {
            return mismatch(format!("state root {} re-executes to {}", block.header.state_root, outcome.state_root));
        }
        if outcome.gas_used != block.header.gas_used {
            return mismatch(format!("gas used {} re-executes to {}", block.header.gas_used, outcome.gas_used));
        }
        if withdrawals_in(&outcome.receipts) != block.tunnel.withdrawals {
            return mismatch("tunnel withdrawals differ from the ones execution produced".into());
        }
        if transactions_root(&block.attributes, &block.tunnel.mints, block.tx_hashes()) != block.header.transactions_root {
            return mismatch("transactions root does not match the transactions".into());
        }
        if withdrawals_root(&block.tunnel.withdrawals) != block.header.withdrawals_root {
            return mismatch("withdrawals root does not match the withdrawals".into());
        }
        if let Some(book) = &mut self.tunnel {
            book.record(&due, &self.view);
        }
        if block.header.hash() != block.hash() {
            return mismatch("block hash does not match the header".into());
        }
        Step::Done(Verdict::Verified { number })
    }
}

/// A short description of mints for a mismatch report: count and outpoints.
fn describe(mints: &[Mint]) -> String {
    let outpoints: Vec<String> = mints.iter().map(|m| m.outpoint.to_string()).collect();
    format!("{} [{}]", mints.len(), outpoints.join(", "))
}
