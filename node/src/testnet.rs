//! A small in-memory network for node-level tests: peers and their duties, driven as the harness
//! drives them but with zero-delay delivery and no madsim. Broadcasts reach every other peer of
//! the message's audience, in peer order; a send reaches its one peer; timers fire in time order
//! (ties in the order they were armed); every observation is kept with its time and peer.

use crate::events::{Action, Audience, Input, Message, Observation, Timer};
use crate::peer::{Peer, PeerId};
use crate::time::SimTime;
use std::collections::{BTreeMap, VecDeque};

#[derive(Debug)]
pub struct TestNet {
    now: SimTime,
    peers: Vec<Peer>,
    /// Each peer's audiences (fixed for its life), by peer index.
    audiences: Vec<Vec<Audience>>,
    /// Armed timers by (time, arming order).
    timers: BTreeMap<(SimTime, u64), (usize, Timer)>,
    armed: u64,
    /// Messages sent and not yet delivered (all at `now`: delivery takes no time).
    in_flight: VecDeque<(usize, usize, Message)>,
    observed: Vec<(SimTime, PeerId, Observation)>,
}

impl TestNet {
    /// Starts every peer, in order.
    pub fn new(peers: Vec<Peer>) -> Self {
        let audiences = peers.iter().map(Peer::audiences).collect();
        let mut net = TestNet {
            now: SimTime::ZERO,
            peers,
            audiences,
            timers: BTreeMap::new(),
            armed: 0,
            in_flight: VecDeque::new(),
            observed: Vec::new(),
        };
        for i in 0..net.peers.len() {
            let actions = net.peers[i].start();
            net.apply(i, actions);
        }
        net.settle();
        net
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn peer(&self, id: PeerId) -> &Peer {
        &self.peers[self.index_of(id)]
    }

    pub fn peer_mut(&mut self, id: PeerId) -> &mut Peer {
        let i = self.index_of(id);
        &mut self.peers[i]
    }

    /// Hands `message` to one peer now, as if it had arrived, and delivers what follows.
    pub fn deliver(&mut self, from: PeerId, to: PeerId, message: Message) {
        let (from, to) = (self.index_of(from), self.index_of(to));
        self.in_flight.push_back((from, to, message));
        self.settle();
    }

    /// Fires every timer due up to `until` (inclusive), in order, delivering what each causes.
    pub fn run_until(&mut self, until: SimTime) {
        while let Some((&(at, armed), _)) = self.timers.first_key_value() {
            if at > until {
                break;
            }
            let (i, timer) = self.timers.remove(&(at, armed)).expect("just seen");
            self.now = at;
            let actions = self.peers[i].handle(at, Input::Fire(timer));
            self.apply(i, actions);
            self.settle();
        }
        self.now = self.now.max(until);
    }

    /// Every observation so far: (time, peer, observation).
    pub fn observed(&self) -> &[(SimTime, PeerId, Observation)] {
        &self.observed
    }

    /// The observations of one peer.
    pub fn observed_by(&self, id: PeerId) -> impl Iterator<Item = &Observation> {
        self.observed.iter().filter(move |(_, p, _)| *p == id).map(|(_, _, o)| o)
    }

    fn index_of(&self, id: PeerId) -> usize {
        self.peers.iter().position(|p| p.id == id).unwrap_or_else(|| panic!("no peer {id} on this test net"))
    }

    /// Delivers everything in flight, and what that sends in turn.
    fn settle(&mut self) {
        while let Some((from, i, message)) = self.in_flight.pop_front() {
            let input = Input::Deliver { from: self.peers[from].id, message };
            let actions = self.peers[i].handle(self.now, input);
            self.apply(i, actions);
        }
    }

    fn apply(&mut self, from: usize, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::Broadcast(message) => {
                    let audience = message.audience();
                    for to in (0..self.peers.len()).filter(|&to| to != from && self.audiences[to].contains(&audience)) {
                        self.in_flight.push_back((from, to, message.clone()));
                    }
                }
                Action::SendTo { to, message } => {
                    let to = self.index_of(to);
                    self.in_flight.push_back((from, to, message));
                }
                Action::Schedule { after, timer } => {
                    self.armed += 1;
                    self.timers.insert((self.now + after, self.armed), (from, timer));
                }
                Action::Observe(observation) => self.observed.push((self.now, self.peers[from].id, observation)),
            }
        }
    }
}
