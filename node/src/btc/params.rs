//! Consensus parameters of the mock Bitcoin chain and the rules it does and does not check.
//!
//! The chain uses regtest's proof-of-work limit (`bits = 0x207fffff`): every block carries a real
//! header whose proof of work verifies, and finding one takes about two hashes, so block arrival
//! times come from the simulator (exponential inter-arrival), not from hashing. All blocks have
//! the same work, so "most work" is "longest", as on Bitcoin between difficulty adjustments.
//!
//! Checked: proof of work against the fixed target, merkle root, known parent, block weight,
//! inputs exist and are unspent, no value created, coinbase pays at most subsidy + fees.
//! Not checked (documented simplifications): scripts and signatures, coinbase maturity,
//! timestamps, difficulty adjustment, BIP 34 heights.

use crate::units::FeeRate;
use bitcoin::{Amount, CompactTarget};

/// Proof-of-work limit of regtest, in compact form: about one hash in two meets it.
pub const POW_BITS_CONSENSUS: u32 = 0x207f_ffff;

/// [`POW_BITS_CONSENSUS`] as the header field type.
pub fn pow_bits() -> CompactTarget {
    CompactTarget::from_consensus(POW_BITS_CONSENSUS)
}

/// Block subsidy of the mock chain: today's (fourth halving era); no halvings within a run.
pub const SUBSIDY: Amount = Amount::from_sat(312_500_000);

/// Header timestamp of simulated time zero (2026-01-01T00:00:00Z).
pub const EPOCH_UNIX_S: u32 = 1_767_225_600;

/// Minimum fee rate a mempool accepts and an estimate returns (1 sat/vB).
pub const MIN_RELAY_FEE_RATE: FeeRate = FeeRate::from_sat_per_vb(1.0);

/// Outputs below this value are not created by wallets (Bitcoin Core's P2PKH dust limit).
pub const DUST_LIMIT: Amount = Amount::from_sat(546);

/// Per-run chain parameters chosen by the scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChainParams {
    /// Maximum block weight (BIP 141 weight units).
    pub max_block_weight: u64,
}
