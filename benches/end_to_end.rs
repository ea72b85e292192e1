//! End to end: the release provider under a real `terraform plan` of a stack whose only
//! object is `data "kured_pdb_coverage"` reading a synthetic cluster from a file
//! (manifest mode), at 10k pods / 1k budgets and 100k pods / 10k budgets, once as
//! multi-document YAML (`kubectl get -o yaml` of each object) and once as one JSON
//! `kind: List` (`kubectl get -o json`).
//!
//! Wall time is the whole `terraform plan` (Terraform starts the provider for validation
//! and again for the plan; only the plan's read parses the manifests). Peak memory is the
//! largest resident set of any provider process, read by `tools/bench/maxrss.py` (wait4's
//! `ru_maxrss`) in separate runs, so the wrapper's start-up stays out of the timings.
//!
//! For scale, `end_to_end_terraform_only_*` plans a stack without the provider that only
//! reads the JSON file with `file()`: what Terraform spends on the input before any
//! provider sees it.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/measure.rs"]
mod measure;
#[path = "support/synthetic.rs"]
mod synthetic;
#[path = "../tests/support/terraform.rs"]
mod terraform;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use measure::{figure, median, ms, runs};
use terraform::{Mirror, Workdir};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-kured");
const VERSION: &str = env!("CARGO_PKG_VERSION");

const STACK: &str = r#"terraform {
  required_providers {
    kured = { source = "rebootgate/kured" }
  }
}

data "kured_pdb_coverage" "cluster" {
  manifests = [file("${path.module}/cluster.input")]
}

output "drain_blockers" {
  value = length(data.kured_pdb_coverage.cluster.drain_blockers)
}
"#;

/// Terraform's own share: read the same file, use its length, call no provider.
const TERRAFORM_ONLY: &str = r#"resource "terraform_data" "n" {}

output "n" {
  value = length(file("${path.module}/cluster.input"))
}
"#;

fn workdir(mirror: &Mirror, stack: &str, input: &Path) -> Workdir {
    let mut dir = Workdir::new(mirror);
    dir.timeout(Duration::from_secs(600));
    dir.write("main.tf", stack);
    fs::hard_link(input, dir.path().join("cluster.input"))
        .or_else(|_| fs::copy(input, dir.path().join("cluster.input")).map(|_| ()))
        .expect("put the cluster file in the workdir");
    dir.init().assert_success("terraform init");
    dir
}

/// The median wall time of `runs` plans, each checked with `check`.
fn time_plans(dir: &Workdir, runs: usize, check: impl Fn(&str)) -> Duration {
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let out = dir.plan();
        times.push(started.elapsed());
        out.assert_success("terraform plan");
        check(&out.stdout);
    }
    median(&mut times)
}

/// A mirror whose provider is a script running the real binary under maxrss.py.
fn measuring_mirror(scratch: &Path) -> Mirror {
    let wrapper = scratch.join("provider-under-maxrss");
    let maxrss = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/bench/maxrss.py");
    fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec python3 '{}' '{PROVIDER}' \"$@\"\n",
            maxrss.display()
        ),
    )
    .expect("write the wrapper");
    fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755)).expect("chmod the wrapper");
    let mirror = Mirror::new();
    mirror.add_provider(
        "registry.terraform.io",
        "rebootgate",
        "kured",
        VERSION,
        &wrapper,
    );
    mirror
}

fn main() {
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let plain = Mirror::new();
    plain.add_provider(
        "registry.terraform.io",
        "rebootgate",
        "kured",
        VERSION,
        Path::new(PROVIDER),
    );
    let measured = measuring_mirror(scratch.path());
    let mut times_ms: [Vec<f64>; 2] = Default::default();
    for (label, pods, budgets, default_runs) in
        [("10k", 10_000, 1_000, 5), ("100k", 100_000, 10_000, 3)]
    {
        let cluster = synthetic::generate(pods, budgets);
        let expected_blockers = cluster.expected.drain_blockers;
        let inputs = [
            ("yaml", scratch.path().join(format!("cluster-{label}.yaml"))),
            ("json", scratch.path().join(format!("cluster-{label}.json"))),
        ];
        fs::write(&inputs[0].1, cluster.to_yaml()).expect("write the YAML input");
        fs::write(&inputs[1].1, cluster.to_json_list()).expect("write the JSON input");
        drop(cluster);

        for (format, (name, input)) in inputs.iter().enumerate() {
            let input_bytes = fs::metadata(input).expect("the input file").len();
            let dir = workdir(&plain, STACK, input);
            let time = time_plans(&dir, runs(default_runs), |stdout| {
                assert!(
                    stdout.contains(&format!("drain_blockers = {expected_blockers}")),
                    "the plan reports the planted drain blockers:\n{stdout}"
                );
            });

            let mut dir = workdir(&measured, STACK, input);
            let rss_file = scratch.path().join(format!("maxrss-{name}-{label}"));
            dir.env("BENCH_MAXRSS_FILE", &rss_file.display().to_string());
            dir.plan().assert_success("terraform plan under maxrss.py");
            let peak_kib = fs::read_to_string(&rss_file)
                .expect("maxrss.py wrote the provider's peak")
                .lines()
                .filter_map(|l| l.trim().parse::<u64>().ok())
                .max()
                .expect("at least one provider process");
            let peak_mb = peak_kib as f64 * 1024.0 / 1e6;
            let input_mb = input_bytes as f64 / 1e6;

            figure(&format!("end_to_end_input_{name}_{label}"), input_mb, "MB");
            figure(&format!("end_to_end_plan_{name}_{label}"), ms(time), "ms");
            figure(
                &format!("end_to_end_peak_rss_{name}_{label}"),
                peak_mb,
                "MB",
            );
            figure(
                &format!("end_to_end_peak_over_input_{name}_{label}"),
                peak_mb / input_mb,
                "ratio",
            );
            times_ms[format].push(ms(time));
        }

        let dir = workdir(&plain, TERRAFORM_ONLY, &inputs[1].1);
        let time = time_plans(&dir, runs(default_runs), |_| {});
        figure(
            &format!("end_to_end_terraform_only_{label}"),
            ms(time),
            "ms",
        );
    }
    for (format, name) in ["yaml", "json"].iter().enumerate() {
        figure(
            &format!("end_to_end_{name}_100k_over_10k"),
            times_ms[format][1] / times_ms[format][0],
            "ratio",
        );
    }
}
