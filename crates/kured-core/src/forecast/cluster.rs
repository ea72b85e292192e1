//! The cluster a rollout runs over: nodes (labels, taints, allocatable, cordon) and, beside
//! the budget inventory's pods, where each pod runs and where it may run
//! ([`Scheduling`]: `nodeName`, `nodeSelector`, required node affinity, tolerations,
//! required pod anti-affinity and `DoNotSchedule` spread on `kubernetes.io/hostname`,
//! requests, grace period).
//!
//! [`ClusterObjects::from_manifest`] reads a manifest string once: each object goes to the
//! budget [`Inventory`] (through its [`ObjectSink`], strings shared) and, for Pods
//! and Nodes, to the fields here. Pods keep the inventory's order, so `scheduling[i]`
//! belongs to `inventory.pods[i]`.

use serde_json::{Map, Value as Json};

use crate::base::duration::GoDuration;
use crate::base::text::{Labels, Strings, Text};
use crate::forecast::quantity::Quantity;
use crate::k8s::selector::LabelSelector;
use crate::pdb::objects::{
    FieldProblem, Inventory, InventoryError, ManifestError, ObjectError, Reader,
};
use crate::pdb::stream::{self, ObjectSink};

/// The label every node carries with its own name, and the only topology the forecast
/// models for anti-affinity and spread constraints.
pub const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";
/// The label the kubelet sets to the node's operating system.
pub const OS_LABEL: &str = "kubernetes.io/os";
/// The taint a cordoned node carries; DaemonSet pods tolerate it.
pub const UNSCHEDULABLE_TAINT: &str = "node.kubernetes.io/unschedulable";
/// A pod's `terminationGracePeriodSeconds` when it sets none.
pub const DEFAULT_GRACE: GoDuration = GoDuration::from_nanos(30_000_000_000);

/// CPU, memory and pod count, each known or not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    /// Millicores.
    pub cpu_millis: Option<u64>,
    /// Bytes.
    pub memory_bytes: Option<u64>,
    /// Pods (allocatable only).
    pub pods: Option<u64>,
}

/// A taint's or toleration's effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// New pods that do not tolerate it are not scheduled.
    NoSchedule,
    /// The scheduler avoids the node; never a filter.
    PreferNoSchedule,
    /// New pods are not scheduled and running ones are evicted.
    NoExecute,
}

impl Effect {
    fn parse(s: &str) -> Option<Effect> {
        match s {
            "NoSchedule" => Some(Effect::NoSchedule),
            "PreferNoSchedule" => Some(Effect::PreferNoSchedule),
            "NoExecute" => Some(Effect::NoExecute),
            _ => None,
        }
    }

    /// The spelling used in manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::NoSchedule => "NoSchedule",
            Effect::PreferNoSchedule => "PreferNoSchedule",
            Effect::NoExecute => "NoExecute",
        }
    }
}

/// A node taint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    /// The taint's key.
    pub key: String,
    /// The taint's value, empty when none.
    pub value: String,
    /// What it does.
    pub effect: Effect,
}

impl Taint {
    /// `key=value:Effect`, as kubectl prints taints.
    pub fn describe(&self) -> String {
        if self.value.is_empty() {
            format!("{}:{}", self.key, self.effect.as_str())
        } else {
            format!("{}={}:{}", self.key, self.value, self.effect.as_str())
        }
    }
}

/// A pod toleration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toleration {
    /// Empty with `exists` tolerates every taint.
    pub key: String,
    /// `operator: Exists` (any value) rather than `Equal`.
    pub exists: bool,
    /// The value `Equal` compares.
    pub value: String,
    /// `None` tolerates every effect.
    pub effect: Option<Effect>,
}

impl Toleration {
    /// A toleration of one key and effect with any value, as DaemonSets add them.
    pub fn of(key: &str, effect: Effect) -> Toleration {
        Toleration {
            key: key.to_string(),
            exists: true,
            value: String::new(),
            effect: Some(effect),
        }
    }

    /// `ToleratesTaint` of k8s.io/api/core/v1.
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if self.effect.is_some_and(|e| e != taint.effect) {
            return false;
        }
        if !self.key.is_empty() && self.key != taint.key {
            return false;
        }
        self.exists || self.value == taint.value
    }
}

/// Whether `tolerations` let a pod onto a node with `taints`: every `NoSchedule` and
/// `NoExecute` taint must be tolerated. Returns the first taint that is not.
pub fn untolerated<'t>(taints: &'t [Taint], tolerations: &[Toleration]) -> Option<&'t Taint> {
    taints.iter().find(|t| {
        t.effect != Effect::PreferNoSchedule && !tolerations.iter().any(|tol| tol.tolerates(t))
    })
}

/// The operator of a node selector requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeOp {
    /// The label's value is listed.
    In,
    /// The label is absent or its value is not listed.
    NotIn,
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
    /// The label is an integer greater than the one value.
    Gt,
    /// The label is an integer less than the one value.
    Lt,
}

/// One `matchExpressions` or `matchFields` entry of a node selector term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRequirement {
    /// The label key, or `metadata.name` for a field.
    pub key: String,
    /// The comparison.
    pub op: NodeOp,
    /// The values compared with.
    pub values: Vec<String>,
}

impl NodeRequirement {
    fn holds(&self, value: Option<&str>) -> bool {
        let listed = |v: &str| self.values.iter().any(|x| x == v);
        let number = |v: &str| v.parse::<i64>().ok();
        let bound = self.values.first().and_then(|v| number(v));
        match self.op {
            NodeOp::In => value.is_some_and(listed),
            NodeOp::NotIn => value.is_none_or(|v| !listed(v)),
            NodeOp::Exists => value.is_some(),
            NodeOp::DoesNotExist => value.is_none(),
            NodeOp::Gt => matches!((value.and_then(number), bound), (Some(v), Some(b)) if v > b),
            NodeOp::Lt => matches!((value.and_then(number), bound), (Some(v), Some(b)) if v < b),
        }
    }
}

/// One `nodeSelectorTerms` entry: every requirement must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeTerm {
    /// Requirements on labels.
    pub expressions: Vec<NodeRequirement>,
    /// Requirements on fields (only `metadata.name` exists).
    pub fields: Vec<NodeRequirement>,
}

impl NodeTerm {
    /// Whether the node satisfies the term. A term with no requirement matches nothing,
    /// as in the scheduler.
    pub fn matches(&self, node: &Node) -> bool {
        (!self.expressions.is_empty() || !self.fields.is_empty())
            && self
                .expressions
                .iter()
                .all(|r| r.holds(node.labels.get(&r.key).map(Text::as_str)))
            && self
                .fields
                .iter()
                .all(|r| r.holds((r.key == "metadata.name").then_some(node.name.as_str())))
    }
}

/// Which namespaces a pod affinity term looks in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TermNamespaces {
    /// The pod's own namespace.
    Own,
    /// These namespaces.
    Listed(Vec<String>),
    /// Every namespace (an empty `namespaceSelector`, or one the forecast cannot
    /// evaluate, which it reads as the widest).
    All,
}

/// A required pod anti-affinity term on `kubernetes.io/hostname`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AntiAffinity {
    /// The pods it keeps away; `None` (no `labelSelector`) matches no pod.
    pub selector: Option<LabelSelector>,
    /// Where those pods are looked for.
    pub namespaces: TermNamespaces,
}

impl AntiAffinity {
    /// Whether a pod in `namespace` with `labels` is one this term keeps away from a pod in
    /// `own_namespace`.
    pub fn selects(&self, own_namespace: &str, namespace: &str, labels: &Labels) -> bool {
        let in_scope = match &self.namespaces {
            TermNamespaces::Own => namespace == own_namespace,
            TermNamespaces::Listed(list) => list.iter().any(|n| n == namespace),
            TermNamespaces::All => true,
        };
        in_scope && self.selector.as_ref().is_some_and(|s| s.matches(labels))
    }
}

/// A `topologySpreadConstraints` entry with `whenUnsatisfiable: DoNotSchedule` on
/// `kubernetes.io/hostname`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spread {
    /// `maxSkew`.
    pub max_skew: u32,
    /// The pods counted (same namespace); `None` counts none.
    pub selector: Option<LabelSelector>,
    /// `minDomains`, when set.
    pub min_domains: Option<u32>,
}

/// Where a pod runs and where it may run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scheduling {
    /// `spec.nodeName`.
    pub node_name: Option<Text>,
    /// `spec.nodeSelector`.
    pub node_selector: Labels,
    /// Required node affinity terms, any of which must match; empty when none.
    pub affinity: Vec<NodeTerm>,
    /// `spec.tolerations`.
    pub tolerations: Vec<Toleration>,
    /// Required anti-affinity on the hostname.
    pub anti_affinity: Vec<AntiAffinity>,
    /// Hard spread constraints on the hostname.
    pub spread: Vec<Spread>,
    /// The pod's effective requests (containers summed, init containers' maximum).
    pub requests: Resources,
    /// `spec.terminationGracePeriodSeconds`, [`DEFAULT_GRACE`] when unset.
    pub grace: GoDuration,
    /// Required scheduling terms the forecast does not evaluate (other topology keys,
    /// pod affinity), for the step log.
    pub unmodelled: Vec<String>,
}

impl Scheduling {
    /// Whether the node passes `nodeSelector` and required node affinity.
    pub fn selects_node(&self, node: &Node) -> bool {
        self.node_selector
            .iter()
            .all(|(k, v)| node.labels.get(k) == Some(v))
            && (self.affinity.is_empty() || self.affinity.iter().any(|t| t.matches(node)))
    }
}

/// A node as the scheduler and kured see it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Node {
    /// `metadata.name`.
    pub name: Text,
    /// `metadata.labels`.
    pub labels: Labels,
    /// `spec.taints`.
    pub taints: Vec<Taint>,
    /// `status.allocatable`.
    pub allocatable: Resources,
    /// `spec.unschedulable`: cordoned before the rollout starts.
    pub unschedulable: bool,
}

impl Node {
    /// A node known only by name: Linux, its hostname label, no taints, capacity unknown.
    pub fn named(name: &str) -> Node {
        Node {
            name: Text::from(name),
            labels: [(HOSTNAME_LABEL, name), (OS_LABEL, "linux")]
                .into_iter()
                .collect(),
            ..Node::default()
        }
    }
}

/// Nodes, and the pods of the budget inventory with their scheduling.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterObjects {
    /// Pods, workloads and budgets, as budget coverage reads them.
    pub inventory: Inventory,
    /// Node objects, in input order.
    pub nodes: Vec<Node>,
    /// One entry per `inventory.pods` entry, in the same order.
    pub scheduling: Vec<Scheduling>,
}

impl ClusterObjects {
    /// Reads a YAML or JSON manifest string, parsing it once (see [`crate::base::yaml::visit_documents`]).
    pub fn from_manifest(input: &str) -> Result<ClusterObjects, ManifestError> {
        stream::from_manifest(input)
    }

    /// Sorts JSON documents (as a live cluster returns them) into objects.
    pub fn from_documents(documents: &[Json]) -> Result<ClusterObjects, InventoryError> {
        stream::from_documents(documents)
    }

    /// Adds every object of `other`.
    pub fn extend(&mut self, other: ClusterObjects) {
        self.inventory.extend(other.inventory);
        self.nodes.extend(other.nodes);
        self.scheduling.extend(other.scheduling);
    }
}

impl ObjectSink for ClusterObjects {
    fn add_object(&mut self, object: &Json, strings: &mut Strings) -> Result<(), ObjectError> {
        self.inventory.add_object(object, strings)?;
        let kind = object
            .get("kind")
            .and_then(Json::as_str)
            .unwrap_or_default();
        let core = object
            .get("apiVersion")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .split_once('/')
            .is_none();
        // The inventory took a Pod for exactly these objects; keep the order aligned.
        match kind {
            "Pod" if core => self.scheduling.push(read_pod_scheduling(object, strings)?),
            "Node" if core => self.nodes.push(read_node(object, strings)?),
            _ => {}
        }
        Ok(())
    }

    fn append(&mut self, other: ClusterObjects) {
        self.extend(other);
    }
}

/// Reads fields of one object, naming it in errors as the inventory does: the inventory's
/// reader, with what the forecast reads beyond it (lists, selectors, quantities).
struct Fields<'a>(Reader<'a>);

impl<'a> Fields<'a> {
    fn new(kind: &'static str, root: &'a Json) -> Fields<'a> {
        Fields(Reader::new(kind, root))
    }

    fn error(&self, field: &str, problem: FieldProblem) -> ObjectError {
        self.0.error(field, problem)
    }

    fn wrong(&self, field: &str, expected: &'static str, found: &Json) -> ObjectError {
        self.0.wrong(field, expected, found)
    }

    /// The value at `path` under `base`; `None` when absent or null.
    fn at(
        &self,
        base: &'a Json,
        path: &str,
        base_path: &str,
    ) -> Result<Option<&'a Json>, ObjectError> {
        self.0.at(base, path, base_path)
    }

    fn get(&self, path: &str) -> Result<Option<&'a Json>, ObjectError> {
        self.0.get(path)
    }

    fn list(&self, value: Option<&'a Json>, path: &str) -> Result<&'a [Json], ObjectError> {
        match value {
            None => Ok(&[]),
            Some(Json::Array(items)) => Ok(items),
            Some(other) => Err(self.wrong(path, "a list", other)),
        }
    }

    fn map(&self, value: &'a Json, path: &str) -> Result<&'a Map<String, Json>, ObjectError> {
        value
            .as_object()
            .ok_or_else(|| self.wrong(path, "an object", value))
    }

    fn text(
        &self,
        map: &'a Map<String, Json>,
        key: &str,
        path: &str,
    ) -> Result<&'a str, ObjectError> {
        match map.get(key) {
            None | Some(Json::Null) => Ok(""),
            Some(Json::String(s)) => Ok(s),
            Some(other) => Err(self.wrong(&format!("{path}.{key}"), "a string", other)),
        }
    }

    fn texts(
        &self,
        map: &'a Map<String, Json>,
        key: &str,
        path: &str,
    ) -> Result<Vec<String>, ObjectError> {
        let field = format!("{path}.{key}");
        let mut out = Vec::new();
        for (i, v) in self
            .list(map.get(key).filter(|v| !v.is_null()), &field)?
            .iter()
            .enumerate()
        {
            match v {
                Json::String(s) => out.push(s.clone()),
                other => return Err(self.wrong(&format!("{field}[{i}]"), "a string", other)),
            }
        }
        Ok(out)
    }

    fn string_map(
        &self,
        value: Option<&'a Json>,
        path: &str,
        strings: &mut Strings,
    ) -> Result<Labels, ObjectError> {
        let Some(value) = value else {
            return Ok(Labels::default());
        };
        let map = self.map(value, path)?;
        let mut pairs = Vec::with_capacity(map.len());
        for (k, v) in map {
            match v {
                Json::String(s) => pairs.push((strings.get(k), strings.get(s))),
                other => return Err(self.wrong(&format!("{path}.{k}"), "a string", other)),
            }
        }
        Ok(Labels::from_pairs(pairs))
    }

    fn selector(
        &self,
        map: &'a Map<String, Json>,
        key: &str,
        path: &str,
    ) -> Result<Option<LabelSelector>, ObjectError> {
        match map.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(raw) => LabelSelector::from_json(raw)
                .map(Some)
                .map_err(|e| self.error(&format!("{path}.{key}"), FieldProblem::Selector(e))),
        }
    }

    fn quantity(&self, value: &Json, path: &str) -> Result<Quantity, ObjectError> {
        let text = match value {
            Json::String(s) => s.clone(),
            Json::Number(n) => n.to_string(),
            other => return Err(self.wrong(path, "a quantity such as 500m or 1Gi", other)),
        };
        Quantity::parse(&text).map_err(|e| {
            self.error(
                path,
                FieldProblem::WrongType {
                    expected: "a quantity such as 500m, 2 or 1Gi",
                    found: e.to_string(),
                },
            )
        })
    }

    fn resources(
        &self,
        value: Option<&'a Json>,
        path: &str,
        with_pods: bool,
    ) -> Result<Resources, ObjectError> {
        let Some(value) = value else {
            return Ok(Resources::default());
        };
        let map = self.map(value, path)?;
        let read = |key: &str| -> Result<Option<Quantity>, ObjectError> {
            map.get(key)
                .filter(|v| !v.is_null())
                .map(|v| self.quantity(v, &format!("{path}.{key}")))
                .transpose()
        };
        Ok(Resources {
            cpu_millis: read("cpu")?.map(Quantity::milli_ceil),
            memory_bytes: read("memory")?.map(Quantity::units_ceil),
            pods: if with_pods {
                read("pods")?.map(Quantity::units_ceil)
            } else {
                None
            },
        })
    }
}

/// Reads the scheduling fields of a pod spec at `spec` (`spec` of a Pod, or
/// `spec.template.spec` of a DaemonSet), naming fields from `spec_path`.
fn read_spec(
    f: &Fields<'_>,
    spec: Option<&Json>,
    spec_path: &str,
    strings: &mut Strings,
) -> Result<Scheduling, ObjectError> {
    let mut out = Scheduling {
        grace: DEFAULT_GRACE,
        ..Scheduling::default()
    };
    let Some(spec) = spec else {
        return Ok(out);
    };
    let at = |path: &str| f.at(spec, path, spec_path);
    let field = |path: &str| format!("{spec_path}.{path}");
    match at("nodeName")? {
        None => {}
        Some(Json::String(s)) if s.is_empty() => {}
        Some(Json::String(s)) => out.node_name = Some(strings.get(s)),
        Some(other) => return Err(f.wrong(&field("nodeName"), "a string", other)),
    }
    out.node_selector = f.string_map(at("nodeSelector")?, &field("nodeSelector"), strings)?;

    let terms_path = field(
        "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
    );
    let terms = at(
        "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
    )?;
    for (i, term) in f.list(terms, &terms_path)?.iter().enumerate() {
        let path = format!("{terms_path}[{i}]");
        let term = f.map(term, &path)?;
        out.affinity.push(NodeTerm {
            expressions: node_requirements(
                f,
                term.get("matchExpressions"),
                &format!("{path}.matchExpressions"),
            )?,
            fields: node_requirements(f, term.get("matchFields"), &format!("{path}.matchFields"))?,
        });
    }

    let tolerations_path = field("tolerations");
    for (i, t) in f
        .list(at("tolerations")?, &tolerations_path)?
        .iter()
        .enumerate()
    {
        let path = format!("{tolerations_path}[{i}]");
        let t = f.map(t, &path)?;
        let exists = match f.text(t, "operator", &path)? {
            "" | "Equal" => false,
            "Exists" => true,
            other => {
                return Err(f.error(
                    &format!("{path}.operator"),
                    FieldProblem::NotOneOf {
                        found: other.to_string(),
                        valid: "Equal, Exists",
                    },
                ));
            }
        };
        let effect = match f.text(t, "effect", &path)? {
            "" => None,
            e => Some(Effect::parse(e).ok_or_else(|| {
                f.error(
                    &format!("{path}.effect"),
                    FieldProblem::NotOneOf {
                        found: e.to_string(),
                        valid: "NoSchedule, PreferNoSchedule, NoExecute",
                    },
                )
            })?),
        };
        out.tolerations.push(Toleration {
            key: f.text(t, "key", &path)?.to_string(),
            exists,
            value: f.text(t, "value", &path)?.to_string(),
            effect,
        });
    }

    let anti_path =
        field("affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution");
    for (i, term) in f
        .list(
            at("affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution")?,
            &anti_path,
        )?
        .iter()
        .enumerate()
    {
        let path = format!("{anti_path}[{i}]");
        let term = f.map(term, &path)?;
        let key = f.text(term, "topologyKey", &path)?;
        if key != HOSTNAME_LABEL {
            out.unmodelled.push(format!("pod anti-affinity on {key:?}"));
            continue;
        }
        let listed = f.texts(term, "namespaces", &path)?;
        let namespaces = match term.get("namespaceSelector") {
            Some(Json::Object(_)) => TermNamespaces::All,
            _ if listed.is_empty() => TermNamespaces::Own,
            _ => TermNamespaces::Listed(listed),
        };
        out.anti_affinity.push(AntiAffinity {
            selector: f.selector(term, "labelSelector", &path)?,
            namespaces,
        });
    }
    if at("affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution")?.is_some() {
        out.unmodelled.push("required pod affinity".to_string());
    }

    let spread_path = field("topologySpreadConstraints");
    for (i, c) in f
        .list(at("topologySpreadConstraints")?, &spread_path)?
        .iter()
        .enumerate()
    {
        let path = format!("{spread_path}[{i}]");
        let c = f.map(c, &path)?;
        if f.text(c, "whenUnsatisfiable", &path)? != "DoNotSchedule" {
            continue;
        }
        let key = f.text(c, "topologyKey", &path)?;
        if key != HOSTNAME_LABEL {
            out.unmodelled.push(format!("topology spread on {key:?}"));
            continue;
        }
        let count = |key: &str, min: u64| -> Result<Option<u32>, ObjectError> {
            match c.get(key) {
                None | Some(Json::Null) => Ok(None),
                Some(v) => v
                    .as_u64()
                    .filter(|n| *n >= min)
                    .and_then(|n| u32::try_from(n).ok())
                    .map(Some)
                    .ok_or_else(|| {
                        f.wrong(&format!("{path}.{key}"), "a whole number of at least 1", v)
                    }),
            }
        };
        out.spread.push(Spread {
            max_skew: count("maxSkew", 1)?.unwrap_or(1),
            selector: f.selector(c, "labelSelector", &path)?,
            min_domains: count("minDomains", 1)?,
        });
    }

    // The scheduler's effective request: the containers' sum, or an init container's
    // request when that is larger (init containers run one at a time).
    let mut sum = Resources::default();
    let containers_path = field("containers");
    for (i, c) in f
        .list(at("containers")?, &containers_path)?
        .iter()
        .enumerate()
    {
        let path = format!("{containers_path}[{i}].resources.requests");
        let r = f.resources(f.at(c, "resources.requests", &path)?, &path, false)?;
        sum = add(sum, r);
    }
    let init_path = field("initContainers");
    for (i, c) in f
        .list(at("initContainers")?, &init_path)?
        .iter()
        .enumerate()
    {
        let path = format!("{init_path}[{i}].resources.requests");
        let r = f.resources(f.at(c, "resources.requests", &path)?, &path, false)?;
        sum.cpu_millis = max(sum.cpu_millis, r.cpu_millis);
        sum.memory_bytes = max(sum.memory_bytes, r.memory_bytes);
    }
    out.requests = sum;

    if let Some(v) = at("terminationGracePeriodSeconds")? {
        let seconds = v.as_i64().ok_or_else(|| {
            f.wrong(
                &field("terminationGracePeriodSeconds"),
                "a whole number of seconds",
                v,
            )
        })?;
        out.grace = GoDuration::from_nanos(seconds.max(0).saturating_mul(1_000_000_000));
    }
    Ok(out)
}

fn add(a: Resources, b: Resources) -> Resources {
    let sum = |x: Option<u64>, y: Option<u64>| match (x, y) {
        (None, None) => None,
        (x, y) => Some(x.unwrap_or(0).saturating_add(y.unwrap_or(0))),
    };
    Resources {
        cpu_millis: sum(a.cpu_millis, b.cpu_millis),
        memory_bytes: sum(a.memory_bytes, b.memory_bytes),
        pods: None,
    }
}

fn max(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0).max(b.unwrap_or(0))),
    }
}

fn node_requirements(
    f: &Fields<'_>,
    value: Option<&Json>,
    path: &str,
) -> Result<Vec<NodeRequirement>, ObjectError> {
    let mut out = Vec::new();
    for (i, r) in f
        .list(value.filter(|v| !v.is_null()), path)?
        .iter()
        .enumerate()
    {
        let path = format!("{path}[{i}]");
        let r = f.map(r, &path)?;
        let op = match f.text(r, "operator", &path)? {
            "In" => NodeOp::In,
            "NotIn" => NodeOp::NotIn,
            "Exists" => NodeOp::Exists,
            "DoesNotExist" => NodeOp::DoesNotExist,
            "Gt" => NodeOp::Gt,
            "Lt" => NodeOp::Lt,
            other => {
                return Err(f.error(
                    &format!("{path}.operator"),
                    FieldProblem::NotOneOf {
                        found: other.to_string(),
                        valid: "In, NotIn, Exists, DoesNotExist, Gt, Lt",
                    },
                ));
            }
        };
        out.push(NodeRequirement {
            key: f.text(r, "key", &path)?.to_string(),
            op,
            values: f.texts(r, "values", &path)?,
        });
    }
    Ok(out)
}

fn read_pod_scheduling(value: &Json, strings: &mut Strings) -> Result<Scheduling, ObjectError> {
    let f = Fields::new("Pod", value);
    read_spec(&f, f.get("spec")?, "spec", strings)
}

/// Reads the scheduling of a DaemonSet's pods from its manifest object.
pub fn read_daemonset_scheduling(value: &Json) -> Result<Scheduling, ObjectError> {
    let f = Fields::new("DaemonSet", value);
    read_spec(
        &f,
        f.get("spec.template.spec")?,
        "spec.template.spec",
        &mut Strings::default(),
    )
}

fn read_node(value: &Json, strings: &mut Strings) -> Result<Node, ObjectError> {
    let f = Fields::new("Node", value);
    let name = match f.get("metadata.name")? {
        Some(Json::String(s)) if !s.is_empty() => strings.get(s),
        Some(Json::String(_)) | None => return Err(f.error("metadata.name", FieldProblem::Missing)),
        Some(other) => return Err(f.wrong("metadata.name", "a string", other)),
    };
    let unschedulable = match f.get("spec.unschedulable")? {
        None => false,
        Some(Json::Bool(b)) => *b,
        Some(other) => return Err(f.wrong("spec.unschedulable", "a boolean", other)),
    };
    let mut taints = Vec::new();
    for (i, t) in f
        .list(f.get("spec.taints")?, "spec.taints")?
        .iter()
        .enumerate()
    {
        let path = format!("spec.taints[{i}]");
        let t = f.map(t, &path)?;
        let key = f.text(t, "key", &path)?;
        if key.is_empty() {
            return Err(f.error(&format!("{path}.key"), FieldProblem::Missing));
        }
        let effect = f.text(t, "effect", &path)?;
        taints.push(Taint {
            key: key.to_string(),
            value: f.text(t, "value", &path)?.to_string(),
            effect: Effect::parse(effect).ok_or_else(|| {
                f.error(
                    &format!("{path}.effect"),
                    FieldProblem::NotOneOf {
                        found: effect.to_string(),
                        valid: "NoSchedule, PreferNoSchedule, NoExecute",
                    },
                )
            })?,
        });
    }
    Ok(Node {
        name,
        labels: f.string_map(f.get("metadata.labels")?, "metadata.labels", strings)?,
        taints,
        allocatable: f.resources(f.get("status.allocatable")?, "status.allocatable", true)?,
        unschedulable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::yaml;
    use serde_json::json;

    const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec:
  nodeName: node-1
  nodeSelector: {disk: ssd}
  terminationGracePeriodSeconds: 10
  tolerations:
    - {key: dedicated, operator: Equal, value: web, effect: NoSchedule}
    - {operator: Exists, effect: NoExecute}
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
          - matchExpressions: [{key: zone, operator: In, values: [a, b]}]
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        - {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: web}}}
        - {topologyKey: topology.kubernetes.io/zone, labelSelector: {matchLabels: {app: web}}}
  topologySpreadConstraints:
    - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}
    - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway}
  initContainers:
    - {name: init, resources: {requests: {cpu: "2", memory: 1Mi}}}
  containers:
    - {name: a, resources: {requests: {cpu: 250m, memory: 64Mi}}}
    - {name: b, resources: {requests: {cpu: 500m}}}
status:
  phase: Running
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: v1
kind: Node
metadata: {name: node-1, labels: {kubernetes.io/hostname: node-1, zone: a, disk: ssd}}
spec:
  unschedulable: true
  taints: [{key: dedicated, value: web, effect: NoSchedule}]
status:
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
"#;

    #[test]
    fn reads_pods_and_nodes_in_one_pass() {
        let objects = ClusterObjects::from_manifest(POD).unwrap();
        assert_eq!(objects.inventory.pods.len(), 1);
        assert_eq!(objects.scheduling.len(), 1);
        let s = &objects.scheduling[0];
        assert_eq!(s.node_name.as_deref(), Some("node-1"));
        assert_eq!(s.node_selector.get("disk").map(Text::as_str), Some("ssd"));
        assert_eq!(s.grace.to_string(), "10s");
        assert_eq!(s.tolerations.len(), 2);
        assert_eq!(s.anti_affinity.len(), 1);
        assert_eq!(s.spread.len(), 1, "ScheduleAnyway is not a hard constraint");
        assert_eq!(
            s.unmodelled,
            ["pod anti-affinity on \"topology.kubernetes.io/zone\""]
        );
        assert_eq!(
            s.requests,
            Resources {
                cpu_millis: Some(2000),
                memory_bytes: Some(64 << 20),
                pods: None
            }
        );
        let node = &objects.nodes[0];
        assert!(node.unschedulable);
        assert_eq!(node.allocatable.pods, Some(110));
        assert_eq!(node.allocatable.memory_bytes, Some(8 << 30));
        assert!(s.selects_node(node));
        assert_eq!(untolerated(&node.taints, &s.tolerations), None);
        assert_eq!(objects.inventory.ignored.get("v1 Node"), Some(&1));
    }

    #[test]
    fn json_lists_and_yaml_agree() {
        let docs = yaml::parse_documents(POD).unwrap();
        let list = json!({"apiVersion": "v1", "kind": "List", "items": docs});
        let from_json = ClusterObjects::from_manifest(&list.to_string()).unwrap();
        let from_yaml = ClusterObjects::from_manifest(POD).unwrap();
        assert_eq!(from_json.nodes, from_yaml.nodes);
        assert_eq!(from_json.scheduling, from_yaml.scheduling);
        assert_eq!(
            ClusterObjects::from_documents(&docs).unwrap().scheduling,
            from_yaml.scheduling
        );
    }

    #[test]
    fn names_the_object_and_field_at_fault() {
        let cases = [
            (
                json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}, "spec": {"taints": [{"key": "a", "effect": "Sometimes"}]}}),
                "Node default/n: spec.taints[0].effect: \"Sometimes\" is not one of NoSchedule, PreferNoSchedule, NoExecute",
            ),
            (
                json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}, "status": {"allocatable": {"cpu": "lots"}}}),
                "Node default/n: status.allocatable.cpu: expected a quantity",
            ),
            (
                json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "a"}, "spec": {"tolerations": [{"operator": "Maybe"}]}}),
                "Pod a/p: spec.tolerations[0].operator: \"Maybe\" is not one of Equal, Exists",
            ),
            (
                json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"nodeName": 3}}),
                "Pod default/p: spec.nodeName: expected a string, found the number 3",
            ),
            (
                json!({"apiVersion": "v1", "kind": "Node", "metadata": {}}),
                "Node default/(unnamed): metadata.name: is required",
            ),
        ];
        for (doc, want) in cases {
            let err = ClusterObjects::from_documents(std::slice::from_ref(&doc))
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{doc}\n got: {err}\nwant: {want}");
        }
    }

    #[test]
    fn tolerations_follow_the_api() {
        let taint = |key: &str, value: &str, effect| Taint {
            key: key.into(),
            value: value.into(),
            effect,
        };
        let t = taint("dedicated", "gpu", Effect::NoSchedule);
        let tol = |key: &str, exists, value: &str, effect| Toleration {
            key: key.into(),
            exists,
            value: value.into(),
            effect,
        };
        assert!(
            tol("", true, "", None).tolerates(&t),
            "empty key with Exists tolerates all"
        );
        assert!(tol("dedicated", true, "", Some(Effect::NoSchedule)).tolerates(&t));
        assert!(tol("dedicated", false, "gpu", None).tolerates(&t));
        assert!(!tol("dedicated", false, "cpu", None).tolerates(&t));
        assert!(!tol("dedicated", true, "", Some(Effect::NoExecute)).tolerates(&t));
        let soft = taint("x", "", Effect::PreferNoSchedule);
        assert_eq!(
            untolerated(std::slice::from_ref(&soft), &[]),
            None,
            "PreferNoSchedule never filters"
        );
        assert_eq!(untolerated(std::slice::from_ref(&t), &[]), Some(&t));
    }

    #[test]
    fn node_terms_follow_the_scheduler() {
        let node = Node {
            labels: [("zone", "a"), ("cores", "8")].into_iter().collect(),
            ..Node::named("n1")
        };
        let req = |key: &str, op, values: &[&str]| NodeRequirement {
            key: key.into(),
            op,
            values: values.iter().map(|v| v.to_string()).collect(),
        };
        let term = |expressions, fields| NodeTerm {
            expressions,
            fields,
        };
        assert!(term(vec![req("zone", NodeOp::In, &["a"])], vec![]).matches(&node));
        assert!(term(vec![req("cores", NodeOp::Gt, &["4"])], vec![]).matches(&node));
        assert!(!term(vec![req("cores", NodeOp::Lt, &["4"])], vec![]).matches(&node));
        assert!(term(vec![], vec![req("metadata.name", NodeOp::In, &["n1"])]).matches(&node));
        assert!(
            !term(vec![], vec![]).matches(&node),
            "an empty term matches nothing"
        );
        assert!(term(vec![req("gpu", NodeOp::DoesNotExist, &[])], vec![]).matches(&node));
    }
}
