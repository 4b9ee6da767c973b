//! Following the sequencer's chain through unsafe reorgs: [`Following`] puts an
//! [`L2Follower`] in front of a duty that reads the sequencer's gossiped blocks.

use super::super::duty::{BitcoinChange, Ctx, Duty};
use super::super::report::DutyReport;
use crate::btc::wallet::Wallet;
use crate::events::{Audience, Message, Timer};
use crate::l2::block::L2Block;
use crate::l2::catch_up::L2CatchUp;
use crate::l2::follower::{FollowStep, L2Follower};
use crate::l2::workload::Workload;
use crate::peer::PeerId;
use crate::tunnel::audit::TunnelAuditor;
use crate::tunnel::operator::Operator;
use crate::tunnel::users::TunnelUsers;
use std::sync::Arc;

/// A duty that follows the sequencer's gossiped blocks and can take one back (settlement chains,
/// where the sequencer's unsafe chain reorgs).
pub trait RevertsL2Blocks: Duty {
    /// `block`, the last one handed to the duty, is no longer on the sequencer's chain.
    fn revert_l2_block(&mut self, cx: &mut Ctx<'_>, block: &Arc<L2Block>);
}

/// `duty` behind an [`L2Follower`]: it is handed the sequencer's blocks in chain order, and told
/// to take back those an unsafe reorg replaced before it is handed their replacements.
#[derive(Debug)]
pub struct Following<D> {
    pub duty: D,
    follower: L2Follower,
    catch_up: L2CatchUp,
}

impl<D> Following<D> {
    pub fn new(duty: D, follower: L2Follower) -> Self {
        Following { duty, follower, catch_up: L2CatchUp::default() }
    }

    /// Asks the `members` of a sequencer set in turn for missed blocks.
    pub fn asking(mut self, members: u32) -> Self {
        self.catch_up = L2CatchUp::of_set(members);
        self
    }
}

impl<D: RevertsL2Blocks> Duty for Following<D> {
    fn audiences(&self) -> Vec<Audience> {
        self.duty.audiences()
    }

    fn start(&mut self, cx: &mut Ctx<'_>) {
        self.duty.start(cx);
    }

    fn on_message(&mut self, cx: &mut Ctx<'_>, message: &Message) {
        let Message::L2Block(block) = message else { return self.duty.on_message(cx, message) };
        for step in self.follower.on_block(block.clone()) {
            match step {
                FollowStep::Apply(block) => self.duty.on_message(cx, &Message::L2Block(block)),
                FollowStep::Revert(block) => self.duty.revert_l2_block(cx, &block),
            }
        }
        if let Some(after) = self.follower.gap().or_else(|| self.follower.diverged()) {
            self.catch_up.ask(cx, after);
        }
    }

    fn restart(&mut self, cx: &mut Ctx<'_>) {
        self.duty.restart(cx);
    }

    fn on_connected(&mut self, cx: &mut Ctx<'_>, peer: PeerId) {
        if peer == PeerId::SEQUENCER {
            self.catch_up.ask(cx, self.follower.head());
        }
        self.duty.on_connected(cx, peer);
    }

    fn on_timer(&mut self, cx: &mut Ctx<'_>, timer: Timer) {
        self.duty.on_timer(cx, timer);
    }

    fn on_bitcoin(&mut self, cx: &mut Ctx<'_>, change: BitcoinChange) {
        self.duty.on_bitcoin(cx, change);
    }

    fn wallets(&mut self) -> Vec<&mut Wallet> {
        self.duty.wallets()
    }

    fn report(&self) -> DutyReport<'_> {
        self.duty.report()
    }
}

impl RevertsL2Blocks for TunnelAuditor {
    fn revert_l2_block(&mut self, cx: &mut Ctx<'_>, block: &Arc<L2Block>) {
        let observations = TunnelAuditor::revert_l2_block(self, block);
        cx.observe_all(observations);
    }
}

impl RevertsL2Blocks for Operator {
    fn revert_l2_block(&mut self, _cx: &mut Ctx<'_>, block: &Arc<L2Block>) {
        Operator::revert_l2_block(self, block);
    }
}

/// Users need nothing taken back: a reorged block's transactions return to the sequencer's
/// mempool, and only the transaction in flight frees an account (see [`Workload::on_block`]).
/// They follow through an [`L2Follower`] in runs with faults, to get the blocks they missed.
impl RevertsL2Blocks for Workload {
    fn revert_l2_block(&mut self, _cx: &mut Ctx<'_>, _block: &Arc<L2Block>) {}
}

impl RevertsL2Blocks for TunnelUsers {
    fn revert_l2_block(&mut self, _cx: &mut Ctx<'_>, block: &Arc<L2Block>) {
        self.revert_block(block);
    }
}
