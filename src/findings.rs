//! Policy findings as Terraform diagnostics: each on the attribute at fault, its detail
//! followed by the fix and the finding's code, so that users and tests can match codes.

use crate::inputs::Origins;
use kured_core::policy::{Field, Finding, FragmentTarget, GateField, KuredField, Severity};
use tfplugin::diag::{AttrPath, Diagnostics};

/// The attribute path of a finding's field.
pub fn field_path(field: Field, origins: Origins) -> AttrPath {
    match field {
        Field::SentinelHostPath => AttrPath::attr("sentinel_host_path"),
        Field::UpstreamSentinelHostPath => AttrPath::attr("upstream_sentinel_host_path"),
        Field::KnownDrainBlockers => AttrPath::attr("known_drain_blockers"),
        Field::Kured(f) => {
            let kured = AttrPath::attr("kured");
            match f {
                KuredField::ChartVersion => kured.then("chart_version"),
                KuredField::Values(None) => kured.then("values"),
                KuredField::Values(Some(i)) => kured.then("values").index(i),
                KuredField::Set {
                    attribute,
                    index,
                    part,
                } => kured.then(attribute.name()).index(index).then(part.name()),
                KuredField::Manifest if origins.kured_live => kured.then("name"),
                KuredField::Manifest => kured.then("daemonset_manifest"),
                KuredField::Container => kured.then("container"),
            }
        }
        Field::Gate(f) => {
            let gate = AttrPath::attr("gate");
            match f {
                GateField::SentinelPath => gate.then("sentinel_path"),
                GateField::ReadOnly => gate.then("read_only"),
                GateField::Manifest if origins.gate_live => gate.then("name"),
                GateField::Manifest => gate.then("daemonset_manifest"),
                GateField::Container => gate.then("container"),
            }
        }
    }
}

/// The finding's detail and, when known, the change that fixes it and what to paste.
fn explained(finding: &Finding) -> String {
    let Some(fix) = &finding.fix else {
        return finding.detail.clone();
    };
    let mut text = format!("{}\n\nFix: {fix}.", finding.detail);
    if let Some(fragment) = &fix.fragment {
        text.push_str("\n\n");
        text.push_str(fragment_heading(fragment.target));
        text.push('\n');
        // Terraform wraps the lines of a detail but keeps indented ones as written.
        for line in fragment.text.lines() {
            text.push_str("\n  ");
            text.push_str(line);
        }
    }
    text
}

/// What a fragment is and where it goes.
fn fragment_heading(target: FragmentTarget) -> &'static str {
    match target {
        FragmentTarget::Values => {
            "Paste as one more entry at the end of kured.values (Helm merges it last):"
        }
        FragmentTarget::DaemonSetPatch => {
            "Patch the kured DaemonSet with (kubectl patch --type strategic), or make the same change in its manifest:"
        }
        FragmentTarget::GateDaemonSetPatch => {
            "Patch the gate's DaemonSet with (kubectl patch --type strategic), or make the same change in its manifest:"
        }
    }
}

/// The detail Terraform shows: the explanation, then the finding's code.
pub fn detail(finding: &Finding) -> String {
    format!("{}\n\nFinding code: {}", explained(finding), finding.code())
}

/// One entry of a `warnings` attribute: `[code] summary: detail`.
pub fn warning_line(finding: &Finding) -> String {
    format!(
        "[{}] {}: {}",
        finding.code(),
        finding.summary,
        explained(finding)
    )
}

/// Adds findings to the diagnostics, each on its attribute.
pub fn report(findings: &[Finding], origins: Origins, diags: &mut Diagnostics) {
    for f in findings {
        let path = field_path(f.field, origins);
        match f.severity() {
            Severity::Error => diags.error_at(path, f.summary.clone(), detail(f)),
            Severity::Warning => diags.warning_at(path, f.summary.clone(), detail(f)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kured_core::policy::{FindingKind, Fix, Fragment};

    #[test]
    fn a_values_entry_at_fault_is_its_index_and_a_live_manifest_is_its_name() {
        let live = Origins {
            kured_live: true,
            gate_live: false,
        };
        assert_eq!(
            field_path(
                Field::Kured(KuredField::Values(Some(2))),
                Origins::default()
            ),
            AttrPath::attr("kured").then("values").index(2)
        );
        assert_eq!(
            field_path(Field::Kured(KuredField::Manifest), live),
            AttrPath::attr("kured").then("name")
        );
        assert_eq!(
            field_path(Field::Gate(GateField::Manifest), live),
            AttrPath::attr("gate").then("daemonset_manifest")
        );
    }

    #[test]
    fn the_detail_ends_with_the_fix_and_the_code() {
        let finding = Finding::new(
            FindingKind::DrainTimeoutUnbounded,
            Field::KnownDrainBlockers,
            "summary",
            "Why.",
        )
        .with_fix(Fix::set("configuration.drainTimeout", "30m"));
        assert_eq!(
            detail(&finding),
            "Why.\n\nFix: set configuration.drainTimeout to 30m.\n\nFinding code: drain-timeout-unbounded"
        );
        assert_eq!(
            warning_line(&finding),
            "[drain-timeout-unbounded] summary: Why.\n\nFix: set configuration.drainTimeout to 30m."
        );
    }

    #[test]
    fn a_fragment_follows_the_fix_indented_so_terraform_keeps_its_lines() {
        let finding = Finding::new(
            FindingKind::DrainTimeoutUnbounded,
            Field::KnownDrainBlockers,
            "summary",
            "Why.",
        )
        .with_fix(
            Fix::set("configuration.drainTimeout", "30m").pasting(Some(Fragment {
                target: FragmentTarget::Values,
                text: "configuration:\n  drainTimeout: 30m\n".into(),
            })),
        );
        assert_eq!(
            detail(&finding),
            "Why.\n\nFix: set configuration.drainTimeout to 30m.\n\nPaste as one more entry at the end of kured.values (Helm merges it last):\n\n  configuration:\n    drainTimeout: 30m\n\nFinding code: drain-timeout-unbounded"
        );
    }
}
