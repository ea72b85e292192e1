#!/usr/bin/env python3
"""What one more `kured_gated_reboot_policy` adds to a plan: provider instructions and plan text.

The stack is plan_floor.py's: N policies in chart mode, all on the same kured release
(`count = N`), planned with the release provider through a filesystem mirror, for N = 1
and N = 100 (`--sizes`). Per policy means the difference between the two sizes divided by
the policies added, so what every plan pays once (three provider starts, Terraform's own
work) drops out:

  - instructions: every provider process runs under `valgrind --tool=callgrind` for one
    plan of the larger size, and callgrind writes a profile part each time a function
    named `*plan_resource_change*` returns (`--dump-after`). In the process that served
    the calls, the parts after the first (which holds the start and ends inside the first
    call) cover the other N - 1 calls and the server's work between them:
    `plan_resource_change_instructions` is their sum over N - 1. Parts, because go-plugin
    kills a provider that has not exited two seconds after Shutdown, which a process under
    valgrind on a loaded machine may not, and the profile written at exit is then lost.
    Instruction counts do not move with the load;
  - plan text: the bytes of `terraform plan -no-color` (what a pull-request comment or a
    CI log holds, and most of what Terraform encodes and renders per resource), as
    `plan_text_bytes_<N>` and `plan_text_bytes_per_policy`.

Figures go to stdout as `<name> <value> <unit>` lines for `make bench`; progress to
stderr. Without valgrind the instruction figures are skipped.

Usage: plan_cost.py [--terraform PATH] [--provider PATH] [--sizes 1,100] [--keep DIR]
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plan_overhead import HEADER, POLICY, ROOT  # noqa: E402
from start_cost import workdir_with  # noqa: E402


def workdir(tmp, name, wrapper_body, n):
    """A stack of `n` policies whose provider is a shell script running `wrapper_body`,
    initialised."""
    stack, env = workdir_with(tmp, name, wrapper_body, HEADER + POLICY % n)
    terraform(stack, env, ["init", "-input=false", "-no-color"])
    return stack, env


TERRAFORM = None


def terraform(stack, env, args):
    """Runs Terraform in `stack`; returns its stdout as bytes."""
    done = subprocess.run([TERRAFORM, *args], cwd=stack, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, check=False)
    if done.returncode != 0:
        sys.exit(f"plan_cost: terraform {' '.join(args)} in {stack} failed "
                 f"({done.returncode}):\n{done.stdout.decode()}\n{done.stderr.decode()}")
    return done.stdout


PLAN = ["plan", "-input=false", "-no-color", "-lock=false"]


def plan_text_bytes(tmp, provider, n):
    stack, env = workdir(tmp, f"text-{n}", f'exec "{provider}" "$@"', n)
    return len(terraform(stack, env, PLAN))


def instructions(tmp, provider, n, keep):
    """Instructions per PlanResourceChange (with the server's work around it) in the
    provider process that served a plan of `n` policies."""
    out = os.path.join(keep or tmp, f"callgrind-{n}")
    os.makedirs(out, exist_ok=True)
    # The stack's own directory, apart from `out`, which is emptied below.
    stack, env = workdir(
        tmp, f"stack-callgrind-{n}",
        f'exec valgrind --tool=callgrind --log-file="{out}/log.%p" '
        f"--dump-after='*plan_resource_change*' "
        f'--callgrind-out-file="{out}/callgrind.out.%p" "{provider}" "$@"', n)
    for name in glob.glob(os.path.join(out, "*")):
        os.remove(name)
    terraform(stack, env, PLAN)
    parts = {}
    for name in glob.glob(os.path.join(out, "callgrind.out.*")):
        pid, _, part = os.path.basename(name)[len("callgrind.out."):].partition(".")
        with open(name, encoding="utf-8") as f:
            match = re.search(r"^(?:summary|totals): (\d+)", f.read(), re.MULTILINE)
        if match and part:
            parts.setdefault(pid, []).append((int(part), int(match.group(1))))
    if not parts:
        sys.exit(f"plan_cost: no PlanResourceChange profile in {out}")
    serving = sorted(max(parts.values(), key=len))
    return sum(count for _, count in serving[1:]) / (n - 1)


def main():
    global TERRAFORM
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terraform", default=os.environ.get("TERRAFORM") or
                        os.path.join(ROOT, ".tools", "bin", "terraform"))
    parser.add_argument("--provider", default=os.path.join(
        ROOT, "target", "release", "terraform-provider-kured"))
    parser.add_argument("--sizes", default="1,100", help="the two numbers of policies")
    parser.add_argument("--keep", help="directory to keep the callgrind profiles in "
                        "(read them with callgrind_annotate)")
    args = parser.parse_args()
    for path, how in ((args.terraform, "make tools"), (args.provider, "cargo build --release")):
        if not os.access(path, os.X_OK):
            sys.exit(f"plan_cost: {path} is missing; run `{how}`")
    TERRAFORM = args.terraform
    provider = os.path.abspath(args.provider)
    small, large = (int(s) for s in args.sizes.split(","))
    added = large - small

    with tempfile.TemporaryDirectory(prefix="plan-cost-") as tmp:
        text = {n: plan_text_bytes(tmp, provider, n) for n in (small, large)}
        per_call = None
        if shutil.which("valgrind"):
            per_call = instructions(tmp, provider, large, args.keep and os.path.abspath(args.keep))
        else:
            print("plan_cost: valgrind is not installed; no instruction counts",
                  file=sys.stderr)

    for n in (small, large):
        print(f"plan_text_bytes_{n} {text[n]} bytes")
    print(f"plan_text_bytes_per_policy {(text[large] - text[small]) / added:.0f} bytes")
    if per_call:
        print(f"plan_resource_change_instructions {per_call / 1e3:.0f} K")


if __name__ == "__main__":
    main()
