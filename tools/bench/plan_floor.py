#!/usr/bin/env python3
"""Plan time of the provider against the floor any out-of-process provider pays.

For each N (1, 100 and 1,000 by default) three stacks are planned, in turn, several
times (after one unmeasured plan of each to warm the page cache):

  kured: N `kured_gated_reboot_policy` resources in chart mode (as in
         examples/incident/fixed);
  null:  N `null_note` resources of tfplugin's example null provider
         (crates/tfplugin/examples/null_provider.rs): the same plugin layer, one required
         attribute, no work. What Terraform and the plugin layer cost any provider;
  data:  N `terraform_data` holding the policies' inputs, planned inside Terraform
         without any plugin.

Each round runs the three stacks in an order rotated by one from the round before, so no
stack always runs first. The ratios are medians over rounds of the per-round ratios, of
wall time and of CPU time (user + system of Terraform and every plugin it started, from
getrusage(RUSAGE_CHILDREN) deltas). The load average is printed with the figures: on a
shared machine wall time follows it, and CPU time less so.

Figures go to stdout as `<name> <value> <unit>` lines for `make bench`; progress to
stderr.

Usage: plan_floor.py [--terraform PATH] [--provider PATH] [--null-provider PATH]
                     [--sizes 1,100,1000] [--runs N]
The providers default to target/release/terraform-provider-kured (`cargo build
--release`) and target/release/examples/null_provider (`cargo build --release -p tfplugin
--example null_provider`), Terraform to $TERRAFORM or .tools/bin/terraform (`make tools`).
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# Shared with the older overhead benchmark: the stack header, the mirror layout and the
# timed run.
from plan_overhead import HEADER, POLICY, ROOT, os_arch, provider_version, run  # noqa: E402

NULL_VERSION = "0.1.0"

# Fewer rounds where a plan takes seconds: the 1,000-resource plans dominate the run time.
DEFAULT_RUNS = {1: 9, 100: 5, 1000: 3}


NOTE = """terraform {
  required_providers {
    null = { source = "example/null" }
  }
}

resource "null_note" "nodes" {
  count = %d
  text  = "/var/run/gated-reboot-required"
}
"""

DATA = """
resource "terraform_data" "nodes" {
  count = %d
  input = {
    sentinel_host_path = "/var/run/gated-reboot-required"
    kured = {
      chart_version = "5.11.0"
      values        = [local.kured_values]
    }
    gate = {
      sentinel_path = "/host/var-run/gated-reboot-required"
      host_path     = "/var/run"
      mount_path    = "/host/var-run"
    }
  }
}
"""

STACKS = ("kured", "null", "data")


def stack_text(name, n):
    if name == "kured":
        return HEADER + POLICY % n
    if name == "null":
        return NOTE % n
    return HEADER + DATA % n


def mirror(tmp, provider, null_provider):
    """A filesystem mirror with both providers and the CLI configuration that uses it."""
    root = os.path.join(tmp, "mirror", "registry.terraform.io")
    version = provider_version()
    for namespace, kind, version, binary in (
        ("rebootgate", "kured", version, provider),
        ("example", "null", NULL_VERSION, null_provider),
    ):
        target = os.path.join(root, namespace, kind, version, os_arch())
        os.makedirs(target)
        shutil.copy2(binary, os.path.join(target, f"terraform-provider-{kind}_v{version}"))
    config = os.path.join(tmp, "cli.tfrc")
    with open(config, "w", encoding="utf-8") as f:
        f.write('provider_installation {\n  filesystem_mirror {\n'
                f'    path = "{os.path.join(tmp, "mirror")}"\n  }}\n}}\n')
    # The caller's TF_* settings (plugin cache, CLI args, logging) would change what is
    # measured.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    env.update(TF_CLI_CONFIG_FILE=config, TF_IN_AUTOMATION="1", TF_INPUT="0",
               CHECKPOINT_DISABLE="1")
    return env


def measure(terraform, tmp, env, n, runs):
    """Plans the three stacks of N objects `runs` times each; returns {stack: [(wall, cpu)]}."""
    dirs = {}
    for name in STACKS:
        workdir = os.path.join(tmp, f"{name}-{n}")
        os.makedirs(workdir)
        with open(os.path.join(workdir, "main.tf"), "w", encoding="utf-8") as f:
            f.write(stack_text(name, n))
        run(terraform, workdir, env, ["init", "-input=false", "-no-color"])
        dirs[name] = workdir
    plan = ["plan", "-input=false", "-no-color", "-lock=false"]
    for name in STACKS:
        run(terraform, dirs[name], env, plan)
    measured = {name: [] for name in STACKS}
    for i in range(runs):
        order = STACKS[i % 3:] + STACKS[:i % 3]
        for name in order:
            wall, cpu = run(terraform, dirs[name], env, plan)
            measured[name].append((wall, cpu))
            print(f"N={n} run {i + 1} {name}: wall {wall * 1000:.0f} ms, "
                  f"cpu {cpu * 1000:.0f} ms", file=sys.stderr)
    return measured


def ratio(measured, a, b, which):
    return statistics.median(x[which] / y[which] for x, y in zip(measured[a], measured[b]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terraform", default=os.environ.get("TERRAFORM") or
                        os.path.join(ROOT, ".tools", "bin", "terraform"))
    parser.add_argument("--provider", default=os.path.join(
        ROOT, "target", "release", "terraform-provider-kured"))
    parser.add_argument("--null-provider", default=os.path.join(
        ROOT, "target", "release", "examples", "null_provider"))
    parser.add_argument("--sizes", default="1,100,1000")
    parser.add_argument("--runs", type=int, default=0,
                        help="rounds per size (default 9, 5 and 3 for 1, 100 and 1,000)")
    args = parser.parse_args()
    for path, how in (
        (args.terraform, "make tools"),
        (args.provider, "cargo build --release"),
        (args.null_provider, "cargo build --release -p tfplugin --example null_provider"),
    ):
        if not os.access(path, os.X_OK):
            sys.exit(f"plan_floor: {path} is missing; run `{how}`")
    sizes = [int(s) for s in args.sizes.split(",") if s]

    load_before = os.getloadavg()[0]
    results = {}
    with tempfile.TemporaryDirectory(prefix="plan-floor-") as tmp:
        env = mirror(tmp, args.provider, args.null_provider)
        for n in sizes:
            results[n] = measure(args.terraform, tmp, env, n, args.runs or DEFAULT_RUNS.get(n, 3))
    load_after = os.getloadavg()[0]

    print(f"floor_load_average_before {load_before:.2f} load")
    print(f"floor_load_average_after {load_after:.2f} load")
    for n, measured in results.items():
        for name in STACKS:
            print(f"floor_{name}_wall_{n} "
                  f"{statistics.median(w for w, _ in measured[name]) * 1000:.0f} ms")
            print(f"floor_{name}_cpu_{n} "
                  f"{statistics.median(c for _, c in measured[name]) * 1000:.0f} ms")
        for a, b in (("kured", "null"), ("kured", "data"), ("null", "data")):
            print(f"floor_{a}_over_{b}_{n} {ratio(measured, a, b, 0):.2f} ratio")
            print(f"floor_{a}_over_{b}_cpu_{n} {ratio(measured, a, b, 1):.2f} ratio")


if __name__ == "__main__":
    main()
