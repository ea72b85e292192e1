//! Records what `terraform-provider-kured --version` reports: the commit and the target.
//!
//! The commit comes from `git rev-parse HEAD` in release builds (every profile that
//! inherits `release`, which is what `make release` and the release workflow build), or
//! from `KURED_BUILD_COMMIT` when a packager builds from a source archive without `.git`.
//! Debug builds record none: they would otherwise recompile every test binary of this
//! package after each commit. Nothing time- or path-dependent is recorded, so the same
//! commit gives the same bytes wherever it is built.
//!
//! On Linux it also links the binary as a position-dependent executable. Terraform starts
//! the provider three times per plan and four per apply, and each start of a
//! position-independent build made the dynamic loader apply 27,911 relative relocations
//! (0.56M instructions and a private copy of every page they touch) before `main`. Linked
//! at a fixed address, the binary has none left, as Go providers (built without
//! `-buildmode=pie`) have none. Shared libraries, the heap and the stack stay randomised.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=KURED_BUILD_COMMIT");

    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=KURED_BUILD_TARGET={target}");

    let commit = match std::env::var("KURED_BUILD_COMMIT") {
        Ok(commit) if !commit.trim().is_empty() => commit.trim().to_owned(),
        _ if std::env::var("PROFILE").as_deref() == Ok("release") => {
            git_commit().unwrap_or_default()
        }
        _ => String::new(),
    };
    println!("cargo:rustc-env=KURED_BUILD_COMMIT={commit}");

    // `-no-pie` is a flag of the gcc and clang drivers, which Rust uses to link on Linux.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }

    // The MSVC linker writes a link timestamp and the absolute path of the PDB into every
    // executable; /Brepro replaces the timestamp with a hash of the contents and
    // /PDBALTPATH keeps only the PDB's file name.
    if std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("msvc") {
        println!("cargo:rustc-link-arg-bins=/Brepro");
        println!("cargo:rustc-link-arg-bins=/PDBALTPATH:%_PDB%");
    }
}

/// The checked-out commit, watching the files that change when it does.
fn git_commit() -> Option<String> {
    let head = git(&["rev-parse", "--verify", "HEAD"])?;
    // A worktree keeps HEAD in its own git directory and branches in the common one.
    if let Some(git_dir) = git(&["rev-parse", "--git-dir"]).map(PathBuf::from) {
        watch(&git_dir.join("HEAD"));
        if let Some(common) = git(&["rev-parse", "--git-common-dir"]).map(PathBuf::from) {
            watch(&common.join("packed-refs"));
            if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
                watch(&common.join(branch));
            }
        }
    }
    Some(head)
}

fn watch(path: &Path) {
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// Runs git in the package's directory; `None` when git is missing or fails.
fn git(args: &[&str]) -> Option<String> {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")?;
    let out = Command::new("git")
        .args(args)
        .current_dir(&dir)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    if text.is_empty() {
        return None;
    }
    // git prints paths relative to the directory it ran in.
    if args.first() == Some(&"rev-parse") && args.get(1).is_some_and(|a| a.starts_with("--git")) {
        return Some(Path::new(&dir).join(text).to_string_lossy().into_owned());
    }
    Some(text)
}
