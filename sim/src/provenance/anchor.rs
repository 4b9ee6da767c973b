//! Link 4, the anchor: from the minting block up the L2 chain to a keystone block, the keystone
//! rebuilt from that block's header, the PoP transaction that carries it, its inclusion in a
//! main-chain Bitcoin block, and how deep that block is (superfinal at `tip - height >= depth`).
//! Also the merkle-inclusion check link 2 shares.

use super::bundle::decode_l2_header;
use super::decode::{Decoded, RawAnchor};
use super::keystone_of;
use super::verify::confirmations;
use bitcoin::block::Header;
use bitcoin::consensus::encode::deserialize;
use bitcoin::{BlockHash, MerkleBlock, Transaction, Txid};
use hemisim_node::l2::block::L2Header;
use hemisim_node::l2::tx::{B256, keccak256};
use hemisim_node::pop::keystone::AbbreviatedKeystone;

pub(super) enum AnchorOutcome {
    Superfinal(String),
    /// Nothing is wrong, but the chain does not reach superfinality (yet).
    Open {
        text: String,
        why: String,
    },
    Broken(String),
}

/// Checks link 4 for the minting block `(number, hash)` that link 3 verified.
pub(super) fn check_anchor(headers: &[Header], bundle: &Decoded, minting: (u64, B256)) -> AnchorOutcome {
    let m = minting.0;
    let Some(k) = bundle.keystone_interval else {
        let why = format!("the run has no Proof-of-Proof, so nothing anchors L2 #{m} on Bitcoin");
        return AnchorOutcome::Open { text: why.clone(), why };
    };
    let Some(anchor) = &bundle.anchor else {
        return AnchorOutcome::Open {
            text: format!("no keystone at or above L2 #{m} (one every {k} blocks) is published on the main chain yet"),
            why: format!("no keystone covering L2 #{m} is published on Bitcoin yet"),
        };
    };
    match anchored(headers, bundle, anchor, k, minting) {
        Err(reason) => AnchorOutcome::Broken(reason),
        Ok((text, on_top)) if on_top >= i64::from(bundle.superfinality_depth) => AnchorOutcome::Superfinal(text),
        Ok((text, on_top)) => AnchorOutcome::Open {
            text,
            why: format!(
                "the keystone's PoP block has {on_top} blocks on top, superfinality needs {}",
                bundle.superfinality_depth
            ),
        },
    }
}

/// Everything but the depth verdict; returns the line and the number of blocks on top of the
/// PoP transaction's block.
fn anchored(
    headers: &[Header],
    bundle: &Decoded,
    anchor: &RawAnchor,
    k: u32,
    (m, m_hash): (u64, B256),
) -> Result<(String, i64), String> {
    let chain = anchor
        .l2_headers
        .iter()
        .enumerate()
        .map(|(i, b)| {
            decode_l2_header(b)
                .map(|h| (h, keccak256(b)))
                .ok_or_else(|| format!("L2 header {i} of the chain is {} bytes, not an L2 header", b.len()))
        })
        .collect::<Result<Vec<(L2Header, B256)>, String>>()?;
    let (Some((first, _)), Some((last, last_hash))) = (chain.first(), chain.last()) else {
        return Err("the L2 chain to the keystone block is empty".to_owned());
    };
    for pair in chain.windows(2) {
        let ((a, a_hash), (b, _)) = (&pair[0], &pair[1]);
        if a.number.next() != b.number {
            return Err(format!("the L2 chain jumps from #{} to #{}", a.number, b.number));
        }
        if b.parent_hash != *a_hash {
            return Err(format!(
                "L2 #{}'s parent hash is {}, but L2 #{} hashes to {a_hash}",
                b.number, b.parent_hash, a.number
            ));
        }
    }
    let at = |n: u64| n.checked_sub(first.number.0).and_then(|i| chain.get(usize::try_from(i).ok()?)).map(|(_, h)| *h);
    match at(m) {
        Some(h) if h == m_hash => {}
        Some(h) => return Err(format!("the chain's L2 #{m} hashes to {h}, not to the minting block's {m_hash}")),
        None => {
            return Err(format!(
                "the L2 chain #{}..=#{} does not hold the minting block #{m}",
                first.number, last.number
            ));
        }
    }
    let n = last.number.0;
    let interval = u64::from(k);
    if interval == 0 || n == 0 || !n.is_multiple_of(interval) {
        return Err(format!("the chain ends at L2 #{n}, which is not a keystone block (one every {k} blocks)"));
    }
    let (prev, prev_name) = if n == interval {
        (bundle.l2_genesis_hash, "the L2 genesis".to_owned())
    } else {
        let below = n - interval;
        (
            at(below).ok_or_else(|| format!("the L2 chain does not reach L2 #{below}, the previous keystone block"))?,
            format!("L2 #{below}"),
        )
    };
    if prev != anchor.prev_keystone_hash {
        return Err(format!(
            "the bundle's prev-keystone hash {} is not the hash of {prev_name} ({prev})",
            anchor.prev_keystone_hash
        ));
    }
    let keystone = keystone_of(last, prev).abbreviate();
    debug_assert_eq!(keystone.block_hash[..], last_hash[..12]);
    let pop: Transaction =
        deserialize(&anchor.pop.tx).map_err(|e| format!("the PoP transaction's bytes do not decode: {e}"))?;
    let carried = AbbreviatedKeystone::from_pop_transaction(&pop)
        .map_err(|e| format!("the PoP transaction carries no Hemi keystone: {e}"))?;
    if carried != keystone {
        return Err(format!(
            "the PoP transaction carries keystone {} (L2 #{}), not keystone {} rebuilt from L2 #{n}",
            carried.hash(),
            carried.l2_block_number,
            keystone.hash()
        ));
    }
    let pop_txid = pop.compute_txid();
    let height = anchor.pop.btc_height;
    let block = check_inclusion(headers, height, &anchor.pop.proof, pop_txid)?;
    let confirmations = confirmations(headers, height);
    let (on_top, depth) = (confirmations - 1, bundle.superfinality_depth);
    let depth_text = if on_top >= i64::from(depth) {
        format!("superfinal ({on_top} blocks on top >= {depth})")
    } else {
        format!("not yet superfinal ({on_top} blocks on top < {depth})")
    };
    let text = format!(
        "L2 #{m} chains by parent hash to keystone block #{n} (headers #{}..=#{n}); keystone {} of L2 #{n} (prev-keystone {prev_name}) rebuilt and carried by PoP tx {pop_txid}; merkle proof commits to it in main-chain block {block} at height {height}; {confirmations} confirmations, {depth_text}",
        first.number,
        keystone.hash()
    );
    Ok((text, on_top))
}

/// Checks that `proof` (a `MerkleBlock`) is the main-chain block at `height` and commits to
/// `txid`; returns that block's hash.
pub(super) fn check_inclusion(headers: &[Header], height: u32, proof: &[u8], txid: Txid) -> Result<BlockHash, String> {
    let main = headers.get(height as usize).ok_or_else(|| {
        format!("its stated Bitcoin height {height} is above the main chain's tip {}", headers.len() - 1)
    })?;
    let proof: MerkleBlock = deserialize(proof).map_err(|e| format!("the merkle proof's bytes do not decode: {e}"))?;
    if proof.header != *main {
        return Err(format!(
            "the merkle proof's block {} is not the main-chain block {} at height {height}",
            proof.header.block_hash(),
            main.block_hash()
        ));
    }
    let (mut matches, mut indexes) = (Vec::new(), Vec::new());
    proof.extract_matches(&mut matches, &mut indexes).map_err(|e| {
        format!(
            "merkle proof does not commit to txid {txid}: it does not lead to block {}'s merkle root ({e})",
            main.block_hash()
        )
    })?;
    if !matches.contains(&txid) {
        return Err(format!(
            "merkle proof does not commit to txid {txid} (it proves {} other transaction(s))",
            matches.len()
        ));
    }
    Ok(main.block_hash())
}
