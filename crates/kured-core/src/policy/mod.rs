//! A gated reboot policy, evaluated: where kured and the gate really look on the node,
//! whether that is the same file, and whether kured would start, open its window and
//! finish its drains.
//!
//! The resource enforces every finding; the data source reports paths and fails only on
//! input it cannot read. Both share [`analyse_kured`] and [`analyse_gate`].

pub mod resolve;

use crate::base::node_path::{HostPathAliases, clean};
use crate::base::version::Version;
use crate::chart::recommended;
use crate::chart::{self, ChartError, ChartRequest};
use crate::k8s::container::{PodTemplate, VolumeSource};
use crate::k8s::manifest::{self, ManifestError};
use crate::k8s::mounts::DeclaredMount;
use crate::kured::flags::KuredFlags;
use crate::kured::settings::{KuredSettings, Setting};
use crate::policy::resolve::{
    GateError, GatePath, KuredOutcome, ResolveError, check_host_path_dir,
};

/// kured's own default for the ungated sentinel.
pub const DEFAULT_UPSTREAM_SENTINEL: &str = "/var/run/reboot-required";

/// How kured is described.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KuredSource {
    /// Installed from the kured Helm chart with these values.
    Chart {
        chart_version: String,
        values: Vec<String>,
        image_tag: Option<String>,
    },
    /// A DaemonSet manifest (YAML or JSON), written by hand or read from the cluster.
    Manifest { text: String },
}

/// kured, and the container in it that runs kured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KuredInput {
    pub source: KuredSource,
    pub container: String,
}

/// How the gate reaches the node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GateSource {
    /// One hostPath mount, described directly.
    Mount(DeclaredMount),
    /// The gate's DaemonSet manifest; the container defaults to the only one.
    Manifest {
        text: String,
        container: Option<String>,
    },
}

/// The gate: the file it writes, as its container sees it, and how that reaches the node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateInput {
    pub sentinel_path: String,
    pub source: GateSource,
}

/// The policy's own arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyInput {
    /// The node file that must gate reboots, when declared.
    pub sentinel_host_path: Option<String>,
    /// The ungated file (`/var/run/reboot-required` unless set otherwise).
    pub upstream_sentinel_host_path: String,
    /// Budgets known to block every drain, as `namespace/name`.
    pub known_drain_blockers: Vec<String>,
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// Which argument a finding is about, so the adapter can point Terraform at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    SentinelHostPath,
    UpstreamSentinelHostPath,
    KnownDrainBlockers,
    Kured(KuredField),
    Gate(GateField),
}

/// An argument of the `kured` object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KuredField {
    Whole,
    ChartVersion,
    /// A values entry, when one is at fault; the list otherwise.
    Values(Option<usize>),
    ImageTag,
    Manifest,
    Container,
}

/// An argument of the `gate` object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateField {
    Whole,
    SentinelPath,
    ReadOnly,
    Manifest,
    Container,
}

/// One thing the evaluation found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub field: Field,
    pub summary: String,
    pub detail: String,
}

impl Finding {
    fn error(field: Field, summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Error,
            field,
            summary: summary.into(),
            detail: detail.into(),
        }
    }

    fn warning(field: Field, summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Warning,
            ..Finding::error(field, summary, detail)
        }
    }
}

/// What kured does, as far as it can be known from its description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KuredAnalysis {
    pub app_version: Option<Version>,
    /// The chart version the model used, in chart mode.
    pub modelled_chart: Option<Version>,
    pub outcome: KuredOutcome,
    /// How the sentinel was derived, one step per line.
    pub chain: Vec<String>,
    /// kured's settings; `None` when its flags cannot be read at all.
    pub settings: Option<KuredSettings>,
    /// Input-level warnings (a chart newer than the model, an unreadable image tag...).
    pub warnings: Vec<Finding>,
    /// Where kured's settings come from, for findings about them.
    pub settings_field: KuredField,
}

/// Reads kured's description: renders the chart or parses the manifest, finds the
/// sentinel and the settings. An `Err` is input that cannot be read at all.
pub fn analyse_kured(
    input: &KuredInput,
    aliases: &HostPathAliases,
) -> Result<KuredAnalysis, Finding> {
    let mut warnings = Vec::new();
    let (template, app_version, modelled_chart, settings_field) = match &input.source {
        KuredSource::Chart {
            chart_version,
            values,
            image_tag,
        } => {
            let request = ChartRequest {
                chart_version: chart_version.clone(),
                values: values.clone(),
                image_tag: image_tag.clone(),
                release_name: "kured".to_string(),
                namespace: "kube-system".to_string(),
            };
            let rendered = chart::render_kured(&request).map_err(chart_finding)?;
            for w in &rendered.warnings {
                warnings.push(Finding::warning(
                    Field::Kured(KuredField::Values(None)),
                    "kured chart",
                    w.clone(),
                ));
            }
            (
                rendered.template,
                rendered.app_version,
                Some(rendered.modelled_as),
                KuredField::Values(None),
            )
        }
        KuredSource::Manifest { text } => {
            let parsed = manifest::parse_daemonset(text).map_err(|e| manifest_finding(e, true))?;
            let container = parsed.template.container(&input.container).ok_or_else(|| {
                Finding::error(
                    Field::Kured(KuredField::Container),
                    format!("no container {:?} in the kured DaemonSet", input.container),
                    format!(
                        "The DaemonSet {} has the containers {}; set kured.container to the one that runs kured.",
                        parsed.name,
                        container_names(&parsed.template)
                    ),
                )
            })?;
            let app_version = image_version(container.image.as_deref());
            if app_version.is_none() {
                warnings.push(Finding::warning(
                    Field::Kured(KuredField::Manifest),
                    "kured's version cannot be read from its image",
                    format!(
                        "The image {:?} has no version tag, so the newest kured behaviour is assumed (sentinel checked inside the container, environment overriding flags). Pin the image to a release tag such as ghcr.io/kubereboot/kured:1.21.0.",
                        container.image.as_deref().unwrap_or("")
                    ),
                ));
            }
            (parsed.template, app_version, None, KuredField::Manifest)
        }
    };

    let resolution =
        resolve::resolve_kured_sentinel(&template, &input.container, app_version, aliases)
            .map_err(|e| match e {
                ResolveError::ContainerNotFound { .. } => Finding::error(
                    Field::Kured(KuredField::Container),
                    "kured container not found",
                    e.to_string(),
                ),
            })?;
    let settings = read_settings(&template, &input.container, app_version);
    check_kured_host_paths(&template, &input.container, settings_field, &mut warnings);
    Ok(KuredAnalysis {
        app_version,
        modelled_chart,
        outcome: resolution.outcome,
        chain: resolution.steps,
        settings,
        warnings,
        settings_field,
    })
}

/// A hostPath that is not an absolute directory (the chart renders `.` for an empty
/// rebootSentinel) makes the pod fail to start; reported as an error finding.
fn check_kured_host_paths(
    template: &PodTemplate,
    container: &str,
    field: KuredField,
    findings: &mut Vec<Finding>,
) {
    let Some(c) = template.container(container) else {
        return;
    };
    for mount in &c.volume_mounts {
        if let Some(volume) = template.volume(&mount.name) {
            if let VolumeSource::HostPath { path, .. } = &volume.source {
                if let Err(err) = check_host_path_dir(path) {
                    findings.push(Finding::error(
                        Field::Kured(field),
                        format!("kured's volume {:?} has hostPath {path:?}, which is not an absolute directory", volume.name),
                        format!(
                            "{err}. The kured chart derives this hostPath from dir(configuration.rebootSentinel); set rebootSentinel to the absolute node path of the gated sentinel, for example /var/run/gated-reboot-required."
                        ),
                    ));
                }
            }
        }
    }
}

/// kured's settings, when its flags can be read (the sentinel analysis reports why not).
fn read_settings(
    template: &PodTemplate,
    container: &str,
    app_version: Option<Version>,
) -> Option<KuredSettings> {
    let c = template.container(container)?;
    let flags = KuredFlags::read(c, app_version).ok()?;
    Some(KuredSettings::read(&flags, app_version))
}

/// Reads the gate's description and places its file on the node.
pub fn analyse_gate(input: &GateInput, aliases: &HostPathAliases) -> Result<GatePath, Finding> {
    let result = match &input.source {
        GateSource::Mount(mount) => {
            resolve::resolve_declared_gate_path(mount, &input.sentinel_path, aliases)
        }
        GateSource::Manifest { text, container } => {
            let parsed = manifest::parse_daemonset(text).map_err(|e| manifest_finding(e, false))?;
            let name = match container {
                Some(name) => name.clone(),
                None => match parsed.template.containers.as_slice() {
                    [only] => only.name.clone(),
                    _ => {
                        return Err(Finding::error(
                            Field::Gate(GateField::Container),
                            "gate.container is needed",
                            format!(
                                "The gate DaemonSet {} has several containers ({}); name the one that writes the sentinel.",
                                parsed.name,
                                container_names(&parsed.template)
                            ),
                        ));
                    }
                },
            };
            resolve::resolve_gate_path(&parsed.template, &name, &input.sentinel_path, aliases)
        }
    };
    result.map_err(|err| match err {
        GateError::Resolve(e) => Finding::error(
            Field::Gate(GateField::Container),
            "gate container not found",
            e.to_string(),
        ),
        GateError::Unreachable(u) => Finding::error(
            Field::Gate(GateField::SentinelPath),
            "the gate's sentinel never reaches the node",
            format!("{u}\n\nChain:\n{}", bullet(&u.steps)),
        ),
    })
}

/// What the resource reports beside its findings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyReport {
    pub findings: Vec<Finding>,
    /// One line, e.g. `mon,tue 02:00:00-05:00:00 Europe/Berlin`.
    pub reboot_window: Option<String>,
    /// kured's drain timeout, e.g. `30m0s`, or `0s` for none.
    pub drain_timeout: Option<String>,
    /// Chart values that make this chart version's kured watch the target file.
    pub recommended_values: Option<String>,
}

impl PolicyReport {
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// Checks a whole policy: the two paths against each other and the declared file, and
/// kured's settings.
pub fn check_policy(
    policy: &PolicyInput,
    kured: &KuredAnalysis,
    gate: &GatePath,
    aliases: &HostPathAliases,
) -> PolicyReport {
    let mut report = PolicyReport {
        findings: kured.warnings.clone(),
        ..PolicyReport::default()
    };
    let findings = &mut report.findings;
    let upstream = aliases.canonical(&policy.upstream_sentinel_host_path);
    let declared = policy
        .sentinel_host_path
        .as_deref()
        .map(|p| aliases.canonical(p));
    let kured_chain = bullet(&kured.chain);
    let gate_chain = bullet(&gate.steps);

    for (field, path) in [
        (
            Field::SentinelHostPath,
            policy.sentinel_host_path.as_deref(),
        ),
        (
            Field::UpstreamSentinelHostPath,
            Some(policy.upstream_sentinel_host_path.as_str()),
        ),
    ] {
        if let Some(path) = path {
            if !path.starts_with('/') {
                findings.push(Finding::error(
                    field,
                    format!("{path:?} is not an absolute node path"),
                    "Write the node file from the root, for example /var/run/gated-reboot-required.",
                ));
            }
        }
    }
    if declared.as_deref() == Some(upstream.as_str()) {
        findings.push(Finding::error(
            Field::SentinelHostPath,
            "sentinel_host_path is the ungated sentinel",
            format!(
                "sentinel_host_path and upstream_sentinel_host_path are the same node file ({upstream}). The gated file must be a different file that only the gate writes, for example /var/run/gated-reboot-required."
            ),
        ));
    }

    match &kured.outcome {
        KuredOutcome::NodeFile { node_path, canonical, .. } => {
            let field = Field::Kured(kured.settings_field);
            if *canonical == upstream {
                findings.push(Finding::error(
                    field,
                    format!("kured watches the ungated sentinel {node_path}: the gate is bypassed"),
                    format!(
                        "kured reboots as soon as {} exists, whatever the gate decides. Point kured at the file the gate writes ({}).\n\nkured's chain:\n{kured_chain}",
                        policy.upstream_sentinel_host_path, gate.node_path
                    ),
                ));
            } else if let Some(declared) = &declared {
                if canonical != declared {
                    findings.push(Finding::error(
                        field,
                        format!(
                            "kured watches {node_path}, not sentinel_host_path {}",
                            policy.sentinel_host_path.as_deref().unwrap_or_default()
                        ),
                        format!("kured's chain:\n{kured_chain}"),
                    ));
                }
            } else if *canonical != gate.canonical {
                findings.push(Finding::error(
                    field,
                    format!(
                        "kured watches {node_path} but the gate writes {}: no node will ever reboot",
                        gate.node_path
                    ),
                    format!(
                        "kured and the gate resolve to different node files.\n\nkured's chain:\n{kured_chain}\n\nThe gate's chain:\n{gate_chain}"
                    ),
                ));
            }
        }
        KuredOutcome::Command { command } => findings.push(Finding::warning(
            Field::Kured(kured.settings_field),
            "kured uses a sentinel command, which cannot be checked",
            format!(
                "kured runs {command:?} on the node instead of testing a file, so whether it sees the gate's file ({}) cannot be decided here.",
                gate.node_path
            ),
        )),
        KuredOutcome::Unknowable { reason } => findings.push(Finding::warning(
            Field::Kured(kured.settings_field),
            "kured's sentinel cannot be checked",
            reason.clone(),
        )),
        KuredOutcome::Rejected { reason } => findings.push(Finding::error(
            Field::Kured(kured.settings_field),
            "kured would exit at start-up",
            reason.clone(),
        )),
        KuredOutcome::Unreachable(u) => findings.push(Finding::error(
            Field::Kured(kured.settings_field),
            "kured's sentinel never reaches the node",
            format!("{u}\n\nkured's chain:\n{kured_chain}"),
        )),
    }

    if let Some(declared) = &declared {
        if gate.canonical != *declared {
            findings.push(Finding::error(
                Field::Gate(GateField::SentinelPath),
                format!(
                    "the gate writes {}, not sentinel_host_path {}",
                    gate.node_path,
                    policy.sentinel_host_path.as_deref().unwrap_or_default()
                ),
                format!("The gate's chain:\n{gate_chain}"),
            ));
        }
    }
    if gate.read_only {
        findings.push(Finding::error(
            Field::Gate(GateField::ReadOnly),
            "the gate's mount is read-only, so the gate cannot write its sentinel",
            format!(
                "The gate's chain:\n{gate_chain}\n\nMount the directory read-write in the gate."
            ),
        ));
    }

    check_settings(policy, kured, &mut report);
    let target = policy
        .sentinel_host_path
        .clone()
        .unwrap_or_else(|| gate.node_path.clone());
    report.recommended_values = recommendation(kured, &target);
    report
}

/// A warning for nodes that run kured but no ready gate pod (known only in live mode).
pub fn nodes_without_gate_finding(nodes: &[String]) -> Option<Finding> {
    (!nodes.is_empty()).then(|| {
        Finding::warning(
            Field::Gate(GateField::Whole),
            format!("{} node(s) run kured but no ready gate pod: they will never reboot", nodes.len()),
            format!(
                "No ready gate pod writes the gated sentinel on: {}. Check the gate DaemonSet's node selector, tolerations and readiness.",
                nodes.join(", ")
            ),
        )
    })
}

/// The recommended chart values, in chart mode, for a target node file.
pub fn recommendation(kured: &KuredAnalysis, target: &str) -> Option<String> {
    let chart = kured.modelled_chart?;
    recommended::recommended_values(chart, &clean(target)).ok()
}

fn check_settings(policy: &PolicyInput, kured: &KuredAnalysis, report: &mut PolicyReport) {
    let field = Field::Kured(kured.settings_field);
    let Some(settings) = &kured.settings else {
        return;
    };
    let findings = &mut report.findings;
    for unknowable in &settings.unknowable {
        findings.push(Finding::warning(
            field,
            "a kured setting cannot be checked",
            unknowable.reason.clone(),
        ));
    }
    match &settings.window {
        Setting::Known(window) => report.reboot_window = Some(window.summary()),
        Setting::Invalid(errors) => findings.push(Finding::error(
            field,
            "kured's reboot window is invalid: kured would exit at start-up or never reboot",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )),
        Setting::Unknowable => {}
    }
    for err in settings.errors() {
        findings.push(Finding::error(
            field,
            format!(
                "kured's {} is invalid: kured would exit at start-up",
                err.flag
            ),
            err.to_string(),
        ));
    }
    if let (Setting::Known(window), Setting::Known(period)) = (&settings.window, &settings.period) {
        let opening = window.longest_opening();
        if !period.is_zero() && opening < *period {
            findings.push(Finding::warning(
                field,
                "kured may never look inside its reboot window",
                format!(
                    "The window is open for {opening} at a time but kured checks only every {period} (--period), starting at a random moment; make the window longer than the period."
                ),
            ));
        }
    }
    if let Setting::Known(timeout) = &settings.drain_timeout {
        report.drain_timeout = Some(timeout.to_string());
        if timeout.is_zero() || timeout.is_negative() {
            if policy.known_drain_blockers.is_empty() {
                findings.push(Finding::warning(
                    field,
                    "kured's drain timeout is unbounded",
                    "With --drain-timeout 0 (the default) a drain that a PodDisruptionBudget refuses waits forever and the node is never rebooted. Set configuration.drainTimeout (for example 30m).",
                ));
            } else {
                findings.push(Finding::error(
                    Field::KnownDrainBlockers,
                    "kured's drain timeout is unbounded and these budgets block every drain",
                    format!(
                        "Blocking budgets: {}.\nWith --drain-timeout 0 (the default) the first drain of a node that runs their pods waits forever. Set configuration.drainTimeout (for example 30m), or fix the budgets (more replicas, or maxUnavailable of at least 1).",
                        policy.known_drain_blockers.join(", ")
                    ),
                ));
            }
        }
    }
}

fn chart_finding(err: ChartError) -> Finding {
    use crate::chart::values::ValuesError;
    let field = match &err {
        ChartError::Version(_) | ChartError::Unsupported { .. } => KuredField::ChartVersion,
        ChartError::Values(
            ValuesError::Yaml { index, .. } | ValuesError::NotAMap { index, .. },
        ) => KuredField::Values(Some(*index)),
        _ => KuredField::Values(None),
    };
    let summary = match field {
        KuredField::ChartVersion => "unsupported kured chart version",
        _ => "kured chart values cannot be rendered",
    };
    Finding::error(Field::Kured(field), summary, err.to_string())
}

fn manifest_finding(err: ManifestError, kured: bool) -> Finding {
    let (field, what) = if kured {
        (Field::Kured(KuredField::Manifest), "kured")
    } else {
        (Field::Gate(GateField::Manifest), "gate")
    };
    Finding::error(
        field,
        format!("the {what} DaemonSet manifest cannot be read"),
        err.to_string(),
    )
}

fn container_names(template: &PodTemplate) -> String {
    let names: Vec<&str> = template
        .containers
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    names.join(", ")
}

/// kured's version from an image reference such as `ghcr.io/kubereboot/kured:1.21.0` or
/// `...:1.21.0@sha256:...`.
pub fn image_version(image: Option<&str>) -> Option<Version> {
    let image = image?;
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    let (_, tag) = last.split_once(':')?;
    tag.parse().ok()
}

fn bullet(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| format!("  - {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests;
