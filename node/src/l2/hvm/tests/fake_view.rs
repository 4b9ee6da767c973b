//! An in-memory [`BtcView`] and a small hand-built Bitcoin chain to run the precompiles against.
//!
//! The chain (`standard_chain`), heights 0..=5, so the header tip is 5 and the indexed tip 3:
//!
//! ```text
//! 0: a coinbase pays 50 BTC to D
//! 1: cb1 pays 50 BTC to A
//! 2: cb2 pays 25 BTC to A;  T spends cb1:0 → 30 BTC to B, OP_RETURN "hvm", 19 BTC to A
//! 3: cb3 pays 12.5 BTC to D
//! 4, 5: coinbases to D (headers only: above the indexed tip)
//! ```
//!
//! UTXOs at the indexed tip: A {cb2:0 25 BTC, T:2 19 BTC}, B {T:0 30 BTC}, D {cb0:0, cb3:0}.

use crate::l2::btc_view::{BtcView, INDEXER_TIP_LAG, IndexedTx, IndexedUtxo};
use crate::l2::hvm::precompiles::is_unspendable;
use crate::units::BtcHeight;
use bitcoin::absolute::LockTime;
use bitcoin::address::{Address, KnownHrp};
use bitcoin::block::{Header, Version as BlockVersion};
use bitcoin::hashes::Hash;
use bitcoin::transaction::Version;
use bitcoin::{
    Amount, BlockHash, CompactTarget, Network, OutPoint, PubkeyHash, ScriptBuf, Sequence, Transaction, TxIn,
    TxMerkleNode, TxOut, Txid, Witness, WitnessProgram, WitnessVersion,
};
use std::collections::BTreeMap;

/// Headers and full blocks; the tx and UTXO index is computed on demand from the blocks up to
/// the indexed tip (header tip − 2), so appending a block moves the index like hVM's does.
#[derive(Debug, Default, Clone)]
pub struct FakeBtcView {
    /// Index = height.
    pub headers: Vec<Header>,
    /// The transactions of the block at each height.
    pub blocks: Vec<Vec<Transaction>>,
}

impl BtcView for FakeBtcView {
    fn header_tip(&self) -> Option<(BtcHeight, Header)> {
        let last = self.headers.last()?;
        Some((BtcHeight(self.headers.len() as u32 - 1), *last))
    }
    fn header_at(&self, height: BtcHeight) -> Option<Header> {
        self.headers.get(height.0 as usize).copied()
    }
    fn indexed_tip(&self) -> Option<BtcHeight> {
        self.header_tip()?.0.down(INDEXER_TIP_LAG)
    }
    fn utxos_of(&self, script: &ScriptBuf) -> Vec<IndexedUtxo> {
        let mut unspent = BTreeMap::new();
        for tx in self.indexed_txs() {
            for input in &tx.input {
                unspent.remove(&(input.previous_output.txid, input.previous_output.vout));
            }
            let txid = tx.compute_txid();
            for (vout, output) in tx.output.iter().enumerate() {
                // Like Bitcoin Core and TBC, an unspendable output never enters the UTXO set.
                if output.script_pubkey == *script && !is_unspendable(&output.script_pubkey) {
                    unspent.insert((txid, vout as u32), output.value);
                }
            }
        }
        unspent.into_iter().map(|((txid, vout), value)| IndexedUtxo { txid, vout, value }).collect()
    }
    fn transaction(&self, txid: &Txid) -> Option<IndexedTx> {
        let indexed = self.indexed_tip()?.0 as usize;
        for (height, txs) in self.blocks.iter().enumerate().take(indexed + 1) {
            if let Some(position) = txs.iter().position(|tx| tx.compute_txid() == *txid) {
                let block_hash = self.headers[height].block_hash();
                let tx = txs[position].clone();
                return Some(IndexedTx {
                    tx,
                    block_height: BtcHeight(height as u32),
                    block_hash,
                    position: position as u32,
                });
            }
        }
        None
    }
}

impl FakeBtcView {
    /// Appends a block at the next height.
    pub fn push_block(&mut self, txs: Vec<Transaction>) {
        let height = self.headers.len() as u32;
        let prev_blockhash = self.headers.last().map_or(BlockHash::all_zeros(), |h| h.block_hash());
        self.headers.push(Header {
            version: BlockVersion::from_consensus(0x2000_0000),
            prev_blockhash,
            merkle_root: TxMerkleNode::from_byte_array([height as u8 + 0xa0; 32]),
            time: 1_700_000_000 + 600 * height,
            bits: CompactTarget::from_consensus(0x207f_ffff),
            nonce: 1000 + height,
        });
        self.blocks.push(txs);
    }

    /// Transactions of the indexed blocks, in chain order.
    fn indexed_txs(&self) -> impl Iterator<Item = &Transaction> {
        let indexed = self.indexed_tip().map_or(0, |tip| tip.0 as usize + 1);
        self.blocks.iter().take(indexed).flatten()
    }
}

pub fn p2pkh_script(hash: [u8; 20]) -> ScriptBuf {
    let mut bytes = vec![0x76, 0xa9, 0x14];
    bytes.extend_from_slice(&hash);
    bytes.extend_from_slice(&[0x88, 0xac]);
    ScriptBuf::from_bytes(bytes)
}

pub fn p2wpkh_script(program: [u8; 20]) -> ScriptBuf {
    let mut bytes = vec![0x00, 0x14];
    bytes.extend_from_slice(&program);
    ScriptBuf::from_bytes(bytes)
}

pub fn p2pkh_address(hash: [u8; 20]) -> String {
    Address::p2pkh(PubkeyHash::from_byte_array(hash), Network::Regtest).to_string()
}

pub fn segwit_address(version: WitnessVersion, program: &[u8]) -> String {
    let program = WitnessProgram::new(version, program).expect("test programs have valid lengths");
    Address::from_witness_program(program, KnownHrp::Regtest).to_string()
}

pub const A: [u8; 20] = [0x42; 20];
pub const B: [u8; 20] = [0x33; 20];
pub const D: [u8; 20] = [0x99; 20];
pub const UNFUNDED: [u8; 20] = [0x11; 20];
pub const BTC: u64 = 100_000_000;

pub fn coinbase(height: u8, script: ScriptBuf, sats: u64) -> Transaction {
    Transaction {
        version: Version::TWO,
        lock_time: LockTime::ZERO,
        input: vec![TxIn {
            previous_output: OutPoint::null(),
            script_sig: ScriptBuf::from_bytes(vec![0x01, height]),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output: vec![TxOut { value: Amount::from_sat(sats), script_pubkey: script }],
    }
}

/// The chain described in the module docs, and its transactions (cb1, cb2, T, cb3).
#[derive(Debug, Clone)]
pub struct StandardChain {
    pub view: FakeBtcView,
    pub cb1: Transaction,
    pub cb2: Transaction,
    pub t: Transaction,
    pub cb3: Transaction,
}

pub fn op_return_hvm() -> ScriptBuf {
    ScriptBuf::from_bytes(vec![0x6a, 0x03, b'h', b'v', b'm'])
}

pub fn standard_chain() -> StandardChain {
    let cb1 = coinbase(1, p2pkh_script(A), 50 * BTC);
    let cb2 = coinbase(2, p2pkh_script(A), 25 * BTC);
    let t = Transaction {
        version: Version::TWO,
        lock_time: LockTime::from_consensus(101),
        input: vec![TxIn {
            previous_output: OutPoint { txid: cb1.compute_txid(), vout: 0 },
            script_sig: ScriptBuf::from_bytes(vec![0x51; 20]),
            sequence: Sequence(0xffff_fffe),
            witness: Witness::from_slice(&[vec![0xaa, 0xbb], vec![0xcc]]),
        }],
        output: vec![
            TxOut { value: Amount::from_sat(30 * BTC), script_pubkey: p2wpkh_script(B) },
            TxOut { value: Amount::ZERO, script_pubkey: op_return_hvm() },
            TxOut { value: Amount::from_sat(19 * BTC), script_pubkey: p2pkh_script(A) },
        ],
    };
    let cb3 = coinbase(3, p2pkh_script(D), 12 * BTC + BTC / 2);
    let mut view = FakeBtcView::default();
    view.push_block(vec![coinbase(0, p2pkh_script(D), 50 * BTC)]);
    view.push_block(vec![cb1.clone()]);
    view.push_block(vec![cb2.clone(), t.clone()]);
    view.push_block(vec![cb3.clone()]);
    view.push_block(vec![coinbase(4, p2pkh_script(D), BTC)]);
    view.push_block(vec![coinbase(5, p2pkh_script(D), BTC)]);
    StandardChain { view, cb1, cb2, t, cb3 }
}

/// A txid as the precompiles take it: display order.
pub fn display(txid: Txid) -> [u8; 32] {
    let mut bytes = txid.to_byte_array();
    bytes.reverse();
    bytes
}

pub fn display_block(hash: BlockHash) -> [u8; 32] {
    let mut bytes = hash.to_byte_array();
    bytes.reverse();
    bytes
}
