//! [`L1Network`]: the Ethereum L1 as one participant of a run: the [`L1Chain`] on its slot grid,
//! its missed slots drawn from a stream of its own, and the portal's background deposits
//! ([`BackgroundDeposits`], from another stream, so that the deposit rate never moves the missed
//! slots).
//!
//! At every slot's start ([`L1Network::on_slot`]) the deposits that arrived since the last slot
//! are submitted to the chain with their arrival times, then the slot is run: a block, which
//! takes what is pending, or a missed slot, after which everything keeps waiting. The slot's
//! time is always the grid's (`genesis + k * slot`), whenever the caller's timer fires.

use super::background_deposits::BackgroundDeposits;
use super::chain::{L1Chain, NewBlock};
use super::params::EthParams;
use super::types::L1BlockRef;
use crate::btc::params::EPOCH_UNIX_S;
use crate::hashing::IdSet;
use crate::rng::Stream;
use crate::time::{SimDuration, SimTime};
use revm::primitives::B256;

/// What one slot produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// A block, the new head.
    Block(NewBlock),
    /// No block; `slot` counts from genesis's slot 0.
    Missed { slot: u64 },
}

/// The L1 chain, its slot clock and its background depositors.
#[derive(Debug)]
pub struct L1Network {
    chain: L1Chain,
    slot_rng: Stream,
    deposits: Option<BackgroundDeposits>,
    /// Every user transaction received (lookups only): a resend of one is not taken again.
    known_txs: IdSet<B256>,
}

impl L1Network {
    /// A chain whose genesis starts at time zero, its block times in Unix seconds on the L2's
    /// clock (the run starts at [`EPOCH_UNIX_S`], as L2 timestamps do); `slot_rng` decides missed
    /// slots and `deposit_rng` drives the background deposits (none at a rate of zero).
    pub fn new(params: &EthParams, slot_rng: Stream, deposit_rng: Stream) -> Self {
        L1Network {
            chain: run_chain(params),
            slot_rng,
            deposits: BackgroundDeposits::new(params.deposit_rate_per_s, deposit_rng),
            known_txs: IdSet::default(),
        }
    }

    /// The genesis block of a run's L1 with `params`: the L2 genesis's origin.
    pub fn genesis(params: &EthParams) -> L1BlockRef {
        run_chain(params).latest()
    }

    /// How long from `now` until the next slot starts (zero if it is due).
    pub fn until_next_slot(&self, now: SimTime) -> SimDuration {
        self.chain.next_slot_start().since(now)
    }

    /// Runs the next slot of the grid: submits the deposits that arrived before its start, then
    /// proposes a block or misses the slot.
    pub fn on_slot(&mut self) -> Slot {
        let start = self.chain.next_slot_start();
        self.submit_background_before(start);
        let slot = self.chain.slots();
        match self.chain.on_slot(start, &mut self.slot_rng) {
            Some(block) => Slot::Block(block),
            None => Slot::Missed { slot },
        }
    }

    /// A batcher transaction arrives: it goes into the next block.
    pub fn submit_batcher_tx(&mut self, tx: super::types::BatcherTx) {
        self.chain.submit_batcher_tx(tx);
    }

    /// A user's `depositTransaction` call arrives at `now`: the portal's checks, then it waits
    /// for the next block. A transaction this L1 already has (a wallet's resend) is dropped, as
    /// a node drops a transaction it knows: the deposit executes once.
    pub fn submit_deposit(
        &mut self,
        call: &super::portal::PortalCall,
        now: SimTime,
    ) -> Result<(), super::portal::PortalError> {
        if !self.known_txs.insert(call.l1_tx) {
            return Ok(());
        }
        // The background's deposits that arrived before it go first: log order is arrival order.
        self.submit_background_before(now);
        self.chain.submit_deposit(call.request.clone(), now).map(|_ticket| ())
    }

    /// Submits the background deposits that arrived before `t`.
    fn submit_background_before(&mut self, t: SimTime) {
        if let Some(deposits) = &mut self.deposits {
            for (at, request) in deposits.arrivals_before(t) {
                // Background deposits are built to the portal's rules (see BackgroundDeposits).
                self.chain.submit_deposit(request, at).expect("a background deposit is valid");
            }
        }
    }

    pub fn chain(&self) -> &L1Chain {
        &self.chain
    }
}

/// A run's chain, before its first slot.
fn run_chain(params: &EthParams) -> L1Chain {
    L1Chain::on_clock(params, SimTime::ZERO, u64::from(EPOCH_UNIX_S))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eth::portal::PortalCall;
    use crate::units::L1Number;

    fn network(missed_slot_rate: f64, deposit_rate_per_s: f64) -> L1Network {
        let params = EthParams { missed_slot_rate, deposit_rate_per_s, ..EthParams::default() };
        L1Network::new(&params, Stream::derive(3, "ethereum/slots"), Stream::derive(3, "ethereum/deposits"))
    }

    /// Runs the slots that start before `end_s`, as the harness's timer does.
    fn run(net: &mut L1Network, end_s: u64) -> Vec<Slot> {
        run_from(net, 0, end_s)
    }

    #[test]
    fn every_slot_of_the_grid_runs_once() {
        let mut net = network(0.0, 0.0);
        assert_eq!(net.until_next_slot(SimTime::ZERO), SimDuration::from_secs(12));
        let slots = run(&mut net, 3_600);
        assert_eq!(slots.len(), 299, "slots at 12, 24, ..., 3588 s: 3600 / 12 with genesis's");
        for (i, slot) in slots.iter().enumerate() {
            let Slot::Block(new) = slot else { panic!("no slot is missed at rate 0") };
            assert_eq!(new.block.block.number, L1Number(i as u64 + 1));
            assert_eq!(new.block.block.time_s, u64::from(EPOCH_UNIX_S) + 12 * (i as u64 + 1), "on the L2's clock");
            assert_eq!(net.chain().run_time_s(&new.block.block), 12 * (i as u64 + 1));
        }
        assert_eq!(net.chain().finalized().number, L1Number(299 - 64));
    }

    #[test]
    fn missed_slots_are_numbered_and_counted() {
        let mut net = network(0.5, 0.0);
        let slots = run(&mut net, 12_000);
        let missed: Vec<u64> =
            slots.iter().filter_map(|s| if let Slot::Missed { slot } = s { Some(*slot) } else { None }).collect();
        assert_eq!(missed.len() as u64, net.chain().missed_slots());
        assert!(missed.windows(2).all(|w| w[0] < w[1]));
        assert!((400..600).contains(&missed.len()), "about half of 999 slots: {}", missed.len());
        let blocks = slots.len() - missed.len();
        assert_eq!(net.chain().latest_number(), L1Number(blocks as u64));
    }

    /// Deposits wait through missed slots and land in the next block, each before its slot.
    #[test]
    fn deposits_land_in_the_first_block_after_they_arrive() {
        let mut net = network(0.3, 0.2);
        let slots = run(&mut net, 7_200);
        let mut included = 0;
        for slot in &slots {
            if let Slot::Block(new) = slot {
                let start = SimTime::ZERO + SimDuration::from_secs(net.chain().run_time_s(&new.block.block));
                assert!(new.deposits.iter().all(|d| d.submitted_at < start));
                assert_eq!(new.deposits.len(), new.block.deposits.len());
                included += new.deposits.len();
            }
        }
        assert_eq!(included as u64, net.chain().deposits_included());
        assert!(included > 1_000, "about 0.2 * 7188 s of deposits: {included}");
    }

    /// A wallet's resend of a deposit (the same L1 transaction) executes once, before or after
    /// the first landed; another transaction with the very same call is a deposit of its own.
    #[test]
    fn a_resent_deposit_is_taken_once() {
        let mut net = network(0.0, 0.0);
        let request = crate::eth::portal::escape_of(&crate::l2::tx::L2Tx {
            from: revm::primitives::Address::repeat_byte(7),
            to: Some(revm::primitives::Address::repeat_byte(8)),
            nonce: 0,
            gas_limit: 21_000,
            gas_price: 0,
            value: revm::primitives::U256::from(1u64),
            input: revm::primitives::Bytes::new(),
        });
        let call = |id: u8| PortalCall { request: request.clone(), l1_tx: B256::repeat_byte(id) };
        let at = |s: u64| SimTime::ZERO + SimDuration::from_secs(s);
        net.submit_deposit(&call(1), at(1)).expect("valid");
        net.submit_deposit(&call(1), at(2)).expect("a resend is not refused, just dropped");
        net.submit_deposit(&call(2), at(3)).expect("valid");
        let deposits = |slots: Vec<Slot>| -> usize {
            slots.iter().map(|s| if let Slot::Block(new) = s { new.deposits.len() } else { 0 }).sum()
        };
        assert_eq!(deposits(run(&mut net, 13)), 2, "one of transaction 1, one of transaction 2");
        net.submit_deposit(&call(1), at(20)).expect("a resend after it landed");
        assert_eq!(deposits(run_from(&mut net, 13, 40)), 0, "landed already: not again");
    }

    /// [`run`] from `start_s` instead of time zero.
    fn run_from(net: &mut L1Network, start_s: u64, end_s: u64) -> Vec<Slot> {
        let end = SimTime::ZERO + SimDuration::from_secs(end_s);
        let mut now = SimTime::ZERO + SimDuration::from_secs(start_s);
        let mut slots = Vec::new();
        loop {
            now = now + net.until_next_slot(now);
            if now >= end {
                return slots;
            }
            slots.push(net.on_slot());
        }
    }
}
