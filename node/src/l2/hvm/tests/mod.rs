//! Tests of the hVM: the precompiles against a hand-built Bitcoin view, execution through revm,
//! the contracts and the state root.

mod contracts;
mod deposits;
mod execution;
mod fake_view;
mod fuzz;
mod precompiles;
mod support;
