//! Building blocks with no Kubernetes or kured meaning of their own.
//!
//! - [`duration`]: Go's `time.Duration`, parsed and printed as Go does;
//! - [`node_path`]: slash paths by Go's `path` rules, and node directories known under two names;
//! - [`text`]: shared strings and compact label maps for inventories of 100k objects;
//! - [`version`]: `major.minor.patch` versions of charts and kured;
//! - [`yaml`]: user YAML (values files, manifests) read into JSON-shaped documents.

pub mod duration;
pub mod node_path;
pub mod text;
pub mod version;
pub mod yaml;
