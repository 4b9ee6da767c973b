use super::*;
use crate::btc::background::{BackgroundLoad, LoadRegime};
use crate::btc::genesis::{Allocation, genesis_block};
use crate::btc::miner::Miner;
use crate::btc::node::BitcoinNode;
use crate::btc::params::ChainParams;
use crate::btc::script::p2pkh_for;
use crate::btc::sealed::SealedBlock;
use crate::btc::wallet::Wallet;
use crate::events::{Action, Observation};
use crate::rng::Stream;
use crate::time::SimDuration;
use crate::units::FeeRate;

const REGIME: LoadRegime = LoadRegime {
    rate_per_s: 1.0,
    fee_rate_min: FeeRate::from_sat_per_vb(1.0),
    fee_rate_max: FeeRate::from_sat_per_vb(100.0),
};

fn demand() -> Demand {
    Demand::new(Arrivals::new(Stream::derive(7, "background/load"), REGIME, None))
}

fn genesis() -> Arc<SealedBlock> {
    SealedBlock::seal(genesis_block(&[Allocation { script: p2pkh_for("bg"), value: Amount::ONE_BTC, count: 200 }]))
}

fn node(genesis: &Arc<SealedBlock>, demand: &Demand, max_block_weight: u64) -> BitcoinNode {
    BitcoinNode::new(ChainParams { max_block_weight }, genesis.clone(), &[p2pkh_for("bg")], 0.0, Stream::derive(0, "t"))
        .with_demand(demand.clone())
}

fn secs(s: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(s)
}

fn ids(items: &[DemandItem]) -> Vec<DemandId> {
    let mut ids: Vec<DemandId> = items.iter().map(|i| i.id).collect();
    ids.sort_unstable();
    ids
}

fn all_pending(node: &BitcoinNode, now: SimTime) -> Vec<DemandId> {
    ids(&node.pending_demand(now, u64::MAX))
}

#[test]
fn an_item_is_the_size_of_the_background_wallets_self_split() {
    let g = genesis();
    let mut n = BitcoinNode::new(
        ChainParams { max_block_weight: 4_000_000 },
        g,
        &[p2pkh_for("bg")],
        0.0,
        Stream::derive(0, "t"),
    );
    let mut wallet = Wallet::new("bg");
    wallet.apply(&n.take_coin_deltas());
    for rate in [1.0, 37.5, 400.0] {
        let tx = wallet.self_split(FeeRate::from_sat_per_vb(rate)).expect("funded");
        assert_eq!(tx.vsize() as u64, DEMAND_VSIZE, "at {rate} sat/vB");
    }
}

#[test]
fn arrivals_and_fee_rates_are_those_of_the_per_transaction_model() {
    // The transaction model on the same stream: its TxSent observations, up to one hour.
    let g = genesis();
    let mut n = BitcoinNode::new(
        ChainParams { max_block_weight: 4_000_000 },
        g,
        &[p2pkh_for("bg")],
        0.0,
        Stream::derive(0, "t"),
    );
    let mut wallet = Wallet::new("bg");
    wallet.apply(&n.take_coin_deltas());
    let mut load = BackgroundLoad::new(wallet, Stream::derive(7, "background/load"), REGIME, None);
    let (mut now, mut sent) = (SimTime::ZERO, Vec::new());
    // The first delay is armed at the start; each arrival arms the next (a `Schedule`).
    let mut next = load.next_delay(now);
    while let Some(delay) = next.take() {
        now = now + delay;
        if now > secs(180) {
            break;
        }
        let mut out = Vec::new();
        load.on_timer(now, &mut n, &mut out);
        for action in out {
            match action {
                Action::Observe(Observation::TxSent { fee_rate, .. }) => {
                    sent.push(fee_rate.fee_for_vsize(DEMAND_VSIZE))
                }
                Action::Schedule { after, .. } => next = Some(after),
                _ => {}
            }
        }
    }
    let d = demand();
    let store = node(&genesis(), &d, 4_000_000);
    let mut pending = store.pending_demand(secs(180), u64::MAX);
    pending.sort_by_key(|i| i.id);
    assert!(sent.len() > 100, "about 180 arrivals, got {}", sent.len());
    assert_eq!(pending.iter().map(DemandItem::fee).collect::<Vec<_>>(), sent);
}

#[test]
fn a_template_takes_demand_and_transactions_by_fee_rate_within_the_weight_limit() {
    let d = demand();
    let g = genesis();
    // Room for about 100 items: the best-paying ones, in fee-rate order.
    let mut n = node(&g, &d, 100 * DEMAND_VSIZE * 4 + crate::btc::miner::COINBASE_RESERVED_WEIGHT);
    let mut miner = Miner::new("m", 600.0, Stream::derive(1, "m"));
    let (block, fees) = miner.mine_on_tip(&n, secs(600));
    let fill = block.demand().expect("aggregate blocks carry a fill").clone();
    let arrived = all_pending(&n, secs(600)).len();
    assert!(arrived > 500 && fill.items.len() == 100, "{arrived} arrived, {} taken", fill.items.len());
    assert!(block.weight() <= n.params().max_block_weight);
    assert_eq!(fees, fill.fees());
    assert!(n.receive_block(block.clone()).rejected.is_empty(), "the coinbase may claim the demand's fees");
    let cheapest_taken = fill.items.iter().map(|i| i.fee_rate).min().expect("some");
    let left = n.pending_demand(secs(600), u64::MAX);
    assert_eq!(left.len() + fill.items.len(), arrived, "the block's demand is no longer pending for its chain");
    assert!(left[0].fee_rate <= cheapest_taken, "nothing better was left behind");
    assert!(block.coinbase().expect("coinbase").output.iter().any(|o| o.script_pubkey.is_op_return()));
}

#[test]
fn demand_confirmed_by_a_block_is_pending_again_on_chains_without_it() {
    let d = demand();
    let g = genesis();
    let (mut a, mut b) = (node(&g, &d, 4_000_000), node(&g, &d, 4_000_000));
    let mut miner_a = Miner::new("a", 600.0, Stream::derive(1, "a"));
    let mut miner_b = Miner::new("b", 600.0, Stream::derive(1, "b"));
    let (a1, _) = miner_a.mine_on_tip(&a, secs(300));
    a.receive_block(a1.clone());
    let in_a1 = ids(&a1.demand().expect("fill").items);
    assert!(!in_a1.is_empty());
    let before = all_pending(&b, secs(400));
    assert!(in_a1.iter().all(|id| before.contains(id)), "b has not seen a1: its demand is still pending for b");
    assert!(in_a1.iter().all(|id| !all_pending(&a, secs(400)).contains(id)), "a's chain confirmed it");
    // b mines two blocks (at 400 s and 500 s); a adopts b's longer chain and gets a1's demand back,
    // except what b's blocks confirm too.
    let (b1, _) = miner_b.mine_on_tip(&b, secs(400));
    b.receive_block(b1.clone());
    let (b2, _) = miner_b.mine_on_tip(&b, secs(500));
    b.receive_block(b2.clone());
    a.receive_block(b1.clone());
    let change = a.receive_block(b2.clone()).tip_change.expect("a reorgs");
    assert!(change.is_reorg());
    let in_b = [ids(&b1.demand().expect("fill").items), ids(&b2.demand().expect("fill").items)].concat();
    let now_a = all_pending(&a, secs(500));
    assert_eq!(now_a, all_pending(&b, secs(500)), "one chain, one view");
    for id in in_a1 {
        assert_eq!(now_a.contains(&id), !in_b.contains(&id), "item {id}");
    }
}

#[test]
fn settled_blocks_keep_their_demand_confirmed_and_return_an_orphans() {
    let d = demand();
    let g = genesis();
    let (mut a, mut b) = (node(&g, &d, 4_000_000), node(&g, &d, 4_000_000));
    let mut miner_a = Miner::new("a", 600.0, Stream::derive(1, "a"));
    let mut miner_b = Miner::new("b", 600.0, Stream::derive(1, "b"));
    // An orphan at height 1 (b never sees it) mined at 60 s, then b's chain of FINAL_DEPTH + 2.
    let (orphan, _) = miner_a.mine_on_tip(&a, secs(60));
    let orphaned = ids(&orphan.demand().expect("fill").items);
    let mut confirmed = Vec::new();
    for i in 1..=FINAL_DEPTH as u64 + 2 {
        let (block, _) = miner_b.mine_on_tip(&b, secs(60 + i * 600));
        confirmed.extend(ids(&block.demand().expect("fill").items));
        b.receive_block(block.clone());
        a.receive_block(block);
    }
    let now = secs(60 + (FINAL_DEPTH as u64 + 3) * 600);
    let pending = all_pending(&b, now);
    assert!(d.lock().recent.keys().all(|&h| h > 2), "heights 1 and 2 are settled");
    assert!(confirmed.iter().all(|id| !pending.contains(id)), "what the chain confirmed stays confirmed");
    let early: Vec<DemandId> = orphaned.iter().copied().filter(|id| !confirmed.contains(id)).collect();
    assert!(early.iter().all(|id| pending.contains(id)), "the orphan's own demand is pending");
    assert_eq!(pending, all_pending(&a, now));
}
