//! [`L2Chain`]: one L2 node's chain, the single place where an L2 block is executed.
//!
//! It owns the node's hVM state, the Bitcoin view its chain carries ([`BtcIndexer`]), the
//! tunnel's mint book and the head. Every driver goes through the same private execute path:
//!
//! ```text
//! L1 origin ──► attributes ──► Bitcoin view ──► deposits ──► due mints (book) ──► body ──► finish ──► header
//!  (checked)                                   (L1-info,                          ▲
//!                                               portal)                           │
//!              build (the sequencer): transactions chosen from its mempool
//!              derive (a verifier's derivation): the payload's sequenced transactions, each must apply
//!              import (verifiers): the block's own transactions, each must apply
//! ```
//!
//! so a block is built, derived and checked by the same code: `import` recomputes the header
//! from the block's content and compares it field by field ([`Mismatch`] names the first that
//! differs). A block that does not import leaves the chain exactly as it was, and so does
//! [`L2Chain::rewind_to`] for blocks taken back (an L2 reorg): each block's undo (the values it
//! replaced in the hVM, deposits' mints and nonces included, the Bitcoin view and the book, and
//! the head's L1 origin) is kept for the last `rewind_depth` blocks.
//!
//! **Settlement layer** ([`ChainRules::settlement`]): every block has an L1 origin, the head's
//! (the sequence number goes on) or its child (a new epoch, sequence number 0), no later than
//! the block's timestamp; the L1 times must be on the clock of the L2 timestamps. The block
//! executes its deposited transactions first (the L1-info deposit, then, opening an epoch, the
//! origin's portal deposits in log order), then the Bitcoin attributes' mints and the body.
//! Which origin and which deposits are the right ones (the drift, the sequencing window, every
//! deposit of the epoch) is derivation's to decide: the chain checks only what it can see.
//! The Bitcoin view is block-pinned: the attributes are applied before anything executes, so
//! deposits read the view of their own block, as mints and transactions do.
//!
//! A block without Bitcoin attributes (settlement chains only: a deposit-only block) leaves the
//! view, and so the mints due, as they were: the next block with attributes mints them.

use super::block::{BtcAttributes, L1Origin, L2Block, L2Header, TunnelOps, block_transactions_root, deposit_txs};
use super::btc_view::{BtcView, INDEXER_TIP_LAG};
use super::hvm::{BlockBuilder, BlockEnvSpec, Hvm, HvmUndo, Receipt, RejectReason, TxRejected, hbtc};
use super::indexer::{AttributesError, BtcIndexer, ViewUndo};
use super::tx::L2Tx;
use crate::btc::sealed::SealedBlock;
use crate::eth::deposit_tx::DepositTx;
use crate::eth::derivation::DerivedAttributes;
use crate::eth::types::{L1BlockRef, L2BlockRef, PortalDeposit, SequencedTx};
use crate::tunnel::book::{BookUndo, TunnelBook};
use crate::tunnel::{HBTC, Mint, TunnelParams, withdrawals_in, withdrawals_root};
use crate::units::{BtcHeight, L1Number, L2Number};
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
    /// The settlement layer (`None`: the chain has none, and its blocks no L1 origin).
    pub settlement: Option<SettlementRules>,
}

/// Where the chain's genesis stands on its settlement layer (OP's rollup config `genesis.l1`
/// and `genesis.l2_time`): the genesis block's L1 origin, with sequence number 0, and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettlementRules {
    pub genesis_origin: L1BlockRef,
    pub genesis_time_s: u64,
}

/// What a driver builds a block from, besides the transactions it fills in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockInputs {
    pub timestamp_s: u64,
    pub gas_limit: u64,
    /// The block's L1 origin and deposits: `Some` exactly on a chain with a settlement layer.
    pub l1: Option<L1Inputs>,
    /// `None`: no Bitcoin-attributes transaction (a deposit-only block; settlement chains only).
    pub attributes: Option<BtcAttributes>,
}

impl BlockInputs {
    /// A block of a chain without a settlement layer.
    pub fn bitcoin_only(timestamp_s: u64, gas_limit: u64, attributes: BtcAttributes) -> Self {
        BlockInputs { timestamp_s, gas_limit, l1: None, attributes: Some(attributes) }
    }
}

/// A block's L1 part as a driver gives it: the origin (the sequence number follows from the
/// head's) and the portal deposits it executes (the origin's, when the block opens its epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L1Inputs {
    pub origin: L1BlockRef,
    pub deposits: Vec<PortalDeposit>,
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
    #[error("L1 origin: {0}")]
    L1Origin(OriginMismatch),
    #[error("deposits: {0}")]
    Deposits(DepositsMismatch),
    #[error("a chain without a settlement layer needs Bitcoin attributes in every block")]
    NoAttributes,
    #[error("sequenced transaction {index} is Bitcoin attributes, which only the first may be")]
    MisplacedAttributes { index: usize },
}

/// How a block's L1 origin disagrees with the chain.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OriginMismatch {
    #[error("the chain has no settlement layer")]
    NoSettlementLayer,
    #[error("the chain has a settlement layer and the block no L1 origin")]
    Missing,
    #[error("L1 block {got} is neither the head's origin {head} nor the next")]
    NotNext { head: L1Number, got: L1Number },
    #[error("L1 block {number} is not the head's origin of that number")]
    NotHeadOrigin { number: L1Number },
    #[error("L1 block {number} is not a child of the head's origin")]
    NotChild { number: L1Number },
    #[error("sequence number {got}, expected {expected}")]
    Sequence { expected: u64, got: u64 },
    #[error("the block's time {timestamp_s} is before its origin's {origin_time_s}")]
    BeforeOrigin { timestamp_s: u64, origin_time_s: u64 },
}

/// How a block's deposits disagree with the chain. An index counts the block's portal deposits
/// from 0, except for gas, which counts its deposited transactions (0 is the L1-info deposit).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DepositsMismatch {
    #[error("{count} deposits in a block without an L1 origin")]
    WithoutOrigin { count: usize },
    #[error("{count} deposits in block {sequence_number} of its epoch: only the first carries them")]
    NotFirstOfEpoch { count: usize, sequence_number: u64 },
    #[error("deposit {index} was logged in another L1 block than the origin")]
    OtherL1Block { index: usize },
    #[error("deposit {index} is not after the one before it in log order")]
    NotInLogOrder { index: usize },
    #[error("deposited transaction {index} needs {gas_limit} gas, the block has {remaining} left")]
    BlockGasExceeded { index: usize, gas_limit: u64, remaining: u64 },
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
    /// `None`: the block had no attributes and left the view alone.
    view: Option<ViewUndo>,
    book: Option<BookUndo>,
    parent: Head,
    parent_on_l1: Option<OnL1>,
}

/// Where the head stands on the settlement layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OnL1 {
    time_s: u64,
    origin: L1Origin,
}

/// One L2 node's chain: state, Bitcoin view, tunnel book and head.
#[derive(Debug)]
pub struct L2Chain {
    rules: ChainRules,
    hvm: Hvm,
    view: BtcIndexer,
    book: Option<TunnelBook>,
    head: Head,
    /// The head's time and L1 origin: `Some` exactly when the chain has a settlement layer.
    head_on_l1: Option<OnL1>,
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
        let head_on_l1 = rules.settlement.map(|genesis| OnL1 {
            time_s: genesis.genesis_time_s,
            origin: L1Origin { block: genesis.genesis_origin, sequence_number: 0 },
        });
        L2Chain {
            view: BtcIndexer::with_vault(btc_genesis, rules.tunnel.as_ref().map(|t| t.vault.clone())),
            book: rules.tunnel.clone().map(TunnelBook::new),
            rules,
            hvm,
            head: Head { number: L2Number::ZERO, hash: l2_genesis_hash },
            head_on_l1,
            undo: VecDeque::new(),
        }
    }

    pub fn head(&self) -> Head {
        self.head
    }

    /// The head as derivation tracks it (settlement chains only).
    pub fn head_ref(&self) -> Option<L2BlockRef> {
        self.head_on_l1.map(|on_l1| L2BlockRef {
            number: self.head.number,
            hash: self.head.hash,
            time_s: on_l1.time_s,
            l1_origin: on_l1.origin.block,
        })
    }

    /// The head's L1 origin and sequence number (settlement chains only).
    pub fn head_origin(&self) -> Option<L1Origin> {
        self.head_on_l1.map(|on_l1| on_l1.origin)
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

    /// Builds the next block on the head from `inputs` (which must be right: a builder takes
    /// the attributes from its own Bitcoin node and the origin by the origin rule): deposits,
    /// the due mints the hVM accepts, then the transactions `fill` chooses, applying each to
    /// the builder it is handed. An error names the input that is wrong (or the Bitcoin block
    /// missing); the chain is then unchanged.
    pub fn build(
        &mut self,
        inputs: BlockInputs,
        blocks: BlockSource<'_>,
        fill: impl FnOnce(&mut BlockBuilder<'_>) -> Body,
    ) -> Result<Arc<L2Block>, ImportError> {
        self.build_with(inputs, blocks, |builder| Ok(fill(builder)))
    }

    /// Executes payload attributes as derivation produced them (a verifier deriving the safe
    /// chain), on the head, which must be their parent: the L1-info deposit, the epoch's
    /// deposits, then the batch's sequenced transactions, Bitcoin attributes first, each of
    /// which must apply; `gas_limit` is the chain's (OP's system config). The block is what
    /// [`L2Chain::build`] builds from the same inputs, so it hashes as the sequencer's block
    /// when the sequencer built this payload. An invalid transaction is an error (Holocene: the
    /// caller derives a deposit-only block instead); the chain is then unchanged.
    pub fn derive(
        &mut self,
        attributes: &DerivedAttributes,
        gas_limit: u64,
        blocks: BlockSource<'_>,
    ) -> Result<Arc<L2Block>, ImportError> {
        if attributes.parent.hash != self.head.hash {
            return Err(Mismatch::Parent { head: self.head.hash, got: attributes.parent.hash }.into());
        }
        let Sequenced { attributes: btc_attributes, users } = split_sequenced(&attributes.sequenced)?;
        if let Some(missing) = missing_bitcoin_block(btc_attributes.as_ref(), blocks) {
            return Err(ImportError::WaitForBitcoin(missing));
        }
        let inputs = BlockInputs {
            timestamp_s: attributes.timestamp_s,
            gas_limit,
            l1: Some(L1Inputs { origin: attributes.l1_origin, deposits: attributes.deposits.clone() }),
            attributes: btc_attributes,
        };
        self.build_with(inputs, blocks, |builder| {
            let mut body = Body::default();
            for (index, tx) in users {
                let hash = tx.hash();
                builder
                    .apply_hashed(&tx, hash)
                    .map_err(|rejection| Mismatch::InvalidTransaction { index, rejection })?;
                body.txs.push(tx);
                body.tx_hashes.push(hash);
            }
            Ok(body)
        })
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
        let origin = self.imported_origin(block)?;
        // Every header must name a block this node has, not only those the index needs yet.
        if let Some(missing) = missing_bitcoin_block(block.attributes.as_ref(), blocks) {
            return Err(ImportError::WaitForBitcoin(missing));
        }
        let env = BlockEnvSpec {
            number: header.number,
            timestamp_s: header.timestamp_s,
            gas_limit: header.gas_limit,
            beneficiary: self.rules.beneficiary,
        };
        let carried_tip = self.view().tip().0;
        let content =
            Content { origin: origin.as_ref(), deposits: &block.deposits, attributes: block.attributes.as_ref() };
        let executed = self.execute(&env, content, blocks, |builder, due| {
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
        let planted = planted_stale_reorg_view(block, carried_tip);
        if let Err(mismatch) = planted.map_or_else(|| compare(block, &executed), Err) {
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

    /// Forgets the undo of blocks at or below `number`: they can no longer be taken back (a
    /// settlement chain's safe blocks, which derivation never reorgs).
    pub fn settle_through(&mut self, number: L2Number) {
        while self.undo.front().is_some_and(|undo| undo.parent.number < number) {
            self.undo.pop_front();
        }
    }

    /// The environment of the block that would follow the head.
    fn next_env(&self, timestamp_s: u64, gas_limit: u64) -> BlockEnvSpec {
        BlockEnvSpec { number: self.head.number.next(), timestamp_s, gas_limit, beneficiary: self.rules.beneficiary }
    }

    /// [`L2Chain::build`] with a fill that may refuse (derivation's strict transactions): the
    /// origin checked, the due mints the hVM accepts, then `fill`.
    fn build_with(
        &mut self,
        inputs: BlockInputs,
        blocks: BlockSource<'_>,
        fill: impl FnOnce(&mut BlockBuilder<'_>) -> Result<Body, Mismatch>,
    ) -> Result<Arc<L2Block>, ImportError> {
        let BlockInputs { timestamp_s, gas_limit, l1, attributes } = inputs;
        let (origin_block, deposits) = match l1 {
            Some(L1Inputs { origin, deposits }) => (Some(origin), deposits),
            None => (None, Vec::new()),
        };
        let origin = self.next_origin(timestamp_s, origin_block.as_ref(), &deposits, attributes.is_some())?;
        let env = self.next_env(timestamp_s, gas_limit);
        let content = Content { origin: origin.as_ref(), deposits: &deposits, attributes: attributes.as_ref() };
        let executed = self.execute(&env, content, blocks, |builder, due| {
            // A mint the contract refuses would mean the book and the chain disagree: it is left
            // out (every importer, deriving the same book, then reports the block).
            let mints = due.into_iter().filter(|m| apply_mint(builder, m).is_ok()).collect();
            Ok((mints, fill(builder)?))
        })?;
        let Executed { header, tunnel, body, undo } = executed;
        let block = Arc::new(L2Block::seal(header, deposits, attributes, tunnel, body.txs, body.tx_hashes));
        self.accept(&block, undo);
        Ok(block)
    }

    /// The origin an imported block must have, checked against the head and its own claim.
    fn imported_origin(&self, block: &L2Block) -> Result<Option<L1Origin>, Mismatch> {
        let (header, has_attributes) = (&block.header, block.attributes.is_some());
        let claimed = header.l1_origin;
        let origin_block = claimed.as_ref().map(|claimed| &claimed.block);
        let origin = self.next_origin(header.timestamp_s, origin_block, &block.deposits, has_attributes)?;
        match (origin, claimed) {
            (Some(expected), Some(claimed)) if expected.sequence_number != claimed.sequence_number => {
                let (expected, got) = (expected.sequence_number, claimed.sequence_number);
                Err(Mismatch::L1Origin(OriginMismatch::Sequence { expected, got }))
            }
            _ => Ok(origin),
        }
    }

    /// The L1 origin of the next block, whose origin is `origin_block` (`None`: it has none),
    /// with the sequence number it must have, after checking it against the head and the
    /// block's deposits and attributes against it.
    fn next_origin(
        &self,
        timestamp_s: u64,
        origin_block: Option<&L1BlockRef>,
        deposits: &[PortalDeposit],
        has_attributes: bool,
    ) -> Result<Option<L1Origin>, Mismatch> {
        let Some(head) = self.head_on_l1 else {
            return match origin_block {
                Some(_) => Err(Mismatch::L1Origin(OriginMismatch::NoSettlementLayer)),
                None if !deposits.is_empty() => {
                    Err(Mismatch::Deposits(DepositsMismatch::WithoutOrigin { count: deposits.len() }))
                }
                None if !has_attributes => Err(Mismatch::NoAttributes),
                None => Ok(None),
            };
        };
        let block = origin_block.ok_or(Mismatch::L1Origin(OriginMismatch::Missing))?;
        let origin = origin_after(&head.origin, block).map_err(Mismatch::L1Origin)?;
        if timestamp_s < block.time_s {
            let mismatch = OriginMismatch::BeforeOrigin { timestamp_s, origin_time_s: block.time_s };
            return Err(Mismatch::L1Origin(mismatch));
        }
        check_deposits(&origin, deposits).map_err(Mismatch::Deposits)?;
        Ok(Some(origin))
    }

    /// The one execution path: attributes into the view, then the deposited transactions and
    /// `body` (mints and transactions, as the driver decides) on a builder, then the header.
    /// On error nothing has changed; on success the caller accepts the block or undoes it.
    fn execute<T: TxHashes>(
        &mut self,
        env: &BlockEnvSpec,
        content: Content<'_>,
        blocks: BlockSource<'_>,
        body: impl FnOnce(&mut BlockBuilder<'_>, Vec<Mint>) -> Result<(Vec<Mint>, T), Mismatch>,
    ) -> Result<Executed<T>, ImportError> {
        let Content { origin, deposits, attributes } = content;
        let view_undo = match attributes.map(|a| self.view.apply(a, self.rules.max_headers_per_block, blocks)) {
            None => None,
            Some(Ok(undo)) => Some(undo),
            Some(Err(AttributesError::MissingBlock(hash))) => return Err(ImportError::WaitForBitcoin(hash)),
            Some(Err(e)) => return Err(Mismatch::Attributes(e).into()),
        };
        // Mints follow the view's update: a block without attributes has none due.
        let due = match (&self.book, attributes) {
            (Some(book), Some(_)) => book.due(&self.view),
            _ => Vec::new(),
        };
        let deposit_txs = origin.map(|origin| deposit_txs(origin, deposits)).unwrap_or_default();
        let mut builder = self.hvm.begin_block(env, &self.view);
        let executed = apply_deposits(&mut builder, &deposit_txs).and_then(|()| body(&mut builder, due));
        let (mints, body) = match executed {
            Ok(done) => done,
            Err(mismatch) => {
                drop(builder); // unfinished: rolls the state back
                if let Some(undo) = view_undo {
                    self.view.undo(undo);
                }
                return Err(mismatch.into());
            }
        };
        let (outcome, hvm_undo) = builder.finish_with_undo();
        let book_undo = match (self.book.as_mut(), attributes) {
            (Some(book), Some(_)) => Some(book.record(&mints, &self.view)),
            _ => None,
        };
        // Deposits execute first: the first receipts are theirs.
        let deposit_hashes: Vec<B256> = outcome.receipts[..deposit_txs.len()].iter().map(|r| r.tx_hash).collect();
        let tunnel = TunnelOps { withdrawals: withdrawals_in(&outcome.receipts), mints };
        let (btc_tip_height, btc_tip_hash) = self.view.tip();
        let header = L2Header {
            number: env.number,
            parent_hash: self.head.hash,
            timestamp_s: env.timestamp_s,
            gas_limit: env.gas_limit,
            gas_used: outcome.gas_used,
            state_root: outcome.state_root,
            transactions_root: block_transactions_root(&deposit_hashes, attributes, &tunnel.mints, body.tx_hashes()),
            withdrawals_root: withdrawals_root(&tunnel.withdrawals),
            btc_tip_height,
            btc_tip_hash,
            l1_origin: origin.copied(),
        };
        let undo = BlockUndo {
            hvm: hvm_undo,
            view: view_undo,
            book: book_undo,
            parent: self.head,
            parent_on_l1: self.head_on_l1,
        };
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
        self.head_on_l1 = block.header.l1_origin.map(|origin| OnL1 { time_s: block.header.timestamp_s, origin });
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
        if let Some(view_undo) = undo.view {
            self.view.undo(view_undo);
        }
        self.head = undo.parent;
        self.head_on_l1 = undo.parent_on_l1;
    }
}

/// Compares an imported block with this node's execution of its content.
/// [`PlantedBug::StaleReorgView`] (test-only, see [`crate::planted`]): a block that carries a
/// Bitcoin reorg (its attributes fork below the tip the chain carried) executes as if the
/// reorged-out headers were still in the view, so the state root differs.
fn planted_stale_reorg_view(block: &L2Block, carried_tip: BtcHeight) -> Option<Mismatch> {
    let forks = block.attributes.as_ref().is_some_and(|a| a.fork_height < carried_tip);
    (forks && crate::planted::armed(crate::planted::PlantedBug::StaleReorgView)).then(|| Mismatch::Header {
        field: HeaderField::StateRoot,
        block: block.header.state_root.to_string(),
        executed: (!block.header.state_root).to_string(),
    })
}

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

/// What the execute path runs before the driver's body: the block's L1 origin and portal
/// deposits, and its Bitcoin attributes.
#[derive(Clone, Copy)]
struct Content<'a> {
    origin: Option<&'a L1Origin>,
    deposits: &'a [PortalDeposit],
    attributes: Option<&'a BtcAttributes>,
}

/// The origin of a block whose origin is `block`, after a head with origin `head`: the same L1
/// block (the epoch goes on) or its child (a new epoch).
fn origin_after(head: &L1Origin, block: &L1BlockRef) -> Result<L1Origin, OriginMismatch> {
    if block.number == head.block.number {
        if *block != head.block {
            return Err(OriginMismatch::NotHeadOrigin { number: block.number });
        }
        return Ok(L1Origin { block: *block, sequence_number: head.sequence_number + 1 });
    }
    if block.number != head.block.number.next() {
        return Err(OriginMismatch::NotNext { head: head.block.number, got: block.number });
    }
    if block.parent_hash != head.block.hash {
        return Err(OriginMismatch::NotChild { number: block.number });
    }
    Ok(L1Origin { block: *block, sequence_number: 0 })
}

/// Portal deposits only in an epoch's first block, all logged in its origin, in log order.
fn check_deposits(origin: &L1Origin, deposits: &[PortalDeposit]) -> Result<(), DepositsMismatch> {
    if deposits.is_empty() {
        return Ok(());
    }
    if origin.sequence_number != 0 {
        let (count, sequence_number) = (deposits.len(), origin.sequence_number);
        return Err(DepositsMismatch::NotFirstOfEpoch { count, sequence_number });
    }
    if let Some(index) = deposits.iter().position(|d| d.l1_block_hash != origin.block.hash) {
        return Err(DepositsMismatch::OtherL1Block { index });
    }
    match deposits.windows(2).position(|pair| pair[1].log_index <= pair[0].log_index) {
        Some(before) => Err(DepositsMismatch::NotInLogOrder { index: before + 1 }),
        None => Ok(()),
    }
}

/// Executes the block's deposited transactions, in order; only gas can refuse one.
fn apply_deposits(builder: &mut BlockBuilder<'_>, deposits: &[DepositTx]) -> Result<(), Mismatch> {
    for (index, deposit) in deposits.iter().enumerate() {
        if let Err(rejected) = builder.apply_deposit(deposit) {
            let RejectReason::BlockGasExceeded { gas_limit, remaining } = rejected.reason else {
                unreachable!("a deposit that fits the block is never refused: {rejected}");
            };
            return Err(Mismatch::Deposits(DepositsMismatch::BlockGasExceeded { index, gas_limit, remaining }));
        }
    }
    Ok(())
}

/// A payload's sequenced transactions as a block has them.
struct Sequenced {
    /// The Bitcoin attributes, if the first transaction is.
    attributes: Option<BtcAttributes>,
    /// The user transactions, with their index in the payload.
    users: Vec<(usize, Arc<L2Tx>)>,
}

/// Splits a payload's sequenced transactions; attributes anywhere but first are a mismatch.
fn split_sequenced(sequenced: &[SequencedTx]) -> Result<Sequenced, Mismatch> {
    let attributes = match sequenced.first() {
        Some(SequencedTx::BtcAttributes(attributes)) => Some(attributes.clone()),
        _ => None,
    };
    let skip = usize::from(attributes.is_some());
    let users = sequenced.iter().enumerate().skip(skip).map(|(index, tx)| match tx {
        SequencedTx::User(tx) => Ok((index, tx.clone())),
        SequencedTx::BtcAttributes(_) => Err(Mismatch::MisplacedAttributes { index }),
    });
    Ok(Sequenced { attributes, users: users.collect::<Result<_, _>>()? })
}

/// The first Bitcoin block the attributes name that this node does not have.
fn missing_bitcoin_block(attributes: Option<&BtcAttributes>, blocks: BlockSource<'_>) -> Option<BlockHash> {
    attributes?.headers.iter().map(|h| h.block_hash()).find(|h| blocks(h).is_none())
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
