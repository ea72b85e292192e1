//! Data source `kured_pdb_coverage`: what each PodDisruptionBudget lets a node drain do,
//! from manifests or from the live cluster. It reports; it fails only on input it cannot
//! read, on a cluster it cannot read, or on the finding codes listed in `fail_on`.

use std::collections::{BTreeMap, BTreeSet};

use crate::ProviderState;
use crate::cluster::{Cluster, ClusterError, ListKind, required_cluster_role_yaml};
use crate::validators;
use kured_core::pdb::{
    BudgetFinding, BudgetReport, ExemptionError, Exemptions, Inventory, InventoryError,
    ManifestError, Options, Report, coverage,
};
use tfplugin::api::DataSource;
use tfplugin::diag::{AttrPath, Diagnostics};
use tfplugin::model::{Attr, Model, Spec, decode_object};
use tfplugin::schema::{Block, Schema};
use tfplugin::value::Value;

pub struct PdbCoverage;

/// A list of strings borrowed from the configuration, each entry known or not yet: a
/// manifest can be hundreds of megabytes.
type Strings<'v> = Vec<Attr<&'v str>>;

tfplugin::model! {
    /// `kured_pdb_coverage`: its arguments and the report.
    pub struct PdbCoverageModel<'v> {
        pub manifests: Attr<Strings<'v>> => Spec::optional("Kubernetes objects as YAML or JSON strings: multi-document YAML, or a `kind: List` as `kubectl get -o yaml` prints it. When set, no cluster is contacted. Without Pods, each Deployment, StatefulSet, ReplicaSet and ReplicationController stands for `replicas` healthy pods, so a stack can audit what it is about to create."),
        pub namespaces: Attr<Strings<'v>> => Spec::optional("Only look at these namespaces. Defaults to all; in live mode the provider then lists each namespace instead of the whole cluster."),
        pub fail_on: Attr<Strings<'v>> => Spec::optional(format!("Finding codes that fail the read, naming every budget that has one (exempted budgets excepted): {}.", BudgetFinding::codes_list())),
        pub exempt_budgets: Attr<BTreeMap<String, Attr<&'v str>>> => Spec::optional("Budgets that something resolves during a drain, as `namespace/name` = the reason (not empty), for example CloudNativePG's `<cluster>-primary` budget, whose primary the operator switches over to another node when its node is cordoned. An exempted budget is reported with its reason in `budgets[*].exempt`, is left out of `drain_blockers` and no longer fails `fail_on`. A key that matches no budget read is a warning."),
        pub budgets: Attr<Vec<BudgetModel>> => Spec::computed("One entry per PodDisruptionBudget, ordered by namespace and name."),
        pub drain_blockers: Attr<Vec<String>> => Spec::computed("`namespace/name` of the budgets with `blocks_drain`, less those in `exempt_budgets`: pass them to `kured_gated_reboot_policy.known_drain_blockers`."),
        pub orphaned_budgets: Attr<Vec<String>> => Spec::computed("`namespace/name` of the budgets that select no pod."),
        pub multiply_covered_pods: Attr<Vec<String>> => Spec::computed("The pods that more than one budget selects, which the eviction API refuses to evict, with the budgets. In live mode, or when `manifests` hold Pods, one entry per pod: `namespace/pod: budget, budget`. When `manifests` hold no Pods, one entry per workload, standing for the pods its replicas will run: `namespace/workload (Kind, N pods): budget, budget`, e.g. `shop/worker (Deployment, 3 pods): backend, worker`."),
        pub unprotected_workloads: Attr<Vec<String>> => Spec::computed("`Kind namespace/name` of the Deployments and StatefulSets with at least 2 replicas that no budget selects."),
    }
}

tfplugin::model! {
    /// One entry of `budgets`.
    pub struct BudgetModel {
        pub namespace: Attr<String> => Spec::computed("The budget's namespace."),
        pub name: Attr<String> => Spec::computed("The budget's name."),
        pub selector: Attr<String> => Spec::computed("The budget's label selector as kubectl prints it (`app=web,tier in (a,b)`); null when the budget has none, which selects no pod."),
        pub min_available: Attr<String> => Spec::computed("`spec.minAvailable` as written (`1`, `50%`); null when unset."),
        pub max_unavailable: Attr<String> => Spec::computed("`spec.maxUnavailable` as written; null when unset."),
        pub matched_pods: Attr<u64> => Spec::computed("Pods the selector matches; without pods in `manifests`, the replicas of the workloads whose pod template it matches."),
        pub expected_pods: Attr<u64> => Spec::computed("The pod count the budget is measured against, as the disruption controller computes `status.expectedPods`."),
        pub healthy_pods: Attr<u64> => Spec::computed("Matched pods that are Ready (`status.currentHealthy`)."),
        pub desired_healthy: Attr<u64> => Spec::computed("Healthy pods the budget insists on (`status.desiredHealthy`)."),
        pub disruptions_allowed: Attr<u64> => Spec::computed("Evictions the budget allows right now (`status.disruptionsAllowed`)."),
        pub blocks_drain: Attr<bool> => Spec::computed("Whether a drain of a node running one of its pods can never finish: the budget allows no eviction even with every pod healthy, or its pods are under another budget too."),
        pub findings: Attr<Vec<String>> => Spec::computed(format!("Finding codes, in this order: {}.", codes_described())),
        pub exempt: Attr<String> => Spec::computed("The reason `exempt_budgets` gives for this budget; null when it is not exempted. An exempted budget keeps its numbers and findings but is left out of `drain_blockers` and `fail_on`."),
    }
}

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
        Schema::new(
            0,
            Block::new(
                "Computes what every PodDisruptionBudget allows a node drain to do, as the disruption controller would, from manifests or the live cluster, and names the budgets that make a kured reboot wait forever.",
                PdbCoverageModel::attributes(),
            ),
        )
    }

    async fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        // Only the shape of `manifests` here, which decoding checks: reading them can take
        // seconds at cluster scale, and `read` reports the same errors on the same entry
        // during plan.
        if let Some(args) = decode_object::<PdbCoverageModel>(config, diags) {
            let _ = namespaces(&args.namespaces, diags);
            let _ = fail_on(&args.fail_on, diags);
            let _ = exempt_budgets(&args.exempt_budgets, diags);
        }
    }

    async fn read(
        &self,
        state: &ProviderState,
        mut config: Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let args: PdbCoverageModel = decode_object(&config, diags)?;
        let namespaces = namespaces(&args.namespaces, diags);
        let fail_on = fail_on(&args.fail_on, diags);
        let exemptions = exempt_budgets(&args.exempt_budgets, diags);
        if diags.has_errors() {
            return None;
        }
        let namespaces = namespaces?;
        let inventory = match &args.manifests {
            Attr::Known(list) => {
                let list: Vec<(usize, &str)> = list
                    .iter()
                    .enumerate()
                    .filter_map(|(i, m)| m.known().map(|m| (i, *m)))
                    .collect();
                read_manifests(&list, diags)?
            }
            Attr::Null | Attr::Unknown => {
                read_cluster(&state.cluster, namespaces.as_deref(), diags).await?
            }
        };
        let mut report = coverage(&inventory, &Options { namespaces });
        drop(inventory);
        for key in exemptions.unwrap_or_default().apply(&mut report) {
            diags.warning_at(
                AttrPath::attr(PdbCoverageModel::exempt_budgets).key(&key),
                format!("{}: {key} matches no budget", PdbCoverageModel::exempt_budgets),
                "No PodDisruptionBudget of that namespace and name was read (within `namespaces`, when set); the exemption has no effect. Remove it, or correct the key to the budget's namespace/name.",
            );
        }
        for (index, code) in fail_on.unwrap_or_default() {
            fail_on_code(&report, index, code, diags);
        }
        if diags.has_errors() {
            return None;
        }
        report_model(&report).write_computed(&mut config);
        Some(config)
    }
}

/// `namespaces`, checked and without duplicates. `Some(None)` means every namespace.
fn namespaces(items: &Attr<Strings<'_>>, diags: &mut Diagnostics) -> Option<Option<Vec<String>>> {
    let at = AttrPath::attr(PdbCoverageModel::namespaces);
    if !validators::non_empty_list(
        &at,
        items,
        &format!(
            "An empty list would look at nothing. Leave {0} out to look at every namespace, or name at least one.",
            PdbCoverageModel::namespaces
        ),
        diags,
    ) {
        return None;
    }
    let Attr::Known(items) = items else {
        return Some(None);
    };
    let mut ok = true;
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if !validators::dns_label(&at.clone().index(i), item, "namespace name", diags) {
            ok = false;
        } else if let Attr::Known(ns) = item
            && seen.insert(*ns)
        {
            out.push(ns.to_string());
        }
    }
    ok.then_some(Some(out))
}

/// Every code with what it says about a budget, for the schema.
fn codes_described() -> String {
    BudgetFinding::ALL
        .iter()
        .map(|f| format!("`{}` ({})", f.code(), f.description()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The known codes of `fail_on` with their index, each code once.
fn fail_on(
    items: &Attr<Strings<'_>>,
    diags: &mut Diagnostics,
) -> Option<Vec<(usize, BudgetFinding)>> {
    let items = items.known()?;
    let mut ok = true;
    let mut out: Vec<(usize, BudgetFinding)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Attr::Known(code) = item else { continue };
        match BudgetFinding::from_code(code) {
            Some(known) if out.iter().any(|(_, c)| *c == known) => {}
            Some(known) => out.push((i, known)),
            None => {
                diags.error_at(
                    AttrPath::attr(PdbCoverageModel::fail_on).index(i),
                    format!(
                        "{}[{i}]: unknown finding code {code:?}",
                        PdbCoverageModel::fail_on
                    ),
                    format!(
                        "{} takes these codes: {}.",
                        PdbCoverageModel::fail_on,
                        BudgetFinding::codes_list()
                    ),
                );
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// `exempt_budgets`, checked key by key. `None` when an entry is invalid (each is an
/// error on its key) or still unknown.
fn exempt_budgets(
    entries: &Attr<BTreeMap<String, Attr<&str>>>,
    diags: &mut Diagnostics,
) -> Option<Exemptions> {
    let entries = match entries {
        Attr::Null => return Some(Exemptions::default()),
        Attr::Unknown => return None,
        Attr::Known(entries) => entries,
    };
    let mut known = Vec::with_capacity(entries.len());
    for (key, reason) in entries {
        match reason {
            Attr::Known(reason) => known.push((key.as_str(), *reason)),
            Attr::Null => known.push((key.as_str(), "")),
            Attr::Unknown => return None,
        }
    }
    let (exemptions, errors) = Exemptions::read(known);
    let at = AttrPath::attr(PdbCoverageModel::exempt_budgets);
    for error in &errors {
        let summary = match error {
            ExemptionError::BadKey { key, .. } => {
                format!(
                    "{}: {key:?} is not namespace/name",
                    PdbCoverageModel::exempt_budgets
                )
            }
            ExemptionError::EmptyReason { key } => {
                format!(
                    "{}: the reason for {key} is empty",
                    PdbCoverageModel::exempt_budgets
                )
            }
        };
        diags.error_at(at.clone().key(error.key()), summary, format!("{error}."));
    }
    errors.is_empty().then_some(exemptions)
}

/// Reads every manifest string; each error names its entry, document and object.
fn read_manifests(manifests: &[(usize, &str)], diags: &mut Diagnostics) -> Option<Inventory> {
    let mut inventory = Inventory::default();
    let mut ok = true;
    for (i, text) in manifests {
        let path = AttrPath::attr(PdbCoverageModel::manifests).index(*i);
        match Inventory::from_manifest(text) {
            Ok(read) => inventory.extend(read),
            Err(ManifestError::Syntax(err)) => {
                diags.error_at(
                    path.clone(),
                    format!("{path} is not valid YAML or JSON"),
                    format!(
                        "{err}. Each entry holds YAML or JSON documents separated by `---`, as `kubectl get -o yaml` or `helm template` prints them."
                    ),
                );
                ok = false;
            }
            Err(ManifestError::Object(err)) => {
                diags.error_at(
                    path.clone(),
                    format!("{path} holds an object that cannot be read"),
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
fn fail_on_code(report: &Report, index: usize, code: BudgetFinding, diags: &mut Diagnostics) {
    let offenders: Vec<&BudgetReport> = report
        .budgets
        .iter()
        .filter(|b| b.exempt.is_none() && b.findings.contains(&code))
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
        AttrPath::attr(PdbCoverageModel::fail_on).index(index),
        format!(
            "{} PodDisruptionBudget{plural} with finding {code}: {}",
            offenders.len(),
            names.join(", ")
        ),
        format!("{}\n\n{}", lines.join("\n"), code.advice()),
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

fn budget_model(b: &BudgetReport) -> BudgetModel {
    BudgetModel {
        namespace: Attr::Known(b.namespace.clone()),
        name: Attr::Known(b.name.clone()),
        selector: b.selector.clone().into(),
        min_available: b.min_available.clone().into(),
        max_unavailable: b.max_unavailable.clone().into(),
        matched_pods: Attr::Known(b.matched_pods),
        expected_pods: Attr::Known(b.expected_pods),
        healthy_pods: Attr::Known(b.healthy_pods),
        desired_healthy: Attr::Known(b.desired_healthy),
        disruptions_allowed: Attr::Known(b.disruptions_allowed),
        blocks_drain: Attr::Known(b.blocks_drain),
        findings: Attr::Known(b.findings.iter().map(|f| f.code().to_string()).collect()),
        exempt: b.exempt.clone().into(),
    }
}

/// The computed attributes of a report.
fn report_model(report: &Report) -> PdbCoverageModel<'static> {
    PdbCoverageModel {
        budgets: Attr::Known(report.budgets.iter().map(budget_model).collect()),
        drain_blockers: Attr::Known(report.drain_blockers.clone()),
        orphaned_budgets: Attr::Known(report.orphaned_budgets.clone()),
        multiply_covered_pods: Attr::Known(report.multiply_covered_pods.clone()),
        unprotected_workloads: Attr::Known(report.unprotected_workloads.clone()),
        ..PdbCoverageModel::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::string(*s)).collect())
    }

    fn args(config: &Value) -> PdbCoverageModel<'_> {
        decode_object(config, &mut Diagnostics::new()).expect("a valid configuration")
    }

    fn config(manifests: &[&str], fail_on: &[&str]) -> Value {
        let list = |items: &[&str]| {
            if items.is_empty() {
                Value::Null
            } else {
                strings(items)
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
    fn unknown_codes_are_errors_on_their_index_listing_the_valid_ones() {
        let mut diags = Diagnostics::new();
        let config = config(&[], &["drain-deadlock", "deadlock"]);
        let got = fail_on(&args(&config).fail_on, &mut diags);
        assert!(got.is_none());
        let d = diags.iter().next().expect("one error");
        assert_eq!(d.path, Some(AttrPath::attr("fail_on").index(1)));
        assert!(
            d.detail.contains(&BudgetFinding::codes_list()),
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
        fail_on_code(&report, 2, BudgetFinding::DrainDeadlock, &mut diags);
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
        let mut value = config(&[SINGLE], &[]);
        report_model(&report).write_computed(&mut value);
        assert_eq!(value.get("manifests"), Some(&strings(&[SINGLE])));
        let budget = &value
            .get("budgets")
            .and_then(Value::as_list)
            .expect("a list")[0];
        assert_eq!(budget.get("max_unavailable"), Some(&Value::Null));
        assert_eq!(budget.get("min_available"), Some(&Value::string("1")));
        assert_eq!(budget.get("blocks_drain"), Some(&Value::Bool(true)));
    }
}
