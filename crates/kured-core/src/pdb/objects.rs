//! The few fields of Pods, workloads and PodDisruptionBudgets that budget coverage needs,
//! read from JSON-shaped manifests (`kubectl get ... -o yaml`, rendered charts) or built by
//! a caller that read a live cluster.
//!
//! Each type reads itself from a `serde_json::Value` with a path-aware reader, so an error
//! names the object (kind, namespace, name) and the exact field; the same readers back the
//! types' `serde::Deserialize` implementations.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde_json::{Map, Value as Json};

use crate::base::text::Strings;
pub use crate::base::text::{Labels, Text};
use crate::base::yaml::YamlError;
use crate::k8s::selector::{LabelSelector, SelectorError, json_type};
use crate::pdb::stream::{self, ObjectSink};

/// The namespace an object without `metadata.namespace` lands in, as kubectl applies it.
pub const DEFAULT_NAMESPACE: &str = "default";

/// A reference to an object's managing controller (`ownerReferences[]` with
/// `controller: true`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnerRef {
    /// `apps/v1`, `v1`, ...: the finders of the disruption controller check the group.
    pub api_version: Text,
    /// The owner's kind, such as `ReplicaSet`.
    pub kind: Text,
    /// The owner's name, in the same namespace as the owned object.
    pub name: Text,
    /// The owner's uid, when the reference records one.
    pub uid: Option<Text>,
}

impl OwnerRef {
    /// The API group of `api_version` (`""` for the core group).
    pub fn group(&self) -> &str {
        match self.api_version.split_once('/') {
            Some((group, _)) => group,
            None => "",
        }
    }
}

/// The metadata every object here carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectMeta {
    /// `metadata.namespace`, [`DEFAULT_NAMESPACE`] when absent.
    pub namespace: Text,
    /// `metadata.name`.
    pub name: Text,
    /// `metadata.uid`, present on objects read from a cluster.
    pub uid: Option<Text>,
    /// `metadata.labels`.
    pub labels: Labels,
    /// The owner reference marked `controller: true`, if any.
    pub controller: Option<OwnerRef>,
}

/// A pod as budgets see it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Json")]
pub struct Pod {
    /// Name, namespace, labels and controller.
    pub meta: ObjectMeta,
    /// The `Ready` condition is `True`: the disruption controller's notion of healthy.
    pub ready: bool,
    /// `status.phase`, empty when absent.
    pub phase: Text,
    /// `metadata.deletionTimestamp` is set.
    pub terminating: bool,
}

impl Pod {
    /// The eviction API deletes pending, finished and terminating pods without consulting
    /// any budget, so such pods never hold a drain up.
    pub fn bypasses_budgets(&self) -> bool {
        self.terminating || matches!(self.phase.as_str(), "Pending" | "Succeeded" | "Failed")
    }
}

/// A Deployment: its scale and the labels its pods get.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Json")]
pub struct Deployment {
    /// Name, namespace and uid.
    pub meta: ObjectMeta,
    /// `spec.replicas`, 1 when absent (the API default).
    pub replicas: u32,
    /// `spec.template.metadata.labels`: the labels its pods get.
    pub template_labels: Labels,
}

/// A StatefulSet: its scale and the labels its pods get.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Json")]
pub struct StatefulSet {
    /// Name, namespace and uid.
    pub meta: ObjectMeta,
    /// `spec.replicas`, 1 when absent.
    pub replicas: u32,
    /// `spec.template.metadata.labels`: the labels its pods get.
    pub template_labels: Labels,
}

/// A ReplicaSet; `meta.controller` points at its Deployment when it has one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Json")]
pub struct ReplicaSet {
    /// Name, namespace, uid and owning Deployment.
    pub meta: ObjectMeta,
    /// `spec.replicas`, 1 when absent.
    pub replicas: u32,
    /// `spec.template.metadata.labels`: the labels its pods get.
    pub template_labels: Labels,
}

/// A ReplicationController.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Json")]
pub struct ReplicationController {
    /// Name, namespace and uid.
    pub meta: ObjectMeta,
    /// `spec.replicas`, 1 when absent.
    pub replicas: u32,
    /// `spec.selector`; the API defaults it to the template's labels.
    pub selector: Labels,
    /// `spec.template.metadata.labels`: the labels its pods get.
    pub template_labels: Labels,
}

/// `minAvailable` / `maxUnavailable`: a count or a percentage of the expected pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntOrPercent {
    /// A pod count (never negative after validation).
    Int(u32),
    /// A percentage from 0 to 100.
    Percent(u32),
}

impl IntOrPercent {
    /// Scales against `total` as `intstr.GetScaledValueFromIntOrPercent` with round-up
    /// does: a percentage becomes `ceil(p * total / 100)`.
    pub fn scaled_up(self, total: u64) -> u64 {
        match self {
            IntOrPercent::Int(n) => u64::from(n),
            // p <= 100, so p * total cannot overflow for any realistic total; saturate anyway.
            IntOrPercent::Percent(p) => u64::from(p).saturating_mul(total).div_ceil(100),
        }
    }
}

impl fmt::Display for IntOrPercent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrPercent::Int(n) => write!(f, "{n}"),
            IntOrPercent::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// `spec.unhealthyPodEvictionPolicy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnhealthyPodEvictionPolicy {
    /// The default: an unready pod may be evicted only while the budget is not disrupted.
    #[default]
    IfHealthyBudget,
    /// An unready pod may always be evicted.
    AlwaysAllow,
}

/// A policy/v1 PodDisruptionBudget.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Json")]
pub struct PodDisruptionBudget {
    /// Name and namespace.
    pub meta: ObjectMeta,
    /// `spec.minAvailable`.
    pub min_available: Option<IntOrPercent>,
    /// `spec.maxUnavailable`; the controller reads it first when both are set.
    pub max_unavailable: Option<IntOrPercent>,
    /// `None` is an absent or null selector, which matches no pod.
    pub selector: Option<LabelSelector>,
    /// `spec.unhealthyPodEvictionPolicy`, `IfHealthyBudget` when absent.
    pub unhealthy_pod_eviction_policy: UnhealthyPodEvictionPolicy,
}

/// What was wrong with one field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FieldProblem {
    /// The field holds the wrong JSON type or an out-of-range number.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What the field should hold.
        expected: &'static str,
        /// What it holds.
        found: String,
    },
    /// A required field is missing or empty.
    #[error("is required")]
    Missing,
    /// A string outside a fixed set of values.
    #[error("{found:?} is not one of {valid}")]
    NotOneOf {
        /// The value given.
        found: String,
        /// The accepted values.
        valid: &'static str,
    },
    /// The label selector is invalid.
    #[error("{0}")]
    Selector(#[from] SelectorError),
    /// `minAvailable` and `maxUnavailable` are both set, which the API forbids.
    #[error("minAvailable and maxUnavailable cannot both be set; keep one")]
    BothBudgets,
    /// An API version whose meaning differs from the one modelled here.
    #[error("{found:?} is not supported; use {wanted}")]
    UnsupportedVersion {
        /// The `apiVersion` given.
        found: String,
        /// The version to use instead.
        wanted: &'static str,
    },
}

/// An object of a known kind that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} {namespace}/{name}: {field}: {problem}")]
pub struct ObjectError {
    /// The object's kind.
    pub kind: String,
    /// The object's namespace (defaulted when absent).
    pub namespace: String,
    /// The object's name, `(unnamed)` when it has none.
    pub name: String,
    /// The JSON path of the bad field, such as `spec.minAvailable`.
    pub field: String,
    /// Boxed to keep `Result`s small on the happy path.
    pub problem: Box<FieldProblem>,
}

/// Why a set of documents could not become an [`Inventory`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    /// One object of a known kind was malformed.
    #[error("document {document}: {source}")]
    Object {
        /// 1-based index of the top-level document.
        document: usize,
        /// What was wrong with it.
        #[source]
        source: ObjectError,
    },
    /// `List` objects nested deeper than anything kubectl produces.
    #[error("document {document}: List objects nested more than {limit} deep; flatten the input")]
    TooDeep {
        /// 1-based index of the top-level document.
        document: usize,
        /// The deepest nesting read.
        limit: usize,
    },
}

/// Everything coverage looks at, grouped by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inventory {
    /// Pods; when there are none, coverage synthesizes them from the workloads.
    pub pods: Vec<Pod>,
    /// Deployments.
    pub deployments: Vec<Deployment>,
    /// StatefulSets.
    pub stateful_sets: Vec<StatefulSet>,
    /// ReplicaSets.
    pub replica_sets: Vec<ReplicaSet>,
    /// ReplicationControllers.
    pub replication_controllers: Vec<ReplicationController>,
    /// policy/v1 PodDisruptionBudgets.
    pub budgets: Vec<PodDisruptionBudget>,
    /// Objects of other kinds, counted by `apiVersion kind` (or `(no kind)`).
    pub ignored: BTreeMap<String, usize>,
}

impl Inventory {
    /// Builds an inventory from objects a caller already has (for example, read from a
    /// live cluster).
    pub fn from_parts(
        pods: Vec<Pod>,
        deployments: Vec<Deployment>,
        stateful_sets: Vec<StatefulSet>,
        replica_sets: Vec<ReplicaSet>,
        replication_controllers: Vec<ReplicationController>,
        budgets: Vec<PodDisruptionBudget>,
    ) -> Inventory {
        Inventory {
            pods,
            deployments,
            stateful_sets,
            replica_sets,
            replication_controllers,
            budgets,
            ignored: BTreeMap::new(),
        }
    }

    /// Adds every object of `other`, so inventories read from separate inputs (each
    /// with its own document numbering for errors) can be looked at together.
    pub fn extend(&mut self, other: Inventory) {
        append(&mut self.pods, other.pods);
        append(&mut self.deployments, other.deployments);
        append(&mut self.stateful_sets, other.stateful_sets);
        append(&mut self.replica_sets, other.replica_sets);
        append(
            &mut self.replication_controllers,
            other.replication_controllers,
        );
        append(&mut self.budgets, other.budgets);
        for (kind, count) in other.ignored {
            *self.ignored.entry(kind).or_default() += count;
        }
    }

    /// Sorts JSON documents into an inventory. `kind: List` (and `PodList`, ...) objects
    /// are unpacked; other kinds are counted in `ignored`; a malformed object of a kind
    /// this module reads is an error naming it and the field.
    pub fn from_documents(documents: Vec<Json>) -> Result<Inventory, InventoryError> {
        stream::from_documents(&documents)
    }

    /// Like [`Inventory::from_documents`] for documents the caller keeps, such as lists a
    /// live read shares between data sources.
    pub fn from_borrowed<'a>(
        documents: impl IntoIterator<Item = &'a Json>,
    ) -> Result<Inventory, InventoryError> {
        stream::from_documents(documents)
    }

    /// Reads a YAML or JSON manifest string (see [`crate::base::yaml`]) into an inventory
    /// while it is parsed: each object's tree is dropped once its few fields are kept, so
    /// a `kind: List` of 100k pods never exists as one tree. A syntax error anywhere is
    /// reported before any malformed object, as when the whole string is parsed first.
    pub fn from_manifest(input: &str) -> Result<Inventory, ManifestError> {
        stream::from_manifest(input)
    }

    /// Adds top-level document number `number` (1-based, for errors), unpacking Lists.
    pub fn add_document(&mut self, number: usize, document: &Json) -> Result<(), InventoryError> {
        self.add_tree(number, document, 0, &mut Strings::default())
    }
}

impl ObjectSink for Inventory {
    fn add_object(&mut self, value: &Json, strings: &mut Strings) -> Result<(), ObjectError> {
        let kind = value.get("kind").and_then(Json::as_str).unwrap_or_default();
        let api_version = value
            .get("apiVersion")
            .and_then(Json::as_str)
            .unwrap_or_default();
        let group = api_version.split_once('/').map_or("", |(g, _)| g);
        let apps = matches!(group, "apps" | "extensions");
        match (kind, group) {
            ("Pod", "") => self.pods.push(Pod::read(value, strings)?),
            ("ReplicationController", "") => self
                .replication_controllers
                .push(ReplicationController::from_json(value)?),
            ("Deployment", _) if apps => self.deployments.push(Deployment::read(value, strings)?),
            ("ReplicaSet", _) if apps => self.replica_sets.push(ReplicaSet::read(value, strings)?),
            ("StatefulSet", "apps") => self.stateful_sets.push(StatefulSet::read(value, strings)?),
            ("PodDisruptionBudget", "policy") => {
                if api_version != "policy/v1" {
                    // policy/v1beta1 (removed in Kubernetes 1.25) read an empty selector as
                    // "no pods"; guessing which meaning was meant would be wrong half the time.
                    let r = Reader::new("PodDisruptionBudget", value);
                    return Err(r.error(
                        "apiVersion",
                        FieldProblem::UnsupportedVersion {
                            found: api_version.to_string(),
                            wanted: "policy/v1 (policy/v1beta1 was removed in Kubernetes 1.25)",
                        },
                    ));
                }
                self.budgets
                    .push(PodDisruptionBudget::read(value, strings)?)
            }
            _ => {
                let label = if kind.is_empty() {
                    "(no kind)".to_string()
                } else {
                    format!("{api_version} {kind}")
                };
                *self.ignored.entry(label).or_default() += 1;
            }
        }
        Ok(())
    }

    fn append(&mut self, other: Inventory) {
        self.extend(other);
    }
}

/// Why a manifest string could not become an [`Inventory`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// The string is not YAML or JSON.
    #[error(transparent)]
    Syntax(#[from] YamlError),
    /// An object in it is malformed.
    #[error(transparent)]
    Object(#[from] InventoryError),
}

/// Moves `from` to the end of `into`, without a copy when `into` is empty (the common
/// case of one large manifest).
fn append<T>(into: &mut Vec<T>, mut from: Vec<T>) {
    if into.is_empty() {
        *into = from;
    } else {
        into.append(&mut from);
    }
}

/// Reads fields of one object, remembering which object for error messages. Other
/// readers of cluster objects (the forecast's) build on it.
pub(crate) struct Reader<'a> {
    kind: &'static str,
    root: &'a Json,
    namespace: &'a str,
    name: &'a str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(kind: &'static str, root: &'a Json) -> Reader<'a> {
        let meta = root.get("metadata");
        let text = |key: &str| meta.and_then(|m| m.get(key)).and_then(Json::as_str);
        Reader {
            kind,
            root,
            namespace: text("namespace")
                .filter(|s| !s.is_empty())
                .unwrap_or(DEFAULT_NAMESPACE),
            name: text("name").unwrap_or("(unnamed)"),
        }
    }

    pub(crate) fn error(&self, field: &str, problem: FieldProblem) -> ObjectError {
        ObjectError {
            kind: self.kind.to_string(),
            namespace: self.namespace.to_string(),
            name: self.name.to_string(),
            field: field.to_string(),
            problem: Box::new(problem),
        }
    }

    pub(crate) fn wrong(&self, field: &str, expected: &'static str, found: &Json) -> ObjectError {
        self.error(
            field,
            FieldProblem::WrongType {
                expected,
                found: json_type(found),
            },
        )
    }

    /// The value at a dotted path; `None` when absent or null anywhere along it.
    pub(crate) fn get(&self, path: &str) -> Result<Option<&'a Json>, ObjectError> {
        self.at(self.root, path, "")
    }

    /// The value at a dotted `path` under `base`, which sits at `base_path` in the object
    /// (for errors); `None` when absent or null anywhere along it.
    pub(crate) fn at(
        &self,
        base: &'a Json,
        path: &str,
        base_path: &str,
    ) -> Result<Option<&'a Json>, ObjectError> {
        let mut current = base;
        let mut walked = base_path.to_string();
        for part in path.split('.') {
            let object = match current {
                Json::Object(map) => map,
                Json::Null => return Ok(None),
                other => {
                    let at = if walked.is_empty() {
                        "(object)"
                    } else {
                        &walked
                    };
                    return Err(self.wrong(at, "an object", other));
                }
            };
            if !walked.is_empty() {
                walked.push('.');
            }
            walked.push_str(part);
            match object.get(part) {
                None | Some(Json::Null) => return Ok(None),
                Some(next) => current = next,
            }
        }
        Ok(Some(current))
    }

    fn string(&self, path: &str) -> Result<Option<&'a str>, ObjectError> {
        match self.get(path)? {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong(path, "a string", other)),
        }
    }

    fn object(&self, path: &str) -> Result<Option<&'a Map<String, Json>>, ObjectError> {
        match self.get(path)? {
            None => Ok(None),
            Some(Json::Object(map)) => Ok(Some(map)),
            Some(other) => Err(self.wrong(path, "an object", other)),
        }
    }

    fn string_map(&self, path: &str, strings: &mut Strings) -> Result<Labels, ObjectError> {
        let mut out = Vec::new();
        if let Some(map) = self.object(path)? {
            out.reserve_exact(map.len());
            for (key, value) in map {
                match value {
                    Json::String(s) => out.push((strings.get(key), strings.get(s))),
                    other => return Err(self.wrong(&format!("{path}.{key}"), "a string", other)),
                }
            }
        }
        Ok(Labels::from_pairs(out))
    }

    /// `spec.replicas`: an int32 of at least 0, 1 when absent.
    fn replicas(&self) -> Result<u32, ObjectError> {
        match self.get("spec.replicas")? {
            None => Ok(1),
            Some(value) => value
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| i32::try_from(*n).is_ok())
                .ok_or_else(|| {
                    self.wrong(
                        "spec.replicas",
                        "a whole number from 0 to 2147483647",
                        value,
                    )
                }),
        }
    }

    fn meta(&self, strings: &mut Strings) -> Result<ObjectMeta, ObjectError> {
        let name = self
            .string("metadata.name")?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| self.error("metadata.name", FieldProblem::Missing))?;
        // Read namespace through the typed path so a non-string is reported.
        self.string("metadata.namespace")?;
        Ok(ObjectMeta {
            namespace: strings.get(self.namespace),
            name: strings.get(name),
            uid: self.string("metadata.uid")?.map(|s| strings.get(s)),
            labels: self.string_map("metadata.labels", strings)?,
            controller: self.controller(strings)?,
        })
    }

    fn controller(&self, strings: &mut Strings) -> Result<Option<OwnerRef>, ObjectError> {
        let refs = match self.get("metadata.ownerReferences")? {
            None => return Ok(None),
            Some(Json::Array(refs)) => refs,
            Some(other) => return Err(self.wrong("metadata.ownerReferences", "a list", other)),
        };
        for (index, entry) in refs.iter().enumerate() {
            let path = format!("metadata.ownerReferences[{index}]");
            let Json::Object(map) = entry else {
                return Err(self.wrong(&path, "an object", entry));
            };
            match map.get("controller") {
                Some(Json::Bool(true)) => {}
                None | Some(Json::Null) | Some(Json::Bool(false)) => continue,
                Some(other) => {
                    return Err(self.wrong(&format!("{path}.controller"), "a boolean", other));
                }
            }
            let text = |key: &str| -> Result<Option<&str>, ObjectError> {
                match map.get(key) {
                    None | Some(Json::Null) => Ok(None),
                    Some(Json::String(s)) => Ok(Some(s)),
                    Some(other) => Err(self.wrong(&format!("{path}.{key}"), "a string", other)),
                }
            };
            let required = |key: &str| -> Result<&str, ObjectError> {
                text(key)?
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| self.error(&format!("{path}.{key}"), FieldProblem::Missing))
            };
            // The API allows one controller reference per object; the first one wins.
            return Ok(Some(OwnerRef {
                api_version: strings.get(required("apiVersion")?),
                kind: strings.get(required("kind")?),
                name: strings.get(required("name")?),
                uid: text("uid")?.map(|s| strings.get(s)),
            }));
        }
        Ok(None)
    }

    fn int_or_percent(&self, path: &str) -> Result<Option<IntOrPercent>, ObjectError> {
        let expected = "a whole number of at least 0 or a percentage such as \"50%\" (0% to 100%)";
        let Some(value) = self.get(path)? else {
            return Ok(None);
        };
        let parsed = match value {
            Json::Number(n) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| i32::try_from(*n).is_ok())
                .map(IntOrPercent::Int),
            // The API accepts only digits followed by '%' for the string form.
            Json::String(s) => s
                .strip_suffix('%')
                .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|digits| digits.parse::<u32>().ok())
                .filter(|p| *p <= 100)
                .map(IntOrPercent::Percent),
            _ => None,
        };
        parsed
            .map(Some)
            .ok_or_else(|| self.wrong(path, expected, value))
    }
}

impl Pod {
    /// Reads a `v1` Pod.
    pub fn from_json(value: &Json) -> Result<Pod, ObjectError> {
        Pod::read(value, &mut Strings::default())
    }

    fn read(value: &Json, strings: &mut Strings) -> Result<Pod, ObjectError> {
        let r = Reader::new("Pod", value);
        let meta = r.meta(strings)?;
        let terminating = r.get("metadata.deletionTimestamp")?.is_some();
        let phase = strings.get(r.string("status.phase")?.unwrap_or_default());
        let mut ready = false;
        match r.get("status.conditions")? {
            None => {}
            Some(Json::Array(conditions)) => {
                for (index, condition) in conditions.iter().enumerate() {
                    let path = format!("status.conditions[{index}]");
                    let Json::Object(map) = condition else {
                        return Err(r.wrong(&path, "an object", condition));
                    };
                    let text = |key: &str| match map.get(key) {
                        Some(Json::String(s)) => Ok(s.as_str()),
                        None | Some(Json::Null) => Ok(""),
                        Some(other) => Err(r.wrong(&format!("{path}.{key}"), "a string", other)),
                    };
                    if text("type")? == "Ready" {
                        ready = text("status")? == "True";
                    }
                }
            }
            Some(other) => return Err(r.wrong("status.conditions", "a list", other)),
        }
        Ok(Pod {
            meta,
            ready,
            phase,
            terminating,
        })
    }
}

impl Deployment {
    /// Reads an `apps/v1` Deployment.
    pub fn from_json(value: &Json) -> Result<Deployment, ObjectError> {
        Deployment::read(value, &mut Strings::default())
    }

    fn read(value: &Json, strings: &mut Strings) -> Result<Deployment, ObjectError> {
        let r = Reader::new("Deployment", value);
        Ok(Deployment {
            meta: r.meta(strings)?,
            replicas: r.replicas()?,
            template_labels: r.string_map("spec.template.metadata.labels", strings)?,
        })
    }
}

impl StatefulSet {
    /// Reads an `apps/v1` StatefulSet.
    pub fn from_json(value: &Json) -> Result<StatefulSet, ObjectError> {
        StatefulSet::read(value, &mut Strings::default())
    }

    fn read(value: &Json, strings: &mut Strings) -> Result<StatefulSet, ObjectError> {
        let r = Reader::new("StatefulSet", value);
        Ok(StatefulSet {
            meta: r.meta(strings)?,
            replicas: r.replicas()?,
            template_labels: r.string_map("spec.template.metadata.labels", strings)?,
        })
    }
}

impl ReplicaSet {
    /// Reads an `apps/v1` ReplicaSet.
    pub fn from_json(value: &Json) -> Result<ReplicaSet, ObjectError> {
        ReplicaSet::read(value, &mut Strings::default())
    }

    fn read(value: &Json, strings: &mut Strings) -> Result<ReplicaSet, ObjectError> {
        let r = Reader::new("ReplicaSet", value);
        Ok(ReplicaSet {
            meta: r.meta(strings)?,
            replicas: r.replicas()?,
            template_labels: r.string_map("spec.template.metadata.labels", strings)?,
        })
    }
}

impl ReplicationController {
    /// Reads a `v1` ReplicationController.
    pub fn from_json(value: &Json) -> Result<ReplicationController, ObjectError> {
        ReplicationController::read(value, &mut Strings::default())
    }

    fn read(value: &Json, strings: &mut Strings) -> Result<ReplicationController, ObjectError> {
        let r = Reader::new("ReplicationController", value);
        let template_labels = r.string_map("spec.template.metadata.labels", strings)?;
        let mut selector = r.string_map("spec.selector", strings)?;
        if selector.is_empty() {
            selector = template_labels.clone();
        }
        Ok(ReplicationController {
            meta: r.meta(strings)?,
            replicas: r.replicas()?,
            selector,
            template_labels,
        })
    }
}

impl PodDisruptionBudget {
    /// Reads a `policy/v1` PodDisruptionBudget and validates it as the API server does.
    pub fn from_json(value: &Json) -> Result<PodDisruptionBudget, ObjectError> {
        PodDisruptionBudget::read(value, &mut Strings::default())
    }

    fn read(value: &Json, strings: &mut Strings) -> Result<PodDisruptionBudget, ObjectError> {
        let r = Reader::new("PodDisruptionBudget", value);
        let meta = r.meta(strings)?;
        let min_available = r.int_or_percent("spec.minAvailable")?;
        let max_unavailable = r.int_or_percent("spec.maxUnavailable")?;
        if min_available.is_some() && max_unavailable.is_some() {
            return Err(r.error("spec", FieldProblem::BothBudgets));
        }
        let selector = match r.get("spec.selector")? {
            None => None,
            Some(raw) => Some(
                LabelSelector::from_json(raw)
                    .map_err(|e| r.error("spec.selector", FieldProblem::Selector(e)))?,
            ),
        };
        let unhealthy_pod_eviction_policy = match r.string("spec.unhealthyPodEvictionPolicy")? {
            None | Some("IfHealthyBudget") => UnhealthyPodEvictionPolicy::IfHealthyBudget,
            Some("AlwaysAllow") => UnhealthyPodEvictionPolicy::AlwaysAllow,
            Some(other) => {
                return Err(r.error(
                    "spec.unhealthyPodEvictionPolicy",
                    FieldProblem::NotOneOf {
                        found: other.to_string(),
                        valid: "IfHealthyBudget, AlwaysAllow",
                    },
                ));
            }
        };
        Ok(PodDisruptionBudget {
            meta,
            min_available,
            max_unavailable,
            selector,
            unhealthy_pod_eviction_policy,
        })
    }
}

macro_rules! try_from_json {
    ($($ty:ty),*) => {$(
        impl TryFrom<Json> for $ty {
            type Error = ObjectError;
            fn try_from(value: Json) -> Result<Self, ObjectError> {
                <$ty>::from_json(&value)
            }
        }
    )*};
}
try_from_json!(
    Pod,
    Deployment,
    StatefulSet,
    ReplicaSet,
    ReplicationController,
    PodDisruptionBudget
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::yaml;
    use crate::pdb::stream::MAX_LIST_DEPTH;
    use serde_json::json;

    fn pdb(spec: Json) -> Json {
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
               "metadata": {"name": "web", "namespace": "shop"}, "spec": spec})
    }

    #[test]
    fn reads_budget_fields() {
        // (spec, min, max, selector present, policy)
        let cases = [
            (
                json!({"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}}),
                Some(IntOrPercent::Int(1)),
                None,
                true,
                UnhealthyPodEvictionPolicy::IfHealthyBudget,
            ),
            (
                json!({"maxUnavailable": "25%", "unhealthyPodEvictionPolicy": "AlwaysAllow"}),
                None,
                Some(IntOrPercent::Percent(25)),
                false,
                UnhealthyPodEvictionPolicy::AlwaysAllow,
            ),
            (
                json!({"minAvailable": "100%", "selector": null}),
                Some(IntOrPercent::Percent(100)),
                None,
                false,
                UnhealthyPodEvictionPolicy::IfHealthyBudget,
            ),
            (
                json!({"maxUnavailable": 0, "selector": {}}),
                None,
                Some(IntOrPercent::Int(0)),
                true,
                UnhealthyPodEvictionPolicy::IfHealthyBudget,
            ),
        ];
        for (spec, min, max, has_selector, policy) in cases {
            let b = PodDisruptionBudget::from_json(&pdb(spec.clone())).unwrap();
            assert_eq!(b.min_available, min, "{spec}");
            assert_eq!(b.max_unavailable, max, "{spec}");
            assert_eq!(b.selector.is_some(), has_selector, "{spec}");
            assert_eq!(b.unhealthy_pod_eviction_policy, policy, "{spec}");
            assert_eq!(b.meta.namespace, "shop");
        }
    }

    #[test]
    fn names_kind_object_and_field_in_errors() {
        let cases = [
            (
                pdb(json!({"minAvailable": -1})),
                "PodDisruptionBudget shop/web: spec.minAvailable: expected a whole number",
            ),
            (
                pdb(json!({"minAvailable": "50"})),
                "spec.minAvailable: expected a whole number of at least 0 or a percentage such as \"50%\" (0% to 100%), found the string \"50\"",
            ),
            (
                pdb(json!({"maxUnavailable": "150%"})),
                "spec.maxUnavailable: expected",
            ),
            (
                pdb(json!({"maxUnavailable": "+5%"})),
                "spec.maxUnavailable: expected",
            ),
            (
                pdb(json!({"minAvailable": 1, "maxUnavailable": 1})),
                "spec: minAvailable and maxUnavailable cannot both be set",
            ),
            (
                pdb(json!({"unhealthyPodEvictionPolicy": "Never"})),
                "spec.unhealthyPodEvictionPolicy: \"Never\" is not one of IfHealthyBudget, AlwaysAllow",
            ),
            (
                pdb(json!({"selector": {"matchExpressions": [{"key": "a", "operator": "Has"}]}})),
                "spec.selector: matchExpressions[0].operator: \"Has\" is not a label selector operator",
            ),
            (
                pdb(json!("oops")),
                "spec: expected an object, found the string \"oops\"",
            ),
            (
                json!({"apiVersion": "policy/v1beta1", "kind": "PodDisruptionBudget", "metadata": {"name": "old"}}),
                "PodDisruptionBudget default/old: apiVersion: \"policy/v1beta1\" is not supported; use policy/v1",
            ),
            (
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": "3"}}),
                "Deployment default/d: spec.replicas: expected a whole number from 0 to 2147483647, found the string \"3\"",
            ),
            (
                json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "a"}}),
                "Pod a/(unnamed): metadata.name: is required",
            ),
            (
                json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"a": 1}}}),
                "Pod default/p: metadata.labels.a: expected a string, found the number 1",
            ),
            (
                json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "ownerReferences": [{"controller": true, "kind": "ReplicaSet", "name": "r"}]}}),
                "metadata.ownerReferences[0].apiVersion: is required",
            ),
        ];
        for (doc, want) in cases {
            let err = Inventory::from_documents(vec![doc.clone()])
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{doc}\n got: {err}\nwant: {want}");
            assert!(err.starts_with("document 1: "), "{err}");
        }
    }

    #[test]
    fn reads_pods_and_their_controller() {
        let pod = Pod::from_json(&json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "labels": {"app": "web"}, "ownerReferences": [
                {"apiVersion": "v1", "kind": "ConfigMap", "name": "x"},
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc", "uid": "u1", "controller": true}
            ]},
            "status": {"phase": "Running", "conditions": [
                {"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}
            ]}
        }))
        .unwrap();
        assert_eq!(pod.meta.namespace, "default");
        assert!(pod.ready && !pod.terminating && !pod.bypasses_budgets());
        let owner = pod.meta.controller.unwrap();
        assert_eq!(
            (owner.group(), owner.kind.as_str(), owner.name.as_str()),
            ("apps", "ReplicaSet", "web-abc")
        );

        let cases = [
            (
                json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}]}),
                false,
                false,
            ),
            (json!({"phase": "Pending"}), false, true),
            (json!({"phase": "Succeeded"}), false, true),
            (json!(null), false, false),
        ];
        for (status, ready, bypass) in cases {
            let p = Pod::from_json(&json!({"metadata": {"name": "p"}, "status": status})).unwrap();
            assert_eq!((p.ready, p.bypasses_budgets()), (ready, bypass), "{status}");
        }
    }

    #[test]
    fn unpacks_lists_and_counts_other_kinds() {
        let docs = vec![
            json!({"apiVersion": "v1", "kind": "List", "items": [
                {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}},
                {"apiVersion": "v1", "kind": "PodList", "items": [
                    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}
                ]},
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}
            ]}),
            json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "kured"}}),
            json!({"apiVersion": "example.com/v1", "kind": "Deployment", "metadata": {"name": "crd"}}),
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "pg"}, "spec": {"replicas": 2}}),
            json!({"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "rc"},
                   "spec": {"template": {"metadata": {"labels": {"app": "old"}}}}}),
            json!("just a string"),
        ];
        let inv = Inventory::from_documents(docs).unwrap();
        let names: Vec<&str> = inv.pods.iter().map(|p| p.meta.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(inv.stateful_sets[0].replicas, 2);
        assert_eq!(inv.replication_controllers[0].replicas, 1);
        assert_eq!(
            inv.replication_controllers[0]
                .selector
                .get("app")
                .map(Text::as_str),
            Some("old")
        );
        let ignored: Vec<(&str, usize)> =
            inv.ignored.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(
            ignored,
            [
                ("(no kind)", 1),
                ("apps/v1 DaemonSet", 1),
                ("example.com/v1 Deployment", 1),
                ("v1 Service", 1)
            ]
        );
    }

    #[test]
    fn refuses_absurdly_nested_lists() {
        let mut doc = json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p"}});
        for _ in 0..20 {
            doc = json!({"kind": "List", "items": [doc]});
        }
        assert!(matches!(
            Inventory::from_documents(vec![doc]),
            Err(InventoryError::TooDeep { document: 1, .. })
        ));
    }

    /// The same documents as a JSON stream and as multi-document YAML.
    fn both_forms(docs: &[Json]) -> [String; 2] {
        let json: String = docs.iter().map(Json::to_string).collect();
        let yaml = docs
            .iter()
            .map(|d| format!("---\n{}", serde_yaml_ng::to_string(d).expect("YAML")))
            .collect();
        [json, yaml]
    }

    #[test]
    fn reading_while_parsing_agrees_with_reading_parsed_documents() {
        let pod =
            |name: &str| json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}});
        let docs = vec![
            // serde_json writes `items` before `kind`, as kubectl does.
            json!({"apiVersion": "v1", "kind": "List", "items": [
                pod("a"),
                {"apiVersion": "v1", "kind": "PodList", "items": [pod("b")]},
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}},
                null
            ]}),
            pod("c"),
            // Not a List: its items are not objects of the inventory.
            json!({"apiVersion": "v1", "kind": "Thing", "items": [pod("x")]}),
            json!({"apiVersion": "v1", "kind": "List", "items": {"not": "a list"}}),
            json!({"apiVersion": "v1", "kind": "List", "items": []}),
            json!([pod("y")]),
        ];
        let expected = Inventory::from_documents(docs.clone()).unwrap();
        let names: Vec<&str> = expected.pods.iter().map(|p| p.meta.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        for text in both_forms(&docs) {
            assert_eq!(Inventory::from_manifest(&text).unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn errors_read_while_parsing_name_the_same_document_and_object() {
        let bad = json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "web", "namespace": "shop"}, "spec": {"minAvailable": "many"}});
        let ok = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}});
        let cases = vec![
            vec![
                ok.clone(),
                json!({"kind": "List", "items": [ok.clone(), bad.clone(), bad.clone()]}),
            ],
            vec![
                json!({"kind": "Other", "items": [bad.clone()]}),
                bad.clone(),
            ],
        ];
        for docs in cases {
            let expected = Inventory::from_documents(docs.clone()).unwrap_err();
            assert!(
                expected
                    .to_string()
                    .starts_with("document 2: PodDisruptionBudget shop/web: spec.minAvailable"),
                "{expected}"
            );
            for text in both_forms(&docs) {
                assert_eq!(
                    Inventory::from_manifest(&text),
                    Err(ManifestError::Object(expected.clone())),
                    "{text}"
                );
            }
        }
        // A syntax error after a malformed object wins, as when parsing came first.
        let text = format!("{bad}\n---\nkind: [unclosed\n");
        assert!(matches!(
            Inventory::from_manifest(&text),
            Err(ManifestError::Syntax(YamlError { document: 2, .. }))
        ));
    }

    // Found by the pdb_inventory fuzz target: a List that repeats `items` kept the pods
    // of both lists, and a malformed object in the replaced list still failed the read.
    #[test]
    fn a_repeated_items_key_keeps_only_the_last_list() {
        let pod = |name: &str| format!("{{kind: Pod, apiVersion: v1, metadata: {{name: {name}}}}}");
        let bad = "{kind: PodDisruptionBudget, apiVersion: policy/v1, metadata: {name: web}, spec: {minAvailable: many}}";
        let cases = [
            format!("kind: List\nitems: [{}]\nitems: [{}]\n", pod("a"), pod("b")),
            format!("kind: List\nitems: [{bad}]\nitems: [{}]\n", pod("b")),
            format!(
                "items: [{}]\nkind: PodList\nitems:\n  - {}\n",
                pod("a"),
                pod("b")
            ),
        ];
        assert!(Inventory::from_manifest(&format!("kind: List\nitems: [{bad}]\n")).is_err());
        for text in cases {
            let whole = Inventory::from_documents(yaml::parse_documents(&text).unwrap()).unwrap();
            let names: Vec<&str> = whole.pods.iter().map(|p| p.meta.name.as_str()).collect();
            assert_eq!(names, ["b"], "{text}");
            assert_eq!(Inventory::from_manifest(&text), Ok(whole), "{text}");
        }
    }

    #[test]
    fn reading_while_parsing_keeps_the_list_nesting_limit() {
        let mut doc = json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p"}});
        for _ in 0..MAX_LIST_DEPTH {
            doc = json!({"kind": "List", "items": [doc]});
        }
        for text in both_forms(&[json!({}), doc.clone()]) {
            assert!(Inventory::from_manifest(&text).is_ok(), "{text}");
        }
        let doc = json!({"kind": "List", "items": [doc]});
        for text in both_forms(&[json!({}), doc.clone()]) {
            assert_eq!(
                Inventory::from_manifest(&text),
                Err(ManifestError::Object(InventoryError::TooDeep {
                    document: 2,
                    limit: MAX_LIST_DEPTH
                }))
            );
        }
    }

    #[test]
    fn deserializes_through_serde() {
        let d: Deployment =
            serde_json::from_value(json!({"metadata": {"name": "d", "namespace": "n"},
            "spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "d"}}}}}))
            .unwrap();
        assert_eq!((d.replicas, d.meta.namespace.as_str()), (3, "n"));
        let err = serde_json::from_value::<Deployment>(
            json!({"metadata": {"name": "d"}, "spec": {"replicas": -2}}),
        );
        assert!(err.unwrap_err().to_string().contains("spec.replicas"));
    }

    #[test]
    fn scales_percentages_up() {
        let cases = [
            (IntOrPercent::Percent(50), 3, 2),
            (IntOrPercent::Percent(100), 7, 7),
            (IntOrPercent::Percent(0), 7, 0),
            (IntOrPercent::Percent(1), 1, 1),
            (IntOrPercent::Percent(34), 3, 2),
            (IntOrPercent::Int(4), 2, 4),
        ];
        for (v, total, want) in cases {
            assert_eq!(v.scaled_up(total), want, "{v} of {total}");
        }
    }

    #[test]
    fn extending_keeps_every_object_and_sums_ignored_kinds() {
        let read = |docs: Vec<Json>| Inventory::from_documents(docs).expect("valid documents");
        let mut all = read(vec![
            pdb(json!({"minAvailable": 1})),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}}),
        ]);
        all.extend(read(vec![
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "b"}}),
        ]));
        assert_eq!(all.budgets.len(), 1);
        assert_eq!(all.pods.len(), 1);
        assert_eq!(all.ignored.get("v1 Service"), Some(&2));
    }
}
