//! Links the provider binary as a position-dependent executable on Linux.
//!
//! Terraform starts the provider three times per plan and four per apply, and each start
//! of a position-independent build made the dynamic loader apply 27,911 relative
//! relocations (0.56M instructions and a private copy of every page they touch) before
//! `main`. Linked at a fixed address, the binary has none left, as Go providers (built
//! without `-buildmode=pie`) have none. Only `ld.so`'s handful of symbol bindings against
//! libc remain. Shared libraries, the heap and the stack stay randomised.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // `-no-pie` is a flag of the gcc and clang drivers, which Rust uses to link on Linux.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
