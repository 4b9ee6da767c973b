//! Fuzzing `hemisim verify`'s readers with proptest: whatever the headers file and the bundle
//! hold (arbitrary text, or a good bundle with bytes replaced or cut), verification answers
//! (a report or a bad-input error) and never panics.
//!
//! Short runs in the test suite; a long one: `PROPTEST_CASES=100000 cargo test --release -p
//! hemisim --lib fuzz_tests` (README.md, "Swarm testing").

use super::files::headers_text;
use super::fixture::{Fixture, INTERVAL};
use super::{build, verify};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() }
}

/// The fixture's good headers file, bundle JSON and deposit txid.
fn good() -> (String, String, bitcoin::Txid) {
    let fixture = Fixture::new(&[(10, 9)]);
    let provenance = build(&fixture.input(Some(INTERVAL), 3));
    let bundle = &provenance.deposits[&fixture.deposit_txid];
    let json = serde_json::to_string(bundle).expect("serialisable");
    (headers_text(&provenance.headers), json, fixture.deposit_txid)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_files_are_answered(headers in ".{0,400}", bundle in ".{0,400}") {
        let (_, _, txid) = good();
        let _ = verify(&headers, &bundle, &txid);
    }

    #[test]
    fn a_good_bundle_with_bytes_replaced_or_cut_is_answered(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<char>()), 1..6),
        cut in any::<prop::sample::Index>(),
        cut_it in any::<bool>(),
    ) {
        let (headers, json, txid) = good();
        let mut chars: Vec<char> = json.chars().collect();
        for (at, c) in edits {
            let i = at.index(chars.len());
            chars[i] = c;
        }
        if cut_it {
            chars.truncate(cut.index(chars.len()));
        }
        let bundle: String = chars.into_iter().collect();
        let _ = verify(&headers, &bundle, &txid);
        let mut lines: Vec<&str> = headers.lines().collect();
        lines.truncate(cut.index(lines.len() + 1));
        let _ = verify(&lines.join("\n"), &json, &txid);
    }
}
