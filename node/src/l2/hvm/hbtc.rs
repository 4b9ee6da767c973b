//! hBTC, the tunnel's representation token, hand-assembled with [`Asm`] (runtime code only;
//! the L2 genesis installs it at [`crate::tunnel::HBTC`]).
//!
//! One unit is one satoshi. The contract is the L2 half of the tunnel's books:
//!
//! - `mint(bytes32 outpointKey, address to, uint256 amount)`: only the system caller (the
//!   sequencer's deposit system calls, made before a block's user transactions). Reverts if the
//!   outpoint key was minted before: **each deposit outpoint mints once**, enforced on chain.
//!   Credits `to` and the total supply.
//! - `withdraw(uint256 amount, bytes20 btcPubkeyHash)`: burns `amount` of the caller's balance
//!   (reverts on 0 or more than the balance), lowers the supply, numbers the withdrawal and
//!   emits `Withdrawal(address indexed from, uint256 id, uint256 amount, bytes20 btcPubkeyHash)`,
//!   which the vault operator pays out on Bitcoin. Returns the id.
//! - `transfer(address,uint256)`, `balanceOf(address)`, `totalSupply()`: as an ERC20 (no
//!   events, no allowances).
//!
//! Storage: balances at `keccak256(holder ‖ 0)` (Solidity's mapping layout, as the workload
//! token), minted flags at `keccak256(key ‖ 1)`, the supply at slot 2, the next withdrawal id
//! at slot 3.

use super::asm::Asm;
use crate::units::Amount;
use revm::bytecode::opcode::*;
use revm::primitives::{Address, B256, Bytes, U256, keccak256};

/// Storage slot of the total supply.
pub const SUPPLY_SLOT: u64 = 2;
/// Storage slot of the next withdrawal id.
pub const NEXT_WITHDRAWAL_SLOT: u64 = 3;

/// The caller of system calls (revm's `SYSTEM_ADDRESS`, as EIP-4788 uses it).
pub const SYSTEM_CALLER: Address = Address::new([
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xfe,
]);

/// The first 4 bytes of keccak-256 of a function signature.
pub fn selector(signature: &str) -> [u8; 4] {
    keccak256(signature.as_bytes())[..4].try_into().expect("4 of 32 bytes")
}

pub fn mint_selector() -> [u8; 4] {
    selector("mint(bytes32,address,uint256)")
}
pub fn withdraw_selector() -> [u8; 4] {
    selector("withdraw(uint256,bytes20)")
}
pub fn total_supply_selector() -> [u8; 4] {
    selector("totalSupply()")
}

/// topic0 of the `Withdrawal` event.
pub fn withdrawal_topic() -> B256 {
    keccak256("Withdrawal(address,uint256,uint256,bytes20)".as_bytes())
}

/// Slot of `holder`'s balance (mapping at slot 0).
pub fn balance_slot(holder: Address) -> U256 {
    super::contracts::token_balance_slot(holder)
}

/// Slot of the minted flag of an outpoint key (mapping at slot 1).
pub fn minted_slot(key: B256) -> U256 {
    let mut preimage = [0u8; 64];
    preimage[..32].copy_from_slice(key.as_slice());
    preimage[63] = 1;
    U256::from_be_bytes(keccak256(preimage).0)
}

/// Call data of `mint(key, to, amount)`: 100 bytes.
pub fn mint_calldata(key: B256, to: Address, amount: Amount) -> Bytes {
    let mut data = Vec::with_capacity(100);
    data.extend_from_slice(&mint_selector());
    data.extend_from_slice(key.as_slice());
    data.extend_from_slice(&[0u8; 12]);
    data.extend_from_slice(to.as_slice());
    data.extend_from_slice(&U256::from(amount.to_sat()).to_be_bytes::<32>());
    Bytes::from(data)
}

/// Call data of `withdraw(amount, btcPubkeyHash)`: 68 bytes (`bytes20` is left-aligned).
pub fn withdraw_calldata(amount: Amount, btc_pubkey_hash: [u8; 20]) -> Bytes {
    let mut data = Vec::with_capacity(68);
    data.extend_from_slice(&withdraw_selector());
    data.extend_from_slice(&U256::from(amount.to_sat()).to_be_bytes::<32>());
    data.extend_from_slice(&btc_pubkey_hash);
    data.extend_from_slice(&[0u8; 12]);
    Bytes::from(data)
}

/// The runtime code.
pub fn runtime() -> Bytes {
    let mut a = Asm::new();
    // Dispatch on the selector; each branch pops it.
    a.op(PUSH0).op(CALLDATALOAD).push(0xe0).op(SHR);
    for (selector, label) in [
        (mint_selector(), "mint"),
        (withdraw_selector(), "withdraw"),
        (super::contracts::TRANSFER_SELECTOR, "transfer"),
        (super::contracts::BALANCE_OF_SELECTOR, "balance_of"),
        (total_supply_selector(), "total_supply"),
    ] {
        a.op(DUP1).push_bytes(&selector).op(EQ).push_label(label).op(JUMPI);
    }
    a.label("fail").ops(&[PUSH0, PUSH0, REVERT]);
    mint(&mut a);
    withdraw(&mut a);
    transfer(&mut a);
    a.label("balance_of").op(POP);
    a.push(0x04).ops(&[CALLDATALOAD, PUSH0, MSTORE, PUSH0]).push(0x20).op(MSTORE);
    a.push(0x40).ops(&[PUSH0, KECCAK256, SLOAD, PUSH0, MSTORE]).push(0x20).ops(&[PUSH0, RETURN]);
    a.label("total_supply").op(POP);
    a.push(SUPPLY_SLOT).ops(&[SLOAD, PUSH0, MSTORE]).push(0x20).ops(&[PUSH0, RETURN]);
    a.assemble()
}

/// Pushes `keccak256(mem[0..64])` after storing `word_on_stack` at 0 and `mapping_slot` at 32.
fn mapping_slot_of_top(a: &mut Asm, mapping_slot: u64) {
    a.ops(&[PUSH0, MSTORE]).push(mapping_slot).push(0x20).op(MSTORE);
    a.push(0x40).ops(&[PUSH0, KECCAK256]);
}

fn mint(a: &mut Asm) {
    a.label("mint").op(POP);
    a.op(CALLER).push_bytes(SYSTEM_CALLER.as_slice()).ops(&[EQ, ISZERO]).push_label("fail").op(JUMPI);
    a.push(0x04).op(CALLDATALOAD);
    mapping_slot_of_top(a, 1); // [minted_slot]
    a.ops(&[DUP1, SLOAD]).push_label("fail").op(JUMPI); // minted before: revert
    a.push(1).ops(&[SWAP1, SSTORE]); // minted = 1
    a.push(0x24).op(CALLDATALOAD).push_bytes(&[0xff; 20]).op(AND);
    mapping_slot_of_top(a, 0); // [balance_slot]
    a.ops(&[DUP1, SLOAD]).push(0x44).ops(&[CALLDATALOAD, ADD, SWAP1, SSTORE]);
    a.push(SUPPLY_SLOT).op(SLOAD).push(0x44).ops(&[CALLDATALOAD, ADD]).push(SUPPLY_SLOT).op(SSTORE);
    a.op(STOP);
}

fn withdraw(a: &mut Asm) {
    a.label("withdraw").op(POP);
    a.push(0x04).ops(&[CALLDATALOAD, DUP1, ISZERO]).push_label("fail").op(JUMPI); // [amount]
    a.op(CALLER);
    mapping_slot_of_top(a, 0); // [amount, slot]
    a.ops(&[DUP1, SLOAD]); // [amount, slot, balance]
    a.ops(&[DUP1, DUP4, GT]).push_label("fail").op(JUMPI); // amount > balance: revert
    a.ops(&[DUP3, DUP2, SUB, DUP3, SSTORE, POP, POP]); // balance -= amount; [amount]
    a.push(SUPPLY_SLOT).ops(&[SLOAD, DUP2, SWAP1, SUB]).push(SUPPLY_SLOT).op(SSTORE);
    a.push(NEXT_WITHDRAWAL_SLOT).op(SLOAD); // [amount, id]
    a.ops(&[DUP1]).push(1).op(ADD).push(NEXT_WITHDRAWAL_SLOT).op(SSTORE);
    // Event data: id, amount, btcPubkeyHash (left-aligned, masked to 20 bytes).
    a.ops(&[DUP1, PUSH0, MSTORE, DUP2]).push(0x20).op(MSTORE);
    let mut mask = [0u8; 32];
    mask[..20].fill(0xff);
    a.push(0x24).op(CALLDATALOAD).push_bytes(&mask).op(AND).push(0x40).op(MSTORE);
    a.op(CALLER).push_bytes(withdrawal_topic().as_slice()).push(0x60).ops(&[PUSH0, LOG2]);
    a.push(0x20).ops(&[PUSH0, RETURN]); // the id, still at 0
}

/// The workload token's `transfer`, on hBTC balances.
fn transfer(a: &mut Asm) {
    a.label("transfer").op(POP);
    a.op(CALLER);
    mapping_slot_of_top(a, 0); // [from_slot]
    a.ops(&[DUP1, SLOAD]); // [from_slot, from_balance]
    a.push(0x24).op(CALLDATALOAD); // [from_slot, from_balance, amount]
    a.ops(&[DUP1, DUP3, LT]).push_label("fail").op(JUMPI);
    a.ops(&[DUP1, DUP3, SUB, DUP4, SSTORE]);
    a.push(0x04).op(CALLDATALOAD).push_bytes(&[0xff; 20]).op(AND);
    mapping_slot_of_top(a, 0); // [.., to_slot]
    a.ops(&[DUP1, SLOAD, DUP3, ADD, SWAP1, SSTORE]);
    a.push(1).ops(&[PUSH0, MSTORE]).push(0x20).ops(&[PUSH0, RETURN]);
}
