//! Where an evicted replica can go: the scheduler's filters that decide a drain (cordon,
//! `nodeSelector` and required node affinity, taints, requests against allocatable,
//! required anti-affinity and `DoNotSchedule` spread on the hostname), and a choice among
//! the nodes that pass, after kube-scheduler's default scoring: first the node with the
//! fewest replicas of the same workload (its default topology spread), then the one with
//! the fewest pods (it favours the least allocated node, so replicas flow to freshly
//! rebooted, empty nodes), then the first by name.

use std::collections::BTreeSet;

use crate::base::text::Labels;
use crate::forecast::cluster::{
    Effect, Node, Resources, Scheduling, Toleration, UNSCHEDULABLE_TAINT, untolerated,
};

/// A pod as the scheduler sees it: where it lives and how it may be placed.
#[derive(Clone, Copy, Debug)]
pub struct PodRef<'a> {
    /// Its namespace.
    pub namespace: &'a str,
    /// Its labels.
    pub labels: &'a Labels,
    /// Its scheduling fields.
    pub scheduling: &'a Scheduling,
    /// Its controller, as a number unique per namespace, kind and name: the pod spreads
    /// away from the controller's other replicas.
    pub owner: Option<u32>,
}

/// One node's live state.
#[derive(Clone, Debug, Default)]
pub struct Slot {
    /// Cordoned (by kured, or before the rollout).
    pub cordoned: bool,
    /// Rebooting: not Ready, so nothing is scheduled there.
    pub down: bool,
    /// The pods bound to it (running, starting or terminating).
    pub pods: Vec<u32>,
    cpu: u64,
    memory: u64,
    /// How many of its pods carry anti-affinity terms: when none do and the incoming pod
    /// has none, the anti-affinity filter has nothing to look at.
    anti: u32,
    /// The node's allocatable CPU, memory and pods, copied here to keep the hot checks in
    /// one cache line.
    allocatable: Resources,
    /// Whether the node has a `NoSchedule` or `NoExecute` taint.
    tainted: bool,
}

/// What the filters need of a pod, kept compact for the common pod that sets no
/// scheduling constraint at all (`plain`).
#[derive(Clone, Copy, Debug, Default)]
struct Needs {
    cpu: Option<u64>,
    memory: Option<u64>,
    anti: bool,
    plain: bool,
}

/// Feasible nodes weighed for the fewest siblings, beyond the least loaded one, as
/// kube-scheduler scores a sample of the feasible nodes in large clusters rather than all.
const CANDIDATES: usize = 8;

/// Why one node cannot take a pod, as the scheduler's filters say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Misfit {
    Down,
    Cordoned,
    Selector,
    Taint,
    Cpu,
    Memory,
    Pods,
    AntiAffinity,
    Spread,
}

impl Misfit {
    fn describe(self) -> &'static str {
        match self {
            Misfit::Down => "rebooting",
            Misfit::Cordoned => "cordoned",
            Misfit::Selector => "outside its nodeSelector or node affinity",
            Misfit::Taint => "tainted with a taint it does not tolerate",
            Misfit::Cpu => "short of CPU for its request",
            Misfit::Memory => "short of memory for its request",
            Misfit::Pods => "full (allocatable pods)",
            Misfit::AntiAffinity => "running a pod its anti-affinity (or theirs) excludes",
            Misfit::Spread => "past maxSkew of its topology spread (DoNotSchedule)",
        }
    }
}

/// Every node and the pods on it.
pub struct Fleet<'a> {
    nodes: &'a [Node],
    pods: Vec<PodRef<'a>>,
    /// The node each pod is bound to.
    bound: Vec<Option<u32>>,
    /// Each bound pod's position in its node's `pods`.
    position: Vec<u32>,
    /// Whether each pod is terminating (spread counting leaves those out).
    terminating: Vec<bool>,
    needs: Vec<Needs>,
    slots: Vec<Slot>,
    /// Schedulable nodes by (pod count, index): the front is the least loaded.
    by_load: BTreeSet<(usize, u32)>,
}

impl<'a> Fleet<'a> {
    /// A fleet of `nodes`, all schedulable unless cordoned, with no pod bound yet.
    pub fn new(nodes: &'a [Node], pods: Vec<PodRef<'a>>) -> Fleet<'a> {
        let slots: Vec<Slot> = nodes
            .iter()
            .map(|n| Slot {
                cordoned: n.unschedulable,
                allocatable: n.allocatable,
                tainted: n
                    .taints
                    .iter()
                    .any(|t| t.effect != Effect::PreferNoSchedule),
                ..Slot::default()
            })
            .collect();
        let needs = pods
            .iter()
            .map(|p| {
                let s = p.scheduling;
                Needs {
                    cpu: s.requests.cpu_millis,
                    memory: s.requests.memory_bytes,
                    anti: !s.anti_affinity.is_empty(),
                    plain: s.node_selector.is_empty()
                        && s.affinity.is_empty()
                        && s.tolerations.is_empty()
                        && s.anti_affinity.is_empty()
                        && s.spread.is_empty(),
                }
            })
            .collect();
        let by_load = slots
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.cordoned)
            .map(|(i, _)| (0, index(i)))
            .collect();
        Fleet {
            nodes,
            bound: vec![None; pods.len()],
            position: vec![0; pods.len()],
            terminating: vec![false; pods.len()],
            needs,
            pods,
            slots,
            by_load,
        }
    }

    /// The node's state.
    pub fn slot(&self, node: u32) -> &Slot {
        &self.slots[node as usize]
    }

    /// The node a pod is bound to.
    pub fn node_of(&self, pod: u32) -> Option<u32> {
        self.bound[pod as usize]
    }

    fn schedulable(&self, node: u32) -> bool {
        let s = &self.slots[node as usize];
        !s.cordoned && !s.down
    }

    fn update<F: FnOnce(&mut Slot)>(&mut self, node: u32, change: F) {
        let before = (self.schedulable(node), self.slots[node as usize].pods.len());
        change(&mut self.slots[node as usize]);
        let after = (self.schedulable(node), self.slots[node as usize].pods.len());
        if before != after {
            if before.0 {
                self.by_load.remove(&(before.1, node));
            }
            if after.0 {
                self.by_load.insert((after.1, node));
            }
        }
    }

    /// Cordons or uncordons a node.
    pub fn set_cordoned(&mut self, node: u32, cordoned: bool) {
        self.update(node, |s| s.cordoned = cordoned);
    }

    /// Marks a node as rebooting or back.
    pub fn set_down(&mut self, node: u32, down: bool) {
        self.update(node, |s| s.down = down);
    }

    /// Binds a pod to a node.
    pub fn bind(&mut self, pod: u32, node: u32) {
        self.unbind(pod);
        let needs = self.needs[pod as usize];
        let anti = u32::from(needs.anti);
        self.bound[pod as usize] = Some(node);
        self.terminating[pod as usize] = false;
        self.position[pod as usize] = index(self.slots[node as usize].pods.len());
        self.update(node, |s| {
            s.pods.push(pod);
            s.cpu = s.cpu.saturating_add(needs.cpu.unwrap_or(0));
            s.memory = s.memory.saturating_add(needs.memory.unwrap_or(0));
            s.anti += anti;
        });
    }

    /// Removes a pod from its node.
    pub fn unbind(&mut self, pod: u32) {
        let Some(node) = self.bound[pod as usize].take() else {
            return;
        };
        let needs = self.needs[pod as usize];
        let anti = u32::from(needs.anti);
        let at = self.position[pod as usize] as usize;
        let moved = self.slots[node as usize].pods.last().copied();
        self.update(node, |s| {
            if at < s.pods.len() {
                s.pods.swap_remove(at);
            }
            s.cpu = s.cpu.saturating_sub(needs.cpu.unwrap_or(0));
            s.memory = s.memory.saturating_sub(needs.memory.unwrap_or(0));
            s.anti = s.anti.saturating_sub(anti);
        });
        if let Some(moved) = moved.filter(|m| *m != pod) {
            self.position[moved as usize] = index(at);
        }
    }

    /// Marks a bound pod as terminating.
    pub fn set_terminating(&mut self, pod: u32) {
        self.terminating[pod as usize] = true;
    }

    /// The node that takes the pod (fewest replicas of its workload among the
    /// [`CANDIDATES`] least loaded feasible nodes, then fewest pods), or why none can.
    pub fn place(&self, pod: u32) -> Result<u32, String> {
        let mut best: Option<(usize, u32)> = None;
        let mut weighed = 0;
        for &(_, node) in &self.by_load {
            if self.misfit(pod, node).is_some() {
                continue;
            }
            let siblings = self.siblings(pod, node);
            if siblings == 0 {
                return Ok(node);
            }
            if best.is_none_or(|(s, _)| siblings < s) {
                best = Some((siblings, node));
            }
            weighed += 1;
            if weighed >= CANDIDATES {
                break;
            }
        }
        best.map(|(_, node)| node)
            .ok_or_else(|| self.why_nowhere(pod))
    }

    fn siblings(&self, pod: u32, node: u32) -> usize {
        let p = self.pods[pod as usize];
        let Some(owner) = p.owner else {
            return 0;
        };
        self.slots[node as usize]
            .pods
            .iter()
            .filter(|&&q| {
                let o = self.pods[q as usize];
                q != pod && o.owner == Some(owner)
            })
            .count()
    }

    /// Whether the pod fits this one node.
    pub fn fits(&self, pod: u32, node: u32) -> bool {
        self.misfit(pod, node).is_none()
    }

    /// `0 of 5 nodes can take it: 1 cordoned, 4 past maxSkew ...`.
    fn why_nowhere(&self, pod: u32) -> String {
        let mut counts: Vec<(Misfit, usize)> = Vec::new();
        for node in 0..self.nodes.len() {
            if let Some(m) = self.misfit(pod, index(node)) {
                match counts.iter_mut().find(|(k, _)| *k == m) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((m, 1)),
                }
            }
        }
        counts.sort();
        let parts: Vec<String> = counts
            .iter()
            .map(|(m, n)| format!("{n} {}", m.describe()))
            .collect();
        format!(
            "0 of {} nodes can take it ({})",
            self.nodes.len(),
            parts.join(", ")
        )
    }

    fn misfit(&self, pod: u32, node: u32) -> Option<Misfit> {
        let needs = self.needs[pod as usize];
        let slot = &self.slots[node as usize];
        if slot.down {
            return Some(Misfit::Down);
        }
        let p = self.pods[pod as usize];
        let s = p.scheduling;
        if needs.plain {
            // No tolerations, selector or affinity to look at.
            if slot.cordoned {
                return Some(Misfit::Cordoned);
            }
            if slot.tainted {
                return Some(Misfit::Taint);
            }
        } else {
            let n = &self.nodes[node as usize];
            if slot.cordoned && !tolerates_cordon(&s.tolerations) {
                return Some(Misfit::Cordoned);
            }
            if !s.selects_node(n) {
                return Some(Misfit::Selector);
            }
            if slot.tainted && untolerated(&n.taints, &s.tolerations).is_some() {
                return Some(Misfit::Taint);
            }
        }
        let over = |used: u64, request: Option<u64>, capacity: Option<u64>| matches!((request, capacity), (Some(r), Some(c)) if used.saturating_add(r) > c);
        if over(slot.cpu, needs.cpu, slot.allocatable.cpu_millis) {
            return Some(Misfit::Cpu);
        }
        if over(slot.memory, needs.memory, slot.allocatable.memory_bytes) {
            return Some(Misfit::Memory);
        }
        if over(slot.pods.len() as u64, Some(1), slot.allocatable.pods) {
            return Some(Misfit::Pods);
        }
        if (slot.anti > 0 || needs.anti) && self.anti_affinity_blocks(p, slot) {
            return Some(Misfit::AntiAffinity);
        }
        if !needs.plain && !s.spread.is_empty() && self.spread_blocks(p, node) {
            return Some(Misfit::Spread);
        }
        None
    }

    fn anti_affinity_blocks(&self, p: PodRef<'_>, slot: &Slot) -> bool {
        slot.pods.iter().any(|&other| {
            let o = self.pods[other as usize];
            p.scheduling
                .anti_affinity
                .iter()
                .any(|t| t.selects(p.namespace, o.namespace, o.labels))
                || o.scheduling
                    .anti_affinity
                    .iter()
                    .any(|t| t.selects(o.namespace, p.namespace, p.labels))
        })
    }

    /// PodTopologySpread's filter on the hostname: nodes that pass the pod's node
    /// selection are the domains (cordoned ones included, as taints are ignored by
    /// default); placing here must not raise this domain more than maxSkew above the
    /// least populated one.
    fn spread_blocks(&self, p: PodRef<'_>, node: u32) -> bool {
        p.scheduling.spread.iter().any(|c| {
            let Some(selector) = &c.selector else {
                return false;
            };
            let count = |n: usize| {
                self.slots[n]
                    .pods
                    .iter()
                    .filter(|&&q| {
                        let o = self.pods[q as usize];
                        !self.terminating[q as usize]
                            && o.namespace == p.namespace
                            && selector.matches(o.labels)
                    })
                    .count()
            };
            let mut domains = 0u32;
            let mut least = usize::MAX;
            for (i, n) in self.nodes.iter().enumerate() {
                if p.scheduling.selects_node(n) {
                    domains += 1;
                    least = least.min(count(i));
                }
            }
            if c.min_domains.is_some_and(|m| domains < m) {
                least = 0;
            }
            let own = usize::from(selector.matches(p.labels));
            let here = count(node as usize) + own;
            here.saturating_sub(if least == usize::MAX { 0 } else { least }) > c.max_skew as usize
        })
    }
}

fn tolerates_cordon(tolerations: &[Toleration]) -> bool {
    let taint = crate::forecast::cluster::Taint {
        key: UNSCHEDULABLE_TAINT.to_string(),
        value: String::new(),
        effect: Effect::NoSchedule,
    };
    tolerations.iter().any(|t| t.tolerates(&taint))
}

fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::cluster::{AntiAffinity, Resources, Spread, TermNamespaces};
    use crate::k8s::selector::LabelSelector;

    fn web_selector() -> LabelSelector {
        LabelSelector {
            match_labels: [("app".to_string(), "web".to_string())].into(),
            ..LabelSelector::default()
        }
    }

    fn labels() -> Labels {
        [("app", "web")].into_iter().collect()
    }

    #[test]
    fn picks_the_least_loaded_schedulable_node() {
        let nodes = vec![Node::named("a"), Node::named("b"), Node::named("c")];
        let s = Scheduling::default();
        let l = labels();
        let pods: Vec<PodRef> = (0..4)
            .map(|_| PodRef {
                namespace: "shop",
                labels: &l,
                scheduling: &s,
                owner: None,
            })
            .collect();
        let mut fleet = Fleet::new(&nodes, pods);
        fleet.bind(0, 0);
        fleet.bind(1, 1);
        assert_eq!(fleet.place(2), Ok(2));
        fleet.set_cordoned(2, true);
        assert_eq!(fleet.place(2), Ok(0), "ties go to the first node");
        fleet.set_down(0, true);
        assert_eq!(fleet.place(2), Ok(1));
        fleet.set_cordoned(1, true);
        assert_eq!(
            fleet.place(2),
            Err("0 of 3 nodes can take it (1 rebooting, 2 cordoned)".to_string())
        );
    }

    #[test]
    fn replicas_spread_away_from_their_siblings_first() {
        let nodes = vec![Node::named("a"), Node::named("b")];
        let s = Scheduling::default();
        let l = labels();
        let web = PodRef {
            namespace: "shop",
            labels: &l,
            scheduling: &s,
            owner: Some(1),
        };
        let other = PodRef {
            owner: Some(2),
            ..web
        };
        let mut fleet = Fleet::new(&nodes, vec![web, web, other, other]);
        fleet.bind(0, 0);
        fleet.bind(2, 1);
        fleet.bind(3, 1);
        assert_eq!(fleet.place(1), Ok(1), "b has more pods but no web replica");
    }

    #[test]
    fn a_cordoned_domain_still_counts_for_spread() {
        // Two nodes, two replicas spread with maxSkew 1: with one node cordoned and its
        // replica gone, the other node cannot take a second replica.
        let nodes = vec![Node::named("a"), Node::named("b")];
        let s = Scheduling {
            spread: vec![Spread {
                max_skew: 1,
                selector: Some(web_selector()),
                min_domains: None,
            }],
            ..Scheduling::default()
        };
        let l = labels();
        let pods: Vec<PodRef> = (0..2)
            .map(|_| PodRef {
                namespace: "shop",
                labels: &l,
                scheduling: &s,
                owner: None,
            })
            .collect();
        let mut fleet = Fleet::new(&nodes, pods);
        fleet.bind(0, 0);
        fleet.bind(1, 1);
        fleet.set_cordoned(0, true);
        fleet.unbind(0);
        let why = fleet.place(0).unwrap_err();
        assert!(
            why.contains("1 cordoned") && why.contains("1 past maxSkew"),
            "{why}"
        );
        fleet.set_cordoned(0, false);
        assert_eq!(fleet.place(0), Ok(0));
    }

    #[test]
    fn anti_affinity_works_both_ways_and_requests_need_room() {
        let mut small = Node::named("small");
        small.allocatable = Resources {
            cpu_millis: Some(1000),
            memory_bytes: None,
            pods: Some(10),
        };
        let nodes = vec![small, Node::named("big")];
        let spread_out = Scheduling {
            anti_affinity: vec![AntiAffinity {
                selector: Some(web_selector()),
                namespaces: TermNamespaces::Own,
            }],
            ..Scheduling::default()
        };
        let plain = Scheduling {
            requests: Resources {
                cpu_millis: Some(600),
                memory_bytes: None,
                pods: None,
            },
            ..Scheduling::default()
        };
        let l = labels();
        let pods = vec![
            PodRef {
                namespace: "shop",
                labels: &l,
                scheduling: &spread_out,
                owner: None,
            },
            PodRef {
                namespace: "shop",
                labels: &l,
                scheduling: &plain,
                owner: None,
            },
            PodRef {
                namespace: "shop",
                labels: &l,
                scheduling: &plain,
                owner: None,
            },
        ];
        let mut fleet = Fleet::new(&nodes, pods);
        fleet.bind(0, 1);
        assert_eq!(
            fleet.place(1),
            Ok(0),
            "the anti-affine pod keeps web pods off big"
        );
        fleet.bind(1, 0);
        let why = fleet.place(2).unwrap_err();
        assert!(
            why.contains("short of CPU") && why.contains("anti-affinity"),
            "{why}"
        );
    }
}
