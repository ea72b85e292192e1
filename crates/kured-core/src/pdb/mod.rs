//! PodDisruptionBudget coverage: which budgets let a node drain finish, which never can.
//!
//! - [`objects`]: the slim Pod, workload and budget types and the [`objects::Inventory`]
//!   read from manifests or built from a live cluster.

pub mod coverage;
pub mod objects;

pub use crate::k8s::selector::{LabelSelector, SelectorError};
pub use coverage::{BudgetReport, FINDING_CODES, Options, Report, coverage};
pub use objects::{Inventory, InventoryError, ManifestError};
