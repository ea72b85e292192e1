//! What coverage finds about a PodDisruptionBudget: one variant per finding, each with
//! its stable code, a short description (for schema descriptions) and what it means for
//! a drain (for the error `fail_on` raises). Callers list and validate codes from
//! [`BudgetFinding::ALL`], never from their own strings.

use std::fmt;

/// A finding about one budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BudgetFinding {
    /// The budget selects no pod.
    NoMatchingPods,
    /// Even with every expected pod healthy the budget allows no disruption
    /// (`desiredHealthy >= expectedPods`), so its pods can never all be evicted.
    DrainDeadlock,
    /// A pod of this budget is selected by another budget too; the eviction API refuses
    /// it.
    MultipleBudgets,
    /// No disruption is allowed right now (pods are unready or missing), though the
    /// budget would allow one once its pods are healthy.
    CurrentlyBlocking,
    /// An unready pod cannot be evicted because the budget is disrupted and its policy is
    /// not `AlwaysAllow`.
    UnhealthyPodsBlock,
}

impl BudgetFinding {
    /// Every finding, in the order a budget's findings list them.
    pub const ALL: [BudgetFinding; 5] = [
        BudgetFinding::NoMatchingPods,
        BudgetFinding::DrainDeadlock,
        BudgetFinding::MultipleBudgets,
        BudgetFinding::CurrentlyBlocking,
        BudgetFinding::UnhealthyPodsBlock,
    ];

    /// The stable kebab-case code.
    pub const fn code(self) -> &'static str {
        match self {
            BudgetFinding::NoMatchingPods => "no-matching-pods",
            BudgetFinding::DrainDeadlock => "drain-deadlock",
            BudgetFinding::MultipleBudgets => "multiple-budgets",
            BudgetFinding::CurrentlyBlocking => "currently-blocking",
            BudgetFinding::UnhealthyPodsBlock => "unhealthy-pods-block",
        }
    }

    /// What the finding says about the budget, in a few words.
    pub const fn description(self) -> &'static str {
        match self {
            BudgetFinding::NoMatchingPods => "selects no pod, so it protects nothing",
            BudgetFinding::DrainDeadlock => {
                "allows no eviction even with every pod healthy (one replica with `minAvailable: 1`, `maxUnavailable: 0`, `minAvailable: 100%`), so no drain of its nodes finishes"
            }
            BudgetFinding::MultipleBudgets => {
                "shares a pod with another budget; the eviction API refuses such a pod, so no drain of its node finishes"
            }
            BudgetFinding::CurrentlyBlocking => {
                "allows no eviction right now (pods unready or missing)"
            }
            BudgetFinding::UnhealthyPodsBlock => {
                "keeps unready pods from being evicted while it is short of healthy pods and `unhealthyPodEvictionPolicy` is not `AlwaysAllow`"
            }
        }
    }

    /// What the finding means for a drain, and what makes it go away.
    pub const fn advice(self) -> &'static str {
        match self {
            BudgetFinding::DrainDeadlock => {
                "Even with every pod healthy these budgets allow no eviction, so a drain of any node running their pods never finishes: kured hangs on it with no drain timeout, and never reboots the node with one. Run more replicas than minAvailable, or use maxUnavailable: 1."
            }
            BudgetFinding::NoMatchingPods => {
                "These budgets select no pod, so they protect nothing. Every label of the selector must be on the pods: fix the selector, or delete the budget."
            }
            BudgetFinding::MultipleBudgets => {
                "A pod selected by more than one budget cannot be evicted at all: the eviction API refuses it. Make the selectors disjoint so that every pod has one budget."
            }
            BudgetFinding::CurrentlyBlocking => {
                "These budgets allow no eviction right now because pods are unready or missing; a drain would wait until they recover. Bring the pods back to Ready, or lower minAvailable."
            }
            BudgetFinding::UnhealthyPodsBlock => {
                "Unready pods under these budgets cannot be evicted while the budget is short of healthy pods. Set spec.unhealthyPodEvictionPolicy: AlwaysAllow."
            }
        }
    }

    /// The finding with this code.
    pub fn from_code(code: &str) -> Option<BudgetFinding> {
        BudgetFinding::ALL.into_iter().find(|f| f.code() == code)
    }

    /// Every code, as `` `a`, `b` `` for documentation and messages.
    pub fn codes_list() -> String {
        BudgetFinding::ALL
            .iter()
            .map(|f| format!("`{}`", f.code()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for BudgetFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_and_every_finding_has_words() {
        for finding in BudgetFinding::ALL {
            assert_eq!(BudgetFinding::from_code(finding.code()), Some(finding));
            assert!(!finding.description().is_empty() && finding.advice().ends_with('.'));
        }
        assert_eq!(BudgetFinding::from_code("deadlock"), None);
        assert!(BudgetFinding::codes_list().starts_with("`no-matching-pods`, `drain-deadlock`"));
    }
}
