//! The hVM: Hemi's EVM with Bitcoin precompiles, as the sequencer and the verifiers execute it.
//!
//! One place wraps revm 43 ([`Hvm`]), so the rest of the crate never sees revm's generics:
//!
//! ```text
//! Hvm::genesis ──► Hvm ──begin_block(env, &dyn BtcView)──► BlockBuilder ──apply(tx)*──► finish()
//!                   │                                           │                      │
//!                   │      revm (OSAKA, basefee 0) + the        │                      ▼
//!                   │      0x40–0x46 precompiles reading the    │              BlockOutcome
//!                   │      block's pinned Bitcoin view          │   (gas, receipts, state root)
//!                   └── state_root(): order-independent commitment, updated per touched account
//! ```
//!
//! - [`machine`]: [`Hvm`], its genesis, reads and `execute_block` for verifiers.
//! - [`block`]: [`BlockBuilder`], one block being built; a dropped, unfinished block rolls back.
//! - [`journal`]: what a block touched, with its values at the block's start and now.
//! - [`state_root`]: the state commitment (an additive sum of leaf hashes, see its docs).
//! - [`precompiles`]: Hemi's Bitcoin precompiles 0x40–0x46, byte for byte, and the revm provider.
//! - [`asm`], [`contracts`]: a tiny EVM assembler and the workload contracts built with it.
//! - [`l1_block`]: OP's `L1Block` predeploy, which the L1-info deposit writes (settlement chains).
//! - [`types`]: block environment, receipts, outcomes, rejection reasons.
//!
//! **Invariant:** no map is iterated where order can reach an output: the state root is a
//! commutative sum, rollback restores each account independently, receipts follow transaction
//! order. revm's maps (and ours, keyed like them) iterate in a different order every run.

pub mod asm;
pub mod block;
pub mod contracts;
pub mod hbtc;
pub mod journal;
pub mod l1_block;
pub mod machine;
pub mod precompiles;
pub mod state_root;
pub mod types;

pub use block::{BlockBuilder, HvmUndo};
pub use machine::Hvm;
pub use types::{BlockEnvSpec, BlockOutcome, Receipt, RejectReason, TxRejected};

#[cfg(test)]
mod tests;
