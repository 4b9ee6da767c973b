//! Bitcoin address strings to output scripts, as Hemi's `btcutil.DecodeAddress` +
//! `txscript.PayToAddrScript` do for the regtest-like mock chain.
//!
//! Accepted: base58 P2PKH/P2SH with the testnet/regtest prefixes (0x6f/0xc4), bech32 `bcrt1`
//! segwit v0 (P2WPKH, P2WSH) and bech32m v1 taproot with a 32-byte program, and, as btcutil
//! does, a hex-encoded public key (66 or 130 hex digits) meaning pay-to-pubkey. Refused like
//! btcutil refuses them: other witness versions or v1 lengths (including pay-to-anchor), other
//! networks, non-UTF-8 bytes. Known difference: btcutil also accepts the "hybrid" public-key
//! encoding (0x06/0x07), which the secp256k1 crate rejects; no workload uses it.

use bitcoin::address::{AddressType, NetworkUnchecked};
use bitcoin::{Address, Network, PublicKey, ScriptBuf};
use std::str::FromStr;

/// The scriptPubKey a Bitcoin address string pays to, or `None` if it does not decode.
pub fn script_for_address(input: &[u8]) -> Option<ScriptBuf> {
    let text = std::str::from_utf8(input).ok()?;
    if let Some(script) = pay_to_pubkey_hex(text) {
        return Some(script);
    }
    let address = Address::<NetworkUnchecked>::from_str(text).ok()?.require_network(Network::Regtest).ok()?;
    match address.address_type()? {
        AddressType::P2pkh | AddressType::P2sh | AddressType::P2wpkh | AddressType::P2wsh | AddressType::P2tr => {
            Some(address.script_pubkey())
        }
        // btcutil knows no pay-to-anchor address (a v1 program of 2 bytes).
        _ => None,
    }
}

/// btcutil decodes a 66- or 130-hex-digit string as a public key address (P2PK).
fn pay_to_pubkey_hex(text: &str) -> Option<ScriptBuf> {
    if text.len() != 66 && text.len() != 130 {
        return None;
    }
    let key = PublicKey::from_str(text).ok()?;
    Some(ScriptBuf::new_p2pk(&key))
}
