#!/usr/bin/env bash
# Runs every benchmark of `make bench` and prints their figures last, one a line:
# `<name> <value> <unit>`. Each benchmark writes figures alone to stdout and its
# progress to stderr; stdout is kept aside and printed at the end so the figures are
# not lost among the progress.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CARGO="${CARGO:-cargo}"
figures="$(mktemp)"
trap 'rm -f "$figures"' EXIT

# Builds every benchmark (and the release provider they run) before any timing starts.
"$CARGO" bench --locked --no-run
# The floor of plan_floor.py: tfplugin's example null provider.
"$CARGO" build --release --locked -p tfplugin --example null_provider

for bench in coverage forecast startup live_reads end_to_end; do
    echo "== $bench" >&2
    "$CARGO" bench --locked --bench "$bench" >>"$figures"
done
echo "== plan_overhead" >&2
python3 tools/bench/plan_overhead.py --provider target/release/terraform-provider-kured >>"$figures"
echo "== plan_floor" >&2
python3 tools/bench/plan_floor.py --provider target/release/terraform-provider-kured \
    --null-provider target/release/examples/null_provider >>"$figures"
echo "== plan_cost" >&2
python3 tools/bench/plan_cost.py --provider target/release/terraform-provider-kured >>"$figures"
echo "== start_cost" >&2
python3 tools/bench/start_cost.py --provider target/release/terraform-provider-kured >>"$figures"
echo "== coverage_cachesim" >&2
python3 tools/bench/coverage_cachesim.py >>"$figures"

echo "== figures ($(nproc) CPUs, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ))" >&2
cat "$figures"
# The figures docs/performance.md sets targets for, each against its limit.
python3 tools/bench/targets.py "$figures"
