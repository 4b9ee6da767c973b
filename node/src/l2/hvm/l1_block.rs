//! The `L1Block` predeploy (`0x42…15`), hand-assembled with [`Asm`]: what the L1-info deposit
//! that opens every L2 block of a chain with a settlement layer calls. Installed at genesis only
//! on such chains (see [`crate::l2::genesis::L2GenesisSpec::with_settlement`]), so the genesis
//! state of every other chain is unchanged.
//!
//! It does what OP's `L1Block.setL1BlockValuesIsthmus()` does and nothing more (no getters: the
//! simulation reads storage): only the depositor account `0xdead…0001` may call it (anyone else
//! gets OP's `NotDepositor()` revert), the selector must be `setL1BlockValuesIsthmus()`, and the
//! packed calldata ([`L1InfoDeposit::calldata`]) is stored with the same `calldataload` / `shr`
//! words into the same slots as `L1Block.sol` (Ecotone and Isthmus), which op-revm reads as
//! `L1_BASE_FEE_SLOT` (1), `ECOTONE_L1_FEE_SCALARS_SLOT` (3), `ECOTONE_L1_BLOB_BASE_FEE_SLOT`
//! (7) and `OPERATOR_FEE_SCALARS_SLOT` (8):
//!
//! | slot | value (low bits first, Solidity packing)                         | calldata word |
//! |------|------------------------------------------------------------------|---------------|
//! | 0    | `number` (u64), `timestamp` (u64)                                | `shr(128, cd[20])` |
//! | 1    | `basefee`                                                        | `cd[36]`      |
//! | 2    | `hash`                                                           | `cd[100]`     |
//! | 3    | `sequenceNumber` (u64), `blobBaseFeeScalar`, `baseFeeScalar` (u32) | `shr(128, cd[4])` |
//! | 4    | `batcherHash`                                                    | `cd[132]`     |
//! | 7    | `blobBaseFee`                                                    | `cd[68]`      |
//! | 8    | `operatorFeeConstant` (u64), `operatorFeeScalar` (u32)           | `shr(160, cd[164])` |

use super::asm::Asm;
use crate::eth::deposit_tx::{L1_INFO_DEPOSITOR, L1InfoDeposit};
use revm::bytecode::opcode::*;
use revm::primitives::{B256, Bytes, U256};

/// The 4-byte selector of OP's `NotDepositor()` error.
pub const NOT_DEPOSITOR: [u8; 4] = [0x3c, 0xc5, 0x0b, 0x45];

/// The storage slots written, as in `L1Block.sol`.
pub mod slots {
    pub const NUMBER_AND_TIMESTAMP: u64 = 0;
    pub const BASE_FEE: u64 = 1;
    pub const HASH: u64 = 2;
    pub const SEQUENCE_AND_SCALARS: u64 = 3;
    pub const BATCHER_HASH: u64 = 4;
    pub const BLOB_BASE_FEE: u64 = 7;
    pub const OPERATOR_FEE: u64 = 8;
}

/// The runtime code.
pub fn runtime() -> Bytes {
    let mut a = Asm::new();
    a.op(CALLER).push_bytes(L1_INFO_DEPOSITOR.as_slice()).op(EQ).push_label("depositor").op(JUMPI);
    a.push_bytes(&NOT_DEPOSITOR).ops(&[PUSH0, MSTORE]).push(0x04).push(0x1c).op(REVERT);
    a.label("depositor");
    a.ops(&[PUSH0, CALLDATALOAD]).push(0xe0).op(SHR).push_bytes(&L1InfoDeposit::SELECTOR).op(EQ);
    a.push_label("store").op(JUMPI).ops(&[PUSH0, PUSH0, REVERT]);
    a.label("store");
    // (calldata offset, right shift, slot), in L1Block.sol's order.
    for (offset, shift, slot) in [
        (4, 128, slots::SEQUENCE_AND_SCALARS),
        (20, 128, slots::NUMBER_AND_TIMESTAMP),
        (36, 0, slots::BASE_FEE),
        (68, 0, slots::BLOB_BASE_FEE),
        (100, 0, slots::HASH),
        (132, 0, slots::BATCHER_HASH),
        (164, 160, slots::OPERATOR_FEE),
    ] {
        a.push(offset).op(CALLDATALOAD);
        if shift > 0 {
            a.push(shift).op(SHR);
        }
        a.push(slot).op(SSTORE);
    }
    a.op(STOP);
    a.assemble()
}

/// The storage `info` leaves in the contract, slot by slot: what a genesis pre-sets and what
/// tests compare the contract's storage with (computed here by packing, not by the EVM).
pub fn storage_of(info: &L1InfoDeposit) -> [(U256, U256); 7] {
    let packed = |high: u128, low: u128| U256::from(high) << 64 | U256::from(low);
    let scalars = packed(
        u128::from(info.base_fee_scalar) << 32 | u128::from(info.blob_base_fee_scalar),
        info.sequence_number.into(),
    );
    let operator_fee = packed(info.operator_fee_scalar.into(), info.operator_fee_constant.into());
    let word = |hash: B256| U256::from_be_bytes(hash.0);
    [
        (U256::from(slots::NUMBER_AND_TIMESTAMP), packed(info.time_s.into(), info.number.into())),
        (U256::from(slots::BASE_FEE), U256::from(info.base_fee_wei)),
        (U256::from(slots::HASH), word(info.block_hash)),
        (U256::from(slots::SEQUENCE_AND_SCALARS), scalars),
        (U256::from(slots::BATCHER_HASH), word(info.batcher_hash)),
        (U256::from(slots::BLOB_BASE_FEE), U256::from(info.blob_base_fee_wei)),
        (U256::from(slots::OPERATOR_FEE), operator_fee),
    ]
}

/// What the contract holds about the origin, read back from its storage words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredOrigin {
    pub number: u64,
    pub time_s: u64,
    pub hash: B256,
    pub sequence_number: u64,
}

impl StoredOrigin {
    /// Decodes the origin from `storage(slot)`.
    pub fn read(storage: impl Fn(u64) -> U256) -> StoredOrigin {
        let low_u64 = |word: U256| word.as_limbs()[0];
        let number_and_time = storage(slots::NUMBER_AND_TIMESTAMP);
        StoredOrigin {
            number: low_u64(number_and_time),
            time_s: low_u64(number_and_time >> 64),
            hash: B256::from(storage(slots::HASH).to_be_bytes::<32>()),
            sequence_number: low_u64(storage(slots::SEQUENCE_AND_SCALARS)),
        }
    }
}
