//! Budgets exempted from coverage checks because something resolves them during a drain,
//! each with the reason an operator gave. The canonical case is CloudNativePG's
//! `<cluster>-primary` budget: it allows no eviction of the primary, but when the
//! primary's node is cordoned the operator switches the primary over to a replica on a
//! schedulable node, after which the old pod is evicted.
//!
//! An exempted budget keeps its numbers and finding codes; it is marked exempt, it no
//! longer counts as a drain blocker and no longer fails `fail_on`.

use std::collections::BTreeMap;

use super::coverage::Report;

/// Why an exemption is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExemptionError {
    /// The key is not `namespace/name`.
    #[error(
        "{key:?} is not namespace/name: {problem}; write the budget as it appears in drain_blockers, e.g. db/pg-main-primary"
    )]
    BadKey {
        /// The key as given.
        key: String,
        /// Which rule it breaks.
        problem: &'static str,
    },
    /// The reason is empty.
    #[error(
        "the reason for exempting {key} is empty; say what resolves the budget during a drain, e.g. \"CloudNativePG switches the primary over when its node is cordoned\""
    )]
    EmptyReason {
        /// The key as given.
        key: String,
    },
}

impl ExemptionError {
    /// The key the error is about.
    pub fn key(&self) -> &str {
        match self {
            ExemptionError::BadKey { key, .. } | ExemptionError::EmptyReason { key } => key,
        }
    }
}

/// Exempted budgets by `(namespace, name)`, with their reasons.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exemptions {
    reasons: BTreeMap<(String, String), String>,
}

impl Exemptions {
    /// Reads `namespace/name` keys with their reasons, keeping the valid ones and
    /// returning an error for each invalid one.
    pub fn read<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> (Exemptions, Vec<ExemptionError>) {
        let mut exemptions = Exemptions::default();
        let mut errors = Vec::new();
        for (key, reason) in entries {
            let parsed = match split_key(key) {
                Ok(parsed) => parsed,
                Err(problem) => {
                    errors.push(ExemptionError::BadKey {
                        key: key.to_string(),
                        problem,
                    });
                    continue;
                }
            };
            if reason.trim().is_empty() {
                errors.push(ExemptionError::EmptyReason {
                    key: key.to_string(),
                });
                continue;
            }
            exemptions.reasons.insert(parsed, reason.trim().to_string());
        }
        (exemptions, errors)
    }

    /// Whether no budget is exempted.
    pub fn is_empty(&self) -> bool {
        self.reasons.is_empty()
    }

    /// The reason a budget is exempted, if it is.
    pub fn reason(&self, namespace: &str, name: &str) -> Option<&str> {
        self.reasons
            .get(&(namespace.to_string(), name.to_string()))
            .map(String::as_str)
    }

    /// Marks the exempted budgets of `report` and takes them out of its drain blockers;
    /// returns the keys (`namespace/name`) that match no budget of the report.
    pub fn apply(&self, report: &mut Report) -> Vec<String> {
        let mut unmatched: BTreeMap<&(String, String), ()> =
            self.reasons.keys().map(|k| (k, ())).collect();
        for budget in &mut report.budgets {
            let key = (budget.namespace.clone(), budget.name.clone());
            if let Some(reason) = self.reasons.get(&key) {
                budget.exempt = Some(reason.clone());
                unmatched.remove(&key);
            }
        }
        report.drain_blockers.retain(|reference| {
            reference
                .split_once('/')
                .is_none_or(|(ns, name)| self.reason(ns, name).is_none())
        });
        unmatched
            .into_keys()
            .map(|(ns, name)| format!("{ns}/{name}"))
            .collect()
    }
}

/// `namespace/name`: a namespace (DNS label) and a budget name (DNS subdomain), as the
/// API server requires them.
fn split_key(key: &str) -> Result<(String, String), &'static str> {
    let Some((namespace, name)) = key.split_once('/') else {
        return Err("it has no '/'");
    };
    if name.contains('/') {
        return Err("it has more than one '/'");
    }
    if !is_dns_label(namespace) {
        return Err(
            "the namespace must be 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit",
        );
    }
    if name.len() > 253 || !name.split('.').all(is_dns_label) {
        return Err(
            "the name must be a lowercase DNS subdomain (letters, digits, '-' and '.', alphanumeric at both ends)",
        );
    }
    Ok((namespace.to_string(), name.to_string()))
}

fn is_dns_label(s: &str) -> bool {
    let bytes = s.as_bytes();
    let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    (1..=63).contains(&bytes.len())
        && bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes.iter().all(|b| edge(b) || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdb::coverage::BudgetReport;

    fn budget(namespace: &str, name: &str) -> BudgetReport {
        BudgetReport {
            namespace: namespace.into(),
            name: name.into(),
            blocks_drain: true,
            ..BudgetReport::default()
        }
    }

    #[test]
    fn keys_and_reasons_are_checked_one_by_one() {
        let (exemptions, errors) = Exemptions::read([
            (
                "db/pg-main-primary",
                "CloudNativePG switches over on cordon",
            ),
            ("db", "no slash"),
            ("a/b/c", "two slashes"),
            ("Db/x", "upper-case namespace"),
            ("db/Primary", "upper-case name"),
            ("db/pg.v1", "a dotted name is fine"),
            ("blog/anubis", "  "),
        ]);
        assert_eq!(
            exemptions.reason("db", "pg-main-primary"),
            Some("CloudNativePG switches over on cordon")
        );
        assert!(exemptions.reason("db", "pg.v1").is_some());
        let keys: Vec<(&str, bool)> = errors
            .iter()
            .map(|e| (e.key(), matches!(e, ExemptionError::EmptyReason { .. })))
            .collect();
        assert_eq!(
            keys,
            [
                ("db", false),
                ("a/b/c", false),
                ("Db/x", false),
                ("db/Primary", false),
                ("blog/anubis", true),
            ]
        );
    }

    #[test]
    fn applying_marks_budgets_drops_them_from_blockers_and_names_strays() {
        let mut report = Report {
            budgets: vec![budget("blog", "anubis"), budget("db", "pg-primary")],
            drain_blockers: vec!["blog/anubis".into(), "db/pg-primary".into()],
            ..Report::default()
        };
        let (exemptions, errors) = Exemptions::read([
            ("db/pg-primary", "switchover"),
            ("db/gone", "an old budget"),
        ]);
        assert!(errors.is_empty());
        let unmatched = exemptions.apply(&mut report);
        assert_eq!(unmatched, ["db/gone"]);
        assert_eq!(report.drain_blockers, ["blog/anubis"]);
        assert_eq!(report.budgets[0].exempt, None);
        assert_eq!(report.budgets[1].exempt.as_deref(), Some("switchover"));
        assert!(
            report.budgets[1].blocks_drain,
            "the arithmetic stays as it is"
        );
    }
}
