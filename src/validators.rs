//! Checks of argument values shared by the adapters: which way an object is described,
//! live targets, Kubernetes names, lists and Go durations.
//!
//! Each check skips what is null or unknown (unknown values are checked once they are
//! known, at apply at the latest) and reports on the attribute at fault, naming it as the
//! configuration does.

use std::time::Duration;

use kured_core::base::duration::GoDuration;
use tfplugin::diag::{AttrPath, Diagnostics};
use tfplugin::model::{Attr, Invalid};

/// One way of describing an object: how messages name it, its arguments, and whether
/// the configuration takes it (any of them given) or cannot tell yet (one unknown).
pub struct Way {
    label: String,
    /// The way's first argument, and the first one the configuration gives.
    first: &'static str,
    given: Option<&'static str>,
    unknown: bool,
}

impl Way {
    /// The way named `label`, taken when any of `attrs` (name, value) is given.
    pub fn new<T>(label: impl Into<String>, attrs: &[(&'static str, &Attr<T>)]) -> Self {
        Way {
            label: label.into(),
            first: attrs.first().map_or("", |(name, _)| *name),
            given: attrs
                .iter()
                .find(|(_, a)| a.is_known())
                .map(|(name, _)| *name),
            unknown: attrs.iter().any(|(_, a)| a.is_unknown()),
        }
    }
}

/// Requires exactly one of `ways` for the block at `at`; answers its index, or
/// [`Attr::Unknown`] while an unknown value could still decide it.
///
/// Both errors sit on an argument inside the block, because Terraform places a path that
/// ends at a block on the enclosing resource: two ways given blame the second way's
/// argument, and none given the first way's, which Terraform shows on the block's own
/// line as it does its own "Missing required argument".
pub fn exactly_one_of(
    at: &AttrPath,
    ways: &[Way],
    diags: &mut Diagnostics,
) -> Result<Attr<usize>, Invalid> {
    let labels: Vec<&str> = ways.iter().map(|w| w.label.as_str()).collect();
    let given: Vec<(usize, &Way)> = ways
        .iter()
        .enumerate()
        .filter(|(_, w)| w.given.is_some())
        .collect();
    if let [_, (_, second), ..] = given.as_slice() {
        let used: Vec<&str> = given.iter().map(|(_, w)| w.label.as_str()).collect();
        diags.error_at(
            at.clone().then(second.given.unwrap_or(second.first)),
            format!(
                "{at} is described more than one way: {}",
                used.join(" and ")
            ),
            format!("Use exactly one of: {}.", labels.join("; ")),
        );
        return Err(Invalid);
    }
    if ways.iter().any(|w| w.unknown) {
        return Ok(Attr::Unknown);
    }
    match given.first() {
        Some((one, _)) => Ok(Attr::Known(*one)),
        None => {
            let first = ways.first().map_or("", |w| w.first);
            diags.error_at(
                at.clone().then(first),
                format!("{at} is not described"),
                format!("Describe {at} one way: {}.", labels.join("; or ")),
            );
            Err(Invalid)
        }
    }
}

/// A DaemonSet in the live cluster, named by the object at `at` with its namespace and
/// name attributes (each given as its attribute name and value). Both are required
/// together and must be valid Kubernetes names.
pub fn live_target(
    at: &AttrPath,
    (namespace_attr, namespace): (&str, &Attr<String>),
    (name_attr, name): (&str, &Attr<String>),
    diags: &mut Diagnostics,
) -> Result<Attr<(String, String)>, Invalid> {
    let namespace_ok = dns_label(
        &at.clone().then(namespace_attr),
        namespace,
        "namespace name",
        diags,
    );
    let name_ok = dns_subdomain(&at.clone().then(name_attr), name, "DaemonSet name", diags);
    let missing = match (namespace, name) {
        (Attr::Null, _) => Some(namespace_attr),
        (_, Attr::Null) => Some(name_attr),
        _ => None,
    };
    if let Some(missing) = missing {
        diags.error_at(
            at.clone().then(missing),
            format!("{missing} is missing"),
            format!("Live mode needs the DaemonSet's {namespace_attr} and {name_attr}."),
        );
        return Err(Invalid);
    }
    if !(namespace_ok && name_ok) {
        return Err(Invalid);
    }
    Ok(match (namespace, name) {
        (Attr::Known(namespace), Attr::Known(name)) => {
            Attr::Known((namespace.clone(), name.clone()))
        }
        _ => Attr::Unknown,
    })
}

/// Requires a Kubernetes name that is a DNS-1123 label (namespaces, containers): what
/// `what` names, e.g. "namespace name". Answers whether the value is fine.
pub fn dns_label<S: AsRef<str>>(
    at: &AttrPath,
    value: &Attr<S>,
    what: &str,
    diags: &mut Diagnostics,
) -> bool {
    let rule = "at most 63 characters: lowercase letters, digits and '-', starting and ending with a letter or digit";
    name_check(at, value, (what, rule), is_dns_label, diags)
}

/// Requires a Kubernetes name that is a DNS-1123 subdomain (most object names: a
/// DaemonSet's, a budget's). Answers whether the value is fine.
pub fn dns_subdomain<S: AsRef<str>>(
    at: &AttrPath,
    value: &Attr<S>,
    what: &str,
    diags: &mut Diagnostics,
) -> bool {
    let rule = "at most 253 characters: lowercase letters, digits, '-' and '.', each part between dots starting and ending with a letter or digit";
    name_check(at, value, (what, rule), is_dns_subdomain, diags)
}

fn name_check<S: AsRef<str>>(
    at: &AttrPath,
    value: &Attr<S>,
    (what, rule): (&str, &str),
    valid: fn(&str) -> bool,
    diags: &mut Diagnostics,
) -> bool {
    match value.known().map(AsRef::as_ref) {
        Some(name) if !valid(name) => {
            diags.error_at(
                at.clone(),
                format!("{name:?} is not a valid {what}"),
                format!("A {what} has {rule}."),
            );
            false
        }
        _ => true,
    }
}

/// A DNS-1123 label: what the API server accepts as a namespace or container name.
pub fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    (1..=63).contains(&bytes.len())
        && bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes.iter().all(|b| edge(b) || *b == b'-')
}

/// A DNS-1123 subdomain: labels joined by dots, at most 253 characters, each label
/// without the 63-character limit (as Kubernetes checks it).
pub fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            let bytes = label.as_bytes();
            let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
            bytes.first().is_some_and(edge)
                && bytes.last().is_some_and(edge)
                && bytes.iter().all(|b| edge(b) || *b == b'-')
        })
}

/// Requires `namespace/name` entries, as `kured_pdb_coverage` lists budgets.
pub fn namespaced_names<S: AsRef<str>>(
    at: &AttrPath,
    list: &Attr<Vec<S>>,
    diags: &mut Diagnostics,
) -> bool {
    let Attr::Known(items) = list else {
        return true;
    };
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let item = item.as_ref();
        let valid = item
            .split_once('/')
            .is_some_and(|(ns, name)| is_dns_label(ns) && is_dns_subdomain(name));
        if !valid {
            diags.error_at(
                at.clone().index(i),
                format!("{item:?} is not namespace/name"),
                "Name each object by its namespace and name, as namespace/name: for example shop/web.",
            );
            ok = false;
        }
    }
    ok
}

/// Requires at least one entry; `why` says what an empty list would mean.
pub fn non_empty_list<T>(
    at: &AttrPath,
    list: &Attr<Vec<T>>,
    why: &str,
    diags: &mut Diagnostics,
) -> bool {
    if list.known().is_some_and(Vec::is_empty) {
        diags.error_at(at.clone(), format!("{at} is empty"), why);
        return false;
    }
    true
}

/// Requires a string with something other than blanks; `why` says what to do instead.
pub fn non_blank(at: &AttrPath, value: &Attr<String>, why: &str, diags: &mut Diagnostics) -> bool {
    if value.known().is_some_and(|v| v.trim().is_empty()) {
        diags.error_at(at.clone(), format!("{at} is empty"), why);
        return false;
    }
    true
}

/// A positive Go duration (`30s`, `1m30s`), as a [`Duration`].
pub fn positive_duration(
    at: &AttrPath,
    value: &Attr<String>,
    diags: &mut Diagnostics,
) -> Result<Attr<Duration>, Invalid> {
    let Attr::Known(raw) = value else {
        return Ok(match value {
            Attr::Unknown => Attr::Unknown,
            _ => Attr::Null,
        });
    };
    match GoDuration::parse(raw) {
        Ok(d) if d.as_nanos() > 0 => Ok(Attr::Known(Duration::from_nanos(
            d.as_nanos().unsigned_abs(),
        ))),
        Ok(_) => {
            diags.error_at(
                at.clone(),
                format!("{at} must be positive"),
                format!(
                    "{raw:?} would wait forever or not at all; use a duration such as 30s or 2m."
                ),
            );
            Err(Invalid)
        }
        Err(err) => {
            diags.error_at(at.clone(), format!("invalid {at}"), err.to_string());
            Err(Invalid)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(s: &str) -> Attr<String> {
        Attr::Known(s.to_string())
    }

    fn paths(diags: &Diagnostics) -> Vec<String> {
        diags
            .iter()
            .map(|d| d.path.as_ref().map(AttrPath::to_string).unwrap_or_default())
            .collect()
    }

    #[test]
    fn namespace_names_follow_dns_labels() {
        for good in ["a", "kube-system", "x1", &"a".repeat(63)] {
            assert!(is_dns_label(good), "{good}");
        }
        for bad in ["", "-a", "a-", "Upper", "a.b", "a_b", &"a".repeat(64)] {
            assert!(!is_dns_label(bad), "{bad}");
        }
    }

    #[test]
    fn object_names_follow_dns_subdomains() {
        for good in ["kured", "kured.v2", "a-b.c-d", &"a".repeat(253)] {
            assert!(is_dns_subdomain(good), "{good}");
        }
        for bad in [
            "",
            ".a",
            "a.",
            "a..b",
            "Kured",
            "a_b",
            "a.-b",
            &"a".repeat(254),
        ] {
            assert!(!is_dns_subdomain(bad), "{bad}");
        }
    }

    #[test]
    fn one_way_is_chosen_or_the_object_is_blamed() {
        let at = AttrPath::attr("gate");
        let (set, null, unknown) = (known("x"), Attr::<String>::Null, Attr::<String>::Unknown);
        let mut diags = Diagnostics::new();
        let ways = |a: &Attr<String>, b: &Attr<String>| {
            [
                Way::new("a", &[("a", a)]),
                Way::new("b", &[("b0", &null), ("b1", b)]),
            ]
        };
        assert_eq!(
            exactly_one_of(&at, &ways(&null, &set), &mut diags),
            Ok(Attr::Known(1))
        );
        assert_eq!(
            exactly_one_of(&at, &ways(&null, &unknown), &mut diags),
            Ok(Attr::Unknown)
        );
        assert!(diags.is_empty());
        assert_eq!(
            exactly_one_of(&at, &ways(&set, &set), &mut diags),
            Err(Invalid)
        );
        assert_eq!(
            exactly_one_of(&at, &ways(&null, &null), &mut diags),
            Err(Invalid)
        );
        let summaries: Vec<&str> = diags.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "gate is described more than one way: a and b",
                "gate is not described"
            ]
        );
        // Each on an argument inside the block: the second way's given one, or the first
        // way's first.
        assert_eq!(paths(&diags), ["gate.b1", "gate.a"]);
    }

    #[test]
    fn a_live_target_needs_both_names_and_valid_ones() {
        let at = AttrPath::attr("kured");
        let check = |ns: Attr<String>, name: Attr<String>| {
            let mut diags = Diagnostics::new();
            let got = live_target(&at, ("namespace", &ns), ("name", &name), &mut diags);
            (got, paths(&diags))
        };
        assert_eq!(
            check(known("kube-system"), known("kured")),
            (
                Ok(Attr::Known(("kube-system".into(), "kured".into()))),
                vec![]
            )
        );
        assert_eq!(
            check(known("kube-system"), Attr::Unknown),
            (Ok(Attr::Unknown), vec![])
        );
        assert_eq!(
            check(known("kube-system"), Attr::Null),
            (Err(Invalid), vec!["kured.name".to_string()])
        );
        assert_eq!(
            check(Attr::Null, known("kured")),
            (Err(Invalid), vec!["kured.namespace".to_string()])
        );
        assert_eq!(
            check(known("Kube_System"), Attr::Unknown),
            (Err(Invalid), vec!["kured.namespace".to_string()])
        );
    }

    #[test]
    fn lists_and_strings_are_checked_on_their_path() {
        let mut diags = Diagnostics::new();
        let at = AttrPath::attr("known_drain_blockers");
        let list = Attr::Known(vec!["shop/web", "web", "Shop/web"]);
        assert!(!namespaced_names(&at, &list, &mut diags));
        assert!(non_empty_list(
            &at,
            &Attr::<Vec<String>>::Unknown,
            "",
            &mut diags
        ));
        assert!(!non_empty_list(
            &at,
            &Attr::<Vec<String>>::Known(vec![]),
            "",
            &mut diags
        ));
        let context = AttrPath::attr("kubeconfig_context");
        assert!(non_blank(&context, &Attr::Null, "", &mut diags));
        assert!(!non_blank(&context, &known(" "), "", &mut diags));
        assert_eq!(
            paths(&diags),
            [
                "known_drain_blockers[1]",
                "known_drain_blockers[2]",
                "known_drain_blockers",
                "kubeconfig_context"
            ]
        );
    }

    #[test]
    fn durations_are_positive_go_durations() {
        let at = AttrPath::attr("request_timeout");
        let mut diags = Diagnostics::new();
        assert_eq!(
            positive_duration(&at, &known("1m30s"), &mut diags),
            Ok(Attr::Known(Duration::from_secs(90)))
        );
        assert_eq!(
            positive_duration(&at, &Attr::Unknown, &mut diags),
            Ok(Attr::Unknown)
        );
        assert!(diags.is_empty());
        assert_eq!(
            positive_duration(&at, &known("0s"), &mut diags),
            Err(Invalid)
        );
        assert_eq!(
            positive_duration(&at, &known("soon"), &mut diags),
            Err(Invalid)
        );
        let summaries: Vec<&str> = diags.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "request_timeout must be positive",
                "invalid request_timeout"
            ]
        );
    }
}
