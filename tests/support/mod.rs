//! Helpers shared by the integration tests; each test binary includes them
//! with `mod support;`.

pub mod diagnostics;
pub mod fake_apiserver;
pub mod kured;
pub mod terraform;
