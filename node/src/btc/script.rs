//! Scripts and placeholder signatures of the mock chain's wallets.
//!
//! Wallets pay to P2PKH scripts whose key hash is derived from a name ("miner-3", "background"),
//! so every script is reproducible from the scenario. Signatures are not checked by the mock
//! chain, but inputs carry a placeholder `scriptSig` of realistic size (a 72-byte signature and a
//! 33-byte compressed key), so transaction weights and fees are those of real P2PKH spends.

use bitcoin::hashes::{Hash, hash160};
use bitcoin::script::PushBytesBuf;
use bitcoin::{PubkeyHash, ScriptBuf};

/// The P2PKH script of the wallet called `name`.
pub fn p2pkh_for(name: &str) -> ScriptBuf {
    let key_hash = hash160::Hash::hash(format!("hemisim/wallet/{name}").as_bytes());
    ScriptBuf::new_p2pkh(&PubkeyHash::from_raw_hash(key_hash))
}

/// A `scriptSig` the size of a real P2PKH one: <72-byte signature> <33-byte public key>.
pub fn placeholder_script_sig() -> ScriptBuf {
    let signature = PushBytesBuf::try_from(vec![0x30u8; 72]).expect("72 bytes fit a push");
    let pubkey = PushBytesBuf::try_from(vec![0x02u8; 33]).expect("33 bytes fit a push");
    bitcoin::script::Builder::new().push_slice(signature).push_slice(pubkey).into_script()
}
