//! [`Hvm`]: the EVM state of one node and the only door to revm.
//!
//! Configuration, chosen once here: revm's default spec (OSAKA), basefee 0 so that legacy
//! transactions with gas price 0 are valid (gas is free in the workload; fee checks stay on and
//! simply pass), no signature checks (an [`L2Tx`] names its sender), state in memory.

use super::block::{BlockBuilder, HvmUndo};
use super::journal::HvmDb;
use super::state_root::StateCommitment;
use super::types::{BlockEnvSpec, BlockOutcome, TxRejected};
use crate::l2::btc_view::BtcView;
use crate::l2::tx::L2Tx;
use revm::bytecode::Bytecode;
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, B256, Bytes, KECCAK_EMPTY, U256};
use revm::state::AccountInfo;
use std::fmt;

/// The spec every hVM runs.
pub const HVM_SPEC: SpecId = SpecId::OSAKA;

/// One node's hVM: its state, the commitment to it, and block execution. Cloning copies the
/// whole state (a snapshot to re-execute from, e.g. across an L2 reorg).
#[derive(Clone)]
pub struct Hvm {
    chain_id: u64,
    db: HvmDb,
    commitment: StateCommitment,
    blocks_executed: u64,
}

/// A storage slot set at genesis: `(contract, slot, value)`.
pub type GenesisSlot = (Address, U256, U256);

impl Hvm {
    /// A fresh state: `accounts` funded with their balances, `contracts` holding runtime code.
    pub fn genesis(chain_id: u64, accounts: &[(Address, U256)], contracts: &[(Address, Bytes)]) -> Hvm {
        Hvm::genesis_with_storage(chain_id, accounts, contracts, &[])
    }

    /// As [`Hvm::genesis`], with storage pre-set (e.g. token balances, see
    /// [`super::contracts::token_balance_slot`]). Contracts get nonce 1, as if created after
    /// EIP-161, and balance 0: a contract listed among `accounts` too loses that balance.
    pub fn genesis_with_storage(
        chain_id: u64,
        accounts: &[(Address, U256)],
        contracts: &[(Address, Bytes)],
        storage: &[GenesisSlot],
    ) -> Hvm {
        let mut db = HvmDb::default();
        for (address, balance) in accounts {
            let info = AccountInfo { balance: *balance, code_hash: KECCAK_EMPTY, ..Default::default() };
            db.insert_account_info(*address, info);
        }
        for (address, code) in contracts {
            let bytecode = Bytecode::new_raw(code.clone());
            let info = AccountInfo::new(U256::ZERO, 1, bytecode.hash_slow(), bytecode);
            db.insert_account_info(*address, info);
        }
        for (address, slot, value) in storage {
            db.insert_account_storage(*address, *slot, *value).unwrap_or_else(|never| match never {});
        }
        let commitment = StateCommitment::from_db(&db);
        Hvm { chain_id, db, commitment, blocks_executed: 0 }
    }

    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Blocks finished since genesis.
    pub fn blocks_executed(&self) -> u64 {
        self.blocks_executed
    }

    /// The commitment to the whole state (see [`super::state_root`]).
    pub fn state_root(&self) -> B256 {
        self.commitment.root()
    }

    /// The state root recomputed from scratch over every account: equal to
    /// [`Hvm::state_root`] unless the incremental bookkeeping is wrong. Slow; for checks.
    pub fn recompute_state_root(&self) -> B256 {
        StateCommitment::from_db(&self.db).root()
    }

    pub fn balance(&self, address: Address) -> U256 {
        self.info(address).map_or(U256::ZERO, |i| i.balance)
    }

    /// The next nonce the account must use.
    pub fn nonce(&self, address: Address) -> u64 {
        self.info(address).map_or(0, |i| i.nonce)
    }

    pub fn code_hash(&self, address: Address) -> B256 {
        self.info(address).map_or(KECCAK_EMPTY, |i| i.code_hash)
    }

    pub fn storage(&self, address: Address, slot: U256) -> U256 {
        let account = self.db.cache.accounts.get(&address);
        account.and_then(|a| a.storage.get(&slot).copied()).unwrap_or_default()
    }

    fn info(&self, address: Address) -> Option<&AccountInfo> {
        let account = self.db.cache.accounts.get(&address)?;
        (!matches!(account.account_state, revm::database::AccountState::NotExisting)).then_some(&account.info)
    }

    /// Starts a block executing against `view`, the Bitcoin view the L2 chain carries for it.
    /// The block commits with [`BlockBuilder::finish`]; dropped unfinished, it leaves no trace.
    pub fn begin_block<'a>(&'a mut self, env: &BlockEnvSpec, view: &'a dyn BtcView) -> BlockBuilder<'a> {
        BlockBuilder::new(self.chain_id, &mut self.db, &mut self.commitment, &mut self.blocks_executed, env, view)
    }

    /// Takes back the last finished block (blocks are undone in reverse order of execution).
    pub fn undo(&mut self, undo: HvmUndo) {
        undo.undo(&mut self.db, &mut self.commitment);
        self.blocks_executed -= 1;
    }

    /// Replays a block for a verifier: every transaction must apply. On the first that does
    /// not, the block is abandoned (state unchanged) and its index is returned.
    pub fn execute_block(
        &mut self,
        env: &BlockEnvSpec,
        view: &dyn BtcView,
        txs: &[L2Tx],
    ) -> Result<BlockOutcome, (usize, TxRejected)> {
        self.execute_block_hashed(env, view, txs.iter().map(|tx| (tx, tx.hash())))
    }

    /// [`Hvm::execute_block`] for a caller that already has each transaction's hash (a sealed
    /// block carries them): `(tx, tx.hash())` pairs, in block order.
    pub fn execute_block_hashed<'t>(
        &mut self,
        env: &BlockEnvSpec,
        view: &dyn BtcView,
        txs: impl IntoIterator<Item = (&'t L2Tx, B256)>,
    ) -> Result<BlockOutcome, (usize, TxRejected)> {
        let mut block = self.begin_block(env, view);
        for (index, (tx, tx_hash)) in txs.into_iter().enumerate() {
            block.apply_hashed(tx, tx_hash).map_err(|rejected| (index, rejected))?;
        }
        Ok(block.finish())
    }
}

impl fmt::Debug for Hvm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hvm")
            .field("chain_id", &self.chain_id)
            .field("accounts", &self.db.cache.accounts.len())
            .field("blocks_executed", &self.blocks_executed)
            .field("state_root", &self.state_root())
            .finish()
    }
}
