#!/usr/bin/env python3
"""Coverage at 10k and 100k pods under callgrind's cache simulation: instructions, cache
misses and their cycle estimate, and the 100k/10k ratios.

`cargo bench --bench coverage` times `core::pdb::coverage` in wall time, which on a
shared machine moves with the load. The simulated counts do not: they are the same on
every run of the same binary, so they show whether the work and the cache misses grow
10x for 10x the input. The estimate is callgrind's usual one:
Ir + 10 x (L1 misses) + 100 x (last-level misses). The simulated caches are fixed
(CACHES below), so the figures do not depend on what the host reports.

Each size runs the coverage bench binary once with `BENCH_COVERAGE_ONLY=<size>` (the
cluster built from JSON, coverage run once), collecting only inside
`kured_core::pdb::coverage::coverage`. Figures go to stdout as `<name> <value> <unit>`;
the simulated cache sizes to stderr. Without valgrind it prints nothing and exits 0.

Usage: coverage_cachesim.py [--bench PATH]   (default: built by `cargo bench --no-run`)
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIZES = ("10k", "100k")
# The caches of the machine the figures in docs/performance.md come from (2-vCPU AMD
# EPYC: 32 KiB L1 and a 32 MiB L3 as the last level), given explicitly because
# callgrind reads a 256 MiB last level from that VM's CPUID, in which every run fits.
CACHES = ("--I1=32768,8,64", "--D1=32768,8,64", "--LL=33554432,16,64")


def bench_binary():
    cargo = os.environ.get("CARGO", "cargo")
    out = subprocess.run(
        [cargo, "bench", "--locked", "--no-run", "--bench", "coverage",
         "--message-format=json"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    for line in out.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable") \
                and message["target"]["name"] == "coverage":
            return message["executable"]
    sys.exit("coverage_cachesim: cargo built no coverage bench")


def profile(binary, size, tmp):
    """The event counts of one coverage run: {event: count}."""
    out = os.path.join(tmp, f"callgrind.{size}")
    env = dict(os.environ, BENCH_COVERAGE_ONLY=size)
    subprocess.run(
        ["valgrind", "--tool=callgrind", "--cache-sim=yes", *CACHES,
         "--toggle-collect=*pdb::coverage::coverage", f"--callgrind-out-file={out}",
         f"--log-file={out}.log", binary],
        env=env, check=True, stdin=subprocess.DEVNULL,
    )
    with open(out, encoding="utf-8") as f:
        text = f.read()
    events = re.search(r"^events: (.+)$", text, re.MULTILINE).group(1).split()
    totals = re.search(r"^(?:summary|totals): (.+)$", text, re.MULTILINE).group(1).split()
    for line in re.findall(r"^desc: (.+ cache: .+)$", text, re.MULTILINE):
        print(f"{size}: {line}", file=sys.stderr)
    return dict(zip(events, (int(x) for x in totals)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench")
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        print("coverage_cachesim: valgrind is not installed; skipped", file=sys.stderr)
        return
    binary = args.bench or bench_binary()
    counts = {}
    with tempfile.TemporaryDirectory(prefix="coverage-cachesim-") as tmp:
        for size in SIZES:
            c = profile(binary, size, tmp)
            l1 = c["I1mr"] + c["D1mr"] + c["D1mw"]
            ll = c["ILmr"] + c["DLmr"] + c["DLmw"]
            counts[size] = {"instructions": c["Ir"], "l1_misses": l1, "ll_misses": ll,
                            "cycles_estimate": c["Ir"] + 10 * l1 + 100 * ll}
    for size in SIZES:
        for name, value in counts[size].items():
            print(f"coverage_sim_{name}_{size} {value / 1e6:.2f} M")
    for name in counts[SIZES[0]]:
        ratio = counts["100k"][name] / max(counts["10k"][name], 1)
        print(f"coverage_sim_{name}_100k_over_10k {ratio:.2f} ratio")


if __name__ == "__main__":
    main()
