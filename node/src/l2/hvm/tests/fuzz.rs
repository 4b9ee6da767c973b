//! Fuzzing the hVM's Bitcoin precompiles and the keystone decoders with proptest: every
//! precompile answers any bytes (a return or a failure, never a panic; Hemi's own incident was a
//! 4-byte input to 0x43), short inputs most of all; every PoP decoder refuses or parses, and
//! what parses serialises back to the same bytes.
//!
//! Short runs in the test suite; a long one: `PROPTEST_CASES=100000 cargo test --release -p
//! hemisim-node --lib fuzz` (README.md, "Swarm testing").

use super::fake_view::standard_chain;
use crate::l2::hvm::precompiles::BtcPrecompile;
use crate::pop::keystone::{ABBREVIATED_LEN, AbbreviatedKeystone, POP_MAGIC};
use bitcoin::ScriptBuf;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
}

/// Mostly short inputs (every length up to 8 is hit often), sometimes long ones.
fn input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => proptest::collection::vec(any::<u8>(), 0..=8),
        1 => proptest::collection::vec(any::<u8>(), 0..=400),
    ]
}

#[test]
fn every_precompile_answers_every_input_of_up_to_two_bytes() {
    let chain = standard_chain();
    for p in BtcPrecompile::ALL {
        let _ = p.run(&[], &chain.view);
        for a in 0..=255u8 {
            let _ = p.run(&[a], &chain.view);
            for b in (0..=255u8).step_by(5) {
                let _ = p.run(&[a, b], &chain.view);
            }
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_precompile_answers_arbitrary_bytes(bytes in input()) {
        let chain = standard_chain();
        for p in BtcPrecompile::ALL {
            let _ = p.run(&bytes, &chain.view);
        }
    }

    #[test]
    fn a_parsed_keystone_serialises_to_its_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..=100), version_one in any::<bool>()) {
        let mut bytes = bytes;
        if version_one && !bytes.is_empty() {
            bytes[0] = 1;
        }
        if let Ok(keystone) = AbbreviatedKeystone::parse(&bytes) {
            prop_assert_eq!(&keystone.serialize()[..], &bytes[..ABBREVIATED_LEN]);
        }
    }

    #[test]
    fn pop_scripts_and_transactions_are_parsed_or_refused(bytes in proptest::collection::vec(any::<u8>(), 0..=200), magic in any::<bool>()) {
        let mut script = bytes.clone();
        if magic {
            // OP_RETURN, a push of 80, the magic: the decoder's happy path up to the keystone.
            script = [&[0x6a, 0x4c, 80][..], POP_MAGIC, &bytes].concat();
        }
        let _ = AbbreviatedKeystone::from_pop_script(&ScriptBuf::from_bytes(script));
        if let Ok(tx) = bitcoin::consensus::deserialize::<bitcoin::Transaction>(&bytes) {
            let _ = AbbreviatedKeystone::from_pop_transaction(&tx);
        }
    }
}
