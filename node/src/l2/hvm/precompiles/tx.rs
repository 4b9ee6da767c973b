//! The transaction precompiles: 0x42 BtcTxByTxid and 0x43 BtcTxConfirmations (op-geth
//! `core/vm/contracts.go` `btcTxByTxid.Run`, `btcTxConfirmations.Run`).

use super::{Answer, display_order};
use crate::l2::btc_view::BtcView;
use bitcoin::hashes::Hash;
use bitcoin::opcodes::all::OP_RETURN;
use bitcoin::{Script, Transaction, Txid};

/// A txid given in display order (as block explorers show it), turned into a [`Txid`].
fn txid_from_display(bytes: &[u8; 32]) -> Txid {
    Txid::from_byte_array(display_order(*bytes))
}

/// 0x43 BtcTxConfirmations, 5,000 gas.
///
/// - Input: txid, 32 bytes, display order. Exactly 32 bytes: anything else is empty output
///   (the 4-byte input of Hemi's mainnet incident, PR #1073, included).
/// - Output: u32 BE = header tip height − height of the tx's block + 1, counted against the L2
///   chain's Bitcoin *header* tip (`TBCUpstreamTip`), not the indexed tip; computed in 64 bits
///   and truncated, so a tx above the tip wraps (Hemi pins that as deployed behaviour).
/// - A txid that is not indexed: a **failure** (Hemi returns TBC's not-found error; the call
///   fails and burns its gas — kept deliberately, unlike its sibling precompiles).
pub(super) fn tx_confirmations(input: &[u8], view: &dyn BtcView) -> Answer {
    let Ok(txid_bytes) = <&[u8; 32]>::try_from(input) else {
        return Answer::invalid();
    };
    let Some(indexed) = view.transaction(&txid_from_display(txid_bytes)) else {
        return Answer::Fail("btcTxConfirmations: transaction not found");
    };
    let Some((tip_height, _)) = view.header_tip() else {
        return Answer::Fail("btcTxConfirmations: no Bitcoin tip");
    };
    let confirmations = u64::from(tip_height.0).wrapping_sub(u64::from(indexed.block_height.0)).wrapping_add(1) as u32;
    Answer::Return(confirmations.to_be_bytes().to_vec())
}

/// The 4 bytes after the txid in 0x42's input, decoded as Hemi decodes them.
///
/// This is the 2025 layout. The October 2024 one (and Hemi's `BitcoinKit.sol` in
/// `bitcoin-tunnel-contracts`, which still parses it) differs: `flags[0]` bit 7 reserved for a
/// tx hash, `flags[1]` bit 6 outputs, bit 5 output scripts, bit 4 output addresses, bit 3
/// unspendable outputs, bit 2 spent status, bit 1 spender; no witness counts; the spent vout
/// as u16, not u32.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxFields {
    /// `flags[0]` bit 6 (0x40): the containing block's hash.
    pub containing_block: bool,
    /// `flags[0]` bit 5 (0x20): version.
    pub version: bool,
    /// `flags[0]` bit 4 (0x10): size with witness, then size without.
    pub sizes: bool,
    /// `flags[0]` bit 3 (0x08): lock time.
    pub lock_time: bool,
    /// `flags[0]` bit 2 (0x04): the inputs (count, then per input at least its value).
    pub inputs: bool,
    /// `flags[0]` bit 1 (0x02): per input, the spent outpoint.
    pub input_source: bool,
    /// `flags[0]` bit 0 (0x01): per input, the scriptSig.
    pub input_script_sig: bool,
    /// `flags[1]` bit 7 (0x80): per input, the sequence.
    pub input_sequence: bool,
    /// Per input, the witness item count. Hemi reads this from `flags[0]` bit 6, the same bit as
    /// `containing_block` (`flags[1]` bit 6 is unused): asking for the block also adds it.
    pub witness_count: bool,
    /// `flags[1]` bit 5 (0x20): the outputs (count, then per output at least its value).
    pub outputs: bool,
    /// `flags[1]` bit 4 (0x10): per output, the scriptPubKey.
    pub output_script: bool,
    /// `flags[1]` bit 3 (0x08): also list unspendable outputs (OP_RETURN, oversize, malformed).
    pub unspendable_outputs: bool,
    /// `flags[1]` bit 2 (0x04): per output, one byte: 1 if it is still **unspent** (Hemi's
    /// `ScriptHashAvailableToSpend`), 0 if spent.
    pub output_unspent: bool,
    /// `flags[2]` bits 3–5: at most 2^x inputs listed.
    pub max_inputs: usize,
    /// `flags[2]` bits 0–2: at most 2^x outputs listed.
    pub max_outputs: usize,
    /// `flags[3]` bits 2–3: scriptSigs cut to 2^(4+x) bytes.
    pub max_script_sig_len: usize,
    /// `flags[3]` bits 0–1: scriptPubKeys cut to 2^(4+x) bytes.
    pub max_output_script_len: usize,
}

impl TxFields {
    pub fn from_flags(flags: [u8; 4]) -> Self {
        let bit = |byte: u8, n: u8| byte & (1 << n) != 0;
        TxFields {
            containing_block: bit(flags[0], 6),
            version: bit(flags[0], 5),
            sizes: bit(flags[0], 4),
            lock_time: bit(flags[0], 3),
            inputs: bit(flags[0], 2),
            input_source: bit(flags[0], 1),
            input_script_sig: bit(flags[0], 0),
            input_sequence: bit(flags[1], 7),
            witness_count: bit(flags[0], 6),
            outputs: bit(flags[1], 5),
            output_script: bit(flags[1], 4),
            unspendable_outputs: bit(flags[1], 3),
            output_unspent: bit(flags[1], 2),
            max_inputs: 1 << ((flags[2] >> 3) & 0x07),
            max_outputs: 1 << (flags[2] & 0x07),
            max_script_sig_len: 1 << (4 + ((flags[3] >> 2) & 0x03)),
            max_output_script_len: 1 << (4 + (flags[3] & 0x03)),
        }
    }
}

/// 0x42 BtcTxByTxid, 25,000 gas.
///
/// - Input: `txid 32 (display order) ‖ 4 flag bytes` ([`TxFields`]), exactly 36 bytes.
/// - Output, each part present only if its flag is set, in this order:
///   1. containing block hash, 32, display order;
///   2. version u32; 3. total size u32, then stripped size u32; 4. lock time u32;
///   5. inputs: count u16 (all inputs, capped at 65535), then for the first `max_inputs`:
///      [witness item count u16] ‖ value of the spent output u64 ‖ [spent txid 32 display ‖
///      spent vout u32] ‖ [scriptSig full length u16 ‖ scriptSig cut to the limit] ‖ [sequence u32];
///   6. outputs: count u16 (all outputs, minus unspendable ones unless they are asked for), then
///      for the first `max_outputs` listed: value u64 ‖ [script full length u16 ‖ script cut to
///      the limit] ‖ [unspent flag u8].
/// - Wrong length, unknown txid, or an input whose spent output is not indexed (e.g. any
///   coinbase input when inputs are asked for): empty.
pub(super) fn tx_by_txid(input: &[u8], view: &dyn BtcView) -> Answer {
    let Ok(input) = <&[u8; 36]>::try_from(input) else {
        return Answer::invalid();
    };
    let mut txid_bytes = [0u8; 32];
    txid_bytes.copy_from_slice(&input[..32]);
    let txid = txid_from_display(&txid_bytes);
    let fields = TxFields::from_flags([input[32], input[33], input[34], input[35]]);
    let Some(indexed) = view.transaction(&txid) else {
        return Answer::invalid();
    };
    let tx = &indexed.tx;
    let mut out = Vec::new();
    if fields.containing_block {
        out.extend_from_slice(&display_order(indexed.block_hash.to_byte_array()));
    }
    if fields.version {
        out.extend_from_slice(&(tx.version.0 as u32).to_be_bytes());
    }
    if fields.sizes {
        out.extend_from_slice(&(tx.total_size() as u32).to_be_bytes());
        out.extend_from_slice(&(tx.base_size() as u32).to_be_bytes());
    }
    if fields.lock_time {
        out.extend_from_slice(&tx.lock_time.to_consensus_u32().to_be_bytes());
    }
    if fields.inputs && encode_inputs(tx, &fields, view, &mut out).is_none() {
        return Answer::invalid();
    }
    if fields.outputs {
        encode_outputs(tx, txid, &fields, view, &mut out);
    }
    Answer::Return(out)
}

/// `None` when a spent output cannot be found: Hemi then returns empty output for the whole call.
fn encode_inputs(tx: &Transaction, f: &TxFields, view: &dyn BtcView, out: &mut Vec<u8>) -> Option<()> {
    out.extend_from_slice(&capped_u16(tx.input.len()).to_be_bytes());
    for input in tx.input.iter().take(f.max_inputs) {
        if f.witness_count {
            out.extend_from_slice(&capped_u16(input.witness.len()).to_be_bytes());
        }
        let spent = view.transaction(&input.previous_output.txid)?;
        let value = spent.tx.output.get(input.previous_output.vout as usize)?.value;
        out.extend_from_slice(&value.to_sat().to_be_bytes());
        if f.input_source {
            out.extend_from_slice(&display_order(input.previous_output.txid.to_byte_array()));
            out.extend_from_slice(&input.previous_output.vout.to_be_bytes());
        }
        if f.input_script_sig {
            put_capped_bytes(input.script_sig.as_bytes(), f.max_script_sig_len, out);
        }
        if f.input_sequence {
            out.extend_from_slice(&input.sequence.0.to_be_bytes());
        }
    }
    Some(())
}

fn encode_outputs(tx: &Transaction, txid: Txid, f: &TxFields, view: &dyn BtcView, out: &mut Vec<u8>) {
    let listed = |script: &Script| f.unspendable_outputs || !is_unspendable(script);
    let count = tx.output.iter().filter(|o| listed(&o.script_pubkey)).count();
    out.extend_from_slice(&capped_u16(count).to_be_bytes());
    let chosen = tx.output.iter().enumerate().filter(|(_, o)| listed(&o.script_pubkey));
    for (vout, output) in chosen.take(f.max_outputs) {
        out.extend_from_slice(&output.value.to_sat().to_be_bytes());
        if f.output_script {
            put_capped_bytes(output.script_pubkey.as_bytes(), f.max_output_script_len, out);
        }
        if f.output_unspent {
            // An unspendable output never enters a UTXO set, whatever the view says.
            let unspent = !is_unspendable(&output.script_pubkey)
                && view.utxos_of(&output.script_pubkey).iter().any(|u| u.txid == txid && u.vout as usize == vout);
            out.push(u8::from(unspent));
        }
    }
}

/// `full length u16 (capped) ‖ the bytes cut to `limit``, as Hemi writes scripts.
fn put_capped_bytes(bytes: &[u8], limit: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(&capped_u16(bytes.len()).to_be_bytes());
    out.extend_from_slice(&bytes[..bytes.len().min(limit)]);
}

fn capped_u16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// btcd's `txscript.IsUnspendable`: starts with OP_RETURN, is longer than the 10,000-byte
/// script limit, or does not parse (a push running past the end).
pub fn is_unspendable(script: &Script) -> bool {
    const MAX_SCRIPT_SIZE: usize = 10_000;
    script.as_bytes().first() == Some(&OP_RETURN.to_u8())
        || script.len() > MAX_SCRIPT_SIZE
        || script.instructions().any(|i| i.is_err())
}
