//! The genesis block of a run: the same for every node, it funds the simulated wallets.
//!
//! Unlike Bitcoin's, this genesis coinbase is spendable: it holds the starting coins of every
//! wallet the scenario needs (background load, attacker), so that spends can begin at once.

use super::build::{CoinbaseTag, coinbase, mine_block};
use crate::time::SimTime;
use bitcoin::hashes::Hash;
use bitcoin::{Amount, Block, BlockHash, ScriptBuf, TxOut};

/// `count` coins of `value` each to `script`.
#[derive(Debug, Clone)]
pub struct Allocation {
    pub script: ScriptBuf,
    pub value: Amount,
    pub count: u32,
}

pub fn genesis_block(allocations: &[Allocation]) -> Block {
    let mut outputs: Vec<TxOut> = allocations
        .iter()
        .flat_map(|a| (0..a.count).map(|_| TxOut { value: a.value, script_pubkey: a.script.clone() }))
        .collect();
    if outputs.is_empty() {
        outputs.push(TxOut { value: Amount::ZERO, script_pubkey: ScriptBuf::new_op_return([]) });
    }
    let tag = CoinbaseTag { height: 0, miner: "genesis", extra_nonce: 0 };
    mine_block(BlockHash::all_zeros(), SimTime::ZERO, vec![coinbase(tag, outputs)])
}
