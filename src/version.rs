//! What this binary is: the provider's version, the commit it was built from and the
//! target, as `terraform-provider-kured --version` prints them and the handshake logs them.
//! `build.rs` records the commit and target; nothing here depends on when or where the
//! binary was built.

/// The provider's version, as published in the registry (without the `v`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The Rust target triple the binary was built for.
pub const TARGET: &str = env!("KURED_BUILD_TARGET");

/// The commit the binary was built from, when the build recorded one (release builds
/// from a git checkout, or `KURED_BUILD_COMMIT`).
pub fn commit() -> Option<&'static str> {
    Some(env!("KURED_BUILD_COMMIT")).filter(|c| !c.is_empty())
}

/// Whether the command line asks for the version rather than a plugin server. `-version`
/// is accepted too, the way Terraform itself spells it.
pub fn requested(args: &[String]) -> bool {
    args.iter().any(|a| a == "--version" || a == "-version")
}

/// The `--version` text: the version on the first line, then the commit and the target.
pub fn report() -> String {
    format!(
        "terraform-provider-kured v{VERSION}\ncommit: {}\ntarget: {TARGET}\n",
        commit().unwrap_or("unknown (not a release build from git)")
    )
}

/// One line for logs: `0.2.0 (commit 0123abc…, x86_64-unknown-linux-gnu)`.
pub fn summary() -> String {
    match commit() {
        Some(commit) => format!("{VERSION} (commit {commit}, {TARGET})"),
        None => format!("{VERSION} ({TARGET})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_both_spellings_of_the_flag_and_nothing_else() {
        let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(requested(&args(&["--version"])));
        assert!(requested(&args(&["-version"])));
        assert!(!requested(&args(&[])));
        assert!(!requested(&args(&["--debug"])));
        assert!(!requested(&args(&["--versions"])));
    }

    #[test]
    fn the_report_leads_with_the_package_version_and_names_the_target() {
        let report = report();
        assert_eq!(
            report.lines().next(),
            Some(format!("terraform-provider-kured v{}", env!("CARGO_PKG_VERSION")).as_str())
        );
        assert!(report.contains(&format!("target: {TARGET}\n")));
        assert!(!TARGET.is_empty());
        assert!(summary().starts_with(VERSION));
    }
}
