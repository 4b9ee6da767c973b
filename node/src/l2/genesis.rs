//! The L2 genesis: funded user accounts, the workload's contracts, the tunnel's hBTC, and the genesis block that the
//! sequencer and every verifier start from (each builds its own `Hvm` from the same spec).

use super::block::{BtcAttributes, L2Block, L2Header, transactions_root};
use super::hvm::Hvm;
use super::hvm::machine::GenesisSlot;
use super::hvm::{contracts, hbtc};
use super::workload::account_address;
use crate::btc::params::EPOCH_UNIX_S;
use crate::btc::sealed::SealedBlock;
use crate::tunnel::{HBTC, withdrawals_root};
use crate::units::{BtcHeight, L2Number};
use revm::primitives::{Address, B256, Bytes, U256};

/// Chain id of the simulated L2 (Hemi mainnet is 43111).
pub const CHAIN_ID: u64 = 43111;

/// Where the workload's contracts live.
pub const TOKEN: Address = Address::new([0x70; 20]);
pub const READER: Address = Address::new([0x72; 20]);

/// Every account starts with 1,000 ETH and 1,000,000 tokens.
const ETH_PER_ACCOUNT: u128 = 1_000 * 10u128.pow(18);
const TOKENS_PER_ACCOUNT: u64 = 1_000_000;

#[derive(Debug, Clone)]
pub struct L2GenesisSpec {
    accounts: Vec<(Address, U256)>,
    contracts: Vec<(Address, Bytes)>,
    storage: Vec<GenesisSlot>,
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
        L2GenesisSpec { accounts: funded, contracts, storage }
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
            timestamp_s: EPOCH_UNIX_S as u64,
            gas_limit: 0,
            gas_used: 0,
            state_root: hvm.state_root(),
            transactions_root: transactions_root(&attributes, &[], &[]),
            withdrawals_root: withdrawals_root(&[]),
            btc_tip_height: BtcHeight::ZERO,
            btc_tip_hash: btc_genesis.block_hash(),
        };
        L2Block::seal(header, attributes, Default::default(), vec![], vec![])
    }
}
