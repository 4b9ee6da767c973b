//! Verification: recompute every link of a deposit's chain of trust from the files, stopping at
//! the first broken one (each later link builds on the earlier ones' values).
//!
//! 1. Bitcoin headers: each links to its parent and meets the run's proof-of-work target.
//! 2. Lock transaction: its txid, a valid deposit, a merkle proof into a main-chain block.
//! 3. Minting L2 block: its hash, its transactions root, the mint, its Bitcoin view's depth.
//! 4. Anchor ([`super::anchor`]): L2 headers up to a keystone block, the keystone a PoP
//!    transaction carries, its inclusion, confirmations and superfinality.

use super::anchor::{AnchorOutcome, check_anchor, check_inclusion};
use super::decode::{self, Decoded};
use bitcoin::block::Header;
use bitcoin::consensus::encode::deserialize;
use bitcoin::{Transaction, Txid};
use hemisim_node::btc::params::{POW_BITS_CONSENSUS, pow_bits};
use hemisim_node::l2::block::transactions_root;
use hemisim_node::l2::tx::{B256, keccak256};
use hemisim_node::tunnel::deposit::{Deposit, NotDeposit, parse_deposit};
use std::fmt;

/// Input that is not a readable provenance (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Headers = 1,
    Lock = 2,
    Minting = 3,
    Anchor = 4,
}

impl Link {
    pub const ALL: [Link; 4] = [Link::Headers, Link::Lock, Link::Minting, Link::Anchor];

    pub fn name(self) -> &'static str {
        match self {
            Link::Headers => "Bitcoin headers",
            Link::Lock => "lock transaction",
            Link::Minting => "minting L2 block",
            Link::Anchor => "anchor",
        }
    }
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "link {} ({})", *self as u8, self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every link holds and the covering keystone is superfinal (exit 0).
    Verified,
    /// Every link checked holds, but the chain is not complete yet (exit 3).
    Incomplete(String),
    /// A link is broken (exit 1).
    Broken { link: Link, reason: String },
}

/// How a link came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Holds,
    /// Nothing wrong, but not complete: no covering keystone yet, or not superfinal yet.
    Pending,
    Broken,
}

impl Mark {
    fn symbol(self) -> &'static str {
        match self {
            Mark::Holds => "✓",
            Mark::Pending => "…",
            Mark::Broken => "✗",
        }
    }
}

/// The numbered chain as it was checked: one line per link checked, then the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Links after a broken one are not listed.
    pub lines: Vec<(Link, Mark, String)>,
    pub verdict: Verdict,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (link, mark, text) in &self.lines {
            writeln!(f, " {}. {} {}: {text}", *link as u8, mark.symbol(), link.name())?;
        }
        for link in Link::ALL.iter().skip(self.lines.len()) {
            writeln!(f, " {}. - {}: not checked (an earlier link is broken)", *link as u8, link.name())?;
        }
        match &self.verdict {
            Verdict::Verified => {
                writeln!(f, "verified: every link holds and the deposit's L2 block is superfinal on Bitcoin")
            }
            Verdict::Incomplete(why) => writeln!(f, "incomplete: every link so far holds, but {why}"),
            Verdict::Broken { link, reason } => writeln!(f, "broken: {link}: {reason}"),
        }
    }
}

/// What links 2 and 3 pass on.
pub(super) struct Locked {
    pub deposit: Deposit,
    pub btc_height: u32,
}

/// Verifies deposit `txid` from the headers file's and the bundle's text.
pub fn verify(headers_text: &str, bundle_json: &str, txid: &Txid) -> Result<Report, BadInput> {
    let headers = decode::headers(headers_text)?;
    let bundle = decode::bundle(bundle_json)?;
    let mut lines = Vec::new();
    match check_headers(&headers) {
        Ok(text) => lines.push((Link::Headers, Mark::Holds, text)),
        Err(reason) => return broken(&mut lines, Link::Headers, reason),
    }
    let locked = match check_lock(&headers, &bundle, txid) {
        Ok((text, locked)) => {
            lines.push((Link::Lock, Mark::Holds, text));
            locked
        }
        Err(reason) => return broken(&mut lines, Link::Lock, reason),
    };
    let minting = match check_minting(&headers, &bundle, txid, &locked) {
        Ok((text, minting)) => {
            lines.push((Link::Minting, Mark::Holds, text));
            minting
        }
        Err(reason) => return broken(&mut lines, Link::Minting, reason),
    };
    let verdict = match check_anchor(&headers, &bundle, minting) {
        AnchorOutcome::Superfinal(text) => {
            lines.push((Link::Anchor, Mark::Holds, text));
            Verdict::Verified
        }
        AnchorOutcome::Open { text, why } => {
            lines.push((Link::Anchor, Mark::Pending, text));
            Verdict::Incomplete(why)
        }
        AnchorOutcome::Broken(reason) => return broken(&mut lines, Link::Anchor, reason),
    };
    Ok(Report { lines, verdict })
}

/// The report of a chain whose `link` is broken.
fn broken(lines: &mut Vec<(Link, Mark, String)>, link: Link, reason: String) -> Result<Report, BadInput> {
    lines.push((link, Mark::Broken, reason.clone()));
    Ok(Report { lines: std::mem::take(lines), verdict: Verdict::Broken { link, reason } })
}

fn check_headers(headers: &[Header]) -> Result<String, String> {
    for (height, header) in headers.iter().enumerate() {
        if header.bits != pow_bits() {
            return Err(format!(
                "header {height} has bits {:#010x}, not the run's fixed target {POW_BITS_CONSENSUS:#010x}",
                header.bits.to_consensus()
            ));
        }
        if header.validate_pow(header.target()).is_err() {
            return Err(format!("header {height} ({}) does not meet its proof-of-work target", header.block_hash()));
        }
        if let Some(parent) = height.checked_sub(1).map(|p| headers[p].block_hash())
            && header.prev_blockhash != parent
        {
            return Err(format!(
                "header {height} names parent {}, but header {} hashes to {parent}",
                header.prev_blockhash,
                height - 1
            ));
        }
    }
    let tip = headers.len() - 1;
    Ok(format!(
        "heights 0..={tip} chain by parent hash, proof of work valid (bits {POW_BITS_CONSENSUS:#010x}); genesis {}, tip {}",
        headers[0].block_hash(),
        headers[tip].block_hash()
    ))
}

fn check_lock(headers: &[Header], bundle: &Decoded, txid: &Txid) -> Result<(String, Locked), String> {
    let Some(inclusion) = &bundle.deposit else {
        return Err(format!(
            "deposit {txid} is in no main-chain Bitcoin block at the end of the run: the hBTC minted for it is unbacked"
        ));
    };
    let tx: Transaction =
        deserialize(&inclusion.tx).map_err(|e| format!("the deposit transaction's bytes do not decode: {e}"))?;
    let got = tx.compute_txid();
    if got != *txid {
        return Err(format!("the transaction in the bundle hashes to txid {got}, not {txid}"));
    }
    let deposit = parse_deposit(&tx, &bundle.vault).map_err(|e| match e {
        NotDeposit::NoVaultOutput => "not a deposit: no output among the first 8 pays the vault script".to_owned(),
        NotDeposit::NoRecipient => {
            "not a deposit: no OP_RETURN with a 20-byte L2 recipient among the first 8 outputs".to_owned()
        }
        NotDeposit::BelowMinimum { amount } => {
            format!("not a deposit: {} is below the 0.01 BTC minimum", btc(amount.to_sat()))
        }
    })?;
    let block = check_inclusion(headers, inclusion.btc_height, &inclusion.proof, got)?;
    let confirmations = confirmations(headers, inclusion.btc_height);
    let text = format!(
        "txid matches; deposit of {} (output {}) for L2 recipient {}; merkle proof commits to it in main-chain block {block} at height {}; {confirmations} confirmations",
        btc(deposit.amount.to_sat()),
        deposit.vout,
        super::bundle::hex0x(deposit.recipient.as_slice()),
        inclusion.btc_height,
    );
    Ok((text, Locked { deposit, btc_height: inclusion.btc_height }))
}

fn check_minting(
    headers: &[Header],
    bundle: &Decoded,
    txid: &Txid,
    locked: &Locked,
) -> Result<(String, (u64, B256)), String> {
    let header = super::bundle::decode_l2_header(&bundle.header).ok_or_else(|| {
        format!("the header is {} bytes, an L2 header is {}", bundle.header.len(), super::bundle::L2_HEADER_LEN)
    })?;
    let hash = keccak256(&bundle.header);
    let attributes = super::bundle::decode_attributes(&bundle.attributes)
        .ok_or("the Bitcoin attributes do not decode (0x7c, fork height, count, 80-byte headers)")?;
    let root = transactions_root(&attributes, &bundle.mints, &bundle.tx_hashes);
    if root != header.transactions_root {
        return Err(format!(
            "the transactions root recomputed from the attributes, {} mints and {} transactions is {root}, the header of L2 #{} says {}",
            bundle.mints.len(),
            bundle.tx_hashes.len(),
            header.number,
            header.transactions_root
        ));
    }
    let position = bundle.mint_position;
    let mint = bundle
        .mints
        .get(position as usize)
        .ok_or_else(|| format!("mint position {position} is out of range ({} mints)", bundle.mints.len()))?;
    let d = &locked.deposit;
    if (mint.outpoint.txid, mint.outpoint.vout, mint.recipient, mint.amount) != (*txid, d.vout, d.recipient, d.amount) {
        return Err(format!(
            "the mint at position {position} is {}:{} for {} to {}, the deposit is {txid}:{} for {} to {}",
            mint.outpoint.txid,
            mint.outpoint.vout,
            btc(mint.amount.to_sat()),
            mint.recipient,
            d.vout,
            btc(d.amount.to_sat()),
            d.recipient
        ));
    }
    let view_confirmations =
        i64::from(header.btc_tip_height.0) - i64::from(bundle.indexer_lag) - i64::from(mint.btc_height.0) + 1;
    if view_confirmations < i64::from(bundle.deposit_confirmations) {
        return Err(format!(
            "its Bitcoin view (tip {}, index {} behind) gave the deposit at height {} {view_confirmations} confirmations, fewer than the {} required",
            header.btc_tip_height, bundle.indexer_lag, mint.btc_height, bundle.deposit_confirmations
        ));
    }
    let mut notes = String::new();
    if headers.get(header.btc_tip_height.0 as usize).map(Header::block_hash) != Some(header.btc_tip_hash) {
        notes.push_str(&format!(
            "; note: its Bitcoin tip {} is not the main chain's block at height {} (it carried a branch later reorged)",
            header.btc_tip_hash, header.btc_tip_height
        ));
    }
    if mint.btc_height.0 != locked.btc_height {
        notes.push_str(&format!(
            "; note: its view had the deposit at height {}, the main chain has it at {}",
            mint.btc_height, locked.btc_height
        ));
    }
    let text = format!(
        "L2 #{} hash {hash} mints {} at position {position}; transactions root recomputed ({} mints, {} transactions); its Bitcoin view (tip {}) gave {view_confirmations} confirmations (>= {}, index {} behind the tip){notes}",
        header.number,
        btc(mint.amount.to_sat()),
        bundle.mints.len(),
        bundle.tx_hashes.len(),
        header.btc_tip_height,
        bundle.deposit_confirmations,
        bundle.indexer_lag,
    );
    Ok((text, (header.number.0, hash)))
}

/// Confirmations of a block at `height` on the headers' chain: tip - height + 1.
pub(super) fn confirmations(headers: &[Header], height: u32) -> i64 {
    headers.len() as i64 - i64::from(height)
}

/// `1.50000000 BTC`.
pub(super) fn btc(sats: u64) -> String {
    format!("{}.{:08} BTC", sats / 100_000_000, sats % 100_000_000)
}
