//! Executing blocks through revm: inclusion rules, rejection without side effects, the state
//! root's determinism, `execute_block` against the builder, and precompile gas.

use super::fake_view::{A, FakeBtcView, display, p2pkh_address, standard_chain};
use super::support::*;
use crate::l2::hvm::precompiles::BtcPrecompile;
use crate::l2::hvm::{BlockEnvSpec, Hvm, RejectReason, contracts};
use crate::l2::tx::L2Tx;
use revm::primitives::{Address, Bytes, U256, keccak256};

fn no_bitcoin() -> FakeBtcView {
    FakeBtcView::default()
}

fn run_block(hvm: &mut Hvm, env: &BlockEnvSpec, view: &FakeBtcView, txs: &[L2Tx]) -> crate::l2::hvm::BlockOutcome {
    hvm.execute_block(env, view, txs).expect("every transaction of these blocks is valid")
}

/// Three blocks of transfers among users 1..=4.
fn sample_blocks() -> Vec<Vec<L2Tx>> {
    vec![
        vec![transfer(user(1), user(2), 0, ETHER), transfer(user(3), user(4), 0, 2 * ETHER)],
        vec![transfer(user(2), user(1), 0, 5), transfer(user(1), user(9), 1, 7)],
        vec![transfer(user(4), user(3), 0, ETHER / 2)],
    ]
}

#[test]
fn a_transfer_moves_value_and_bumps_the_nonce() {
    let mut hvm = funded(2);
    let view = no_bitcoin();
    let mut block = hvm.begin_block(&env(1), &view);
    let receipt = block.apply(&transfer(user(1), user(2), 0, ETHER)).expect("valid transfer");
    assert!(receipt.success);
    assert_eq!(receipt.gas_used, 21_000);
    assert_eq!(block.remaining_gas(), 30_000_000 - 21_000);
    let outcome = block.finish();
    assert_eq!(outcome.gas_used, 21_000);
    assert_eq!(outcome.receipts, vec![receipt]);
    assert_eq!(hvm.balance(user(1)), U256::from(99 * ETHER));
    assert_eq!(hvm.balance(user(2)), U256::from(101 * ETHER));
    assert_eq!(hvm.nonce(user(1)), 1);
    assert_eq!(outcome.state_root, hvm.state_root());
    assert_eq!(hvm.state_root(), hvm.recompute_state_root());
}

#[test]
fn the_same_blocks_give_the_same_root_and_one_different_tx_another() {
    let view = no_bitcoin();
    let mut a = funded(4);
    let mut b = funded(4);
    let mut c = funded(4);
    assert_eq!(a.state_root(), b.state_root(), "same genesis");
    let mut altered = sample_blocks();
    altered[1][1].value = U256::from(8);
    for (number, (txs, altered_txs)) in sample_blocks().iter().zip(&altered).enumerate() {
        let env = env(number as u64 + 1);
        let outcome_a = run_block(&mut a, &env, &view, txs);
        let outcome_b = run_block(&mut b, &env, &view, txs);
        assert_eq!(outcome_a, outcome_b);
        run_block(&mut c, &env, &view, altered_txs);
    }
    assert_eq!(a.state_root(), b.state_root());
    assert_ne!(a.state_root(), c.state_root());
    for hvm in [&a, &b, &c] {
        assert_eq!(hvm.state_root(), hvm.recompute_state_root());
    }
}

#[test]
fn a_wrong_nonce_is_rejected_without_touching_state() {
    let mut hvm = funded(2);
    let root = hvm.state_root();
    let view = no_bitcoin();
    let mut block = hvm.begin_block(&env(1), &view);
    let too_high = transfer(user(1), user(2), 5, ETHER);
    let rejected = block.apply(&too_high).expect_err("nonce 5 on a fresh account");
    assert_eq!(rejected.tx_hash, too_high.hash());
    assert_eq!(rejected.reason, RejectReason::NonceMismatch { expected: 0, got: 5 });
    block.apply(&transfer(user(1), user(2), 0, ETHER)).expect("nonce 0 is right");
    let replay = block.apply(&transfer(user(1), user(2), 0, ETHER)).expect_err("nonce 0 is used now");
    assert_eq!(replay.reason, RejectReason::NonceMismatch { expected: 1, got: 0 });
    let outcome = block.finish();
    assert_eq!(outcome.receipts.len(), 1);
    assert_eq!(hvm.nonce(user(1)), 1);
    assert_eq!(hvm.balance(user(2)), U256::from(101 * ETHER));
    assert_ne!(hvm.state_root(), root);

    let mut untouched = funded(2);
    let view = no_bitcoin();
    let mut block = untouched.begin_block(&env(1), &view);
    assert!(block.apply(&too_high).is_err());
    let outcome = block.finish();
    assert_eq!(outcome.state_root, root, "only a rejected transaction: nothing changed");
    assert_eq!(untouched.nonce(user(1)), 0);
}

#[test]
fn gas_beyond_the_block_and_missing_funds_are_rejected() {
    let mut hvm = funded(2);
    let view = no_bitcoin();
    let small = BlockEnvSpec { gas_limit: 50_000, ..env(1) };
    let mut block = hvm.begin_block(&small, &view);
    block.apply(&transfer(user(1), user(2), 0, 1)).expect("fits");
    let big = L2Tx { gas_limit: 30_000, ..transfer(user(1), user(2), 1, 1) };
    let rejected = block.apply(&big).expect_err("30,000 > 29,000 left");
    assert_eq!(rejected.reason, RejectReason::BlockGasExceeded { gas_limit: 30_000, remaining: 29_000 });
    let rich = block.apply(&transfer(user(1), user(2), 1, 1_000 * ETHER)).expect_err("has 100 ether");
    let (needed, available) = (U256::from(1_000 * ETHER), U256::from(100 * ETHER - 1));
    assert_eq!(rich.reason, RejectReason::InsufficientBalance { needed, available });
    assert_eq!(block.remaining_gas(), 29_000);
    let outcome = block.finish();
    assert_eq!(outcome.gas_used, 21_000);
    assert_eq!(hvm.nonce(user(1)), 1);
}

#[test]
fn execute_block_reproduces_the_builder() {
    let view = no_bitcoin();
    let mut sequencer = funded(4);
    let mut verifier = funded(4);
    for (number, txs) in sample_blocks().iter().enumerate() {
        let env = env(number as u64 + 1);
        let mut block = sequencer.begin_block(&env, &view);
        for tx in txs {
            block.apply(tx).expect("valid");
        }
        let built = block.finish();
        assert_eq!(verifier.execute_block(&env, &view, txs), Ok(built));
    }
    assert_eq!(sequencer.blocks_executed(), 3);
    assert_eq!(verifier.state_root(), sequencer.state_root());
}

#[test]
fn a_refused_block_leaves_no_trace() {
    let view = no_bitcoin();
    let mut hvm = funded(3);
    let root = hvm.state_root();
    let txs = [transfer(user(1), user(2), 0, ETHER), transfer(user(3), user(2), 7, ETHER)];
    let (index, rejected) = hvm.execute_block(&env(1), &view, &txs).expect_err("second nonce is wrong");
    assert_eq!(index, 1);
    assert!(matches!(rejected.reason, RejectReason::NonceMismatch { expected: 0, got: 7 }));
    assert_eq!(hvm.state_root(), root);
    assert_eq!(hvm.recompute_state_root(), root);
    assert_eq!(hvm.balance(user(2)), U256::from(100 * ETHER));
    assert_eq!(hvm.nonce(user(1)), 0);
    assert_eq!(hvm.blocks_executed(), 0);

    // An abandoned builder, too; then the state goes on as if nothing happened.
    let mut block = hvm.begin_block(&env(1), &view);
    block.apply(&transfer(user(1), user(2), 0, ETHER)).expect("valid");
    drop(block);
    assert_eq!(hvm.recompute_state_root(), root);
    let mut fresh = funded(3);
    let good = [transfer(user(1), user(2), 0, ETHER)];
    assert_eq!(run_block(&mut hvm, &env(1), &view, &good), run_block(&mut fresh, &env(1), &view, &good));
}

#[test]
fn precompile_gas_is_charged_as_specified() {
    let chain = standard_chain();
    let mut hvm = funded(1);
    let me = user(1);
    let to = |p: BtcPrecompile| p.address();
    let address = p2pkh_address(A);
    let txs = [
        // Hemi's own regression number: 21,000 + 4 zero bytes × 4 + 5,000.
        call(me, to(BtcPrecompile::TxConfirmations), 0, 100_000, Bytes::from(vec![0u8; 4])),
        call(me, to(BtcPrecompile::BalAddr), 1, 100_000, Bytes::copy_from_slice(address.as_bytes())),
        call(me, to(BtcPrecompile::LastHeader), 2, 100_000, Bytes::new()),
        // 100,000 gas needed, about 69,000 left after the intrinsic cost: out of gas.
        call(me, to(BtcPrecompile::UtxosAddrList), 3, 90_000, Bytes::from(vec![0u8; 4])),
        // Not indexed: Hemi's raw error, the call fails and burns all its gas.
        call(me, to(BtcPrecompile::TxConfirmations), 4, 100_000, Bytes::from(vec![0xab; 32])),
        call(
            me,
            to(BtcPrecompile::TxConfirmations),
            5,
            100_000,
            Bytes::copy_from_slice(&display(chain.t.compute_txid())),
        ),
    ];
    let outcome = run_block(&mut hvm, &env(1), &chain.view, &txs);
    let r = &outcome.receipts;
    assert_eq!((r[0].success, r[0].gas_used, r[0].output.len()), (true, 26_016, 0));
    let address_gas = 21_000 + 16 * address.len() as u64 + 50_000;
    assert_eq!((r[1].success, r[1].gas_used), (true, address_gas));
    assert_eq!(r[1].output.as_ref(), 4_400_000_000u64.to_be_bytes());
    assert_eq!((r[2].success, r[2].gas_used, r[2].output.len()), (true, 26_000, 116));
    assert_eq!((r[3].success, r[3].gas_used), (false, 90_000));
    assert_eq!((r[4].success, r[4].gas_used), (false, 100_000));
    assert_eq!((r[5].success, r[5].output.as_ref()), (true, &[0, 0, 0, 4][..]));
    assert_eq!(hvm.nonce(me), 6);
    assert_eq!(hvm.state_root(), hvm.recompute_state_root());
}

#[test]
fn a_created_contract_is_committed_like_any_account() {
    let mut hvm = funded(1);
    let view = no_bitcoin();
    // Init code: sstore(5, 7), then return the token's runtime code.
    let runtime = contracts::token_runtime();
    let mut init = vec![0x60, 0x07, 0x60, 0x05, 0x55]; // PUSH1 7 PUSH1 5 SSTORE
    let offset = 5 + 6 + 4;
    init.extend_from_slice(&[0x60, runtime.len() as u8, 0x60, offset, 0x5f, 0x39]); // CODECOPY(0, offset, len)
    init.extend_from_slice(&[0x60, runtime.len() as u8, 0x5f, 0xf3]); // RETURN(0, len)
    assert_eq!(init.len(), offset as usize);
    init.extend_from_slice(&runtime);
    let deploy = L2Tx { to: None, ..call(user(1), Address::ZERO, 0, 500_000, Bytes::from(init)) };
    let outcome = run_block(&mut hvm, &env(1), &view, &[deploy]);
    assert!(outcome.receipts[0].success);
    let created = user(1).create(0);
    assert_eq!(hvm.code_hash(created), keccak256(&runtime));
    assert_eq!(hvm.storage(created, U256::from(5)), U256::from(7));
    assert_eq!(hvm.nonce(created), 1);
    assert_eq!(hvm.state_root(), hvm.recompute_state_root());
}
