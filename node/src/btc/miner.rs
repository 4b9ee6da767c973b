//! Mining: when a miner finds a block, and what it puts in it.
//!
//! A miner with share `s` of the network's hash rate finds blocks as a Poisson process of mean
//! interval `block_interval / s`. The process is memoryless, so a miner that switches tips keeps
//! its schedule: the next find time does not depend on which tip it mines on.

use super::aggregate::DemandFill;
use super::build::{CoinbaseTag, coinbase, mine_block};
use super::node::BitcoinNode;
use super::params::SUBSIDY;
use super::script::p2pkh_for;
use super::sealed::SealedBlock;
use crate::rng::Stream;
use crate::time::{SimDuration, SimTime};
use crate::units::BtcHeight;
use bitcoin::script::PushBytesBuf;
use bitcoin::{Amount, BlockHash, ScriptBuf, Transaction, TxOut};
use std::sync::Arc;

/// Weight kept free in a template for the header and coinbase (Bitcoin Core reserves 4000 WU).
pub const COINBASE_RESERVED_WEIGHT: u64 = 4_000;

/// The mining side of a node: its schedule and coinbase.
#[derive(Debug)]
pub struct Miner {
    name: String,
    mean_interval_s: f64,
    rng: Stream,
    extra_nonce: u64,
}

impl Miner {
    /// `mean_interval_s` is the network's block interval divided by this miner's share.
    pub fn new(name: &str, mean_interval_s: f64, rng: Stream) -> Self {
        Miner { name: name.to_owned(), mean_interval_s, rng, extra_nonce: 0 }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Time until this miner's next block.
    pub fn next_find_delay(&mut self) -> SimDuration {
        SimDuration::from_secs_f64(self.rng.exponential(self.mean_interval_s))
    }

    /// A block on `node`'s active tip filled from its mempool, with the fees it collects.
    /// Under the aggregate model the template also takes the demand pending for the node's
    /// chain, and the block is registered with the demand store.
    pub fn mine_on_tip(&mut self, node: &BitcoinNode, now: SimTime) -> (Arc<SealedBlock>, Amount) {
        let budget = node.params().max_block_weight.saturating_sub(COINBASE_RESERVED_WEIGHT);
        let Some(store) = node.demand() else {
            let (txs, fees) = node.mempool().select(budget);
            let txs: Vec<Transaction> = txs.iter().map(|t| t.tx().clone()).collect();
            return (self.mine_on(node.tip(), node.tip_height().next(), now, SUBSIDY + fees, txs), fees);
        };
        let pending = node.pending_demand(now, budget);
        let (txs, fees, items) = node.mempool().select_with(budget, &pending);
        let txs: Vec<Transaction> = txs.iter().map(|t| t.tx().clone()).collect();
        let fill = Arc::new(DemandFill { items });
        let height = node.tip_height().next();
        let block = self.mine_with(node.tip(), height, now, SUBSIDY + fees, txs, Some(fill.clone()));
        store.register(block.block_hash(), height.0, fill);
        (block, fees)
    }

    /// A block on an arbitrary parent (an attacker's private branch) with the given transactions;
    /// the coinbase claims `reward`.
    pub fn mine_on(
        &mut self,
        parent: BlockHash,
        height: BtcHeight,
        now: SimTime,
        reward: Amount,
        txs: Vec<Transaction>,
    ) -> Arc<SealedBlock> {
        self.mine_with(parent, height, now, reward, txs, None)
    }

    /// [`Miner::mine_on`], confirming aggregate demand too: the coinbase gets a zero-value
    /// `OP_RETURN` output committing to the fill (count, vsize, fees).
    fn mine_with(
        &mut self,
        parent: BlockHash,
        height: BtcHeight,
        now: SimTime,
        reward: Amount,
        txs: Vec<Transaction>,
        demand: Option<Arc<DemandFill>>,
    ) -> Arc<SealedBlock> {
        self.extra_nonce += 1;
        let tag = CoinbaseTag { height: height.0, miner: &self.name, extra_nonce: self.extra_nonce };
        let mut outputs = vec![TxOut { value: reward, script_pubkey: p2pkh_for(&self.name) }];
        if let Some(fill) = &demand {
            let commitment = PushBytesBuf::try_from(fill.commitment()).expect("the commitment is 34 bytes");
            outputs.push(TxOut { value: Amount::ZERO, script_pubkey: ScriptBuf::new_op_return(commitment) });
        }
        let mut txdata = Vec::with_capacity(txs.len() + 1);
        txdata.push(coinbase(tag, outputs));
        txdata.extend(txs);
        SealedBlock::seal_with_demand(mine_block(parent, now, txdata), demand)
    }
}
