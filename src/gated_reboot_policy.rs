//! Resource `kured_gated_reboot_policy`: declares which node file gates reboots and fails
//! the plan when kured and the gate would not meet there. It writes nothing but Terraform
//! state.

use crate::ProviderState;
use crate::findings;
use crate::inputs::{self, GateModel, KuredModel};
use crate::live;
use crate::validators;
use kured_core::policy::resolve::KuredOutcome;
use kured_core::policy::{self, DEFAULT_UPSTREAM_SENTINEL, PolicyInput, PolicyReport};
use tfplugin::api::{ApplyRequest, PlanRequest, Planned, Resource};
use tfplugin::diag::{AttrPath, Diagnostics};
use tfplugin::model::{Attr, Decoder, Invalid, Model, Spec, decode_object};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

pub struct GatedRebootPolicy;

tfplugin::model! {
    /// `kured_gated_reboot_policy`: its arguments and what the checks found.
    pub struct GatedRebootPolicyModel {
        pub id: Attr<String> => Spec::computed("Identifier of this policy in state; set at creation and kept across updates."),
        pub sentinel_host_path: Attr<String> => Spec::optional("The node file that gates reboots. When set, kured and the gate must both resolve to it; when not, they must resolve to each other."),
        pub upstream_sentinel_host_path: Attr<String> => Spec::optional_computed("The ungated node file that package managers write (kured's own default). kured watching it bypasses the gate and is an error. Defaults to `/var/run/reboot-required`."),
        pub kured: Attr<KuredModel> => Spec::required(inputs::KURED_DESCRIPTION).block(),
        pub gate: Attr<GateModel> => Spec::required(inputs::GATE_DESCRIPTION).block(),
        pub known_drain_blockers: Attr<Vec<String>> => Spec::optional("PodDisruptionBudgets (`namespace/name`) known to block every drain, e.g. `data.kured_pdb_coverage.all.drain_blockers`. When the list is not empty the plan fails whatever kured's drain timeout: with none the drain hangs and kured holds its lock, with one the nodes that run their pods never reboot. Only `forceReboot` with a drain timeout passes, with a warning naming the budgets it violates."),
        pub allow_ungated_nodes: Attr<bool> => Spec::optional("In live mode, nodes that run kured but no ready gate pod never reboot, which fails the plan (`nodes-without-gate`). `true` keeps it a warning, for a rollout of the gate in progress. Defaults to `false`."),
        pub kured_sentinel_host_path: Attr<String> => Spec::computed("The node file kured watches; null when kured uses a sentinel command or its sentinel cannot be known."),
        pub gate_sentinel_host_path: Attr<String> => Spec::computed("The node file the gate writes."),
        pub kured_sentinel_chain: Attr<Vec<String>> => Spec::computed("How kured's sentinel was derived, one step per entry: version, flags and environment, volume mount, hostPath, node path. Set only with a `sentinel-command` or `sentinel-unknowable` warning, when kured's sentinel could not be checked; null when kured watches a node file, which in a plan that passes is the gate's file. The data source `kured_sentinel_paths` reports it in every case."),
        pub gate_sentinel_chain: Attr<Vec<String>> => Spec::computed("How the gate's file reaches the node, one step per entry. Set, like `kured_sentinel_chain`, only when kured's sentinel could not be checked; the data source `kured_sentinel_paths` reports it in every case."),
        pub kured_app_version: Attr<String> => Spec::computed("The kured version the checks assumed; null when it cannot be read (the newest behaviour is assumed)."),
        pub reboot_window: Attr<String> => Spec::computed("kured's reboot window on one line: days, start, end and time zone."),
        pub drain_timeout: Attr<String> => Spec::computed("kured's drain timeout as a Go duration; `0s` means a drain may wait forever."),
        pub warnings: Attr<Vec<String>> => Spec::computed("What could not be checked or deserves attention, each as `[code] summary: detail`; each is also shown as a warning."),
        pub recommended_values: Attr<String> => Spec::computed("Chart values (YAML), to apply last, that make this chart version's kured (at the version its image runs, from `image_tag` or `image.tag` when set) watch `sentinel_host_path`, or the gate's node file. Set only when kured comes from a chart and its sentinel could not be checked (a `sentinel-command` or `sentinel-unknowable` warning); null otherwise, since kured then already watches that file. The data source `kured_sentinel_paths` reports them for the gate's file in every case."),
    }
}

fn schema() -> Schema {
    Schema::new(
        0,
        GatedRebootPolicyModel::schema_block(
            "A gated reboot policy: kured reboots a node only when the file the gate writes exists. The plan fails when kured and the gate resolve to different node files, when kured watches the ungated sentinel, or when kured would not start, never open its window, or never finish the drain of a node that runs pods of a known drain blocker.",
        ),
    )
}

impl GatedRebootPolicyModel {
    /// Fills in what the checks produced.
    fn set_results(&mut self, evaluated: &Evaluated) {
        let kured = &evaluated.kured;
        let report = &evaluated.report;
        self.kured_sentinel_host_path = match &kured.outcome {
            KuredOutcome::NodeFile { node_path, .. } => Attr::Known(node_path.clone()),
            _ => Attr::Null,
        };
        self.gate_sentinel_host_path = Attr::Known(evaluated.gate.node_path.clone());
        // The chains and the recommended values were over half of a policy's plan text
        // (1.4 KB of 2.6 KB, docs/performance.md), repeated in every plan. A plan that passes with kured on a
        // node file has kured and the gate on the same file, which the two paths above
        // say; the rest is carried only when a warning leaves the sentinel unchecked.
        let unchecked = !matches!(kured.outcome, KuredOutcome::NodeFile { .. });
        self.kured_sentinel_chain = unchecked.then(|| kured.chain.clone()).into();
        self.gate_sentinel_chain = unchecked.then(|| evaluated.gate.steps.clone()).into();
        self.kured_app_version = kured.app_version.map(|v| v.to_string()).into();
        self.reboot_window = report.reboot_window.clone().into();
        self.drain_timeout = report.drain_timeout.clone().into();
        self.warnings = Attr::Known(
            report
                .findings
                .iter()
                .filter(|f| f.severity() == policy::Severity::Warning)
                .map(findings::warning_line)
                .collect(),
        );
        self.recommended_values = report
            .recommended_values
            .clone()
            .filter(|_| unchecked)
            .into();
    }

    /// `upstream_sentinel_host_path` as configured, or its default.
    fn upstream(&self) -> Attr<String> {
        self.upstream_sentinel_host_path
            .clone()
            .or(DEFAULT_UPSTREAM_SENTINEL.to_string())
    }

    /// Reads the `kured` and `gate` blocks and checks the arguments' own values.
    fn inputs(
        &self,
        diags: &mut Diagnostics,
    ) -> Result<(Attr<inputs::KuredSpec>, Attr<inputs::GateSpec>), Invalid> {
        let kured = inputs::kured_input(&self.kured, &AttrPath::attr(Self::kured), diags);
        let gate = inputs::gate_input(&self.gate, &AttrPath::attr(Self::gate), diags);
        let blockers_ok = validators::namespaced_names(
            &AttrPath::attr(Self::known_drain_blockers),
            &self.known_drain_blockers,
            diags,
        );
        let (kured, gate) = (kured?, gate?);
        if !blockers_ok {
            return Err(Invalid);
        }
        Ok((kured, gate))
    }
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

/// Reads the configuration (and the cluster, in live mode) and runs every check.
/// `None`: errors are in `diags`.
async fn evaluate(
    config: &GatedRebootPolicyModel,
    state: &ProviderState,
    diags: &mut Diagnostics,
) -> Option<Outcome> {
    let (kured, gate) = config.inputs(diags).ok()?;
    let (
        Attr::Known(kured),
        Attr::Known(gate),
        Some(sentinel_host_path),
        Some(known_drain_blockers),
        Attr::Known(upstream),
        Some(allow_ungated_nodes),
    ) = (
        kured,
        gate,
        config.sentinel_host_path.settled(),
        config.known_drain_blockers.settled(),
        config.upstream(),
        config.allow_ungated_nodes.settled(),
    )
    else {
        return Some(Outcome::Unknown);
    };
    let policy_input = PolicyInput {
        sentinel_host_path: sentinel_host_path.cloned(),
        upstream_sentinel_host_path: upstream,
        known_drain_blockers: known_drain_blockers.cloned().unwrap_or_default(),
    };
    let resolved = live::resolve(&state.cluster, kured, Some(gate), diags).await?;
    let origins = resolved.origins;
    let gate = resolved.gate?;
    let aliases = &state.aliases;
    let analysed_kured = policy::analyse_kured_with(&resolved.kured, aliases, &state.renders);
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
        report.findings.extend(policy::nodes_without_gate_finding(
            nodes,
            allow_ungated_nodes.copied().unwrap_or(false),
        ));
    }
    Some(Outcome::Checked(Box::new(Evaluated {
        kured,
        gate,
        report,
        origins,
    })))
}

/// The `id` a prior state holds; null on create.
fn prior_id(prior_state: &Value, diags: &mut Diagnostics) -> Attr<String> {
    Decoder::new(diags)
        .attribute(prior_state, GatedRebootPolicyModel::id)
        .unwrap_or(Attr::Null)
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
        if let Some(config) = decode_object::<GatedRebootPolicyModel>(config, diags) {
            let _ = config.inputs(diags);
        }
    }

    async fn plan(
        &self,
        state: &ProviderState,
        req: PlanRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Option<Planned> {
        let sensitive = inputs::Sensitive::in_config(req.config);
        let mut planned = self.plan_checked(state, req, diags).await;
        sensitive.redact_diagnostics(diags);
        if let Some(planned) = &mut planned {
            sensitive.redact_computed::<GatedRebootPolicyModel>(&mut planned.planned_state);
        }
        planned
    }

    async fn apply(
        &self,
        state: &ProviderState,
        req: ApplyRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let sensitive = inputs::Sensitive::in_config(req.config);
        let mut applied = self.apply_checked(state, req, diags).await;
        sensitive.scrub::<GatedRebootPolicyModel>(&mut applied, diags);
        applied
    }
}

/// Plan and apply before `set_sensitive` values are redacted from what they answer.
impl GatedRebootPolicy {
    async fn plan_checked(
        &self,
        state: &ProviderState,
        req: PlanRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Option<Planned> {
        let mut planned: GatedRebootPolicyModel = decode_object(req.config, diags)?;
        let outcome = evaluate(&planned, state, diags).await?;
        planned.upstream_sentinel_host_path = planned.upstream();
        planned.mark_computed_nulls_unknown();
        planned.id = match prior_id(req.prior_state, diags) {
            Attr::Known(id) => Attr::Known(id),
            _ => Attr::Unknown,
        };
        if let Outcome::Checked(evaluated) = outcome {
            findings::report(&evaluated.report.findings, evaluated.origins, diags);
            if evaluated.report.has_errors() {
                return None;
            }
            planned.set_results(&evaluated);
        }
        let mut state = req.proposed_new_state.clone();
        planned.write_computed(&mut state);
        Some(Planned::state(state))
    }

    async fn apply_checked(
        &self,
        state: &ProviderState,
        req: ApplyRequest<'_>,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let mut applied: GatedRebootPolicyModel = decode_object(req.config, diags)?;
        let warned_at_plan = req
            .planned_state
            .get(GatedRebootPolicyModel::warnings)
            .is_some_and(|w| !w.is_unknown());
        let evaluated = match evaluate(&applied, state, diags).await? {
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
        applied.set_results(&evaluated);
        applied.upstream_sentinel_host_path = applied.upstream();
        applied.id = match prior_id(req.prior_state, diags) {
            Attr::Known(id) => Attr::Known(id),
            _ => Attr::Known(new_id()),
        };
        let mut state = req.planned_state.clone();
        applied.write_computed(&mut state);
        Some(state)
    }
}
