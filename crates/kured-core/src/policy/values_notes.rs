//! The chart's strict-values notes (see [`crate::chart::strict`]) as warnings on the
//! `values` entry that wrote the key, each naming the key as written and what to write
//! instead.

use serde_json::Value as Json;

use super::finding::{Field, Finding, FindingKind, Fix, KuredField};
use crate::base::version::Version;
use crate::chart::strict::{NoteKind, ValuesNote};

/// The notes a render of chart release `release` made about its `values`, as findings.
pub fn findings(release: Version, notes: &[ValuesNote]) -> Vec<Finding> {
    notes.iter().map(|note| finding(release, note)).collect()
}

fn finding(release: Version, note: &ValuesNote) -> Finding {
    let kind = match note.kind {
        NoteKind::UnknownKey { .. } => FindingKind::UnknownValuesKey,
        NoteKind::NotInRelease { .. } => FindingKind::ValuesKeyNotInRelease,
        NoteKind::QuotedBoolean { .. } => FindingKind::QuotedBoolean,
        NoteKind::NumberForString { .. } => FindingKind::NumberForString,
        NoteKind::ScalarForList => FindingKind::ScalarForList,
    };
    let found = Finding::new(
        kind,
        Field::Kured(KuredField::Values(Some(note.entry))),
        note.summary(release),
        note.detail(release),
    );
    match fix(note) {
        Some(fix) => found.with_fix(fix),
        None => found,
    }
}

/// The change that says the same thing the way the chart reads it.
fn fix(note: &ValuesNote) -> Option<Fix> {
    let value = &note.value;
    match &note.kind {
        NoteKind::UnknownKey {
            suggestion: Some(key),
        } => Some(Fix::set(
            format!("{key} (in place of {})", note.path),
            inline(value),
        )),
        NoteKind::UnknownKey { suggestion: None } | NoteKind::NotInRelease { .. } => None,
        NoteKind::QuotedBoolean { text } => {
            let meant = !matches!(
                text.trim().to_ascii_lowercase().as_str(),
                "false" | "no" | "off" | "0"
            );
            Some(Fix::set(&note.path, format!("{meant} (unquoted)")))
        }
        NoteKind::NumberForString { .. } => Some(Fix::set(
            &note.path,
            format!("\"{}\" (quoted)", inline(value)),
        )),
        NoteKind::ScalarForList => Some(Fix::set(
            &note.path,
            format!("[{}] (a list)", inline(value)),
        )),
    }
}

/// A value on one line, as YAML's flow style (JSON) writes it.
fn inline(value: &Json) -> String {
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::strict::check_values;
    use crate::policy::finding::Severity;

    const V5_11: Version = Version::new(5, 11, 0);

    fn found(entries: &[&str]) -> Vec<(FindingKind, Field, String)> {
        let entries: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
        findings(V5_11, &check_values(V5_11, &entries))
            .into_iter()
            .map(|f| {
                assert_eq!(f.severity(), Severity::Warning);
                let fix = f.fix.map(|fix| fix.to_string()).unwrap_or_default();
                (f.kind, f.field, fix)
            })
            .collect()
    }

    #[test]
    fn each_note_is_a_warning_on_its_entry_with_the_value_meant() {
        let on = |i| Field::Kured(KuredField::Values(Some(i)));
        assert_eq!(
            found(&[
                "configuration:\n  drainTimeout: 30m\n",
                "configuration:\n  rebootDay: [mo, tu]\n  useRebootSentinelHostPath: \"false\"\n",
                "configuration:\n  hostFilePath: /var/run\n",
            ]),
            [
                (
                    FindingKind::UnknownValuesKey,
                    on(1),
                    "set configuration.rebootDays (in place of configuration.rebootDay) to [\"mo\",\"tu\"]".to_string()
                ),
                (
                    FindingKind::QuotedBoolean,
                    on(1),
                    "set configuration.useRebootSentinelHostPath to false (unquoted)".to_string()
                ),
                (FindingKind::UnknownValuesKey, on(2), String::new()),
            ]
        );
    }

    #[test]
    fn numbers_and_scalars_are_written_as_the_chart_reads_them() {
        let fixes: Vec<String> = found(&["configuration: {drainTimeout: 1000000, period: 3600}"])
            .into_iter()
            .map(|(_, _, fix)| fix)
            .collect();
        // 3600 reaches kured as written; only 1000000 is printed as 1e+06.
        assert_eq!(
            fixes,
            ["set configuration.drainTimeout to \"1000000\" (quoted)"]
        );
    }
}
