//! `[sequencer]`: the sequencer set (op-conductor's high-availability group or a rotating,
//! decentralized set). Optional: without it, or with `count = 1` and `ha = "none"`, the L2 has
//! its one sequencer exactly as before.

use super::error::Invalid;
use super::{AttackKind, FaultKind, Scenario};
use serde::{Deserialize, Serialize};

/// `[sequencer]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequencerSetConfig {
    /// Members of the set (peers `sequencer`, `sequencer-1`, ...).
    #[serde(default = "one")]
    pub count: u32,
    /// Who sequences: the one sequencer, the conductor's leader, or members by turns.
    #[serde(default)]
    pub ha: HaMode,
    /// `rotation`: blocks per turn.
    #[serde(default = "rotation_blocks")]
    pub rotation_blocks: u64,
    /// `conductor`: the health check steps a leader down whose unsafe head has not advanced for
    /// this long.
    #[serde(default = "unsafe_interval_s")]
    pub unsafe_interval_s: f64,
    /// `rotation`: a missing member's slot passes to the next member after this long.
    #[serde(default = "slot_timeout_s")]
    pub slot_timeout_s: f64,
}

fn one() -> u32 {
    1
}
fn rotation_blocks() -> u64 {
    25
}
fn unsafe_interval_s() -> f64 {
    24.0
}
fn slot_timeout_s() -> f64 {
    12.0
}

/// `sequencer.ha`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HaMode {
    #[default]
    None,
    Conductor,
    Rotation,
}

impl SequencerSetConfig {
    /// Whether the L2 has a set of sequencers (more than one member).
    pub fn is_set(&self) -> bool {
        self.count > 1
    }
}

/// The number of sequencer peers of `s` (1 with an `[l2]` and no set, 0 without `[l2]`).
pub fn sequencer_count(s: &Scenario) -> u32 {
    match (&s.l2, &s.sequencer) {
        (None, _) => 0,
        (Some(_), Some(set)) => set.count,
        (Some(_), None) => 1,
    }
}

/// Maximum members: a set, not a network.
const COUNT_MAX: u32 = 16;

pub(crate) fn validate(s: &Scenario) -> Result<(), Invalid> {
    let Some(set) = &s.sequencer else {
        return no_set_keys(s);
    };
    let Some(l2) = &s.l2 else {
        return Err(Invalid::new("sequencer", "expected an [l2] table: the sequencers are the L2's"));
    };
    if !(1..=COUNT_MAX).contains(&set.count) {
        return Err(Invalid::new("sequencer.count", format!("expected 1 to {COUNT_MAX}, got {}", set.count)));
    }
    match (set.ha, set.count) {
        (HaMode::None, 1) | (HaMode::Conductor | HaMode::Rotation, 2..) => {}
        (HaMode::None, n) => {
            return Err(Invalid::new(
                "sequencer.ha",
                format!("expected \"conductor\" or \"rotation\" with count = {n} (\"none\" is one sequencer)"),
            ));
        }
        (mode, _) => {
            return Err(Invalid::new(
                "sequencer.count",
                format!("expected at least 2 with ha = \"{}\" (a set), got 1", mode_name(mode)),
            ));
        }
    }
    if set.ha == HaMode::Rotation && s.ethereum.is_some() {
        return Err(Invalid::new(
            "sequencer.ha",
            "expected \"conductor\" with an [ethereum] table: a conducted set settles on L1 (every member derives, the leader batches); a rotating set on a settlement chain (a batcher following the member whose turn it is) is not modelled yet",
        ));
    }
    if set.is_set()
        && let Some(attack) =
            s.attack.as_ref().filter(|a| matches!(a.kind, AttackKind::Equivocate | AttackKind::Rewrite))
    {
        return Err(Invalid::new(
            "attack.kind",
            format!(
                "expected no sequencer set (sequencer.count = 1) with kind = \"{}\": the equivocating sequencer is a lone sequencer",
                attack.kind.as_str()
            ),
        ));
    }
    if set.rotation_blocks == 0 {
        return Err(Invalid::new("sequencer.rotation_blocks", "expected at least 1 block per turn, got 0"));
    }
    let positive = |key: &str, v: f64| {
        if v.is_finite() && v >= l2.block_time_s && v <= 86_400.0 {
            Ok(())
        } else {
            Err(Invalid::new(
                key,
                format!("expected seconds from l2.block_time_s ({}) to 86400, got {v}", l2.block_time_s),
            ))
        }
    };
    positive("sequencer.unsafe_interval_s", set.unsafe_interval_s)?;
    positive("sequencer.slot_timeout_s", set.slot_timeout_s)?;
    if set.ha == HaMode::Rotation {
        // The owner hears the parent up to a link delay late, builds, and its block takes one
        // more to reach the next member: that must come before the next member takes the slot
        // over, or both build it and the chain forks (timestamps are whole seconds: 1 s more).
        let link_s = (s.bitcoin.propagation_delay_ms + s.bitcoin.propagation_jitter_ms) as f64 / 1000.0;
        if set.slot_timeout_s <= 2.0 * link_s + 1.0 {
            return Err(Invalid::new(
                "sequencer.slot_timeout_s",
                format!(
                    "expected more than twice the longest link delay plus 1 s ({:.3} s: bitcoin.propagation_delay_ms + propagation_jitter_ms) with ha = \"rotation\", got {}: a member would take over slots whose block is still on its way",
                    2.0 * link_s + 1.0,
                    set.slot_timeout_s
                ),
            ));
        }
    }
    set_keys(s, set)
}

fn mode_name(mode: HaMode) -> &'static str {
    match mode {
        HaMode::None => "none",
        HaMode::Conductor => "conductor",
        HaMode::Rotation => "rotation",
    }
}

/// The keys and fault kinds that need a set, refused without one.
fn no_set_keys(s: &Scenario) -> Result<(), Invalid> {
    set_keys(s, &SequencerSetConfig { count: 1, ..Default::default() })
}

impl Default for SequencerSetConfig {
    fn default() -> Self {
        SequencerSetConfig {
            count: 1,
            ha: HaMode::None,
            rotation_blocks: rotation_blocks(),
            unsafe_interval_s: unsafe_interval_s(),
            slot_timeout_s: slot_timeout_s(),
        }
    }
}

fn set_keys(s: &Scenario, set: &SequencerSetConfig) -> Result<(), Invalid> {
    for (index, c) in s.censor.iter().enumerate() {
        if let Some(member) = c.sequencer
            && (!set.is_set() || member >= set.count)
        {
            return Err(Invalid::new(
                format!("censor.{index}.sequencer"),
                format!(
                    "expected a member of the sequencer set (0 to sequencer.count - 1 = {}), got {member}",
                    set.count.saturating_sub(1)
                ),
            ));
        }
    }
    for (index, f) in s.fault.iter().enumerate() {
        let conductor_only = matches!(f.kind, FaultKind::BadHandoff | FaultKind::ConductorOverride);
        if conductor_only && set.ha != HaMode::Conductor {
            return Err(Invalid::new(
                format!("fault.{index}.kind"),
                format!("expected [sequencer] ha = \"conductor\" for kind = \"{}\"", f.kind.as_str()),
            ));
        }
    }
    Ok(())
}
