//! The header precompiles: 0x44 BtcLastHeader and 0x45 BtcHeaderN (op-geth
//! `core/vm/contracts.go` `btcLastHeader.Run`, `btcHeaderN.Run`).
//!
//! Both answer from hVM's *indexed* view, not the newest header: 0x44 reports the header the
//! UTXO/tx indexers are synced to (`TBCFullNode.UtxoIndexHash`), which trails the L2 chain's
//! Bitcoin tip by the indexer lag; 0x45 only returns a header whose block is in the tx index.

use super::{Answer, display_order};
use crate::l2::btc_view::BtcView;
use crate::units::BtcHeight;
use bitcoin::block::Header;
use bitcoin::hashes::Hash;

/// Length of the header encoding both return.
pub const HEADER_OUTPUT_LEN: usize = 116;

/// `height u32 ‖ block hash 32 ‖ version u32 ‖ prev hash 32 ‖ merkle root 32 ‖ time u32 ‖
/// bits u32 ‖ nonce u32`: integers big-endian, hashes in display order. 116 bytes.
pub fn encode_header(height: BtcHeight, header: &Header) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_OUTPUT_LEN);
    out.extend_from_slice(&height.0.to_be_bytes());
    out.extend_from_slice(&display_order(header.block_hash().to_byte_array()));
    out.extend_from_slice(&(header.version.to_consensus() as u32).to_be_bytes());
    out.extend_from_slice(&display_order(header.prev_blockhash.to_byte_array()));
    out.extend_from_slice(&display_order(header.merkle_root.to_byte_array()));
    out.extend_from_slice(&header.time.to_be_bytes());
    out.extend_from_slice(&header.bits.to_consensus().to_be_bytes());
    out.extend_from_slice(&header.nonce.to_be_bytes());
    out
}

/// 0x44 BtcLastHeader, 5,000 gas.
///
/// - Input: ignored (Hemi does no input validation here).
/// - Output: [`encode_header`] of the indexed tip (header tip − 2), 116 bytes.
/// - No indexed block yet: empty.
pub(super) fn last_header(_input: &[u8], view: &dyn BtcView) -> Answer {
    let Some(height) = view.indexed_tip() else {
        return Answer::invalid();
    };
    match view.header_at(height) {
        Some(header) => Answer::Return(encode_header(height, &header)),
        None => Answer::invalid(),
    }
}

/// 0x45 BtcHeaderN, 6,000 gas.
///
/// - Input: height u32 BE, exactly 4 bytes.
/// - Output: [`encode_header`] of the canonical header at that height, if its block is indexed
///   (height ≤ indexed tip).
/// - Any other length, or a height above the indexed tip: empty.
///
/// Hemi gates on `BlockInTxIndex`; its own tests note that the pinned heminetwork library makes
/// that gate always false (a key-length mismatch), so deployed 0x45 returns empty for every
/// height. This implements the intended behaviour instead; a scenario that wants the deployed
/// quirk can treat 0x45 as always empty.
pub(super) fn header_n(input: &[u8], view: &dyn BtcView) -> Answer {
    let Ok(height_bytes) = <[u8; 4]>::try_from(input) else {
        return Answer::invalid();
    };
    let height = BtcHeight(u32::from_be_bytes(height_bytes));
    match view.indexed_tip() {
        Some(indexed) if height <= indexed => match view.header_at(height) {
            Some(header) => Answer::Return(encode_header(height, &header)),
            None => Answer::invalid(),
        },
        _ => Answer::invalid(),
    }
}
