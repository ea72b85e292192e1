//! Provider functions (Terraform 1.8 and newer), one per file. Terraform calls them
//! without configuring the provider, so they use the default host path aliases.

mod node_path;
mod sentinel_host_path;

pub use node_path::NodePath;
pub use sentinel_host_path::SentinelHostPath;
