//! Users of the L2: Poisson arrivals of a configurable mix of ETH transfers, token transfers and
//! hVM contract calls that read Bitcoin.
//!
//! Accounts are funded at genesis. Each account has at most one transaction in flight: it becomes
//! free again when an L2 block includes its transaction (its nonce advances) or when the
//! sequencer refuses it (its nonce does not). So a refused transaction never leaves a nonce gap
//! that would block the account's later ones. When every account is busy, an arrival is
//! *deferred* (counted): `accounts` bounds the offered load the backlog can absorb.

use super::block::L2Block;
use super::tx::{L2Tx, Refusal, Submission};
use crate::hashing::IdMap;
use crate::rng::Stream;
use crate::time::{SimDuration, SimTime};
use revm::primitives::{Address, Bytes, U256, keccak256};
use std::sync::Arc;

/// Gas limits the workload gives each kind of transaction.
pub const TRANSFER_GAS: u64 = 21_000;
pub const TOKEN_GAS: u64 = 60_000;
pub const HVM_CALL_GAS: u64 = 200_000;

/// What the workload sends, and to which contracts.
#[derive(Debug, Clone)]
pub struct WorkloadConfig {
    pub tx_rate_per_s: f64,
    /// Relative weights of ETH transfers, token transfers and hVM calls.
    pub mix: [f64; 3],
    pub gas_price: u128,
    pub token: Address,
    pub token_transfer: fn(Address, U256) -> Bytes,
    pub reader: Address,
    /// Call data of an hVM call for a Bitcoin address (the reader contract's interface).
    pub reader_call: fn(&str) -> Bytes,
    /// Bitcoin addresses the hVM calls ask about (ones with activity on the mock chain).
    pub btc_addresses: Vec<String>,
}

/// The address of workload account `index`, derived so genesis and the workload agree.
pub fn account_address(index: u32) -> Address {
    Address::from_slice(&keccak256(format!("hemisim/l2-account/{index}").as_bytes())[12..])
}

#[derive(Debug)]
pub struct Workload {
    config: WorkloadConfig,
    rng: Stream,
    nonces: Vec<u64>,
    /// `account_address(i)`, computed once (each is a keccak).
    addresses: Vec<Address>,
    idle: Vec<u32>,
    busy: IdMap<Address, u32>,
    pub submitted: u64,
    pub deferred: u64,
}

impl Workload {
    pub fn new(config: WorkloadConfig, accounts: u32, rng: Stream) -> Self {
        Workload {
            config,
            rng,
            nonces: vec![0; accounts as usize],
            addresses: (0..accounts).map(account_address).collect(),
            idle: (0..accounts).rev().collect(),
            busy: IdMap::default(),
            submitted: 0,
            deferred: 0,
        }
    }

    pub fn next_delay(&mut self) -> SimDuration {
        SimDuration::from_secs_f64(self.rng.exponential(1.0 / self.config.tx_rate_per_s))
    }

    /// One arrival: a transaction from a random idle account, or `None` (deferred).
    pub fn arrival(&mut self, now: SimTime) -> Option<Arc<Submission>> {
        if self.idle.is_empty() {
            self.deferred += 1;
            return None;
        }
        let slot = self.rng.below_inclusive(self.idle.len() as u64 - 1) as usize;
        let index = self.idle.swap_remove(slot);
        let from = self.addresses[index as usize];
        let tx = self.make_tx(from, self.nonces[index as usize]);
        self.busy.insert(from, index);
        self.submitted += 1;
        Some(Submission::new(tx, now))
    }

    fn make_tx(&mut self, from: Address, nonce: u64) -> L2Tx {
        let c = &self.config;
        let total: f64 = c.mix.iter().sum();
        let pick = self.rng.unit() * total;
        let peer = self.addresses[self.rng.below_inclusive(self.addresses.len() as u64 - 1) as usize];
        let (to, value, input, gas_limit) = if pick < c.mix[0] {
            (peer, U256::from(1_000_000_000u64), Bytes::new(), TRANSFER_GAS)
        } else if pick < c.mix[0] + c.mix[1] || c.btc_addresses.is_empty() {
            (c.token, U256::ZERO, (c.token_transfer)(peer, U256::from(1u64)), TOKEN_GAS)
        } else {
            let address = &c.btc_addresses[self.rng.below_inclusive(c.btc_addresses.len() as u64 - 1) as usize];
            (c.reader, U256::ZERO, (c.reader_call)(address), HVM_CALL_GAS)
        };
        L2Tx { from, to: Some(to), nonce, gas_limit, gas_price: c.gas_price, value, input }
    }

    /// A block included some of our transactions: their accounts are free, one nonce further.
    /// A block of the sequencer's chain: accounts whose transaction it includes are free again.
    /// Only the transaction in flight frees its account: after an unsafe reorg an older one of
    /// the account can be included again (the sequencer's mempool takes reorged transactions
    /// back), which changes nothing here.
    pub fn on_block(&mut self, block: &L2Block) {
        for tx in &block.txs {
            if let Some(&index) = self.busy.get(&tx.from)
                && tx.nonce == self.nonces[index as usize]
            {
                self.busy.remove(&tx.from);
                self.nonces[index as usize] = tx.nonce + 1;
                self.idle.push(index);
            }
        }
    }

    /// The sequencer refused one of ours: the account is free, its nonce unused.
    pub fn on_refusal(&mut self, refusal: &Refusal) {
        if let Some(index) = self.busy.remove(&refusal.from) {
            self.idle.push(index);
        }
    }
}
