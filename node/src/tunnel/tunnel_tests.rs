//! The tunnel end to end on hand-driven nodes: a deposit mints exactly when its confirmations on
//! the hVM's indexed view reach the threshold, once; verifiers re-derive the mints; a burn
//! becomes a withdrawal; the operator pays it by policy; the auditor's books balance, and catch
//! a double mint, a payout without a burn and an unwound deposit.

use super::audit::TunnelAuditor;
use super::deposit::{NotDeposit, deposit_outputs, parse_deposit, payout_id, payout_marker};
use super::operator::{Operator, OperatorConfig, PayoutPolicy};
use super::*;
use crate::btc::build::{CoinbaseTag, mine_block, simple_coinbase};
use crate::btc::genesis::{Allocation, genesis_block};
use crate::btc::node::BitcoinNode;
use crate::btc::params::{ChainParams, SUBSIDY};
use crate::btc::sealed::{SealedBlock, SealedTx};
use crate::btc::wallet::Wallet;
use crate::events::{Action, Observation};
use crate::l2::block::L2Block;
use crate::l2::chain::{ChainRules, L2Chain};
use crate::l2::genesis::L2GenesisSpec;
use crate::l2::hvm::hbtc;
use crate::l2::sequencer::{Sequencer, SequencerConfig};
use crate::l2::tx::{L2Tx, Submission, U256};
use crate::l2::verifier::{Verdict, Verifier};
use crate::pop::finality::FinalityTracker;
use crate::rng::Stream;
use crate::time::{SimDuration, SimTime};
use crate::units::{BtcHeight, FeeRate, L2Number};
use bitcoin::{Amount, BlockHash, Transaction, TxOut};
use std::sync::Arc;

const PARAMS: ChainParams = ChainParams { max_block_weight: 4_000_000 };
const CONFIRMATIONS: u32 = 4;

fn recipient() -> Address {
    Address::repeat_byte(0x42)
}

struct Rig {
    btc_genesis: Arc<SealedBlock>,
    node: BitcoinNode,
    depositor: Wallet,
    sequencer: Sequencer,
    verifier: Verifier,
    /// A third node's chain, importing every block, that can rewind 64 blocks.
    follower: L2Chain,
    now: SimTime,
    height: u32,
}

fn params() -> TunnelParams {
    TunnelParams { vault: vault_script(), deposit_confirmations: CONFIRMATIONS }
}

fn rig() -> Rig {
    let depositor = Wallet::new("depositor");
    let btc_genesis = SealedBlock::seal(genesis_block(&[Allocation {
        script: depositor.script().clone(),
        value: Amount::from_int_btc(5),
        count: 2,
    }]));
    let spec = L2GenesisSpec::new(0);
    let l2_genesis = spec.block(&spec.hvm(), &btc_genesis).hash();
    let config = SequencerConfig {
        block_time: SimDuration::from_secs(12),
        gas_limit: 30_000_000,
        max_headers_per_block: 3,
        mempool_capacity: 100,
        beneficiary: Address::ZERO,
        keystone_interval_blocks: None,
        tunnel: Some(params()),
        settlement: None,
        censorship: Default::default(),
        halts: Vec::new(),
    };
    let sequencer = Sequencer::new(config, spec.hvm(), &btc_genesis, l2_genesis);
    let verifier = Verifier::new(spec.hvm(), &btc_genesis, l2_genesis, 3, Address::ZERO, Some(params()));
    let rules = ChainRules {
        max_headers_per_block: 3,
        beneficiary: Address::ZERO,
        tunnel: Some(params()),
        rewind_depth: 64,
        settlement: None,
    };
    let follower = L2Chain::new(rules, spec.hvm(), &btc_genesis, l2_genesis);
    let mut node = BitcoinNode::new(
        PARAMS,
        btc_genesis.clone(),
        &[depositor.script().clone(), vault_script()],
        0.0,
        Stream::derive(0, "tie"),
    );
    let mut depositor = depositor;
    depositor.apply(&node.take_coin_deltas());
    Rig { btc_genesis, node, depositor, sequencer, verifier, follower, now: SimTime::ZERO, height: 0 }
}

impl Rig {
    /// Mines one block holding `txs` on the tip.
    fn mine(&mut self, txs: Vec<Transaction>) -> Arc<SealedBlock> {
        self.height += 1;
        let tag = CoinbaseTag { height: self.height, miner: "m", extra_nonce: 0 };
        let mut all = vec![simple_coinbase(tag, p2pkh_for_test(), SUBSIDY)];
        all.extend(txs);
        let block = SealedBlock::seal(mine_block(self.node.tip(), SimTime(u64::from(self.height)), all));
        self.node.receive_block(block.clone());
        block
    }

    /// Produces an L2 block (after enough of them that every header is carried) and has the
    /// verifier check it.
    fn produce(&mut self) -> Arc<L2Block> {
        self.now = self.now + SimDuration::from_secs(12);
        let block = self.sequencer.produce(self.now, &self.node).block;
        let verdicts = self.verifier.on_block(block.clone(), &self.node);
        assert_eq!(verdicts, vec![Verdict::Verified { number: block.header.number }], "the verifier agrees");
        self.follower.import(&block, &|h| self.node.block(h).cloned()).expect("the follower agrees");
        block
    }

    fn deposit_tx(&mut self, amount: Amount) -> Transaction {
        let coin = self.depositor.take_coin(amount).expect("funded");
        self.depositor.spend_coin(
            coin,
            deposit_outputs(&vault_script(), amount, recipient()),
            FeeRate::from_sat_per_vb(2.0),
        )
    }
}

fn p2pkh_for_test() -> bitcoin::ScriptBuf {
    crate::btc::script::p2pkh_for("m")
}

#[test]
fn a_deposit_mints_once_at_the_threshold_on_the_indexed_view() {
    let mut r = rig();
    let deposit = r.deposit_tx(Amount::from_int_btc(1));
    let txid = deposit.compute_txid();
    r.mine(vec![deposit]); // height 1
    let mut minted_at = None;
    for _ in 0..10 {
        r.mine(vec![]);
        // Three headers per L2 block at most: a few blocks catch the view up.
        for _ in 0..3 {
            let block = r.produce();
            if !block.tunnel.mints.is_empty() {
                assert!(minted_at.is_none(), "a deposit mints once");
                minted_at = Some((block.header.btc_tip_height, block.tunnel.mints.clone()));
            }
        }
    }
    let (tip_at_mint, mints) = minted_at.expect("minted");
    assert_eq!(
        tip_at_mint,
        BtcHeight(1 + CONFIRMATIONS + crate::l2::btc_view::INDEXER_TIP_LAG - 1),
        "4 confirmations on the indexed view = 6 real ones"
    );
    assert_eq!(
        mints,
        vec![Mint {
            outpoint: bitcoin::OutPoint { txid, vout: 0 },
            recipient: recipient(),
            amount: Amount::from_sat(100_000_000),
            btc_height: BtcHeight(1)
        }]
    );
}

#[test]
fn a_burn_is_a_withdrawal_in_the_block_and_the_supply_follows() {
    let mut r = rig();
    let deposit = r.deposit_tx(Amount::from_int_btc(2));
    r.mine(vec![deposit]);
    for _ in 0..8 {
        r.mine(vec![]);
    }
    while r.sequencer.head_number() < L2Number(6) {
        r.produce();
    }
    let burn = L2Tx {
        from: recipient(),
        to: Some(HBTC),
        nonce: 0,
        gas_limit: 120_000,
        gas_price: 0,
        value: U256::ZERO,
        input: hbtc::withdraw_calldata(Amount::from_sat(50_000_000), [7; 20]),
    };
    let too_much =
        L2Tx { nonce: 1, input: hbtc::withdraw_calldata(Amount::from_sat(500_000_000), [7; 20]), ..burn.clone() };
    r.sequencer.submit(Submission::new(burn, r.now)).expect("accepted");
    r.sequencer.submit(Submission::new(too_much, r.now)).expect("accepted");
    let block = r.produce();
    assert_eq!(
        block.tunnel.withdrawals,
        vec![Withdrawal { id: 0, from: recipient(), amount: Amount::from_sat(50_000_000), btc_pubkey_hash: [7; 20] }],
        "the second burn reverts: more than the balance"
    );
    assert_eq!(block.txs.len(), 2, "both are included; the second reverted");
}

#[test]
fn deposits_must_follow_the_format() {
    let vault = vault_script();
    let wallet = Wallet::new("w");
    let coin = (bitcoin::OutPoint::null(), Amount::from_int_btc(1));
    let good =
        wallet.spend_coin(coin, deposit_outputs(&vault, MIN_DEPOSIT, recipient()), FeeRate::from_sat_per_vb(1.0));
    assert_eq!(
        parse_deposit(&good, &vault),
        Ok(deposit::Deposit { vout: 0, amount: MIN_DEPOSIT, recipient: recipient() })
    );
    let small = wallet.spend_coin(
        coin,
        deposit_outputs(&vault, MIN_DEPOSIT - Amount::from_sat(1), recipient()),
        FeeRate::from_sat_per_vb(1.0),
    );
    assert_eq!(
        parse_deposit(&small, &vault),
        Err(NotDeposit::BelowMinimum { amount: MIN_DEPOSIT - Amount::from_sat(1) })
    );
    let mut late = good.clone();
    let filler = TxOut { value: Amount::from_sat(1_000), script_pubkey: p2pkh_for_test() };
    late.output = std::iter::repeat_n(filler, DEPOSIT_OUTPUTS_SCANNED).chain(good.output.clone()).collect();
    assert_eq!(parse_deposit(&late, &vault), Err(NotDeposit::NoVaultOutput), "only the first 8 outputs count");
    let mut unnamed = good.clone();
    unnamed.output[1] = payout_marker(3).into_txout_zero();
    assert_eq!(
        parse_deposit(&unnamed, &vault),
        Err(NotDeposit::NoRecipient),
        "an OP_RETURN of another length names nobody"
    );
    assert_eq!(payout_id(&unnamed), Some(3));
}

trait ZeroOutput {
    fn into_txout_zero(self) -> TxOut;
}

impl ZeroOutput for bitcoin::ScriptBuf {
    fn into_txout_zero(self) -> TxOut {
        TxOut { value: Amount::ZERO, script_pubkey: self }
    }
}

#[test]
fn the_contract_mints_only_for_the_system_and_only_once() {
    let spec = L2GenesisSpec::new(0);
    let mut hvm = spec.hvm();
    let view = crate::l2::indexer::BtcIndexer::new(&SealedBlock::seal(genesis_block(&[])));
    let env = crate::l2::hvm::BlockEnvSpec {
        number: L2Number(1),
        timestamp_s: 1,
        gas_limit: 30_000_000,
        beneficiary: Address::ZERO,
    };
    let key = B256::repeat_byte(9);
    let mut block = hvm.begin_block(&env, &view);
    assert!(block.apply_system_call(HBTC, hbtc::mint_calldata(key, recipient(), Amount::from_sat(1_000))).is_ok());
    assert!(
        block.apply_system_call(HBTC, hbtc::mint_calldata(key, recipient(), Amount::from_sat(1_000))).is_err(),
        "the same outpoint twice"
    );
    let forged = L2Tx {
        from: recipient(),
        to: Some(HBTC),
        nonce: 0,
        gas_limit: 200_000,
        gas_price: 0,
        value: U256::ZERO,
        input: hbtc::mint_calldata(B256::repeat_byte(1), recipient(), Amount::from_sat(5)),
    };
    let receipt = block.apply(&forged).expect("included");
    assert!(!receipt.success, "only the system caller mints");
    block.finish();
    assert_eq!(hvm.storage(HBTC, U256::from(hbtc::SUPPLY_SLOT)), U256::from(1_000));
    assert_eq!(hvm.storage(HBTC, hbtc::balance_slot(recipient())), U256::from(1_000));
    assert_eq!(hvm.storage(HBTC, hbtc::minted_slot(outpoint_key(&bitcoin::OutPoint::null()))), U256::ZERO);
}

/// Operator, auditor and one L2 block with a burn, on a chain where the vault holds a deposit.
struct Books {
    r: Rig,
    operator: Operator,
    auditor: TunnelAuditor,
    burn_block: Arc<L2Block>,
}

fn books(policy: PayoutPolicy) -> Books {
    let mut r = rig();
    let deposit = r.deposit_tx(Amount::from_int_btc(3));
    r.mine(vec![deposit]);
    for _ in 0..8 {
        r.mine(vec![]);
    }
    let mut auditor = TunnelAuditor::new(vault_script(), r.btc_genesis.block_hash());
    while r.sequencer.head_number() < L2Number(6) {
        let block = r.produce();
        assert!(no_violation(&auditor.on_l2_block(block, &r.node)));
    }
    let burn = L2Tx {
        from: recipient(),
        to: Some(HBTC),
        nonce: 0,
        gas_limit: 120_000,
        gas_price: 0,
        value: U256::ZERO,
        input: hbtc::withdraw_calldata(Amount::from_sat(40_000_000), [7; 20]),
    };
    r.sequencer.submit(Submission::new(burn, r.now)).expect("accepted");
    let burn_block = r.produce();
    assert!(no_violation(&auditor.on_l2_block(burn_block.clone(), &r.node)));
    let config =
        OperatorConfig { policy, grace: SimDuration::from_secs(3_600), fee_target_blocks: 6, block_weight: 4_000_000 };
    let operator =
        Operator::new(Wallet::new(VAULT_WALLET), config, FinalityTracker::new(10, r.btc_genesis.block_hash()));
    Books { r, operator, auditor, burn_block }
}

fn no_violation(observations: &[Observation]) -> bool {
    !observations.iter().any(|o| matches!(o, Observation::TunnelViolation { .. }))
}

fn payouts(actions: &[Action]) -> Vec<Arc<SealedTx>> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Broadcast(crate::events::Message::Tx(tx)) => Some(tx.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn immediate_pays_at_once_superfinal_waits_and_the_books_balance() {
    let mut b = books(PayoutPolicy::Superfinal);
    let mut out = Vec::new();
    b.operator.vault.apply(&b.r.node.take_coin_deltas());
    b.operator.on_l2_block(b.r.now, &b.burn_block, &mut b.r.node, &mut out);
    assert!(payouts(&out).is_empty(), "not superfinal: nothing anchors the burn yet");

    let mut b = books(PayoutPolicy::Immediate);
    let mut out = Vec::new();
    b.operator.on_l2_block(b.r.now, &b.burn_block, &mut b.r.node, &mut out);
    let paid = payouts(&out);
    assert_eq!(paid.len(), 1);
    let payout = paid[0].tx().clone();
    assert_eq!(payout_id(&payout), Some(0));
    let fee = match out.iter().find_map(|a| match a {
        Action::Observe(Observation::PayoutSent { fee, superfinal, .. }) => Some((fee.to_sat(), *superfinal)),
        _ => None,
    }) {
        Some((fee, superfinal)) => {
            assert!(!superfinal);
            fee
        }
        None => panic!("payout observed"),
    };
    assert_eq!(payout.output[0].value.to_sat(), 40_000_000 - fee, "the withdrawer bears the fee");
    b.r.mine(vec![payout]);
    let block = b.r.produce();
    let observed = b.auditor.on_l2_block(block, &b.r.node);
    assert!(no_violation(&observed), "{observed:?}");
    let ledger = observed.iter().find_map(|o| match o {
        Observation::TunnelLedger { locked, minted, burned, pending, .. } => {
            Some((locked.to_sat(), minted.to_sat(), burned.to_sat(), pending.to_sat()))
        }
        _ => None,
    });
    assert_eq!(ledger, Some((260_000_000, 300_000_000, 40_000_000, 0)), "3 BTC in, 0.4 BTC burned and paid");
}

#[test]
fn the_auditor_catches_a_payout_without_a_burn_and_an_unwound_deposit() {
    let mut b = books(PayoutPolicy::Immediate);
    // The vault pays someone without any burn behind it.
    b.operator.vault.apply(&b.r.node.take_coin_deltas());
    let coins = b.operator.vault.take_coins(Amount::from_sat(1_000_000)).expect("the vault holds the deposit");
    let inputs: Amount = coins.iter().map(|c| c.1).sum();
    let theft = b.operator.vault.spend_tx(
        &coins,
        vec![
            TxOut { value: Amount::from_sat(1_000_000), script_pubkey: p2pkh_for_test() },
            payout_marker(99).into_txout_zero(),
            TxOut { value: inputs - Amount::from_sat(1_010_000), script_pubkey: vault_script() },
        ],
    );
    b.r.mine(vec![theft]);
    let observed = b.auditor.on_l2_block(b.r.produce(), &b.r.node);
    let violations: Vec<&Observation> =
        observed.iter().filter(|o| matches!(o, Observation::TunnelViolation { .. })).collect();
    assert!(violations.iter().any(|v| format!("{v:?}").contains("which no L2 block burned")), "{violations:?}");
    assert!(violations.iter().any(|v| format!("{v:?}").contains("conservation")), "{violations:?}");
    // Reported once: the next ledgers, whose totals move (a deposit arrives), break by the same
    // amount.
    let deposit = b.r.deposit_tx(Amount::from_int_btc(1));
    b.r.mine(vec![deposit]);
    for _ in 0..2 {
        let observed = b.auditor.on_l2_block(b.r.produce(), &b.r.node);
        assert!(no_violation(&observed), "{observed:?}");
    }

    // A reorg from below the deposit, without it: the minted deposit is unbacked.
    let mut fork_parent: BlockHash = b.r.btc_genesis.block_hash();
    let mut blocks = Vec::new();
    for h in 1..=(b.r.height + 1) {
        let tag = CoinbaseTag { height: h, miner: "attacker", extra_nonce: 1 };
        let block = SealedBlock::seal(mine_block(
            fork_parent,
            SimTime(1_000 + u64::from(h)),
            vec![simple_coinbase(tag, p2pkh_for_test(), SUBSIDY)],
        ));
        fork_parent = block.block_hash();
        blocks.push(block);
    }
    for block in blocks {
        b.r.node.receive_block(block);
    }
    let observed = b.auditor.on_bitcoin_change(&b.r.node);
    assert!(
        observed
            .iter()
            .any(|o| matches!(o, Observation::DepositUnwound { amount, .. } if amount.to_sat() == 300_000_000)),
        "{observed:?}"
    );
    assert_eq!(b.auditor.unbacked().len(), 1);
}

#[test]
fn a_reorg_below_the_minted_deposits_mints_the_new_ones_and_never_the_old_twice() {
    let mut r = rig();
    let a = r.deposit_tx(Amount::from_int_btc(1));
    let b = r.deposit_tx(Amount::from_int_btc(2));
    r.mine(vec![a.clone()]);
    for _ in 0..9 {
        r.mine(vec![]);
    }
    let mut mints = Vec::new();
    for _ in 0..8 {
        mints.extend(r.produce().tunnel.mints.clone());
    }
    assert_eq!(mints.len(), 1, "deposit a minted");
    // A heavier branch from the genesis: b at height 1, a again at height 2.
    let mut parent = r.btc_genesis.block_hash();
    for h in 1..=12u32 {
        let txs = match h {
            1 => vec![b.clone()],
            2 => vec![a.clone()],
            _ => vec![],
        };
        let tag = CoinbaseTag { height: h, miner: "fork", extra_nonce: 7 };
        let mut all = vec![simple_coinbase(tag, p2pkh_for_test(), SUBSIDY)];
        all.extend(txs);
        let block = SealedBlock::seal(mine_block(parent, SimTime(500 + u64::from(h)), all));
        parent = block.block_hash();
        r.node.receive_block(block);
    }
    assert_eq!(r.node.tip_height(), BtcHeight(12), "the branch won");
    for _ in 0..12 {
        mints.extend(r.produce().tunnel.mints.clone());
    }
    let outpoints: Vec<_> = mints.iter().map(|m| m.outpoint.txid).collect();
    assert_eq!(
        outpoints,
        vec![a.compute_txid(), b.compute_txid()],
        "b mints once the branch is carried; a never again"
    );
    assert_eq!(mints[1].btc_height, BtcHeight(1));
}

/// Taking back blocks past a mint un-mints it in the book and the state: importing the same
/// blocks again mints the deposit again, exactly once, to the same state.
#[test]
fn a_chain_rewound_past_a_mint_mints_it_again_on_reimport() {
    let mut r = rig();
    let deposit = r.deposit_tx(Amount::from_int_btc(1));
    r.mine(vec![deposit]);
    let mut blocks = Vec::new();
    for _ in 0..8 {
        r.mine(vec![]);
        for _ in 0..3 {
            blocks.push(r.produce());
        }
    }
    let minting = blocks.iter().position(|b| !b.tunnel.mints.is_empty()).expect("the deposit minted");
    let end = (r.follower.head(), r.follower.hvm().state_root());
    let supply = |chain: &L2Chain| chain.hvm().storage(HBTC, U256::from(hbtc::SUPPLY_SLOT));
    assert_eq!(supply(&r.follower), U256::from(100_000_000u64));
    r.follower.rewind_to(L2Number(minting as u64)).expect("within 64 blocks");
    assert_eq!(supply(&r.follower), U256::ZERO, "the mint is taken back");
    for block in &blocks[minting..] {
        r.follower.import(block, &|h| r.node.block(h).cloned()).expect("the mint is due again, once");
    }
    assert_eq!((r.follower.head(), r.follower.hvm().state_root()), end);
}

/// The books' sides at the ledger in `observed`: (lost payouts, pending), and no violation.
fn balanced_ledger(observed: &[Observation]) -> (u64, u64) {
    assert!(no_violation(observed), "{observed:?}");
    let ledger = observed.iter().find_map(|o| match o {
        Observation::TunnelLedger { lost_payouts, pending, .. } => Some((lost_payouts.to_sat(), pending.to_sat())),
        _ => None,
    });
    ledger.expect("a ledger row")
}

#[test]
fn a_paid_burn_an_l2_reorg_takes_away_is_a_lost_payout_until_burned_again() {
    let mut b = books(PayoutPolicy::Immediate);
    let mut out = Vec::new();
    b.operator.on_l2_block(b.r.now, &b.burn_block, &mut b.r.node, &mut out);
    let payout = payouts(&out)[0].tx().clone();
    let txid = payout.compute_txid();
    b.r.mine(vec![payout]);
    assert!(no_violation(&b.auditor.on_bitcoin_change(&b.r.node)));

    // The burning block leaves the chain: the payout is lost, not a broken book.
    let reverted = b.auditor.revert_l2_block(&b.burn_block);
    let lost = Observation::PayoutLost {
        id: 0,
        txid,
        amount: Amount::from_sat(40_000_000),
        l2_number: b.burn_block.header.number,
    };
    assert_eq!(reverted, vec![lost]);
    // The same withdrawal burned again under the same id: the payout settles it again.
    let observed = b.auditor.on_l2_block(b.burn_block.clone(), &b.r.node);
    assert!(observed.contains(&Observation::PayoutRecovered { id: 0, txid }), "{observed:?}");
    assert_eq!(balanced_ledger(&observed), (0, 0));
    assert!(b.auditor.lost_payouts().is_empty());

    // Taken away again, and replaced by a block without the burn: a loss the books account for.
    assert_eq!(b.auditor.revert_l2_block(&b.burn_block).len(), 1);
    let mut replacement = (*b.burn_block).clone();
    replacement.tunnel.withdrawals.clear();
    let observed = b.auditor.on_l2_block(Arc::new(replacement), &b.r.node);
    assert_eq!(balanced_ledger(&observed), (40_000_000, 0), "0.4 BTC left the vault for no burn");
    assert_eq!(b.auditor.lost_payouts().len(), 1);

    // Another withdrawal under the same id is owed anew: the operator pays it, and the books
    // hold one settled payout and one lost.
    let mut other = (*b.burn_block).clone();
    other.header.number = other.header.number.next();
    other.tunnel.withdrawals[0].amount = Amount::from_sat(30_000_000);
    let mut out = Vec::new();
    b.operator.on_l2_block(b.r.now, &other, &mut b.r.node, &mut out);
    let second = payouts(&out);
    assert_eq!(second.len(), 1, "a different withdrawal under a paid id is paid");
    b.r.mine(vec![second[0].tx().clone()]);
    let observed = b.auditor.on_l2_block(Arc::new(other), &b.r.node);
    assert_eq!(balanced_ledger(&observed), (40_000_000, 0));
}

/// The same withdrawal burned again after an unsafe reorg, once its payout is final (swarm
/// worlds 1006 and 1159: forced blocks replaced the sequencer's chain again and again, each time
/// including the burn again under the same id): paid once. The operator used to forget a
/// withdrawal once its payout had its confirmations, and paid the burn again when it returned.
#[test]
fn a_withdrawal_burned_again_after_its_payout_is_final_is_not_paid_again() {
    let mut b = books(PayoutPolicy::Immediate);
    let mut out = Vec::new();
    b.operator.on_l2_block(b.r.now, &b.burn_block, &mut b.r.node, &mut out);
    let payout = payouts(&out)[0].tx().clone();
    b.r.mine(vec![payout]);
    for _ in 1..operator::PAYOUT_FINAL_DEPTH {
        b.r.mine(vec![]);
    }
    let mut out = Vec::new();
    b.operator.on_bitcoin_change(b.r.now, &mut b.r.node, &mut out);
    assert!(payouts(&out).is_empty(), "the payout is final");
    assert!(no_violation(&b.auditor.on_bitcoin_change(&b.r.node)));

    b.operator.revert_l2_block(&b.burn_block);
    assert_eq!(b.auditor.revert_l2_block(&b.burn_block).len(), 1, "the payout is lost");
    // The replacing block at the same height burns it again.
    let again = b.burn_block.clone();
    let mut out = Vec::new();
    b.operator.on_l2_block(b.r.now, &again, &mut b.r.node, &mut out);
    assert!(payouts(&out).is_empty(), "the withdrawal is paid already");
    let mut out = Vec::new();
    b.operator.on_bitcoin_change(b.r.now, &mut b.r.node, &mut out);
    assert!(payouts(&out).is_empty(), "and stays paid");
    let observed = b.auditor.on_l2_block(again, &b.r.node);
    assert_eq!(balanced_ledger(&observed), (0, 0), "its payout settles it again");
}

/// A payout that vanished (a conflicting spend of its coins confirmed) for a burn an unsafe reorg
/// took away is not paid again: nothing is owed for it unless the burn returns.
#[test]
fn a_vanished_payout_of_a_burn_no_longer_on_the_chain_is_not_paid_again() {
    let mut b = books(PayoutPolicy::Immediate);
    let mut out = Vec::new();
    b.operator.on_l2_block(b.r.now, &b.burn_block, &mut b.r.node, &mut out);
    let payout = payouts(&out)[0].tx().clone();
    b.operator.revert_l2_block(&b.burn_block);
    // The vault's coin spent otherwise (back to the vault): the payout can never confirm.
    let coin = payout.input[0].previous_output;
    let conflicting = b.operator.vault.spend_tx(
        &[(coin, Amount::from_int_btc(3))],
        vec![TxOut { value: Amount::from_int_btc(3) - Amount::from_sat(10_000), script_pubkey: vault_script() }],
    );
    b.r.mine(vec![conflicting]);
    let mut out = Vec::new();
    b.operator.on_bitcoin_change(b.r.now, &mut b.r.node, &mut out);
    assert!(payouts(&out).is_empty(), "the burn is gone: nothing to pay");
    // Burned again: owed anew, and paid.
    let mut again = (*b.burn_block).clone();
    again.header.number = again.header.number.next();
    let mut out = Vec::new();
    b.operator.on_l2_block(b.r.now, &again, &mut b.r.node, &mut out);
    assert_eq!(payouts(&out).len(), 1, "owed again once burned again");
}
