//! L2 blocks and the Bitcoin attributes they carry.
//!
//! Every L2 block starts with the Bitcoin-attributes system transaction (Hemi's type 0x7C
//! "Bitcoin Attributes Deposited"): the Bitcoin headers the L2 chain ingests with this block,
//! oldest first, attached to its canonical Bitcoin chain at `fork_height`. Headers above the fork
//! that the chain carried before are replaced: that is how a Bitcoin reorg reaches the L2. The
//! last ingested header is the block's canonical Bitcoin tip, which the hVM reads.
//!
//! After the attributes come the tunnel's deposit mints (system calls), then user transactions.
//! The block also lists the tunnel withdrawals its execution produced (hBTC's `Withdrawal`
//! events), which the vault operator pays out.
//!
//! Hashes are keccak-256 of canonical encodings (fixed-width big-endian fields). The transactions
//! root is a hash chain over the attributes, the mints and the transaction hashes, not a Patricia
//! trie: it commits to the same content in the same order, without per-transaction proofs. The
//! withdrawals root is the same kind of chain over the withdrawals.

use super::tx::L2Tx;
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
}

impl L2Header {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + 32 + 8 + 8 + 8 + 32 + 32 + 32 + 4 + 32);
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
        out
    }

    pub fn hash(&self) -> B256 {
        keccak256(self.encode())
    }
}

/// A sealed L2 block: header, attributes, transactions with their hashes, and the header's hash.
///
/// As with [`crate::btc::sealed::SealedBlock`], every peer receives the same immutable object, so
/// the hashes (pure functions of its content) are computed once, when it is sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L2Block {
    pub header: L2Header,
    pub attributes: BtcAttributes,
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
        attributes: BtcAttributes,
        tunnel: TunnelOps,
        txs: Vec<Arc<L2Tx>>,
        tx_hashes: Vec<B256>,
    ) -> L2Block {
        debug_assert!(txs.iter().zip(&tx_hashes).all(|(t, h)| t.hash() == *h));
        L2Block { hash: header.hash(), header, attributes, tunnel, txs, tx_hashes }
    }

    /// A block without tunnel operations, hashing its transactions.
    pub fn seal_hashing(header: L2Header, attributes: BtcAttributes, txs: Vec<Arc<L2Tx>>) -> L2Block {
        let hashes = txs.iter().map(|t| t.hash()).collect();
        L2Block::seal(header, attributes, TunnelOps::default(), txs, hashes)
    }

    pub fn hash(&self) -> B256 {
        self.hash
    }

    pub fn tx_hashes(&self) -> &[B256] {
        &self.tx_hashes
    }
}

/// The tunnel's part of a block: deposit mints (inputs, executed before user transactions) and
/// withdrawals (outputs of its execution).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TunnelOps {
    pub mints: Vec<Mint>,
    pub withdrawals: Vec<Withdrawal>,
}

/// keccak-256 hash chain over the attributes, the mints' hashes and the transaction hashes, in
/// order.
pub fn transactions_root(attributes: &BtcAttributes, mints: &[Mint], tx_hashes: &[B256]) -> B256 {
    let mut acc = keccak256(attributes.encode());
    for hash in mints.iter().map(Mint::hash).chain(tx_hashes.iter().copied()) {
        let mut pair = [0u8; 64];
        pair[..32].copy_from_slice(acc.as_slice());
        pair[32..].copy_from_slice(hash.as_slice());
        acc = keccak256(pair);
    }
    acc
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
}
