//! Deposited transactions through [`BlockBuilder::apply_deposit`]: the mint that always stays,
//! ordinary execution of calls that start (success, revert, halt), failed deposits (nonce bumped,
//! whole gas limit used), the block's gas, undo, and the `L1Block` predeploy.

use super::fake_view::FakeBtcView;
use super::support::*;
use crate::eth::deposit_tx::{DepositTx, L1_BLOCK_PREDEPLOY, L1InfoDeposit};
use crate::eth::types::L1BlockRef;
use crate::l2::hvm::l1_block::{self, NOT_DEPOSITOR, StoredOrigin};
use crate::l2::hvm::{Hvm, RejectReason};
use crate::units::L1Number;
use revm::bytecode::opcode::{INVALID, PUSH0, REVERT};
use revm::primitives::{Address, B256, Bytes, U256};

/// A contract that always reverts, and one that always halts (INVALID uses all its gas).
const REVERTER: Address = Address::new([0xe1; 20]);
const HALTER: Address = Address::new([0xe2; 20]);

fn genesis() -> Hvm {
    let contracts = [
        (REVERTER, Bytes::from(vec![PUSH0, PUSH0, REVERT])),
        (HALTER, Bytes::from(vec![INVALID])),
        (L1_BLOCK_PREDEPLOY, l1_block::runtime()),
    ];
    Hvm::genesis(CHAIN_ID, &[(user(1), U256::from(100 * ETHER))], &contracts)
}

/// A user deposit from a fresh L1 account (user 9, nothing on L2) minting `mint` wei.
fn deposit(mint: u128, to: Address, value: u128, gas_limit: u64) -> DepositTx {
    DepositTx {
        source_hash: B256::repeat_byte(0x5e),
        from: user(9),
        to: Some(to),
        mint: U256::from(mint),
        value: U256::from(value),
        gas_limit,
        data: Bytes::new(),
    }
}

#[test]
fn a_deposit_mints_then_transfers_and_bumps_the_nonce() {
    let mut hvm = genesis();
    let view = FakeBtcView::default();
    let mut block = hvm.begin_block(&env(1), &view);
    let receipt = block.apply_deposit(&deposit(5 * ETHER, user(1), 2 * ETHER, 50_000)).expect("fits the block");
    assert!(receipt.success, "{receipt:?}");
    assert_eq!(receipt.gas_used, 21_000, "the gas it used, not its limit (Regolith)");
    assert_eq!(block.remaining_gas(), 30_000_000 - 21_000, "deposits use the block's gas");
    let outcome = block.finish();
    assert_eq!(outcome.gas_used, 21_000);
    assert_eq!(hvm.balance(user(9)), U256::from(3 * ETHER), "minted 5, sent 2, paid no fee");
    assert_eq!(hvm.balance(user(1)), U256::from(102 * ETHER));
    assert_eq!(hvm.nonce(user(9)), 1);
    assert_eq!(hvm.state_root(), hvm.recompute_state_root());
}

#[test]
fn a_deposit_that_cannot_start_keeps_its_mint_bumps_the_nonce_and_uses_its_whole_gas_limit() {
    // A value beyond the balance even after the mint, and a gas limit below the intrinsic cost:
    // both are refused by the EVM, both are failed deposits.
    for (case, failing) in [
        ("value beyond the balance", deposit(ETHER, user(1), 2 * ETHER, 60_000)),
        ("gas below the intrinsic cost", deposit(ETHER, user(1), 0, 20_000)),
    ] {
        let mut hvm = genesis();
        let view = FakeBtcView::default();
        let mut block = hvm.begin_block(&env(1), &view);
        let receipt = block.apply_deposit(&failing).expect("a deposit that fits is never refused");
        assert!(!receipt.success, "{case}");
        assert!(receipt.output.starts_with(b"failed deposit"), "{case}: {:?}", receipt.output);
        assert_eq!(receipt.gas_used, failing.gas_limit, "{case}: the whole limit");
        let outcome = block.finish();
        assert_eq!(outcome.gas_used, failing.gas_limit, "{case}");
        assert_eq!(hvm.balance(user(9)), U256::from(ETHER), "{case}: the mint stays");
        assert_eq!(hvm.balance(user(1)), U256::from(100 * ETHER), "{case}: nothing moved");
        assert_eq!(hvm.nonce(user(9)), 1, "{case}: the nonce is bumped anyway");
        assert_eq!(hvm.state_root(), hvm.recompute_state_root(), "{case}");
    }
}

#[test]
fn a_reverting_deposit_keeps_the_mint_and_nonce_and_uses_what_it_used_a_halting_one_all() {
    let mut hvm = genesis();
    let view = FakeBtcView::default();
    let mut block = hvm.begin_block(&env(1), &view);
    let reverting = deposit(ETHER, REVERTER, ETHER / 2, 100_000);
    let reverted = block.apply_deposit(&reverting).expect("fits");
    assert!(!reverted.success);
    assert!(
        reverted.gas_used > 21_000 && reverted.gas_used < 100_000,
        "a revert returns its unused gas: {}",
        reverted.gas_used
    );
    let halting = DepositTx { to: Some(HALTER), source_hash: B256::repeat_byte(0x5f), ..reverting.clone() };
    let halted = block.apply_deposit(&halting).expect("fits");
    assert!(!halted.success);
    assert_eq!(halted.gas_used, 100_000, "a halt uses all its gas");
    let outcome = block.finish();
    assert_eq!(outcome.gas_used, reverted.gas_used + halted.gas_used);
    assert_eq!(hvm.balance(user(9)), U256::from(2 * ETHER), "both mints stay, neither value moved");
    assert_eq!(hvm.balance(REVERTER), U256::ZERO);
    assert_eq!(hvm.nonce(user(9)), 2);
}

#[test]
fn a_deposit_beyond_the_blocks_gas_is_the_one_refusal_and_changes_nothing() {
    let mut hvm = genesis();
    let view = FakeBtcView::default();
    let before = hvm.state_root();
    let mut block = hvm.begin_block(&env(1), &view);
    let too_big = deposit(ETHER, user(1), 0, 30_000_001);
    let refused = block.apply_deposit(&too_big).expect_err("more gas than the block has");
    assert_eq!(refused.reason, RejectReason::BlockGasExceeded { gas_limit: 30_000_001, remaining: 30_000_000 });
    assert_eq!(refused.tx_hash, too_big.hash());
    // Above EIP-7825's per-transaction cap (2^24) but within the block: deposits are exempt.
    let large = deposit(ETHER, user(1), 0, 20_000_000);
    assert!(block.apply_deposit(&large).expect("fits the block").success);
    drop(block);
    assert_eq!(hvm.state_root(), before, "an unfinished block leaves no trace, mints included");
    assert_eq!(hvm.balance(user(9)), U256::ZERO);
}

#[test]
fn an_undone_deposit_block_restores_balance_and_nonce() {
    let mut hvm = genesis();
    let view = FakeBtcView::default();
    let before = (hvm.state_root(), hvm.balance(user(9)), hvm.nonce(user(9)));
    let mut block = hvm.begin_block(&env(1), &view);
    block.apply_deposit(&deposit(ETHER, user(1), 0, 50_000)).expect("fits");
    block.apply_deposit(&deposit(ETHER, user(1), 5 * ETHER, 50_000)).expect("fits"); // fails
    let (_, undo) = block.finish_with_undo();
    assert_eq!((hvm.balance(user(9)), hvm.nonce(user(9))), (U256::from(2 * ETHER), 2));
    hvm.undo(undo);
    assert_eq!((hvm.state_root(), hvm.balance(user(9)), hvm.nonce(user(9))), before);
    assert_eq!(hvm.state_root(), hvm.recompute_state_root());
}

#[test]
fn the_l1_info_deposit_stores_the_origin_in_l1_block_and_only_the_depositor_may() {
    let mut hvm = genesis();
    let view = FakeBtcView::default();
    let origin = L1BlockRef {
        number: L1Number(0x0102_0304),
        hash: B256::repeat_byte(0xab),
        parent_hash: B256::repeat_byte(0xaa),
        time_s: 1_767_225_612,
    };
    let info = L1InfoDeposit { base_fee_scalar: 7, operator_fee_scalar: 3, ..L1InfoDeposit::new(&origin, 5) };
    let mut block = hvm.begin_block(&env(1), &view);
    let receipt = block.apply_deposit(&info.to_deposit_tx()).expect("fits");
    assert!(receipt.success, "{receipt:?}");
    let impostor = DepositTx { from: user(1), ..info.to_deposit_tx() };
    let refused = block.apply_deposit(&impostor).expect("fits");
    assert!(!refused.success);
    assert_eq!(refused.output.as_ref(), NOT_DEPOSITOR, "OP's NotDepositor() revert");
    block.finish();
    let stored = StoredOrigin::read(|slot| hvm.storage(L1_BLOCK_PREDEPLOY, U256::from(slot)));
    assert_eq!(
        stored,
        StoredOrigin { number: 0x0102_0304, time_s: 1_767_225_612, hash: origin.hash, sequence_number: 5 }
    );
    for (slot, value) in l1_block::storage_of(&info) {
        assert_eq!(hvm.storage(L1_BLOCK_PREDEPLOY, slot), value, "slot {slot}: the EVM and the packing agree");
    }
}
