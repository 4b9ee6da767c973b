//! The workload's contracts, hand-assembled with [`Asm`]: runtime code only (genesis installs
//! it directly, no constructor).
//!
//! - [`token_runtime`]: an ERC20-like token, `transfer` and `balanceOf` only.
//! - [`reader_runtime`]: calls hVM precompiles 0x44 and 0x40 and stores what they answered, so
//!   that the Bitcoin view a node executes against reaches the state root.

use super::asm::Asm;
use super::precompiles::BtcPrecompile;
use revm::bytecode::opcode::*;
use revm::primitives::{Address, Bytes, U256, keccak256};

/// `transfer(address,uint256)`.
pub const TRANSFER_SELECTOR: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];
/// `balanceOf(address)`.
pub const BALANCE_OF_SELECTOR: [u8; 4] = [0x70, 0xa0, 0x82, 0x31];

/// The storage slot of `holder`'s token balance: Solidity's layout for a `mapping(address =>
/// uint256)` at slot 0, `keccak256(holder left-padded to 32 ‖ 0u256)`. For genesis pre-funding.
pub fn token_balance_slot(holder: Address) -> U256 {
    let mut preimage = [0u8; 64];
    preimage[12..32].copy_from_slice(holder.as_slice());
    U256::from_be_bytes(keccak256(preimage).0)
}

/// ABI call data for `transfer(to, amount)`: 68 bytes.
pub fn token_transfer_calldata(to: Address, amount: U256) -> Bytes {
    let mut data = Vec::with_capacity(68);
    data.extend_from_slice(&TRANSFER_SELECTOR);
    data.extend_from_slice(&[0u8; 12]);
    data.extend_from_slice(to.as_slice());
    data.extend_from_slice(&amount.to_be_bytes::<32>());
    Bytes::from(data)
}

/// ABI call data for `balanceOf(holder)`: 36 bytes.
pub fn token_balance_of_calldata(holder: Address) -> Bytes {
    let mut data = Vec::with_capacity(36);
    data.extend_from_slice(&BALANCE_OF_SELECTOR);
    data.extend_from_slice(&[0u8; 12]);
    data.extend_from_slice(holder.as_slice());
    Bytes::from(data)
}

/// The token's runtime code.
///
/// - `transfer(address to, uint256 amount)` (0xa9059cbb): moves `amount` from the caller's
///   balance to `to`'s (2 SLOAD, 2 SSTORE) and returns `true` as a 32-byte word; reverts with
///   empty data if the caller's balance is below `amount`. No event, no overflow check on the
///   recipient (the supply is fixed at genesis, so it cannot overflow).
/// - `balanceOf(address holder)` (0x70a08231): returns the balance as a 32-byte word.
/// - Anything else reverts. Storage: balances at [`token_balance_slot`].
pub fn token_runtime() -> Bytes {
    let mut a = Asm::new();
    // Dispatch on the selector, the first 4 bytes of call data.
    a.op(PUSH0).op(CALLDATALOAD).push(0xe0).op(SHR);
    a.op(DUP1).push_bytes(&TRANSFER_SELECTOR).op(EQ).push_label("transfer").op(JUMPI);
    a.push_bytes(&BALANCE_OF_SELECTOR).op(EQ).push_label("balance_of").op(JUMPI);
    a.label("fail").ops(&[PUSH0, PUSH0, REVERT]);

    a.label("transfer").op(POP);
    // from_slot = keccak256(caller ‖ 0); memory 32..64 is still zero.
    a.ops(&[CALLER, PUSH0, MSTORE]).push(0x40).ops(&[PUSH0, KECCAK256]); // [from_slot]
    a.ops(&[DUP1, SLOAD]); // [from_slot, from_balance]
    a.push(0x24).op(CALLDATALOAD); // [from_slot, from_balance, amount]
    a.ops(&[DUP1, DUP3, LT]).push_label("fail").op(JUMPI); // from_balance < amount: revert
    a.ops(&[DUP1, DUP3, SUB, DUP4, SSTORE]); // balance[from] = from_balance - amount
    // to_slot = keccak256(to ‖ 0), `to` masked to 160 bits.
    a.push(0x04).op(CALLDATALOAD).push_bytes(&[0xff; 20]).ops(&[AND, PUSH0, MSTORE]);
    a.push(0x40).ops(&[PUSH0, KECCAK256]); // [from_slot, from_balance, amount, to_slot]
    a.ops(&[DUP1, SLOAD, DUP3, ADD, SWAP1, SSTORE]); // balance[to] += amount
    a.push(1).ops(&[PUSH0, MSTORE]).push(0x20).ops(&[PUSH0, RETURN]);

    a.label("balance_of");
    a.push(0x04).ops(&[CALLDATALOAD, PUSH0, MSTORE]).push(0x40).ops(&[PUSH0, KECCAK256, SLOAD]);
    a.ops(&[PUSH0, MSTORE]).push(0x20).ops(&[PUSH0, RETURN]);
    a.assemble()
}

/// Call data for the reader: the Bitcoin address string's bytes, raw.
pub fn reader_calldata(btc_address: &str) -> Bytes {
    Bytes::copy_from_slice(btc_address.as_bytes())
}

/// Storage slots of [`reader_runtime`].
pub mod reader_slots {
    /// Height of the indexed Bitcoin tip, from 0x44's first 4 bytes (0 if it answered nothing).
    pub const TIP_HEIGHT: u64 = 0;
    /// That block's hash, display order, from 0x44's bytes 4..36.
    pub const TIP_HASH: u64 = 1;
    /// The balance in sats 0x40 reported for the address in the call data.
    pub const BALANCE_SATS: u64 = 2;
    /// How many bytes 0x40 returned: 8, or 0 for an address it could not decode.
    pub const BALANCE_ANSWER_LEN: u64 = 3;
}

/// The hVM reader's runtime code. Call data: a Bitcoin address string, raw (not ABI), passed
/// through to 0x40. Each call overwrites the four [`reader_slots`]; it never reverts.
///
/// Memory: 0x00..0x74 the 116-byte header from 0x44, 0x80..0x88 the balance from 0x40,
/// 0x100.. the address string.
pub fn reader_runtime() -> Bytes {
    let mut a = Asm::new();
    // staticcall(gas, 0x44, in 0..0, out 0x00..0x74)
    a.push(0x74).ops(&[PUSH0, PUSH0, PUSH0]).push(BtcPrecompile::LastHeader as u64).ops(&[GAS, STATICCALL, POP]);
    a.ops(&[PUSH0, MLOAD]).push(0xe0).op(SHR).push(reader_slots::TIP_HEIGHT).op(SSTORE);
    a.push(0x04).op(MLOAD).push(reader_slots::TIP_HASH).op(SSTORE);
    // The address string goes to 0x100; staticcall(gas, 0x40, in 0x100.., out 0x80..0x88).
    a.ops(&[CALLDATASIZE, PUSH0]).push(0x100).op(CALLDATACOPY);
    a.push(0x08).push(0x80).op(CALLDATASIZE).push(0x100).push(BtcPrecompile::BalAddr as u64);
    a.ops(&[GAS, STATICCALL, POP]);
    a.push(0x80).op(MLOAD).push(0xc0).op(SHR).push(reader_slots::BALANCE_SATS).op(SSTORE);
    a.op(RETURNDATASIZE).push(reader_slots::BALANCE_ANSWER_LEN).op(SSTORE);
    a.op(STOP);
    a.assemble()
}
