//! One drain against the budgets, as kured's drain helper (kubectl's `pkg/drain`, with
//! `IgnoreAllDaemonSets`, `Force`, `DeleteEmptyDirData`) and the eviction API run it.
//!
//! - Which pods a drain touches ([`Drainable`]): not DaemonSet pods, not mirror pods, only
//!   those `--drain-pod-selector` matches.
//! - What the eviction API answers for one pod ([`verdict`]): pods that are pending,
//!   finished or terminating go without a budget; a pod under several budgets is refused
//!   outright (HTTP 500, the drain fails, no retry); under one budget, a Ready pod goes
//!   when the budget allows a disruption, an unready one also when the budget is intact
//!   or its policy is `AlwaysAllow`; otherwise HTTP 429, retried until the drain timeout.

use crate::forecast::budgets::Budgets;

/// What the eviction API answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Evicted; `spends` is the budget whose allowance the eviction uses, if any.
    Evict {
        /// The budget that loses a healthy pod.
        spends: Option<u32>,
    },
    /// 429: this budget allows no disruption now; kubectl retries until the timeout.
    Refused(u32),
    /// 500: the pod is under all these budgets; the eviction fails for good.
    SeveralBudgets(Vec<u32>),
}

/// Asks the eviction API about one pod. `bypass` is a pod the API deletes without looking
/// at budgets (pending, succeeded, failed or already terminating).
pub fn verdict(budgets: &Budgets, pod: u32, ready: bool, bypass: bool) -> Verdict {
    if bypass {
        return Verdict::Evict { spends: None };
    }
    let mut gating = budgets.gating(pod);
    let Some(b) = gating.next() else {
        return Verdict::Evict { spends: None };
    };
    if gating.next().is_some() {
        return Verdict::SeveralBudgets(budgets.gating(pod).collect());
    }
    let budget = &budgets.list[b as usize];
    if !ready && (budget.always_allow || (budget.healthy >= budget.desired && budget.desired > 0)) {
        // An unready pod does not count as healthy: evicting it spends nothing.
        return Verdict::Evict { spends: None };
    }
    if budget.allowed() > 0 {
        Verdict::Evict {
            spends: ready.then_some(b),
        }
    } else {
        Verdict::Refused(b)
    }
}

/// Which pods of a node a drain evicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drainable {
    /// Evicted (and, unless unmanaged, recreated by its controller elsewhere).
    Yes,
    /// A DaemonSet's pod: left alone (`IgnoreAllDaemonSets`).
    DaemonSet,
    /// A static pod's mirror: the API cannot delete it; the drain skips it.
    Mirror,
    /// Outside `--drain-pod-selector`: left alone, and killed by the reboot.
    NotSelected,
}

/// A drain in progress.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Drain {
    /// When kured cordoned the node and started evicting.
    pub started: i64,
    /// When `--drain-timeout` ends it; `None` waits for ever.
    pub deadline: Option<i64>,
    /// Pods whose eviction a budget refuses for now.
    pub waiting: Vec<u32>,
    /// Pods the API refuses for good (several budgets).
    pub several: Vec<u32>,
    /// Evicted pods not gone yet: the drain waits for their deletion.
    pub terminating: usize,
    /// Pods evicted so far.
    pub evicted: usize,
}

impl Drain {
    /// Whether every eviction has been answered and every evicted pod is gone.
    pub fn settled(&self) -> bool {
        self.waiting.is_empty() && self.terminating == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdb::objects::Inventory;
    use crate::pdb::{Options, coverage};
    use serde_json::{Value as Json, json};
    use std::collections::BTreeMap;

    fn budgets(spec: Json, more: Option<Json>, replicas: usize, ready: bool) -> Budgets {
        let mut docs = vec![
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "a"},
                   "spec": {"replicas": replicas, "template": {"metadata": {"labels": {"app": "db"}}}}}),
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "db", "namespace": "a"},
                   "spec": spec}),
        ];
        if let Some(more) = more {
            docs.push(json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "more", "namespace": "a"},
                   "spec": more}));
        }
        for i in 0..replicas {
            let status = if ready && i == 0 || i > 0 {
                "True"
            } else {
                "False"
            };
            docs.push(json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("db-{i}"), "namespace": "a", "labels": {"app": "db"},
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "controller": true}]},
                "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": status}]}}));
        }
        let inv = Inventory::from_documents(docs).unwrap();
        let report = coverage(&inv, &Options::default());
        Budgets::new(&inv, &report, &BTreeMap::new())
    }

    fn sel() -> Json {
        json!({"matchLabels": {"app": "db"}})
    }

    #[test]
    fn a_single_replica_under_min_available_1_is_refused() {
        let b = budgets(json!({"minAvailable": 1, "selector": sel()}), None, 1, true);
        assert_eq!(verdict(&b, 0, true, false), Verdict::Refused(0));
        assert_eq!(
            verdict(&b, 0, true, true),
            Verdict::Evict { spends: None },
            "a pending pod bypasses"
        );
    }

    #[test]
    fn an_allowance_is_spent_by_ready_pods_only() {
        let b = budgets(
            json!({"maxUnavailable": 1, "selector": sel()}),
            None,
            3,
            true,
        );
        assert_eq!(
            verdict(&b, 1, true, false),
            Verdict::Evict { spends: Some(0) }
        );
    }

    #[test]
    fn unready_pods_go_while_the_budget_is_intact_or_always_allowed() {
        // db-0 unready: 2 healthy of 3, minAvailable 2 is intact.
        let b = budgets(
            json!({"minAvailable": 2, "selector": sel()}),
            None,
            3,
            false,
        );
        assert_eq!(
            verdict(&b, 0, false, false),
            Verdict::Evict { spends: None }
        );
        // minAvailable 3 is not intact: the unready pod waits...
        let b = budgets(
            json!({"minAvailable": 3, "selector": sel()}),
            None,
            3,
            false,
        );
        assert_eq!(verdict(&b, 0, false, false), Verdict::Refused(0));
        // ... unless the policy says AlwaysAllow.
        let b = budgets(
            json!({"minAvailable": 3, "selector": sel(), "unhealthyPodEvictionPolicy": "AlwaysAllow"}),
            None,
            3,
            false,
        );
        assert_eq!(
            verdict(&b, 0, false, false),
            Verdict::Evict { spends: None }
        );
    }

    #[test]
    fn a_pod_under_two_budgets_is_refused_for_good() {
        let b = budgets(
            json!({"maxUnavailable": 1, "selector": sel()}),
            Some(json!({"maxUnavailable": 1, "selector": sel()})),
            3,
            true,
        );
        assert_eq!(
            verdict(&b, 0, true, false),
            Verdict::SeveralBudgets(vec![0, 1])
        );
    }
}
