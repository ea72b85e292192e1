//! Helpers shared by the integration tests; each test binary includes them
//! with `mod support;`.

pub mod fake_apiserver;
pub mod forecast;
pub mod kured;
pub mod terraform;
