//! End to end: the release provider under a real `terraform plan` of a stack whose only
//! object is `data "kured_pdb_coverage"` reading a synthetic cluster from a YAML file
//! (manifest mode), at 10k pods / 1k budgets and 100k pods / 10k budgets.
//!
//! Wall time is the whole `terraform plan` (Terraform starts the provider for validation
//! and again for the plan, and each run parses the manifests). Peak memory is the largest
//! resident set of any provider process, read by `tools/bench/maxrss.py` (wait4's
//! `ru_maxrss`) in separate runs, so the wrapper's start-up stays out of the timings.

#[path = "support/measure.rs"]
mod measure;
#[path = "support/synthetic.rs"]
mod synthetic;
#[path = "../tests/support/terraform.rs"]
mod terraform;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
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
  manifests = [file("${path.module}/cluster.yaml")]
}

output "drain_blockers" {
  value = length(data.kured_pdb_coverage.cluster.drain_blockers)
}
"#;

fn workdir(mirror: &Mirror, yaml: &Path) -> Workdir {
    let mut dir = Workdir::new(mirror);
    dir.timeout(Duration::from_secs(600));
    dir.write("main.tf", STACK);
    fs::hard_link(yaml, dir.path().join("cluster.yaml"))
        .or_else(|_| fs::copy(yaml, dir.path().join("cluster.yaml")).map(|_| ()))
        .expect("put cluster.yaml in the workdir");
    dir.init().assert_success("terraform init");
    dir
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
    let mut times_ms = Vec::new();
    for (label, pods, budgets, default_runs) in
        [("10k", 10_000, 1_000, 5), ("100k", 100_000, 10_000, 3)]
    {
        let cluster = synthetic::generate(pods, budgets);
        let yaml: PathBuf = scratch.path().join(format!("cluster-{label}.yaml"));
        let text = cluster.to_yaml();
        let input_bytes = text.len();
        fs::write(&yaml, text).expect("write cluster.yaml");
        let expected_blockers = cluster.expected.drain_blockers;
        drop(cluster);

        let dir = workdir(&plain, &yaml);
        let mut times = Vec::new();
        for _ in 0..runs(default_runs) {
            let started = Instant::now();
            let out = dir.plan();
            times.push(started.elapsed());
            out.assert_success("terraform plan");
            assert!(
                out.stdout
                    .contains(&format!("drain_blockers = {expected_blockers}")),
                "the plan reports the planted drain blockers:\n{}",
                out.stdout
            );
        }
        let time = median(&mut times);

        let mut dir = workdir(&measured, &yaml);
        let rss_file = scratch.path().join(format!("maxrss-{label}"));
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

        figure(&format!("end_to_end_input_{label}"), input_mb, "MB");
        figure(&format!("end_to_end_plan_{label}"), ms(time), "ms");
        figure(&format!("end_to_end_peak_rss_{label}"), peak_mb, "MB");
        figure(
            &format!("end_to_end_peak_over_input_{label}"),
            peak_mb / input_mb,
            "ratio",
        );
        times_ms.push(ms(time));
    }
    figure(
        "end_to_end_100k_over_10k",
        times_ms[1] / times_ms[0],
        "ratio",
    );
}
