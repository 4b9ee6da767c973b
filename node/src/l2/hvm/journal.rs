//! What the block being built has touched: for every account and storage slot, its value at
//! the block's start and its value now.
//!
//! Recorded from each transaction's state changes *before* they are committed to the database,
//! so the first record of an account or slot is its value at the block's start. Two users:
//! the state commitment (update only what the block touched, see [`super::state_root`]) and
//! rollback (an abandoned block restores exactly the start values).

use revm::database::{AccountState, CacheDB, EmptyDB};
use revm::primitives::{Address, AddressMap, B256, StorageKey, StorageKeyMap, StorageValue, U256};
use revm::state::{Account, AccountInfo, EvmState};

/// The in-memory state every hVM keeps (no backing store: genesis fills the cache).
pub type HvmDb = CacheDB<EmptyDB>;

/// Room for the accounts a full block of simple transfers touches, to avoid regrowing.
const TYPICAL_TOUCHED_ACCOUNTS: usize = 4096;

/// The fields of an account the state root commits to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountFields {
    pub balance: U256,
    pub nonce: u64,
    pub code_hash: B256,
}

impl AccountFields {
    /// `None` for an account that does not exist or is empty (EIP-161: no balance, nonce or
    /// code), which the state root treats alike.
    pub fn of(info: Option<&AccountInfo>) -> Option<AccountFields> {
        let info = info.filter(|i| !i.is_empty())?;
        Some(AccountFields { balance: info.balance, nonce: info.nonce, code_hash: info.code_hash })
    }
}

/// Accounts touched since the block began.
#[derive(Debug, Default)]
pub struct BlockJournal {
    accounts: AddressMap<TouchedAccount>,
}

/// One touched account: its values at the block's start, and now.
#[derive(Debug)]
pub struct TouchedAccount {
    /// The database's entry at the block's start (`None`: no entry, the account did not exist).
    before: Option<(AccountInfo, AccountState)>,
    /// The committed fields after the block's latest transaction that touched the account.
    fields_now: Option<AccountFields>,
    /// Storage slots written in this block: (value at the block's start, value now).
    slots: StorageKeyMap<(StorageValue, StorageValue)>,
    /// The whole storage at the block's start, kept only once a creation or self-destruct in
    /// this block has cleared it (rare: those accounts are usually new).
    storage_before_reset: Option<StorageKeyMap<StorageValue>>,
}

impl TouchedAccount {
    /// The committed fields at the block's start.
    pub fn fields_before(&self) -> Option<AccountFields> {
        let (info, state) = self.before.as_ref()?;
        AccountFields::of((!matches!(state, AccountState::NotExisting)).then_some(info))
    }

    pub fn fields_now(&self) -> Option<AccountFields> {
        self.fields_now
    }

    /// Slots written in this block: (key, value at the block's start, value now).
    pub fn slots(&self) -> impl Iterator<Item = (&StorageKey, &StorageValue, &StorageValue)> {
        self.slots.iter().map(|(key, (before, now))| (key, before, now))
    }

    /// The whole storage at the block's start, if a creation or self-destruct in this block
    /// cleared it (the storage now is then read from the database).
    pub fn storage_before_reset(&self) -> Option<&StorageKeyMap<StorageValue>> {
        self.storage_before_reset.as_ref()
    }
}

impl BlockJournal {
    pub fn new() -> Self {
        let mut accounts = AddressMap::default();
        accounts.reserve(TYPICAL_TOUCHED_ACCOUNTS);
        BlockJournal { accounts }
    }

    /// Records a transaction's changes; call before committing `state` to `db`.
    pub fn record(&mut self, db: &HvmDb, state: &EvmState) {
        for (address, account) in state.iter().filter(|(_, a)| a.is_touched()) {
            let entry = self.accounts.entry(*address).or_insert_with(|| TouchedAccount {
                before: db.cache.accounts.get(address).map(|a| (a.info.clone(), a.account_state.clone())),
                fields_now: None,
                slots: StorageKeyMap::default(),
                storage_before_reset: None,
            });
            entry.record(db, address, account);
        }
    }

    /// Releases the capacity reserved for a typical block.
    pub fn shrink_to_fit(&mut self) {
        self.accounts.shrink_to_fit();
    }

    pub fn accounts(&self) -> impl Iterator<Item = (&Address, &TouchedAccount)> {
        self.accounts.iter()
    }

    /// Puts every touched account back as it was when the block began.
    pub fn rollback(self, db: &mut HvmDb) {
        for (address, touched) in self.accounts {
            let Some((info, state)) = touched.before else {
                db.cache.accounts.remove(&address);
                continue;
            };
            let account = db.cache.accounts.entry(address).or_default();
            account.info = info;
            account.account_state = state;
            match touched.storage_before_reset {
                Some(storage) => account.storage = storage,
                None => account.storage.extend(touched.slots.into_iter().map(|(k, (before, _))| (k, before))),
            }
        }
        db.cache.logs.clear();
    }
}

impl TouchedAccount {
    fn record(&mut self, db: &HvmDb, address: &Address, account: &Account) {
        // What `CacheDB::commit` will store: a self-destructed account is gone.
        let gone = account.is_selfdestructed();
        self.fields_now = if gone { None } else { AccountFields::of(Some(&account.info)) };
        if (account.is_created() || gone) && self.storage_before_reset.is_none() {
            // The database still holds this block's earlier writes: undo them in the copy.
            let mut storage = db.cache.accounts.get(address).map(|a| a.storage.clone()).unwrap_or_default();
            storage.extend(self.slots.iter().map(|(k, (before, _))| (*k, *before)));
            self.storage_before_reset = Some(storage);
        }
        for (key, slot) in account.storage.iter().filter(|(_, s)| s.is_changed()) {
            // The transaction's original value is the block-start value the first time.
            let values = self.slots.entry(*key).or_insert((slot.original_value, slot.present_value));
            values.1 = slot.present_value;
        }
    }
}
