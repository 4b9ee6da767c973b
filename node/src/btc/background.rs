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

use crate::events::{Action, Message, Observation, Timer};
use super::node::BitcoinNode;
use super::wallet::Wallet;
use crate::rng::Stream;
use crate::time::{SimDuration, SimTime};
use super::sealed::SealedTx;

/// Arrival rate and fee-rate range of the load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadRegime {
    pub rate_per_s: f64,
    pub fee_rate_min_sat_per_vb: f64,
    pub fee_rate_max_sat_per_vb: f64,
}

/// A window of time with its own regime.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeeSpike {
    pub start: SimTime,
    pub end: SimTime,
    pub regime: LoadRegime,
}

#[derive(Debug)]
pub struct BackgroundLoad {
    pub wallet: Wallet,
    rng: Stream,
    base: LoadRegime,
    spike: Option<FeeSpike>,
    /// The armed timer is a regime change, not an arrival.
    at_edge: bool,
    starved: bool,
}

impl BackgroundLoad {
    pub fn new(wallet: Wallet, rng: Stream, base: LoadRegime, spike: Option<FeeSpike>) -> Self {
        BackgroundLoad { wallet, rng, base, spike, at_edge: false, starved: false }
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

    /// Sends one transaction (if the wallet can) and arms the next arrival.
    pub fn on_timer(&mut self, now: SimTime, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        if !self.at_edge {
            self.send(now, node, out);
        }
        if let Some(after) = self.next_delay(now) {
            out.push(Action::Schedule { after, timer: Timer::Background });
        }
    }

    fn send(&mut self, now: SimTime, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        let regime = self.regime(now);
        let fee_rate = self.rng.log_uniform(regime.fee_rate_min_sat_per_vb, regime.fee_rate_max_sat_per_vb);
        match self.wallet.self_split(fee_rate) {
            Ok(tx) => {
                self.starved = false;
                let tx = SealedTx::seal(tx);
                if node.receive_tx(tx.clone()).is_ok() {
                    out.push(Action::Observe(Observation::TxSent { txid: tx.txid().to_string(), fee_rate_sat_per_vb: fee_rate }));
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
