//! Live mode for the `kured` and `gate` blocks: reads the DaemonSets the configuration
//! names and hands them to the core exactly as a manifest would be, so every check is the
//! same offline and live. Also finds the nodes that run kured but no ready gate pod,
//! counting only the pods each DaemonSet controls (not every pod its selector matches).
//!
//! Reads go through the provider's shared cluster reads: ten data sources naming the
//! same DaemonSets cost two gets and two pod lists in all.

use serde_json::Value as Json;

use crate::cluster::{Cluster, ListKind};
use crate::inputs::{GateSpec, KuredSpec, Origins};
use kured_core::k8s::placement;
use kured_core::policy::{GateInput, GateSource, KuredInput, KuredSource};
use tfplugin::diag::{AttrPath, Diagnostics};

/// The inputs with live objects read, and what only the cluster can tell.
pub struct Resolved {
    pub kured: KuredInput,
    pub gate: Option<GateInput>,
    pub origins: Origins,
    /// Set when both kured and the gate are live.
    pub nodes_without_gate: Option<Vec<String>>,
}

/// A live DaemonSet: where it lives, its JSON, and the argument that named it.
struct LiveDaemonSet {
    namespace: String,
    json: Json,
    path: AttrPath,
}

async fn fetch(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
    path: AttrPath,
    diags: &mut Diagnostics,
) -> Option<LiveDaemonSet> {
    match cluster.daemonset_json(namespace, name).await {
        Ok(json) => Some(LiveDaemonSet {
            namespace: namespace.to_string(),
            json,
            path,
        }),
        Err(err) => {
            diags.error_at(
                path,
                err.title(),
                format!("Cannot read DaemonSet {namespace}/{name} from the cluster: {err}"),
            );
            None
        }
    }
}

/// Reads whatever the specs name in the cluster. Nothing is contacted when neither is live.
pub async fn resolve(
    cluster: &Cluster,
    kured: KuredSpec,
    gate: Option<GateSpec>,
    diags: &mut Diagnostics,
) -> Option<Resolved> {
    let mut origins = Origins::default();
    let (kured, live_kured) = match kured {
        KuredSpec::Described(input) => (input, None),
        KuredSpec::Live {
            namespace,
            name,
            container,
            named_by,
        } => {
            origins.kured_live = true;
            let ds = fetch(cluster, &namespace, &name, named_by, diags).await?;
            let input = KuredInput {
                source: KuredSource::Manifest {
                    text: ds.json.to_string(),
                },
                container,
            };
            (input, Some(ds))
        }
    };
    let (gate, live_gate) = match gate {
        None => (None, None),
        Some(GateSpec::Described(input)) => (Some(input), None),
        Some(GateSpec::Live {
            namespace,
            name,
            container,
            sentinel_path,
            named_by,
        }) => {
            origins.gate_live = true;
            let ds = fetch(cluster, &namespace, &name, named_by, diags).await?;
            let input = GateInput {
                sentinel_path,
                source: GateSource::Manifest {
                    text: ds.json.to_string(),
                    container,
                },
            };
            (Some(input), Some(ds))
        }
    };
    let nodes_without_gate = match (&live_kured, &live_gate) {
        (Some(k), Some(g)) => {
            let kured_pods = pod_placements(cluster, k, diags).await?;
            let gate_pods = pod_placements(cluster, g, diags).await?;
            Some(placement::nodes_without_gate(&kured_pods, &gate_pods))
        }
        _ => None,
    };
    let describe = |ds: &Option<LiveDaemonSet>, configured: &str| match ds {
        Some(ds) => format!(
            "DaemonSet {}/{} from the cluster",
            ds.namespace,
            ds.json
                .pointer("/metadata/name")
                .and_then(Json::as_str)
                .unwrap_or_default()
        ),
        None => configured.to_owned(),
    };
    if origins.kured_live || origins.gate_live {
        let kured_from = describe(&live_kured, "from configuration");
        let gate_from = describe(
            &live_gate,
            if gate.is_some() {
                "from configuration"
            } else {
                "none"
            },
        );
        let ungated = nodes_without_gate
            .as_ref()
            .map(|n| format!("; {} node(s) run kured but no ready gate pod", n.len()))
            .unwrap_or_default();
        tracing::info!(
            kured = %kured_from,
            gate = %gate_from,
            "live inputs resolved: kured {kured_from}, gate {gate_from}{ungated}"
        );
    }
    Some(Resolved {
        kured,
        gate,
        origins,
        nodes_without_gate,
    })
}

/// Where the DaemonSet's own pods run: listed by its selector (so the server filters),
/// then kept only when the DaemonSet is their controller.
async fn pod_placements(
    cluster: &Cluster,
    ds: &LiveDaemonSet,
    diags: &mut Diagnostics,
) -> Option<Vec<placement::Placement>> {
    let summary = "cannot tell which nodes run this DaemonSet";
    let selector = match placement::daemonset_selector(&ds.json) {
        Ok(selector) => selector,
        Err(e) => {
            diags.error_at(ds.path.clone(), summary, e.to_string());
            return None;
        }
    };
    let pods = match cluster
        .list_shared(ListKind::Pods, Some(&ds.namespace), Some(&selector))
        .await
    {
        Ok(pods) => pods,
        Err(err) => {
            diags.error_at(
                ds.path.clone(),
                err.title(),
                format!("{summary}: listing its pods failed: {err}"),
            );
            return None;
        }
    };
    let own = placement::controlled_by(&pods, &ds.json);
    tracing::debug!(
        namespace = %ds.namespace,
        selector = %selector,
        matched = pods.len(),
        controlled = own.len(),
        "pods of the DaemonSet: those its selector matches, then those it controls"
    );
    match placement::placements(own) {
        Ok(placements) => Some(placements),
        Err(e) => {
            diags.error_at(ds.path.clone(), summary, e.to_string());
            None
        }
    }
}
