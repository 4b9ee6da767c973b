//! hemisim's simulation harness: the only crate that knows madsim. It reads a scenario, wires the
//! deterministic state machines of `hemisim-node` to madsim's simulated clock and network under
//! one seed, and hands what the run recorded to `hemisim-reports`; the `hemisim` binary is its
//! command line.

#[cfg(not(madsim))]
compile_error!(
    "hemisim must be built with `--cfg madsim` (set in .cargo/config.toml). If you set RUSTFLAGS yourself, it replaces that setting: add `--cfg madsim` to it."
);
pub mod areas;
pub mod cli;
pub mod harness;
pub mod provenance;
pub mod scenario;
pub mod swarm;
