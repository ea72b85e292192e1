//! Data source `kured_pdb_coverage`: what each PodDisruptionBudget lets a node drain do,
//! from manifests or from the live cluster. It reports; it fails only on input it cannot
//! read, on a cluster it cannot read, or on the finding codes listed in `fail_on`.

use std::collections::BTreeSet;

use crate::ProviderState;
use crate::cluster::{Cluster, ClusterError, ListKind, required_cluster_role_yaml};
use crate::inputs::{opt_string, string_list};
use kured_core::pdb::coverage::{
    CURRENTLY_BLOCKING, DRAIN_DEADLOCK, MULTIPLE_BUDGETS, NO_MATCHING_PODS, UNHEALTHY_PODS_BLOCK,
};
use kured_core::pdb::{
    BudgetReport, FINDING_CODES, Inventory, InventoryError, ManifestError, Options, Report,
    coverage,
};
use tfplugin::api::DataSource;
use tfplugin::diag::{AttrPath, Diagnostics};
use tfplugin::schema::{Attribute, Block, Nesting, Schema};
use tfplugin::types::Type;
use tfplugin::value::Value;

pub struct PdbCoverage;

/// What a live read lists, in this order.
const LIVE_KINDS: [ListKind; 6] = [
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
impl DataSource<ProviderState> for PdbCoverage {
    fn type_name(&self) -> &'static str {
        "kured_pdb_coverage"
    }

    fn schema(&self) -> Schema {
        let budget = vec![
            Attribute::new("namespace", Type::String, "The budget's namespace.").computed(),
            Attribute::new("name", Type::String, "The budget's name.").computed(),
            Attribute::new("selector", Type::String, "The budget's label selector as kubectl prints it (`app=web,tier in (a,b)`); null when the budget has none, which selects no pod.").computed(),
            Attribute::new("min_available", Type::String, "`spec.minAvailable` as written (`1`, `50%`); null when unset.").computed(),
            Attribute::new("max_unavailable", Type::String, "`spec.maxUnavailable` as written; null when unset.").computed(),
            Attribute::new("matched_pods", Type::Number, "Pods the selector matches; without pods in `manifests`, the replicas of the workloads whose pod template it matches.").computed(),
            Attribute::new("expected_pods", Type::Number, "The pod count the budget is measured against, as the disruption controller computes `status.expectedPods`.").computed(),
            Attribute::new("healthy_pods", Type::Number, "Matched pods that are Ready (`status.currentHealthy`).").computed(),
            Attribute::new("desired_healthy", Type::Number, "Healthy pods the budget insists on (`status.desiredHealthy`).").computed(),
            Attribute::new("disruptions_allowed", Type::Number, "Evictions the budget allows right now (`status.disruptionsAllowed`).").computed(),
            Attribute::new("blocks_drain", Type::Bool, "Whether a drain of a node running one of its pods can never finish: the budget allows no eviction even with every pod healthy, or its pods are under another budget too.").computed(),
            Attribute::new("findings", Type::list(Type::String), "Finding codes, among `no-matching-pods`, `drain-deadlock`, `multiple-budgets`, `currently-blocking` and `unhealthy-pods-block`.").computed(),
        ];
        Schema::new(
            0,
            Block::new(
                "Computes what every PodDisruptionBudget allows a node drain to do, as the disruption controller would, from manifests or the live cluster, and names the budgets that make a kured reboot wait forever.",
                vec![
                    Attribute::new("manifests", Type::list(Type::String), "Kubernetes objects as YAML or JSON strings: multi-document YAML, or a `kind: List` as `kubectl get -o yaml` prints it. When set, no cluster is contacted. Without Pods, each Deployment, StatefulSet, ReplicaSet and ReplicationController stands for `replicas` healthy pods, so a stack can audit what it is about to create.").optional(),
                    Attribute::new("namespaces", Type::list(Type::String), "Only look at these namespaces. Defaults to all; in live mode the provider then lists each namespace instead of the whole cluster.").optional(),
                    Attribute::new("fail_on", Type::list(Type::String), "Finding codes that fail the read, naming every budget that has one: `no-matching-pods`, `drain-deadlock`, `multiple-budgets`, `currently-blocking`, `unhealthy-pods-block`.").optional(),
                    Attribute::nested("budgets", Nesting::List, budget, "One entry per PodDisruptionBudget, ordered by namespace and name.").computed(),
                    Attribute::new("drain_blockers", Type::list(Type::String), "`namespace/name` of the budgets with `blocks_drain`: pass them to `kured_gated_reboot_policy.known_drain_blockers`.").computed(),
                    Attribute::new("orphaned_budgets", Type::list(Type::String), "`namespace/name` of the budgets that select no pod.").computed(),
                    Attribute::new("multiply_covered_pods", Type::list(Type::String), "`namespace/pod: budget, budget` for each pod that more than one budget selects; the eviction API refuses such pods.").computed(),
                    Attribute::new("unprotected_workloads", Type::list(Type::String), "`Kind namespace/name` of the Deployments and StatefulSets with at least 2 replicas that no budget selects.").computed(),
                ],
            ),
        )
    }

    async fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let _ = namespaces(config, diags);
        let _ = fail_on(config, diags);
        // Only the shape of `manifests` here: reading them can take seconds at cluster
        // scale, and `read` reports the same errors on the same entry during plan.
        let _ = strings(config, "manifests", diags);
    }

    async fn read(
        &self,
        state: &ProviderState,
        config: Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let namespaces = namespaces(&config, diags);
        let fail_on = fail_on(&config, diags);
        let manifests = strings(&config, "manifests", diags);
        if diags.has_errors() {
            return None;
        }
        let namespaces = namespaces?;
        let inventory = match manifests {
            Some(list) => {
                let list: Vec<(usize, &str)> = list
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, m)| m.map(|m| (i, m)))
                    .collect();
                read_manifests(&list, diags)?
            }
            None => read_cluster(&state.cluster, namespaces.as_deref(), diags).await?,
        };
        let report = coverage(&inventory, &Options { namespaces });
        drop(inventory);
        for (index, code) in fail_on.unwrap_or_default() {
            fail_on_code(&report, index, code, diags);
        }
        if diags.has_errors() {
            return None;
        }
        Some(report_value(config, &report))
    }
}

/// A list-of-strings argument: `None` when null or wholly unknown; an element is `None`
/// while unknown. A null element is an error on its index. Borrowed, since a manifest
/// can be hundreds of megabytes.
fn strings<'a>(
    config: &'a Value,
    name: &str,
    diags: &mut Diagnostics,
) -> Option<Vec<Option<&'a str>>> {
    let items = config.get(name)?.as_list()?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::String(s) => out.push(Some(s.as_str())),
            Value::Unknown => out.push(None),
            _ => {
                diags.error_at(
                    AttrPath::attr(name).index(i),
                    format!("{name}[{i}] is null"),
                    format!("Every entry of {name} must be a string; remove the null entry."),
                );
                out.push(None);
            }
        }
    }
    Some(out)
}

/// `namespaces`, checked and without duplicates. `Some(None)` means every namespace.
fn namespaces(config: &Value, diags: &mut Diagnostics) -> Option<Option<Vec<String>>> {
    let Some(items) = strings(config, "namespaces", diags) else {
        return Some(None);
    };
    if items.is_empty() {
        diags.error_at(
            AttrPath::attr("namespaces"),
            "namespaces is empty",
            "An empty list would look at nothing. Leave namespaces out to look at every namespace, or name at least one.",
        );
        return None;
    }
    let mut ok = true;
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let Some(ns) = item else { continue };
        if !is_namespace_name(ns) {
            diags.error_at(
                AttrPath::attr("namespaces").index(i),
                format!("{ns:?} is not a valid namespace name"),
                "A namespace name has at most 63 characters: lowercase letters, digits and '-', starting and ending with a letter or digit.",
            );
            ok = false;
        } else if seen.insert(ns) {
            out.push(ns.to_string());
        }
    }
    ok.then_some(Some(out))
}

/// A DNS-1123 label, which is what the API server accepts as a namespace name.
fn is_namespace_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    (1..=63).contains(&bytes.len())
        && bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes.iter().all(|b| edge(b) || *b == b'-')
}

/// The known codes of `fail_on` with their index, each code once.
fn fail_on(config: &Value, diags: &mut Diagnostics) -> Option<Vec<(usize, &'static str)>> {
    let items = strings(config, "fail_on", diags)?;
    let mut ok = true;
    let mut out: Vec<(usize, &'static str)> = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let Some(code) = item else { continue };
        match FINDING_CODES.iter().find(|c| **c == code) {
            Some(known) if out.iter().any(|(_, c)| c == known) => {}
            Some(known) => out.push((i, known)),
            None => {
                diags.error_at(
                    AttrPath::attr("fail_on").index(i),
                    format!("fail_on[{i}]: unknown finding code {code:?}"),
                    format!("fail_on takes these codes: {}.", FINDING_CODES.join(", ")),
                );
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// Reads every manifest string; each error names its entry, document and object.
fn read_manifests(manifests: &[(usize, &str)], diags: &mut Diagnostics) -> Option<Inventory> {
    let mut inventory = Inventory::default();
    let mut ok = true;
    for (i, text) in manifests {
        let path = AttrPath::attr("manifests").index(*i);
        match Inventory::from_manifest(text) {
            Ok(read) => inventory.extend(read),
            Err(ManifestError::Syntax(err)) => {
                diags.error_at(
                    path,
                    format!("manifests[{i}] is not valid YAML or JSON"),
                    format!(
                        "{err}. Each entry holds YAML or JSON documents separated by `---`, as `kubectl get -o yaml` or `helm template` prints them."
                    ),
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
    ok.then_some(inventory)
}

/// Lists every kind coverage needs. A refused permission does not stop the other reads,
/// so one run names every missing grant; any other failure would only repeat itself.
/// The lists are the provider's shared reads: other `kured_pdb_coverage` blocks of the
/// same run get the same lists without another request.
async fn read_cluster(
    cluster: &Cluster,
    namespaces: Option<&[String]>,
    diags: &mut Diagnostics,
) -> Option<Inventory> {
    let scopes: Vec<Option<&str>> = match namespaces {
        Some(list) => list.iter().map(|ns| Some(ns.as_str())).collect(),
        None => vec![None],
    };
    let mut lists = Vec::new();
    let mut forbidden = false;
    for kind in LIVE_KINDS {
        for scope in &scopes {
            match cluster.list_shared(kind, *scope, None).await {
                Ok(items) => lists.push(items),
                Err(err @ ClusterError::Forbidden { .. }) => {
                    report_cluster_error(kind, &err, diags);
                    forbidden = true;
                }
                Err(err) => {
                    report_cluster_error(kind, &err, diags);
                    return None;
                }
            }
        }
    }
    if forbidden {
        return None;
    }
    let objects: usize = lists.iter().map(|l| l.len()).sum();
    tracing::info!(
        objects,
        scope = %namespaces.map_or_else(|| "all namespaces".to_owned(), |n| n.join(",")),
        "kured_pdb_coverage: read {objects} object(s) from the cluster"
    );
    match Inventory::from_borrowed(lists.iter().flat_map(|l| l.iter())) {
        Ok(inventory) => Some(inventory),
        Err(err) => {
            report_unreadable(err, diags);
            None
        }
    }
}

fn report_unreadable(err: InventoryError, diags: &mut Diagnostics) {
    let detail = match err {
        InventoryError::Object { source, .. } => source.to_string(),
        other => other.to_string(),
    };
    diags.error(
        "the cluster returned an object that cannot be read",
        format!(
            "{detail}. Fix the object in the cluster, or audit manifests instead by setting manifests."
        ),
    );
}

/// The summary says what failed (the error's title) and what was being listed.
fn report_cluster_error(kind: ListKind, err: &ClusterError, diags: &mut Diagnostics) {
    let summary = if err.is_per_request() {
        format!("{}: listing {kind}", err.title())
    } else {
        err.title()
    };
    let mut detail = format!("{err}.");
    if matches!(err, ClusterError::Forbidden { .. }) {
        detail.push_str(&format!(
            "\n\nThis ClusterRole, bound to the provider's identity, grants every read the provider makes:\n\n{}",
            required_cluster_role_yaml(CLUSTER_ROLE_NAME)
        ));
    }
    detail.push_str(
        "\n\nTo audit without a cluster, pass the objects as manifests (for example `kubectl get pods,deployments,statefulsets,replicasets,replicationcontrollers,pdb -A -o yaml`).",
    );
    diags.error(summary, detail);
}

/// Fails the read when any budget has `code`, naming every such budget.
fn fail_on_code(report: &Report, index: usize, code: &'static str, diags: &mut Diagnostics) {
    let offenders: Vec<&BudgetReport> = report
        .budgets
        .iter()
        .filter(|b| b.findings.contains(&code))
        .collect();
    if offenders.is_empty() {
        return;
    }
    let names: Vec<String> = offenders
        .iter()
        .map(|b| format!("{}/{}", b.namespace, b.name))
        .collect();
    let plural = if offenders.len() == 1 { "" } else { "s" };
    let lines: Vec<String> = offenders.iter().map(|b| describe(b)).collect();
    diags.error_at(
        AttrPath::attr("fail_on").index(index),
        format!(
            "{} PodDisruptionBudget{plural} with finding {code}: {}",
            offenders.len(),
            names.join(", ")
        ),
        format!("{}\n\n{}", lines.join("\n"), advice(code)),
    );
}

fn describe(b: &BudgetReport) -> String {
    let limit = match (&b.min_available, &b.max_unavailable) {
        (Some(min), _) => format!("minAvailable {min}"),
        (None, Some(max)) => format!("maxUnavailable {max}"),
        (None, None) => "no minAvailable or maxUnavailable".to_string(),
    };
    let selector = b.selector.as_deref().unwrap_or("(none: selects no pod)");
    format!(
        "- {}/{}: selector {selector}, {limit}; {} matched, {} expected, {} healthy, {} must stay healthy, {} disruptions allowed",
        b.namespace,
        b.name,
        b.matched_pods,
        b.expected_pods,
        b.healthy_pods,
        b.desired_healthy,
        b.disruptions_allowed
    )
}

/// What a finding means for a drain, and what would make it go away.
fn advice(code: &str) -> &'static str {
    match code {
        DRAIN_DEADLOCK => {
            "Even with every pod healthy these budgets allow no eviction, so a drain of any node running their pods never finishes (and kured never reboots it without a drain timeout). Run more replicas than minAvailable, or use maxUnavailable: 1."
        }
        NO_MATCHING_PODS => {
            "These budgets select no pod, so they protect nothing. Every label of the selector must be on the pods: fix the selector, or delete the budget."
        }
        MULTIPLE_BUDGETS => {
            "A pod selected by more than one budget cannot be evicted at all: the eviction API refuses it. Make the selectors disjoint so that every pod has one budget."
        }
        CURRENTLY_BLOCKING => {
            "These budgets allow no eviction right now because pods are unready or missing; a drain would wait until they recover. Bring the pods back to Ready, or lower minAvailable."
        }
        UNHEALTHY_PODS_BLOCK => {
            "Unready pods under these budgets cannot be evicted while the budget is short of healthy pods. Set spec.unhealthyPodEvictionPolicy: AlwaysAllow."
        }
        _ => "",
    }
}

fn budget_value(b: &BudgetReport) -> Value {
    Value::object([
        ("namespace", Value::string(b.namespace.as_str())),
        ("name", Value::string(b.name.as_str())),
        ("selector", opt_string(b.selector.as_deref())),
        ("min_available", opt_string(b.min_available.as_deref())),
        ("max_unavailable", opt_string(b.max_unavailable.as_deref())),
        ("matched_pods", Value::number(b.matched_pods)),
        ("expected_pods", Value::number(b.expected_pods)),
        ("healthy_pods", Value::number(b.healthy_pods)),
        ("desired_healthy", Value::number(b.desired_healthy)),
        ("disruptions_allowed", Value::number(b.disruptions_allowed)),
        ("blocks_drain", Value::Bool(b.blocks_drain)),
        ("findings", string_list(&b.findings)),
    ])
}

/// The configuration with every computed attribute filled in.
fn report_value(config: Value, report: &Report) -> Value {
    let mut out = match config {
        Value::Object(map) | Value::Map(map) => map,
        _ => Default::default(),
    };
    let mut set = |k: &str, v: Value| {
        out.insert(k.to_string(), v);
    };
    set(
        "budgets",
        Value::List(report.budgets.iter().map(budget_value).collect()),
    );
    set("drain_blockers", string_list(&report.drain_blockers));
    set("orphaned_budgets", string_list(&report.orphaned_budgets));
    set(
        "multiply_covered_pods",
        string_list(&report.multiply_covered_pods),
    );
    set(
        "unprotected_workloads",
        string_list(&report.unprotected_workloads),
    );
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(manifests: &[&str], fail_on: &[&str]) -> Value {
        let list = |items: &[&str]| {
            if items.is_empty() {
                Value::Null
            } else {
                string_list(items)
            }
        };
        Value::object([
            ("manifests", list(manifests)),
            ("namespaces", Value::Null),
            ("fail_on", list(fail_on)),
        ])
    }

    const SINGLE: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 1\n  template: {metadata: {labels: {app: web}}}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web, namespace: shop}\nspec:\n  minAvailable: 1\n  selector: {matchLabels: {app: web}}\n";

    #[test]
    fn namespace_names_follow_dns_labels() {
        for good in ["a", "kube-system", "x1", &"a".repeat(63)] {
            assert!(is_namespace_name(good), "{good}");
        }
        for bad in ["", "-a", "a-", "Upper", "a.b", "a_b", &"a".repeat(64)] {
            assert!(!is_namespace_name(bad), "{bad}");
        }
    }

    #[test]
    fn unknown_codes_are_errors_on_their_index_listing_the_valid_ones() {
        let mut diags = Diagnostics::new();
        let got = fail_on(&config(&[], &["drain-deadlock", "deadlock"]), &mut diags);
        assert!(got.is_none());
        let d = diags.iter().next().expect("one error");
        assert_eq!(d.path, Some(AttrPath::attr("fail_on").index(1)));
        assert!(
            d.detail.contains("no-matching-pods, drain-deadlock"),
            "{}",
            d.detail
        );
    }

    #[test]
    fn manifests_become_a_report_and_fail_on_names_the_budget() {
        let mut diags = Diagnostics::new();
        let inventory = read_manifests(&[(0, SINGLE)], &mut diags).expect("valid manifests");
        let report = coverage(&inventory, &Options::default());
        assert_eq!(report.drain_blockers, vec!["shop/web"]);
        fail_on_code(&report, 2, DRAIN_DEADLOCK, &mut diags);
        let d = diags.iter().next().expect("one error");
        assert_eq!(d.path, Some(AttrPath::attr("fail_on").index(2)));
        assert!(d.summary.contains("shop/web"), "{}", d.summary);
        assert!(d.detail.contains("minAvailable 1"), "{}", d.detail);
    }

    #[test]
    fn a_bad_document_names_its_manifest() {
        let mut diags = Diagnostics::new();
        let bad = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: x}\nspec: {minAvailable: many}\n";
        assert!(read_manifests(&[(0, SINGLE), (1, bad)], &mut diags).is_none());
        let d = diags.iter().next().expect("one error");
        assert_eq!(d.path, Some(AttrPath::attr("manifests").index(1)));
        assert!(d.detail.contains("spec.minAvailable"), "{}", d.detail);
    }

    #[test]
    fn the_report_keeps_the_configuration_and_nulls_unset_limits() {
        let mut diags = Diagnostics::new();
        let inventory = read_manifests(&[(0, SINGLE)], &mut diags).expect("valid manifests");
        let report = coverage(&inventory, &Options::default());
        let value = report_value(config(&[SINGLE], &[]), &report);
        assert_eq!(value.get("manifests"), Some(&string_list(&[SINGLE])));
        let budget = &value
            .get("budgets")
            .and_then(Value::as_list)
            .expect("a list")[0];
        assert_eq!(budget.get("max_unavailable"), Some(&Value::Null));
        assert_eq!(budget.get("min_available"), Some(&Value::string("1")));
        assert_eq!(budget.get("blocks_drain"), Some(&Value::Bool(true)));
    }
}
