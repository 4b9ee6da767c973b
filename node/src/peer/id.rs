//! Typed peer identities: what a peer is and which one of its kind, displayed as the names the
//! traces, RNG labels and outputs have always used (`miner-3`, `verifier-0`, `observer`, ...).

use std::fmt;

/// What a peer is in the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeerKind {
    /// An honest Bitcoin miner.
    Miner,
    /// The Bitcoin attacker (double-spender or selfish miner).
    Attacker,
    /// The L2's Bitcoin-Secure Sequencer.
    Sequencer,
    /// An L2 verifier.
    Verifier,
    /// A Proof-of-Proof miner.
    PopMiner,
    /// The BTC tunnel's vault operator.
    TunnelOperator,
    /// The Ethereum L1 the L2 settles on (only with an `[ethereum]` table).
    Ethereum,
    /// The reference node: its chain is the run's final view; it hosts the load generators and
    /// the checkers.
    Observer,
}

/// One peer: its kind and its index among the peers of that kind (0 for the singletons).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeerId {
    pub kind: PeerKind,
    pub index: u32,
}

impl PeerId {
    pub const ATTACKER: PeerId = PeerId { kind: PeerKind::Attacker, index: 0 };
    pub const SEQUENCER: PeerId = PeerId { kind: PeerKind::Sequencer, index: 0 };
    pub const TUNNEL_OPERATOR: PeerId = PeerId { kind: PeerKind::TunnelOperator, index: 0 };
    pub const ETHEREUM: PeerId = PeerId { kind: PeerKind::Ethereum, index: 0 };
    pub const OBSERVER: PeerId = PeerId { kind: PeerKind::Observer, index: 0 };

    pub fn miner(index: u32) -> PeerId {
        PeerId { kind: PeerKind::Miner, index }
    }

    pub fn verifier(index: u32) -> PeerId {
        PeerId { kind: PeerKind::Verifier, index }
    }

    /// Member `index` of the sequencer set (`[sequencer] count`); member 0 is `SEQUENCER`.
    pub fn sequencer(index: u32) -> PeerId {
        PeerId { kind: PeerKind::Sequencer, index }
    }

    pub fn pop_miner(index: u32) -> PeerId {
        PeerId { kind: PeerKind::PopMiner, index }
    }

    /// Whether this peer follows the honest protocol (everyone but the attacker).
    pub fn is_honest(&self) -> bool {
        self.kind != PeerKind::Attacker
    }
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeerKind::Miner => write!(f, "miner-{}", self.index),
            PeerKind::Attacker => f.write_str("attacker"),
            // Member 0 keeps the name the lone sequencer always had.
            PeerKind::Sequencer if self.index == 0 => f.write_str("sequencer"),
            PeerKind::Sequencer => write!(f, "sequencer-{}", self.index),
            PeerKind::Verifier => write!(f, "verifier-{}", self.index),
            PeerKind::PopMiner => write!(f, "pop-miner-{}", self.index),
            PeerKind::TunnelOperator => f.write_str("tunnel-operator"),
            PeerKind::Ethereum => f.write_str("ethereum"),
            PeerKind::Observer => f.write_str("observer"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_display_as_the_names_traces_have_always_used() {
        let names: Vec<String> = [
            PeerId::miner(3),
            PeerId::ATTACKER,
            PeerId::SEQUENCER,
            PeerId::verifier(0),
            PeerId::pop_miner(2),
            PeerId::TUNNEL_OPERATOR,
            PeerId::ETHEREUM,
            PeerId::OBSERVER,
        ]
        .iter()
        .map(PeerId::to_string)
        .collect();
        assert_eq!(
            names,
            [
                "miner-3",
                "attacker",
                "sequencer",
                "verifier-0",
                "pop-miner-2",
                "tunnel-operator",
                "ethereum",
                "observer"
            ]
        );
    }
}
