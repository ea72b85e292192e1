//! The plugin layer: Terraform's plugin protocol 6 over gRPC, owned by this project.
//!
//! - [`handshake`] and [`serve`] start the process the way go-plugin expects;
//! - [`tls`] answers Terraform's AutoMTLS;
//! - `server` maps each RPC onto the traits in [`api`];
//! - [`types`], [`value`], [`number`], [`msgpack`] and [`json`] carry Terraform values;
//! - [`schema`] and [`diag`] are what providers declare and report;
//! - [`model`](mod@model) declares a configuration once, as a Rust struct, and gets its schema,
//!   decoding (with attribute paths) and computed values from it.

pub mod api;
mod convert;
pub mod diag;
pub mod handshake;
pub mod json;
mod logging;
#[deny(missing_docs)]
pub mod model;
pub mod msgpack;
pub mod number;
pub mod proto;
pub mod schema;
pub mod serve;
mod server;
pub mod tls;
pub mod types;
pub mod value;

/// The attribute that makes the `async fn`s of [`api::Provider`], [`api::Resource`] and
/// [`api::DataSource`] implementable; re-exported so providers need not depend on tonic.
pub use tonic::async_trait;
