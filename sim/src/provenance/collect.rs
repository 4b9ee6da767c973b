//! [`build`]: one pass over the observer's main chain (headers, where each minted deposit sits,
//! each keystone's first publication), then a bundle per mint.
//!
//! The covering keystone of minting block m is the lowest keystone at or above m whose first
//! main-chain publication is superfinal (`tip - height >= depth`); failing that, the lowest one
//! published at all (verification then reports the chain incomplete); failing that, none. A later
//! keystone covers m because its block descends from m by parent hashes.

use super::bundle::{Anchor, BUNDLE_FORMAT, BtcInclusion, DepositBundle, MintEntry, MintingBlock, Params, hex0x};
use super::{Provenance, ProvenanceInput, keystone_of};
use bitcoin::consensus::encode::serialize;
use bitcoin::hex::DisplayHex;
use bitcoin::{MerkleBlock, Txid};
use hemisim_node::btc::sealed::SealedBlock;
use hemisim_node::l2::block::L2Block;
use hemisim_node::l2::btc_view::INDEXER_TIP_LAG;
use hemisim_node::pop::index::{Publication, publications_in};
use hemisim_node::pop::keystone::KeystoneHash;
use hemisim_node::units::{BtcHeight, L2Number};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Builds every minted deposit's bundle from the run's final state.
pub fn build(input: &ProvenanceInput) -> Provenance {
    let wanted: BTreeSet<Txid> =
        input.history.minting_blocks.values().flat_map(|b| b.tunnel.mints.iter().map(|m| m.outpoint.txid)).collect();
    let chain = MainChain::scan(input, &wanted);
    let published = input
        .keystone_interval_blocks
        .map(|k| published_keystones(input, k, &chain.first_publication))
        .unwrap_or_default();
    let mut deposits = BTreeMap::new();
    for block in input.history.minting_blocks.values() {
        for (position, mint) in block.tunnel.mints.iter().enumerate() {
            let bundle = DepositBundle {
                format: BUNDLE_FORMAT,
                run: None,
                params: params(input),
                deposit: chain.deposit_height.get(&mint.outpoint.txid).map(|&h| chain.inclusion(h, mint.outpoint.txid)),
                minting_block: minting_block(block, position),
                anchor: input
                    .keystone_interval_blocks
                    .and_then(|k| anchor(input, &chain, &published, block.header.number.0, k)),
            };
            // Each outpoint mints once; should a txid ever appear twice, its first mint stays.
            deposits.entry(mint.outpoint.txid).or_insert(bundle);
        }
    }
    Provenance { headers: chain.blocks.iter().map(|b| b.header).collect(), deposits }
}

/// The main chain as the bundles need it.
struct MainChain {
    /// Index = height.
    blocks: Vec<Arc<SealedBlock>>,
    deposit_height: BTreeMap<Txid, u32>,
    /// Per keystone hash, its lowest publication (first in block order), as the keystone index
    /// keeps it.
    first_publication: BTreeMap<KeystoneHash, Publication>,
}

impl MainChain {
    fn scan(input: &ProvenanceInput, wanted: &BTreeSet<Txid>) -> MainChain {
        let node = input.bitcoin;
        let blocks: Vec<Arc<SealedBlock>> =
            node.active_chain().iter().map(|h| node.block(h).expect("active blocks are stored").clone()).collect();
        let (mut deposit_height, mut first_publication) = (BTreeMap::new(), BTreeMap::new());
        for (height, block) in blocks.iter().enumerate() {
            let height = height as u32;
            for tx in block.txs().iter().filter(|t| wanted.contains(&t.txid())) {
                deposit_height.entry(tx.txid()).or_insert(height);
            }
            for publication in publications_in(block, BtcHeight(height)) {
                first_publication.entry(publication.keystone).or_insert(publication);
            }
        }
        MainChain { blocks, deposit_height, first_publication }
    }

    fn tip_height(&self) -> u32 {
        (self.blocks.len() - 1) as u32
    }

    fn inclusion(&self, height: u32, txid: Txid) -> BtcInclusion {
        let block = &self.blocks[height as usize];
        let tx = block.txs().iter().find(|t| t.txid() == txid).expect("the scan found the transaction in this block");
        let proof = MerkleBlock::from_block_with_predicate(&block.to_block(), |t| *t == txid);
        BtcInclusion {
            tx_hex: serialize(tx.tx()).to_lower_hex_string(),
            btc_height: height,
            merkle_block_hex: serialize(&proof).to_lower_hex_string(),
        }
    }
}

/// Every keystone block of the run whose keystone is published on the main chain, by number,
/// with its first publication.
fn published_keystones(
    input: &ProvenanceInput,
    k: u32,
    first: &BTreeMap<KeystoneHash, Publication>,
) -> BTreeMap<u64, Publication> {
    let k = u64::from(k.max(1));
    let produced = input.history.headers.len() as u64;
    (1..=produced / k)
        .filter_map(|i| {
            let n = i * k;
            let header = input.history.header(L2Number(n))?;
            let prev = if n == k { input.l2_genesis_hash } else { input.history.header(L2Number(n - k))?.hash() };
            first.get(&keystone_of(header, prev).hash()).map(|p| (n, p.clone()))
        })
        .collect()
}

/// The covering keystone's anchor for minting block `m`, if any keystone at or above it is
/// published.
fn anchor(
    input: &ProvenanceInput,
    chain: &MainChain,
    published: &BTreeMap<u64, Publication>,
    m: u64,
    k: u32,
) -> Option<Anchor> {
    let k = u64::from(k.max(1));
    let tip = chain.tip_height();
    let superfinal = |p: &Publication| tip - p.height.0 >= input.superfinality_depth;
    let mut candidates = published.range(m..);
    let (&n, publication) = candidates.clone().find(|(_, p)| superfinal(p)).or_else(|| candidates.next())?;
    // Start low enough that the previous keystone's block is in the chain (unless it is genesis).
    let from = if n > k { m.min(n - k) } else { m };
    let l2_headers_hex = (from..=n)
        .map(|i| input.history.header(L2Number(i)).map(|h| h.encode().to_lower_hex_string()))
        .collect::<Option<Vec<_>>>()?;
    let prev = if n == k { input.l2_genesis_hash } else { input.history.header(L2Number(n - k))?.hash() };
    Some(Anchor {
        l2_headers_hex,
        prev_keystone_hash: hex0x(prev.as_slice()),
        pop: chain.inclusion(publication.height.0, publication.txid),
    })
}

fn minting_block(block: &L2Block, position: usize) -> MintingBlock {
    MintingBlock {
        header_hex: block.header.encode().to_lower_hex_string(),
        // Mints follow the Bitcoin attributes: a block without them mints nothing.
        attributes_hex: block
            .attributes
            .as_ref()
            .expect("a minting block has attributes")
            .encode()
            .to_lower_hex_string(),
        mints: block.tunnel.mints.iter().map(MintEntry::of).collect(),
        tx_hashes: block.tx_hashes().iter().map(|h| hex0x(h.as_slice())).collect(),
        mint_position: position as u32,
    }
}

fn params(input: &ProvenanceInput) -> Params {
    Params {
        vault_script_hex: input.tunnel.vault.as_bytes().to_lower_hex_string(),
        deposit_confirmations: input.tunnel.deposit_confirmations,
        indexer_lag: INDEXER_TIP_LAG,
        keystone_interval_blocks: input.keystone_interval_blocks,
        superfinality_depth: input.superfinality_depth,
        l2_genesis_hash: hex0x(input.l2_genesis_hash.as_slice()),
    }
}
