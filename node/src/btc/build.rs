//! Building and mining blocks: coinbase, merkle root, header, and a real proof of work.

use super::params::{EPOCH_UNIX_S, pow_bits};
use crate::time::SimTime;
use bitcoin::absolute::LockTime;
use bitcoin::block::{Header, Version as BlockVersion};
use bitcoin::hashes::Hash;
use bitcoin::script::PushBytesBuf;
use bitcoin::transaction::Version;
use bitcoin::{
    Amount, Block, BlockHash, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxMerkleNode, TxOut, Witness,
};

/// What a coinbase commits to, so that every block of every miner is unique.
#[derive(Debug, Clone, Copy)]
pub struct CoinbaseTag<'a> {
    pub height: u32,
    /// Miner name, e.g. "miner-3" or "attacker".
    pub miner: &'a str,
    /// Distinguishes two blocks of one miner at one height (say, on two branches).
    pub extra_nonce: u64,
}

/// A coinbase transaction paying `value` to `payouts` (split evenly when several).
pub fn coinbase(tag: CoinbaseTag<'_>, outputs: Vec<TxOut>) -> Transaction {
    let mut data = Vec::with_capacity(64);
    data.extend_from_slice(&tag.height.to_le_bytes());
    data.extend_from_slice(&tag.extra_nonce.to_le_bytes());
    data.extend_from_slice(tag.miner.as_bytes());
    data.truncate(90); // consensus caps a coinbase scriptSig at 100 bytes
    let push = PushBytesBuf::try_from(data).expect("at most 90 bytes fit a push");
    Transaction {
        version: Version::TWO,
        lock_time: LockTime::ZERO,
        input: vec![TxIn {
            previous_output: OutPoint::null(),
            script_sig: bitcoin::script::Builder::new().push_slice(push).into_script(),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output: outputs,
    }
}

/// A single-output coinbase paying `value` to `script`.
pub fn simple_coinbase(tag: CoinbaseTag<'_>, script: ScriptBuf, value: Amount) -> Transaction {
    coinbase(tag, vec![TxOut { value, script_pubkey: script }])
}

/// Assembles a block on `parent` from a coinbase and transactions, and finds a nonce that meets
/// the proof-of-work target (about two attempts at regtest difficulty).
pub fn mine_block(parent: BlockHash, found_at: SimTime, txdata: Vec<Transaction>) -> Block {
    let time = EPOCH_UNIX_S.saturating_add(u32::try_from(found_at.as_secs()).unwrap_or(u32::MAX));
    let mut block = Block {
        header: Header {
            version: BlockVersion::TWO,
            prev_blockhash: parent,
            merkle_root: TxMerkleNode::all_zeros(),
            time,
            bits: pow_bits(),
            nonce: 0,
        },
        txdata,
    };
    block.header.merkle_root = block.compute_merkle_root().expect("a block has a coinbase");
    let target = pow_bits().into();
    while block.header.validate_pow(target).is_err() {
        block.header.nonce = block.header.nonce.wrapping_add(1);
    }
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mined_blocks_verify_and_are_unique_per_tag() {
        let tag = CoinbaseTag { height: 1, miner: "miner-0", extra_nonce: 0 };
        let script = crate::btc::script::p2pkh_for("miner-0");
        let a = mine_block(
            BlockHash::all_zeros(),
            SimTime(600_000_000),
            vec![simple_coinbase(tag, script.clone(), Amount::ONE_BTC)],
        );
        assert!(a.header.validate_pow(pow_bits().into()).is_ok());
        assert!(a.check_merkle_root());
        let tag_b = CoinbaseTag { extra_nonce: 1, ..tag };
        let b = mine_block(
            BlockHash::all_zeros(),
            SimTime(600_000_000),
            vec![simple_coinbase(tag_b, script, Amount::ONE_BTC)],
        );
        assert_ne!(a.block_hash(), b.block_hash());
        assert_eq!(a.header.time, EPOCH_UNIX_S + 600);
    }
}
