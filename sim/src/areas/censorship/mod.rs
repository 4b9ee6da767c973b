//! Sequencer censorship and forced inclusion: recording ([`record`]) and the liveness bound of
//! forced transactions ([`checks`]).

pub mod checks;
pub mod record;
