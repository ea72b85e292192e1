//! What a policy check finds: a [`FindingKind`] with a stable code and severity, the
//! argument at fault, English for people and a [`Fix`].
//!
//! Codes are the findings' identity: they are kebab-case, never reused for another
//! meaning, and listed in the resource's documentation. Tests and users match codes, not
//! sentences.

use std::fmt;

use crate::chart::provenance::ValuesEntry;
use crate::chart::set::{SetAttribute, SetPart};
use crate::kured::settings::Flag;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The plan fails.
    Error,
    /// Shown, and listed in the resource's `warnings`.
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

/// An argument of the `kured` block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KuredField {
    ChartVersion,
    /// The values entry at fault; the whole list when no entry is (a chart default).
    Values(Option<usize>),
    /// A part of a `set`, `set_list` or `set_sensitive` entry.
    Set {
        attribute: SetAttribute,
        index: usize,
        part: SetPart,
    },
    Manifest,
    Container,
}

impl KuredField {
    /// The argument behind a setting that `entry` wrote (the value of a `set` entry);
    /// the whole `values` list when no entry did (a chart default).
    pub fn written_by(entry: Option<ValuesEntry>) -> KuredField {
        match entry {
            None => KuredField::Values(None),
            Some(ValuesEntry::Values(index)) => KuredField::Values(Some(index)),
            Some(ValuesEntry::Set(attribute, index)) => KuredField::Set {
                attribute,
                index,
                part: SetPart::Value,
            },
        }
    }
}

/// An argument of the `gate` block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateField {
    SentinelPath,
    ReadOnly,
    Manifest,
    Container,
}

/// Declares [`FindingKind`] with each kind's code, severity and meaning in one table.
macro_rules! finding_kinds {
    ($($(#[$doc:meta])* $kind:ident => $code:literal, $severity:ident, $meaning:literal;)*) => {
        /// Every rule of the policy, one kind per thing it can find.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum FindingKind {
            $($(#[$doc])* $kind,)*
        }

        impl FindingKind {
            /// Every kind, in the order of the documentation.
            pub const ALL: &'static [FindingKind] = &[$(FindingKind::$kind,)*];

            /// The stable kebab-case code.
            pub const fn code(self) -> &'static str {
                match self {
                    $(FindingKind::$kind => $code,)*
                }
            }

            /// Whether the plan fails.
            pub const fn severity(self) -> Severity {
                match self {
                    $(FindingKind::$kind => Severity::$severity,)*
                }
            }

            /// What the finding means, in one sentence (for documentation).
            pub const fn meaning(self) -> &'static str {
                match self {
                    $(FindingKind::$kind => $meaning,)*
                }
            }
        }
    };
}

finding_kinds! {
    /// The chart version is not a version, or is older than the oldest modelled.
    ChartVersionUnsupported => "chart-version-unsupported", Error,
        "The chart version is not a version, or is older than the oldest chart modelled.";
    /// The values cannot be rendered by the chart.
    ChartValuesInvalid => "chart-values-invalid", Error,
        "The chart values are not valid YAML, or the chart cannot render them.";
    /// The chart version is rendered as another release.
    ChartVersionNotModelled => "chart-version-not-modelled", Warning,
        "The chart version is newer than the newest modelled, or was never released, so another release's templates are modelled.";
    /// The chart renders, with something worth knowing.
    ChartNote => "chart-note", Warning,
        "The chart renders, but with something worth knowing (an image tag that is not a version, a value the template turns into something else).";
    /// A values key the chart has no such key for.
    UnknownValuesKey => "unknown-values-key", Warning,
        "A values key under one of the chart's own sections is one no chart release reads (a typo, or a key the chart never had), so Helm ignores it.";
    /// A values key of other chart releases.
    ValuesKeyNotInRelease => "values-key-not-in-release", Warning,
        "A values key that other chart releases read but this one does not, so Helm ignores it.";
    /// A quoted boolean.
    QuotedBoolean => "quoted-boolean", Warning,
        "A boolean value is written as a string such as \"false\", which Helm's templates read as true.";
    /// A number where the chart prints a string.
    NumberForString => "number-for-string", Warning,
        "A number where the chart expects a string: Helm prints it as Go's float64 (`1000000` becomes `1e+06`).";
    /// A single value where the chart expects a list.
    ScalarForList => "scalar-for-list", Warning,
        "A single value where the chart ranges over a list.";
    /// A DaemonSet manifest cannot be read.
    ManifestUnreadable => "manifest-unreadable", Error,
        "A DaemonSet manifest (given, or read from the cluster) cannot be read.";
    /// The named container is not in the DaemonSet.
    ContainerNotFound => "container-not-found", Error,
        "The container named to run kured, or to write the gate's file, is not in the DaemonSet.";
    /// The gate's DaemonSet has several containers and none is named.
    GateContainerAmbiguous => "gate-container-ambiguous", Error,
        "The gate's DaemonSet has several containers and `gate.container` names none.";
    /// kured's image has no version tag.
    KuredVersionUnknown => "kured-version-unknown", Warning,
        "kured's image has no version tag, so the newest kured behaviour is assumed.";
    /// A hostPath of kured's is not an absolute directory.
    HostPathNotAbsolute => "host-path-not-absolute", Error,
        "A hostPath volume of kured's is not an absolute directory, so its pod cannot start.";
    /// A declared node path is relative.
    NodePathNotAbsolute => "node-path-not-absolute", Error,
        "`sentinel_host_path` or `upstream_sentinel_host_path` is not an absolute node path.";
    /// The declared gated file is the ungated one.
    DeclaredPathUngated => "declared-path-ungated", Error,
        "`sentinel_host_path` is the ungated sentinel itself.";
    /// kured watches the ungated sentinel.
    GateBypassed => "gate-bypassed", Error,
        "kured watches the ungated sentinel, so it reboots whatever the gate decides.";
    /// kured watches another file than the declared one.
    KuredPathMismatch => "kured-path-mismatch", Error,
        "kured watches a node file other than `sentinel_host_path`.";
    /// kured and the gate meet on no file.
    SentinelDivergence => "sentinel-divergence", Error,
        "kured and the gate resolve to different node files, so no node ever reboots.";
    /// The gate writes another file than the declared one.
    GatePathMismatch => "gate-path-mismatch", Error,
        "The gate writes a node file other than `sentinel_host_path`.";
    /// kured runs a sentinel command.
    SentinelCommand => "sentinel-command", Warning,
        "kured runs a sentinel command, whose answer cannot be checked.";
    /// kured's sentinel depends on what only the cluster knows.
    SentinelUnknowable => "sentinel-unknowable", Warning,
        "kured's sentinel depends on something only the cluster knows.";
    /// kured refuses its arguments.
    KuredArgsRejected => "kured-args-rejected", Error,
        "kured's flag parser refuses its arguments, so kured exits at start-up.";
    /// kured's sentinel never reaches the node.
    KuredSentinelUnreachable => "kured-sentinel-unreachable", Error,
        "The file kured checks is not a node file (no hostPath mount reaches it).";
    /// The gate's file never reaches the node.
    GateSentinelUnreachable => "gate-sentinel-unreachable", Error,
        "The file the gate writes is not a node file.";
    /// The gate cannot write.
    GateReadOnly => "gate-read-only", Error,
        "The gate's mount is read-only, so it cannot write its file.";
    /// Some nodes run kured but no ready gate pod.
    NodesWithoutGate => "nodes-without-gate", Error,
        "Some nodes run kured but no ready gate pod, so they never reboot (live mode); a warning with `allow_ungated_nodes`.";
    /// A setting's value only the cluster knows.
    SettingUnknowable => "setting-unknowable", Warning,
        "A kured setting comes from `valueFrom`, so only the cluster knows it.";
    /// kured ignores a variable.
    EnvIgnored => "env-ignored", Warning,
        "A `KURED_*` variable is set that kured ignores.";
    /// The reboot window is refused.
    WindowInvalid => "window-invalid", Error,
        "A reboot window setting is invalid, so kured exits at start-up.";
    /// The reboot window never opens.
    WindowNeverOpens => "window-never-opens", Error,
        "`--reboot-days` names no day, so kured runs and never reboots.";
    /// A period at or below zero.
    PeriodNotPositive => "period-not-positive", Error,
        "`--period` is 0 or negative, so kured checks once after it starts and never again.";
    /// kured may never check inside the window.
    WindowShorterThanPeriod => "window-shorter-than-period", Warning,
        "The reboot window is shorter than `--period`, so kured may never check inside it.";
    /// A flag's value is refused.
    FlagInvalid => "flag-invalid", Error,
        "A flag's value is refused by kured's flag parser, so kured exits at start-up.";
    /// The drain selector fails every drain.
    DrainSelectorInvalid => "drain-selector-invalid", Error,
        "`--drain-pod-selector` is not a label selector, so every drain fails.";
    /// A blocker that never lets go.
    BlockerAlwaysHolds => "blocker-always-holds", Error,
        "A `--blocking-pod-selector` or `--prometheus-url` blocks every reboot: its query fails, or it matches kured's own pod.";
    /// `--concurrency` below one.
    ConcurrencyBelowOne => "concurrency-below-one", Warning,
        "`--concurrency` is below 1; kured then lets one node reboot at a time.";
    /// A negative drain timeout.
    DrainTimeoutNegative => "drain-timeout-negative", Error,
        "`--drain-timeout` is negative, so every drain fails at once.";
    /// An unbounded drain timeout.
    DrainTimeoutUnbounded => "drain-timeout-unbounded", Warning,
        "`--drain-timeout` is 0: a drain that a budget refuses waits forever.";
    /// Known drain blockers with an unbounded drain.
    DrainHangs => "drain-hangs", Error,
        "Known drain blockers with `--drain-timeout` 0: the drain never returns, the node stays cordoned and kured holds the lock.";
    /// Known drain blockers with a bounded drain and no force.
    BlockedNodesNeverReboot => "blocked-nodes-never-reboot", Error,
        "Known drain blockers with a drain timeout and no `--force-reboot`: each drain times out, so their nodes never reboot and are cordoned for the timeout every period.";
    /// Known drain blockers with a forced reboot.
    ForcedRebootViolatesBudgets => "forced-reboot-violates-budgets", Warning,
        "Known drain blockers with `--force-reboot` and a drain timeout: their nodes reboot by force and the budgets are violated.";
}

impl FindingKind {
    /// The kind with this code.
    pub fn from_code(code: &str) -> Option<FindingKind> {
        FindingKind::ALL.iter().copied().find(|k| k.code() == code)
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One change that resolves a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The setting as the user writes it (`configuration.drainTimeout`, `--drain-timeout`,
    /// `sentinel_host_path`, `spec.maxUnavailable of PodDisruptionBudget apps/web`).
    pub setting: String,
    /// A value that would be right.
    pub value: String,
}

/// Where a [`Fragment`] goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FragmentTarget {
    /// One more entry of the chart's `values`, after the others (Helm merges it last).
    Values,
    /// A strategic-merge patch of the kured DaemonSet (`kubectl patch --type strategic`);
    /// for a manifest, the same edit made in it.
    DaemonSetPatch,
    /// The same, of the gate's DaemonSet.
    GateDaemonSetPatch,
}

/// The fix as text the user can paste.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fragment {
    /// Where it goes.
    pub target: FragmentTarget,
    /// YAML.
    pub text: String,
}

/// How to make a finding go away: every change listed, together.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Fix {
    /// The changes, all needed.
    pub changes: Vec<Change>,
    /// The changes to kured as one fragment to paste, where the model can write them.
    pub fragment: Option<Box<Fragment>>,
}

impl Fix {
    /// A fix of one change.
    pub fn set(setting: impl Into<String>, value: impl Into<String>) -> Fix {
        Fix::default().and(setting, value)
    }

    /// This fix plus one more change.
    pub fn and(mut self, setting: impl Into<String>, value: impl Into<String>) -> Fix {
        self.changes.push(Change {
            setting: setting.into(),
            value: value.into(),
        });
        self
    }

    /// This fix, with its fragment to paste (none when `fragment` is `None`).
    pub fn pasting(mut self, fragment: Option<Fragment>) -> Fix {
        self.fragment = fragment.map(Box::new);
        self
    }
}

/// `set configuration.drainTimeout to 30m; and set ...`.
impl fmt::Display for Fix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, change) in self.changes.iter().enumerate() {
            if i > 0 {
                f.write_str("; and ")?;
            }
            write!(f, "set {} to {}", change.setting, change.value)?;
        }
        Ok(())
    }
}

/// One thing a check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What was found; its code is the finding's identity.
    pub kind: FindingKind,
    /// The argument at fault.
    pub field: Field,
    /// The kured flag the finding is about, if one is.
    pub flag: Option<Flag>,
    /// One line, naming what was found.
    pub summary: String,
    /// Why it matters, with the evidence (chains, values, budgets).
    pub detail: String,
    /// The change that resolves it, where the model knows one.
    pub fix: Option<Fix>,
    /// The kind's severity, unless the user allowed the finding (see [`Finding::allowed`]).
    severity: Severity,
}

impl Finding {
    /// A finding of `kind` on `field`.
    pub fn new(
        kind: FindingKind,
        field: Field,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Finding {
            kind,
            field,
            flag: None,
            summary: summary.into(),
            detail: detail.into(),
            fix: None,
            severity: kind.severity(),
        }
    }

    /// The same finding as a warning: the user accepted it for now (an argument such as
    /// `allow_ungated_nodes` says so), so it is shown but does not fail the plan.
    pub fn allowed(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// The same finding, about kured's `flag`.
    pub fn about(mut self, flag: Flag) -> Self {
        self.flag = Some(flag);
        self
    }

    /// The same finding, with a fix.
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// The kind's code.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// How bad it is: the kind's severity, or a warning once allowed.
    pub fn severity(&self) -> Severity {
        self.severity
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_kebab_case_and_read_back() {
        let mut seen = HashSet::new();
        for kind in FindingKind::ALL {
            let code = kind.code();
            assert!(seen.insert(code), "duplicate {code}");
            assert!(
                code.split('-')
                    .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase())),
                "{code} is not kebab-case"
            );
            assert_eq!(FindingKind::from_code(code), Some(*kind));
            assert!(kind.meaning().ends_with('.'), "{code}");
        }
        assert_eq!(FindingKind::from_code("no-such-code"), None);
    }

    #[test]
    fn fixes_read_as_one_sentence() {
        let fix = Fix::set("configuration.drainTimeout", "30m")
            .and("spec.maxUnavailable of PodDisruptionBudget apps/web", "1");
        assert_eq!(
            fix.to_string(),
            "set configuration.drainTimeout to 30m; and set spec.maxUnavailable of PodDisruptionBudget apps/web to 1"
        );
    }
}
