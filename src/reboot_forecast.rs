//! Data source `kured_reboot_forecast`: one complete kured rollout over the cluster,
//! simulated in [`kured_core::forecast`]; which nodes reboot, which never do and why, how
//! long it takes, and the backlog alert that fits. It fails only on input it cannot read,
//! a cluster it cannot read, or the outcome codes listed in `fail_on`.

use std::collections::{BTreeMap, BTreeSet};

use crate::ProviderState;
use crate::cluster::{Cluster, ClusterError, ListKind, required_cluster_role_yaml};
use crate::findings::{self, field_path};
use crate::inputs::{self, GateModel, GateSpec, KuredModel, KuredSpec};
use crate::live;
use kured_core::base::duration::GoDuration;
use kured_core::forecast::cluster::ClusterObjects;
use kured_core::forecast::daemons::{self, DaemonPlacement};
use kured_core::forecast::kured_daemon;
use kured_core::forecast::{self, Forecast, NodesError, Outcome, Request, Settings};
use kured_core::k8s::selector::LabelSelector;
use kured_core::pdb::ManifestError;
use kured_core::policy::resolve::KuredOutcome;
use kured_core::policy::{self, Field, GateSource};
use tfplugin::api::DataSource;
use tfplugin::diag::{AttrPath, Diagnostics};
use tfplugin::model::{Attr, Model, Spec, decode_object};
use tfplugin::schema::{Attribute, Block, Nesting, Schema};
use tfplugin::types::Type;
use tfplugin::value::Value;

pub struct RebootForecast;

tfplugin::model! {
    /// The `kured` and `gate` objects the forecast shares with the other resources.
    pub struct ForecastObjects {
        pub kured: Attr<KuredModel> => Spec::required(inputs::KURED_DESCRIPTION).block(),
        pub gate: Attr<GateModel> => Spec::optional(inputs::GATE_DESCRIPTION).block(),
    }
}

impl ForecastObjects {
    /// Reads `kured` and `gate`; `None` when either is invalid or not known yet.
    fn read(config: &Value, diags: &mut Diagnostics) -> Option<(Attr<KuredSpec>, Attr<GateSpec>)> {
        let objects: ForecastObjects = decode_object(config, diags)?;
        let kured = inputs::kured_input(&objects.kured, &AttrPath::attr(Self::kured), diags);
        let gate = inputs::gate_input(&objects.gate, &AttrPath::attr(Self::gate), diags);
        Some((kured.ok()?, gate.ok()?))
    }
}

/// A list of strings as a Terraform value.
fn string_list<S: AsRef<str>>(items: &[S]) -> Value {
    Value::List(items.iter().map(|s| Value::string(s.as_ref())).collect())
}

/// Attribute names, written once.
mod attr {
    pub const MANIFESTS: &str = "manifests";
    pub const NODE_NAMES: &str = "node_names";
    pub const EXEMPT_BUDGETS: &str = "exempt_budgets";
    pub const NODE_REBOOT_DURATION: &str = "node_reboot_duration";
    pub const POD_READY_DURATION: &str = "pod_ready_duration";
    pub const FAIL_ON: &str = "fail_on";
    pub const NODES: &str = "nodes";
    pub const NODES_NEVER_REBOOTING: &str = "nodes_never_rebooting";
    pub const COMPLETES: &str = "completes";
    pub const WINDOWS_NEEDED: &str = "windows_needed";
    pub const ROLLOUT_DURATION: &str = "rollout_duration";
    pub const BACKLOG_ALERT: &str = "backlog_alert";
    pub const BACKLOG_ALERT_AFTER: &str = "backlog_alert_after";
}

const DEFAULT_NODE_REBOOT: &str = "5m";
const DEFAULT_POD_READY: &str = "1m";

/// What a live read lists, in this order.
const LIVE_KINDS: [ListKind; 7] = [
    ListKind::Nodes,
    ListKind::Pods,
    ListKind::Deployments,
    ListKind::StatefulSets,
    ListKind::ReplicaSets,
    ListKind::ReplicationControllers,
    ListKind::PodDisruptionBudgets,
];

/// The name the ClusterRole gets in the manifest quoted by permission errors.
const CLUSTER_ROLE_NAME: &str = "kured-provider-read";

#[tfplugin::async_trait]
impl DataSource<ProviderState> for RebootForecast {
    fn type_name(&self) -> &'static str {
        "kured_reboot_forecast"
    }

    fn schema(&self) -> Schema {
        let codes = Outcome::codes().join("`, `");
        let node = vec![
            Attribute::new("name", Type::String, "The node's name.").computed(),
            Attribute::new("outcome", Type::String, &format!("What happens to the node over the rollout: `{codes}`.")).computed(),
            Attribute::new("blocked_by", Type::list(Type::String), "The `namespace/budget` or `namespace/pod` behind the outcome; empty for `reboots`.").computed(),
            Attribute::new("reason", Type::String, "One sentence: which pod, which budget, and why it cannot move.").computed(),
        ];
        Schema::new(
            0,
            Block::new(
                "Simulates one complete kured rollout over the cluster, every node needing a reboot, the way kured's loop runs it: which nodes reboot, which never do and why, how long it takes, and an alert whose threshold fits the window.",
                ForecastObjects::attributes().into_iter().chain([
                    Attribute::new(attr::MANIFESTS, Type::list(Type::String), "Kubernetes objects as YAML or JSON strings (the forms `kured_pdb_coverage` reads), with Pods carrying `spec.nodeName`, and Nodes if you have them. When set, no cluster is contacted for them. Without it, nodes, pods, workloads and budgets are read from the live cluster.").optional(),
                    Attribute::new(attr::NODE_NAMES, Type::list(Type::String), "The nodes, when `manifests` holds no Node objects: each is taken as a Linux node with only the `kubernetes.io/hostname` and `kubernetes.io/os` labels and no taints. Without it, the nodes are those the pods' `spec.nodeName` name.").optional(),
                    Attribute::new(attr::EXEMPT_BUDGETS, Type::map(Type::String), "Budgets an operator resolves itself during a drain, as `namespace/name` = reason (for example CloudNativePG's `<cluster>-primary`, which it clears by switching the primary over when the node is cordoned). Their evictions do not wait for them.").optional(),
                    Attribute::new(attr::NODE_REBOOT_DURATION, Type::String, "How long a node takes from the reboot command until it is Ready again, as a Go duration. Defaults to `5m`.").optional(),
                    Attribute::new(attr::POD_READY_DURATION, Type::String, "How long a rescheduled replica takes to become Ready, as a Go duration; until then its budget counts it as missing. Defaults to `1m`.").optional(),
                    Attribute::new(attr::FAIL_ON, Type::list(Type::String), &format!("Outcome codes that fail the read, naming every node with one: `{codes}`.")).optional(),
                    Attribute::nested(attr::NODES, Nesting::List, node, "One entry per node, sorted by name.").computed(),
                    Attribute::new(attr::NODES_NEVER_REBOOTING, Type::list(Type::String), "Names of the nodes whose outcome is neither `reboots` nor `forced`.").computed(),
                    Attribute::new(attr::COMPLETES, Type::Bool, "Whether every node reboots (`reboots` or `forced`).").computed(),
                    Attribute::new(attr::WINDOWS_NEEDED, Type::Number, "How many openings of kured's reboot window the rollout takes; null when it never completes.").computed(),
                    Attribute::new(attr::ROLLOUT_DURATION, Type::String, "Working time of the rollout as a Go duration: time the window is open or a node is draining or rebooting, until the last node that reboots is back.").computed(),
                    Attribute::new(attr::BACKLOG_ALERT, Type::String, "A prometheus-operator PrometheusRule (YAML) with a `KuredRebootBacklog` alert on `kured_reboot_required == 1`, whose `for:` is `backlog_alert_after`, with a comment saying how it was derived.").computed(),
                    Attribute::new(attr::BACKLOG_ALERT_AFTER, Type::String, "The alert's `for:` as a Go duration: the window's longest closed stretch, plus the forecast rollout, plus one kured period, rounded up to whole minutes.").computed(),
                ]).collect(),
            )
            .with_blocks(ForecastObjects::blocks()),
        )
    }

    async fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let _ = ForecastObjects::read(config, diags);
        let _ = Config::read(config, diags);
    }

    async fn read(
        &self,
        state: &ProviderState,
        config: Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let sensitive = inputs::Sensitive::in_config(&config);
        let mut read = self.read_checked(state, config, diags).await;
        sensitive.redact_diagnostics(diags);
        if let Some(read) = &mut read {
            sensitive.redact_computed_of(&self.schema().block.attributes, read);
        }
        read
    }
}

/// Read before `set_sensitive` values are redacted from what it answers.
impl RebootForecast {
    async fn read_checked(
        &self,
        state: &ProviderState,
        config: Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let objects = ForecastObjects::read(&config, diags);
        let settings = Config::read(&config, diags);
        let (Some((Attr::Known(kured), gate @ (Attr::Known(_) | Attr::Null))), Some(cfg)) =
            (objects, settings)
        else {
            return None;
        };
        let gate = gate.into_known();
        let live_kured = match &kured {
            KuredSpec::Live { namespace, .. } => Some(namespace.clone()),
            KuredSpec::Described(_) => None,
        };
        let gate_live = matches!(gate, Some(GateSpec::Live { .. }));
        let resolved = live::resolve(&state.cluster, kured, gate, diags).await?;
        let origins = resolved.origins;
        let analysis =
            match policy::analyse_kured_with(&resolved.kured, &state.aliases, &state.renders) {
                Ok(a) => a,
                Err(finding) => {
                    findings::report(&[finding], origins, diags);
                    return None;
                }
            };
        findings::report(&analysis.warnings, origins, diags);
        let kured_path = field_path(Field::Kured(analysis.sources.whole_field()), origins);
        // The chart's render is a hit in the cache the analysis filled.
        let described = match kured_daemon::describe(
            &resolved.kured,
            analysis.modelled_chart,
            &state.renders,
        ) {
            Ok(d) => d,
            Err(detail) => {
                diags.error_at(kured_path, "kured cannot be read for the forecast", detail);
                return None;
            }
        };
        let settings = match forecast::read_settings(&described.container, analysis.app_version) {
            Ok(s) => s,
            Err(problems) => {
                for p in problems {
                    diags.error_at(
                        kured_path.clone(),
                        format!("kured's --{} cannot be forecast", p.flag),
                        p.message,
                    );
                }
                return None;
            }
        };

        let objects = match &cfg.manifests {
            Some(list) => read_manifests(list, diags)?,
            None => read_cluster(&state.cluster, diags).await?,
        };
        let from_cluster = cfg.manifests.is_none();
        let nodes = match forecast::rollout_nodes(&objects, cfg.node_names.as_deref()) {
            Ok(nodes) => nodes,
            Err(err) => {
                let summary = "the forecast's nodes cannot be known";
                match err {
                    NodesError::None if from_cluster => diags.error(summary, err.to_string()),
                    NodesError::None => {
                        diags.error_at(AttrPath::attr(attr::MANIFESTS), summary, err.to_string())
                    }
                    _ => diags.error_at(AttrPath::attr(attr::NODE_NAMES), summary, err.to_string()),
                }
                return None;
            }
        };

        let mut ineligible: BTreeMap<String, (Outcome, String)> = BTreeMap::new();
        if let KuredOutcome::Rejected { reason } = &analysis.outcome {
            for n in &nodes {
                ineligible.insert(
                    n.name.to_string(),
                    (
                        Outcome::NoKured,
                        format!("kured exits at start-up ({reason})"),
                    ),
                );
            }
        }
        let kured_placement = match (&live_kured, from_cluster) {
            (Some(namespace), true) => {
                DaemonPlacement::Pods(ready_pods(&objects, namespace, &described.selector))
            }
            _ => described.placement.clone(),
        };
        for (node, why) in daemons::missing_on(&nodes, &kured_placement, "kured") {
            ineligible.entry(node).or_insert((Outcome::NoKured, why));
        }
        if let Some(gate) = &resolved.gate {
            let gate_path = match policy::analyse_gate(gate, &state.aliases) {
                Ok(g) => g,
                Err(finding) => {
                    findings::report(&[finding], origins, diags);
                    return None;
                }
            };
            if let KuredOutcome::NodeFile {
                node_path,
                canonical,
                ..
            } = &analysis.outcome
                && *canonical != gate_path.canonical
            {
                for n in &nodes {
                    ineligible.entry(n.name.to_string()).or_insert((
                        Outcome::Ungated,
                        format!(
                            "kured watches {node_path} but the gate writes {}",
                            gate_path.node_path
                        ),
                    ));
                }
            }
            let placement = match &gate.source {
                GateSource::Manifest { text, .. } if gate_live && from_cluster => {
                    let (namespace, selector) = kured_daemon::daemonset_identity(text);
                    DaemonPlacement::Pods(ready_pods(&objects, &namespace, &selector))
                }
                GateSource::Manifest { text, .. } => match daemons::manifest_scheduling(text) {
                    Ok(s) => DaemonPlacement::Rules(s),
                    Err(e) => {
                        diags.error_at(
                            AttrPath::attr("gate"),
                            "the gate DaemonSet's scheduling cannot be read",
                            e,
                        );
                        return None;
                    }
                },
                GateSource::Mount(_) => DaemonPlacement::Everywhere,
            };
            for (node, why) in daemons::missing_on(&nodes, &placement, "gate") {
                ineligible.entry(node).or_insert((Outcome::Ungated, why));
            }
        }

        let trace = tracing::enabled!(tracing::Level::DEBUG);
        let result = forecast::forecast(&Request {
            objects: &objects,
            nodes: &nodes,
            settings: &settings,
            ineligible: &ineligible,
            exempt: &cfg.exempt,
            node_reboot: cfg.node_reboot,
            pod_ready: cfg.pod_ready,
            namespace: &described.namespace,
            trace,
        });
        drop(objects);
        for line in &result.steps {
            tracing::debug!(target: "kured_reboot_forecast", "{line}");
        }
        warn(&result, &settings, &kured_path, from_cluster, diags);
        for (index, outcome) in &cfg.fail_on {
            fail_on(&result, *index, *outcome, diags);
        }
        if diags.has_errors() {
            return None;
        }
        Some(output(config, &result))
    }
}

/// The forecast's own arguments, decoded and checked.
struct Config {
    manifests: Option<Vec<(usize, String)>>,
    node_names: Option<Vec<String>>,
    exempt: BTreeMap<String, String>,
    node_reboot: GoDuration,
    pod_ready: GoDuration,
    fail_on: Vec<(usize, Outcome)>,
}

impl Config {
    /// `None` when a value is unknown (at validation) or wrong (an error is recorded).
    fn read(config: &Value, diags: &mut Diagnostics) -> Option<Config> {
        let manifests = strings(config, attr::MANIFESTS, diags);
        let node_names = strings(config, attr::NODE_NAMES, diags);
        let exempt = exempt_budgets(config, diags);
        let node_reboot = duration(
            config,
            attr::NODE_REBOOT_DURATION,
            DEFAULT_NODE_REBOOT,
            diags,
        );
        let pod_ready = duration(config, attr::POD_READY_DURATION, DEFAULT_POD_READY, diags);
        let fail_on = fail_on_codes(config, diags);
        let known =
            |list: Option<Vec<(usize, Option<String>)>>| -> Option<Option<Vec<(usize, String)>>> {
                match list {
                    None => Some(None),
                    Some(items) => items
                        .into_iter()
                        .map(|(i, s)| s.map(|s| (i, s)))
                        .collect::<Option<Vec<_>>>()
                        .map(Some),
                }
            };
        Some(Config {
            manifests: known(manifests)?,
            node_names: known(node_names)?.map(|l| l.into_iter().map(|(_, s)| s).collect()),
            exempt: exempt?,
            node_reboot: node_reboot?,
            pod_ready: pod_ready?,
            fail_on: fail_on?,
        })
    }
}

/// A list-of-strings argument with each element's index; an element is `None` while
/// unknown. A null element is an error on its index.
fn strings(
    config: &Value,
    name: &str,
    diags: &mut Diagnostics,
) -> Option<Vec<(usize, Option<String>)>> {
    let items = config.get(name)?.as_list()?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::String(s) => out.push((i, Some(s.clone()))),
            Value::Unknown => out.push((i, None)),
            _ => diags.error_at(
                AttrPath::attr(name).index(i),
                format!("{name}[{i}] is null"),
                format!("Every entry of {name} must be a string; remove the null entry."),
            ),
        }
    }
    Some(out)
}

/// A Go duration argument, with its default when unset; it must be zero or more.
fn duration(
    config: &Value,
    name: &str,
    default: &str,
    diags: &mut Diagnostics,
) -> Option<GoDuration> {
    let raw = match config.get(name) {
        None | Some(Value::Null) => default.to_string(),
        Some(Value::Unknown) => return None,
        Some(v) => v.as_str().unwrap_or_default().to_string(),
    };
    match GoDuration::parse(&raw) {
        Ok(d) if d.is_negative() => {
            diags.error_at(
                AttrPath::attr(name),
                format!("{name} is negative"),
                format!("{raw:?} is less than nothing; use a duration such as {default}."),
            );
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            diags.error_at(
                AttrPath::attr(name),
                format!("invalid {name}"),
                e.to_string(),
            );
            None
        }
    }
}

/// `exempt_budgets`: keys `namespace/name`, each with a reason.
fn exempt_budgets(config: &Value, diags: &mut Diagnostics) -> Option<BTreeMap<String, String>> {
    let map = match config.get(attr::EXEMPT_BUDGETS) {
        None | Some(Value::Null) => return Some(BTreeMap::new()),
        Some(Value::Unknown) => return None,
        Some(v) => v.as_map()?,
    };
    let mut out = BTreeMap::new();
    let mut ok = true;
    for (key, reason) in map {
        let path = AttrPath::attr(attr::EXEMPT_BUDGETS).key(key);
        let valid = key
            .split_once('/')
            .is_some_and(|(ns, name)| is_dns_label(ns) && is_object_name(name));
        if !valid {
            diags.error_at(
                path.clone(),
                format!("exempt_budgets key {key:?} is not namespace/name"),
                "Name each budget as namespace/name, for example db/pg-primary.",
            );
            ok = false;
        }
        match reason {
            Value::Unknown => return None,
            Value::String(r) if !r.trim().is_empty() => {
                out.insert(key.clone(), r.clone());
            }
            _ => {
                diags.error_at(
                    path,
                    format!("exempt_budgets[{key:?}] gives no reason"),
                    "Say why the budget is exempt, for example \"CloudNativePG switches the primary over when its node is cordoned\".",
                );
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// A DNS-1123 label: what the API server accepts as a namespace name.
fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    (1..=63).contains(&bytes.len())
        && bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes.iter().all(|b| edge(b) || *b == b'-')
}

/// A DNS-1123 subdomain: what the API server accepts as a budget's name.
fn is_object_name(name: &str) -> bool {
    name.len() <= 253 && !name.is_empty() && name.split('.').all(is_dns_label)
}

/// `fail_on`, checked against the outcome codes; each code once, with its index.
fn fail_on_codes(config: &Value, diags: &mut Diagnostics) -> Option<Vec<(usize, Outcome)>> {
    let Some(items) = strings(config, attr::FAIL_ON, diags) else {
        return match config.get(attr::FAIL_ON) {
            Some(Value::Unknown) => None,
            _ => Some(Vec::new()),
        };
    };
    let mut out: Vec<(usize, Outcome)> = Vec::new();
    let mut ok = true;
    for (i, item) in items {
        let Some(code) = item else { continue };
        match Outcome::from_code(&code) {
            Some(o) if out.iter().any(|(_, known)| *known == o) => {}
            Some(o) => out.push((i, o)),
            None => {
                diags.error_at(
                    AttrPath::attr(attr::FAIL_ON).index(i),
                    format!("fail_on[{i}]: unknown outcome code {code:?}"),
                    format!(
                        "fail_on takes these codes: {}.",
                        Outcome::codes().join(", ")
                    ),
                );
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// Nodes with a ready pod of the DaemonSet whose pods `selector` picks in `namespace`.
fn ready_pods(
    objects: &ClusterObjects,
    namespace: &str,
    selector: &Option<LabelSelector>,
) -> BTreeSet<String> {
    let Some(selector) = selector else {
        return BTreeSet::new();
    };
    objects
        .inventory
        .pods
        .iter()
        .zip(&objects.scheduling)
        .filter(|(p, _)| p.meta.namespace == namespace && selector.matches(&p.meta.labels))
        .filter(|(p, _)| p.ready && !p.terminating)
        .filter_map(|(_, s)| s.node_name.as_ref().map(|n| n.to_string()))
        .collect()
}

/// Reads every manifest string; each error names its entry, document and object.
fn read_manifests(
    manifests: &[(usize, String)],
    diags: &mut Diagnostics,
) -> Option<ClusterObjects> {
    let mut objects = ClusterObjects::default();
    let mut ok = true;
    for (i, text) in manifests {
        let path = AttrPath::attr(attr::MANIFESTS).index(*i);
        match ClusterObjects::from_manifest(text) {
            Ok(read) => objects.extend(read),
            Err(ManifestError::Syntax(err)) => {
                diags.error_at(
                    path,
                    format!("manifests[{i}] is not valid YAML or JSON"),
                    format!("{err}. Each entry holds YAML or JSON documents separated by `---`, as `kubectl get -o yaml` prints them."),
                );
                ok = false;
            }
            Err(ManifestError::Object(err)) => {
                diags.error_at(
                    path,
                    format!("manifests[{i}] holds an object that cannot be read"),
                    format!("{err}."),
                );
                ok = false;
            }
        }
    }
    ok.then_some(objects)
}

/// Lists every kind the forecast needs (GET only). A refused permission does not stop the
/// other reads, so one run names every missing grant.
async fn read_cluster(cluster: &Cluster, diags: &mut Diagnostics) -> Option<ClusterObjects> {
    let mut documents = Vec::new();
    let mut forbidden = false;
    for kind in LIVE_KINDS {
        match cluster.list_json(kind, None, None).await {
            Ok(items) => documents.extend(items),
            Err(err @ ClusterError::Forbidden { .. }) => {
                let detail = format!(
                    "{err}.\n\nThis ClusterRole, bound to the provider's identity, grants every read the provider makes:\n\n{}",
                    required_cluster_role_yaml(CLUSTER_ROLE_NAME)
                );
                diags.error(format!("not allowed to list {kind} in the cluster"), detail);
                forbidden = true;
            }
            Err(err) => {
                diags.error(
                    format!("cannot list {kind} in the cluster"),
                    format!("{err}.\n\nTo forecast without a cluster, pass the objects as manifests (for example `kubectl get nodes,pods,deployments,statefulsets,replicasets,replicationcontrollers,pdb -A -o yaml`)."),
                );
                return None;
            }
        }
    }
    if forbidden {
        return None;
    }
    match ClusterObjects::from_documents(&documents) {
        Ok(objects) => Some(objects),
        Err(err) => {
            diags.error(
                "the cluster returned an object that cannot be read",
                format!(
                    "{err}. Fix the object in the cluster, or forecast from manifests instead."
                ),
            );
            None
        }
    }
}

/// Warnings for what the forecast could not take into account.
fn warn(
    result: &Forecast,
    settings: &Settings,
    kured_path: &AttrPath,
    from_cluster: bool,
    diags: &mut Diagnostics,
) {
    if !result.unplaced.is_empty() {
        let summary = format!(
            "{} workload(s) have no pods, so their nodes are unknown",
            result.unplaced.len()
        );
        let listed = result.unplaced.join(".\n");
        if from_cluster {
            diags.warning(
                summary,
                format!("{listed}.\n\nTheir pods do not exist yet in the cluster; forecast again once they are scheduled."),
            );
        } else {
            diags.warning_at(
                AttrPath::attr(attr::MANIFESTS),
                summary,
                format!("{listed}.\n\nPass the pods too (`kubectl get pods -A -o yaml`) to forecast where they run."),
            );
        }
    }
    if !result.unknown_nodes.is_empty() {
        diags.warning_at(
            AttrPath::attr(attr::NODE_NAMES),
            "pods run on nodes outside the forecast",
            format!(
                "Pods name these nodes in spec.nodeName, which are not among the forecast's nodes, so they are left out: {}. Add them to node_names, or pass their Node objects.",
                result.unknown_nodes.join(", ")
            ),
        );
    }
    for key in &result.unknown_exempt {
        diags.warning_at(
            AttrPath::attr(attr::EXEMPT_BUDGETS).key(key),
            format!("exempt_budgets names {key}, which is no budget in the cluster"),
            "Check the namespace and name; the exemption has no effect.",
        );
    }
    if let Some(url) = &settings.prometheus_url {
        diags.warning_at(
            kured_path.clone(),
            "the forecast assumes no Prometheus alert blocks a reboot",
            format!("kured asks {url} before each reboot and waits while an alert fires (or is pending, without --alert-firing-only); which alerts fire cannot be foreseen."),
        );
    }
    if let Some(why) = &result.stopped_early {
        diags.warning(
            "the forecast stopped early",
            format!("{why}; outcomes of nodes not yet settled are the last known."),
        );
    }
}

/// Fails the read when any node has `outcome`, naming every such node and why.
fn fail_on(result: &Forecast, index: usize, outcome: Outcome, diags: &mut Diagnostics) {
    let nodes: Vec<&forecast::NodeForecast> = result
        .nodes
        .iter()
        .filter(|n| n.outcome == outcome)
        .collect();
    if nodes.is_empty() {
        return;
    }
    let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    let lines: Vec<String> = nodes
        .iter()
        .map(|n| format!("- {}: {}", n.name, n.reason))
        .collect();
    diags.error_at(
        AttrPath::attr(attr::FAIL_ON).index(index),
        format!(
            "{} node(s) with outcome {}: {}",
            nodes.len(),
            outcome.code(),
            names.join(", ")
        ),
        lines.join("\n"),
    );
}

/// The configuration with every computed attribute filled in.
fn output(config: Value, result: &Forecast) -> Value {
    let mut out = match config {
        Value::Object(map) | Value::Map(map) => map,
        _ => Default::default(),
    };
    let mut set = |k: &str, v: Value| {
        out.insert(k.to_string(), v);
    };
    let nodes = result
        .nodes
        .iter()
        .map(|n| {
            Value::object([
                ("name", Value::string(n.name.as_str())),
                ("outcome", Value::string(n.outcome.code())),
                ("blocked_by", string_list(&n.blocked_by)),
                ("reason", Value::string(n.reason.as_str())),
            ])
        })
        .collect();
    set(attr::NODES, Value::List(nodes));
    set(
        attr::NODES_NEVER_REBOOTING,
        string_list(&result.nodes_never_rebooting),
    );
    set(attr::COMPLETES, Value::Bool(result.completes));
    set(
        attr::WINDOWS_NEEDED,
        result
            .windows_needed
            .map_or(Value::Null, |w| Value::number(u64::from(w))),
    );
    set(
        attr::ROLLOUT_DURATION,
        Value::string(result.rollout_duration.to_string()),
    );
    set(
        attr::BACKLOG_ALERT,
        Value::string(result.backlog_alert.as_str()),
    );
    set(
        attr::BACKLOG_ALERT_AFTER,
        Value::string(result.backlog_alert_after.to_string()),
    );
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, Value)]) -> Value {
        Value::object(pairs.iter().cloned())
    }

    #[test]
    fn fail_on_takes_the_outcome_codes_and_names_the_bad_one() {
        let mut diags = Diagnostics::new();
        let c = config(&[(
            attr::FAIL_ON,
            string_list(&["never-reboots", "never", "hangs", "hangs"]),
        )]);
        assert!(fail_on_codes(&c, &mut diags).is_none());
        let d = diags.iter().next().expect("one error");
        assert_eq!(d.path, Some(AttrPath::attr(attr::FAIL_ON).index(1)));
        assert!(d.summary.contains("\"never\""), "{}", d.summary);
        assert!(
            d.detail.contains(&Outcome::codes().join(", ")),
            "{}",
            d.detail
        );
        let mut diags = Diagnostics::new();
        let c = config(&[(attr::FAIL_ON, string_list(&["hangs", "waits", "hangs"]))]);
        assert_eq!(
            fail_on_codes(&c, &mut diags),
            Some(vec![(0, Outcome::Hangs), (1, Outcome::Waits)])
        );
    }

    #[test]
    fn exempt_keys_must_be_namespace_slash_name_with_a_reason() {
        let map = |pairs: &[(&str, &str)]| {
            Value::Map(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), Value::string(*v)))
                    .collect(),
            )
        };
        let mut diags = Diagnostics::new();
        let good = config(&[(
            attr::EXEMPT_BUDGETS,
            map(&[("db/pg-primary", "CloudNativePG switches over")]),
        )]);
        assert_eq!(exempt_budgets(&good, &mut diags).map(|m| m.len()), Some(1));
        for (key, reason) in [("pg-primary", "x"), ("db/Pg", "x"), ("db/pg", " ")] {
            let mut diags = Diagnostics::new();
            assert!(
                exempt_budgets(
                    &config(&[(attr::EXEMPT_BUDGETS, map(&[(key, reason)]))]),
                    &mut diags
                )
                .is_none(),
                "{key}"
            );
            let d = diags.iter().next().expect("an error");
            assert_eq!(d.path, Some(AttrPath::attr(attr::EXEMPT_BUDGETS).key(key)));
        }
    }

    #[test]
    fn durations_default_and_refuse_bad_values() {
        let mut diags = Diagnostics::new();
        assert_eq!(
            duration(&config(&[]), attr::NODE_REBOOT_DURATION, "5m", &mut diags)
                .map(|d| d.to_string()),
            Some("5m0s".into())
        );
        for bad in ["5", "-1m"] {
            let mut diags = Diagnostics::new();
            let c = config(&[(attr::POD_READY_DURATION, Value::string(bad))]);
            assert!(
                duration(&c, attr::POD_READY_DURATION, "1m", &mut diags).is_none(),
                "{bad}"
            );
            assert_eq!(
                diags.iter().next().and_then(|d| d.path.clone()),
                Some(AttrPath::attr(attr::POD_READY_DURATION))
            );
        }
    }
}
