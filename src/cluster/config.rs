//! Finding the cluster the way kubectl does, without touching the process
//! environment directly so that tests can describe any machine.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};

use super::ClusterError;
use crate::provider::ProviderModel;

/// The parts of the process environment that decide which cluster is used.
///
/// [`KubeEnvironment::from_process`] reads them once; tests build one by
/// hand instead of changing the (process-wide) environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubeEnvironment {
    /// The value of `KUBECONFIG`: one or more paths joined by the platform's
    /// path separator (`:` on Unix).
    pub kubeconfig: Option<OsString>,
    /// The home directory, for `~/.kube/config` and a leading `~/` in
    /// `kubeconfig_path`.
    pub home: Option<PathBuf>,
    /// Whether `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT` are
    /// both set, i.e. this runs inside a pod.
    pub in_cluster: bool,
}

impl KubeEnvironment {
    /// Reads the environment of this process.
    pub fn from_process() -> Self {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        Self {
            kubeconfig: std::env::var_os("KUBECONFIG"),
            home: std::env::home_dir(),
            in_cluster: set("KUBERNETES_SERVICE_HOST") && set("KUBERNETES_SERVICE_PORT"),
        }
    }
}

/// A resolved configuration and where it came from, for messages.
pub(super) struct Resolved {
    pub config: kube::Config,
    pub origin: String,
}

/// Picks the configuration in kubectl's order: an explicit file, else the
/// files in `KUBECONFIG`, else `~/.kube/config`, else the pod's service
/// account. Only files are read; nothing is contacted.
pub(super) async fn resolve(
    kubeconfig_path: Option<&str>,
    context: Option<&str>,
    env: &KubeEnvironment,
) -> Result<Resolved, ClusterError> {
    let context = context.filter(|c| !c.is_empty());

    if let Some(raw) = kubeconfig_path.filter(|p| !p.is_empty()) {
        let path = expand_home(raw, env.home.as_deref());
        if !path.exists() {
            return Err(ClusterError::NoKubeconfig {
                searched: vec![format!(
                    "{} ({}; no such file)",
                    path.display(),
                    ProviderModel::kubeconfig_path
                )],
            });
        }
        let origin = path.display().to_string();
        let kubeconfig = read_file(&path)?;
        return from_kubeconfig(kubeconfig, origin, context).await;
    }

    let mut searched = Vec::new();
    match env.kubeconfig.as_ref().filter(|v| !v.is_empty()) {
        Some(value) => {
            // kubectl skips missing entries of KUBECONFIG and never falls back
            // to ~/.kube/config while the variable is set.
            let existing: Vec<PathBuf> = std::env::split_paths(value)
                .filter(|p| !p.as_os_str().is_empty() && p.exists())
                .collect();
            if existing.is_empty() {
                searched.push(format!(
                    "KUBECONFIG={} (no such file)",
                    value.to_string_lossy()
                ));
            } else {
                let origin = existing
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(":");
                let mut merged = Kubeconfig::default();
                for path in &existing {
                    let next = read_file(path)?;
                    merged = merged
                        .merge(next)
                        .map_err(|e| ClusterError::InvalidKubeconfig {
                            origin: origin.clone(),
                            reason: e.to_string(),
                        })?;
                }
                return from_kubeconfig(merged, format!("from KUBECONFIG ({origin})"), context)
                    .await;
            }
        }
        None => match env.home.as_deref() {
            Some(home) => {
                let path = home.join(".kube").join("config");
                if path.exists() {
                    let kubeconfig = read_file(&path)?;
                    return from_kubeconfig(kubeconfig, path.display().to_string(), context).await;
                }
                searched.push(format!("{} (no such file)", path.display()));
            }
            None => searched.push("~/.kube/config (no home directory)".to_owned()),
        },
    }

    match (env.in_cluster, context) {
        (true, None) => kube::Config::incluster()
            .map(|config| Resolved {
                config,
                origin: "the pod's service account".to_owned(),
            })
            .map_err(|e| ClusterError::InCluster {
                reason: e.to_string(),
            }),
        (true, Some(c)) => {
            searched.push(format!(
                "in-cluster service account (not used: {} \"{c}\" needs a kubeconfig)",
                ProviderModel::kubeconfig_context
            ));
            Err(ClusterError::NoKubeconfig { searched })
        }
        (false, _) => {
            searched
                .push("in-cluster service account (KUBERNETES_SERVICE_HOST is not set)".to_owned());
            Err(ClusterError::NoKubeconfig { searched })
        }
    }
}

/// Applies `timeout` to connecting, reading and writing, so that a stalled
/// socket fails as fast as the overall per-request deadline.
pub(super) fn apply_timeouts(config: &mut kube::Config, timeout: Duration) {
    config.connect_timeout = Some(timeout);
    config.read_timeout = Some(timeout);
    config.write_timeout = Some(timeout);
}

fn expand_home(raw: &str, home: Option<&Path>) -> PathBuf {
    match (raw.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(raw),
    }
}

fn read_file(path: &Path) -> Result<Kubeconfig, ClusterError> {
    Kubeconfig::read_from(path).map_err(|e| ClusterError::InvalidKubeconfig {
        origin: path.display().to_string(),
        reason: match e {
            // kube's message repeats the path in Debug form; ours already has it.
            KubeconfigError::ReadConfig(io, _) => format!("cannot read it: {io}"),
            other => other.to_string(),
        },
    })
}

async fn from_kubeconfig(
    kubeconfig: Kubeconfig,
    origin: String,
    context: Option<&str>,
) -> Result<Resolved, ClusterError> {
    let available: Vec<String> = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
    // Checked here rather than left to kube so the message can list the
    // contexts that do exist.
    let chosen = match context
        .map(str::to_owned)
        .or_else(|| kubeconfig.current_context.clone().filter(|c| !c.is_empty()))
    {
        Some(name) => name,
        None => return Err(ClusterError::NoContext { origin, available }),
    };
    if !kubeconfig
        .contexts
        .iter()
        .any(|c| c.name == chosen && c.context.is_some())
    {
        return Err(ClusterError::UnknownContext {
            context: chosen,
            origin,
            available,
        });
    }
    let options = KubeConfigOptions {
        context: Some(chosen.clone()),
        ..KubeConfigOptions::default()
    };
    match kube::Config::from_custom_kubeconfig(kubeconfig, &options).await {
        Ok(config) => Ok(Resolved { config, origin }),
        Err(KubeconfigError::LoadClusterOfContext(cluster)) => {
            Err(ClusterError::InvalidKubeconfig {
                origin,
                reason: format!(
                    "context \"{chosen}\" names cluster \"{cluster}\", which is not defined"
                ),
            })
        }
        Err(e) => Err(ClusterError::InvalidKubeconfig {
            origin,
            reason: format!("context \"{chosen}\": {e}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_expands_only_with_a_home() {
        let home = Path::new("/home/op");
        assert_eq!(
            expand_home("~/.kube/x", Some(home)),
            PathBuf::from("/home/op/.kube/x")
        );
        assert_eq!(expand_home("~/.kube/x", None), PathBuf::from("~/.kube/x"));
        assert_eq!(expand_home("/etc/kc", Some(home)), PathBuf::from("/etc/kc"));
    }
}
