//! Typed heights, block numbers and fee rates, so that a Bitcoin height, an L2 block number and
//! an Ethereum block number cannot be swapped by accident where they cross a module boundary.
//!
//! Amounts of bitcoin are [`bitcoin::Amount`] (re-exported here as [`Amount`]): the `bitcoin`
//! crate's own type, exact satoshis. Every type here serializes as its bare number
//! (`serde(transparent)`), so traces and reports read as before.

use serde::{Deserialize, Serialize};
use std::fmt;

pub use bitcoin::Amount;

macro_rules! block_index {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl $name {
            pub const ZERO: $name = $name(0);

            /// The block `n` above this one.
            pub fn up(self, n: $inner) -> $name {
                $name(self.0 + n)
            }

            /// The block `n` below this one, or `None` below the first block.
            pub fn down(self, n: $inner) -> Option<$name> {
                self.0.checked_sub(n).map($name)
            }

            /// The next block.
            pub fn next(self) -> $name {
                self.up(1)
            }

            /// How many blocks this is above `lower` (0 when it is not above).
            pub fn blocks_above(self, lower: $name) -> $inner {
                self.0.saturating_sub(lower.0)
            }

            /// The blocks from this one up to `last`, inclusive, in order (none when `last` is below).
            pub fn through(self, last: $name) -> impl DoubleEndedIterator<Item = $name> {
                (self.0..=last.0).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<$name> for $inner {
            fn from(value: $name) -> $inner {
                value.0
            }
        }
    };
}

block_index!(
    /// The height of a Bitcoin block (genesis = 0).
    BtcHeight(u32)
);
block_index!(
    /// The number of an L2 block (genesis = 0).
    L2Number(u64)
);
block_index!(
    /// The number of an Ethereum (L1 of the settlement layer) block (genesis = 0).
    L1Number(u64)
);

/// A Bitcoin fee rate in satoshis per virtual byte (fractional rates allowed, as wallets quote them).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FeeRate(f64);

impl FeeRate {
    pub const ZERO: FeeRate = FeeRate(0.0);

    /// A rate of `sat_per_vb`; negative or non-finite rates are a caller bug.
    pub const fn from_sat_per_vb(sat_per_vb: f64) -> FeeRate {
        assert!(sat_per_vb.is_finite() && sat_per_vb >= 0.0, "fee rate must be finite and >= 0");
        FeeRate(sat_per_vb)
    }

    pub fn sat_per_vb(self) -> f64 {
        self.0
    }

    /// The higher of two rates.
    pub fn max(self, other: FeeRate) -> FeeRate {
        FeeRate(self.0.max(other.0))
    }

    /// The fee for `vsize` virtual bytes at this rate, rounded up to a whole satoshi.
    pub fn fee_for_vsize(self, vsize: u64) -> Amount {
        Amount::from_sat((self.0 * vsize as f64).ceil() as u64)
    }
}

impl fmt::Display for FeeRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} sat/vB", self.0)
    }
}

/// Serializes an [`Amount`] as its bare number of satoshis (`bitcoin`'s own serde support is not
/// enabled, and would differ): `#[serde(with = "crate::units::sats")]`.
pub mod sats {
    use super::Amount;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(amount: &Amount, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(amount.to_sat())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Amount, D::Error> {
        u64::deserialize(deserializer).map(Amount::from_sat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_step_and_serialize_as_bare_numbers() {
        let h = BtcHeight(10);
        assert_eq!(h.next(), BtcHeight(11));
        assert_eq!(h.down(11), None);
        assert_eq!(h.down(3), Some(BtcHeight(7)));
        assert_eq!(BtcHeight(12).blocks_above(h), 2);
        assert_eq!(h.blocks_above(BtcHeight(12)), 0);
        assert_eq!(serde_json::to_string(&L2Number(42)).expect("serde_json"), "42");
        assert_eq!(serde_json::from_str::<L1Number>("7").expect("serde_json"), L1Number(7));
        assert_eq!(L1Number(5).to_string(), "5");
        assert_eq!(BtcHeight(3).through(BtcHeight(5)).collect::<Vec<_>>(), [BtcHeight(3), BtcHeight(4), BtcHeight(5)]);
        assert_eq!(BtcHeight(3).through(BtcHeight(2)).count(), 0);
    }

    #[test]
    fn amounts_serialize_as_bare_satoshis() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Row {
            #[serde(with = "sats")]
            amount_sats: Amount,
        }
        let row = Row { amount_sats: Amount::from_sat(1_234_567) };
        assert_eq!(serde_json::to_string(&row).expect("serde_json"), r#"{"amount_sats":1234567}"#);
        assert_eq!(serde_json::from_str::<Row>(r#"{"amount_sats":1234567}"#).expect("serde_json"), row);
    }

    #[test]
    fn fee_rate_of_a_transaction() {
        assert_eq!(serde_json::to_string(&FeeRate::from_sat_per_vb(1.5)).expect("serde_json"), "1.5");
        assert_eq!(FeeRate::from_sat_per_vb(2.5).fee_for_vsize(3), Amount::from_sat(8), "rounded up");
        assert_eq!(FeeRate::from_sat_per_vb(1.0).max(FeeRate::from_sat_per_vb(3.0)).sat_per_vb(), 3.0);
    }
}
