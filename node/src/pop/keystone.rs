//! Keystones: the L2 blocks Proof-of-Proof miners publish on Bitcoin, in Hemi's exact formats.
//!
//! Full keystone (`hemi.L2Keystone`): version, L1 block number, L2 block number, parent hash,
//! previous-keystone hash, state root, block hash. What goes on Bitcoin is its 76-byte
//! abbreviation (`L2KeystoneAbrev`, big-endian):
//!
//! ```text
//! [0:1]   version = 1           [1:5]  L1 block number     [5:9]  L2 block number
//! [9:20]  parent hash[..11]     [20:32] previous keystone hash[..12]
//! [32:64] state root            [64:76] block hash[..12]
//! ```
//!
//! The keystone hash is the double SHA-256 of those 76 bytes, shown byte-reversed like a txid.
//! A PoP payload is `HEMI` + the 76 bytes, carried by `OP_RETURN OP_PUSHDATA1 80 <payload>`.

use bitcoin::hashes::{Hash, sha256d};
use bitcoin::script::{Instruction, PushBytesBuf};
use bitcoin::{Script, ScriptBuf, Transaction};
use std::fmt;
use thiserror::Error;

/// The only keystone version there is.
pub const KEYSTONE_VERSION: u8 = 1;
/// Length of an abbreviated keystone.
pub const ABBREVIATED_LEN: usize = 76;
/// The four bytes that open a PoP payload.
pub const POP_MAGIC: &[u8; 4] = b"HEMI";

/// A full L2 keystone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keystone {
    pub version: u8,
    pub l1_block_number: u32,
    pub l2_block_number: u32,
    pub parent_hash: [u8; 32],
    pub prev_keystone_hash: [u8; 32],
    pub state_root: [u8; 32],
    pub block_hash: [u8; 32],
}

/// The abbreviated keystone: what Bitcoin carries and what the keystone hash covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbbreviatedKeystone {
    pub version: u8,
    pub l1_block_number: u32,
    pub l2_block_number: u32,
    pub parent_hash: [u8; 11],
    pub prev_keystone_hash: [u8; 12],
    pub state_root: [u8; 32],
    pub block_hash: [u8; 12],
}

/// Why bytes are not a keystone or a PoP payload.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeystoneError {
    #[error("an abbreviated keystone is {ABBREVIATED_LEN} bytes, got {0}")]
    Length(usize),
    #[error("keystone version {0} is not supported (only version {KEYSTONE_VERSION})")]
    Version(u8),
    #[error("not an OP_RETURN script")]
    NotOpReturn,
    #[error("the OP_RETURN carries no data push")]
    NoPush,
    #[error("the OP_RETURN data does not start with \"HEMI\"")]
    NotHemi,
    #[error("no output of the transaction carries a Hemi PoP payload")]
    NoPayload,
}

/// The hash of a keystone: double SHA-256 of the abbreviated bytes. `Display` shows it
/// byte-reversed, as Bitcoin shows txids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeystoneHash(pub sha256d::Hash);

impl fmt::Display for KeystoneHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Keystone {
    pub fn abbreviate(&self) -> AbbreviatedKeystone {
        AbbreviatedKeystone {
            version: self.version,
            l1_block_number: self.l1_block_number,
            l2_block_number: self.l2_block_number,
            parent_hash: prefix(&self.parent_hash),
            prev_keystone_hash: prefix(&self.prev_keystone_hash),
            state_root: self.state_root,
            block_hash: prefix(&self.block_hash),
        }
    }

    pub fn hash(&self) -> KeystoneHash {
        self.abbreviate().hash()
    }
}

fn prefix<const N: usize>(bytes: &[u8; 32]) -> [u8; N] {
    bytes[..N].try_into().expect("N is at most 32")
}

impl AbbreviatedKeystone {
    pub fn serialize(&self) -> [u8; ABBREVIATED_LEN] {
        let mut out = [0u8; ABBREVIATED_LEN];
        out[0] = self.version;
        out[1..5].copy_from_slice(&self.l1_block_number.to_be_bytes());
        out[5..9].copy_from_slice(&self.l2_block_number.to_be_bytes());
        out[9..20].copy_from_slice(&self.parent_hash);
        out[20..32].copy_from_slice(&self.prev_keystone_hash);
        out[32..64].copy_from_slice(&self.state_root);
        out[64..76].copy_from_slice(&self.block_hash);
        out
    }

    /// Parses exactly 76 bytes of version 1.
    pub fn parse(bytes: &[u8]) -> Result<Self, KeystoneError> {
        let bytes: &[u8; ABBREVIATED_LEN] = bytes.try_into().map_err(|_| KeystoneError::Length(bytes.len()))?;
        if bytes[0] != KEYSTONE_VERSION {
            return Err(KeystoneError::Version(bytes[0]));
        }
        let field = |from: usize, to: usize| &bytes[from..to];
        Ok(AbbreviatedKeystone {
            version: bytes[0],
            l1_block_number: u32::from_be_bytes(field(1, 5).try_into().expect("4 bytes")),
            l2_block_number: u32::from_be_bytes(field(5, 9).try_into().expect("4 bytes")),
            parent_hash: field(9, 20).try_into().expect("11 bytes"),
            prev_keystone_hash: field(20, 32).try_into().expect("12 bytes"),
            state_root: field(32, 64).try_into().expect("32 bytes"),
            block_hash: field(64, 76).try_into().expect("12 bytes"),
        })
    }

    pub fn hash(&self) -> KeystoneHash {
        KeystoneHash(sha256d::Hash::hash(&self.serialize()))
    }

    /// `HEMI` followed by the 76 bytes.
    pub fn pop_payload(&self) -> [u8; 80] {
        let mut payload = [0u8; 80];
        payload[..4].copy_from_slice(POP_MAGIC);
        payload[4..].copy_from_slice(&self.serialize());
        payload
    }

    /// `OP_RETURN OP_PUSHDATA1 80 <payload>`: 83 bytes.
    pub fn pop_script(&self) -> ScriptBuf {
        let push = PushBytesBuf::try_from(self.pop_payload().to_vec()).expect("80 bytes fit a push");
        ScriptBuf::new_op_return(push)
    }

    /// The keystone in a PoP output script, as Hemi recognises one: the first push after
    /// OP_RETURN, at least 5 bytes, starting with `HEMI`, the rest an abbreviated keystone.
    pub fn from_pop_script(script: &Script) -> Result<Self, KeystoneError> {
        if !script.is_op_return() {
            return Err(KeystoneError::NotOpReturn);
        }
        let data = script
            .instructions()
            .skip(1)
            .find_map(|i| match i {
                Ok(Instruction::PushBytes(bytes)) => Some(bytes.as_bytes().to_vec()),
                _ => None,
            })
            .ok_or(KeystoneError::NoPush)?;
        if data.len() < 5 || &data[..4] != POP_MAGIC {
            return Err(KeystoneError::NotHemi);
        }
        AbbreviatedKeystone::parse(&data[4..])
    }

    /// The first keystone carried by a non-coinbase transaction's outputs.
    pub fn from_pop_transaction(tx: &Transaction) -> Result<Self, KeystoneError> {
        if tx.is_coinbase() {
            return Err(KeystoneError::NoPayload);
        }
        tx.output.iter().find_map(|o| Self::from_pop_script(&o.script_pubkey).ok()).ok_or(KeystoneError::NoPayload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::sha256;

    fn sha(bytes: &[u8]) -> [u8; 32] {
        sha256::Hash::hash(bytes).to_byte_array()
    }

    /// Hemi's `internal/testutil.MakeSharedKeystones`: keystone i (1-based).
    fn shared_keystones(n: u8) -> Vec<Keystone> {
        let mut previous_block_hash = sha(&[0]);
        (1..=n)
            .map(|i| {
                let k = Keystone {
                    version: 1,
                    l1_block_number: 10_000 + i as u32,
                    l2_block_number: 25 * i as u32,
                    parent_hash: sha(&[i, i]),
                    prev_keystone_hash: previous_block_hash,
                    state_root: sha(&[i, i, i]),
                    block_hash: sha(&[i]),
                };
                previous_block_hash = k.block_hash;
                k
            })
            .collect()
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hemi_test_vectors() {
        let ks = shared_keystones(2);
        assert_eq!(
            hex(&ks[0].abbreviate().serialize()),
            "0100002711000000199dcf97a184f32623d11a736e340b9cffb37a989ca544e675c8fd04ad916aec3e3d5cb76a452b116b3d4d0912a0a485e9fb8e3d240e210c4bf5122f344554c53bde2ebb"
        );
        assert_eq!(ks[0].hash().to_string(), "c1d7ee497897038a7756fe4c77daf78b40ddbb3b0f1659b261e5774984c583d6");
        assert_eq!(ks[1].hash().to_string(), "66786d9932a636bd2485418b7961e6efe3e48bca79e910ca906080034683b37f");
    }

    #[test]
    fn round_trips_through_bytes_script_and_transaction() {
        let abbreviated = shared_keystones(1)[0].abbreviate();
        assert_eq!(AbbreviatedKeystone::parse(&abbreviated.serialize()), Ok(abbreviated));
        let script = abbreviated.pop_script();
        assert_eq!(script.len(), 83);
        assert_eq!(&script.as_bytes()[..3], &[0x6a, 0x4c, 0x50]);
        assert_eq!(AbbreviatedKeystone::from_pop_script(&script), Ok(abbreviated));
        let tx = Transaction {
            version: bitcoin::transaction::Version::TWO,
            lock_time: bitcoin::absolute::LockTime::ZERO,
            input: vec![bitcoin::TxIn {
                previous_output: bitcoin::OutPoint { txid: bitcoin::Txid::from_byte_array([1; 32]), vout: 0 },
                ..Default::default()
            }],
            output: vec![bitcoin::TxOut { value: bitcoin::Amount::ZERO, script_pubkey: script }],
        };
        assert_eq!(AbbreviatedKeystone::from_pop_transaction(&tx), Ok(abbreviated));
    }

    #[test]
    fn bad_versions_lengths_and_payloads_are_refused() {
        let mut bytes = shared_keystones(1)[0].abbreviate().serialize();
        assert_eq!(AbbreviatedKeystone::parse(&bytes[..75]), Err(KeystoneError::Length(75)));
        assert_eq!(AbbreviatedKeystone::parse(&[bytes.as_slice(), &[0]].concat()), Err(KeystoneError::Length(77)));
        bytes[0] = 2;
        assert_eq!(AbbreviatedKeystone::parse(&bytes), Err(KeystoneError::Version(2)));
        let p2pkh = crate::btc::script::p2pkh_for("x");
        assert_eq!(AbbreviatedKeystone::from_pop_script(&p2pkh), Err(KeystoneError::NotOpReturn));
        let other = ScriptBuf::new_op_return(PushBytesBuf::try_from(b"HEMX12345".to_vec()).expect("small"));
        assert_eq!(AbbreviatedKeystone::from_pop_script(&other), Err(KeystoneError::NotHemi));
        let short = ScriptBuf::new_op_return(PushBytesBuf::try_from(b"HEMI".to_vec()).expect("small"));
        assert_eq!(AbbreviatedKeystone::from_pop_script(&short), Err(KeystoneError::NotHemi));
        let truncated = ScriptBuf::new_op_return(PushBytesBuf::try_from(b"HEMI\x01\x02".to_vec()).expect("small"));
        assert_eq!(AbbreviatedKeystone::from_pop_script(&truncated), Err(KeystoneError::Length(2)));
    }
}
