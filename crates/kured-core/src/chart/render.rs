//! Renders the kured container of the kured Helm chart (kubereboot/charts, `charts/kured`)
//! from a chart version and the user's values, as that version's daemonset template does.
//!
//! Only what decides where kured looks for its sentinel is rendered: the image, the args,
//! the env and the volume mounts and volumes. The template changed the sentinel handling
//! twice, so the chart versions fall into bands (see [`SentinelBand`]).

use serde_json::{Map, Value as Json};

use crate::base::node_path as gopath;
use crate::base::version::{Version, VersionError};
use crate::base::yaml::parse_documents;
use crate::chart::provenance::ValuesProvenance;
use crate::chart::releases::{
    self, NEWEST_SUPPORTED, OLDEST_SUPPORTED, Resolved, SentinelBand, since,
};
use crate::chart::set::{SetEntry, SetNote};
use crate::chart::strict::{self, ValuesNote};
use crate::chart::values::{ValuesError, describe, merge_values};
use crate::k8s::container::{Container, EnvVar, PodTemplate, Volume, VolumeMount, VolumeSource};

/// The mount path of the chart's sentinel volume inside the kured container.
pub const SENTINEL_MOUNT_PATH: &str = "/sentinel";
/// The name of the chart's sentinel volume.
pub const SENTINEL_VOLUME: &str = "sentinel";

/// What to render: the chart release as Terraform describes it. Equal requests render
/// equally, which is what lets a [`super::RenderCache`] key on the whole request (a field
/// added here is part of the key).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ChartRequest {
    /// The chart version, e.g. `5.11.0`.
    pub chart_version: String,
    /// The release's values entries, in the order Helm applies them.
    pub values: Vec<String>,
    /// The release's `set`, `set_list` and `set_sensitive` entries, applied after `values`.
    pub sets: Vec<SetEntry>,
    /// An image tag known to run, overriding both the chart's appVersion and `image.tag`.
    pub image_tag: Option<String>,
    /// The Helm release name (it becomes part of `--ds-name`).
    pub release_name: String,
    /// The release namespace (`--ds-namespace`).
    pub namespace: String,
}

/// The kured container as the chart renders it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedKured {
    /// The chart version asked for.
    pub chart_version: Version,
    /// The chart version whose template was modelled (the newest supported one for newer charts).
    pub modelled_as: Version,
    /// The released chart whose templates and defaults apply: `modelled_as`, or the
    /// release before it when `modelled_as` was never released.
    pub release: Version,
    /// The kured version the image runs, or `None` when the tag is not a version.
    pub app_version: Option<Version>,
    /// The image tag in use.
    pub image_tag: String,
    /// The pod template with the single container `kured`.
    pub template: PodTemplate,
    /// What the user should know about the chart version asked for: newer than the
    /// newest modelled, or never released.
    pub version_warnings: Vec<String>,
    /// Things about the values the user should know that do not stop rendering.
    pub warnings: Vec<String>,
    /// Which values entry wrote which key.
    pub provenance: ValuesProvenance,
    /// `set` entries that apply but cannot have the effect they say.
    pub set_notes: Vec<SetNote>,
    /// What the `values` entries say that the release would take other than as meant
    /// (see [`super::strict`]); checked here so that a cached render carries them too.
    pub values_notes: Vec<ValuesNote>,
}

/// Why the chart could not be rendered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChartError {
    /// The chart version is not a version.
    #[error("chart_version: {0}")]
    Version(#[from] VersionError),
    /// The chart version is older than the oldest modelled one.
    #[error(
        "chart version {requested} is not supported: only kured chart versions {oldest} through {newest} are modelled (newer ones are treated as {newest})"
    )]
    Unsupported {
        /// The version asked for.
        requested: Version,
        /// The oldest supported version.
        oldest: Version,
        /// The newest modelled version.
        newest: Version,
    },
    /// The values could not be merged.
    #[error(transparent)]
    Values(#[from] ValuesError),
    /// A list or map was given where the template prints a single value.
    #[error(
        "{key} is {found}, but the chart prints it into a container arg; give a string, number or boolean"
    )]
    NotText {
        /// The values key, e.g. `configuration.period`.
        key: String,
        /// What was found, e.g. `a list`.
        found: String,
    },
    /// A single value was given where the template expects a list.
    #[error(
        "{key} is {found}, but the chart expects a list here (for example [\"mo\", \"fr\"] or a YAML list)"
    )]
    NotList {
        /// The values key.
        key: String,
        /// What was found.
        found: String,
    },
    /// A map was expected.
    #[error("{key} is {found}, but the chart expects a map here")]
    NotMap {
        /// The values key.
        key: String,
        /// What was found.
        found: String,
    },
    /// The sentinel path given to Go's `dir`/`base` is not a string; Helm fails to render.
    #[error(
        "{key} is {found}, but chart {chart} passes it to `dir`/`base` for the sentinel volume, so Helm fails to render; set it to the node path of the sentinel file as a string, e.g. \"/var/run/reboot-required\""
    )]
    SentinelNotString {
        /// The values key (`configuration.rebootSentinel`).
        key: String,
        /// What was found (`unset` when a `null` removed it).
        found: String,
        /// The chart version modelled.
        chart: Version,
    },
    /// A rendered line does not read back as the same YAML string, and is not a string at all.
    #[error(
        "{key} renders the unquoted YAML line {line:?}, which YAML reads as {found}, not as a string, so the chart's output is broken; remove the `: `, `#` or leading YAML indicator from the value"
    )]
    BrokenYaml {
        /// The values key whose value was printed.
        key: String,
        /// The rendered text.
        line: String,
        /// What YAML makes of it.
        found: String,
    },
    /// Chart 5.4.0/5.4.1 indent user volumeMounts wrongly after the sentinel mount.
    #[error(
        "chart {chart} cannot render volumeMounts together with its sentinel mount ({switch} is on): its template indents the user's mounts under the sentinel mount and Helm fails with a YAML error; use chart 5.4.2 or newer, or drop volumeMounts"
    )]
    MountIndentation {
        /// The chart version modelled.
        chart: Version,
        /// The key that switched the sentinel mount on.
        switch: &'static str,
    },
    /// An entry of `volumes`, `volumeMounts` or `extraEnvVars` is malformed.
    #[error("{key}: {problem}")]
    BadEntry {
        /// The entry's path, e.g. `volumes[0].hostPath.path`.
        key: String,
        /// What is wrong and what is expected.
        problem: String,
    },
}

/// Renders the kured container for `request`.
pub fn render_kured(request: &ChartRequest) -> Result<RenderedKured, ChartError> {
    let chart_version: Version = request.chart_version.parse()?;
    let Resolved {
        modelled_as,
        template,
        app_version: chart_app,
        warnings: version_warnings,
    } = releases::resolve(chart_version).ok_or(ChartError::Unsupported {
        requested: chart_version,
        oldest: OLDEST_SUPPORTED,
        newest: NEWEST_SUPPORTED,
    })?;
    let merged = merge_values(template, &request.values, &request.sets)?;
    let warnings = merged.warnings;
    let provenance = merged.provenance;
    let set_notes = merged.set_notes;
    let values = match merged.values {
        Json::Object(map) => map,
        _ => Map::new(),
    };
    let mut r = Renderer {
        values: &values,
        warnings,
        chart: modelled_as,
    };

    let (image, image_tag, app_version) = r.image(request, chart_app)?;
    let band = SentinelBand::of(modelled_as);
    let mount_on = match band.switch_key() {
        Some(key) => truthy(lookup(&values, key)),
        None => false,
    };
    let args = r.args(request, band, mount_on)?;
    let env = r.env()?;
    let (volume_mounts, volumes) = r.mounts(band, mount_on)?;

    let container = Container {
        name: "kured".to_string(),
        image: Some(image),
        command: vec!["/usr/bin/kured".to_string()],
        args,
        env,
        volume_mounts,
    };
    Ok(RenderedKured {
        chart_version,
        modelled_as,
        release: template,
        version_warnings,
        app_version,
        image_tag,
        template: PodTemplate {
            containers: vec![container],
            volumes,
        },
        warnings: r.warnings,
        provenance,
        set_notes,
        values_notes: strict::check_values(template, &request.values),
    })
}

struct Renderer<'a> {
    values: &'a Map<String, Json>,
    warnings: Vec<String>,
    chart: Version,
}

/// How the template renders one `configuration` key.
#[derive(Clone, Copy)]
enum ArgKind {
    /// `--flag=value` when the value is truthy.
    Value,
    /// `--flag` alone when the value is truthy.
    Bare,
    /// One `--flag=item` per list item.
    Each,
    /// The sentinel pair, rendered by band.
    Sentinel,
}

/// The template's own args after `--ds-name`/`--ds-namespace`, in its order, with the
/// chart version that introduced each.
const ARGS: &[(&str, &str, ArgKind, Version)] = &[
    (
        "metricsHost",
        "metrics-host",
        ArgKind::Value,
        since::CONCURRENCY,
    ),
    (
        "metricsPort",
        "metrics-port",
        ArgKind::Value,
        since::METRICS_PORT,
    ),
    ("lockTtl", "lock-ttl", ArgKind::Value, OLDEST_SUPPORTED),
    (
        "lockReleaseDelay",
        "lock-release-delay",
        ArgKind::Value,
        OLDEST_SUPPORTED,
    ),
    (
        "alertFilterRegexp",
        "alert-filter-regexp",
        ArgKind::Value,
        OLDEST_SUPPORTED,
    ),
    (
        "alertFiringOnly",
        "alert-firing-only",
        ArgKind::Value,
        OLDEST_SUPPORTED,
    ),
    (
        "alertFilterMatchOnly",
        "alert-filter-match-only",
        ArgKind::Value,
        since::CONCURRENCY,
    ),
    (
        "blockingPodSelector",
        "blocking-pod-selector",
        ArgKind::Each,
        OLDEST_SUPPORTED,
    ),
    ("endTime", "end-time", ArgKind::Value, OLDEST_SUPPORTED),
    (
        "lockAnnotation",
        "lock-annotation",
        ArgKind::Value,
        OLDEST_SUPPORTED,
    ),
    ("period", "period", ArgKind::Value, OLDEST_SUPPORTED),
    (
        "forceReboot",
        "force-reboot",
        ArgKind::Bare,
        OLDEST_SUPPORTED,
    ),
    (
        "drainGracePeriod",
        "drain-grace-period",
        ArgKind::Value,
        OLDEST_SUPPORTED,
    ),
    (
        "drainPodSelector",
        "drain-pod-selector",
        ArgKind::Value,
        since::CONCURRENCY,
    ),
    (
        "drainDelay",
        "drain-delay",
        ArgKind::Value,
        since::SENTINEL_MOUNT,
    ),
    (
        "drainTimeout",
        "drain-timeout",
        ArgKind::Value,
        OLDEST_SUPPORTED,
    ),
    (
        "skipWaitForDeleteTimeout",
        "skip-wait-for-delete-timeout",
        ArgKind::Value,
        OLDEST_SUPPORTED,
    ),
    (
        "prometheusUrl",
        "prometheus-url",
        ArgKind::Value,
        OLDEST_SUPPORTED,
    ),
    ("rebootDays", "reboot-days", ArgKind::Each, OLDEST_SUPPORTED),
    (
        "preRebootNodeLabels",
        "pre-reboot-node-labels",
        ArgKind::Each,
        OLDEST_SUPPORTED,
    ),
    (
        "postRebootNodeLabels",
        "post-reboot-node-labels",
        ArgKind::Each,
        OLDEST_SUPPORTED,
    ),
    (
        "rebootSentinel",
        "reboot-sentinel",
        ArgKind::Sentinel,
        OLDEST_SUPPORTED,
    ),
    (
        "rebootCommand",
        "reboot-command",
        ArgKind::Value,
        OLDEST_SUPPORTED,
    ),
    (
        "rebootDelay",
        "reboot-delay",
        ArgKind::Value,
        OLDEST_SUPPORTED,
    ),
    (
        "rebootMethod",
        "reboot-method",
        ArgKind::Value,
        since::SENTINEL_MOUNT,
    ),
    (
        "rebootSignal",
        "reboot-signal",
        ArgKind::Value,
        since::SENTINEL_MOUNT,
    ),
    // The three slack values pass through `tpl`; plain strings come out unchanged.
    (
        "slackChannel",
        "slack-channel",
        ArgKind::Value,
        OLDEST_SUPPORTED,
    ),
    (
        "slackHookUrl",
        "slack-hook-url",
        ArgKind::Value,
        OLDEST_SUPPORTED,
    ),
    (
        "slackUsername",
        "slack-username",
        ArgKind::Value,
        OLDEST_SUPPORTED,
    ),
    ("notifyUrl", "notify-url", ArgKind::Value, OLDEST_SUPPORTED),
    (
        "messageTemplateDrain",
        "message-template-drain",
        ArgKind::Value,
        OLDEST_SUPPORTED,
    ),
    (
        "messageTemplateReboot",
        "message-template-reboot",
        ArgKind::Value,
        OLDEST_SUPPORTED,
    ),
    (
        "messageTemplateUncordon",
        "message-template-uncordon",
        ArgKind::Value,
        OLDEST_SUPPORTED,
    ),
    ("startTime", "start-time", ArgKind::Value, OLDEST_SUPPORTED),
    ("timeZone", "time-zone", ArgKind::Value, OLDEST_SUPPORTED),
    (
        "annotateNodes",
        "annotate-nodes",
        ArgKind::Value,
        OLDEST_SUPPORTED,
    ),
    (
        "preferNoScheduleTaint",
        "prefer-no-schedule-taint",
        ArgKind::Value,
        OLDEST_SUPPORTED,
    ),
    ("logFormat", "log-format", ArgKind::Value, OLDEST_SUPPORTED),
    (
        "concurrency",
        "concurrency",
        ArgKind::Value,
        since::CONCURRENCY,
    ),
];

/// The `configuration` key through which `chart` renders kured's `--flag` (name without
/// dashes), or `None` when that chart version has none (the flag then goes in
/// `extraArgs`).
pub fn configuration_key(flag: &str, chart: Version) -> Option<&'static str> {
    ARGS.iter()
        .find(|(_, name, _, since)| *name == flag && chart >= *since)
        .map(|(key, ..)| *key)
}

impl Renderer<'_> {
    fn image(
        &mut self,
        request: &ChartRequest,
        chart_app: Version,
    ) -> Result<(String, String, Option<Version>), ChartError> {
        let repository = text(lookup(self.values, "image.repository"), "image.repository")?;
        let values_tag = lookup(self.values, "image.tag");
        let tag = match &request.image_tag {
            Some(tag) => tag.clone(),
            // `default` falls back on any empty value, not only a missing one.
            None if truthy(values_tag) => text(values_tag, "image.tag")?,
            None => chart_app.to_string(),
        };
        // A digest pinned after the tag (`1.21.0@sha256:...`) does not change the version.
        let version_part = tag.split('@').next().unwrap_or_default();
        let app_version = version_part.parse::<Version>().ok();
        if app_version.is_none() {
            self.warnings.push(format!(
                "image tag {tag:?} is not a version, so the kured version (and with it whether the sentinel is checked on the node or in the container) is unknown; set image_tag to the kured version the image runs"
            ));
        }
        Ok((format!("{repository}:{tag}"), tag, app_version))
    }

    fn args(
        &mut self,
        request: &ChartRequest,
        band: SentinelBand,
        mount_on: bool,
    ) -> Result<Vec<String>, ChartError> {
        let mut args = vec![
            self.line(
                format!("--ds-name={}", self.fullname(&request.release_name)?),
                "fullnameOverride",
            )?,
            self.line(format!("--ds-namespace={}", request.namespace), "namespace")?,
        ];
        for &(name, flag, kind, since) in ARGS {
            if self.chart < since {
                continue;
            }
            let key = format!("configuration.{name}");
            let value = lookup(self.values, &key);
            match kind {
                ArgKind::Value => {
                    if truthy(value) {
                        let printed = text(value, &key)?;
                        args.push(self.line(format!("--{flag}={printed}"), &key)?);
                    }
                }
                ArgKind::Bare => {
                    if truthy(value) {
                        args.push(format!("--{flag}"));
                    }
                }
                ArgKind::Each => {
                    for (i, item) in list(value, &key)?.iter().enumerate() {
                        let printed = text(Some(item), &format!("{key}[{i}]"))?;
                        args.push(self.line(format!("--{flag}={printed}"), &key)?);
                    }
                }
                ArgKind::Sentinel => self.sentinel_args(&mut args, band, mount_on)?,
            }
        }
        self.extra_args(&mut args)?;
        Ok(args)
    }

    fn sentinel_args(
        &mut self,
        args: &mut Vec<String>,
        band: SentinelBand,
        mount_on: bool,
    ) -> Result<(), ChartError> {
        let key = "configuration.rebootSentinel";
        let sentinel = lookup(self.values, key);
        if truthy(sentinel) {
            if mount_on {
                let path = self.sentinel_string(sentinel)?;
                args.push(self.line(
                    format!(
                        "--reboot-sentinel={SENTINEL_MOUNT_PATH}/{}",
                        gopath::base(&path)
                    ),
                    key,
                )?);
            } else {
                let printed = text(sentinel, key)?;
                args.push(self.line(format!("--reboot-sentinel={printed}"), key)?);
            }
        }
        let command_key = "configuration.rebootSentinelCommand";
        let command = lookup(self.values, command_key);
        if truthy(command) {
            if mount_on {
                self.warnings.push(format!(
                    "{command_key} is set but chart {} drops it while {} is on; kured checks the sentinel file instead",
                    self.chart,
                    band.switch_key().unwrap_or_default()
                ));
            } else {
                let printed = text(command, command_key)?;
                args.push(self.line(format!("--reboot-sentinel-command={printed}"), command_key)?);
            }
        }
        Ok(())
    }

    fn extra_args(&mut self, args: &mut Vec<String>) -> Result<(), ChartError> {
        let extra = match lookup(self.values, "extraArgs") {
            None => return Ok(()),
            Some(Json::Object(map)) => map,
            Some(Json::Array(items)) if items.is_empty() => return Ok(()),
            Some(other) => {
                return Err(ChartError::NotMap {
                    key: "extraArgs".into(),
                    found: describe(other),
                });
            }
        };
        // serde_json's map iterates in byte order of the keys, as Go's range over a map does.
        for (name, value) in extra {
            let key = format!("extraArgs.{name}");
            if truthy(Some(value)) {
                let printed = text(Some(value), &key)?;
                args.push(self.line(format!("--{name}={printed}"), &key)?);
            } else {
                if !value.is_null() {
                    self.warnings.push(format!(
                        "{key} is {}, which the chart renders as a bare `--{name}`: a boolean flag is turned on and a flag that needs a value makes kured exit; remove the key to leave the flag at its default",
                        describe(value)
                    ));
                }
                args.push(self.line(format!("--{name}"), &key)?);
            }
        }
        Ok(())
    }

    fn env(&self) -> Result<Vec<EnvVar>, ChartError> {
        let mut env = vec![EnvVar {
            name: "KURED_NODE_ID".into(),
            value: None,
        }];
        let value = lookup(self.values, "extraEnvVars");
        if !truthy(value) {
            return Ok(env);
        }
        for (i, entry) in list(value, "extraEnvVars")?.iter().enumerate() {
            let at = format!("extraEnvVars[{i}]");
            let map = entry_map(entry, &at)?;
            let name = required_string(map, &at, "name")?;
            let value = match (map.get("value"), map.get("valueFrom")) {
                (_, Some(from)) if !from.is_null() => None,
                (Some(Json::String(s)), _) => Some(s.clone()),
                (None | Some(Json::Null), _) => Some(String::new()),
                (Some(other), _) => {
                    return Err(ChartError::BadEntry {
                        key: format!("{at}.value"),
                        problem: format!(
                            "is {}, but Kubernetes only accepts a string here; quote it",
                            describe(other)
                        ),
                    });
                }
            };
            env.push(EnvVar { name, value });
        }
        Ok(env)
    }

    fn mounts(
        &mut self,
        band: SentinelBand,
        mount_on: bool,
    ) -> Result<(Vec<VolumeMount>, Vec<Volume>), ChartError> {
        let mut mounts = Vec::new();
        let mut volumes = Vec::new();
        if mount_on {
            mounts.push(VolumeMount {
                name: SENTINEL_VOLUME.into(),
                mount_path: SENTINEL_MOUNT_PATH.into(),
                sub_path: None,
                read_only: true,
            });
            // Unlike the arg, the volume has no guard on an empty sentinel value.
            let sentinel =
                self.sentinel_string(lookup(self.values, "configuration.rebootSentinel"))?;
            let path = gopath::dir(&sentinel);
            if path == "." {
                self.warnings.push(format!(
                    "configuration.rebootSentinel is {sentinel:?} while {} is on, so chart {} renders the sentinel volume with hostPath path \".\", which is not a node directory; the pod cannot start",
                    band.switch_key().unwrap_or_default(),
                    self.chart
                ));
            }
            let path = self.line(path, "configuration.rebootSentinel")?;
            volumes.push(Volume {
                name: SENTINEL_VOLUME.into(),
                source: VolumeSource::HostPath {
                    path,
                    kind: Some("Directory".into()),
                },
            });
        }
        let user_mounts = lookup(self.values, "volumeMounts");
        if truthy(user_mounts) {
            if mount_on && self.chart < since::VOLUME_MOUNTS_INDENTED {
                return Err(ChartError::MountIndentation {
                    chart: self.chart,
                    switch: band.switch_key().unwrap_or_default(),
                });
            }
            for (i, entry) in list(user_mounts, "volumeMounts")?.iter().enumerate() {
                mounts.push(parse_mount(entry, &format!("volumeMounts[{i}]"))?);
            }
        }
        let user_volumes = lookup(self.values, "volumes");
        if truthy(user_volumes) {
            for (i, entry) in list(user_volumes, "volumes")?.iter().enumerate() {
                volumes.push(parse_volume(entry, &format!("volumes[{i}]"))?);
            }
        }
        Ok((mounts, volumes))
    }

    /// The sentinel value as `dir`/`base` receive it: a string, or Helm fails.
    fn sentinel_string(&self, value: Option<&Json>) -> Result<String, ChartError> {
        match value {
            Some(Json::String(s)) => Ok(s.clone()),
            other => Err(ChartError::SentinelNotString {
                key: "configuration.rebootSentinel".into(),
                found: other.map_or_else(|| "unset".to_string(), describe),
                chart: self.chart,
            }),
        }
    }

    /// `kured.fullname` from the chart's helpers.
    fn fullname(&self, release: &str) -> Result<String, ChartError> {
        let full_override = lookup(self.values, "fullnameOverride");
        let name = if truthy(full_override) {
            text(full_override, "fullnameOverride")?
        } else {
            let name_override = lookup(self.values, "nameOverride");
            let name = if truthy(name_override) {
                text(name_override, "nameOverride")?
            } else {
                "kured".to_string()
            };
            if release.contains(&name) {
                release.to_string()
            } else {
                format!("{release}-{name}")
            }
        };
        let mut cut = name.len().min(63);
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        let truncated = name.get(..cut).unwrap_or_default();
        Ok(truncated.strip_suffix('-').unwrap_or(truncated).to_string())
    }

    /// The template writes args (and the hostPath path) as unquoted YAML; this reads the
    /// line back the way the YAML parser will.
    fn line(&mut self, rendered: String, key: &str) -> Result<String, ChartError> {
        let broken = |found: String| ChartError::BrokenYaml {
            key: key.to_string(),
            line: rendered.clone(),
            found,
        };
        let docs = parse_documents(&format!("- {rendered}\n"))
            .map_err(|e| broken(format!("an error ({})", e.message)))?;
        let item = match docs.as_slice() {
            [Json::Array(items)] => items.first(),
            _ => None,
        };
        match item {
            Some(Json::String(read)) if *read == rendered => Ok(rendered),
            Some(Json::String(read)) => {
                self.warnings.push(format!(
                    "{key} renders the unquoted YAML line {rendered:?}, which YAML reads as {read:?} (a ` #` starts a comment)"
                ));
                Ok(read.clone())
            }
            Some(other) => Err(broken(describe(other))),
            None => Err(broken("nothing".to_string())),
        }
    }
}

fn parse_mount(entry: &Json, at: &str) -> Result<VolumeMount, ChartError> {
    let map = entry_map(entry, at)?;
    let sub_path = match map.get("subPath") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) if s.is_empty() => None,
        Some(Json::String(s)) => Some(s.clone()),
        Some(other) => return Err(not_string(&format!("{at}.subPath"), other)),
    };
    let read_only = match map.get("readOnly") {
        None | Some(Json::Null) => false,
        Some(Json::Bool(b)) => *b,
        Some(other) => {
            return Err(ChartError::BadEntry {
                key: format!("{at}.readOnly"),
                problem: format!(
                    "is {}, but Kubernetes expects true or false",
                    describe(other)
                ),
            });
        }
    };
    Ok(VolumeMount {
        name: required_string(map, at, "name")?,
        mount_path: required_string(map, at, "mountPath")?,
        sub_path,
        read_only,
    })
}

fn parse_volume(entry: &Json, at: &str) -> Result<Volume, ChartError> {
    let map = entry_map(entry, at)?;
    let name = required_string(map, at, "name")?;
    let source_key =
        map.keys()
            .find(|k| k.as_str() != "name")
            .ok_or_else(|| ChartError::BadEntry {
                key: at.to_string(),
                problem: "has no volume source; add one such as hostPath: {path: /var/run}".into(),
            })?;
    let source = match source_key.as_str() {
        "hostPath" => {
            let at = format!("{at}.hostPath");
            let host = entry_map(map.get("hostPath").unwrap_or(&Json::Null), &at)?;
            let kind = match host.get("type") {
                None | Some(Json::Null) => None,
                Some(Json::String(s)) if s.is_empty() => None,
                Some(Json::String(s)) => Some(s.clone()),
                Some(other) => return Err(not_string(&format!("{at}.type"), other)),
            };
            VolumeSource::HostPath {
                path: required_string(host, &at, "path")?,
                kind,
            }
        }
        "emptyDir" => VolumeSource::EmptyDir,
        "configMap" => VolumeSource::ConfigMap,
        "secret" => VolumeSource::Secret,
        "projected" => VolumeSource::Projected,
        other => VolumeSource::Other(other.to_string()),
    };
    Ok(Volume { name, source })
}

fn entry_map<'v>(entry: &'v Json, at: &str) -> Result<&'v Map<String, Json>, ChartError> {
    match entry {
        Json::Object(map) => Ok(map),
        other => Err(ChartError::NotMap {
            key: at.to_string(),
            found: describe(other),
        }),
    }
}

fn required_string(map: &Map<String, Json>, at: &str, field: &str) -> Result<String, ChartError> {
    match map.get(field) {
        Some(Json::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Json::String(_)) | None | Some(Json::Null) => Err(ChartError::BadEntry {
            key: format!("{at}.{field}"),
            problem: "is missing; Kubernetes requires it".into(),
        }),
        Some(other) => Err(not_string(&format!("{at}.{field}"), other)),
    }
}

fn not_string(key: &str, found: &Json) -> ChartError {
    ChartError::BadEntry {
        key: key.to_string(),
        problem: format!("is {}, but Kubernetes expects a string", describe(found)),
    }
}

/// A dotted key (`configuration.rebootSentinel`) in the values tree.
pub(crate) fn lookup<'v>(values: &'v Map<String, Json>, key: &str) -> Option<&'v Json> {
    let mut parts = key.split('.');
    let mut current = values.get(parts.next()?)?;
    for part in parts {
        current = current.as_object()?.get(part)?;
    }
    Some(current)
}

/// Go template truthiness: false, 0, "", empty lists and maps, and missing are false.
pub(crate) fn truthy(value: Option<&Json>) -> bool {
    match value {
        None | Some(Json::Null) => false,
        Some(Json::Bool(b)) => *b,
        Some(Json::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Json::String(s)) => !s.is_empty(),
        Some(Json::Array(a)) => !a.is_empty(),
        Some(Json::Object(m)) => !m.is_empty(),
    }
}

/// The items `range` walks; a missing or empty value walks none.
fn list<'v>(value: Option<&'v Json>, key: &str) -> Result<&'v [Json], ChartError> {
    match value {
        None | Some(Json::Null) => Ok(&[]),
        Some(Json::Array(items)) => Ok(items),
        Some(other) if !truthy(Some(other)) => Ok(&[]),
        Some(other) => Err(ChartError::NotList {
            key: key.to_string(),
            found: describe(other),
        }),
    }
}

/// A scalar as Go's text/template prints a Helm value.
fn text(value: Option<&Json>, key: &str) -> Result<String, ChartError> {
    match value {
        None | Some(Json::Null) => Ok(String::new()),
        Some(Json::String(s)) => Ok(s.clone()),
        Some(Json::Bool(b)) => Ok(b.to_string()),
        // Helm reads every number of a values file as a float64.
        Some(Json::Number(n)) => Ok(go_float(n.as_f64().unwrap_or_default())),
        Some(other) => Err(ChartError::NotText {
            key: key.to_string(),
            found: describe(other),
        }),
    }
}

/// Go's `%v` of a float64: the shortest digits that read back, in exponent form when the
/// decimal exponent is below -4 or at least 6 (so 1000000 prints as `1e+06`, as Helm users
/// know to their cost).
pub(crate) fn go_float(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN".into()
        } else if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let sci = format!("{f:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if f == 0.0 {
        return format!("{sign}0");
    }
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let dot = if rest.is_empty() { "" } else { "." };
        let exp_sign = if exp < 0 { '-' } else { '+' };
        return format!(
            "{sign}{first}{dot}{rest}e{exp_sign}{:02}",
            exp.unsigned_abs()
        );
    }
    let point = exp + 1;
    let nd = digits.len() as i32;
    let body = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point >= nd {
        format!("{digits}{}", "0".repeat((point - nd) as usize))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(chart: &str, values: &[&str]) -> ChartRequest {
        ChartRequest {
            chart_version: chart.into(),
            values: values.iter().map(|s| s.to_string()).collect(),
            sets: Vec::new(),
            image_tag: None,
            release_name: "kured".into(),
            namespace: "kube-system".into(),
        }
    }

    fn render(chart: &str, values: &[&str]) -> RenderedKured {
        render_kured(&request(chart, values)).unwrap()
    }

    fn kured(r: &RenderedKured) -> &Container {
        r.template.container("kured").unwrap()
    }

    fn args_with(r: &RenderedKured, prefix: &str) -> Vec<String> {
        kured(r)
            .args
            .iter()
            .filter(|a| a.starts_with(prefix))
            .cloned()
            .collect()
    }

    fn host_path(r: &RenderedKured, volume: &str) -> Option<String> {
        match &r.template.volume(volume)?.source {
            VolumeSource::HostPath { path, .. } => Some(path.clone()),
            _ => None,
        }
    }

    /// (chart, values, sentinel args, sentinel hostPath)
    type BandCase<'a> = (&'a str, Vec<&'a str>, Vec<&'a str>, Option<&'a str>);
    /// (chart, values, image_tag argument, image, app version, warning contains)
    type TagCase<'a> = (
        &'a str,
        Vec<&'a str>,
        Option<&'a str>,
        &'a str,
        Option<Version>,
        Option<&'a str>,
    );
    type ErrorCheck = fn(&ChartError) -> bool;

    const INCIDENT: &str = "configuration:\n  rebootSentinel: /sentinel/gated-reboot-required\n";
    const FIX: &str = "configuration:\n  rebootSentinel: /var/run/gated-reboot-required\n";

    #[test]
    fn sentinel_per_band() {
        // (chart, values, sentinel args, sentinel hostPath, mounted at /sentinel)
        let cases: Vec<BandCase> = vec![
            // 4.x - 5.3.2: kured's own default applies; the raw value otherwise; never a volume.
            ("4.0.0", vec![], vec![], None),
            (
                "4.5.1",
                vec![FIX],
                vec!["--reboot-sentinel=/var/run/gated-reboot-required"],
                None,
            ),
            (
                "5.0.0",
                vec![INCIDENT],
                vec!["--reboot-sentinel=/sentinel/gated-reboot-required"],
                None,
            ),
            (
                "5.3.2",
                vec![FIX],
                vec!["--reboot-sentinel=/var/run/gated-reboot-required"],
                None,
            ),
            (
                "5.3.2",
                vec![
                    "configuration: {useRebootSentinelHostPath: true, rebootSentinel: /var/run/x}",
                ],
                vec!["--reboot-sentinel=/var/run/x"],
                None,
            ),
            // 5.4.0: the configuration switch (default true) is ignored.
            ("5.4.0", vec![], vec![], None),
            (
                "5.4.0",
                vec![FIX],
                vec!["--reboot-sentinel=/var/run/gated-reboot-required"],
                None,
            ),
            // 5.4.0 with the top-level switch it actually reads.
            (
                "5.4.0",
                vec![FIX, "useRebootSentinelHostPath: true"],
                vec!["--reboot-sentinel=/sentinel/gated-reboot-required"],
                Some("/var/run"),
            ),
            // 5.4.1+: the default file through the mount.
            (
                "5.4.1",
                vec![],
                vec!["--reboot-sentinel=/sentinel/reboot-required"],
                Some("/var/run"),
            ),
            (
                "6.1.0",
                vec![],
                vec!["--reboot-sentinel=/sentinel/reboot-required"],
                Some("/var/run"),
            ),
            // The incident: the node's /sentinel is mounted; the file name is kept.
            (
                "5.11.0",
                vec![INCIDENT],
                vec!["--reboot-sentinel=/sentinel/gated-reboot-required"],
                Some("/sentinel"),
            ),
            // The fix.
            (
                "5.11.0",
                vec![INCIDENT, FIX],
                vec!["--reboot-sentinel=/sentinel/gated-reboot-required"],
                Some("/var/run"),
            ),
            // Go's dir/base clean the value first.
            (
                "5.11.0",
                vec!["configuration: {rebootSentinel: /var//run/x/}"],
                vec!["--reboot-sentinel=/sentinel/x"],
                Some("/var/run/x"),
            ),
            // Mount switched off: the raw value, no volume.
            (
                "5.11.0",
                vec![
                    "configuration: {useRebootSentinelHostPath: false, rebootSentinel: /var/run/x}",
                ],
                vec!["--reboot-sentinel=/var/run/x"],
                None,
            ),
            // An empty value with the mount on: no arg, yet a volume of path ".".
            (
                "5.11.0",
                vec!["configuration: {rebootSentinel: \"\"}"],
                vec![],
                Some("."),
            ),
        ];
        for (chart, values, want_args, want_host) in cases {
            let r = render(chart, &values);
            assert_eq!(
                args_with(&r, "--reboot-sentinel"),
                want_args,
                "chart {chart} values {values:?}"
            );
            assert_eq!(
                host_path(&r, SENTINEL_VOLUME).as_deref(),
                want_host,
                "chart {chart} values {values:?}"
            );
            let mounted = kured(&r).volume_mounts.iter().any(|m| {
                m.name == SENTINEL_VOLUME && m.mount_path == SENTINEL_MOUNT_PATH && m.read_only
            });
            assert_eq!(
                mounted,
                want_host.is_some(),
                "chart {chart} values {values:?}"
            );
        }
    }

    #[test]
    fn empty_sentinel_with_mount_warns() {
        let r = render("5.11.0", &["configuration: {rebootSentinel: \"\"}"]);
        assert!(
            r.warnings.iter().any(|w| w.contains("hostPath path \".\"")),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn sentinel_command_per_band() {
        let cmd = "configuration: {rebootSentinelCommand: \"test -f /x\"}";
        let cases = [
            ("5.3.2", vec![cmd], true),
            ("5.4.0", vec![cmd], true),
            ("5.4.0", vec![cmd, "useRebootSentinelHostPath: true"], false),
            ("5.11.0", vec![cmd], false),
            (
                "5.11.0",
                vec![cmd, "configuration: {useRebootSentinelHostPath: false}"],
                true,
            ),
        ];
        for (chart, values, passed) in cases {
            let r = render(chart, &values);
            let got = args_with(&r, "--reboot-sentinel-command=");
            assert_eq!(!got.is_empty(), passed, "chart {chart} values {values:?}");
            if passed {
                assert_eq!(got, vec!["--reboot-sentinel-command=test -f /x"]);
            } else {
                assert!(
                    r.warnings.iter().any(|w| w.contains("drops it")),
                    "{:?}",
                    r.warnings
                );
            }
        }
    }

    #[test]
    fn default_args_in_template_order() {
        let cases = [
            (
                "4.0.0",
                vec![
                    "--ds-name=kured",
                    "--ds-namespace=kube-system",
                    "--reboot-command=/bin/systemctl reboot",
                    "--log-format=text",
                ],
            ),
            (
                "5.3.2",
                vec![
                    "--ds-name=kured",
                    "--ds-namespace=kube-system",
                    "--metrics-port=8080",
                    "--reboot-command=/bin/systemctl reboot",
                    "--log-format=text",
                    "--concurrency=1",
                ],
            ),
            (
                "5.11.0",
                vec![
                    "--ds-name=kured",
                    "--ds-namespace=kube-system",
                    "--metrics-port=8080",
                    "--reboot-sentinel=/sentinel/reboot-required",
                    "--reboot-command=/bin/systemctl reboot",
                    "--log-format=text",
                    "--concurrency=1",
                ],
            ),
        ];
        for (chart, want) in cases {
            assert_eq!(kured(&render(chart, &[])).args, want, "chart {chart}");
        }
    }

    #[test]
    fn every_configuration_arg_in_order() {
        let values = r#"
configuration:
  metricsHost: 0.0.0.0
  lockTtl: 30m
  lockReleaseDelay: 5m
  alertFilterRegexp: ^Watchdog$
  alertFiringOnly: true
  alertFilterMatchOnly: true
  blockingPodSelector: [app=db, app=mq]
  endTime: "17:00"
  lockAnnotation: my/lock
  period: 5m
  forceReboot: true
  drainGracePeriod: 30
  drainPodSelector: app=web
  drainDelay: 1m
  drainTimeout: 30m
  skipWaitForDeleteTimeout: 60
  prometheusUrl: http://prom:9090
  rebootDays: [mo, fr]
  preRebootNodeLabels: [a=b]
  postRebootNodeLabels: [c=d]
  rebootSentinel: /var/run/gated-reboot-required
  rebootDelay: 90s
  rebootMethod: signal
  rebootSignal: 39
  slackChannel: ops
  notifyUrl: slack://x
  startTime: "9am"
  timeZone: Europe/Berlin
  annotateNodes: true
  preferNoScheduleTaint: kured
  logFormat: json
  concurrency: 2
"#;
        let r = render("6.1.0", &[values]);
        let want = [
            "--ds-name=kured",
            "--ds-namespace=kube-system",
            "--metrics-host=0.0.0.0",
            "--metrics-port=8080",
            "--lock-ttl=30m",
            "--lock-release-delay=5m",
            "--alert-filter-regexp=^Watchdog$",
            "--alert-firing-only=true",
            "--alert-filter-match-only=true",
            "--blocking-pod-selector=app=db",
            "--blocking-pod-selector=app=mq",
            "--end-time=17:00",
            "--lock-annotation=my/lock",
            "--period=5m",
            "--force-reboot",
            "--drain-grace-period=30",
            "--drain-pod-selector=app=web",
            "--drain-delay=1m",
            "--drain-timeout=30m",
            "--skip-wait-for-delete-timeout=60",
            "--prometheus-url=http://prom:9090",
            "--reboot-days=mo",
            "--reboot-days=fr",
            "--pre-reboot-node-labels=a=b",
            "--post-reboot-node-labels=c=d",
            "--reboot-sentinel=/sentinel/gated-reboot-required",
            "--reboot-command=/bin/systemctl reboot",
            "--reboot-delay=90s",
            "--reboot-method=signal",
            "--reboot-signal=39",
            "--slack-channel=ops",
            "--notify-url=slack://x",
            "--start-time=9am",
            "--time-zone=Europe/Berlin",
            "--annotate-nodes=true",
            "--prefer-no-schedule-taint=kured",
            "--log-format=json",
            "--concurrency=2",
        ];
        assert_eq!(kured(&r).args, want);
        // Keys a chart version does not know are not rendered.
        let old = render("4.0.0", &[values]);
        for missing in [
            "--metrics-host",
            "--drain-delay",
            "--reboot-method",
            "--concurrency",
        ] {
            assert!(args_with(&old, missing).is_empty(), "{missing} in 4.0.0");
        }
    }

    #[test]
    fn extra_args_sorted_and_bare_when_empty() {
        let values = "extraArgs:\n  zeta: z\n  alpha: 1000000\n  Beta: true\n  gamma: \"\"\n  delta: false\n  eps: 0\n  pi: 3.5\n";
        let r = render("5.11.0", &[values]);
        let all = &kured(&r).args;
        let tail: Vec<&str> = all.iter().skip(all.len() - 7).map(String::as_str).collect();
        assert_eq!(
            tail,
            [
                "--Beta=true",
                "--alpha=1e+06",
                "--delta",
                "--eps",
                "--gamma",
                "--pi=3.5",
                "--zeta=z"
            ]
        );
        // false, 0 and "" all turn into bare flags, which the user should hear about.
        assert_eq!(
            r.warnings.iter().filter(|w| w.contains("bare")).count(),
            3,
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn numbers_print_like_go() {
        let cases = [
            (0.0, "0"),
            (1.0, "1"),
            (8080.0, "8080"),
            (999999.0, "999999"),
            (1000000.0, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (356136738.0, "3.56136738e+08"),
            (3.5, "3.5"),
            (-2.25, "-2.25"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e21, "1e+21"),
            (-1e100, "-1e+100"),
        ];
        for (f, want) in cases {
            assert_eq!(go_float(f), want, "{f}");
        }
    }

    #[test]
    fn scalars_print_and_collections_are_refused() {
        let ok = [
            ("configuration: {drainTimeout: 30}", "--drain-timeout=30"),
            ("configuration: {drainTimeout: 1.5}", "--drain-timeout=1.5"),
            ("configuration: {period: 2000000}", "--period=2e+06"),
            (
                "configuration: {alertFiringOnly: true}",
                "--alert-firing-only=true",
            ),
        ];
        for (values, want) in ok {
            let r = render("5.11.0", &[values]);
            assert!(
                kured(&r).args.iter().any(|a| a == want),
                "{values}: {:?}",
                kured(&r).args
            );
        }
        let bad = [
            (
                "configuration: {period: [1h]}",
                "configuration.period",
                "a list",
            ),
            (
                "configuration: {timeZone: {a: b}}",
                "configuration.timeZone",
                "a map",
            ),
            (
                "configuration: {rebootDays: [[mo]]}",
                "configuration.rebootDays[0]",
                "a list",
            ),
            ("extraArgs: {x: [1]}", "extraArgs.x", "a list"),
        ];
        for (values, key, found) in bad {
            let err = render_kured(&request("5.11.0", &[values])).unwrap_err();
            assert_eq!(
                err,
                ChartError::NotText {
                    key: key.into(),
                    found: found.into()
                },
                "{values}"
            );
        }
    }

    #[test]
    fn shape_errors() {
        let cases: Vec<(&str, &str, ErrorCheck)> = vec![
            ("5.11.0", "configuration: {rebootDays: mo}", |e| {
                matches!(e, ChartError::NotList { key, .. } if key == "configuration.rebootDays",
                )
            }),
            (
                "5.11.0",
                "extraArgs: [a]",
                |e| matches!(e, ChartError::NotMap { key, .. } if key == "extraArgs"),
            ),
            // A null removes the default sentinel, and `dir` then fails in Helm.
            ("5.11.0", "configuration: {rebootSentinel: null}", |e| {
                matches!(e, ChartError::SentinelNotString { found, .. } if found == "unset",
                )
            }),
            ("5.11.0", "configuration: {rebootSentinel: 5}", |e| {
                matches!(e, ChartError::SentinelNotString { .. })
            }),
            ("5.4.1", "volumeMounts: [{name: a, mountPath: /a}]", |e| {
                matches!(e, ChartError::MountIndentation { .. })
            }),
            (
                "5.4.0",
                "{useRebootSentinelHostPath: true, volumeMounts: [{name: a, mountPath: /a}]}",
                |e| matches!(e, ChartError::MountIndentation { .. }),
            ),
            (
                "5.11.0",
                "volumes: [{name: a, hostPath: {type: Directory}}]",
                |e| {
                    matches!(e, ChartError::BadEntry { key, .. } if key == "volumes[0].hostPath.path",
                    )
                },
            ),
            ("5.11.0", "volumeMounts: [{name: a}]", |e| {
                matches!(e, ChartError::BadEntry { key, .. } if key == "volumeMounts[0].mountPath",
                )
            }),
            ("5.11.0", "extraEnvVars: [{name: A, value: 123}]", |e| {
                matches!(e, ChartError::BadEntry { key, .. } if key == "extraEnvVars[0].value",
                )
            }),
            ("5.11.0", "configuration: {timeZone: \"UTC: x\"}", |e| {
                matches!(e, ChartError::BrokenYaml { key, .. } if key == "configuration.timeZone",
                )
            }),
            ("5.11.0", "values: [", |e| {
                matches!(e, ChartError::Values(ValuesError::Yaml { index: 0, .. }))
            }),
        ];
        for (chart, values, check) in cases {
            let err = render_kured(&request(chart, &[values])).unwrap_err();
            assert!(check(&err), "chart {chart} values {values}: {err:?}");
        }
        // Controls: the same shapes render when the condition that breaks them is absent
        // (mount off, or a chart with the indentation fixed).
        render(
            "5.11.0",
            &["configuration: {rebootSentinel: null, useRebootSentinelHostPath: false}"],
        );
        render("5.4.2", &["volumeMounts: [{name: a, mountPath: /a}]"]);
        render("5.4.0", &["volumeMounts: [{name: a, mountPath: /a}]"]);
    }

    #[test]
    fn a_comment_in_an_arg_is_cut_with_a_warning() {
        let r = render("5.11.0", &["configuration: {period: \"1h #hourly\"}"]);
        assert_eq!(args_with(&r, "--period"), vec!["--period=1h"]);
        assert!(
            r.warnings.iter().any(|w| w.contains("comment")),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn values_errors_name_the_entry() {
        let err = render_kured(&request("5.11.0", &["a: 1", "a: 1\nb: [x\n"])).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("values[1] is not valid YAML: YAML document 1, line"),
            "{text}"
        );
    }

    #[test]
    fn env_and_user_volumes() {
        let values = r#"
extraEnvVars:
  - name: KURED_REBOOT_SENTINEL
    value: /sentinel/x
  - name: FROM_SECRET
    valueFrom: {secretKeyRef: {name: s, key: k}}
volumeMounts:
  - name: host-run
    mountPath: /host/run
    subPath: kured
    readOnly: true
volumes:
  - name: host-run
    hostPath: {path: /run, type: Directory}
  - name: scratch
    emptyDir: {}
"#;
        let r = render("5.11.0", &[values]);
        let k = kured(&r);
        assert_eq!(
            k.env,
            vec![
                EnvVar {
                    name: "KURED_NODE_ID".into(),
                    value: None
                },
                EnvVar {
                    name: "KURED_REBOOT_SENTINEL".into(),
                    value: Some("/sentinel/x".into())
                },
                EnvVar {
                    name: "FROM_SECRET".into(),
                    value: None
                },
            ]
        );
        let mounts: Vec<(&str, &str, Option<&str>)> = k
            .volume_mounts
            .iter()
            .map(|m| {
                (
                    m.name.as_str(),
                    m.mount_path.as_str(),
                    m.sub_path.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            mounts,
            [
                ("sentinel", "/sentinel", None),
                ("host-run", "/host/run", Some("kured"))
            ]
        );
        let volumes: Vec<(&str, &str)> = r
            .template
            .volumes
            .iter()
            .map(|v| (v.name.as_str(), v.source.field_name()))
            .collect();
        assert_eq!(
            volumes,
            [
                ("sentinel", "hostPath"),
                ("host-run", "hostPath"),
                ("scratch", "emptyDir")
            ]
        );
        assert_eq!(host_path(&r, "host-run").as_deref(), Some("/run"));
    }

    #[test]
    fn versions_and_image_tags() {
        // (chart, values, image_tag argument, image, app version, warning contains)
        let cases: Vec<TagCase> = vec![
            (
                "4.0.0",
                vec![],
                None,
                "ghcr.io/kubereboot/kured:1.10.2",
                Some(Version::new(1, 10, 2)),
                None,
            ),
            (
                "4.6.0",
                vec![],
                None,
                "ghcr.io/kubereboot/kured:1.13.1",
                Some(Version::new(1, 13, 1)),
                None,
            ),
            (
                "4.7.0",
                vec![],
                None,
                "ghcr.io/kubereboot/kured:1.13.2",
                Some(Version::new(1, 13, 2)),
                None,
            ),
            (
                "5.4.0",
                vec![],
                None,
                "ghcr.io/kubereboot/kured:1.15.0",
                Some(Version::new(1, 15, 0)),
                None,
            ),
            (
                "5.11.0",
                vec![],
                None,
                "ghcr.io/kubereboot/kured:1.21.0",
                Some(Version::new(1, 21, 0)),
                None,
            ),
            (
                "6.1.0",
                vec![],
                None,
                "ghcr.io/kubereboot/kured:1.23.0",
                Some(Version::new(1, 23, 0)),
                None,
            ),
            // image.tag overrides the appVersion; the argument overrides both.
            (
                "5.11.0",
                vec!["image: {tag: 1.16.2}"],
                None,
                "ghcr.io/kubereboot/kured:1.16.2",
                Some(Version::new(1, 16, 2)),
                None,
            ),
            (
                "5.11.0",
                vec!["image: {tag: 1.16.2}"],
                Some("1.14.0"),
                "ghcr.io/kubereboot/kured:1.14.0",
                Some(Version::new(1, 14, 0)),
                None,
            ),
            (
                "5.11.0",
                vec!["image: {tag: \"\"}"],
                None,
                "ghcr.io/kubereboot/kured:1.21.0",
                Some(Version::new(1, 21, 0)),
                None,
            ),
            (
                "5.11.0",
                vec!["image: {tag: latest}"],
                None,
                "ghcr.io/kubereboot/kured:latest",
                None,
                Some("not a version"),
            ),
            (
                "5.11.0",
                vec![],
                Some("sha256:abc"),
                "ghcr.io/kubereboot/kured:sha256:abc",
                None,
                Some("not a version"),
            ),
            (
                "5.11.0",
                vec!["image: {tag: 1.21.0@sha256:abc}"],
                None,
                "ghcr.io/kubereboot/kured:1.21.0@sha256:abc",
                Some(Version::new(1, 21, 0)),
                None,
            ),
            (
                "5.11.0",
                vec!["image: {repository: my.registry/kured}"],
                None,
                "my.registry/kured:1.21.0",
                Some(Version::new(1, 21, 0)),
                None,
            ),
            // Newer charts are rendered as the newest modelled one.
            (
                "6.2.0",
                vec![],
                None,
                "ghcr.io/kubereboot/kured:1.23.0",
                Some(Version::new(1, 23, 0)),
                Some("newer than"),
            ),
            // An unreleased version in range takes the release before it.
            (
                "5.7.0",
                vec![],
                None,
                "ghcr.io/kubereboot/kured:1.17.1",
                Some(Version::new(1, 17, 1)),
                Some("never released"),
            ),
        ];
        for (chart, values, tag, image, app, warning) in cases {
            let mut req = request(chart, &values);
            req.image_tag = tag.map(String::from);
            let r = render_kured(&req).unwrap();
            assert_eq!(
                kured(&r).image.as_deref(),
                Some(image),
                "chart {chart} {values:?} {tag:?}"
            );
            assert_eq!(r.app_version, app, "chart {chart} {values:?} {tag:?}");
            let all: Vec<&String> = r.version_warnings.iter().chain(&r.warnings).collect();
            match warning {
                Some(w) => assert!(all.iter().any(|x| x.contains(w)), "{all:?}"),
                None => assert!(all.is_empty(), "{all:?}"),
            }
            // What is said about the version is said apart from the values.
            let about_version = matches!(warning, Some("newer than" | "never released"));
            assert_eq!(r.version_warnings.is_empty(), !about_version, "{chart}");
        }
    }

    #[test]
    fn unsupported_versions() {
        let cases = [
            (
                "3.9.9",
                "not supported: only kured chart versions 4.0.0 through 6.1.0",
            ),
            ("2.0.0", "not supported"),
            ("five", "chart_version: \"five\" is not a version"),
        ];
        for (chart, want) in cases {
            let err = render_kured(&request(chart, &[])).unwrap_err();
            assert!(err.to_string().contains(want), "{chart}: {err}");
        }
        let r = render("7.3.1", &[]);
        assert_eq!(
            (r.chart_version, r.modelled_as),
            (Version::new(7, 3, 1), NEWEST_SUPPORTED)
        );
    }

    #[test]
    fn ds_name_follows_the_helper() {
        let long = "a".repeat(70);
        let cases = [
            ("kured", vec![], "kured"),
            ("ops-kured-1", vec![], "ops-kured-1"),
            ("reboots", vec![], "reboots-kured"),
            ("reboots", vec!["nameOverride: rb"], "reboots-rb"),
            ("reboots", vec!["fullnameOverride: my-kured"], "my-kured"),
            (long.as_str(), vec![], &long[..63]),
            // Truncation then one trailing '-' dropped.
            ("reboots", vec!["fullnameOverride: x---"], "x--"),
        ];
        for (release, values, want) in cases {
            let mut req = request("5.11.0", &values);
            req.release_name = release.into();
            let r = render_kured(&req).unwrap();
            assert_eq!(
                kured(&r).args.first().map(String::as_str),
                Some(format!("--ds-name={want}").as_str())
            );
        }
    }
}
