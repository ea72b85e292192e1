#!/usr/bin/env python3
"""Plan overhead of the provider against Terraform's built-in `terraform_data`.

Two stacks are planned, alternately, five times each (after one unmeasured plan of
each to warm the page cache):

  kured: 100 `kured_gated_reboot_policy` resources in chart mode (as in
         examples/incident/fixed) and one `kured_pdb_coverage` data source reading a
         1,000-pod cluster from a YAML file (manifest mode);
  data:  the same inputs held by `terraform_data` resources, the lower bound for any
         provider, since Terraform plans them without starting a plugin.

It prints the median over the five pairs of kured/data wall time and CPU time (user +
system of Terraform and every provider it started, from getrusage(RUSAGE_CHILDREN)
deltas), as `<name> <value> <unit>` lines for `make bench`. Progress goes to stderr.

Usage: plan_overhead.py [--terraform PATH] [--provider PATH] [--runs N]
The provider defaults to target/release/terraform-provider-kured (`cargo build
--release`), Terraform to $TERRAFORM or .tools/bin/terraform (`make tools`).
"""

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

POLICIES = 100
PODS_PER_NAMESPACE = 100
NAMESPACES = 10

KURED_VALUES = """configuration:
  rebootSentinel: /var/run/gated-reboot-required
  period: 1h
  drainTimeout: 30m
"""

HEADER = """terraform {
  required_providers {
    kured = { source = "rebootgate/kured" }
  }
}

locals {
  kured_values = <<-YAML
%s  YAML
}
""" % "".join("    " + line + "\n" for line in KURED_VALUES.splitlines())

# One policy per count index; plan_floor.py and plan_cost.py plan the same resource.
POLICY = """
resource "kured_gated_reboot_policy" "nodes" {
  count              = %d
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

KURED_STACK = HEADER + POLICY % POLICIES + """
data "kured_pdb_coverage" "cluster" {
  manifests = [file("${path.module}/cluster.yaml")]
}

output "drain_blockers" {
  value = data.kured_pdb_coverage.cluster.drain_blockers
}
"""

DATA_STACK = HEADER + """
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

resource "terraform_data" "cluster" {
  input = [file("${path.module}/cluster.yaml")]
}

output "drain_blockers" {
  value = length(terraform_data.cluster.input)
}
""" % POLICIES


def cluster_yaml():
    """A 1,000-pod cluster: per namespace one Deployment, its ReplicaSet, its pods and a
    budget. Deterministic; the shape follows benches/support/synthetic.rs, smaller."""
    docs = []
    for n in range(NAMESPACES):
        ns = f"shop-{n:02d}"
        labels = (
            f"        app.kubernetes.io/name: api\n"
            f"        app.kubernetes.io/instance: api-{ns}\n"
            f"        app.kubernetes.io/part-of: shop\n"
            f"        tier: backend\n"
        )
        docs.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n"
            f"  namespace: {ns}\n  uid: d-{n}\nspec:\n  replicas: {PODS_PER_NAMESPACE}\n"
            f"  template:\n    metadata:\n      labels:\n{labels}"
        )
        docs.append(
            f"apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: api-7d4b9c\n"
            f"  namespace: {ns}\n  uid: rs-{n}\n  ownerReferences:\n"
            f"  - apiVersion: apps/v1\n    kind: Deployment\n    name: api\n"
            f"    uid: d-{n}\n    controller: true\nspec:\n  replicas: {PODS_PER_NAMESPACE}\n"
            f"  template:\n    metadata:\n      labels:\n{labels}"
        )
        for p in range(PODS_PER_NAMESPACE):
            ready = "False" if (n * PODS_PER_NAMESPACE + p) % 50 == 0 else "True"
            docs.append(
                f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: api-7d4b9c-{p:05d}\n"
                f"  namespace: {ns}\n  labels:\n"
                + labels.replace("        ", "    ")
                + f"    pod-template-hash: 7d4b9c\n  ownerReferences:\n"
                f"  - apiVersion: apps/v1\n    kind: ReplicaSet\n    name: api-7d4b9c\n"
                f"    uid: rs-{n}\n    controller: true\nspec:\n"
                f"  nodeName: node-{p % 16:02d}\n  containers:\n  - name: api\n"
                f"    image: registry.example.com/shop/api:1.4.2\n"
                f"status:\n  phase: Running\n  conditions:\n"
                f"  - type: Ready\n    status: \"{ready}\"\n"
            )
        docs.append(
            f"apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: api\n"
            f"  namespace: {ns}\nspec:\n  maxUnavailable: 10%\n  selector:\n"
            f"    matchLabels:\n      app.kubernetes.io/name: api\n"
        )
    return "---\n" + "---\n".join(docs)


def provider_version():
    with open(os.path.join(ROOT, "Cargo.toml"), encoding="utf-8") as f:
        match = re.search(r'^version = "([^"]+)"', f.read(), re.MULTILINE)
    if not match:
        sys.exit("plan_overhead: no version in Cargo.toml")
    return match.group(1)


def os_arch():
    machine = os.uname().machine
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
    return f"{sys.platform}_{arch}"


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(terraform, workdir, env, args):
    """Runs Terraform; returns (wall seconds, CPU seconds of it and its children)."""
    cpu = children_cpu()
    start = time.perf_counter()
    done = subprocess.run(
        [terraform, *args], cwd=workdir, env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, check=False,
    )
    wall = time.perf_counter() - start
    cpu = children_cpu() - cpu
    if done.returncode != 0:
        sys.exit(
            f"plan_overhead: terraform {' '.join(args)} in {workdir} failed "
            f"({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return wall, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terraform", default=os.environ.get("TERRAFORM") or
                        os.path.join(ROOT, ".tools", "bin", "terraform"))
    parser.add_argument("--provider", default=os.path.join(
        ROOT, "target", "release", "terraform-provider-kured"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for path, how in ((args.terraform, "make tools"), (args.provider, "cargo build --release")):
        if not os.access(path, os.X_OK):
            sys.exit(f"plan_overhead: {path} is missing; run `{how}`")

    with tempfile.TemporaryDirectory(prefix="plan-overhead-") as tmp:
        version = provider_version()
        target = os.path.join(tmp, "mirror", "registry.terraform.io", "rebootgate", "kured",
                              version, os_arch())
        os.makedirs(target)
        shutil.copy2(args.provider, os.path.join(target, f"terraform-provider-kured_v{version}"))
        config = os.path.join(tmp, "cli.tfrc")
        with open(config, "w", encoding="utf-8") as f:
            f.write('provider_installation {\n  filesystem_mirror {\n'
                    f'    path = "{os.path.join(tmp, "mirror")}"\n  }}\n}}\n')
        # The caller's TF_* settings (plugin cache, CLI args, logging) would change what
        # is measured.
        env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
        env.update(TF_CLI_CONFIG_FILE=config, TF_IN_AUTOMATION="1", TF_INPUT="0",
                   CHECKPOINT_DISABLE="1")

        cluster = cluster_yaml()
        stacks = {}
        for name, text in (("kured", KURED_STACK), ("data", DATA_STACK)):
            workdir = os.path.join(tmp, name)
            os.makedirs(workdir)
            with open(os.path.join(workdir, "main.tf"), "w", encoding="utf-8") as f:
                f.write(text)
            with open(os.path.join(workdir, "cluster.yaml"), "w", encoding="utf-8") as f:
                f.write(cluster)
            run(args.terraform, workdir, env, ["init", "-input=false", "-no-color"])
            stacks[name] = workdir

        plan = ["plan", "-input=false", "-no-color", "-lock=false"]
        for name in ("kured", "data"):
            run(args.terraform, stacks[name], env, plan)
        measured = {"kured": [], "data": []}
        for i in range(args.runs):
            for name in ("kured", "data"):
                wall, cpu = run(args.terraform, stacks[name], env, plan)
                measured[name].append((wall, cpu))
                print(f"run {i + 1} {name}: wall {wall * 1000:.0f} ms, cpu {cpu * 1000:.0f} ms",
                      file=sys.stderr)

    pairs = list(zip(measured["kured"], measured["data"]))
    wall_ratio = statistics.median(k[0] / d[0] for k, d in pairs)
    cpu_ratio = statistics.median(k[1] / d[1] for k, d in pairs)
    for name in ("kured", "data"):
        print(f"plan_{name}_wall {statistics.median(w for w, _ in measured[name]) * 1000:.0f} ms")
        print(f"plan_{name}_cpu {statistics.median(c for _, c in measured[name]) * 1000:.0f} ms")
    print(f"plan_overhead_wall {wall_ratio:.2f} ratio")
    print(f"plan_overhead_cpu {cpu_ratio:.2f} ratio")


if __name__ == "__main__":
    main()
