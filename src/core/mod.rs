//! The pure core: what kured and its chart do with values, where paths land on the node,
//! and what PodDisruptionBudgets allow. Nothing here knows Terraform, gRPC or HTTP.

pub mod chart;
pub mod container;
pub mod duration;
pub mod helm_values;
pub mod kured_flags;
pub mod manifest;
pub mod mounts;
pub mod node_path;
pub mod pdb;
pub mod placement;
pub mod policy;
pub mod recommended;
pub mod resolve;
pub mod sentinel;
pub mod version;
pub mod window;
pub mod yaml;
