//! PodDisruptionBudget coverage: which budgets let a node drain finish, which never can.
//!
//! - [`selector`]: label selectors, read and validated as the API server does, printed as
//!   kubectl prints them.
//! - [`objects`]: the slim Pod, workload and budget types and the [`objects::Inventory`]
//!   read from manifests or built from a live cluster.
//! - [`text`]: the shared strings and compact label maps the inventory is made of.
//! - [`coverage`]: the disruption controller's arithmetic per budget and the findings.

pub mod coverage;
pub mod objects;
pub mod selector;
pub mod text;

pub use coverage::{BudgetReport, FINDING_CODES, Options, Report, coverage};
pub use objects::{Inventory, InventoryError, ManifestError};
pub use selector::{LabelSelector, SelectorError};
