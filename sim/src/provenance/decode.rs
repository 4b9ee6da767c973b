//! From the files' text to bytes: the headers file and every hex field of a bundle. A failure
//! here is bad input (not hex, not JSON, wrong layout), not a broken link: which bytes a link
//! holds is judged by the link itself.

use super::bundle::{BUNDLE_FORMAT, BtcInclusion, DepositBundle, b256, bytes};
use super::verify::BadInput;
use bitcoin::ScriptBuf;
use bitcoin::block::Header;
use bitcoin::consensus::encode::deserialize;
use hemisim_node::l2::tx::B256;
use hemisim_node::tunnel::Mint;

/// A bundle with its hex decoded.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub vault: ScriptBuf,
    pub deposit_confirmations: u32,
    pub indexer_lag: u32,
    pub keystone_interval: Option<u32>,
    pub superfinality_depth: u32,
    pub l2_genesis_hash: B256,
    pub deposit: Option<RawInclusion>,
    pub header: Vec<u8>,
    pub attributes: Vec<u8>,
    pub mints: Vec<Mint>,
    pub tx_hashes: Vec<B256>,
    pub mint_position: u32,
    pub anchor: Option<RawAnchor>,
}

#[derive(Debug, Clone)]
pub struct RawInclusion {
    pub tx: Vec<u8>,
    pub btc_height: u32,
    pub proof: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct RawAnchor {
    pub l2_headers: Vec<Vec<u8>>,
    pub prev_keystone_hash: B256,
    pub pop: RawInclusion,
}

/// The headers file: one 80-byte header in hex per line, line i = height i.
pub fn headers(text: &str) -> Result<Vec<Header>, BadInput> {
    let headers = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let raw = bytes(line.trim())
                .and_then(|b| if b.len() == 80 { Ok(b) } else { Err(format!("expected 80 bytes, got {}", b.len())) });
            raw.and_then(|b| deserialize::<Header>(&b).map_err(|e| e.to_string()))
                .map_err(|e| BadInput(format!("{}, line {}: {e}", super::files::HEADERS_FILE, i + 1)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if headers.is_empty() {
        return Err(BadInput(format!("{} holds no header", super::files::HEADERS_FILE)));
    }
    Ok(headers)
}

/// Parses the bundle's JSON and decodes its hex fields.
pub fn bundle(json: &str) -> Result<Decoded, BadInput> {
    let bundle: DepositBundle =
        serde_json::from_str(json).map_err(|e| BadInput(format!("the deposit bundle is not a valid bundle: {e}")))?;
    if bundle.format != BUNDLE_FORMAT {
        return Err(BadInput(format!(
            "the deposit bundle has format {}, this verifier reads format {BUNDLE_FORMAT}",
            bundle.format
        )));
    }
    fn field(name: &'static str) -> impl Fn(String) -> BadInput {
        move |e| BadInput(format!("bundle field {name}: {e}"))
    }
    let (p, m) = (&bundle.params, &bundle.minting_block);
    let anchor = match &bundle.anchor {
        None => None,
        Some(a) => Some(RawAnchor {
            l2_headers: a
                .l2_headers_hex
                .iter()
                .map(|h| bytes(h))
                .collect::<Result<_, _>>()
                .map_err(field("anchor.l2_headers_hex"))?,
            prev_keystone_hash: b256(&a.prev_keystone_hash).map_err(field("anchor.prev_keystone_hash"))?,
            pop: inclusion(&a.pop).map_err(field("anchor.pop"))?,
        }),
    };
    Ok(Decoded {
        vault: ScriptBuf::from_bytes(bytes(&p.vault_script_hex).map_err(field("params.vault_script_hex"))?),
        deposit_confirmations: p.deposit_confirmations,
        indexer_lag: p.indexer_lag,
        keystone_interval: p.keystone_interval_blocks,
        superfinality_depth: p.superfinality_depth,
        l2_genesis_hash: b256(&p.l2_genesis_hash).map_err(field("params.l2_genesis_hash"))?,
        deposit: bundle.deposit.as_ref().map(inclusion).transpose().map_err(field("deposit"))?,
        header: bytes(&m.header_hex).map_err(field("minting_block.header_hex"))?,
        attributes: bytes(&m.attributes_hex).map_err(field("minting_block.attributes_hex"))?,
        mints: m.mints.iter().map(|e| e.decode()).collect::<Result<_, _>>().map_err(field("minting_block.mints"))?,
        tx_hashes: m
            .tx_hashes
            .iter()
            .map(|h| b256(h))
            .collect::<Result<_, _>>()
            .map_err(field("minting_block.tx_hashes"))?,
        mint_position: m.mint_position,
        anchor,
    })
}

fn inclusion(i: &BtcInclusion) -> Result<RawInclusion, String> {
    Ok(RawInclusion {
        tx: bytes(&i.tx_hex).map_err(|e| format!("tx_hex: {e}"))?,
        btc_height: i.btc_height,
        proof: bytes(&i.merkle_block_hex).map_err(|e| format!("merkle_block_hex: {e}"))?,
    })
}
