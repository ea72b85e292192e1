//! The reboot forecast: one complete kured rollout over a cluster, every node needing a
//! reboot, simulated the way kured's loop runs it; which nodes reboot, which never do and
//! why, and how long it takes.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`settings`] | kured's flags the rollout depends on, read from its container |
//! | [`label_query`] | label selectors written as text (`--drain-pod-selector`) |
//! | [`quantity`] | resource quantities (`500m`, `1Gi`) |
//! | [`cluster`] | nodes and the pods' scheduling, read in the same pass as the budget inventory |
//! | [`daemons`] | which nodes run kured and the gate |
//! | [`openings`] | the reboot window as a timeline |
//! | [`budgets`] | the budgets, with the disruption controller's numbers kept live |
//! | [`schedule`] | where an evicted replica can go |
//! | [`drain`] | one drain against the budgets |
//! | [`simulate`] | the rollout: lock, window, periods, drains, reboots |
//! | [`outcome`] | what happens to each node, and why in one sentence |
//! | [`alert`] | the backlog alert derived from the window and the rollout |
//!
//! [`forecast`] ties them together; the facts the model follows are in
//! `docs/guides/reboot-forecast.md`.

pub mod alert;
pub mod budgets;
pub mod cluster;
pub mod daemons;
pub mod drain;
pub mod kured_daemon;
pub mod label_query;
pub mod openings;
pub mod outcome;
pub mod quantity;
pub mod schedule;
pub mod settings;
pub mod simulate;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use crate::base::duration::GoDuration;
use crate::base::text::FxBuildHasher;
use crate::pdb::BudgetFinding;
use crate::pdb::coverage::Report;
use crate::pdb::{Options, coverage};

type HashMap<K, V> = std::collections::HashMap<K, V, FxBuildHasher>;
type HashSet<K> = std::collections::HashSet<K, FxBuildHasher>;

pub use cluster::{ClusterObjects, Node};
pub use outcome::{NodeForecast, Outcome};
pub use settings::{Settings, read_settings};

/// What to forecast.
pub struct Request<'a> {
    /// The cluster's objects.
    pub objects: &'a ClusterObjects,
    /// The nodes of the rollout (see [`rollout_nodes`]).
    pub nodes: &'a [Node],
    /// kured's settings.
    pub settings: &'a Settings,
    /// Nodes kured never acts on: `no-kured` or `ungated`, and why.
    pub ineligible: &'a BTreeMap<String, (Outcome, String)>,
    /// Budgets an operator resolves during a drain, `namespace/name` to the reason.
    pub exempt: &'a BTreeMap<String, String>,
    /// From the reboot command until the node is Ready.
    pub node_reboot: GoDuration,
    /// From a replica's creation until it is Ready.
    pub pod_ready: GoDuration,
    /// The namespace the PrometheusRule goes to (kured's).
    pub namespace: &'a str,
    /// Whether to keep the step log.
    pub trace: bool,
}

/// The forecast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forecast {
    /// One entry per node, sorted by name.
    pub nodes: Vec<NodeForecast>,
    /// Nodes whose outcome is neither `reboots` nor `forced`.
    pub nodes_never_rebooting: Vec<String>,
    /// Whether every node reboots.
    pub completes: bool,
    /// How many reboot windows the rollout takes, when it completes.
    pub windows_needed: Option<u32>,
    /// Working time: the window open, or a node draining or rebooting.
    pub rollout_duration: GoDuration,
    /// `for:` of the backlog alert.
    pub backlog_alert_after: GoDuration,
    /// The PrometheusRule, YAML.
    pub backlog_alert: String,
    /// Workloads without pods, whose node is unknown, and what that means.
    pub unplaced: Vec<String>,
    /// Nodes pods run on that are not in the rollout.
    pub unknown_nodes: Vec<String>,
    /// `exempt_budgets` keys that name no budget.
    pub unknown_exempt: Vec<String>,
    /// The simulation step by step, when asked for.
    pub steps: Vec<String>,
    /// Why the simulation stopped early, if it did.
    pub stopped_early: Option<String>,
}

/// Runs the forecast.
pub fn forecast(request: &Request<'_>) -> Forecast {
    let inventory = &request.objects.inventory;
    let report = coverage(inventory, &Options::default());
    let budgets = budgets::Budgets::new(inventory, &report, request.exempt);
    let known: BTreeSet<&str> = budgets.list.iter().map(|b| b.reference.as_str()).collect();
    let unknown_exempt = request
        .exempt
        .keys()
        .filter(|k| !known.contains(k.as_str()))
        .cloned()
        .collect();
    let input = simulate::Input {
        objects: request.objects,
        nodes: request.nodes,
        settings: request.settings,
        ineligible: request.ineligible,
        budgets,
        node_reboot: request.node_reboot,
        pod_ready: request.pod_ready,
        trace: request.trace,
    };
    let rollout = simulate::simulate(&input);
    let nodes_never_rebooting: Vec<String> = rollout
        .nodes
        .iter()
        .filter(|n| !n.outcome.rebooted())
        .map(|n| n.name.clone())
        .collect();
    let openings = openings::Openings::new(&request.settings.window);
    let derivation = alert::Derivation {
        window: request.settings.window.summary(),
        longest_gap: GoDuration::from_nanos(openings.longest_gap()),
        rollout: rollout.elapsed,
        period: request.settings.period,
        never_rebooting: nodes_never_rebooting.len(),
    };
    Forecast {
        backlog_alert_after: alert::backlog_alert_after(&derivation),
        backlog_alert: alert::backlog_alert(&derivation, request.namespace),
        nodes_never_rebooting,
        completes: rollout.completes,
        windows_needed: rollout.windows_needed,
        rollout_duration: rollout.working_time,
        unplaced: unplaced(request.objects, &report),
        unknown_nodes: rollout.unknown_nodes.into_iter().collect(),
        unknown_exempt,
        steps: rollout.steps,
        stopped_early: rollout.stopped_early,
        nodes: rollout.nodes,
    }
}

/// Why the rollout's nodes cannot be known.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NodesError {
    /// Node names were given although the objects hold Node objects.
    #[error(
        "the objects hold {count} Node object(s), so node_names is not needed: leave it out, or leave the Node objects out"
    )]
    Both {
        /// How many Node objects there are.
        count: usize,
    },
    /// A node name is given twice, or is not a valid name.
    #[error("{0:?} is not a node name, or is given twice")]
    BadName(String),
    /// Nothing says which nodes exist.
    #[error(
        "no node is known: the objects hold no Node objects and no pod with spec.nodeName; list the nodes in node_names"
    )]
    None,
}

/// The nodes of the rollout: the Node objects when there are any; otherwise the names
/// given (Linux nodes with the well-known labels, no taints); otherwise every node a
/// pod's `spec.nodeName` names.
pub fn rollout_nodes(
    objects: &ClusterObjects,
    names: Option<&[String]>,
) -> Result<Vec<Node>, NodesError> {
    match (objects.nodes.is_empty(), names) {
        (false, Some(_)) => Err(NodesError::Both {
            count: objects.nodes.len(),
        }),
        (false, None) => Ok(objects.nodes.clone()),
        (true, Some(names)) => {
            let mut seen = BTreeSet::new();
            names
                .iter()
                .map(|n| {
                    if n.is_empty() || n.len() > 253 || !seen.insert(n.as_str()) {
                        Err(NodesError::BadName(n.clone()))
                    } else {
                        Ok(Node::named(n))
                    }
                })
                .collect()
        }
        (true, None) => {
            let found: BTreeSet<&str> = objects
                .scheduling
                .iter()
                .filter_map(|s| s.node_name.as_deref())
                .collect();
            if found.is_empty() {
                return Err(NodesError::None);
            }
            Ok(found.into_iter().map(Node::named).collect())
        }
    }
}

/// Workloads with replicas but no pod in the objects: their node is unknown. Each line
/// says what that means for the forecast.
fn unplaced(objects: &ClusterObjects, report: &Report) -> Vec<String> {
    let inventory = &objects.inventory;
    let mut owners: HashSet<(&str, &str, &str)> = HashSet::default();
    let rs_owner: HashMap<(&str, &str), (&str, &str)> = inventory
        .replica_sets
        .iter()
        .filter_map(|rs| {
            rs.meta.controller.as_ref().map(|c| {
                (
                    (rs.meta.namespace.as_str(), rs.meta.name.as_str()),
                    (c.kind.as_str(), c.name.as_str()),
                )
            })
        })
        .collect();
    for pod in &inventory.pods {
        let Some(c) = &pod.meta.controller else {
            continue;
        };
        let ns = pod.meta.namespace.as_str();
        owners.insert((c.kind.as_str(), ns, c.name.as_str()));
        if let Some((kind, name)) = rs_owner.get(&(ns, c.name.as_str())) {
            owners.insert((kind, ns, name));
        }
    }
    let blocking: BTreeSet<(&str, &str)> = report
        .budgets
        .iter()
        .filter(|b| b.findings.contains(&BudgetFinding::DrainDeadlock))
        .map(|b| (b.namespace.as_str(), b.name.as_str()))
        .collect();
    let budgets_of = |ns: &str, labels: &crate::base::text::Labels| -> Vec<String> {
        inventory
            .budgets
            .iter()
            .filter(|b| b.meta.namespace == ns && b.selector.as_ref().is_some_and(|s| s.matches(labels)))
            .map(|b| {
                let reference = format!("{}/{}", b.meta.namespace, b.meta.name);
                if blocking.contains(&(b.meta.namespace.as_str(), b.meta.name.as_str())) {
                    format!("{reference}, which allows no eviction even at full strength, so whichever node runs it never finishes a drain")
                } else {
                    reference
                }
            })
            .collect()
    };
    let mut out = Vec::new();
    let workloads = inventory
        .deployments
        .iter()
        .map(|d| ("Deployment", &d.meta, d.replicas, &d.template_labels))
        .chain(
            inventory
                .stateful_sets
                .iter()
                .map(|s| ("StatefulSet", &s.meta, s.replicas, &s.template_labels)),
        )
        .chain(
            inventory
                .replica_sets
                .iter()
                .filter(|r| r.meta.controller.is_none())
                .map(|r| ("ReplicaSet", &r.meta, r.replicas, &r.template_labels)),
        )
        .chain(inventory.replication_controllers.iter().map(|r| {
            (
                "ReplicationController",
                &r.meta,
                r.replicas,
                &r.template_labels,
            )
        }));
    for (kind, meta, replicas, labels) in workloads {
        let key = (kind, meta.namespace.as_str(), meta.name.as_str());
        if replicas == 0 || owners.contains(&key) {
            continue;
        }
        let mut line = format!(
            "{kind} {}/{} ({replicas} replica{}) has no pod, so the nodes it runs on are unknown and the forecast leaves it out",
            meta.namespace,
            meta.name,
            if replicas == 1 { "" } else { "s" }
        );
        let budgets = budgets_of(&meta.namespace, labels);
        if !budgets.is_empty() {
            line.push_str(&format!(
                "; its pods fall under budget {}",
                budgets.join(" and budget ")
            ));
        }
        out.push(line);
    }
    out.sort();
    out
}
