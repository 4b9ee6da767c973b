//! L2 blocks and the Bitcoin attributes they carry.
//!
//! Every L2 block of a chain without a settlement layer starts with the Bitcoin-attributes
//! system transaction (Hemi's type 0x7C "Bitcoin Attributes Deposited"): the Bitcoin headers the
//! L2 chain ingests with this block, oldest first, attached to its canonical Bitcoin chain at
//! `fork_height`. Headers above the fork that the chain carried before are replaced: that is how
//! a Bitcoin reorg reaches the L2. The last ingested header is the block's canonical Bitcoin tip,
//! which the hVM reads.
//!
//! After the attributes come the tunnel's deposit mints (system calls), then user transactions.
//! The block also lists the tunnel withdrawals its execution produced (hBTC's `Withdrawal`
//! events), which the vault operator pays out.
//!
//! **With a settlement layer** (Ethereum, OP-stack derivation) a block also has an L1 origin and
//! a sequence number in its header ([`L1Origin`]), and it opens with deposited transactions
//! (type 0x7E), in OP's order: the L1-info deposit (recomputed from the origin, not carried),
//! then, in the first block of an epoch, the origin's portal deposits in log order
//! ([`L2Block::deposits`]). What the sequencer adds follows: in Hemi the Bitcoin attributes are a
//! sequenced transaction, so a block may have none (`attributes: None`): a deposit-only block
//! (sequencing-window expiry, or past the drift) carries no attributes, hence no mints and no
//! Bitcoin view update (the hVM's Bitcoin view freezes), and no user transactions. A chain
//! without a settlement layer always has attributes; its headers carry no L1 origin and encode
//! exactly as before settlement existed.
//!
//! Hashes are keccak-256 of canonical encodings (fixed-width big-endian fields). The transactions
//! root is a hash chain over the deposits, the attributes, the mints and the transaction hashes,
//! not a Patricia trie: it commits to the same content in the same order, without
//! per-transaction proofs. The withdrawals root is the same kind of chain over the withdrawals.

use super::tx::L2Tx;
use crate::eth::deposit_tx::{DepositTx, L1InfoDeposit};
use crate::eth::types::{L1BlockRef, L2BlockRef, PortalDeposit, SequencedTx};
use crate::tunnel::{Mint, Withdrawal};
use crate::units::{BtcHeight, L2Number};
use bitcoin::BlockHash;
use bitcoin::block::Header;
use bitcoin::consensus::encode::serialize;
use revm::primitives::{B256, keccak256};
use std::sync::Arc;

/// The Bitcoin-attributes system transaction of one L2 block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BtcAttributes {
    /// Height of the carried canonical block the new headers build on.
    pub fork_height: BtcHeight,
    /// New headers, oldest first; the first one's parent is the carried header at `fork_height`.
    pub headers: Vec<Header>,
}

impl BtcAttributes {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 4 + 1 + 80 * self.headers.len());
        out.push(0x7c);
        out.extend_from_slice(&self.fork_height.0.to_be_bytes());
        out.push(self.headers.len() as u8);
        for header in &self.headers {
            out.extend_from_slice(&serialize(header));
        }
        out
    }

    /// Height of the last header this carries, or `fork_height` when it carries none.
    pub fn tip_height(&self) -> BtcHeight {
        self.fork_height.up(self.headers.len() as u32)
    }
}

/// A block's L1 origin and its place in the epoch (chains with a settlement layer only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L1Origin {
    pub block: L1BlockRef,
    /// How many blocks of the same epoch precede this one (0 opens the epoch).
    pub sequence_number: u64,
}

impl L1Origin {
    /// Number, hash, parent hash and time of the origin, then the sequence number: 88 bytes.
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.block.number.0.to_be_bytes());
        out.extend_from_slice(self.block.hash.as_slice());
        out.extend_from_slice(self.block.parent_hash.as_slice());
        out.extend_from_slice(&self.block.time_s.to_be_bytes());
        out.extend_from_slice(&self.sequence_number.to_be_bytes());
    }

    /// The L1-info deposit of a block with this origin.
    pub fn l1_info(&self) -> L1InfoDeposit {
        L1InfoDeposit::new(&self.block, self.sequence_number)
    }
}

/// The deposited transactions of a block with origin `origin`, in execution order: the L1-info
/// deposit, then the portal deposits it carries.
pub fn deposit_txs(origin: &L1Origin, deposits: &[PortalDeposit]) -> Vec<DepositTx> {
    let user = deposits.iter().map(DepositTx::of_portal_deposit);
    std::iter::once(origin.l1_info().to_deposit_tx()).chain(user).collect()
}

/// An L2 block header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L2Header {
    pub number: L2Number,
    pub parent_hash: B256,
    pub timestamp_s: u64,
    pub gas_limit: u64,
    pub gas_used: u64,
    pub state_root: B256,
    pub transactions_root: B256,
    /// Commits to the tunnel withdrawals of this block ([`crate::tunnel::withdrawals_root`]).
    pub withdrawals_root: B256,
    /// The canonical Bitcoin tip after this block's attributes: the hVM's view.
    pub btc_tip_height: BtcHeight,
    pub btc_tip_hash: BlockHash,
    /// The L1 origin: `Some` exactly on chains with a settlement layer (encoded last, so a
    /// header without one encodes as headers always did).
    pub l1_origin: Option<L1Origin>,
}

impl L2Header {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + 32 + 8 + 8 + 8 + 32 + 32 + 32 + 4 + 32 + 88);
        out.extend_from_slice(&self.number.0.to_be_bytes());
        out.extend_from_slice(self.parent_hash.as_slice());
        out.extend_from_slice(&self.timestamp_s.to_be_bytes());
        out.extend_from_slice(&self.gas_limit.to_be_bytes());
        out.extend_from_slice(&self.gas_used.to_be_bytes());
        out.extend_from_slice(self.state_root.as_slice());
        out.extend_from_slice(self.transactions_root.as_slice());
        out.extend_from_slice(self.withdrawals_root.as_slice());
        out.extend_from_slice(&self.btc_tip_height.0.to_be_bytes());
        out.extend_from_slice(&serialize(&self.btc_tip_hash));
        if let Some(origin) = &self.l1_origin {
            origin.encode_into(&mut out);
        }
        out
    }

    pub fn hash(&self) -> B256 {
        keccak256(self.encode())
    }
}

/// A sealed L2 block: header, deposits, attributes, transactions with their hashes, and the
/// header's hash.
///
/// As with [`crate::btc::sealed::SealedBlock`], every peer receives the same immutable object, so
/// the hashes (pure functions of its content) are computed once, when it is sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L2Block {
    pub header: L2Header,
    /// The portal deposits it executes after its L1-info deposit: its origin's, in log order,
    /// when it opens the epoch; none otherwise, and none without a settlement layer.
    pub deposits: Vec<PortalDeposit>,
    /// `None` only on a chain with a settlement layer: a block without the Bitcoin-attributes
    /// transaction (a deposit-only block), which leaves the Bitcoin view and the mints alone.
    pub attributes: Option<BtcAttributes>,
    pub tunnel: TunnelOps,
    pub txs: Vec<Arc<L2Tx>>,
    tx_hashes: Vec<B256>,
    hash: B256,
}

impl L2Block {
    /// Seals a block; `tx_hashes[i]` must be `txs[i].hash()` (callers that already know them,
    /// like the sequencer, pass them; [`L2Block::seal_hashing`] computes them).
    pub fn seal(
        header: L2Header,
        deposits: Vec<PortalDeposit>,
        attributes: Option<BtcAttributes>,
        tunnel: TunnelOps,
        txs: Vec<Arc<L2Tx>>,
        tx_hashes: Vec<B256>,
    ) -> L2Block {
        debug_assert!(txs.iter().zip(&tx_hashes).all(|(t, h)| t.hash() == *h));
        L2Block { hash: header.hash(), header, deposits, attributes, tunnel, txs, tx_hashes }
    }

    /// A block without deposits or tunnel operations, hashing its transactions.
    pub fn seal_hashing(header: L2Header, attributes: BtcAttributes, txs: Vec<Arc<L2Tx>>) -> L2Block {
        let hashes = txs.iter().map(|t| t.hash()).collect();
        L2Block::seal(header, Vec::new(), Some(attributes), TunnelOps::default(), txs, hashes)
    }

    pub fn hash(&self) -> B256 {
        self.hash
    }

    pub fn tx_hashes(&self) -> &[B256] {
        &self.tx_hashes
    }

    /// The deposited transactions it executes first, in order: its L1-info deposit and its
    /// portal deposits (none without an L1 origin).
    pub fn deposit_txs(&self) -> Vec<DepositTx> {
        self.header.l1_origin.map(|origin| deposit_txs(&origin, &self.deposits)).unwrap_or_default()
    }

    /// What the sequencer added, as a batch carries it: the Bitcoin attributes (if any), then
    /// the user transactions.
    pub fn sequenced(&self) -> Vec<SequencedTx> {
        let attributes = self.attributes.iter().cloned().map(SequencedTx::BtcAttributes);
        attributes.chain(self.txs.iter().cloned().map(SequencedTx::User)).collect()
    }

    /// The block as derivation tracks it (chains with a settlement layer only).
    pub fn l2_ref(&self) -> Option<L2BlockRef> {
        let origin = self.header.l1_origin?;
        Some(L2BlockRef {
            number: self.header.number,
            hash: self.hash,
            time_s: self.header.timestamp_s,
            l1_origin: origin.block,
        })
    }
}

/// The tunnel's part of a block: deposit mints (inputs, executed before user transactions) and
/// withdrawals (outputs of its execution).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TunnelOps {
    pub mints: Vec<Mint>,
    pub withdrawals: Vec<Withdrawal>,
}

/// The transactions root of a block with Bitcoin attributes and no deposits (every block of a
/// chain without a settlement layer): [`block_transactions_root`] with no deposits.
pub fn transactions_root(attributes: &BtcAttributes, mints: &[Mint], tx_hashes: &[B256]) -> B256 {
    block_transactions_root(&[], Some(attributes), mints, tx_hashes)
}

/// keccak-256 hash chain over the block's content in execution order: the deposited
/// transactions' hashes, the attributes' hash, the mints' hashes and the transaction hashes.
/// The first item starts the chain and each next one is hashed onto it (`acc = keccak(acc ‖
/// item)`), so a block without deposits has the root blocks always had. Empty content (never a
/// valid block) gives `keccak256("")`.
pub fn block_transactions_root(
    deposit_hashes: &[B256],
    attributes: Option<&BtcAttributes>,
    mints: &[Mint],
    tx_hashes: &[B256],
) -> B256 {
    let attributes = attributes.map(|a| keccak256(a.encode()));
    let mut items = (deposit_hashes.iter().copied())
        .chain(attributes)
        .chain(mints.iter().map(Mint::hash))
        .chain(tx_hashes.iter().copied());
    let Some(first) = items.next() else { return keccak256([]) };
    items.fold(first, |acc, hash| {
        let mut pair = [0u8; 64];
        pair[..32].copy_from_slice(acc.as_slice());
        pair[32..].copy_from_slice(hash.as_slice());
        keccak256(pair)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::Hash;

    /// The typed number and heights encode as the fixed-width big-endian integers they always
    /// were: header hashes (and so keystones and traces) do not depend on the types.
    #[test]
    fn typed_numbers_encode_as_big_endian_integers() {
        let header = L2Header {
            number: L2Number(0x0102_0304_0506_0708),
            parent_hash: B256::repeat_byte(0x11),
            timestamp_s: 0,
            gas_limit: 0,
            gas_used: 0,
            state_root: B256::ZERO,
            transactions_root: B256::ZERO,
            withdrawals_root: B256::ZERO,
            btc_tip_height: BtcHeight(0x0a0b_0c0d),
            btc_tip_hash: BlockHash::all_zeros(),
            l1_origin: None,
        };
        let bytes = header.encode();
        assert_eq!(bytes.len(), 8 + 32 + 8 + 8 + 8 + 32 + 32 + 32 + 4 + 32);
        assert_eq!(bytes[..8], [1, 2, 3, 4, 5, 6, 7, 8]);
        let tip_at = 8 + 32 + 8 + 8 + 8 + 32 + 32 + 32;
        assert_eq!(bytes[tip_at..tip_at + 4], [0x0a, 0x0b, 0x0c, 0x0d]);
        let attributes = BtcAttributes { fork_height: BtcHeight(0x0102_0304), headers: vec![] };
        assert_eq!(attributes.encode(), [0x7c, 1, 2, 3, 4, 0]);
        assert_eq!(attributes.tip_height(), BtcHeight(0x0102_0304));
    }

    fn origin() -> L1Origin {
        let block = L1BlockRef {
            number: crate::units::L1Number(0x0102),
            hash: B256::repeat_byte(0xaa),
            parent_hash: B256::repeat_byte(0xbb),
            time_s: 0x0304,
        };
        L1Origin { block, sequence_number: 5 }
    }

    #[test]
    fn an_l1_origin_is_appended_to_the_header_encoding() {
        let without = L2Header {
            number: L2Number(1),
            parent_hash: B256::ZERO,
            timestamp_s: 12,
            gas_limit: 30_000_000,
            gas_used: 0,
            state_root: B256::ZERO,
            transactions_root: B256::ZERO,
            withdrawals_root: B256::ZERO,
            btc_tip_height: BtcHeight(0),
            btc_tip_hash: BlockHash::all_zeros(),
            l1_origin: None,
        };
        let with = L2Header { l1_origin: Some(origin()), ..without.clone() };
        let (old, new) = (without.encode(), with.encode());
        assert_eq!(new.len(), old.len() + 88);
        assert_eq!(new[..old.len()], old[..], "the fields before it encode as without one");
        let tail = &new[old.len()..];
        assert_eq!(tail[..8], 0x0102u64.to_be_bytes(), "origin number");
        assert_eq!(tail[8..40], [0xaa; 32], "origin hash");
        assert_eq!(tail[40..72], [0xbb; 32], "its parent");
        assert_eq!(tail[72..80], 0x0304u64.to_be_bytes(), "its time");
        assert_eq!(tail[80..], 5u64.to_be_bytes(), "sequence number");
        assert_ne!(with.hash(), without.hash());
    }

    #[test]
    fn the_transactions_root_chains_deposits_before_the_attributes_in_order() {
        let attributes = BtcAttributes { fork_height: BtcHeight(3), headers: vec![] };
        let txs = [B256::repeat_byte(1), B256::repeat_byte(2)];
        let chain = |items: &[B256]| {
            items[1..].iter().fold(items[0], |acc, item| keccak256([acc.as_slice(), item.as_slice()].concat()))
        };
        let attributes_hash = keccak256(attributes.encode());
        assert_eq!(transactions_root(&attributes, &[], &txs), chain(&[attributes_hash, txs[0], txs[1]]));
        let deposits = deposit_txs(&origin(), &[]).iter().map(DepositTx::hash).collect::<Vec<_>>();
        assert_eq!(deposits.len(), 1, "the L1-info deposit");
        assert_eq!(
            block_transactions_root(&deposits, Some(&attributes), &[], &txs),
            chain(&[deposits[0], attributes_hash, txs[0], txs[1]])
        );
        assert_eq!(block_transactions_root(&deposits, None, &[], &[]), deposits[0], "a deposit-only block");
        let swapped = [txs[1], txs[0]];
        assert_ne!(
            block_transactions_root(&deposits, None, &[], &txs),
            block_transactions_root(&deposits, None, &[], &swapped),
            "order matters"
        );
    }
}
