//! The `kured` and `gate` blocks shared by the resource and the data source: their
//! models, and reading them into the core's inputs. Checks that concern the shape of the
//! configuration (which arguments go together) live here; everything about kured itself is
//! in [`kured_core::policy`].

use kured_core::base::node_path::clean;
use kured_core::chart::NEWEST_SUPPORTED;
use kured_core::chart::releases::supported_range;
use kured_core::chart::set::{SetAttribute, SetEntry, SetType, SetValue};
use kured_core::k8s::mounts::DeclaredMount;
use kured_core::policy::{GateInput, GateSource, KuredInput, KuredSource};
use tfplugin::diag::{AttrPath, Diagnostics};
use tfplugin::model::{Attr, Decoder, Invalid, Model, Spec};
use tfplugin::schema::Attribute;
use tfplugin::value::Value;

use crate::validators::{self, Way};

/// The description of the `kured` block, wherever it appears.
pub const KURED_DESCRIPTION: &str = "How kured is installed, one of three ways: `chart_version` with `values`, `set`, `set_list` and `set_sensitive` (and optionally `image_tag`); `daemonset_manifest`; or `namespace` and `name` of the DaemonSet in the live cluster.";

/// The description of the `gate` block, wherever it appears.
pub const GATE_DESCRIPTION: &str = "The sentinel gate: the file it writes and how its container reaches the node, one of three ways: `host_path` + `mount_path`; `daemonset_manifest`; or `namespace` and `name` of its DaemonSet in the live cluster.";

/// The attribute that holds the `kured` block, wherever it appears.
pub const KURED: &str = "kured";

/// The container kured runs in unless `container` says otherwise.
const DEFAULT_KURED_CONTAINER: &str = "kured";

tfplugin::model! {
    /// The `kured` block: how kured is installed.
    pub struct KuredModel {
        pub chart_version: Attr<String> => Spec::optional(format!("Version of the kured Helm chart (kubereboot/charts), {}; a newer version is modelled as {NEWEST_SUPPORTED} with a warning. Set this with `values`, or set `daemonset_manifest` instead.", supported_range())),
        pub values: Attr<Vec<String>> => Spec::optional("The chart's values documents (YAML or JSON), exactly as the stack passes them to its `helm_release`; later entries win, as in Helm."),
        pub set: Attr<Vec<SetModel>> => Spec::optional("The release's `set` blocks, shaped like `helm_release`'s: helm provider 2.x's blocks paste unchanged, and 3.x's `set` list passes through a `dynamic \"set\"` block (the *kured chart* guide shows both). Applied after `values` with Helm's `--set` rules: `.` between keys, `\\.` for a dot inside a key, `name[0]` for a list element, `{a,b}` for a list, `\\,` for a comma in the value.").block(),
        pub set_list: Attr<Vec<SetListModel>> => Spec::optional("The release's `set_list` blocks, like `helm_release`'s: each list is joined into Helm's `{a,b}` and applied after `set`.").block(),
        pub set_sensitive: Attr<Vec<SetSensitiveModel>> => Spec::optional("The release's `set_sensitive` blocks, like `helm_release`'s, applied last. The provider never shows their values: diagnostics name an entry by its index and `name`, and computed attributes and diagnostics show `(sensitive value)` wherever a value (or the file name the chart derives from it) would appear.").block(),
        pub image_tag: Attr<String> => Spec::optional("The kured image tag that runs, when it differs from the chart's appVersion and `image.tag`; decides kured's behaviour (e.g. `1.21.0`)."),
        pub daemonset_manifest: Attr<String> => Spec::optional("A kured DaemonSet manifest (YAML or JSON) for kured installed without the chart. kured's version is read from the container image tag."),
        pub namespace: Attr<String> => Spec::optional("Live mode: the namespace of kured's DaemonSet in the cluster (set with `name`). The provider reads it with the provider's kubeconfig settings."),
        pub name: Attr<String> => Spec::optional("Live mode: the name of kured's DaemonSet in the cluster (set with `namespace`). kured's version is read from the container image tag."),
        pub container: Attr<String> => Spec::optional("Name of the container that runs kured. Defaults to `kured`."),
    }
}

/// The description of a `set` or `set_sensitive` entry's `type`.
const SET_TYPE_DESCRIPTION: &str = "How the value is read, as in `helm_release`: `auto` (or empty, the default) types it as Helm's `--set` does (`true`/`false` become booleans, `null` removes the key, whole numbers become numbers); `string` keeps it a string, as `--set-string` does; `literal` reads it as YAML and stores it under the top-level key spelt exactly like `name`, dots included (helm provider 3.x).";

tfplugin::model! {
    /// One `set` entry of `helm_release`.
    pub struct SetModel {
        pub name: Attr<String> => Spec::required("The values key as a dotted path, e.g. `configuration.rebootSentinel` or `volumes[0].name`."),
        pub value: Attr<String> => Spec::optional("The value; null is the empty string, as in `helm_release`."),
        pub r#type: Attr<String> => Spec::optional(SET_TYPE_DESCRIPTION),
    }
}

tfplugin::model! {
    /// One `set_list` entry of `helm_release`.
    pub struct SetListModel {
        pub name: Attr<String> => Spec::required("The values key as a dotted path, e.g. `configuration.rebootDays`."),
        pub value: Attr<Vec<String>> => Spec::required("The list's elements, each typed as Helm's `--set` types a value."),
    }
}

tfplugin::model! {
    /// One `set_sensitive` entry of `helm_release`.
    pub struct SetSensitiveModel {
        pub name: Attr<String> => Spec::required("The values key as a dotted path."),
        pub value: Attr<String> => Spec::required("The value. Terraform hides it in plans and the provider in diagnostics and computed attributes; Terraform keeps it in state, as it keeps `helm_release`'s.").sensitive(),
        pub r#type: Attr<String> => Spec::optional(SET_TYPE_DESCRIPTION),
    }
}

tfplugin::model! {
    /// The `gate` block: the sentinel gate's file and how it reaches the node.
    pub struct GateModel {
        pub sentinel_path: Attr<String> => Spec::required("The file the gate writes, as the gate's container sees it (e.g. `/host/var-run/gated-reboot-required`)."),
        pub host_path: Attr<String> => Spec::optional("The node directory of the gate's hostPath volume (e.g. `/var/run`). Set with `mount_path`, or set `daemonset_manifest` instead."),
        pub mount_path: Attr<String> => Spec::optional("Where the gate's container mounts `host_path` (e.g. `/host/var-run`)."),
        pub sub_path: Attr<String> => Spec::optional("The volume mount's `subPath`, if any."),
        pub read_only: Attr<bool> => Spec::optional("Whether the gate's mount is read-only. A read-only gate cannot write its sentinel, so `true` is refused. Defaults to `false`."),
        pub daemonset_manifest: Attr<String> => Spec::optional("The gate's DaemonSet manifest (YAML or JSON), instead of `host_path` and `mount_path`."),
        pub namespace: Attr<String> => Spec::optional("Live mode: the namespace of the gate's DaemonSet in the cluster (set with `name`)."),
        pub name: Attr<String> => Spec::optional("Live mode: the name of the gate's DaemonSet in the cluster (set with `namespace`)."),
        pub container: Attr<String> => Spec::optional("With `daemonset_manifest` or live mode: the container that writes the sentinel. Defaults to the only container."),
    }
}

/// kured as the configuration describes it: offline, or by its DaemonSet in the cluster.
pub enum KuredSpec {
    Described(KuredInput),
    Live {
        namespace: String,
        name: String,
        container: String,
        /// The argument that names the DaemonSet, where a failed read is reported.
        named_by: AttrPath,
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
        /// The argument that names the DaemonSet, where a failed read is reported.
        named_by: AttrPath,
    },
}

/// Reads the `kured` block found at `at`. Configuration-shape errors go to `diags`.
pub fn kured_input(
    kured: &Attr<KuredModel>,
    at: &AttrPath,
    diags: &mut Diagnostics,
) -> Result<Attr<KuredSpec>, Invalid> {
    let k = match kured {
        Attr::Known(k) => k,
        Attr::Unknown => return Ok(Attr::Unknown),
        Attr::Null => {
            diags.error_at(
                at.clone(),
                format!("{at} is required"),
                "Describe how kured is installed.",
            );
            return Err(Invalid);
        }
    };
    const CHART: usize = 0;
    const MANIFEST: usize = 1;
    let way = validators::exactly_one_of(
        at,
        &[
            Way::new(
                format!(
                    "{} (with {})",
                    KuredModel::chart_version,
                    KuredModel::values
                ),
                &[(KuredModel::chart_version, &k.chart_version)],
            ),
            Way::new(
                KuredModel::daemonset_manifest,
                &[(KuredModel::daemonset_manifest, &k.daemonset_manifest)],
            ),
            Way::new(
                format!(
                    "{} and {} of the live DaemonSet",
                    KuredModel::namespace,
                    KuredModel::name
                ),
                &[
                    (KuredModel::namespace, &k.namespace),
                    (KuredModel::name, &k.name),
                ],
            ),
        ],
        diags,
    )?;
    let mut ok = validators::dns_label(
        &at.clone().then(KuredModel::container),
        &k.container,
        "container name",
        diags,
    );
    if way.known().is_some_and(|w| *w != CHART) {
        for (attr, value) in [
            (KuredModel::values, k.values.is_known()),
            (KuredModel::set, has_entries(&k.set)),
            (KuredModel::set_list, has_entries(&k.set_list)),
            (KuredModel::set_sensitive, has_entries(&k.set_sensitive)),
            (KuredModel::image_tag, k.image_tag.is_known()),
        ] {
            if value {
                diags.error_at(
                    at.clone().then(attr),
                    format!("{at}.{attr} goes with {}", KuredModel::chart_version),
                    format!(
                        "A manifest or a live DaemonSet describes kured completely; remove this argument, or describe kured by {} instead.",
                        KuredModel::chart_version
                    ),
                );
                ok = false;
            }
        }
    }
    let sets = set_entries(k, at, diags);
    if !ok {
        return Err(Invalid);
    }
    let sets = sets?;
    let (Attr::Known(way), Some(container)) = (way, k.container.settled()) else {
        return Ok(Attr::Unknown);
    };
    let container = container
        .map_or(DEFAULT_KURED_CONTAINER, String::as_str)
        .to_string();
    let spec = match way {
        CHART => {
            let (Some(Some(chart_version)), Some(values), Some(image_tag), Attr::Known(sets)) = (
                k.chart_version.settled(),
                k.values.settled(),
                k.image_tag.settled(),
                sets,
            ) else {
                return Ok(Attr::Unknown);
            };
            KuredSpec::Described(KuredInput {
                source: KuredSource::Chart {
                    chart_version: chart_version.clone(),
                    values: values.cloned().unwrap_or_default(),
                    sets,
                    image_tag: image_tag.cloned(),
                },
                container,
            })
        }
        MANIFEST => {
            let Some(Some(text)) = k.daemonset_manifest.settled() else {
                return Ok(Attr::Unknown);
            };
            KuredSpec::Described(KuredInput {
                source: KuredSource::Manifest { text: text.clone() },
                container,
            })
        }
        _ => {
            let target = validators::live_target(
                at,
                (KuredModel::namespace, &k.namespace),
                (KuredModel::name, &k.name),
                diags,
            )?;
            let Attr::Known((namespace, name)) = target else {
                return Ok(Attr::Unknown);
            };
            KuredSpec::Live {
                namespace,
                name,
                container,
                named_by: at.clone().then(KuredModel::name),
            }
        }
    };
    Ok(Attr::Known(spec))
}

/// Whether a list of blocks holds any: Terraform sends none written as an empty list.
fn has_entries<T>(blocks: &Attr<Vec<T>>) -> bool {
    matches!(blocks, Attr::Known(list) if !list.is_empty())
}

/// The `set`, `set_list` and `set_sensitive` entries of the `kured` block at `at`, once
/// every part of them is known; a `type` the helm provider refuses is an error on it.
fn set_entries(
    k: &KuredModel,
    at: &AttrPath,
    diags: &mut Diagnostics,
) -> Result<Attr<Vec<SetEntry>>, Invalid> {
    let mut read = SetReader {
        at,
        entries: Vec::new(),
        unknown: false,
        invalid: false,
    };
    let text = |value: &Attr<String>| match value {
        Attr::Known(text) => Some(SetValue::Text(text.clone())),
        Attr::Null => Some(SetValue::Text(String::new())),
        Attr::Unknown => None,
    };
    let set = k.set.as_ref().map(|list| {
        list.iter()
            .map(|e| (&e.name, text(&e.value), &e.r#type))
            .collect::<Vec<_>>()
    });
    let sensitive = k.set_sensitive.as_ref().map(|list| {
        list.iter()
            .map(|e| (&e.name, text(&e.value), &e.r#type))
            .collect::<Vec<_>>()
    });
    for (attribute, list) in [
        (SetAttribute::Set, set),
        (SetAttribute::SetSensitive, sensitive),
    ] {
        match list {
            Attr::Known(list) => {
                for (index, (name, value, kind)) in list.into_iter().enumerate() {
                    let kind = read.kind(attribute, index, kind, diags);
                    read.entry(attribute, index, name, value, kind);
                }
            }
            Attr::Null => {}
            Attr::Unknown => read.unknown = true,
        }
    }
    match &k.set_list {
        Attr::Known(list) => {
            for (index, entry) in list.iter().enumerate() {
                let value = entry.value.known().cloned().map(SetValue::List);
                read.entry(
                    SetAttribute::SetList,
                    index,
                    &entry.name,
                    value,
                    Some(SetType::Auto),
                );
            }
        }
        Attr::Null => {}
        Attr::Unknown => read.unknown = true,
    }
    if read.invalid {
        return Err(Invalid);
    }
    Ok(if read.unknown {
        Attr::Unknown
    } else {
        Attr::Known(read.entries)
    })
}

/// Collects set entries, noting parts not known yet and types refused.
struct SetReader<'a> {
    at: &'a AttrPath,
    entries: Vec<SetEntry>,
    unknown: bool,
    invalid: bool,
}

impl SetReader<'_> {
    /// An entry's `type`, once known; `None` while unknown or when refused.
    fn kind(
        &mut self,
        attribute: SetAttribute,
        index: usize,
        kind: &Attr<String>,
        diags: &mut Diagnostics,
    ) -> Option<SetType> {
        let text = match kind {
            Attr::Known(text) => text,
            Attr::Null => return Some(SetType::Auto),
            Attr::Unknown => return None,
        };
        if let Some(kind) = SetType::parse(text) {
            return Some(kind);
        }
        let path = self
            .at
            .clone()
            .then(attribute.name())
            .index(index)
            .then(SetModel::r#type);
        diags.error_at(
            path.clone(),
            format!("{path} is not a type the helm provider accepts"),
            format!(
                "{path} is {text:?}; write {} instead, as helm_release does.",
                SetType::ACCEPTED
            ),
        );
        self.invalid = true;
        None
    }

    fn entry(
        &mut self,
        attribute: SetAttribute,
        index: usize,
        name: &Attr<String>,
        value: Option<SetValue>,
        kind: Option<SetType>,
    ) {
        match (name.known(), value, kind) {
            (Some(name), Some(value), Some(kind)) => self.entries.push(SetEntry {
                attribute,
                index,
                name: name.clone(),
                value,
                kind,
            }),
            _ => self.unknown = true,
        }
    }
}

/// The values of the `kured` block's `set_sensitive` entries, which nothing the provider
/// computes or reports may show: wherever one would appear, `(sensitive value)` does.
#[derive(Default)]
pub struct Sensitive(Vec<String>);

/// What a redacted value reads as.
const REDACTED: &str = "(sensitive value)";

impl Sensitive {
    /// The known, non-empty values of `kured.set_sensitive`, with the forms the chart
    /// derives from a path (cleaned, and its last element, which `base` turns into the
    /// container path `/sentinel/<name>`), longest first, so that a value containing
    /// another is replaced whole. A derived element shorter than four characters would
    /// blank out ordinary words and is left alone; so is the directory, a node directory
    /// such as `/var/run` that the gate's own chain shows too.
    pub fn of(kured: &Attr<KuredModel>) -> Self {
        let mut values: Vec<String> = Vec::new();
        let known = kured
            .known()
            .and_then(|k| k.set_sensitive.known())
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.value.known())
            .filter(|value| !value.is_empty());
        for value in known {
            values.push(value.clone());
            let cleaned = clean(value);
            let last = cleaned.rsplit('/').next().unwrap_or_default().to_string();
            for derived in [cleaned, last] {
                if derived.chars().count() >= 4 {
                    values.push(derived);
                }
            }
        }
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.dedup();
        Sensitive(values)
    }

    /// The `set_sensitive` values in the `kured` block of a configuration.
    pub fn in_config(config: &Value) -> Self {
        let mut ignored = Diagnostics::new();
        let kured = Decoder::new(&mut ignored)
            .attribute::<KuredModel>(config, KURED)
            .unwrap_or(Attr::Null);
        Self::of(&kured)
    }

    /// Redacts the diagnostics and the computed attributes of model `M` in `object`: what
    /// a request answers.
    pub fn scrub<M: Model>(&self, object: &mut Option<Value>, diags: &mut Diagnostics) {
        self.redact_diagnostics(diags);
        if let Some(object) = object {
            self.redact_computed::<M>(object);
        }
    }

    fn redact(&self, text: &mut String) {
        for value in &self.0 {
            if text.contains(value.as_str()) {
                *text = text.replace(value.as_str(), REDACTED);
            }
        }
    }

    /// Redacts every diagnostic's summary and detail.
    pub fn redact_diagnostics(&self, diags: &mut Diagnostics) {
        if self.0.is_empty() {
            return;
        }
        for diagnostic in &mut diags.0 {
            self.redact(&mut diagnostic.summary);
            self.redact(&mut diagnostic.detail);
        }
    }

    /// Redacts the attributes of `object` that model `M` computes and the configuration
    /// cannot set (what is configured must stay as written).
    pub fn redact_computed<M: Model>(&self, object: &mut Value) {
        // Building the schema's attributes costs more than the rest of a plain plan's
        // bookkeeping: only when there is something to redact.
        if !self.0.is_empty() {
            self.redact_computed_of(&M::attributes(), object);
        }
    }

    /// [`Sensitive::redact_computed`] for a schema's `attributes`.
    pub fn redact_computed_of(&self, attributes: &[Attribute], object: &mut Value) {
        if self.0.is_empty() {
            return;
        }
        let Value::Object(map) = object else {
            return;
        };
        for attribute in attributes {
            if attribute.computed
                && !attribute.optional
                && let Some(value) = map.get_mut(&attribute.name)
            {
                self.redact_value(value);
            }
        }
    }

    fn redact_value(&self, value: &mut Value) {
        match value {
            Value::String(text) => self.redact(text),
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items.iter_mut().for_each(|v| self.redact_value(v))
            }
            Value::Map(map) | Value::Object(map) => {
                map.values_mut().for_each(|v| self.redact_value(v))
            }
            _ => {}
        }
    }
}

/// Reads the `gate` block found at `at`; null when the configuration has none.
pub fn gate_input(
    gate: &Attr<GateModel>,
    at: &AttrPath,
    diags: &mut Diagnostics,
) -> Result<Attr<GateSpec>, Invalid> {
    let g = match gate {
        Attr::Known(g) => g,
        Attr::Unknown => return Ok(Attr::Unknown),
        Attr::Null => return Ok(Attr::Null),
    };
    const MOUNT: usize = 0;
    const MANIFEST: usize = 1;
    let way = validators::exactly_one_of(
        at,
        &[
            Way::new(
                format!("{} and {}", GateModel::host_path, GateModel::mount_path),
                &[
                    (GateModel::host_path, &g.host_path),
                    (GateModel::mount_path, &g.mount_path),
                ],
            ),
            Way::new(
                GateModel::daemonset_manifest,
                &[(GateModel::daemonset_manifest, &g.daemonset_manifest)],
            ),
            Way::new(
                format!(
                    "{} and {} of the live DaemonSet",
                    GateModel::namespace,
                    GateModel::name
                ),
                &[
                    (GateModel::namespace, &g.namespace),
                    (GateModel::name, &g.name),
                ],
            ),
        ],
        diags,
    )?;
    if !validators::dns_label(
        &at.clone().then(GateModel::container),
        &g.container,
        "container name",
        diags,
    ) {
        return Err(Invalid);
    }
    let (Attr::Known(way), Some(sentinel_path), Some(container)) =
        (way, g.sentinel_path.settled(), g.container.settled())
    else {
        return Ok(Attr::Unknown);
    };
    let sentinel_path = sentinel_path.cloned().unwrap_or_default();
    let container = container.cloned();
    let spec = match way {
        MOUNT => {
            let (Some(host_path), Some(mount_path), Some(sub_path), Some(read_only)) = (
                g.host_path.settled(),
                g.mount_path.settled(),
                g.sub_path.settled(),
                g.read_only.settled(),
            ) else {
                return Ok(Attr::Unknown);
            };
            match (host_path, mount_path) {
                (Some(host_path), Some(mount_path)) => GateSpec::Described(GateInput {
                    sentinel_path,
                    source: GateSource::Mount(DeclaredMount {
                        host_path: host_path.clone(),
                        mount_path: mount_path.clone(),
                        sub_path: sub_path.cloned(),
                        read_only: read_only.copied().unwrap_or(false),
                    }),
                }),
                (Some(_), None) => {
                    let path = at.clone().then(GateModel::mount_path);
                    diags.error_at(
                        path.clone(),
                        format!("{path} is missing"),
                        format!(
                            "Say where the gate's container mounts {}, e.g. /host/var-run.",
                            GateModel::host_path
                        ),
                    );
                    return Err(Invalid);
                }
                (None, _) => {
                    let path = at.clone().then(GateModel::host_path);
                    diags.error_at(
                        path.clone(),
                        format!("{path} is missing"),
                        format!(
                            "Name the node directory the gate mounts at {}, e.g. /var/run.",
                            GateModel::mount_path
                        ),
                    );
                    return Err(Invalid);
                }
            }
        }
        MANIFEST => {
            let Some(text) = g.daemonset_manifest.settled() else {
                return Ok(Attr::Unknown);
            };
            GateSpec::Described(GateInput {
                sentinel_path,
                source: GateSource::Manifest {
                    text: text.cloned().unwrap_or_default(),
                    container,
                },
            })
        }
        _ => {
            let target = validators::live_target(
                at,
                (GateModel::namespace, &g.namespace),
                (GateModel::name, &g.name),
                diags,
            )?;
            let Attr::Known((namespace, name)) = target else {
                return Ok(Attr::Unknown);
            };
            GateSpec::Live {
                namespace,
                name,
                container,
                sentinel_path,
                named_by: at.clone().then(GateModel::name),
            }
        }
    };
    Ok(Attr::Known(spec))
}

/// Which objects were read from the live cluster: a finding about their manifest then
/// belongs on `name`, the argument that named them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Origins {
    pub kured_live: bool,
    pub gate_live: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kured_with_secret(secret: &str) -> Attr<KuredModel> {
        Attr::Known(KuredModel {
            set_sensitive: Attr::Known(vec![SetSensitiveModel {
                name: Attr::Known("configuration.rebootSentinel".into()),
                value: Attr::Known(secret.into()),
                r#type: Attr::Null,
            }]),
            ..KuredModel::default()
        })
    }

    #[test]
    fn a_sensitive_value_and_the_file_name_the_chart_derives_are_redacted() {
        let sensitive = Sensitive::of(&kured_with_secret("/var/run//s3cr3t-gated"));
        let mut diags = Diagnostics::new();
        diags.error(
            "kured watches /var/run/s3cr3t-gated",
            "arg --reboot-sentinel=/sentinel/s3cr3t-gated; written /var/run//s3cr3t-gated",
        );
        sensitive.redact_diagnostics(&mut diags);
        let shown: Vec<String> = diags
            .iter()
            .map(|d| format!("{} {}", d.summary, d.detail))
            .collect();
        assert_eq!(
            shown,
            [
                "kured watches (sensitive value) arg --reboot-sentinel=/sentinel/(sensitive value); written (sensitive value)"
            ]
        );
        // Only what the provider computes is redacted, never what the configuration says.
        let mut object = Value::Object(
            [
                (
                    "kured_sentinel_host_path",
                    Value::string("/var/run/s3cr3t-gated"),
                ),
                ("sentinel_host_path", Value::string("/var/run/s3cr3t-gated")),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        );
        tfplugin::model! {
            struct Probe {
                sentinel_host_path: Attr<String> => Spec::optional("configured"),
                kured_sentinel_host_path: Attr<String> => Spec::computed("computed"),
            }
        }
        sensitive.redact_computed::<Probe>(&mut object);
        assert_eq!(
            object.get("kured_sentinel_host_path"),
            Some(&Value::string("(sensitive value)"))
        );
        assert_eq!(
            object.get("sentinel_host_path"),
            Some(&Value::string("/var/run/s3cr3t-gated"))
        );
    }

    #[test]
    fn short_derived_names_are_not_redacted() {
        // "/x/ab": the last element "ab" would blank ordinary words.
        let sensitive = Sensitive::of(&kured_with_secret("/x/ab"));
        let mut diags = Diagnostics::new();
        diags.error("about ab", "/x/ab");
        sensitive.redact_diagnostics(&mut diags);
        let d = diags
            .iter()
            .next()
            .map(|d| (d.summary.clone(), d.detail.clone()));
        assert_eq!(d, Some(("about ab".into(), "(sensitive value)".into())));
    }
}
