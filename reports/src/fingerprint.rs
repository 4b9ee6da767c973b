//! One fingerprint for a set of replications, from their trace hashes.
//!
//! A single run's `trace_hash` is the SHA-256 the harness computed. For N replications the
//! summary needs one value that changes if any replication (or their order) changes; the crate
//! has no SHA-256, and this is a fingerprint for comparing runs, not a security boundary, so it
//! uses FNV-1a-128 (public domain, Fowler–Noll–Vo) over `hash_1 \n hash_2 \n ... hash_N \n`:
//! each lower-case hex trace hash followed by a newline, in replication order. Written as 32
//! lower-case hex digits, which also tells it apart from a single run's 64.

const FNV128_OFFSET_BASIS: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
const FNV128_PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

/// FNV-1a 128-bit hash of `bytes`.
pub fn fnv1a_128(bytes: &[u8]) -> u128 {
    bytes.iter().fold(FNV128_OFFSET_BASIS, |h, b| (h ^ u128::from(*b)).wrapping_mul(FNV128_PRIME))
}

/// The combined fingerprint of several hashes (see the module docs), as 32 hex digits.
/// Hashes are lower-cased first, so `AB..` and `ab..` (the same bytes) combine alike.
pub fn combine_hashes<'a>(hashes: impl IntoIterator<Item = &'a str>) -> String {
    let mut text = String::new();
    for hash in hashes {
        text.push_str(&hash.to_ascii_lowercase());
        text.push('\n');
    }
    format!("{:032x}", fnv1a_128(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_fnv1a_128_vectors() {
        assert_eq!(format!("{:032x}", fnv1a_128(b"")), "6c62272e07bb014262b821756295c58d");
        assert_eq!(format!("{:032x}", fnv1a_128(b"a")), "d228cb696f1a8caf78912b704e4a8964");
        assert_eq!(format!("{:032x}", fnv1a_128(b"foobar")), "343e1662793c64bf6f0d3597ba446f18");
    }

    #[test]
    fn combination_is_order_and_boundary_sensitive() {
        assert_eq!(combine_hashes(["aa", "bb"]), "92748421853c64bf6f0f500223cebcd7");
        assert_ne!(combine_hashes(["aa", "bb"]), combine_hashes(["bb", "aa"]));
        assert_ne!(combine_hashes(["aab", "b"]), combine_hashes(["aa", "bb"]));
        assert_eq!(combine_hashes(["AA", "bb"]), combine_hashes(["aa", "bb"]));
    }
}
