//! The simulation harness: runs one scenario under one seed inside madsim.
//!
//! Code map: [`world`] turns a scenario into Bitcoin peers; [`links`] is the per-link delay model;
//! [`runner`] creates the madsim runtime on a fresh thread, gives every peer a simulated node with
//! an endpoint, drives the peers' state machines and carries out their actions; [`recorder`]
//! turns observations into the trace and the [`hemisim_reports::record::RunRecord`]; [`collect`]
//! assembles that record when the run ends; [`monitor`] checks safety on every observation as
//! it is recorded (and stops the run at the first violation) and [`checks`] holds the liveness
//! invariants judged on the quiet world at the end; [`replicate`] runs `--runs N`
//! replications on worker threads; [`sweep`] runs a grid of scenario variants (`hemisim sweep`)
//! on one work queue.

pub mod checks;
pub mod collect;
pub mod links;
pub mod monitor;
pub mod recorder;
pub mod replicate;
pub mod runner;
pub mod seeds;
pub mod sweep;
pub mod trace;
pub mod world;
