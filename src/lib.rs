//! terraform-provider-kured: refuses reboot policies that cannot reboot a node.
//!
//! This package is the provider binary's thin layer over two crates of the workspace:
//! [`kured_core`] (the pure model of kured, its chart, node paths, budgets and rollouts)
//! and [`tfplugin`] (Terraform's plugin protocol). Every module here is an adapter:
//!
//! - [`provider`]: the provider's configuration and the list of what it serves;
//! - one file per resource, data source and function: `gated_reboot_policy`,
//!   `sentinel_paths`, `pdb_coverage`, `reboot_forecast`, and `functions/`;
//! - `inputs` and `live`: the `kured` and `gate` blocks they share, from configuration or
//!   from the cluster;
//! - `validators`: checks of argument values that several adapters make (which way an
//!   object is described, Kubernetes names, durations), each on the attribute at fault;
//! - `findings`: policy findings as diagnostics on the attribute at fault, with their code;
//! - [`cluster`]: read-only access to a live cluster through `kube`;
//! - [`version`]: what `--version` prints and the handshake logs.

pub mod cluster;
mod findings;
mod functions;
mod gated_reboot_policy;
mod inputs;
mod live;
mod pdb_coverage;
pub mod provider;
mod reboot_forecast;
mod sentinel_paths;
mod validators;
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
    tfplugin::serve::main(
        KuredProvider,
        tfplugin::serve::ServeOptions::new(PROVIDER_ADDRESS).with_version(version::summary()),
    )
}
