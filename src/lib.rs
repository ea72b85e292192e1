//! terraform-provider-kured: refuses reboot policies that cannot reboot a node.
//!
//! This package is the provider binary's thin layer over two crates of the workspace:
//! [`kured_core`] (the pure model of kured, its chart, node paths, budgets and rollouts)
//! and [`tfplugin`] (Terraform's plugin protocol). Every module here is an adapter:
//!
//! - [`provider`]: the provider's configuration and the list of what it serves;
//! - one file per resource, data source and function: `gated_reboot_policy`,
//!   `sentinel_paths`, `pdb_coverage`, and `functions/`;
//! - `inputs` and `live`: the `kured` and `gate` objects they share, from configuration or
//!   from the cluster;
//! - [`cluster`]: read-only access to a live cluster through `kube`;
//! - [`version`]: what `--version` prints and the handshake logs.

pub mod cluster;
mod functions;
mod gated_reboot_policy;
mod inputs;
mod live;
mod pdb_coverage;
pub mod provider;
mod sentinel_paths;
pub mod version;

pub use provider::{KuredProvider, ProviderState};

/// The provider's registry address, as stacks write it in `required_providers`.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/rebootgate/kured";

/// Runs the provider as a Terraform plugin, or prints its version when asked to.
pub fn run() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if version::requested(&args) {
        print!("{}", version::report());
        return std::process::ExitCode::SUCCESS;
    }
    let version = version::summary();
    let options = tfplugin::serve::ServeOptions {
        provider_address: PROVIDER_ADDRESS,
        version: &version,
    };
    tfplugin::serve::main_with_options(KuredProvider, &options)
}
