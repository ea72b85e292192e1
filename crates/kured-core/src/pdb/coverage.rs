//! What each PodDisruptionBudget allows, computed as the disruption controller computes
//! it, and which budgets make a node drain (and so a kured reboot) wait forever.
//!
//! Pods are matched to budgets through an inverted index (namespace → label → pods), so
//! the cost follows the number of pods each budget selects rather than pods × budgets.
//! Identical pods are never needed one by one: a *group* stands for one real pod, or for
//! all the replicas of a workload when the inventory has no pods and they are synthesized.

use std::collections::{BTreeSet, HashSet};

use super::finding::BudgetFinding;
use super::objects::{
    IntOrPercent, Inventory, Labels, ObjectMeta, OwnerRef, PodDisruptionBudget, Text,
    UnhealthyPodEvictionPolicy,
};
use crate::base::text::FxBuildHasher;
use crate::k8s::selector::{LabelSelector, Operator};

// Every key here is an interned id or a short name; SipHash's resistance to chosen
// collisions costs more than the index lookups themselves at 100k pods.
type HashMap<K, V> = std::collections::HashMap<K, V, FxBuildHasher>;

/// What to look at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Only these namespaces; `None` for all.
    pub namespaces: Option<Vec<String>>,
}

/// One budget's numbers, as the disruption controller would write them to its status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BudgetReport {
    /// The budget's namespace.
    pub namespace: String,
    /// The budget's name.
    pub name: String,
    /// The selector as kubectl prints it; `None` when absent (it matches nothing).
    pub selector: Option<String>,
    /// `spec.minAvailable` as written (`1`, `50%`).
    pub min_available: Option<String>,
    /// `spec.maxUnavailable` as written.
    pub max_unavailable: Option<String>,
    /// Pods the selector matches.
    pub matched_pods: u64,
    /// `status.expectedPods`.
    pub expected_pods: u64,
    /// `status.currentHealthy`: matched pods that are Ready and not terminating.
    pub healthy_pods: u64,
    /// `status.desiredHealthy`.
    pub desired_healthy: u64,
    /// `status.disruptionsAllowed`.
    pub disruptions_allowed: u64,
    /// A drain of a node running one of these pods cannot finish: `drain-deadlock` or
    /// `multiple-budgets`.
    pub blocks_drain: bool,
    /// Findings, in the order of [`BudgetFinding::ALL`].
    pub findings: Vec<BudgetFinding>,
    /// Why the budget is exempted from checks, when it is (see [`super::exempt`]).
    pub exempt: Option<String>,
    /// Controllers of matched pods that the inventory does not contain (`Kind ns/name`).
    /// Their scale is estimated as the number of their matched pods; the real controller
    /// would use the object's scale, or fail and allow nothing.
    pub unresolved_controllers: Vec<String>,
}

/// Coverage of every budget in the selected namespaces, ordered by (namespace, name).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// One entry per budget.
    pub budgets: Vec<BudgetReport>,
    /// `ns/name` of the budgets with `blocks_drain`, less the exempted ones once
    /// [`super::exempt::Exemptions::apply`] has run.
    pub drain_blockers: Vec<String>,
    /// `ns/name` of the budgets that match no pod.
    pub orphaned_budgets: Vec<String>,
    /// `ns/pod: budget1, budget2` for each pod under more than one budget; without pods,
    /// `ns/workload (Kind, N pods): budget1, budget2` for each workload standing for them.
    pub multiply_covered_pods: Vec<String>,
    /// `Deployment ns/name` / `StatefulSet ns/name` with at least 2 replicas whose pods no
    /// budget matches.
    pub unprotected_workloads: Vec<String>,
}

/// Maps one namespace's label strings to small integers so labels compare as integers.
/// A selector only looks at its own namespace, so ids are per namespace: the table stays
/// the size of one namespace (and in cache) however large the cluster is.
struct Interner<'a> {
    ids: HashMap<&'a str, u32>,
}

impl<'a> Interner<'a> {
    fn with_capacity(capacity: usize) -> Interner<'a> {
        Interner {
            ids: HashMap::with_capacity_and_hasher(capacity, FxBuildHasher::default()),
        }
    }

    fn intern(&mut self, s: &'a str) -> u32 {
        let next = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        *self.ids.entry(s).or_insert(next)
    }

    /// The strings seen since the last call, sorted, with their ids; the table is left
    /// empty (with its capacity) for the next namespace.
    fn take_sorted(&mut self) -> Box<[(&'a str, u32)]> {
        let mut strings: Box<[(&'a str, u32)]> = self.ids.drain().collect();
        strings.sort_unstable_by_key(|(s, _)| *s);
        strings
    }
}

/// Which controller a pod's scale comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ctrl {
    /// No controller reference: the disruption controller leaves such pods out of the scale.
    None,
    /// An index into the controller table.
    Known(u32),
    /// An index into the table of controllers the inventory does not hold.
    Unresolved(u32),
}

/// One real pod, or all synthesized replicas of one workload.
struct Group<'a> {
    namespace: &'a str,
    /// Pod name, or a description of the synthesized replicas.
    name: Text,
    /// The labels as the object carries them; `labels` holds them as ids once the
    /// namespace is indexed.
    source: &'a Labels,
    /// This group's `(key, value)` ids in `World::labels`, sorted by key: `start..end`.
    labels: (u32, u32),
    /// The namespace's position in order of first appearance, while the world is built.
    slot: u32,
    count: u64,
    ready: u64,
    /// Eviction skips budgets for this pod (pending, finished or terminating).
    bypass: bool,
    ctrl: Ctrl,
}

/// A group's label ids, sorted by key.
struct GroupLabels<'w>(&'w [(u32, u32)]);

impl GroupLabels<'_> {
    fn get(&self, key: u32) -> Option<u32> {
        self.0
            .binary_search_by_key(&key, |(k, _)| *k)
            .ok()
            .map(|i| self.0[i].1)
    }
}

/// The inverted index of one namespace, built once all its groups are known: sorted
/// arrays of exactly the size needed, searched by bisection, whose posting lists are
/// slices of `World::postings`. A namespace's index is a few contiguous allocations.
struct NsIndex<'a> {
    /// The namespace's label keys and values, sorted, with their ids.
    strings: Box<[(&'a str, u32)]>,
    /// The namespace's groups, which are contiguous: `start..end`.
    groups: (u32, u32),
    /// `(key, value, end)`, sorted: the groups with that label are the ascending ids
    /// `postings[previous end..end]` (the first starts at `first`).
    pairs: Box<[(u32, u32, u32)]>,
    /// `(key, start, end)`, sorted: the groups with that key, whatever the value, are
    /// `postings[start..end]`, ascending per value.
    keys: Box<[(u32, u32, u32)]>,
    /// Where this namespace's postings start.
    first: u32,
}

impl NsIndex<'_> {
    fn id(&self, s: &str) -> Option<u32> {
        self.strings
            .binary_search_by(|(t, _)| (*t).cmp(s))
            .ok()
            .map(|i| self.strings[i].1)
    }

    /// The `postings` range of the groups labelled `key=value`.
    fn pair(&self, key: u32, value: u32) -> (usize, usize) {
        match self
            .pairs
            .binary_search_by(|(k, v, _)| (*k, *v).cmp(&(key, value)))
        {
            Ok(i) => {
                let start = if i == 0 {
                    self.first
                } else {
                    self.pairs[i - 1].2
                };
                (start as usize, self.pairs[i].2 as usize)
            }
            Err(_) => (0, 0),
        }
    }

    /// The `postings` range of the groups with `key`, in no overall order.
    fn key(&self, key: u32) -> (usize, usize) {
        match self.keys.binary_search_by_key(&key, |(k, _, _)| *k) {
            Ok(i) => (self.keys[i].1 as usize, self.keys[i].2 as usize),
            Err(_) => (0, 0),
        }
    }
}

/// A selector expression with its strings replaced by interned ids; a key or value that
/// was never interned occurs on no pod.
struct Compiled {
    key: Option<u32>,
    operator: Operator,
    values: Vec<u32>,
}

impl Compiled {
    fn matches(&self, labels: &GroupLabels<'_>) -> bool {
        let value = self.key.and_then(|k| labels.get(k));
        match self.operator {
            Operator::In => value.is_some_and(|v| self.values.contains(&v)),
            Operator::NotIn => value.is_none_or(|v| !self.values.contains(&v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
        }
    }
}

struct Controller {
    scale: u64,
}

type Key<'a> = (&'a str, &'a str);

fn key_of(meta: &ObjectMeta) -> Key<'_> {
    (meta.namespace.as_str(), meta.name.as_str())
}

/// The four controller kinds with their table indices, looked up by (namespace, name).
struct Controllers<'a> {
    table: Vec<Controller>,
    deployments: HashMap<Key<'a>, (u32, &'a ObjectMeta)>,
    stateful_sets: HashMap<Key<'a>, (u32, &'a ObjectMeta)>,
    replica_sets: HashMap<Key<'a>, (u32, &'a ObjectMeta)>,
    replication_controllers: HashMap<Key<'a>, (u32, &'a ObjectMeta)>,
}

fn uid_matches(reference: &OwnerRef, meta: &ObjectMeta) -> bool {
    // Manifests often carry no uids; compare only when both sides have one, as a stale
    // reference to a deleted-and-recreated object is what the uid check guards against.
    match (&reference.uid, &meta.uid) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

fn in_apps_group(reference: &OwnerRef) -> bool {
    matches!(reference.group(), "apps" | "extensions")
}

impl<'a> Controllers<'a> {
    fn new(inventory: &'a Inventory) -> Controllers<'a> {
        let mut table = Vec::new();
        let mut add = |meta: &'a ObjectMeta, replicas: u32, map: &mut HashMap<Key<'a>, _>| {
            let id = u32::try_from(table.len()).unwrap_or(u32::MAX);
            table.push(Controller {
                scale: u64::from(replicas),
            });
            // The first of duplicate names wins, as one name can hold one object.
            map.entry(key_of(meta)).or_insert((id, meta));
        };
        let mut deployments = HashMap::default();
        for d in &inventory.deployments {
            add(&d.meta, d.replicas, &mut deployments);
        }
        let mut stateful_sets = HashMap::default();
        for s in &inventory.stateful_sets {
            add(&s.meta, s.replicas, &mut stateful_sets);
        }
        let mut replica_sets = HashMap::default();
        for r in &inventory.replica_sets {
            add(&r.meta, r.replicas, &mut replica_sets);
        }
        let mut replication_controllers = HashMap::default();
        for r in &inventory.replication_controllers {
            add(&r.meta, r.replicas, &mut replication_controllers);
        }
        Controllers {
            table,
            deployments,
            stateful_sets,
            replica_sets,
            replication_controllers,
        }
    }

    /// The Deployment a ReplicaSet belongs to, if the inventory has it.
    fn deployment_of(&self, rs: &ObjectMeta) -> Option<u32> {
        let owner = rs.controller.as_ref()?;
        if owner.kind != "Deployment" || !in_apps_group(owner) {
            return None;
        }
        let (id, meta) = self
            .deployments
            .get(&(rs.namespace.as_str(), owner.name.as_str()))?;
        uid_matches(owner, meta).then_some(*id)
    }

    /// The disruption controller's finders, in effect: ReplicationController; ReplicaSet
    /// → its Deployment; a ReplicaSet without one (its scale subresource); StatefulSet.
    fn resolve(&self, namespace: &str, owner: &OwnerRef) -> Option<u32> {
        let key = (namespace, owner.name.as_str());
        let found = |map: &HashMap<Key<'a>, (u32, &'a ObjectMeta)>| {
            map.get(&key)
                .filter(|(_, meta)| uid_matches(owner, meta))
                .map(|(id, meta)| (*id, *meta))
        };
        match (owner.kind.as_str(), owner.group()) {
            ("ReplicationController", "") => found(&self.replication_controllers).map(|(id, _)| id),
            ("ReplicaSet", _) if in_apps_group(owner) => {
                let (rs_id, rs) = found(&self.replica_sets)?;
                Some(self.deployment_of(rs).unwrap_or(rs_id))
            }
            ("StatefulSet", "apps") => found(&self.stateful_sets).map(|(id, _)| id),
            _ => None,
        }
    }
}

/// A workload standing in for its pods: metadata, kind, replicas, template labels and
/// its index in the controller table.
type Synthesized<'a> = (&'a ObjectMeta, &'static str, u32, &'a Labels, Option<u32>);

struct World<'a> {
    /// In namespace order once built, so each namespace's groups are contiguous.
    groups: Vec<Group<'a>>,
    /// Every group's label ids, a namespace's together.
    labels: Vec<(u32, u32)>,
    /// Every posting list, a namespace's together.
    postings: Vec<u32>,
    namespaces: HashMap<&'a str, NsIndex<'a>>,
    controllers: Controllers<'a>,
    unresolved: Vec<String>,
}

fn namespace_filter(options: &Options) -> Option<HashSet<&str>> {
    options
        .namespaces
        .as_ref()
        .map(|list| list.iter().map(String::as_str).collect())
}

impl<'a> World<'a> {
    fn build(inventory: &'a Inventory, wanted: &Option<HashSet<&str>>) -> World<'a> {
        let included = |ns: &str| wanted.as_ref().is_none_or(|set| set.contains(ns));
        let mut world = World {
            groups: Vec::new(),
            labels: Vec::new(),
            postings: Vec::new(),
            namespaces: HashMap::default(),
            controllers: Controllers::new(inventory),
            unresolved: Vec::new(),
        };
        let mut unresolved_ids: HashMap<String, u32> = HashMap::default();

        if inventory.pods.is_empty() {
            world.synthesize(inventory, &included);
        } else {
            for pod in inventory
                .pods
                .iter()
                .filter(|p| included(&p.meta.namespace))
            {
                let ctrl = match &pod.meta.controller {
                    None => Ctrl::None,
                    Some(owner) => match world.controllers.resolve(&pod.meta.namespace, owner) {
                        Some(id) => Ctrl::Known(id),
                        None => {
                            let label =
                                format!("{} {}/{}", owner.kind, pod.meta.namespace, owner.name);
                            let next = u32::try_from(unresolved_ids.len()).unwrap_or(u32::MAX);
                            let id = *unresolved_ids.entry(label.clone()).or_insert_with(|| {
                                world.unresolved.push(label);
                                next
                            });
                            Ctrl::Unresolved(id)
                        }
                    },
                };
                let healthy = pod.ready && !pod.terminating;
                world.push_group(
                    &pod.meta.namespace,
                    pod.meta.name.clone(),
                    &pod.meta.labels,
                    1,
                    u64::from(healthy),
                    pod.bypasses_budgets(),
                    ctrl,
                );
            }
        }
        world.index();
        world
    }

    /// Without pods, each workload stands for `replicas` healthy pods with its template's
    /// labels: what the cluster looks like once the manifests are applied and settled.
    fn synthesize(&mut self, inventory: &'a Inventory, included: &dyn Fn(&str) -> bool) {
        let mut plan: Vec<Synthesized<'a>> = Vec::new();
        let id_in = |map: &HashMap<Key<'a>, (u32, &'a ObjectMeta)>, meta: &ObjectMeta| {
            map.get(&key_of(meta)).map(|(id, _)| *id)
        };
        for d in &inventory.deployments {
            let id = id_in(&self.controllers.deployments, &d.meta);
            plan.push((&d.meta, "Deployment", d.replicas, &d.template_labels, id));
        }
        for s in &inventory.stateful_sets {
            let id = id_in(&self.controllers.stateful_sets, &s.meta);
            plan.push((&s.meta, "StatefulSet", s.replicas, &s.template_labels, id));
        }
        for r in &inventory.replica_sets {
            // A Deployment's ReplicaSets are already counted through the Deployment.
            if self.controllers.deployment_of(&r.meta).is_some() {
                continue;
            }
            let id = id_in(&self.controllers.replica_sets, &r.meta);
            plan.push((&r.meta, "ReplicaSet", r.replicas, &r.template_labels, id));
        }
        for r in &inventory.replication_controllers {
            let id = id_in(&self.controllers.replication_controllers, &r.meta);
            plan.push((
                &r.meta,
                "ReplicationController",
                r.replicas,
                &r.template_labels,
                id,
            ));
        }
        for (meta, kind, replicas, labels, id) in plan {
            if replicas == 0 || !included(&meta.namespace) {
                continue;
            }
            let ctrl = id.map_or(Ctrl::None, Ctrl::Known);
            let name = Text::from(format!("{} ({kind}, {replicas} pods)", meta.name));
            let count = u64::from(replicas);
            self.push_group(&meta.namespace, name, labels, count, count, false, ctrl);
        }
    }

    /// Adds a group; `index` gives it its label ids and its place among the groups.
    #[allow(clippy::too_many_arguments)]
    fn push_group(
        &mut self,
        namespace: &'a str,
        name: Text,
        labels: &'a Labels,
        count: u64,
        ready: u64,
        bypass: bool,
        ctrl: Ctrl,
    ) {
        self.groups.push(Group {
            namespace,
            name,
            source: labels,
            labels: (0, 0),
            slot: 0,
            count,
            ready,
            bypass,
            ctrl,
        });
    }

    /// Puts the groups in namespace order and indexes one namespace at a time, so the
    /// work on each namespace runs on tables of that namespace's size, allocated once:
    /// label and posting arrays of their final size, and one scratch interner and
    /// posting buffer, sized for the largest namespace and reused by every other.
    fn index(&mut self) {
        // Each namespace's group and label count, in order of first appearance. Groups
        // usually come a namespace at a time, so the map is consulted once per run.
        let mut slots: HashMap<&'a str, u32> = HashMap::default();
        let mut sizes: Vec<(usize, usize)> = Vec::new();
        let mut last: Option<(&'a str, u32)> = None;
        for group in &mut self.groups {
            let slot = match last {
                Some((ns, slot)) if ns == group.namespace => slot,
                _ => *slots.entry(group.namespace).or_insert_with(|| {
                    sizes.push((0, 0));
                    u32::try_from(sizes.len() - 1).unwrap_or(u32::MAX)
                }),
            };
            last = Some((group.namespace, slot));
            group.slot = slot;
            if let Some(size) = sizes.get_mut(slot as usize) {
                size.0 += 1;
                size.1 += group.source.len();
            }
        }
        // Stable, and linear when the groups already come a namespace at a time.
        self.groups.sort_by_key(|g| g.slot);

        let total_labels: usize = sizes.iter().map(|s| s.1).sum();
        let largest = sizes.iter().map(|s| s.1).max().unwrap_or(0);
        self.labels.reserve_exact(total_labels);
        self.postings.reserve_exact(total_labels);
        self.namespaces.reserve(sizes.len());
        let mut interner = Interner::with_capacity(largest);
        // (key, value, group) of every label of the namespace.
        let mut triples: Vec<(u32, u32, u32)> = Vec::with_capacity(largest);
        let mut pairs: Vec<(u32, u32, u32)> = Vec::with_capacity(largest);
        let mut keys: Vec<(u32, u32, u32)> = Vec::with_capacity(largest);
        let mut start = 0usize;
        for (count, _) in sizes {
            let end = start + count;
            triples.clear();
            for g in start..end {
                let id = u32::try_from(g).unwrap_or(u32::MAX);
                let group = &mut self.groups[g];
                let first = self.labels.len();
                for (k, v) in group.source {
                    let pair = (interner.intern(k), interner.intern(v));
                    self.labels.push(pair);
                    triples.push((pair.0, pair.1, id));
                }
                self.labels[first..].sort_unstable();
                group.labels = (to_u32(first), to_u32(self.labels.len()));
            }
            // Sorted by (key, value, group): each pair's groups ascend, and each key's
            // pairs are adjacent.
            triples.sort_unstable();
            let first = to_u32(self.postings.len());
            pairs.clear();
            keys.clear();
            for (i, &(k, v, g)) in triples.iter().enumerate() {
                let at = first + to_u32(i);
                self.postings.push(g);
                match pairs.last_mut() {
                    Some(last) if (last.0, last.1) == (k, v) => last.2 = at + 1,
                    _ => pairs.push((k, v, at + 1)),
                }
                match keys.last_mut() {
                    Some(last) if last.0 == k => last.2 = at + 1,
                    _ => keys.push((k, at, at + 1)),
                }
            }
            if let Some(group) = self.groups.get(start) {
                self.namespaces.insert(
                    group.namespace,
                    NsIndex {
                        strings: interner.take_sorted(),
                        groups: (to_u32(start), to_u32(end)),
                        pairs: pairs.as_slice().into(),
                        keys: keys.as_slice().into(),
                        first,
                    },
                );
            }
            start = end;
        }
    }

    fn labels_of(&self, group: &Group<'_>) -> GroupLabels<'_> {
        let (start, end) = group.labels;
        GroupLabels(&self.labels[start as usize..end as usize])
    }

    fn compile(index: &NsIndex<'_>, selector: &LabelSelector) -> Vec<Compiled> {
        let mut compiled: Vec<Compiled> = selector
            .match_labels
            .iter()
            .map(|(k, v)| Compiled {
                key: index.id(k),
                operator: Operator::In,
                values: index.id(v).into_iter().collect(),
            })
            .collect();
        compiled.extend(selector.match_expressions.iter().map(|r| Compiled {
            key: index.id(&r.key),
            operator: r.operator,
            values: r.values.iter().filter_map(|v| index.id(v)).collect(),
        }));
        compiled
    }

    /// Group ids the selector matches in `namespace`, ascending.
    fn select(&self, namespace: &str, selector: Option<&LabelSelector>) -> Vec<u32> {
        let Some(selector) = selector else {
            return Vec::new();
        };
        let Some(index) = self.namespaces.get(namespace) else {
            return Vec::new();
        };
        let compiled = Self::compile(index, selector);
        let postings = |(start, end): (usize, usize)| &self.postings[start..end];

        // Narrow to the smallest posting list the selector implies, then check everything.
        let mut candidates: Option<Vec<u32>> = None;
        let mut best: Option<&[u32]> = None;
        for (k, v) in &selector.match_labels {
            let list = match (index.id(k), index.id(v)) {
                (Some(k), Some(v)) => postings(index.pair(k, v)),
                _ => &[],
            };
            if best.is_none_or(|b| list.len() < b.len()) {
                best = Some(list);
            }
        }
        if best.is_none() {
            for c in &compiled {
                match (c.operator, c.key) {
                    (Operator::In | Operator::Exists, None) => {
                        best = Some(&[]);
                        break;
                    }
                    (Operator::In, Some(k)) => {
                        let mut union: Vec<u32> = c
                            .values
                            .iter()
                            .flat_map(|v| postings(index.pair(k, *v)))
                            .copied()
                            .collect();
                        union.sort_unstable();
                        union.dedup();
                        candidates = Some(union);
                        break;
                    }
                    (Operator::Exists, Some(k)) => {
                        // Ascending per value only.
                        let mut list = postings(index.key(k)).to_vec();
                        list.sort_unstable();
                        candidates = Some(list);
                        break;
                    }
                    _ => {}
                }
            }
        }
        let candidates: Vec<u32> = match (candidates, best) {
            (Some(list), _) => list,
            (None, Some(list)) => list.to_vec(),
            (None, None) => (index.groups.0..index.groups.1).collect(),
        };
        candidates
            .into_iter()
            .filter(|&g| {
                let labels = self.labels_of(&self.groups[g as usize]);
                compiled.iter().all(|c| c.matches(&labels))
            })
            .collect()
    }

    /// Whether any of `budgets` selects a pod with these labels (used for workloads that
    /// have no pod in the inventory).
    fn any_budget_selects(budgets: &[&PodDisruptionBudget], labels: &Labels) -> bool {
        budgets
            .iter()
            .any(|b| b.selector.as_ref().is_some_and(|s| s.matches(labels)))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Computes every budget's status and the findings that matter for node drains.
pub fn coverage(inventory: &Inventory, options: &Options) -> Report {
    let wanted = namespace_filter(options);
    let included = |ns: &str| wanted.as_ref().is_none_or(|set| set.contains(ns));
    let world = World::build(inventory, &wanted);

    let mut budgets: Vec<&PodDisruptionBudget> = inventory
        .budgets
        .iter()
        .filter(|b| included(&b.meta.namespace))
        .collect();
    budgets.sort_by(|a, b| key_of(&a.meta).cmp(&key_of(&b.meta)));

    let matched: Vec<Vec<u32>> = budgets
        .iter()
        .map(|b| world.select(&b.meta.namespace, b.selector.as_ref()))
        .collect();
    // Which budgets hold each group; almost always zero or one, so no allocation.
    let mut holders: Vec<Vec<u32>> = (0..world.groups.len()).map(|_| Vec::new()).collect();
    for (b, groups) in matched.iter().enumerate() {
        let b = u32::try_from(b).unwrap_or(u32::MAX);
        for &g in groups {
            holders[g as usize].push(b);
        }
    }

    let mut report = Report::default();
    // Marks which controllers this budget already counted, without clearing per budget.
    let mut seen_by: Vec<usize> = vec![usize::MAX; world.controllers.table.len()];
    for (b, budget) in budgets.iter().enumerate() {
        let groups = &matched[b];
        let mut matched_pods = 0u64;
        let mut healthy = 0u64;
        let mut scale = 0u64;
        let mut unresolved: HashMap<u32, u64> = HashMap::default();
        let mut unready_evictable = false;
        let mut shared = false;
        for &g in groups {
            let group = &world.groups[g as usize];
            matched_pods = matched_pods.saturating_add(group.count);
            healthy = healthy.saturating_add(group.ready);
            match group.ctrl {
                Ctrl::None => {}
                Ctrl::Known(c) => {
                    if seen_by[c as usize] != b {
                        seen_by[c as usize] = b;
                        scale = scale.saturating_add(world.controllers.table[c as usize].scale);
                    }
                }
                Ctrl::Unresolved(u) => *unresolved.entry(u).or_default() += group.count,
            }
            if !group.bypass {
                unready_evictable |= group.ready < group.count;
                shared |= holders[g as usize].len() > 1;
            }
        }
        scale = unresolved.values().fold(scale, |s, n| s.saturating_add(*n));

        // getExpectedPodCount: maxUnavailable first, then minAvailable.
        let (expected, desired) = match (budget.max_unavailable, budget.min_available) {
            (Some(max), _) => (scale, scale.saturating_sub(max.scaled_up(scale))),
            (None, Some(IntOrPercent::Int(n))) => (matched_pods, u64::from(n)),
            (None, Some(min)) => (scale, min.scaled_up(scale)),
            (None, None) => (0, 0),
        };
        // The controller allows nothing while it expects no pods.
        let allowed = if expected == 0 {
            0
        } else {
            healthy.saturating_sub(desired)
        };

        let mut findings = Vec::new();
        let deadlock = matched_pods > 0 && desired >= expected;
        if matched_pods == 0 {
            findings.push(BudgetFinding::NoMatchingPods);
        }
        if deadlock {
            findings.push(BudgetFinding::DrainDeadlock);
        }
        if shared {
            findings.push(BudgetFinding::MultipleBudgets);
        }
        if matched_pods > 0 && allowed == 0 && !deadlock {
            findings.push(BudgetFinding::CurrentlyBlocking);
        }
        // The eviction API lets an unready pod go without spending the budget when the
        // policy is AlwaysAllow, or when the budget is intact (healthy >= desired > 0).
        let budget_intact = healthy >= desired && desired > 0;
        if unready_evictable
            && budget.unhealthy_pod_eviction_policy != UnhealthyPodEvictionPolicy::AlwaysAllow
            && !budget_intact
            && allowed == 0
        {
            findings.push(BudgetFinding::UnhealthyPodsBlock);
        }

        let mut unresolved_controllers: Vec<String> = unresolved
            .keys()
            .map(|u| world.unresolved[*u as usize].clone())
            .collect();
        unresolved_controllers.sort();
        let blocks_drain = deadlock || shared;
        let reference = format!("{}/{}", budget.meta.namespace, budget.meta.name);
        if blocks_drain {
            report.drain_blockers.push(reference.clone());
        }
        if matched_pods == 0 {
            report.orphaned_budgets.push(reference);
        }
        report.budgets.push(BudgetReport {
            namespace: budget.meta.namespace.to_string(),
            name: budget.meta.name.to_string(),
            selector: budget.selector.as_ref().map(ToString::to_string),
            min_available: budget.min_available.map(|v| v.to_string()),
            max_unavailable: budget.max_unavailable.map(|v| v.to_string()),
            matched_pods,
            expected_pods: expected,
            healthy_pods: healthy,
            desired_healthy: desired,
            disruptions_allowed: allowed,
            blocks_drain,
            findings,
            exempt: None,
            unresolved_controllers,
        });
    }

    let mut shared_pods: Vec<(&str, &str, String)> = Vec::new();
    for (g, held) in holders.iter().enumerate() {
        let group = &world.groups[g];
        if held.len() < 2 || group.bypass {
            continue;
        }
        let names: BTreeSet<&str> = held
            .iter()
            .map(|b| budgets[*b as usize].meta.name.as_str())
            .collect();
        let names: Vec<&str> = names.into_iter().collect();
        shared_pods.push((group.namespace, &group.name, names.join(", ")));
    }
    shared_pods.sort();
    report.multiply_covered_pods = shared_pods
        .into_iter()
        .map(|(ns, pod, names)| format!("{ns}/{pod}: {names}"))
        .collect();

    report.unprotected_workloads = unprotected(inventory, &world, &budgets, &holders, &included);
    report
}

/// Deployments and StatefulSets with 2 or more replicas whose pods no budget selects.
fn unprotected(
    inventory: &Inventory,
    world: &World<'_>,
    budgets: &[&PodDisruptionBudget],
    holders: &[Vec<u32>],
    included: &dyn Fn(&str) -> bool,
) -> Vec<String> {
    // For each controller: (has pods in the inventory, one of them is under a budget).
    let mut state: Vec<(bool, bool)> = vec![(false, false); world.controllers.table.len()];
    for (g, group) in world.groups.iter().enumerate() {
        if let Ctrl::Known(c) = group.ctrl {
            let entry = &mut state[c as usize];
            entry.0 = true;
            entry.1 |= !holders[g].is_empty();
        }
    }
    let mut out: Vec<(&str, &str, &str)> = Vec::new();
    let workloads = inventory
        .deployments
        .iter()
        .map(|d| {
            (
                "Deployment",
                &d.meta,
                d.replicas,
                &d.template_labels,
                &world.controllers.deployments,
            )
        })
        .chain(inventory.stateful_sets.iter().map(|s| {
            (
                "StatefulSet",
                &s.meta,
                s.replicas,
                &s.template_labels,
                &world.controllers.stateful_sets,
            )
        }));
    for (kind, meta, replicas, template, map) in workloads {
        if replicas < 2 || !included(&meta.namespace) {
            continue;
        }
        let Some((id, _)) = map.get(&key_of(meta)) else {
            continue;
        };
        let (has_pods, covered) = state[*id as usize];
        let covered = if has_pods {
            covered
        } else {
            // `budgets` is sorted by (namespace, name): the namespace is one slice.
            let ns = meta.namespace.as_str();
            let start = budgets.partition_point(|b| b.meta.namespace.as_str() < ns);
            let end = budgets.partition_point(|b| b.meta.namespace.as_str() <= ns);
            World::any_budget_selects(&budgets[start..end], template)
        };
        if !covered {
            out.push((meta.namespace.as_str(), meta.name.as_str(), kind));
        }
    }
    out.sort();
    out.dedup();
    out.into_iter()
        .map(|(ns, name, kind)| format!("{kind} {ns}/{name}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value as Json, json};

    /// A Deployment, its ReplicaSet and one pod per entry of `ready`.
    fn deployment(ns: &str, name: &str, replicas: u32, labels: Json, ready: &[bool]) -> Vec<Json> {
        let mut docs = vec![
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": {"name": name, "namespace": ns, "uid": format!("d-{name}")},
                   "spec": {"replicas": replicas, "template": {"metadata": {"labels": labels}}}}),
            json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                   "metadata": {"name": format!("{name}-rs"), "namespace": ns, "uid": format!("rs-{name}"),
                                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name,
                                                     "uid": format!("d-{name}"), "controller": true}]},
                   "spec": {"replicas": replicas, "template": {"metadata": {"labels": labels}}}}),
        ];
        for (i, r) in ready.iter().enumerate() {
            docs.push(pod(
                ns,
                &format!("{name}-{i}"),
                labels.clone(),
                *r,
                "ReplicaSet",
                &format!("{name}-rs"),
            ));
        }
        docs
    }

    fn stateful_set(
        ns: &str,
        name: &str,
        replicas: u32,
        labels: Json,
        ready: &[bool],
    ) -> Vec<Json> {
        let mut docs = vec![json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": replicas, "template": {"metadata": {"labels": labels}}}})];
        for (i, r) in ready.iter().enumerate() {
            docs.push(pod(
                ns,
                &format!("{name}-{i}"),
                labels.clone(),
                *r,
                "StatefulSet",
                name,
            ));
        }
        docs
    }

    fn pod(ns: &str, name: &str, labels: Json, ready: bool, owner_kind: &str, owner: &str) -> Json {
        let status = if ready { "True" } else { "False" };
        let mut p = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": status}]}});
        if !owner_kind.is_empty() {
            p["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": owner_kind, "name": owner, "controller": true}]);
        }
        p
    }

    fn pdb(ns: &str, name: &str, spec: Json) -> Json {
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
               "metadata": {"name": name, "namespace": ns}, "spec": spec})
    }

    fn run(docs: Vec<Json>) -> Report {
        coverage(
            &Inventory::from_documents(docs).unwrap(),
            &Options::default(),
        )
    }

    fn find<'r>(report: &'r Report, reference: &str) -> &'r BudgetReport {
        report
            .budgets
            .iter()
            .find(|b| format!("{}/{}", b.namespace, b.name) == reference)
            .unwrap_or_else(|| panic!("no budget {reference} in {report:#?}"))
    }

    struct Case {
        name: &'static str,
        docs: Vec<Json>,
        budget: &'static str,
        /// matched, expected, healthy, desired, allowed
        numbers: [u64; 5],
        findings: &'static [BudgetFinding],
    }

    fn concat(parts: Vec<Vec<Json>>) -> Vec<Json> {
        parts.into_iter().flatten().collect()
    }

    #[test]
    fn budgets_follow_the_disruption_controller() {
        let web = || json!({"app": "web", "tier": "front"});
        let sel = |labels: Json| json!({"matchLabels": labels});
        let cases = vec![
            Case {
                name: "one replica with minAvailable 1",
                docs: concat(vec![
                    deployment("a", "web", 1, web(), &[true]),
                    vec![pdb(
                        "a",
                        "web",
                        json!({"minAvailable": 1, "selector": sel(json!({"app": "web"}))}),
                    )],
                ]),
                budget: "a/web",
                numbers: [1, 1, 1, 1, 0],
                findings: &[BudgetFinding::DrainDeadlock],
            },
            Case {
                name: "selector needs 4 labels, pods carry 3",
                docs: concat(vec![
                    deployment(
                        "a",
                        "api",
                        2,
                        json!({"app": "api", "team": "x", "env": "prod"}),
                        &[true, true],
                    ),
                    vec![pdb(
                        "a",
                        "api",
                        json!({"minAvailable": 1, "selector": sel(json!({"app": "api", "team": "x", "env": "prod", "version": "v2"}))}),
                    )],
                ]),
                budget: "a/api",
                numbers: [0, 0, 0, 1, 0],
                findings: &[BudgetFinding::NoMatchingPods],
            },
            Case {
                name: "a pod under two budgets",
                docs: concat(vec![
                    deployment("a", "web", 2, web(), &[true, true]),
                    vec![
                        pdb(
                            "a",
                            "by-app",
                            json!({"maxUnavailable": 1, "selector": sel(json!({"app": "web"}))}),
                        ),
                        pdb(
                            "a",
                            "by-tier",
                            json!({"maxUnavailable": 1, "selector": sel(json!({"tier": "front"}))}),
                        ),
                    ],
                ]),
                budget: "a/by-tier",
                numbers: [2, 2, 2, 1, 1],
                findings: &[BudgetFinding::MultipleBudgets],
            },
            Case {
                name: "PostgreSQL StatefulSet at 2 instances, minAvailable 1",
                docs: concat(vec![
                    stateful_set("db", "pg", 2, json!({"app": "pg"}), &[true, true]),
                    vec![pdb(
                        "db",
                        "pg",
                        json!({"minAvailable": 1, "selector": sel(json!({"app": "pg"}))}),
                    )],
                ]),
                budget: "db/pg",
                numbers: [2, 2, 2, 1, 1],
                findings: &[],
            },
            Case {
                name: "maxUnavailable 0",
                docs: concat(vec![
                    deployment("a", "web", 3, web(), &[true, true, true]),
                    vec![pdb(
                        "a",
                        "web",
                        json!({"maxUnavailable": 0, "selector": sel(json!({"app": "web"}))}),
                    )],
                ]),
                budget: "a/web",
                numbers: [3, 3, 3, 3, 0],
                findings: &[BudgetFinding::DrainDeadlock],
            },
            Case {
                name: "minAvailable 100%",
                docs: concat(vec![
                    deployment("a", "web", 3, web(), &[true, true, true]),
                    vec![pdb(
                        "a",
                        "web",
                        json!({"minAvailable": "100%", "selector": sel(json!({"app": "web"}))}),
                    )],
                ]),
                budget: "a/web",
                numbers: [3, 3, 3, 3, 0],
                findings: &[BudgetFinding::DrainDeadlock],
            },
            Case {
                name: "minAvailable equal to the replicas",
                docs: concat(vec![
                    deployment("a", "web", 2, web(), &[true, true]),
                    vec![pdb(
                        "a",
                        "web",
                        json!({"minAvailable": 2, "selector": sel(json!({"app": "web"}))}),
                    )],
                ]),
                budget: "a/web",
                numbers: [2, 2, 2, 2, 0],
                findings: &[BudgetFinding::DrainDeadlock],
            },
            Case {
                name: "minAvailable 50% of 3 rounds up to 2",
                docs: concat(vec![
                    deployment("a", "web", 3, web(), &[true, true, true]),
                    vec![pdb(
                        "a",
                        "web",
                        json!({"minAvailable": "50%", "selector": sel(json!({"app": "web"}))}),
                    )],
                ]),
                budget: "a/web",
                numbers: [3, 3, 3, 2, 1],
                findings: &[],
            },
            Case {
                name: "maxUnavailable 34% of 3 rounds up to 2 unavailable",
                docs: concat(vec![
                    deployment("a", "web", 3, web(), &[true, true, true]),
                    vec![pdb(
                        "a",
                        "web",
                        json!({"maxUnavailable": "34%", "selector": sel(json!({"app": "web"}))}),
                    )],
                ]),
                budget: "a/web",
                numbers: [3, 3, 3, 1, 2],
                findings: &[],
            },
            Case {
                name: "maxUnavailable 1 with one unready pod: healthy pods wait, the unready one may go",
                docs: concat(vec![
                    deployment("a", "web", 3, web(), &[true, false, true]),
                    vec![pdb(
                        "a",
                        "web",
                        json!({"maxUnavailable": 1, "selector": sel(json!({"app": "web"}))}),
                    )],
                ]),
                budget: "a/web",
                numbers: [3, 3, 2, 2, 0],
                findings: &[BudgetFinding::CurrentlyBlocking],
            },
            Case {
                name: "maxUnavailable 1 with two unready pods: the budget is disrupted, unready pods stay",
                docs: concat(vec![
                    deployment("a", "web", 3, web(), &[true, false, false]),
                    vec![pdb(
                        "a",
                        "web",
                        json!({"maxUnavailable": 1, "selector": sel(json!({"app": "web"}))}),
                    )],
                ]),
                budget: "a/web",
                numbers: [3, 3, 1, 2, 0],
                findings: &[
                    BudgetFinding::CurrentlyBlocking,
                    BudgetFinding::UnhealthyPodsBlock,
                ],
            },
            Case {
                name: "AlwaysAllow lets unready pods go",
                docs: concat(vec![
                    deployment("a", "web", 3, web(), &[true, false, false]),
                    vec![pdb(
                        "a",
                        "web",
                        json!({"maxUnavailable": 1, "unhealthyPodEvictionPolicy": "AlwaysAllow",
                                                "selector": sel(json!({"app": "web"}))}),
                    )],
                ]),
                budget: "a/web",
                numbers: [3, 3, 1, 2, 0],
                findings: &[BudgetFinding::CurrentlyBlocking],
            },
            Case {
                name: "scale is the Deployment's replicas, not its ReplicaSet's or the pods'",
                docs: concat(vec![
                    {
                        // Mid-rollout: the Deployment wants 4, this ReplicaSet has 2.
                        let mut docs = deployment("a", "web", 4, web(), &[true, true]);
                        docs[1]["spec"]["replicas"] = json!(2);
                        docs
                    },
                    vec![pdb(
                        "a",
                        "web",
                        json!({"maxUnavailable": 1, "selector": sel(json!({"app": "web"}))}),
                    )],
                ]),
                budget: "a/web",
                numbers: [2, 4, 2, 3, 0],
                findings: &[BudgetFinding::CurrentlyBlocking],
            },
            Case {
                name: "integer minAvailable counts the pods that exist",
                docs: concat(vec![
                    deployment("a", "web", 4, web(), &[true, true]),
                    vec![pdb(
                        "a",
                        "web",
                        json!({"minAvailable": 1, "selector": sel(json!({"app": "web"}))}),
                    )],
                ]),
                budget: "a/web",
                numbers: [2, 2, 2, 1, 1],
                findings: &[],
            },
            Case {
                name: "maxUnavailable over pods without a controller expects nothing",
                docs: vec![
                    pod("a", "bare", json!({"app": "bare"}), true, "", ""),
                    pdb(
                        "a",
                        "bare",
                        json!({"maxUnavailable": 1, "selector": sel(json!({"app": "bare"}))}),
                    ),
                ],
                budget: "a/bare",
                numbers: [1, 0, 1, 0, 0],
                findings: &[BudgetFinding::DrainDeadlock],
            },
            Case {
                name: "two workloads under one percentage budget add their scales",
                docs: concat(vec![
                    deployment("a", "web", 2, web(), &[true, true]),
                    stateful_set(
                        "a",
                        "cache",
                        3,
                        json!({"tier": "front"}),
                        &[true, true, true],
                    ),
                    vec![pdb(
                        "a",
                        "front",
                        json!({"minAvailable": "60%", "selector": sel(json!({"tier": "front"}))}),
                    )],
                ]),
                budget: "a/front",
                numbers: [5, 5, 5, 3, 2],
                findings: &[],
            },
            Case {
                name: "a null selector matches nothing",
                docs: concat(vec![
                    deployment("a", "web", 2, web(), &[true, true]),
                    vec![pdb(
                        "a",
                        "none",
                        json!({"minAvailable": 1, "selector": null}),
                    )],
                ]),
                budget: "a/none",
                numbers: [0, 0, 0, 1, 0],
                findings: &[BudgetFinding::NoMatchingPods],
            },
            Case {
                name: "an empty selector matches the whole namespace and nothing outside",
                docs: concat(vec![
                    deployment("a", "web", 2, web(), &[true, true]),
                    stateful_set("a", "pg", 1, json!({"app": "pg"}), &[true]),
                    deployment("b", "other", 2, web(), &[true, true]),
                    vec![pdb("a", "all", json!({"minAvailable": 1, "selector": {}}))],
                ]),
                budget: "a/all",
                numbers: [3, 3, 3, 1, 2],
                findings: &[],
            },
            Case {
                name: "a pending pod under two budgets does not block (eviction skips budgets)",
                docs: vec![
                    {
                        let mut p = pod("a", "p", json!({"app": "x", "extra": "y"}), false, "", "");
                        p["status"]["phase"] = json!("Pending");
                        p
                    },
                    pod("a", "q", json!({"app": "x"}), true, "", ""),
                    pdb(
                        "a",
                        "one",
                        json!({"minAvailable": 0, "selector": sel(json!({"app": "x"}))}),
                    ),
                    pdb(
                        "a",
                        "two",
                        json!({"minAvailable": 0, "selector": {"matchExpressions": [{"key": "extra", "operator": "Exists"}]}}),
                    ),
                ],
                budget: "a/one",
                numbers: [2, 2, 1, 0, 1],
                findings: &[],
            },
            Case {
                name: "the same pod running is under two budgets",
                docs: vec![
                    pod("a", "p", json!({"app": "x", "extra": "y"}), true, "", ""),
                    pdb(
                        "a",
                        "one",
                        json!({"minAvailable": 0, "selector": sel(json!({"app": "x"}))}),
                    ),
                    pdb(
                        "a",
                        "two",
                        json!({"minAvailable": 0, "selector": {"matchExpressions": [{"key": "extra", "operator": "Exists"}]}}),
                    ),
                ],
                budget: "a/two",
                numbers: [1, 1, 1, 0, 1],
                findings: &[BudgetFinding::MultipleBudgets],
            },
        ];
        for case in cases {
            let report = run(case.docs);
            let b = find(&report, case.budget);
            let got = [
                b.matched_pods,
                b.expected_pods,
                b.healthy_pods,
                b.desired_healthy,
                b.disruptions_allowed,
            ];
            assert_eq!(
                got, case.numbers,
                "{}: matched, expected, healthy, desired, allowed",
                case.name
            );
            assert_eq!(b.findings, case.findings, "{}", case.name);
            // Every table case has at most the probed budget's pods shared.
            assert_eq!(
                report.multiply_covered_pods.is_empty(),
                !case.findings.contains(&BudgetFinding::MultipleBudgets),
                "{}: {:?}",
                case.name,
                report.multiply_covered_pods
            );
            let blocks = case.findings.contains(&BudgetFinding::DrainDeadlock)
                || case.findings.contains(&BudgetFinding::MultipleBudgets);
            assert_eq!(b.blocks_drain, blocks, "{}", case.name);
        }
    }

    #[test]
    fn each_operator_selects_through_the_index() {
        let docs = concat(vec![
            deployment(
                "a",
                "web",
                1,
                json!({"app": "web", "tier": "front"}),
                &[true],
            ),
            deployment(
                "a",
                "api",
                1,
                json!({"app": "api", "tier": "back"}),
                &[true],
            ),
            deployment("a", "job", 1, json!({"app": "job"}), &[true]),
        ]);
        let expr = |key: &str, op: &str, values: Json| json!({"matchExpressions": [{"key": key, "operator": op, "values": values}]});
        let cases = [
            (
                expr("app", "In", json!(["web", "api", "nope"])),
                vec!["api-0", "web-0"],
            ),
            (
                expr("tier", "NotIn", json!(["front"])),
                vec!["api-0", "job-0"],
            ),
            (expr("tier", "Exists", json!(null)), vec!["api-0", "web-0"]),
            (expr("tier", "DoesNotExist", json!(null)), vec!["job-0"]),
            (expr("missing", "Exists", json!(null)), vec![]),
            (
                expr("missing", "NotIn", json!(["x"])),
                vec!["api-0", "job-0", "web-0"],
            ),
            (
                json!({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["back"]}]}),
                vec![],
            ),
            (
                json!({"matchLabels": {"tier": "back", "app": "api"}}),
                vec!["api-0"],
            ),
            (json!({"matchLabels": {"app": "unknown-value"}}), vec![]),
        ];
        for (selector, want) in cases {
            let mut all = docs.clone();
            // A second budget covering every pod makes each selected pod shared, so the
            // selection shows up in multiply_covered_pods by name.
            all.push(pdb(
                "a",
                "probe",
                json!({"minAvailable": 0, "selector": selector.clone()}),
            ));
            all.push(pdb(
                "a",
                "zz-all",
                json!({"minAvailable": 0, "selector": {}}),
            ));
            let report = run(all);
            let got: Vec<String> = report
                .multiply_covered_pods
                .iter()
                .map(|s| {
                    s.trim_start_matches("a/")
                        .split(':')
                        .next()
                        .unwrap_or_default()
                        .to_string()
                })
                .collect();
            assert_eq!(got, want, "{selector}");
            assert_eq!(
                find(&report, "a/probe").matched_pods,
                want.len() as u64,
                "{selector}"
            );
        }
    }

    #[test]
    fn report_lists_blockers_orphans_shared_pods_and_unprotected_workloads() {
        let docs = concat(vec![
            deployment("shop", "web", 2, json!({"app": "web"}), &[true, true]),
            deployment("shop", "solo", 1, json!({"app": "solo"}), &[true]),
            // One replica and no budget: nothing to protect with a budget.
            deployment("shop", "tiny", 1, json!({"app": "tiny"}), &[true]),
            deployment(
                "shop",
                "naked",
                3,
                json!({"app": "naked"}),
                &[true, true, true],
            ),
            stateful_set("db", "pg", 2, json!({"app": "pg"}), &[true, true]),
            vec![
                pdb(
                    "shop",
                    "solo",
                    json!({"minAvailable": 1, "selector": {"matchLabels": {"app": "solo"}}}),
                ),
                pdb(
                    "shop",
                    "web-a",
                    json!({"maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}}),
                ),
                pdb(
                    "shop",
                    "web-b",
                    json!({"maxUnavailable": 1, "selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}}),
                ),
                pdb(
                    "shop",
                    "ghost",
                    json!({"minAvailable": 1, "selector": {"matchLabels": {"app": "gone"}}}),
                ),
                json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"}}),
            ],
        ]);
        let report = run(docs);
        let order: Vec<String> = report
            .budgets
            .iter()
            .map(|b| format!("{}/{}", b.namespace, b.name))
            .collect();
        assert_eq!(
            order,
            ["shop/ghost", "shop/solo", "shop/web-a", "shop/web-b"]
        );
        assert_eq!(
            report.drain_blockers,
            ["shop/solo", "shop/web-a", "shop/web-b"]
        );
        assert_eq!(report.orphaned_budgets, ["shop/ghost"]);
        assert_eq!(
            report.multiply_covered_pods,
            ["shop/web-0: web-a, web-b", "shop/web-1: web-a, web-b"]
        );
        assert_eq!(
            report.unprotected_workloads,
            ["StatefulSet db/pg", "Deployment shop/naked"]
        );
        assert_eq!(
            find(&report, "shop/web-b").selector.as_deref(),
            Some("app in (web)")
        );
        assert_eq!(
            find(&report, "shop/web-a").max_unavailable.as_deref(),
            Some("1")
        );
    }

    #[test]
    fn synthesizes_pods_from_workloads_when_there_are_none() {
        let docs = vec![
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "a", "uid": "d1"},
                   "spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "web"}}}}}),
            // The Deployment's own ReplicaSet must not count twice.
            json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web-1", "namespace": "a",
                   "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "d1", "controller": true}]},
                   "spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "web"}}}}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "one", "namespace": "a"},
                   "spec": {"template": {"metadata": {"labels": {"app": "one"}}}}}),
            json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "loose", "namespace": "a"},
                   "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "loose"}}}}}),
            json!({"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "rc", "namespace": "a"},
                   "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "rc"}}}}}),
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "pg", "namespace": "a"},
                   "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "pg"}}}}}),
            pdb(
                "a",
                "web",
                json!({"maxUnavailable": "50%", "selector": {"matchLabels": {"app": "web"}}}),
            ),
            pdb(
                "a",
                "one",
                json!({"minAvailable": 1, "selector": {"matchLabels": {"app": "one"}}}),
            ),
            pdb(
                "a",
                "loose",
                json!({"minAvailable": "100%", "selector": {"matchLabels": {"app": "loose"}}}),
            ),
            pdb(
                "a",
                "rc",
                json!({"maxUnavailable": 1, "selector": {"matchLabels": {"app": "rc"}}}),
            ),
            pdb(
                "a",
                "both",
                json!({"minAvailable": 0, "selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["pg", "rc"]}]}}),
            ),
        ];
        let report = run(docs);
        let numbers = |r: &str| {
            let b = find(&report, r);
            [
                b.matched_pods,
                b.expected_pods,
                b.healthy_pods,
                b.desired_healthy,
                b.disruptions_allowed,
            ]
        };
        assert_eq!(numbers("a/web"), [3, 3, 3, 1, 2]);
        assert_eq!(numbers("a/one"), [1, 1, 1, 1, 0]);
        assert_eq!(numbers("a/loose"), [2, 2, 2, 2, 0]);
        assert_eq!(numbers("a/rc"), [2, 2, 2, 1, 1]);
        assert_eq!(numbers("a/both"), [4, 4, 4, 0, 4]);
        assert_eq!(
            report.drain_blockers,
            ["a/both", "a/loose", "a/one", "a/rc"]
        );
        assert_eq!(
            report.multiply_covered_pods,
            ["a/rc (ReplicationController, 2 pods): both, rc"]
        );
        assert!(
            report.unprotected_workloads.is_empty(),
            "{:?}",
            report.unprotected_workloads
        );
    }

    type FilterCase = (
        Option<Vec<&'static str>>,
        Vec<&'static str>,
        Vec<&'static str>,
    );

    #[test]
    fn namespace_filter_keeps_only_the_named_namespaces() {
        let docs = concat(vec![
            deployment("a", "web", 2, json!({"app": "web"}), &[true, true]),
            deployment("b", "web", 2, json!({"app": "web"}), &[true, true]),
            vec![
                pdb(
                    "a",
                    "web",
                    json!({"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}),
                ),
                pdb(
                    "b",
                    "web",
                    json!({"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}),
                ),
            ],
            deployment(
                "c",
                "lonely",
                3,
                json!({"app": "lonely"}),
                &[true, true, true],
            ),
        ]);
        let inventory = Inventory::from_documents(docs).unwrap();
        // (namespaces, drain blockers, unprotected workloads)
        let cases: [FilterCase; 4] = [
            (None, vec!["a/web", "b/web"], vec!["Deployment c/lonely"]),
            (Some(vec!["b"]), vec!["b/web"], vec![]),
            (
                Some(vec!["c", "a"]),
                vec!["a/web"],
                vec!["Deployment c/lonely"],
            ),
            (Some(vec![]), vec![], vec![]),
        ];
        for (namespaces, blockers, unprotected) in cases {
            let options = Options {
                namespaces: namespaces
                    .clone()
                    .map(|v| v.into_iter().map(String::from).collect()),
            };
            let report = coverage(&inventory, &options);
            assert_eq!(report.drain_blockers, blockers, "{namespaces:?}");
            assert_eq!(report.unprotected_workloads, unprotected, "{namespaces:?}");
            assert_eq!(report.budgets.len(), blockers.len(), "{namespaces:?}");
        }
    }

    #[test]
    fn pods_of_unknown_controllers_are_estimated_and_named() {
        let docs = vec![
            pod("a", "x-0", json!({"app": "x"}), true, "ReplicaSet", "gone"),
            pod("a", "x-1", json!({"app": "x"}), true, "ReplicaSet", "gone"),
            pdb(
                "a",
                "x",
                json!({"maxUnavailable": 1, "selector": {"matchLabels": {"app": "x"}}}),
            ),
        ];
        let report = run(docs);
        let b = find(&report, "a/x");
        assert_eq!(
            (b.expected_pods, b.desired_healthy, b.disruptions_allowed),
            (2, 1, 1)
        );
        assert_eq!(b.unresolved_controllers, ["ReplicaSet a/gone"]);
    }

    #[test]
    fn empty_inventory_gives_an_empty_report() {
        assert_eq!(
            coverage(&Inventory::default(), &Options::default()),
            Report::default()
        );
    }

    /// A small deterministic generator, so the large test needs no dependency.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, below: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % below
        }
    }

    #[test]
    fn large_inventory_agrees_with_a_naive_count() {
        use crate::k8s::selector::{LabelSelector, Requirement};
        use crate::pdb::objects::{Deployment, OwnerRef, Pod, ReplicaSet};
        use std::collections::BTreeMap;

        let mut rng = Lcg(7);
        let namespaces = 10;
        let (mut pods, mut deployments, mut replica_sets, mut budgets) =
            (vec![], vec![], vec![], vec![]);
        let meta = |ns: u64,
                    name: String,
                    labels: BTreeMap<String, String>,
                    controller: Option<OwnerRef>| ObjectMeta {
            namespace: format!("ns{ns}").into(),
            name: name.into(),
            uid: None,
            labels: labels.iter().collect(),
            controller,
        };
        for ns in 0..namespaces {
            for d in 0..100u64 {
                let labels: BTreeMap<String, String> = [
                    ("app".to_string(), format!("app{d}")),
                    ("tier".to_string(), format!("t{}", d % 5)),
                ]
                .into();
                let replicas = 1 + rng.next(4) as u32;
                deployments.push(Deployment {
                    meta: meta(ns, format!("d{d}"), labels.clone(), None),
                    replicas,
                    template_labels: labels.iter().collect(),
                });
                let owner = OwnerRef {
                    api_version: "apps/v1".into(),
                    kind: "Deployment".into(),
                    name: format!("d{d}").into(),
                    uid: None,
                };
                replica_sets.push(ReplicaSet {
                    meta: meta(ns, format!("d{d}-rs"), labels.clone(), Some(owner)),
                    replicas,
                    template_labels: labels.iter().collect(),
                });
            }
            for p in 0..2000u64 {
                let d = rng.next(100);
                let mut labels: BTreeMap<String, String> = [
                    ("app".to_string(), format!("app{d}")),
                    ("tier".to_string(), format!("t{}", d % 5)),
                ]
                .into();
                if rng.next(3) == 0 {
                    labels.insert("canary".into(), format!("c{}", rng.next(3)));
                }
                let owner = (rng.next(10) > 0).then(|| OwnerRef {
                    api_version: "apps/v1".into(),
                    kind: "ReplicaSet".into(),
                    name: format!("d{d}-rs").into(),
                    uid: None,
                });
                pods.push(Pod {
                    meta: meta(ns, format!("p{p}"), labels, owner),
                    ready: rng.next(8) > 0,
                    phase: "Running".into(),
                    terminating: false,
                });
            }
            for b in 0..200u64 {
                let mut s = LabelSelector::default();
                // Mostly narrow selectors; an occasional empty one covers the namespace.
                match if rng.next(50) == 0 { 5 } else { rng.next(5) } {
                    0 => {
                        s.match_labels
                            .insert("app".into(), format!("app{}", rng.next(110)));
                    }
                    1 => {
                        s.match_labels
                            .insert("tier".into(), format!("t{}", rng.next(5)));
                        s.match_labels
                            .insert("app".into(), format!("app{}", rng.next(100)));
                    }
                    2 => s.match_expressions.push(Requirement {
                        key: "app".into(),
                        operator: Operator::In,
                        values: vec![
                            format!("app{}", rng.next(100)),
                            format!("app{}", rng.next(100)),
                        ],
                    }),
                    3 => {
                        s.match_labels
                            .insert("tier".into(), format!("t{}", rng.next(5)));
                        s.match_expressions.push(Requirement {
                            key: "canary".into(),
                            operator: Operator::Exists,
                            values: vec![],
                        });
                    }
                    4 => {
                        s.match_labels
                            .insert("app".into(), format!("app{}", rng.next(100)));
                        s.match_expressions.push(Requirement {
                            key: "canary".into(),
                            operator: Operator::NotIn,
                            values: vec!["c0".into()],
                        });
                        s.match_expressions.push(Requirement {
                            key: "zone".into(),
                            operator: Operator::DoesNotExist,
                            values: vec![],
                        });
                    }
                    _ => {}
                }
                let selector = (rng.next(40) > 0).then_some(s);
                let (min_available, max_unavailable) = match rng.next(3) {
                    0 => (Some(IntOrPercent::Int(rng.next(3) as u32)), None),
                    1 => (Some(IntOrPercent::Percent(rng.next(101) as u32)), None),
                    _ => (None, Some(IntOrPercent::Int(rng.next(2) as u32))),
                };
                budgets.push(PodDisruptionBudget {
                    meta: meta(ns, format!("b{b:03}"), BTreeMap::new(), None),
                    min_available,
                    max_unavailable,
                    selector,
                    unhealthy_pod_eviction_policy: UnhealthyPodEvictionPolicy::IfHealthyBudget,
                });
            }
        }
        assert_eq!((pods.len(), budgets.len()), (20_000, 2_000));
        let inventory =
            Inventory::from_parts(pods, deployments, vec![], replica_sets, vec![], budgets);
        let report = coverage(&inventory, &Options::default());
        assert_eq!(report.budgets.len(), 2_000);

        // Naive: every pod of the namespace against every budget of the namespace.
        let scale_of: HashMap<(&str, &str), u64> = inventory
            .deployments
            .iter()
            .map(|d| {
                (
                    (d.meta.namespace.as_str(), d.meta.name.as_str()),
                    u64::from(d.replicas),
                )
            })
            .collect();
        let mut holders: HashMap<(&str, &str), Vec<&str>> = HashMap::default();
        for (budget, got) in inventory.budgets.iter().zip(&report.budgets) {
            assert_eq!(
                (budget.meta.namespace.as_str(), budget.meta.name.as_str()),
                (got.namespace.as_str(), got.name.as_str())
            );
            let mut matched = 0;
            let mut healthy = 0;
            let mut controllers = BTreeSet::new();
            for pod in inventory
                .pods
                .iter()
                .filter(|p| p.meta.namespace == budget.meta.namespace)
            {
                if budget
                    .selector
                    .as_ref()
                    .is_some_and(|s| s.matches(&pod.meta.labels))
                {
                    matched += 1;
                    healthy += u64::from(pod.ready);
                    if let Some(owner) = &pod.meta.controller {
                        controllers.insert(owner.name.trim_end_matches("-rs").to_string());
                    }
                    holders
                        .entry((&pod.meta.namespace, &pod.meta.name))
                        .or_default()
                        .push(&budget.meta.name);
                }
            }
            let scale: u64 = controllers
                .iter()
                .map(|d| scale_of[&(budget.meta.namespace.as_str(), d.as_str())])
                .sum();
            let expected = match (budget.max_unavailable, budget.min_available) {
                (None, Some(IntOrPercent::Int(_))) => matched,
                (None, None) => 0,
                _ => scale,
            };
            assert_eq!(
                (got.matched_pods, got.healthy_pods, got.expected_pods),
                (matched, healthy, expected),
                "{}/{}",
                got.namespace,
                got.name
            );
            assert!(got.disruptions_allowed <= got.healthy_pods);
            assert_eq!(
                got.findings.contains(&BudgetFinding::NoMatchingPods),
                matched == 0
            );
        }
        let mut naive_shared: Vec<((&str, &str), Vec<&str>)> = holders
            .into_iter()
            .filter(|(_, names)| names.len() > 1)
            .collect();
        naive_shared.sort();
        let naive_shared: Vec<String> = naive_shared
            .into_iter()
            .map(|((ns, pod), names)| format!("{ns}/{pod}: {}", names.join(", ")))
            .collect();
        assert!(
            naive_shared.len() > 100,
            "the generator should produce overlaps"
        );
        assert_eq!(report.multiply_covered_pods.len(), naive_shared.len());
        for (got, want) in report.multiply_covered_pods.iter().zip(&naive_shared) {
            assert_eq!(got, want);
        }
    }
}

#[cfg(test)]
mod no_panic {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value as Json, json};

    /// JSON whose keys and strings are drawn from the fields this module reads, so random
    /// documents reach deep into the readers instead of being ignored at `kind`.
    fn value() -> impl Strategy<Value = Json> {
        let words = prop::sample::select(vec![
            "Pod",
            "Deployment",
            "StatefulSet",
            "ReplicaSet",
            "ReplicationController",
            "PodDisruptionBudget",
            "List",
            "v1",
            "apps/v1",
            "policy/v1",
            "Ready",
            "True",
            "Pending",
            "In",
            "NotIn",
            "Exists",
            "DoesNotExist",
            "Bogus",
            "app",
            "web",
            "50%",
            "101%",
            "-1",
            "",
            "a/b",
            "AlwaysAllow",
            "x",
        ]);
        let keys = prop::sample::select(vec![
            "kind",
            "apiVersion",
            "metadata",
            "name",
            "namespace",
            "labels",
            "uid",
            "ownerReferences",
            "controller",
            "spec",
            "replicas",
            "template",
            "selector",
            "matchLabels",
            "matchExpressions",
            "key",
            "operator",
            "values",
            "minAvailable",
            "maxUnavailable",
            "unhealthyPodEvictionPolicy",
            "status",
            "conditions",
            "type",
            "phase",
            "items",
            "deletionTimestamp",
        ]);
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            (0u64..5).prop_map(|n| json!(n)),
            any::<f64>().prop_map(|f| json!(f)),
            words.prop_map(|w| json!(w)),
        ];
        leaf.prop_recursive(6, 64, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
                prop::collection::vec((keys.clone(), inner), 0..6).prop_map(|pairs| {
                    Json::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                }),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]
        #[test]
        fn any_documents_give_a_report_or_an_error(docs in prop::collection::vec(value(), 0..6)) {
            if let Ok(inventory) = Inventory::from_documents(docs) {
                let report = coverage(&inventory, &Options::default());
                for b in &report.budgets {
                    prop_assert!(b.disruptions_allowed <= b.healthy_pods);
                }
            }
        }
    }
}
