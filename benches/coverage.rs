//! Budget coverage at scale: parse time (YAML or JSON text to an `Inventory`, through
//! `Inventory::from_manifest` as the data source reads it) and coverage time
//! (`core::pdb::coverage` on a built inventory) of synthetic clusters of 10k pods / 1k
//! budgets and 100k pods / 10k budgets. Each run is checked against the findings the
//! generator planted, so a fast wrong answer cannot pass for a figure.
//!
//! With `BENCH_COVERAGE_ONLY=10k` (or `100k`) it builds that one size from JSON and runs
//! coverage once, printing nothing: the run `tools/bench/coverage_cachesim.py` profiles
//! under callgrind's cache simulation, where the YAML parse alone would take minutes.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/measure.rs"]
mod measure;
#[path = "support/synthetic.rs"]
mod synthetic;

use kured_core::base::yaml::parse_documents;
use kured_core::pdb::{Inventory, Options, Report, coverage};
use measure::{figure, median_of, ms, runs};

fn parse(text: &str) -> Inventory {
    Inventory::from_manifest(text).expect("the generator writes valid objects")
}

fn check(report: &Report, expected: &synthetic::Expected) {
    let got = synthetic::Expected {
        budgets: report.budgets.len(),
        drain_blockers: report.drain_blockers.len(),
        orphaned_budgets: report.orphaned_budgets.len(),
        multiply_covered_pods: report.multiply_covered_pods.len(),
    };
    assert_eq!(
        &got, expected,
        "coverage disagrees with the planted findings"
    );
}

const SIZES: [(&str, usize, usize, usize, usize); 2] = [
    ("10k", 10_000, 1_000, 9, 21),
    ("100k", 100_000, 10_000, 3, 9),
];

/// One coverage run of one size, for a profiler.
fn coverage_only(label: &str) {
    let Some(&(_, pods, budgets, _, _)) = SIZES.iter().find(|s| s.0 == label) else {
        panic!("BENCH_COVERAGE_ONLY is 10k or 100k, not {label:?}");
    };
    let cluster = synthetic::generate(pods, budgets);
    let inventory = parse(&cluster.to_json_list());
    drop(cluster.objects);
    let report = std::hint::black_box(coverage(&inventory, &Options::default()));
    check(&report, &cluster.expected);
}

fn main() {
    if let Ok(label) = std::env::var("BENCH_COVERAGE_ONLY") {
        coverage_only(&label);
        return;
    }
    let mut coverage_ms = Vec::new();
    for (label, pods, budgets, parse_runs, coverage_runs) in SIZES {
        let cluster = synthetic::generate(pods, budgets);
        let yaml = cluster.to_yaml();
        let json = cluster.to_json_list();
        eprintln!(
            "{label}: {} objects, YAML {:.1} MB, JSON {:.1} MB",
            cluster.objects.len(),
            yaml.len() as f64 / 1e6,
            json.len() as f64 / 1e6
        );
        drop(cluster.objects);

        let (yaml_only, _) = median_of(runs(parse_runs), || {
            parse_documents(&yaml).expect("valid YAML").len()
        });
        let (parse_time, inventory) = median_of(runs(parse_runs), || parse(&yaml));
        let (json_time, _) = median_of(runs(parse_runs), || parse(&json));
        let (coverage_time, report) = median_of(runs(coverage_runs), || {
            coverage(&inventory, &Options::default())
        });
        check(&report, &cluster.expected);
        eprintln!(
            "{label}: {} drain blockers, {} orphaned, {} pods under two budgets",
            report.drain_blockers.len(),
            report.orphaned_budgets.len(),
            report.multiply_covered_pods.len()
        );

        figure(
            &format!("input_yaml_{label}"),
            yaml.len() as f64 / 1e6,
            "MB",
        );
        figure(&format!("parse_yaml_{label}"), ms(parse_time), "ms");
        figure(
            &format!("parse_yaml_text_only_{label}"),
            ms(yaml_only),
            "ms",
        );
        figure(&format!("parse_json_{label}"), ms(json_time), "ms");
        figure(&format!("coverage_{label}"), ms(coverage_time), "ms");
        figure(
            &format!("coverage_over_parse_{label}"),
            coverage_time.as_secs_f64() / parse_time.as_secs_f64(),
            "ratio",
        );
        coverage_ms.push(ms(coverage_time));
    }
    figure(
        "coverage_100k_over_10k",
        coverage_ms[1] / coverage_ms[0],
        "ratio",
    );
}
