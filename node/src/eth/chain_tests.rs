//! The mock L1 chain on its own: missed slots against their binomial law, the slot grid and
//! parent links, the deposit gas cap's spill-over in submission order, batcher transactions,
//! finality by depth, and block hashes.

use super::chain::{DepositTicket, L1Chain, NewBlock};
use super::metering::GWEI;
use super::params::EthParams;
use super::portal::{DepositRequest, PortalError};
use super::types::{BatcherTx, ChannelContent, ChannelId, DataKind, Frame};
use crate::rng::Stream;
use crate::time::{SimDuration, SimTime};
use crate::units::L1Number;
use revm::primitives::{Address, B256, Bytes, U256};
use std::sync::Arc;

fn params(missed_slot_rate: f64) -> EthParams {
    EthParams { missed_slot_rate, ..EthParams::default() }
}

/// Runs `slots` slots, returning the blocks made.
fn run(chain: &mut L1Chain, rng: &mut Stream, slots: u64) -> Vec<NewBlock> {
    (0..slots).filter_map(|_| chain.on_slot(chain.next_slot_start(), rng)).collect()
}

fn deposit(gas_limit: u64, tag: u8) -> DepositRequest {
    DepositRequest {
        l1_sender: Address::repeat_byte(tag),
        sender_is_contract: false,
        to: Address::repeat_byte(0xee),
        mint: U256::from(tag),
        value: U256::ZERO,
        gas_limit,
        is_creation: false,
        data: Bytes::new(),
    }
}

fn batcher_tx(channel: u8) -> BatcherTx {
    let content = Arc::new(ChannelContent { batches: Vec::new() });
    let frame = Frame { channel: ChannelId([channel; 16]), number: 0, is_last: true, size_bytes: 1_000, content };
    BatcherTx { frames: vec![frame], data_kind: DataKind::Blob }
}

#[test]
fn missed_slots_follow_their_rate_within_a_99_percent_interval() {
    for rate in [0.05, 0.3] {
        let mut chain = L1Chain::new(&params(rate), SimTime::ZERO);
        let mut rng = Stream::derive(11, "l1");
        let n = 50_000u64;
        let made = run(&mut chain, &mut rng, n).len() as u64;
        assert_eq!(made + chain.missed_slots(), n);
        assert_eq!(chain.latest_number(), L1Number(made));
        // Binomial(n, rate): the normal approximation's 99% interval, z = 2.576.
        let expected = n as f64 * rate;
        let half_width = 2.576 * (n as f64 * rate * (1.0 - rate)).sqrt();
        let missed = chain.missed_slots() as f64;
        assert!(
            (missed - expected).abs() <= half_width,
            "rate {rate}: {missed} missed, expected {expected} ± {half_width}"
        );
    }
}

#[test]
fn blocks_sit_on_the_slot_grid_and_link_to_their_parents() {
    let genesis_time = SimTime::ZERO + SimDuration::from_secs(100);
    let mut chain = L1Chain::new(&params(0.25), genesis_time);
    let mut rng = Stream::derive(3, "l1");
    let blocks = run(&mut chain, &mut rng, 200);
    assert!(chain.missed_slots() > 20, "the test must see missed slots");
    let mut parent = chain.block_ref(L1Number::ZERO).expect("genesis");
    assert_eq!(parent.time_s, 100);
    for new in &blocks {
        let block = new.block.block;
        assert_eq!(block.number, parent.number.next());
        assert_eq!(block.parent_hash, parent.hash);
        assert!(block.time_s > parent.time_s && (block.time_s - 100) % 12 == 0, "on the 12 s grid: {}", block.time_s);
        assert_eq!(chain.block_by_hash(&block.hash).map(|b| b.block), Some(block));
        parent = block;
    }
    assert_eq!(chain.slots(), 201, "genesis's slot and 200 more");
    assert_eq!(chain.next_slot_start(), genesis_time + SimDuration::from_secs(201 * 12));
    // A reader that has seen block 150 reads the rest in order.
    let rest: Vec<L1Number> = chain.blocks_after(L1Number(150)).map(|b| b.block.number).collect();
    assert_eq!(rest, (151..=chain.latest_number().0).map(L1Number).collect::<Vec<_>>());
    assert_eq!(chain.blocks_after(chain.latest_number()).count(), 0);
}

#[test]
fn no_missed_slots_at_rate_zero_and_none_made_at_rate_one() {
    let mut chain = L1Chain::new(&params(0.0), SimTime::ZERO);
    assert_eq!(run(&mut chain, &mut Stream::derive(1, "l1"), 500).len(), 500);
    let mut chain = L1Chain::new(&params(1.0), SimTime::ZERO);
    assert_eq!(run(&mut chain, &mut Stream::derive(1, "l1"), 500).len(), 0);
    assert_eq!(chain.latest_number(), L1Number::ZERO);
}

#[test]
#[should_panic(expected = "on the slot grid")]
fn a_slot_off_the_grid_is_a_caller_bug() {
    let mut chain = L1Chain::new(&params(0.0), SimTime::ZERO);
    chain.on_slot(SimTime::ZERO + SimDuration::from_secs(13), &mut Stream::derive(1, "l1"));
}

#[test]
fn deposits_over_the_gas_cap_wait_for_the_next_block_in_submission_order() {
    let mut chain = L1Chain::new(&params(0.0), SimTime::ZERO);
    let mut rng = Stream::derive(1, "l1");
    let at = |s| SimTime::ZERO + SimDuration::from_secs(s);
    // 8M + 8M fit the 20M cap; the third 8M does not, and the small fourth waits behind it.
    let tickets: Vec<DepositTicket> = [(8_000_000, 1), (8_000_000, 2), (8_000_000, 3), (1_000_000, 4)]
        .into_iter()
        .map(|(gas, tag)| chain.submit_deposit(deposit(gas, tag), at(u64::from(tag))).expect("valid"))
        .collect();
    assert_eq!(tickets, (0..4).map(DepositTicket).collect::<Vec<_>>());
    let first = chain.on_slot(chain.next_slot_start(), &mut rng).expect("no missed slots");
    let second = chain.on_slot(chain.next_slot_start(), &mut rng).expect("no missed slots");
    let summary = |new: &NewBlock| -> Vec<(DepositTicket, u32, u64)> {
        new.deposits.iter().map(|d| (d.ticket, d.log_index, d.submitted_at.as_secs())).collect()
    };
    assert_eq!(summary(&first), [(DepositTicket(0), 0, 1), (DepositTicket(1), 1, 2)]);
    assert_eq!(summary(&second), [(DepositTicket(2), 0, 3), (DepositTicket(3), 1, 4)]);
    // The events name their block and index; senders are kept in order.
    for new in [&first, &second] {
        for (i, event) in new.block.deposits.iter().enumerate() {
            assert_eq!((event.l1_block_hash, event.log_index), (new.block.block.hash, i as u32));
        }
    }
    let senders: Vec<Address> = first.block.deposits.iter().chain(&second.block.deposits).map(|d| d.from).collect();
    assert_eq!(senders, (1..=4).map(Address::repeat_byte).collect::<Vec<_>>());
    assert_eq!((chain.pending_deposits(), chain.deposits_included()), (0, 4));
    // Block 1 bought 16M, far over the 2M target: block 2's deposits pay a higher base fee.
    assert_eq!(first.deposits[0].cost.base_fee_wei, GWEI);
    assert_eq!(second.deposits[0].cost.base_fee_wei, GWEI + GWEI * 14 / 16);
    assert_eq!(second.deposits[1].cost.base_fee_wei, second.deposits[0].cost.base_fee_wei, "one fee per block");
}

#[test]
fn pending_transactions_survive_a_missed_slot() {
    let mut chain = L1Chain::new(&params(0.5), SimTime::ZERO);
    let mut rng = Stream::derive(5, "l1");
    // One deposit and one batcher transaction before every slot: a block takes all submitted
    // since the last block, however many slots were missed in between.
    let mut submitted = 0;
    for _ in 0..200 {
        chain.submit_deposit(deposit(21_000, 9), chain.next_slot_start()).expect("valid");
        chain.submit_batcher_tx(batcher_tx(submitted));
        submitted += 1;
        if let Some(new) = chain.on_slot(chain.next_slot_start(), &mut rng) {
            assert_eq!(new.block.deposits.len(), usize::from(submitted));
            assert_eq!(new.block.batcher_txs.len(), usize::from(submitted));
            let channels: Vec<u8> = new.block.batcher_txs.iter().map(|tx| tx.frames[0].channel.0[0]).collect();
            assert_eq!(channels, (0..submitted).collect::<Vec<_>>(), "in submission order");
            submitted = 0;
        }
    }
    assert!(chain.missed_slots() > 50, "the test must see missed slots");
}

#[test]
fn invalid_deposits_are_refused_and_not_queued() {
    let mut chain = L1Chain::new(&params(0.0), SimTime::ZERO);
    let too_little = DepositRequest { data: Bytes::from(vec![1; 10]), ..deposit(21_000, 1) };
    assert_eq!(
        chain.submit_deposit(too_little, SimTime::ZERO),
        Err(PortalError::SmallGasLimit { gas_limit: 21_000, minimum: 21_160, data_bytes: 10 })
    );
    assert_eq!(chain.pending_deposits(), 0);
    assert_eq!(
        chain.submit_deposit(deposit(21_000, 1), SimTime::ZERO),
        Ok(DepositTicket(0)),
        "tickets count accepted ones"
    );
}

#[test]
fn finality_is_by_depth() {
    let mut chain = L1Chain::new(&params(0.1), SimTime::ZERO);
    let mut rng = Stream::derive(2, "l1");
    run(&mut chain, &mut rng, 60);
    assert!(chain.latest_number() < L1Number(64));
    assert_eq!(chain.finalized().number, L1Number::ZERO, "only genesis until 64 blocks are on top of it");
    while chain.latest_number() < L1Number(100) {
        chain.on_slot(chain.next_slot_start(), &mut rng);
    }
    assert_eq!(chain.finalized().number, L1Number(36));
    assert_eq!(chain.finalized(), chain.block_ref(L1Number(36)).expect("block 36"));
    assert!(chain.is_finalized(L1Number(36)) && !chain.is_finalized(L1Number(37)));
}

#[test]
fn hashes_are_deterministic_and_cover_the_contents() {
    let build = |with_deposit: bool| {
        let mut chain = L1Chain::new(&params(0.2), SimTime::ZERO);
        let mut rng = Stream::derive(8, "l1");
        run(&mut chain, &mut rng, 10);
        if with_deposit {
            chain.submit_deposit(deposit(50_000, 1), SimTime::ZERO).expect("valid");
        }
        run(&mut chain, &mut rng, 10);
        chain
    };
    let (a, b, c) = (build(false), build(false), build(true));
    assert_eq!(a.latest(), b.latest(), "same seed, same chain");
    let n = a.latest_number();
    assert_eq!(c.latest_number(), n, "the deposit draws nothing from the stream");
    let first_differing =
        (1..=n.0).map(L1Number).find(|&k| a.block_ref(k) != c.block_ref(k)).expect("contents change hashes");
    assert_eq!(c.block(first_differing).map(|b| b.deposits.len()), Some(1), "the block with the deposit differs first");
    let hashes: std::collections::BTreeSet<B256> =
        (0..=n.0).filter_map(|k| a.block_ref(L1Number(k))).map(|r| r.hash).collect();
    assert_eq!(hashes.len() as u64, n.0 + 1, "distinct hashes");
}
