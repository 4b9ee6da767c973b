//! The state root: an order-independent commitment to every account and storage slot.
//!
//! **Scheme** (an additive multiset hash, in the spirit of AdHash/LtHash):
//!
//! ```text
//! account_leaf = SHA-256(0x01 ‖ address ‖ balance u256 ‖ nonce u64 ‖ code hash)   (93 bytes)
//!                for every account that is not empty (EIP-161: no balance, nonce or code)
//! slot_leaf    = SHA-256(0x02 ‖ address ‖ key u256 ‖ value u256)                  (85 bytes)
//!                for every storage slot whose value is not zero
//! state_sum    = Σ leaves, each read as a big-endian 256-bit integer, mod 2^256
//! state_root   = SHA-256("hemisim/hvm/state-root/v1" ‖ state_sum)
//! ```
//!
//! Why a sum: revm's maps iterate in a different order every run, and a block touches a few
//! thousand of maybe 100k accounts. Addition is the same in any order, and a block updates the
//! sum by subtracting the leaves it changed as they were at the block's start and adding them
//! as they are at its end: two hashes per changed account or slot, no pass over the state and
//! no per-account cache (a cache of current leaves measured no faster than re-hashing: its
//! random map accesses cost about what a hash does). SHA-256 rather than keccak: the CPU's SHA
//! extensions make it about three times faster here, and no EVM code ever sees these hashes.
//!
//! **Limits:** it proves nothing about a single account (no inclusion proofs: a commitment to
//! compare, not a trie to query), and an additive hash mod 2^256 resists accidental collisions
//! but not an adversary free to choose very many leaves (generalised birthday attacks). Inside
//! a simulation no one crafts state to collide; a real chain would use a Merkle trie.

use super::journal::{AccountFields, BlockJournal, HvmDb, TouchedAccount};
use bitcoin::hashes::{Hash, HashEngine, sha256};
use revm::database::AccountState;
use revm::primitives::{Address, B256, StorageKeyMap, StorageValue, U256};

const DOMAIN: &[u8] = b"hemisim/hvm/state-root/v1";
const ACCOUNT_TAG: u8 = 0x01;
const SLOT_TAG: u8 = 0x02;

/// The running sum of every leaf of the state.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct StateCommitment {
    state_sum: U256,
}

impl StateCommitment {
    /// Computes the commitment from scratch over the whole database (genesis, and checks of
    /// the incremental updates).
    pub fn from_db(db: &HvmDb) -> Self {
        let mut commitment = StateCommitment::default();
        for (address, account) in db.cache.accounts.iter() {
            let exists = !matches!(account.account_state, AccountState::NotExisting);
            commitment.add(account_leaf(address, AccountFields::of(exists.then_some(&account.info))));
            commitment.add(storage_sum(address, &account.storage));
        }
        commitment
    }

    /// Folds a finished block in: `journal` holds what it touched, with the values at the
    /// block's start and end; `db` the final state (read only for storage that a creation or
    /// self-destruct replaced).
    pub fn apply_block(&mut self, db: &HvmDb, journal: &BlockJournal) {
        for (address, touched) in journal.accounts() {
            let (before, now) = (touched.fields_before(), touched.fields_now());
            if before != now {
                self.sub(account_leaf(address, before));
                self.add(account_leaf(address, now));
            }
            self.apply_storage(db, address, touched);
        }
    }

    pub fn root(&self) -> B256 {
        let mut engine = sha256::Hash::engine();
        engine.input(DOMAIN);
        engine.input(&self.state_sum.to_be_bytes::<32>());
        B256::from(sha256::Hash::from_engine(engine).to_byte_array())
    }

    fn apply_storage(&mut self, db: &HvmDb, address: &Address, touched: &TouchedAccount) {
        if let Some(before) = touched.storage_before_reset() {
            // A creation or self-destruct cleared the storage: replace it wholesale.
            self.sub(storage_sum(address, before));
            if let Some(account) = db.cache.accounts.get(address) {
                self.add(storage_sum(address, &account.storage));
            }
            return;
        }
        for (key, before, now) in touched.slots() {
            if now != before {
                self.sub(slot_leaf(address, key, before));
                self.add(slot_leaf(address, key, now));
            }
        }
    }

    fn add(&mut self, leaf: U256) {
        self.state_sum = self.state_sum.wrapping_add(leaf);
    }

    fn sub(&mut self, leaf: U256) {
        self.state_sum = self.state_sum.wrapping_sub(leaf);
    }
}

/// Zero for an account that does not exist or is empty.
fn account_leaf(address: &Address, fields: Option<AccountFields>) -> U256 {
    let Some(fields) = fields else {
        return U256::ZERO;
    };
    let mut preimage = [0u8; 1 + 20 + 32 + 8 + 32];
    preimage[0] = ACCOUNT_TAG;
    preimage[1..21].copy_from_slice(address.as_slice());
    preimage[21..53].copy_from_slice(&fields.balance.to_be_bytes::<32>());
    preimage[53..61].copy_from_slice(&fields.nonce.to_be_bytes());
    preimage[61..].copy_from_slice(fields.code_hash.as_slice());
    leaf_value(&preimage)
}

/// Zero for a zero value: an unset slot and a slot set to zero are the same state.
fn slot_leaf(address: &Address, key: &U256, value: &U256) -> U256 {
    if value.is_zero() {
        return U256::ZERO;
    }
    let mut preimage = [0u8; 1 + 20 + 32 + 32];
    preimage[0] = SLOT_TAG;
    preimage[1..21].copy_from_slice(address.as_slice());
    preimage[21..53].copy_from_slice(&key.to_be_bytes::<32>());
    preimage[53..].copy_from_slice(&value.to_be_bytes::<32>());
    leaf_value(&preimage)
}

fn storage_sum(address: &Address, storage: &StorageKeyMap<StorageValue>) -> U256 {
    storage.iter().fold(U256::ZERO, |sum, (key, value)| sum.wrapping_add(slot_leaf(address, key, value)))
}

fn leaf_value(preimage: &[u8]) -> U256 {
    U256::from_be_bytes(sha256::Hash::hash(preimage).to_byte_array())
}
