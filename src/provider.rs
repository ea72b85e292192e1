//! The `kured` provider: its configuration and the list of what it serves. Each resource,
//! data source and function lives in its own file; the checks themselves are in
//! [`kured_core`].

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::cluster::{
    ByteSize, Cluster, ClusterSettings, DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_REQUEST_TIMEOUT,
};
use crate::validators;
use kured_core::base::node_path::{AliasError, HostPathAliases};
use kured_core::chart::RenderCache;
use tfplugin::api::{DataSource, Function, Provider, Resource};
use tfplugin::diag::{AttrPath, Diagnostics};
use tfplugin::model::{Attr, Model, Spec, decode_object};
use tfplugin::schema::{Block, Schema};
use tfplugin::value::Value;

/// The provider. Configuration is cheap and touches nothing outside the process:
/// Terraform starts a provider several times per run.
#[derive(Default)]
pub struct KuredProvider;

tfplugin::model! {
    /// The `provider "kured"` block.
    pub struct ProviderModel {
        pub kubeconfig_path: Attr<String> => Spec::optional("Path of the kubeconfig file for live-cluster reads. Defaults to `KUBECONFIG`, then `~/.kube/config`, then the in-cluster service account, as kubectl does."),
        pub kubeconfig_context: Attr<String> => Spec::optional("Context of the kubeconfig to use for live-cluster reads. Defaults to the kubeconfig's current context."),
        pub request_timeout: Attr<String> => Spec::optional("The longest one request to the cluster may take (connecting, waiting out the server's `Retry-After`, reading the answer), and the longest a kubeconfig's exec credential plugin may run, as a Go duration. Defaults to `30s`."),
        pub max_response_size: Attr<String> => Spec::optional("The largest answer the provider reads from the cluster, such as `64MiB`, `512KiB` or `1GiB` (B, KiB, MiB, GiB, or KB, MB, GB). A larger answer fails the read instead of filling the provider's memory. Defaults to `64MiB`, more than fifteen times a list page of 500 typical pods."),
        pub host_path_aliases: Attr<BTreeMap<String, String>> => Spec::optional("Node paths that are the same directory as another, as a map from the alias to the path it stands for. Replaces the default `{\"/var/run\" = \"/run\", \"/var/lock\" = \"/run/lock\"}`; pass `{}` to compare paths literally."),
    }
}

/// The smallest `max_response_size` accepted: below it even a short error answer from the
/// API server would be refused.
const MIN_RESPONSE_SIZE: ByteSize = ByteSize(64 << 10);

/// What every resource and data source receives once the provider is configured.
pub struct ProviderState {
    pub aliases: HostPathAliases,
    /// The live cluster. Nothing is read or connected until a read names the cluster.
    pub cluster: Cluster,
    /// Chart renders, one per distinct kured release for the life of the process: a plan
    /// asks for the same release once per policy that describes it.
    pub renders: RenderCache,
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
                ProviderModel::attributes(),
            ),
        )
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if let Some(config) = decode_object::<ProviderModel>(config, diags) {
            let _ = config.aliases(diags);
            let _ = config.cluster_settings(diags);
        }
    }

    async fn configure(
        &self,
        config: &Value,
        _tf: &str,
        diags: &mut Diagnostics,
    ) -> Option<ProviderState> {
        let config: ProviderModel = decode_object(config, diags)?;
        let aliases = config.aliases(diags);
        let settings = config.cluster_settings(diags);
        Some(ProviderState {
            aliases: aliases?,
            cluster: Cluster::new(settings?),
            renders: RenderCache::default(),
        })
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<ProviderState>>> {
        vec![Arc::new(crate::gated_reboot_policy::GatedRebootPolicy)]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource<ProviderState>>> {
        vec![
            Arc::new(crate::sentinel_paths::SentinelPaths),
            Arc::new(crate::pdb_coverage::PdbCoverage),
            Arc::new(crate::reboot_forecast::RebootForecast),
        ]
    }

    fn functions(&self) -> Vec<Arc<dyn Function>> {
        vec![
            Arc::new(crate::functions::SentinelHostPath::default()),
            Arc::new(crate::functions::NodePath),
        ]
    }
}

impl ProviderModel {
    /// `host_path_aliases`: absent means the defaults; unknown (at validation, or from a
    /// resource not yet created) means nothing can be said yet, and the defaults apply.
    fn aliases(&self, diags: &mut Diagnostics) -> Option<HostPathAliases> {
        let Attr::Known(map) = &self.host_path_aliases else {
            return Some(HostPathAliases::default());
        };
        HostPathAliases::new(map)
            .map_err(|err| {
                let at = AttrPath::attr(Self::host_path_aliases);
                let at = match &err {
                    AliasError::RelativeAlias { path: alias }
                    | AliasError::RelativeTarget { alias, .. } => at.key(alias),
                    _ => at,
                };
                diags.error_at(
                    at,
                    format!("invalid {}", Self::host_path_aliases),
                    err.to_string(),
                );
            })
            .ok()
    }

    /// The kubeconfig settings and the request timeout. Unknown values (a path from another
    /// resource) fall back to the defaults here; live reads then report what failed.
    fn cluster_settings(&self, diags: &mut Diagnostics) -> Option<ClusterSettings> {
        let mut ok = true;
        for (name, value) in [
            (Self::kubeconfig_path, &self.kubeconfig_path),
            (Self::kubeconfig_context, &self.kubeconfig_context),
        ] {
            ok &= validators::non_blank(
                &AttrPath::attr(name),
                value,
                "Leave it out to use the default, or name a kubeconfig file or context.",
                diags,
            );
        }
        let request_timeout = validators::positive_duration(
            &AttrPath::attr(Self::request_timeout),
            &self.request_timeout,
            diags,
        );
        let request_timeout = match request_timeout {
            Ok(Attr::Known(timeout)) => timeout,
            Ok(_) => DEFAULT_REQUEST_TIMEOUT,
            Err(_) => return None,
        };
        let max_response_size = self.response_size_limit(diags);
        ok &= max_response_size.is_some();
        ok.then(|| ClusterSettings {
            kubeconfig_path: self.kubeconfig_path.known().cloned(),
            context: self.kubeconfig_context.known().cloned(),
            request_timeout,
            max_response_size: max_response_size.unwrap_or(DEFAULT_MAX_RESPONSE_SIZE),
        })
    }

    /// `max_response_size`: the default when absent or unknown; `None` (with an error on
    /// the attribute) when it is not a size or too small for any answer.
    fn response_size_limit(&self, diags: &mut Diagnostics) -> Option<ByteSize> {
        let Attr::Known(raw) = &self.max_response_size else {
            return Some(DEFAULT_MAX_RESPONSE_SIZE);
        };
        let at = AttrPath::attr(Self::max_response_size);
        match ByteSize::parse(raw) {
            Ok(size) if size.0 >= MIN_RESPONSE_SIZE.0 => Some(size),
            Ok(_) => {
                diags.error_at(
                    at,
                    format!("{} is too small", Self::max_response_size),
                    format!("{raw:?} would refuse even a short error answer from the API server; use at least {MIN_RESPONSE_SIZE}, such as the default {DEFAULT_MAX_RESPONSE_SIZE}."),
                );
                None
            }
            Err(err) => {
                diags.error_at(
                    at,
                    format!("invalid {}", Self::max_response_size),
                    err.to_string(),
                );
                None
            }
        }
    }
}
