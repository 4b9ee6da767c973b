//! The sequencer on a settlement chain, driven by hand: origins by the rule (one step at a time,
//! `confs` deep), an epoch's first block carrying its origin's deposits, deposit-only blocks past
//! the drift, slots passed when no origin is possible, and a verifier importing every block.

use super::chain::ChainRules;
use super::genesis::{GENESIS_TIME_S, L2GenesisSpec};
use super::node::{DerivationSetup, HeadEvent};
use super::sequencer::{KeystoneSource, Production, Sequencer, SequencerConfig, SequencerSettlement};
use super::verifier::{Verdict, Verifier};
use crate::btc::genesis::genesis_block;
use crate::btc::node::BitcoinNode;
use crate::btc::params::ChainParams;
use crate::btc::sealed::SealedBlock;
use crate::eth::EthParams;
use crate::eth::batcher::BatcherConfig;
use crate::eth::derivation::DerivationConfig;
use crate::eth::origin::{OriginError, OriginRules};
use crate::eth::test_l1::deposit;
use crate::eth::types::{L1Block, L1BlockRef};
use crate::rng::Stream;
use crate::time::{SimDuration, SimTime};
use crate::units::{L1Number, L2Number};
use revm::primitives::{Address, B256};
use std::sync::Arc;

/// Drift 36 s and 2 confirmations: every case of the rule within a few blocks.
const RULES: OriginRules = OriginRules { block_time_s: 12, max_sequencer_drift_s: 36, sequencer_l1_confs: 2 };

/// The L1 block after `parent` (genesis without one), `offset_s` after the L2 genesis's time.
fn l1_block(parent: Option<&L1Block>, offset_s: u64, deposits: u32) -> Arc<L1Block> {
    let number = parent.map_or(L1Number::ZERO, |p| p.block.number.next());
    let parent_hash = parent.map_or(B256::ZERO, |p| p.block.hash);
    let hash = B256::with_last_byte(number.0 as u8 + 1);
    let block = L1BlockRef { number, hash, parent_hash, time_s: GENESIS_TIME_S + offset_s };
    Arc::new(L1Block { block, deposits: (0..deposits).map(|i| deposit(hash, i)).collect(), batcher_txs: vec![] })
}

struct Run {
    sequencer: Sequencer,
    verifier: Verifier,
    btc: BitcoinNode,
}

impl Run {
    fn new(l1_genesis: &L1Block) -> Run {
        Run::with_window(l1_genesis, EthParams::default().seq_window_blocks)
    }

    /// A run whose sequencer derives with a sequencing window of `sws` L1 blocks.
    fn with_window(l1_genesis: &L1Block, sws: u64) -> Run {
        let btc_genesis = SealedBlock::seal(genesis_block(&[]));
        let spec = L2GenesisSpec::new(0).with_settlement(l1_genesis.block);
        let l2_genesis = spec.block(&spec.hvm(), &btc_genesis).hash();
        let settlement = spec.settlement().expect("a settlement chain");
        let params = EthParams { seq_window_blocks: sws, ..EthParams::default() };
        let config = SequencerConfig {
            block_time: SimDuration::from_secs(12),
            gas_limit: 30_000_000,
            max_headers_per_block: 3,
            mempool_capacity: 10,
            beneficiary: Address::ZERO,
            keystone_interval_blocks: None,
            tunnel: None,
            settlement: Some(SequencerSettlement {
                genesis: settlement,
                origin_rules: RULES,
                derivation: DerivationSetup {
                    config: DerivationConfig::new(&params, RULES.block_time_s),
                    gas_limit: 30_000_000,
                    finality_depth_blocks: params.finality_depth_blocks,
                },
                batcher: BatcherConfig::new(&params),
                keystone_source: KeystoneSource::Unsafe,
                batcher_down: Vec::new(),
            }),
            censorship: Default::default(),
            halts: Vec::new(),
        };
        let rules = ChainRules {
            max_headers_per_block: 3,
            beneficiary: Address::ZERO,
            tunnel: None,
            rewind_depth: 0,
            settlement: Some(settlement),
        };
        Run {
            sequencer: Sequencer::new(config, spec.hvm(), &btc_genesis, l2_genesis),
            verifier: Verifier::with_rules(rules, spec.hvm(), &btc_genesis, l2_genesis, None),
            btc: BitcoinNode::new(
                ChainParams { max_block_weight: 4_000_000 },
                btc_genesis,
                &[],
                0.0,
                Stream::derive(0, "tie"),
            ),
        }
    }

    fn hear(&mut self, block: &Arc<L1Block>) {
        let outcome = self.sequencer.on_l1_block(block.clone(), SimTime::ZERO, &self.btc);
        assert!(outcome.heads.is_empty(), "no batches, and the sequencing window is far: no head moves");
    }

    /// The block of the slot at `at_s`, which the verifier must import as it is.
    fn produce(&mut self, at_s: u64) -> Result<Production, OriginError> {
        let produced = self.sequencer.try_produce(SimTime::ZERO + SimDuration::from_secs(at_s), &self.btc)?;
        let number = produced.block.header.number;
        assert_eq!(self.verifier.on_block(produced.block.clone(), &self.btc), vec![Verdict::Verified { number }]);
        Ok(produced)
    }
}

/// `(origin, sequence number, deposits, has attributes)` of a produced block.
fn shape(produced: &Production) -> (u64, u64, usize, bool) {
    let origin = produced.block.header.l1_origin.expect("every block of a settlement chain has an origin");
    (origin.block.number.0, origin.sequence_number, produced.block.deposits.len(), produced.block.attributes.is_some())
}

#[test]
fn the_sequencer_follows_the_origin_rule_and_executes_each_epochs_deposits_once() {
    let genesis = l1_block(None, 0, 0);
    let b1 = l1_block(Some(&genesis), 12, 2);
    let b2 = l1_block(Some(&b1), 24, 1);
    let b3 = l1_block(Some(&b2), 36, 0);
    let mut run = Run::new(&genesis);

    run.hear(&b1);
    let stay = run.produce(12).expect("within the drift");
    assert_eq!(shape(&stay), (0, 1, 0, true), "block 1 is 1 deep, not 2: the genesis origin goes on");
    run.hear(&b2);
    run.hear(&b3);
    let adopt = run.produce(24).expect("within the drift");
    assert_eq!(shape(&adopt), (1, 0, 2, true), "block 1 is 2 deep: its epoch opens with its 2 deposits");
    assert_eq!(adopt.block.deposits, b1.deposits);
    let next = run.produce(36).expect("within the drift");
    assert_eq!(shape(&next), (1, 1, 0, true), "block 2 is only 1 deep; block 1's deposits are not repeated");
    assert!(run.produce(48).is_ok(), "48 s is exactly the drift past origin 1's 12 s: still allowed");

    // L1 goes quiet: past the drift with block 2 not 2 deep, no origin is possible.
    let skipped = run.produce(60).expect_err("past the drift, nothing to move to");
    assert!(matches!(skipped, OriginError::NextOriginNotReady { needed: L1Number(2), .. }), "{skipped}");
    assert_eq!(run.sequencer.head_number(), L2Number(4), "the slot passes without a block");

    // L1 resumes after a gap. The slot passed, so the next block still has the next time, 60 s
    // (its parent's plus the block time), which the clock is already past.
    let b4 = l1_block(Some(&b3), 200, 0);
    let b5 = l1_block(Some(&b4), 212, 0);
    run.hear(&b4);
    run.hear(&b5);
    let late = run.produce(72).expect("block 2 is now 3 deep");
    assert_eq!(shape(&late), (2, 0, 1, true), "60 s is exactly origin 2's drift: still allowed");
    assert_eq!(late.block.header.timestamp_s, GENESIS_TIME_S + 60);
    let next = run.produce(84).expect("block 3 is 2 deep");
    assert_eq!(shape(&next), (3, 0, 0, true));
    assert!(run.produce(96).is_err(), "block 4 is only 1 deep and 84 s is past origin 3's drift");

    // Block 4 is deep now, but its time (200 s) is after the next L2 block's: the origin stays,
    // past its drift: deposits only, no attributes, no user transactions.
    let b6 = l1_block(Some(&b5), 224, 0);
    run.hear(&b6);
    let forced = run.produce(96).expect("past the drift, deposits only");
    assert_eq!(shape(&forced), (3, 1, 0, false));
    assert!(forced.block.txs.is_empty(), "no user transactions past the drift");
    assert_eq!(run.verifier.verified, 7, "the verifier imported every block as built");
}

/// An unsafe reorg leaves a node exactly where a node that never saw the unsafe blocks stands:
/// with no batches, a verifier that imported the sequencer's blocks and one that saw none derive
/// the same forced blocks once the window closes, and end on the same head (block hash, hence
/// state root), as does the sequencer's own node.
#[test]
fn an_unsafe_reorg_ends_where_derivation_alone_ends() {
    let sws = 12;
    let genesis = l1_block(None, 0, 0);
    let mut run = Run::with_window(&genesis, sws);
    let btc_genesis = SealedBlock::seal(genesis_block(&[]));
    let spec = L2GenesisSpec::new(0).with_settlement(genesis.block);
    let l2_genesis = spec.block(&spec.hvm(), &btc_genesis).hash();
    let settlement = spec.settlement().expect("a settlement chain");
    let params = EthParams { seq_window_blocks: sws, ..EthParams::default() };
    let setup = DerivationSetup {
        config: DerivationConfig::new(&params, RULES.block_time_s),
        gas_limit: 30_000_000,
        finality_depth_blocks: params.finality_depth_blocks,
    };
    let rules = ChainRules {
        max_headers_per_block: 3,
        beneficiary: Address::ZERO,
        tunnel: None,
        rewind_depth: usize::MAX,
        settlement: Some(settlement),
    };
    let verifier = |_| Verifier::with_rules(rules.clone(), spec.hvm(), &btc_genesis, l2_genesis, Some(setup));
    let (mut follower, mut deriver) = (verifier(()), verifier(()));

    // Every 12 s an L1 block (with a deposit every third) and an L2 block the follower imports.
    let mut l1 = vec![genesis];
    let mut reorgs = 0;
    for slot in 1..=40u64 {
        let block = l1_block(l1.last().map(|b| &**b), 12 * slot, u32::from(slot.is_multiple_of(3)));
        l1.push(block.clone());
        run.sequencer.on_l1_block(block.clone(), SimTime::ZERO, &run.btc);
        follower.on_l1_block(&block, &run.btc);
        deriver.on_l1_block(&block, &run.btc);
        reorgs += follower.take_head_events().iter().filter(|e| matches!(e, HeadEvent::Reorg { .. })).count();
        if let Ok(produced) = run.sequencer.try_produce(SimTime::ZERO + SimDuration::from_secs(12 * slot), &run.btc) {
            follower.on_block(produced.block, &run.btc);
        }
    }
    assert!(reorgs > 0, "the window closed on unbatched blocks: the follower reorged");
    let safe = deriver.node().safe_head().expect("a settlement chain");
    assert_eq!(safe.l1_origin.number, L1Number(40 - sws), "the safe head trails L1 by the window");
    for node in [follower.node(), run.sequencer.node()] {
        assert_eq!(node.safe_head(), Some(safe), "the same safe chain");
    }
    assert_eq!(deriver.node().chain().head().hash, safe.hash, "the block hash commits the state root");
}
