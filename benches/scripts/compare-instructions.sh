#!/usr/bin/env bash
# Compares the CPU work of two hemisim binaries by instructions executed (valgrind's
# cachegrind), on the same short scenario runs. Instruction counts do not depend on what else
# the machine runs, so two builds can be compared on a busy 2-core machine where criterion's
# timings drift by 10% or more. Both binaries must give the same trace hash on each run (the
# script checks): the comparison is of the same simulated work.
#
# Usage: benches/scripts/compare-instructions.sh BASELINE_BINARY NEW_BINARY
# (run from the repository root; needs valgrind; takes a few minutes)
set -euo pipefail
base=${1:?usage: $0 BASELINE_BINARY NEW_BINARY}
new=${2:?usage: $0 BASELINE_BINARY NEW_BINARY}
command -v valgrind >/dev/null || { echo "valgrind is required" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
runs=("quickstart duration_s=7200" "l2-throughput duration_s=120" "treasury duration_s=7200")

# Instructions executed and trace hash of one run: "<count> <hash>".
measure() {
  local binary=$1 scenario=$2 set=$3 out=$work/$RANDOM
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
    "$binary" run "scenarios/$scenario.toml" --set "$set" --out "$out" >/dev/null 2>"$out.log"
  local count hash
  count=$(grep -o 'I *refs: *[0-9,]*' "$out.log" | grep -o '[0-9,]*$' | tr -d ,)
  hash=$(grep -o '"trace_hash": "[0-9a-f]*"' "$out/summary.json" | grep -o '[0-9a-f]\{64\}')
  echo "$count $hash"
}

printf '%-16s %16s %16s %8s\n' run baseline new change
for run in "${runs[@]}"; do
  read -r scenario set <<<"$run"
  read -r base_count base_hash < <(measure "$base" "$scenario" "$set")
  read -r new_count new_hash < <(measure "$new" "$scenario" "$set")
  if [[ $base_hash != "$new_hash" ]]; then
    echo "$scenario: trace hashes differ ($base_hash vs $new_hash): not the same work" >&2
    exit 1
  fi
  change=$(awk -v a="$base_count" -v b="$new_count" 'BEGIN { printf "%+.2f%%", (b - a) * 100 / a }')
  printf '%-16s %16s %16s %8s\n' "$scenario" "$base_count" "$new_count" "$change"
done
