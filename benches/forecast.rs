//! The reboot forecast at scale: 5,000 nodes, 100,000 pods and 10,000 budgets from the
//! synthetic generator (`benches/support/synthetic.rs`), read once into
//! `ClusterObjects` (parse time reported apart), then `forecast::forecast` timed against
//! `pdb::coverage` on the same inventory. kured runs with a 30 min drain timeout, the
//! default period and concurrency 1, over the default (always open) window.
//!
//! Each run is checked: every node that starts with a pod of a budget that allows no
//! eviction even at full strength must be forecast never to reboot, and every other node
//! must have an outcome, so a fast wrong answer cannot pass for a figure.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/measure.rs"]
mod measure;
#[path = "support/synthetic.rs"]
mod synthetic;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use kured_core::base::duration::GoDuration;
use kured_core::forecast::budgets::Budgets;
use kured_core::forecast::cluster::ClusterObjects;
use kured_core::forecast::simulate::{Input, simulate};
use kured_core::forecast::{Forecast, Outcome, Request, Settings, forecast, rollout_nodes};
use kured_core::pdb::{BudgetFinding, Options, coverage};
use measure::{figure, median_of, ms, runs};
use serde_json::json;

const NODES: usize = 5_000;
const PODS: usize = 100_000;
const BUDGETS: usize = 10_000;
const MINUTE: i64 = 60_000_000_000;

fn main() {
    let mut cluster = synthetic::generate_on(PODS, BUDGETS, NODES);
    for i in 0..NODES {
        let name = format!("node-{i:03}");
        cluster.objects.push(json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}},
            "status": {"allocatable": {"cpu": "16", "memory": "64Gi", "pods": "250"}}}));
    }
    let text = cluster.to_json_list();
    eprintln!(
        "{} objects ({NODES} nodes), JSON {:.1} MB",
        cluster.objects.len(),
        text.len() as f64 / 1e6
    );
    drop(cluster);

    let started = Instant::now();
    let objects = ClusterObjects::from_manifest(&text).expect("the generator writes valid objects");
    let parse = started.elapsed();
    drop(text);
    let nodes = rollout_nodes(&objects, None).expect("Node objects");
    assert_eq!(nodes.len(), NODES);

    let settings = Settings {
        drain_timeout: GoDuration::from_nanos(30 * MINUTE),
        ..Settings::default()
    };
    let none = BTreeMap::new();
    let exempt = BTreeMap::new();
    let request = Request {
        objects: &objects,
        nodes: &nodes,
        settings: &settings,
        ineligible: &none,
        exempt: &exempt,
        node_reboot: GoDuration::from_nanos(5 * MINUTE),
        pod_ready: GoDuration::from_nanos(MINUTE),
        namespace: "kube-system",
        trace: false,
    };

    let (coverage_time, report) = median_of(runs(5), || {
        coverage(&objects.inventory, &Options::default())
    });
    let (forecast_time, result) = median_of(runs(5), || forecast(&request));
    check(&objects, &report, &result);
    // Where the time goes: the budgets (membership and live numbers) and the rollout.
    let (budgets_time, budgets) = median_of(runs(5), || {
        Budgets::new(&objects.inventory, &report, &exempt)
    });
    let (simulate_time, rollout) = median_of(runs(5), || {
        simulate(&Input {
            objects: &objects,
            nodes: &nodes,
            settings: &settings,
            ineligible: &none,
            budgets: budgets.clone(),
            node_reboot: request.node_reboot,
            pod_ready: request.pod_ready,
            trace: false,
        })
    });

    let count = |o: Outcome| result.nodes.iter().filter(|n| n.outcome == o).count();
    eprintln!(
        "outcomes: {} reboots, {} never-reboots, {} waits, {} hangs; completes {}, working time {}, stopped early: {:?}",
        count(Outcome::Reboots),
        count(Outcome::NeverReboots),
        count(Outcome::Waits),
        count(Outcome::Hangs),
        result.completes,
        result.rollout_duration,
        result.stopped_early
    );
    figure("forecast_parse_5k_nodes_100k_pods", ms(parse), "ms");
    figure("forecast_5k_nodes_100k_pods", ms(forecast_time), "ms");
    figure("forecast_coverage_same_objects", ms(coverage_time), "ms");
    figure("forecast_part_budgets", ms(budgets_time), "ms");
    figure("forecast_part_simulate", ms(simulate_time), "ms");
    figure(
        "forecast_over_coverage",
        forecast_time.as_secs_f64() / coverage_time.as_secs_f64(),
        "ratio",
    );
    figure(
        "forecast_nodes_rebooting",
        count(Outcome::Reboots) as f64,
        "nodes",
    );
    figure("forecast_simulated_events", rollout.events as f64, "events");
}

/// Nodes that start with a pod of a deadlocked budget can never be drained.
fn check(objects: &ClusterObjects, report: &kured_core::pdb::Report, result: &Forecast) {
    assert_eq!(result.nodes.len(), NODES, "one outcome per node");
    assert!(result.stopped_early.is_none(), "{:?}", result.stopped_early);
    let deadlocked: BTreeSet<(&str, &str)> = report
        .budgets
        .iter()
        .filter(|b| b.findings.contains(&BudgetFinding::DrainDeadlock))
        .map(|b| (b.namespace.as_str(), b.name.as_str()))
        .collect();
    let mut stuck = BTreeSet::new();
    for (pod, sched) in objects.inventory.pods.iter().zip(&objects.scheduling) {
        if pod.bypasses_budgets() || !pod.ready {
            continue;
        }
        let held = objects.inventory.budgets.iter().filter(|b| {
            b.meta.namespace == pod.meta.namespace
                && b.selector
                    .as_ref()
                    .is_some_and(|s| s.matches(&pod.meta.labels))
        });
        let held: Vec<_> = held.collect();
        if let [only] = held.as_slice()
            && deadlocked.contains(&(only.meta.namespace.as_str(), only.meta.name.as_str()))
            && let Some(node) = &sched.node_name
        {
            stuck.insert(node.to_string());
        }
    }
    for n in &result.nodes {
        if stuck.contains(&n.name) {
            assert!(
                !n.outcome.rebooted(),
                "{} hosts a pod no eviction can move, yet {}: {}",
                n.name,
                n.outcome,
                n.reason
            );
        }
    }
    eprintln!("{} nodes host a pod no eviction can move", stuck.len());
}
