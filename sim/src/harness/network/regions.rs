//! Regions: where nodes sit, the latency between regions and each region's bandwidth.
//!
//! The built-in table (`regions = "simblock"`) holds SimBlock's published 2019 values
//! (dsg-titech/simblock, `simulator/src/main/java/simblock/settings/NetworkConfiguration.java`:
//! `LATENCY_2019`, `DOWNLOAD_BANDWIDTH_2019`, `UPLOAD_BANDWIDTH_2019` and
//! `REGION_DISTRIBUTION_BITCOIN_2019`; Aoki et al., "SimBlock: A Blockchain Network Simulator",
//! INFOCOM workshops 2019), read as numbers, not code. Latencies are mean one-way delays in
//! milliseconds; a message's delay is drawn per message as SimBlock's `Network.getLatency` does:
//! Pareto with shape 0.2 x mean and scale mean - 5 ms (so its mean is the table's value and no
//! message is faster than the mean less 5 ms). A link's bandwidth is the smaller of the sender
//! region's upload and the receiver region's download (SimBlock's `getBandwidth`).

use serde::{Deserialize, Serialize};

/// One region: its share of the nodes, its latency to every region (in table order) and its
/// access bandwidth. A scenario's written-out `network.regions` list holds these tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub name: String,
    /// Share of nodes placed here (shares are normalised over the table).
    pub share: f64,
    /// Mean one-way latency to each region, in the table's order, in milliseconds (> 5).
    pub latency_ms: Vec<f64>,
    pub download_mbps: f64,
    pub upload_mbps: f64,
}

/// The smallest mean latency a region table may hold: SimBlock's Pareto draw needs a positive
/// scale (mean - 5 ms).
pub const LATENCY_MIN_MS: f64 = 6.0;

const NAMES: [&str; 6] = ["north-america", "europe", "south-america", "asia-pacific", "japan", "australia"];

/// SimBlock's 2015 Bitcoin network (`LATENCY_2015`, `DOWNLOAD_BANDWIDTH_2015`,
/// `UPLOAD_BANDWIDTH_2015`, `REGION_DISTRIBUTION_BITCOIN_2015`): the network of the
/// pre-compact-block measurements `docs/validation.md` compares with.
pub fn simblock_2015() -> Vec<Region> {
    const SHARE: [f64; 6] = [0.3869, 0.5159, 0.0113, 0.0574, 0.0119, 0.0166];
    const LATENCY_MS: [[f64; 6]; 6] = [
        [36.0, 119.0, 255.0, 310.0, 154.0, 208.0],
        [119.0, 12.0, 221.0, 242.0, 266.0, 350.0],
        [255.0, 221.0, 137.0, 347.0, 256.0, 269.0],
        [310.0, 242.0, 347.0, 99.0, 172.0, 278.0],
        [154.0, 266.0, 256.0, 172.0, 9.0, 163.0],
        [208.0, 350.0, 269.0, 278.0, 163.0, 22.0],
    ];
    const DOWNLOAD_MBPS: [f64; 6] = [25.0, 24.0, 6.5, 10.0, 17.5, 14.0];
    const UPLOAD_MBPS: [f64; 6] = [4.7, 8.1, 1.8, 5.3, 3.4, 5.2];
    table(&SHARE, &LATENCY_MS, &DOWNLOAD_MBPS, &UPLOAD_MBPS)
}

/// SimBlock's 2019 Bitcoin network (see the module header for the source).
pub fn simblock() -> Vec<Region> {
    const SHARE: [f64; 6] = [0.3316, 0.4998, 0.0090, 0.1177, 0.0224, 0.0195];
    const LATENCY_MS: [[f64; 6]; 6] = [
        [32.0, 124.0, 184.0, 198.0, 151.0, 189.0],
        [124.0, 11.0, 227.0, 237.0, 252.0, 294.0],
        [184.0, 227.0, 88.0, 325.0, 301.0, 322.0],
        [198.0, 237.0, 325.0, 85.0, 58.0, 198.0],
        [151.0, 252.0, 301.0, 58.0, 12.0, 126.0],
        [189.0, 294.0, 322.0, 198.0, 126.0, 16.0],
    ];
    const DOWNLOAD_MBPS: [f64; 6] = [52.0, 40.0, 18.0, 22.8, 22.8, 29.9];
    const UPLOAD_MBPS: [f64; 6] = [19.2, 20.7, 5.8, 15.7, 10.2, 11.3];
    table(&SHARE, &LATENCY_MS, &DOWNLOAD_MBPS, &UPLOAD_MBPS)
}

fn table(share: &[f64; 6], latency_ms: &[[f64; 6]; 6], download: &[f64; 6], upload: &[f64; 6]) -> Vec<Region> {
    (0..6)
        .map(|i| Region {
            name: NAMES[i].to_string(),
            share: share[i],
            latency_ms: latency_ms[i].to_vec(),
            download_mbps: download[i],
            upload_mbps: upload[i],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simblock_tables_are_square_symmetric_and_their_shares_sum_to_one() {
        for regions in [simblock(), simblock_2015()] {
            check(&regions);
        }
    }

    fn check(regions: &[Region]) {
        let total: f64 = regions.iter().map(|r| r.share).sum();
        assert!((total - 1.0).abs() < 1e-9, "shares sum to {total}");
        for (i, r) in regions.iter().enumerate() {
            assert_eq!(r.latency_ms.len(), regions.len());
            for (j, other) in regions.iter().enumerate() {
                assert_eq!(r.latency_ms[j], other.latency_ms[i], "latency {i} -> {j}");
                assert!(r.latency_ms[j] >= LATENCY_MIN_MS);
            }
        }
    }
}
