//! Helpers shared by the integration tests; each test binary includes them
//! with `mod support;`.

pub mod diagnostics;
pub mod fake_apiserver;
pub mod fixes;
pub mod forecast;
pub mod https;
pub mod kured;
pub mod pki;
pub mod pods;
pub mod proxies;
pub mod release;
pub mod terraform;
