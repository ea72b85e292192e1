//! Data source `kured_sentinel_paths`: where kured and, optionally, the gate really look
//! on the node. It reports and never judges; it fails only on input it cannot read.

use crate::ProviderState;
use crate::findings;
use crate::inputs::{self, Read};
use crate::live;
use kured_core::policy;
use kured_core::policy::resolve::KuredOutcome;
use tfplugin::api::DataSource;
use tfplugin::diag::Diagnostics;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::types::Type;
use tfplugin::value::Value;

pub struct SentinelPaths;

#[tfplugin::async_trait]
impl DataSource<ProviderState> for SentinelPaths {
    fn type_name(&self) -> &'static str {
        "kured_sentinel_paths"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new(
                "Resolves the node files kured and the gate use, from chart values or manifests, and says whether they are the same file. Unlike `kured_gated_reboot_policy` it never fails on a mismatch.",
                vec![
                    inputs::kured_attribute(),
                    inputs::gate_attribute(false),
                    Attribute::new("kured_sentinel_host_path", Type::String, "The node file kured watches; null when kured uses a sentinel command, or its sentinel never reaches the node or cannot be known.").computed(),
                    Attribute::new("kured_sentinel_chain", Type::list(Type::String), "How kured's sentinel was derived, one step per entry.").computed(),
                    Attribute::new("kured_app_version", Type::String, "The kured version assumed; null when it cannot be read.").computed(),
                    Attribute::new("gate_sentinel_host_path", Type::String, "The node file the gate writes; null without `gate`.").computed(),
                    Attribute::new("gate_sentinel_chain", Type::list(Type::String), "How the gate's file reaches the node; empty without `gate`.").computed(),
                    Attribute::new("nodes_without_gate", Type::list(Type::String), "With kured and the gate both live: the nodes that run a kured pod but no ready gate pod. There, reboots never happen. Null otherwise.").computed(),
                    Attribute::new("aligned", Type::Bool, "Whether kured watches exactly the file the gate writes (after host path aliases). False without `gate`.").computed(),
                ],
            ),
        )
    }

    async fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let _ = inputs::kured_input(config, diags);
        let _ = inputs::gate_input(config, diags);
    }

    async fn read(
        &self,
        state: &ProviderState,
        config: Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let config = &config;
        let kured = inputs::kured_input(config, diags);
        let gate = inputs::gate_input(config, diags);
        let (Some(Read::Known(kured)), Some(Read::Known(gate))) = (kured, gate) else {
            return None;
        };
        let resolved = live::resolve(&state.cluster, kured, gate, diags).await?;
        let origins = resolved.origins;
        let kured = match policy::analyse_kured(&resolved.kured, &state.aliases) {
            Ok(k) => k,
            Err(finding) => {
                findings::report(&[finding], origins, diags);
                return None;
            }
        };
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
        let mut out = match config {
            Value::Object(map) => map.clone(),
            _ => Default::default(),
        };
        let mut set = |k: &str, v: Value| {
            out.insert(k.to_string(), v);
        };
        set(
            "kured_sentinel_host_path",
            inputs::opt_string(kured_file.map(|(p, _)| p)),
        );
        set("kured_sentinel_chain", inputs::string_list(&kured.chain));
        set(
            "kured_app_version",
            inputs::opt_string(kured.app_version.map(|v| v.to_string()).as_deref()),
        );
        set(
            "gate_sentinel_host_path",
            inputs::opt_string(gate.as_ref().map(|g| g.node_path.as_str())),
        );
        set(
            "gate_sentinel_chain",
            inputs::string_list(
                gate.as_ref()
                    .map(|g| g.steps.as_slice())
                    .unwrap_or_default(),
            ),
        );
        set("aligned", Value::Bool(aligned));
        set(
            "nodes_without_gate",
            resolved
                .nodes_without_gate
                .as_deref()
                .map_or(Value::Null, inputs::string_list),
        );
        Some(Value::Object(out))
    }
}
