//! The BTC tunnel: deposits to a vault on Bitcoin mint hBTC on the L2; burns on the L2 are paid
//! out from the vault on Bitcoin (docs/protocol.md §6, Hemi's `SimpleBitcoinVault.sol`).
//!
//! ```text
//!  depositor ──deposit tx (vault output + OP_RETURN <20-byte L2 recipient>)──► Bitcoin
//!      Bitcoin block ──attributes──► L2 chain's Bitcoin view (BtcIndexer, deposits indexed)
//!      `deposit_confirmations` on the indexed view ──► sequencer's mint system call (next block,
//!      before user txs), re-derived and checked by every verifier; each outpoint mints once
//!  holder ──withdraw(amount, pubkey hash) on hBTC──► burn + Withdrawal event in the block
//!      operator (vault keys) ──policy: burning block superfinal, or "immediate"──► payout tx
//! ```
//!
//! - [`deposit`]: the deposit format, parsing and building it.
//! - [`book`]: which deposits the next L2 block mints, as the sequencer and verifiers derive it.
//! - [`operator`]: the vault operator's withdrawal queue and payouts.
//! - [`users`]: the treasury and background depositors, who also withdraw.
//! - [`audit`]: the conservation ledger and loss detection, watched from outside the nodes, on
//!   [`vault_index`], the vault as one node's chain shows it, and [`payout_book`], which payouts
//!   settle a burn of the L2 chain and which lost theirs to an L2 reorg.

pub mod audit;
pub mod book;
pub mod deposit;
pub mod operator;
pub mod payout_book;
pub mod users;
pub mod vault_index;

#[cfg(test)]
mod tunnel_tests;

use crate::btc::script::p2pkh_for;
use crate::units::{Amount, BtcHeight};
use bitcoin::hashes::Hash;
use bitcoin::{OutPoint, ScriptBuf};
use revm::primitives::{Address, B256, Log, keccak256};

/// Where the hBTC contract lives on the L2.
pub const HBTC: Address = Address::new([0x7b; 20]);
/// Smallest deposit that mints (Hemi: 0.01 BTC).
pub const MIN_DEPOSIT: Amount = Amount::from_sat(1_000_000);
/// A deposit's vault output and recipient must be among the first this many outputs.
pub const DEPOSIT_OUTPUTS_SCANNED: usize = 8;
/// The vault's wallet name (its P2PKH script is the vault address).
pub const VAULT_WALLET: &str = "tunnel-vault";
/// Marks a payout's OP_RETURN: `HWD` + the withdrawal id, 8 bytes big-endian.
pub const PAYOUT_MAGIC: &[u8; 3] = b"HWD";

/// The vault's script.
pub fn vault_script() -> ScriptBuf {
    p2pkh_for(VAULT_WALLET)
}

/// What the L2 nodes need to know about the tunnel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunnelParams {
    pub vault: ScriptBuf,
    /// Confirmations on the hVM's *indexed* view (its tip trails the carried header tip by
    /// `INDEXER_TIP_LAG`): a deposit at height h mints once `indexed_tip - h + 1 >= this`.
    pub deposit_confirmations: u32,
}

/// One deposit's mint, carried by the L2 block that makes it (a system call before user txs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mint {
    pub outpoint: OutPoint,
    pub recipient: Address,
    pub amount: Amount,
    /// Height of the Bitcoin block holding the deposit, in the minting block's view.
    pub btc_height: BtcHeight,
}

impl Mint {
    /// Canonical encoding: txid (internal byte order) 32, vout 4, recipient 20, amount 8,
    /// Bitcoin height 4; integers big-endian.
    pub fn encode(&self) -> [u8; 68] {
        let mut out = [0u8; 68];
        out[..32].copy_from_slice(self.outpoint.txid.as_byte_array());
        out[32..36].copy_from_slice(&self.outpoint.vout.to_be_bytes());
        out[36..56].copy_from_slice(self.recipient.as_slice());
        out[56..64].copy_from_slice(&self.amount.to_sat().to_be_bytes());
        out[64..68].copy_from_slice(&self.btc_height.0.to_be_bytes());
        out
    }

    pub fn hash(&self) -> B256 {
        keccak256(self.encode())
    }

    /// The key the hBTC contract marks minted: keccak-256 of txid ‖ vout.
    pub fn outpoint_key(&self) -> B256 {
        outpoint_key(&self.outpoint)
    }
}

pub fn outpoint_key(outpoint: &OutPoint) -> B256 {
    let mut preimage = [0u8; 36];
    preimage[..32].copy_from_slice(outpoint.txid.as_byte_array());
    preimage[32..].copy_from_slice(&outpoint.vout.to_be_bytes());
    keccak256(preimage)
}

/// A burn of hBTC: what the vault operator owes on Bitcoin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Withdrawal {
    /// Sequential, from the contract.
    pub id: u64,
    pub from: Address,
    pub amount: Amount,
    /// The payout goes to the P2PKH script of this hash.
    pub btc_pubkey_hash: [u8; 20],
}

/// A withdrawal as the vault sees it: what its payout must move, and to whom (a payout names no
/// sender). Two burns under one id with the same claim are one withdrawal, paid by one payout:
/// the transaction an L2 reorg took away, included again. The operator pays a claim once, and
/// the auditor's payout book settles it with that payout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Claim {
    pub amount: Amount,
    pub payee: [u8; 20],
}

impl Withdrawal {
    pub fn claim(&self) -> Claim {
        Claim { amount: self.amount, payee: self.btc_pubkey_hash }
    }

    /// Reads hBTC's `Withdrawal` event; `None` for any other log.
    pub fn from_log(log: &Log) -> Option<Withdrawal> {
        let topics = log.data.topics();
        if log.address != HBTC || topics.len() != 2 || topics[0] != crate::l2::hvm::hbtc::withdrawal_topic() {
            return None;
        }
        let data = log.data.data.as_ref();
        if data.len() != 96 || data[..24].iter().any(|b| *b != 0) || data[32..56].iter().any(|b| *b != 0) {
            return None;
        }
        Some(Withdrawal {
            id: u64::from_be_bytes(data[24..32].try_into().ok()?),
            from: Address::from_slice(&topics[1][12..]),
            amount: Amount::from_sat(u64::from_be_bytes(data[56..64].try_into().ok()?)),
            btc_pubkey_hash: data[64..84].try_into().ok()?,
        })
    }

    /// Canonical encoding: id 8, from 20, amount 8, pubkey hash 20.
    pub fn encode(&self) -> [u8; 56] {
        let mut out = [0u8; 56];
        out[..8].copy_from_slice(&self.id.to_be_bytes());
        out[8..28].copy_from_slice(self.from.as_slice());
        out[28..36].copy_from_slice(&self.amount.to_sat().to_be_bytes());
        out[36..56].copy_from_slice(&self.btc_pubkey_hash);
        out
    }

    /// The script the payout pays.
    pub fn payout_script(&self) -> ScriptBuf {
        ScriptBuf::new_p2pkh(&bitcoin::PubkeyHash::from_byte_array(self.btc_pubkey_hash))
    }
}

/// The withdrawals a block's execution produced, in order, from its receipts' logs.
pub fn withdrawals_in(receipts: &[crate::l2::hvm::Receipt]) -> Vec<Withdrawal> {
    receipts.iter().flat_map(|r| r.logs.iter()).filter_map(Withdrawal::from_log).collect()
}

/// keccak-256 hash chain over the withdrawals' encodings, from keccak-256 of nothing.
pub fn withdrawals_root(withdrawals: &[Withdrawal]) -> B256 {
    let mut acc = keccak256([]);
    for w in withdrawals {
        let mut pair = [0u8; 32 + 56];
        pair[..32].copy_from_slice(acc.as_slice());
        pair[32..].copy_from_slice(&w.encode());
        acc = keccak256(pair);
    }
    acc
}

/// The pubkey hash of a P2PKH script, if it is one.
pub fn p2pkh_hash(script: &bitcoin::Script) -> Option<[u8; 20]> {
    script.is_p2pkh().then(|| script.as_bytes()[3..23].try_into().expect("P2PKH carries 20 bytes"))
}
