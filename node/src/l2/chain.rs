//! [`L2Chain`]: one L2 node's chain, the single place where an L2 block is executed.
//!
//! It owns the node's hVM state, the Bitcoin view its chain carries ([`BtcIndexer`]), the
//! tunnel's mint book and the head. Every driver goes through the same private execute path:
//!
//! ```text
//! attributes ──► Bitcoin view ──► due mints (book) ──► body ──► finish ──► header
//!                                                       ▲
//!              build (the sequencer): transactions chosen from its mempool
//!              import (verifiers; next, derivation): the block's own transactions, each must apply
//! ```
//!
//! so a block is built and checked by the same code: `import` recomputes the header from the
//! block's content and compares it field by field ([`Mismatch`] names the first that differs).
//! A block that does not import leaves the chain exactly as it was, and so does [`L2Chain::rewind_to`]
//! for blocks taken back (an L2 reorg): each block's undo (the values it replaced in the hVM,
//! the Bitcoin view and the book) is kept for the last `rewind_depth` blocks.

use super::block::{BtcAttributes, L2Block, L2Header, TunnelOps, transactions_root};
use super::btc_view::{BtcView, INDEXER_TIP_LAG};
use super::hvm::{BlockBuilder, BlockEnvSpec, Hvm, HvmUndo, Receipt, TxRejected, hbtc};
use super::indexer::{AttributesError, BtcIndexer, ViewUndo};
use super::tx::L2Tx;
use crate::btc::sealed::SealedBlock;
use crate::tunnel::book::{BookUndo, TunnelBook};
use crate::tunnel::{HBTC, Mint, TunnelParams, withdrawals_in, withdrawals_root};
use crate::units::L2Number;
use bitcoin::{BlockHash, OutPoint};
use revm::primitives::{Address, B256};
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use thiserror::Error;

/// Where Bitcoin blocks come from: the node's own Bitcoin node (by hash, active or not).
pub type BlockSource<'a> = &'a dyn Fn(&BlockHash) -> Option<Arc<SealedBlock>>;

/// The rules every node of the chain applies alike.
#[derive(Debug, Clone)]
pub struct ChainRules {
    /// At most this many Bitcoin headers per block's attributes (Hemi: 3).
    pub max_headers_per_block: usize,
    /// Receives the block's fees.
    pub beneficiary: Address,
    /// The BTC tunnel (`None`: no tunnel in the run).
    pub tunnel: Option<TunnelParams>,
    /// How many of the latest blocks can be taken back by [`L2Chain::rewind_to`] (0: none).
    pub rewind_depth: usize,
}

/// The chain's last block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub number: L2Number,
    pub hash: B256,
}

/// Why a block does not import.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImportError {
    /// The attributes name a Bitcoin block this node does not have yet: not the block's fault;
    /// try again when the node's Bitcoin tip moves.
    #[error("waiting for Bitcoin block {0}")]
    WaitForBitcoin(BlockHash),
    /// The block disagrees with this node's execution of it.
    #[error(transparent)]
    Mismatch(#[from] Mismatch),
}

/// How an imported block disagrees with the chain, by the first check that fails.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Mismatch {
    #[error("block {got} does not follow the head {head}")]
    Number { head: L2Number, got: L2Number },
    #[error("parent {got} is not the head {head}")]
    Parent { head: B256, got: B256 },
    #[error("bitcoin attributes: {0}")]
    Attributes(AttributesError),
    #[error("mints {} differ from the {} deposits due", describe(.block), describe(.due))]
    Mints { block: Vec<Mint>, due: Vec<Mint> },
    #[error("hBTC refused the mint of {outpoint}: {output}")]
    MintRefused { outpoint: OutPoint, output: String },
    #[error("transaction {index} is invalid: {rejection}")]
    InvalidTransaction { index: usize, rejection: TxRejected },
    #[error("header field {field} differs: the block says {block}, execution gives {executed}")]
    Header { field: HeaderField, block: String, executed: String },
    #[error("tunnel withdrawals differ from the ones execution produced")]
    Withdrawals,
    #[error("block hash does not match the header")]
    BlockHash,
}

/// A header field that execution recomputes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderField {
    BtcTip,
    StateRoot,
    GasUsed,
    TransactionsRoot,
    WithdrawalsRoot,
}

impl fmt::Display for HeaderField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HeaderField::BtcTip => "bitcoin tip",
            HeaderField::StateRoot => "state root",
            HeaderField::GasUsed => "gas used",
            HeaderField::TransactionsRoot => "transactions root",
            HeaderField::WithdrawalsRoot => "withdrawals root",
        })
    }
}

/// Why the chain cannot go back to a block.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RewindError {
    #[error("block {target} is above the head {head}")]
    AboveHead { target: L2Number, head: L2Number },
    #[error("block {target} is deeper than the {kept} blocks kept for rewinds below the head {head}")]
    TooDeep { target: L2Number, head: L2Number, kept: usize },
}

/// What a block's transactions root commits to after its mints: the transaction hashes, in
/// order. A built block's chosen [`Body`] has them; an imported block has its own list.
trait TxHashes {
    fn tx_hashes(&self) -> &[B256];
}

impl TxHashes for Body {
    fn tx_hashes(&self) -> &[B256] {
        &self.tx_hashes
    }
}

impl TxHashes for &[B256] {
    fn tx_hashes(&self) -> &[B256] {
        self
    }
}

/// The body a driver chose for a block being built: its transactions with their hashes.
#[derive(Debug, Default)]
pub struct Body {
    pub txs: Vec<Arc<L2Tx>>,
    pub tx_hashes: Vec<B256>,
}

/// What one block changed, kept to take it back.
#[derive(Debug)]
struct BlockUndo {
    hvm: HvmUndo,
    view: ViewUndo,
    book: Option<BookUndo>,
    parent: Head,
}

/// One L2 node's chain: state, Bitcoin view, tunnel book and head.
#[derive(Debug)]
pub struct L2Chain {
    rules: ChainRules,
    hvm: Hvm,
    view: BtcIndexer,
    book: Option<TunnelBook>,
    head: Head,
    /// Undo of the latest blocks, newest last, at most `rules.rewind_depth`.
    undo: VecDeque<BlockUndo>,
}

/// A block executed on the chain but not yet accepted by its driver.
struct Executed<T> {
    header: L2Header,
    tunnel: TunnelOps,
    body: T,
    undo: BlockUndo,
}

impl L2Chain {
    /// The chain at the L2 genesis: `hvm` holds the genesis state, the view only the Bitcoin
    /// genesis block.
    pub fn new(rules: ChainRules, hvm: Hvm, btc_genesis: &SealedBlock, l2_genesis_hash: B256) -> Self {
        L2Chain {
            view: BtcIndexer::with_vault(btc_genesis, rules.tunnel.as_ref().map(|t| t.vault.clone())),
            book: rules.tunnel.clone().map(TunnelBook::new),
            rules,
            hvm,
            head: Head { number: L2Number::ZERO, hash: l2_genesis_hash },
            undo: VecDeque::new(),
        }
    }

    pub fn head(&self) -> Head {
        self.head
    }

    pub fn rules(&self) -> &ChainRules {
        &self.rules
    }

    /// The Bitcoin view the chain carries at its head.
    pub fn view(&self) -> &BtcIndexer {
        &self.view
    }

    pub fn hvm(&self) -> &Hvm {
        &self.hvm
    }

    /// Builds the next block on the head: `attributes` (which must apply: a builder takes them
    /// from its own Bitcoin node), the due mints the hVM accepts, then the transactions `fill`
    /// chooses, applying each to the builder it is handed.
    pub fn build(
        &mut self,
        timestamp_s: u64,
        gas_limit: u64,
        attributes: BtcAttributes,
        blocks: BlockSource<'_>,
        fill: impl FnOnce(&mut BlockBuilder<'_>) -> Body,
    ) -> Result<Arc<L2Block>, AttributesError> {
        let env = self.next_env(timestamp_s, gas_limit);
        let executed = self.execute(&env, &attributes, blocks, |builder, due| {
            // A mint the contract refuses would mean the book and the chain disagree: it is left
            // out (every importer, deriving the same book, then reports the block).
            let mints = due.into_iter().filter(|m| apply_mint(builder, m).is_ok()).collect();
            Ok((mints, fill(builder)))
        });
        let executed = executed.map_err(|e| match e {
            ImportError::Mismatch(Mismatch::Attributes(e)) => e,
            ImportError::WaitForBitcoin(hash) => AttributesError::MissingBlock(hash),
            other => unreachable!("building checks nothing else: {other}"),
        })?;
        let Executed { header, tunnel, body, undo } = executed;
        let block = Arc::new(L2Block::seal(header, attributes, tunnel, body.txs, body.tx_hashes));
        self.accept(&block, undo);
        Ok(block)
    }

    /// Imports the block that follows the head, re-executing it: it must be exactly what this
    /// node builds from the same content. On any error the chain is unchanged.
    pub fn import(&mut self, block: &L2Block, blocks: BlockSource<'_>) -> Result<(), ImportError> {
        let header = &block.header;
        if header.number != self.head.number.next() {
            return Err(Mismatch::Number { head: self.head.number, got: header.number }.into());
        }
        if header.parent_hash != self.head.hash {
            return Err(Mismatch::Parent { head: self.head.hash, got: header.parent_hash }.into());
        }
        // Every header must name a block this node has, not only those the index needs yet.
        if let Some(missing) = block.attributes.headers.iter().map(|h| h.block_hash()).find(|h| blocks(h).is_none()) {
            return Err(ImportError::WaitForBitcoin(missing));
        }
        let env = BlockEnvSpec {
            number: header.number,
            timestamp_s: header.timestamp_s,
            gas_limit: header.gas_limit,
            beneficiary: self.rules.beneficiary,
        };
        let executed = self.execute(&env, &block.attributes, blocks, |builder, due| {
            if due != block.tunnel.mints {
                return Err(Mismatch::Mints { block: block.tunnel.mints.clone(), due });
            }
            for mint in &due {
                if let Err(receipt) = apply_mint(builder, mint) {
                    return Err(Mismatch::MintRefused { outpoint: mint.outpoint, output: receipt.output.to_string() });
                }
            }
            for (index, (tx, hash)) in block.txs.iter().zip(block.tx_hashes()).enumerate() {
                builder
                    .apply_hashed(tx, *hash)
                    .map_err(|rejection| Mismatch::InvalidTransaction { index, rejection })?;
            }
            Ok((due, block.tx_hashes()))
        })?;
        if let Err(mismatch) = compare(block, &executed) {
            self.undo_block(executed.undo);
            return Err(mismatch.into());
        }
        self.accept(block, executed.undo);
        Ok(())
    }

    /// Takes back every block above `number`; the chain is then as it was when `number` was
    /// its head. Blocks deeper than `rewind_depth` below the head cannot be taken back.
    pub fn rewind_to(&mut self, number: L2Number) -> Result<(), RewindError> {
        let head = self.head.number;
        if number > head {
            return Err(RewindError::AboveHead { target: number, head });
        }
        if head.blocks_above(number) > self.undo.len() as u64 {
            return Err(RewindError::TooDeep { target: number, head, kept: self.undo.len() });
        }
        while self.head.number > number {
            let undo = self.undo.pop_back().expect("checked: enough undo kept");
            self.undo_block(undo);
        }
        Ok(())
    }

    /// The environment of the block that would follow the head.
    fn next_env(&self, timestamp_s: u64, gas_limit: u64) -> BlockEnvSpec {
        BlockEnvSpec { number: self.head.number.next(), timestamp_s, gas_limit, beneficiary: self.rules.beneficiary }
    }

    /// The one execution path: attributes into the view, then `body` (mints and transactions,
    /// as the driver decides) on a builder, then the header. On error nothing has changed;
    /// on success the caller accepts the block or undoes it.
    fn execute<T: TxHashes>(
        &mut self,
        env: &BlockEnvSpec,
        attributes: &BtcAttributes,
        blocks: BlockSource<'_>,
        body: impl FnOnce(&mut BlockBuilder<'_>, Vec<Mint>) -> Result<(Vec<Mint>, T), Mismatch>,
    ) -> Result<Executed<T>, ImportError> {
        let view_undo = match self.view.apply(attributes, self.rules.max_headers_per_block, blocks) {
            Ok(undo) => undo,
            Err(AttributesError::MissingBlock(hash)) => return Err(ImportError::WaitForBitcoin(hash)),
            Err(e) => return Err(Mismatch::Attributes(e).into()),
        };
        let due = self.book.as_ref().map(|book| book.due(&self.view)).unwrap_or_default();
        let mut builder = self.hvm.begin_block(env, &self.view);
        let (mints, body) = match body(&mut builder, due) {
            Ok(done) => done,
            Err(mismatch) => {
                drop(builder); // unfinished: rolls the state back
                self.view.undo(view_undo);
                return Err(mismatch.into());
            }
        };
        let (outcome, hvm_undo) = builder.finish_with_undo();
        let book_undo = self.book.as_mut().map(|book| book.record(&mints, &self.view));
        let tunnel = TunnelOps { withdrawals: withdrawals_in(&outcome.receipts), mints };
        let (btc_tip_height, btc_tip_hash) = self.view.tip();
        let header = L2Header {
            number: env.number,
            parent_hash: self.head.hash,
            timestamp_s: env.timestamp_s,
            gas_limit: env.gas_limit,
            gas_used: outcome.gas_used,
            state_root: outcome.state_root,
            transactions_root: transactions_root(attributes, &tunnel.mints, body.tx_hashes()),
            withdrawals_root: withdrawals_root(&tunnel.withdrawals),
            btc_tip_height,
            btc_tip_hash,
        };
        let undo = BlockUndo { hvm: hvm_undo, view: view_undo, book: book_undo, parent: self.head };
        Ok(Executed { header, tunnel, body, undo })
    }

    /// Makes an executed block the head, keeping its undo while rewinds may need it.
    fn accept(&mut self, block: &L2Block, mut undo: BlockUndo) {
        assert_eq!(block.header.number, self.head.number.next(), "a block extends the head");
        assert_eq!(block.header.parent_hash, self.head.hash, "a block builds on the head");
        assert!(
            block.header.gas_used <= block.header.gas_limit,
            "block {} uses more gas than its limit",
            block.header.number
        );
        // The view indexes full blocks exactly INDEXER_TIP_LAG behind its headers.
        let (header_tip, _) = self.view.tip();
        assert_eq!(self.view.indexed_tip(), header_tip.down(INDEXER_TIP_LAG), "the view's index lags its headers");
        self.head = Head { number: block.header.number, hash: block.hash() };
        if self.rules.rewind_depth == 0 {
            return;
        }
        undo.hvm.compact();
        self.undo.push_back(undo);
        if self.undo.len() > self.rules.rewind_depth {
            self.undo.pop_front();
        }
    }

    fn undo_block(&mut self, undo: BlockUndo) {
        self.hvm.undo(undo.hvm);
        if let (Some(book), Some(book_undo)) = (self.book.as_mut(), undo.book) {
            book.undo(book_undo);
        }
        self.view.undo(undo.view);
        self.head = undo.parent;
    }
}

/// Compares an imported block with this node's execution of its content.
fn compare(block: &L2Block, executed: &Executed<&[B256]>) -> Result<(), Mismatch> {
    let (b, e) = (&block.header, &executed.header);
    let field = |field, block: String, executed: String| Err(Mismatch::Header { field, block, executed });
    if (b.btc_tip_height, b.btc_tip_hash) != (e.btc_tip_height, e.btc_tip_hash) {
        return field(
            HeaderField::BtcTip,
            format!("{} {}", b.btc_tip_height, b.btc_tip_hash),
            format!("{} {}", e.btc_tip_height, e.btc_tip_hash),
        );
    }
    if b.state_root != e.state_root {
        return field(HeaderField::StateRoot, b.state_root.to_string(), e.state_root.to_string());
    }
    if b.gas_used != e.gas_used {
        return field(HeaderField::GasUsed, b.gas_used.to_string(), e.gas_used.to_string());
    }
    if block.tunnel.withdrawals != executed.tunnel.withdrawals {
        return Err(Mismatch::Withdrawals);
    }
    if b.transactions_root != e.transactions_root {
        return field(HeaderField::TransactionsRoot, b.transactions_root.to_string(), e.transactions_root.to_string());
    }
    if b.withdrawals_root != e.withdrawals_root {
        return field(HeaderField::WithdrawalsRoot, b.withdrawals_root.to_string(), e.withdrawals_root.to_string());
    }
    if b.hash() != block.hash() {
        return Err(Mismatch::BlockHash);
    }
    Ok(())
}

/// Executes one mint's system call on hBTC.
fn apply_mint(builder: &mut BlockBuilder<'_>, mint: &Mint) -> Result<(), Receipt> {
    builder.apply_system_call(HBTC, hbtc::mint_calldata(mint.outpoint_key(), mint.recipient, mint.amount)).map(|_| ())
}

/// A short description of mints for a mismatch report: count and outpoints.
fn describe(mints: &[Mint]) -> String {
    let outpoints: Vec<String> = mints.iter().map(|m| m.outpoint.to_string()).collect();
    format!("{} [{}]", mints.len(), outpoints.join(", "))
}
