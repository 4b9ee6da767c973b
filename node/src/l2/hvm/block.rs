//! [`BlockBuilder`]: one L2 block being executed, transaction by transaction.
//!
//! Each transaction is validated and executed by revm, then committed to the database at once,
//! so the next one sees its effects. The state root is brought up to date once, in
//! [`BlockBuilder::finish`], from the block's [`BlockJournal`]. A builder dropped without
//! `finish` rolls the database back to the block's start: a verifier that refuses a block keeps
//! its parent state.

use super::journal::{BlockJournal, HvmDb};
use super::machine::HVM_SPEC;
use super::precompiles::HvmPrecompiles;
use super::state_root::StateCommitment;
use super::types::{BlockEnvSpec, BlockOutcome, Receipt, RejectReason, TxRejected};
use crate::eth::deposit_tx::DepositTx;
use crate::l2::btc_view::BtcView;
use crate::l2::tx::L2Tx;
use revm::context::result::{EVMError, InvalidTransaction};
use revm::context::{BlockEnv, CfgEnv, Context, Evm, Journal, TxEnv};
use revm::context_interface::ContextTr;
use revm::handler::EthFrame;
use revm::handler::SystemCallEvm;
use revm::handler::instructions::EthInstructions;
use revm::interpreter::interpreter::EthInterpreter;
use revm::primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use revm::state::{Account, AccountInfo, EvmState};
use revm::{Database, DatabaseCommit, ExecuteEvm};
use std::fmt;

type Db<'a> = &'a mut HvmDb;
type HvmContext<'a> = Context<BlockEnv, TxEnv, CfgEnv, Db<'a>, Journal<Db<'a>>, ()>;
type HvmEvm<'a> = Evm<
    HvmContext<'a>,
    (),
    EthInstructions<EthInterpreter, HvmContext<'a>>,
    HvmPrecompiles<'a>,
    EthFrame<EthInterpreter>,
>;

/// A block in progress. Borrows the [`super::Hvm`] until finished or dropped.
pub struct BlockBuilder<'a> {
    evm: HvmEvm<'a>,
    commitment: &'a mut StateCommitment,
    blocks_executed: &'a mut u64,
    journal: BlockJournal,
    env: BlockEnvSpec,
    gas_used: u64,
    receipts: Vec<Receipt>,
    finished: bool,
}

impl<'a> BlockBuilder<'a> {
    pub(super) fn new(
        chain_id: u64,
        db: Db<'a>,
        commitment: &'a mut StateCommitment,
        blocks_executed: &'a mut u64,
        env: &BlockEnvSpec,
        view: &'a dyn BtcView,
    ) -> Self {
        let block = BlockEnv {
            number: U256::from(env.number.0),
            beneficiary: env.beneficiary,
            timestamp: U256::from(env.timestamp_s),
            gas_limit: env.gas_limit,
            basefee: 0,
            ..Default::default()
        };
        let ctx = HvmContext::new(db, HVM_SPEC)
            .modify_cfg_chained(|cfg| cfg.chain_id = chain_id)
            .modify_block_chained(|b| *b = block);
        let evm = Evm::new(ctx, EthInstructions::new_mainnet_with_spec(HVM_SPEC), HvmPrecompiles::new(HVM_SPEC, view));
        BlockBuilder {
            evm,
            commitment,
            blocks_executed,
            journal: BlockJournal::new(),
            env: *env,
            gas_used: 0,
            receipts: Vec::new(),
            finished: false,
        }
    }

    pub fn env(&self) -> &BlockEnvSpec {
        &self.env
    }

    /// Gas still available in this block.
    pub fn remaining_gas(&self) -> u64 {
        self.env.gas_limit.saturating_sub(self.gas_used)
    }

    pub fn receipts(&self) -> &[Receipt] {
        &self.receipts
    }

    /// Executes and commits `tx` if it can be included: right nonce, enough balance, and a gas
    /// limit within the block's remaining gas. A rejected transaction changes nothing.
    /// An included one may still fail (revert, halt): it is in the block with `success: false`.
    pub fn apply(&mut self, tx: &L2Tx) -> Result<Receipt, TxRejected> {
        self.apply_hashed(tx, tx.hash())
    }

    /// [`BlockBuilder::apply`] for a caller that already knows `tx.hash()` (the mempool and a
    /// sealed block both do): hashing is about 15% of a plain transfer's cost here.
    pub fn apply_hashed(&mut self, tx: &L2Tx, tx_hash: B256) -> Result<Receipt, TxRejected> {
        debug_assert_eq!(tx_hash, tx.hash(), "apply_hashed needs the transaction's own hash");
        let reject = |reason| TxRejected { tx_hash, reason };
        let remaining = self.remaining_gas();
        if tx.gas_limit > remaining {
            return Err(reject(RejectReason::BlockGasExceeded { gas_limit: tx.gas_limit, remaining }));
        }
        let result = match self.evm.transact_one(self.tx_env(tx)) {
            Ok(result) => result,
            Err(error) => {
                // Drop whatever the failed validation loaded; nothing reaches the database.
                let _ = self.evm.finalize();
                return Err(reject(reject_reason(error)));
            }
        };
        let state = self.evm.finalize();
        let db: &mut HvmDb = self.evm.ctx.db_mut();
        self.journal.record(db, &state);
        db.commit(state);
        self.gas_used += result.tx_gas_used();
        let receipt = receipt(tx_hash, result);
        self.receipts.push(receipt.clone());
        Ok(receipt)
    }

    /// Executes a system call (caller [`super::hbtc::SYSTEM_CALLER`], no nonce, no gas charged
    /// to the block, no fee) and commits it if it succeeds: the tunnel's deposit mints, which
    /// come after the Bitcoin attributes and before user transactions. A call that reverts or
    /// halts changes nothing and returns its receipt as the error.
    pub fn apply_system_call(&mut self, contract: Address, data: Bytes) -> Result<Receipt, Receipt> {
        let call_hash = keccak256(&data);
        let result = match self.evm.system_call_one_with_caller(super::hbtc::SYSTEM_CALLER, contract, data) {
            Ok(result) => result,
            Err(error) => {
                let _ = self.evm.finalize();
                let output = Bytes::from(error.to_string().into_bytes());
                return Err(Receipt { tx_hash: call_hash, success: false, gas_used: 0, output, logs: Vec::new() });
            }
        };
        let state = self.evm.finalize();
        let receipt = receipt(call_hash, result);
        if !receipt.success {
            return Err(receipt);
        }
        let db: &mut HvmDb = self.evm.ctx.db_mut();
        self.journal.record(db, &state);
        db.commit(state);
        Ok(receipt)
    }

    /// Executes a deposited transaction (type 0x7E) as OP does (specs, deposits, "Execution";
    /// op-geth's `stateTransition.execute`), and never refuses it once it fits the block:
    ///
    /// 1. `mint` is credited to `from`, for good: nothing below takes it back.
    /// 2. The call runs from `from` with its current nonce (a deposit has none of its own), gas
    ///    price 0 (the gas was bought on L1: no fee, no refund in ETH) and the deposit's gas
    ///    limit, exempt from the per-transaction gas cap (EIP-7825 is not an OP rule; the portal
    ///    caps deposits at 20M gas per L1 block).
    /// 3. A call that executes, successfully or not, is an ordinary transaction: a revert or halt
    ///    undoes the call's effects but keeps the nonce bump, and the gas used is what it used
    ///    (since Regolith "the actual deposit gas-usage is recorded": a revert returns its
    ///    unused gas, a halt uses it all).
    /// 4. A call the EVM refuses to start (a value the balance cannot cover, too little gas for
    ///    the intrinsic cost, a sender with code...) is a failed deposit: the state goes back to
    ///    just after the mint, the nonce is bumped anyway and the deposit uses its whole gas
    ///    limit (op-geth records failed deposits "as using all their gas"). Its receipt fails
    ///    and carries the reason as text in `output`.
    ///
    /// Gas used counts against the block. The one refusal: a gas limit beyond the block's
    /// remaining gas (op-geth's `ErrGasLimitReached`: the block cannot be built), which changes
    /// nothing.
    pub fn apply_deposit(&mut self, deposit: &DepositTx) -> Result<Receipt, TxRejected> {
        let tx_hash = deposit.hash();
        let remaining = self.remaining_gas();
        if deposit.gas_limit > remaining {
            let reason = RejectReason::BlockGasExceeded { gas_limit: deposit.gas_limit, remaining };
            return Err(TxRejected { tx_hash, reason });
        }
        if !deposit.mint.is_zero() {
            self.update_account(deposit.from, |info| info.balance = info.balance.saturating_add(deposit.mint));
        }
        // The deposit as the unsigned message it is, with the sender's current nonce.
        let message = L2Tx {
            from: deposit.from,
            to: deposit.to,
            nonce: self.account(deposit.from).nonce,
            gas_limit: deposit.gas_limit,
            gas_price: 0,
            value: deposit.value,
            input: deposit.data.clone(),
        };
        let tx = self.tx_env(&message);
        let cap = self.evm.ctx.cfg.tx_gas_limit_cap.replace(u64::MAX);
        let executed = self.evm.transact_one(tx);
        self.evm.ctx.cfg.tx_gas_limit_cap = cap;
        let receipt = match executed {
            Ok(result) => {
                let state = self.evm.finalize();
                let db: &mut HvmDb = self.evm.ctx.db_mut();
                self.journal.record(db, &state);
                db.commit(state);
                receipt(tx_hash, result)
            }
            Err(error) => {
                let _ = self.evm.finalize();
                self.update_account(deposit.from, |info| info.nonce = info.nonce.saturating_add(1));
                let output = Bytes::from(format!("failed deposit: {error}").into_bytes());
                Receipt { tx_hash, success: false, gas_used: deposit.gas_limit, output, logs: Vec::new() }
            }
        };
        self.gas_used += receipt.gas_used;
        self.receipts.push(receipt.clone());
        Ok(receipt)
    }

    /// Ends the block: brings the state root up to date and returns the outcome.
    pub fn finish(self) -> BlockOutcome {
        self.finish_with_undo().0
    }

    /// [`BlockBuilder::finish`], also returning what [`super::Hvm::undo`] needs to take the
    /// block back (an L2 reorg): the journal of the values it replaced.
    pub fn finish_with_undo(mut self) -> (BlockOutcome, HvmUndo) {
        let journal = std::mem::take(&mut self.journal);
        let commitment_before = *self.commitment;
        let db: &mut HvmDb = self.evm.ctx.db_mut();
        self.commitment.apply_block(db, &journal);
        // CacheDB keeps every committed log forever; receipts do not carry them.
        db.cache.logs.clear();
        *self.blocks_executed += 1;
        self.finished = true;
        let outcome = BlockOutcome {
            gas_used: self.gas_used,
            state_root: self.commitment.root(),
            receipts: std::mem::take(&mut self.receipts),
        };
        (outcome, HvmUndo { journal, commitment_before })
    }

    /// An account as the block has it now (default if it does not exist).
    fn account(&mut self, address: Address) -> AccountInfo {
        let db: &mut HvmDb = self.evm.ctx.db_mut();
        db.basic(address).unwrap_or_else(|never| match never {}).unwrap_or_default()
    }

    /// Changes one account outside any transaction (a deposit's mint, a failed deposit's nonce),
    /// journaled and committed as a transaction's changes are: undone with the block.
    fn update_account(&mut self, address: Address, change: impl FnOnce(&mut AccountInfo)) {
        let mut info = self.account(address);
        change(&mut info);
        let mut account = Account::from(info);
        account.mark_touch();
        let state: EvmState = [(address, account)].into_iter().collect();
        let db: &mut HvmDb = self.evm.ctx.db_mut();
        self.journal.record(db, &state);
        db.commit(state);
    }

    fn tx_env(&self, tx: &L2Tx) -> TxEnv {
        TxEnv {
            tx_type: 0, // legacy
            caller: tx.from,
            gas_limit: tx.gas_limit,
            gas_price: tx.gas_price,
            kind: tx.to.map_or(TxKind::Create, TxKind::Call),
            value: tx.value,
            data: tx.input.clone(),
            nonce: tx.nonce,
            chain_id: Some(self.evm.ctx.cfg.chain_id),
            access_list: Default::default(),
            gas_priority_fee: None,
            blob_hashes: Vec::new(),
            max_fee_per_blob_gas: 0,
            authorization_list: Vec::new(),
        }
    }
}

/// A finished block's undo: the values it replaced and the commitment before it. Undoing blocks
/// in reverse order of execution restores the state exactly.
#[derive(Debug)]
pub struct HvmUndo {
    journal: BlockJournal,
    commitment_before: StateCommitment,
}

impl HvmUndo {
    /// Gives back the room reserved for building (a block retained for rewinds keeps only what
    /// it touched).
    pub fn compact(&mut self) {
        self.journal.shrink_to_fit();
    }

    pub(super) fn undo(self, db: &mut HvmDb, commitment: &mut StateCommitment) {
        self.journal.rollback(db);
        *commitment = self.commitment_before;
    }
}

impl Drop for BlockBuilder<'_> {
    fn drop(&mut self) {
        if !self.finished {
            let journal = std::mem::take(&mut self.journal);
            journal.rollback(self.evm.ctx.db_mut());
        }
    }
}

impl fmt::Debug for BlockBuilder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockBuilder")
            .field("env", &self.env)
            .field("gas_used", &self.gas_used)
            .field("receipts", &self.receipts.len())
            .finish_non_exhaustive()
    }
}

fn receipt(tx_hash: B256, result: revm::context::result::ExecutionResult) -> Receipt {
    let success = result.is_success();
    let gas_used = result.tx_gas_used();
    let logs = if success { result.logs().to_vec() } else { Vec::new() };
    Receipt { tx_hash, success, gas_used, output: result.into_output().unwrap_or_default(), logs }
}

fn reject_reason<E: fmt::Display>(error: EVMError<E, InvalidTransaction>) -> RejectReason {
    let EVMError::Transaction(invalid) = error else {
        return RejectReason::Invalid(error.to_string());
    };
    match invalid {
        InvalidTransaction::NonceTooHigh { tx, state } | InvalidTransaction::NonceTooLow { tx, state } => {
            RejectReason::NonceMismatch { expected: state, got: tx }
        }
        InvalidTransaction::LackOfFundForMaxFee { fee, balance } => {
            RejectReason::InsufficientBalance { needed: *fee, available: *balance }
        }
        InvalidTransaction::TxGasLimitGreaterThanCap { gas_limit, cap } => {
            RejectReason::TxGasCapExceeded { gas_limit, cap }
        }
        InvalidTransaction::CallGasCostMoreThanGasLimit { initial_gas, gas_limit } => {
            RejectReason::IntrinsicGasTooLow { intrinsic: initial_gas, gas_limit }
        }
        InvalidTransaction::GasFloorMoreThanGasLimit { gas_floor, gas_limit } => {
            RejectReason::IntrinsicGasTooLow { intrinsic: gas_floor, gas_limit }
        }
        other => RejectReason::Invalid(other.to_string()),
    }
}
