//! Releases as the Terraform Registry serves them, for the install tests.
//!
//! - [`GpgKey`] is a throwaway signing key in its own GnuPG home (`gpg` must be
//!   installed: `make test` installs Debian's gnupg when it is missing).
//! - [`Release`] is a `dist/` directory as `make release` writes it: packaged here by the
//!   project's own `tools/release/package.py` and signed by `tools/release/sign.sh`, or
//!   copied from an earlier `make release`/`make reproducible`.
//! - [`registry`] answers the provider registry protocol (service discovery, versions,
//!   download with shasums, signature and signing keys) for one release, and [`files`]
//!   serves a directory, as a network mirror made by `terraform providers mirror` is.
//! - [`lock_hashes`] reads the hashes a `.terraform.lock.hcl` records for a provider.

// Every test binary includes this module but uses only part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use serde_json::json;
use tempfile::TempDir;

use super::https::{Handler, Response};

/// The workspace root, where `tools/` lives.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs a command to completion, panicking with its output when it fails.
#[track_caller]
fn run(command: &mut Command, what: &str) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {command:?}: {e}"));
    if !out.status.success() {
        panic!(
            "{what}: {command:?} exited with {}\n--- stdout:\n{}\n--- stderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A throwaway RSA signing key in a GnuPG home of its own, removed with its agent on drop.
pub struct GpgKey {
    home: TempDir,
    /// The primary key's fingerprint, 40 hex digits.
    pub fingerprint: String,
    /// The long key ID (the fingerprint's last 16 hex digits), as Terraform prints it.
    pub key_id: String,
    /// The public key, ASCII-armored, as a registry publishes it.
    pub armored_public_key: String,
}

impl GpgKey {
    /// Generates a key; `who` goes into its user ID.
    pub fn generate(who: &str) -> Self {
        // Short path: gpg-agent's socket lives in the home, and socket paths are short.
        let home = tempfile::Builder::new()
            .prefix("gpg-")
            .tempdir_in("/tmp")
            .expect("a GnuPG home");
        run(
            gpg(home.path()).args([
                "--passphrase",
                "",
                "--quick-generate-key",
                &format!("{who} <install-tests@example.invalid>"),
                "rsa3072",
                "sign",
                "never",
            ]),
            "generate a throwaway GPG key (is gnupg installed? `make test` installs it)",
        );
        let listing = run(
            gpg(home.path()).args(["--with-colons", "--list-keys"]),
            "list the GPG key",
        );
        let fingerprint = listing
            .lines()
            .find_map(|l| l.strip_prefix("fpr:"))
            .and_then(|rest| rest.split(':').find(|f| f.len() == 40))
            .expect("a fingerprint in gpg's listing")
            .to_owned();
        let armored_public_key = run(
            gpg(home.path()).args(["--armor", "--export", &fingerprint]),
            "export the public key",
        );
        Self {
            home,
            key_id: fingerprint[24..].to_owned(),
            fingerprint,
            armored_public_key,
        }
    }

    /// The GnuPG home, for `GNUPGHOME`.
    pub fn home(&self) -> &Path {
        self.home.path()
    }
}

/// `gpg --batch` on the keyring in `home`.
fn gpg(home: &Path) -> Command {
    let mut cmd = Command::new("gpg");
    cmd.env("GNUPGHOME", home).arg("--batch");
    cmd
}

impl Drop for GpgKey {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.home())
            .args(["--kill", "gpg-agent"])
            .output();
    }
}

/// A release directory: the zips, `_manifest.json`, `_SHA256SUMS` and maybe its `.sig`.
pub struct Release {
    dir: TempDir,
    pub version: String,
}

impl Release {
    /// Packages `binary` as `version` for `platform` (`linux_amd64`) with
    /// `tools/release/package.py`, at deflate level 1 (a debug build is large).
    pub fn package(binary: &Path, version: &str, platform: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("release-")
            .tempdir()
            .expect("a release directory");
        run(
            Command::new("python3")
                .arg(workspace_root().join("tools/release/package.py"))
                .args(["--version", version, "--level", "1", "--out"])
                .arg(dir.path())
                .arg(format!("{platform}={}", binary.display())),
            "package the provider with tools/release/package.py",
        );
        Self {
            dir,
            version: version.to_owned(),
        }
    }

    /// A copy of a `dist/` directory written by `make release` or `make reproducible`.
    pub fn copy_of(dist: &Path) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("release-")
            .tempdir()
            .expect("a release directory");
        let mut version = None;
        for entry in std::fs::read_dir(dist)
            .unwrap_or_else(|e| panic!("read the release directory {}: {e}", dist.display()))
        {
            let entry = entry.expect("a directory entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(v) = name
                .strip_prefix("terraform-provider-kured_")
                .and_then(|rest| rest.strip_suffix("_SHA256SUMS"))
            {
                version = Some(v.to_owned());
            }
            std::fs::copy(entry.path(), dir.path().join(&name)).expect("copy a release file");
        }
        Self {
            dir,
            version: version.unwrap_or_else(|| panic!("no _SHA256SUMS in {}", dist.display())),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    fn file_name(&self, suffix: &str) -> String {
        format!("terraform-provider-kured_{}_{suffix}", self.version)
    }

    /// The path of `terraform-provider-kured_<V>_<suffix>`.
    pub fn file(&self, suffix: &str) -> PathBuf {
        self.path().join(self.file_name(suffix))
    }

    /// Signs `_SHA256SUMS` with `key` through `tools/release/sign.sh`.
    pub fn sign(&self, key: &GpgKey) -> &Self {
        run(
            Command::new("bash")
                .arg(workspace_root().join("tools/release/sign.sh"))
                .arg(self.path())
                .env("GNUPGHOME", key.home())
                .env("GPG_FINGERPRINT", &key.fingerprint)
                .env_remove("GPG_PASSPHRASE"),
            "sign SHA256SUMS with tools/release/sign.sh",
        );
        self
    }

    /// `_SHA256SUMS` as file name → SHA-256 hex.
    pub fn sums(&self) -> BTreeMap<String, String> {
        let text = std::fs::read_to_string(self.file("SHA256SUMS")).expect("read SHA256SUMS");
        text.lines()
            .filter_map(|line| line.split_once("  "))
            .map(|(sum, name)| (name.to_owned(), sum.to_owned()))
            .collect()
    }

    /// The platforms packaged, as `(os, arch)`, from the zip names.
    pub fn platforms(&self) -> Vec<(String, String)> {
        let prefix = self.file_name("");
        self.sums()
            .keys()
            .filter_map(|name| name.strip_prefix(&prefix)?.strip_suffix(".zip"))
            .filter_map(|platform| platform.split_once('_'))
            .map(|(os, arch)| (os.to_owned(), arch.to_owned()))
            .collect()
    }

    /// The protocol versions `_manifest.json` declares.
    pub fn protocols(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.file("manifest.json")).expect("read the manifest");
        let manifest: serde_json::Value = serde_json::from_str(&text).expect("a JSON manifest");
        manifest["metadata"]["protocol_versions"]
            .as_array()
            .expect("metadata.protocol_versions")
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    }

    /// Terraform's `h1:` hash of the package for `platform`, by `package.py h1`.
    pub fn h1(&self, platform: &str) -> String {
        run(
            Command::new("python3")
                .arg(workspace_root().join("tools/release/package.py"))
                .arg("h1")
                .arg(self.file(&format!("{platform}.zip"))),
            "compute the h1 hash",
        )
        .trim()
        .to_owned()
    }
}

/// The provider registry protocol for `namespace/kured`, serving one release and
/// advertising `key` as the key that signed it.
///
/// - `GET /.well-known/terraform.json`: `providers.v1` at `/v1/providers/`;
/// - `GET /v1/providers/NS/kured/versions`: the version, its protocols and platforms;
/// - `GET /v1/providers/NS/kured/V/download/OS/ARCH`: the package's file name, URLs of
///   the zip, `_SHA256SUMS` and its signature, the zip's SHA-256 and the public key;
/// - `GET /files/NAME`: the release's files.
pub fn registry(release: Arc<Release>, namespace: &str, key: &GpgKey) -> Arc<Handler> {
    let namespace = namespace.to_owned();
    let (key_id, key_armored) = (key.key_id.clone(), key.armored_public_key.clone());
    Arc::new(move |path: &str, base: &str| {
        let provider = format!("/v1/providers/{namespace}/kured/");
        if path == "/.well-known/terraform.json" {
            return Response::json(&json!({"providers.v1": "/v1/providers/"}));
        }
        if let Some(name) = path.strip_prefix("/files/") {
            return Response::file(&release.path().join(name), path);
        }
        let Some(rest) = path.strip_prefix(&provider) else {
            return Response::not_found(path);
        };
        if rest == "versions" {
            let platforms: Vec<_> = release
                .platforms()
                .into_iter()
                .map(|(os, arch)| json!({"os": os, "arch": arch}))
                .collect();
            return Response::json(&json!({"versions": [{
                "version": release.version,
                "protocols": release.protocols(),
                "platforms": platforms,
            }]}));
        }
        let parts: Vec<&str> = rest.split('/').collect();
        if let [version, "download", os, arch] = parts[..] {
            let zip = format!("terraform-provider-kured_{version}_{os}_{arch}.zip");
            let Some(shasum) = release.sums().get(&zip).cloned() else {
                return Response::not_found(path);
            };
            let sums = format!("terraform-provider-kured_{version}_SHA256SUMS");
            return Response::json(&json!({
                "protocols": release.protocols(),
                "os": os,
                "arch": arch,
                "filename": zip,
                "download_url": format!("{base}/files/{zip}"),
                "shasums_url": format!("{base}/files/{sums}"),
                "shasums_signature_url": format!("{base}/files/{sums}.sig"),
                "shasum": shasum,
                "signing_keys": {"gpg_public_keys": [{
                    "key_id": key_id,
                    "ascii_armor": key_armored,
                    "trust_signature": "",
                    "source": "install tests",
                    "source_url": null,
                }]},
            }));
        }
        Response::not_found(path)
    })
}

/// Static files from `root` under the URL path `prefix` (such as `/mirror/`).
pub fn files(root: PathBuf, prefix: &str) -> Arc<Handler> {
    let prefix = prefix.to_owned();
    Arc::new(move |path: &str, _base: &str| {
        match path.strip_prefix(&prefix) {
            // No way out of the root: the tests ask only for names Terraform builds.
            Some(rel) if !rel.split('/').any(|part| part == "..") => {
                Response::file(&root.join(rel), path)
            }
            _ => Response::not_found(path),
        }
    })
}

/// The hashes `.terraform.lock.hcl` in `dir` records for `provider` (its full address),
/// with the version it locks.
pub fn lock_hashes(dir: &Path, provider: &str) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(dir.join(".terraform.lock.hcl"))
        .unwrap_or_else(|e| panic!("read .terraform.lock.hcl in {}: {e}", dir.display()));
    let header = format!("provider \"{provider}\" {{");
    let block = text
        .split_once(&header)
        .map(|(_, rest)| rest.split("\n}").next().unwrap_or_default())
        .unwrap_or_else(|| panic!("no {header} block in the lock file:\n{text}"));
    let version = block
        .lines()
        .find_map(|l| l.trim().strip_prefix("version"))
        .and_then(|v| v.split('"').nth(1))
        .unwrap_or_else(|| panic!("no version in the lock file's block:\n{block}"))
        .to_owned();
    let hashes = block
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("\"h1:") || l.starts_with("\"zh:"))
        .map(|l| l.trim_end_matches(',').trim_matches('"').to_owned())
        .collect();
    (version, hashes)
}
