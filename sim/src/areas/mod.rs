//! The areas of a run (Bitcoin, the L2, Proof-of-Proof, the BTC tunnel, the Ethereum L1,
//! censorship and forced inclusion), each in a folder of its
//! own holding what the harness needs of it: its recorder (`record.rs`: observations in, its
//! part of the [`hemisim_reports::RunRecord`] out) and its invariants (`checks.rs`: safety on every observation,
//! liveness on the quiet world at the end). The harness's recorder, monitor and collector only
//! route to them. Each area's outputs (summary, CSVs, figures) live in the matching folder of
//! `hemisim-reports`.

pub mod bitcoin;
pub mod censorship;
pub mod ethereum;
pub mod faults;
pub mod l2;
pub mod pop;
pub mod tunnel;

use crate::harness::violation::Violation;
use crate::harness::world::{ATTACKER, SEQUENCER};
use crate::scenario::Scenario;
use hemisim_node::btc::node::BitcoinNode;
use hemisim_node::events::Observation;
use hemisim_node::peer::Peer;
use hemisim_node::time::SimTime;
use hemisim_node::tunnel::vault_script;
use hemisim_reports::record::{
    AttackRecord, BtcRecord, CensorshipRecord, EthereumRecord, FaultsRecord, L2Record, PopRecord, TunnelRecord,
};

/// Every area's recorder.
#[derive(Debug, Default)]
pub struct Recorders {
    pub bitcoin: bitcoin::record::BitcoinRecorder,
    pub l2: l2::record::L2Recorder,
    pub pop: pop::record::PopRecorder,
    pub tunnel: tunnel::record::TunnelRecorder,
    pub ethereum: ethereum::record::EthereumRecorder,
    pub censorship: censorship::record::CensorshipRecorder,
    pub faults: faults::record::FaultsRecorder,
    pub rewrite: pop::rewrite::RewriteWatch,
}

/// What the areas recorded, as the record's parts.
#[derive(Debug)]
pub struct Recorded {
    pub btc: BtcRecord,
    pub attack: Option<AttackRecord>,
    pub l2: Option<L2Record>,
    pub pop: Option<PopRecord>,
    pub tunnel: Option<TunnelRecord>,
    pub ethereum: Option<EthereumRecord>,
    pub censorship: Option<CensorshipRecord>,
    pub faults: Option<FaultsRecord>,
}

impl Recorders {
    /// Hands `observation` to the area it belongs to.
    pub fn observe(&mut self, at: SimTime, peer: &str, observation: Observation) {
        if let Observation::TrialStarted { payment_txid, .. } = &observation
            && peer == ATTACKER
        {
            self.tunnel.attacker_payment(at, *payment_txid);
        }
        if let Observation::L2Reorg { to, .. } = &observation
            && peer == SEQUENCER
        {
            self.tunnel.l2_reorg(*to);
        }
        self.pop.watch(peer, &observation);
        self.rewrite.observe(at, peer, &observation);
        let Some(rest) = self.faults.observe(at, peer, observation) else { return };
        let Some(rest) = self.bitcoin.observe(at, peer, rest) else { return };
        let Some(rest) = self.l2.observe(at, peer, rest) else { return };
        let Some(rest) = self.ethereum.observe(at, rest) else { return };
        let Some(rest) = self.pop.observe(at, peer, rest) else { return };
        let Some(rest) = self.censorship.observe(at, rest) else { return };
        self.tunnel.observe(at, rest);
    }

    /// The liveness phase: what should have happened by the end of a run that was not stopped.
    pub fn liveness(&self, peers: &[&Peer], observer: &BitcoinNode, scenario: &Scenario) -> Vec<Violation> {
        let mut violations = bitcoin::checks::liveness(peers, scenario.duration_s, scenario.bitcoin.block_interval_s);
        let window = scenario.ethereum.as_ref().map(|e| e.seq_window_blocks);
        violations.extend(l2::checks::liveness(peers, window));
        if let (Some(pop), Some(l2)) = (&scenario.pop, &scenario.l2) {
            violations.extend(pop::checks::liveness(
                self.pop.superfinal_through(),
                pop,
                l2.block_time_s,
                scenario.duration_s,
                scenario.bitcoin.block_interval_s,
            ));
        }
        if let Some(t) = &scenario.tunnel {
            violations.extend(tunnel::checks::overdue(self.tunnel.overdue()));
            violations.extend(tunnel::checks::deposits_minted(
                observer,
                &vault_script(),
                t.deposit_confirmations,
                &self.tunnel.minted(),
            ));
        }
        if let Some(e) = &scenario.ethereum {
            violations.extend(ethereum::checks::liveness(&self.ethereum, e, scenario.duration_s));
        }
        if censorship::record::active(scenario) {
            let record = self.censorship.record(scenario, self.ethereum.blocks());
            violations.extend(censorship::checks::liveness(&record, scenario.duration_s * 1_000_000));
        }
        if let Some(record) = self.faults.record() {
            violations.extend(faults::checks::liveness(&record));
        }
        violations
    }

    /// Each area's part of the record, judged on the quiet world.
    pub fn finish(self, peers: &[&Peer], observer: &BitcoinNode, scenario: &Scenario) -> Recorded {
        let bitcoin = self.bitcoin.finish(observer, scenario);
        let found_at = &bitcoin.found_at_us;
        let settled = scenario.ethereum.is_some();
        let l2 = scenario.l2.as_ref().map(|config| self.l2.finish(config, settled, peers));
        let pop = scenario.pop.as_ref().map(|config| self.pop.finish(config, observer, found_at));
        let tunnel = scenario.tunnel.as_ref().map(|config| self.tunnel.finish(config, peers, observer, found_at));
        let censorship =
            censorship::record::active(scenario).then(|| self.censorship.record(scenario, self.ethereum.blocks()));
        let ethereum = scenario.ethereum.as_ref().map(|config| self.ethereum.finish(config));
        let faults = self.faults.record();
        let mut attack = bitcoin.attack;
        if let (Some(record), Some(config)) = (attack.as_mut(), scenario.attack.as_ref())
            && config.kind == crate::scenario::AttackKind::Rewrite
        {
            let fork_choice = scenario.l2.as_ref().map_or_else(Default::default, |l2| l2.fork_choice);
            record.rewrite = Some(self.rewrite.record(config, fork_choice));
        }
        Recorded { btc: bitcoin.btc, attack, l2, pop, tunnel, ethereum, censorship, faults }
    }
}

/// The safety violation `observation` is, if it is one (see each area's `checks`).
pub fn safety(at: SimTime, peer: &str, observation: &Observation) -> Option<String> {
    bitcoin::checks::safety(at, peer, observation)
        .or_else(|| l2::checks::safety(at, peer, observation))
        .or_else(|| pop::checks::safety(at, peer, observation))
        .or_else(|| tunnel::checks::safety(at, observation))
}
