//! Slash-separated paths as Go's `path` package sees them, and node paths that are the
//! same file under two names.
//!
//! The Helm chart derives kured's hostPath volume with Go's `dir` and `base`, and kured
//! compares nothing itself, so the provider must reproduce Go's lexical rules exactly
//! (`dir "x"` is `.`, `base "/var/run/"` is `run`) before it can say where a file lands.
//! Everything here is lexical: no file system is consulted.

use std::collections::BTreeMap;

/// Go's `path.Clean`: the shortest path naming the same file by lexical processing.
///
/// Repeated slashes collapse, `.` components vanish, `..` removes the component before
/// it, a rooted path never climbs above `/`, trailing slashes go, and an empty result is
/// `.` (or `/` for a rooted path).
pub fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                // Above the root there is nothing to remove; a relative path keeps
                // the `..` so it still climbs out of wherever it is resolved.
                _ if rooted => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Go's `path.Dir`: everything before the last slash, cleaned (`Dir("x")` is `.`).
pub fn dir(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => clean(path.get(..=i).unwrap_or(path)),
        None => ".".to_string(),
    }
}

/// Go's `path.Base`: the last element after trailing slashes are removed; `.` for an
/// empty path and `/` for a path of only slashes.
pub fn base(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    let last = match trimmed.rfind('/') {
        Some(i) => trimmed.get(i + 1..).unwrap_or(trimmed),
        None => trimmed,
    };
    last.to_string()
}

/// Go's `path.Join`: the non-empty elements joined by slashes and cleaned; an empty
/// string when every element is empty.
pub fn join<S: AsRef<str>>(elements: &[S]) -> String {
    let parts: Vec<&str> = elements
        .iter()
        .map(AsRef::as_ref)
        .filter(|e| !e.is_empty())
        .collect();
    if parts.is_empty() {
        return String::new();
    }
    clean(&parts.join("/"))
}

/// Whether `path` is absolute (starts with a slash), as Go's `path.IsAbs`.
pub fn is_abs(path: &str) -> bool {
    path.starts_with('/')
}

/// The part of `path` below `parent`, when `parent` is `path` itself (empty remainder) or
/// one of its directories. Both must already be cleaned. The comparison is by component,
/// so `/var/runx` is not below `/var/run`.
pub fn strip_parent<'a>(path: &'a str, parent: &str) -> Option<&'a str> {
    if parent == "/" {
        return is_abs(path).then(|| path.trim_start_matches('/'));
    }
    let rest = path.strip_prefix(parent)?;
    if rest.is_empty() {
        Some(rest)
    } else {
        rest.strip_prefix('/')
    }
}

/// Why a set of host path aliases was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AliasError {
    /// An alias's node path (the key) is not absolute.
    #[error(
        "host path alias {path:?} is not absolute; write the node path from the root, for example /var/run"
    )]
    RelativeAlias {
        /// The path as given.
        path: String,
    },
    /// An alias's target is not absolute.
    #[error(
        "host path alias {alias:?} points to {target:?}, which is not absolute; write the target from the root, for example /run"
    )]
    RelativeTarget {
        /// The alias the target belongs to.
        alias: String,
        /// The target as given.
        target: String,
    },
    /// Following the aliases never settles: a path is rewritten back to itself or grows
    /// without end (an alias pointing inside itself).
    #[error(
        "host path aliases form a cycle: {}; each chain of aliases must end at a path that is not aliased again",
        .cycle.join(" -> ")
    )]
    Cycle {
        /// The paths visited, starting and ending with the repeating one.
        cycle: Vec<String>,
    },
}

/// Node paths that name the same directory as another, such as `/var/run` being a
/// symlink to `/run` on most distributions.
///
/// Two node paths are the same file when their canonical forms are equal: cleaned, then
/// with the longest aliased leading directory replaced by what it stands for, repeatedly
/// until no alias applies (so `a -> b`, `b -> c` takes `a/x` to `c/x`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPathAliases {
    /// Cleaned alias → cleaned target.
    aliases: BTreeMap<String, String>,
}

impl Default for HostPathAliases {
    /// The symlinks found on common distributions: `/var/run -> /run` and
    /// `/var/lock -> /run/lock`.
    fn default() -> Self {
        let aliases = DEFAULT_ALIASES
            .iter()
            .map(|(from, to)| (from.to_string(), to.to_string()))
            .collect();
        HostPathAliases { aliases }
    }
}

/// The aliases every supported distribution has.
const DEFAULT_ALIASES: [(&str, &str); 2] = [("/var/run", "/run"), ("/var/lock", "/run/lock")];

impl HostPathAliases {
    /// Exactly the given aliases (node path → the path it is an alias of), none of the
    /// defaults. Paths are cleaned; a later pair for the same path replaces an earlier one.
    pub fn new<I, A, B>(pairs: I) -> Result<Self, AliasError>
    where
        I: IntoIterator<Item = (A, B)>,
        A: AsRef<str>,
        B: AsRef<str>,
    {
        Self::build(BTreeMap::new(), pairs)
    }

    /// The defaults plus the given aliases; a given alias replaces a default for the same
    /// node path.
    pub fn with_defaults<I, A, B>(pairs: I) -> Result<Self, AliasError>
    where
        I: IntoIterator<Item = (A, B)>,
        A: AsRef<str>,
        B: AsRef<str>,
    {
        Self::build(Self::default().aliases, pairs)
    }

    /// No aliases at all: every cleaned path is its own canonical form.
    pub fn none() -> Self {
        HostPathAliases {
            aliases: BTreeMap::new(),
        }
    }

    fn build<I, A, B>(mut aliases: BTreeMap<String, String>, pairs: I) -> Result<Self, AliasError>
    where
        I: IntoIterator<Item = (A, B)>,
        A: AsRef<str>,
        B: AsRef<str>,
    {
        for (from, to) in pairs {
            let (from, to) = (from.as_ref(), to.as_ref());
            if !is_abs(from) {
                return Err(AliasError::RelativeAlias {
                    path: from.to_string(),
                });
            }
            if !is_abs(to) {
                return Err(AliasError::RelativeTarget {
                    alias: from.to_string(),
                    target: to.to_string(),
                });
            }
            let (from, to) = (clean(from), clean(to));
            // Harmless to follow, but almost surely a typo for a different target.
            if from == to {
                return Err(AliasError::Cycle {
                    cycle: vec![from, to],
                });
            }
            aliases.insert(from, to);
        }
        let set = HostPathAliases { aliases };
        // Starting from every alias itself exercises every rewrite a chain can take, so
        // a set that settles for each key settles for every path under them.
        for key in set.aliases.keys() {
            set.follow(key)?;
        }
        Ok(set)
    }

    /// The aliases as cleaned (node path, target) pairs, in path order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.aliases.iter().map(|(a, b)| (a.as_str(), b.as_str()))
    }

    /// The canonical node path: cleaned, with aliased leading directories replaced until
    /// none applies.
    pub fn canonical(&self, path: &str) -> String {
        match self.follow(path) {
            Ok(path) => path,
            // Construction refused every set that does not settle; should one slip
            // through, the last path reached is still a fair answer and no loop hangs.
            Err(AliasError::Cycle { cycle }) => {
                cycle.last().cloned().unwrap_or_else(|| clean(path))
            }
            Err(_) => clean(path),
        }
    }

    /// Whether two node paths name the same file once aliases are applied.
    pub fn same_file(&self, a: &str, b: &str) -> bool {
        self.canonical(a) == self.canonical(b)
    }

    /// The longest alias that is `path` or one of its directories, with the remainder.
    fn longest_match<'p>(&self, path: &'p str) -> Option<(&str, &'p str)> {
        self.aliases
            .iter()
            .filter_map(|(alias, target)| {
                strip_parent(path, alias).map(|rest| (alias.len(), target.as_str(), rest))
            })
            .max_by_key(|(len, _, _)| *len)
            .map(|(_, target, rest)| (target, rest))
    }

    fn follow(&self, path: &str) -> Result<String, AliasError> {
        let mut current = clean(path);
        let mut seen = vec![current.clone()];
        // A settling chain applies each alias at most once per component it can remove,
        // so this bound is generous; past it the path keeps growing (`/a -> /a/b`) and
        // would never settle.
        let components = current.split('/').filter(|c| !c.is_empty()).count();
        let limit = (self.aliases.len() + 1) * (components + 2);
        while let Some((target, rest)) = self.longest_match(&current) {
            let next = join(&[target, rest]);
            if next == current {
                break;
            }
            if let Some(start) = seen.iter().position(|p| *p == next) {
                let mut cycle: Vec<String> = seen.get(start..).unwrap_or_default().to_vec();
                cycle.push(next);
                return Err(AliasError::Cycle { cycle });
            }
            seen.push(next.clone());
            current = next;
            if seen.len() > limit {
                return Err(AliasError::Cycle { cycle: seen });
            }
        }
        Ok(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn clean_matches_go() {
        let cases = [
            ("", "."),
            (".", "."),
            ("/", "/"),
            ("//", "/"),
            ("/../a", "/a"),
            ("/var//run/x", "/var/run/x"),
            ("/var/run/", "/var/run"),
            ("/var/./run/../lock", "/var/lock"),
            ("a/../..", ".."),
            ("../../a", "../../a"),
            ("a/b/../../..", ".."),
            ("x", "x"),
            ("./x/", "x"),
            ("/a/b/c/../../../..", "/"),
        ];
        for (input, want) in cases {
            assert_eq!(clean(input), want, "clean({input:?})");
        }
    }

    #[test]
    fn dir_matches_go() {
        let cases = [
            ("", "."),
            ("x", "."),
            ("/", "/"),
            ("/x", "/"),
            ("/var//run/x", "/var/run"),
            ("/var/run/", "/var/run"),
            ("/var/run/reboot-required", "/var/run"),
            ("/sentinel/gated-reboot-required", "/sentinel"),
            ("a/b", "a"),
            ("//x", "/"),
        ];
        for (input, want) in cases {
            assert_eq!(dir(input), want, "dir({input:?})");
        }
    }

    #[test]
    fn base_matches_go() {
        let cases = [
            ("", "."),
            ("/", "/"),
            ("///", "/"),
            ("/var/run/", "run"),
            ("/var//run/x", "x"),
            ("x", "x"),
            ("/var/run/reboot-required", "reboot-required"),
            ("a/b//", "b"),
        ];
        for (input, want) in cases {
            assert_eq!(base(input), want, "base({input:?})");
        }
    }

    #[test]
    fn join_matches_go() {
        let cases: [(&[&str], &str); 6] = [
            (&[], ""),
            (&["", ""], ""),
            (&["/sentinel", "x"], "/sentinel/x"),
            (&["/var/run/", "/x"], "/var/run/x"),
            (&["a", "", "b"], "a/b"),
            (&["/", "..", "x"], "/x"),
        ];
        for (input, want) in cases {
            assert_eq!(join(input), want, "join({input:?})");
        }
    }

    #[test]
    fn strip_parent_compares_components() {
        let cases = [
            ("/var/run/x", "/var/run", Some("x")),
            ("/var/run", "/var/run", Some("")),
            ("/var/runx", "/var/run", None),
            ("/var/run/x/y", "/", Some("var/run/x/y")),
            ("/", "/", Some("")),
            ("/var", "/var/run", None),
        ];
        for (path, parent, want) in cases {
            assert_eq!(strip_parent(path, parent), want, "{path} under {parent}");
        }
    }

    #[test]
    fn default_aliases_canonicalise() {
        let aliases = HostPathAliases::default();
        let cases = [
            ("/var/run/x", "/run/x"),
            ("/var/run", "/run"),
            ("/var//run/", "/run"),
            ("/var/runx", "/var/runx"),
            ("/var/lock/a", "/run/lock/a"),
            ("/run/x", "/run/x"),
            ("/sentinel/x", "/sentinel/x"),
        ];
        for (input, want) in cases {
            assert_eq!(aliases.canonical(input), want, "canonical({input:?})");
        }
    }

    #[test]
    fn same_file_cases() {
        let aliases = HostPathAliases::default();
        let cases = [
            ("/var/run/x", "/run/x", true),
            (
                "/var/run/gated-reboot-required",
                "/run//gated-reboot-required",
                true,
            ),
            ("/var/run/x", "/var/runx", false),
            (
                "/sentinel/gated-reboot-required",
                "/var/run/gated-reboot-required",
                false,
            ),
            ("/var/lock/l", "/run/lock/l", true),
        ];
        for (a, b, want) in cases {
            assert_eq!(aliases.same_file(a, b), want, "same_file({a}, {b})");
        }
        assert!(!HostPathAliases::none().same_file("/var/run/x", "/run/x"));
    }

    #[test]
    fn user_aliases_chain_and_prefer_the_longest() {
        let aliases = HostPathAliases::with_defaults([("/a", "/b"), ("/b", "/var/run/c")]).unwrap();
        assert_eq!(aliases.canonical("/a/x"), "/run/c/x");
        let nested = HostPathAliases::new([("/host", "/"), ("/host/run", "/run2")]).unwrap();
        let shrinking = HostPathAliases::new([("/a/b", "/a")]).unwrap();
        assert_eq!(shrinking.canonical("/a/b/b/b/b/b/b/b/x"), "/a/x");
        assert_eq!(nested.canonical("/host/run/x"), "/run2/x");
        assert_eq!(nested.canonical("/host/etc"), "/etc");
    }

    #[test]
    fn refuses_bad_alias_sets() {
        let cases: [(&[(&str, &str)], &str); 6] = [
            (&[("var/run", "/run")], "not absolute"),
            (&[("/var/run", "run")], "points to \"run\""),
            (&[("/a", "/b"), ("/b", "/a")], "cycle: /a -> /b -> /a"),
            (&[("/a", "/a")], "cycle"),
            (&[("/a", "/a/b")], "cycle"),
            (&[("/a", "/c"), ("/c", "/a/b")], "cycle"),
        ];
        for (pairs, want) in cases {
            let err = HostPathAliases::new(pairs.iter().copied()).unwrap_err();
            assert!(err.to_string().contains(want), "{pairs:?}: {err}");
        }
    }

    fn path_strategy() -> impl Strategy<Value = String> {
        let part = prop_oneof![
            Just("".to_string()),
            Just(".".to_string()),
            Just("..".to_string()),
            "[a-c]{1,3}",
            Just("var".to_string()),
            Just("run".to_string()),
        ];
        (
            any::<bool>(),
            prop::collection::vec(part, 0..8),
            any::<bool>(),
        )
            .prop_map(|(rooted, parts, trailing)| {
                let mut s = parts.join("/");
                if rooted {
                    s.insert(0, '/');
                }
                if trailing {
                    s.push('/');
                }
                s
            })
    }

    proptest! {
        #[test]
        fn clean_is_idempotent(p in path_strategy()) {
            let once = clean(&p);
            prop_assert_eq!(clean(&once), once);
        }

        #[test]
        fn clean_of_absolute_stays_under_root(p in path_strategy()) {
            let abs = format!("/{p}");
            let c = clean(&abs);
            prop_assert!(c.starts_with('/'));
            prop_assert!(!c.split('/').any(|part| part == ".." || part == "."));
        }

        #[test]
        fn same_file_is_symmetric(a in path_strategy(), b in path_strategy()) {
            let aliases = HostPathAliases::default();
            prop_assert_eq!(aliases.same_file(&a, &b), aliases.same_file(&b, &a));
        }

        #[test]
        fn join_dir_base_rebuilds_absolute_paths(p in path_strategy()) {
            let abs = format!("/{p}");
            // A trailing slash makes Base name the last directory, which Dir keeps too.
            prop_assume!(clean(&abs) != "/" && !abs.ends_with('/'));
            prop_assert_eq!(join(&[dir(&abs), base(&abs)]), clean(&abs));
        }

        #[test]
        fn canonical_is_idempotent(p in path_strategy()) {
            let aliases = HostPathAliases::default();
            let once = aliases.canonical(&p);
            prop_assert_eq!(aliases.canonical(&once), once);
        }

        // The path strategy never produces backslashes, NULs or long runs of dots; any
        // string must clean just as predictably.
        #[test]
        fn clean_of_any_string_is_idempotent_and_rooted(p in "[/.a\\\\\\x00é]{0,24}") {
            let once = clean(&p);
            prop_assert_eq!(clean(&once), once.clone());
            prop_assert_eq!(is_abs(&once), is_abs(&p));
            if is_abs(&p) {
                prop_assert!(!once.split('/').any(|part| part == ".." || part == "."));
            }
        }

        #[test]
        fn user_aliases_are_symmetric_and_idempotent(
            pairs in prop::collection::vec((path_strategy(), path_strategy()), 0..4),
            a in path_strategy(),
            b in path_strategy(),
        ) {
            let rooted = pairs.iter().map(|(from, to)| (format!("/{from}"), format!("/{to}")));
            // Sets that would not settle are refused; every accepted set must behave.
            if let Ok(aliases) = HostPathAliases::with_defaults(rooted) {
                prop_assert_eq!(aliases.same_file(&a, &b), aliases.same_file(&b, &a));
                prop_assert!(aliases.same_file(&a, &a));
                let once = aliases.canonical(&a);
                prop_assert_eq!(aliases.canonical(&once), once.clone());
                prop_assert_eq!(clean(&once), once);
            }
        }
    }
}
