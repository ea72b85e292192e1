//! terraform-provider-kured: refuses reboot policies that cannot reboot a node.
//!
//! This package is the provider binary's thin layer over two crates of the workspace:
//! [`kured_core`] (the pure model of kured, its chart, node paths, budgets and rollouts)
//! and [`tfplugin`] (Terraform's plugin protocol). Every module here is an adapter:
//!
//! - [`provider`]: the provider's configuration and the list of what it serves;
//! - one file per resource, data source and function: `gated_reboot_policy`,
//!   `sentinel_paths`, `pdb_coverage`, `reboot_forecast`, and `functions/`;
//! - `inputs` and `live`: the `kured` and `gate` objects they share, from configuration or
//!   from the cluster;
//! - [`cluster`]: read-only access to a live cluster through `kube`.

pub mod cluster;
mod functions;
mod gated_reboot_policy;
mod inputs;
mod live;
mod pdb_coverage;
pub mod provider;
mod reboot_forecast;
mod sentinel_paths;

pub use provider::{KuredProvider, ProviderState};

/// The provider's registry address, as stacks write it in `required_providers`.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/rebootgate/kured";

/// Runs the provider as a Terraform plugin.
pub fn run() -> std::process::ExitCode {
    tfplugin::serve::main(KuredProvider, PROVIDER_ADDRESS)
}
