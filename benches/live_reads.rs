//! Live reads against the fake API server of the tests: a synthetic cluster of 20,000
//! pods listed kind by kind through `Cluster::list_json`, as the `kured_pdb_coverage`
//! data source reads a cluster. Figures: HTTP requests per kind (each must equal its page
//! count at 500 objects a page) and wall time per kind and in all.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/support/fake_apiserver.rs"]
mod fake_apiserver;
#[path = "support/measure.rs"]
mod measure;
#[path = "support/synthetic.rs"]
mod synthetic;

use std::time::{Duration, Instant};

use fake_apiserver::{FakeApiServer, count_by_path, write_kubeconfig};
use measure::{figure, median, ms, runs};
use terraform_provider_kured::cluster::{
    Cluster, ClusterSettings, KubeEnvironment, ListKind, PAGE_SIZE,
};

/// The kinds the data source lists, with the path of their cluster-wide collection and
/// the figure's name.
const KINDS: [(ListKind, &str, &str, &str); 6] = [
    (ListKind::Pods, "/api/v1/pods", "Pod", "pods"),
    (
        ListKind::Deployments,
        "/apis/apps/v1/deployments",
        "Deployment",
        "deployments",
    ),
    (
        ListKind::StatefulSets,
        "/apis/apps/v1/statefulsets",
        "StatefulSet",
        "statefulsets",
    ),
    (
        ListKind::ReplicaSets,
        "/apis/apps/v1/replicasets",
        "ReplicaSet",
        "replicasets",
    ),
    (
        ListKind::ReplicationControllers,
        "/api/v1/replicationcontrollers",
        "ReplicationController",
        "replicationcontrollers",
    ),
    (
        ListKind::PodDisruptionBudgets,
        "/apis/policy/v1/poddisruptionbudgets",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
    ),
];

fn main() {
    let cluster = synthetic::generate(20_000, 2_000);
    let count_of = |kind: &str| cluster.objects.iter().filter(|o| o["kind"] == kind).count();
    let counts: Vec<usize> = KINDS.iter().map(|(_, _, kind, _)| count_of(kind)).collect();
    let server = FakeApiServer::start(cluster.objects);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let kubeconfig = write_kubeconfig(dir.path(), &server.url(), "bench");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a Tokio runtime");

    let n = runs(5);
    let mut per_kind: Vec<Vec<Duration>> = vec![Vec::new(); KINDS.len()];
    let mut totals = Vec::with_capacity(n);
    for run in 0..n {
        // A fresh client each run, as each Terraform run starts a fresh provider.
        let client = Cluster::with_environment(
            ClusterSettings {
                kubeconfig_path: Some(kubeconfig.display().to_string()),
                context: None,
                request_timeout: Duration::from_secs(30),
                ..ClusterSettings::default()
            },
            KubeEnvironment::default(),
        );
        let before = server.requests().len();
        let started = Instant::now();
        for (i, (kind, _, _, _)) in KINDS.iter().enumerate() {
            let t = Instant::now();
            let items = runtime
                .block_on(client.list_json(*kind, None, None))
                .expect("the fake API server answers");
            per_kind[i].push(t.elapsed());
            assert_eq!(items.len(), counts[i], "{kind:?} listed in full");
        }
        totals.push(started.elapsed());
        if run == 0 {
            let requests = server.requests().split_off(before);
            let by_path = count_by_path(&requests);
            for (i, (_, path, _, name)) in KINDS.iter().enumerate() {
                let pages = counts[i].div_ceil(PAGE_SIZE as usize).max(1);
                let sent = by_path.get(*path).copied().unwrap_or(0);
                eprintln!(
                    "{name}: {} objects, {pages} pages, {sent} requests",
                    counts[i]
                );
                assert_eq!(sent, pages, "{name}: one request per page");
                figure(&format!("live_requests_{name}"), sent as f64, "requests");
            }
            let listed: usize = KINDS
                .iter()
                .map(|(_, path, _, _)| by_path.get(*path).copied().unwrap_or(0))
                .sum();
            let other = requests.len() - listed;
            // Discovery or anything else the client sends besides the lists.
            figure("live_requests_other", other as f64, "requests");
        }
    }
    for (i, (_, _, _, name)) in KINDS.iter().enumerate() {
        figure(
            &format!("live_list_{name}"),
            ms(median(&mut per_kind[i])),
            "ms",
        );
    }
    figure("live_list_all_20k_pods", ms(median(&mut totals)), "ms");
}
