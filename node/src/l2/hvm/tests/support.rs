//! Shared helpers: a block environment, transaction builders, a funded genesis.

use crate::l2::hvm::{BlockEnvSpec, Hvm};
use crate::l2::tx::L2Tx;
use crate::units::L2Number;
use revm::primitives::{Address, Bytes, U256};

pub const CHAIN_ID: u64 = 43111;
pub const ETHER: u128 = 1_000_000_000_000_000_000;

pub fn env(number: u64) -> BlockEnvSpec {
    BlockEnvSpec {
        number: L2Number(number),
        timestamp_s: 1_700_000_000 + 12 * number,
        gas_limit: 30_000_000,
        beneficiary: Address::repeat_byte(0xfe),
    }
}

pub fn user(index: u8) -> Address {
    Address::repeat_byte(index)
}

/// A legacy transaction with gas price 0, as the workload sends them.
pub fn call(from: Address, to: Address, nonce: u64, gas_limit: u64, input: Bytes) -> L2Tx {
    L2Tx { from, to: Some(to), nonce, gas_limit, gas_price: 0, value: U256::ZERO, input }
}

pub fn transfer(from: Address, to: Address, nonce: u64, wei: u128) -> L2Tx {
    L2Tx { value: U256::from(wei), ..call(from, to, nonce, 21_000, Bytes::new()) }
}

/// Users 1..=n with 100 ether each, no contracts.
pub fn funded(n: u8) -> Hvm {
    let accounts: Vec<_> = (1..=n).map(|i| (user(i), U256::from(100 * ETHER))).collect();
    Hvm::genesis(CHAIN_ID, &accounts, &[])
}
