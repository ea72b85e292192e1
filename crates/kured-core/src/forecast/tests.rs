//! Scenario and property tests of the whole forecast: the incident's cluster under each
//! drain setting, the fix, spread constraints, lock TTL, concurrency, exempt budgets,
//! blocking pods, windows; and the properties that a cluster without budgets always
//! completes and that a budget never makes a rollout shorter.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Value as Json, json};

use super::*;
use crate::kured::window::RebootWindow;

const MINUTE: i64 = 60_000_000_000;

fn minutes(m: i64) -> GoDuration {
    GoDuration::from_nanos(m * MINUTE)
}

/// Objects of a test cluster, written as the API returns them.
#[derive(Default)]
struct Objects(Vec<Json>);

impl Objects {
    fn node(mut self, name: &str) -> Self {
        self.0.push(json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}}}));
        self
    }

    /// A Deployment with its ReplicaSet and one pod on each of `nodes`.
    fn deployment(mut self, ns: &str, name: &str, nodes: &[&str], spec: Json) -> Self {
        let labels = json!({"app": name});
        self.0
            .push(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": nodes.len(), "template": {"metadata": {"labels": labels}}}}));
        self.0.push(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": format!("{name}-rs"), "namespace": ns,
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name, "controller": true}]},
            "spec": {"replicas": nodes.len(), "template": {"metadata": {"labels": labels}}}}));
        for (i, node) in nodes.iter().enumerate() {
            let mut pod_spec = spec.clone();
            pod_spec["nodeName"] = json!(node);
            self.0.push(pod(
                ns,
                &format!("{name}-{i}"),
                labels.clone(),
                "ReplicaSet",
                &format!("{name}-rs"),
                pod_spec,
            ));
        }
        self
    }

    fn budget(mut self, ns: &str, name: &str, spec: Json) -> Self {
        self.0.push(
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}),
        );
        self
    }

    fn raw(mut self, object: Json) -> Self {
        self.0.push(object);
        self
    }

    fn read(&self) -> ClusterObjects {
        ClusterObjects::from_documents(&self.0).expect("valid test objects")
    }
}

fn pod(ns: &str, name: &str, labels: Json, owner_kind: &str, owner: &str, spec: Json) -> Json {
    let api = if owner_kind == "Cluster" {
        "postgresql.cnpg.io/v1"
    } else {
        "apps/v1"
    };
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels,
            "ownerReferences": [{"apiVersion": api, "kind": owner_kind, "name": owner, "controller": true}]},
        "spec": spec,
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}})
}

fn selector(app: &str) -> Json {
    json!({"matchLabels": {"app": app}})
}

const NODES: [&str; 5] = ["node-1", "node-2", "node-3", "node-4", "node-5"];

/// A CloudNativePG cluster of three instances, primary on node-1: the operator's two
/// budgets, `pg-primary` (minAvailable 1 of the primary) and `pg` (minAvailable
/// instances - 2 of the replicas).
fn postgres(mut o: Objects) -> Objects {
    for (i, node) in ["node-1", "node-2", "node-3"].iter().enumerate() {
        let role = if i == 0 { "primary" } else { "replica" };
        o = o.raw(pod(
            "db",
            &format!("pg-{}", i + 1),
            json!({"cnpg.io/cluster": "pg", "cnpg.io/instanceRole": role}),
            "Cluster",
            "pg",
            json!({"nodeName": node}),
        ));
    }
    o.budget(
        "db",
        "pg-primary",
        json!({"minAvailable": 1,
        "selector": {"matchLabels": {"cnpg.io/cluster": "pg", "cnpg.io/instanceRole": "primary"}}}),
    )
    .budget(
        "db",
        "pg",
        json!({"minAvailable": 1,
        "selector": {"matchLabels": {"cnpg.io/cluster": "pg", "cnpg.io/instanceRole": "replica"}}}),
    )
}

/// The incident: five nodes, eight single-replica Anubis deployments with
/// `minAvailable: 1` spread over them, and a three-instance PostgreSQL.
fn incident() -> Objects {
    let mut o = Objects::default();
    for n in NODES {
        o = o.node(n);
    }
    for i in 0..8 {
        let name = format!("anubis-{}", i + 1);
        o = o
            .deployment("blog", &name, &[NODES[i % 5]], json!({}))
            .budget(
                "blog",
                &name,
                json!({"minAvailable": 1, "selector": selector(&name)}),
            );
    }
    postgres(o)
}

/// The fix: two replicas on different nodes and `maxUnavailable: 1`.
fn fixed() -> Objects {
    let mut o = Objects::default();
    for n in NODES {
        o = o.node(n);
    }
    for i in 0..8 {
        let name = format!("anubis-{}", i + 1);
        o = o
            .deployment(
                "blog",
                &name,
                &[NODES[i % 5], NODES[(i + 1) % 5]],
                json!({}),
            )
            .budget(
                "blog",
                &name,
                json!({"maxUnavailable": 1, "selector": selector(&name)}),
            );
    }
    postgres(o)
}

struct Run {
    settings: Settings,
    exempt: BTreeMap<String, String>,
    ineligible: BTreeMap<String, (Outcome, String)>,
    names: Option<Vec<String>>,
    node_reboot: GoDuration,
}

impl Default for Run {
    fn default() -> Self {
        Run {
            settings: Settings::default(),
            exempt: BTreeMap::new(),
            ineligible: BTreeMap::new(),
            names: None,
            node_reboot: minutes(5),
        }
    }
}

impl Run {
    fn timeout(mut self, m: i64) -> Self {
        self.settings.drain_timeout = minutes(m);
        self
    }

    fn go(&self, objects: &Objects) -> Forecast {
        let objects = objects.read();
        let nodes = rollout_nodes(&objects, self.names.as_deref()).expect("nodes");
        forecast(&Request {
            objects: &objects,
            nodes: &nodes,
            settings: &self.settings,
            ineligible: &self.ineligible,
            exempt: &self.exempt,
            node_reboot: self.node_reboot,
            pod_ready: minutes(1),
            namespace: "kube-system",
            trace: true,
        })
    }
}

fn outcomes(f: &Forecast) -> Vec<(&str, &str)> {
    f.nodes
        .iter()
        .map(|n| (n.name.as_str(), n.outcome.code()))
        .collect()
}

fn node<'f>(f: &'f Forecast, name: &str) -> &'f NodeForecast {
    f.nodes
        .iter()
        .find(|n| n.name == name)
        .unwrap_or_else(|| panic!("no node {name}"))
}

#[test]
fn the_incident_without_a_drain_timeout_hangs_the_first_node_and_stalls_the_rest() {
    let f = Run::default().go(&incident());
    assert_eq!(
        outcomes(&f),
        [
            ("node-1", "hangs"),
            ("node-2", "waits"),
            ("node-3", "waits"),
            ("node-4", "waits"),
            ("node-5", "waits")
        ],
        "{:#?}",
        f.steps
    );
    let first = node(&f, "node-1");
    assert_eq!(
        first.blocked_by,
        ["blog/anubis-1", "blog/anubis-6", "db/pg-primary"]
    );
    assert!(
        first
            .reason
            .contains("the node stays cordoned and its kured pod keeps the lock"),
        "{}",
        first.reason
    );
    assert!(first.reason.contains("pod blog/anubis-1-0 is held by budget blog/anubis-1 (minAvailable 1 with 1 of 1 pods healthy, so it allows 0 evictions)"), "{}", first.reason);
    let waiting = node(&f, "node-2");
    assert_eq!(waiting.blocked_by, first.blocked_by);
    assert!(
        waiting
            .reason
            .starts_with("never gets the lock: node-1 holds it while its drain hangs"),
        "{}",
        waiting.reason
    );
    assert!(!f.completes);
    assert_eq!(f.windows_needed, None);
    assert_eq!(f.nodes_never_rebooting.len(), 5);
}

#[test]
fn the_incident_with_a_drain_timeout_never_reboots_any_node() {
    let f = Run::default().timeout(30).go(&incident());
    assert!(
        outcomes(&f).iter().all(|(_, o)| *o == "never-reboots"),
        "{:#?}",
        outcomes(&f)
    );
    let n4 = node(&f, "node-4");
    assert_eq!(n4.blocked_by, ["blog/anubis-4"]);
    assert!(
        n4.reason.starts_with(
            "every drain times out after 30m0s: pod blog/anubis-4-0 is held by budget blog/anubis-4"
        ),
        "{}",
        n4.reason
    );
    assert!(
        n4.reason
            .contains("leaving it cordoned for 30m0s each time"),
        "{}",
        n4.reason
    );
    assert!(!f.completes);
}

#[test]
fn the_incident_with_force_reboot_reboots_every_node_and_names_the_violated_budgets() {
    let mut run = Run::default().timeout(30);
    run.settings.force_reboot = true;
    let f = run.go(&incident());
    assert!(
        outcomes(&f).iter().all(|(_, o)| *o == "forced"),
        "{:#?}",
        outcomes(&f)
    );
    assert_eq!(
        node(&f, "node-1").blocked_by,
        ["blog/anubis-1", "blog/anubis-6", "db/pg-primary"]
    );
    assert!(
        node(&f, "node-5")
            .reason
            .starts_with("rebooted by --force-reboot after the drain timed out at 30m0s")
    );
    assert!(f.completes, "forced nodes do reboot");
    assert!(f.nodes_never_rebooting.is_empty());
    // One node per period: the last of five takes the lock at +4h.
    assert_eq!(
        node(&f, "node-5").rebooted_at,
        Some(GoDuration::from_nanos((4 * 60 + 30 + 6) * MINUTE))
    );
}

#[test]
fn force_reboot_without_a_timeout_still_hangs() {
    let mut run = Run::default();
    run.settings.force_reboot = true;
    let f = run.go(&incident());
    assert_eq!(node(&f, "node-1").outcome, Outcome::Hangs);
}

#[test]
fn the_fix_completes_one_node_per_period() {
    let mut run = Run::default().timeout(30);
    run.exempt
        .insert("db/pg-primary".into(), "CloudNativePG switches over".into());
    let f = run.go(&fixed());
    assert!(
        outcomes(&f).iter().all(|(_, o)| *o == "reboots"),
        "{:#?}\n{:#?}",
        outcomes(&f),
        f.steps
    );
    assert!(f.completes);
    assert_eq!(f.windows_needed, Some(1));
    // Grace 30 s + reboot 5 min + kured's start-up minute after the fifth look at +4h.
    assert_eq!(
        f.rollout_duration,
        GoDuration::from_nanos(4 * 60 * MINUTE + 6 * MINUTE + MINUTE / 2)
    );
    assert!(
        node(&f, "node-1")
            .reason
            .starts_with("reboots in reboot window 1")
    );
    assert!(f.backlog_alert.contains("for: 5h7m"), "{}", f.backlog_alert);
}

#[test]
fn without_the_exemption_the_primary_keeps_its_node_from_rebooting() {
    let f = Run::default().timeout(30).go(&fixed());
    assert_eq!(node(&f, "node-1").outcome, Outcome::NeverReboots);
    assert_eq!(node(&f, "node-1").blocked_by, ["db/pg-primary"]);
    assert_eq!(f.nodes_never_rebooting, ["node-1"]);
    for name in &NODES[1..] {
        assert_eq!(node(&f, name).outcome, Outcome::Reboots, "{name}");
    }
}

#[test]
fn an_unknown_exempt_budget_is_reported() {
    let mut run = Run::default().timeout(30);
    run.exempt.insert("db/nope".into(), "typo".into());
    assert_eq!(run.go(&fixed()).unknown_exempt, ["db/nope"]);
}

fn spread_pair(min_available: Json) -> Objects {
    let spread = json!({"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
        "whenUnsatisfiable": "DoNotSchedule", "labelSelector": selector("web")}]});
    Objects::default()
        .node("node-1")
        .node("node-2")
        .deployment("shop", "web", &["node-1", "node-2"], spread)
        .budget(
            "shop",
            "web",
            json!({"minAvailable": min_available, "selector": selector("web")}),
        )
}

#[test]
fn spread_on_two_nodes_waits_for_the_drained_node_to_come_back() {
    // The evicted replica cannot go to the other node (skew 2) until its own is back.
    let f = Run::default().timeout(30).go(&spread_pair(json!(1)));
    assert_eq!(outcomes(&f), [("node-1", "reboots"), ("node-2", "reboots")]);
    assert!(
        f.steps.iter().any(|s| s.contains(
            "shop/web-0 is Pending: 0 of 2 nodes can take it (1 cordoned, 1 past maxSkew"
        )),
        "{:#?}",
        f.steps
    );
    // With both nodes draining at once, node-2's drain waits for node-1 to come back.
    let mut both = Run::default().timeout(30);
    both.settings.concurrency = 2;
    let f = both.go(&spread_pair(json!(1)));
    assert_eq!(outcomes(&f), [("node-1", "reboots"), ("node-2", "reboots")]);
    assert!(
        node(&f, "node-2")
            .reason
            .contains("after its drain waited 7m30s on budgets"),
        "{}\n{:#?}",
        node(&f, "node-2").reason,
        f.steps
    );
    // A 5-minute timeout is shorter than node-1's reboot: node-2 fails once, then reboots
    // an hour later.
    let mut short = Run::default().timeout(5);
    short.settings.concurrency = 2;
    let f = short.go(&spread_pair(json!(1)));
    assert_eq!(outcomes(&f), [("node-1", "reboots"), ("node-2", "reboots")]);
    assert!(
        node(&f, "node-2").reason.contains("back 1h6m30s after"),
        "{}",
        node(&f, "node-2").reason
    );
}

#[test]
fn a_lock_ttl_lets_every_node_hang_in_turn() {
    let mut run = Run::default();
    run.settings.lock_ttl = minutes(30);
    let f = run.go(&incident());
    assert!(
        outcomes(&f).iter().all(|(_, o)| *o == "hangs"),
        "{:#?}",
        outcomes(&f)
    );
}

#[test]
fn concurrency_two_hangs_two_nodes() {
    let mut run = Run::default();
    run.settings.concurrency = 2;
    let f = run.go(&incident());
    assert_eq!(
        outcomes(&f),
        [
            ("node-1", "hangs"),
            ("node-2", "hangs"),
            ("node-3", "waits"),
            ("node-4", "waits"),
            ("node-5", "waits")
        ]
    );
    assert!(
        node(&f, "node-3")
            .reason
            .contains("(--concurrency 2, no --lock-ttl)"),
        "{}",
        node(&f, "node-3").reason
    );
}

#[test]
fn a_blocking_pod_keeps_kured_from_trying() {
    let mut run = Run::default().timeout(30);
    run.settings.blocking_pod_selectors = vec![(
        "app=backup".into(),
        label_query::parse("app=backup").expect("selector"),
    )];
    let objects = Objects::default().node("node-1").node("node-2").raw(pod(
        "ops",
        "backup-0",
        json!({"app": "backup"}),
        "StatefulSet",
        "backup",
        json!({"nodeName": "node-2"}),
    ));
    let f = run.go(&objects);
    assert_eq!(outcomes(&f), [("node-1", "reboots"), ("node-2", "blocked")]);
    assert_eq!(node(&f, "node-2").blocked_by, ["ops/backup-0"]);
    assert_eq!(
        node(&f, "node-2").reason,
        "kured never tries: pod ops/backup-0 runs here and matches --blocking-pod-selector=app=backup."
    );
}

#[test]
fn a_drain_timeout_as_long_as_the_period_lets_a_failing_node_keep_the_lock() {
    // The drain runs past the next look, so kured reads that tick as soon as the drain
    // fails and takes the lock straight back: the other node never gets it.
    let mut run = Run::default().timeout(60);
    run.settings.period = minutes(60);
    let objects = Objects::default()
        .node("node-1")
        .node("node-2")
        .deployment("shop", "one", &["node-1"], json!({}))
        .budget(
            "shop",
            "one",
            json!({"minAvailable": 1, "selector": selector("one")}),
        );
    let f = run.go(&objects);
    assert_eq!(
        outcomes(&f),
        [("node-1", "never-reboots"), ("node-2", "waits")],
        "{:#?}",
        f.steps
    );
    assert!(
        node(&f, "node-2")
            .reason
            .contains("takes it back at once after each failed drain")
    );
    // A shorter timeout gives node-2 its turn.
    let f = Run::default().timeout(30).go(&objects);
    assert_eq!(
        outcomes(&f),
        [("node-1", "never-reboots"), ("node-2", "reboots")]
    );
}

#[test]
fn nodes_come_from_pods_or_names_when_there_are_no_node_objects() {
    let objects = Objects::default().deployment("shop", "web", &["a", "b"], json!({}));
    let f = Run::default().go(&objects);
    assert_eq!(outcomes(&f), [("a", "reboots"), ("b", "reboots")]);
    let mut named = Run {
        names: Some(vec!["a".into(), "b".into(), "c".into()]),
        ..Run::default()
    };
    let f = named.go(&objects);
    assert_eq!(
        outcomes(&f),
        [("a", "reboots"), ("b", "reboots"), ("c", "reboots")]
    );
    named.names = Some(vec!["a".into()]);
    assert_eq!(named.go(&objects).unknown_nodes, ["b"]);
    let with_nodes = Objects::default().node("a");
    assert_eq!(
        rollout_nodes(&with_nodes.read(), Some(&["a".to_string()])),
        Err(NodesError::Both { count: 1 })
    );
    assert_eq!(
        rollout_nodes(&Objects::default().read(), None),
        Err(NodesError::None)
    );
}

#[test]
fn workloads_without_pods_are_named_with_what_they_mean() {
    let objects = Objects::default()
        .node("a")
        .raw(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"replicas": 1, "template": {"metadata": {"labels": {"app": "web"}}}}}))
        .budget("shop", "web", json!({"minAvailable": 1, "selector": selector("web")}));
    let f = Run::default().go(&objects);
    assert_eq!(
        f.unplaced,
        [
            "Deployment shop/web (1 replica) has no pod, so the nodes it runs on are unknown and the forecast leaves it out; its pods fall under budget shop/web, which allows no eviction even at full strength, so whichever node runs it never finishes a drain"
        ]
    );
}

#[test]
fn ineligible_nodes_keep_their_outcome() {
    let mut run = Run::default();
    run.ineligible.insert(
        "node-2".into(),
        (
            Outcome::NoKured,
            "the kured DaemonSet does not tolerate the node's taint gpu:NoSchedule".into(),
        ),
    );
    run.ineligible.insert(
        "node-3".into(),
        (
            Outcome::Ungated,
            "the cluster runs no ready gate pod on it".into(),
        ),
    );
    let objects = Objects::default()
        .node("node-1")
        .node("node-2")
        .node("node-3");
    let f = run.go(&objects);
    assert_eq!(
        outcomes(&f),
        [
            ("node-1", "reboots"),
            ("node-2", "no-kured"),
            ("node-3", "ungated")
        ]
    );
    assert_eq!(
        node(&f, "node-3").reason,
        "the gated sentinel is never written here: the cluster runs no ready gate pod on it."
    );
    assert!(!f.completes);
}

#[test]
fn a_weekday_window_spreads_the_rollout_over_days() {
    let mut run = Run::default().timeout(30);
    let days: Vec<String> = ["mo", "tu", "we", "th", "fr"]
        .iter()
        .map(|d| d.to_string())
        .collect();
    run.settings.window = RebootWindow::parse(&days, "09:00", "11:00", "UTC").expect("window");
    let mut objects = Objects::default();
    for n in NODES {
        objects = objects.node(n);
    }
    let f = run.go(&objects);
    // Looks at 09:00, 10:00 and 11:00 (the window ends at 11:00:59): three nodes a day.
    assert!(f.completes);
    assert_eq!(f.windows_needed, Some(2));
    assert_eq!(
        node(&f, "node-4").rebooted_at,
        Some(GoDuration::from_nanos(24 * 60 * MINUTE + 6 * MINUTE))
    );
    // Working time counts the two windows and the last reboot, not the night between.
    assert_eq!(
        f.rollout_duration,
        GoDuration::from_nanos((2 * 60 + 6) * MINUTE + 66 * MINUTE)
    );
    // Friday 11:00:59 to Monday 09:00 is the longest wait; the alert allows for it.
    assert!(
        f.backlog_alert.contains("for: 96h6m"),
        "{}",
        f.backlog_alert
    );
}

#[test]
fn the_step_log_tells_the_story() {
    let f = Run::default().go(&incident());
    let text = f.steps.join("\n");
    assert!(
        text.contains("+0s node-1: takes the lock (1 of 1 held), cordons and drains (attempt 1)"),
        "{text}"
    );
    assert!(
        text.contains("+0s node-1: eviction of blog/anubis-1-0 refused by blog/anubis-1"),
        "{text}"
    );
}

/// A random cluster: nodes, Deployments of 1 to 3 replicas placed round robin, and
/// optionally budgets on them.
#[derive(Clone, Debug)]
struct Random {
    nodes: usize,
    workloads: Vec<(usize, usize)>,
    budgets: Vec<(usize, Json)>,
    concurrency: u32,
    timeout: i64,
    force: bool,
    daily_window: bool,
}

impl Random {
    fn objects(&self, with_budgets: usize) -> Objects {
        let names: Vec<String> = (0..self.nodes).map(|i| format!("n{i}")).collect();
        let mut o = Objects::default();
        for n in &names {
            o = o.node(n);
        }
        for (w, (replicas, offset)) in self.workloads.iter().enumerate() {
            // Every replica keeps a node free of its siblings to move to. Without one, an
            // unrelated budget can change which node the displaced replica lands on, and
            // so which later drain waits a minute for it: a real scheduling effect that
            // can shorten a rollout, kept out of this property.
            let replicas = (*replicas).min(self.nodes.saturating_sub(1).max(1));
            let placed: Vec<&str> = (0..replicas)
                .map(|r| names[(offset + r) % self.nodes].as_str())
                .collect();
            o = o.deployment(
                "ns",
                &format!("w{w}"),
                &placed,
                json!({"terminationGracePeriodSeconds": 0}),
            );
        }
        for (b, (target, spec)) in self.budgets.iter().take(with_budgets).enumerate() {
            if self.budgets[..b]
                .iter()
                .any(|(t, _)| t % self.workloads.len() == target % self.workloads.len())
            {
                // A second budget over the same pods makes the eviction API refuse them
                // outright: with --force-reboot that turns a hang into a reboot, a real
                // effect the forecast keeps, and not "adding protection".
                continue;
            }
            let mut spec = spec.clone();
            spec["selector"] = selector(&format!("w{}", target % self.workloads.len()));
            o = o.budget("ns", &format!("b{b}"), spec);
        }
        o
    }

    fn run(&self) -> Run {
        let mut run = Run::default().timeout(self.timeout);
        run.settings.concurrency = self.concurrency;
        run.settings.force_reboot = self.force;
        if self.daily_window {
            let days: Vec<String> = ["su", "mo", "tu", "we", "th", "fr", "sa"]
                .iter()
                .map(|d| d.to_string())
                .collect();
            run.settings.window =
                RebootWindow::parse(&days, "01:00", "04:00", "UTC").expect("window");
        }
        run
    }
}

fn random() -> impl Strategy<Value = Random> {
    let budget = prop_oneof![
        (0u32..3).prop_map(|n| json!({"minAvailable": n})),
        (0u32..2).prop_map(|n| json!({"maxUnavailable": n})),
        Just(json!({"minAvailable": "50%"})),
    ];
    (
        1usize..5,
        prop::collection::vec((1usize..4, 0usize..5), 1..5),
        prop::collection::vec((0usize..5, budget), 1..4),
        1u32..3,
        prop_oneof![Just(0i64), Just(30), Just(90)],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(nodes, workloads, budgets, concurrency, timeout, force, daily_window)| Random {
                nodes,
                workloads,
                budgets,
                concurrency,
                timeout,
                force,
                daily_window,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn a_cluster_without_budgets_always_completes(r in random()) {
        let f = r.run().go(&r.objects(0));
        prop_assert!(f.completes, "{:#?}", outcomes(&f));
        prop_assert!(f.nodes.iter().all(|n| n.outcome == Outcome::Reboots));
        prop_assert!(f.windows_needed.is_some());
    }

    #[test]
    fn a_budget_never_makes_a_rollout_shorter(r in random()) {
        let run = r.run();
        let mut before = run.go(&r.objects(0));
        for with in 1..=r.budgets.len() {
            let after = run.go(&r.objects(with));
            if after.completes {
                prop_assert!(before.completes, "adding budget {with} completed a rollout that did not");
                prop_assert!(
                    after.rollout_duration >= before.rollout_duration,
                    "budget {with} shortened the rollout from {} to {}",
                    before.rollout_duration,
                    after.rollout_duration
                );
            }
            before = after;
        }
    }
}
