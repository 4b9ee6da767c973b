//! Faults of peers and links: the record of each fault and of the network's convergence after
//! the last one ([`record`]), and the liveness check on it ([`checks`]). The faults themselves are
//! the harness's ([`crate::harness::faults`]).

pub mod checks;
pub mod record;
