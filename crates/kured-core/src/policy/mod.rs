//! A gated reboot policy, evaluated: where kured and the gate really look on the node,
//! whether that is the same file, and whether kured would start, open its window and
//! finish its drains.
//!
//! The resource enforces every finding; the data source reports paths and fails only on
//! input it cannot read. Both share [`analyse_kured`] and [`analyse_gate`].
//!
//! - [`finding`]: what a check finds, with a code, a severity and a fix;
//! - [`resolve`]: kured's and the gate's files, followed to the node;
//! - [`sources`]: where each kured setting is written, for findings about it;
//! - [`settings_findings`]: kured's settings checked (window, flags, blockers);
//! - [`drain`]: what known drain blockers do to kured's drains;
//! - [`values_notes`]: chart values Helm would take other than as meant.

pub mod drain;
pub mod finding;
pub mod fragments;
pub mod resolve;
pub mod settings_findings;
pub mod sources;
pub mod values_notes;

use crate::base::node_path::{HostPathAliases, base, clean, dir};
use crate::base::version::Version;
use crate::chart::recommended;
use crate::chart::set::SetEntry;
use crate::chart::{self, ChartError, ChartRequest};
use crate::k8s::container::{PodTemplate, VolumeSource};
use crate::k8s::manifest::{self, ManifestError};
use crate::k8s::mounts::DeclaredMount;
use crate::kured::flags::KuredFlags;
use crate::kured::settings::KuredSettings;
use crate::policy::resolve::{
    GateError, GatePath, KuredOutcome, ResolveError, check_host_path_dir,
};

pub use finding::{
    Change, Field, Finding, FindingKind, Fix, Fragment, FragmentTarget, GateField, KuredField,
    Severity,
};
pub use sources::SettingSources;

/// kured's own default for the ungated sentinel.
pub const DEFAULT_UPSTREAM_SENTINEL: &str = "/var/run/reboot-required";

/// How kured is described.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KuredSource {
    /// Installed from the kured Helm chart with these values and `set` entries.
    Chart {
        chart_version: String,
        values: Vec<String>,
        sets: Vec<SetEntry>,
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

impl KuredSource {
    /// The chart release to render, for a chart install: the release is named `kured` in
    /// `kube-system`, as the chart's own instructions install it.
    pub fn chart_request(&self) -> Option<ChartRequest> {
        match self {
            KuredSource::Chart {
                chart_version,
                values,
                sets,
                image_tag,
            } => Some(ChartRequest {
                chart_version: chart_version.clone(),
                values: values.clone(),
                sets: sets.clone(),
                image_tag: image_tag.clone(),
                release_name: "kured".to_string(),
                namespace: "kube-system".to_string(),
            }),
            KuredSource::Manifest { .. } => None,
        }
    }
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
    /// Input-level findings (a chart newer than the model, an unreadable image tag, a
    /// hostPath that is not a directory).
    pub warnings: Vec<Finding>,
    /// Where kured's settings and sentinel are written, for findings about them.
    pub sources: SettingSources,
}

/// Reads kured's description: renders the chart or parses the manifest, finds the
/// sentinel and the settings. An `Err` is input that cannot be read at all.
pub fn analyse_kured(
    input: &KuredInput,
    aliases: &HostPathAliases,
) -> Result<KuredAnalysis, Finding> {
    analyse_kured_with(input, aliases, &chart::Uncached)
}

/// [`analyse_kured`], with the chart rendered by `renderer`: a [`chart::RenderCache`]
/// renders each distinct release once for every policy that describes it.
pub fn analyse_kured_with(
    input: &KuredInput,
    aliases: &HostPathAliases,
    renderer: &dyn chart::Render,
) -> Result<KuredAnalysis, Finding> {
    let mut warnings = Vec::new();
    let (template, app_version, modelled_chart, provenance) = match &input.source {
        KuredSource::Chart { .. } => {
            // `Some` for every chart install.
            let request = input.source.chart_request().unwrap_or_default();
            let rendered = renderer.render(&request).map_err(chart_finding)?;
            let notes = rendered
                .version_warnings
                .iter()
                .map(|note| {
                    (
                        FindingKind::ChartVersionNotModelled,
                        KuredField::ChartVersion,
                        note,
                    )
                })
                .chain(
                    rendered
                        .warnings
                        .iter()
                        .map(|note| (FindingKind::ChartNote, KuredField::Values(None), note)),
                );
            for (kind, field, note) in notes {
                // The note's first clause is its gist; the whole note is the detail.
                let gist = note.split(';').next().unwrap_or(note);
                warnings.push(Finding::new(
                    kind,
                    Field::Kured(field),
                    format!("kured chart {}: {gist}", rendered.modelled_as),
                    note.clone(),
                ));
            }
            for note in &rendered.set_notes {
                warnings.push(Finding::new(
                    FindingKind::ChartNote,
                    Field::Kured(KuredField::Set {
                        attribute: note.attribute,
                        index: note.index,
                        part: note.part,
                    }),
                    format!(
                        "kured chart {}: {}[{}] has no effect",
                        rendered.modelled_as, note.attribute, note.index
                    ),
                    note.message.clone(),
                ));
            }
            warnings.extend(values_notes::findings(
                rendered.release,
                &rendered.values_notes,
            ));
            (
                rendered.template.clone(),
                rendered.app_version,
                Some(rendered.modelled_as),
                Some(rendered.provenance.clone()),
            )
        }
        KuredSource::Manifest { text } => {
            let parsed = manifest::parse_daemonset(text).map_err(|e| manifest_finding(e, true))?;
            let container = parsed.template.container(&input.container).ok_or_else(|| {
                Finding::new(
                    FindingKind::ContainerNotFound,
                    Field::Kured(KuredField::Container),
                    format!("no container {:?} in the kured DaemonSet", input.container),
                    format!(
                        "The DaemonSet {} has the containers {}.",
                        parsed.name,
                        container_names(&parsed.template)
                    ),
                )
                .with_fix(Fix::set("kured.container", "the container that runs kured"))
            })?;
            let app_version = image_version(container.image.as_deref());
            if app_version.is_none() {
                warnings.push(
                    Finding::new(
                        FindingKind::KuredVersionUnknown,
                        Field::Kured(KuredField::Manifest),
                        "kured's version cannot be read from its image",
                        format!(
                            "The image {:?} has no version tag, so the newest kured behaviour is assumed (sentinel checked inside the container, environment overriding flags).",
                            container.image.as_deref().unwrap_or("")
                        ),
                    )
                    .with_fix(Fix::set(
                        "the kured container's image",
                        "a release tag such as ghcr.io/kubereboot/kured:1.21.0",
                    )),
                );
            }
            (parsed.template, app_version, None, None)
        }
    };

    let resolution =
        resolve::resolve_kured_sentinel(&template, &input.container, app_version, aliases)
            .map_err(|e| match e {
                ResolveError::ContainerNotFound { .. } => Finding::new(
                    FindingKind::ContainerNotFound,
                    Field::Kured(KuredField::Container),
                    "kured container not found",
                    e.to_string(),
                ),
            })?;
    let settings = read_settings(&template, &input.container, app_version);
    let sources = match (provenance, modelled_chart) {
        (Some(provenance), Some(chart)) => {
            SettingSources::chart(&provenance, chart, settings.as_ref())
        }
        _ => SettingSources::manifest(template.container(&input.container), settings.as_ref()),
    };
    check_kured_host_paths(
        &template,
        &input.container,
        sources.sentinel_field(),
        &mut warnings,
    );
    Ok(KuredAnalysis {
        app_version,
        modelled_chart,
        outcome: resolution.outcome,
        chain: resolution.steps,
        settings,
        warnings,
        sources,
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
                    // A chart derives the path; a manifest writes it.
                    let (detail, fix) = match field {
                        KuredField::Values(_) => (
                            format!(
                                "{err}. The kured chart derives this hostPath from dir(configuration.rebootSentinel)."
                            ),
                            Fix::set(
                                "configuration.rebootSentinel",
                                "the absolute node path of the gated sentinel, for example /var/run/gated-reboot-required",
                            ),
                        ),
                        _ => (
                            format!("{err}."),
                            Fix::set(
                                format!("hostPath.path of volume {:?}", volume.name),
                                "the absolute node directory that holds the gated sentinel, for example /var/run",
                            ),
                        ),
                    };
                    findings.push(
                        Finding::new(
                            FindingKind::HostPathNotAbsolute,
                            Field::Kured(field),
                            format!(
                                "kured's volume {:?} has hostPath {path:?}, which is not an absolute directory",
                                volume.name
                            ),
                            detail,
                        )
                        .with_fix(fix),
                    );
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
                        return Err(Finding::new(
                            FindingKind::GateContainerAmbiguous,
                            Field::Gate(GateField::Container),
                            "gate.container is needed",
                            format!(
                                "The gate DaemonSet {} has several containers ({}).",
                                parsed.name,
                                container_names(&parsed.template)
                            ),
                        )
                        .with_fix(Fix::set(
                            "gate.container",
                            "the container that writes the sentinel",
                        )));
                    }
                },
            };
            resolve::resolve_gate_path(&parsed.template, &name, &input.sentinel_path, aliases)
        }
    };
    result.map_err(|err| match err {
        GateError::Resolve(e) => Finding::new(
            FindingKind::ContainerNotFound,
            Field::Gate(GateField::Container),
            "gate container not found",
            e.to_string(),
        ),
        GateError::Unreachable(u) => Finding::new(
            FindingKind::GateSentinelUnreachable,
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
        self.findings
            .iter()
            .any(|f| f.severity() == Severity::Error)
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
    check_sentinels(policy, kured, gate, aliases, &mut report.findings);
    if let Some(settings) = &kured.settings {
        report.reboot_window = settings.window.known().map(ToString::to_string);
        report.drain_timeout = settings.drain_timeout.known().map(ToString::to_string);
        report
            .findings
            .extend(settings_findings::check(settings, &kured.sources));
        report.findings.extend(drain::check(
            &policy.known_drain_blockers,
            settings,
            &kured.sources,
        ));
    }
    let target = policy
        .sentinel_host_path
        .clone()
        .unwrap_or_else(|| gate.node_path.clone());
    report.recommended_values = recommendation(kured, &target);
    report
}

/// The two node files against each other and against the declared ones.
fn check_sentinels(
    policy: &PolicyInput,
    kured: &KuredAnalysis,
    gate: &GatePath,
    aliases: &HostPathAliases,
    findings: &mut Vec<Finding>,
) {
    let upstream = aliases.canonical(&policy.upstream_sentinel_host_path);
    let declared = policy
        .sentinel_host_path
        .as_deref()
        .map(|p| aliases.canonical(p));
    let kured_chain = bullet(&kured.chain);
    let gate_chain = bullet(&gate.steps);
    let example = "/var/run/gated-reboot-required";

    for (field, name, path) in [
        (
            Field::SentinelHostPath,
            "sentinel_host_path",
            policy.sentinel_host_path.as_deref(),
        ),
        (
            Field::UpstreamSentinelHostPath,
            "upstream_sentinel_host_path",
            Some(policy.upstream_sentinel_host_path.as_str()),
        ),
    ] {
        if let Some(path) = path {
            if !path.starts_with('/') {
                findings.push(
                    Finding::new(
                        FindingKind::NodePathNotAbsolute,
                        field,
                        format!("{path:?} is not an absolute node path"),
                        "A node file is written from the root of the node's filesystem.",
                    )
                    .with_fix(Fix::set(
                        name,
                        format!("an absolute path such as {example}"),
                    )),
                );
            }
        }
    }
    if declared.as_deref() == Some(upstream.as_str()) {
        findings.push(
            Finding::new(
                FindingKind::DeclaredPathUngated,
                Field::SentinelHostPath,
                "sentinel_host_path is the ungated sentinel",
                format!(
                    "sentinel_host_path and upstream_sentinel_host_path are the same node file ({upstream}). The gated file must be a different file that only the gate writes."
                ),
            )
            .with_fix(Fix::set("sentinel_host_path", example)),
        );
    }

    let kured_field = Field::Kured(kured.sources.sentinel_field());
    let sentinel_fix = |target: &str| watch_fix(kured, target);
    match &kured.outcome {
        KuredOutcome::NodeFile { node_path, canonical, .. } => {
            if *canonical == upstream {
                findings.push(
                    Finding::new(
                        FindingKind::GateBypassed,
                        kured_field,
                        format!("kured watches the ungated sentinel {node_path}: the gate is bypassed"),
                        format!(
                            "kured reboots as soon as {} exists, whatever the gate decides; it must watch the file the gate writes ({}).\n\nkured's chain:\n{kured_chain}",
                            policy.upstream_sentinel_host_path, gate.node_path
                        ),
                    )
                    .with_fix(sentinel_fix(&gate.node_path)),
                );
            } else if let Some(declared) = &declared {
                if canonical != declared {
                    let declared_path = policy.sentinel_host_path.as_deref().unwrap_or_default();
                    findings.push(
                        Finding::new(
                            FindingKind::KuredPathMismatch,
                            kured_field,
                            format!("kured watches {node_path}, not sentinel_host_path {declared_path}"),
                            format!("kured's chain:\n{kured_chain}"),
                        )
                        .with_fix(sentinel_fix(declared_path)),
                    );
                }
            } else if *canonical != gate.canonical {
                findings.push(
                    Finding::new(
                        FindingKind::SentinelDivergence,
                        kured_field,
                        format!(
                            "kured watches {node_path} but the gate writes {}: no node will ever reboot",
                            gate.node_path
                        ),
                        format!(
                            "kured and the gate resolve to different node files.\n\nkured's chain:\n{kured_chain}\n\nThe gate's chain:\n{gate_chain}"
                        ),
                    )
                    .with_fix(sentinel_fix(&gate.node_path)),
                );
            }
        }
        KuredOutcome::Command { command } => findings.push(Finding::new(
            FindingKind::SentinelCommand,
            kured_field,
            "kured uses a sentinel command, which cannot be checked",
            format!(
                "kured runs {command:?} on the node instead of testing a file, so whether it sees the gate's file ({}) cannot be decided here.",
                gate.node_path
            ),
        )),
        KuredOutcome::Unknowable { reason } => findings.push(Finding::new(
            FindingKind::SentinelUnknowable,
            kured_field,
            "kured's sentinel cannot be checked",
            reason.clone(),
        )),
        KuredOutcome::Rejected { reason } => findings.push(Finding::new(
            FindingKind::KuredArgsRejected,
            Field::Kured(kured.sources.whole_field()),
            "kured would exit at start-up",
            reason.clone(),
        )),
        KuredOutcome::Unreachable(u) => findings.push(
            Finding::new(
                FindingKind::KuredSentinelUnreachable,
                kured_field,
                "kured's sentinel never reaches the node",
                format!("{u}\n\nkured's chain:\n{kured_chain}"),
            )
            .with_fix(sentinel_fix(&gate.node_path)),
        ),
    }

    if let Some(declared) = &declared {
        if gate.canonical != *declared {
            let declared_path = policy.sentinel_host_path.as_deref().unwrap_or_default();
            findings.push(Finding::new(
                FindingKind::GatePathMismatch,
                Field::Gate(GateField::SentinelPath),
                format!(
                    "the gate writes {}, not sentinel_host_path {declared_path}",
                    gate.node_path
                ),
                format!("The gate's chain:\n{gate_chain}"),
            ));
        }
    }
    if gate.read_only {
        let (field, fix) = match &gate.mount {
            Some(mount) => (
                GateField::Manifest,
                Fix::set(
                    format!(
                        "readOnly of the volumeMount at {} of container {:?}",
                        mount.mount_path, mount.container
                    ),
                    "false",
                )
                .pasting(Some(fragments::gate_writable_patch(
                    &mount.container,
                    &mount.mount_path,
                ))),
            ),
            None => (GateField::ReadOnly, Fix::set("gate.read_only", "false")),
        };
        findings.push(
            Finding::new(
                FindingKind::GateReadOnly,
                Field::Gate(field),
                "the gate's mount is read-only, so the gate cannot write its sentinel",
                format!("The gate's chain:\n{gate_chain}"),
            )
            .with_fix(fix),
        );
    }
}

/// The change that makes kured watch the node file `target`, with what to paste: the
/// values for this chart band and kured version, or a patch of the DaemonSet.
fn watch_fix(kured: &KuredAnalysis, target: &str) -> Fix {
    let in_container = kured
        .app_version
        .is_none_or(|v| v >= crate::kured::sentinel::CONTAINER_CHECK_SINCE);
    match (&kured.modelled_chart, &kured.sources) {
        (Some(chart), _) => Fix::set("configuration.rebootSentinel", target).pasting(
            recommended::recommended_values_for(*chart, kured.app_version, &clean(target))
                .ok()
                .map(fragments::values_text),
        ),
        (None, SettingSources::Manifest { container, .. }) => {
            let value = if in_container {
                format!(
                    "/sentinel/{} with the node directory {} mounted at /sentinel",
                    base(target),
                    dir(target)
                )
            } else {
                format!(
                    "{target} (kured {} checks the node's filesystem)",
                    kured
                        .app_version
                        .map_or_else(String::new, |v| v.to_string())
                )
            };
            Fix::set("--reboot-sentinel", value).pasting(
                container
                    .as_deref()
                    .map(|c| fragments::sentinel_patch(c, target, in_container)),
            )
        }
        (None, SettingSources::Chart { .. }) => Fix::set(
            "--reboot-sentinel",
            format!("a container path that a hostPath mount maps to {target}"),
        ),
    }
}

/// Nodes that run kured but no ready gate pod (known only in live mode): an error, or a
/// warning when `allow` says a rollout of the gate is under way.
pub fn nodes_without_gate_finding(nodes: &[String], allow: bool) -> Option<Finding> {
    (!nodes.is_empty()).then(|| {
        let finding = Finding::new(
            FindingKind::NodesWithoutGate,
            // Known only in live mode: on the gate's DaemonSet, by its name.
            Field::Gate(GateField::Manifest),
            format!(
                "{} node(s) run kured but no ready gate pod: they will never reboot ({})",
                nodes.len(),
                nodes.join(", ")
            ),
            format!(
                "No ready gate pod writes the gated sentinel on: {}. Check the gate DaemonSet's node selector, tolerations and readiness. While the gate is still rolling out to these nodes, allow_ungated_nodes = true keeps this a warning.",
                nodes.join(", ")
            ),
        );
        if allow { finding.allowed() } else { finding }
    })
}

/// The recommended chart values, in chart mode, for a target node file.
pub fn recommendation(kured: &KuredAnalysis, target: &str) -> Option<String> {
    let chart = kured.modelled_chart?;
    recommended::recommended_values_for(chart, kured.app_version, &clean(target)).ok()
}

fn chart_finding(err: ChartError) -> Finding {
    use crate::chart::values::ValuesError;
    let field = match &err {
        ChartError::Version(_) | ChartError::Unsupported { .. } => KuredField::ChartVersion,
        ChartError::Values(
            ValuesError::Yaml { index, .. } | ValuesError::NotAMap { index, .. },
        ) => KuredField::Values(Some(*index)),
        ChartError::Values(ValuesError::Set(e)) => KuredField::Set {
            attribute: e.attribute,
            index: e.index,
            part: e.part,
        },
        _ => KuredField::Values(None),
    };
    let (kind, summary) = match field {
        KuredField::ChartVersion => (
            FindingKind::ChartVersionUnsupported,
            "unsupported kured chart version",
        ),
        _ => (
            FindingKind::ChartValuesInvalid,
            "kured chart values cannot be rendered",
        ),
    };
    Finding::new(kind, Field::Kured(field), summary, err.to_string())
}

fn manifest_finding(err: ManifestError, kured: bool) -> Finding {
    let (field, what) = if kured {
        (Field::Kured(KuredField::Manifest), "kured")
    } else {
        (Field::Gate(GateField::Manifest), "gate")
    };
    Finding::new(
        FindingKind::ManifestUnreadable,
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
