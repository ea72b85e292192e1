//! Terraform's plugin protocol 6 over tonic, for providers written in Rust.
//!
//! A provider implements [`api::Provider`] and one trait per resource, data source and
//! function, declares schemas with [`schema`], reports [`diag::Diagnostics`] on attribute
//! paths, and hands itself to [`serve::main`]. `examples/null_provider.rs` is a complete
//! provider in about 150 lines; the crate's README walks through it.
//!
//! What the crate does for the provider:
//!
//! - [`handshake`] and [`serve`] start the process the way go-plugin expects: the magic
//!   cookie, protocol negotiation, a Unix socket, the handshake line, `--debug` with
//!   `TF_REATTACH_PROVIDERS`, and a prompt exit on `GRPCController.Shutdown`;
//! - [`tls`] answers Terraform's AutoMTLS with a fresh certificate per start;
//! - the server maps each RPC onto the traits in [`api`], running each request in its own
//!   task so that a panic becomes an error diagnostic instead of a crashed plugin;
//! - [`types`], [`value`], [`number`], [`msgpack`] and [`json`] carry Terraform values with
//!   null and unknown at any depth and numbers of any size;
//! - [`schema`] and [`diag`] are what providers declare and report;
//! - [`model`](mod@model) declares a configuration once, as a Rust struct, and gets its
//!   schema, decoding (with attribute paths) and computed values from it;
//! - [`proto`] is the generated protocol (tfplugin6 6.10, go-plugin's services) for
//!   anything the traits do not cover.

#![deny(missing_docs)]

// The README's example is compiled as a doc test, so it cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;

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
