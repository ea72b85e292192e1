//! The budgets a rollout drains against: which pods each selects and how many of them
//! must stay healthy, taken from the coverage report (the disruption controller's
//! arithmetic, in [`crate::pdb::coverage`]), with the healthy count kept live as pods are
//! evicted and come back.

use std::collections::BTreeMap;
use std::hash::Hasher;

use crate::base::text::{FxBuildHasher, FxHasher, Labels};
use crate::k8s::selector::Operator;
use crate::pdb::objects::{Inventory, PodDisruptionBudget, UnhealthyPodEvictionPolicy};
use crate::pdb::{LabelSelector, Report};

type HashMap<K, V> = std::collections::HashMap<K, V, FxBuildHasher>;

/// Above this many selector tests in one namespace, an index by label pair is built
/// first, so each budget tests only the pods carrying its rarest `matchLabels` pair.
/// Below it every pod is tested, behind a one-word filter (see [`Bloom`]).
const SCAN_LIMIT: usize = 1_000_000;

/// One budget during the rollout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    /// `namespace/name`.
    pub reference: String,
    /// `minAvailable 1` or `maxUnavailable 25%`, for reasons.
    pub limit: String,
    /// `status.expectedPods` at the start: the controller allows nothing while it is 0.
    pub expected: u64,
    /// Pods the selector matches: healthy never exceeds it.
    pub matched: u64,
    /// `status.desiredHealthy`.
    pub desired: u64,
    /// Matched pods that are Ready and not terminating, kept live.
    pub healthy: u64,
    /// `unhealthyPodEvictionPolicy: AlwaysAllow`.
    pub always_allow: bool,
    /// Listed in `exempt_budgets`: an operator resolves it during a drain, so evictions
    /// do not wait for it.
    pub exempt: bool,
}

impl Budget {
    /// `status.disruptionsAllowed` with the current healthy count.
    pub fn allowed(&self) -> u64 {
        if self.expected == 0 {
            0
        } else {
            self.healthy.saturating_sub(self.desired)
        }
    }

    /// Whether no eviction can ever be allowed: the controller expects no pod, or wants
    /// at least as many healthy as the budget has pods.
    pub fn never_allows(&self) -> bool {
        self.expected == 0 || self.desired >= self.matched
    }

    /// `minAvailable 1 with 1 of 1 pods healthy, so it allows 0 evictions`: the numbers
    /// that decide an eviction.
    pub fn state(&self) -> String {
        self.state_at(self.healthy)
    }

    /// [`Budget::state`] as it was when `healthy` pods were healthy.
    pub fn state_at(&self, healthy: u64) -> String {
        let allowed = if self.expected == 0 {
            0
        } else {
            healthy.saturating_sub(self.desired)
        };
        format!(
            "{} with {healthy} of {} pods healthy, so it allows {allowed} eviction{}",
            self.limit,
            self.expected,
            if allowed == 1 { "" } else { "s" }
        )
    }
}

/// Every budget and the pods each selects.
#[derive(Clone, Debug, Default)]
pub struct Budgets {
    /// In the coverage report's order (namespace, name).
    pub list: Vec<Budget>,
    /// For each pod, the range of `members` holding its budgets.
    offsets: Vec<u32>,
    members: Vec<u32>,
}

impl Budgets {
    /// Builds the budgets of `inventory`, whose coverage is `report`. `exempt` holds
    /// `namespace/name` keys.
    pub fn new(
        inventory: &Inventory,
        report: &Report,
        exempt: &BTreeMap<String, String>,
    ) -> Budgets {
        Budgets::build(inventory, report, exempt, SCAN_LIMIT)
    }

    fn build(
        inventory: &Inventory,
        report: &Report,
        exempt: &BTreeMap<String, String>,
        scan_limit: usize,
    ) -> Budgets {
        // The report sorts budgets stably by (namespace, name); so does this.
        let mut sorted: Vec<&PodDisruptionBudget> = inventory.budgets.iter().collect();
        sorted.sort_by(|a, b| {
            (a.meta.namespace.as_str(), a.meta.name.as_str())
                .cmp(&(b.meta.namespace.as_str(), b.meta.name.as_str()))
        });
        let list: Vec<Budget> = sorted
            .iter()
            .zip(&report.budgets)
            .map(|(b, r)| {
                let reference = format!("{}/{}", b.meta.namespace, b.meta.name);
                let limit = match (&r.min_available, &r.max_unavailable) {
                    (_, Some(max)) => format!("maxUnavailable {max}"),
                    (Some(min), None) => format!("minAvailable {min}"),
                    (None, None) => "no limit".to_string(),
                };
                Budget {
                    exempt: exempt.contains_key(&reference),
                    reference,
                    limit,
                    expected: r.expected_pods,
                    matched: r.matched_pods,
                    desired: r.desired_healthy,
                    healthy: r.healthy_pods,
                    always_allow: b.unhealthy_pod_eviction_policy
                        == UnhealthyPodEvictionPolicy::AlwaysAllow,
                }
            })
            .collect();

        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut by_namespace: HashMap<&str, Vec<u32>> = HashMap::default();
        for (i, pod) in inventory.pods.iter().enumerate() {
            by_namespace
                .entry(pod.meta.namespace.as_str())
                .or_default()
                .push(index(i));
        }
        let mut budgets_in: HashMap<&str, Vec<(u32, &LabelSelector)>> = HashMap::default();
        for (b, budget) in sorted.iter().enumerate() {
            if let Some(selector) = &budget.selector {
                budgets_in
                    .entry(budget.meta.namespace.as_str())
                    .or_default()
                    .push((index(b), selector));
            }
        }
        for (namespace, selectors) in budgets_in {
            let Some(pods) = by_namespace.get(namespace) else {
                continue;
            };
            if pods.len().saturating_mul(selectors.len()) <= scan_limit {
                let blooms: Vec<u64> = pods
                    .iter()
                    .map(|&p| Bloom::of_labels(&inventory.pods[p as usize].meta.labels))
                    .collect();
                for &(b, selector) in &selectors {
                    let needs = Bloom::of_selector(selector);
                    for (&p, &has) in pods.iter().zip(&blooms) {
                        if has & needs == needs
                            && selector.matches(&inventory.pods[p as usize].meta.labels)
                        {
                            pairs.push((p, b));
                        }
                    }
                }
            } else {
                let index = PairIndex::new(inventory, pods);
                for &(b, selector) in &selectors {
                    for p in index.candidates(selector).unwrap_or(pods) {
                        if selector.matches(&inventory.pods[*p as usize].meta.labels) {
                            pairs.push((*p, b));
                        }
                    }
                }
            }
        }
        pairs.sort_unstable();
        let mut offsets = Vec::with_capacity(inventory.pods.len() + 1);
        let mut members = Vec::with_capacity(pairs.len());
        let mut next = 0usize;
        for pod in 0..inventory.pods.len() {
            offsets.push(index(members.len()));
            while next < pairs.len() && pairs[next].0 as usize == pod {
                members.push(pairs[next].1);
                next += 1;
            }
        }
        offsets.push(index(members.len()));
        Budgets {
            list,
            offsets,
            members,
        }
    }

    /// The budgets that select `pod`, in report order.
    pub fn of_pod(&self, pod: u32) -> &[u32] {
        let (start, end) = self.range(pod);
        &self.members[start..end]
    }

    /// `pod` stops counting as healthy in each of its budgets.
    pub fn lose(&mut self, pod: u32) {
        let (start, end) = self.range(pod);
        for &b in &self.members[start..end] {
            let budget = &mut self.list[b as usize];
            budget.healthy = budget.healthy.saturating_sub(1);
        }
    }

    /// `pod` counts as healthy again in each of its budgets.
    pub fn regain(&mut self, pod: u32) {
        let (start, end) = self.range(pod);
        for &b in &self.members[start..end] {
            self.list[b as usize].healthy += 1;
        }
    }

    fn range(&self, pod: u32) -> (usize, usize) {
        let pod = pod as usize;
        match (self.offsets.get(pod), self.offsets.get(pod + 1)) {
            (Some(&a), Some(&b)) => (a as usize, b as usize),
            _ => (0, 0),
        }
    }

    /// The budgets of `pod` that evictions wait for (not exempt).
    pub fn gating(&self, pod: u32) -> impl Iterator<Item = u32> + '_ {
        self.of_pod(pod)
            .iter()
            .copied()
            .filter(|b| !self.list[*b as usize].exempt)
    }
}

/// A one-word summary of label pairs and keys: a pod can match a selector only if its
/// word holds every bit of the selector's, so most pods are ruled out without comparing a
/// string.
struct Bloom;

impl Bloom {
    fn bit(parts: &[&[u8]]) -> u64 {
        let mut h = FxHasher::default();
        for part in parts {
            h.write(part);
            h.write_u8(0xff);
        }
        // The multiply leaves its best-mixed bits at the top.
        1u64 << (h.finish() >> 58)
    }

    fn pair(key: &str, value: &str) -> u64 {
        Bloom::bit(&[key.as_bytes(), value.as_bytes()])
    }

    fn key(key: &str) -> u64 {
        Bloom::bit(&[key.as_bytes()])
    }

    fn of_labels(labels: &Labels) -> u64 {
        labels
            .iter()
            .fold(0, |acc, (k, v)| acc | Bloom::pair(k, v) | Bloom::key(k))
    }

    /// What a matching pod must carry: each `matchLabels` pair, and the key of each
    /// `In` or `Exists` expression.
    fn of_selector(selector: &LabelSelector) -> u64 {
        let pairs = selector
            .match_labels
            .iter()
            .fold(0, |acc, (k, v)| acc | Bloom::pair(k, v));
        selector
            .match_expressions
            .iter()
            .filter(|r| matches!(r.operator, Operator::In | Operator::Exists))
            .fold(pairs, |acc, r| acc | Bloom::key(&r.key))
    }
}

/// Pods of one namespace by label key and value, for namespaces too large to scan per
/// budget.
struct PairIndex<'a> {
    by_key: HashMap<&'a str, HashMap<&'a str, Vec<u32>>>,
}

impl<'a> PairIndex<'a> {
    fn new(inventory: &'a Inventory, pods: &[u32]) -> PairIndex<'a> {
        let mut by_key: HashMap<&str, HashMap<&str, Vec<u32>>> = HashMap::default();
        for &p in pods {
            for (k, v) in &inventory.pods[p as usize].meta.labels {
                by_key
                    .entry(k.as_str())
                    .or_default()
                    .entry(v.as_str())
                    .or_default()
                    .push(p);
            }
        }
        PairIndex { by_key }
    }

    /// The pods carrying the selector's rarest `matchLabels` pair; `None` when the
    /// selector has no `matchLabels` and every pod must be tested.
    fn candidates(&self, selector: &LabelSelector) -> Option<&[u32]> {
        selector
            .match_labels
            .iter()
            .map(|(k, v)| {
                self.by_key
                    .get(k.as_str())
                    .and_then(|values| values.get(v.as_str()))
                    .map_or(&[][..], Vec::as_slice)
            })
            .min_by_key(|list| list.len())
    }
}

fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdb::{Options, coverage};
    use serde_json::json;

    fn inventory(pods: usize) -> Inventory {
        let mut docs = vec![
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
                   "spec": {"replicas": pods, "template": {"metadata": {"labels": {"app": "web"}}}}}),
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web", "namespace": "shop"},
                   "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}}}),
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "all", "namespace": "shop"},
                   "spec": {"minAvailable": 1, "selector": {}}}),
        ];
        for i in 0..pods {
            docs.push(json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("web-{i}"), "namespace": "shop", "labels": {"app": "web"},
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "controller": true}]},
                "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}));
        }
        docs.push(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "other", "namespace": "ops"}}));
        Inventory::from_documents(docs).unwrap()
    }

    #[test]
    fn takes_the_controllers_numbers_and_maps_pods_to_budgets() {
        let inv = inventory(3);
        let report = coverage(&inv, &Options::default());
        let exempt = [("shop/all".to_string(), "operator".to_string())].into();
        let b = Budgets::new(&inv, &report, &exempt);
        let refs: Vec<&str> = b.list.iter().map(|x| x.reference.as_str()).collect();
        assert_eq!(refs, ["shop/all", "shop/web"]);
        let web = &b.list[1];
        assert_eq!(
            (web.expected, web.desired, web.healthy, web.allowed()),
            (3, 2, 3, 1)
        );
        assert_eq!(
            web.state(),
            "maxUnavailable 1 with 3 of 3 pods healthy, so it allows 1 eviction"
        );
        assert_eq!(b.of_pod(0), [0, 1]);
        assert_eq!(
            b.gating(0).collect::<Vec<_>>(),
            [1],
            "the exempt budget does not gate"
        );
        assert!(b.of_pod(3).is_empty(), "a pod in another namespace");
        assert!(b.of_pod(99).is_empty());
    }

    #[test]
    fn large_namespaces_use_the_index_and_agree_with_the_scan() {
        let inv = inventory(50);
        let report = coverage(&inv, &Options::default());
        let scanned = Budgets::new(&inv, &report, &BTreeMap::new());
        let indexed = Budgets::build(&inv, &report, &BTreeMap::new(), 0);
        for pod in 0..51 {
            assert_eq!(scanned.of_pod(pod), indexed.of_pod(pod), "pod {pod}");
        }
        assert_eq!(indexed.of_pod(49), [0, 1]);
    }
}
