//! Users of the L2: Poisson arrivals of a configurable mix of ETH transfers, token transfers and
//! hVM contract calls that read Bitcoin.
//!
//! Accounts are funded at genesis. Each account has at most one transaction in flight: it becomes
//! free again when an L2 block includes its transaction (its nonce advances) or when the
//! sequencer refuses it (its nonce does not). So a refused transaction never leaves a nonce gap
//! that would block the account's later ones. When every account is busy, an arrival is
//! *deferred* (counted): `accounts` bounds the offered load the backlog can absorb.
//!
//! Users who escape (`force_after`): a transaction not included that long after it was sent is
//! re-sent through the Ethereum portal ([`Workload::escapes`]), which a censoring sequencer
//! cannot refuse; the account is free again when the deposit executes on L2.

use super::block::L2Block;
use super::tx::{L2Tx, Refusal, RefusalReason, Submission};
use crate::eth::portal::{DepositRequest, PortalCall, escape_of};
use crate::hashing::IdMap;
use crate::rng::Stream;
use crate::time::{SimDuration, SimTime};
use crate::units::L2Number;
use revm::primitives::{Address, B256, Bytes, U256, keccak256};
use std::collections::BTreeMap;
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
    /// A user whose transaction is not included this long after it was sent re-sends it through
    /// the Ethereum portal (`None`: users never escape).
    pub force_after: Option<SimDuration>,
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
    /// With `force_after`: each busy account's transaction, by account index.
    in_flight: BTreeMap<u32, InFlight>,
    pub submitted: u64,
    pub deferred: u64,
    /// Transactions re-sent through the portal.
    pub forced: u64,
    /// With faults: a transaction not seen included this long is sent to the sequencer again
    /// (wallets rebroadcast pending transactions; a lost message or a crashed sequencer's
    /// mempool would otherwise block its account for good).
    resend_after: Option<SimDuration>,
    /// With resends: every account's index by address, to follow the nonce of accounts not
    /// waiting for anything (a resend may be included after its account moved on).
    index_of: Option<IdMap<Address, u32>>,
    /// Transactions sent again.
    pub resent: u64,
    /// Escapes sent to the L1 again.
    pub escapes_resent: u64,
}

/// A transaction sent and not yet seen included (kept only when users escape).
#[derive(Debug, Clone)]
struct InFlight {
    submission: Arc<Submission>,
    /// Re-sent through the portal.
    forced: bool,
    /// Forced, and the sequencer included the original anyway (a delay ran out): the account is
    /// free once the deposit has executed too, two nonces further.
    original_included: bool,
    /// When it was last sent: to the sequencer, or once forced, to the L1.
    sent_at: SimTime,
}

/// A transaction a user re-sends through the Ethereum portal: the deposit request, and the
/// transaction it stands for.
#[derive(Debug, Clone)]
pub struct Escape {
    pub request: DepositRequest,
    pub original: Arc<Submission>,
}

impl Escape {
    /// The L1 transaction: named by the original, so every resend of it is the same one.
    pub fn call(&self) -> PortalCall {
        PortalCall { request: self.request.clone(), l1_tx: self.original.hash }
    }
}

/// A forced transaction the L2 executed: its original's hash, the block, and whether the
/// sequencer included the original first (`by_sequencer`) or the deposit came first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForcedInclusion {
    pub hash: B256,
    pub l2_number: L2Number,
    pub by_sequencer: bool,
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
            in_flight: BTreeMap::new(),
            submitted: 0,
            deferred: 0,
            forced: 0,
            resend_after: None,
            index_of: None,
            resent: 0,
            escapes_resent: 0,
        }
    }

    /// Users that send a transaction again when it is not seen included after `after`.
    pub fn with_resend(mut self, after: SimDuration) -> Self {
        self.resend_after = Some(after);
        self.index_of = Some(self.addresses.iter().enumerate().map(|(i, a)| (*a, i as u32)).collect());
        self
    }

    /// How often pending transactions are looked at for a resend, if they are resent.
    pub fn resend_after(&self) -> Option<SimDuration> {
        self.resend_after
    }

    /// The transactions in flight that waited `resend_after` since they were last sent (none
    /// forced through L1: those are the portal's now).
    pub fn resends(&mut self, now: SimTime) -> Vec<Arc<Submission>> {
        let Some(after) = self.resend_after else { return Vec::new() };
        let mut due = Vec::new();
        for flight in self.in_flight.values_mut().filter(|f| !f.forced && now >= f.sent_at + after) {
            flight.sent_at = now;
            due.push(flight.submission.clone());
        }
        self.resent += due.len() as u64;
        due
    }

    /// The escapes sent `resend_after` ago whose deposit has not executed on L2: sent to the L1
    /// again (a wallet re-broadcasts an L1 transaction as it does an L2 one; the L1 takes the
    /// same transaction once, so a resend of one that arrived changes nothing).
    pub fn escape_resends(&mut self, now: SimTime) -> Vec<Escape> {
        let Some(after) = self.resend_after else { return Vec::new() };
        let mut due = Vec::new();
        for flight in self.in_flight.values_mut().filter(|f| f.forced && now >= f.sent_at + after) {
            flight.sent_at = now;
            due.push(Escape { request: escape_of(&flight.submission.tx), original: flight.submission.clone() });
        }
        self.escapes_resent += due.len() as u64;
        due
    }

    /// How long a user waits before escaping through L1, if users escape.
    pub fn force_after(&self) -> Option<SimDuration> {
        self.config.force_after
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
        let submission = Submission::new(tx, now);
        if self.config.force_after.is_some() || self.resend_after.is_some() {
            let flight =
                InFlight { submission: submission.clone(), forced: false, original_included: false, sent_at: now };
            self.in_flight.insert(index, flight);
        }
        Some(submission)
    }

    /// Users whose transaction waited `force_after` re-send it through the portal
    /// ([`escape_of`]).
    pub fn escapes(&mut self, now: SimTime) -> Vec<Escape> {
        let Some(force_after) = self.config.force_after else { return Vec::new() };
        let mut escapes = Vec::new();
        for flight in self.in_flight.values_mut() {
            if flight.forced || now < flight.submission.submitted_at + force_after {
                continue;
            }
            (flight.forced, flight.sent_at) = (true, now);
            self.forced += 1;
            let request = escape_of(&flight.submission.tx);
            escapes.push(Escape { request, original: flight.submission.clone() });
        }
        escapes
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
    ///
    /// A user's forced transaction is included when its deposit executes (a deposit from the
    /// account): returned, so that the run records it.
    pub fn on_block(&mut self, block: &L2Block) -> Vec<ForcedInclusion> {
        // Deposits execute first in a block: a forced transaction's deposit before any original.
        let mut forced = Vec::new();
        for deposit in &block.deposits {
            let Some(&index) = self.busy.get(&deposit.from) else { continue };
            if let Some(flight) = self.in_flight.get(&index).filter(|f| f.forced) {
                let (hash, nonce) = (flight.submission.hash, flight.submission.tx.nonce);
                if flight.original_included {
                    // The sequencer was first; the deposit ran the call again and took a nonce.
                    self.free(deposit.from, index, nonce + 2);
                } else {
                    forced.push(ForcedInclusion { hash, l2_number: block.header.number, by_sequencer: false });
                    self.free(deposit.from, index, nonce + 1);
                }
            }
        }
        for tx in &block.txs {
            let Some(&index) = self.busy.get(&tx.from) else {
                self.follow_idle_nonce(tx);
                continue;
            };
            if tx.nonce != self.nonces[index as usize] {
                continue;
            }
            match self.in_flight.get_mut(&index) {
                // Included by the sequencer after all; its escape is on its way through L1 and
                // will execute too.
                Some(flight) if flight.forced => {
                    if !flight.original_included {
                        let hash = flight.submission.hash;
                        forced.push(ForcedInclusion { hash, l2_number: block.header.number, by_sequencer: true });
                    }
                    flight.original_included = true;
                }
                _ => self.free(tx.from, index, tx.nonce + 1),
            }
        }
        forced
    }

    /// With resends, a block can include a transaction of an account that is idle (freed by a
    /// refusal that arrived before the block: a late resend of a transaction already included):
    /// its nonce moves on all the same, or every later transaction of it would be refused.
    fn follow_idle_nonce(&mut self, tx: &L2Tx) {
        if let Some(&index) = self.index_of.as_ref().and_then(|m| m.get(&tx.from)) {
            let nonce = &mut self.nonces[index as usize];
            *nonce = (*nonce).max(tx.nonce + 1);
        }
    }

    fn free(&mut self, from: Address, index: u32, next_nonce: u64) {
        self.busy.remove(&from);
        self.in_flight.remove(&index);
        self.nonces[index as usize] = next_nonce;
        self.idle.push(index);
    }

    /// The sequencer refused one of ours: the account is free, its nonce unused (unless the
    /// refusal says a resend is already pending: the first send is still on its way in).
    pub fn on_refusal(&mut self, refusal: &Refusal) {
        // Only the transaction in flight (not an original its escape made invalid).
        if refusal.reason != RefusalReason::Duplicate
            && let Some(&index) = self.busy.get(&refusal.from)
            && refusal.nonce == self.nonces[index as usize]
            && !self.in_flight.get(&index).is_some_and(|f| f.forced)
        {
            self.busy.remove(&refusal.from);
            self.in_flight.remove(&index);
            self.idle.push(index);
        }
    }
}
