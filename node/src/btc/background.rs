//! Background load: fee-paying transactions that compete for block space.
//!
//! Transactions arrive as a Poisson process; each one's fee rate is log-uniform between the
//! scenario's bounds (many cheap transactions, few expensive ones). The wallet keeps recycling its
//! coins by splitting them into outputs of its own, so the load runs for as long as the run does,
//! provided blocks confirm the splits (a wallet with no confirmed coin left waits and says so).

use crate::events::{Action, Message, Observation, Timer};
use super::node::BitcoinNode;
use super::wallet::Wallet;
use crate::rng::Stream;
use crate::time::SimDuration;
use super::sealed::SealedTx;

#[derive(Debug)]
pub struct BackgroundLoad {
    pub wallet: Wallet,
    rng: Stream,
    rate_per_s: f64,
    fee_rate_min_sat_per_vb: f64,
    fee_rate_max_sat_per_vb: f64,
    starved: bool,
}

impl BackgroundLoad {
    pub fn new(wallet: Wallet, rng: Stream, rate_per_s: f64, fee_rate_min_sat_per_vb: f64, fee_rate_max_sat_per_vb: f64) -> Self {
        BackgroundLoad { wallet, rng, rate_per_s, fee_rate_min_sat_per_vb, fee_rate_max_sat_per_vb, starved: false }
    }

    pub fn next_delay(&mut self) -> SimDuration {
        SimDuration::from_secs_f64(self.rng.exponential(1.0 / self.rate_per_s))
    }

    /// Sends one transaction (if the wallet can) and arms the next arrival.
    pub fn on_timer(&mut self, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        let fee_rate = self.rng.log_uniform(self.fee_rate_min_sat_per_vb, self.fee_rate_max_sat_per_vb);
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
        out.push(Action::Schedule { after: self.next_delay(), timer: Timer::Background });
    }
}
