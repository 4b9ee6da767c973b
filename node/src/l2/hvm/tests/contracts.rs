//! The workload contracts: the token's transfer rules and the hVM reader carrying the Bitcoin
//! view into the state root.

use super::fake_view::{A, BTC, FakeBtcView, display_block, p2pkh_address, standard_chain};
use super::support::*;
use crate::l2::hvm::Hvm;
use crate::l2::hvm::contracts::{self, reader_slots, token_balance_slot};
use revm::primitives::{Address, Bytes, U256};

const TOKEN: Address = Address::repeat_byte(0x70);
const READER: Address = Address::repeat_byte(0x72);

/// Users 1 and 2 with ether; user 1 holds 1,000 tokens, user 2 none.
fn token_genesis() -> Hvm {
    let accounts = [(user(1), U256::from(ETHER)), (user(2), U256::from(ETHER))];
    let code = [(TOKEN, contracts::token_runtime()), (READER, contracts::reader_runtime())];
    let storage = [(TOKEN, token_balance_slot(user(1)), U256::from(1_000))];
    Hvm::genesis_with_storage(CHAIN_ID, &accounts, &code, &storage)
}

fn token_balance(hvm: &Hvm, holder: Address) -> U256 {
    hvm.storage(TOKEN, token_balance_slot(holder))
}

fn send(from: Address, to: Address, nonce: u64, amount: u64) -> crate::l2::tx::L2Tx {
    call(from, TOKEN, nonce, 60_000, contracts::token_transfer_calldata(to, U256::from(amount)))
}

#[test]
fn balance_slot_is_solidity_mapping_layout() {
    // keccak256(pad32(0x…01) ‖ pad32(0)), the slot of address 1 in a mapping at slot 0.
    let one = Address::with_last_byte(1);
    let expected = "ada5013122d395ba3c54772283fb069b10426056ef8ca54750cb9bb552a59e7d";
    assert_eq!(format!("{:x}", token_balance_slot(one)), expected);
}

#[test]
fn a_token_transfer_moves_balances() {
    let mut hvm = token_genesis();
    let view = FakeBtcView::default();
    let txs = [
        send(user(1), user(2), 0, 300),
        call(user(2), TOKEN, 0, 60_000, contracts::token_balance_of_calldata(user(2))),
    ];
    let outcome = hvm.execute_block(&env(1), &view, &txs).expect("valid");
    let [transfer, balance_of] = &outcome.receipts[..] else { panic!("two receipts") };
    assert!(transfer.success);
    assert_eq!(transfer.output, Bytes::from(U256::from(1).to_be_bytes::<32>().to_vec()), "returns true");
    assert_eq!(balance_of.output, Bytes::from(U256::from(300).to_be_bytes::<32>().to_vec()));
    assert_eq!(token_balance(&hvm, user(1)), U256::from(700));
    assert_eq!(token_balance(&hvm, user(2)), U256::from(300));
    assert_eq!(hvm.state_root(), hvm.recompute_state_root());
}

#[test]
fn a_token_transfer_beyond_the_balance_reverts() {
    let mut hvm = token_genesis();
    let view = FakeBtcView::default();
    let txs = [send(user(1), user(2), 0, 1_001), send(user(1), user(1), 1, 1_000)];
    let outcome = hvm.execute_block(&env(1), &view, &txs).expect("included, even if reverted");
    assert!(!outcome.receipts[0].success, "1,001 > 1,000");
    assert!(outcome.receipts[1].success, "to oneself: allowed, changes nothing");
    assert_eq!(token_balance(&hvm, user(1)), U256::from(1_000));
    assert_eq!(token_balance(&hvm, user(2)), U256::ZERO);
    assert_eq!(hvm.nonce(user(1)), 2, "a reverted transaction still uses its nonce");
    assert_eq!(hvm.state_root(), hvm.recompute_state_root());
}

fn read(hvm: &mut Hvm, view: &FakeBtcView, btc_address: &str) -> bool {
    let tx = call(user(1), READER, hvm.nonce(user(1)), 200_000, contracts::reader_calldata(btc_address));
    let outcome = hvm.execute_block(&env(hvm.blocks_executed() + 1), view, &[tx]).expect("valid");
    outcome.receipts[0].success
}

fn reader_slot(hvm: &Hvm, slot: u64) -> U256 {
    hvm.storage(READER, U256::from(slot))
}

#[test]
fn the_reader_stores_what_the_precompiles_answer() {
    let chain = standard_chain();
    let mut hvm = token_genesis();
    assert!(read(&mut hvm, &chain.view, &p2pkh_address(A)));
    assert_eq!(reader_slot(&hvm, reader_slots::TIP_HEIGHT), U256::from(3), "indexed tip");
    let tip_hash = display_block(chain.view.headers[3].block_hash());
    assert_eq!(reader_slot(&hvm, reader_slots::TIP_HASH), U256::from_be_bytes(tip_hash));
    assert_eq!(reader_slot(&hvm, reader_slots::BALANCE_SATS), U256::from(44 * BTC));
    assert_eq!(reader_slot(&hvm, reader_slots::BALANCE_ANSWER_LEN), U256::from(8));

    assert!(read(&mut hvm, &chain.view, "not a bitcoin address at all"), "0x40's empty answer is no error");
    assert_eq!(reader_slot(&hvm, reader_slots::BALANCE_SATS), U256::ZERO);
    assert_eq!(reader_slot(&hvm, reader_slots::BALANCE_ANSWER_LEN), U256::ZERO);
    assert_eq!(hvm.state_root(), hvm.recompute_state_root());
}

#[test]
fn a_different_bitcoin_view_gives_a_different_state_root() {
    let chain = standard_chain();
    let mut later = chain.view.clone();
    later.push_block(vec![]);
    let address = p2pkh_address(A);
    let (mut honest, mut same, mut lagging) = (token_genesis(), token_genesis(), token_genesis());
    read(&mut honest, &later, &address);
    read(&mut same, &later, &address);
    read(&mut lagging, &chain.view, &address);
    assert_eq!(honest.state_root(), same.state_root());
    assert_ne!(honest.state_root(), lagging.state_root(), "the indexed tip differs: 4 against 3");
}
