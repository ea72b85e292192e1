//! kured itself, as its source reads its configuration.
//!
//! - [`flags`]: the value kured ends up with for a flag, from args, env and its version;
//! - [`sentinel`]: the sentinel file or command kured checks;
//! - [`settings`]: its other settings (durations, force, concurrency, drain, blockers);
//! - [`window`]: the reboot window (days, start, end, time zone).

pub mod flags;
pub mod sentinel;
pub mod settings;
pub mod window;
