//! The L2 genesis: funded user accounts, the workload's contracts, the tunnel's hBTC, and the genesis block that the
//! sequencer and every verifier start from (each builds its own `Hvm` from the same spec).
//!
//! With a settlement layer ([`L2GenesisSpec::with_settlement`]) the genesis also holds OP's `L1Block` predeploy, set to
//! the L1 block the L2 starts from (OP's rollup config `genesis.l1`), which is the genesis block's L1 origin. Without
//! one, the genesis state and block are exactly what they always were.

use super::block::{BtcAttributes, L1Origin, L2Block, L2Header, transactions_root};
use super::chain::SettlementRules;
use super::hvm::Hvm;
use super::hvm::machine::GenesisSlot;
use super::hvm::{contracts, hbtc, l1_block};
use super::workload::account_address;
use crate::btc::params::EPOCH_UNIX_S;
use crate::btc::sealed::SealedBlock;
use crate::eth::deposit_tx::L1_BLOCK_PREDEPLOY;
use crate::eth::types::L1BlockRef;
use crate::tunnel::{HBTC, withdrawals_root};
use crate::units::{BtcHeight, L2Number};
use revm::primitives::{Address, B256, Bytes, U256};

/// Chain id of the simulated L2 (Hemi mainnet is 43111).
pub const CHAIN_ID: u64 = 43111;

/// Where the workload's contracts live.
pub const TOKEN: Address = Address::new([0x70; 20]);
pub const READER: Address = Address::new([0x72; 20]);

/// The genesis block's timestamp: the run's start.
pub const GENESIS_TIME_S: u64 = EPOCH_UNIX_S as u64;

/// Every account starts with 1,000 ETH and 1,000,000 tokens.
const ETH_PER_ACCOUNT: u128 = 1_000 * 10u128.pow(18);
const TOKENS_PER_ACCOUNT: u64 = 1_000_000;

#[derive(Debug, Clone)]
pub struct L2GenesisSpec {
    accounts: Vec<(Address, U256)>,
    contracts: Vec<(Address, Bytes)>,
    storage: Vec<GenesisSlot>,
    /// The L1 block the chain starts from, when it has a settlement layer.
    l1_start: Option<L1BlockRef>,
}

impl L2GenesisSpec {
    /// `accounts` workload accounts, the token and the hVM reader contract.
    pub fn new(accounts: u32) -> Self {
        let funded: Vec<(Address, U256)> =
            (0..accounts).map(|i| (account_address(i), U256::from(ETH_PER_ACCOUNT))).collect();
        let storage = funded
            .iter()
            .map(|(a, _)| (TOKEN, contracts::token_balance_slot(*a), U256::from(TOKENS_PER_ACCOUNT)))
            .collect();
        let contracts =
            vec![(TOKEN, contracts::token_runtime()), (READER, contracts::reader_runtime()), (HBTC, hbtc::runtime())];
        L2GenesisSpec { accounts: funded, contracts, storage, l1_start: None }
    }

    /// The same genesis on a chain with a settlement layer that starts at L1 block `l1_start`: the
    /// `L1Block` predeploy holds it, and it is the genesis block's L1 origin (sequence number 0).
    pub fn with_settlement(mut self, l1_start: L1BlockRef) -> Self {
        self.contracts.push((L1_BLOCK_PREDEPLOY, l1_block::runtime()));
        let origin = L1Origin { block: l1_start, sequence_number: 0 };
        let slots = l1_block::storage_of(&origin.l1_info());
        self.storage.extend(slots.into_iter().map(|(slot, value)| (L1_BLOCK_PREDEPLOY, slot, value)));
        self.l1_start = Some(l1_start);
        self
    }

    /// What an [`super::chain::L2Chain`] of this genesis needs to know of its settlement layer.
    pub fn settlement(&self) -> Option<SettlementRules> {
        self.l1_start.map(|origin| SettlementRules { genesis_origin: origin, genesis_time_s: GENESIS_TIME_S })
    }

    pub fn hvm(&self) -> Hvm {
        Hvm::genesis_with_storage(CHAIN_ID, &self.accounts, &self.contracts, &self.storage)
    }

    /// The genesis block: number 0, the genesis state root, and the Bitcoin genesis as its view.
    pub fn block(&self, hvm: &Hvm, btc_genesis: &SealedBlock) -> L2Block {
        let attributes = BtcAttributes { fork_height: BtcHeight::ZERO, headers: vec![] };
        let header = L2Header {
            number: L2Number::ZERO,
            parent_hash: B256::ZERO,
            timestamp_s: GENESIS_TIME_S,
            gas_limit: 0,
            gas_used: 0,
            state_root: hvm.state_root(),
            transactions_root: transactions_root(&attributes, &[], &[]),
            withdrawals_root: withdrawals_root(&[]),
            btc_tip_height: BtcHeight::ZERO,
            btc_tip_hash: btc_genesis.block_hash(),
            l1_origin: self.l1_start.map(|block| L1Origin { block, sequence_number: 0 }),
        };
        L2Block::seal(header, vec![], Some(attributes), Default::default(), vec![], vec![])
    }
}
