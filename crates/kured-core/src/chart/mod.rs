//! The kured Helm chart (kubereboot/charts, `charts/kured`) as the model knows it.
//!
//! - [`releases`]: every release with its kured version, the versions at which the chart
//!   changed what the model renders, and the sentinel bands; everything else here derives
//!   its version rules from it;
//! - [`values`]: the values a release renders with, merged as Helm merges them;
//! - [`render`]: the kured container a release renders from those values;
//! - [`recommended`]: the values that make a release watch a given node file;
//! - [`keys`]: the values keys each release reads, and [`strict`]: the values it would
//!   take other than as meant (unknown keys, keys of other releases, quoted booleans);
//! - [`provenance`]: which `values` entry set each key, so findings land on it;
//! - [`cache`]: renders memoized, one per distinct [`ChartRequest`].

pub mod cache;
pub mod keys;
pub mod provenance;
pub mod recommended;
pub mod releases;
pub mod render;
pub mod set;
pub mod strict;
pub mod values;

pub use cache::{Render, RenderCache, Rendered, Uncached};
pub use releases::{NEWEST_SUPPORTED, OLDEST_SUPPORTED, SentinelBand};
pub use render::{
    ChartError, ChartRequest, RenderedKured, SENTINEL_MOUNT_PATH, SENTINEL_VOLUME,
    configuration_key, render_kured,
};
