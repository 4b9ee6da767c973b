//! Each state machine of the crate as a [`Duty`]: what it listens to, which inputs it takes and
//! how it reports. The state machines themselves stay plain types with their own methods; this
//! is only their wiring, in one place: here, and the L2 nodes' in `l2`; `following` keeps
//! the followers of the sequencer's chain on it through unsafe reorgs.

mod following;
mod l2;
mod member;

pub use following::{Following, RevertsL2Blocks};
pub use l2::BATCHER_POLL;
pub use member::{SetMember, SetMode};

use super::duty::{BitcoinChange, Ctx, Duty};
use super::report::DutyReport;
use super::{PeerId, publish_own};
use crate::btc::background::BackgroundLoad;
use crate::btc::double_spend::DoubleSpender;
use crate::btc::miner::Miner;
use crate::btc::selfish::SelfishMiner;
use crate::btc::wallet::Wallet;
use crate::eth::chain::NewBlock;
use crate::eth::network::{L1Network, Slot};
use crate::eth::portal::deposit_l1_fee_wei;
use crate::events::{Audience, Message, Observation, Timer, VIA_PORTAL, VIA_SEQUENCER};
use crate::l2::workload::Workload;
use crate::pop::finality::FinalityTracker;
use crate::pop::miner::PopMiner;
use crate::pop::rewriter::PopRewriter;
use crate::time::SimTime;
use crate::tunnel::audit::TunnelAuditor;
use crate::tunnel::operator::Operator;
use crate::tunnel::users::TunnelUsers;
use std::sync::Arc;

/// An honest miner: mines on its best tip and publishes at once.
impl Duty for Miner {
    fn start(&mut self, cx: &mut Ctx<'_>) {
        cx.schedule(self.next_find_delay(), Timer::Mine);
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        if timer == Timer::Mine {
            let (block, fees) = self.mine_on_tip(cx.node, cx.now);
            publish_own(cx.node, block, fees, cx.out);
            cx.schedule(self.next_find_delay(), Timer::Mine);
        }
    }
}

impl Duty for DoubleSpender {
    fn start(&mut self, cx: &mut Ctx<'_>) {
        cx.schedule(self.miner.next_find_delay(), Timer::Mine);
        self.start_race(cx.node, cx.out);
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        if timer == Timer::Mine {
            self.on_mine(cx.node, cx.now, cx.out);
            cx.schedule(self.miner.next_find_delay(), Timer::Mine);
        }
    }

    fn on_bitcoin(&mut self, cx: &mut Ctx<'_>, change: BitcoinChange) {
        if change.tip_changed {
            self.on_public_change(cx.node, cx.out);
        }
    }

    fn wallets(&mut self) -> Vec<&mut Wallet> {
        vec![&mut self.wallet]
    }
}

impl Duty for SelfishMiner {
    fn start(&mut self, cx: &mut Ctx<'_>) {
        cx.schedule(self.miner.next_find_delay(), Timer::Mine);
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        if timer == Timer::Mine {
            self.on_mine(cx.node, cx.now, cx.out);
            cx.schedule(self.miner.next_find_delay(), Timer::Mine);
        }
    }

    fn on_bitcoin(&mut self, cx: &mut Ctx<'_>, change: BitcoinChange) {
        if change.tip_changed {
            self.on_public_change(cx.node, cx.out);
        }
    }
}

/// A Proof-of-Proof miner: publishes keystones in Bitcoin transactions from its wallet.
impl Duty for PopMiner {
    fn audiences(&self) -> Vec<Audience> {
        vec![Audience::Keystones]
    }

    fn start(&mut self, cx: &mut Ctx<'_>) {
        cx.schedule(self.first_poll_delay(), Timer::PopPoll);
    }

    fn on_message(&mut self, cx: &mut Ctx<'_>, message: &Message) {
        if let Message::Keystone(made) = message {
            self.on_keystone(cx.now, made.clone(), cx.node, cx.out);
        }
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        if timer == Timer::PopPoll {
            self.on_poll(cx.now, cx.node, cx.out);
        }
    }

    fn wallets(&mut self) -> Vec<&mut Wallet> {
        vec![&mut self.wallet]
    }
}

/// The rewrite attacker: a colluding PoP miner, with or without a private Bitcoin branch.
impl Duty for PopRewriter {
    fn audiences(&self) -> Vec<Audience> {
        vec![Audience::Keystones]
    }

    fn start(&mut self, cx: &mut Ctx<'_>) {
        if let Some(miner) = self.miner.as_mut() {
            cx.schedule(miner.next_find_delay(), Timer::Mine);
        }
    }

    fn on_message(&mut self, cx: &mut Ctx<'_>, message: &Message) {
        if let Message::Keystone(made) = message {
            self.on_keystone(made, cx.node, cx.out);
        }
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        if timer == Timer::Mine {
            self.on_mine(cx.node, cx.now, cx.out);
            if let Some(miner) = self.miner.as_mut() {
                cx.schedule(miner.next_find_delay(), Timer::Mine);
            }
        }
    }

    fn on_bitcoin(&mut self, cx: &mut Ctx<'_>, change: BitcoinChange) {
        if change.tip_changed {
            self.on_public_change(cx.node, cx.out);
        }
    }

    fn wallets(&mut self) -> Vec<&mut Wallet> {
        vec![&mut self.wallet]
    }
}

/// The BTC tunnel's vault operator: pays out withdrawals from the vault.
impl Duty for Operator {
    fn audiences(&self) -> Vec<Audience> {
        vec![Audience::L2Followers, Audience::Keystones]
    }

    fn on_message(&mut self, cx: &mut Ctx<'_>, message: &Message) {
        match message {
            Message::L2Block(block) => self.on_l2_block(cx.now, block, cx.node, cx.out),
            Message::Keystone(made) => self.on_keystone(cx.now, made, cx.node, cx.out),
            _ => {}
        }
    }

    fn on_bitcoin(&mut self, cx: &mut Ctx<'_>, change: BitcoinChange) {
        if change.tip_changed {
            self.on_bitcoin_change(cx.now, cx.node, cx.out);
        }
    }

    fn wallets(&mut self) -> Vec<&mut Wallet> {
        vec![&mut self.vault]
    }
}

/// The fee-paying Bitcoin background load.
impl Duty for BackgroundLoad {
    fn start(&mut self, cx: &mut Ctx<'_>) {
        if let Some(after) = self.next_delay(SimTime::ZERO) {
            cx.schedule(after, Timer::Background);
        }
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        if timer == Timer::Background {
            BackgroundLoad::on_timer(self, cx.now, cx.node, cx.out);
        }
    }

    fn wallets(&mut self) -> Vec<&mut Wallet> {
        vec![&mut self.wallet]
    }
}

/// The L2 users: send transactions to the sequencer, follow blocks and refusals, and (with
/// `force_after`) escape a censoring sequencer through the Ethereum portal.
impl Duty for Workload {
    fn audiences(&self) -> Vec<Audience> {
        vec![Audience::L2Followers, Audience::Users]
    }

    fn start(&mut self, cx: &mut Ctx<'_>) {
        cx.schedule(self.next_delay(), Timer::Workload);
        if let Some(after) = self.resend_after() {
            cx.schedule(after, Timer::UserResend);
        }
    }

    fn on_message(&mut self, cx: &mut Ctx<'_>, message: &Message) {
        match message {
            Message::L2Block(block) => {
                for forced in self.on_block(block) {
                    cx.observe(Observation::ForcedTxIncluded {
                        hash: forced.hash,
                        l2_number: forced.l2_number,
                        via: if forced.by_sequencer { VIA_SEQUENCER } else { VIA_PORTAL },
                    });
                }
            }
            Message::L2Refusal(refusal) => self.on_refusal(refusal),
            _ => {}
        }
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        match timer {
            Timer::Workload => {
                if let Some(submission) = self.arrival(cx.now) {
                    cx.broadcast(Message::L2Tx(submission));
                    if let Some(force_after) = self.force_after() {
                        cx.schedule(force_after, Timer::UserEscape);
                    }
                }
                cx.schedule(self.next_delay(), Timer::Workload);
            }
            Timer::UserResend => {
                for submission in self.resends(cx.now) {
                    cx.broadcast(Message::L2Tx(submission));
                }
                for escape in self.escape_resends(cx.now) {
                    cx.send_to(PeerId::ETHEREUM, Message::PortalDeposit(Arc::new(escape.call())));
                }
                if let Some(after) = self.resend_after() {
                    cx.schedule(after, Timer::UserResend);
                }
            }
            Timer::UserEscape => {
                for escape in self.escapes(cx.now) {
                    cx.observe(Observation::TxForced {
                        hash: escape.original.hash,
                        from: escape.original.tx.from,
                        via: VIA_PORTAL,
                        l1_fee_wei: deposit_l1_fee_wei(),
                    });
                    cx.send_to(PeerId::ETHEREUM, Message::PortalDeposit(Arc::new(escape.call())));
                }
            }
            _ => {}
        }
    }

    fn report(&self) -> DutyReport<'_> {
        DutyReport::Users(self)
    }
}

/// BFG's superfinality rule on its peer's chain.
impl Duty for FinalityTracker {
    fn audiences(&self) -> Vec<Audience> {
        vec![Audience::Keystones]
    }

    fn on_message(&mut self, cx: &mut Ctx<'_>, message: &Message) {
        if let Message::Keystone(made) = message {
            let observations = self.on_keystone(made, cx.node);
            cx.observe_all(observations);
        }
    }

    fn on_bitcoin(&mut self, cx: &mut Ctx<'_>, change: BitcoinChange) {
        if change.tip_changed {
            let observations = self.on_bitcoin_change(cx.node);
            cx.observe_all(observations);
        }
    }
}

/// The tunnel's depositors and holders.
impl Duty for TunnelUsers {
    fn audiences(&self) -> Vec<Audience> {
        vec![Audience::L2Followers, Audience::Users]
    }

    fn start(&mut self, cx: &mut Ctx<'_>) {
        if let Some(after) = TunnelUsers::start(self) {
            cx.schedule(after, Timer::Tunnel);
        }
    }

    fn on_message(&mut self, cx: &mut Ctx<'_>, message: &Message) {
        match message {
            Message::L2Block(block) => {
                let forced = self.on_block(block);
                cx.observe_all(forced);
            }
            Message::L2Refusal(refusal) => self.on_refusal(refusal),
            _ => {}
        }
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        if timer == Timer::Tunnel
            && let Some(after) = TunnelUsers::on_timer(self, cx.now, cx.node, cx.out)
        {
            cx.schedule(after, Timer::Tunnel);
        }
    }

    fn wallets(&mut self) -> Vec<&mut Wallet> {
        vec![&mut self.wallet, &mut self.treasury_wallet]
    }
}

/// The tunnel's books at every L2 block, on its peer's Bitcoin chain.
impl Duty for TunnelAuditor {
    fn audiences(&self) -> Vec<Audience> {
        vec![Audience::L2Followers]
    }

    fn on_message(&mut self, cx: &mut Ctx<'_>, message: &Message) {
        if let Message::L2Block(block) = message {
            let observations = self.on_l2_block(block.clone(), cx.node);
            cx.observe_all(observations);
        }
    }

    fn on_bitcoin(&mut self, cx: &mut Ctx<'_>, change: BitcoinChange) {
        if change.tip_changed {
            let observations = self.on_bitcoin_change(cx.node);
            cx.observe_all(observations);
        }
    }

    fn report(&self) -> DutyReport<'_> {
        DutyReport::Auditor(self)
    }
}

/// The Ethereum L1: at every slot a block, recorded and sent to the L2 nodes, or a missed slot.
impl Duty for L1Network {
    fn start(&mut self, cx: &mut Ctx<'_>) {
        cx.schedule(self.until_next_slot(cx.now), Timer::L1Slot);
    }

    fn on_message(&mut self, cx: &mut Ctx<'_>, message: &Message) {
        match message {
            Message::BatcherTx(tx) => self.submit_batcher_tx((**tx).clone()),
            Message::GetL1Blocks { requester, after } => {
                for block in self.chain().blocks_after(*after) {
                    cx.send_to(*requester, Message::L1Block(block.clone()));
                }
            }
            Message::PortalDeposit(request) => {
                if let Err(refused) = self.submit_deposit(request, cx.now) {
                    cx.observe(Observation::PortalDepositRefused { what: refused.to_string() });
                }
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        if timer == Timer::L1Slot {
            match self.on_slot() {
                Slot::Block(new) => {
                    cx.observe(l1_block_observation(&new, self));
                    cx.broadcast(Message::L1Block(new.block));
                }
                Slot::Missed { slot } => cx.observe(Observation::L1SlotMissed { slot }),
            }
            cx.schedule(self.until_next_slot(cx.now), Timer::L1Slot);
        }
    }
}

fn l1_block_observation(new: &NewBlock, network: &L1Network) -> Observation {
    let block = &new.block;
    Observation::L1Block {
        number: block.block.number,
        time_s: network.chain().run_time_s(&block.block),
        hash: block.block.hash,
        parent: block.block.parent_hash,
        deposits: block.deposits.len() as u32,
        batcher_txs: block.batcher_txs.len() as u32,
        batch_bytes: block.batcher_txs.iter().map(|tx| tx.data_bytes() as u64).sum(),
        finalized: network.chain().finalized().number,
    }
}
