//! From a scenario to the peers of one run: honest miners, the attacker, and the observer.
//!
//! The observer is a non-mining full node: its best chain at the end of the run is the run's
//! "main chain", its reorgs are the ones reported, and it carries the background load's wallet.

use super::adversary::{batch_holds, censorship, equivocation, fault_windows, member_censorship, member_halts};
use crate::areas::tunnel::record::AttackerDeposit;
use crate::scenario::{
    AttackKind, AttackTarget, BackgroundModel, FaultKind, ForkChoiceConfig, HaMode, KeystoneSourceConfig,
    PayoutPolicyConfig, Scenario, SequencerSetConfig, TunnelConfig, override_member, sequencer_count,
};
use bitcoin::Amount;
use hemisim_node::btc::aggregate::Demand;
use hemisim_node::btc::background::{Arrivals, BackgroundLoad, FeeSpike, LoadRegime};
use hemisim_node::btc::double_spend::DoubleSpender;
use hemisim_node::btc::double_spend::PAYMENT;
use hemisim_node::btc::genesis::{Allocation, genesis_block};
use hemisim_node::btc::miner::Miner;
use hemisim_node::btc::node::BitcoinNode;
use hemisim_node::btc::params::ChainParams;
use hemisim_node::btc::script::p2pkh_for;
use hemisim_node::btc::sealed::SealedBlock;
use hemisim_node::btc::selfish::SelfishMiner;
use hemisim_node::btc::wallet::Wallet;
use hemisim_node::eth::EthParams;
use hemisim_node::eth::batcher::BatcherConfig;
use hemisim_node::eth::derivation::DerivationConfig;
use hemisim_node::eth::network::L1Network;
use hemisim_node::eth::origin::OriginRules;
use hemisim_node::l2::btc_view::INDEXER_TIP_LAG;
use hemisim_node::l2::catch_up::L2CatchUp;
use hemisim_node::l2::chain::ChainRules;
use hemisim_node::l2::conductor::{Conductor, ConductorConfig};
use hemisim_node::l2::follower::L2Follower;
use hemisim_node::l2::fork_guard::PopForkChoice;
use hemisim_node::l2::genesis::{L2GenesisSpec, READER, TOKEN};
use hemisim_node::l2::hvm::contracts;
use hemisim_node::l2::node::DerivationSetup;
use hemisim_node::l2::rotation::Rotation;
use hemisim_node::l2::sequencer::{KeystoneSource, Sequencer, SequencerConfig, SequencerSettlement};
use hemisim_node::l2::verifier::Verifier;
use hemisim_node::l2::workload::{Workload, WorkloadConfig};
use hemisim_node::peer::duties::{Following, RevertsL2Blocks};
use hemisim_node::peer::duties::{SetMember, SetMode};
use hemisim_node::peer::{Duty, Peer, PeerId};
use hemisim_node::pop::finality::FinalityTracker;
use hemisim_node::pop::fork_choice::ForkChoiceParams;
use hemisim_node::pop::miner::{PopMiner, PopMinerConfig};
use hemisim_node::pop::rewriter::PopRewriter;
use hemisim_node::rng::Stream;
use hemisim_node::time::SimDuration;
use hemisim_node::time::SimTime;
use hemisim_node::tunnel::audit::TunnelAuditor;
use hemisim_node::tunnel::deposit::deposit_outputs;
use hemisim_node::tunnel::operator::{Operator, OperatorConfig, PayoutPolicy};
use hemisim_node::tunnel::users::{DEPOSITORS_WALLET, TREASURY_WALLET, TreasuryPlan, TunnelUsers, TunnelUsersConfig};
use hemisim_node::tunnel::{TunnelParams, VAULT_WALLET, vault_script};
use hemisim_node::units::FeeRate;
use std::num::NonZeroU32;
use std::sync::Arc;

pub const OBSERVER: &str = "observer";
pub const SEQUENCER: &str = "sequencer";

/// Whether `peer` is the sequencer or a member of the sequencer set (`sequencer-K`).
pub fn is_sequencer(peer: &str) -> bool {
    peer == SEQUENCER || peer.strip_prefix("sequencer-").is_some_and(|k| k.bytes().all(|b| b.is_ascii_digit()))
}
/// Where the L2 block fees go (zero while gas is free).
const SEQUENCER_FEES: hemisim_node::l2::tx::Address = hemisim_node::l2::tx::Address::new([0x5e; 20]);
pub const ATTACKER: &str = "attacker";
pub const TUNNEL_OPERATOR: &str = "tunnel-operator";
pub const ETHEREUM: &str = "ethereum";
/// The most coins the genesis gives the tunnel's depositors.
const DEPOSITOR_COINS_MAX: u32 = 20_000;
const BACKGROUND_WALLET: &str = "background";
const ATTACKER_WALLET: &str = "attacker-funds";
/// The rewrite attacker's colluding PoP miner's wallet.
const REWRITER_WALLET: &str = "attacker-pop";
/// Coins it starts with (of [`POP_COIN`]): one per rewritten keystone it publishes.
const REWRITER_COINS: u32 = 64;

/// The most coins the genesis gives the background wallet (every node holds them all).
const BACKGROUND_COINS_MAX: u32 = 100_000;

/// Coins the attacker starts with: each race locks one until it resolves, and gets most back.
const ATTACKER_COINS: u32 = 64;

/// The peers of a run, in a fixed order: miners, the attacker if any, the sequencer and verifiers,
/// the PoP miners, the tunnel's operator, the Ethereum L1, then the observer.
#[derive(Debug)]
pub struct World {
    pub peers: Vec<Peer>,
    pub genesis: Arc<SealedBlock>,
}

impl World {
    pub fn build(scenario: &Scenario, seed: u64) -> World {
        let btc = &scenario.bitcoin;
        let genesis = SealedBlock::seal(genesis_block(&allocations(scenario)));
        let params = ChainParams { max_block_weight: btc.max_block_weight };
        let attacker_share = scenario.attack.as_ref().map_or(0.0, |a| a.hashrate_share);
        let gamma = scenario.attack.as_ref().filter(|a| a.kind == AttackKind::SelfishMining).map_or(0.0, |a| a.gamma);
        // Under the aggregate model the background is one demand store every node reads.
        let demand = (has_background_load(btc) && btc.background_model == BackgroundModel::Aggregate).then(|| {
            let (base, spike) = load_regimes(btc);
            Demand::new(Arrivals::new(Stream::derive(seed, "background/load"), base, spike))
        });
        let node = |name: &str, watch: &[bitcoin::ScriptBuf], tie_switch: f64| {
            let node = BitcoinNode::new(
                params,
                genesis.clone(),
                watch,
                tie_switch,
                Stream::derive(seed, &format!("{name}/tie-break")),
            );
            match &demand {
                Some(demand) => node.with_demand(demand.clone()),
                None => node,
            }
        };
        let miner = |name: &str, share: f64| {
            Miner::new(name, btc.block_interval_s / share, Stream::derive(seed, &format!("{name}/mining")))
        };

        let mut peers = Vec::new();
        for (i, share) in honest_shares(scenario).into_iter().enumerate() {
            let name = format!("miner-{i}");
            let share = share * (1.0 - attacker_share);
            peers.push(Peer::new(
                PeerId::miner(i as u32),
                node(&name, &[], gamma),
                vec![Box::new(miner(&name, share))],
            ));
        }
        if let Some(attack) = scenario.attack.as_ref().filter(|a| a.kind.mines_bitcoin()) {
            let (node, duty): (BitcoinNode, Box<dyn Duty>) = match attack.kind {
                AttackKind::DoubleSpend => {
                    let wallet = Wallet::new(ATTACKER_WALLET);
                    let n = node(ATTACKER, std::slice::from_ref(wallet.script()), 0.0);
                    let m = miner(ATTACKER, attacker_share);
                    let ds = match (attack.target, &scenario.tunnel) {
                        (AttackTarget::Tunnel, Some(t)) => {
                            // One block past the mint threshold: the mint has surely happened.
                            let accepted = t.deposit_confirmations + INDEXER_TIP_LAG + 1;
                            let deposit = deposit_outputs(&vault_script(), PAYMENT, attacker_l2_address());
                            DoubleSpender::paying(m, wallet, accepted, attack.give_up_deficit_blocks, deposit)
                        }
                        _ => DoubleSpender::new(m, wallet, attack.confirmations, attack.give_up_deficit_blocks),
                    };
                    (n, Box::new(ds))
                }
                AttackKind::Rewrite => {
                    let wallet = Wallet::new(REWRITER_WALLET);
                    let n = node(ATTACKER, std::slice::from_ref(wallet.script()), 0.0);
                    let m = (attacker_share > 0.0).then(|| miner(ATTACKER, attacker_share));
                    let (d, g) = (attack.publication_depth_blocks, attack.give_up_deficit_blocks);
                    (n, Box::new(PopRewriter::new(wallet, m, d, g, genesis.block_hash())))
                }
                AttackKind::SelfishMining | AttackKind::Equivocate => {
                    let n = node(ATTACKER, &[], 0.0);
                    let sm = SelfishMiner::new(miner(ATTACKER, attacker_share), &n);
                    (n, Box::new(sm))
                }
            };
            peers.push(Peer::new(PeerId::ATTACKER, node, vec![duty]));
        }
        // With a settlement layer the sequencer's chain can reorg: who follows its blocks does so
        // behind an L2 follower that hands them over in chain order and takes back reorged ones.
        let mut follow: Option<FollowSetup> = None;
        if let Some(l2) = &scenario.l2 {
            let eth_params = scenario.ethereum.as_ref().map(|e| e.params());
            let mut spec = L2GenesisSpec::new(scenario.workload.as_ref().map_or(0, |w| w.accounts));
            // With an `[ethereum]` table the L2 starts from the L1's genesis block (its origin).
            if let Some(params) = &eth_params {
                spec = spec.with_settlement(L1Network::genesis(params));
            }
            // Built once (a genesis state holds every account) and cloned for each L2 node.
            let l2_state = spec.hvm();
            let l2_genesis = spec.block(&l2_state, &genesis).hash();
            // Without a settlement layer the chain never reorgs, but with faults blocks go
            // missing: followers still need one that orders them and asks for the missed ones.
            let members = sequencer_count(scenario);
            follow = match &scenario.ethereum {
                Some(e) => Some(FollowSetup { l2_genesis, keep: reorg_reach_blocks(e, l2.block_time_s), members }),
                None => needs_catch_up(scenario).then_some(FollowSetup { l2_genesis, keep: 1, members }),
            };
            let max_headers = l2.max_btc_headers_per_block as usize;
            let config = SequencerConfig {
                block_time: SimDuration::from_secs_f64(l2.block_time_s),
                gas_limit: l2.gas_limit,
                max_headers_per_block: max_headers,
                mempool_capacity: l2.mempool_capacity as usize,
                beneficiary: SEQUENCER_FEES,
                keystone_interval_blocks: scenario.pop.as_ref().map(|p| p.keystone_interval_blocks),
                tunnel: tunnel_params(scenario),
                settlement: None,
                censorship: censorship(scenario, seed),
                halts: fault_windows(scenario, FaultKind::Halt),
            };
            let block_time_s = config.block_time.as_secs_f64() as u64;
            let gas_limit = config.gas_limit;
            let derivation = |params: &EthParams| DerivationSetup {
                config: DerivationConfig::new(params, block_time_s),
                gas_limit,
                finality_depth_blocks: params.finality_depth_blocks,
            };
            let keystone_source = match scenario.pop.as_ref().map(|p| p.keystone_source) {
                Some(KeystoneSourceConfig::Safe) => KeystoneSource::Safe,
                _ => KeystoneSource::Unsafe,
            };
            let settlement = spec.settlement().zip(eth_params.as_ref()).map(|(genesis, params)| SequencerSettlement {
                genesis,
                origin_rules: OriginRules::new(params, block_time_s),
                derivation: derivation(params),
                batcher: BatcherConfig::new(params),
                keystone_source,
                batcher_down: [fault_windows(scenario, FaultKind::WithholdBatches), batch_holds(scenario)].concat(),
            });
            let config = SequencerConfig { settlement, ..config };
            match scenario.sequencer.as_ref().filter(|set| set.is_set()) {
                Some(set) => {
                    for m in 0..set.count {
                        let member =
                            set_member(scenario, set, m, &config, l2_state.clone(), &genesis, l2_genesis, seed);
                        let id = PeerId::sequencer(m);
                        peers.push(Peer::new(id, node(&id.to_string(), &[], gamma), vec![Box::new(member)]));
                    }
                }
                None => {
                    let mut sequencer = Sequencer::new(config, l2_state.clone(), &genesis, l2_genesis);
                    if let Some(plan) = equivocation(scenario, seed) {
                        sequencer.equivocate(plan);
                    }
                    peers.push(Peer::new(PeerId::SEQUENCER, node(SEQUENCER, &[], gamma), vec![Box::new(sequencer)]));
                }
            }
            for i in 0..l2.verifiers {
                let name = format!("verifier-{i}");
                let rules = ChainRules {
                    max_headers_per_block: max_headers,
                    beneficiary: SEQUENCER_FEES,
                    tunnel: tunnel_params(scenario),
                    // Undo for every unsafe block of a settlement chain (forgotten once safe).
                    rewind_depth: if spec.settlement().is_some() { usize::MAX } else { 0 },
                    settlement: spec.settlement(),
                };
                let setup = eth_params.as_ref().map(derivation);
                let mut verifier = Verifier::with_rules(rules, l2_state.clone(), &genesis, l2_genesis, setup);
                verifier.catch_up = L2CatchUp::of_set(sequencer_count(scenario));
                if let Some(params) = pop_fork_choice(scenario) {
                    verifier =
                        verifier.with_pop_fork_choice(PopForkChoice::new(params, genesis.block_hash(), l2_genesis));
                }
                peers.push(Peer::new(PeerId::verifier(i), node(&name, &[], gamma), vec![Box::new(verifier)]));
            }
        }
        if let Some(pop) = &scenario.pop {
            for i in 0..pop.miners {
                let name = pop_miner_name(i);
                peers.push(pop_miner(
                    i,
                    pop,
                    btc.max_block_weight,
                    node(&name, &[p2pkh_for(&name)], gamma),
                    genesis.block_hash(),
                    seed,
                ));
            }
        }
        if let Some(tunnel) = &scenario.tunnel {
            peers.push(operator(
                scenario,
                tunnel,
                node(TUNNEL_OPERATOR, &[vault_script()], gamma),
                genesis.block_hash(),
                follow.as_ref(),
            ));
        }
        if let Some(ethereum) = &scenario.ethereum {
            peers.push(ethereum_peer(ethereum, node(ETHEREUM, &[], gamma), seed));
        }
        let load = has_transaction_load(btc).then(|| {
            let (base, spike) = load_regimes(btc);
            BackgroundLoad::new(Wallet::new(BACKGROUND_WALLET), Stream::derive(seed, "background/load"), base, spike)
        });
        // A workload offering nothing has no arrivals to schedule.
        let users = scenario.workload.as_ref().filter(|w| w.tx_rate_per_s > 0.0).map(|w| users(scenario, w, seed));
        let depositors = scenario.tunnel.as_ref().map(|t| depositors(scenario, t, seed));
        let mut watch: Vec<bitcoin::ScriptBuf> = load.iter().map(|l| l.wallet.script().clone()).collect();
        watch.extend(depositors.iter().flat_map(|d| [d.wallet.script().clone(), d.treasury_wallet.script().clone()]));
        let finality = scenario.pop.as_ref().map(|p| FinalityTracker::new(p.superfinality_depth, genesis.block_hash()));
        let auditor = scenario.tunnel.as_ref().map(|_| TunnelAuditor::new(vault_script(), genesis.block_hash()));
        // The observer's duties, each optional, in the order they see every input.
        let mut duties: Vec<Box<dyn Duty>> = Vec::new();
        duties.extend(load.map(|d| Box::new(d) as Box<dyn Duty>));
        // Users cope with reorgs by themselves; with faults they follow to catch up.
        let users_follow = follow.as_ref().filter(|_| needs_catch_up(scenario));
        duties.extend(users.map(|d| following(d, users_follow)));
        duties.extend(finality.map(|d| Box::new(d) as Box<dyn Duty>));
        duties.extend(depositors.map(|d| following(d, follow.as_ref())));
        duties.extend(auditor.map(|d| following(d, follow.as_ref())));
        peers.push(Peer::new(PeerId::OBSERVER, node(OBSERVER, &watch, gamma), duties));
        World { peers, genesis }
    }

    pub fn names(&self) -> Vec<String> {
        self.peers.iter().map(|p| p.name.clone()).collect()
    }
}

/// Member `m` of the scenario's sequencer set: its own sequencer (censoring only by the rules
/// that name it, or name no member) and who of the set sequences.
#[allow(clippy::too_many_arguments)]
fn set_member(
    scenario: &Scenario,
    set: &SequencerSetConfig,
    m: u32,
    config: &SequencerConfig,
    l2_state: hemisim_node::l2::hvm::Hvm,
    genesis: &SealedBlock,
    l2_genesis: hemisim_node::l2::tx::B256,
    seed: u64,
) -> SetMember {
    let config = SequencerConfig {
        censorship: member_censorship(scenario, seed, m),
        halts: member_halts(scenario, m),
        ..config.clone()
    };
    let block_time = config.block_time;
    let seq = Sequencer::member(config, l2_state, genesis, l2_genesis);
    let mode = match set.ha {
        HaMode::Rotation => SetMode::Rotation(Rotation {
            members: set.count,
            rotation_blocks: set.rotation_blocks,
            slot_timeout: SimDuration::from_secs_f64(set.slot_timeout_s),
            block_time,
        }),
        HaMode::Conductor | HaMode::None => {
            let overrides = scenario
                .fault
                .iter()
                .filter(|f| f.kind == FaultKind::ConductorOverride)
                .filter(|f| f.peers.first().and_then(|p| override_member(p)) == Some(m))
                .map(|f| window(f.at_s, f.for_s))
                .collect();
            SetMode::Conductor(Box::new(Conductor::new(ConductorConfig {
                me: m,
                members: set.count,
                unsafe_interval: SimDuration::from_secs_f64(set.unsafe_interval_s),
                bad_handoffs: fault_windows(scenario, FaultKind::BadHandoff),
                overrides,
            })))
        }
    };
    SetMember::new(seq, m, mode)
}

fn window(at_s: f64, for_s: f64) -> (SimTime, SimTime) {
    (SimTime::ZERO + SimDuration::from_secs_f64(at_s), SimTime::ZERO + SimDuration::from_secs_f64(at_s + for_s))
}

/// Whether the scenario's L2 has a sequencer set (more than one member).
pub fn has_sequencer_set(scenario: &Scenario) -> bool {
    scenario.sequencer.as_ref().is_some_and(|set| set.is_set())
}

/// The PoP fork choice's parameters, when the verifiers follow it (`l2.fork_choice = "pop"`):
/// Hemi's score table, the scenario's keystone interval and finality delay.
fn pop_fork_choice(scenario: &Scenario) -> Option<ForkChoiceParams> {
    let pop = scenario.pop.as_ref()?;
    scenario.l2.as_ref().filter(|l2| l2.fork_choice == ForkChoiceConfig::Pop)?;
    Some(ForkChoiceParams {
        keystone_interval_blocks: NonZeroU32::new(pop.keystone_interval_blocks)?,
        finality_delay_blocks: pop.fork_finality_delay_blocks,
        ..ForkChoiceParams::hemi()
    })
}

/// The tunnel's parameters as every L2 node needs them.
pub fn tunnel_params(scenario: &Scenario) -> Option<TunnelParams> {
    scenario
        .tunnel
        .as_ref()
        .map(|t| TunnelParams { vault: vault_script(), deposit_confirmations: t.deposit_confirmations })
}

/// The L2 address the tunnel-targeting attacker's deposits name.
pub fn attacker_l2_address() -> hemisim_node::l2::tx::Address {
    hemisim_node::l2::tx::Address::from_slice(&hemisim_node::l2::tx::keccak256(b"hemisim/attacker")[12..])
}

/// What each double-spend race's payment deposits when the attacker targets the tunnel (the
/// outputs [`World::build`] gives it: [`PAYMENT`] to the vault for [`attacker_l2_address`]);
/// `None` for any other scenario.
pub fn attacker_deposit(scenario: &Scenario) -> Option<AttackerDeposit> {
    let attack = scenario.attack.as_ref()?;
    let pays_tunnel =
        attack.kind == AttackKind::DoubleSpend && attack.target == AttackTarget::Tunnel && scenario.tunnel.is_some();
    pays_tunnel.then(|| AttackerDeposit { amount_sats: PAYMENT.to_sat(), recipient: attacker_l2_address() })
}

/// How the followers of a settlement chain's blocks follow it.
#[derive(Debug, Clone, Copy)]
struct FollowSetup {
    l2_genesis: hemisim_node::l2::tx::B256,
    /// How many of the latest blocks a follower keeps to take back.
    keep: usize,
    /// Sequencers a follower may ask for missed blocks (the set's members).
    members: u32,
}

/// The deepest unsafe reorg a settlement chain can have, in L2 blocks, with a margin: every
/// block of a sequencing window, plus the drift.
fn reorg_reach_blocks(e: &crate::scenario::EthereumConfig, block_time_s: f64) -> usize {
    let reach_s = e.seq_window_blocks * e.slot_s + e.max_sequencer_drift_s;
    (reach_s as f64 / block_time_s).ceil() as usize + 64
}

/// `duty` as a peer runs it: behind an L2 follower on a settlement chain, as it is otherwise.
fn following<D: RevertsL2Blocks + 'static>(duty: D, follow: Option<&FollowSetup>) -> Box<dyn Duty> {
    match follow {
        Some(f) => Box::new(Following::new(duty, L2Follower::new(f.l2_genesis, f.keep)).asking(f.members)),
        None => Box::new(duty),
    }
}

fn operator(
    scenario: &Scenario,
    t: &TunnelConfig,
    node: BitcoinNode,
    btc_genesis: bitcoin::BlockHash,
    follow: Option<&FollowSetup>,
) -> Peer {
    let config = OperatorConfig {
        policy: match t.payout_policy {
            PayoutPolicyConfig::Superfinal => PayoutPolicy::Superfinal,
            PayoutPolicyConfig::Immediate => PayoutPolicy::Immediate,
        },
        grace: SimDuration::from_secs_f64(t.grace_period_s),
        fee_target_blocks: t.payout_fee_target_blocks,
        block_weight: scenario.bitcoin.max_block_weight,
    };
    // Without PoP nothing becomes superfinal; the depth only matters with it.
    let depth = scenario.pop.as_ref().map_or(0, |p| p.superfinality_depth);
    let finality = FinalityTracker::new(depth, btc_genesis);
    let operator = Operator::new(Wallet::new(VAULT_WALLET), config, finality);
    Peer::new(PeerId::TUNNEL_OPERATOR, node, vec![following(operator, follow)])
}

/// The Ethereum L1 (a peer that is also a Bitcoin node, as every peer is, though it reads none of
/// it): its missed slots and its background deposits each from a stream of their own.
fn ethereum_peer(config: &crate::scenario::EthereumConfig, node: BitcoinNode, seed: u64) -> Peer {
    let slots = Stream::derive(seed, &format!("{ETHEREUM}/slots"));
    let deposits = Stream::derive(seed, &format!("{ETHEREUM}/deposits"));
    Peer::new(PeerId::ETHEREUM, node, vec![Box::new(L1Network::new(&config.params(), slots, deposits))])
}

fn depositors(scenario: &Scenario, t: &TunnelConfig, seed: u64) -> TunnelUsers {
    let at = |s: f64| SimTime::ZERO + SimDuration::from_secs_f64(s);
    let treasury = (t.treasury_btc > 0.0).then(|| TreasuryPlan {
        deposit_at: at(t.treasury_deposit_at_s),
        deposit: btc_amount(t.treasury_btc),
        withdraw: (t.treasury_withdraw_btc > 0.0)
            .then(|| (at(t.treasury_withdraw_at_s), btc_amount(t.treasury_withdraw_btc))),
    });
    let config = TunnelUsersConfig {
        vault: vault_script(),
        holders: t.holders,
        deposit_rate_per_s: t.deposit_rate_per_s,
        deposit_btc_min: t.deposit_btc_min,
        deposit_btc_max: t.deposit_btc_max,
        withdraw_rate_per_s: t.withdraw_rate_per_s,
        treasury,
        block_weight: scenario.bitcoin.max_block_weight,
        force_after: (t.force_after_s > 0.0).then(|| SimDuration::from_secs_f64(t.force_after_s)),
    };
    TunnelUsers::new(config, Stream::derive(seed, "tunnel/users"))
}

fn btc_amount(btc: f64) -> Amount {
    Amount::from_sat((btc * 1e8).round() as u64)
}

/// Name of PoP miner `i`; its wallet has the same name.
pub fn pop_miner_name(i: u32) -> String {
    format!("pop-miner-{i}")
}

/// Value of each coin a PoP miner's wallet starts with: 0.01 BTC pays about 35 publications at
/// the 100 sat/vB cap, and each publication's change is a coin again once it confirms.
pub const POP_COIN: Amount = Amount::from_sat(1_000_000);

fn pop_miner(
    index: u32,
    pop: &crate::scenario::PopConfig,
    block_weight: u64,
    node: BitcoinNode,
    btc_genesis: bitcoin::BlockHash,
    seed: u64,
) -> Peer {
    let config = PopMinerConfig {
        poll_interval: SimDuration::from_secs_f64(pop.poll_interval_s),
        keystones_polled: pop.keystones_polled as usize,
        fee_target_blocks: pop.fee_target_blocks,
        fee_cap: FeeRate::from_sat_per_vb(pop.fee_cap_sat_per_vb),
        fee_retry: SimDuration::from_secs_f64(pop.fee_retry_s),
        block_weight,
    };
    let name = &pop_miner_name(index);
    // Each miner polls at its own phase within the interval.
    let mut rng = Stream::derive(seed, &format!("{name}/poll-phase"));
    let first_poll = SimDuration::from_secs_f64(rng.unit() * pop.poll_interval_s);
    Peer::new(
        PeerId::pop_miner(index),
        node,
        vec![Box::new(PopMiner::new(Wallet::new(name), config, btc_genesis, first_poll))],
    )
}

/// The background load exists when it sends anything: at its base rate or during a spike.
fn has_background_load(btc: &crate::scenario::BitcoinConfig) -> bool {
    btc.background_tx_rate_per_s > 0.0 || btc.fee_spike.as_ref().is_some_and(|f| f.tx_rate_per_s > 0.0)
}

/// A background load of real transactions (a wallet, its coins and a duty), not aggregate demand.
fn has_transaction_load(btc: &crate::scenario::BitcoinConfig) -> bool {
    has_background_load(btc) && btc.background_model == BackgroundModel::Transactions
}

/// The background load's base regime and its optional spike, as both models draw them.
fn load_regimes(btc: &crate::scenario::BitcoinConfig) -> (LoadRegime, Option<FeeSpike>) {
    let base = LoadRegime {
        rate_per_s: btc.background_tx_rate_per_s,
        fee_rate_min: FeeRate::from_sat_per_vb(btc.background_fee_rate_min_sat_per_vb),
        fee_rate_max: FeeRate::from_sat_per_vb(btc.background_fee_rate_max_sat_per_vb),
    };
    let spike = btc.fee_spike.as_ref().map(|f| FeeSpike {
        start: SimTime::ZERO + SimDuration::from_secs_f64(f.start_s),
        end: SimTime::ZERO + SimDuration::from_secs_f64(f.start_s + f.duration_s),
        regime: LoadRegime {
            rate_per_s: f.tx_rate_per_s,
            fee_rate_min: FeeRate::from_sat_per_vb(f.fee_rate_min_sat_per_vb),
            fee_rate_max: FeeRate::from_sat_per_vb(f.fee_rate_max_sat_per_vb),
        },
    });
    (base, spike)
}

/// The L2 users: the scenario's rate and mix; hVM calls ask about the Bitcoin addresses that
/// see activity (the miners' payouts and the background wallet).
fn users(scenario: &Scenario, w: &crate::scenario::WorkloadConfig, seed: u64) -> Workload {
    let mut names: Vec<String> = (0..scenario.bitcoin.miners).map(|i| format!("miner-{i}")).collect();
    names.push(BACKGROUND_WALLET.to_owned());
    let btc_addresses = names
        .iter()
        .filter_map(|n| bitcoin::Address::from_script(&p2pkh_for(n), bitcoin::Network::Regtest).ok())
        .map(|a| a.to_string())
        .collect();
    let config = WorkloadConfig {
        tx_rate_per_s: w.tx_rate_per_s,
        mix: [w.mix_transfer, w.mix_token, w.mix_hvm_call],
        gas_price: 0,
        token: TOKEN,
        token_transfer: contracts::token_transfer_calldata,
        reader: READER,
        reader_call: contracts::reader_calldata,
        btc_addresses,
        force_after: (w.force_after_s > 0.0).then(|| SimDuration::from_secs_f64(w.force_after_s)),
    };
    let users = Workload::new(config, w.accounts, Stream::derive(seed, "users/workload"));
    // With faults their transactions can be lost: like wallets, they send them again.
    if needs_catch_up(scenario) { users.with_resend(USER_RESEND_AFTER) } else { users }
}

/// How long a user waits for its transaction to be included before sending it again (runs with
/// faults): a few L2 blocks.
pub const USER_RESEND_AFTER: SimDuration = SimDuration::from_secs(30);

/// Whether the scenario has faults of peers and links (the harness's), which lose messages.
pub fn has_harness_faults(scenario: &Scenario) -> bool {
    scenario.fault.iter().any(|f| !f.kind.is_sequencers())
}

/// Whether messages and transactions can go missing, so that nodes catch up and users resend:
/// runs with faults of peers and links, and runs with a sequencer set (a leader's mempool goes
/// with it, and the others drop what reaches them while they do not sequence).
pub fn needs_catch_up(scenario: &Scenario) -> bool {
    has_harness_faults(scenario) || has_sequencer_set(scenario)
}

/// Honest miners' shares of the honest hash rate, summing to 1.
fn honest_shares(scenario: &Scenario) -> Vec<f64> {
    let n = scenario.bitcoin.miners as usize;
    match &scenario.bitcoin.hashrate_shares {
        Some(shares) => {
            let total: f64 = shares.iter().sum();
            shares.iter().map(|s| s / total).collect()
        }
        None => vec![1.0 / n as f64; n],
    }
}

/// Starting coins: enough for the background load to keep sending while its change confirms
/// (three mean block intervals of transactions, at most [`BACKGROUND_COINS_MAX`]: beyond that the
/// wallet waits for confirmations and says so), and the attacker's race coins.
fn allocations(scenario: &Scenario) -> Vec<Allocation> {
    let btc = &scenario.bitcoin;
    let mut allocations = Vec::new();
    if has_transaction_load(btc) {
        let peak = btc.fee_spike.as_ref().map_or(0.0, |f| f.tx_rate_per_s).max(btc.background_tx_rate_per_s);
        let wanted = (peak * 3.0 * btc.block_interval_s).ceil() + 16.0;
        let count = wanted.min(BACKGROUND_COINS_MAX as f64) as u32;
        allocations.push(Allocation { script: p2pkh_for(BACKGROUND_WALLET), value: Amount::ONE_BTC, count });
    }
    if scenario.attack.as_ref().is_some_and(|a| a.kind == AttackKind::DoubleSpend) {
        allocations.push(Allocation {
            script: p2pkh_for(ATTACKER_WALLET),
            value: Amount::ONE_BTC,
            count: ATTACKER_COINS,
        });
    }
    if scenario.attack.as_ref().is_some_and(|a| a.kind == AttackKind::Rewrite) {
        allocations.push(Allocation { script: p2pkh_for(REWRITER_WALLET), value: POP_COIN, count: REWRITER_COINS });
    }
    if let Some(pop) = &scenario.pop {
        for i in 0..pop.miners {
            allocations.push(Allocation {
                script: p2pkh_for(&pop_miner_name(i)),
                value: POP_COIN,
                count: pop.wallet_coins,
            });
        }
    }
    if let Some(t) = &scenario.tunnel {
        // Enough coins for every expected deposit and then some (withdrawals pay back into the
        // same wallet, so coins also recycle); each covers the largest deposit and its fee.
        let expected = t.deposit_rate_per_s * scenario.duration_s as f64;
        let count = (expected * 1.5 + 16.0).min(DEPOSITOR_COINS_MAX as f64) as u32;
        let value = btc_amount(t.deposit_btc_max) + Amount::from_sat(1_000_000);
        allocations.push(Allocation { script: p2pkh_for(DEPOSITORS_WALLET), value, count });
        if t.treasury_btc > 0.0 {
            allocations.push(Allocation {
                script: p2pkh_for(TREASURY_WALLET),
                value: btc_amount(t.treasury_btc) + Amount::from_sat(1_000_000),
                count: 1,
            });
        }
    }
    allocations
}
