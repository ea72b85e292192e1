//! Installing the provider the way a team's CI does, through the real Terraform: from a
//! registry with a signed `SHA256SUMS`, from a network mirror filled by
//! `terraform providers mirror`, and against a lock file written for another build.
//!
//! The releases are laid out by the project's own `tools/release/package.py` and signed
//! by `tools/release/sign.sh` with a throwaway GPG key; the registry and the mirror are
//! HTTPS servers on loopback with a certificate authority made by the test, which
//! Terraform trusts through `SSL_CERT_FILE`. A registry named `localhost:PORT` is
//! reached through service discovery; one that stands in for `registry.terraform.io`
//! (so the lock file says exactly what a user's would) through a `host` block in the CLI
//! configuration.

// Tests and benchmarks fail by panicking; the workspace denies it only in the product.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use support::https::{HttpsServer, TestCa};
use support::release::{self, GpgKey, Release};
use support::terraform::{Mirror, Workdir, os_arch};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-kured");
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The message Terraform gives when a package is not the one a lock file recorded.
const LOCK_MISMATCH: &str =
    "doesn't match any of the checksums previously recorded in the dependency lock file";

/// A stack that installs the provider from `source` and calls one of its functions.
fn stack(source: &str) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    kured = {{
      source  = "{source}"
      version = "{VERSION}"
    }}
  }}
}}

output "path" {{
  value = provider::kured::sentinel_host_path("5.11.0", [])
}}
"#
    )
}

/// Installation straight from registries, with no local mirror directories consulted
/// (a `make install` on this machine must not stand in for the registry).
const DIRECT_ONLY: &str = "provider_installation {\n  direct {}\n}\n";

/// `registry.terraform.io` answered by `server`, as a user's `source = "rebootgate/kured"`
/// would be by the public registry.
fn as_public_registry(server: &HttpsServer) -> String {
    format!(
        "host \"registry.terraform.io\" {{\n  services = {{\n    \"providers.v1\" = \"{}/v1/providers/\"\n  }}\n}}\n{DIRECT_ONLY}",
        server.base_url()
    )
}

/// A workdir with `main.tf` requiring `source`, whose Terraform reads `cli_config` and
/// trusts the test CA.
fn workdir(ca: &TestCa, cli_config: &str, source: &str) -> Workdir {
    let mut dir = Workdir::new(&Mirror::new());
    std::fs::write(dir.cli_config_path(), cli_config).expect("write the CLI configuration");
    dir.env(
        "SSL_CERT_FILE",
        ca.ca_file().to_str().expect("a UTF-8 path"),
    );
    dir.write("main.tf", &stack(source));
    dir
}

/// The provider, once installed, answers a function call.
#[track_caller]
fn assert_provider_runs(dir: &Workdir) {
    dir.apply()
        .assert_success("apply with the installed provider");
    assert_eq!(
        dir.output_json()["path"]["value"],
        "/var/run/reboot-required"
    );
}

/// This test build, packaged and signed as a release of this version.
fn signed_release_of_this_build(key: &GpgKey) -> Arc<Release> {
    let release = Release::package(Path::new(PROVIDER), VERSION, &os_arch());
    release.sign(key);
    Arc::new(release)
}

#[test]
fn terraform_init_installs_from_a_registry_and_verifies_the_signature() {
    let ca = TestCa::new();
    let key = GpgKey::generate("kured release key");
    let release = signed_release_of_this_build(&key);
    let server = HttpsServer::start(&ca, release::registry(release.clone(), "rebootgate", &key));
    let source = format!("{}/rebootgate/kured", server.host());

    let dir = workdir(&ca, DIRECT_ONLY, &source);
    dir.init()
        .assert_success("terraform init from the test registry")
        .assert_contains(&format!(
            "Installed {source} v{VERSION} (self-signed, key ID {})",
            key.key_id
        ));

    let (os, arch) = os_arch()
        .split_once('_')
        .map(|(o, a)| (o.to_owned(), a.to_owned()))
        .unwrap();
    let zip = format!("terraform-provider-kured_{VERSION}_{os}_{arch}.zip");
    let sums = format!("terraform-provider-kured_{VERSION}_SHA256SUMS");
    let asked = server.requests();
    for path in [
        "/.well-known/terraform.json".to_owned(),
        "/v1/providers/rebootgate/kured/versions".to_owned(),
        format!("/v1/providers/rebootgate/kured/{VERSION}/download/{os}/{arch}"),
        format!("/files/{zip}"),
        format!("/files/{sums}"),
        format!("/files/{sums}.sig"),
    ] {
        assert!(
            asked.contains(&path),
            "Terraform never asked for {path}: {asked:?}"
        );
    }

    // As from the public registry: the package's own h1 hash, and a zh hash for every
    // file the signed SHA256SUMS lists (each platform's zip and the manifest).
    let (locked_version, hashes) = release::lock_hashes(dir.path(), &source);
    assert_eq!(locked_version, VERSION);
    let mut expected: BTreeSet<String> = release
        .sums()
        .into_values()
        .map(|sum| format!("zh:{sum}"))
        .collect();
    expected.insert(release.h1(&os_arch()));
    assert_eq!(hashes.into_iter().collect::<BTreeSet<_>>(), expected);

    assert_provider_runs(&dir);
}

#[test]
fn terraform_init_refuses_a_release_whose_signature_is_not_from_the_published_key() {
    let ca = TestCa::new();
    let signer = GpgKey::generate("someone else");
    let published = GpgKey::generate("kured release key");
    let release = signed_release_of_this_build(&signer);
    let server = HttpsServer::start(
        &ca,
        release::registry(release.clone(), "rebootgate", &published),
    );
    let source = format!("{}/rebootgate/kured", server.host());

    let dir = workdir(&ca, DIRECT_ONLY, &source);
    dir.init()
        .assert_failure("terraform init with a signature from another key")
        .assert_contains("authentication signature from unknown issuer");
    assert!(
        !dir.path().join(".terraform.lock.hcl").exists(),
        "nothing may be locked from a release that failed its signature check"
    );
}

#[test]
fn terraform_init_installs_from_a_network_mirror_made_by_terraform_providers_mirror() {
    let ca = TestCa::new();
    let key = GpgKey::generate("kured release key");
    let release = signed_release_of_this_build(&key);
    let registry = HttpsServer::start(&ca, release::registry(release.clone(), "rebootgate", &key));

    // What a team with air-gapped runners does: fill a mirror from the registry...
    let mirror_dir = tempfile::Builder::new()
        .prefix("network-mirror-")
        .tempdir()
        .expect("a mirror directory");
    let maker = workdir(&ca, &as_public_registry(&registry), "rebootgate/kured");
    maker
        .run(&[
            "providers",
            "mirror",
            &format!("-platform={}", os_arch()),
            mirror_dir.path().to_str().expect("a UTF-8 path"),
        ])
        .assert_success("terraform providers mirror");
    drop(registry);

    // ...and serve it over HTTPS; the registry is gone, only the mirror can answer.
    let mirror = HttpsServer::start(
        &ca,
        release::files(PathBuf::from(mirror_dir.path()), "/mirror/"),
    );
    let config = format!(
        "provider_installation {{\n  network_mirror {{\n    url = \"{}/mirror/\"\n  }}\n}}\n",
        mirror.base_url()
    );
    let dir = workdir(&ca, &config, "rebootgate/kured");
    dir.init()
        .assert_success("terraform init from the network mirror")
        .assert_contains(&format!(
            "Installed rebootgate/kured v{VERSION} (verified checksum)"
        ));
    let asked = mirror.requests();
    for path in [
        "/mirror/registry.terraform.io/rebootgate/kured/index.json".to_owned(),
        format!("/mirror/registry.terraform.io/rebootgate/kured/{VERSION}.json"),
    ] {
        assert!(
            asked.contains(&path),
            "Terraform never asked for {path}: {asked:?}"
        );
    }
    let (locked_version, hashes) =
        release::lock_hashes(dir.path(), "registry.terraform.io/rebootgate/kured");
    assert_eq!(locked_version, VERSION);
    assert!(
        hashes.contains(&release.h1(&os_arch())),
        "the lock file records the package's h1 hash: {hashes:?}"
    );

    assert_provider_runs(&dir);
}

/// A `dist/` directory named by an environment variable `make test` sets.
fn release_dir(var: &str) -> PathBuf {
    let dir = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        panic!(
            "{var} is not set: this test compares two release builds; run it with `make test`, \
             which builds them with `make reproducible` and passes their dist/ directories"
        )
    });
    assert!(dir.is_dir(), "{var}={} is not a directory", dir.display());
    dir
}

#[test]
#[ignore = "needs two release builds: `make test` runs it after `make reproducible`"]
fn a_lock_file_written_for_one_build_accepts_an_independent_build_of_the_same_commit() {
    let ca = TestCa::new();
    let key = GpgKey::generate("kured release key");
    let build_a = Arc::new(Release::copy_of(&release_dir("KURED_RELEASE_A")));
    let build_b = Arc::new(Release::copy_of(&release_dir("KURED_RELEASE_B")));
    assert_eq!(build_a.version, VERSION);
    build_a.sign(&key);
    build_b.sign(&key);

    // A developer's `terraform init` against the first build writes the lock file...
    let server_a = HttpsServer::start(&ca, release::registry(build_a, "rebootgate", &key));
    let first = workdir(&ca, &as_public_registry(&server_a), "rebootgate/kured");
    first
        .init()
        .assert_success("terraform init against build A")
        .assert_contains(&format!("(self-signed, key ID {})", key.key_id));
    let lock = std::fs::read_to_string(first.path().join(".terraform.lock.hcl"))
        .expect("the lock file build A wrote");
    drop(server_a);

    // ...which CI, installing the second build, verifies and leaves as it was.
    let server_b = HttpsServer::start(&ca, release::registry(build_b, "rebootgate", &key));
    let second = workdir(&ca, &as_public_registry(&server_b), "rebootgate/kured");
    second.write(".terraform.lock.hcl", &lock);
    second
        .init()
        .assert_success("terraform init against build B with build A's lock file");
    assert_eq!(
        std::fs::read_to_string(second.path().join(".terraform.lock.hcl"))
            .expect("the lock file after build B"),
        lock,
        "installing build B changed the lock file"
    );
    assert_provider_runs(&second);
    drop(server_b);

    // A build that is not the same bytes (this test's own debug build, as the same
    // version) is refused: the check above could fail.
    let other = signed_release_of_this_build(&key);
    let server_c = HttpsServer::start(&ca, release::registry(other, "rebootgate", &key));
    let third = workdir(&ca, &as_public_registry(&server_c), "rebootgate/kured");
    third.write(".terraform.lock.hcl", &lock);
    third
        .init()
        .assert_failure("terraform init against a different build with build A's lock file")
        .assert_contains(LOCK_MISMATCH);
}
