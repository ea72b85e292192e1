//! Data source `kured_sentinel_paths`: where kured and, optionally, the gate really look
//! on the node. It reports and never judges; it fails only on input it cannot read.

use crate::ProviderState;
use crate::findings;
use crate::inputs::{self, GateModel, KuredModel};
use crate::live;
use kured_core::policy;
use kured_core::policy::resolve::KuredOutcome;
use tfplugin::api::DataSource;
use tfplugin::diag::{AttrPath, Diagnostics};
use tfplugin::model::{Attr, Model, Spec, decode_object};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

pub struct SentinelPaths;

tfplugin::model! {
    /// `kured_sentinel_paths`: its arguments and what it found.
    pub struct SentinelPathsModel {
        pub kured: Attr<KuredModel> => Spec::required(inputs::KURED_DESCRIPTION).block(),
        pub gate: Attr<GateModel> => Spec::optional(inputs::GATE_DESCRIPTION).block(),
        pub kured_sentinel_host_path: Attr<String> => Spec::computed("The node file kured watches; null when kured uses a sentinel command, or its sentinel never reaches the node or cannot be known."),
        pub kured_sentinel_chain: Attr<Vec<String>> => Spec::computed("How kured's sentinel was derived, one step per entry."),
        pub kured_app_version: Attr<String> => Spec::computed("The kured version assumed; null when it cannot be read."),
        pub gate_sentinel_host_path: Attr<String> => Spec::computed("The node file the gate writes; null without `gate`."),
        pub gate_sentinel_chain: Attr<Vec<String>> => Spec::computed("How the gate's file reaches the node; empty without `gate`."),
        pub nodes_without_gate: Attr<Vec<String>> => Spec::computed("With kured and the gate both live: the nodes that run a kured pod but no ready gate pod. There, reboots never happen. Null otherwise."),
        pub aligned: Attr<bool> => Spec::computed("Whether kured watches exactly the file the gate writes (after host path aliases). False without `gate`."),
        pub recommended_values: Attr<String> => Spec::computed("Chart values (YAML) that make this chart version's kured watch the gate's node file, to apply last; null without `gate` or when kured is not described by a chart."),
    }
}

impl SentinelPathsModel {
    /// Reads the `kured` and `gate` blocks.
    fn inputs(
        &self,
        diags: &mut Diagnostics,
    ) -> Option<(Attr<inputs::KuredSpec>, Attr<inputs::GateSpec>)> {
        let kured = inputs::kured_input(&self.kured, &AttrPath::attr(Self::kured), diags);
        let gate = inputs::gate_input(&self.gate, &AttrPath::attr(Self::gate), diags);
        Some((kured.ok()?, gate.ok()?))
    }
}

#[tfplugin::async_trait]
impl DataSource<ProviderState> for SentinelPaths {
    fn type_name(&self) -> &'static str {
        "kured_sentinel_paths"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            SentinelPathsModel::schema_block(
                "Resolves the node files kured and the gate use, from chart values or manifests, and says whether they are the same file. Unlike `kured_gated_reboot_policy` it never fails on a mismatch.",
            ),
        )
    }

    async fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if let Some(config) = decode_object::<SentinelPathsModel>(config, diags) {
            let _ = config.inputs(diags);
        }
    }

    async fn read(
        &self,
        state: &ProviderState,
        config: Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let sensitive = inputs::Sensitive::in_config(&config);
        let mut read = self.read_checked(state, config, diags).await;
        sensitive.scrub::<SentinelPathsModel>(&mut read, diags);
        read
    }
}

/// Read before `set_sensitive` values are redacted from what it answers.
impl SentinelPaths {
    async fn read_checked(
        &self,
        state: &ProviderState,
        mut config: Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let mut paths: SentinelPathsModel = decode_object(&config, diags)?;
        let (Attr::Known(kured), gate @ (Attr::Known(_) | Attr::Null)) = paths.inputs(diags)?
        else {
            return None;
        };
        let resolved = live::resolve(&state.cluster, kured, gate.into_known(), diags).await?;
        let origins = resolved.origins;
        let kured =
            match policy::analyse_kured_with(&resolved.kured, &state.aliases, &state.renders) {
                Ok(k) => k,
                Err(finding) => {
                    findings::report(&[finding], origins, diags);
                    return None;
                }
            };
        // Only what the input says (a typo in the values, a chart newer than modelled):
        // the data source reports paths, it does not enforce the policy.
        let notes: Vec<_> = kured
            .warnings
            .iter()
            .filter(|f| f.severity() == policy::Severity::Warning)
            .cloned()
            .collect();
        findings::report(&notes, origins, diags);
        let gate = match resolved
            .gate
            .map(|g| policy::analyse_gate(&g, &state.aliases))
            .transpose()
        {
            Ok(g) => g,
            Err(finding) => {
                findings::report(&[finding], origins, diags);
                return None;
            }
        };
        let kured_file = match &kured.outcome {
            KuredOutcome::NodeFile {
                node_path,
                canonical,
                ..
            } => Some((node_path.as_str(), canonical.as_str())),
            _ => None,
        };
        let aligned = matches!((kured_file, &gate), (Some((_, k)), Some(g)) if k == g.canonical);
        paths.kured_sentinel_host_path = kured_file.map(|(p, _)| p.to_string()).into();
        paths.kured_sentinel_chain = Attr::Known(kured.chain.clone());
        paths.kured_app_version = kured.app_version.map(|v| v.to_string()).into();
        paths.gate_sentinel_host_path = gate.as_ref().map(|g| g.node_path.clone()).into();
        paths.gate_sentinel_chain =
            Attr::Known(gate.as_ref().map(|g| g.steps.clone()).unwrap_or_default());
        paths.aligned = Attr::Known(aligned);
        paths.recommended_values = gate
            .as_ref()
            .and_then(|g| policy::recommendation(&kured, &g.node_path))
            .into();
        paths.nodes_without_gate = resolved.nodes_without_gate.into();
        paths.write_computed(&mut config);
        Some(config)
    }
}
