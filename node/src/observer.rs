//! The observer's duties besides its Bitcoin node: whatever the scenario has of the background
//! load, the L2 users, the finality tracker, the tunnel's depositors and its auditor. Each is
//! optional; the observer hands every input to the ones that want it.

use crate::btc::background::BackgroundLoad;
use crate::btc::node::BitcoinNode;
use crate::btc::wallet::Wallet;
use crate::events::{Action, Audience, Message, Observation, Timer};
use crate::l2::block::L2Block;
use crate::l2::tx::Refusal;
use crate::l2::workload::Workload;
use crate::pop::finality::FinalityTracker;
use crate::pop::maker::MadeKeystone;
use crate::time::SimTime;
use crate::tunnel::audit::TunnelAuditor;
use crate::tunnel::users::TunnelUsers;
use std::sync::Arc;

#[derive(Debug, Default)]
pub struct Observer {
    pub load: Option<BackgroundLoad>,
    pub users: Option<Box<Workload>>,
    pub finality: Option<Box<FinalityTracker>>,
    pub depositors: Option<Box<TunnelUsers>>,
    pub auditor: Option<Box<TunnelAuditor>>,
}

impl Observer {
    /// What it listens to besides Bitcoin: L2 blocks (users, depositors, auditor), refusals
    /// (whoever sends L2 transactions), keystones (the finality tracker).
    pub fn audiences(&self) -> Vec<Audience> {
        let mut audiences = vec![Audience::Bitcoin];
        let sends_l2_txs = self.users.is_some() || self.depositors.is_some();
        if sends_l2_txs || self.auditor.is_some() {
            audiences.push(Audience::L2Followers);
        }
        if sends_l2_txs {
            audiences.push(Audience::Users);
        }
        if self.finality.is_some() {
            audiences.push(Audience::Keystones);
        }
        audiences
    }

    /// Arms the first timers.
    pub fn start(&mut self, out: &mut Vec<Action>) {
        let mut arm = |after, timer| out.push(Action::Schedule { after, timer });
        if let Some(after) = self.load.as_mut().and_then(|load| load.next_delay(SimTime::ZERO)) {
            arm(after, Timer::Background);
        }
        if let Some(users) = &mut self.users {
            arm(users.next_delay(), Timer::Workload);
        }
        if let Some(after) = self.depositors.as_mut().and_then(|d| d.start()) {
            arm(after, Timer::Tunnel);
        }
    }

    pub fn on_timer(&mut self, now: SimTime, timer: Timer, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        match timer {
            Timer::Background => {
                if let Some(load) = &mut self.load {
                    load.on_timer(now, node, out);
                }
            }
            Timer::Workload => {
                if let Some(users) = &mut self.users {
                    if let Some(submission) = users.arrival(now) {
                        out.push(Action::Broadcast(Message::L2Tx(submission)));
                    }
                    out.push(Action::Schedule { after: users.next_delay(), timer: Timer::Workload });
                }
            }
            Timer::Tunnel => {
                if let Some(after) = self.depositors.as_mut().and_then(|d| d.on_timer(now, node, out)) {
                    out.push(Action::Schedule { after, timer: Timer::Tunnel });
                }
            }
            Timer::Mine | Timer::L2Block | Timer::PopPoll => {}
        }
    }

    pub fn on_l2_block(&mut self, block: Arc<L2Block>, node: &BitcoinNode, out: &mut Vec<Action>) {
        if let Some(users) = &mut self.users {
            users.on_block(&block);
        }
        if let Some(depositors) = &mut self.depositors {
            depositors.on_block(&block);
        }
        if let Some(auditor) = &mut self.auditor {
            observe_all(auditor.on_l2_block(block, node), out);
        }
    }

    pub fn on_refusal(&mut self, refusal: &Refusal) {
        if let Some(users) = &mut self.users {
            users.on_refusal(refusal);
        }
        if let Some(depositors) = &mut self.depositors {
            depositors.on_refusal(refusal);
        }
    }

    pub fn on_keystone(&mut self, made: &MadeKeystone, node: &BitcoinNode, out: &mut Vec<Action>) {
        if let Some(tracker) = &mut self.finality {
            observe_all(tracker.on_keystone(made, node), out);
        }
    }

    /// Its node's tip moved.
    pub fn on_bitcoin_change(&mut self, node: &BitcoinNode, out: &mut Vec<Action>) {
        if let Some(tracker) = &mut self.finality {
            observe_all(tracker.on_bitcoin_change(node), out);
        }
        if let Some(auditor) = &mut self.auditor {
            observe_all(auditor.on_bitcoin_change(node), out);
        }
    }

    /// The wallets its node's watched coins feed.
    pub fn wallets(&mut self) -> Vec<&mut Wallet> {
        let mut wallets: Vec<&mut Wallet> = self.load.iter_mut().map(|l| &mut l.wallet).collect();
        if let Some(d) = &mut self.depositors {
            let d = &mut **d;
            wallets.push(&mut d.wallet);
            wallets.push(&mut d.treasury_wallet);
        }
        wallets
    }
}

fn observe_all(observations: Vec<Observation>, out: &mut Vec<Action>) {
    out.extend(observations.into_iter().map(Action::Observe));
}
