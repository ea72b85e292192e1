//! What happens to each node in a rollout, with a stable code per outcome and the one
//! sentence that explains it.

use std::fmt;

use crate::base::duration::GoDuration;

/// The fate of one node over a complete rollout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// Drained and rebooted.
    Reboots,
    /// Every drain times out; kured uncordons the node and retries each period.
    NeverReboots,
    /// The drain never returns (no drain timeout): the node stays cordoned and kured
    /// holds the lock.
    Hangs,
    /// Rebooted by `--force-reboot` after a failed drain: budgets are violated.
    Forced,
    /// Never gets the lock because other nodes hold it for good.
    Waits,
    /// A blocking pod keeps kured from trying.
    Blocked,
    /// No kured pod can run on the node.
    NoKured,
    /// No ready gate pod, so the gated sentinel is never written.
    Ungated,
}

impl Outcome {
    /// Every outcome, in the order the documentation lists them.
    pub const ALL: [Outcome; 8] = [
        Outcome::Reboots,
        Outcome::NeverReboots,
        Outcome::Hangs,
        Outcome::Forced,
        Outcome::Waits,
        Outcome::Blocked,
        Outcome::NoKured,
        Outcome::Ungated,
    ];

    /// The stable code users match on (`fail_on`, outputs).
    pub const fn code(self) -> &'static str {
        match self {
            Outcome::Reboots => "reboots",
            Outcome::NeverReboots => "never-reboots",
            Outcome::Hangs => "hangs",
            Outcome::Forced => "forced",
            Outcome::Waits => "waits",
            Outcome::Blocked => "blocked",
            Outcome::NoKured => "no-kured",
            Outcome::Ungated => "ungated",
        }
    }

    /// The outcome with this code.
    pub fn from_code(code: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.code() == code)
    }

    /// Every code, for messages that list the valid ones.
    pub fn codes() -> Vec<&'static str> {
        Outcome::ALL.iter().map(|o| o.code()).collect()
    }

    /// Whether the node ends up rebooted (cleanly or by force).
    pub const fn rebooted(self) -> bool {
        matches!(self, Outcome::Reboots | Outcome::Forced)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The forecast for one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeForecast {
    /// The node's name.
    pub name: String,
    /// What happens to it.
    pub outcome: Outcome,
    /// `namespace/budget` or `namespace/pod` that cause the outcome; empty for `reboots`.
    pub blocked_by: Vec<String>,
    /// One sentence: which pod, which budget, why it cannot move.
    pub reason: String,
    /// When the node came back from its reboot, from the start of the rollout.
    pub rebooted_at: Option<GoDuration>,
}

/// The sentences, one builder per outcome, so every reason reads alike.
pub mod reason {
    use crate::base::duration::GoDuration;

    /// `reboots`.
    pub fn reboots(
        window: u32,
        at: GoDuration,
        waited: GoDuration,
        stays_cordoned: bool,
    ) -> String {
        let mut s =
            format!("reboots in reboot window {window}, back {at} after the rollout starts");
        if !waited.is_zero() {
            s.push_str(&format!(", after its drain waited {waited} on budgets"));
        }
        if stays_cordoned {
            s.push_str("; it stays cordoned afterwards because its lock expired (--lock-ttl) before it came back, so kured does not uncordon it");
        }
        s.push('.');
        s
    }

    /// `never-reboots`: `why` names the pod, the budget and why it cannot move.
    pub fn never_reboots(why: &str, timeout: GoDuration) -> String {
        if timeout.is_zero() {
            format!(
                "every drain fails at once: {why}; kured uncordons the node and tries again each period."
            )
        } else {
            format!(
                "every drain times out after {timeout}: {why}; kured uncordons the node and tries again, leaving it cordoned for {timeout} each time."
            )
        }
    }

    /// `hangs`.
    pub fn hangs(why: &str) -> String {
        format!(
            "the drain never returns (--drain-timeout 0): {why}; the node stays cordoned and its kured pod keeps the lock."
        )
    }

    /// `forced`.
    /// `forced`: `ended` says how the drain ended (`the drain timed out at 30m0s`).
    pub fn forced(why: &str, ended: &str) -> String {
        format!(
            "rebooted by --force-reboot after {ended}: {why}; the reboot kills what the budgets protect."
        )
    }

    /// `waits`: `holders` names the nodes holding the lock for good and why.
    pub fn waits(holders: &str) -> String {
        format!("never gets the lock: {holders}.")
    }

    /// `blocked`.
    pub fn blocked(pod: &str, selector: &str) -> String {
        format!(
            "kured never tries: pod {pod} runs here and matches --blocking-pod-selector={selector}."
        )
    }

    /// `no-kured`.
    pub fn no_kured(why: &str) -> String {
        format!("no kured pod runs here: {why}.")
    }

    /// `ungated`.
    pub fn ungated(why: &str) -> String {
        format!("the gated sentinel is never written here: {why}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_round_trip() {
        assert_eq!(
            Outcome::codes(),
            [
                "reboots",
                "never-reboots",
                "hangs",
                "forced",
                "waits",
                "blocked",
                "no-kured",
                "ungated"
            ]
        );
        for o in Outcome::ALL {
            assert_eq!(Outcome::from_code(o.code()), Some(o));
        }
        assert_eq!(Outcome::from_code("rebooted"), None);
        let rebooted: Vec<Outcome> = Outcome::ALL.into_iter().filter(|o| o.rebooted()).collect();
        assert_eq!(rebooted, [Outcome::Reboots, Outcome::Forced]);
    }

    #[test]
    fn reasons_are_one_sentence() {
        let t = GoDuration::from_nanos(1_800_000_000_000);
        for s in [
            reason::reboots(1, t, GoDuration::ZERO, false),
            reason::reboots(2, t, t, true),
            reason::never_reboots("x", t),
            reason::never_reboots("x", GoDuration::ZERO),
            reason::hangs("x"),
            reason::forced("x", "the drain timed out at 30m0s"),
            reason::waits("x"),
            reason::blocked("a/b", "app=b"),
            reason::no_kured("x"),
            reason::ungated("x"),
        ] {
            assert!(s.ends_with('.'), "{s}");
            assert_eq!(s.matches(". ").count(), 0, "{s}");
        }
    }
}
