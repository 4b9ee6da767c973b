//! The deposit bundle: one minted deposit's chain of trust as raw data (hex of consensus bytes),
//! in the JSON file `provenance/deposits/<txid>.json`, and the byte codecs both sides share.
//!
//! A bundle holds data only, never a verdict: everything `hemisim verify` reports is recomputed
//! from these bytes and the Bitcoin headers file. Nothing is stored twice except where a
//! redundant value is itself checked (the prev-keystone hash, rebuilt from the L2 chain).

use bitcoin::BlockHash;
use bitcoin::block::Header;
use bitcoin::consensus::encode::deserialize;
use bitcoin::hashes::Hash;
use bitcoin::hex::{DisplayHex, FromHex};
use hemisim_node::l2::block::{BtcAttributes, L2Header};
use hemisim_node::l2::tx::{Address, B256};
use hemisim_node::units::{BtcHeight, L2Number};
use serde::{Deserialize, Serialize};

/// Bumped when the bundle's layout changes, so an old verifier refuses a new file.
pub const BUNDLE_FORMAT: u32 = 1;
/// Length of [`L2Header::encode`]: number, parent, timestamp, gas limit, gas used, three roots,
/// Bitcoin tip height and hash.
pub const L2_HEADER_LEN: usize = 8 + 32 + 8 + 8 + 8 + 32 + 32 + 32 + 4 + 32;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositBundle {
    pub format: u32,
    /// The run that wrote the bundle, so that `hemisim verify` can tell a bundle that sits in
    /// another run's folder ([`super::origin`]); `None` until [`super::write`] stamps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunRef>,
    pub params: Params,
    /// The deposit's inclusion in the main chain; `None` when no main-chain block holds it (the
    /// mint is then unbacked, and verification says so).
    pub deposit: Option<BtcInclusion>,
    pub minting_block: MintingBlock,
    /// The keystone covering the minting block and its publication; `None` without PoP or before
    /// any covering keystone is on the main chain.
    pub anchor: Option<Anchor>,
}

/// Which run a bundle belongs to: its seed and trace hash (as its `manifest.json` and
/// `summary.json` give them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRef {
    pub seed: u64,
    pub trace_hash: String,
}

/// The run's parameters a verifier needs (from the scenario, not from the chain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    pub vault_script_hex: String,
    pub deposit_confirmations: u32,
    pub indexer_lag: u32,
    pub keystone_interval_blocks: Option<u32>,
    pub superfinality_depth: u32,
    /// The first keystone's previous-keystone hash.
    pub l2_genesis_hash: String,
}

/// A Bitcoin transaction in a main-chain block: raw transaction, height, `MerkleBlock` proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BtcInclusion {
    pub tx_hex: String,
    pub btc_height: u32,
    pub merkle_block_hex: String,
}

/// Everything the minting block's transactions root commits to, and its header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MintingBlock {
    /// [`L2Header::encode`] bytes: its keccak-256 is the block hash.
    pub header_hex: String,
    /// [`BtcAttributes::encode`] bytes.
    pub attributes_hex: String,
    pub mints: Vec<MintEntry>,
    /// User transaction hashes, in block order.
    pub tx_hashes: Vec<String>,
    /// Index of this deposit's mint in `mints`.
    pub mint_position: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MintEntry {
    /// Display (byte-reversed) order, as Bitcoin shows txids.
    pub txid: String,
    pub vout: u32,
    pub recipient: String,
    pub amount_sats: u64,
    /// The deposit's height in the minting block's Bitcoin view.
    pub btc_height: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// Consecutive L2 headers ([`L2Header::encode`] hex), lowest first, ending at the keystone
    /// block; they start at the minting block or at the block one keystone interval below the
    /// keystone block, whichever is lower, so the previous-keystone hash is rebuilt from the chain
    /// (unless it is the L2 genesis).
    pub l2_headers_hex: Vec<String>,
    /// The keystone's previous-keystone hash, as the keystone maker chained it.
    pub prev_keystone_hash: String,
    /// The PoP transaction carrying the keystone, and its Bitcoin block.
    pub pop: BtcInclusion,
}

impl MintEntry {
    pub fn of(mint: &hemisim_node::tunnel::Mint) -> Self {
        MintEntry {
            txid: mint.outpoint.txid.to_string(),
            vout: mint.outpoint.vout,
            recipient: hex0x(mint.recipient.as_slice()),
            amount_sats: mint.amount.to_sat(),
            btc_height: mint.btc_height.0,
        }
    }

    /// The mint back, or which field is malformed.
    pub fn decode(&self) -> Result<hemisim_node::tunnel::Mint, String> {
        let txid = self.txid.parse::<bitcoin::Txid>().map_err(|e| format!("mint txid {:?}: {e}", self.txid))?;
        let recipient = Address::from(fixed::<20>(&self.recipient).map_err(|e| format!("mint recipient: {e}"))?);
        Ok(hemisim_node::tunnel::Mint {
            outpoint: bitcoin::OutPoint { txid, vout: self.vout },
            recipient,
            amount: bitcoin::Amount::from_sat(self.amount_sats),
            btc_height: BtcHeight(self.btc_height),
        })
    }
}

/// `0x` + lower-case hex, as L2 hashes and addresses are written.
pub fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", bytes.to_lower_hex_string())
}

/// Bytes from hex (an optional `0x` prefix is accepted).
pub fn bytes(text: &str) -> Result<Vec<u8>, String> {
    Vec::<u8>::from_hex(text.strip_prefix("0x").unwrap_or(text)).map_err(|e| format!("not hex: {e}"))
}

/// Exactly `N` bytes from hex.
pub fn fixed<const N: usize>(text: &str) -> Result<[u8; N], String> {
    let got = bytes(text)?;
    got.as_slice().try_into().map_err(|_| format!("expected {N} bytes, got {}", got.len()))
}

pub fn b256(text: &str) -> Result<B256, String> {
    fixed::<32>(text).map(B256::from)
}

/// The inverse of [`L2Header::encode`]; `None` unless exactly [`L2_HEADER_LEN`] bytes.
pub fn decode_l2_header(bytes: &[u8]) -> Option<L2Header> {
    if bytes.len() != L2_HEADER_LEN {
        return None;
    }
    let mut at = 0;
    let mut take = |n: usize| {
        let field = &bytes[at..at + n];
        at += n;
        field
    };
    let u64_be = |b: &[u8]| u64::from_be_bytes(b.try_into().expect("8 bytes"));
    let b256 = |b: &[u8]| B256::from_slice(b);
    Some(L2Header {
        number: L2Number(u64_be(take(8))),
        parent_hash: b256(take(32)),
        timestamp_s: u64_be(take(8)),
        gas_limit: u64_be(take(8)),
        gas_used: u64_be(take(8)),
        state_root: b256(take(32)),
        transactions_root: b256(take(32)),
        withdrawals_root: b256(take(32)),
        btc_tip_height: BtcHeight(u32::from_be_bytes(take(4).try_into().expect("4 bytes"))),
        // `encode` writes the hash's consensus (internal) byte order.
        btc_tip_hash: BlockHash::from_byte_array(take(32).try_into().expect("32 bytes")),
        l1_origin: None,
    })
}

/// The inverse of [`BtcAttributes::encode`]: `0x7c`, fork height, count, count 80-byte headers.
pub fn decode_attributes(bytes: &[u8]) -> Option<BtcAttributes> {
    let (&[0x7c, f0, f1, f2, f3, count], rest) = bytes.split_first_chunk::<6>()? else { return None };
    if rest.len() != 80 * usize::from(count) {
        return None;
    }
    let headers = rest.chunks(80).map(deserialize::<Header>).collect::<Result<Vec<_>, _>>().ok()?;
    Some(BtcAttributes { fork_height: BtcHeight(u32::from_be_bytes([f0, f1, f2, f3])), headers })
}
