//! The `kured` and `gate` objects shared by the resource and the data source: their schema,
//! and reading them from configuration into the core's inputs. Checks that concern the
//! shape of the configuration (which arguments go together) live here; everything about
//! kured itself is in [`crate::core::policy`].

use crate::core::mounts::DeclaredMount;
use crate::core::policy::{
    Field, Finding, GateField, GateInput, GateSource, KuredField, KuredInput, KuredSource, Severity,
};
use crate::plugin::diag::{AttrPath, Diagnostics};
use crate::plugin::schema::{Attribute, Nesting};
use crate::plugin::types::Type;
use crate::plugin::value::Value;

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
                "container",
                Type::String,
                "Name of the container that runs kured. Defaults to `kured`.",
            )
            .optional(),
        ],
        "How kured is installed: `chart_version` with `values` (and optionally `image_tag`), or `daemonset_manifest`.",
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
                "container",
                Type::String,
                "With `daemonset_manifest`: the container that writes the sentinel. Defaults to the only container.",
            )
            .optional(),
        ],
        "The sentinel gate: the file it writes and how its container reaches the node, either `host_path` + `mount_path` or `daemonset_manifest`.",
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

/// Reads the `kured` object. Configuration-shape errors go to `diags`; `None` means an
/// error was recorded.
pub fn kured_input(config: &Value, diags: &mut Diagnostics) -> Option<Read<KuredInput>> {
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
            string(obj, "container")?,
        ))
    })();
    let Ok((chart_version, values, image_tag, manifest, container)) = read else {
        return Some(Read::Unknown);
    };
    let container = container.unwrap_or_else(|| "kured".to_string());
    let source = match (chart_version, manifest) {
        (Some(chart_version), None) => KuredSource::Chart {
            chart_version,
            values: values.unwrap_or_default(),
            image_tag,
        },
        (None, Some(text)) => {
            for (name, set) in [
                ("values", values.is_some()),
                ("image_tag", image_tag.is_some()),
            ] {
                if set {
                    diags.error_at(
                        path.clone().then(name),
                        format!("kured.{name} goes with chart_version"),
                        "kured.daemonset_manifest describes kured completely; remove this argument or describe kured by chart_version instead.",
                    );
                }
            }
            if diags.has_errors() {
                return None;
            }
            KuredSource::Manifest { text }
        }
        (Some(_), Some(_)) => {
            diags.error_at(
                path,
                "kured has both chart_version and daemonset_manifest",
                "Describe kured one way: chart_version with values (installed by the Helm chart), or daemonset_manifest (installed without it).",
            );
            return None;
        }
        (None, None) => {
            diags.error_at(
                path,
                "kured needs chart_version or daemonset_manifest",
                "Set chart_version and values as the stack passes them to helm_release, or daemonset_manifest with kured's DaemonSet.",
            );
            return None;
        }
    };
    Some(Read::Known(KuredInput { source, container }))
}

/// Reads the `gate` object; `Ok(None)` inside `Known` when it is absent.
pub fn gate_input(config: &Value, diags: &mut Diagnostics) -> Option<Read<Option<GateInput>>> {
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
            string(obj, "container")?,
        ))
    })();
    let Ok((sentinel_path, host_path, mount_path, sub_path, read_only, manifest, container)) = read
    else {
        return Some(Read::Unknown);
    };
    let sentinel_path = sentinel_path.unwrap_or_default();
    let source = match (host_path, mount_path, manifest) {
        (Some(host_path), Some(mount_path), None) => GateSource::Mount(DeclaredMount {
            host_path,
            mount_path,
            sub_path,
            read_only,
        }),
        (None, None, Some(text)) => GateSource::Manifest { text, container },
        (Some(_), None, None) => {
            diags.error_at(
                path.then("mount_path"),
                "gate.mount_path is missing",
                "Say where the gate's container mounts host_path, e.g. /host/var-run.",
            );
            return None;
        }
        (None, Some(_), None) => {
            diags.error_at(
                path.then("host_path"),
                "gate.host_path is missing",
                "Name the node directory the gate mounts at mount_path, e.g. /var/run.",
            );
            return None;
        }
        (None, None, None) => {
            diags.error_at(
                path,
                "gate needs host_path and mount_path, or daemonset_manifest",
                "Describe how the gate's container reaches the node: its hostPath mount, or its DaemonSet manifest.",
            );
            return None;
        }
        (_, _, Some(_)) => {
            diags.error_at(
                path,
                "gate has both a mount and daemonset_manifest",
                "Describe the gate one way: host_path with mount_path, or daemonset_manifest.",
            );
            return None;
        }
    };
    Some(Read::Known(Some(GateInput {
        sentinel_path,
        source,
    })))
}

/// The attribute path of a finding's field.
pub fn field_path(field: Field) -> AttrPath {
    match field {
        Field::SentinelHostPath => AttrPath::attr("sentinel_host_path"),
        Field::UpstreamSentinelHostPath => AttrPath::attr("upstream_sentinel_host_path"),
        Field::KnownDrainBlockers => AttrPath::attr("known_drain_blockers"),
        Field::Kured(f) => {
            let kured = AttrPath::attr("kured");
            match f {
                KuredField::Whole => kured,
                KuredField::ChartVersion => kured.then("chart_version"),
                KuredField::Values(None) => kured.then("values"),
                KuredField::Values(Some(i)) => kured.then("values").index(i),
                KuredField::ImageTag => kured.then("image_tag"),
                KuredField::Manifest => kured.then("daemonset_manifest"),
                KuredField::Container => kured.then("container"),
            }
        }
        Field::Gate(f) => {
            let gate = AttrPath::attr("gate");
            match f {
                GateField::Whole => gate,
                GateField::SentinelPath => gate.then("sentinel_path"),
                GateField::ReadOnly => gate.then("read_only"),
                GateField::Manifest => gate.then("daemonset_manifest"),
                GateField::Container => gate.then("container"),
            }
        }
    }
}

/// Adds findings to the diagnostics, each on its attribute.
pub fn report(findings: &[Finding], diags: &mut Diagnostics) {
    for f in findings {
        let path = field_path(f.field);
        match f.severity {
            Severity::Error => diags.error_at(path, f.summary.clone(), f.detail.clone()),
            Severity::Warning => diags.warning_at(path, f.summary.clone(), f.detail.clone()),
        }
    }
}

/// A list of strings as a Terraform value.
pub fn string_list(items: &[String]) -> Value {
    Value::List(items.iter().map(|s| Value::String(s.clone())).collect())
}

/// An optional string as a Terraform value.
pub fn opt_string(s: Option<&str>) -> Value {
    s.map_or(Value::Null, |s| Value::String(s.to_string()))
}
