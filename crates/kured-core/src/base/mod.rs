//! Building blocks with no Kubernetes or kured meaning of their own.
//!
//! - [`duration`]: Go's `time.Duration`, parsed and printed as Go does;
//! - [`go_regexp`]: Go regular expressions, checked as `regexp.Compile` parses them;
//! - [`node_path`]: slash paths by Go's `path` rules, and node directories known under two names;
//! - [`strconv`]: integers and booleans in Go's `strconv` syntax, as pflag reads them;
//! - [`text`]: shared strings and compact label maps for inventories of 100k objects;
//! - [`version`]: `major.minor.patch` versions of charts and kured;
//! - [`yaml`]: user YAML (values files, manifests) read into JSON-shaped documents.

pub mod duration;
pub mod go_regexp;
pub mod node_path;
pub mod strconv;
pub mod text;
pub mod version;
pub mod yaml;
