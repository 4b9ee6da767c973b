//! A small synthetic run for the provenance tests, built from the node crate's real pieces:
//! Bitcoin blocks mined with real proof of work and accepted by a `BitcoinNode`, L2 blocks
//! sealed with real transactions roots, keystones from the sequencer's `KeystoneMaker`.
//!
//! ```text
//! Bitcoin  0 ─ 1 (deposit, 2 BTC) ─ 2 … 8 ─ 9 … 13      PoP txs at the heights asked for
//! L2       1 … 15; block i carries Bitcoin tip min(i, 8); block 7 mints (tip 7: 5 confirmations
//!          on the index, 4 needed); keystones every 5 blocks (5, 10, 15)
//! ```

use super::ProvenanceInput;
use bitcoin::hashes::Hash;
use bitcoin::{Amount, Block, OutPoint, Transaction, TxIn, TxOut, Txid};
use hemisim_node::btc::build::{CoinbaseTag, mine_block, simple_coinbase};
use hemisim_node::btc::genesis::{Allocation, genesis_block};
use hemisim_node::btc::node::BitcoinNode;
use hemisim_node::btc::params::{ChainParams, SUBSIDY};
use hemisim_node::btc::script::{p2pkh_for, placeholder_script_sig};
use hemisim_node::btc::sealed::SealedBlock;
use hemisim_node::l2::block::{BtcAttributes, L2Block, L2Header, TunnelOps, transactions_root};
use hemisim_node::l2::history::L2History;
use hemisim_node::l2::tx::{Address, B256};
use hemisim_node::pop::maker::{KeystoneMaker, MadeKeystone};
use hemisim_node::rng::Stream;
use hemisim_node::time::SimTime;
use hemisim_node::tunnel::deposit::deposit_outputs;
use hemisim_node::tunnel::{Mint, TunnelParams, vault_script};
use hemisim_node::units::{BtcHeight, L2Number};
use std::sync::Arc;

pub const INTERVAL: u32 = 5;
pub const MINTING: u64 = 7;
pub const DEPOSIT_SATS: u64 = 200_000_000;
const L2_BLOCKS: u64 = 15;
const CARRIED_TIP: u32 = 8;
const BTC_TIP: u32 = 13;

#[derive(Debug)]
pub struct Fixture {
    pub node: BitcoinNode,
    pub history: L2History,
    pub l2_genesis_hash: B256,
    pub tunnel: TunnelParams,
    pub deposit_txid: Txid,
    /// Minted at position 0 of the same block, but on no Bitcoin block: an unbacked mint.
    pub phantom_txid: Txid,
    pub keystones: Vec<MadeKeystone>,
}

impl Fixture {
    /// A run whose keystones `(l2 number, Bitcoin height)` are published at those heights (each
    /// in 9..=13).
    pub fn new(publications: &[(u64, u32)]) -> Fixture {
        let genesis = genesis_block(&[Allocation {
            script: p2pkh_for("funds"),
            value: Amount::from_btc(10.0).expect("valid"),
            count: 20,
        }]);
        let funds = genesis.txdata[0].compute_txid();
        let spend = |vout: u32, outputs: Vec<TxOut>| Transaction {
            version: bitcoin::transaction::Version::TWO,
            lock_time: bitcoin::absolute::LockTime::ZERO,
            input: vec![TxIn {
                previous_output: OutPoint { txid: funds, vout },
                script_sig: placeholder_script_sig(),
                ..Default::default()
            }],
            output: outputs,
        };
        let mut node = BitcoinNode::new(
            ChainParams { max_block_weight: 4_000_000 },
            SealedBlock::seal(genesis),
            &[],
            0.0,
            Stream::derive(1, "fixture"),
        );
        let recipient = Address::repeat_byte(0xab);
        let mut outputs = deposit_outputs(&vault_script(), Amount::from_sat(DEPOSIT_SATS), recipient);
        outputs.push(TxOut { value: Amount::from_btc(7.9).expect("valid"), script_pubkey: p2pkh_for("funds") });
        let deposit = spend(0, outputs);
        let deposit_txid = deposit.compute_txid();
        let filler = |vout: u32| {
            spend(vout, vec![TxOut { value: Amount::from_btc(9.0).expect("valid"), script_pubkey: p2pkh_for("other") }])
        };
        // Fillers around the deposit so the merkle proof has real siblings.
        mine(&mut node, 1, vec![filler(1), deposit, filler(2)]);
        for height in 2..=CARRIED_TIP {
            mine(&mut node, height, vec![]);
        }

        let l2_genesis_hash = B256::repeat_byte(0x11);
        let phantom = Mint {
            outpoint: OutPoint { txid: Txid::from_byte_array([0x99; 32]), vout: 0 },
            recipient,
            amount: Amount::from_sat(5_000_000),
            btc_height: BtcHeight(1),
        };
        let ours = Mint {
            outpoint: OutPoint { txid: deposit_txid, vout: 0 },
            recipient,
            amount: Amount::from_sat(DEPOSIT_SATS),
            btc_height: BtcHeight(1),
        };
        let mut maker = KeystoneMaker::new(INTERVAL, l2_genesis_hash);
        let (mut history, mut keystones, mut parent) = (L2History::default(), Vec::new(), l2_genesis_hash);
        for number in 1..=L2_BLOCKS {
            let mints = if number == MINTING { vec![phantom, ours] } else { vec![] };
            let block = l2_block(&node, number, parent, mints);
            parent = block.hash();
            keystones.extend(maker.on_block(&block, SimTime(number)));
            history.headers.push(block.header.clone());
            if !block.tunnel.mints.is_empty() {
                history.minting_blocks.insert(L2Number(number), Arc::new(block));
            }
        }

        for height in CARRIED_TIP + 1..=BTC_TIP {
            let pops = publications
                .iter()
                .filter(|(_, h)| *h == height)
                .enumerate()
                .map(|(i, (n, _))| {
                    let made = keystones.iter().find(|k| k.l2_number().0 == *n).expect("a keystone block");
                    let change =
                        TxOut { value: Amount::from_btc(9.9).expect("valid"), script_pubkey: p2pkh_for("popm") };
                    let pop = TxOut { value: Amount::ZERO, script_pubkey: made.keystone.abbreviate().pop_script() };
                    spend(3 + (height - CARRIED_TIP - 1) + 5 * i as u32, vec![change, pop])
                })
                .collect();
            mine(&mut node, height, pops);
        }
        let tunnel = TunnelParams { vault: vault_script(), deposit_confirmations: 4 };
        Fixture { node, history, l2_genesis_hash, tunnel, deposit_txid, phantom_txid: phantom.outpoint.txid, keystones }
    }

    pub fn input(&self, keystone_interval_blocks: Option<u32>, superfinality_depth: u32) -> ProvenanceInput<'_> {
        ProvenanceInput {
            history: &self.history,
            bitcoin: &self.node,
            l2_genesis_hash: self.l2_genesis_hash,
            tunnel: &self.tunnel,
            keystone_interval_blocks,
            superfinality_depth,
        }
    }
}

/// Mines a block at `height` on the node's tip and has the node accept it.
fn mine(node: &mut BitcoinNode, height: u32, txs: Vec<Transaction>) {
    let tag = CoinbaseTag { height, miner: "fixture", extra_nonce: 0 };
    let mut txdata = vec![simple_coinbase(tag, p2pkh_for("miner"), SUBSIDY)];
    txdata.extend(txs);
    let block: Block = mine_block(node.tip(), SimTime(u64::from(height) * 600_000_000), txdata);
    let report = node.receive_block(SealedBlock::seal(block));
    assert!(report.rejected.is_empty() && report.tip_change.is_some(), "fixture block {height}: {report:?}");
}

/// L2 block `number`: carries the next main-chain header while there is one, some user
/// transaction hashes, and `mints`.
fn l2_block(node: &BitcoinNode, number: u64, parent: B256, mints: Vec<Mint>) -> L2Block {
    let tip = (number as u32).min(CARRIED_TIP);
    let hash_at = |h: u32| node.active_at(BtcHeight(h)).expect("mined");
    let headers =
        if number as u32 <= CARRIED_TIP { vec![node.block(&hash_at(tip)).expect("stored").header] } else { vec![] };
    let attributes = BtcAttributes { fork_height: BtcHeight(tip - headers.len() as u32), headers };
    let tx_hashes: Vec<B256> = (0..number % 3).map(|i| B256::repeat_byte((number * 10 + i) as u8)).collect();
    let header = L2Header {
        number: L2Number(number),
        parent_hash: parent,
        timestamp_s: 1_767_225_600 + number * 12,
        gas_limit: 30_000_000,
        gas_used: 21_000 * tx_hashes.len() as u64,
        state_root: B256::repeat_byte(number as u8),
        transactions_root: transactions_root(&attributes, &mints, &tx_hashes),
        withdrawals_root: B256::ZERO,
        btc_tip_height: BtcHeight(tip),
        btc_tip_hash: hash_at(tip),
        l1_origin: None,
    };
    L2Block::seal(header, vec![], Some(attributes), TunnelOps { mints, withdrawals: vec![] }, vec![], tx_hashes)
}
