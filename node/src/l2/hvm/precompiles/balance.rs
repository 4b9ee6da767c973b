//! The address precompiles: 0x40 BtcBalAddr, 0x41 BtcUtxosAddrList, 0x46 BtcAddrToScript.
//!
//! All three take the address as its ASCII string (no length prefix, no padding) and, in Hemi,
//! go through `btcutil.DecodeAddress` + `txscript.PayToAddrScript` (op-geth
//! `core/vm/contracts.go` `btcBalAddr.Run`, `btcUtxosAddrList.Run`, `btcAddrToScript.Run`;
//! heminetwork `service/tbc` `BalanceByAddress`, `UtxosByAddress`).

use super::{Answer, MIN_ADDRESS_LEN, display_order, script_for_address};
use crate::l2::btc_view::BtcView;
use bitcoin::hashes::Hash;

/// 0x40 BtcBalAddr, 50,000 gas.
///
/// - Input: the address string, at least 24 bytes.
/// - Output: 8 bytes, the sum in sats of the address's unspent outputs at the indexed tip
///   (u64 BE; 0 for an address that was never paid).
/// - Shorter than 24 bytes or undecodable: empty (Hemi returns `(nil, nil)` on a decode error).
pub(super) fn bal_addr(input: &[u8], view: &dyn BtcView) -> Answer {
    if input.len() < MIN_ADDRESS_LEN {
        return Answer::invalid();
    }
    let Some(script) = script_for_address(input) else {
        return Answer::invalid();
    };
    // The view keeps balances up to date: a busy address holds tens of thousands of outputs.
    Answer::Return(view.balance_of(&script).to_sat().to_be_bytes().to_vec())
}

/// Bytes per UTXO entry in 0x41's output: txid 32, vout 2, value 8.
pub const UTXO_ENTRY_LEN: usize = 42;

/// 0x41 BtcUtxosAddrList, 100,000 gas.
///
/// - Input: `address string ‖ start u24 BE ‖ page size u8`, at least 28 bytes. The address is
///   everything but the last 4 bytes. Despite its name in Hemi (`pg`), the u24 is an *offset*
///   into the address's UTXO list (TBC skips that many entries); page size 0 means 10.
/// - Output: `count u8 ‖ count × (txid 32 display order ‖ vout u16 BE ‖ value u64 BE)`, the
///   UTXOs in the index's order (by txid, then vout). vout is truncated to 16 bits as Hemi does.
/// - Shorter than 28 bytes or undecodable address: empty. A valid address with no UTXOs (or an
///   offset past the end): the single byte `0x00`.
pub(super) fn utxos_addr_list(input: &[u8], view: &dyn BtcView) -> Answer {
    if input.len() < MIN_ADDRESS_LEN + 4 {
        return Answer::invalid();
    }
    let (address, paging) = input.split_at(input.len() - 4);
    let start = u32::from_be_bytes([0, paging[0], paging[1], paging[2]]) as usize;
    let page_size = match paging[3] {
        0 => 10,
        n => n as usize,
    };
    let Some(script) = script_for_address(address) else {
        return Answer::invalid();
    };
    let page = view.utxos_page(&script, start, page_size);
    let mut out = Vec::with_capacity(1 + page.len() * UTXO_ENTRY_LEN);
    // page_size <= 255, so the count fits; Hemi writes `len & 0xFF`.
    out.push(page.len() as u8);
    for utxo in &page {
        out.extend_from_slice(&display_order(utxo.txid.to_byte_array()));
        out.extend_from_slice(&(utxo.vout as u16).to_be_bytes());
        out.extend_from_slice(&utxo.value.to_sat().to_be_bytes());
    }
    Answer::Return(out)
}

/// 0x46 BtcAddrToScript, 25,000 gas.
///
/// - Input: the address string, at least 24 bytes.
/// - Output: its scriptPubKey, raw (e.g. 25 bytes `76a914…88ac` for P2PKH, 22 bytes `0014…`
///   for P2WPKH). Needs no Bitcoin state.
/// - Shorter than 24 bytes: empty. Long enough but undecodable: a **failure** (Hemi returns the
///   decode error; the call fails and burns its gas).
pub(super) fn addr_to_script(input: &[u8]) -> Answer {
    if input.len() < MIN_ADDRESS_LEN {
        return Answer::invalid();
    }
    match script_for_address(input) {
        Some(script) => Answer::Return(script.into_bytes()),
        None => Answer::Fail("btcAddrToScript: undecodable Bitcoin address"),
    }
}
