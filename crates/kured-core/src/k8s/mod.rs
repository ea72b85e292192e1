//! The few Kubernetes shapes the model reads.
//!
//! - [`container`]: a pod template's containers, env, mounts and volumes;
//! - [`manifest`]: a DaemonSet manifest read into that template;
//! - [`mounts`]: where a container path lands on the node;
//! - [`selector`]: label selectors, read as the API server reads them, printed as kubectl does;
//! - [`label_query`]: label selectors written as text (`app=web,tier in (a,b)`);
//! - [`placement`]: which nodes run a DaemonSet's ready pods.

pub mod container;
pub mod label_query;
pub mod manifest;
pub mod mounts;
pub mod placement;
pub mod selector;
