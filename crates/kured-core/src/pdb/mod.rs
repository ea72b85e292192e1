//! PodDisruptionBudget coverage: which budgets let a node drain finish, which never can.
//!
//! - [`objects`]: the slim Pod, workload and budget types and the [`objects::Inventory`]
//!   read from manifests or built from a live cluster;
//! - [`coverage`]: each budget's status as the disruption controller computes it;
//! - [`finding`]: what coverage finds about a budget, with stable codes;
//! - [`exempt`]: budgets exempted because an operator resolves them during a drain.

pub mod coverage;
pub mod exempt;
pub mod finding;
pub mod objects;
pub mod stream;

pub use crate::k8s::selector::{LabelSelector, SelectorError};
pub use coverage::{BudgetReport, Options, Report, coverage};
pub use exempt::{ExemptionError, Exemptions};
pub use finding::BudgetFinding;
pub use objects::{Inventory, InventoryError, ManifestError};
