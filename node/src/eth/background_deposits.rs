//! [`BackgroundDeposits`]: the portal's background load, ETH bridged to the L2 by L1 users.
//!
//! Arrivals are a Poisson process at `deposit_rate_per_s` (exponential gaps from the stream
//! given), drawn lazily: the L1 asks for the arrivals before each slot's start and submits them
//! with their own arrival times, which is the same process as one timer per deposit without
//! the events. Each deposit is what a user bridging ETH sends (`depositTransaction` from an
//! externally owned account):
//! - `from`: one of [`L1_ACCOUNTS`] L1 accounts, uniformly; `to`: one of the same accounts'
//!   addresses on the L2, uniformly (the L2 address of an L1 key is the same address);
//! - `mint = value`: log-uniform between [`VALUE_GWEI_MIN`] and [`VALUE_GWEI_MAX`] (0.001 to
//!   1 ETH), in whole gwei;
//! - no data and an L2 gas limit of [`GAS_LIMIT`] (21,000: the portal's minimum, exactly a plain
//!   transfer's intrinsic gas).
//!
//! Draws per deposit, in order: sender, recipient, value, then the gap to the next arrival.

use super::portal::{self, DepositRequest};
use crate::rng::Stream;
use crate::time::{SimDuration, SimTime};
use revm::primitives::{Address, Bytes, U256, keccak256};

/// How many L1 accounts deposit.
pub const L1_ACCOUNTS: u64 = 1_000;
/// The smallest and largest value of a deposit, in gwei (0.001 and 1 ETH).
pub const VALUE_GWEI_MIN: f64 = 1e6;
pub const VALUE_GWEI_MAX: f64 = 1e9;
/// L2 gas limit of every background deposit: the portal's minimum for a deposit without data.
pub const GAS_LIMIT: u64 = portal::INTRINSIC_GAS;

const WEI_PER_GWEI: u64 = 1_000_000_000;

/// A Poisson stream of portal deposits.
#[derive(Debug, Clone)]
pub struct BackgroundDeposits {
    mean_gap_s: f64,
    next_at: SimTime,
    rng: Stream,
}

impl BackgroundDeposits {
    /// Deposits at `rate_per_s` from time zero; `None` for a rate of zero (no deposit ever).
    pub fn new(rate_per_s: f64, mut rng: Stream) -> Option<Self> {
        if !(rate_per_s.is_finite() && rate_per_s > 0.0) {
            return None;
        }
        let mean_gap_s = 1.0 / rate_per_s;
        let next_at = SimTime::ZERO + SimDuration::from_secs_f64(rng.exponential(mean_gap_s));
        Some(BackgroundDeposits { mean_gap_s, next_at, rng })
    }

    /// The deposits arriving before `until`, in arrival order, each with its arrival time.
    pub fn arrivals_before(&mut self, until: SimTime) -> Vec<(SimTime, DepositRequest)> {
        let mut arrivals = Vec::new();
        while self.next_at < until {
            let at = self.next_at;
            arrivals.push((at, self.request()));
            self.next_at = at + SimDuration::from_secs_f64(self.rng.exponential(self.mean_gap_s));
        }
        arrivals
    }

    fn request(&mut self) -> DepositRequest {
        let from = l1_account(self.rng.below_inclusive(L1_ACCOUNTS - 1));
        let to = l1_account(self.rng.below_inclusive(L1_ACCOUNTS - 1));
        let gwei = self.rng.log_uniform(VALUE_GWEI_MIN, VALUE_GWEI_MAX).round() as u64;
        let value = U256::from(gwei) * U256::from(WEI_PER_GWEI);
        DepositRequest {
            l1_sender: from,
            sender_is_contract: false,
            to,
            mint: value,
            value,
            gas_limit: GAS_LIMIT,
            is_creation: false,
            data: Bytes::new(),
        }
    }
}

/// Background L1 account `i`: the last 20 bytes of keccak-256("hemisim/l1-account/" i).
pub fn l1_account(i: u64) -> Address {
    Address::from_slice(&keccak256(format!("hemisim/l1-account/{i}"))[12..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eth::metering::ResourceConfig;

    fn deposits(rate: f64) -> Option<BackgroundDeposits> {
        BackgroundDeposits::new(rate, Stream::derive(7, "ethereum/deposits"))
    }

    #[test]
    fn no_rate_no_deposits() {
        assert!(deposits(0.0).is_none());
    }

    /// A day at 0.05/s: the count is within a 99% Poisson interval (normal approximation) of
    /// 4,320, arrivals are in order and before the bound, and every request passes the portal.
    #[test]
    fn arrivals_are_a_poisson_process_of_valid_deposits() {
        let mut d = deposits(0.05).expect("a positive rate");
        let day = SimTime::ZERO + SimDuration::from_secs(86_400);
        let mut all = Vec::new();
        for hour in 1..=24 {
            all.extend(d.arrivals_before(SimTime::ZERO + SimDuration::from_secs(3_600 * hour)));
        }
        let expected = 0.05 * 86_400.0;
        let half = 2.575829 * f64::sqrt(expected);
        let n = all.len() as f64;
        assert!((expected - half..=expected + half).contains(&n), "{n} deposits, expected {expected} +- {half}");
        assert!(all.windows(2).all(|w| w[0].0 <= w[1].0), "in arrival order");
        assert!(all.iter().all(|(at, _)| *at < day));
        for (_, request) in &all {
            portal::validate(request, &ResourceConfig::OP_DEFAULT).expect("a valid deposit");
            assert_eq!((request.gas_limit, request.mint), (GAS_LIMIT, request.value));
            let gwei = request.value / U256::from(WEI_PER_GWEI);
            assert!(gwei >= U256::from(1_000_000u64) && gwei <= U256::from(1_000_000_000u64), "{gwei}");
        }
        let senders: std::collections::BTreeSet<Address> = all.iter().map(|(_, r)| r.l1_sender).collect();
        assert!(senders.len() > 900, "senders spread over the {L1_ACCOUNTS} accounts: {}", senders.len());
    }

    #[test]
    fn the_same_stream_gives_the_same_deposits() {
        let until = SimTime::ZERO + SimDuration::from_secs(3_600);
        let a = deposits(0.1).expect("rate").arrivals_before(until);
        let b = deposits(0.1).expect("rate").arrivals_before(until);
        assert_eq!(a, b);
    }
}
