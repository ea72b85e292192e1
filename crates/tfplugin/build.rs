//! Compiles the gRPC protocol definitions under `proto/` into Rust.
//!
//! `protox` parses the `.proto` files in pure Rust (it also ships the
//! `google/protobuf/*.proto` well-known types), so no `protoc` binary is
//! needed at build time. The resulting descriptor set is handed to
//! `tonic_prost_build`, which emits prost messages plus tonic client and
//! server code into `OUT_DIR` (one file per proto package: `tfplugin6.rs`,
//! `plugin.rs`).
//!
//! On Linux it also links the example null provider position-dependent, as the
//! provider at the workspace root links itself (see its `build.rs`), so that the floor
//! `make bench` measures with it is built the same way.

use std::error::Error;

const PROTO_DIR: &str = "proto";

const PROTO_FILES: &[&str] = &[
    "proto/tfplugin6.proto",
    "proto/grpc_controller.proto",
    "proto/grpc_stdio.proto",
    "proto/grpc_broker.proto",
];

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed={PROTO_DIR}");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-examples=-no-pie");
    }

    let descriptors = protox::compile(PROTO_FILES, [PROTO_DIR])?;

    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        // Every RPC gets a default body returning `Status::unimplemented`,
        // so the provider only implements the RPCs it supports.
        .generate_default_stubs(true)
        // We emit our own rerun-if-changed above.
        .emit_rerun_if_changed(false)
        .compile_fds(descriptors)?;

    Ok(())
}
