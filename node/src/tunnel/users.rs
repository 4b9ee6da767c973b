//! The tunnel's users: a treasury that moves a large amount through the tunnel on a schedule,
//! and background holders who deposit (Poisson arrivals, log-uniform amounts) and withdraw part
//! of what they hold (Poisson arrivals). Deposits come from Bitcoin wallets; withdrawals are L2
//! transactions to hBTC (one in flight per holder) that pay back to the same wallets, so coins
//! recycle through the vault.

use super::deposit::deposit_outputs;
use super::{HBTC, MIN_DEPOSIT, p2pkh_hash};
use crate::btc::node::BitcoinNode;
use crate::btc::params::{DUST_LIMIT, MIN_RELAY_FEE_RATE};
use crate::btc::sealed::SealedTx;
use crate::btc::wallet::{Wallet, fee_for};
use crate::eth::portal::{PortalCall, deposit_l1_fee_wei, escape_of};
use crate::events::{Action, Message, Observation, VIA_PORTAL, VIA_SEQUENCER};
use crate::l2::block::L2Block;
use crate::l2::hvm::hbtc::withdraw_calldata;
use crate::l2::tx::L2Tx;
use crate::l2::tx::{Refusal, Submission};
use crate::peer::PeerId;
use crate::rng::Stream;
use crate::time::{SimDuration, SimTime};
use bitcoin::{Amount, ScriptBuf, TxOut};
use revm::primitives::{Address, U256, keccak256};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Gas limit of a withdrawal (it uses about 60,000).
pub const WITHDRAW_GAS: u64 = 120_000;
/// Confirmation target of the depositors' fee estimate.
const DEPOSIT_FEE_TARGET_BLOCKS: u32 = 3;
/// A deposit's size budget for the fee, before the exact fee is known.
const FEE_BUDGET_VBYTES: u64 = 600;

/// The treasury's scripted moves.
#[derive(Debug, Clone, PartialEq)]
pub struct TreasuryPlan {
    pub deposit_at: SimTime,
    pub deposit: Amount,
    /// A withdrawal back to the treasury's wallet, if any.
    pub withdraw: Option<(SimTime, Amount)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TunnelUsersConfig {
    pub vault: ScriptBuf,
    pub holders: u32,
    pub deposit_rate_per_s: f64,
    pub deposit_btc_min: f64,
    pub deposit_btc_max: f64,
    pub withdraw_rate_per_s: f64,
    pub treasury: Option<TreasuryPlan>,
    pub block_weight: u64,
    /// A withdrawal not included this long after it was sent is re-sent through the Ethereum
    /// portal (`None`: holders never escape).
    pub force_after: Option<SimDuration>,
}

/// The L2 address of background holder `i`.
pub fn holder_address(i: u32) -> Address {
    Address::from_slice(&keccak256(format!("hemisim/tunnel-holder/{i}").as_bytes())[12..])
}

/// The treasury's L2 address.
pub fn treasury_address() -> Address {
    Address::from_slice(&keccak256(b"hemisim/treasury")[12..])
}

/// Wallet names.
pub const DEPOSITORS_WALLET: &str = "tunnel-depositors";
pub const TREASURY_WALLET: &str = "treasury";

#[derive(Debug, Clone)]
struct Holder {
    address: Address,
    hbtc_sats: u64,
    nonce: u64,
    in_flight: bool,
    /// With `force_after`: the withdrawal in flight, and whether it was re-sent through L1.
    pending: Option<(Arc<Submission>, bool)>,
    /// Its withdrawal was forced and the sequencer included the original anyway: the deposit
    /// still executes (a second burn), two nonces further.
    original_included: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Deposit,
    Withdraw,
    TreasuryDeposit,
    TreasuryWithdraw,
    /// Withdrawals waiting longer than `force_after` escape through L1.
    Escape,
}

#[derive(Debug)]
pub struct TunnelUsers {
    config: TunnelUsersConfig,
    rng: Stream,
    pub wallet: Wallet,
    pub treasury_wallet: Wallet,
    /// Background holders, then the treasury (last).
    holders: Vec<Holder>,
    by_address: BTreeMap<Address, usize>,
    agenda: BTreeMap<(SimTime, u64), Act>,
    next_seq: u64,
}

impl TunnelUsers {
    pub fn new(config: TunnelUsersConfig, rng: Stream) -> Self {
        let mut holders: Vec<Holder> = (0..config.holders)
            .map(|i| Holder {
                address: holder_address(i),
                hbtc_sats: 0,
                nonce: 0,
                in_flight: false,
                pending: None,
                original_included: false,
            })
            .collect();
        holders.push(Holder {
            address: treasury_address(),
            hbtc_sats: 0,
            nonce: 0,
            in_flight: false,
            pending: None,
            original_included: false,
        });
        let by_address = holders.iter().enumerate().map(|(i, h)| (h.address, i)).collect();
        TunnelUsers {
            config,
            rng,
            wallet: Wallet::new(DEPOSITORS_WALLET),
            treasury_wallet: Wallet::new(TREASURY_WALLET),
            holders,
            by_address,
            agenda: BTreeMap::new(),
            next_seq: 0,
        }
    }

    /// Plans the first acts; the delay to the first one, if any.
    pub fn start(&mut self) -> Option<SimDuration> {
        let now = SimTime::ZERO;
        self.schedule_poisson(now, Act::Deposit);
        self.schedule_poisson(now, Act::Withdraw);
        if let Some(plan) = self.config.treasury.clone() {
            self.schedule(plan.deposit_at, Act::TreasuryDeposit);
            if let Some((at, _)) = plan.withdraw {
                self.schedule(at, Act::TreasuryWithdraw);
            }
        }
        self.next_delay(now)
    }

    /// Performs every act due at `now`; the delay to the next one, if any.
    pub fn on_timer(&mut self, now: SimTime, node: &mut BitcoinNode, out: &mut Vec<Action>) -> Option<SimDuration> {
        while let Some((&(at, seq), &act)) = self.agenda.first_key_value() {
            if at > now {
                break;
            }
            self.agenda.remove(&(at, seq));
            match act {
                Act::Deposit => {
                    self.background_deposit(node, out);
                    self.schedule_poisson(now, Act::Deposit);
                }
                Act::Withdraw => {
                    self.background_withdrawal(now, out);
                    self.schedule_poisson(now, Act::Withdraw);
                }
                Act::TreasuryDeposit => {
                    let amount = self.config.treasury.as_ref().map_or(Amount::ZERO, |p| p.deposit);
                    let treasury = self.holders.len() - 1;
                    deposit(
                        &mut self.treasury_wallet,
                        &self.config,
                        amount,
                        self.holders[treasury].address,
                        true,
                        node,
                        out,
                    );
                }
                Act::TreasuryWithdraw => {
                    let amount =
                        self.config.treasury.as_ref().and_then(|p| p.withdraw).map_or(Amount::ZERO, |(_, a)| a);
                    let treasury = self.holders.len() - 1;
                    let to = p2pkh_hash(self.treasury_wallet.script()).expect("wallets are P2PKH");
                    self.withdraw(now, treasury, amount, to, true, out);
                }
                Act::Escape => self.escape(now, out),
            }
        }
        self.next_delay(now)
    }

    /// Withdrawals that waited `force_after` are re-sent through the portal ([`escape_of`]).
    fn escape(&mut self, now: SimTime, out: &mut Vec<Action>) {
        let Some(force_after) = self.config.force_after else { return };
        for holder in &mut self.holders {
            let Some((submission, forced)) = &mut holder.pending else { continue };
            if *forced || now < submission.submitted_at + force_after {
                continue;
            }
            *forced = true;
            let call = PortalCall { request: escape_of(&submission.tx), l1_tx: submission.hash };
            out.push(Action::Observe(Observation::TxForced {
                hash: submission.hash,
                from: submission.tx.from,
                via: VIA_PORTAL,
                l1_fee_wei: deposit_l1_fee_wei(),
            }));
            out.push(Action::SendTo { to: PeerId::ETHEREUM, message: Message::PortalDeposit(Arc::new(call)) });
        }
    }

    /// A block arrived: credit mints, debit burns, free accounts whose transaction was included.
    /// A holder's forced withdrawal is included when its deposit executes: recorded.
    pub fn on_block(&mut self, block: &L2Block) -> Vec<Observation> {
        let mut forced = Vec::new();
        for deposit in &block.deposits {
            let Some(&i) = self.by_address.get(&deposit.from) else { continue };
            let holder = &mut self.holders[i];
            if let Some((submission, true)) = &holder.pending {
                if !holder.original_included {
                    forced.push(Observation::ForcedTxIncluded {
                        hash: submission.hash,
                        l2_number: block.header.number,
                        via: VIA_PORTAL,
                    });
                }
                holder.nonce = submission.tx.nonce + if holder.original_included { 2 } else { 1 };
                holder.in_flight = false;
                holder.pending = None;
                holder.original_included = false;
            }
        }
        self.apply_block(block, &mut forced);
        forced
    }

    fn apply_block(&mut self, block: &L2Block, forced: &mut Vec<Observation>) {
        for mint in &block.tunnel.mints {
            if let Some(&i) = self.by_address.get(&mint.recipient) {
                self.holders[i].hbtc_sats += mint.amount.to_sat();
            }
        }
        for w in &block.tunnel.withdrawals {
            if let Some(&i) = self.by_address.get(&w.from) {
                self.holders[i].hbtc_sats = self.holders[i].hbtc_sats.saturating_sub(w.amount.to_sat());
            }
        }
        for tx in &block.txs {
            // An older transaction included again after an unsafe reorg changes nothing.
            if let Some(&i) = self.by_address.get(&tx.from)
                && tx.nonce >= self.holders[i].nonce
            {
                let holder = &mut self.holders[i];
                if let Some((submission, true)) = &holder.pending {
                    // Included by the sequencer after all; its escape is on its way through L1
                    // and will execute too.
                    if !holder.original_included {
                        forced.push(Observation::ForcedTxIncluded {
                            hash: submission.hash,
                            l2_number: block.header.number,
                            via: VIA_SEQUENCER,
                        });
                    }
                    holder.original_included = true;
                    continue;
                }
                holder.nonce = tx.nonce + 1;
                holder.in_flight = false;
                holder.pending = None;
            }
        }
    }

    /// A block of the sequencer's chain was taken back (an unsafe reorg): its mints and burns
    /// no longer count in the holders' balances (they come back with the blocks that replace it).
    pub fn revert_block(&mut self, block: &L2Block) {
        for mint in &block.tunnel.mints {
            if let Some(&i) = self.by_address.get(&mint.recipient) {
                self.holders[i].hbtc_sats = self.holders[i].hbtc_sats.saturating_sub(mint.amount.to_sat());
            }
        }
        for w in &block.tunnel.withdrawals {
            if let Some(&i) = self.by_address.get(&w.from) {
                self.holders[i].hbtc_sats += w.amount.to_sat();
            }
        }
    }

    /// The sequencer refused one of ours: the holder may try again (not for an original its
    /// escape through L1 made invalid).
    pub fn on_refusal(&mut self, refusal: &Refusal) {
        if let Some(&i) = self.by_address.get(&refusal.from)
            && !self.holders[i].pending.as_ref().is_some_and(|(_, forced)| *forced)
        {
            self.holders[i].in_flight = false;
            self.holders[i].pending = None;
        }
    }

    fn schedule(&mut self, at: SimTime, act: Act) {
        self.agenda.insert((at, self.next_seq), act);
        self.next_seq += 1;
    }

    fn schedule_poisson(&mut self, now: SimTime, act: Act) {
        let rate = match act {
            Act::Deposit => self.config.deposit_rate_per_s,
            Act::Withdraw => self.config.withdraw_rate_per_s,
            _ => 0.0,
        };
        if rate > 0.0 && self.config.holders > 0 {
            let after = SimDuration::from_secs_f64(self.rng.exponential(1.0 / rate));
            self.schedule(now + after, act);
        }
    }

    fn next_delay(&self, now: SimTime) -> Option<SimDuration> {
        self.agenda.first_key_value().map(|(&(at, _), _)| at.since(now))
    }

    fn background_deposit(&mut self, node: &mut BitcoinNode, out: &mut Vec<Action>) {
        let btc = self.rng.log_uniform(self.config.deposit_btc_min, self.config.deposit_btc_max);
        let amount = Amount::from_sat((btc * 1e8).round() as u64).max(MIN_DEPOSIT);
        let holder = self.rng.below_inclusive(u64::from(self.config.holders) - 1) as usize;
        deposit(&mut self.wallet, &self.config, amount, self.holders[holder].address, false, node, out);
    }

    fn background_withdrawal(&mut self, now: SimTime, out: &mut Vec<Action>) {
        let candidates: Vec<usize> = (0..self.config.holders as usize)
            .filter(|&i| !self.holders[i].in_flight && self.holders[i].hbtc_sats >= MIN_DEPOSIT.to_sat())
            .collect();
        if candidates.is_empty() {
            return;
        }
        let i = candidates[self.rng.below_inclusive(candidates.len() as u64 - 1) as usize];
        let share = 0.25 + 0.75 * self.rng.unit();
        let amount = Amount::from_sat((self.holders[i].hbtc_sats as f64 * share) as u64).max(MIN_DEPOSIT);
        let to = p2pkh_hash(self.wallet.script()).expect("wallets are P2PKH");
        self.withdraw(now, i, amount, to, false, out);
    }

    fn withdraw(
        &mut self,
        now: SimTime,
        holder: usize,
        amount: Amount,
        to: [u8; 20],
        treasury: bool,
        out: &mut Vec<Action>,
    ) {
        let h = &mut self.holders[holder];
        if h.in_flight || amount == Amount::ZERO || amount.to_sat() > h.hbtc_sats {
            return;
        }
        h.in_flight = true;
        let tx = L2Tx {
            from: h.address,
            to: Some(HBTC),
            nonce: h.nonce,
            gas_limit: WITHDRAW_GAS,
            gas_price: 0,
            value: U256::ZERO,
            input: withdraw_calldata(amount, to),
        };
        out.push(Action::Observe(Observation::WithdrawalRequested { from: h.address, amount, treasury }));
        let submission = Submission::new(tx, now);
        if let Some(force_after) = self.config.force_after {
            h.pending = Some((submission.clone(), false));
            self.schedule(now + force_after, Act::Escape);
        }
        out.push(Action::Broadcast(Message::L2Tx(submission)));
    }
}

/// Sends a deposit of `amount` for `recipient` from `wallet`; one it cannot pay (no confirmed
/// coins enough: they may all be waiting for confirmations) is skipped, and said so in the trace.
fn deposit(
    wallet: &mut Wallet,
    config: &TunnelUsersConfig,
    amount: Amount,
    recipient: Address,
    treasury: bool,
    node: &mut BitcoinNode,
    out: &mut Vec<Action>,
) {
    let fee_rate = node.estimate_fee_rate(DEPOSIT_FEE_TARGET_BLOCKS, config.block_weight).max(MIN_RELAY_FEE_RATE);
    let budget = fee_rate.fee_for_vsize(FEE_BUDGET_VBYTES);
    let Ok(coins) = wallet.take_coins(amount + budget) else {
        out.push(Action::Observe(Observation::WalletEmpty { wallet: wallet.name().to_owned() }));
        return;
    };
    let inputs: Amount = coins.iter().map(|c| c.1).sum();
    let mut outputs = deposit_outputs(&config.vault, amount, recipient);
    outputs.push(TxOut { value: Amount::ZERO, script_pubkey: wallet.script().clone() });
    let mut tx = wallet.spend_tx(&coins, outputs);
    let fee = fee_for(&tx, fee_rate);
    let Some(change) = inputs.checked_sub(amount + fee) else {
        release(wallet, coins);
        out.push(Action::Observe(Observation::WalletEmpty { wallet: wallet.name().to_owned() }));
        return;
    };
    if change >= DUST_LIMIT {
        tx.output[2].value = change;
    } else {
        tx.output.pop();
    }
    let sealed = SealedTx::seal(tx);
    if node.receive_tx(sealed.clone()).is_err() {
        // Its node refused it (a coin a reorg just took away): try again at the next deposit.
        release(wallet, coins);
        return;
    }
    out.push(Action::Observe(Observation::DepositSent { txid: sealed.txid(), amount, recipient, treasury }));
    out.push(Action::Broadcast(Message::Tx(sealed)));
}

fn release(wallet: &mut Wallet, coins: Vec<(bitcoin::OutPoint, Amount)>) {
    for coin in coins {
        wallet.release(coin);
    }
}
