//! `[network]` loading: defaults, the region table by name or written out, and the errors a user
//! sees for each bad value.

use super::*;

const BASE: &str = "name = \"t\"\nseed = 7\nduration_s = 3600\n[bitcoin]\nminers = 4\n";

fn load(extra: &str) -> Result<Scenario, ScenarioError> {
    Scenario::from_toml_str(&format!("{BASE}{extra}"), "t.toml", &[])
}

fn error(extra: &str) -> String {
    match load(extra) {
        Ok(s) => panic!("expected an error, loaded {s:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn an_empty_network_table_is_eight_outbound_peers_compact_relay_and_simblock_regions() {
    let s = load("[network]\n").expect("valid");
    let n = s.network.expect("the table is there");
    assert_eq!((n.nodes, n.outbound_peers, n.relay), (0, 8, Relay::Compact));
    assert_eq!(n.regions, RegionsConfig::Named("simblock".into()));
    assert_eq!(n.regions().len(), 6);
}

#[test]
fn without_the_table_the_resolved_scenario_and_its_hash_are_unchanged() {
    let s = load("").expect("valid");
    assert!(s.network.is_none());
    let text = s.to_toml_string().expect("serialises");
    assert!(!text.contains("network") && !text.contains("block_fill_bytes"), "{text}");
}

#[test]
fn a_written_out_region_list_loads_and_resolves_back() {
    let s = load(
        "block_fill_bytes = 1000\n[network]\nrelay = \"standard\"\nregions = [\n  { name = \"a\", share = 1, latency_ms = [20, 80], download_mbps = 50, upload_mbps = 20 },\n  { name = \"b\", share = 3, latency_ms = [80, 10], download_mbps = 10, upload_mbps = 5 },\n]\n",
    )
    .expect("valid");
    let regions = s.network.as_ref().expect("network").regions();
    assert_eq!(regions[1].latency_ms, vec![80.0, 10.0]);
    let again = Scenario::from_toml_str(&s.to_toml_string().expect("serialises"), "resolved", &[])
        .expect("the resolved file loads");
    assert_eq!(again, s);
}

#[test]
fn bad_network_values_are_refused_naming_the_key() {
    let cases = [
        ("[network]\nregions = \"mars\"\n", "network.regions"),
        ("[network]\noutbound_peers = 0\n", "network.outbound_peers"),
        ("[network]\nnodes = 100001\n", "network.nodes"),
        ("[network]\nrelay = \"fast\"\n", "network.relay"),
        (
            "[network]\nregions = [{ name = \"a\", share = 1, latency_ms = [20, 30], download_mbps = 5, upload_mbps = 5 }]\n",
            "network.regions.0.latency_ms",
        ),
        (
            "[network]\nregions = [{ name = \"a\", share = 1, latency_ms = [3], download_mbps = 5, upload_mbps = 5 }]\n",
            "network.regions.0.latency_ms",
        ),
        (
            "[network]\nregions = [{ name = \"a\", share = 1, latency_ms = [30], download_mbps = 0, upload_mbps = 5 }]\n",
            "network.regions.0.download_mbps",
        ),
    ];
    for (extra, key) in cases {
        let e = error(extra);
        assert!(e.contains(key), "{extra}: {e}");
    }
}

#[test]
fn block_fill_needs_a_network_and_link_faults_cannot_join_one() {
    let e = error("block_fill_bytes = 5\n");
    assert!(e.contains("bitcoin.block_fill_bytes") && e.contains("[network]"), "{e}");
    let e = error(
        "[network]\n[[fault]]\nkind = \"partition\"\nat_s = 10\nfor_s = 20\ngroups = [[\"miners:0..2\"], [\"miners:2..4\", \"observer\"]]\n",
    );
    assert!(e.contains("fault.0.kind") && e.contains("[network]"), "{e}");
}
