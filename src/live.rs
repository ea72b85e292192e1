//! Live mode for the `kured` and `gate` objects: reads the DaemonSets the configuration
//! names and hands them to the core exactly as a manifest would be, so every check is the
//! same offline and live. Also finds the nodes that run kured but no ready gate pod.

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
                format!("cannot read DaemonSet {namespace}/{name} from the cluster"),
                err.to_string(),
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
    Some(Resolved {
        kured,
        gate,
        origins,
        nodes_without_gate,
    })
}

async fn pod_placements(
    cluster: &Cluster,
    ds: &LiveDaemonSet,
    diags: &mut Diagnostics,
) -> Option<Vec<placement::Placement>> {
    let found = match placement::daemonset_selector(&ds.json) {
        Ok(selector) => cluster
            .list_json(ListKind::Pods, Some(&ds.namespace), Some(&selector))
            .await
            .map_err(|e| format!("listing its pods failed: {e}"))
            .and_then(|pods| placement::placements(&pods).map_err(|e| e.to_string())),
        Err(e) => Err(e.to_string()),
    };
    match found {
        Ok(placements) => Some(placements),
        Err(reason) => {
            diags.error_at(
                ds.path.clone(),
                "cannot tell which nodes run this DaemonSet",
                reason,
            );
            None
        }
    }
}
