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

for bench in coverage forecast startup live_reads end_to_end; do
    echo "== $bench" >&2
    "$CARGO" bench --locked --bench "$bench" >>"$figures"
done
echo "== plan_overhead" >&2
python3 tools/bench/plan_overhead.py --provider target/release/terraform-provider-kured >>"$figures"

echo "== figures ($(nproc) CPUs, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ))" >&2
cat "$figures"
