//! Proof-of-Proof: keystones and their publication on Bitcoin.
//!
//! [`keystone`] is Hemi's wire format, byte for byte (protocol.md §3). PoP miners, the keystone
//! index and the finality tracker build on it.

pub mod keystone;
