//! Policy findings as Terraform diagnostics: each on the attribute at fault, its detail
//! followed by the fix and the finding's code, so that users and tests can match codes.

use crate::inputs::Origins;
use kured_core::policy::{Field, Finding, GateField, KuredField, Severity};
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
                KuredField::Whole => kured,
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
                GateField::Whole => gate,
                GateField::SentinelPath => gate.then("sentinel_path"),
                GateField::ReadOnly => gate.then("read_only"),
                GateField::Manifest if origins.gate_live => gate.then("name"),
                GateField::Manifest => gate.then("daemonset_manifest"),
                GateField::Container => gate.then("container"),
            }
        }
    }
}

/// The finding's detail and, when known, the change that fixes it.
fn explained(finding: &Finding) -> String {
    match &finding.fix {
        Some(fix) => format!("{}\n\nFix: {fix}.", finding.detail),
        None => finding.detail.clone(),
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
    use kured_core::policy::{FindingKind, Fix};

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
}
