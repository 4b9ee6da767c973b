//! Fuzzing scenario files and `--set` values with proptest: arbitrary text, good files with a
//! value replaced by arbitrary TOML-ish text, and arbitrary `KEY=VALUE` overrides of real keys are
//! either loaded or refused with a one-line error naming where; nothing panics.
//!
//! Short runs in the test suite; a long one: `PROPTEST_CASES=100000 cargo test --release -p
//! hemisim --lib fuzz_tests` (README.md, "Swarm testing").

use super::{Override, Scenario};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() }
}

const FILE: &str = include_str!("../../../scenarios/censorship.toml");

/// Keys worth aiming at: every table, a few keys of each, and arrays of tables by index.
const KEYS: [&str; 24] = [
    "seed",
    "duration_s",
    "name",
    "bitcoin",
    "bitcoin.miners",
    "bitcoin.block_interval_s",
    "bitcoin.hashrate_shares",
    "bitcoin.fee_spike.start_s",
    "attack.kind",
    "attack.hashrate_share",
    "l2.block_time_s",
    "l2.gas_limit",
    "workload.tx_rate_per_s",
    "pop.superfinality_depth",
    "tunnel.payout_policy",
    "ethereum.slot_s",
    "ethereum.seq_window_blocks",
    "censor.0.target",
    "censor.1.share",
    "censor.7.mode",
    "fault.0.kind",
    "fault.0.groups",
    "fault.0.peers",
    "fault.1.at_s",
];

/// Values that probe types and edges.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        Just("nan".to_owned()),
        Just("inf".to_owned()),
        Just("[]".to_owned()),
        Just("[[]]".to_owned()),
        Just("{}".to_owned()),
        Just("\"miners:0..0\"".to_owned()),
        Just("[\"miners:200%\"]".to_owned()),
        "[a-z:%.0-9\\[\\]\"{}=, -]{0,24}",
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_text_is_loaded_or_refused_in_one_line(text in "(?s).{0,300}") {
        if let Err(e) = Scenario::from_toml_str(&text, "fuzz.toml", &[]) {
            prop_assert!(!e.to_string().contains('\n'), "{e}");
        }
    }

    #[test]
    fn a_good_file_with_one_value_replaced_is_loaded_or_refused(line in any::<prop::sample::Index>(), v in value()) {
        let mut lines: Vec<String> = FILE.lines().map(str::to_owned).collect();
        let i = line.index(lines.len());
        if let Some((key, _)) = lines[i].split_once('=') {
            lines[i] = format!("{key}= {v}");
        }
        if let Err(e) = Scenario::from_toml_str(&lines.join("\n"), "fuzz.toml", &[]) {
            prop_assert!(!e.to_string().contains('\n'), "{e}");
        }
    }

    #[test]
    fn arbitrary_set_values_are_applied_or_refused(key in prop::sample::select(&KEYS[..]), v in value(), raw in ".{0,40}") {
        for arg in [format!("{key}={v}"), raw.clone()] {
            let applied = Override::parse(&arg).and_then(|o| Scenario::from_toml_str(FILE, "fuzz.toml", &[o]));
            if let Err(e) = applied {
                prop_assert!(!e.to_string().contains('\n'), "{e}");
            }
        }
    }
}
