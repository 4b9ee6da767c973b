//! `[network]`: the Bitcoin network's topology and bandwidth (absent: every peer sends to every
//! other with `bitcoin.propagation_delay_ms` plus jitter, as before). With it, every peer and
//! `nodes` relay-only nodes sit in regions on a random graph and blocks travel hop by hop
//! (`harness::network`).

use super::Scenario;
use super::error::Invalid;
use crate::harness::network::regions::{self, LATENCY_MIN_MS, Region};
use crate::harness::network::relay::Relay;
use serde::{Deserialize, Serialize};

/// `[network]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// Relay-only Bitcoin nodes besides the world's peers (miners, observer, L2 nodes, ...).
    #[serde(default)]
    pub nodes: u32,
    /// Connections each node opens (Bitcoin Core: 8 full-relay).
    #[serde(default = "outbound_peers")]
    pub outbound_peers: u32,
    /// How a block crosses one hop.
    #[serde(default)]
    pub relay: Relay,
    /// `"simblock"` (SimBlock's 2019 tables) or a list of regions.
    #[serde(default)]
    pub regions: RegionsConfig,
}

fn outbound_peers() -> u32 {
    8
}

/// The region table: a built-in one by name, or written out.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum RegionsConfig {
    Named(String),
    List(Vec<Region>),
}

/// A name or a list: asked for as a list (so the schema reads a list of region tables, and
/// `check` admits the names of [`REGION_TABLES`] in its place), taken as whichever it is.
impl<'de> Deserialize<'de> for RegionsConfig {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameOrList;
        impl<'de> serde::de::Visitor<'de> for NameOrList {
            type Value = RegionsConfig;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"simblock\" or an array of region tables")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<RegionsConfig, E> {
                Ok(RegionsConfig::Named(name.to_owned()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<RegionsConfig, A::Error> {
                let mut list = Vec::new();
                while let Some(region) = seq.next_element()? {
                    list.push(region);
                }
                Ok(RegionsConfig::List(list))
            }
        }
        deserializer.deserialize_seq(NameOrList)
    }
}

/// The built-in region tables `network.regions` may name.
pub const REGION_TABLES: &[&str] = &["simblock", "simblock-2015"];

/// What `network.regions` accepts, for the messages that refuse another value.
pub(crate) fn regions_expected() -> String {
    let names: Vec<String> = REGION_TABLES.iter().map(|name| format!("{name:?}")).collect();
    format!(
        "{} or an array of region tables {{ name, share, latency_ms, download_mbps, upload_mbps }}",
        names.join(", ")
    )
}

impl Default for RegionsConfig {
    fn default() -> Self {
        RegionsConfig::Named("simblock".into())
    }
}

/// The most nodes a network may hold, peers included.
pub const NODES_MAX: u32 = 100_000;

impl NetworkConfig {
    /// The region table the run uses.
    pub fn regions(&self) -> Vec<Region> {
        match &self.regions {
            RegionsConfig::Named(name) if name == "simblock-2015" => regions::simblock_2015(),
            RegionsConfig::Named(_) => regions::simblock(),
            RegionsConfig::List(list) => list.clone(),
        }
    }
}

pub(crate) fn validate(s: &Scenario) -> Result<(), Invalid> {
    let Some(n) = &s.network else {
        if s.bitcoin.block_fill_bytes != 0 {
            return Err(Invalid::new(
                "bitcoin.block_fill_bytes",
                "expected a [network] table: block size matters only to the network model's bandwidth",
            ));
        }
        return Ok(());
    };
    if n.nodes > NODES_MAX {
        return Err(Invalid::new("network.nodes", format!("expected an integer in [0, {NODES_MAX}], got {}", n.nodes)));
    }
    if !(1..=125).contains(&n.outbound_peers) {
        return Err(Invalid::new(
            "network.outbound_peers",
            format!("expected an integer in [1, 125] (Bitcoin Core's connection slots), got {}", n.outbound_peers),
        ));
    }
    if let Some(fault) = s.fault.iter().position(|f| !f.kind.is_sequencers()) {
        return Err(Invalid::new(
            format!("fault.{fault}.kind"),
            "expected no fault of peers or links with a [network] table: faults cut the all-to-all links, which the network model replaces",
        ));
    }
    match &n.regions {
        RegionsConfig::Named(name) if REGION_TABLES.contains(&name.as_str()) => Ok(()),
        RegionsConfig::Named(name) => {
            Err(Invalid::new("network.regions", format!("expected {}, got {name:?}", regions_expected())))
        }
        RegionsConfig::List(list) => region_list(list),
    }
}

fn region_list(list: &[Region]) -> Result<(), Invalid> {
    if list.is_empty() || list.len() > 255 {
        return Err(Invalid::new("network.regions", format!("expected 1 to 255 regions, got {}", list.len())));
    }
    for (i, r) in list.iter().enumerate() {
        let key = |k: &str| format!("network.regions.{i}.{k}");
        if !(r.share.is_finite() && r.share >= 0.0) {
            return Err(Invalid::new(key("share"), format!("expected a finite number >= 0, got {}", r.share)));
        }
        if r.latency_ms.len() != list.len() {
            return Err(Invalid::new(
                key("latency_ms"),
                format!("expected one latency per region ({}), got {}", list.len(), r.latency_ms.len()),
            ));
        }
        if let Some(bad) =
            r.latency_ms.iter().find(|&&ms| !(ms.is_finite() && (LATENCY_MIN_MS..=60_000.0).contains(&ms)))
        {
            return Err(Invalid::new(
                key("latency_ms"),
                format!(
                    "expected latencies in [{LATENCY_MIN_MS}, 60000] ms (a message takes at least the mean less 5 ms), got {bad}"
                ),
            ));
        }
        for (k, v) in [("download_mbps", r.download_mbps), ("upload_mbps", r.upload_mbps)] {
            if !(v.is_finite() && (0.01..=100_000.0).contains(&v)) {
                return Err(Invalid::new(key(k), format!("expected a finite number in [0.01, 100000], got {v}")));
            }
        }
    }
    if list.iter().all(|r| r.share == 0.0) {
        return Err(Invalid::new("network.regions", "expected at least one region with a share above 0"));
    }
    Ok(())
}
