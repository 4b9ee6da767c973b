//! The scenario's harness faults, resolved to peers: which links are cut, lossy or slow at a
//! time, which peers are down, whose clock is off.
//!
//! Everything here is a function of simulated time and the peers' indices, except the loss
//! draws, which come from one stream per sending peer, drawn only while a loss fault touches the
//! link (so runs without one draw nothing). The sequencer's own faults (`halt`,
//! `withhold_batches`) are its configuration's, not these.

use crate::scenario::peers::{self, Roles};
use crate::scenario::{FaultConfig, FaultKind, Scenario};
use hemisim_node::peer::PeerId;
use hemisim_node::rng::Stream;
use hemisim_node::time::{SimDuration, SimTime};
use std::collections::BTreeSet;

/// One fault of the scenario, resolved.
#[derive(Debug, Clone)]
pub struct PlannedFault {
    /// Its index among the scenario's `[[fault]]` tables.
    pub index: usize,
    pub kind: FaultKind,
    pub start: SimTime,
    pub end: SimTime,
    /// The peers it hits (for a partition: every peer, each in its group).
    pub hit: Vec<usize>,
    effect: Effect,
}

#[derive(Debug, Clone)]
enum Effect {
    /// The group of each peer, by index.
    Partition(Vec<usize>),
    Crash,
    Loss(f64),
    Slow(SimDuration),
    /// Microseconds ahead (negative: behind).
    Skew(i64),
}

impl PlannedFault {
    fn active(&self, now: SimTime) -> bool {
        self.start <= now && now < self.end
    }

    fn hits(&self, peer: usize) -> bool {
        self.hit.binary_search(&peer).is_ok()
    }

    /// Pairs of peers that could not reach each other, for a partition.
    pub fn cut_pairs(&self) -> Vec<(usize, usize)> {
        let Effect::Partition(group_of) = &self.effect else { return Vec::new() };
        let n = group_of.len();
        (0..n).flat_map(|a| (0..n).map(move |b| (a, b))).filter(|&(a, b)| group_of[a] != group_of[b]).collect()
    }

    /// Ordered pairs of peers whose link was lossy (one end hit), for a `loss` fault among `peers`.
    pub fn lossy_pairs(&self, peers: usize) -> Vec<(usize, usize)> {
        if !matches!(self.effect, Effect::Loss(_)) {
            return Vec::new();
        }
        (0..peers)
            .flat_map(|a| (0..peers).map(move |b| (a, b)))
            .filter(|&(a, b)| a != b && (self.hits(a) || self.hits(b)))
            .collect()
    }

    /// The groups of a partition, as lists of peer indices (empty for other kinds).
    pub fn groups(&self) -> Vec<Vec<usize>> {
        let Effect::Partition(group_of) = &self.effect else { return Vec::new() };
        let count = group_of.iter().max().map_or(0, |g| g + 1);
        (0..count).map(|g| (0..group_of.len()).filter(|&p| group_of[p] == g).collect()).collect()
    }
}

/// What a link does to one message at a time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LinkState {
    /// Delivered after the usual delay plus `extra`, unless dropped with probability `loss`.
    Up { extra: SimDuration, loss: f64 },
    /// A partition or a crashed end: nothing gets through.
    Cut,
}

/// Every harness fault of a run.
#[derive(Debug)]
pub struct FaultPlan {
    faults: Vec<PlannedFault>,
    loss_streams: Vec<Stream>,
}

impl FaultPlan {
    /// Resolves the scenario's harness faults against the world's peers (`ids`, in world order);
    /// shares of a group are drawn from the seed, one stream per fault.
    pub fn new(scenario: &Scenario, seed: u64, ids: &[PeerId], names: &[String]) -> FaultPlan {
        let roles = Roles::of(scenario);
        let faults = scenario
            .fault
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.kind.is_sequencers())
            .map(|(index, f)| plan(index, f, &roles, seed, ids))
            .collect();
        let loss_streams = names.iter().map(|n| Stream::derive(seed, &format!("{n}/fault-loss"))).collect();
        FaultPlan { faults, loss_streams }
    }

    pub fn faults(&self) -> &[PlannedFault] {
        &self.faults
    }

    pub fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }

    /// Whether peer `i` is down at `now`.
    pub fn is_down(&self, now: SimTime, i: usize) -> bool {
        self.faults.iter().any(|f| matches!(f.effect, Effect::Crash) && f.active(now) && f.hits(i))
    }

    /// Whether a timer peer `i` armed at `armed` is void at `now`: the peer crashed in between
    /// (a restart forgets its timers) or is down.
    pub fn timer_void(&self, i: usize, armed: SimTime, now: SimTime) -> bool {
        self.faults.iter().any(|f| matches!(f.effect, Effect::Crash) && f.hits(i) && armed < f.start && f.start <= now)
            || self.is_down(now, i)
    }

    /// The state of the link from `from` to `to` at `now`.
    pub fn link(&self, now: SimTime, from: usize, to: usize) -> LinkState {
        let mut extra = SimDuration::ZERO;
        let mut delivered = 1.0;
        for f in self.faults.iter().filter(|f| f.active(now)) {
            let touches = f.hits(from) || f.hits(to);
            match &f.effect {
                Effect::Partition(group_of) if group_of[from] != group_of[to] => return LinkState::Cut,
                Effect::Crash if touches => return LinkState::Cut,
                Effect::Loss(p) if touches => delivered *= 1.0 - p,
                Effect::Slow(d) if touches => extra = extra + *d,
                _ => {}
            }
        }
        LinkState::Up { extra, loss: 1.0 - delivered }
    }

    /// Draws whether one message from `from` is lost, with probability `loss` (no draw at 0).
    pub fn lost(&mut self, from: usize, loss: f64) -> bool {
        loss > 0.0 && self.loss_streams[from].bernoulli(loss)
    }

    /// How far peer `i`'s clock is off at `now`, in microseconds.
    pub fn skew_us(&self, now: SimTime, i: usize) -> i64 {
        self.faults
            .iter()
            .filter(|f| f.active(now) && f.hits(i))
            .map(|f| if let Effect::Skew(us) = f.effect { us } else { 0 })
            .sum()
    }

    /// When the last fault ends (the run's liveness phase starts there).
    pub fn last_end(&self) -> Option<SimTime> {
        self.faults.iter().map(|f| f.end).max()
    }
}

fn plan(index: usize, f: &FaultConfig, roles: &Roles, seed: u64, ids: &[PeerId]) -> PlannedFault {
    let mut rng = Stream::derive(seed, &format!("fault/{index}/peers"));
    let mut select = |selectors: &[String]| -> BTreeSet<usize> {
        let chosen = peers::resolve(selectors, roles, &mut rng);
        (0..ids.len()).filter(|&i| chosen.contains(&ids[i])).collect()
    };
    let (hit, effect) = match f.kind {
        FaultKind::Partition => {
            // Each peer in the first group naming it; the peers no group names form the last.
            let named: Vec<BTreeSet<usize>> = f.groups.iter().map(|g| select(g)).collect();
            let group_of =
                (0..ids.len()).map(|p| named.iter().position(|g| g.contains(&p)).unwrap_or(named.len())).collect();
            ((0..ids.len()).collect(), Effect::Partition(group_of))
        }
        FaultKind::Crash => (select(&f.peers).into_iter().collect(), Effect::Crash),
        FaultKind::Loss => (select(&f.peers).into_iter().collect(), Effect::Loss(f.probability)),
        FaultKind::Slow => {
            (select(&f.peers).into_iter().collect(), Effect::Slow(SimDuration::from_secs_f64(f.extra_ms / 1e3)))
        }
        FaultKind::ClockSkew => {
            // Never the Ethereum peer (the validator refuses naming it; `all` leaves it out): it
            // stands for the whole L1, whose slots keep the beacon chain's time.
            let hit = select(&f.peers).into_iter().filter(|&i| ids[i] != PeerId::ETHEREUM).collect();
            (hit, Effect::Skew((f.skew_ms * 1e3).round() as i64))
        }
        FaultKind::Halt | FaultKind::WithholdBatches | FaultKind::BadHandoff | FaultKind::ConductorOverride => {
            unreachable!("the sequencer's faults are not the harness's")
        }
    };
    PlannedFault { index, kind: f.kind, start: at(f.at_s), end: at(f.at_s + f.for_s), hit, effect }
}

fn at(s: f64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs_f64(s)
}
