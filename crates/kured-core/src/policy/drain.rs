//! What known drain blockers do to kured's drains: with `--drain-timeout` 0 the first
//! drain of a node that runs their pods waits forever.

use super::finding::{Field, Finding, FindingKind, Fix};
use super::sources::SettingSources;
use crate::kured::settings::{Flag, KuredSettings};

/// The finding for kured's drain given the budgets known to block every drain; nothing
/// when the drain timeout is not known (it is reported as such) or negative (reported
/// with the settings).
pub fn check(
    blockers: &[String],
    settings: &KuredSettings,
    sources: &SettingSources,
) -> Option<Finding> {
    let timeout = *settings.drain_timeout.known()?;
    if !timeout.is_zero() {
        return None;
    }
    let timeout_setting = sources.setting(Flag::DrainTimeout);
    if blockers.is_empty() {
        return Some(
            Finding::new(
                FindingKind::DrainTimeoutUnbounded,
                Field::Kured(sources.field(Flag::DrainTimeout)),
                "kured's drain timeout is unbounded",
                "With --drain-timeout 0 (the default) a drain that a PodDisruptionBudget refuses waits forever and the node is never rebooted.",
            )
            .about(Flag::DrainTimeout)
            .with_fix(Fix::set(timeout_setting, "30m")),
        );
    }
    Some(
        Finding::new(
            FindingKind::DrainHangs,
            Field::KnownDrainBlockers,
            "kured's drain timeout is unbounded and these budgets block every drain",
            format!(
                "Blocking budgets: {}.\nWith --drain-timeout 0 (the default) the first drain of a node that runs their pods waits forever.",
                blockers.join(", ")
            ),
        )
        .with_fix(Fix::set(timeout_setting, "30m")),
    )
}
