#!/usr/bin/env python3
"""The provider's own CPU per start, as Terraform starts it (AutoMTLS included).

Terraform starts the provider three times for a plan of one `kured_gated_reboot_policy`
(and four times for an apply), each time with a fresh P-521 client certificate in
`PLUGIN_CLIENT_CERT`. Each start pays exec and dynamic linking, the runtime, the TLS
handshake (one ECDSA P-256 signature, one P-521 verification) and the few RPCs of that
start, then exits on `GRPCController.Shutdown`. This plans that stack through a
filesystem mirror whose provider is a wrapper script around the release binary:

  - CPU time: the wrapper is tools/bench/maxrss.py, which reads each provider process's
    user + system time and minor page faults from wait4. The median over every start of
    `--runs` plans is the figure; it includes the kernel's share (exec, page faults,
    threads), which no instruction count sees. On a loaded machine it grows with the
    load; the page-fault count does not.
  - Instructions: the wrapper runs the provider under `valgrind --tool=callgrind` for
    `--callgrind` plans, counting every instruction from exec to exit, the dynamic
    loader's relocations included. This count does not move with the load.

Figures go to stdout as `<name> <value> <unit>` lines for `make bench`; progress and
the per-start counts to stderr. Without valgrind the instruction figures are skipped.

Usage: start_cost.py [--terraform PATH] [--provider PATH] [--runs N] [--callgrind N]
                     [--keep DIR]
"""

import argparse
import glob
import os
import re
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plan_overhead import HEADER, ROOT, os_arch, provider_version, run  # noqa: E402

STACK = HEADER + """
resource "kured_gated_reboot_policy" "node" {
  sentinel_host_path = "/var/run/gated-reboot-required"

  kured {
    chart_version = "5.11.0"
    values        = [local.kured_values]
  }

  gate {
    sentinel_path = "/host/var-run/gated-reboot-required"
    host_path     = "/var/run"
    mount_path    = "/host/var-run"
  }
}
"""

MAXRSS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "maxrss.py")


def workdir_with(tmp, name, wrapper_body, stack_text=None):
    """A mirror whose provider is a shell script with `wrapper_body`, and a stack using it
    (`stack_text`, by default this benchmark's one policy). plan_cost.py uses it too."""
    version = provider_version()
    base = os.path.join(tmp, name)
    target = os.path.join(base, "mirror", "registry.terraform.io", "rebootgate", "kured",
                          version, os_arch())
    os.makedirs(target)
    wrapper = os.path.join(target, f"terraform-provider-kured_v{version}")
    with open(wrapper, "w", encoding="utf-8") as f:
        f.write("#!/bin/sh\n" + wrapper_body + "\n")
    os.chmod(wrapper, 0o755)
    config = os.path.join(base, "cli.tfrc")
    with open(config, "w", encoding="utf-8") as f:
        f.write('provider_installation {\n  filesystem_mirror {\n'
                f'    path = "{os.path.join(base, "mirror")}"\n  }}\n}}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    env.update(TF_CLI_CONFIG_FILE=config, TF_IN_AUTOMATION="1", TF_INPUT="0",
               CHECKPOINT_DISABLE="1")
    stack = os.path.join(base, "stack")
    os.makedirs(stack)
    with open(os.path.join(stack, "main.tf"), "w", encoding="utf-8") as f:
        f.write(STACK if stack_text is None else stack_text)
    return stack, env


def cpu_per_start(terraform, provider, tmp, runs):
    """(user seconds, system seconds, minor faults) of every provider start over `runs`
    plans."""
    cpu_file = os.path.join(tmp, "cpu-per-start")
    stack, env = workdir_with(
        tmp, "cpu", f'exec "{sys.executable}" "{MAXRSS}" "{provider}" "$@"')
    env["BENCH_CPU_FILE"] = cpu_file
    run(terraform, stack, env, ["init", "-input=false", "-no-color"])
    plan = ["plan", "-input=false", "-no-color", "-lock=false"]
    run(terraform, stack, env, plan)  # warms the page cache
    open(cpu_file, "w", encoding="utf-8").close()
    for i in range(runs):
        run(terraform, stack, env, plan)
        print(f"plan {i + 1} of {runs} done", file=sys.stderr)
    with open(cpu_file, encoding="utf-8") as f:
        return [tuple(float(x) for x in line.split()) for line in f if line.strip()]


def instructions_per_start(terraform, provider, tmp, runs, keep):
    """Instructions of every provider start over `runs` plans under callgrind."""
    out = keep or os.path.join(tmp, "callgrind-out")
    os.makedirs(out, exist_ok=True)
    stack, env = workdir_with(
        tmp, "callgrind",
        f'exec valgrind --tool=callgrind --log-file="{out}/log.%p" '
        f'--callgrind-out-file="{out}/callgrind.out.%p" "{provider}" "$@"')
    run(terraform, stack, env, ["init", "-input=false", "-no-color"])
    for name in glob.glob(os.path.join(out, "*")):
        os.remove(name)
    plan = ["plan", "-input=false", "-no-color", "-lock=false"]
    for _ in range(runs):
        run(terraform, stack, env, plan)
    counts = []
    for name in sorted(glob.glob(os.path.join(out, "callgrind.out.*"))):
        with open(name, encoding="utf-8") as f:
            match = re.search(r"^(?:summary|totals): (\d+)", f.read(), re.MULTILINE)
        if match:
            counts.append(int(match.group(1)))
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terraform", default=os.environ.get("TERRAFORM") or
                        os.path.join(ROOT, ".tools", "bin", "terraform"))
    parser.add_argument("--provider", default=os.path.join(
        ROOT, "target", "release", "terraform-provider-kured"))
    parser.add_argument("--runs", type=int, default=10, help="plans timed for CPU")
    parser.add_argument("--callgrind", type=int, default=1, help="plans under callgrind")
    parser.add_argument("--keep", help="directory to keep the callgrind profiles in "
                        "(read them with callgrind_annotate)")
    args = parser.parse_args()
    for path, how in ((args.terraform, "make tools"), (args.provider, "cargo build --release")):
        if not os.access(path, os.X_OK):
            sys.exit(f"start_cost: {path} is missing; run `{how}`")
    provider = os.path.abspath(args.provider)

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="start-cost-") as tmp:
        cpu = cpu_per_start(args.terraform, provider, tmp, args.runs)
        counts = []
        if args.callgrind > 0 and shutil.which("valgrind"):
            counts = instructions_per_start(args.terraform, provider, tmp, args.callgrind,
                                            args.keep and os.path.abspath(args.keep))
        elif args.callgrind > 0:
            print("start_cost: valgrind is not installed; no instruction counts",
                  file=sys.stderr)
    load_after = os.getloadavg()[0]

    if not cpu:
        sys.exit("start_cost: no provider start was recorded")
    print(f"{len(cpu)} starts over {args.runs} plans; CPU ms (user+system) per start: "
          + ", ".join(f"{(u + s) * 1000:.2f}" for u, s, _ in cpu), file=sys.stderr)
    print(f"start_cost_load_average_before {load_before:.2f} load")
    print(f"start_cost_load_average_after {load_after:.2f} load")
    print(f"provider_start_cpu {statistics.median(u + s for u, s, _ in cpu) * 1000:.2f} ms")
    print(f"provider_start_page_faults {statistics.median(f for _, _, f in cpu):.0f} faults")
    if counts:
        print("instructions per start: " + ", ".join(f"{c / 1e6:.2f}M" for c in counts),
              file=sys.stderr)
        print(f"provider_start_instructions {statistics.median(counts) / 1e6:.2f} M")
        print(f"provider_start_instructions_max {max(counts) / 1e6:.2f} M")


if __name__ == "__main__":
    main()
