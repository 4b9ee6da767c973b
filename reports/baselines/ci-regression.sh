#!/usr/bin/env bash
# CI regression run: build hemisim, rerun the CI scenarios of reports/baselines/ci.toml and compare
# each against its baseline (README.md, "CI regression runs"). Works on any CI system: it needs
# a Rust toolchain and bash. Exit code: hemisim baseline check's (0 nothing regressed, 5 a
# regression, named on stderr; 1/3 a CI scenario broke an invariant; 2 bad input; 4 a write failed).
#
#   reports/baselines/ci-regression.sh [OUT]     # OUT (default reports/out/baseline-check) receives
#                                                # <name>/, <name>.compare.json, <name>.junit.xml
# Keep OUT's *.junit.xml (test reports) and *.compare.json (every metric) as the job's artifacts.
set -euo pipefail
cd "$(dirname "$0")/../.."

# RUSTFLAGS would *replace* .cargo/config.toml's `--cfg madsim` (the build then refuses to compile).
unset RUSTFLAGS CARGO_BUILD_RUSTFLAGS
out="${1:-reports/out/baseline-check}"

cargo build --release --locked --bin hemisim
target/release/hemisim baseline check --out "$out"
