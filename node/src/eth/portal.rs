//! `OptimismPortal.depositTransaction`: the forced-inclusion path from L1 to the L2.
//!
//! Rules (OptimismPortal v2.5.0, which Hemi deploys; the team's protocol notes), checked in the
//! contract's order: a contract creation must name `to = address(0)` (`BadTarget`); the L2 gas
//! limit must be at least `21,000 + 16 * data bytes` (`SmallGasLimit`, so the deposit pays for its
//! own intrinsic gas); the data is at most 120,000 bytes (`LargeCalldata`). The gas is then bought
//! from the resource meter ([`super::metering`]), which caps a block's deposits at 20,000,000 L2
//! gas. A deposit from a contract is sent on L2 from its aliased address (`+ 0x1111…1111`), so that
//! no L1 contract can pose as an L2 account of the same address.
//!
//! A successful call logs `TransactionDeposited(from, to, version 0, opaqueData)`; the log's
//! block hash and index become the deposit's identity ([`PortalDeposit`], whose L2 transaction is
//! [`super::deposit_tx::DepositTx::of_portal_deposit`]).
//!
//! Model limit: a deposit over [`super::metering::ResourceConfig::max_resource_limit`] can never
//! be bought and is refused here (`GasLimitAboveResourceLimit`); the contract would revert it in
//! the meter instead, with the same outcome for the depositor.

use super::metering::ResourceConfig;
use super::types::PortalDeposit;
use revm::primitives::{Address, B256, Bytes, U256, address};
use thiserror::Error;

/// Intrinsic gas of an L2 transaction, which every deposit must at least pay.
pub const INTRINSIC_GAS: u64 = 21_000;
/// Gas the portal asks per byte of deposit data.
pub const GAS_PER_DATA_BYTE: u64 = 16;
/// The longest deposit data the portal accepts.
pub const MAX_DATA_BYTES: usize = 120_000;
/// Added to an L1 contract's address to make its L2 sender (`AddressAliasHelper`).
pub const L1_TO_L2_ALIAS_OFFSET: Address = address!("1111000000000000000000000000000000001111");

/// L1 gas of one `depositTransaction` call, an assumption: about what a plain deposit costs on
/// Ethereum mainnet (the call, the `TransactionDeposited` log and the resource meter's update),
/// without the meter's burn for guaranteed gas beyond the prepaid amount.
pub const DEPOSIT_CALL_L1_GAS: u64 = 75_000;

/// What a user pays on L1 for one deposit at the batcher's fixed L1 prices (base fee plus tip:
/// recorded, not a fee market).
pub fn deposit_l1_fee_wei() -> u128 {
    let fees = super::batcher::L1FeeParams::default();
    u128::from(DEPOSIT_CALL_L1_GAS) * (fees.base_fee_wei + fees.priority_fee_wei)
}

/// An L2 transaction re-sent through the portal by its sender (an L1 account, not aliased): the
/// same call, value and gas limit (at least the portal's minimum), no ETH minted. The deposit
/// bumps the sender's L2 nonce, so the original can no longer be included after it.
pub fn escape_of(tx: &crate::l2::tx::L2Tx) -> DepositRequest {
    DepositRequest {
        l1_sender: tx.from,
        sender_is_contract: false,
        to: tx.to.unwrap_or(Address::ZERO),
        mint: U256::ZERO,
        value: tx.value,
        gas_limit: tx.gas_limit.max(minimum_gas_limit(tx.input.len())),
        is_creation: tx.to.is_none(),
        data: tx.input.clone(),
    }
}

/// One L1 transaction calling `depositTransaction`: the call, and the transaction's identity
/// (its sender and L1 nonce, named here by the L2 transaction it escapes). A wallet that
/// re-broadcasts a transaction it has not seen mined sends the same one again, which the L1
/// takes at most once ([`super::network::L1Network::submit_deposit`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalCall {
    pub request: DepositRequest,
    pub l1_tx: B256,
}

/// One call of `depositTransaction`, as an L1 account makes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepositRequest {
    /// `msg.sender` on L1.
    pub l1_sender: Address,
    /// Whether `msg.sender` is a contract (its L2 sender is then aliased).
    pub sender_is_contract: bool,
    /// Must be the zero address when `is_creation`.
    pub to: Address,
    /// `msg.value`: wei minted to the sender on L2.
    pub mint: U256,
    /// Wei passed with the L2 call.
    pub value: U256,
    pub gas_limit: u64,
    pub is_creation: bool,
    pub data: Bytes,
}

/// Why the portal reverts a deposit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PortalError {
    #[error("a contract creation must have to = address(0), got {to}")]
    BadTarget { to: Address },
    #[error("gas limit {gas_limit} below the minimum {minimum} for {data_bytes} bytes of data")]
    SmallGasLimit { gas_limit: u64, minimum: u64, data_bytes: usize },
    #[error("{data_bytes} bytes of data, at most {MAX_DATA_BYTES} allowed")]
    LargeCalldata { data_bytes: usize },
    #[error("gas limit {gas_limit} above the {max} gas deposits may buy per L1 block")]
    GasLimitAboveResourceLimit { gas_limit: u64, max: u64 },
}

/// The smallest gas limit a deposit with `data_bytes` bytes of data may name.
pub fn minimum_gas_limit(data_bytes: usize) -> u64 {
    INTRINSIC_GAS.saturating_add(GAS_PER_DATA_BYTE.saturating_mul(data_bytes as u64))
}

/// The portal's checks, in its order; `Ok` means the deposit only has its gas left to buy.
pub fn validate(request: &DepositRequest, metering: &ResourceConfig) -> Result<(), PortalError> {
    if request.is_creation && request.to != Address::ZERO {
        return Err(PortalError::BadTarget { to: request.to });
    }
    let data_bytes = request.data.len();
    let minimum = minimum_gas_limit(data_bytes);
    if request.gas_limit < minimum {
        return Err(PortalError::SmallGasLimit { gas_limit: request.gas_limit, minimum, data_bytes });
    }
    if data_bytes > MAX_DATA_BYTES {
        return Err(PortalError::LargeCalldata { data_bytes });
    }
    if request.gas_limit > metering.max_resource_limit {
        return Err(PortalError::GasLimitAboveResourceLimit {
            gas_limit: request.gas_limit,
            max: metering.max_resource_limit,
        });
    }
    Ok(())
}

/// `AddressAliasHelper.applyL1ToL2Alias`: the L2 sender of a deposit made by an L1 contract.
pub fn apply_l1_to_l2_alias(l1_address: Address) -> Address {
    let aliased =
        U256::from_be_slice(l1_address.as_slice()).wrapping_add(U256::from_be_slice(L1_TO_L2_ALIAS_OFFSET.as_slice()));
    Address::from_slice(&aliased.to_be_bytes::<32>()[12..])
}

/// The `TransactionDeposited` event of a validated request, logged at `log_index` in the L1
/// block `l1_block_hash`.
pub fn deposit_event(request: &DepositRequest, l1_block_hash: B256, log_index: u32) -> PortalDeposit {
    let from = if request.sender_is_contract { apply_l1_to_l2_alias(request.l1_sender) } else { request.l1_sender };
    PortalDeposit {
        from,
        to: (!request.is_creation).then_some(request.to),
        mint: request.mint,
        value: request.value,
        gas_limit: request.gas_limit,
        data: request.data.clone(),
        l1_block_hash,
        log_index,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eth::deposit_tx::DepositTx;

    const METERING: ResourceConfig = ResourceConfig::OP_DEFAULT;
    const ALICE: Address = address!("00000000000000000000000000000000000a11ce");

    fn transfer(gas_limit: u64, data_bytes: usize) -> DepositRequest {
        DepositRequest {
            l1_sender: ALICE,
            sender_is_contract: false,
            to: ALICE,
            mint: U256::from(1_000u64),
            value: U256::from(10u64),
            gas_limit,
            is_creation: false,
            data: Bytes::from(vec![0xab; data_bytes]),
        }
    }

    #[test]
    fn gas_limit_must_cover_intrinsic_gas_and_data() {
        assert_eq!(minimum_gas_limit(0), 21_000);
        assert_eq!(minimum_gas_limit(100), 22_600);
        assert_eq!(validate(&transfer(21_000, 0), &METERING), Ok(()));
        assert_eq!(validate(&transfer(22_600, 100), &METERING), Ok(()), "exactly the minimum");
        assert_eq!(
            validate(&transfer(22_599, 100), &METERING),
            Err(PortalError::SmallGasLimit { gas_limit: 22_599, minimum: 22_600, data_bytes: 100 })
        );
    }

    #[test]
    fn data_is_capped_at_120000_bytes() {
        let gas = minimum_gas_limit(MAX_DATA_BYTES + 1);
        assert_eq!(validate(&transfer(gas, MAX_DATA_BYTES), &METERING), Ok(()));
        assert_eq!(
            validate(&transfer(gas, MAX_DATA_BYTES + 1), &METERING),
            Err(PortalError::LargeCalldata { data_bytes: MAX_DATA_BYTES + 1 })
        );
        // The contract checks the gas limit first: too much data with too little gas is SmallGasLimit.
        assert!(matches!(
            validate(&transfer(21_000, MAX_DATA_BYTES + 1), &METERING),
            Err(PortalError::SmallGasLimit { .. })
        ));
    }

    #[test]
    fn creation_needs_the_zero_target_and_gas_must_be_buyable() {
        let create = DepositRequest { is_creation: true, to: Address::ZERO, ..transfer(100_000, 10) };
        assert_eq!(validate(&create, &METERING), Ok(()));
        assert_eq!(deposit_event(&create, B256::ZERO, 0).to, None);
        let bad = DepositRequest { is_creation: true, ..transfer(100_000, 10) };
        assert_eq!(validate(&bad, &METERING), Err(PortalError::BadTarget { to: ALICE }));
        assert_eq!(
            validate(&transfer(20_000_001, 0), &METERING),
            Err(PortalError::GasLimitAboveResourceLimit { gas_limit: 20_000_001, max: 20_000_000 })
        );
        assert_eq!(validate(&transfer(20_000_000, 0), &METERING), Ok(()));
        let message = PortalError::LargeCalldata { data_bytes: 120_001 }.to_string();
        assert_eq!(message, "120001 bytes of data, at most 120000 allowed");
    }

    #[test]
    fn contracts_deposit_from_their_alias() {
        // AddressAliasHelper's own examples: the offset itself from zero; wrap-around past 2^160.
        assert_eq!(apply_l1_to_l2_alias(Address::ZERO), L1_TO_L2_ALIAS_OFFSET);
        assert_eq!(
            apply_l1_to_l2_alias(address!("ffffffffffffffffffffffffffffffffffffffff")),
            address!("1111000000000000000000000000000000001110")
        );
        let from_contract = DepositRequest { sender_is_contract: true, ..transfer(21_000, 0) };
        let event = deposit_event(&from_contract, B256::repeat_byte(7), 3);
        assert_eq!(event.from, address!("11110000000000000000000000000000000a22df"));
        assert_eq!((event.l1_block_hash, event.log_index, event.to), (B256::repeat_byte(7), 3, Some(ALICE)));
        assert_eq!(deposit_event(&transfer(21_000, 0), B256::ZERO, 0).from, ALICE, "accounts are not aliased");
    }

    #[test]
    fn mainnet_deposit_has_viems_l2_hash() {
        // viem's `getL2TransactionHash` vector: a TransactionDeposited log of OP mainnet's portal,
        // opaqueData = mint 0, value 69, gas 21000, not a creation, no data.
        let sender = address!("1a1E021A302C237453D3D45c7B82B19cEEB7E2e6");
        let request = DepositRequest {
            l1_sender: sender,
            sender_is_contract: false,
            to: sender,
            mint: U256::ZERO,
            value: U256::from(69u64),
            gas_limit: 21_000,
            is_creation: false,
            data: Bytes::new(),
        };
        assert_eq!(validate(&request, &METERING), Ok(()));
        let block = "634c52556471c589f42db9131467e0c9484f5c73049e32d1a74e2a4ce0f91d57".parse::<B256>().expect("hex");
        let tx = DepositTx::of_portal_deposit(&deposit_event(&request, block, 109));
        let expected = "0a60b983815ed475c5919609025204a479654d93afc610feca7d99ae0befc329".parse::<B256>().expect("hex");
        assert_eq!(tx.hash(), expected);
    }
}
