//! One run inside madsim: a fresh thread, a seeded runtime, one simulated node per peer.
//!
//! Each peer gets a madsim node with its own IP and endpoint. Its task receives messages and
//! hands them to the peer's state machine; timers are tasks that sleep in simulated time. Every
//! action a peer returns is carried out here: broadcasts become one delayed send per link
//! ([`super::links`]), timers become sleeping tasks, observations go to the recorder.
//!
//! The runtime is created on a fresh thread because madsim seeds `std`'s `HashMap` keys only on
//! a thread that has not made a `RandomState` yet (ARCHITECTURE.md, "Determinism").

use super::collect;
use super::faults::{FaultPlan, LinkState, PlannedFault};
use super::links::Links;
use super::monitor::SafetyMonitor;
use super::recorder::Recorder;
use super::trace::Trace;
use super::violation::Violation;
use super::world::{World, attacker_deposit};
use crate::areas::faults::record::FaultsRecorder;
use crate::scenario::{FaultKind, Scenario};
use hemisim_node::events::{Action, Audience, Input, Message, Observation};
use hemisim_node::peer::{Peer, PeerId};
use hemisim_node::time::{SimDuration, SimTime};
use madsim::net::Endpoint;
use madsim::time::{Instant, sleep};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use thiserror::Error;

mod net;
use net::NetPump;

const BITCOIN_PORT: u16 = 8333;
const TAG_BITCOIN: u64 = 1;
/// The name the run's own observations (faults starting and ending) are recorded under.
pub const FAULTS: &str = "faults";
/// The name the network model's observations (each block's spread) are recorded under.
pub const NETWORK: &str = "network";

/// How a run is observed from outside.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Write the trace as JSON lines to this file.
    pub trace_file: Option<PathBuf>,
    /// Simulated microseconds reached so far, for a progress bar on another thread.
    pub progress_us: Option<Arc<AtomicU64>>,
    /// Run to the end through safety violations, recording all of them, instead of stopping
    /// at the first.
    pub keep_going: bool,
}

/// What one run produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub record: hemisim_reports::record::RunRecord,
    pub violations: Vec<Violation>,
    /// When the run stopped at its first safety violation (unless it kept going).
    pub stopped_at: Option<SimTime>,
    /// With a tunnel: what `hemisim verify` needs (written by `hemisim run`).
    pub provenance: Option<crate::provenance::Provenance>,
    /// The rare events the run exercised (`hemisim swarm`'s coverage).
    pub covered: Vec<crate::swarm::coverage::Event>,
}

#[derive(Debug, Error)]
pub enum RunError {
    #[error("cannot write the trace file: {0}")]
    Trace(#[from] std::io::Error),
    #[error("the simulation failed: {0}")]
    Crashed(String),
}

/// Runs `scenario` with `seed` to the end, on a fresh thread.
pub fn run_once(scenario: &Scenario, seed: u64, options: RunOptions) -> Result<RunOutput, RunError> {
    let scenario = scenario.clone();
    tracing::debug!("seed {seed}: starting {} ({} s simulated)", scenario.name, scenario.duration_s);
    let wall = std::time::Instant::now();
    let thread = std::thread::Builder::new()
        .name(format!("sim-{seed}"))
        .spawn(move || {
            let mut config = madsim::Config::default();
            // Links delay messages themselves; madsim's own latency is kept below a microsecond.
            config.net.send_latency = Duration::ZERO..Duration::from_nanos(1);
            let runtime = madsim::runtime::Runtime::with_seed_and_config(seed, config);
            runtime.block_on(simulate(scenario, seed, options))
        })
        .map_err(|e| RunError::Crashed(format!("cannot start the simulation thread: {e}")))?;
    let mut output = thread.join().map_err(|panic| RunError::Crashed(panic_message(&panic)))??;
    output.record.perf.wall_time_s = wall.elapsed().as_secs_f64();
    // Logged on the calling thread, after the runtime is gone: nothing here reaches the run.
    let (record, violations) = (&output.record, output.violations.len());
    tracing::info!(
        "seed {seed}: finished in {:.2} s wall, {} events, {violations} violations, trace hash {}",
        record.perf.wall_time_s,
        record.perf.events,
        record.meta.trace_hash
    );
    Ok(output)
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into())
}

/// State shared by the tasks of one run. Locks are never held across an await.
struct Shared {
    names: Vec<String>,
    ids: Vec<PeerId>,
    /// Peers each audience reaches, in peer order.
    audiences: BTreeMap<Audience, Vec<usize>>,
    addrs: Vec<SocketAddr>,
    peers: Vec<Mutex<Peer>>,
    endpoints: Vec<OnceLock<Arc<Endpoint>>>,
    links: Mutex<Links>,
    /// With `[network]`: blocks travel over it instead of `links`.
    network: Option<Mutex<NetPump>>,
    /// `bitcoin.block_fill_bytes`: added to every block's size on the network.
    block_fill_bytes: u64,
    /// The scenario's partitions, crashes, lossy and slow links and skewed clocks.
    faults: Mutex<FaultPlan>,
    /// Taken when the run ends.
    recorder: Mutex<Option<Recorder>>,
    /// Taken, like the recorder, when the run ends.
    monitor: Mutex<Option<SafetyMonitor>>,
    /// Set when the monitor stops the run: from then on nothing is delivered and no timer fires.
    halted: AtomicBool,
    start: OnceLock<Instant>,
    /// The run covers [0, end): no timer fires at or after `end` (miners, load and the
    /// sequencer stop), while relays and verification go on through the quiet phase.
    end: SimTime,
}

impl Shared {
    /// The index of a peer a duty names (the world built every peer a duty can name).
    fn index_of(&self, id: PeerId) -> usize {
        self.ids.iter().position(|&p| p == id).unwrap_or_else(|| panic!("no peer {id} in this world"))
    }

    fn now(&self) -> SimTime {
        let start = self.start.get().expect("the world starts before any peer acts");
        SimTime(Instant::now().duration_since(*start).as_micros() as u64)
    }
}

async fn simulate(scenario: Scenario, seed: u64, options: RunOptions) -> Result<RunOutput, RunError> {
    let world = World::build(&scenario, seed);
    let names = world.names();
    let ids: Vec<PeerId> = world.peers.iter().map(|p| p.id).collect();
    let faults = FaultPlan::new(&scenario, seed, &ids, &names);
    // With faults, messages are lost: every peer asks for what it missed.
    let catch_up = !faults.is_empty();
    let addrs: Vec<SocketAddr> = (0..names.len()).map(peer_addr).collect();
    let btc = &scenario.bitcoin;
    let links = Links::new(seed, &names, btc.propagation_delay_ms, btc.propagation_jitter_ms);
    // Quiet phase: a block still in flight (one hop) can make an attacker publish (a second
    // hop); honest nodes never relay further, so two of the longest hops plus a margin suffice.
    let mut settle = links.max_delay() + links.max_delay() + SimDuration::from_secs(1);
    let network = scenario.network.as_ref().map(|config| {
        // Hop by hop, blocks take longer to reach every node: the quiet phase lets them.
        settle = settle + SimDuration::from_secs(super::network::SETTLE_S);
        Mutex::new(NetPump::new(config, seed, &names))
    });
    let bound_us = (crate::scenario::convergence_bound_s(&scenario) * 1e6).round() as u64;
    let recorder = Recorder::new(Trace::new(options.trace_file.as_deref())?, options.progress_us)
        .with_attacker_deposits(attacker_deposit(&scenario))
        .with_faults(FaultsRecorder::new(&faults, &ids, &names, bound_us));
    let audiences = audiences(&world.peers);
    let shared = Arc::new(Shared {
        audiences,
        endpoints: names.iter().map(|_| OnceLock::new()).collect(),
        ids,
        peers: world.peers.into_iter().map(|p| Mutex::new(if catch_up { p.with_catch_up() } else { p })).collect(),
        names,
        addrs,
        links: Mutex::new(links),
        network,
        block_fill_bytes: btc.block_fill_bytes,
        faults: Mutex::new(faults),
        recorder: Mutex::new(Some(recorder)),
        monitor: Mutex::new(Some(monitor(&scenario, options.keep_going))),
        halted: AtomicBool::new(false),
        start: OnceLock::new(),
        end: SimTime(scenario.duration_s * 1_000_000),
    });

    let handle = madsim::runtime::Handle::current();
    let nodes: Vec<_> = (0..shared.names.len())
        .map(|i| {
            let node = handle.create_node().name(shared.names[i].clone()).ip(shared.addrs[i].ip()).build();
            node.spawn(receive_loop(shared.clone(), i));
            node
        })
        .collect();
    // Every node binds its endpoint (madsim adds a few random microseconds) before anyone
    // sends; the world's clock starts once all are bound.
    while shared.endpoints.iter().any(|e| e.get().is_none()) {
        sleep(Duration::from_micros(1)).await;
    }
    let _ = shared.start.set(Instant::now());
    for (i, node) in nodes.iter().enumerate() {
        let shared = shared.clone();
        node.spawn(async move {
            let actions = lock(&shared.peers[i]).start();
            apply(&shared, i, actions);
        });
    }
    let planned: Vec<PlannedFault> = lock(&shared.faults).faults().to_vec();
    for fault in planned {
        madsim::task::spawn(run_fault(shared.clone(), fault));
    }
    sleep(Duration::from_micros((shared.end + settle).as_us())).await;
    let propagation = net::record_spreads(&shared);
    let recorder = lock(&shared.recorder).take().expect("the run finishes once");
    let monitor = lock(&shared.monitor).take().expect("the run finishes once");
    let mut output = {
        let peers: Vec<_> = shared.peers.iter().map(lock).collect();
        let peer_refs: Vec<&Peer> = peers.iter().map(|p| &**p).collect();
        collect::finish(recorder, monitor, &peer_refs, &scenario, seed)
    };
    if let (Ok(output), Some(rows)) = (output.as_mut(), propagation) {
        output.record.btc.propagation = rows;
    }
    // Each node's receive loop holds the world (`Arc<Shared>`) while `Shared` holds the node's
    // endpoint, which holds the loop's waker: a cycle the runtime's end does not break, so every
    // world stayed in memory until the process exited (a swarm grew by megabytes per world).
    // Killing the nodes drops their tasks and frees the world with the runtime.
    for node in &nodes {
        handle.kill(node.id());
    }
    output
}

/// Which peers each audience reaches, from their roles.
fn audiences(peers: &[Peer]) -> BTreeMap<Audience, Vec<usize>> {
    let mut map: BTreeMap<Audience, Vec<usize>> = BTreeMap::new();
    for (i, peer) in peers.iter().enumerate() {
        for audience in peer.audiences() {
            map.entry(audience).or_default().push(i);
        }
    }
    map
}

fn peer_addr(index: usize) -> SocketAddr {
    let ip = Ipv4Addr::new(10, 1, (index / 250) as u8, (index % 250 + 1) as u8);
    SocketAddr::new(IpAddr::V4(ip), BITCOIN_PORT)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock means a task panicked mid-update: the run is void, stop it loudly.
    m.lock().expect("a simulation task panicked while holding this lock")
}

/// What travels over a link: the message and the index of the peer that sent it.
struct Envelope {
    from: usize,
    message: Message,
}

async fn receive_loop(shared: Arc<Shared>, i: usize) {
    let endpoint = match Endpoint::bind(shared.addrs[i]).await {
        Ok(ep) => Arc::new(ep),
        Err(e) => panic!("{} cannot bind {}: {e}", shared.names[i], shared.addrs[i]),
    };
    let _ = shared.endpoints[i].set(endpoint.clone());
    while let Ok((payload, _addr)) = endpoint.recv_from_raw(TAG_BITCOIN).await {
        let Ok(envelope) = payload.downcast::<Envelope>() else { continue };
        let from = shared.ids[envelope.from];
        deliver(&shared, i, Input::Deliver { from, message: envelope.message });
    }
}

fn deliver(shared: &Arc<Shared>, i: usize, input: Input) {
    if shared.halted.load(Ordering::Relaxed) {
        return;
    }
    let now = shared.now();
    // A crashed peer hears nothing (a restart comes from the fault itself).
    let skew_us = {
        let faults = lock(&shared.faults);
        if faults.is_down(now, i) && !matches!(input, Input::Restart) {
            return;
        }
        faults.skew_us(now, i)
    };
    if let Some(recorder) = lock(&shared.recorder).as_mut() {
        recorder.count_event(now);
    }
    // A skewed clock: the peer reads its own time; the run records the true one.
    let peer_now = SimTime(now.as_us().saturating_add_signed(skew_us));
    let actions = lock(&shared.peers[i]).handle(peer_now, input);
    apply(shared, i, actions);
}

/// Carries out one fault: recorded when it starts and ends; at the end crashed peers restart
/// and reconnect, and a partition's sides (or a lossy link's ends) reconnect (each side then
/// asks the other for what it missed).
async fn run_fault(shared: Arc<Shared>, fault: PlannedFault) {
    sleep(Duration::from_micros(fault.start.as_us())).await;
    let (index, kind) = (fault.index as u32, fault.kind.as_str());
    record(&shared, Observation::FaultStarted { index, kind, peers: fault.hit.len() as u32 });
    sleep(Duration::from_micros(fault.end.since(fault.start).as_us())).await;
    record(&shared, Observation::FaultEnded { index, kind });
    match fault.kind {
        FaultKind::Crash => {
            for &i in &fault.hit {
                deliver(&shared, i, Input::Restart);
                for j in (0..shared.ids.len()).filter(|&j| j != i) {
                    deliver(&shared, i, Input::Connected(shared.ids[j]));
                }
            }
        }
        FaultKind::Partition => {
            for (a, b) in fault.cut_pairs() {
                deliver(&shared, a, Input::Connected(shared.ids[b]));
            }
        }
        // A connection that lost messages broke (TCP delivers or drops): at the heal both ends
        // reconnect and ask each other for what they missed, as after a partition.
        FaultKind::Loss => {
            for (a, b) in fault.lossy_pairs(shared.ids.len()) {
                deliver(&shared, a, Input::Connected(shared.ids[b]));
            }
        }
        _ => {}
    }
}

/// Records an observation of the run itself (not of a peer).
fn record(shared: &Arc<Shared>, observation: Observation) {
    if shared.halted.load(Ordering::Relaxed) {
        return;
    }
    let now = shared.now();
    if let Some(recorder) = lock(&shared.recorder).as_mut() {
        recorder.observe(now, FAULTS, observation);
    }
}

/// Carries out what peer `i` asked for.
fn apply(shared: &Arc<Shared>, i: usize, actions: Vec<Action>) {
    for action in actions {
        match action {
            Action::Broadcast(Message::Block(block)) if shared.network.is_some() => net::announce(shared, i, block),
            Action::Broadcast(message) => {
                let recipients = shared.audiences.get(&message.audience()).map_or(&[][..], Vec::as_slice);
                send(shared, i, recipients, message);
            }
            Action::SendTo { to, message } => {
                let to = shared.index_of(to);
                send(shared, i, &[to], message);
            }
            Action::Schedule { after, timer } => {
                let shared = shared.clone();
                let armed = shared.now();
                madsim::task::spawn(async move {
                    sleep(Duration::from_micros(after.as_us())).await;
                    // Every timer produces something (blocks, load, L2 blocks): none fires from
                    // the end of the run on, whatever order madsim gives two events at one instant.
                    // A crash in between voids it: the restarted peer arms its own.
                    let now = shared.now();
                    if now < shared.end && !lock(&shared.faults).timer_void(i, armed, now) {
                        deliver(&shared, i, Input::Fire(timer));
                    }
                });
            }
            Action::Observe(observation) => {
                let now = shared.now();
                if lock(&shared.monitor).as_mut().is_some_and(|m| m.inspect(now, &shared.names[i], &observation)) {
                    shared.halted.store(true, Ordering::Relaxed);
                }
                if let Some(recorder) = lock(&shared.recorder).as_mut() {
                    recorder.observe(now, &shared.names[i], observation);
                }
            }
        }
    }
}

/// One task per send walks the recipients in order of arrival time (per-link delays drawn now,
/// in recipient order), sleeping until each one's delivery.
fn send(shared: &Arc<Shared>, from: usize, recipients: &[usize], message: Message) {
    let endpoint = shared.endpoints[from].get().expect("endpoints are bound before the world starts").clone();
    let now = shared.now();
    let mut deliveries: Vec<(SimDuration, SocketAddr)> = {
        let mut links = lock(&shared.links);
        let mut faults = lock(&shared.faults);
        recipients
            .iter()
            .filter(|&&to| to != from)
            .filter_map(|&to| match faults.link(now, from, to) {
                LinkState::Cut => None,
                LinkState::Up { loss, .. } if faults.lost(from, loss) => None,
                LinkState::Up { extra, .. } => Some((links.delay(from) + extra, shared.addrs[to])),
            })
            .collect()
    };
    deliveries.sort_by_key(|&(delay, _)| delay);
    madsim::task::spawn(async move {
        let mut elapsed = SimDuration::ZERO;
        for (delay, dst) in deliveries {
            if delay > elapsed {
                sleep(Duration::from_micros(delay.as_us() - elapsed.as_us())).await;
                elapsed = delay;
            }
            // A send fails only if the destination is unreachable (a partition): the message is lost.
            let envelope = Envelope { from, message: message.clone() };
            let _ = endpoint.send_to_raw(dst, TAG_BITCOIN, Box::new(envelope)).await;
        }
    });
}

/// The run's safety monitor: under `l2.fork_choice = "pop"` a superfinal revert is a violation.
fn monitor(scenario: &Scenario, keep_going: bool) -> SafetyMonitor {
    let monitor = SafetyMonitor::new(keep_going);
    match scenario.l2.as_ref().map(|l2| l2.fork_choice) {
        Some(crate::scenario::ForkChoiceConfig::Pop) => monitor.with_pop_fork_choice(),
        _ => monitor,
    }
}
