//! A chain with a settlement layer: blocks with an L1 origin, the L1-info deposit and portal
//! deposits, built, imported and derived through the one execute path, and rewound.

use super::block::{L1Origin, L2Block, L2Header, block_transactions_root};
use super::chain::{
    BlockInputs, Body, ChainRules, DepositsMismatch, HeaderField, ImportError, L1Inputs, L2Chain, Mismatch,
    OriginMismatch,
};
use super::genesis::{GENESIS_TIME_S, L2GenesisSpec};
use super::hvm::l1_block::StoredOrigin;
use super::sequencer::next_attributes;
use super::tx::L2Tx;
use super::workload::account_address;
use crate::btc::build::{CoinbaseTag, mine_block, simple_coinbase};
use crate::btc::genesis::genesis_block;
use crate::btc::node::BitcoinNode;
use crate::btc::params::{ChainParams, SUBSIDY};
use crate::btc::script::p2pkh_for;
use crate::btc::sealed::SealedBlock;
use crate::eth::consolidation::{self, Consolidation, UnsafeBlockContent, consolidate};
use crate::eth::deposit_tx::{DepositTx, L1_BLOCK_PREDEPLOY};
use crate::eth::derivation::DerivedAttributes;
use crate::eth::types::{L1BlockRef, PortalDeposit, SequencedTx};
use crate::rng::Stream;
use crate::time::SimTime;
use crate::units::{L1Number, L2Number};
use bitcoin::BlockHash;
use revm::primitives::{Address, B256, Bytes, U256, keccak256};
use std::sync::Arc;

const GAS_LIMIT: u64 = 30_000_000;
const ETHER: u128 = 1_000_000_000_000_000_000;

/// L1 block `n` of a made-up Ethereum chain: 12-second slots from the L2 genesis time (the L1
/// times are on the L2 timestamps' clock).
fn l1(n: u64) -> L1BlockRef {
    let hash = |n: u64| keccak256(format!("l1 block {n}"));
    L1BlockRef {
        number: L1Number(n),
        hash: hash(n),
        parent_hash: if n == 0 { B256::ZERO } else { hash(n - 1) },
        time_s: GENESIS_TIME_S + 12 * n,
    }
}

/// An L1 account with nothing on L2.
fn depositor() -> Address {
    Address::repeat_byte(0xd0)
}

/// A portal deposit logged in L1 block `n` at `log_index`.
fn portal(n: u64, log_index: u32, mint: u128, to: Address, value: u128, gas_limit: u64) -> PortalDeposit {
    PortalDeposit {
        from: depositor(),
        to: Some(to),
        mint: U256::from(mint),
        value: U256::from(value),
        gas_limit,
        data: Bytes::new(),
        l1_block_hash: l1(n).hash,
        log_index,
    }
}

struct Settled {
    btc: BitcoinNode,
    spec: L2GenesisSpec,
    btc_genesis: Arc<SealedBlock>,
    l2_genesis: B256,
}

fn settled() -> Settled {
    let btc_genesis = SealedBlock::seal(genesis_block(&[]));
    let spec = L2GenesisSpec::new(4).with_settlement(l1(0));
    let l2_genesis = spec.block(&spec.hvm(), &btc_genesis).hash();
    let mut btc = BitcoinNode::new(
        ChainParams { max_block_weight: 4_000_000 },
        btc_genesis.clone(),
        &[],
        0.0,
        Stream::derive(0, "tie"),
    );
    let mut parent = btc_genesis.block_hash();
    for height in 1..=6 {
        let tag = CoinbaseTag { height, miner: "miner-0", extra_nonce: 0 };
        let coinbase = simple_coinbase(tag, p2pkh_for("miner-0"), SUBSIDY);
        let block = SealedBlock::seal(mine_block(parent, SimTime(u64::from(height)), vec![coinbase]));
        parent = block.block_hash();
        btc.receive_block(block);
    }
    Settled { btc, spec, btc_genesis, l2_genesis }
}

impl Settled {
    fn chain(&self, rewind_depth: usize) -> L2Chain {
        let rules = ChainRules {
            max_headers_per_block: 3,
            beneficiary: Address::ZERO,
            tunnel: None,
            rewind_depth,
            settlement: self.spec.settlement(),
        };
        L2Chain::new(rules, self.spec.hvm(), &self.btc_genesis, self.l2_genesis)
    }

    fn source(&self) -> impl Fn(&BlockHash) -> Option<Arc<SealedBlock>> + '_ {
        |hash| self.btc.block(hash).cloned()
    }

    /// Builds the next block: origin L1 block `origin`, these deposits, Bitcoin attributes or
    /// not, and these transactions (each must apply).
    fn build(
        &self,
        chain: &mut L2Chain,
        origin: u64,
        deposits: Vec<PortalDeposit>,
        with_attributes: bool,
        txs: &[L2Tx],
    ) -> Result<Arc<L2Block>, ImportError> {
        let timestamp_s = GENESIS_TIME_S + 12 * (chain.head().number.0 + 1);
        let attributes = with_attributes.then(|| next_attributes(chain.view(), &self.btc, 3));
        let inputs = BlockInputs {
            timestamp_s,
            gas_limit: GAS_LIMIT,
            l1: Some(L1Inputs { origin: l1(origin), deposits }),
            attributes,
        };
        chain.build(inputs, &self.source(), |builder| {
            let mut body = Body::default();
            for tx in txs {
                let hash = tx.hash();
                builder.apply_hashed(tx, hash).expect("the test's transactions apply");
                body.txs.push(Arc::new(tx.clone()));
                body.tx_hashes.push(hash);
            }
            body
        })
    }
}

fn transfer(from: Address, to: Address, nonce: u64, wei: u128) -> L2Tx {
    L2Tx { from, to: Some(to), nonce, gas_limit: 21_000, gas_price: 0, value: U256::from(wei), input: Bytes::new() }
}

fn deposit_hashes(block: &L2Block) -> Vec<B256> {
    block.deposit_txs().iter().map(DepositTx::hash).collect()
}

/// Derivation's attributes for exactly what `block` holds, on `parent`.
fn attributes_of(block: &L2Block, parent: &L2Chain) -> DerivedAttributes {
    let origin = block.header.l1_origin.expect("a settlement block");
    DerivedAttributes {
        parent: parent.head_ref().expect("a settlement chain"),
        timestamp_s: block.header.timestamp_s,
        l1_origin: origin.block,
        deposits: block.deposits.clone(),
        sequenced: block.sequenced(),
        forced: block.attributes.is_none(),
        derived_from: origin.block,
    }
}

/// Three blocks: epoch 1 opened with two deposits (the second fails) and a user transaction
/// spending the first deposit's mint; epoch 1 again; epoch 2 as a deposit-only block.
fn three_blocks(s: &Settled, chain: &mut L2Chain) -> Vec<Arc<L2Block>> {
    let user = account_address(0);
    let deposits = vec![
        portal(1, 0, 5 * ETHER, user, 2 * ETHER, 100_000),
        portal(1, 3, ETHER, user, 10 * ETHER, 60_000), // value beyond the balance: a failed deposit
    ];
    // Spends what the first deposit minted: it applies only because deposits run first.
    let spend = transfer(depositor(), user, 2, 3 * ETHER);
    let first = s.build(chain, 1, deposits, true, &[spend]).expect("valid inputs");
    let second = s.build(chain, 1, vec![], true, &[transfer(user, depositor(), 0, 1)]).expect("valid inputs");
    let third = s.build(chain, 2, vec![portal(2, 0, ETHER, user, 0, 21_000)], false, &[]).expect("valid inputs");
    vec![first, second, third]
}

#[test]
fn deposits_mint_and_transfer_before_the_attributes_and_user_transactions() {
    let s = settled();
    let mut chain = s.chain(0);
    let blocks = three_blocks(&s, &mut chain);
    let hvm = chain.hvm();
    // Minted 5 + 1 (the failed deposit's mint stays), sent 2, then 3 by a user transaction,
    // and received 1 wei; the third block minted 1 more.
    assert_eq!(hvm.balance(depositor()), U256::from(2 * ETHER + 1));
    assert_eq!(hvm.nonce(depositor()), 4, "two deposits, one transaction, one deposit");
    assert_eq!(hvm.balance(account_address(0)), U256::from(1_005 * ETHER - 1));
    let first = &blocks[0];
    assert_eq!(first.header.l1_origin, Some(L1Origin { block: l1(1), sequence_number: 0 }));
    assert_eq!(blocks[1].header.l1_origin, Some(L1Origin { block: l1(1), sequence_number: 1 }));
    assert_eq!(blocks[2].header.l1_origin, Some(L1Origin { block: l1(2), sequence_number: 0 }));
    // The transactions root commits to the deposited transactions first, in order.
    let deposits = deposit_hashes(first);
    assert_eq!(deposits.len(), 3, "the L1-info deposit and two portal deposits");
    let attributes = first.attributes.as_ref();
    let root = block_transactions_root(&deposits, attributes, &first.tunnel.mints, first.tx_hashes());
    assert_eq!(first.header.transactions_root, root);
    let third = &blocks[2];
    assert!(third.attributes.is_none() && third.txs.is_empty(), "a deposit-only block");
    assert_eq!(third.header.transactions_root, block_transactions_root(&deposit_hashes(third), None, &[], &[]));
    assert_eq!(
        (third.header.btc_tip_height, third.header.btc_tip_hash),
        (blocks[1].header.btc_tip_height, blocks[1].header.btc_tip_hash),
        "no attributes: the Bitcoin view freezes"
    );
    assert_eq!(chain.hvm().state_root(), chain.hvm().recompute_state_root());
}

#[test]
fn a_failed_deposit_uses_its_whole_gas_limit_in_the_block() {
    let s = settled();
    let (mut ok, mut failing) = (s.chain(0), s.chain(0));
    let user = account_address(0);
    let good = s.build(&mut ok, 1, vec![portal(1, 0, ETHER, user, 0, 80_000)], true, &[]).expect("valid");
    let bad = s.build(&mut failing, 1, vec![portal(1, 0, ETHER, user, 2 * ETHER, 80_000)], true, &[]).expect("valid");
    assert_eq!(bad.header.gas_used - good.header.gas_used, 80_000 - 21_000, "all 80k, not the 21k a transfer uses");
    assert_eq!(failing.hvm().balance(depositor()), U256::from(ETHER), "the mint stays");
    assert_eq!(failing.hvm().nonce(depositor()), 1, "the nonce is bumped");
    assert_eq!(failing.hvm().balance(user), U256::from(1_000 * ETHER), "nothing was sent");
}

#[test]
fn a_block_with_deposits_imports_elsewhere_and_derives_to_the_same_hash() {
    let s = settled();
    let mut sequencer = s.chain(0);
    let blocks = three_blocks(&s, &mut sequencer);
    let (mut importer, mut deriver) = (s.chain(0), s.chain(0));
    for block in &blocks {
        importer.import(block, &s.source()).expect("the sequencer's block imports");
        let attributes = attributes_of(block, &deriver);
        let derived = deriver.derive(&attributes, GAS_LIMIT, &s.source()).expect("the payload executes");
        assert_eq!(derived.hash(), block.hash(), "block {}", block.header.number);
        assert_eq!(*derived, **block);
    }
    for chain in [&importer, &deriver] {
        assert_eq!(chain.head(), sequencer.head());
        assert_eq!(chain.head_ref(), sequencer.head_ref());
        assert_eq!(chain.hvm().state_root(), sequencer.hvm().state_root());
    }
    assert_eq!(sequencer.head_ref().map(|r| (r.l1_origin, r.time_s)), Some((l1(2), blocks[2].header.timestamp_s)));
}

#[test]
fn the_l1_block_predeploy_holds_each_blocks_origin() {
    let s = settled();
    let mut chain = s.chain(0);
    let stored = |chain: &L2Chain| StoredOrigin::read(|slot| chain.hvm().storage(L1_BLOCK_PREDEPLOY, U256::from(slot)));
    let expected = |origin: &L1Origin| StoredOrigin {
        number: origin.block.number.0,
        time_s: origin.block.time_s,
        hash: origin.block.hash,
        sequence_number: origin.sequence_number,
    };
    assert_eq!(stored(&chain), expected(&L1Origin { block: l1(0), sequence_number: 0 }), "the genesis origin");
    let blocks = three_blocks(&s, &mut chain);
    assert_eq!(stored(&chain), expected(&L1Origin { block: l1(2), sequence_number: 0 }));
    // Block by block, on a chain importing them: each block's L1-info deposit writes its origin.
    let mut importer = s.chain(0);
    for block in &blocks {
        importer.import(block, &s.source()).expect("imports");
        let origin = block.header.l1_origin.expect("a settlement block");
        assert_eq!(importer.head_origin(), Some(origin));
        assert_eq!(stored(&importer), expected(&origin), "block {}", block.header.number);
    }
}

#[test]
fn rewinding_over_deposit_blocks_restores_balance_nonce_and_origin_exactly() {
    let s = settled();
    let mut chain = s.chain(8);
    let position = |chain: &L2Chain| {
        let hvm = chain.hvm();
        (
            chain.head(),
            chain.head_ref(),
            chain.head_origin(),
            hvm.state_root(),
            hvm.recompute_state_root(),
            hvm.balance(depositor()),
            hvm.nonce(depositor()),
            chain.view().tip(),
        )
    };
    let at_genesis = position(&chain);
    let blocks = three_blocks(&s, &mut chain);
    let at_end = position(&chain);
    chain.rewind_to(L2Number(1)).expect("within the rewind depth");
    let mut at_one = s.chain(0);
    at_one.import(&blocks[0], &s.source()).expect("imports");
    assert_eq!(position(&chain), position(&at_one), "as if block 1 were the head all along");
    chain.rewind_to(L2Number(0)).expect("back to the genesis");
    assert_eq!(position(&chain), at_genesis, "mints and nonces of deposits taken back");
    assert_eq!(chain.hvm().balance(depositor()), U256::ZERO);
    for block in &blocks {
        chain.import(block, &s.source()).expect("the same blocks import again");
    }
    assert_eq!(position(&chain), at_end);
}

#[test]
fn an_imported_block_whose_origin_or_deposits_disagree_is_named_and_changes_nothing() {
    let s = settled();
    let mut sequencer = s.chain(0);
    let blocks = three_blocks(&s, &mut sequencer);
    let mut importer = s.chain(0);
    let before = (importer.head(), importer.head_origin(), importer.hvm().state_root());
    let forge = |block: &L2Block, origin: L1Origin, deposits: Vec<PortalDeposit>| {
        let header = L2Header { l1_origin: Some(origin), ..block.header.clone() };
        let (attributes, tunnel) = (block.attributes.clone(), block.tunnel.clone());
        L2Block::seal(header, deposits, attributes, tunnel, block.txs.clone(), block.tx_hashes().to_vec())
    };
    let first = &blocks[0];
    let origin = first.header.l1_origin.expect("a settlement block");
    let cases = [
        (
            forge(first, L1Origin { sequence_number: 1, ..origin }, first.deposits.clone()),
            Mismatch::L1Origin(OriginMismatch::Sequence { expected: 0, got: 1 }),
        ),
        (
            forge(first, L1Origin { block: l1(2), ..origin }, first.deposits.clone()),
            Mismatch::L1Origin(OriginMismatch::NotNext { head: L1Number(0), got: L1Number(2) }),
        ),
        (
            forge(first, L1Origin { block: L1BlockRef { parent_hash: B256::ZERO, ..l1(1) }, ..origin }, vec![]),
            Mismatch::L1Origin(OriginMismatch::NotChild { number: L1Number(1) }),
        ),
        (
            forge(first, L1Origin { block: L1BlockRef { time_s: GENESIS_TIME_S + 13, ..l1(1) }, ..origin }, vec![]),
            Mismatch::L1Origin(OriginMismatch::BeforeOrigin {
                timestamp_s: GENESIS_TIME_S + 12,
                origin_time_s: GENESIS_TIME_S + 13,
            }),
        ),
        (
            forge(first, origin, vec![first.deposits[0].clone(), portal(2, 5, 1, account_address(1), 0, 21_000)]),
            Mismatch::Deposits(DepositsMismatch::OtherL1Block { index: 1 }),
        ),
        (
            forge(first, origin, vec![first.deposits[1].clone(), first.deposits[0].clone()]),
            Mismatch::Deposits(DepositsMismatch::NotInLogOrder { index: 1 }),
        ),
    ];
    for (forged, expected) in cases {
        assert_eq!(importer.import(&forged, &s.source()), Err(ImportError::Mismatch(expected.clone())), "{expected}");
        assert_eq!((importer.head(), importer.head_origin(), importer.hvm().state_root()), before);
    }
    importer.import(first, &s.source()).expect("the real block imports");
    // Deposits in the epoch's second block; a deposit dropped from the first.
    let second = &blocks[1];
    let late =
        forge(second, second.header.l1_origin.expect("settlement"), vec![portal(1, 9, 1, depositor(), 0, 21_000)]);
    assert_eq!(
        importer.import(&late, &s.source()),
        Err(ImportError::Mismatch(Mismatch::Deposits(DepositsMismatch::NotFirstOfEpoch {
            count: 1,
            sequence_number: 1
        })))
    );
    importer.import(second, &s.source()).expect("the real block imports");
    // A deposit left out of a block whose header was not recomputed: execution disagrees.
    let third = &blocks[2];
    let dropped = forge(third, third.header.l1_origin.expect("settlement"), vec![]);
    let result = importer.import(&dropped, &s.source());
    assert!(
        matches!(result, Err(ImportError::Mismatch(Mismatch::Header { field: HeaderField::StateRoot, .. }))),
        "{result:?}"
    );
    importer.import(third, &s.source()).expect("the real block imports");
}

/// A sequencer that leaves a deposit out and builds an honest header has a consistent block:
/// it imports, and derivation's consolidation is what names the deposits (then reorgs it out).
#[test]
fn a_censored_deposit_is_consolidations_to_name() {
    let s = settled();
    let (mut censor, mut importer, genesis) = (s.chain(0), s.chain(0), s.chain(0));
    let deposits = vec![portal(1, 0, ETHER, account_address(0), 0, 21_000)];
    let honest = s.build(&mut s.chain(0), 1, deposits, true, &[]).expect("valid inputs");
    let censored = s.build(&mut censor, 1, vec![], true, &[]).expect("valid inputs");
    importer.import(&censored, &s.source()).expect("a consistent block imports");
    let derived = attributes_of(&honest, &genesis);
    let origin = censored.header.l1_origin.expect("settlement");
    let sequenced = censored.sequenced();
    let content = UnsafeBlockContent {
        parent_hash: censored.header.parent_hash,
        timestamp_s: censored.header.timestamp_s,
        l1_origin: &origin.block,
        deposits: &censored.deposits,
        sequenced: &sequenced,
    };
    assert_eq!(consolidate(&derived, &content), Consolidation::Reorg(consolidation::Mismatch::Deposits));
}

#[test]
fn settlement_and_its_absence_are_both_enforced() {
    let s = settled();
    let mut chain = s.chain(0);
    let attributes = next_attributes(chain.view(), &s.btc, 3);
    let inputs = BlockInputs::bitcoin_only(GENESIS_TIME_S + 12, GAS_LIMIT, attributes.clone());
    assert_eq!(
        chain.build(inputs, &s.source(), |_| Body::default()).map(|_| ()),
        Err(ImportError::Mismatch(Mismatch::L1Origin(OriginMismatch::Missing)))
    );
    // A chain without a settlement layer: no origin, and Bitcoin attributes in every block.
    let plain_spec = L2GenesisSpec::new(4);
    let plain_genesis = plain_spec.block(&plain_spec.hvm(), &s.btc_genesis).hash();
    let rules = ChainRules { settlement: None, ..chain.rules().clone() };
    let mut plain = L2Chain::new(rules, plain_spec.hvm(), &s.btc_genesis, plain_genesis);
    let with_origin = BlockInputs {
        l1: Some(L1Inputs { origin: l1(1), deposits: vec![] }),
        ..BlockInputs::bitcoin_only(GENESIS_TIME_S + 12, GAS_LIMIT, attributes)
    };
    assert_eq!(
        plain.build(with_origin.clone(), &s.source(), |_| Body::default()).map(|_| ()),
        Err(ImportError::Mismatch(Mismatch::L1Origin(OriginMismatch::NoSettlementLayer)))
    );
    let without_attributes = BlockInputs { l1: None, attributes: None, ..with_origin };
    assert_eq!(
        plain.build(without_attributes, &s.source(), |_| Body::default()).map(|_| ()),
        Err(ImportError::Mismatch(Mismatch::NoAttributes))
    );
    assert_eq!(plain.head().number, L2Number(0));
    assert_eq!(plain.head_ref(), None);
    // A block of a plain chain that smuggles in a deposit does not import on another.
    let inputs = BlockInputs::bitcoin_only(GENESIS_TIME_S + 12, GAS_LIMIT, next_attributes(plain.view(), &s.btc, 3));
    let block = plain.build(inputs, &s.source(), |_| Body::default()).expect("a valid plain block");
    let (attributes, tunnel) = (block.attributes.clone(), block.tunnel.clone());
    let deposits = vec![portal(1, 0, ETHER, depositor(), 0, 21_000)];
    let smuggled = L2Block::seal(block.header.clone(), deposits, attributes, tunnel, vec![], vec![]);
    let rules = ChainRules { settlement: None, ..chain.rules().clone() };
    let mut other = L2Chain::new(rules, plain_spec.hvm(), &s.btc_genesis, plain_genesis);
    assert_eq!(
        other.import(&smuggled, &s.source()),
        Err(ImportError::Mismatch(Mismatch::Deposits(DepositsMismatch::WithoutOrigin { count: 1 })))
    );
    other.import(&block, &s.source()).expect("the block itself imports");
    assert_ne!(plain_genesis, s.l2_genesis, "the settlement genesis differs (L1Block, origin)");
}

#[test]
fn deposits_beyond_the_blocks_gas_are_refused_and_change_nothing() {
    let s = settled();
    let mut chain = s.chain(0);
    let user = account_address(0);
    // The first fails (a value beyond its balance) and so uses all its 20M gas; the second does
    // not fit what is left.
    let deposits = vec![portal(1, 0, ETHER, user, 2 * ETHER, 20_000_000), portal(1, 1, ETHER, user, 0, 20_000_000)];
    let result = s.build(&mut chain, 1, deposits, true, &[]);
    let Err(ImportError::Mismatch(Mismatch::Deposits(DepositsMismatch::BlockGasExceeded { index, gas_limit, .. }))) =
        result
    else {
        panic!("expected the second deposit to exceed the block's gas, got {result:?}");
    };
    assert_eq!((index, gas_limit), (2, 20_000_000), "index 2: after the L1-info deposit and the first");
    assert_eq!(chain.head().number, L2Number(0));
    assert_eq!(chain.hvm().balance(depositor()), U256::ZERO, "the first deposit's mint is gone too");
    assert_eq!(chain.view().tip().0, crate::units::BtcHeight(0), "the attributes are taken back");
}

#[test]
fn derive_names_what_it_cannot_execute_and_changes_nothing() {
    let s = settled();
    let mut sequencer = s.chain(0);
    let blocks = three_blocks(&s, &mut sequencer);
    let mut deriver = s.chain(0);
    let good = attributes_of(&blocks[0], &deriver);
    let mut bad_tx = good.clone();
    let SequencedTx::User(tx) = &good.sequenced[1] else { panic!("a user transaction") };
    bad_tx.sequenced[1] = SequencedTx::User(Arc::new(L2Tx { nonce: 7, ..(**tx).clone() }));
    assert!(matches!(
        deriver.derive(&bad_tx, GAS_LIMIT, &s.source()),
        Err(ImportError::Mismatch(Mismatch::InvalidTransaction { index: 1, .. }))
    ));
    let mut misplaced = good.clone();
    misplaced.sequenced.swap(0, 1);
    assert_eq!(
        deriver.derive(&misplaced, GAS_LIMIT, &s.source()).map(|_| ()),
        Err(ImportError::Mismatch(Mismatch::MisplacedAttributes { index: 1 }))
    );
    let orphan = DerivedAttributes { parent: blocks[0].l2_ref().expect("settlement"), ..good.clone() };
    assert!(matches!(
        deriver.derive(&orphan, GAS_LIMIT, &s.source()),
        Err(ImportError::Mismatch(Mismatch::Parent { .. }))
    ));
    assert_eq!(deriver.head().number, L2Number(0));
    assert_eq!(deriver.hvm().balance(depositor()), U256::ZERO);
    // Holocene: the invalid payload becomes a deposit-only block with the same deposits.
    let deposit_only = DerivedAttributes { sequenced: vec![], forced: true, ..bad_tx };
    let block = deriver.derive(&deposit_only, GAS_LIMIT, &s.source()).expect("deposits always execute");
    assert!(block.attributes.is_none() && block.txs.is_empty());
    assert_eq!(block.deposits, blocks[0].deposits);
    assert_eq!(deriver.hvm().nonce(depositor()), 2, "both deposits executed");
}
