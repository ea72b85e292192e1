//! The `kured` and `gate` objects shared by the resource and the data source: their schema,
//! and reading them from configuration into the core's inputs. Checks that concern the
//! shape of the configuration (which arguments go together) live here; everything about
//! kured itself is in [`kured_core::policy`].

use kured_core::k8s::mounts::DeclaredMount;
use kured_core::policy::{GateInput, GateSource, KuredInput, KuredSource};
use tfplugin::diag::{AttrPath, Diagnostics};
use tfplugin::schema::{Attribute, Nesting};
use tfplugin::types::Type;
use tfplugin::value::Value;

/// A value read from configuration: known, or not yet known at plan time.
pub enum Read<T> {
    Known(T),
    Unknown,
}

pub fn kured_attribute() -> Attribute {
    Attribute::nested(
        "kured",
        Nesting::Single,
        vec![
            Attribute::new(
                "chart_version",
                Type::String,
                "Version of the kured Helm chart (kubereboot/charts), 4.0.0 through 6.1.0; a newer version is modelled as 6.1.0 with a warning. Set this with `values`, or set `daemonset_manifest` instead.",
            )
            .optional(),
            Attribute::new(
                "values",
                Type::list(Type::String),
                "The chart's values documents (YAML or JSON), exactly as the stack passes them to its `helm_release`; later entries win, as in Helm.",
            )
            .optional(),
            Attribute::new(
                "image_tag",
                Type::String,
                "The kured image tag that runs, when it differs from the chart's appVersion and `image.tag`; decides kured's behaviour (e.g. `1.21.0`).",
            )
            .optional(),
            Attribute::new(
                "daemonset_manifest",
                Type::String,
                "A kured DaemonSet manifest (YAML or JSON) for kured installed without the chart. kured's version is read from the container image tag.",
            )
            .optional(),
            Attribute::new(
                "namespace",
                Type::String,
                "Live mode: the namespace of kured's DaemonSet in the cluster (set with `name`). The provider reads it with the provider's kubeconfig settings.",
            )
            .optional(),
            Attribute::new(
                "name",
                Type::String,
                "Live mode: the name of kured's DaemonSet in the cluster (set with `namespace`). kured's version is read from the container image tag.",
            )
            .optional(),
            Attribute::new(
                "container",
                Type::String,
                "Name of the container that runs kured. Defaults to `kured`.",
            )
            .optional(),
        ],
        "How kured is installed, one of three ways: `chart_version` with `values` (and optionally `image_tag`); `daemonset_manifest`; or `namespace` and `name` of the DaemonSet in the live cluster.",
    )
    .required()
}

pub fn gate_attribute(required: bool) -> Attribute {
    let attr = Attribute::nested(
        "gate",
        Nesting::Single,
        vec![
            Attribute::new(
                "sentinel_path",
                Type::String,
                "The file the gate writes, as the gate's container sees it (e.g. `/host/var-run/gated-reboot-required`).",
            )
            .required(),
            Attribute::new(
                "host_path",
                Type::String,
                "The node directory of the gate's hostPath volume (e.g. `/var/run`). Set with `mount_path`, or set `daemonset_manifest` instead.",
            )
            .optional(),
            Attribute::new(
                "mount_path",
                Type::String,
                "Where the gate's container mounts `host_path` (e.g. `/host/var-run`).",
            )
            .optional(),
            Attribute::new(
                "sub_path",
                Type::String,
                "The volume mount's `subPath`, if any.",
            )
            .optional(),
            Attribute::new(
                "read_only",
                Type::Bool,
                "Whether the gate's mount is read-only. A read-only gate cannot write its sentinel, so `true` is refused. Defaults to `false`.",
            )
            .optional(),
            Attribute::new(
                "daemonset_manifest",
                Type::String,
                "The gate's DaemonSet manifest (YAML or JSON), instead of `host_path` and `mount_path`.",
            )
            .optional(),
            Attribute::new(
                "namespace",
                Type::String,
                "Live mode: the namespace of the gate's DaemonSet in the cluster (set with `name`).",
            )
            .optional(),
            Attribute::new(
                "name",
                Type::String,
                "Live mode: the name of the gate's DaemonSet in the cluster (set with `namespace`).",
            )
            .optional(),
            Attribute::new(
                "container",
                Type::String,
                "With `daemonset_manifest` or live mode: the container that writes the sentinel. Defaults to the only container.",
            )
            .optional(),
        ],
        "The sentinel gate: the file it writes and how its container reaches the node, one of three ways: `host_path` + `mount_path`; `daemonset_manifest`; or `namespace` and `name` of its DaemonSet in the live cluster.",
    );
    if required {
        attr.required()
    } else {
        attr.optional()
    }
}

/// Reads an optional string attribute of an object. `Err(())` means unknown.
fn string(obj: &Value, name: &str) -> Result<Option<String>, ()> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Unknown) => Err(()),
        Some(v) => Ok(v.as_str().map(str::to_string)),
    }
}

fn strings(obj: &Value, name: &str) -> Result<Option<Vec<String>>, ()> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) if !v.is_wholly_known() => Err(()),
        Some(v) => Ok(Some(
            v.as_list()
                .unwrap_or_default()
                .iter()
                .map(|item| item.as_str().unwrap_or_default().to_string())
                .collect(),
        )),
    }
}

/// kured as the configuration describes it: offline, or by its DaemonSet in the cluster.
pub enum KuredSpec {
    Described(KuredInput),
    Live {
        namespace: String,
        name: String,
        container: String,
    },
}

/// The gate as the configuration describes it.
pub enum GateSpec {
    Described(GateInput),
    Live {
        namespace: String,
        name: String,
        container: Option<String>,
        sentinel_path: String,
    },
}

/// Checks that exactly one way of describing an object is used; returns its index.
fn one_way(
    path: &AttrPath,
    what: &str,
    ways: &[(&str, bool)],
    diags: &mut Diagnostics,
) -> Option<usize> {
    let chosen: Vec<usize> = ways
        .iter()
        .enumerate()
        .filter(|(_, (_, set))| *set)
        .map(|(i, _)| i)
        .collect();
    let names: Vec<&str> = ways.iter().map(|(name, _)| *name).collect();
    match chosen.as_slice() {
        [one] => Some(*one),
        [] => {
            diags.error_at(
                path.clone(),
                format!("{what} is not described"),
                format!("Describe {what} one way: {}.", names.join("; or ")),
            );
            None
        }
        many => {
            let used: Vec<&str> = many.iter().filter_map(|i| names.get(*i).copied()).collect();
            diags.error_at(
                path.clone(),
                format!(
                    "{what} is described more than one way: {}",
                    used.join(" and ")
                ),
                format!("Use exactly one of: {}.", names.join("; ")),
            );
            None
        }
    }
}

/// Requires `namespace` and `name` together for live mode.
fn live_target(
    path: &AttrPath,
    namespace: Option<String>,
    name: Option<String>,
    diags: &mut Diagnostics,
) -> Option<(String, String)> {
    match (namespace, name) {
        (Some(ns), Some(name)) => Some((ns, name)),
        (Some(_), None) => {
            diags.error_at(
                path.clone().then("name"),
                "name is missing",
                "Live mode needs the DaemonSet's namespace and name.",
            );
            None
        }
        _ => {
            diags.error_at(
                path.clone().then("namespace"),
                "namespace is missing",
                "Live mode needs the DaemonSet's namespace and name.",
            );
            None
        }
    }
}

/// Reads the `kured` object. Configuration-shape errors go to `diags`; `None` means an
/// error was recorded.
pub fn kured_input(config: &Value, diags: &mut Diagnostics) -> Option<Read<KuredSpec>> {
    let path = AttrPath::attr("kured");
    let obj = match config.get("kured") {
        Some(Value::Unknown) => return Some(Read::Unknown),
        Some(obj @ Value::Object(_)) => obj,
        _ => {
            diags.error_at(
                path,
                "kured is required",
                "Describe how kured is installed.",
            );
            return None;
        }
    };
    let read = (|| -> Result<_, ()> {
        Ok((
            string(obj, "chart_version")?,
            strings(obj, "values")?,
            string(obj, "image_tag")?,
            string(obj, "daemonset_manifest")?,
            string(obj, "namespace")?,
            string(obj, "name")?,
            string(obj, "container")?,
        ))
    })();
    let Ok((chart_version, values, image_tag, manifest, namespace, name, container)) = read else {
        return Some(Read::Unknown);
    };
    let container = container.unwrap_or_else(|| "kured".to_string());
    let way = one_way(
        &path,
        "kured",
        &[
            ("chart_version (with values)", chart_version.is_some()),
            ("daemonset_manifest", manifest.is_some()),
            (
                "namespace and name of the live DaemonSet",
                namespace.is_some() || name.is_some(),
            ),
        ],
        diags,
    )?;
    if way != 0 {
        for (attr, set) in [
            ("values", values.is_some()),
            ("image_tag", image_tag.is_some()),
        ] {
            if set {
                diags.error_at(
                    path.clone().then(attr),
                    format!("kured.{attr} goes with chart_version"),
                    "A manifest or a live DaemonSet describes kured completely; remove this argument, or describe kured by chart_version instead.",
                );
            }
        }
        if diags.has_errors() {
            return None;
        }
    }
    let spec = match (way, chart_version, manifest) {
        (0, Some(chart_version), _) => KuredSpec::Described(KuredInput {
            source: KuredSource::Chart {
                chart_version,
                values: values.unwrap_or_default(),
                image_tag,
            },
            container,
        }),
        (1, _, Some(text)) => KuredSpec::Described(KuredInput {
            source: KuredSource::Manifest { text },
            container,
        }),
        _ => {
            let (namespace, name) = live_target(&path, namespace, name, diags)?;
            KuredSpec::Live {
                namespace,
                name,
                container,
            }
        }
    };
    Some(Read::Known(spec))
}

/// Reads the `gate` object; `None` inside `Known` when it is absent.
pub fn gate_input(config: &Value, diags: &mut Diagnostics) -> Option<Read<Option<GateSpec>>> {
    let path = AttrPath::attr("gate");
    let obj = match config.get("gate") {
        Some(Value::Unknown) => return Some(Read::Unknown),
        Some(obj @ Value::Object(_)) => obj,
        _ => return Some(Read::Known(None)),
    };
    let read = (|| -> Result<_, ()> {
        let read_only = match obj.get("read_only") {
            Some(Value::Unknown) => return Err(()),
            Some(v) => v.as_bool().unwrap_or(false),
            None => false,
        };
        Ok((
            string(obj, "sentinel_path")?,
            string(obj, "host_path")?,
            string(obj, "mount_path")?,
            string(obj, "sub_path")?,
            read_only,
            string(obj, "daemonset_manifest")?,
            string(obj, "namespace")?,
            string(obj, "name")?,
            string(obj, "container")?,
        ))
    })();
    let Ok((
        sentinel_path,
        host_path,
        mount_path,
        sub_path,
        read_only,
        manifest,
        namespace,
        name,
        container,
    )) = read
    else {
        return Some(Read::Unknown);
    };
    let sentinel_path = sentinel_path.unwrap_or_default();
    let way = one_way(
        &path,
        "gate",
        &[
            (
                "host_path and mount_path",
                host_path.is_some() || mount_path.is_some(),
            ),
            ("daemonset_manifest", manifest.is_some()),
            (
                "namespace and name of the live DaemonSet",
                namespace.is_some() || name.is_some(),
            ),
        ],
        diags,
    )?;
    let spec = match way {
        0 => match (host_path, mount_path) {
            (Some(host_path), Some(mount_path)) => GateSpec::Described(GateInput {
                sentinel_path,
                source: GateSource::Mount(DeclaredMount {
                    host_path,
                    mount_path,
                    sub_path,
                    read_only,
                }),
            }),
            (Some(_), None) => {
                diags.error_at(
                    path.then("mount_path"),
                    "gate.mount_path is missing",
                    "Say where the gate's container mounts host_path, e.g. /host/var-run.",
                );
                return None;
            }
            _ => {
                diags.error_at(
                    path.then("host_path"),
                    "gate.host_path is missing",
                    "Name the node directory the gate mounts at mount_path, e.g. /var/run.",
                );
                return None;
            }
        },
        1 => GateSpec::Described(GateInput {
            sentinel_path,
            source: GateSource::Manifest {
                text: manifest.unwrap_or_default(),
                container,
            },
        }),
        _ => {
            let (namespace, name) = live_target(&path, namespace, name, diags)?;
            GateSpec::Live {
                namespace,
                name,
                container,
                sentinel_path,
            }
        }
    };
    Some(Read::Known(Some(spec)))
}

/// Which objects were read from the live cluster: a finding about their manifest then
/// belongs on `name`, the argument that named them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Origins {
    pub kured_live: bool,
    pub gate_live: bool,
}

/// A list of strings as a Terraform value.
pub fn string_list<S: AsRef<str>>(items: &[S]) -> Value {
    Value::List(items.iter().map(|s| Value::string(s.as_ref())).collect())
}

/// An optional string as a Terraform value.
pub fn opt_string(s: Option<&str>) -> Value {
    s.map_or(Value::Null, |s| Value::String(s.to_string()))
}
