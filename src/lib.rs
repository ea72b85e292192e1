//! terraform-provider-kured: refuses reboot policies that cannot reboot a node.
//!
//! The crate has three layers:
//! - [`core`]: the pure model of kured, its Helm chart, node paths and
//!   PodDisruptionBudgets. It knows nothing of Terraform or HTTP.
//! - [`plugin`]: Terraform's plugin protocol 6 over gRPC, owned by this project.
//! - [`provider`]: thin adapters, one file per resource, data source or function, plus
//!   the provider configuration and the cluster reads.

pub mod core;
pub mod plugin;
pub mod provider;

/// The provider's registry address, as stacks write it in `required_providers`.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/rebootgate/kured";

/// Runs the provider as a Terraform plugin.
pub fn run() -> std::process::ExitCode {
    plugin::serve::main(provider::KuredProvider, PROVIDER_ADDRESS)
}
