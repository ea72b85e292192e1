//! Resource `kured_gated_reboot_policy`: declares which node file gates reboots and fails
//! the plan when kured and the gate would not meet there. It writes nothing but Terraform
//! state.

use std::collections::BTreeMap;

use crate::ProviderState;
use crate::findings;
use crate::inputs::{self, Read};
use crate::live;
use kured_core::policy::resolve::KuredOutcome;
use kured_core::policy::{self, DEFAULT_UPSTREAM_SENTINEL, PolicyInput, PolicyReport};
use tfplugin::api::{ApplyRequest, PlanRequest, Planned, Resource};
use tfplugin::diag::Diagnostics;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::types::Type;
use tfplugin::value::Value;

pub struct GatedRebootPolicy;

/// The attributes the provider computes, in schema order.
const COMPUTED: [&str; 9] = [
    "kured_sentinel_host_path",
    "gate_sentinel_host_path",
    "kured_sentinel_chain",
    "gate_sentinel_chain",
    "kured_app_version",
    "reboot_window",
    "drain_timeout",
    "warnings",
    "recommended_values",
];

fn schema() -> Schema {
    Schema::new(
        0,
        Block::new(
            "A gated reboot policy: kured reboots a node only when the file the gate writes exists. The plan fails when kured and the gate resolve to different node files, when kured watches the ungated sentinel, or when kured would not start, never open its window, or never finish the drain of a node that runs pods of a known drain blocker.",
            vec![
                Attribute::new("id", Type::String, "Identifier of this policy in state; set at creation and kept across updates.").computed(),
                Attribute::new(
                    "sentinel_host_path",
                    Type::String,
                    "The node file that gates reboots. When set, kured and the gate must both resolve to it; when not, they must resolve to each other.",
                )
                .optional(),
                Attribute::new(
                    "upstream_sentinel_host_path",
                    Type::String,
                    "The ungated node file that package managers write (kured's own default). kured watching it bypasses the gate and is an error. Defaults to `/var/run/reboot-required`.",
                )
                .optional_computed(),
                inputs::kured_attribute(),
                inputs::gate_attribute(true),
                Attribute::new(
                    "known_drain_blockers",
                    Type::list(Type::String),
                    "PodDisruptionBudgets (`namespace/name`) known to block every drain, e.g. `data.kured_pdb_coverage.all.drain_blockers`. When the list is not empty the plan fails whatever kured's drain timeout: with none the drain hangs and kured holds its lock, with one the nodes that run their pods never reboot. Only `forceReboot` with a drain timeout passes, with a warning naming the budgets it violates.",
                )
                .optional(),
                Attribute::new("kured_sentinel_host_path", Type::String, "The node file kured watches; null when kured uses a sentinel command or its sentinel cannot be known.").computed(),
                Attribute::new("gate_sentinel_host_path", Type::String, "The node file the gate writes.").computed(),
                Attribute::new("kured_sentinel_chain", Type::list(Type::String), "How kured's sentinel was derived, one step per entry: version, flags and environment, volume mount, hostPath, node path.").computed(),
                Attribute::new("gate_sentinel_chain", Type::list(Type::String), "How the gate's file reaches the node, one step per entry.").computed(),
                Attribute::new("kured_app_version", Type::String, "The kured version the checks assumed; null when it cannot be read (the newest behaviour is assumed).").computed(),
                Attribute::new("reboot_window", Type::String, "kured's reboot window on one line: days, start, end and time zone.").computed(),
                Attribute::new("drain_timeout", Type::String, "kured's drain timeout as a Go duration; `0s` means a drain may wait forever.").computed(),
                Attribute::new("warnings", Type::list(Type::String), "What could not be checked or deserves attention, each as `[code] summary: detail`; each is also shown as a warning.").computed(),
                Attribute::new("recommended_values", Type::String, "Chart values (YAML) that make this chart version's kured watch `sentinel_host_path`, or the gate's node file; null without a chart version.").computed(),
            ],
        ),
    )
}

/// What the checks produced, as computed attribute values.
fn computed_values(report: &Evaluated) -> BTreeMap<&'static str, Value> {
    let kured_path = match &report.kured.outcome {
        KuredOutcome::NodeFile { node_path, .. } => Some(node_path.as_str()),
        _ => None,
    };
    let warnings: Vec<String> = report
        .report
        .findings
        .iter()
        .filter(|f| f.severity() == policy::Severity::Warning)
        .map(findings::warning_line)
        .collect();
    BTreeMap::from([
        ("kured_sentinel_host_path", inputs::opt_string(kured_path)),
        (
            "gate_sentinel_host_path",
            Value::String(report.gate.node_path.clone()),
        ),
        (
            "kured_sentinel_chain",
            inputs::string_list(&report.kured.chain),
        ),
        (
            "gate_sentinel_chain",
            inputs::string_list(&report.gate.steps),
        ),
        (
            "kured_app_version",
            inputs::opt_string(report.kured.app_version.map(|v| v.to_string()).as_deref()),
        ),
        (
            "reboot_window",
            inputs::opt_string(report.report.reboot_window.as_deref()),
        ),
        (
            "drain_timeout",
            inputs::opt_string(report.report.drain_timeout.as_deref()),
        ),
        ("warnings", inputs::string_list(&warnings)),
        (
            "recommended_values",
            inputs::opt_string(report.report.recommended_values.as_deref()),
        ),
    ])
}

struct Evaluated {
    kured: policy::KuredAnalysis,
    gate: kured_core::policy::resolve::GatePath,
    report: PolicyReport,
    origins: inputs::Origins,
}

enum Outcome {
    /// Some input is not known yet; the checks run once it is.
    Unknown,
    Checked(Box<Evaluated>),
}

fn upstream_of(config: &Value) -> Option<String> {
    match config.get("upstream_sentinel_host_path") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Unknown) => None,
        _ => Some(DEFAULT_UPSTREAM_SENTINEL.to_string()),
    }
}

/// Reads the configuration (and the cluster, in live mode) and runs every check.
/// `None`: errors are in `diags`.
async fn evaluate(
    config: &Value,
    state: &ProviderState,
    diags: &mut Diagnostics,
) -> Option<Outcome> {
    let kured = inputs::kured_input(config, diags);
    let gate = inputs::gate_input(config, diags);
    let (Some(kured), Some(gate)) = (kured, gate) else {
        return None;
    };
    let sentinel_host_path = match config.get("sentinel_host_path") {
        Some(Value::Unknown) => return Some(Outcome::Unknown),
        Some(v) => v.as_str().map(str::to_string),
        None => None,
    };
    let known_drain_blockers = match config.get("known_drain_blockers") {
        Some(v) if !v.is_wholly_known() => return Some(Outcome::Unknown),
        Some(v) => v
            .as_list()
            .unwrap_or_default()
            .iter()
            .filter_map(|b| b.as_str().map(str::to_string))
            .collect(),
        None => Vec::new(),
    };
    let (Read::Known(kured), Read::Known(Some(gate)), Some(upstream)) =
        (kured, gate, upstream_of(config))
    else {
        return Some(Outcome::Unknown);
    };
    let policy_input = PolicyInput {
        sentinel_host_path,
        upstream_sentinel_host_path: upstream,
        known_drain_blockers,
    };
    let resolved = live::resolve(&state.cluster, kured, Some(gate), diags).await?;
    let origins = resolved.origins;
    let gate = resolved.gate?;
    let aliases = &state.aliases;
    let analysed_kured = policy::analyse_kured(&resolved.kured, aliases);
    let analysed_gate = policy::analyse_gate(&gate, aliases);
    let (kured, gate) = match (analysed_kured, analysed_gate) {
        (Ok(k), Ok(g)) => (k, g),
        (k, g) => {
            let findings: Vec<_> = [k.err(), g.err()].into_iter().flatten().collect();
            findings::report(&findings, origins, diags);
            return None;
        }
    };
    let mut report = policy::check_policy(&policy_input, &kured, &gate, aliases);
    if let Some(nodes) = &resolved.nodes_without_gate {
        report
            .findings
            .extend(policy::nodes_without_gate_finding(nodes));
    }
    Some(Outcome::Checked(Box::new(Evaluated {
        kured,
        gate,
        report,
        origins,
    })))
}

fn with_attributes(
    base: &Value,
    changes: impl IntoIterator<Item = (&'static str, Value)>,
) -> Value {
    let mut map = match base {
        Value::Object(map) => map.clone(),
        _ => BTreeMap::new(),
    };
    for (k, v) in changes {
        map.insert(k.to_string(), v);
    }
    Value::Object(map)
}

/// A fresh identifier: unique enough for a state entry; nothing depends on its value.
fn new_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    format!("grp-{:016x}", hasher.finish())
}

#[tfplugin::async_trait]
impl Resource<ProviderState> for GatedRebootPolicy {
    fn type_name(&self) -> &'static str {
        "kured_gated_reboot_policy"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        // Shape errors are reported as early as `terraform validate`; the checks that need
        // the provider's aliases wait for the plan.
        let _ = inputs::kured_input(config, diags);
        let _ = inputs::gate_input(config, diags);
    }

    async fn plan(
        &self,
        state: &ProviderState,
        req: PlanRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Option<Planned> {
        let id = match req.prior_state.get("id") {
            Some(Value::String(id)) => Value::String(id.clone()),
            _ => Value::Unknown,
        };
        let upstream = upstream_of(req.config).map_or(Value::Unknown, Value::String);
        let computed = match evaluate(req.config, state, diags).await? {
            Outcome::Unknown => COMPUTED.iter().map(|k| (*k, Value::Unknown)).collect(),
            Outcome::Checked(evaluated) => {
                findings::report(&evaluated.report.findings, evaluated.origins, diags);
                if evaluated.report.has_errors() {
                    return None;
                }
                computed_values(&evaluated)
            }
        };
        let planned = with_attributes(
            req.proposed_new_state,
            computed
                .into_iter()
                .chain([("id", id), ("upstream_sentinel_host_path", upstream)]),
        );
        Some(Planned::state(planned))
    }

    async fn apply(
        &self,
        state: &ProviderState,
        req: ApplyRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let warned_at_plan = req
            .planned_state
            .get("warnings")
            .is_some_and(|w| !w.is_unknown());
        let evaluated = match evaluate(req.config, state, diags).await? {
            Outcome::Checked(evaluated) => evaluated,
            Outcome::Unknown => {
                diags.error(
                    "configuration still unknown at apply",
                    "Terraform applies only known configuration; this should not happen.",
                );
                return None;
            }
        };
        // Findings are shown once: at plan, or here when the plan could not check yet.
        let findings: Vec<_> = evaluated
            .report
            .findings
            .iter()
            .filter(|f| f.severity() == policy::Severity::Error || !warned_at_plan)
            .cloned()
            .collect();
        findings::report(&findings, evaluated.origins, diags);
        if evaluated.report.has_errors() {
            return None;
        }
        let id = match req.prior_state.get("id") {
            Some(Value::String(id)) => id.clone(),
            _ => new_id(),
        };
        let upstream =
            upstream_of(req.config).unwrap_or_else(|| DEFAULT_UPSTREAM_SENTINEL.to_string());
        Some(with_attributes(
            req.planned_state,
            computed_values(&evaluated).into_iter().chain([
                ("id", Value::String(id)),
                ("upstream_sentinel_host_path", Value::String(upstream)),
            ]),
        ))
    }
}
