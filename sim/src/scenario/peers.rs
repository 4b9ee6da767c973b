//! Who a `[[fault]]` hits: peer selectors, checked against the scenario's roles and resolved to
//! peers (a share drawn from the seed).
//!
//! A selector is one of:
//! - a peer's name: `miner-3`, `verifier-0`, `pop-miner-1`, `sequencer`, `observer`,
//!   `ethereum`, `tunnel-operator`, `attacker`;
//! - a role's group: `miners`, `verifiers`, `pop-miners`, `sequencers`, or `all`;
//! - a range of a group, end excluded: `miners:0..4`; one index: `miners:2`;
//! - a share of a group chosen by the seed, rounded and at least one: `miners:50%`.

use super::Scenario;
use hemisim_node::peer::{PeerId, PeerKind};
use hemisim_node::rng::Stream;
use std::collections::BTreeSet;

/// The peers of each role a scenario has, in world order.
#[derive(Debug, Clone)]
pub struct Roles {
    miners: u32,
    verifiers: u32,
    pop_miners: u32,
    /// The sequencer and, with a set, its other members.
    sequencers: u32,
    singles: Vec<PeerId>,
}

impl Roles {
    pub fn of(s: &Scenario) -> Roles {
        let mut singles = vec![PeerId::OBSERVER];
        if s.attack.as_ref().is_some_and(|a| a.kind.mines_bitcoin()) {
            singles.push(PeerId::ATTACKER);
        }
        if s.tunnel.is_some() {
            singles.push(PeerId::TUNNEL_OPERATOR);
        }
        if s.ethereum.is_some() {
            singles.push(PeerId::ETHEREUM);
        }
        Roles {
            miners: s.bitcoin.miners,
            verifiers: s.l2.as_ref().map_or(0, |l2| l2.verifiers),
            pop_miners: s.pop.as_ref().map_or(0, |p| p.miners),
            sequencers: super::sequencer_count(s),
            singles,
        }
    }

    /// Every peer of the world, in order of kind then index.
    pub fn all(&self) -> BTreeSet<PeerId> {
        let mut all: BTreeSet<PeerId> = self.singles.iter().copied().collect();
        for kind in [PeerKind::Miner, PeerKind::Sequencer, PeerKind::Verifier, PeerKind::PopMiner] {
            all.extend((0..self.count(kind)).map(|index| PeerId { kind, index }));
        }
        all
    }

    fn count(&self, kind: PeerKind) -> u32 {
        match kind {
            PeerKind::Miner => self.miners,
            PeerKind::Verifier => self.verifiers,
            PeerKind::PopMiner => self.pop_miners,
            PeerKind::Sequencer => self.sequencers,
            other => self.singles.iter().filter(|p| p.kind == other).count() as u32,
        }
    }
}

/// A parsed selector.
#[derive(Debug, Clone, PartialEq)]
enum Selector {
    One(PeerId),
    Range { kind: PeerKind, start: u32, end: u32 },
    Share { kind: PeerKind, share: f64 },
    All,
}

const GROUPS: [(&str, PeerKind); 4] = [
    ("miners", PeerKind::Miner),
    ("verifiers", PeerKind::Verifier),
    ("pop-miners", PeerKind::PopMiner),
    ("sequencers", PeerKind::Sequencer),
];

const EXPECTED: &str = "a peer (\"miner-3\", \"sequencer\", \"observer\", ...), a group (\"miners\", \"verifiers\", \"pop-miners\", \"sequencers\", \"all\"), a range (\"miners:0..4\") or a share (\"miners:50%\")";

fn parse(text: &str) -> Result<Selector, String> {
    let bad = || format!("expected {EXPECTED}, got \"{text}\"");
    if text == "all" {
        return Ok(Selector::All);
    }
    let (group, part) = match text.split_once(':') {
        Some((group, part)) => (group, Some(part)),
        None => (text, None),
    };
    if let Some(&(_, kind)) = GROUPS.iter().find(|(name, _)| *name == group) {
        return match part {
            None => Ok(Selector::Range { kind, start: 0, end: u32::MAX }),
            Some(part) => parse_part(kind, part).ok_or_else(bad),
        };
    }
    if part.is_some() {
        return Err(bad());
    }
    parse_name(text).map(Selector::One).ok_or_else(bad)
}

fn parse_part(kind: PeerKind, part: &str) -> Option<Selector> {
    if let Some(percent) = part.strip_suffix('%') {
        let share = percent.parse::<f64>().ok().filter(|p| *p > 0.0 && *p <= 100.0)? / 100.0;
        return Some(Selector::Share { kind, share });
    }
    if let Some((start, end)) = part.split_once("..") {
        let (start, end) = (start.parse().ok()?, end.parse().ok()?);
        return (start < end).then_some(Selector::Range { kind, start, end });
    }
    let index: u32 = part.parse().ok()?;
    Some(Selector::Range { kind, start: index, end: index + 1 })
}

fn parse_name(name: &str) -> Option<PeerId> {
    let single = [PeerId::SEQUENCER, PeerId::OBSERVER, PeerId::ETHEREUM, PeerId::TUNNEL_OPERATOR, PeerId::ATTACKER];
    if let Some(&id) = single.iter().find(|id| id.to_string() == name) {
        return Some(id);
    }
    let indexed = [
        ("miner-", PeerKind::Miner),
        ("verifier-", PeerKind::Verifier),
        ("pop-miner-", PeerKind::PopMiner),
        ("sequencer-", PeerKind::Sequencer),
    ];
    indexed.iter().find_map(|&(prefix, kind)| {
        let index = name.strip_prefix(prefix)?;
        // No sign, no leading zeros: one spelling per peer.
        let canonical =
            !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()) && (index == "0" || !index.starts_with('0'));
        // Sequencer member 0 is `sequencer`: `sequencer-0` is not a name.
        let named = !(kind == PeerKind::Sequencer && index == "0");
        (canonical && named).then(|| index.parse().ok().map(|index| PeerId { kind, index })).flatten()
    })
}

/// Checks `selectors` against the scenario's roles: each names peers that exist.
pub fn check(selectors: &[String], roles: &Roles) -> Result<(), String> {
    for text in selectors {
        let selector = parse(text)?;
        let (kind, end) = match selector {
            Selector::All => continue,
            Selector::One(id) => (id.kind, id.index + 1),
            Selector::Range { kind, end, .. } => (kind, end),
            Selector::Share { kind, .. } => (kind, 1),
        };
        let count = roles.count(kind);
        let whole_group = end == u32::MAX;
        if count == 0 || (!whole_group && end > count) {
            return Err(format!("\"{text}\" names no peer of this scenario ({})", describe(kind, count)));
        }
    }
    Ok(())
}

fn describe(kind: PeerKind, count: u32) -> String {
    let role = match kind {
        PeerKind::Miner => "bitcoin.miners",
        PeerKind::Verifier => "l2.verifiers",
        PeerKind::PopMiner => "pop.miners",
        PeerKind::Sequencer => "the sequencer comes with [l2]",
        PeerKind::TunnelOperator => "the tunnel operator comes with [tunnel]",
        PeerKind::Ethereum => "the ethereum peer comes with [ethereum]",
        PeerKind::Attacker => "the attacker comes with [attack]",
        PeerKind::Observer => "there is one observer",
    };
    match kind {
        PeerKind::Miner | PeerKind::Verifier | PeerKind::PopMiner => format!("{role} = {count}"),
        _ => role.to_owned(),
    }
}

/// The kinds of peer `selectors` (checked with [`check`] first) can name.
pub fn kinds(selectors: &[String], roles: &Roles) -> BTreeSet<PeerKind> {
    selectors
        .iter()
        .flat_map(|text| match parse(text).expect("checked when the scenario was loaded") {
            Selector::All => roles.all().into_iter().map(|p| p.kind).collect(),
            Selector::One(id) => vec![id.kind],
            Selector::Range { kind, .. } | Selector::Share { kind, .. } => vec![kind],
        })
        .collect()
}

/// The peers `selectors` name (checked with [`check`] first). Shares are drawn from `rng`, one
/// partial shuffle per share selector, in the order written.
pub fn resolve(selectors: &[String], roles: &Roles, rng: &mut Stream) -> BTreeSet<PeerId> {
    let mut chosen = BTreeSet::new();
    for text in selectors {
        match parse(text).expect("checked when the scenario was loaded") {
            Selector::All => chosen.extend(roles.all()),
            Selector::One(id) => {
                chosen.insert(id);
            }
            Selector::Range { kind, start, end } => {
                let end = end.min(roles.count(kind));
                chosen.extend((start..end).map(|index| PeerId { kind, index }));
            }
            Selector::Share { kind, share } => {
                let count = roles.count(kind);
                let take = ((share * f64::from(count)).round() as u32).clamp(1, count);
                let mut indices: Vec<u32> = (0..count).collect();
                for i in 0..take as usize {
                    let j = i + rng.below_inclusive((indices.len() - 1 - i) as u64) as usize;
                    indices.swap(i, j);
                }
                chosen.extend(indices[..take as usize].iter().map(|&index| PeerId { kind, index }));
            }
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles() -> Roles {
        Roles { miners: 8, verifiers: 2, pop_miners: 0, sequencers: 1, singles: vec![PeerId::OBSERVER] }
    }

    fn names(selectors: &[&str], seed: u64) -> Vec<String> {
        let selectors: Vec<String> = selectors.iter().map(|s| s.to_string()).collect();
        check(&selectors, &roles()).expect("the test's selectors are valid");
        let mut rng = Stream::derive(seed, "test");
        resolve(&selectors, &roles(), &mut rng).iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn names_groups_ranges_and_indices_resolve_to_peers() {
        assert_eq!(names(&["miners:0..3"], 1), ["miner-0", "miner-1", "miner-2"]);
        assert_eq!(names(&["miners:5", "sequencer"], 1), ["miner-5", "sequencer"]);
        assert_eq!(names(&["verifiers"], 1), ["verifier-0", "verifier-1"]);
        assert_eq!(names(&["sequencers", "verifier-1"], 1), ["sequencer", "verifier-1"]);
        assert_eq!(names(&["all"], 1).len(), 12);
    }

    #[test]
    fn a_share_is_drawn_from_the_seed_rounded_and_at_least_one() {
        let a = names(&["miners:50%"], 1);
        assert_eq!(a.len(), 4);
        assert_eq!(a, names(&["miners:50%"], 1), "same seed, same peers");
        let draws: BTreeSet<Vec<String>> = (0..20).map(|seed| names(&["miners:50%"], seed)).collect();
        assert!(draws.len() > 5, "other seeds draw other peers: {draws:?}");
        assert_eq!(names(&["miners:1%"], 1).len(), 1);
    }

    #[test]
    fn selectors_naming_no_peer_or_badly_written_are_refused() {
        let refused = |text: &str| check(&[text.to_owned()], &roles()).expect_err("the selector is refused");
        assert!(refused("miners:6..9").contains("bitcoin.miners = 8"), "{}", refused("miners:6..9"));
        assert!(refused("pop-miners").contains("pop.miners = 0"));
        assert!(refused("ethereum").contains("[ethereum]"));
        for bad in ["miner-03", "miner--1", "miners:3..3", "miners:0%", "miners:x", "sequencer:0", "nobody", ""] {
            assert!(refused(bad).starts_with("expected a peer"), "{bad}: {}", refused(bad));
        }
    }
}
