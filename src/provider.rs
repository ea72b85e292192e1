//! The `kured` provider: its configuration and the list of what it serves. Each resource,
//! data source and function lives in its own file; the checks themselves are in
//! [`kured_core`].

use std::sync::Arc;

use crate::cluster::{
    ByteSize, Cluster, ClusterSettings, DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_REQUEST_TIMEOUT,
};
use kured_core::base::duration::GoDuration;
use kured_core::base::node_path::HostPathAliases;
use tfplugin::api::{DataSource, Function, Provider, Resource};
use tfplugin::diag::{AttrPath, Diagnostics};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::types::Type;
use tfplugin::value::Value;

/// The provider. Configuration is cheap and touches nothing outside the process:
/// Terraform starts a provider several times per run.
#[derive(Default)]
pub struct KuredProvider;

/// What every resource and data source receives once the provider is configured.
pub struct ProviderState {
    pub aliases: HostPathAliases,
    /// The live cluster. Nothing is read or connected until a read names the cluster.
    pub cluster: Cluster,
}

#[tfplugin::async_trait]
impl Provider for KuredProvider {
    type State = ProviderState;

    fn type_name(&self) -> &'static str {
        "kured"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            Block::new(
                "Checks kured reboot policies at plan time. Every argument is optional; only reads that name a live DaemonSet or cluster use the kubeconfig settings.",
                vec![
                    Attribute::new(
                        "kubeconfig_path",
                        Type::String,
                        "Path of the kubeconfig file for live-cluster reads. Defaults to `KUBECONFIG`, then `~/.kube/config`, then the in-cluster service account, as kubectl does.",
                    )
                    .optional(),
                    Attribute::new(
                        "kubeconfig_context",
                        Type::String,
                        "Context of the kubeconfig to use for live-cluster reads. Defaults to the kubeconfig's current context.",
                    )
                    .optional(),
                    Attribute::new(
                        "request_timeout",
                        Type::String,
                        "The longest one request to the cluster may take (connecting, waiting out the server's `Retry-After`, reading the answer), and the longest a kubeconfig's exec credential plugin may run, as a Go duration. Defaults to `30s`.",
                    )
                    .optional(),
                    Attribute::new(
                        "max_response_size",
                        Type::String,
                        "The largest answer the provider reads from the cluster, such as `64MiB`, `512KiB` or `1GiB` (B, KiB, MiB, GiB, or KB, MB, GB). A larger answer fails the read instead of filling the provider's memory. Defaults to `64MiB`, more than fifteen times a list page of 500 typical pods.",
                    )
                    .optional(),
                    Attribute::new(
                        "host_path_aliases",
                        Type::map(Type::String),
                        "Node paths that are the same directory as another, as a map from the alias to the path it stands for. Replaces the default `{\"/var/run\" = \"/run\", \"/var/lock\" = \"/run/lock\"}`; pass `{}` to compare paths literally.",
                    )
                    .optional(),
                ],
            ),
        )
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let _ = aliases_from(config, diags);
        let _ = cluster_settings(config, diags);
    }

    async fn configure(
        &self,
        config: &Value,
        _tf: &str,
        diags: &mut Diagnostics,
    ) -> Option<ProviderState> {
        let aliases = aliases_from(config, diags);
        let settings = cluster_settings(config, diags);
        Some(ProviderState {
            aliases: aliases?,
            cluster: Cluster::new(settings?),
        })
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<ProviderState>>> {
        vec![Arc::new(crate::gated_reboot_policy::GatedRebootPolicy)]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<ProviderState>>> {
        vec![
            Arc::new(crate::sentinel_paths::SentinelPaths),
            Arc::new(crate::pdb_coverage::PdbCoverage),
        ]
    }

    fn functions(&self) -> Vec<Arc<dyn Function>> {
        vec![
            Arc::new(crate::functions::SentinelHostPath),
            Arc::new(crate::functions::NodePath),
        ]
    }
}

/// Reads `host_path_aliases`: absent means the defaults; unknown (at validation) means
/// nothing can be said yet.
fn aliases_from(config: &Value, diags: &mut Diagnostics) -> Option<HostPathAliases> {
    let path = AttrPath::attr("host_path_aliases");
    match config.get("host_path_aliases") {
        None | Some(Value::Null) => Some(HostPathAliases::default()),
        Some(Value::Map(map)) => {
            if map.values().any(Value::is_unknown) {
                return Some(HostPathAliases::default());
            }
            let pairs = map
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default()));
            match HostPathAliases::new(pairs) {
                Ok(aliases) => Some(aliases),
                Err(err) => {
                    diags.error_at(path, "invalid host_path_aliases", err.to_string());
                    None
                }
            }
        }
        Some(_) => Some(HostPathAliases::default()),
    }
}

/// Below this, even one object or a `Status` answer may not fit.
const MIN_RESPONSE_SIZE: ByteSize = ByteSize(64 << 10);

/// Reads the kubeconfig settings, the request timeout and the response cap. Unknown values (a path from
/// another resource) fall back to the defaults here; live reads then report what failed.
fn cluster_settings(config: &Value, diags: &mut Diagnostics) -> Option<ClusterSettings> {
    let text = |name: &str| config.get(name).and_then(Value::as_str).map(str::to_string);
    let mut ok = true;
    for name in ["kubeconfig_path", "kubeconfig_context"] {
        if text(name).is_some_and(|v| v.trim().is_empty()) {
            diags.error_at(
                AttrPath::attr(name),
                format!("{name} is empty"),
                "Leave it out to use the default, or name a kubeconfig file or context.",
            );
            ok = false;
        }
    }
    let request_timeout = match text("request_timeout") {
        None => DEFAULT_REQUEST_TIMEOUT,
        Some(raw) => match GoDuration::parse(&raw) {
            Ok(d) if d.as_nanos() > 0 => {
                std::time::Duration::from_nanos(d.as_nanos().unsigned_abs())
            }
            Ok(_) => {
                diags.error_at(
                    AttrPath::attr("request_timeout"),
                    "request_timeout must be positive",
                    format!("{raw:?} would let a request wait forever or not at all; use a duration such as 30s or 2m."),
                );
                ok = false;
                DEFAULT_REQUEST_TIMEOUT
            }
            Err(err) => {
                diags.error_at(
                    AttrPath::attr("request_timeout"),
                    "invalid request_timeout",
                    err.to_string(),
                );
                ok = false;
                DEFAULT_REQUEST_TIMEOUT
            }
        },
    };
    let max_response_size = match text("max_response_size") {
        None => DEFAULT_MAX_RESPONSE_SIZE,
        Some(raw) => match ByteSize::parse(&raw) {
            Ok(size) if size.0 >= MIN_RESPONSE_SIZE.0 => size,
            Ok(_) => {
                diags.error_at(
                    AttrPath::attr("max_response_size"),
                    "max_response_size is too small",
                    format!("{raw:?} would refuse even a short error answer from the API server; use at least {MIN_RESPONSE_SIZE}, such as the default {DEFAULT_MAX_RESPONSE_SIZE}."),
                );
                ok = false;
                DEFAULT_MAX_RESPONSE_SIZE
            }
            Err(err) => {
                diags.error_at(
                    AttrPath::attr("max_response_size"),
                    "invalid max_response_size",
                    err.to_string(),
                );
                ok = false;
                DEFAULT_MAX_RESPONSE_SIZE
            }
        },
    };
    ok.then(|| ClusterSettings {
        kubeconfig_path: text("kubeconfig_path"),
        context: text("kubeconfig_context"),
        request_timeout,
        max_response_size,
    })
}
