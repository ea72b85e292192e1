//! Stacks that use this provider: a filesystem mirror holding the binary cargo just
//! built, and workdirs whose configuration requires it.

// Every test binary includes this module but uses only part of it.
#![allow(dead_code)]

use std::path::Path;

use super::fake_apiserver::write_kubeconfig;
use super::terraform::{Mirror, Workdir};

/// The provider binary under test.
pub const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-kured");
/// Its version, which names its directory in the mirror.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The `terraform` block every stack needs.
pub const HEADER: &str = r#"
terraform {
  required_providers {
    kured = { source = "rebootgate/kured" }
  }
}
"#;

/// A fresh mirror holding the provider under its registry address.
pub fn mirror() -> Mirror {
    let mirror = Mirror::new();
    mirror.add_provider(
        "registry.terraform.io",
        "rebootgate",
        "kured",
        VERSION,
        Path::new(PROVIDER),
    );
    mirror
}

/// A workdir holding `main.tf` = header + `body` and the given extra files, initialised.
pub fn stack_with_files(body: &str, files: &[(&str, &str)]) -> Workdir {
    let dir = Workdir::new(&mirror());
    dir.write("main.tf", &format!("{HEADER}\n{body}"));
    for (name, text) in files {
        dir.write(name, text);
    }
    dir.init().assert_success("terraform init from the mirror");
    dir
}

/// A workdir holding `main.tf` = header + `body`, initialised.
pub fn stack(body: &str) -> Workdir {
    stack_with_files(body, &[])
}

/// A workdir whose provider reads the cluster at `server_url` through a kubeconfig in the
/// workdir, with a short request timeout.
pub fn live_stack(server_url: &str, body: &str) -> Workdir {
    live_stack_with(server_url, "", body)
}

/// Like [`live_stack`], with more arguments (`provider_args`, HCL lines) in the
/// provider block.
pub fn live_stack_with(server_url: &str, provider_args: &str, body: &str) -> Workdir {
    let dir = Workdir::new(&mirror());
    let kubeconfig = write_kubeconfig(dir.path(), server_url, "fake");
    dir.write(
        "main.tf",
        &format!(
            "{HEADER}\nprovider \"kured\" {{\n  kubeconfig_path = \"{}\"\n  request_timeout = \"2s\"\n{provider_args}\n}}\n{body}\n",
            kubeconfig.display()
        ),
    );
    dir.init().assert_success("terraform init from the mirror");
    dir
}

/// A copy of `examples/<path>` (its `.tf` and `.yaml` files), initialised exactly as a user
/// who copies the directory would: every example carries its own `terraform` block.
pub fn example(path: &str) -> Workdir {
    let dir = Workdir::new(&mirror());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(path);
    let mut has_terraform_block = false;
    for entry in std::fs::read_dir(&root).expect("example directory exists") {
        let path = entry.expect("readable entry").path();
        let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if !matches!(ext, "tf" | "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable example");
        has_terraform_block |= ext == "tf" && text.contains("required_providers");
        dir.write(
            &path.file_name().expect("file name").to_string_lossy(),
            &text,
        );
    }
    assert!(
        has_terraform_block,
        "examples/{path} has no required_providers block, so it does not work as copied"
    );
    dir.init()
        .assert_success(&format!("terraform init of examples/{path}"));
    dir
}
