//! Background load: fee-paying transactions that compete for block space.
//!
//! Transactions arrive as a Poisson process; each one's fee rate is log-uniform between the
//! scenario's bounds (many cheap transactions, few expensive ones). The wallet keeps recycling its
//! coins by splitting them into outputs of its own, so the load runs for as long as the run does,
//! provided blocks confirm the splits (a wallet with no confirmed coin left waits and says so).
//!
//! An optional fee spike replaces the rate and the fee-rate range during a window of time.
//! Arrivals stay an exact piecewise-constant Poisson process: a delay drawn at the base rate that
//! would cross into the window is cut at the window's edge, where a fresh delay is drawn at the
//! new rate (exponential delays are memoryless, so nothing is lost by cutting them).

use super::node::BitcoinNode;
use super::sealed::SealedTx;
use super::wallet::Wallet;
use crate::events::{Action, Message, Observation, Timer};
use crate::rng::Stream;
use crate::time::{SimDuration, SimTime};
use crate::units::FeeRate;

/// Arrival rate and fee-rate range of the load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadRegime {
    pub rate_per_s: f64,
    pub fee_rate_min: FeeRate,
    pub fee_rate_max: FeeRate,
}

/// A window of time with its own regime.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeeSpike {
    pub start: SimTime,
    pub end: SimTime,
    pub regime: LoadRegime,
}

/// The arrival process of the load: its times and fee rates, a pure function of its stream.
/// Both background models draw from it in the same order (a delay, then at the arrival a fee
/// rate), so on one seed they see the same arrivals.
#[derive(Debug)]
pub struct Arrivals {
    rng: Stream,
    base: LoadRegime,
    spike: Option<FeeSpike>,
    /// The armed timer is a regime change, not an arrival.
    pub at_edge: bool,
}

impl Arrivals {
    pub fn new(rng: Stream, base: LoadRegime, spike: Option<FeeSpike>) -> Self {
        Arrivals { rng, base, spike, at_edge: false }
    }

    fn regime(&self, now: SimTime) -> LoadRegime {
        match self.spike {
            Some(s) if (s.start..s.end).contains(&now) => s.regime,
            _ => self.base,
        }
    }

    /// The next regime change after `now`, if any.
    fn next_edge(&self, now: SimTime) -> Option<SimTime> {
        let s = self.spike?;
        [s.start, s.end].into_iter().find(|&edge| edge > now)
    }

    /// Delay to the next arrival or regime change; `None` when nothing will ever come.
    pub fn next_delay(&mut self, now: SimTime) -> Option<SimDuration> {
        let rate = self.regime(now).rate_per_s;
        let arrival = (rate > 0.0).then(|| SimDuration::from_secs_f64(self.rng.exponential(1.0 / rate)));
        let edge = self.next_edge(now).map(|e| e - now);
        self.at_edge = match (arrival, edge) {
            (Some(a), Some(e)) => e <= a,
            (None, Some(_)) => true,
            _ => false,
        };
        if self.at_edge { edge } else { arrival }
    }

    /// The fee rate of an arrival at `now`: log-uniform within the regime's range.
    pub fn draw_fee_rate(&mut self, now: SimTime) -> FeeRate {
        let regime = self.regime(now);
        FeeRate::from_sat_per_vb(
            self.rng.log_uniform(regime.fee_rate_min.sat_per_vb(), regime.fee_rate_max.sat_per_vb()),
        )
    }
}

#[derive(Debug)]
pub struct BackgroundLoad {
    pub wallet: Wallet,
    arrivals: Arrivals,
    starved: bool,
}

impl BackgroundLoad {
    pub fn new(wallet: Wallet, rng: Stream, base: LoadRegime, spike: Option<FeeSpike>) -> Self {
        BackgroundLoad { wallet, arrivals: Arrivals::new(rng, base, spike), starved: false }
    }

    /// Delay to the next arrival or regime change; `None` when nothing will ever come.
    pub fn next_delay(&mut self, now: SimTime) -> Option<SimDuration> {
        self.arrivals.next_delay(now)
    }

    /// Sends one transaction (if the wallet can) and arms the next arrival.
    pub fn on_timer(&mut self, now: SimTime, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        if !self.arrivals.at_edge {
            self.send(now, node, out);
        }
        if let Some(after) = self.next_delay(now) {
            out.push(Action::Schedule { after, timer: Timer::Background });
        }
    }

    fn send(&mut self, now: SimTime, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        let fee_rate = self.arrivals.draw_fee_rate(now);
        match self.wallet.self_split(fee_rate) {
            Ok(tx) => {
                self.starved = false;
                let tx = SealedTx::seal(tx);
                if node.receive_tx(tx.clone()).is_ok() {
                    out.push(Action::Observe(Observation::TxSent { txid: tx.txid(), fee_rate }));
                    out.push(Action::Broadcast(Message::Tx(tx)));
                }
            }
            Err(_) if !self.starved => {
                self.starved = true;
                out.push(Action::Observe(Observation::WalletEmpty { wallet: self.wallet.name().to_owned() }));
            }
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Arrival times (s) of a load driven through `next_delay` until `end_s`.
    fn arrivals(load: &mut BackgroundLoad, end_s: f64) -> Vec<f64> {
        let (mut now, mut out) = (SimTime::ZERO, Vec::new());
        while let Some(delay) = load.next_delay(now) {
            now = now + delay;
            if now.as_us() as f64 / 1e6 >= end_s {
                break;
            }
            if !load.arrivals.at_edge {
                out.push(now.as_us() as f64 / 1e6);
            }
        }
        out
    }

    #[test]
    fn a_spike_changes_the_rate_only_inside_its_window() {
        let regime = |rate_per_s| LoadRegime {
            rate_per_s,
            fee_rate_min: FeeRate::from_sat_per_vb(1.0),
            fee_rate_max: FeeRate::from_sat_per_vb(2.0),
        };
        let spike = FeeSpike { start: SimTime(1_000_000_000), end: SimTime(2_000_000_000), regime: regime(5.0) };
        let mut load = BackgroundLoad::new(Wallet::new("w"), Stream::derive(3, "load"), regime(0.5), Some(spike));
        let times = arrivals(&mut load, 3_000.0);
        let count = |lo: f64, hi: f64| times.iter().filter(|&&t| (lo..hi).contains(&t)).count() as f64;
        // Poisson counts: 500 ± 3 sd (67) before and after, 5 000 ± 3 sd (212) inside.
        for (lo, hi, expected) in [(0.0, 1_000.0, 500.0), (1_000.0, 2_000.0, 5_000.0), (2_000.0, 3_000.0, 500.0)] {
            let n = count(lo, hi);
            assert!(
                (n - expected).abs() < 3.0 * expected.sqrt(),
                "[{lo}, {hi}): {n} arrivals, expected about {expected}"
            );
        }
    }

    #[test]
    fn a_load_that_only_spikes_waits_for_the_window_and_then_stops() {
        let regime = |rate_per_s| LoadRegime {
            rate_per_s,
            fee_rate_min: FeeRate::from_sat_per_vb(1.0),
            fee_rate_max: FeeRate::from_sat_per_vb(2.0),
        };
        let spike = FeeSpike { start: SimTime(100_000_000), end: SimTime(200_000_000), regime: regime(1.0) };
        let mut load = BackgroundLoad::new(Wallet::new("w"), Stream::derive(3, "load"), regime(0.0), Some(spike));
        assert_eq!(load.next_delay(SimTime::ZERO), Some(SimDuration::from_secs(100)), "first the window's start");
        let times = arrivals(
            &mut BackgroundLoad::new(Wallet::new("w"), Stream::derive(3, "load"), regime(0.0), Some(spike)),
            1e9,
        );
        assert!(!times.is_empty() && times.iter().all(|&t| (100.0..200.0).contains(&t)), "{times:?}");
    }
}
