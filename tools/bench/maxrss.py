#!/usr/bin/env python3
"""Runs a command with the caller's stdio and environment, then appends the command's
peak resident set size in KiB (getrusage's ru_maxrss, from wait4) to the file named by
BENCH_MAXRSS_FILE and its CPU time and page faults (`<user> <system>` seconds and
`<minor faults>`, from the same wait4) to the file named by BENCH_CPU_FILE, each when set,
and exits with the command's status.

benches/end_to_end.rs puts this in front of the provider so that the peak of the
provider process itself is measured, not that of Terraform, which starts it;
tools/bench/start_cost.py does the same for the CPU time of each start.
"""

import os
import sys


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: maxrss.py COMMAND [ARGS...]", file=sys.stderr)
        return 2
    pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ)
    _, status, usage = os.wait4(pid, 0)
    out = os.environ.get("BENCH_MAXRSS_FILE")
    if out:
        with open(out, "a", encoding="utf-8") as f:
            f.write(f"{usage.ru_maxrss}\n")
    cpu = os.environ.get("BENCH_CPU_FILE")
    if cpu:
        with open(cpu, "a", encoding="utf-8") as f:
            f.write(f"{usage.ru_utime:.6f} {usage.ru_stime:.6f} {usage.ru_minflt}\n")
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
